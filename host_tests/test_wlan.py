"""winc.WLAN station on both runtimes against the emulator's Wi-Fi world (wincsim/wifi.py)."""


from support import device_up, pump_until, raises

import winc
from winc import wlan as network

LAB = "winc-lab"
LAB_KEY = "correct horse battery"
LAB_BSSID = b"\x02\x00\x00\x00\x00\x01"
LAB_BSSID2 = b"\x02\x00\x00\x00\x00\x05"


def _station(**options):
    emu, dev = device_up(**options)
    return emu, dev, winc.WLAN(winc.STA_IF)


def test_connect_joins_the_network_and_gets_the_modules_address():
    emu, dev, sta = _station(join_ms=300)  # time to see CONNECTING, however slow the host
    events = []
    sta.set_event_callback(lambda w, event, data: events.append((event, data)))
    assert sta.status() == network.STAT_IDLE and not sta.isconnected()
    sta.connect(LAB, LAB_KEY)
    assert sta.status() == network.STAT_CONNECTING
    assert pump_until(dev, sta.isconnected)
    assert sta.status() == network.STAT_GOT_IP
    assert sta.ifconfig()[0] == "127.0.0.1"
    assert sta.ipconfig("addr4")[0] == "127.0.0.1"
    assert sta.config("channel") == 6 and sta.config("ssid") == LAB
    assert events == [(network.EVENT_LINK_UP, (LAB_BSSID, 6)),
                      (network.EVENT_GOT_IP, "127.0.0.1")]
    sta.disconnect()
    assert sta.status() == network.STAT_IDLE and not sta.isconnected()


def test_wrong_key_and_unknown_network_end_in_their_status():
    emu, dev, sta = _station()
    sta.connect(LAB, "not the passphrase")
    assert pump_until(dev, lambda: sta.status() != network.STAT_CONNECTING)
    assert sta.status() == network.STAT_WRONG_PASSWORD
    sta.connect("no-such-network", "whatever")
    assert pump_until(dev, lambda: sta.status() != network.STAT_CONNECTING)
    assert sta.status() == network.STAT_NO_AP_FOUND
    assert not sta.isconnected()


def test_bssid_pins_one_access_point_of_the_network():
    emu, dev, sta = _station()
    sta.connect(LAB, LAB_KEY, bssid=LAB_BSSID2)
    assert pump_until(dev, sta.isconnected)
    assert sta.config("channel") == 11


def test_scan_reports_every_network_strongest_first_and_hidden_truthfully():
    emu, dev, sta = _station()
    found = sta.scan()
    assert [entry[3] for entry in found] == sorted((entry[3] for entry in found), reverse=True)
    by_bssid = {entry[1]: entry for entry in found}
    assert by_bssid[LAB_BSSID] == (b"winc-lab", LAB_BSSID, 6, -48, network.SEC_WPA2, 0)
    hidden = by_bssid[b"\x02\x00\x00\x00\x00\x04"]
    assert hidden[0] == b"" and hidden[5] == 1
    assert by_bssid[b"\x02\x00\x00\x00\x00\x02"][4] == network.SEC_OPEN
    assert by_bssid[b"\x02\x00\x00\x00\x00\x03"][4] == network.SEC_WPA3


def test_security_follows_the_last_scan_so_a_wpa3_network_joins_with_a_key_alone():
    emu, dev, sta = _station()
    sta.scan()
    sta.connect("winc-wpa3", "sae passphrase")
    assert pump_until(dev, sta.isconnected)
    assert sta.config("security") == network.SEC_WPA3


def test_a_lost_access_point_is_reported_and_reconnects_find_the_other_one():
    emu, dev, sta = _station()
    events = []
    sta.set_event_callback(lambda w, event, data: events.append(event))
    sta.config(reconnects=2)
    assert sta.config("reconnects") == 2
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, sta.isconnected)
    emu.wifi_remove("02:00:00:00:00:01")
    assert pump_until(dev, lambda: network.EVENT_LINK_LOST in events)
    assert pump_until(dev, sta.isconnected)  # the reconnect found the second AP of the network
    assert sta.config("channel") == 11
    assert events.count(network.EVENT_LINK_UP) == 2


