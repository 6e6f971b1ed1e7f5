/* board_sim.c — q2mlp-board-sim: the Verilator model of rtl/link/accel_top.v behind a Unix socket (or a
 * pseudo-terminal), its UART pins driven and sampled bit by bit.
 *
 *   host bytes --socket--> rx queue --serializer (start, 8 data LSB first, stop; CLKS_PER_BIT
 *   cycles a bit, back to back)--> uart_rx_i  [accel_top]  uart_tx_o --sampled mid-bit--> bytes
 *   --socket--> host
 *
 * Timing model (docs/host.md "The simulated board"): one model cycle is one period of the stated
 * clock (--clock-hz). The line is the only link: bytes leave the rx queue at the line rate, and the
 * host and the USB are infinitely fast (bytes the host has sent are on the line as soon as the
 * previous byte is out). When the design is idle (accel_top's sim_idle) and no byte is pending,
 * the model is not clocked: simulated time stands still while the host thinks. So the device's
 * uptime counter (STATUS) measures exactly the time the line and the RTL need. A new client is
 * accepted only while the design is idle: one that connects while the design still works on what
 * the last client left (a partial frame until the inter-byte timeout drops it, an inference) waits
 * for it, as a host process does on a board, where it starts long after the 22 ms timeout.
 *
 * USB model (--usb-latency-ms L [--usb-stall-ms W --usb-stall-every N]): the FTDI chip's side of
 * USB, in simulated time. The bytes the device sends wait in the chip's receive buffer and go to
 * the host as one packet when the latency timer expires (L ms after the packet's first byte) or
 * when the buffer holds a full high-speed packet (510 bytes); every Nth packet is held W ms
 * instead, full or not (worst-case USB scheduling: the host does not poll). Meanwhile the model is clocked, so the device's time runs
 * on. The host's bytes are not delayed (a high-speed bulk OUT goes in the next 125 us microframe;
 * not modelled). Without --usb-latency-ms the USB side is infinitely fast, as above.
 *
 * Line check (--pty --line-check): a UART at another rate or framing than the sender's receives
 * garbage. With the check, the bytes from the pty arrive as zeros while the terminal's settings (the
 * slave's termios: rate, 8N1) differ from the board's line; QEMU's serial chardev applies there
 * what the guest sent to its emulated FTDI chip (sim/usb/), so a host that never sets the rate
 * fails as on a board. Without it the pty's settings are ignored (the tty transport's tests).
 *
 * Usage: q2mlp-board-sim --socket PATH | --pty PATH [--line-check]  [--baud B] [--clock-hz F]
 *                        [--usb-latency-ms L [--usb-stall-ms W --usb-stall-every N]]
 *                        [--trace F.vcd] [--max-seconds S] [--quiet]
 * Exit codes: 0 stopped by SIGINT/SIGTERM or --max-seconds, 1 usage, 2 socket/pty error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "board_shim.h"
#include "../sw/base/util.h" /* q2_close_stdout (inline: board-sim links no sw/ library) */
#include "host/host.h"       /* Q2_SIM_BUSY_BANNER, shared with the sim transport */
#include "host/tty_baud.h"   /* termios rates, shared with the tty transport */

/* Compiled into the model (sim/board.mk passes the same values to verilator -G). */
#ifndef BOARD_SIM_CPB
#define BOARD_SIM_CPB 4
#endif
#ifndef BOARD_SIM_CLOCK_HZ
#define BOARD_SIM_CLOCK_HZ 12000000
#endif

#define EXIT_OK 0
#define EXIT_USAGE 1
#define EXIT_IO 2

#define RXQ_CAP (1u << 20)       /* bytes from the host not yet on the line */
#define TXQ_CAP (1u << 20)       /* bytes from the device not yet written to the host */
#define POLL_EVERY 256           /* cycles between socket polls while the design is busy */
#define MAX_REJECTED 8           /* refused clients waiting to hang up */
#define REJECT_HOLD_S 5.0
#define USB_PACKET 510           /* payload of a high-speed bulk IN packet of the FT2232H (512 - 2 status) */

