//! Disks, memory and CPU past their thresholds (`[metrics]` in fleet.toml). CPU only counts at
//! its critical level, and as a warning: one busy moment is not an outage.

use crate::config::metrics::{Level, MetricsConfig};
use crate::model::problem::{Area, Problem, Severity};
use crate::model::{HostId, HostMetrics};

fn severity(l: Level) -> Option<Severity> {
    match l {
        Level::Ok => None,
        Level::Warn => Some(Severity::Warn),
        Level::Critical => Some(Severity::Critical),
    }
}

pub fn problems(metrics: &[(&HostId, &HostMetrics)], limits: &MetricsConfig) -> Vec<Problem> {
    let mut out = Vec::new();
    let problem = |severity, area, host: &HostId, subject: String, message: String, fix: &str| Problem {
        severity,
        area,
        host: Some(host.clone()),
        app: None,
        subject,
        message,
        since: None,
        fix: fix.to_string(),
    };
    for &(host, m) in metrics {
        for d in &m.disks {
            if d.size == 0 {
                continue;
            }
            let used = 100.0 * (d.size.saturating_sub(d.avail)) as f64 / d.size as f64;
            if let Some(s) = severity(limits.disk.level(used)) {
                out.push(problem(
                    s,
                    Area::Disks,
                    host,
                    d.mount.clone(),
                    format!("{} is {used:.0}% full ({} free)", d.mount, crate::text::bytes(d.avail)),
                    "free space (old releases, logs: journalctl --vacuum-size) or grow the disk",
                ));
            }
        }
        if m.mem_total > 0 {
            let used = 100.0 * m.mem_total.saturating_sub(m.mem_available) as f64 / m.mem_total as f64;
            if let Some(s) = severity(limits.memory.level(used)) {
                out.push(problem(
                    s,
                    Area::Memory,
                    host,
                    "memory".into(),
                    format!("memory {used:.0}% used ({} available)", crate::text::bytes(m.mem_available)),
                    "find what grew (fleet metrics APP shows each process's memory)",
                ));
            }
        }
        if let Some(cpu) = m.cpu_percent
            && limits.cpu.level(cpu) == Level::Critical
        {
            out.push(problem(
                Severity::Warn,
                Area::Cpu,
                host,
                "cpu".into(),
                format!("CPU {cpu:.0}% busy"),
                "see which process is busy (fleet metrics APP, or top on the host)",
            ));
        }
    }
    out
}
