//! Taking samples from a host: node_exporter first, /proc when there is none.

use std::time::Duration;

use super::{HostMetrics, HostSample, derive, node, procfs};
use crate::actions::health::http_get;
use crate::backend::Backend;
use crate::model::{HostError, HostErrorKind};

pub const NODE_EXPORTER: &str = "http://127.0.0.1:9100/metrics";

/// One sample and where it came from.
pub async fn sample(backend: &Backend, node_exporter: &str) -> Result<(&'static str, HostSample), HostError> {
    if let Ok((200, body)) = http_get(backend, node_exporter, 8 * 1024 * 1024).await
        && let Ok(s) = node::parse(&body)
    {
        return Ok(("node_exporter", s));
    }
    let out = backend.exec(procfs::SCRIPT).await?;
    procfs::parse(&String::from_utf8_lossy(&out.stdout)).map(|s| ("/proc", s)).map_err(|e| HostError::new(HostErrorKind::Command, e))
}

/// Two samples `gap` apart, so CPU and network come as rates.
pub async fn host_metrics(backend: &Backend, node_exporter: &str, gap: Duration) -> Result<HostMetrics, HostError> {
    if let Backend::Kube(k) = backend {
        return crate::kube::metrics::cluster_metrics(k).await;
    }
    let (src, a) = sample(backend, node_exporter).await?;
    tokio::time::sleep(gap).await;
    let (src2, b) = sample(backend, node_exporter).await?;
    if src != src2 {
        return Ok(derive(src2, &b, &b));
    }
    Ok(derive(src, &a, &b))
}
