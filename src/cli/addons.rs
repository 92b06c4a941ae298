//! `fleet addons [APP] [--json] [--host H]`

use serde::Serialize;

use super::args::AddonsArgs;
use super::discover::{discover, per_host};
use super::output;
use crate::addons::{AddOn, AddonProblem};
use crate::context::Context;
use crate::text::{age, bytes};

#[derive(Serialize)]
struct Json<'a> {
    addons: &'a [AddOn],
    problems: &'a [AddonProblem],
}

pub async fn run(ctx: &Context, args: AddonsArgs) -> anyhow::Result<i32> {
    let found = match discover(ctx, &args.host).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let (per_host, failed) = per_host(&found, |b, r| async move { b.addons(r).await }).await;
    let mut addons = Vec::new();
    let mut problems = Vec::new();
    for (mut a, mut p) in per_host {
        addons.append(&mut a);
        problems.append(&mut p);
    }
    if let Some(app) = &args.app {
        addons.retain(|a| a.used_by.iter().any(|u| u.app == *app) || a.routes.iter().any(|r| r.app.as_deref() == Some(app)));
        for a in &mut addons {
            a.routes.retain(|r| r.app.as_deref() == Some(app.as_str()));
        }
        problems.retain(|p| p.app == *app);
    }
    if args.json {
        output::print(&(serde_json::to_string_pretty(&Json { addons: &addons, problems: &problems })? + "\n"))?;
    } else {
        let now = jiff::Timestamp::now();
        let mut rows: Vec<Vec<String>> = Vec::new();
        for a in &addons {
            let used: Vec<String> = a.used_by.iter().map(|u| format!("{} ({})", u.app, u.key)).collect();
            let routed: Vec<String> = a
                .routes
                .iter()
                .map(|r| {
                    format!("{} → {}{}", r.domains.join(","), r.upstream, r.app.as_ref().map(|a| format!(" ({a})")).unwrap_or_default())
                })
                .collect();
            rows.push(vec![
                a.host.0.clone(),
                a.name.as_ref().map(|n| format!("{} {n}", a.kind.label())).unwrap_or_else(|| a.kind.label().into()),
                a.version.clone().unwrap_or_default(),
                a.state.label().into(),
                a.listen.join(" "),
                a.memory_bytes.map(bytes).unwrap_or_default(),
                a.since.map(|s| age(s, now)).unwrap_or_default(),
                if a.kind.front_door() { routed.join("; ") } else { used.join(", ") },
            ]);
        }
        output::print(&output::table(&["HOST", "KIND", "VERSION", "STATE", "LISTEN", "MEMORY", "SINCE", "USED BY / ROUTES"], &rows))?;
        for p in &problems {
            eprintln!("fleet: problem: {}", p.message);
        }
    }
    Ok(if failed > 0 { 1 } else { 0 })
}
