//! Restart, rollout and rollback of Kubernetes workloads, as kubectl does them: a restart
//! patches the pod template's `kubectl.kubernetes.io/restartedAt` annotation (`kubectl rollout
//! restart`); a rollout then watches the workload until every replica runs the new template,
//! the deadline passes or the controller gives up (`kubectl rollout status`); a rollback puts
//! the previous ReplicaSet's template back (`kubectl rollout undo`).

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};
use serde_json::json;

use super::KubeBackend;

/// `deployment/NAMESPACE/NAME` split.
pub fn parse_workload(w: &str) -> Result<(&str, &str, &str), String> {
    let mut parts = w.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(kind), Some(ns), Some(name)) if !ns.is_empty() && !name.is_empty() => Ok((kind, ns, name)),
        _ => Err(format!("{w:?} is not a workload (kind/namespace/name)")),
    }
}

/// What the confirmation shows for a restart of `workload`.
pub fn describe_restart(workload: &str) -> String {
    match parse_workload(workload) {
        Ok(("cronjob", _, name)) => format!("cronjob/{name}: skipped (a cronjob starts its own pods)"),
        Ok((kind, ns, name)) => format!("kubectl rollout restart {kind}/{name} -n {ns} (patch the restartedAt annotation)"),
        Err(e) => e,
    }
}

fn kerr(e: kube::Error) -> String {
    super::backend::describe(&e).1
}

/// Patches the workload's pod template so its controller replaces every pod.
pub async fn restart(k: &KubeBackend, workload: &str) -> Result<(), String> {
    let (kind, ns, name) = parse_workload(workload)?;
    let client = k.client().await.map_err(|e| e.message)?;
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}});
    let pp = PatchParams::default();
    let r = match kind {
        "deployment" => Api::<Deployment>::namespaced(client, ns).patch(name, &pp, &Patch::Merge(&patch)).await.map(|_| ()),
        "statefulset" => Api::<StatefulSet>::namespaced(client, ns).patch(name, &pp, &Patch::Merge(&patch)).await.map(|_| ()),
        "daemonset" => Api::<DaemonSet>::namespaced(client, ns).patch(name, &pp, &Patch::Merge(&patch)).await.map(|_| ()),
        other => return Err(format!("{other}/{name}: nothing runs to restart (a {other} starts its own pods)")),
    };
    r.map_err(|e| format!("{workload}: {}", kerr(e)))
}

/// Where a deployment's rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Waiting(String),
    Done(String),
    Failed(String),
}

/// kubectl's `rollout status` logic for a deployment.
pub fn deployment_progress(d: &Deployment) -> Progress {
    let generation = d.metadata.generation.unwrap_or(0);
    let want = d.spec.replicas.unwrap_or(1);
    let Some(s) = &d.status else { return Progress::Waiting("no status yet".into()) };
    if s.observed_generation.unwrap_or(0) < generation {
        return Progress::Waiting("waiting for the controller to see the change".into());
    }
    if let Some(c) = s.conditions.iter().flatten().find(|c| c.type_.as_deref() == Some("Progressing"))
        && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    {
        let why = crate::text::sanitize(c.message.as_deref().unwrap_or_default()).into_owned();
        return Progress::Failed(format!("the rollout exceeded its progress deadline: {why}"));
    }
    let updated = s.updated_replicas.unwrap_or(0);
    let total = s.replicas.unwrap_or(0);
    let available = s.available_replicas.unwrap_or(0);
    if updated < want {
        return Progress::Waiting(format!("{updated} of {want} new replicas updated"));
    }
    if total > updated {
        return Progress::Waiting(format!("{} old replicas pending termination", total - updated));
    }
    if available < updated {
        return Progress::Waiting(format!("{available} of {updated} updated replicas available"));
    }
    Progress::Done(format!("{updated}/{want} replicas on the new template"))
}

/// Watches the workload (not polls) until its rollout completes, fails or `timeout` passes;
/// `step` hears each change.
pub async fn wait_rolled(k: &KubeBackend, workload: &str, timeout: Duration, step: impl Fn(String)) -> Result<String, String> {
    let (kind, ns, name) = parse_workload(workload)?;
    match kind {
        "deployment" => {}
        "cronjob" => return Ok("nothing to roll (a cronjob starts its own pods)".into()),
        // StatefulSets and DaemonSets roll as their controllers do; fleet waits for deployments.
        _ => return Ok(format!("{kind} restarted (its controller replaces the pods)")),
    }
    let client = k.client().await.map_err(|e| e.message)?;
    let api: Api<Deployment> = Api::namespaced(client, ns);
    let watch = async {
        let mut stream = std::pin::pin!(kube::runtime::watcher::watch_object(api, name));
        let mut last = String::new();
        while let Some(ev) = stream.next().await {
            match ev {
                Ok(Some(d)) => match deployment_progress(&d) {
                    Progress::Done(s) => return Ok(s),
                    Progress::Failed(e) => return Err(e),
                    Progress::Waiting(s) if s != last => {
                        step(s.clone());
                        last = s;
                    }
                    Progress::Waiting(_) => {}
                },
                Ok(None) => return Err(format!("{workload} was deleted during the rollout")),
                Err(e) => step(format!("watch interrupted ({e}); resuming")),
            }
        }
        Err("the watch ended".into())
    };
    tokio::time::timeout(timeout, watch).await.map_err(|_| format!("not rolled out within {} s", timeout.as_secs()))?
}

