//! Docker against lab-2's own engine (a real dockerd, reached through lab-2's SSH connection):
//! the compose project notes beside lab-1's notes-mailer unit, one app; container facts; logs
//! with streams, a TTY and escape sequences; a follow across a recreate; env edits that compose
//! applies; a rollout stopped by a failing HEALTHCHECK; the socket a user may not open; add-on
//! containers; per-container metrics; and a refresh driven by the engine's events.

mod common;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::lab::Lab;
use serde_json::Value;

const ENGINE: &str = "engine/sock/docker.sock";

/// Tests that recreate or restart notes's containers take turns: two composes at once on one
/// project fail (and a restart under a follow is not the recreate that test makes).
static CHANGES: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn changing() -> std::sync::MutexGuard<'static, ()> {
    CHANGES.lock().unwrap_or_else(|e| e.into_inner())
}

fn lab() -> Lab {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    lab
}

/// `docker` against lab-2's engine, from this machine (the test's own hand, not fleet's).
fn engine(lab: &Lab, args: &[&str]) -> String {
    let out = Command::new("docker").arg("-H").arg(format!("unix://{}", lab.dir.join(ENGINE).display())).args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn app(v: &Value, name: &str) -> Value {
    v["apps"].as_array().unwrap().iter().find(|a| a["name"] == name).cloned().unwrap_or_else(|| panic!("no app {name}: {v}"))
}

fn process<'a>(app: &'a Value, source: &str) -> &'a Value {
    app["processes"].as_array().unwrap().iter().find(|p| p["source"] == source).unwrap_or_else(|| panic!("no {source}: {app}"))
}

#[test]
fn a_compose_project_and_systemd_units_are_one_app() {
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let notes = app(&v, "notes");
    assert_eq!(notes["hosts"], serde_json::json!(["lab-1", "lab-2"]), "{notes}");
    assert_eq!(
        notes["formation"],
        serde_json::json!([["web", 2], ["worker", 1], ["console", 1], ["counter", 1], ["mailer", 1], ["sick", 1]]),
        "compose services, the labelled counter and the unit; redis is an add-on, not a process: {notes}"
    );
    assert_eq!(process(&notes, "notes-mailer.service")["platform"], "systemd");
    let web = process(&notes, "notes_web_1");
    assert_eq!((web["platform"].as_str(), web["state"].as_str(), web["host"].as_str()), (Some("docker"), Some("running"), Some("lab-2")));
    let c = &web["container"];
    assert_eq!(
        (c["image"].as_str(), c["health"].as_str(), c["compose_project"].as_str()),
        (Some("fleet-app:lab"), Some("healthy"), Some("notes"))
    );
    assert!(c["image_id"].as_str().unwrap().len() == 12 && c["image_created"].is_string(), "{c}");
    let port = c["ports"][0].as_str().unwrap();
    assert!(port.starts_with("127.0.0.1:") && port.ends_with("->8000/tcp"), "{c}");
    assert_eq!(web["working_dir"], "/srv/notes", "where compose runs");
    assert_eq!(web["env_files"], serde_json::json!(["/srv/notes/notes.env"]));
    assert!(web["since"].is_string() && web["pid"].as_u64().unwrap() > 1);
    // The HEALTHCHECK that fails: running, but the app is degraded, and why.
    let sick = process(&notes, "notes_sick_1");
    assert_eq!(sick["state"], "running");
    assert!(sick["warning"].as_str().unwrap().contains("× failed): cannot reach the upstream"), "{sick}");
    assert_eq!(notes["health"], "degraded");
    assert_eq!(process(&notes, "notes_console_1")["container"]["tty"], true);
    // A container labelled for a home-made orchestrator joins the systemd app of its name.
    let relay = app(&v, "relay");
    let agent = relay["processes"].as_array().unwrap().iter().find(|p| p["process"] == "agent").unwrap_or_else(|| panic!("{relay}"));
    assert_eq!((agent["source"].as_str(), agent["platform"].as_str()), (Some("relay-agent"), Some("docker")));
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v}");
    // The text table says the same.
    let text = String::from_utf8_lossy(&lab.fleet(&["apps"]).stdout).into_owned();
    assert!(text.contains("sick@lab-2 running: unhealthy ("), "{text}");
}

