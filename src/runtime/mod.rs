//! Runs the backends: one task per host, all in parallel, each reusing its one connection,
//! refreshing on an interval with backoff after failures. Results travel as `BackendEvent`s on a
//! channel; nothing here touches UI state.

pub mod inventory;
pub mod metrics;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;

use crate::backend::ssh::UnknownKeyPolicy;
use crate::backend::ssh::connect::PassphrasePrompt;
use crate::backend::{Backend, DemoBackend, LocalBackend, SshBackend};
use crate::config::Convention;
use crate::model::{HostError, HostId, HostKind, HostReport};
use inventory::HostSpec;

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
        events: Vec<crate::logs::source::LogEvent>,
    },
    /// Older lines fetched for a log view that scrolled above its buffer, every host merged.
    LogsOlder {
        session: u64,
        lines: Vec<crate::model::LogLine>,
    },
    /// Progress of a running restart or rollout.
    Action(crate::actions::ActionEvent),
    /// The app's PORT, for the forward prompt.
    PortResolved {
        app: String,
        target: crate::actions::HostTarget,
        port: Option<u16>,
    },
    /// The forwards' live numbers (sent once a second while any runs).
    Forwards(Vec<crate::state::actions_view::ForwardRow>),
    Audit(Vec<crate::actions::audit::AuditEntry>),
    /// An app's env, read from its hosts (`problems`: hosts that could not be read).
    Env {
        app: String,
        envs: Vec<crate::env::table::ProcessEnv>,
        problems: Vec<String>,
    },
    /// The add-ons an app uses (and the front doors routing to it), with problems as text.
    Addons {
        app: String,
        addons: Vec<crate::addons::AddOn>,
        problems: Vec<String>,
    },
    /// An env file read for the editor.
    EnvFile {
        app: String,
        target: crate::actions::HostTarget,
        path: String,
        sha: String,
        text: String,
    },
    /// An env change finished: the hosts whose file changed, and a line per host.
    EnvWritten {
        app: String,
        changed: Vec<crate::actions::HostTarget>,
        report: Vec<String>,
    },
    /// A host's latest metrics (rates from its last two samples).
    Metrics {
        host: HostId,
        metrics: crate::metrics::HostMetrics,
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
        sample: Result<crate::state::metrics_view::AppSample, String>,
        at: jiff::Timestamp,
    },
    /// The certificates of an app's domains (its Certs tab).
    AppCerts {
        app: String,
        rows: Vec<crate::certs::CertRow>,
        problems: Vec<String>,
    },
    /// Every certificate fleet can see, and the hosts that could not be read.
    Certs {
        rows: Vec<crate::certs::CertRow>,
        problems: Vec<String>,
    },
    /// Something the user should read in the status bar.
    Notice(String),
}

/// Requests from the UI to one host's task.
#[derive(Debug, Clone)]
pub enum HostCommand {
    RefreshNow,
    AcceptHostKey { fingerprint: String },
}

pub struct BackendOptions {
    pub ssh_config: Option<PathBuf>,
    pub policy: UnknownKeyPolicy,
    pub passphrase: Option<PassphrasePrompt>,
    /// The kubeconfig as loaded, for cluster rows.
    pub kube: Arc<crate::kube::KubeSetup>,
}

pub fn build_backends(specs: &[HostSpec], opts: &BackendOptions) -> Vec<Arc<Backend>> {
    specs
        .iter()
        .filter_map(|s| {
            Some(Arc::new(match s.kind {
                HostKind::Local => Backend::Local(LocalBackend::default()),
                HostKind::Demo => Backend::Demo(DemoBackend::for_host(&s.id)?),
                HostKind::Kube => Backend::Kube(opts.kube.backend(s)),
                HostKind::Ssh => Backend::Ssh(SshBackend::new(
                    s.id.clone(),
                    s.destination.clone(),
                    opts.ssh_config.clone(),
                    opts.policy.clone(),
                    opts.passphrase.clone(),
                )),
            }))
        })
        .collect()
}

/// Refreshes every host once, in parallel, yielding results as they arrive: a slow or dead host
/// never holds back the others. Used by the one-shot CLI.
pub fn refresh_once(
    backends: &[Arc<Backend>],
    convention: &Convention,
) -> impl futures::Stream<Item = (HostId, Result<HostReport, HostError>)> + use<> {
    let convention = Arc::new(convention.clone());
    backends
        .iter()
        .cloned()
        .map(|b| {
            let convention = convention.clone();
            let id = b.id().clone();
            // Each host on its own task, so the hosts truly run in parallel.
            let task = tokio::spawn(async move { b.refresh(&convention).await });
            async move {
                let result = task
                    .await
                    .unwrap_or_else(|e| Err(HostError::new(crate::model::HostErrorKind::Command, format!("internal error: {e}"))));
                (id, result)
            }
        })
        .collect::<FuturesUnordered<_>>()
}

/// Backoff after consecutive failures: 2 s, 4 s, 8 s … never longer than `cap`.
pub fn backoff(failures: u32, cap: Duration) -> Duration {
    let secs = 2u64.saturating_pow(failures.clamp(1, 10));
    Duration::from_secs(secs).min(cap.max(Duration::from_secs(2)))
}

/// Starts the long-lived per-host refresh tasks for the TUI. Returns a sender per host for
/// `HostCommand`s. Tasks end when the event receiver is dropped.
pub fn spawn_refreshers(
    backends: Vec<Arc<Backend>>,
    convention: Convention,
    interval: Duration,
    events: mpsc::UnboundedSender<BackendEvent>,
) -> HashMap<HostId, mpsc::UnboundedSender<HostCommand>> {
    let convention = Arc::new(convention);
    let mut commands = HashMap::new();
    for backend in backends {
        let (tx, mut rx) = mpsc::unbounded_channel();
        commands.insert(backend.id().clone(), tx);
        let events = events.clone();
        let convention = convention.clone();
        tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                let result = backend.refresh(&convention).await;
                let wait = match &result {
                    Ok(_) => {
                        failures = 0;
                        interval
                    }
                    Err(_) => {
                        failures += 1;
                        if let Backend::Ssh(s) = backend.as_ref() {
                            s.disconnect().await;
                        }
                        backoff(failures, interval.max(Duration::from_secs(30)))
                    }
                };
                if events.send(BackendEvent::Host { host: backend.id().clone(), result, at: jiff::Timestamp::now() }).is_err() {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    cmd = rx.recv() => match cmd {
                        None => return,
                        Some(HostCommand::RefreshNow) => {}
                        Some(HostCommand::AcceptHostKey { fingerprint }) => {
                            if let Backend::Ssh(s) = backend.as_ref() {
                                s.accept_fingerprint(fingerprint);
                            }
                        }
                    },
                    _ = events.closed() => return,
                }
            }
        });
    }
    commands
}
