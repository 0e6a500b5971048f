"""The emulator's Wi-Fi module (spec §7.3, §7.8, §7.9): NETIFC, WSTAC/WSTA against the emulated
access points, WSCNC/WSCN, and the wifi_* control methods, driven by the spec-built host.
"""
# cpython only: the emulator runs in process

import pytest
from emu_net import Rig

from winc import _ids
from wincsim import Module, remote
from wincsim.names import ACCESS_DENIED

OK = _ids.OK
STA_CONN_REFUSED, STA_CONN_FAILED = 0x1402, 0x1403
LAB, LAB_PASS = "winc-lab", "correct horse battery"
AP1, AP2, AP3, AP4, AP5 = ("02:00:00:00:00:0%d" % n for n in range(1, 6))
SCAN_ORDER = [AP1, AP4, AP3, AP5, AP2]  # the default world by RSSI: -48 -55 -60 -67 -71


def wstac(rig, ident, element):
    return rig.status(_ids.WSTAC, ("U4", ident), element)


def connect(rig, ssid=LAB, passphrase=LAB_PASS, security=3):
    """WSTAC SSID, SEC_TYPE, CREDENTIALS then WSTA(1), as the typical connect of §7.8."""
    assert wstac(rig, 1, ("STR", ssid)) == OK
    assert wstac(rig, 2, ("I4", security)) == OK
    assert wstac(rig, 3, ("STR", passphrase)) == OK
    return rig.status(_ids.WSTA, ("I4", 1))


def netifc(rig, intf, *rest):
    return rig.call(_ids.NETIFC, ("I4", intf), *rest)


def scan(rig, active=0):
    """WSCN, then the WSCNIND values up to WSCNDONE: (indications, the count WSCNDONE gives)."""
    assert rig.status(_ids.WSCN, ("U1", active)) == OK
    found = []
    while True:
        values = rig.next()
        if len(values) == 1:
            assert rig.codes("WSCNDONE") == ["I4"]
            return found, values[0]
        assert rig.codes("WSCNIND") == ["I4", "I4", "I4", "MAC", "STR"]
        found.append(values)


def last_rsp_codes(rig):
    return [el.code for el in [m for m in rig.host.inbox if m.kind == _ids.RSP][-1].elements]


# -- WSTAC ---------------------------------------------------------------------------------------


def test_wstac_sets_and_queries_its_parameters():
    with Rig() as rig:
        assert rig.ok(_ids.WSTAC, ("U4", 2)) == [[2, 0]]  # SEC_TYPE default: open
        assert rig.ok(_ids.WSTAC, ("U4", 5)) == [[5, None]]  # BSSID unset: an empty MACADDR
        assert rig.ok(_ids.WSTAC, ("U4", 50)) == [[50, 1]]  # MFP enabled
        assert wstac(rig, 1, ("STR", LAB)) == OK
        assert wstac(rig, 2, ("I4", 5)) == OK
        assert wstac(rig, 5, ("MAC", AP5)) == OK
        assert rig.ok(_ids.WSTAC, ("U4", 1)) == [[1, LAB]]
        assert rig.ok(_ids.WSTAC, ("U4", 5)) == [[5, AP5]]
        assert last_rsp_codes(rig) == ["U4", "MAC"]
        assert wstac(rig, 5, ("MAC", b"")) == OK  # an empty TLV: any BSSID again
        assert rig.ok(_ids.WSTAC, ("U4", 5)) == [[5, None]]
        everything = rig.ok(_ids.WSTAC)
        assert [r[0] for r in everything] == [0, 1, 2, 3, 4, 5, 7, 8, 9, 20, 21, 25, 26, 30,
                                              31, 32, 33, 50, 51]
        assert everything[2] == [2, 5] and everything[6] == [7, 10000]
        assert wstac(rig, 0, ("I4", 0)) == OK  # PRESET: defaults back
        assert rig.ok(_ids.WSTAC, ("U4", 1)) == [[1, ""]]


