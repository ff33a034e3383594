#!/usr/bin/env bash
# Installs the proxy benchmark's load generators and contestants from Debian packages, only what is
# missing: nginx (nginx-light where available), haproxy, wrk, h2load (nghttp2-client).
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "bench: missing ${missing[*]}; run as root or: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "bench: installing ${missing[*]} (apt-get) ..." >&2
export DEBIAN_FRONTEND=noninteractive
timeout 300 apt-get update -qq >&2
packages=()
for p in "${missing[@]}"; do
  if [[ $p == nginx ]] && apt-cache show nginx-light >/dev/null 2>&1; then
    packages+=(nginx-light)
  else
    packages+=("$p")
  fi
done
timeout 600 apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
# Debian starts the packaged services on install; the benchmark runs its own instances.
for service in nginx haproxy; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done
