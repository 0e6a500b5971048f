# SAM E54 Xplained Pro: what every samd51 board freezes (_boot.py and asyncio; the port's
# boards/manifest.py alone would drop asyncio), the winc package, and this board's winc_board.
# ruff: noqa: F821 (include, module: the functions MicroPython's manifest tool provides)
include("$(PORT_DIR)/mcu/samd51/manifest.py")
include("$(BOARD_DIR)/../../../manifest.py")
module("winc_board.py", base_path="$(BOARD_DIR)")