@pytest.mark.parametrize("ident, element", [
    (1, ("STR", "x" * 33)), (2, ("I4", 10)), (2, ("I4", -1)), (4, ("I4", 14)),
    (8, ("U1", 2)), (9, ("I4", 3)), (50, ("I4", 3)), (5, ("STR", "02:00:00:00:00:01")),
    (6, ("I4", 0)),
])
def test_wstac_refuses_bad_values(ident, element):
    with Rig() as rig:
        assert wstac(rig, ident, element) == _ids.INVALID_PARAMETER


# -- WSTA: connecting ----------------------------------------------------------------------------


def test_connect_to_winc_lab_gives_link_up_then_the_module_address():
    with Rig() as rig:
        assert connect(rig) == OK
        assert rig.next("WSTALU") == [1, AP1, 6]  # the stronger of the two winc-lab APs
        assert rig.codes("WSTALU") == ["U2", "MAC", "I4"]
        assert rig.next("WSTAAIP") == [1, "127.0.0.1"]
        assert rig.codes("WSTAAIP") == ["U2", "IPV4"]
        assert rig.emu.wifi_station() == {"state": "connected", "assoc": 1, "bssid": AP1,
                                          "channel": 6, "address": "127.0.0.1"}
        rig.quiet(0.05)


def test_the_lease_is_the_sockets_address():
    with Rig(ipv4="127.0.0.7") as rig:
        connect(rig)
        rig.next("WSTALU")
        assert rig.next("WSTAAIP") == [1, "127.0.0.7"]


def test_wrong_passphrase_fails_and_the_station_is_idle_again():
    with Rig() as rig:
        assert connect(rig, passphrase="wrong") == OK
        assert rig.next("WSTAERR") == [STA_CONN_FAILED]
        assert rig.codes("WSTAERR") == ["I4"]
        assert rig.emu.wifi_station()["state"] == "idle"
        assert connect(rig) == OK  # a new attempt is allowed
        assert rig.next("WSTALU")[0] == 1


def test_unknown_ssid_times_out():
    with Rig() as rig:
        assert connect(rig, ssid="nowhere") == OK
        assert rig.next("WSTAERR") == [_ids.TIMEOUT]
        assert rig.emu.wifi_station()["state"] == "idle"


# (AP security, station security, accepted): §6.5 SEC_TYPE values.
SECURITY = [
    (0, 0, True), (0, 3, False), (3, 0, False), (3, 2, True), (2, 3, True), (3, 5, False),
    (3, 4, True), (2, 4, True), (4, 3, True), (4, 5, True), (4, 2, True), (5, 4, True),
    (5, 3, False), (5, 2, False),
    (7, 7, True), (7, 6, False), (9, 9, True),
]


@pytest.mark.parametrize("ap_sec, sta_sec, accepted", SECURITY,
                         ids=["ap%d-sta%d" % s[:2] for s in SECURITY])
def test_security_types_must_match(ap_sec, sta_sec, accepted):
    with Rig(networks=[{"ssid": "net", "bssid": AP1, "security": ap_sec,
                        "passphrase": "" if ap_sec == 0 else "pass"}]) as rig:
        # Open and enterprise APs ignore CREDENTIALS; personal ones need the passphrase.
        connect(rig, ssid="net", passphrase="other" if ap_sec in (0, 7, 9) else "pass",
                security=sta_sec)
        if accepted:
            assert rig.next("WSTALU") == [1, AP1, 6]
        else:
            assert rig.next("WSTAERR") == [STA_CONN_FAILED]


def test_wpa3_network_with_the_sae_passphrase():
    with Rig() as rig:
        assert connect(rig, "winc-wpa3", "sae passphrase", security=3) == OK
        assert rig.next("WSTAERR") == [STA_CONN_FAILED]
        assert connect(rig, "winc-wpa3", "sae passphrase", security=5) == OK
        assert rig.next("WSTALU") == [1, AP3, 11]


def test_a_hidden_network_is_joined_by_name():
    with Rig() as rig:
        connect(rig, "winc-hidden", "hidden passphrase")
        assert rig.next("WSTALU") == [1, AP4, 3]


