//! The API's paths: version, list and watch of every resource, get, PATCH on deployments (which
//! starts a rollout), pod logs with follow, and authorization: the admin (client certificate or
//! `admin-token`) reads everything; `limited-token` may not list across namespaces nor read the
//! `restricted` namespace (403, as RBAC answers).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::SinkExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

use super::controller;
use super::store::{Store, resource_at};

pub type Body = BoxBody<Bytes, Infallible>;

fn full(status: StatusCode, v: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(v.to_string())).boxed())
        .unwrap()
}

/// A `Status` object, as the API server answers errors.
pub fn status(code: u16, reason: &str, message: &str) -> Response<Body> {
    full(
        StatusCode::from_u16(code).unwrap(),
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code}),
    )
}

/// Who is asking: None when neither a client certificate nor a known token came.
pub fn identity(has_client_cert: bool, auth: Option<&str>) -> Option<&'static str> {
    if has_client_cert {
        return Some("admin");
    }
    match auth?.strip_prefix("Bearer ")? {
        "admin-token" => Some("admin"),
        "limited-token" => Some("limited"),
        _ => None,
    }
}

fn query(req: &Request<hyper::body::Incoming>) -> HashMap<String, String> {
    req.uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%' && i + 2 < b.len())
            .then(|| std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()))
            .flatten();
        match hex {
            Some(x) => {
                out.push(x);
                i += 3;
            }
            None => {
                out.push(if b[i] == b'+' { b' ' } else { b[i] });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A streamed body fed by a task: watch events and followed logs.
fn streamed(
    status_code: StatusCode,
    content_type: &str,
) -> (futures::channel::mpsc::Sender<Result<Frame<Bytes>, Infallible>>, Response<Body>) {
    let (tx, rx) = futures::channel::mpsc::channel(64);
    let body = StreamBody::new(rx).boxed();
    (tx, Response::builder().status(status_code).header("content-type", content_type).body(body).unwrap())
}

pub async fn handle(store: Arc<Mutex<Store>>, who: &'static str, req: Request<hyper::body::Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let q = query(&req);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    if parts == ["version"] {
        return full(
            StatusCode::OK,
            &json!({"major": "1", "minor": "31", "gitVersion": "v1.31.4+k3s1", "gitCommit": "test", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23", "compiler": "gc", "platform": "linux/amd64"}),
        );
    }
    // The service proxy, as far as an in-cluster Prometheus's instant queries go.
    if let ["api", "v1", "namespaces", ns, "services", svc, "proxy", "api", "v1", "query"] = parts.as_slice() {
        return prometheus(&store, ns, svc, q.get("query").map(String::as_str).unwrap_or(""));
    }
    // /api/v1/... or /apis/GROUP/VERSION/...
    let (prefix, rest): (String, &[&str]) = match parts.as_slice() {
        ["api", "v1", rest @ ..] => ("/api/v1".into(), rest),
        ["apis", group, version, rest @ ..] => (format!("/apis/{group}/{version}"), rest),
        _ => return status(404, "NotFound", &format!("the server could not find the requested resource {path}")),
    };
    let (ns, plural, name, sub) = match rest {
        [plural] => (None, *plural, None, None),
        ["namespaces", ns, plural] => (Some(*ns), *plural, None, None),
        ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name), None),
        ["namespaces", ns, plural, name, sub] => (Some(*ns), *plural, Some(*name), Some(*sub)),
        _ => return status(404, "NotFound", &format!("no route for {path}")),
    };
    let Some((key, kind)) = resource_at(&prefix, plural) else {
        return status(404, "NotFound", &format!("the server doesn't have a resource type {plural:?} in {prefix}"));
    };
    if who == "limited" && (ns.is_none() || ns == Some("restricted")) {
        let scope = ns.map(|n| format!("in the namespace \"{n}\"")).unwrap_or_else(|| "at the cluster scope".into());
        return status(
            403,
            "Forbidden",
            &format!("{plural} is forbidden: User \"limited\" cannot list resource \"{plural}\" in API group \"\" {scope}"),
        );
    }
    let plural = key;
    // cert-manager's CRD exists only where a Certificate was ever made (else 404, as on a
    // cluster without cert-manager).
    if plural == "certificates" && !store.lock().unwrap().has_kind("Certificate") {
        return status(404, "NotFound", "the server could not find the requested resource");
    }
    match (req.method().as_str(), name, sub) {
        ("GET", None, None) if q.get("watch").is_some_and(|w| w == "true" || w == "1") => {
            let rv = q.get("resourceVersion").and_then(|v| v.parse().ok()).unwrap_or(0);
            let timeout = q.get("timeoutSeconds").and_then(|t| t.parse().ok()).unwrap_or(290u64);
            watch(store, plural, ns.map(String::from), field_selector(&q), rv, Duration::from_secs(timeout))
        }
        ("GET", None, None)
            if plural == "pods" && req.headers().get("accept").and_then(|a| a.to_str().ok()).is_some_and(|a| a.contains("as=Table")) =>
        {
            // Server-side printing, as `kubectl get pods` (and kubetui) ask for it.
            let s = store.lock().unwrap();
            full(StatusCode::OK, &pod_table(&s.list(plural, ns), s.rv()))
        }
        ("GET", None, None) => {
            let s = store.lock().unwrap();
            let only = field_selector(&q);
            let items: Vec<Value> = s.list(plural, ns).into_iter().filter(|o| selected(&only, o)).collect();
            let api_version = prefix.trim_start_matches("/api/").trim_start_matches("/apis/").to_string();
            full(
                StatusCode::OK,
                &json!({"kind": format!("{kind}List"), "apiVersion": api_version, "metadata": {"resourceVersion": s.rv().to_string()}, "items": items}),
            )
        }
        ("GET", Some(name), None) => match store.lock().unwrap().get(plural, ns.unwrap_or("default"), name) {
            Some(o) => full(StatusCode::OK, &o),
            None => status(404, "NotFound", &format!("{plural} \"{name}\" not found")),
        },
        ("GET", Some(pod), Some("log")) if plural == "pods" => logs(store, ns.unwrap_or("default").to_string(), pod.to_string(), &q),
        ("GET" | "POST", Some(pod), Some(sub @ ("exec" | "portforward"))) if plural == "pods" => {
            let (ns, pod) = (ns.unwrap_or("default").to_string(), pod.to_string());
            let ports = {
                let s = store.lock().unwrap();
                if s.get("pods", &ns, &pod).is_none() {
                    return status(404, "NotFound", &format!("pods \"{pod}\" not found"));
                }
                s.pod_ports.clone()
            };
            if sub == "exec" { super::stream::exec(store, req, pod) } else { super::stream::portforward(store, req, pod, ports) }
        }
        ("PATCH", Some(name), None) if plural == "deployments" => {
            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            let Ok(patch) = serde_json::from_slice::<Value>(&body) else { return status(400, "BadRequest", "the patch is not JSON") };
            match controller::patch_deployment(&store, ns.unwrap_or("default"), name, &patch) {
                Some(obj) => full(StatusCode::OK, &obj),
                None => status(404, "NotFound", &format!("deployments.apps \"{name}\" not found")),
            }
        }
        (m, _, _) => status(405, "MethodNotAllowed", &format!("{m} {path} is not served by the test API server")),
    }
}

/// `fieldSelector=metadata.name=NAME` (what watching one object sends) and `type=T` (TLS
/// secrets); other selectors are not needed by fleet and are refused loudly, not ignored.
fn field_selector(q: &HashMap<String, String>) -> Option<(&'static str, String)> {
    let f = q.get("fieldSelector")?;
    if let Some(n) = f.strip_prefix("metadata.name=") {
        return Some(("name", n.to_string()));
    }
    if let Some(t) = f.strip_prefix("type=") {
        return Some(("type", t.to_string()));
    }
    panic!("the test API server does not support fieldSelector {f:?}")
}

fn selected(sel: &Option<(&'static str, String)>, obj: &Value) -> bool {
    match sel {
        None => true,
        Some(("name", n)) => obj["metadata"]["name"] == n.as_str(),
        Some((_, t)) => obj["type"] == t.as_str(),
    }
}

/// A `meta.k8s.io/v1` Table of pods with kubectl's columns.
fn pod_table(pods: &[Value], rv: u64) -> Value {
    let col = |name: &str, t: &str| json!({"name": name, "type": t, "format": "", "description": "", "priority": 0});
    let rows: Vec<Value> = pods
        .iter()
        .map(|p| {
            let cs = p["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
            let ready = cs.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = cs.iter().filter_map(|c| c["restartCount"].as_i64()).sum();
            json!({"cells": [p["metadata"]["name"], format!("{ready}/{}", cs.len().max(1)), p["status"]["phase"], restarts, "1d", p["status"]["podIP"], p["spec"]["nodeName"]],
                   "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": p["metadata"]}})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": rv.to_string()},
        "columnDefinitions": [col("Name", "string"), col("Ready", "string"), col("Status", "string"), col("Restarts", "integer"), col("Age", "string"), col("IP", "string"), col("Node", "string")],
        "rows": rows})
}

fn prometheus(store: &Arc<Mutex<Store>>, ns: &str, svc: &str, query: &str) -> Response<Body> {
    let s = store.lock().unwrap();
    let Some(pods) = s.prometheus.as_ref().filter(|_| ns == "monitoring" && svc == "prometheus-operated:9090") else {
        return status(503, "ServiceUnavailable", &format!("no endpoints available for service \"{svc}\""));
    };
    let cpu = query.contains("container_cpu_usage_seconds_total");
    if !cpu && !query.contains("container_memory_working_set_bytes") {
        return full(
            StatusCode::BAD_REQUEST,
            &json!({"status": "error", "errorType": "bad_data", "error": format!("the test Prometheus does not know {query:?}")}),
        );
    }
    let result: Vec<Value> = pods
        .iter()
        .filter(|(_, pod, _, _)| query.contains(pod.as_str()))
        .map(|(ns, pod, c, m)| json!({"metric": {"namespace": ns, "pod": pod}, "value": [1_763_000_000.0, (if cpu { c } else { m }).to_string()]}))
        .collect();
    full(StatusCode::OK, &json!({"status": "success", "data": {"resultType": "vector", "result": result}}))
}

fn watch(
    store: Arc<Mutex<Store>>,
    plural: &'static str,
    ns: Option<String>,
    only: Option<(&'static str, String)>,
    rv: u64,
    timeout: Duration,
) -> Response<Body> {
    let (first, mut events, mut cuts) = {
        let mut s = store.lock().unwrap();
        let first =
            s.since(plural, ns.as_deref(), rv).map(|evs| evs.into_iter().filter(|e| selected(&only, &e.object)).collect::<Vec<_>>());
        (first, s.events.subscribe(), s.cuts.subscribe())
    };
    let (mut tx, resp) = streamed(StatusCode::OK, "application/json");
    tokio::spawn(async move {
        let line = |kind: &str, object: &Value| Ok(Frame::data(Bytes::from(format!("{}\n", json!({"type": kind, "object": object})))));
        let first = match first {
            Ok(f) => f,
            Err(()) => {
                let gone = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": format!("too old resource version: {rv}"), "reason": "Expired", "code": 410});
                let _ = tx.send(line("ERROR", &gone)).await;
                return;
            }
        };
        let mut last = rv;
        for e in first {
            last = e.rv;
            if tx.send(line(e.kind, &e.object)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                e = events.recv() => match e {
                    Ok(e) if e.rv > last && e.plural == plural && ns.as_deref().is_none_or(|n| n == e.namespace) && selected(&only, &e.object) => {
                        last = e.rv;
                        if tx.send(line(e.kind, &e.object)).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                },
                _ = cuts.changed() => return,
                _ = &mut deadline => return,
            }
        }
    });
    resp
}

fn logs(store: Arc<Mutex<Store>>, ns: String, pod: String, q: &HashMap<String, String>) -> Response<Body> {
    let follow = q.get("follow").is_some_and(|f| f == "true" || f == "1");
    let timestamps = q.get("timestamps").is_some_and(|f| f == "true" || f == "1");
    let since: Option<jiff::Timestamp> = q.get("sinceTime").and_then(|t| t.parse().ok());
    let tail: Option<usize> = q.get("tailLines").and_then(|t| t.parse().ok());
    let (past, mut lines, mut cuts, mut events) = {
        let s = store.lock().unwrap();
        if s.get("pods", &ns, &pod).is_none() {
            return status(404, "NotFound", &format!("pods \"{pod}\" not found"));
        }
        (s.logs(&ns, &pod), s.log_lines.subscribe(), s.cuts.subscribe(), s.events.subscribe())
    };
    let fmt = move |at: jiff::Timestamp, text: &str| {
        if timestamps { format!("{} {text}\n", at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")) } else { format!("{text}\n") }
    };
    let mut past: Vec<(jiff::Timestamp, String)> = past.into_iter().filter(|(at, _)| since.is_none_or(|s| *at >= s)).collect();
    if let Some(n) = tail {
        past = past.split_off(past.len().saturating_sub(n));
    }
    let (mut tx, resp) = streamed(StatusCode::OK, "text/plain");
    tokio::spawn(async move {
        for (at, text) in &past {
            if tx.send(Ok(Frame::data(Bytes::from(fmt(*at, text))))).await.is_err() {
                return;
            }
        }
        if !follow {
            return;
        }
        loop {
            tokio::select! {
                l = lines.recv() => match l {
                    Ok(l) if l.namespace == ns && l.pod == pod => {
                        if tx.send(Ok(Frame::data(Bytes::from(fmt(l.at, &l.text))))).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                },
                // A deleted pod's log stream ends, as the kubelet's does.
                e = events.recv() => match e {
                    Ok(e) if e.kind == "DELETED" && e.plural == "pods" && e.namespace == ns && e.object["metadata"]["name"] == pod.as_str() => return,
                    Ok(_) => {}
                    Err(_) => return,
                },
                _ = cuts.changed() => return,
            }
        }
    });
    resp
}
