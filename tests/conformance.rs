//! One set of assertions, run against every platform through the real binary: apps and
//! processes found by convention; env masked, and revealed when asked; logs merged in time
//! order; a follow that resumes after its stream is cut with no line lost or repeated; a
//! restart that changes exactly the targeted instances; exec passing the exit status; and
//! read-only refusing every change. systemd runs on the lab's droplets, Docker on lab-2's own
//! engine (reached through its SSH connection), supervisord on lab-1 beside systemd, Dokku's
//! stand-in on lab-2, Kubernetes on the test API server. A platform that joins fleet joins this file: a `Subject` and one `#[test]`.

mod common;
#[path = "kube_api/mod.rs"]
mod kube_api;

use std::collections::BTreeSet;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::lab::Lab;
use serde_json::Value;

/// A process that logs `WORD N …` lines (`word` ends where the number starts, N counting up),
/// whose follow stream the subject can cut.
struct Counter {
    host: String,
    app: String,
    process: String,
    word: &'static str,
}

impl Counter {
    fn seq(&self, message: &str) -> Option<u64> {
        message.strip_prefix(self.word)?.split(' ').next()?.parse().ok()
    }
}

/// A platform under test, as a user meets it: a host row running an app.
trait Subject {
    /// The real binary with this subject's config, kubeconfig and HOME.
    fn command(&self, args: &[&str]) -> Command;
    fn host(&self) -> &str;
    /// What `--json` says the processes' platform is.
    fn platform(&self) -> &str;
    fn app(&self) -> &str;
    /// The app's process types there, by convention.
    fn processes(&self) -> Vec<&str>;
    /// (the process type to restart, one that must not move).
    fn restart(&self) -> (&str, &str);
    /// What the platform's own record of that restart names (its unit, its workload).
    fn restarted(&self) -> &str;
    /// A variable whose value is a secret, and that value.
    fn secret(&self) -> (&str, &str);
    /// Makes sure there are recent lines from several of the app's processes.
    fn seed_history(&self);
    fn counter(&self) -> Counter;
    /// While a follow of the counter runs: has it log `seq` lines and cuts the follow's stream
    /// twice. Returns the highest seq written when the subject writes them (None: the process
    /// counts by itself).
    fn drive_follow(&self) -> Option<u64>;
    /// Whether a cut shows as "log stream lost … reconnected". A follow that polls (supervisord)
    /// opens a fresh connection on its next poll and has no seam to report; the cut is proven by
    /// `drive_follow` killing a session, and nothing lost or repeated by the count.
    fn cuts_show(&self) -> bool {
        true
    }
    /// A command that exits 3 with `from-the-app` on stdout. A login that takes plain words only
    /// (the dokku user's forced command) gives its own: (argv, exit status, on stdout or stderr).
    fn exits_nonzero(&self) -> (Vec<&str>, i32, bool) {
        (vec!["sh", "-c", "echo from-the-app; exit 3"], 3, true)
    }
    /// Whether the platform's own record of a restart can be read; if not, what fleet says.
    fn own_record(&self) -> Result<(), &str> {
        Ok(())
    }
}

fn json(s: &dyn Subject, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = s.command(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}\nstderr: {stderr}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), v, stderr)
}

/// The app's processes on the subject's host, from `fleet apps --json`.
fn processes(s: &dyn Subject) -> Vec<Value> {
    let (code, v, stderr) = json(s, &["apps", "--json", "--host", s.host()]);
    assert_eq!(code, Some(0), "fleet apps: {stderr}");
    let app = v["apps"].as_array().unwrap().iter().find(|a| a["name"] == s.app()).unwrap_or_else(|| panic!("no app {}: {v}", s.app()));
    app["processes"].as_array().unwrap().iter().filter(|p| p["host"] == s.host()).cloned().collect()
}

/// What identifies a running instance: its name there, its pid, its start.
fn instances(procs: &[Value], process: &str) -> BTreeSet<String> {
    procs.iter().filter(|p| p["process"] == process).map(|p| format!("{} pid={} since={}", p["source"], p["pid"], p["since"])).collect()
}

