//! A Dokku app's certificate and domains as Dokku reports them: `certs:report APP --format json`
//! (its `--ssl-*` flags: enabled, hostnames, expires-at as openssl prints `Not After`, issuer,
//! subject, verified), `domains:report APP --format json` (`domains-app-vhosts`) and
//! `letsencrypt:active APP` where the letsencrypt plugin is installed. A domain Dokku serves
//! without a certificate is a row too, saying so.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::model::HostId;
use crate::model::cert::{CertInfo, CertRow, CertSource};
use crate::platform::machine::commands::privileged;
use crate::transport::quote::quote;

/// One round trip for every app: sections `certs-APP`, `domains-APP` and `le-APP`, and
/// `le-cron`: how many lines of the dokku user's crontab run `letsencrypt:auto-renew` (what
/// `letsencrypt:cron-job --add` installs).
pub fn script(apps: &[String], as_root: bool) -> String {
    let d = format!("{}dokku", privileged(as_root));
    let p = privileged(as_root);
    let mut s = format!(
        "if {d} plugin:installed letsencrypt >/dev/null 2>&1; then echo '@@fleet le-cron'; ({p}crontab -u dokku -l 2>/dev/null || {p}cat /var/spool/cron/crontabs/dokku 2>/dev/null) | grep -c 'letsencrypt:auto-renew'; fi\n"
    );
    for a in apps {
        let q = quote(a);
        s.push_str(&format!(
            "echo '@@fleet certs-{a}'; {d} certs:report {q} --format json 2>&1\necho '@@fleet domains-{a}'; {d} domains:report {q} --format json 2>&1\n"
        ));
        s.push_str(&format!(
            "if {d} plugin:installed letsencrypt >/dev/null 2>&1; then echo '@@fleet le-{a}'; {d} letsencrypt:active {q} 2>&1; fi\n"
        ));
    }
    s
}

/// A report's field by its flag name, whether Dokku kept the `ssl-`/`domains-` prefix or not.
fn field<'a>(m: &'a BTreeMap<String, String>, prefix: &str, name: &str) -> Option<&'a str> {
    m.get(&format!("{prefix}-{name}")).or_else(|| m.get(name)).map(String::as_str)
}

/// openssl's `Not After` (`Jan  1 00:00:00 2027 GMT`).
pub fn openssl_time(s: &str) -> Option<Timestamp> {
    let w: Vec<&str> = s.split_whitespace().collect();
    let [mon, day, hms, year, ..] = w[..] else { return None };
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].iter().position(|m| *m == mon)? + 1;
    let mut t = hms.split(':').map(|p| p.parse::<i8>().ok());
    let (h, mi, sec) = (t.next()??, t.next()??, t.next()??);
    let dt = jiff::civil::DateTime::new(year.parse().ok()?, month as i8, day.parse().ok()?, h, mi, sec, 0).ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// The app's rows: its certificate (for its hostnames), and each vhost no certificate covers.
