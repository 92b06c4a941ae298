//! `fleet config:set APP KEY=VALUE…` and `fleet config:unset APP KEY…`: the same change on every
//! host of the app, atomically, then a restart of what uses the file (unless --no-restart).

use futures::future::join_all;

use super::discover::{discover, refuse_if_readonly};
use crate::actions::{self, restart::restart_target};
use crate::context::Context;
use crate::env::write::{Change, diff};

pub async fn run(ctx: &Context, app: &str, hosts: &[String], change: Change, no_restart: bool, reveal: bool) -> anyhow::Result<i32> {
    if let Err(e) = refuse_if_readonly(ctx, "change env vars") {
        eprintln!("fleet: {e}");
        return Ok(2);
    }
    if let Change::Set(pairs) = &change
        && let Some((k, _)) = pairs.iter().find(|(k, _)| !crate::env::parse::valid_key(k))
    {
        eprintln!("fleet: {k:?} is not a valid variable name (letters, digits and _, not starting with a digit)");
        return Ok(2);
    }
    let found = match discover(ctx, hosts).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fleet: {e}");
            return Ok(2);
        }
    };
    let targets = crate::model::targets(&found.reports, app, &[], hosts);
    if targets.is_empty() {
        return Ok(super::discover::no_target(&found, app, &[]));
    }
    let convention_file = ctx.config.convention.env_file_for(app);
    let runs = targets.iter().map(|t| {
        let (change, convention_file, backends) = (&change, &convention_file, &found.backends);
        async move {
            let platform = match actions::backend_of(backends, &t.host)
                .and_then(|b| actions::platform_for(b.as_ref(), t, t.platform.caps.env_write))
            {
                Ok(p) => p,
                Err(e) => return (t, Err(e)),
            };
            let Some(path) = platform.env_file(t, convention_file) else {
                return (
                    t,
                    Err(format!(
                        "{}: {app}'s processes there use no env file fleet can edit (systemd: EnvironmentFile=; compose: env_file:)",
                        t.host
                    )),
                );
            };
            let r = platform.change_env(t, app, &path, change).await.map(|(old, new)| (path, old, new));
            if let Ok((_, old, new)) = &r
                && old != new
                && !no_restart
            {
                return match restart_target(backends, t, app, "restart").await {
                    Ok(units) => (t, r.map(|x| (x, Some(units)))),
                    Err(e) => (t, Err(format!("changed, but the restart failed: {e}"))),
                };
            }
            (t, r.map(|x| (x, None)))
        }
    });
    let mut failed = found.failed;
    for (t, result) in join_all(runs).await {
        match result {
            Ok(((path, old, new), restarted)) => {
                if old == new {
                    println!("{}: {path}: no change", t.host);
                    continue;
                }
                // A file is written with a backup beside it; a platform that keeps the env
                // itself (Dokku's config) was changed through its own command.
                let how = if path.starts_with('/') { "written (backup kept)" } else { "changed" };
                println!("{}: {path}: {how}", t.host);
                for l in diff(&old, &new, reveal) {
                    println!("  {}", crate::text::sanitize(&l));
                }
                match restarted {
                    Some(units) => {
                        for u in units {
                            println!("  restarted {}", u.label());
                        }
                    }
                    None if no_restart => println!("  not restarted (--no-restart): the app still runs with the old values"),
                    None => {}
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("fleet: {e}");
            }
        }
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// `KEY=VALUE` arguments.
pub fn pairs(args: &[String]) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|a| a.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or_else(|| format!("{a:?}: expected KEY=VALUE")))
        .collect()
}
