//! `fleet --demo` shows everything the README promises, with no config and no network: apps on
//! droplets and a cluster, why a process failed, env with secrets, add-ons and their problems,
//! certificates with the renewal trap, metrics, dated logs, and actions that change the world
//! in memory only.

use std::process::{Command, Output};

use serde_json::Value;

fn demo(home: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleet"))
        .arg("--demo")
        .args(args)
        .env("HOME", home)
        .env_remove("FLEET_CONFIG")
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

fn json(home: &std::path::Path, args: &[&str]) -> Value {
    let out = demo(home, args);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn apps_span_droplets_and_a_cluster_and_say_what_is_wrong() {
    let home = tempfile::tempdir().unwrap();
    let v = json(home.path(), &["apps", "--json"]);
    let app = |name: &str| v["apps"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap().clone();
    assert_eq!(app("shop")["hosts"], serde_json::json!(["lon-1", "lon-2", "prod-k8s"]), "one app across platforms");
    assert_eq!(app("shop")["health"], "up");
    let ledger = app("ledger");
    assert_eq!(ledger["health"], "degraded", "web failed on lon-1, the worker runs on ams-1");
    let web = ledger["processes"].as_array().unwrap().iter().find(|p| p["process"] == "web").unwrap();
    assert_eq!(web["why"], "crashed (exit 1): ledger: could not connect to the database at localhost:5433");
    assert_eq!(app("status")["processes"][0]["warning"], "nothing listens on its PORT 3000");
    let api = app("api");
    let pods: Vec<&Value> = api["processes"].as_array().unwrap().iter().filter(|p| p["kind"] == "kube_pod").collect();
    assert_eq!(pods.len(), 4);
    assert!(pods.iter().any(|p| p["why"] == "CrashLoopBackOff, last exit 137: OOMKilled"));
    let hosts = json(home.path(), &["hosts", "--json"]);
    let rows = hosts.as_array().unwrap();
    assert_eq!(rows.len(), 5, "{hosts}");
    assert_eq!(rows.iter().filter(|h| h["reachable"] == true).count(), 4, "nyc-1 is the one down");
}

#[test]
fn env_is_masked_unless_revealed_and_drift_is_marked() {
    let home = tempfile::tempdir().unwrap();
    let out = demo(home.path(), &["config", "shop"]);
    let t = text(&out);
    assert!(t.contains("postgres://shop:••••@localhost:5432/shop"), "{t}");
    assert!(!t.contains("pg-7Hq2xW9e"), "a password never shows unasked");
    assert!(t.contains("WEB_CONCURRENCY ≠"), "lon-1 and lon-2 differ: {t}");
    assert!(t.contains("secret apps/shop-mailer[SMTP_PASSWORD]"));
    let t = text(&demo(home.path(), &["config", "shop", "--reveal"]));
    assert!(t.contains("postgres://shop:pg-7Hq2xW9e@localhost:5432/shop"));
}

#[test]
fn addons_certs_and_metrics() {
    let home = tempfile::tempdir().unwrap();
    let v = json(home.path(), &["addons", "--json"]);
    let problems: Vec<&str> = v["problems"].as_array().unwrap().iter().map(|p| p["message"].as_str().unwrap()).collect();
    assert!(problems.contains(&"ledger's DATABASE_URL points at localhost:5433 on lon-1, where no postgresql listens"), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("status.example.com (nginx) proxies to http://127.0.0.1:3000")));

    let out = demo(home.path(), &["certs", "--json"]);
    assert_eq!(out.status.code(), Some(1), "a certificate inside 21 days (and nyc-1 down)");
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let billing = rows.as_array().unwrap().iter().find(|r| r["what"] == "billing.example.com").unwrap();
    assert!(billing["note"].as_str().unwrap().contains("renewed on disk"), "the renewal trap: {billing}");

    let out = demo(home.path(), &["metrics"]);
    let t = text(&out);
    for host in ["lon-1", "lon-2", "ams-1", "prod-k8s"] {
        assert!(t.contains(host), "{t}");
    }
    let t = text(&demo(home.path(), &["metrics", "shop"]));
    assert!(t.contains("shop-web.service") && t.contains("pod/apps/shop-mailer-"), "{t}");
}

#[test]
fn logs_are_dated_now_and_merged() {
    let home = tempfile::tempdir().unwrap();
    let v = demo(home.path(), &["logs", "shop", "-n", "50", "--json"]);
    let lines: Vec<Value> = String::from_utf8_lossy(&v.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 50);
    let now = jiff::Timestamp::now();
    for l in &lines {
        let ts: jiff::Timestamp = l["ts"].as_str().unwrap().parse().unwrap();
        assert!(ts <= now && now.as_second() - ts.as_second() < 3_600, "a line from the last hour: {l}");
    }
    let hosts: std::collections::BTreeSet<&str> = lines.iter().map(|l| l["host"].as_str().unwrap()).collect();
    assert!(hosts.len() >= 2, "merged across hosts: {hosts:?}");
}

#[test]
fn a_restart_changes_the_world_in_memory_only() {
    let home = tempfile::tempdir().unwrap();
    let out = demo(home.path(), &["restart", "shop", "-p", "web", "--host", "lon-1", "--yes"]);
    let t = String::from_utf8_lossy(&out.stderr).into_owned() + &text(&out);
    assert!(t.contains("systemctl restart -- shop-web.service"), "the plan is what systemd would run: {t}");
    let pid: u32 = t
        .split("shop-web.service active (running) pid ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{t}"));
    assert_ne!(pid, 1412, "a new PID");
    assert!(!home.path().join(".local/state/fleet/audit.jsonl").exists(), "the real audit log is not touched");

    let out = demo(home.path(), &["shell", "shop", "--host", "lon-1"]);
    assert_ne!(out.status.code(), Some(0));
    let out = demo(home.path(), &["rollback", "shop", "--host", "lon-1", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "nothing there can do it: a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("keeps no revision history"), "systemd's own reason");
}

/// `fleet --demo check` lists the demo's problems, worst first, and exits 1; its scheduled job
/// that failed is one of them; the job's app shows its activity.
#[test]
fn check_and_activity_in_the_demo() {
    let home = tempfile::tempdir().unwrap();
    let out = demo(home.path(), &["check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = v.as_array().unwrap();
    assert!(all.len() >= 10, "{v:#}");
    assert_eq!(all[0]["severity"], "critical");
    let jobs: Vec<&Value> = all.iter().filter(|p| p["area"] == "jobs").collect();
    assert_eq!(jobs.len(), 1, "{v:#}");
    assert_eq!(jobs[0]["subject"], "billing-invoices.timer");
    assert!(jobs[0]["message"].as_str().unwrap().contains("SMTP login refused"), "{}", jobs[0]);
    let out = demo(home.path(), &["check", "--only", "cpu"]);
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0), "quiet when clean");
    let out = demo(home.path(), &["activity", "billing"]);
    let t = text(&out);
    assert!(t.contains("billing-invoices.service") && t.contains("failed"), "{t}");
}

/// The demo's world is its own: this machine's kubeconfig credentials stay out of its
/// certificates and checks (they would otherwise join, as they do outside the demo).
#[test]
fn the_demo_leaves_this_machines_kubeconfig_out() {
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/kube/kubeconfig.yaml");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_fleet")).args(args).env("HOME", home.path()).env("KUBECONFIG", kubeconfig).output().unwrap()
    };
    let outside = run(&["--no-local", "certs", "--json"]);
    assert!(
        String::from_utf8_lossy(&outside.stdout).contains("kubeconfig"),
        "the fixture has credentials: {}",
        String::from_utf8_lossy(&outside.stdout)
    );
    for args in [&["--demo", "certs", "--json"][..], &["--demo", "check", "--json", "--only", "certs"][..]] {
        let out = run(args);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("kubeconfig.yaml"), "{args:?}: {text}");
    }
}
