/* fake_ftdi.c — a test double of the libftdi1 functions that sw/host/host_ftdi.c calls, linked instead
 * of -lftdi1 into build/bin/q2mlp-host-fakeftdi (tests/host.mk). One simulated FTDI chip whose UART
 * is wired to q2mlp-board-sim's socket, so the ftdi transport runs end to end without hardware.
 *
 * Environment:
 *   FAKE_FTDI_SOCKET   the board simulator's socket (unset: no device is plugged in)
 *   FAKE_FTDI_DEVICE   VID:PID:SERIAL of the plugged-in chip (default 0403:6010:FAKE0001)
 *   FAKE_FTDI_UART_IF  the interface letter wired to the FPGA UART (default B; others fail to claim)
 *   FAKE_FTDI_LOG      append one line per call: "<function> <arguments>"
 *   FAKE_FTDI_FAIL     name of one function to fail (returns its libftdi error code and string)
 *   FAKE_FTDI_NO_SERIAL  1: the chip has no serial string (iSerialNumber 0), like some clones
 *   FAKE_FTDI_NAK      1: a read that finds nothing fails with libusb's timeout (-7) instead of
 *                      returning 0, as on QEMU's emulated FT232, which NAKs instead of sending the
 *                      status bytes every latency period (the fake waits one latency period, not
 *                      usb_read_timeout, so that every idle read takes this path)
 *   FAKE_FTDI_LINE_BAUD  N: the FPGA's UART runs at N baud: bytes written while the chip is set to
 *                      another rate arrive as zeros (as garbage would; zeros are never a sync
 *                      byte), so that the host's --baud auto probe must find N
 *   FAKE_FTDI_FLIP_EVERY  N: flip one bit in a byte written with probability 1/N (line noise,
 *                      from a fixed-seed generator; the protocol's CRC-16 must catch it and the
 *                      driver recover)
 *
 * What it checks like the real library: the interface is set before opening, VID/PID/serial match,
 * calls on an unopened context fail, latency 1..255, a string of index 0 is refused, and a failed
 * ftdi_usb_get_strings2 closes the device. The two libusb calls the transport makes
 * (libusb_get_device, libusb_get_device_descriptor) are faked here too, so that the test build links
 * neither library. What it does not model: USB timing, chip buffers, baud rate (bytes pass whatever
 * the rate, unless FAKE_FTDI_LINE_BAUD), modem status bytes, bitbang modes, the kernel driver (tests/t_usb_qemu.sh has them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ftdi.h>
#include <libusb.h>

static struct {
    int fd;                 /* socket to the board simulator, -1 when closed */
    unsigned long long noise; /* generator state for FAKE_FTDI_FLIP_EVERY */
    int latency_ms;
    int iface;              /* INTERFACE_* set before opening */
    int vid, pid;           /* the plugged-in chip */
    char serial[64];
    char handle, device;    /* what usb_dev and libusb_get_device point at (never dereferenced) */
} g = { -1, 88172645463325252ull, 16, INTERFACE_ANY, 0x0403, 0x6010, "FAKE0001", 0, 0 };

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    const char *path = getenv("FAKE_FTDI_LOG");
    if (!path) return;
    FILE *f = fopen(path, "a");
    if (!f) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

/* Set the context's error string and return code, like libftdi's ftdi_error_return(). */
static int fail(struct ftdi_context *ftdi, int code, const char *msg)
{
    if (ftdi) ftdi->error_str = msg;
    return code;
}

static bool forced_failure(const char *fn)
{
    const char *f = getenv("FAKE_FTDI_FAIL");
    return f && !strcmp(f, fn);
}

struct ftdi_context *ftdi_new(void)
{
    logf_("ftdi_new");
    struct ftdi_context *ftdi = calloc(1, sizeof *ftdi);
    if (ftdi) {
        ftdi->usb_read_timeout = 5000;
        ftdi->usb_write_timeout = 5000;
        ftdi->error_str = "no error";
    }
    g.iface = INTERFACE_ANY;
    return ftdi;
}

