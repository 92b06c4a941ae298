//! Runs the TUI's confirmed actions: restarts and rollouts as tasks reporting their steps,
//! forwards that live until stopped, the PORT lookup and the audit log read. (The shell needs
//! the terminal, so the loop runs it itself.)

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{mpsc, watch};

use crate::actions::forward::{self, ForwardState, ForwardStats};
use crate::actions::{self, HostTarget, Operation, audit};
use crate::backend::{Backend, commands};
use crate::model::HostId;
use crate::runtime::BackendEvent;
use crate::state::actions_view::ForwardRow;

struct Running {
    id: u64,
    label: String,
    host: HostId,
    stats: Arc<ForwardStats>,
    stop: watch::Sender<bool>,
}

pub struct ActionsRuntime {
    backends: HashMap<HostId, Arc<Backend>>,
    events: mpsc::UnboundedSender<BackendEvent>,
    forwards: Vec<Running>,
    next_id: u64,
}

impl ActionsRuntime {
    pub fn new(backends: HashMap<HostId, Arc<Backend>>, events: mpsc::UnboundedSender<BackendEvent>) -> Self {
        ActionsRuntime { backends, events, forwards: Vec::new(), next_id: 1 }
    }

    pub fn backend(&self, host: &HostId) -> Option<Arc<Backend>> {
        self.backends.get(host).cloned()
    }

    fn notice(&self, text: String) {
        let _ = self.events.send(BackendEvent::Notice(text));
    }

    /// Restart, rollout and forward. (Shell is the loop's.)
    pub fn run(&mut self, op: Operation) {
        match op {
            op @ (Operation::Restart { .. } | Operation::Rollout { .. } | Operation::Rollback { .. }) => self.spawn_action(op),
            Operation::Forward { label, host, remote_port, local_port, bind } => {
                self.start_forward(label, host, remote_port, local_port, bind)
            }
            Operation::Shell { .. } => {}
        }
    }

