//! Putting lines from many hosts and processes into one timeline: a tail of history, and a
//! small reorder window for live lines.

use std::time::{Duration, Instant};

use crate::model::LogLine;

/// All lines of every host in time order (stable: ties keep host order), the last `n` of them.
/// Lines without a time of their own (supervisord's history, `Clock::Unknown`) are not cut here:
/// which of two programs wrote last cannot be known, so their backend already kept the last `n`
/// of each log file, and all of those stay, ordered by the file's last change.
pub fn merge_tail(per_host: Vec<Vec<LogLine>>, n: usize) -> Vec<LogLine> {
    let (untimed, mut timed): (Vec<LogLine>, Vec<LogLine>) =
        per_host.into_iter().flatten().partition(|l| l.clock == crate::model::Clock::Unknown);
    timed.sort_by(|a, b| a.ts.cmp(&b.ts).then_with(|| a.host.cmp(&b.host)));
    let skip = timed.len().saturating_sub(n);
    timed.drain(..skip);
    let mut all = untimed;
    all.extend(timed);
    all.sort_by(|a, b| a.ts.cmp(&b.ts).then_with(|| a.host.cmp(&b.host)));
    all
}

/// Live lines wait here up to `window` after they arrive, and leave in timestamp order, so two
/// hosts' lines logged a few ms apart come out in the order they happened. The window is small
/// (50 ms) so a quiet app's line still shows at once.
pub struct Reorder {
    window: Duration,
    held: Vec<(Instant, LogLine)>,
}

impl Reorder {
    pub fn new(window: Duration) -> Self {
        Reorder { window, held: Vec::new() }
    }

    /// `now` never goes back between calls (it is the arrival time), so `held` stays in
    /// arrival order and the lines due first are at its front.
    pub fn push(&mut self, line: LogLine, now: Instant) {
        self.held.push((now, line));
    }

    /// Lines whose wait is over, in timestamp order. A held line older than one being released
    /// goes with it, so order is kept within what is released together.
    pub fn ready(&mut self, now: Instant) -> Vec<LogLine> {
        // Nothing due yet (the common case while lines stream in): no scan of what is held.
        if self.held.first().is_none_or(|(arrived, _)| *arrived + self.window > now) {
            return Vec::new();
        }
        let Some(latest_due) = self.held.iter().filter(|(arrived, _)| *arrived + self.window <= now).map(|(_, l)| l.ts).max() else {
            return Vec::new();
        };
        let (mut out, keep): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.held).into_iter().partition(|(arrived, l)| *arrived + self.window <= now || l.ts <= latest_due);
        self.held = keep;
        out.sort_by(|a, b| a.1.ts.cmp(&b.1.ts).then_with(|| a.1.host.cmp(&b.1.host)));
        out.into_iter().map(|(_, l)| l).collect()
    }

    /// When the next held line is due, to sleep until then.
    pub fn next_due(&self) -> Option<Instant> {
        self.held.first().map(|(arrived, _)| *arrived + self.window)
    }

    pub fn drain(&mut self) -> Vec<LogLine> {
        let mut out: Vec<LogLine> = std::mem::take(&mut self.held).into_iter().map(|(_, l)| l).collect();
        out.sort_by_key(|l| l.ts);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HostId, ResumeToken};

    fn line(host: &str, micros: i64, msg: &str) -> LogLine {
        LogLine {
            ts: jiff::Timestamp::from_microsecond(micros).unwrap(),
            host: HostId(host.into()),
            app: "shop".into(),
            process: "web".into(),
            source: "shop-web.service".into(),
            priority: None,
            stream: None,
            message: msg.into(),
            resume: ResumeToken::Journald(format!("{host}-{micros}")),
            clock: crate::model::Clock::Source,
        }
    }

    #[test]
    fn merge_interleaves_and_keeps_the_tail() {
        let a = vec![line("a", 1, "a1"), line("a", 3, "a3"), line("a", 5, "a5")];
        let b = vec![line("b", 2, "b2"), line("b", 4, "b4")];
        let m = merge_tail(vec![a, b], 4);
        let msgs: Vec<&str> = m.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(msgs, ["b2", "a3", "b4", "a5"]);
    }

    #[test]
    fn untimed_lines_keep_each_files_own_tail() {
        let untimed = |secs: i64, msg: &str| crate::model::LogLine { clock: crate::model::Clock::Unknown, ..line("a", secs, msg) };
        // Two program logs (last written at 2 and 9) and a journal: n cuts only the journal.
        let worker = vec![untimed(2, "w1"), untimed(2, "w2")];
        let ticker = vec![untimed(9, "t1"), untimed(9, "t2"), untimed(9, "t3")];
        let journal = vec![line("b", 1, "j1"), line("b", 5, "j5"), line("b", 7, "j7")];
        let m = merge_tail(vec![worker, ticker, journal], 2);
        let msgs: Vec<&str> = m.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(msgs, ["w1", "w2", "j5", "j7", "t1", "t2", "t3"]);
    }

    #[test]
    fn reorder_releases_in_time_order_after_the_window() {
        let t0 = Instant::now();
        let w = Duration::from_millis(50);
        let mut r = Reorder::new(w);
        r.push(line("a", 20, "late-arriving-but-later"), t0);
        r.push(line("b", 10, "earlier"), t0 + Duration::from_millis(10));
        assert!(r.ready(t0 + Duration::from_millis(20)).is_empty(), "nothing is due yet");
        let out = r.ready(t0 + Duration::from_millis(50));
        // a's line is due; b's earlier line goes with it so order holds.
        let msgs: Vec<&str> = out.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(msgs, ["earlier", "late-arriving-but-later"]);
        assert!(r.next_due().is_none());
    }
}
