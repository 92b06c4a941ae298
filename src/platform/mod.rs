//! Where apps run, behind two interfaces.
//!
//! A `Backend` is one row of the hosts panel: a machine (a transport, and the platforms found
//! on it at each refresh: see `machine`) or a Kubernetes cluster (a platform of its own). A
//! `Platform` is what runs app processes — systemd, Kubernetes — and does everything fleet does
//! to them. Each platform lives in its own folder; `registry` is the one table that lists them.
//! What a platform cannot do it says in its `PlatformInfo::caps`, and its method for it returns
//! that reason: nothing falls back to another platform.

pub mod demo;
pub mod docker;
pub mod dokku;
pub mod kube;
pub mod machine;
pub mod registry;
pub mod supervisor;
pub mod systemd;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use crate::config::Convention;
use crate::discovery::sections::Sections;
use crate::logs::source::LogRequest;
use crate::metrics::units::Sample as UnitsSample;
use crate::metrics::{HostMetrics, HostSample};
use crate::model::addon::AddonProblem;
use crate::model::env::Change;
use crate::model::metrics::UnitMetrics;
use crate::model::{
    AddOn, CertRow, HealthCheck, HostError, HostErrorKind, HostFacts, HostId, HostKind, HostReport, HostTarget, HostUnits, LogEvent,
    LogLine, PlatformRef, Process, ProcessEnv, UnitNow,
};
use crate::transport::{BoxStream, Transport};

/// One row of the hosts panel, and everything fleet reads of it as a whole.
#[async_trait]
pub trait Backend: Send + Sync {
    fn id(&self) -> &HostId;
    fn kind(&self) -> HostKind;
    /// The platforms that may run apps here, in the registry's order.
    fn platforms(&self) -> Vec<&dyn Platform>;
    /// The machine's transport (commands, TCP and unix sockets); None for a cluster.
    fn transport(&self) -> Option<Arc<Transport>>;
    /// One look: facts, and every platform's processes by convention. A platform that is present
    /// but unreadable is a note in the report; only an unreachable row is an error.
    async fn refresh(&self, convention: &Convention) -> Result<HostReport, HostError>;
    /// One reading of the row's own metrics (a machine's node_exporter or /proc, a cluster's
    /// nodes).
    async fn host_sample(&self, node_exporter: &str) -> Result<HostRead, HostError>;
    /// Made-up history for the demo's charts; None everywhere else.
    fn demo_history(&self, window_secs: u64, step_secs: u64) -> Option<[Vec<(i64, f64)>; 5]>;
    /// Every certificate the row holds or serves.
    async fn certs(&self, report: &HostReport) -> Result<Vec<CertRow>, HostError>;
    /// The certificates of one app's domains (by name, and fleet.toml's `domains`).
    async fn app_certs(&self, report: &HostReport, app: &str, domains: &[String]) -> Result<Vec<CertRow>, HostError>;
    /// The add-ons there and the apps using them.
    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError>;
    /// A byte stream to `port` of `label`, something that is not an app here (an add-on: the
    /// machine's own port, a cluster's Service).
    async fn connect_port(&self, label: &str, port: u16) -> Result<BoxStream, HostError>;
    /// Opens (or reopens) the connection without running anything: keeps forwards warm.
    async fn ensure_connected(&self) -> Result<(), HostError>;
    /// Forgets a broken connection so the next call reconnects.
    async fn reset(&self);
    /// The user accepted this host key: the next connect records it.
    fn accept_fingerprint(&self, fingerprint: String);
    /// Returns when one of the row's platforms saw a change of its own (see
    /// `Platform::changed`); never, for rows that are only polled.
    async fn changed(&self) {
        std::future::pending::<()>().await
    }
}

impl dyn Backend + '_ {
    /// The platform that runs a target's (or a plan's) processes here.
    pub fn platform(&self, p: PlatformRef) -> Result<&dyn Platform, HostError> {
        self.platforms().into_iter().find(|x| x.info() == p).ok_or_else(|| {
            HostError::new(
                HostErrorKind::Config,
                format!("{}: {} does not run here (any more): refresh and try again", self.id(), p.name()),
            )
        })
    }

    /// The transport, or why this row has none.
    pub fn machine(&self) -> Result<Arc<Transport>, HostError> {
        self.transport().ok_or_else(|| {
            HostError::new(HostErrorKind::Config, format!("{} is a Kubernetes cluster: this needs a host reached over ssh", self.id()))
        })
    }
}

/// A reading of a row's metrics: counters that become rates against the previous reading, or
/// values that already are.
pub enum HostRead {
    Counters(&'static str, HostSample),
    Final(HostMetrics),
}

/// A reading of an app's processes on one target.
pub enum AppRead {
    /// Accounting counters (CPU time), rates against the previous reading.
    Counters(UnitsSample),
    /// Already rates (a pod's usage from metrics.k8s.io).
    Final(Vec<UnitMetrics>),
}

/// The machine's one probe, split into its `@@fleet` sections, for each platform to read its own.
pub struct Probe<'a> {
    pub host: &'a HostId,
    pub sections: &'a Sections<'a>,
}

