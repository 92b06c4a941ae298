//! Docker as a platform: an engine's containers (compose services, containers labelled
//! `fleet.app`) are an app's processes; the engine's API, over the host's own SSH connection
//! (a direct-streamlocal channel to its socket), does everything else: logs, env, restart,
//! exec, stats and events. The host's compose is run only to recreate a service. See
//! `containers` for the convention and `engine` for how the containers are watched.

pub mod activity;
pub mod client;
pub mod compose;
pub mod containers;
pub mod engine;
pub mod env;
pub mod exec;
pub mod logs;
pub mod metrics;
pub mod ready;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Mutex, Notify, mpsc::UnboundedSender};

use super::{AppRead, Discovery, Platform, Probe, StepFn, machine};
use crate::audit;
use crate::config::Convention;
use crate::logs::source::LogRequest;
use crate::model::addon::AddonProblem;
use crate::model::env::Change;
use crate::model::{
    AddOn, Can, Capabilities, HealthCheck, HostError, HostErrorKind, HostFacts, HostReport, HostTarget, HostUnits, LogEvent, LogLine,
    PlatformInfo, PlatformRef, Process, ProcessEnv, Step, UnitNow,
};
use crate::transport::quote::quote;
use crate::transport::{BoxStream, Transport};
use engine::Engine;

const NO_ROLLBACK: &str = "Docker keeps no previous revision of a container: deploy the previous image tag (set it in the compose file and run `docker compose up -d`)";

pub static INFO: PlatformInfo = PlatformInfo {
    name: "docker",
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
    label: container_label,
    rollout_each: true,
};

pub fn info() -> PlatformRef {
    PlatformRef(&INFO)
}

/// The process row's last column for a container: its name, why it is not running (or not
/// healthy), its image (and ID) and published ports.
pub fn container_label(p: &Process) -> String {
    let image = p
        .container
        .as_ref()
        .map(|c| {
            let ports = if c.ports.is_empty() { String::new() } else { format!(" · {}", c.ports.join(" ")) };
            format!(" · {} ({}){ports}", c.image, c.image_id)
        })
        .unwrap_or_default();
    // What is wrong first: on a narrow terminal the image is what gets cut.
    match (&p.why, &p.warning) {
        (Some(why), _) => format!("{} · {why}{image}", p.source),
        (None, Some(w)) => format!("{} · {w}{image}", p.source),
        (None, None) => format!("{}{image}", p.source),
    }
}

/// The engine API calls each step makes, as the confirmation shows them.
fn plan(step: Step, t: &HostTarget) -> Vec<String> {
    match step {
        Step::Restart => {
            let mut v: Vec<String> = t.units.iter().map(|c| format!("POST /containers/{c}/restart (docker restart {c})")).collect();
            if let Some(wd) = t.run.working_dir.as_deref().filter(|_| !t.run.env_files.is_empty()) {
                v.push(format!(
                    "  or, for a compose service whose env or compose file changed since its container was made: cd {wd} && compose up -d --no-deps SERVICE (recreated)"
                ));
            }
            v
        }
        Step::Rebuild => Vec::new(),
        Step::Rollback => vec![format!("nothing: {NO_ROLLBACK}")],
        Step::Shell => {
            let c = t.exec.instance.clone().or_else(|| t.units.first().cloned()).unwrap_or_default();
            vec![format!("POST /containers/{c}/exec with a TTY: {} (docker exec -it {c} …)", exec::shell_argv(t).join(" "))]
        }
    }
}

/// The socket path fleet uses unless `[convention] docker_socket` says otherwise.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// A clone shares the engine connection and its watch: Dokku's platform reads the same engine.
#[derive(Clone)]
pub struct Docker {
    transport: Arc<Transport>,
    /// The engine as last connected; None until the first refresh that finds its socket.
    engine: Arc<Mutex<Option<Arc<Engine>>>>,
    changed: Arc<Notify>,
    socket: Arc<std::sync::Mutex<String>>,
    /// Whether the last refresh found a socket this user may open: without one, add-ons and
    /// the rest have nothing to ask.
    present: Arc<std::sync::atomic::AtomicBool>,
}

