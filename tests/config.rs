//! fleet.toml: valid configs load; invalid ones name file:line:col, and the binary exits 2.

use std::path::Path;
use std::process::Command;

use fleet::config::FleetConfig;

fn parse(text: &str) -> Result<FleetConfig, String> {
    FleetConfig::parse(Path::new("fleet.toml"), text).map_err(|e| e.to_string())
}

#[test]
fn a_full_valid_config() {
    let c = parse(
        r#"
refresh = "30s"
theme = "light"
ssh_config = "~/.ssh/fleet_config"
local = false

[inventory]
include = ["lon-*", "ams-*"]
exclude = ["*-bastion"]

[[hosts]]
name = "db-1"
ssh = "deploy@10.0.0.5:2222"
tags = ["db"]
group = "london"

[convention]
units = ["{app}-{process}.service"]
env_file = "/etc/apps/{app}.env"
code_dir = "/opt/{app}"
ignore_apps = ["legacy-*"]
"#,
    )
    .unwrap();
    assert_eq!(c.refresh.as_secs(), 30);
    assert!(!c.local);
    assert!(c.inventory.selects("lon-1") && !c.inventory.selects("lon-bastion") && !c.inventory.selects("nyc-1"));
    assert_eq!(c.hosts[0].ssh.as_deref(), Some("deploy@10.0.0.5:2222"));
    assert!(c.hosts[0].platforms.is_empty(), "unset: every platform, detected");
    assert_eq!(c.convention.env_file_for("shop"), "/etc/apps/shop.env");
    assert_eq!(c.convention.code_dir_for("shop"), "/opt/shop");
}

#[test]
fn an_empty_config_is_the_defaults() {
    assert_eq!(parse("").unwrap(), FleetConfig::default());
}

#[test]
fn invalid_configs_name_line_and_column() {
    let cases = [
        ("refresh = \"10s\"\nrefesh = 5\n", "fleet.toml:2:1", "refesh"),
        ("[inventory]\ninclude = \"lon-*\"\n", "fleet.toml:2:11", "sequence"),
        ("refresh = \"ten seconds\"\n", "fleet.toml:1:11", "invalid duration"),
        ("[convention]\nunits = [\"{app}.service\"]\n", "fleet.toml:1:1", "{process}"),
        ("[[hosts]]\nname = \"a\"\n[[hosts]]\nname = \"a\"\n", "fleet.toml:2:8", "listed twice"),
        ("[[hosts]]\nnme = \"a\"\n", "fleet.toml:", "nme"),
        ("refresh = \"100ms\"\n", "fleet.toml:1:1", "at least"),
        ("[metrics]\ncpu = { warn = 95, critical = 90 }\n", "fleet.toml:", "cpu"),
        ("[metrics]\nhistory = \"1s\"\ninterval = \"5s\"\n", "fleet.toml:", "history"),
        ("\n[metrics]\nnode_exporter = \"https://x\"\n", "fleet.toml:2:1", "node_exporter"),
        ("[prometheus]\nurl = \"ftp://x\"\n", "fleet.toml:1:1", "url"),
        ("[prometheus]\nurl = \"http://p:9090\"\nhost_label = \"a-b\"\n", "fleet.toml:1:1", "host_label"),
        ("[certs]\nwarn = \"7d\"\ncritical = \"21d\"\n", "fleet.toml:1:1", "critical"),
        ("[apps.shop]\ndomains = [\"shop.example.com; rm -rf /\"]\n", "fleet.toml:1:1", "not a domain"),
        ("[apps.shop]\nmetrics_url = \"https://x/metrics\"\n", "fleet.toml:1:1", "metrics_url"),
        ("[[hosts]]\nname = \"a\"\nplatforms = [\"dokku\", \"heroku\"]\n", "fleet.toml:3:", "\"heroku\" is not one fleet knows"),
    ];
    for (text, at, says) in cases {
        let err = parse(text).unwrap_err();
        assert!(err.starts_with(at), "{text:?}: expected {at}, got {err}");
        assert!(err.contains(says), "{text:?}: expected {says:?} in {err}");
    }
}

