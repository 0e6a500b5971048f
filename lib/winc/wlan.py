"""network.WLAN on the module: the station (WSTA/WSCN/NETIF) and the soft AP (WAP/DHCPSC)
(spec §7.2, §7.3, §7.8-§7.10).

`WLAN(STA_IF)` and `WLAN(AP_IF)` give the device's one station and one access point; their state
follows the module's events (WSTALU, WSTAAIP, WSTALD, WSTAROAM, WSTAERR; WAPSC, WAPAIP, WAPSD),
so status() and isconnected() cost no bus traffic.
"""

from . import _addr, _ids, tlv
from ._compat import const, ticks_add, ticks_diff, ticks_ms
from .device import Command, Device

STA_IF = const(0)
AP_IF = const(1)

# status() values: those of MicroPython's cyw43 port (users compare with the constants).
STAT_IDLE = const(0)
STAT_CONNECTING = const(1)
STAT_GOT_IP = const(3)
STAT_CONNECT_FAIL = const(-1)
STAT_NO_AP_FOUND = const(-2)
STAT_WRONG_PASSWORD = const(-3)

# Security: the module's own SEC_TYPE numbers (§7.8), so scan() reports what the module says.
SEC_OPEN = const(0)
SEC_WPA_WPA2 = const(2)
SEC_WPA2 = const(3)
SEC_WPA2_WPA3 = const(4)
SEC_WPA3 = const(5)
SEC_WPA2_ENT_MIXED = const(6)
SEC_WPA2_ENT = const(7)
SEC_WPA3_ENT_TRANSITION = const(8)
SEC_WPA3_ENT = const(9)

PM_NONE = const(0)
PM_PERFORMANCE = const(1)
PM_POWERSAVE = const(2)

# Events for set_event_callback(fn): fn(wlan, event, data).
EVENT_LINK_UP = const(1)  # data: (bssid bytes, channel)
EVENT_GOT_IP = const(2)  # data: the address, a string
EVENT_LINK_LOST = const(3)  # data: None
EVENT_ROAMED = const(4)  # data: None
EVENT_CONNECT_FAILED = const(5)  # data: the module's status code

_EINVAL = const(22)
_ETIMEDOUT = const(110)
_EPERM = const(1)

# [INFERRED] WSTAERR codes: TIMEOUT when no AP answered, STA_CONN_FAILED when the AP refused.
_STATUS_TIMEOUT = const(0x0008)
_STATUS_CONN_FAILED = const(0x1403)

# WSTAC and NETIFC parameter ids (§7.3, §7.8).
_P_SSID = const(1)
_P_SEC_TYPE = const(2)
_P_CREDENTIALS = const(3)
_P_CHANNEL = const(4)
_P_BSSID = const(5)
_N_ETHER = const(2)
_N_HOSTNAME = const(3)
_N_DHCPC_EN = const(10)
_N_IP_MASK = const(40)
_N_GATEWAY = const(41)

_A_SSID = const(1)  # WAPC (§7.10)
_A_SEC_TYPE = const(2)
_A_CREDENTIALS = const(3)
_A_CHANNEL = const(4)
_A_HIDDEN = const(5)
_D_GATEWAY = const(10)  # DHCPSC (§7.2)
_W_REGDOMAIN = const(10)  # WIFIC (§7.13)
_W_POWERSAVE = const(20)

# WPA-Enterprise settings of the station (WSTAC §7.8): config() name -> (id, type). A TLS
# configuration index comes from winc.tls (SSLContext.tlsc_index()) for EAP-TLS and tunnels.
_ENTERPRISE = {
    "eap_identity": (20, tlv.STR),  # outer (anonymous) identity
    "eap_inner_identity": (21, tlv.STR),
    "eap_tunnel": (25, tlv.I4),  # 0 any, 1 none, 2 TTLSv0, 3 PEAPv0, 4 PEAPv1
    "eap_tunnel_tls": (26, tlv.I4),
    "eap_credentials": (30, tlv.I4),  # 0 TLS, 1 MSCHAPv2
    "eap_tls": (31, tlv.I4),
    "eap_username": (32, tlv.STR),
    "eap_password": (33, tlv.STR),
}
_D_POOL_START = const(2)
_DNS_AUTO = const(2)  # DNSC (§7.4)
_DNS_PROTO_PREF = const(4)
_N_IPV6_GLOBAL = const(60)
_N_IPV6_LOCAL = const(61)

