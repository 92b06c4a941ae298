//! supervisord's XML-RPC interface, spoken over the machine's transport: each call is one HTTP/1.1
//! POST to `/RPC2` on a fresh channel to supervisord's unix socket (a direct-streamlocal channel
//! of the host's one SSH connection, or the socket itself locally). No supervisorctl, no text
//! parsing.
//!
//! The XML is dxr's (serde over quick-xml). quick-xml matters here: supervisord sends log text
//! as XML strings without escaping control characters (an ESC in a program's output arrives as
//! a raw 0x1b, which XML 1.0 forbids), and quick-xml reads it instead of refusing the answer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use dxr::{FaultResponse, MethodCall, MethodResponse, Value};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use crate::transport::Transport;

/// How long one call may take. A start waits out the program's `startsecs` and a stop its
/// `stopwaitsecs`: both are answered when done, so this is generous.
const TIMEOUT: Duration = Duration::from_secs(120);

/// supervisord's fault codes (supervisor/xmlrpc.py) that fleet tells apart.
pub mod fault {
    pub const BAD_NAME: i32 = 10;
    pub const NO_FILE: i32 = 20;
    pub const ABNORMAL_TERMINATION: i32 = 40;
    pub const SPAWN_ERROR: i32 = 50;
    pub const ALREADY_STARTED: i32 = 60;
    pub const NOT_RUNNING: i32 = 70;
    pub const ALREADY_ADDED: i32 = 90;
    pub const STILL_RUNNING: i32 = 91;
    pub const CANT_REREAD: i32 = 92;
}

/// What a call can come back with besides its value.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcError {
    /// supervisord answered with a fault.
    Fault { code: i32, text: String },
    /// No answer, or not one we understand.
    Transport(String),
}

impl RpcError {
    pub fn code(&self) -> Option<i32> {
        match self {
            RpcError::Fault { code, .. } => Some(*code),
            RpcError::Transport(_) => None,
        }
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RpcError::Fault { code, text } => write!(f, "supervisord: {} ({})", crate::text::sanitize(text), fault_name(*code)),
            RpcError::Transport(e) => write!(f, "{}", crate::text::sanitize(e)),
        }
    }
}

fn fault_name(code: i32) -> &'static str {
    match code {
        1 => "UNKNOWN_METHOD",
        2 => "INCORRECT_PARAMETERS",
        3 => "BAD_ARGUMENTS",
        4 => "SIGNATURE_UNSUPPORTED",
        6 => "SHUTDOWN_STATE",
        fault::BAD_NAME => "BAD_NAME",
        11 => "BAD_SIGNAL",
        fault::NO_FILE => "NO_FILE",
        21 => "NOT_EXECUTABLE",
        30 => "FAILED",
        fault::ABNORMAL_TERMINATION => "ABNORMAL_TERMINATION",
        fault::SPAWN_ERROR => "SPAWN_ERROR",
        fault::ALREADY_STARTED => "ALREADY_STARTED",
        fault::NOT_RUNNING => "NOT_RUNNING",
        80 => "SUCCESS",
        fault::ALREADY_ADDED => "ALREADY_ADDED",
        fault::STILL_RUNNING => "STILL_RUNNING",
        fault::CANT_REREAD => "CANT_REREAD",
        _ => "fault",
    }
}

/// A client of one supervisord: where its socket is, and its credentials when
/// `[unix_http_server]` sets `username=`/`password=`.
#[derive(Clone)]
pub struct Rpc {
    transport: Arc<Transport>,
    socket: String,
    /// `[inet_http_server]` instead of a unix socket: (host, port) as seen from the machine.
    tcp: Option<(String, u16)>,
    auth: Option<String>,
}

impl Rpc {
    pub fn new(transport: Arc<Transport>, socket: String, credentials: Option<(String, String)>) -> Rpc {
        let auth = credentials.map(|(u, p)| format!("Basic {}", data_encoding::BASE64.encode(format!("{u}:{p}").as_bytes())));
        Rpc { transport, socket, tcp: None, auth }
    }

    pub fn new_tcp(transport: Arc<Transport>, host: String, port: u16, credentials: Option<(String, String)>) -> Rpc {
        let mut r = Rpc::new(transport, format!("{host}:{port}"), credentials);
        r.tcp = Some((host, port));
        r
    }

    pub fn socket(&self) -> &str {
        &self.socket
    }

    /// One method call.
    pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, RpcError> {
        let body = MethodCall { name: method.into(), params }.to_xml().map_err(|e| RpcError::Transport(e.to_string()))?;
        let text = tokio::time::timeout(TIMEOUT, self.post(body))
            .await
            .map_err(|_| RpcError::Transport(format!("supervisord did not answer {method} within {} s", TIMEOUT.as_secs())))??;
        parse_response(&text)
    }

