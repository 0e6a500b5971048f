"""emulator: the RNWF02 AT front end (spec §1, §3, §5.5): lines, echo, raw '#' transfers, and
the model's messages rendered as AT text.

Host bytes become the same requests the SPI front end feeds the model (Module._perform); the
model's encoded RSP, STATUS and AEC messages come back through Module._post, are decoded with
the emulator's codec and written to the UART (uart.Wire) as text. One command at a time: the
host's next line waits until the final result, and AECs produced meanwhile follow it.
"""

from collections import deque

from winc import _ids

from . import at, codec
from .names import status_code

MAX_LINE = 8192  # [INFERRED] a longer line is refused whole (§3.4: 3 kchar lines exist)
_ESCAPE = b"+++"
# Commands with a raw form (§5.5): index of LENGTH among the parameters, and its maximum.
_RAW_WRITES = {_ids.SOCKWR: (1, 1460), _ids.SOCKWRTO: (3, 1472)}
_RAW_READS = (_ids.SOCKRD, _ids.SOCKRDBUF)
_RAW_READ_MODE = 2
_INVALID_CMD = status_code("INVALID_CMD")


class _Command:
    """The command in flight: its request, what it produced so far, what its STATUS does."""

    __slots__ = ("id", "seq", "elements", "raw_read", "responses", "on_status", "silent")

    def __init__(self, ident, seq, elements, raw_read, on_status, silent):
        self.id = ident
        self.seq = seq
        self.elements = elements
        self.raw_read = raw_read  # SOCKRD mode 2: the data goes out raw after '#'
        self.responses = 0
        self.on_status = on_status  # (command, status, on_read) -> None
        self.silent = silent  # a write of persistent raw mode: no lines of its own


class _Raw:
    """A raw host -> module transfer (§5.5): the command, its parameters, the bytes so far."""

    __slots__ = ("id", "elements", "length", "limit", "data", "escape_at", "last_at", "error")

    def __init__(self, ident, elements, length, limit, now):
        self.id = ident
        self.elements = elements  # the parameters as given (no DATA)
        self.length = length  # 0: persistent until '+++'
        self.limit = limit  # largest write
        self.data = bytearray()
        self.escape_at = None  # when the data came to end in '+++'
        self.last_at = now  # when the last byte came
        self.error = None  # persistent mode: the first failed write's status


