//! A program's stdout and stderr logs through supervisord's own API, by byte offset: history is
//! the last bytes of each file (`readProcess*Log` at an exact offset, after a size query), a
//! follow polls each file's size (`tailProcess*Log` with length 0, all files in one
//! `system.multicall`) and reads exactly what was added. A dropped connection loses nothing:
//! the offsets are fleet's, and the next poll goes on from them. A log that got smaller was
//! rotated (supervisord renamed it to `.1` and began a new one): what fleet had not read yet is
//! taken from the `.1` file, a marker line says so, and the new file is read from its start —
//! no duplicate burst, no gap.
//!
//! supervisord writes no timestamps. Live lines are stamped when fleet reads them (`clock:
//! arrival` in --json); history lines have no time (`clock: unknown`, `ts` is the file's last
//! change), so they stay in their file's order instead of being interleaved by guesswork.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dxr::Value;
use jiff::Timestamp;
use tokio::sync::mpsc::UnboundedSender;

use super::commands;
use super::programs::{self, Info};
use super::rpc::{Rpc, RpcError, i, int, s, string};
use crate::logs::source::{LogRequest, pause};
use crate::model::{Clock, HostError, HostErrorKind, HostId, HostUnits, LogEvent, LogLine, ResumeToken};
use crate::transport::Transport;

/// How often a follow asks for new bytes.
const POLL: Duration = Duration::from_millis(400);
/// The most one read asks for: a burst is read in several polls, never one huge answer.
const CHUNK: u64 = 512 * 1024;
/// A line still without its newline after this long is shown as it is (a prompt, a
/// progress bar).
const PARTIAL_AFTER: Duration = Duration::from_secs(2);

/// One log file being read.
#[derive(Debug, Clone)]
pub struct Channel {
    pub unit: String,
    pub app: String,
    pub process: String,
    pub stream: &'static str,
    pub path: String,
    /// Bytes read so far (the next byte to read).
    pub offset: u64,
    partial: String,
    partial_since: Option<Instant>,
}

impl Channel {
    fn tail_method(&self) -> &'static str {
        if self.stream == "stderr" { "supervisor.tailProcessStderrLog" } else { "supervisor.tailProcessStdoutLog" }
    }

    fn read_method(&self) -> &'static str {
        if self.stream == "stderr" { "supervisor.readProcessStderrLog" } else { "supervisor.readProcessStdoutLog" }
    }

    /// Whole lines out of `text` (appended at `start`), each with the offset just after it.
    fn lines(&mut self, text: &str, start: u64) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut at = start;
        for piece in text.split_inclusive('\n') {
            at += piece.len() as u64;
            if let Some(body) = piece.strip_suffix('\n') {
                let mut whole = std::mem::take(&mut self.partial);
                whole.push_str(body);
                self.partial_since = None;
                out.push((whole.trim_end_matches('\r').to_string(), at));
            } else {
                self.partial.push_str(piece);
                self.partial_since.get_or_insert_with(Instant::now);
            }
        }
        out
    }
}

/// The channels of the plan's programs: stdout, and stderr unless it is redirected into stdout.
pub fn channels(plan: &HostUnits, infos: &[Info]) -> Vec<Channel> {
    let mut out = Vec::new();
    for (unit, app, process) in &plan.units {
        let Some(info) = infos.iter().find(|i| i.namespec() == *unit) else { continue };
        for (stream, path) in [("stdout", &info.stdout_logfile), ("stderr", &info.stderr_logfile)] {
            if path.is_empty() {
                continue;
            }
            out.push(Channel {
                unit: unit.clone(),
                app: app.clone(),
                process: process.clone(),
                stream,
                path: path.clone(),
                offset: 0,
                partial: String::new(),
                partial_since: None,
            });
        }
    }
    out
}

fn line(host: &HostId, c: &Channel, ts: Timestamp, clock: Clock, text: String, offset: u64) -> LogLine {
    LogLine {
        ts,
        host: host.clone(),
        app: c.app.clone(),
        process: c.process.clone(),
        source: c.unit.clone(),
        priority: None,
        stream: Some(c.stream),
        message: text,
        resume: ResumeToken::Supervisor(offset),
        clock,
    }
}

fn note(host: &HostId, c: &Channel, text: String) -> LogLine {
    let mut l = line(host, c, Timestamp::now(), Clock::Arrival, text, c.offset);
    l.stream = Some("fleet");
    l
}

/// Each channel's size now (None where supervisord could not say: the program is gone, the
/// file is not there yet).
async fn sizes(rpc: &Rpc, chans: &[Channel]) -> Result<Vec<Option<u64>>, RpcError> {
    let calls = chans.iter().map(|c| (c.tail_method(), vec![s(&c.unit), i(0), i(0)])).collect();
    Ok(rpc
        .multicall(calls)
        .await?
        .into_iter()
        .map(|r| match r {
            Ok(Value::Array(v)) if v.len() == 3 => int(&v[1]).and_then(|n| u64::try_from(n).ok()),
            _ => None,
        })
        .collect())
}

