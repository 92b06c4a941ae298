//! A machine as a host row: one transport (ssh, local) and the platforms that may run
//! apps on it. A refresh is one round trip: the probe script is the machine's facts followed by
//! each platform's part; each platform reads its own sections. A platform that is absent finds
//! nothing; one that fails is a note on the row, and the others still show their apps.

pub mod certs;
pub mod commands;
pub mod env_file;
pub mod metrics;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{Backend, HostRead, Platform, Probe, registry};
use crate::config::Convention;
use crate::discovery::{self, sections};
use crate::model::addon::AddonProblem;
use crate::model::{AddOn, CertRow, HostError, HostErrorKind, HostId, HostKind, HostReport, PlatformStatus};
use crate::transport::{BoxStream, Transport};

pub struct Machine {
    kind: HostKind,
    transport: Arc<Transport>,
    platforms: Vec<Box<dyn Platform>>,
    /// fleet.toml's `platforms` for this host: each must be found (else a note says so).
    declared: Vec<String>,
    /// Discovery warnings already written to fleet's log: each is logged once, not per refresh.
    logged: Mutex<HashSet<String>>,
}

impl Machine {
    /// `declared`: fleet.toml's `platforms` for the host (empty: look for all of them).
    pub fn new(kind: HostKind, transport: Transport, declared: &[String]) -> Machine {
        let transport = Arc::new(transport);
        let platforms = registry::machine_platforms(&transport, declared);
        Machine { kind, transport, platforms, declared: declared.to_vec(), logged: Mutex::default() }
    }

    /// The one probe script: facts, then each platform's part, then the end marker.
    pub fn probe_script(&self, convention: &Convention) -> String {
        let mut script = commands::PROBE_HEAD.to_string();
        for p in &self.platforms {
            if let Some(part) = p.probe(convention) {
                script.push_str(&part);
            }
        }
        script.push_str(commands::PROBE_END);
        script
    }

    fn log_once(&self, warning: &str) {
        let first = self.logged.lock().map(|mut seen| seen.insert(warning.to_string())).unwrap_or(false);
        if first {
            tracing::warn!(host = %self.id(), "{warning}");
        }
    }
}

/// A failed command's stderr, as a message that says what to do.
pub fn command_error(host: &HostId, stderr: &str, status: Option<u32>) -> String {
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if stderr.contains("a password is required") || stderr.contains("a terminal is required") {
        return format!(
            "{host}: sudo wants a password there. Connect as root, or allow passwordless sudo for systemctl and systemd-run (see README)"
        );
    }
    if stderr.contains("Interactive authentication required") || stderr.contains("Access denied") {
        return format!("{host}: not allowed to manage units as this user ({last}); connect as root or use sudo");
    }
    match (last.is_empty(), status) {
        (true, Some(code)) => format!("{host}: command failed with status {code}"),
        (true, None) => format!("{host}: the connection dropped before the command finished"),
        (false, _) => format!("{host}: {}", crate::text::sanitize(last)),
    }
}

#[async_trait]
impl Backend for Machine {
    fn id(&self) -> &HostId {
        self.transport.id()
    }

    fn kind(&self) -> HostKind {
        self.kind
    }

    fn platforms(&self) -> Vec<&dyn Platform> {
        self.platforms.iter().map(|p| p.as_ref()).collect()
    }

    fn transport(&self) -> Option<Arc<Transport>> {
        Some(self.transport.clone())
    }

    async fn refresh(&self, convention: &Convention) -> Result<HostReport, HostError> {
        let out = self.transport.exec(&self.probe_script(convention)).await?;
        let text = String::from_utf8_lossy(&out.stdout);
        let s = sections::split(&text);
        if !s.complete {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if stderr.contains("is not a dokku command") || text.contains("is not a dokku command") {
                return Err(HostError::new(
                    HostErrorKind::Config,
                    format!(
                        "{} logs in as Dokku's dokku user (its forced command runs only dokku), but fleet did not know: name the user in the destination (ssh = \"dokku@HOST\" in fleet.toml's [[hosts]]) or set User dokku for this Host in the ssh config",
                        self.id()
                    ),
                ));
            }
            let hint = stderr.lines().last().map(|l| format!(": {}", l.trim())).unwrap_or_default();
            let e = "discovery output ended early (the connection dropped, or the shell failed)";
            return Err(HostError::new(HostErrorKind::Command, format!("{e}{hint}")));
        }
        let mut facts = discovery::facts(&s);
        let probe = Probe { host: self.id(), sections: &s };
        let mut processes = Vec::new();
        let mut platforms = Vec::new();
        for p in &self.platforms {
            let note = match p.discover(&probe, convention, &mut facts).await {
                Ok(found) => {
                    for w in &found.warnings {
                        self.log_once(w);
                    }
                    processes.extend(found.processes);
                    let name = p.info().name();
                    if found.absent && self.declared.iter().any(|d| d == name) {
                        Some(format!("fleet.toml says {} runs {name} (platforms = [...]), but {name} is not found there", self.id()))
                    } else {
                        found.note
                    }
                }
                Err(e) => Some(e),
            };
            platforms.push(PlatformStatus { platform: p.info(), note });
        }
        Ok(HostReport { host: self.id().clone(), facts, processes, platforms, at: jiff::Timestamp::now() })
    }

    async fn host_sample(&self, node_exporter: &str) -> Result<HostRead, HostError> {
        let (source, sample) = metrics::sample(&self.transport, node_exporter).await?;
        Ok(HostRead::Counters(source, sample))
    }

    fn demo_history(&self, _window_secs: u64, _step_secs: u64) -> Option<[Vec<(i64, f64)>; 5]> {
        None
    }

    async fn certs(&self, report: &HostReport) -> Result<Vec<CertRow>, HostError> {
        let mut rows = certs::host_certs(&self.transport, report).await?;
        for p in &self.platforms {
            rows.extend(p.kept_certs(report).await?);
        }
        Ok(rows)
    }

    async fn app_certs(&self, report: &HostReport, app: &str, domains: &[String]) -> Result<Vec<CertRow>, HostError> {
        let mut rows = certs::app_certs(&self.transport, report, app, domains).await?;
        for p in &self.platforms {
            rows.extend(
                p.kept_certs(report)
                    .await?
                    .into_iter()
                    .filter(|r| matches!(&r.source, crate::model::cert::CertSource::Dokku { app: a } if a == app)),
            );
        }
        Ok(rows)
    }

    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        let mut addons = Vec::new();
        let mut problems = Vec::new();
        for p in &self.platforms {
            let (a, pr) = p.addons(report).await?;
            addons.extend(a);
            problems.extend(pr);
        }
        Ok((addons, problems))
    }

    async fn connect_port(&self, _label: &str, port: u16) -> Result<BoxStream, HostError> {
        self.transport.connect_tcp("127.0.0.1", port).await
    }

    async fn ensure_connected(&self) -> Result<(), HostError> {
        self.transport.ensure_connected().await
    }

    async fn reset(&self) {
        self.transport.reset().await
    }

    fn accept_fingerprint(&self, fingerprint: String) {
        self.transport.accept_fingerprint(fingerprint)
    }

    async fn changed(&self) {
        let waits = self.platforms.iter().map(|p| p.changed());
        futures::future::select_all(waits.map(Box::pin)).await;
    }
}
