"""The emulator's DNS module (spec §7.4): DNSRESOLV answered from its loopback-only table, with
scripted errors and delays, driven by the spec-built host.
"""
# cpython only: the emulator runs in process

import pytest
from emu_net import Rig

from winc import _ids
from wincsim import codec

OK = _ids.OK
A, AAAA, ANY = 1, 28, 255


def resolve(rig, record_type, name):
    """DNSRESOLV exactly as the driver sends it: U1 record type, STR name -> STATUS."""
    return rig.status(_ids.DNSRESOLV, ("U1", record_type), ("STR", name))


# (record type, name, the AECs that follow STATUS OK), localhost from the default table.
ANSWERS = [
    (A, "localhost", [("DNSRESOLV", [A, "localhost", "127.0.0.1"])]),
    (AAAA, "localhost", [("DNSRESOLV", [AAAA, "localhost", "::1"])]),
    (ANY, "LocalHost", [("DNSRESOLV", [A, "LocalHost", "127.0.0.1"]),  # A first, name echoed
                        ("DNSRESOLV", [AAAA, "LocalHost", "::1"])]),
    (A, "nowhere.test", [("DNSERR", [_ids.DNS_NON_EXISTENT_DOMAIN, A, "nowhere.test"])]),
    (ANY, "nowhere.test", [("DNSERR", [_ids.DNS_NON_EXISTENT_DOMAIN, ANY, "nowhere.test"])]),
]


@pytest.mark.parametrize("record_type, name, aecs", ANSWERS,
                         ids=["%d %s" % (t, n) for t, n, _ in ANSWERS])
def test_dnsresolv_answers_status_first_then_one_aec_per_address(record_type, name, aecs):
    with Rig() as rig:
        assert resolve(rig, record_type, name) == OK
        for aec_name, values in aecs:
            assert rig.next(aec_name) == values
        rig.quiet(0.05)
        assert rig.emu.log() == [("DNSRESOLV", [record_type, name])]


def test_aec_element_types():
    with Rig() as rig:
        resolve(rig, ANY, "localhost")
        rig.next("DNSRESOLV")
        assert rig.codes("DNSRESOLV") == ["U1", "STR", "IPV4"]
        rig.next("DNSRESOLV")
        assert rig.codes("DNSRESOLV") == ["U1", "STR", "IPV6"]
        resolve(rig, A, "nowhere.test")
        rig.next("DNSERR")
        assert rig.codes("DNSERR") == ["STATUS", "U1", "STR"]


def test_the_table_is_set_removed_and_only_takes_loopback_addresses():
    with Rig() as rig:
        rig.emu.dns("svc.test", ["127.0.0.2", "::1", "127.0.0.1"])
        resolve(rig, ANY, "svc.test")
        assert [rig.next("DNSRESOLV")[2] for _ in range(3)] == ["127.0.0.2", "127.0.0.1", "::1"]
        resolve(rig, AAAA, "svc.test")
        assert rig.next("DNSRESOLV") == [AAAA, "svc.test", "::1"]
        rig.emu.dns("v4only.test", ["127.0.0.1"])
        resolve(rig, AAAA, "v4only.test")
        assert rig.next("DNSERR") == [_ids.DNS_RECORD_NOT_FOUND, AAAA, "v4only.test"]
        rig.emu.dns("svc.test", [])
        resolve(rig, A, "svc.test")
        assert rig.next("DNSERR")[0] == _ids.DNS_NON_EXISTENT_DOMAIN
        for bad in (["10.1.2.3"], ["127.0.0.1", "192.0.2.1"], ["2001:db8::1"], ["not an ip"]):
            with pytest.raises(ValueError):
                rig.emu.dns("bad.test", bad)
        resolve(rig, A, "bad.test")
        assert rig.next("DNSERR")[0] == _ids.DNS_NON_EXISTENT_DOMAIN  # nothing half-set


def test_dns_error_scripts_the_dnserr_status():
    with Rig() as rig:
        rig.emu.dns("slow.test", ["127.0.0.1"])
        rig.emu.dns_error("slow.test", "DNS_TIMEOUT")
        assert resolve(rig, A, "slow.test") == OK
        assert rig.next("DNSERR") == [_ids.DNS_TIMEOUT, A, "slow.test"]
        rig.emu.dns_error("slow.test", None)
        resolve(rig, A, "slow.test")
        assert rig.next("DNSRESOLV") == [A, "slow.test", "127.0.0.1"]


def test_bad_queries_are_refused_by_status():
    with Rig() as rig:
        assert resolve(rig, A, "") == _ids.INVALID_PARAMETER
        assert resolve(rig, A, "x" * 257) == _ids.INVALID_PARAMETER
        assert resolve(rig, 0, "localhost") == _ids.INVALID_PARAMETER
        assert resolve(rig, 15, "localhost") == 0x0500  # MX: DNS_TYPE_NOT_SUPPORTED
        assert rig.status(_ids.DNSRESOLV, ("U1", A)) == 0x0005  # INCORRECT_NUM_PARAMS
        rig.quiet(0.05)
        assert resolve(rig, A, "x" * 256) == OK  # the longest name allowed
        assert rig.next("DNSERR")[0] == _ids.DNS_NON_EXISTENT_DOMAIN


def test_dns_delay_holds_the_answer_back_on_the_module_clock():
    now = [10.0]
    with Rig(clock=lambda: now[0]) as rig:
        rig.emu.dns_delay(200)
        assert resolve(rig, A, "localhost") == OK
        rig.quiet(0.1)
        now[0] += 0.199
        rig.quiet(0.05)
        now[0] += 0.001
        assert rig.next("DNSRESOLV") == [A, "localhost", "127.0.0.1"]
        with pytest.raises(ValueError):
            rig.emu.dns_delay(-1)


def test_a_reset_drops_queries_in_flight_but_keeps_the_table():
    now = [10.0]
    with Rig(clock=lambda: now[0]) as rig:
        rig.emu.dns("kept.test", ["127.0.0.1"])
        rig.emu.dns_delay(100)
        resolve(rig, A, "kept.test")
        rig.emu.reset(sdio=False)
        rig.host.drain()
        now[0] += 1
        rig.quiet(0.1)
        rig.emu.dns_delay(0)
        resolve(rig, A, "kept.test")
        assert rig.next("DNSRESOLV") == [A, "kept.test", "127.0.0.1"]


def test_answer_gives_dnsresolv_an_error_status_and_no_aec():
    with Rig() as rig:
        rig.emu.answer("DNSRESOLV", "DNS_ERROR")
        assert resolve(rig, A, "localhost") == 0x0502
        rig.quiet(0.05)


def test_hold_dnsresolv_keeps_both_its_status_and_its_aecs():
    with Rig() as rig:
        rig.emu.hold("DNSRESOLV")
        rig.seq += 1
        seq = rig.seq
        rig.host.send([codec.encode_request(_ids.DNSRESOLV, seq, (("U1", A),
                                                                  ("STR", "localhost")))])
        rig.pump(0.1)
        assert not [m for m in rig.host.inbox if m.kind == _ids.STATUS]
        rig.quiet(0.05)
        rig.emu.release()
        rig.pump()
        kinds = [(m.kind, m.rsp_id) for m in rig.host.inbox[1:]]
        assert kinds == [(_ids.STATUS, None), (_ids.AEC, _ids.AEC_DNSRESOLV)]
