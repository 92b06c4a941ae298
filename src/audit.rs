//! Every action taken, appended as one JSON line to the audit log in the XDG state dir
//! (~/.local/state/fleet/audit.jsonl): time, local user, host, app, action, exact command,
//! result. Env values never appear here: commands name files and units, not their contents.
//! The demo keeps its log in memory instead: its actions show in the audit view, and the
//! user's real audit log is never touched.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use jiff::Timestamp;

use crate::model::HostId;
pub use crate::model::audit::AuditEntry;

/// Set once by `keep_in_memory`: the demo's log.
static MEMORY: OnceLock<Mutex<Vec<AuditEntry>>> = OnceLock::new();

/// From now on (for this process) entries go to memory, not to the file.
pub fn keep_in_memory() {
    let _ = MEMORY.set(Mutex::new(Vec::new()));
}

pub fn path() -> Option<PathBuf> {
    let dirs = crate::config::paths::project_dirs()?;
    let dir = dirs.state_dir().map(PathBuf::from).unwrap_or_else(|| dirs.data_local_dir().to_path_buf());
    Some(dir.join("audit.jsonl"))
}

fn local_user() -> String {
    if let Ok(u) = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")) {
        return u;
    }
    // SAFETY: getuid has no preconditions; getpwuid's result is read at once, on this thread,
    // before any other call that could overwrite it.
    unsafe {
        let uid = libc::getuid();
        let pw = libc::getpwuid(uid);
        if !pw.is_null() && !(*pw).pw_name.is_null() {
            return std::ffi::CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned();
        }
        format!("uid {uid}")
    }
}

/// Appends one entry. An audit log that cannot be written is logged, not fatal: the action
/// already happened, and saying so loudly is better than hiding it.
/// How an action went, in the log's words: `ok(value)`, or "failed: why".
pub fn outcome<T>(r: &Result<T, String>, ok: impl FnOnce(&T) -> String) -> String {
    match r {
        Ok(v) => ok(v),
        Err(e) => format!("failed: {e}"),
    }
}

pub fn record(host: &HostId, app: &str, action: &str, command: &str, result: String) {
    let entry = AuditEntry {
        time: Timestamp::now(),
        user: local_user(),
        host: host.0.clone(),
        app: app.to_string(),
        action: action.to_string(),
        command: command.to_string(),
        result,
    };
    if let Some(memory) = MEMORY.get() {
        let mut m = memory.lock().unwrap_or_else(|e| e.into_inner());
        m.push(entry);
        // Bounded like everything kept for a long session.
        if m.len() > 1_000 {
            m.drain(..500);
        }
        return;
    }
    if let Err(e) = append(&entry) {
        tracing::error!("cannot write the audit log: {e}");
        eprintln!("fleet: warning: cannot write the audit log: {e}");
    }
}

pub fn append(entry: &AuditEntry) -> std::io::Result<()> {
    let p = path().ok_or_else(|| std::io::Error::other("no home directory for the audit log"))?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    line.push('\n');
    // One write of the whole line with O_APPEND: concurrent fleets never interleave a line.
    std::fs::OpenOptions::new().create(true).append(true).open(&p)?.write_all(line.as_bytes())
}

/// The last `n` entries, oldest first. Unreadable lines are skipped.
pub fn tail(n: usize) -> Vec<AuditEntry> {
    if let Some(memory) = MEMORY.get() {
        let m = memory.lock().unwrap_or_else(|e| e.into_inner());
        return m[m.len().saturating_sub(n)..].to_vec();
    }
    let Some(p) = path() else { return Vec::new() };
    let text = std::fs::read_to_string(p).unwrap_or_default();
    let all: Vec<AuditEntry> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let skip = all.len().saturating_sub(n);
    all.into_iter().skip(skip).collect()
}
