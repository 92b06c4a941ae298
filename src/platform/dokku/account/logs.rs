//! A Dokku app's logs through `dokku logs`, for a host reached as the `dokku` user (no Docker
//! socket there). Dokku prints each dyno's `docker logs -t` with its name, coloured:
//! `ESC[36m2026-12-02T10:00:00.123456789Z app[web.1]:ESC[0m text` (its scheduler-logs
//! trigger), stdout and stderr merged. `-n N` is per dyno and there is no `--since`: history
//! is the newest lines of each dyno; a follow that ended (a deploy replaced the dynos, or the
//! connection dropped) starts again with the newest `RESUME_TAIL` of each and drops exactly
//! the lines it already handed out (time and text: a deploy's new container shares the old
//! one's dyno name, and its first lines may be older than the old one's last); if a dyno
//! wrote more than that meanwhile, a note says lines may be missing, rather than pretending
//! none were.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::logs::source::{HostUnits, LogEvent, LogRequest};
use crate::model::{Clock, HostError, HostErrorKind, HostId, LogLine, ResumeToken};
use crate::platform::dokku::call::{self, Via};
use crate::transport::Transport;

/// How many lines of each dyno a resumed follow asks for again.
const RESUME_TAIL: usize = 1000;

/// Dokku has no `--since`: history between times looks this far back in each dyno at most.
const WINDOW_TAIL: usize = 20_000;

/// One line of `dokku logs` → (time, dyno, text).
pub fn parse(raw: &str) -> Option<(Timestamp, String, String)> {
    // The colour Dokku wraps the prefix in (`ESC[36m` … `ESC[0m `).
    let raw = match raw.strip_prefix("\x1b[") {
        Some(rest) => &rest[rest.find('m')? + 1..],
        None => raw,
    };
    let (ts, rest) = raw.split_once(' ')?;
    let ts: Timestamp = ts.parse().ok()?;
    let rest = rest.strip_prefix("app[")?;
    let (dyno, text) = rest.split_once("]:")?;
    let text = text.strip_prefix("\x1b[0m").unwrap_or(text);
    Some((ts, dyno.to_string(), text.strip_prefix(' ').unwrap_or(text).to_string()))
}

/// The (app, process types) the plan reads: `-p TYPE` each when only some types are asked.
fn asks(plan: &HostUnits) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for (_, app, process) in &plan.units {
        let p = (process != "app").then(|| process.clone());
        if !out.iter().any(|(a, q)| a == app && (q == &p || q.is_none())) {
            if p.is_none() {
                out.retain(|(a, _)| a != app);
            }
            out.push((app.clone(), p));
        }
    }
    out
}

fn args<'a>(app: &'a str, process: Option<&'a str>, tail: &'a str, follow: bool) -> Vec<&'a str> {
    let mut a = vec!["logs", app, "-n", tail];
    if let Some(p) = process {
        a.extend(["-p", p]);
    }
    if follow {
        a.push("-t");
    }
    a
}

fn line(host: &HostId, app: &str, ts: Timestamp, dyno: &str, text: String) -> LogLine {
    let process = dyno.rsplit_once('.').map(|(p, _)| p).unwrap_or(dyno).to_string();
    LogLine {
        ts,
        host: host.clone(),
        app: app.to_string(),
        process,
        source: format!("{app}.{dyno}"),
        priority: None,
        // Dokku merges stdout and stderr (`2>&1`).
        stream: None,
        message: text,
        resume: ResumeToken::Docker(ts),
        clock: Clock::Source,
    }
}

fn note(host: &HostId, app: &str, dyno: &str, text: String) -> LogLine {
    let mut l = line(host, app, Timestamp::now(), dyno, text);
    l.stream = Some("fleet");
    l
}

/// History of the plan, oldest first (at most `req.lines` after filtering), and each dyno's
/// newest time (filtered out or not), where a follow takes over.
async fn history(
    transport: &Transport,
    plan: &HostUnits,
    req: &LogRequest,
) -> Result<(Vec<LogLine>, HashMap<String, Timestamp>), HostError> {
    let windowed = req.since.is_some() || req.until.is_some() || req.filter.has_text_filter();
    let tail = if windowed { WINDOW_TAIL } else { req.lines.max(1) }.to_string();
    let runs = asks(plan).into_iter().map(|(app, p)| {
        let tail = tail.clone();
        async move {
            let out = call::dokku(transport, Via::Forced, &args(&app, p.as_deref(), &tail, false)).await;
            (app, out)
        }
    });
    let mut out = Vec::new();
    let mut last: HashMap<String, Timestamp> = HashMap::new();
    for (app, r) in futures::future::join_all(runs).await {
        let text = r.map_err(|e| HostError::new(HostErrorKind::Command, e))?;
        for raw in text.lines() {
            let Some((ts, dyno, msg)) = parse(raw) else { continue };
            let key = format!("{app}.{dyno}");
            if last.get(&key).is_none_or(|t| *t < ts) {
                last.insert(key, ts);
            }
            if req.until.is_some_and(|u| ts > u) || req.since.is_some_and(|s| ts < s) {
                continue;
            }
            let l = line(&plan.host, &app, ts, &dyno, msg);
            if req.filter.matches(&l) {
                out.push(l);
            }
        }
    }
    out.sort_by_key(|l| l.ts);
    let keep = out.len().saturating_sub(req.lines);
    Ok((out.split_off(keep), last))
}

