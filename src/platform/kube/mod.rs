//! Kubernetes clusters through kube-rs: every kubeconfig context is a host row, its workloads
//! become apps by the same convention spirit as droplets (`app.kubernetes.io/name`), so one app
//! can run on droplets and clusters at once and shows as one.

pub mod actions;
pub mod activity;
pub mod addons;
pub mod apps;
pub mod backend;
pub mod certs;
pub mod contexts;
pub mod env;
pub mod exec;
pub mod logs;
pub mod metrics;
pub mod platform;
pub mod prometheus;

pub use backend::KubeBackend;
pub use platform::{INFO, info};

/// What every cluster backend needs: the kubeconfig as loaded, namespaces and labels.
#[derive(Debug, Clone, Default)]
pub struct KubeSetup {
    pub loaded: contexts::Loaded,
    pub namespaces: Vec<String>,
    pub labels: apps::Labels,
    /// An in-cluster Prometheus for pod metrics (`[kubernetes] prometheus`).
    pub prometheus: Option<crate::config::kubernetes::PromRef>,
}

impl KubeSetup {
    pub fn load(config: &crate::config::kubernetes::KubernetesConfig) -> KubeSetup {
        KubeSetup {
            loaded: contexts::load(config),
            namespaces: config.namespaces.clone(),
            labels: apps::Labels { app: config.app_label.clone(), process: config.process_label.clone() },
            prometheus: config.prometheus.as_deref().and_then(|p| crate::config::kubernetes::PromRef::parse(p).ok()),
        }
    }

    /// The host rows: one per selected context (named by it; `kube:NAME` when a droplet has the
    /// name already), and one per kubeconfig file that could not be read.
    pub fn specs(&self, taken: &[crate::model::HostSpec]) -> Vec<crate::model::HostSpec> {
        let mut out: Vec<crate::model::HostSpec> = Vec::new();
        let rows = self
            .loaded
            .contexts
            .iter()
            .map(|c| (c.clone(), c.clone()))
            .chain(self.loaded.errors.iter().map(|(row, _)| (row.clone(), String::new())));
        for (name, context) in rows {
            let clash = taken.iter().chain(out.iter()).any(|s| s.id.0 == name);
            let id = if clash { format!("kube:{name}") } else { name };
            out.push(crate::model::HostSpec {
                id: crate::model::HostId(id),
                kind: crate::model::HostKind::Kube,
                destination: context,
                tags: vec!["kubernetes".into()],
                group: None,
                login: None,
                platforms: Vec::new(),
            });
        }
        out
    }

    /// The backend for a cluster row made by `specs`.
    pub fn backend(&self, spec: &crate::model::HostSpec) -> KubeBackend {
        let kubeconfig = if spec.destination.is_empty() {
            let error = self
                .loaded
                .errors
                .iter()
                .find(|(row, _)| spec.id.0.ends_with(row.as_str()))
                .map(|(_, e)| e.clone())
                .unwrap_or_else(|| "no kubeconfig".into());
            Err(error)
        } else {
            self.loaded.kubeconfig.clone().ok_or_else(|| "no kubeconfig could be read".to_string())
        };
        let mut k = KubeBackend::new(spec.id.clone(), spec.destination.clone(), kubeconfig, self.namespaces.clone(), self.labels.clone());
        k.prometheus = self.prometheus.clone();
        k
    }
}
