//! Parsers for systemctl output: `list-units` (JSON and plain) and `show` blocks.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;

use crate::model::ProcessState;

/// One row of `systemctl list-units`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ListedUnit {
    pub unit: String,
    pub load: String,
    pub active: String,
    pub sub: String,
}

/// The properties of one unit from `systemctl show`, joined with its list row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnitProps {
    pub id: String,
    pub load_state: String,
    pub active_state: String,
    pub sub_state: String,
    pub main_pid: Option<u32>,
    pub memory_current: Option<u64>,
    pub fragment_path: Option<String>,
    pub started: Option<Timestamp>,
    pub n_restarts: Option<u32>,
    /// Paths from EnvironmentFiles (the "(ignore_errors=yes)" note dropped; a leading '-' kept,
    /// as systemd's own `-` prefix means the same).
    pub environment_files: Vec<String>,
    pub user: Option<String>,
    pub working_directory: Option<String>,
    /// The unit's own Environment= assignments.
    pub environment: Vec<(String, String)>,
    /// How its main process last ended: systemd's Result ("exit-code", "signal", "oom-kill"…),
    /// ExecMainCode (1 exited, 2 killed, 3 dumped core) and ExecMainStatus (the exit status or
    /// signal number).
    pub result: Option<String>,
    pub exec_main_code: Option<u32>,
    pub exec_main_status: Option<i32>,
}

pub fn parse_list_units_json(text: &str) -> Result<Vec<ListedUnit>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(text).map_err(|e| format!("cannot read `systemctl list-units --output=json`: {e}"))
}

/// `systemctl list-units --plain --no-legend`: UNIT LOAD ACTIVE SUB DESCRIPTION...
/// Older systemd prints a "●" before failed units even in plain mode; it is dropped.
pub fn parse_list_units_plain(text: &str) -> Vec<ListedUnit> {
    text.lines()
        .filter_map(|line| {
            let mut w = line.split_whitespace().skip_while(|w| *w == "●" || *w == "*");
            Some(ListedUnit {
                unit: w.next()?.to_string(),
                load: w.next()?.to_string(),
                active: w.next()?.to_string(),
                sub: w.next()?.to_string(),
            })
        })
        .collect()
}

/// `systemctl show -p ... UNIT...`: blocks of Key=Value separated by blank lines. The order of
/// properties within a block is systemd's, not ours, so blocks are found by blank lines.
pub fn parse_show(text: &str) -> HashMap<String, UnitProps> {
    let mut out = HashMap::new();
    for block in text.split("\n\n") {
        let mut p = UnitProps::default();
        for line in block.lines() {
            let Some((k, v)) = line.split_once('=') else { continue };
            let v = v.trim_end();
            match k {
                "Id" => p.id = v.to_string(),
                "LoadState" => p.load_state = v.to_string(),
                "ActiveState" => p.active_state = v.to_string(),
                "SubState" => p.sub_state = v.to_string(),
                "MainPID" => p.main_pid = v.parse().ok().filter(|pid| *pid != 0),
                "MemoryCurrent" => p.memory_current = v.parse().ok().filter(|m| *m != u64::MAX),
                "FragmentPath" => p.fragment_path = non_empty(v),
                "ExecMainStartTimestamp" => p.started = parse_timestamp(v),
                "NRestarts" => p.n_restarts = v.parse().ok(),
                "EnvironmentFiles" => p.environment_files.extend(parse_env_file_prop(v)),
                "User" => p.user = non_empty(v),
                "Environment" => p.environment = parse_environment_property(v),
                "WorkingDirectory" => p.working_directory = non_empty(v),
                "Result" => p.result = non_empty(v),
                "ExecMainCode" => p.exec_main_code = v.parse().ok(),
                "ExecMainStatus" => p.exec_main_status = v.parse().ok(),
                _ => {}
            }
        }
        if !p.id.is_empty() {
            out.insert(p.id.clone(), p);
        }
    }
    out
}

/// Joins the list (which units exist) with `show` (their properties). A unit the list has but
/// `show` lacks keeps its list states.
/// The probe asks `systemctl show` only about units with an admin unit file, so the vendor
/// units (most of them) have no properties: that is the design, not something to warn about.
pub fn join(listed: Vec<ListedUnit>, mut props: HashMap<String, UnitProps>) -> Vec<UnitProps> {
    listed
        .into_iter()
        .map(|l| match props.remove(&l.unit) {
            Some(p) => p,
            None => UnitProps { id: l.unit, load_state: l.load, active_state: l.active, sub_state: l.sub, ..Default::default() },
        })
        .collect()
}