/// `kubectl rollout undo`: the previous revision's template back on the deployment. Returns the
/// revision restored.
pub async fn rollback(k: &KubeBackend, workload: &str) -> Result<String, String> {
    let (kind, ns, name) = parse_workload(workload)?;
    if kind != "deployment" {
        return Err(format!("{kind}/{name}: rollback is for deployments (their ReplicaSets keep the history)"));
    }
    let client = k.client().await.map_err(|e| e.message)?;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let d = deployments.get(name).await.map_err(|e| format!("{workload}: {}", kerr(e)))?;
    let revision = |a: &Option<std::collections::BTreeMap<String, String>>| -> u64 {
        a.as_ref().and_then(|a| a.get("deployment.kubernetes.io/revision")).and_then(|r| r.parse().ok()).unwrap_or(0)
    };
    let current = revision(&d.metadata.annotations);
    let sets =
        Api::<ReplicaSet>::namespaced(client, ns).list(&ListParams::default()).await.map_err(|e| format!("{workload}: {}", kerr(e)))?;
    let previous = sets
        .items
        .into_iter()
        .filter(|rs| rs.metadata.owner_references.iter().flatten().any(|o| o.kind == "Deployment" && o.name == name))
        .filter(|rs| revision(&rs.metadata.annotations) < current)
        .max_by_key(|rs| revision(&rs.metadata.annotations))
        .ok_or_else(|| format!("{workload}: no earlier revision to go back to (revision {current} is the first kept)"))?;
    let rev = revision(&previous.metadata.annotations);
    let mut template = previous.spec.template.ok_or_else(|| format!("{workload}: revision {rev} has no pod template"))?;
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove("pod-template-hash");
    }
    // A merge patch that turns today's template into that one (keys it lacks become null, or
    // they would stay: a restartedAt annotation, say).
    let now = serde_json::to_value(&d.spec.template).map_err(|e| e.to_string())?;
    let then = serde_json::to_value(&template).map_err(|e| e.to_string())?;
    let patch = json!({"spec": {"template": merge_diff(&now, &then)}});
    deployments.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await.map_err(|e| format!("{workload}: {}", kerr(e)))?;
    Ok(format!("revision {rev}"))
}

/// The RFC 7386 merge patch that turns `from` into `to`.
pub fn merge_diff(from: &serde_json::Value, to: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = serde_json::Map::new();
            for (k, va) in a {
                match b.get(k) {
                    None => {
                        out.insert(k.clone(), Value::Null);
                    }
                    Some(vb) if vb != va => {
                        out.insert(k.clone(), merge_diff(va, vb));
                    }
                    Some(_) => {}
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    out.insert(k.clone(), vb.clone());
                }
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(generation: i64, observed: i64, want: i32, updated: i32, total: i32, available: i32) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "d", "generation": generation},
            "spec": {"replicas": want, "selector": {}, "template": {}},
            "status": {"observedGeneration": observed, "updatedReplicas": updated, "replicas": total, "availableReplicas": available}
        }))
        .unwrap()
    }

    #[test]
    fn rollout_status_like_kubectl() {
        assert!(matches!(deployment_progress(&dep(2, 1, 3, 3, 3, 3)), Progress::Waiting(_)), "the controller has not seen it");
        assert_eq!(deployment_progress(&dep(2, 2, 3, 1, 3, 3)), Progress::Waiting("1 of 3 new replicas updated".into()));
        assert_eq!(deployment_progress(&dep(2, 2, 3, 3, 4, 3)), Progress::Waiting("1 old replicas pending termination".into()));
        assert!(matches!(deployment_progress(&dep(2, 2, 3, 3, 3, 3)), Progress::Done(_)));
        assert_eq!(parse_workload("deployment/prod/web").unwrap(), ("deployment", "prod", "web"));
        assert!(parse_workload("pod/x").is_err());
        let from = json!({"metadata": {"labels": {"a": "1"}, "annotations": {"restartedAt": "t"}}, "spec": {"image": "x:1"}});
        let to = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"image": "x:0"}});
        assert_eq!(merge_diff(&from, &to), json!({"metadata": {"annotations": null}, "spec": {"image": "x:0"}}));
    }
}
