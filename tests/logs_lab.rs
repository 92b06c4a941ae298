//! `fleet logs` against the lab: merge order and prefixes, -n after filtering, --since, and a
//! follow that survives ten killed connections with nothing lost and nothing repeated.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::lab::Lab;
use serde_json::Value;

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn lab() -> Lab {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\", \"lab-2-reader\"]\n");
    lab
}

#[test]
fn two_hosts_merge_in_time_order_with_prefixes() {
    let lab = lab();
    let out = lab.fleet(&["logs", "shop", "-n", "30", "--host", "lab-1", "--host", "lab-2", "--no-color"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 30, "{text}");
    let prefix = regex::Regex::new(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) shop\[(web|worker|clock)@(lab-1|lab-2)\]: ").unwrap();
    let mut hosts = std::collections::BTreeSet::new();
    let mut last = String::new();
    for l in &lines {
        let c = prefix.captures(l).unwrap_or_else(|| panic!("no Heroku-style prefix: {l:?}"));
        assert!(c[1] >= *last, "out of order: {l}");
        last = c[1].to_string();
        hosts.insert(c[3].to_string());
    }
    assert_eq!(hosts.len(), 2, "both hosts' lines are merged: {text}");

    // The JSON form is ordered by the full-precision timestamp.
    let out = lab.fleet(&["logs", "shop", "-n", "30", "--host", "lab-1", "--host", "lab-2", "--json"]);
    let v = json_lines(&out.stdout);
    let ts: Vec<jiff::Timestamp> = v.iter().map(|l| l["ts"].as_str().unwrap().parse().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
}

#[test]
fn n_counts_after_process_and_grep() {
    let lab = lab();
    let out = lab.fleet(&["logs", "ticker", "--host", "lab-2", "-n", "7", "-p", "web", "--grep", r"seq \d*3$", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json_lines(&out.stdout);
    assert_eq!(v.len(), 7, "exactly N lines after filtering");
    for l in &v {
        assert!(l["message"].as_str().unwrap().ends_with('3'), "{l}");
        assert_eq!(l["process"], "web");
    }
    let out = lab.fleet(&["logs", "shop", "--host", "lab-1", "-n", "4", "-p", "worker", "--grep-v", "heartbeat", "--json"]);
    let v = json_lines(&out.stdout);
    assert!(!v.is_empty() && v.len() <= 4);
    assert!(v.iter().all(|l| l["process"] == "worker" && !l["message"].as_str().unwrap().contains("heartbeat")));
}

#[test]
fn since_keeps_only_recent_lines() {
    let lab = lab();
    let started = jiff::Timestamp::now();
    let out = lab.fleet(&["logs", "ticker", "--host", "lab-2", "--since", "3s", "-n", "100000", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json_lines(&out.stdout);
    assert!(v.len() >= 20, "ticker logs 20 lines a second: got {}", v.len());
    let cutoff = started - jiff::SignedDuration::from_secs(4);
    for l in &v {
        let ts: jiff::Timestamp = l["ts"].as_str().unwrap().parse().unwrap();
        assert!(ts >= cutoff, "a line from before --since: {l}");
    }
    let all = json_lines(&lab.fleet(&["logs", "ticker", "--host", "lab-2", "-n", "100000", "--json"]).stdout);
    assert!(all.len() > v.len(), "without --since there is more");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let lab = lab();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleet"))
        .args(["--config", lab.fleet_toml().to_str().unwrap(), "--ssh-config", lab.ssh_config().to_str().unwrap()])
        .args(["logs", "ticker", "--host", "lab-2", "-f", "-n", "5"])
        .env_remove("SSH_AUTH_SOCK")
        .env("HOME", lab.scratch.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("ticker[web@lab-2]"), "{first}");
    drop(out); // like `| head -1`
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "fleet kept running after its pipe closed");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!err.contains("Broken pipe") && !err.contains("panicked"), "{err}");
}

/// Kills the SSH session under `fleet logs -f` ten times (the logreader user's sshd processes on
/// lab-2, so no other test's connection is touched) and checks the sequence numbers the ticker
/// app printed: every one exactly once.
#[test]
fn follow_survives_ten_killed_connections_without_loss_or_duplicates() {
    let lab = lab();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleet"))
        .args(["--config", lab.fleet_toml().to_str().unwrap(), "--ssh-config", lab.ssh_config().to_str().unwrap()])
        .args(["logs", "ticker", "--host", "lab-2-reader", "-f", "-n", "1", "--json"])
        .env_remove("SSH_AUTH_SOCK")
        .env("HOME", lab.scratch.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let notes = Arc::new(Mutex::new(Vec::<String>::new()));
    let (l2, n2) = (lines.clone(), notes.clone());
    let reader = std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            l2.lock().unwrap().push(l);
        }
    });
    let err_reader = std::thread::spawn(move || {
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            n2.lock().unwrap().push(l);
        }
    });
    let wait_until = |what: &str, f: &dyn Fn() -> bool| {
        let start = Instant::now();
        while !f() {
            assert!(start.elapsed() < Duration::from_secs(15), "waited 15 s for {what}; stderr: {:?}", notes.lock().unwrap());
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_until("the first lines", &|| lines.lock().unwrap().len() >= 5);
    for i in 1..=10 {
        let killed = Command::new("docker").args(["exec", "lab-2", "pkill", "-f", "sshd: logreader"]).status().unwrap();
        assert!(killed.success(), "kill {i}: no sshd session of logreader to kill");
        let reconnected = || notes.lock().unwrap().iter().filter(|n| n.contains("reconnected after")).count() >= i;
        wait_until(&format!("reconnect {i}"), &reconnected);
        let seen = lines.lock().unwrap().len();
        wait_until("lines after the reconnect", &|| lines.lock().unwrap().len() >= seen + 5);
    }
    interrupt(child.id());
    let status = child.wait().unwrap();
    reader.join().unwrap();
    err_reader.join().unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {:?}", notes.lock().unwrap());

    let seqs: Vec<u64> = lines
        .lock()
        .unwrap()
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["message"].as_str().unwrap().strip_prefix("seq ").unwrap().parse().unwrap()
        })
        .collect();
    assert!(seqs.len() > 50, "only {} lines", seqs.len());
    let gaps: Vec<_> = seqs.windows(2).filter(|w| w[1] != w[0] + 1).collect();
    assert!(gaps.is_empty(), "lost or repeated lines across reconnects: {gaps:?} in {} lines", seqs.len());
    let notes = notes.lock().unwrap();
    assert_eq!(notes.iter().filter(|n| n.contains("reconnected after")).count(), 10, "{notes:?}");
}

/// Ctrl-C, as a person would stop `fleet logs -f`.
fn interrupt(pid: u32) {
    let ok = Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap();
    assert!(ok.success());
}
