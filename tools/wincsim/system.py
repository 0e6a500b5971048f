"""emulator feature: SYSTEM, CFG, DI and RST commands (spec §7.1).

A feature module gives OPTIONS (Module keyword arguments and defaults), boot(module) (fresh
state after every boot), and COMMANDS {command id: handler}; module.py merges them.
"""

from winc import _ids

from .commands import expect_count
from .config import COMPLEX, ConfigTable, Param

OPTIONS = {
    "manufacturer": "Microchip Technology Inc.",
    "model": "WINCS02",
    "firmware": "3.2.0 winc emulator",
    "device_id": 0x29C70053,  # the example value of the API reference
}

CFG_PARAMS = (
    Param(0, "PRESET", "I4", 0, preset=True),
    Param(1, "DEVICE_NAME", "STR", "WINCS02", limit=32),
    Param(10, "VERSION", "FRAC", "3.2", read_only=True),
    Param(11, "PATCH", "I4", 0, read_only=True),
    Param(12, "SECURITY", "I4", 0, read_only=True),
    Param(13, "BUILD_HASH", "STR", "a1ac4", read_only=True),
    Param(14, "BUILD_TIME", "UTC", 1767225600, read_only=True),  # 2026-01-01T00:00:00Z
    Param(20, "CMD_PORT", "I4", 1, read_only=True),
    Param(21, "CMD_BAUD", "U4", 230400),
    Param(22, "CMD_TIMEOUT", "U4", 0),
    Param(50, "ARCHIVE_FILTER", "STR", None, indices=range(8), limit=32),
    Param(51, "ARCHIVE_SLOTS", "UTC", None, indices=(1, 2)),
    Param(52, "AUTOEXEC_STATUS", "STATUS", _ids.OK, read_only=True),
    Param(100, "DEBUG_PORT", "U1", 0, limit=(0, 2)),
    Param(101, "DEBUG_BAUD", "U4", 460800),
)


def _di_params(options):
    image = (("U4", 1), ("STR", options["firmware"].split()[0]), ("U4", 0x60000000), ("U1", 2))
    return (
        Param(1, "DEVICE_ID", "U4", options["device_id"], read_only=True),
        Param(14, "NUM_IMAGES", "I4", 1, read_only=True),
        # (SEQ_NUM, VERSION, SRC_ADDR, IMG_STATE); state 2 = CURRENT (§6.5)
        Param(15, "IMAGE_INFO", COMPLEX, {0: image}, read_only=True, indices=(0, 1)),
    )


def boot(module):
    module.state["cfg"] = ConfigTable(CFG_PARAMS)
    module.state["di"] = ConfigTable(_di_params(module.options))


def _identity(option):
    def handler(module, request, reply):
        expect_count(request, 0, 0)
        reply.rsp(("STR", module.options[option]))

    return handler


def cfg(module, request, reply):
    expect_count(request, 0, 2)
    module.state["cfg"].serve(reply, request.elements)


def di(module, request, reply):
    # Read-only (§7.1): writes are refused by the table as ACCESS_DENIED.
    expect_count(request, 0, 2)
    module.state["di"].serve(reply, request.elements)


def rst(module, request, reply):
    # [INFERRED] (§14 item 8) STATUS OK first; once the host has read it the module restarts
    # like after MCLR: the SDIO handshake is needed again, then a BOOT AEC arrives.
    expect_count(request, 0, 0)
    reply.on_status_read(lambda: module.restart_when_quiet(sdio=True))


COMMANDS = {
    _ids.GMI: _identity("manufacturer"),
    _ids.GMM: _identity("model"),
    _ids.GMR: _identity("firmware"),
    _ids.CFG: cfg,
    _ids.DI: di,
    _ids.RST: rst,
}
