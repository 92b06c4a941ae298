#!/usr/bin/env bash
# Log benchmarks against the lab:
#  1. follow throughput: `fleet logs flood -f --json` next to raw `ssh host journalctl -u UNIT -o json -f`,
#     both reading the lab's flood app (which logs as fast as journald takes it), 10 s each;
#  2. RSS of the TUI holding a full 100k-line log view;
#  3. local replay throughput (cargo bench --bench log_replay).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export FLEET_LAB_DIR=${FLEET_LAB_DIR:-/var/tmp/fleet-lab}
L=$FLEET_LAB_DIR
unset SSH_AUTH_SOCK
tests/lab/lab.sh up
cargo build --release --locked -q
bin=$(realpath "${CARGO_TARGET_DIR:-target}")/release/fleet
work=$(mktemp -d)
trap 'docker exec lab-1 systemctl stop flood-web.service >/dev/null 2>&1 || true; tmux kill-session -t fleet-bench 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'local = false\n[inventory]\ninclude = ["lab-1"]\n' >"$work/fleet.toml"

docker exec lab-1 systemctl start flood-web.service
sleep 3
rate() { # label, command: lines per second over 10 s
  local n
  n=$(timeout 10 bash -c "$2" 2>/dev/null | wc -l || true)
  printf '%-58s %8d lines in 10 s = %7.0f lines/s\n' "$1" "$n" "$(echo "$n / 10" | bc -l)"
}
for round in 1 2; do
  rate "raw: ssh lab-1 journalctl -u flood-web -o json -f" \
    "ssh -F $L/ssh_config lab-1 'journalctl -u flood-web.service -o json -f -n 0'"
  rate "fleet logs flood -f --json" \
    "$bin --config $work/fleet.toml --ssh-config $L/ssh_config logs flood -f -n 0 --json"
done

# The TUI with a full 100k-line log view of the flood app.
tmux kill-session -t fleet-bench 2>/dev/null || true
tmux new-session -d -s fleet-bench -x 160 -y 45 "HOME=$work $bin --config $work/fleet.toml --ssh-config $L/ssh_config"
for _ in $(seq 1 100); do tmux capture-pane -pt fleet-bench | grep -q flood && break; sleep 0.2; done
tmux send-keys -t fleet-bench / f l o o d Enter
sleep 0.5
tmux send-keys -t fleet-bench l
for _ in $(seq 1 600); do
  tmux capture-pane -pt fleet-bench | grep -q "100000 lines" && break
  sleep 0.5
done
tmux capture-pane -pt fleet-bench | head -2
pid=$(pgrep -f "^$bin --config $work/fleet.toml" | head -1)
echo "TUI RSS holding $(tmux capture-pane -pt fleet-bench | grep -o '[0-9]* lines' | head -1): $(( $(ps -o rss= -p "$pid") / 1024 )) MB"

cargo bench --bench log_replay 2>/dev/null | grep 'log replay'
