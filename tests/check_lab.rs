//! `fleet check` on the lab lists exactly the problems the lab plants (tests/lab/provision.sh)
//! and nothing else, exits 1, is quiet when what it is asked about is clean, and `--notify`
//! posts only what is new to a webhook (a listener on loopback here).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::lab::Lab;

const HOSTS: [&str; 6] = ["--host", "lab-1", "--host", "lab-2", "--host", "lab-down"];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["check"];
    a.extend(HOSTS);
    a.extend(extra);
    a
}

/// Every planted problem: severity, area, place and subject.
const PLANTED: [&str; 13] = [
    "critical addons lab-1 ledger ledger.lab.test",
    "critical addons lab-2 ticker ticker.lab.test",
    "critical certs lab-1 - ledger.lab.test (served 127.0.0.1:443)",
    "critical certs lab-2 - billing.lab.test (served 127.0.0.1:443)",
    "critical disks lab-2 - /srv/data",
    "critical hosts lab-down - lab-down",
    "critical jobs lab-1 ledger ledger-report.timer",
    "critical processes lab-1 ledger ledger-web.service",
    // supervisord's pay-bank, in FATAL.
    "critical processes lab-1 pay pay:pay-bank",
    "warn certs lab-1 - shop.lab.test (served 127.0.0.1:443)",
    "warn processes lab-2 notes notes_sick_1",
    "warn processes lab-2 relay relay-worker.service",
    "warn processes lab-2 ticker ticker-web.service",
];

/// Every problem but CPU: the droplets share this machine's cores with the build and the other
/// tests, so a busy second is this machine's load, not something the lab plants.
fn said(problems: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = problems
        .as_array()
        .expect("a list of problems")
        .iter()
        .filter(|p| p["area"] != "cpu")
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("-").to_string();
            format!("{} {} {} {} {}", s("severity"), s("area"), s("host"), s("app"), s("subject"))
        })
        .collect();
    out.sort();
    out
}

fn lab() -> Lab {
    let lab = Lab::get();
    // relay-worker restarts every 3 s: two restarts are a loop here, so the test need not wait.
    lab.write_fleet_toml("local = false\n[check]\nrestart_loop = 2\n");
    lab
}

#[test]
fn check_lists_exactly_the_planted_problems_and_exits_1() {
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&args(&["--json"]));
    assert_eq!(code, Some(1), "{stderr}");
    let mut planted: Vec<String> = PLANTED.iter().map(|s| s.to_string()).collect();
    planted.sort();
    assert_eq!(said(&v), planted, "{v:#}");
    // Each says what to do, and since when where it is known.
    for p in v.as_array().unwrap() {
        assert!(!p["fix"].as_str().unwrap().is_empty(), "{p}");
    }
    let job = v.as_array().unwrap().iter().find(|p| p["area"] == "jobs").unwrap();
    assert!(job["message"].as_str().unwrap().ends_with("failed: crashed (exit 1): ledger: could not connect to the database"), "{job}");
    assert!(job["since"].is_string(), "the failed run's time: {job}");

    // The text form: one block per problem, worst first, a summary, exit 1.
    let out = lab.fleet(&args(&[]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.starts_with("critical "), "{text}");
    assert!(text.contains("critical disks     lab-2: /srv/data is 95% full"), "{text}");
    assert!(text.contains("         → "), "{text}");
    assert!(text.contains(" problem(s): 9 critical, "), "{text}");
}

#[test]
fn check_narrows_and_is_quiet_when_clean() {
    let lab = lab();
    let (code, v, _) = lab.fleet_json(&args(&["--json", "--only", "certs,jobs"]));
    assert_eq!(code, Some(1));
    assert_eq!(said(&v).len(), 4, "{v:#}");
    let (_, v, _) = lab.fleet_json(&args(&["--json", "--app", "relay"]));
    assert_eq!(said(&v), ["warn processes lab-2 relay relay-worker.service"]);
    // Only warnings there, and the bar is critical: listed, but exit 0.
    let out = lab.fleet(&args(&["--app", "relay", "--fail-on", "critical"]));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("relay worker@lab-2 has restarted"));
    // Nothing wrong with memory or env in the lab: no output at all (cron mails nothing).
    let out = lab.fleet(&args(&["--only", "memory,env"]));
    assert_eq!((out.status.code(), out.stdout.len(), out.stderr.len()), (Some(0), 0, 0), "{}", String::from_utf8_lossy(&out.stderr));
    // Usage errors exit 2 and say what is allowed.
    let out = lab.fleet(&args(&["--only", "disk"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("areas: hosts, processes, jobs"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = lab.fleet(&["check", "--host", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Accepts one POST and returns its JSON body (None if nothing connects within `wait`).
fn one_post(listener: &TcpListener, wait: Duration) -> Option<serde_json::Value> {
    listener.set_nonblocking(true).unwrap();
    let start = std::time::Instant::now();
    let (stream, _) = loop {
        match listener.accept() {
            Ok(c) => break c,
            Err(_) if start.elapsed() < wait => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return None,
        }
    };
    stream.set_nonblocking(false).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut len = 0;
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        line.clear();
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    (&stream).write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    Some(serde_json::from_slice(&body).unwrap())
}

/// Every area but CPU (see `said`): a busy second of this machine between the two runs would be
/// a new problem, rightly posted.
const NOT_CPU: &str = "hosts,processes,jobs,certs,disks,memory,env,addons";

#[test]
fn notify_posts_what_is_new_once() {
    let lab = lab();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/hooks/T0/secret", listener.local_addr().unwrap().port());
    let server = std::thread::scope(|s| {
        let h = s.spawn(|| one_post(&listener, Duration::from_secs(30)));
        let out = lab.fleet(&args(&["--only", NOT_CPU, "--notify", &url]));
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        h.join().unwrap()
    });
    let body = server.expect("the first run posts");
    assert_eq!(said(&body["problems"]).len(), PLANTED.len(), "{body:#}");
    let text = body["text"].as_str().unwrap();
    assert!(text.starts_with("fleet check: ") && text.contains("lab-2: /srv/data is 95% full"), "{text}");
    // Discord's field too, within its 2,000-character limit.
    let content = body["content"].as_str().unwrap();
    assert!(text.starts_with(content) && content.chars().count() == text.chars().count().min(1900), "{content}");
    // The state file names the URL by hash only: its token is not written down.
    let state = std::fs::read_to_string(lab.scratch.path().join(".local/state/fleet/check-notified.json")).unwrap();
    assert!(!state.contains("secret") && state.contains("ledger-web.service"), "{state}");

    // The same problems again: nothing is posted, the exit status still says what is wrong.
    let out = lab.fleet(&args(&["--only", NOT_CPU, "--notify", &url]));
    assert_eq!(out.status.code(), Some(1));
    let again = one_post(&listener, Duration::from_millis(300));
    assert!(again.is_none(), "the second run posted again: {again:#?}");

    // A webhook that fails is said, and the next run tries again.
    drop(listener);
    let out = lab.fleet(&args(&["--only", "hosts", "--notify", &url.replace("/hooks", "/x")]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--notify"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secret"), "the URL's token is never printed");
}
