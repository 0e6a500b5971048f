"""emulator: command, AEC and status names <-> ids, over the shared tables in winc._names."""

from winc import _names

COMMAND_NAMES = _names.table(_names.COMMANDS)
AEC_NAMES = _names.table(_names.AECS)
STATUS_NAMES = _names.table(_names.STATUSES)


def _lookup(table, what, key):
    if isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key <= 0xFFFF:
            raise ValueError("%s id %r out of range" % (what, key))
        return key
    for ident, name in table.items():
        if name == key:
            return ident
    raise ValueError("unknown %s %r" % (what, key))


def command_id(cmd):
    """A command given by name ('GMR') or id (0x0202) as its id; ValueError if unknown."""
    return _lookup(COMMAND_NAMES, "command", cmd)


def aec_id(aec):
    """An AEC given by name ('SOCKRXT') or id (0x0E01) as its id."""
    return _lookup(AEC_NAMES, "AEC", aec)


def status_code(status):
    """A status given by name ('UNKNOWN_CMD') or code (3) as its code."""
    return _lookup(STATUS_NAMES, "status", status)


def command_name(ident):
    return COMMAND_NAMES.get(ident) or "0x%04x" % ident


# Status codes the emulator answers that winc._ids has no constant for.
INCORRECT_NUM_PARAMS = status_code("INCORRECT_NUM_PARAMS")
ACCESS_DENIED = status_code("ACCESS_DENIED")