/// The bytes `[offset, offset+len)` of each asked channel, as text, with how many bytes of the
/// file that text is: fewer than asked when the file was rotated between the size query and
/// the read (supervisord then reads the new, shorter file and sends less or nothing), so the
/// offset only moves over what was really read. A range supervisord cannot send (not valid
/// UTF-8) is read from the file itself, invalid bytes replaced.
async fn read_ranges(
    rpc: &Rpc,
    transport: &Transport,
    as_root: bool,
    asks: &[(&Channel, u64, u64)],
) -> Result<Vec<(String, u64)>, RpcError> {
    let calls = asks.iter().map(|(c, off, len)| (c.read_method(), vec![s(&c.unit), i(*off as i64), i(*len as i64)])).collect();
    let mut out = Vec::new();
    for ((c, off, len), r) in asks.iter().zip(rpc.multicall(calls).await?) {
        match r {
            Ok(v) => {
                let text = string(&v).unwrap_or_default();
                let read = (text.len() as u64).min(*len);
                out.push((text, read));
            }
            Err(RpcError::Transport(e)) => return Err(RpcError::Transport(e)),
            Err(_) => {
                let cmd = commands::read_range(&c.path, *off, *len, as_root);
                let raw = transport.exec(&cmd).await.map(|o| o.stdout).map_err(|e| RpcError::Transport(e.message))?;
                let read = (raw.len() as u64).min(*len);
                out.push((String::from_utf8_lossy(&raw).into_owned(), read));
            }
        }
    }
    Ok(out)
}

/// The last lines of every channel, and the channels positioned at the end of their files.
pub async fn history(
    rpc: &Rpc,
    transport: &Transport,
    host: &HostId,
    plan: &HostUnits,
    req: &LogRequest,
    as_root: bool,
) -> Result<(Vec<LogLine>, Vec<Channel>), HostError> {
    let err = |e: RpcError| HostError::new(HostErrorKind::Command, format!("{host}: {e}"));
    let all = rpc.call("supervisor.getAllProcessInfo", vec![]).await.map_err(err)?;
    let infos = programs::infos(&all).map_err(|e| HostError::new(HostErrorKind::Command, format!("{host}: {e}")))?;
    let mut chans = channels(plan, &infos);
    let sizes = sizes(rpc, &chans).await.map_err(err)?;
    // Enough bytes for the lines asked (a generous 400 bytes a line), within bounds.
    let want = (req.lines as u64).saturating_mul(400).clamp(4096, 4 * 1024 * 1024);
    for (c, size) in chans.iter_mut().zip(&sizes) {
        c.offset = size.unwrap_or(0);
    }
    let asks: Vec<(usize, u64, u64)> = chans
        .iter()
        .enumerate()
        .filter(|(_, c)| req.lines > 0 && c.offset > 0)
        .map(|(n, c)| {
            let start = c.offset.saturating_sub(want);
            (n, start, c.offset - start)
        })
        .collect();
    let refs: Vec<(&Channel, u64, u64)> = asks.iter().map(|(n, off, len)| (&chans[*n], *off, *len)).collect();
    let texts = read_ranges(rpc, transport, as_root, &refs).await.map_err(err)?;
    let paths: Vec<String> = chans.iter().map(|c| c.path.clone()).collect();
    let mtimes: HashMap<String, Timestamp> = if paths.is_empty() {
        HashMap::new()
    } else {
        let out = transport
            .exec(&commands::mtimes(&paths, as_root))
            .await
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        out.lines()
            .filter_map(|l| {
                let (secs, path) = l.split_once(' ')?;
                Some((path.to_string(), Timestamp::from_second(secs.parse().ok()?).ok()?))
            })
            .collect()
    };
    let mut out = Vec::new();
    for ((n, start, _), (text, read_len)) in asks.iter().zip(texts) {
        // A read that starts inside the file starts inside a line: that piece is dropped.
        let body = if *start > 0 { text.split_once('\n').map(|(_, rest)| rest).unwrap_or("") } else { text.as_str() };
        let skipped = (text.len() - body.len()) as u64;
        let c = &mut chans[*n];
        let ts = mtimes.get(&c.path).copied().unwrap_or_else(Timestamp::now);
        let read = c.lines(body, start + skipped);
        // A line still being written is read again, whole, by the follow.
        c.offset = (start + read_len).saturating_sub(c.partial.len() as u64);
        c.partial.clear();
        c.partial_since = None;
        let mut lines: Vec<LogLine> =
            read.into_iter().map(|(t, off)| line(host, c, ts, Clock::Unknown, t, off)).filter(|l| req.filter.matches(l)).collect();
        let keep = lines.len().saturating_sub(req.lines);
        lines.drain(..keep);
        out.extend(lines);
    }
    Ok((out, chans))
}

