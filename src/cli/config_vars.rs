//! `fleet config APP [--json] [--reveal] [--host H]`: every variable the app's processes get,
//! where it comes from, which hosts and processes get it, drift between them; secrets masked.

use serde::Serialize;

use super::args::ConfigArgs;
use super::discover::discover;
use super::output;
use crate::context::Context;
use crate::env::table::{AppEnvRow, EnvSource, app_table};

#[derive(Serialize)]
struct JsonValue<'a> {
    host: &'a str,
    process: &'a str,
    value: String,
    source: &'a EnvSource,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    key: &'a str,
    secret: bool,
    masked: bool,
    drift: bool,
    values: Vec<JsonValue<'a>>,
}

pub async fn run(ctx: &Context, args: ConfigArgs) -> anyhow::Result<i32> {
    let found = match discover(ctx, &args.host).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let pairs = crate::model::targets_with_processes(&found.reports, &args.app, &[], &args.host);
    if pairs.is_empty() {
        return Ok(super::discover::no_target(&found, &args.app, &[]));
    }
    let (per_target, problems) = crate::runtime::executor::app_envs(&found.backends, &pairs).await;
    for e in &problems {
        eprintln!("fleet: {}", crate::text::sanitize(e));
    }
    let failed = found.failed + problems.len();
    let envs: Vec<_> = per_target.into_iter().flatten().collect();
    for pe in &envs {
        for p in &pe.problems {
            eprintln!("fleet: {p}");
        }
    }
    let rows = app_table(&envs);
    if args.json {
        let json: Vec<JsonRow> = rows.iter().map(|r| json_row(r, args.reveal)).collect();
        output::print(&(serde_json::to_string_pretty(&json)? + "\n"))?;
    } else {
        output::print(&table(&rows, args.reveal))?;
        if !args.reveal && rows.iter().any(|r| r.secret) {
            eprintln!("fleet: secrets are masked; --reveal shows them");
        }
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

fn json_row(r: &AppEnvRow, reveal: bool) -> JsonRow<'_> {
    JsonRow {
        key: &r.key,
        secret: r.secret,
        masked: r.secret && !reveal,
        drift: r.drift,
        values: r
            .values
            .iter()
            .map(|v| JsonValue { host: &v.host.0, process: &v.process, value: r.shown(&v.value, reveal), source: &v.source })
            .collect(),
    }
}

fn table(rows: &[AppEnvRow], reveal: bool) -> String {
    let mut out: Vec<Vec<String>> = Vec::new();
    for r in rows {
        for (i, (value, source, place)) in r.placed().into_iter().enumerate() {
            let key = if i == 0 { r.key.clone() } else { String::new() };
            let key = if r.drift && i == 0 { format!("{key} ≠") } else { key };
            out.push(vec![key, r.shown(value, reveal), source.label(), place]);
        }
    }
    output::table(&["KEY", "VALUE", "SOURCE", "WHERE"], &out)
}
