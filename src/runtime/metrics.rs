//! Metrics for the TUI, sampled in the background: every host on an interval (each on its own
//! task, node_exporter or /proc), or one Prometheus server for all of them (history first, from
//! a range query); and the open app's units and endpoint while its Metrics tab is shown.
//! Everything travels as `BackendEvent`s; a host without metrics just sends none.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::BackendEvent;
use super::inventory::HostSpec;
use crate::actions::HostTarget;
use crate::backend::{Backend, commands};
use crate::config::FleetConfig;
use crate::metrics::prometheus::{Prometheus, names_of};
use crate::metrics::{endpoint, units};
use crate::model::HostId;
use crate::state::metrics_view::AppSample;

/// Starts host sampling: from the `[prometheus]` server when configured, else from every host.
pub fn spawn_host_metrics(
    backends: &[Arc<Backend>],
    specs: &[HostSpec],
    config: &FleetConfig,
    events: mpsc::UnboundedSender<BackendEvent>,
) {
    let interval = config.metrics.interval;
    if let Some(p) = &config.prometheus {
        let via = match &p.via {
            Some(name) => backends.iter().find(|b| b.id().0 == *name).cloned(),
            None => Some(Arc::new(Backend::Local(Default::default()))),
        };
        let prom = via
            .ok_or_else(|| format!("[prometheus] via = {:?} is not a host in the inventory", p.via))
            .and_then(|via| Prometheus::new(p, via));
        match prom {
            Ok(prom) => {
                let names = names_of(specs);
                tokio::spawn(from_prometheus(prom, names, interval, config.metrics.history, events));
            }
            Err(e) => {
                let _ = events.send(BackendEvent::Notice(format!("metrics: {e}")));
            }
        }
        return;
    }
    for backend in backends {
        if let Backend::Demo(demo) = backend.as_ref() {
            if demo.reachable() {
                tokio::spawn(from_demo(backend.id().clone(), interval, config.metrics.history, events.clone()));
            }
            continue;
        }
        if let Backend::Kube(_) = backend.as_ref() {
            tokio::spawn(from_cluster(backend.clone(), interval, events.clone()));
            continue;
        }
        tokio::spawn(from_host(backend.clone(), config.metrics.node_exporter.clone(), interval, events.clone()));
    }
}