_SCAN_TIMEOUT_MS = const(10000)
_MAX_HOSTNAME = const(16)  # NETIFC HOSTNAME (§7.3)


def _station(dev):
    """The station of a device (the default one for None), made on first use."""
    return Device.layer(dev, "_station", _Station)


class _SoftAP:
    """The module's access point: running or not, and the stations the module reported."""

    def __init__(self, dev):
        self.dev = dev
        self.running = False
        self.stations = {}  # assoc id -> [mac bytes, address string or None]
        for aec, handler in ((_ids.AEC_WAPSC, self._on_joined),
                             (_ids.AEC_WAPAIP, self._on_address),
                             (_ids.AEC_WAPSD, self._on_left)):
            dev.subscribe(aec, handler)
        dev.on_reset(self._on_reset)

    def _on_joined(self, msg):
        self.stations[msg.int(0)] = [msg.bytes(1), None]

    def _on_address(self, msg):
        station = self.stations.get(msg.int(0))
        if station is not None and msg.type(1) == _ids.T_IPV4:
            station[1] = _addr.ntop(2, msg.bytes(1)[:4])

    def _on_left(self, msg):
        self.stations.pop(msg.int(0), None)

    def _on_reset(self, errno):
        self.running = False
        self.stations = {}


class _Station:
    """What the module said about the station link; updated from its AECs inside the pump."""

    def __init__(self, dev):
        self.dev = dev
        self.status = STAT_IDLE
        self.active = True
        self.assoc = None
        self.bssid = None
        self.channel = 0
        self.address = None  # the IPv4 address, a string, once WSTAAIP said it
        self.reconnects = 0  # automatic attempts after a lost link or a failed attempt (-1: ever)
        self.tries = 0
        self.wanted = False  # the user asked for a connection and did not disconnect
        self.callback = None
        self.scan = None  # [results, done] while a scan runs
        self.security = {}  # ssid -> SEC_TYPE seen in the last scan
        for aec, handler in ((_ids.AEC_WSTALU, self._on_link_up),
                             (_ids.AEC_WSTAAIP, self._on_address),
                             (_ids.AEC_WSTALD, self._on_link_down),
                             (_ids.AEC_WSTAROAM, self._on_roam),
                             (_ids.AEC_WSTAERR, self._on_error),
                             (_ids.AEC_WSCNIND, self._on_scan_result),
                             (_ids.AEC_WSCNDONE, self._on_scan_done)):
            dev.subscribe(aec, handler)
        dev.on_reset(self._on_reset)

    def emit(self, wlan_event, data):
        if self.callback is not None:
            self.callback(self, wlan_event, data)

    def _on_link_up(self, msg):
        if self.status != STAT_CONNECTING and not self.wanted:
            return  # the attempt it belongs to was given up (the module may rejoin on its own)
        self.assoc = msg.int(0)
        self.bssid = msg.bytes(1)
        self.channel = msg.int(2)
        self.tries = 0
        self.emit(EVENT_LINK_UP, (self.bssid, self.channel))

    def _on_address(self, msg):
        if not self._current(msg):
            return
        if msg.type(1) != _ids.T_IPV4:
            return  # an IPv6 address (SLAAC): not kept yet
        self.address = _addr.ntop(2, msg.bytes(1)[:4])
        self.status = STAT_GOT_IP
        self.emit(EVENT_GOT_IP, self.address)

    def _current(self, msg):
        # A late event about an association already given up (disconnect, a new connect)
        # must not touch the new one; the reference's WSTALD may carry no id at all.
        return self.assoc is not None and (not msg.count or msg.int(0) == self.assoc)

    def _on_link_down(self, msg):
        if not self._current(msg):
            return
        self._forget_link()
        self.status = STAT_IDLE
        self.emit(EVENT_LINK_LOST, None)
        self._retry()

    def _on_roam(self, msg):
        if self._current(msg):
            self.emit(EVENT_ROAMED, None)

    def _on_error(self, msg):
        if self.status != STAT_CONNECTING and not self.wanted:
            return
        code = msg.int(0)
        self._forget_link()
        self.status = (STAT_NO_AP_FOUND if code == _STATUS_TIMEOUT else
                       STAT_WRONG_PASSWORD if code == _STATUS_CONN_FAILED else STAT_CONNECT_FAIL)
        self.emit(EVENT_CONNECT_FAILED, code)
        self._retry()

    def _retry(self):
        """Start another attempt while the user wants the link and attempts remain."""
        if not self.wanted or not (self.reconnects < 0 or self.tries < self.reconnects):
            return
        self.tries += 1
        self.status = STAT_CONNECTING
        self.dev.submit((Command(_ids.WSTA, (tlv.I4, 1), None, self._on_start),))

    def _on_start(self, cmd):
        if cmd.status:
            self.status = STAT_CONNECT_FAIL

    def _forget_link(self):
        self.assoc = self.bssid = self.address = None
        self.channel = 0

    def _on_scan_result(self, msg):
        if self.scan is None:
            return
        ssid = msg.bytes(4)
        security = msg.int(1)
        self.scan[0].append((ssid, msg.bytes(3), msg.int(2), msg.int(0), security,
                             0 if ssid else 1))
        if ssid and security >= 0:
            self.security[ssid] = security

    def _on_scan_done(self, msg):
        if self.scan is not None:
            self.scan[1] = True

    def _on_reset(self, errno):
        # The module forgot the association: so does the station; connect() starts again.
        self._forget_link()
        self.status = STAT_IDLE
        self.wanted = False
        if self.scan is not None:
            self.scan[1] = True


