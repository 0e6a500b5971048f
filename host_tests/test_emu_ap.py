"""The emulator's soft AP and the services beside it (spec §7.2, §7.10, §7.11, §7.13): WAPC/WAP
with emulated stations (ap_* controls), the DHCP server, ASSOC, PING, SNTPC, TIME and WIFIC,
driven by the spec-built host.
"""
# cpython only: the emulator runs in process

import calendar
import errno
import socket
import time

import pytest
from emu_net import TCP, TIMEOUT_S, Rig, free_port
from test_emu_wifi import AP1, LAB, connect, scan

from winc import _ids
from wincsim import Module, remote
from wincsim.names import ACCESS_DENIED, INCORRECT_NUM_PARAMS

OK = _ids.OK
WAP_STOP_REFUSED, WAP_START_FAILED, WAP_START_REFUSED = 0x1200, 0x1203, 0x1202
UNSUPPORTTED_SEC_TYPE, ASSOC_NOT_FOUND = 0x1204, 0x1600  # (sic) the spec's spelling
PING_FAILED, SNTP_SERVER_TMO = 0x0B00, 0x0D00
AP_SSID, AP_PASS = "winc-ap", "ap passphrase"
STA1, STA2, STA3 = ("02:00:00:00:10:0%d" % n for n in range(1, 4))
NTP_OFFSET = 2208988800


def wapc(rig, ident, element):
    return rig.status(_ids.WAPC, ("U4", ident), element)


def start_ap(rig, ssid=AP_SSID, passphrase=AP_PASS, security=3, channel=1):
    """WAPC SSID, SEC_TYPE, CREDENTIALS, CHANNEL, then WAP(1): its STATUS."""
    assert wapc(rig, 1, ("STR", ssid)) == OK
    assert wapc(rig, 2, ("I4", security)) == OK
    assert wapc(rig, 3, ("STR", passphrase)) == OK
    assert wapc(rig, 4, ("I4", channel)) == OK
    return rig.status(_ids.WAP, ("I4", 1))


def dhcpsc(rig, *rest):
    return rig.call(_ids.DHCPSC, ("I4", 0), *rest)


def sntpc(rig, ident, element):
    return rig.status(_ids.SNTPC, ("U4", ident), element)


def wific(rig, ident, element):
    return rig.status(_ids.WIFIC, ("U4", ident), element)


def kinds_since(rig, mark):
    """Names of the STATUS ("St"), RSP and AEC messages received after inbox[mark], in order."""
    names = {_ids.STATUS: "St", _ids.RSP: "RSP", _ids.AEC: "AEC"}
    return [names[m.kind] for m in rig.host.inbox[mark:]]


def last_rsp_codes(rig):
    return [el.code for el in [m for m in rig.host.inbox if m.kind == _ids.RSP][-1].elements]


def connected(rig):
    """The station joined winc-lab and holds its address (association 1)."""
    assert connect(rig) == OK
    assert rig.next("WSTALU")[0] == 1
    return rig.next("WSTAAIP")[1]


def time_query(rig, *fmt):
    assert rig.status(_ids.TIME, *fmt) == OK
    return rig.next("TIME")[0]


# -- WAPC / WAP ----------------------------------------------------------------------------------


def test_wapc_defaults():
    with Rig() as rig:
        assert rig.ok(_ids.WAPC) == [[0, 0], [1, ""], [2, 3], [3, ""], [4, 1], [5, 0], [8, 1],
                                     [9, 3600], [50, 1]]
        assert rig.ok(_ids.WAPC, ("U4", 9)) == [[9, 3600]]
        assert last_rsp_codes(rig) == ["U4", "U4"]
        assert wapc(rig, 1, ("STR", AP_SSID)) == OK
        assert wapc(rig, 5, ("BOOL4", 1)) == OK
        assert rig.ok(_ids.WAPC, ("U4", 1)) == [[1, AP_SSID]]
        assert rig.ok(_ids.WAPC, ("U4", 5)) == [[5, 1]]
        assert wapc(rig, 0, ("I4", 0)) == OK  # PRESET
        assert rig.ok(_ids.WAPC, ("U4", 1)) == [[1, ""]]


@pytest.mark.parametrize("ident, element", [
    (1, ("STR", "x" * 33)), (3, ("STR", "p" * 129)), (4, ("I4", 0)), (4, ("I4", 14)),
    (5, ("BOOL4", 2)), (8, ("U1", 2)), (9, ("U4", 59)), (9, ("U4", 86401)), (50, ("I4", 3)),
    (6, ("I4", 0)), (1, ("I4", 1)),
])
def test_wapc_refuses_bad_values(ident, element):
    with Rig() as rig:
        assert wapc(rig, ident, element) == _ids.INVALID_PARAMETER