fn discovers_apps_by_convention(s: &dyn Subject) {
    let procs = processes(s);
    let types: BTreeSet<&str> = procs.iter().map(|p| p["process"].as_str().unwrap()).collect();
    let want: BTreeSet<&str> = s.processes().into_iter().collect();
    assert_eq!(types, want, "{}'s process types on {}: {procs:?}", s.app(), s.host());
    assert!(procs.iter().all(|p| p["platform"] == s.platform()), "every process says its platform ({}): {procs:?}", s.platform());
}

fn env_is_masked_and_revealed_when_asked(s: &dyn Subject) {
    let (key, secret) = s.secret();
    let row = |reveal: bool| {
        let mut args = vec!["config", s.app(), "--host", s.host(), "--json"];
        if reveal {
            args.push("--reveal");
        }
        let (code, v, stderr) = json(s, &args);
        assert_eq!(code, Some(0), "fleet config: {stderr}");
        v.as_array().unwrap().iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("no {key} in {v}")).clone()
    };
    let masked = row(false);
    assert_eq!(masked["masked"], true, "{masked}");
    assert!(!masked.to_string().contains(secret), "the secret itself is not in the masked answer: {masked}");
    let revealed = row(true);
    assert!(revealed["values"].as_array().unwrap().iter().any(|v| v["value"] == secret), "--reveal shows it: {revealed}");
}

