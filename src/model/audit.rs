//! One line of the audit log.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// An action fleet took: when, who, where, what exactly, and how it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub time: Timestamp,
    pub user: String,
    pub host: String,
    pub app: String,
    pub action: String,
    pub command: String,
    pub result: String,
}
