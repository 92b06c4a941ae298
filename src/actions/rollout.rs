//! A rolling restart: one target at a time, the next only once this one is ready by its
//! platform's rules (a unit stable and its health URL answering; every replica on the new
//! template). A failure stops it there and leaves the remaining targets untouched.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::restart::restart_target;
use super::{backend_of, platform_for};
use crate::model::{ActionEvent, HealthCheck, HostTarget};
use crate::platform::Backend;

/// Returns Ok with the targets done, or Err naming the host that failed and why.
pub async fn rollout(
    backends: &[Arc<dyn Backend>],
    app: &str,
    targets: &[HostTarget],
    health: &HealthCheck,
    progress: &UnboundedSender<ActionEvent>,
) -> Result<usize, String> {
    for (i, t) in targets.iter().enumerate() {
        let step = |text: String| {
            let _ = progress.send(ActionEvent::Step { host: t.host.clone(), text });
        };
        let fail = |error: String| {
            let _ = progress.send(ActionEvent::HostFailed { host: t.host.clone(), error: error.clone() });
            let untouched: Vec<String> = targets[i + 1..].iter().map(|t| t.host.0.clone()).collect();
            let rest = if untouched.is_empty() { String::new() } else { format!("; not touched: {}", untouched.join(", ")) };
            let summary = format!("{app}: rollout stopped at {} ({}/{}): {error}{rest}", t.host, i + 1, targets.len());
            let _ = progress.send(ActionEvent::Finished { ok: false, summary: summary.clone() });
            summary
        };
        let platform = backend_of(backends, &t.host).and_then(|b| platform_for(b.as_ref(), t, t.platform.caps.rollout)).map_err(&fail)?;
        step(format!("{}/{}: restarting {}", i + 1, targets.len(), t.units.join(" ")));
        let units = restart_target(backends, t, app, "rollout").await.map_err(&fail)?;
        platform.wait_ready(t, app, health, &step).await.map_err(&fail)?;
        let _ = progress.send(ActionEvent::HostDone { host: t.host.clone(), units });
    }
    let mut hosts: Vec<&str> = targets.iter().map(|t| t.host.0.as_str()).collect();
    hosts.dedup();
    let _ = progress.send(ActionEvent::Finished { ok: true, summary: format!("{app}: rolled out to {} host(s)", hosts.len()) });
    Ok(targets.len())
}
