//! What fleet does to apps: restart, rollout, rollback, shell and run, port-forward. Each action
//! is first an `Operation` (model) that says exactly what will run where — the confirmation
//! shows it, tests assert on it — then runs here, on whatever platform each target is on,
//! through the platform interface. The one-shot CLI and the TUI share all of it.

pub mod forward;
pub mod restart;
pub mod rollback;
pub mod rollout;
pub mod shell;

use std::sync::Arc;

use crate::model::{Can, HostId, HostTarget};
use crate::platform::{Backend, Platform};

/// The backend of a host in the inventory.
pub fn backend_of<'a>(backends: &'a [Arc<dyn Backend>], host: &HostId) -> Result<&'a Arc<dyn Backend>, String> {
    backends.iter().find(|b| b.id() == host).ok_or_else(|| format!("{host}: not in the inventory"))
}

/// The platform that runs a target, when it can do `what` (a capability of it).
pub fn platform_for<'a>(backend: &'a dyn Backend, t: &HostTarget, can: Can) -> Result<&'a dyn Platform, String> {
    can.check().map_err(|why| format!("{}: {why}", t.host))?;
    backend.platform(t.platform).map_err(|e| e.message)
}
