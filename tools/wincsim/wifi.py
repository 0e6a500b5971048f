"""emulator feature: Wi-Fi station, scan, network interfaces and the radio's WIFIC settings
(spec §7.3, §7.8, §7.9, §7.13).

The access points are the emulated surroundings, kept across resets in module.env["wifi"]; the
association, its address and a scan under way are firmware state and die with a reset. The soft
AP (softap.py) shares this radio: its association ids come from the same counter, and the
regulatory domain selected here limits its channel as it limits scans and joins.
"""

from winc import _ids

from . import codec
from .commands import CommandError, expect_count, integer, param_id
from .config import COMPLEX, ConfigTable, Param
from .names import status_code

OPTIONS = {
    "networks": None,  # a list of access point dicts; None: _DEFAULT_WORLD
    "mac": "02:57:49:4e:43:00",  # interface 0; interface 1 has the last byte + 1
    "join_ms": 20,  # WSTA(1) STATUS -> WSTALU or WSTAERR
    "dhcp_ms": 10,  # WSTALU -> WSTAAIP
    "scan_ms": 30,  # WSCN STATUS -> WSCNIND... WSCNDONE
}

# Statuses the spec has and winc._ids has no constant for.
STA_CONN_REFUSED = status_code("STA_CONN_REFUSED")
STA_CONN_FAILED = status_code("STA_CONN_FAILED")

IDLE, CONNECTING, CONNECTED = "idle", "connecting", "connected"

# Which station SEC_TYPE (§6.5) each access point SEC_TYPE lets in. [INFERRED] transition
# mode (4, "WPA2/WPA3") speaks both generations on either side, so a station set to 4 joins
# WPA2 and WPA3 networks alike; enterprise APs take only their own type.
_ACCEPTS = {0: (0,), 2: (2, 3, 4), 3: (2, 3, 4), 4: (2, 3, 4, 5), 5: (4, 5),
            6: (6,), 7: (7,), 8: (8,), 9: (9,)}
_PERSONAL = (2, 3, 4, 5)  # the passphrase must match; open and enterprise APs ignore it

_AP_DEFAULTS = {"channel": 6, "rssi": -50, "security": 3, "passphrase": "", "hidden": False}
_DEFAULT_WORLD = (
    {"ssid": "winc-lab", "bssid": "02:00:00:00:00:01", "channel": 6, "rssi": -48,
     "security": 3, "passphrase": "correct horse battery"},
    {"ssid": "winc-open", "bssid": "02:00:00:00:00:02", "channel": 1, "rssi": -71,
     "security": 0},
    {"ssid": "winc-wpa3", "bssid": "02:00:00:00:00:03", "channel": 11, "rssi": -60,
     "security": 5, "passphrase": "sae passphrase"},
    {"ssid": "winc-hidden", "bssid": "02:00:00:00:00:04", "channel": 3, "rssi": -55,
     "security": 3, "passphrase": "hidden passphrase", "hidden": True},
    # A second AP of winc-lab: something to roam to, and a weaker one to pin by BSSID.
    {"ssid": "winc-lab", "bssid": "02:00:00:00:00:05", "channel": 11, "rssi": -67,
     "security": 3, "passphrase": "correct horse battery"},
)

# The lease is the module's own loopback address (the sockets' `ipv4` option): the station's
# address must be the one its sockets really use. [INFERRED] a /8 and a router at .254.
_LEASE_MASK = "255.0.0.0"
_ROUTER = "127.0.0.254"

# Parameter ids the model acts on.
SSID, SEC_TYPE, CREDENTIALS, CHANNEL, BSSID = 1, 2, 3, 4, 5
DHCPC_EN, DHCPC_SRV_ADDR, IP_MASK, GATEWAY = 10, 13, 40, 41
SCAN_CHANNEL, RSSI_THRESH, ASYNC_NOTIFY, FILT_LIST, CHANMASK24, SCAN_RESULTS = 1, 6, 8, 10, 11, 20
REGDOMAIN_SELECTED, REGDOMAIN_CHANMASK24 = 10, 12

