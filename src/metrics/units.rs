//! Per-app metrics from systemd's accounting: memory, CPU (from CPUUsageNSec deltas), tasks,
//! restarts, per unit.

use crate::discovery::systemd::parse_show;
pub use crate::model::metrics::UnitMetrics;

/// One accounting sample: per unit its CPU time in ns and the rest, and the host's time.
pub type Sample = (Vec<(String, Option<u64>, UnitMetrics)>, f64);

/// Parses `commands::unit_accounting` output.
pub fn parse(text: &str) -> Sample {
    let at = text.lines().last().and_then(|l| l.trim().parse::<f64>().ok()).unwrap_or(0.0);
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut cpu = None;
        let mut tasks = None;
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("CPUUsageNSec=") {
                cpu = v.trim().parse::<u64>().ok().filter(|n| *n != u64::MAX);
            }
            if let Some(v) = line.strip_prefix("TasksCurrent=") {
                tasks = v.trim().parse::<u64>().ok().filter(|n| *n != u64::MAX);
            }
        }
        for (id, p) in parse_show(block) {
            out.push((
                id.clone(),
                cpu,
                UnitMetrics {
                    unit: id,
                    active: p.active_state,
                    cpu_percent: None,
                    memory_bytes: p.memory_current,
                    tasks,
                    restarts: p.n_restarts,
                },
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    (out, at)
}

/// Two samples → per-unit metrics with CPU %.
pub fn derive(a: &Sample, b: &Sample) -> Vec<UnitMetrics> {
    let dt = b.1 - a.1;
    b.0.iter()
        .map(|(id, cpu_b, m)| {
            let cpu_a = a.0.iter().find(|(i, _, _)| i == id).and_then(|(_, c, _)| *c);
            let mut m = m.clone();
            m.cpu_percent = match (cpu_a, cpu_b) {
                (Some(x), Some(y)) if dt > 0.0 => Some(y.saturating_sub(x) as f64 / 1e9 / dt * 100.0),
                _ => None,
            };
            m
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_from_deltas() {
        let a =
            parse("Id=a.service\nActiveState=active\nCPUUsageNSec=1000000000\nMemoryCurrent=1024\nTasksCurrent=3\nNRestarts=0\n\n100.0\n");
        let b =
            parse("Id=a.service\nActiveState=active\nCPUUsageNSec=1500000000\nMemoryCurrent=2048\nTasksCurrent=4\nNRestarts=1\n\n102.0\n");
        let m = derive(&a, &b);
        assert_eq!(m.len(), 1);
        assert!((m[0].cpu_percent.unwrap() - 25.0).abs() < 1e-9);
        assert_eq!((m[0].memory_bytes, m[0].tasks, m[0].restarts), (Some(2048), Some(4), Some(1)));
    }
}
