//! The list of hosts: fleet.toml's hosts, the selected ssh-config aliases, and the local machine.

use std::path::PathBuf;

use crate::config::{FleetConfig, ssh_config};
use crate::model::{HostId, HostKind, HostSpec};

/// Builds the host list. Reads only the local ssh config file: no network.
/// Returns the hosts and any warning about the ssh config (it still yields the rest).
pub fn hosts(config: &FleetConfig, ssh_config_file: &std::path::Path) -> (Vec<HostSpec>, Option<String>) {
    let mut out: Vec<HostSpec> = config
        .hosts
        .iter()
        .map(|h| HostSpec {
            id: HostId(h.name.clone()),
            kind: HostKind::Ssh,
            destination: h.ssh.clone().unwrap_or_else(|| h.name.clone()),
            tags: h.tags.clone(),
            group: h.group.clone(),
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
                            destination: alias,
                            tags: Vec::new(),
                            group: None,
                        });
                    }
                }
            }
            Err(e) => warning = Some(format!("cannot read the ssh config: {e}")),
        }
    }
    if config.local && !out.iter().any(|h| h.id.0 == "local") {
        out.push(HostSpec { id: HostId("local".into()), kind: HostKind::Local, destination: String::new(), tags: Vec::new(), group: None });
    }
    (out, warning)
}

/// The ssh config path handed to `ssh -F`, only when the user chose one (so the default keeps
/// OpenSSH's system-wide file in play).
pub fn explicit_ssh_config(config: &FleetConfig, flag: Option<&std::path::Path>) -> Option<PathBuf> {
    flag.map(PathBuf::from).or_else(|| config.ssh_config.as_deref().map(crate::config::paths::expand_tilde))
}
