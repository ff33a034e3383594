#!/usr/bin/env bash
# Builds the grpc-go xDS client (main.go; modules from the Go module proxy, checked against the
# committed go.sum) into the given file. The Maven build runs it before the integration tests
# (control-plane, pre-integration-test); GrpcGoXdsIT runs the binary. go caches the modules and the
# build, so only the first build on a machine takes minutes.
set -euo pipefail
out="${1:?usage: build.sh OUTPUT_BINARY}"
cd "$(dirname "$0")"
command -v go >/dev/null || { echo "build.sh: go not found on PATH (Go >= 1.26 needed)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
GOFLAGS=-mod=readonly go build -trimpath -o "$out" .
