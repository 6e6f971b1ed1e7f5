/* fuzz_proto.c — libFuzzer target for the device side of the host protocol: the frame decoder of
 * rtl/link/proto.v, inside the whole rtl/link/accel_top.v as Verilator models it (tests/fuzz_proto_shim.cpp,
 * verilated with small parameters by tests/fuzz.mk), driven through its UART pins bit by bit like
 * q2mlp-board-sim does. docs/fuzzing.md has how to run it.
 *
 * One input, on a fresh model: the fuzzer's bytes go onto uart_rx_i (8N1, back to back); the line
 * then idles for more than the inter-byte timeout, the harness waits until accel_top says it is
 * idle (sim_idle), sends one valid INFO request and requires the INFO response. Meanwhile every
 * byte on uart_tx_o is deserialised and must belong to a well-formed response frame.
 * Input: one mode byte, then the line bytes.
 *   bit 0      fix the CRC-16 of every request whose header is complete and whose length is at
 *              most MAX_PAYLOAD, so mutations reach the executor (LOAD, INFER, RESET ...)
 *   bit 1      a 0xFF byte is sent with a low stop bit (a UART framing error)
 *   bit 2      a 0xFE byte is not sent: the line idles 1.5 timeouts instead (a stalled frame)
 *   bits 4..7  the seed of Verilator's random initial state (+verilator+rand+reset+2)
 * Findings (abort(), with a line on stderr): the device sends a byte outside a frame, a frame with
 * a bad length or CRC-16, a byte with a low stop bit; it is not idle FZ_DRAIN_CYCLES after the
 * input; it does not answer the INFO request with one OK frame of 11 words (the right ID and
 * configuration) within FZ_INFO_CYCLES; a parameter check of the RTL fails.
 *
 * Built with -DFUZZ_MAKE_SEEDS (no Verilator model, no fuzzer) it writes request streams made with
 * the host's own q2_frame_build and the .q2 encoder to the directory argv[1] (the committed seeds
 * in tests/corpus/proto/ were made so). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_frames.h"
#include "fuzz_util.h"
#include "host/host.h"
#include "base/util.h"

/* The model's parameters: tests/fuzz.mk passes the same values to verilator -G. */
#ifndef FZ_CPB
#define FZ_CPB 4            /* CLKS_PER_BIT */
#endif
#ifndef FZ_TIMEOUT_BITS
#define FZ_TIMEOUT_BITS 64  /* TIMEOUT_BITS */
#endif
#ifndef FZ_MAX_PAYLOAD
#define FZ_MAX_PAYLOAD 64   /* MAX_PAYLOAD */
#endif
#ifndef FZ_RXBUF
#define FZ_RXBUF 512        /* RXBUF_BYTES */
#endif
#ifndef FZ_LANES
#define FZ_LANES 8          /* LANES */
#endif

#define FZ_ID           0x4C4D3251u
#define FZ_IDLE_CYCLES  (2 * FZ_TIMEOUT_BITS * FZ_CPB + 100) /* > 1.25 timeouts: any frame ends */
#define FZ_GAP_CYCLES   (3 * FZ_TIMEOUT_BITS * FZ_CPB / 2 + 20)
#define FZ_DRAIN_CYCLES 2000000 /* every queued record answered (~100 records of a 512-byte ring) */
#define FZ_INFO_CYCLES  8000    /* INFO on an idle device: 7 + 52 byte times (2360 cycles) and slack */
#define FZ_INFO_SEQ     0xC3

#ifndef FUZZ_MAKE_SEEDS
#include "fuzz_proto.h"

/* ---- the bench: the model, the line into it, the frames out of it -------------------------------- */
typedef struct {
    fz_model *m;
    uint64_t cycle;
    int des_bit, des_cnt;  /* deserializer of uart_tx_o: -1 idle, 0 start, 1..8 data, 9 stop */
    uint8_t des_byte;
    uint8_t out[1 << 16];  /* bytes the device sent */
    size_t n_out, parsed;  /* parsed: bytes of out that form complete, checked frames */
    size_t mark;           /* out position when the INFO request was sent (SIZE_MAX: not yet) */
    int info_frames;       /* frames after mark */
    bool verbose;          /* $FUZZ_PROTO_VERBOSE: one line per response frame on stdout */
} bench;

static void fail(const bench *b, const char *what)
{
    fprintf(stderr, "fuzz_proto: %s (cycle %llu, %zu bytes out)\n", what, (unsigned long long)b->cycle,
            b->n_out);
    abort();
}

