//! Env drift: one process type getting different values on different hosts of one app (a
//! value that differs between web and worker on purpose is not drift).

use crate::env::table::app_table;
use crate::model::ProcessEnv;
use crate::model::problem::{Area, Problem, Severity};

pub fn problems(envs: &[(String, Vec<ProcessEnv>)]) -> Vec<Problem> {
    let mut out = Vec::new();
    for (app, env) in envs {
        for row in app_table(env).into_iter().filter(|r| r.drift) {
            let places: Vec<String> = row.placed().into_iter().map(|(_, _, w)| w).collect();
            out.push(Problem {
                severity: Severity::Warn,
                area: Area::Env,
                host: None,
                app: Some(app.clone()),
                subject: row.key.clone(),
                // Never a value: drift is said by where, not what.
                message: format!("{app}'s {} differs between hosts ({})", row.key, places.join(" / ")),
                since: None,
                fix: format!("make it one value everywhere: fleet config:set {app} {}=…", row.key),
            });
        }
    }
    out
}
