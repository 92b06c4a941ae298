use std::process::ExitCode;

use clap::Parser;

use fleet::cli::args::{Cli, Command};
use fleet::config::keymap::Keymap;
use fleet::config::paths;
use fleet::config::theme::Theme;
use fleet::context::Context;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    // One crypto provider for the whole process (rustls; kube will use it too).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let _log = fleet::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fleet: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(cli, started))
}

async fn run(cli: Cli, started: std::time::Instant) -> ExitCode {
    // Generated from the command line's definition alone: no config needed, none read.
    let docs = match &cli.command {
        Some(Command::Completions(a)) => Some(fleet::cli::docs::completions(a)),
        Some(Command::Man(a)) => Some(fleet::cli::docs::man(a)),
        _ => None,
    };
    if let Some(result) = docs {
        return match result {
            Ok(code) => ExitCode::from(code as u8),
            Err(e) => {
                eprintln!("fleet: {e:#}");
                ExitCode::from(1)
            }
        };
    }
    let interactive = cli.command.is_none();
    // The TUI cannot prompt on the terminal it draws on: it says "run ssh-add" instead.
    let prompt = if interactive { None } else { fleet::cli::prompt::tty_passphrase() };
    let ctx = match Context::load(&cli.global.load_options(), prompt) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("fleet: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None => tui(ctx, cli.global.exit_after_first_frame, started).await,
        Some(command) => {
            for w in &ctx.warnings {
                eprintln!("fleet: warning: {w}");
            }
            match command {
                Command::Hosts(a) => fleet::cli::hosts::run(&ctx, a.json).await,
                Command::Apps(a) => fleet::cli::apps::run(&ctx, a.json, &a.host).await,
                Command::Logs(a) => fleet::cli::logs::run(&ctx, a).await,
                Command::Restart(a) => fleet::cli::restart::run(&ctx, a, fleet::cli::restart::Mode::Restart).await,
                Command::Rollout(a) => fleet::cli::restart::run(&ctx, a, fleet::cli::restart::Mode::Rollout).await,
                Command::Rollback(a) => fleet::cli::restart::run(&ctx, a, fleet::cli::restart::Mode::Rollback).await,
                Command::Rebuild(a) => fleet::cli::restart::run(&ctx, a, fleet::cli::restart::Mode::Rebuild).await,
                Command::Shell(a) => fleet::cli::shell::shell(&ctx, a).await,
                Command::Run(a) => fleet::cli::shell::run(&ctx, a).await,
                Command::Forward(a) => fleet::cli::forward::run(&ctx, a).await,
                Command::Audit(a) => fleet::cli::audit::run(a.lines, a.json),
                Command::Config(a) => fleet::cli::config_vars::run(&ctx, a).await,
                Command::Addons(a) => fleet::cli::addons::run(&ctx, a).await,
                Command::Activity(a) => fleet::cli::activity::run(&ctx, a).await,
                Command::Certs(a) => fleet::cli::certs::run(&ctx, a).await,
                Command::Check(a) => fleet::cli::check::run(&ctx, a).await,
                Command::Metrics(a) => fleet::cli::metrics::run(&ctx, a).await,
                Command::ConfigSet(a) => match fleet::cli::config_set::pairs(&a.pairs) {
                    Ok(pairs) => {
                        let change = fleet::env::write::Change::Set(pairs);
                        fleet::cli::config_set::run(&ctx, &a.app, &a.host, change, a.no_restart, a.reveal).await
                    }
                    Err(e) => {
                        eprintln!("fleet: {e}");
                        Ok(2)
                    }
                },
                Command::Completions(_) | Command::Man(_) => Ok(0),
                Command::ConfigUnset(a) => {
                    let change = fleet::env::write::Change::Unset(a.keys.clone());
                    fleet::cli::config_set::run(&ctx, &a.app, &a.host, change, a.no_restart, false).await
                }
            }
        }
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("fleet: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn tui(ctx: Context, exit_after_first_frame: bool, started: std::time::Instant) -> anyhow::Result<i32> {
    let dir = paths::config_dir(ctx.config_path.as_deref());
    let loaded = Keymap::load(dir.as_deref()).and_then(|k| {
        let theme_override = dir.as_ref().map(|d| d.join("theme.toml"));
        Theme::load(&ctx.config.theme, theme_override.as_deref()).map(|t| (k, t))
    });
    let (keymap, theme) = match loaded {
        Ok(v) => v,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    fleet::tui::run(fleet::tui::Tui { ctx, theme, keymap, exit_after_first_frame, started }).await?;
    Ok(0)
}
