//! A machine's certificates: what each front door serves (a TLS handshake with SNI through the
//! transport), the certificate files on disk, and "renewed on disk but not served".

use super::commands;
use crate::certs::gather::{named_for, parse_files};
use crate::certs::tls::served_leaf;
use crate::certs::{CertRow, CertSource, pki_role};
use crate::discovery::sections;
use crate::model::{HostError, HostErrorKind, HostReport};
use crate::transport::Transport;

pub async fn host_certs(transport: &Transport, report: &HostReport) -> Result<Vec<CertRow>, HostError> {
    let as_root = report.facts.uid == Some(0);
    // The front door's config (same read as the add-ons').
    let out = transport.exec(&commands::addons_script(as_root)).await?;
    let text = String::from_utf8_lossy(&out.stdout);
    let s = sections::split(&text);
    if !s.complete {
        return Err(HostError::new(HostErrorKind::Command, "the front door's config could not be read"));
    }
    let routes: Vec<_> = crate::addons::front_door_routes(&s).into_iter().filter(|(_, r)| r.tls).collect();
    let extra: Vec<String> = routes.iter().filter_map(|(_, r)| r.cert_file.clone()).collect();
    let files_out = transport.exec(&commands::cert_files(&extra, as_root)).await?;
    let files = parse_files(&String::from_utf8_lossy(&files_out.stdout));
    let host = report.host.clone();
    let mut rows = Vec::new();
    for (kind, r) in &routes {
        let port = r.tls_port.unwrap_or(443);
        for domain in &r.domains {
            let served = served_leaf(transport, "127.0.0.1", port, domain).await.and_then(|der| crate::certs::x509::from_der(&der));
            // The file this server should be serving: its configured certificate, else Let's
            // Encrypt's, else the one Caddy keeps for the domain.
            let le = format!("/etc/letsencrypt/live/{domain}/fullchain.pem");
            let caddy = format!("/{domain}/{domain}.crt");
            let disk = files
                .iter()
                .find(|(p, _)| Some(p) == r.cert_file.as_ref() || *p == le || (p.starts_with("/var/lib/caddy/") && p.ends_with(&caddy)))
                .and_then(|(_, c)| c.as_ref().ok());
            let note = match (&served, disk) {
                (Ok(sv), Some(d)) if d.serial != sv.serial && d.not_after > sv.not_after => {
                    Some(crate::certs::renewal_note(d.not_after, kind.label()))
                }
                _ => None,
            };
            let (info, error) = match served {
                Ok(i) => (Some(i), None),
                Err(e) => (None, Some(e)),
            };
            rows.push(CertRow {
                host: host.clone(),
                what: domain.clone(),
                source: CertSource::Served { addr: format!("127.0.0.1:{port}"), domain: domain.clone() },
                info,
                error,
                note,
            });
        }
    }
    for (path, parsed) in files {
        let what = pki_role(&path).unwrap_or_else(|| {
            path.strip_prefix("/etc/letsencrypt/live/")
                .and_then(|p| p.split('/').next())
                .or_else(|| path.strip_prefix("/var/lib/caddy/").and_then(|p| p.rsplit('/').nth(1)))
                .map(|d| format!("{d} (file)"))
                .unwrap_or_else(|| path.clone())
        });
        let (info, error) = match parsed {
            Ok(i) => (Some(i), None),
            Err(e) => (None, Some(e)),
        };
        rows.push(CertRow { host: host.clone(), what, source: CertSource::File { path }, info, error, note: None });
    }
    Ok(rows)
}

/// The certificates of one app's domains on one host: the front door's server names that carry
/// the app's name, and the domains fleet.toml gives it (each checked on 127.0.0.1:443 with SNI
/// even when the front door's config does not name it, e.g. Caddy or Traefik).
pub async fn app_certs(transport: &Transport, report: &HostReport, app: &str, domains: &[String]) -> Result<Vec<CertRow>, HostError> {
    let ours = |d: &str| named_for(d, app) || domains.iter().any(|x| x.eq_ignore_ascii_case(d));
    let mut rows: Vec<CertRow> = host_certs(transport, report)
        .await?
        .into_iter()
        .filter(|r| match &r.source {
            CertSource::Served { domain, .. } => ours(domain),
            CertSource::File { path } => {
                path.strip_prefix("/etc/letsencrypt/live/").and_then(|p| p.split('/').next()).is_some_and(ours)
                    || r.info.as_ref().is_some_and(|i| i.sans.iter().any(|s| ours(s)))
            }
            CertSource::Kube { .. } => r.info.as_ref().is_some_and(|i| i.sans.iter().any(|s| ours(s))),
            CertSource::Kubeconfig { .. } | CertSource::Dokku { .. } => false,
        })
        .collect();
    for d in domains {
        let seen = rows.iter().any(|r| matches!(&r.source, CertSource::Served { domain, .. } if domain.eq_ignore_ascii_case(d)));
        if seen || !crate::text::is_domain(d) {
            continue;
        }
        let served = served_leaf(transport, "127.0.0.1", 443, d).await.and_then(|der| crate::certs::x509::from_der(&der));
        let (info, error) = match served {
            Ok(i) => (Some(i), None),
            Err(e) => (None, Some(e)),
        };
        rows.push(CertRow {
            host: report.host.clone(),
            what: d.clone(),
            source: CertSource::Served { addr: "127.0.0.1:443".into(), domain: d.clone() },
            info,
            error,
            note: None,
        });
    }
    Ok(rows)
}
