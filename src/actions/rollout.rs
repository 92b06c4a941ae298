//! A rolling restart: one host at a time, the next only once this one is healthy. A failure
//! stops it there and leaves the remaining hosts untouched.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::health::{HealthCheck, wait_healthy};
use super::restart::restart_host;
use super::{ActionEvent, HostTarget, audit};
use crate::backend::Backend;

/// Watches one workload until it has rolled (progress through `step`), recording the outcome
/// in the audit log. Rollout and rollback both end this way on a cluster.
pub(super) async fn wait_cluster_rolled(
    k: &crate::kube::KubeBackend,
    t: &HostTarget,
    app: &str,
    workload: &str,
    health: &HealthCheck,
    step: &impl Fn(String),
) -> Result<String, String> {
    let r = crate::kube::actions::wait_rolled(k, workload, health.timeout, |s| step(format!("{workload}: {s}"))).await;
    audit::record(
        &t.host,
        app,
        "rollout-status",
        workload,
        match &r {
            Ok(s) => format!("ok: {s}"),
            Err(e) => format!("failed: {e}"),
        },
    );
    r.map_err(|e| format!("{workload}: {e}"))
}

/// Returns Ok with the hosts done, or Err naming the host that failed and why.
pub async fn rollout(
    backends: &[Arc<Backend>],
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
        let Some(backend) = backends.iter().find(|b| *b.id() == t.host) else {
            return Err(fail("not in the inventory".into()));
        };
        step(format!("{}/{}: restarting {}", i + 1, targets.len(), t.units.join(" ")));
        let units = restart_host(backend, t, app, "rollout").await.map_err(&fail)?;
        if let Backend::Kube(k) = backend.as_ref() {
            // A cluster is healthy when every replica runs the new template.
            for w in &t.units {
                step(format!("waiting for {w}: every replica on the new template"));
                let s = wait_cluster_rolled(k, t, app, w, health, &step).await.map_err(&fail)?;
                step(format!("{w}: {s}"));
            }
            let _ = progress.send(ActionEvent::HostDone { host: t.host.clone(), units });
            continue;
        }
        step(format!("waiting: {}", health.describe()));
        match wait_healthy(backend, t, health).await {
            Ok(why) => {
                audit::record(&t.host, app, "rollout-health", &health.describe(), format!("ok: {why}"));
                step(format!("healthy: {why}"));
                let _ = progress.send(ActionEvent::HostDone { host: t.host.clone(), units });
            }
            Err(e) => {
                audit::record(&t.host, app, "rollout-health", &health.describe(), format!("failed: {e}"));
                return Err(fail(e));
            }
        }
    }
    let _ = progress.send(ActionEvent::Finished { ok: true, summary: format!("{app}: rolled out to {} host(s)", targets.len()) });
    Ok(targets.len())
}
