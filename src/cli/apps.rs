//! `fleet apps [--json] [--host H]`

use futures::StreamExt;
use serde::Serialize;

use super::output;
use crate::context::Context;
use crate::model::{App, HostError, HostId, group_apps};
use crate::runtime;
use crate::text::age;

#[derive(Serialize)]
struct AppsJson<'a> {
    apps: &'a [App],
    /// Hosts that did not answer: their apps are missing or incomplete above.
    errors: Vec<HostErrorJson<'a>>,
}

#[derive(Serialize)]
struct HostErrorJson<'a> {
    host: &'a HostId,
    #[serde(flatten)]
    error: &'a HostError,
}

pub async fn run(ctx: &Context, json: bool, only: &[String]) -> anyhow::Result<i32> {
    let specs: Vec<_> = ctx.specs.iter().filter(|s| only.is_empty() || only.contains(&s.id.0)).cloned().collect();
    if let Some(missing) = only.iter().find(|h| !ctx.specs.iter().any(|s| s.id.0 == **h)) {
        let known: Vec<&str> = ctx.specs.iter().map(|s| s.id.0.as_str()).collect();
        eprintln!("fleet: no host {missing:?} in the inventory (hosts: {})", known.join(", "));
        return Ok(2);
    }
    let backends = runtime::build_backends(&specs, &ctx.backend);
    let mut reports = Vec::new();
    let mut errors: Vec<(HostId, HostError)> = Vec::new();
    let mut stream = runtime::refresh_once(&backends, &ctx.config.convention);
    while let Some((host, result)) = stream.next().await {
        match result {
            Ok(r) => reports.push(r),
            Err(e) => {
                if !json {
                    output::host_error(&host.0, &e.message);
                }
                errors.push((host, e));
            }
        }
    }
    let apps = group_apps(reports.iter().flat_map(|r| r.processes.iter()), &ctx.config.convention.process_order, &[]);
    if json {
        let errors = errors.iter().map(|(host, error)| HostErrorJson { host, error }).collect();
        output::print(&(serde_json::to_string_pretty(&AppsJson { apps: &apps, errors })? + "\n"))?;
    } else {
        let now = jiff::Timestamp::now();
        let rows: Vec<Vec<String>> = apps
            .iter()
            .map(|a| {
                let broken: Vec<String> = a
                    .processes
                    .iter()
                    .filter(|p| p.state != crate::model::ProcessState::Running || p.warning.is_some())
                    .map(|p| match p.why.as_ref().or(p.warning.as_ref()) {
                        Some(why) => format!("{}@{} {}: {why}", p.process, p.host, p.state.label()),
                        None => format!("{}@{} {}", p.process, p.host, p.state.label()),
                    })
                    .collect();
                vec![
                    a.name.clone(),
                    a.formation_label(),
                    a.hosts_label(4, ","),
                    a.health.label().into(),
                    a.since.map(|s| age(s, now)).unwrap_or_else(|| "—".into()),
                    broken.join(", "),
                ]
            })
            .collect();
        output::print(&output::table(&["APP", "PROCESSES", "HOSTS", "HEALTH", "SINCE", "PROBLEMS"], &rows))?;
    }
    Ok(if errors.is_empty() { 0 } else { 1 })
}
