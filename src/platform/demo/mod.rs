//! `fleet --demo`: a small team's world — four droplets (one down) and a cluster — as a
//! platform of its own, in memory. It goes through the same runtime, model, views and actions
//! as real hosts; each droplet answers as systemd would and the cluster as Kubernetes would
//! (their capabilities, their plans, their reasons), so what the demo shows is what fleet does.
//! Restarts, rollouts and env edits change the world (new PIDs, fresh pods, the file's text);
//! nothing leaves the machine, no audit entry is written, and `shell`/`run` say they cannot.

mod answer;
mod live;
mod logs;
mod metrics;
mod services;
pub mod world;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use tokio::sync::mpsc::UnboundedSender;

use self::live::Live;
use self::world::{HOSTS, HostDef};
use super::{AppRead, Backend, Discovery, HostRead, Platform, Probe, StepFn, kube, systemd};
use crate::audit;
use crate::certs::gather::named_for;
use crate::config::Convention;
use crate::logs::source::LogRequest;
use crate::model::addon::AddonProblem;
use crate::model::env::Change;
use crate::model::{
    AddOn, Can, CertRow, HealthCheck, HostError, HostErrorKind, HostFacts, HostId, HostKind, HostReport, HostSpec, HostTarget, HostUnits,
    LogEvent, LogLine, PlatformRef, PlatformStatus, Process, ProcessEnv, Step, UnitNow,
};
use crate::transport::{BoxStream, Transport};

/// What the demo's audit entries say of an action: it happened in memory only.
const DONE: &str = "ok (demo, in memory)";

/// The demo's inventory, in the order the hosts panel lists it.
pub fn hosts() -> Vec<HostSpec> {
    HOSTS
        .iter()
        .map(|h| HostSpec {
            id: HostId(h.name.into()),
            kind: HostKind::Demo,
            destination: String::new(),
            tags: if h.cluster { vec!["demo".into(), "kubernetes".into()] } else { vec!["demo".into()] },
            group: None,
            login: None,
            platforms: Vec::new(),
        })
        .collect()
}

/// The backend of one demo row (None: not a demo name).
pub fn backend(spec: &HostSpec) -> Option<Arc<dyn Backend>> {
    let def = HOSTS.iter().find(|h| h.name == spec.id.0)?;
    Some(Arc::new(DemoHost { id: spec.id.clone(), def, live: Mutex::new(Live::new(&spec.id, def, Timestamp::now())) }))
}

pub struct DemoHost {
    id: HostId,
    def: &'static HostDef,
    live: Mutex<Live>,
}

