//! bollard over the machine's own transport: every Docker API request is one HTTP/1.1 exchange
//! on a fresh channel to the engine's unix socket — a direct-streamlocal channel of the host's
//! one SSH connection, or the socket itself locally. No docker CLI, no second ssh process.
//!
//! Three things the engine insists on (see CRATES.md): hyper's low-level connection writes no
//! `Host` header and dockerd answers 400 without one; exec and attach upgrade the connection, so
//! it is driven `with_upgrades`; bollard asks for its newest API version, so the version is
//! negotiated down to what the engine speaks (Debian 12's engine: 1.41).

use std::sync::Arc;

use bollard::{API_DEFAULT_VERSION, BollardRequest, Docker};
use hyper_util::rt::TokioIo;

use crate::transport::Transport;

/// The authority bollard puts in its URIs; only its Host header reaches the engine.
const AUTHORITY: &str = "docker";

/// How long one request may take to answer (its headers; a log or event stream then runs on).
const TIMEOUT_SECS: u64 = 30;

/// A client of the engine behind `socket` on `transport`'s machine, version negotiated.
pub async fn connect(transport: Arc<Transport>, socket: String) -> Result<Docker, String> {
    let path = socket;
    let request = move |req: BollardRequest| {
        let transport = transport.clone();
        let path = path.clone();
        async move {
            let stream = transport.connect_unix(&path).await.map_err(|e| io_error(e.message))?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                // Ends when the exchange does (or the upgraded stream is dropped).
                let _ = conn.with_upgrades().await;
            });
            let (mut parts, body) = req.into_parts();
            let origin = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
            parts.uri = origin.parse().map_err(|e: http::uri::InvalidUri| io_error(e.to_string()))?;
            parts.headers.insert(http::header::HOST, http::HeaderValue::from_static(AUTHORITY));
            Ok(sender.send_request(BollardRequest::from_parts(parts, body)).await?)
        }
    };
    let docker = Docker::connect_with_custom_transport(request, Some(format!("http://{AUTHORITY}")), TIMEOUT_SECS, API_DEFAULT_VERSION)
        .map_err(|e| describe(&e))?;
    docker.negotiate_version().await.map_err(|e| describe(&e))
}

fn io_error(message: String) -> bollard::errors::Error {
    std::io::Error::other(message).into()
}

/// A bollard error in a user's words (the engine's own message where it sent one).
pub fn describe(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    let text = match e {
        E::DockerResponseServerError { status_code, message } => format!("the engine answered {status_code}: {message}"),
        E::RequestTimeoutError => format!("the engine did not answer within {TIMEOUT_SECS} s"),
        E::IOError { err } => err.to_string(),
        other => other.to_string(),
    };
    crate::text::sanitize(&text).into_owned()
}

/// The engine answered 404 (no such container, image or exec).
pub fn not_found(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })
}
