//! `fleet logs APP [-f] [-n N] [--since] [--until] [-p web] [--host H] [--grep RE] [--grep-v RE] [--json]`
//!
//! Discovery finds the app's units on each host; each host's journal is read in parallel; the
//! history is merged by time and cut to the last N lines *after* filtering; a follow goes through
//! a 50 ms reorder window and survives dropped connections without losing or repeating lines.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use regex::Regex;
use tokio::sync::mpsc;

use super::args::{ColorMode, LogsArgs};
use super::output::host_error;
use crate::context::Context;
use crate::logs::filter::LogFilter;
use crate::logs::merge::{Reorder, merge_tail};
use crate::logs::sanitize::sanitize_log;
use crate::logs::source::{LogEvent, LogRequest};
use crate::logs::units::{plan, process_colour};
use crate::logs::when::parse_when;
use crate::model::LogLine;

const DEFAULT_LINES: usize = 100;
const REORDER_WINDOW: Duration = Duration::from_millis(50);
const PALETTE: [&str; 6] = ["36", "32", "33", "35", "34", "96"];

/// Stdout closed under us (`| head`): stop quietly, exit 0.
struct PipeClosed;

struct Printer {
    out: std::io::BufWriter<std::io::Stdout>,
    json: bool,
    colour: bool,
    keep_sgr: bool,
    order: Vec<String>,
}

impl Printer {
    fn line(&mut self, l: &LogLine) -> Result<(), PipeClosed> {
        let written = if self.json {
            serde_json::to_string(l).map_err(std::io::Error::other).and_then(|s| writeln!(self.out, "{s}"))
        } else {
            // A line its source gave no time (supervisord's history) says so instead of a time.
            let ts = if l.clock == crate::model::Clock::Unknown {
                "-                   ".to_string()
            } else {
                l.ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
            };
            let who = format!("{}[{}@{}]:", l.app, l.who(), l.host);
            let who = sanitize_log(&who, false).into_owned();
            let (pre, msg_on, off) = if self.colour {
                let c = PALETTE[process_colour(&l.process, &self.order) % PALETTE.len()];
                let m = match l.priority {
                    Some(0..=3) => "\u{1b}[31m",
                    Some(4) => "\u{1b}[33m",
                    _ => "",
                };
                (format!("\u{1b}[{c}m"), m, "\u{1b}[0m")
            } else {
                (String::new(), "", "")
            };
            let mut r = Ok(());
            // A multi-line message prints each line with the prefix, so grep and friends see it.
            for part in l.message.split('\n') {
                let text = sanitize_log(part, self.keep_sgr);
                r = r.and_then(|_| writeln!(self.out, "{ts} {pre}{who}{off} {msg_on}{text}{}", if msg_on.is_empty() { "" } else { off }));
            }
            r
        };
        written.map_err(|_| PipeClosed)
    }

    /// Line-buffered when piped: flush after every batch, so `| grep` sees lines at once.
    fn flush(&mut self) -> Result<(), PipeClosed> {
        self.out.flush().map_err(|_| PipeClosed)
    }
}

fn regex(flag: &str, text: &Option<String>) -> Result<Option<Regex>, String> {
    text.as_deref().map(|t| Regex::new(t).map_err(|e| format!("{flag}: {e}"))).transpose()
}

