//! fleet.toml's `[check]`: when a scheduled job is overdue and a restarting process is looping.

use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckConfig {
    /// How long after its next run was due a job counts as overdue.
    #[serde(deserialize_with = "super::duration::deserialize")]
    pub job_grace: Duration,
    /// Restarts (by its platform) after which a process is restart-looping.
    pub restart_loop: u32,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig { job_grace: Duration::from_secs(15 * 60), restart_loop: 5 }
    }
}