def test_wap_starts_and_stops_without_aecs():
    with Rig() as rig:
        assert rig.ok(_ids.WAP) == [[0]]
        assert last_rsp_codes(rig) == ["I4"]
        assert start_ap(rig) == OK
        assert rig.ok(_ids.WAP) == [[1]]
        assert rig.status(_ids.WAP, ("I4", 1)) == WAP_START_REFUSED  # running already
        assert rig.emu.ap_state() == {"running": True, "ssid": AP_SSID, "channel": 1,
                                      "security": 3, "stations": []}
        assert rig.status(_ids.WAP, ("I4", 0)) == OK
        assert rig.ok(_ids.WAP) == [[0]]
        assert rig.status(_ids.WAP, ("I4", 0)) == WAP_STOP_REFUSED  # not running
        assert rig.status(_ids.WAP, ("I4", 2)) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.WAP, ("I4", 1), ("I4", 1)) == INCORRECT_NUM_PARAMS
        rig.quiet(0.05)


@pytest.mark.parametrize("ssid, security, passphrase, status", [
    ("", 3, AP_PASS, WAP_START_REFUSED),
    (AP_SSID, 1, AP_PASS, UNSUPPORTTED_SEC_TYPE),
    (AP_SSID, 6, AP_PASS, UNSUPPORTTED_SEC_TYPE),  # enterprise
    (AP_SSID, 9, AP_PASS, UNSUPPORTTED_SEC_TYPE),
    (AP_SSID, -1, AP_PASS, UNSUPPORTTED_SEC_TYPE),
    (AP_SSID, 3, "7 chars", WAP_START_FAILED),
    (AP_SSID, 5, "p" * 64, WAP_START_FAILED),
    (AP_SSID, 2, "", WAP_START_FAILED),
    (AP_SSID, 3, "8 chars!", OK),
    (AP_SSID, 4, "p" * 63, OK),
    (AP_SSID, 0, "", OK),  # open: no passphrase needed
])
def test_wap_start_checks_its_settings(ssid, security, passphrase, status):
    with Rig() as rig:
        assert start_ap(rig, ssid, passphrase, security) == status
        assert rig.ok(_ids.WAP) == [[1 if status == OK else 0]]


def test_a_running_ap_keeps_the_settings_it_started_with():
    with Rig() as rig:
        assert start_ap(rig, channel=6) == OK
        assert wapc(rig, 4, ("I4", 11)) == OK
        assert rig.emu.ap_state()["channel"] == 6
        assert rig.status(_ids.WAP, ("I4", 0)) == OK
        assert rig.emu.ap_state()["channel"] == 11  # down: what WAPC holds


def test_the_soft_ap_and_the_station_run_at_once():
    with Rig() as rig:
        assert start_ap(rig) == OK
        assert connected(rig) == "127.0.0.1"
        assert rig.ok(_ids.WAP) == [[1]] and rig.ok(_ids.WSTA) == [[1]]
        assert rig.emu.ap_join(STA1, AP_PASS)["assoc"] == 2  # one id space for both
        assert rig.next("WAPSC") == [2, STA1]
        assert rig.next("WAPAIP") == [2, "127.0.1.100"]
        assert rig.status(_ids.WSTA, ("I4", 0)) == OK
        assert rig.next("WSTALD") == [1]
        assert rig.ok(_ids.WAP) == [[1]]
        assert rig.status(_ids.WSTA, ("I4", 1)) == OK
        assert rig.next("WSTALU")[0] == 3


# -- emulated stations ---------------------------------------------------------------------------


def test_stations_join_with_leases_from_the_pool_and_give_them_back():
    with Rig() as rig:
        assert start_ap(rig) == OK
        assert rig.emu.ap_join(STA1, AP_PASS) == {"assoc": 1, "address": "127.0.1.100"}
        assert rig.next("WAPSC") == [1, STA1]
        assert rig.codes("WAPSC") == ["U2", "MAC"]
        assert rig.next("WAPAIP") == [1, "127.0.1.100"]
        assert rig.codes("WAPAIP") == ["U2", "IPV4"]
        assert rig.emu.ap_join(STA2.upper(), AP_PASS) == {"assoc": 2, "address": "127.0.1.101"}
        assert rig.next("WAPSC") == [2, STA2]
        assert rig.next("WAPAIP") == [2, "127.0.1.101"]
        assert dhcpsc(rig, ("U4", 4)) == ([[4, 2]], OK)  # POOL_LEASES
        rig.emu.ap_leave(STA1)
        assert rig.next("WAPSD") == [1, STA1]
        assert rig.codes("WAPSD") == ["U2", "MAC"]
        assert dhcpsc(rig, ("U4", 4)) == ([[4, 1]], OK)
        assert rig.emu.ap_join(STA3, AP_PASS) == {"assoc": 3, "address": "127.0.1.100"}
        rig.next("WAPSC")
        assert rig.next("WAPAIP") == [3, "127.0.1.100"]  # the lease STA1 gave back
        assert rig.emu.ap_state()["stations"] == [
            {"assoc": 2, "mac": STA2, "address": "127.0.1.101"},
            {"assoc": 3, "mac": STA3, "address": "127.0.1.100"}]
        with pytest.raises(KeyError):
            rig.emu.ap_leave(STA1)
        rig.quiet(0.05)


