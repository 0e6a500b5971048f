"""emulator feature: the module's clock, TIME and SNTPC (spec §7.11).

[INFERRED] The clock is firmware state: every boot starts it at 0 (1970-01-01T00:00:00Z) and it
runs on module.now(). TIME sets it; an SNTP sync sets it to the host's real UTC time
(time.time()). The NTP server is emulated, no packet leaves the machine: a sync succeeds when
the configured server is reachable on the emulated network. sntp_fail() (a Module control)
makes every sync fail; it survives resets, as the network does.
"""

import calendar
import datetime
import ipaddress
import re
import time

from winc import _ids

from . import codec, dns, wifi
from .commands import CommandError, expect_count, integer, param_id, text
from .config import ConfigTable, Param
from .names import aec_id, status_code

OPTIONS = {"sntp_ms": 10}  # NTP_ENABLED set to 1 -> the sync's outcome

# Statuses the spec has and winc._ids has no constant for; the AEC by name, as the
# driver's constants list only what the driver uses.
SNTP_SERVER_TMO = status_code("SNTP_SERVER_TMO")
AEC_SNTPERR = aec_id("SNTPERR")

UTC_UNIX, UTC_NTP, RFC3339 = 1, 2, 3  # TIME formats (§6.5)
NTP_OFFSET = 2208988800  # seconds from the NTP epoch (1900) to the Unix epoch (1970)
_U4 = 1 << 32
# "YYYY-MM-DDTHH:MM:SS", optional fraction, "Z" (RFC 3339 lets T and Z be lower case).
_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?[Zz]\Z", re.ASCII)

# Parameter ids the model acts on.
NTP_ENABLED, NTP_STATIC, NTP_SVR = 1, 2, 3

SNTPC_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(1, "NTP_ENABLED", "BOOL", 0, limit=(0, 1)),
    Param(2, "NTP_STATIC", "BOOL", 0, limit=(0, 1)),  # 0: servers from DHCP, 1: NTP_SVR
    Param(3, "NTP_SVR", "STR", "pool.ntp.org", limit=128),  # an address is kept as its text
)


