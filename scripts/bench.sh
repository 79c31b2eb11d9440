#!/usr/bin/env bash
# Runs Sotay's benchmarks (`make bench`) and prints their Markdown reports for
# docs/benchmarks.md. Release builds; a few minutes on 2 cores.
# SOTAY_BENCH_SEED and SOTAY_BENCH_DB are passed through to the store benchmark; the field app's
# benchmark opens the store benchmark's database.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$SOTAY_ROOT"

ensure_build_deps

log "device store benchmark (50,000 households, store vs raw SQLite)"
# Keep the generated area: the field app's benchmark opens it as the app's database.
bench_dir="$(mktemp -d)"
trap 'rm -rf "$bench_dir"' EXIT
export SOTAY_BENCH_DB="${SOTAY_BENCH_DB:-$bench_dir/store-bench.sqlite3}"
cargo bench --locked -p sotay-store --bench store_bench

log "PIN benchmark (Argon2id as the app uses it: set, unlock, wrong PIN)"
cargo bench --locked -p sotay-device --bench pin_bench

log "field app benchmark (release, WebKitGTK under Xvfb: start, village list, search, bundle, memory)"
ensure_app_deps
build_ui
SOTAY_APP_BENCH_DB="$SOTAY_BENCH_DB" cargo bench --locked -p sotay-app --bench app_bench

log "sync benchmark (office backends, bytes per op, 200 devices, a day's sync on a bad link)"
source "$(dirname "$0")/postgres.sh"
ensure_postgres
cargo bench --locked -p sotay-tests --bench sync_bench

log "dashboard benchmark (a province: 100 communes, 500,000 households, 2,000,000 visits; SQLite and PostgreSQL)"
cargo bench --locked -p sotay-office --bench dashboard_bench