/* ---- byte queues ------------------------------------------------------------------------------ */
typedef struct {
    uint8_t *buf;   /* (cap) */
    size_t cap, head, len;
} bq;

static int bq_init(bq *q, size_t cap)
{
    q->buf = malloc(cap);
    q->cap = cap;
    q->head = q->len = 0;
    return q->buf ? 0 : -1;
}
static void bq_free(bq *q) { free(q->buf); q->buf = NULL; }
static size_t bq_room(const bq *q) { return q->cap - q->len; }
static void bq_push(bq *q, uint8_t b) { q->buf[(q->head + q->len++) % q->cap] = b; }
static uint8_t bq_pop(bq *q)
{
    uint8_t b = q->buf[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    return b;
}

/* ---- state ------------------------------------------------------------------------------------ */
typedef struct {
    const char *socket_path, *pty_path, *trace_path;
    double baud, clock_hz, max_seconds;
    double usb_latency_ms, usb_stall_ms;   /* 0: no USB model */
    long usb_stall_every;                  /* every Nth IN packet is held usb_stall_ms (0: never) */
    bool quiet, line_check;
} sim_opts;

typedef struct {
    int listen_fd, conn_fd;      /* socket mode */
    int pty_master, pty_slave;   /* pty mode: conn_fd = pty_master */
    bq rxq, txq;
    /* serializer (host -> uart_rx_i) */
    int ser_bit;                 /* -1 idle, 0 start, 1..8 data, 9 stop */
    int ser_cnt;
    uint8_t ser_byte;
    /* deserializer (uart_tx_o -> host) */
    int des_bit;                 /* -1 idle, 0 start, 1..8 data, 9 stop */
    int des_cnt;
    uint8_t des_byte;
    /* USB model: the FTDI's receive buffer (device -> host), since which cycle it holds bytes */
    bq usbq;
    uint64_t usb_since, usb_packets, usb_stalls;
    uint64_t bytes_in, bytes_out, frame_errs, connections, refused;
    uint64_t bytes_garbled;      /* --line-check: received while the line settings differed */
    bool line_bad;               /* --line-check: they differ now (said once per change) */
    /* clients refused while another is connected: told so (Q2_SIM_BUSY_BANNER), their bytes
     * drained until they hang up or REJECT_HOLD_S pass (closing at once could reset the
     * connection before they have read why) */
    int rej_fd[MAX_REJECTED];
    double rej_since[MAX_REJECTED];
} sim_state;

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp-board-sim --socket PATH | --pty PATH [options]\n"
        "  The Verilator model of rtl/link/accel_top.v behind a Unix stream socket (one client at a time,\n"
        "  others are refused at once with a 'board sim busy' line; the board keeps its state across\n"
        "  connections) or a pseudo-terminal whose slave side is\n"
        "  symlinked at PATH (for the tty transport). Its UART is driven and sampled bit by bit.\n"
        "  --line-check     (with --pty) bytes arrive as zeros while the pty's termios (rate, 8N1)\n"
        "                   differ from the board's line, as on a UART at the wrong rate\n"
        "  --baud B         line rate (default %d)\n"
        "  --clock-hz F     the design clock this run models (default %d); F / B must be the\n"
        "                   compiled clocks per bit (%d) and F the compiled CLOCK_HZ\n"
        "  --usb-latency-ms L  model the FTDI's USB side in simulated time: the device's bytes reach\n"
        "                   the host in packets, L ms after a packet's first byte (latency timer) or\n"
        "                   at 510 bytes (default 0: no USB model, infinitely fast)\n"
        "  --usb-stall-ms W, --usb-stall-every N   hold every Nth packet W ms instead (worst-case\n"
        "                   USB scheduling; default: never)\n"
        "  --trace FILE     write a VCD trace (build with make BOARD_SIM_TRACE=1)\n"
        "  --max-seconds S  exit after S seconds of wall time (a guard for scripts)\n"
        "  --quiet          no connection messages\n"
        "Exit codes: 0 stopped (signal or --max-seconds), 1 usage, 2 socket/pty error.\n",
        BOARD_SIM_CLOCK_HZ / BOARD_SIM_CPB, BOARD_SIM_CLOCK_HZ, BOARD_SIM_CPB);
}

