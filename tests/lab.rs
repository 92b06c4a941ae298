//! Against the real lab droplets: discovery, host keys, and a down host.

mod common;

use std::io::Read;
use std::net::TcpListener;

use common::lab::{Lab, read};
use futures::StreamExt;
use serde_json::Value;

fn app<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["apps"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap_or_else(|| panic!("no app {name} in {v}"))
}

#[test]
fn discovery_finds_exactly_the_sample_apps() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let (code, v, stderr) = lab.fleet_json(&["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let names: Vec<&str> = v["apps"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    // Not acme (a vendor unit), not redis-server, postgresql@15-main or systemd-*.
    // ticker counts for the log tests; flood is installed but never started, so not loaded;
    // relay restart-loops (fleet check's planted problems); notes is compose services on lab-2's
    // engine and a unit on lab-1 (tests/docker_lab.rs); pay is lab-1's supervisord group
    // (tests/supervisor_lab.rs); blog and api are Dokku's on lab-2 (tests/dokku_lab.rs), api
    // never deployed.
    assert_eq!(names, ["api", "billing", "blog", "ledger", "notes", "pay", "relay", "shop", "ticker"]);

    let shop = app(&v, "shop");
    assert_eq!(shop["formation"], serde_json::json!([["web", 2], ["worker", 2], ["clock", 1]]));
    assert_eq!(shop["hosts"], serde_json::json!(["lab-1", "lab-2"]));
    assert_eq!(shop["health"], "up");
    for p in shop["processes"].as_array().unwrap() {
        assert_eq!(p["state"], "running", "{p}");
        assert!(p["pid"].as_u64().unwrap() > 1);
        assert_eq!(p["user"], "shop");
        assert!(p["since"].is_string());
    }

    let ledger = app(&v, "ledger");
    assert_eq!(ledger["health"], "down");
    assert_eq!(ledger["processes"][0]["state"], "failed");
    assert_eq!(ledger["processes"][0]["source"], "ledger-web.service");
    // And why, as Heroku says it: how it ended, and its last words.
    assert_eq!(ledger["processes"][0]["why"], "crashed (exit 1): ledger: could not connect to the database", "{ledger}");
    assert!(shop["processes"].as_array().unwrap().iter().all(|p| p.get("why").is_none()), "a running process has no why");
    let out = lab.fleet(&["apps"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("web@lab-1 failed: crashed (exit 1): ledger: could not connect to the database"), "{text}");

    // ticker-web runs but nothing listens on its PORT: running is not the same as serving.
    let ticker = app(&v, "ticker");
    assert_eq!(ticker["health"], "degraded", "{ticker}");
    assert_eq!(ticker["processes"][0]["state"], "running");
    assert_eq!(ticker["processes"][0]["warning"], "nothing listens on its PORT 8083", "{ticker}");
    assert!(text.contains("web@lab-2 running: nothing listens on its PORT 8083"), "{text}");
    assert!(shop["processes"].as_array().unwrap().iter().all(|p| p.get("warning").is_none()), "shop-web listens on 8080");

    // ledger-report is a scheduled job: ledger-report.timer starts it, and its last run failed.
    let report = ledger["processes"].as_array().unwrap().iter().find(|p| p["process"] == "report").unwrap_or_else(|| panic!("{ledger}"));
    let s = &report["schedule"];
    assert_eq!(
        (s["scheduler"].as_str(), s["enabled"].as_bool(), s["last_ok"].as_bool()),
        (Some("ledger-report.timer"), Some(true), Some(false)),
        "{report}"
    );
    assert!(s["spec"].as_str().unwrap().contains("OnCalendar=*-*-* 04:00:00"), "{report}");
    assert!(s["last_run"].is_string() && s["next_run"].is_string(), "{report}");
    assert_eq!(s["last_result"], "crashed (exit 1)", "{report}");
    assert!(report["detail"].as_str().unwrap().ends_with("ledger-report.timer · last run failed"), "{report}");
    // relay-worker dies and is restarted, over and over: systemd counts it.
    let relay = app(&v, "relay");
    assert!(relay["processes"][0]["restarts"].as_u64().unwrap() >= 1, "{relay}");

    let billing = app(&v, "billing");
    assert_eq!(billing["formation"], serde_json::json!([["web", 1], ["worker", 1]]));
    assert_eq!(billing["processes"][0]["source"], "billing@web.service");
    assert!(v["errors"].as_array().unwrap().is_empty());
}

#[test]
fn hosts_reports_facts_and_the_down_host_with_exit_1() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\", \"lab-down\"]\n");
    let (code, v, _) = lab.fleet_json(&["hosts", "--json"]);
    assert_eq!(code, Some(1), "a host failed: exit 1, the rest still printed");
    let hosts = v.as_array().unwrap();
    assert_eq!(hosts.len(), 3);
    let l1 = &hosts[0];
    assert_eq!(l1["host"], "lab-1");
    assert_eq!(l1["reachable"], true);
    assert_eq!(l1["os"], "Debian GNU/Linux 12 (bookworm)");
    assert_eq!(l1["systemd_version"], 252);
    assert!(l1["uptime_secs"].as_u64().is_some());
    let down = &hosts[2];
    assert_eq!(down["host"], "lab-down");
    assert_eq!(down["reachable"], false);
    assert_eq!(down["error_kind"], "unreachable");
    assert!(down["error"].as_str().unwrap().contains("connection refused"), "{down}");

    // The table form says the same, and names the failing host on stderr for `apps`.
    let out = lab.fleet(&["apps"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("shop") && stdout.contains("web×2 worker×2 clock×1"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("fleet: lab-down: connection refused"));
}

const OTHER_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsXdGHa3JHUR6cbDKa0MqRtq2eGsjmgVTYKvGPwIIg6";

#[test]
fn a_changed_host_key_is_always_refused() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let real = read(&lab.known_hosts());
    let lab2_line = real.lines().find(|l| l.starts_with("[127.0.0.1]:2202")).unwrap();
    let planted = format!("# fleet test\n# line 2\n[127.0.0.1]:2201 {OTHER_KEY}\n{lab2_line}\n");
    std::fs::write(lab.known_hosts(), &planted).unwrap();
    for flags in [&["hosts", "--json"][..], &["hosts", "--json", "--accept-new-host-keys"][..]] {
        let (code, v, _) = lab.fleet_json(flags);
        assert_eq!(code, Some(1));
        let h = &v[0];
        assert_eq!(h["host"], "lab-1");
        assert_eq!(h["error_kind"], "host_key");
        let msg = h["error"].as_str().unwrap();
        let at = format!("host key changed — see {}:3", lab.known_hosts().display());
        assert!(msg.contains(&at), "expected {at:?} in {msg}");
        assert!(msg.contains("SHA256:"), "names the offered fingerprint: {msg}");
        assert_eq!(v[1]["reachable"], true, "the other host is unaffected");
    }
    assert_eq!(read(&lab.known_hosts()), planted, "a changed key is never recorded, even with --accept-new-host-keys");
}

#[test]
fn an_unknown_host_key_is_refused_unless_accepted() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n");
    std::fs::write(lab.known_hosts(), "").unwrap();
    let (code, v, _) = lab.fleet_json(&["hosts", "--json"]);
    assert_eq!(code, Some(1));
    assert_eq!(v[0]["error_kind"], "host_key");
    assert!(v[0]["error"].as_str().unwrap().contains("unknown host key SHA256:"), "{}", v[0]);
    assert_eq!(read(&lab.known_hosts()), "", "nothing recorded without acceptance");

    let (code, v, _) = lab.fleet_json(&["hosts", "--json", "--accept-new-host-keys"]);
    assert_eq!(code, Some(0), "{v}");
    let recorded = read(&lab.known_hosts());
    assert!(recorded.starts_with("[127.0.0.1]:2201 ssh-ed25519 "), "{recorded:?}");

    // Once recorded, the key is known without the flag, and matches what the server offers.
    let (code, _, _) = lab.fleet_json(&["hosts", "--json"]);
    assert_eq!(code, Some(0));
}

