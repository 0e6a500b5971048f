"""emulator: machine.SPI / machine.Pin shaped faces of an in-process Module.

The driver's MicroPython code path drives these unchanged; each call first lets the module
catch up with time, then acts, then settles INTOUT (running an edge handler if one fired).
"""

import time


class Pin:
    """What the faces share with machine.Pin: value([v]), pin([v]), on(), off(), init()."""

    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, module):
        self._module = module

    def init(self, *args, value=None, **kwargs):
        if value is not None:
            self.value(value)

    def __call__(self, level=None):
        return self.value(level)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    high = on
    low = off


class ChipSelect(Pin):
    """CS output: low starts a frame, high ends it (and counts it)."""

    def value(self, level=None):
        if level is not None:
            self._module._set_cs(level)
            return None
        return 0 if self._module._cs_low else 1


class Reset(Pin):
    """MCLR output: 0 holds the module in reset, 0 -> 1 starts a boot.

    Also the control method: reset() / reset(sdio=False) is a module reset (module.restart);
    [INFERRED] so a call without a level is a reset, never a pin read (use value() to read).
    """

    def value(self, level=None):
        if level is not None:
            self._module._set_mclr(level)
            return None
        return self._module._mclr

    def __call__(self, level=None, sdio=None):
        if level is not None:
            if sdio is not None:
                raise TypeError("reset(level) sets the pin; reset(sdio=...) resets the module")
            return self.value(level)
        self._module.restart(sdio=True if sdio is None else bool(sdio))
        return None


class Interrupt(Pin):
    """INTOUT input: value() is 0 while asserted; irq() handlers run on edges, synchronously."""

    def __init__(self, module):
        super().__init__(module)
        self._handler = None
        self._trigger = Pin.IRQ_FALLING
        self._edges = []
        self._dispatching = False

    def value(self, level=None):
        self._module._service()
        return self._module._int_level  # an input: a level written to it is ignored

    def irq(self, handler=None, trigger=Pin.IRQ_FALLING, **kwargs):
        self._handler = handler
        self._trigger = trigger
        return self

    def wait(self, timeout_ms):
        """True as soon as INTOUT is asserted, False after timeout_ms.

        In between the module blocks in select() on its host sockets, so a peer's data,
        connection or close raises INTOUT without any busy polling.
        """
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self._module._service()
            if self._module._int_level == 0:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._module._idle(left)

    def edge(self, level):
        """Called by the module when INTOUT changes; runs the handler for wanted edges."""
        wanted = Pin.IRQ_FALLING if level == 0 else Pin.IRQ_RISING
        if self._handler is None or not self._trigger & wanted:
            return
        self._edges.append(level)
        if self._dispatching:  # a handler that touched the bus: run after it returns
            return
        self._dispatching = True
        try:
            while self._edges:
                self._edges.pop(0)
                self._handler(self)
        finally:
            self._dispatching = False
            self._edges = []


class Spi:
    """machine.SPI shaped: full duplex through the module's SDIO slave while CS is low."""

    def __init__(self, module):
        self._module = module

    def init(self, *args, **kwargs):
        pass

    def deinit(self):
        pass

    def write_readinto(self, tx, rx):
        if len(tx) != len(rx):
            raise ValueError("write_readinto buffers differ in length")
        miso = self._module._transfer(bytes(tx))
        rx[:] = miso

    def write(self, buf):
        self._module._transfer(bytes(buf))

    def readinto(self, buf, write=0xFF):
        buf[:] = self._module._transfer(bytes([write]) * len(buf))

    def read(self, nbytes, write=0xFF):
        return bytes(self._module._transfer(bytes([write]) * nbytes))


class Uart:
    """machine.UART shaped: the host's end of an emulated RNWF02's UART (uart.UartModule).

    write(buf) -> n, read([n]) -> bytes or None, readinto(buf[, n]) -> n or None, readline(),
    any() -> int, init(baudrate=..., timeout=..., flow=...), and wait(timeout_ms) -> True once
    input is waiting. Every call first lets the module catch up; with a timeout (ms, 0 by
    default) reads wait for data, blocking on the module's host sockets. Bytes sent or read at
    a baud other than the module's are lost or garbled. Flow control is accepted and moot: the
    emulated module never overruns the host (uart.Wire).
    """

    RTS = 1
    CTS = 2

    def __init__(self, module):
        self._module = module
        self.baudrate = module.options["uart_baud"]
        self.timeout = 0

    def init(self, baudrate=None, bits=8, parity=None, stop=1, *, timeout=None, **kwargs):
        if baudrate is not None:
            self.baudrate = baudrate
        if timeout is not None:
            self.timeout = timeout

    def deinit(self):
        pass

    def any(self):
        self._module._service()
        return self._module._uart_available()

    def write(self, buf):
        return self._module._uart_write(bytes(buf), self.baudrate)

    def read(self, nbytes=-1):
        available = self._wait(lambda n: n >= nbytes if nbytes > 0 else n > 0)
        if not available:
            return None
        # read() takes at most what one remote op carries.
        return self._module._uart_take(min(available, 0xFFFF) if nbytes < 0 else nbytes,
                                       self.baudrate)

    def readinto(self, buf, nbytes=None):
        data = self.read(len(buf) if nbytes is None else nbytes)
        if data is None:
            return None
        buf[:len(data)] = data
        return len(data)

    def readline(self):
        module = self._module
        deadline = time.monotonic() + self.timeout / 1000
        while True:  # up to a newline, or what came within the timeout
            n = self.any()
            end = module._wire.peek(n).find(b"\n")
            left = deadline - time.monotonic()
            if end >= 0 or left <= 0:
                return module._uart_take(end + 1 if end >= 0 else n, self.baudrate) or None
            module._idle(left)

    def wait(self, timeout_ms):
        """True as soon as input is waiting, False after timeout_ms."""
        timeout, self.timeout = self.timeout, timeout_ms
        try:
            return self._wait(lambda n: n > 0) > 0
        finally:
            self.timeout = timeout

    def flush(self):
        self._module._service()

    def txdone(self):
        return True

    def sendbreak(self):
        pass

    def _wait(self, enough):
        """Bytes available once enough(n) holds or the timeout passed."""
        deadline = time.monotonic() + self.timeout / 1000
        while True:
            n = self.any()
            left = deadline - time.monotonic()
            if enough(n) or left <= 0:
                return n
            self._module._idle(left)
