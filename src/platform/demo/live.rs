//! The demo world as it changes: PIDs, start times, pods and env files, moved only by what the
//! user does (a restart, a rollout, an env edit), all in memory. Every function takes the time,
//! so tests can pin it.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::logs::{hash, restart_lines};
use super::world::{HostDef, UnitDef};
use crate::model::{HostId, LogLine, Process, ProcessKind, ProcessState, Schedule, UnitNow};
use crate::platform::{kube, systemd};

const MIB: u64 = 1 << 20;

/// One process's (or one workload's pods') changing part.
#[derive(Debug, Clone)]
pub struct UnitLive {
    pub pid: Option<u32>,
    pub since: Timestamp,
    /// systemd's NRestarts; the pods' restart count.
    pub restarts: u32,
    /// Which pods a workload has now: a rollout makes new ones.
    pub generation: u32,
    /// Starting until then (activating, ContainerCreating).
    pub ready_at: Timestamp,
    /// A deployment's revision.
    pub revision: u32,
}

#[derive(Debug, Clone)]
pub struct Live {
    pub units: Vec<UnitLive>,
    pub files: BTreeMap<String, String>,
    next_pid: u32,
    /// Lines restarts and crashes added, oldest first (bounded).
    pub events: Vec<LogLine>,
}

fn ago(now: Timestamp, hours: u64) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(hours as i64)).unwrap_or(now)
}

fn later(t: Timestamp, ms: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_millis(ms)).unwrap_or(t)
}

impl Live {
    pub fn new(host: &HostId, def: &HostDef, now: Timestamp) -> Live {
        let booted = ago(now, def.uptime_days * 24);
        let mut events = Vec::new();
        let units = def
            .units
            .iter()
            .map(|u| {
                // Never started before the machine booted.
                let since = ago(now, u.age_hours).max(booted);
                if u.fails.is_some() && !def.cluster {
                    events.extend(restart_lines(host, u, u.source, since, None));
                }
                UnitLive {
                    pid: (!def.cluster && u.fails.is_none()).then_some(u.pid),
                    since,
                    restarts: if u.fails.is_some() { 41 } else { 0 },
                    generation: 0,
                    ready_at: since,
                    revision: 7,
                }
            })
            .collect();
        let files = def.files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
        let next_pid = 20_000 + (hash(def.name) % 9_000) as u32;
        Live { units, files, next_pid, events }
    }

    /// The indexes of the units a target names (unit names, or a cluster's workloads).
    pub fn targeted(def: &HostDef, units: &[String]) -> Vec<usize> {
        (0..def.units.len())
            .filter(|&i| units.iter().any(|u| u == def.units[i].source || Some(u.as_str()) == def.units[i].workload))
            .collect()
    }

    /// Restarts one unit (a workload: new pods); its state right after, as the platform says it.
    pub fn restart(&mut self, host: &HostId, def: &HostDef, i: usize, now: Timestamp) -> UnitNow {
        let u = &def.units[i];
        let live = &mut self.units[i];
        live.since = now;
        live.generation += 1;
        if def.cluster {
            live.ready_at = later(now, 3_000);
            live.restarts = if u.fails.is_some() { 1 } else { 0 };
            return UnitNow {
                unit: u.workload.unwrap_or(u.source).to_string(),
                active: "restarting".into(),
                sub: "rollout started".into(),
                pid: None,
                restarts: None,
            };
        }
        live.ready_at = later(now, 1_200);
        live.pid = match u.fails {
            Some(_) => None,
            None => {
                self.next_pid += 3 + (hash(&format!("{}{}", u.source, live.generation)) % 40) as u32;
                Some(self.next_pid)
            }
        };
        self.events.extend(restart_lines(host, u, u.source, now, live.pid));
        if self.events.len() > 2_000 {
            self.events.drain(..1_000);
        }
        let (active, sub) = if u.fails.is_some() { ("failed", "failed") } else { ("active", "running") };
        UnitNow { unit: u.source.to_string(), active: active.into(), sub: sub.into(), pid: live.pid, restarts: Some(live.restarts) }
    }

