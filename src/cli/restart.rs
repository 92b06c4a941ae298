//! `fleet restart APP` (`ps:restart`), `fleet rollout APP` and `fleet rollback APP`.

use tokio::sync::mpsc;

use super::args::RestartArgs;
use super::discover::{confirm, discover, refuse_if_readonly};
use crate::context::Context;
use crate::model::{ActionEvent, Can, Operation, action_targets};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Restart,
    Rollout,
    Rollback,
    Rebuild,
}

pub async fn run(ctx: &Context, args: RestartArgs, mode: Mode) -> anyhow::Result<i32> {
    let verb = match mode {
        Mode::Restart => "restart",
        Mode::Rollout => "roll out",
        Mode::Rollback => "roll back",
        Mode::Rebuild => "rebuild",
    };
    if let Err(e) = refuse_if_readonly(ctx, verb) {
        eprintln!("fleet: {e}");
        return Ok(2);
    }
    let found = match discover(ctx, &args.host).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let targets = action_targets(&found.reports, &args.app, &args.process, &args.host);
    if targets.is_empty() {
        return Ok(super::discover::no_target(&found, &args.app, &args.process));
    }
    let (app, health) = (args.app.clone(), ctx.config.health_for(&args.app));
    let op = match mode {
        Mode::Rollout => Operation::Rollout { app, targets: crate::model::rollout_steps(targets.clone()), health },
        Mode::Restart => Operation::Restart { app, targets: targets.clone() },
        Mode::Rollback => {
            // Only where the platform keeps revisions; the others are named with its reason.
            let (able, unable): (Vec<_>, Vec<_>) = targets.iter().cloned().partition(|t| t.platform.caps.rollback.yes());
            for t in &unable {
                if let Can::No(why) = t.platform.caps.rollback {
                    eprintln!("fleet: {app} on {}: {why}", t.host);
                }
            }
            if able.is_empty() {
                return Ok(2);
            }
            Operation::Rollback { app, targets: able, health }
        }
        Mode::Rebuild => {
            let (able, unable): (Vec<_>, Vec<_>) = targets.iter().cloned().partition(|t| t.platform.caps.rebuild.yes());
            for t in &unable {
                if let Can::No(why) = t.platform.caps.rebuild {
                    eprintln!("fleet: {app} on {}: {why}", t.host);
                }
            }
            if able.is_empty() {
                return Ok(2);
            }
            Operation::Rebuild { app, targets: able }
        }
    };
    match confirm(&op.title(), &op.lines(), args.yes) {
        Ok(true) => {}
        Ok(false) => {
            eprintln!("fleet: nothing done");
            return Ok(1);
        }
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        let mut results = Vec::new();
        while let Some(ev) = rx.recv().await {
            match &ev {
                ActionEvent::Step { host, text } => eprintln!("{host}: {text}"),
                ActionEvent::HostDone { host, units } => {
                    for u in units {
                        eprintln!("{host}: {}", u.label());
                    }
                    results.push(serde_json::json!({"host": host, "ok": true, "units": units}));
                }
                ActionEvent::HostFailed { host, error } => {
                    eprintln!("fleet: {error}");
                    results.push(serde_json::json!({"host": host, "ok": false, "error": error}));
                }
                ActionEvent::Finished { summary, .. } => eprintln!("{summary}"),
            }
        }
        results
    });
    let ok = crate::runtime::executor::perform(&found.backends, &op, &tx).await;
    drop(tx);
    let results = printer.await.unwrap_or_default();
    if args.json {
        super::output::print(&(serde_json::to_string_pretty(&results)? + "\n"))?;
    }
    Ok(if ok && found.failed == 0 { 0 } else { 1 })
}
