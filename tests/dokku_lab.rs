//! Dokku on lab-2, against the stand-in `dokku` (no real Dokku can be installed here; see
//! fixtures/dokku/README.md) and real containers it deploys on lab-2's engine as Dokku's
//! scheduler names and labels them: blog's dynos beside lab-2's compose services and systemd
//! units, an app never deployed still a row, deploy leftovers and `dokku run` containers not
//! processes; config masked, set and unset through `dokku config:set --encoded` and deployed by
//! `ps:restart`; restart of one process type; logs and run through the dynos; both the 0.38 and
//! the 0.37 app list.

mod common;

use std::process::Command;

use common::dokku::{app, changing, cids, dokku};
use common::lab::Lab;
use serde_json::Value;

fn lab() -> Lab {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2\"]\n");
    lab
}

#[test]
fn dokku_apps_beside_compose_services_and_units() {
    let _g = changing();
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let blog = app(&v, "blog");
    assert_eq!(blog["formation"], serde_json::json!([["web", 2], ["worker", 1]]), "{blog}");
    let sources: Vec<&str> = blog["processes"].as_array().unwrap().iter().map(|p| p["source"].as_str().unwrap()).collect();
    // Not blog.web.1.upcoming-4242 (a deploy's leftover) nor blog.run.7001 (`dokku run`).
    assert_eq!(sources, ["blog.web.1", "blog.web.2", "blog.worker.1"]);
    assert!(blog["processes"].as_array().unwrap().iter().all(|p| p["platform"] == "dokku" && p["state"] == "running"), "{blog}");
    // Created, never deployed: still a row, saying so.
    let api = app(&v, "api");
    let row = &api["processes"][0];
    assert_eq!((row["state"].as_str(), row["source"].as_str()), (Some("stopped"), Some("api")), "{api}");
    assert!(row["why"].as_str().unwrap().contains("nothing deployed yet"), "{api}");
    // The compose app and the systemd units of the same droplet, from the same refresh.
    assert!(app(&v, "notes")["processes"].as_array().unwrap().iter().any(|p| p["platform"] == "docker"));
    assert!(app(&v, "shop")["processes"].as_array().unwrap().iter().any(|p| p["platform"] == "systemd" && p["host"] == "lab-2"));
    let (_, hosts, _) = lab.fleet_json(&["hosts", "--json"]);
    assert_eq!(hosts[0]["platform_notes"], serde_json::json!([]), "{hosts}");
}