def test_ap_join_refusals():
    with Rig() as rig:
        with pytest.raises(OSError) as raised:
            rig.emu.ap_join(STA1, AP_PASS)  # no AP
        assert raised.value.errno == errno.ENETDOWN
        assert start_ap(rig) == OK
        with pytest.raises(ValueError, match="wrong passphrase"):
            rig.emu.ap_join(STA1, "not it")
        with pytest.raises(ValueError):
            rig.emu.ap_join("02:00")
        rig.quiet(0.05)  # a refused station sends nothing
        macs = ["02:00:00:00:20:%02x" % n for n in range(10)]
        for n, mac in enumerate(macs):
            assert rig.emu.ap_join(mac, AP_PASS) == {"assoc": n + 1,
                                                     "address": "127.0.1.%d" % (100 + n)}
        with pytest.raises(ValueError):
            rig.emu.ap_join(STA1, AP_PASS)  # an 11th
        rig.emu.ap_leave(macs[4])
        with pytest.raises(ValueError):
            rig.emu.ap_join(macs[0], AP_PASS)  # associated already
        assert rig.emu.ap_join(STA1, AP_PASS) == {"assoc": 11, "address": "127.0.1.104"}
        assert len(rig.emu.ap_state()["stations"]) == 10


def test_an_open_ap_takes_any_passphrase():
    with Rig() as rig:
        assert start_ap(rig, security=0, passphrase="") == OK
        assert rig.emu.ap_join(STA1, "whatever")["assoc"] == 1
        assert rig.emu.ap_join(STA2)["assoc"] == 2


def test_wap_0_drops_every_station_after_its_status():
    with Rig() as rig:
        assert start_ap(rig) == OK
        rig.emu.ap_join(STA1, AP_PASS)
        rig.emu.ap_join(STA2, AP_PASS)
        for _ in range(4):
            rig.next()
        mark = len(rig.host.inbox)
        assert rig.status(_ids.WAP, ("I4", 0)) == OK
        assert rig.next("WAPSD") == [1, STA1]
        assert rig.next("WAPSD") == [2, STA2]
        assert kinds_since(rig, mark) == ["St", "AEC", "AEC"]
        assert rig.emu.ap_state()["stations"] == [] and not rig.emu.ap_state()["running"]
        assert start_ap(rig) == OK
        assert rig.emu.ap_join(STA1, AP_PASS) == {"assoc": 3, "address": "127.0.1.100"}


def test_without_the_dhcp_server_a_station_gets_no_lease():
    with Rig() as rig:
        assert dhcpsc(rig, ("U4", 1), ("BOOL4", 0)) == ([], OK)
        assert start_ap(rig) == OK
        assert rig.emu.ap_join(STA1, AP_PASS) == {"assoc": 1, "address": None}
        assert rig.next("WAPSC") == [1, STA1]
        rig.quiet(0.05)
        assert dhcpsc(rig, ("U4", 4)) == ([[4, 0]], OK)


def test_a_lease_serves_as_a_host_source_address():
    with Rig() as rig:
        assert start_ap(rig) == OK
        lease = rig.emu.ap_join(STA1, AP_PASS)["address"]
        port = free_port()
        ls = rig.open(TCP)
        assert rig.status(_ids.SOCKBL, ("U2", ls), ("U2", port)) == OK
        peer = socket.create_connection(("127.0.0.1", port), TIMEOUT_S, (lease, 0))
        try:
            rig.next("WAPSC")
            rig.next("WAPAIP")
            assert rig.next("SOCKIND")[3:] == [lease, peer.getsockname()[1]]
        finally:
            peer.close()


def test_ap_state_while_the_ap_is_down_shows_the_configuration():
    with Rig() as rig:
        assert rig.emu.ap_state() == {"running": False, "ssid": "", "channel": 1,
                                      "security": 3, "stations": []}
        assert wapc(rig, 1, ("STR", "next")) == OK
        assert rig.emu.ap_state()["ssid"] == "next"


# -- DHCPSC --------------------------------------------------------------------------------------


def test_dhcpsc_lists_one_pool_and_its_defaults():
    with Rig() as rig:
        assert rig.call(_ids.DHCPSC) == ([[0]], OK)
        assert last_rsp_codes(rig) == ["I4"]
        assert dhcpsc(rig) == ([[0, 0], [1, 1], [2, "127.0.1.100"], [3, "127.0.1.109"],
                                [4, 0], [5, 1], [10, "127.0.1.1"]], OK)
        assert dhcpsc(rig, ("U4", 2))[0] == [[2, "127.0.1.100"]]
        assert last_rsp_codes(rig) == ["U4", "IPV4"]
        assert rig.call(_ids.DHCPSC, ("I4", 1)) == ([], _ids.INVALID_PARAMETER)
        assert rig.call(_ids.DHCPSC, ("I4", 1), ("U4", 2)) == ([], _ids.INVALID_PARAMETER)


