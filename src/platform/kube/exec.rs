//! Into a pod: run a command (output and exit status passed through), an interactive shell
//! (a TTY, the terminal's keys and size), and port-forward streams, all over the API server's
//! WebSocket (kube-rs `ws`). The pod is picked per call from the watched stores — a running
//! pod of the workload — so a forward keeps working when pods are replaced.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::AttachParams;
use std::io::Write;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::KubeBackend;
use crate::model::{HostError, HostErrorKind, ProcessKind, ProcessState};

/// A pod to go into: namespace, name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodTarget {
    pub namespace: String,
    pub name: String,
}

/// A running pod of `workload` (`deployment/ns/name`), or of any workload of `app` when no
/// workload is named.
pub async fn pick_pod(k: &KubeBackend, app: &str, workload: Option<&str>) -> Result<PodTarget, HostError> {
    let report = k.refresh().await?;
    let pods: Vec<_> = report.processes.iter().filter(|p| p.kind == ProcessKind::KubePod && p.app == app).collect();
    let chosen = pods
        .iter()
        .filter(|p| workload.is_none_or(|w| p.workload.as_deref() == Some(w)))
        .find(|p| p.state == ProcessState::Running)
        .ok_or_else(|| HostError::new(HostErrorKind::Command, format!("{}: no running pod of {}", k.id(), workload.unwrap_or(app))))?;
    let (namespace, name) =
        super::logs::parse_source(&chosen.source).ok_or_else(|| HostError::new(HostErrorKind::Command, "bad pod name"))?;
    Ok(PodTarget { namespace, name })
}

/// The pod the user named (one of the app's), or a running pod of the first of `workloads`
/// that has one (deployments before the rest).
pub async fn pick_pod_of(k: &KubeBackend, app: &str, workloads: &[String], named: Option<&str>) -> Result<PodTarget, HostError> {
    if let Some(name) = named {
        let report = k.refresh().await?;
        let pods: Vec<&str> =
            report.processes.iter().filter(|p| p.kind == ProcessKind::KubePod && p.app == app).map(|p| p.source.as_str()).collect();
        let hit = pods.iter().find(|s| s.rsplit('/').next() == Some(name)).ok_or_else(|| {
            let names: Vec<&str> = pods.iter().filter_map(|s| s.rsplit('/').next()).collect();
            HostError::new(HostErrorKind::Config, format!("{}: {app} has no pod {name:?} (its pods: {})", k.id(), names.join(", ")))
        })?;
        let (namespace, name) = super::logs::parse_source(hit).ok_or_else(|| HostError::new(HostErrorKind::Command, "bad pod name"))?;
        return Ok(PodTarget { namespace, name });
    }
    let mut ordered: Vec<&String> = workloads.iter().collect();
    ordered.sort_by_key(|w| !w.starts_with("deployment/"));
    let mut first_error = None;
    for w in ordered {
        match pick_pod(k, app, Some(w)).await {
            Ok(p) => return Ok(p),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => pick_pod(k, app, None).await,
    }
}

fn kerr(e: kube::Error) -> String {
    super::backend::describe(&e).1
}

/// The exit code in an exec's final Status (Success: 0).
pub fn exit_code(status: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Status>) -> Result<i32, String> {
    let Some(s) = status else { return Err("the exec ended without a status".into()) };
    if s.status.as_deref() == Some("Success") {
        return Ok(0);
    }
    let code = s
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_ref()?.parse().ok());
    code.ok_or_else(|| crate::text::sanitize(s.message.as_deref().unwrap_or("exec failed")).into_owned())
}

