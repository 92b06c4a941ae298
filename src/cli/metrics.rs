//! `fleet metrics [HOST|APP] [--json]`: hosts from node_exporter (or /proc), or from the
//! `[prometheus]` server when fleet.toml names one; an app's units from systemd's accounting
//! and its own metrics endpoint (`[apps.NAME] metrics_url`). Rates come from two samples a
//! second apart (Prometheus computes its own).

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use serde::Serialize;

use super::args::MetricsArgs;
use super::discover::{Found, discover, json_with_host, per_host};
use super::output;
use crate::actions;
use crate::context::Context;
use crate::metrics::endpoint::{self, EndpointValue};
use crate::metrics::prometheus::{Prometheus, names_of};
use crate::metrics::{HostMetrics, units};
use crate::model::HostId;
use crate::model::HostTarget;
use crate::platform::{AppRead, Backend};
use crate::runtime::metrics::host_metrics;
use crate::text::{bytes, compact};

const GAP: Duration = Duration::from_secs(1);

pub async fn run(ctx: &Context, args: MetricsArgs) -> anyhow::Result<i32> {
    let is_host = args.target.as_ref().is_some_and(|t| ctx.specs.iter().any(|s| s.id.0 == *t));
    if let (Some(prom), false, true) = (&ctx.config.prometheus, args.direct, args.target.is_none() || is_host) {
        return from_prometheus(ctx, prom, &args).await;
    }
    let hosts: Vec<String> = if is_host { args.target.iter().cloned().collect() } else { Vec::new() };
    let found = match discover(ctx, &hosts).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    match args.target.as_deref().filter(|_| !is_host) {
        Some(app) => app_metrics(ctx, &found, app, args.json).await,
        None => {
            let node_exporter = ctx.config.metrics.node_exporter.clone();
            let (all, failed) = per_host(&found, |b, r| {
                let url = node_exporter.clone();
                async move { host_metrics(b.as_ref(), &url, GAP).await.map(|m| (r.host.clone(), m)) }
            })
            .await;
            print_hosts(&all, args.json)?;
            Ok(if failed > 0 { 1 } else { 0 })
        }
    }
}

/// Every host's metrics from one Prometheus server; hosts it does not know are named.
async fn from_prometheus(ctx: &Context, config: &crate::config::metrics::PrometheusConfig, args: &MetricsArgs) -> anyhow::Result<i32> {
    // The `via` host's transport alone: nothing else is asked of it.
    let via = match &config.via {
        Some(name) => match ctx.specs.iter().find(|s| s.id.0 == *name) {
            Some(spec) => crate::runtime::build_backends(std::slice::from_ref(spec), &ctx.backend),
            None => {
                eprintln!("fleet: [prometheus] via = {name:?} is not a host in the inventory");
                return Ok(2);
            }
        },
        None => Vec::new(),
    };
    let via = match crate::runtime::metrics::prometheus_via(&via, config) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let prom = match Prometheus::new(config, via) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("fleet: [prometheus] {e}");
            return Ok(2);
        }
    };
    let specs: Vec<_> = ctx.specs.iter().filter(|s| args.target.as_ref().is_none_or(|t| s.id.0 == *t)).cloned().collect();
    let names = names_of(&specs);
    let found = match prom.host_metrics(&names).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("fleet: {e} (or run `fleet metrics --direct` to scrape each host)");
            return Ok(1);
        }
    };
    let mut all = Vec::new();
    let mut missing = 0;
    for (id, _) in &names {
        match found.get(id) {
            Some(m) => all.push((id.clone(), m.clone())),
            None => {
                missing += 1;
                eprintln!("fleet: {id}: {} has no node_exporter series whose {} label names this host", prom.describe(), config.host_label);
            }
        }
    }
    print_hosts(&all, args.json)?;
    Ok(if missing > 0 { 1 } else { 0 })
}

fn print_hosts(all: &[(HostId, HostMetrics)], json: bool) -> anyhow::Result<()> {
    if json {
        return Ok(output::print(&json_with_host(all))?);
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|(h, m)| {
            let fullest = m.disks.iter().filter(|d| d.size > 0).max_by_key(|d| (d.size - d.avail) * 1000 / d.size);
            vec![
                h.0.clone(),
                m.cpu_percent.map(|c| format!("{c:.0}%")).unwrap_or_default(),
                format!("{:.2} {:.2} {:.2}", m.load[0], m.load[1], m.load[2]),
                format!("{} / {}", bytes(m.mem_used), bytes(m.mem_total)),
                fullest.map(|d| format!("{} {}%", d.mount, (d.size - d.avail) * 100 / d.size)).unwrap_or_default(),
                format!("↓{}/s ↑{}/s", bytes(m.net_rx_per_sec.unwrap_or(0.0) as u64), bytes(m.net_tx_per_sec.unwrap_or(0.0) as u64)),
                m.uptime_secs.map(compact).unwrap_or_default(),
                m.source.to_string(),
            ]
        })
        .collect();
    Ok(output::print(&output::table(&["HOST", "CPU", "LOAD", "MEMORY", "FULLEST DISK", "NETWORK", "UPTIME", "SOURCE"], &rows))?)
}

