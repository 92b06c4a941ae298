//! Places apps run, one implementation per transport. Backends return values; they hold no UI
//! state and know nothing of ratatui. Later transports (Kubernetes via kube-rs, Docker via
//! bollard over the SSH-forwarded socket, supervisord over SSH) join this enum: each produces a
//! `HostReport` on refresh, and streams (logs, exec, forwards) through its own methods.

pub mod commands;
pub mod demo;
pub mod local;
pub mod ssh;
pub mod stream;

use std::time::Duration;

use crate::config::Convention;
use crate::discovery;
use crate::model::{HostError, HostErrorKind, HostId, HostKind, HostReport};

pub use demo::DemoBackend;
pub use local::LocalBackend;
pub use ssh::SshBackend;

/// A byte stream to a remote TCP port.
pub trait AsyncStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> AsyncStream for T {}
pub type BoxStream = Box<dyn AsyncStream>;

/// What a finished command left behind.
#[derive(Debug, Default, Clone)]
pub struct ExecOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: Option<u32>,
}

/// A discovery run that takes longer than this is a failed refresh, not a hung host.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

pub enum Backend {
    Ssh(SshBackend),
    Local(LocalBackend),
    Demo(DemoBackend),
    Kube(crate::kube::KubeBackend),
}

/// What a host-only operation says on a cluster row.
fn not_on_a_cluster(id: &HostId) -> HostError {
    HostError::new(HostErrorKind::Config, format!("{id} is a Kubernetes cluster: this needs a host reached over ssh"))
}

impl Backend {
    pub fn id(&self) -> &HostId {
        match self {
            Backend::Ssh(b) => b.id(),
            Backend::Local(b) => b.id(),
            Backend::Demo(b) => b.id(),
            Backend::Kube(b) => b.id(),
        }
    }

    pub fn kind(&self) -> HostKind {
        match self {
            Backend::Ssh(_) => HostKind::Ssh,
            Backend::Local(_) => HostKind::Local,
            Backend::Demo(_) => HostKind::Demo,
            Backend::Kube(_) => HostKind::Kube,
        }
    }

    /// Runs one command (a string from `commands`, with every remote name quoted).
    pub async fn exec(&self, command: &str) -> Result<ExecOutput, HostError> {
        let run = async {
            match self {
                Backend::Ssh(b) => b.exec(command).await,
                Backend::Local(b) => b.exec(command).await,
                Backend::Demo(b) => b.exec(command).await,
                Backend::Kube(b) => Err(not_on_a_cluster(b.id())),
            }
        };
        tokio::time::timeout(COMMAND_TIMEOUT, run)
            .await
            .unwrap_or_else(|_| Err(HostError::new(HostErrorKind::Command, format!("no answer within {} s", COMMAND_TIMEOUT.as_secs()))))
    }

    /// Runs one command with `input` on its stdin (file writes: content never on a command line).
    pub async fn exec_with_input(&self, command: &str, input: &[u8]) -> Result<ExecOutput, HostError> {
        let run = async {
            match self {
                Backend::Ssh(b) => b.exec_with_input(command, input).await,
                Backend::Local(b) => b.exec_with_input(command, input).await,
                Backend::Demo(_) => Err(HostError::new(HostErrorKind::Config, "the demo cannot change anything")),
                Backend::Kube(b) => Err(not_on_a_cluster(b.id())),
            }
        };
        tokio::time::timeout(COMMAND_TIMEOUT, run)
            .await
            .unwrap_or_else(|_| Err(HostError::new(HostErrorKind::Command, format!("no answer within {} s", COMMAND_TIMEOUT.as_secs()))))
    }

    /// Starts a streaming command (logs). The demo answers from its journal fixture.
    pub async fn exec_stream(&self, command: &str) -> Result<stream::ExecStream, HostError> {
        match self {
            Backend::Ssh(b) => b.exec_stream(command).await,
            Backend::Local(b) => b.exec_stream(command).await,
            Backend::Demo(b) => b.exec_stream(command).await,
            Backend::Kube(b) => Err(not_on_a_cluster(b.id())),
        }
    }

    /// A TCP connection to `host:port` as seen from the host: a direct-tcpip channel over the
    /// host's ssh connection (port-forwards, health URLs), or a plain socket locally.
    pub async fn connect_tcp(&self, host: &str, port: u16) -> Result<BoxStream, HostError> {
        match self {
            Backend::Ssh(b) => b.direct_tcpip(host, port).await,
            Backend::Local(_) => tokio::net::TcpStream::connect((host, port))
                .await
                .map(|s| Box::new(s) as BoxStream)
                .map_err(|e| HostError::new(HostErrorKind::Unreachable, format!("{host}:{port}: {e}"))),
            Backend::Demo(_) => Err(HostError::new(HostErrorKind::Config, "the demo has no network")),
            Backend::Kube(b) => Err(not_on_a_cluster(b.id())),
        }
    }

    /// A connection to `port` of `app` as it runs there: the host's 127.0.0.1 through ssh, or a
    /// running pod of the app on a cluster (picked per connection, so replaced pods heal).
    pub async fn connect_app(&self, app: &str, port: u16) -> Result<BoxStream, HostError> {
        match self {
            Backend::Kube(k) => crate::kube::exec::port_forward(k, app, port).await,
            _ => self.connect_tcp("127.0.0.1", port).await,
        }
    }

    /// Opens (or reopens) the connection without running anything: keeps forwards warm.
    pub async fn ensure_connected(&self) -> Result<(), HostError> {
        match self {
            Backend::Ssh(b) => b.ensure_connected().await,
            _ => Ok(()),
        }
    }

    /// Drops a broken connection so the next call reconnects.
    pub async fn reset(&self) {
        // A cluster's watchers heal themselves (and a refresh restarts them if all fail); a
        // failed forward or exec is no reason to drop them.
        if let Backend::Ssh(s) = self {
            s.disconnect().await;
        }
    }

    /// One look at the host: facts plus the processes the convention finds.
    pub async fn refresh(&self, convention: &Convention) -> Result<HostReport, HostError> {
        if let Backend::Kube(k) = self {
            return k.refresh().await;
        }
        let out = self.exec(&commands::discovery_script(convention)).await?;
        let text = String::from_utf8_lossy(&out.stdout);
        let found = discovery::discover(&text, self.id(), convention).map_err(|e| {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let hint = stderr.lines().last().map(|l| format!(": {}", l.trim())).unwrap_or_default();
            HostError::new(HostErrorKind::Command, format!("{e}{hint}"))
        })?;
        for w in &found.warnings {
            tracing::warn!(host = %self.id(), "{w}");
        }
        Ok(HostReport { host: self.id().clone(), facts: found.facts, processes: found.processes, at: jiff::Timestamp::now() })
    }
}
