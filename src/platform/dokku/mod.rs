//! Dokku hosts: Dokku's apps, through Dokku's own commands over the host's SSH connection
//! (`dokku apps:list`, `ps:report`, `config:export`, `config:set`, `ps:restart`), so Dokku's
//! own state stays true; their dynos are the Docker containers Dokku's scheduler labels, read
//! from the same engine connection as the Docker platform (a shared `Docker`), which leaves
//! them to this platform. Logs, metrics, shell and run go to a dyno through that engine:
//! `docker exec` into a running dyno has the app's env and needs no one-off container (`dokku
//! run` would start one, and `dokku enter` needs a terminal Dokku allocates itself).
//!
//! Reached as root (or a user with `sudo -n dokku`); a host reached as the `dokku` user (its
//! forced command runs only `dokku`) is `account`, a machine of its own that shares this
//! folder's readers. `ps:rebuild` is its own action (`rebuild`).

pub mod account;
pub mod call;
pub mod certs;
pub mod config;
pub mod deploys;
pub mod dynos;
pub mod report;
pub mod services;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::docker::{self, Docker};
use super::{AppRead, Discovery, Platform, Probe, StepFn};
use crate::audit;
use crate::config::Convention;
use crate::logs::source::LogRequest;
use crate::model::addon::AddonProblem;
use crate::model::env::Change;
use crate::model::{
    AddOn, Can, Capabilities, HealthCheck, HostError, HostErrorKind, HostFacts, HostReport, HostTarget, HostUnits, LogEvent, LogLine,
    PlatformInfo, PlatformRef, Process, ProcessEnv, Step, UnitNow,
};
use crate::platform::machine::commands::privileged;
use crate::transport::quote::quote;
use crate::transport::{BoxStream, Transport};
use call::Via;
use report::PsReport;

pub(crate) const NO_ROLLBACK: &str =
    "Dokku keeps no release fleet can go back to: deploy the previous commit again (git push, or dokku git:from-image with the old image)";

static INFO: PlatformInfo = PlatformInfo {
    name: "dokku",
    caps: Capabilities { rollback: Can::No(NO_ROLLBACK), ..Capabilities::ALL },
    plan,
    label: docker::container_label,
    // Dokku restarts a process type's dynos itself, one deploy per host.
    rollout_each: false,
};

pub fn info() -> PlatformRef {
    PlatformRef(&INFO)
}

fn plan(step: Step, t: &HostTarget) -> Vec<String> {
    match step {
        Step::Restart => deploys::plan_restart(t, Via::Shell { as_root: t.as_root }),
        Step::Rollback => vec![format!("nothing: {NO_ROLLBACK}")],
        Step::Rebuild => deploys::plan_rebuild(t, Via::Shell { as_root: t.as_root }),
        Step::Shell => vec![format!(
            "docker exec -it {} /bin/sh -c 'exec bash || exec sh' (a shell in the running dyno, with the app's env)",
            t.units.first().map(String::as_str).unwrap_or("DYNO")
        )],
    }
}

/// What the last refresh learned.
#[derive(Debug, Clone, Default)]
struct Seen {
    as_root: bool,
    /// The last refresh found `dokku`.
    present: bool,
}

pub struct Dokku {
    transport: Arc<Transport>,
    docker: Docker,
    seen: Mutex<Seen>,
}

impl Dokku {
    /// `docker` is the host's Docker platform: the dynos are read from its engine.
    pub fn new(transport: Arc<Transport>, docker: Docker) -> Dokku {
        Dokku { transport, docker, seen: Mutex::default() }
    }

    fn err(&self, e: impl std::fmt::Display) -> String {
        let host = self.transport.id();
        let e = e.to_string();
        if e.starts_with(&format!("{host}: ")) { e } else { format!("{host}: {e}") }
    }

    fn as_root(&self) -> bool {
        self.seen.lock().map(|s| s.as_root).unwrap_or(true)
    }

    fn via(&self) -> Via {
        Via::Shell { as_root: self.as_root() }
    }

    async fn dokku(&self, args: &[&str]) -> Result<String, String> {
        call::dokku(&self.transport, self.via(), args).await
    }

    /// The dynos now under the target's names (a restart replaced them: new IDs, same names).
    async fn now(&self, t: &HostTarget) -> Result<Vec<UnitNow>, String> {
        let engine = self.docker.engine().await.map_err(|e| self.err(e))?;
        let app = config::app_of(t)?;
        engine.relist().await.map_err(|e| self.err(e))?;
        let mut out: Vec<UnitNow> = engine
            .snapshot()
            .iter()
            .filter(|c| {
                dynos::dyno_of(c)
                    .is_some_and(|(a, p, _)| a == app && deploys::restarts(t).iter().any(|(_, rp)| rp.as_deref().is_none_or(|rp| rp == p)))
            })
            .map(docker::now_of)
            .collect();
        out.sort_by(|a, b| a.unit.cmp(&b.unit));
        Ok(out)
    }
}

