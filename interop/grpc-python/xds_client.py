"""A proxyless gRPC C-core xDS client (Python grpcio) driven by the Attaché interop tests.

io.attache.controlplane.interop.GrpcPythonXdsIT starts it with GRPC_XDS_BOOTSTRAP set. It prints one
hello line with its grpcio version, then answers each command line on stdin

    {"id": 1, "target": "portal", "method": "Who", "headers": {"x-variant": "beta"}, "count": 3}

with one result line on stdout: the outcome of each unary call to xds:///<target> on the interop
service attache.interop.Echo (empty request, the answering backend's name as the reply). One channel
per target lives as long as the process, so config pushed between commands reaches the same
channel. It judges nothing: the JUnit test compares what it printed with the policy. It exits when
stdin closes.
"""

import json
import sys

import grpc


def emit(line):
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def run(channel, command):
    # No serializers: the interop service's messages are raw bytes both ways.
    method = channel.unary_unary("/attache.interop.Echo/" + command["method"])
    metadata = tuple((name, value) for name, value in (command.get("headers") or {}).items())
    timeout = command.get("timeout_ms", 10000) / 1000.0
    calls = []
    for _ in range(max(1, command.get("count", 1))):
        try:
            reply = method(b"", timeout=timeout, metadata=metadata)
            calls.append({"code": 0, "backend": reply.decode("utf-8"), "details": ""})
        except grpc.RpcError as error:
            calls.append({"code": error.code().value[0], "backend": "", "details": error.details() or ""})
    return calls


def main():
    emit({"client": "grpc-python", "version": grpc.__version__})
    channels = {}
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                command = json.loads(line)
            except ValueError as error:
                emit({"id": -1, "error": "bad command: %s" % error})
                continue
            target = command["target"]
            if target not in channels:
                channels[target] = grpc.insecure_channel("xds:///" + target)
            emit({"id": command["id"], "calls": run(channels[target], command)})
    finally:
        for channel in channels.values():
            channel.close()


if __name__ == "__main__":
    main()
