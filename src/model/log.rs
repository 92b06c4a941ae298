use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;

use super::platform::PlatformRef;
use super::{HostError, HostId};

/// Where to pick a log stream up again after it dropped. Each source has its own kind; the
/// journald cursor is exact, the others are a time plus de-duplication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ResumeToken {
    /// journald's `__CURSOR`, for `journalctl --after-cursor`.
    Journald(String),
    /// A container log timestamp (Docker `since`), later.
    Docker(Timestamp),
    /// A pod log `sinceTime`, later.
    Kube(Timestamp),
    /// supervisord: the byte offset in the program's log file just after this line (exact).
    Supervisor(u64),
}

/// Where a line's time comes from. Most sources stamp each line; supervisord writes none, so
/// fleet stamps what it reads live on arrival, and older lines carry their file's last change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// The source's own timestamp.
    Source,
    /// When fleet read the line (a live follow of a source without timestamps).
    Arrival,
    /// Not known: the line is history of a source without timestamps, and `ts` is its log
    /// file's last change. Such lines keep their file's order; they are never interleaved with
    /// other sources by guesswork.
    Unknown,
}

impl Clock {
    pub fn is_source(&self) -> bool {
        *self == Clock::Source
    }
}

/// One log line from any source, with everything needed to merge, filter, show and resume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    pub ts: Timestamp,
    pub host: HostId,
    pub app: String,
    pub process: String,
    /// The unit (container, pod) it came from.
    pub source: String,
    /// syslog priority 0 (emerg) – 7 (debug), where the source has one.
    pub priority: Option<u8>,
    /// "stdout"/"stderr" where the source tells them apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<&'static str>,
    /// The raw text (invalid UTF-8 replaced). Sanitised when shown, never here, so --json is
    /// lossless.
    pub message: String,
    pub resume: ResumeToken,
    /// Left out of --json when the source stamped the line itself.
    #[serde(skip_serializing_if = "Clock::is_source")]
    pub clock: Clock,
}

impl LogLine {
    /// The process as a person reads it beside the app: the process type, or the dyno
    /// (`web.1`) when the source is named `APP.PROCESS.N` as Dokku names its containers, so
    /// two web dynos' lines are told apart as Dokku itself prints them (`blog[web.1]`).
    pub fn who(&self) -> std::borrow::Cow<'_, str> {
        let dyno = self.source.strip_prefix(self.app.as_str()).and_then(|r| r.strip_prefix('.')).filter(|d| {
            d.strip_prefix(self.process.as_str())
                .and_then(|n| n.strip_prefix('.'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        match dyno {
            Some(d) => std::borrow::Cow::Borrowed(d),
            None => std::borrow::Cow::Borrowed(self.process.as_str()),
        }
    }
}

pub fn priority_name(p: u8) -> &'static str {
    ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"].get(p as usize).copied().unwrap_or("?")
}

/// The units of one app (or some of its processes) on one host under one platform, whose logs
/// to read: (unit, app, process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUnits {
    pub host: HostId,
    pub platform: PlatformRef,
    pub units: Vec<(String, String, String)>,
}

/// What a log source says, one host at a time.
#[derive(Debug, Clone)]
pub enum LogEvent {
    /// History for this host, oldest first (at most `lines` of it).
    History {
        host: HostId,
        lines: Vec<LogLine>,
    },
    Live {
        host: HostId,
        line: LogLine,
    },
    /// The follow stream dropped; fleet is reconnecting.
    Dropped {
        host: HostId,
        reason: String,
    },
    /// The follow stream is back after `after`; nothing was lost.
    Reconnected {
        host: HostId,
        after: Duration,
        at: Timestamp,
    },
    /// This host's logs could not be read at all.
    Failed {
        host: HostId,
        error: HostError,
    },
}

#[cfg(test)]
mod who_tests {
    use super::*;

    fn line(app: &str, process: &str, source: &str) -> LogLine {
        LogLine {
            ts: jiff::Timestamp::UNIX_EPOCH,
            host: HostId("h".into()),
            app: app.into(),
            process: process.into(),
            source: source.into(),
            priority: None,
            stream: None,
            message: String::new(),
            resume: ResumeToken::Journald(String::new()),
            clock: Clock::Source,
        }
    }

    #[test]
    fn dokku_dynos_show_as_dokku_prints_them() {
        assert_eq!(line("blog", "web", "blog.web.2").who(), "web.2");
        // Anything else keeps its process type.
        assert_eq!(line("shop", "web", "shop-web.service").who(), "web");
        assert_eq!(line("notes", "web", "notes_web_1").who(), "web");
        assert_eq!(line("blog", "web", "blog.web.1.upcoming-1234").who(), "web");
        assert_eq!(line("pay", "web", "pay:pay-web_00").who(), "web");
    }
}
