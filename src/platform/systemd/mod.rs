//! systemd as a platform: units named `{app}-{process}.service` (or `{app}@{process}`) in the
//! administrator's unit directories are an app's processes; journald has their logs; their
//! EnvironmentFile= holds their env; `systemctl` and `systemd-run` act on them, over the
//! machine's transport. Every command it runs is in `commands`.

pub mod activity;
pub mod addons;
pub mod commands;
pub mod env;
pub mod journal;
pub mod ready;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::{AppRead, Discovery, Platform, Probe, StepFn, machine};
use crate::audit;
use crate::config::Convention;
use crate::discovery::{self, Discovered};
use crate::logs::source::LogRequest;
use crate::model::addon::AddonProblem;
use crate::model::env::Change;
use crate::model::{
    AddOn, Can, Capabilities, HealthCheck, HostError, HostFacts, HostId, HostReport, HostTarget, HostUnits, LogEvent, LogLine,
    PlatformInfo, PlatformRef, Process, ProcessEnv, Step, UnitNow,
};
use crate::transport::{BoxStream, Transport};

const NO_ROLLBACK: &str =
    "a droplet keeps no revision history of a unit: deploy the previous release (rollback is for Kubernetes deployments)";

pub static INFO: PlatformInfo = PlatformInfo {
    name: "systemd",
    caps: Capabilities {
        restart: Can::Yes,
        rollout: Can::Yes,
        rollback: Can::No(NO_ROLLBACK),
        exec: Can::Yes,
        forward: Can::Yes,
        env: Can::Yes,
        env_write: Can::Yes,
        logs: Can::Yes,
        metrics: Can::Yes,
        rebuild: Can::No(crate::model::platform::NO_REBUILD),
    },
    plan,
    label: source_label,
    rollout_each: false,
};

pub fn info() -> PlatformRef {
    PlatformRef(&INFO)
}

/// The unit (or program), and why it is not running when it is not: the label of platforms
/// whose processes are named things on a machine (systemd units, supervisord programs).
pub fn source_label(p: &Process) -> String {
    match (&p.why, &p.warning) {
        (Some(why), _) => format!("{} · {why}", p.source),
        (None, Some(w)) => format!("{} · {w}", p.source),
        (None, None) => p.source.clone(),
    }
}

fn plan(step: Step, t: &HostTarget) -> Vec<String> {
    match step {
        // The restart itself; the state read after it in the same round trip is not an action.
        Step::Restart => vec![commands::restart(&t.units, t.as_root).split(" && ").next().unwrap_or("").to_string()],
        Step::Rebuild => Vec::new(),
        Step::Rollback => vec![format!("nothing: {NO_ROLLBACK}")],
        Step::Shell => vec![commands::run_as_app(&t.run, &[], true, t.as_root)],
    }
}

/// A whole probe answer of a systemd-only machine parsed (the demo's fixtures, the tests).
pub fn discover(output: &str, host: &HostId, convention: &Convention) -> Result<Discovered, String> {
    discovery::discover(output, host, convention, info())
}

pub struct Systemd {
    transport: Arc<Transport>,
}

impl Systemd {
    pub fn new(transport: Arc<Transport>) -> Systemd {
        Systemd { transport }
    }
}

#[async_trait]
impl Platform for Systemd {
    /// Polled at each refresh: nothing of its own to wait for.
    async fn changed(&self) {
        std::future::pending::<()>().await
    }

    fn info(&self) -> PlatformRef {
        info()
    }

    fn probe(&self, convention: &Convention) -> Option<String> {
        Some(commands::probe(convention))
    }

    async fn discover(&self, probe: &Probe<'_>, convention: &Convention, facts: &mut HostFacts) -> Result<Discovery, String> {
        let mut warnings = Vec::new();
        let units = discovery::systemd_units(probe.sections, facts)?;
        let mut processes = discovery::units_to_processes(&units, probe.host, convention, info(), &mut warnings);
        discovery::scheduled_jobs(&mut processes, probe.sections, &units);
        discovery::with_last_lines(&mut processes, probe.sections);
        discovery::deaf_web_processes(&mut processes, probe.sections, facts.listening.as_deref());
        Ok(Discovery { processes, note: None, warnings, absent: facts.systemd_version.is_none() })
    }

    async fn env(&self, t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
        env::host_env(&self.transport, t, processes).await
    }

    fn env_file(&self, t: &HostTarget, convention_file: &str) -> Option<String> {
        crate::env::write::file_for(t, convention_file)
    }

    async fn read_env_file(&self, t: &HostTarget, path: &str) -> Result<(String, String), String> {
        machine::env_file::read(&self.transport, t, path).await
    }

