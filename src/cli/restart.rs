//! `fleet restart APP` (`ps:restart`), `fleet rollout APP` and `fleet rollback APP`.

use tokio::sync::mpsc;

use super::args::RestartArgs;
use super::discover::{confirm, discover, no_target_message, refuse_if_readonly};
use crate::actions::{self, ActionEvent, Operation};
use crate::context::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Restart,
    Rollout,
    Rollback,
}

pub async fn run(ctx: &Context, args: RestartArgs, mode: Mode) -> anyhow::Result<i32> {
    let verb = match mode {
        Mode::Restart => "restart",
        Mode::Rollout => "roll out",
        Mode::Rollback => "roll back",
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
    let targets = actions::targets(&found.reports, &args.app, &args.process, &args.host);
    if targets.is_empty() {
        eprintln!("fleet: {}", no_target_message(&found, &args.app, &args.process));
        return Ok(if found.failed > 0 { 1 } else { 2 });
    }
    let (app, health) = (args.app.clone(), ctx.config.health_for(&args.app));
    let op = match mode {
        Mode::Rollout => Operation::Rollout { app, targets: targets.clone(), health },
        Mode::Restart => Operation::Restart { app, targets: targets.clone() },
        Mode::Rollback => {
            let clusters: Vec<_> = targets.iter().filter(|t| t.cluster).cloned().collect();
            if clusters.is_empty() {
                eprintln!("fleet: {app} runs on no Kubernetes cluster; rollback needs a deployment's revision history");
                return Ok(2);
            }
            Operation::Rollback { app, targets: clusters, health }
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
    let ok = match &op {
        Operation::Rollout { health, .. } => actions::rollout::rollout(&found.backends, &args.app, &targets, health, &tx).await.is_ok(),
        Operation::Rollback { targets, health, .. } => {
            actions::rollback::rollback(&found.backends, &args.app, targets, health, &tx).await.is_ok()
        }
        _ => actions::restart::restart(&found.backends, &args.app, &targets, &tx).await,
    };
    drop(tx);
    let results = printer.await.unwrap_or_default();
    if args.json {
        super::output::print(&(serde_json::to_string_pretty(&results)? + "\n"))?;
    }
    Ok(if ok && found.failed == 0 { 0 } else { 1 })
}
