# No bootloader: the image starts at 0x0 (make ... BOARD_VARIANT=NOBOOTLOADER). The linker script
# is the SAM E54 Xplained Pro's: the same 1 MiB / 256 KiB memory map.
LD_FILES = $(BOARD_DIR)/../SAME54_XPLAINED_PRO/samd51x20a_nobootloader.ld sections.ld
TEXT0 = 0x0
