"""emulator: scripted faults, every one a named hook in one table (fault(name, **args))."""

from winc import _ids

from .names import command_id, status_code

FOREVER = None  # a count of None keeps the fault armed until clear_faults()

# name -> (default arguments, what the hook does where the model consults it).
# `count` is how many times the hook fires; `cmd` (name or id, None = any) picks commands.
FAULTS = {
    "answer": ({"cmd": None, "status": _ids.ERROR, "count": 1},
               "the next such command gets STATUS `status` only: no RSP, no side effects"),
    "drop_status": ({"cmd": None, "count": 1},
                    "the next such command executes, but its STATUS is never sent"),
    "data_rdy_stuck": ({"count": FOREVER},
                       "INT_ID.DATA_RDY never reads 1, whatever the FIFO holds"),
    "bad_r5": ({"count": 1, "flags": 0x40},
               "CMD52/CMD53 answer R5 flags `flags` and are not carried out"),
    "cmd5_fail": ({"count": 1, "value": 0x04},
                  "CMD5 with OCR 0 answers R1 `value`"),
    "cmd0_bad": ({"count": FOREVER, "value": 0x04},
                 "CMD0 answers R1 `value` and the card stays where it was"),
    "ocr_busy": ({"count": 1},
                 "CMD5 with a non-zero OCR reports the card busy (OCR bit 31 clear)"),
    "tx_stall": ({"sock": None, "status": _ids.SOCKET_NOT_READY, "count": 1},
                 "the next SOCKWR/SOCKWRTO of socket `sock` gets `status`; its data is dropped"),
}


class Faults:
    """The armed faults, oldest first; hooks ask take(name, ...) whether to misbehave now."""

    def __init__(self):
        self._armed = []

    def arm(self, name, **args):
        if name not in FAULTS:
            raise ValueError("unknown fault %r (known: %s)" % (name, ", ".join(sorted(FAULTS))))
        settings = dict(FAULTS[name][0])
        unknown = set(args) - set(settings)
        if unknown:
            raise TypeError("fault %r takes no %s" % (name, ", ".join(sorted(unknown))))
        settings.update(args)
        if settings.get("cmd") is not None:
            settings["cmd"] = command_id(settings["cmd"])
        if "status" in settings:
            settings["status"] = status_code(settings["status"])
        if settings["count"] is not None and settings["count"] < 1:
            raise ValueError("fault %r count must be >= 1" % name)
        self._armed.append([name, settings])

    def clear(self):
        self._armed = []

    def take(self, name, cmd=None, sock=None):
        """The settings of the oldest armed `name` fault matching `cmd` and `sock` (a socket
        id; faults armed without one match any), consuming one firing."""
        for entry in self._armed:
            fault, settings = entry
            if fault != name or settings.get("cmd") not in (None, cmd):
                continue
            if settings.get("sock") not in (None, sock):
                continue
            if settings["count"] is not None:
                settings["count"] -= 1
                if settings["count"] == 0:
                    self._armed.remove(entry)
            return settings
        return None