# The regulatory domains and their 2.4 GHz channel masks (bit n-1 = channel n). [INFERRED] the
# masks of GEN, USA (channels 1-11) and EMEA (1-13) are the usual ones; the custom domains are
# unknown and allow 1-13 like GEN.
REGDOMAINS = {"GEN": 0x1FFF, "USA": 0x07FF, "EMEA": 0x1FFF, "CUST1": 0x1FFF, "CUST2": 0x1FFF}

WSTAC_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(1, "SSID", "STR", "", limit=32),
    Param(2, "SEC_TYPE", "I4", 0, limit=(0, 9)),
    Param(3, "CREDENTIALS", "STR", "", limit=128),
    Param(4, "CHANNEL", "I4", 0, limit=(0, 13)),
    Param(5, "BSSID", "MAC", None),  # unset (an empty TLV): any
    Param(7, "CONN_TIMEOUT", "I4", 10000, limit=(0, 0x7FFFFFFF)),
    Param(8, "NETIF_IDX", "U1", 0, limit=(0, 1)),
    Param(9, "ROAMING", "I4", 1, limit=(0, 2)),
    # Enterprise settings are configuration surface only: no authentication is modelled.
    Param(20, "ENT_IDENT_PLAIN", "STR", "", limit=255),
    Param(21, "ENT_IDENT_PROT", "STR", "", limit=255),
    Param(25, "ENT_TUNN_METHOD", "I4", 0, limit=(0, 4)),
    Param(26, "ENT_TUNN_TLS_CONF", "I4", 0, limit=(0, 4)),
    Param(30, "ENT_CRED_TYPE", "I4", 0, limit=(0, 1)),
    Param(31, "ENT_CRED_TLS_CONF", "I4", 0, limit=(0, 4)),
    Param(32, "ENT_MSCHV2_UN", "STR", "", limit=255),
    Param(33, "ENT_MSCHV2_PW", "STR", "", limit=255),
    Param(50, "MFP_TYPE", "I4", 1, limit=(0, 2)),
    Param(51, "WPA3_TD", "BOOL", 0, limit=(0, 1)),
)

WSCNC_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(1, "CHANNEL", "U1", 0, limit=(0, 13)),
    # [INFERRED] slot settings: the firmware's defaults are not published; nothing uses them.
    Param(2, "ACT_SLOT_TIME", "U2", 20),
    Param(3, "PASV_SLOT_TIME", "U2", 120),
    Param(4, "NUM_SLOTS", "U1", 2),
    Param(5, "PROBES_PER_SLOT", "U1", 2),
    Param(6, "RSSI_THRESH", "I1", 0),
    Param(7, "SEC_FILTER", "U1", 0x77),  # the AT guide's example default; not applied
    Param(8, "ASYNC_NOTIFY", "BOOL", 1, limit=(0, 1)),
    Param(10, "FILT_LIST", "BA", None, indices=range(4), limit=32),
    Param(11, "CHANMASK24", "U2", 0x1FFF, limit=(0, 0x3FFF)),
    Param(20, "SCAN_RESULTS", COMPLEX, None, read_only=True, indices=range(8)),
)

WIFIC_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(10, "REGDOMAIN_SELECTED", "STR", "GEN", limit=6),
    Param(11, "REGDOMAIN_AVAILABLE", "STR", dict(enumerate(REGDOMAINS)), read_only=True,
          indices=range(6)),
    Param(12, "REGDOMAIN_CHANMASK24", "U2", REGDOMAINS["GEN"], read_only=True),
    Param(20, "POWERSAVE", "U1", 0, limit=(0, 1)),  # [INFERRED] range: off or on
    Param(21, "POWERSAVE_LISTEN_INTERVAL", "U2", 10, limit=(3, 100)),
    Param(22, "POWERSAVE_INACT_LIMIT", "U2", 100, limit=(10, 6000)),
    Param(40, "AMPDU_TX_ENABLED", "BOOL", 1, limit=(0, 1)),
)


