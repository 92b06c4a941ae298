//! What supervisord itself recorded about a program: its main log's `spawned:`, `success:`,
//! `exited:`, `gave up:`, `stopped:` and `waiting for` lines. supervisord writes its host's local
//! time without a zone; the probe's `date +%z` says which.

use jiff::Timestamp;

use crate::model::{ActivityEntry, HostId};

/// Lines of the main log about `names` (instance names), oldest first.
pub fn parse(host: &HostId, text: &str, names: &[String], utc_offset_secs: i32) -> Vec<ActivityEntry> {
    let mut out = Vec::new();
    for line in text.lines() {
        // "2026-12-02 11:00:00,123 INFO spawned: 'pay-web_00' with pid 123"
        let Some((stamp, rest)) = line.get(..23).zip(line.get(24..)) else { continue };
        let Some((_level, what)) = rest.split_once(' ') else { continue };
        let Some(name) = what.split('\'').nth(1) else { continue };
        if !names.iter().any(|n| n == name) {
            continue;
        }
        let known = ["spawned:", "success:", "exited:", "gave up:", "stopped:", "waiting for", "spawnerr:", "killing"];
        if !known.iter().any(|k| what.starts_with(k)) {
            continue;
        }
        let Ok(local) = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S,%f", stamp) else { continue };
        let Ok(offset) = jiff::tz::Offset::from_seconds(utc_offset_secs) else { continue };
        let Ok(at) = offset.to_timestamp(local) else { continue };
        out.push(entry(host, at, name, what));
    }
    out
}

fn entry(host: &HostId, at: Timestamp, unit: &str, what: &str) -> ActivityEntry {
    let word = match what {
        w if w.starts_with("spawned:") => "started",
        w if w.starts_with("success:") => "running",
        w if w.starts_with("exited:") && w.contains("not expected") => "crashed",
        w if w.starts_with("exited:") => "finished",
        w if w.starts_with("gave up:") => "gave up",
        w if w.starts_with("stopped:") => "stopped",
        w if w.starts_with("spawnerr:") => "crashed",
        _ => "stopping",
    };
    ActivityEntry {
        at,
        host: host.clone(),
        who: "supervisord".into(),
        what: word.into(),
        detail: format!("{unit}: {}", crate::text::sanitize(what)),
    }
}

/// `+0100` → 3600.
pub fn offset_secs(text: &str) -> i32 {
    let t = text.trim();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(d) => (-1, d),
        None => (1, t.trim_start_matches('+')),
    };
    let h: i32 = digits.get(..2).and_then(|h| h.parse().ok()).unwrap_or(0);
    let m: i32 = digits.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
    sign * (h * 3600 + m * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_log_lines_about_the_programs() {
        let log = "2026-12-02 11:00:00,123 INFO spawned: 'pay-web_00' with pid 123\n2026-12-02 11:00:01,125 INFO success: pay-web_00 entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)\n2026-12-02 11:00:02,000 INFO exited: 'other' (exit status 0; expected)\n2026-12-02 11:00:03,000 INFO gave up: 'pay-bank' entered FATAL state, too many start retries too quickly\n";
        let h = HostId("lab-1".into());
        let e = parse(&h, log, &["pay-web_00".into(), "pay-bank".into()], 3600);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].at.to_string(), "2026-12-02T10:00:00.123Z");
        assert_eq!(e[1].what, "gave up");
        assert!(e[1].detail.starts_with("pay-bank: gave up:"), "{}", e[1].detail);
        assert_eq!(offset_secs("+0530"), 19800);
        assert_eq!(offset_secs("-0100"), -3600);
    }
}
