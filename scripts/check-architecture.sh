#!/usr/bin/env bash
# Checks the architecture invariants that a tool can check (see docs/ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
# sotay-domain is pure: it depends on no other crate of ours and on nothing that does IO.
if cargo tree -p sotay-domain --edges normal --prefix none | grep -E '^(sotay-|rusqlite|tokio|reqwest|axum)' | grep -v '^sotay-domain'; then
  echo "sotay-domain must not depend on the crates listed above" >&2; fail=1
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
# Every module of ours says why it exists.
for f in $(git ls-files 'crates/*.rs' 'src-tauri/*.rs'); do
  head -1 "$f" | grep -q '^//!' || { echo "$f: starts without a //! module doc" >&2; fail=1; }
done
exit $fail
