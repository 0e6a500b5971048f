"""winc.wifi on both runtimes: CircuitPython's wifi.radio over the emulator's Wi-Fi world
(wincsim/wifi.py: winc-lab on 02:..:01 channel 6 and 02:..:05 channel 11, winc-open, winc-wpa3,
a hidden network).
"""


from support import MICROPYTHON, device_up, pump_until, raises

from winc import wifi

LAB, LAB_KEY = "winc-lab", "correct horse battery"
LAB_BSSID = b"\x02\x00\x00\x00\x00\x01"
ECONNREFUSED, ECONNABORTED, EHOSTUNREACH, ETIMEDOUT = 111, 103, 113, 110
A = wifi.AuthMode


def _radio(**options):
    emu, dev = device_up(**options)
    return emu, dev, wifi.radio


def test_connect_blocks_until_the_station_has_its_address():
    emu, dev, radio = _radio()
    assert not radio.connected and radio.enabled
    assert radio.ipv4_address is None and radio.ipv4_gateway is None and radio.ap_info is None
    assert radio.connect(LAB, LAB_KEY) is None
    assert radio.connected
    assert str(radio.ipv4_address) == "127.0.0.1"  # the module's loopback address
    assert str(radio.ipv4_gateway) == "127.0.0.254"
    assert str(radio.ipv4_subnet) == "255.0.0.0"
    assert str(radio.ipv4_dns) == "127.0.0.254"
    if not MICROPYTHON:  # CPython has ipaddress, as CircuitPython does
        import ipaddress

        assert radio.ipv4_address == ipaddress.IPv4Address("127.0.0.1")
    radio.stop_station()
    assert not radio.connected and radio.ipv4_address is None


def test_ap_info_describes_the_joined_access_point():
    emu, dev, radio = _radio()
    radio.connect(LAB, LAB_KEY, bssid=LAB_BSSID)
    info = radio.ap_info
    assert (info.ssid, info.bssid, info.rssi, info.channel) == (LAB, LAB_BSSID, -48, 6)
    assert A.PSK in info.authmode and A.WPA2 in info.authmode


def test_bssid_and_channel_pin_the_access_point():
    emu, dev, radio = _radio()
    radio.connect(LAB, LAB_KEY, bssid="02:00:00:00:00:05")  # the weaker one, on channel 11
    assert radio.ap_info.channel == 11 and radio.ap_info.bssid == b"\x02\x00\x00\x00\x00\x05"
    radio.connect(LAB, LAB_KEY, channel=6)
    assert radio.ap_info.bssid == LAB_BSSID


def test_failed_joins_raise_oserror_with_circuitpythons_messages():
    emu, dev, radio = _radio()
    e = raises(OSError, radio.connect, LAB, "not the passphrase")
    assert e.errno == ECONNREFUSED and "Authentication failure" in str(e)
    e = raises(OSError, radio.connect, "no-such-network", "whatever")
    assert e.errno == EHOSTUNREACH and "No network with that ssid" in str(e)
    assert not radio.connected
    assert not pump_until(dev, lambda: radio.connected, 200)  # a failed join is not retried


def test_a_join_slower_than_the_timeout_is_etimedout_and_given_up():
    emu, dev, radio = _radio(join_ms=300)
    e = raises(OSError, radio.connect, LAB, LAB_KEY, timeout=0.05)
    assert e.errno == ETIMEDOUT
    assert not pump_until(dev, lambda: radio.connected, 600)  # no late join behind the caller
    radio.connect(LAB, LAB_KEY, timeout=5)
    assert radio.connected


def test_a_joined_network_is_rejoined_after_a_loss():
    emu, dev, radio = _radio()
    radio.connect(LAB, LAB_KEY)
    emu.wifi_remove("02:00:00:00:00:01")
    assert pump_until(dev, lambda: not radio.connected)
    assert pump_until(dev, lambda: radio.connected)  # the other AP of the network
    assert radio.ap_info.channel == 11


def test_scan_yields_networks_with_circuitpythons_fields():
    emu, dev, radio = _radio()
    found = list(radio.start_scanning_networks())
    radio.stop_scanning_networks()
    by_bssid = {n.bssid: n for n in found}
    assert len(found) == 5
    lab = by_bssid[LAB_BSSID]
    assert (lab.ssid, lab.rssi, lab.channel, lab.country) == (LAB, -48, 6, "")
    assert lab.authmode == (A.WPA2, A.PSK)
    assert by_bssid[b"\x02\x00\x00\x00\x00\x02"].authmode == (A.OPEN,)
    assert by_bssid[b"\x02\x00\x00\x00\x00\x03"].authmode == (A.WPA3, A.PSK)
    assert by_bssid[b"\x02\x00\x00\x00\x00\x04"].ssid == ""  # hidden
    assert [n.rssi for n in found] == sorted((n.rssi for n in found), reverse=True)
    low = list(radio.start_scanning_networks(start_channel=1, stop_channel=6))
    assert sorted(n.channel for n in low) == [1, 3, 6]


def test_ping_returns_seconds_or_none():
    emu, dev, radio = _radio()
    radio.connect(LAB, LAB_KEY)
    assert radio.ping(radio.ipv4_address) == 0.003  # the emulator's 3 ms round trip
    assert radio.ping("127.0.0.1", timeout=1) == 0.003
    emu.ping_fail(True)
    assert radio.ping("127.0.0.1") is None


def test_mac_address_hostname_and_enabled():
    emu, dev, radio = _radio()
    assert radio.mac_address == b"\x02\x57\x49\x4e\x43\x00"
    radio.hostname = "winc-board"
    assert radio.hostname == "winc-board"
    raises(ValueError, setattr, radio, "hostname", "a-name-longer-than-sixteen")
    radio.connect(LAB, LAB_KEY)
    radio.enabled = False
    assert not radio.enabled and not radio.connected
    radio.enabled = True


def test_radio_is_the_default_devices_and_follows_a_new_one():
    emu, dev, radio = _radio()
    assert wifi.radio is radio and radio._dev is dev
    emu2, dev2 = device_up()
    assert wifi.radio is not radio and wifi.radio._dev is dev2
    assert wifi.Radio(dev2)._dev is dev2


def test_start_ap_runs_the_modules_access_point():
    emu, dev, radio = _radio()
    assert not radio.ap_active and radio.ipv4_address_ap is None
    radio.start_ap("winc-ap", "ap passphrase", channel=6)
    assert radio.ap_active and emu.ap_state()["running"]
    assert radio.ipv4_address_ap is not None
    joined = emu.ap_join("02:aa:00:00:00:01", "ap passphrase")
    assert joined["address"].startswith("127.")
    radio.stop_ap()
    assert not radio.ap_active and not emu.ap_state()["running"]
