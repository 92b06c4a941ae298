//! fleet's own log: a file, never the terminal (the TUI owns it). FLEET_LOG sets the filter
//! (e.g. FLEET_LOG=debug). Nothing secret is ever logged: no env values, no key material.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging; returns the guard that flushes on drop, or None when no log directory
/// can be made (fleet then runs without a log rather than failing).
pub fn init() -> Option<WorkerGuard> {
    let dir = crate::config::paths::log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "fleet.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("FLEET_LOG").unwrap_or_else(|_| EnvFilter::new("warn,fleet=info"));
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init().ok()?;
    Some(guard)
}