class WLAN:
    """WLAN(interface=STA_IF, dev=None): MicroPython's network.WLAN on the module."""

    IF_STA = STA_IF
    IF_AP = AP_IF

    def __init__(self, interface=STA_IF, dev=None):
        if interface not in (STA_IF, AP_IF):
            raise ValueError("interface: STA_IF or AP_IF")
        self._if = interface
        self._sta = _station(dev)
        self._dev = self._sta.dev
        self._ap = Device.layer(self._dev, "_softap", _SoftAP) if interface == AP_IF else None

    def __repr__(self):
        if self._ap is not None:
            return "<winc.WLAN AP %s>" % ("up" if self._ap.running else "down")
        return "<winc.WLAN STA %s>" % (self._sta.address or "down")

    def _station_only(self):
        if self._ap is not None:
            raise OSError(_EPERM, "a station method, on the access point")

    # ---- state ---------------------------------------------------------------------------------

    def active(self, is_active=None):
        if self._ap is not None:
            return self._ap_active(is_active)
        if is_active is None:
            return self._sta.active
        if not is_active and self._sta.active:
            self.disconnect()
        self._sta.active = bool(is_active)
        return None

    def status(self, param=None):
        self._dev.poll_events()
        if self._ap is not None:
            if param == "stations":
                return [(station[0],) for station in self._ap.stations.values()]
            if param is None:
                return STAT_GOT_IP if self._ap.running else STAT_IDLE
        elif param is None:
            return self._sta.status
        elif param == "rssi":
            return self._rssi()
        raise ValueError("unknown status param")

    def isconnected(self):
        """Station: associated and addressed. Access point: a station is associated."""
        self._dev.poll_events()
        if self._ap is not None:
            return bool(self._ap.stations)
        return self._sta.status == STAT_GOT_IP

    def set_event_callback(self, fn):
        """fn(wlan, event, data) for EVENT_LINK_UP/GOT_IP/LINK_LOST/ROAMED/CONNECT_FAILED,
        called inside the pump; None removes it."""
        self._sta.callback = None if fn is None else lambda sta, event, data: fn(self, event,
                                                                                   data)

    # ---- connecting ----------------------------------------------------------------------------

    def connect(self, ssid=None, key=None, *, bssid=None, security=None, channel=0):
        """Start joining a network (returns at once: poll status() or isconnected()).

        security defaults to what the last scan() saw for the SSID, else WPA2/WPA3 with a key
        and open without; bssid pins one access point, channel one channel.
        """
        self._station_only()
        sta = self._sta
        if not sta.active:
            raise OSError(_EPERM, "WLAN not active")
        if ssid is None:
            ssid = self.config("ssid")
        ssid = ssid.encode() if isinstance(ssid, str) else bytes(ssid)
        if not 1 <= len(ssid) <= 32:
            raise ValueError("ssid: 1 to 32 bytes")
        key = b"" if key is None else key.encode() if isinstance(key, str) else bytes(key)
        if len(key) > 128:
            raise ValueError("key: up to 128 bytes")
        if security is None:
            security = sta.security.get(ssid, SEC_WPA2_WPA3 if key else SEC_OPEN)
        if not 0 <= security <= 9 or security == 1:
            raise ValueError("security")
        if key and security == SEC_OPEN:
            raise ValueError("a key for an open network")
        if not 0 <= channel <= 13:
            raise ValueError("channel: 0 (any) to 13")
        bssid = b"" if bssid is None else bytes(bssid)
        if len(bssid) not in (0, 6):
            raise ValueError("bssid: 6 bytes")
        sta.wanted = False  # the old link's WSTALD must not start a reconnect
        if sta.status == STAT_CONNECTING or sta.assoc is not None:
            self._stop()
        sta.tries = 0
        sta.status = STAT_CONNECTING
        try:
            self._join(ssid, key, security, channel, bssid)
        except Exception:
            sta.status = STAT_CONNECT_FAIL
            raise
        sta.wanted = True

    def _join(self, ssid, key, security, channel, bssid):
        # One burst, as the reference host joins (§7.8): the settings, then WSTA(1).
        self._dev.run((Command(_ids.WSTAC, (tlv.U4, _P_SSID, tlv.STR, ssid)),
                       Command(_ids.WSTAC, (tlv.U4, _P_SEC_TYPE, tlv.I4, security)),
                       Command(_ids.WSTAC, (tlv.U4, _P_CREDENTIALS, tlv.STR, key)),
                       Command(_ids.WSTAC, (tlv.U4, _P_CHANNEL, tlv.I4, channel)),
                       Command(_ids.WSTAC, (tlv.U4, _P_BSSID, tlv.MAC, bssid)),
                       Command(_ids.WSTA, (tlv.I4, 1))))

    def disconnect(self):
        self._station_only()
        self._sta.wanted = False
        self._stop()

    def _stop(self):
        self._dev.call(_ids.WSTA, (tlv.I4, 0))
        self._sta._forget_link()
        self._sta.status = STAT_IDLE

    # ---- scanning ------------------------------------------------------------------------------

    def scan(self):
        """[(ssid, bssid, channel, RSSI, security, hidden)], strongest first; blocks until the
        module's scan is done. A hidden network has an empty SSID and hidden 1."""
        self._station_only()
        sta = self._sta
        if sta.scan is not None:
            raise OSError(16, "scan in progress")  # EBUSY
        sta.scan = [[], False]
        try:
            self._dev.call(_ids.WSCN, (tlv.U1, 1))
            deadline = ticks_add(ticks_ms(), _SCAN_TIMEOUT_MS)
            while not sta.scan[1]:
                if ticks_diff(deadline, ticks_ms()) <= 0:
                    raise OSError(_ETIMEDOUT, "scan did not finish")
                self._dev.pump(10)
            found = sta.scan[0]
            found.sort(key=lambda entry: -entry[3])  # strongest first, whatever the module's order
            return found
        finally:
            sta.scan = None

    def _rssi(self):
        """RSSI of the station's link, as the module's ASSOC report gives it."""
        from .net import _await

        sta = self._sta
        if sta.assoc is None:
            raise OSError(_EPERM, "not connected")
        aec, values = _await(self._dev, (_ids.AEC_ASSOC,), _ids.ASSOC, (tlv.U2, sta.assoc),
                             5000)
        return values[3]

    # ---- addresses -----------------------------------------------------------------------------

    def _netif(self, param, *value):
        """NETIFC on this interface: query (no value) returns the value; set returns None."""
        params = (tlv.I4, self._if, tlv.U4, param) + value
        if value:
            self._dev.call(_ids.NETIFC, params)
            return None
        return self._dev.value(_ids.NETIFC, params)

    def ifconfig(self, config=None):
        """(ip, netmask, gateway, dns) as strings; with a 4-tuple, a static configuration."""
        if self._ap is not None:
            return self._ap_ifconfig(config)
        if config is not None:
            ip, mask, gw, dns = config
            ipconfig(dns=dns, dev=self._dev)  # first: all or nothing if the module refuses it
            self._netif(_N_DHCPC_EN, tlv.BOOL, 0)
            self._netif(_N_IP_MASK, tlv.IPV4, _addr.pton(2, ip) + _addr.pton(2, mask))
            self._netif(_N_GATEWAY, tlv.IPV4, _addr.pton(2, gw))
            return None
        ip = mask = gw = "0.0.0.0"
        both = self._netif(_N_IP_MASK) or b""
        if len(both) == 8:
            ip, mask = _addr.ntop(2, both[:4]), _addr.ntop(2, both[4:])
        elif len(both) == 4:
            ip = _addr.ntop(2, both)
        gateway = self._netif(_N_GATEWAY) or b""
        if len(gateway) == 4:
            gw = _addr.ntop(2, gateway)
        return (ip, mask, gw, ipconfig("dns", dev=self._dev) or gw)

    def ipconfig(self, *args, **kwargs):
        """ipconfig('addr4'|'gw4'|'dhcp4'|'has_dhcp4') or ipconfig(addr4=..., gw4=...,
        dhcp4=...)."""
        if args and kwargs or len(args) > 1:
            raise TypeError("one query, or settings")
        if args:
            key = args[0]
            if key == "addr4":
                ip, mask = self.ifconfig()[:2]
                return (ip, mask)
            if key == "gw4":
                return self.ifconfig()[2]
            if key in ("dhcp4", "has_dhcp4"):
                return bool(self._netif(_N_DHCPC_EN))
            if key == "addr6":
                return self._addresses6()
            raise ValueError("unknown config param")
        if "dhcp4" in kwargs:  # first: keyword order is not kept by every MicroPython
            self._netif(_N_DHCPC_EN, tlv.BOOL, 1 if kwargs.pop("dhcp4") else 0)
        for key, value in kwargs.items():
            if key == "addr4":
                ip, mask = (_split_prefix(value) if isinstance(value, str) else
                            (_addr.pton(2, value[0]), _addr.pton(2, value[1])))
                self._netif(_N_DHCPC_EN, tlv.BOOL, 0)
                self._netif(_N_IP_MASK, tlv.IPV4, ip + mask)
            elif key == "gw4":
                self._netif(_N_GATEWAY, tlv.IPV4, _addr.pton(2, value))
            else:
                raise ValueError("unknown config param")
        return None

    def _addresses6(self):
        """The interface's IPv6 addresses (link-local, then global) as strings."""
        found = []
        for param in (_N_IPV6_LOCAL, _N_IPV6_GLOBAL):
            for rsp in self._dev.call(_ids.NETIFC, (tlv.I4, self._if, tlv.U4, param)):
                if len(rsp) >= 2 and len(rsp[1]) >= 16:
                    found.append(_addr.ntop(10, rsp[1][:16]))
        return found

    # ---- configuration -------------------------------------------------------------------------

    def config(self, *args, **kwargs):
        """config('mac'|'ssid'|'channel'|'security'|'hostname'|'reconnects') or
        config(name=value, ...)."""
        if args and kwargs or len(args) > 1:
            raise TypeError("one query, or settings")
        if self._ap is not None:
            return self._ap_config(args, kwargs)
        if args:
            return self._query(args[0])
        for key, value in kwargs.items():
            if key == "ssid":
                self._dev.call(_ids.WSTAC, (tlv.U4, _P_SSID, tlv.STR, value))
            elif key == "channel":
                self._dev.call(_ids.WSTAC, (tlv.U4, _P_CHANNEL, tlv.I4, value))
            elif key == "security":
                self._dev.call(_ids.WSTAC, (tlv.U4, _P_SEC_TYPE, tlv.I4, value))
            elif key == "key":
                self._dev.call(_ids.WSTAC, (tlv.U4, _P_CREDENTIALS, tlv.STR, value))
            elif key == "hostname":
                hostname(value, self._dev)
            elif key == "reconnects":
                if not isinstance(value, int) or value < -1:
                    raise ValueError("reconnects: -1 (for ever) or a count")
                self._sta.reconnects = value
            elif key == "pm":
                _power_save(self._dev, value)
            elif key in _ENTERPRISE:
                param, code = _ENTERPRISE[key]
                self._dev.call(_ids.WSTAC, (tlv.U4, param, code, value))
            else:
                raise ValueError("unknown config param")
        return None

    def _query(self, key):
        if key == "mac":
            return bytes(self._netif(_N_ETHER))
        if key == "hostname":
            return hostname(dev=self._dev)
        if key == "reconnects":
            return self._sta.reconnects
        if key == "pm":
            return PM_POWERSAVE if _wific(self._dev, _W_POWERSAVE) else PM_PERFORMANCE
        if key == "channel" and self._sta.assoc is not None:
            return self._sta.channel
        param = {"ssid": _P_SSID, "channel": _P_CHANNEL, "security": _P_SEC_TYPE}.get(key)
        if param is None:
            raise ValueError("unknown config param")
        value = self._dev.value(_ids.WSTAC, (tlv.U4, param))
        return value.decode() if key == "ssid" and value is not None else value


    # ---- the access point ----------------------------------------------------------------------

    def _ap_active(self, is_active):
        ap = self._ap
        if is_active is None:
            return ap.running
        if is_active and not ap.running:
            if not self._wapc(_A_SSID):
                mac = self._netif(_N_ETHER) or b"\0\0"
                self._wapc_set(_A_SSID, tlv.STR, "WINC-%02X%02X" % (mac[-2], mac[-1]))
            self._dev.call(_ids.WAP, (tlv.I4, 1))
            ap.running = True
        elif not is_active and ap.running:
            self._dev.call(_ids.WAP, (tlv.I4, 0))
            ap.running = False
            ap.stations = {}
        return None

    def _wapc(self, param):
        return self._dev.value(_ids.WAPC, (tlv.U4, param))

    def _wapc_set(self, param, code, value):
        self._dev.call(_ids.WAPC, (tlv.U4, param, code, value))

    def _ap_config(self, args, kwargs):
        """config() of the access point: ssid, key, security, channel, hidden, mac, dhcp_pool."""
        if args:
            key = args[0]
            if key == "mac":
                return bytes(self._netif(_N_ETHER))
            param = {"ssid": _A_SSID, "security": _A_SEC_TYPE, "channel": _A_CHANNEL,
                     "hidden": _A_HIDDEN}.get(key)
            if param is None:
                raise ValueError("unknown config param")
            value = self._wapc(param)
            return value.decode() if key == "ssid" else bool(value) if key == "hidden" else value
        for key, value in kwargs.items():
            if key in ("ssid", "essid"):
                if not 1 <= len(value) <= 32:
                    raise ValueError("ssid: 1 to 32 bytes")
                self._wapc_set(_A_SSID, tlv.STR, value)
            elif key in ("key", "password"):
                self._wapc_set(_A_CREDENTIALS, tlv.STR, value)
            elif key == "security":
                self._wapc_set(_A_SEC_TYPE, tlv.I4, value)
            elif key == "channel":
                if not 1 <= value <= 13:
                    raise ValueError("channel: 1 to 13")
                self._wapc_set(_A_CHANNEL, tlv.I4, value)
            elif key == "hidden":
                self._wapc_set(_A_HIDDEN, tlv.BOOL, 1 if value else 0)
            elif key == "dhcp_pool":  # the first of the ten addresses the DHCP server leases
                self._dev.call(_ids.DHCPSC, (tlv.I4, 0, tlv.U4, _D_POOL_START, tlv.IPV4,
                                             _addr.pton(2, value)))
            else:
                raise ValueError("unknown config param")
        return None

    def _ap_ifconfig(self, config):
        """The access point's address is the DHCP server's gateway (DHCPSC 10)."""
        if config is not None:
            self._dev.call(_ids.DHCPSC, (tlv.I4, 0, tlv.U4, _D_GATEWAY, tlv.IPV4,
                                         _addr.pton(2, config[2])))
            return None
        gw = self._dev.value(_ids.DHCPSC, (tlv.I4, 0, tlv.U4, _D_GATEWAY)) or b""
        gw = _addr.ntop(2, gw) if len(gw) == 4 else "0.0.0.0"
        return (gw, "255.255.255.0", gw, gw)


