//! Dokku as its `dokku` user sees it: every read and change is a `dokku` command through the
//! forced command (`call::Via::Forced`). What that login cannot do (no forwarding, no Docker
//! socket, no shell) its capabilities say, with what to do instead.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::{dynos, logs};
use crate::config::Convention;
use crate::logs::source::LogRequest;
use crate::model::addon::AddonProblem;
use crate::model::env::Change;
use crate::model::{
    AddOn, Can, Capabilities, CertRow, HealthCheck, HostError, HostErrorKind, HostFacts, HostReport, HostTarget, HostUnits, LogEvent,
    LogLine, PlatformInfo, PlatformRef, Process, ProcessEnv, Step, UnitNow,
};
use crate::platform::dokku::call::{self, Via};
use crate::platform::dokku::{NO_ROLLBACK, certs, config, deploys, report, services};
use crate::platform::{AppRead, Discovery, Platform, Probe, StepFn, docker};
use crate::transport::{BoxStream, Transport};

pub const NO_FORWARD: &str =
    "the dokku user's forced command allows no port forwarding: reach the host as root (or another login) to forward to a dyno";
pub const NO_METRICS: &str =
    "the dokku user cannot read the dynos' CPU and memory (no Docker socket through its forced command): reach the host as root for them";

pub const NO_ACTIVITY: &str = "the dokku user has no record of the dynos' starts and stops it can read (the engine's events need its socket): reach the host as root for them";

static INFO: PlatformInfo = PlatformInfo {
    name: "dokku",
    caps: Capabilities { rollback: Can::No(NO_ROLLBACK), forward: Can::No(NO_FORWARD), metrics: Can::No(NO_METRICS), ..Capabilities::ALL },
    plan,
    label: docker::container_label,
    rollout_each: false,
};

pub fn info() -> PlatformRef {
    PlatformRef(&INFO)
}

fn plan(step: Step, t: &HostTarget) -> Vec<String> {
    match step {
        Step::Restart => deploys::plan_restart(t, Via::Forced),
        Step::Rollback => vec![format!("nothing: {NO_ROLLBACK}")],
        Step::Rebuild => deploys::plan_rebuild(t, Via::Forced),
        Step::Shell => {
            let unit = t.units.first().map(String::as_str).unwrap_or("APP.DYNO");
            let (app, dyno) = unit.split_once('.').unwrap_or((unit, "DYNO"));
            vec![format!("ssh -t dokku@HOST enter {app} {dyno} (Dokku's own way into a running dyno, with the app's env)")]
        }
    }
}

pub struct Forced {
    transport: Arc<Transport>,
}

impl Forced {
    pub fn new(transport: Arc<Transport>) -> Forced {
        Forced { transport }
    }

    async fn dokku(&self, args: &[&str]) -> Result<String, String> {
        call::dokku(&self.transport, Via::Forced, args).await
    }

    /// Every app's `ps:report`, then `ps:inspect` of an app with dynos, the apps side by side
    /// (one command each: there is no shell to put them in one round trip). A failed inspect
    /// costs the dynos' details, not their rows.
    pub async fn reports(&self, names: &[String]) -> (Vec<dynos::AppDynos>, Vec<String>) {
        let runs = names.iter().map(|n| async move {
            let mut warnings = Vec::new();
            let report = match self.dokku(&["ps:report", n, "--format", "json"]).await.and_then(|t| report::ps_report(&t)) {
                Ok(r) => Some(r),
                Err(e) => {
                    warnings.push(format!("dokku ps:report {n}: {e}"));
                    None
                }
            };
            let mut inspected = Vec::new();
            if report.as_ref().is_some_and(|r| !r.status.is_empty()) {
                match self.dokku(&["ps:inspect", n]).await.and_then(|t| dynos::inspected(&t)) {
                    Ok(all) => inspected = all,
                    Err(e) => warnings.push(format!("dokku ps:inspect {n}: {e}")),
                }
            }
            (dynos::AppDynos { name: n.clone(), report, inspected }, warnings)
        });
        let mut warnings = Vec::new();
        let mut out = Vec::new();
        for (app, w) in futures::future::join_all(runs).await {
            out.push(app);
            warnings.extend(w);
        }
        (out, warnings)
    }

