//! A machine's own metrics: node_exporter first (through the transport), /proc when there is
//! none.

use super::commands;
use crate::metrics::{HostSample, node, procfs};
use crate::model::{HostError, HostErrorKind};
use crate::transport::Transport;
use crate::transport::http::http_get;

/// One sample and where it came from.
pub async fn sample(transport: &Transport, node_exporter: &str) -> Result<(&'static str, HostSample), HostError> {
    // Only the collectors fleet reads (a quarter of the bytes, and less work for the exporter);
    // an exporter without one of them enabled answers 400, and then gets the plain URL.
    let filtered = format!(
        "{node_exporter}{}{}",
        if node_exporter.contains('?') { "&" } else { "?" },
        node::COLLECTORS.iter().map(|c| format!("collect%5B%5D={c}")).collect::<Vec<_>>().join("&")
    );
    for url in [filtered.as_str(), node_exporter] {
        if let Ok((200, body)) = http_get(transport, url, 8 * 1024 * 1024).await
            && let Ok(s) = node::parse(&body)
        {
            return Ok(("node_exporter", s));
        }
    }
    let out = transport.exec(commands::PROCFS).await?;
    procfs::parse(&String::from_utf8_lossy(&out.stdout)).map(|s| ("/proc", s)).map_err(|e| HostError::new(HostErrorKind::Command, e))
}
