//! Plain domain types shared by every backend, the state core, the TUI and the one-shot CLI.
//! No I/O lives here.

mod app;
mod host;
mod log;

pub use app::{App, Health, Process, ProcessKind, ProcessState, app_processes, group_apps};
pub use host::{HostError, HostErrorKind, HostFacts, HostId, HostKind, HostReport, HostStatus};
pub use log::{LogLine, ResumeToken, priority_name};