def test_dhcpsc_pool_start_moves_the_pool():
    with Rig() as rig:
        assert dhcpsc(rig, ("U4", 2), ("IPV4", "127.0.2.10")) == ([], OK)
        assert dhcpsc(rig, ("U4", 3)) == ([[3, "127.0.2.19"]], OK)
        assert dhcpsc(rig, ("U4", 10), ("IPV4", "127.0.2.1")) == ([], OK)
        assert dhcpsc(rig, ("U4", 10)) == ([[10, "127.0.2.1"]], OK)
        assert start_ap(rig) == OK
        assert rig.emu.ap_join(STA1, AP_PASS)["address"] == "127.0.2.10"
        assert dhcpsc(rig, ("U4", 0), ("I4", 0)) == ([], OK)  # PRESET
        assert dhcpsc(rig, ("U4", 2)) == ([[2, "127.0.1.100"]], OK)
        assert rig.emu.ap_join(STA2, AP_PASS)["address"] == "127.0.1.100"


@pytest.mark.parametrize("ident, element, status", [
    (2, ("IPV4", "192.168.1.100"), _ids.INVALID_PARAMETER),  # off loopback
    (2, ("IPV4", "127.255.255.250"), _ids.INVALID_PARAMETER),  # the pool would leave it
    (2, ("IPV4", "127.255.255.246"), OK),  # the last one that fits
    (2, ("IPV4", "127.0.0.1/255.0.0.0"), _ids.INVALID_PARAMETER),
    (2, ("IPV4", b""), _ids.INVALID_PARAMETER),
    (2, ("STR", "127.0.1.5"), _ids.INVALID_PARAMETER),
    (10, ("IPV4", "10.0.0.1"), _ids.INVALID_PARAMETER),
    (10, ("IPV4", "127.9.9.9"), OK),
    (3, ("IPV4", "127.0.1.200"), ACCESS_DENIED),  # POOL_END: read-only
    (4, ("I4", 3), ACCESS_DENIED),  # POOL_LEASES: read-only
    (5, ("I4", 2), _ids.INVALID_PARAMETER),
    (1, ("BOOL4", 2), _ids.INVALID_PARAMETER),
    (6, ("I4", 0), _ids.INVALID_PARAMETER),
])
def test_dhcpsc_checks_its_values(ident, element, status):
    with Rig() as rig:
        assert dhcpsc(rig, ("U4", ident), element)[1] == status


# -- ASSOC ---------------------------------------------------------------------------------------


def test_assoc_reports_the_station_link_and_the_ap_stations_after_its_status():
    with Rig() as rig:
        connected(rig)
        assert start_ap(rig) == OK
        rig.emu.ap_join(STA1, AP_PASS)
        rig.next("WAPSC")
        rig.next("WAPAIP")
        mark = len(rig.host.inbox)
        assert rig.call(_ids.ASSOC) == ([], OK)
        assert rig.next("ASSOC") == [1, 1, AP1, -48]  # the own link: STA 1, the AP's rssi
        assert rig.codes("ASSOC") == ["U2", "I4", "MAC", "I4"]
        assert rig.next("ASSOC") == [2, 0, STA1, -40]  # a station on the soft AP
        assert kinds_since(rig, mark) == ["St", "AEC", "AEC"]
        assert rig.status(_ids.ASSOC, ("U2", 2)) == OK
        assert rig.next("ASSOC") == [2, 0, STA1, -40]
        rig.emu.wifi_add(LAB, AP1, rssi=-30, passphrase="correct horse battery")
        assert rig.status(_ids.ASSOC, ("U2", 1)) == OK
        assert rig.next("ASSOC") == [1, 1, AP1, -30]  # the world's rssi now
        rig.quiet(0.05)


def test_assoc_of_an_unknown_id_and_of_nothing():
    with Rig() as rig:
        assert rig.status(_ids.ASSOC) == OK  # nothing associated: no AEC
        assert rig.status(_ids.ASSOC, ("U2", 1)) == ASSOC_NOT_FOUND
        assert start_ap(rig) == OK
        rig.emu.ap_join(STA1, AP_PASS)
        rig.next("WAPSC")
        rig.next("WAPAIP")
        assert rig.status(_ids.ASSOC, ("U2", 2)) == ASSOC_NOT_FOUND
        rig.emu.ap_leave(STA1)
        rig.next("WAPSD")
        assert rig.status(_ids.ASSOC, ("U2", 1)) == ASSOC_NOT_FOUND
        assert rig.status(_ids.ASSOC, ("U2", 1), ("U2", 1)) == INCORRECT_NUM_PARAMS
        rig.quiet(0.05)


# -- PING ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("target, version, answer, code", [
    (("IPV4", "127.0.0.1"), (), "127.0.0.1", "IPV4"),
    (("IPV4", "127.3.2.1"), (("U1", 4),), "127.3.2.1", "IPV4"),
    (("IPV6", "::1"), (("U1", 6),), "::1", "IPV6"),
    (("STR", "127.0.0.5"), (), "127.0.0.5", "IPV4"),  # a literal sent as text
    (("STR", "localhost"), (), "127.0.0.1", "IPV4"),  # A
    (("STR", "LocalHost"), (("U1", 4),), "127.0.0.1", "IPV4"),
    (("STR", "localhost"), (("U1", 6),), "::1", "IPV6"),  # AAAA
])
def test_ping_of_loopback_answers_after_its_status(target, version, answer, code):
    with Rig() as rig:
        mark = len(rig.host.inbox)
        assert rig.call(_ids.PING, target, *version) == ([], OK)
        assert rig.next("PING") == [answer, 3]
        assert rig.codes("PING") == [code, "I4"]
        assert kinds_since(rig, mark) == ["St", "AEC"]


