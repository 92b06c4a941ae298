//! fleet.toml's `[kubernetes]`: which kubeconfig contexts become cluster rows, which namespaces
//! are read, and the labels that make the app convention.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KubernetesConfig {
    /// Read kubeconfig contexts at all.
    pub enabled: bool,
    /// A kubeconfig file; default: $KUBECONFIG (several files, merged as kubectl merges them),
    /// else ~/.kube/config.
    pub kubeconfig: Option<String>,
    /// Glob patterns a context name must match (any of them).
    pub contexts: Vec<String>,
    /// Namespaces to read; empty: all of them (which needs cluster-wide list rights).
    pub namespaces: Vec<String>,
    /// The label naming a workload's app; without it, the workload's name is the app.
    pub app_label: String,
    /// The label naming the process; without it, the workload's name is the process.
    pub process_label: String,
    /// An in-cluster Prometheus (kube-prometheus-stack) as `NAMESPACE/SERVICE:PORT`, reached
    /// through the API server's service proxy; pod metrics come from it instead of
    /// metrics-server.
    pub prometheus: Option<String>,
}

impl Default for KubernetesConfig {
    fn default() -> Self {
        KubernetesConfig {
            enabled: true,
            kubeconfig: None,
            contexts: vec!["*".into()],
            namespaces: Vec::new(),
            app_label: "app.kubernetes.io/name".into(),
            process_label: "app.kubernetes.io/component".into(),
            prometheus: None,
        }
    }
}

impl KubernetesConfig {
    pub fn validate(&self) -> Result<(), String> {
        let label =
            |l: &str| !l.is_empty() && l.len() <= 316 && l.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        if !label(&self.app_label) || !label(&self.process_label) {
            return Err("app_label and process_label must be Kubernetes label keys".into());
        }
        if let Some(p) = &self.prometheus {
            PromRef::parse(p)?;
        }
        if let Some(ns) =
            self.namespaces.iter().find(|n| n.is_empty() || !n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        {
            return Err(format!("namespace {ns:?} is not a Kubernetes namespace name"));
        }
        Ok(())
    }
}

/// An in-cluster Prometheus service (`[kubernetes] prometheus = "NAMESPACE/SERVICE:PORT"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromRef {
    pub namespace: String,
    pub service: String,
    pub port: u16,
}

impl PromRef {
    /// `monitoring/prometheus-operated:9090`.
    pub fn parse(s: &str) -> Result<PromRef, String> {
        let bad = || format!("prometheus {s:?}: expected NAMESPACE/SERVICE:PORT, e.g. monitoring/prometheus-operated:9090");
        let (ns, rest) = s.split_once('/').ok_or_else(bad)?;
        let (svc, port) = rest.split_once(':').ok_or_else(bad)?;
        let ok = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok(ns) || !ok(svc) {
            return Err(bad());
        }
        Ok(PromRef { namespace: ns.into(), service: svc.into(), port: port.parse().map_err(|_| bad())? })
    }
}