impl DemoHost {
    fn live(&self) -> MutexGuard<'_, Live> {
        // The world is plain data: a panic elsewhere cannot leave it half-changed.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn answer(&self, share: u64) -> Result<(), HostError> {
        tokio::time::sleep(Duration::from_millis(self.def.delay_ms / share)).await;
        match self.def.down {
            Some(why) => Err(HostError::new(HostErrorKind::Unreachable, why)),
            None => Ok(()),
        }
    }

    fn processes(&self, now: Timestamp) -> Vec<Process> {
        self.live().processes(&self.id, self.def, now)
    }

    /// The processes of `t` now, with the index of the unit each belongs to.
    fn targeted(&self, units: &[String], now: Timestamp) -> Vec<(usize, Process)> {
        let idx = Live::targeted(self.def, units);
        self.processes(now)
            .into_iter()
            .filter_map(|p| {
                let i = self.unit_of(&p.source)?;
                idx.contains(&i).then_some((i, p))
            })
            .collect()
    }

    /// Which unit a process (a pod) belongs to.
    fn unit_of(&self, source: &str) -> Option<usize> {
        self.def.units.iter().position(|u| {
            // A pod is DEPLOYMENT-TEMPLATEHASH-POD.
            source == u.source || source.strip_prefix("pod/apps/").and_then(|pod| pod.rsplitn(3, '-').nth(2)) == Some(u.source)
        })
    }

    fn cannot(&self, can: Can) -> String {
        match can {
            Can::No(why) => format!("{}: {why}", self.id),
            Can::Yes => format!("{}: not in the demo", self.id),
        }
    }

    /// History: every unit's lines and the restarts' between the request's times, merged, at
    /// most `req.lines` of them.
    fn history(&self, plan: &HostUnits, req: &LogRequest, now: Timestamp) -> Vec<LogLine> {
        let booted = now.checked_sub(jiff::SignedDuration::from_hours(self.def.uptime_days as i64 * 24)).unwrap_or(now);
        let from = req.since.unwrap_or(booted).max(booted);
        let to = req.until.unwrap_or(now).min(now);
        let mut lines = Vec::new();
        for (source, _, _) in &plan.units {
            let Some(i) = self.unit_of(source) else { continue };
            lines.extend(logs::between(&self.id, &self.def.units[i], source, from, to, req, req.lines));
        }
        let wanted: Vec<&str> = plan.units.iter().map(|(s, _, _)| s.as_str()).collect();
        lines.extend(
            self.live()
                .events
                .iter()
                .filter(|l| wanted.contains(&l.source.as_str()) && l.ts > from && l.ts <= to && req.filter.matches(l))
                .cloned(),
        );
        lines.sort_by_key(|l| l.ts);
        let extra = lines.len().saturating_sub(req.lines);
        lines.drain(..extra);
        lines
    }

    /// What is due for a follow after `after`, oldest first.
    fn due(&self, plan: &HostUnits, req: &LogRequest, after: Timestamp, now: Timestamp) -> Vec<LogLine> {
        let mut lines: Vec<LogLine> = Vec::new();
        for (source, _, _) in &plan.units {
            let Some(i) = self.unit_of(source) else { continue };
            if self.def.units[i].fails.is_some() && !self.def.cluster {
                continue;
            }
            lines.extend(logs::due(&self.id, &self.def.units[i], source, after, now));
        }
        let wanted: Vec<&str> = plan.units.iter().map(|(s, _, _)| s.as_str()).collect();
        lines.extend(self.live().events.iter().filter(|l| wanted.contains(&l.source.as_str()) && l.ts > after && l.ts <= now).cloned());
        lines.retain(|l| req.filter.matches(l));
        lines.sort_by_key(|l| l.ts);
        lines
    }
}

#[async_trait]
impl Backend for DemoHost {
    fn id(&self) -> &HostId {
        &self.id
    }

    fn kind(&self) -> HostKind {
        if self.def.cluster { HostKind::Kube } else { HostKind::Demo }
    }

    fn platforms(&self) -> Vec<&dyn Platform> {
        vec![self]
    }

    fn transport(&self) -> Option<Arc<Transport>> {
        None
    }

    async fn refresh(&self, _convention: &Convention) -> Result<HostReport, HostError> {
        self.answer(1).await?;
        let now = Timestamp::now();
        let d = self.def;
        let facts = HostFacts {
            os: Some(d.os.into()),
            kernel: (!d.cluster).then(|| d.kernel.into()),
            hostname: Some(if d.cluster { d.kernel.into() } else { d.name.into() }),
            systemd_version: d.systemd,
            uptime_secs: (!d.cluster).then_some(d.uptime_days * 86_400),
            uid: (!d.cluster).then_some(0),
            note: None,
            listening: (!d.cluster).then(|| d.listening.to_vec()),
        };
        let platforms = vec![PlatformStatus { platform: self.info(), note: None }];
        Ok(HostReport { host: self.id.clone(), facts, processes: self.processes(now), platforms, at: now })
    }

    async fn host_sample(&self, _node_exporter: &str) -> Result<HostRead, HostError> {
        self.answer(8).await?;
        Ok(HostRead::Final(metrics::host(self.def, Timestamp::now())))
    }

    fn demo_history(&self, window_secs: u64, step_secs: u64) -> Option<[Vec<(i64, f64)>; 5]> {
        self.def.down.is_none().then(|| metrics::history(self.def, Timestamp::now().as_second(), window_secs, step_secs))
    }

    async fn certs(&self, _report: &HostReport) -> Result<Vec<CertRow>, HostError> {
        self.answer(2).await?;
        Ok(services::certs(&self.id, self.def, Timestamp::now()))
    }

