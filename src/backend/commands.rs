//! Every command fleet runs on a host, in one place, so a reader can see exactly what fleet does
//! on their servers. Anything that comes from a remote host or a config and goes into a command
//! passes through `quote`.

use crate::config::Convention;

/// The properties of each service that discovery reads, in one `systemctl show` call.
pub const SHOW_PROPERTIES: &str = "Id,LoadState,ActiveState,SubState,MainPID,MemoryCurrent,FragmentPath,\
ExecMainStartTimestamp,NRestarts,EnvironmentFiles,Environment,User,WorkingDirectory";

/// One round trip per host: facts, the unit list (JSON on systemd ≥ 248, plain before) and the
/// properties of the candidate app units. Sections start with `@@fleet <name>` lines. It only
/// reads. TZ=UTC0 makes systemd print timestamps in UTC, LC_ALL=C keeps the output unlocalised.
///
/// `systemctl show` is asked only about units that have a unit file (or, for a template
/// instance, a template file) in one of the admin directories: a cheap file test that spares
/// the host a D-Bus round trip per packaged unit. The authoritative check (FragmentPath) stays in
/// `discovery`, so an alias symlink that passes this test is still rejected there.
pub fn discovery_script(convention: &Convention) -> String {
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
        r#"export LC_ALL=C TZ=UTC0 SYSTEMD_PAGER= SYSTEMD_COLORS=0
echo "@@fleet os-release"; cat /etc/os-release 2>/dev/null
echo "@@fleet uname"; uname -r; hostname
echo "@@fleet uptime"; cat /proc/uptime 2>/dev/null
echo "@@fleet uid"; id -u
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
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
else
  echo "@@fleet systemd none"
fi
echo "@@fleet end"
"#,
        props = SHOW_PROPERTIES,
    )
}

/// Unit name patterns of the services fleet recognises as add-ons (and front doors).
pub const ADDON_UNIT_PATTERNS: [&str; 12] = [
    "redis*",
    "postgresql*",
    "mysql*",
    "mariadb*",
    "mongod*",
    "elasticsearch*",
    "opensearch*",
    "memcached*",
    "rabbitmq*",
    "nginx*",
    "caddy*",
    "traefik*",
];

/// Colocated services in one read-only round trip: their units' state, the listening TCP
/// sockets, versions (cheap `--version` calls only), and nginx's full config for the routes.
pub fn addons_script(as_root: bool) -> String {
    let patterns = ADDON_UNIT_PATTERNS.iter().map(|p| quote(p)).collect::<Vec<_>>().join(" ");
    format!(
        r#"export LC_ALL=C TZ=UTC0 SYSTEMD_COLORS=0
echo "@@fleet units"
names=$(systemctl list-units --all --type=service --plain --no-legend --no-pager -- {patterns} | awk '{{ if ($1 == "●" || $1 == "*") print $2; else print $1 }}')
[ -n "$names" ] && systemctl show --no-pager -p Id,LoadState,ActiveState,SubState,MainPID,MemoryCurrent,ExecMainStartTimestamp -- $names
echo "@@fleet ss"
ss -ltnH 2>/dev/null
echo "@@fleet versions"
command -v redis-server >/dev/null && echo "redis $(redis-server --version | head -n1)"
for pg in /usr/lib/postgresql/*/bin/postgres; do [ -x "$pg" ] && echo "postgresql $($pg --version | head -n1)"; done
command -v mysqld >/dev/null && echo "mysql $(mysqld --version 2>&1 | head -n1)"
command -v mariadbd >/dev/null && echo "mysql $(mariadbd --version 2>&1 | head -n1)"
command -v mongod >/dev/null && echo "mongodb $(mongod --version 2>&1 | head -n1)"
command -v memcached >/dev/null && echo "memcached $(memcached -V 2>&1 | head -n1)"
command -v nginx >/dev/null && echo "nginx $(nginx -v 2>&1 | head -n1)"
command -v caddy >/dev/null && echo "caddy $(caddy version 2>&1 | head -n1)"
command -v traefik >/dev/null && echo "traefik $(traefik version 2>&1 | head -n1)"
echo "@@fleet nginx"
command -v nginx >/dev/null && {p}nginx -T 2>/dev/null
echo "@@fleet caddy"
for f in /etc/caddy/Caddyfile /etc/caddy/conf.d/* /etc/caddy/sites-enabled/*; do [ -f "$f" ] && {p}cat "$f" 2>/dev/null; done
echo "@@fleet traefik"
for f in /etc/traefik/*.yml /etc/traefik/*.yaml /etc/traefik/*.toml /etc/traefik/*/*.yml /etc/traefik/*/*.yaml /etc/traefik/*/*.toml; do [ -f "$f" ] && {{ printf '@@traefik-file %s\n' "$f"; {p}cat "$f" 2>/dev/null; }}; done
echo "@@fleet end"
"#,
        p = privileged(as_root)
    )
}

