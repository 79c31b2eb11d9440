#!/usr/bin/env bash
# Checks the architecture invariants that a tool can check (see docs/ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
# sotay-domain is pure: it depends on no other crate of ours and on nothing that does IO.
if cargo tree -p sotay-domain --edges normal --prefix none | grep -E '^(sotay-|rusqlite|tokio|reqwest|axum)' | grep -v '^sotay-domain'; then
  echo "sotay-domain must not depend on the crates listed above" >&2; fail=1
fi
# sotay-receipt (receipt check codes, called by the phone and the office) is pure too.
if cargo tree -p sotay-receipt --edges normal --prefix none | grep -E '^(sotay-|rusqlite|tokio|reqwest|axum)' | grep -v '^sotay-receipt'; then
  echo "sotay-receipt must not depend on the crates listed above" >&2; fail=1
fi
# sotay-store does no networking.
if cargo tree -p sotay-store --edges normal --prefix none | grep -E '^(reqwest|tokio|axum|sotay-sync|sotay-office)'; then
  echo "sotay-store must not depend on the crates listed above" >&2; fail=1
fi
# The office shares only the domain and the protocol with the device: it never links the
# device's database or the sync client (sotay-sync's `client` feature).
if cargo tree -p sotay-office --edges normal --prefix none | grep -E '^(sotay-store|reqwest)'; then
  echo "sotay-office must not depend on the crates listed above" >&2; fail=1
fi
# sotay-device keeps the app's own files: no networking, no database.
if cargo tree -p sotay-device --edges normal --prefix none | grep -E '^(reqwest|tokio|axum|rusqlite|sotay-store|sotay-sync)'; then
  echo "sotay-device must not depend on the crates listed above" >&2; fail=1
fi
# The app shell holds no SQL: screens' queries live in sotay-store.
if git grep -n -E '\b(SELECT|INSERT|UPDATE|DELETE) ' -- 'src-tauri/src/*.rs' 'src-tauri/src/**/*.rs'; then
  echo "src-tauri must not run SQL (add the query to sotay-store)" >&2; fail=1
fi
# No crate's modules import each other in a circle (sotay-domain, the office, the app): for each
# top-level module of a crate (`x.rs` or `x/`), every `crate::y` it names in code (comments aside,
# `use crate::{a, b}` groups included) is an edge x -> y, and tsort (coreutils) refuses a graph
# with a loop, printing the modules in it.
check_no_module_circle() {
  local src=$1 modules edges m f files
  modules=$(cd "$src" && ls | sed -e 's/\.rs$//' | grep -vx -e lib -e main | sort -u | tr '\n' ' ')
  edges=$(for m in $modules; do
    files=$(ls "$src/$m.rs" 2>/dev/null; find "$src/$m" -name '*.rs' 2>/dev/null)
    for f in $files; do
      perl -0777 -ne '
        s{//[^\n]*}{}g;
        my %seen;
        while (/crate::(\w+)/g) { $seen{$1} = 1 }
        while (/crate::\{([^;]*?)\};/gs) { my $g = $1; while ($g =~ /(?:^|,|\{)\s*(\w+)/g) { $seen{$1} = 1 } }
        print "$_\n" for sort keys %seen;' "$f" | while read -r dep; do
        # `if`, not `[ … ] && echo`: a false test as the loop's last command would fail the
        # pipeline (pipefail) and stop the whole script (set -e) without a word.
        if [ "$dep" != "$m" ]; then
          case " $modules " in *" $dep "*) echo "$m $dep" ;; esac
        fi
      done
    done
  done | sort -u)
  if ! printf '%s\n' "$edges" | tsort >/dev/null 2>/tmp/sotay-tsort.$$; then
    echo "$src: its modules import each other in a circle:" >&2
    cat /tmp/sotay-tsort.$$ >&2; fail=1
  fi
  rm -f /tmp/sotay-tsort.$$
}
check_no_module_circle crates/sotay-domain/src
check_no_module_circle crates/sotay-office/src
check_no_module_circle src-tauri/src
# `grep` for code only: matches on comment lines (docs may name any module) do not count.
code_grep() { grep -rn -E "$@" | grep -v -E '^[^:]+:[0-9]+:[[:space:]]*//'; }
# The office's two HTTP layers never name each other: both take the state they share from
# `state.rs`, and `server.rs` alone puts their routes together.
if code_grep 'crate::web\b|super::web\b' crates/sotay-office/src/api; then
  echo "sotay-office api/ must not import web/ (shared things go to state.rs or server.rs)" >&2; fail=1
fi
if code_grep 'crate::api\b|super::api\b' crates/sotay-office/src/web crates/sotay-office/src/state.rs \
    crates/sotay-office/src/limit.rs; then
  echo "sotay-office web/ and state.rs must not import api/ (shared things go to state.rs)" >&2; fail=1
fi
# The app's state and sync handle sit below the commands and the sync loop.
if code_grep 'crate::(commands|sync_loop)\b' src-tauri/src/state.rs src-tauri/src/sync_task.rs; then
  echo "src-tauri state.rs and sync_task.rs must not import the commands or the sync loop" >&2; fail=1
fi
# The office's admin work (and the storage and rules under it) never imports the HTTP layer:
# the command line and the dashboard share it without dragging the API in.
if grep -n -E 'crate::(api|web)\b|super::(api|web)\b' crates/sotay-office/src/admin.rs crates/sotay-office/src/apply.rs \
    crates/sotay-office/src/clock.rs crates/sotay-office/src/storage/*.rs crates/sotay-office/src/facts.rs \
    crates/sotay-office/src/import.rs crates/sotay-office/src/passwords.rs; then
  echo "sotay-office admin/apply/storage/import must not import the HTTP layer (api, web)" >&2; fail=1
fi
# Every module of ours says why it exists.
for f in $(git ls-files 'crates/*.rs' 'src-tauri/*.rs'); do
  head -1 "$f" | grep -q '^//!' || { echo "$f: starts without a //! module doc" >&2; fail=1; }
done
exit $fail
