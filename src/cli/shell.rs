//! `fleet shell APP` and `fleet run APP -- CMD…`.

use super::args::{RunArgs, ShellArgs};
use super::discover::{discover, no_target_message, refuse_if_readonly};
use crate::actions::{self, HostTarget};
use crate::backend::Backend;
use crate::context::Context;

async fn target(
    ctx: &Context,
    app: &str,
    host: &Option<String>,
    process: &Option<String>,
) -> Result<(HostTarget, std::sync::Arc<Backend>), i32> {
    let hosts: Vec<String> = host.iter().cloned().collect();
    let found = discover(ctx, &hosts).await.map_err(|e| {
        eprintln!("fleet: {e}");
        2
    })?;
    let processes: Vec<String> = process.iter().cloned().collect();
    let Some(mut t) = actions::targets(&found.reports, app, &processes, &hosts).into_iter().next() else {
        eprintln!("fleet: {}", no_target_message(&found, app, &processes));
        return Err(if found.failed > 0 { 1 } else { 2 });
    };
    // On a cluster every workload stays: the shell goes to the first with a running pod.
    if !t.cluster {
        t.units.truncate(1);
    }
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
    t.pod = actions::PodChoice { pod: args.pod.pod.clone(), container: args.pod.container.clone(), shell: args.shell.clone() };
    if let Some(p) = &t.pod.pod {
        eprintln!("fleet: shell for {} on {}: pod {p}", args.app, t.host);
    } else if t.cluster {
        let w = t.units.iter().find(|u| u.starts_with("deployment/")).or(t.units.first()).map(String::as_str).unwrap_or("it");
        eprintln!("fleet: shell for {} on {}: a running pod of {w}", args.app, t.host);
    } else {
        eprintln!(
            "fleet: shell for {} on {} (as {}, in {})",
            args.app,
            t.host,
            t.run.user.as_deref().unwrap_or("root"),
            t.run.working_dir.as_deref().unwrap_or("/")
        );
    }
    crossterm::terminal::enable_raw_mode()?;
    let result = actions::shell::interactive(&backend, &args.app, &t).await;
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
    t.pod = actions::PodChoice { pod: args.pod.pod.clone(), container: args.pod.container.clone(), shell: None };
    match actions::shell::run(&backend, &args.app, &t, &args.command).await {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("fleet: {e}");
            Ok(1)
        }
    }
}
