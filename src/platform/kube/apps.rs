//! Kubernetes objects → fleet processes, by convention: an app is the set of workloads
//! (Deployment, StatefulSet, DaemonSet, CronJob) sharing the `app.kubernetes.io/name` label (the
//! workload's name without it); a process is the `app.kubernetes.io/component` label, else the
//! workload's name. Each pod is one process row (a dyno, in Heroku's words); a workload without
//! pods (scaled to zero, a CronJob between runs) is one row of its own. Pure: no I/O.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::model::{HostId, Process, ProcessKind, ProcessState, Schedule};

/// The labels that make the convention (configurable in fleet.toml `[kubernetes]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub app: String,
    pub process: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels { app: "app.kubernetes.io/name".into(), process: "app.kubernetes.io/component".into() }
    }
}

/// Everything one snapshot of a cluster holds that apps are made of (shared with the watched
/// stores, not copied out of them).
#[derive(Debug, Default, Clone)]
pub struct Objects {
    pub deployments: Vec<Arc<Deployment>>,
    pub statefulsets: Vec<Arc<StatefulSet>>,
    pub daemonsets: Vec<Arc<DaemonSet>>,
    pub cronjobs: Vec<Arc<CronJob>>,
    pub pods: Vec<Arc<Pod>>,
}

/// One workload, whatever its kind.
struct Workload<'a> {
    kind: &'static str,
    meta: &'a ObjectMeta,
    selector: Option<&'a LabelSelector>,
    template: Option<(&'a ObjectMeta, Option<&'a PodSpec>)>,
    desired: Option<i32>,
    ready: Option<i32>,
    /// When the current pods were rolled out (or the object made).
    rolled: Option<Timestamp>,
}

fn ts(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Timestamp {
    t.0
}

fn workloads(o: &Objects) -> Vec<Workload<'_>> {
    let mut out = Vec::new();
    for d in &o.deployments {
        let spec = Some(&d.spec);
        let status = d.status.as_ref();
        // The Progressing condition's last update is the last rollout's end (or progress).
        let rolled = status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_.as_deref() == Some("Progressing")))
            .and_then(|c| c.last_update_time.as_ref().map(ts))
            .or_else(|| d.metadata.creation_timestamp.as_ref().map(ts));
        out.push(Workload {
            kind: "deployment",
            meta: &d.metadata,
            selector: spec.map(|s| &s.selector),
            template: spec.map(|s| (s.template.metadata.as_ref().unwrap_or(&d.metadata), s.template.spec.as_ref())),
            desired: Some(spec.and_then(|s| s.replicas).unwrap_or(1)),
            ready: Some(status.and_then(|s| s.ready_replicas).unwrap_or(0)),
            rolled,
        });
    }
    for s in &o.statefulsets {
        let spec = Some(&s.spec);
        out.push(Workload {
            kind: "statefulset",
            meta: &s.metadata,
            selector: spec.map(|x| &x.selector),
            template: spec.map(|x| (x.template.metadata.as_ref().unwrap_or(&s.metadata), x.template.spec.as_ref())),
            desired: Some(spec.and_then(|x| x.replicas).unwrap_or(1)),
            ready: Some(s.status.as_ref().and_then(|x| x.ready_replicas).unwrap_or(0)),
            rolled: s.metadata.creation_timestamp.as_ref().map(ts),
        });
    }
    for d in &o.daemonsets {
        let spec = Some(&d.spec);
        let status = d.status.as_ref();
        out.push(Workload {
            kind: "daemonset",
            meta: &d.metadata,
            selector: spec.map(|x| &x.selector),
            template: spec.map(|x| (x.template.metadata.as_ref().unwrap_or(&d.metadata), x.template.spec.as_ref())),
            desired: status.map(|x| x.desired_number_scheduled),
            ready: status.map(|x| x.number_ready),
            rolled: d.metadata.creation_timestamp.as_ref().map(ts),
        });
    }
    for c in &o.cronjobs {
        let job = c.spec.job_template.spec.as_ref();
        out.push(Workload {
            kind: "cronjob",
            meta: &c.metadata,
            selector: None,
            template: job.map(|j| (j.template.metadata.as_ref().unwrap_or(&c.metadata), j.template.spec.as_ref())),
            desired: None,
            ready: None,
            rolled: c.status.as_ref().and_then(|s| s.last_schedule_time.as_ref().map(ts)),
        });
    }
    out
}

fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.labels.as_ref().and_then(|l| l.get(key)).map(String::as_str).filter(|v| !v.is_empty())
}