#[test]
fn logs_mark_their_streams_and_escape_sequences_are_not_obeyed() {
    let lab = lab();
    let out = lab.command(&["logs", "notes", "-p", "worker", "-p", "console", "--host", "lab-2", "-n", "30", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let by = |source: &str, stream: Option<&str>| {
        lines.iter().filter(|l| l["source"] == source && l["stream"].as_str() == stream).cloned().collect::<Vec<_>>()
    };
    assert!(by("notes_worker_1", Some("stdout")).iter().any(|l| l["message"].as_str().unwrap().starts_with("worker tick ")), "{lines:?}");
    let stderr = by("notes_worker_1", Some("stderr"));
    // --json is lossless: the escape sequences are there, as data.
    assert!(stderr.iter().any(|l| l["message"].as_str().unwrap().contains("\u{1b}[31mworker alert")), "{lines:?}");
    // A TTY container has one stream: no stdout/stderr mark.
    assert!(!by("notes_console_1", None).is_empty(), "console's lines, unmarked: {lines:?}");
    let text = lab.command(&["logs", "notes", "-p", "worker", "--host", "lab-2", "-n", "10"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("worker alert") && !text.contains('\u{1b}') && !text.contains('\u{7}'), "shown, not obeyed: {text:?}");
}

#[test]
fn a_follow_picks_up_a_recreated_container() {
    let _turn = changing();
    let lab = lab();
    let mut child = lab
        .command(&["logs", "notes", "-p", "worker", "--host", "lab-2", "-f", "-n", "0", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&l).unwrap());
        }
    });
    std::thread::sleep(Duration::from_secs(4));
    let before = engine(&lab, &["inspect", "-f", "{{.Id}}", "notes_worker_1"]);
    // watchtower's way: a new container under the same name (compose recreates it).
    let recreate = Command::new("docker")
        .args(["exec", "lab-2", "sh", "-c", "cd /srv/notes && docker-compose up -d --no-deps --force-recreate worker"])
        .output()
        .unwrap();
    assert!(recreate.status.success(), "{}", String::from_utf8_lossy(&recreate.stderr));
    assert_ne!(engine(&lab, &["inspect", "-f", "{{.Id}}", "notes_worker_1"]), before, "recreated");
    let mut ticks: Vec<u64> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(25);
    // The new container counts from 1 again: its first ticks arriving means it is followed.
    while Instant::now() < deadline && !ticks.iter().rev().take(3).any(|t| *t <= 3) {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200))
            && let Some(n) = l["message"].as_str().and_then(|m| m.strip_prefix("worker tick ")).and_then(|n| n.parse().ok())
        {
            ticks.push(n);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ticks.first().is_some_and(|t| *t > 3), "the old container was followed first: {ticks:?}");
    assert!(ticks.iter().any(|t| *t <= 3), "the recreated container is followed: {ticks:?}");
    let mut seen = ticks.clone();
    seen.dedup();
    assert_eq!(seen, ticks, "no line twice: {ticks:?}");
}

#[test]
fn config_set_writes_the_env_file_and_compose_recreates_the_services() {
    let _turn = changing();
    let lab = lab();
    let set = lab.fleet(&["config:set", "notes", "NOTES_LAB_FLAG=on", "--host", "lab-2"]);
    let said = String::from_utf8_lossy(&set.stdout);
    assert_eq!(set.status.code(), Some(0), "{said}{}", String::from_utf8_lossy(&set.stderr));
    assert!(said.contains("lab-2: /srv/notes/notes.env: written (backup kept)"), "{said}");
    let printenv = |process: &str| lab.fleet(&["run", "notes", "-p", process, "--host", "lab-2", "--", "printenv", "NOTES_LAB_FLAG"]);
    for p in ["web", "worker"] {
        let out = printenv(p);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "on", "{p} was recreated with the new env");
    }
    let (_, v, _) = lab.fleet_json(&["apps", "--json", "--host", "lab-2"]);
    assert_eq!(app(&v, "notes")["formation"][0], serde_json::json!(["web", 2]), "compose kept web at two containers");
    let audit = lab.fleet(&["audit", "--json"]);
    assert!(
        String::from_utf8_lossy(&audit.stdout).contains("docker-compose -p notes -f /srv/notes/docker-compose.yml up -d --no-deps"),
        "the audit log has the command"
    );
    let unset = lab.fleet(&["config:unset", "notes", "NOTES_LAB_FLAG", "--host", "lab-2"]);
    assert_eq!(unset.status.code(), Some(0), "{}", String::from_utf8_lossy(&unset.stderr));
    assert_eq!(printenv("worker").status.code(), Some(1), "unset, and recreated again");
}

