//! When a rollout may move on: the units are active and stay so (same MainPID, no restart) for
//! `stable_for`, and, if the app has one, its health URL answers 2xx/3xx through the SSH
//! connection.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{HostTarget, UnitNow, parse_unit_states};
use crate::backend::{Backend, commands};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// `http://HOST:PORT/path` as seen from the host (usually 127.0.0.1).
    pub url: Option<String>,
    pub stable_for: Duration,
    pub timeout: Duration,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck { url: None, stable_for: Duration::from_secs(5), timeout: Duration::from_secs(60) }
    }
}

impl HealthCheck {
    pub fn describe(&self) -> String {
        let stable = format!("active and stable for {} s", self.stable_for.as_secs_f64());
        match &self.url {
            Some(u) => format!("{stable}, and {u} answers 2xx/3xx"),
            None => stable,
        }
    }
}

async fn states(backend: &Backend, t: &HostTarget) -> Result<Vec<UnitNow>, String> {
    let out = backend.exec(&commands::unit_state(&t.units)).await.map_err(|e| e.message)?;
    Ok(parse_unit_states(&String::from_utf8_lossy(&out.stdout)))
}

/// Waits for the host to be healthy; the error says why not.
pub async fn wait_healthy(backend: &Backend, t: &HostTarget, hc: &HealthCheck) -> Result<String, String> {
    let deadline = Instant::now() + hc.timeout;
    // Active first (a unit may still be activating).
    let before = loop {
        let s = states(backend, t).await?;
        if !s.is_empty() && s.iter().all(|u| u.active == "active") {
            break s;
        }
        if let Some(bad) = s.iter().find(|u| u.active == "failed") {
            return Err(format!("{} failed right after the restart", bad.unit));
        }
        if Instant::now() >= deadline {
            let list: Vec<String> = s.iter().map(UnitNow::label).collect();
            return Err(format!("not active within {} s: {}", hc.timeout.as_secs(), list.join(", ")));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    tokio::time::sleep(hc.stable_for).await;
    let after = states(backend, t).await?;
    for u in &before {
        let now = after.iter().find(|a| a.unit == u.unit);
        match now {
            Some(a) if a.active == "active" && a.pid == u.pid && a.restarts == u.restarts => {}
            Some(a) => {
                return Err(format!(
                    "{} did not stay up for {} s (now {} ({}), pid {:?} → {:?})",
                    u.unit,
                    hc.stable_for.as_secs_f64(),
                    a.active,
                    a.sub,
                    u.pid,
                    a.pid
                ));
            }
            None => return Err(format!("{} disappeared", u.unit)),
        }
    }
    let Some(url) = &hc.url else { return Ok(format!("stable for {} s", hc.stable_for.as_secs_f64())) };
    let mut last = String::new();
    while Instant::now() < deadline {
        match http_status(backend, url).await {
            Ok(code) if (200..400).contains(&code) => return Ok(format!("{url} answered {code}")),
            Ok(code) => last = format!("{url} answered {code}"),
            Err(e) => last = format!("{url}: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(format!("health check failed: {last}"))
}

/// `http://host[:port]/path` → (host, port, path).
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| format!("{url:?}: only http:// URLs (reached through ssh)"))?;
    let (authority, path) = rest.split_once('/').map(|(a, p)| (a, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| format!("{url:?}: bad port"))?),
        None => (authority, 80),
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) || path.chars().any(char::is_control) {
        return Err(format!("{url:?}: bad URL"));
    }
    Ok((host.to_string(), port, path))
}

/// One GET through the host's connection; returns the status code.
pub async fn http_status(backend: &Backend, url: &str) -> Result<u16, String> {
    http_get(backend, url, 512).await.map(|(code, _)| code)
}

/// One GET through the host's connection (`Connection: close`, so the body ends with the
/// stream); returns the status and up to `limit` bytes of the body.
pub async fn http_get(backend: &Backend, url: &str, limit: usize) -> Result<(u16, String), String> {
    let (host, port, path) = parse_url(url)?;
    let mut stream = backend.connect_tcp(&host, port).await.map_err(|e| e.message)?;
    let req = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: fleet\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 || buf.len() >= limit {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Ok::<_, String>(())
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.map_err(|_| "no answer within 10 s".to_string())??;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {:?}", head.lines().next().unwrap_or("")))?;
    Ok((code, body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(parse_url("http://127.0.0.1:8080/up").unwrap(), ("127.0.0.1".into(), 8080, "/up".into()));
        assert_eq!(parse_url("http://localhost").unwrap(), ("localhost".into(), 80, "/".into()));
        assert!(parse_url("https://x").is_err());
        assert!(parse_url("http://a b/").is_err());
        assert!(parse_url("http://x/\r\nInjected: 1").is_err());
    }
}
