//! OpenSSH client configuration: which aliases exist, and what `ssh` would use for each.
//!
//! Resolution asks `ssh -G` when the OpenSSH client is installed: it alone gets Match, Include,
//! tokens and the system-wide file exactly right. Without it we fall back to the ssh2-config
//! crate (no `Match` support: we warn when the file has one).

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use ssh2_config::{ParseRule, SshConfig};

use super::paths::expand_tilde;

/// What OpenSSH calls StrictHostKeyChecking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strictness {
    /// Refuse unknown keys (the default for fleet, and `yes`/`ask`: we ask in the TUI).
    Refuse,
    /// Accept and record unknown keys, refuse changed ones.
    AcceptNew,
}

/// The settings for one destination, as `ssh` would resolve them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedSsh {
    pub alias: String,
    pub hostname: String,
    pub port: u16,
    pub user: String,
    pub identity_files: Vec<PathBuf>,
    pub identities_only: bool,
    /// The first hop of ProxyJump (`user@host:port` or an alias); None for a direct connection.
    pub proxy_jump: Option<String>,
    pub known_hosts_files: Vec<PathBuf>,
    pub strict: Strictness,
    pub host_key_alias: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub server_alive_interval: Option<Duration>,
    /// Where these settings came from: "ssh -G" or "ssh2-config".
    pub resolved_by: &'static str,
}

/// A destination as the user wrote it: an alias, `host`, `user@host` or `user@host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Destination {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (user, rest) = match text.rsplit_once('@') {
            Some((u, r)) => (Some(u.to_string()), r),
            None => (None, text),
        };
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, tail) = v6.split_once(']').ok_or_else(|| format!("bad address {text:?}"))?;
            let port = tail.strip_prefix(':').map(str::parse::<u16>).transpose();
            (h.to_string(), port.map_err(|_| format!("bad port in {text:?}"))?)
        } else if let Some((h, p)) = rest.rsplit_once(':') {
            (h.to_string(), Some(p.parse::<u16>().map_err(|_| format!("bad port in {text:?}"))?))
        } else {
            (rest.to_string(), None)
        };
        // A destination is handed to `ssh` as an argument: refuse anything that could be
        // taken for an option or that carries control characters.
        if host.is_empty() || host.starts_with('-') || host.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(format!("bad host name {text:?}"));
        }
        if user.as_deref().is_some_and(|u| u.is_empty() || u.starts_with('-') || u.chars().any(char::is_control)) {
            return Err(format!("bad user name in {text:?}"));
        }
        Ok(Destination { user, host, port })
    }
}

/// Reads the concrete `Host` aliases (no wildcards, no negations) of an ssh config, in file
/// order, following Include. A missing file yields no aliases.
pub fn list_aliases(path: &Path) -> Result<Vec<String>, String> {
    let Ok(file) = std::fs::File::open(path) else { return Ok(Vec::new()) };
    let config = SshConfig::default()
        .parse(&mut BufReader::new(file), ParseRule::ALLOW_UNKNOWN_FIELDS)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut aliases = Vec::new();
    for host in config.get_hosts() {
        for clause in &host.pattern {
            let p = &clause.pattern;
            if clause.negated || p.contains(['*', '?', '!']) || p.is_empty() {
                continue;
            }
            if !aliases.contains(p) {
                aliases.push(p.clone());
            }
        }
    }
    Ok(aliases)
}

/// The `User` the file gives a host (first value wins, as in OpenSSH; `Host *` defaults
/// apply; `Match` blocks are not evaluated): read once, locally, to know before connecting
/// which hosts log in as Dokku's `dokku` user. `ssh -G` still decides the connection itself.
pub struct ConfiguredUsers(Option<SshConfig>);

impl ConfiguredUsers {
    /// Unreadable or unparsable: no user known for any host.
    pub fn read(path: &Path) -> ConfiguredUsers {
        let parsed = std::fs::File::open(path)
            .ok()
            .and_then(|f| SshConfig::default().parse(&mut BufReader::new(f), ParseRule::ALLOW_UNKNOWN_FIELDS).ok());
        ConfiguredUsers(parsed)
    }

    pub fn of(&self, host: &str) -> Option<String> {
        self.0.as_ref().and_then(|c| c.query(host).user)
    }
}