def test_bssid_and_channel_pins_pick_the_weaker_ap():
    with Rig() as rig:
        assert wstac(rig, 5, ("MAC", AP5)) == OK
        connect(rig)
        assert rig.next("WSTALU") == [1, AP5, 11]
        assert rig.status(_ids.WSTA, ("I4", 0)) == OK
        rig.next("WSTALD")
        assert wstac(rig, 5, ("MAC", b"")) == OK
        assert wstac(rig, 4, ("I4", 11)) == OK
        assert rig.status(_ids.WSTA, ("I4", 1)) == OK
        assert rig.next("WSTALU") == [2, AP5, 11]
        rig.next("WSTAAIP")
        assert rig.status(_ids.WSTA, ("I4", 0)) == OK
        rig.next("WSTALD")
        assert wstac(rig, 4, ("I4", 1)) == OK  # no winc-lab AP on channel 1
        assert rig.status(_ids.WSTA, ("I4", 1)) == OK
        assert rig.next("WSTAERR") == [_ids.TIMEOUT]
        assert wstac(rig, 4, ("I4", 0)) == OK
        assert wstac(rig, 5, ("MAC", AP2)) == OK  # winc-open's BSSID: not winc-lab
        assert rig.status(_ids.WSTA, ("I4", 1)) == OK
        assert rig.next("WSTAERR") == [_ids.TIMEOUT]


def test_wsta_query_answers_one_element_connected_or_not():
    now = [10.0]
    with Rig(clock=lambda: now[0]) as rig:
        assert rig.ok(_ids.WSTA) == [[0]]
        assert last_rsp_codes(rig) == ["I4"]
        connect(rig)
        assert rig.ok(_ids.WSTA) == [[0]]  # connecting
        assert rig.emu.wifi_station()["state"] == "connecting"
        now[0] += 0.02
        assert rig.next("WSTALU")[0] == 1
        assert rig.ok(_ids.WSTA) == [[1]]  # associated, before the address
        assert rig.emu.wifi_station()["address"] is None


def test_join_and_dhcp_times_on_the_module_clock():
    now = [10.0]
    with Rig(clock=lambda: now[0], join_ms=500, dhcp_ms=200) as rig:
        connect(rig)
        now[0] += 0.499
        rig.quiet(0.05)
        now[0] += 0.001
        assert rig.next("WSTALU")[0] == 1
        now[0] += 0.199
        rig.quiet(0.05)
        now[0] += 0.001
        assert rig.next("WSTAAIP") == [1, "127.0.0.1"]


def test_wsta_1_is_refused_while_connecting_or_connected():
    now = [10.0]
    with Rig(clock=lambda: now[0]) as rig:
        connect(rig)
        assert rig.status(_ids.WSTA, ("I4", 1)) == STA_CONN_REFUSED
        now[0] += 0.02
        rig.next("WSTALU")
        now[0] += 0.01
        rig.next("WSTAAIP")
        assert rig.status(_ids.WSTA, ("I4", 1)) == STA_CONN_REFUSED
        assert rig.status(_ids.WSTA, ("I4", 2)) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.WSTA, ("I4", 1), ("I4", 1)) == 0x0005  # INCORRECT_NUM_PARAMS
        rig.quiet(0.05)
        assert rig.emu.wifi_station()["assoc"] == 1


def test_wsta_0_brings_the_link_down_after_its_status():
    with Rig() as rig:
        connect(rig)
        rig.next("WSTALU")
        rig.next("WSTAAIP")
        assert rig.status(_ids.WSTA, ("I4", 0)) == OK
        assert rig.ok(_ids.WSTA) == [[0]]
        assert rig.next("WSTALD") == [1]
        assert rig.codes("WSTALD") == ["U2"]
        assert rig.emu.wifi_station() == {"state": "idle", "assoc": None, "bssid": None,
                                          "channel": None, "address": None}
        assert rig.status(_ids.WSTA, ("I4", 0)) == OK  # idle: nothing to do, no AEC
        rig.quiet(0.05)
        assert rig.status(_ids.WSTA, ("I4", 1)) == OK
        assert rig.next("WSTALU")[0] == 2  # a new association id


def test_wsta_0_cancels_an_attempt_without_an_aec():
    now = [10.0]
    with Rig(clock=lambda: now[0]) as rig:
        connect(rig)
        assert rig.status(_ids.WSTA, ("I4", 0)) == OK
        now[0] += 1
        rig.quiet(0.05)
        assert rig.emu.wifi_station()["state"] == "idle"


