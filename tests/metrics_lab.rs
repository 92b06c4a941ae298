//! `fleet metrics` against the lab: node_exporter through the ssh connection, /proc when it is
//! gone (and the answer says which), and an app's per-unit accounting.

mod common;

use std::process::Command;

use common::lab::Lab;

#[test]
fn host_metrics_from_node_exporter_then_proc_and_app_accounting() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let (code, v, stderr) = lab.fleet_json(&["metrics", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    for h in v.as_array().unwrap() {
        assert_eq!(h["source"], "node_exporter", "{h}");
        let cpu = h["cpu_percent"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&cpu));
        assert!(h["mem_total"].as_u64().unwrap() > h["mem_available"].as_u64().unwrap());
        assert!(!h["disks"].as_array().unwrap().is_empty());
        assert!(h["net_rx_per_sec"].as_f64().is_some() && h["uptime_secs"].as_u64().is_some());
    }

    // Without node_exporter, /proc and df over ssh, and it says so.
    let stop = |verb: &str| Command::new("docker").args(["exec", "lab-2", "systemctl", verb, "prometheus-node-exporter"]).status().unwrap();
    assert!(stop("stop").success());
    let (code, v, _) = lab.fleet_json(&["metrics", "lab-2", "--json"]);
    assert!(stop("start").success());
    assert_eq!(code, Some(0));
    let h = &v[0];
    assert_eq!(h["source"], "/proc");
    assert!(h["cpu_percent"].as_f64().is_some() && h["mem_total"].as_u64().unwrap() > 0);
    assert!(!h["disks"].as_array().unwrap().is_empty());

    let (code, v, _) = lab.fleet_json(&["metrics", "shop", "--json"]);
    assert_eq!(code, Some(0));
    let units = v.as_array().unwrap();
    assert_eq!(units.len(), 5, "every unit of shop on both hosts: {v}");
    assert!(units.iter().all(|u| u["memory_bytes"].as_u64().unwrap_or(0) > 0 && u["active"] == "active"));
}