def test_ping_of_a_name_from_the_dns_table():
    with Rig() as rig:
        rig.emu.dns("printer.lan", ["127.0.0.9"])
        assert rig.status(_ids.PING, ("STR", "printer.lan")) == OK
        assert rig.next("PING") == ["127.0.0.9", 3]
        assert rig.status(_ids.PING, ("STR", "printer.lan"), ("U1", 6)) == OK  # no AAAA
        assert rig.next("PINGERR") == [PING_FAILED]
        rig.emu.dns_error("printer.lan", "DNS_TIMEOUT")
        assert rig.status(_ids.PING, ("STR", "printer.lan")) == OK
        assert rig.next("PINGERR") == [PING_FAILED]


@pytest.mark.parametrize("target", [
    ("IPV4", "192.0.2.1"), ("IPV6", "2001:db8::1"), ("STR", "10.1.2.3"),
    ("STR", "nowhere.example"),
])
def test_ping_of_anything_off_loopback_fails(target):
    with Rig() as rig:
        assert rig.status(_ids.PING, target) == OK
        assert rig.next("PINGERR") == [PING_FAILED]
        assert rig.codes("PINGERR") == ["I4"]


def test_ping_fail_makes_every_ping_fail_until_cleared():
    with Rig() as rig:
        rig.emu.ping_fail(True)
        assert rig.status(_ids.PING, ("IPV4", "127.0.0.1")) == OK
        assert rig.next("PINGERR") == [PING_FAILED]
        rig.emu.reset(sdio=False)  # the network's state: kept
        rig.host.drain()
        assert rig.status(_ids.PING, ("IPV4", "127.0.0.1")) == OK
        assert rig.next("PINGERR") == [PING_FAILED]
        rig.emu.ping_fail(False)
        assert rig.status(_ids.PING, ("IPV4", "127.0.0.1")) == OK
        assert rig.next("PING") == ["127.0.0.1", 3]
        with pytest.raises(ValueError):
            rig.emu.ping_fail(1)


def test_ping_times_come_from_the_options():
    now = [10.0]
    with Rig(clock=lambda: now[0], ping_ms=200, ping_rtt_ms=42) as rig:
        assert rig.status(_ids.PING, ("IPV4", "127.0.0.1")) == OK
        now[0] += 0.199
        rig.quiet(0.05)
        now[0] += 0.001
        assert rig.next("PING") == ["127.0.0.1", 42]
    for bad in ({"ping_ms": -1}, {"ping_rtt_ms": 1.5}, {"ping_rtt_ms": -1}):
        with pytest.raises(ValueError):
            Module(**bad)


@pytest.mark.parametrize("params, status", [
    ((), INCORRECT_NUM_PARAMS),
    ((("IPV4", "127.0.0.1"), ("U1", 4), ("U1", 4)), INCORRECT_NUM_PARAMS),
    ((("IPV4", "127.0.0.1"), ("U1", 5)), _ids.INVALID_PARAMETER),
    ((("IPV4", "127.0.0.1"), ("U1", 6)), _ids.INVALID_PARAMETER),
    ((("IPV6", "::1"), ("U1", 4)), _ids.INVALID_PARAMETER),
    ((("STR", "::1"), ("U1", 4)), _ids.INVALID_PARAMETER),
    ((("IPV4", "127.0.0.1/255.0.0.0"),), _ids.INVALID_PARAMETER),
    ((("I4", 0x7F000001),), _ids.INVALID_PARAMETER),
    ((("STR", ""),), _ids.INVALID_PARAMETER),
])
def test_ping_refuses_bad_parameters(params, status):
    with Rig() as rig:
        assert rig.status(_ids.PING, *params) == status
        rig.quiet(0.05)


# -- TIME ----------------------------------------------------------------------------------------


def test_the_clock_starts_at_1970_and_counts_with_the_module():
    now = [100.0]
    with Rig(clock=lambda: now[0]) as rig:
        assert time_query(rig) == 0  # no format: UTC_UNIX
        assert rig.codes("TIME") == ["U4"]
        now[0] += 5.5
        mark = len(rig.host.inbox)
        assert time_query(rig, ("U1", 1)) == 5
        assert kinds_since(rig, mark) == ["St", "AEC"]
        assert time_query(rig, ("U1", 2)) == NTP_OFFSET + 5
        assert rig.codes("TIME") == ["U4"]
        assert time_query(rig, ("U1", 3)) == "1970-01-01T00:00:05.00Z"
        assert rig.codes("TIME") == ["STR"]
        assert rig.emu.module_time() == 5