/// Parses `ssh -G` output (lowercase `key value` lines) into settings.
pub fn parse_ssh_g(alias: &str, output: &str) -> Result<ResolvedSsh, String> {
    let mut r = ResolvedSsh {
        alias: alias.to_string(),
        hostname: alias.to_string(),
        port: 22,
        user: default_user(),
        identity_files: Vec::new(),
        identities_only: false,
        proxy_jump: None,
        known_hosts_files: Vec::new(),
        strict: Strictness::Refuse,
        host_key_alias: None,
        connect_timeout: None,
        server_alive_interval: None,
        resolved_by: "ssh -G",
    };
    for line in output.lines() {
        let Some((key, value)) = line.split_once(' ') else { continue };
        let value = value.trim();
        match key {
            "hostname" => r.hostname = value.to_string(),
            "port" => r.port = value.parse().map_err(|_| format!("ssh -G {alias}: bad port {value:?}"))?,
            "user" => r.user = value.to_string(),
            "identityfile" => r.identity_files.push(expand_tilde(value)),
            "identitiesonly" => r.identities_only = value == "yes" || value == "true",
            "proxyjump" if value != "none" => r.proxy_jump = value.split(',').next().map(|s| s.trim().to_string()),
            "userknownhostsfile" => r.known_hosts_files = value.split_whitespace().map(expand_tilde).collect(),
            "stricthostkeychecking" => {
                r.strict = if value == "accept-new" || value == "false" || value == "no" || value == "off" {
                    Strictness::AcceptNew
                } else {
                    Strictness::Refuse
                }
            }
            "hostkeyalias" if value != "none" => r.host_key_alias = Some(value.to_string()),
            "connecttimeout" if value != "none" => r.connect_timeout = value.parse().ok().map(Duration::from_secs),
            "serveraliveinterval" => r.server_alive_interval = value.parse().ok().filter(|s| *s > 0).map(Duration::from_secs),
            _ => {}
        }
    }
    if r.known_hosts_files.is_empty() {
        r.known_hosts_files = vec![expand_tilde("~/.ssh/known_hosts"), expand_tilde("~/.ssh/known_hosts2")];
    }
    Ok(r)
}

/// OpenSSH expands `~` to the passwd home even when $HOME differs: files there are read from
/// $HOME instead, where fleet found the config (and the user put their keys and known hosts).
fn in_home(mut r: ResolvedSsh) -> ResolvedSsh {
    if let Some((home, passwd)) = crate::config::paths::diverging_home() {
        let remap = |p: &PathBuf| p.strip_prefix(&passwd).map(|rest| home.join(rest)).unwrap_or_else(|_| p.clone());
        r.known_hosts_files = r.known_hosts_files.iter().map(remap).collect();
        r.identity_files = r.identity_files.iter().map(remap).collect();
    }
    r
}

fn default_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "root".into())
}

/// How long a resolution is reused: a host that is down retries its connection often, and each
/// `ssh -G` is a process; an edited ssh config still applies within this.
const RESOLVED_FOR: std::time::Duration = std::time::Duration::from_secs(60);

type Resolved = std::collections::HashMap<(Option<PathBuf>, String), (std::time::Instant, ResolvedSsh)>;

fn resolved() -> &'static std::sync::Mutex<Resolved> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<Resolved>> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Resolves a destination as `ssh` would, reusing a resolution made in the last minute.
pub async fn resolve(config_file: Option<&Path>, dest: &str) -> Result<ResolvedSsh, String> {
    let key = (config_file.map(Path::to_path_buf), dest.to_string());
    let fresh = |(at, _): &(std::time::Instant, ResolvedSsh)| at.elapsed() < RESOLVED_FOR;
    if let Some((_, r)) = resolved().lock().ok().and_then(|c| c.get(&key).filter(|e| fresh(e)).cloned()) {
        return Ok(r);
    }
    let r = resolve_now(config_file, dest).await?;
    if let Ok(mut c) = resolved().lock() {
        c.insert(key, (std::time::Instant::now(), r.clone()));
    }
    Ok(r)
}

