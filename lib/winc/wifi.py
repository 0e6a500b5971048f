"""wifi: CircuitPython's `wifi.radio` over winc.WLAN and the module's ping (conventions e3).

`Radio(dev)` is the radio of one module; `winc.wifi.radio` is that of the default device, looked
up on each access. Addresses are ipaddress.IPv4Address where the port has ipaddress, else text.
"""

from ._compat import const, ticks_add, ticks_diff, ticks_ms
from .device import Device
from .wlan import (
    AP_IF,
    SEC_OPEN,
    SEC_WPA2,
    SEC_WPA2_WPA3,
    SEC_WPA3,
    STA_IF,
    STAT_CONNECTING,
    STAT_GOT_IP,
    STAT_NO_AP_FOUND,
    STAT_WRONG_PASSWORD,
    WLAN,
)

_ECONNREFUSED = const(111)
_ECONNABORTED = const(103)
_EHOSTUNREACH = const(113)
_ETIMEDOUT = const(110)
_CONNECT_TIMEOUT_MS = const(20000)  # the module gives up a join after 10 s (WSTAC CONN_TIMEOUT)
_PING_TIMEOUT_MS = const(5000)  # ping(timeout=None)


class AuthMode:
    """wifi.AuthMode: a network's authmode is a tuple of these."""

    OPEN = 0
    WEP = 1
    WPA = 2
    WPA2 = 3
    WPA3 = 4
    PSK = 5
    ENTERPRISE = 6


# The module's SEC_TYPE (winc.wlan SEC_*) -> CircuitPython's authmode tuple.
_AUTHMODES = {
    0: (AuthMode.OPEN,),
    2: (AuthMode.WPA, AuthMode.WPA2, AuthMode.PSK),
    3: (AuthMode.WPA2, AuthMode.PSK),
    4: (AuthMode.WPA2, AuthMode.WPA3, AuthMode.PSK),
    5: (AuthMode.WPA3, AuthMode.PSK),
    6: (AuthMode.WPA, AuthMode.WPA2, AuthMode.ENTERPRISE),
    7: (AuthMode.WPA2, AuthMode.ENTERPRISE),
    8: (AuthMode.WPA2, AuthMode.WPA3, AuthMode.ENTERPRISE),
    9: (AuthMode.WPA3, AuthMode.ENTERPRISE),
}


class Network:
    """wifi.Network: one access point, from a scan or ap_info."""

    def __init__(self, ssid, bssid, rssi, channel, security):
        self.ssid = ssid
        self.bssid = bssid
        self.rssi = rssi
        self.channel = channel
        self.country = ""  # the module does not report the AP's country
        self.authmode = _AUTHMODES.get(security, ())

    def __repr__(self):
        return "<Network> %s %d %d" % (self.ssid, self.rssi, self.channel)


def _address(text):
    """ipaddress.ip_address(text) where the port has ipaddress (CircuitPython, CPython), the
    text where it has not (MicroPython); None for no address."""
    if not text or text == "0.0.0.0":
        return None
    try:
        from ipaddress import ip_address
    except ImportError:
        return text
    return ip_address(text)


def _text(value):
    return value.decode() if isinstance(value, (bytes, bytearray)) else value


def _bssid(value):
    """6 bytes from bytes or 'aa:bb:cc:dd:ee:ff'."""
    if isinstance(value, str):
        return bytes(int(part, 16) for part in value.split(":"))
    return bytes(value)


