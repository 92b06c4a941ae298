//! Add-ons: the services colocated with the apps on a host (Redis, PostgreSQL, MySQL/MariaDB,
//! MongoDB, Elasticsearch/OpenSearch, Memcached, RabbitMQ) and the front door (nginx, Caddy,
//! Traefik), found from their units and listening sockets, and linked to the apps whose env
//! points at them. Pure functions over `commands::addons_script` output.

pub mod caddy;
pub mod link;
pub mod nginx;
pub mod parse;
pub mod traefik;

pub use crate::model::addon::{AddOn, AddonProblem, Kind, Route, Use};

/// A proxy upstream ("http://127.0.0.1:8080/", "localhost:3000", "[::1]:8080") → its host and
/// port, when it names them (not for a unix socket or an upstream group's name).
pub fn upstream_addr(upstream: &str) -> Option<(&str, u16)> {
    let rest = upstream.split_once("://").map(|(_, r)| r).unwrap_or(upstream);
    let authority = rest.split('/').next()?;
    let (host, port) = authority.rsplit_once(':')?;
    Some((host.trim_matches(['[', ']']), port.parse().ok()?))
}

/// Every route the front doors on a host declare (nginx, Caddy, Traefik), from the add-ons
/// script's sections.
pub fn front_door_routes(sections: &crate::discovery::sections::Sections) -> Vec<(Kind, Route)> {
    let mut out: Vec<(Kind, Route)> = nginx::routes(sections.get("nginx").unwrap_or("")).into_iter().map(|r| (Kind::Nginx, r)).collect();
    out.extend(caddy::routes(sections.get("caddy").unwrap_or("")).into_iter().map(|r| (Kind::Caddy, r)));
    out.extend(traefik::routes(sections.get("traefik").unwrap_or("")).into_iter().map(|r| (Kind::Traefik, r)));
    out
}
