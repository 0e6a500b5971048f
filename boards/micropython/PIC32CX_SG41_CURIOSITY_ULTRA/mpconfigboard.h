// EXPERIMENTAL - PIC32CX SG41 Curiosity Ultra, built as SAMD51P20A (see README.md).
#define MICROPY_HW_BOARD_NAME       "PIC32CX SG41 Curiosity Ultra (experimental)"
#define MICROPY_HW_MCU_NAME         "PIC32CX1025SG41128"

// The kit lists a 32.768 kHz crystal, but its connection to XIN32/XOUT32 is to confirm, and with
// MICROPY_HW_XOSC32K (1) and no running crystal the clock set-up waits for ever. Until then:
// internal oscillators, DFLL48M locked to USB start-of-frame (free running without USB).
#define MICROPY_HW_XOSC32K          (0)
#define MICROPY_HW_DFLL_USB_SYNC    (1)

// machine.SPI() without an id: SERCOM0 (PB24/PB25/PC25), the SPI of the mikroBUS socket
// (to confirm against the user guide, DS70005520).
#define MICROPY_HW_DEFAULT_SPI_ID   (0)