static int parse_args(int argc, char **argv, sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->baud = (double)BOARD_SIM_CLOCK_HZ / BOARD_SIM_CPB;
    o->clock_hz = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); exit(q2_close_stdout("board-sim", EXIT_OK)); }
        else if (!strcmp(a, "--quiet")) o->quiet = true;
        else if (!strcmp(a, "--line-check")) o->line_check = true;
        else if (!v) { fprintf(stderr, "board-sim: option %s failed: needs a value\n", a); return -1; }
        else if (!strcmp(a, "--socket")) { o->socket_path = v; i++; }
        else if (!strcmp(a, "--pty")) { o->pty_path = v; i++; }
        else if (!strcmp(a, "--trace")) { o->trace_path = v; i++; }
        else if (!strcmp(a, "--baud")) { o->baud = atof(v); i++; }
        else if (!strcmp(a, "--clock-hz")) { o->clock_hz = atof(v); i++; }
        else if (!strcmp(a, "--max-seconds")) { o->max_seconds = atof(v); i++; }
        else if (!strcmp(a, "--usb-latency-ms")) { o->usb_latency_ms = atof(v); i++; }
        else if (!strcmp(a, "--usb-stall-ms")) { o->usb_stall_ms = atof(v); i++; }
        else if (!strcmp(a, "--usb-stall-every")) { o->usb_stall_every = atol(v); i++; }
        else { fprintf(stderr, "board-sim: option %s failed: unknown (see --help)\n", a); return -1; }
    }
    if (!o->socket_path == !o->pty_path) {
        fprintf(stderr, "board-sim: arguments failed: need exactly one of --socket PATH, --pty PATH\n");
        return -1;
    }
    if (o->line_check && (!o->pty_path || !q2_tty_speed((int)o->baud))) {
        fprintf(stderr, "board-sim: --line-check failed: needs --pty and a termios rate (%.0f baud)\n", o->baud);
        return -1;
    }
    if (o->usb_latency_ms < 0 || o->usb_latency_ms > 1000 || o->usb_stall_ms < 0 || o->usb_stall_ms > 1000 ||
        o->usb_stall_every < 0 || ((o->usb_stall_ms > 0) != (o->usb_stall_every > 0)) ||
        (o->usb_stall_ms > 0 && o->usb_latency_ms <= 0)) {
        fprintf(stderr, "board-sim: --usb-* failed: need 0..1000 ms, and --usb-stall-ms with --usb-stall-every "
                "and --usb-latency-ms\n");
        return -1;
    }
    if (o->clock_hz == 0) o->clock_hz = o->baud * BOARD_SIM_CPB;
    if (o->baud <= 0 || o->clock_hz != o->baud * BOARD_SIM_CPB) {
        fprintf(stderr, "board-sim: --baud/--clock-hz failed: clock %.0f / baud %.0f is not the %d clocks "
                "per bit this model was built with (sim/board.mk BOARD_SIM_CPB)\n",
                o->clock_hz, o->baud, BOARD_SIM_CPB);
        return -1;
    }
    if (o->clock_hz != BOARD_SIM_CLOCK_HZ) {
        fprintf(stderr, "board-sim: --clock-hz failed: %.0f, but this model reports CLOCK_HZ = %d in INFO; "
                "rebuild with make BOARD_SIM_CLOCK_HZ=%.0f\n", o->clock_hz, BOARD_SIM_CLOCK_HZ, o->clock_hz);
        return -1;
    }
    return 0;
}

