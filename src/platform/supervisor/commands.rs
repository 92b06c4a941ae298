//! The few shell commands the supervisord platform runs beside its XML-RPC calls: its part of
//! the probe, reading the configuration files, /proc for metrics, a rotated log's remainder,
//! and shell/run as a program runs. Every remote name passes through `quote`.

use crate::platform::machine::commands::privileged;
use crate::transport::quote::{quote, quote_all};

/// Where supervisord's configuration is when its command line does not say (supervisord's own
/// search order, less the paths relative to its executable).
const DEFAULT_CONFS: &str = "/etc/supervisord.conf /etc/supervisor/supervisord.conf";

/// Whether supervisord runs, its pid, the configuration file it was started with, and that
/// file's text. `pgrep -x supervisord` finds it: a Python script's process is named after it.
pub fn probe() -> String {
    format!(
        r#"sv_pid=$(pgrep -o -x supervisord 2>/dev/null)
if [ -n "$sv_pid" ] || command -v supervisord >/dev/null 2>&1; then
  echo "@@fleet supervisord"
  echo "pid $sv_pid"
  sv_conf=""
  if [ -n "$sv_pid" ]; then
    set -- $(tr '\0' ' ' </proc/$sv_pid/cmdline 2>/dev/null)
    while [ $# -gt 0 ]; do
      case "$1" in
        -c|--configuration) sv_conf=$2; shift ;;
        --configuration=*) sv_conf=${{1#*=}} ;;
        -c?*) sv_conf=${{1#-c}} ;;
      esac
      shift
    done
    case "$sv_conf" in ""|/*) ;; *) sv_conf="$(readlink /proc/$sv_pid/cwd 2>/dev/null)/$sv_conf" ;; esac
  fi
  if [ -z "$sv_conf" ]; then for c in {DEFAULT_CONFS}; do [ -f "$c" ] && {{ sv_conf=$c; break; }}; done; fi
  echo "conf $sv_conf"
  echo "tz $(date +%z)"
  echo "@@fleet supervisord-conf"
  [ -n "$sv_conf" ] && cat -- "$sv_conf" 2>/dev/null
fi
"#
    )
}

/// Every file the `[include]` patterns match, each after an `@@file PATH` line, then whether
/// this user may open the socket (`@@socket ok`, or `@@socket denied USER`).
pub fn read_includes(patterns: &[String], socket: Option<&str>) -> String {
    // Patterns are globbed by the shell: only their directory part is quoted, and a pattern
    // holding anything but plain path and glob characters is not expanded at all.
    let mut script = String::from("export LC_ALL=C\n");
    for p in patterns {
        let (dir, base) = p.rsplit_once('/').unwrap_or((".", p));
        if base.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-*?[]".contains(&b)) {
            script.push_str(&format!(
                "for f in {dir}/{base}; do [ -f \"$f\" ] && {{ echo \"@@file $f\"; cat -- \"$f\"; echo; }}; done\n",
                dir = quote(if dir.is_empty() { "/" } else { dir })
            ));
        } else {
            let f = quote(p);
            script.push_str(&format!("[ -f {f} ] && {{ echo \"@@file \"{f}; cat -- {f}; echo; }}\n"));
        }
    }
    if let Some(s) = socket {
        let s = quote(s);
        script.push_str(&format!("if [ -r {s} ] && [ -w {s} ]; then echo '@@socket ok'; else echo \"@@socket denied $(id -un)\"; fi\n"));
    }
    script
}

/// Whether the socket may be opened: Err names the user who may not. None: not asked.
pub type SocketAccess = Option<Result<(), String>>;

/// The answer of `read_includes`: the files (path, text), and the socket line.
pub fn parse_includes(text: &str) -> (Vec<(String, String)>, SocketAccess) {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut socket = None;
    for line in text.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix("@@file ") {
            files.push((path.trim_end().to_string(), String::new()));
        } else if let Some(s) = line.strip_prefix("@@socket ") {
            let s = s.trim();
            socket = Some(if s == "ok" { Ok(()) } else { Err(s.strip_prefix("denied ").unwrap_or("this user").to_string()) });
        } else if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
        }
    }
    (files, socket)
}

/// supervisord's own environment, NUL-separated (root-only, hence sudo when not root).
pub fn environ_of(pid: u32, as_root: bool) -> String {
    format!("{}cat /proc/{pid}/environ", privileged(as_root))
}

/// Every process's /proc stat line (for a program's process tree), the clock tick, page size
/// and the time.
pub const PROC_STATS: &str = "export LC_ALL=C\ngetconf CLK_TCK; getconf PAGESIZE; date +%s.%N\ncat /proc/[0-9]*/stat 2>/dev/null\n";

/// The part of a rotated log fleet had not read yet: bytes from `offset` of `path` (the
/// `.1` file supervisord renamed the log to).
pub fn read_from(path: &str, offset: u64, as_root: bool) -> String {
    format!("{}tail -c +{} -- {}", privileged(as_root), offset + 1, quote(path))
}

/// A byte range of a log file, when supervisord cannot send it (not valid UTF-8).
pub fn read_range(path: &str, offset: u64, len: u64, as_root: bool) -> String {
    format!("{}tail -c +{} -- {} | head -c {len}", privileged(as_root), offset + 1, quote(path))
}

/// Each file's last change, `SECONDS PATH` per line.
pub fn mtimes(paths: &[String], as_root: bool) -> String {
    format!("{}stat -c '%Y %n' -- {} 2>/dev/null", privileged(as_root), quote_all(paths))
}

/// Writes the env fleet hands a shell (stdin, as `export K='v'` lines) to a private file the
/// program's user can read, and prints its path. The values never go on a command line.
pub fn stage_env(user: Option<&str>, as_root: bool) -> String {
    let chown = user.map(|u| format!(" && chown -- {} \"$f\"", quote(u))).unwrap_or_default();
    let script = format!("umask 077; f=$(mktemp /tmp/fleet-env.XXXXXXXX) && cat > \"$f\"{chown} && echo \"$f\"");
    format!("{}sh -c {}", privileged(as_root), quote(&script))
}

/// The shell text of the staged env file: one `export K='v'` line per variable.
pub fn env_script(vars: &[(String, String)]) -> String {
    vars.iter().filter(|(k, _)| crate::env::parse::valid_key(k)).map(|(k, v)| format!("export {k}={}\n", quote(v))).collect()
}

/// Runs `argv` (a shell when empty) as the program runs: its user, its directory, exactly its
/// environment (from the staged file, removed as it is read).
pub fn run_as_program(user: Option<&str>, dir: Option<&str>, env_file: &str, argv: &[String], as_root: bool) -> String {
    let cd = dir.map(|d| format!("cd {} && ", quote(d))).unwrap_or_default();
    let inner = if argv.is_empty() {
        "command -v bash >/dev/null 2>&1 && exec bash || exec sh".to_string()
    } else {
        format!("exec {}", quote_all(argv))
    };
    let body = format!(". {f}; rm -f {f}; {inner}", f = quote(env_file));
    let as_user = match user {
        Some(u) => format!("runuser -u {} -- ", quote(u)),
        None => String::new(),
    };
    format!("{cd}{}{as_user}env -i sh -c {}", privileged(as_root), quote(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_answer_splits_into_files() {
        let (files, socket) =
            parse_includes("@@file /etc/supervisor/conf.d/a.conf\n[program:a-web]\ncommand=x\n\n@@socket denied deploy\n");
        assert_eq!(files, vec![("/etc/supervisor/conf.d/a.conf".to_string(), "[program:a-web]\ncommand=x\n\n".to_string())]);
        assert_eq!(socket, Some(Err("deploy".into())));
    }

    #[test]
    fn hostile_names_stay_quoted() {
        let cmd = run_as_program(Some("x; rm -rf /"), Some("/srv/$(id)"), "/tmp/fleet-env.1", &["echo".into(), "$HOME".into()], false);
        assert!(cmd.contains("runuser -u 'x; rm -rf /' --"), "{cmd}");
        assert!(cmd.starts_with("cd '/srv/$(id)' && sudo -n "), "{cmd}");
        let s = read_includes(&["/etc/x/$(reboot)/*.conf".into(), "/etc/sup/conf.d/*.conf".into()], Some("/run/s.sock"));
        assert!(s.contains("'/etc/x/$(reboot)'/*.conf"), "{s}");
        assert!(s.contains("for f in /etc/sup/conf.d/*.conf;"), "{s}");
    }
}
