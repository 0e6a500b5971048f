"""winc_board: the WINCS02 Add-On Board on EXT1 of a SAM E54 Xplained Pro (CircuitPython).

    import winc_board
    radio = winc_board.radio()        # busio.SPI, pins, WINCS02 init()ed: a wifi.Radio
    radio.connect("my-network", "passphrase")

winc_board.device() is the init()ed winc.WINCS02 itself (made once, then the same object).
CircuitPython's board.SPI() on this board is EXT2 (SERCOM6), not EXT1: the SPI is made here.
"""

import board
import busio
import digitalio

import winc

# same54_xplained names EXT1's pins by their MCU names (ports/atmel-samd/boards/same54_xplained).
SCK = board.PB26  # EXT1 pin 18, SERCOM4 PAD1
MOSI = board.PB27  # EXT1 pin 16, SERCOM4 PAD0
MISO = board.PB29  # EXT1 pin 17, SERCOM4 PAD3
CS = board.PB28  # EXT1 pin 15, GPIO, idle high
RESET = board.PA06  # EXT1 pin 5, MCLR, active low
CHIP_EN = board.PB08  # EXT1 pin 7, driven high
INT = board.PB07  # EXT1 pin 9, INTOUT, active low (polled: CircuitPython has no pin interrupts)

# The SERCOM clock is 48 MHz, divided by an even number: 24, 12, 8... MHz. 12 MHz is exact and
# leaves margin through the adapter; the module itself takes up to 50 MHz.
BAUDRATE = 12_000_000

_dev = None
_chip_en = None


def device(baudrate=BAUDRATE, *, reset=RESET, chip_en=CHIP_EN, irq=INT, timeout_ms=10000):
    """The WINCS02 on EXT1, made and init()ed on the first call; later calls return it.

    reset, chip_en, irq: board pins (None: not wired; without irq the driver polls over SPI).
    WINCS02() makes itself winc.Device.default, so socketpool and wifi calls without a device
    use it; if init() fails, the previous default is put back, the pins are released and the
    error raised (call again to retry).
    """
    global _dev, _chip_en
    if _dev is not None:
        return _dev
    if chip_en is not None and _chip_en is None:
        _chip_en = digitalio.DigitalInOut(chip_en)
        _chip_en.switch_to_output(value=True)
    spi = busio.SPI(SCK, MOSI=MOSI, MISO=MISO)
    # DigitalInOuts made here, so that a failure can release them; the driver sets their
    # directions (CS through SPIDevice: output, idle high; INT: input with pull-up).
    claimed = []
    previous = winc.Device.default
    try:
        for pin in (CS, reset, irq):
            claimed.append(None if pin is None else digitalio.DigitalInOut(pin))
        dev = winc.WINCS02(spi, *claimed, baudrate=baudrate)
        dev.init(timeout_ms)
    except Exception:
        winc.Device.default = previous
        for dio in claimed:
            if dio is not None:
                dio.deinit()
        spi.deinit()
        raise
    _dev = dev
    return dev


def radio(**kwargs):
    """The wifi.Radio of the board's module (winc.wifi.radio while it is the default device);
    kwargs go to device() on first use."""
    from winc import wifi

    dev = device(**kwargs)
    return wifi.radio if winc.Device.default is dev else wifi.Radio(dev)


def wlan(**kwargs):
    """winc.WLAN(winc.STA_IF) on the board's module, as on MicroPython."""
    return winc.WLAN(winc.STA_IF, device(**kwargs))
