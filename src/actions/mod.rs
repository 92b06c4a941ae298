//! What fleet does to hosts: restart, rollout, shell and run, port-forward. Each action is first
//! an `Operation` value that says exactly what will run where (the confirmation shows it, tests
//! assert on it), then runs through the same backends the views read from. The one-shot CLI and
//! the TUI share all of it.

pub mod audit;
pub mod forward;
pub mod health;
pub mod restart;
pub mod rollback;
pub mod rollout;
pub mod shell;

use std::net::IpAddr;

use crate::backend::commands::{self, AppRunSpec};
use crate::model::{HostId, HostReport};
pub use health::HealthCheck;

/// One app's units on one host, and how to run things there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    pub host: HostId,
    pub units: Vec<String>,
    /// The ssh user is root there (else commands go through `sudo -n`).
    pub as_root: bool,
    /// User, directory and env files of the first unit, for shell and run.
    pub run: AppRunSpec,
    /// A Kubernetes cluster: `units` are workloads (`deployment/NAMESPACE/NAME`).
    pub cluster: bool,
    /// Kubernetes shell and run: which pod, container and shell (default: a running pod of the
    /// first workload, its first container, bash or sh).
    pub pod: PodChoice,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodChoice {
    pub pod: Option<String>,
    pub container: Option<String>,
    pub shell: Option<String>,
}

impl HostTarget {
    /// What a restart runs there, as the confirmation shows it.
    pub fn restart_lines(&self) -> Vec<String> {
        if self.cluster {
            self.units.iter().map(|w| format!("{}: {}", self.host, crate::kube::actions::describe_restart(w))).collect()
        } else {
            vec![format!("{}: {}", self.host, commands::restart(&self.units, self.as_root).split(" && ").next().unwrap_or(""))]
        }
    }
}

/// An action, fully decided: what the confirmation shows is what runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Restart {
        app: String,
        targets: Vec<HostTarget>,
    },
    Rollout {
        app: String,
        targets: Vec<HostTarget>,
        health: HealthCheck,
    },
    /// Back to each deployment's previous revision (Kubernetes).
    Rollback {
        app: String,
        targets: Vec<HostTarget>,
        health: HealthCheck,
    },
    Shell {
        app: String,
        target: HostTarget,
    },
    Forward {
        label: String,
        host: HostId,
        remote_port: u16,
        local_port: u16,
        bind: IpAddr,
    },
}

impl Operation {
    pub fn title(&self) -> String {
        match self {
            Operation::Restart { app, .. } => format!("Restart {app}?"),
            Operation::Rollout { app, .. } => format!("Rolling restart of {app}?"),
            Operation::Rollback { app, .. } => format!("Roll {app} back to the previous revision?"),
            Operation::Shell { app, target } => format!("Shell for {app} on {}?", target.host),
            Operation::Forward { label, host, .. } => format!("Forward to {label} on {host}?"),
        }
    }

    /// Exactly what will run on which host, one line each.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Operation::Restart { targets, .. } => targets.iter().flat_map(HostTarget::restart_lines).collect(),
            Operation::Rollout { targets, health, .. } => {
                let mut v: Vec<String> = targets
                    .iter()
                    .enumerate()
                    .flat_map(|(i, t)| t.restart_lines().into_iter().map(move |l| format!("{}. {l}", i + 1)))
                    .collect();
                v.push(format!("one host at a time; next only after: {} (clusters: every replica on the new template)", health.describe()));
                v
            }
            Operation::Rollback { targets, .. } => targets
                .iter()
                .flat_map(|t| {
                    t.units.iter().map(move |w| {
                        format!("{}: kubectl rollout undo {w} (the previous ReplicaSet's template), then wait for it", t.host)
                    })
                })
                .collect(),
            Operation::Shell { target, .. } if target.cluster => {
                let w = target
                    .units
                    .iter()
                    .find(|u| u.starts_with("deployment/"))
                    .or(target.units.first())
                    .map(String::as_str)
                    .unwrap_or("the app");
                let pod = target.pod.pod.clone().unwrap_or_else(|| format!("<a running pod of {w}>"));
                let container = target.pod.container.as_ref().map(|c| format!(" -c {c}")).unwrap_or_default();
                let shell = target.pod.shell.clone().unwrap_or_else(|| "bash (or sh)".into());
                vec![format!("{}: kubectl exec -it {pod}{container} -- {shell}", target.host)]
            }
            Operation::Shell { target, .. } => {
                vec![format!("{}: {}", target.host, commands::run_as_app(&target.run, &[], true, target.as_root))]
            }
            Operation::Forward { host, remote_port, local_port, bind, label } => {
                vec![format!(
                    "{bind}:{local_port} → {host} {label}:{remote_port} (through the ssh connection, or a pod's port-forward on a cluster)"
                )]
            }
        }
    }

    /// Changes something on a host (refused when read-only). A forward only reads.
    pub fn mutating(&self) -> bool {
        !matches!(self, Operation::Forward { .. })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Operation::Restart { .. } => "restart",
            Operation::Rollout { .. } => "rollout",
            Operation::Rollback { .. } => "rollback",
            Operation::Shell { .. } => "shell",
            Operation::Forward { .. } => "forward",
        }
    }
}

