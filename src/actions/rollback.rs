//! `fleet rollback APP`: each of the app's deployments on every cluster back to its previous
//! revision (`kubectl rollout undo`), one cluster at a time, each watched until it has rolled.
//! Droplets have no revision history to go back to: they are named and left alone.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::{ActionEvent, HealthCheck, HostTarget, UnitNow, audit};
use crate::backend::Backend;

pub async fn rollback(
    backends: &[Arc<Backend>],
    app: &str,
    targets: &[HostTarget],
    health: &HealthCheck,
    progress: &UnboundedSender<ActionEvent>,
) -> Result<usize, String> {
    let mut done = 0;
    for t in targets {
        let step = |text: String| {
            let _ = progress.send(ActionEvent::Step { host: t.host.clone(), text });
        };
        let fail = |error: String| {
            let _ = progress.send(ActionEvent::HostFailed { host: t.host.clone(), error: error.clone() });
            let summary = format!("{app}: rollback stopped at {}: {error}", t.host);
            let _ = progress.send(ActionEvent::Finished { ok: false, summary: summary.clone() });
            summary
        };
        let Some(Backend::Kube(k)) = backends.iter().find(|b| *b.id() == t.host).map(|b| b.as_ref()) else {
            let _ = progress.send(ActionEvent::HostFailed {
                host: t.host.clone(),
                error: format!("{}: not a Kubernetes cluster; a droplet has no revision history (deploy the previous release)", t.host),
            });
            continue;
        };
        let mut units = Vec::new();
        for w in &t.units {
            if !w.starts_with("deployment/") {
                step(format!("{w}: skipped (rollback is for deployments)"));
                continue;
            }
            step(format!("{w}: back to the previous revision"));
            let rev = crate::kube::actions::rollback(k, w).await;
            audit::record(
                &t.host,
                app,
                "rollback",
                &format!("kubectl rollout undo {w}"),
                match &rev {
                    Ok(r) => format!("ok: {r}"),
                    Err(e) => format!("failed: {e}"),
                },
            );
            let rev = rev.map_err(&fail)?;
            step(format!("{w}: {rev} applied; waiting for it to roll out"));
            let s = super::rollout::wait_cluster_rolled(k, t, app, w, health, &step).await.map_err(&fail)?;
            units.push(UnitNow { unit: w.clone(), active: "rolled back".into(), sub: format!("{rev}: {s}"), pid: None, restarts: None });
        }
        done += 1;
        let _ = progress.send(ActionEvent::HostDone { host: t.host.clone(), units });
    }
    let ok = done > 0;
    let summary =
        if ok { format!("{app}: rolled back on {done} cluster(s)") } else { format!("{app}: nothing to roll back (no cluster runs it)") };
    let _ = progress.send(ActionEvent::Finished { ok, summary: summary.clone() });
    if ok { Ok(done) } else { Err(summary) }
}
