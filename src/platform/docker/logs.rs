//! Container logs as fleet log lines: each container's history (stdout and stderr demuxed and
//! marked; a TTY container's one stream), then a follow per container that survives a dropped
//! connection and the container itself. A resume asks again from the second of the last line
//! (the API takes whole seconds) and drops lines up to that line's nanosecond timestamp: none
//! lost, none repeated. Containers that appear later (a recreate, a scale-up) are followed from
//! their start, as `docker compose logs -f` does; a recreated container keeps its name and is
//! picked up under it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use futures::StreamExt;
use jiff::Timestamp;
use tokio::sync::mpsc;

use super::client::describe;
use super::containers;
use super::engine::Engine;
use crate::logs::filter::LogFilter;
use crate::logs::source::{HostUnits, LogEvent, LogRequest};
use crate::model::{HostError, HostErrorKind, HostId, LogLine, ResumeToken};

/// Log drivers whose lines the engine can hand back (`docker logs` refuses the others).
const READABLE: &[&str] = &["json-file", "local", "journald", ""];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Wanted {
    container: String,
    app: String,
    process: String,
}

/// Turns the engine's chunks into lines: a TTY container's output comes in arbitrary pieces.
#[derive(Default)]
struct Lines {
    partial: HashMap<&'static str, String>,
}

impl Lines {
    fn push(&mut self, stream: &'static str, bytes: &[u8]) -> Vec<String> {
        let buf = self.partial.entry(stream).or_default();
        buf.push_str(&String::from_utf8_lossy(bytes));
        let mut out = Vec::new();
        while let Some(i) = buf.find('\n') {
            let line: String = buf.drain(..=i).collect();
            out.push(line.trim_end_matches(['\n', '\r']).to_string());
        }
        out
    }
}

fn stream_of(o: &LogOutput) -> (&'static str, &[u8]) {
    match o {
        LogOutput::StdOut { message } => ("stdout", message),
        LogOutput::StdErr { message } => ("stderr", message),
        LogOutput::Console { message } => ("tty", message),
        LogOutput::StdIn { message } => ("stdin", message),
    }
}

/// "2026-12-02T10:00:00.123456789Z text" → (time, text).
pub fn parse_line(raw: &str) -> Option<(Timestamp, String)> {
    let (ts, text) = raw.split_once(' ').unwrap_or((raw, ""));
    Some((ts.parse().ok()?, text.to_string()))
}

fn line(host: &HostId, w: &Wanted, ts: Timestamp, stream: &'static str, text: String) -> LogLine {
    LogLine {
        ts,
        host: host.clone(),
        app: w.app.clone(),
        process: w.process.clone(),
        source: w.container.clone(),
        priority: (stream == "stderr").then_some(3),
        stream: (stream != "tty").then_some(stream),
        message: text,
        resume: ResumeToken::Docker(ts),
        clock: crate::model::Clock::Source,
    }
}

/// The containers of the plan's (app, process) pairs now, by name, from the watched store.
fn current(engine: &Engine, plan: &HostUnits) -> Vec<Wanted> {
    let convention = crate::config::Convention::default();
    let pairs: HashSet<(&str, &str)> = plan.units.iter().map(|(_, a, p)| (a.as_str(), p.as_str())).collect();
    let mut out: Vec<Wanted> = engine
        .snapshot()
        .iter()
        .filter_map(|c| {
            let (app, process) = containers::app_of(c, &convention)?;
            pairs.contains(&(app.as_str(), process.as_str())).then(|| Wanted { container: containers::name_of(c), app, process })
        })
        .collect();
    // Containers named in the plan but not (or no longer) matching a convention still count.
    for (unit, app, process) in &plan.units {
        if !out.iter().any(|w| w.container == *unit) && engine.get(unit).is_some() {
            out.push(Wanted { container: unit.clone(), app: app.clone(), process: process.clone() });
        }
    }
    out
}

fn unreadable(engine: &Engine, w: &Wanted) -> Option<String> {
    let c = engine.get(&w.container)?;
    let driver = containers::facts(&c, None).log_driver;
    (!READABLE.contains(&driver.as_str())).then(|| {
        format!(
            "{}: logs go to the {driver} log driver, which the engine cannot read back: read them where {driver} sends them",
            w.container
        )
    })
}

