//! `fleet certs` against the lab: what nginx serves through the ssh connection, the files on
//! disk, "renewed on disk but not served", and the exit status cron and CI rely on.

mod common;

use common::lab::Lab;

#[test]
fn certs_served_and_on_disk_with_thresholds_and_the_renewal_trap() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let (code, v, stderr) = lab.fleet_json(&["certs", "--json"]);
    assert_eq!(code, Some(1), "certificates inside 21 days: exit 1 ({stderr})");
    let rows = v.as_array().unwrap();
    let served = |domain: &str| {
        rows.iter().find(|r| r["source"]["kind"] == "served" && r["what"] == domain).unwrap_or_else(|| panic!("{domain} not served: {v}"))
    };
    let shop = served("shop.lab.test");
    assert_eq!(shop["host"], "lab-1");
    assert_eq!(shop["status"], "warn", "10 days is inside 21, outside 7: {shop}");
    assert_eq!(shop["info"]["sans"], serde_json::json!(["shop.lab.test"]));
    assert!(shop["note"].is_null());
    let billing = served("billing.lab.test");
    assert_eq!(billing["status"], "critical");
    assert!(billing["note"].as_str().unwrap().contains("renewed on disk"), "{billing}");
    let file = rows
        .iter()
        .find(|r| r["source"]["path"] == "/etc/letsencrypt/live/billing.lab.test/fullchain.pem")
        .expect("the renewed file is listed");
    assert!(file["days_left"].as_i64().unwrap() > 80);
    // The expired one (30 days ago) and the healthy one (200 days).
    let ledger = served("ledger.lab.test");
    assert_eq!(ledger["status"], "expired");
    assert!((-32..=-29).contains(&ledger["days_left"].as_i64().unwrap()), "{ledger}");
    let ticker = served("ticker.lab.test");
    assert_eq!(ticker["status"], "ok");
    assert!((198..=200).contains(&ticker["days_left"].as_i64().unwrap()), "{ticker}");
    assert_eq!(ticker["host"], "lab-2");
    let days: Vec<i64> = rows.iter().filter_map(|r| r["days_left"].as_i64()).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "soonest first: {days:?}");

    // Thresholds are the user's: fleet.toml's [certs] sets the defaults, flags beat it.
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n[certs]\nwarn = \"300d\"\ncritical = \"250d\"\n");
    let (_, v, _) = lab.fleet_json(&["certs", "--json", "--host", "lab-2"]);
    let ticker = v.as_array().unwrap().iter().find(|r| r["what"] == "ticker.lab.test").unwrap().clone();
    assert_eq!(ticker["status"], "critical", "200 days is inside a 250-day critical threshold from fleet.toml");
    let (_, v, _) = lab.fleet_json(&["certs", "--json", "--host", "lab-2", "--warn", "3d", "--critical", "1d"]);
    let ticker = v.as_array().unwrap().iter().find(|r| r["what"] == "ticker.lab.test").unwrap().clone();
    assert_eq!(ticker["status"], "ok", "flags beat fleet.toml");
    assert_eq!(lab.fleet(&["certs", "--warn", "soon"]).status.code(), Some(2));
}
