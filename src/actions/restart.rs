//! `systemctl restart` of an app's units, every host in parallel, then their new state and PID.

use std::sync::Arc;

use futures::future::join_all;
use tokio::sync::mpsc::UnboundedSender;

use super::{ActionEvent, HostTarget, UnitNow, audit, command_error, parse_unit_states};
use crate::backend::{Backend, commands};

/// Restarts one host's units; returns their state right after.
pub async fn restart_host(backend: &Backend, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
    if let Backend::Kube(k) = backend {
        return restart_workloads(k, t, app, action).await;
    }
    let cmd = commands::restart(&t.units, t.as_root);
    let result = match backend.exec(&cmd).await {
        Ok(out) if out.status == Some(0) => Ok(parse_unit_states(&String::from_utf8_lossy(&out.stdout))),
        Ok(out) => Err(command_error(&t.host, &String::from_utf8_lossy(&out.stderr), out.status)),
        Err(e) => Err(format!("{}: {}", t.host, e.message)),
    };
    audit::record(
        &t.host,
        app,
        action,
        &cmd,
        match &result {
            Ok(units) => format!("ok: {}", units.iter().map(UnitNow::label).collect::<Vec<_>>().join(", ")),
            Err(e) => format!("failed: {e}"),
        },
    );
    result
}

/// Restarts every target at once. Returns whether every host succeeded.
pub async fn restart(backends: &[Arc<Backend>], app: &str, targets: &[HostTarget], progress: &UnboundedSender<ActionEvent>) -> bool {
    let runs = targets.iter().map(|t| async move {
        let Some(backend) = backends.iter().find(|b| *b.id() == t.host) else {
            return Err(format!("{}: not in the inventory", t.host));
        };
        let _ = progress.send(ActionEvent::Step { host: t.host.clone(), text: format!("restarting {}", t.units.join(" ")) });
        restart_host(backend, t, app, "restart").await
    });
    let results = join_all(runs).await;
    let mut ok = true;
    for (t, r) in targets.iter().zip(results) {
        match r {
            Ok(units) => {
                let _ = progress.send(ActionEvent::HostDone { host: t.host.clone(), units });
            }
            Err(error) => {
                ok = false;
                let _ = progress.send(ActionEvent::HostFailed { host: t.host.clone(), error });
            }
        }
    }
    let summary =
        if ok { format!("{app}: restarted on {} host(s)", targets.len()) } else { format!("{app}: restart failed on some hosts") };
    let _ = progress.send(ActionEvent::Finished { ok, summary });
    ok
}

/// A cluster's workloads: `kubectl rollout restart` of each.
async fn restart_workloads(k: &crate::kube::KubeBackend, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
    let mut out = Vec::new();
    for w in &t.units {
        if w.starts_with("cronjob/") {
            out.push(UnitNow {
                unit: w.clone(),
                active: "skipped".into(),
                sub: "a cronjob starts its own pods".into(),
                pid: None,
                restarts: None,
            });
            continue;
        }
        let r = crate::kube::actions::restart(k, w).await;
        audit::record(
            &t.host,
            app,
            action,
            &crate::kube::actions::describe_restart(w),
            match &r {
                Ok(()) => "ok: rollout started".to_string(),
                Err(e) => format!("failed: {e}"),
            },
        );
        r.map_err(|e| format!("{}: {e}", t.host))?;
        out.push(UnitNow { unit: w.clone(), active: "restarting".into(), sub: "rollout started".into(), pid: None, restarts: None });
    }
    Ok(out)
}
