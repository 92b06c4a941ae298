//! `fleet shell` and `fleet run` in a container, by the engine's exec API: a TTY that takes our
//! keys raw (Ctrl-C reaches the process) and follows our window size, or plain stdout and
//! stderr; the exec's exit status is passed through.

use std::io::Write;

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::client::describe as api_error;
use super::engine::Engine;
use crate::model::HostTarget;
use crate::transport::terminal::RawStdin;

/// The shell asked for (`--shell`), else bash where the image has it, else sh.
pub fn shell_argv(t: &HostTarget) -> Vec<String> {
    match &t.exec.shell {
        Some(s) => vec![s.clone()],
        None => vec!["/bin/sh".into(), "-c".into(), "command -v bash >/dev/null && exec bash || exec sh".into()],
    }
}

/// The container to exec into (`--instance`, else the target's first running one) and the
/// call as the audit log and confirmation say it.
pub fn describe(engine: &Engine, t: &HostTarget, argv: &[String], tty: bool) -> Result<(String, String), String> {
    let container = match &t.exec.instance {
        Some(i) => i.clone(),
        None => t
            .units
            .iter()
            .find(|u| engine.get(u).and_then(|c| c.state).and_then(|s| s.running).unwrap_or(false))
            .cloned()
            .ok_or_else(|| format!("{}: none of {} is running: start it first", t.host, t.units.join(", ")))?,
    };
    let flags = if tty { "-it " } else { "" };
    let words = crate::transport::quote::quote_all(argv);
    Ok((container.clone(), format!("POST /containers/{container}/exec (docker exec {flags}{container} {words})")))
}

pub async fn run(engine: &Engine, container: &str, argv: &[String], tty: bool) -> Result<i32, String> {
    let d = &engine.docker;
    let opts = CreateExecOptions {
        attach_stdin: Some(tty),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(tty),
        cmd: Some(argv.to_vec()),
        env: tty.then(|| vec![format!("TERM={}", std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".into()))]),
        ..Default::default()
    };
    let created = d.create_exec(container, opts).await.map_err(|e| format!("{container}: {}", api_error(&e)))?;
    let started = d.start_exec(&created.id, Some(StartExecOptions { detach: false, tty, output_capacity: None })).await;
    let StartExecResults::Attached { mut output, mut input } = started.map_err(|e| format!("{container}: {}", api_error(&e)))? else {
        return Err(format!("{container}: the engine started the exec detached"));
    };
    if tty {
        let resize = |(w, h): (u16, u16)| ResizeExecOptions { width: w, height: h };
        let _ = d.resize_exec(&created.id, resize(crossterm::terminal::size().unwrap_or((80, 24)))).await;
        let stdin = RawStdin::new().map_err(|e| format!("cannot read the terminal: {e}"))?;
        let mut winch = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 4096];
        let mut stdin_open = true;
        loop {
            tokio::select! {
                n = stdin.read(&mut buf), if stdin_open => match n {
                    // Ctrl-C and Ctrl-D are bytes like any other: the TTY in the container gets them.
                    Ok(n) if n > 0 => if input.write_all(&buf[..n]).await.is_err() { break },
                    _ => stdin_open = false,
                },
                _ = winch.recv() => {
                    if let Ok(size) = crossterm::terminal::size() {
                        let _ = d.resize_exec(&created.id, resize(size)).await;
                    }
                }
                out = output.next() => match out {
                    Some(Ok(o)) => write_out(&o),
                    _ => break,
                },
            }
        }
    } else {
        drop(input);
        while let Some(o) = output.next().await {
            match o {
                Ok(o) => write_out(&o),
                Err(e) => return Err(format!("{container}: {}", api_error(&e))),
            }
        }
    }
    let inspected = d.inspect_exec(&created.id).await.map_err(|e| format!("{container}: {}", api_error(&e)))?;
    Ok(inspected.exit_code.map(|c| c as i32).unwrap_or(1))
}

fn write_out(o: &LogOutput) {
    match o {
        LogOutput::StdErr { message } => {
            let _ = std::io::stderr().write_all(message);
        }
        LogOutput::StdOut { message } | LogOutput::Console { message } => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(message).and_then(|_| out.flush());
        }
        LogOutput::StdIn { .. } => {}
    }
}
