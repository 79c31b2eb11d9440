#!/usr/bin/env bash
# Runs Sotay's benchmarks (`make bench`) and prints their Markdown reports for
# docs/benchmarks.md. Release builds; a few minutes on 2 cores.
# SOTAY_BENCH_SEED and SOTAY_BENCH_DB are passed through to the store benchmark. The field app's
# benchmark generates the same area (sotay-fixtures, the store benchmark's seed) into the app's
# own encrypted database (key wrapped by a PIN); SOTAY_APP_BENCH_DATA=<folder> keeps it there.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$SOTAY_ROOT"

ensure_build_deps

log "device store benchmark (50,000 households, store vs raw SQLite)"
cargo bench --locked -p sotay-store --bench store_bench

log "PIN benchmark (Argon2id as the app uses it: set, unlock, wrong PIN)"
cargo bench --locked -p sotay-device --bench pin_bench

log "field app benchmark (release, WebKitGTK under Xvfb: start, PIN → Today, village list, search, bundle, memory)"
ensure_app_deps
apt_install xdotool   # real X key presses for the keystroke → search results measure
build_ui
cargo bench --locked -p sotay-app --bench app_bench

log "sync benchmark (office backends, bytes per op, 200 devices, a day's sync on a bad link)"
source "$(dirname "$0")/postgres.sh"
ensure_postgres
cargo bench --locked -p sotay-tests --bench sync_bench

log "dashboard benchmark (a province: 100 communes, 500,000 households, 2,000,000 visits; SQLite and PostgreSQL)"
cargo bench --locked -p sotay-office --bench dashboard_bench
