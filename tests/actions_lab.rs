//! Actions against the lab: restart, rollout (in order, stopping at an unhealthy host), run,
//! a self-healing forward to Redis, and hostile names that are never executed.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::lab::Lab;
use serde_json::Value;

/// Tests that restart units, or compare PIDs, run one at a time: they share the lab's apps.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// `top` goes before the tables (top-level keys), `extra` after.
fn lab_with(top: &str, extra: &str) -> Lab {
    let lab = Lab::get();
    lab.write_fleet_toml(&format!("local = false\n{top}[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n{extra}"));
    lab
}

fn lab(extra: &str) -> Lab {
    lab_with("", extra)
}

/// (process@host → MainPID) of an app.
fn pids(lab: &Lab, app: &str) -> std::collections::BTreeMap<String, u64> {
    let (_, v, _) = lab.fleet_json(&["apps", "--json"]);
    let a = v["apps"].as_array().unwrap().iter().find(|a| a["name"] == app).unwrap().clone();
    a["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (format!("{}@{}", p["process"].as_str().unwrap(), p["host"].as_str().unwrap()), p["pid"].as_u64().unwrap_or(0)))
        .collect()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn restart_changes_the_pid_of_exactly_the_targeted_units() {
    let _serial = serial();
    let lab = lab("");
    let before = pids(&lab, "shop");
    let out = lab.fleet(&["restart", "shop", "-p", "worker", "--host", "lab-1", "--yes", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results[0]["host"], "lab-1");
    assert_eq!(results[0]["units"][0]["unit"], "shop-worker.service");
    assert_eq!(results[0]["units"][0]["active"], "active");
    let after = pids(&lab, "shop");
    for (k, pid) in &before {
        if k == "worker@lab-1" {
            assert_ne!(after[k], *pid, "{k} was restarted");
            assert_eq!(results[0]["units"][0]["pid"].as_u64(), Some(after[k]), "the new PID is reported");
        } else {
            assert_eq!(after[k], *pid, "{k} was not touched");
        }
    }
    let log = lab.fleet(&["audit", "--json", "-n", "1"]);
    let entry: Value = serde_json::from_slice(&log.stdout).unwrap();
    assert_eq!((entry["host"].as_str(), entry["action"].as_str()), (Some("lab-1"), Some("restart")));
    assert!(entry["command"].as_str().unwrap().starts_with("systemctl restart -- shop-worker.service"));
}

/// A unit that fails again as soon as it is restarted did not restart: said, exit 1. And an
/// app's restart leaves its scheduled job alone (ledger-report.timer's service would run now).
#[test]
fn a_restart_that_ends_failed_says_so_and_leaves_jobs_alone() {
    let _serial = serial();
    let lab = lab("");
    let out = lab.fleet(&["restart", "ledger", "--host", "lab-1", "--yes"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("ledger: restarted, but ledger-web.service@lab-1 failed right away (fleet logs ledger says why)"), "{said}");
    assert!(!said.contains("ledger-report"), "the scheduled job is not restarted: {said}");
}

#[test]
fn without_yes_and_without_a_terminal_nothing_happens() {
    let _serial = serial();
    let lab = lab("");
    let before = pids(&lab, "shop");
    let out = lab.fleet(&["restart", "shop"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert_eq!(pids(&lab, "shop"), before);
}

#[test]
fn read_only_refuses_every_mutating_action() {
    let lab = lab_with("readonly = true\n", "");
    for args in
        [&["restart", "shop", "--yes"][..], &["rollout", "shop", "--yes"][..], &["run", "shop", "--", "true"][..], &["shell", "shop"][..]]
    {
        let out = lab.fleet(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("read-only"), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn rollout_goes_host_by_host_and_stops_at_an_unhealthy_one() {
    let _serial = serial();
    // Healthy everywhere: lab-1 first, then lab-2, both restarted.
    let lab1 = lab("[apps.shop]\nhealth_url = \"http://127.0.0.1:80/\"\nstable_for = \"1s\"\n");
    let before = pids(&lab1, "shop");
    let out = lab1.fleet(&["rollout", "shop", "-p", "clock", "-p", "web", "--yes"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let first = err.find("lab-1: 1/2: restarting").expect("lab-1 first");
    let healthy = err.find("lab-1: healthy").expect("lab-1 healthy");
    let second = err.find("lab-2: 2/2: restarting").expect("then lab-2");
    assert!(first < healthy && healthy < second, "{err}");
    let after = pids(&lab1, "shop");
    for k in ["web@lab-1", "clock@lab-1", "web@lab-2"] {
        assert_ne!(after[k], before[k], "{k} restarted");
    }
    assert_eq!(after["worker@lab-1"], before["worker@lab-1"], "workers were not in the rollout");

    // Unhealthy on lab-1 (the URL exists on lab-2 only): stops there, lab-2 untouched.
    let lab2 = lab("[apps.shop]\nhealth_url = \"http://127.0.0.1:80/only-on-lab-2\"\nstable_for = \"1s\"\nhealth_timeout = \"4s\"\n");
    let before = pids(&lab2, "shop");
    let out = lab2.fleet(&["rollout", "shop", "-p", "web", "--yes"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("rollout stopped at lab-1 (1/2)") && err.contains("answered 404") && err.contains("not touched: lab-2"), "{err}");
    let after = pids(&lab2, "shop");
    assert_ne!(after["web@lab-1"], before["web@lab-1"]);
    assert_eq!(after["web@lab-2"], before["web@lab-2"], "lab-2 was left alone");
}

#[test]
fn rollout_of_a_unit_that_dies_fails_the_stays_active_check() {
    let _serial = serial();
    let lab = lab("[apps.ledger]\nstable_for = \"1s\"\nhealth_timeout = \"5s\"\n");
    let out = lab.fleet(&["rollout", "ledger", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("rollout stopped at lab-1") && err.contains("ledger-web.service"), "{err}");
}

#[test]
fn run_passes_output_and_exit_status_through() {
    let lab = lab("");
    let out = lab.fleet(&["run", "shop", "--host", "lab-2", "--", "sh", "-c", "id -un; pwd; echo \"port=$PORT\"; echo oops >&2; exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "shop\n/srv/shop\nport=8080\n");
    assert!(stderr(&out).contains("oops"));
}

#[test]
fn hostile_names_are_never_executed() {
    let lab = lab("");
    let _ = Command::new("docker").args(["exec", "lab-1", "rm", "-f", "/tmp/pwned"]).status();
    let out = lab.fleet(&["restart", "x; touch /tmp/pwned", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let out = lab.fleet(&["run", "shop", "--host", "lab-1", "--", "x; touch /tmp/pwned"]);
    assert_ne!(out.status.code(), Some(0), "a program named `x; touch /tmp/pwned` does not exist");
    let out = lab.fleet(&["run", "shop", "--host", "lab-1", "--", "echo", "$(touch /tmp/pwned)", "`touch /tmp/pwned`"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "$(touch /tmp/pwned) `touch /tmp/pwned`\n", "passed through literally");
    let exists = Command::new("docker").args(["exec", "lab-1", "test", "-e", "/tmp/pwned"]).status().unwrap();
    assert!(!exists.success(), "/tmp/pwned was created: a name reached a shell unquoted");
}

fn ping(port: u16) -> Result<String, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"PING\r\n").map_err(|e| e.to_string())?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}

#[test]
fn a_forward_to_redis_answers_and_heals_after_the_connection_is_killed() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2-tunnel\"]\n");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleet"))
        .args(["--config", lab.fleet_toml().to_str().unwrap(), "--ssh-config", lab.ssh_config().to_str().unwrap()])
        .args(["forward", "redis", &format!("{port}:6379"), "--host", "lab-2-tunnel"])
        .env_remove("SSH_AUTH_SOCK")
        .env("HOME", lab.scratch.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let notes = Arc::new(Mutex::new(Vec::<String>::new()));
    let n2 = notes.clone();
    let err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            n2.lock().unwrap().push(l);
        }
    });
    let wait_for = |what: &str| {
        let start = Instant::now();
        while !notes.lock().unwrap().iter().any(|n| n.contains(what)) {
            assert!(start.elapsed() < Duration::from_secs(20), "waited for {what:?}: {:?}", notes.lock().unwrap());
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for("forwarding 127.0.0.1:");
    assert_eq!(ping(port).unwrap(), "+PONG\r\n");
    for round in 1..=3 {
        let killed = Command::new("docker").args(["exec", "lab-2", "pkill", "-f", "sshd: tunnel"]).status().unwrap();
        assert!(killed.success(), "round {round}: no tunnel session to kill");
        // The listener never closed: a new client is served once the link is back.
        assert_eq!(ping(port).unwrap(), "+PONG\r\n", "round {round}: {:?}", notes.lock().unwrap());
    }
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    reader.join().unwrap();
    let notes = notes.lock().unwrap();
    assert!(notes.iter().any(|n| n.contains("forward stopped: 4 connection(s)")), "{notes:?}");
}

/// A forward to a port nothing listens on, over a healthy connection: the client is refused at
/// once (it hung for 30 s of retries), the forward does not claim to be reconnecting, no
/// connection stays counted as open, and the audit log has the stop as well as the start.
#[test]
fn a_forward_to_a_closed_port_refuses_at_once_and_the_stop_is_audited() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = lab.command(&["forward", "shop", &format!("{port}:1"), "--host", "lab-1"]).stderr(Stdio::piped()).spawn().unwrap();
    let notes = Arc::new(Mutex::new(Vec::<String>::new()));
    let n2 = notes.clone();
    let err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            n2.lock().unwrap().push(l);
        }
    });
    let start = Instant::now();
    while !notes.lock().unwrap().iter().any(|n| n.contains("forwarding 127.0.0.1:")) {
        assert!(start.elapsed() < Duration::from_secs(20), "{:?}", notes.lock().unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
    for _ in 0..2 {
        let started = Instant::now();
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 8];
        let r = s.read(&mut buf);
        assert!(matches!(r, Ok(0) | Err(_)) && r.as_ref().map_or(true, |e| *e == 0), "no data: {r:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "refused at once, not after retries: {:?}", started.elapsed());
    }
    std::thread::sleep(Duration::from_millis(500));
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    reader.join().unwrap();
    let notes = notes.lock().unwrap().join("\n");
    assert!(notes.contains("nothing answers on 127.0.0.1:1"), "it says why: {notes}");
    assert!(!notes.contains("reconnecting"), "the ssh link was fine all along: {notes}");
    assert!(notes.contains("2 connection(s)") && notes.contains("2 refused over there"), "{notes}");
    let audit = std::fs::read_to_string(lab.scratch.path().join(".local/state/fleet/audit.jsonl")).unwrap();
    let lines: Vec<&str> = audit.lines().filter(|l| l.contains("\"forward\"")).collect();
    assert!(lines.iter().any(|l| l.contains("\"started\"")) && lines.iter().any(|l| l.contains("stopped: 2 connection(s)")), "{audit}");
}
