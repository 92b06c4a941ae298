#!/usr/bin/env bash
# Benchmark: one Docker host with N containers (lab-2's own engine, reached over ssh), and the
# tools a user would pick instead, in one run:
#   - `fleet apps --json` (cold: a new process, one ssh connection, list and inspect every
#     container) beside `docker ps -a` over an ssh-forwarded socket (`ssh -L`: the same path
#     fleet takes; the droplets have no docker CLI of their own, so `ssh HOST docker ps` is
#     this), wall time and peak memory under GNU time, median of 3;
#   - the TUI's first full apps table beside oxker's first table (oxker through the same
#     forwarded socket), in tmux;
#   - both TUIs left alone for SECS seconds: CPU (user + system ticks) and context switches;
#   - `fleet logs APP -f` beside `docker logs -f` (forwarded socket): M lines written as fast as
#     a container can, from its start until the follower has them all.
#
#   benches/docker_scale.sh [N] [SECS] [M]     (defaults 200, 60, 200000)
#
# oxker is looked up in PATH and /var/tmp/bench-tools/bin (`cargo install oxker --root
# /var/tmp/bench-tools`); missing, it is reported as such. The N containers (label
# fleet-bench=1) are removed at the end. Everything shares this machine's cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-200}; secs=${2:-60}; m=${3:-200000}
export FLEET_LAB_DIR=${FLEET_LAB_DIR:-/var/tmp/fleet-lab}
L=$FLEET_LAB_DIR
command -v tmux >/dev/null || apt-get install -y -qq tmux >/dev/null
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
tests/lab/lab.sh up >/dev/null
cargo build --release --locked -q
bin=${CARGO_TARGET_DIR:-target}/release/fleet
engine() { docker -H "unix://$L/engine/sock/docker.sock" "$@"; }
oxker=$(command -v oxker || true); [ -n "$oxker" ] || { [ -x /var/tmp/bench-tools/bin/oxker ] && oxker=/var/tmp/bench-tools/bin/oxker; } || true