fn options(follow: bool, since: Option<Timestamp>, until: Option<Timestamp>, tail: Option<usize>) -> LogsOptions {
    LogsOptions {
        follow,
        stdout: true,
        stderr: true,
        timestamps: true,
        since: since.map(|t| t.as_second().clamp(0, i32::MAX as i64) as i32).unwrap_or(0),
        // Whole seconds, rounded up so the last second is in.
        until: until.map(|t| (t.as_second() + 1).clamp(0, i32::MAX as i64) as i32).unwrap_or(0),
        tail: tail.map(|n| n.to_string()).unwrap_or_else(|| "all".into()),
    }
}

/// One container's lines in [since, until], oldest first, and the time of its newest line.
async fn container_history(
    engine: &Engine,
    host: &HostId,
    w: &Wanted,
    req: &LogRequest,
) -> Result<(Vec<LogLine>, Option<Timestamp>), HostError> {
    let tail = (!req.filter.has_text_filter() && req.lines > 0 && req.until.is_none()).then_some(req.lines);
    let mut stream = engine.docker.logs(&w.container, Some(options(false, req.since, req.until, tail)));
    let mut lines = Lines::default();
    let mut out = Vec::new();
    let mut last = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) if super::client::not_found(&e) => break,
            Err(e) => return Err(HostError::new(HostErrorKind::Command, format!("{}: {}", w.container, describe(&e)))),
        };
        let (s, bytes) = stream_of(&chunk);
        for raw in lines.push(s, bytes) {
            let Some((ts, text)) = parse_line(&raw) else { continue };
            last = Some(ts);
            if req.until.is_some_and(|u| ts > u) || req.since.is_some_and(|s| ts < s) {
                continue;
            }
            let l = line(host, w, ts, s, text);
            if req.filter.matches(&l) {
                out.push(l);
            }
        }
    }
    Ok((out, last))
}

fn note(host: &HostId, w: &Wanted, text: String) -> LogLine {
    let mut l = line(host, w, Timestamp::now(), "stdout", text);
    l.stream = Some("fleet");
    l
}

async fn history(
    engine: &Engine,
    host: &HostId,
    wanted: &[Wanted],
    req: &LogRequest,
) -> Result<(Vec<LogLine>, HashMap<String, Timestamp>), HostError> {
    let runs = wanted.iter().map(|w| async move { (w, container_history(engine, host, w, req).await) });
    let mut out = Vec::new();
    let mut last = HashMap::new();
    for (w, r) in futures::future::join_all(runs).await {
        if let Some(why) = unreadable(engine, w) {
            out.push(note(host, w, why));
            continue;
        }
        let (lines, newest) = r?;
        if let Some(t) = newest {
            last.insert(w.container.clone(), t);
        }
        out.extend(lines);
    }
    out.sort_by_key(|l| l.ts);
    let keep = out.len().saturating_sub(req.lines);
    Ok((out.split_off(keep), last))
}

/// Older lines (a log view scrolled above its buffer), oldest first.
pub async fn older(engine: &Engine, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
    history(engine, &plan.host, &current(engine, plan), req).await.map(|(l, _)| l)
}

/// History, then (if asked) a follow of every container, as events for this host.
pub async fn run(engine: Arc<Engine>, plan: HostUnits, req: LogRequest, tx: mpsc::UnboundedSender<LogEvent>) {
    let host = plan.host.clone();
    let wanted = current(&engine, &plan);
    let started = Timestamp::now();
    let (lines, last) = match history(&engine, &host, &wanted, &req).await {
        Ok(x) => x,
        Err(error) => {
            let _ = tx.send(LogEvent::Failed { host, error });
            return;
        }
    };
    if tx.send(LogEvent::History { host: host.clone(), lines }).is_err() || !req.follow {
        return;
    }
    let mut followed: HashSet<String> = HashSet::new();
    let mut tasks = Vec::new();
    for w in wanted {
        if unreadable(&engine, &w).is_some() {
            continue;
        }
        let since = last.get(&w.container).copied().unwrap_or(started);
        followed.insert(w.container.clone());
        tasks.push(tokio::spawn(follow(engine.clone(), host.clone(), w, Some(since), req.filter.clone(), tx.clone())));
    }
    // Containers that appear later: the store is kept by the engine's events, so looking costs
    // nothing.
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = tx.closed() => break,
        }
        for w in current(&engine, &plan) {
            if followed.insert(w.container.clone()) {
                if let Some(why) = unreadable(&engine, &w) {
                    let _ = tx.send(LogEvent::Live { host: host.clone(), line: note(&host, &w, why) });
                    continue;
                }
                tasks.push(tokio::spawn(follow(engine.clone(), host.clone(), w, None, req.filter.clone(), tx.clone())));
            }
        }
    }
    for t in tasks {
        t.abort();
    }
}

