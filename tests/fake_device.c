/* fake_device.c — q2mlp-fake-device: a misbehaving "board" on a Unix socket, for the tests of
 * the host's error paths (tests/t_host_attack.sh). It speaks the framing of docs/protocol.md well
 * enough to be believed (INFO, STATUS, VERIFY, RESET, INFER answered with plausible words), then
 * misbehaves in one way, chosen by --mode:
 *
 *   mode        what it does
 *   ----------  ---------------------------------------------------------------------------------
 *   stray-load  after the first LOAD, a LOAD response with a wrong seq every 20 ms, forever
 *   bad-crc     every response with its CRC-16 flipped
 *   truncated   every response cut after half its bytes
 *   garbage     every response replaced by 64 bytes that hold no 0x5A
 *   len-ffff    every response header says length 0xFFFF (followed by 16 bytes)
 *   long-infer  INFER answered with 3 + 300 words (the protocol allows 3 + 256)
 *   class-5000  INFER answered OK with CLASS 5000 of N_CLASSES 10
 *   clock-1     INFO says CLOCK_HZ = 1
 *   silent      never answers
 *
 * Usage: q2mlp-fake-device --socket PATH --mode MODE [--max-seconds S]
 * Serves one client after another. Exit codes: 0 stopped, 1 usage, 2 socket error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/host.h"
#include "base/util.h"

static const char *modes[] = { "normal", "stray-load", "bad-crc", "truncated", "garbage", "len-ffff",
                               "long-infer", "class-5000", "clock-1", "silent" };
enum { M_NORMAL, M_STRAY_LOAD, M_BAD_CRC, M_TRUNCATED, M_GARBAGE, M_LEN_FFFF, M_LONG_INFER,
       M_CLASS_5000, M_CLOCK_1, M_SILENT };

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

typedef struct {
    int mode, fd;
    uint8_t in[8192];
    size_t in_len;
    bool flood;            /* stray-load: flooding */
    uint8_t flood_seq;
    double last_flood, t0;
} fake;

/* ---- responses --------------------------------------------------------------------------------- */
static void send_all(fake *d, const uint8_t *p, size_t n)
{
    while (n && d->fd >= 0) {
        ssize_t w = send(d->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) { usleep(1000); continue; }
        if (w <= 0) { close(d->fd); d->fd = -1; return; }
        p += w;
        n -= (size_t)w;
    }
}

/* A response frame, then the mode's damage. */
static void respond(fake *d, uint8_t cmd, uint8_t seq, uint8_t status, const uint32_t *w, int nw,
                    bool allow_damage)
{
    static uint8_t p[8 + 4 * 320];
    size_t len = 1 + 4 * (size_t)nw;
    p[0] = Q2P_SYNC_RSP; p[1] = cmd | 0x80; p[2] = seq;
    q2_wr16(p + 3, (uint16_t)len);
    p[5] = status;
    for (int k = 0; k < nw; k++) q2_wr32(p + 6 + 4 * k, w[k]);
    q2_wr16(p + 5 + len, q2_crc16_update(0xFFFF, p + 1, len + 4));
    size_t n = len + Q2P_OVERHEAD;
    int m = allow_damage ? d->mode : M_NORMAL;
    if (m == M_BAD_CRC) p[n - 1] ^= 0xFF;
    if (m == M_TRUNCATED) n /= 2;
    if (m == M_GARBAGE) {
        for (size_t i = 0; i < 64; i++) p[i] = (uint8_t)(0x30 + i % 40);   /* '0'..'W': no 0x5A */
        n = 64;
    }
    if (m == M_LEN_FFFF) {
        q2_wr16(p + 3, 0xFFFF);
        n = 5 + 16;
    }
    send_all(d, p, n);
}