    async fn app_certs(&self, report: &HostReport, app: &str, domains: &[String]) -> Result<Vec<CertRow>, HostError> {
        let rows = self.certs(report).await?;
        let ours = |what: &str| {
            let d = what.trim_end_matches(" (file)");
            named_for(d, app) || domains.iter().any(|x| x.eq_ignore_ascii_case(d))
        };
        Ok(rows.into_iter().filter(|r| ours(&r.what)).collect())
    }

    async fn addons(&self, _report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        self.answer(2).await?;
        let now = Timestamp::now();
        Ok(services::addons(&self.id, self.def, &self.live(), now))
    }

    async fn connect_port(&self, label: &str, port: u16) -> Result<BoxStream, HostError> {
        self.answer(4).await?;
        Ok(answer::peer(label.to_string(), port))
    }

    async fn ensure_connected(&self) -> Result<(), HostError> {
        self.answer(4).await
    }

    async fn reset(&self) {}

    fn accept_fingerprint(&self, _fingerprint: String) {}
}

#[async_trait]
impl Platform for DemoHost {
    /// Polled at each refresh: nothing of its own to wait for.
    async fn changed(&self) {
        std::future::pending::<()>().await
    }

    fn info(&self) -> PlatformRef {
        if self.def.cluster { kube::info() } else { systemd::info() }
    }

    fn probe(&self, _convention: &Convention) -> Option<String> {
        None
    }

    async fn discover(&self, _probe: &Probe<'_>, _convention: &Convention, _facts: &mut HostFacts) -> Result<Discovery, String> {
        Ok(Discovery::default())
    }

    async fn env(&self, _t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
        self.answer(2).await?;
        let files = services::file_reads(&self.live());
        Ok(processes
            .iter()
            .filter_map(|p| self.unit_of(&p.source).map(|i| services::env_of(&self.id, self.def, &self.def.units[i], &p.source, &files)))
            .collect())
    }

    fn env_file(&self, t: &HostTarget, convention_file: &str) -> Option<String> {
        (!self.def.cluster).then(|| crate::env::write::file_for(t, convention_file)).flatten()
    }

    async fn read_env_file(&self, t: &HostTarget, path: &str) -> Result<(String, String), String> {
        self.answer(2).await.map_err(|e| e.message)?;
        if self.def.cluster {
            return Err(self.cannot(t.platform.caps.env_write));
        }
        match self.live().files.get(path) {
            Some(text) => Ok((crate::env::write::sha256_hex(text.as_bytes()), text.clone())),
            None => Err(format!("{}: {path} does not exist (create it first; fleet edits, it does not invent files)", t.host)),
        }
    }

    async fn change_env(&self, t: &HostTarget, app: &str, path: &str, change: &Change) -> Result<(String, String), String> {
        let (_, old) = self.read_env_file(t, path).await?;
        let new = crate::env::write::apply(change, &old).map_err(|e| format!("{}: {e}", t.host))?;
        self.live().files.insert(path.to_string(), new.clone());
        audit::record(&t.host, app, "config", &format!("write {path} ({})", change.describe()), DONE.into());
        Ok((old, new))
    }

