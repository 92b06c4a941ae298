//! A Dokku app's config, read and changed through Dokku whichever way the host is reached
//! (`call::Via`): `config:export --format json`, `config:set --encoded` / `config:unset`.

use base64::Engine as _;

use super::call::{self, Via};
use super::{dynos, report};
use crate::audit;
use crate::model::env::{Change, EnvSource};
use crate::model::{HostError, HostErrorKind, HostTarget, Process, ProcessEnv};
use crate::transport::Transport;

/// The app a target stands for (its first unit's), checked as Dokku names apps.
pub fn app_of(t: &HostTarget) -> Result<String, String> {
    let unit = t.units.first().ok_or_else(|| format!("{}: no Dokku app in the target", t.host))?;
    let app = dynos::app_of_unit(unit);
    if !report::valid_app(app) {
        return Err(format!("{}: {app:?} is not a Dokku app name", t.host));
    }
    Ok(app.to_string())
}

/// The app's config, as Dokku exports it.
pub async fn export(transport: &Transport, via: Via, app: &str) -> Result<Vec<(String, String)>, String> {
    let text = call::dokku(transport, via, &["config:export", app, "--format", "json"]).await?;
    report::config(&text).map_err(|e| format!("{}: {e}", transport.id()))
}

/// The config as KEY=VALUE lines (what the editor and the diff show).
pub fn text(vars: &[(String, String)]) -> String {
    vars.iter().map(|(k, v)| format!("{k}={}\n", crate::env::edit::quote_value(v))).collect()
}

/// Every process of the target gets the app's config (Dokku sets it on each dyno).
pub async fn env(transport: &Transport, via: Via, t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
    let app = app_of(t).map_err(|e| HostError::new(HostErrorKind::Command, e))?;
    let vars = export(transport, via, &app).await.map_err(|e| HostError::new(HostErrorKind::Command, e))?;
    let source = EnvSource::SetBy { by: format!("dokku (config:set {app})") };
    Ok(processes
        .iter()
        .map(|p| ProcessEnv {
            host: t.host.clone(),
            process: p.process.clone(),
            unit: p.source.clone(),
            vars: vars.iter().map(|(k, v)| (k.clone(), v.clone(), source.clone())).collect(),
            problems: Vec::new(),
        })
        .collect())
}

/// The config whole, with its SHA-256 (an edit is refused when it changed since).
pub async fn read(transport: &Transport, via: Via, t: &HostTarget) -> Result<(String, String), String> {
    let text = text(&export(transport, via, &app_of(t)?).await?);
    Ok((crate::env::write::sha256_hex(text.as_bytes()), text))
}

/// A change through Dokku: `config:set --encoded` (values base64, so nothing in them is
/// ever shell or Dokku syntax, and every argument is one plain word the forced command takes)
/// or `config:unset`, with `--no-restart`: the restart that follows (fleet's, unless
/// --no-restart) is `ps:restart`, which deploys the new config as config:set itself would.
pub async fn change(transport: &Transport, via: Via, t: &HostTarget, app: &str, change: &Change) -> Result<(String, String), String> {
    let name = app_of(t)?;
    let before = text(&export(transport, via, &name).await?);
    let b64 = base64::engine::general_purpose::STANDARD;
    let (args, shown): (Vec<String>, String) = match change {
        Change::Set(pairs) => {
            let mut a = vec!["config:set".to_string(), "--no-restart".into(), "--encoded".into(), name.clone()];
            a.extend(pairs.iter().map(|(k, v)| format!("{k}={}", b64.encode(v))));
            let keys = pairs.iter().map(|(k, _)| format!("{k}=…")).collect::<Vec<_>>().join(" ");
            (a, format!("{} config:set --no-restart --encoded {name} {keys}", call::lead(via)))
        }
        Change::Unset(keys) => {
            let mut a = vec!["config:unset".to_string(), "--no-restart".into(), name.clone()];
            a.extend(keys.iter().cloned());
            (a, format!("{} config:unset --no-restart {name} {}", call::lead(via), keys.join(" ")))
        }
    };
    if let Some(bad) = args.iter().skip(3).find(|a| !a.split('=').next().is_some_and(crate::env::parse::valid_key)) {
        return Err(format!("{}: {bad:?} is not a variable name Dokku takes", t.host));
    }
    let refs: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
    let r = call::dokku(transport, via, &refs).await.map_err(|e| without_values(&e, change));
    audit::record(&t.host, app, "config", &shown, audit::outcome(&r, |_| format!("ok: {}", change.describe())));
    r?;
    let after = text(&export(transport, via, &name).await?);
    Ok((before, after))
}

/// Dokku's words on a failed change, for the user and the audit log, with the values set
/// taken out: `config:set` lists each `KEY: value` it set on stdout, and a failure with an empty
/// stderr is told in stdout's words.
fn without_values(said: &str, change: &Change) -> String {
    let Change::Set(pairs) = change else { return said.to_string() };
    said.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            match pairs.iter().find(|(k, _)| trimmed.strip_prefix(k.as_str()).is_some_and(|r| r.starts_with(':'))) {
                Some((k, _)) => format!("{}{k}: …", &line[..line.len() - trimmed.len()]),
                None => pairs.iter().filter(|(_, v)| v.len() >= 4).fold(line.to_string(), |l, (_, v)| l.replace(v.as_str(), "…")),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces the config with `new`, as the changes between it and what Dokku has now; refused
/// when that is no longer what was read (`sha`).
pub async fn write(transport: &Transport, via: Via, t: &HostTarget, app: &str, sha: &str, new: &str) -> Result<(), String> {
    let current = text(&export(transport, via, &app_of(t)?).await?);
    if crate::env::write::sha256_hex(current.as_bytes()) != sha {
        return Err(format!("refused: {}: the config changed since it was read", t.host));
    }
    for c in crate::env::write::changes_between(&current, new).map_err(|e| format!("{}: {e}", t.host))? {
        change(transport, via, t, app, &c).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_set_never_says_the_values() {
        let change = Change::Set(vec![("API_TOKEN".into(), "t0p s3cret".into()), ("N".into(), "1".into())]);
        let said = "lab-2: -----> Setting config vars\n       API_TOKEN:          t0p s3cret\n       N: 1\n !     restart failed near t0p s3cret (exit 1)";
        let shown = without_values(said, &change);
        assert!(!shown.contains("t0p s3cret"), "{shown}");
        assert_eq!(shown.lines().nth(1), Some("       API_TOKEN: …"));
        assert_eq!(shown.lines().nth(2), Some("       N: …"));
        assert!(shown.ends_with("restart failed near … (exit 1)"), "{shown}");
        assert_eq!(without_values("x: y", &Change::Unset(vec!["x".into()])), "x: y");
    }
}
