"""make demo: start the wincsim server and a local HTTPS server, then run examples/demo.py
under the real MicroPython.

winc and the emulator client run precompiled (.mpy), with the test runner's heap: 64 KB for
data plus room for the code a board would keep frozen in flash. The HTTPS server's certificate
comes from a throwaway CA (trustme) whose certificate the demo loads to verify the server.
"""

import http.server
import os
import ssl
import subprocess
import sys
import tempfile
import threading

import trustme
from mp_runner import BUILD, CODE_ROOM, DATA_HEAP, ROOT, micropython, precompile, start_server

PAGE = b"hello from a local HTTPS server, verified by the module\n"


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def https_server(tmp):
    """(server, port, CA file): an HTTPS server on 127.0.0.1 for www.winc.test."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("www.winc.test").configure_cert(context)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cafile = os.path.join(tmp, "ca.pem")
    ca.cert_pem.write_to_path(cafile)
    return server, server.server_address[1], cafile


def main():
    precompile()
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "wincsim.sock")
        server = start_server(sock)
        web, port, cafile = https_server(tmp)
        try:
            env = dict(os.environ, WINCSIM_SOCKET=sock, WINC_DEMO_CA=cafile,
                       WINC_DEMO_HTTPS_PORT=str(port),
                       MICROPYPATH=BUILD + os.pathsep + ".frozen")
            heap = "heapsize=%d" % (DATA_HEAP + CODE_ROOM)
            return subprocess.run([micropython(), "-X", heap,
                                   os.path.join(ROOT, "examples", "demo.py")], env=env).returncode
        finally:
            web.shutdown()
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
