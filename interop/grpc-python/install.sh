#!/usr/bin/env bash
# Installs the pinned grpcio (requirements.txt) into a virtualenv under a cache directory outside
# the source tree and prints the venv's python. The Maven build runs it before the integration
# tests (control-plane, pre-integration-test); GrpcPythonXdsIT runs xds_client.py with that python.
# Idempotent: an existing venv built from the same requirements and interpreter is reused.
#
#   install.sh [PATH_FILE]   also writes the python's path into PATH_FILE (for the Maven build)
#
#   ATTACHE_CACHE_DIR   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/attache)
#   PYTHON              interpreter to build the venv from (default: python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "install.sh: $python not found on PATH" >&2; exit 1; }
py_tag="$("$python" -c 'import sys; print("py%d.%d" % sys.version_info[:2])')"
req_hash="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
cache="${ATTACHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/attache}"
venv="$cache/grpc-python/$py_tag-$req_hash"
mkdir -p "$cache"
exec 9>"$cache/grpc-python.lock"
flock 9 # two builds on one machine share the cache
if [[ ! -f "$venv/.installed" ]]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv" >&2
  # Wheels only: building C-core from source would take most of an hour on the build machines.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary :all: \
    -r "$here/requirements.txt" >&2
  touch "$venv/.installed"
fi
echo "$venv/bin/python"
if [[ $# -gt 0 ]]; then
  mkdir -p "$(dirname "$1")"
  echo "$venv/bin/python" >"$1"
fi