void ftdi_free(struct ftdi_context *ftdi)
{
    logf_("ftdi_free");
    free(ftdi);
}

const char *ftdi_get_error_string(struct ftdi_context *ftdi)
{
    return ftdi ? ftdi->error_str : "ftdi context invalid";
}

int ftdi_set_interface(struct ftdi_context *ftdi, enum ftdi_interface interface)
{
    logf_("ftdi_set_interface %d", (int)interface);
    if (!ftdi) return -2;
    if (forced_failure(__func__)) return fail(ftdi, -1, "unknown interface");
    if (g.fd >= 0) return fail(ftdi, -3, "Interface can not be changed on an already open device");
    if (interface < INTERFACE_ANY || interface > INTERFACE_D) return fail(ftdi, -1, "Unknown interface");
    g.iface = interface;
    return 0;
}

int ftdi_usb_open_desc_index(struct ftdi_context *ftdi, int vendor, int product,
                             const char *description, const char *serial, unsigned int index)
{
    logf_("ftdi_usb_open_desc_index %04x:%04x desc=%s serial=%s index=%u", vendor, product,
          description ? description : "-", serial ? serial : "-", index);
    if (!ftdi) return -11;
    if (forced_failure(__func__)) return fail(ftdi, -4, "unable to open device");
    const char *sock = getenv("FAKE_FTDI_SOCKET");
    const char *dev = getenv("FAKE_FTDI_DEVICE");
    int dv = 0x0403, dp = 0x6010;
    char dserial[64] = "FAKE0001";
    if (dev && sscanf(dev, "%x:%x:%63s", &dv, &dp, dserial) < 2) return fail(ftdi, -3, "device not found");
    if (!sock || !*sock || vendor != dv || product != dp || index != 0 || description ||
        (serial && strcmp(serial, dserial)))
        return fail(ftdi, -3, "device not found");
    const char *uif = getenv("FAKE_FTDI_UART_IF");
    int want = INTERFACE_A + ((uif && *uif) ? (*uif - 'A') : 1);
    int have = g.iface == INTERFACE_ANY ? INTERFACE_A : g.iface;
    if (have != want) return fail(ftdi, -5, "unable to claim usb device. Make sure the default FTDI driver is not in use");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (fd >= 0) close(fd);
        return fail(ftdi, -4, "unable to open device");
    }
    g.fd = fd;
    g.vid = dv;
    g.pid = dp;
    snprintf(g.serial, sizeof g.serial, "%s", dserial);
    ftdi->usb_dev = (struct libusb_device_handle *)&g.handle;
    return 0;
}

int ftdi_usb_close(struct ftdi_context *ftdi)
{
    logf_("ftdi_usb_close");
    if (!ftdi) return -3;
    if (g.fd >= 0) close(g.fd);
    g.fd = -1;
    ftdi->usb_dev = NULL;
    return 0;
}

/* ---- the device's descriptors (libusb) ---------------------------------------------------------- */
libusb_device *libusb_get_device(libusb_device_handle *h)
{
    return h ? (libusb_device *)&g.device : NULL;
}

int libusb_get_device_descriptor(libusb_device *dev, struct libusb_device_descriptor *d)
{
    logf_("libusb_get_device_descriptor");
    if (dev != (libusb_device *)&g.device || g.fd < 0) return LIBUSB_ERROR_NO_DEVICE;
    memset(d, 0, sizeof *d);
    d->bLength = sizeof *d;
    d->idVendor = (uint16_t)g.vid;
    d->idProduct = (uint16_t)g.pid;
    d->iManufacturer = 1;
    d->iProduct = 2;
    const char *ns = getenv("FAKE_FTDI_NO_SERIAL");
    d->iSerialNumber = ns && !strcmp(ns, "1") ? 0 : 3;
    return 0;
}

