//! Which containers are which app's processes, and how each reads as a fleet process. Pure: an
//! engine's inspect answers in, processes and add-on containers out.
//!
//! The convention (README: Docker hosts):
//! - a compose project is an app, its service a process, `container-number` the instance
//!   (`web×2`); one-off containers (`docker compose run`, label `oneoff=True`) are not processes;
//! - a container labelled `fleet.app` (a home-made orchestrator's) is a process of that app,
//!   named by `fleet.process` (else its compose service, else "web");
//! - an unlabelled container is not an app: hand-run containers are mostly vendor tools
//!   (watchtower, portainer, nginx-proxy) whose names look like `{app}-{process}` by accident,
//!   and fleet would rather miss one than invent apps; label it `fleet.app` to make it one;
//! - a container running a database or cache image (Redis, PostgreSQL, …) is an add-on, not a
//!   process, unless it is labelled `fleet.app` on purpose.
//!
//! Containers are keyed by name, never by ID: a recreate (compose, watchtower) makes a new ID.

use std::collections::HashMap;

use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum, HealthStatusEnum};
use jiff::Timestamp;

use crate::config::Convention;
use crate::config::convention::glob_match;
use crate::model::{ContainerFacts, HostId, Process, ProcessKind, ProcessState};

pub const COMPOSE_PROJECT: &str = "com.docker.compose.project";
pub const COMPOSE_SERVICE: &str = "com.docker.compose.service";
pub const COMPOSE_NUMBER: &str = "com.docker.compose.container-number";
pub const COMPOSE_ONEOFF: &str = "com.docker.compose.oneoff";
pub const COMPOSE_WORKDIR: &str = "com.docker.compose.project.working_dir";
pub const COMPOSE_FILES: &str = "com.docker.compose.project.config_files";
pub const FLEET_APP: &str = "fleet.app";
pub const FLEET_PROCESS: &str = "fleet.process";
/// Dokku's scheduler labels every container of an app with its name.
pub const DOKKU_APP: &str = "com.dokku.app-name";

/// Images (their last path part, before the tag) and main executables that make a container an
/// add-on, with the add-on kind's name as `model::addon::Kind` parses it.
const ADDON_IMAGES: &[(&str, &str)] = &[
    ("redis", "redis"),
    ("redis-server", "redis"),
    ("valkey", "redis"),
    ("postgres", "postgresql"),
    ("postgresql", "postgresql"),
    ("postgis", "postgresql"),
    ("mysql", "mysql"),
    ("mysqld", "mysql"),
    ("mariadb", "mysql"),
    ("mariadbd", "mysql"),
    ("mongo", "mongodb"),
    ("mongod", "mongodb"),
    ("memcached", "memcached"),
    ("rabbitmq", "rabbitmq"),
    ("rabbitmq-server", "rabbitmq"),
    ("elasticsearch", "elasticsearch"),
];

/// What one container is to fleet.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    Process(Box<Process>),
    /// A database or cache: its add-on kind, and the container.
    AddOn(&'static str),
    /// One-off, unlabelled, or ignored by `ignore_apps`.
    None,
}

pub fn name_of(c: &ContainerInspectResponse) -> String {
    c.name.as_deref().unwrap_or("").trim_start_matches('/').to_string()
}

pub fn labels(c: &ContainerInspectResponse) -> &HashMap<String, String> {
    static EMPTY: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
    c.config.as_ref().and_then(|c| c.labels.as_ref()).unwrap_or_else(|| EMPTY.get_or_init(HashMap::new))
}

pub fn label<'a>(c: &'a ContainerInspectResponse, key: &str) -> Option<&'a str> {
    labels(c).get(key).map(String::as_str).filter(|v| !v.is_empty())
}

/// The add-on kind of what the container runs, from its image name or its main executable.
pub fn addon_kind(c: &ContainerInspectResponse) -> Option<&'static str> {
    let image = c.config.as_ref().and_then(|c| c.image.as_deref()).unwrap_or("");
    let base = image.rsplit('/').next().unwrap_or("").split([':', '@']).next().unwrap_or("");
    let exe = c
        .path
        .iter()
        .chain(c.args.iter().flatten())
        .map(|a| a.rsplit('/').next().unwrap_or(""))
        .find(|a| !a.ends_with(".sh") && !matches!(*a, "sh" | "bash" | "tini" | "dumb-init" | "gosu" | "exec"))
        .unwrap_or("");
    ADDON_IMAGES.iter().find(|(n, _)| *n == base || *n == exe).map(|(_, k)| *k)
}

