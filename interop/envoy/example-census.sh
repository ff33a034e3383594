#!/usr/bin/env bash
# Issue 15's census: runs `attache proxy --mode validate` on every bootstrap in Envoy's own
# example sets and prints accepted / refused-by-reason / stack traces (docs/xds-support.md keeps
# the figure). The example sets are git directories you bring here (a bare clone or the `fetch`
# of a snapshot), never committed:
#   ENVOY_GIT     a clone of envoyproxy/envoy (or a fork): its configs/ and docs/root/ bootstraps
#   EXAMPLES_GIT  a clone of envoyproxy/examples: every sandbox's bootstrap
# Usage: ENVOY_GIT=... EXAMPLES_GIT=... interop/envoy/example-census.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${ENVOY_GIT:?set ENVOY_GIT to a git directory of envoyproxy/envoy}"
: "${EXAMPLES_GIT:?set EXAMPLES_GIT to a git directory of envoyproxy/examples}"
cd "$ROOT"
# package (never install): the proxy jar, its lib/ and the compiled test classes.
mvn -B -q -pl data-plane -am -DskipTests -Dspotless.check.skip=true package
DP="$ROOT/data-plane/target"
exec java -cp "$DP/test-classes:$DP/attache-proxy.jar:$DP/lib/*" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
  io.attache.dataplane.cli.ExampleBootstrapCensus \
  "envoy=$ENVOY_GIT#configs/,docs/root/" "examples=$EXAMPLES_GIT"