/// `le_cron`: whether dokku-letsencrypt's auto-renew cron job is installed (None: no plugin).
pub fn rows(host: &HostId, app: &str, certs: Option<&str>, domains: Option<&str>, le: Option<&str>, le_cron: Option<bool>) -> Vec<CertRow> {
    let parse = |t: Option<&str>| t.and_then(|t| serde_json::from_str::<BTreeMap<String, String>>(t.trim()).ok());
    let source = CertSource::Dokku { app: app.to_string() };
    let mut out = Vec::new();
    let c = parse(certs);
    let vhosts: Vec<String> = parse(domains)
        .and_then(|d| field(&d, "domains", "app-vhosts").map(|v| v.split_whitespace().map(String::from).collect()))
        .unwrap_or_default();
    let le_active = le.map(|l| l.trim() == "true");
    let mut covered: Vec<String> = Vec::new();
    match &c {
        Some(m) if field(m, "ssl", "enabled") == Some("true") => {
            let hostnames: Vec<String> = field(m, "ssl", "hostnames").unwrap_or("").split_whitespace().map(String::from).collect();
            covered.clone_from(&hostnames);
            let expires = field(m, "ssl", "expires-at").unwrap_or("");
            let (info, error) = match openssl_time(expires) {
                Some(not_after) => (
                    Some(CertInfo {
                        subject: field(m, "ssl", "subject").unwrap_or("").to_string(),
                        sans: hostnames.clone(),
                        issuer: field(m, "ssl", "issuer").unwrap_or("").to_string(),
                        not_after,
                        serial: field(m, "ssl", "serial").unwrap_or("").to_string(),
                        is_ca: false,
                    }),
                    None,
                ),
                None => (None, Some(format!("certs:report gave no expiry fleet can read ({expires:?})"))),
            };
            let note = match (le_active, field(m, "ssl", "verified")) {
                (Some(true), _) if le_cron == Some(false) => Some(
                    "Let's Encrypt, but no auto-renew cron job: it expires unless renewed by hand (dokku letsencrypt:cron-job --add)"
                        .to_string(),
                ),
                (Some(true), _) => Some("Let's Encrypt, renewed by dokku-letsencrypt's daily cron job".to_string()),
                (Some(false), Some("self signed")) => Some("self-signed, not from Let's Encrypt".to_string()),
                (Some(false), _) => Some(format!("not renewed by Let's Encrypt (dokku letsencrypt:enable {app})")),
                (None, Some("self signed")) => Some("self-signed".to_string()),
                (None, _) => None,
            };
            let what = hostnames.first().cloned().or_else(|| vhosts.first().cloned()).unwrap_or_else(|| app.to_string());
            out.push(CertRow { host: host.clone(), what, source: source.clone(), info, error, note });
        }
        Some(_) => {}
        None if certs.is_some() => out.push(CertRow {
            host: host.clone(),
            what: app.to_string(),
            source: source.clone(),
            info: None,
            error: Some(format!("dokku certs:report {app}: {}", certs.unwrap_or("").trim())),
            note: None,
        }),
        None => {}
    }
    for v in vhosts.iter().filter(|v| !covered.iter().any(|c| c == *v || wildcard(c, v))) {
        out.push(CertRow {
            host: host.clone(),
            what: v.clone(),
            source: source.clone(),
            info: None,
            error: None,
            note: Some(format!("served over plain http: no certificate (dokku letsencrypt:enable {app}, or certs:add)")),
        });
    }
    out
}

fn wildcard(pattern: &str, name: &str) -> bool {
    pattern.strip_prefix("*.").is_some_and(|base| name.split_once('.').is_some_and(|(_, rest)| rest == base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lets_encrypt_without_its_cron_job_is_said() {
        let certs = r#"{"enabled":"true","expires-at":"Jun 20 10:00:00 2027 GMT","hostnames":"blog.lab.test","verified":"verified by a certificate authority"}"#;
        let note = |cron| rows(&HostId("h".into()), "blog", Some(certs), None, Some("true"), cron)[0].note.clone().unwrap();
        assert!(note(Some(false)).contains("no auto-renew cron job"), "{}", note(Some(false)));
        assert!(note(Some(true)).contains("renewed by dokku-letsencrypt's daily cron job"));
    }

    #[test]
    fn openssl_times() {
        assert_eq!(openssl_time("Jan  1 00:00:00 2027 GMT"), "2027-01-01T00:00:00Z".parse().ok());
        assert_eq!(openssl_time("Dec 24 13:05:09 2026 GMT"), "2026-12-24T13:05:09Z".parse().ok());
        assert_eq!(openssl_time(""), None);
    }

    #[test]
    fn a_certificate_and_a_vhost_it_does_not_cover() {
        let fixture = |f: &str| std::fs::read_to_string(format!("{}/fixtures/dokku/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let (certs, domains) = (fixture("0.37/certs-report-blog.json"), fixture("0.38/domains-report-blog.json"));
        let (certs, domains) = (certs.as_str(), domains.as_str());
        let r = rows(&HostId("lab-2".into()), "blog", Some(certs), Some(domains), Some("false"), Some(true));
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].what, "blog.lab.test");
        assert_eq!(r[0].info.as_ref().map(|i| i.not_after), "2027-06-20T10:00:00Z".parse().ok());
        assert_eq!(r[0].note.as_deref(), Some("self-signed, not from Let's Encrypt"));
        assert_eq!(r[1].what, "www.blog.lab.test");
        assert!(r[1].note.as_deref().unwrap().contains("plain http"), "{r:?}");
        // 0.38 trims the `ssl-` prefix from the keys: read the same.
        let trimmed = fixture("0.38/certs-report-blog.json");
        assert_eq!(rows(&HostId("lab-2".into()), "blog", Some(&trimmed), Some(domains), Some("false"), Some(true)), r);
        // No TLS and no domains: nothing to show.
        assert!(rows(&HostId("lab-2".into()), "api", Some(r#"{"ssl-enabled":"false"}"#), Some("{}"), None, None).is_empty());
    }
}
