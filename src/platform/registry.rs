//! The one table of platforms: which ones a machine may run apps on, and which backend each
//! inventory row gets. A new platform is a folder beside `systemd` and a line here.

use std::path::PathBuf;
use std::sync::Arc;

use super::kube::KubeSetup;
use super::machine::Machine;
use super::{Backend, Platform, docker, dokku, supervisor, systemd};
use crate::model::{HostKind, HostSpec};
use crate::transport::ssh::UnknownKeyPolicy;
use crate::transport::ssh::connect::PassphrasePrompt;
use crate::transport::{LocalTransport, SshTransport, Transport};

/// Every platform a machine may run apps on, in the order their processes are listed. Each
/// one's probe says whether it is there. `only` (fleet.toml's `platforms`): just those.
pub fn machine_platforms(transport: &Arc<Transport>, only: &[String]) -> Vec<Box<dyn Platform>> {
    // Dokku's dynos are containers of the same engine: one connection, one watch, shared.
    let docker = docker::Docker::new(transport.clone());
    let all: Vec<Box<dyn Platform>> = vec![
        Box::new(systemd::Systemd::new(transport.clone())),
        Box::new(docker.clone()),
        Box::new(supervisor::Supervisor::new(transport.clone())),
        Box::new(dokku::Dokku::new(transport.clone(), docker)),
    ];
    all.into_iter().filter(|p| only.is_empty() || only.iter().any(|o| o == p.info().name())).collect()
}

/// What building the backends needs beyond the inventory.
pub struct BackendOptions {
    pub ssh_config: Option<PathBuf>,
    pub policy: UnknownKeyPolicy,
    pub passphrase: Option<PassphrasePrompt>,
    /// The kubeconfig as loaded, for cluster rows.
    pub kube: Arc<KubeSetup>,
}

/// The backend of one inventory row (None: a demo name with no fixture).
pub fn backend(spec: &HostSpec, opts: &BackendOptions) -> Option<Arc<dyn Backend>> {
    let machine = |kind, transport| Some(Arc::new(Machine::new(kind, transport, &spec.platforms)) as Arc<dyn Backend>);
    match spec.kind {
        HostKind::Kube => Some(Arc::new(opts.kube.backend(spec))),
        HostKind::Local => machine(HostKind::Local, Transport::Local(LocalTransport::default())),
        HostKind::Demo => super::demo::backend(spec),
        HostKind::Ssh => {
            let ssh = Transport::Ssh(SshTransport::new(
                spec.id.clone(),
                spec.destination.clone(),
                opts.ssh_config.clone(),
                opts.policy.clone(),
                opts.passphrase.clone(),
            ));
            // Dokku's own user runs nothing but `dokku`: a machine of its own kind.
            if spec.dokku_login() { Some(Arc::new(dokku::account::Account::new(ssh))) } else { machine(HostKind::Ssh, ssh) }
        }
    }
}

/// Every row's backend, in inventory order.
pub fn backends(specs: &[HostSpec], opts: &BackendOptions) -> Vec<Arc<dyn Backend>> {
    specs.iter().filter_map(|s| backend(s, opts)).collect()
}
