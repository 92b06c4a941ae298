//! A kubeconfig context as a host row (`Backend`) and as the platform that runs its apps'
//! processes (`Platform`): each of fleet's operations as kubectl would do it, through kube-rs.

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::actions::{describe_restart, parse_workload};
use super::{KubeBackend, actions, exec, logs};
use crate::audit;
use crate::certs::CertSource;
use crate::certs::gather::named_for;
use crate::config::Convention;
use crate::logs::source::LogRequest;
use crate::model::addon::AddonProblem;
use crate::model::env::Change;
use crate::model::{
    AddOn, Can, Capabilities, CertRow, HealthCheck, HostError, HostFacts, HostId, HostKind, HostReport, HostTarget, HostUnits, LogEvent,
    LogLine, PlatformInfo, PlatformRef, Process, ProcessEnv, Step, UnitNow,
};
use crate::platform::{AppRead, Backend, Discovery, HostRead, Platform, Probe, StepFn};
use crate::transport::{BoxStream, Transport};

const READ_ONLY_ENV: &str =
    "the env is read-only here: change it in the Deployment, ConfigMaps and Secrets (kubectl edit, or your manifests)";

pub static INFO: PlatformInfo = PlatformInfo {
    name: "kubernetes",
    caps: Capabilities {
        restart: Can::Yes,
        rollout: Can::Yes,
        rollback: Can::Yes,
        exec: Can::Yes,
        forward: Can::Yes,
        env: Can::Yes,
        env_write: Can::No(READ_ONLY_ENV),
        logs: Can::Yes,
        metrics: Can::Yes,
        rebuild: Can::No(crate::model::platform::NO_REBUILD),
    },
    plan,
    // A pod row says more than its name: its phase (or, when it is not running, why: first,
    // so a cut cell keeps it), node, the workload's replicas, the image.
    label: |p| match (&p.why, p.detail.split_once(" · ")) {
        (Some(why), Some((_phase, rest))) => format!("{} · {why} · {rest}", p.source.trim_start_matches("pod/")),
        _ => format!("{} · {}", p.source.trim_start_matches("pod/"), p.detail),
    },
    rollout_each: false,
};

pub fn info() -> PlatformRef {
    PlatformRef(&INFO)
}

fn plan(step: Step, t: &HostTarget) -> Vec<String> {
    match step {
        Step::Restart => t.units.iter().map(|w| describe_restart(w)).collect(),
        Step::Rebuild => Vec::new(),
        Step::Rollback => {
            t.units.iter().map(|w| format!("kubectl rollout undo {w} (the previous ReplicaSet's template), then wait for it")).collect()
        }
        Step::Shell => {
            let w = t.units.iter().find(|u| u.starts_with("deployment/")).or(t.units.first()).map(String::as_str).unwrap_or("the app");
            let pod = chosen_pod(t).map(str::to_string).unwrap_or_else(|| format!("<a running pod of {w}>"));
            let container = t.exec.container.as_ref().map(|c| format!(" -c {c}")).unwrap_or_default();
            let shell = t.exec.shell.clone().unwrap_or_else(|| "bash (or sh)".into());
            vec![format!("kubectl exec -it {pod}{container} -- {shell}")]
        }
    }
}

/// The pod chosen for `fleet shell`/`run`: `--pod NAME`, or a pod row (`pod/NS/NAME`); a
/// workload's row chooses none.
fn chosen_pod(t: &HostTarget) -> Option<&str> {
    let i = t.exec.instance.as_deref()?;
    match i.strip_prefix("pod/") {
        Some(rest) => rest.rsplit('/').next(),
        None => (!i.contains('/')).then_some(i),
    }
}

/// The pod `fleet shell`/`run` go into: the one chosen, else a running pod of the target's
/// first workload that has one.
async fn pod_for(k: &KubeBackend, app: &str, t: &HostTarget) -> Result<exec::PodTarget, String> {
    exec::pick_pod_of(k, app, &t.units, chosen_pod(t)).await.map_err(|e| e.message)
}

fn said<T>(r: &Result<T, String>, ok: impl FnOnce(&T) -> String) -> String {
    match r {
        Ok(v) => ok(v),
        Err(e) => format!("failed: {e}"),
    }
}

#[async_trait]
impl Backend for KubeBackend {
    fn id(&self) -> &HostId {
        KubeBackend::id(self)
    }

    fn kind(&self) -> HostKind {
        HostKind::Kube
    }

    fn platforms(&self) -> Vec<&dyn Platform> {
        vec![self]
    }

    fn transport(&self) -> Option<std::sync::Arc<Transport>> {
        None
    }

