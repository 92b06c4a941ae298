//! The SSH transport: one connection per host, shared by every request as channels, resolved
//! the way `ssh` resolves it, with host keys checked against known_hosts.

pub mod auth;
pub mod connect;
pub mod exec;
pub mod handler;
pub mod known_hosts;

use std::path::PathBuf;
use std::sync::Arc;

use connect::{ConnectOptions, Connection, PassphrasePrompt};
pub use handler::UnknownKeyPolicy;

use super::ExecOutput;
use crate::config::ssh_config;
use crate::model::{HostError, HostErrorKind, HostId};

pub struct SshTransport {
    id: HostId,
    /// What `ssh` would be given: an alias or `user@host:port`.
    destination: String,
    ssh_config: Option<PathBuf>,
    policy: std::sync::Mutex<UnknownKeyPolicy>,
    passphrase: Option<PassphrasePrompt>,
    conn: tokio::sync::Mutex<Option<Arc<Connection>>>,
}

impl SshTransport {
    pub fn new(
        id: HostId,
        destination: String,
        ssh_config: Option<PathBuf>,
        policy: UnknownKeyPolicy,
        passphrase: Option<PassphrasePrompt>,
    ) -> Self {
        SshTransport { id, destination, ssh_config, policy: std::sync::Mutex::new(policy), passphrase, conn: tokio::sync::Mutex::new(None) }
    }

    pub fn id(&self) -> &HostId {
        &self.id
    }

    /// The user accepted this host key fingerprint in the TUI: the next connect records it.
    pub fn accept_fingerprint(&self, fingerprint: String) {
        if let Ok(mut p) = self.policy.lock() {
            *p = UnknownKeyPolicy::AcceptFingerprint(fingerprint);
        }
    }

    /// The shared connection, opened (or reopened) on demand. Concurrent callers wait for the
    /// one connect in progress instead of opening their own.
    async fn connection(&self) -> Result<Arc<Connection>, HostError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        *slot = None;
        let settings = ssh_config::resolve(self.ssh_config.as_deref(), &self.destination)
            .await
            .map_err(|e| HostError::new(HostErrorKind::Config, e))?;
        let opts = ConnectOptions {
            policy: self.policy.lock().map(|p| p.clone()).unwrap_or(UnknownKeyPolicy::Refuse),
            passphrase: self.passphrase.clone(),
            ssh_config: self.ssh_config.clone(),
        };
        let conn = Arc::new(connect::connect(&settings, &opts).await?);
        *slot = Some(conn.clone());
        Ok(conn)
    }

    pub async fn exec(&self, command: &str) -> Result<ExecOutput, HostError> {
        let conn = self.connection().await?;
        let result = exec::run(&conn.handle, command).await;
        if result.is_err() && conn.is_closed() {
            // The connection died under us: forget it so the next call reconnects.
            self.conn.lock().await.take();
        }
        result
    }

    pub async fn ensure_connected(&self) -> Result<(), HostError> {
        self.connection().await.map(|_| ())
    }

    /// A direct-tcpip channel to `host:port` as seen from the server.
    pub async fn direct_tcpip(&self, host: &str, port: u16) -> Result<super::BoxStream, HostError> {
        let conn = self.connection().await?;
        match conn.handle.channel_open_direct_tcpip(host.to_string(), u32::from(port), "127.0.0.1", 0).await {
            Ok(ch) => Ok(Box::new(ch.into_stream())),
            Err(e) if conn.is_closed() => {
                self.conn.lock().await.take();
                Err(HostError::new(HostErrorKind::Unreachable, format!("{}: cannot reach {host}:{port} from there: {e}", self.id)))
            }
            // The connection is fine; the server could not connect: nothing listens there.
            Err(e) => Err(HostError::new(HostErrorKind::Refused, format!("{}: nothing answers on {host}:{port} there ({e})", self.id))),
        }
    }

    /// A direct-streamlocal channel to a unix socket on the server (OpenSSH's
    /// `direct-streamlocal@openssh.com`): the Docker or supervisord socket.
    pub async fn direct_streamlocal(&self, path: &str) -> Result<super::BoxStream, HostError> {
        let conn = self.connection().await?;
        match conn.handle.channel_open_direct_streamlocal(path).await {
            Ok(ch) => Ok(Box::new(ch.into_stream())),
            Err(e) => {
                if conn.is_closed() {
                    self.conn.lock().await.take();
                }
                Err(HostError::new(HostErrorKind::Unreachable, format!("{}: cannot open {path} there: {e}", self.id)))
            }
        }
    }

    /// A session channel for an interactive or streamed command.
    pub async fn session_channel(&self) -> Result<russh::Channel<russh::client::Msg>, HostError> {
        let conn = self.connection().await?;
        exec::open_session(&conn.handle).await
    }

    /// Runs a command with `input` on its stdin.
    pub async fn exec_with_input(&self, command: &str, input: &[u8]) -> Result<ExecOutput, HostError> {
        let conn = self.connection().await?;
        let result = exec::run_with_input(&conn.handle, command, input).await;
        if result.is_err() && conn.is_closed() {
            self.conn.lock().await.take();
        }
        result
    }

    /// Starts a command whose output is read as it comes.
    pub async fn exec_stream(&self, command: &str) -> Result<super::stream::ExecStream, HostError> {
        let conn = self.connection().await?;
        let opened = async {
            let channel = exec::open_session(&conn.handle).await?;
            channel
                .exec(true, command.as_bytes())
                .await
                .map_err(|e| HostError::new(HostErrorKind::Command, format!("cannot start the command: {e}")))?;
            Ok(super::stream::ExecStream::ssh(channel))
        }
        .await;
        if opened.is_err() && conn.is_closed() {
            self.conn.lock().await.take();
        }
        opened
    }

    /// Drops the connection (e.g. before retrying after an error).
    pub async fn disconnect(&self) {
        self.conn.lock().await.take();
    }
}