#[tokio::test]
async fn a_slow_host_never_holds_back_the_others() {
    let lab = Lab::get();
    // A host that accepts TCP and then says nothing: the worst kind of down.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().take(4).flatten() {
            let mut s2 = s.try_clone().unwrap();
            std::thread::spawn(move || {
                let mut buf = [0u8; 256];
                let _ = s2.read(&mut buf);
            });
            held.push(s);
        }
    });
    lab.write_ssh_config(&format!("Host lab-silent\n  HostName 127.0.0.1\n  Port {port}\n  ConnectTimeout 3\n"));
    let config = fleet::config::FleetConfig {
        local: false,
        inventory: fleet::config::Inventory { include: vec!["lab-silent".into(), "lab-1".into(), "lab-2".into()], ..Default::default() },
        ..Default::default()
    };
    let (specs, _) = fleet::config::inventory::hosts(&config, &lab.ssh_config());
    assert_eq!(specs.iter().map(|s| s.id.0.as_str()).collect::<Vec<_>>(), ["lab-silent", "lab-1", "lab-2"]);
    let opts = fleet::runtime::BackendOptions {
        ssh_config: Some(lab.ssh_config()),
        policy: fleet::transport::ssh::UnknownKeyPolicy::Refuse,
        passphrase: None,
        kube: Default::default(),
    };
    let backends = fleet::runtime::build_backends(&specs, &opts);
    let results: Vec<_> = fleet::runtime::refresh_once(&backends, &config.convention).collect().await;
    let order: Vec<&str> = results.iter().map(|(h, _)| h.0.as_str()).collect();
    assert_eq!(order.last(), Some(&"lab-silent"), "the silent host is reported last: {order:?}");
    for (host, result) in &results[..2] {
        let report = result.as_ref().unwrap_or_else(|e| panic!("{host}: {e}"));
        assert!(report.processes.iter().any(|p| p.app == "shop"), "{host} found shop");
    }
    let err = results[2].1.as_ref().unwrap_err();
    assert_eq!(err.kind, fleet::model::HostErrorKind::Unreachable);
    assert!(err.message.contains("timed out after 3 s"), "{}", err.message);
}