#[async_trait]
impl Platform for Dokku {
    fn info(&self) -> PlatformRef {
        info()
    }

    fn probe(&self, _convention: &Convention) -> Option<String> {
        Some("if command -v dokku >/dev/null 2>&1; then\n  echo \"@@fleet dokku\"\n  dokku version 2>&1 | head -n 1\nfi\n".into())
    }

    async fn discover(&self, probe: &Probe<'_>, convention: &Convention, facts: &mut HostFacts) -> Result<Discovery, String> {
        let Some(section) = probe.sections.get("dokku") else {
            if let Ok(mut s) = self.seen.lock() {
                s.present = false;
            }
            return Ok(Discovery::absent());
        };
        let as_root = facts.uid == Some(0);
        let version = report::version(section);
        if let Ok(mut s) = self.seen.lock() {
            *s = Seen { as_root, present: version.is_some() };
        }
        let Some(version) = version else {
            return Ok(Discovery {
                note: Some(format!(
                    "dokku is installed but `dokku version` said {:?}: connect as root (or allow sudo -n dokku)",
                    section.trim()
                )),
                ..Default::default()
            });
        };
        // 0.38.21 lists apps as JSON; before, the quiet text list (one name a line).
        let list = if version >= report::APPS_LIST_JSON {
            self.dokku(&["apps:list", "--format", "json"]).await?
        } else {
            self.dokku(&["--quiet", "apps:list"]).await?
        };
        let (names, invalid) = report::apps(&list);
        let mut warnings: Vec<String> = invalid
            .iter()
            .map(|n| format!("skipped a Dokku app with a name Dokku would refuse: {:?}", n.escape_debug().to_string()))
            .collect();
        // Every app's ps:report in one round trip, each in its own section.
        let mut apps: Vec<(String, Option<PsReport>)> = names.iter().map(|n| (n.clone(), None)).collect();
        if !names.is_empty() {
            let script: String = names
                .iter()
                .map(|n| format!("echo '@@fleet ps-{n}'; {}dokku ps:report {} --format json 2>&1\n", privileged(as_root), quote(n)))
                .collect();
            let out = self.transport.exec(&script).await.map_err(|e| self.err(e.message))?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let sections = crate::discovery::sections::split(&text);
            for (name, slot) in apps.iter_mut() {
                match sections.get(&format!("ps-{name}")).map(report::ps_report) {
                    Some(Ok(r)) => *slot = Some(r),
                    Some(Err(e)) => warnings.push(format!("dokku ps:report {name}: {e}")),
                    None => warnings.push(format!("dokku ps:report {name}: no answer")),
                }
            }
        }
        let engine = match self.docker.engine().await {
            Ok(e) if self.docker.present() => Some(e),
            _ => None,
        };
        let all = engine.as_ref().map(|e| e.snapshot()).unwrap_or_default();
        let processes = dynos::processes(&all, &apps, probe.host, convention);
        let note = engine.is_none().then(|| "dokku: its dynos are read through Docker, which this user may not use here".to_string());
        Ok(Discovery { processes, note, warnings, absent: false })
    }

    async fn env(&self, t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
        config::env(&self.transport, self.via(), t, processes).await
    }

    /// Not a file: Dokku keeps the config (its place moved in 0.38); it is read and changed
    /// through `config:export` / `config:set`. This names it.
    fn env_file(&self, t: &HostTarget, _convention_file: &str) -> Option<String> {
        config::app_of(t).ok().map(|app| format!("dokku config of {app}"))
    }

    async fn read_env_file(&self, t: &HostTarget, _path: &str) -> Result<(String, String), String> {
        config::read(&self.transport, self.via(), t).await
    }

    async fn change_env(&self, t: &HostTarget, app: &str, _path: &str, change: &Change) -> Result<(String, String), String> {
        config::change(&self.transport, self.via(), t, app, change).await
    }

