"""socketpool: CircuitPython's `socketpool.SocketPool` and `ssl.create_default_context()` over
winc sockets and winc.tls, so adafruit_requests and MiniMQTT run unchanged (conventions e3).
"""

from . import socket as _socket
from . import tls as _tls


class gaierror(OSError):  # noqa: N801 (CircuitPython's name)
    """getaddrinfo failed: errno is a negative EAI_* code (EAI_NONAME = -2 for an unknown name)."""


def _device(radio):
    """The device behind radio: a Device, a winc.wifi.Radio, or None (the default device,
    looked up at each call)."""
    return getattr(radio, "_dev", radio)


class SocketPool:
    """SocketPool(radio): sockets on one module; radio is a winc.wifi.Radio, a device, or None.

    Sockets are winc sockets: send() returns a count, timeouts raise OSError(ETIMEDOUT), and a
    socket wrapped by create_default_context() connects to a host name.
    """

    # CircuitPython core's values (which are also MicroPython's and Linux's).
    AF_INET = 2
    AF_INET6 = 10
    SOCK_STREAM = 1
    SOCK_DGRAM = 2
    SOCK_RAW = 3
    SOL_SOCKET = 0xFFF
    SO_REUSEADDR = 4
    TCP_NODELAY = 1
    IPPROTO_IP = 0
    IPPROTO_ICMP = 1
    IPPROTO_TCP = 6
    IPPROTO_UDP = 17
    IPPROTO_IPV6 = 41
    IPPROTO_RAW = 255
    IP_MULTICAST_TTL = 5  # the module has no such option: setsockopt says ENOPROTOOPT
    EAI_NONAME = -2

    gaierror = gaierror

    def __init__(self, radio=None):
        self._dev = _device(radio)

    def socket(self, family=AF_INET, type=SOCK_STREAM, proto=IPPROTO_IP):
        return _socket.socket(family, type, proto, dev=self._dev)

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        """[(family, type, proto, '', (ip, port)), ...]; a name the module cannot resolve is
        gaierror, a DNS answer that never came OSError(ETIMEDOUT)."""
        try:
            return _socket.getaddrinfo(host, port, family, type, proto, flags, dev=self._dev)
        except OSError as e:
            if e.errno is not None and e.errno < 0:  # the EAI_* codes
                raise gaierror(*e.args) from None
            raise


create_default_context = _tls.create_default_context  # CircuitPython's ssl, on the module