#[test]
fn proxyjump_reaches_a_host_through_another() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2-via-jump\"]\n");
    let (code, v, stderr) = lab.fleet_json(&["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr} {v}");
    let shop = app(&v, "shop");
    assert_eq!(shop["hosts"], serde_json::json!(["lab-2-via-jump"]));
    assert_eq!(shop["formation"], serde_json::json!([["web", 1], ["worker", 1]]));
}

/// The TUI's accept path: the backend refuses an unknown key, reports its fingerprint, and after
/// the user accepts exactly that fingerprint, connects and records it. A different fingerprint
/// is never accepted.
#[tokio::test]
async fn accepting_a_fingerprint_records_exactly_that_key() {
    use fleet::model::{HostId, HostKind};
    use fleet::platform::Backend;
    use fleet::platform::machine::Machine;
    use fleet::transport::ssh::UnknownKeyPolicy;
    use fleet::transport::{SshTransport, Transport};

    let lab = Lab::get();
    std::fs::write(lab.known_hosts(), "").unwrap();
    let conv = fleet::config::Convention::default();
    let ssh = SshTransport::new(HostId("lab-1".into()), "lab-1".into(), Some(lab.ssh_config()), UnknownKeyPolicy::Refuse, None);
    let backend = Machine::new(HostKind::Ssh, Transport::Ssh(ssh), &[]);
    let err = backend.refresh(&conv).await.unwrap_err();
    let fp = err.unknown_key.clone().expect("the error carries the fingerprint to accept");
    assert!(fp.starts_with("SHA256:"));

    backend.accept_fingerprint("SHA256:not-the-servers-key".into());
    assert!(backend.refresh(&conv).await.unwrap_err().unknown_key.is_some(), "a wrong fingerprint is refused");
    assert_eq!(read(&lab.known_hosts()), "");

    backend.accept_fingerprint(fp);
    let report = backend.refresh(&conv).await.expect("connects after acceptance");
    assert!(report.processes.iter().any(|p| p.source == "shop-clock.service"));
    assert!(read(&lab.known_hosts()).starts_with("[127.0.0.1]:2201 ssh-ed25519 "));
}

