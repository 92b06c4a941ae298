//! Dokku hosts: Dokku's apps, through Dokku's own commands over the host's SSH connection
//! (`dokku apps:list`, `ps:report`, `config:export`, `config:set`, `ps:restart`), so Dokku's
//! own state stays true; their dynos are the Docker containers Dokku's scheduler labels, read
//! from the same engine connection as the Docker platform (a shared `Docker`), which leaves
//! them to this platform. Logs, metrics, shell and run go to a dyno through that engine:
//! `docker exec` into a running dyno has the app's env and needs no one-off container (`dokku
//! run` would start one, and `dokku enter` needs a terminal Dokku allocates itself).
//!
//! Reached as root (or a user with `sudo -n dokku`). Not yet: the `dokku` user's forced
//! command (no shell to run fleet's probe). `ps:rebuild` is its own action (`rebuild`).

pub mod certs;
pub mod dynos;
pub mod report;
pub mod services;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine as _;
use tokio::sync::mpsc::UnboundedSender;

use super::docker::{self, Docker};
use super::{AppRead, Discovery, Platform, Probe, StepFn, machine};
use crate::audit;
use crate::config::Convention;
use crate::logs::source::LogRequest;
use crate::model::addon::AddonProblem;
use crate::model::env::{Change, EnvSource};
use crate::model::{
    AddOn, Can, Capabilities, HealthCheck, HostError, HostErrorKind, HostFacts, HostReport, HostTarget, HostUnits, LogEvent, LogLine,
    PlatformInfo, PlatformRef, Process, ProcessEnv, Step, UnitNow,
};
use crate::platform::machine::commands::privileged;
use crate::transport::quote::quote;
use crate::transport::{BoxStream, Transport};
use report::PsReport;

/// How long a `ps:restart` may take: Dokku deploys each process type with its zero-downtime
/// checks (10 s a dyno by default), one after another.
const DEPLOY_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);

/// A rebuild runs the app's build (buildpacks, a Dockerfile) before its deploy.
const BUILD_LIMIT: std::time::Duration = std::time::Duration::from_secs(1800);

const NO_ROLLBACK: &str =
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

/// The app and the process types a target's units stand for: `dokku ps:restart APP [TYPE]`
/// restarts every dyno of a type (Dokku has no restart of one dyno), the idle row the app.
fn restarts(t: &HostTarget) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for u in &t.units {
        let app = dynos::app_of_unit(u).to_string();
        let proc = dynos::process_of_unit(u).map(String::from);
        if !out.iter().any(|(a, p)| *a == app && (*p == proc || p.is_none())) {
            if proc.is_none() {
                out.retain(|(a, _)| *a != app);
            }
            out.push((app, proc));
        }
    }
    out
}

/// The apps a target's units belong to, each once.
fn apps_of(t: &HostTarget) -> Vec<String> {
    let mut out: Vec<String> = t.units.iter().map(|u| dynos::app_of_unit(u).to_string()).collect();
    out.dedup();
    out
}

fn restart_line(app: &str, proc: Option<&str>, as_root: bool) -> String {
    match proc {
        Some(p) => format!("{}dokku ps:restart {} {}", privileged(as_root), quote(app), quote(p)),
        None => format!("{}dokku ps:restart {}", privileged(as_root), quote(app)),
    }
}

