/* host_ftdi.c — the ftdi transport: libftdi1 straight to the USB UART, no kernel driver.
 *
 *   spec  ftdi:VID:PID[:IF][:SERIAL]      IF = A..D (default A), SERIAL = the USB serial string
 *
 *   board       chip      VID:PID    interface  use                      line rate
 *   iCEBreaker  FT2232H   0403:6010  A          SPI flash (iceprog)      -
 *                                    B          UART to the FPGA         3 Mbaud (12 Mbaud max)
 *   ULX3S       FT231X    0403:6015  A (only)   UART (and JTAG by bitbang) 3 Mbaud max
 *
 * Any VID:PID opens (a board with another FTDI chip, QEMU's emulated FT232 0403:6001): libftdi1
 * finds the chip type from the device descriptor. Opening detaches the kernel's ftdi_sio from the
 * interface (libftdi's default, AUTO_DETACH_SIO_MODULE) and claims it; the device's USB strings
 * (manufacturer, description, serial) are read once and kept in t.usb for `info`.
 *
 * Every libftdi call is checked; a failure names the call and appends ftdi_get_error_string().
 * The calls used (and so what tests/fake_ftdi.c must provide): ftdi_new, ftdi_set_interface,
 * ftdi_usb_open_desc_index, ftdi_usb_get_strings2 (with libusb_get_device and
 * libusb_get_device_descriptor), ftdi_set_bitmode, ftdi_set_baudrate, ftdi_set_line_property,
 * ftdi_setflowctrl, ftdi_set_latency_timer, ftdi_tcioflush, ftdi_tciflush, ftdi_write_data,
 * ftdi_read_data, ftdi_get_error_string, ftdi_usb_close, ftdi_free.
 *
 * Q2MLP_TEST_BREAK_FTDI (a test aid, never for use: tests/t_usb_qemu.sh proves with it that a
 * broken transport fails through the real USB stack) breaks the transport on purpose and says so on
 * stderr: "dont-detach" leaves the kernel driver attached (DONT_DETACH_SIO_MODULE), "skip-baudrate"
 * leaves the line at libftdi's 9600 baud.
 *
 * Reads: with no data a real chip still answers every latency-timer period (1 ms by default here)
 * with its two status bytes, so polling ftdi_read_data until a deadline is bounded. QEMU's emulated
 * FT232 NAKs instead, and the bulk read ends in libusb's timeout (usb_read_timeout,
 * LIBUSB_ERROR_TIMEOUT = -7): that too means "no data yet" (on a real chip: the chip did not answer,
 * which the protocol layer's deadline reports). But ftdi_read_data(n) goes on with another bulk
 * read while it has fewer than n bytes, and a failing one discards what the call had already
 * copied: so each read asks for one byte (at most one bulk transfer), then for what that transfer
 * left in libftdi's buffer (readbuffer_remaining: no USB traffic).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ftdi.h>
#include <libusb.h>

#include "host/host.h"
#include "base/util.h"

typedef struct {
    q2_transport t;
    struct ftdi_context *ftdi;
    bool open;
} ftdi_transport;

/* ---- "VID:PID[:IF][:SERIAL]" ---------------------------------------------------------------------- */
typedef struct {
    int vid, pid;
    enum ftdi_interface iface;
    char iface_letter;
    char serial[64];   /* "" = any */
} ftdi_spec;

static int parse_hex16(const char *s, size_t n, int *out)
{
    if (n == 0 || n > 4) return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i])) return -1;
        v = v * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
    }
    *out = v;
    return 0;
}

