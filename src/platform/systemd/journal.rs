//! journald as a log source: the history tail, then a follow that survives the network. When a
//! follow stream drops it reconnects with backoff and resumes after the last cursor it handed
//! out, so no line is lost and none is repeated.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::mpsc;

use super::commands::{JournalQuery, journalctl};
use crate::logs::filter::LogFilter;
use crate::logs::journal::parse_line;
use crate::logs::source::LogRequest;
use crate::model::{HostError, HostErrorKind, HostUnits, LogEvent, LogLine, ResumeToken};
use crate::transport::Transport;

/// Reads the newest `req.lines` matching lines (newest first from journald, stopping as soon as
/// enough matched), returned oldest first, plus the newest cursor seen (matching or not), where a
/// follow picks up.
pub async fn history(transport: &Transport, hu: &HostUnits, req: &LogRequest) -> Result<(Vec<LogLine>, Option<String>), HostError> {
    let query = JournalQuery {
        units: hu.units.iter().map(|(u, _, _)| u.clone()).collect(),
        since: req.since,
        until: req.until,
        reverse: true,
        // Without a text filter every line of these units counts, so journald can stop for us.
        lines: (!req.filter.has_text_filter() && req.lines > 0).then_some(req.lines),
        ..Default::default()
    };
    let mut stream = transport.exec_stream(&journalctl(&query)).await?;
    let mut newest = None;
    let mut out = Vec::new();
    if req.lines > 0 {
        while let Some(raw) = stream.next_line().await {
            let Ok(parsed) = parse_line(&raw, &hu.host, &hu.units) else { continue };
            let Some(line) = parsed else { continue };
            if newest.is_none() {
                let ResumeToken::Journald(c) = &line.resume else { continue };
                newest = Some(c.clone());
            }
            if req.until.is_some_and(|u| line.ts > u) || req.since.is_some_and(|s| line.ts < s) {
                continue;
            }
            if req.filter.matches(&line) {
                out.push(line);
                if out.len() >= req.lines {
                    break;
                }
            }
        }
    }
    if out.len() < req.lines && stream.status().is_some_and(|s| s != 0) {
        return Err(journal_error(&stream.stderr_tail()));
    }
    drop(stream);
    if newest.is_none() && req.follow {
        newest = newest_cursor(transport, hu).await?;
    }
    out.reverse();
    Ok((out, newest))
}

/// The cursor of the newest entry of these units, whatever it says.
async fn newest_cursor(transport: &Transport, hu: &HostUnits) -> Result<Option<String>, HostError> {
    let query =
        JournalQuery { units: hu.units.iter().map(|(u, _, _)| u.clone()).collect(), reverse: true, lines: Some(1), ..Default::default() };
    let mut stream = transport.exec_stream(&journalctl(&query)).await?;
    while let Some(raw) = stream.next_line().await {
        if let Ok(Some(LogLine { resume: ResumeToken::Journald(c), .. })) = parse_line(&raw, &hu.host, &hu.units) {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

fn journal_error(stderr: &str) -> HostError {
    let hint = if stderr.contains("insufficient permissions") || stderr.contains("No journal files were opened") {
        " (the ssh user needs root or the systemd-journal group)"
    } else {
        ""
    };
    let what = if stderr.is_empty() { "journalctl failed" } else { stderr };
    HostError::new(HostErrorKind::Command, format!("{what}{hint}"))
}

/// Follows from `cursor` until the receiver goes away. Every line passes through `filter`; the
/// cursor advances on every line read, shown or not, so a resume never repeats one.
pub async fn follow(
    transport: Arc<Transport>,
    hu: HostUnits,
    filter: LogFilter,
    mut cursor: Option<String>,
    tx: mpsc::UnboundedSender<LogEvent>,
) {
    let mut dropped_at: Option<Instant> = None;
    let mut failures = 0u32;
    loop {
        let query = JournalQuery {
            units: hu.units.iter().map(|(u, _, _)| u.clone()).collect(),
            after_cursor: cursor.clone(),
            follow: true,
            ..Default::default()
        };
        let command = journalctl(&query);
        let started = tokio::select! {
            s = transport.exec_stream(&command) => s,
            _ = tx.closed() => return,
        };
        let mut stream = match started {
            Ok(s) => s,
            Err(e) => {
                failures += 1;
                if dropped_at.is_none() {
                    dropped_at = Some(Instant::now());
                    if tx.send(LogEvent::Dropped { host: hu.host.clone(), reason: e.message.clone() }).is_err() {
                        return;
                    }
                }
                transport.reset().await;
                if wait(backoff(failures), &tx).await.is_err() {
                    return;
                }
                continue;
            }
        };
        if let Some(at) = dropped_at.take() {
            let event = LogEvent::Reconnected { host: hu.host.clone(), after: at.elapsed(), at: Timestamp::now() };
            if tx.send(event).is_err() {
                return;
            }
        }
        failures = 0;
        loop {
            let next = tokio::select! {
                l = stream.next_line() => l,
                _ = tx.closed() => return,
            };
            let Some(raw) = next else { break };
            let Ok(Some(line)) = parse_line(&raw, &hu.host, &hu.units) else { continue };
            if let ResumeToken::Journald(c) = &line.resume {
                cursor = Some(c.clone());
            }
            if filter.matches(&line) && tx.send(LogEvent::Live { host: hu.host.clone(), line }).is_err() {
                return;
            }
        }
        // The stream ended: journalctl exiting on its own is an error to report; a dropped
        // connection is the normal case to heal.
        let reason = match stream.status() {
            Some(0) | None => "connection lost".to_string(),
            Some(code) => {
                let e = journal_error(&stream.stderr_tail());
                format!("journalctl exited with {code}: {}", e.message)
            }
        };
        drop(stream);
        dropped_at = Some(Instant::now());
        if tx.send(LogEvent::Dropped { host: hu.host.clone(), reason }).is_err() {
            return;
        }
        transport.reset().await;
        failures += 1;
        if wait(backoff(failures), &tx).await.is_err() {
            return;
        }
    }
}

fn backoff(failures: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << failures.clamp(1, 6).saturating_sub(1)).min(10_000))
}

async fn wait(d: Duration, tx: &mpsc::UnboundedSender<LogEvent>) -> Result<(), ()> {
    tokio::select! {
        _ = tokio::time::sleep(d) => Ok(()),
        _ = tx.closed() => Err(()),
    }
}

/// History then (if asked) follow, for one host, as events.
pub async fn run(transport: Arc<Transport>, hu: HostUnits, req: LogRequest, tx: mpsc::UnboundedSender<LogEvent>) {
    match history(&transport, &hu, &req).await {
        Ok((lines, cursor)) => {
            if tx.send(LogEvent::History { host: hu.host.clone(), lines }).is_err() {
                return;
            }
            if req.follow {
                follow(transport, hu, req.filter, cursor, tx).await;
            }
        }
        Err(error) => {
            let _ = tx.send(LogEvent::Failed { host: hu.host, error });
        }
    }
}
