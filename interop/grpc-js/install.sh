#!/usr/bin/env bash
# Installs the pinned grpc-js packages (package-lock.json) into interop/grpc-js/node_modules with
# npm ci, unless they are already there and newer than the lock file. The Maven build runs it before
# the integration tests (control-plane, pre-integration-test); GrpcJsXdsIT runs xds-client.js.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "install.sh: npm not found on PATH (Node.js >= 18 needed)" >&2; exit 1; }
exec 9>node_modules.lock
flock 9 # two builds of one checkout share node_modules
if [[ -f node_modules/.package-lock.json && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
  exit 0
fi
npm ci --no-audit --no-fund >&2
