//! Scheduled jobs (systemd timers, Kubernetes CronJobs) that failed their last run or are
//! overdue: their last success is older than their schedule allows, plus a grace.

use jiff::{SignedDuration, Timestamp};

use super::Limits;
use crate::model::problem::{Area, Problem, Severity};
use crate::model::{HostReport, Process};

pub fn problems(reports: &[&HostReport], limits: &Limits, now: Timestamp) -> Vec<Problem> {
    let mut out = Vec::new();
    for r in reports {
        for p in &r.processes {
            if let Some(problem) = one(p, limits, now) {
                out.push(problem);
            }
        }
    }
    out
}

fn one(p: &Process, limits: &Limits, now: Timestamp) -> Option<Problem> {
    let s = p.schedule.as_ref()?;
    let base = |severity, message: String, since, fix: String| Problem {
        severity,
        area: Area::Jobs,
        host: Some(p.host.clone()),
        app: Some(p.app.clone()),
        // One problem per job, not per pod of its failed run.
        subject: s.scheduler.clone(),
        message,
        since,
        fix,
    };
    let grace = SignedDuration::try_from(limits.jobs_grace).unwrap_or(SignedDuration::ZERO);
    if s.last_ok == Some(false) {
        return Some(base(
            Severity::Critical,
            format!(
                "{} {}@{}: its last run ({}) failed{}{}",
                p.app,
                p.process,
                p.host,
                ago(s.last_run, now),
                // The process's why has its last words too, where the platform has them.
                p.why.as_ref().map(|w| format!(": {w}")).unwrap_or_else(|| s.result_said()),
                s.last_success.map(|t| format!("; last success {}", ago(Some(t), now))).unwrap_or_default()
            ),
            s.last_run,
            format!("read why: fleet logs {} -p {} --host {}", p.app, p.process, p.host),
        ));
    }
    if !s.enabled {
        return Some(base(
            Severity::Warn,
            format!("{} {}@{} is not scheduled ({} is off)", p.app, p.process, p.host, s.scheduler),
            None,
            format!("turn it back on ({})", s.how_to_enable),
        ));
    }
    // Overdue: a run was due (after the last one, by the schedule) and has not happened.
    let due = s.due_after_last?;
    if now > due.checked_add(grace).ok()? && s.running == 0 {
        return Some(base(
            Severity::Warn,
            format!(
                "{} {}@{} is overdue: due {} ({}), last run {}",
                p.app,
                p.process,
                p.host,
                ago(Some(due), now),
                s.spec,
                ago(s.last_run.or(s.last_success), now)
            ),
            Some(due),
            format!("check its scheduler ({}) and its last run's logs", s.scheduler),
        ));
    }
    None
}

fn ago(t: Option<Timestamp>, now: Timestamp) -> String {
    match t {
        Some(t) => format!("{} ago", crate::text::age(t, now)),
        None => "never".into(),
    }
}