#[test]
fn config_is_masked_and_changed_through_dokku() {
    let _g = changing();
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["config", "blog", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let key = v.as_array().unwrap().iter().find(|r| r["key"] == "SECRET_KEY_BASE").unwrap_or_else(|| panic!("{v}"));
    assert!(key["masked"] == true && !key.to_string().contains("blog-not-a-secret"), "{key}");
    // A value with spaces, quotes and shell syntax reaches Dokku as it is (base64, --encoded),
    // then ps:restart deploys it: the dynos are new containers with it.
    let before = cids();
    let value = r#"it's "quoted"; $(touch /tmp/pwned) `id`"#;
    let out = lab.fleet(&["config:set", "blog", &format!("GREETING={value}"), "API_TOKEN=t0p s3cret"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("t0p s3cret"), "secrets stay masked: {text}");
    let exported: Value = serde_json::from_str(&dokku("config:export blog --format json")).unwrap();
    assert_eq!((exported["GREETING"].as_str(), exported["API_TOKEN"].as_str()), (Some(value), Some("t0p s3cret")));
    let after = cids();
    assert!(before.iter().all(|(k, id)| after.get(k) != Some(id)), "every dyno was deployed anew: {before:?} {after:?}");
    let out = lab.fleet(&["run", "blog", "-p", "web", "--", "printenv", "GREETING"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{value}\n"), "{}", String::from_utf8_lossy(&out.stderr));
    let pwned = Command::new("docker").args(["exec", "lab-2", "test", "-e", "/tmp/pwned"]).status().unwrap();
    assert!(!pwned.success(), "nothing in the value was run");
    // The audit log names the keys, never the values.
    let audit = common::lab::read(&lab.scratch.path().join(".local/state/fleet/audit.jsonl"));
    assert!(
        audit.contains("dokku config:set --no-restart --encoded blog GREETING=… API_TOKEN=…")
            && audit.contains("dokku ps:restart blog web"),
        "{audit}"
    );
    assert!(!audit.contains("t0p s3cret"), "{audit}");

    let out = lab.fleet(&["config:unset", "blog", "GREETING", "API_TOKEN"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let exported: Value = serde_json::from_str(&dokku("config:export blog --format json")).unwrap();
    assert!(exported.get("GREETING").is_none() && exported["SECRET_KEY_BASE"] == "blog-not-a-secret", "{exported}");
    let out = lab.fleet(&["run", "blog", "-p", "web", "--", "printenv", "GREETING"]);
    assert_eq!(out.status.code(), Some(1), "gone from the new dynos");
}

#[test]
fn restart_of_one_process_type_goes_through_dokku() {
    let _g = changing();
    let lab = lab();
    let before = cids();
    let out = lab.fleet(&["restart", "blog", "-p", "worker", "--yes"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    let after = cids();
    assert_ne!(after["status-worker-1"], before["status-worker-1"], "the worker is a new container");
    assert_eq!(after["status-web-1"], before["status-web-1"], "web was not touched");
    assert!(text.contains("blog.worker.1"), "{text}");
    // Not deployed: Dokku's own refusal, exit 1.
    let out = lab.fleet(&["restart", "api", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("api has not been deployed"), "{}", String::from_utf8_lossy(&out.stderr));
    // No rollback on Dokku, and fleet says why instead of doing something else.
    let out = lab.fleet(&["rollback", "blog", "--yes"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Dokku keeps no release"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn logs_and_run_go_through_the_dynos() {
    let _g = changing();
    let lab = lab();
    // Worker lines are on stderr, three a second; web's on stdout every 2 s.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let out = lab.command(&["logs", "blog", "-n", "200", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let sources: std::collections::BTreeSet<&str> = lines.iter().map(|l| l["source"].as_str().unwrap()).collect();
    assert!(sources.contains("blog.worker.1") && sources.iter().any(|s| s.starts_with("blog.web.")), "{sources:?}");
    assert!(lines.iter().any(|l| l["stream"] == "stderr" && l["message"].as_str().unwrap().starts_with("job ")), "{lines:?}");
    // Shown to a person as Dokku prints them: each dyno by its name.
    let out = lab.command(&["logs", "blog", "-p", "web", "-n", "40", "--no-color"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(" blog[web.1@lab-2]: GET /posts/") && text.contains(" blog[web.2@lab-2]: GET /posts/"), "{text}");
    let out = lab.fleet(&["run", "blog", "-p", "web", "--", "sh", "-c", "echo $DYNO $PORT; exit 4"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "web.1 5000\n");
}

#[test]
fn dokku_0_37_lists_apps_as_text() {
    let _g = changing();
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = Command::new("docker").args(["exec", "lab-2", "sh", "-c", "echo 0.38.21 >/var/lib/dokku-standin/VERSION"]).status();
        }
    }
    let _restore = Restore;
    let set = Command::new("docker").args(["exec", "lab-2", "sh", "-c", "echo 0.37.4 >/var/lib/dokku-standin/VERSION"]).status().unwrap();
    assert!(set.success());
    // 0.37 has no `apps:list --format json`: the stand-in prints the text list then, as Dokku did.
    assert!(dokku("apps:list --format json").starts_with("=====> My Apps"));
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(app(&v, "blog")["formation"], serde_json::json!([["web", 2], ["worker", 1]]));
    assert_eq!(app(&v, "api")["processes"][0]["state"], "stopped");
    // 0.37's certs:report keeps the `ssl-` prefix on its JSON keys: read the same.
    assert!(dokku("certs:report blog --format json").contains("\"ssl-expires-at\""));
    assert!(blog_certs(&lab).iter().any(|r| r["what"] == "blog.lab.test" && r["info"]["not_after"].is_string()));
}

#[test]
fn dokku_services_are_add_ons_of_the_apps_linked_to_them() {
    let lab = lab();
    let (code, v, stderr) = lab.fleet_json(&["addons", "--json", "--host", "lab-2"]);
    assert_eq!(code, Some(0), "{stderr}");
    let all = v["addons"].as_array().unwrap();
    let redis = all.iter().find(|a| a["unit"] == "dokku redis blog-cache").unwrap_or_else(|| panic!("dokku-redis's service: {v}"));
    assert_eq!((redis["kind"].as_str(), redis["state"].as_str()), (Some("redis"), Some("running")), "{redis}");
    assert_eq!(redis["used_by"], serde_json::json!([{"app": "blog", "key": "REDIS_URL"}]), "{redis}");
    // Once, as Dokku's: not also as a bare container of the Docker platform.
    assert!(!all.iter().any(|a| a["unit"] == "container dokku.redis.blog-cache"), "{v}");
}

/// blog's rows of `fleet certs --json` on lab-2.
fn blog_certs(lab: &Lab) -> Vec<Value> {
    let (code, v, stderr) = lab.fleet_json(&["certs", "--json", "--host", "lab-2"]);
    assert!(code == Some(0) || code == Some(1), "{stderr}");
    v.as_array().unwrap_or_else(|| panic!("{v}")).iter().filter(|r| r["source"]["kind"] == "dokku").cloned().collect()
}

#[test]
fn certificates_and_domains_from_dokkus_reports() {
    let _g = changing();
    let lab = lab();
    let rows = blog_certs(&lab);
    let cert = rows.iter().find(|r| r["what"] == "blog.lab.test").unwrap_or_else(|| panic!("{rows:?}"));
    // The lab's certificate is 120 days from when lab-2 was provisioned.
    let real = Command::new("docker")
        .args(["exec", "lab-2", "openssl", "x509", "-in", "/home/dokku/blog/tls/server.crt", "-noout", "-enddate"])
        .output()
        .unwrap();
    let end = String::from_utf8_lossy(&real.stdout).trim().trim_start_matches("notAfter=").to_string();
    let not_after: jiff::Timestamp = cert["info"]["not_after"].as_str().unwrap().parse().unwrap();
    assert_eq!(not_after.strftime("%b %e %H:%M:%S %Y GMT").to_string(), end, "{cert}");
    assert_eq!(cert["note"], "self-signed", "{cert}");
    // A domain of the app no certificate covers is said, not left out.
    let www = rows.iter().find(|r| r["what"] == "www.blog.lab.test").unwrap_or_else(|| panic!("{rows:?}"));
    assert!(www["note"].as_str().unwrap().contains("plain http"), "{www}");
    assert!(!rows.iter().any(|r| r["what"] == "api"), "api has no domain and no certificate: {rows:?}");
}

#[test]
fn rebuild_is_dokkus_own_and_separately_confirmed() {
    let _g = changing();
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2\"]\n");
    let builds =
        || serde_json::from_str::<Value>(&on_lab2("cat /var/lib/dokku-standin/apps/blog.json")).unwrap()["builds"].as_u64().unwrap_or(0);
    let (before, cids_before) = (builds(), cids());
    // Without --yes and no terminal to ask on: nothing is done.
    let out = lab.fleet(&["rebuild", "blog"]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(builds(), before, "not confirmed, not built");
    let out = lab.fleet(&["rebuild", "blog", "--yes"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("dokku ps:rebuild blog") && err.contains("blog: rebuilt on 1 host(s)"), "{err}");
    assert_eq!(builds(), before + 1);
    let after = cids();
    assert!(cids_before.iter().all(|(k, id)| after.get(k) != Some(id)), "every dyno is from the new build");
    let audit = common::lab::read(&lab.scratch.path().join(".local/state/fleet/audit.jsonl"));
    assert!(audit.lines().any(|l| l.contains("\"rebuild\"") && l.contains("dokku ps:rebuild blog")), "{audit}");
    // Not Dokku's app: said why, nothing done.
    let out = lab.fleet(&["rebuild", "shop", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a rebuild from source is Dokku's"), "{}", String::from_utf8_lossy(&out.stderr));
}

fn on_lab2(script: &str) -> String {
    let out = Command::new("docker").args(["exec", "lab-2", "sh", "-c", script]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn lets_encrypt_without_its_renewal_cron_job_is_said() {
    let _g = changing();
    struct Cleanup;
    impl Drop for Cleanup {
        fn drop(&mut self) {
            on_lab2("rm -rf /var/lib/dokku-standin/plugins /var/lib/dokku-standin/letsencrypt /var/spool/cron/crontabs/dokku");
        }
    }
    let _cleanup = Cleanup;
    // dokku-letsencrypt installed and active for blog, but its cron job never added.
    on_lab2(
        "mkdir -p /var/lib/dokku-standin/plugins /var/lib/dokku-standin/letsencrypt && touch /var/lib/dokku-standin/plugins/letsencrypt /var/lib/dokku-standin/letsencrypt/blog",
    );
    let lab = lab();
    let note = |lab: &Lab| {
        let rows = blog_certs(lab);
        rows.iter()
            .find(|r| r["what"] == "blog.lab.test")
            .and_then(|r| r["note"].as_str().map(String::from))
            .unwrap_or_else(|| panic!("{rows:?}"))
    };
    assert!(note(&lab).contains("no auto-renew cron job"), "{}", note(&lab));
    // What `letsencrypt:cron-job --add` puts in the dokku user's crontab.
    on_lab2(
        "mkdir -p /var/spool/cron/crontabs && echo '@daily dokku letsencrypt:auto-renew &>> /var/log/dokku/letsencrypt.log' >/var/spool/cron/crontabs/dokku",
    );
    assert!(note(&lab).contains("renewed by dokku-letsencrypt's daily cron job"), "{}", note(&lab));
}