async fn from_host(backend: Arc<Backend>, node_exporter: String, interval: Duration, events: mpsc::UnboundedSender<BackendEvent>) {
    let mut previous: Option<(&'static str, crate::metrics::HostSample)> = None;
    loop {
        if let Ok((source, sample)) = crate::metrics::gather::sample(&backend, &node_exporter).await {
            if let Some((prev_source, prev)) = previous.as_ref().filter(|(s, _)| *s == source) {
                let metrics = crate::metrics::derive(prev_source, prev, &sample);
                let ev = BackendEvent::Metrics { host: backend.id().clone(), metrics, at: jiff::Timestamp::now() };
                if events.send(ev).is_err() {
                    return;
                }
            }
            previous = Some((source, sample));
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = events.closed() => return,
        }
    }
}

/// A cluster row: its nodes' usage (metrics.k8s.io) each interval.
async fn from_cluster(backend: Arc<Backend>, interval: Duration, events: mpsc::UnboundedSender<BackendEvent>) {
    let Backend::Kube(k) = backend.as_ref() else { return };
    loop {
        if let Ok(metrics) = crate::kube::metrics::cluster_metrics(k).await
            && events.send(BackendEvent::Metrics { host: k.id().clone(), metrics, at: jiff::Timestamp::now() }).is_err()
        {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = events.closed() => return,
        }
    }
}

/// `--demo`: made-up but plausible metrics (slow waves, one shape per host), with a full window
/// of history at once, so the demo shows what sparklines and charts look like.
async fn from_demo(host: HostId, interval: Duration, history: Duration, events: mpsc::UnboundedSender<BackendEvent>) {
    let seed = host.0.bytes().map(u64::from).sum::<u64>() as f64;
    let at = |t: i64| -> [f64; 5] {
        let x = t as f64 / 60.0 + seed;
        let cpu = (35.0 + 25.0 * x.sin() + 10.0 * (3.1 * x).sin()).clamp(1.0, 99.0);
        [
            cpu,
            55.0 + 8.0 * (0.3 * x).sin() + seed % 20.0,
            cpu / 40.0,
            40_000.0 + 30_000.0 * (1.7 * x).sin(),
            90_000.0 + 60_000.0 * (1.3 * x).cos(),
        ]
    };
    let now = jiff::Timestamp::now().as_second();
    let step = interval.as_secs().max(1) as i64;
    let mut past: [Vec<(i64, f64)>; 5] = Default::default();
    for t in (now - history.as_secs() as i64..now).step_by(step as usize) {
        for (series, v) in past.iter_mut().zip(at(t)) {
            series.push((t, v));
        }
    }
    let _ = events.send(BackendEvent::MetricsHistory { host: host.clone(), history: Box::new(past) });
    loop {
        let t = jiff::Timestamp::now();
        let [cpu, mem, load, rx, tx] = at(t.as_second());
        let total: u64 = 4 << 30;
        let metrics = crate::metrics::HostMetrics {
            source: "demo",
            cpu_percent: Some(cpu),
            load: [load, load * 0.9, load * 0.8],
            mem_used: (total as f64 * mem / 100.0) as u64,
            mem_available: (total as f64 * (1.0 - mem / 100.0)) as u64,
            mem_total: total,
            disks: vec![crate::metrics::Disk {
                mount: "/".into(),
                size: 80 << 30,
                avail: (80u64 << 30) * (100 - (seed as u64 % 60)) / 100,
            }],
            net_rx_per_sec: Some(rx),
            net_tx_per_sec: Some(tx),
            uptime_secs: Some(86_400 * 12),
        };
        if events.send(BackendEvent::Metrics { host: host.clone(), metrics, at: t }).is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = events.closed() => return,
        }
    }
}

async fn from_prometheus(
    prom: Prometheus,
    names: Vec<(HostId, Vec<String>)>,
    interval: Duration,
    history: Duration,
    events: mpsc::UnboundedSender<BackendEvent>,
) {
    let end = jiff::Timestamp::now().as_second();
    match prom.history(&names, end - history.as_secs() as i64, end, interval.as_secs().max(1)).await {
        Ok(h) => {
            for (host, series) in h {
                let _ = events.send(BackendEvent::MetricsHistory { host, history: Box::new(series) });
            }
        }
        Err(e) => {
            let _ = events.send(BackendEvent::Notice(format!("metrics history: {e}")));
        }
    }
    let mut last_error: Option<String> = None;
    loop {
        match prom.host_metrics(&names).await {
            Ok(all) => {
                last_error = None;
                let at = jiff::Timestamp::now();
                for (host, metrics) in all {
                    if events.send(BackendEvent::Metrics { host, metrics, at }).is_err() {
                        return;
                    }
                }
            }
            // Said once, not every interval.
            Err(e) if last_error.as_ref() != Some(&e) => {
                let _ = events.send(BackendEvent::Notice(format!("metrics: {e}")));
                last_error = Some(e);
            }
            Err(_) => {}
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = events.closed() => return,
        }
    }
}

/// Samples an app on its hosts until dropped (the Metrics tab closes).
pub struct AppWatch(JoinHandle<()>);

impl Drop for AppWatch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What one host gave this round.
enum Read {
    /// systemd accounting (rates need the previous sample) and the endpoint's scrape.
    Units(units::Sample, Option<(Vec<endpoint::Raw>, Instant)>),
    /// The units, but the endpoint failed.
    Partial(units::Sample, String),
    /// Already final values (pods from metrics.k8s.io).
    Final(Vec<crate::metrics::units::UnitMetrics>),
    Failed(String),
}

/// The previous sample on one host, for CPU and counter rates.
#[derive(Default)]
struct Previous {
    units: Option<units::Sample>,
    endpoint: Option<(Vec<endpoint::Raw>, Instant)>,
}

