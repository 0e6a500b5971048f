"""emulator feature: the soft AP, its DHCP server and ASSOC (spec §7.2, §7.10).

The radio is wifi.py's: association ids come from the station's counter (one space per boot),
the regulatory domain of WIFIC limits the AP's channel, and ASSOC lists the station's link
beside the AP's stations. Stations are emulated: the ap_* control methods make them join and
leave. The AP, its stations and their leases are firmware state and die with a reset.
"""

import errno
import ipaddress

from winc import _ids

from . import wifi
from .commands import CommandError, expect_count, integer, param_id
from .config import ConfigTable, Param
from .names import aec_id, status_code

OPTIONS = {}

# Statuses the spec has and winc._ids has no constant for; the AEC by name, as the
# driver's constants list only what the driver uses.
WAP_STOP_REFUSED = status_code("WAP_STOP_REFUSED")
WAP_START_REFUSED = status_code("WAP_START_REFUSED")
WAP_START_FAILED = status_code("WAP_START_FAILED")
UNSUPPORTED_SEC_TYPE = status_code("UNSUPPORTTED_SEC_TYPE")  # (sic) the spec's spelling
ASSOC_NOT_FOUND = status_code("ASSOC_NOT_FOUND")
AEC_ASSOC = aec_id("ASSOC")

MAX_STATIONS = 10  # §7.10: up to 10 stations in hotspot mode
POOL_SIZE = 10  # [INFERRED] one lease per possible station
STATION_RSSI = -40  # [INFERRED] what ASSOC reports for every emulated station: close by
AP_LINK, STA_LINK = 0, 1  # ASSOC's AP_STA element (§6.5): a station on the AP, the own link

_SECURITY = (0, 2, 3, 4, 5)  # §7.10: open, WPA2 mixed, WPA2, WPA3 transition, WPA3
_PERSONAL = (2, 3, 4, 5)  # these need a passphrase
# [INFERRED] the emulator's network is loopback, so are the pool and the gateway.
_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")

# Parameter ids the model acts on.
SSID, SEC_TYPE, CREDENTIALS, CHANNEL, HIDDEN = 1, 2, 3, 4, 5
ENABLED, POOL_START, POOL_END, POOL_LEASES, GATEWAY = 1, 2, 3, 4, 10

WAPC_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(1, "SSID", "STR", "", limit=32),
    Param(2, "SEC_TYPE", "I4", 3),  # checked when the AP starts: UNSUPPORTTED_SEC_TYPE then
    Param(3, "CREDENTIALS", "STR", "", limit=128),
    Param(4, "CHANNEL", "I4", 1, limit=(1, 13)),
    Param(5, "HIDDEN", "BOOL", 0, limit=(0, 1)),
    Param(8, "NETIF_IDX", "U1", 1, limit=(0, 1)),
    Param(9, "REKEY_INTERVAL", "U4", 3600, limit=(60, 86400)),
    Param(50, "MFP_TYPE", "I4", 1, limit=(0, 2)),
)

DHCPSC_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(1, "ENABLED", "BOOL", 1, limit=(0, 1)),
    Param(2, "POOL_START", "IPV4", "127.0.1.100"),
    Param(3, "POOL_END", "IPV4", "127.0.1.109", read_only=True),  # POOL_START + 9
    Param(4, "POOL_LEASES", "I4", 0, read_only=True),  # leases in use
    Param(5, "NETIF_IDX", "I4", 1, limit=(0, 1)),
    Param(10, "GATEWAY", "IPV4", "127.0.1.1"),
)


