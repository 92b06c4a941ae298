//! Where fleet's files live (XDG via `directories`), with `--config` and `FLEET_CONFIG` first.

use std::path::{Path, PathBuf};

pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "fleet")
}

/// The fleet config to read: an explicit path wins, then FLEET_CONFIG, then the XDG config dir.
/// Returns the path and whether the user named it (a named file must exist).
pub fn config_file(explicit: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(p) = explicit {
        return Some((p.to_path_buf(), true));
    }
    if let Some(p) = std::env::var_os("FLEET_CONFIG").filter(|v| !v.is_empty()) {
        return Some((PathBuf::from(p), true));
    }
    project_dirs().map(|d| (d.config_dir().join("fleet.toml"), false))
}

/// The directory user overrides (keymap.toml, themes/) are read from: beside the config file.
pub fn config_dir(config_file: Option<&Path>) -> Option<PathBuf> {
    config_file.and_then(|f| f.parent().map(Path::to_path_buf)).or_else(|| project_dirs().map(|d| d.config_dir().to_path_buf()))
}

/// fleet's own log file (never stdout: the TUI owns the terminal).
pub fn log_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_local_dir().join("logs"))
}

/// Expands a leading `~/` the way ssh does.
pub fn expand_tilde(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ if p == "~" => std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| p.into()),
        _ => PathBuf::from(p),
    }
}

/// The home directory the password database gives this user: where OpenSSH looks for
/// `~/.ssh`, whatever $HOME says.
pub fn passwd_home() -> Option<PathBuf> {
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: a zeroed passwd is a valid out-parameter (pointers null, numbers zero).
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `pw` and `buf`, which we own and size, and sets `out` to
    // `&pw` or null; nothing is kept past this call.
    let rc = unsafe { libc::getpwuid_r(libc::getuid(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut out) };
    if rc != 0 || out.is_null() || pw.pw_dir.is_null() {
        return None;
    }
    // SAFETY: pw_dir points into `buf`, NUL-terminated by getpwuid_r, alive until `buf` drops.
    let dir = unsafe { std::ffi::CStr::from_ptr(pw.pw_dir) };
    Some(PathBuf::from(dir.to_string_lossy().into_owned()))
}

/// When $HOME is not the password database's home (sudo -E, containers, CI), OpenSSH still
/// reads the passwd home's ~/.ssh. Returns ($HOME, passwd home) then, so fleet can read the
/// files of the $HOME it listed hosts from; None when they agree.
pub fn diverging_home() -> Option<(PathBuf, PathBuf)> {
    let home = PathBuf::from(std::env::var_os("HOME")?);
    let passwd = passwd_home()?;
    let same = |a: &Path, b: &Path| a == b || std::fs::canonicalize(a).ok().zip(std::fs::canonicalize(b).ok()).is_some_and(|(x, y)| x == y);
    (!same(&home, &passwd)).then_some((home, passwd))
}
