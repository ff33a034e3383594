#!/usr/bin/env bash
# Installs Debian's `prometheus` package (which carries `promtool`) when it is missing, and prints
# the directory holding both binaries. Idempotent: when both are on the machine it only prints.
#
#   interop/prometheus/install.sh [--path-file FILE]
#
# --path-file FILE also writes that directory to FILE (the Maven build does this before the
# integration tests; PrometheusDashboardIT reads it). Installing needs root and apt (CI runs as
# root on a clean Debian machine). The package's own service is never started here: the test runs
# its own Prometheus on an ephemeral port with its own configuration and data directory.
# Environment:
#   PROMETHEUS_BIN_DIR  use the binaries in this directory instead (nothing is installed)
# Concurrent runs serialise on apt's own lock (DPkg::Lock::Timeout).
set -euo pipefail

path_file=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --path-file) path_file="${2:?--path-file needs a file}"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

find_bin_dir() {
  if [[ -n "${PROMETHEUS_BIN_DIR:-}" ]]; then
    [[ -x "$PROMETHEUS_BIN_DIR/prometheus" && -x "$PROMETHEUS_BIN_DIR/promtool" ]] || return 1
    echo "$PROMETHEUS_BIN_DIR"
    return 0
  fi
  local prometheus promtool
  prometheus="$(command -v prometheus || true)"
  promtool="$(command -v promtool || true)"
  [[ -n "$prometheus" && -n "$promtool" ]] || return 1
  [[ "$(dirname "$prometheus")" == "$(dirname "$promtool")" ]] || return 1
  dirname "$prometheus"
}

if ! bin_dir="$(find_bin_dir)"; then
  if [[ -n "${PROMETHEUS_BIN_DIR:-}" ]]; then
    echo "install.sh: PROMETHEUS_BIN_DIR=$PROMETHEUS_BIN_DIR lacks prometheus or promtool" >&2
    exit 1
  fi
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "install.sh: prometheus/promtool are missing and this is not root on a Debian machine;" \
      "install Debian's 'prometheus' package or set PROMETHEUS_BIN_DIR" >&2
    exit 1
  fi
  echo "install.sh: installing Debian's prometheus package" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Never let the package start its own server (no init system here, and its fixed port 9090
  # could collide with other builds): policy-rc.d refuses every service start during the install.
  policy=/usr/sbin/policy-rc.d
  restore_policy=""
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    restore_policy=yes
  fi
  trap '[[ -n "$restore_policy" ]] && rm -f "$policy"' EXIT
  apt_opts=(-o DPkg::Lock::Timeout=600 -q -y)
  if ! apt-get "${apt_opts[@]}" install --no-install-recommends prometheus >&2; then
    apt-get "${apt_opts[@]}" update >&2
    apt-get "${apt_opts[@]}" install --no-install-recommends prometheus >&2
  fi
  bin_dir="$(find_bin_dir)" || { echo "install.sh: prometheus installed but not on PATH" >&2; exit 1; }
fi
echo "install.sh: $("$bin_dir/prometheus" --version 2>&1 | head -1)" >&2

if [[ -n "$path_file" ]]; then
  mkdir -p "$(dirname "$path_file")"
  echo "$bin_dir" >"$path_file"
fi
echo "$bin_dir"