def test_without_reconnects_a_lost_link_stays_down():
    emu, dev, sta = _station()
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, sta.isconnected)
    emu.wifi_remove("02:00:00:00:00:01")
    assert pump_until(dev, lambda: sta.status() == network.STAT_IDLE)
    assert not pump_until(dev, sta.isconnected, 200)


def test_roaming_is_an_event_and_the_link_stays_up():
    emu, dev, sta = _station()
    events = []
    sta.set_event_callback(lambda w, event, data: events.append(event))
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, sta.isconnected)
    emu.wifi_roam("02:00:00:00:00:05")
    assert pump_until(dev, lambda: network.EVENT_ROAMED in events)
    assert sta.isconnected()


def test_mac_and_hostname():
    emu, dev, sta = _station()
    assert sta.config("mac") == b"\x02\x57\x49\x4e\x43\x00"
    network.hostname("winc-board")
    assert network.hostname() == "winc-board" and sta.config("hostname") == "winc-board"
    raises(ValueError, network.hostname, "x" * 17)
    raises(ValueError, sta.config, "no-such-thing")


def test_bad_arguments_raise_before_anything_is_sent():
    emu, dev, sta = _station()
    emu.clear_log()
    raises(ValueError, sta.connect, "")
    raises(ValueError, sta.connect, "x" * 33)
    raises(ValueError, sta.connect, LAB, "k" * 129)
    raises(ValueError, sta.connect, LAB, LAB_KEY, channel=14)
    raises(ValueError, sta.connect, LAB, LAB_KEY, bssid=b"\x01\x02")
    raises(ValueError, sta.connect, "winc-open", "a key", security=network.SEC_OPEN)
    assert emu.log() == []


def test_a_module_reset_drops_the_link():
    emu, dev, sta = _station()
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, sta.isconnected)
    emu.reset(sdio=False)  # the firmware restarts: a BOOT AEC tells the driver
    assert pump_until(dev, lambda: sta.status() == network.STAT_IDLE)
    assert not sta.isconnected()
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, sta.isconnected)


def test_status_rssi_comes_from_the_modules_association_report():
    emu, dev, sta = _station()
    raises(OSError, sta.status, "rssi")
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, sta.isconnected)
    assert sta.status("rssi") == -48


def test_power_management_and_country():
    emu, dev, sta = _station()
    assert sta.config("pm") == network.PM_PERFORMANCE
    sta.config(pm=network.PM_POWERSAVE)
    assert sta.config("pm") == network.PM_POWERSAVE
    raises(ValueError, sta.config, pm=7)
    assert winc.country() == "GEN"
    winc.country("USA")
    assert winc.country() == "USA"
    raises(ValueError, winc.country, "XX")


# ---- the soft AP ---------------------------------------------------------------------------


def _access_point(**config):
    emu, dev, sta = _station()
    ap = winc.WLAN(winc.AP_IF)
    ap.config(**config)
    ap.active(True)
    return emu, dev, ap


def test_soft_ap_starts_with_its_config_and_reports_stations():
    emu, dev, ap = _access_point(ssid="winc-ap", key="ap passphrase", channel=6)
    assert ap.active() and ap.config("ssid") == "winc-ap" and ap.config("channel") == 6
    assert emu.ap_state()["running"]
    assert ap.status("stations") == [] and not ap.isconnected()
    joined = emu.ap_join("02:aa:00:00:00:01", "ap passphrase")
    assert pump_until(dev, ap.isconnected)
    assert ap.status("stations") == [(b"\x02\xaa\x00\x00\x00\x01",)]
    assert joined["address"].startswith("127.")
    emu.ap_leave("02:aa:00:00:00:01")
    assert pump_until(dev, lambda: not ap.isconnected())
    ap.active(False)
    assert not ap.active() and not emu.ap_state()["running"]


def test_a_station_on_the_soft_ap_reaches_a_winc_server():
    import hostnet
    from sockrig import recv_exactly

    from winc import socket as ws

    emu, dev, ap = _access_point(ssid="winc-ap", key="ap passphrase")
    station = emu.ap_join("02:aa:00:00:00:02", "ap passphrase")
    server = ws.socket()
    server.bind(("0.0.0.0", 0))
    server.listen()
    server.settimeout(5)
    port = server.getsockname()[1]
    assert station["address"].startswith("127.")
    client = hostnet.connect("127.0.0.1", port)  # the module's sockets live on 127.0.0.1
    child, _ = server.accept()
    child.settimeout(5)
    client.send(b"from the station")
    assert recv_exactly(child, 16) == b"from the station"
    client.close()
    child.close()
    server.close()


