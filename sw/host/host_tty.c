/* host_tty.c — the tty transport: a serial device (/dev/ttyUSB1 = the iCEBreaker's FT2232H
 * channel B under the ftdi_sio driver, /dev/ttyUSB0 on the ULX3S) in raw 8N1 mode via termios,
 * and the poll()-bounded fd I/O that the sim transport shares.
 *
 * Rates: the POSIX Bxxx constants up to 4 Mbaud (3 Mbaud included). Other rates (12 Mbaud) need
 * the ftdi transport. ftdi_sio's latency timer is /sys/bus/usb-serial/devices/ttyUSBn/latency_timer
 * (docs/host.md); this transport does not change it.
 */
#define _DEFAULT_SOURCE   /* cfmakeraw, B3000000 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "host/host.h"
#include "host/tty_baud.h"
#include "base/util.h"

/* ---- fd I/O bounded by poll() --------------------------------------------------------------- */
static int poll_ms(double seconds)
{
    if (seconds <= 0) return 0;
    double ms = seconds * 1000.0 + 0.999;
    return ms > 1e9 ? 1000000000 : (int)ms;
}

int q2_fd_write_all(int fd, const uint8_t *buf, size_t len, double timeout_s, const char *what,
                    bool is_socket)
{
    double deadline = q2_now() + timeout_s;
    size_t done = 0;
    while (done < len) {
        ssize_t w = is_socket ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
                              : write(fd, buf + done, len - done);
        if (w > 0) { done += (size_t)w; continue; }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            Q2_ERR("write to %s failed: %s", what, strerror(errno));
            return Q2_EDEVICE;
        }
        double left = deadline - q2_now();
        if (left <= 0) {
            Q2_ERR("write to %s failed: timeout after %.1f s with %zu of %zu bytes sent (device not reading)",
                   what, timeout_s, done, len);
            return Q2_EDEVICE;
        }
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        if (poll(&p, 1, poll_ms(left)) < 0 && errno != EINTR) {
            Q2_ERR("poll on %s failed: %s", what, strerror(errno));
            return Q2_EDEVICE;
        }
        if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
            Q2_ERR("write to %s failed: connection closed by the device", what);
            return Q2_EDEVICE;
        }
    }
    return 0;
}

int q2_fd_read_some(int fd, uint8_t *buf, size_t cap, double timeout_s, const char *what,
                    bool is_socket)
{
    double deadline = q2_now() + timeout_s;
    for (;;) {
        ssize_t r = read(fd, buf, cap);
        if (r > 0) return (int)r;
        if (r == 0 && is_socket) {
            Q2_ERR("read from %s failed: connection closed by the device", what);
            return Q2_EDEVICE;
        }
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            Q2_ERR("read from %s failed: %s", what, strerror(errno));
            return Q2_EDEVICE;
        }
        double left = deadline - q2_now();
        if (left <= 0) return 0;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, poll_ms(left)) < 0 && errno != EINTR) {
            Q2_ERR("poll on %s failed: %s", what, strerror(errno));
            return Q2_EDEVICE;
        }
        if (!is_socket && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) && !(p.revents & POLLIN)) {
            Q2_ERR("read from %s failed: the serial device hung up (unplugged?)", what);
            return Q2_EDEVICE;
        }
    }
}

/* ---- the transport ---------------------------------------------------------------------------- */
typedef q2_fd_transport tty_transport;

static void fd_close(q2_transport *t)
{
    close(((q2_fd_transport *)t)->fd);
    free(t);
}

q2_fd_transport *q2_fd_transport_new(size_t size, int fd, const char *kind, const char *path)
{
    q2_fd_transport *t = calloc(1, size);
    if (!t) {
        close(fd);
        Q2_ERR("%s failed: out of memory", kind);
        return NULL;
    }
    t->fd = fd;
    t->t.kind = kind;
    snprintf(t->t.name, sizeof t->t.name, "%s:%s", kind, path);
    t->t.close = fd_close;
    return t;
}

static int tty_write(q2_transport *t, const uint8_t *buf, size_t len, double timeout_s)
{
    return q2_fd_write_all(((tty_transport *)t)->fd, buf, len, timeout_s, t->name, false);
}

static int tty_read(q2_transport *t, uint8_t *buf, size_t cap, double timeout_s)
{
    return q2_fd_read_some(((tty_transport *)t)->fd, buf, cap, timeout_s, t->name, false);
}

static int tty_flush_input(q2_transport *t)
{
    if (tcflush(((tty_transport *)t)->fd, TCIFLUSH) < 0) {
        Q2_ERR("tcflush %s failed: %s", t->name, strerror(errno));
        return Q2_EDEVICE;
    }
    return 0;
}

static int tty_set_baud(q2_transport *t, int baud)
{
    int fd = ((q2_fd_transport *)t)->fd;
    speed_t sp = q2_tty_speed(baud);
    struct termios tio;
    if (!sp) {
        Q2_ERR("%s failed: %d baud is not a termios rate here", t->name, baud);
        return Q2_EARG;
    }
    if (tcgetattr(fd, &tio) < 0 || cfsetispeed(&tio, sp) < 0 || cfsetospeed(&tio, sp) < 0 ||
        tcsetattr(fd, TCSANOW, &tio) < 0 || tcflush(fd, TCIOFLUSH) < 0) {
        Q2_ERR("tcsetattr %s (%d baud) failed: %s", t->name, baud, strerror(errno));
        return Q2_EDEVICE;
    }
    return 0;
}

int q2_tty_open(q2_transport **out, const char *path, const q2_transport_opts *o)
{
    *out = NULL;
    speed_t sp = q2_tty_speed(o->baud);
    if (!sp) {
        Q2_ERR("tty %s failed: %d baud is not a termios rate here (9600..4000000 in steps the "
               "kernel names, sw/host/tty_baud.h); use the ftdi transport for other rates", path, o->baud);
        return Q2_EARG;
    }
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        Q2_ERR("open %s failed: %s%s", path, strerror(errno),
               errno == ENOENT ? " (board not plugged in? the iCEBreaker's UART is the second port, "
                                 "/dev/ttyUSB1)" : errno == EACCES ? " (add yourself to group dialout)" : "");
        return Q2_EDEVICE;
    }
    struct termios tio;
    if (tcgetattr(fd, &tio) < 0) {
        Q2_ERR("tcgetattr %s failed: %s (not a serial device?)", path, strerror(errno));
        close(fd);
        return Q2_EDEVICE;
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~(tcflag_t)(CSTOPB | CRTSCTS | PARENB);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, sp) < 0 || cfsetospeed(&tio, sp) < 0 || tcsetattr(fd, TCSANOW, &tio) < 0) {
        Q2_ERR("tcsetattr %s (%d baud, 8N1, raw) failed: %s", path, o->baud, strerror(errno));
        close(fd);
        return Q2_EDEVICE;
    }
    tty_transport *t = q2_fd_transport_new(sizeof *t, fd, "tty", path);
    if (!t) return Q2_ENOMEM;
    t->t.write = tty_write;
    t->t.read = tty_read;
    t->t.flush_input = tty_flush_input;
    t->t.set_baud = tty_set_baud;
    *out = &t->t;
    return 0;
}