/// `systemctl show -p Environment`: assignments separated by spaces, those with spaces or
/// special characters in double quotes with C-style escapes.
pub fn parse_environment_property(v: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = v.chars();
    let mut any = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                any = true;
            }
            '\\' => {
                any = true;
                match chars.next() {
                    Some('n') => cur.push('\n'),
                    Some('t') => cur.push('\t'),
                    Some(o) => cur.push(o),
                    None => {}
                }
            }
            ' ' if !in_quotes => {
                if any {
                    words.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(cur);
    }
    words.into_iter().filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_string(), v.to_string()))).collect()
}

fn non_empty(v: &str) -> Option<String> {
    (!v.is_empty() && v != "[not set]").then(|| v.to_string())
}

/// "/etc/shop/env (ignore_errors=yes)" → "-/etc/shop/env" (systemd's own spelling of optional).
fn parse_env_file_prop(v: &str) -> Option<String> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.rsplit_once(" (ignore_errors=") {
        Some((path, flag)) if flag.starts_with("yes") => Some(format!("-{path}")),
        Some((path, _)) => Some(path.to_string()),
        None => Some(v.to_string()),
    }
}

/// systemd timestamps with TZ=UTC0: "Sun 2026-11-22 04:28:12 UTC". Empty means never started.
pub fn parse_timestamp(v: &str) -> Option<Timestamp> {
    let mut w = v.split_whitespace();
    let first = w.next()?;
    // The weekday is optional in some versions' output.
    let date = if first.contains('-') { first } else { w.next()? };
    let time = w.next()?;
    let civil: jiff::civil::DateTime = format!("{date}T{time}").parse().ok()?;
    civil.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

pub fn state_of(active_state: &str) -> ProcessState {
    match active_state {
        "active" | "reloading" | "refreshing" => ProcessState::Running,
        "activating" => ProcessState::Starting,
        "deactivating" => ProcessState::Stopping,
        "failed" => ProcessState::Failed,
        "inactive" | "maintenance" => ProcessState::Stopped,
        _ => ProcessState::Unknown,
    }
}

/// systemd's own rule for unit names: ASCII letters, digits, ":-_.\\" and one "@" for
/// templates. Anything else did not come from systemd and is never used as a name or in a command.
pub fn is_valid_unit_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b":-_.\\@".contains(&b))
        && name.bytes().filter(|b| *b == b'@').count() <= 1
        && !name.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let t = parse_timestamp("Sun 2026-11-22 04:28:12 UTC").unwrap();
        assert_eq!(t.to_string(), "2026-11-22T04:28:12Z");
        assert_eq!(parse_timestamp(""), None);
        assert_eq!(parse_timestamp("n/a"), None);
    }

    #[test]
    fn env_file_property() {
        assert_eq!(parse_env_file_prop("/etc/shop/env (ignore_errors=yes)").as_deref(), Some("-/etc/shop/env"));
        assert_eq!(parse_env_file_prop("/etc/a (ignore_errors=no)").as_deref(), Some("/etc/a"));
        assert_eq!(parse_env_file_prop(""), None);
    }

    #[test]
    fn plain_with_bullets() {
        let rows = parse_list_units_plain(
            "● ledger-web.service loaded failed failed ledger\nssh.service loaded active running OpenBSD Secure Shell server\n",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].unit, "ledger-web.service");
        assert_eq!(rows[0].active, "failed");
    }

    #[test]
    fn environment_property() {
        let v = parse_environment_property(r#"PROCESS=web "GREETING=hello world" Q=a\"b EMPTY="#);
        assert_eq!(
            v,
            [
                ("PROCESS".into(), "web".into()),
                ("GREETING".into(), "hello world".into()),
                ("Q".into(), "a\"b".into()),
                ("EMPTY".into(), "".into())
            ]
        );
    }

    #[test]
    fn unit_names() {
        assert!(is_valid_unit_name("shop-web.service"));
        assert!(is_valid_unit_name("billing@web.service"));
        assert!(is_valid_unit_name("a\\x2db-web.service"));
        assert!(!is_valid_unit_name("evil$(reboot)-web.service"));
        assert!(!is_valid_unit_name("\u{1b}[2J-web.service"));
        assert!(!is_valid_unit_name("a b-web.service"));
    }
}