impl Docker {
    pub fn new(transport: Arc<Transport>) -> Docker {
        Docker {
            transport,
            engine: Arc::default(),
            changed: Arc::new(Notify::new()),
            socket: Arc::new(std::sync::Mutex::new(DEFAULT_SOCKET.into())),
            present: Default::default(),
        }
    }

    /// Whether the last refresh found an engine this user may use.
    pub fn present(&self) -> bool {
        self.present.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn socket(&self) -> String {
        self.socket.lock().map(|s| s.clone()).unwrap_or_else(|_| DEFAULT_SOCKET.into())
    }

    /// The watched engine, connecting (and starting its watch) when there is none or its event
    /// stream broke.
    pub(crate) async fn engine(&self) -> Result<Arc<Engine>, String> {
        let mut slot = self.engine.lock().await;
        if let Some(e) = slot.as_ref()
            && e.broken().is_none()
        {
            return Ok(e.clone());
        }
        if let Some(old) = slot.take() {
            tracing::info!(host = %self.transport.id(), "docker event stream ended ({}): listing again", old.broken().unwrap_or_default());
        }
        let docker = client::connect(self.transport.clone(), self.socket()).await?;
        let e = Engine::start(docker, self.changed.clone()).await?;
        *slot = Some(e.clone());
        Ok(e)
    }

    /// The message with the host in front, once.
    fn err(&self, e: String) -> String {
        let host = self.transport.id();
        if e.starts_with(&format!("{host}: ")) { e } else { format!("{host}: {e}") }
    }

    /// The target's containers split in two: compose commands recreating the services whose env
    /// or compose files changed since their containers were made, and the containers to restart.
    async fn stale_services(&self, engine: &Engine, t: &HostTarget) -> (Vec<String>, Vec<String>) {
        let mut plain = Vec::new();
        // By project: (a container of it, its stale services with their container counts).
        let mut stale: Vec<(bollard::models::ContainerInspectResponse, Vec<(String, usize)>)> = Vec::new();
        for name in &t.units {
            let Some(c) = engine.get(name) else {
                plain.push(name.clone());
                continue;
            };
            let l = containers::labels(&c);
            let (Some(project), Some(service)) = (l.get(containers::COMPOSE_PROJECT), l.get(containers::COMPOSE_SERVICE)) else {
                plain.push(name.clone());
                continue;
            };
            let mut files = engine.env_files_of(&self.transport, &c).await;
            files.extend(compose::compose_files(&c));
            let created = containers::parse_time(c.created.as_deref());
            let cmd = format!("stat -c '%Y %n' -- {} 2>/dev/null", crate::transport::quote::quote_all(&files));
            let changed = match (created, self.transport.exec(&cmd).await) {
                (Some(created), Ok(out)) => !compose::changed_since(&String::from_utf8_lossy(&out.stdout), created).is_empty(),
                _ => false,
            };
            if !changed {
                plain.push(name.clone());
                continue;
            }
            let count = engine
                .snapshot()
                .iter()
                .filter(|o| {
                    let ol = containers::labels(o);
                    ol.get(containers::COMPOSE_PROJECT) == Some(project)
                        && ol.get(containers::COMPOSE_SERVICE) == Some(service)
                        && ol.get(containers::COMPOSE_ONEOFF).is_none_or(|v| !v.eq_ignore_ascii_case("true"))
                })
                .count()
                .max(1);
            match stale.iter_mut().find(|(o, _)| containers::labels(o).get(containers::COMPOSE_PROJECT) == Some(project)) {
                Some((_, services)) => {
                    if !services.iter().any(|(s, _)| s == service) {
                        services.push((service.clone(), count));
                    }
                }
                None => stale.push((c.clone(), vec![(service.clone(), count)])),
            }
        }
        (stale.iter().map(|(c, services)| compose::recreate_command(c, services)).collect(), plain)
    }

    /// Only a file the target's services read is written.
    fn own_env_file(&self, t: &HostTarget, path: &str) -> Result<(), String> {
        if t.run.env_files.iter().any(|f| f == path) {
            Ok(())
        } else {
            Err(self.err(format!("{path} is not an env_file of {}: refresh and try again", t.units.join(", "))))
        }
    }

    fn host_error(&self, e: String) -> HostError {
        HostError::new(HostErrorKind::Command, self.err(e))
    }
}

/// What the probe says of the engine's socket.
#[derive(Debug, PartialEq, Eq)]
pub enum SocketState {
    Absent,
    Usable,
    /// Present, but the ssh user may not open it.
    Denied {
        user: String,
    },
}

pub fn socket_state(section: Option<&str>) -> SocketState {
    let Some(text) = section else { return SocketState::Absent };
    for line in text.lines() {
        let mut w = line.split_whitespace();
        match (w.next(), w.next()) {
            (Some("ok"), _) => return SocketState::Usable,
            (Some("denied"), user) => return SocketState::Denied { user: user.unwrap_or("this user").to_string() },
            _ => {}
        }
    }
    SocketState::Absent
}

pub(crate) fn now_of(c: &bollard::models::ContainerInspectResponse) -> UnitNow {
    let (state, detail, _) = containers::state_of(c);
    UnitNow {
        unit: containers::name_of(c),
        active: state.label().to_string(),
        sub: detail,
        pid: c.state.as_ref().and_then(|s| s.pid).filter(|p| *p > 0).and_then(|p| u32::try_from(p).ok()),
        restarts: c.restart_count.and_then(|n| u32::try_from(n).ok()),
    }
}

#[async_trait]
impl Platform for Docker {
    fn info(&self) -> PlatformRef {
        info()
    }