fn logs_are_merged_in_time_order(s: &dyn Subject) {
    s.seed_history();
    let out = s.command(&["logs", s.app(), "--host", s.host(), "-n", "200", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let sources: BTreeSet<&str> = lines.iter().map(|l| l["source"].as_str().unwrap()).collect();
    assert!(sources.len() >= 2, "lines of several processes, merged: {sources:?}");
    // As times, not strings: RFC 3339 text of a whole second ("…:00Z") sorts after "…:00.5Z".
    let ts: Vec<jiff::Timestamp> = lines.iter().map(|l| l["ts"].as_str().unwrap().parse().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "one time order: {ts:?}");
    assert!(lines.iter().all(|l| l["app"] == s.app() && l["host"] == s.host()));
}

fn a_follow_resumes_with_nothing_lost_or_repeated(s: &dyn Subject) {
    let c = s.counter();
    let mut child = s
        .command(&["logs", &c.app, "-p", &c.process, "--host", &c.host, "-f", "-n", "0", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    std::thread::sleep(Duration::from_secs(2));
    let last = s.drive_follow();
    let drove = Instant::now();
    let mut seqs: Vec<u64> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(l) => {
                let v: Value = serde_json::from_str(&l).unwrap();
                if let Some(n) = v["message"].as_str().and_then(|m| c.seq(m)) {
                    seqs.push(n);
                }
            }
            Err(_) if last.is_some_and(|l| seqs.contains(&l)) => break,
            Err(_) => {}
        }
        // A process that counts by itself: every line up to two seconds after the cuts (the
        // lines from around the cuts are in the channel already, read before this is true).
        if last.is_none() && drove.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr);
    assert!(seqs.len() > 20, "the follow showed lines ({} seen)\nstderr: {stderr}", seqs.len());
    let gaps: Vec<_> = seqs.windows(2).filter(|w| w[1] != w[0] + 1).collect();
    assert!(gaps.is_empty(), "lost or repeated lines across the cuts: {gaps:?} in {seqs:?}\nstderr: {stderr}");
    if let Some(l) = last {
        assert_eq!(seqs.first(), Some(&1), "from the first line written");
        assert_eq!(seqs.last(), Some(&l), "to the last");
    }
    if s.cuts_show() {
        assert!(stderr.matches("log stream lost").count() >= 2, "the cuts really cut: {stderr}");
        assert!(stderr.contains("reconnected after"), "{stderr}");
    }
}

fn restart_changes_exactly_the_targeted_instances(s: &dyn Subject) {
    let (target, other) = s.restart();
    let before = processes(s);
    let (code, _, stderr) = json(s, &["restart", s.app(), "-p", target, "--host", s.host(), "--yes", "--json"]);
    assert_eq!(code, Some(0), "fleet restart: {stderr}");
    // The platform replaces the instances in its own time (a rollout of pods): wait for it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        let now = processes(s);
        let replaced = instances(&now, target).is_disjoint(&instances(&before, target)) && !instances(&now, target).is_empty();
        if replaced || Instant::now() > deadline {
            break now;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        instances(&after, target).is_disjoint(&instances(&before, target)),
        "every {target} instance is new:\nbefore {:?}\nafter {:?}",
        instances(&before, target),
        instances(&after, target)
    );
    assert_eq!(instances(&after, other), instances(&before, other), "{other} was not touched");
}

/// After the restart: the activity has fleet's own action and the platform's record of it, the
/// newest first.
fn activity_records_the_restart(s: &dyn Subject) {
    let (code, v, stderr) = json(s, &["activity", s.app(), "--host", s.host(), "--json", "-n", "100"]);
    let entries = v.as_array().unwrap();
    if let Err(why) = s.own_record() {
        // fleet's own record still, and the platform's said to be out of reach, exit 1.
        assert_eq!(code, Some(1), "fleet activity: {stderr}");
        assert!(stderr.contains(why), "says why: {stderr}");
        assert!(entries.iter().any(|e| e["who"].as_str().unwrap().starts_with("fleet") && e["what"] == "restart"), "{v:#}");
        return;
    }
    assert_eq!(code, Some(0), "fleet activity: {stderr}");
    let at = |e: &Value| e["at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    assert!(entries.windows(2).all(|w| at(&w[0]) >= at(&w[1])), "newest first: {v:#}");
    let ours = entries
        .iter()
        .find(|e| e["who"].as_str().unwrap().starts_with("fleet") && e["what"] == "restart")
        .unwrap_or_else(|| panic!("fleet's restart is there: {v:#}"));
    let theirs = entries.iter().find(|e| {
        !e["who"].as_str().unwrap().starts_with("fleet")
            && e["detail"].as_str().unwrap().contains(s.restarted())
            // fleet records its restart once the command is done (systemd's waits a second to
            // read the state), so the platform's own record may be a few seconds older.
            && at(e) >= at(ours) - jiff::SignedDuration::from_secs(5)
    });
    assert!(theirs.is_some(), "the platform's record of the restart of {}: {v:#}", s.restarted());
}

fn exec_passes_the_exit_status(s: &dyn Subject) {
    let (process, _) = s.restart();
    let (argv, code, on_stdout) = s.exits_nonzero();
    let mut args = vec!["run", s.app(), "-p", process, "--host", s.host(), "--"];
    args.extend(argv);
    let out = s.command(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
    let said = if on_stdout { &out.stdout } else { &out.stderr };
    assert!(String::from_utf8_lossy(said).contains("from-the-app"), "its output is ours");
}

fn readonly_refuses_every_change(s: &dyn Subject) {
    let before = processes(s);
    let (key, _) = s.secret();
    let set = format!("{key}=changed");
    let app = s.app();
    let changes: [&[&str]; 8] = [
        &["restart", app, "--yes"],
        &["rollout", app, "--yes"],
        &["rollback", app, "--yes"],
        &["rebuild", app, "--yes"],
        &["config:set", app, &set],
        &["config:unset", app, key],
        &["run", app, "--", "true"],
        &["shell", app],
    ];
    for args in changes {
        // `--host` before any `--`, after the subcommand.
        let cut = args.iter().position(|a| *a == "--").unwrap_or(args.len());
        let mut all = vec!["--readonly"];
        all.extend_from_slice(&args[..cut]);
        all.extend_from_slice(&["--host", s.host()]);
        all.extend_from_slice(&args[cut..]);
        let out = s.command(&all).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} is refused: {stderr}");
        assert!(stderr.contains("read-only"), "{args:?} says why: {stderr}");
    }
    let after = processes(s);
    for p in s.processes() {
        assert_eq!(instances(&after, p), instances(&before, p), "read-only left {p} as it was");
    }
}

fn conform(s: &dyn Subject) {
    discovers_apps_by_convention(s);
    env_is_masked_and_revealed_when_asked(s);
    logs_are_merged_in_time_order(s);
    a_follow_resumes_with_nothing_lost_or_repeated(s);
    readonly_refuses_every_change(s);
    exec_passes_the_exit_status(s);
    restart_changes_exactly_the_targeted_instances(s);
    activity_records_the_restart(s);
}

/// Subjects that cut their follow by killing root's ssh sessions on a droplet take it in turn
/// with the others there: supervisord's with systemd's on lab-1, Docker's with Dokku's on lab-2.
fn lab_1() -> std::sync::MutexGuard<'static, ()> {
    static LAB_1: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LAB_1.lock().unwrap_or_else(|e| e.into_inner())
}

fn lab_2() -> std::sync::MutexGuard<'static, ()> {
    static LAB_2: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LAB_2.lock().unwrap_or_else(|e| e.into_inner())
}

/// Kills root's ssh sessions on a droplet twice, 1.5 s apart, while a follow runs (it counts
/// by itself: None).
fn cut_roots_sessions(droplet: &str) -> Option<u64> {
    cut_sessions_of(droplet, "root")
}

fn cut_sessions_of(droplet: &str, user: &str) -> Option<u64> {
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(1500));
        let killed = Command::new("docker").args(["exec", droplet, "pkill", "-f", &format!("^sshd: {user}")]).status().unwrap();
        assert!(killed.success(), "no ssh session of {user} on {droplet} to kill");
    }
    std::thread::sleep(Duration::from_secs(2));
    None
}