def _netif_params(options, intf):
    ether = check_mac(options["mac"])
    if intf:
        ether = ether[:-2] + "%02x" % ((int(ether[-2:], 16) + 1) & 0xFF)
    return (
        Param(0, "PRESET", "I4", 0, preset=True),
        Param(1, "NAME", "STR", "wlan%d" % intf, read_only=True, limit=16),
        Param(2, "ETHER", "MAC", ether, read_only=True),
        Param(3, "HOSTNAME", "STR", "wincs02", limit=16),
        Param(10, "DHCPC_EN", "BOOL", 1, limit=(0, 1)),
        Param(11, "DHCPC_LEASE_START", "UTC", None, read_only=True),
        Param(12, "DHCPC_LEASE_ENDS", "UTC", None, read_only=True),
        Param(13, "DHCPC_SRV_ADDR", "IPV4", None, read_only=True),
        Param(20, "L2_ONLY", "BOOL", 0, limit=(0, 1)),
        Param(21, "L2_MONITOR_MODE", "U1", 0, limit=(0, 7)),
        Param(22, "L2_MONITOR_MAX_LEN", "U2", 0),
        Param(40, "IP_MASK", "IPV4", None),  # a static "address/mask"
        Param(41, "GATEWAY", "IPV4", None),
        Param(60, "IPV6_GLO_ADDR", "IPV6", None, indices=(0, 1)),
        Param(61, "IPV6_LL_ADDR", "IPV6", None, read_only=True),
        Param(62, "IPV6_GATEWAY", "IPV6", None),
    )


# -- the access points -------------------------------------------------------------------------


def check_mac(value):
    """'aa:bb:cc:dd:ee:ff' in lower case; ValueError unless it names six bytes."""
    if not isinstance(value, str) or not value:
        raise ValueError("MAC address %r" % (value,))
    return codec.element("MAC", value).value  # a CodecError is a ValueError