work=$(mktemp -d)
cleanup() {
  tmux kill-session -t fleet-dk 2>/dev/null || true
  tmux kill-session -t oxker-dk 2>/dev/null || true
  [ -n "${fwd:-}" ] && kill "$fwd" 2>/dev/null || true
  engine ps -aq --filter label=fleet-bench=1 | xargs -r docker -H "unix://$L/engine/sock/docker.sock" rm -f >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/fleet.toml" <<TOML
local = false
[inventory]
include = ["lab-2"]
TOML
mkdir -p "$work/home"
unset SSH_AUTH_SOCK
F=(env HOME="$work/home" "$bin" --config "$work/fleet.toml" --ssh-config "$L/ssh_config" --no-clusters)

have=$(engine ps -aq --filter label=fleet-bench=1 | wc -l)
echo "starting $((n - have)) containers on lab-2's engine" >&2
for i in $(seq "$((have + 1))" "$n"); do
  engine run -d --init --name "bulk$i" --label fleet-bench=1 --label "fleet.app=bulk$((i % 20))" --label fleet.process=web \
    fleet-app:lab sleep 100000 >/dev/null
done
total=$(engine ps -q | wc -l)
# Let the engine settle: N container starts and their first health probes are not what is measured.
sleep 15

ssh -F "$L/ssh_config" -N -o StreamLocalBindUnlink=yes -L "$work/d.sock:/var/run/docker.sock" lab-2 & fwd=$!
for _ in $(seq 1 50); do [ -S "$work/d.sock" ] && break; sleep 0.1; done

timed() { # LABEL CMD... → "seconds maxrss_kib" median of 3
  local runs=()
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    runs+=("$(cat "$work/t")")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}
row() { read -r s k <<<"$2"; printf '| %s | %s s | %s MiB |\n' "$1" "$s" "$((k / 1024))"; }

echo "lab-2 with $total running containers, $(nproc) cores, $(date -u +%Y-%m-%d):"
echo
echo "| cold list | time | peak memory |"
echo "|---|---:|---:|"
row "fleet apps --json (ssh, list + inspect each)" "$(timed "${F[@]}" apps --json)"
row "docker ps -a over ssh -L" "$(timed docker -H "unix://$work/d.sock" ps -a)"

# The TUIs: from launch until the table is full (fleet: the last bulk app's row; oxker: the first
# containers with their state).
first_table() { # SESSION UNTIL CMD
  local t0 t1
  tmux kill-session -t "$1" 2>/dev/null || true
  t0=$(date +%s.%N)
  tmux new-session -d -s "$1" -x 200 -y 60 "exec $3"
  for _ in $(seq 1 600); do
    if tmux capture-pane -p -t "$1" | grep -q "$2"; then t1=$(date +%s.%N); python3 -c "print(f'{$t1 - $t0:.2f}')"; return; fi
    sleep 0.05
  done
  echo "never"; tmux capture-pane -p -t "$1" >&2
}
echo
echo "| TUI | first full table |"
echo "|---|---:|"
echo "| fleet | $(first_table fleet-dk "bulk9 " "${F[*]}") s |"
if [ -n "$oxker" ]; then
  echo "| oxker $("$oxker" --version 2>/dev/null | awk '{print $2}') | $(first_table oxker-dk "bulk" "$oxker --host $work/d.sock") s |"
else
  echo "| oxker | not installed (cargo install oxker --root /var/tmp/bench-tools) |"
fi

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
pid_of() { tmux list-panes -t "$1" -F '#{pane_pid}'; }
sleep 10
fp=$(pid_of fleet-dk); f0=$(ticks "$fp"); fs0=$(switches "$fp")
if [ -n "$oxker" ]; then op=$(pid_of oxker-dk); o0=$(ticks "$op"); os0=$(switches "$op"); fi
sleep "$secs"
f1=$(ticks "$fp"); fs1=$(switches "$fp")
if [ -n "$oxker" ]; then o1=$(ticks "$op"); os1=$(switches "$op"); fi
hz=$(getconf CLK_TCK)
idle() { python3 -c "import sys; n,t0,t1,s0,s1,hz,secs=sys.argv[1],*map(float,sys.argv[2:]); print(f'| {n} | {100*(t1-t0)/hz/secs:.2f} % of a core | {(s1-s0)/secs:.1f} /s |')" "$@" "$hz" "$secs"; }
echo
echo "| idle for $secs s with $total containers | CPU | context switches |"
echo "|---|---:|---:|"
idle "fleet TUI (refresh 10 s; the engine's events)" "$f0" "$f1" "$fs0" "$fs1"
[ -n "$oxker" ] && idle "oxker (its default 1 s update)" "$o0" "$o1" "$os0" "$os1"
tmux kill-session -t fleet-dk 2>/dev/null || true
tmux kill-session -t oxker-dk 2>/dev/null || true

# Follow throughput: a container that waits 3 s, then writes M lines as fast as it can.
engine rm -f benchflood >/dev/null 2>&1 || true
engine create --init --name benchflood --label fleet-bench=1 --label fleet.app=benchflood --label fleet.process=web \
  fleet-app:lab sh -c "sleep 3; seq 1 $m; sleep 100000" >/dev/null
follow() { # CMD... ; prints seconds from the container's start to the M-th line, less its 3 s wait
  engine start benchflood >/dev/null
  local t0 t1 pid
  rm -f "$work/fifo"; mkfifo "$work/fifo"
  t0=$(date +%s.%N)
  # Timed until the M-th line arrives: a follower only sees its reader gone at its next write.
  "$@" >"$work/fifo" & pid=$!
  head -n "$m" <"$work/fifo" >"$work/lines"
  t1=$(date +%s.%N)
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  local got; got=$(wc -l <"$work/lines")
  engine stop -t 0 benchflood >/dev/null
  python3 -c "d=$t1 - $t0 - 3; print(f'| {d:.2f} s | {$m / d:,.0f} lines/s | {$got} |')"
}
sleep 2
echo
echo "| follow, $m lines | time | rate | lines |"
echo "|---|---:|---:|---:|"
echo "| fleet logs benchflood -f -n 0 $(follow "${F[@]}" logs benchflood -f -n 0)"
echo "| docker logs -f --since now, over ssh -L $(follow docker -H "unix://$work/d.sock" logs -f --since "$(date +%s)" benchflood)"
