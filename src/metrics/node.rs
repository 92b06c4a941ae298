//! node_exporter's text format into a `HostSample` (parsed by prometheus-parse, kept behind this
//! one function so the crate can be swapped).

use prometheus_parse::{Scrape, Value};

use super::{Disk, HostSample, dedupe_disks, disk_key};

fn value(v: &Value) -> Option<f64> {
    match v {
        Value::Counter(x) | Value::Gauge(x) | Value::Untyped(x) => Some(*x),
        _ => None,
    }
}

/// The series `parse` reads: every other line is skipped before parsing (node_exporter prints
/// about 1,500 lines; these are a few dozen).
const READ: [&str; 12] = [
    "node_cpu_seconds_total",
    "node_load1",
    "node_load5",
    "node_load15",
    "node_memory_MemTotal_bytes",
    "node_memory_MemAvailable_bytes",
    "node_time_seconds",
    "node_boot_time_seconds",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
    "node_filesystem_size_bytes",
    "node_filesystem_avail_bytes",
];

/// The collectors those series come from, for node_exporter's `collect[]` filter.
pub const COLLECTORS: [&str; 7] = ["cpu", "loadavg", "meminfo", "time", "stat", "netdev", "filesystem"];

/// A sample line's metric name, or a `# TYPE`/`# HELP` line's.
fn metric_of(line: &str) -> &str {
    let l = line.strip_prefix("# TYPE ").or_else(|| line.strip_prefix("# HELP ")).unwrap_or(line);
    l.split(['{', ' ']).next().unwrap_or("")
}

pub fn parse(text: &str) -> Result<HostSample, String> {
    let wanted = text.lines().filter(|l| READ.contains(&metric_of(l))).map(|l| Ok(l.to_string()));
    let scrape = Scrape::parse(wanted).map_err(|e| format!("not Prometheus text: {e}"))?;
    let mut s = HostSample::default();
    let mut disks: Vec<(String, Disk)> = Vec::new();
    let mut sizes: Vec<(String, u64)> = Vec::new();
    let mut boot = None;
    let mut found = false;
    for m in &scrape.samples {
        let Some(v) = value(&m.value) else { continue };
        match m.metric.as_str() {
            "node_cpu_seconds_total" => {
                found = true;
                s.cpu_total += v;
                if m.labels.get("mode") == Some("idle") || m.labels.get("mode") == Some("iowait") {
                    s.cpu_idle += v;
                }
            }
            "node_load1" => s.load[0] = v,
            "node_load5" => s.load[1] = v,
            "node_load15" => s.load[2] = v,
            "node_memory_MemTotal_bytes" => s.mem_total = v as u64,
            "node_memory_MemAvailable_bytes" => s.mem_available = v as u64,
            "node_time_seconds" => s.at = v,
            "node_boot_time_seconds" => boot = Some(v),
            "node_network_receive_bytes_total" if m.labels.get("device") != Some("lo") => s.net_rx += v as u64,
            "node_network_transmit_bytes_total" if m.labels.get("device") != Some("lo") => s.net_tx += v as u64,
            "node_filesystem_size_bytes" | "node_filesystem_avail_bytes" => {
                let (Some(mount), Some(fstype), Some(dev)) = (m.labels.get("mountpoint"), m.labels.get("fstype"), m.labels.get("device"))
                else {
                    continue;
                };
                let Some(key) = disk_key(fstype, dev, mount) else { continue };
                if m.metric == "node_filesystem_size_bytes" {
                    sizes.push((mount.to_string(), v as u64));
                } else {
                    disks.push((key, Disk { mount: mount.to_string(), size: 0, avail: v as u64 }));
                }
            }
            _ => {}
        }
    }
    if !found {
        return Err("no node_cpu_seconds_total: not a node_exporter".into());
    }
    for (_, d) in &mut disks {
        d.size = sizes.iter().find(|(m, _)| *m == d.mount).map(|(_, s)| *s).unwrap_or(0);
    }
    s.disks = dedupe_disks(disks);
    s.uptime_secs = boot.map(|b| (s.at - b).max(0.0) as u64);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_node_exporter() {
        let a = parse(include_str!("../../fixtures/metrics/node-exporter-1.txt")).unwrap();
        let b = parse(include_str!("../../fixtures/metrics/node-exporter-2.txt")).unwrap();
        assert!(a.mem_total > a.mem_available && a.mem_available > 0);
        assert!(!a.disks.is_empty() && a.disks.iter().all(|d| d.size >= d.avail));
        assert!(b.at > a.at && b.cpu_total >= a.cpu_total);
        let m = super::super::derive("node_exporter", &a, &b);
        let cpu = m.cpu_percent.unwrap();
        assert!((0.0..=100.0).contains(&cpu), "{cpu}");
        assert!(m.net_rx_per_sec.unwrap() >= 0.0);
        assert!(parse("# just a comment\nfoo 1\n").is_err());
    }
}
