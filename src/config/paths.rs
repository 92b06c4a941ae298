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