def ipconfig(*args, dns=None, prefer=None, dev=None):
    """Module-wide settings, as network.ipconfig: ipconfig('dns') -> the first DNS server (or
    None); ipconfig(dns='a.b.c.d') sets it (and stops taking servers from DHCP);
    ipconfig(prefer=4 or 6) orders A and AAAA answers (DNSC §7.4)."""
    dev = _station(dev).dev
    if args:
        if args != ("dns",):
            raise ValueError("unknown config param")
        server = dev.value(_ids.DNSC, (tlv.FRAC, tlv.frac(1, 0))) or b""
        return _addr.ntop(2, server) if len(server) == 4 else None
    cmds = []
    if dns is not None:
        cmds.append(Command(_ids.DNSC, (tlv.U4, _DNS_AUTO, tlv.BOOL, 0)))
        cmds.append(Command(_ids.DNSC, (tlv.FRAC, tlv.frac(1, 0), tlv.IPV4, _addr.pton(2, dns))))
    if prefer is not None:
        if prefer not in (4, 6):
            raise ValueError("prefer: 4 or 6")
        cmds.append(Command(_ids.DNSC, (tlv.U4, _DNS_PROTO_PREF, tlv.U1, 1 if prefer == 4 else 2)))
    if cmds:
        dev.run(cmds)
    return None


