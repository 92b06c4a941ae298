//! A running port-forward as the forwards pane and `fleet forward` show it.

use super::HostId;

/// One forward's live numbers.
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
