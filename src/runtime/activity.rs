//! An app's activity, gathered on demand (nothing is kept between asks): each platform's own
//! record on every host the app runs on, and fleet's own actions on it from the audit log,
//! merged newest first and cut at `limit`. Shared by `fleet activity` and the Activity tab.

use std::sync::Arc;

use jiff::Timestamp;

use super::fanout::on_each_host;
use crate::model::activity::newest_first;
use crate::model::{ActivityEntry, HostId, HostReport, HostTarget};
use crate::platform::Backend;

/// The app's activity, and what could not be read (one line per host).
pub async fn app_activity(
    backends: &[Arc<dyn Backend>],
    reports: &[HostReport],
    app: &str,
    since: Option<Timestamp>,
    limit: usize,
) -> (Vec<ActivityEntry>, Vec<String>) {
    let targets: Vec<HostTarget> = crate::model::targets(reports, app, &[], &[]);
    let (per_host, failures) = on_each_host(
        backends,
        &targets,
        |t| &t.host,
        |b, t| async move {
            match b.platform(t.platform) {
                Ok(p) => p.activity(t, app, since, limit).await,
                Err(e) => Err(e.message),
            }
        },
    )
    .await;
    let mut all: Vec<ActivityEntry> = per_host.into_iter().flatten().collect();
    all.extend(audited(app, since));
    (newest_first(all, limit), failures)
}

/// fleet's own actions on the app (restarts, rollouts, env changes, shells, forwards).
fn audited(app: &str, since: Option<Timestamp>) -> Vec<ActivityEntry> {
    crate::audit::tail(5000)
        .into_iter()
        .filter(|e| e.app == app && since.is_none_or(|s| e.time >= s))
        .map(|e| ActivityEntry { at: e.time, host: HostId(e.host), who: format!("fleet ({})", e.user), what: e.action, detail: e.result })
        .collect()
}
