//! Gathering what `check::problems` looks at: every host's report (or why there is none), then
//! at once on every host that answered its certificates, add-ons, metrics and each app's env.
//! Shared by `fleet check` and the TUI's problems view; a host that is slow or fails one read
//! costs only that read, said as a problem of its own.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use crate::check::Observed;
use crate::config::FleetConfig;
use crate::model::{HostError, HostId, HostReport};
use crate::platform::Backend;

/// What the check reads beside the reports.
pub struct Scope {
    /// The kubeconfig's own credentials (read from local files).
    pub kubeconfig: bool,
    /// Each host's metrics (two samples a second apart); the TUI has its own, live.
    pub metrics: bool,
    /// node_exporter as seen from each host (`[metrics] node_exporter`).
    pub node_exporter: String,
}

/// Refreshes every host, then observes.
pub async fn observe(backends: &[Arc<dyn Backend>], config: &FleetConfig, scope: &Scope) -> Observed {
    let mut hosts: Vec<(HostId, Result<HostReport, HostError>)> =
        crate::runtime::refresh_once(backends, &config.convention).collect().await;
    hosts.sort_by_key(|(h, _)| backends.iter().position(|b| b.id() == h));
    observe_with(backends, hosts, scope).await
}

/// Observes, given the reports (the TUI has them already).
pub async fn observe_with(backends: &[Arc<dyn Backend>], hosts: Vec<(HostId, Result<HostReport, HostError>)>, scope: &Scope) -> Observed {
    let reports: Vec<HostReport> = hosts.iter().filter_map(|(_, r)| r.as_ref().ok().cloned()).collect();
    let node_exporter = scope.node_exporter.clone();
    let with_metrics = scope.metrics;
    let per_host = reports.iter().map(|r| {
        let b = backends.iter().find(|b| *b.id() == r.host).cloned();
        let node_exporter = node_exporter.clone();
        async move {
            let Some(b) = b else { return (r.host.clone(), Err("not in the inventory".to_string()), Err(String::new()), None) };
            let certs = b.certs(r);
            let addons = b.addons(r);
            let metrics = async {
                if with_metrics {
                    crate::runtime::metrics::host_metrics(b.as_ref(), &node_exporter, Duration::from_secs(1)).await.ok()
                } else {
                    None
                }
            };
            let (certs, addons, metrics) = tokio::join!(certs, addons, metrics);
            (r.host.clone(), certs.map_err(|e| e.message), addons.map(|(_, p)| p).map_err(|e| e.message), metrics)
        }
    });
    let mut o = Observed { hosts, ..Default::default() };
    for (host, certs, addons, metrics) in futures::future::join_all(per_host).await {
        match certs {
            Ok(rows) => o.certs.extend(rows),
            Err(e) => o.unreadable.push((host.clone(), "certificates".into(), e)),
        }
        match addons {
            Ok(p) => o.addons.extend(p),
            Err(e) if !e.is_empty() => o.unreadable.push((host.clone(), "add-ons".into(), e)),
            Err(_) => {}
        }
        if let Some(m) = metrics {
            o.metrics.push((host, m));
        }
    }
    // Each app's env on every host it runs on, for drift: one read per host and app.
    let mut apps: Vec<&str> = reports.iter().flat_map(|r| r.processes.iter().map(|p| p.app.as_str())).collect();
    apps.sort_unstable();
    apps.dedup();
    let envs = apps.iter().map(|app| {
        let targets = crate::model::targets_with_processes(&reports, app, &[], &[]);
        async move {
            let (envs, failures) = crate::runtime::executor::app_envs(backends, &targets).await;
            (app.to_string(), envs.into_iter().flatten().collect::<Vec<_>>(), failures)
        }
    });
    for (app, env, failures) in futures::future::join_all(envs).await {
        if env.iter().map(|e| &e.host).collect::<std::collections::BTreeSet<_>>().len() > 1 {
            o.envs.push((app, env));
        }
        // An env that cannot be read is the env tab's business, not a problem on its own.
        for f in failures {
            tracing::debug!("check: env: {f}");
        }
    }
    if scope.kubeconfig {
        let (paths, explicit) = (crate::certs::kubeconfig::files(), std::env::var_os("KUBECONFIG").is_some());
        o.certs.extend(crate::certs::kube_rows(crate::certs::kubeconfig::credentials(&paths, explicit)));
    }
    o
}