def test_time_is_set_in_each_format():
    now = [100.0]
    with Rig(clock=lambda: now[0]) as rig:
        assert rig.status(_ids.TIME, ("U1", 1), ("U4", 1767225600)) == OK
        rig.quiet(0.05)  # a set sends no AEC
        assert time_query(rig, ("U1", 3)) == "2026-01-01T00:00:00.00Z"
        now[0] += 61
        assert time_query(rig, ("U1", 3)) == "2026-01-01T00:01:01.00Z"
        assert rig.status(_ids.TIME, ("U1", 2), ("U4", NTP_OFFSET + 86400)) == OK
        assert time_query(rig, ("U1", 1)) == 86400
        assert rig.status(_ids.TIME, ("U1", 3), ("STR", "2030-06-15T12:34:56.00Z")) == OK
        expected = calendar.timegm((2030, 6, 15, 12, 34, 56))
        assert time_query(rig, ("U1", 1)) == expected
        assert time_query(rig, ("U1", 2)) == expected + NTP_OFFSET
        assert rig.status(_ids.TIME, ("U1", 3), ("STR", "2030-06-15T12:34:56.75Z")) == OK
        now[0] += 0.25
        assert time_query(rig) == expected + 1
        assert rig.status(_ids.TIME, ("U1", 3), ("STR", "2024-02-29T00:00:00Z")) == OK
        assert rig.emu.module_time() == calendar.timegm((2024, 2, 29, 0, 0, 0))


@pytest.mark.parametrize("params, status", [
    ((("U1", 4),), _ids.INVALID_PARAMETER),
    ((("U1", 0),), _ids.INVALID_PARAMETER),
    ((("U1", 3), ("STR", "2030-13-01T00:00:00.00Z")), _ids.INVALID_PARAMETER),
    ((("U1", 3), ("STR", "2030-02-30T00:00:00.00Z")), _ids.INVALID_PARAMETER),
    ((("U1", 3), ("STR", "2030-01-01 00:00:00")), _ids.INVALID_PARAMETER),
    ((("U1", 3), ("STR", "2030-01-01T00:00:00+01:00")), _ids.INVALID_PARAMETER),
    ((("U1", 3), ("STR", "yesterday")), _ids.INVALID_PARAMETER),
    ((("U1", 3), ("STR", "1969-12-31T23:59:59Z")), _ids.INVALID_PARAMETER),
    ((("U1", 3), ("U4", 0)), _ids.INVALID_PARAMETER),
    ((("U1", 1), ("STR", "2030-01-01T00:00:00Z")), _ids.INVALID_PARAMETER),
    ((("U1", 2), ("U4", 1000)), _ids.INVALID_PARAMETER),  # before 1970
    ((("U1", 1), ("U4", 1), ("U4", 1)), INCORRECT_NUM_PARAMS),
])
def test_time_refuses_bad_parameters(params, status):
    with Rig() as rig:
        assert rig.status(_ids.TIME, *params) == status
        rig.quiet(0.05)
        assert rig.emu.module_time() < 60  # unchanged


def test_a_reset_sets_the_clock_back_to_1970():
    with Rig() as rig:
        assert rig.status(_ids.TIME, ("U1", 1), ("U4", 1767225600)) == OK
        assert rig.emu.module_time() >= 1767225600
        rig.emu.reset(sdio=False)
        rig.host.drain()
        assert rig.emu.module_time() < 60
        assert time_query(rig) < 60


# -- SNTPC ---------------------------------------------------------------------------------------


def synced(rig):
    """The module clock came near the host's real UTC time."""
    return abs(rig.emu.module_time() - time.time()) < 5


def test_sntpc_defaults_and_server_forms():
    with Rig() as rig:
        assert rig.ok(_ids.SNTPC) == [[0, 0], [1, 0], [2, 0], [3, "pool.ntp.org"]]
        assert sntpc(rig, 3, ("IPV4", "127.0.0.1")) == OK
        assert rig.ok(_ids.SNTPC, ("U4", 3)) == [[3, "127.0.0.1"]]
        assert last_rsp_codes(rig) == ["U4", "STR"]
        assert sntpc(rig, 3, ("IPV6", "::1")) == OK
        assert rig.ok(_ids.SNTPC, ("U4", 3)) == [[3, "::1"]]
        assert sntpc(rig, 3, ("STR", "time.lan")) == OK
        assert rig.ok(_ids.SNTPC, ("U4", 3)) == [[3, "time.lan"]]
        assert sntpc(rig, 3, ("STR", "n" * 129)) == _ids.INVALID_PARAMETER
        assert sntpc(rig, 3, ("IPV4", "127.0.0.1/255.0.0.0")) == _ids.INVALID_PARAMETER
        assert sntpc(rig, 1, ("BOOL4", 2)) == _ids.INVALID_PARAMETER
        assert sntpc(rig, 4, ("I4", 0)) == _ids.INVALID_PARAMETER
        assert sntpc(rig, 0, ("I4", 0)) == OK
        assert rig.ok(_ids.SNTPC, ("U4", 3)) == [[3, "pool.ntp.org"]]


@pytest.mark.parametrize("server", [("IPV4", "127.0.0.1"), ("STR", "::1"), ("STR", "localhost"),
                                    ("STR", "ntp.lan")])
