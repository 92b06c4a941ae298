//! supervisord's programs as fleet's processes: `getAllProcessInfo` read against the
//! configuration. The convention: a `[group:x]` is app x, its programs the processes (a
//! leading `x-` or `x_` dropped: `ledger-web` in `[group:ledger]` is process web); other
//! programs are named `{app}-{process}` as systemd units are. `numprocs` instances are one
//! process type each (`web×2`). supervisord keeps no restart count, so fleet shows none.

use std::collections::BTreeMap;

use dxr::Value;
use jiff::Timestamp;

use super::conf::Conf;
use super::rpc::{int, string};
use crate::config::Convention;
use crate::config::convention::glob_match;
use crate::model::{HostId, PlatformRef, Process, ProcessKind, ProcessState};

/// One entry of `getAllProcessInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info {
    pub name: String,
    pub group: String,
    pub statename: String,
    pub start: i64,
    pub stop: i64,
    pub now: i64,
    pub pid: i64,
    pub exitstatus: i64,
    pub spawnerr: String,
    pub description: String,
    pub stdout_logfile: String,
    pub stderr_logfile: String,
}

impl Info {
    pub fn namespec(&self) -> String {
        format!("{}:{}", self.group, self.name)
    }
}

pub fn infos(v: &Value) -> Result<Vec<Info>, String> {
    let Value::Array(items) = v else { return Err("getAllProcessInfo answered something other than a list".into()) };
    Ok(items.iter().filter_map(info).collect())
}

pub fn info(v: &Value) -> Option<Info> {
    let Value::Struct(m) = v else { return None };
    let s = |k: &str| m.get(k).and_then(string).unwrap_or_default();
    let n = |k: &str| m.get(k).and_then(int).map(i64::from).unwrap_or(0);
    Some(Info {
        name: s("name"),
        group: s("group"),
        statename: s("statename"),
        start: n("start"),
        stop: n("stop"),
        now: n("now"),
        pid: n("pid"),
        exitstatus: n("exitstatus"),
        spawnerr: s("spawnerr"),
        description: s("description"),
        stdout_logfile: s("stdout_logfile"),
        stderr_logfile: s("stderr_logfile"),
    })
}

/// supervisord's states in fleet's terms. EXITED is fine when the exit code was expected.
pub fn state_of(i: &Info, exitcodes: &[i32]) -> ProcessState {
    match i.statename.as_str() {
        "RUNNING" => ProcessState::Running,
        "STARTING" => ProcessState::Starting,
        "STOPPING" => ProcessState::Stopping,
        "STOPPED" => ProcessState::Stopped,
        "BACKOFF" | "FATAL" => ProcessState::Failed,
        "EXITED" if exitcodes.iter().any(|c| i64::from(*c) == i.exitstatus) => ProcessState::Stopped,
        "EXITED" => ProcessState::Failed,
        _ => ProcessState::Unknown,
    }
}

/// supervisord's words for "it kept exiting before startsecs": they say nothing the state and
/// exit status do not, and would push the program's own last words off a table row.
const TOO_QUICKLY: &str = "Exited too quickly";

/// Why it is not running, in a user's words, the program's own last stderr line (`last_err`)
/// at the end where it shows; supervisord's spawn error when it says more than "too quickly".
pub fn why_of(i: &Info, exitcodes: &[i32], last_err: Option<&str>) -> Option<String> {
    let said = last_err.map(|l| format!(": {l}")).unwrap_or_default();
    let spawnerr = crate::text::sanitize(&i.spawnerr).into_owned();
    let quick = spawnerr.is_empty() || spawnerr.starts_with(TOO_QUICKLY);
    match i.statename.as_str() {
        // supervisord records no exit status for an exit before startsecs (its exitstatus is
        // from an earlier run, or 0): none is shown.
        "FATAL" if quick => Some(format!("gave up (FATAL, exited too quickly){said}")),
        "FATAL" => Some(format!("gave up (FATAL): {spawnerr}{said}")),
        "BACKOFF" if quick => Some(format!("crashed, retrying (BACKOFF){said}")),
        "BACKOFF" => Some(format!("crashed, retrying (BACKOFF): {spawnerr}{said}")),
        "EXITED" if !exitcodes.iter().any(|c| i64::from(*c) == i.exitstatus) => Some(format!(
            "exited {} (expected {}){said}",
            i.exitstatus,
            exitcodes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")
        )),
        _ => None,
    }
}

/// (app, process) of a program, or None when it follows no convention.
pub fn app_of(program: &str, group: &str, in_group_section: bool, convention: &Convention) -> Option<(String, String)> {
    let (app, process) = if in_group_section {
        let process = [format!("{group}-"), format!("{group}_")]
            .iter()
            .find_map(|p| program.strip_prefix(p.as_str()).filter(|rest| !rest.is_empty()).map(str::to_string))
            .unwrap_or_else(|| program.to_string());
        (group.to_string(), process)
    } else {
        // The unit patterns (`{app}-{process}.service`) apply to program names as to unit names.
        let as_unit = format!("{program}.service");
        convention.unit_patterns().iter().find_map(|p| p.matches(&as_unit))?
    };
    if convention.ignore_apps.iter().any(|g| glob_match(g, &app)) {
        return None;
    }
    Some((app, process))
}