/// Whether `selector`'s matchLabels (and simple matchExpressions) select these labels.
pub fn selects(selector: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> bool {
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    let by_labels = selector.match_labels.as_ref().is_none_or(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)));
    let by_expr = selector.match_expressions.as_ref().is_none_or(|es| {
        es.iter().all(|e| {
            let values = e.values.as_deref().unwrap_or_default();
            match e.operator.as_str() {
                "In" => labels.get(&e.key).is_some_and(|v| values.contains(v)),
                "NotIn" => labels.get(&e.key).is_none_or(|v| !values.contains(v)),
                "Exists" => labels.contains_key(&e.key),
                "DoesNotExist" => !labels.contains_key(&e.key),
                _ => false,
            }
        })
    });
    let has_any =
        selector.match_labels.as_ref().is_some_and(|m| !m.is_empty()) || selector.match_expressions.as_ref().is_some_and(|e| !e.is_empty());
    has_any && by_labels && by_expr
}

/// A pod's state in fleet's words, and the raw words.
fn pod_state(p: &Pod) -> (ProcessState, String) {
    let status = p.status.as_ref();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
    let waiting = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.iter().find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone()));
    let ready = status.and_then(|s| s.conditions.as_ref()).is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    let deleting = p.metadata.deletion_timestamp.is_some();
    let state = match (phase, waiting.as_deref(), ready, deleting) {
        (_, _, _, true) => ProcessState::Stopping,
        (_, Some("CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull" | "CreateContainerConfigError"), _, _) => ProcessState::Failed,
        ("Running", _, true, _) => ProcessState::Running,
        ("Running" | "Pending", _, _, _) => ProcessState::Starting,
        ("Succeeded", _, _, _) => ProcessState::Stopped,
        ("Failed", _, _, _) => ProcessState::Failed,
        _ => ProcessState::Unknown,
    };
    let detail = match waiting {
        Some(w) => format!("{phase} ({w})"),
        None if deleting => format!("{phase} (terminating)"),
        None => phase.to_string(),
    };
    (state, detail)
}

/// Why a pod is not running, from its containers: what it waits on ("CrashLoopBackOff"), and
/// how its last run ended ("last exit 1: Error", "OOMKilled").
fn pod_why(p: &Pod) -> Option<String> {
    let statuses = p.status.as_ref()?.container_statuses.as_ref()?;
    let said: Vec<String> = statuses
        .iter()
        .filter_map(|c| {
            let waiting = c.state.as_ref().and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.clone());
            let last = c.last_state.as_ref().and_then(|s| s.terminated.as_ref()).map(|t| match &t.reason {
                Some(r) => format!("last exit {}: {r}", t.exit_code),
                None => format!("last exit {}", t.exit_code),
            });
            let parts: Vec<String> = waiting.into_iter().chain(last).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        })
        .collect();
    (!said.is_empty()).then(|| said.join("; "))
}

