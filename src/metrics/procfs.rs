//! The fallback without node_exporter: /proc and df over ssh, in one command
//! (`machine::commands::PROCFS`).

use super::{Disk, HostSample, dedupe_disks, disk_key};
use crate::discovery::sections;

pub fn parse(text: &str) -> Result<HostSample, String> {
    let s = sections::split(text);
    if !s.complete {
        return Err("the /proc output ended early".into());
    }
    let mut out = HostSample { at: s.get("time").and_then(|t| t.trim().parse().ok()).unwrap_or(0.0), ..Default::default() };
    let cpu: Vec<f64> = s.get("stat").unwrap_or("").split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    if cpu.len() < 5 {
        return Err("cannot read /proc/stat".into());
    }
    // user nice system idle iowait irq softirq steal …, in USER_HZ; ratios need no unit.
    out.cpu_total = cpu.iter().take(8).sum();
    out.cpu_idle = cpu[3] + cpu[4];
    for (i, v) in s.get("loadavg").unwrap_or("").split_whitespace().take(3).enumerate() {
        out.load[i] = v.parse().unwrap_or(0.0);
    }
    for l in s.get("meminfo").unwrap_or("").lines() {
        let kb = |l: &str| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) * 1024;
        if l.starts_with("MemTotal:") {
            out.mem_total = kb(l);
        } else if l.starts_with("MemAvailable:") {
            out.mem_available = kb(l);
        }
    }
    let disks: Vec<(String, Disk)> = s
        .get("df")
        .unwrap_or("")
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.len() < 7 {
                return None;
            }
            let mount = w[6..].join(" ");
            let key = disk_key(w[1], w[0], &mount)?;
            let size = w[2].parse::<u64>().ok()? * 1024;
            let avail = w[4].parse::<u64>().ok()? * 1024;
            Some((key, Disk { mount, size, avail }))
        })
        .collect();
    out.disks = dedupe_disks(disks);
    for l in s.get("net").unwrap_or("").lines() {
        let Some((dev, rest)) = l.split_once(':') else { continue };
        if dev.trim() == "lo" {
            continue;
        }
        let f: Vec<u64> = rest.split_whitespace().filter_map(|v| v.parse().ok()).collect();
        if f.len() >= 9 {
            out.net_rx += f[0];
            out.net_tx += f[8];
        }
    }
    out.uptime_secs = s.get("uptime").and_then(crate::discovery::sections::uptime_secs);
    Ok(out)
}
