//! One HTTP/1.0 GET through a machine's transport (health URLs, node_exporter, Prometheus, an
//! app's metrics endpoint): no HTTP client needed on either side.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use crate::text::parse_url;

/// One GET through the host's connection; returns the status code.
pub async fn http_status(transport: &super::Transport, url: &str) -> Result<u16, String> {
    http_get(transport, url, 512).await.map(|(code, _)| code)
}

/// One GET through the host's connection (`Connection: close`, so the body ends with the
/// stream); returns the status and up to `limit` bytes of the body.
pub async fn http_get(transport: &super::Transport, url: &str, limit: usize) -> Result<(u16, String), String> {
    let (host, port, path) = parse_url(url)?;
    let mut stream = transport.connect_tcp(&host, port).await.map_err(|e| e.message)?;
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

/// Asks `url` every second until it answers 2xx/3xx or `deadline` passes; says how it went.
pub async fn wait_ok(transport: &super::Transport, url: &str, deadline: std::time::Instant) -> Result<String, String> {
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        match http_status(transport, url).await {
            Ok(code) if (200..400).contains(&code) => return Ok(format!("{url} answered {code}")),
            Ok(code) => last = format!("{url} answered {code}"),
            Err(e) => last = format!("{url}: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(format!("health check failed: {last}"))
}