/// systemd on the lab's droplets: shop's units on lab-1, ticker's journal on lab-2 followed as
/// the `logreader` user, whose sessions are killed to cut the stream.
struct Systemd {
    lab: Lab,
}

impl Subject for Systemd {
    fn command(&self, args: &[&str]) -> Command {
        self.lab.command(args)
    }
    fn host(&self) -> &str {
        "lab-1"
    }
    fn platform(&self) -> &str {
        "systemd"
    }
    fn app(&self) -> &str {
        "shop"
    }
    fn processes(&self) -> Vec<&str> {
        vec!["web", "worker", "clock"]
    }
    fn restart(&self) -> (&str, &str) {
        ("worker", "web")
    }
    fn restarted(&self) -> &str {
        "shop-worker.service"
    }
    fn secret(&self) -> (&str, &str) {
        ("SECRET_KEY_BASE", "lab-not-a-secret")
    }
    fn seed_history(&self) {
        // shop's units log a heartbeat every 5 s: wait for one of each after a restart.
        std::thread::sleep(Duration::from_secs(6));
    }
    fn counter(&self) -> Counter {
        Counter { host: "lab-2-reader".into(), app: "ticker".into(), process: "web".into(), word: "seq " }
    }
    fn drive_follow(&self) -> Option<u64> {
        for _ in 0..2 {
            std::thread::sleep(Duration::from_millis(1500));
            let killed = Command::new("docker").args(["exec", "lab-2", "pkill", "-f", "sshd: logreader"]).status().unwrap();
            assert!(killed.success(), "no sshd session of logreader to kill");
        }
        std::thread::sleep(Duration::from_secs(2));
        None
    }
}

#[test]
fn systemd_conforms() {
    let _lab1 = lab_1();
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2-reader\"]\n");
    conform(&Systemd { lab });
}

/// Kubernetes on the test API server: ledger's web and worker deployments on k3s-a, their pod
/// logs written by the test, the streams cut by the server.
struct Kubernetes {
    lab: Lab,
    api: kube_api::ApiServer,
    kubeconfig: std::path::PathBuf,
}

