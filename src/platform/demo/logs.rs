//! The demo's logs: every process speaks at its own pace in its own voice (a web process's
//! requests in Heroku router style, a worker's jobs, a clock's ticks), computed from the time,
//! so history and follow agree line for line and a resumed follow repeats nothing. Restarts and
//! crashes add the lines systemd would.

use jiff::Timestamp;

use super::world::UnitDef;
use crate::logs::source::LogRequest;
use crate::model::{HostId, LogLine, ResumeToken};

/// FNV-1a: a stable hash, so the same second gives the same line in every run.
pub fn hash(s: &str) -> u64 {
    let h = s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    // splitmix64's finaliser: neighbouring inputs ("…41", "…42") give unrelated outputs.
    let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// How often a process logs, in milliseconds.
fn period_ms(def: &UnitDef) -> i64 {
    match (def.process, def.fails.is_some()) {
        (_, true) => 300_000,
        ("web", _) => 1_700,
        ("worker", _) => 4_300,
        ("clock", _) => 60_000,
        _ => 9_000,
    }
}

/// One process's `k`-th line: (priority, text). `voice` tells apart the same unit on two hosts.
fn said(def: &UnitDef, voice: u64, k: i64) -> (u8, String) {
    let n = k.unsigned_abs().wrapping_add(voice % 10_007);
    let id = format!("{:08x}", hash(&format!("{voice}{k}")) as u32);
    match (def.process, def.fails) {
        (_, Some(_)) => (4, format!("{}: loading the export queue into memory ({} MB)", def.app, 400 + n % 200)),
        ("web", _) => {
            const PATHS: [(&str, &str); 8] = [
                ("GET", "/"),
                ("GET", "/products"),
                ("GET", "/products/{n}"),
                ("POST", "/cart/items"),
                ("GET", "/api/v1/orders/{n}"),
                ("GET", "/healthz"),
                ("POST", "/checkout"),
                ("GET", "/assets/app-{id}.css"),
            ];
            let (method, path) = PATHS[(n % PATHS.len() as u64) as usize];
            let path = path.replace("{n}", &(n % 997).to_string()).replace("{id}", &id[..6]);
            let (status, priority) = match n {
                n if n % 211 == 7 => (500, 3),
                n if n % 37 == 5 => (404, 5),
                _ => (if method == "POST" { 201 } else { 200 }, 6),
            };
            let service = 4 + (n * 7919) % 180;
            let at = if status == 500 { "error" } else { "info" };
            (
                priority,
                format!(
                    "at={at} method={method} path=\"{path}\" request_id={id} fwd=\"203.0.113.{}\" status={status} bytes={} service={service}ms",
                    hash(&id) % 250 + 1,
                    512 + (n * 131) % 9000
                ),
            )
        }
        ("worker", _) => {
            let jobs: &[&str] = match def.app {
                "ledger" => &["PostEntriesJob", "ReconcileAccountsJob", "ExportCsvJob"],
                "billing" => &["ChargeSubscriptionJob", "InvoicePdfJob", "DunningEmailJob", "UsageRollupJob"],
                _ => &["OrderConfirmationJob", "WebhookDeliveryJob", "SearchIndexJob", "ReceiptMailer", "AbandonedCartJob"],
            };
            let job = jobs[(n % jobs.len() as u64) as usize];
            match n % 53 {
                13 => (4, format!("{job} JID-{id} retry 1/25: Net::ReadTimeout after 15s")),
                _ => (6, format!("{job} JID-{id} done: {}.{:03} sec", n % 3, (n * 37) % 1000)),
            }
        }
        ("clock", _) => {
            (6, format!("clock: enqueued {} (every minute)", ["CartCleanupJob", "SitemapJob", "MetricsRollupJob"][(n % 3) as usize]))
        }
        _ => (6, format!("{}: sent message {id} via smtp.example.com (250 OK)", def.process)),
    }
}

/// A process's own voice on its host: where its lines fall in time and what they say, so
/// processes interleave and no two hosts repeat each other.
fn voice(host: &HostId, source: &str) -> u64 {
    hash(&format!("{host}/{source}"))
}

fn line(host: &HostId, def: &UnitDef, source: &str, k: i64, period: i64, phase: i64) -> LogLine {
    let ts = Timestamp::from_millisecond(k * period + phase).unwrap_or(Timestamp::UNIX_EPOCH);
    let (priority, message) = said(def, voice(host, source), k);
    LogLine {
        ts,
        host: host.clone(),
        app: def.app.to_string(),
        process: def.process.to_string(),
        source: source.to_string(),
        priority: Some(priority),
        stream: None,
        message,
        resume: ResumeToken::Journald(format!("demo;{source};{k}")),
        clock: crate::model::Clock::Source,
    }
}

/// A process's lines between `from` and `to` (newest last), at most `limit` of those `req`
/// wants, counted from the newest. Lines start at `born` (the host's boot).
pub fn between(host: &HostId, def: &UnitDef, source: &str, from: Timestamp, to: Timestamp, req: &LogRequest, limit: usize) -> Vec<LogLine> {
    let period = period_ms(def);
    let phase = (voice(host, source) % period as u64) as i64;
    let mut k = (to.as_millisecond() - phase).div_euclid(period);
    let first = (from.as_millisecond() - phase).div_euclid(period) + 1;
    let mut out = Vec::new();
    // A text filter may match rarely: look back a bounded number of lines, as journald's
    // reverse read stops at the history's start.
    let mut budget = limit.saturating_mul(50).max(2_000);
    while k >= first && out.len() < limit && budget > 0 {
        let l = line(host, def, source, k, period, phase);
        if req.filter.matches(&l) {
            out.push(l);
        }
        k -= 1;
        budget -= 1;
    }
    out.reverse();
    out
}

/// The lines due after `after` up to `now` (a follow's next step), oldest first.
pub fn due(host: &HostId, def: &UnitDef, source: &str, after: Timestamp, now: Timestamp) -> Vec<LogLine> {
    let period = period_ms(def);
    let phase = (voice(host, source) % period as u64) as i64;
    let first = (after.as_millisecond() - phase).div_euclid(period) + 1;
    let last = (now.as_millisecond() - phase).div_euclid(period);
    // A follow that slept long (a suspended laptop) resumes with the last ten minutes, not
    // with hours of made-up lines.
    let first = first.max(last - 600_000 / period);
    (first..=last).map(|k| line(host, def, source, k, period, phase)).collect()
}

/// What systemd and the app say when a unit is restarted at `at` (a crash when it fails).
pub fn restart_lines(host: &HostId, def: &UnitDef, source: &str, at: Timestamp, pid: Option<u32>) -> Vec<LogLine> {
    let mk = |ms: i64, priority: u8, message: String| LogLine {
        ts: at.checked_add(jiff::SignedDuration::from_millis(ms)).unwrap_or(at),
        host: host.clone(),
        app: def.app.to_string(),
        process: def.process.to_string(),
        source: source.to_string(),
        priority: Some(priority),
        stream: None,
        message,
        resume: ResumeToken::Journald(format!("demo;{source};restart;{};{ms}", at.as_millisecond())),
        clock: crate::model::Clock::Source,
    };
    let unit = source.trim_start_matches("pod/");
    let mut out = vec![mk(0, 6, format!("Stopping {unit}...")), mk(180, 6, format!("Started {unit}."))];
    match (def.fails, pid) {
        (Some(why), _) => {
            let last = why.rsplit(": ").next().unwrap_or(why);
            out.push(mk(240, 6, format!("{}: starting {}", def.app, def.process)));
            out.push(mk(900, 3, format!("{}: {last}", def.app)));
            out.push(mk(910, 3, format!("{unit}: Main process exited, code=exited, status=1/FAILURE")));
            out.push(mk(911, 4, format!("{unit}: Failed with result 'exit-code'.")));
        }
        (None, Some(pid)) => out.push(mk(240, 6, format!("{}: starting {} (pid {pid})", def.app, def.process))),
        (None, None) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::demo::world::HOSTS;

    fn req(lines: usize) -> LogRequest {
        LogRequest { lines, since: None, until: None, follow: false, filter: Default::default() }
    }

    #[test]
    fn history_and_follow_agree_line_for_line() {
        let host = HostId("lon-1".into());
        let def = &HOSTS[0].units[0];
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        let t1 = Timestamp::from_second(1_800_000_060).unwrap();
        let t2 = Timestamp::from_second(1_800_000_120).unwrap();
        let whole = between(&host, def, def.source, t0, t2, &req(10_000), 10_000);
        let mut pieced = between(&host, def, def.source, t0, t1, &req(10_000), 10_000);
        pieced.extend(due(&host, def, def.source, t1, t2));
        assert_eq!(whole, pieced, "a follow picks up exactly after the history");
        assert!(whole.len() > 60 && whole.windows(2).all(|w| w[0].ts < w[1].ts));
        assert_eq!(between(&host, def, def.source, t0, t2, &req(5), 5), whole[whole.len() - 5..]);
    }

    #[test]
    fn a_filter_counts_matching_lines_only() {
        let host = HostId("lon-1".into());
        let def = &HOSTS[0].units[0];
        let mut r = req(3);
        r.filter.grep = Some(regex::Regex::new("status=404").unwrap());
        let t = Timestamp::from_second(1_800_000_000).unwrap();
        let got = between(&host, def, def.source, Timestamp::UNIX_EPOCH, t, &r, 3);
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|l| l.message.contains("status=404")));
    }
}