/// Runs `argv` in the pod; its stdout and stderr become ours; returns its exit code.
pub async fn run(k: &KubeBackend, pod: &PodTarget, container: Option<&str>, argv: &[String]) -> Result<i32, String> {
    let client = k.client().await.map_err(|e| e.message)?;
    let api: Api<Pod> = Api::namespaced(client, &pod.namespace);
    let mut ap = AttachParams::default().stdin(false).stdout(true).stderr(true);
    if let Some(c) = container {
        ap = ap.container(c);
    }
    let mut proc = api.exec(&pod.name, argv.to_vec(), &ap).await.map_err(|e| format!("{}: exec in {}: {}", k.id(), pod.name, kerr(e)))?;
    let status = proc.take_status();
    let (out, err) = (proc.stdout(), proc.stderr());
    tokio::join!(pass(out, false), pass(err, true));
    let st = match status {
        Some(s) => s.await,
        None => None,
    };
    let _ = proc.join().await;
    exit_code(st.as_ref()).map_err(|e| format!("{}: {}: {e}", k.id(), pod.name))
}

/// An interactive shell in the pod (bash when there is one, else sh) on a TTY; the caller has
/// the terminal in raw mode. Returns the shell's exit code.
pub async fn interactive(k: &KubeBackend, pod: &PodTarget, container: Option<&str>, shell: Option<&str>) -> Result<i32, String> {
    let client = k.client().await.map_err(|e| e.message)?;
    let api: Api<Pod> = Api::namespaced(client, &pod.namespace);
    let mut ap = AttachParams::interactive_tty();
    if let Some(c) = container {
        ap = ap.container(c);
    }
    let shell = match shell {
        Some(s) => vec![s.to_string()],
        None => vec!["sh".to_string(), "-c".into(), "command -v bash >/dev/null 2>&1 && exec bash || exec sh".into()],
    };
    let mut proc = api.exec(&pod.name, shell, &ap).await.map_err(|e| format!("{}: exec in {}: {}", k.id(), pod.name, kerr(e)))?;
    if let (Some(mut size), Ok((cols, rows))) = (proc.terminal_size(), crossterm::terminal::size()) {
        let _ = futures::SinkExt::send(&mut size, kube::api::TerminalSize { width: cols, height: rows }).await;
    }
    let status = proc.take_status();
    let mut stdin = proc.stdin();
    let out = proc.stdout();
    let keys = crate::transport::terminal::RawStdin::new().map_err(|e| format!("cannot read the terminal: {e}"))?;
    let to_pod = async {
        let mut buf = vec![0u8; 4096];
        while let (Ok(n), Some(w)) = (keys.read(&mut buf).await, stdin.as_mut()) {
            // Ctrl-C and Ctrl-D are bytes like any other here: they reach the pod's TTY.
            if n == 0 || w.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        std::future::pending::<()>().await
    };
    // The shell ends when its output does.
    tokio::select! {
        _ = pass(out, false) => {}
        _ = to_pod => {}
    }
    let st = match status {
        Some(s) => s.await,
        None => None,
    };
    exit_code(st.as_ref()).map_err(|e| format!("{}: {}: {e}", k.id(), pod.name))
}

/// Copies a pod's output to ours as it comes.
async fn pass<R: AsyncRead + Unpin>(from: Option<R>, stderr: bool) {
    let Some(mut r) = from else { return };
    let mut buf = vec![0u8; 8192];
    while let Ok(n) = r.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let written = if stderr {
            let mut e = std::io::stderr().lock();
            e.write_all(&buf[..n]).and_then(|_| e.flush())
        } else {
            let mut o = std::io::stdout().lock();
            o.write_all(&buf[..n]).and_then(|_| o.flush())
        };
        if written.is_err() {
            break;
        }
    }
}

/// A byte stream to `port` of a running pod of `app` — or, when no app has that name, of the
/// Service named so (its port mapped to the pod's target port). Picked per call: a replaced pod
/// is no obstacle for the next connection.
pub async fn port_forward(k: &KubeBackend, app: &str, port: u16) -> Result<crate::transport::BoxStream, HostError> {
    match pick_pod(k, app, None).await {
        Ok(pod) => port_forward_to(k, &pod, port).await,
        Err(no_app) => match service_target(k, app, port).await? {
            Some((pod, target)) => port_forward_to(k, &pod, target).await,
            None => Err(no_app),
        },
    }
}