static int parse_spec(const char *spec, ftdi_spec *d)
{
    memset(d, 0, sizeof *d);
    d->iface = INTERFACE_A;
    d->iface_letter = 'A';
    const char *c1 = strchr(spec, ':');
    if (!c1 || parse_hex16(spec, (size_t)(c1 - spec), &d->vid)) return -1;
    const char *p = c1 + 1, *c2 = strchr(p, ':');
    size_t pl = c2 ? (size_t)(c2 - p) : strlen(p);
    if (parse_hex16(p, pl, &d->pid)) return -1;
    if (!c2) return 0;
    const char *rest = c2 + 1, *c3 = strchr(rest, ':');
    size_t rl = c3 ? (size_t)(c3 - rest) : strlen(rest);
    if (rl == 1 && strchr("ABCDabcd", rest[0])) {
        d->iface_letter = (char)toupper((unsigned char)rest[0]);
        static const enum ftdi_interface ifs[] = { INTERFACE_A, INTERFACE_B, INTERFACE_C, INTERFACE_D };
        d->iface = ifs[d->iface_letter - 'A'];
        if (!c3) return 0;
        rest = c3 + 1;
    }
    if (!*rest || strlen(rest) >= sizeof d->serial || strchr(rest, ':')) return -1;
    strcpy(d->serial, rest);
    return 0;
}

/* ---- the transport --------------------------------------------------------------------------------- */
static int ftdi_fail(ftdi_transport *f, const char *call, int ret)
{
    q2_err(call, "on %s failed: %d: %s", f->t.name, ret, ftdi_get_error_string(f->ftdi));
    return Q2_EDEVICE;
}

static int t_write(q2_transport *t, const uint8_t *buf, size_t len, double timeout_s)
{
    ftdi_transport *f = (ftdi_transport *)t;
    f->ftdi->usb_write_timeout = (int)(timeout_s * 1000.0) + 1;
    size_t done = 0;
    double deadline = q2_now() + timeout_s;
    while (done < len) {
        int chunk = len - done > 65536 ? 65536 : (int)(len - done);
        int w = ftdi_write_data(f->ftdi, buf + done, chunk);
        if (w < 0) return ftdi_fail(f, "ftdi_write_data", w);
        done += (size_t)w;
        if (done < len && q2_now() > deadline) {
            Q2_ERR("ftdi_write_data on %s failed: timeout after %.1f s, %zu of %zu bytes", t->name,
                   timeout_s, done, len);
            return Q2_EDEVICE;
        }
    }
    return 0;
}

static int t_read(q2_transport *t, uint8_t *buf, size_t cap, double timeout_s)
{
    ftdi_transport *f = (ftdi_transport *)t;
    struct ftdi_context *c = f->ftdi;
    double deadline = q2_now() + timeout_s;
    if (cap == 0) return 0;
    for (;;) {
        int r = ftdi_read_data(c, buf, 1);      /* at most one bulk transfer (see the top) */
        if (r == LIBUSB_ERROR_TIMEOUT) r = 0;   /* nothing within usb_read_timeout */
        if (r < 0) return ftdi_fail(f, "ftdi_read_data", r);
        if (r > 0) {
            size_t more = c->readbuffer_remaining < cap - 1 ? c->readbuffer_remaining : cap - 1;
            int m = more ? ftdi_read_data(c, buf + 1, (int)more) : 0;   /* from libftdi's buffer */
            if (m < 0) return ftdi_fail(f, "ftdi_read_data", m);
            return r + m;
        }
        if (q2_now() >= deadline) return 0;
        /* the chip answers every latency period; this only guards against a double that does not */
        struct timespec ts = { 0, 200000 };
        nanosleep(&ts, NULL);
    }
}

static int t_flush_input(q2_transport *t)
{
    ftdi_transport *f = (ftdi_transport *)t;
    int r = ftdi_tciflush(f->ftdi);
    return r < 0 ? ftdi_fail(f, "ftdi_tciflush", r) : 0;
}

static void t_close(q2_transport *t)
{
    ftdi_transport *f = (ftdi_transport *)t;
    if (f->open) {
        int r = ftdi_usb_close(f->ftdi);
        if (r < 0) ftdi_fail(f, "ftdi_usb_close", r);
    }
    ftdi_free(f->ftdi);
    free(f);
}

/* ---- opening ------------------------------------------------------------------------------------ */
typedef struct { bool dont_detach, skip_baudrate; } ftdi_breakage;