class Radio:
    """Radio(dev=None): wifi.Radio on one module: its station and its access point."""

    def __init__(self, dev=None):
        self._wlan = WLAN(STA_IF, dev)
        self._dev = self._wlan._dev  # the device itself, so SocketPool(radio) finds it
        self._ap = None  # WLAN(AP_IF), made by the first access point call

    def __repr__(self):
        return "<winc.wifi.Radio %s>" % (self.ipv4_address if self.connected else "down")

    def _access_point(self):
        if self._ap is None:
            self._ap = WLAN(AP_IF, self._dev)
        return self._ap

    # ---- the station ---------------------------------------------------------------------------

    @property
    def enabled(self):
        return self._wlan.active()

    @enabled.setter
    def enabled(self, value):
        self._wlan.active(bool(value))

    @property
    def connected(self):
        """Associated and addressed."""
        return self._wlan.isconnected()

    def connect(self, ssid, password=None, *, channel=0, bssid=None, timeout=None):
        """Join ssid and wait for an address (timeout in seconds); once joined, a lost link is
        rejoined. OSError: EHOSTUNREACH no such network, ECONNREFUSED wrong password,
        ECONNABORTED other refusal, ETIMEDOUT no address in time."""
        wlan = self._wlan
        wlan.config(reconnects=0)  # this attempt's failure is reported, not retried
        wlan.connect(ssid, password, channel=channel,
                     bssid=None if bssid is None else _bssid(bssid))
        timeout_ms = _CONNECT_TIMEOUT_MS if timeout is None else int(timeout * 1000)
        deadline = ticks_add(ticks_ms(), timeout_ms)
        while wlan.status() == STAT_CONNECTING:
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0:
                wlan.disconnect()  # give the attempt up: no late join behind the caller's back
                raise OSError(_ETIMEDOUT, "no address within the timeout")
            self._dev.pump(left if left < 100 else 100)
        status = wlan.status()
        if status != STAT_GOT_IP:
            wlan.disconnect()
            if status == STAT_NO_AP_FOUND:
                raise OSError(_EHOSTUNREACH, "No network with that ssid")
            if status == STAT_WRONG_PASSWORD:
                raise OSError(_ECONNREFUSED, "Authentication failure")
            raise OSError(_ECONNABORTED, "Unknown failure %d" % status)
        wlan.config(reconnects=-1)  # CircuitPython: a joined network is rejoined after a loss

    def stop_station(self):
        """Leave the network (and stop rejoining it)."""
        self._wlan.disconnect()

    @property
    def ipv4_address(self):
        return _address(self._ifconfig(0))

    @property
    def ipv4_subnet(self):
        return _address(self._ifconfig(1))

    @property
    def ipv4_gateway(self):
        return _address(self._ifconfig(2))

    @property
    def ipv4_dns(self):
        return _address(self._ifconfig(3))

    def _ifconfig(self, i):
        # None while not connected, as CircuitPython (the module keeps stale settings).
        return self._wlan.ifconfig()[i] if self._wlan.isconnected() else None

    @property
    def mac_address(self):
        return bytes(self._wlan.config("mac"))

    @property
    def hostname(self):
        return self._wlan.config("hostname")

    @hostname.setter
    def hostname(self, name):
        self._wlan.config(hostname=_text(name))

    @property
    def ap_info(self):
        """The Network the station is joined to (its RSSI asked of the module), or None."""
        wlan = self._wlan
        if not wlan.isconnected():
            return None
        sta = wlan._sta
        ssid = wlan.config("ssid")
        # What the last scan saw the network offer; else how the station was set to join.
        security = sta.security.get(ssid.encode(), None)
        if security is None:
            security = wlan.config("security")
        return Network(ssid, sta.bssid, wlan.status("rssi"), sta.channel, security)

    def start_scanning_networks(self, *, start_channel=1, stop_channel=11):
        """An iterator over the Networks found on channels start..stop, strongest first; the
        module's scan is over when this returns."""
        found = []
        for ssid, bssid, channel, rssi, security, _hidden in self._wlan.scan():
            if start_channel <= channel <= stop_channel:
                found.append(Network(ssid.decode(), bssid, rssi, channel, security))
        return iter(found)

    def stop_scanning_networks(self):
        pass  # start_scanning_networks() waited for the module's scan: nothing runs

    def ping(self, ip, *, timeout=0.5):
        """Round trip in seconds of a ping the module sends to ip, or None if none came back."""
        timeout_ms = _PING_TIMEOUT_MS if timeout is None else int(timeout * 1000)
        try:
            return self._dev.ping(str(ip), timeout_ms) / 1000
        except OSError as e:
            if e.errno == _ETIMEDOUT or e.errno == _EHOSTUNREACH:
                return None
            raise

    # ---- the access point ----------------------------------------------------------------------

    def start_ap(self, ssid, password=b"", *, channel=1, authmode=(), max_connections=4):
        """Run the module's access point; authmode (AuthMode values) picks WPA2, WPA3 or both,
        WPA2 when not given. max_connections is the module's own (it cannot be set)."""
        password = _text(password)
        if not password:
            security = SEC_OPEN
        elif AuthMode.WPA3 in authmode:
            security = SEC_WPA2_WPA3 if AuthMode.WPA2 in authmode else SEC_WPA3
        else:
            security = SEC_WPA2
        ap = self._access_point()
        ap.active(False)  # settings apply when it starts
        ap.config(ssid=_text(ssid), key=password, security=security, channel=channel)
        ap.active(True)

    def stop_ap(self):
        self._access_point().active(False)

    @property
    def ap_active(self):
        return self._ap is not None and self._ap.active()

    @property
    def ipv4_address_ap(self):
        return _address(self._ap.ifconfig()[0]) if self.ap_active else None


def _default_radio(dev):
    return Device.layer(dev, "_radio", Radio)


def __getattr__(name):
    # `winc.wifi.radio`: the default device's radio, never cached (a new device replaces it).
    if name == "radio":
        return _default_radio(None)
    raise AttributeError(name)