/* ---- host side: socket or pty ----------------------------------------------------------------- */
static int open_socket(sim_state *s, const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "board-sim: socket path failed: longer than %zu bytes: %s\n", sizeof sa.sun_path - 1, path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0) {
        fprintf(stderr, "board-sim: socket failed: %s\n", strerror(errno));
        return -1;
    }
    unlink(path);
    if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s->listen_fd, 4) < 0) {
        fprintf(stderr, "board-sim: bind/listen %s failed: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int open_pty(sim_state *s, const char *link)
{
    s->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->pty_master < 0 || grantpt(s->pty_master) < 0 || unlockpt(s->pty_master) < 0 ||
        fcntl(s->pty_master, F_SETFL, O_NONBLOCK) < 0) {
        fprintf(stderr, "board-sim: posix_openpt failed: %s\n", strerror(errno));
        return -1;
    }
    const char *name = ptsname(s->pty_master);
    /* Keep the slave open ourselves (raw), so the master never sees a hang-up between clients. */
    s->pty_slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (s->pty_slave < 0) {
        fprintf(stderr, "board-sim: open pty slave failed: %s\n", strerror(errno));
        return -1;
    }
    struct termios t;
    if (tcgetattr(s->pty_slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(s->pty_slave, TCSANOW, &t);
    }
    unlink(link);
    if (symlink(name, link) < 0) {
        fprintf(stderr, "board-sim: symlink %s -> %s failed: %s\n", link, name, strerror(errno));
        return -1;
    }
    s->conn_fd = s->pty_master;
    return 0;
}

static void drop_client(sim_state *s, const sim_opts *o, const char *why)
{
    if (s->conn_fd < 0 || o->pty_path) return;
    if (!o->quiet) fprintf(stderr, "board-sim: client left (%s)\n", why);
    close(s->conn_fd);
    s->conn_fd = -1;
    s->txq.len = 0;    /* nobody to read them: like a USB cable pulled */
    s->usbq.len = 0;
}

/* A client while another is connected: tell it at once, drain it until it hangs up. */
static void refuse_client(sim_state *s, const sim_opts *o)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    s->refused++;
    if (!o->quiet) fprintf(stderr, "board-sim: client refused (another client is connected)\n");
    (void)!send(fd, Q2_SIM_BUSY_BANNER, sizeof Q2_SIM_BUSY_BANNER - 1, MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    for (int k = 0; k < MAX_REJECTED; k++) {
        if (s->rej_fd[k] >= 0) continue;
        s->rej_fd[k] = fd;
        s->rej_since[k] = now_s();
        return;
    }
    close(fd);   /* too many at once: this one may see a reset instead */
}

/* Drain the refused clients; close those that hung up or were held long enough. */
static void drain_refused(sim_state *s, const struct pollfd *p, const int *ri)
{
    for (int k = 0; k < MAX_REJECTED; k++) {
        if (ri[k] < 0) continue;
        uint8_t junk[512];
        ssize_t r = (p[ri[k]].revents & (POLLIN | POLLHUP | POLLERR)) ? read(s->rej_fd[k], junk, sizeof junk) : -1;
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR) ||
            now_s() - s->rej_since[k] > REJECT_HOLD_S) {
            close(s->rej_fd[k]);
            s->rej_fd[k] = -1;
        }
    }
}

/* --line-check: do the pty's settings match the board's line (rate, 8N1)? Says so when that
 * changes. */
