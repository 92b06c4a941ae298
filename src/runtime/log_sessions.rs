//! Runs the log sources behind the TUI's log views: one set of per-host tasks per view session,
//! batched into one message per ~50 ms so a fast log never floods the UI loop.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::logs::filter::LogFilter;
use crate::logs::merge::merge_tail;
use crate::logs::source::LogRequest;
use crate::model::{BackendEvent, HostId, HostUnits, LogEvent};
use crate::platform::Backend;

pub const BATCH: Duration = Duration::from_millis(50);

#[derive(Default)]
pub struct Sessions {
    running: HashMap<u64, JoinHandle<()>>,
}

impl Sessions {
    pub fn start(
        &mut self,
        session: u64,
        plan: Vec<HostUnits>,
        history: usize,
        backends: &HashMap<HostId, Arc<dyn Backend>>,
        events: mpsc::UnboundedSender<BackendEvent>,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let req = LogRequest { lines: history, since: None, until: None, follow: true, filter: LogFilter::default() };
        for hu in plan {
            if let Some(b) = backends.get(&hu.host) {
                tokio::spawn(read(b.clone(), hu, req.clone(), tx.clone()));
            }
        }
        drop(tx);
        self.running.insert(session, tokio::spawn(batch(session, rx, events)));
    }

    /// Stops a view's sources: the batcher owns the receiver, and the sources end when it goes.
    pub fn stop(&mut self, session: u64) {
        if let Some(h) = self.running.remove(&session) {
            h.abort();
        }
    }
}

impl Drop for Sessions {
    fn drop(&mut self) {
        for (_, h) in self.running.drain() {
            h.abort();
        }
    }
}

async fn batch(session: u64, mut rx: mpsc::UnboundedReceiver<LogEvent>, events: mpsc::UnboundedSender<BackendEvent>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + BATCH;
        let mut closed = false;
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(e)) => batch.push(e),
                Ok(None) => {
                    closed = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if events.send(BackendEvent::Logs { session, events: batch }).is_err() || closed {
            return;
        }
    }
}

/// History then (if asked) follow of one host's part of a log view, through its platform.
async fn read(b: Arc<dyn Backend>, hu: HostUnits, req: LogRequest, tx: mpsc::UnboundedSender<LogEvent>) {
    match b.platform(hu.platform) {
        Ok(p) => p.logs(hu, req, tx).await,
        Err(error) => {
            let _ = tx.send(LogEvent::Failed { host: hu.host, error });
        }
    }
}

/// Older lines for a view that scrolled above its buffer: every source's page, merged by time
/// and cut where the page stops being complete. A source that filled its page may have more
/// lines before its oldest one; lines of the other sources older than that would leave a gap
/// in its part of the view, so they wait for the next page instead.
pub fn load_older(
    session: u64,
    plan: Vec<HostUnits>,
    before: Timestamp,
    lines: usize,
    backends: &HashMap<HostId, Arc<dyn Backend>>,
    events: mpsc::UnboundedSender<BackendEvent>,
) {
    let jobs: Vec<_> = plan.into_iter().filter_map(|hu| backends.get(&hu.host).cloned().map(|b| (b, hu))).collect();
    tokio::spawn(async move {
        let req = LogRequest { lines, since: None, until: Some(before), follow: false, filter: LogFilter::default() };
        let runs = jobs.iter().map(|(b, hu)| async {
            match b.platform(hu.platform) {
                Ok(p) => p.log_history(hu, &req).await.ok(),
                Err(_) => None,
            }
        });
        let pages: Vec<_> = futures::future::join_all(runs).await.into_iter().flatten().collect();
        let merged = complete_prefix(pages, lines);
        let _ = events.send(BackendEvent::LogsOlder { session, lines: merged });
    });
}

/// Merges pages of `lines` lines each (oldest first) and keeps only the part every source
/// covers: from the newest of the full pages' oldest times on.
pub fn complete_prefix(pages: Vec<Vec<crate::model::LogLine>>, lines: usize) -> Vec<crate::model::LogLine> {
    let cutoff = pages.iter().filter(|p| p.len() >= lines && lines > 0).filter_map(|p| p.first().map(|l| l.ts)).max();
    let mut merged = merge_tail(pages, usize::MAX);
    if let Some(cut) = cutoff {
        merged.retain(|l| l.ts >= cut);
    }
    merged
}
