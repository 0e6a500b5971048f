"""make demo: a session with an emulated WINCS02, written as a user would type it on a board.

Runs under MicroPython (tools/demo.py starts the emulator server and points WINCSIM_SOCKET at
it) and under CPython (in-process emulator). On a board, spi/cs/reset/irq are machine objects.
The HTTPS part needs the local server tools/demo.py starts (WINC_DEMO_CA, WINC_DEMO_HTTPS_PORT).
"""

import os
import sys
import time

import winc
from winc import _ids, _names, tlv

if sys.implementation.name == "micropython":
    from wincsim import remote

    emu = remote.connect(boot_ms=400)
else:
    from wincsim import Module

    emu = Module(boot_ms=400)
spi, cs, reset, irq = emu.spi, emu.cs, emu.reset, emu.irq  # machine.SPI / machine.Pin shaped

print("%s %s" % (sys.implementation.name, ".".join(str(v) for v in sys.implementation.version)))
dev = winc.WINCS02(spi, cs, reset=reset, irq=irq)
manufacturer, model, firmware = dev.init()
print("module: %s %s, firmware %s" % (manufacturer, model, firmware))
boot = emu.bus_counts()
print("boot + handshake + version: %d SPI bytes in %d CS frames" % (boot["bytes"], boot["frames"]))

# A round trip of several commands in one burst: configuration and device-information queries.
emu.clear_bus_counts()
answers = []


def keep(cmd, msg):
    answers.append((_names.name(_names.COMMANDS, cmd.id), cmd.seq, msg.values()))


cmds = [winc.device.Command(_ids.CFG, (tlv.U4, 1), keep),
        winc.device.Command(_ids.CFG, (tlv.U4, 10), keep),
        winc.device.Command(_ids.DI, (tlv.U4, 1), keep),
        winc.device.Command(_ids.GMR, (), keep)]
dev.submit(cmds)
for cmd in cmds:
    dev.wait(cmd)
for name, seq, values in answers:
    print("  %-4s seq %d -> %r" % (name, seq, values))
burst = emu.bus_counts()
print("4-command burst round trip: %d SPI bytes in %d CS frames" % (burst["bytes"],
                                                                  burst["frames"]))

# Wi-Fi: join the emulated WPA2 network, as network.WLAN does on any MicroPython board.
wlan = winc.WLAN(winc.STA_IF)
wlan.connect("winc-lab", "correct horse battery")
deadline = time.time() + 10
while not wlan.isconnected() and time.time() < deadline:
    time.sleep(0.02)  # isconnected() handles what the module said meanwhile
print("wifi: connected=%s status=%d ifconfig=%r" % (wlan.isconnected(), wlan.status(),
                                                      wlan.ifconfig()))

# Sockets: the module's stack, backed by the emulator with real loopback sockets. A host TCP
# listener plays the server; the module resolves its name through its own DNS.
import socket as host  # noqa: E402  (the host's own sockets, for the peer)

from winc import socket  # noqa: E402

listener = host.socket()
for port in range(47000, 47100):
    try:
        listener.bind(host.getaddrinfo("127.0.0.1", port)[0][-1])
        break
    except OSError:
        pass
listener.listen(1)
emu.dns("echo.demo", ["127.0.0.1"])
emu.clear_bus_counts()
s = socket.socket()
s.settimeout(5)
s.connect(("echo.demo", port))
peer, _ = listener.accept()
s.sendall(b"hello through the module")
peer.settimeout(0.01)
data = b""
while len(data) < 24:
    try:
        data += peer.recv(64)
    except OSError:
        dev.pump(10)  # the emulator moves data when the driver talks to it
peer.send(data.upper())
print("echo via the module:", s.recv(64))
s.close()
peer.close()
listener.close()
counts = emu.bus_counts()
print("DNS + connect + 24-byte round trip + close: %d SPI bytes in %d CS frames" % (
    counts["bytes"], counts["frames"]))

# HTTPS with the server verified: the module runs TLS; the CA goes to its file system once.
ca, https_port = os.getenv("WINC_DEMO_CA"), os.getenv("WINC_DEMO_HTTPS_PORT")
if ca and https_port:
    from winc import tls

    emu.dns("www.winc.test", ["127.0.0.1"])
    emu.clear_bus_counts()
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=ca)
    s = ctx.wrap_socket(socket.socket(), server_hostname="www.winc.test")
    s.settimeout(10)
    s.connect(("www.winc.test", int(https_port)))
    s.sendall(b"GET /hello HTTP/1.0\r\nHost: www.winc.test\r\n\r\n")
    response = b""
    while True:
        chunk = s.recv(512)
        if not chunk:
            break
        response += chunk
    s.close()
    head, _, body = response.partition(b"\r\n\r\n")
    print("https://www.winc.test/hello ->", head.split(b"\r\n")[0], body)
    counts = emu.bus_counts()
    print("TLS setup (CA upload, TLSC) + handshake + GET: %d SPI bytes in %d CS frames" % (
        counts["bytes"], counts["frames"]))
else:
    print("https: skipped (run through `make demo`, which starts a local HTTPS server)")