def test_wsta_0_before_the_lease_keeps_it_from_coming():
    now = [10.0]
    with Rig(clock=lambda: now[0]) as rig:
        connect(rig)
        now[0] += 0.02
        rig.next("WSTALU")
        assert rig.status(_ids.WSTA, ("I4", 0)) == OK
        assert rig.next("WSTALD") == [1]
        now[0] += 1
        rig.quiet(0.05)


# -- the access points ---------------------------------------------------------------------------


def test_removing_the_associated_ap_brings_the_link_down():
    with Rig() as rig:
        connect(rig)
        rig.next("WSTALU")
        rig.next("WSTAAIP")
        rig.emu.wifi_remove(AP5)  # not the one in use
        rig.quiet(0.05)
        rig.emu.wifi_remove(AP1.upper())
        assert rig.next("WSTALD") == [1]
        assert rig.emu.wifi_station()["state"] == "idle"
        assert rig.ok(_ids.WSTA) == [[0]]
        with pytest.raises(KeyError):
            rig.emu.wifi_remove(AP1)
        assert [ap["bssid"] for ap in rig.emu.wifi_networks()] == [AP2, AP3, AP4]
        assert rig.status(_ids.WSTA, ("I4", 1)) == OK
        assert rig.next("WSTAERR") == [_ids.TIMEOUT]  # winc-lab is gone


def test_roaming_moves_the_station_to_another_ap_of_its_network():
    with Rig() as rig:
        with pytest.raises(ValueError):
            rig.emu.wifi_roam(AP5)  # not connected
        connect(rig)
        rig.next("WSTALU")
        rig.next("WSTAAIP")
        rig.emu.wifi_roam(AP5)
        assert rig.next("WSTAROAM") == [1]
        assert rig.codes("WSTAROAM") == ["U2"]
        assert rig.emu.wifi_station() == {"state": "connected", "assoc": 1, "bssid": AP5,
                                          "channel": 11, "address": "127.0.0.1"}
        for other in (AP2, AP5):  # another network; the AP in use
            with pytest.raises(ValueError):
                rig.emu.wifi_roam(other)
        with pytest.raises(KeyError):
            rig.emu.wifi_roam("02:00:00:00:00:99")
        rig.emu.wifi_remove(AP5)  # the AP roamed to is now the one that matters
        assert rig.next("WSTALD") == [1]


def test_wifi_add_replaces_by_bssid_and_checks_its_values():
    with Rig() as rig:
        world = rig.emu.wifi_networks()
        assert len(world) == 5 and world[3] == {
            "ssid": "winc-hidden", "bssid": AP4, "channel": 3, "rssi": -55, "security": 3,
            "passphrase": "hidden passphrase", "hidden": True}
        world[0]["ssid"] = "changed"  # a copy
        assert rig.emu.wifi_networks()[0]["ssid"] == LAB
        rig.emu.wifi_add("cafe", "02:00:00:00:00:AA")
        assert rig.emu.wifi_networks()[-1] == {
            "ssid": "cafe", "bssid": "02:00:00:00:00:aa", "channel": 6, "rssi": -50,
            "security": 3, "passphrase": "", "hidden": False}
        rig.emu.wifi_add(LAB, AP1, channel=1, rssi=-30, passphrase="new")
        assert rig.emu.wifi_networks()[0]["channel"] == 1 and len(rig.emu.wifi_networks()) == 6
        for bad in ({"ssid": ""}, {"ssid": "x" * 33}, {"bssid": "02:00"}, {"channel": 0},
                    {"channel": 14}, {"rssi": 0}, {"security": 1}, {"security": 10},
                    {"passphrase": "p" * 129}, {"hidden": 1}, {"channel": True}):
            args = dict({"ssid": "bad", "bssid": "02:00:00:00:00:bb"}, **bad)
            with pytest.raises(ValueError):
                rig.emu.wifi_add(**args)
        assert len(rig.emu.wifi_networks()) == 6
        connect(rig, passphrase="new")
        assert rig.next("WSTALU") == [1, AP1, 1]


