//! Local replay throughput of the log pipeline: journal JSON → LogLine → filter → sanitised,
//! prefixed text, as `fleet logs` does per line. `cargo bench --bench log_replay` prints lines/s.
//! Under `cargo test` it runs one small pass as a smoke test.

use std::time::Instant;

use fleet::logs::filter::LogFilter;
use fleet::logs::journal::parse_line;
use fleet::logs::sanitize::sanitize_log;
use fleet::model::HostId;

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let journal = include_str!("../fixtures/journal/lab-1.json");
    let base: Vec<&str> = journal.lines().collect();
    let total = if bench { 1_000_000 } else { 10_000 };
    let host = HostId("lab-1".into());
    let units: Vec<(String, String, String)> = ["shop-web", "shop-worker", "shop-clock", "ledger-web"]
        .iter()
        .map(|u| (format!("{u}.service"), u.split('-').next().unwrap().to_string(), u.split('-').nth(1).unwrap().to_string()))
        .collect();
    let filter = LogFilter { grep_v: Some(regex::Regex::new("^never matches this$").unwrap()), ..Default::default() };
    let mut out = Vec::with_capacity(64 * 1024);
    let mut shown = 0u64;
    let start = Instant::now();
    for i in 0..total {
        let raw = base[i % base.len()].as_bytes();
        let Ok(Some(l)) = parse_line(raw, &host, &units) else { continue };
        if !filter.matches(&l) {
            continue;
        }
        use std::io::Write;
        let _ = writeln!(
            out,
            "{} {}[{}@{}]: {}",
            l.ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            l.app,
            l.process,
            l.host,
            sanitize_log(&l.message, false)
        );
        shown += 1;
        if out.len() > 60 * 1024 {
            out.clear();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert!(shown > 0, "the replay shows lines");
    println!("log replay: {total} journal lines, {shown} shown, {:.0} lines/s", total as f64 / secs);
}
