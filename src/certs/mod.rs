//! Certificate expiry before anyone is locked out: what each front door actually serves (a TLS
//! handshake through the ssh connection), the certificate files on disk (Let's Encrypt, the
//! front door's config, a cluster's control-plane PKI), and "renewed on disk but not served".

pub mod gather;
pub mod kubeconfig;
pub mod tls;
pub mod x509;

use crate::model::HostId;
pub use crate::model::cert::{CertInfo, CertRow, CertSource};

/// Kubeconfig credentials as cert rows (`kube:CONTEXT` in the host column).
pub fn kube_rows(creds: Vec<kubeconfig::KubeCred>) -> Vec<CertRow> {
    creds
        .into_iter()
        .map(|c| CertRow {
            host: HostId(if c.context.is_empty() { "kubeconfig".into() } else { format!("kube:{}", c.context) }),
            what: c.what,
            source: CertSource::Kubeconfig { path: c.source },
            info: c.info,
            error: c.error,
            note: c.note,
        })
        .collect()
}

/// Where a certificate stands against the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warn,
    Critical,
    Expired,
    /// It could not be read.
    Error,
    /// A token or exec credential: nothing fleet can date.
    NotApplicable,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Critical => "critical",
            Status::Expired => "expired",
            Status::Error => "error",
            Status::NotApplicable => "n/a",
        }
    }
}

/// A row's status, from its whole days left and the thresholds in days.
pub fn status(row: &CertRow, days: Option<i64>, warn: i64, critical: i64) -> Status {
    match days {
        None if row.error.is_none() => Status::NotApplicable,
        None => Status::Error,
        Some(d) if d < 0 => Status::Expired,
        Some(d) if d <= critical => Status::Critical,
        Some(d) if d <= warn => Status::Warn,
        Some(_) => Status::Ok,
    }
}

/// The renewal trap: the file on disk was renewed but the front door still serves the old one.
pub fn renewal_note(on_disk_until: jiff::Timestamp, front_door: &str) -> String {
    format!(
        "renewed on disk (valid until {}) but not served: reload the front door (systemctl reload {front_door})",
        on_disk_until.strftime("%Y-%m-%d")
    )
}

/// What a PKI file is, from its path.
pub fn pki_role(path: &str) -> Option<String> {
    let stem = path.rsplit('/').next()?.trim_end_matches(".crt");
    let role = stem.replace('-', " ").replace("ca", "CA");
    if path.starts_with("/etc/kubernetes/pki/etcd/") {
        Some(format!("kubeadm etcd {role}"))
    } else if path.starts_with("/etc/kubernetes/pki/") {
        Some(format!("kubeadm {role}"))
    } else if path.starts_with("/var/lib/rancher/k3s/server/tls/") {
        Some(format!("k3s {role}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert_eq!(pki_role("/etc/kubernetes/pki/apiserver.crt").as_deref(), Some("kubeadm apiserver"));
        assert_eq!(pki_role("/etc/kubernetes/pki/etcd/server.crt").as_deref(), Some("kubeadm etcd server"));
        assert_eq!(pki_role("/var/lib/rancher/k3s/server/tls/server-ca.crt").as_deref(), Some("k3s server CA"));
        assert_eq!(pki_role("/etc/letsencrypt/live/x/fullchain.pem"), None);
    }
}