static bool line_ok(sim_state *s, const sim_opts *o)
{
    struct termios t;
    int baud = 0;
    bool n81 = false;
    if (tcgetattr(s->pty_slave, &t) == 0) {
        baud = q2_tty_baud(cfgetospeed(&t));
        n81 = (t.c_cflag & CSIZE) == CS8 && !(t.c_cflag & (PARENB | CSTOPB));
    }
    bool ok = baud == (int)o->baud && n81;
    if (ok == !s->line_bad) return ok;
    s->line_bad = !ok;
    if (ok) fprintf(stderr, "board-sim: line check: the pty's line now matches the board's (%d baud 8N1)\n", baud);
    else fprintf(stderr, "board-sim: line check: the pty's line is %d baud%s, the board's %.0f baud 8N1: "
                 "its bytes arrive garbled (as zeros)\n", baud, n81 ? " 8N1" : ", not 8N1", o->baud);
    return ok;
}

/* The connected client's bytes into rxq, all that are there (so that a client that sent a lot
 * and was killed is seen to have left in this call, not several calls later, while a new client
 * may be waiting: it would be refused as a second one); its hang-up drops it. Returns bytes read. */
static size_t read_client(sim_state *s, const sim_opts *o)
{
    uint8_t buf[4096];
    size_t got = 0;
    while (s->conn_fd >= 0) {
        size_t want = bq_room(&s->rxq) < sizeof buf ? bq_room(&s->rxq) : sizeof buf;
        if (!want) break;
        ssize_t r = read(s->conn_fd, buf, want);
        if (r > 0) {
            if (o->line_check && !line_ok(s, o)) {
                memset(buf, 0, (size_t)r);
                s->bytes_garbled += (uint64_t)r;
            }
            for (ssize_t i = 0; i < r; i++) bq_push(&s->rxq, buf[i]);
            s->bytes_in += (uint64_t)r;
            got += (size_t)r;
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EINTR)) drop_client(s, o, r == 0 ? "closed" : strerror(errno));
        break;
    }
    return got;
}

/* Bytes from txq to the connected client. */
static void write_client(sim_state *s, const sim_opts *o)
{
    size_t chunk = s->txq.cap - s->txq.head;
    if (chunk > s->txq.len) chunk = s->txq.len;
    ssize_t w = write(s->conn_fd, s->txq.buf + s->txq.head, chunk);
    if (w > 0) {
        s->txq.head = (s->txq.head + (size_t)w) % s->txq.cap;
        s->txq.len -= (size_t)w;
        s->bytes_out += (uint64_t)w;
    } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
        drop_client(s, o, strerror(errno));
    }
}

/* A connection waiting on the listening socket: taken if nobody is connected, refused if
 * somebody is (the caller saw the current client's hang-up first). */
static void take_client(sim_state *s, const sim_opts *o, bool may_accept)
{
    if (s->conn_fd >= 0) {
        refuse_client(s, o);
        return;
    }
    if (!may_accept) return;   /* it waits in the backlog until the design is idle */
    s->conn_fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (s->conn_fd >= 0) {
        s->connections++;
        if (!o->quiet) fprintf(stderr, "board-sim: client connected\n");
    }
}

/* Exchange bytes with the host. timeout_ms: -1 block, 0 just look. may_accept: take a new client
 * (only while the design is idle; a second client is refused at any time). The current client's
 * bytes and hang-up come before a new connection: a client killed just before the next one
 * connects has left, and the next one is not refused. Returns bytes read. */
static size_t service_io(sim_state *s, const sim_opts *o, int timeout_ms, bool may_accept)
{
    struct pollfd p[2 + MAX_REJECTED];
    int n = 0, ci = -1, li = -1, ri[MAX_REJECTED];
    if (s->conn_fd >= 0) {
        p[n].fd = s->conn_fd;
        p[n].events = (short)((bq_room(&s->rxq) ? POLLIN : 0) | (s->txq.len ? POLLOUT : 0));
        p[n].revents = 0;
        ci = n++;
    }
    if (s->listen_fd >= 0 && (s->conn_fd >= 0 || may_accept)) {
        p[n] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
        li = n++;
    }
    for (int k = 0; k < MAX_REJECTED; k++) {
        ri[k] = -1;
        if (s->rej_fd[k] < 0) continue;
        p[n] = (struct pollfd){ .fd = s->rej_fd[k], .events = POLLIN };
        ri[k] = n++;
    }
    int ready = poll(p, (nfds_t)n, timeout_ms);
    drain_refused(s, p, ri);
    if (ready <= 0) return 0;
    size_t got = 0;
    if (ci >= 0 && (p[ci].revents & (POLLIN | POLLHUP | POLLERR))) got = read_client(s, o);
    if (ci >= 0 && s->conn_fd >= 0 && s->txq.len && (p[ci].revents & POLLOUT)) write_client(s, o);
    if (li >= 0 && (p[li].revents & POLLIN)) take_client(s, o, may_accept);
    return got;
}