def test_a_static_loopback_server_sets_the_clock_without_an_aec(server):
    with Rig() as rig:
        rig.emu.dns("ntp.lan", ["127.0.0.123"])
        assert rig.emu.module_time() < 60
        assert sntpc(rig, 2, ("BOOL4", 1)) == OK
        assert sntpc(rig, 3, server) == OK
        assert sntpc(rig, 1, ("BOOL4", 1)) == OK
        rig.until(lambda: synced(rig))
        rig.quiet(0.05)
        assert abs(time_query(rig) - time.time()) < 5


@pytest.mark.parametrize("server", [("IPV4", "192.0.2.1"), ("STR", "pool.ntp.org"),
                                    ("STR", "2001:db8::123")])
def test_a_static_server_off_loopback_times_out(server):
    with Rig() as rig:
        assert sntpc(rig, 2, ("BOOL4", 1)) == OK
        assert sntpc(rig, 3, server) == OK
        assert sntpc(rig, 1, ("BOOL4", 1)) == OK
        assert rig.next("SNTPERR") == [SNTP_SERVER_TMO]
        assert rig.codes("SNTPERR") == ["I4"]
        assert rig.emu.module_time() < 60


def test_dhcp_servers_need_the_stations_address():
    with Rig() as rig:
        assert sntpc(rig, 1, ("BOOL4", 1)) == OK  # NTP_STATIC 0: servers from DHCP
        assert rig.next("SNTPERR") == [SNTP_SERVER_TMO]
        connected(rig)
        assert sntpc(rig, 1, ("BOOL4", 1)) == OK
        rig.until(lambda: synced(rig))
        rig.quiet(0.05)


def test_sntp_fail_makes_every_sync_fail():
    with Rig() as rig:
        rig.emu.sntp_fail(True)
        assert sntpc(rig, 2, ("BOOL4", 1)) == OK
        assert sntpc(rig, 3, ("STR", "127.0.0.1")) == OK
        assert sntpc(rig, 1, ("BOOL4", 1)) == OK
        assert rig.next("SNTPERR") == [SNTP_SERVER_TMO]
        rig.emu.sntp_fail(False)
        assert sntpc(rig, 1, ("BOOL4", 1)) == OK
        rig.until(lambda: synced(rig))
        with pytest.raises(ValueError):
            rig.emu.sntp_fail("yes")


def test_the_sync_comes_after_sntp_ms_and_disabling_cancels_it():
    now = [10.0]
    with Rig(clock=lambda: now[0], sntp_ms=100) as rig:
        assert sntpc(rig, 2, ("BOOL4", 1)) == OK
        assert sntpc(rig, 3, ("STR", "127.0.0.1")) == OK
        assert sntpc(rig, 1, ("BOOL4", 1)) == OK
        now[0] += 0.099
        rig.quiet(0.02)
        assert rig.emu.module_time() < 60
        now[0] += 0.001
        rig.until(lambda: synced(rig))
        assert rig.status(_ids.TIME, ("U1", 1), ("U4", 0)) == OK
        assert sntpc(rig, 3, ("STR", "192.0.2.1")) == OK
        assert sntpc(rig, 1, ("BOOL4", 1)) == OK
        assert sntpc(rig, 1, ("BOOL4", 0)) == OK
        now[0] += 1
        rig.quiet(0.05)  # no SNTPERR: the sync never ran
        assert rig.emu.module_time() < 60
    with pytest.raises(ValueError):
        Module(sntp_ms=-5)


# -- WIFIC ---------------------------------------------------------------------------------------

AP_FAR = "02:00:00:00:00:0d"  # an access point on channel 13


def test_wific_defaults():
    with Rig() as rig:
        assert rig.ok(_ids.WIFIC) == [
            [0, 0], [10, "GEN"], ["11.0", "GEN"], ["11.1", "USA"], ["11.2", "EMEA"],
            ["11.3", "CUST1"], ["11.4", "CUST2"], [12, 0x1FFF], [20, 0], [21, 10], [22, 100],
            [40, 1]]
        assert rig.ok(_ids.WIFIC, ("U4", 12)) == [[12, 0x1FFF]]
        assert last_rsp_codes(rig) == ["U4", "U2"]
        assert rig.ok(_ids.WIFIC, ("FRAC", (11, 5))) == [["11.5", ""]]  # the free slot: empty


@pytest.mark.parametrize("ident, element, status", [
    (10, ("STR", "MARS"), _ids.INVALID_PARAMETER),
    (10, ("STR", "usa"), _ids.INVALID_PARAMETER),
    (10, ("STR", ""), _ids.INVALID_PARAMETER),
    (10, ("STR", "EMEA"), OK),
    (11, ("STR", "MARS"), ACCESS_DENIED),
    (12, ("U2", 0x3FFF), ACCESS_DENIED),
    (20, ("U1", 1), OK), (20, ("U1", 2), _ids.INVALID_PARAMETER),
    (21, ("U2", 3), OK), (21, ("U2", 2), _ids.INVALID_PARAMETER),
    (21, ("U2", 101), _ids.INVALID_PARAMETER),
    (22, ("U2", 6000), OK), (22, ("U2", 9), _ids.INVALID_PARAMETER),
    (22, ("U2", 6001), _ids.INVALID_PARAMETER),
    (40, ("BOOL4", 0), OK), (40, ("BOOL4", 2), _ids.INVALID_PARAMETER),
    (30, ("I4", 0), _ids.INVALID_PARAMETER),
])
def test_wific_checks_its_values(ident, element, status):
    with Rig() as rig:
        assert wific(rig, ident, element) == status


