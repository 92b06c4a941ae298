//! A machine's own metrics: node_exporter first (through the transport), /proc when there is
//! none; and the demo's made-up but plausible numbers (slow waves, one shape per host).

use super::commands;
use crate::metrics::{Disk, HostMetrics, HostSample, node, procfs};
use crate::model::{HostError, HostErrorKind};
use crate::transport::Transport;
use crate::transport::http::http_get;

/// One sample and where it came from.
pub async fn sample(transport: &Transport, node_exporter: &str) -> Result<(&'static str, HostSample), HostError> {
    if let Ok((200, body)) = http_get(transport, node_exporter, 8 * 1024 * 1024).await
        && let Ok(s) = node::parse(&body)
    {
        return Ok(("node_exporter", s));
    }
    let out = transport.exec(commands::PROCFS).await?;
    procfs::parse(&String::from_utf8_lossy(&out.stdout)).map(|s| ("/proc", s)).map_err(|e| HostError::new(HostErrorKind::Command, e))
}

/// The demo's five series (CPU %, memory %, load, network in and out) at unix time `t`.
fn demo_at(seed: f64, t: i64) -> [f64; 5] {
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

fn demo_seed(host: &str) -> f64 {
    host.bytes().map(u64::from).sum::<u64>() as f64
}

/// The demo host's metrics now.
pub fn demo_metrics(host: &str, now: jiff::Timestamp) -> HostMetrics {
    let seed = demo_seed(host);
    let [cpu, mem, load, rx, tx] = demo_at(seed, now.as_second());
    let total: u64 = 4 << 30;
    HostMetrics {
        source: "demo",
        cpu_percent: Some(cpu),
        load: [load, load * 0.9, load * 0.8],
        mem_used: (total as f64 * mem / 100.0) as u64,
        mem_available: (total as f64 * (1.0 - mem / 100.0)) as u64,
        mem_total: total,
        disks: vec![Disk { mount: "/".into(), size: 80 << 30, avail: (80u64 << 30) * (100 - (seed as u64 % 60)) / 100 }],
        net_rx_per_sec: Some(rx),
        net_tx_per_sec: Some(tx),
        uptime_secs: Some(86_400 * 12),
    }
}

/// A full window of the demo's history at once, so its charts show what they look like.
pub fn demo_history(host: &str, now: i64, window_secs: u64, step_secs: u64) -> [Vec<(i64, f64)>; 5] {
    let seed = demo_seed(host);
    let mut past: [Vec<(i64, f64)>; 5] = Default::default();
    for t in (now - window_secs as i64..now).step_by(step_secs.max(1) as usize) {
        for (series, v) in past.iter_mut().zip(demo_at(seed, t)) {
            series.push((t, v));
        }
    }
    past
}
