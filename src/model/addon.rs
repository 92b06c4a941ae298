//! Add-ons: the services an app uses beside it (Redis, PostgreSQL, …), the front doors routing
//! to it, and the pointers in its env that lead nowhere.

use jiff::Timestamp;
use serde::Serialize;

use super::{HostId, ProcessState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Redis,
    Postgresql,
    Mysql,
    Mongodb,
    Elasticsearch,
    Memcached,
    Rabbitmq,
    Nginx,
    Caddy,
    Traefik,
}

impl Kind {
    /// From a unit name (`redis-server.service`, `postgresql@15-main.service`, …).
    pub fn of_unit(unit: &str) -> Option<Kind> {
        let u = unit.trim_end_matches(".service");
        Some(match u {
            _ if u.starts_with("redis") => Kind::Redis,
            _ if u.starts_with("postgresql") => Kind::Postgresql,
            _ if u.starts_with("mysql") || u.starts_with("mariadb") => Kind::Mysql,
            _ if u.starts_with("mongod") => Kind::Mongodb,
            _ if u.starts_with("elasticsearch") || u.starts_with("opensearch") => Kind::Elasticsearch,
            _ if u.starts_with("memcached") => Kind::Memcached,
            _ if u.starts_with("rabbitmq") => Kind::Rabbitmq,
            _ if u.starts_with("nginx") => Kind::Nginx,
            _ if u.starts_with("caddy") => Kind::Caddy,
            _ if u.starts_with("traefik") => Kind::Traefik,
            _ => return None,
        })
    }

    /// From a container image (`redis:7.2`, `bitnami/postgresql:16`, `docker.io/library/mysql`).
    pub fn of_image(image: &str) -> Option<Kind> {
        let repo = image.rsplit('/').next().unwrap_or(image);
        let name = repo.split([':', '@']).next().unwrap_or(repo);
        let kind = match name {
            "postgres" | "postgresql" | "postgis" => Kind::Postgresql,
            "mongo" => Kind::Mongodb,
            "valkey" => Kind::Redis,
            other => Kind::of_unit(other)?,
        };
        // A front door inside a cluster is the ingress's business, not an add-on.
        (!kind.front_door()).then_some(kind)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Redis => "redis",
            Kind::Postgresql => "postgresql",
            Kind::Mysql => "mysql",
            Kind::Mongodb => "mongodb",
            Kind::Elasticsearch => "elasticsearch",
            Kind::Memcached => "memcached",
            Kind::Rabbitmq => "rabbitmq",
            Kind::Nginx => "nginx",
            Kind::Caddy => "caddy",
            Kind::Traefik => "traefik",
        }
    }

    /// The ports it listens on by default: how a socket is tied to it when `ss` cannot name
    /// the process (sandboxed services hide theirs).
    pub fn ports(self) -> &'static [u16] {
        match self {
            Kind::Redis => &[6379],
            Kind::Postgresql => &[5432],
            Kind::Mysql => &[3306],
            Kind::Mongodb => &[27017],
            Kind::Elasticsearch => &[9200],
            Kind::Memcached => &[11211],
            Kind::Rabbitmq => &[5672],
            Kind::Nginx | Kind::Caddy | Kind::Traefik => &[80, 443],
        }
    }

    pub fn front_door(self) -> bool {
        matches!(self, Kind::Nginx | Kind::Caddy | Kind::Traefik)
    }

    /// The kind a URL scheme talks to.
    pub fn of_scheme(scheme: &str) -> Option<Kind> {
        Some(match scheme.to_ascii_lowercase().as_str() {
            "redis" | "rediss" => Kind::Redis,
            "postgres" | "postgresql" | "postgis" => Kind::Postgresql,
            "mysql" | "mysql2" | "mariadb" => Kind::Mysql,
            "mongodb" | "mongodb+srv" => Kind::Mongodb,
            "memcache" | "memcached" => Kind::Memcached,
            "amqp" | "amqps" => Kind::Rabbitmq,
            "elasticsearch" => Kind::Elasticsearch,
            _ => return None,
        })
    }
}

/// A domain routed by the front door to a local port, and the app behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub domains: Vec<String>,
    pub tls: bool,
    /// The port it serves TLS on, and the certificate file it was configured with.
    pub tls_port: Option<u16>,
    pub cert_file: Option<String>,
    pub upstream: String,
    pub upstream_port: Option<u16>,
    pub app: Option<String>,
    /// Whether something listens on the upstream's port, when the upstream is on this host
    /// (None: elsewhere, a socket, or no upstream).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_listening: Option<bool>,
}

/// Who uses an add-on: an app and the variable that points at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Use {
    pub app: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddOn {
    pub host: HostId,
    pub kind: Kind,
    /// The service's own name where it has one apart from its unit (a Dokku service:
    /// `blog-cache`): shown beside its kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub unit: String,
    pub state: ProcessState,
    pub detail: String,
    pub version: Option<String>,
    pub listen: Vec<String>,
    pub ports: Vec<u16>,
    pub memory_bytes: Option<u64>,
    pub since: Option<Timestamp>,
    pub used_by: Vec<Use>,
    pub routes: Vec<Route>,
}

/// An app pointing at something that is not there: a visible problem, not a silent gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddonProblem {
    pub host: HostId,
    pub app: String,
    pub key: String,
    pub message: String,
    /// What is wrong, for how bad it is (`fleet check`).
    pub kind: AddonProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddonProblemKind {
    /// An app's variable points at a service that is not there or not running.
    Pointer,
    /// A front-door route to a port nothing listens on: every visitor gets an error.
    DeadRoute,
}
