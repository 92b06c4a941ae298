//! fleet.toml: the inventory, refresh interval, theme and convention.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::convention::glob_match;
use super::error::{ConfigError, parse_toml};
use super::{Convention, paths};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FleetConfig {
    /// How often every host is refreshed.
    #[serde(deserialize_with = "super::duration::deserialize")]
    pub refresh: Duration,
    /// Built-in theme name ("dark", "light") or a path to a theme file.
    pub theme: String,
    /// The ssh client config to read (default ~/.ssh/config), like `ssh -F`.
    pub ssh_config: Option<String>,
    /// Include the local machine as a host.
    pub local: bool,
    pub inventory: Inventory,
    /// Lines a TUI log view keeps in memory; scrolling above them fetches older ones.
    pub log_buffer_lines: usize,
    /// Hosts listed explicitly (in addition to the ssh-config aliases the inventory selects).
    pub hosts: Vec<HostEntry>,
    pub convention: Convention,
    /// Refuse every action that changes a host (restart, rollout, shell, run, env edits).
    pub readonly: bool,
    /// The local address port-forwards listen on. Loopback unless you mean otherwise.
    pub forward_bind: std::net::IpAddr,
    /// Per-app settings: `[apps.shop]`.
    pub apps: std::collections::BTreeMap<String, AppSettings>,
    pub metrics: super::metrics::MetricsConfig,
    /// A Prometheus server to read host metrics from instead of every node_exporter.
    pub prometheus: Option<super::metrics::PrometheusConfig>,
    pub certs: super::metrics::CertsConfig,
    pub kubernetes: super::kubernetes::KubernetesConfig,
    pub check: super::check::CheckConfig,
}

/// Per-app settings in fleet.toml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppSettings {
    /// Rollout health check: an http:// URL as seen from the host (reached through ssh).
    pub health_url: Option<String>,
    /// Rollout: how long the units must stay active (same PID) before the next host.
    #[serde(deserialize_with = "super::duration::deserialize")]
    pub stable_for: Duration,
    /// Rollout: how long a host may take to become healthy.
    #[serde(deserialize_with = "super::duration::deserialize")]
    pub health_timeout: Duration,
    /// The app's own Prometheus endpoint as seen from each host it runs on (through ssh).
    pub metrics_url: Option<String>,
    /// Domains the app serves, beyond those the front door's config routes to it.
    pub domains: Vec<String>,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            health_url: None,
            stable_for: Duration::from_secs(5),
            health_timeout: Duration::from_secs(60),
            metrics_url: None,
            domains: Vec::new(),
        }
    }
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            refresh: Duration::from_secs(10),
            theme: "dark".into(),
            ssh_config: None,
            local: true,
            inventory: Inventory::default(),
            log_buffer_lines: 100_000,
            hosts: Vec::new(),
            convention: Convention::default(),
            readonly: false,
            forward_bind: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            apps: Default::default(),
            metrics: Default::default(),
            prometheus: None,
            certs: Default::default(),
            kubernetes: Default::default(),
            check: Default::default(),
        }
    }
}

/// Which ssh-config `Host` aliases become fleet hosts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Inventory {
    /// Take the concrete `Host` aliases from the ssh config at all.
    pub ssh_config_hosts: bool,
    /// Glob patterns an alias must match (any of them).
    pub include: Vec<String>,
    /// Glob patterns that drop an alias.
    pub exclude: Vec<String>,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory { ssh_config_hosts: true, include: vec!["*".into()], exclude: Vec::new() }
    }
}

impl Inventory {
    pub fn selects(&self, alias: &str) -> bool {
        self.include.iter().any(|p| glob_match(p, alias)) && !self.exclude.iter().any(|p| glob_match(p, alias))
    }
}

/// One host named in fleet.toml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostEntry {
    /// The name shown in fleet; also the ssh destination unless `ssh` is set.
    pub name: String,
    /// What to hand ssh: an alias from the ssh config, or `user@host:port`.
    pub ssh: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub group: Option<String>,
    /// The platforms to look for there (`["dokku"]`): only these, and one that is missing is
    /// said on the host row. Unset: every platform fleet knows (detected).
    #[serde(default)]
    pub platforms: Vec<String>,
}