def test_soft_ap_refuses_a_short_key():
    emu, dev, sta = _station()
    ap = winc.WLAN(winc.AP_IF)
    ap.config(ssid="winc-ap", key="short", security=network.SEC_WPA2)
    raises(OSError, ap.active, True)
    assert not ap.active()
    raises(OSError, ap.connect, "x")
    raises(OSError, ap.scan)


def test_enterprise_settings_reach_the_module_and_join_an_enterprise_network():
    emu, dev, sta = _station()
    emu.wifi_add("winc-corp", "02:00:00:00:00:07", channel=1, rssi=-52,
                 security=network.SEC_WPA2_ENT)
    emu.clear_log()
    sta.config(eap_identity="anonymous@winc.test", eap_tunnel=3, eap_credentials=1,
               eap_username="alice", eap_password="wonderland")
    sta.connect("winc-corp", security=network.SEC_WPA2_ENT)
    assert pump_until(dev, sta.isconnected)
    sent = {p[0]: p[1] for name, p in emu.log() if name == "WSTAC" and len(p) == 2}
    assert sent[20] == "anonymous@winc.test" and sent[25] == 3 and sent[32] == "alice"
    assert sent[2] == network.SEC_WPA2_ENT


def test_soft_ap_dhcp_pool_sets_the_stations_addresses():
    emu, dev, ap = _access_point(ssid="winc-ap", key="ap passphrase", dhcp_pool="127.0.2.10")
    assert emu.ap_join("02:aa:00:00:00:03", "ap passphrase")["address"] == "127.0.2.10"
    assert ap.ifconfig()[0].startswith("127.")


def test_connect_while_connected_with_reconnects_joins_the_new_network():
    emu, dev, sta = _station()
    sta.config(reconnects=3)
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, sta.isconnected)
    sta.connect("winc-open")  # the old link's WSTALD must not start a reconnect to winc-lab
    assert pump_until(dev, sta.isconnected)
    assert sta.config("channel") == 1


def test_a_late_address_after_disconnect_is_ignored():
    emu, dev, sta = _station()
    emu.hold("WSTAAIP")
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, lambda: sta.config("channel") == 6)  # linked, no address yet
    sta.disconnect()
    emu.release()
    dev.pump(50)
    assert sta.status() == network.STAT_IDLE and not sta.isconnected()


def test_a_refused_join_ends_in_connect_fail_not_connecting_for_ever():
    emu, dev, sta = _station()
    emu.answer("WSTA", "ERROR")
    raises(OSError, sta.connect, LAB, LAB_KEY)
    assert sta.status() == network.STAT_CONNECT_FAIL


def test_static_addresses_and_dns_through_ifconfig_and_ipconfig():
    emu, dev, sta = _station()
    assert winc.ipconfig("dns") is None
    sta.ifconfig(("127.0.0.1", "255.255.0.0", "127.0.0.254", "127.0.0.53"))
    assert sta.ipconfig("dhcp4") is False
    assert sta.ifconfig() == ("127.0.0.1", "255.255.0.0", "127.0.0.254", "127.0.0.53")
    assert winc.ipconfig("dns") == "127.0.0.53"
    sta.ipconfig(addr4="127.0.0.1/8", gw4="127.0.0.1", dhcp4=False)
    assert sta.ipconfig("addr4") == ("127.0.0.1", "255.0.0.0") and sta.ipconfig("gw4") == (
        "127.0.0.1")
    sta.connect(LAB, LAB_KEY, security=network.SEC_WPA2)
    assert pump_until(dev, sta.isconnected)  # a static address: WSTAAIP carries it at once
    winc.ipconfig(prefer=6)
    raises(ValueError, winc.ipconfig, prefer=5)
    assert isinstance(sta.ipconfig("addr6"), list)
    raises(ValueError, sta.config, "txpower")  # the module has no transmit power setting