def check_options(options):
    value = options["sntp_ms"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("option sntp_ms=%r out of range" % (value,))


def setup(module):
    module.env["sntp_fail"] = False


class Clock:
    """Per-boot state: the clock (Unix seconds) and the SNTPC table with its sync under way."""

    def __init__(self, now):
        self._now = now
        self._base = 0.0  # Unix seconds at module time self._at
        self._at = now()
        self.sntpc = ConfigTable(SNTPC_PARAMS)
        self.sync = 0  # bumped to orphan a pending sync

    def unix(self):
        return self._base + (self._now() - self._at)

    def set(self, seconds):
        self._base, self._at = seconds, self._now()


def boot(module):
    module.state["clock"] = Clock(module.now)


def unix(module):
    """The module's time in whole Unix seconds; 0 while it boots or is held in reset."""
    clock = module.state.get("clock")
    return 0 if clock is None else int(clock.unix())


def set_fail(module, fail):
    if not isinstance(fail, bool):
        raise ValueError("sntp_fail(%r): True or False" % (fail,))
    module.env["sntp_fail"] = fail


# -- TIME ----------------------------------------------------------------------------------------


def _reading(fmt, seconds):
    seconds = int(seconds)
    if fmt == UTC_UNIX:
        return (("U4", seconds % _U4),)
    if fmt == UTC_NTP:
        return (("U4", (seconds + NTP_OFFSET) % _U4),)  # [INFERRED] NTP era 1 wraps to 0
    # [INFERRED] hundredths are always .00: the readings are whole seconds.
    return (("STR", time.strftime("%Y-%m-%dT%H:%M:%S.00Z", time.gmtime(seconds))),)


def _seconds(fmt, el):
    """Unix seconds from TIME's second parameter, else INVALID_PARAMETER."""
    if fmt != RFC3339:
        seconds = integer(el) - (NTP_OFFSET if fmt == UTC_NTP else 0)
        if not 0 <= seconds < _U4:
            raise CommandError(_ids.INVALID_PARAMETER, "%d seconds" % integer(el))
        return seconds
    data = text(el)  # an AT date-time is typed UTC_TIME but keeps its text (§9.1)
    if data is None:
        raise CommandError(_ids.INVALID_PARAMETER, "%s where a date-time belongs" % el.code)
    stamp = data.decode("utf-8", "surrogateescape")
    match = _RFC3339.match(stamp)
    try:
        if match is None:
            raise ValueError("not YYYY-MM-DDTHH:MM:SS[.ss]Z")
        fields = [int(field) for field in match.groups()[:6]]
        datetime.datetime(*fields)  # checks the month, the day, the hour...
    except ValueError as e:
        raise CommandError(_ids.INVALID_PARAMETER, "date-time %r: %s" % (stamp, e)) from None
    seconds = calendar.timegm(fields) + float(match.group(7) or 0)
    if not 0 <= seconds < _U4:
        raise CommandError(_ids.INVALID_PARAMETER, "date-time %r out of range" % stamp)
    return seconds


def time_(module, request, reply):
    # TIME, TIMEUTCSEC and TIMERFC share the id: one parameter queries, two set (§7.11).
    expect_count(request, 0, 2)
    fmt = integer(request.elements[0]) if request.elements else UTC_UNIX  # [INFERRED] default
    if fmt not in (UTC_UNIX, UTC_NTP, RFC3339):
        raise CommandError(_ids.INVALID_PARAMETER, "format %d" % fmt)
    clock = module.state["clock"]
    if len(request.elements) == 2:
        clock.set(_seconds(fmt, request.elements[1]))
        return
    elements = _reading(fmt, clock.unix())  # read now, delivered after the STATUS
    module.later(0, lambda: module.post_aec(_ids.AEC_TIME, elements))


# -- SNTPC ---------------------------------------------------------------------------------------


def sntpc(module, request, reply):
    expect_count(request, 0, 2)
    clock = module.state["clock"]
    elements = list(request.elements)
    ident = param_id(elements[0]) if elements else None
    if len(elements) == 2 and ident == (NTP_SVR, None):
        elements[1] = _server_text(elements[1])
    clock.sntpc.serve(reply, elements)
    if len(elements) < 2:
        return
    if ident == (NTP_ENABLED, None) and clock.sntpc.setting(NTP_ENABLED):
        # [INFERRED] every write of 1 starts a sync (a pending one is superseded).
        clock.sync += 1
        attempt = clock.sync
        module.later(module.options["sntp_ms"] / 1000, lambda: _sync(module, clock, attempt))
    elif not clock.sntpc.setting(NTP_ENABLED):
        clock.sync += 1  # disabled (or a PRESET): a pending sync does not happen


def _server_text(el):
    """NTP_SVR may be given as an address (§7.11): stored as its text, a STRING element."""
    if el.type in (_ids.T_IPV4, _ids.T_IPV6):
        if len(el.data) not in (4, 16):  # a mask or prefix is no server
            raise CommandError(_ids.INVALID_PARAMETER, "NTP server %r" % (el.value,))
        return codec.element("STR", str(ipaddress.ip_address(el.data)))
    return el


def _reachable(module, clock):
    cfg = clock.sntpc
    if not cfg.setting(NTP_STATIC):
        # [INFERRED] the servers come with the station's DHCP lease: no address, no server.
        return wifi.station(module)["address"] is not None
    server = cfg.setting(NTP_SVR)
    try:
        return ipaddress.ip_address(server).is_loopback
    except ValueError:
        pass  # a name: the DNS table answers only loopback addresses
    status, _ = dns.resolver(module).answer(server, dns.TYPE_ANY)
    return status == _ids.OK


def _sync(module, clock, attempt):
    if clock.sync != attempt:
        return  # disabled or restarted meanwhile
    if module.env["sntp_fail"] or not _reachable(module, clock):
        module.post_aec(AEC_SNTPERR, (("I4", SNTP_SERVER_TMO),))
        return
    clock.set(time.time())  # [INFERRED] no AEC: the spec names only SNTPERR


COMMANDS = {
    _ids.SNTPC: sntpc,
    _ids.TIME: time_,
}