pub fn watch_app(
    backends: &HashMap<HostId, Arc<Backend>>,
    app: String,
    targets: Vec<HostTarget>,
    metrics_url: Option<String>,
    interval: Duration,
    events: mpsc::UnboundedSender<BackendEvent>,
) -> AppWatch {
    let hosts: Vec<(HostTarget, Option<Arc<Backend>>)> = targets
        .into_iter()
        .map(|t| {
            let b = backends.get(&t.host).cloned();
            (t, b)
        })
        .collect();
    AppWatch(tokio::spawn(async move {
        let mut previous: HashMap<HostId, Previous> = HashMap::new();
        // A second sample soon after the first, so CPU and rates show without waiting a whole interval.
        let mut wait = Duration::from_secs(1).min(interval);
        loop {
            let runs = hosts.iter().map(|(t, b)| {
                let url = metrics_url.clone();
                let app = app.clone();
                async move {
                    let Some(b) = b else { return (t.host.clone(), Read::Failed("not in the inventory".to_string())) };
                    if let Backend::Kube(k) = b.as_ref() {
                        // Pods: metrics-server already gives rates (CPU in cores).
                        return match crate::kube::metrics::app_pod_metrics(k, &app).await {
                            Ok(pods) => (t.host.clone(), Read::Final(pods)),
                            Err(e) => (t.host.clone(), Read::Failed(e.message)),
                        };
                    }
                    let units =
                        b.exec(&commands::unit_accounting(&t.units)).await.map(|o| units::parse(&String::from_utf8_lossy(&o.stdout)));
                    let scraped = match &url {
                        Some(u) => Some(endpoint::scrape(b, u).await.map(|r| (r, Instant::now()))),
                        None => None,
                    };
                    let read = match (units, scraped) {
                        (Err(e), _) => Read::Failed(e.message),
                        (Ok(u), Some(Err(e))) => Read::Partial(u, format!("the app's metrics endpoint: {e}")),
                        (Ok(u), Some(Ok(s))) => Read::Units(u, Some(s)),
                        (Ok(u), None) => Read::Units(u, None),
                    };
                    (t.host.clone(), read)
                }
            });
            let at = jiff::Timestamp::now();
            for (host, read) in futures::future::join_all(runs).await {
                let prev = previous.entry(host.clone()).or_default();
                let (unit_sample, scrape, error) = match read {
                    Read::Final(pods) => {
                        let sample = Ok(AppSample { units: pods, endpoint: Vec::new() });
                        if events.send(BackendEvent::AppMetrics { app: app.clone(), host, sample, at }).is_err() {
                            return;
                        }
                        continue;
                    }
                    Read::Failed(e) => (None, None, Some(e)),
                    Read::Partial(u, e) => (Some(u), None, Some(e)),
                    Read::Units(u, s) => (Some(u), s, None),
                };
                let mut units = match (&prev.units, &unit_sample) {
                    (Some(a), Some(b)) => units::derive(a, b),
                    (None, Some(b)) => units::derive(b, b),
                    _ => Vec::new(),
                };
                // Only the app's units, whatever else the host printed.
                if let Some((t, _)) = hosts.iter().find(|(t, _)| t.host == host) {
                    units.retain(|u| t.units.contains(&u.unit));
                }
                let values = match (&prev.endpoint, &scrape) {
                    (Some((a, ta)), Some((b, tb))) => endpoint::derive(a, b, tb.duration_since(*ta).as_secs_f64()),
                    (None, Some((b, _))) => endpoint::derive(b, b, 0.0),
                    _ => Vec::new(),
                };
                if unit_sample.is_some() {
                    prev.units = unit_sample;
                }
                if scrape.is_some() {
                    prev.endpoint = scrape;
                }
                let sample = match error {
                    Some(e) => Err(e),
                    None => Ok(AppSample { units, endpoint: values }),
                };
                if events.send(BackendEvent::AppMetrics { app: app.clone(), host, sample, at }).is_err() {
                    return;
                }
            }
            tokio::time::sleep(wait).await;
            wait = interval;
        }
    }))
}
