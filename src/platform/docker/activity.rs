//! What the engine recorded about an app's containers: its event log (starts, exits with their
//! codes, OOM kills, restarts, health turning, creates and removals), read with `until` = now so
//! the engine answers from its history and closes. The engine keeps only its last 256 events
//! of any kind, in memory (HEALTHCHECK execs count too, so on a busy host that is minutes), so
//! each container's own record is added: when it was created, last started and last exited,
//! with its exit code — those survive any number of events and an engine restart.

use std::collections::HashMap;

use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptionsBuilder;
use futures::StreamExt;
use jiff::Timestamp;

use super::client::describe;
use super::containers::{COMPOSE_PROJECT, FLEET_APP};
use super::engine::Engine;
use crate::model::{ActivityEntry, HostTarget};

/// An event as an entry; None for the ones that say nothing to a person (exec, attach, kill
/// before a die).
pub fn entry(t: &HostTarget, ev: &EventMessage) -> Option<ActivityEntry> {
    let action = ev.action.as_deref()?;
    let attrs = ev.actor.as_ref().and_then(|a| a.attributes.as_ref());
    let attr = |k: &str| attrs.and_then(|a| a.get(k)).map(String::as_str).unwrap_or("");
    let name = attr("name");
    let image = attr("image");
    let (what, detail) = match action {
        "create" => ("created", format!("{name} from {image}")),
        "start" => ("started", format!("{name} ({image})")),
        "restart" => ("restarted", name.to_string()),
        "die" => match attr("exitCode") {
            // SIGKILL's 137 is most often `docker stop` past its timeout; an OOM kill has its own event.
            "0" | "137" | "143" | "" => ("stopped", format!("{name} exited {}", attr("exitCode"))),
            code => ("crashed", format!("{name} exited {code}")),
        },
        "oom" => ("crashed", format!("{name} was killed: out of memory")),
        "stop" => ("stopped", format!("{name} stopped")),
        "pause" | "unpause" => (action, name.to_string()),
        "rename" => ("renamed", format!("{} → {name}", attr("oldName").trim_start_matches('/'))),
        "destroy" => ("removed", name.to_string()),
        a if a.starts_with("health_status") => {
            let status = a.split(':').nth(1).unwrap_or("").trim();
            (if status == "unhealthy" { "unhealthy" } else { "health" }, format!("{name} is {status}"))
        }
        _ => return None,
    };
    let at = ev
        .time_nano
        .map(|n| Timestamp::from_nanosecond(n as i128).ok())
        .unwrap_or_else(|| ev.time.and_then(|s| Timestamp::from_second(s).ok()))?;
    Some(ActivityEntry {
        at,
        host: t.host.clone(),
        who: "docker".into(),
        what: what.to_string(),
        detail: crate::text::sanitize(&detail).into_owned(),
    })
}

pub async fn read(
    engine: &Engine,
    t: &HostTarget,
    app: &str,
    since: Option<Timestamp>,
    limit: usize,
) -> Result<Vec<ActivityEntry>, String> {
    let until = Timestamp::now().as_second().to_string();
    let since = since.map(|s| s.as_second()).unwrap_or(0).to_string();
    let mut out = Vec::new();
    // A label filter's values must all match, so each label is its own query.
    for key in [COMPOSE_PROJECT, FLEET_APP] {
        let label = format!("{key}={app}");
        let filters: HashMap<&str, Vec<&str>> =
            HashMap::from([("type", vec!["container"]), ("label", vec![label.as_str()]), ("event", super::engine::EVENTS.to_vec())]);
        let opts = EventsOptionsBuilder::new().since(&since).until(&until).filters(&filters).build();
        let mut events = engine.docker.events(Some(opts));
        while let Some(ev) = events.next().await {
            let ev = ev.map_err(|e| describe(&e))?;
            let name = ev.actor.as_ref().and_then(|a| a.attributes.as_ref()).and_then(|a| a.get("name"));
            // Only the target's processes (an app may have more containers than asked for).
            if name.is_some_and(|n| !t.units.contains(n)) {
                continue;
            }
            out.extend(entry(t, &ev));
        }
    }
    let since_ts = since.parse::<i64>().ok().and_then(|s| Timestamp::from_second(s).ok()).unwrap_or(Timestamp::UNIX_EPOCH);
    for name in &t.units {
        let Some(c) = engine.get(name) else { continue };
        for e in recorded(t, &c) {
            // The event log's own entry for the same moment says it better.
            let known = out
                .iter()
                .any(|o| o.what == e.what && o.detail.split(' ').next() == Some(name) && (o.at.as_second() - e.at.as_second()).abs() <= 2);
            if e.at >= since_ts && !known {
                out.push(e);
            }
        }
    }
    Ok(crate::model::activity::newest_first(out, limit))
}

/// A container's own record: created, last started, last exited (with its code).
pub fn recorded(t: &HostTarget, c: &bollard::models::ContainerInspectResponse) -> Vec<ActivityEntry> {
    let name = super::containers::name_of(c);
    let image = c.config.as_ref().and_then(|c| c.image.clone()).unwrap_or_default();
    let s = c.state.as_ref();
    let entry = |at: Option<Timestamp>, what: &str, detail: String| {
        at.map(|at| ActivityEntry {
            at,
            host: t.host.clone(),
            who: "docker".into(),
            what: what.into(),
            detail: crate::text::sanitize(&detail).into_owned(),
        })
    };
    let code = s.and_then(|s| s.exit_code).unwrap_or(0);
    let oom = s.and_then(|s| s.oom_killed).unwrap_or(false);
    let exited = match (oom, code) {
        (true, _) => ("crashed", format!("{name} was killed: out of memory (exit {code})")),
        (false, 0 | 137 | 143) => ("stopped", format!("{name} exited {code}")),
        (false, _) => ("crashed", format!("{name} exited {code}")),
    };
    let parse = super::containers::parse_time;
    [
        entry(parse(c.created.as_deref()), "created", format!("{name} from {image}")),
        entry(parse(s.and_then(|s| s.started_at.as_deref())), "started", format!("{name} ({image})")),
        entry(parse(s.and_then(|s| s.finished_at.as_deref())), exited.0, exited.1),
    ]
    .into_iter()
    .flatten()
    .collect()
}