    async fn refresh(&self, _convention: &Convention) -> Result<HostReport, HostError> {
        KubeBackend::refresh(self).await
    }

    async fn host_sample(&self, _node_exporter: &str) -> Result<HostRead, HostError> {
        super::metrics::cluster_metrics(self).await.map(HostRead::Final)
    }

    fn demo_history(&self, _window_secs: u64, _step_secs: u64) -> Option<[Vec<(i64, f64)>; 5]> {
        None
    }

    async fn certs(&self, _report: &HostReport) -> Result<Vec<CertRow>, HostError> {
        super::certs::cluster_certs(self).await
    }

    /// The cluster's TLS Secrets and Certificates whose names are the app's (by convention or
    /// fleet.toml's `domains`). Domains are not probed by handshake here: the Ingress is.
    async fn app_certs(&self, _report: &HostReport, app: &str, domains: &[String]) -> Result<Vec<CertRow>, HostError> {
        let ours = |d: &str| named_for(d, app) || domains.iter().any(|x| x.eq_ignore_ascii_case(d));
        let rows = super::certs::cluster_certs(self).await?;
        Ok(rows
            .into_iter()
            .filter(|r| matches!(r.source, CertSource::Kube { .. }) && r.info.as_ref().is_some_and(|i| i.sans.iter().any(|s| ours(s))))
            .collect())
    }

    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        super::addons::cluster_addons(self, report).await
    }

    async fn connect_port(&self, label: &str, port: u16) -> Result<BoxStream, HostError> {
        exec::port_forward(self, label, port).await
    }

    async fn ensure_connected(&self) -> Result<(), HostError> {
        Ok(())
    }

    /// A cluster's watchers heal themselves (and a refresh restarts them if all fail); a failed
    /// forward or exec is no reason to drop them.
    async fn reset(&self) {}

    fn accept_fingerprint(&self, _fingerprint: String) {}
}

#[async_trait]
impl Platform for KubeBackend {
    /// Polled at each refresh: nothing of its own to wait for.
    async fn changed(&self) {
        std::future::pending::<()>().await
    }

    fn info(&self) -> PlatformRef {
        info()
    }

    fn probe(&self, _convention: &Convention) -> Option<String> {
        None
    }

    async fn discover(&self, _probe: &Probe<'_>, _convention: &Convention, _facts: &mut HostFacts) -> Result<Discovery, String> {
        let report = KubeBackend::refresh(self).await.map_err(|e| e.message)?;
        Ok(Discovery { processes: report.processes, note: report.facts.note, warnings: Vec::new(), absent: false })
    }

    async fn env(&self, _t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
        super::env::process_envs(self, processes).await
    }

    fn env_file(&self, _t: &HostTarget, _convention_file: &str) -> Option<String> {
        None
    }

    async fn read_env_file(&self, t: &HostTarget, _path: &str) -> Result<(String, String), String> {
        Err(format!("{}: {READ_ONLY_ENV}", t.host))
    }

    async fn change_env(&self, t: &HostTarget, _app: &str, _path: &str, _change: &Change) -> Result<(String, String), String> {
        Err(format!("{}: {READ_ONLY_ENV}", t.host))
    }