/// The (app, process) a container belongs to, or why none.
pub fn app_of(c: &ContainerInspectResponse, convention: &Convention) -> Option<(String, String)> {
    // Dokku's containers are the Dokku platform's (platform::dokku), whatever else they carry.
    if label(c, DOKKU_APP).is_some() {
        return None;
    }
    let (app, process) = if let Some(app) = label(c, FLEET_APP) {
        let process = label(c, FLEET_PROCESS).or(label(c, COMPOSE_SERVICE)).unwrap_or("web");
        (app, process)
    } else if let Some(project) = label(c, COMPOSE_PROJECT) {
        if label(c, COMPOSE_ONEOFF).is_some_and(|v| v.eq_ignore_ascii_case("true")) || retiree(&name_of(c)) {
            return None;
        }
        (project, label(c, COMPOSE_SERVICE)?)
    } else {
        return None;
    };
    if !valid_name(app) || !valid_name(process) || convention.ignore_apps.iter().any(|g| glob_match(g, app)) {
        return None;
    }
    Some((app.to_string(), process.to_string()))
}

/// A container compose is replacing: during a recreate it renames the old one to
/// `{12 hex digits of its ID}_{name}` and removes it once the new one runs.
pub fn retiree(name: &str) -> bool {
    name.split_once('_').is_some_and(|(id, rest)| id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !rest.is_empty())
}

/// Names fleet shows and puts in commands: what compose and Docker themselves allow.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// What the container is to fleet.
/// What a container's process needs beyond its inspect: its image's creation and the compose
/// env files its service reads (absolute; empty for a container compose did not make).
#[derive(Debug, Default, Clone)]
pub struct Extra {
    pub image_created: Option<Timestamp>,
    pub env_files: Vec<String>,
}

pub fn role(c: &ContainerInspectResponse, host: &HostId, convention: &Convention, extra: Extra) -> Role {
    let labelled = label(c, FLEET_APP).is_some();
    if !labelled && let Some(kind) = addon_kind(c) {
        return if label(c, COMPOSE_ONEOFF).is_some_and(|v| v.eq_ignore_ascii_case("true")) { Role::None } else { Role::AddOn(kind) };
    }
    match app_of(c, convention) {
        Some((app, process)) => Role::Process(Box::new(process_of(c, host, app, process, extra))),
        None => Role::None,
    }
}

pub fn parse_time(s: Option<&str>) -> Option<Timestamp> {
    s.and_then(|s| s.parse::<Timestamp>().ok()).filter(|t| t.as_second() > 0)
}

fn status(c: &ContainerInspectResponse) -> ContainerStateStatusEnum {
    c.state.as_ref().and_then(|s| s.status).unwrap_or(ContainerStateStatusEnum::EMPTY)
}

/// HEALTHCHECK status, when the container has one.
pub fn health(c: &ContainerInspectResponse) -> Option<HealthStatusEnum> {
    c.state.as_ref()?.health.as_ref()?.status.filter(|s| !matches!(s, HealthStatusEnum::EMPTY | HealthStatusEnum::NONE))
}

/// The last exit's description: "exited 3", "out of memory (exit 137)", "killed (exit 137)".
fn exit_words(code: i64, oom: bool) -> String {
    match (oom, code) {
        (true, _) => format!("killed: out of memory (exit {code})"),
        (false, 137) => "killed (exit 137: SIGKILL, e.g. docker stop after its timeout)".into(),
        (false, 139) => "crashed (exit 139, SIGSEGV)".into(),
        (false, c) => format!("exited {c}"),
    }
}

