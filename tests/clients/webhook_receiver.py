#!/usr/bin/python3
"""A web hook receiver for the tests: answers every POST with 204 and prints
its JSON body on one line (flushed), so the test reads what arrived, in order.

    webhook_receiver.py PORT
"""
import http.server
import json
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        kind = self.headers.get("Content-Type", "")
        print(json.dumps({"contentType": kind, "body": json.loads(body)}), flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