/* Q2MLP_TEST_BREAK_FTDI (see the top): 0, or Q2_EARG for an unknown value. */
static int test_breakage(ftdi_breakage *b)
{
    memset(b, 0, sizeof *b);
    const char *v = getenv("Q2MLP_TEST_BREAK_FTDI");
    if (!v || !*v) return 0;
    if (!strcmp(v, "dont-detach")) b->dont_detach = true;
    else if (!strcmp(v, "skip-baudrate")) b->skip_baudrate = true;
    else {
        Q2_ERR("Q2MLP_TEST_BREAK_FTDI=%s failed: need dont-detach or skip-baudrate (a test aid)", v);
        return Q2_EARG;
    }
    fprintf(stderr, "ftdi: Q2MLP_TEST_BREAK_FTDI=%s: the transport is broken on purpose (test aid)\n", v);
    return 0;
}

static void printable_copy(char *dst, const char *src, size_t cap)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++) dst[i] = isprint((unsigned char)src[i]) ? src[i] : '?';
    dst[i] = 0;
}

/* The opened device's VID:PID and strings into f->t.usb. A string the device does not have (index
 * 0) is not asked for: libusb refuses index 0, and libftdi closes the device when a read fails. */
static int read_usb_id(ftdi_transport *f)
{
    struct libusb_device *dev = libusb_get_device(f->ftdi->usb_dev);
    struct libusb_device_descriptor dd;
    int r = libusb_get_device_descriptor(dev, &dd);
    if (r < 0) {
        Q2_ERR("libusb_get_device_descriptor on %s failed: %d", f->t.name, r);
        return Q2_EDEVICE;
    }
    char mnf[64] = "", desc[128] = "", ser[64] = "";
    r = ftdi_usb_get_strings2(f->ftdi, dev, dd.iManufacturer ? mnf : NULL, sizeof mnf,
                              dd.iProduct ? desc : NULL, sizeof desc,
                              dd.iSerialNumber ? ser : NULL, sizeof ser);
    if (r < 0) {
        if (!f->ftdi->usb_dev) f->open = false;   /* libftdi closed it */
        return ftdi_fail(f, "ftdi_usb_get_strings2", r);
    }
    q2_usb_id *u = &f->t.usb;
    u->vid = dd.idVendor;
    u->pid = dd.idProduct;
    printable_copy(u->manufacturer, mnf, sizeof u->manufacturer);
    printable_copy(u->description, desc, sizeof u->description);
    printable_copy(u->serial, ser, sizeof u->serial);
    return 0;
}

/* UART mode, line rate, 8N1, no flow control, latency timer, empty buffers.
 * The bit-mode reset only matters after a program left the interface in a bit mode (openFPGALoader
 * drives the ULX3S's FT231X by bitbang); a chip without bit modes refuses it (the FT232AM, and
 * QEMU's emulated FT232, which stalls SET_BITMODE), so its failure is a warning: a chip that really
 * is stuck in a bit mode fails the first exchange instead. */
static int configure(ftdi_transport *f, const q2_transport_opts *o, const ftdi_breakage *b)
{
    struct ftdi_context *c = f->ftdi;
    int r;
    if ((r = ftdi_set_bitmode(c, 0x00, BITMODE_RESET)) < 0)
        fprintf(stderr, "ftdi_set_bitmode: on %s failed: %d: %s: warning: going on in the chip's "
                "current mode (UART, unless a program left a bit mode set)\n", f->t.name, r,
                ftdi_get_error_string(c));
    if (!b->skip_baudrate && (r = ftdi_set_baudrate(c, o->baud)) < 0) return ftdi_fail(f, "ftdi_set_baudrate", r);
    if ((r = ftdi_set_line_property(c, BITS_8, STOP_BIT_1, NONE)) < 0)
        return ftdi_fail(f, "ftdi_set_line_property", r);
    if ((r = ftdi_setflowctrl(c, SIO_DISABLE_FLOW_CTRL)) < 0) return ftdi_fail(f, "ftdi_setflowctrl", r);
    if ((r = ftdi_set_latency_timer(c, (unsigned char)o->latency_ms)) < 0)
        return ftdi_fail(f, "ftdi_set_latency_timer", r);
    if ((r = ftdi_tcioflush(c)) < 0) return ftdi_fail(f, "ftdi_tcioflush", r);
    return 0;
}

