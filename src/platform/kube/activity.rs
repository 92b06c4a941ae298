//! A cluster app's activity, read from the API on demand: each Deployment's ReplicaSets are its
//! revisions (when, which images, the change-cause if one was recorded), and the Events of its
//! workloads and their pods say what the kubelet, the scheduler and the controllers did (started,
//! killed, back-off, pulled). Events live about an hour in a default cluster: older ones are gone.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::ListParams;

use super::KubeBackend;
use super::actions::parse_workload;
use crate::model::{ActivityEntry, HostTarget};

fn ts(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Timestamp {
    t.0
}

pub async fn activity(k: &KubeBackend, t: &HostTarget, since: Option<Timestamp>) -> Result<Vec<ActivityEntry>, String> {
    let client = k.client().await.map_err(|e| e.message)?;
    let mut out = Vec::new();
    let mut namespaces: Vec<&str> = Vec::new();
    let workloads: Vec<(&str, &str, &str)> = t.units.iter().filter_map(|w| parse_workload(w).ok()).collect();
    for (_, ns, _) in &workloads {
        if !namespaces.contains(ns) {
            namespaces.push(ns);
        }
    }
    for ns in namespaces {
        let mine: Vec<&(&str, &str, &str)> = workloads.iter().filter(|w| w.1 == ns).collect();
        let sets = Api::<ReplicaSet>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await
            .map_err(|e| format!("{}: replicasets in {ns}: {}", t.host, super::backend::describe(&e).1))?;
        // Newest revision first: ReplicaSets made in the same second keep their order.
        let mut sets = sets.items;
        let rev = |rs: &ReplicaSet| -> u64 {
            rs.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("deployment.kubernetes.io/revision"))
                .and_then(|r| r.parse().ok())
                .unwrap_or(0)
        };
        sets.sort_by_key(|rs| std::cmp::Reverse(rev(rs)));
        for rs in &sets {
            let Some(owner) = rs.metadata.owner_references.iter().flatten().find(|o| o.kind == "Deployment") else { continue };
            if !mine.iter().any(|(kind, _, name)| *kind == "deployment" && *name == owner.name) {
                continue;
            }
            let ann = rs.metadata.annotations.as_ref();
            let revision = ann.and_then(|a| a.get("deployment.kubernetes.io/revision")).cloned().unwrap_or_else(|| "?".into());
            let images: Vec<String> = rs
                .spec
                .template
                .as_ref()
                .and_then(|t| t.spec.as_ref())
                .map(|s| s.containers.iter().filter_map(|c| c.image.clone()).collect())
                .unwrap_or_default();
            let cause = ann.and_then(|a| a.get("kubernetes.io/change-cause")).map(|c| format!(" · {c}")).unwrap_or_default();
            let Some(at) = rs.metadata.creation_timestamp.as_ref().map(ts) else { continue };
            out.push(ActivityEntry {
                at,
                host: t.host.clone(),
                who: "deployment-controller".into(),
                what: "rollout".into(),
                detail: format!("deployment/{ns}/{}: revision {revision} ({}){cause}", owner.name, images.join(", ")),
            });
        }
        // Events are few per namespace: one list, then the app's own.
        let events = match Api::<Event>::namespaced(client.clone(), ns).list(&ListParams::default()).await {
            Ok(e) => e.items,
            // An RBAC that hides events hides only them.
            Err(e) => {
                tracing::debug!("{}: events in {ns}: {}", t.host, super::backend::describe(&e).1);
                Vec::new()
            }
        };
        for e in events {
            let obj = &e.involved_object;
            let name = obj.name.as_deref().unwrap_or("");
            let ours = mine.iter().any(|(_, _, w)| name == *w || name.starts_with(&format!("{w}-")));
            if !ours {
                continue;
            }
            let at = e.last_timestamp.as_ref().or(e.first_timestamp.as_ref()).map(ts).or_else(|| e.event_time.as_ref().map(|t| t.0));
            let Some(at) = at else { continue };
            let who = e
                .source
                .as_ref()
                .and_then(|s| s.component.clone())
                .or(e.reporting_component.clone())
                .unwrap_or_else(|| "kubernetes".into());
            let kind = obj.kind.as_deref().unwrap_or("").to_lowercase();
            let count = e.count.filter(|c| *c > 1).map(|c| format!(" (×{c})")).unwrap_or_default();
            out.push(ActivityEntry {
                at,
                host: t.host.clone(),
                who,
                what: e.reason.clone().unwrap_or_default().to_lowercase(),
                detail: format!("{kind}/{ns}/{name}: {}{count}", e.message.as_deref().unwrap_or("").trim()),
            });
        }
    }
    Ok(out.into_iter().filter(|e| since.is_none_or(|s| e.at >= s)).collect())
}