def _wific(dev, param, *value):
    """WIFIC (§7.13): query (no value) returns the value; set returns None."""
    if value:
        dev.call(_ids.WIFIC, (tlv.U4, param) + value)
        return None
    return dev.value(_ids.WIFIC, (tlv.U4, param))


def _power_save(dev, pm):
    if pm not in (PM_NONE, PM_PERFORMANCE, PM_POWERSAVE):
        raise ValueError("pm: PM_NONE, PM_PERFORMANCE or PM_POWERSAVE")
    _wific(dev, _W_POWERSAVE, tlv.U1, 1 if pm == PM_POWERSAVE else 0)


def country(code=None, dev=None):
    """The module's regulatory domain (WIFIC REGDOMAIN_SELECTED: "GEN", "USA", "EMEA"...),
    or select one; ValueError for a domain the module does not have."""
    dev = _station(dev).dev
    if code is None:
        value = _wific(dev, _W_REGDOMAIN)
        return value.decode() if value else ""
    try:
        _wific(dev, _W_REGDOMAIN, tlv.STR, code)
    except OSError as e:
        if e.errno != 5:  # EIO: the module refused the name; anything else is the link's
            raise
        raise ValueError("regulatory domain %r: %s" % (code, e.args[-1])) from None
    return None


def _split_prefix(text):
    """'a.b.c.d/n' or 'a.b.c.d/m.m.m.m' -> (packed address, packed mask)."""
    ip, _, mask = text.partition("/")
    if not mask:
        raise ValueError("addr4: 'address/prefix'")
    if "." not in mask:
        bits = int(mask)
        if not 0 <= bits <= 32:
            raise ValueError("prefix length")
        value = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
        return _addr.pton(2, ip), bytes(((value >> 24) & 0xFF, (value >> 16) & 0xFF,
                                         (value >> 8) & 0xFF, value & 0xFF))
    return _addr.pton(2, ip), _addr.pton(2, mask)


def hostname(name=None, dev=None):
    """The module's host name (NETIFC HOSTNAME), or set it (1 to 16 characters)."""
    sta = _station(dev)  # the station's device: the module the name belongs to
    if name is None:
        name = sta.dev.value(_ids.NETIFC, (tlv.I4, STA_IF, tlv.U4, _N_HOSTNAME))
        return name.decode() if name else ""
    if not isinstance(name, str) or not 1 <= len(name) <= _MAX_HOSTNAME:
        raise ValueError("hostname: 1 to %d characters" % _MAX_HOSTNAME)
    sta.dev.call(_ids.NETIFC, (tlv.I4, STA_IF, tlv.U4, _N_HOSTNAME, tlv.STR, name))
    return None