static int t_set_baud(q2_transport *t, int baud)
{
    ftdi_transport *f = (ftdi_transport *)t;
    int r;
    if ((r = ftdi_set_baudrate(f->ftdi, baud)) < 0) return ftdi_fail(f, "ftdi_set_baudrate", r);
    if ((r = ftdi_tcioflush(f->ftdi)) < 0) return ftdi_fail(f, "ftdi_tcioflush", r);
    return 0;
}

/* ftdi_set_interface, then ftdi_usb_open_desc_index (which detaches ftdi_sio and claims it). */
static int open_device(ftdi_transport *f, const ftdi_spec *d, const ftdi_breakage *b)
{
    int r;
    /* the interface is chosen before opening (libftdi claims it in ftdi_usb_open_*) */
    if ((r = ftdi_set_interface(f->ftdi, d->iface)) < 0) return ftdi_fail(f, "ftdi_set_interface", r);
    if (b->dont_detach) f->ftdi->module_detach_mode = DONT_DETACH_SIO_MODULE;
    r = ftdi_usb_open_desc_index(f->ftdi, d->vid, d->pid, NULL, d->serial[0] ? d->serial : NULL, 0);
    if (r < 0) {
        q2_err("ftdi_usb_open_desc_index", "on %s failed: %d: %s%s", f->t.name, r,
               ftdi_get_error_string(f->ftdi),
               r == -3 ? " (board not plugged in, or another VID:PID/serial?)"
               : r == -4 || r == -5 ? " (permissions: udev rule for 0403:*; or a kernel driver / "
                                      "another program holds the interface)" : "");
        return Q2_EDEVICE;
    }
    f->open = true;
    return 0;
}

int q2_ftdi_open(q2_transport **out, const char *spec, const q2_transport_opts *o)
{
    *out = NULL;
    ftdi_spec d;
    ftdi_breakage brk;
    if (parse_spec(spec, &d)) {
        Q2_ERR("device ftdi:%s failed: need ftdi:VID:PID[:IF][:SERIAL] in hex, IF one of A..D, "
               "e.g. ftdi:0403:6010:B (iCEBreaker) or ftdi:0403:6015 (ULX3S)", spec);
        return Q2_EARG;
    }
    if (o->baud <= 0 || o->latency_ms < 1 || o->latency_ms > 255) {
        Q2_ERR("device ftdi:%s failed: baud %d / latency %d ms out of range (latency 1..255)", spec,
               o->baud, o->latency_ms);
        return Q2_EARG;
    }
    if (test_breakage(&brk)) return Q2_EARG;
    ftdi_transport *f = calloc(1, sizeof *f);
    if (!f) {
        Q2_ERR("ftdi failed: out of memory");
        return Q2_ENOMEM;
    }
    f->t.kind = "ftdi";
    snprintf(f->t.name, sizeof f->t.name, "ftdi:%04x:%04x:%c%s%s", d.vid, d.pid, d.iface_letter,
             d.serial[0] ? ":" : "", d.serial);
    f->t.write = t_write;
    f->t.read = t_read;
    f->t.set_baud = t_set_baud;
    f->t.flush_input = t_flush_input;
    f->t.close = t_close;
    f->ftdi = ftdi_new();
    if (!f->ftdi) {
        Q2_ERR("ftdi_new failed: out of memory or libusb_init failed");
        free(f);
        return Q2_EDEVICE;
    }
    if (open_device(f, &d, &brk)) goto out_free;
    f->ftdi->usb_read_timeout = 100;    /* one bulk read; t_read loops to its own deadline */
    f->ftdi->usb_write_timeout = (int)(o->timeout_s * 1000.0) + 1;
    if (read_usb_id(f) || configure(f, o, &brk)) goto out_close;
    *out = &f->t;
    return 0;
out_close:
    if (f->open) ftdi_usb_close(f->ftdi);
out_free:
    ftdi_free(f->ftdi);
    free(f);
    return Q2_EDEVICE;
}
