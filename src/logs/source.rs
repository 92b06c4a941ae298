//! What is asked of a log source (every platform answers the same request), and the events
//! it answers with.

use jiff::Timestamp;

use super::filter::LogFilter;
pub use crate::model::{HostUnits, LogEvent};

/// History (how many lines, between which times, after filtering) and whether to follow.
#[derive(Debug, Clone)]
pub struct LogRequest {
    /// How many lines of history, counted after filtering.
    pub lines: usize,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub follow: bool,
    pub filter: LogFilter,
}
