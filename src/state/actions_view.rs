//! What the TUI shows of actions: the steps of the running one, and the forwards.

use crate::model::HostId;
pub use crate::model::forward::ForwardRow;

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