const WEB_POD: &str = "ledger-web-7d9f8c6b5-x2k4p";

impl Subject for Kubernetes {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = self.lab.command(args);
        c.env("KUBECONFIG", &self.kubeconfig);
        c
    }
    fn host(&self) -> &str {
        "k3s-a"
    }
    fn platform(&self) -> &str {
        "kubernetes"
    }
    fn app(&self) -> &str {
        "ledger"
    }
    fn processes(&self) -> Vec<&str> {
        vec!["web", "worker", "report"]
    }
    fn restart(&self) -> (&str, &str) {
        ("web", "worker")
    }
    fn restarted(&self) -> &str {
        "deployment/prod/ledger-web"
    }
    fn secret(&self) -> (&str, &str) {
        ("SECRET_KEY_BASE", "key-base-1234567890")
    }
    fn seed_history(&self) {
        let t0 = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(30);
        self.api.with(|st| {
            for i in 0..6i64 {
                let pod = if i % 2 == 0 { WEB_POD } else { "ledger-web-7d9f8c6b5-q8m3z" };
                st.log("prod", pod, t0 + jiff::SignedDuration::from_millis(100 * i), &format!("history {i}"));
            }
        });
    }
    fn counter(&self) -> Counter {
        Counter { host: "k3s-a".into(), app: "ledger".into(), process: "web".into(), word: "seq " }
    }
    fn drive_follow(&self) -> Option<u64> {
        const N: u64 = 150;
        for i in 1..=N {
            self.api.with(|st| st.log("prod", WEB_POD, jiff::Timestamp::now(), &format!("seq {i}")));
            if i == 50 || i == 100 {
                self.api.with(|st| st.cut());
            }
            std::thread::sleep(Duration::from_millis(15));
        }
        Some(N)
    }
}

#[test]
fn kubernetes_conforms() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = []\n");
    let api = kube_api::ApiServer::start("cluster-a.yaml");
    let kubeconfig = lab.scratch.path().join("kubeconfig.yaml");
    std::fs::write(&kubeconfig, api.kubeconfig("k3s-a", kube_api::Auth::ClientCert)).unwrap();
    conform(&Kubernetes { lab, api, kubeconfig });
}

/// Docker on lab-2's engine: the compose project notes (web×2, worker, console, sick) and the
/// labelled notes-counter, whose follow is cut by killing root's ssh sessions on lab-2 (the
/// monitor too: a connection that only forwards a socket has no `root@notty` child).
struct Docker {
    lab: Lab,
}

impl Subject for Docker {
    fn command(&self, args: &[&str]) -> Command {
        self.lab.command(args)
    }
    fn host(&self) -> &str {
        "lab-2"
    }
    fn platform(&self) -> &str {
        "docker"
    }
    fn app(&self) -> &str {
        "notes"
    }
    fn processes(&self) -> Vec<&str> {
        vec!["web", "worker", "console", "sick", "counter"]
    }
    fn restart(&self) -> (&str, &str) {
        ("worker", "web")
    }
    fn restarted(&self) -> &str {
        "notes_worker_1"
    }
    fn secret(&self) -> (&str, &str) {
        ("SECRET_KEY", "lab-notes-not-a-secret")
    }
    fn seed_history(&self) {
        // worker and web's health probes log every 2 s.
        std::thread::sleep(Duration::from_secs(3));
    }
    fn counter(&self) -> Counter {
        Counter { host: "lab-2".into(), app: "notes".into(), process: "counter".into(), word: "seq " }
    }
    fn drive_follow(&self) -> Option<u64> {
        cut_roots_sessions("lab-2")
    }
}

#[test]
fn docker_conforms() {
    let _lab2 = lab_2();
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2\"]\n");
    conform(&Docker { lab });
}

/// supervisord on lab-1, beside the systemd units: pay's group (web×2, worker, bank that never
/// starts, ticker), the ticker's follow cut by killing root's ssh sessions on lab-1 while its
/// log also rotates every few seconds.
struct Supervisord {
    lab: Lab,
}

