#!/usr/bin/env bash
# Benchmark: CPU and wake-ups of the TUI left alone, next to htop (the terminal dashboard a
# user leaves open on a machine), both in tmux at 160×48 for the same minute. fleet watches the
# lab's two droplets, this machine and a host that is down; its default refresh (10 s) and
# metrics interval apply.
#
#   benches/idle.sh [SECONDS]      (default 60; after 15 s to connect and settle)
#
# Needs: tmux, htop (installed when missing, as root on Debian) and the lab.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-60}
export FLEET_LAB_DIR=${FLEET_LAB_DIR:-/var/tmp/fleet-lab}
L=$FLEET_LAB_DIR
command -v htop >/dev/null || apt-get install -y -qq htop >/dev/null
command -v tmux >/dev/null || apt-get install -y -qq tmux >/dev/null
tests/lab/lab.sh up >/dev/null
target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -q
bin=$target/release/fleet
work=$(mktemp -d)
trap 'tmux kill-session -t fleet-idle 2>/dev/null; tmux kill-session -t htop-idle 2>/dev/null; rm -rf "$work"' EXIT
cat >"$work/fleet.toml" <<TOML
local = true
[inventory]
include = ["lab-1", "lab-2", "lab-down"]
TOML
mkdir -p "$work/home"
unset SSH_AUTH_SOCK

start() { # NAME COMMAND
  tmux kill-session -t "$1" 2>/dev/null || true
  tmux new-session -d -s "$1" -x 160 -y 48 "exec $2"
  tmux list-panes -t "$1" -F '#{pane_pid}'
}

# CPU ticks (user + system) of a process and all its threads, and their context switches.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }

fleet_pid=$(start fleet-idle "env HOME=$work/home $bin --config $work/fleet.toml --ssh-config $L/ssh_config --no-clusters")
htop_pid=$(start htop-idle "htop")
sleep 15
tmux capture-pane -p -t fleet-idle | grep -q "lab-1" || { echo "fleet shows no lab-1:" >&2; tmux capture-pane -p -t fleet-idle >&2; exit 1; }
f0=$(ticks "$fleet_pid"); h0=$(ticks "$htop_pid"); fs0=$(switches "$fleet_pid"); hs0=$(switches "$htop_pid")
sleep "$secs"
f1=$(ticks "$fleet_pid"); h1=$(ticks "$htop_pid"); fs1=$(switches "$fleet_pid"); hs1=$(switches "$htop_pid")
hz=$(getconf CLK_TCK)
report() { # NAME T0 T1 S0 S1
  python3 -c "import sys; n,t0,t1,s0,s1,hz,secs=sys.argv[1],*map(float,sys.argv[2:]); print(f'| {n} | {100*(t1-t0)/hz/secs:.2f} % of a core | {(s1-s0)/secs:.1f} /s |')" "$@" "$hz" "$secs"
}
echo "idle for $secs s at 160x48, $(nproc) cores, $(date -u +%Y-%m-%d):"
echo "| what | CPU | context switches |"
echo "|---|---:|---:|"
report "fleet TUI (lab-1, lab-2, local, lab-down)" "$f0" "$f1" "$fs0" "$fs1"
report "htop (default 1.5 s refresh)" "$h0" "$h1" "$hs0" "$hs1"