def test_networks_option_replaces_the_world():
    emu = Module(networks=[{"ssid": "only", "bssid": "02:00:00:00:01:00"}])
    try:
        assert emu.wifi_networks() == [{"ssid": "only", "bssid": "02:00:00:00:01:00",
                                        "channel": 6, "rssi": -50, "security": 3,
                                        "passphrase": "", "hidden": False}]
    finally:
        emu.close()
    for bad in ([{"ssid": "no bssid"}], [{"ssid": "x", "bssid": AP1, "colour": 1}],
                [{"ssid": "x", "bssid": AP1}, {"ssid": "y", "bssid": AP1}], "winc-lab",
                [{"ssid": "x", "bssid": AP1, "channel": 20}]):
        with pytest.raises(ValueError):
            Module(networks=bad)
    for bad in ({"mac": "nope"}, {"join_ms": -1}, {"scan_ms": "1"}):
        with pytest.raises(ValueError):
            Module(**bad)


def test_a_reset_drops_the_association_but_keeps_the_world():
    now = [10.0]
    with Rig(clock=lambda: now[0]) as rig:
        rig.emu.wifi_add("kept", "02:00:00:00:00:10", passphrase="kept pass")
        connect(rig)
        now[0] += 0.02
        assert rig.next("WSTALU")[0] == 1
        rig.emu.reset(sdio=False)  # before the lease: its timer dies too
        rig.host.drain()
        now[0] += 1
        rig.quiet(0.05)
        assert rig.emu.wifi_station()["state"] == "idle"
        assert rig.ok(_ids.WSTA) == [[0]]
        assert rig.ok(_ids.WSTAC, ("U4", 1)) == [[1, ""]]  # the configuration is gone too
        connect(rig, "kept", "kept pass")
        now[0] += 0.02
        assert rig.next("WSTALU") == [1, "02:00:00:00:00:10", 6]  # ids count from 1 again


def test_the_wifi_controls_reach_the_remote_client():
    for name in ("wifi_networks", "wifi_add", "wifi_remove", "wifi_roam", "wifi_station"):
        assert name in remote.CONTROL and callable(getattr(Module, name))


# -- NETIFC --------------------------------------------------------------------------------------


def test_netifc_lists_and_describes_both_interfaces():
    with Rig() as rig:
        assert rig.ok(_ids.NETIFC) == [[0, 1]]
        assert netifc(rig, 0, ("U4", 2)) == ([[2, "02:57:49:4e:43:00"]], OK)
        assert last_rsp_codes(rig) == ["U4", "MAC"]
        assert netifc(rig, 1, ("U4", 2)) == ([[2, "02:57:49:4e:43:01"]], OK)
        assert netifc(rig, 0, ("U4", 1)) == ([[1, "wlan0"]], OK)
        assert netifc(rig, 1, ("U4", 1)) == ([[1, "wlan1"]], OK)
        assert netifc(rig, 0, ("U4", 10)) == ([[10, 1]], OK)  # DHCP client on
        rsps, status = netifc(rig, 0)
        assert status == OK and [r[0] for r in rsps] == [0, 1, 2, 3, 10, 11, 12, 13, 20, 21,
                                                         22, 40, 41, 61, 62]
        assert netifc(rig, 2) == ([], _ids.INVALID_PARAMETER)
        assert netifc(rig, -1, ("U4", 1)) == ([], _ids.INVALID_PARAMETER)
        assert netifc(rig, 0, ("U4", 1), ("STR", "eth0"))[1] == ACCESS_DENIED
        assert netifc(rig, 0, ("U4", 2), ("MAC", AP1))[1] == ACCESS_DENIED


def test_netifc_hostname_is_set_per_interface():
    with Rig() as rig:
        assert netifc(rig, 0, ("U4", 3)) == ([[3, "wincs02"]], OK)
        assert netifc(rig, 0, ("U4", 3), ("STR", "board-7")) == ([], OK)
        assert netifc(rig, 0, ("U4", 3)) == ([[3, "board-7"]], OK)
        assert netifc(rig, 1, ("U4", 3)) == ([[3, "wincs02"]], OK)
        assert netifc(rig, 0, ("U4", 3), ("STR", "x" * 17)) == ([], _ids.INVALID_PARAMETER)