/* Check the complete frames in out[parsed..]. */
static void check_frames(bench *b)
{
    for (;;) {
        const uint8_t *p = b->out + b->parsed;
        size_t left = b->n_out - b->parsed;
        if (!left) return;
        if (p[0] != Q2P_SYNC_RSP) fail(b, "the device sent a byte outside a response frame");
        if (left < Q2P_HDR) return;
        size_t len = q2_rd16(p + 3);
        if (!(p[1] & 0x80) || len < 1 || len > Q2P_MAX_RSP_PAYLOAD || (len - 1) % 4)
            fail(b, "the device sent a response header with a bad cmd or length");
        if (left < len + Q2P_OVERHEAD) return;
        if (q2_crc16_update(0xFFFF, p + 1, len + 4) != q2_rd16(p + Q2P_HDR + len))
            fail(b, "the device sent a response frame with a bad CRC-16");
        if (b->parsed >= b->mark) {
            int n = (int)((len - 1) / 4);
            uint32_t cfg0 = n > 7 ? q2_rd32(p + 6 + 28) : 0, cfg1 = n > 8 ? q2_rd32(p + 6 + 32) : 0;
            if (p[1] != (Q2P_INFO | 0x80) || p[2] != FZ_INFO_SEQ || p[5] != Q2S_OK || n != 11 ||
                q2_rd32(p + 6) != FZ_ID || q2_rd32(p + 14) != FZ_LANES || (cfg0 & 0xFFFF) != FZ_CPB ||
                cfg1 != ((uint32_t)FZ_MAX_PAYLOAD << 16 | FZ_RXBUF))
                fail(b, "the answer to INFO is not an OK INFO frame of 11 words with this device's ID "
                        "and configuration");
            if (++b->info_frames > 1) fail(b, "more than one frame answers one INFO request");
        }
        if (b->verbose)
            printf("cycle %8llu: response cmd 0x%02x seq %3u status 0x%02x, %zu words\n",
                   (unsigned long long)b->cycle, p[1] & 0x7F, p[2], p[5], (len - 1) / 4);
        b->parsed += len + Q2P_OVERHEAD;
    }
}

static void tick(bench *b, int rx)
{
    int tx = fz_tick(b->m, rx);
    b->cycle++;
    if (b->des_bit < 0) {
        if (tx) return;
        b->des_bit = 0;                  /* start bit: sample it in its middle */
        b->des_cnt = FZ_CPB / 2;
        return;
    }
    if (--b->des_cnt) return;
    b->des_cnt = FZ_CPB;
    if (b->des_bit == 0) {
        if (tx) fail(b, "a glitch on uart_tx_o (start bit not low in its middle)");
        b->des_byte = 0;
    } else if (b->des_bit <= 8) {
        b->des_byte |= (uint8_t)(tx << (b->des_bit - 1));
    } else {
        if (!tx) fail(b, "the device sent a byte with a low stop bit");
        if (b->n_out == sizeof b->out) fail(b, "the device sent more than 64 KiB");
        b->out[b->n_out++] = b->des_byte;
        b->des_bit = -1;
        check_frames(b);
        return;
    }
    b->des_bit++;
}

static void send_byte(bench *b, uint8_t v, int stop)
{
    for (int bit = 0; bit < 10; bit++) {
        int level = bit == 0 ? 0 : bit <= 8 ? (v >> (bit - 1)) & 1 : stop;
        for (int k = 0; k < FZ_CPB; k++) tick(b, level);
    }
}

/* A request frame whose header is sane (fuzz_fix_crc16s): sync, a length the device takes. */
static bool sane_request(const uint8_t *f, size_t len) { return f[0] == Q2P_SYNC_REQ && len <= FZ_MAX_PAYLOAD; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode;
    size_t n;
    uint8_t *in = fuzz_payload(data, size, &mode, &n);
    if (!in) return 0;
    if (mode & 1) fuzz_fix_crc16s(in, n, sane_request);

    static bench b; /* 64 KiB of output buffer: not on the stack */
    memset(&b, 0, sizeof b);
    b.des_bit = -1;
    b.mark = SIZE_MAX;
    b.verbose = getenv("FUZZ_PROTO_VERBOSE") != NULL;
    if (!(b.m = fz_new(mode >> 4))) fail(&b, "model allocation failed");
    fz_rst(b.m, 1);
    for (int i = 0; i < 8; i++) tick(&b, 1);
    fz_rst(b.m, 0);
    if (fz_finished(b.m)) fail(&b, "the RTL stopped at its parameter checks");

    for (size_t i = 0; i < n; i++) {
        if ((mode & 4) && in[i] == 0xFE) {
            for (int k = 0; k < FZ_GAP_CYCLES; k++) tick(&b, 1);
            continue;
        }
        send_byte(&b, in[i], !((mode & 2) && in[i] == 0xFF));
    }
    for (int k = 0; k < FZ_IDLE_CYCLES; k++) tick(&b, 1);
    uint64_t t0 = b.cycle;
    while (!(fz_idle(b.m) && b.des_bit < 0)) {
        if (b.cycle - t0 > FZ_DRAIN_CYCLES) fail(&b, "the device is not idle long after the input ended");
        tick(&b, 1);
    }
    if (b.parsed != b.n_out) fail(&b, "the device is idle inside a response frame");

    uint8_t req[Q2P_OVERHEAD];
    size_t len = q2_frame_build(req, Q2P_INFO, FZ_INFO_SEQ, NULL, 0);
    b.mark = b.n_out;
    t0 = b.cycle;
    for (size_t i = 0; i < len; i++) send_byte(&b, req[i], 1);
    while (!b.info_frames) {
        if (b.cycle - t0 > FZ_INFO_CYCLES) fail(&b, "the device does not answer INFO any more");
        tick(&b, 1);
    }
    fz_free(b.m);
    free(in);
    return 0;
}
#else
/* ---- seed corpus ------------------------------------------------------------------------------------- */
#include "qmodel/qmodel.h"

