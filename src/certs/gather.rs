//! Reading what a machine's certificate files say, and whether a domain is an app's.

use super::x509::{CertInfo, first_from_pem};

/// Parses `commands::cert_files` output into (path, parsed certificate or error).
pub fn parse_files(output: &str) -> Vec<(String, Result<CertInfo, String>)> {
    let mut out = Vec::new();
    let mut lines = output.lines();
    while let Some(l) = lines.next() {
        let Some(path) = l.strip_prefix("@@fleet cert ") else { continue };
        let b64 = lines.next().unwrap_or("");
        // A file named twice (a Let's Encrypt path that nginx also names) is one certificate.
        if out.iter().any(|(p, _)| p == path) {
            continue;
        }
        let parsed = data_encoding::BASE64
            .decode(b64.trim().as_bytes())
            .map_err(|e| format!("unreadable: {e}"))
            .and_then(|pem| first_from_pem(&pem));
        out.push((path.to_string(), parsed));
    }
    out
}

/// Whether a domain is the app's by convention: its first label is the app's name
/// (`shop.example.com`, `www.shop.example.com`).
pub fn named_for(domain: &str, app: &str) -> bool {
    let mut labels = domain.split('.');
    match labels.next() {
        Some("www") => labels.next() == Some(app),
        Some(first) => first == app,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_named_for_an_app() {
        assert!(named_for("shop.lab.test", "shop"));
        assert!(named_for("www.shop.example.com", "shop"));
        assert!(!named_for("shopping.example.com", "shop"));
        assert!(!named_for("api.shop.example.com", "shop"));
    }
}