def test_the_mac_option_names_both_interfaces():
    with Rig(mac="02:AA:BB:CC:DD:FF") as rig:
        assert netifc(rig, 0, ("U4", 2))[0] == [[2, "02:aa:bb:cc:dd:ff"]]
        assert netifc(rig, 1, ("U4", 2))[0] == [[2, "02:aa:bb:cc:dd:00"]]


def test_the_lease_shows_in_netifc_while_it_is_held():
    with Rig() as rig:
        assert netifc(rig, 0, ("U4", 40)) == ([[40, None]], OK)
        connect(rig)
        rig.next("WSTALU")
        rig.next("WSTAAIP")
        assert netifc(rig, 0, ("U4", 40)) == ([[40, "127.0.0.1/255.0.0.0"]], OK)
        assert last_rsp_codes(rig) == ["U4", "IPV4"]
        assert netifc(rig, 0, ("U4", 41)) == ([[41, "127.0.0.254"]], OK)
        assert netifc(rig, 0, ("U4", 13)) == ([[13, "127.0.0.254"]], OK)
        rsps = netifc(rig, 0)[0]
        assert [40, "127.0.0.1/255.0.0.0"] in rsps
        assert netifc(rig, 1, ("U4", 40)) == ([[40, None]], OK)  # interface 1 holds no lease
        rig.status(_ids.WSTA, ("I4", 0))
        rig.next("WSTALD")
        assert netifc(rig, 0, ("U4", 40)) == ([[40, None]], OK)
        assert netifc(rig, 0, ("U4", 41)) == ([[41, None]], OK)


def test_a_static_address_is_announced_instead_of_a_lease():
    with Rig() as rig:
        assert netifc(rig, 0, ("U4", 10), ("BOOL4", 0)) == ([], OK)
        assert netifc(rig, 0, ("U4", 40), ("IPV4", "127.0.0.9/255.0.0.0")) == ([], OK)
        connect(rig)
        rig.next("WSTALU")
        assert rig.next("WSTAAIP") == [1, "127.0.0.9"]
        assert netifc(rig, 0, ("U4", 40)) == ([[40, "127.0.0.9/255.0.0.0"]], OK)
        assert rig.emu.wifi_station()["address"] == "127.0.0.9"


def test_without_dhcp_or_a_static_address_no_address_comes():
    with Rig() as rig:
        assert netifc(rig, 0, ("U4", 10), ("BOOL4", 0)) == ([], OK)
        connect(rig)
        rig.next("WSTALU")
        rig.quiet(0.1)
        assert rig.emu.wifi_station()["address"] is None


# -- WSCNC / WSCN --------------------------------------------------------------------------------


def test_passive_scan_lists_every_ap_by_rssi_with_hidden_names_empty():
    with Rig() as rig:
        found, count = scan(rig)
        assert count == 5
        assert [f[3] for f in found] == SCAN_ORDER
        assert found[0] == [-48, 3, 6, AP1, LAB]
        assert found[1] == [-55, 3, 3, AP4, ""]  # hidden
        assert found[4] == [-71, 0, 1, AP2, "winc-open"]
        assert [name for name, _ in rig.aecs] == ["WSCNIND"] * 5 + ["WSCNDONE"]


def test_scan_results_keep_the_last_scan():
    with Rig() as rig:
        assert rig.ok(_ids.WSCNC, ("U4", 20)) == []  # nothing scanned yet
        scan(rig)
        rsps = rig.ok(_ids.WSCNC, ("U4", 20))
        assert [r[0] for r in rsps] == ["20.%d" % i for i in range(5)]
        assert rsps[0] == ["20.0", -48, 3, 6, AP1, LAB]
        assert last_rsp_codes(rig) == ["FRAC", "I4", "I4", "I4", "MAC", "STR"]
        assert rig.ok(_ids.WSCNC, ("FRAC", (20, 1))) == [["20.1", -55, 3, 3, AP4, ""]]
        assert rig.ok(_ids.WSCNC, ("FRAC", (20, 6))) == [["20.6"]]  # an empty slot
        assert rig.status(_ids.WSCNC, ("FRAC", (20, 8))) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.WSCNC, ("U4", 20), ("I4", 0)) == ACCESS_DENIED


