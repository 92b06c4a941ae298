//! exec and portforward over WebSocket, as the API server speaks them to kubectl and kube-rs:
//! the `v5.channel.k8s.io` (or v4) subprotocol, every binary message prefixed by its channel.
//! exec: 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 resize, 255 close (v5). The
//! "container" is a local `sh` in a scratch directory, which is enough to show output and exit
//! codes. portforward: per port, channel 0 data and 1 errors, each opened by the port number
//! (u16 LE); the "pod's" port is a local TCP port the test names.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Empty};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Message, Role};

use super::routes::{Body, status};
use super::store::Store;

/// The values of a repeated query parameter (`command=sh&command=-c&…`), decoded.
pub fn all(query: &str, key: &str) -> Vec<String> {
    query.split('&').filter_map(|kv| kv.split_once('=')).filter(|(k, _)| *k == key).map(|(_, v)| super::routes::percent_decode(v)).collect()
}

/// Answers the WebSocket upgrade (101) and runs `serve` on the socket afterwards.
fn upgrade<F, Fut>(mut req: Request<hyper::body::Incoming>, serve: F) -> Response<Body>
where
    F: FnOnce(WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let Some(key) = req.headers().get("sec-websocket-key").cloned() else { return status(400, "BadRequest", "not a WebSocket upgrade") };
    let offered = req.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let protocol = ["v5.channel.k8s.io", "v4.channel.k8s.io"].into_iter().find(|p| offered.split(',').any(|o| o.trim() == *p));
    let Some(protocol) = protocol else { return status(400, "BadRequest", &format!("no supported subprotocol in {offered:?}")) };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    tokio::spawn(async move {
        if let Ok(up) = hyper::upgrade::on(&mut req).await {
            serve(WebSocketStream::from_raw_socket(TokioIo::new(up), Role::Server, None).await).await;
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-accept", accept)
        .header("sec-websocket-protocol", protocol)
        .body(Empty::new().map_err(|never| match never {}).boxed())
        .unwrap()
}

fn framed(channel: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(channel);
    v.extend_from_slice(data);
    Message::Binary(Bytes::from(v))
}

pub fn exec(store: Arc<Mutex<Store>>, req: Request<hyper::body::Incoming>, pod: String) -> Response<Body> {
    let query = req.uri().query().unwrap_or("").to_string();
    let command = all(&query, "command");
    if command.is_empty() {
        return status(400, "BadRequest", "you must specify at least 1 command");
    }
    // With a TTY the pod's line discipline turns Enter (\r) into \n and \n into \r\n; the
    // fake has no TTY, so it does that much itself.
    let tty = all(&query, "tty").iter().any(|t| t == "true" || t == "1");
    let mut cuts = store.lock().unwrap().cuts.subscribe();
    upgrade(req, move |ws| async move {
        let dir = tempfile::tempdir().unwrap();
        let mut child = match tokio::process::Command::new(&command[0])
            .args(&command[1..])
            .current_dir(dir.path())
            .env("POD_NAME", &pod)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                let (mut tx, _) = ws.split();
                let st =
                    json!({"metadata": {}, "status": "Failure", "message": format!("exec: {e}"), "reason": "InternalError", "code": 500});
                let _ = tx.send(framed(3, st.to_string().as_bytes())).await;
                let _ = tx.close().await;
                return;
            }
        };
        let (mut tx, mut rx) = ws.split();
        let mut stdin = child.stdin.take();
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let (mut ob, mut eb) = (vec![0u8; 8192], vec![0u8; 8192]);
        let (mut out_done, mut err_done) = (false, false);
        loop {
            tokio::select! {
                n = out.read(&mut ob), if !out_done => match n {
                    Ok(0) | Err(_) => out_done = true,
                    Ok(n) => {
                        let data: Vec<u8> = if tty { ob[..n].iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect() } else { ob[..n].to_vec() };
                        if tx.send(framed(1, &data)).await.is_err() { return }
                    }
                },
                n = err.read(&mut eb), if !err_done => match n {
                    Ok(0) | Err(_) => err_done = true,
                    Ok(n) => if tx.send(framed(2, &eb[..n])).await.is_err() { return },
                },
                m = rx.next() => match m {
                    Some(Ok(Message::Binary(b))) if b.first() == Some(&0) => {
                        let data: Vec<u8> = if tty { b[1..].iter().map(|&c| if c == b'\r' { b'\n' } else { c }).collect() } else { b[1..].to_vec() };
                        if let Some(s) = stdin.as_mut() { let _ = s.write_all(&data).await; }
                    }
                    // v5: the client closed stdin.
                    Some(Ok(Message::Binary(b))) if b.first() == Some(&255) => { stdin = None; }
                    Some(Ok(_)) => {}
                    _ => return,
                },
                _ = cuts.changed() => return,
            }
            if out_done && err_done {
                break;
            }
        }
        let code = child.wait().await.ok().and_then(|s| s.code()).unwrap_or(-1);
        let st = if code == 0 {
            json!({"metadata": {}, "status": "Success"})
        } else {
            json!({"metadata": {}, "status": "Failure", "message": format!("command terminated with non-zero exit code: exit code {code}"),
                "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}})
        };
        let _ = tx.send(framed(3, st.to_string().as_bytes())).await;
        let _ = tx.close().await;
    })
}

/// `ports` of the pod, served by these local TCP ports.
pub fn portforward(store: Arc<Mutex<Store>>, req: Request<hyper::body::Incoming>, pod: String, ports: HashMap<u16, u16>) -> Response<Body> {
    let query = req.uri().query().unwrap_or("").to_string();
    let asked: Vec<u16> = all(&query, "ports")
        .iter()
        .flat_map(|p| p.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|p| p.parse().ok())
        .collect();
    if asked.len() != 1 {
        return status(400, "BadRequest", "the test API server forwards one port per connection");
    }
    let port = asked[0];
    let Some(local) = ports.get(&port).copied() else { return status(400, "BadRequest", &format!("pod {pod} does not listen on {port}")) };
    let mut cuts = store.lock().unwrap().cuts.subscribe();
    upgrade(req, move |ws| async move {
        let (mut tx, mut rx) = ws.split();
        let le = port.to_le_bytes();
        if tx.send(framed(0, &le)).await.is_err() || tx.send(framed(1, &le)).await.is_err() {
            return;
        }
        let Ok(mut tcp) = tokio::net::TcpStream::connect(("127.0.0.1", local)).await else {
            let _ = tx.send(framed(1, format!("connection refused on port {port}").as_bytes())).await;
            return;
        };
        let mut buf = vec![0u8; 16384];
        loop {
            tokio::select! {
                n = tcp.read(&mut buf) => match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => if tx.send(framed(0, &buf[..n])).await.is_err() { return },
                },
                m = rx.next() => match m {
                    Some(Ok(Message::Binary(b))) if b.first() == Some(&0) && b.len() > 1 => {
                        if tcp.write_all(&b[1..]).await.is_err() { break; }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                },
                // A dropped stream: the socket just goes, as when a node or proxy drops it.
                _ = cuts.changed() => return,
            }
        }
        let _ = tx.close().await;
    })
}
