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
    let (namespace, name) = super::logs::parse_source(&chosen.source).ok_or_else(|| HostError::new(HostErrorKind::Command, "bad pod name"))?;
    Ok(PodTarget { namespace, name })
}

/// A running pod of the first of `workloads` that has one (deployments before the rest).
pub async fn pick_pod_of(k: &KubeBackend, app: &str, workloads: &[String]) -> Result<PodTarget, HostError> {
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
    let code = s.details.as_ref().and_then(|d| d.causes.as_ref()).and_then(|cs| cs.iter().find(|c| c.reason.as_deref() == Some("ExitCode"))).and_then(|c| c.message.as_ref()?.parse().ok());
    code.ok_or_else(|| s.message.clone().unwrap_or_else(|| "exec failed".into()))
}

/// Runs `argv` in the pod; its stdout and stderr become ours; returns its exit code.
pub async fn run(k: &KubeBackend, pod: &PodTarget, argv: &[String]) -> Result<i32, String> {
    let client = k.client().await.map_err(|e| e.message)?;
    let api: Api<Pod> = Api::namespaced(client, &pod.namespace);
    let ap = AttachParams::default().stdin(false).stdout(true).stderr(true);
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
pub async fn interactive(k: &KubeBackend, pod: &PodTarget) -> Result<i32, String> {
    let client = k.client().await.map_err(|e| e.message)?;
    let api: Api<Pod> = Api::namespaced(client, &pod.namespace);
    let ap = AttachParams::interactive_tty();
    let shell = vec!["sh".to_string(), "-c".into(), "command -v bash >/dev/null 2>&1 && exec bash || exec sh".into()];
    let mut proc = api.exec(&pod.name, shell, &ap).await.map_err(|e| format!("{}: exec in {}: {}", k.id(), pod.name, kerr(e)))?;
    if let (Some(mut size), Ok((cols, rows))) = (proc.terminal_size(), crossterm::terminal::size()) {
        let _ = futures::SinkExt::send(&mut size, kube::api::TerminalSize { width: cols, height: rows }).await;
    }
    let status = proc.take_status();
    let mut stdin = proc.stdin();
    let out = proc.stdout();
    let keys = crate::actions::shell::RawStdin::new().map_err(|e| format!("cannot read the terminal: {e}"))?;
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

/// A byte stream to `port` of a running pod of `app` (picked now: a replaced pod is no
/// obstacle for the next connection).
pub async fn port_forward(k: &KubeBackend, app: &str, port: u16) -> Result<crate::backend::BoxStream, HostError> {
    let pod = pick_pod(k, app, None).await?;
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
