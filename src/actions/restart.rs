//! A restart of an app's processes, every target at once, then their new state.

use std::sync::Arc;

use futures::future::join_all;
use tokio::sync::mpsc::UnboundedSender;

use super::{backend_of, platform_for};
use crate::model::{ActionEvent, HostTarget, UnitNow};
use crate::platform::Backend;

/// Restarts one target; returns its units' state right after.
pub async fn restart_target(backends: &[Arc<dyn Backend>], t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
    let b = backend_of(backends, &t.host)?;
    platform_for(b.as_ref(), t, t.platform.caps.restart)?.restart(t, app, action).await
}

/// Restarts every target at once. Returns whether every one succeeded.
pub async fn restart(backends: &[Arc<dyn Backend>], app: &str, targets: &[HostTarget], progress: &UnboundedSender<ActionEvent>) -> bool {
    restart_as(backends, app, targets, progress, "restart").await
}

/// A rebuild from source (Dokku's ps:rebuild) of every target at once: a restart its platform
/// carries out its own way, offered only where `caps.rebuild` says it can.
pub async fn rebuild(backends: &[Arc<dyn Backend>], app: &str, targets: &[HostTarget], progress: &UnboundedSender<ActionEvent>) -> bool {
    restart_as(backends, app, targets, progress, "rebuild").await
}

async fn restart_as(
    backends: &[Arc<dyn Backend>],
    app: &str,
    targets: &[HostTarget],
    progress: &UnboundedSender<ActionEvent>,
    action: &str,
) -> bool {
    let (verb, done) = if action == "rebuild" { ("rebuilding", "rebuilt") } else { ("restarting", "restarted") };
    let runs = targets.iter().map(|t| async move {
        let _ = progress.send(ActionEvent::Step { host: t.host.clone(), text: format!("{verb} {}", t.units.join(" ")) });
        let b = backend_of(backends, &t.host)?;
        let can = if action == "rebuild" { t.platform.caps.rebuild } else { t.platform.caps.restart };
        platform_for(b.as_ref(), t, can)?.restart(t, app, action).await
    });
    let results = join_all(runs).await;
    let mut ok = true;
    // A unit that is failed right after its restart did not restart: said, and not ok.
    let mut failed: Vec<String> = Vec::new();
    for (t, r) in targets.iter().zip(results) {
        match r {
            Ok(units) => {
                failed.extend(units.iter().filter(|u| u.active == "failed").map(|u| format!("{}@{}", u.unit, t.host)));
                let _ = progress.send(ActionEvent::HostDone { host: t.host.clone(), units });
            }
            Err(error) => {
                ok = false;
                let _ = progress.send(ActionEvent::HostFailed { host: t.host.clone(), error });
            }
        }
    }
    let summary = match (ok, failed.is_empty()) {
        (true, true) => format!("{app}: {done} on {} host(s)", targets.len()),
        (true, false) => {
            ok = false;
            format!("{app}: {done}, but {} failed right away (fleet logs {app} says why)", failed.join(", "))
        }
        (false, _) => format!("{app}: {action} failed on some hosts"),
    };
    let _ = progress.send(ActionEvent::Finished { ok, summary });
    ok
}
