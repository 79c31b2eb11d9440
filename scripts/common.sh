# Shared by scripts/run.sh and scripts/test.sh: make sure the machine has what Sotay needs.
# Idempotent: every step checks first and does nothing when the thing is already there.

SOTAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1;34m[sotay]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG... installs the Debian packages that are missing, updating the lists once.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ -z "${SOTAY_APT_UPDATED:-}" ]; then
    as_root apt-get update -qq
    export SOTAY_APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
      export PATH="$HOME/.cargo/bin:$PATH"
    else
      log "installing the Rust toolchain with rustup"
      apt_install curl ca-certificates
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
      export PATH="$HOME/.cargo/bin:$PATH"
    fi
  fi
}

ensure_build_deps() {
  apt_install build-essential pkg-config
  ensure_rust
}

# The field app: WebKitGTK to build it, Xvfb and WebKitWebDriver to drive it in tests,
# tauri-driver between the test and WebKitWebDriver, Node.js for the UI (ui/, Vite).
ensure_app_deps() {
  apt_install libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  if ! command -v tauri-driver >/dev/null 2>&1; then
    log "installing tauri-driver (cargo install, about 30 s)"
    # Its own build folder: the workspace's target stays the workspace's.
    env -u CARGO_TARGET_DIR cargo install tauri-driver --locked --version '^2' --quiet
  fi
}

# Installs the UI's packages from the lockfile (only when it changed) and builds ui/dist, which
# the app embeds at compile time.
build_ui() {
  local stamp="$SOTAY_ROOT/ui/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$SOTAY_ROOT/ui/package-lock.json" -nt "$stamp" ]; then
    log "UI: npm ci"
    (cd "$SOTAY_ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  log "UI: build (ui/dist)"
  (cd "$SOTAY_ROOT/ui" && npx vite build --logLevel warn)
}

# Debian's Chromium and its WebDriver, for the dashboard's browser tests and screenshots (no
# downloaded browser builds), its Vietnamese strings (the file input's button), and a font with
# full Vietnamese coverage.
ensure_browser() {
  apt_install chromium chromium-driver chromium-l10n fonts-dejavu-core
}
