//! When a rollout may move on from a container: it runs, and its HEALTHCHECK says healthy —
//! or, without one, it stays up (same start, no restart) for `stable_for`; then the app's
//! health URL, if it has one, answers 2xx/3xx through the SSH connection.

use std::time::{Duration, Instant};

use bollard::models::HealthStatusEnum;

use super::containers;
use super::engine::Engine;
use crate::model::{HealthCheck, HostTarget};
use crate::transport::{Transport, http};

pub fn describe(hc: &HealthCheck) -> String {
    let base = format!("running and HEALTHCHECK healthy (or, without one, stable for {} s)", hc.stable_for.as_secs_f64());
    match &hc.url {
        Some(u) => format!("{base}, and {u} answers 2xx/3xx"),
        None => base,
    }
}

pub async fn wait(transport: &Transport, engine: &Engine, t: &HostTarget, hc: &HealthCheck) -> Result<String, String> {
    let deadline = Instant::now() + hc.timeout;
    let mut said = Vec::new();
    for name in &t.units {
        said.push(wait_one(engine, name, hc, deadline).await?);
    }
    match &hc.url {
        Some(url) => http::wait_ok(transport, url, deadline).await,
        None => Ok(said.join("; ")),
    }
}

async fn wait_one(engine: &Engine, name: &str, hc: &HealthCheck, deadline: Instant) -> Result<String, String> {
    let mut stable_since: Option<(Instant, Option<String>, Option<i64>)> = None;
    loop {
        engine.reinspect(name).await;
        let Some(c) = engine.get(name) else { return Err(format!("{name} disappeared")) };
        let (state, detail, why) = containers::state_of(&c);
        let started = c.state.as_ref().and_then(|s| s.started_at.clone());
        let restarts = c.restart_count;
        match (state, containers::health(&c)) {
            (crate::model::ProcessState::Failed, _) => {
                return Err(format!("{name} failed right after the restart: {}", why.unwrap_or(detail)));
            }
            (crate::model::ProcessState::Running, Some(HealthStatusEnum::HEALTHY)) => return Ok(format!("{name} healthy")),
            // A (re)start resets health to "starting"; unhealthy is this run's probes failing
            // `retries` times in a row: no point waiting out the timeout.
            (crate::model::ProcessState::Running, Some(HealthStatusEnum::UNHEALTHY)) => {
                let f = containers::facts(&c, None);
                let out = f.health_output.map(|o| format!(": {o}")).unwrap_or_default();
                return Err(format!("{name} is unhealthy after its restart ({}× failed{out})", f.failing_streak.unwrap_or(0)));
            }
            (crate::model::ProcessState::Running, None) => match &stable_since {
                Some((at, s, r)) if *s == started && *r == restarts => {
                    if at.elapsed() >= hc.stable_for {
                        return Ok(format!("{name} stable for {} s", hc.stable_for.as_secs_f64()));
                    }
                }
                _ => stable_since = Some((Instant::now(), started, restarts)),
            },
            _ => {}
        }
        if Instant::now() >= deadline {
            let f = containers::facts(&c, None);
            let health = f.health.map(|h| format!(", health {h}{}", f.health_output.map(|o| format!(": {o}")).unwrap_or_default()));
            return Err(format!("{name} not ready within {} s ({detail}{})", hc.timeout.as_secs(), health.unwrap_or_default()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