def test_the_regulatory_domain_sets_the_channel_mask():
    with Rig() as rig:
        assert wific(rig, 10, ("STR", "USA")) == OK
        assert rig.ok(_ids.WIFIC, ("U4", 10)) == [[10, "USA"]]
        assert rig.ok(_ids.WIFIC, ("U4", 12)) == [[12, 0x07FF]]
        assert wific(rig, 10, ("STR", "EMEA")) == OK
        assert rig.ok(_ids.WIFIC, ("U4", 12)) == [[12, 0x1FFF]]
        assert wific(rig, 10, ("STR", "USA")) == OK
        assert wific(rig, 0, ("I4", 0)) == OK  # PRESET: GEN again
        assert rig.ok(_ids.WIFIC, ("U4", 12)) == [[12, 0x1FFF]]


def test_the_regulatory_domain_hides_masked_channels_from_a_scan():
    with Rig() as rig:
        rig.emu.wifi_add("far", AP_FAR, channel=13, rssi=-40)
        found, count = scan(rig)
        assert count == 6 and found[0][3] == AP_FAR
        assert wific(rig, 10, ("STR", "USA")) == OK
        found, count = scan(rig)
        assert count == 5 and AP_FAR not in [f[3] for f in found]
        assert rig.status(_ids.WSCNC, ("U4", 1), ("U1", 13)) == OK  # asked for it: still masked
        assert scan(rig) == ([], 0)


def test_the_regulatory_domain_limits_the_soft_ap_channel():
    with Rig() as rig:
        assert wific(rig, 10, ("STR", "USA")) == OK
        assert start_ap(rig, channel=12) == WAP_START_FAILED
        assert start_ap(rig, channel=11) == OK
        assert rig.status(_ids.WAP, ("I4", 0)) == OK
        assert wific(rig, 10, ("STR", "GEN")) == OK
        assert start_ap(rig, channel=13) == OK


def test_the_regulatory_domain_keeps_the_station_off_masked_channels():
    with Rig() as rig:
        rig.emu.wifi_add("far", AP_FAR, channel=13, passphrase="far passphrase")
        assert wific(rig, 10, ("STR", "USA")) == OK
        assert connect(rig, "far", "far passphrase") == OK
        assert rig.next("WSTAERR") == [_ids.TIMEOUT]  # as if it were out of range
        assert wific(rig, 10, ("STR", "GEN")) == OK
        assert rig.status(_ids.WSTA, ("I4", 1)) == OK
        assert rig.next("WSTALU") == [1, AP_FAR, 13]


# -- resets and controls -------------------------------------------------------------------------


def test_a_reset_stops_the_ap_and_forgets_its_stations():
    with Rig() as rig:
        assert wific(rig, 10, ("STR", "USA")) == OK
        assert start_ap(rig) == OK
        rig.emu.ap_join(STA1, AP_PASS)
        rig.next("WAPSC")
        rig.next("WAPAIP")
        rig.emu.reset(sdio=False)
        rig.host.drain()
        rig.quiet(0.05)  # no WAPSD: the firmware that knew the stations is gone
        assert rig.ok(_ids.WAP) == [[0]]
        assert rig.emu.ap_state() == {"running": False, "ssid": "", "channel": 1,
                                      "security": 3, "stations": []}
        assert rig.ok(_ids.WAPC, ("U4", 1)) == [[1, ""]]
        assert dhcpsc(rig, ("U4", 4)) == ([[4, 0]], OK)
        assert rig.ok(_ids.WIFIC, ("U4", 10)) == [[10, "GEN"]]
        with pytest.raises(OSError):
            rig.emu.ap_join(STA1, AP_PASS)
        assert rig.status(_ids.ASSOC, ("U2", 1)) == ASSOC_NOT_FOUND
        assert start_ap(rig) == OK
        assert rig.emu.ap_join(STA1, AP_PASS) == {"assoc": 1, "address": "127.0.1.100"}


def test_while_held_in_reset_the_controls_answer_for_a_module_without_firmware():
    emu = Module()
    try:
        emu.reset.value(0)
        assert emu.ap_state()["running"] is False
        assert emu.module_time() == 0
        with pytest.raises(OSError):
            emu.ap_join(STA1)
        with pytest.raises(KeyError):
            emu.ap_leave(STA1)
    finally:
        emu.close()


def test_the_controls_reach_the_remote_client():
    for name in ("ap_join", "ap_leave", "ap_state", "ping_fail", "sntp_fail", "module_time"):
        assert name in remote.CONTROL and callable(getattr(Module, name))
    assert remote._ERRORS["OSError"] is OSError  # ap_join's ENETDOWN keeps its type remotely
