//! An in-cluster Prometheus (kube-prometheus-stack) as the source of pod metrics, reached
//! through the API server's service proxy (`/api/v1/namespaces/NS/services/SVC:PORT/proxy/…`),
//! so nothing needs exposing: PromQL instant queries for each pod's CPU (cAdvisor's counters as
//! rates) and working-set memory.

use serde_json::Value;

use super::KubeBackend;
use crate::metrics::prometheus::{Sample, encode, parse_vector};
use crate::model::{HostError, HostErrorKind};

pub use crate::config::kubernetes::PromRef;

pub async fn query(k: &KubeBackend, p: &PromRef, promql: &str) -> Result<Vec<Sample>, HostError> {
    let client = k.client().await?;
    let path = format!("/api/v1/namespaces/{}/services/{}:{}/proxy/api/v1/query?query={}", p.namespace, p.service, p.port, encode(promql));
    let req = http::Request::get(path).body(Vec::new()).map_err(|e| HostError::new(HostErrorKind::Command, e.to_string()))?;
    let where_ = format!("prometheus {}/{}:{}", p.namespace, p.service, p.port);
    let text = client
        .request_text(req)
        .await
        .map_err(|e| HostError::new(HostErrorKind::Command, format!("{where_}: {}", super::backend::describe(&e).1)))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|_| HostError::new(HostErrorKind::Command, format!("{where_}: not a Prometheus API answer")))?;
    if v["status"] != "success" {
        return Err(HostError::new(HostErrorKind::Command, format!("{where_}: {}", v["error"].as_str().unwrap_or("query failed"))));
    }
    parse_vector(&v["data"]).map_err(|e| HostError::new(HostErrorKind::Command, format!("{where_}: {e}")))
}

/// (namespace, pod) → (CPU cores, memory bytes) for these pods.
pub async fn pod_usage(
    k: &KubeBackend,
    p: &PromRef,
    pods: &[(String, String)],
) -> Result<Vec<((String, String), Option<f64>, Option<f64>)>, HostError> {
    if pods.is_empty() {
        return Ok(Vec::new());
    }
    // Pod names are DNS labels: safe inside a regex alternation.
    let names: Vec<&str> = pods.iter().map(|(_, n)| n.as_str()).collect();
    let sel = format!("container!=\"\",pod=~\"{}\"", names.join("|"));
    let cpu = query(k, p, &format!("sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{{{sel}}}[5m]))")).await?;
    let mem = query(k, p, &format!("sum by (namespace, pod) (container_memory_working_set_bytes{{{sel}}})")).await?;
    let get = |set: &[Sample], ns: &str, pod: &str| {
        set.iter()
            .find(|s| s.labels.get("pod").map(String::as_str) == Some(pod) && s.labels.get("namespace").is_none_or(|n| n == ns))
            .map(|s| s.value)
    };
    Ok(pods.iter().map(|(ns, pod)| ((ns.clone(), pod.clone()), get(&cpu, ns, pod), get(&mem, ns, pod))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(
            PromRef::parse("monitoring/prometheus-operated:9090").unwrap(),
            PromRef { namespace: "monitoring".into(), service: "prometheus-operated".into(), port: 9090 }
        );
        assert!(PromRef::parse("prometheus:9090").is_err());
        assert!(PromRef::parse("mon/../x:9090").is_err());
        assert!(PromRef::parse("mon/prom:http").is_err());
    }
}