typedef struct {
    uint8_t b[4096];
    size_t n;
    uint8_t seq;
} stream;

static void frame(stream *s, uint8_t cmd, const uint8_t *payload, size_t len)
{
    s->n += q2_frame_build(s->b + s->n, cmd, s->seq++, payload, len);
}

static int put(const char *dir, const char *name, uint8_t mode, const stream *s)
{
    return fuzz_seed(dir, name, mode, s->b, s->n);
}

/* A two-layer model that fits the fuzz model's memories (8 inputs, 4 hidden, 3 classes). */
static int tiny_model(q2_qmodel *q)
{
    static const int dims[3] = {8, 4, 3};
    int rc = q2_qmodel_init(q, 2, dims, FZ_LANES);
    if (rc) return rc;
    q->scope = 1;
    for (int l = 0; l < 2; l++) {
        q2_qlayer *L = &q->layers[l];
        L->delta = 0.05f;
        L->act_scale = 0.01f;
        for (size_t k = 0; k < (size_t)L->n_in * (size_t)L->n_out; k++) L->codes[k] = (uint8_t)(k * 7 % 4);
        for (int j = 0; j < L->n_out; j++) {
            L->bias[j] = 10 * j - 15;
            if (l == 0) {
                L->m[j] = (uint16_t)(20000 + 1000 * j);
                L->s[j] = 12;
            }
        }
    }
    return q2_qmodel_encode(q);
}

static void load(stream *s, const q2_qmodel *q)
{
    uint8_t pay[FZ_MAX_PAYLOAD];
    for (size_t off = 0; off < q->image_len;) {
        size_t k = q->image_len - off < FZ_MAX_PAYLOAD - 4 ? q->image_len - off : FZ_MAX_PAYLOAD - 4;
        q2_wr32(pay, (uint32_t)off);
        memcpy(pay + 4, q->image + off, k);
        frame(s, Q2P_LOAD, pay, k + 4);
        off += k;
    }
}

int main(int argc, char **argv)
{
    const char *dir = fuzz_seed_dir(argc, argv);
    if (!dir) return Q2_EXIT_USAGE;
    q2_qmodel q;
    if (tiny_model(&q)) return Q2_EXIT_INTERNAL;
    const uint8_t px[8] = {0, 0, 0, 200, 17, 0, 0, 255};
    uint8_t rle[16];
    size_t n_rle = q2_rle_encode(px, 8, rle, sizeof rle);
    int rc = 0;
    stream s = {.n = 0};
    frame(&s, Q2P_INFO, NULL, 0);
    rc |= put(dir, "seed-info", 0x00, &s);
    s.n = 0;
    frame(&s, Q2P_STATUS, NULL, 0);
    frame(&s, Q2P_VERIFY, NULL, 0);
    frame(&s, Q2P_RESET, NULL, 0);
    frame(&s, Q2P_STATUS, NULL, 0);
    rc |= put(dir, "seed-status", 0x10, &s);
    s.n = 0;
    load(&s, &q);
    frame(&s, Q2P_VERIFY, NULL, 0);
    frame(&s, Q2P_INFER, px, 8);
    frame(&s, Q2P_INFER_RLE, rle, n_rle);
    frame(&s, Q2P_INFER, px, 7);   /* ERR_IMAGE */
    rc |= put(dir, "seed-load-infer", 0x01, &s);
    /* errors: junk, unknown cmd, bad length, bad CRC, a stalled frame, a framing error */
    s.n = 0;
    s.b[s.n++] = 0x00;
    s.b[s.n++] = 0x37;
    frame(&s, 0x55, NULL, 0);
    frame(&s, Q2P_INFO, px, 3);
    size_t bad = s.n;
    frame(&s, Q2P_STATUS, NULL, 0);
    s.b[bad + 5] ^= 0x01;
    frame(&s, Q2P_LOAD, px, 8);
    s.n -= 4;
    s.b[s.n++] = 0xFE;
    frame(&s, Q2P_INFER, px, 8);
    s.b[s.n++] = 0xFF;
    frame(&s, Q2P_STATUS, NULL, 0);
    rc |= put(dir, "seed-errors", 0x06, &s);
    q2_qmodel_free(&q);
    if (rc) return Q2_EXIT_INTERNAL;
    printf("fuzz_proto seeds: 4 streams in %s\n", dir);
    return 0;
}
#endif
