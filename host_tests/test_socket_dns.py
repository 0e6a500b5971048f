"""winc.socket.getaddrinfo over the emulated module's DNS (spec socket-semantics C.9).

Case ids are those of the conformance plan (../shared/spec/conformance-plan.md, group DN). No
host peers are needed, so this module runs under CPython and under MicroPython alike.
"""

import time

from sockrig import Net
from support import MICROPYTHON, raises, skip

from winc import socket as ws

ECONNABORTED, ETIMEDOUT = 103, 110
DNS_TIMEOUT, ERROR = 0x0501, 0x0001


def test_DN_01_a_name_resolves_to_one_stream_entry():
    # DN-01
    net = Net()
    # The emulator's table only takes loopback addresses, so the module's answer for
    # 10.1.2.3 is injected while the query is pending (the emulator itself says OK only).
    net.emu.answer("DNSRESOLV", 0)
    assert raises(OSError, ws.getaddrinfo_nb, "svc.test", 8080).errno == ws.EAI_AGAIN
    net.emu.inject("DNSRESOLV", ("U1", 1), ("STR", "svc.test"), ("IPV4", "10.1.2.3"))
    assert ws.getaddrinfo("svc.test", 8080) == [
        (ws.AF_INET, ws.SOCK_STREAM, ws.IPPROTO_TCP, "", ("10.1.2.3", 8080))]
    assert net.sent("DNSRESOLV") == [[255, "svc.test"]]
    assert net.events == [(None, ws.EVENT_DNS_RESOLV, ws.STATUS_OK)]


def test_DN_02_literals_need_no_query():
    # DN-02
    net = Net()
    assert ws.getaddrinfo("127.0.0.1", 80) == [
        (ws.AF_INET, ws.SOCK_STREAM, ws.IPPROTO_TCP, "", ("127.0.0.1", 80))]
    assert ws.getaddrinfo("::1", 80, ws.AF_INET6) == [
        (ws.AF_INET6, ws.SOCK_STREAM, ws.IPPROTO_TCP, "", ("::1", 80))]
    assert net.sent("DNSRESOLV") == []


def test_DN_05_dns_timeout_and_a_refused_query_are_terminal():
    # DN-05
    net = Net()
    net.emu.dns_error("slow.test", DNS_TIMEOUT)
    assert raises(OSError, ws.getaddrinfo, "slow.test", 80).errno == ETIMEDOUT
    net.emu.answer("DNSRESOLV", ERROR)
    assert raises(OSError, ws.getaddrinfo, "bad.test", 80).errno == ws.EAI_FAIL
    assert net.sent("DNSRESOLV") == [[255, "slow.test"], [255, "bad.test"]]


def test_DN_07_bad_names_and_services_send_nothing():
    # DN-07
    net = Net()
    net.emu.dns("svc.test", ["127.0.0.1"])
    assert raises(OSError, ws.getaddrinfo, "", 80).errno == ws.EAI_NONAME
    assert raises(OSError, ws.getaddrinfo, "a" * 300, 80).errno == ws.EAI_NONAME
    assert raises(OSError, ws.getaddrinfo, "svc.test", "http").errno == ws.EAI_SERVICE
    assert raises(OSError, ws.getaddrinfo, "svc.test", 70000).errno == ws.EAI_SERVICE
    assert net.sent("DNSRESOLV") == []
    assert ws.getaddrinfo("svc.test", None) == [
        (ws.AF_INET, ws.SOCK_STREAM, ws.IPPROTO_TCP, "", ("127.0.0.1", 0))]


def test_DN_08_datagram_type_gives_udp_entries():
    # DN-08
    net = Net()
    net.emu.dns("svc.test", ["127.0.0.2"])
    found = ws.getaddrinfo("svc.test", 53, 0, ws.SOCK_DGRAM)
    assert found == [(ws.AF_INET, ws.SOCK_DGRAM, ws.IPPROTO_UDP, "", ("127.0.0.2", 53))]
    assert net.sent("DNSRESOLV") == [[255, "svc.test"]]


def test_C12_a_module_reset_aborts_a_pending_getaddrinfo():
    # C.12: the query is dropped and the blocking call raises ECONNABORTED, sending no other.
    if MICROPYTHON:
        skip("needs the in-process emulator's timer to reset the module mid-call")
    net = Net()
    net.emu.dns("svc.test", ["127.0.0.1"])
    net.emu.dns_delay(3000)
    net.emu.later(0.2, lambda: net.emu.restart_when_quiet(sdio=False))
    t0 = time.time()
    assert raises(OSError, ws.getaddrinfo, "svc.test", 80).errno == ECONNABORTED
    assert time.time() - t0 < 0.2 + 0.5
    assert net.sent("DNSRESOLV") == [[255, "svc.test"]]


def test_an_answered_query_nobody_collected_does_not_block_the_next_name():
    net = Net()
    net.emu.dns("first.test", ["127.0.0.1"])
    net.emu.dns("second.test", ["127.0.0.2"])
    assert raises(OSError, ws.getaddrinfo_nb, "first.test", 1).errno == ws.EAI_AGAIN
    while not net.events:  # the answer for first.test arrives; its caller never comes back
        net.dev.pump(20)
    t0 = time.time()
    assert ws.getaddrinfo("second.test", 2)[0][4] == ("127.0.0.2", 2)
    assert time.time() - t0 < 2
    assert net.sent("DNSRESOLV") == [[255, "first.test"], [255, "second.test"]]
