/* fuzz_host.c — libFuzzer target for the host's response-frame parser (sw/host/host_proto.c). The
 * parser itself (parse_frame) is static, so the target drives the narrowest public functions that
 * take the device's bytes: q2_host_recv, and the commands that interpret a response's words
 * (q2_host_info, q2_host_status, q2_host_verify, q2_host_infer_recv), over a fake transport that
 * hands out the fuzzer's bytes and then fails (tests/fuzz_stubs.c stands in for the real
 * transports). docs/fuzzing.md has how to run it.
 *
 * Input: one mode byte, then the bytes "from the device".
 *   bits 0..2  consumer: 0 and 5..7 q2_host_recv until the bytes run out, 1 INFO, 2 STATUS,
 *              3 VERIFY, 4 INFER (q2_host_infer_recv for seq 0)
 *   bit 3      fix the CRC-16 of every response frame whose header is sane, so mutations get past
 *              the CRC check to the words
 *   bits 4..7  bytes per read() of the transport (0: all at once), to split frames across reads
 * The commands run with seq 0 and no retries. Findings are crashes, sanitizer reports and these
 * invariants (abort()): every frame q2_host_recv returns is well-formed (length 1 + 4n, n <= 259)
 * and occurs byte for byte, CRC-16 included, in the input; the frames never add up to more bytes
 * than came in.
 *
 * Built with -DFUZZ_MAKE_SEEDS (and no -fsanitize=fuzzer) it writes valid response streams (made
 * with q2_crc16_update) to the directory argv[1] (the committed seeds in tests/corpus/host/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_frames.h"
#include "fuzz_util.h"
#include "host/host.h"
#include "base/util.h"

__attribute__((unused)) static void fail(const char *what)
{
    fprintf(stderr, "fuzz_host: %s\n", what);
    abort();
}

/* A response frame of n words (the payload of len = 1 + 4n) with its CRC-16 at p; cap bytes room. */
__attribute__((unused)) static size_t put_response(uint8_t *p, size_t cap, uint8_t cmd, uint8_t seq,
                                                   uint8_t status, const uint32_t *w, int n)
{
    size_t len = 1 + 4 * (size_t)n;
    if (cap < len + Q2P_OVERHEAD) return 0;
    p[0] = Q2P_SYNC_RSP;
    p[1] = cmd | 0x80;
    p[2] = seq;
    q2_wr16(p + 3, (uint16_t)len);
    p[5] = status;
    for (int k = 0; k < n; k++) q2_wr32(p + 6 + 4 * k, w[k]);
    q2_wr16(p + Q2P_HDR + len, q2_crc16_update(0xFFFF, p + 1, len + 4));
    return len + Q2P_OVERHEAD;
}

#ifndef FUZZ_MAKE_SEEDS
/* ---- the fake transport ---------------------------------------------------------------------------- */
typedef struct {
    q2_transport t;
    const uint8_t *d;
    size_t n, pos, chunk;
} fake_transport;

static int fake_write(q2_transport *t, const uint8_t *buf, size_t len, double timeout_s)
{
    (void)t, (void)buf, (void)len, (void)timeout_s;
    return 0;
}
static int fake_read(q2_transport *t, uint8_t *buf, size_t cap, double timeout_s)
{
    (void)timeout_s;
    fake_transport *f = (fake_transport *)t;
    if (f->pos == f->n) return Q2_EDEVICE; /* the device went away: every wait ends at once */
    size_t k = f->n - f->pos;
    if (f->chunk && k > f->chunk) k = f->chunk;
    if (k > cap) k = cap;
    memcpy(buf, f->d + f->pos, k);
    f->pos += k;
    return (int)k;
}
static int fake_flush(q2_transport *t)
{
    (void)t;
    return 0;
}
static void fake_close(q2_transport *t) { (void)t; }

/* ---- checks ---------------------------------------------------------------------------------------- */
static bool occurs(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (hay[i] == needle[0] && !memcmp(hay + i, needle, m)) return true;
    return false;
}

static void check_frame(const q2_frame *f, const uint8_t *in, size_t n)
{
    if (f->n_words < 0 || f->n_words > 3 + 256 || f->wire_len != 1 + 4 * (size_t)f->n_words + Q2P_OVERHEAD)
        fail("a returned frame has an impossible length");
    uint8_t buf[Q2P_MAX_RSP_PAYLOAD + Q2P_OVERHEAD];
    size_t m = put_response(buf, sizeof buf, f->cmd, f->seq, f->status, f->w, f->n_words);
    if (m != f->wire_len || !occurs(in, n, buf, m)) fail("a returned frame is not in the input");
}

