//! Every command fleet runs for systemd on a host, in one place, so a reader can see exactly
//! what fleet does on their servers. Every remote name passes through `quote`.

use crate::config::Convention;
use crate::model::AppRunSpec;
use crate::transport::quote::{quote, quote_all};

use crate::platform::machine::commands::privileged;

/// The properties of each service that discovery reads, in one `systemctl show` call.
pub const SHOW_PROPERTIES: &str = "Id,LoadState,ActiveState,SubState,MainPID,MemoryCurrent,FragmentPath,\
ExecMainStartTimestamp,NRestarts,EnvironmentFiles,Environment,User,WorkingDirectory,Result,ExecMainCode,ExecMainStatus";

/// systemd's part of the machine's probe: its version, the unit list (JSON on systemd ≥ 248,
/// plain before) and the properties of the candidate app units. It only reads.
///
/// `systemctl show` is asked only about units that have a unit file (or, for a template
/// instance, a template file) in one of the admin directories: a cheap file test that spares
/// the host a D-Bus round trip per packaged unit. The authoritative check (FragmentPath) stays in
/// `discovery`, so an alias symlink that passes this test is still rejected there.
pub fn probe(convention: &Convention) -> String {
    let admin_test: Vec<String> = convention
        .admin_unit_dirs
        .iter()
        .map(|d| {
            let d = quote(d.trim_end_matches('/'));
            format!(r#"[ -f {d}/"$u" ] || [ -f {d}/"${{u%%@*}}@.service" ]"#)
        })
        .collect();
    let admin_test = if admin_test.is_empty() { "false".to_string() } else { admin_test.join(" || ") };
    format!(
        r#"if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  v=$(systemctl --version | awk 'NR==1 {{print $2}}')
  echo "@@fleet systemd $v"
  if [ "${{v:-0}}" -ge 248 ] 2>/dev/null; then
    units=$(systemctl list-units --all --type=service --output=json --no-pager)
    echo "@@fleet units-json"; printf '%s\n' "$units"
    names=$(printf '%s' "$units" | grep -o '"unit":"[^"]*"' | cut -d'"' -f4)
  else
    units=$(systemctl list-units --all --type=service --plain --no-legend --no-pager)
    echo "@@fleet units-plain"; printf '%s\n' "$units"
    names=$(printf '%s\n' "$units" | awk '{{ if ($1 == "●" || $1 == "*") print $2; else print $1 }}')
  fi
  echo "@@fleet show"
  set --
  for u in $names; do
    if {admin_test}; then set -- "$@" "$u"; fi
  done
  [ $# -gt 0 ] && systemctl show --no-pager -p {props} -- "$@"
  # The PORT each env file gives (the number only, never another line of it): fleet checks
  # that a web process listens there.
  echo "@@fleet env-ports"
  if [ $# -gt 0 ]; then
    for f in $(systemctl show --no-pager -p EnvironmentFiles --value -- "$@" | sed 's/ (ignore_errors=[a-z]*)//g' | sort -u); do
      [ -r "$f" ] && sed -n "s|^[[:space:]]*\(export[[:space:]]\{{1,\}}\)\{{0,1\}}PORT[[:space:]]*=[[:space:]]*[\"']\{{0,1\}}\([0-9]\{{1,5\}}\)[\"']\{{0,1\}}[[:space:]]*\$|$f \2|p" "$f"
    done
  fi
  # Why a failed app unit ended, in its own words: its last line (the process's output only,
  # not systemd's notes about it), cut short and marked so no text can pose as a section.
  echo "@@fleet failed-tail"
  for u in $(systemctl list-units --state=failed --type=service --plain --no-legend --no-pager | awk '{{ if ($1 == "●" || $1 == "*") print $2; else print $1 }}'); do
    if {admin_test}; then
      printf '@@unit %s\n' "$u"
      journalctl --no-pager -o cat -n 1 "_SYSTEMD_UNIT=$u" 2>/dev/null | tail -n 1 | cut -c1-300 | sed 's/^/> /'
    fi
  done
  # Timers by file in the admin directories (an inactive one is not loaded, so not listed), and
  # the services they run (one not run since boot is not listed either).
  echo "@@fleet timers"
  set --
  for d in {dirs}; do
    for f in "$d"/*.timer; do [ -f "$f" ] && set -- "$@" "${{f##*/}}"; done
  done
  timers=$# services=
  if [ $# -gt 0 ]; then
    systemctl show --no-pager -p Id,ActiveState,Unit,LastTriggerUSec,NextElapseUSecRealtime,TimersCalendar,TimersMonotonic -- "$@"
    services=$(systemctl show --no-pager -p Unit --value -- "$@" | grep -E '^[A-Za-z0-9:_.@-]+\.service$' | sort -u)
  fi
  echo "@@fleet timer-services"
  [ "$timers" -gt 0 ] && [ -n "$services" ] && systemctl show --no-pager -p {props} -- $services
else
  echo "@@fleet systemd none"
fi
"#,
        props = SHOW_PROPERTIES,
        dirs = convention.admin_unit_dirs.iter().map(|d| quote(d.trim_end_matches('/'))).collect::<Vec<_>>().join(" "),
    )
}

/// The journal's systemd messages about `units`, the newest `limit`, since `since`.
pub fn activity(units: &[String], since: Option<jiff::Timestamp>, limit: usize) -> String {
    let units: Vec<String> = units.iter().map(|u| quote(&format!("UNIT={u}"))).collect();
    let since = since.map(|t| format!(" --since=@{}", t.as_second())).unwrap_or_default();
    format!("LC_ALL=C journalctl --no-pager -o json --output-fields=MESSAGE,MESSAGE_ID,UNIT -n {limit}{since} _PID=1 {}", units.join(" "))
}

/// A journalctl query over some units of one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalQuery {
    pub units: Vec<String>,
    pub since: Option<jiff::Timestamp>,
    pub until: Option<jiff::Timestamp>,
    pub after_cursor: Option<String>,
    /// Newest first (to find the last N matching lines without reading everything).
    pub reverse: bool,
    pub follow: bool,
    pub lines: Option<usize>,
}

/// `journalctl -o json` for a query. Unit names and the cursor are quoted; times are passed as
/// `@epoch` so the host's time zone plays no part.
pub fn journalctl(q: &JournalQuery) -> String {
    let mut cmd =
        String::from("LC_ALL=C SYSTEMD_COLORS=0 journalctl --no-pager --quiet -o json --output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,UNIT");
    for u in &q.units {
        cmd.push_str(" -u ");
        cmd.push_str(&quote(u));
    }
    if let Some(t) = q.since {
        cmd.push_str(&format!(" --since=@{}", t.as_second()));
    }
    if let Some(t) = q.until {
        cmd.push_str(&format!(" --until=@{}", t.as_second() + 1));
    }
    if let Some(c) = &q.after_cursor {
        cmd.push_str(" --after-cursor=");
        cmd.push_str(&quote(c));
    }
    if q.reverse {
        cmd.push_str(" --reverse");
    }
    match (q.lines, q.follow, q.after_cursor.is_some()) {
        (Some(n), _, _) => cmd.push_str(&format!(" --lines={n}")),
        // Following after a cursor: everything after it, not journalctl's default last 10.
        (None, true, true) => cmd.push_str(" --lines=all"),
        (None, true, false) => cmd.push_str(" --lines=0"),
        (None, false, _) => {}
    }
    if q.follow {
        cmd.push_str(" --follow");
    }
    cmd
}

/// Restarts units, then reports their state and new MainPID in the same round trip.
pub fn restart(units: &[String], as_root: bool) -> String {
    let list = quote_all(units);
    format!(
        // The state a second later: a unit that dies as it starts is failed by then.
        "{p}systemctl restart -- {list} && sleep 1 && LC_ALL=C systemctl show --no-pager -p Id,ActiveState,SubState,MainPID,NRestarts -- {list}",
        p = privileged(as_root)
    )
}

/// The state of some units (for rollout health: active, and the same MainPID over time).
pub fn unit_state(units: &[String]) -> String {
    format!("LC_ALL=C systemctl show --no-pager -p Id,ActiveState,SubState,MainPID,NRestarts -- {}", quote_all(units))
}

/// systemd's accounting for some units (CPU time, memory, tasks, restarts).
pub fn unit_accounting(units: &[String]) -> String {
    format!(
        "LC_ALL=C systemctl show --no-pager -p Id,ActiveState,SubState,MemoryCurrent,CPUUsageNSec,TasksCurrent,NRestarts -- {}; date +%s.%N",
        quote_all(units)
    )
}

/// Runs `argv` (or a login shell) as a transient systemd unit with the app's User,
/// WorkingDirectory and EnvironmentFile: systemd itself reads the env file, so the environment
/// is exactly the app's, with systemd's own parsing rules. `pty` for an interactive shell.
/// Every piece is quoted; nothing from the host or the user reaches a shell unquoted.
pub fn run_as_app(spec: &AppRunSpec, argv: &[String], pty: bool, as_root: bool) -> String {
    let mut cmd = format!(
        "{p}systemd-run --quiet --wait --collect {io} --service-type=exec",
        p = privileged(as_root),
        io = if pty { "--pty" } else { "--pipe" }
    );
    if let Some(u) = &spec.user {
        cmd.push_str(&format!(" -p {}", quote(&format!("User={u}"))));
    }
    if let Some(d) = &spec.working_dir {
        cmd.push_str(&format!(" -p {}", quote(&format!("WorkingDirectory={d}"))));
    }
    for f in &spec.env_files {
        cmd.push_str(&format!(" -p {}", quote(&format!("EnvironmentFile={f}"))));
    }
    if pty {
        cmd.push_str(" -E TERM=\"${TERM:-xterm-256color}\"");
    }
    cmd.push_str(" --");
    if argv.is_empty() {
        cmd.push_str(" /bin/bash -l");
    } else {
        // systemd expands $VAR and ${VAR} in the command it runs; "$$" is its literal "$".
        let literal: Vec<String> = argv.iter().map(|a| a.replace('$', "$$")).collect();
        cmd.push(' ');
        cmd.push_str(&quote_all(&literal));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journalctl_quotes_everything_remote() {
        let q = JournalQuery {
            units: vec!["shop-web.service".into(), "x; touch /tmp/pwned".into()],
            after_cursor: Some("s=1;i=2'$(id)".into()),
            follow: true,
            ..Default::default()
        };
        let c = journalctl(&q);
        assert!(c.contains(" -u shop-web.service -u 'x; touch /tmp/pwned'"), "{c}");
        assert!(c.contains(r#"--after-cursor='s=1;i=2'\''$(id)'"#), "{c}");
        assert!(c.ends_with("--lines=all --follow"), "{c}");
    }

    #[test]
    fn action_commands_quote_every_name() {
        let hostile = vec!["x; touch /tmp/pwned".to_string(), "shop-web.service".to_string()];
        assert_eq!(
            restart(&hostile, true),
            "systemctl restart -- 'x; touch /tmp/pwned' shop-web.service && sleep 1 && LC_ALL=C systemctl show --no-pager -p Id,ActiveState,SubState,MainPID,NRestarts -- 'x; touch /tmp/pwned' shop-web.service"
        );
        assert!(restart(&hostile, false).starts_with("sudo -n systemctl restart -- "));
        let spec =
            AppRunSpec { user: Some("shop$(id)".into()), working_dir: Some("/srv/shop".into()), env_files: vec!["-/etc/shop/env".into()] };
        let c = run_as_app(&spec, &["echo".into(), "$HOME; rm -rf /".into()], false, true);
        assert_eq!(
            c,
            "systemd-run --quiet --wait --collect --pipe --service-type=exec -p 'User=shop$(id)' -p WorkingDirectory=/srv/shop -p EnvironmentFile=-/etc/shop/env -- echo '$$HOME; rm -rf /'"
        );
    }

    #[test]
    fn the_probe_is_read_only() {
        let s = probe(&Convention::default());
        for verb in ["restart", "stop", "start ", "enable", "disable", "rm ", "kill"] {
            assert!(!s.contains(verb), "discovery script contains {verb:?}");
        }
    }

    #[test]
    fn the_command_quotes_every_unit() {
        let c = activity(&["a'; rm -rf /;'.service".into()], None, 50);
        assert!(c.ends_with(r#"_PID=1 'UNIT=a'\''; rm -rf /;'\''.service'"#), "{c}");
    }
}
