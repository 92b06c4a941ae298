//! What the backends tell the TUI: one message type, sent on one channel, carrying owned
//! values only. The runtime sends these; the state takes them in; neither knows the other.

use super::{HostError, HostId, HostReport};

/// What backends report.
#[derive(Debug, Clone)]
pub enum BackendEvent {
    /// One refresh of one host finished at `at`.
    Host {
        host: HostId,
        result: Result<HostReport, HostError>,
        at: jiff::Timestamp,
    },
    /// Log events of one log view session, batched (one message per ~50 ms, never per line).
    Logs {
        session: u64,
        events: Vec<super::LogEvent>,
    },
    /// Older lines fetched for a log view that scrolled above its buffer, every host merged.
    LogsOlder {
        session: u64,
        lines: Vec<super::LogLine>,
    },
    /// Progress of a running restart or rollout.
    Action(super::ActionEvent),
    /// The app's PORT, for the forward prompt.
    PortResolved {
        app: String,
        target: super::HostTarget,
        port: Option<u16>,
    },
    /// The forwards' live numbers (sent once a second while any runs).
    Forwards(Vec<super::ForwardRow>),
    Audit(Vec<super::AuditEntry>),
    /// An app's activity, newest first (`problems`: hosts whose record could not be read).
    Activity {
        app: String,
        entries: Vec<super::ActivityEntry>,
        problems: Vec<String>,
    },
    /// What the problems view checks beside the reports and metrics (certificates, add-ons,
    /// env drift), read every few minutes.
    Observed(Box<super::problem::Observed>),
    /// An app's env, read from its hosts (`problems`: hosts that could not be read).
    Env {
        app: String,
        envs: Vec<super::ProcessEnv>,
        problems: Vec<String>,
    },
    /// The add-ons an app uses (and the front doors routing to it), with problems as text.
    Addons {
        app: String,
        addons: Vec<super::AddOn>,
        problems: Vec<String>,
    },
    /// An env file read for the editor.
    EnvFile {
        app: String,
        target: super::HostTarget,
        path: String,
        sha: String,
        text: String,
    },
    /// An env change finished: the hosts whose file changed, and a line per host.
    EnvWritten {
        app: String,
        changed: Vec<super::HostTarget>,
        report: Vec<String>,
    },
    /// A host's latest metrics (rates from its last two samples).
    Metrics {
        host: HostId,
        metrics: super::HostMetrics,
        at: jiff::Timestamp,
    },
    /// Earlier points for a host's series (a Prometheus range query), `HOST_SERIES` order.
    MetricsHistory {
        host: HostId,
        history: Box<[Vec<(i64, f64)>; 5]>,
    },
    /// One sample of an app's metrics on one host (the Metrics tab), or why there is none.
    AppMetrics {
        app: String,
        host: HostId,
        sample: Result<super::AppSample, String>,
        at: jiff::Timestamp,
    },
    /// The certificates of an app's domains (its Certs tab).
    AppCerts {
        app: String,
        rows: Vec<super::CertRow>,
        problems: Vec<String>,
    },
    /// Every certificate fleet can see, and the hosts that could not be read.
    Certs {
        rows: Vec<super::CertRow>,
        problems: Vec<String>,
    },
    /// Something the user should read in the status bar.
    Notice(String),
}
