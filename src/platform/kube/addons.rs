//! A cluster's add-ons: its StatefulSets and Deployments whose image (or
//! `app.kubernetes.io/name`) says Redis, PostgreSQL, MySQL and friends, linked to the apps whose
//! env points at them by Service name (`redis`, `redis.prod`, `redis.prod.svc…`) — the same
//! Add-ons tab and `fleet addons` as droplets.

use super::KubeBackend;
use crate::addons::link::target;
use crate::addons::{AddOn, AddonProblem, Kind, Use};
use crate::model::{HostError, HostReport, ProcessKind, ProcessState};

/// The names a workload's Service answers to in its namespace and the cluster.
pub fn service_names(name: &str, ns: &str) -> Vec<String> {
    vec![name.to_string(), format!("{name}.{ns}"), format!("{name}.{ns}.svc"), format!("{name}.{ns}.svc.cluster.local")]
}

pub async fn cluster_addons(k: &KubeBackend, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
    // One add-on per workload whose pods run an add-on's image.
    let mut addons: Vec<AddOn> = Vec::new();
    for p in &report.processes {
        let Some(workload) = p.workload.as_deref() else { continue };
        let Ok((kind_word, ns, name)) = super::actions::parse_workload(workload) else { continue };
        if !matches!(kind_word, "statefulset" | "deployment") || addons.iter().any(|a| a.unit == workload) {
            continue;
        }
        let image = p.detail.rsplit(" · ").next().unwrap_or("");
        let Some(kind) = Kind::of_image(image).or_else(|| Kind::of_image(&p.app)) else { continue };
        let pods: Vec<_> =
            report.processes.iter().filter(|q| q.workload.as_deref() == Some(workload) && q.kind == ProcessKind::KubePod).collect();
        let running = pods.iter().filter(|q| q.state == ProcessState::Running).count();
        let port = kind.ports().first().copied();
        addons.push(AddOn {
            host: report.host.clone(),
            kind,
            name: None,
            unit: workload.to_string(),
            state: if running > 0 { ProcessState::Running } else { ProcessState::Failed },
            detail: format!("{running}/{} pods running", pods.len().max(1)),
            version: image.rsplit_once(':').map(|(_, tag)| tag.to_string()),
            listen: port.map(|p| vec![format!("{name}.{ns}.svc:{p}")]).unwrap_or_default(),
            ports: port.into_iter().collect(),
            memory_bytes: None,
            since: p.since,
            used_by: Vec::new(),
            routes: Vec::new(),
        });
    }
    // Every app's env on this cluster, for the links.
    let mut apps: Vec<&str> = report.processes.iter().map(|p| p.app.as_str()).collect();
    apps.sort();
    apps.dedup();
    let mut problems = Vec::new();
    for app in apps {
        let procs: Vec<&crate::model::Process> = report.processes.iter().filter(|p| p.app == app).collect();
        let Ok(envs) = super::env::process_envs(k, &procs).await else { continue };
        for pe in envs {
            for (key, value, _) in pe.vars {
                let Some(t) = target(&value) else { continue };
                let host = t.host.to_ascii_lowercase();
                let hit = addons.iter_mut().find(|a| {
                    let Ok((_, ns, name)) = super::actions::parse_workload(&a.unit) else { return false };
                    service_names(name, ns).contains(&host) && t.port.is_none_or(|p| a.ports.contains(&p))
                });
                match hit {
                    Some(a) => {
                        if !a.used_by.iter().any(|u| u.app == app && u.key == key) {
                            a.used_by.push(Use { app: app.to_string(), key: key.clone() });
                        }
                        if a.state != ProcessState::Running && !problems.iter().any(|p: &AddonProblem| p.app == app && p.key == key) {
                            problems.push(AddonProblem {
                                host: report.host.clone(),
                                app: app.to_string(),
                                key: key.clone(),
                                message: format!("{} points at {}, which has no running pod", key, a.unit),
                                kind: crate::model::addon::AddonProblemKind::Pointer,
                            });
                        }
                    }
                    None => {
                        // An in-cluster name of the kind's that no workload here answers to.
                        if t.kind.is_some() && (host.ends_with(".svc") || host.ends_with(".svc.cluster.local")) {
                            problems.push(AddonProblem {
                                host: report.host.clone(),
                                app: app.to_string(),
                                key: key.clone(),
                                message: format!("{key} points at {host}, and no add-on workload on {} answers to that name", report.host),
                                kind: crate::model::addon::AddonProblemKind::Pointer,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok((addons, problems))
}
