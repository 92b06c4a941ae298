//! Pod logs as fleet log lines: the history tail of every pod of the app's processes, then a
//! follow per pod that survives the network and the pods themselves. A dropped stream resumes
//! with `sinceTime` (the API takes whole seconds, so the second of the last line is asked
//! again) and lines up to the last one handed out are dropped: none lost, none repeated. New pods (a
//! restart, a rollout) are followed as they appear; a deleted pod's tail stays where it was.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::{AsyncBufReadExt, StreamExt};
use jiff::{RoundMode, Timestamp, TimestampRound, Unit};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use tokio::sync::mpsc;

use super::KubeBackend;
use crate::logs::source::{HostUnits, LogEvent, LogRequest};
use crate::model::{HostError, HostId, LogLine, ResumeToken};

/// One pod of the app, where its log lines belong.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PodRef {
    pub namespace: String,
    pub name: String,
    pub app: String,
    pub process: String,
}

/// `pod/NAMESPACE/NAME` → (namespace, name).
pub fn parse_source(source: &str) -> Option<(String, String)> {
    let rest = source.strip_prefix("pod/")?;
    let (ns, name) = rest.split_once('/')?;
    Some((ns.to_string(), name.to_string()))
}

/// "2026-11-22T10:00:00.123456789Z text" → (time, text).
pub fn parse_line(raw: &str) -> Option<(Timestamp, String)> {
    let raw = raw.strip_suffix('\n').unwrap_or(raw);
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    let (ts, text) = raw.split_once(' ').unwrap_or((raw, ""));
    Some((ts.parse().ok()?, text.to_string()))
}

fn line(host: &HostId, pod: &PodRef, ts: Timestamp, text: String) -> LogLine {
    LogLine {
        ts,
        host: host.clone(),
        app: pod.app.clone(),
        process: pod.process.clone(),
        source: pod.name.clone(),
        priority: None,
        stream: None,
        message: text,
        resume: ResumeToken::Kube(ts),
        clock: crate::model::Clock::Source,
    }
}

/// What the app's processes are on this cluster now: their pods (from the watched stores).
async fn current_pods(k: &KubeBackend, wanted: &[(String, String)]) -> Vec<PodRef> {
    let Ok(report) = k.refresh().await else { return Vec::new() };
    report
        .processes
        .iter()
        .filter(|p| p.kind == crate::model::ProcessKind::KubePod && wanted.iter().any(|(a, pr)| *a == p.app && *pr == p.process))
        .filter_map(|p| {
            let (namespace, name) = parse_source(&p.source)?;
            Some(PodRef { namespace, name, app: p.app.clone(), process: p.process.clone() })
        })
        .collect()
}

fn error(e: kube::Error) -> HostError {
    let (kind, message) = super::backend::describe(&e);
    HostError::new(kind, message)
}

/// The newest lines of each pod (at most `req.lines` after filtering), merged oldest first.
async fn history(k: &KubeBackend, pods: &[PodRef], req: &LogRequest) -> Result<(Vec<LogLine>, HashMap<PodRef, Timestamp>), HostError> {
    let client = k.client().await?;
    let runs = pods.iter().map(|p| {
        let api: Api<Pod> = Api::namespaced(client.clone(), &p.namespace);
        let params = LogParams {
            timestamps: true,
            // The API's tail is the pod's newest lines: right for "the last N", wrong for lines
            // before `until` (an older page), which reads the pod's log whole instead.
            tail_lines: (!req.filter.has_text_filter() && req.lines > 0 && req.until.is_none()).then_some(req.lines as i64),
            since_time: req.since.map(floor_second),
            ..Default::default()
        };
        async move { (p, api.logs(&p.name, &params).await) }
    });
    let mut out = Vec::new();
    let mut last = HashMap::new();
    for (p, text) in futures::future::join_all(runs).await {
        let text = text.map_err(error)?;
        for raw in text.lines() {
            let Some((ts, msg)) = parse_line(raw) else { continue };
            last.insert(p.clone(), ts);
            if req.until.is_some_and(|u| ts > u) || req.since.is_some_and(|s| ts < s) {
                continue;
            }
            let l = line(k.id(), p, ts, msg);
            if req.filter.matches(&l) {
                out.push(l);
            }
        }
    }
    out.sort_by_key(|l| l.ts);
    let keep = out.len().saturating_sub(req.lines);
    Ok((out.split_off(keep), last))
}

pub fn floor_second(t: Timestamp) -> Timestamp {
    t.round(TimestampRound::new().smallest(Unit::Second).mode(RoundMode::Trunc)).unwrap_or(t)
}

/// Older lines of the app's pods (a log view scrolled above its buffer), oldest first.
pub async fn older(k: &KubeBackend, hu: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
    let wanted: Vec<(String, String)> = hu.units.iter().map(|(_, a, p)| (a.clone(), p.clone())).collect();
    let pods = current_pods(k, &wanted).await;
    history(k, &pods, req).await.map(|(lines, _)| lines)
}

