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

fn fleet_json(lab: &Lab, kubeconfig: &str, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleet"))
        .arg("--config")
        .arg(lab.fleet_toml())
        .arg("--ssh-config")
        .arg(lab.ssh_config())
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", lab.scratch.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {stderr}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), v, stderr)
}

#[test]
fn clusters_and_droplets_share_one_apps_table() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let a = ApiServer::start("cluster-a.yaml");
    let b = ApiServer::start("cluster-b.yaml");
    let kc = kubeconfig(&lab, &[("a.yaml", a.kubeconfig("k3s-a", Auth::ClientCert)), ("b.yaml", b.kubeconfig("doks-b", Auth::Token("admin-token")))]);
    let (code, hosts, stderr) = fleet_json(&lab, &kc, &["hosts", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let names: Vec<&str> = hosts.as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(names, ["lab-1", "lab-2", "k3s-a", "doks-b"], "{hosts}");
    let k3s = hosts.as_array().unwrap().iter().find(|h| h["host"] == "k3s-a").unwrap();
    assert_eq!(k3s["os"], "Kubernetes v1.31.4+k3s1", "{k3s}");
    assert_eq!(k3s["kind"], "kube");

    let (code, apps, stderr) = fleet_json(&lab, &kc, &["apps", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let app = |name: &str| apps["apps"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap_or_else(|| panic!("no {name}: {apps}")).clone();
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
    assert!(procs.iter().any(|p| p["host"] == "lab-1" && p["source"] == "ledger-web.service"), "ledger is also lab-1's failing unit: one app");
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
    let row = |name: &str| hosts.as_array().unwrap().iter().find(|h| h["host"] == name).unwrap_or_else(|| panic!("no row {name}: {hosts}")).clone();
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
