//! Changing an env file's text: one key at a time, in place; which file of an app's to change;
//! the masked diff a confirmation shows.

use super::edit;
use crate::model::HostTarget;
pub use crate::model::env::Change;

/// Backups kept next to each env file.
pub const KEEP_BACKUPS: usize = 5;

/// The env file's text with `change` made (each key in place, see `edit`).
pub fn apply(change: &Change, text: &str) -> Result<String, String> {
    match change {
        Change::Set(pairs) => pairs.iter().try_fold(text.to_string(), |t, (k, v)| edit::set(&t, k, v)),
        Change::Unset(keys) => Ok(keys.iter().fold(text.to_string(), |t, k| edit::unset(&t, k))),
    }
}

/// Which file of the app's to change: the convention's (`/etc/{app}/env`) when its units use
/// it, else the last one they list (it wins in systemd's precedence).
pub fn file_for(target: &HostTarget, convention_file: &str) -> Option<String> {
    let files: Vec<&str> = target.run.env_files.iter().map(|f| f.strip_prefix('-').unwrap_or(f)).collect();
    files.iter().find(|f| **f == convention_file).or(files.last()).map(|f| f.to_string())
}

/// An edited whole env (KEY=VALUE text) as the changes from `current`: keys set (new or with a
/// new value), keys removed — for platforms whose env is changed by command, not by file
/// (supervisord's environment=, Dokku's config:set). An invalid line is refused with its number.
pub fn changes_between(current: &str, edited: &str) -> Result<Vec<Change>, String> {
    let parsed = super::parse::parse(edited);
    if let Some(bad) = parsed.invalid.first() {
        return Err(format!("line {}: {}", bad.line, bad.reason));
    }
    let pairs = |p: &super::parse::EnvFile| -> Vec<(String, String)> {
        p.effective().into_iter().map(|a| (a.key.clone(), a.value.clone())).collect()
    };
    let new = pairs(&parsed);
    let old = pairs(&super::parse::parse(current));
    let set: Vec<(String, String)> = new.iter().filter(|kv| !old.contains(kv)).cloned().collect();
    let unset: Vec<String> = old.iter().filter(|(k, _)| !new.iter().any(|(nk, _)| nk == k)).map(|(k, _)| k.clone()).collect();
    let mut out = Vec::new();
    if !set.is_empty() {
        out.push(Change::Set(set));
    }
    if !unset.is_empty() {
        out.push(Change::Unset(unset));
    }
    Ok(out)
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
