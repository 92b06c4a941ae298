//! A systemd host's add-ons: services found from their units and listening sockets, the front
//! doors' routes, linked to the apps there through their env.

use super::env::host_env;
use crate::addons::{AddOn, AddonProblem, link::link, parse::parse};
use crate::model::{HostError, HostErrorKind, HostReport, targets};
use crate::platform::machine::commands;
use crate::transport::Transport;

pub async fn host_addons(transport: &Transport, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
    let as_root = report.facts.uid == Some(0);
    let out = transport.exec(&commands::addons_script(as_root)).await?;
    let mut addons = parse(&String::from_utf8_lossy(&out.stdout), &report.host).map_err(|e| HostError::new(HostErrorKind::Command, e))?;
    // Every app's env on this host, for the links.
    let mut apps: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut names: Vec<&str> = report.processes.iter().filter(|p| p.platform == super::info()).map(|p| p.app.as_str()).collect();
    names.sort();
    names.dedup();
    for app in names {
        let Some(t) = targets([report], app, &[], &[]).into_iter().find(|t| t.platform == super::info()) else { continue };
        let procs: Vec<&crate::model::Process> = report.processes.iter().filter(|p| p.app == app && p.platform == t.platform).collect();
        let envs = host_env(transport, &t, &procs).await?;
        let mut vars: Vec<(String, String)> = Vec::new();
        for pe in envs {
            for (k, v, _) in pe.vars {
                if !vars.iter().any(|(k2, v2)| *k2 == k && *v2 == v) {
                    vars.push((k, v));
                }
            }
        }
        apps.push((app.to_string(), vars));
    }
    let mut host_names: Vec<&str> = vec![report.host.0.as_str()];
    if let Some(h) = report.facts.hostname.as_deref() {
        host_names.push(h);
    }
    let problems = link(&report.host, &mut addons, &apps, &host_names);
    Ok((addons, problems))
}
