//! Cluster credentials that lock people out after a year: for every kubeconfig context, the
//! client certificate and the cluster CA (embedded data or files), and which contexts use a
//! token or an exec plugin instead. KUBECONFIG may list several files, merged as kubectl does
//! (the first file naming a context, cluster or user wins). A missing, empty or broken file is
//! a row with an error, never a crash.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::x509::{CertInfo, first_from_pem};

#[derive(Debug, Default, Deserialize)]
struct Kubeconfig {
    #[serde(default)]
    contexts: Vec<Named<Context>>,
    #[serde(default)]
    clusters: Vec<Named<Cluster>>,
    #[serde(default)]
    users: Vec<Named<User>>,
}

#[derive(Debug, Deserialize)]
struct Named<T> {
    name: String,
    #[serde(alias = "context", alias = "cluster", alias = "user")]
    value: Option<T>,
}

#[derive(Debug, Default, Deserialize)]
struct Context {
    cluster: Option<String>,
    user: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Cluster {
    #[serde(rename = "certificate-authority-data")]
    ca_data: Option<String>,
    #[serde(rename = "certificate-authority")]
    ca_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct User {
    #[serde(rename = "client-certificate-data")]
    cert_data: Option<String>,
    #[serde(rename = "client-certificate")]
    cert_file: Option<String>,
    token: Option<String>,
    #[serde(rename = "tokenFile")]
    token_file: Option<String>,
    exec: Option<serde_yaml::Value>,
    #[serde(rename = "auth-provider")]
    auth_provider: Option<serde_yaml::Value>,
}

/// One credential of one context.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KubeCred {
    pub context: String,
    /// "client certificate", "cluster CA", "token", "exec plugin", …
    pub what: String,
    /// Where it came from (the kubeconfig file, or the file it points to).
    pub source: String,
    pub info: Option<CertInfo>,
    /// Why there is no certificate to check (token/exec), or what went wrong.
    pub note: Option<String>,
    pub error: Option<String>,
}

/// The kubeconfig files kubectl would read: $KUBECONFIG (':'-separated) or ~/.kube/config.
pub fn files() -> Vec<PathBuf> {
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(v) => std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()).collect(),
        None => vec![crate::config::paths::expand_tilde("~/.kube/config")],
    }
}

fn decode_pem(data: &str) -> Result<CertInfo, String> {
    let pem = data_encoding::BASE64.decode(data.trim().as_bytes()).map_err(|e| format!("bad base64: {e}"))?;
    first_from_pem(&pem)
}

fn read_pem(path: &str, base: &Path) -> Result<CertInfo, String> {
    let p = base.parent().map(|d| d.join(path)).unwrap_or_else(|| PathBuf::from(path));
    let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    first_from_pem(&bytes)
}

