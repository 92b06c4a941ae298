//! The commands fleet runs on a machine whatever its platforms: the facts at the head of the
//! probe, the add-ons and front doors, certificate files, env files read and written whole.
//! Every remote name passes through `quote`.

use crate::transport::quote::{quote, quote_all};

/// The probe's head: the machine's facts. TZ=UTC0 makes systemd print timestamps in UTC,
/// LC_ALL=C keeps the output unlocalised. Each platform's part follows; `PROBE_END` closes it,
/// so a cut-off answer is an error, never "no apps".
pub const PROBE_HEAD: &str = r#"export LC_ALL=C TZ=UTC0 SYSTEMD_PAGER= SYSTEMD_COLORS=0
echo "@@fleet os-release"; cat /etc/os-release 2>/dev/null
echo "@@fleet uname"; uname -r; hostname
echo "@@fleet uptime"; cat /proc/uptime 2>/dev/null
echo "@@fleet uid"; id -u
echo "@@fleet listening"; ss -ltnH 2>/dev/null | awk '{print $4}'
"#;
pub const PROBE_END: &str = "echo \"@@fleet end\"\n";

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

/// `sudo -n ` when the ssh user is not root: never prompts, fails at once if a password is wanted.
pub fn privileged(as_root: bool) -> &'static str {
    if as_root { "" } else { "sudo -n " }
}

/// Host metrics without node_exporter: /proc and df, in one read-only round trip.
pub const PROCFS: &str = r#"export LC_ALL=C
echo "@@fleet time"; date +%s.%N
echo "@@fleet stat"; head -n1 /proc/stat
echo "@@fleet loadavg"; cat /proc/loadavg
echo "@@fleet meminfo"; grep -E '^(MemTotal|MemAvailable):' /proc/meminfo
echo "@@fleet df"; df -kPT 2>/dev/null | tail -n +2
echo "@@fleet net"; tail -n +3 /proc/net/dev
echo "@@fleet uptime"; cat /proc/uptime
echo "@@fleet end"
"#;
