"""tls: an ssl-style SSLContext that runs TLS on the module (TLSC contexts, spec §7.7, §7.12).

Certificates and keys go to the module's file system once, named by their SHA-256, so a connect
sends nothing but SOCKTLS when a context was used before; identical settings share a TLSC slot.
"""

from . import _ids, tlv
from ._compat import const
from .device import Command, Device

PROTOCOL_TLS_CLIENT = const(0)  # MicroPython's tls module numbers them so
PROTOCOL_TLS_SERVER = const(1)
CERT_NONE = const(0)
CERT_OPTIONAL = const(1)
CERT_REQUIRED = const(2)

_SLOTS = const(4)  # TLSC configurations 1..4 (§7.7)
_ENFILE = const(23)
_FILE_CERT = const(1)  # FS file types (§6.5)
_FILE_KEY = const(2)
_FS_LOAD = const(1)
_FS_LIST = const(2)
_FS_DEL = const(3)
_TSFR = const(5)  # the binary transfer protocol (§7.12)
_BLOCK = const(1024)  # FSTSFR data per block: well inside a 2048-byte tx_buf

# TLSC parameter ids (§7.7).
_CA_CERT_NAME = const(1)
_CERT_NAME = const(2)
_PRI_KEY_NAME = const(3)
_PRI_KEY_PASSWORD = const(4)
_SERVER_NAME = const(5)
_DOMAIN_NAME = const(6)
_PEER_AUTH = const(40)
_PEER_DOMAIN_VERIFY = const(41)


def _tls(dev):
    return Device.layer(dev, "_tls", _Module)


class _Module:
    """The module's side of TLS for one device: its files and its four TLSC slots."""

    def __init__(self, dev):
        self.dev = dev
        self.files = None  # {(type, name)} on the module's file system, listed on first need
        self.slots = []  # [settings] in TLSC order 1..4, most recently used last
        dev.on_reset(self._on_reset)

    def _on_reset(self, errno):
        self.slots = []  # TLSC settings are volatile; files are not, but list them again
        self.files = None

    def file(self, kind, loaded):
        """The name of a module file holding loaded = (data, name) (an FS file type),
        uploaded if missing."""
        data, name = loaded
        if self.files is None:
            listed = self.dev.call(_ids.FS, (tlv.U1, _FS_LIST))
            self.files = set((rsp[1], rsp[2].decode()) for rsp in listed if len(rsp) >= 3)
        if (kind, name) not in self.files:
            self._upload(kind, name, data)
            self.files.add((kind, name))
        return name

    def _upload(self, kind, name, data):
        load = (tlv.U1, _FS_LOAD, tlv.U1, kind, tlv.U1, _TSFR, tlv.STR, name, tlv.U2, len(data))
        try:
            rsp = self.dev.call(_ids.FS, load)
        except OSError:
            # FILE_EXISTS: a file of that name half written by an upload cut short (the name
            # is the content's hash, so a whole one would have been listed): delete, again.
            self._delete(kind, name)
            rsp = self.dev.call(_ids.FS, load)
        handle = rsp[0][1]
        view = memoryview(data)
        block = 1
        try:
            for at in range(0, len(data), _BLOCK):
                self.dev.call(_ids.FSTSFR, (tlv.U2, handle, tlv.I4, block, tlv.BYTES,
                                            view[at : at + _BLOCK]))
                block += 1
        except OSError:
            self.files = None  # what the module holds now is for a fresh listing to say
            raise

    def _delete(self, kind, name):
        try:
            self.dev.call(_ids.FS, (tlv.U1, _FS_DEL, tlv.I4, kind, tlv.STR, name))
        except OSError:
            pass  # nothing to delete: the load's own error stands

    def _evict(self):
        """A slot whose settings no open socket uses, least recently used first."""
        stack = getattr(self.dev, "_sockets", None)
        busy = [s._tls for s in stack.by_id.values()] if stack is not None else []
        for i, held in enumerate(self.slots):
            if held[0] not in busy:
                self.slots.pop(i)
                return held[0]
        raise OSError(_ENFILE, "all four TLS configurations are in use by open sockets")

    def slot(self, settings):
        """The TLSC index (1..4) configured with settings, configuring one if needed."""
        for i, held in enumerate(self.slots):
            if held[1] == settings:
                self.slots.append(self.slots.pop(i))  # most recently used last
                return held[0]
        used = [held[0] for held in self.slots]
        index = 1
        while index in used:
            index += 1
        if index > _SLOTS:
            index = self._evict()
        cmds = [Command(_ids.TLSC, (tlv.U1, index, tlv.U4, 0, tlv.I4, 0))]  # PRESET: clean
        for param, value in settings:
            code = tlv.BOOL if param >= _PEER_AUTH else tlv.STR
            cmds.append(Command(_ids.TLSC, (tlv.U1, index, tlv.U4, param, code, value)))
        self.dev.run(cmds)
        self.slots.append((index, settings))
        return index


def _content_name(data):
    """A file name (<= 32 characters) from the data's hash: SHA-256 where the port has hashlib
    (CircuitPython's atmel-samd does not), else 64-bit FNV-1a and the length."""
    try:
        import hashlib
        from binascii import hexlify

        return "w" + hexlify(hashlib.sha256(data).digest()[:12]).decode()
    except ImportError:
        high, low = 0xCBF29CE4, 0x84222325  # FNV offset basis, in 32-bit halves for small ints
        for byte in data:
            low ^= byte
            # multiply by the FNV prime 2**40 + 0x1B3, carrying between the halves
            product = low * 0x1B3
            high = (high * 0x1B3 + (low << 8) + (product >> 32)) & 0xFFFFFFFF
            low = product & 0xFFFFFFFF
        return "f%08x%08x%x" % (high, low, len(data))


