#!/usr/bin/env bash
# The office's outside contract: schemathesis (pinned, in a virtual environment of its own) runs
# every check it has against a real `sotay-office serve` on 127.0.0.1, as a device would call it
# (with a device token), from the OpenAPI document the server publishes. A fixed seed and a
# bounded number of examples keep it repeatable and short; any failure fails the test run.
# Run by scripts/test.sh; also runnable alone.
set -euo pipefail
[ -n "${SOTAY_ROOT:-}" ] || source "$(dirname "$0")/common.sh"
cd "$SOTAY_ROOT"

SCHEMATHESIS_VERSION=4.32.5
target="${CARGO_TARGET_DIR:-$SOTAY_ROOT/target}"
venv="$target/schemathesis-venv"
if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  # --clear: a venv copied from elsewhere (its scripts name another python) is made anew.
  python3 -m venv --clear "$venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv --clear "$venv"; }
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --locked -q -p sotay-office --bin sotay-office
office="$target/debug/sotay-office"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
db="$work/office.sqlite3"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
codes="$("$office" --db "$db" seed-demo --households 20)"
code="$(printf '%s\n' "$codes" | awk '/Nguyễn Thị Lan/ {print $1; exit}')"
RUST_LOG=warn "$office" --db "$db" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
token="$(python3 - "$base" "$code" <<'PY'
import json, sys, time, urllib.request
base, code = sys.argv[1], sys.argv[2]
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/health", timeout=1)
        break
    except Exception:
        time.sleep(0.1)
body = json.dumps({"code": code, "device_name": "Schemathesis", "protocol": 1}).encode()
req = urllib.request.Request(base + "/api/v1/devices/enroll", body, {"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["device_token"])
PY
)"
log "schemathesis against $base (seed ${SOTAY_SCHEMATHESIS_SEED:-20261201})"
# Run from the temp folder: schemathesis keeps a cache folder in its working directory.
config="$SOTAY_ROOT/tests/contract/schemathesis.toml"
cd "$work"
"$venv/bin/st" --config-file "$config" run "$base/api/openapi.json" \
  -H "Authorization: Bearer $token" --checks all \
  --seed "${SOTAY_SCHEMATHESIS_SEED:-20261201}" --max-examples "${SOTAY_SCHEMATHESIS_EXAMPLES:-150}" \
  --generation-database none --no-color --report-dir "$work/report"
if grep -q -E 'panicked|status=5[0-9][0-9]' "$work/serve.log"; then
  cat "$work/serve.log" >&2
  echo "the office logged a panic or a 5xx during the schemathesis run" >&2
  exit 1
fi
