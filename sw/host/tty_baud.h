/* tty_baud.h — the termios line rates, one table for the tty transport (sw/host/host_tty.c) and the
 * simulated board's line check (sim/board_sim.c --line-check, which links no sw/ library: hence
 * static inline). Needs <termios.h> with _DEFAULT_SOURCE (B3000000 ...). */
#ifndef Q2_TTY_BAUD_H
#define Q2_TTY_BAUD_H

#include <stddef.h>
#include <termios.h>

static const struct { int baud; speed_t c; } q2_tty_bauds[] = {
    { 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
    { 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 }, { 500000, B500000 },
    { 921600, B921600 }, { 1000000, B1000000 }, { 1500000, B1500000 }, { 2000000, B2000000 },
    { 2500000, B2500000 }, { 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

/* The termios constant of a rate, or 0 when termios has none. */
static inline speed_t q2_tty_speed(int baud)
{
    for (size_t i = 0; i < sizeof q2_tty_bauds / sizeof q2_tty_bauds[0]; i++)
        if (q2_tty_bauds[i].baud == baud) return q2_tty_bauds[i].c;
    return 0;
}

/* The rate of a termios constant, or 0 when it is not in the table. */
static inline int q2_tty_baud(speed_t c)
{
    for (size_t i = 0; i < sizeof q2_tty_bauds / sizeof q2_tty_bauds[0]; i++)
        if (q2_tty_bauds[i].c == c) return q2_tty_bauds[i].baud;
    return 0;
}

#endif
