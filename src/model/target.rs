//! What an action acts on: one app's processes on one host, under one platform.

use super::platform::PlatformRef;
use super::{HostId, HostReport, Process};

/// One app's processes on one host under one platform, and how to run things there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    pub host: HostId,
    /// The platform that runs them: it carries out every action and says what it can do.
    pub platform: PlatformRef,
    /// The platform's names for what actions act on: units, workloads, containers, programs.
    pub units: Vec<String>,
    /// The ssh user is root there (else commands go through `sudo -n`).
    pub as_root: bool,
    /// User, directory and env files of the first process, for shell and run.
    pub run: AppRunSpec,
    /// Which instance, container and shell `fleet shell`/`run` go into (default: the
    /// platform's choice, e.g. a running pod of the first workload, bash or sh).
    pub exec: ExecChoice,
}

/// What `fleet shell` / `fleet run` need to run something the way the app's process runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppRunSpec {
    pub user: Option<String>,
    pub working_dir: Option<String>,
    /// As systemd spells them: a leading '-' marks an optional file.
    pub env_files: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecChoice {
    /// One process instance by its platform name (a pod, a container).
    pub instance: Option<String>,
    pub container: Option<String>,
    pub shell: Option<String>,
}

/// The app's targets from the latest reports, narrowed to some processes and hosts (empty:
/// all). Hosts keep report order, platforms their order of appearance, units Procfile order.
pub fn targets<'a>(
    reports: impl IntoIterator<Item = &'a HostReport>,
    app: &str,
    processes: &[String],
    hosts: &[String],
) -> Vec<HostTarget> {
    targets_of(reports, app, processes, hosts, |_| true)
}

/// What a restart, rollout or rollback of the app acts on: as `targets`, but a scheduled job
/// (a timer's service, a CronJob) is left out unless asked for by name (`-p report`) — it runs
/// on its schedule, and restarting it would run it now.
pub fn action_targets<'a>(
    reports: impl IntoIterator<Item = &'a HostReport>,
    app: &str,
    processes: &[String],
    hosts: &[String],
) -> Vec<HostTarget> {
    let named = !processes.is_empty();
    targets_of(reports, app, processes, hosts, |p| named || p.schedule.is_none())
}

fn targets_of<'a>(
    reports: impl IntoIterator<Item = &'a HostReport>,
    app: &str,
    processes: &[String],
    hosts: &[String],
    keep: impl Fn(&Process) -> bool,
) -> Vec<HostTarget> {
    let mut out: Vec<HostTarget> = Vec::new();
    for (r, procs) in super::app_processes(reports, app, processes, hosts) {
        let first_of_host = out.len();
        // A running process first (stable otherwise): the first one is whose user, directory
        // and env a shell or run uses when no instance is named, and a program that never
        // starts (FATAL, failed) is the wrong one to go into.
        let mut procs: Vec<&Process> = procs.into_iter().filter(|p| keep(p)).collect();
        procs.sort_by_key(|p| p.state != super::ProcessState::Running);
        for p in procs {
            // Actions act on what the process belongs to (a pod's workload), else on the process.
            let unit = p.workload.clone().unwrap_or_else(|| p.source.clone());
            match out[first_of_host..].iter_mut().find(|t| t.platform == p.platform) {
                Some(t) => {
                    if !t.units.contains(&unit) {
                        t.units.push(unit);
                    }
                    // Every env file the target's processes read (a compose project's services
                    // may not all have one): an env change goes to one of them.
                    for f in &p.env_files {
                        if !t.run.env_files.contains(f) {
                            t.run.env_files.push(f.clone());
                        }
                    }
                }
                None => out.push(target_for(r, p, unit)),
            }
        }
    }
    out
}

/// A rollout's steps, in order: a target whose platform rolls out one unit at a time (Docker's
/// containers) becomes one step per unit; the others stay one step per host.
pub fn rollout_steps(targets: Vec<HostTarget>) -> Vec<HostTarget> {
    targets
        .into_iter()
        .flat_map(|t| {
            if t.platform.rollout_each && t.units.len() > 1 {
                t.units.iter().map(|u| HostTarget { units: vec![u.clone()], ..t.clone() }).collect()
            } else {
                vec![t]
            }
        })
        .collect()
}

/// Each target with the processes it covers, narrowed the same way.
pub fn targets_with_processes<'a>(
    reports: impl IntoIterator<Item = &'a HostReport> + Clone,
    app: &str,
    processes: &[String],
    hosts: &[String],
) -> Vec<(HostTarget, Vec<Process>)> {
    let per_host = super::app_processes(reports.clone(), app, processes, hosts);
    targets(reports, app, processes, hosts)
        .into_iter()
        .map(|t| {
            let procs = per_host
                .iter()
                .filter(|(r, _)| r.host == t.host)
                .flat_map(|(_, ps)| ps.iter().filter(|p| p.platform == t.platform).map(|p| (*p).clone()))
                .collect();
            (t, procs)
        })
        .collect()
}

fn target_for(r: &HostReport, p: &Process, unit: String) -> HostTarget {
    HostTarget {
        host: r.host.clone(),
        platform: p.platform,
        units: vec![unit],
        as_root: r.facts.uid == Some(0),
        run: AppRunSpec { user: p.user.clone(), working_dir: p.working_dir.clone(), env_files: p.env_files.clone() },
        exec: ExecChoice::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_apps_restart_leaves_its_scheduled_jobs_alone_unless_named() {
        let host = super::super::HostId("lab-1".into());
        let d = crate::discovery::discover(
            include_str!("../../fixtures/systemd/lab-1.txt"),
            &host,
            &crate::config::Convention::default(),
            crate::platform::systemd::info(),
        )
        .unwrap();
        let mut processes = d.processes;
        let clock = processes.iter_mut().find(|p| p.source == "shop-clock.service").unwrap();
        clock.schedule = Some(super::super::Schedule {
            spec: "OnCalendar=hourly".into(),
            scheduler: "shop-clock.timer".into(),
            enabled: true,
            last_run: None,
            last_ok: None,
            last_result: None,
            last_success: None,
            next_run: None,
            due_after_last: None,
            running: 0,
            how_to_enable: String::new(),
        });
        let report = HostReport { host, facts: Default::default(), processes, platforms: vec![], at: jiff::Timestamp::UNIX_EPOCH };
        let units = |t: Vec<HostTarget>| t.into_iter().flat_map(|t| t.units).collect::<Vec<_>>();
        assert_eq!(units(action_targets([&report], "shop", &[], &[])), ["shop-web.service", "shop-worker.service"]);
        assert_eq!(units(action_targets([&report], "shop", &["clock".into()], &[])), ["shop-clock.service"]);
        assert_eq!(units(targets([&report], "shop", &[], &[])).len(), 3, "logs and env still see the job");
    }
}
