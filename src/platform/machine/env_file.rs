//! Env files on a machine, read and written whole through its transport: read with their
//! SHA-256, written atomically (temp file, fsync, rename) and only when unchanged since read.
//! A dropped connection leaves the old file or the new one, never half of one.

use super::command_error;
use super::commands;
use crate::audit;
use crate::env::read::parse_files;
use crate::env::table::FileState;
use crate::env::write::{Change, KEEP_BACKUPS, apply, sha256_hex};
use crate::model::HostTarget;
use crate::transport::Transport;

/// Reads one env file: (its SHA-256, its text).
pub async fn read(transport: &Transport, t: &HostTarget, path: &str) -> Result<(String, String), String> {
    let out = transport
        .exec(&commands::read_env_files(&[path.to_string()], t.as_root))
        .await
        .map_err(|e| format!("{}: {}", t.host, e.message))?;
    if out.status != Some(0) {
        return Err(command_error(&t.host, &String::from_utf8_lossy(&out.stderr), out.status));
    }
    match parse_files(&String::from_utf8_lossy(&out.stdout)).into_iter().next().map(|f| f.state) {
        Some(FileState::Read { sha256, text }) => Ok((sha256, text)),
        Some(FileState::Missing) => {
            Err(format!("{}: {path} does not exist (create it first; fleet edits, it does not invent files)", t.host))
        }
        _ => Err(format!("{}: cannot read {path}: connect as root or allow passwordless sudo", t.host)),
    }
}

/// Edits `path` on one host. Ok: (old text, new text) — equal when nothing changed.
pub async fn change_file(
    transport: &Transport,
    t: &HostTarget,
    app: &str,
    path: &str,
    change: &Change,
) -> Result<(String, String), String> {
    let (sha, old) = read(transport, t, path).await?;
    let new = apply(change, &old).map_err(|e| format!("{}: {e}", t.host))?;
    if new == old {
        return Ok((old, new));
    }
    let cmd = commands::write_env_file(path, &sha, &sha256_hex(new.as_bytes()), KEEP_BACKUPS, t.as_root);
    let result = transport.exec_with_input(&cmd, new.as_bytes()).await;
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

/// Replaces `path` with `text` whole, refused when it is no longer the `sha` that was read.
pub async fn write(transport: &Transport, t: &HostTarget, app: &str, path: &str, sha: &str, text: &str) -> Result<(), String> {
    let new_sha = sha256_hex(text.as_bytes());
    let cmd = commands::write_env_file(path, sha, &new_sha, KEEP_BACKUPS, t.as_root);
    let outcome = match transport.exec_with_input(&cmd, text.as_bytes()).await {
        Ok(o) if o.status == Some(0) => Ok(()),
        Ok(o) if o.status == Some(17) => Err(format!("refused: {}: {path} changed on the host since it was read", t.host)),
        Ok(o) => Err(format!("failed: {}", command_error(&t.host, &String::from_utf8_lossy(&o.stderr), o.status))),
        Err(e) => Err(format!("failed: {}: {}", t.host, e.message)),
    };
    audit::record(
        &t.host,
        app,
        "config",
        &format!("write {path} (whole file)"),
        match &outcome {
            Ok(()) => "ok".into(),
            Err(e) => e.clone(),
        },
    );
    outcome
}
