"""MicroPython half of the heap budget (tools/check_boards.py): what winc holds on the heap after
`import winc`, a WINCS02 on the emulator with init() done, and one socket.

    micropython mp_budget.py <winc ROMFS image> <dir holding the wincsim client>

A board runs winc frozen: bytecode and constants stay in flash. Here winc is imported from a
ROMFS image mounted with vfs.VfsRom, so its bytecode and strings stay in the image, as in flash;
what counts is what a frozen import makes too (module dicts, functions, classes), plus the
raw-code descriptors a ROMFS import makes that a frozen one keeps in flash: an upper bound.
The image and the emulator client are loaded before the first reading; the client's bus and pin
calls keep nothing (wincsim/remote.py), and gc.mem_alloc() counts live bytes only, so what the
readings differ by is winc's. Prints `BUDGET modules=N device=N socket=N bits=N`.
"""

import gc
import sys

import vfs

image = open(sys.argv[1], "rb").read()  # kept referenced: the mounted ROMFS reads from it
vfs.mount(vfs.VfsRom(image), "/rom")
sys.path[:0] = ["/rom", sys.argv[2]]

from wincsim import remote  # noqa: E402

emu = remote.connect()
spi, cs, reset, irq = emu.spi, emu.cs, emu.reset, emu.irq
irq.irq(None)  # the client's pin keeps the handler in an attribute: made now, not counted below


def used():
    gc.collect()
    return gc.mem_alloc()


start = used()
import winc  # noqa: E402

WINCS02 = winc.WINCS02
from winc import socket  # noqa: E402

modules = used()
dev = WINCS02(spi, cs, reset, irq)
dev.init()
device = used()
s = socket.socket()
sock = used()
print("BUDGET modules=%d device=%d socket=%d bits=%d" % (
    modules - start, device - modules, sock - device, 64 if sys.maxsize > 1 << 32 else 32))
s.close()
