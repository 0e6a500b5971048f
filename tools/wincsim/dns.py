"""emulator feature: DNS (spec §7.4): DNSRESOLV answered from a table of loopback addresses.

No query leaves the machine. The table, the scripted errors and the delay belong to the emulated
network, not to the firmware: they survive module resets, while queries in flight do not.
"""

import ipaddress

from winc import _ids

from .commands import CommandError, expect_count, integer, text
from .config import ConfigTable, Param
from .names import status_code

OPTIONS = {}

TYPE_A = 1
TYPE_AAAA = 28
TYPE_ANY = 255
_MAX_NAME = 256  # §6.5: DNS query name <= 256 bytes
_DEFAULT_TABLE = {"localhost": ["127.0.0.1", "::1"]}

# Statuses the spec has and winc._ids has no constant for.
DNS_TYPE_NOT_SUPPORTED = status_code("DNS_TYPE_NOT_SUPPORTED")


def loopback(address):
    """The ip_address of a loopback literal (127.0.0.0/8 or ::1); ValueError otherwise."""
    parsed = ipaddress.ip_address(address)
    if not parsed.is_loopback:
        raise ValueError("%s is not a loopback address" % address)
    return parsed


class Resolver:
    """Name -> addresses, scripted errors and the answer delay; names compare case-blind."""

    def __init__(self):
        self.table = {}
        self.errors = {}
        self.delay_ms = 0
        for name, addrs in _DEFAULT_TABLE.items():
            self.set_answer(name, addrs)

    def set_answer(self, name, addrs):
        if not isinstance(name, str) or not name:
            raise ValueError("DNS name %r" % (name,))
        parsed = [loopback(a) for a in addrs]  # all checked before anything changes
        if parsed:
            self.table[name.lower()] = parsed
        else:
            self.table.pop(name.lower(), None)

    def set_error(self, name, status):
        if status is None or status_code(status) == _ids.OK:
            self.errors.pop(name.lower(), None)
        else:
            self.errors[name.lower()] = status_code(status)

    def set_delay(self, ms):
        if not isinstance(ms, (int, float)) or ms < 0:
            raise ValueError("dns_delay %r" % (ms,))
        self.delay_ms = ms

    def answer(self, name, record_type):
        """(status, [(record type, address)]): status OK with at least one address, or why not."""
        key = name.lower()
        if key in self.errors:
            return self.errors[key], []
        addrs = self.table.get(key)
        if addrs is None:
            return _ids.DNS_NON_EXISTENT_DOMAIN, []
        records = [(TYPE_A if a.version == 4 else TYPE_AAAA, a) for a in addrs]
        # ANY asks A then AAAA (§7.4; DNS_PROTO_PREF default), so A records come first.
        records = sorted(records, key=lambda r: r[0])
        if record_type != TYPE_ANY:
            records = [r for r in records if r[0] == record_type]
        if not records:
            return _ids.DNS_RECORD_NOT_FOUND, []
        return _ids.OK, records


# DNSC (§7.4): the resolver's settings. [INFERRED] DNS_SVR holds IPv4 servers only here; the
# answers come from the table above whatever the settings say.
DNSC_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(1, "DNS_SVR", "IPV4", None, indices=range(4)),
    Param(2, "DNS_AUTO", "BOOL", 1),
    Param(3, "DNS_TIMEOUT", "U2", 5000),
    Param(4, "DNS_PROTO_PREF", "U1", 1, limit=(1, 4)),
    Param(6, "DNS_CACHE_TTL", "U2", 0),
    Param(10, "DNS_SRV_PORT", "U2", 53),
)


def boot(module):
    module.state["dnsc"] = ConfigTable(DNSC_PARAMS)


def dnsc(module, request, reply):
    expect_count(request, 0, 2)
    module.state["dnsc"].serve(reply, request.elements)


def setup(module):
    module.env["dns"] = Resolver()


def resolver(module):
    return module.env["dns"]


def lookup(module, name, version):
    """The first address of IP `version` (4 or 6) for `name`, as a string; None if none.

    For SOCKBR with a host name: answered at once, ignoring dns_delay.
    """
    status, records = resolver(module).answer(name, TYPE_A if version == 4 else TYPE_AAAA)
    return str(records[0][1]) if status == _ids.OK else None


def dnsresolv(module, request, reply):
    # §7.4: STATUS first, then one AEC per address or one DNSERR, after dns_delay.
    expect_count(request, 2, 2)
    record_type = integer(request.elements[0])
    name_el = request.elements[1]
    data = text(name_el)
    if data is None or not 1 <= len(data) <= _MAX_NAME:
        raise CommandError(_ids.INVALID_PARAMETER, "query name %r" % (name_el,))
    if record_type < 1:
        raise CommandError(_ids.INVALID_PARAMETER, "record type %d" % record_type)
    if record_type not in (TYPE_A, TYPE_AAAA, TYPE_ANY):
        raise CommandError(DNS_TYPE_NOT_SUPPORTED, "record type %d" % record_type)
    name = data.decode("utf-8", "surrogateescape")
    dns = resolver(module)
    status, records = dns.answer(name, record_type)  # decided now, delivered later

    def deliver():
        if status != _ids.OK:
            module.post_aec(_ids.AEC_DNSERR, (("STATUS", status), ("U1", record_type),
                                              ("STR", name)))
        for rtype, address in records:
            module.post_aec(_ids.AEC_DNSRESOLV, (("U1", rtype), ("STR", name),
                                                 ("IPV4" if rtype == TYPE_A else "IPV6",
                                                  str(address))))

    # Even with no delay the answer goes out at the next poll: after this command's STATUS.
    module.later(dns.delay_ms / 1000, deliver)


COMMANDS = {
    _ids.DNSC: dnsc,
    _ids.DNSRESOLV: dnsresolv,
}