static void answer(fake *d, uint8_t cmd, uint8_t seq)
{
    uint32_t w[3 + 300] = { 0 };
    int nw = 0;
    switch (cmd) {
    case Q2P_INFO: {
        uint32_t info[11] = { 0x4C4D3251u, 1, 32, 262144, 2048, 1024, d->mode == M_CLOCK_1 ? 1u : 12000000u,
                              (2u << 24) | (5u << 16) | 4u, (1019u << 16) | 2048u, 65536, 1 };
        memcpy(w, info, sizeof info);
        nw = 11;
        break;
    }
    case Q2P_STATUS:
        w[0] = 0x2;                                       /* model valid */
        w[1] = 0x12345678u;
        w[2] = 1000;
        w[3] = (uint32_t)((q2_now() - d->t0) * 12e6);     /* uptime at "12 MHz" */
        nw = 5;
        break;
    case Q2P_VERIFY:
        w[0] = 0x2; w[1] = 0x12345678u; w[2] = 1000;
        nw = 3;
        break;
    case Q2P_RESET:
        break;
    case Q2P_LOAD:
        if (d->mode == M_STRAY_LOAD) {
            d->flood = true;
            d->flood_seq = (uint8_t)(seq + 0x80);
            return;
        }
        w[0] = 0x2; w[1] = 0; w[2] = 0;
        nw = 3;
        break;
    case Q2P_INFER: case Q2P_INFER_RLE:
        w[0] = 1000;
        w[1] = d->mode == M_CLASS_5000 ? 5000 : 0;
        w[2] = 10;
        for (int k = 0; k < 10; k++) w[3 + k] = (uint32_t)(100 - k);   /* argmax 0 */
        nw = d->mode == M_LONG_INFER ? 3 + 300 : 13;
        break;
    default:
        respond(d, cmd, seq, Q2S_UNKNOWN, w, 0, true);
        return;
    }
    respond(d, cmd, seq, Q2S_OK, w, nw, true);
}

/* Take the complete request frames from the input buffer. */
static void serve_input(fake *d)
{
    for (;;) {
        size_t i = 0;
        while (i < d->in_len && d->in[i] != Q2P_SYNC_REQ) i++;
        memmove(d->in, d->in + i, d->in_len - i);
        d->in_len -= i;
        if (d->in_len < Q2P_HDR) return;
        size_t len = q2_rd16(d->in + 3);
        if (len > 4096) { memmove(d->in, d->in + 1, --d->in_len); continue; }
        if (d->in_len < len + Q2P_OVERHEAD) return;
        uint8_t cmd = d->in[1], seq = d->in[2];
        size_t n = len + Q2P_OVERHEAD;
        memmove(d->in, d->in + n, d->in_len - n);
        d->in_len -= n;
        if (d->mode != M_SILENT) answer(d, cmd, seq);
    }
}

/* ---- main loop --------------------------------------------------------------------------------- */
static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "fake-device: socket path failed: too long\n");
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0) {
        fprintf(stderr, "fake-device: bind/listen %s failed: %s\n", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static void step(fake *d, int lfd)
{
    struct pollfd p = { .fd = d->fd >= 0 ? d->fd : lfd, .events = POLLIN };
    if (poll(&p, 1, 20) > 0) {
        if (d->fd < 0) {
            d->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            d->in_len = 0;
            d->flood = false;
            return;
        }
        ssize_t r = read(d->fd, d->in + d->in_len, sizeof d->in - d->in_len);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            close(d->fd);
            d->fd = -1;
            return;
        }
        if (r > 0) d->in_len += (size_t)r;
        if (d->in_len == sizeof d->in) d->in_len = 0;
        serve_input(d);
    }
    if (d->fd >= 0 && d->flood && q2_now() - d->last_flood > 0.02) {
        uint32_t w[3] = { 0x2, 0, 0 };
        respond(d, Q2P_LOAD, d->flood_seq, Q2S_OK, w, 3, false);
        d->last_flood = q2_now();
    }
}

int main(int argc, char **argv)
{
    const char *path = NULL, *mode = NULL;
    double max_s = 120;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--socket")) path = argv[i + 1];
        else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
        else if (!strcmp(argv[i], "--max-seconds")) max_s = atof(argv[i + 1]);
    }
    fake d = { .mode = -1, .fd = -1 };
    for (int k = 0; mode && k < (int)(sizeof modes / sizeof modes[0]); k++)
        if (!strcmp(mode, modes[k])) d.mode = k;
    if (!path || d.mode < 0 || argc % 2 == 0) {
        fprintf(stderr, "usage: q2mlp-fake-device --socket PATH --mode MODE [--max-seconds S]\n"
                        "  MODE: normal stray-load bad-crc truncated garbage len-ffff long-infer "
                        "class-5000 clock-1 silent\n");
        return 1;
    }
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int lfd = listen_on(path);
    if (lfd < 0) return 2;
    d.t0 = q2_now();
    while (!g_stop && q2_now() - d.t0 < max_s) step(&d, lfd);
    if (d.fd >= 0) close(d.fd);
    close(lfd);
    unlink(path);
    return 0;
}
