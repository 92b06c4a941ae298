//! What both the TUI and the one-shot commands start from: the config, the host list and the
//! backend options. Loading reads local files only, never the network.

use std::path::PathBuf;

use crate::config::inventory;
use crate::config::{ConfigError, FleetConfig, fleet::LoadedConfig};
use crate::model::HostSpec;
use crate::platform::demo;
use crate::platform::kube::KubeSetup;
use crate::runtime::BackendOptions;
use crate::transport::ssh::UnknownKeyPolicy;
use crate::transport::ssh::connect::PassphrasePrompt;

/// What the command line says about loading (`fleet`'s global flags).
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub config: Option<PathBuf>,
    pub ssh_config: Option<PathBuf>,
    pub theme: Option<String>,
    pub demo: bool,
    pub readonly: bool,
    pub no_local: bool,
    pub no_kube: bool,
    pub accept_new_host_keys: bool,
}

pub struct Context {
    pub config: FleetConfig,
    pub config_path: Option<PathBuf>,
    pub specs: Vec<HostSpec>,
    pub backend: BackendOptions,
    /// Problems worth telling the user that do not stop fleet (e.g. an unreadable ssh config).
    pub warnings: Vec<String>,
    pub demo: bool,
}

impl Context {
    pub fn load(args: &LoadOptions, passphrase: Option<PassphrasePrompt>) -> Result<Context, ConfigError> {
        let LoadedConfig { mut config, path } = if args.demo {
            crate::audit::keep_in_memory();
            LoadedConfig { config: FleetConfig::default(), path: None }
        } else {
            FleetConfig::load(args.config.as_deref())?
        };
        if args.readonly {
            config.readonly = true;
        }
        if args.no_local {
            config.local = false;
        }
        if let Some(t) = &args.theme {
            config.theme = t.clone();
        }
        let mut warnings = Vec::new();
        let ssh_config = inventory::explicit_ssh_config(&config, args.ssh_config.as_deref());
        let specs = if args.demo {
            demo::hosts()
        } else {
            let file = ssh_config.clone().unwrap_or_else(|| config.ssh_config_path());
            if args.ssh_config.as_ref().is_some_and(|f| !f.exists()) {
                return Err(ConfigError::file(&file, "--ssh-config: no such file"));
            }
            let (specs, warning) = inventory::hosts(&config, &file);
            warnings.extend(warning);
            specs
        };
        // Every kubeconfig context is a cluster row (files only: no network here).
        let kube = if args.demo || args.no_kube { KubeSetup::default() } else { KubeSetup::load(&config.kubernetes) };
        let mut specs = specs;
        specs.extend(kube.specs(&specs));
        let policy = if args.accept_new_host_keys { UnknownKeyPolicy::AcceptNew } else { UnknownKeyPolicy::Refuse };
        Ok(Context {
            config,
            config_path: path,
            specs,
            backend: BackendOptions { ssh_config, policy, passphrase, kube: std::sync::Arc::new(kube) },
            warnings,
            demo: args.demo,
        })
    }
}
