//! systemd timers: a `{app}-{process}.timer` schedules its service, which is then a scheduled
//! job of its app (stopped between runs, and that is fine). From the probe's `timers` section:
//! `systemctl show` of every timer file in the admin directories, and its service's properties
//! (in `timer-services`, for services no one has started since boot, which list-units omits).

use std::collections::HashMap;

use jiff::Timestamp;

use super::systemd::{UnitProps, is_valid_unit_name, parse_timestamp, why_not_running};
use crate::model::{Process, Schedule};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimerProps {
    pub id: String,
    pub active_state: String,
    /// What it triggers: `Unit=` (the same base name's service unless set).
    pub unit: String,
    pub last_trigger: Option<Timestamp>,
    pub next_elapse: Option<Timestamp>,
    /// "OnCalendar=*-*-* 03:00:00", "OnUnitActiveSec=1h" (each of them, joined by "; ").
    pub spec: String,
}

/// `systemctl show -p Id,ActiveState,Unit,LastTriggerUSec,NextElapseUSecRealtime,TimersCalendar,
/// TimersMonotonic` blocks.
pub fn parse_timers(text: &str) -> Vec<TimerProps> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut t = TimerProps::default();
        let mut specs = Vec::new();
        for line in block.lines() {
            let Some((k, v)) = line.split_once('=') else { continue };
            let v = v.trim_end();
            match k {
                "Id" => t.id = v.to_string(),
                "ActiveState" => t.active_state = v.to_string(),
                "Unit" => t.unit = v.to_string(),
                "LastTriggerUSec" => t.last_trigger = parse_timestamp(v),
                "NextElapseUSecRealtime" => t.next_elapse = parse_timestamp(v),
                "TimersCalendar" | "TimersMonotonic" => specs.extend(timer_spec(v)),
                _ => {}
            }
        }
        t.spec = specs.join("; ");
        if t.id.ends_with(".timer") && is_valid_unit_name(&t.id) {
            out.push(t);
        }
    }
    out
}

/// "{ OnCalendar=*-*-* 03:00:00 ; next_elapse=Thu 2026-12-03 03:00:00 UTC }" → "OnCalendar=*-*-* 03:00:00";
/// "{ OnUnitActiveUSec=1h ; next_elapse=1h 30s }" → "OnUnitActiveSec=1h".
fn timer_spec(v: &str) -> Option<String> {
    let inner = v.trim().strip_prefix('{')?.trim_start();
    let first = inner.split(" ; ").next()?.trim().trim_end_matches('}').trim();
    (!first.is_empty()).then(|| first.replacen("USec=", "Sec=", 1))
}

/// Gives each timer's service (when it is an app process) its schedule, from the timer and the
/// service's own last run.
pub fn attach(processes: &mut [Process], timers: &[TimerProps], services: &HashMap<String, &UnitProps>) {
    for t in timers {
        let Some(p) = processes.iter_mut().find(|p| p.source == t.unit) else { continue };
        let service = services.get(&t.unit).copied();
        let active = service.is_some_and(|s| matches!(s.active_state.as_str(), "active" | "activating" | "reloading"));
        let failed = service.is_some_and(|s| s.active_state == "failed");
        let result = service.and_then(|s| s.result.as_deref());
        let last_ok = match (t.last_trigger, active, failed, result) {
            (_, true, _, _) => None,
            (_, _, true, _) => Some(false),
            (Some(_), _, _, Some("success")) => Some(true),
            (Some(_), _, _, Some(_)) => Some(false),
            _ => None,
        };
        p.schedule = Some(Schedule {
            spec: t.spec.clone(),
            scheduler: t.id.clone(),
            enabled: t.active_state == "active",
            last_run: t.last_trigger,
            last_ok,
            last_result: if last_ok == Some(false) { service.and_then(why_not_running) } else { None },
            last_success: if last_ok == Some(true) { t.last_trigger } else { None },
            next_run: t.next_elapse,
            // systemd computes when it is next due; a due time that has passed with no run
            // means the timer did not fire.
            due_after_last: t.next_elapse,
            running: active as u32,
            how_to_enable: format!("systemctl enable --now {}", t.id),
        });
        let said = match last_ok {
            Some(true) => "last run ok",
            Some(false) => "last run failed",
            None if active => "running now",
            None => "not run yet",
        };
        p.detail = format!("{} · {} · {said}", p.detail, t.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_blocks_give_their_schedule() {
        let text = "Id=ledger-report.timer\nActiveState=active\nUnit=ledger-report.service\n\
LastTriggerUSec=Wed 2026-12-02 01:00:05 UTC\nNextElapseUSecRealtime=Thu 2026-12-03 04:00:00 UTC\n\
TimersCalendar={ OnCalendar=*-*-* 04:00:00 ; next_elapse=Thu 2026-12-03 04:00:00 UTC }\n\
TimersMonotonic={ OnBootUSec=5s ; next_elapse=0 }\n\nId=x; rm -rf.timer\nUnit=a.service\n\nId=idle.timer\nActiveState=inactive\nUnit=idle.service\nLastTriggerUSec=n/a\n";
        let t = parse_timers(text);
        assert_eq!(t.len(), 2, "the hostile name is dropped: {t:?}");
        assert_eq!(t[0].spec, "OnCalendar=*-*-* 04:00:00; OnBootSec=5s");
        assert_eq!(t[0].last_trigger.unwrap().to_string(), "2026-12-02T01:00:05Z");
        assert_eq!(t[0].next_elapse.unwrap().to_string(), "2026-12-03T04:00:00Z");
        assert_eq!((t[1].active_state.as_str(), t[1].last_trigger), ("inactive", None));
    }
}
