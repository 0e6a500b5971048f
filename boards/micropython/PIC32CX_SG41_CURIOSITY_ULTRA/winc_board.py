"""winc_board: EXPERIMENTAL - the WINCS02 Add-On Board on the mikroBUS socket of a PIC32CX SG41
Curiosity Ultra (MicroPython, frozen). Pins to confirm: see the board's README.md.

    import winc_board
    wlan = winc_board.wlan()                                 # SPI and CS only: reset, chip
    wlan = winc_board.wlan(reset="Pxnn", irq="Pxnn", ...)    # enable and INT once confirmed

winc_board.device() is the init()ed winc.WINCS02 itself (made once, then the same object).
"""

import winc

SPI_ID = 0  # SERCOM0
MOSI = "PB24"  # SERCOM0 PAD0
SCK = "PB25"  # SERCOM0 PAD1
MISO = "PC25"  # SERCOM0 PAD3
CS = "PC24"  # GPIO, idle high
# mikroBUS RST (module MCLR), PWM (CHIP_EN) and INT (INTOUT): MCU pins not confirmed yet, so
# nothing is driven by default. Without reset the module is not reset by init(); without INT the
# driver polls it over SPI; CHIP_EN must then be high by other means (the add-on's own default).
RESET = None
CHIP_EN = None
INT = None

# The SERCOM clock is 48 MHz, divided by an even number: 24, 12, 8... MHz. 12 MHz is exact.
BAUDRATE = 12_000_000

_dev = None


def device(baudrate=BAUDRATE, *, reset=RESET, chip_en=CHIP_EN, irq=INT, timeout_ms=10000):
    """The WINCS02 on the mikroBUS socket, made and init()ed on the first call; later calls
    return it. reset, chip_en, irq: pin names ("Pxnn"), or None where not wired.

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
