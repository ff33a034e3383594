"""Joins a TCP port to a Unix socket (io.attache.netns.NetworkNamespace). A Unix socket is a file,
so it is reachable from every network namespace: one bridge in the host's namespace and one in
another namespace join the two without adding an interface to the host's namespace.

unix-to-tcp SOCKET HOST PORT: listens on SOCKET, joins each connection to HOST:PORT.
tcp-to-unix PORT SOCKET: listens on 127.0.0.1:PORT, joins each connection to SOCKET.
Prints "listening" once it listens; stops after --max-seconds (default one day).
"""
import os
import socket
import sys
import threading
import time


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def join(accepted, connect):
    try:
        upstream = connect()
    except OSError:
        accepted.close()
        return
    upstream.settimeout(None)
    threading.Thread(target=pump, args=(accepted, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, accepted), daemon=True).start()


def main():
    mode = sys.argv[1]
    max_seconds = float(sys.argv[sys.argv.index("--max-seconds") + 1]) \
        if "--max-seconds" in sys.argv else 86400.0
    if mode == "unix-to-tcp":
        path, host, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
        if os.path.exists(path):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)

        def connect():
            return socket.create_connection((host, port), timeout=5)
    elif mode == "tcp-to-unix":
        port, path = int(sys.argv[2]), sys.argv[3]
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))

        def connect():
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.settimeout(5)
            upstream.connect(path)
            return upstream
    else:
        sys.exit("unknown mode " + mode)
    server.listen(64)
    server.settimeout(1)
    print("listening", flush=True)
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        try:
            accepted, _ = server.accept()
        except socket.timeout:
            continue
        accepted.settimeout(None)
        join(accepted, connect)


if __name__ == "__main__":
    main()
