//! Which units to read for `fleet logs APP`: the app's processes per host, from discovery.

use crate::model::{HostId, HostReport};

use super::source::HostUnits;

/// The app's units on each host, narrowed to some processes and hosts (empty: all).
pub fn plan<'a>(reports: impl IntoIterator<Item = &'a HostReport>, app: &str, processes: &[String], hosts: &[String]) -> Vec<HostUnits> {
    crate::model::app_processes(reports, app, processes, hosts)
        .into_iter()
        .map(|(r, procs)| HostUnits {
            host: r.host.clone(),
            units: procs.iter().map(|p| (p.source.clone(), p.app.clone(), p.process.clone())).collect(),
        })
        .collect()
}

/// One colour index per process type, in the order given (the app's formation order), so
/// `web` keeps its colour across hosts and runs.
pub fn process_colour(process: &str, order: &[String]) -> usize {
    order
        .iter()
        .position(|p| p == process)
        .unwrap_or_else(|| process.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize)))
}

pub fn hosts_of(plan: &[HostUnits]) -> Vec<HostId> {
    plan.iter().map(|h| h.host.clone()).collect()
}