/// fleet's state of a container, its raw words, and why it is not running.
pub fn state_of(c: &ContainerInspectResponse) -> (ProcessState, String, Option<String>) {
    let s = c.state.as_ref();
    let code = s.and_then(|s| s.exit_code).unwrap_or(0);
    let oom = s.and_then(|s| s.oom_killed).unwrap_or(false);
    let error = s.and_then(|s| s.error.as_deref()).filter(|e| !e.is_empty()).map(|e| crate::text::sanitize(e).into_owned());
    let st = status(c);
    let detail = match health(c) {
        Some(h) => format!("{st} ({h})"),
        None => st.to_string(),
    };
    let (state, why) = match st {
        ContainerStateStatusEnum::RUNNING => (ProcessState::Running, None),
        ContainerStateStatusEnum::CREATED => (ProcessState::Stopped, error.or(Some("created, never started".into()))),
        ContainerStateStatusEnum::PAUSED => (ProcessState::Stopped, Some("paused".into())),
        ContainerStateStatusEnum::RESTARTING => {
            (ProcessState::Starting, Some(format!("{}; restarting", error.unwrap_or_else(|| exit_words(code, oom)))))
        }
        ContainerStateStatusEnum::STOPPING | ContainerStateStatusEnum::REMOVING => (ProcessState::Stopping, None),
        ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::DEAD => {
            // 0 and SIGTERM's 143 are stops, and so is SIGKILL's 137 without an OOM kill (`docker
            // stop` of a process that ignores SIGTERM), said as such; the rest are failures.
            if !oom && (code == 0 || code == 143) {
                (ProcessState::Stopped, None)
            } else if !oom && code == 137 {
                (ProcessState::Stopped, Some(exit_words(code, oom)))
            } else {
                (ProcessState::Failed, Some(error.unwrap_or_else(|| exit_words(code, oom))))
            }
        }
        ContainerStateStatusEnum::EMPTY => (ProcessState::Unknown, None),
    };
    (state, detail, why)
}

/// Published ports as `docker ps` prints them, sorted.
pub fn published_ports(c: &ContainerInspectResponse) -> Vec<String> {
    let mut out = Vec::new();
    let ports = c.network_settings.as_ref().and_then(|n| n.ports.as_ref());
    for (container_port, bindings) in ports.into_iter().flatten() {
        for b in bindings.iter().flatten() {
            let ip = b.host_ip.as_deref().unwrap_or("");
            let port = b.host_port.as_deref().unwrap_or("");
            out.push(if ip.is_empty() { format!("{port}->{container_port}") } else { format!("{ip}:{port}->{container_port}") });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The container's address on its first network, for a forward from the host.
pub fn address(c: &ContainerInspectResponse) -> Option<String> {
    let nets = c.network_settings.as_ref()?.networks.as_ref()?;
    let mut names: Vec<&String> = nets.keys().collect();
    names.sort();
    names.into_iter().find_map(|n| nets[n].ip_address.clone().filter(|ip| !ip.is_empty()))
}

/// The container's environment as KEY=VALUE pairs, in its order.
pub fn env_pairs(c: &ContainerInspectResponse) -> Vec<(String, String)> {
    let env = c.config.as_ref().and_then(|c| c.env.as_ref());
    env.into_iter()
        .flatten()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv.clone(), String::new()),
        })
        .collect()
}

pub fn facts(c: &ContainerInspectResponse, image_created: Option<Timestamp>) -> ContainerFacts {
    let s = c.state.as_ref();
    let h = s.and_then(|s| s.health.as_ref());
    let health_output = h
        .and_then(|h| h.log.as_ref())
        .and_then(|log| log.iter().rev().find(|r| r.exit_code.unwrap_or(0) != 0))
        .and_then(|r| r.output.as_deref())
        .and_then(|o| o.lines().find(|l| !l.trim().is_empty()))
        .map(|l| crate::text::sanitize(l.trim()).into_owned());
    let image_id = c.image.as_deref().unwrap_or("");
    ContainerFacts {
        image: crate::text::sanitize(c.config.as_ref().and_then(|c| c.image.as_deref()).unwrap_or("")).into_owned(),
        image_id: image_id.trim_start_matches("sha256:").chars().take(12).collect(),
        image_created,
        health: health(c).map(|h| h.to_string()),
        failing_streak: health(c).and_then(|_| h?.failing_streak).map(|n| n.clamp(0, u32::MAX as i64) as u32),
        health_output: health(c).filter(|h| *h != HealthStatusEnum::HEALTHY).and(health_output),
        exit_code: s.and_then(|s| s.exit_code).unwrap_or(0),
        oom_killed: s.and_then(|s| s.oom_killed).unwrap_or(false),
        ports: published_ports(c),
        compose_project: label(c, COMPOSE_PROJECT).map(String::from),
        log_driver: c.host_config.as_ref().and_then(|h| h.log_config.as_ref()).and_then(|l| l.typ.clone()).unwrap_or_default(),
        tty: c.config.as_ref().and_then(|c| c.tty).unwrap_or(false),
    }
}

