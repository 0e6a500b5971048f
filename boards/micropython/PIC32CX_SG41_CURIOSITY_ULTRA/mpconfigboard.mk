# EXPERIMENTAL - PIC32CX SG41 Curiosity Ultra (EV06X38A, PIC32CX1025SG41128). See README.md.
#   make -C ports/samd BOARD_DIR=/abs/path/to/boards/micropython/PIC32CX_SG41_CURIOSITY_ULTRA
# The PIC32CX SG41 is a SAM E5x derivative (same addresses and IRQs as the SAME54P20A), so this is
# the same SAMD51P20A-class image as the SAM E54 Xplained Pro's; not yet run on the hardware.
MCU_SERIES = SAMD51
CMSIS_MCU = SAMD51P20A

# Linked after a 16 KiB UF2 bootloader. No uf2-samdx1 build exists for this board: see README.md
# (BOARD_VARIANT=NOBOOTLOADER links at 0x0, for flashing through the on-board debugger).
LD_FILES = boards/samd51x20a.ld sections.ld
TEXT0 = 0x4000

MICROPY_HW_CODESIZE ?= 752K

FROZEN_MANIFEST ?= $(BOARD_DIR)/manifest.py
