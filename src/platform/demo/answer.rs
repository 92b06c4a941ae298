//! What a demo port-forward reaches: an in-memory peer that answers whatever it is sent with
//! one HTTP response saying it is the demo, so a forward can be tried end to end (curl, a
//! browser) while nothing leaves the machine.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::transport::BoxStream;

/// A stream to a pretend `what` listening on `port`.
pub fn peer(what: String, port: u16) -> BoxStream {
    let (ours, mut theirs) = tokio::io::duplex(16 * 1024);
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        // Whatever the request, one answer, then close: enough for curl and a browser.
        if theirs.read(&mut buf).await.unwrap_or(0) == 0 {
            return;
        }
        let body = format!("{what} on port {port}: this is fleet's demo, nothing left this machine\n");
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = theirs.write_all(reply.as_bytes()).await;
        let _ = theirs.shutdown().await;
    });
    Box::new(ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_once_and_closes() {
        let mut s = peer("shop".into(), 8080);
        s.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).await.unwrap();
        assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
        assert!(got.ends_with("shop on port 8080: this is fleet's demo, nothing left this machine\n"));
    }
}