class SoftAP:
    """Per-boot state: the WAPC and DHCPSC tables, the AP while it runs and its stations."""

    def __init__(self):
        self.wapc = ConfigTable(WAPC_PARAMS)
        self.dhcps = ConfigTable(DHCPSC_PARAMS)
        self.running = None  # the settings it started with (settings()) while it runs
        self.stations = {}  # mac -> {"assoc", "mac", "address"}, in the order they joined

    def settings(self):
        """What WAPC holds now: the AP started now would run with these."""
        cfg = self.wapc
        return {"ssid": cfg.setting(SSID), "channel": cfg.setting(CHANNEL),
                "security": cfg.setting(SEC_TYPE), "passphrase": cfg.setting(CREDENTIALS),
                "hidden": bool(cfg.setting(HIDDEN))}

    def lease(self):
        """The lowest free pool address, or None."""
        start = ipaddress.IPv4Address(self.dhcps.setting(POOL_START))
        taken = {s["address"] for s in self.stations.values()}
        free = (str(start + i) for i in range(POOL_SIZE) if str(start + i) not in taken)
        return next(free, None)

    def stop(self):
        """The AP goes down; the stations that were on it, in the order they joined."""
        gone = list(self.stations.values())
        self.running = None
        self.stations = {}
        return gone


def boot(module):
    module.state["softap"] = SoftAP()


def _left(module, station):
    module.post_aec(_ids.AEC_WAPSD, (("U2", station["assoc"]), ("MAC", station["mac"])))


# -- WAPC / WAP ----------------------------------------------------------------------------------


def wapc(module, request, reply):
    expect_count(request, 0, 2)
    # [INFERRED] a running AP keeps the settings it started with; changes apply at the next start.
    module.state["softap"].wapc.serve(reply, request.elements)


def wap(module, request, reply):
    expect_count(request, 0, 1)
    ap = module.state["softap"]
    if not request.elements:
        reply.rsp(("I4", 1 if ap.running else 0))
        return
    state = integer(request.elements[0])
    if state == 1:
        _start(module, ap)
    elif state == 0:
        if not ap.running:
            raise CommandError(WAP_STOP_REFUSED, "the soft AP is not running")
        gone = ap.stop()
        # Every station loses its association: one WAPSD each, after this command's STATUS.
        module.later(0, lambda: [_left(module, station) for station in gone])
    else:
        raise CommandError(_ids.INVALID_PARAMETER, "state %d" % state)


def _start(module, ap):
    if ap.running:
        raise CommandError(WAP_START_REFUSED, "the soft AP is running")
    settings = ap.settings()
    if not settings["ssid"]:
        raise CommandError(WAP_START_REFUSED, "no SSID")
    if settings["security"] not in _SECURITY:
        raise CommandError(UNSUPPORTED_SEC_TYPE, "SEC_TYPE %d" % settings["security"])
    # [INFERRED] a WPA passphrase has 8-63 characters; the firmware cannot derive a key otherwise.
    if settings["security"] in _PERSONAL and not 8 <= len(settings["passphrase"]) <= 63:
        raise CommandError(WAP_START_FAILED, "passphrase of %d characters" % len(
            settings["passphrase"]))
    # [INFERRED] the radio may not transmit on a channel the regulatory domain masks.
    if not module.state["wifi"].channel_mask() >> (settings["channel"] - 1) & 1:
        raise CommandError(WAP_START_FAILED, "channel %d is masked" % settings["channel"])
    ap.running = settings  # no AEC: STATUS OK says the AP is up


# -- DHCPSC --------------------------------------------------------------------------------------


def dhcpsc(module, request, reply):
    expect_count(request, 0, 3)
    if not request.elements:
        reply.rsp(("I4", 0))  # the pool list: pool 0 only (§7.2)
        return
    pool = integer(request.elements[0])
    if pool != 0:
        raise CommandError(_ids.INVALID_PARAMETER, "pool %d" % pool)
    ap = module.state["softap"]
    table = ap.dhcps
    elements = request.elements[1:]
    ident = param_id(elements[0]) if len(elements) == 2 else None
    if ident in ((POOL_START, None), (GATEWAY, None)):
        # The whole pool must fit in loopback: the last lease is POOL_START + 9.
        _check_loopback(elements[1], POOL_SIZE - 1 if ident[0] == POOL_START else 0)
    # The read-only values are derived: the pool's end and the leases handed out.
    start = ipaddress.IPv4Address(table.setting(POOL_START))
    table.values[POOL_END] = str(start + POOL_SIZE - 1)
    table.values[POOL_LEASES] = sum(1 for s in ap.stations.values() if s["address"])
    table.serve(reply, elements)