    async fn change_env(&self, t: &HostTarget, app: &str, path: &str, change: &Change) -> Result<(String, String), String> {
        machine::env_file::change_file(&self.transport, t, app, path, change).await
    }

    async fn write_env_file(&self, t: &HostTarget, app: &str, path: &str, sha: &str, text: &str) -> Result<(), String> {
        machine::env_file::write(&self.transport, t, app, path, sha, text).await
    }

    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>) {
        journal::run(self.transport.clone(), plan, req, tx).await
    }

    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
        journal::history(&self.transport, plan, req).await.map(|(lines, _)| lines)
    }

    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
        let cmd = commands::restart(&t.units, t.as_root);
        let result = match self.transport.exec(&cmd).await {
            Ok(out) if out.status == Some(0) => Ok(ready::parse_unit_states(&String::from_utf8_lossy(&out.stdout))),
            Ok(out) => Err(machine::command_error(&t.host, &String::from_utf8_lossy(&out.stderr), out.status)),
            Err(e) => Err(format!("{}: {}", t.host, e.message)),
        };
        let said = audit::outcome(&result, |units| format!("ok: {}", units.iter().map(UnitNow::label).collect::<Vec<_>>().join(", ")));
        audit::record(&t.host, app, action, &cmd, said);
        result
    }

    async fn wait_ready(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<String, String> {
        step(format!("waiting: {}", health.describe()));
        let r = ready::wait_stable(&self.transport, t, health).await;
        audit::record(&t.host, app, "rollout-health", &health.describe(), audit::outcome(&r, |why| format!("ok: {why}")));
        if let Ok(why) = &r {
            step(format!("healthy: {why}"));
        }
        r
    }

    async fn rollback(&self, t: &HostTarget, _app: &str, _health: &HealthCheck, _step: StepFn<'_>) -> Result<Vec<UnitNow>, String> {
        Err(format!("{}: {NO_ROLLBACK}", t.host))
    }

    async fn run(&self, t: &HostTarget, app: &str, argv: &[String]) -> Result<i32, String> {
        let cmd = commands::run_as_app(&t.run, argv, false, t.as_root);
        let code = self.transport.run_attached(&cmd).await;
        audit::record(&t.host, app, "run", &cmd, audit::outcome(&code, |c| format!("exit {c}")));
        code
    }

    async fn shell(&self, t: &HostTarget, app: &str) -> Result<i32, String> {
        let cmd = commands::run_as_app(&t.run, &[], true, t.as_root);
        let code = self.transport.run_pty(&cmd).await;
        audit::record(&t.host, app, "shell", &cmd, audit::outcome(&code, |c| format!("exit {c}")));
        code
    }

    async fn connect(&self, _app: &str, port: u16) -> Result<BoxStream, HostError> {
        self.transport.connect_tcp("127.0.0.1", port).await
    }

    /// `printenv PORT` as the unit would run it (systemd-run with its env files).
    async fn port_of(&self, t: &HostTarget) -> Option<u16> {
        let cmd = commands::run_as_app(&t.run, &["printenv".into(), "PORT".into()], false, t.as_root);
        let out = self.transport.exec(&cmd).await.ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    async fn app_metrics(&self, t: &HostTarget, _app: &str) -> Result<AppRead, String> {
        let out = self.transport.exec(&commands::unit_accounting(&t.units)).await.map_err(|e| e.message)?;
        Ok(AppRead::Counters(crate::metrics::units::parse(&String::from_utf8_lossy(&out.stdout))))
    }

    /// None of its own: the host's are the machine's.
    async fn kept_certs(&self, _report: &HostReport) -> Result<Vec<crate::model::CertRow>, HostError> {
        Ok(Vec::new())
    }

    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        addons::host_addons(&self.transport, report).await
    }

    async fn activity(
        &self,
        t: &HostTarget,
        _app: &str,
        since: Option<jiff::Timestamp>,
        limit: usize,
    ) -> Result<Vec<crate::model::ActivityEntry>, String> {
        let out =
            self.transport.exec(&commands::activity(&t.units, since, limit)).await.map_err(|e| format!("{}: {}", t.host, e.message))?;
        // journalctl exits 1 when nothing matches on some versions: an empty answer is no activity.
        if out.status != Some(0) && !out.stderr.is_empty() {
            return Err(machine::command_error(&t.host, &String::from_utf8_lossy(&out.stderr), out.status));
        }
        Ok(activity::parse(&t.host, &String::from_utf8_lossy(&out.stdout)))
    }
}
