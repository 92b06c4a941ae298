//! The fleet as the UI knows it: one row per host with its latest status, and the apps grouped
//! across every host's latest report.

use jiff::Timestamp;

use crate::model::{App, HostError, HostId, HostReport, HostStatus, group_apps};
use crate::runtime::inventory::HostSpec;

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


/// How many points of history a sparkline keeps (one per sample).
pub const METRICS_POINTS: usize = 120;

/// A host's metrics: the latest, and a bounded history for sparklines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsHistory {
    pub latest: Option<crate::metrics::HostMetrics>,
    pub at: Option<Timestamp>,
    /// CPU %, memory used %, network in and out (bytes/s): newest last.
    pub cpu: std::collections::VecDeque<u64>,
    pub mem: std::collections::VecDeque<u64>,
    pub rx: std::collections::VecDeque<u64>,
    pub tx: std::collections::VecDeque<u64>,
}

impl MetricsHistory {
    pub fn push(&mut self, m: crate::metrics::HostMetrics, at: Timestamp) {
        let mem_pct = (m.mem_used * 100).checked_div(m.mem_total).unwrap_or(0);
        for (series, v) in [
            (&mut self.cpu, m.cpu_percent.unwrap_or(0.0) as u64),
            (&mut self.mem, mem_pct),
            (&mut self.rx, m.net_rx_per_sec.unwrap_or(0.0) as u64),
            (&mut self.tx, m.net_tx_per_sec.unwrap_or(0.0) as u64),
        ] {
            series.push_back(v);
            while series.len() > METRICS_POINTS {
                series.pop_front();
            }
        }
        self.latest = Some(m);
        self.at = Some(at);
    }

    pub fn mem_percent(&self) -> Option<u64> {
        self.latest.as_ref().filter(|m| m.mem_total > 0).map(|m| m.mem_used * 100 / m.mem_total)
    }
}