def _check_loopback(el, span):
    # An 8-byte address/mask or an empty TLV (which would clear it) has no place here either.
    if el.type != _ids.T_IPV4 or len(el.data) != 4:
        raise CommandError(_ids.INVALID_PARAMETER, "%s where an IPv4 address belongs" % el.code)
    first = ipaddress.IPv4Address(el.data)
    if first not in _LOOPBACK or first + span not in _LOOPBACK:
        raise CommandError(_ids.INVALID_PARAMETER, "%s is outside 127.0.0.0/8" % first)


# -- ASSOC ---------------------------------------------------------------------------------------


def assoc(module, request, reply):
    expect_count(request, 0, 1)
    found = []  # (assoc id, AEC elements)
    own = wifi.link(module)
    if own is not None:
        ident, bssid, rssi = own
        found.append((ident, (("U2", ident), ("I4", STA_LINK), ("MAC", bssid), ("I4", rssi))))
    for station in module.state["softap"].stations.values():
        ident = station["assoc"]
        found.append((ident, (("U2", ident), ("I4", AP_LINK), ("MAC", station["mac"]),
                              ("I4", STATION_RSSI))))
    found.sort(key=lambda item: item[0])  # [INFERRED] in id order
    if request.elements:
        wanted = integer(request.elements[0])
        found = [item for item in found if item[0] == wanted]
        if not found:
            raise CommandError(ASSOC_NOT_FOUND, "association %d" % wanted)
    # One AEC per association, after the STATUS; none at all when there is none.
    module.later(0, lambda: [module.post_aec(AEC_ASSOC, elements) for _, elements in found])


COMMANDS = {
    _ids.DHCPSC: dhcpsc,
    _ids.WAPC: wapc,
    _ids.WAP: wap,
    _ids.ASSOC: assoc,
}


# -- control methods (Module.ap_*) ---------------------------------------------------------------


def join(module, mac, passphrase=""):
    ap = module.state.get("softap")
    if ap is None or not ap.running:
        raise OSError(errno.ENETDOWN, "the soft AP is not running")
    mac = wifi.check_mac(mac)
    if not isinstance(passphrase, str):
        raise ValueError("passphrase %r" % (passphrase,))
    if mac in ap.stations:
        raise ValueError("%s is associated already" % mac)
    if len(ap.stations) >= MAX_STATIONS:
        raise ValueError("the soft AP has %d stations already" % MAX_STATIONS)
    # Open networks take any passphrase, as the station's own join does (wifi._accepts).
    if ap.running["security"] in _PERSONAL and passphrase != ap.running["passphrase"]:
        raise ValueError("wrong passphrase")
    ident = module.state["wifi"].next_assoc()
    address = ap.lease() if ap.dhcps.setting(ENABLED) else None
    ap.stations[mac] = {"assoc": ident, "mac": mac, "address": address}
    module.post_aec(_ids.AEC_WAPSC, (("U2", ident), ("MAC", mac)))
    if address is not None:
        module.post_aec(_ids.AEC_WAPAIP, (("U2", ident), ("IPV4", address)))
    return {"assoc": ident, "address": address}


def leave(module, mac):
    ap = module.state.get("softap")
    station = None if ap is None else ap.stations.pop(wifi.check_mac(mac), None)
    if station is None:
        raise KeyError(mac)
    _left(module, station)  # its lease goes back to the pool with it


def state(module):
    ap = module.state.get("softap") or SoftAP()  # booting or held in reset: nothing runs
    shown = ap.running or ap.settings()
    return {"running": ap.running is not None, "ssid": shown["ssid"],
            "channel": shown["channel"], "security": shown["security"],
            "stations": [dict(s) for s in ap.stations.values()]}
