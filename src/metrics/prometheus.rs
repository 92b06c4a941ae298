//! A Prometheus server as the metrics source: a handful of PromQL instant queries answer for
//! every host at once (instead of one scrape per host), and range queries fill the sparklines'
//! history at start. The server is reached through a fleet host's ssh connection (`via`) or
//! directly from this machine.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::{Disk, HostMetrics, dedupe_disks, disk_key};
use crate::config::metrics::PrometheusConfig;
use crate::model::HostId;
use crate::transport::Transport;
use crate::transport::http::{http_get, parse_url};

pub const SOURCE: &str = "prometheus";

/// Answers above this are refused rather than buffered.
const MAX_ANSWER: usize = 32 * 1024 * 1024;

pub struct Prometheus {
    base: String,
    via: Arc<Transport>,
    host_label: String,
}

type DisksByMount = BTreeMap<(String, String), (String, Disk)>;

/// One series of an instant answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// One series of a range answer: (unix seconds, value).
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub labels: BTreeMap<String, String>,
    pub values: Vec<(i64, f64)>,
}

/// The fleet hosts and the names Prometheus may know them by.
pub type HostNames = [(HostId, Vec<String>)];

impl Prometheus {
    pub fn new(config: &PrometheusConfig, via: Arc<Transport>) -> Result<Prometheus, String> {
        parse_url(&config.url)?;
        Ok(Prometheus { base: config.url.trim_end_matches('/').to_string(), via, host_label: config.host_label.clone() })
    }

    pub fn describe(&self) -> String {
        match self.via.is_local() {
            true => self.base.clone(),
            false => format!("{} via {}", self.base, self.via.id()),
        }
    }

    async fn api(&self, path: &str, params: &[(&str, String)]) -> Result<Value, String> {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let url = format!("{}{path}?{}", self.base, query.join("&"));
        let (code, body) = http_get(&self.via, &url, MAX_ANSWER).await.map_err(|e| format!("prometheus {}: {e}", self.describe()))?;
        let v: Value =
            serde_json::from_str(&body).map_err(|_| format!("prometheus {}: HTTP {code}, not a Prometheus API answer", self.describe()))?;
        if v["status"] != "success" {
            return Err(format!(
                "prometheus {}: {} ({})",
                self.describe(),
                v["error"].as_str().unwrap_or("query failed"),
                v["errorType"].as_str().unwrap_or("HTTP error")
            ));
        }
        Ok(v)
    }

    /// An instant query.
    pub async fn query(&self, promql: &str) -> Result<Vec<Sample>, String> {
        let v = self.api("/api/v1/query", &[("query", promql.to_string())]).await?;
        parse_vector(&v["data"])
    }

    /// A range query over [start, end] (unix seconds) every `step` seconds.
    pub async fn query_range(&self, promql: &str, start: i64, end: i64, step: u64) -> Result<Vec<Range>, String> {
        let params =
            [("query", promql.to_string()), ("start", start.to_string()), ("end", end.to_string()), ("step", step.max(1).to_string())];
        let v = self.api("/api/v1/query_range", &params).await?;
        parse_matrix(&v["data"])
    }

