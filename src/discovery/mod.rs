//! Turning raw host output into facts and apps' processes. Pure functions over text, tested on
//! fixtures captured from the lab (fixtures/systemd/).

pub mod cron;
pub mod sections;
pub mod systemd;
pub mod timers;

use crate::config::Convention;
use crate::config::convention::glob_match;
use crate::model::{HostFacts, HostId, PlatformRef, Process, ProcessKind};

use systemd::{UnitProps, is_valid_unit_name};

/// What one discovery run found on a host.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovered {
    pub facts: HostFacts,
    pub processes: Vec<Process>,
    /// Things worth a line in fleet's log (skipped hostile names, unparsable lines).
    pub warnings: Vec<String>,
}

/// Parses a whole probe answer (the machine's facts, then systemd's part) and applies the
/// convention: what a machine that runs only systemd reports. `platform`: systemd's.
pub fn discover(output: &str, host: &HostId, convention: &Convention, platform: PlatformRef) -> Result<Discovered, String> {
    let s = sections::split(output);
    if !s.complete {
        return Err("discovery output ended early (the connection dropped, or the shell failed)".into());
    }
    let mut warnings = Vec::new();
    let mut facts = facts(&s);
    let units = systemd_units(&s, &mut facts)?;
    let mut processes = units_to_processes(&units, host, convention, platform, &mut warnings);
    scheduled_jobs(&mut processes, &s, &units);
    with_last_lines(&mut processes, &s);
    deaf_web_processes(&mut processes, &s, facts.listening.as_deref());
    Ok(Discovered { facts, processes, warnings })
}

/// The probe's `env-ports` section: each env file's PORT.
pub fn env_ports(text: &str) -> Vec<(String, u16)> {
    text.lines().filter_map(|l| l.rsplit_once(' ').and_then(|(f, p)| Some((f.to_string(), p.trim().parse().ok()?)))).collect()
}

/// What a web process whose PORT nothing listens on is warned with.
pub fn not_listening(port: u16) -> String {
    format!("nothing listens on its PORT {port}")
}

/// A web process (Heroku's word for the one that gets traffic) whose PORT nothing listens on is
/// running but not doing its job: it gets a warning, and its app is degraded. Its PORT is the
/// unit's Environment= or its env files' (the last file that sets it wins, as in systemd).
pub fn deaf_web_processes(processes: &mut [Process], s: &sections::Sections, listening: Option<&[u16]>) {
    let Some(listening) = listening else { return };
    let files = env_ports(s.get("env-ports").unwrap_or(""));
    for p in processes.iter_mut().filter(|p| p.process == "web" && p.state == crate::model::ProcessState::Running) {
        let from_files = p.env_files.iter().rev().find_map(|f| {
            let path = f.strip_prefix('-').unwrap_or(f);
            files.iter().rev().find(|(x, _)| x == path).map(|(_, port)| *port)
        });
        let from_unit = p.environment.iter().find(|(k, _)| k == "PORT").and_then(|(_, v)| v.trim().parse().ok());
        if let Some(port) = from_files.or(from_unit)
            && !listening.contains(&port)
        {
            p.warning = Some(not_listening(port));
        }
    }
}

/// Gives the services that timers start their schedules.
pub fn scheduled_jobs(processes: &mut [Process], s: &sections::Sections, units: &[UnitProps]) {
    let timers = timers::parse_timers(s.get("timers").unwrap_or(""));
    let by_id: std::collections::HashMap<String, &UnitProps> = units.iter().map(|u| (u.id.clone(), u)).collect();
    timers::attach(processes, &timers, &by_id);
}

/// Adds each failed unit's last line of output to why it is not running.
pub fn with_last_lines(processes: &mut [Process], s: &sections::Sections) {
    let tails = systemd::parse_failed_tail(s.get("failed-tail").unwrap_or(""));
    for p in processes {
        if let Some(line) = tails.get(&p.source) {
            let why = p.why.take().unwrap_or_else(|| "failed".into());
            p.why = Some(format!("{why}: {line}"));
        }
    }
}

