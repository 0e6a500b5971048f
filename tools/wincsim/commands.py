"""emulator: the command handler contract: Reply, CommandError and parameter checks.

A handler is `handler(module, request, reply) -> status or None (OK)`. It adds RSPs with
reply.rsp(...), or raises CommandError(status) before replying; the model sends the STATUS.
"""

from winc import _ids

from . import codec
from .names import INCORRECT_NUM_PARAMS

MAX_RSP_ELEMENTS = 12  # what the reference host can hold (§4.4, §11 item 14)


class CommandError(Exception):
    """Ends a command with an error STATUS; RSPs added before it are discarded."""

    def __init__(self, status, reason=""):
        super().__init__(reason or "status 0x%04x" % status)
        self.status = status


class Reply:
    """What one command produces besides its STATUS."""

    def __init__(self):
        self.responses = []  # element lists, one per RSP, in order
        self.after_status = []  # callables run once the host has read the STATUS
        self.sock = None  # the socket id the command concerns, for hold(kind, sock)

    def rsp(self, *elements):
        if len(elements) > MAX_RSP_ELEMENTS:
            raise ValueError("RSP of %d elements (the host holds %d)" % (
                len(elements), MAX_RSP_ELEMENTS))
        self.responses.append(elements)

    def on_status_read(self, fn):
        self.after_status.append(fn)


def expect_count(request, low, high=None):
    """The parameter count is within [low, high], else INCORRECT_NUM_PARAMS."""
    n = len(request.elements)
    if n < low or (high is not None and n > high):
        raise CommandError(INCORRECT_NUM_PARAMS, "%d parameters" % n)


def integer(el):
    """The value of an integer-class element (any width 1-4), else INVALID_PARAMETER."""
    if el.type not in codec.INTEGER_CLASS or not el.data:
        raise CommandError(_ids.INVALID_PARAMETER, "%s where an integer belongs" % el.code)
    return el.value


def text(el):
    """The bytes of a text or data parameter (STRING or BYTE_ARRAY), else None.

    A quoted AT parameter that reads as an address or a time is typed as one (§9.1), yet it is
    text where text belongs (an SSID, a file name, data): it keeps its text (at.TextElement).
    """
    if el.type in (_ids.T_STRING, _ids.T_BYTES):
        return el.data
    return getattr(el, "text", None)


def param_id(el):
    """(id, index) of a configuration parameter id; index None for a plain id.

    INTEGER_FRAC "a.b" is (a, b). [INFERRED] a plain integer >= 0x10000 is read as
    (value >> 16, value & 0xFFFF): the reference helper sends indexed ids 1.x that way (§5.3).
    """
    if el.type == _ids.T_FRAC and len(el.data) == 4:
        return tuple(int(p) for p in el.value.split("."))
    value = integer(el)
    return (value >> 16, value & 0xFFFF) if value > 0xFFFF else (value, None)
