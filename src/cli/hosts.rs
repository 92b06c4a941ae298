//! `fleet hosts [--json]`

use futures::StreamExt;
use serde::Serialize;

use super::output;
use crate::context::Context;
use crate::model::{HostErrorKind, HostReport};
use crate::runtime;
use crate::text::compact;

#[derive(Serialize)]
struct HostJson<'a> {
    host: &'a str,
    kind: crate::model::HostKind,
    reachable: bool,
    os: Option<&'a str>,
    kernel: Option<&'a str>,
    systemd_version: Option<u32>,
    uptime_secs: Option<u64>,
    note: Option<&'a str>,
    /// Platforms present but unreadable ("docker: logreader may not open /var/run/docker.sock…").
    platform_notes: Vec<String>,
    error: Option<&'a str>,
    error_kind: Option<HostErrorKind>,
}

pub async fn run(ctx: &Context, json: bool) -> anyhow::Result<i32> {
    let backends = runtime::build_backends(&ctx.specs, &ctx.backend);
    let mut results: Vec<_> = runtime::refresh_once(&backends, &ctx.config.convention).collect().await;
    // Print in inventory order, whatever order the answers came in.
    results.sort_by_key(|(id, _)| ctx.specs.iter().position(|s| s.id == *id));
    let failed = results.iter().filter(|(_, r)| r.is_err()).count();
    let rows: Vec<HostJson> = results
        .iter()
        .map(|(id, r)| {
            let report: Option<&HostReport> = r.as_ref().ok();
            let facts = report.map(|r| &r.facts);
            HostJson {
                host: &id.0,
                kind: ctx.specs.iter().find(|s| s.id == *id).map(|s| s.kind).unwrap_or(crate::model::HostKind::Ssh),
                reachable: r.is_ok(),
                os: facts.and_then(|f| f.os.as_deref()),
                kernel: facts.and_then(|f| f.kernel.as_deref()),
                systemd_version: facts.and_then(|f| f.systemd_version),
                uptime_secs: facts.and_then(|f| f.uptime_secs),
                note: facts.and_then(|f| f.note.as_deref()),
                platform_notes: report
                    .into_iter()
                    .flat_map(|r| r.platforms.iter())
                    .filter_map(|p| p.note.as_ref().map(|n| format!("{}: {n}", p.platform.name())))
                    .collect(),
                error: r.as_ref().err().map(|e| e.message.as_str()),
                error_kind: r.as_ref().err().map(|e| e.kind),
            }
        })
        .collect();
    if json {
        output::print(&(serde_json::to_string_pretty(&rows)? + "\n"))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|h| {
                vec![
                    h.host.to_string(),
                    if h.reachable { "up".into() } else { "down".into() },
                    h.os.unwrap_or("").to_string(),
                    h.systemd_version.map(|v| v.to_string()).unwrap_or_else(|| "—".into()),
                    h.uptime_secs.map(compact).unwrap_or_default(),
                    match h.error {
                        Some(e) => e.to_string(),
                        None => h.note.map(String::from).into_iter().chain(h.platform_notes.iter().cloned()).collect::<Vec<_>>().join("; "),
                    },
                ]
            })
            .collect();
        output::print(&output::table(&["HOST", "STATE", "OS", "SYSTEMD", "UPTIME", "ERROR / NOTE"], &table))?;
    }
    Ok(if failed > 0 { 1 } else { 0 })
}
