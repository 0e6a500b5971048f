"""device: the WINCS02 module on SPI — a Device over the SDIO-over-SPI link."""

from .bus import make_bus
from .device import Device
from .spilink import SpiLink


class WINCS02(Device):
    """WINCS02(spi, cs, reset=None, irq=None, *, rx_buf=4096, tx_buf=2048, baudrate=8000000)

    spi: machine.SPI (mode 0, MSB first; configure its baudrate, up to 50 MHz) or busio.SPI;
    cs, reset, irq: machine.Pin / board pins. Without irq the pump polls the module over SPI;
    with it (MicroPython) each INT edge schedules a pump, so events flow while the REPL idles.
    baudrate applies to busio only (machine.SPI carries its own).
    """

    def __init__(self, spi, cs, reset=None, irq=None, *, rx_buf=4096, tx_buf=2048,
                 baudrate=8000000):
        bus = make_bus(spi, cs, reset, irq, baudrate)
        super().__init__(SpiLink(bus, rx_buf, tx_buf))
        bus.on_irq(self._irq)

    @classmethod
    def on_pins(cls, spi_id, sck, mosi, miso, cs, *, reset=None, chip_en=None, irq=None,
                baudrate=12000000, timeout_ms=10000):
        """A WINCS02 wired by MicroPython pin names ("PB26"...) and init()ed: SPI mode 0,
        CS idle high, CHIP_EN driven high, INT pulled up; reset, chip_en, irq None where not
        wired. If init() fails, the previous Device.default is put back, the INT handler and
        the SPI bus released, and the error raised. (The boards' winc_board modules use it.)"""
        from machine import SPI, Pin

        if chip_en is not None:
            Pin(chip_en, Pin.OUT, value=1)
        spi = SPI(spi_id, baudrate=baudrate, polarity=0, phase=0, sck=Pin(sck), mosi=Pin(mosi),
                  miso=Pin(miso))
        int_pin = None if irq is None else Pin(irq, Pin.IN, Pin.PULL_UP)
        previous = Device.default
        dev = cls(spi, Pin(cs, Pin.OUT, value=1),
                  None if reset is None else Pin(reset, Pin.OUT, value=1), int_pin)
        try:
            dev.init(timeout_ms)
        except Exception:
            Device.default = previous  # nothing left pointing at the failed device
            if int_pin is not None:
                int_pin.irq(handler=None)
            spi.deinit()
            raise
        return dev