/// More commands at once than sshd allows sessions on one connection (MaxSessions, 10 by
/// default): the ones turned away wait their turn; every one runs, none is an error.
#[tokio::test]
async fn more_commands_than_sshd_allows_sessions_all_run() {
    use fleet::model::HostId;
    use fleet::transport::ssh::UnknownKeyPolicy;
    use fleet::transport::{SshTransport, Transport};

    let lab = Lab::get();
    let ssh = SshTransport::new(HostId("lab-1".into()), "lab-1".into(), Some(lab.ssh_config()), UnknownKeyPolicy::Refuse, None);
    let t = Transport::Ssh(ssh);
    let runs = (0..25).map(|i| {
        let t = &t;
        async move { t.exec(&format!("sleep 1; echo {i}")).await }
    });
    let outs = futures::future::join_all(runs).await;
    for (i, out) in outs.iter().enumerate() {
        let out = out.as_ref().unwrap_or_else(|e| panic!("command {i}: {e}"));
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{i}\n"));
    }
}

/// Zero config with a HOME that is not the passwd home (sudo -E, containers, CI): fleet lists
/// the aliases of $HOME/.ssh/config, so it must resolve them through that file and check keys
/// against $HOME/.ssh/known_hosts — OpenSSH alone would read the passwd home's. The host-key
/// question names the file it will write.
#[test]
fn zero_config_uses_the_ssh_files_of_home() {
    let lab = Lab::get();
    let home = lab.scratch.path().join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let key = lab.dir.join("id_ed25519");
    std::fs::write(
        home.join(".ssh/config"),
        format!("Host lab-1\n  HostName 127.0.0.1\n  Port 2201\n  User root\n  IdentityFile {}\n  IdentitiesOnly yes\n", key.display()),
    )
    .unwrap();
    std::fs::copy(lab.dir.join("known_hosts"), home.join(".ssh/known_hosts")).unwrap();
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleet"))
            .args(["--no-local", "--no-clusters", "apps", "--json"])
            .env("HOME", &home)
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("FLEET_CONFIG")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_CACHE_HOME")
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code(), v, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, v, stderr) = run();
    assert_eq!(code, Some(0), "{stderr} {v}");
    assert_eq!(app(&v, "shop")["hosts"], serde_json::json!(["lab-1"]));
    // An unknown key: the error says which known_hosts accepting it writes.
    std::fs::write(home.join(".ssh/known_hosts"), "").unwrap();
    let (code, v, _) = run();
    assert_eq!(code, Some(1));
    let err = &v["errors"][0];
    assert!(err["unknown_key"].as_str().unwrap_or("").starts_with("SHA256:"), "{v}");
    assert_eq!(err["known_hosts"], home.join(".ssh/known_hosts").display().to_string(), "{v}");
}

/// `fleet logs nosuch` exited 1 when some host was down: an unknown app is a usage error (2),
/// and the message says which hosts could not be asked.
#[test]
fn an_unknown_app_is_a_usage_error_even_with_a_host_down() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-down\"]\n");
    for args in [&["logs", "nosuch"][..], &["restart", "nosuch", "--yes"], &["config", "nosuch"], &["run", "nosuch", "--", "true"]] {
        let out = lab.fleet(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("no app \"nosuch\"") && stderr.contains("1 host(s) did not answer"), "{args:?}: {stderr}");
    }
}

/// What systemd recorded about an app, as its activity: relay-worker's loop of exits, failures
/// and scheduled restarts, newest first, with systemd's own words.
#[test]
fn activity_reads_systemds_record_of_the_units() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2\"]\n");
    let (code, v, stderr) = lab.fleet_json(&["activity", "relay", "--json", "-n", "12"]);
    assert_eq!(code, Some(0), "{stderr}");
    let entries = v.as_array().unwrap();
    assert_eq!(entries.len(), 12, "-n caps it: {v:#}");
    let whats: std::collections::BTreeSet<&str> = entries.iter().map(|e| e["what"].as_str().unwrap()).collect();
    for w in ["started", "exited", "failed", "restarting"] {
        assert!(whats.contains(w), "{w} in {whats:?}");
    }
    let restarting = entries.iter().find(|e| e["what"] == "restarting").unwrap();
    assert!(restarting["detail"].as_str().unwrap().starts_with("relay-worker.service: Scheduled restart job"), "{restarting}");
    assert_eq!(restarting["who"], "systemd");
    // --since narrows to what is newer.
    let (_, v, _) = lab.fleet_json(&["activity", "relay", "--json", "--since", "2030-01-01T00:00"]);
    assert_eq!(v, serde_json::json!([]));
}
