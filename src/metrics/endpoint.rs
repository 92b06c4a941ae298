//! An app's own Prometheus endpoint (fleet.toml `[apps.NAME] metrics_url`), scraped through the
//! ssh connection of each host the app runs on. Counters become rates from two scrapes; gauges
//! are shown as they are. Histogram buckets and summary quantiles are left out (a dashboard row
//! cannot say much about one bucket); their _count and _sum stay, as rates.

pub use crate::model::metrics::EndpointValue;
use crate::transport::Transport;
use crate::transport::http::http_get;
use prometheus_parse::{Scrape, Value};

/// A scrape is at most this many bytes and this many series: enough for an app, bounded for
/// one that exports per-user labels.
const MAX_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_SERIES: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    /// `name{label="value",…}`, labels sorted.
    pub key: String,
    pub counter: bool,
    pub value: f64,
}

pub fn parse(text: &str) -> Result<Vec<Raw>, String> {
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).map_err(|e| format!("not Prometheus text: {e}"))?;
    let mut out: Vec<Raw> = scrape
        .samples
        .iter()
        .filter_map(|s| {
            let (counter, value) = match s.value {
                Value::Counter(v) => (true, v),
                Value::Gauge(v) => (false, v),
                // A histogram's or summary's _count and _sum arrive untyped; they are counters
                // (requests per second, seconds per second), as is any untyped *_total.
                Value::Untyped(v) => (["_count", "_sum", "_total"].iter().any(|x| s.metric.ends_with(x)), v),
                _ => return None,
            };
            let mut labels: Vec<(&String, &String)> = s.labels.iter().collect();
            labels.sort();
            let key = if labels.is_empty() {
                s.metric.clone()
            } else {
                let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                format!("{}{{{}}}", s.metric, l.join(","))
            };
            Some(Raw { key, counter, value })
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out.truncate(MAX_SERIES);
    Ok(out)
}

pub async fn scrape(transport: &Transport, url: &str) -> Result<Vec<Raw>, String> {
    let (code, body) = http_get(transport, url, MAX_BYTES).await?;
    if code != 200 {
        return Err(format!("{url}: HTTP {code}"));
    }
    parse(&body)
}

/// Two scrapes `dt` seconds apart → values (counters as rates; a reset gives no rate).
pub fn derive(a: &[Raw], b: &[Raw], dt: f64) -> Vec<EndpointValue> {
    b.iter()
        .map(|r| {
            if !r.counter {
                return EndpointValue { series: r.key.clone(), kind: "value", value: Some(r.value) };
            }
            let before = a.iter().find(|x| x.key == r.key).map(|x| x.value);
            let rate = before.filter(|v| dt > 0.0 && r.value >= *v).map(|v| (r.value - v) / dt);
            EndpointValue { series: r.key.clone(), kind: "rate", value: rate }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\",method=\"get\"} 100\n# TYPE queue_depth gauge\nqueue_depth 7\n# TYPE lat histogram\nlat_bucket{le=\"1\"} 3\nlat_count 3\nlat_sum 1.5\n";
    const B: &str = "# TYPE http_requests_total counter\nhttp_requests_total{method=\"get\",code=\"200\"} 130\n# TYPE queue_depth gauge\nqueue_depth 4\n";

    #[test]
    fn counters_become_rates_gauges_stay() {
        let (a, b) = (parse(A).unwrap(), parse(B).unwrap());
        assert!(a.iter().all(|r| !r.key.starts_with("lat_bucket")), "buckets are left out: {a:?}");
        assert!(a.iter().any(|r| r.key == "lat_count" && r.counter), "_count is a counter: {a:?}");
        let v = derive(&a, &b, 10.0);
        assert_eq!(v[0].series, "http_requests_total{code=\"200\",method=\"get\"}");
        assert_eq!((v[0].kind, v[0].value), ("rate", Some(3.0)));
        assert_eq!((v[1].series.as_str(), v[1].kind, v[1].value), ("queue_depth", "value", Some(4.0)));
        // A restarted app resets its counters: no negative rate.
        assert_eq!(derive(&b, &a, 10.0)[0].value, None);
    }
}