    async fn write_env_file(&self, t: &HostTarget, app: &str, _path: &str, sha: &str, text: &str) -> Result<(), String> {
        config::write(&self.transport, self.via(), t, app, sha, text).await
    }

    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>) {
        self.docker.logs(plan, req, tx).await
    }

    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
        self.docker.log_history(plan, req).await
    }

    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
        let (calls, result) = deploys::run(&self.transport, self.via(), t, action).await;
        let result = match result {
            Ok(()) => self.now(t).await,
            Err(e) => Err(e),
        };
        let said = audit::outcome(&result, |units| format!("ok: {}", units.iter().map(UnitNow::label).collect::<Vec<_>>().join(", ")));
        audit::record(&t.host, app, action, &calls.join("; "), said);
        result
    }

    /// The dynos' readiness as the Docker platform judges a container's (running, healthy,
    /// stable, the health URL), under their names.
    async fn wait_ready(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<String, String> {
        let units: Vec<String> = self.now(t).await?.into_iter().map(|u| u.unit).collect();
        if units.is_empty() {
            return Err(self.err(format!("{app}: no dyno runs after the restart")));
        }
        let t = HostTarget { units, ..t.clone() };
        self.docker.wait_ready(&t, app, health, step).await
    }

    async fn rollback(&self, _t: &HostTarget, _app: &str, _health: &HealthCheck, _step: StepFn<'_>) -> Result<Vec<UnitNow>, String> {
        Err(self.err(NO_ROLLBACK))
    }

    async fn run(&self, t: &HostTarget, app: &str, argv: &[String]) -> Result<i32, String> {
        self.docker.run(&self.running_dyno(t).await?, app, argv).await
    }

    async fn shell(&self, t: &HostTarget, app: &str) -> Result<i32, String> {
        self.docker.shell(&self.running_dyno(t).await?, app).await
    }

    async fn connect(&self, app: &str, port: u16) -> Result<BoxStream, HostError> {
        let engine = self.docker.engine().await.map_err(|e| HostError::new(HostErrorKind::Command, self.err(e)))?;
        let ip = engine
            .snapshot()
            .iter()
            .filter(|c| dynos::dyno_of(c).is_some_and(|(a, p, _)| a == app && p == "web"))
            .chain(engine.snapshot().iter().filter(|c| dynos::dyno_of(c).is_some_and(|(a, _, _)| a == app)))
            .filter(|c| c.state.as_ref().and_then(|s| s.running).unwrap_or(false))
            .find_map(docker::containers::address)
            .ok_or_else(|| HostError::new(HostErrorKind::Command, self.err(format!("no running dyno of {app} with an address"))))?;
        self.transport.connect_tcp(&ip, port).await
    }

    async fn port_of(&self, t: &HostTarget) -> Option<u16> {
        self.docker.port_of(t).await
    }

    async fn app_metrics(&self, t: &HostTarget, app: &str) -> Result<AppRead, String> {
        self.docker.app_metrics(t, app).await
    }

    /// Dokku's service plugins: their services, the apps linked to each and the variable
    /// they read it by (see `services`).
    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        let present = self.seen.lock().map(|s| s.present).unwrap_or(false);
        if !present {
            return Ok((Vec::new(), Vec::new()));
        }
        let out = self.transport.exec(&services::script(self.as_root())).await?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let all = match self.docker.engine().await {
            Ok(e) => e.snapshot(),
            Err(_) => Vec::new(),
        };
        let env = |app: &str| -> Vec<(String, String)> {
            all.iter().filter(|c| dynos::dyno_of(c).is_some_and(|(a, _, _)| a == app)).flat_map(docker::containers::env_pairs).collect()
        };
        Ok((services::addons(&report.host, &text, &all, env), Vec::new()))
    }

    /// Each Dokku app's certificate from `certs:report`, its domains from `domains:report`,
    /// and whether dokku-letsencrypt renews it.
    async fn kept_certs(&self, report: &HostReport) -> Result<Vec<crate::model::CertRow>, HostError> {
        let mut apps: Vec<String> = report.processes.iter().filter(|p| p.platform == info()).map(|p| p.app.clone()).collect();
        apps.sort();
        apps.dedup();
        apps.retain(|a| report::valid_app(a));
        if apps.is_empty() {
            return Ok(Vec::new());
        }
        let out = self.transport.exec(&certs::script(&apps, self.as_root())).await?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let s = crate::discovery::sections::split(&text);
        let le_cron = s.get("le-cron").map(|n| n.trim().parse::<u32>().unwrap_or(0) > 0);
        Ok(apps
            .iter()
            .flat_map(|a| {
                let get = |k: &str| s.get(&format!("{k}-{a}"));
                certs::rows(&report.host, a, get("certs"), get("domains"), get("le"), le_cron)
            })
            .collect())
    }

    async fn activity(
        &self,
        t: &HostTarget,
        app: &str,
        since: Option<jiff::Timestamp>,
        limit: usize,
    ) -> Result<Vec<crate::model::ActivityEntry>, String> {
        self.docker.activity(t, app, since, limit).await
    }

    /// The engine's events wake the host through the Docker platform, which shares it.
    async fn changed(&self) {
        std::future::pending::<()>().await
    }
}

impl Dokku {
    /// The target narrowed to one running dyno (the one named, else the first running).
    async fn running_dyno(&self, t: &HostTarget) -> Result<HostTarget, String> {
        let running: Vec<String> =
            self.now(t).await?.into_iter().filter(|u| u.active == crate::model::ProcessState::Running.label()).map(|u| u.unit).collect();
        let chosen = t
            .exec
            .instance
            .clone()
            .filter(|i| running.contains(i))
            .or_else(|| running.first().cloned())
            .ok_or_else(|| self.err(format!("{}: no dyno is running to go into", config::app_of(t).unwrap_or_default())))?;
        Ok(HostTarget { units: vec![chosen], ..t.clone() })
    }
}