/// History, then (if asked) a follow of every pod, as events for this cluster's row.
pub async fn run(k: &KubeBackend, hu: HostUnits, req: LogRequest, tx: mpsc::UnboundedSender<LogEvent>) {
    let wanted: Vec<(String, String)> = hu.units.iter().map(|(_, a, p)| (a.clone(), p.clone())).collect();
    let pods = current_pods(k, &wanted).await;
    let started = Timestamp::now();
    let (lines, last) = match history(k, &pods, &req).await {
        Ok(x) => x,
        Err(error) => {
            let _ = tx.send(LogEvent::Failed { host: hu.host, error });
            return;
        }
    };
    if tx.send(LogEvent::History { host: hu.host.clone(), lines }).is_err() || !req.follow {
        return;
    }
    // Pods known now resume after their last line (or from when history was read); pods that
    // appear later are read from their start.
    let mut followed: HashSet<PodRef> = HashSet::new();
    let mut tasks = Vec::new();
    for p in pods {
        let since = last.get(&p).copied().unwrap_or(started);
        followed.insert(p.clone());
        tasks.push(tokio::spawn(follow_pod(k.clone(), p, Some(since), req.filter.clone(), tx.clone())));
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = tx.closed() => break,
        }
        for p in current_pods(k, &wanted).await {
            if followed.insert(p.clone()) {
                tasks.push(tokio::spawn(follow_pod(k.clone(), p, None, req.filter.clone(), tx.clone())));
            }
        }
    }
    for t in tasks {
        t.abort();
    }
}

/// Follows one pod until it is gone or nobody listens. `since`: the last line already handed
/// out (None: from the pod's start).
async fn follow_pod(
    k: KubeBackend,
    pod: PodRef,
    mut since: Option<Timestamp>,
    filter: crate::logs::filter::LogFilter,
    tx: mpsc::UnboundedSender<LogEvent>,
) {
    let host = k.id().clone();
    let mut dropped_at: Option<Instant> = None;
    let mut failures = 0u32;
    loop {
        let client = match k.client().await {
            Ok(c) => c,
            Err(_) => {
                failures += 1;
                if crate::logs::source::pause(failures, &tx).await.is_err() {
                    return;
                }
                continue;
            }
        };
        let api: Api<Pod> = Api::namespaced(client, &pod.namespace);
        let params = LogParams { follow: true, timestamps: true, since_time: since.map(floor_second), ..Default::default() };
        let stream = tokio::select! {
            s = api.log_stream(&pod.name, &params) => s,
            _ = tx.closed() => return,
        };
        let reader = match stream {
            Ok(r) => r,
            Err(kube::Error::Api(s)) if s.code == 404 => return,
            Err(e) => {
                failures += 1;
                if dropped_at.is_none() {
                    dropped_at = Some(Instant::now());
                    if tx.send(LogEvent::Dropped { host: host.clone(), reason: format!("{}: {}", pod.name, error(e).message) }).is_err() {
                        return;
                    }
                }
                if crate::logs::source::pause(failures, &tx).await.is_err() {
                    return;
                }
                continue;
            }
        };
        if let Some(at) = dropped_at.take()
            && tx.send(LogEvent::Reconnected { host: host.clone(), after: at.elapsed(), at: Timestamp::now() }).is_err()
        {
            return;
        }
        failures = 0;
        let mut lines = reader.lines();
        loop {
            let next = tokio::select! {
                l = lines.next() => l,
                _ = tx.closed() => return,
            };
            let Some(Ok(raw)) = next else { break };
            let Some((ts, text)) = parse_line(&raw) else { continue };
            // Already handed out (the resume asks again from the start of that second; pod log
            // timestamps are nanoseconds, so the last line's time marks what was seen).
            if since.is_some_and(|s| ts <= s) {
                continue;
            }
            since = Some(ts);
            let l = line(&host, &pod, ts, text);
            if filter.matches(&l) && tx.send(LogEvent::Live { host: host.clone(), line: l }).is_err() {
                return;
            }
        }
        // The stream ended: the pod is gone (its tail stays in view) or the connection dropped.
        match api.get_opt(&pod.name).await {
            Ok(None) => return,
            Ok(Some(p)) if p.metadata.deletion_timestamp.is_some() => return,
            _ => {}
        }
        dropped_at = Some(Instant::now());
        if tx.send(LogEvent::Dropped { host: host.clone(), reason: format!("{}: log stream ended", pod.name) }).is_err() {
            return;
        }
        failures += 1;
        if crate::logs::source::pause(failures, &tx).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_sources() {
        let (ts, text) = parse_line("2026-11-22T10:00:00.123456789Z GET /up 200\n").unwrap();
        assert_eq!(ts.to_string(), "2026-11-22T10:00:00.123456789Z");
        assert_eq!(text, "GET /up 200");
        assert!(parse_line("no timestamp here").is_none());
        assert_eq!(parse_source("pod/prod/ledger-web-1"), Some(("prod".into(), "ledger-web-1".into())));
        assert_eq!(floor_second("2026-11-22T10:00:00.9Z".parse().unwrap()).to_string(), "2026-11-22T10:00:00Z");
    }
}