/// Follows one container name until it is gone for good or nobody listens. `since`: the last
/// line already handed out (None: from the container's start).
async fn follow(
    engine: Arc<Engine>,
    host: HostId,
    w: Wanted,
    mut since: Option<Timestamp>,
    filter: LogFilter,
    tx: mpsc::UnboundedSender<LogEvent>,
) {
    let mut dropped_at: Option<Instant> = None;
    let mut failures = 0u32;
    loop {
        let Some(id) = engine.get(&w.container).and_then(|c| c.id) else {
            // Not there (yet, or any more): compose renames the old container before it makes
            // the new one under the name. Looking again costs nothing (the store is in memory).
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                _ = tx.closed() => return,
            }
        };
        let mut stream = engine.docker.logs(&id, Some(options(true, since, None, None)));
        let mut lines = Lines::default();
        let mut got_any = false;
        let mut error = None;
        loop {
            let next = tokio::select! {
                n = stream.next() => n,
                _ = tx.closed() => return,
            };
            let chunk = match next {
                Some(Ok(c)) => c,
                Some(Err(e)) => {
                    error = Some(describe(&e));
                    break;
                }
                None => break,
            };
            if !got_any {
                got_any = true;
                failures = 0;
                if let Some(at) = dropped_at.take()
                    && tx.send(LogEvent::Reconnected { host: host.clone(), after: at.elapsed(), at: Timestamp::now() }).is_err()
                {
                    return;
                }
            }
            let (s, bytes) = stream_of(&chunk);
            for raw in lines.push(s, bytes) {
                let Some((ts, text)) = parse_line(&raw) else { continue };
                if since.is_some_and(|t| ts <= t) {
                    continue;
                }
                since = Some(ts);
                let l = line(&host, &w, ts, s, text);
                if filter.matches(&l) && tx.send(LogEvent::Live { host: host.clone(), line: l }).is_err() {
                    return;
                }
            }
        }
        // The stream ended: the container stopped (a follow of a stopped container ends), was
        // recreated under its name, or the connection dropped. Wait for it to run again.
        // The same container still running: the stream itself broke (the connection).
        let running_same =
            engine.get(&w.container).is_some_and(|c| c.id.as_deref() == Some(&id) && c.state.and_then(|s| s.running).unwrap_or(false));
        if running_same || error.is_some() {
            failures += 1;
            if dropped_at.is_none() {
                dropped_at = Some(Instant::now());
                let e = error.unwrap_or_else(|| "log stream ended".into());
                if tx.send(LogEvent::Dropped { host: host.clone(), reason: format!("{}: {e}", w.container) }).is_err() {
                    return;
                }
            }
        }
        if crate::logs::source::pause(failures.max(1), &tx).await.is_err() {
            return;
        }
        // Not running and not recreated: wait until it runs, is recreated, or (mid-recreate)
        // is gone for a moment; a container removed for good leaves its tail in view and
        // this wait costs a look at the store every half second.
        loop {
            match engine.get(&w.container) {
                None => break,
                Some(c) if c.id.as_deref() != Some(&id) || c.state.as_ref().and_then(|s| s.running).unwrap_or(false) => break,
                Some(_) => {}
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = tx.closed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tty_chunks_become_lines() {
        let mut l = Lines::default();
        assert!(l.push("tty", b"2026-12-02T10:00:00.1Z hel").is_empty());
        assert_eq!(l.push("tty", b"lo\r\n2026-12-02T10:00:01Z a\n"), ["2026-12-02T10:00:00.1Z hello", "2026-12-02T10:00:01Z a"]);
        let (ts, text) = parse_line("2026-12-02T10:00:00.123456789Z GET / 200").unwrap();
        assert_eq!(ts.to_string(), "2026-12-02T10:00:00.123456789Z");
        assert_eq!(text, "GET / 200");
        assert!(parse_line("garbage").is_none());
    }
}
