//! `fleet config` against the lab: the env systemd gives the app, masked unless revealed.

mod common;

use common::lab::Lab;

#[test]
fn config_shows_the_app_env_with_secrets_masked() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let out = lab.fleet(&["config", "shop"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("postgres://shop:••••@localhost:5432/shop"), "{text}");
    assert!(!text.contains("s3cret") && !text.contains("lab-not-a-secret"), "a secret was printed:\n{text}");
    assert!(text.contains("PORT") && text.contains("/etc/shop/env:2"), "{text}");
    assert!(text.contains("shop-web.service (Environment=)"), "{text}");

    let (code, v, _) = lab.fleet_json(&["config", "shop", "--json"]);
    assert_eq!(code, Some(0));
    let json = v.to_string();
    assert!(!json.contains("s3cret") && !json.contains("lab-not-a-secret"), "--json printed a secret");
    let skb = v.as_array().unwrap().iter().find(|r| r["key"] == "SECRET_KEY_BASE").unwrap();
    assert_eq!((skb["secret"].as_bool(), skb["masked"].as_bool()), (Some(true), Some(true)));
    assert_eq!(skb["values"].as_array().unwrap().len(), 5, "every process on both hosts");

    let out = lab.fleet(&["config", "shop", "--reveal", "--host", "lab-1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("postgres://shop:s3cret@localhost:5432/shop") && text.contains("lab-not-a-secret"), "{text}");

    // The log fleet keeps never holds a revealed value.
    let log = std::fs::read_to_string(lab.scratch.path().join(".local/share/fleet/logs/fleet.log")).unwrap_or_default();
    assert!(!log.contains("s3cret"), "fleet's own log holds a secret");
}

#[test]
fn addons_are_found_and_linked_to_the_apps_through_their_env() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let (code, v, stderr) = lab.fleet_json(&["addons", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let addons = v["addons"].as_array().unwrap();
    let find = |host: &str, kind: &str| {
        addons.iter().find(|a| a["host"] == host && a["kind"] == kind).unwrap_or_else(|| panic!("no {kind} on {host}: {v}"))
    };
    for host in ["lab-1", "lab-2"] {
        let redis = find(host, "redis");
        assert_eq!(redis["state"], "running");
        assert_eq!(redis["listen"], serde_json::json!(["127.0.0.1:6379"]));
        let users: Vec<String> = redis["used_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| format!("{}:{}", u["app"].as_str().unwrap(), u["key"].as_str().unwrap()))
            .collect();
        assert!(users.contains(&"shop:REDIS_URL".to_string()), "{users:?}");
        let pg = find(host, "postgresql");
        assert!(pg["version"].as_str().unwrap().starts_with("15."));
        assert!(pg["used_by"].as_array().unwrap().iter().any(|u| u["app"] == "shop" && u["key"] == "DATABASE_URL"));
        find(host, "nginx");
    }
    let nginx = find("lab-1", "nginx");
    let route =
        nginx["routes"].as_array().unwrap().iter().find(|r| r["domains"][0] == "shop.lab.test").unwrap_or_else(|| panic!("{nginx}"));
    assert_eq!(route["app"], "shop");
    assert_eq!(route["upstream_listening"], true, "shop-web answers on its PORT");
    // The planted front-door problems: ledger.lab.test leads to the port of ledger, whose web
    // process has failed; ticker.lab.test to ticker's, which never listens.
    let problems: Vec<&str> = v["problems"].as_array().unwrap().iter().map(|p| p["message"].as_str().unwrap()).collect();
    for want in [
        "ledger.lab.test (nginx) proxies to http://127.0.0.1:8081, where nothing listens on lab-1: visitors get a 502",
        "ticker.lab.test (nginx) proxies to http://127.0.0.1:8083, where nothing listens on lab-2: visitors get a 502",
    ] {
        assert!(problems.contains(&want), "{problems:#?}");
    }
    let (_, v, _) = lab.fleet_json(&["addons", "ledger", "--json"]);
    assert_eq!(v["problems"][0]["app"], "ledger", "{v}");
    // Only shop's add-ons and routes with an app filter.
    let (_, v, _) = lab.fleet_json(&["addons", "shop", "--json", "--host", "lab-1"]);
    assert_eq!(v["addons"].as_array().unwrap().len(), 3, "{v}");
}
