//! The app view's Metrics and Certs tabs: a series per unit metric and per series of the app's
//! own endpoint (bounded history each), and the certificates of the app's domains.

use crate::metrics::series::{Series, Unit};
use crate::model::HostId;
pub use crate::model::metrics::AppSample;

/// A series and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct AppSeries {
    pub host: HostId,
    /// The unit (`shop-web.service`) or "endpoint".
    pub source: String,
    pub series: Series,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppMetricsView {
    pub app: String,
    pub series: Vec<AppSeries>,
    pub cursor: usize,
    /// Per host: why it has no sample (the latest error).
    pub problems: Vec<(HostId, String)>,
    pub points: usize,
    pub loading: bool,
}

impl AppMetricsView {
    pub fn new(app: String, points: usize) -> AppMetricsView {
        AppMetricsView { app, series: Vec::new(), cursor: 0, problems: Vec::new(), points, loading: true }
    }

    fn series_mut(&mut self, host: &HostId, source: &str, label: &str, unit: Unit) -> &mut Series {
        let i = match self.series.iter().position(|s| s.host == *host && s.source == source && s.series.label == label) {
            Some(i) => i,
            None => {
                self.series.push(AppSeries {
                    host: host.clone(),
                    source: source.to_string(),
                    series: Series::new(label, unit, self.points),
                });
                // Units first (in name order, then host), the endpoint after; within one, the
                // order they came in (cpu, memory, tasks, restarts): the sort is stable.
                self.series.sort_by(|a, b| (a.source == "endpoint", &a.source, &a.host).cmp(&(b.source == "endpoint", &b.source, &b.host)));
                self.series.iter().position(|s| s.host == *host && s.source == source && s.series.label == label).unwrap_or(0)
            }
        };
        &mut self.series[i].series
    }

    pub fn push(&mut self, host: HostId, sample: Result<AppSample, String>, at: i64) {
        self.loading = false;
        self.problems.retain(|(h, _)| *h != host);
        let sample = match sample {
            Ok(s) => s,
            Err(e) => {
                self.problems.push((host, e));
                return;
            }
        };
        for u in &sample.units {
            let values = [
                ("cpu", Unit::Percent, u.cpu_percent),
                ("memory", Unit::Bytes, u.memory_bytes.map(|m| m as f64)),
                ("tasks", Unit::Count, u.tasks.map(|t| t as f64)),
                ("restarts", Unit::Count, u.restarts.map(|r| r as f64)),
            ];
            for (label, unit, v) in values {
                if let Some(v) = v {
                    self.series_mut(&host, &u.unit, label, unit).push(at, v);
                }
            }
        }
        for e in &sample.endpoint {
            let unit = if e.kind == "rate" { Unit::PerSec } else { Unit::Count };
            if let Some(v) = e.value {
                self.series_mut(&host, "endpoint", &e.series, unit).push(at, v);
            }
        }
        self.cursor = self.cursor.min(self.series.len().saturating_sub(1));
    }
}

/// The Certs tab: the app's domains' certificates (None: loading).
#[derive(Debug, Clone, PartialEq)]
pub struct AppCertsView {
    pub app: String,
    pub rows: Option<Vec<crate::certs::CertRow>>,
    pub problems: Vec<String>,
    pub cursor: usize,
}

/// The app's Activity tab: None while it loads.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityView {
    pub app: String,
    pub entries: Option<Vec<crate::model::ActivityEntry>>,
    pub problems: Vec<String>,
    pub cursor: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::metrics::{EndpointValue, UnitMetrics};

    fn unit(name: &str, mem: u64) -> UnitMetrics {
        UnitMetrics {
            unit: name.into(),
            active: "active".into(),
            cpu_percent: Some(1.5),
            memory_bytes: Some(mem),
            tasks: Some(3),
            restarts: Some(0),
        }
    }

    #[test]
    fn samples_become_bounded_series_units_first() {
        let mut v = AppMetricsView::new("shop".into(), 3);
        let h = HostId("lab-1".into());
        for t in 0..5 {
            let endpoint = vec![EndpointValue { series: "http_requests_total".into(), kind: "rate", value: Some(t as f64) }];
            v.push(h.clone(), Ok(AppSample { units: vec![unit("shop-web.service", 100 + t)], endpoint }), t as i64);
        }
        assert_eq!(v.series.len(), 5);
        assert_eq!(v.series[4].source, "endpoint");
        assert_eq!(v.series.iter().map(|s| s.series.label.as_str()).take(4).collect::<Vec<_>>(), ["cpu", "memory", "tasks", "restarts"]);
        assert_eq!(v.series[1].series.points.len(), 3, "bounded");
        assert_eq!(v.series[1].series.latest(), Some(104.0));
        v.push(h.clone(), Err("connection refused".into()), 9);
        assert_eq!(v.problems.len(), 1);
        v.push(h, Ok(AppSample { units: vec![], endpoint: vec![] }), 10);
        assert!(v.problems.is_empty(), "a good sample clears the host's problem");
    }
}
