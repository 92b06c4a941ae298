//! Cluster metrics from metrics.k8s.io (metrics-server): each pod's CPU and memory for an app's
//! Metrics tab and `fleet metrics APP`, and the nodes' usage against their capacity for the
//! cluster's row (hosts panel, host view, `fleet metrics CLUSTER`).

use k8s_openapi::api::core::v1::Node;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, ListParams};

use super::KubeBackend;
use crate::metrics::HostMetrics;
use crate::metrics::units::UnitMetrics;
use crate::model::{HostError, HostErrorKind, Process, ProcessKind};

pub const SOURCE: &str = "metrics.k8s.io";

/// A Kubernetes quantity ("250m", "1.5", "128Mi", "2G", "12345n") as a number (cores, bytes).
pub fn quantity(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        _ => return None,
    };
    Some(n * factor)
}

fn resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: "metrics.k8s.io".into(),
        version: "v1beta1".into(),
        api_version: "metrics.k8s.io/v1beta1".into(),
        kind: kind.into(),
        plural: plural.into(),
    }
}

fn error(what: &str, e: kube::Error) -> HostError {
    match &e {
        kube::Error::Api(s) if s.code == 404 => {
            HostError::new(HostErrorKind::Command, format!("{what}: metrics.k8s.io is not served here (install metrics-server)"))
        }
        _ => {
            let (kind, msg) = super::backend::describe(&e);
            HostError::new(kind, format!("{what}: {msg}"))
        }
    }
}

/// CPU and memory of each of these pods (the app's processes on this cluster).
pub async fn pod_metrics(k: &KubeBackend, processes: &[&Process]) -> Result<Vec<UnitMetrics>, HostError> {
    if let Some(p) = &k.prometheus {
        return from_prometheus(k, p, processes).await;
    }
    let client = k.client().await?;
    let mut namespaces: Vec<String> = processes.iter().filter_map(|p| super::logs::parse_source(&p.source).map(|(ns, _)| ns)).collect();
    namespaces.sort();
    namespaces.dedup();
    let mut out = Vec::new();
    for ns in namespaces {
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource("PodMetrics", "pods"));
        let list = api.list(&ListParams::default()).await.map_err(|e| error("pod metrics", e))?;
        for p in processes.iter().filter(|p| p.kind == ProcessKind::KubePod) {
            let Some((pns, name)) = super::logs::parse_source(&p.source) else { continue };
            if pns != ns {
                continue;
            }
            let m = list.items.iter().find(|m| m.metadata.name.as_deref() == Some(name.as_str()));
            let sum = |field: &str| -> Option<f64> {
                let cs = m?.data["containers"].as_array()?;
                Some(cs.iter().filter_map(|c| quantity(c["usage"][field].as_str()?)).sum())
            };
            out.push(UnitMetrics {
                unit: name,
                active: p.state.label().to_string(),
                cpu_percent: sum("cpu").map(|cores| cores * 100.0),
                memory_bytes: sum("memory").map(|b| b as u64),
                tasks: None,
                restarts: p.restarts,
            });
        }
    }
    Ok(out)
}

/// The same from an in-cluster Prometheus (cAdvisor's series).
async fn from_prometheus(k: &KubeBackend, p: &super::prometheus::PromRef, processes: &[&Process]) -> Result<Vec<UnitMetrics>, HostError> {
    let pods: Vec<(&Process, (String, String))> = processes
        .iter()
        .filter(|p| p.kind == ProcessKind::KubePod)
        .filter_map(|p| super::logs::parse_source(&p.source).map(|x| (*p, x)))
        .collect();
    let keys: Vec<(String, String)> = pods.iter().map(|(_, k)| k.clone()).collect();
    let usage = super::prometheus::pod_usage(k, p, &keys).await?;
    Ok(pods
        .iter()
        .zip(usage)
        .map(|((proc_, (_, name)), (_, cpu, mem))| UnitMetrics {
            unit: name.clone(),
            active: proc_.state.label().to_string(),
            cpu_percent: cpu.map(|c| c * 100.0),
            memory_bytes: mem.map(|m| m as u64),
            tasks: None,
            restarts: proc_.restarts,
        })
        .collect())
}

/// The pods of one app on this cluster (from the watched stores), with their metrics.
pub async fn app_pod_metrics(k: &KubeBackend, app: &str) -> Result<Vec<UnitMetrics>, HostError> {
    let report = k.refresh().await?;
    let procs: Vec<&Process> = report.processes.iter().filter(|p| p.app == app).collect();
    pod_metrics(k, &procs).await
}

/// The cluster as one host: its nodes' usage summed against their allocatable capacity.
pub async fn cluster_metrics(k: &KubeBackend) -> Result<HostMetrics, HostError> {
    let client = k.client().await?;
    let nodes = Api::<Node>::all(client.clone()).list(&ListParams::default()).await.map_err(|e| error("nodes", e))?;
    let usage = Api::<DynamicObject>::all_with(client, &resource("NodeMetrics", "nodes"))
        .list(&ListParams::default())
        .await
        .map_err(|e| error("node metrics", e))?;
    let capacity = |field: &str| -> f64 {
        nodes
            .items
            .iter()
            .filter_map(|n| {
                let s = n.status.as_ref()?;
                let q = s.allocatable.as_ref().and_then(|a| a.get(field)).or_else(|| s.capacity.as_ref().and_then(|c| c.get(field)))?;
                quantity(&q.0)
            })
            .sum()
    };
    let used = |field: &str| -> f64 { usage.items.iter().filter_map(|m| quantity(m.data["usage"][field].as_str()?)).sum() };
    let (cpu_cap, mem_cap) = (capacity("cpu"), capacity("memory"));
    let (cpu, mem) = (used("cpu"), used("memory"));
    Ok(HostMetrics {
        source: SOURCE,
        cpu_percent: (cpu_cap > 0.0).then(|| (cpu / cpu_cap * 100.0).clamp(0.0, 100.0)),
        load: [0.0; 3],
        mem_used: mem as u64,
        mem_available: (mem_cap - mem).max(0.0) as u64,
        mem_total: mem_cap as u64,
        disks: Vec::new(),
        net_rx_per_sec: None,
        net_tx_per_sec: None,
        uptime_secs: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(quantity("250m"), Some(0.25));
        assert_eq!(quantity("2"), Some(2.0));
        assert_eq!(quantity("128Mi"), Some(134_217_728.0));
        assert_eq!(quantity("1.5Gi"), Some(1_610_612_736.0));
        assert!((quantity("12345678n").unwrap() - 0.012345678).abs() < 1e-12);
        assert_eq!(quantity("1G"), Some(1e9));
        assert_eq!(quantity("lots"), None);
        assert_eq!(quantity("5Xi"), None);
    }
}
