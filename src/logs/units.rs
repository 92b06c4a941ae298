//! Which units to read for `fleet logs APP`: the app's processes per host, from discovery.

use crate::model::{HostId, HostReport};

use super::source::HostUnits;

/// The app's units on each host and platform, narrowed to some processes and hosts (empty:
/// all).
pub fn plan<'a>(reports: impl IntoIterator<Item = &'a HostReport>, app: &str, processes: &[String], hosts: &[String]) -> Vec<HostUnits> {
    let mut out: Vec<HostUnits> = Vec::new();
    for (r, procs) in crate::model::app_processes(reports, app, processes, hosts) {
        let first_of_host = out.len();
        for p in procs {
            let unit = (p.source.clone(), p.app.clone(), p.process.clone());
            match out[first_of_host..].iter_mut().find(|h| h.platform == p.platform) {
                Some(h) => h.units.push(unit),
                None => out.push(HostUnits { host: r.host.clone(), platform: p.platform, units: vec![unit] }),
            }
        }
    }
    out
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