/// Names fleet shows and passes on: what supervisord's own examples use. Anything else is
/// skipped (it would only ever reach supervisord as an XML string, but it reaches a terminal too).
fn safe_name(spec: &str) -> bool {
    !spec.is_empty() && spec.len() <= 255 && spec.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:@".contains(&b))
}

fn time(secs: i64) -> Option<Timestamp> {
    (secs > 0).then(|| Timestamp::from_second(secs).ok()).flatten()
}

/// Every program instance that is an app's process. `last_err`: last stderr lines by namespec.
pub fn processes(
    infos: &[Info],
    conf: &Conf,
    host: &HostId,
    convention: &Convention,
    platform: PlatformRef,
    last_err: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Vec<Process> {
    let mut out = Vec::new();
    for i in infos {
        let spec = i.namespec();
        let found = conf.instance(&spec);
        // A program supervisord runs but the files no longer describe (edited, not yet
        // reread): its name still places it; its settings are unknown.
        let (program, in_group, exitcodes, user, dir) = match found {
            Some((p, _)) => (p.name.clone(), p.in_group_section, p.exitcodes.clone(), p.user.clone(), p.directory.clone()),
            None => (i.name.clone(), i.group != i.name, vec![0], None, None),
        };
        let Some((app, process)) = app_of(&program, &i.group, in_group, convention) else {
            continue;
        };
        if !safe_name(&spec) {
            warnings.push(format!("skipped a supervisord program with an unsafe name: {:?}", spec.escape_debug().to_string()));
            continue;
        }
        let state = state_of(i, &exitcodes);
        let why = why_of(i, &exitcodes, last_err.get(&spec).map(String::as_str));
        out.push(Process {
            app,
            process,
            host: host.clone(),
            kind: ProcessKind::SupervisorProgram,
            platform,
            source: spec,
            state,
            detail: if i.description.is_empty() {
                i.statename.clone()
            } else {
                format!("{} ({})", i.statename, crate::text::sanitize(&i.description))
            },
            why,
            warning: None,
            pid: u32::try_from(i.pid).ok().filter(|p| *p > 0),
            memory_bytes: None,
            since: if state == ProcessState::Running || state == ProcessState::Starting { time(i.start) } else { time(i.stop) },
            restarts: None,
            user,
            working_dir: dir,
            env_files: found.map(|(p, _)| vec![p.file.clone()]).unwrap_or_default(),
            environment: found.map(|(_, inst)| inst.env.clone()).unwrap_or_default(),
            workload: None,
            schedule: None,
            container: None,
        });
    }
    // getAllProcessInfo is by name (bank before web); fleet's order is the Procfile habit's.
    out.sort_by_key(|p| (convention.process_order.iter().position(|o| *o == p.process).unwrap_or(usize::MAX), p.process.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, group: &str, state: &str, exit: i64) -> Info {
        Info { name: name.into(), group: group.into(), statename: state.into(), exitstatus: exit, ..Default::default() }
    }

    #[test]
    fn states_map_with_expected_exits() {
        assert_eq!(state_of(&info("a", "a", "EXITED", 0), &[0]), ProcessState::Stopped);
        assert_eq!(state_of(&info("a", "a", "EXITED", 3), &[0]), ProcessState::Failed);
        assert_eq!(state_of(&info("a", "a", "BACKOFF", 0), &[0]), ProcessState::Failed);
        assert_eq!(state_of(&info("a", "a", "FATAL", 0), &[0]), ProcessState::Failed);
        assert_eq!(state_of(&info("a", "a", "STARTING", 0), &[0]), ProcessState::Starting);
        let mut fatal = info("a", "a", "FATAL", 3);
        fatal.spawnerr = "Exited too quickly (process log may have details)".into();
        assert_eq!(
            why_of(&fatal, &[0], Some("cannot reach the bank")).as_deref(),
            Some("gave up (FATAL, exited too quickly): cannot reach the bank")
        );
        // A spawn error that says something is kept.
        fatal.spawnerr = "can't find command '/srv/pay/bin/nope'".into();
        assert_eq!(why_of(&fatal, &[0], None).as_deref(), Some("gave up (FATAL): can't find command '/srv/pay/bin/nope'"));
    }

    #[test]
    fn groups_and_names_make_apps() {
        let c = Convention::default();
        assert_eq!(app_of("ledger-web", "ledger", true, &c), Some(("ledger".into(), "web".into())));
        assert_eq!(app_of("clock", "ledger", true, &c), Some(("ledger".into(), "clock".into())));
        assert_eq!(app_of("shop-worker", "shop-worker", false, &c), Some(("shop".into(), "worker".into())));
        assert_eq!(app_of("cron", "cron", false, &c), None);
    }
}
