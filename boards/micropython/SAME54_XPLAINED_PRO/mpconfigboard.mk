# SAM E54 Xplained Pro (ATSAME54P20A), out of tree:
#   make -C ports/samd BOARD_DIR=/abs/path/to/boards/micropython/SAME54_XPLAINED_PRO
# Built as its SAMD51P20A twin: ports/samd has no SAME54 series, and the two parts share the core,
# memory map, peripheral addresses and IRQ numbers (the E54's CAN and Ethernet stay unused).
MCU_SERIES = SAMD51
CMSIS_MCU = SAMD51P20A

# Linked at 0x4000, after a 16 KiB UF2 bootloader (uf2-samdx1 same54_xplained; the board ships
# without one). BOARD_VARIANT=NOBOOTLOADER links at 0x0 instead: mpconfigvariant_NOBOOTLOADER.mk.
LD_FILES = boards/samd51x20a.ld sections.ld
TEXT0 = 0x4000

# 1 MiB flash: bootloader 16K | code 752K | ROMFS (samd51 default 64K) | flash file system 192K.
MICROPY_HW_CODESIZE ?= 752K

# The samd51 manifest (_boot.py, asyncio), winc, and winc_board.
FROZEN_MANIFEST ?= $(BOARD_DIR)/manifest.py