/// Older lines (a log view scrolled above its buffer), within what Dokku still replays.
pub async fn older(transport: &Transport, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
    history(transport, plan, req).await.map(|(l, _)| l)
}

/// The newest `RESUME_TAIL` lines a follow handed out (or filtered out) of one dyno: what a
/// replay of that many may repeat.
#[derive(Default)]
struct Recent {
    order: std::collections::VecDeque<(Timestamp, u64)>,
    set: std::collections::HashSet<(Timestamp, u64)>,
}

impl Recent {
    fn key(ts: Timestamp, msg: &str) -> (Timestamp, u64) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        msg.hash(&mut h);
        (ts, h.finish())
    }

    fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn contains(&self, ts: Timestamp, msg: &str) -> bool {
        self.set.contains(&Recent::key(ts, msg))
    }

    fn push(&mut self, ts: Timestamp, msg: &str) {
        let k = Recent::key(ts, msg);
        if self.set.insert(k) {
            self.order.push_back(k);
        }
        if self.order.len() > RESUME_TAIL
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
    }
}

/// History, then (if asked) a follow per app that resumes as described above.
pub async fn run(transport: Arc<Transport>, plan: HostUnits, req: LogRequest, tx: mpsc::UnboundedSender<LogEvent>) {
    let started = Timestamp::now();
    let (lines, last) = match history(&transport, &plan, &req).await {
        Ok(x) => x,
        Err(error) => {
            let _ = tx.send(LogEvent::Failed { host: plan.host.clone(), error });
            return;
        }
    };
    if tx.send(LogEvent::History { host: plan.host.clone(), lines }).is_err() || !req.follow {
        return;
    }
    let follows = asks(&plan)
        .into_iter()
        .map(|(app, p)| follow(transport.clone(), plan.host.clone(), app, p, started, last.clone(), &req, tx.clone()));
    futures::future::join_all(follows).await;
}