    /// Several calls in one round trip (`system.multicall`); each has its own result.
    pub async fn multicall(&self, calls: Vec<(&str, Vec<Value>)>) -> Result<Vec<Result<Value, RpcError>>, RpcError> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let n = calls.len();
        let list = calls
            .into_iter()
            .map(|(m, p)| {
                Value::Struct(BTreeMap::from([
                    ("methodName".to_string(), Value::String(m.to_string())),
                    ("params".to_string(), Value::Array(p)),
                ]))
            })
            .collect();
        let Value::Array(results) = self.call("system.multicall", vec![Value::Array(list)]).await? else {
            return Err(RpcError::Transport("system.multicall answered something other than a list".into()));
        };
        if results.len() != n {
            return Err(RpcError::Transport(format!("system.multicall answered {} results for {n} calls", results.len())));
        }
        // supervisord (4.x) puts each result in the list as it is, not in a one-item array as
        // the multicall convention (and its own docstring) says; a fault is a struct.
        Ok(results
            .into_iter()
            .map(|r| match r {
                Value::Struct(m) if m.len() == 2 && m.contains_key("faultCode") && m.contains_key("faultString") => Err(RpcError::Fault {
                    code: m.get("faultCode").and_then(int).unwrap_or(0),
                    text: m.get("faultString").and_then(string).unwrap_or_default(),
                }),
                value => Ok(value),
            })
            .collect())
    }

    async fn post(&self, body: String) -> Result<String, RpcError> {
        let stream = match &self.tcp {
            Some((h, p)) => self.transport.connect_tcp(h, *p).await,
            None => self.transport.connect_unix(&self.socket).await,
        }
        .map_err(|e| RpcError::Transport(e.message))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| RpcError::Transport(e.to_string()))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut req = http::Request::post("/RPC2")
            .header(http::header::HOST, "localhost")
            .header(http::header::CONTENT_TYPE, "text/xml")
            .header(http::header::CONTENT_LENGTH, body.len());
        if let Some(a) = &self.auth {
            req = req.header(http::header::AUTHORIZATION, a.as_str());
        }
        let req = req.body(Full::new(bytes::Bytes::from(body))).map_err(|e| RpcError::Transport(e.to_string()))?;
        let resp = sender.send_request(req).await.map_err(|e| RpcError::Transport(format!("supervisord's socket: {e}")))?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await.map_err(|e| RpcError::Transport(e.to_string()))?.to_bytes();
        if status == http::StatusCode::UNAUTHORIZED {
            return Err(RpcError::Transport(
                "supervisord refused the credentials (401): check username= and password= in [unix_http_server]".into(),
            ));
        }
        if !status.is_success() {
            return Err(RpcError::Transport(format!("supervisord answered HTTP {status}")));
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// quick-xml's deserializer trims whitespace at the edges of text, which would cut a log
/// chunk's trailing newline (and an indented first line's indent): each `<string>`'s edge
/// whitespace is written as character references first, which it keeps.
fn keep_edge_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find("<string>") {
        let body_at = open + "<string>".len();
        out.push_str(&rest[..body_at]);
        let Some(close) = rest[body_at..].find("</string>") else {
            rest = &rest[body_at..];
            break;
        };
        let body = &rest[body_at..body_at + close];
        let start = body.len() - body.trim_start().len();
        let end = body.trim_end().len().max(start);
        let refs = |w: &str| w.chars().map(|c| format!("&#{};", c as u32)).collect::<String>();
        out.push_str(&refs(&body[..start]));
        out.push_str(&body[start..end]);
        out.push_str(&refs(&body[end..]));
        rest = &rest[body_at + close..];
    }
    out.push_str(rest);
    out
}

/// A `<methodResponse>`: its value, or its fault.
pub fn parse_response(text: &str) -> Result<Value, RpcError> {
    let text = &keep_edge_whitespace(text);
    if text.contains("<fault>") {
        return match FaultResponse::from_xml(text) {
            Ok(f) => Err(RpcError::Fault { code: f.fault.code(), text: f.fault.string().to_string() }),
            Err(e) => Err(RpcError::Transport(format!("an unreadable fault from supervisord: {e}"))),
        };
    }
    MethodResponse::from_xml(text).map(|r| r.value).map_err(|_| {
        let head: String = text.chars().take(120).collect();
        RpcError::Transport(format!("an answer from supervisord that is not XML-RPC: {head:?}"))
    })
}

pub fn int(v: &Value) -> Option<i32> {
    match v {
        Value::Integer(i) => Some(*i),
        _ => None,
    }
}

pub fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

pub fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Boolean(b) => Some(*b),
        _ => None,
    }
}

pub fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

pub fn i(n: i64) -> Value {
    Value::Integer(n.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_is_its_code_and_text() {
        let xml = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: shop:web</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
        assert_eq!(parse_response(xml), Err(RpcError::Fault { code: 10, text: "BAD_NAME: shop:web".into() }));
    }

    #[test]
    fn raw_control_characters_in_log_text_are_read() {
        // As supervisord (Python's xmlrpc.client) writes a log chunk holding an ESC sequence.
        let xml = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>\u{1b}[31mred\u{1b}[0m &amp; &lt;b&gt;\n</string></value>\n</param>\n</params>\n</methodResponse>\n";
        assert_eq!(parse_response(xml), Ok(Value::String("\u{1b}[31mred\u{1b}[0m & <b>\n".into())));
    }

    #[test]
    fn whitespace_at_the_edges_of_a_chunk_is_kept() {
        let xml = "<?xml version='1.0'?>\n<methodResponse><params><param><value><array><data>\n<value><string>  indented\nnext\n\n</string></value>\n<value><string>\n</string></value>\n<value><string></string></value>\n</data></array></value></param></params></methodResponse>\n";
        assert_eq!(
            parse_response(xml),
            Ok(Value::Array(vec![Value::String("  indented\nnext\n\n".into()), Value::String("\n".into()), Value::String(String::new())]))
        );
    }
}