/// Resolves a destination with `ssh -G` (async: runs the OpenSSH client, never on the UI path).
/// Falls back to the ssh2-config parser when the client is not installed.
async fn resolve_now(config_file: Option<&Path>, dest: &str) -> Result<ResolvedSsh, String> {
    let parsed = Destination::parse(dest)?;
    let mut cmd = tokio::process::Command::new("ssh");
    if let Some(f) = config_file {
        cmd.arg("-F").arg(f);
    }
    if let Some(u) = &parsed.user {
        cmd.arg("-l").arg(u);
    }
    if let Some(p) = parsed.port {
        cmd.arg("-p").arg(p.to_string());
    }
    cmd.arg("-G").arg("--").arg(&parsed.host);
    cmd.stdin(std::process::Stdio::null()).kill_on_drop(true);
    match cmd.output().await {
        Ok(out) if out.status.success() => parse_ssh_g(dest, &String::from_utf8_lossy(&out.stdout)).map(in_home),
        Ok(out) => {
            Err(format!("ssh -G {dest} failed: {}", String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("no output").trim()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => resolve_with_parser(config_file, &parsed, dest),
        Err(e) => Err(format!("cannot run ssh -G {dest}: {e}")),
    }
}

/// The fallback resolver for machines without the OpenSSH client.
fn resolve_with_parser(config_file: Option<&Path>, d: &Destination, alias: &str) -> Result<ResolvedSsh, String> {
    // fleet's own wrapper (see inventory::explicit_ssh_config) only includes $HOME's config.
    let wrapper = |f: &Path| std::fs::read_to_string(f).is_ok_and(|t| t.starts_with("# written by fleet"));
    let path = config_file.filter(|f| !wrapper(f)).map(Path::to_path_buf).unwrap_or_else(|| expand_tilde("~/.ssh/config"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    if text.lines().any(|l| l.trim_start().to_ascii_lowercase().starts_with("match ")) {
        tracing::warn!("{}: has Match blocks, which fleet cannot honour without the ssh client", path.display());
    }
    let config = SshConfig::default()
        .parse(&mut text.as_bytes(), ParseRule::ALLOW_UNKNOWN_FIELDS)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let p = config.query(&d.host);
    let raw = |k: &str| p.ignored_fields.get(k).or_else(|| p.unsupported_fields.get(k)).and_then(|v| v.first().cloned());
    let mut lines = vec![
        format!("hostname {}", p.host_name.clone().unwrap_or_else(|| d.host.clone())),
        format!("port {}", d.port.or(p.port).unwrap_or(22)),
        format!("user {}", d.user.clone().or(p.user.clone()).unwrap_or_else(default_user)),
    ];
    let files = p
        .identity_file
        .clone()
        .unwrap_or_else(|| ["id_rsa", "id_ecdsa", "id_ed25519"].iter().map(|f| expand_tilde(&format!("~/.ssh/{f}"))).collect());
    lines.extend(files.iter().map(|f| format!("identityfile {}", f.display())));
    if let Some(j) = p.proxy_jump.as_ref().and_then(|j| j.first()) {
        lines.push(format!("proxyjump {j}"));
    }
    if let Some(t) = p.connect_timeout {
        lines.push(format!("connecttimeout {}", t.as_secs()));
    }
    for key in ["identitiesonly", "userknownhostsfile", "stricthostkeychecking", "hostkeyalias"] {
        if let Some(v) = raw(key) {
            lines.push(format!("{key} {v}"));
        }
    }
    let mut r = parse_ssh_g(alias, &lines.join("\n"))?;
    r.resolved_by = "ssh2-config";
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        assert_eq!(
            Destination::parse("deploy@10.0.0.5:2222").unwrap(),
            Destination { user: Some("deploy".into()), host: "10.0.0.5".into(), port: Some(2222) }
        );
        assert_eq!(Destination::parse("lon-1").unwrap().host, "lon-1");
        assert_eq!(Destination::parse("[::1]:22").unwrap().host, "::1");
        assert!(Destination::parse("-oProxyCommand=evil").is_err());
        assert!(Destination::parse("a b").is_err());
        assert!(Destination::parse("host:notaport").is_err());
    }

    #[test]
    fn ssh_g_output() {
        let out = "host lab-1\nhostname 127.0.0.1\nport 2201\nuser root\nidentityfile ~/.ssh/id_lab\n\
                   identityfile /k2\nidentitiesonly yes\nuserknownhostsfile /tmp/kh /tmp/kh2\n\
                   stricthostkeychecking true\nproxyjump bastion,second\nconnecttimeout 5\n";
        let r = parse_ssh_g("lab-1", out).unwrap();
        assert_eq!(r.hostname, "127.0.0.1");
        assert_eq!(r.port, 2201);
        assert_eq!(r.identity_files.len(), 2);
        assert!(r.identities_only);
        assert_eq!(r.known_hosts_files, vec![PathBuf::from("/tmp/kh"), PathBuf::from("/tmp/kh2")]);
        assert_eq!(r.strict, Strictness::Refuse);
        assert_eq!(r.proxy_jump.as_deref(), Some("bastion"));
        assert_eq!(r.connect_timeout, Some(Duration::from_secs(5)));
    }

    #[test]
    fn aliases_skip_patterns() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config");
        std::fs::write(
            &f,
            "Host web-1 web-2\n  User deploy\nHost *.internal !x\n  User y\nHost db\n  Port 2\nHost *\n  ServerAliveInterval 30\n",
        )
        .unwrap();
        assert_eq!(list_aliases(&f).unwrap(), vec!["web-1", "web-2", "db"]);
        assert_eq!(list_aliases(&dir.path().join("missing")).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn configured_users_take_the_first_value_as_ssh_does() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config");
        // lab-2-dokku's own User comes before the catch-all's: it wins, as with ssh.
        std::fs::write(
            &f,
            "Host lab-2-dokku\n  Port 2202\nHost lab-2-dokku\n  User dokku\nHost plain\n  Port 22\nHost lab-* plain\n  User root\n",
        )
        .unwrap();
        let users = ConfiguredUsers::read(&f);
        assert_eq!(
            (users.of("lab-2-dokku").as_deref(), users.of("plain").as_deref(), users.of("other")),
            (Some("dokku"), Some("root"), None)
        );
        assert_eq!(ConfiguredUsers::read(&dir.path().join("missing")).of("plain"), None);
    }
}