/* Like libftdi 1.5: on an open context, read the strings asked for; a failure closes the device. */
int ftdi_usb_get_strings2(struct ftdi_context *ftdi, struct libusb_device *dev, char *manufacturer,
                          int mnf_len, char *description, int desc_len, char *serial, int serial_len)
{
    logf_("ftdi_usb_get_strings2 manufacturer=%d description=%d serial=%d", manufacturer != NULL,
          description != NULL, serial != NULL);
    if (!ftdi || !dev) return -1;
    if (forced_failure(__func__) || (serial && getenv("FAKE_FTDI_NO_SERIAL") &&
                                     !strcmp(getenv("FAKE_FTDI_NO_SERIAL"), "1"))) {
        ftdi_usb_close(ftdi);
        return fail(ftdi, -9, "libusb_get_string_descriptor_ascii() failed");
    }
    if (g.fd < 0) return fail(ftdi, -4, "libusb_open() failed");
    if (manufacturer) snprintf(manufacturer, (size_t)mnf_len, "FTDI");
    if (description) snprintf(description, (size_t)desc_len, "Dual RS232-HS");
    if (serial) snprintf(serial, (size_t)serial_len, "%s", g.serial);
    return 0;
}

/* The start of every call on an open device: -2 without one, and the failure FAKE_FTDI_FAIL forces
 * on this call (__func__) with libftdi's code and message. */
#define NEED_OPEN(ftdi, code, msg)                                                                 \
    do {                                                                                           \
        if (!(ftdi)) return -2;                                                                    \
        if (g.fd < 0) return fail((ftdi), -2, "USB device unavailable");                           \
        if (forced_failure(__func__)) return fail((ftdi), (code), (msg));                          \
    } while (0)

int ftdi_set_bitmode(struct ftdi_context *ftdi, unsigned char bitmask, unsigned char mode)
{
    logf_("ftdi_set_bitmode 0x%02x %d", bitmask, mode);
    NEED_OPEN(ftdi, -1, "unable to configure bitbang mode. Perhaps not a BM/2232C type chip?");
    return 0;
}

int ftdi_set_baudrate(struct ftdi_context *ftdi, int baudrate)
{
    logf_("ftdi_set_baudrate %d", baudrate);
    NEED_OPEN(ftdi, -1, "Silly baudrate <= 0.");
    if (baudrate <= 0 || baudrate > 12000000) return fail(ftdi, -1, "Silly baudrate <= 0.");
    ftdi->baudrate = baudrate;
    return 0;
}

int ftdi_set_line_property(struct ftdi_context *ftdi, enum ftdi_bits_type bits,
                           enum ftdi_stopbits_type sbit, enum ftdi_parity_type parity)
{
    logf_("ftdi_set_line_property %d %d %d", (int)bits, (int)sbit, (int)parity);
    NEED_OPEN(ftdi, -1, "Setting new line property failed");
    return 0;
}

int ftdi_setflowctrl(struct ftdi_context *ftdi, int flowctrl)
{
    logf_("ftdi_setflowctrl %d", flowctrl);
    NEED_OPEN(ftdi, -1, "set flow control failed");
    return 0;
}

int ftdi_set_latency_timer(struct ftdi_context *ftdi, unsigned char latency)
{
    logf_("ftdi_set_latency_timer %d", latency);
    NEED_OPEN(ftdi, -2, "unable to set latency timer");
    if (latency < 1) return fail(ftdi, -1, "latency out of range. Only valid for 1-255");
    g.latency_ms = latency;
    return 0;
}

static int drain(struct ftdi_context *ftdi)
{
    ftdi->readbuffer_remaining = 0;   /* libftdi drops its read buffer too */
    unsigned char junk[4096];
    struct pollfd p = { .fd = g.fd, .events = POLLIN };
    while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
        if (read(g.fd, junk, sizeof junk) <= 0) break;
    }
    return 0;
}

int ftdi_tciflush(struct ftdi_context *ftdi)
{
    logf_("ftdi_tciflush");
    NEED_OPEN(ftdi, -1, "FTDI purge of RX buffer failed");
    return drain(ftdi);
}

