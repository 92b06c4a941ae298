//! What is wrong in the whole fleet, as one list (`fleet check`, the TUI's problems view,
//! `--notify`): computed here, from what was observed, by pure functions — the CLI and the TUI
//! only gather and show. Each area has its file; a platform that lands later feeds the same
//! inputs (its processes, its certificates, its add-ons) and gets checked with no change here.

mod certs;
mod env;
mod hosts;
mod jobs;
pub mod notify;
mod processes;
mod resources;

use std::time::Duration;

use jiff::Timestamp;

use crate::config::metrics::{CertsConfig, MetricsConfig};
use crate::model::addon::AddonProblem;
use crate::model::problem::{Area, Problem, Severity};
use crate::model::{HostError, HostId, HostMetrics, HostReport};

pub use crate::model::problem::Observed;

/// When something counts as a problem.
#[derive(Debug, Clone)]
pub struct Limits {
    pub certs: CertsConfig,
    pub metrics: MetricsConfig,
    /// A scheduled job is overdue this long after its next run was due.
    pub jobs_grace: Duration,
    /// A running process restarted this many times (by its platform) is restart-looping.
    pub restart_loop: u32,
}

impl Limits {
    pub fn of(config: &crate::config::FleetConfig) -> Limits {
        Limits {
            certs: config.certs.clone(),
            metrics: config.metrics.clone(),
            jobs_grace: config.check.job_grace,
            restart_loop: config.check.restart_loop,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::of(&crate::config::FleetConfig::default())
    }
}

/// Every problem, the worst first (then by host, app and what).
pub fn problems(o: &Observed, limits: &Limits, now: Timestamp) -> Vec<Problem> {
    let hosts: Vec<Host> = o.hosts.iter().map(|(h, r)| (h, r.as_ref())).collect();
    let metrics: Vec<(&HostId, &HostMetrics)> = o.metrics.iter().map(|(h, m)| (h, m)).collect();
    problems_of(&hosts, &metrics, o, limits, now)
}

/// One host's report, or why there is none.
pub type Host<'a> = (&'a HostId, Result<&'a HostReport, &'a HostError>);

/// As `problems`, with the hosts and metrics lent rather than in `o` (whose own are then not
/// read): the TUI checks what it holds without copying every report on each refresh.
pub fn problems_of(hosts: &[Host], metrics: &[(&HostId, &HostMetrics)], o: &Observed, limits: &Limits, now: Timestamp) -> Vec<Problem> {
    let mut out = hosts::problems(hosts);
    let reports: Vec<&HostReport> = hosts.iter().filter_map(|(_, r)| r.ok()).collect();
    out.extend(processes::problems(&reports, limits));
    out.extend(jobs::problems(&reports, limits, now));
    out.extend(certs::problems(&o.certs, &limits.certs, now));
    out.extend(resources::problems(metrics, &limits.metrics));
    out.extend(env::problems(&o.envs));
    out.extend(o.addons.iter().map(addon_problem));
    out.extend(o.unreadable.iter().map(|(host, what, why)| Problem {
        severity: Severity::Warn,
        area: Area::Hosts,
        host: Some(host.clone()),
        app: None,
        subject: what.clone(),
        message: format!("its {what} could not be read: {why}"),
        since: None,
        fix: format!("fleet {} --host {host} says more", if what == "certificates" { "certs" } else { "addons" }),
    }));
    out.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| (&a.host, &a.app, a.area, &a.subject).cmp(&(&b.host, &b.app, b.area, &b.subject)))
    });
    out.dedup_by(|a, b| a.key() == b.key());
    out
}

/// Only the problems `fleet check --only/--host/--app` asks about.
pub fn narrowed(all: Vec<Problem>, areas: &[Area], hosts: &[String], apps: &[String]) -> Vec<Problem> {
    all.into_iter()
        .filter(|p| areas.is_empty() || areas.contains(&p.area))
        .filter(|p| hosts.is_empty() || p.host.as_ref().is_some_and(|h| hosts.contains(&h.0)))
        .filter(|p| apps.is_empty() || p.app.as_ref().is_some_and(|a| apps.contains(a)))
        .collect()
}

fn addon_problem(a: &AddonProblem) -> Problem {
    // A route to a dead port turns visitors away; a pointer to a missing service breaks the app.
    let route = a.kind == crate::model::addon::AddonProblemKind::DeadRoute;
    Problem {
        severity: if route { Severity::Critical } else { Severity::Warn },
        area: Area::Addons,
        host: Some(a.host.clone()),
        app: (!a.app.is_empty()).then(|| a.app.clone()),
        subject: a.key.clone(),
        message: a.message.clone(),
        since: None,
        fix: if route {
            "start the app behind the route, or point the route at the port it listens on".into()
        } else {
            format!("start the service {} points at, or fix the value (fleet config:set)", a.key)
        },
    }
}

#[cfg(test)]
mod tests;
