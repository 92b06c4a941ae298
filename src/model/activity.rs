//! What happened to an app, newest first (Heroku's Activity): fleet's own actions from the audit
//! log and each platform's own record of starts, stops, crashes, restarts and rollouts.

use jiff::Timestamp;
use serde::Serialize;

use super::HostId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityEntry {
    pub at: Timestamp,
    pub host: HostId,
    /// Who did it: "fleet (root@laptop)", "systemd", "kubelet", "deployment-controller".
    pub who: String,
    /// In a word: started, stopped, crashed, restarting, finished, rollout, restart, config:set…
    pub what: String,
    /// What it was about ("ledger-web.service", "deployment/prod/ledger") and the record's words.
    pub detail: String,
}

/// Newest first, at most `limit`.
pub fn newest_first(mut entries: Vec<ActivityEntry>, limit: usize) -> Vec<ActivityEntry> {
    entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.host.cmp(&b.host)));
    entries.truncate(limit);
    entries
}
