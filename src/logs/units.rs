//! Which units to read for `fleet logs APP`: the app's processes per host, from discovery.

use crate::model::{HostId, HostReport};

use super::source::HostUnits;

/// The app's units on each host, narrowed to some processes and hosts (empty: all).
pub fn plan<'a>(
    reports: impl IntoIterator<Item = &'a HostReport>,
    app: &str,
    processes: &[String],
    hosts: &[String],
) -> Vec<HostUnits> {
    reports
        .into_iter()
        .filter(|r| hosts.is_empty() || hosts.contains(&r.host.0))
        .filter_map(|r| {
            let units: Vec<(String, String, String)> = r
                .processes
                .iter()
                .filter(|p| p.app == app && (processes.is_empty() || processes.contains(&p.process)))
                .map(|p| (p.source.clone(), p.app.clone(), p.process.clone()))
                .collect();
            (!units.is_empty()).then(|| HostUnits { host: r.host.clone(), units })
        })
        .collect()
}

/// One colour index per process type, in the order given (the app's formation order), so
/// `web` keeps its colour across hosts and runs.
pub fn process_colour(process: &str, order: &[String]) -> usize {
    order.iter().position(|p| p == process).unwrap_or_else(|| {
        process.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize))
    })
}

pub fn hosts_of(plan: &[HostUnits]) -> Vec<HostId> {
    plan.iter().map(|h| h.host.clone()).collect()
}