/// The machine's facts from the probe's head.
pub fn facts(s: &sections::Sections) -> HostFacts {
    let mut facts = HostFacts { os: s.get("os-release").and_then(sections::os_pretty_name), ..HostFacts::default() };
    if let Some(u) = s.get("uname") {
        let mut lines = u.lines();
        facts.kernel = lines.next().map(str::to_string);
        facts.hostname = lines.next().map(str::to_string);
    }
    facts.uptime_secs = s.get("uptime").and_then(sections::uptime_secs);
    facts.uid = s.get("uid").and_then(|u| u.trim().parse().ok());
    facts.listening = s.get("listening").filter(|t| !t.trim().is_empty()).map(listening_ports);
    facts
}

/// `ss -ltnH`'s local addresses ("0.0.0.0:80", "[::]:22", "127.0.0.1:6379") → their ports.
pub fn listening_ports(text: &str) -> Vec<u16> {
    let mut ports: Vec<u16> = text.lines().filter_map(|l| l.trim().rsplit_once(':')?.1.parse().ok()).collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// systemd's part of the probe: its version (into `facts`) and the units it listed.
pub fn systemd_units(s: &sections::Sections, facts: &mut HostFacts) -> Result<Vec<UnitProps>, String> {
    match s.systemd.as_deref() {
        None | Some("none") | Some("") => {
            facts.note = Some("no systemd on this machine: no units to discover".into());
            Ok(Vec::new())
        }
        Some(v) => {
            facts.systemd_version = v.parse().ok();
            let listed = if let Some(json) = s.get("units-json") {
                systemd::parse_list_units_json(json)?
            } else if let Some(plain) = s.get("units-plain") {
                systemd::parse_list_units_plain(plain)
            } else {
                return Err("systemd is present but its unit list is missing from the output".into());
            };
            let props = systemd::parse_show(s.get("show").unwrap_or(""));
            let mut units = systemd::join(listed, props);
            // Services only a timer starts, not loaded since boot: list-units leaves them out.
            for (id, p) in systemd::parse_show(s.get("timer-services").unwrap_or("")) {
                if !units.iter().any(|u| u.id == id) {
                    units.push(p);
                }
            }
            Ok(units)
        }
    }
}

/// Applies the naming convention to a host's units: only administrator-installed units whose
/// names fit a pattern become app processes.
pub fn units_to_processes(
    units: &[UnitProps],
    host: &HostId,
    convention: &Convention,
    platform: PlatformRef,
    warnings: &mut Vec<String>,
) -> Vec<Process> {
    let patterns = convention.unit_patterns();
    let mut out = Vec::new();
    for u in units {
        if !is_valid_unit_name(&u.id) {
            warnings.push(format!("skipped a unit with an invalid name: {:?}", u.id.escape_debug().to_string()));
            continue;
        }
        let admin = u
            .fragment_path
            .as_deref()
            .is_some_and(|f| convention.admin_unit_dirs.iter().any(|d| f.starts_with(&format!("{}/", d.trim_end_matches('/')))));
        if !admin || u.load_state == "not-found" {
            continue;
        }
        let Some((app, process)) = patterns.iter().find_map(|p| p.matches(&u.id)) else { continue };
        if convention.ignore_apps.iter().any(|g| glob_match(g, &app)) {
            continue;
        }
        out.push(Process {
            app,
            process,
            host: host.clone(),
            kind: ProcessKind::SystemdUnit,
            platform,
            source: u.id.clone(),
            state: systemd::state_of(&u.active_state),
            detail: format!("{} ({})", u.active_state, u.sub_state),
            why: systemd::why_not_running(u),
            warning: None,
            pid: u.main_pid,
            memory_bytes: u.memory_current,
            since: u.started,
            restarts: u.n_restarts,
            user: u.user.clone(),
            working_dir: u.working_directory.clone(),
            env_files: u.environment_files.clone(),
            environment: u.environment.clone(),
            workload: None,
            schedule: None,
            container: None,
        });
    }
    out
}
