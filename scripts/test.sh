#!/usr/bin/env bash
# Runs every test of Sotay, doing its own set-up on a fresh Debian/Ubuntu machine.
# SOTAY_FULL=1 runs the long randomized suites at full length.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$SOTAY_ROOT"

ensure_build_deps

log "format check"
cargo fmt --all --check
log "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "architecture invariants"
scripts/check-architecture.sh
log "tests"
cargo test --workspace --locked
