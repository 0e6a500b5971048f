"""device: the RNWF02 module on a UART — a Device over the AT link."""

from . import tlv
from ._compat import const
from .bus import UartBus
from .device import CALL_TIMEOUT_MS, Device
from .uartlink import UartLink

_IPR = const(0x0203)  # AT+IPR: UART speed (RNWF02 only, AT spec §4)


class RNWF02(Device):
    """RNWF02(uart, *, reset=None, rx_buf=4096, tx_buf=2560, baudrate=None, flow=False,
    cmd_timeout_ms=5000, boot_ms=3000)

    uart: machine.UART (230400 8N1 and rxbuf >= 4096 recommended), busio.UART or pyserial's
    Serial (timeout=0); reset: machine.Pin / board pin of the module's reset line, or None.
    rx_buf holds the longest line (a 1460-byte hex SOCKRXT is ~2950 characters); tx_buf the
    longest command line. baudrate: the UART's rate now, where the UART cannot say
    (machine.UART; default 230400). flow: RTS/CTS (AT&K3), where the UART can switch it.
    cmd_timeout_ms: a command without its final result by then fails the link (ETIMEDOUT);
    boot_ms: how long init() waits for +BOOT after a reset pulse.
    """

    def __init__(self, uart, *, reset=None, rx_buf=4096, tx_buf=2560, baudrate=None,
                 flow=False, cmd_timeout_ms=5000, boot_ms=3000):
        bus = UartBus(uart, reset, baudrate)
        super().__init__(UartLink(bus, rx_buf, tx_buf, None, cmd_timeout_ms, boot_ms, flow))

    def baudrate(self, rate=None, timeout_ms=CALL_TIMEOUT_MS):
        """The UART's rate; with rate, switch the module (AT+IPR) and then the UART to it, and
        check the module answers there (OSError if it does not: init() again)."""
        if rate is None:
            return self._link.baudrate
        if not isinstance(rate, int) or not 1200 <= rate <= 0xFFFFFFFF:
            raise ValueError("baud rate")
        self.call(_IPR, (tlv.U4, rate), timeout_ms)
        self._link.retune(rate)
        self._info = self._query_version(timeout_ms)  # at the new rate, or the link fails
        return rate