/* A response frame whose header is sane (fuzz_fix_crc16s): sync, response bit, length 1 + 4n. */
static bool sane_response(const uint8_t *f, size_t len)
{
    return f[0] == Q2P_SYNC_RSP && (f[1] & 0x80) && len >= 1 && len <= Q2P_MAX_RSP_PAYLOAD && (len - 1) % 4 == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode;
    size_t n;
    uint8_t *in = fuzz_payload(data, size, &mode, &n);
    if (!in) return 0;
    if (mode & 8) fuzz_fix_crc16s(in, n, sane_response);

    fake_transport ft = {
        .t = {.kind = "fuzz", .write = fake_write, .read = fake_read, .flush_input = fake_flush,
              .close = fake_close},
        .d = in, .n = n, .chunk = (size_t)(mode >> 4),
    };
    snprintf(ft.t.name, sizeof ft.t.name, "fuzz");
    static q2_host h; /* 8 KiB of receive buffer: not on the stack */
    memset(&h, 0, sizeof h);
    h.t = &ft.t;
    h.o = (q2_host_opts){.timeout_s = 5.0, .retries = 0, .baud = 3000000, .latency_ms = 1};

    q2_frame f;
    size_t total = 0;
    switch (mode & 7) {
    case 1: {
        q2_dev_info info;
        if (q2_host_info(&h, &info) == 0 && (info.id != 0x4C4D3251u || info.proto_version != 2))
            fail("INFO accepted a wrong id or protocol version");
        if (h.have_info) (void)q2_host_window(&h, 784);
        break;
    }
    case 2: {
        q2_dev_status st;
        (void)q2_host_status(&h, &st);
        break;
    }
    case 3: {
        uint32_t crc, bytes;
        bool valid;
        (void)q2_host_verify(&h, &crc, &bytes, &valid);
        break;
    }
    case 4: {
        q2_infer_result r;
        int status;
        if (q2_host_infer_recv(&h, 0, &r, &status, 5.0) == 0 && status == Q2S_OK &&
            (r.n_classes < 0 || r.n_classes > 256))
            fail("INFER accepted a class count out of range");
        break;
    }
    default:
        while (q2_host_recv(&h, &f, 5.0) == 1) {
            check_frame(&f, in, n);
            total += f.wire_len;
            if (total > n) fail("the frames add up to more bytes than came in");
        }
        break;
    }
    if (h.rlen > sizeof h.rbuf) fail("receive buffer overrun");
    free(in);
    return 0;
}
#else
/* ---- seed corpus ------------------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    const char *dir = fuzz_seed_dir(argc, argv);
    if (!dir) return Q2_EXIT_USAGE;
    /* what the simulated board answers (sim/board.mk defaults, docs/protocol.md) */
    const uint32_t info[11] = {0x4C4D3251u, 1, 32, 262144, 2048, 1024, 12000000,
                               4u | 5u << 16 | 2u << 24, 2048u | 1019u << 16, 65536, 1};
    const uint32_t status[5] = {0x2, 0x1234abcd, 1000, 123456, 3};
    const uint32_t infer[13] = {5000, 7, 10, 1, (uint32_t)-2, 3, 4, 5, 6, 7, 80, 9, 0};
    uint8_t b[2048];
    size_t n;
    int rc = 0;
    n = put_response(b, sizeof b, Q2P_INFO, 0, Q2S_OK, info, 11);
    rc |= fuzz_seed(dir, "seed-info", 1, b, n);
    n = put_response(b, sizeof b, Q2P_STATUS, 0, Q2S_OK, status, 5);
    rc |= fuzz_seed(dir, "seed-status", 2, b, n);
    n = put_response(b, sizeof b, Q2P_VERIFY, 0, Q2S_OK, status, 3);
    rc |= fuzz_seed(dir, "seed-verify", 3 | 8, b, n);
    n = put_response(b, sizeof b, Q2P_INFER, 0, Q2S_OK, infer, 13);
    rc |= fuzz_seed(dir, "seed-infer", 4 | 0x30, b, n);
    /* a stream: junk, a stray frame, an error frame, a frame with a bad CRC, a good one */
    n = 0;
    b[n++] = 0x00;
    b[n++] = Q2P_SYNC_RSP;
    n += put_response(b + n, sizeof b - n, Q2P_INFER, 9, Q2S_OK, infer, 13);
    n += put_response(b + n, sizeof b - n, Q2P_LOAD, 1, Q2S_FRAME_CRC, NULL, 0);
    size_t bad = n;
    n += put_response(b + n, sizeof b - n, Q2P_STATUS, 2, Q2S_OK, status, 5);
    b[bad + 7] ^= 0x40;
    n += put_response(b + n, sizeof b - n, Q2P_INFO, 3, Q2S_OK, info, 11);
    rc |= fuzz_seed(dir, "seed-stream", 0x70, b, n);
    if (rc) return Q2_EXIT_INTERNAL;
    printf("fuzz_host seeds: 5 streams in %s\n", dir);
    return 0;
}
#endif
