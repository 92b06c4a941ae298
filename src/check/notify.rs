//! `fleet check --notify URL`: the problems that are new since the last run, posted to a
//! webhook as JSON a Slack or Discord incoming webhook takes (`text` and `content`), with the
//! problems themselves beside them for anything else. Which problems were already sent is kept
//! per URL under the XDG state directory, so a cron job repeats nothing; a problem that went
//! away and came back is new again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::model::problem::Problem;

/// The keys sent to each URL (by the URL's hash: the file never holds a webhook's secret).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Sent {
    pub by_url: BTreeMap<String, Vec<String>>,
}

pub fn state_path() -> Option<PathBuf> {
    let dirs = crate::config::paths::project_dirs()?;
    let dir = dirs.state_dir().map(PathBuf::from).unwrap_or_else(|| dirs.data_local_dir().to_path_buf());
    Some(dir.join("check-notified.json"))
}

fn url_id(url: &str) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(url.as_bytes()))[..16].to_string()
}

impl Sent {
    pub fn load(path: &std::path::Path) -> Sent {
        std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
    }

    /// Written whole, then renamed: a cut-off run leaves the old file.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(self).map_err(std::io::Error::other)?)?;
        std::fs::rename(tmp, path)
    }

    /// The problems not sent to `url` last time.
    pub fn new_for<'a>(&self, url: &str, problems: &'a [Problem]) -> Vec<&'a Problem> {
        let seen = self.by_url.get(&url_id(url));
        problems.iter().filter(|p| !seen.is_some_and(|s| s.contains(&p.key()))).collect()
    }

    /// After a successful post: what is current now (so one that cleared and comes back is new).
    pub fn remember(&mut self, url: &str, problems: &[Problem]) {
        self.by_url.insert(url_id(url), problems.iter().map(Problem::key).collect());
    }
}

/// The webhook body: one readable message, and the problems as data.
pub fn body(new: &[&Problem]) -> serde_json::Value {
    let mut text = format!("fleet check: {} new problem(s)", new.len());
    for p in new.iter().take(20) {
        text.push_str(&format!("\n• [{}] {}: {} — {}", p.severity.label(), p.place(), p.message, p.fix));
    }
    if new.len() > 20 {
        text.push_str(&format!("\n… and {} more (fleet check)", new.len() - 20));
    }
    serde_json::json!({ "text": text, "content": text.chars().take(1900).collect::<String>(), "problems": new })
}

/// POSTs `body` to an http:// or https:// URL; the status code.
pub async fn post(url: &str, body: &serde_json::Value) -> Result<u16, String> {
    let (tls, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(r), _) => (true, r),
        (_, Some(r)) => (false, r),
        _ => return Err(format!("{url:?}: --notify takes an http:// or https:// URL")),
    };
    let (authority, path) = rest.split_once('/').map(|(a, p)| (a, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().map_err(|_| format!("{url:?}: bad port"))?),
        None => (authority.to_string(), if tls { 443 } else { 80 }),
    };
    if host.is_empty() || !crate::text::is_domain(&host) && host.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("{url:?}: bad host"));
    }
    let payload = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: fleet\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    let talk = async {
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await.map_err(|e| format!("{host}:{port}: {e}"))?;
        let mut out = Vec::new();
        if tls {
            let mut roots = rustls::RootCertStore::empty();
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(c);
            }
            let config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
            let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
            let mut s = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| e.to_string())?;
            s.write_all(head.as_bytes()).await.map_err(|e| e.to_string())?;
            s.write_all(&payload).await.map_err(|e| e.to_string())?;
            let _ = s.read_to_end(&mut out).await;
        } else {
            let mut s = tcp;
            s.write_all(head.as_bytes()).await.map_err(|e| e.to_string())?;
            s.write_all(&payload).await.map_err(|e| e.to_string())?;
            let _ = s.read_to_end(&mut out).await;
        }
        Ok::<_, String>(out)
    };
    let out = tokio::time::timeout(Duration::from_secs(20), talk).await.map_err(|_| format!("{host}: no answer within 20 s"))??;
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or_else(|| format!("{host}: no HTTP answer"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::problem::{Area, Severity};

    fn p(subject: &str) -> Problem {
        Problem {
            severity: Severity::Warn,
            area: Area::Certs,
            host: None,
            app: None,
            subject: subject.into(),
            message: "m".into(),
            since: None,
            fix: "f".into(),
        }
    }

    #[test]
    fn only_new_problems_and_a_cleared_one_comes_back_new() {
        let mut sent = Sent::default();
        let url = "http://127.0.0.1:9/hook";
        let first = [p("a"), p("b")];
        assert_eq!(sent.new_for(url, &first).len(), 2);
        sent.remember(url, &first);
        assert!(sent.new_for(url, &first).is_empty(), "the second run sends nothing");
        let second = [p("b")];
        sent.remember(url, &second);
        assert_eq!(sent.new_for(url, &first).len(), 1, "a came back");
        assert_eq!(sent.new_for("http://other/", &first).len(), 2, "per URL");
        assert!(!serde_json::to_string(&sent).unwrap().contains("127.0.0.1"), "no URL in the file");
    }

    #[test]
    fn the_body_speaks_slack_and_discord() {
        let b = body(&[&p("a")]);
        assert!(b["text"].as_str().unwrap().starts_with("fleet check: 1 new problem(s)"));
        assert_eq!(b["text"], b["content"]);
        assert_eq!(b["problems"][0]["subject"], "a");
    }
}