#[allow(clippy::too_many_arguments)]
async fn follow(
    transport: Arc<Transport>,
    host: HostId,
    app: String,
    process: Option<String>,
    started: Timestamp,
    mut last: HashMap<String, Timestamp>,
    req: &LogRequest,
    tx: mpsc::UnboundedSender<LogEvent>,
) {
    let mut dropped_at: Option<Instant> = None;
    let mut failures = 0u32;
    let mut recent: HashMap<String, Recent> = HashMap::new();
    // Where the history ended for each dyno: nothing older is the follow's to show.
    let floor = last.clone();
    // The first follow picks up right after the history; later ones replay RESUME_TAIL.
    let mut tail = "100".to_string();
    loop {
        let cmd = match call::line(Via::Forced, &args(&app, process.as_deref(), &tail, true)) {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(LogEvent::Failed { host, error: HostError::new(HostErrorKind::Command, e) });
                return;
            }
        };
        let opened = tokio::select! {
            s = transport.exec_stream(&cmd) => s,
            _ = tx.closed() => return,
        };
        let mut stream = match opened {
            Ok(s) => s,
            Err(e) => {
                failures += 1;
                if dropped_at.is_none() {
                    dropped_at = Some(Instant::now());
                    if tx.send(LogEvent::Dropped { host: host.clone(), reason: e.message }).is_err() {
                        return;
                    }
                }
                transport.reset().await;
                if crate::logs::source::pause(failures, &tx).await.is_err() {
                    return;
                }
                continue;
            }
        };
        if let Some(at) = dropped_at.take()
            && tx.send(LogEvent::Reconnected { host: host.clone(), after: at.elapsed(), at: Timestamp::now() }).is_err()
        {
            return;
        }
        failures = 0;
        // Per dyno in this pass: lines replayed, and whether one reached back to what was seen.
        let mut replayed: HashMap<String, (usize, bool)> = HashMap::new();
        let resumed = tail != "100";
        loop {
            let next = tokio::select! {
                l = stream.next_line() => l,
                _ = tx.closed() => return,
            };
            let Some(raw) = next else { break };
            let Some((ts, dyno, msg)) = parse(&String::from_utf8_lossy(&raw)) else { continue };
            let key = format!("{app}.{dyno}");
            let seen = last.get(&key).copied().unwrap_or(started);
            let r = replayed.entry(key.clone()).or_insert((0, false));
            r.0 += 1;
            // A deploy's new container has the old one's dyno name and starts before the old
            // one stops: its first lines may be older than the old one's last. So a replay
            // drops the lines handed out already, where this follow has them, and those from
            // before it began (the history's), rather than everything up to the newest time.
            let already = match recent.get(&key) {
                Some(r) if resumed && !r.is_empty() => r.contains(ts, &msg) || ts <= floor.get(&key).copied().unwrap_or(started),
                _ => ts <= seen,
            };
            if already {
                r.1 = true;
                continue;
            }
            recent.entry(key.clone()).or_default().push(ts, &msg);
            if resumed && !r.1 && r.0 >= RESUME_TAIL && last.contains_key(&key) {
                r.1 = true;
                let gap = format!("lines of {dyno} between {seen} and {ts} may be missing: Dokku replays at most {RESUME_TAIL} a dyno");
                if tx.send(LogEvent::Live { host: host.clone(), line: note(&host, &app, &dyno, gap) }).is_err() {
                    return;
                }
            }
            if seen < ts {
                last.insert(key, ts);
            }
            let l = line(&host, &app, ts, &dyno, msg);
            if req.filter.matches(&l) && tx.send(LogEvent::Live { host: host.clone(), line: l }).is_err() {
                return;
            }
        }
        let reason = match stream.status() {
            Some(0) => format!("dokku logs {app} ended (a deploy replaced its dynos, or they stopped)"),
            Some(code) => format!("dokku logs {app} exited with {code}: {}", stream.stderr_tail()),
            None => "connection lost".to_string(),
        };
        let lost = stream.status().is_none();
        drop(stream);
        dropped_at = Some(Instant::now());
        if tx.send(LogEvent::Dropped { host: host.clone(), reason }).is_err() {
            return;
        }
        if lost {
            transport.reset().await;
        }
        tail = RESUME_TAIL.to_string();
        failures += 1;
        if crate::logs::source::pause(failures, &tx).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dokku_log_lines_as_its_scheduler_prints_them() {
        let (ts, dyno, text) = parse("\x1b[36m2026-12-02T10:00:00.123456789Z app[web.1]:\x1b[0m GET /posts/1 200").unwrap();
        assert_eq!(
            (ts.to_string().as_str(), dyno.as_str(), text.as_str()),
            ("2026-12-02T10:00:00.123456789Z", "web.1", "GET /posts/1 200")
        );
        // Without colour, and a message that carries escapes of its own (kept: sanitised when shown).
        let (_, dyno, text) = parse("2026-12-02T10:00:00Z app[worker.1]: \x1b[31mred\x1b[0m").unwrap();
        assert_eq!((dyno.as_str(), text.as_str()), ("worker.1", "\x1b[31mred\x1b[0m"));
        assert!(parse("=====> blog failed deploy logs").is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn a_replay_repeats_only_what_was_handed_out() {
        let t = |s: i64| Timestamp::from_second(1_800_000_000 + s).unwrap();
        let mut r = Recent::default();
        r.push(t(10), "job 23 done");
        // The new container's first line: older, but never handed out.
        assert!(r.contains(t(10), "job 23 done") && !r.contains(t(9), "job 1 done"));
        for i in 0..RESUME_TAIL as i64 {
            r.push(t(20 + i), "tick");
        }
        assert!(!r.contains(t(10), "job 23 done"), "bounded: the oldest goes");
        assert!(r.contains(t(20 + RESUME_TAIL as i64 - 1), "tick"));
    }

    #[test]
    fn a_plan_asks_per_app_or_per_process_type() {
        let hu = |units: &[(&str, &str)]| HostUnits {
            host: HostId("h".into()),
            platform: super::super::platform::info(),
            units: units.iter().map(|(a, p)| (format!("{a}.{p}.1"), a.to_string(), p.to_string())).collect(),
        };
        assert_eq!(
            asks(&hu(&[("blog", "web"), ("blog", "worker")])),
            [("blog".into(), Some("web".into())), ("blog".into(), Some("worker".into()))]
        );
        assert_eq!(asks(&hu(&[("api", "app")])), [("api".into(), None)]);
        assert_eq!(args("blog", Some("web"), "100", true), ["logs", "blog", "-n", "100", "-p", "web", "-t"]);
    }
}
