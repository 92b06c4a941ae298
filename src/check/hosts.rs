//! Hosts and clusters that did not answer.

use super::Host;
use crate::model::HostErrorKind;
use crate::model::problem::{Area, Problem, Severity};

pub fn problems(hosts: &[Host]) -> Vec<Problem> {
    let mut out = Vec::new();
    for (host, r) in hosts {
        let host = *host;
        match r {
            Err(e) => out.push(Problem {
                severity: if e.kind == HostErrorKind::HostKey { Severity::Warn } else { Severity::Critical },
                area: Area::Hosts,
                host: Some(host.clone()),
                app: None,
                subject: host.0.clone(),
                message: format!("{host} did not answer: {}", e.message),
                since: None,
                fix: match e.kind {
                    HostErrorKind::HostKey => "check the fingerprint, then accept it (a in the TUI, or --accept-new-host-keys)".into(),
                    HostErrorKind::Auth => "load a key the host accepts (ssh-add), or fix IdentityFile in your ssh config".into(),
                    HostErrorKind::Config => "fix the host's entry in fleet.toml or your ssh config".into(),
                    _ => format!("check that {host} is up and reachable (ssh {host})"),
                },
            }),
            // A platform that is there but unreadable (no permission on a socket, a namespace
            // RBAC forbids) hides apps: worth knowing.
            Ok(report) => {
                for p in report.platforms.iter().filter(|p| p.note.is_some()) {
                    out.push(Problem {
                        severity: Severity::Warn,
                        area: Area::Hosts,
                        host: Some(host.clone()),
                        app: None,
                        subject: p.platform.name().to_string(),
                        message: format!("{} cannot be read: {}", p.platform.name(), p.note.as_deref().unwrap_or("")),
                        since: None,
                        fix: "see the note: fleet cannot show what runs there until it can read it".into(),
                    });
                }
            }
        }
    }
    out
}
