//! A certificate fleet can see: where it is, what it says, and what to do about it.

use jiff::Timestamp;
use serde::Serialize;

use super::HostId;

/// The parts of a certificate fleet reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub sans: Vec<String>,
    pub issuer: String,
    pub not_after: Timestamp,
    pub serial: String,
    pub is_ca: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CertSource {
    /// What the server presents for a domain.
    Served { addr: String, domain: String },
    /// A file on the host.
    File { path: String },
    /// A kubeconfig context's credential (from the local kubeconfig files).
    Kubeconfig { path: String },
    /// A cluster's `kubernetes.io/tls` Secret or cert-manager Certificate.
    Kube { resource: String },
    /// A Dokku app's certificate, as `dokku certs:report` describes it.
    Dokku { app: String },
}

impl CertSource {
    /// Where it is, in a column's words.
    pub fn label(&self) -> String {
        match self {
            CertSource::Served { addr, .. } => format!("served {addr}"),
            CertSource::File { path } | CertSource::Kubeconfig { path } => path.clone(),
            CertSource::Kube { resource } => resource.clone(),
            CertSource::Dokku { app } => format!("dokku certs:report {app}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertRow {
    pub host: HostId,
    /// What it is: the domain, or the PKI role ("kubeadm apiserver", "k3s server ca").
    pub what: String,
    pub source: CertSource,
    pub info: Option<CertInfo>,
    pub error: Option<String>,
    /// Something to act on, e.g. "renewed on disk (until …) but not served: reload nginx".
    pub note: Option<String>,
}

impl CertRow {
    /// Whole days until notAfter (negative: expired that many days ago).
    pub fn days_left(&self, now: Timestamp) -> Option<i64> {
        self.info.as_ref().map(|i| i.not_after.as_second().saturating_sub(now.as_second()).div_euclid(86_400))
    }
}
