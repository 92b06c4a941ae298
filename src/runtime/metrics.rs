//! Metrics for the TUI, sampled in the background: every host on an interval (each on its own
//! task, node_exporter or /proc), or one Prometheus server for all of them (history first, from
//! a range query); and the open app's units and endpoint while its Metrics tab is shown.
//! Everything travels as `BackendEvent`s; a host without metrics just sends none.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::FleetConfig;
use crate::metrics::prometheus::{Prometheus, names_of};
use crate::metrics::{endpoint, units};
use crate::model::{AppSample, BackendEvent, HostId, HostSpec, HostTarget};
use crate::platform::{AppRead, Backend, HostRead};
use crate::transport::{LocalTransport, Transport};

/// Starts host sampling: from the `[prometheus]` server when configured, else from every row.
pub fn spawn_host_metrics(
    backends: &[Arc<dyn Backend>],
    specs: &[HostSpec],
    config: &FleetConfig,
    events: mpsc::UnboundedSender<BackendEvent>,
) {
    let interval = config.metrics.interval;
    if let Some(p) = &config.prometheus {
        let prom = prometheus_via(backends, p).and_then(|via| Prometheus::new(p, via));
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
        if let Some(history) = backend.demo_history(config.metrics.history.as_secs(), interval.as_secs().max(1)) {
            let _ = events.send(BackendEvent::MetricsHistory { host: backend.id().clone(), history: Box::new(history) });
        }
        tokio::spawn(from_backend(backend.clone(), config.metrics.node_exporter.clone(), interval, events.clone()));
    }
}

/// The transport a `[prometheus]` server is reached through: a host's (`via`), or this machine.
pub fn prometheus_via(backends: &[Arc<dyn Backend>], p: &crate::config::metrics::PrometheusConfig) -> Result<Arc<Transport>, String> {
    match &p.via {
        None => Ok(Arc::new(Transport::Local(LocalTransport::default()))),
        Some(name) => {
            let b = backends
                .iter()
                .find(|b| b.id().0 == *name)
                .ok_or_else(|| format!("[prometheus] via = {name:?} is not a host in the inventory"))?;
            b.transport().ok_or_else(|| format!("[prometheus] via = {name:?} is a cluster: name a host reached over ssh"))
        }
    }
}

/// A row's metrics now: final values at once, counters as rates from two readings `gap` apart.
pub async fn host_metrics(
    backend: &dyn Backend,
    node_exporter: &str,
    gap: Duration,
) -> Result<crate::metrics::HostMetrics, crate::model::HostError> {
    let (src, a) = match backend.host_sample(node_exporter).await? {
        HostRead::Final(m) => return Ok(m),
        HostRead::Counters(src, a) => (src, a),
    };
    tokio::time::sleep(gap).await;
    match backend.host_sample(node_exporter).await? {
        HostRead::Final(m) => Ok(m),
        HostRead::Counters(src2, b) if src2 == src => Ok(crate::metrics::derive(src, &a, &b)),
        HostRead::Counters(src2, b) => Ok(crate::metrics::derive(src2, &b, &b)),
    }
}

/// One row's metrics each interval: counters become rates against the previous reading (of
/// the same source); values that are final already go as they are.
async fn from_backend(backend: Arc<dyn Backend>, node_exporter: String, interval: Duration, events: mpsc::UnboundedSender<BackendEvent>) {
    let mut previous: Option<(&'static str, crate::metrics::HostSample)> = None;
    loop {
        let metrics = match backend.host_sample(&node_exporter).await {
            Ok(HostRead::Final(m)) => Some(m),
            Ok(HostRead::Counters(source, sample)) => {
                let m = previous.as_ref().filter(|(s, _)| *s == source).map(|(s, prev)| crate::metrics::derive(s, prev, &sample));
                previous = Some((source, sample));
                m
            }
            Err(_) => None,
        };
        if let Some(metrics) = metrics
            && events.send(BackendEvent::Metrics { host: backend.id().clone(), metrics, at: jiff::Timestamp::now() }).is_err()
        {
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
    backends: &HashMap<HostId, Arc<dyn Backend>>,
    app: String,
    targets: Vec<HostTarget>,
    metrics_url: Option<String>,
    interval: Duration,
    events: mpsc::UnboundedSender<BackendEvent>,
) -> AppWatch {
    let hosts: Vec<(HostTarget, Option<Arc<dyn Backend>>)> = targets
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
                    let read = match b.platform(t.platform) {
                        Ok(p) => p.app_metrics(t, &app).await,
                        Err(e) => Err(e.message),
                    };
                    let units = match read {
                        // Already rates (a pod's usage): nothing to derive.
                        Ok(AppRead::Final(pods)) => return (t.host.clone(), Read::Final(pods)),
                        Ok(AppRead::Counters(u)) => u,
                        Err(e) => return (t.host.clone(), Read::Failed(e)),
                    };
                    let scraped = match (&url, b.transport()) {
                        (Some(u), Some(tr)) => Some(endpoint::scrape(&tr, u).await.map(|r| (r, Instant::now()))),
                        _ => None,
                    };
                    let read = match scraped {
                        Some(Err(e)) => Read::Partial(units, format!("the app's metrics endpoint: {e}")),
                        Some(Ok(s)) => Read::Units(units, Some(s)),
                        None => Read::Units(units, None),
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
