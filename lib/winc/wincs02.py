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