def test_active_scan_with_a_filter_list_reveals_the_hidden_network():
    with Rig() as rig:
        assert rig.status(_ids.WSCNC, ("U4", 10), ("BA", b"winc-hidden")) == OK
        found, _ = scan(rig, active=0)  # a passive scan sends no probe
        assert found[1][4] == ""
        found, _ = scan(rig, active=1)
        assert found[1] == [-55, 3, 3, AP4, "winc-hidden"]
        assert rig.ok(_ids.WSCNC, ("U4", 10)) == [["10.0", b"winc-hidden"]]
        assert rig.status(_ids.WSCNC, ("U4", 10), ("BA", b"")) == OK  # "" clears the list
        assert rig.ok(_ids.WSCNC, ("U4", 10)) == []
        found, _ = scan(rig, active=1)
        assert found[1][4] == ""


def test_filter_list_slots_are_set_and_cleared_one_by_one():
    with Rig() as rig:
        for ssid in (b"a", b"b", b"c", b"d"):
            assert rig.status(_ids.WSCNC, ("U4", 10), ("BA", ssid)) == OK
        assert rig.status(_ids.WSCNC, ("U4", 10), ("BA", b"e")) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.WSCNC, ("FRAC", (10, 1)), ("STR", "")) == OK
        assert [r[1] for r in rig.ok(_ids.WSCNC, ("U4", 10))] == [b"a", b"c", b"d"]
        assert rig.status(_ids.WSCNC, ("FRAC", (10, 1)), ("BA", b"winc-hidden")) == OK
        found, _ = scan(rig, active=1)
        assert found[1][4] == "winc-hidden"


def test_scan_channel_filters():
    with Rig() as rig:
        assert rig.status(_ids.WSCNC, ("U4", 1), ("U1", 11)) == OK
        found, count = scan(rig)
        assert [f[3] for f in found] == [AP3, AP5] and count == 2
        assert rig.status(_ids.WSCNC, ("U4", 1), ("U1", 0)) == OK
        assert rig.status(_ids.WSCNC, ("U4", 11), ("U4", 0b101)) == OK  # channels 1 and 3
        found, count = scan(rig)
        assert [f[3] for f in found] == [AP4, AP2] and count == 2
        assert rig.status(_ids.WSCNC, ("U4", 1), ("U1", 14)) == _ids.INVALID_PARAMETER


def test_scan_rssi_threshold():
    with Rig() as rig:
        assert rig.status(_ids.WSCNC, ("U4", 6), ("I4", -60)) == OK
        assert rig.ok(_ids.WSCNC, ("U4", 6)) == [[6, -60]]
        found, count = scan(rig)
        assert [f[3] for f in found] == [AP1, AP4, AP3] and count == 3


def test_scan_without_async_notify_only_reports_the_count():
    with Rig() as rig:
        assert rig.status(_ids.WSCNC, ("U4", 8), ("BOOL4", 0)) == OK
        assert rig.status(_ids.WSCN, ("U1", 0)) == OK
        assert rig.next("WSCNDONE") == [5]
        rig.quiet(0.05)
        assert len(rig.ok(_ids.WSCNC, ("U4", 20))) == 5


def test_wscn_refuses_a_bad_mode_and_a_second_scan():
    now = [10.0]
    with Rig(clock=lambda: now[0]) as rig:
        assert rig.status(_ids.WSCN, ("U1", 2)) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.WSCN) == 0x0005  # INCORRECT_NUM_PARAMS
        assert rig.status(_ids.WSCN, ("U1", 1)) == OK
        assert rig.status(_ids.WSCN, ("U1", 1)) == _ids.ERROR
        rig.quiet(0.05)
        now[0] += 0.03
        assert rig.next("WSCNIND")[3] == AP1
        for _ in range(4):
            rig.next("WSCNIND")
        assert rig.next("WSCNDONE") == [5]
        assert rig.status(_ids.WSCN, ("U1", 1)) == OK  # done: a new scan may start


def test_wscnc_defaults():
    with Rig() as rig:
        rsps = rig.ok(_ids.WSCNC)
        assert [r[0] for r in rsps] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 11]  # empty lists omitted
        assert rig.ok(_ids.WSCNC, ("U4", 11)) == [[11, 0x1FFF]]
        assert rig.ok(_ids.WSCNC, ("U4", 8)) == [[8, 1]]
