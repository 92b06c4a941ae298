#!/usr/bin/env bash
# The whole test suite, lab included: brings the lab up (installing Docker and starting dockerd
# when needed, reusing a cached image), then runs every test. This is what .ci/run calls.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export FLEET_LAB_DIR=${FLEET_LAB_DIR:-/var/tmp/fleet-lab}
# Formatting and lints first: they fail in seconds, the lab takes a minute.
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
tests/lab/lab.sh up
# Tests must not pick up the developer's own agent or fleet config.
unset SSH_AUTH_SOCK FLEET_CONFIG
export INSTA_UPDATE=no CI=${CI:-true}
cargo test --locked --no-fail-fast --all-targets
