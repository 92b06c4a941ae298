//! From the add-ons script's output to add-ons: units, listening sockets, versions, routes.

use super::{AddOn, Kind};
use crate::discovery::sections;
use crate::discovery::systemd::{parse_show, state_of};
use crate::model::HostId;

/// `ss -ltnH` → (address as printed, port).
pub fn listening(ss: &str) -> Vec<(String, u16)> {
    ss.lines()
        .filter_map(|l| {
            let local = l.split_whitespace().nth(3)?;
            let port = local.rsplit_once(':')?.1.parse().ok()?;
            Some((local.to_string(), port))
        })
        .collect()
}

pub fn parse(output: &str, host: &HostId) -> Result<Vec<AddOn>, String> {
    let s = sections::split(output);
    if !s.complete {
        return Err("the add-ons output ended early".into());
    }
    let sockets = listening(s.get("ss").unwrap_or(""));
    let versions = s.get("versions").unwrap_or("");
    let mut routes = super::front_door_routes(&s);
    for (_, r) in &mut routes {
        if let Some((host, port)) = super::upstream_addr(&r.upstream)
            && super::link::is_local(host, &[])
        {
            r.upstream_listening = Some(sockets.iter().any(|(_, p)| *p == port));
        }
    }
    let units = parse_show(s.get("units").unwrap_or(""));
    let mut names: Vec<&String> = units.keys().collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let u = &units[name];
        let Some(kind) = Kind::of_unit(&u.id) else { continue };
        if u.load_state == "not-found" {
            continue;
        }
        // postgresql.service is Debian's umbrella unit: the clusters are postgresql@….
        if u.sub_state == "exited" && units.keys().any(|k| k != name && Kind::of_unit(k) == Some(kind)) {
            continue;
        }
        let (listen, ports): (Vec<String>, Vec<u16>) = sockets.iter().filter(|(_, p)| kind.ports().contains(p)).cloned().unzip();
        let version =
            versions.lines().find_map(|l| l.strip_prefix(&format!("{} ", kind_version_tag(kind)))).map(|v| short_version(v.trim()));
        out.push(AddOn {
            host: host.clone(),
            kind,
            name: None,
            unit: u.id.clone(),
            state: state_of(&u.active_state),
            detail: format!("{} ({})", u.active_state, u.sub_state),
            version,
            listen,
            ports,
            memory_bytes: u.memory_current,
            since: u.started,
            used_by: Vec::new(),
            routes: routes.iter().filter(|(k, _)| *k == kind).map(|(_, r)| r.clone()).collect(),
        });
    }
    Ok(out)
}

fn kind_version_tag(k: Kind) -> &'static str {
    match k {
        Kind::Redis => "redis",
        Kind::Postgresql => "postgresql",
        Kind::Mysql => "mysql",
        Kind::Mongodb => "mongodb",
        Kind::Memcached => "memcached",
        Kind::Nginx => "nginx",
        Kind::Caddy => "caddy",
        Kind::Traefik => "traefik",
        Kind::Elasticsearch => "elasticsearch",
        Kind::Rabbitmq => "rabbitmq",
    }
}

/// "Redis server v=7.0.15 sha=…" → "7.0.15"; "postgres (PostgreSQL) 15.18 (Debian …)" → "15.18";
/// "nginx version: nginx/1.22.1" → "1.22.1": the first thing that looks like a version.
pub fn short_version(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '/' || c == '=')
        .map(|w| w.trim_start_matches('v'))
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('.'))
        .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string())
        .unwrap_or_else(|| text.chars().take(40).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(short_version("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0"), "7.0.15");
        assert_eq!(short_version("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"), "15.18");
        assert_eq!(short_version("nginx version: nginx/1.22.1"), "1.22.1");
        assert_eq!(short_version("mysqld  Ver 8.0.36 for Linux"), "8.0.36");
    }

    #[test]
    fn sockets() {
        let l = listening("LISTEN 0 244 127.0.0.1:5432 0.0.0.0:*\nLISTEN 0 511 [::]:80 [::]:*\ngarbage\n");
        assert_eq!(l, [("127.0.0.1:5432".to_string(), 5432), ("[::]:80".to_string(), 80)]);
    }
}
