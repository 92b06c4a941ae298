//! How fleet reaches a machine: an SSH connection (one per host, shared by every request as
//! channels) or the local machine. A transport runs commands and opens
//! byte streams to TCP ports and unix sockets there; it knows nothing of what runs apps (that
//! is a platform's business) and nothing of the UI.

pub mod http;
pub mod local;
pub mod quote;
pub mod ssh;
pub mod stream;
pub mod terminal;

use std::time::Duration;

use crate::model::{HostError, HostErrorKind, HostId};

pub use local::LocalTransport;
pub use ssh::SshTransport;

/// A byte stream to a remote TCP port or unix socket.
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

/// A command that takes longer than this is a failed call, not a hung host.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

pub enum Transport {
    Ssh(SshTransport),
    Local(LocalTransport),
}

fn timed_out() -> HostError {
    timed_out_after(COMMAND_TIMEOUT)
}

fn timed_out_after(limit: Duration) -> HostError {
    HostError::new(HostErrorKind::Command, format!("no answer within {} s", limit.as_secs()))
}

impl Transport {
    pub fn id(&self) -> &HostId {
        match self {
            Transport::Ssh(t) => t.id(),
            Transport::Local(t) => t.id(),
        }
    }

    /// The local machine: a Prometheus reached without a hop, say.
    pub fn is_local(&self) -> bool {
        matches!(self, Transport::Local(_))
    }

    /// Runs one command (a string from a platform's `commands`, with every remote name quoted).
    pub async fn exec(&self, command: &str) -> Result<ExecOutput, HostError> {
        self.exec_within(command, COMMAND_TIMEOUT).await
    }

    /// `exec` for a command that takes its time by design (a Dokku deploy with its checks).
    pub async fn exec_within(&self, command: &str, limit: Duration) -> Result<ExecOutput, HostError> {
        let run = async {
            match self {
                Transport::Ssh(t) => t.exec(command).await,
                Transport::Local(t) => t.exec(command).await,
            }
        };
        tokio::time::timeout(limit, run).await.unwrap_or_else(|_| Err(timed_out_after(limit)))
    }

    /// Runs one command with `input` on its stdin (file writes: content never on a command line).
    pub async fn exec_with_input(&self, command: &str, input: &[u8]) -> Result<ExecOutput, HostError> {
        let run = async {
            match self {
                Transport::Ssh(t) => t.exec_with_input(command, input).await,
                Transport::Local(t) => t.exec_with_input(command, input).await,
            }
        };
        tokio::time::timeout(COMMAND_TIMEOUT, run).await.unwrap_or_else(|_| Err(timed_out()))
    }

    /// Starts a command whose output is read line by line as it comes (logs).
    pub async fn exec_stream(&self, command: &str) -> Result<stream::ExecStream, HostError> {
        match self {
            Transport::Ssh(t) => t.exec_stream(command).await,
            Transport::Local(t) => t.exec_stream(command).await,
        }
    }

    /// A TCP connection to `host:port` as seen from the machine: a direct-tcpip channel over
    /// the ssh connection, or a plain socket locally.
    pub async fn connect_tcp(&self, host: &str, port: u16) -> Result<BoxStream, HostError> {
        match self {
            Transport::Ssh(t) => t.direct_tcpip(host, port).await,
            Transport::Local(_) => tokio::net::TcpStream::connect((host, port))
                .await
                .map(|s| Box::new(s) as BoxStream)
                .map_err(|e| HostError::new(HostErrorKind::Unreachable, format!("{host}:{port}: {e}"))),
        }
    }

    /// A connection to a unix socket on the machine (a Docker or supervisord socket): a
    /// direct-streamlocal channel over the ssh connection, or the socket itself locally.
    pub async fn connect_unix(&self, path: &str) -> Result<BoxStream, HostError> {
        match self {
            Transport::Ssh(t) => t.direct_streamlocal(path).await,
            Transport::Local(_) => tokio::net::UnixStream::connect(path)
                .await
                .map(|s| Box::new(s) as BoxStream)
                .map_err(|e| HostError::new(HostErrorKind::Unreachable, format!("{path}: {e}"))),
        }
    }

    /// Runs `command` with our stdout and stderr as its own; returns its exit status.
    pub async fn run_attached(&self, command: &str) -> Result<i32, String> {
        match self {
            Transport::Ssh(t) => terminal::ssh_attached(t, command).await,
            Transport::Local(_) => terminal::local_status(command).await,
        }
    }

    /// Runs `command` on a terminal of its own that takes our keys and follows our window
    /// size (the caller has put the terminal in raw mode); returns its exit status.
    pub async fn run_pty(&self, command: &str) -> Result<i32, String> {
        match self {
            Transport::Ssh(t) => terminal::ssh_pty(t, command).await,
            Transport::Local(_) => terminal::local_status(command).await,
        }
    }

    /// Opens (or reopens) the connection without running anything: keeps forwards warm.
    pub async fn ensure_connected(&self) -> Result<(), HostError> {
        match self {
            Transport::Ssh(t) => t.ensure_connected().await,
            _ => Ok(()),
        }
    }

    /// Drops a broken connection so the next call reconnects.
    pub async fn reset(&self) {
        if let Transport::Ssh(t) = self {
            t.disconnect().await;
        }
    }

    /// The user accepted this host key fingerprint: the next connect records it.
    pub fn accept_fingerprint(&self, fingerprint: String) {
        if let Transport::Ssh(t) = self {
            t.accept_fingerprint(fingerprint);
        }
    }
}
