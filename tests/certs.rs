//! Certificate reading without any host: kubeconfig credentials whose certificates are made here
//! (rcgen) with known dates give exactly those expiries; hostile or corrupt PEM and DER give a
//! row with an error, never a panic.

use fleet::certs::kubeconfig::credentials;
use fleet::certs::x509::{first_from_pem, from_der};

struct Made {
    pem: String,
    der: Vec<u8>,
}

/// A CA valid until `ca_until`, and a client certificate it signed, valid until `client_until`.
fn ca_and_client(ca_until: (i32, u8, u8), client_until: (i32, u8, u8)) -> (Made, Made) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(rcgen::DnType::CommonName, "k3s-server-ca");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.not_before = rcgen::date_time_ymd(2024, 1, 1);
    ca.not_after = rcgen::date_time_ymd(ca_until.0, ca_until.1, ca_until.2);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca, &ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let mut client = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    client.distinguished_name.push(rcgen::DnType::CommonName, "system:admin");
    client.not_before = rcgen::date_time_ymd(2025, 1, 1);
    client.not_after = rcgen::date_time_ymd(client_until.0, client_until.1, client_until.2);
    let client_cert = client.signed_by(&key, &issuer).unwrap();
    (Made { pem: ca_cert.pem(), der: ca_cert.der().to_vec() }, Made { pem: client_cert.pem(), der: client_cert.der().to_vec() })
}

fn b64(s: &[u8]) -> String {
    data_encoding::BASE64.encode(s)
}

fn date(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d").to_string()
}

#[test]
fn kubeconfig_certificates_with_known_dates() {
    let (ca, client) = ca_and_client((2034, 1, 1), (2026, 12, 6));
    let (_, expired) = ca_and_client((2030, 6, 1), (2025, 11, 1));
    let dir = tempfile::tempdir().unwrap();
    // One context with embedded data, one with files (the DER file is read as well).
    std::fs::write(dir.path().join("client.crt"), &expired.pem).unwrap();
    std::fs::write(dir.path().join("ca.der"), &ca.der).unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: k3s\nclusters:\n- name: k3s\n  cluster:\n    server: https://127.0.0.1:6443\n    certificate-authority-data: {}\n- name: old\n  cluster:\n    server: https://127.0.0.1:6444\n    certificate-authority: ca.der\ncontexts:\n- name: k3s\n  context: {{cluster: k3s, user: admin}}\n- name: old\n  context: {{cluster: old, user: old-admin}}\nusers:\n- name: admin\n  user:\n    client-certificate-data: {}\n- name: old-admin\n  user:\n    client-certificate: client.crt\n",
            b64(ca.pem.as_bytes()),
            b64(client.pem.as_bytes())
        ),
    )
    .unwrap();
    let rows = credentials(&[path], true);
    let get = |ctx: &str, what: &str| {
        rows.iter().find(|r| r.context == ctx && r.what == what).unwrap_or_else(|| panic!("{ctx} {what}: {rows:?}"))
    };
    let c = get("k3s", "client certificate").info.as_ref().unwrap();
    assert_eq!(date(c.not_after), "2026-12-06");
    assert_eq!(c.subject, "CN=system:admin");
    assert_eq!(c.issuer, "CN=k3s-server-ca");
    let k3s_ca = get("k3s", "cluster CA").info.as_ref().unwrap();
    assert_eq!(date(k3s_ca.not_after), "2034-01-01");
    assert!(k3s_ca.is_ca);
    assert_eq!(date(get("old", "client certificate").info.as_ref().unwrap().not_after), "2025-11-01");
    let der_ca = get("old", "cluster CA");
    // A DER file where kubectl expects PEM is a clear error (kubectl would fail too).
    assert!(der_ca.info.is_none(), "{der_ca:?}");
    assert!(der_ca.error.as_deref().unwrap().contains("PEM only"), "{der_ca:?}");
}

#[test]
fn the_cli_reports_them_with_days_left_and_exit_status() {
    let (ca, client) = ca_and_client((2034, 1, 1), (2025, 11, 1));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n    certificate-authority-data: {}\ncontexts:\n- name: prod\n  context: {{cluster: c, user: u}}\nusers:\n- name: u\n  user:\n    client-certificate-data: {}\n",
            b64(ca.pem.as_bytes()),
            b64(client.pem.as_bytes())
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleet"))
        .args(["--config", "/dev/null", "certs", "--json"])
        .env("KUBECONFIG", &path)
        .env("HOME", dir.path())
        .env_remove("FLEET_CONFIG")
        .output()
        .unwrap();
    // No host in the (empty) inventory but the local machine: kubeconfig rows are what counts.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let client = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["host"] == "kube:prod" && r["what"] == "client certificate")
        .expect("the client certificate row");
    assert_eq!(client["status"], "expired");
    assert_eq!(client["info"]["not_after"], "2025-11-01T00:00:00Z");
    assert_eq!(out.status.code(), Some(1), "an expired credential fails cron and CI");
}

#[test]
fn hostile_and_corrupt_certificates_are_errors_not_panics() {
    let (_, good) = ca_and_client((2034, 1, 1), (2027, 1, 1));
    let garbage_der = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let truncated = {
        let lines: Vec<&str> = good.pem.lines().collect();
        let mut t = lines[..lines.len() / 2].join("\n");
        t.push_str("\n-----END CERTIFICATE-----\n");
        t
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("not PEM", b"hello\x1b[31m world".to_vec()),
        ("garbage DER", garbage_der.as_bytes().to_vec()),
        ("truncated", truncated.into_bytes()),
        ("a key, no certificate", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec()),
        ("unterminated", b"-----BEGIN CERTIFICATE-----\nMIIB".to_vec()),
    ];
    for (name, bytes) in &cases {
        assert!(first_from_pem(bytes).is_err(), "{name} is not a certificate");
    }
    // Every prefix of a real DER certificate, and bit flips through it.
    for n in 0..good.der.len() {
        let _ = from_der(&good.der[..n]);
    }
    let mut flipped = good.der.clone();
    for i in 0..flipped.len() {
        flipped[i] ^= 0x5a;
        let _ = from_der(&flipped);
        flipped[i] ^= 0x5a;
    }
    assert!(from_der(&good.der).is_ok());

    // The same inside a kubeconfig: one row per bad credential, with its error.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "clusters:\n- name: c\n  cluster:\n    server: https://x\n    certificate-authority-data: '!!not base64!!'\ncontexts:\n- name: a\n  context: {{cluster: c, user: u}}\n- name: b\n  context: {{cluster: missing, user: nobody}}\nusers:\n- name: u\n  user:\n    client-certificate-data: {}\n",
            b64(garbage_der.as_bytes())
        ),
    )
    .unwrap();
    let rows = credentials(&[path], true);
    let a: Vec<_> = rows.iter().filter(|r| r.context == "a").collect();
    assert_eq!(a.len(), 2, "{rows:?}");
    assert!(a.iter().all(|r| r.error.is_some() && r.info.is_none()), "{rows:?}");
    assert!(rows.iter().all(|r| r.error.as_deref().is_none_or(|e| !e.contains('\x1b'))));
}
