//! `fleet metrics [HOST|APP] [--json]`: hosts from node_exporter (or /proc), an app's units from
//! systemd's accounting. Two samples a second apart, so CPU and network are rates.

use std::time::Duration;

use futures::future::join_all;

use super::args::MetricsArgs;
use super::discover::{discover, json_with_host, per_host};
use super::output;
use crate::backend::commands;
use crate::context::Context;
use crate::metrics::gather::{NODE_EXPORTER, host_metrics};
use crate::metrics::units;
use crate::text::{bytes, compact};

const GAP: Duration = Duration::from_secs(1);

pub async fn run(ctx: &Context, args: MetricsArgs) -> anyhow::Result<i32> {
    let is_host = args.target.as_ref().is_some_and(|t| ctx.specs.iter().any(|s| s.id.0 == *t));
    let hosts: Vec<String> = if is_host { args.target.iter().cloned().collect() } else { Vec::new() };
    let found = match discover(ctx, &hosts).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let mut failed = found.failed;
    match args.target.as_deref().filter(|_| !is_host) {
        Some(app) => {
            let targets = crate::actions::targets(&found.reports, app, &[], &[]);
            if targets.is_empty() {
                eprintln!("fleet: {}", super::discover::no_target_message(&found, app, &[]));
                return Ok(if failed > 0 { 1 } else { 2 });
            }
            let runs = targets.iter().map(|t| {
                let b = found.backends.iter().find(|b| *b.id() == t.host).cloned();
                async move {
                    let b = b.ok_or_else(|| format!("{}: not in the inventory", t.host))?;
                    let cmd = commands::unit_accounting(&t.units);
                    let first = b.exec(&cmd).await.map_err(|e| format!("{}: {}", t.host, e.message))?;
                    tokio::time::sleep(GAP).await;
                    let second = b.exec(&cmd).await.map_err(|e| format!("{}: {}", t.host, e.message))?;
                    let a = units::parse(&String::from_utf8_lossy(&first.stdout));
                    let c = units::parse(&String::from_utf8_lossy(&second.stdout));
                    Ok::<_, String>((t.host.clone(), units::derive(&a, &c)))
                }
            });
            let mut all = Vec::new();
            for r in join_all(runs).await {
                match r {
                    Ok((host, ms)) => all.extend(ms.into_iter().map(|m| (host.clone(), m))),
                    Err(e) => {
                        failed += 1;
                        eprintln!("fleet: {e}");
                    }
                }
            }
            if args.json {
                output::print(&json_with_host(&all))?;
            } else {
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
            }
        }
        None => {
            let (all, host_failures) = per_host(&found, |b, r| async move {
                host_metrics(&b, NODE_EXPORTER, GAP).await.map(|m| (r.host.clone(), m)).map_err(|e| format!("{}: {}", r.host, e.message))
            })
            .await;
            failed = host_failures;
            if args.json {
                output::print(&json_with_host(&all))?;
            } else {
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
                            format!(
                                "↓{}/s ↑{}/s",
                                bytes(m.net_rx_per_sec.unwrap_or(0.0) as u64),
                                bytes(m.net_tx_per_sec.unwrap_or(0.0) as u64)
                            ),
                            m.uptime_secs.map(compact).unwrap_or_default(),
                            m.source.to_string(),
                        ]
                    })
                    .collect();
                output::print(&output::table(&["HOST", "CPU", "LOAD", "MEMORY", "FULLEST DISK", "NETWORK", "UPTIME", "SOURCE"], &rows))?;
            }
        }
    }
    Ok(if failed > 0 { 1 } else { 0 })
}
