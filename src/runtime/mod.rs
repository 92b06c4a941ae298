//! Runs the backends: one task per host, all in parallel, each reusing its one connection,
//! refreshing on an interval with backoff after failures; the effect executor the TUI and the
//! CLI share; log sessions and metrics sampling. Results travel as `BackendEvent`s on a
//! channel; nothing here touches UI state.

pub mod activity;
pub mod check;
pub mod executor;
pub mod fanout;
pub mod log_sessions;
pub mod metrics;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;

use crate::config::Convention;
use crate::model::{BackendEvent, HostError, HostId, HostReport, HostSpec};
use crate::platform::Backend;
pub use crate::platform::registry::BackendOptions;

/// Requests from the UI to one host's task.
#[derive(Debug, Clone)]
pub enum HostCommand {
    RefreshNow,
    AcceptHostKey { fingerprint: String },
}

pub fn build_backends(specs: &[HostSpec], opts: &BackendOptions) -> Vec<Arc<dyn Backend>> {
    crate::platform::registry::backends(specs, opts)
}

/// Refreshes every host once, in parallel, yielding results as they arrive: a slow or dead host
/// never holds back the others. Used by the one-shot CLI.
pub fn refresh_once(
    backends: &[Arc<dyn Backend>],
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

/// How long a refresh waits after a platform's change, so that a burst is one refresh.
const CHANGE_SETTLE: Duration = Duration::from_millis(300);

/// Backoff after consecutive failures: 2 s, 4 s, 8 s … never longer than `cap`.
pub fn backoff(failures: u32, cap: Duration) -> Duration {
    let secs = 2u64.saturating_pow(failures.clamp(1, 10));
    Duration::from_secs(secs).min(cap.max(Duration::from_secs(2)))
}

/// Starts the long-lived per-host refresh tasks for the TUI. Returns a sender per host for
/// `HostCommand`s. Tasks end when the event receiver is dropped.
pub fn spawn_refreshers(
    backends: Vec<Arc<dyn Backend>>,
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
                        backend.reset().await;
                        backoff(failures, interval.max(Duration::from_secs(30)))
                    }
                };
                if events.send(BackendEvent::Host { host: backend.id().clone(), result, at: jiff::Timestamp::now() }).is_err() {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    // A platform's own watch saw a change (a container died): refresh now, after
                    // a moment so a burst of events (a compose up) is one refresh.
                    _ = backend.changed() => tokio::time::sleep(CHANGE_SETTLE).await,
                    cmd = rx.recv() => match cmd {
                        None => return,
                        Some(HostCommand::RefreshNow) => {}
                        Some(HostCommand::AcceptHostKey { fingerprint }) => backend.accept_fingerprint(fingerprint),
                    },
                    _ = events.closed() => return,
                }
            }
        });
    }
    commands
}
