#!/usr/bin/env bash
# Runs every test of Sotay, doing its own set-up on a fresh Debian/Ubuntu machine.
# SOTAY_FULL=1 runs the long randomized suites at full length.
# The office's contract suite runs on SQLite and on PostgreSQL: this script installs Debian's
# PostgreSQL when missing and starts a throwaway cluster (scripts/postgres.sh), or uses the
# server named by SOTAY_PG_URL. The field app's tests need WebKitGTK, Xvfb, WebKitWebDriver,
# tauri-driver and the UI's Node packages: installed here too (ensure_app_deps, build_ui).
# The dashboard's browser test drives Debian's chromium through chromium-driver (both
# installed here). SOTAY_SCREENSHOTS=1 refreshes docs/screens/.
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/postgres.sh"
cd "$SOTAY_ROOT"

ensure_build_deps
ensure_app_deps
ensure_browser
ensure_postgres
trap stop_postgres EXIT

build_ui
log "UI: type check and unit tests (vitest)"
(cd ui && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output human && npx vitest run)

log "format check"
cargo fmt --all --check
log "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "architecture invariants"
scripts/check-architecture.sh
log "documentation (rustdoc, warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked -q
# The app's tests drive the real app in WebKitGTK on a private Xvfb display they start themselves.
log "tests (office contract suite on SQLite and PostgreSQL: $SOTAY_PG_URL; the app in a real webview)"
cargo test --workspace --locked
log "outside contract: schemathesis against a real office"
scripts/schemathesis.sh
