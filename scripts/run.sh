#!/usr/bin/env bash
# Runs Sotay, doing its own set-up on a fresh Debian/Ubuntu machine.
# With no arguments: builds the UI and the field app, migrates the office database, seeds the
# demo commune when the database is empty, serves the office on http://127.0.0.1:8080, and opens
# the app enrolled as the demo collector (Nguyễn Thị Lan). Closing the app stops the office.
# With no display: says so, shows how to use xvfb-run, and serves the office alone.
# `--office`: the office alone (no app). Other arguments: `sotay-office <arguments>`
# (e.g. `scripts/run.sh create-user --help`).
# The office database is $SOTAY_DB (a SQLite path or a postgres:// URL), by default
# $XDG_DATA_HOME/sotay/office.sqlite3 or ./.sotay-data/office.sqlite3; the app keeps its data in
# ./.sotay-data/app (SOTAY_DATA_DIR).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$SOTAY_ROOT"
ensure_build_deps
target="${CARGO_TARGET_DIR:-$SOTAY_ROOT/target}/debug"
cargo build --locked -p sotay-office --bin sotay-office
office="$target/sotay-office"
if [ $# -gt 0 ] && [ "$1" != "--office" ]; then
  exec "$office" "$@"
fi
listen="${SOTAY_LISTEN:-127.0.0.1:8080}"
mkdir -p .sotay-data
"$office" migrate
seed_out="$("$office" seed-demo)"
printf '%s\n' "$seed_out"
# The demo collector's one-time code, kept for the app's first start.
code="$(printf '%s\n' "$seed_out" | awk '/Nguyễn Thị Lan/ {print $1; exit}')"
[ -n "$code" ] && printf '%s\n' "$code" > .sotay-data/demo-code

dashboard_note() {
  log "dashboard: http://$listen/ — sign in as quantri (admin) or giamsat (supervisor) with the password seed-demo printed above (new one: echo 'mat-khau-moi-1' | scripts/run.sh set-password --login quantri --password-stdin)"
}

if [ "${1:-}" = "--office" ]; then
  dashboard_note
  log "serving on http://$listen (Ctrl-C to stop)"
  exec "$office" serve --listen "$listen"
fi

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  log "no display: the app needs one. On a machine without a screen, run it under Xvfb:"
  log "  xvfb-run -a ./scripts/run.sh"
  log "serving the office alone on http://$listen (Ctrl-C to stop)"
  dashboard_note
  exec "$office" serve --listen "$listen"
fi

ensure_app_deps
build_ui
cargo build --locked -p sotay-app
"$office" serve --listen "$listen" &
office_pid=$!
trap 'kill "$office_pid" 2>/dev/null || true' EXIT
export SOTAY_DATA_DIR="$SOTAY_ROOT/.sotay-data/app"
if [ ! -f "$SOTAY_DATA_DIR/device.json" ]; then
  if [ -s .sotay-data/demo-code ]; then
    export SOTAY_ENROLL_URL="http://$listen" SOTAY_ENROLL_CODE="$(cat .sotay-data/demo-code)"
    log "the app enrols itself as Nguyễn Thị Lan with code $SOTAY_ENROLL_CODE"
  else
    log "the demo codes were used already: start from scratch with 'rm -rf .sotay-data' or issue a code (sotay-office issue-code)"
  fi
fi
log "office on http://$listen; opening the app"
dashboard_note
"$target/sotay-app"
