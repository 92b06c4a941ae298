//! `fleet activity APP [--since WHEN] [-n N] [--json] [--host H]`: what happened to an app,
//! newest first (Heroku's Activity): fleet's own actions and each platform's record.

use super::args::ActivityArgs;
use super::discover::{discover, no_target};
use super::output;
use crate::context::Context;
use crate::text::sanitize;

pub async fn run(ctx: &Context, args: ActivityArgs) -> anyhow::Result<i32> {
    let now = jiff::Timestamp::now();
    let since = match args.since.as_deref().map(|s| crate::logs::when::parse_when(s, now)).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fleet: --since: {e}");
            return Ok(2);
        }
    };
    let found = match discover(ctx, &args.host).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    if !found.reports.iter().any(|r| r.processes.iter().any(|p| p.app == args.app)) {
        return Ok(no_target(&found, &args.app, &[]));
    }
    let (entries, failures) = crate::runtime::activity::app_activity(&found.backends, &found.reports, &args.app, since, args.lines).await;
    if args.json {
        output::print(&(serde_json::to_string_pretty(&entries)? + "\n"))?;
    } else {
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                vec![
                    e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                    sanitize(&e.host.0).into_owned(),
                    sanitize(&e.who).into_owned(),
                    sanitize(&e.what).into_owned(),
                    sanitize(&e.detail).into_owned(),
                ]
            })
            .collect();
        output::print(&output::table(&["WHEN (UTC)", "HOST", "WHO", "WHAT", "DETAIL"], &rows))?;
    }
    for f in &failures {
        eprintln!("fleet: {f}");
    }
    Ok(if found.failed > 0 || !failures.is_empty() { 1 } else { 0 })
}
