"""The wincsim server (`python -m wincsim --unix`) and its client, under CPython and MicroPython."""
# cpython only: starts the server in a subprocess and runs the micropython binary

import os
import socket
import subprocess
import sys
import tempfile
import time

import pytest
from emu_host import CMD0, Host

from winc import _ids
from wincsim import remote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
START_TIMEOUT_S = 10
RUN_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def server():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "wincsim.sock")
        env = dict(os.environ, PYTHONPATH=TOOLS)
        proc = subprocess.Popen([sys.executable, "-m", "wincsim", "--unix", path], env=env)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not os.path.exists(path):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("wincsim server did not start")
                time.sleep(0.02)
            yield path
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        assert not os.path.exists(path)  # the server removed its socket on SIGTERM


def test_remote_module_speaks_the_same_protocol(server):
    with remote.connect(server, firmware="remote 1.0") as emu:
        host = Host(emu)
        host.init()
        assert host.drain() == [(2, 1, 3)]
        assert host.call(_ids.GMR, 0) == ([["remote 1.0"]], _ids.OK)
        assert emu.log() == [("GMR", [])]
        assert emu.log_detail()[0]["seq"] == 0
        counts = emu.bus_counts()
        assert counts["frames"] > 17 and counts["bytes"] > 0
        emu.clear_bus_counts()
        assert emu.bus_counts() == {"bytes": 0, "frames": 0}


def test_remote_control_calls_carry_bytes_and_errors(server):
    with remote.connect(server) as emu:
        host = Host(emu)
        host.init()
        host.drain()
        emu.inject("SOCKRXT", ("U2", 1), ("U2", 3), ("BA", b"\x00\xffx"))
        assert emu.irq.wait(2000) is True
        host.drain()
        assert host.inbox[-1].values() == [1, 3, b"\x00\xffx"]
        emu.inject_raw(b"\x07")
        assert emu.irq.value() == 0
        host.drain()
        assert host.inbox[-1] == b"\x07\x00\x00\x00"
        with pytest.raises(ValueError):
            emu.fault("no_such_fault")
        with pytest.raises(TypeError):
            emu.fault("bad_r5", colour=1)
        emu.answer("GMI", "UNKNOWN_CMD")
        assert host.call(_ids.GMI, 1) == ([], _ids.UNKNOWN_CMD)
        emu.fault("drop_status", cmd="GMM")
        emu.clear_faults()
        assert emu.errors() == []
        assert emu.mailbox_state()["event"] is None


def test_remote_resets_and_pins(server):
    with remote.connect(server, boot_ms=0) as emu:
        host = Host(emu)
        host.init()
        host.drain()
        emu.reset(sdio=False)
        assert emu.irq.wait(2000) is True
        assert host.drain() == [(2, 1, 3)]
        emu.reset()
        assert host.frame(CMD0)[8] == 0x01  # a new handshake is needed
        emu.reset.value(0)
        assert emu.reset.value() == 0 and host.frame(CMD0) == bytes(9)
        emu.reset(1)
        assert emu.reset() is None and host.frame(CMD0)[8] == 0x01
        assert emu.irq.wait(30) is False and emu.irq() == 1
        emu.cs.off()
        assert emu.cs() == 0 and emu.spi.read(70000) == b"\xff" * 70000  # chunked
        emu.cs.on()


def test_remote_sockets_dns_and_their_controls(server):
    peer = socket.socket()
    peer.settimeout(5)
    peer.bind(("127.0.0.1", 0))
    peer.listen(1)
    with remote.connect(server) as emu:
        host = Host(emu)
        host.init()
        host.drain()
        emu.dns("peer.test", ["127.0.0.1"])
        emu.dns_error("bad.test", "DNS_TIMEOUT")
        emu.dns_delay(0)
        emu.next_sock_id(7)
        emu.hold("SOCKIND", sock=7)
        assert host.call(_ids.SOCKO, 1, ("U1", 2), ("U1", 4)) == ([[7]], _ids.OK)
        assert host.call(_ids.SOCKBR, 2, ("U2", 7), ("STR", "peer.test"),
                         ("U2", peer.getsockname()[1])) == ([], _ids.OK)
        conn, _ = peer.accept()
        assert emu.irq.wait(200) is False  # SOCKIND is held
        emu.release()
        assert emu.irq.wait(5000) is True
        host.drain()
        assert host.inbox[-1].rsp_id == _ids.AEC_SOCKIND
        conn.sendall(b"data")
        assert emu.irq.wait(5000) is True  # the server's 'i' op waits on the host socket
        host.drain()
        assert host.inbox[-1].values() == [7, 4]
        emu.tx_stall(7, "SOCKET_NOT_READY")
        assert host.call(_ids.SOCKWR, 3, ("U2", 7), ("U2", 1), ("I4", 0),
                         ("BA", b"x")) == ([], 0x0E0C)
        assert emu.counters() == {"7": {"pushed": 0, "credited": 0, "written": 0,
                                        "received": 4}}  # JSON: ids as strings
        assert emu.counters(7)["received"] == 4
        conn.close()
    peer.close()