fn fleet(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fleet")).args(args).env_remove("FLEET_CONFIG").output().unwrap()
}

#[test]
fn the_binary_exits_2_on_a_bad_config_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fleet.toml");
    std::fs::write(&f, "local = false\n[inventory]\nexclud = []\n").unwrap();
    let out = fleet(&["--config", f.to_str().unwrap(), "apps"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:3:1", f.display())), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_named_config_that_does_not_exist_is_an_error() {
    let out = fleet(&["--config", "/nonexistent/fleet.toml", "hosts"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/fleet.toml"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(fleet(&["apps", "--bogus"]).status.code(), Some(2));
}

#[test]
fn demo_needs_no_config_or_network() {
    let out = fleet(&["--demo", "apps", "--json"]);
    // nyc-1 is the demo's down host, so the exit status is 1, with the rest printed.
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["apps"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["api", "billing", "ledger", "shop", "status"]);
    assert_eq!(v["errors"][0]["host"], "nyc-1");
}

#[test]
fn certs_reads_every_kubeconfig_context_without_any_cluster() {
    let kube = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/kube/kubeconfig.yaml");
    let missing = "/nonexistent/kubeconfig";
    // No ssh hosts (an empty HOME), not this machine: only the kubeconfig (its clusters are on
    // loopback ports nothing listens on, and refuse).
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fleet"))
        .args(["--no-local", "certs", "--json"])
        .env("HOME", home.path())
        .env_remove("FLEET_CONFIG")
        .env("KUBECONFIG", format!("{kube}:{missing}"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    let get = |host: &str, what: &str| {
        rows.iter().find(|r| r["host"] == host && r["what"] == what).unwrap_or_else(|| panic!("{host} {what}: {v}"))
    };
    let client = get("kube:k3s-lab", "client certificate");
    assert_eq!(client["info"]["subject"], "CN=shop.lab.test");
    assert_ne!(client["status"], "ok", "a short-lived client certificate is flagged");
    get("kube:k3s-lab", "cluster CA");
    assert_eq!(get("kube:doks-prod", "exec plugin (doctl, aws, gke…)")["status"], "n/a");
    assert_eq!(get("kube:ci", "bearer token")["status"], "n/a");
    let gone = get("kubeconfig", "kubeconfig");
    assert_eq!(gone["source"]["path"], missing, "a named missing file is reported: {gone}");
    assert!(gone["error"].as_str().unwrap().contains("No such file"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("not-a-real-token"), "tokens never print");
    // The demo's nyc-1 is down and the client certificate is inside 21 days: exit 1.
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_login_comes_from_the_destination_or_the_ssh_config() {
    let dir = tempfile::tempdir().unwrap();
    let ssh = dir.path().join("ssh_config");
    std::fs::write(&ssh, "Host apps-dokku\n  HostName 10.0.0.9\n  User dokku\nHost web-*\n  Port 22\nHost *\n  User deploy\n").unwrap();
    let c = parse(
        "local = false\n[[hosts]]\nname = \"paas\"\nssh = \"dokku@10.0.0.9\"\nplatforms = [\"dokku\"]\n[[hosts]]\nname = \"web-1\"\n",
    )
    .unwrap();
    let (specs, warning) = fleet::config::inventory::hosts(&c, &ssh);
    assert_eq!(warning, None);
    let got: Vec<(&str, Option<&str>, bool, Vec<String>)> =
        specs.iter().map(|s| (s.id.0.as_str(), s.login.as_deref(), s.dokku_login(), s.platforms.clone())).collect();
    assert_eq!(
        got,
        [
            ("paas", Some("dokku"), true, vec!["dokku".to_string()]),
            ("web-1", Some("deploy"), false, vec![]),
            ("apps-dokku", Some("dokku"), true, vec![]),
        ]
    );
}