fn images(spec: Option<&PodSpec>) -> String {
    spec.map(|s| s.containers.iter().filter_map(|c| c.image.clone()).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

/// Every process of every app on this cluster (`host` is the cluster's row).
pub fn processes(o: &Objects, host: &HostId, labels: &Labels) -> Vec<Process> {
    let mut out = Vec::new();
    for w in workloads(o) {
        let name = w.meta.name.clone().unwrap_or_default();
        let ns = w.meta.namespace.clone().unwrap_or_else(|| "default".into());
        let tmpl = w.template.map(|t| t.0);
        let app = label(w.meta, &labels.app).or_else(|| tmpl.and_then(|t| label(t, &labels.app))).unwrap_or(&name).to_string();
        let process = label(w.meta, &labels.process).or_else(|| tmpl.and_then(|t| label(t, &labels.process))).unwrap_or(&name).to_string();
        let source = format!("{}/{ns}/{name}", w.kind);
        let replicas = match (w.ready, w.desired) {
            (Some(r), Some(d)) => format!("{r}/{d} ready"),
            _ => String::new(),
        };
        let pods: Vec<&Pod> = o
            .pods
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| p.metadata.namespace.as_deref().unwrap_or("default") == ns)
            .filter(|p| match (w.selector, w.kind) {
                (Some(sel), _) => selects(sel, p.metadata.labels.as_ref()),
                // A CronJob's pods belong to its Jobs, named after it.
                (None, "cronjob") => p
                    .metadata
                    .owner_references
                    .as_ref()
                    .is_some_and(|os| os.iter().any(|o| o.kind == "Job" && o.name.starts_with(&format!("{name}-")))),
                _ => false,
            })
            .collect();
        let base = Process {
            app: app.clone(),
            process: process.clone(),
            host: host.clone(),
            kind: ProcessKind::KubeWorkload,
            platform: super::info(),
            source: source.clone(),
            state: ProcessState::Stopped,
            detail: replicas.clone(),
            why: None,
            warning: None,
            pid: None,
            memory_bytes: None,
            since: w.rolled,
            restarts: None,
            user: None,
            working_dir: None,
            env_files: Vec::new(),
            environment: Vec::new(),
            workload: Some(source.clone()),
            schedule: (w.kind == "cronjob").then(|| cron_schedule(o, &ns, &name)).flatten(),
            container: None,
        };
        if pods.is_empty() {
            let detail = match (w.kind, w.desired) {
                ("cronjob", _) => {
                    format!("cronjob {} · no job running{}", c_schedule(o, &ns, &name), last_run_said(base.schedule.as_ref()))
                }
                (_, Some(0)) => format!("{replicas} · scaled to zero"),
                _ => format!("{replicas} · no pods"),
            };
            let failed = w.desired.unwrap_or(0) > 0 && w.kind != "cronjob";
            let state = if failed { ProcessState::Failed } else { ProcessState::Stopped };
            let why = failed.then(|| format!("{} wanted, none scheduled", w.desired.unwrap_or(0)));
            out.push(Process { state, detail, why, ..base });
            continue;
        }
        for p in pods {
            let (state, phase) = pod_state(p);
            let status = p.status.as_ref();
            let restarts =
                status.and_then(|s| s.container_statuses.as_ref()).map(|cs| cs.iter().map(|c| c.restart_count.max(0) as u32).sum());
            let node = p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_else(|| "unscheduled".into());
            let image = images(p.spec.as_ref());
            out.push(Process {
                kind: ProcessKind::KubePod,
                source: format!("pod/{ns}/{}", p.metadata.name.as_deref().unwrap_or("")),
                why: (state != ProcessState::Running).then(|| pod_why(p)).flatten(),
                state,
                detail: format!("{phase} · {node} · {} {replicas} · {image}", w.kind),
                since: status.and_then(|s| s.start_time.as_ref().map(ts)).or(w.rolled),
                restarts,
                ..base.clone()
            });
        }
    }
    out.sort_by(|a, b| (&a.app, &a.process, &a.source).cmp(&(&b.app, &b.process, &b.source)));
    out
}

fn c_schedule(o: &Objects, ns: &str, name: &str) -> String {
    o.cronjobs
        .iter()
        .find(|c| c.metadata.name.as_deref() == Some(name) && c.metadata.namespace.as_deref().unwrap_or("default") == ns)
        .map(|c| c.spec.schedule.clone())
        .unwrap_or_default()
}

/// A CronJob's schedule and how its runs went, from its status: the controller records when it
/// last scheduled a Job and when one last succeeded, so a schedule newer than the last success
/// with no Job active means the last run failed (or its Job was deleted before it finished).
fn cron_schedule(o: &Objects, ns: &str, name: &str) -> Option<Schedule> {
    let c = o
        .cronjobs
        .iter()
        .find(|c| c.metadata.name.as_deref() == Some(name) && c.metadata.namespace.as_deref().unwrap_or("default") == ns)?;
    let status = c.status.as_ref();
    let last_run = status.and_then(|s| s.last_schedule_time.as_ref()).map(ts);
    let last_success = status.and_then(|s| s.last_successful_time.as_ref()).map(ts);
    let running = status.and_then(|s| s.active.as_ref()).map_or(0, |a| a.len() as u32);
    let last_ok = match (last_run, last_success) {
        _ if running > 0 => None,
        (None, _) => None,
        (Some(run), Some(ok)) if ok >= run => Some(true),
        (Some(_), _) => Some(false),
    };
    let created = c.metadata.creation_timestamp.as_ref().map(ts);
    let cron = crate::discovery::cron::Cron::parse(&c.spec.schedule, c.spec.time_zone.as_deref());
    let due_after_last = cron.as_ref().ok().and_then(|cron| cron.next_after(last_run.or(created)?));
    Some(Schedule {
        spec: c.spec.schedule.clone(),
        scheduler: format!("cronjob {ns}/{name}"),
        enabled: !c.spec.suspend.unwrap_or(false),
        last_run,
        last_ok,
        last_result: match (last_ok, &cron) {
            (_, Err(e)) => Some(format!("its schedule cannot be read: {e}")),
            (Some(false), _) if last_success.is_none() => Some("its Job did not succeed, and none ever has".into()),
            (Some(false), _) => Some("its Job did not succeed".into()),
            _ => None,
        },
        last_success,
        next_run: None,
        due_after_last,
        running,
        how_to_enable: format!("kubectl -n {ns} patch cronjob {name} -p '{{\"spec\":{{\"suspend\":false}}}}'"),
    })
}

fn last_run_said(s: Option<&Schedule>) -> &'static str {
    match s.and_then(|s| s.last_ok) {
        Some(true) => " · last run ok",
        Some(false) => " · last run failed",
        None => "",
    }
}
