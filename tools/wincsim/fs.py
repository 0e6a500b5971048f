"""emulator feature: the module's file system (spec §7.12): FSOP and FSTSFR uploads.

Files are non-volatile: they live in module.env["fs"] and survive resets. A transfer under way
is firmware state (module.state["fs"]) and dies with a reset, before its file exists.
"""

from winc import _ids

from .commands import CommandError, expect_count, integer, text
from .names import INCORRECT_NUM_PARAMS, aec_id, status_code

OPTIONS = {"fs_size": 61440, "fs_handles": 4}  # 60 KB (§7.12); free transfer handles

# Statuses and the AEC the spec has and winc._ids has no constant for.
TSFR_PROTOCOL_NOT_SUPPORTED = status_code("TSFR_PROTOCOL_NOT_SUPPORTED")
FILE_EXISTS = status_code("FILE_EXISTS")
FILE_NOT_FOUND = status_code("FILE_NOT_FOUND")
INVALID_FILE_TYPE = status_code("INVALID_FILE_TYPE")
FILE_CREATE_FAILED = status_code("FILE_CREATE_FAILED")
FILE_WRITE_FAILED = status_code("FILE_WRITE_FAILED")
AEC_FSUP = aec_id("FSUP")

# FS op, file type and transfer protocol (§6.5).
LOAD, LIST, DEL, INFO, STORE = 1, 2, 3, 4, 5
USER, CERT, PRIKEY, DHPARAM, CFG = 0, 1, 2, 3, 20
FILE_TYPES = (USER, CERT, PRIKEY, DHPARAM, CFG)
TSFR = 5  # the only protocol the binary driver uses
_MAX_NAME = 32  # §6.5: FS file name <= 32 bytes


