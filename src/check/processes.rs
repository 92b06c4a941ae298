//! Processes that failed, crash-loop, restart in a loop, or run without doing their job.

use super::Limits;
use crate::model::problem::{Area, Problem, Severity};
use crate::model::{HostReport, Process, ProcessState};

pub fn problems(reports: &[&HostReport], limits: &Limits) -> Vec<Problem> {
    let mut out = Vec::new();
    for r in reports {
        for p in r.processes.iter().filter(|p| p.schedule.is_none()) {
            if let Some(problem) = one(p, limits) {
                out.push(problem);
            }
        }
    }
    out
}

fn one(p: &Process, limits: &Limits) -> Option<Problem> {
    let base = |severity, message: String, fix: String| Problem {
        severity,
        area: Area::Processes,
        host: Some(p.host.clone()),
        app: Some(p.app.clone()),
        subject: p.source.clone(),
        message,
        since: p.since,
        fix,
    };
    let logs = format!("fleet logs {} -p {} --host {}", p.app, p.process, p.host);
    match p.state {
        ProcessState::Failed => Some(base(
            Severity::Critical,
            format!("{} {}@{} failed: {}", p.app, p.process, p.host, p.why.as_deref().unwrap_or(&p.detail)),
            format!("read why ({logs}), fix it, then fleet restart {} -p {}", p.app, p.process),
        )),
        _ if p.restarts.is_some_and(|n| n >= limits.restart_loop) && p.state != ProcessState::Stopped => Some(base(
            Severity::Warn,
            format!(
                "{} {}@{} has restarted {} times (its platform restarts it when it dies)",
                p.app,
                p.process,
                p.host,
                p.restarts.unwrap_or(0)
            ),
            format!("find why it dies: {logs}"),
        )),
        ProcessState::Running if p.warning.is_some() => Some(base(
            Severity::Warn,
            format!("{} {}@{} runs, but {}", p.app, p.process, p.host, p.warning.as_deref().unwrap_or("")),
            match p.container.as_ref().and_then(|c| c.health.as_deref()) {
                // A failing HEALTHCHECK: its own probe says what is wrong.
                Some("unhealthy") => format!("its HEALTHCHECK fails: see the probe's output (docker inspect {}) and {logs}", p.source),
                _ => "check the port it binds (its PORT, or its own config) and its logs".into(),
            },
        )),
        _ => None,
    }
}
