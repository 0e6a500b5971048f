# EXPERIMENTAL - PIC32CX SG41 Curiosity Ultra: the samd51 manifest (_boot.py, asyncio), the winc
# package, and this board's winc_board.
# ruff: noqa: F821 (include, module: the functions MicroPython's manifest tool provides)
include("$(PORT_DIR)/mcu/samd51/manifest.py")
include("$(BOARD_DIR)/../../../manifest.py")
module("winc_board.py", base_path="$(BOARD_DIR)")