/// The signal's name, for "crashed (SIGSEGV)".
fn signal_name(n: i32) -> String {
    match n {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        3 => "SIGQUIT".into(),
        4 => "SIGILL".into(),
        6 => "SIGABRT".into(),
        7 => "SIGBUS".into(),
        8 => "SIGFPE".into(),
        9 => "SIGKILL".into(),
        11 => "SIGSEGV".into(),
        13 => "SIGPIPE".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// Why a unit is not running, Heroku-style ("crashed (exit 3)"), from how its main process
/// last ended; None when it is running or ended well.
pub fn why_not_running(u: &UnitProps) -> Option<String> {
    if u.active_state == "active" {
        return None;
    }
    let status = u.exec_main_status.unwrap_or(0);
    let why = match u.result.as_deref()? {
        "success" => return None,
        "exit-code" => format!("crashed (exit {status})"),
        "signal" => format!("crashed ({})", signal_name(status)),
        "core-dump" => format!("crashed ({}, core dumped)", signal_name(status)),
        "oom-kill" => "killed: out of memory".into(),
        "timeout" => "timed out".into(),
        "watchdog" => "stopped answering its watchdog".into(),
        "start-limit-hit" => "restarted too often: systemd gave up (start limit hit)".into(),
        "resources" => "could not start: a resource it needs is missing (user, directory, env file…)".into(),
        "exec-condition" | "condition" => "not started: a condition is not met".into(),
        other => other.to_string(),
    };
    Some(if u.active_state == "activating" { format!("{why}; restarting") } else { why })
}

/// The probe's `failed-tail` section: each failed unit's last line of output.
pub fn parse_failed_tail(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut unit: Option<String> = None;
    for line in text.lines() {
        if let Some(u) = line.strip_prefix("@@unit ") {
            unit = Some(u.trim().to_string());
        } else if let (Some(u), Some(said)) = (&unit, line.strip_prefix("> "))
            && !said.trim().is_empty()
        {
            out.insert(u.clone(), said.trim().to_string());
        }
    }
    out
}

#[cfg(test)]
mod why_tests {
    use super::*;

    fn unit(active: &str, result: &str, code: u32, status: i32) -> UnitProps {
        UnitProps {
            active_state: active.into(),
            result: Some(result.into()),
            exec_main_code: Some(code),
            exec_main_status: Some(status),
            ..Default::default()
        }
    }

    #[test]
    fn why_a_unit_is_not_running() {
        assert_eq!(why_not_running(&unit("failed", "exit-code", 1, 3)).as_deref(), Some("crashed (exit 3)"));
        assert_eq!(why_not_running(&unit("failed", "signal", 2, 9)).as_deref(), Some("crashed (SIGKILL)"));
        assert_eq!(why_not_running(&unit("failed", "core-dump", 3, 11)).as_deref(), Some("crashed (SIGSEGV, core dumped)"));
        assert_eq!(why_not_running(&unit("failed", "oom-kill", 2, 9)).as_deref(), Some("killed: out of memory"));
        assert_eq!(why_not_running(&unit("activating", "exit-code", 1, 1)).as_deref(), Some("crashed (exit 1); restarting"));
        assert_eq!(why_not_running(&unit("active", "success", 0, 0)), None);
        assert_eq!(why_not_running(&unit("inactive", "success", 1, 0)), None, "stopped on purpose");
        assert_eq!(
            why_not_running(&UnitProps { active_state: "failed".into(), ..Default::default() }),
            None,
            "older systemd: nothing said"
        );
    }

    #[test]
    fn last_lines_of_failed_units() {
        let text = "@@unit ledger-web.service\n> ledger: could not connect to the database\n@@unit quiet.service\n@@unit x.service\n> @@fleet end\n";
        let t = parse_failed_tail(text);
        assert_eq!(t.get("ledger-web.service").map(String::as_str), Some("ledger: could not connect to the database"));
        assert!(!t.contains_key("quiet.service"));
        assert_eq!(t.get("x.service").map(String::as_str), Some("@@fleet end"), "marked lines are text, never sections");
    }
}
