//! A cluster app's env as its containers get it: `envFrom` (ConfigMaps and Secrets, in order)
//! then `env` (literal values and `valueFrom` references, which win), each value with where it
//! comes from. Secrets are read to resolve references and always masked unless revealed;
//! values the kubelet fills in (fieldRef, resourceFieldRef) are shown as such. Read-only.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{ConfigMap, Container, PodTemplateSpec, Secret};
use kube::{Api, Client};

use super::KubeBackend;
use super::actions::parse_workload;
use crate::env::table::{EnvSource, ProcessEnv};
use crate::model::{HostError, HostErrorKind, Process};

fn kerr(what: &str, e: kube::Error) -> String {
    format!("{what}: {}", super::backend::describe(&e).1)
}

/// The pod template of `kind/ns/name`.
async fn template(client: &Client, workload: &str) -> Result<PodTemplateSpec, String> {
    let (kind, ns, name) = parse_workload(workload)?;
    let c = client.clone();
    let t = match kind {
        "deployment" => Api::<Deployment>::namespaced(c, ns).get(name).await.map(|d| d.spec.template),
        "statefulset" => Api::<StatefulSet>::namespaced(c, ns).get(name).await.map(|d| d.spec.template),
        "daemonset" => Api::<DaemonSet>::namespaced(c, ns).get(name).await.map(|d| d.spec.template),
        "cronjob" => {
            Api::<CronJob>::namespaced(c, ns).get(name).await.map(|d| d.spec.job_template.spec.map(|j| j.template).unwrap_or_default())
        }
        other => return Err(format!("{other}: not a workload fleet reads env from")),
    };
    t.map_err(|e| kerr(workload, e))
}

/// ConfigMaps and Secrets read once per call.
struct Refs<'a> {
    client: &'a Client,
    ns: String,
    maps: HashMap<String, Result<BTreeMap<String, String>, String>>,
    secrets: HashMap<String, Result<BTreeMap<String, String>, String>>,
}

impl Refs<'_> {
    async fn map(&mut self, name: &str) -> &Result<BTreeMap<String, String>, String> {
        if !self.maps.contains_key(name) {
            let r = Api::<ConfigMap>::namespaced(self.client.clone(), &self.ns)
                .get(name)
                .await
                .map(|c| c.data.unwrap_or_default())
                .map_err(|e| kerr(&format!("configmap {}/{name}", self.ns), e));
            self.maps.insert(name.to_string(), r);
        }
        &self.maps[name]
    }

    async fn secret(&mut self, name: &str) -> &Result<BTreeMap<String, String>, String> {
        if !self.secrets.contains_key(name) {
            let r = Api::<Secret>::namespaced(self.client.clone(), &self.ns)
                .get(name)
                .await
                .map(|s| {
                    let mut out: BTreeMap<String, String> = s.string_data.unwrap_or_default();
                    for (k, v) in s.data.unwrap_or_default() {
                        out.insert(k, String::from_utf8_lossy(&v.0).into_owned());
                    }
                    out
                })
                .map_err(|e| kerr(&format!("secret {}/{name}", self.ns), e));
            self.secrets.insert(name.to_string(), r);
        }
        &self.secrets[name]
    }
}

