"""winc_board: the WINCS02 Add-On Board on EXT1 of a SAM E54 Xplained Pro (MicroPython, frozen).

    import winc_board
    wlan = winc_board.wlan()      # SPI, pins, WINCS02 init()ed: a station interface
    wlan.connect("my-network", "passphrase")

winc_board.device() is the init()ed winc.WINCS02 itself (made once, then the same object).
"""

import winc

# CPU pin names, not pins.csv names: this module also runs on firmware built without them.
SPI_ID = 4  # SERCOM4
SCK = "PB26"  # EXT1 pin 18, SERCOM4 PAD1
MOSI = "PB27"  # EXT1 pin 16, SERCOM4 PAD0
MISO = "PB29"  # EXT1 pin 17, SERCOM4 PAD3
CS = "PB28"  # EXT1 pin 15, GPIO, idle high
RESET = "PA06"  # EXT1 pin 5, MCLR, active low
CHIP_EN = "PB08"  # EXT1 pin 7, driven high
INT = "PB07"  # EXT1 pin 9, INTOUT, active low (EIC EXTINT7)

# The SERCOM clock is 48 MHz, divided by an even number: 24, 12, 8... MHz (20 MHz would give 24).
# 12 MHz is exact and leaves margin through the adapter; the module itself takes up to 50 MHz.
BAUDRATE = 12_000_000

_dev = None


def device(baudrate=BAUDRATE, *, reset=RESET, chip_en=CHIP_EN, irq=INT, timeout_ms=10000):
    """The WINCS02 on EXT1, made and init()ed on the first call; later calls return it.

    reset, chip_en, irq: pin names (None: not wired; without irq the driver polls over SPI).
    WINCS02() makes itself winc.Device.default, so socket and WLAN calls without dev use it;
    if init() fails, the previous default is put back and the error raised (call again to retry).
    """
    global _dev
    if _dev is None:
        _dev = winc.WINCS02.on_pins(SPI_ID, SCK, MOSI, MISO, CS, reset=reset, chip_en=chip_en,
                                    irq=irq, baudrate=baudrate, timeout_ms=timeout_ms)
    return _dev


def wlan(**kwargs):
    """winc.WLAN(winc.STA_IF) on the board's module; kwargs go to device() on first use."""
    return winc.WLAN(winc.STA_IF, device(**kwargs))
