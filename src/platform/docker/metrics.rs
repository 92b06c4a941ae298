//! Per-container metrics from the engine's one-shot stats: CPU time (a rate against the
//! previous reading, in percent of one core, as for systemd units: 200 % is two cores busy),
//! memory as `docker stats` counts it on cgroup v2 (usage minus inactive_file: page cache the
//! kernel may drop is not the app's), and tasks.

use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use futures::StreamExt;

use super::client::describe;
use super::containers;
use super::engine::Engine;
use crate::metrics::units::Sample;
use crate::model::metrics::UnitMetrics;

/// Memory the container's processes use: usage less inactive file cache (cgroup v2's
/// `inactive_file`, v1's `total_inactive_file`).
pub fn memory_of(s: &ContainerStatsResponse) -> Option<u64> {
    let m = s.memory_stats.as_ref()?;
    let usage = m.usage?;
    let inactive = m.stats.as_ref().and_then(|st| st.get("inactive_file").or_else(|| st.get("total_inactive_file")).copied()).unwrap_or(0);
    Some(usage.saturating_sub(inactive))
}

pub async fn sample(engine: &Engine, units: &[String]) -> Result<Sample, String> {
    let reads = units.iter().map(|name| async move {
        let mut s = engine.docker.stats(name, Some(StatsOptions { stream: false, one_shot: true }));
        (name, s.next().await)
    });
    let mut out = Vec::new();
    let mut at = 0.0f64;
    for (name, r) in futures::future::join_all(reads).await {
        let Some(c) = engine.get(name) else { continue };
        let (state, _, _) = containers::state_of(&c);
        let mut m = UnitMetrics {
            unit: name.clone(),
            active: state.label().to_string(),
            cpu_percent: None,
            memory_bytes: None,
            tasks: None,
            restarts: c.restart_count.and_then(|n| u32::try_from(n).ok()),
        };
        let mut cpu = None;
        match r {
            Some(Ok(s)) => {
                cpu = s.cpu_stats.as_ref().and_then(|c| c.cpu_usage.as_ref()).and_then(|u| u.total_usage).filter(|n| *n > 0);
                m.memory_bytes = memory_of(&s).filter(|n| *n > 0);
                m.tasks = s.pids_stats.as_ref().and_then(|p| p.current);
                if let Some(t) = s.read.as_deref().and_then(|r| r.parse::<jiff::Timestamp>().ok()).filter(|t| t.as_second() > 0) {
                    at = at.max(t.as_nanosecond() as f64 / 1e9);
                }
            }
            Some(Err(e)) if !super::client::not_found(&e) => return Err(format!("{name}: {}", describe(&e))),
            _ => {}
        }
        out.push((name.clone(), cpu, m));
    }
    if at == 0.0 {
        at = jiff::Timestamp::now().as_nanosecond() as f64 / 1e9;
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((out, at))
}