/// What `platforms = […]` may name: the platforms a machine may run apps on.
pub const MACHINE_PLATFORMS: [&str; 4] = ["systemd", "docker", "supervisord", "dokku"];

/// A loaded config and where it came from (None: built-in defaults, no file).
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: FleetConfig,
    pub path: Option<PathBuf>,
}

impl FleetConfig {
    pub fn parse(path: &Path, source: &str) -> Result<Self, ConfigError> {
        let config: FleetConfig = parse_toml(path, source)?;
        config.validate(path, source)?;
        Ok(config)
    }

    fn validate(&self, path: &Path, source: &str) -> Result<(), ConfigError> {
        let at = |needle: &str, message: String| {
            let offset = source.find(needle).unwrap_or(0);
            let (line, col) = super::error::line_col(source, offset);
            ConfigError::At { path: path.to_path_buf(), line, col, message }
        };
        self.convention.validate().map_err(|m| at("[convention]", m))?;
        if !(1_000..=10_000_000).contains(&self.log_buffer_lines) {
            return Err(at("log_buffer_lines", "log_buffer_lines must be between 1000 and 10000000".into()));
        }
        if self.refresh < Duration::from_millis(500) {
            return Err(at("refresh", "refresh must be at least 500ms".into()));
        }
        for (app, settings) in &self.apps {
            if let Some(url) = &settings.health_url {
                crate::text::parse_url(url).map_err(|e| at(&format!("[apps.{app}]"), format!("health_url: {e}")))?;
            }
            if let Some(url) = &settings.metrics_url {
                crate::text::parse_url(url).map_err(|e| at(&format!("[apps.{app}]"), format!("metrics_url: {e}")))?;
            }
            if let Some(d) = settings.domains.iter().find(|d| !crate::text::is_domain(d)) {
                return Err(at(&format!("[apps.{app}]"), format!("domains: {d:?} is not a domain name")));
            }
        }
        self.metrics.validate().map_err(|m| at("[metrics]", format!("[metrics] {m}")))?;
        if let Some(p) = &self.prometheus {
            p.validate().map_err(|m| at("[prometheus]", format!("[prometheus] {m}")))?;
        }
        self.kubernetes.validate().map_err(|m| at("[kubernetes]", format!("[kubernetes] {m}")))?;
        if self.certs.critical > self.certs.warn {
            return Err(at("[certs]", "[certs] critical must not be longer than warn".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for h in &self.hosts {
            if h.name.trim().is_empty() || h.name.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(at("[[hosts]]", format!("host name {:?} must be one word", h.name)));
            }
            if !seen.insert(&h.name) {
                return Err(at(&format!("\"{}\"", h.name), format!("host {:?} is listed twice", h.name)));
            }
            if let Some(bad) = h.platforms.iter().find(|p| !MACHINE_PLATFORMS.contains(&p.as_str())) {
                return Err(at(
                    "platforms",
                    format!("host {:?}: platforms: {bad:?} is not one fleet knows ({})", h.name, MACHINE_PLATFORMS.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Loads the config from `--config`, FLEET_CONFIG or the XDG dir. A missing default file means
    /// zero config; a missing file the user named is an error.
    pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
        let Some((path, named)) = paths::config_file(explicit) else {
            return Ok(LoadedConfig { config: FleetConfig::default(), path: None });
        };
        match std::fs::read_to_string(&path) {
            Ok(source) => Ok(LoadedConfig { config: Self::parse(&path, &source)?, path: Some(path) }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => Ok(LoadedConfig { config: FleetConfig::default(), path: None }),
            Err(e) => Err(ConfigError::file(&path, format!("cannot read the fleet config: {e}"))),
        }
    }

    pub fn health_for(&self, app: &str) -> crate::model::HealthCheck {
        let s = self.apps.get(app).cloned().unwrap_or_default();
        crate::model::HealthCheck { url: s.health_url, stable_for: s.stable_for, timeout: s.health_timeout }
    }

    pub fn ssh_config_path(&self) -> PathBuf {
        self.ssh_config.as_deref().map(paths::expand_tilde).unwrap_or_else(|| paths::expand_tilde("~/.ssh/config"))
    }
}