impl Subject for Supervisord {
    fn command(&self, args: &[&str]) -> Command {
        self.lab.command(args)
    }
    fn host(&self) -> &str {
        "lab-1"
    }
    fn platform(&self) -> &str {
        "supervisord"
    }
    fn app(&self) -> &str {
        "pay"
    }
    fn processes(&self) -> Vec<&str> {
        vec!["web", "worker", "bank", "ticker"]
    }
    fn restart(&self) -> (&str, &str) {
        ("worker", "web")
    }
    fn restarted(&self) -> &str {
        "pay-worker"
    }
    fn secret(&self) -> (&str, &str) {
        ("SECRET_KEY_BASE", "pay-not-a-secret")
    }
    fn seed_history(&self) {
        // The ticker writes all the time, the worker every 3 s.
        std::thread::sleep(Duration::from_secs(4));
    }
    fn counter(&self) -> Counter {
        Counter { host: "lab-1".into(), app: "pay".into(), process: "ticker".into(), word: "tick " }
    }
    fn drive_follow(&self) -> Option<u64> {
        cut_roots_sessions("lab-1")
    }
    fn cuts_show(&self) -> bool {
        false
    }
}

#[test]
fn supervisord_conforms() {
    let _lab1 = lab_1();
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n");
    conform(&Supervisord { lab });
}

/// Dokku on lab-2 (the stand-in `dokku` and the dynos it deploys on lab-2's engine): blog's
/// web×2 and worker, the worker's `job N done` lines (three a second) followed while the
/// login's ssh sessions on lab-2 are killed. Reached as root (`lab-2`), or as Dokku's own
/// `dokku` user through its forced command alone (`lab-2-dokku`): plain words only there (an
/// `sh -c` script is refused), and no record of the dynos' own to read.
struct Dokku {
    lab: Lab,
    as_dokku_user: bool,
}

impl Subject for Dokku {
    fn command(&self, args: &[&str]) -> Command {
        self.lab.command(args)
    }
    fn host(&self) -> &str {
        if self.as_dokku_user { "lab-2-dokku" } else { "lab-2" }
    }
    fn platform(&self) -> &str {
        "dokku"
    }
    fn app(&self) -> &str {
        "blog"
    }
    fn processes(&self) -> Vec<&str> {
        vec!["web", "worker"]
    }
    fn restart(&self) -> (&str, &str) {
        ("worker", "web")
    }
    fn restarted(&self) -> &str {
        "blog.worker.1"
    }
    fn secret(&self) -> (&str, &str) {
        ("SECRET_KEY_BASE", "blog-not-a-secret")
    }
    fn seed_history(&self) {
        // web logs every 2 s, the worker three times a second.
        std::thread::sleep(Duration::from_secs(4));
    }
    fn counter(&self) -> Counter {
        Counter { host: self.host().into(), app: "blog".into(), process: "worker".into(), word: "job " }
    }
    fn drive_follow(&self) -> Option<u64> {
        cut_sessions_of("lab-2", if self.as_dokku_user { "dokku" } else { "root" })
    }
    fn exits_nonzero(&self) -> (Vec<&str>, i32, bool) {
        if self.as_dokku_user { (vec!["ls", "/from-the-app"], 2, false) } else { (vec!["sh", "-c", "echo from-the-app; exit 3"], 3, true) }
    }
    fn own_record(&self) -> Result<(), &str> {
        if self.as_dokku_user { Err("the dokku user has no record of the dynos' starts and stops") } else { Ok(()) }
    }
}

#[test]
fn dokku_conforms() {
    let _lab2 = lab_2();
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2\"]\n");
    conform(&Dokku { lab, as_dokku_user: false });
}

#[test]
fn dokku_as_its_own_user_conforms() {
    let _lab2 = lab_2();
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2-dokku\"]\n");
    conform(&Dokku { lab, as_dokku_user: true });
}
