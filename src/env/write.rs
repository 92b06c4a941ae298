//! Changing an app's env on its hosts: read the file (and its hash), edit the text, write it
//! back atomically (refused if the file changed meanwhile), then restart what uses it.

use super::edit;
use super::read::parse_files;
use super::table::FileState;
use crate::actions::{HostTarget, audit, command_error};
use crate::backend::{Backend, commands};

/// Backups kept next to each env file.
pub const KEEP_BACKUPS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Set(Vec<(String, String)>),
    Unset(Vec<String>),
}

impl Change {
    pub fn apply(&self, text: &str) -> Result<String, String> {
        match self {
            Change::Set(pairs) => pairs.iter().try_fold(text.to_string(), |t, (k, v)| edit::set(&t, k, v)),
            Change::Unset(keys) => Ok(keys.iter().fold(text.to_string(), |t, k| edit::unset(&t, k))),
        }
    }

    /// For the audit log: the keys, never the values.
    pub fn describe(&self) -> String {
        match self {
            Change::Set(p) => format!("set {}", p.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(" ")),
            Change::Unset(k) => format!("unset {}", k.join(" ")),
        }
    }
}

/// Which file of the app's to change: the convention's (`/etc/{app}/env`) when its units use
/// it, else the last one they list (it wins in systemd's precedence).
pub fn file_for(target: &HostTarget, convention_file: &str) -> Option<String> {
    let files: Vec<&str> = target.run.env_files.iter().map(|f| f.strip_prefix('-').unwrap_or(f)).collect();
    files.iter().find(|f| **f == convention_file).or(files.last()).map(|f| f.to_string())
}

/// Edits `path` on one host. Ok: (old text, new text) — equal when nothing changed.
pub async fn change_file(backend: &Backend, t: &HostTarget, app: &str, path: &str, change: &Change) -> Result<(String, String), String> {
    let out =
        backend.exec(&commands::read_env_files(&[path.to_string()], t.as_root)).await.map_err(|e| format!("{}: {}", t.host, e.message))?;
    if out.status != Some(0) {
        return Err(command_error(&t.host, &String::from_utf8_lossy(&out.stderr), out.status));
    }
    let files = parse_files(&String::from_utf8_lossy(&out.stdout));
    let (sha, old) = match files.into_iter().next().map(|f| f.state) {
        Some(FileState::Read { sha256, text }) => (sha256, text),
        Some(FileState::Missing) => {
            return Err(format!("{}: {path} does not exist (create it first; fleet edits, it does not invent files)", t.host));
        }
        _ => return Err(format!("{}: cannot read {path}: connect as root or allow passwordless sudo", t.host)),
    };
    let new = change.apply(&old).map_err(|e| format!("{}: {e}", t.host))?;
    if new == old {
        return Ok((old, new));
    }
    let cmd = commands::write_env_file(path, &sha, &sha256_hex(new.as_bytes()), KEEP_BACKUPS, t.as_root);
    let result = backend.exec_with_input(&cmd, new.as_bytes()).await;
    let outcome = match result {
        Ok(o) if o.status == Some(0) => Ok((old, new)),
        Ok(o) if o.status == Some(17) => {
            Err(format!("{}: {path} changed on the host since it was read; nothing written (read it again)", t.host))
        }
        Ok(o) if o.status == Some(18) => Err(format!("{}: the new {path} arrived incomplete; nothing written", t.host)),
        Ok(o) => Err(command_error(&t.host, &String::from_utf8_lossy(&o.stderr), o.status)),
        Err(e) => Err(format!("{}: {} (the file is the old one or the new one, never half)", t.host, e.message)),
    };
    audit::record(
        &t.host,
        app,
        "config",
        &format!("write {path} ({})", change.describe()),
        match &outcome {
            Ok(_) => "ok".into(),
            Err(e) => format!("failed: {e}"),
        },
    );
    outcome
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A unified-style diff of two env files' lines, values masked unless `reveal`.
pub fn diff(old: &str, new: &str, reveal: bool) -> Vec<String> {
    let mask = |l: &str| -> String {
        if reveal {
            return l.to_string();
        }
        match l.split_once('=') {
            Some((k, v)) if super::parse::valid_key(k.trim()) => format!("{k}={}", super::mask::masked(k.trim(), v)),
            _ => l.to_string(),
        }
    };
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut out = Vec::new();
    for l in &a {
        if !b.contains(l) {
            out.push(format!("- {}", mask(l)));
        }
    }
    for l in &b {
        if !a.contains(l) {
            out.push(format!("+ {}", mask(l)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_mask_secrets() {
        let d = diff("PORT=1\nAPI_KEY=old\n", "PORT=2\nAPI_KEY=new\n", false);
        assert_eq!(d, ["- PORT=1", "- API_KEY=••••••••", "+ PORT=2", "+ API_KEY=••••••••"]);
        assert!(diff("A=1\n", "A=2\n", true).contains(&"+ A=2".to_string()));
    }
}
