//! Certificates inside the warning window, expired, unreadable, or renewed but not served.

use jiff::Timestamp;

use crate::certs::{CertRow, CertSource, Status, status};
use crate::config::metrics::CertsConfig;
use crate::model::problem::{Area, Problem, Severity};

pub fn problems(rows: &[CertRow], limits: &CertsConfig, now: Timestamp) -> Vec<Problem> {
    let mut out = Vec::new();
    // The file a front door serves is the same certificate: one problem, the served one.
    let served: Vec<(&crate::model::HostId, &str)> = rows
        .iter()
        .filter(|r| matches!(r.source, CertSource::Served { .. }))
        .filter_map(|r| r.info.as_ref().map(|i| (&r.host, i.serial.as_str())))
        .collect();
    for r in rows {
        let same_as_served =
            matches!(r.source, CertSource::File { .. }) && r.info.as_ref().is_some_and(|i| served.contains(&(&r.host, i.serial.as_str())));
        if same_as_served {
            continue;
        }
        let days = r.days_left(now);
        let st = status(r, days, limits.warn_days(), limits.critical_days());
        let (severity, message) = match (st, days) {
            (Status::Expired, Some(d)) => (Severity::Critical, format!("{} expired {} d ago", r.what, -d)),
            (Status::Critical, Some(d)) => (Severity::Critical, format!("{} expires in {d} d", r.what)),
            (Status::Warn, Some(d)) => (Severity::Warn, format!("{} expires in {d} d", r.what)),
            (Status::Error, _) => (Severity::Warn, format!("{} cannot be read: {}", r.what, r.error.as_deref().unwrap_or(""))),
            // Served (or a cluster's), and something to act on: renewed but not served, a
            // cert-manager Certificate that is not Ready.
            _ if r.note.is_some() && matches!(r.source, CertSource::Served { .. } | CertSource::Kube { .. }) => {
                (Severity::Warn, format!("{}: {}", r.what, r.note.as_deref().unwrap_or("")))
            }
            _ => continue,
        };
        out.push(Problem {
            severity,
            area: Area::Certs,
            host: Some(r.host.clone()),
            app: None,
            subject: format!("{} ({})", r.what, r.source.label()),
            message,
            since: None,
            fix: match (&r.source, &r.note) {
                (CertSource::Served { .. }, Some(note)) if note.contains("reload") => note.clone(),
                (CertSource::Kubeconfig { .. }, _) => "renew the credential (your provider's CLI writes a new kubeconfig)".into(),
                (CertSource::Kube { .. }, _) => "check cert-manager: kubectl describe certificate".into(),
                (CertSource::Dokku { app }, _) => {
                    format!("renew it through Dokku: dokku letsencrypt:enable {app} (or certs:update {app} with the new files)")
                }
                _ => "renew it (certbot renew, or your ACME client) and reload what serves it".into(),
            },
        });
    }
    out
}
