//! `fleet certs [--json] [--warn 21d] [--host H]`: every certificate, soonest expiry first.
//! Exits 1 when any is within --warn or expired, 0 when all are fine: cron and CI can use it.

use serde::Serialize;

use super::args::CertsArgs;
use super::discover::{discover, per_host};
use super::output;
use crate::certs::{CertRow, CertSource};
use crate::context::Context;

#[derive(Serialize)]
struct JsonRow<'a> {
    #[serde(flatten)]
    row: &'a CertRow,
    days_left: Option<i64>,
    status: &'static str,
}

fn status(row: &CertRow, days: Option<i64>, warn: i64, critical: i64) -> &'static str {
    crate::certs::status(row, days, warn, critical).label()
}

pub async fn run(ctx: &Context, args: CertsArgs) -> anyhow::Result<i32> {
    let days = |t: &Option<String>, flag: &str, default: i64| -> Result<i64, String> {
        match t {
            Some(t) => crate::config::duration::parse(t).map(|d| (d.as_secs() / 86_400) as i64).map_err(|e| format!("{flag}: {e}")),
            None => Ok(default),
        }
    };
    let c = &ctx.config.certs;
    let (warn, critical) = match (days(&args.warn, "--warn", c.warn_days()), days(&args.critical, "--critical", c.critical_days())) {
        (Ok(w), Ok(c)) => (w, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let found = match discover(ctx, &args.host).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let (per_host, failed) = per_host(&found, |b, r| async move { b.certs(r).await }).await;
    let mut rows: Vec<CertRow> = per_host.into_iter().flatten().collect();
    // Every kubeconfig context's credentials, read locally: no cluster needs to answer.
    if args.host.is_empty() && !args.no_kube && !ctx.demo {
        let (paths, explicit) = (crate::certs::kubeconfig::files(), std::env::var_os("KUBECONFIG").is_some());
        rows.extend(crate::certs::kube_rows(crate::certs::kubeconfig::credentials(&paths, explicit)));
    }
    let now = jiff::Timestamp::now();
    rows.sort_by_key(|r| (r.days_left(now).unwrap_or(i64::MIN), r.host.clone(), r.what.clone()));
    // Inside the thresholds, expired, unreadable, or renewed on disk but not served.
    let bad = rows
        .iter()
        .filter(|r| {
            !matches!(status(r, r.days_left(now), warn, critical), "ok" | "n/a")
                || (r.note.is_some() && matches!(r.source, CertSource::Served { .. } | CertSource::Kube { .. }))
        })
        .count();
    if args.json {
        let json: Vec<JsonRow> = rows
            .iter()
            .map(|row| JsonRow { row, days_left: row.days_left(now), status: status(row, row.days_left(now), warn, critical) })
            .collect();
        output::print(&(serde_json::to_string_pretty(&json)? + "\n"))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let d = r.days_left(now);
                let st = status(r, d, warn, critical);
                let left = match d {
                    Some(d) if d < 0 => format!("expired {} d ago", -d),
                    Some(d) => format!("{d} d"),
                    None => "—".into(),
                };
                // The status word carries the meaning without colour (pipes, cron mail).
                let left = if matches!(st, "ok" | "n/a") { left } else { format!("{left} ({st})") };
                let source = r.source.label();
                let info = r.info.as_ref();
                vec![
                    left,
                    r.host.0.clone(),
                    r.what.clone(),
                    info.map(|i| i.not_after.strftime("%Y-%m-%d").to_string()).unwrap_or_default(),
                    info.map(|i| i.issuer.clone()).unwrap_or_default(),
                    source,
                    r.note.clone().or_else(|| r.error.clone()).unwrap_or_default(),
                ]
            })
            .collect();
        let text = output::table(&["LEFT", "HOST", "WHAT", "NOT AFTER", "ISSUER", "SOURCE", "NOTE"], &table);
        output::print(&text)?;
    }
    Ok(if bad > 0 || failed > 0 { 1 } else { 0 })
}
