#!/usr/bin/env bash
# Installs what the browser and OpenAPI tests need, idempotently: Debian's headless-capable
# Chromium (apt, as root; CI runs as root on a fresh machine) and the pinned npm packages of this
# directory (playwright-core drives that Chromium; @redocly/cli lints the OpenAPI document).
# Playwright's own browser download is never used: it cannot work here, and Debian's package is
# the one a Debian user has. Prints the Chromium path.
set -euo pipefail
cd "$(dirname "$0")"

# --npm-only: the npm packages alone (the OpenAPI lint needs no browser).
npm_only=false
[[ "${1:-}" == "--npm-only" ]] && npm_only=true

chromium="${ATTACHE_CHROMIUM:-/usr/bin/chromium}"
if [[ "$npm_only" == false && ! -x "$chromium" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "install.sh: $chromium is missing; install Debian's chromium package (apt-get install chromium) or set ATTACHE_CHROMIUM" >&2
    exit 1
  fi
  exec 9>/tmp/attache-chromium-install.lock
  flock -w 600 9
  if [[ ! -x "$chromium" ]]; then
    echo "install.sh: installing chromium (apt)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2
  fi
fi

exec 8>node_modules.lock
flock -w 600 8
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "install.sh: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
echo "$chromium"