def check_options(options):
    for name, low in (("fs_size", 0), ("fs_handles", 1)):
        value = options[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError("option %s=%r out of range" % (name, value))


def setup(module):
    module.env["fs"] = {}  # (file type, name) -> contents


def boot(module):
    module.state["fs"] = {}  # transfer handle -> Transfer


class Transfer:
    """One FSLOAD under way: where the file goes, its announced length, the blocks so far."""

    def __init__(self, file_type, name, length):
        self.file_type = file_type
        self.name = name
        self.length = length
        self.data = bytearray()
        self.block = 1  # the block number due next; blocks count from 1 (§7.12)


def files(module):
    return module.env["fs"]


def read(module, file_type, name):
    """The contents of file (file_type, name), or None if there is no such file."""
    return module.env["fs"].get((file_type, name))


def _free_space(module):
    # [INFERRED] an open transfer holds the space it announced, so it cannot fail at the end.
    used = sum(len(data) for data in files(module).values())
    held = sum(t.length for t in module.state["fs"].values())
    return max(0, module.options["fs_size"] - used - held)


def _free_handles(module):
    return module.options["fs_handles"] - len(module.state["fs"])


# -- parameter decoding ------------------------------------------------------------------------


def _count(elements, low, high):
    if not low <= len(elements) <= high:
        raise CommandError(INCORRECT_NUM_PARAMS, "%d parameters" % (len(elements) + 1))


def _file_type(el):
    file_type = integer(el)
    if file_type not in FILE_TYPES:
        raise CommandError(INVALID_FILE_TYPE, "file type %d" % file_type)
    return file_type


def _name(el):
    data = text(el)
    if data is None or not 1 <= len(data) <= _MAX_NAME:
        raise CommandError(_ids.INVALID_PARAMETER, "file name %r" % (el,))
    return data.decode("utf-8", "surrogateescape")


def _fsup(module, op, file_type, name, length):
    # At the next poll: after the STATUS of the command that changed the file system.
    module.later(0, lambda: module.post_aec(AEC_FSUP, (("U1", op), ("U1", file_type),
                                                       ("STR", name), ("U4", length))))


# -- FSOP ----------------------------------------------------------------------------------------


def _load(module, rest, reply):
    # U1 fileType, U1 protocol, STR name, U2 length
    _count(rest, 2, 4)
    file_type = _file_type(rest[0])
    if integer(rest[1]) != TSFR:
        raise CommandError(TSFR_PROTOCOL_NOT_SUPPORTED, "protocol %d" % integer(rest[1]))
    _count(rest, 4, 4)  # [INFERRED] a binary upload needs its name and length
    name = _name(rest[2])
    length = integer(rest[3])
    if length < 1:
        raise CommandError(_ids.INVALID_PARAMETER, "length %d" % length)
    transfers = module.state["fs"]
    # [INFERRED] no overwriting: a file, or an upload of one, of that type and name exists.
    if (file_type, name) in files(module) or any(
            (t.file_type, t.name) == (file_type, name) for t in transfers.values()):
        raise CommandError(FILE_EXISTS, "%d/%s" % (file_type, name))
    if length > _free_space(module) or _free_handles(module) < 1:
        raise CommandError(FILE_CREATE_FAILED, "%d bytes, %d free, %d handles" % (
            length, _free_space(module), _free_handles(module)))  # [INFERRED] code
    handle = next(h for h in range(1, module.options["fs_handles"] + 1) if h not in transfers)
    transfers[handle] = Transfer(file_type, name, length)
    reply.rsp(("U1", LOAD), ("U2", handle))


def _list(module, rest, reply):
    # [I4 fileType [, STR name]]: one RSP per file, by type then name [INFERRED order]
    _count(rest, 0, 2)
    file_type = _file_type(rest[0]) if rest else None
    name = _name(rest[1]) if len(rest) > 1 else None
    for ftype, fname in sorted(files(module)):
        if file_type in (None, ftype) and name in (None, fname):
            reply.rsp(("U1", LIST), ("U1", ftype), ("STR", fname))


def _delete(module, rest, reply):
    # I4 fileType, STR name
    _count(rest, 2, 2)
    key = (_file_type(rest[0]), _name(rest[1]))
    if key not in files(module):
        raise CommandError(FILE_NOT_FOUND, "%d/%s" % key)
    del files(module)[key]
    _fsup(module, DEL, key[0], key[1], 0)


def _info(module, rest, reply):
    _count(rest, 0, 0)
    reply.rsp(("U1", INFO), ("U4", _free_space(module)), ("U2", _free_handles(module)))


def _store(module, rest, reply):
    # Downloads (FSSTORE/FSRECV) are not modelled.
    raise CommandError(TSFR_PROTOCOL_NOT_SUPPORTED, "FSSTORE")


_OPS = {LOAD: _load, LIST: _list, DEL: _delete, INFO: _info, STORE: _store}


def fsop(module, request, reply):
    expect_count(request, 1, 5)
    op = integer(request.elements[0])
    handler = _OPS.get(op)
    if handler is None:
        raise CommandError(_ids.INVALID_PARAMETER, "FS op %d" % op)
    handler(module, request.elements[1:], reply)


# -- FSTSFR --------------------------------------------------------------------------------------


def fstsfr(module, request, reply):
    # U2 handle, I4 blockNum, BA data, [I4 crc16]
    expect_count(request, 3, 4)
    handle, block = integer(request.elements[0]), integer(request.elements[1])
    data_el = request.elements[2]
    data = text(data_el)
    transfer = module.state["fs"].get(handle)
    if transfer is None:
        raise CommandError(_ids.INVALID_PARAMETER, "no transfer %d" % handle)
    # [INFERRED] blocks come in order; the number may wrap after 255 (it answers as a U1).
    if block not in (transfer.block, transfer.block & 0xFF):
        raise CommandError(_ids.INVALID_PARAMETER, "block %d, %d due" % (block, transfer.block))
    if not data:
        raise CommandError(_ids.INVALID_PARAMETER, "%r where data belongs" % (data_el,))
    remaining = transfer.length - len(transfer.data)
    if len(data) > remaining:
        raise CommandError(FILE_WRITE_FAILED, "%d bytes, %d announced left" % (
            len(data), remaining))
    # [INFERRED] the optional CRC-16 is not checked: the spec does not say which CRC it is.
    # A refused block above changed nothing: the host may send it again.
    transfer.data += data
    transfer.block += 1
    remaining -= len(data)
    reply.rsp(("U2", handle), ("U1", block & 0xFF), ("U4", remaining))
    if remaining == 0:  # the file exists from now on, and the handle is free again
        del module.state["fs"][handle]
        files(module)[(transfer.file_type, transfer.name)] = bytes(transfer.data)
        _fsup(module, LOAD, transfer.file_type, transfer.name, transfer.length)


COMMANDS = {
    _ids.FS: fsop,
    _ids.FSTSFR: fstsfr,
}