    async fn write_env_file(&self, t: &HostTarget, _app: &str, _path: &str, _sha: &str, _text: &str) -> Result<(), String> {
        Err(format!("{}: {READ_ONLY_ENV}", t.host))
    }

    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>) {
        logs::run(self, plan, req, tx).await
    }

    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
        logs::older(self, plan, req).await
    }

    /// `kubectl rollout restart` of each workload (a CronJob starts its own pods: skipped).
    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
        let mut out = Vec::new();
        for w in &t.units {
            if w.starts_with("cronjob/") {
                out.push(UnitNow {
                    unit: w.clone(),
                    active: "skipped".into(),
                    sub: "a cronjob starts its own pods".into(),
                    pid: None,
                    restarts: None,
                });
                continue;
            }
            let r = actions::restart(self, w).await;
            audit::record(&t.host, app, action, &describe_restart(w), said(&r, |_| "ok: rollout started".to_string()));
            r.map_err(|e| format!("{}: {e}", t.host))?;
            out.push(UnitNow { unit: w.clone(), active: "restarting".into(), sub: "rollout started".into(), pid: None, restarts: None });
        }
        Ok(out)
    }

    /// Ready when every replica of each workload runs the new template (kubectl's
    /// rollout-status rules), watched, not polled.
    async fn wait_ready(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<String, String> {
        let mut last = String::new();
        for w in &t.units {
            step(format!("waiting for {w}: every replica on the new template"));
            let s = wait_rolled(self, t, app, w, health, step).await?;
            step(format!("{w}: {s}"));
            last = format!("{w}: {s}");
        }
        Ok(last)
    }

    /// Each deployment back to its previous revision (`kubectl rollout undo`), watched until
    /// it has rolled; other workloads are skipped (their controllers keep no such history).
    async fn rollback(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<Vec<UnitNow>, String> {
        let mut units = Vec::new();
        for w in &t.units {
            if !w.starts_with("deployment/") {
                step(format!("{w}: skipped (rollback is for deployments)"));
                continue;
            }
            step(format!("{w}: back to the previous revision"));
            let rev = actions::rollback(self, w).await;
            audit::record(&t.host, app, "rollback", &format!("kubectl rollout undo {w}"), said(&rev, |r| format!("ok: {r}")));
            let rev = rev?;
            step(format!("{w}: {rev} applied; waiting for it to roll out"));
            let s = wait_rolled(self, t, app, w, health, step).await?;
            units.push(UnitNow { unit: w.clone(), active: "rolled back".into(), sub: format!("{rev}: {s}"), pid: None, restarts: None });
        }
        Ok(units)
    }

    async fn run(&self, t: &HostTarget, app: &str, argv: &[String]) -> Result<i32, String> {
        let pod = pod_for(self, app, t).await?;
        let what = format!("kubectl exec -n {} {} -- {}", pod.namespace, pod.name, argv.join(" "));
        let code = exec::run(self, &pod, t.exec.container.as_deref(), argv).await;
        audit::record(&t.host, app, "run", &what, said(&code, |c| format!("exit {c}")));
        code
    }

    async fn shell(&self, t: &HostTarget, app: &str) -> Result<i32, String> {
        let pod = pod_for(self, app, t).await?;
        let result = exec::interactive(self, &pod, t.exec.container.as_deref(), t.exec.shell.as_deref()).await;
        let what = format!("kubectl exec -it -n {} {} -- sh", pod.namespace, pod.name);
        audit::record(&t.host, app, "shell", &what, said(&result, |c| format!("exit {c}")));
        result
    }

    /// A running pod of the app, picked per connection (replaced pods heal), or the Service
    /// named so.
    async fn connect(&self, app: &str, port: u16) -> Result<BoxStream, HostError> {
        exec::port_forward(self, app, port).await
    }

    /// The PORT its containers are given (a literal, a ConfigMap's or a Secret's value).
    async fn port_of(&self, t: &HostTarget) -> Option<u16> {
        let report = KubeBackend::refresh(self).await.ok()?;
        let procs: Vec<&Process> = report.processes.iter().filter(|p| p.workload.as_ref().is_some_and(|w| t.units.contains(w))).collect();
        let envs = super::env::process_envs(self, &procs).await.ok()?;
        envs.iter().flat_map(|e| e.vars.iter()).find(|(k, _, _)| k == "PORT").and_then(|(_, v, _)| v.trim().parse().ok())
    }

    async fn app_metrics(&self, _t: &HostTarget, app: &str) -> Result<AppRead, String> {
        super::metrics::app_pod_metrics(self, app).await.map(AppRead::Final).map_err(|e| e.message)
    }

    /// A row's certificates are all its backend's (`Backend::certs`).
    async fn kept_certs(&self, _report: &HostReport) -> Result<Vec<crate::model::CertRow>, HostError> {
        Ok(Vec::new())
    }

    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        super::addons::cluster_addons(self, report).await
    }

    async fn activity(
        &self,
        t: &HostTarget,
        _app: &str,
        since: Option<jiff::Timestamp>,
        limit: usize,
    ) -> Result<Vec<crate::model::ActivityEntry>, String> {
        super::activity::activity(self, t, since).await.map(|a| crate::model::activity::newest_first(a, limit))
    }
}

/// Watches one workload until it has rolled (progress through `step`), recording the outcome
/// in the audit log. Rollout and rollback both end this way.
async fn wait_rolled(
    k: &KubeBackend,
    t: &HostTarget,
    app: &str,
    workload: &str,
    health: &HealthCheck,
    step: StepFn<'_>,
) -> Result<String, String> {
    let _ = parse_workload(workload)?;
    let r = actions::wait_rolled(k, workload, health.timeout, |s| step(format!("{workload}: {s}"))).await;
    audit::record(&t.host, app, "rollout-status", workload, said(&r, |s| format!("ok: {s}")));
    r.map_err(|e| format!("{workload}: {e}"))
}