/// A running pod behind the Service `name` (`NAME` or `NAMESPACE/NAME`) and the pod port its
/// `port` leads to; None when there is no such Service.
pub async fn service_target(k: &KubeBackend, name: &str, port: u16) -> Result<Option<(PodTarget, u16)>, HostError> {
    use k8s_openapi::api::core::v1::Service;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let client = k.client().await?;
    let (ns, name) = match name.split_once('/') {
        Some((ns, n)) => (Some(ns.to_string()), n),
        None => (None, name),
    };
    let lp = kube::api::ListParams::default().fields(&format!("metadata.name={name}"));
    let scopes: Vec<Option<String>> = match (&ns, k.namespaces()) {
        (Some(n), _) => vec![Some(n.clone())],
        (None, []) => vec![None],
        (None, list) => list.iter().cloned().map(Some).collect(),
    };
    let mut found = None;
    for scope in scopes {
        let api: Api<Service> = match &scope {
            Some(n) => Api::namespaced(client.clone(), n),
            None => Api::all(client.clone()),
        };
        match api.list(&lp).await {
            Ok(l) => {
                if let Some(svc) = l.items.into_iter().next() {
                    found = Some(svc);
                    break;
                }
            }
            Err(e) => return Err(HostError::new(super::backend::describe(&e).0, format!("services: {}", super::backend::describe(&e).1))),
        }
    }
    let Some(svc) = found else { return Ok(None) };
    let svc_ns = svc.metadata.namespace.clone().unwrap_or_else(|| "default".into());
    let spec = svc.spec.unwrap_or_default();
    let selector = spec.selector.unwrap_or_default();
    if selector.is_empty() {
        return Err(HostError::new(HostErrorKind::Config, format!("service {svc_ns}/{name} has no selector (no pods to forward to)")));
    }
    let sp = spec
        .ports
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.port == i32::from(port))
        .ok_or_else(|| HostError::new(HostErrorKind::Config, format!("service {svc_ns}/{name} has no port {port}")))?;
    let target = match sp.target_port {
        Some(IntOrString::Int(p)) => u16::try_from(p).map_err(|_| HostError::new(HostErrorKind::Config, "bad target port"))?,
        None => port,
        Some(IntOrString::String(named)) => {
            return Err(HostError::new(
                HostErrorKind::Config,
                format!("service {svc_ns}/{name}: named target port {named:?}; forward to the pod's port number instead"),
            ));
        }
    };
    let pod = k
        .pods()
        .await
        .into_iter()
        .filter(|p| p.metadata.namespace.as_deref().unwrap_or("default") == svc_ns)
        .filter(|p| selector.iter().all(|(key, v)| p.metadata.labels.as_ref().and_then(|l| l.get(key)) == Some(v)))
        .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running") && p.metadata.deletion_timestamp.is_none())
        .and_then(|p| p.metadata.name.clone())
        .ok_or_else(|| HostError::new(HostErrorKind::Command, format!("service {svc_ns}/{name}: no running pod behind it")))?;
    Ok(Some((PodTarget { namespace: svc_ns, name: pod }, target)))
}

/// A byte stream to `port` of this pod.
pub async fn port_forward_to(k: &KubeBackend, pod: &PodTarget, port: u16) -> Result<crate::transport::BoxStream, HostError> {
    let client = k.client().await?;
    let api: Api<Pod> = Api::namespaced(client, &pod.namespace);
    let mut pf = api.portforward(&pod.name, &[port]).await.map_err(|e| {
        let (kind, msg) = super::backend::describe(&e);
        HostError::new(kind, format!("port-forward to {}:{port}: {msg}", pod.name))
    })?;
    let stream = pf.take_stream(port).ok_or_else(|| HostError::new(HostErrorKind::Command, "port-forward gave no stream"))?;
    // The forwarder's task lives as long as the stream is read; detach it.
    tokio::spawn(async move {
        let _ = pf.join().await;
    });
    Ok(Box::new(stream))
}
