//! Restart and rebuild through Dokku (`ps:restart APP [TYPE]`, `ps:rebuild APP`), so Dokku's
//! own state (its CONTAINER files, its proxy) stays true, whichever way the host is reached.

use super::call::{self, Via};
use super::dynos;
use crate::model::HostTarget;

/// The app and the process types a target's units stand for: `dokku ps:restart APP [TYPE]`
/// restarts every dyno of a type (Dokku has no restart of one dyno), the idle row the app.
pub fn restarts(t: &HostTarget) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for u in &t.units {
        let app = dynos::app_of_unit(u).to_string();
        let proc = dynos::process_of_unit(u).map(String::from);
        if !out.iter().any(|(a, p)| *a == app && (*p == proc || p.is_none())) {
            if proc.is_none() {
                out.retain(|(a, _)| *a != app);
            }
            out.push((app, proc));
        }
    }
    out
}

/// The apps a target's units belong to, each once.
pub fn apps_of(t: &HostTarget) -> Vec<String> {
    let mut out: Vec<String> = t.units.iter().map(|u| dynos::app_of_unit(u).to_string()).collect();
    out.dedup();
    out
}

/// The `dokku …` command line as the user would type it (what the plan and the audit log show).
pub fn shown(via: Via, args: &[&str]) -> String {
    match via {
        Via::Shell { .. } => call::line(via, args).unwrap_or_else(|e| e),
        Via::Forced => format!("{} {}", call::lead(via), args.join(" ")),
    }
}

fn restart_args<'a>(app: &'a str, proc: Option<&'a str>) -> Vec<&'a str> {
    let mut a = vec!["ps:restart", app];
    a.extend(proc);
    a
}

/// The plan's lines for a restart or a rebuild.
pub fn plan_restart(t: &HostTarget, via: Via) -> Vec<String> {
    restarts(t)
        .iter()
        .map(|(app, proc)| {
            let what = proc.as_deref().map(|p| format!("every {p} dyno")).unwrap_or_else(|| "every dyno".into());
            format!("{} ({what}: Dokku deploys new containers of the current release)", shown(via, &restart_args(app, proc.as_deref())))
        })
        .collect()
}

pub fn plan_rebuild(t: &HostTarget, via: Via) -> Vec<String> {
    apps_of(t)
        .iter()
        .map(|app| format!("{} (builds the app again from its source, then deploys it)", shown(via, &["ps:rebuild", app])))
        .collect()
}

/// Runs the restart (or, `action` "rebuild", the rebuild) step by step, stopping at the first
/// failure: the command lines run, and how it went.
pub async fn run(transport: &crate::transport::Transport, via: Via, t: &HostTarget, action: &str) -> (Vec<String>, Result<(), String>) {
    let steps: Vec<(String, Option<String>)> =
        if action == "rebuild" { apps_of(t).into_iter().map(|a| (a, None)).collect() } else { restarts(t) };
    let mut calls = Vec::new();
    for (app, proc) in steps {
        let args = if action == "rebuild" { vec!["ps:rebuild", app.as_str()] } else { restart_args(&app, proc.as_deref()) };
        calls.push(shown(via, &args));
        if let Err(e) = call::dokku(transport, via, &args).await {
            return (calls, Err(e));
        }
    }
    (calls, Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppRunSpec, ExecChoice, HostId};

    pub fn target(units: &[&str]) -> HostTarget {
        HostTarget {
            host: HostId("lab-2".into()),
            platform: super::super::info(),
            units: units.iter().map(|u| u.to_string()).collect(),
            as_root: true,
            run: AppRunSpec::default(),
            exec: ExecChoice::default(),
        }
    }

    #[test]
    fn restarts_go_by_process_type_or_whole_app() {
        assert_eq!(
            restarts(&target(&["blog.web.1", "blog.web.2", "blog.worker.1"])),
            [("blog".to_string(), Some("web".to_string())), ("blog".to_string(), Some("worker".to_string()))]
        );
        // The idle row is the whole app.
        assert_eq!(restarts(&target(&["api"])), [("api".to_string(), None)]);
        let lines = plan_restart(&target(&["blog.web.1"]), Via::Shell { as_root: true });
        assert_eq!(lines, ["dokku ps:restart blog web (every web dyno: Dokku deploys new containers of the current release)"]);
        let forced = plan_restart(&target(&["blog.web.1"]), Via::Forced);
        assert_eq!(forced, ["ssh dokku@HOST ps:restart blog web (every web dyno: Dokku deploys new containers of the current release)"]);
    }
}
