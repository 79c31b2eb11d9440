# Sourced by scripts/test.sh: makes sure a PostgreSQL server is reachable for the office's
# contract tests and exports SOTAY_PG_URL. Installs Debian's `postgresql` when missing, then
# starts a throwaway cluster (trust auth on 127.0.0.1 only) with a port and data folder of this
# checkout's own (derived from its path), so two checkouts on one machine never share one and
# the machine's default cluster is never touched. `stop_postgres` stops it again if this run
# started it; a throwaway already running for this checkout is reused and left running.

ensure_postgres() {
  if [ -n "${SOTAY_PG_URL:-}" ]; then
    log "PostgreSQL: using SOTAY_PG_URL from the environment"
    return 0
  fi
  apt_install postgresql
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -x "$bin/initdb" ] || { echo "initdb not found after installing postgresql" >&2; return 1; }
  local key
  key="$(printf '%s' "$SOTAY_ROOT" | cksum | cut -d' ' -f1)"
  local port="${SOTAY_PG_PORT:-$((54000 + key % 1000))}"
  local dir="${SOTAY_PG_DIR:-/tmp/sotay-pg-$key}"
  # initdb refuses to run as root: run the cluster as the `postgres` user then.
  local run=()
  if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    log "PostgreSQL: starting a throwaway cluster in $dir on port $port"
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
      || { cat "$dir/server.log" >&2; return 1; }
    SOTAY_PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop)
  fi
  local psql=(psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
  "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'sotay_test'" | grep -q 1 \
    || "${psql[@]}" -d postgres -c "CREATE ROLE sotay_test LOGIN"
  # A fresh database each run: every test makes its own schema in it, so nothing piles up.
  "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS sotay_test WITH (FORCE)"
  "${psql[@]}" -d postgres -c "CREATE DATABASE sotay_test OWNER sotay_test"
  export SOTAY_PG_URL="postgres://sotay_test@127.0.0.1:$port/sotay_test"
  log "PostgreSQL ready: $SOTAY_PG_URL"
}

# Stops the throwaway cluster if ensure_postgres started it in this run.
stop_postgres() {
  if [ -n "${SOTAY_PG_STOP+x}" ] && [ ${#SOTAY_PG_STOP[@]} -gt 0 ]; then
    log "PostgreSQL: stopping the throwaway cluster"
    "${SOTAY_PG_STOP[@]}" >/dev/null 2>&1 || true
    SOTAY_PG_STOP=()
  fi
}
