//! The list of hosts: fleet.toml's hosts, the selected ssh-config aliases, and the local machine.

use std::path::PathBuf;

use crate::config::{FleetConfig, ssh_config};
use crate::model::{HostId, HostKind, HostSpec};

/// Builds the host list. Reads only the local ssh config file: no network.
/// Returns the hosts and any warning about the ssh config (it still yields the rest).
pub fn hosts(config: &FleetConfig, ssh_config_file: &std::path::Path) -> (Vec<HostSpec>, Option<String>) {
    let users = ssh_config::ConfiguredUsers::read(ssh_config_file);
    // `user@` in the destination wins, as with `ssh user@alias`; else the config's `User`.
    let login = |destination: &str| ssh_config::Destination::parse(destination).ok().and_then(|d| d.user.or_else(|| users.of(&d.host)));
    let mut out: Vec<HostSpec> = config
        .hosts
        .iter()
        .map(|h| {
            let destination = h.ssh.clone().unwrap_or_else(|| h.name.clone());
            HostSpec {
                id: HostId(h.name.clone()),
                kind: HostKind::Ssh,
                login: login(&destination),
                destination,
                tags: h.tags.clone(),
                group: h.group.clone(),
                platforms: h.platforms.clone(),
            }
        })
        .collect();
    let mut warning = None;
    if config.inventory.ssh_config_hosts {
        match ssh_config::list_aliases(ssh_config_file) {
            Ok(aliases) => {
                for alias in aliases {
                    if config.inventory.selects(&alias) && !out.iter().any(|h| h.id.0 == alias) {
                        out.push(HostSpec {
                            id: HostId(alias.clone()),
                            kind: HostKind::Ssh,
                            login: login(&alias),
                            destination: alias,
                            tags: Vec::new(),
                            group: None,
                            platforms: Vec::new(),
                        });
                    }
                }
            }
            Err(e) => warning = Some(format!("cannot read the ssh config: {e}")),
        }
    }
    if config.local && !out.iter().any(|h| h.id.0 == "local") {
        out.push(HostSpec {
            id: HostId("local".into()),
            kind: HostKind::Local,
            destination: String::new(),
            tags: Vec::new(),
            group: None,
            login: None,
            platforms: Vec::new(),
        });
    }
    (out, warning)
}

/// The ssh config path handed to `ssh -F`: the user's choice; else, when $HOME is not the
/// password database's home (where OpenSSH would look), a small file that includes the
/// $HOME config fleet listed the hosts from, then the system-wide one, so both still apply.
/// None: OpenSSH's own defaults are the files fleet read.
pub fn explicit_ssh_config(config: &FleetConfig, flag: Option<&std::path::Path>) -> Option<PathBuf> {
    if let Some(f) = flag.map(PathBuf::from).or_else(|| config.ssh_config.as_deref().map(crate::config::paths::expand_tilde)) {
        return Some(f);
    }
    let (home, _) = crate::config::paths::diverging_home()?;
    let user = home.join(".ssh/config");
    user.exists().then(|| home_wrapper(&user)).flatten()
}

/// `Include USER_CONFIG` then `Include /etc/ssh/ssh_config`, written beside fleet's other
/// state (OpenSSH reads the user's file first, then the system's: first value wins).
fn home_wrapper(user: &std::path::Path) -> Option<PathBuf> {
    let dir = crate::config::paths::project_dirs()?.cache_dir().to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("ssh_config");
    let quote = |p: &std::path::Path| format!("\"{}\"", p.display().to_string().replace('"', "\\\""));
    let mut text = format!("# written by fleet: $HOME is not the passwd home, so ssh -G reads this\nInclude {}\n", quote(user));
    if std::path::Path::new("/etc/ssh/ssh_config").exists() {
        text.push_str("Include /etc/ssh/ssh_config\n");
    }
    std::fs::write(&path, text).ok()?;
    Some(path)
}
