use jiff::Timestamp;
use serde::Serialize;

use super::HostId;

/// Where to pick a log stream up again after it dropped. Each source has its own kind; the
/// journald cursor is exact, the others are a time plus de-duplication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ResumeToken {
    /// journald's `__CURSOR`, for `journalctl --after-cursor`.
    Journald(String),
    /// A container log timestamp (Docker `since`), later.
    Docker(Timestamp),
    /// A pod log `sinceTime`, later.
    Kube(Timestamp),
}

/// One log line from any source, with everything needed to merge, filter, show and resume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    pub ts: Timestamp,
    pub host: HostId,
    pub app: String,
    pub process: String,
    /// The unit (container, pod) it came from.
    pub source: String,
    /// syslog priority 0 (emerg) – 7 (debug), where the source has one.
    pub priority: Option<u8>,
    /// "stdout"/"stderr" where the source tells them apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<&'static str>,
    /// The raw text (invalid UTF-8 replaced). Sanitised when shown, never here, so --json is
    /// lossless.
    pub message: String,
    pub resume: ResumeToken,
}

pub fn priority_name(p: u8) -> &'static str {
    ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"].get(p as usize).copied().unwrap_or("?")
}
