//! Something wrong in the fleet, in one shape whatever it is about: `fleet check`, the TUI's
//! problems view and `--notify` all show these, computed once (`check::problems`).

use jiff::Timestamp;
use serde::Serialize;

use super::addon::AddonProblem;
use super::{CertRow, HostError, HostId, HostMetrics, HostReport, ProcessEnv};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warn,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "warn" => Some(Severity::Warn),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// What a problem is about, for `--only` and the view's grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Hosts,
    Processes,
    Jobs,
    Certs,
    Disks,
    Memory,
    Cpu,
    Env,
    Addons,
}

impl Area {
    pub const ALL: [Area; 9] =
        [Area::Hosts, Area::Processes, Area::Jobs, Area::Certs, Area::Disks, Area::Memory, Area::Cpu, Area::Env, Area::Addons];

    pub fn name(self) -> &'static str {
        match self {
            Area::Hosts => "hosts",
            Area::Processes => "processes",
            Area::Jobs => "jobs",
            Area::Certs => "certs",
            Area::Disks => "disks",
            Area::Memory => "memory",
            Area::Cpu => "cpu",
            Area::Env => "env",
            Area::Addons => "addons",
        }
    }

    pub fn parse(s: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.name() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub area: Area,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// What it is about there: a unit, a domain, a mount, a variable.
    pub subject: String,
    pub message: String,
    /// Since when it is so, where that is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// What to do about it.
    pub fix: String,
}

impl Problem {
    /// Where it is: "lab-1 ledger", "lab-1", "shop" (env drift is an app's), or "-".
    pub fn place(&self) -> String {
        match (&self.host, &self.app) {
            (Some(h), Some(a)) => format!("{h} {a}"),
            (Some(h), None) => h.0.clone(),
            (None, Some(a)) => a.clone(),
            (None, None) => "-".into(),
        }
    }

    /// The same problem on the next run has the same key (a changing message, such as a
    /// certificate's days left, does not make it new): `--notify` sends only new keys.
    pub fn key(&self) -> String {
        let host = self.host.as_ref().map(|h| h.0.as_str()).unwrap_or("");
        format!("{}|{host}|{}|{}", self.area.name(), self.app.as_deref().unwrap_or(""), self.subject)
    }
}

/// Everything one look at the fleet saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Every host and cluster asked: its report, or why there is none.
    pub hosts: Vec<(HostId, Result<HostReport, HostError>)>,
    pub certs: Vec<CertRow>,
    pub metrics: Vec<(HostId, HostMetrics)>,
    /// Each app's env, for drift between its hosts.
    pub envs: Vec<(String, Vec<ProcessEnv>)>,
    pub addons: Vec<AddonProblem>,
    /// What could not be read on a host that answered: (host, what, why).
    pub unreadable: Vec<(HostId, String, String)>,
}
