//! `fleet rollback APP`: each target back to its previous revision, one at a time, each
//! watched until it has rolled. A target whose platform keeps no revisions is named, with its
//! platform's reason, and left alone.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::{backend_of, platform_for};
use crate::model::{ActionEvent, HealthCheck, HostTarget};
use crate::platform::Backend;

pub async fn rollback(
    backends: &[Arc<dyn Backend>],
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
        let platform = match backend_of(backends, &t.host).and_then(|b| platform_for(b.as_ref(), t, t.platform.caps.rollback)) {
            Ok(p) => p,
            Err(error) => {
                let _ = progress.send(ActionEvent::HostFailed { host: t.host.clone(), error });
                continue;
            }
        };
        match platform.rollback(t, app, health, &step).await {
            Ok(units) => {
                done += 1;
                let _ = progress.send(ActionEvent::HostDone { host: t.host.clone(), units });
            }
            Err(error) => {
                let _ = progress.send(ActionEvent::HostFailed { host: t.host.clone(), error: error.clone() });
                let summary = format!("{app}: rollback stopped at {}: {error}", t.host);
                let _ = progress.send(ActionEvent::Finished { ok: false, summary: summary.clone() });
                return Err(summary);
            }
        }
    }
    let ok = done > 0;
    let summary = if ok { format!("{app}: rolled back on {done} host(s)") } else { format!("{app}: nothing to roll back") };
    let _ = progress.send(ActionEvent::Finished { ok, summary: summary.clone() });
    if ok { Ok(done) } else { Err(summary) }
}
