#!/usr/bin/env bash
# Benchmark: `fleet apps --json` over N lab droplets (cold start: new process, new connections)
# next to one `ssh host true` and to ansible's ad-hoc command on the same hosts; the time from
# launch to the first TUI frame; and the binary size.
#
#   benches/fleet-vs-ssh.sh [N]      (default 20; boots N extra light droplets)
#
# Needs: hyperfine (Debian), ansible-core (PyPI; `pip install ansible-core`), script (util-linux).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-20}
export FLEET_LAB_DIR=${FLEET_LAB_DIR:-/var/tmp/fleet-lab}
L=$FLEET_LAB_DIR
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
command -v ansible >/dev/null || pip install -q ansible-core

tests/lab/lab.sh up-bench "$N"
cargo build --release --locked -q
bin=${CARGO_TARGET_DIR:-target}/release/fleet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/fleet.toml" <<TOML
local = false
[inventory]
include = ["lab-bench-*"]
TOML
# Ansible over the same ssh config; `raw` because the minimal droplets have no Python (which
# `-m command` needs). raw skips module transfer, so this favours ansible.
{
  echo "[bench]"
  for i in $(seq 1 "$N"); do echo "lab-bench-$i"; done
} >"$work/inventory"
export ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_SSH_ARGS="-F $L/ssh_config -o ControlMaster=no" ANSIBLE_FORKS=$N
unset SSH_AUTH_SOCK

# Sanity: every bench host answers, and fleet finds the bench app on each.
got=$($bin --config "$work/fleet.toml" --ssh-config "$L/ssh_config" apps --json | python3 -c 'import json,sys; a=json.load(sys.stdin)["apps"]; print(sum(len(x["processes"]) for x in a))')
[ "$got" = "$N" ] || { echo "expected $N bench processes, fleet found $got" >&2; exit 1; }

# References: one ssh handshake, and ssh to every bench host at once (on this machine the
# droplets share its 2 cores with the client, so N parallel handshakes cost more than one).
par="for i in \$(seq 1 $N); do ssh -F $L/ssh_config lab-bench-\$i true & done; wait"
hyperfine --warmup 2 --runs 15 --export-markdown "$work/apps.md" \
  "ssh -F $L/ssh_config lab-bench-1 true" \
  "$par" \
  "$bin --config $work/fleet.toml --ssh-config $L/ssh_config apps --json" \
  "ansible bench -i $work/inventory -m raw -a 'systemctl list-units --type=service --no-pager'"
cat "$work/apps.md"

# Launch to first frame, measured inside fleet (from main() to the first draw returning, logged),
# and as whole-process wall time under a pty (script) next to script running `true`.
mkdir -p "$work/home"
for _ in $(seq 1 30); do
  HOME=$work/home script -qec "$bin --config $work/fleet.toml --ssh-config $L/ssh_config --exit-after-first-frame" /dev/null >/dev/null
done
grep -ho 'micros=[0-9]*' "$work/home/.local/share/fleet/logs/fleet.log" | cut -d= -f2 |
  python3 -c 'import sys,statistics as s; v=sorted(int(x) for x in sys.stdin); print(f"first frame (in-process, {len(v)} runs): median {s.median(v)/1000:.2f} ms, max {v[-1]/1000:.2f} ms")' 
hyperfine --warmup 3 --runs 30 --export-markdown "$work/frame.md" \
  "script -qec 'true' /dev/null" \
  "script -qec '$bin --config $work/fleet.toml --ssh-config $L/ssh_config --exit-after-first-frame' /dev/null"
cat "$work/frame.md"

echo "binary: $(stat -c %s "$bin") bytes ($(du -h "$bin" | cut -f1))"
