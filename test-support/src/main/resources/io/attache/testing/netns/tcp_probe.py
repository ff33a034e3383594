"""A TCP probe for tests inside network namespaces (io.attache.testing.netns).

serve ADDRESS PORT NAME: accepts connections for at most --max-seconds and answers each with one
line "NAME original-dst=IP:PORT peer=IP:PORT", the original destination read with
SO_ORIGINAL_DST (what an iptables REDIRECT rewrote; "-" when nothing was rewritten), then closes.
call HOST PORT: connects (3 s timeout), prints the line the server sent; exits 1 with ERROR ...
when it cannot.
"""
import socket
import struct
import sys
import time

SO_ORIGINAL_DST = 80


def original_destination(conn):
    try:
        raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    except OSError:
        return "-"
    port, packed = struct.unpack_from("!2xH4s", raw)
    return "%s:%d" % (socket.inet_ntoa(packed), port)


def serve(address, port, name, max_seconds):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, port))
    server.listen(64)
    server.settimeout(0.5)
    print("listening %s:%d" % (address, port), flush=True)
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        try:
            conn, peer = server.accept()
        except socket.timeout:
            continue
        with conn:
            local = conn.getsockname()
            original = original_destination(conn)
            if original == "%s:%d" % local:
                original = "-"
            line = "%s original-dst=%s peer=%s:%d\n" % (name, original, peer[0], peer[1])
            conn.sendall(line.encode())


def call(host, port):
    try:
        with socket.create_connection((host, port), timeout=3) as conn:
            data = b""
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
        print(data.decode().strip(), flush=True)
        return 0
    except OSError as e:
        print("ERROR %s" % e, flush=True)
        return 1


def main(argv):
    if argv[1] == "serve":
        max_seconds = 300
        if "--max-seconds" in argv:
            max_seconds = int(argv[argv.index("--max-seconds") + 1])
        serve(argv[2], int(argv[3]), argv[4], max_seconds)
        return 0
    if argv[1] == "call":
        return call(argv[2], int(argv[3]))
    print("usage: tcp_probe.py serve ADDRESS PORT NAME [--max-seconds N] | call HOST PORT")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
