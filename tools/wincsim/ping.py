"""emulator feature: PING (spec §7.11) on the emulated network, where only loopback answers.

No packet is sent. A loopback target, given as an address or as a name the emulator's DNS table
resolves, answers `ping_ms` after the STATUS with a round trip of `ping_rtt_ms`; any other
target gets PINGERR, as an unreachable host would. ping_fail() (a Module control) makes every
ping fail; like the DNS table it belongs to the network and survives resets.
"""

import ipaddress

from winc import _ids

from . import dns
from .commands import CommandError, expect_count, integer
from .names import status_code

OPTIONS = {
    "ping_ms": 5,  # PING STATUS -> PING or PINGERR
    "ping_rtt_ms": 3,  # the round trip a PING AEC reports
}

PING_FAILED = status_code("PING_FAILED")  # winc._ids has no constant for it

_MAX_NAME = 256  # [INFERRED] as for DNSRESOLV (§6.5)


def check_options(options):
    value = options["ping_ms"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("option ping_ms=%r out of range" % (value,))
    value = options["ping_rtt_ms"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0x7FFFFFFF:
        raise ValueError("option ping_rtt_ms=%r out of range" % (value,))


def setup(module):
    module.env["ping_fail"] = False


def set_fail(module, fail):
    if not isinstance(fail, bool):
        raise ValueError("ping_fail(%r): True or False" % (fail,))
    module.env["ping_fail"] = fail


def _target(el, version):
    """The ip_address of a literal target, or the host name to resolve (a str)."""
    if el.type in (_ids.T_IPV4, _ids.T_IPV6):
        if len(el.data) not in (4, 16):  # a mask or prefix means nothing to ping
            raise CommandError(_ids.INVALID_PARAMETER, "target %r" % (el.value,))
        address = ipaddress.ip_address(el.value)
    elif el.type in (_ids.T_STRING, _ids.T_BYTES) and 1 <= len(el.data) <= _MAX_NAME:
        text = el.data.decode("utf-8", "surrogateescape")
        try:
            address = ipaddress.ip_address(text)  # [INFERRED] a literal sent as text counts
        except ValueError:
            return text
    else:
        raise CommandError(_ids.INVALID_PARAMETER, "%s where a target belongs" % el.code)
    if version not in (None, address.version):
        # [INFERRED] an IPv4 address cannot be pinged over IPv6 or the other way round.
        raise CommandError(_ids.INVALID_PARAMETER, "IPv%d target for IPv%d" % (
            address.version, version))
    return address


def ping(module, request, reply):
    expect_count(request, 1, 2)
    version = integer(request.elements[1]) if len(request.elements) == 2 else None
    if version not in (None, 4, 6):
        raise CommandError(_ids.INVALID_PARAMETER, "IP version %d" % version)
    target = _target(request.elements[0], version)
    # The echo goes out when the firmware gets to it: name, network and failures are looked
    # at then, after this command's STATUS.
    module.later(module.options["ping_ms"] / 1000,
                 lambda: _answer(module, target, version or 4))


def _answer(module, target, version):
    if isinstance(target, str):  # A for IPv4 (or no version given), AAAA for IPv6
        found = dns.lookup(module, target, version)
        target = ipaddress.ip_address(found) if found is not None else None
    if target is None or not target.is_loopback or module.env["ping_fail"]:
        module.post_aec(_ids.AEC_PINGERR, (("I4", PING_FAILED),))
        return
    module.post_aec(_ids.AEC_PING, (("IPV4" if target.version == 4 else "IPV6", str(target)),
                                    ("I4", module.options["ping_rtt_ms"])))


COMMANDS = {
    _ids.PING: ping,
}
