//! A container's environment, with where each value comes from when it can be known: the
//! compose service's env file (file:line), its `environment:` entry, the image's ENV, or "set at
//! create" (the engine keeps no more). And the add-on containers, linked to the apps whose env
//! points at them.

use std::collections::HashMap;

use super::compose::{self, ServiceEnv};
use super::containers::{self, Role, addon_kind, labels};
use super::engine::Engine;
use crate::addons::link::link;
use crate::model::addon::{AddOn, AddonProblem, Kind};
use crate::model::env::EnvSource;
use crate::model::{HostReport, HostTarget, Process, ProcessEnv, ProcessState};
use crate::transport::Transport;
use crate::transport::quote::quote;

/// Where `key=value` came from, given what compose and the image say.
pub fn source_of(
    key: &str,
    value: &str,
    container: &str,
    image: &str,
    image_env: &[(String, String)],
    service: Option<&(String, ServiceEnv)>,
    files: &HashMap<String, crate::env::parse::EnvFile>,
) -> EnvSource {
    if let Some((name, env)) = service {
        if env.environment.iter().any(|k| k == key) {
            return EnvSource::Compose { file: env.file.clone(), service: name.clone() };
        }
        // The last file that sets it wins, as compose reads them.
        for path in env.env_files.iter().rev() {
            if let Some(a) = files.get(path).and_then(|f| f.effective().into_iter().find(|a| a.key == key)) {
                return EnvSource::File { path: path.clone(), line: a.first_line };
            }
        }
    }
    if image_env.iter().any(|(k, v)| k == key && v == value) {
        return EnvSource::Image { image: image.to_string() };
    }
    EnvSource::Container { container: container.to_string() }
}

pub async fn container_env(
    transport: &Transport,
    engine: &Engine,
    t: &HostTarget,
    processes: &[&Process],
) -> Result<Vec<ProcessEnv>, String> {
    let mut out = Vec::new();
    let mut files: HashMap<String, crate::env::parse::EnvFile> = HashMap::new();
    for p in processes.iter().filter(|p| p.platform == super::info() && p.host == t.host) {
        let Some(c) = engine.get(&p.source) else { continue };
        let mut problems = Vec::new();
        let service = match compose::service_env(transport, &c).await {
            Some(Ok(env)) => labels(&c).get(containers::COMPOSE_SERVICE).map(|s| (s.clone(), env)),
            Some(Err(e)) => {
                problems.push(e);
                None
            }
            None => None,
        };
        for path in service.iter().flat_map(|(_, e)| e.env_files.iter()) {
            if files.contains_key(path) {
                continue;
            }
            match transport.exec(&format!("cat -- {}", quote(path))).await {
                Ok(o) if o.status == Some(0) => {
                    let parsed = crate::env::parse::parse(&String::from_utf8_lossy(&o.stdout));
                    files.insert(path.clone(), parsed);
                }
                Ok(o) => problems.push(format!("{path}: {}", crate::text::sanitize(String::from_utf8_lossy(&o.stderr).trim()))),
                Err(e) => problems.push(format!("{path}: {}", e.message)),
            }
        }
        let image = c.config.as_ref().and_then(|c| c.image.clone()).unwrap_or_default();
        let image_env: Vec<(String, String)> = match c.image.as_deref() {
            Some(id) => engine
                .docker
                .inspect_image(id)
                .await
                .ok()
                .and_then(|i| i.config)
                .and_then(|c| c.env)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect(),
            None => Vec::new(),
        };
        let vars = containers::env_pairs(&c)
            .into_iter()
            .map(|(k, v)| {
                let src = source_of(&k, &v, &p.source, &image, &image_env, service.as_ref(), &files);
                (k, v, src)
            })
            .collect();
        out.push(ProcessEnv { host: t.host.clone(), process: p.process.clone(), unit: p.source.clone(), vars, problems });
    }
    Ok(out)
}

/// The engine's add-on containers, and which apps' containers point at them (by service name,
/// container name, network alias, or published port on the host).
/// The label Dokku's service plugins put on their containers (`dokku.service=redis`).
const DOKKU_SERVICE: &str = "dokku.service";

pub fn addons(engine: &Engine, report: &HostReport) -> (Vec<AddOn>, Vec<AddonProblem>) {
    let all = engine.snapshot();
    let convention = crate::config::Convention::default();
    let mut addons = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for c in &all {
        // A Dokku service's container is the Dokku platform's add-on (platform::dokku::services).
        if !matches!(containers::role(c, &report.host, &convention, Default::default()), Role::AddOn(_))
            || labels(c).contains_key(DOKKU_SERVICE)
        {
            continue;
        }
        let image = c.config.as_ref().and_then(|c| c.image.clone()).unwrap_or_default();
        let Some(kind) = Kind::of_image(&image).or_else(|| addon_kind(c).and_then(Kind::of_image)) else { continue };
        let (state, detail, _) = containers::state_of(c);
        let mut ports: Vec<u16> = kind.ports().to_vec();
        let published = containers::published_ports(c);
        for p in &published {
            if let Some(port) = p.split("->").next().and_then(|h| h.rsplit(':').next()).and_then(|p| p.parse().ok()) {
                ports.push(port);
            }
        }
        let name = containers::name_of(c);
        names.push(name.clone());
        if let Some(s) = labels(c).get(containers::COMPOSE_SERVICE) {
            names.push(s.clone());
        }
        for net in c.network_settings.as_ref().and_then(|n| n.networks.as_ref()).into_iter().flat_map(|n| n.values()) {
            names.extend(net.aliases.iter().flatten().cloned());
        }
        addons.push(AddOn {
            host: report.host.clone(),
            kind,
            name: None,
            unit: format!("container {name}"),
            state,
            detail,
            version: Some(image),
            listen: published,
            ports,
            memory_bytes: None,
            since: (state == ProcessState::Running)
                .then(|| containers::parse_time(c.state.as_ref().and_then(|s| s.started_at.as_deref())))
                .flatten(),
            used_by: Vec::new(),
            routes: Vec::new(),
        });
    }
    // Every app's containers' env on this engine.
    let mut apps: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for c in &all {
        let Some((app, _)) = containers::app_of(c, &convention) else { continue };
        if !report.processes.iter().any(|p| p.app == app && p.platform == super::info()) {
            continue;
        }
        let vars = containers::env_pairs(c);
        match apps.iter_mut().find(|(a, _)| *a == app) {
            Some((_, v)) => v.extend(vars.into_iter().filter(|kv| !v.contains(kv)).collect::<Vec<_>>()),
            None => apps.push((app, vars)),
        }
    }
    let host_names: Vec<&str> = names.iter().map(String::as_str).collect();
    let problems = link(&report.host, &mut addons, &apps, &host_names);
    (addons, problems)
}