def _check_int(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError("%s %r (%d to %d)" % (name, value, low, high))


def access_point(ssid, bssid, channel=6, rssi=-50, security=3, passphrase="", hidden=False):
    """A checked access point dict, its bssid in lower case; ValueError for a bad value."""
    if not isinstance(ssid, str) or not 1 <= len(ssid.encode()) <= 32:
        raise ValueError("ssid %r (1-32 bytes)" % (ssid,))
    _check_int("channel", channel, 1, 13)
    _check_int("rssi", rssi, -128, -1)
    _check_int("security", security, 0, 9)
    if security not in _ACCEPTS:
        raise ValueError("security %d is no SEC_TYPE" % security)
    if not isinstance(passphrase, str) or len(passphrase.encode()) > 128:
        raise ValueError("passphrase %r (0-128 bytes)" % (passphrase,))
    if not isinstance(hidden, bool):
        raise ValueError("hidden %r" % (hidden,))
    return {"ssid": ssid, "bssid": check_mac(bssid), "channel": channel, "rssi": rssi,
            "security": security, "passphrase": passphrase, "hidden": hidden}


def _world(entries):
    """The list of access points of the `networks` option."""
    if entries is None:
        entries = _DEFAULT_WORLD
    if not isinstance(entries, (list, tuple)):
        raise ValueError("option networks=%r is not a list" % (entries,))
    world = []
    for entry in entries:
        if not isinstance(entry, dict) or not {"ssid", "bssid"} <= set(entry) or (
                set(entry) - set(_AP_DEFAULTS) - {"ssid", "bssid"}):
            raise ValueError("network %r: ssid, bssid and %s" % (entry, ", ".join(_AP_DEFAULTS)))
        ap = access_point(**entry)
        if any(other["bssid"] == ap["bssid"] for other in world):
            raise ValueError("two networks with bssid %s" % ap["bssid"])
        world.append(ap)
    return world


def _find(module, bssid):
    """The index of access point `bssid` in the world; KeyError if there is none."""
    bssid = check_mac(bssid)
    for i, ap in enumerate(module.env["wifi"]):
        if ap["bssid"] == bssid:
            return i
    raise KeyError(bssid)


def check_options(options):
    _world(options["networks"])
    check_mac(options["mac"])
    for name in ("join_ms", "dhcp_ms", "scan_ms"):
        value = options[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError("option %s=%r out of range" % (name, value))


def setup(module):
    module.env["wifi"] = _world(module.options["networks"])


# -- firmware state ------------------------------------------------------------------------------


class Netif(ConfigTable):
    """One interface's NETIFC table; while a DHCP lease is held, its values show over it."""

    def __init__(self, params):
        super().__init__(params)
        self.lease = {}  # parameter id -> leased value; empty without a lease

    def serve(self, reply, elements):
        if len(elements) > 1 or not self.lease:
            super().serve(reply, elements)  # a write goes to the stored configuration
            return
        stored, self.values = self.values, dict(self.values)
        self.values.update(self.lease)
        try:
            super().serve(reply, elements)
        finally:
            self.values = stored


class Station:
    """Per-boot state: the WSTAC, NETIFC, WSCNC and WIFIC tables, the link and a scan under way."""

    def __init__(self, options):
        self.wstac = ConfigTable(WSTAC_PARAMS)
        self.netifs = (Netif(_netif_params(options, 0)), Netif(_netif_params(options, 1)))
        self.wscnc = ConfigTable(WSCNC_PARAMS)
        self.wific = ConfigTable(WIFIC_PARAMS)
        self.state = IDLE
        self.attempt = 0  # bumped to orphan the timers of a cancelled attempt or a lost link
        self.last_assoc = 0
        self.assoc = self.ssid = self.bssid = self.channel = self.address = None
        self.scanning = False

    def begin(self):
        self.attempt += 1
        self.state = CONNECTING
        return self.attempt

    def next_assoc(self):
        """A new association id, 1-65535 (§6.5). [INFERRED] the station's link and the soft
        AP's stations draw from one space per boot, so ASSOC ids never clash."""
        self.last_assoc = self.last_assoc % 0xFFFF + 1
        return self.last_assoc

    def channel_mask(self):
        """The channels the selected regulatory domain allows (bit n-1 = channel n)."""
        return self.wific.get(REGDOMAIN_CHANMASK24)

    def associate(self, ap):
        self.state = CONNECTED
        self.assoc = self.next_assoc()
        self.ssid, self.bssid, self.channel = ap["ssid"], ap["bssid"], ap["channel"]
        return self.assoc

    def drop(self):
        """Back to idle; the association id it had, or None if it was not associated."""
        assoc = self.assoc
        self.attempt += 1
        self.state = IDLE
        self.assoc = self.ssid = self.bssid = self.channel = self.address = None
        self.netifs[0].lease = {}
        return assoc


def boot(module):
    module.state["wifi"] = Station(module.options)


# -- station -------------------------------------------------------------------------------------


def wstac(module, request, reply):
    expect_count(request, 0, 2)
    module.state["wifi"].wstac.serve(reply, request.elements)


def wsta(module, request, reply):
    expect_count(request, 0, 1)
    sta = module.state["wifi"]
    if not request.elements:
        # One element, as in the API reference's example (§7.8's table lists ASSOC_ID too).
        reply.rsp(("I4", 1 if sta.state == CONNECTED else 0))
        return
    state = integer(request.elements[0])
    if state == 1:
        if sta.state != IDLE:
            raise CommandError(STA_CONN_REFUSED, "station %s" % sta.state)
        _connect(module, sta)
    elif state == 0:
        # [INFERRED] no error when idle; an attempt is cancelled, a link reports WSTALD.
        assoc = sta.drop()
        if assoc is not None:  # at the next poll: after this command's STATUS
            module.later(0, lambda: module.post_aec(_ids.AEC_WSTALD, (("U2", assoc),)))
    else:
        raise CommandError(_ids.INVALID_PARAMETER, "state %d" % state)


def _connect(module, sta):
    # The settings are read when the attempt starts, the access points when it ends.
    cfg = sta.wstac
    want = (cfg.setting(SSID), cfg.get(BSSID), cfg.setting(CHANNEL),
            cfg.setting(SEC_TYPE), cfg.setting(CREDENTIALS), sta.channel_mask())
    attempt = sta.begin()
    module.later(module.options["join_ms"] / 1000, lambda: _join(module, sta, attempt, *want))


def _accepts(ap, security, credentials):
    if security not in _ACCEPTS[ap["security"]]:
        return False
    return ap["security"] not in _PERSONAL or credentials == ap["passphrase"]


def _join(module, sta, attempt, ssid, bssid, channel, security, credentials, mask):
    if sta.attempt != attempt:
        return  # cancelled by WSTA(0)
    # [INFERRED] an AP on a channel the regulatory domain masks is as good as absent.
    found = [ap for ap in module.env["wifi"] if ap["ssid"] == ssid
             and bssid in (None, ap["bssid"]) and channel in (0, ap["channel"])
             and mask >> (ap["channel"] - 1) & 1]
    if not found:
        sta.drop()
        # [INFERRED] no such network in range: TIMEOUT, as the firmware gives up looking.
        module.post_aec(_ids.AEC_WSTAERR, (("I4", _ids.TIMEOUT),))
        return
    ap = max(found, key=lambda ap: ap["rssi"])  # the first of equals, in the world's order
    if not _accepts(ap, security, credentials):
        sta.drop()
        module.post_aec(_ids.AEC_WSTAERR, (("I4", STA_CONN_FAILED),))  # [INFERRED] code
        return
    assoc = sta.associate(ap)
    module.post_aec(_ids.AEC_WSTALU, (("U2", assoc), ("MAC", ap["bssid"]),
                                      ("I4", ap["channel"])))
    netif = sta.netifs[0]
    if netif.setting(DHCPC_EN):
        module.later(module.options["dhcp_ms"] / 1000, lambda: _lease(module, sta, attempt))
    elif netif.get(IP_MASK):
        # [INFERRED] a static address is announced at once, like a lease.
        sta.address = netif.get(IP_MASK).split("/")[0]
        module.post_aec(_ids.AEC_WSTAAIP, (("U2", assoc), ("IPV4", sta.address)))


def _lease(module, sta, attempt):
    if sta.attempt != attempt:
        return  # the link went down first
    sta.address = address = module.options["ipv4"]
    sta.netifs[0].lease = {IP_MASK: "%s/%s" % (address, _LEASE_MASK), GATEWAY: _ROUTER,
                           DHCPC_SRV_ADDR: _ROUTER}
    module.post_aec(_ids.AEC_WSTAAIP, (("U2", sta.assoc), ("IPV4", address)))


def netifc(module, request, reply):
    expect_count(request, 0, 3)
    if not request.elements:
        reply.rsp(("I4", 0), ("I4", 1))  # the interface list
        return
    intf = integer(request.elements[0])
    if intf not in (0, 1):
        raise CommandError(_ids.INVALID_PARAMETER, "interface %d" % intf)
    module.state["wifi"].netifs[intf].serve(reply, request.elements[1:])


# -- scan ----------------------------------------------------------------------------------------


def wscnc(module, request, reply):
    expect_count(request, 0, 2)
    table = module.state["wifi"].wscnc
    elements = request.elements
    if elements:
        ident, index = param_id(elements[0])
        if ident == FILT_LIST and len(elements) == 2 and not elements[1].data:
            # "" clears the whole list through the plain id, one slot through 10.n (AT guide).
            slots = table.get(FILT_LIST)
            if index is not None and index not in slots:
                raise CommandError(_ids.INVALID_PARAMETER, "no parameter 10.%d" % index)
            for i in slots if index is None else (index,):
                slots[i] = None
            return
    table.serve(reply, elements)


def wscn(module, request, reply):
    expect_count(request, 1, 1)
    active = integer(request.elements[0])
    if active not in (0, 1):
        raise CommandError(_ids.INVALID_PARAMETER, "actPasv %d" % active)
    sta = module.state["wifi"]
    if sta.scanning:
        raise CommandError(_ids.ERROR, "a scan is under way")  # [INFERRED]
    sta.scanning = True
    cfg = sta.wscnc
    # Like a connection, a scan takes its settings at the start and sees the APs at the end.
    # Only an active scan probes for the FILT_LIST names, which reveals hidden networks.
    probes = {s.decode("utf-8", "surrogateescape") for s in cfg.get(FILT_LIST).values()
              if s} if active else set()
    channel, mask, thresh, notify = (cfg.setting(ident) for ident in (
        SCAN_CHANNEL, CHANMASK24, RSSI_THRESH, ASYNC_NOTIFY))
    mask &= sta.channel_mask()  # [INFERRED] the regulatory domain hides its masked channels
    module.later(module.options["scan_ms"] / 1000,
                 lambda: _scan_done(module, sta, probes, channel, mask, thresh, notify))


def _indication(ap, probes):
    ssid = ap["ssid"] if not ap["hidden"] or ap["ssid"] in probes else ""
    return (("I4", ap["rssi"]), ("I4", ap["security"]), ("I4", ap["channel"]),
            ("MAC", ap["bssid"]), ("STR", ssid))


def _scan_done(module, sta, probes, channel, mask, thresh, notify):
    sta.scanning = False
    seen = [ap for ap in module.env["wifi"] if channel in (0, ap["channel"])
            and mask >> (ap["channel"] - 1) & 1 and (thresh == 0 or ap["rssi"] >= thresh)]
    seen.sort(key=lambda ap: -ap["rssi"])  # strongest first; equals keep the world's order
    results = [_indication(ap, probes) for ap in seen]
    slots = sta.wscnc.get(SCAN_RESULTS)
    for i in slots:
        slots[i] = results[i] if i < len(results) else None
    if notify:
        for elements in results:
            module.post_aec(_ids.AEC_WSCNIND, elements)
    module.post_aec(_ids.AEC_WSCNDONE, (("I4", len(results)),))


# -- the radio -----------------------------------------------------------------------------------


def wific(module, request, reply):
    expect_count(request, 0, 2)
    table = module.state["wifi"].wific
    elements = request.elements
    if len(elements) == 2 and param_id(elements[0]) == (REGDOMAIN_SELECTED, None):
        name = elements[1]
        if name.type in (_ids.T_STRING, _ids.T_BYTES, _ids.T_LABEL) and name.data.decode(
                "utf-8", "surrogateescape") not in REGDOMAINS:
            raise CommandError(_ids.INVALID_PARAMETER, "no regulatory domain %r" % name.value)
    table.serve(reply, elements)
    # The channel mask follows the selection (a PRESET included); it is read-only to the host.
    table.values[REGDOMAIN_CHANMASK24] = REGDOMAINS[table.get(REGDOMAIN_SELECTED)]


def link(module):
    """(assoc, bssid, rssi) of the station's association with an access point, or None."""
    sta = module.state["wifi"]
    if sta.state != CONNECTED:
        return None
    # A removed AP takes the link down (remove()), so the one in use is always in the world.
    return sta.assoc, sta.bssid, module.env["wifi"][_find(module, sta.bssid)]["rssi"]


COMMANDS = {
    _ids.NETIFC: netifc,
    _ids.WSCNC: wscnc,
    _ids.WSCN: wscn,
    _ids.WSTAC: wstac,
    _ids.WSTA: wsta,
    _ids.WIFIC: wific,
}


# -- control methods (Module.wifi_*) -------------------------------------------------------------


def networks(module):
    return [dict(ap) for ap in module.env["wifi"]]


def add(module, *args, **kwargs):
    ap = access_point(*args, **kwargs)
    world = module.env["wifi"]
    try:
        world[_find(module, ap["bssid"])] = ap
    except KeyError:
        world.append(ap)


def remove(module, bssid):
    index = _find(module, bssid)
    gone = module.env["wifi"].pop(index)
    sta = module.state.get("wifi")
    if sta is not None and sta.state == CONNECTED and sta.bssid == gone["bssid"]:
        module.post_aec(_ids.AEC_WSTALD, (("U2", sta.drop()),))  # the link is lost at once


def roam(module, bssid):
    sta = module.state.get("wifi")
    if sta is None or sta.state != CONNECTED:
        raise ValueError("the station is not connected")
    ap = module.env["wifi"][_find(module, bssid)]
    if ap["ssid"] != sta.ssid or ap["bssid"] == sta.bssid:
        raise ValueError("%s is not another AP of %s" % (ap["bssid"], sta.ssid))
    sta.bssid, sta.channel = ap["bssid"], ap["channel"]  # same association, same address
    module.post_aec(_ids.AEC_WSTAROAM, (("U2", sta.assoc),))


def station(module):
    sta = module.state.get("wifi")
    if sta is None:  # booting or held in reset
        return {"state": IDLE, "assoc": None, "bssid": None, "channel": None, "address": None}
    return {"state": sta.state, "assoc": sta.assoc, "bssid": sta.bssid, "channel": sta.channel,
            "address": sta.address}