#[test]
fn a_rollout_stops_at_a_container_whose_healthcheck_fails() {
    let _turn = changing();
    let lab = lab();
    let out = lab.fleet(&["rollout", "notes", "-p", "sick", "--host", "lab-2", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("notes_sick_1 is unhealthy after its restart") && stderr.contains("cannot reach the upstream"), "{stderr}");
    // The healthy ones go one container at a time, each waited for.
    let out = lab.fleet(&["rollout", "notes", "-p", "web", "--host", "lab-2", "--yes"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let first = text.find("1/2: restarting notes_web_1").unwrap_or_else(|| panic!("{text}"));
    let healthy = text.find("healthy: notes_web_1 healthy").unwrap_or_else(|| panic!("{text}"));
    let second = text.find("2/2: restarting notes_web_2").unwrap_or_else(|| panic!("{text}"));
    assert!(first < healthy && healthy < second, "the second only after the first is healthy: {text}");
}

#[test]
fn a_user_who_may_not_open_the_socket_is_told_what_to_do() {
    let lab = lab();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2-reader\"]\n");
    let (code, v, stderr) = lab.fleet_json(&["hosts", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let notes = v[0]["platform_notes"].as_array().unwrap();
    assert_eq!(
        notes[0],
        "docker: logreader may not open /var/run/docker.sock: add it to the docker group (usermod -aG docker logreader, then log in again) or connect as root",
        "{v}"
    );
}

#[test]
fn addon_containers_are_linked_to_the_apps_that_use_them() {
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["addons", "--json", "--host", "lab-2"]);
    assert_eq!(code, Some(0), "{stderr}");
    let redis = v["addons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["unit"] == "container notes_redis_1")
        .unwrap_or_else(|| panic!("the redis container is an add-on: {v}"));
    assert_eq!((redis["kind"].as_str(), redis["state"].as_str()), (Some("redis"), Some("running")));
    assert_eq!(redis["used_by"], serde_json::json!([{"app": "notes", "key": "REDIS_URL"}]), "{redis}");
}

#[test]
fn metrics_per_container() {
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["metrics", "notes", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = v.to_string();
    let units = v["units"].as_array().unwrap_or_else(|| panic!("{text}"));
    let web = units.iter().find(|u| u["unit"] == "notes_web_1").unwrap_or_else(|| panic!("{text}"));
    assert!(web["memory_bytes"].as_u64().unwrap() > 1_000_000, "python's memory: {web}");
    assert!(web["cpu_percent"].as_f64().is_some(), "two samples make a rate: {web}");
    assert!(web["tasks"].as_u64().unwrap() >= 1, "{web}");
}

/// The TUI's refresher: with a 10-minute interval, a container started on the engine shows up
/// within seconds, because its events refresh the host.
#[tokio::test]
async fn the_engines_events_refresh_the_host() {
    let lab = lab();
    let config = fleet::config::FleetConfig {
        local: false,
        inventory: fleet::config::Inventory { include: vec!["lab-2".into()], ..Default::default() },
        ..Default::default()
    };
    let (specs, _) = fleet::config::inventory::hosts(&config, &lab.ssh_config());
    let opts = fleet::runtime::BackendOptions {
        ssh_config: Some(lab.ssh_config()),
        policy: fleet::transport::ssh::UnknownKeyPolicy::Refuse,
        passphrase: None,
        kube: Default::default(),
    };
    let backends = fleet::runtime::build_backends(&specs, &opts);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _commands = fleet::runtime::spawn_refreshers(backends, config.convention.clone(), Duration::from_secs(600), tx);
    let has_probe = |ev: &fleet::model::BackendEvent| match ev {
        fleet::model::BackendEvent::Host { result: Ok(r), .. } => Some(r.processes.iter().any(|p| p.app == "eventprobe")),
        _ => None,
    };
    let first = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.unwrap().unwrap();
    assert_eq!(has_probe(&first), Some(false), "the first look, before the container");
    let _ = engine(&lab, &["rm", "-f", "eventprobe-web"]);
    engine(&lab, &["run", "-d", "--name", "eventprobe-web", "--label", "fleet.app=eventprobe", "fleet-app:lab", "sleep", "120"]);
    let seen = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(ev) = rx.recv().await {
            if has_probe(&ev) == Some(true) {
                return;
            }
        }
    })
    .await;
    engine(&lab, &["rm", "-f", "eventprobe-web"]);
    assert!(seen.is_ok(), "the new container was shown within 15 s, long before the 10-minute refresh");
}

#[test]
fn a_forward_reaches_the_container_that_exposes_the_port() {
    let lab = lab();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut child = lab
        .command(&["forward", "notes", &format!("{port}:8000"), "--host", "lab-2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let answer = loop {
        // web exposes 8000; console and the others, which run first, do not.
        let got = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
            use std::io::{Read, Write};
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            s.write_all(b"GET / HTTP/1.0\r\nHost: notes\r\n\r\n")?;
            let mut buf = String::new();
            s.read_to_string(&mut buf)?;
            Ok(buf)
        });
        match got {
            Ok(text) if !text.is_empty() => break text,
            _ if Instant::now() > deadline => break String::new(),
            _ => std::thread::sleep(Duration::from_millis(300)),
        }
    };
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(answer.starts_with("HTTP/1.0 200"), "web answered through the forward: {answer:?}\n{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_log_driver_that_cannot_be_read_back_is_said_not_silent() {
    let lab = lab();
    let _ = engine(&lab, &["ps", "-q"]);
    let _ =
        Command::new("docker").arg("-H").arg(format!("unix://{}", lab.dir.join(ENGINE).display())).args(["rm", "-f", "nolog-web"]).output();
    engine(
        &lab,
        &[
            "run",
            "-d",
            "--init",
            "--name",
            "nolog-web",
            "--log-driver",
            "none",
            "--label",
            "fleet.app=nolog",
            "fleet-app:lab",
            "sleep",
            "120",
        ],
    );
    let out = lab.command(&["logs", "nolog", "--host", "lab-2", "--json"]).output().unwrap();
    engine(&lab, &["rm", "-f", "nolog-web"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["stream"], "fleet", "marked as fleet's own line: {lines:?}");
    assert!(
        lines[0]["message"].as_str().unwrap().contains("nolog-web: logs go to the none log driver, which the engine cannot read back"),
        "{lines:?}"
    );
}
