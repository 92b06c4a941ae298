//! Runs the log sources behind the TUI's log views: one set of per-host tasks per view session,
//! batched into one message per ~50 ms so a fast log never floods the UI loop.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::backend::Backend;
use crate::logs::filter::LogFilter;
use crate::logs::merge::merge_tail;
use crate::logs::source::{self, HostUnits, LogEvent, LogRequest};
use crate::model::HostId;
use crate::runtime::BackendEvent;

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
        backends: &HashMap<HostId, Arc<Backend>>,
        events: mpsc::UnboundedSender<BackendEvent>,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let req = LogRequest { lines: history, since: None, until: None, follow: true, filter: LogFilter::default() };
        for hu in plan {
            if let Some(b) = backends.get(&hu.host) {
                tokio::spawn(source::run(b.clone(), hu, req.clone(), tx.clone()));
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

/// Older lines for a view that scrolled above its buffer: every host's, merged by time.
pub fn load_older(
    session: u64,
    plan: Vec<HostUnits>,
    before: Timestamp,
    lines: usize,
    backends: &HashMap<HostId, Arc<Backend>>,
    events: mpsc::UnboundedSender<BackendEvent>,
) {
    let jobs: Vec<_> = plan.into_iter().filter_map(|hu| backends.get(&hu.host).cloned().map(|b| (b, hu))).collect();
    tokio::spawn(async move {
        let req = LogRequest { lines, since: None, until: Some(before), follow: false, filter: LogFilter::default() };
        let mut per_host = Vec::new();
        for (b, hu) in jobs {
            if let Ok((l, _)) = source::history(&b, &hu, &req).await {
                per_host.push(l);
            }
        }
        let merged = merge_tail(per_host, usize::MAX);
        let _ = events.send(BackendEvent::LogsOlder { session, lines: merged });
    });
}