def _loaded(data, what):
    """(bytes, module file name) of a certificate or key given as PEM/DER bytes or str."""
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise TypeError("%s: bytes or str" % what)
    data = bytes(data)
    return data, _content_name(data)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


class SSLContext:
    """SSLContext(protocol): TLS on the module for winc sockets (ssl/tls module shape).

    A client context verifies the server by default (CERT_REQUIRED, check_hostname): give it
    CA certificates with load_verify_locations(). Nothing ever falls back to plaintext.
    """

    def __init__(self, protocol=PROTOCOL_TLS_CLIENT, *, dev=None):
        if protocol not in (PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER):
            raise ValueError("protocol")
        self.protocol = protocol
        client = protocol == PROTOCOL_TLS_CLIENT
        self.verify_mode = CERT_REQUIRED if client else CERT_NONE
        self.check_hostname = client
        self._dev = dev
        self._ca = None
        self._cert = None
        self._key = None
        self._password = None

    def load_verify_locations(self, cafile=None, cadata=None):
        """CA certificates (PEM or DER) that verify the peer: a file path, or the data."""
        if cafile is None and cadata is None:
            raise TypeError("cafile or cadata")
        self._ca = _loaded(_read(cafile) if cafile is not None else cadata, "cadata")

    def load_cert_chain(self, certfile, keyfile=None, password=None):
        """This side's certificate and private key: paths, or (MicroPython style) the data."""
        self._cert = _loaded(certfile if isinstance(certfile, (bytes, bytearray)) else
                             _read(certfile), "certfile")
        key = keyfile if keyfile is not None else certfile
        self._key = _loaded(key if isinstance(key, (bytes, bytearray)) else _read(key),
                            "keyfile")
        self._password = password

    def set_default_verify_paths(self):
        pass  # the module has no certificate store of its own: load_verify_locations() it is

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True,
                    server_hostname=None):
        """Make sock (a winc TCP socket) a TLS socket and return it.

        Before connect() (or listen() with server_side) the handshake follows the TCP one;
        on a connected socket it starts at once and a blocking socket waits for it. A failed
        handshake is ECONNABORTED on connect() and on every later call.
        """
        from . import socket as wsocket

        if not isinstance(sock, wsocket.socket) or sock.type != wsocket.SOCK_STREAM:
            raise TypeError("a winc TCP socket")
        if server_side != (self.protocol == PROTOCOL_TLS_SERVER):
            raise ValueError("server_side needs a PROTOCOL_TLS_SERVER context, and only it")
        if server_side:
            if self._cert is None:
                raise ValueError("a server context needs load_cert_chain()")
        elif self.verify_mode != CERT_NONE and self.check_hostname and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")
        index = self.tlsc_index(server_hostname, sock._stack.dev)
        sock._start_tls(index)
        return sock

    def tlsc_index(self, server_hostname=None, dev=None):
        """The module's TLSC configuration (1..4) that holds this context, uploading and
        configuring what is missing: for WPA-Enterprise (WLAN.config(eap_tls=...)) and the raw
        IPPROTO_TLS + TLS_CONF_IDX form."""
        mod = _tls(self._dev if self._dev is not None else dev)
        verify = self.verify_mode != CERT_NONE
        settings = []
        if self._ca is not None:
            settings.append((_CA_CERT_NAME, mod.file(_FILE_CERT, self._ca)))
        if self._cert is not None:
            settings.append((_CERT_NAME, mod.file(_FILE_CERT, self._cert)))
            settings.append((_PRI_KEY_NAME, mod.file(_FILE_KEY, self._key)))
            if self._password:
                settings.append((_PRI_KEY_PASSWORD, self._password))
        if server_hostname:
            settings.append((_SERVER_NAME, server_hostname))
            if verify and self.check_hostname:
                settings.append((_DOMAIN_NAME, server_hostname))
        settings.append((_PEER_AUTH, 1 if verify else 0))
        settings.append((_PEER_DOMAIN_VERIFY, 1 if verify and self.check_hostname else 0))
        return mod.slot(tuple(settings))


def create_default_context():
    """A client context as ssl.create_default_context() (CircuitPython, CPython): it verifies
    the server (CERT_REQUIRED, check_hostname) against CAs given by load_verify_locations()."""
    return SSLContext(PROTOCOL_TLS_CLIENT)


def wrap_socket(sock, server_side=False, key=None, cert=None, cert_reqs=CERT_NONE, cadata=None,
                server_hostname=None, do_handshake=True):
    """MicroPython's module-level ssl.wrap_socket() (umqtt and older code): a context made
    from the arguments, as MicroPython's own does; note that it verifies nothing by default."""
    context = SSLContext(PROTOCOL_TLS_SERVER if server_side else PROTOCOL_TLS_CLIENT)
    if cert is not None or key is not None:
        context.load_cert_chain(cert, key)
    if cadata is not None:
        context.load_verify_locations(cadata=cadata)
    context.verify_mode = cert_reqs
    context.check_hostname = server_hostname is not None  # as MicroPython: the chain only
    return context.wrap_socket(sock, server_side=server_side, do_handshake_on_connect=do_handshake,
                               server_hostname=server_hostname)
