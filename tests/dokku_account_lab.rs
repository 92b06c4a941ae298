//! Dokku on lab-2 reached as Dokku's own `dokku` user (`lab-2-dokku`: `User dokku` in the
//! lab's ssh config), whose every login runs the stand-in through the forced command Dokku's
//! sshcommand writes into authorized_keys (see tests/lab/provision.sh): no shell, no Docker
//! socket, no port forwarding. Apps and dynos from `ps:report`, config through `config:set
//! --encoded` (plain words only), restarts through `ps:restart`, logs through `dokku logs`
//! (history, follow across a deploy), run and shell through `dokku enter`, add-ons and
//! certificates through the plugins' own commands; and what this login cannot do, said.
//! Also fleet.toml's `platforms = [...]` on the root login.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::dokku::{app, changing, cids, dokku};
use common::lab::Lab;
use serde_json::Value;

fn lab() -> Lab {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2-dokku\"]\n");
    lab
}

fn said(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn the_forced_command_is_dokkus_and_nothing_else() {
    // The lab's own check that the login is what Dokku makes it: no shell behind it.
    let out =
        Command::new("ssh").args(["-F", &Lab::get().ssh_config().display().to_string(), "lab-2-dokku", "version;", "id"]).output().unwrap();
    let text = said(&out);
    assert!(text.contains("`version;` is not a dokku command"), "{text}");
    assert!(!text.contains("uid="), "no shell ran `id`: {text}");
}

#[test]
fn apps_and_dynos_come_from_dokkus_reports() {
    let _g = changing();
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let blog = app(&v, "blog");
    assert_eq!(blog["formation"], serde_json::json!([["web", 2], ["worker", 1]]), "{blog}");
    let sources: Vec<&str> = blog["processes"].as_array().unwrap().iter().map(|p| p["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["blog.web.1", "blog.web.2", "blog.worker.1"], "{blog}");
    assert!(
        blog["processes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["platform"] == "dokku" && p["state"] == "running" && p["host"] == "lab-2-dokku"),
        "{blog}"
    );
    // ps:inspect's start and PID of each dyno, as the Docker platform reads them.
    assert!(blog["processes"].as_array().unwrap().iter().all(|p| p["since"].is_string() && p["pid"].as_u64().is_some()), "{blog}");
    let api = app(&v, "api");
    assert_eq!(api["processes"][0]["state"], "stopped", "{api}");
    assert!(api["processes"][0]["why"].as_str().unwrap().contains("nothing deployed yet"), "{api}");
    // Only Dokku's apps: the compose project and the units of lab-2 are out of this login's reach.
    let names: Vec<&str> = v["apps"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["api", "blog"], "{v}");
    let (_, hosts, _) = lab.fleet_json(&["hosts", "--json"]);
    let note = hosts[0].to_string();
    assert!(hosts[0]["error"].is_null() && note.contains("reached as the dokku user (Dokku 0.38.21)"), "{hosts}");
}

#[test]
fn what_the_dokku_user_cannot_do_is_said() {
    let lab = lab();
    let out = lab.fleet(&["forward", "blog", "18093:5000"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(said(&out).contains("allows no port forwarding: reach the host as root"), "{}", said(&out));
    let out = lab.fleet(&["metrics", "lab-2-dokku"]);
    assert!(said(&out).contains("no host metrics as the dokku user"), "{}", said(&out));
    let out = lab.fleet(&["rollback", "blog", "--yes"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(said(&out).contains("Dokku keeps no release"), "{}", said(&out));
    // An argument the forced command would split or glob: refused here, not mangled there.
    let out = lab.fleet(&["run", "blog", "-p", "web", "--", "sh", "-c", "echo a; echo b"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(said(&out).contains("cannot be sent as the dokku user"), "{}", said(&out));
}

#[test]
fn config_is_masked_and_changed_through_dokku() {
    let _g = changing();
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["config", "blog", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let key = v.as_array().unwrap().iter().find(|r| r["key"] == "SECRET_KEY_BASE").unwrap_or_else(|| panic!("{v}"));
    assert!(key["masked"] == true && !key.to_string().contains("blog-not-a-secret"), "{key}");
    // Left by an earlier run that stopped halfway: the change below must be one.
    dokku("config:unset --no-restart blog GREETING API_TOKEN >/dev/null");
    // Spaces, quotes and shell syntax reach Dokku as they are: base64 is one plain word.
    let before = cids();
    let value = r#"it's "quoted"; $(touch /tmp/pwned-dokku) `id`"#;
    let out = lab.fleet(&["config:set", "blog", &format!("GREETING={value}"), "API_TOKEN=t0p s3cret"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(!said(&out).contains("t0p s3cret"), "secrets stay masked: {}", said(&out));
    let exported: Value = serde_json::from_str(&dokku("config:export blog --format json")).unwrap();
    assert_eq!((exported["GREETING"].as_str(), exported["API_TOKEN"].as_str()), (Some(value), Some("t0p s3cret")));
    let after = cids();
    assert!(before.iter().all(|(k, id)| after.get(k) != Some(id)), "every dyno was deployed anew: {before:?} {after:?}\n{}", said(&out));
    let out = lab.fleet(&["run", "blog", "-p", "web", "--", "printenv", "GREETING"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{value}\n"), "{}", said(&out));
    let pwned = Command::new("docker").args(["exec", "lab-2", "test", "-e", "/tmp/pwned-dokku"]).status().unwrap();
    assert!(!pwned.success(), "nothing in the value was run");
    let audit = common::lab::read(&lab.scratch.path().join(".local/state/fleet/audit.jsonl"));
    assert!(audit.contains("ssh dokku@HOST config:set --no-restart --encoded blog GREETING=… API_TOKEN=…"), "{audit}");
    assert!(!audit.contains("t0p s3cret"), "{audit}");

    let out = lab.fleet(&["config:unset", "blog", "GREETING", "API_TOKEN"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let exported: Value = serde_json::from_str(&dokku("config:export blog --format json")).unwrap();
    assert!(exported.get("GREETING").is_none() && exported["SECRET_KEY_BASE"] == "blog-not-a-secret", "{exported}");
}

#[test]
fn restart_and_run_go_through_dokku() {
    let _g = changing();
    let lab = lab();
    let before = cids();
    let out = lab.fleet(&["restart", "blog", "-p", "worker", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let after = cids();
    assert_ne!(after["status-worker-1"], before["status-worker-1"], "the worker is a new container");
    assert_eq!(after["status-web-1"], before["status-web-1"], "web was not touched");
    let out = lab.fleet(&["restart", "api", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(said(&out).contains("api has not been deployed"), "{}", said(&out));
    // `dokku enter blog web.1 …`: the dyno's env, and the command's exit status.
    let out = lab.fleet(&["run", "blog", "-p", "web", "--", "printenv", "DYNO", "PORT"]);
    assert_eq!((out.status.code(), String::from_utf8_lossy(&out.stdout).as_ref()), (Some(0), "web.1\n5000\n"), "{}", said(&out));
    let out = lab.fleet(&["run", "blog", "-p", "web", "--", "ls", "/no-such-dir"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
}

/// One `fleet logs … -f --json` line.
fn follow_line(line: &str) -> (String, String, String) {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    (v["source"].as_str().unwrap_or_default().into(), v["ts"].to_string(), v["message"].as_str().unwrap_or_default().into())
}

#[test]
fn logs_come_from_dokku_logs_and_follow_across_a_deploy() {
    let _g = changing();
    let lab = lab();
    // Worker lines three a second, web's every 2 s.
    std::thread::sleep(Duration::from_secs(3));
    let out = lab.command(&["logs", "blog", "-n", "200", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let sources: std::collections::BTreeSet<&str> = lines.iter().map(|l| l["source"].as_str().unwrap()).collect();
    assert!(sources.contains("blog.worker.1") && sources.iter().any(|s| s.starts_with("blog.web.")), "{sources:?}");
    assert!(lines.iter().any(|l| l["message"].as_str().unwrap().starts_with("job ")), "{lines:?}");
    assert!(lines.len() <= 200 && lines.windows(2).all(|w| w[0]["ts"].as_str() <= w[1]["ts"].as_str()), "oldest first");
    // Shown as Dokku prints them: the dyno by its name.
    let out = lab.command(&["logs", "blog", "-p", "web", "-n", "40", "--no-color"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(" blog[web.1@lab-2-dokku]: GET /posts/") && text.contains(" blog[web.2@lab-2-dokku]: GET /posts/"), "{text}");

    // Following the worker while Dokku deploys it anew: the old dyno's stream ends, fleet
    // asks again, and the new container's lines follow, with nothing handed out twice.
    let mut child = lab
        .command(&["logs", "blog", "-p", "worker", "-f", "-n", "5", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen: Vec<(String, String, String)> = Vec::new();
    let mut restarted = false;
    let mut after_restart = 0;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) && after_restart < 5 {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) else { continue };
        let l = follow_line(&line);
        if restarted && l.2 == "job 1 done" {
            after_restart = 1;
        } else if after_restart > 0 && l.2.starts_with("job ") {
            after_restart += 1;
        }
        seen.push(l);
        if !restarted && seen.len() >= 10 {
            dokku("ps:restart blog worker >/dev/null");
            restarted = true;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(restarted, "the follow gave lines before the restart: {seen:?}");
    assert!(after_restart >= 5, "the new worker's lines came after the deploy: {seen:?}");
    let mut keys: Vec<&(String, String, String)> = seen.iter().filter(|l| !l.0.is_empty()).collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "no line twice: {seen:?}");
}

#[test]
fn add_ons_and_certificates_through_the_plugins_commands() {
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["addons", "--json", "--host", "lab-2-dokku"]);
    assert_eq!(code, Some(0), "{stderr}");
    let all = v["addons"].as_array().unwrap();
    let redis = all.iter().find(|a| a["unit"] == "dokku redis blog-cache").unwrap_or_else(|| panic!("dokku-redis's service: {v}"));
    assert_eq!((redis["kind"].as_str(), redis["state"].as_str()), (Some("redis"), Some("running")), "{redis}");
    assert_eq!(redis["used_by"], serde_json::json!([{"app": "blog", "key": "REDIS_URL"}]), "{redis}");
    let (code, v, stderr) = lab.fleet_json(&["certs", "--json", "--host", "lab-2-dokku"]);
    assert!(code == Some(0) || code == Some(1), "{stderr}");
    let rows: Vec<&Value> = v.as_array().unwrap_or_else(|| panic!("{v}")).iter().filter(|r| r["source"]["kind"] == "dokku").collect();
    assert!(rows.iter().any(|r| r["what"] == "blog.lab.test" && r["info"]["not_after"].is_string()), "{v}");
}

#[test]
fn fleet_toml_platforms_limit_what_is_looked_for_and_say_what_is_missing() {
    let lab = Lab::get();
    lab.write_fleet_toml(
        "local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n\
         [[hosts]]\nname = \"lab-2\"\nplatforms = [\"dokku\"]\n\
         [[hosts]]\nname = \"lab-1\"\nplatforms = [\"systemd\", \"dokku\"]\n",
    );
    let (code, v, stderr) = lab.fleet_json(&["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let on = |host: &str| -> Vec<String> {
        let mut platforms: Vec<String> = v["apps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["processes"].as_array().unwrap().iter())
            .filter(|p| p["host"] == host)
            .map(|p| p["platform"].as_str().unwrap().to_string())
            .collect();
        platforms.sort();
        platforms.dedup();
        platforms
    };
    assert_eq!(on("lab-2"), ["dokku"], "{v}");
    assert_eq!(on("lab-1"), ["systemd"], "{v}");
    let (_, hosts, _) = lab.fleet_json(&["hosts", "--json"]);
    let lab1 = hosts.as_array().unwrap().iter().find(|h| h["host"] == "lab-1").unwrap_or_else(|| panic!("{hosts}"));
    assert!(lab1.to_string().contains("fleet.toml says lab-1 runs dokku"), "{lab1}");
}
