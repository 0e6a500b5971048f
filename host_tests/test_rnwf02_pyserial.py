"""winc.RNWF02 from a PC: pyserial on a pseudo-terminal served by `python -m wincsim --uart pty`,
as with a real RNWF02 board on a USB serial port. Joins Wi-Fi, resolves a name, echoes over TCP.
"""
# cpython only: pyserial and a pseudo-terminal are host-side

import os
import subprocess
import sys

import peers
import serial

import winc
from winc import socket as ws

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _pty_emulator(*args):
    """(process, pty path) of an emulated RNWF02 on a new pseudo-terminal."""
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"))
    proc = subprocess.Popen([sys.executable, "-m", "wincsim", "--uart", "pty", *args],
                            stdout=subprocess.PIPE, env=env, text=True)
    path = proc.stdout.readline().strip()
    assert path.startswith("/dev/"), "no pty path printed: %r" % path
    return proc, path


def test_a_session_over_pyserial_on_a_pty():
    proc, path = _pty_emulator("--dns", "echo.winc.test=127.0.0.1")
    port = serial.Serial(path, 230400, timeout=0)
    echo = peers.TcpEcho()
    try:
        dev = winc.RNWF02(port)
        manufacturer, model, firmware = dev.init(5000)
        assert model == "RNWF02"
        wlan = winc.WLAN(winc.STA_IF, dev)
        wlan.connect("winc-lab", "correct horse battery")
        for _ in range(500):
            if wlan.isconnected():
                break
            dev.pump(10)
        assert wlan.isconnected() and wlan.ifconfig()[0] == "127.0.0.1"
        address = ws.getaddrinfo("echo.winc.test", echo.port, dev=dev)[0][-1]
        assert address == ("127.0.0.1", echo.port)
        s = ws.socket(dev=dev)
        s.settimeout(5)
        s.connect(address)
        payload = bytes(range(256)) * 12  # binary, more than one raw write
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(4096)
            assert chunk
            got += chunk
        assert got == payload
        s.close()
    finally:
        echo.close()
        port.close()
        proc.terminate()
        proc.wait(5)