pub fn process_of(c: &ContainerInspectResponse, host: &HostId, app: String, process: String, extra: Extra) -> Process {
    let (state, detail, why) = state_of(c);
    let facts = facts(c, extra.image_created);
    let warning = match (state, facts.health.as_deref()) {
        (ProcessState::Running, Some("unhealthy")) => Some(match &facts.health_output {
            Some(out) => format!("unhealthy ({}× failed): {out}", facts.failing_streak.unwrap_or(0)),
            None => format!("unhealthy ({}× failed)", facts.failing_streak.unwrap_or(0)),
        }),
        _ => None,
    };
    let s = c.state.as_ref();
    let config = c.config.as_ref();
    Process {
        app,
        process,
        host: host.clone(),
        kind: ProcessKind::Container,
        platform: super::info(),
        source: name_of(c),
        state,
        detail,
        why,
        warning,
        pid: s.and_then(|s| s.pid).filter(|p| *p > 0).and_then(|p| u32::try_from(p).ok()),
        memory_bytes: None,
        since: (state == ProcessState::Running).then(|| parse_time(s.and_then(|s| s.started_at.as_deref()))).flatten(),
        restarts: c.restart_count.and_then(|n| u32::try_from(n).ok()),
        user: config.and_then(|c| c.user.clone()).filter(|u| !u.is_empty()),
        // A compose service's is its project's directory, where compose is run; otherwise the
        // container's own.
        working_dir: label(c, COMPOSE_WORKDIR)
            .map(String::from)
            .or_else(|| config.and_then(|c| c.working_dir.clone()))
            .filter(|w| !w.is_empty()),
        env_files: extra.env_files,
        environment: Vec::new(),
        workload: None,
        schedule: None,
        container: Some(facts),
    }
}

/// The processes among `all` (inspected containers), in instance order; `extra` gives each one's
/// image creation and compose env files.
pub fn processes(
    all: &[ContainerInspectResponse],
    host: &HostId,
    convention: &Convention,
    extra: impl Fn(&ContainerInspectResponse) -> Extra,
) -> Vec<Process> {
    let mut sorted: Vec<&ContainerInspectResponse> = all.iter().filter(|c| app_of(c, convention).is_some()).collect();
    sorted.sort_by_key(|c| instance_key(c));
    sorted
        .into_iter()
        .filter_map(|c| match role(c, host, convention, extra(c)) {
            Role::Process(p) => Some(*p),
            _ => None,
        })
        .collect()
}

/// `docker inspect` output (a JSON array) as processes: the fixtures and tests.
pub fn processes_from_json(json: &str, host: &HostId, convention: &Convention) -> Result<Vec<Process>, String> {
    let all: Vec<ContainerInspectResponse> = serde_json::from_str(json).map_err(|e| format!("docker inspect output: {e}"))?;
    Ok(processes(&all, host, convention, |_| Extra::default()))
}

/// The instance order of a compose service's containers: by container-number, then name.
pub fn instance_key(c: &ContainerInspectResponse) -> (String, String, u32, String) {
    let n = label(c, COMPOSE_NUMBER).and_then(|n| n.parse().ok()).unwrap_or(0);
    let project = label(c, COMPOSE_PROJECT).or(label(c, FLEET_APP)).unwrap_or("").to_string();
    let service = label(c, COMPOSE_SERVICE).or(label(c, FLEET_PROCESS)).unwrap_or("").to_string();
    (project, service, n, name_of(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_retirees_are_not_processes() {
        assert!(retiree("306e1b9afa64_notes_web_1"));
        assert!(!retiree("notes_web_1") && !retiree("shop_web") && !retiree("306e1b9afa6z_notes_web_1"));
    }
}
