"""An HTTP server for tests inside network namespaces (io.attache.testing.netns): answers every
request with the request's headers as JSON; /flaky answers 503 to its first request and 200 after.
Usage: ADDRESS PORT MAX_SECONDS; stops after MAX_SECONDS."""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

address, port, max_seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
seen = {"flaky": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 200
        if self.path == "/flaky":
            seen["flaky"] += 1
            if seen["flaky"] == 1:
                status = 503
        body = json.dumps(
            {"status": status, "path": self.path,
             "headers": {k.lower(): v for k, v in self.headers.items()},
             "peer": self.client_address[0]}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer((address, port), Handler)
threading.Timer(max_seconds, server.shutdown).start()
print("listening", flush=True)
server.serve_forever()