    /// Every process there now.
    pub fn processes(&self, host: &HostId, def: &HostDef, now: Timestamp) -> Vec<Process> {
        let mut out = Vec::new();
        for (u, live) in def.units.iter().zip(&self.units) {
            if def.cluster {
                out.extend(pods(host, u, live, now));
                continue;
            }
            if let Some(job) = job(u, now) {
                out.push(Process { host: host.clone(), ..job });
                continue;
            }
            let starting = now < live.ready_at;
            let (state, detail) = match (u.fails, starting) {
                (_, true) => (ProcessState::Starting, "activating (start)"),
                (Some(_), false) => (ProcessState::Failed, "failed (failed)"),
                (None, false) => (ProcessState::Running, "active (running)"),
            };
            out.push(Process {
                app: u.app.into(),
                process: u.process.into(),
                host: host.clone(),
                kind: ProcessKind::SystemdUnit,
                platform: systemd::info(),
                source: u.source.into(),
                state,
                detail: detail.into(),
                why: (state == ProcessState::Failed).then(|| u.fails.map(str::to_string)).flatten(),
                warning: self.deaf(def, u).filter(|_| state == ProcessState::Running),
                pid: live.pid.filter(|_| state != ProcessState::Failed),
                memory_bytes: (state != ProcessState::Failed).then(|| memory(u, live, now)),
                since: Some(live.since),
                restarts: Some(live.restarts),
                user: Some(u.user.into()),
                working_dir: Some(format!("/srv/{}", u.app)),
                env_files: u.env_files.iter().map(|f| f.to_string()).collect(),
                environment: u.environment.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                workload: None,
                schedule: None,
                container: None,
            });
        }
        out
    }

