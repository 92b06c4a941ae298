//! What several commands start with: one discovery round over the chosen hosts.

use std::sync::Arc;

use futures::StreamExt;

use super::output::host_error;
use crate::context::Context;
use crate::model::HostReport;
use crate::platform::Backend;
use crate::runtime;

pub struct Found {
    pub reports: Vec<HostReport>,
    pub backends: Vec<Arc<dyn Backend>>,
    pub failed: usize,
}

/// Discovery on the inventory (or only `hosts`), failures reported on stderr as they come.
/// Reports keep inventory order. Err: a named host is not in the inventory (usage error).
pub async fn discover(ctx: &Context, hosts: &[String]) -> Result<Found, String> {
    if let Some(missing) = hosts.iter().find(|h| !ctx.specs.iter().any(|s| s.id.0 == **h)) {
        let known: Vec<&str> = ctx.specs.iter().map(|s| s.id.0.as_str()).collect();
        return Err(format!("no host {missing:?} in the inventory (hosts: {})", known.join(", ")));
    }
    let specs: Vec<_> = ctx.specs.iter().filter(|s| hosts.is_empty() || hosts.contains(&s.id.0)).cloned().collect();
    let backends = runtime::build_backends(&specs, &ctx.backend);
    let mut reports = Vec::new();
    let mut failed = 0;
    let mut stream = runtime::refresh_once(&backends, &ctx.config.convention);
    while let Some((host, result)) = stream.next().await {
        match result {
            Ok(r) => reports.push(r),
            Err(e) => {
                failed += 1;
                host_error(&host.0, &e.message);
            }
        }
    }
    reports.sort_by_key(|r| specs.iter().position(|s| s.id == r.host));
    Ok(Found { reports, backends, failed })
}

/// Runs `f` on every host that answered, all at once (the runtime's one fan-out). Results keep
/// host order; failures are reported on stderr ("fleet: host: why") and counted, with the
/// hosts that failed discovery.
pub async fn per_host<'a, T, E, Fut>(found: &'a Found, f: impl Fn(Arc<dyn Backend>, &'a HostReport) -> Fut) -> (Vec<T>, usize)
where
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let (out, failures) = crate::runtime::fanout::on_each_host(&found.backends, &found.reports, |r| &r.host, f).await;
    for e in &failures {
        eprintln!("fleet: {}", crate::text::sanitize(e));
    }
    (out, found.failed + failures.len())
}

/// `[{…item, "host": …}]` for items that do not carry their host.
pub fn json_with_host<T: serde::Serialize>(items: &[(crate::model::HostId, T)]) -> String {
    let json: Vec<serde_json::Value> = items
        .iter()
        .map(|(h, m)| {
            let mut v = serde_json::to_value(m).unwrap_or_default();
            v["host"] = serde_json::json!(h);
            v
        })
        .collect();
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}

/// "no app X (apps: …)" or "X has no process web", with the hosts that did not answer.
pub fn no_target_message(found: &Found, app: &str, processes: &[String]) -> String {
    let apps: std::collections::BTreeSet<&str> = found.reports.iter().flat_map(|r| r.processes.iter().map(|p| p.app.as_str())).collect();
    let silent = if found.failed > 0 { format!("; {} host(s) did not answer, it may run there", found.failed) } else { String::new() };
    if apps.contains(app) {
        format!("{app} has no process {:?} on the chosen hosts{silent}", processes.join(","))
    } else {
        let list: Vec<&str> = apps.into_iter().collect();
        format!(
            "no app {app:?} on the hosts that answered (apps: {}){silent}",
            if list.is_empty() { "none".into() } else { list.join(", ") }
        )
    }
}

/// Says there is no such app (or process) and returns the exit status: 2, a usage error,
/// whatever else failed (the hosts that did not answer are named in the message).
pub fn no_target(found: &Found, app: &str, processes: &[String]) -> i32 {
    eprintln!("fleet: {}", no_target_message(found, app, processes));
    2
}

/// Refuses an action that changes hosts when fleet runs read-only.
pub fn refuse_if_readonly(ctx: &Context, what: &str) -> Result<(), String> {
    if ctx.config.readonly {
        return Err(format!(
            "refusing to {what}: fleet is read-only (--readonly, or readonly = true in {})",
            ctx.config_path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "fleet.toml".into())
        ));
    }
    Ok(())
}

/// Asks on the terminal; refuses (false) when there is no terminal to ask on.
pub fn confirm(title: &str, lines: &[String], yes: bool) -> Result<bool, String> {
    use std::io::{BufRead, IsTerminal, Write};
    eprintln!("{title}");
    for l in lines {
        eprintln!("  {}", crate::text::sanitize(l));
    }
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err("not a terminal, so not asking: add --yes to go ahead".into());
    }
    eprint!("Proceed? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| e.to_string())?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
