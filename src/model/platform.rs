//! What a platform (systemd, Kubernetes, and whatever joins them) can do, as plain data that
//! travels with its processes. The TUI, the CLI and `--json` ask these capabilities, never a
//! platform's name: a key is offered, a command refused with the platform's own reason, the
//! same way for every platform.

use serde::Serialize;

use super::Process;
use super::target::HostTarget;

/// Whether a platform can do something, and when not, why (in the user's words, with what to
/// do instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Can {
    Yes,
    No(&'static str),
}

impl Can {
    pub fn yes(self) -> bool {
        self == Can::Yes
    }

    /// Ok, or the platform's reason as an error.
    pub fn check(self) -> Result<(), &'static str> {
        match self {
            Can::Yes => Ok(()),
            Can::No(why) => Err(why),
        }
    }
}

impl Serialize for Can {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Can::Yes => s.serialize_bool(true),
            Can::No(why) => s.serialize_str(why),
        }
    }
}

/// Everything fleet may ask of a platform. A struct, not a list: a new capability is a field
/// every platform must fill in, or fleet does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub restart: Can,
    /// One target at a time, each gated on its readiness.
    pub rollout: Can,
    /// Back to the previous revision.
    pub rollback: Can,
    /// `fleet run` and `fleet shell`.
    pub exec: Can,
    pub forward: Can,
    pub env: Can,
    pub env_write: Can,
    pub logs: Can,
    pub metrics: Can,
    /// Build the app again from its source and deploy it (Dokku's `ps:rebuild`).
    pub rebuild: Can,
}

/// Why a platform has no rebuild: fleet runs no builds of its own.
pub const NO_REBUILD: &str = "fleet builds nothing itself: a rebuild from source is Dokku's (ps:rebuild); deploy again your usual way";

impl Capabilities {
    /// Every capability (a test's platform).
    pub const ALL: Capabilities = Capabilities {
        restart: Can::Yes,
        rollout: Can::Yes,
        rollback: Can::Yes,
        exec: Can::Yes,
        forward: Can::Yes,
        env: Can::Yes,
        env_write: Can::Yes,
        logs: Can::Yes,
        metrics: Can::Yes,
        rebuild: Can::Yes,
    };
}

/// What an operation step does, for `PlatformInfo::plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Restart,
    Rollback,
    Shell,
    Rebuild,
}

/// One platform's facts: its name, what it can do, and how it says what it will run. Each
/// platform defines one as a `static`; processes and targets point at it.
pub struct PlatformInfo {
    /// "systemd", "kubernetes": in `--json` and the audit log.
    pub name: &'static str,
    pub caps: Capabilities,
    /// Exactly what `step` runs for a target, one line each: the confirmation shows these.
    pub plan: fn(Step, &HostTarget) -> Vec<String>,
    /// The process row's last column: the process in the platform's own words.
    pub label: fn(&Process) -> String,
    /// A rollout takes its units one at a time (containers: each gated on its own health),
    /// rather than a host's units together (systemd units, a cluster's workloads).
    pub rollout_each: bool,
}

/// A process's or target's platform. Compared and printed by name.
#[derive(Clone, Copy)]
pub struct PlatformRef(pub &'static PlatformInfo);

impl PlatformRef {
    pub fn name(self) -> &'static str {
        self.0.name
    }
    pub fn caps(self) -> &'static Capabilities {
        &self.0.caps
    }
}

impl std::ops::Deref for PlatformRef {
    type Target = PlatformInfo;
    fn deref(&self) -> &PlatformInfo {
        self.0
    }
}

impl PartialEq for PlatformRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}
impl Eq for PlatformRef {}

impl std::fmt::Debug for PlatformRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Serialize for PlatformRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name)
    }
}

/// A platform found on a host at its last refresh, and what is wrong with it if anything: a
/// daemon that is present but cannot be read is a note on the host row, never a failed host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformStatus {
    pub platform: PlatformRef,
    /// What to do about it, e.g. "cannot open /var/run/docker.sock: add the ssh user to the docker group".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
