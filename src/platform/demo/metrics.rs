//! The demo's metrics: made-up but plausible numbers (slow waves, one shape per host and per
//! process), with the host's real-looking totals and uptime.

use jiff::Timestamp;

use super::live::UnitLive;
use super::logs::hash;
use super::world::{HostDef, UnitDef};
use crate::metrics::{Disk, HostMetrics};
use crate::model::metrics::UnitMetrics;

fn seed(name: &str) -> f64 {
    (hash(name) % 1_000) as f64
}

/// The five series (CPU %, memory %, load, network in and out) at unix time `t`.
fn at(seed: f64, t: i64) -> [f64; 5] {
    let x = t as f64 / 60.0 + seed;
    let cpu = (35.0 + 25.0 * x.sin() + 10.0 * (3.1 * x).sin()).clamp(1.0, 99.0);
    [
        cpu,
        55.0 + 8.0 * (0.3 * x).sin() + seed % 20.0,
        cpu / 40.0,
        40_000.0 + 30_000.0 * (1.7 * x).sin(),
        90_000.0 + 60_000.0 * (1.3 * x).cos(),
    ]
}

/// The host's metrics now.
pub fn host(def: &HostDef, now: Timestamp) -> HostMetrics {
    let [cpu, mem, load, rx, tx] = at(seed(def.name), now.as_second());
    let total: u64 = def.mem_gib << 30;
    let disk: u64 = def.disk_gib << 30;
    HostMetrics {
        source: "demo",
        cpu_percent: Some(cpu),
        load: [load, load * 0.9, load * 0.8],
        mem_used: (total as f64 * mem / 100.0) as u64,
        mem_available: (total as f64 * (1.0 - mem / 100.0)) as u64,
        mem_total: total,
        disks: vec![Disk { mount: "/".into(), size: disk, avail: disk * (100 - def.disk_used_percent) / 100 }],
        net_rx_per_sec: Some(rx),
        net_tx_per_sec: Some(tx),
        uptime_secs: Some(def.uptime_days * 86_400 + (now.as_second().rem_euclid(86_400)) as u64),
    }
}

/// A full window of history at once, so the charts show what they look like.
pub fn history(def: &HostDef, now: i64, window_secs: u64, step_secs: u64) -> [Vec<(i64, f64)>; 5] {
    let s = seed(def.name);
    let mut past: [Vec<(i64, f64)>; 5] = Default::default();
    for t in (now - window_secs as i64..now).step_by(step_secs.max(1) as usize) {
        for (series, v) in past.iter_mut().zip(at(s, t)) {
            series.push((t, v));
        }
    }
    past
}

/// One process's usage now (a workload: each pod's), named as its platform names it.
pub fn unit(u: &UnitDef, live: &UnitLive, source: &str, running: bool, memory_bytes: Option<u64>, now: Timestamp) -> UnitMetrics {
    let x = now.as_second() as f64 / 20.0 + seed(source);
    UnitMetrics {
        unit: source.to_string(),
        active: if running { "active" } else { "failed" }.into(),
        cpu_percent: running.then(|| (u.cpu * (1.0 + 0.5 * x.sin() + 0.2 * (2.7 * x).sin())).max(0.05)),
        memory_bytes,
        tasks: running.then_some(if u.process == "web" { 12 } else { 6 }),
        restarts: Some(live.restarts),
    }
}
