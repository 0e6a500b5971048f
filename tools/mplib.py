"""Third-party MicroPython libraries for the ecosystem tests, pinned from PyPI, and the host
servers those tests talk to (HTTP, HTTPS under a throw-away CA, a mosquitto MQTT broker).
"""

import hashlib
import http.server
import json
import os
import ssl
import tarfile
import threading
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEST = os.path.join(ROOT, "build", "mplib")

# (PyPI project, sdist file, its SHA-256, {member of the sdist: path under DEST}).
# umqtt.simple 1.3.4 is an sdist without setup.py, which pip refuses: fetched by hand.
PACKAGES = (
    ("micropython-umqtt.simple", "micropython-umqtt.simple-1.3.4.tar.gz",
     "b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f",
     {"micropython-umqtt.simple-1.3.4/umqtt/simple.py": "umqtt/simple.py"}),
)
TIMEOUT_S = 60

HELLO = b"hello from a local web server, through the module\n"
HOSTNAME = "www.winc.test"  # the HTTPS certificate's name; tests map it to 127.0.0.1 in DNS


def _index_url():
    """The package index pip uses here (PEP 503/691 simple API)."""
    url = os.environ.get("PIP_INDEX_URL")
    if not url:
        from pip._internal.models.index import PyPI  # pip's own default index

        url = PyPI.simple_url
    return url.rstrip("/") + "/"


def _file_url(project, filename):
    """Where the index has filename of project (its PEP 691 JSON listing)."""
    name = project.lower().replace(".", "-").replace("_", "-")  # PEP 503 normalisation
    listing = urllib.parse.urljoin(_index_url(), name + "/")
    request = urllib.request.Request(listing,
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as f:
        files = json.load(f)["files"]
    for entry in files:
        if entry["filename"] == filename:
            return urllib.parse.urljoin(listing, entry["url"])
    raise SystemExit("%s: %s is not on the index" % (project, filename))


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fetch(dest=DEST):
    """Download (once) and unpack the pinned libraries into dest; returns the module paths
    relative to dest. SystemExit when a download does not match its SHA-256."""
    os.makedirs(dest, exist_ok=True)
    modules = []
    for project, filename, sha256, members in PACKAGES:
        archive = os.path.join(dest, filename)
        if not os.path.exists(archive) or _sha256(archive) != sha256:
            try:
                with urllib.request.urlopen(_file_url(project, filename),
                                            timeout=TIMEOUT_S) as f:
                    data = f.read()
            except OSError as e:
                raise SystemExit("%s: cannot download %s: %s" % (project, filename, e)) from None
            if hashlib.sha256(data).hexdigest() != sha256:
                raise SystemExit("%s: SHA-256 mismatch, not using it" % filename)
            with open(archive, "wb") as f:
                f.write(data)
        with tarfile.open(archive) as tar:
            for member, target in members.items():
                path = os.path.join(dest, target)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with tar.extractfile(member) as src, open(path, "wb") as out:
                    out.write(src.read())
                modules.append(target)
    return modules


class _Web(http.server.BaseHTTPRequestHandler):
    """GET: HELLO. POST: the body back, upper-cased, with the request's Content-Type.
    HTTP/1.0: the connection closes after each response, as micropython-lib requests reads."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._reply(HELLO, "text/plain")

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._reply(body.upper(), self.headers.get("Content-Type", "application/octet-stream"))

    def _reply(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Method", self.command)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up or rejects the certificate: what some tests are about


def _web_server(context=None):
    server = _Server(("127.0.0.1", 0), _Web)
    if context is not None:  # handshakes in each connection's thread: one stuck client
        server.socket = context.wrap_socket(server.socket, server_side=True,  # stalls no other
                                            do_handshake_on_connect=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Peers:
    """The host servers, started together; `env` names them for the MicroPython tests:
    WINC_HTTP_PORT, WINC_HTTPS_PORT, WINC_HTTPS_CA (a PEM file for HOSTNAME's certificate),
    WINC_MQTT_PORT, or WINC_MQTT_ERROR saying why mosquitto did not start."""

    def __init__(self, tmp):
        import trustme
        from mosquitto import Mosquitto

        ca = trustme.CA()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(HOSTNAME).configure_cert(context)
        cafile = os.path.join(tmp, "winc-test-ca.pem")
        ca.cert_pem.write_to_path(cafile)
        self._servers = [_web_server(), _web_server(context)]
        self.env = {"WINC_HTTP_PORT": str(self._servers[0].server_address[1]),
                    "WINC_HTTPS_PORT": str(self._servers[1].server_address[1]),
                    "WINC_HTTPS_CA": cafile}
        self.broker = None
        try:
            self.broker = Mosquitto()
            self.env["WINC_MQTT_PORT"] = str(self.broker.port)
        except RuntimeError as e:  # the MQTT test fails saying so; the others still run
            self.env["WINC_MQTT_ERROR"] = str(e)

    def close(self):
        for server in self._servers:
            server.shutdown()
            server.server_close()
        if self.broker is not None:
            self.broker.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
