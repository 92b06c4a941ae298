//! Opening one SSH connection: TCP (or a ProxyJump hop), host key check, authentication.
//! Every failure becomes a `HostError` whose message tells the user what to do.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle};

use super::auth;
use super::handler::{ClientHandler, KeyOutcome, UnknownKeyPolicy};
use super::known_hosts::lookup_name;
use crate::config::ssh_config::{self, ResolvedSsh, Strictness};
use crate::model::{HostError, HostErrorKind};

/// Asks for an encrypted key's passphrase (the CLI's tty prompt). The TUI has none and says
/// "run ssh-add" instead.
pub type PassphrasePrompt = Arc<dyn Fn(&Path) -> Option<String> + Send + Sync>;

#[derive(Clone)]
pub struct ConnectOptions {
    pub policy: UnknownKeyPolicy,
    pub passphrase: Option<PassphrasePrompt>,
    /// `ssh -F`: the client config ProxyJump hops are resolved with.
    pub ssh_config: Option<PathBuf>,
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(15);

/// A live connection. A ProxyJump hop's connection is kept alive alongside the target's.
pub struct Connection {
    pub handle: Handle<ClientHandler>,
    _jump: Option<Box<Connection>>,
}

impl Connection {
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed() || self._jump.as_ref().is_some_and(|j| j.is_closed())
    }
}

pub async fn connect(r: &ResolvedSsh, opts: &ConnectOptions) -> Result<Connection, HostError> {
    let timeout = r.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    match tokio::time::timeout(timeout, connect_inner(r, opts, 0)).await {
        Ok(result) => result,
        Err(_) => Err(HostError::new(
            HostErrorKind::Unreachable,
            format!("connection timed out after {} s ({}:{})", timeout.as_secs(), r.hostname, r.port),
        )),
    }
}

fn connect_inner<'a>(
    r: &'a ResolvedSsh,
    opts: &'a ConnectOptions,
    depth: usize,
) -> std::pin::Pin<Box<dyn Future<Output = Result<Connection, HostError>> + Send + 'a>> {
    Box::pin(async move {
        let config = Arc::new(client::Config {
            keepalive_interval: Some(r.server_alive_interval.unwrap_or(DEFAULT_KEEPALIVE)),
            keepalive_max: 3,
            nodelay: true,
            ..Default::default()
        });
        let outcome = Arc::new(Mutex::new(None));
        let policy = match (&opts.policy, r.strict) {
            (UnknownKeyPolicy::Refuse, Strictness::AcceptNew) => UnknownKeyPolicy::AcceptNew,
            (p, _) => p.clone(),
        };
        let key_name = r.host_key_alias.clone().unwrap_or_else(|| r.hostname.clone());
        let handler = ClientHandler {
            lookup_name: lookup_name(&key_name, r.port),
            known_hosts: r.known_hosts_files.clone(),
            policy,
            outcome: outcome.clone(),
        };
        let (result, jump) = match &r.proxy_jump {
            Some(hop) if depth < 4 => {
                let hop_settings = ssh_config::resolve(opts.ssh_config.as_deref(), hop)
                    .await
                    .map_err(|e| HostError::new(HostErrorKind::Config, format!("ProxyJump {hop}: {e}")))?;
                let jump = connect_inner(&hop_settings, opts, depth + 1)
                    .await
                    .map_err(|e| HostError::new(e.kind, format!("via ProxyJump {hop}: {}", e.message)))?;
                let channel =
                    jump.handle.channel_open_direct_tcpip(r.hostname.clone(), u32::from(r.port), "127.0.0.1", 0).await.map_err(|e| {
                        HostError::new(
                            HostErrorKind::Unreachable,
                            format!("ProxyJump {hop} could not reach {}:{}: {e}", r.hostname, r.port),
                        )
                    })?;
                (client::connect_stream(config, channel.into_stream(), handler).await, Some(Box::new(jump)))
            }
            Some(_) => return Err(HostError::new(HostErrorKind::Config, "ProxyJump chain is too long (more than 4 hops)")),
            None => {
                let stream = tokio::net::TcpStream::connect((r.hostname.as_str(), r.port)).await.map_err(|e| tcp_error(r, &e))?;
                let _ = stream.set_nodelay(true);
                (client::connect_stream(config, stream, handler).await, None)
            }
        };
        let mut handle = result.map_err(|e| handshake_error(r, e, outcome.lock().ok().and_then(|o| o.clone())))?;
        if let Some(KeyOutcome::Learned { file }) = outcome.lock().ok().and_then(|o| o.clone()) {
            tracing::info!(host = %r.alias, file = %file.display(), "accepted and recorded a new host key");
        }
        auth::authenticate(&mut handle, r, opts.passphrase.as_ref()).await?;
        Ok(Connection { handle, _jump: jump })
    })
}

fn tcp_error(r: &ResolvedSsh, e: &std::io::Error) -> HostError {
    use std::io::ErrorKind::*;
    let what = match e.kind() {
        ConnectionRefused => "connection refused".to_string(),
        TimedOut => "connection timed out".to_string(),
        HostUnreachable | NetworkUnreachable => "host unreachable".to_string(),
        _ if e.to_string().contains("failed to lookup") || e.to_string().contains("Name or service") => {
            format!("cannot resolve host name {:?}", r.hostname)
        }
        _ => e.to_string(),
    };
    HostError::new(HostErrorKind::Unreachable, format!("{what} ({}:{})", r.hostname, r.port))
}

fn handshake_error(r: &ResolvedSsh, e: russh::Error, outcome: Option<KeyOutcome>) -> HostError {
    let host = format!("{}:{}", r.hostname, r.port);
    match outcome {
        Some(KeyOutcome::Changed { fingerprint, file, line }) => HostError::new(
            HostErrorKind::HostKey,
            format!(
                "host key changed — see {}:{line} (server now offers {fingerprint}). If the change is expected, remove that line (ssh-keygen -R)",
                file.display()
            ),
        ),
        Some(KeyOutcome::Unknown { fingerprint }) => HostError {
            unknown_key: Some(fingerprint.clone()),
            known_hosts: r.known_hosts_files.first().map(|f| f.display().to_string()),
            ..HostError::new(
                HostErrorKind::HostKey,
                format!("unknown host key {fingerprint} for {host}: accept it in the TUI (a) or run with --accept-new-host-keys"),
            )
        },
        Some(KeyOutcome::Revoked { file, line }) => {
            HostError::new(HostErrorKind::HostKey, format!("host key is revoked — see {}:{line}", file.display()))
        }
        Some(KeyOutcome::LearnFailed { file, error }) => {
            HostError::new(HostErrorKind::HostKey, format!("could not record the new host key in {}: {error}", file.display()))
        }
        Some(KeyOutcome::Certificate) => {
            HostError::new(HostErrorKind::HostKey, format!("{host} offers a host certificate, which fleet does not verify yet"))
        }
        _ => match e {
            russh::Error::IO(io) => tcp_error(r, &io),
            other => HostError::new(HostErrorKind::Unreachable, format!("ssh handshake with {host} failed: {other}")),
        },
    }
}
