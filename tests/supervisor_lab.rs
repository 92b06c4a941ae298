//! supervisord against lab-1's real one (Debian's package, its XML-RPC interface over lab-1's
//! SSH connection): the pay app's programs beside lab-1's systemd units; the env fleet shows
//! checked key by key against what supervisord handed the running processes; logs with their
//! streams, escapes and no timestamps; a follow across a rotation with nothing lost or
//! repeated; restart, a rollout across lab-1 and lab-2 with its health gate, config:set/unset
//! applied by reread/update, run as the program runs, and the root-only socket a non-root user is
//! told about.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::lab::Lab;
use serde_json::Value;

/// Every test here takes its turn: some restart pay's programs (a group update restarts them
/// all), and the others would see them mid-restart.
static CHANGES: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn changing() -> std::sync::MutexGuard<'static, ()> {
    CHANGES.lock().unwrap_or_else(|e| e.into_inner())
}

fn lab() -> Lab {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n");
    lab
}

/// A command in lab-1, by the test's own hand (not fleet's).
fn on_lab1(script: &str) -> String {
    let out = Command::new("docker").args(["exec", "lab-1", "sh", "-c", script]).output().unwrap();
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What supervisord really gave a running program, from /proc.
fn real_env(namespec: &str) -> BTreeMap<String, String> {
    on_lab1(&format!("tr '\\0' '\\n' < /proc/$(supervisorctl pid {namespec})/environ"))
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

fn app(v: &Value, name: &str) -> Value {
    v["apps"].as_array().unwrap().iter().find(|a| a["name"] == name).cloned().unwrap_or_else(|| panic!("no app {name}: {v}"))
}

#[test]
fn supervisord_programs_and_systemd_units_on_one_droplet() {
    let _g = changing();
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let pay = app(&v, "pay");
    assert_eq!(pay["formation"], serde_json::json!([["web", 2], ["worker", 1], ["bank", 1], ["ticker", 1]]), "{pay}");
    let procs = pay["processes"].as_array().unwrap();
    let by = |src: &str| procs.iter().find(|p| p["source"] == src).unwrap_or_else(|| panic!("no {src}: {pay}")).clone();
    let web = by("pay:pay-web_01");
    assert_eq!(
        (web["platform"].as_str(), web["state"].as_str(), web["user"].as_str()),
        (Some("supervisord"), Some("running"), Some("pay"))
    );
    assert!(web["pid"].as_u64().is_some(), "{web}");
    assert!(web["restarts"].is_null(), "supervisord keeps no restart count: {web}");
    let bank = by("pay:pay-bank");
    assert_eq!(bank["state"], "failed");
    // FATAL once supervisord gave up; BACKOFF while it still retries (right after a restart).
    let why = bank["why"].as_str().unwrap();
    assert!(why.starts_with("gave up (FATAL, exited too quickly)") || why.starts_with("crashed, retrying (BACKOFF)"), "{bank}");
    assert!(why.ends_with(": cannot reach the bank at 10.0.0.9:443"), "the program's own last words: {bank}");
    // The systemd app on the same droplet is still there, from the same refresh.
    let shop = app(&v, "shop");
    assert!(shop["processes"].as_array().unwrap().iter().any(|p| p["platform"] == "systemd" && p["host"] == "lab-1"), "{shop}");
}

#[test]
fn the_env_is_what_supervisord_handed_each_process_key_by_key() {
    let _g = changing();
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["config", "pay", "--json", "--reveal"]);
    assert_eq!(code, Some(0), "{stderr}");
    let shown = |process: &str| -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for var in v.as_array().unwrap() {
            for val in var["values"].as_array().unwrap().iter().filter(|x| x["process"] == process) {
                m.entry(var["key"].as_str().unwrap().to_string()).or_default().push(val["value"].as_str().unwrap().to_string());
            }
        }
        m
    };
    let worker = shown("worker");
    let real = real_env("pay:pay-worker");
    assert_eq!(worker.keys().collect::<Vec<_>>(), real.keys().collect::<Vec<_>>(), "the same keys");
    for (k, v) in &real {
        assert_eq!(worker[k], vec![v.clone()], "{k}");
    }
    // web×2: each instance's own expansion (%(process_num)02d), quoting and %% as supervisord
    // reads them.
    let web = shown("web");
    for n in ["00", "01"] {
        let real = real_env(&format!("pay:pay-web_{n}"));
        assert_eq!(web.keys().collect::<Vec<_>>(), real.keys().collect::<Vec<_>>(), "pay-web_{n}: the same keys");
        for (k, v) in &real {
            assert!(web[k].contains(v), "pay-web_{n} {k}: fleet shows {:?}, the process has {v:?}", web[k]);
        }
    }
    assert_eq!(real_env("pay:pay-web_01")["PORT"], "9001");
    assert_eq!(real_env("pay:pay-web_00")["PCT"], "100%");
    assert_eq!(real_env("pay:pay-web_00")["REGION_WAS"], "lab-1", "%(ENV_REGION)s from [supervisord] environment=");
    // Masked unless asked.
    let out = lab.fleet(&["config", "pay"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("s3cret") && !text.contains("pay-not-a-secret"), "{text}");
}

fn log_lines(lab: &Lab, args: &[&str]) -> Vec<Value> {
    let out = lab.command(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn history_has_streams_and_escapes_and_says_it_has_no_times() {
    let _g = changing();
    let lab = lab();
    // No times: -n counts per log file, stdout's last 6 and stderr's last 6.
    let lines = log_lines(&lab, &["logs", "pay", "-p", "worker", "-n", "6", "--json"]);
    assert_eq!(lines.len(), 12, "{lines:?}");
    assert_eq!(lines.iter().filter(|l| l["stream"] == "stderr").count(), 6, "{lines:?}");
    assert!(lines.iter().all(|l| l["clock"] == "unknown" && l["resume"]["kind"] == "supervisor"), "{lines:?}");
    let err = lines.iter().find(|l| l["stream"] == "stderr").unwrap_or_else(|| panic!("a stderr line: {lines:?}"));
    assert!(err["message"].as_str().unwrap().starts_with("\u{1b}[31merror\u{1b}[0m: queue "), "raw in --json: {err}");
    // Shown to a person, the escape is neutralised and the missing time is said.
    let out = lab.fleet(&["logs", "pay", "-p", "worker", "-n", "4", "--no-color"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.lines().all(|l| l.starts_with("-   ")), "{text}");
}

#[test]
fn a_follow_across_a_log_rotation_loses_and_repeats_nothing() {
    // Not while another test restarts the ticker (its count would start again).
    let _g = changing();
    let lab = lab();
    // The ticker writes ~2 KB/s into a log supervisord rotates at 12 KB: 16 s of follow
    // cross at least one rotation. The follow is stopped after that.
    let mut child = lab
        .command(&["logs", "pay", "-p", "ticker", "-f", "-n", "3", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read as it comes: a full pipe would stall the follow.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).unwrap();
        buf
    });
    std::thread::sleep(std::time::Duration::from_secs(16));
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let out = std::process::Output { stdout: reader.join().unwrap(), ..out };
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rotated = lines.iter().filter(|l| l["stream"] == "fleet" && l["message"].as_str().unwrap().contains("log rotated")).count();
    assert!(rotated >= 1, "no rotation seen in {} lines: {}", lines.len(), String::from_utf8_lossy(&out.stderr));
    let ticks: Vec<u64> = lines
        .iter()
        .filter(|l| l["stream"] == "stdout")
        .filter_map(|l| l["message"].as_str()?.strip_prefix("tick ")?.split(' ').next()?.parse().ok())
        .collect();
    let seconds: std::collections::BTreeSet<&str> = lines.iter().filter_map(|l| l["ts"].as_str()?.get(11..19)).collect();
    assert!(ticks.len() > 300, "{} ticks, at {seconds:?}", ticks.len());
    let bad: Vec<(u64, u64)> = ticks.windows(2).filter(|w| w[1] != w[0] + 1).map(|w| (w[0], w[1])).collect();
    assert!(bad.is_empty(), "lost or repeated around {bad:?}");
    assert!(lines.iter().filter(|l| l["stream"] == "stdout").skip(3).all(|l| l["clock"] == "arrival"), "live lines are stamped on arrival");
}

#[test]
fn restart_waits_for_running_and_says_the_new_pids() {
    let _g = changing();
    let lab = lab();
    let before = on_lab1("supervisorctl pid pay:pay-web_00").trim().to_string();
    let out = lab.fleet(&["restart", "pay", "-p", "web", "-y"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{:?}: {text}{}", out.status, String::from_utf8_lossy(&out.stderr));
    let after = on_lab1("supervisorctl pid pay:pay-web_00").trim().to_string();
    assert_ne!(before, after);
    assert!(text.contains(&format!("pay:pay-web_00 running (RUNNING) pid {after}")), "{text}");
    // A program that cannot start is a failed restart with its own words, exit 1.
    let out = lab.fleet(&["restart", "pay", "-p", "bank", "-y"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("pay:pay-bank did not start") && err.contains("cannot reach the bank"), "{err}");
    let audit = common::lab::read(&lab.scratch.path().join(".local/state/fleet/audit.jsonl"));
    assert!(audit.contains("supervisor.startProcess(pay:pay-web_00)"), "{audit}");
}

/// supervisorctl's pid of a program on a droplet, by the test's own hand.
fn pid_on(host: &str, namespec: &str) -> String {
    let out = Command::new("docker").args(["exec", host, "supervisorctl", "pid", namespec]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn rollout_goes_host_by_host_and_stops_at_an_unhealthy_one() {
    let _g = changing();
    let lab = Lab::get();
    let with = |health: &str| {
        lab.write_fleet_toml(&format!(
            "local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n[apps.pay]\nhealth_url = \"{health}\"\nstable_for = \"1s\"\nhealth_timeout = \"4s\"\n"
        ))
    };
    let pids = || {
        [("lab-1", "pay:pay-web_00"), ("lab-1", "pay:pay-web_01"), ("lab-1", "pay:pay-worker"), ("lab-2", "pay:pay-web")]
            .map(|(h, p)| pid_on(h, p))
    };
    // Healthy everywhere (nginx answers on both): lab-1's web×2, then lab-2's web.
    with("http://127.0.0.1:80/");
    let before = pids();
    assert!(before.iter().all(|p| p.parse::<u32>().is_ok()), "pay runs on both droplets: {before:?}");
    let out = lab.fleet(&["rollout", "pay", "-p", "web", "--yes"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let first = err.find("lab-1: 1/2: restarting").expect("lab-1 first");
    let healthy = err.find("lab-1: healthy").expect("lab-1 healthy");
    let second = err.find("lab-2: 2/2: restarting").expect("then lab-2");
    assert!(first < healthy && healthy < second, "{err}");
    let after = pids();
    for n in [0, 1, 3] {
        assert_ne!(after[n], before[n], "web instance {n} restarted: {err}");
    }
    assert_eq!(after[2], before[2], "the worker was not in the rollout");
    // Unhealthy on lab-1 (only lab-2's web listens on 9002): stops there, lab-2 untouched.
    with("http://127.0.0.1:9002/");
    let before = pids();
    let out = lab.fleet(&["rollout", "pay", "-p", "web", "--yes"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("rollout stopped at lab-1 (1/2)") && err.contains("not touched: lab-2"), "{err}");
    let after = pids();
    assert_ne!(after[0], before[0], "lab-1 was restarted");
    assert_eq!(after[3], before[3], "lab-2 was left alone");
}

#[test]
fn metrics_sum_each_programs_process_tree() {
    let _g = changing();
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["metrics", "pay", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let unit =
        |name: &str| v["units"].as_array().unwrap().iter().find(|u| u["unit"] == name).cloned().unwrap_or_else(|| panic!("no {name}: {v}"));
    // web_00 is its run script, the sleep it waits in and the listener it started.
    let web = unit("pay:pay-web_00");
    let pid = on_lab1("supervisorctl pid pay:pay-web_00").trim().to_string();
    let tree: Vec<u64> =
        on_lab1(&format!("ps -o rss= --ppid {pid} -p {pid}")).split_whitespace().map(|n| n.parse::<u64>().unwrap() * 1024).collect();
    let rss: u64 = tree.iter().sum();
    let mem = web["memory_bytes"].as_u64().unwrap_or_else(|| panic!("{web}"));
    assert!(mem >= rss / 2 && mem <= rss * 2, "fleet says {mem} B, ps says {rss} B over {} processes: {web}", tree.len());
    assert_eq!(web["tasks"].as_u64(), Some(tree.len() as u64), "{web}");
    assert!(web["cpu_percent"].as_f64().is_some(), "{web}");
    // A program that is not running has no numbers, not zeros.
    let bank = unit("pay:pay-bank");
    assert!(bank["memory_bytes"].is_null() && bank["cpu_percent"].is_null(), "{bank}");
}

#[test]
fn config_set_rewrites_environment_and_the_processes_get_it() {
    let _g = changing();
    let lab = lab();
    // Every program of pay gets the change (as every unit reading one env file would); the
    // update restarts the whole group, and pay-bank, which never starts, makes that restart a
    // failure the user is told about (exit 1) — the others run with the new values.
    let out = lab.fleet(&["config:set", "pay", "FEATURE=on 100%", "API_TOKEN=t0p s3cret"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("changed, but the restart failed") && text.contains("pay:pay-bank did not start"), "{text}");
    assert!(!text.contains("t0p s3cret"), "secrets stay masked: {text}");
    let conf = on_lab1("grep -n '^environment=QUEUE' /etc/supervisor/conf.d/pay.conf");
    assert!(conf.contains(r#"FEATURE="on 100%%",API_TOKEN="t0p s3cret""#), "{conf}");
    let real = real_env("pay:pay-worker");
    assert_eq!((real["FEATURE"].as_str(), real["API_TOKEN"].as_str()), ("on 100%", "t0p s3cret"), "supervisord reread and restarted it");
    let out = lab.fleet(&["config:unset", "pay", "FEATURE", "API_TOKEN"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!real_env("pay:pay-worker").contains_key("FEATURE"));
    assert_eq!(
        on_lab1("grep -c '^environment=QUEUE=\"default\",SECRET_KEY_BASE=\"pay-not-a-secret\"$' /etc/supervisor/conf.d/pay.conf").trim(),
        "1"
    );
}

#[test]
fn run_goes_in_as_the_program_runs() {
    let _g = changing();
    let lab = lab();
    let out = lab.fleet(&["run", "pay", "-p", "web", "--", "sh", "-c", "id -un; pwd; echo \"$PORT $REGION $SUPERVISOR_PROCESS_NAME\""]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "pay\n/srv/pay\n9000 lab-1 pay-web_00\n");
    assert_eq!(on_lab1("ls /tmp | grep -c '^fleet-env\\.' || true").trim(), "0", "the staged env file is gone");
}

#[test]
fn a_user_who_may_not_open_the_socket_is_told_what_to_change() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2-reader\"]\n");
    let (code, v, stderr) = lab.fleet_json(&["hosts", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let notes: Vec<&str> = v[0]["platform_notes"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(
        notes.contains(&"supervisord: logreader may not open supervisord's socket /var/run/supervisor.sock (Debian makes it root-only): in [unix_http_server] set chmod=0770 and chown=root:logreader, then systemctl restart supervisor; or connect as root"),
        "{notes:?}"
    );
}
