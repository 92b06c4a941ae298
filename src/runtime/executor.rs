//! Carries out effects: confirmed actions (restart, rollout, rollback) as tasks reporting their
//! steps, forwards that live until stopped, and the loaders behind the TUI's tabs (env,
//! add-ons, certificates, the PORT lookup, the audit log). The one-shot CLI runs actions
//! through `perform` too, so both say and do the same. (A shell needs the terminal, so the
//! TUI's loop runs it itself.)

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{mpsc, watch};

use super::fanout::on_each_host;
use crate::actions::forward::{self, Destination, ForwardState, ForwardStats};
use crate::actions::{self, backend_of};
use crate::audit;
use crate::model::env::Change;
use crate::model::{ActionEvent, BackendEvent, ForwardRow, HostId, HostReport, HostTarget, Operation, Process};
use crate::platform::Backend;

/// Runs a restart, rollout or rollback, its progress on `progress`. Whether all of it went well.
pub async fn perform(backends: &[Arc<dyn Backend>], op: &Operation, progress: &mpsc::UnboundedSender<ActionEvent>) -> bool {
    match op {
        Operation::Restart { app, targets } => actions::restart::restart(backends, app, targets, progress).await,
        Operation::Rollout { app, targets, health } => actions::rollout::rollout(backends, app, targets, health, progress).await.is_ok(),
        Operation::Rollback { app, targets, health } => actions::rollback::rollback(backends, app, targets, health, progress).await.is_ok(),
        Operation::Rebuild { app, targets } => actions::restart::rebuild(backends, app, targets, progress).await,
        Operation::Shell { .. } | Operation::Forward { .. } => false,
    }
}

struct Running {
    id: u64,
    label: String,
    host: HostId,
    stats: Arc<ForwardStats>,
    stop: watch::Sender<bool>,
}

pub struct Executor {
    backends: Vec<Arc<dyn Backend>>,
    events: mpsc::UnboundedSender<BackendEvent>,
    forwards: Vec<Running>,
    next_id: u64,
    /// Whether this machine's kubeconfig credentials are read (not in the demo, whose world is
    /// its own).
    local_kubeconfig: bool,
}

impl Executor {
    pub fn new(backends: Vec<Arc<dyn Backend>>, events: mpsc::UnboundedSender<BackendEvent>) -> Self {
        Executor { backends, events, forwards: Vec::new(), next_id: 1, local_kubeconfig: true }
    }

    /// Leaves this machine's kubeconfig out of the certificates and checks (the demo).
    pub fn without_local_kubeconfig(mut self) -> Self {
        self.local_kubeconfig = false;
        self
    }

    pub fn backend(&self, host: &HostId) -> Option<Arc<dyn Backend>> {
        backend_of(&self.backends, host).ok().cloned()
    }

    fn notice(&self, text: String) {
        let _ = self.events.send(BackendEvent::Notice(text));
    }

    /// Restart, rollout, rollback and forward. (Shell is the loop's.)
    pub fn run(&mut self, op: Operation) {
        match op {
            op @ (Operation::Restart { .. } | Operation::Rollout { .. } | Operation::Rollback { .. } | Operation::Rebuild { .. }) => {
                self.spawn_action(op)
            }
            Operation::Forward { label, host, platform, remote_port, local_port, bind } => {
                self.start_forward(Destination { label, platform, port: remote_port }, host, local_port, bind)
            }
            Operation::Shell { .. } => {}
        }
    }