    fn host_of<'a>(&self, labels: &BTreeMap<String, String>, hosts: &'a HostNames) -> Option<&'a HostId> {
        host_for(labels.get(&self.host_label)?, hosts)
    }

    /// Every host's metrics from four queries. Hosts Prometheus does not know are left out.
    pub async fn host_metrics(&self, hosts: &HostNames) -> Result<HashMap<HostId, HostMetrics>, String> {
        let l = &self.host_label;
        let raw = "{__name__=~\"node_load1|node_load5|node_load15|node_memory_MemTotal_bytes|node_memory_MemAvailable_bytes|node_time_seconds|node_boot_time_seconds|node_filesystem_size_bytes|node_filesystem_avail_bytes\"}";
        let cpu = format!("100 * (1 - avg by ({l}) (rate(node_cpu_seconds_total{{mode=\"idle\"}}[1m])))");
        let rx = format!("sum by ({l}) (rate(node_network_receive_bytes_total{{device!=\"lo\"}}[1m]))");
        let tx = format!("sum by ({l}) (rate(node_network_transmit_bytes_total{{device!=\"lo\"}}[1m]))");
        let (raw, cpu, rx, tx) = futures::try_join!(self.query(raw), self.query(&cpu), self.query(&rx), self.query(&tx))?;
        let mut out: HashMap<HostId, HostMetrics> = HashMap::new();
        // Per host, per (device, mount point): the device and the disk, for dedupe_disks.
        let mut disks: HashMap<HostId, DisksByMount> = HashMap::new();
        let mut times: HashMap<HostId, (f64, f64)> = HashMap::new();
        for s in &raw {
            let Some(h) = self.host_of(&s.labels, hosts) else { continue };
            let m = out.entry(h.clone()).or_insert_with(blank);
            let name = s.labels.get("__name__").map(String::as_str).unwrap_or("");
            match name {
                "node_load1" => m.load[0] = s.value,
                "node_load5" => m.load[1] = s.value,
                "node_load15" => m.load[2] = s.value,
                "node_memory_MemTotal_bytes" => m.mem_total = s.value as u64,
                "node_memory_MemAvailable_bytes" => m.mem_available = s.value as u64,
                "node_time_seconds" => times.entry(h.clone()).or_default().0 = s.value,
                "node_boot_time_seconds" => times.entry(h.clone()).or_default().1 = s.value,
                "node_filesystem_size_bytes" | "node_filesystem_avail_bytes" => {
                    let fstype = s.labels.get("fstype").map(String::as_str).unwrap_or("");
                    let (Some(dev), Some(mount)) = (s.labels.get("device"), s.labels.get("mountpoint")) else { continue };
                    let Some(key) = disk_key(fstype, dev, mount) else { continue };
                    let d = disks
                        .entry(h.clone())
                        .or_default()
                        .entry((key.clone(), mount.clone()))
                        .or_insert_with(|| (key, Disk { mount: mount.clone(), size: 0, avail: 0 }));
                    if name == "node_filesystem_size_bytes" {
                        d.1.size = s.value as u64;
                    } else {
                        d.1.avail = s.value as u64;
                    }
                }
                _ => {}
            }
        }
        for (series, set) in [(&cpu, 0usize), (&rx, 1), (&tx, 2)] {
            for s in series {
                let Some(h) = self.host_of(&s.labels, hosts) else { continue };
                let m = out.entry(h.clone()).or_insert_with(blank);
                match set {
                    0 => m.cpu_percent = Some(s.value.clamp(0.0, 100.0)),
                    1 => m.net_rx_per_sec = Some(s.value),
                    _ => m.net_tx_per_sec = Some(s.value),
                }
            }
        }
        for (h, m) in out.iter_mut() {
            m.mem_used = m.mem_total.saturating_sub(m.mem_available);
            if let Some(d) = disks.remove(h) {
                m.disks = dedupe_disks(d.into_values().collect());
            }
            if let Some((now, boot)) = times.get(h).filter(|(n, b)| *n > 0.0 && *b > 0.0) {
                m.uptime_secs = Some((now - boot).max(0.0) as u64);
            }
        }
        Ok(out)
    }

    /// History for the host sparklines, per host, in `state::fleet::HOST_SERIES` order: CPU %,
    /// memory used %, load, network in and out.
    pub async fn history(
        &self,
        hosts: &HostNames,
        start: i64,
        end: i64,
        step: u64,
    ) -> Result<HashMap<HostId, [Vec<(i64, f64)>; 5]>, String> {
        let l = &self.host_label;
        let queries = [
            format!("100 * (1 - avg by ({l}) (rate(node_cpu_seconds_total{{mode=\"idle\"}}[1m])))"),
            "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)".to_string(),
            "node_load1".to_string(),
            format!("sum by ({l}) (rate(node_network_receive_bytes_total{{device!=\"lo\"}}[1m]))"),
            format!("sum by ({l}) (rate(node_network_transmit_bytes_total{{device!=\"lo\"}}[1m]))"),
        ];
        let answers = futures::future::try_join_all(queries.iter().map(|q| self.query_range(q, start, end, step))).await?;
        let mut out: HashMap<HostId, [Vec<(i64, f64)>; 5]> = HashMap::new();
        for (i, ranges) in answers.into_iter().enumerate() {
            for r in ranges {
                if let Some(h) = self.host_of(&r.labels, hosts) {
                    out.entry(h.clone()).or_default()[i] = r.values;
                }
            }
        }
        Ok(out)
    }
}

fn blank() -> HostMetrics {
    HostMetrics {
        source: SOURCE,
        cpu_percent: None,
        load: [0.0; 3],
        mem_used: 0,
        mem_available: 0,
        mem_total: 0,
        disks: Vec::new(),
        net_rx_per_sec: None,
        net_tx_per_sec: None,
        uptime_secs: None,
    }
}

