//! fleet.toml's `[metrics]`, `[prometheus]` and `[certs]`: where metrics come from, how much
//! history the TUI keeps, and when a value or a certificate turns amber or red.

use std::time::Duration;

use serde::Deserialize;

/// `[metrics]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// node_exporter as seen from each host (reached through the ssh connection).
    pub node_exporter: String,
    /// How often the TUI samples hosts and the open app.
    #[serde(deserialize_with = "super::duration::deserialize")]
    pub interval: Duration,
    /// How much history sparklines and charts keep in memory (bounded: see `points`).
    #[serde(deserialize_with = "super::duration::deserialize")]
    pub history: Duration,
    pub cpu: Thresholds,
    pub memory: Thresholds,
    pub disk: Thresholds,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            node_exporter: "http://127.0.0.1:9100/metrics".into(),
            interval: Duration::from_secs(5),
            history: Duration::from_secs(600),
            cpu: Thresholds { warn: 75.0, critical: 90.0 },
            memory: Thresholds { warn: 75.0, critical: 90.0 },
            disk: Thresholds { warn: 80.0, critical: 90.0 },
        }
    }
}

/// The most points one series keeps, whatever the window: memory stays bounded.
pub const MAX_POINTS: usize = 3_600;

impl MetricsConfig {
    /// Points per series: the window over the interval, at least 10, at most `MAX_POINTS`.
    pub fn points(&self) -> usize {
        let n = self.history.as_secs_f64() / self.interval.as_secs_f64().max(0.1);
        (n.ceil() as usize).clamp(10, MAX_POINTS)
    }

    pub fn validate(&self) -> Result<(), String> {
        crate::text::parse_url(&self.node_exporter).map_err(|e| format!("node_exporter: {e}"))?;
        if self.interval < Duration::from_secs(1) {
            return Err("interval must be at least 1s".into());
        }
        if self.history < self.interval {
            return Err("history must be at least one interval".into());
        }
        for (name, t) in [("cpu", &self.cpu), ("memory", &self.memory), ("disk", &self.disk)] {
            t.validate().map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    }
}

/// Percentages at which a value turns amber and red.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub warn: f64,
    pub critical: f64,
}

/// How bad a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warn,
    Critical,
}

impl Thresholds {
    pub fn level(&self, value: f64) -> Level {
        if value >= self.critical {
            Level::Critical
        } else if value >= self.warn {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !(0.0..=100.0).contains(&self.warn) || !(0.0..=100.0).contains(&self.critical) || self.warn > self.critical {
            return Err(format!("warn ({}) and critical ({}) must be percentages with warn ≤ critical", self.warn, self.critical));
        }
        Ok(())
    }
}

/// `[prometheus]`: a Prometheus server that already scrapes the hosts' node_exporters, used
/// instead of scraping every host (PromQL instant and range queries).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusConfig {
    /// http://host:port of the server.
    pub url: String,
    /// A fleet host to reach it through (its ssh connection); without it, fleet connects itself.
    pub via: Option<String>,
    /// The series label that names the host; its value (port stripped) is matched against the
    /// fleet host name and the ssh HostName.
    #[serde(default = "default_host_label")]
    pub host_label: String,
}

fn default_host_label() -> String {
    "instance".into()
}

impl PrometheusConfig {
    pub fn validate(&self) -> Result<(), String> {
        crate::text::parse_url(&self.url).map(|_| ()).map_err(|e| format!("url: {e}"))?;
        if self.host_label.is_empty() || !self.host_label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("host_label {:?} is not a Prometheus label name", self.host_label));
        }
        Ok(())
    }
}

/// `[certs]`: when a certificate turns amber and red (and `fleet certs` exits 1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertsConfig {
    #[serde(deserialize_with = "super::duration::deserialize")]
    pub warn: Duration,
    #[serde(deserialize_with = "super::duration::deserialize")]
    pub critical: Duration,
}

impl Default for CertsConfig {
    fn default() -> Self {
        CertsConfig { warn: Duration::from_secs(21 * 86_400), critical: Duration::from_secs(7 * 86_400) }
    }
}

impl CertsConfig {
    pub fn warn_days(&self) -> i64 {
        (self.warn.as_secs() / 86_400) as i64
    }
    pub fn critical_days(&self) -> i64 {
        (self.critical.as_secs() / 86_400) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_the_window_over_the_interval_and_bounded() {
        let mut m = MetricsConfig::default();
        assert_eq!(m.points(), 120);
        m.history = Duration::from_secs(7 * 86_400);
        assert_eq!(m.points(), MAX_POINTS);
        m.history = Duration::from_secs(5);
        assert_eq!(m.points(), 10);
    }

    #[test]
    fn levels() {
        let t = Thresholds { warn: 75.0, critical: 90.0 };
        assert_eq!(t.level(74.9), Level::Ok);
        assert_eq!(t.level(75.0), Level::Warn);
        assert_eq!(t.level(95.0), Level::Critical);
        assert!(Thresholds { warn: 95.0, critical: 90.0 }.validate().is_err());
    }
}
