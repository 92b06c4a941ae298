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

/// A follow's wait before it reconnects after `failures` failures in a row: 200 ms, doubling,
/// at most 5 s. Err when nobody listens any more (stop following).
pub async fn pause(failures: u32, tx: &tokio::sync::mpsc::UnboundedSender<LogEvent>) -> Result<(), ()> {
    let d = std::time::Duration::from_millis(200u64.saturating_mul(1 << failures.clamp(1, 6).saturating_sub(1)).min(5_000));
    tokio::select! {
        _ = tokio::time::sleep(d) => Ok(()),
        _ = tx.closed() => Err(()),
    }
}