/// Every context's credentials from the given files; `files_explicit` marks files the user
/// named (a missing one is reported), as opposed to the default path.
pub fn credentials(paths: &[PathBuf], files_explicit: bool) -> Vec<KubeCred> {
    let mut configs: Vec<(PathBuf, Kubeconfig)> = Vec::new();
    let mut out = Vec::new();
    for p in paths {
        match std::fs::read_to_string(p) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => match serde_yaml::from_str::<Kubeconfig>(&text) {
                Ok(k) => configs.push((p.clone(), k)),
                Err(e) => out.push(error_row(p, format!("not a kubeconfig: {e}"))),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !files_explicit => {}
            Err(e) => out.push(error_row(p, e.to_string())),
        }
    }
    let find_cluster = |name: &str| configs.iter().find_map(|(p, k)| k.clusters.iter().find(|c| c.name == name).map(|c| (p, c)));
    let find_user = |name: &str| configs.iter().find_map(|(p, k)| k.users.iter().find(|u| u.name == name).map(|u| (p, u)));
    let mut seen: Vec<String> = Vec::new();
    for (path, k) in &configs {
        for ctx in &k.contexts {
            if seen.contains(&ctx.name) {
                continue;
            }
            seen.push(ctx.name.clone());
            let Some(c) = &ctx.value else { continue };
            let row = |what: &str, source: &Path, r: Result<CertInfo, String>| KubeCred {
                context: ctx.name.clone(),
                what: what.to_string(),
                source: source.display().to_string(),
                info: r.as_ref().ok().cloned(),
                note: None,
                error: r.err(),
            };
            if let Some((p, cluster)) = c.cluster.as_deref().and_then(find_cluster)
                && let Some(cl) = &cluster.value
            {
                if let Some(d) = &cl.ca_data {
                    out.push(row("cluster CA", p, decode_pem(d)));
                } else if let Some(f) = &cl.ca_file {
                    out.push(row("cluster CA", Path::new(f), read_pem(f, p)));
                }
            }
            if let Some((p, user)) = c.user.as_deref().and_then(find_user)
                && let Some(u) = &user.value
            {
                if let Some(d) = &u.cert_data {
                    out.push(row("client certificate", p, decode_pem(d)));
                } else if let Some(f) = &u.cert_file {
                    out.push(row("client certificate", Path::new(f), read_pem(f, p)));
                }
                let other = if u.exec.is_some() {
                    Some("exec plugin (doctl, aws, gke…): expiry is the plugin's")
                } else if u.auth_provider.is_some() {
                    Some("auth provider: expiry is the provider's")
                } else if u.token.is_some() || u.token_file.is_some() {
                    Some("bearer token: no expiry fleet can read")
                } else {
                    None
                };
                if let Some(note) = other {
                    out.push(KubeCred {
                        context: ctx.name.clone(),
                        what: note.split(':').next().unwrap_or(note).to_string(),
                        source: p.display().to_string(),
                        info: None,
                        note: Some(note.to_string()),
                        error: None,
                    });
                }
            }
        }
        let _ = path;
    }
    out
}

fn error_row(p: &Path, e: String) -> KubeCred {
    KubeCred { context: String::new(), what: "kubeconfig".into(), source: p.display().to_string(), info: None, note: None, error: Some(e) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &[u8] = include_bytes!("../../fixtures/certs/shop.lab.test.pem");

    #[test]
    fn contexts_certs_tokens_and_exec() {
        let dir = tempfile::tempdir().unwrap();
        let data = data_encoding::BASE64.encode(PEM);
        std::fs::write(dir.path().join("ca.crt"), PEM).unwrap();
        let a = dir.path().join("a.yaml");
        std::fs::write(&a, format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: k3s\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: {data}\n- name: doks\n  cluster:\n    certificate-authority: ca.crt\ncontexts:\n- name: k3s\n  context: {{cluster: k3s, user: admin}}\n- name: doks\n  context: {{cluster: doks, user: do}}\nusers:\n- name: admin\n  user:\n    client-certificate-data: {data}\n- name: do\n  user:\n    exec: {{command: doctl}}\n"
        )).unwrap();
        let b = dir.path().join("b.yaml");
        std::fs::write(&b, "contexts:\n- name: k3s\n  context: {cluster: other, user: other}\n- name: tok\n  context: {cluster: k3s, user: t}\nusers:\n- name: t\n  user: {token: abc}\n").unwrap();
        let rows = credentials(&[a.clone(), b.clone()], true);
        let get = |ctx: &str, what: &str| rows.iter().find(|r| r.context == ctx && r.what == what);
        assert_eq!(get("k3s", "client certificate").unwrap().info.as_ref().unwrap().subject, "CN=shop.lab.test");
        assert!(get("k3s", "cluster CA").unwrap().info.is_some(), "the first file's k3s wins over b.yaml's");
        assert!(get("doks", "cluster CA").unwrap().info.is_some(), "a CA file relative to the kubeconfig");
        assert!(get("doks", "exec plugin (doctl, aws, gke…)").is_some(), "{rows:?}");
        assert!(get("tok", "bearer token").is_some(), "{rows:?}");
        assert!(!format!("{rows:?}").contains("abc"), "a token never shows");
    }

    #[test]
    fn broken_missing_and_empty_files_are_rows_not_crashes() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        let broken = dir.path().join("broken");
        std::fs::write(&broken, "contexts: [unclosed").unwrap();
        let rows = credentials(&[empty, broken, dir.path().join("missing")], true);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows.iter().all(|r| r.error.is_some()));
        assert!(credentials(&[dir.path().join("missing")], false).is_empty(), "no ~/.kube/config is nothing to report");
    }
}
