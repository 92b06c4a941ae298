//! An app's environment as read from its hosts, and a change to make to it.

use serde::Serialize;

use super::HostId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EnvSource {
    File {
        path: String,
        line: usize,
    },
    Unit {
        unit: String,
    },
    /// Kubernetes: a literal `env` value in the workload's pod template.
    KubeSpec {
        workload: String,
    },
    /// Kubernetes: a Secret's key (always masked unless revealed).
    KubeSecret {
        namespace: String,
        name: String,
        key: String,
    },
    KubeConfigMap {
        namespace: String,
        name: String,
        key: String,
    },
    /// Kubernetes: filled in by the kubelet (fieldRef, resourceFieldRef); no value to show.
    KubeField {
        path: String,
    },
    /// Docker: a compose service's `environment:` entry.
    Compose {
        file: String,
        service: String,
    },
    /// Docker: the image's own ENV (unchanged by the container).
    Image {
        image: String,
    },
    /// Docker: set when the container was created (`docker run -e`, an orchestrator); where it
    /// came from before that the engine does not say.
    Container {
        container: String,
    },
    /// supervisord: inherited from supervisord's own environment (pid).
    Inherited {
        from: String,
    },
    /// supervisord: an `environment=` entry of a section (`program:x`, `supervisord`).
    SupervisorConf {
        file: String,
        line: usize,
        section: String,
    },
    /// Set by the platform itself for every process (SUPERVISOR_PROCESS_NAME, ...).
    SetBy {
        by: String,
    },
}

impl EnvSource {
    pub fn label(&self) -> String {
        match self {
            EnvSource::File { path, line } => format!("{path}:{line}"),
            EnvSource::Unit { unit } => format!("{unit} (Environment=)"),
            EnvSource::KubeSpec { workload } => format!("{workload} (env)"),
            EnvSource::KubeSecret { namespace, name, key } => format!("secret {namespace}/{name}[{key}]"),
            EnvSource::KubeConfigMap { namespace, name, key } => format!("configmap {namespace}/{name}[{key}]"),
            EnvSource::KubeField { path } => format!("set by the kubelet ({path})"),
            EnvSource::Compose { file, service } => format!("{file} (services.{service}.environment)"),
            EnvSource::Image { image } => format!("image {image} (ENV)"),
            EnvSource::Container { container } => format!("container {container} (set at create)"),
            EnvSource::Inherited { from } => format!("inherited from {from}"),
            EnvSource::SupervisorConf { file, line, section } => format!("{file}:{line} [{section}]"),
            EnvSource::SetBy { by } => format!("set by {by}"),
        }
    }

    /// Whatever the key is called, this value is a secret.
    pub fn always_secret(&self) -> bool {
        matches!(self, EnvSource::KubeSecret { .. })
    }
}

/// A process's environment as its platform builds it, plus what went wrong on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessEnv {
    pub host: HostId,
    pub process: String,
    pub unit: String,
    pub vars: Vec<(String, String, EnvSource)>,
    /// Problems the user must see: invalid lines (file:line), missing required files.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Set(Vec<(String, String)>),
    Unset(Vec<String>),
}

impl Change {
    /// For the audit log: the keys, never the values.
    pub fn describe(&self) -> String {
        match self {
            Change::Set(p) => format!("set {}", p.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(" ")),
            Change::Unset(k) => format!("unset {}", k.join(" ")),
        }
    }
}
