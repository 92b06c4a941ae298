//! Kubeconfig files → cluster rows, as kubectl reads them: $KUBECONFIG (several files merged,
//! the first to set a value wins) or ~/.kube/config. Every selected context is a row. A file
//! that is missing, empty or broken is a row with its error (kdash crashes on these); a
//! kubeconfig without a current context is fine (fleet shows every context anyway). Reading
//! files only: no network.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kube::config::Kubeconfig;

use crate::config::convention::glob_match;
use crate::config::kubernetes::KubernetesConfig;

#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The merged kubeconfig, when any file could be read.
    pub kubeconfig: Option<Arc<Kubeconfig>>,
    /// The selected contexts, in file order.
    pub contexts: Vec<String>,
    /// Rows for what could not be read: (row name, error).
    pub errors: Vec<(String, String)>,
}

/// The files to read: fleet.toml's, else $KUBECONFIG's, else ~/.kube/config (which may be
/// absent without complaint; a file the user named may not).
pub fn files(config: &KubernetesConfig) -> (Vec<PathBuf>, bool) {
    if let Some(p) = &config.kubeconfig {
        return (vec![crate::config::paths::expand_tilde(p)], true);
    }
    if let Some(v) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return (std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()).collect(), true);
    }
    (vec![crate::config::paths::expand_tilde("~/.kube/config")], false)
}

pub fn load(config: &KubernetesConfig) -> Loaded {
    let (paths, named) = files(config);
    load_files(&paths, named, config)
}

fn row_name(path: &Path) -> String {
    format!("kubeconfig:{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
}

pub fn load_files(paths: &[PathBuf], named: bool, config: &KubernetesConfig) -> Loaded {
    let mut out = Loaded::default();
    if !config.enabled {
        return out;
    }
    let mut merged: Option<Kubeconfig> = None;
    for p in paths {
        let text = match std::fs::read_to_string(p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => continue,
            Err(e) => {
                out.errors.push((row_name(p), format!("{}: {e} (check KUBECONFIG or [kubernetes] kubeconfig)", p.display())));
                continue;
            }
        };
        if text.trim().is_empty() {
            out.errors.push((row_name(p), format!("{}: the kubeconfig is empty", p.display())));
            continue;
        }
        match Kubeconfig::read_from(p) {
            Ok(k) => {
                merged = Some(match merged.take() {
                    None => k,
                    Some(m) => match m.clone().merge(k) {
                        Ok(x) => x,
                        Err(e) => {
                            out.errors.push((row_name(p), format!("{}: cannot merge: {e}", p.display())));
                            m
                        }
                    },
                })
            }
            Err(e) => out.errors.push((row_name(p), format!("{}: not a kubeconfig: {e}", p.display()))),
        }
    }
    if let Some(k) = merged {
        out.contexts = k.contexts.iter().map(|c| c.name.clone()).filter(|n| config.contexts.iter().any(|g| glob_match(g, n))).collect();
        out.kubeconfig = Some(Arc::new(k));
    }
    out
}
