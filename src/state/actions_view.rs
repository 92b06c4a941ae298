//! What the TUI shows of actions: the steps of the running one, and the forwards.

use crate::model::HostId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    Working,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub title: String,
    pub steps: Vec<(HostId, String, StepKind)>,
    /// Set when it ended: whether it all went well, and the summary.
    pub finished: Option<(bool, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRow {
    pub id: u64,
    pub label: String,
    pub host: HostId,
    pub local: String,
    pub remote_port: u16,
    /// "listening" or "reconnecting: why".
    pub state: String,
    pub active: usize,
    pub total: usize,
    pub bytes_in: u64,
    pub bytes_out: u64,
}
