//! When a rollout may move on from a host: its units are active and stay so (same MainPID, no
//! restart) for `stable_for`, and, if the app has one, its health URL answers 2xx/3xx through
//! the SSH connection.

use std::time::{Duration, Instant};

use super::commands;
use crate::model::{HealthCheck, HostTarget, UnitNow};
use crate::transport::{Transport, http};

/// Parses `systemctl show -p Id,ActiveState,SubState,MainPID,NRestarts` blocks.
pub fn parse_unit_states(text: &str) -> Vec<UnitNow> {
    let props = crate::discovery::systemd::parse_show(text);
    let mut v: Vec<UnitNow> = props
        .into_values()
        .map(|p| UnitNow { unit: p.id, active: p.active_state, sub: p.sub_state, pid: p.main_pid, restarts: p.n_restarts })
        .collect();
    v.sort_by(|a, b| a.unit.cmp(&b.unit));
    v
}

async fn states(transport: &Transport, t: &HostTarget) -> Result<Vec<UnitNow>, String> {
    let out = transport.exec(&commands::unit_state(&t.units)).await.map_err(|e| e.message)?;
    Ok(parse_unit_states(&String::from_utf8_lossy(&out.stdout)))
}

/// Waits for the host to be healthy; the error says why not.
pub async fn wait_stable(transport: &Transport, t: &HostTarget, hc: &HealthCheck) -> Result<String, String> {
    let deadline = Instant::now() + hc.timeout;
    // Active first (a unit may still be activating).
    let before = loop {
        let s = states(transport, t).await?;
        if !s.is_empty() && s.iter().all(|u| u.active == "active") {
            break s;
        }
        if let Some(bad) = s.iter().find(|u| u.active == "failed") {
            return Err(format!("{} failed right after the restart", bad.unit));
        }
        if Instant::now() >= deadline {
            let list: Vec<String> = s.iter().map(UnitNow::label).collect();
            return Err(format!("not active within {} s: {}", hc.timeout.as_secs(), list.join(", ")));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    tokio::time::sleep(hc.stable_for).await;
    let after = states(transport, t).await?;
    for u in &before {
        let now = after.iter().find(|a| a.unit == u.unit);
        match now {
            Some(a) if a.active == "active" && a.pid == u.pid && a.restarts == u.restarts => {}
            Some(a) => {
                return Err(format!(
                    "{} did not stay up for {} s (now {} ({}), pid {:?} → {:?})",
                    u.unit,
                    hc.stable_for.as_secs_f64(),
                    a.active,
                    a.sub,
                    u.pid,
                    a.pid
                ));
            }
            None => return Err(format!("{} disappeared", u.unit)),
        }
    }
    let stable = format!("stable for {} s", hc.stable_for.as_secs_f64());
    match &hc.url {
        Some(url) => http::wait_ok(transport, url, deadline).await,
        None => Ok(stable),
    }
}