/* ---- the UART line ------------------------------------------------------------------------------ */
/* The level on uart_rx_i for the next cycle: bytes from rxq, back to back. */
static int line_rx(sim_state *s)
{
    if (s->ser_bit < 0) {
        if (!s->rxq.len) return 1;
        s->ser_byte = bq_pop(&s->rxq);
        s->ser_bit = 0;
        s->ser_cnt = 0;
    }
    int level = s->ser_bit == 0 ? 0 : s->ser_bit == 9 ? 1 : (s->ser_byte >> (s->ser_bit - 1)) & 1;
    if (++s->ser_cnt == BOARD_SIM_CPB) {
        s->ser_cnt = 0;
        if (++s->ser_bit == 10) s->ser_bit = -1;
    }
    return level;
}

/* Sample uart_tx_o (the level after the rising edge) in the middle of each bit. A byte goes to
 * the host queue, or with the USB model into the FTDI's receive buffer (since = this cycle). */
static void line_tx(sim_state *s, int level, bool usb, uint64_t cycle)
{
    if (s->des_bit < 0) {
        if (level) return;
        s->des_bit = 0;               /* start bit began at this edge */
        s->des_cnt = BOARD_SIM_CPB / 2;
        return;
    }
    if (--s->des_cnt) return;
    s->des_cnt = BOARD_SIM_CPB;
    if (s->des_bit == 0) {
        if (level) s->des_bit = -1;   /* a glitch, not a start bit */
        else s->des_bit = 1;
    } else if (s->des_bit <= 8) {
        s->des_byte = (uint8_t)((s->des_byte >> 1) | (level ? 0x80 : 0));
        s->des_bit++;
    } else {
        if (level && usb && s->conn_fd >= 0 && bq_room(&s->usbq)) {
            if (!s->usbq.len) s->usb_since = cycle;
            bq_push(&s->usbq, s->des_byte);
        } else if (level && s->conn_fd >= 0 && bq_room(&s->txq)) bq_push(&s->txq, s->des_byte);
        else if (!level) s->frame_errs++;
        s->des_bit = -1;
    }
}

/* USB model: hand the FTDI's buffer to the host when its latency timer expires or it holds a full
 * packet; a stalled packet (the host does not poll) waits the stall time however full it is. */
static void usb_step(sim_state *s, const sim_opts *o, uint64_t cycle)
{
    if (!s->usbq.len) return;
    bool stall = o->usb_stall_every > 0 && (s->usb_packets + 1) % (uint64_t)o->usb_stall_every == 0;
    double hold_ms = stall ? o->usb_stall_ms : o->usb_latency_ms;
    uint64_t hold = (uint64_t)(hold_ms * 1e-3 * o->clock_hz);
    if (cycle - s->usb_since < hold && (stall || s->usbq.len < USB_PACKET)) return;
    size_t n = s->usbq.len < USB_PACKET ? s->usbq.len : USB_PACKET;
    if (bq_room(&s->txq) < n) return;
    for (size_t i = 0; i < n; i++) bq_push(&s->txq, bq_pop(&s->usbq));
    s->usb_packets++;
    s->usb_stalls += stall;
    s->usb_since = cycle;
}