/// What one platform found at a refresh.
#[derive(Debug, Default)]
pub struct Discovery {
    pub processes: Vec<Process>,
    /// Present but unreadable: what to do, shown on the host row.
    pub note: Option<String>,
    /// Worth a line in fleet's log, once (a skipped hostile name).
    pub warnings: Vec<String>,
    /// The platform is not on this machine at all (said when fleet.toml names it).
    pub absent: bool,
}

impl Discovery {
    /// The platform is not there.
    pub fn absent() -> Discovery {
        Discovery { absent: true, ..Default::default() }
    }
}

/// Step messages of a long action (a rollout's wait), for the activity pane and the CLI.
pub type StepFn<'a> = &'a (dyn Fn(String) + Send + Sync);

/// Everything fleet does to an app's processes on one platform. Every method is required: a new
/// platform answers each one, or says (from its capabilities) why it cannot.
#[async_trait]
pub trait Platform: Send + Sync {
    fn info(&self) -> PlatformRef;

    /// Its part of the machine's probe script (`@@fleet` sections); None when it reads nothing
    /// from it.
    fn probe(&self, convention: &Convention) -> Option<String>;
    /// Its processes by convention. `facts`: the row's facts, for the platform's own (a version).
    async fn discover(&self, probe: &Probe<'_>, convention: &Convention, facts: &mut HostFacts) -> Result<Discovery, String>;

    /// The env each of `processes` gets, with where each value comes from.
    async fn env(&self, t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError>;
    /// The file an env change goes to (`convention_file` when the target uses it); None: none.
    fn env_file(&self, t: &HostTarget, convention_file: &str) -> Option<String>;
    /// An env file whole, with its SHA-256 (an edit is refused when it changed since).
    async fn read_env_file(&self, t: &HostTarget, path: &str) -> Result<(String, String), String>;
    /// Makes `change` in `path`, atomically. Ok: (old text, new text), equal when unchanged.
    async fn change_env(&self, t: &HostTarget, app: &str, path: &str, change: &Change) -> Result<(String, String), String>;
    /// Replaces `path` with `text`, refused when its SHA-256 is no longer `sha`.
    async fn write_env_file(&self, t: &HostTarget, app: &str, path: &str, sha: &str, text: &str) -> Result<(), String>;

    /// History, then (if asked) a follow that resumes after a dropped connection with no line
    /// lost or repeated, as events until `tx` closes.
    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>);
    /// Older lines only (a log view scrolled above its buffer), oldest first.
    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError>;

    /// Restarts the target's units; their state right after.
    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String>;
    /// After a rollout step: waits until the target is ready (`health`), or says why not.
    async fn wait_ready(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<String, String>;
    /// Back to the previous revision, then waits for it.
    async fn rollback(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<Vec<UnitNow>, String>;

    /// Runs `argv` as the app runs, our stdout and stderr its own; its exit status.
    async fn run(&self, t: &HostTarget, app: &str, argv: &[String]) -> Result<i32, String>;
    /// An interactive shell as the app runs (the caller has the terminal raw); its exit status.
    async fn shell(&self, t: &HostTarget, app: &str) -> Result<i32, String>;
    /// A byte stream to `port` of `app` as it runs here (a forward's one connection).
    async fn connect(&self, app: &str, port: u16) -> Result<BoxStream, HostError>;
    /// The app's PORT as its process sees it, to prefill the forward prompt.
    async fn port_of(&self, t: &HostTarget) -> Option<u16>;

    /// One reading of the target's processes' metrics.
    async fn app_metrics(&self, t: &HostTarget, app: &str) -> Result<AppRead, String>;
    /// The add-ons this platform runs or sees, linked to its apps.
    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError>;
    /// Certificates the platform keeps for its apps itself (Dokku's certs:report); the host's
    /// files and served chains are the machine's (`Backend::certs`).
    async fn kept_certs(&self, report: &HostReport) -> Result<Vec<CertRow>, HostError>;

    /// What the platform itself recorded about the target's processes (starts, stops, crashes,
    /// restarts, rollouts), the newest `limit` since `since`, read now (nothing is kept).
    async fn activity(
        &self,
        t: &HostTarget,
        app: &str,
        since: Option<jiff::Timestamp>,
        limit: usize,
    ) -> Result<Vec<crate::model::ActivityEntry>, String>;

    /// Returns when the platform's own watch saw its processes change (Docker's event stream),
    /// so the host is refreshed now rather than at its next interval. Platforms that are only
    /// polled never return.
    async fn changed(&self);
}
