//! `fleet shell` and `fleet run`: a shell or one command where the app runs, as it runs (its
//! user, directory and env; a pod of it), through its platform. The caller owns the terminal
//! (raw mode for a shell; in the TUI, off the alternate screen).

use super::platform_for;
use crate::model::HostTarget;
use crate::platform::Backend;

/// Runs `argv`; its stdout and stderr become ours; its exit status is returned.
pub async fn run(backend: &dyn Backend, app: &str, t: &HostTarget, argv: &[String]) -> Result<i32, String> {
    platform_for(backend, t, t.platform.caps.exec)?.run(t, app, argv).await
}

/// An interactive shell; returns its exit status.
pub async fn interactive(backend: &dyn Backend, app: &str, t: &HostTarget) -> Result<i32, String> {
    platform_for(backend, t, t.platform.caps.exec)?.shell(t, app).await
}