pub async fn run(ctx: &Context, args: LogsArgs) -> anyhow::Result<i32> {
    let now = jiff::Timestamp::now();
    let parsed = (|| -> Result<_, String> {
        let since = args.since.as_deref().map(|s| parse_when(s, now)).transpose().map_err(|e| format!("--since: {e}"))?;
        let until = args.until.as_deref().map(|s| parse_when(s, now)).transpose().map_err(|e| format!("--until: {e}"))?;
        Ok((since, until, regex("--grep", &args.grep)?, regex("--grep-v", &args.grep_v)?))
    })();
    let (since, until, grep, grep_v) = match parsed {
        Ok(v) => v,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    // Which units: discovery on the hosts in question.
    let found = match super::discover::discover(ctx, &args.host).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let mut failed = found.failed;
    let hosts_plan = plan(&found.reports, &args.app, &args.process, &args.host);
    if hosts_plan.is_empty() {
        return Ok(super::discover::no_target(&found, &args.app, &args.process));
    }
    let (reports, backends) = (&found.reports, &found.backends);
    let order: Vec<String> = {
        let apps = crate::model::group_apps(reports.iter().flat_map(|r| r.processes.iter()), &ctx.config.convention.process_order, &[]);
        apps.into_iter().find(|a| a.name == args.app).map(|a| a.formation.into_iter().map(|(p, _)| p).collect()).unwrap_or_default()
    };

    let colour = match (args.no_color, args.color) {
        (true, _) | (_, ColorMode::Never) => false,
        (_, ColorMode::Always) => true,
        (_, ColorMode::Auto) => std::io::stdout().is_terminal(),
    };
    let mut printer = Printer {
        out: std::io::BufWriter::new(std::io::stdout()),
        json: args.json,
        colour: colour && !args.json,
        keep_sgr: args.color == ColorMode::Always && !args.no_color,
        order,
    };
    let req = LogRequest {
        lines: args.lines.unwrap_or(DEFAULT_LINES),
        since,
        until,
        follow: args.follow,
        filter: LogFilter { processes: args.process.clone(), hosts: args.host.clone(), grep, grep_v },
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    for hu in &hosts_plan {
        let Some(backend) = backends.iter().find(|b| *b.id() == hu.host).cloned() else { continue };
        let (hu, req, tx) = (hu.clone(), req.clone(), tx.clone());
        tokio::spawn(async move {
            match backend.platform(hu.platform) {
                Ok(p) => p.logs(hu, req, tx).await,
                Err(error) => {
                    let _ = tx.send(LogEvent::Failed { host: hu.host, error });
                }
            }
        });
    }
    drop(tx);

    match stream_out(&mut printer, &mut rx, hosts_plan.len(), req.lines, &mut failed).await {
        Ok(()) => Ok(if failed > 0 { 1 } else { 0 }),
        // The reader went away (`| head`): that is how a pipe ends, not an error.
        Err(PipeClosed) => Ok(0),
    }
}

async fn stream_out(
    printer: &mut Printer,
    rx: &mut mpsc::UnboundedReceiver<LogEvent>,
    hosts: usize,
    lines: usize,
    failed: &mut usize,
) -> Result<(), PipeClosed> {
    // History from every host first, merged, then the live lines.
    let mut pending = hosts;
    let mut history = Vec::new();
    let mut early_live = Vec::new();
    while pending > 0 {
        match rx.recv().await {
            None => break,
            Some(LogEvent::History { lines, .. }) => {
                history.push(lines);
                pending -= 1;
            }
            Some(LogEvent::Failed { host, error }) => {
                host_error(&host.0, &error.message);
                *failed += 1;
                pending -= 1;
            }
            Some(other) => early_live.push(other),
        }
    }
    for l in merge_tail(history, lines) {
        printer.line(&l)?;
    }
    printer.flush()?;

    let mut reorder = Reorder::new(REORDER_WINDOW);
    let handle = |ev: LogEvent, reorder: &mut Reorder, failed: &mut usize| match ev {
        LogEvent::Live { line, .. } => reorder.push(line, Instant::now()),
        LogEvent::Dropped { host, reason } => eprintln!("fleet: {host}: log stream lost ({reason}); reconnecting"),
        LogEvent::Reconnected { host, after, .. } => {
            eprintln!("fleet: {host}: reconnected after {:.1} s; resumed after the last line shown", after.as_secs_f64())
        }
        LogEvent::Failed { host, error } => {
            host_error(&host.0, &error.message);
            *failed += 1;
        }
        LogEvent::History { .. } => {}
    };
    for ev in early_live {
        handle(ev, &mut reorder, failed);
    }
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let due = reorder.next_due();
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => {
                    handle(ev, &mut reorder, failed);
                    // Whatever else has arrived goes in the same batch: a fast stream is
                    // released (and flushed) once per batch, not once per line.
                    for _ in 0..10_000 {
                        let Ok(ev) = rx.try_recv() else { break };
                        handle(ev, &mut reorder, failed);
                    }
                }
                None => break,
            },
            _ = async { tokio::time::sleep_until(due.map(Into::into).unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600))).await }, if due.is_some() => {}
            _ = &mut ctrl_c => break,
        }
        let ready = reorder.ready(Instant::now());
        for l in &ready {
            printer.line(l)?;
        }
        if !ready.is_empty() {
            printer.flush()?;
        }
    }
    for l in reorder.drain() {
        printer.line(&l)?;
    }
    printer.flush()
}
