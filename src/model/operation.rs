//! An action, fully decided before it runs: what the confirmation shows is what runs, and tests
//! assert on it without a host. Each target's platform says what its steps are.

use std::net::IpAddr;
use std::time::Duration;

use super::HostId;
use super::platform::{PlatformRef, Step};
use super::target::HostTarget;

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
    /// Back to each target's previous revision, where its platform keeps them.
    Rollback {
        app: String,
        targets: Vec<HostTarget>,
        health: HealthCheck,
    },
    /// Build the app again from its source and deploy it, where the platform builds (Dokku).
    Rebuild {
        app: String,
        targets: Vec<HostTarget>,
    },
    Shell {
        app: String,
        target: HostTarget,
    },
    /// `platform`: the app's, whose way to its port the forward takes; None for an add-on.
    Forward {
        label: String,
        host: HostId,
        platform: Option<PlatformRef>,
        remote_port: u16,
        local_port: u16,
        bind: IpAddr,
    },
}

/// "host: what runs there", for each line the target's platform plans for `step`.
fn planned(step: Step, t: &HostTarget) -> Vec<String> {
    (t.platform.plan)(step, t).into_iter().map(|l| format!("{}: {l}", t.host)).collect()
}

impl Operation {
    pub fn title(&self) -> String {
        match self {
            Operation::Restart { app, .. } => format!("Restart {app}?"),
            Operation::Rollout { app, .. } => format!("Rolling restart of {app}?"),
            Operation::Rollback { app, .. } => format!("Roll {app} back to the previous revision?"),
            Operation::Rebuild { app, .. } => format!("Rebuild {app} from its source and deploy it?"),
            Operation::Shell { app, target } => format!("Shell for {app} on {}?", target.host),
            Operation::Forward { label, host, .. } => format!("Forward to {label} on {host}?"),
        }
    }

    /// Exactly what will run on which host, one line each.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Operation::Restart { targets, .. } => targets.iter().flat_map(|t| planned(Step::Restart, t)).collect(),
            Operation::Rollout { targets, health, .. } => {
                let mut v: Vec<String> = targets
                    .iter()
                    .enumerate()
                    .flat_map(|(i, t)| planned(Step::Restart, t).into_iter().map(move |l| format!("{}. {l}", i + 1)))
                    .collect();
                v.push(format!("one host at a time; next only after: {} (clusters: every replica on the new template)", health.describe()));
                v
            }
            Operation::Rollback { targets, .. } => targets.iter().flat_map(|t| planned(Step::Rollback, t)).collect(),
            Operation::Rebuild { targets, .. } => targets.iter().flat_map(|t| planned(Step::Rebuild, t)).collect(),
            Operation::Shell { target, .. } => planned(Step::Shell, target),
            Operation::Forward { host, remote_port, local_port, bind, label, .. } => {
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
            Operation::Rebuild { .. } => "rebuild",
            Operation::Shell { .. } => "shell",
            Operation::Forward { .. } => "forward",
        }
    }
}

/// When a rollout may move on to the next target: its platform's readiness (a unit active and
/// stable for `stable_for`, every replica on the new template), then the health URL if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// `http://HOST:PORT/path` as seen from the host (usually 127.0.0.1).
    pub url: Option<String>,
    pub stable_for: Duration,
    pub timeout: Duration,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck { url: None, stable_for: Duration::from_secs(5), timeout: Duration::from_secs(60) }
    }
}

impl HealthCheck {
    pub fn describe(&self) -> String {
        let stable = format!("active and stable for {} s", self.stable_for.as_secs_f64());
        match &self.url {
            Some(u) => format!("{stable}, and {u} answers 2xx/3xx"),
            None => stable,
        }
    }
}

/// Progress of a running action, for the TUI's step-by-step view and the CLI's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionEvent {
    Step { host: HostId, text: String },
    HostDone { host: HostId, units: Vec<UnitNow> },
    HostFailed { host: HostId, error: String },
    Finished { ok: bool, summary: String },
}

/// A unit's (workload's, container's) state after an action.
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
