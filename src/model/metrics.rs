//! Metrics as fleet shows them: a host's, a process's, an app's own endpoint's.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub mount: String,
    pub size: u64,
    pub avail: u64,
}

/// What `fleet metrics` and the hosts panel show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostMetrics {
    pub source: &'static str,
    pub cpu_percent: Option<f64>,
    pub load: [f64; 3],
    pub mem_used: u64,
    pub mem_available: u64,
    pub mem_total: u64,
    pub disks: Vec<Disk>,
    pub net_rx_per_sec: Option<f64>,
    pub net_tx_per_sec: Option<f64>,
    pub uptime_secs: Option<u64>,
}

/// One process's metrics (a unit's accounting, a pod's usage).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitMetrics {
    pub unit: String,
    pub active: String,
    pub cpu_percent: Option<f64>,
    pub memory_bytes: Option<u64>,
    pub tasks: Option<u64>,
    pub restarts: Option<u32>,
}

/// What `fleet metrics APP` and the Metrics tab show per series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointValue {
    pub series: String,
    /// "rate" (per second, counters) or "value" (gauges and untyped).
    pub kind: &'static str,
    pub value: Option<f64>,
}

/// One sample from one host: its units' accounting and the endpoint's values.
#[derive(Debug, Clone, PartialEq)]
pub struct AppSample {
    pub units: Vec<UnitMetrics>,
    pub endpoint: Vec<EndpointValue>,
}
