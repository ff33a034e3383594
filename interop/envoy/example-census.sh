#!/usr/bin/env bash
# Issue 15's census: runs `attache proxy --mode validate` and a stock Envoy's `--mode validate` on
# every bootstrap in Envoy's own example sets and prints both verdicts, accepted / refused-by-reason
# / stack traces; then runs each file both accept on both proxies against local upstreams and
# compares what one request per route did (docs/interop.md keeps the figures). Certificates a sandbox generates at start-up
# are generated the same way into a throw-away directory per file (never committed). The stock
# Envoy is the one interop/envoy/install.sh installs, unless ATTACHE_ENVOY_BINARY names another.
# The example sets are git directories you bring here (a bare clone or the `fetch` of a snapshot),
# never committed:
#   ENVOY_GIT     a clone of envoyproxy/envoy (or a fork): its configs/ and docs/root/ bootstraps
#   EXAMPLES_GIT  a clone of envoyproxy/examples: every sandbox's bootstrap
# Usage: ENVOY_GIT=... EXAMPLES_GIT=... interop/envoy/example-census.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${ENVOY_GIT:?set ENVOY_GIT to a git directory of envoyproxy/envoy}"
: "${EXAMPLES_GIT:?set EXAMPLES_GIT to a git directory of envoyproxy/examples}"
cd "$ROOT"
# package (never install): the proxy jar, the compiled test classes and their test classpath
# (test-support's Envoy locator, BouncyCastle for the throw-away certificates).
DP="$ROOT/data-plane/target"
mvn -B -q -pl data-plane -am -DskipTests -Dspotless.check.skip=true package \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/census.classpath
interop/envoy/install.sh --path-file "$DP/census-envoy-binary" >/dev/null
exec java -cp "$DP/test-classes:$DP/attache-proxy.jar:$(cat "$DP/census.classpath")" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
  -Dattache.envoy.installed="$DP/census-envoy-binary" \
  io.attache.dataplane.cli.ExampleBootstrapCensus \
  "envoy=$ENVOY_GIT#configs/,docs/root/" "examples=$EXAMPLES_GIT"
