// SAM E54 Xplained Pro: an ATSAME54P20A, built as SAMD51P20A (see mpconfigboard.mk).
#define MICROPY_HW_BOARD_NAME       "SAM E54 Xplained Pro"
#define MICROPY_HW_MCU_NAME         "SAME54P20A"

// The board has a 32.768 kHz crystal on XIN32/XOUT32 (PA00/PA01): the reference for DFLL48M.
#define MICROPY_HW_XOSC32K          (1)

// machine.SPI() without an id: SERCOM4, the SPI of EXT1, where the WINCS02 Add-On Board sits.
#define MICROPY_HW_DEFAULT_SPI_ID   (4)

// machine.UART() without an id: SERCOM2, the EDBG virtual COM port (TX PB25 = PAD0, RX PB24).
#define MICROPY_HW_DEFAULT_UART_ID  (2)