    /// Whether the socket is there and this user may open it; compose's name on the host.
    fn probe(&self, convention: &Convention) -> Option<String> {
        let socket = convention.docker_socket.clone().unwrap_or_else(|| DEFAULT_SOCKET.into());
        if let Ok(mut s) = self.socket.lock() {
            s.clone_from(&socket);
        }
        let s = quote(&socket);
        Some(format!(
            r#"if [ -S {s} ]; then
  echo "@@fleet docker"
  if [ -r {s} ] && [ -w {s} ]; then echo ok; else echo denied "$(id -un)"; fi
fi
"#
        ))
    }

    async fn discover(&self, probe: &Probe<'_>, convention: &Convention, _facts: &mut HostFacts) -> Result<Discovery, String> {
        let state = socket_state(probe.sections.get("docker"));
        self.present.store(state == SocketState::Usable, std::sync::atomic::Ordering::Relaxed);
        match state {
            SocketState::Absent => return Ok(Discovery::absent()),
            SocketState::Denied { user } => {
                return Ok(Discovery {
                    note: Some(format!(
                        "{user} may not open {}: add it to the docker group (usermod -aG docker {user}, then log in again) or connect as root",
                        self.socket()
                    )),
                    ..Default::default()
                });
            }
            SocketState::Usable => {}
        }
        let engine = self.engine().await.map_err(|e| format!("docker: {}", e.trim_start_matches(&format!("{}: ", probe.host))))?;
        engine.recheck_health().await;
        let all = engine.snapshot();
        let mut env_files = std::collections::HashMap::new();
        for c in all.iter().filter(|c| containers::app_of(c, convention).is_some()) {
            env_files.insert(c.id.clone(), engine.env_files_of(&self.transport, c).await);
        }
        let processes = containers::processes(&all, probe.host, convention, |c| containers::Extra {
            image_created: engine.created_of(c),
            env_files: env_files.get(&c.id).cloned().unwrap_or_default(),
        });
        Ok(Discovery { processes, note: None, warnings: Vec::new(), absent: false })
    }

    async fn env(&self, t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
        let engine = self.engine().await.map_err(|e| self.host_error(e))?;
        env::container_env(&self.transport, &engine, t, processes).await.map_err(|e| self.host_error(e))
    }