/// One container's env, in Kubernetes' precedence (later entries replace earlier ones).
async fn container_env(refs: &mut Refs<'_>, workload: &str, c: &Container, problems: &mut Vec<String>) -> Vec<(String, String, EnvSource)> {
    let mut vars: Vec<(String, String, EnvSource)> = Vec::new();
    let set = |vars: &mut Vec<(String, String, EnvSource)>, k: String, v: String, src: EnvSource| {
        vars.retain(|(key, _, _)| *key != k);
        vars.push((k, v, src));
    };
    let ns = refs.ns.clone();
    for from in c.env_from.iter().flatten() {
        let prefix = from.prefix.clone().unwrap_or_default();
        if let Some(r) = &from.config_map_ref {
            match refs.map(&r.name).await.clone() {
                Ok(data) => {
                    for (k, v) in data {
                        set(
                            &mut vars,
                            format!("{prefix}{k}"),
                            v,
                            EnvSource::KubeConfigMap { namespace: ns.clone(), name: r.name.clone(), key: k },
                        );
                    }
                }
                Err(e) if !r.optional.unwrap_or(false) => problems.push(e),
                Err(_) => {}
            }
        }
        if let Some(r) = &from.secret_ref {
            match refs.secret(&r.name).await.clone() {
                Ok(data) => {
                    for (k, v) in data {
                        set(
                            &mut vars,
                            format!("{prefix}{k}"),
                            v,
                            EnvSource::KubeSecret { namespace: ns.clone(), name: r.name.clone(), key: k },
                        );
                    }
                }
                Err(e) if !r.optional.unwrap_or(false) => problems.push(e),
                Err(_) => {}
            }
        }
    }
    for e in c.env.iter().flatten() {
        let Some(from) = &e.value_from else {
            set(&mut vars, e.name.clone(), e.value.clone().unwrap_or_default(), EnvSource::KubeSpec { workload: workload.to_string() });
            continue;
        };
        if let Some(r) = &from.secret_key_ref {
            match refs.secret(&r.name).await.clone().map(|d| d.get(&r.key).cloned()) {
                Ok(Some(v)) => set(
                    &mut vars,
                    e.name.clone(),
                    v,
                    EnvSource::KubeSecret { namespace: ns.clone(), name: r.name.clone(), key: r.key.clone() },
                ),
                Ok(None) if !r.optional.unwrap_or(false) => {
                    problems.push(format!("{}: secret {ns}/{} has no key {:?}", e.name, r.name, r.key))
                }
                Err(err) if !r.optional.unwrap_or(false) => problems.push(format!("{}: {err}", e.name)),
                _ => {}
            }
        } else if let Some(r) = &from.config_map_key_ref {
            match refs.map(&r.name).await.clone().map(|d| d.get(&r.key).cloned()) {
                Ok(Some(v)) => set(
                    &mut vars,
                    e.name.clone(),
                    v,
                    EnvSource::KubeConfigMap { namespace: ns.clone(), name: r.name.clone(), key: r.key.clone() },
                ),
                Ok(None) if !r.optional.unwrap_or(false) => {
                    problems.push(format!("{}: configmap {ns}/{} has no key {:?}", e.name, r.name, r.key))
                }
                Err(err) if !r.optional.unwrap_or(false) => problems.push(format!("{}: {err}", e.name)),
                _ => {}
            }
        } else if let Some(f) = &from.field_ref {
            set(&mut vars, e.name.clone(), String::new(), EnvSource::KubeField { path: f.field_path.clone() });
        } else if let Some(r) = &from.resource_field_ref {
            set(&mut vars, e.name.clone(), String::new(), EnvSource::KubeField { path: r.resource.clone() });
        }
    }
    vars
}

/// The env of each of the app's workloads on this cluster (one entry per container).
pub async fn process_envs(k: &KubeBackend, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
    let client = k.client().await?;
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for p in processes {
        let Some(workload) = p.workload.as_deref() else { continue };
        if seen.contains(&workload) {
            continue;
        }
        seen.push(workload);
        let (_, ns, _) = parse_workload(workload).map_err(|e| HostError::new(HostErrorKind::Command, e))?;
        let t = template(&client, workload).await.map_err(|e| HostError::new(HostErrorKind::Command, e))?;
        let mut refs = Refs { client: &client, ns: ns.to_string(), maps: HashMap::new(), secrets: HashMap::new() };
        let containers = t.spec.map(|s| s.containers).unwrap_or_default();
        let many = containers.len() > 1;
        for c in &containers {
            let mut problems = Vec::new();
            let vars = container_env(&mut refs, workload, c, &mut problems).await;
            out.push(ProcessEnv {
                host: k.id().clone(),
                process: if many { format!("{}:{}", p.process, c.name) } else { p.process.clone() },
                unit: workload.to_string(),
                vars,
                problems: problems.into_iter().map(|e| format!("{}: {workload}: {e}", k.id())).collect(),
            });
        }
    }
    Ok(out)
}