/// Certificate files worth watching, as base64: Let's Encrypt's live certificates, the paths the
/// front door's config names (`extra`), and a cluster's control-plane PKI (kubeadm and k3s).
pub fn cert_files(extra: &[String], as_root: bool) -> String {
    let script = r#"for f in /etc/letsencrypt/live/*/fullchain.pem /etc/kubernetes/pki/*.crt /etc/kubernetes/pki/etcd/*.crt /var/lib/rancher/k3s/server/tls/*.crt /var/lib/caddy/.local/share/caddy/certificates/*/*/*.crt "$@"; do
  [ -f "$f" ] || continue
  printf '@@fleet cert %s
' "$f"; base64 -w0 < "$f"; echo
done
echo "@@fleet end""#;
    format!("{p}sh -c {s} sh {files}", p = privileged(as_root), s = quote(script), files = quote_all(extra))
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

/// `sudo -n ` when the ssh user is not root: never prompts, fails at once if a password is wanted.
fn privileged(as_root: bool) -> &'static str {
    if as_root { "" } else { "sudo -n " }
}

/// Restarts units, then reports their state and new MainPID in the same round trip.
pub fn restart(units: &[String], as_root: bool) -> String {
    let list = quote_all(units);
    format!(
        "{p}systemctl restart -- {list} && LC_ALL=C systemctl show --no-pager -p Id,ActiveState,SubState,MainPID,NRestarts -- {list}",
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

/// What `fleet shell` / `fleet run` need to run something the way the app's unit runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRunSpec {
    pub user: Option<String>,
    pub working_dir: Option<String>,
    /// As systemd spells them: a leading '-' marks an optional file.
    pub env_files: Vec<String>,
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

/// Reads env files (paths without systemd's '-' prefix): for each, its SHA-256 (to refuse an
/// edit when it changed since) and its bytes as base64, so any content survives the trip.
/// Env files are usually root-only: under `sudo -n` when not root.
pub fn read_env_files(paths: &[String], as_root: bool) -> String {
    format!(
        "{p}sh -c 'for f in \"$@\"; do printf \"@@fleet file %s\\n\" \"$f\"; if [ -r \"$f\" ]; then sha256sum < \"$f\" | cut -c1-64; base64 -w0 < \"$f\"; echo; elif [ -e \"$f\" ]; then echo \"@@fleet unreadable\"; else echo \"@@fleet missing\"; fi; done' sh {files}",
        p = privileged(as_root),
        files = quote_all(paths)
    )
}

/// Replaces an env file atomically with the bytes on stdin (whose SHA-256 must be `new_sha`, so
/// a transfer cut short is never installed): refuses (exit 17, `@@fleet changed`)
/// when its SHA-256 is no longer `expected` (someone edited it since it was read); writes a temp
/// file in the same directory with the same owner and mode, fsyncs it, keeps a timestamped
/// backup of the old file (at most `keep` of them), renames the temp file over the old one and
/// fsyncs the directory. A dropped connection leaves the old file or the new one, never a
/// partial one. The new content comes on stdin, never on a command line other users can read.
pub fn write_env_file(path: &str, expected: &str, new_sha: &str, keep: usize, as_root: bool) -> String {
    let script = r#"set -eu
f=$1; want=$2; keep=$3; new=$4
cur=$(sha256sum < "$f" | cut -c1-64)
if [ "$cur" != "$want" ]; then echo "@@fleet changed $cur"; exit 17; fi
dir=$(dirname -- "$f"); base=$(basename -- "$f")
tmp=$(mktemp "$dir/.$base.fleet.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
# A connection that drops mid-send ends stdin early: a short file must never replace the real one.
got=$(sha256sum < "$tmp" | cut -c1-64)
if [ "$got" != "$new" ]; then echo "@@fleet incomplete"; exit 18; fi
chown --reference="$f" -- "$tmp"
chmod --reference="$f" -- "$tmp"
sync -- "$tmp"
cp -p -- "$f" "$f.fleet-$(date -u +%Y%m%dT%H%M%S.%NZ).bak"
mv -f -- "$tmp" "$f"
trap - EXIT
sync -- "$dir"
ls -1t -- "$f".fleet-*.bak 2>/dev/null | tail -n +$((keep + 1)) | while IFS= read -r old; do rm -f -- "$old"; done
echo "@@fleet written $(sha256sum < "$f" | cut -c1-64)""#;
    format!(
        "{p}sh -c {s} sh {f} {w} {k} {n}",
        p = privileged(as_root),
        s = quote(script),
        f = quote(path),
        w = quote(expected),
        k = keep,
        n = quote(new_sha)
    )
}

pub fn quote_all(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// Quotes one word for a POSIX shell: safe for any bytes a unit or app name could hold.
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b)) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r#"'\''"#))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("shop-web.service"), "shop-web.service");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote("it's"), r#"'it'\''s'"#);
        assert_eq!(quote("x\\x2dy"), "'x\\x2dy'");
    }

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
            "systemctl restart -- 'x; touch /tmp/pwned' shop-web.service && LC_ALL=C systemctl show --no-pager -p Id,ActiveState,SubState,MainPID,NRestarts -- 'x; touch /tmp/pwned' shop-web.service"
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
    fn the_script_is_read_only() {
        let s = discovery_script(&Convention::default());
        for verb in ["restart", "stop", "start ", "enable", "disable", "rm ", "kill"] {
            assert!(!s.contains(verb), "discovery script contains {verb:?}");
        }
    }
}
