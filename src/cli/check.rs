//! `fleet check`: every problem in the fleet, worst first, and an exit status for cron and CI.
//! Quiet when all is well, so cron mails only when there is something to read.

use super::args::CheckArgs;
use super::output;
use crate::check::notify::{Sent, body, post, state_path};
use crate::check::{Limits, narrowed, problems};
use crate::context::Context;
use crate::model::problem::{Area, Problem, Severity};
use crate::runtime::check::{Scope, observe};

pub async fn run(ctx: &Context, args: CheckArgs) -> anyhow::Result<i32> {
    let Some(fail_on) = Severity::parse(&args.fail_on) else {
        eprintln!("fleet: --fail-on {:?}: say warn or critical", args.fail_on);
        return Ok(2);
    };
    let mut areas = Vec::new();
    for a in &args.only {
        match Area::parse(a.trim()) {
            Some(area) => areas.push(area),
            None => {
                let all: Vec<&str> = Area::ALL.iter().map(|a| a.name()).collect();
                eprintln!("fleet: --only {a:?}: not an area (areas: {})", all.join(", "));
                return Ok(2);
            }
        }
    }
    if let Some(missing) = args.host.iter().find(|h| !ctx.specs.iter().any(|s| s.id.0 == **h)) {
        let known: Vec<&str> = ctx.specs.iter().map(|s| s.id.0.as_str()).collect();
        eprintln!("fleet: no host {missing:?} in the inventory (hosts: {})", known.join(", "));
        return Ok(2);
    }
    let specs: Vec<_> = ctx.specs.iter().filter(|s| args.host.is_empty() || args.host.contains(&s.id.0)).cloned().collect();
    let backends = crate::runtime::build_backends(&specs, &ctx.backend);
    let scope = Scope {
        kubeconfig: args.host.is_empty() && !args.no_kube && !ctx.demo,
        metrics: true,
        node_exporter: ctx.config.metrics.node_exporter.clone(),
    };
    let observed = observe(&backends, &ctx.config, &scope).await;
    let found = narrowed(problems(&observed, &Limits::of(&ctx.config), jiff::Timestamp::now()), &areas, &args.host, &args.app);

    if args.json {
        output::print(&(serde_json::to_string_pretty(&found)? + "\n"))?;
    } else if !found.is_empty() {
        output::print(&text(&found))?;
    }
    let mut code = if found.iter().any(|p| p.severity >= fail_on) { 1 } else { 0 };
    if let Some(url) = &args.notify
        && let Err(e) = notify(url, &found).await
    {
        eprintln!("fleet: --notify: {e}");
        code = 1;
    }
    Ok(code)
}

/// One problem a block: severity, where, what; then what to do.
pub fn text(found: &[Problem]) -> String {
    let mut out = String::new();
    for p in found {
        let place = p.place();
        let clean = |s: &str| crate::text::sanitize(s).into_owned();
        out.push_str(&format!("{:<8} {:<9} {}: {}\n", p.severity.label(), p.area.name(), clean(&place), clean(&p.message)));
        out.push_str(&format!("         → {}\n", clean(&p.fix)));
    }
    let critical = found.iter().filter(|p| p.severity == Severity::Critical).count();
    out.push_str(&format!("{} problem(s): {critical} critical, {} warn\n", found.len(), found.len() - critical));
    out
}

/// Posts what is new since the last run to `url`, then remembers what is current.
async fn notify(url: &str, found: &[Problem]) -> Result<(), String> {
    let path = state_path().ok_or("no home directory to keep what was sent")?;
    let mut sent = Sent::load(&path);
    let new = sent.new_for(url, found);
    if !new.is_empty() {
        let status = post(url, &body(&new)).await?;
        if !(200..300).contains(&status) {
            // The URL may carry a token: not printed.
            return Err(format!("the webhook answered {status}; nothing recorded, the next run tries again"));
        }
    }
    sent.remember(url, found);
    sent.save(&path).map_err(|e| format!("{}: {e}", path.display()))
}