    /// "nothing listens on its PORT N" for a web process whose PORT is not among the host's
    /// listening ports, as discovery says it of a real host.
    fn deaf(&self, def: &HostDef, u: &UnitDef) -> Option<String> {
        if u.process != "web" {
            return None;
        }
        let port: u16 = u
            .env_files
            .iter()
            .filter_map(|f| self.files.get(f.trim_start_matches('-')))
            .flat_map(|text| {
                crate::env::parse::parse(text).effective().into_iter().map(|a| (a.key.clone(), a.value.clone())).collect::<Vec<_>>()
            })
            .chain(u.environment.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .find(|(k, _)| k == "PORT")
            .and_then(|(_, v)| v.trim().parse().ok())?;
        (!def.listening.contains(&port)).then(|| crate::discovery::not_listening(port))
    }
}

/// Freshly started processes use less memory, growing back over the first hour.
fn memory(u: &UnitDef, live: &UnitLive, now: Timestamp) -> u64 {
    let age = (now.as_second() - live.since.as_second()).max(0) as f64;
    let warm = 0.55 + 0.45 * (age / 3_600.0).min(1.0);
    (u.mem_mib as f64 * warm) as u64 * MIB
}

/// A random-looking name part in Kubernetes' alphabet, stable for a seed.
fn suffix(seed: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h = hash(seed);
    (0..len)
        .map(|_| {
            let c = ALPHABET[(h % ALPHABET.len() as u64) as usize] as char;
            h /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

const NODES: [&str; 3] = ["pool-a-3f9k2", "pool-a-8d2m1", "pool-a-q7w2e"];

/// A workload's pods, as the Kubernetes platform lists them.
fn pods(host: &HostId, u: &UnitDef, live: &UnitLive, now: Timestamp) -> Vec<Process> {
    let workload = u.workload.unwrap_or(u.source);
    let starting = now < live.ready_at;
    let ready = if u.fails.is_some() || starting { 0 } else { u.replicas };
    (0..u.replicas)
        .map(|j| {
            // DEPLOYMENT-TEMPLATEHASH-POD: a rollout makes a new ReplicaSet, so both change.
            let template = suffix(&format!("{}{}", u.source, live.generation), 9);
            let name = format!("{}-{template}-{}", u.source, suffix(&format!("{}{}{j}", u.source, live.generation), 5));
            let node = if j == 0 { u.node } else { NODES[j as usize % NODES.len()] };
            let (state, phase) = match (u.fails, starting) {
                (_, true) => (ProcessState::Starting, "Pending (ContainerCreating)"),
                (Some(_), false) => (ProcessState::Failed, "Running (CrashLoopBackOff)"),
                (None, false) => (ProcessState::Running, "Running"),
            };
            Process {
                app: u.app.into(),
                process: u.process.into(),
                host: host.clone(),
                kind: ProcessKind::KubePod,
                platform: kube::info(),
                source: format!("pod/apps/{name}"),
                state,
                detail: format!("{phase} · {node} · deployment {ready}/{} ready · {}", u.replicas, u.image),
                why: (state == ProcessState::Failed).then(|| u.fails.map(str::to_string)).flatten(),
                warning: None,
                pid: None,
                memory_bytes: (state == ProcessState::Running).then(|| memory(u, live, now)),
                since: Some(live.since),
                restarts: Some(live.restarts),
                user: None,
                working_dir: None,
                env_files: Vec::new(),
                environment: Vec::new(),
                workload: Some(workload.to_string()),
                schedule: None,
                container: None,
            }
        })
        .collect()
}

/// A scheduled job of the demo world: its last run 3 h ago (as `fails` says), the next at the
/// same time tomorrow.
fn job(u: &UnitDef, now: Timestamp) -> Option<Process> {
    let (spec, ok) = u.job?;
    let timer = u.source.replace(".service", ".timer");
    let last = now - jiff::SignedDuration::from_hours(3);
    let next = last + jiff::SignedDuration::from_hours(24);
    let state = if ok { ProcessState::Stopped } else { ProcessState::Failed };
    Some(Process {
        app: u.app.into(),
        process: u.process.into(),
        host: HostId(String::new()),
        kind: ProcessKind::SystemdUnit,
        platform: systemd::info(),
        source: u.source.into(),
        state,
        detail: format!(
            "{} · {timer} · last run {}",
            if ok { "inactive (dead)" } else { "failed (failed)" },
            if ok { "ok" } else { "failed" }
        ),
        why: u.fails.filter(|_| !ok).map(str::to_string),
        warning: None,
        pid: None,
        memory_bytes: None,
        since: Some(last),
        restarts: Some(0),
        user: Some(u.user.into()),
        working_dir: Some(format!("/srv/{}", u.app)),
        env_files: u.env_files.iter().map(|f| f.to_string()).collect(),
        environment: Vec::new(),
        workload: None,
        schedule: Some(Schedule {
            spec: spec.into(),
            scheduler: timer.clone(),
            enabled: true,
            last_run: Some(last),
            last_ok: Some(ok),
            last_result: u.fails.filter(|_| !ok).map(|f| f.split(':').next().unwrap_or(f).to_string()),
            last_success: ok.then_some(last),
            next_run: Some(next),
            due_after_last: Some(next),
            running: 0,
            how_to_enable: format!("systemctl enable --now {timer}"),
        }),
        container: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::demo::world::HOSTS;

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    #[test]
    fn a_restart_gives_new_pids_and_a_fresh_start() {
        let host = HostId("lon-1".into());
        let def = &HOSTS[0];
        let mut live = Live::new(&host, def, now());
        let before = live.processes(&host, def, now());
        assert!(before.iter().all(|p| p.since.unwrap() >= ago(now(), def.uptime_days * 24)), "nothing started before boot");
        let web = Live::targeted(def, &["shop-web.service".into()]);
        assert_eq!(web, [0]);
        let after = live.restart(&host, def, 0, now());
        assert_eq!(after.active, "active");
        assert_ne!(after.pid, before[0].pid);
        let ps = live.processes(&host, def, later(now(), 100));
        assert_eq!(ps[0].state, ProcessState::Starting, "activating for a moment");
        let ps = live.processes(&host, def, later(now(), 2_000));
        assert_eq!((ps[0].state, ps[0].since, ps[0].pid), (ProcessState::Running, Some(now()), after.pid));
        assert_eq!(ps[1].pid, before[1].pid, "only the targeted unit restarted");
        let second = live.restart(&host, def, 0, later(now(), 5_000));
        assert_ne!(second.pid, after.pid, "every restart a new pid");
    }

    #[test]
    fn a_crashing_unit_crashes_again() {
        let host = HostId("lon-1".into());
        let def = &HOSTS[0];
        let mut live = Live::new(&host, def, now());
        let i = Live::targeted(def, &["ledger-web.service".into()])[0];
        let lines = live.events.len();
        assert!(lines > 0, "its crash is in its log");
        assert_eq!(live.restart(&host, def, i, now()).active, "failed");
        assert!(live.events.len() > lines);
        let p = &live.processes(&host, def, later(now(), 2_000))[i];
        assert_eq!(p.state, ProcessState::Failed);
        assert!(p.why.as_deref().unwrap().contains("could not connect to the database"));
    }

    #[test]
    fn a_rollout_replaces_the_pods() {
        let host = HostId("prod-k8s".into());
        let def = HOSTS.iter().find(|h| h.cluster).unwrap();
        let mut live = Live::new(&host, def, now());
        let before: Vec<String> = live.processes(&host, def, now()).into_iter().map(|p| p.source).collect();
        assert_eq!(before.iter().filter(|s| s.starts_with("pod/apps/api-web-")).count(), 3);
        let i = Live::targeted(def, &["deployment/apps/api-web".into()])[0];
        assert_eq!(live.restart(&host, def, i, now()).unit, "deployment/apps/api-web");
        let after: Vec<String> = live.processes(&host, def, later(now(), 5_000)).into_iter().map(|p| p.source).collect();
        let web = |v: &[String]| v.iter().filter(|s| s.contains("api-web")).cloned().collect::<Vec<_>>();
        assert!(web(&before).iter().all(|p| !web(&after).contains(p)), "new pods: {after:?}");
    }

    #[test]
    fn status_web_is_deaf_on_its_port() {
        let host = HostId("ams-1".into());
        let def = HOSTS.iter().find(|h| h.name == "ams-1").unwrap();
        let live = Live::new(&host, def, now());
        let ps = live.processes(&host, def, now());
        let status = ps.iter().find(|p| p.app == "status").unwrap();
        assert_eq!(status.warning.as_deref(), Some("nothing listens on its PORT 3000"));
        assert!(ps.iter().filter(|p| p.app != "status").all(|p| p.warning.is_none()));
    }
}