    /// The app list (JSON from 0.38.21, the quiet text before), and names Dokku would refuse.
    pub async fn apps(&self, version: report::Version) -> Result<(Vec<String>, Vec<String>), String> {
        let list = if version >= report::APPS_LIST_JSON {
            self.dokku(&["apps:list", "--format", "json"]).await?
        } else {
            self.dokku(&["--quiet", "apps:list"]).await?
        };
        Ok(report::apps(&list))
    }

    /// The dynos of the target's app now, of the process types it stands for.
    async fn now(&self, t: &HostTarget) -> Result<Vec<dynos::Dyno>, String> {
        let app = config::app_of(t)?;
        let text = self.dokku(&["ps:report", &app, "--format", "json"]).await?;
        let r = report::ps_report(&text).map_err(|e| format!("{}: {e}", t.host))?;
        let types = deploys::restarts(t);
        Ok(dynos::of(&app, &r, &[])
            .into_iter()
            .filter(|d| types.iter().any(|(_, p)| p.as_deref().is_none_or(|p| p == d.process)))
            .collect())
    }

    /// The dyno `fleet shell`/`run` goes into: the one named (`web.1` or `blog.web.1`), else
    /// the target's first running one. As `APP DYNO`, what `dokku enter` takes.
    async fn dyno_for(&self, t: &HostTarget) -> Result<(String, String), String> {
        let app = config::app_of(t)?;
        let running: Vec<String> = self.now(t).await?.into_iter().filter(|d| d.status == "running").map(|d| d.unit).collect();
        let named = t.exec.instance.as_ref().map(|i| if i.starts_with(&format!("{app}.")) { i.clone() } else { format!("{app}.{i}") });
        let unit = match named {
            Some(n) if running.contains(&n) => n,
            Some(n) => return Err(format!("{}: {n} is not a running dyno (running: {})", t.host, running.join(", "))),
            None => running.first().cloned().ok_or_else(|| format!("{}: {app}: no dyno is running to go into", t.host))?,
        };
        let dyno = unit[app.len() + 1..].to_string();
        Ok((app, dyno))
    }
}

#[async_trait]
impl Platform for Forced {
    fn info(&self) -> PlatformRef {
        info()
    }

    /// No probe: there is no shell to run one (the backend asks Dokku itself, `Account::refresh`).
    fn probe(&self, _convention: &Convention) -> Option<String> {
        None
    }

    async fn discover(&self, _probe: &Probe<'_>, _convention: &Convention, _facts: &mut HostFacts) -> Result<Discovery, String> {
        Ok(Discovery::default())
    }

    async fn env(&self, t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
        config::env(&self.transport, Via::Forced, t, processes).await
    }

    fn env_file(&self, t: &HostTarget, _convention_file: &str) -> Option<String> {
        config::app_of(t).ok().map(|app| format!("dokku config of {app}"))
    }

    async fn read_env_file(&self, t: &HostTarget, _path: &str) -> Result<(String, String), String> {
        config::read(&self.transport, Via::Forced, t).await
    }

    async fn change_env(&self, t: &HostTarget, app: &str, _path: &str, change: &Change) -> Result<(String, String), String> {
        config::change(&self.transport, Via::Forced, t, app, change).await
    }

