#!/usr/bin/env bash
# Regenerates the README's pictures from the real binary: `fleet --demo` in tmux, driven with
# keys as a person would, each screen captured with its escape codes and rendered to NAME.png by
# render.py, and as plain text for diffs (NAME.txt). Run it when the UI changes:
#
#   cargo build --release && screenshots/capture.sh
#
# Needs tmux, python3-pil and fonts-dejavu-core (installed when missing, as root on Debian).
# FLEET_BIN picks another binary. Nothing leaves the machine: the demo has no network.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${FLEET_BIN:-$root/target/release/fleet}
[ -x "$bin" ] || { echo "capture.sh: no $bin (cargo build --release, or set FLEET_BIN)" >&2; exit 1; }
python=/usr/bin/python3
if ! command -v tmux >/dev/null || ! "$python" -c 'import PIL' 2>/dev/null || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]; then
  [ "$(id -u)" = 0 ] || { echo "capture.sh: needs tmux, python3-pil and fonts-dejavu-core" >&2; exit 1; }
  apt-get install -y -qq tmux python3-pil fonts-dejavu-core >/dev/null
fi

home=$(mktemp -d)
session=fleet-screenshots
trap 'tmux kill-session -t $session 2>/dev/null || true; rm -rf "$home"' EXIT

start() { # COLUMNS ROWS
  tmux kill-session -t "$session" 2>/dev/null || true
  tmux new-session -d -s "$session" -x "$1" -y "$2" "env -u FLEET_CONFIG -u KUBECONFIG HOME=$home $bin --demo"
  cols=$1 rows=$2
}

# Waits (at most 20 s) until the screen shows TEXT.
wait_for() {
  for _ in $(seq 200); do
    tmux capture-pane -p -t "$session" | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "capture.sh: the screen never showed: $1" >&2
  tmux capture-pane -p -t "$session" >&2
  exit 1
}

keys() { tmux send-keys -t "$session" "$@"; }
palette() { keys ':'; keys -l "$1"; keys Enter; }

shot() { # NAME
  sleep 0.4
  tmux capture-pane -e -p -t "$session" >"$home/$1.ans"
  tmux capture-pane -p -t "$session" >"$here/$1.txt"
  "$python" "$here/render.py" "$home/$1.ans" "$here/$1.png" "$cols" "$rows"
  echo "screenshots/$1.png"
}

start 120 32
wait_for "prod-k8s ● up"
wait_for "connection refused"
shot apps
palette "app ledger"; wait_for "ledger-web.service"; shot app-ledger
keys 3; wait_for "proxies to"; shot addons-ledger
palette "app shop"; wait_for "shop-clock.service"; shot app-shop
keys 2; wait_for "WEB_CONCURRENCY"; shot env-shop
keys 4; wait_for "shop-web lon-1 cpu"; sleep 25; shot metrics-shop
keys 1; wait_for "shop-clock.service"; keys l; wait_for "following"; sleep 3; shot logs-shop
keys Escape Escape; palette "app api"; wait_for "CrashLoopBackOff,"; keys G Enter; wait_for "OOMKilled"; shot app-api
keys Escape
keys Escape; keys C; wait_for "renewed on disk"; shot certs
keys Escape; keys P; wait_for "checked"; wait_for "invoices@lon-2"; shot problems
keys Escape; palette "app billing"; wait_for "billing-invoices.service"; keys 6; wait_for "billing-invoices.service: crashed"; shot activity-billing
keys 1; keys Escape
keys Escape; palette "restart shop"; wait_for "Restart shop?"; shot restart-confirm
keys n; palette "host lon-1"; wait_for "lon-1"; sleep 2; shot host-lon-1
keys Escape; keys ':'; keys -l "re"; sleep 0.5; shot palette
keys Escape; keys '?'; wait_for "help"; shot help

start 80 24
wait_for "✗ down"
shot apps-80x24
