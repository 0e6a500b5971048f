"""emulator feature: TLS configurations (spec §7.7, TLSC) and the ssl contexts built from them.

The four TLSC tables are firmware state, reset at every boot; the certificates and keys they
name are files of the file system (fs.py). netsock.py runs the handshakes with Python's ssl.
"""

import os
import shutil
import ssl
import tempfile

from winc import _ids

from . import fs
from .commands import CommandError, expect_count, integer
from .config import ConfigTable, Param
from .names import status_code

OPTIONS = {"tls_handshake_ms": 10000}  # [INFERRED] a handshake that takes longer fails

# Statuses the spec has and winc._ids has no constant for.
TLS_CA_CERT_MISSING = status_code("TLS_CA_CERT_MISSING")

CONFS = (1, 2, 3, 4)

# Parameter ids the model acts on.
CA_CERT_NAME, CERT_NAME, PRI_KEY_NAME, PRI_KEY_PASSWORD = 1, 2, 3, 4
SERVER_NAME, DOMAIN_NAME = 5, 6
PEER_AUTH, PEER_DOMAIN_VERIFY = 40, 41

# Cipher suites, DH parameters, external crypto, renegotiation and session caching are
# configuration surface only: Python's ssl defaults stand for the firmware's.
TLSC_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(CA_CERT_NAME, "CA_CERT_NAME", "STR", "", limit=32),
    Param(CERT_NAME, "CERT_NAME", "STR", "", limit=32),
    Param(PRI_KEY_NAME, "PRI_KEY_NAME", "STR", "", limit=32),
    Param(PRI_KEY_PASSWORD, "PRI_KEY_PASSWORD", "STR", "", limit=64),
    Param(SERVER_NAME, "SERVER_NAME", "STR", "", limit=256),
    Param(DOMAIN_NAME, "DOMAIN_NAME", "STR", "", limit=256),
    Param(7, "CIPHER_SUITES_IDX", "I4", 1, limit=(1, 2)),
    Param(8, "DH_PARAM_NAME", "STR", "", limit=32),
    Param(20, "EXTCRYPTO_OPS", "I4", 0, limit=(0, 1)),
    Param(21, "SIGN_TYPES", "I4", 1, read_only=True),  # 1 = ECDSA
    Param(PEER_AUTH, "PEER_AUTH", "BOOL", 1, limit=(0, 1)),
    Param(PEER_DOMAIN_VERIFY, "PEER_DOMAIN_VERIFY", "BOOL", 1, limit=(0, 1)),
    Param(42, "SERVER_RENEG_INFO", "BOOL", 1, limit=(0, 1)),
    Param(43, "SESSION_CACHING", "BOOL", 0, limit=(0, 1)),
)


class TlsError(Exception):
    """No context for this handshake; `status` is the one SOCKERR reports."""

    def __init__(self, status, reason=""):
        super().__init__(reason or "status 0x%04x" % status)
        self.status = status


class Tls:
    """Per-boot state: the TLSC tables and a private directory for load_cert_chain's files."""

    def __init__(self):
        self.confs = {n: ConfigTable(TLSC_PARAMS) for n in CONFS}
        self.directory = None
        self.written = 0

    def scratch_path(self, data):
        """A new file in the private directory holding `data` (ssl reads key pairs by path)."""
        if self.directory is None:
            self.directory = tempfile.mkdtemp(prefix="wincsim-tls-")  # mode 0700
        self.written += 1
        path = os.path.join(self.directory, "%d.pem" % self.written)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def cleanup(self):
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def check_options(options):
    value = options["tls_handshake_ms"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("option tls_handshake_ms=%r out of range" % (value,))


def boot(module):
    module.state["tls"] = Tls()


def shutdown(module):
    module.state["tls"].cleanup()


def tlsc(module, request, reply):
    # [U1 conf [, id [, value]]]: the configuration pattern of §5.5 per configuration.
    expect_count(request, 0, 3)
    if not request.elements:
        reply.rsp(*(("U1", n) for n in CONFS))
        return
    conf = integer(request.elements[0])
    if conf not in CONFS:
        raise CommandError(_ids.INVALID_PARAMETER, "TLS configuration %d" % conf)
    module.state["tls"].confs[conf].serve(reply, request.elements[1:])


COMMANDS = {
    _ids.TLSC: tlsc,
}


# -- contexts ------------------------------------------------------------------------------------


def _setting(table, ident):
    # A value cleared by an empty TLV counts as the default.
    value = table.get(ident)
    return table.params[ident].default if value is None else value


def _pem(data):
    """Certificate file contents as ssl takes them: PEM text as is, DER converted [INFERRED]."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return data
    return ssl.DER_cert_to_PEM_cert(data).encode()


def _load_ca(module, context, name):
    data = fs.read(module, fs.CERT, name) if name else None
    if data is None:
        raise TlsError(TLS_CA_CERT_MISSING, "no CA certificate %r" % name)
    try:
        context.load_verify_locations(cadata=_pem(data).decode("ascii", "replace"))
    except (ssl.SSLError, ValueError) as e:
        raise TlsError(_ids.SOCKET_TLS_FAILED, "CA %r: %s" % (name, e)) from None


def _load_key_pair(module, context, table):
    cert = fs.read(module, fs.CERT, _setting(table, CERT_NAME))
    key = fs.read(module, fs.PRIKEY, _setting(table, PRI_KEY_NAME))
    if cert is None or key is None:
        raise TlsError(_ids.SOCKET_TLS_FAILED, "certificate or key file missing")
    state = module.state["tls"]
    paths = []
    try:
        paths = [state.scratch_path(_pem(cert)), state.scratch_path(key)]
        # Always a password (maybe ""), so an encrypted key never prompts on a terminal.
        context.load_cert_chain(paths[0], paths[1], password=_setting(table, PRI_KEY_PASSWORD))
    except (ssl.SSLError, OSError, ValueError) as e:
        raise TlsError(_ids.SOCKET_TLS_FAILED, "key pair: %s" % e) from None
    finally:
        for path in paths:
            os.unlink(path)


def context(module, conf, server_side):
    """(ssl.SSLContext, server_hostname) for a handshake under TLSC configuration `conf`.

    Read when the handshake starts. TlsError says why there is none.
    """
    table = module.state["tls"].confs[conf]
    auth = _setting(table, PEER_AUTH)
    ca_name = _setting(table, CA_CERT_NAME)
    if server_side:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        _load_key_pair(module, ctx, table)
        if auth and ca_name:  # the client must show a certificate this CA signed
            _load_ca(module, ctx, ca_name)
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx, None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # no system CAs: only the named file
    domain = _setting(table, DOMAIN_NAME)
    check = bool(auth and _setting(table, PEER_DOMAIN_VERIFY) and domain)
    ctx.check_hostname = check
    if auth:
        _load_ca(module, ctx, ca_name)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    # [INFERRED] a client certificate is offered when both its files are named.
    if _setting(table, CERT_NAME) and _setting(table, PRI_KEY_NAME):
        _load_key_pair(module, ctx, table)
    # The name sent as SNI is the one checked, when there is a check.
    return ctx, (domain if check else _setting(table, SERVER_NAME) or None)
