use jiff::Timestamp;
use serde::Serialize;

use super::Process;

/// A place apps run: an SSH droplet, the local machine, a cluster context. The id is the name the user knows it by (the ssh-config alias, "local", a context).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct HostId(pub String);

impl std::fmt::Display for HostId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostKind {
    Ssh,
    Local,
    /// Answers from fixtures (`--demo`).
    Demo,
    /// A kubeconfig context (a Kubernetes cluster).
    Kube,
}

/// A row of the inventory: a host fleet was told about (fleet.toml, the ssh config, the local
/// machine, a kubeconfig context), before anything was asked of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostSpec {
    pub id: HostId,
    pub kind: HostKind,
    /// For SSH: what `ssh` is given (alias or `user@host:port`).
    pub destination: String,
    pub tags: Vec<String>,
    pub group: Option<String>,
    /// The ssh login as fleet.toml or the ssh config names it, known without connecting.
    /// `dokku` is Dokku's own user, whose every login runs Dokku's forced command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// fleet.toml's `platforms` for this host: only these are looked for, and one that is not
    /// found is said on its row. Empty: every platform fleet knows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
}

impl HostSpec {
    /// A host reached as Dokku's `dokku` user: its forced command runs `dokku` with whatever
    /// fleet sends, so there is no shell, no forwarding and no Docker socket.
    pub fn dokku_login(&self) -> bool {
        self.kind == HostKind::Ssh && self.login.as_deref() == Some("dokku")
    }
}

/// What one successful look at a host found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct HostFacts {
    /// PRETTY_NAME from /etc/os-release.
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub hostname: Option<String>,
    /// systemd's version number (`systemctl --version`), None when there is no systemd.
    pub systemd_version: Option<u32>,
    pub uptime_secs: Option<u64>,
    /// The ssh user's uid there: actions use `sudo -n` when it is not 0.
    pub uid: Option<u32>,
    /// A note worth showing once, e.g. "no systemd on this machine".
    pub note: Option<String>,
    /// The TCP ports something listens on there (None: could not tell), for "nothing listens
    /// on its PORT".
    #[serde(skip)]
    pub listening: Option<Vec<u16>>,
}

/// One refresh of one host: its facts and the processes the convention found there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostReport {
    pub host: HostId,
    pub facts: HostFacts,
    pub processes: Vec<Process>,
    /// The platforms found there, with what is wrong with any of them.
    pub platforms: Vec<super::PlatformStatus>,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostErrorKind {
    /// TCP connect failed or timed out, DNS failed.
    Unreachable,
    /// The host key is unknown, changed or revoked.
    HostKey,
    /// The server refused every key we offered.
    Auth,
    /// Connected, but a command failed or its output could not be read.
    Command,
    /// Connected, but the port asked for refused (nothing listens there): not worth a retry.
    Refused,
    /// Our own configuration for this host is wrong.
    Config,
}

/// Why a host has no fresh report. `message` is what the user reads ("connection refused",
/// "host key changed — see /root/.ssh/known_hosts:12").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostError {
    pub kind: HostErrorKind,
    pub message: String,
    /// For an unknown host key: the fingerprint the user may accept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_key: Option<String>,
    /// And the known_hosts file accepting it writes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_hosts: Option<String>,
}

impl HostError {
    pub fn new(kind: HostErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), unknown_key: None, known_hosts: None }
    }
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The state of one host as the UI and CLI see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HostStatus {
    /// No answer yet (first connect, or reconnecting with no earlier report).
    Connecting,
    Up {
        report: HostReport,
    },
    /// The last attempt failed. `last` keeps the last good report so nothing already shown is lost.
    Failed {
        error: HostError,
        at: Timestamp,
        last: Option<Box<HostReport>>,
    },
}

impl HostStatus {
    pub fn report(&self) -> Option<&HostReport> {
        match self {
            HostStatus::Up { report } => Some(report),
            HostStatus::Failed { last, .. } => last.as_deref(),
            HostStatus::Connecting => None,
        }
    }
    pub fn error(&self) -> Option<&HostError> {
        match self {
            HostStatus::Failed { error, .. } => Some(error),
            _ => None,
        }
    }
}