def test_remote_soft_ap_and_clock_controls(server):
    with remote.connect(server) as emu:
        host = Host(emu)
        host.init()
        host.drain()
        with pytest.raises(OSError):  # ENETDOWN: no AP runs
            emu.ap_join("02:00:00:00:10:01")
        for seq, (ident, element) in enumerate(((1, ("STR", "ap")), (3, ("STR", "ap pass1")))):
            assert host.call(_ids.WAPC, seq, ("U4", ident), element) == ([], _ids.OK)
        assert host.call(_ids.WAP, 3, ("I4", 1)) == ([], _ids.OK)
        with pytest.raises(ValueError):
            emu.ap_join("02:00:00:00:10:01", "wrong")
        assert emu.ap_join("02:00:00:00:10:01", "ap pass1") == {"assoc": 1,
                                                                "address": "127.0.1.100"}
        assert emu.ap_state()["stations"] == [{"assoc": 1, "mac": "02:00:00:00:10:01",
                                               "address": "127.0.1.100"}]
        emu.ap_leave("02:00:00:00:10:01")
        with pytest.raises(KeyError):
            emu.ap_leave("02:00:00:00:10:01")
        emu.ping_fail(True)
        emu.sntp_fail(False)
        assert host.call(_ids.TIME, 4, ("U1", 1), ("U4", 86400)) == ([], _ids.OK)
        assert 86400 <= emu.module_time() < 86460


def test_each_connection_gets_its_own_module(server):
    with remote.connect(server) as first, remote.connect(server) as second:
        for emu in (first, second):
            Host(emu).init()
        Host(first).call(_ids.GMI, 3)
        assert [e[0] for e in first.log()] == ["GMI"] and second.log() == []


def test_connect_needs_a_path(monkeypatch):
    monkeypatch.delenv("WINCSIM_SOCKET", raising=False)
    with pytest.raises(ValueError):
        remote.connect()


def _micropython(code, env=None):
    if not os.path.exists(MICROPYTHON):
        pytest.skip("no micropython interpreter next to %s" % sys.executable)
    return subprocess.run([MICROPYTHON, "-c", code], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, env=env)


def test_micropython_imports_the_client():
    out = _micropython("import sys; sys.path.insert(0, %r); import wincsim.remote; "
                       "from wincsim import remote; print(remote.connect)" % TOOLS)
    assert out.returncode == 0, out.stderr
    assert "function" in out.stdout


def test_micropython_drives_the_server(server):
    code = """
import sys
sys.path.insert(0, %r)
from wincsim import remote
emu = remote.connect(boot_ms=0)
emu.cs.value(0)
rx = bytearray(9)
emu.spi.write_readinto(b"\\xff\\x40\\x00\\x00\\x00\\x00\\x95\\xff\\xff", rx)
emu.cs.value(1)
emu.inject("SOCKCL", ("BA", b"\\x01"))
print(rx[8], emu.bus_counts()["frames"], emu.irq.value(), emu.log())
""" % TOOLS
    out = _micropython(code, env=dict(os.environ, WINCSIM_SOCKET=server))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "1", "1", "[]"]


def test_micropython_bus_and_pin_calls_allocate_nothing(server):
    # The driver's heap_lock() tests run against this client: its hot path must not allocate.
    code = """
import sys, micropython
sys.path.insert(0, %r)
from wincsim import remote
emu = remote.connect(boot_ms=0)
cmd0, rx = bytearray(b"\\xff\\x40\\x00\\x00\\x00\\x00\\x95\\xff\\xff"), bytearray(9)
block, view = bytearray(1500), memoryview(bytearray(1500))
cs, spi, irq, reset = emu.cs, emu.spi, emu.irq, emu.reset
def run():
    cs.value(0)
    spi.write_readinto(cmd0, rx)
    cs(1)
    cs.off()
    spi.write(block)
    spi.readinto(view)
    cs.on()
    return irq.value() + reset.value() + cs()
run()
micropython.heap_lock()
try:
    for _ in range(5):
        levels = run()
finally:
    micropython.heap_unlock()
print(rx[8], levels)
""" % TOOLS
    out = _micropython(code, env=dict(os.environ, WINCSIM_SOCKET=server))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "3"]


def test_bad_options_fail_the_connect(server):
    with pytest.raises(TypeError):
        remote.connect(server, colour="red")
    with pytest.raises(ValueError):
        remote.connect(server, rx_batch=0)