    async fn write_env_file(&self, t: &HostTarget, app: &str, _path: &str, sha: &str, text: &str) -> Result<(), String> {
        config::write(&self.transport, Via::Forced, t, app, sha, text).await
    }

    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>) {
        logs::run(self.transport.clone(), plan, req, tx).await
    }

    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
        logs::older(&self.transport, plan, req).await
    }

    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
        let (calls, result) = deploys::run(&self.transport, Via::Forced, t, action).await;
        let result = match result {
            Ok(()) => self.now(t).await.map(|ds| ds.iter().map(dynos::now_of).collect::<Vec<_>>()),
            Err(e) => Err(e),
        };
        let said =
            crate::audit::outcome(&result, |units| format!("ok: {}", units.iter().map(UnitNow::label).collect::<Vec<_>>().join(", ")));
        crate::audit::record(&t.host, app, action, &calls.join("; "), said);
        result
    }

    /// Dokku's own checks gated the deploy before `ps:restart` returned; this waits until every
    /// dyno of the target runs and keeps its container for `stable_for`. A health URL cannot
    /// be reached from this login (no forwarding): refused rather than skipped.
    async fn wait_ready(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<String, String> {
        if let Some(url) = &health.url {
            return Err(format!(
                "{}: {app}'s health_url ({url}) cannot be checked as the dokku user (its forced command allows no forwarding): reach {} as root, or leave health_url out for this app (Dokku's own CHECKS gate each deploy)",
                t.host, t.host
            ));
        }
        let deadline = Instant::now() + health.timeout;
        let mut stable_since: Option<(Instant, Vec<dynos::Dyno>)> = None;
        loop {
            let now = self.now(t).await?;
            let all_running = !now.is_empty() && now.iter().all(|d| d.status == "running");
            match &stable_since {
                Some((since, was)) if all_running && *was == now => {
                    if since.elapsed() >= health.stable_for {
                        let names: Vec<&str> = now.iter().map(|d| d.unit.as_str()).collect();
                        return Ok(format!("{} running for {} s (Dokku's checks passed)", names.join(", "), health.stable_for.as_secs()));
                    }
                }
                _ if all_running => {
                    step(format!("{}: {app}: {} dynos running, waiting {} s", t.host, now.len(), health.stable_for.as_secs()));
                    stable_since = Some((Instant::now(), now.clone()));
                }
                _ => stable_since = None,
            }
            if Instant::now() >= deadline {
                let states: Vec<String> = now.iter().map(|d| format!("{} {}", d.unit, d.status)).collect();
                return Err(format!("{}: {app} not ready within {} s ({})", t.host, health.timeout.as_secs(), states.join(", ")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    async fn rollback(&self, t: &HostTarget, _app: &str, _health: &HealthCheck, _step: StepFn<'_>) -> Result<Vec<UnitNow>, String> {
        Err(format!("{}: {NO_ROLLBACK}", t.host))
    }

    /// `dokku enter APP DYNO ARGV…`: Dokku's own `docker exec` into the running dyno (everything
    /// after the dyno is the command; no `--`, which only its newer scheduler-enter skips and
    /// older ones would run as the command). Without a terminal
    /// Dokku passes no `-i`, so the command's stdin is not the caller's.
    async fn run(&self, t: &HostTarget, app: &str, argv: &[String]) -> Result<i32, String> {
        let (name, dyno) = self.dyno_for(t).await?;
        let mut args = vec!["enter", name.as_str(), dyno.as_str()];
        args.extend(argv.iter().map(String::as_str));
        let line = call::line(Via::Forced, &args).map_err(|e| format!("{}: {e}", t.host))?;
        let r = self.transport.run_attached(&line).await;
        crate::audit::record(&t.host, app, "run", &deploys::shown(Via::Forced, &args), crate::audit::outcome(&r, |c| format!("exit {c}")));
        r
    }

    /// `dokku enter APP DYNO [SHELL]` on a terminal: Dokku's shell of the app (bash unless
    /// set otherwise with scheduler:set … shell).
    async fn shell(&self, t: &HostTarget, app: &str) -> Result<i32, String> {
        let (name, dyno) = self.dyno_for(t).await?;
        let mut args = vec!["enter", name.as_str(), dyno.as_str()];
        if let Some(s) = t.exec.shell.as_deref() {
            args.push(s);
        }
        let line = call::line(Via::Forced, &args).map_err(|e| format!("{}: {e}", t.host))?;
        let r = self.transport.run_pty(&line).await;
        crate::audit::record(
            &t.host,
            app,
            "shell",
            &deploys::shown(Via::Forced, &args),
            crate::audit::outcome(&r, |c| format!("exit {c}")),
        );
        r
    }

    async fn connect(&self, _app: &str, _port: u16) -> Result<BoxStream, HostError> {
        Err(HostError::new(HostErrorKind::Config, format!("{}: {NO_FORWARD}", self.transport.id())))
    }

    async fn port_of(&self, _t: &HostTarget) -> Option<u16> {
        None
    }

    async fn app_metrics(&self, t: &HostTarget, _app: &str) -> Result<AppRead, String> {
        Err(format!("{}: {NO_METRICS}", t.host))
    }

    /// The service plugins' services and links, each through its own commands; a plugin that
    /// is not installed answers "is not a dokku command" and is left out. A service's state is
    /// its `PLUGIN:info SERVICE --status`; the variable a linked app reads it by, its config.
    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        let lists = services::PLUGINS.iter().map(|p| async move { (*p, self.dokku(&["--quiet", &format!("{p}:list")]).await) });
        let mut text = String::new();
        let mut found: Vec<(&str, String)> = Vec::new();
        for (plugin, r) in futures::future::join_all(lists).await {
            let Ok(list) = r else { continue };
            text.push_str(&format!("@@fleet svc-{plugin}\n{list}\n"));
            found.extend(list.lines().map(str::trim).filter(|s| report::valid_app(s)).map(|s| (plugin, s.to_string())));
        }
        let per_service = found.iter().map(|(plugin, service)| async move {
            let links = self.dokku(&["--quiet", &format!("{plugin}:links"), service]).await.unwrap_or_default();
            let status = self.dokku(&[&format!("{plugin}:info"), service, "--status"]).await.ok();
            (*plugin, service.clone(), links, status)
        });
        let mut states = Vec::new();
        let mut linked: Vec<String> = Vec::new();
        for (plugin, service, links, status) in futures::future::join_all(per_service).await {
            text.push_str(&format!("@@fleet links-{plugin} {service}\n{links}\n"));
            linked.extend(links.lines().map(str::trim).filter(|a| report::valid_app(a)).map(String::from));
            states.push((format!("dokku {plugin} {service}"), status.map(|s| s.trim().to_string())));
        }
        text.push_str("@@fleet end\n");
        linked.sort();
        linked.dedup();
        let configs =
            linked.iter().map(|a| async move { (a.clone(), config::export(&self.transport, Via::Forced, a).await.unwrap_or_default()) });
        let configs: Vec<(String, Vec<(String, String)>)> = futures::future::join_all(configs).await;
        let env = |app: &str| configs.iter().find(|(a, _)| a == app).map(|(_, c)| c.clone()).unwrap_or_default();
        let mut addons = services::addons(&report.host, &text, &[], env);
        for a in &mut addons {
            let status = states.iter().find(|(u, _)| *u == a.unit).and_then(|(_, s)| s.clone());
            (a.state, a.detail) = match status.as_deref() {
                Some("running") => (crate::model::ProcessState::Running, "running".into()),
                Some(s) if !s.is_empty() => (crate::model::ProcessState::Stopped, crate::text::sanitize(s).into_owned()),
                _ => (crate::model::ProcessState::Unknown, "its state: no answer to info --status".into()),
            };
        }
        Ok((addons, Vec::new()))
    }

    /// Each app's certs:report, domains:report and letsencrypt:active. Whether the renewal
    /// cron job is installed is in the dokku user's crontab, which no dokku command shows: not
    /// known from here.
    async fn kept_certs(&self, report: &HostReport) -> Result<Vec<CertRow>, HostError> {
        let mut apps: Vec<String> = report.processes.iter().filter(|p| p.platform == info()).map(|p| p.app.clone()).collect();
        apps.sort();
        apps.dedup();
        apps.retain(|a| report::valid_app(a));
        let runs = apps.iter().map(|a| async move {
            let certs = self.dokku(&["certs:report", a, "--format", "json"]).await.ok();
            let domains = self.dokku(&["domains:report", a, "--format", "json"]).await.ok();
            let le = self.dokku(&["letsencrypt:active", a]).await.ok();
            (a, certs, domains, le)
        });
        Ok(futures::future::join_all(runs)
            .await
            .into_iter()
            .flat_map(|(a, c, d, le)| certs::rows(&report.host, a, c.as_deref(), d.as_deref(), le.as_deref(), None))
            .collect())
    }

    async fn activity(
        &self,
        _t: &HostTarget,
        _app: &str,
        _since: Option<jiff::Timestamp>,
        _limit: usize,
    ) -> Result<Vec<crate::model::ActivityEntry>, String> {
        // The caller names the host.
        Err(NO_ACTIVITY.to_string())
    }

    async fn changed(&self) {
        std::future::pending::<()>().await
    }
}
