//! Certificate facts from DER or PEM: subject, SANs, issuer, notAfter, serial.

use jiff::Timestamp;
use x509_parser::prelude::*;

pub use crate::model::cert::CertInfo;

pub fn from_der(der: &[u8]) -> Result<CertInfo, String> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| format!("not a certificate: {e}"))?;
    let not_after = Timestamp::from_second(cert.validity().not_after.timestamp()).map_err(|e| e.to_string())?;
    let sans = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    GeneralName::IPAddress(ip) if ip.len() == 4 => Some(format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3])),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        sans,
        issuer: cert.issuer().to_string(),
        not_after,
        serial: cert.raw_serial_as_string(),
        is_ca: cert.is_ca(),
    })
}

/// The first certificate of a PEM file (the leaf of a fullchain.pem).
pub fn first_from_pem(pem: &[u8]) -> Result<CertInfo, String> {
    for item in Pem::iter_from_buffer(pem) {
        let p = item.map_err(|e| format!("bad PEM: {e}"))?;
        if p.label == "CERTIFICATE" {
            return from_der(&p.contents);
        }
    }
    Err("no PEM CERTIFICATE block in the file (kubectl and nginx read PEM only)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_certificate() {
        let c = first_from_pem(include_bytes!("../../fixtures/certs/shop.lab.test.pem")).unwrap();
        assert_eq!(c.subject, "CN=shop.lab.test");
        assert_eq!(c.sans, ["shop.lab.test"]);
        assert_eq!(c.issuer, "CN=shop.lab.test", "self-signed");
        assert!(c.not_after > "2026-11-01T00:00:00Z".parse().unwrap());
        assert!(first_from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err());
        assert!(first_from_pem(b"garbage").is_err());
    }
}
