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