/* ---- main loop --------------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    sim_opts o;
    if (parse_args(argc, argv, &o) < 0) { usage(stderr); return EXIT_USAGE; }

    sim_state s;
    memset(&s, 0, sizeof s);
    s.listen_fd = s.conn_fd = s.pty_master = s.pty_slave = -1;
    s.ser_bit = s.des_bit = -1;
    for (int k = 0; k < MAX_REJECTED; k++) s.rej_fd[k] = -1;
    int rc = EXIT_IO;
    board_model *m = NULL;
    if (bq_init(&s.rxq, RXQ_CAP) < 0 || bq_init(&s.txq, TXQ_CAP) < 0 || bq_init(&s.usbq, TXQ_CAP) < 0) {
        fprintf(stderr, "board-sim: allocation failed: out of memory\n");
        goto out_free;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (o.socket_path ? open_socket(&s, o.socket_path) : open_pty(&s, o.pty_path)) goto out_close;
    m = bm_new(o.trace_path);
    if (!m) goto out_close;
    bm_reset(m, 8);
    if (!o.quiet)
        fprintf(stderr, "board-sim: listening on %s (%.0f baud, %.0f Hz, %d clocks per bit)\n",
                o.socket_path ? o.socket_path : o.pty_path, o.baud, o.clock_hz, BOARD_SIM_CPB);

    double t0 = now_s();
    uint64_t busy_cycles = 0;
    while (!g_stop) {
        if (o.max_seconds > 0 && now_s() - t0 > o.max_seconds) break;
        bool idle = !s.rxq.len && s.ser_bit < 0 && s.des_bit < 0 && !s.usbq.len && bm_idle(m);
        if (idle) {
            /* Nothing to simulate: sleep until the host talks (time stands still). */
            service_io(&s, &o, s.txq.len ? 20 : 200, true);
            continue;
        }
        if ((bm_cycles(m) % POLL_EVERY) == 0) service_io(&s, &o, 0, false);
        int rx = line_rx(&s);
        bool usb = o.usb_latency_ms > 0;
        line_tx(&s, bm_tick(m, rx), usb, bm_cycles(m));
        if (usb) usb_step(&s, &o, bm_cycles(m));
        busy_cycles++;
    }
    /* flush what the device said before we were stopped */
    for (int i = 0; i < 50 && s.txq.len && s.conn_fd >= 0; i++) service_io(&s, &o, 10, false);

    double wall = now_s() - t0;
    if (!o.quiet)
        fprintf(stderr, "board-sim: stopped: cycles=%llu simulated_s=%.6f wall_s=%.3f sim_hz=%.0f "
                "bytes_in=%llu bytes_out=%llu connections=%llu refused=%llu tx_frame_errors=%llu "
                "bytes_garbled=%llu usb_packets=%llu usb_stalls=%llu\n",
                (unsigned long long)bm_cycles(m), (double)bm_cycles(m) / o.clock_hz, wall,
                wall > 0 ? (double)busy_cycles / wall : 0.0, (unsigned long long)s.bytes_in,
                (unsigned long long)s.bytes_out, (unsigned long long)s.connections,
                (unsigned long long)s.refused, (unsigned long long)s.frame_errs,
                (unsigned long long)s.bytes_garbled, (unsigned long long)s.usb_packets,
                (unsigned long long)s.usb_stalls);
    rc = EXIT_OK;
out_close:
    bm_free(m);
    if (s.conn_fd >= 0 && s.conn_fd != s.pty_master) close(s.conn_fd);
    if (s.listen_fd >= 0) { close(s.listen_fd); unlink(o.socket_path); }
    if (s.pty_master >= 0) { close(s.pty_master); unlink(o.pty_path); }
    if (s.pty_slave >= 0) close(s.pty_slave);
    for (int k = 0; k < MAX_REJECTED; k++) if (s.rej_fd[k] >= 0) close(s.rej_fd[k]);
out_free:
    bq_free(&s.rxq);
    bq_free(&s.txq);
    bq_free(&s.usbq);
    return rc;
}
