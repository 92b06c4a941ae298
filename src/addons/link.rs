//! Which app uses which add-on: env values (`DATABASE_URL`, `REDIS_URL`, unix sockets…) that
//! point at this host and an add-on's port. Pointing at a local port where nothing of that kind
//! listens, or at an add-on that is not running, is a problem the user sees.

use super::{AddOn, AddonProblem, Kind, Use};
use crate::model::{HostId, ProcessState};

/// Where a value points, if it looks like a service address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Option<Kind>,
    pub host: String,
    pub port: Option<u16>,
    pub socket: bool,
}

pub fn target(value: &str) -> Option<Target> {
    let v = value.trim();
    if let Some((scheme, rest)) = v.split_once("://") {
        let kind = Kind::of_scheme(scheme);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let hostport = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
        if hostport.is_empty() {
            // postgres:///db?host=/var/run/postgresql — a socket
            return kind.map(|k| Target { kind: Some(k), host: "localhost".into(), port: None, socket: true });
        }
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (h.trim_matches(['[', ']']).to_string(), p.parse().ok()),
            _ => (hostport.trim_matches(['[', ']']).to_string(), None),
        };
        let port = port.or_else(|| kind.and_then(|k| k.ports().first().copied()));
        return Some(Target { kind, host, port, socket: false });
    }
    // A unix socket path.
    if v.starts_with('/') {
        let kind = if v.contains("postgresql") || v.contains(".s.PGSQL") {
            Some(Kind::Postgresql)
        } else if v.contains("redis") {
            Some(Kind::Redis)
        } else if v.contains("mysql") {
            Some(Kind::Mysql)
        } else {
            None
        };
        return kind.map(|k| Target { kind: Some(k), host: "localhost".into(), port: None, socket: true });
    }
    None
}

pub fn is_local(host: &str, host_names: &[&str]) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "0.0.0.0" | "") || host.starts_with("127.") || host_names.contains(&host)
}

/// Links add-ons to the apps whose env points at them; returns the problems found.
/// `apps`: (app, its variables) on this host.
pub fn link(host: &HostId, addons: &mut [AddOn], apps: &[(String, Vec<(String, String)>)], host_names: &[&str]) -> Vec<AddonProblem> {
    let mut problems = Vec::new();
    for (app, vars) in apps {
        for (key, value) in vars {
            let Some(t) = target(value) else { continue };
            if !is_local(&t.host, host_names) {
                continue;
            }
            let found = addons.iter_mut().find(|a| {
                !a.kind.front_door()
                    && if t.socket {
                        Some(a.kind) == t.kind
                    } else {
                        t.port.is_some_and(|p| a.ports.contains(&p) || (a.ports.is_empty() && a.kind.ports().contains(&p)))
                    }
            });
            match found {
                Some(a) => {
                    let u = Use { app: app.clone(), key: key.clone() };
                    if !a.used_by.contains(&u) {
                        a.used_by.push(u);
                    }
                    if a.state != ProcessState::Running {
                        problems.push(AddonProblem {
                            host: host.clone(),
                            app: app.clone(),
                            key: key.clone(),
                            message: format!("{app}'s {key} points at {} ({}), which is {}", a.kind.label(), a.unit, a.state.label()),
                            kind: crate::model::addon::AddonProblemKind::Pointer,
                        });
                    }
                }
                None if t.kind.is_some() => problems.push(AddonProblem {
                    host: host.clone(),
                    app: app.clone(),
                    key: key.clone(),
                    message: match t.port {
                        Some(p) => format!(
                            "{app}'s {key} points at {}:{p} on {host}, where no {} listens",
                            t.host,
                            t.kind.map(Kind::label).unwrap_or("service")
                        ),
                        None => format!(
                            "{app}'s {key} points at a {} socket on {host}, but none runs there",
                            t.kind.map(Kind::label).unwrap_or("service")
                        ),
                    },
                    kind: crate::model::addon::AddonProblemKind::Pointer,
                }),
                None => {}
            }
        }
    }
    // The front door's routes lead to the app whose PORT is the upstream port; when several
    // apps share that port, the one named in the domain, else none (fleet does not guess).
    for a in addons.iter_mut().filter(|a| a.kind.front_door()) {
        for r in &mut a.routes {
            let port = r.upstream_port.map(|p| p.to_string());
            let candidates: Vec<&String> = apps
                .iter()
                .filter(|(_, vars)| vars.iter().any(|(k, v)| k == "PORT" && Some(v.trim()) == port.as_deref()))
                .map(|(app, _)| app)
                .collect();
            r.app = match candidates.as_slice() {
                [one] => Some((*one).clone()),
                many => {
                    many.iter().find(|app| r.domains.iter().any(|d| d.split('.').any(|label| label == app.as_str()))).map(|a| (*a).clone())
                }
            };
            // A route to a local port nothing listens on: every visitor gets a 502.
            if r.upstream_listening == Some(false) {
                problems.push(AddonProblem {
                    host: host.clone(),
                    app: r.app.clone().unwrap_or_default(),
                    key: r.domains.first().cloned().unwrap_or_default(),
                    message: format!(
                        "{} ({}) proxies to {}, where nothing listens on {host}: visitors get a 502",
                        r.domains.join(" "),
                        a.kind.label(),
                        r.upstream
                    ),
                    kind: crate::model::addon::AddonProblemKind::DeadRoute,
                });
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            target("postgres://shop:x@localhost:5432/shop").unwrap(),
            Target { kind: Some(Kind::Postgresql), host: "localhost".into(), port: Some(5432), socket: false }
        );
        assert_eq!(target("redis://localhost/0").unwrap().port, Some(6379));
        assert_eq!(
            target("redis://[::1]:6380").unwrap(),
            Target { kind: Some(Kind::Redis), host: "::1".into(), port: Some(6380), socket: false }
        );
        assert!(target("/var/run/postgresql").unwrap().socket);
        assert_eq!(target("8080"), None);
        assert_eq!(target("https://api.example.com").unwrap().kind, None);
    }
}
