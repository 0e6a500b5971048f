"""make demo: a session with an emulated WINCS02, written as a user would type it on a board.

Runs under MicroPython (tools/demo.py starts the emulator server and points WINCSIM_SOCKET at
it) and under CPython (in-process emulator). On a board, spi/cs/reset/irq are machine objects.
"""

import sys

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
try:
    dev.call(_ids.SOCKLST)
except OSError as e:
    print("a command the emulator does not model yet:", e)