    /// The compose service's env file (the convention's when it is one of them, else the last,
    /// which wins in compose); None for containers compose did not make.
    fn env_file(&self, t: &HostTarget, convention_file: &str) -> Option<String> {
        crate::env::write::file_for(t, convention_file)
    }

    async fn read_env_file(&self, t: &HostTarget, path: &str) -> Result<(String, String), String> {
        self.own_env_file(t, path)?;
        machine::env_file::read(&self.transport, t, path).await
    }

    /// The same atomic, hash-checked, backed-up write as for systemd; the restart that follows
    /// recreates the services (see `restart`).
    async fn change_env(&self, t: &HostTarget, app: &str, path: &str, change: &Change) -> Result<(String, String), String> {
        self.own_env_file(t, path)?;
        machine::env_file::change_file(&self.transport, t, app, path, change).await
    }

    async fn write_env_file(&self, t: &HostTarget, app: &str, path: &str, sha: &str, text: &str) -> Result<(), String> {
        self.own_env_file(t, path)?;
        machine::env_file::write(&self.transport, t, app, path, sha, text).await
    }

    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>) {
        match self.engine().await {
            Ok(engine) => logs::run(engine, plan, req, tx).await,
            Err(e) => {
                let _ = tx.send(LogEvent::Failed { host: plan.host, error: self.host_error(e) });
            }
        }
    }

    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
        let engine = self.engine().await.map_err(|e| self.host_error(e))?;
        logs::older(&engine, plan, req).await
    }

    /// A restart through the API; but a compose service whose env file or compose file changed
    /// since its container was made is recreated by compose (a restart would keep the old env).
    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
        let engine = self.engine().await.map_err(|e| self.err(e))?;
        let (recreate, mut plain) = self.stale_services(&engine, t).await;
        let ids_before: Vec<(String, Option<String>)> = t.units.iter().map(|u| (u.clone(), engine.get(u).and_then(|c| c.id))).collect();
        let mut calls: Vec<String> = Vec::new();
        let mut result = Ok(());
        for cmd in &recreate {
            calls.push(cmd.clone());
            match self.transport.exec(cmd).await {
                Ok(out) if out.status == Some(0) => {}
                Ok(out) => {
                    result = Err(machine::command_error(&t.host, &String::from_utf8_lossy(&out.stderr), out.status));
                    break;
                }
                Err(e) => {
                    result = Err(self.err(e.message));
                    break;
                }
            }
        }
        if !recreate.is_empty() && result.is_ok() {
            // compose leaves a service "up-to-date" when its resolved config did not change (a
            // file touched, or edited and put back): those containers still get their restart.
            for (name, id) in &ids_before {
                engine.reinspect(name).await;
                if !plain.contains(name) && engine.get(name).and_then(|c| c.id) == *id {
                    plain.push(name.clone());
                }
            }
        }
        if result.is_ok() {
            // All at once, as `docker restart a b c` does: each may take its stop timeout.
            calls.extend(plain.iter().map(|c| format!("POST /containers/{c}/restart")));
            let docker = &engine.docker;
            let runs = plain.iter().map(|c| async move { (c, docker.restart_container(c, None).await) });
            for (c, r) in futures::future::join_all(runs).await {
                if let Err(e) = r
                    && result.is_ok()
                {
                    result = Err(self.err(format!("{c}: {}", client::describe(&e))));
                }
            }
        }
        for c in &t.units {
            engine.reinspect(c).await;
        }
        let result = result.map(|_| t.units.iter().filter_map(|c| engine.get(c)).map(|c| now_of(&c)).collect::<Vec<_>>());
        let said = audit::outcome(&result, |units| format!("ok: {}", units.iter().map(UnitNow::label).collect::<Vec<_>>().join(", ")));
        audit::record(&t.host, app, action, &calls.join("; "), said);
        result
    }

    async fn wait_ready(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<String, String> {
        let engine = self.engine().await.map_err(|e| self.err(e))?;
        step(format!("waiting: {}", ready::describe(health)));
        let r = ready::wait(&self.transport, &engine, t, health).await.map_err(|e| self.err(e));
        audit::record(&t.host, app, "rollout-health", &ready::describe(health), audit::outcome(&r, |why| format!("ok: {why}")));
        if let Ok(why) = &r {
            step(format!("healthy: {why}"));
        }
        r
    }

    async fn rollback(&self, _t: &HostTarget, _app: &str, _health: &HealthCheck, _step: StepFn<'_>) -> Result<Vec<UnitNow>, String> {
        Err(self.err(NO_ROLLBACK.into()))
    }

    async fn run(&self, t: &HostTarget, app: &str, argv: &[String]) -> Result<i32, String> {
        let engine = self.engine().await.map_err(|e| self.err(e))?;
        let (container, line) = exec::describe(&engine, t, argv, false)?;
        let code = exec::run(&engine, &container, argv, false).await.map_err(|e| self.err(e));
        audit::record(&t.host, app, "run", &line, audit::outcome(&code, |c| format!("exit {c}")));
        code
    }

    async fn shell(&self, t: &HostTarget, app: &str) -> Result<i32, String> {
        let engine = self.engine().await.map_err(|e| self.err(e))?;
        let argv = exec::shell_argv(t);
        let (container, line) = exec::describe(&engine, t, &argv, true)?;
        let code = exec::run(&engine, &container, &argv, true).await.map_err(|e| self.err(e));
        audit::record(&t.host, app, "shell", &line, audit::outcome(&code, |c| format!("exit {c}")));
        code
    }

    /// The port at the address of a running container of the app, from the host: one that
    /// exposes that port (its image's EXPOSE, compose's `ports:`), else the first running one.
    async fn connect(&self, app: &str, port: u16) -> Result<BoxStream, HostError> {
        let engine = self.engine().await.map_err(|e| self.host_error(e))?;
        let convention = Convention::default();
        let mut running: Vec<_> = engine
            .snapshot()
            .into_iter()
            .filter(|c| containers::app_of(c, &convention).is_some_and(|(a, _)| a == app))
            .filter(|c| c.state.as_ref().and_then(|s| s.running).unwrap_or(false))
            .collect();
        let exposes = |c: &bollard::models::ContainerInspectResponse| {
            let exposed = c.config.as_ref().and_then(|c| c.exposed_ports.as_ref());
            exposed.is_some_and(|ports| ports.iter().any(|p| p.split('/').next() == Some(port.to_string().as_str())))
        };
        running.sort_by_key(|c| !exposes(c));
        let target = running.iter().find_map(containers::address);
        let Some(ip) = target else {
            return Err(self.host_error(format!("no running container of {app} with an address on a network")));
        };
        self.transport.connect_tcp(&ip, port).await
    }

    async fn port_of(&self, t: &HostTarget) -> Option<u16> {
        let engine = self.engine().await.ok()?;
        let c = engine.get(t.units.first()?)?;
        containers::env_pairs(&c).into_iter().find(|(k, _)| k == "PORT").and_then(|(_, v)| v.trim().parse().ok())
    }

    async fn app_metrics(&self, t: &HostTarget, _app: &str) -> Result<AppRead, String> {
        let engine = self.engine().await.map_err(|e| self.err(e))?;
        metrics::sample(&engine, &t.units).await.map(AppRead::Counters).map_err(|e| self.err(e))
    }

    /// None of its own: the host's are the machine's.
    async fn kept_certs(&self, _report: &HostReport) -> Result<Vec<crate::model::CertRow>, HostError> {
        Ok(Vec::new())
    }

    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        if !self.present.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok((Vec::new(), Vec::new()));
        }
        let engine = self.engine().await.map_err(|e| self.host_error(e))?;
        Ok(env::addons(&engine, report))
    }

    async fn activity(
        &self,
        t: &HostTarget,
        app: &str,
        since: Option<jiff::Timestamp>,
        limit: usize,
    ) -> Result<Vec<crate::model::ActivityEntry>, String> {
        let engine = self.engine().await.map_err(|e| self.err(e))?;
        activity::read(&engine, t, app, since, limit).await.map_err(|e| self.err(e))
    }

    async fn changed(&self) {
        self.changed.notified().await
    }
}