    fn spawn_action(&self, op: Operation) {
        let backends: Vec<Arc<Backend>> = self.backends.values().cloned().collect();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let forward = tokio::spawn({
                let events = events.clone();
                async move {
                    while let Some(ev) = rx.recv().await {
                        let _ = events.send(BackendEvent::Action(ev));
                    }
                }
            });
            match &op {
                Operation::Rollout { app, targets, health } => {
                    let _ = actions::rollout::rollout(&backends, app, targets, health, &tx).await;
                }
                Operation::Rollback { app, targets, health } => {
                    let _ = actions::rollback::rollback(&backends, app, targets, health, &tx).await;
                }
                Operation::Restart { app, targets } => {
                    actions::restart::restart(&backends, app, targets, &tx).await;
                }
                Operation::Shell { .. } | Operation::Forward { .. } => {}
            }
            drop(tx);
            let _ = forward.await;
        });
    }

    fn start_forward(&mut self, label: String, host: HostId, remote_port: u16, local_port: u16, bind: std::net::IpAddr) {
        let Some(backend) = self.backend(&host) else { return self.notice(format!("{host}: not in the inventory")) };
        let (listener, moved) = match forward::bind_now(bind, local_port) {
            Ok(v) => v,
            Err(e) => return self.notice(e),
        };
        let Ok(addr) = listener.local_addr() else { return };
        let stats = Arc::new(ForwardStats {
            local: addr,
            remote_port,
            bytes_in: 0.into(),
            bytes_out: 0.into(),
            active: 0.into(),
            total: 0.into(),
            state: std::sync::Mutex::new(ForwardState::Listening),
        });
        let (stop, stop_rx) = watch::channel(false);
        tokio::spawn(forward::serve(listener, backend, label.clone(), remote_port, stats.clone(), stop_rx));
        audit::record(&host, &label, "forward", &format!("{addr} -> 127.0.0.1:{remote_port}"), "started".into());
        let moved_note = if moved { format!(" (port {local_port} was taken)") } else { String::new() };
        self.notice(format!("forwarding {addr} → {host}:{remote_port}{moved_note}; F lists forwards"));
        self.forwards.push(Running { id: self.next_id, label, host, stats, stop });
        self.next_id += 1;
    }

    pub fn stop_forward(&mut self, id: u64) {
        if let Some(i) = self.forwards.iter().position(|f| f.id == id) {
            let f = self.forwards.remove(i);
            let _ = f.stop.send(true);
            self.notice(format!("stopped the forward {} → {}:{}", f.stats.local, f.host, f.stats.remote_port));
        }
    }

    pub fn has_forwards(&self) -> bool {
        !self.forwards.is_empty()
    }

    pub fn forward_rows(&self) -> Vec<ForwardRow> {
        self.forwards
            .iter()
            .map(|f| ForwardRow {
                id: f.id,
                label: f.label.clone(),
                host: f.host.clone(),
                local: f.stats.local.to_string(),
                remote_port: f.stats.remote_port,
                state: match f.stats.state.lock().map(|s| s.clone()).unwrap_or(ForwardState::Listening) {
                    ForwardState::Listening => "listening".into(),
                    ForwardState::Reconnecting(why) => format!("reconnecting: {why}"),
                },
                active: f.stats.active.load(Ordering::Relaxed),
                total: f.stats.total.load(Ordering::Relaxed),
                bytes_in: f.stats.bytes_in.load(Ordering::Relaxed),
                bytes_out: f.stats.bytes_out.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// The app's PORT as its unit sees it (`printenv PORT` through systemd-run).
    pub fn resolve_port(&self, app: String, target: HostTarget) {
        let Some(backend) = self.backend(&target.host) else { return };
        let events = self.events.clone();
        tokio::spawn(async move {
            let cmd = commands::run_as_app(&target.run, &["printenv".into(), "PORT".into()], false, target.as_root);
            let port = match backend.exec(&cmd).await {
                Ok(out) => String::from_utf8_lossy(&out.stdout).trim().parse().ok(),
                Err(_) => None,
            };
            let _ = events.send(BackendEvent::PortResolved { app, target, port });
        });
    }

    /// An app's env from every host at once; hosts that fail become problems, not silence.
    pub fn load_env(&self, app: String, hosts: Vec<(HostTarget, Vec<crate::model::Process>)>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (per_host, problems) = on_each_host(
                &backends,
                &hosts,
                |(t, _)| &t.host,
                |b, (t, procs)| async move {
                    let refs: Vec<&crate::model::Process> = procs.iter().collect();
                    crate::env::read::host_env(&b, t, &refs).await
                },
            )
            .await;
            let envs = per_host.into_iter().flatten().collect();
            let _ = events.send(BackendEvent::Env { app, envs, problems });
        });
    }

    /// The add-ons an app uses on each of its hosts, every host at once.
    pub fn load_addons(&self, app: String, reports: Vec<crate::model::HostReport>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (per_host, mut problems) =
                on_each_host(&backends, &reports, |r| &r.host, |b, r| async move { crate::addons::gather::host_addons(&b, r).await }).await;
            let mut addons = Vec::new();
            for (a, p) in per_host {
                addons.extend(a.into_iter().filter_map(|mut a| {
                    a.routes.retain(|r| r.app.as_deref() == Some(app.as_str()));
                    (a.used_by.iter().any(|u| u.app == app) || !a.routes.is_empty()).then_some(a)
                }));
                problems.extend(p.into_iter().filter(|p| p.app == app).map(|p| p.message));
            }
            let _ = events.send(BackendEvent::Addons { app, addons, problems });
        });
    }

    /// Reads one env file for the whole-file editor.
    pub fn load_env_file(&self, app: String, target: HostTarget, path: String) {
        let Some(b) = self.backend(&target.host) else { return };
        let events = self.events.clone();
        tokio::spawn(async move {
            let out = b.exec(&commands::read_env_files(std::slice::from_ref(&path), target.as_root)).await;
            let event = match out {
                Ok(o) if o.status == Some(0) => {
                    match crate::env::read::parse_files(&String::from_utf8_lossy(&o.stdout)).into_iter().next().map(|f| f.state) {
                        Some(crate::env::table::FileState::Read { sha256, text }) => {
                            BackendEvent::EnvFile { app, target, path, sha: sha256, text }
                        }
                        _ => BackendEvent::Notice(format!("{}: cannot read {path}", target.host)),
                    }
                }
                Ok(o) => BackendEvent::Notice(actions::command_error(&target.host, &String::from_utf8_lossy(&o.stderr), o.status)),
                Err(e) => BackendEvent::Notice(format!("{}: {}", target.host, e.message)),
            };
            let _ = events.send(event);
        });
    }

    /// Sets or unsets keys on every given host, atomically; reports what changed where.
    pub fn write_env(&self, app: String, targets: Vec<(HostTarget, String)>, change: crate::env::write::Change) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let runs = targets.iter().map(|(t, path)| {
                let b = backends.get(&t.host).cloned();
                let (app, change) = (&app, &change);
                async move {
                    match b {
                        Some(b) => (t, crate::env::write::change_file(&b, t, app, path, change).await.map(|(old, new)| (path, old != new))),
                        None => (t, Err(format!("{}: not in the inventory", t.host))),
                    }
                }
            });
            let mut changed = Vec::new();
            let mut report = Vec::new();
            for (t, r) in futures::future::join_all(runs).await {
                match r {
                    Ok((path, true)) => {
                        report.push(format!("{}: {path} written (backup kept)", t.host));
                        changed.push(t.clone());
                    }
                    Ok((path, false)) => report.push(format!("{}: {path}: no change", t.host)),
                    Err(e) => report.push(format!("failed: {e}")),
                }
            }
            let _ = events.send(BackendEvent::EnvWritten { app, changed, report });
        });
    }

    /// Replaces a whole env file, refused if it changed since it was read.
    pub fn write_env_file(&self, app: String, target: HostTarget, path: String, sha: String, text: String) {
        let Some(b) = self.backend(&target.host) else { return };
        let events = self.events.clone();
        tokio::spawn(async move {
            let new_sha = crate::env::write::sha256_hex(text.as_bytes());
            let cmd = commands::write_env_file(&path, &sha, &new_sha, crate::env::write::KEEP_BACKUPS, target.as_root);
            let result = b.exec_with_input(&cmd, text.as_bytes()).await;
            let (changed, line) = match result {
                Ok(o) if o.status == Some(0) => (vec![target.clone()], format!("{}: {path} written (backup kept)", target.host)),
                Ok(o) if o.status == Some(17) => {
                    (vec![], format!("refused: {}: {path} changed on the host since it was read", target.host))
                }
                Ok(o) => {
                    (vec![], format!("failed: {}", actions::command_error(&target.host, &String::from_utf8_lossy(&o.stderr), o.status)))
                }
                Err(e) => (vec![], format!("failed: {}: {}", target.host, e.message)),
            };
            audit::record(
                &target.host,
                &app,
                "config",
                &format!("write {path} (whole file)"),
                if changed.is_empty() { line.clone() } else { "ok".into() },
            );
            let _ = events.send(BackendEvent::EnvWritten { app, changed, report: vec![line] });
        });
    }

    /// Every host's certificates at once, plus the local kubeconfig credentials.
    pub fn load_certs(&self, reports: Vec<crate::model::HostReport>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (per_host, problems) =
                on_each_host(&backends, &reports, |r| &r.host, |b, r| async move { crate::certs::gather::host_certs(&b, r).await }).await;
            let mut rows: Vec<crate::certs::CertRow> = per_host.into_iter().flatten().collect();
            let kube = tokio::task::spawn_blocking(|| {
                let paths = crate::certs::kubeconfig::files();
                crate::certs::kubeconfig::credentials(&paths, std::env::var_os("KUBECONFIG").is_some())
            })
            .await
            .unwrap_or_default();
            rows.extend(crate::certs::kube_rows(kube));
            let _ = events.send(BackendEvent::Certs { rows, problems });
        });
    }

    /// The certificates of one app's domains on the hosts it runs on.
    pub fn load_app_certs(&self, app: String, reports: Vec<crate::model::HostReport>, domains: Vec<String>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (per_host, problems) = on_each_host(
                &backends,
                &reports,
                |r| &r.host,
                |b, r| {
                    let (app, domains) = (app.clone(), domains.clone());
                    async move { crate::certs::gather::app_certs(&b, r, &app, &domains).await }
                },
            )
            .await;
            let rows = per_host.into_iter().flatten().collect();
            let _ = events.send(BackendEvent::AppCerts { app, rows, problems });
        });
    }

    pub fn load_audit(&self) {
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let _ = events.send(BackendEvent::Audit(audit::tail(200)));
        });
    }
}

/// Runs `f` for every item on its host's backend, all at once. Ok values in item order, and a
/// line per host that failed (or is not in the inventory).
async fn on_each_host<'a, I, T, Fut>(
    backends: &HashMap<HostId, Arc<Backend>>,
    items: &'a [I],
    host: impl Fn(&I) -> &HostId,
    f: impl Fn(Arc<Backend>, &'a I) -> Fut,
) -> (Vec<T>, Vec<String>)
where
    Fut: std::future::Future<Output = Result<T, crate::model::HostError>>,
{
    let runs = items.iter().map(|item| {
        let h = host(item).clone();
        let fut = backends.get(&h).cloned().map(|b| f(b, item));
        async move {
            match fut {
                Some(fut) => fut.await.map_err(|e| format!("{h}: {}", e.message)),
                None => Err(format!("{h}: not in the inventory")),
            }
        }
    });
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for r in futures::future::join_all(runs).await {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => failed.push(e),
        }
    }
    (ok, failed)
}

impl Drop for ActionsRuntime {
    fn drop(&mut self) {
        for f in &self.forwards {
            let _ = f.stop.send(true);
        }
    }
}
