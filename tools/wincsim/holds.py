"""emulator: hold(kind, sock, ms) / release(): STATUS and AEC messages kept back on purpose.

Every outbound STATUS and AEC passes through offer(); what a rule matches waits here, either
until release() or for `ms` after it was produced, and is then posted in its original order.
"""

from .names import AEC_NAMES, COMMAND_NAMES, command_id

_FOLLOW = "follow"  # an AEC that waits only because an earlier one of its socket is held


class _Rule:
    __slots__ = ("command", "aec", "sock", "ms")

    def __init__(self, command, aec, sock, ms):
        self.command = command  # command id whose STATUS is held, or None
        self.aec = aec  # AEC id that is held, or None
        self.sock = sock  # only messages about this socket id, or None for all
        self.ms = ms  # per-message delay, or None: until release()


class Holds:
    """The hold rules and the messages they keep, oldest first."""

    def __init__(self, post, now, later):
        self._post = post  # (message, on_read) -> queue it for the host
        self._now = now
        self._later = later  # (delay_s, fn) -> run fn later
        self.rules = []
        self._held = []  # [message, on_read, sock, due]; due: a time, None or _FOLLOW

    def add(self, kind, sock=None, ms=None):
        """Hold the STATUS of command `kind` and AECs named `kind` (a name may be both)."""
        if not isinstance(kind, str):
            raise ValueError("hold() takes a command or AEC name, not %r" % (kind,))
        aec = next((ident for ident, name in AEC_NAMES.items() if name == kind), None)
        command = command_id(kind) if kind in COMMAND_NAMES.values() else None
        if command is None and aec is None:
            raise ValueError("%r names no command or AEC" % kind)
        if ms is not None and (not isinstance(ms, (int, float)) or ms < 0):
            raise ValueError("hold ms=%r" % (ms,))
        self.rules.append(_Rule(command, aec, sock, ms))

    def release(self):
        """Drop every rule and post everything held, in the order it was produced."""
        self.rules = []
        held, self._held = self._held, []
        for message, on_read, _, _ in held:
            self._post(message, on_read)

    def drop(self):
        """A module reset: the held messages are lost with the rest of the outbox."""
        self._held = []

    def offer(self, message, on_read=None, status_of=None, aec=None, sock=None):
        """Post `message` now, or keep it if a rule matches (or its socket has an AEC held)."""
        rule = next((r for r in self.rules
                     if (r.command == status_of if status_of is not None else r.aec == aec)
                     and r.sock in (None, sock)), None)
        # AECs of one socket keep their order: data never overtakes a held SOCKIND.
        order_key = sock if aec is not None else None
        follows = order_key is not None and any(h[2] == order_key for h in self._held)
        if rule is None and not follows:
            self._post(message, on_read)
            return
        if rule is None:
            due = _FOLLOW
        elif rule.ms is None:
            due = None
        else:
            due = self._now() + rule.ms / 1000
            self._later(rule.ms / 1000, self._flush)
        self._held.append([message, on_read, order_key, due])

    def _flush(self):
        now, blocked, kept = self._now(), set(), []
        for entry in self._held:
            _, _, key, due = entry
            ready = due is _FOLLOW or (due is not None and due <= now)
            if ready and (key is None or key not in blocked):
                self._post(entry[0], entry[1])
            else:
                kept.append(entry)
                if key is not None:
                    blocked.add(key)
        self._held = kept
