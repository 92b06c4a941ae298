//! `fleet shell APP` and `fleet run APP -- CMD…`.

use std::sync::Arc;

use super::args::{RunArgs, ShellArgs};
use super::discover::{discover, refuse_if_readonly};
use crate::actions;
use crate::context::Context;
use crate::model::{Can, ExecChoice, HostTarget, Step, targets};
use crate::platform::Backend;

/// The first target of the app whose platform can exec into it, and its backend. Err: the
/// exit code, after saying why.
async fn target(ctx: &Context, app: &str, host: &Option<String>, process: &Option<String>) -> Result<(HostTarget, Arc<dyn Backend>), i32> {
    let hosts: Vec<String> = host.iter().cloned().collect();
    let found = discover(ctx, &hosts).await.map_err(|e| {
        eprintln!("fleet: {e}");
        2
    })?;
    let processes: Vec<String> = process.iter().cloned().collect();
    let all = targets(&found.reports, app, &processes, &hosts);
    if all.is_empty() {
        return Err(super::discover::no_target(&found, app, &processes));
    }
    let Some(t) = all.iter().find(|t| t.platform.caps.exec.yes()).cloned() else {
        if let Can::No(why) = all[0].platform.caps.exec {
            eprintln!("fleet: {app} on {}: {why}", all[0].host);
        }
        return Err(2);
    };
    let backend = found.backends.iter().find(|b| *b.id() == t.host).cloned().ok_or(1)?;
    Ok((t, backend))
}

pub async fn shell(ctx: &Context, args: ShellArgs) -> anyhow::Result<i32> {
    if let Err(e) = refuse_if_readonly(ctx, "open a shell") {
        eprintln!("fleet: {e}");
        return Ok(2);
    }
    let (mut t, backend) = match target(ctx, &args.app, &args.host, &args.process).await {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    t.exec = ExecChoice { instance: args.pod.pod.clone(), container: args.pod.container.clone(), shell: args.shell.clone() };
    for line in (t.platform.plan)(Step::Shell, &t) {
        eprintln!("fleet: shell for {} on {}: {}", args.app, t.host, crate::text::sanitize(&line));
    }
    crossterm::terminal::enable_raw_mode()?;
    let result = actions::shell::interactive(backend.as_ref(), &args.app, &t).await;
    let _ = crossterm::terminal::disable_raw_mode();
    match result {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("fleet: {e}");
            Ok(1)
        }
    }
}

pub async fn run(ctx: &Context, args: RunArgs) -> anyhow::Result<i32> {
    if let Err(e) = refuse_if_readonly(ctx, "run a command") {
        eprintln!("fleet: {e}");
        return Ok(2);
    }
    let (mut t, backend) = match target(ctx, &args.app, &args.host, &args.process).await {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    t.exec = ExecChoice { instance: args.pod.pod.clone(), container: args.pod.container.clone(), shell: None };
    match actions::shell::run(backend.as_ref(), &args.app, &t, &args.command).await {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("fleet: {e}");
            Ok(1)
        }
    }
}