int ftdi_tcioflush(struct ftdi_context *ftdi)
{
    logf_("ftdi_tcioflush");
    NEED_OPEN(ftdi, -1, "FTDI purge of RX buffer failed");
    return drain(ftdi);
}

/* Like libftdi 1.5 over a chip: served from the read buffer (readbuffer_remaining) when it holds
 * enough; else one bulk transfer after another (each: what arrived within one latency period, up
 * to the 4096-byte chunk) until size bytes: a transfer with nothing ends the call with what it has,
 * or, with FAKE_FTDI_NAK, fails with libusb's timeout and what the call had copied is lost. */
static unsigned char rbuf[4096];   /* libftdi's readbuffer (its default chunk size) */
static unsigned r_off;

int ftdi_read_data(struct ftdi_context *ftdi, unsigned char *buf, int size)
{
    NEED_OPEN(ftdi, -1, "usb bulk read failed");
    if (size <= (int)ftdi->readbuffer_remaining) {
        memcpy(buf, rbuf + r_off, (size_t)size);
        r_off += (unsigned)size;
        ftdi->readbuffer_remaining -= (unsigned)size;
        return size;
    }
    int offset = (int)ftdi->readbuffer_remaining;
    memcpy(buf, rbuf + r_off, (size_t)offset);
    ftdi->readbuffer_remaining = 0;
    const char *nak = getenv("FAKE_FTDI_NAK");
    bool naks = nak && !strcmp(nak, "1");
    for (;;) {
        r_off = 0;
        struct pollfd p = { .fd = g.fd, .events = POLLIN };
        if (poll(&p, 1, g.latency_ms) <= 0)
            return naks ? fail(ftdi, LIBUSB_ERROR_TIMEOUT, "usb bulk read failed") : offset;
        ssize_t n = read(g.fd, rbuf, sizeof rbuf);
        if (n <= 0) return fail(ftdi, -1, "usb bulk read failed");
        int part = (int)n < size - offset ? (int)n : size - offset;
        memcpy(buf + offset, rbuf, (size_t)part);
        offset += part;
        if (offset == size) {
            r_off = (unsigned)part;
            ftdi->readbuffer_remaining = (unsigned)(n - part);
            return offset;
        }
    }
}

int ftdi_write_data(struct ftdi_context *ftdi, const unsigned char *buf, int size)
{
    NEED_OPEN(ftdi, -1, "usb bulk write failed");
    const char *fe = getenv("FAKE_FTDI_FLIP_EVERY");
    unsigned long every = fe ? strtoul(fe, NULL, 10) : 0;
    unsigned char *noisy = NULL;
    if (every) {
        noisy = malloc((size_t)size);
        if (!noisy) return fail(ftdi, -1, "usb bulk write failed");
        memcpy(noisy, buf, (size_t)size);
        for (int i = 0; i < size; i++) {
            g.noise ^= g.noise << 13; g.noise ^= g.noise >> 7; g.noise ^= g.noise << 17;  /* xorshift64 */
            if (g.noise % every == 0) noisy[i] ^= (unsigned char)(1u << (g.noise >> 61));
        }
        buf = noisy;
    }
    const char *lb = getenv("FAKE_FTDI_LINE_BAUD");
    if (lb && ftdi->baudrate != atoi(lb)) {   /* the wrong rate: the UART sees no frame */
        free(noisy);
        noisy = calloc((size_t)size, 1);
        if (!noisy) return fail(ftdi, -1, "usb bulk write failed");
        buf = noisy;
    }
    int done = 0;
    while (done < size) {
        struct pollfd p = { .fd = g.fd, .events = POLLOUT };
        if (poll(&p, 1, ftdi->usb_write_timeout) <= 0) {
            free(noisy);
            return fail(ftdi, -666, "USB device unavailable");
        }
        ssize_t w = send(g.fd, buf + done, (size_t)(size - done), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            free(noisy);
            return fail(ftdi, -1, "usb bulk write failed");
        }
        if (w > 0) done += (int)w;
    }
    free(noisy);
    return done;
}
