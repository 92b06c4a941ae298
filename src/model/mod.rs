//! Plain domain types shared by every platform, the runtime, the state core, the TUI and the
//! one-shot CLI, and the messages between them. No I/O lives here.

mod action;
pub mod activity;
pub mod addon;
mod app;
pub mod audit;
pub mod cert;
pub mod env;
mod event;
pub mod forward;
mod host;
mod log;
pub mod metrics;
mod operation;
pub mod platform;
pub mod problem;
mod target;

pub use action::Action;
pub use activity::ActivityEntry;
pub use addon::AddOn;
pub use app::{App, ContainerFacts, Health, Process, ProcessKind, ProcessState, Schedule, app_processes, group_apps};
pub use audit::AuditEntry;
pub use cert::CertRow;
pub use env::ProcessEnv;
pub use event::BackendEvent;
pub use forward::ForwardRow;
pub use host::{HostError, HostErrorKind, HostFacts, HostId, HostKind, HostReport, HostSpec, HostStatus};
pub use log::{Clock, HostUnits, LogEvent, LogLine, ResumeToken, priority_name};
pub use metrics::{AppSample, HostMetrics};
pub use operation::{ActionEvent, HealthCheck, Operation, UnitNow};
pub use platform::{Can, Capabilities, PlatformInfo, PlatformRef, PlatformStatus, Step};
pub use target::{AppRunSpec, ExecChoice, HostTarget, action_targets, rollout_steps, targets, targets_with_processes};
