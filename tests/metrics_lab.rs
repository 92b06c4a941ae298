//! `fleet metrics` against the lab: node_exporter through the ssh connection, /proc when it is
//! gone (and the answer says which), and an app's per-unit accounting.

mod common;

use std::process::Command;

use common::lab::Lab;

/// One test stops lab-2's node_exporter for a moment; the others scrape it. They take turns.
static NODE_EXPORTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    NODE_EXPORTER.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn host_metrics_from_node_exporter_then_proc_and_app_accounting() {
    let _turn = turn();
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
    let units = v["units"].as_array().unwrap();
    assert_eq!(units.len(), 5, "every unit of shop on both hosts: {v}");
    assert!(units.iter().all(|u| u["memory_bytes"].as_u64().unwrap_or(0) > 0 && u["active"] == "active"));
    assert_eq!(v["endpoint"], serde_json::json!([]), "no metrics_url configured");
}

/// The app's own Prometheus endpoint from fleet.toml, scraped through ssh on each of its hosts
/// (node_exporter stands in for an app that exports metrics: it is a real endpoint).
#[test]
fn an_apps_own_metrics_endpoint() {
    let _turn = turn();
    let lab = Lab::get();
    lab.write_fleet_toml(
        "local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n[apps.shop]\nmetrics_url = \"http://127.0.0.1:9100/metrics\"\n",
    );
    let (code, v, stderr) = lab.fleet_json(&["metrics", "shop", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let rows = v["endpoint"].as_array().unwrap();
    for host in ["lab-1", "lab-2"] {
        let cpu = rows
            .iter()
            .find(|r| r["host"] == host && r["series"].as_str().unwrap().starts_with("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}"))
            .unwrap_or_else(|| panic!("{host}: no idle CPU counter in {v}"));
        assert_eq!(cpu["kind"], "rate", "a counter is shown as a rate");
        let rate = cpu["value"].as_f64().unwrap();
        assert!((0.0..=1.5).contains(&rate), "idle seconds per second: {rate}");
        let load = rows.iter().find(|r| r["host"] == host && r["series"] == "node_load1").unwrap();
        assert_eq!(load["kind"], "value");
    }
    // A wrong endpoint is an error naming the host and the endpoint, exit 1.
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n[apps.shop]\nmetrics_url = \"http://127.0.0.1:9/metrics\"\n");
    let out = lab.fleet(&["metrics", "shop"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("lab-1: the app's metrics endpoint"), "{stderr}");
}

/// A real Prometheus server (Debian's package, started by lab.sh) scraping the droplets: fleet
/// reads every host from it, directly and through a host's ssh connection.
#[test]
fn prometheus_server_as_the_source() {
    let _turn = turn();
    let lab = Lab::get();
    let url = std::fs::read_to_string(lab.dir.join("prometheus.url")).expect("lab.sh writes prometheus.url");
    let url = url.trim();
    for via in ["", "via = \"lab-1\"\n"] {
        lab.write_fleet_toml(&format!(
            "local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n[prometheus]\nurl = \"{url}\"\n{via}"
        ));
        // Prometheus needs two scrapes (2 s apart) before rate() answers: bounded wait.
        let mut last = String::new();
        let ok = (0..30).any(|_| {
            let (code, v, stderr) = lab.fleet_json(&["metrics", "--json"]);
            let done = code == Some(0)
                // Every series fresh (after another test stopped a node_exporter, Prometheus marks
                // its gauges stale until the next good scrape).
                && v.as_array().is_some_and(|hs| {
                    hs.len() == 2
                        && hs.iter().all(|h| h["cpu_percent"].as_f64().is_some() && h["net_rx_per_sec"].as_f64().is_some() && h["mem_total"].as_u64().unwrap_or(0) > 0)
                });
            if !done {
                last = format!("{v} {stderr}");
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            done
        });
        assert!(ok, "prometheus ({via}) never answered for both hosts: {last}");
        let (_, v, _) = lab.fleet_json(&["metrics", "--json"]);
        for h in v.as_array().unwrap() {
            assert_eq!(h["source"], "prometheus");
            assert!(h["mem_total"].as_u64().unwrap() > h["mem_available"].as_u64().unwrap(), "{h}");
            assert!(h["uptime_secs"].as_u64().unwrap() > 0 && h["load"][0].as_f64().is_some());
            assert!(!h["disks"].as_array().unwrap().is_empty(), "{h}");
        }
    }
    // --direct skips the server; a host Prometheus does not know is named, exit 1.
    let (_, v, _) = lab.fleet_json(&["metrics", "lab-2", "--json", "--direct"]);
    assert_eq!(v[0]["source"], "node_exporter");
    lab.write_fleet_toml(&format!(
        "local = false\n[inventory]\ninclude = [\"lab-1\"]\n[[hosts]]\nname = \"lab-2-reader\"\n[prometheus]\nurl = \"{url}\"\n"
    ));
    let out = lab.fleet(&["metrics"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lab-2-reader: "), "{}", String::from_utf8_lossy(&out.stderr));
    // A server that is not there: one clear line, exit 1.
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n[prometheus]\nurl = \"http://127.0.0.1:9\"\n");
    let out = lab.fleet(&["metrics"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--direct"));
}

/// PromQL range queries (the sparklines' history at start) against the same real server.
#[test]
fn prometheus_range_queries_fill_history() {
    let _turn = turn();
    let lab = Lab::get();
    let url = std::fs::read_to_string(lab.dir.join("prometheus.url")).unwrap().trim().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = fleet::config::metrics::PrometheusConfig { url, via: None, host_label: "instance".into() };
    let local = fleet::transport::Transport::Local(Default::default());
    let prom = fleet::metrics::prometheus::Prometheus::new(&config, std::sync::Arc::new(local)).unwrap();
    let hosts = vec![(fleet::model::HostId("lab-1".into()), vec!["lab-1".to_string()])];
    let end = jiff::Timestamp::now().as_second();
    let history = (0..30)
        .find_map(|_| {
            let h = rt.block_on(prom.history(&hosts, end - 120, jiff::Timestamp::now().as_second(), 2)).unwrap();
            let enough = h.get(&hosts[0].0).is_some_and(|s| s.iter().all(|series| series.len() >= 2));
            if !enough {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            enough.then_some(h)
        })
        .expect("two minutes of history for lab-1 within 30 s");
    let [cpu, mem, load, _rx, _tx] = &history[&hosts[0].0];
    assert!(!load.is_empty());
    assert!(cpu.windows(2).all(|w| w[1].0 - w[0].0 == 2), "points every step: {cpu:?}");
    assert!(mem.iter().all(|(_, v)| (0.0..=100.0).contains(v)));
    // lab-2's node_exporter may have been stopped a moment ago by another test: bounded wait.
    let up = (0..30)
        .map(|_| {
            let v = rt.block_on(prom.query("up{instance=\"lab-2\"}")).unwrap();
            if v.first().map(|s| s.value) != Some(1.0) {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            v
        })
        .find(|v| v.first().map(|s| s.value) == Some(1.0));
    assert!(up.is_some_and(|v| v.len() == 1), "Prometheus scrapes lab-2's node_exporter");
    let bad = rt.block_on(prom.query("rate(")).unwrap_err();
    assert!(bad.contains("bad_data"), "{bad}");
}
