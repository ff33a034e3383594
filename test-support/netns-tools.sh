#!/usr/bin/env bash
# Installs what the network-namespace tests need (io.attache.testing.netns): iproute2 (ip netns,
# veth), Debian's iptables (both the nft and the legacy variants) and setpriv (util-linux). Run by
# the build before the integration tests. As root it installs what is missing with apt-get; not as
# root it changes nothing (the tests then say why they skip, or fail under CI=true). Idempotent.
set -euo pipefail

need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
{ [[ -x /usr/sbin/iptables-nft-restore ]] && [[ -x /usr/sbin/iptables-legacy-restore ]]; } || need+=(iptables)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)

if [[ ${#need[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "$(id -u)" != "0" ]]; then
  echo "netns-tools.sh: not root, not installing ${need[*]}" >&2
  exit 0
fi
echo "netns-tools.sh: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Serialised: several modules (and checkouts) may run this at once.
exec 9>/tmp/attache-netns-tools.lock
flock 9
apt-get install -y -q "${need[@]}" >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
