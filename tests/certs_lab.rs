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
    let days: Vec<i64> = rows.iter().filter_map(|r| r["days_left"].as_i64()).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "soonest first: {days:?}");

    // Thresholds are the user's: nothing inside 3 days on lab-1, so exit 0.
    let out = lab.fleet(&["certs", "--host", "lab-1", "--warn", "3d", "--critical", "1d"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("shop.lab.test"));
    assert_eq!(lab.fleet(&["certs", "--warn", "soon"]).status.code(), Some(2));
}
