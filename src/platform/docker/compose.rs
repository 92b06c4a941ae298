//! What a compose project says about its services, read from the host: which env files and
//! `environment:` keys each service has (for where an env value comes from, and which file an
//! env change goes to), and the command that recreates services whose env changed — the host's
//! own compose, in the project's directory, as `docker compose up -d SERVICE` would.

use bollard::models::ContainerInspectResponse;

use super::containers::{COMPOSE_FILES, COMPOSE_PROJECT, COMPOSE_SERVICE, COMPOSE_WORKDIR, labels};
use crate::transport::Transport;
use crate::transport::quote::quote;

/// One service's env as its compose file writes it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ServiceEnv {
    /// `env_file:` entries, absolute, in order (a later file wins).
    pub env_files: Vec<String>,
    /// Keys set under `environment:`.
    pub environment: Vec<String>,
    /// The compose file that says so.
    pub file: String,
}

/// The compose file paths of a container's project, absolute.
pub fn compose_files(c: &ContainerInspectResponse) -> Vec<String> {
    let l = labels(c);
    let wd = l.get(COMPOSE_WORKDIR).map(String::as_str).unwrap_or("");
    let files = l.get(COMPOSE_FILES).map(String::as_str).unwrap_or("");
    files.split(',').map(str::trim).filter(|f| !f.is_empty()).map(|f| absolute(wd, f)).collect()
}

fn absolute(dir: &str, path: &str) -> String {
    if path.starts_with('/') || dir.is_empty() { path.to_string() } else { format!("{}/{path}", dir.trim_end_matches('/')) }
}

/// The service's env in compose YAML `text` (the short and long `env_file` forms, `environment`
/// as a map or a list). Later files of a project override earlier ones, as compose merges them.
pub fn parse_service_env(text: &str, file: &str, workdir: &str, service: &str, into: &mut ServiceEnv) -> Result<(), String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let Some(svc) = doc.get("services").and_then(|s| s.get(service)) else { return Ok(()) };
    let mut found = false;
    match svc.get("env_file") {
        Some(serde_yaml::Value::String(s)) => {
            into.env_files = vec![absolute(workdir, s)];
            found = true;
        }
        Some(serde_yaml::Value::Sequence(items)) => {
            into.env_files = items
                .iter()
                .filter_map(|i| i.as_str().or_else(|| i.get("path").and_then(|p| p.as_str())))
                .map(|p| absolute(workdir, p))
                .collect();
            found = true;
        }
        _ => {}
    }
    match svc.get("environment") {
        Some(serde_yaml::Value::Mapping(m)) => {
            into.environment.extend(m.keys().filter_map(|k| k.as_str().map(String::from)));
            found = true;
        }
        Some(serde_yaml::Value::Sequence(items)) => {
            into.environment.extend(items.iter().filter_map(|i| i.as_str()).map(|kv| kv.split('=').next().unwrap_or(kv).to_string()));
            found = true;
        }
        _ => {}
    }
    if found {
        into.file = file.to_string();
    }
    Ok(())
}

/// Reads the container's compose files over the transport; None for a container compose did
/// not make. An unreadable file is an error that says which.
pub async fn service_env(transport: &Transport, c: &ContainerInspectResponse) -> Option<Result<ServiceEnv, String>> {
    let l = labels(c);
    let service = l.get(COMPOSE_SERVICE)?;
    let workdir = l.get(COMPOSE_WORKDIR).cloned().unwrap_or_default();
    let mut env = ServiceEnv::default();
    for file in compose_files(c) {
        let out = match transport.exec(&format!("cat -- {}", quote(&file))).await {
            Ok(o) if o.status == Some(0) => o,
            Ok(o) => return Some(Err(format!("cannot read {file}: {}", String::from_utf8_lossy(&o.stderr).trim()))),
            Err(e) => return Some(Err(e.message)),
        };
        if let Err(e) = parse_service_env(&String::from_utf8_lossy(&out.stdout), &file, &workdir, service, &mut env) {
            return Some(Err(e));
        }
    }
    Some(Ok(env))
}

/// The command that recreates `services` of the project of `c` as compose itself would (each
/// at its current number of containers: a bare `up` would scale them back to the file's).
pub fn recreate_command(c: &ContainerInspectResponse, services: &[(String, usize)]) -> String {
    let l = labels(c);
    let wd = l.get(COMPOSE_WORKDIR).map(String::as_str).unwrap_or("/");
    let project = l.get(COMPOSE_PROJECT).map(String::as_str).unwrap_or("");
    let files: Vec<String> = compose_files(c).iter().map(|f| format!("-f {}", quote(f))).collect();
    let scale: Vec<String> = services.iter().map(|(s, n)| format!("--scale {}", quote(&format!("{s}={n}")))).collect();
    let names: Vec<String> = services.iter().map(|(s, _)| quote(s)).collect();
    format!(
        "cd {} && {} -p {} {} up -d --no-deps {} {}",
        quote(wd),
        compose_command(c),
        quote(project),
        files.join(" "),
        scale.join(" "),
        names.join(" ")
    )
}

/// Whether any of `files` changed after the container was created: `stat` output
/// (`MTIME PATH` lines) against its creation time.
pub fn changed_since(stat: &str, created: jiff::Timestamp) -> Vec<String> {
    stat.lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(m, _)| m.trim().parse::<i64>().is_ok_and(|m| m > created.as_second()))
        .map(|(_, f)| f.to_string())
        .collect()
}

/// compose v1 (`docker-compose`, Python) or the v2 plugin, by the version label it stamps.
pub fn compose_command(c: &ContainerInspectResponse) -> &'static str {
    match labels(c).get("com.docker.compose.version").and_then(|v| v.split('.').next()).and_then(|m| m.parse::<u32>().ok()) {
        Some(1) => "docker-compose",
        _ => "docker compose",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_env_in_both_forms() {
        let yaml = r#"
services:
  web:
    env_file: notes.env
    environment:
      PORT: "8000"
  worker:
    env_file:
      - path: ./base.env
      - /etc/notes/extra.env
    environment: ["A=1", "B"]
"#;
        let mut web = ServiceEnv::default();
        parse_service_env(yaml, "/srv/notes/docker-compose.yml", "/srv/notes", "web", &mut web).unwrap();
        assert_eq!(web.env_files, ["/srv/notes/notes.env"]);
        assert_eq!(web.environment, ["PORT"]);
        let mut worker = ServiceEnv::default();
        parse_service_env(yaml, "f", "/srv/notes", "worker", &mut worker).unwrap();
        assert_eq!(worker.env_files, ["/srv/notes/./base.env", "/etc/notes/extra.env"]);
        assert_eq!(worker.environment, ["A", "B"]);
        assert!(parse_service_env("services: [", "bad.yml", "/", "web", &mut worker).unwrap_err().starts_with("bad.yml:"));
    }

    #[test]
    fn files_changed_after_the_container_was_made() {
        let created: jiff::Timestamp = "2026-12-02T10:00:00Z".parse().unwrap();
        let at = created.as_second();
        let stat = format!("{} /srv/notes/notes.env\n{} /srv/notes/docker-compose.yml\n", at + 5, at - 60);
        assert_eq!(changed_since(&stat, created), ["/srv/notes/notes.env"]);
    }
}