/// History, then (when asked) the follow, as events until `tx` closes.
pub async fn run(rpc: Rpc, transport: Arc<Transport>, plan: HostUnits, req: LogRequest, as_root: bool, tx: UnboundedSender<LogEvent>) {
    let host = plan.host.clone();
    let (lines, mut chans) = match history(&rpc, &transport, &host, &plan, &req, as_root).await {
        Ok(x) => x,
        Err(error) => {
            let _ = tx.send(LogEvent::Failed { host, error });
            return;
        }
    };
    let _ = tx.send(LogEvent::History { host: host.clone(), lines });
    if !req.follow {
        return;
    }
    let mut failures = 0u32;
    let mut dropped_at: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = tx.closed() => return,
        }
        match poll(&rpc, &transport, &host, &mut chans, &req, as_root).await {
            Ok(lines) => {
                if let Some(since) = dropped_at.take() {
                    let _ = tx.send(LogEvent::Reconnected { host: host.clone(), after: since.elapsed(), at: Timestamp::now() });
                }
                failures = 0;
                for l in lines {
                    if tx.send(LogEvent::Live { host: host.clone(), line: l }).is_err() {
                        return;
                    }
                }
            }
            Err(e) => {
                failures += 1;
                if dropped_at.is_none() {
                    dropped_at = Some(Instant::now());
                    let _ = tx.send(LogEvent::Dropped { host: host.clone(), reason: e.to_string() });
                }
                transport.reset().await;
                if pause(failures, &tx).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// One round: what every channel gained since the last.
async fn poll(
    rpc: &Rpc,
    transport: &Transport,
    host: &HostId,
    chans: &mut [Channel],
    req: &LogRequest,
    as_root: bool,
) -> Result<Vec<LogLine>, RpcError> {
    let sizes = sizes(rpc, chans).await?;
    let mut out = Vec::new();
    let mut asks: Vec<(usize, u64, u64)> = Vec::new();
    for (n, (c, size)) in chans.iter_mut().zip(&sizes).enumerate() {
        let Some(size) = *size else { continue };
        if size < c.offset {
            // Rotated (or cleared): the rest of the old file is in `.1`, when it was kept.
            let old = format!("{}.1", c.path);
            let rest = transport.exec(&commands::read_from(&old, c.offset, as_root)).await;
            match rest {
                Ok(o) if o.status == Some(0) => {
                    let text = String::from_utf8_lossy(&o.stdout).into_owned();
                    let start = c.offset;
                    let now = Timestamp::now();
                    for (t, off) in c.lines(&text, start) {
                        out.push(line(host, c, now, Clock::Arrival, t, off));
                    }
                    out.push(note(host, c, format!("── log rotated: {} became {old}; reading the new file from its start ──", c.path)));
                }
                _ => out.push(note(
                    host,
                    c,
                    format!(
                        "── log rotated or cleared: lines written after offset {} of the old {} could not be read ──",
                        c.offset, c.path
                    ),
                )),
            }
            if !c.partial.is_empty() {
                let text = std::mem::take(&mut c.partial);
                out.push(line(host, c, Timestamp::now(), Clock::Arrival, text, c.offset));
            }
            c.partial_since = None;
            c.offset = 0;
        }
        if size > c.offset {
            asks.push((n, c.offset, (size - c.offset).min(CHUNK)));
        }
    }
    if !asks.is_empty() {
        let refs: Vec<(&Channel, u64, u64)> = asks.iter().map(|(n, off, len)| (&chans[*n], *off, *len)).collect();
        let texts = read_ranges(rpc, transport, as_root, &refs).await?;
        let now = Timestamp::now();
        for ((n, off, _), (text, read_len)) in asks.iter().zip(texts) {
            let c = &mut chans[*n];
            for (t, end) in c.lines(&text, *off) {
                out.push(line(host, c, now, Clock::Arrival, t, end));
            }
            // Only what was read: a file rotated since the size query sent less, and the
            // next poll sees the rotation and takes the rest from `.1`.
            c.offset = off + read_len;
        }
    }
    for c in chans.iter_mut() {
        if c.partial_since.is_some_and(|t| t.elapsed() >= PARTIAL_AFTER) {
            let text = std::mem::take(&mut c.partial);
            c.partial_since = None;
            out.push(line(host, c, Timestamp::now(), Clock::Arrival, text, c.offset));
        }
    }
    out.retain(|l| l.stream == Some("fleet") || req.filter.matches(l));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chan() -> Channel {
        Channel {
            unit: "ledger:ledger-web_00".into(),
            app: "ledger".into(),
            process: "web".into(),
            stream: "stdout",
            path: "/var/log/supervisor/w.log".into(),
            offset: 0,
            partial: String::new(),
            partial_since: None,
        }
    }

    #[test]
    fn lines_carry_the_offset_after_them_and_partials_wait() {
        let mut c = chan();
        assert_eq!(c.lines("a\nbb\nc", 10), vec![("a".to_string(), 12), ("bb".to_string(), 15)]);
        assert_eq!(c.lines("c\r\n", 16), vec![("cc".to_string(), 19)]);
        // Multi-byte text counts bytes, not characters.
        assert_eq!(c.lines("é\n", 19), vec![("é".to_string(), 22)]);
    }
}