    fn spawn_action(&self, op: Operation) {
        let backends = self.backends.clone();
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
            perform(&backends, &op, &tx).await;
            drop(tx);
            let _ = forward.await;
        });
    }

    fn start_forward(&mut self, to: Destination, host: HostId, local_port: u16, bind: std::net::IpAddr) {
        let Some(backend) = self.backend(&host) else { return self.notice(format!("{host}: not in the inventory")) };
        let (listener, moved) = match forward::bind_now(bind, local_port) {
            Ok(v) => v,
            Err(e) => return self.notice(e),
        };
        let Ok(addr) = listener.local_addr() else { return };
        let stats = Arc::new(ForwardStats::new(addr, to.port));
        let (stop, stop_rx) = watch::channel(false);
        let (label, remote_port) = (to.label.clone(), to.port);
        tokio::spawn(forward::serve(listener, backend, to, stats.clone(), stop_rx));
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
            let what = format!("{} -> 127.0.0.1:{}", f.stats.local, f.stats.remote_port);
            audit::record(&f.host, &f.label, "forward", &what, format!("stopped: {}", f.stats.summary()));
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
                state: f.stats.state.lock().map(|s| s.label()).unwrap_or_else(|_| ForwardState::Listening.label()),
                active: f.stats.active.load(Ordering::Relaxed),
                total: f.stats.total.load(Ordering::Relaxed),
                bytes_in: f.stats.bytes_in.load(Ordering::Relaxed),
                bytes_out: f.stats.bytes_out.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// The app's PORT as its process sees it, for the forward prompt.
    pub fn resolve_port(&self, app: String, target: HostTarget) {
        let Some(backend) = self.backend(&target.host) else { return };
        let events = self.events.clone();
        tokio::spawn(async move {
            let port = match backend.platform(target.platform) {
                Ok(p) => p.port_of(&target).await,
                Err(_) => None,
            };
            let _ = events.send(BackendEvent::PortResolved { app, target, port });
        });
    }

    /// An app's env from every target at once; targets that fail become problems, not silence.
    pub fn load_env(&self, app: String, hosts: Vec<(HostTarget, Vec<Process>)>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (per_host, problems) = app_envs(&backends, &hosts).await;
            let envs = per_host.into_iter().flatten().collect();
            let _ = events.send(BackendEvent::Env { app, envs, problems });
        });
    }

    /// The add-ons an app uses on each of its hosts, every host at once.
    pub fn load_addons(&self, app: String, reports: Vec<HostReport>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (per_host, mut problems) = on_each_host(&backends, &reports, |r| &r.host, |b, r| async move { b.addons(r).await }).await;
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
            let read = match b.platform(target.platform) {
                Ok(p) => p.read_env_file(&target, &path).await,
                Err(e) => Err(e.message),
            };
            let event = match read {
                Ok((sha, text)) => BackendEvent::EnvFile { app, target, path, sha, text },
                Err(e) => BackendEvent::Notice(e),
            };
            let _ = events.send(event);
        });
    }

    /// Sets or unsets keys on every given target, atomically; reports what changed where.
    pub fn write_env(&self, app: String, targets: Vec<(HostTarget, String)>, change: Change) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let runs = targets.iter().map(|(t, path)| {
                let (backends, app, change) = (&backends, &app, &change);
                async move {
                    let b = backend_of(backends, &t.host)?;
                    let p = actions::platform_for(b.as_ref(), t, t.platform.caps.env_write)?;
                    p.change_env(t, app, path, change).await.map(|(old, new)| (path, old != new))
                }
            });
            let mut changed = Vec::new();
            let mut report = Vec::new();
            for ((t, _), r) in targets.iter().zip(futures::future::join_all(runs).await) {
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
            let written = match b.platform(target.platform) {
                Ok(p) => p.write_env_file(&target, &app, &path, &sha, &text).await,
                Err(e) => Err(format!("failed: {}", e.message)),
            };
            let (changed, line) = match written {
                Ok(()) => (vec![target.clone()], format!("{}: {path} written (backup kept)", target.host)),
                Err(e) => (vec![], e),
            };
            let _ = events.send(BackendEvent::EnvWritten { app, changed, report: vec![line] });
        });
    }

    /// Every host's certificates at once, plus the local kubeconfig credentials.
    pub fn load_certs(&self, reports: Vec<HostReport>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        let local_kubeconfig = self.local_kubeconfig;
        tokio::spawn(async move {
            let (per_host, problems) = on_each_host(&backends, &reports, |r| &r.host, |b, r| async move { b.certs(r).await }).await;
            let mut rows: Vec<crate::certs::CertRow> = per_host.into_iter().flatten().collect();
            let kube = tokio::task::spawn_blocking(move || {
                if !local_kubeconfig {
                    return Vec::new();
                }
                let paths = crate::certs::kubeconfig::files();
                crate::certs::kubeconfig::credentials(&paths, std::env::var_os("KUBECONFIG").is_some())
            })
            .await
            .unwrap_or_default();
            rows.extend(crate::certs::kube_rows(kube));
            let _ = events.send(BackendEvent::Certs { rows, problems });
        });
    }

    /// An app's activity, read now from its hosts and the audit log.
    pub fn load_activity(&self, app: String, reports: Vec<HostReport>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (entries, problems) = super::activity::app_activity(&backends, &reports, &app, None, 200).await;
            let _ = events.send(BackendEvent::Activity { app, entries, problems });
        });
    }

    /// What `fleet check` reads beside the reports (certificates, add-ons, env drift), for the
    /// problems view; the state has the reports and the metrics already.
    pub fn observe(&self, reports: Vec<HostReport>, node_exporter: String) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        let kubeconfig = self.local_kubeconfig;
        tokio::spawn(async move {
            let hosts = reports.into_iter().map(|r| (r.host.clone(), Ok(r))).collect();
            let scope = super::check::Scope { kubeconfig, metrics: false, node_exporter };
            let mut observed = super::check::observe_with(&backends, hosts, &scope).await;
            // The reports are the state's business (it has newer ones by now).
            observed.hosts.clear();
            let _ = events.send(BackendEvent::Observed(Box::new(observed)));
        });
    }

    /// The certificates of one app's domains on the hosts it runs on.
    pub fn load_app_certs(&self, app: String, reports: Vec<HostReport>, domains: Vec<String>) {
        let backends = self.backends.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let (per_host, problems) = on_each_host(
                &backends,
                &reports,
                |r| &r.host,
                |b, r| {
                    let (app, domains) = (app.clone(), domains.clone());
                    async move { b.app_certs(r, &app, &domains).await }
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

/// Each target's env (its processes there), every target at once: the Env tab and `fleet
/// config` read it the same way.
pub async fn app_envs(
    backends: &[Arc<dyn Backend>],
    hosts: &[(HostTarget, Vec<Process>)],
) -> (Vec<Vec<crate::model::ProcessEnv>>, Vec<String>) {
    on_each_host(
        backends,
        hosts,
        |(t, _)| &t.host,
        |b, (t, procs)| async move {
            let refs: Vec<&Process> = procs.iter().collect();
            match b.platform(t.platform) {
                Ok(p) => p.env(t, &refs).await.map_err(|e| e.message),
                Err(e) => Err(e.message),
            }
        },
    )
    .await
}

impl Drop for Executor {
    fn drop(&mut self) {
        for f in &self.forwards {
            let _ = f.stop.send(true);
        }
    }
}
