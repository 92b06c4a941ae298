//! Kubernetes clusters beside the lab's droplets, against the test API server
//! (tests/kube_api): the merged apps table, watched changes, RBAC and bad kubeconfigs as rows.

mod common;
#[path = "kube_api/mod.rs"]
mod kube_api;

use common::lab::Lab;
use kube_api::{ApiServer, Auth};

/// Writes the kubeconfig files and returns KUBECONFIG's value (files joined by ':').
fn kubeconfig(lab: &Lab, files: &[(&str, String)]) -> String {
    files
        .iter()
        .map(|(name, text)| {
            let p = lab.scratch.path().join(name);
            std::fs::write(&p, text).unwrap();
            p.display().to_string()
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// The real binary with this test's lab files and KUBECONFIG, stdin closed (no one answers a
/// confirmation).
fn fleet_cmd(lab: &Lab, kubeconfig: &str, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_fleet"));
    c.arg("--config")
        .arg(lab.fleet_toml())
        .arg("--ssh-config")
        .arg(lab.ssh_config())
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", lab.scratch.path())
        .stdin(std::process::Stdio::null());
    c
}

fn fleet_json(lab: &Lab, kubeconfig: &str, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = fleet_cmd(lab, kubeconfig, args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {stderr}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), v, stderr)
}

#[test]
fn clusters_and_droplets_share_one_apps_table() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let a = ApiServer::start("cluster-a.yaml");
    let b = ApiServer::start("cluster-b.yaml");
    let kc = kubeconfig(
        &lab,
        &[("a.yaml", a.kubeconfig("k3s-a", Auth::ClientCert)), ("b.yaml", b.kubeconfig("doks-b", Auth::Token("admin-token")))],
    );
    let (code, hosts, stderr) = fleet_json(&lab, &kc, &["hosts", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let names: Vec<&str> = hosts.as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(names, ["lab-1", "lab-2", "k3s-a", "doks-b"], "{hosts}");
    let k3s = hosts.as_array().unwrap().iter().find(|h| h["host"] == "k3s-a").unwrap();
    assert_eq!(k3s["os"], "Kubernetes v1.31.4+k3s1", "{k3s}");
    assert_eq!(k3s["kind"], "kube");

    let (code, apps, stderr) = fleet_json(&lab, &kc, &["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let app = |name: &str| {
        apps["apps"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap_or_else(|| panic!("no {name}: {apps}")).clone()
    };
    // shop runs on both droplets and on the DOKS cluster: one app.
    let shop = app("shop");
    let hosts: Vec<&str> = shop["hosts"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
    assert_eq!(hosts, ["doks-b", "lab-1", "lab-2"], "{shop}");
    let on_doks: Vec<&serde_json::Value> = shop["processes"].as_array().unwrap().iter().filter(|p| p["host"] == "doks-b").collect();
    assert_eq!(on_doks.len(), 3, "three pods of shop-web: {shop}");
    assert!(on_doks.iter().all(|p| p["process"] == "web" && p["state"] == "running" && p["workload"] == "deployment/default/shop-web"));
    assert!(on_doks[0]["detail"].as_str().unwrap().contains("3/3 ready"), "{}", on_doks[0]);
    // ledger on the k3s cluster: web (2 pods, one restarted 3 times), worker in a crash loop,
    // and the CronJob between runs.
    let ledger = app("ledger");
    let procs = ledger["processes"].as_array().unwrap();
    let of = |process: &str| procs.iter().filter(|p| p["process"] == process && p["host"] == "k3s-a").collect::<Vec<_>>();
    assert_eq!(of("web").len(), 2);
    assert!(
        procs.iter().any(|p| p["host"] == "lab-1" && p["source"] == "ledger-web.service"),
        "ledger is also lab-1's failing unit: one app"
    );
    assert!(of("web").iter().any(|p| p["restarts"] == 3 && p["detail"].as_str().unwrap().contains("node-2")));
    assert_eq!(of("worker")[0]["state"], "failed");
    assert!(of("worker")[0]["detail"].as_str().unwrap().contains("CrashLoopBackOff"));
    assert_eq!(of("report")[0]["state"], "stopped");
    assert!(of("report")[0]["detail"].as_str().unwrap().contains("0 6 * * *"));
    // Without the name label, the workload is the app.
    assert!(app("log-agent")["hosts"] == serde_json::json!(["doks-b"]));
    assert_eq!(app("redis")["processes"][0]["source"], "pod/prod/redis-0");
}

#[test]
fn rbac_unreachable_and_broken_kubeconfigs_are_rows() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n[kubernetes]\nnamespaces = [\"prod\", \"restricted\"]\n");
    let a = ApiServer::start("cluster-a.yaml");
    let gone = ApiServer::start("cluster-b.yaml");
    let gone_config = gone.kubeconfig("gone", Auth::ClientCert);
    drop(gone);
    let kc = kubeconfig(
        &lab,
        &[
            ("limited.yaml", a.kubeconfig("limited", Auth::Token("limited-token"))),
            ("bad-token.yaml", a.kubeconfig("bad-token", Auth::Token("nope"))),
            ("gone.yaml", gone_config),
            ("empty.yaml", String::new()),
            ("broken.yaml", "contexts: [unclosed".into()),
            ("missing.yaml", "x".into()),
        ],
    );
    std::fs::remove_file(lab.scratch.path().join("missing.yaml")).unwrap();
    let (code, hosts, stderr) = fleet_json(&lab, &kc, &["hosts", "--json"]);
    assert_eq!(code, Some(1), "some rows failed: {stderr}");
    let row = |name: &str| {
        hosts.as_array().unwrap().iter().find(|h| h["host"] == name).unwrap_or_else(|| panic!("no row {name}: {hosts}")).clone()
    };
    assert_eq!(row("lab-1")["reachable"], true, "the droplet is untouched by broken clusters");
    let limited = row("limited");
    assert_eq!(limited["reachable"], true, "prod is readable: {limited}");
    let note = limited["note"].as_str().unwrap_or_default();
    assert!(note.contains("restricted") && note.contains("403"), "{limited}");
    let error = |name: &str| row(name)["error"].as_str().unwrap_or_else(|| panic!("{name} has no error: {hosts}")).to_string();
    assert!(error("bad-token").contains("401"), "{}", row("bad-token"));
    assert_eq!(row("gone")["error_kind"], "unreachable", "{}", row("gone"));
    assert!(error("kubeconfig:empty.yaml").contains("empty"));
    assert!(error("kubeconfig:broken.yaml").contains("not a kubeconfig"));
    assert!(error("kubeconfig:missing.yaml").contains("No such file"));
    // The limited user still sees prod's apps.
    let (_, apps, _) = fleet_json(&lab, &kc, &["apps", "--json"]);
    assert!(apps["apps"].as_array().unwrap().iter().any(|a| a["name"] == "ledger"), "{apps}");
    assert!(!apps["apps"].as_array().unwrap().iter().any(|a| a["name"] == "vault"), "a forbidden namespace's app: {apps}");
}

fn fleet_out(lab: &Lab, kubeconfig: &str, args: &[&str]) -> std::process::Output {
    fleet_cmd(lab, kubeconfig, args).output().unwrap()
}

/// The lab (lab-1 in the inventory, with `extra` fleet.toml lines) and one test cluster whose
/// context is `context` (client certificate); returns KUBECONFIG's value too.
fn lab_and_cluster(fixture: &str, context: &str, extra: &str) -> (Lab, ApiServer, String) {
    let lab = Lab::get();
    lab.write_fleet_toml(&format!("local = false\n[inventory]\ninclude = [\"lab-1\"]\n{extra}"));
    let a = ApiServer::start(fixture);
    let kc = kubeconfig(&lab, &[("cluster.yaml", a.kubeconfig(context, Auth::ClientCert))]);
    (lab, a, kc)
}

/// The local port a running `fleet forward` says it listens on.
fn listening_port(child: &mut std::process::Child) -> u16 {
    use std::io::BufRead;
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "fleet forward ended");
        if let Some(rest) = line.split("forwarding ").nth(1) {
            return rest.split_whitespace().next().unwrap().rsplit(':').next().unwrap().parse::<u16>().unwrap();
        }
    }
}

fn fleet_child(lab: &Lab, kubeconfig: &str, args: &[&str]) -> std::process::Child {
    fleet_cmd(lab, kubeconfig, args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
}

/// A pod like `ledger-web-…-x2k4p`, for the "restarted" pod.
fn ledger_web_pod(name: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "prod", "uid": format!("uid-{name}"),
            "labels": {"app.kubernetes.io/name": "ledger", "app.kubernetes.io/component": "web", "app.kubernetes.io/instance": "ledger-web", "pod-template-hash": "7d9f8c6b5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "ledger-web-7d9f8c6b5", "uid": "x", "controller": true}]},
        "spec": {"nodeName": "node-3", "containers": [{"name": "ledger-web", "image": "ghcr.io/acme/ledger:1.4.2"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    })
}

#[test]
fn pod_logs_merge_with_a_droplets_and_survive_drops_and_restarts() {
    let (lab, a, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    // History: a few lines per pod, interleaved in time.
    let t0 = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60);
    a.with(|s| {
        for i in 0..6i64 {
            let pod = if i % 2 == 0 { "ledger-web-7d9f8c6b5-x2k4p" } else { "ledger-web-7d9f8c6b5-q8m3z" };
            s.log("prod", pod, t0 + jiff::SignedDuration::from_millis(100 * i), &format!("history {i}"));
        }
    });
    let out = fleet_out(&lab, &kc, &["logs", "ledger", "-n", "1000", "--json"]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let hosts: std::collections::BTreeSet<&str> = lines.iter().map(|l| l["host"].as_str().unwrap()).collect();
    assert_eq!(hosts.into_iter().collect::<Vec<_>>(), ["k3s-a", "lab-1"], "the droplet's ledger and the cluster's, merged");
    let k8s: Vec<&str> = lines.iter().filter(|l| l["host"] == "k3s-a").map(|l| l["message"].as_str().unwrap()).collect();
    assert_eq!(k8s, ["history 0", "history 1", "history 2", "history 3", "history 4", "history 5"]);
    // As times, not strings: RFC 3339 text of a whole second ("…:00Z") sorts after "…:00.5Z".
    let ts: Vec<jiff::Timestamp> = lines.iter().map(|l| l["ts"].as_str().unwrap().parse().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "one time order across hosts");
    assert_eq!(lines.iter().find(|l| l["host"] == "k3s-a").unwrap()["source"], "ledger-web-7d9f8c6b5-x2k4p");

    // Follow web while the streams are cut twice and a pod is replaced.
    let mut child = fleet_child(&lab, &kc, &["logs", "ledger", "-p", "web", "-f", "-n", "0", "--json"]);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    std::thread::sleep(std::time::Duration::from_secs(2));
    const N: u64 = 200;
    for i in 1..=N {
        let pod = if i <= 100 { "ledger-web-7d9f8c6b5-x2k4p" } else { "ledger-web-7d9f8c6b5-r3st4" };
        if i == 101 {
            // The pod restarts as a new pod; the old one's tail stays.
            a.with(|s| {
                s.delete("pods", "prod", "ledger-web-7d9f8c6b5-x2k4p");
                s.apply(ledger_web_pod("ledger-web-7d9f8c6b5-r3st4"));
            });
        }
        a.with(|s| s.log("prod", pod, jiff::Timestamp::now(), &format!("seq {i}")));
        if i == 50 || i == 150 {
            a.with(|s| s.cut());
        }
        std::thread::sleep(std::time::Duration::from_millis(15));
    }
    let mut seqs = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !seqs.contains(&N) && std::time::Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            if let Some(n) = v["message"].as_str().and_then(|m| m.strip_prefix("seq ")) {
                seqs.push(n.parse::<u64>().unwrap());
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let stderr = {
        use std::io::Read;
        let mut s = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut s);
        s
    };
    let mut sorted = seqs.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        (1..=N).collect::<Vec<_>>(),
        "every line once across two cuts and a pod restart (got {} lines)\nstderr: {stderr}",
        seqs.len()
    );
    // The cuts really cut: the streams were lost and came back.
    assert!(stderr.matches("fleet: k3s-a: log stream lost").count() >= 2, "{stderr}");
    assert!(stderr.contains("fleet: k3s-a: reconnected after"), "{stderr}");
}

fn revision(d: &serde_json::Value) -> &str {
    d["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str().unwrap_or("")
}

#[test]
fn rollout_restart_to_completion_then_rollback() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n[apps.ledger]\nhealth_timeout = \"20s\"\n");
    let a = ApiServer::start("cluster-a.yaml");
    let kc = kubeconfig(&lab, &[("a.yaml", a.kubeconfig("k3s-a", Auth::ClientCert))]);
    let before: Vec<String> =
        a.with(|s| s.list("pods", Some("prod")).iter().map(|p| p["metadata"]["name"].as_str().unwrap().to_string()).collect());

    // The confirmation (without --yes, on a closed stdin) says exactly what would happen.
    let out = fleet_out(&lab, &kc, &["restart", "ledger", "--host", "k3s-a"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("k3s-a: kubectl rollout restart deployment/ledger-web -n prod"), "{said}");
    assert_ne!(out.status.code(), Some(0), "nothing done without a yes");
    assert_eq!(a.with(|s| revision(&s.get("deployments", "prod", "ledger-web").unwrap()).to_string()), "1");

    let (code, v, stderr) = fleet_json(&lab, &kc, &["rollout", "ledger", "--host", "k3s-a", "--yes", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(v[0]["ok"], true, "{v}");
    assert!(stderr.contains("deployment/prod/ledger-web: 2/2 replicas on the new template"), "rollout status to completion:\n{stderr}");
    assert!(stderr.contains("1 of 2 new replicas updated"), "progress on the way:\n{stderr}");
    assert!(!stderr.contains("ledger-report"), "a scheduled job is left out of a rollout: {stderr}");
    let web = a.with(|s| s.get("deployments", "prod", "ledger-web").unwrap());
    assert_eq!(revision(&web), "2");
    assert!(web["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].is_string());
    let after: Vec<String> =
        a.with(|s| s.list("pods", Some("prod")).iter().map(|p| p["metadata"]["name"].as_str().unwrap().to_string()).collect());
    assert!(
        !after.contains(&"ledger-web-7d9f8c6b5-x2k4p".to_string()) && !after.contains(&"ledger-web-7d9f8c6b5-q8m3z".to_string()),
        "old pods replaced: {after:?}"
    );
    assert!(after.len() >= before.len());

    // Undo: revision 3 carries revision 1's template (no restartedAt), rolled out.
    let (code, _, stderr) = fleet_json(&lab, &kc, &["rollback", "ledger", "--host", "k3s-a", "--yes", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("deployment/prod/ledger-web: revision 1 applied"), "{stderr}");
    let web = a.with(|s| s.get("deployments", "prod", "ledger-web").unwrap());
    assert_eq!(revision(&web), "3");
    assert!(web["spec"]["template"]["metadata"]["annotations"].get("kubectl.kubernetes.io/restartedAt").is_none(), "{web}");
    // The activity has them in order, newest first: revisions 3, 2, 1, and fleet's own steps.
    let (_, v, _) = fleet_json(&lab, &kc, &["activity", "ledger", "--host", "k3s-a", "--json"]);
    let details: Vec<&str> = v.as_array().unwrap().iter().map(|e| e["detail"].as_str().unwrap()).collect();
    let at = |needle: &str| details.iter().position(|d| d.contains(needle)).unwrap_or_else(|| panic!("{needle} in {details:#?}"));
    let (r3, r2, r1) = (at("ledger-web: revision 3"), at("ledger-web: revision 2"), at("ledger-web: revision 1"));
    assert!(r3 < r2 && r2 < r1, "{details:#?}");
    let whats: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["who"].as_str().unwrap().starts_with("fleet"))
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert_eq!(whats.first(), Some(&"rollout-status"), "the rollback's wait came last: {whats:?}");
    assert!(whats.contains(&"rollback") && whats.contains(&"rollout"), "{whats:?}");
    // Droplets have no revisions: rollback says so rather than touching them.
    let out = fleet_out(&lab, &kc, &["rollback", "ledger", "--host", "lab-1", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(said.contains("ledger on lab-1: a droplet keeps no revision history"), "the platform says why: {said}");
    // The audit log has every step.
    let audit = std::fs::read_to_string(lab.scratch.path().join(".local/state/fleet/audit.jsonl")).unwrap();
    assert!(
        audit.contains("kubectl rollout restart deployment/ledger-web -n prod")
            && audit.contains("kubectl rollout undo deployment/prod/ledger-web"),
        "{audit}"
    );
}

#[test]
fn env_with_secret_and_configmap_refs_masked() {
    let (lab, _server, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    let (code, v, stderr) = fleet_json(&lab, &kc, &["config", "ledger", "--host", "k3s-a", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = v.to_string();
    assert!(!text.contains("s3cr3t") && !text.contains("key-base-1234567890"), "a secret in the default output: {text}");
    let row = |key: &str| v.as_array().unwrap().iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("no {key}: {v}")).clone();
    let web = |key: &str| {
        row(key)["values"].as_array().unwrap().iter().find(|x| x["process"] == "web").unwrap_or_else(|| panic!("{key} on web: {v}")).clone()
    };
    // env wins over envFrom; a Secret's value is masked whatever its key is called.
    assert_eq!(web("DATABASE_URL")["value"], "••••••••");
    assert_eq!(
        web("DATABASE_URL")["source"],
        serde_json::json!({"kind": "kube_secret", "namespace": "prod", "name": "ledger-secrets", "key": "database-url"})
    );
    assert_eq!(row("DATABASE_URL")["masked"], true);
    assert_eq!(web("SECRET_KEY_BASE")["value"], "••••••••");
    assert_eq!(web("REDIS_URL")["value"], "redis://redis.prod.svc:6379/0");
    assert_eq!(web("REDIS_URL")["source"]["kind"], "kube_config_map");
    assert_eq!(web("LOG_LEVEL")["value"], "info");
    assert_eq!(web("RAILS_ENV")["source"], serde_json::json!({"kind": "kube_spec", "workload": "deployment/prod/ledger-web"}));
    // --reveal shows them, decoded.
    let (_, v, _) = fleet_json(&lab, &kc, &["config", "ledger", "--host", "k3s-a", "--json", "--reveal"]);
    assert!(v.to_string().contains("postgres://ledger:s3cr3t@pg.prod.svc:5432/ledger"), "{v}");
    // The table says where each value comes from.
    let out = fleet_out(&lab, &kc, &["config", "ledger", "--host", "k3s-a"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("secret prod/ledger-secrets[database-url]") && table.contains("configmap prod/ledger-config[redis-url]"),
        "{table}"
    );
    assert!(!table.contains("s3cr3t"));
}

/// A `kubernetes.io/tls` Secret holding a certificate for `domain` that ends `days` days from
/// now (at the next midnight UTC after that).
fn tls_secret(ns: &str, name: &str, domain: &str, days: i64) -> serde_json::Value {
    let ymd = |t: jiff::Timestamp| {
        let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
        rcgen::date_time_ymd(d.year() as i32, d.month() as u8, d.day() as u8)
    };
    let now = jiff::Timestamp::now();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec![domain.to_string()]).unwrap();
    p.distinguished_name.push(rcgen::DnType::CommonName, domain);
    p.not_before = ymd(now - jiff::SignedDuration::from_hours(48));
    p.not_after = ymd(now + jiff::SignedDuration::from_hours(24 * (days + 1)));
    let cert = p.self_signed(&key).unwrap();
    let b64 = |s: &str| data_encoding::BASE64.encode(s.as_bytes());
    serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": ns},
        "data": {"tls.crt": b64(&cert.pem()), "tls.key": b64(&key.serialize_pem())}})
}

fn certificate(ns: &str, name: &str, domain: &str, secret: &str, not_after: &str, ready: bool) -> serde_json::Value {
    serde_json::json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
    "metadata": {"name": name, "namespace": ns},
    "spec": {"secretName": secret, "dnsNames": [domain], "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
    "status": {"notAfter": not_after, "conditions": [if ready {
        serde_json::json!({"type": "Ready", "status": "True", "reason": "Ready", "message": "Certificate is up to date and has not expired"})
    } else {
        serde_json::json!({"type": "Ready", "status": "False", "reason": "Failed", "message": "ACME challenge failed: 403 urn:ietf:params:acme:error:unauthorized"})
    }]}})
}

#[test]
fn tls_secrets_and_cert_manager_certificates_join_fleet_certs() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n");
    let a = ApiServer::start("cluster-a.yaml");
    let in_90 = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 90)).strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    a.with(|s| {
        s.apply(tls_secret("prod", "ledger-tls", "ledger.example.com", 5));
        s.apply(tls_secret("prod", "billing-tls", "billing.example.com", 90));
        s.apply(certificate("prod", "ledger", "ledger.example.com", "ledger-tls", &in_90, true));
        s.apply(certificate("prod", "billing", "billing.example.com", "billing-tls", &in_90, false));
    });
    let kc = kubeconfig(&lab, &[("a.yaml", a.kubeconfig("k3s-a", Auth::ClientCert))]);
    let (code, v, stderr) = fleet_json(&lab, &kc, &["certs", "--host", "k3s-a", "--json"]);
    assert_eq!(code, Some(1), "5 days is inside 21, and a Certificate is not Ready: {stderr}");
    let rows = v.as_array().unwrap();
    let find = |resource: &str| {
        rows.iter()
            .find(|r| r["source"]["resource"].as_str().is_some_and(|x| x.starts_with(resource)))
            .unwrap_or_else(|| panic!("no {resource}: {v}"))
    };
    let secret = find("secret prod/ledger-tls");
    assert_eq!(secret["host"], "k3s-a");
    assert_eq!(secret["what"], "ledger.example.com");
    assert_eq!(secret["status"], "critical");
    assert!((4..=6).contains(&secret["days_left"].as_i64().unwrap()), "{secret}");
    assert_eq!(find("secret prod/billing-tls")["status"], "ok");
    let ok = find("certificate prod/ledger");
    assert!(ok["note"].is_null(), "{ok}");
    assert!(ok["source"]["resource"].as_str().unwrap().contains("→ secret ledger-tls"));
    let failing = find("certificate prod/billing");
    assert!(failing["note"].as_str().unwrap().contains("ACME challenge failed"), "{failing}");
    // A cluster without cert-manager or TLS secrets: no rows, no error.
    let b = ApiServer::start("cluster-b.yaml");
    let kc = kubeconfig(&lab, &[("b.yaml", b.kubeconfig("doks-b", Auth::ClientCert))]);
    let (code, v, stderr) = fleet_json(&lab, &kc, &["certs", "--host", "doks-b", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(v, serde_json::json!([]));
}

#[test]
fn pod_and_node_metrics_from_metrics_server() {
    let (lab, _server, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    let (code, v, stderr) = fleet_json(&lab, &kc, &["metrics", "ledger", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let units = v["units"].as_array().unwrap();
    assert!(units.iter().any(|u| u["host"] == "lab-1" && u["unit"] == "ledger-web.service"), "the droplet's unit beside the pods: {v}");
    let pod = units.iter().find(|u| u["unit"] == "ledger-web-7d9f8c6b5-q8m3z").unwrap_or_else(|| panic!("{v}"));
    assert_eq!(pod["host"], "k3s-a");
    assert!((pod["cpu_percent"].as_f64().unwrap() - 3.1).abs() < 1e-9, "31m is 3.1 % of a core: {pod}");
    assert_eq!(pod["memory_bytes"], 210 * 1024 * 1024);
    assert_eq!(pod["restarts"], 3);
    let (code, v, stderr) = fleet_json(&lab, &kc, &["metrics", "k3s-a", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let c = &v[0];
    assert_eq!(c["source"], "metrics.k8s.io");
    assert!((c["cpu_percent"].as_f64().unwrap() - 21.875).abs() < 1e-9, "1.75 of 8 allocatable cores: {c}");
    assert_eq!(c["mem_total"], 2 * 7860 * 1024 * 1024u64);
    assert_eq!(c["mem_used"], 5 * 1024 * 1024 * 1024u64);
}

/// Watches, not polls: a change shows in the next refresh without a new list; after the API
/// server compacts its history (410 Gone on resume) the watcher lists again and nothing is
/// missed.
#[test]
fn watches_follow_changes_and_recover_from_410_gone() {
    use fleet::platform::kube::KubeBackend;
    let a = ApiServer::start("cluster-b.yaml");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, a.kubeconfig("doks-b", Auth::ClientCert)).unwrap();
    let setup = fleet::platform::kube::KubeSetup::load(&fleet::config::kubernetes::KubernetesConfig {
        kubeconfig: Some(path.display().to_string()),
        ..Default::default()
    });
    let spec = &setup.specs(&[])[0];
    let k: KubeBackend = setup.backend(spec);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pods = |k: &KubeBackend| -> Vec<String> {
        let r = rt.block_on(k.refresh()).unwrap();
        r.processes.iter().filter(|p| p.app == "shop").map(|p| p.source.clone()).collect()
    };
    assert_eq!(pods(&k).len(), 3);
    let scaled = |name: &str| {
        let mut p = ledger_web_pod(name);
        p["metadata"]["namespace"] = serde_json::json!("default");
        p["metadata"]["labels"] = serde_json::json!({"app.kubernetes.io/name": "shop", "app.kubernetes.io/component": "web", "app.kubernetes.io/instance": "shop-web", "pod-template-hash": "6f5e4d3c2"});
        p
    };
    a.with(|s| s.apply(scaled("shop-web-6f5e4d3c2-new01")));
    let until = |want: &dyn Fn(&[String]) -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let n = pods(&k);
            if want(&n) {
                return n;
            }
            assert!(std::time::Instant::now() < deadline, "still {n:?}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let has = |pods: &[String], name: &str| pods.iter().any(|p| p.ends_with(name));
    until(&|p| has(p, "new01"));
    // History compacted, every watch cut: the resume gets 410 Gone and re-lists; a pod deleted
    // in between is gone after, one added is there.
    a.with(|s| {
        s.compact();
        s.cut();
        s.delete("pods", "default", "shop-web-6f5e4d3c2-a1b2c");
        s.apply(scaled("shop-web-6f5e4d3c2-new02"));
        s.compact();
    });
    let after = until(&|p| has(p, "new02") && !has(p, "a1b2c"));
    assert_eq!(after.len(), 4);
    assert!(a.with(|s| s.gone) > 0, "a watch resumed from a compacted version and got 410 Gone");
    drop(k);
}

#[test]
fn exec_passes_output_and_exit_code() {
    let (lab, _server, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    let out = fleet_out(&lab, &kc, &["run", "ledger", "--host", "k3s-a", "--", "sh", "-c", "echo \"in $POD_NAME\"; echo oops >&2; exit 3"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "the pod command's exit code: {stderr}");
    assert!(stdout.starts_with("in ledger-web-7d9f8c6b5-"), "stdout from a running web pod: {stdout:?}");
    assert!(stderr.contains("oops"), "{stderr}");
    let out = fleet_out(&lab, &kc, &["run", "ledger", "--host", "k3s-a", "--", "true"]);
    assert_eq!(out.status.code(), Some(0));
    // The crash-looping worker has no running pod: said, not hung.
    let out = fleet_out(&lab, &kc, &["run", "ledger", "--host", "k3s-a", "-p", "worker", "--", "true"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let audit = std::fs::read_to_string(lab.scratch.path().join(".local/state/fleet/audit.jsonl")).unwrap();
    assert!(audit.contains("kubectl exec -n prod ledger-web-7d9f8c6b5-"), "{audit}");
}

/// A TCP echo server standing in for the pod's port.
fn echo_server() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut s = s;
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 || s.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn port_forward_keeps_working_after_the_stream_is_cut() {
    use std::io::{Read, Write};
    let (lab, a, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    let echo = echo_server();
    a.with(|s| s.pod_ports.insert(6379, echo));
    let mut child = fleet_child(&lab, &kc, &["forward", "redis", "0:6379", "--host", "k3s-a"]);
    let port = listening_port(&mut child);
    let talk = |msg: &[u8]| -> Vec<u8> {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        c.write_all(msg).unwrap();
        let mut got = vec![0u8; msg.len()];
        c.read_exact(&mut got).unwrap();
        got
    };
    assert_eq!(talk(b"PING\r\n"), b"PING\r\n");
    // A long-lived connection is cut with the stream; the listener stays, the next one works.
    let mut held = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    held.write_all(b"x").unwrap();
    let mut one = [0u8; 1];
    held.read_exact(&mut one).unwrap();
    for round in 0..3 {
        a.with(|s| s.cut());
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert_eq!(talk(format!("after cut {round}").as_bytes()), format!("after cut {round}").as_bytes());
    }
    held.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    assert!(matches!(held.read(&mut one), Ok(0) | Err(_)), "the cut connection ends rather than hangs");
    let _ = child.kill();
    let _ = child.wait();
}

/// The real binary in tmux: the TUI shows the clusters beside the droplet, opens a k8s app, and
/// `fleet shell` into a pod takes keys and passes the exit code back.
#[test]
fn tui_and_shell_on_a_cluster_in_tmux() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\nrefresh = \"2s\"\n[inventory]\ninclude = [\"lab-1\"]\n");
    let a = ApiServer::start("cluster-a.yaml");
    let kc = kubeconfig(&lab, &[("a.yaml", a.kubeconfig("k3s-a", Auth::ClientCert))]);
    let session = |name: &str, args: &str| {
        let _ = std::process::Command::new("tmux").args(["kill-session", "-t", name]).output();
        let cmd = format!(
            "env -u SSH_AUTH_SOCK KUBECONFIG={kc} HOME={home} {bin} --config {cfg} --ssh-config {ssh} {args}; echo FLEET-EXIT=$?; sleep 30",
            home = lab.scratch.path().display(),
            bin = env!("CARGO_BIN_EXE_fleet"),
            cfg = lab.fleet_toml().display(),
            ssh = lab.ssh_config().display(),
        );
        common::tmux_session(name, 140, 36, &cmd);
    };
    let capture = |name: &str| {
        String::from_utf8_lossy(&std::process::Command::new("tmux").args(["capture-pane", "-p", "-t", name]).output().unwrap().stdout)
            .into_owned()
    };
    let keys = |name: &str, k: &[&str]| {
        let mut args = vec!["send-keys", "-t", name];
        args.extend_from_slice(k);
        assert!(std::process::Command::new("tmux").args(&args).status().unwrap().success());
    };
    let wait_for = |name: &str, texts: &[&str]| -> String {
        let start = std::time::Instant::now();
        loop {
            let screen = capture(name);
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(start.elapsed() < std::time::Duration::from_secs(20), "waited for {texts:?}; the screen shows:\n{screen}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    session("fleet-kube-tui", "");
    let apps = wait_for("fleet-kube-tui", &["ledger", "web×3 worker×1 report×2", "k3s-a lab-1", "Kubernetes v1.31", "21%"]);
    std::fs::create_dir_all("target/tmux").ok();
    std::fs::write("target/tmux/apps-with-cluster.txt", &apps).ok();
    keys("fleet-kube-tui", &["/", "l", "e", "d", "g", "Enter"]);
    wait_for("fleet-kube-tui", &["1 shown"]);
    keys("fleet-kube-tui", &["Enter"]);
    let app = wait_for(
        "fleet-kube-tui",
        &["apps › ledger", "ledger-web.service", "ledger-web-7d9f8c6b5-q8m3z · Running · node-2 · deployment 2/2", "CrashLoopBackOff"],
    );
    std::fs::write("target/tmux/app-ledger-k8s.txt", &app).ok();
    keys("fleet-kube-tui", &["q"]);
    wait_for("fleet-kube-tui", &["FLEET-EXIT=0"]);
    let _ = std::process::Command::new("tmux").args(["kill-session", "-t", "fleet-kube-tui"]).output();

    session("fleet-kube-shell", "shell ledger --host k3s-a");
    wait_for("fleet-kube-shell", &["shell for ledger on k3s-a: kubectl exec -it <a running pod of deployment/prod/ledger-web>"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    keys("fleet-kube-shell", &["echo in-$POD_NAME", "Enter"]);
    wait_for("fleet-kube-shell", &["in-ledger-web-7d9f8c6b5-"]);
    keys("fleet-kube-shell", &["exit 7", "Enter"]);
    wait_for("fleet-kube-shell", &["FLEET-EXIT=7"]);
    let _ = std::process::Command::new("tmux").args(["kill-session", "-t", "fleet-kube-shell"]).output();
}

/// An exec credential plugin (like doctl's or aws's), run by kube-rs as kubectl runs it.
#[test]
fn exec_credential_plugins_authenticate() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n");
    let a = ApiServer::start("cluster-b.yaml");
    let plugin = lab.scratch.path().join("doctl-like");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"admin-token\"}}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let token_config = a.kubeconfig("doks-b", Auth::Token("unused"));
    let exec_user = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      interactiveMode: Never\n",
        plugin.display()
    );
    let config = token_config.replace("    token: unused\n", &exec_user);
    let kc = kubeconfig(&lab, &[("b.yaml", config)]);
    let (code, apps, stderr) = fleet_json(&lab, &kc, &["apps", "--json", "--host", "doks-b"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(apps["apps"].as_array().unwrap().iter().any(|a| a["name"] == "shop"), "{apps}");
    // A plugin that fails is the row's error, with what it said.
    std::fs::write(&plugin, "#!/bin/sh\necho 'doctl: not logged in' >&2\nexit 1\n").unwrap();
    let (code, hosts, _) = fleet_json(&lab, &kc, &["hosts", "--json"]);
    assert_eq!(code, Some(1));
    let row = hosts.as_array().unwrap().iter().find(|h| h["host"] == "doks-b").unwrap().clone();
    assert_eq!(row["reachable"], false, "{row}");
    assert!(row["error"].as_str().unwrap().contains("doctl-like"), "the row names the plugin: {row}");
}

#[test]
fn cluster_addons_linked_through_env() {
    let (lab, _server, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    let (code, v, stderr) = fleet_json(&lab, &kc, &["addons", "ledger", "--json", "--host", "k3s-a"]);
    assert_eq!(code, Some(0), "{stderr}");
    let redis = v["addons"].as_array().unwrap().iter().find(|a| a["kind"] == "redis").unwrap_or_else(|| panic!("{v}")).clone();
    assert_eq!(redis["unit"], "statefulset/prod/redis");
    assert_eq!(redis["version"], "7.2");
    assert_eq!(redis["listen"], serde_json::json!(["redis.prod.svc:6379"]));
    // REDIS_URL (env, from the ConfigMap's key) and redis-url (the same ConfigMap via envFrom).
    assert!(redis["used_by"].as_array().unwrap().contains(&serde_json::json!({"app": "ledger", "key": "REDIS_URL"})), "{redis}");
    let problems = v["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["key"] == "DATABASE_URL" && p["message"].as_str().unwrap().contains("pg.prod.svc")),
        "a dangling pointer: {v}"
    );
}

/// `fleet forward SERVICE PORT`: a Service's port leads to its target port on a running pod.
#[test]
fn port_forward_to_a_services_pod() {
    use std::io::{Read, Write};
    let (lab, a, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    let echo = echo_server();
    a.with(|s| s.pod_ports.insert(8080, echo));
    let mut child = fleet_child(&lab, &kc, &["forward", "ledger-api", "0:80", "--host", "k3s-a"]);
    let port = listening_port(&mut child);
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut got = [0u8; 18];
    c.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"GET / HTTP/1.0\r\n\r\n", "service port 80 → target port 8080 on a ledger-web pod");
    let _ = child.kill();
    let _ = child.wait();
}

/// A kube-prometheus-stack Prometheus, when configured, is where pod metrics come from.
#[test]
fn pod_metrics_from_an_in_cluster_prometheus() {
    let lab = Lab::get();
    lab.write_fleet_toml(
        "local = false\n[inventory]\ninclude = [\"lab-1\"]\n[kubernetes]\nprometheus = \"monitoring/prometheus-operated:9090\"\n",
    );
    let a = ApiServer::start("cluster-a.yaml");
    a.with(|s| s.prometheus = Some(vec![("prod".into(), "ledger-web-7d9f8c6b5-q8m3z".into(), 0.5, 300.0 * 1024.0 * 1024.0)]));
    let kc = kubeconfig(&lab, &[("a.yaml", a.kubeconfig("k3s-a", Auth::ClientCert))]);
    let (code, v, stderr) = fleet_json(&lab, &kc, &["metrics", "ledger", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let pod =
        v["units"].as_array().unwrap().iter().find(|u| u["unit"] == "ledger-web-7d9f8c6b5-q8m3z").unwrap_or_else(|| panic!("{v}")).clone();
    assert_eq!(pod["cpu_percent"], 50.0, "from Prometheus (metrics-server says 3.1 %): {pod}");
    assert_eq!(pod["memory_bytes"], 300 * 1024 * 1024);
    // Configured but not there: the cluster's metrics fail with that said, the rest works.
    a.with(|s| s.prometheus = None);
    let (code, _, stderr) = fleet_json(&lab, &kc, &["metrics", "ledger", "--json"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("prometheus monitoring/prometheus-operated:9090") && stderr.contains("no endpoints"), "{stderr}");
}

/// `fleet run --pod --container` go exactly there; a pod that is not the app's is refused.
#[test]
fn exec_into_a_chosen_pod() {
    let (lab, _server, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    let out = fleet_out(
        &lab,
        &kc,
        &[
            "run",
            "ledger",
            "--host",
            "k3s-a",
            "--pod",
            "ledger-web-7d9f8c6b5-x2k4p",
            "--container",
            "ledger-web",
            "--",
            "sh",
            "-c",
            "echo $POD_NAME",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ledger-web-7d9f8c6b5-x2k4p");
    let out = fleet_out(&lab, &kc, &["run", "ledger", "--host", "k3s-a", "--pod", "redis-0", "--", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ledger has no pod \"redis-0\""), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The API server's objects are remote input: an escape sequence in a Certificate's Ready
/// message reaches the terminal visible, never raw (the kube layer and the output both clean).
#[test]
fn hostile_api_messages_are_rendered_safely() {
    let (lab, a, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    // A cert-manager Certificate whose Ready message carries a terminal escape.
    a.with(|s| {
        s.apply(serde_json::json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": "evil", "namespace": "prod"},
            "spec": {"secretName": "evil-tls", "dnsNames": ["evil.example.com"], "issuerRef": {"name": "le"}},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Failed", "message": "\u{1b}]0;pwned\u{7}\u{1b}[2J boom"}]}}))
    });
    let out = fleet_out(&lab, &kc, &["certs", "--host", "k3s-a"]);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("boom"), "{all}");
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "a raw escape reached the terminal: {all:?}");
}

fn cronjob(
    name: &str,
    schedule: &str,
    last_schedule: jiff::Timestamp,
    last_success: Option<jiff::Timestamp>,
    suspend: bool,
) -> serde_json::Value {
    let t = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut status = serde_json::json!({ "lastScheduleTime": t(last_schedule) });
    if let Some(ok) = last_success {
        status["lastSuccessfulTime"] = serde_json::json!(t(ok));
    }
    serde_json::json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": { "name": name, "namespace": "default", "uid": format!("uid-{name}"), "creationTimestamp": "2026-01-01T00:00:00Z",
                      "labels": { "app.kubernetes.io/name": "feeds", "app.kubernetes.io/component": name } },
        "spec": { "schedule": schedule, "suspend": suspend, "jobTemplate": { "spec": { "template": { "spec": {
            "restartPolicy": "Never", "containers": [{ "name": name, "image": "ghcr.io/acme/feeds:2" }] } } } } },
        "status": status,
    })
}

/// CronJobs are scheduled processes of their app: one that failed its last run and one whose
/// next run never came are problems; one between runs and one that just succeeded are not.
#[test]
fn cronjobs_failing_and_overdue_are_problems() {
    use jiff::{SignedDuration, Timestamp, ToSpan};
    let (lab, b, kc) = lab_and_cluster("cluster-b.yaml", "doks-b", "");
    let now = Timestamp::now();
    let hours = |h: i64| now - SignedDuration::from_hours(h);
    let mins = |m: i64| now - SignedDuration::from_mins(m);
    // Daily at 03:00, last run three days ago: two runs missed.
    let three_days_ago = now.to_zoned(jiff::tz::TimeZone::UTC).date().checked_sub(3.days()).unwrap().at(3, 0, 0, 0);
    let three_days_ago = three_days_ago.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
    b.with(|s| {
        s.apply(cronjob("digest", "0 3 * * *", three_days_ago, Some(three_days_ago + SignedDuration::from_mins(2)), false));
        s.apply(cronjob("sync", "*/10 * * * *", mins(5), Some(hours(30)), false));
        s.apply(cronjob("tidy", "*/10 * * * *", mins(5), Some(mins(4)), false));
        s.apply(cronjob("archive", "@weekly", hours(30), Some(hours(30)), true));
    });
    let (code, v, stderr) = fleet_json(&lab, &kc, &["check", "--host", "doks-b", "--only", "jobs", "--json"]);
    assert_eq!(code, Some(1), "{stderr}");
    let said: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} {} {}", p["severity"].as_str().unwrap(), p["subject"].as_str().unwrap(), p["message"].as_str().unwrap()))
        .collect();
    assert_eq!(said.len(), 3, "{said:#?}");
    assert!(
        said[0]
            == "critical cronjob default/sync feeds sync@doks-b: its last run (5m ago) failed: its Job did not succeed; last success 1d 6h ago",
        "{said:#?}"
    );
    assert!(
        said.iter().any(|s| s.starts_with("warn cronjob default/digest")
            && s.contains("is overdue: due ")
            && s.contains("(0 3 * * *), last run ")),
        "{said:#?}"
    );
    assert!(said.iter().any(|s| s.starts_with("warn cronjob default/archive") && s.contains("is not scheduled")), "{said:#?}");

    // In the apps table they are processes of their app, with their schedule.
    let (_, apps, _) = fleet_json(&lab, &kc, &["apps", "--json", "--host", "doks-b"]);
    let feeds = apps["apps"].as_array().unwrap().iter().find(|a| a["name"] == "feeds").unwrap_or_else(|| panic!("{apps}"));
    let tidy = feeds["processes"].as_array().unwrap().iter().find(|p| p["process"] == "tidy").unwrap();
    assert_eq!(tidy["schedule"]["spec"], "*/10 * * * *");
    assert_eq!(tidy["schedule"]["last_ok"], true);
    assert!(tidy["detail"].as_str().unwrap().contains("last run ok"), "{tidy}");
}

fn pod_event(name: &str, pod: &str, reason: &str, message: &str, at: jiff::Timestamp, count: i32) -> serde_json::Value {
    let t = at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    serde_json::json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": { "name": name, "namespace": "prod" },
        "involvedObject": { "kind": "Pod", "namespace": "prod", "name": pod },
        "reason": reason, "message": message, "type": "Warning", "count": count,
        "firstTimestamp": t, "lastTimestamp": t, "source": { "component": "kubelet" },
    })
}

/// An app's activity on a cluster: its Deployments' revisions (with their images) and its pods'
/// Events, newest first; another app's events stay out.
#[test]
fn activity_shows_revisions_and_pod_events() {
    let (lab, a, kc) = lab_and_cluster("cluster-a.yaml", "k3s-a", "");
    let two_min = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(2);
    a.with(|s| {
        s.apply(pod_event("e1", "ledger-worker-5c4b3a2-j7h6g", "BackOff", "Back-off restarting failed container worker", two_min, 4));
        s.apply(pod_event("e2", "redis-0", "Pulled", "Container image \"redis:7.2\" already present", two_min, 1));
    });
    let (code, v, stderr) = fleet_json(&lab, &kc, &["activity", "ledger", "--host", "k3s-a", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let said: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["who"].as_str().unwrap(), e["what"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    assert!(
        said.iter().any(|s| s == "kubelet backoff pod/prod/ledger-worker-5c4b3a2-j7h6g: Back-off restarting failed container worker (×4)"),
        "{said:#?}"
    );
    assert!(
        said.iter()
            .any(|s| s.starts_with("deployment-controller rollout deployment/prod/ledger-web: revision 1 (ghcr.io/acme/ledger:1.4.2)")),
        "{said:#?}"
    );
    assert!(!said.iter().any(|s| s.contains("redis")), "another app's event: {said:#?}");
    // The text form, and a usage error for an app that is not there.
    let out = fleet_out(&lab, &kc, &["activity", "ledger", "--host", "k3s-a"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("WHEN (UTC)"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(fleet_out(&lab, &kc, &["activity", "nosuch", "--host", "k3s-a"]).status.code(), Some(2));
}