class Terminal:
    """The AT command interpreter of one module; settings reset at every power-up."""

    def __init__(self, module, wire):
        self._module = module
        self._options = module.options
        self._wire = wire
        self._seq = 0
        self._busy = False
        self.power_off()

    # -- power -----------------------------------------------------------------------------------

    def power_off(self):
        """Held in reset or restarting: no input is taken; settings back to their defaults."""
        self.up = False
        self.echo = bool(self._options["at_echo"])
        self.verbosity = 5  # ATV (§3.5 [INFERRED] default)
        self.format = 7  # ATF (§2.3)
        self.numeric = 0  # ATM
        self.flow = 0  # AT&K
        self.baud_after = None  # AT+IPR: the baud to switch to after this final result
        self._rx = bytearray()  # host bytes not yet taken
        self._line = bytearray()
        self._overflow = False
        self._raw = None
        self._command = None
        self._aecs = deque()  # (message, on_read) held back until the command ends
        self._dirty = False  # output since the last '>' prompt

    def power_on(self):
        self.up = True
        nuls = self._options["at_boot_nuls"]
        if nuls:
            self._wire.emit(bytes(nuls))  # §1: NUL bytes around a reset

    @property
    def quiet(self):
        """No command or raw transfer under way (AECs may go out, so may the prompt)."""
        return self._command is None and self._raw is None

    def snapshot(self):
        return {"mode": "line" if self._raw is None else "raw",
                "command": None if self._command is None else self._command.id,
                "rx": len(self._rx) + len(self._line), "tx": self._wire.unread(),
                "aecs": len(self._aecs)}

    def settings(self):
        return {"echo": int(self.echo), "verbosity": self.verbosity, "format": self.format,
                "numeric": self.numeric, "flow": self.flow, "baud": self._wire.baud,
                "prompt": bool(self._options["at_prompt"])}

    # -- host -> module ------------------------------------------------------------------------

    def receive(self, data):
        """Bytes from the host; taken at once unless a command is in flight."""
        if not self.up:
            return
        self._rx += data
        self._process()

    def pump(self):
        """Time-driven work after every interaction: the '+++' guard, persistent flushes,
        input that waited for a result, read marks and the idle prompt."""
        raw, now = self._raw, self._module.now()
        if raw is not None and self._command is None:
            guard = self._options["at_guard_ms"] / 1000
            if raw.escape_at is not None and now - raw.escape_at >= guard and not self._rx:
                self._escape()
            elif (not raw.length and raw.data and raw.escape_at is None
                  and now - raw.last_at >= self._options["at_flush_ms"] / 1000):
                self._flush_persistent(raw, len(raw.data))
        self._process()
        self._wire.run_marks()
        if self._options["at_prompt"] and self._dirty and self.quiet and self.up:
            self._dirty = False
            self._wire.emit(b">")

    def _process(self):
        if self._busy:
            return  # a result reached us from inside a command: the loop below goes on
        self._busy = True
        try:
            while self._rx and self._command is None and self.up:
                if self._raw is not None:
                    self._take_raw()
                else:
                    self._take_line()
        finally:
            self._busy = False

    def _take_line(self):
        end = self._rx.find(b"\n")
        chunk = bytes(self._rx[:end + 1] if end >= 0 else self._rx)
        del self._rx[:len(chunk)]
        if self.echo:
            self._wire.emit(chunk)  # echoed as taken (§1)
        self._line += chunk
        if end < 0:
            if len(self._line) > MAX_LINE:
                self._overflow = True
                self._line = bytearray()
            return
        line = bytes(self._line[:-1])
        self._line = bytearray()
        if line.endswith(b"\r"):
            line = line[:-1]
        if self._overflow:
            self._overflow = False
            self._result(_INVALID_CMD)
        elif line.strip():  # empty lines are ignored
            self._run_line(line)

    def _run_line(self, line):
        try:
            parsed = at.parse(line)
            for letter, value in parsed.basics:
                self._basic(letter, value)
            if parsed.command is None:
                self._result(_ids.OK)
                return
            raw = self._raw_write(parsed.command, parsed.elements)
        except at.AtError as e:
            self._result(e.status)
            return
        if raw is not None:
            self._raw = raw
            self._wire.emit(b"#")  # §5.5: now exactly LENGTH raw bytes
            return
        elements = parsed.elements or []
        raw_read = (parsed.command in _RAW_READS and len(elements) > 1
                    and elements[1].type in codec.INTEGER_CLASS
                    and elements[1].value == _RAW_READ_MODE)
        self._issue(parsed.command, elements, raw_read=raw_read)

    def _basic(self, letter, value):
        if letter == "E":
            self.echo = bool(value)
        elif letter == "V":
            self.verbosity = value  # the result of this very line uses it (§2.4)
        elif letter == "F":
            self.format = value
        elif letter == "M":
            self.numeric = value
        else:
            self.flow = value  # AT&K: recorded; the emulated wire never overruns

    # -- raw transfers (§5.5) ------------------------------------------------------------------

    def _raw_write(self, ident, elements):
        """A _Raw if this SOCKWR/SOCKWRTO has no DATA parameter, else None."""
        if ident not in _RAW_WRITES or elements is None:
            return None
        index, limit = _RAW_WRITES[ident]
        n = len(elements)
        if n != index + 1 and not (n == index + 2
                                   and elements[-1].type in codec.INTEGER_CLASS):
            return None  # DATA given (or too few parameters: the handler says so)
        length = elements[index]
        if length.type not in codec.INTEGER_CLASS or not 0 <= length.value <= limit:
            raise at.AtError(_ids.INVALID_PARAMETER, "raw length %r" % (length,))
        return _Raw(ident, list(elements), length.value, limit, self._module.now())

    def _take_raw(self):
        raw = self._raw
        take = len(self._rx) if not raw.length else min(len(self._rx),
                                                        raw.length - len(raw.data))
        raw.data += self._rx[:take]
        del self._rx[:take]
        raw.last_at = self._module.now()
        raw.escape_at = raw.last_at if raw.data.endswith(_ESCAPE) else None
        if raw.length:
            if len(raw.data) == raw.length:
                self._raw = None
                self._issue(raw.id, raw.elements + [codec.Element(_ids.T_BYTES, raw.data)])
        elif len(raw.data) >= raw.limit and raw.escape_at is None:
            self._flush_persistent(raw, len(raw.data) - len(raw.data) % raw.limit)

    def _escape(self):
        """'+++' and a guard time of silence: the transfer ends (§1, §5.5)."""
        raw = self._raw
        del raw.data[-len(_ESCAPE):]
        if raw.length:
            # [INFERRED] a transfer cut short: the command runs with the bytes that came, so
            # the model answers it as a LENGTH/DATA mismatch.
            self._raw = None
            self._issue(raw.id, raw.elements + [codec.Element(_ids.T_BYTES, raw.data)])
        else:
            self._flush_persistent(raw, len(raw.data), last=True)

    def _flush_persistent(self, raw, n, last=False):
        """Persistent mode (LENGTH 0): the first n bytes go out in writes of at most
        raw.limit bytes, without results of their own; with `last` the transfer then ends
        with OK, or the status of the first write that failed."""
        if not n:
            self._raw = None
            self._result(raw.error or _ids.OK)
            self._release()
            return
        chunk = bytes(raw.data[:min(n, raw.limit)])
        del raw.data[:len(chunk)]
        index = _RAW_WRITES[raw.id][0]
        elements = raw.elements[:index] + [at.integer_element(len(chunk)),
                                           codec.Element(_ids.T_BYTES, chunk)]

        def on_status(command, status, on_read):
            if status != _ids.OK and raw.error is None:
                raw.error = status
            self._wire.emit(b"", on_read)
            if n > len(chunk) or last:
                self._flush_persistent(raw, n - len(chunk), last)
            else:
                self._release()

        self._issue(raw.id, elements, on_status=on_status)

    # -- requests and what comes back ----------------------------------------------------------

    def _issue(self, ident, elements, raw_read=False, on_status=None):
        self._seq = self._seq % 0xFFFF + 1
        command = self._command = _Command(ident, self._seq, elements, raw_read,
                                           on_status or self._finish, on_status is not None)
        request = codec.Message(_ids.REQ, ident, self._seq, elements=elements)
        if not self._module._perform(request) and self._command is command:
            self._command = None  # fault drop_status: no final result will ever come
            self._release()

    def deliver(self, message, on_read=None):
        """One encoded message from the model: an RSP or the STATUS of the command in flight,
        or an AEC (held back while a command or raw transfer is under way)."""
        msg = codec.decode(message)
        command = self._command
        if msg.kind == _ids.AEC:
            if command is not None or self._raw is not None:
                self._aecs.append((msg, on_read))
            else:
                self._emit_aec(msg, on_read)
        elif command is not None and msg.seq == command.seq and msg.kind == _ids.RSP:
            command.responses += 1
            if command.raw_read:
                self._wire.emit(b"#" + msg.elements[-1].data, on_read)  # no header (§5.5)
                self._dirty = True
            elif not command.silent:
                self._emit(at.line(msg.rsp_id, msg.elements, False, self.format,
                                   self.verbosity >= 4, self.numeric), on_read)
            else:
                self._wire.emit(b"", on_read)
        elif command is not None and msg.seq == command.seq and msg.kind == _ids.STATUS:
            self._command = None
            command.on_status(command, msg.status, on_read)
        else:
            self._module._error("AT front end: no command for %r" % (msg,))
            self._wire.emit(b"", on_read)

    def _finish(self, command, status, on_read):
        if status == _ids.OK and command.id == _ids.SOCKCL and not command.responses:
            # The AT reference documents `+SOCKCL:<id>` before OK (§10); the model sends none.
            self._emit(at.line(command.id, command.elements[:1], False, self.format,
                               numeric=self.numeric))
        self._result(status, on_read)
        self._release()

    def _result(self, status, on_read=None):
        self._emit(at.result(status, self.verbosity), on_read)
        if self.baud_after is not None:  # AT+IPR: the OK went at the old rate
            self._wire.baud = self.baud_after
            self.baud_after = None

    def _release(self):
        """The command ended: AECs held back go out, then the host's next line is taken."""
        while self._aecs and self.quiet:
            self._emit_aec(*self._aecs.popleft())
        self._process()

    def _emit_aec(self, msg, on_read):
        self._emit(at.line(msg.id, msg.elements, True, self.format, self.verbosity >= 4,
                           self.numeric), on_read)

    def _emit(self, data, on_read=None):
        self._wire.emit(data, on_read)
        self._dirty = True