#[derive(Serialize)]
struct EndpointRow {
    host: HostId,
    #[serde(flatten)]
    value: EndpointValue,
}

/// One target of an app: its processes' metrics (rates from two readings a second apart) and,
/// when configured and reachable, its own endpoint.
async fn app_on_host(
    b: Arc<dyn Backend>,
    app: &str,
    t: &HostTarget,
    url: Option<&str>,
) -> Result<(Vec<units::UnitMetrics>, Vec<EndpointValue>), String> {
    let p = actions::platform_for(b.as_ref(), t, t.platform.caps.metrics)?;
    let first = match p.app_metrics(t, app).await.map_err(|e| format!("{}: {e}", t.host))? {
        AppRead::Final(m) => return Ok((m, Vec::new())),
        AppRead::Counters(s) => s,
    };
    let transport = b.transport();
    let scrape = |transport: Option<Arc<crate::transport::Transport>>| async move {
        match (url, transport) {
            (Some(u), Some(tr)) => endpoint::scrape(&tr, u).await.map(Some),
            _ => Ok(None),
        }
    };
    let e1 = scrape(transport.clone()).await;
    let started = std::time::Instant::now();
    tokio::time::sleep(GAP).await;
    let second = match p.app_metrics(t, app).await.map_err(|e| format!("{}: {e}", t.host))? {
        AppRead::Final(m) => return Ok((m, Vec::new())),
        AppRead::Counters(s) => s,
    };
    let e2 = scrape(transport).await;
    let mut units = units::derive(&first, &second);
    // Only the target's units, whatever else the host printed.
    units.retain(|u| t.units.contains(&u.unit));
    let values = match (e1, e2) {
        (Ok(Some(a)), Ok(Some(c))) => endpoint::derive(&a, &c, started.elapsed().as_secs_f64()),
        (Ok(None), _) | (_, Ok(None)) => Vec::new(),
        (Err(e), _) | (_, Err(e)) => return Err(format!("{}: the app's metrics endpoint: {e}", t.host)),
    };
    Ok((units, values))
}

async fn app_metrics(ctx: &Context, found: &Found, app: &str, json: bool) -> anyhow::Result<i32> {
    let mut failed = found.failed;
    let targets = crate::model::targets(&found.reports, app, &[], &[]);
    if targets.is_empty() {
        return Ok(super::discover::no_target(found, app, &[]));
    }
    let url = ctx.config.apps.get(app).and_then(|a| a.metrics_url.clone());
    let runs = targets.iter().map(|t| {
        let b = found.backends.iter().find(|b| *b.id() == t.host).cloned();
        let url = url.as_deref();
        async move {
            let b = b.ok_or_else(|| format!("{}: not in the inventory", t.host))?;
            app_on_host(b, app, t, url).await.map(|r| (t.host.clone(), r))
        }
    });
    let mut all = Vec::new();
    let mut values = Vec::new();
    for r in join_all(runs).await {
        match r {
            Ok((host, (ms, vs))) => {
                all.extend(ms.into_iter().map(|m| (host.clone(), m)));
                values.extend(vs.into_iter().map(|value| EndpointRow { host: host.clone(), value }));
            }
            Err(e) => {
                failed += 1;
                eprintln!("fleet: {e}");
            }
        }
    }
    if json {
        let units: serde_json::Value = serde_json::from_str(&json_with_host(&all))?;
        let out = serde_json::json!({ "units": units, "endpoint": values, "metrics_url": url });
        output::print(&(serde_json::to_string_pretty(&out)? + "\n"))?;
        return Ok(if failed > 0 { 1 } else { 0 });
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|(h, m)| {
            vec![
                m.unit.clone(),
                h.0.clone(),
                m.active.clone(),
                m.cpu_percent.map(|c| format!("{c:.1}%")).unwrap_or_default(),
                m.memory_bytes.map(bytes).unwrap_or_default(),
                m.tasks.map(|t| t.to_string()).unwrap_or_default(),
                m.restarts.map(|r| r.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    output::print(&output::table(&["UNIT", "HOST", "STATE", "CPU", "MEMORY", "TASKS", "RESTARTS"], &rows))?;
    if !values.is_empty() {
        let rows: Vec<Vec<String>> = values
            .iter()
            .map(|r| {
                let v = r
                    .value
                    .value
                    .map(|v| if r.value.kind == "rate" { format!("{v:.3}/s") } else { format!("{v}") })
                    .unwrap_or_else(|| "—".into());
                vec![crate::text::sanitize(&r.value.series).into_owned(), r.host.0.clone(), v]
            })
            .collect();
        output::print(&format!("\n{}", output::table(&["SERIES", "HOST", "VALUE"], &rows)))?;
    }
    Ok(if failed > 0 { 1 } else { 0 })
}