fn plan(step: Step, t: &HostTarget) -> Vec<String> {
    match step {
        Step::Restart => restarts(t)
            .iter()
            .map(|(app, proc)| {
                let what = proc.as_deref().map(|p| format!("every {p} dyno")).unwrap_or_else(|| "every dyno".into());
                format!("{} ({what}: Dokku deploys new containers of the current release)", restart_line(app, proc.as_deref(), t.as_root))
            })
            .collect(),
        Step::Rollback => vec![format!("nothing: {NO_ROLLBACK}")],
        Step::Rebuild => apps_of(t)
            .iter()
            .map(|app| {
                format!("{}dokku ps:rebuild {} (builds the app again from its source, then deploys it)", privileged(t.as_root), quote(app))
            })
            .collect(),
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

    /// `dokku ARGS` (each argument quoted), its stdout, or Dokku's own words on failure. A
    /// deploy (ps:restart) waits for Dokku's checks: up to `DEPLOY_LIMIT`, not the usual 30 s.
    async fn dokku(&self, args: &[&str]) -> Result<String, String> {
        let cmd = format!("{}dokku {}", privileged(self.as_root()), args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" "));
        let limit = match args.first() {
            Some(&"ps:restart") => DEPLOY_LIMIT,
            Some(&"ps:rebuild") => BUILD_LIMIT,
            _ => crate::transport::COMMAND_TIMEOUT,
        };
        let out = self.transport.exec_within(&cmd, limit).await.map_err(|e| self.err(e.message))?;
        if out.status != Some(0) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            // Dokku says what went wrong on stderr, or with ` !     ` lines on stdout.
            let said = if stderr.trim().is_empty() { String::from_utf8_lossy(&out.stdout).into_owned() } else { stderr.into_owned() };
            return Err(machine::command_error(self.transport.id(), &said.replace(" !     ", ""), out.status));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The app's config, as Dokku exports it.
    async fn config(&self, app: &str) -> Result<Vec<(String, String)>, String> {
        let text = self.dokku(&["config:export", app, "--format", "json"]).await?;
        report::config(&text).map_err(|e| self.err(e))
    }

    fn app_of(t: &HostTarget) -> Result<String, String> {
        let unit = t.units.first().ok_or_else(|| format!("{}: no Dokku app in the target", t.host))?;
        let app = dynos::app_of_unit(unit);
        if !report::valid_app(app) {
            return Err(format!("{}: {app:?} is not a Dokku app name", t.host));
        }
        Ok(app.to_string())
    }

    /// The config as KEY=VALUE lines (what the editor and the diff show).
    fn config_text(vars: &[(String, String)]) -> String {
        vars.iter().map(|(k, v)| format!("{k}={}\n", crate::env::edit::quote_value(v))).collect()
    }

    /// A change through Dokku: `config:set --encoded` (values base64, so nothing in them is
    /// ever shell or Dokku syntax) or `config:unset`, with `--no-restart`: the restart that
    /// follows (fleet's, unless --no-restart) is `ps:restart`, which deploys the new config
    /// as config:set itself would.
    async fn change(&self, t: &HostTarget, app: &str, change: &Change) -> Result<(String, String), String> {
        let name = Self::app_of(t)?;
        let before = Self::config_text(&self.config(&name).await?);
        let b64 = base64::engine::general_purpose::STANDARD;
        let (mut args, shown): (Vec<String>, String) = match change {
            Change::Set(pairs) => {
                let mut a = vec!["config:set".to_string(), "--no-restart".into(), "--encoded".into(), name.clone()];
                a.extend(pairs.iter().map(|(k, v)| format!("{k}={}", b64.encode(v))));
                (
                    a,
                    format!(
                        "dokku config:set --no-restart --encoded {name} {}",
                        pairs.iter().map(|(k, _)| format!("{k}=…")).collect::<Vec<_>>().join(" ")
                    ),
                )
            }
            Change::Unset(keys) => {
                let mut a = vec!["config:unset".to_string(), "--no-restart".into(), name.clone()];
                a.extend(keys.iter().cloned());
                (a, format!("dokku config:unset --no-restart {name} {}", keys.join(" ")))
            }
        };
        if let Some(bad) = args.iter().skip(3).find(|a| !a.split('=').next().is_some_and(crate::env::parse::valid_key)) {
            return Err(self.err(format!("{bad:?} is not a variable name Dokku takes")));
        }
        let refs: Vec<&str> = args.iter_mut().map(|a| a.as_str()).collect();
        let r = self.dokku(&refs).await;
        audit::record(&t.host, app, "config", &shown, audit::outcome(&r, |_| format!("ok: {}", change.describe())));
        r?;
        let after = Self::config_text(&self.config(&name).await?);
        Ok((before, after))
    }

    /// The dynos now under the target's names (a restart replaced them: new IDs, same names).
    async fn now(&self, t: &HostTarget) -> Result<Vec<UnitNow>, String> {
        let engine = self.docker.engine().await.map_err(|e| self.err(e))?;
        let app = Self::app_of(t)?;
        engine.relist().await.map_err(|e| self.err(e))?;
        let mut out: Vec<UnitNow> = engine
            .snapshot()
            .iter()
            .filter(|c| {
                dynos::dyno_of(c)
                    .is_some_and(|(a, p, _)| a == app && restarts(t).iter().any(|(_, rp)| rp.as_deref().is_none_or(|rp| rp == p)))
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
            return Ok(Discovery::default());
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
        Ok(Discovery { processes, note, warnings })
    }

    async fn env(&self, t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
        let app = Self::app_of(t).map_err(|e| HostError::new(HostErrorKind::Command, e))?;
        let vars = self.config(&app).await.map_err(|e| HostError::new(HostErrorKind::Command, e))?;
        let source = EnvSource::SetBy { by: format!("dokku (config:set {app})") };
        Ok(processes
            .iter()
            .map(|p| ProcessEnv {
                host: t.host.clone(),
                process: p.process.clone(),
                unit: p.source.clone(),
                vars: vars.iter().map(|(k, v)| (k.clone(), v.clone(), source.clone())).collect(),
                problems: Vec::new(),
            })
            .collect())
    }

    /// Not a file: Dokku keeps the config (its place moved in 0.38); it is read and changed
    /// through `config:export` / `config:set`. This names it.
    fn env_file(&self, t: &HostTarget, _convention_file: &str) -> Option<String> {
        Self::app_of(t).ok().map(|app| format!("dokku config of {app}"))
    }

    async fn read_env_file(&self, t: &HostTarget, _path: &str) -> Result<(String, String), String> {
        let text = Self::config_text(&self.config(&Self::app_of(t)?).await?);
        Ok((crate::env::write::sha256_hex(text.as_bytes()), text))
    }

    async fn change_env(&self, t: &HostTarget, app: &str, _path: &str, change: &Change) -> Result<(String, String), String> {
        self.change(t, app, change).await
    }

    async fn write_env_file(&self, t: &HostTarget, app: &str, _path: &str, sha: &str, text: &str) -> Result<(), String> {
        let current = Self::config_text(&self.config(&Self::app_of(t)?).await?);
        if crate::env::write::sha256_hex(current.as_bytes()) != sha {
            return Err(format!("refused: {}: the config changed since it was read", t.host));
        }
        for change in crate::env::write::changes_between(&current, text).map_err(|e| self.err(e))? {
            self.change(t, app, &change).await?;
        }
        Ok(())
    }

    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>) {
        self.docker.logs(plan, req, tx).await
    }

    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
        self.docker.log_history(plan, req).await
    }

    /// `dokku ps:restart` per app or process type, so Dokku's own state (its CONTAINER files,
    /// its proxy) stays true; then the dynos under the same names, now new containers.
    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
        let mut calls = Vec::new();
        let mut result = Ok(());
        // `rebuild` (its own confirmed action, offered only here): the whole app, from source.
        let steps: Vec<(String, Option<String>)> =
            if action == "rebuild" { apps_of(t).into_iter().map(|a| (a, None)).collect() } else { restarts(t) };
        for (name, proc) in steps {
            if action == "rebuild" {
                calls.push(format!("{}dokku ps:rebuild {}", privileged(self.as_root()), quote(&name)));
                if let Err(e) = self.dokku(&["ps:rebuild", &name]).await {
                    result = Err(e);
                    break;
                }
                continue;
            }
            calls.push(restart_line(&name, proc.as_deref(), self.as_root()));
            let mut args = vec!["ps:restart", name.as_str()];
            if let Some(p) = proc.as_deref() {
                args.push(p);
            }
            if let Err(e) = self.dokku(&args).await {
                result = Err(e);
                break;
            }
        }
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
            .ok_or_else(|| self.err(format!("{}: no dyno is running to go into", Self::app_of(t).unwrap_or_default())))?;
        Ok(HostTarget { units: vec![chosen], ..t.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppRunSpec, ExecChoice, HostId};

    fn target(units: &[&str]) -> HostTarget {
        HostTarget {
            host: HostId("lab-2".into()),
            platform: info(),
            units: units.iter().map(|u| u.to_string()).collect(),
            as_root: true,
            run: AppRunSpec::default(),
            exec: ExecChoice::default(),
        }
    }

    #[test]
    fn restarts_go_by_process_type_or_whole_app() {
        assert_eq!(
            restarts(&target(&["blog.web.1", "blog.web.2", "blog.worker.1"])),
            [("blog".to_string(), Some("web".to_string())), ("blog".to_string(), Some("worker".to_string()))]
        );
        // The idle row is the whole app.
        assert_eq!(restarts(&target(&["api"])), [("api".to_string(), None)]);
        let lines = plan(Step::Restart, &target(&["blog.web.1"]));
        assert_eq!(lines, ["dokku ps:restart blog web (every web dyno: Dokku deploys new containers of the current release)"]);
    }
}