    async fn write_env_file(&self, t: &HostTarget, app: &str, path: &str, sha: &str, text: &str) -> Result<(), String> {
        let (now_sha, _) = self.read_env_file(t, path).await?;
        if now_sha != sha {
            return Err(format!("refused: {}: {path} changed on the host since it was read", t.host));
        }
        self.live().files.insert(path.to_string(), text.to_string());
        audit::record(&t.host, app, "config", &format!("write {path} (whole file)"), DONE.into());
        Ok(())
    }

    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>) {
        if let Err(error) = self.answer(4).await {
            let _ = tx.send(LogEvent::Failed { host: self.id.clone(), error });
            return;
        }
        let mut last = Timestamp::now();
        let lines = self.history(&plan, &req, last);
        if tx.send(LogEvent::History { host: self.id.clone(), lines }).is_err() || !req.follow {
            return;
        }
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let now = Timestamp::now();
            for line in self.due(&plan, &req, last, now) {
                if tx.send(LogEvent::Live { host: self.id.clone(), line }).is_err() {
                    return;
                }
            }
            if tx.is_closed() {
                return;
            }
            last = now;
        }
    }

    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
        self.answer(4).await?;
        Ok(self.history(plan, req, Timestamp::now()))
    }

    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
        self.answer(2).await.map_err(|e| e.message)?;
        let idx = Live::targeted(self.def, &t.units);
        if idx.is_empty() {
            return Err(format!("{}: none of {} runs here", t.host, t.units.join(" ")));
        }
        let now = Timestamp::now();
        let units: Vec<UnitNow> = {
            let mut live = self.live();
            idx.into_iter().map(|i| live.restart(&self.id, self.def, i, now)).collect()
        };
        let said = units.iter().map(UnitNow::label).collect::<Vec<_>>().join(", ");
        audit::record(&t.host, app, action, &(t.platform.plan)(Step::Restart, t).join("; "), format!("{DONE}: {said}"));
        Ok(units)
    }

    async fn wait_ready(&self, t: &HostTarget, _app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<String, String> {
        let until_ready = |procs: &[(usize, Process)]| {
            let live = self.live();
            let at = procs.iter().map(|(i, _)| live.units[*i].ready_at).max().unwrap_or_else(Timestamp::now);
            Duration::try_from(at.duration_since(Timestamp::now())).unwrap_or_default()
        };
        let procs = self.targeted(&t.units, Timestamp::now());
        let failing = procs.iter().find(|(i, _)| self.def.units[*i].fails.is_some());
        if self.def.cluster {
            let w = t.units.join(" ");
            step(format!("waiting for {w}: every replica on the new template"));
            tokio::time::sleep(until_ready(&procs)).await;
            if let Some((i, p)) = failing {
                let why = self.def.units[*i].fails.unwrap_or("");
                return Err(format!("{w}: {} is not ready: {why}", p.source.trim_start_matches("pod/")));
            }
            let n = procs.len();
            let s = format!("{w}: {n} of {n} updated replicas are available");
            step(s.clone());
            return Ok(s);
        }
        step(format!("waiting: {}", health.describe()));
        tokio::time::sleep(until_ready(&procs)).await;
        if let Some((_, p)) = failing {
            return Err(format!("{} failed right after the restart", p.source));
        }
        tokio::time::sleep(health.stable_for).await;
        let why = match &health.url {
            Some(url) => format!("{url} answered 200"),
            None => format!("stable for {} s", health.stable_for.as_secs_f64()),
        };
        step(format!("healthy: {why}"));
        Ok(why)
    }

    async fn rollback(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<Vec<UnitNow>, String> {
        if !self.def.cluster {
            return Err(self.cannot(t.platform.caps.rollback));
        }
        let mut out = Vec::new();
        for w in &t.units {
            let idx = Live::targeted(self.def, std::slice::from_ref(w));
            let Some(&i) = idx.first().filter(|_| w.starts_with("deployment/")) else {
                step(format!("{w}: skipped (rollback is for deployments)"));
                continue;
            };
            let rev = {
                let mut live = self.live();
                live.units[i].revision = live.units[i].revision.saturating_sub(1).max(1);
                live.restart(&self.id, self.def, i, Timestamp::now());
                live.units[i].revision
            };
            audit::record(&t.host, app, "rollback", &format!("kubectl rollout undo {w}"), format!("{DONE}: revision {rev}"));
            step(format!("{w}: revision {rev} applied; waiting for it to roll out"));
            let one = HostTarget { units: vec![w.clone()], ..t.clone() };
            let s = self.wait_ready(&one, app, health, step).await?;
            out.push(UnitNow {
                unit: w.clone(),
                active: "rolled back".into(),
                sub: format!("revision {rev}: {s}"),
                pid: None,
                restarts: None,
            });
        }
        Ok(out)
    }

    async fn run(&self, t: &HostTarget, _app: &str, argv: &[String]) -> Result<i32, String> {
        Err(format!(
            "{}: the demo has no machine to run {} on (on a real host: {})",
            t.host,
            argv.join(" "),
            (t.platform.plan)(Step::Shell, t).join("; ")
        ))
    }

    async fn shell(&self, t: &HostTarget, _app: &str) -> Result<i32, String> {
        Err(format!(
            "{}: the demo has no machine to open a shell on (on a real host: {})",
            t.host,
            (t.platform.plan)(Step::Shell, t).join("; ")
        ))
    }

    async fn connect(&self, app: &str, port: u16) -> Result<BoxStream, HostError> {
        self.answer(4).await?;
        Ok(answer::peer(app.to_string(), port))
    }

    async fn port_of(&self, t: &HostTarget) -> Option<u16> {
        let procs: Vec<Process> = self.targeted(&t.units, Timestamp::now()).into_iter().map(|(_, p)| p).collect();
        let refs: Vec<&Process> = procs.iter().collect();
        let envs = self.env(t, &refs).await.ok()?;
        envs.iter().flat_map(|e| e.vars.iter()).find(|(k, _, _)| k == "PORT").and_then(|(_, v, _)| v.trim().parse().ok())
    }

    async fn app_metrics(&self, t: &HostTarget, _app: &str) -> Result<AppRead, String> {
        self.answer(4).await.map_err(|e| e.message)?;
        let now = Timestamp::now();
        let procs = self.targeted(&t.units, now);
        let live = self.live();
        Ok(AppRead::Final(
            procs
                .iter()
                .map(|(i, p)| {
                    let running = p.state == crate::model::ProcessState::Running;
                    metrics::unit(&self.def.units[*i], &live.units[*i], &p.source, running, p.memory_bytes, now)
                })
                .collect(),
        ))
    }

    /// A row's certificates are all its backend's (`Backend::certs`).
    async fn kept_certs(&self, _report: &HostReport) -> Result<Vec<crate::model::CertRow>, HostError> {
        Ok(Vec::new())
    }

    async fn addons(&self, report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        Backend::addons(self, report).await
    }

    /// The demo's record: each process's last start, and a crash for one that failed.
    async fn activity(
        &self,
        t: &HostTarget,
        _app: &str,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<crate::model::ActivityEntry>, String> {
        self.answer(3).await.map_err(|e| e.message)?;
        // What the platform would have recorded of the world as it stands: each process's last
        // start (after a stop), a failure with its reason, and on the cluster the rollout that
        // made the running pods.
        let who = if self.def.cluster { "kubelet" } else { "systemd" };
        let entry = |at: Timestamp, who: &str, what: &str, detail: String| crate::model::ActivityEntry {
            at,
            host: t.host.clone(),
            who: who.into(),
            what: what.into(),
            detail,
        };
        let mut entries = Vec::new();
        for (i, p) in self.targeted(&t.units, Timestamp::now()) {
            let Some(at) = p.since else { continue };
            let u = &self.def.units[i];
            if p.state == crate::model::ProcessState::Failed {
                let why = p.why.as_deref().unwrap_or("failed");
                entries.push(entry(at, who, "failed", format!("{}: {why}", p.source)));
                entries.push(entry(at - jiff::SignedDuration::from_secs(1), who, "started", format!("{}: started", p.source)));
                continue;
            }
            entries.push(entry(at, who, "started", format!("{}: started", p.source)));
            if self.def.cluster {
                let image = if u.image.is_empty() { String::new() } else { format!(" ({})", u.image) };
                entries.push(entry(
                    at,
                    "deployment-controller",
                    "rollout",
                    format!("{}: new revision{image}", u.workload.unwrap_or(u.source)),
                ));
            } else {
                entries.push(entry(at - jiff::SignedDuration::from_secs(2), who, "stopped", format!("{}: stopped", p.source)));
            }
        }
        entries.retain(|e| since.is_none_or(|s| e.at >= s));
        // One rollout line per workload, whatever its pods.
        let mut rolled = std::collections::HashSet::new();
        entries.retain(|e| e.what != "rollout" || rolled.insert(e.detail.clone()));
        Ok(crate::model::activity::newest_first(entries, limit))
    }
}
