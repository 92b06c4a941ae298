//! A host reached as Dokku's own `dokku` user, as `git push dokku@host` is. Its every login
//! runs Dokku's forced command (`dokku $SSH_ORIGINAL_COMMAND`, with no port forwarding), so
//! there is no shell for fleet's probe, no Docker socket and no other platform: this row is a
//! machine of its own kind, whose one platform (`Forced`) reads and acts through Dokku's
//! commands alone. Apps and dynos come from `apps:list` and `ps:report` (its `status-*` keys),
//! logs from `dokku logs`, shell and run from `dokku enter`. Host metrics, forwards, the
//! dynos' CPU and memory and the engine's events need more than that login: each says so.
//!
//! fleet takes a login as `dokku` to be this (fleet.toml's `ssh = "dokku@…"`, or `User dokku`
//! for the Host in the ssh config); one that turns out to be a shell says what to do.

pub mod dynos;
pub mod logs;
pub mod platform;

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::Convention;
use crate::model::addon::AddonProblem;
use crate::model::{AddOn, CertRow, HostError, HostErrorKind, HostFacts, HostId, HostKind, HostReport, PlatformStatus};
use crate::platform::dokku::call::{self, Via};
use crate::platform::dokku::report;
use crate::platform::{Backend, HostRead, Platform};
use crate::transport::{BoxStream, Transport};

const NO_HOST_METRICS: &str = "no host metrics as the dokku user (its forced command runs only dokku: no node_exporter forward, no /proc): reach the host as root, or read it from Prometheus ([prometheus] in fleet.toml)";

pub struct Account {
    transport: Arc<Transport>,
    platform: platform::Forced,
}

impl Account {
    pub fn new(transport: Transport) -> Account {
        let transport = Arc::new(transport);
        Account { platform: platform::Forced::new(transport.clone()), transport }
    }

    fn refused(&self, why: &str) -> HostError {
        HostError::new(HostErrorKind::Config, format!("{}: {why}", self.id()))
    }
}

#[async_trait]
impl Backend for Account {
    fn id(&self) -> &HostId {
        self.transport.id()
    }

    fn kind(&self) -> HostKind {
        HostKind::Ssh
    }

    fn platforms(&self) -> Vec<&dyn Platform> {
        vec![&self.platform]
    }

    fn transport(&self) -> Option<Arc<Transport>> {
        Some(self.transport.clone())
    }

    /// `version`, `apps:list`, then every app's `ps:report` side by side.
    async fn refresh(&self, convention: &Convention) -> Result<HostReport, HostError> {
        // The connection's own failures (unreachable, host key, auth) first, as for any host.
        self.transport.ensure_connected().await?;
        let said = call::dokku(&self.transport, Via::Forced, &["version"]).await;
        let Some(version) = said.as_deref().ok().and_then(report::version) else {
            let got = said.unwrap_or_else(|e| e);
            return Err(HostError::new(
                HostErrorKind::Config,
                format!(
                    "{}: logged in as dokku, but `version` was not answered as Dokku's forced command does ({}): fleet takes a dokku login to be Dokku's; reach this host as another user",
                    self.id(),
                    crate::text::sanitize(got.lines().next().unwrap_or("no output").trim())
                ),
            ));
        };
        let (names, invalid) = self.platform.apps(version).await.map_err(|e| HostError::new(HostErrorKind::Command, e))?;
        let (apps, mut warnings) = self.platform.reports(&names).await;
        warnings.extend(
            invalid.iter().map(|n| format!("skipped a Dokku app with a name Dokku would refuse: {:?}", n.escape_debug().to_string())),
        );
        for w in &warnings {
            tracing::warn!(host = %self.id(), "{w}");
        }
        let processes = dynos::processes(&apps, self.id(), convention);
        let facts = HostFacts {
            note: Some(format!(
                "reached as the dokku user (Dokku {}.{}.{}): only Dokku's commands, so no host metrics, forwards or other platforms here",
                version.0, version.1, version.2
            )),
            ..Default::default()
        };
        let platforms = vec![PlatformStatus { platform: platform::info(), note: None }];
        Ok(HostReport { host: self.id().clone(), facts, processes, platforms, at: jiff::Timestamp::now() })
    }

    async fn host_sample(&self, _node_exporter: &str) -> Result<HostRead, HostError> {
        Err(self.refused(NO_HOST_METRICS))
    }

    fn demo_history(&self, _window_secs: u64, _step_secs: u64) -> Option<[Vec<(i64, f64)>; 5]> {
        None
    }

    /// Dokku's own certificates (certs:report): the served chain needs a connection to the
    /// host's port 443 this login cannot open.
    async fn certs(&self, report: &HostReport) -> Result<Vec<CertRow>, HostError> {
        self.platform.kept_certs(report).await
    }

    async fn app_certs(&self, report: &HostReport, app: &str, _domains: &[String]) -> Result<Vec<CertRow>, HostError> {
        let rows = self.platform.kept_certs(report).await?;
        Ok(rows.into_iter().filter(|r| matches!(&r.source, crate::model::cert::CertSource::Dokku { app: a } if a == app)).collect())
    }

    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        self.platform.addons(report).await
    }

    async fn connect_port(&self, _label: &str, _port: u16) -> Result<BoxStream, HostError> {
        Err(self.refused(platform::NO_FORWARD))
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
}
