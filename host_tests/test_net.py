"""Device services answered by events, on both runtimes: ping, the module clock and SNTP."""

import time

from support import device_up, raises

EHOSTUNREACH = 113


def test_ping_a_literal_and_a_name_and_fail_beyond_loopback():
    emu, dev = device_up()
    assert dev.ping("127.0.0.1") == 3
    emu.dns("router.winc.test", ["127.0.0.1"])
    assert dev.ping("router.winc.test") == 3
    assert raises(OSError, dev.ping, "192.0.2.1").errno == EHOSTUNREACH
    assert raises(OSError, dev.ping, "no-such.winc.test").errno == EHOSTUNREACH


def test_the_module_clock_can_be_set_and_read():
    emu, dev = device_up()
    assert dev.time() < 60  # counts from 0 after a boot until set or synchronised
    dev.settime(1767225600)  # 2026-01-01T00:00:00Z
    assert 1767225600 <= dev.time() <= 1767225602
    raises(ValueError, dev.settime, -1)


def test_sntp_sets_the_clock_from_a_static_server():
    emu, dev = device_up()
    dev.ntp("127.0.0.1")
    deadline = time.time() + 5
    while dev.time() < 1700000000 and time.time() < deadline:
        dev.pump(20)
    assert abs(dev.time() - time.time()) < 5  # the host's UTC (unix port epoch: 1970)