/// Which fleet host a label value names: `lab-1`, `lab-1:9100`, `10.0.0.5:9100`, `[::1]:9100`.
pub fn host_for<'a>(value: &str, hosts: &'a HostNames) -> Option<&'a HostId> {
    let bare = if let Some(rest) = value.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if value.matches(':').count() == 1 {
        value.split(':').next().unwrap_or(value)
    } else {
        value
    };
    hosts.iter().find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(bare) || n.eq_ignore_ascii_case(value))).map(|(h, _)| h)
}

/// The names a host may have in Prometheus: the fleet name and the ssh destination's host part.
pub fn names_of(specs: &[crate::model::HostSpec]) -> Vec<(HostId, Vec<String>)> {
    specs
        .iter()
        .map(|s| {
            let dest = s.destination.rsplit('@').next().unwrap_or(&s.destination);
            let dest = dest.split(':').next().unwrap_or(dest);
            (s.id.clone(), vec![s.id.0.clone(), dest.to_string()])
        })
        .collect()
}

fn labels(v: &Value) -> BTreeMap<String, String> {
    v.as_object().map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect()).unwrap_or_default()
}

/// `[ts, "value"]` → (seconds, value); "NaN" and "+Inf" are not points.
fn point(v: &Value) -> Option<(i64, f64)> {
    let t = v.get(0)?.as_f64()?;
    let x: f64 = v.get(1)?.as_str()?.parse().ok()?;
    x.is_finite().then_some((t as i64, x))
}

pub fn parse_vector(data: &Value) -> Result<Vec<Sample>, String> {
    if data["resultType"] != "vector" {
        return Err(format!("expected a vector answer, got {}", data["resultType"]));
    }
    let result = data["result"].as_array().ok_or("an answer without a result")?;
    Ok(result.iter().filter_map(|r| Some(Sample { labels: labels(&r["metric"]), value: point(&r["value"])?.1 })).collect())
}

pub fn parse_matrix(data: &Value) -> Result<Vec<Range>, String> {
    if data["resultType"] != "matrix" {
        return Err(format!("expected a matrix answer, got {}", data["resultType"]));
    }
    let result = data["result"].as_array().ok_or("an answer without a result")?;
    Ok(result
        .iter()
        .map(|r| Range {
            labels: labels(&r["metric"]),
            values: r["values"].as_array().map(|vs| vs.iter().filter_map(point).collect()).unwrap_or_default(),
        })
        .collect())
}

/// Percent-encodes a query parameter (RFC 3986 unreserved characters stay).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<(HostId, Vec<String>)> {
        vec![(HostId("lab-1".into()), vec!["lab-1".into(), "10.0.0.5".into()]), (HostId("db".into()), vec!["db".into(), "::1".into()])]
    }

    #[test]
    fn label_values_name_hosts() {
        let h = hosts();
        assert_eq!(host_for("lab-1", &h).unwrap().0, "lab-1");
        assert_eq!(host_for("LAB-1:9100", &h).unwrap().0, "lab-1");
        assert_eq!(host_for("10.0.0.5:9100", &h).unwrap().0, "lab-1");
        assert_eq!(host_for("[::1]:9100", &h).unwrap().0, "db");
        assert!(host_for("lab-10:9100", &h).is_none());
    }

    #[test]
    fn answers() {
        let v: Value = serde_json::from_str(
            r#"{"resultType":"vector","result":[{"metric":{"instance":"lab-1"},"value":[1700000000.5,"12.5"]},{"metric":{},"value":[1,"NaN"]}]}"#,
        )
        .unwrap();
        let s = parse_vector(&v).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].labels["instance"].as_str(), s[0].value), ("lab-1", 12.5));
        let m: Value =
            serde_json::from_str(r#"{"resultType":"matrix","result":[{"metric":{"instance":"x"},"values":[[1,"1"],[2,"+Inf"],[3,"3"]]}]}"#)
                .unwrap();
        assert_eq!(parse_matrix(&m).unwrap()[0].values, vec![(1, 1.0), (3, 3.0)]);
        assert!(parse_matrix(&v).is_err());
        assert_eq!(encode("rate(x{a=\"b\"}[1m])"), "rate%28x%7Ba%3D%22b%22%7D%5B1m%5D%29");
    }
}
