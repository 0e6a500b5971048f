"""net: module services that answer by event: PING, the clock (TIME) and SNTP (spec §7.11).

Each call sends its command and pumps until the module's AEC comes back (or the deadline);
Device.ping(), time(), settime() and ntp() are the front door.
"""

from . import _addr, _ids, tlv
from ._compat import const, ticks_add, ticks_diff, ticks_ms
from .device import Command

_EHOSTUNREACH = const(113)
_ETIMEDOUT = const(110)
_FORMAT_UNIX = const(1)
_SNTP_ENABLED = const(1)  # SNTPC parameter ids
_SNTP_STATIC = const(2)
_SNTP_SERVER = const(3)


def _await(dev, answer_ids, cmd_id, params, timeout_ms, accept=None):
    """Send cmd_id and pump until one of the AECs in answer_ids arrives (and accept(msg), if
    given, takes it: a late answer to an earlier call is not this one's): (aec id, values)."""
    got = []

    def keep(msg):
        if not got and (accept is None or accept(msg)):
            got.append((msg.id, msg.values()))

    for aec in answer_ids:
        dev.subscribe(aec, keep)
    try:
        dev.call(cmd_id, params)
        deadline = ticks_add(ticks_ms(), timeout_ms)
        while not got:
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0:
                raise OSError(_ETIMEDOUT, "no answer from the module")
            dev.pump(left)
    finally:
        for aec in answer_ids:
            dev.unsubscribe(aec, keep)
    return got[0]


def ping(dev, host, timeout_ms=5000):
    """Round-trip time in ms of an ICMP echo the module sends to host (name or literal);
    OSError(EHOSTUNREACH) when it gets no answer."""
    found = _addr.literal(host)
    accept = None
    if found is None:
        target = (tlv.STR, host)
    else:
        target = (tlv.IPV4 if found[0] == 2 else tlv.IPV6, found[1])

        def accept(msg):  # a PING answer names its address; PINGERR cannot be told apart
            return msg.id == _ids.AEC_PINGERR or msg.bytes(0) == found[1]

    aec, values = _await(dev, (_ids.AEC_PING, _ids.AEC_PINGERR), _ids.PING, target, timeout_ms,
                         accept)
    if aec == _ids.AEC_PINGERR:
        raise OSError(_EHOSTUNREACH, "ping %s: status 0x%04x" % (host, values[0]))
    return values[1]


def time(dev, timeout_ms=5000):
    """The module's clock: UTC seconds since 1970 (the module counts from 0 until it is set
    or synchronised)."""
    aec, values = _await(dev, (_ids.AEC_TIME,), _ids.TIME, (tlv.U1, _FORMAT_UNIX), timeout_ms)
    return values[0]


def settime(dev, seconds):
    """Set the module's clock to UTC seconds since 1970."""
    if not isinstance(seconds, int) or not 0 <= seconds <= 0xFFFFFFFF:
        raise ValueError("seconds since 1970, 0..2**32-1")
    dev.call(_ids.TIME, (tlv.U1, _FORMAT_UNIX, tlv.U4, seconds))


def ntp(dev, server=None, enable=True):
    """Keep the module's clock by SNTP: from `server` (a name or literal), or from the servers
    DHCP gave when server is None. Returns at once; time() is right once the module synced."""
    cmds = []
    if enable:
        if server is None:
            cmds.append((tlv.U4, _SNTP_STATIC, tlv.BOOL, 0))
        else:
            cmds.append((tlv.U4, _SNTP_STATIC, tlv.BOOL, 1))
            cmds.append((tlv.U4, _SNTP_SERVER, tlv.STR, server))
    cmds.append((tlv.U4, _SNTP_ENABLED, tlv.BOOL, 1 if enable else 0))
    dev.run([Command(_ids.SNTPC, params) for params in cmds])
