//! The fleet as the UI knows it: one row per host with its latest status, and the apps grouped
//! across every host's latest report.

use jiff::Timestamp;

use crate::metrics::series::{Series, Unit};

use crate::model::HostSpec;
use crate::model::{App, HostError, HostId, HostReport, HostStatus, group_apps};

#[derive(Debug, Clone, PartialEq)]
pub struct HostRow {
    pub spec: HostSpec,
    pub status: HostStatus,
    /// When the last attempt (good or bad) finished.
    pub last_attempt: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FleetState {
    pub hosts: Vec<HostRow>,
    pub apps: Vec<App>,
    pub process_order: Vec<String>,
}

impl FleetState {
    pub fn new(specs: Vec<HostSpec>, process_order: Vec<String>) -> Self {
        let hosts = specs.into_iter().map(|spec| HostRow { spec, status: HostStatus::Connecting, last_attempt: None }).collect();
        FleetState { hosts, apps: Vec::new(), process_order }
    }

    /// Takes in one host's result. A failure keeps the last good report (marked stale), so what
    /// the user already saw does not vanish because of one bad refresh.
    pub fn apply(&mut self, host: HostId, result: Result<HostReport, HostError>, at: Timestamp) {
        let Some(row) = self.hosts.iter_mut().find(|h| h.spec.id == host) else { return };
        row.last_attempt = Some(at);
        row.status = match result {
            Ok(report) => HostStatus::Up { report },
            Err(error) => {
                let last = row.status.report().cloned().map(Box::new);
                HostStatus::Failed { error, at, last }
            }
        };
        self.regroup();
    }

    pub fn regroup(&mut self) {
        let stale: Vec<HostId> =
            self.hosts.iter().filter(|h| matches!(h.status, HostStatus::Failed { .. })).map(|h| h.spec.id.clone()).collect();
        let processes = self.hosts.iter().filter_map(|h| h.status.report()).flat_map(|r| r.processes.iter());
        self.apps = group_apps(processes, &self.process_order, &stale);
    }

    pub fn app(&self, name: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.name == name)
    }

    pub fn failed_hosts(&self) -> usize {
        self.hosts.iter().filter(|h| matches!(h.status, HostStatus::Failed { .. })).count()
    }
}

/// A host's metrics: the latest, and a bounded history per series for sparklines and the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsHistory {
    pub latest: Option<crate::metrics::HostMetrics>,
    pub at: Option<Timestamp>,
    /// CPU %, memory used %, load (1 min), network in and out (bytes/s).
    pub series: [Series; 5],
}

/// The order of `MetricsHistory::series` (and of a Prometheus history answer).
pub const HOST_SERIES: [(&str, Unit); 5] = [
    ("cpu", Unit::Percent),
    ("memory", Unit::Percent),
    ("load", Unit::Count),
    ("network in", Unit::BytesPerSec),
    ("network out", Unit::BytesPerSec),
];

impl MetricsHistory {
    pub fn new(points: usize) -> MetricsHistory {
        MetricsHistory { latest: None, at: None, series: HOST_SERIES.map(|(label, unit)| Series::new(label, unit, points)) }
    }

    pub fn push(&mut self, m: crate::metrics::HostMetrics, at: Timestamp) {
        let mem_pct = (m.mem_total > 0).then(|| m.mem_used as f64 * 100.0 / m.mem_total as f64);
        let values = [m.cpu_percent, mem_pct, Some(m.load[0]), m.net_rx_per_sec, m.net_tx_per_sec];
        for (series, v) in self.series.iter_mut().zip(values) {
            if let Some(v) = v {
                series.push(at.as_second(), v);
            }
        }
        self.latest = Some(m);
        self.at = Some(at);
    }

    /// Earlier points (from a Prometheus range query), in `HOST_SERIES` order; they go before
    /// whatever was sampled since.
    pub fn prefill(&mut self, history: [Vec<(i64, f64)>; 5]) {
        for (series, points) in self.series.iter_mut().zip(history) {
            let live: Vec<(i64, f64)> = series.points.drain(..).collect();
            for (t, v) in points.into_iter().chain(live) {
                series.push(t, v);
            }
        }
    }

    pub fn mem_percent(&self) -> Option<u64> {
        self.latest.as_ref().filter(|m| m.mem_total > 0).map(|m| m.mem_used * 100 / m.mem_total)
    }
}