/// The app's units per host from the latest reports, narrowed to some processes and hosts.
/// Hosts keep report order; units keep Procfile order.
pub fn targets<'a>(
    reports: impl IntoIterator<Item = &'a HostReport>,
    app: &str,
    processes: &[String],
    hosts: &[String],
) -> Vec<HostTarget> {
    crate::model::app_processes(reports, app, processes, hosts)
        .into_iter()
        .filter_map(|(r, procs)| {
            let first = procs.first()?;
            // A cluster's processes are pods; actions act on their workloads.
            let mut units: Vec<String> = Vec::new();
            for p in &procs {
                let u = p.workload.clone().unwrap_or_else(|| p.source.clone());
                if !units.contains(&u) {
                    units.push(u);
                }
            }
            Some(HostTarget {
                host: r.host.clone(),
                cluster: first.kind != crate::model::ProcessKind::SystemdUnit,
                pod: PodChoice::default(),
                units,
                as_root: r.facts.uid == Some(0),
                run: AppRunSpec { user: first.user.clone(), working_dir: first.working_dir.clone(), env_files: first.env_files.clone() },
            })
        })
        .collect()
}

/// Progress of a running action, for the TUI's step-by-step view and the CLI's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionEvent {
    Step { host: HostId, text: String },
    HostDone { host: HostId, units: Vec<UnitNow> },
    HostFailed { host: HostId, error: String },
    Finished { ok: bool, summary: String },
}

/// A unit's state after an action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitNow {
    pub unit: String,
    pub active: String,
    pub sub: String,
    pub pid: Option<u32>,
    pub restarts: Option<u32>,
}

impl UnitNow {
    pub fn label(&self) -> String {
        match self.pid {
            Some(pid) => format!("{} {} ({}) pid {pid}", self.unit, self.active, self.sub),
            None => format!("{} {} ({})", self.unit, self.active, self.sub),
        }
    }
}

/// Parses `systemctl show -p Id,ActiveState,SubState,MainPID,NRestarts` blocks.
pub fn parse_unit_states(text: &str) -> Vec<UnitNow> {
    let props = crate::discovery::systemd::parse_show(text);
    let mut v: Vec<UnitNow> = props
        .into_values()
        .map(|p| UnitNow { unit: p.id, active: p.active_state, sub: p.sub_state, pid: p.main_pid, restarts: p.n_restarts })
        .collect();
    v.sort_by(|a, b| a.unit.cmp(&b.unit));
    v
}

/// A failed command's stderr, as a message that says what to do.
pub fn command_error(host: &HostId, stderr: &str, status: Option<u32>) -> String {
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if stderr.contains("a password is required") || stderr.contains("a terminal is required") {
        return format!(
            "{host}: sudo wants a password there. Connect as root, or allow passwordless sudo for systemctl and systemd-run (see README)"
        );
    }
    if stderr.contains("Interactive authentication required") || stderr.contains("Access denied") {
        return format!("{host}: not allowed to manage units as this user ({last}); connect as root or use sudo");
    }
    match (last.is_empty(), status) {
        (true, Some(code)) => format!("{host}: command failed with status {code}"),
        (true, None) => format!("{host}: the connection dropped before the command finished"),
        (false, _) => format!("{host}: {}", crate::text::sanitize(last)),
    }
}
