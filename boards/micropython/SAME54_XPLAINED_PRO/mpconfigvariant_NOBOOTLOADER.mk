# No bootloader: the image starts at 0x0 (vector table first), for boards flashed only through
# the EDBG (openocd/pyocd). make -C ports/samd BOARD_DIR=... BOARD_VARIANT=NOBOOTLOADER
# The flash file system gets the 16K the bootloader would have had (208K).
LD_FILES = $(BOARD_DIR)/samd51x20a_nobootloader.ld sections.ld
TEXT0 = 0x0
