#!/usr/bin/env bash
# Runs Sotay, doing its own set-up on a fresh Debian/Ubuntu machine.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$SOTAY_ROOT"
ensure_build_deps
cargo run --locked -p sotay-office --bin sotay-office -- "$@"
