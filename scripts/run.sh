#!/usr/bin/env bash
# Runs Sotay, doing its own set-up on a fresh Debian/Ubuntu machine.
# With no arguments: migrates the office database, seeds the demo commune when the database is
# empty (printing the devices' enrolment codes), and serves on http://127.0.0.1:8080.
# With arguments: runs `sotay-office <arguments>` (e.g. `scripts/run.sh create-user --help`).
# The database is $SOTAY_DB (a SQLite path or a postgres:// URL), by default
# $XDG_DATA_HOME/sotay/office.sqlite3 or ./.sotay-data/office.sqlite3.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$SOTAY_ROOT"
ensure_build_deps
cargo build --locked -p sotay-office --bin sotay-office
office="${CARGO_TARGET_DIR:-$SOTAY_ROOT/target}/debug/sotay-office"
if [ $# -gt 0 ]; then
  exec "$office" "$@"
fi
"$office" migrate
"$office" seed-demo
log "serving on http://${SOTAY_LISTEN:-127.0.0.1:8080} (Ctrl-C to stop)"
log "dashboard: http://${SOTAY_LISTEN:-127.0.0.1:8080}/ — sign in as quantri (admin) or giamsat (supervisor) with the password seed-demo printed above (new one: echo 'mat-khau-moi-1' | scripts/run.sh set-password --login quantri --password-stdin)"
exec "$office" serve --listen "${SOTAY_LISTEN:-127.0.0.1:8080}"
