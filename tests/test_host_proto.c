/* test_host_proto.c — the host protocol layer (sw/host/host_proto.c) without a device: CRC-16 check
 * value, request frame layout, the response parser (junk, bad CRC, split reads, stray frames)
 * through a scripted in-memory transport, the zero-run-length coder against a plain decoder
 * (random and real-looking images), the pipelining window, and the model-fit check's refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "base/util.h"
#include "check.h"

/* ---- a scripted transport: reads come from a byte script in chunks of `step` ----------------- */
typedef struct {
    q2_transport t;
    uint8_t in[8192];
    size_t in_len, in_pos, step;
    uint8_t out[16384];
    size_t out_len;
} script_transport;

static int s_write(q2_transport *t, const uint8_t *buf, size_t len, double timeout_s)
{
    (void)timeout_s;
    script_transport *s = (script_transport *)t;
    if (s->out_len + len > sizeof s->out) return Q2_EDEVICE;
    memcpy(s->out + s->out_len, buf, len);
    s->out_len += len;
    return 0;
}
static int s_read(q2_transport *t, uint8_t *buf, size_t cap, double timeout_s)
{
    (void)timeout_s;
    script_transport *s = (script_transport *)t;
    size_t n = s->in_len - s->in_pos;
    if (n > s->step) n = s->step;
    if (n > cap) n = cap;
    memcpy(buf, s->in + s->in_pos, n);
    s->in_pos += n;
    return (int)n;
}
static int s_flush(q2_transport *t) { (void)t; return 0; }
static void s_close(q2_transport *t) { (void)t; }

static script_transport st;
static q2_host host;

static void script_reset(size_t step)
{
    memset(&st, 0, sizeof st);
    st.t = (q2_transport){ .kind = "test", .name = "script", .write = s_write, .read = s_read,
                           .flush_input = s_flush, .close = s_close };
    st.step = step;
    memset(&host, 0, sizeof host);
    host.t = &st.t;
    host.o = (q2_host_opts){ .timeout_s = 0.05, .retries = 2, .baud = 3000000, .latency_ms = 1 };
}

/* Append a response frame (cmd|0x80, seq, status, words) to the script; corrupt: flip its CRC. */
static void script_rsp(uint8_t cmd, uint8_t seq, uint8_t status, const uint32_t *w, int nw, bool corrupt)
{
    uint8_t *p = st.in + st.in_len;
    size_t len = 1 + 4 * (size_t)nw;
    p[0] = Q2P_SYNC_RSP; p[1] = cmd | 0x80; p[2] = seq;
    q2_wr16(p + 3, (uint16_t)len);
    p[5] = status;
    for (int k = 0; k < nw; k++) q2_wr32(p + 6 + 4 * k, w[k]);
    uint16_t crc = q2_crc16_update(0xFFFF, p + 1, len + 4);
    if (corrupt) crc ^= 0x0101;
    q2_wr16(p + 5 + len, crc);
    st.in_len += len + 7;
}
static void script_junk(const char *s)
{
    memcpy(st.in + st.in_len, s, strlen(s));
    st.in_len += strlen(s);
}

/* The decoder of rtl/link/proto.v's INFER_RLE, as plain code. */
static size_t rle_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i]) { if (o < cap) out[o] = in[i]; o++; continue; }
        if (i + 1 >= n) return (size_t)-1;
        for (int k = 0; k <= in[i + 1]; k++) { if (o < cap) out[o] = 0; o++; }
        i++;
    }
    return o;
}

/* q2_host_check_fit of a zeroed model of this topology (q2_qmodel_init: no image needed). */
static int fit(const q2_dev_info *d, int lanes, int n_layers, const int *dims, const char *name)
{
    q2_qmodel q = { 0 };
    int rc = q2_qmodel_init(&q, n_layers, dims, lanes);
    if (!rc) rc = q2_host_check_fit(d, &q, name);
    q2_qmodel_free(&q);
    return rc;
}

/* ---- the infer stream (sw/host/host_infer.c) against scripted answers ---------------------------- */
typedef struct { long idx[8]; int cls[8]; int n, stop_at; } stream_log;

static int log_one(void *ctx, long index, const q2_infer_result *r)
{
    stream_log *L = ctx;
    if (L->n == L->stop_at) return Q2_EVERIFY;
    L->idx[L->n] = index;
    L->cls[L->n++] = r->cls;
    return 0;
}

/* An INFER answer: cycles 100 + cls, class cls of 3, logits with their maximum at cls. */
static void script_infer(uint8_t seq, uint8_t status, int cls)
{
    uint32_t w[6] = { 100u + (uint32_t)cls, (uint32_t)cls, 3, 1, 1, 1 };
    w[3 + cls] = 9;
    script_rsp(Q2P_INFER, seq, status, w, status == Q2S_OK ? 6 : 0, false);
}

static int run_stream(long n, int n_classes, stream_log *L, q2_stream_stats *stat)
{
    static const uint8_t px[4 * 16];
    q2_infer_job job = { .px = px, .npix = 16, .n = n, .first = 40, .n_classes = n_classes,
                         .model_name = "m.q2", .fn = log_one, .ctx = L };
    return q2_host_infer_stream(&host, &job, stat);
}

static void test_infer_stream(void)
{
    printf("infer stream\n");
    stream_log L = { .stop_at = -1 };
    q2_stream_stats stat;
    script_reset(4096);
    script_infer(0, Q2S_OK, 2);
    script_infer(1, Q2S_FRAME_CRC, 0);              /* garbled on the way: resend image 41 */
    script_infer(2, Q2S_OK, 1);
    script_infer(3, Q2S_OK, 0);
    CHECK(run_stream(3, 3, &L, &stat) == 0, "3 images, one FRAME_CRC on the way: ok");
    CHECK(L.n == 3 && L.idx[0] == 40 && L.idx[1] == 41 && L.idx[2] == 42 && L.cls[0] == 2 && L.cls[1] == 1 &&
          L.cls[2] == 0, "  ... every answer handed over once, in order, with its index");
    CHECK(stat.done == 3 && stat.retries == 1 && stat.window == 1 && stat.bytes_up == st.in_len,
          "  ... stats: done 3, 1 retry, window 1, every byte counted");

    L = (stream_log){ .stop_at = -1 };
    script_reset(4096);
    for (uint8_t k = 0; k < 4; k++) script_infer(k, Q2S_TIMEOUT, 0);
    CHECK(run_stream(2, 3, &L, &stat) == Q2_EDEVICE && L.n == 0, "TIMEOUT past the retry budget (2): Q2_EDEVICE");

    L = (stream_log){ .stop_at = -1 };
    script_reset(4096);
    script_infer(0, Q2S_OK, 1);
    CHECK(run_stream(1, 10, &L, &stat) == Q2_EDEVICE && L.n == 0, "3 classes answered, the model has 10: Q2_EDEVICE");

    L = (stream_log){ .stop_at = 1 };
    script_reset(4096);
    script_infer(0, Q2S_OK, 1);
    script_infer(1, Q2S_OK, 1);
    CHECK(run_stream(2, 0, &L, &stat) == Q2_EVERIFY && L.n == 1 && stat.done == 1,
          "the callback's nonzero return stops the stream and is returned");

    L = (stream_log){ .stop_at = -1 };
    script_reset(4096);
    script_infer(0, Q2S_NO_MODEL, 0);
    CHECK(run_stream(1, 0, &L, &stat) == Q2_EDEVICE && L.n == 0, "a device error (NO_MODEL) is not retried");
}

/* ---- the steps ------------------------------------------------------------------------------ */
static void test_frames(void)
{
    printf("CRC-16 and request frames\n");
    CHECK(q2_crc16_update(0xFFFF, "123456789", 9) == 0x29B1, "CRC-16/CCITT-FALSE(\"123456789\") = 0x29B1");
    uint8_t fr[64], pay[3] = { 1, 2, 3 };
    size_t n = q2_frame_build(fr, Q2P_LOAD, 0x42, pay, 3);
    CHECK(n == 10 && fr[0] == 0xA5 && fr[1] == 0x10 && fr[2] == 0x42 && fr[3] == 3 && fr[4] == 0 &&
          fr[5] == 1 && fr[7] == 3, "frame: A5 cmd seq len_lo len_hi payload");
    CHECK(q2_rd16(fr + 8) == q2_crc16_update(0xFFFF, fr + 1, 7), "frame: CRC-16 over cmd..payload, little-endian");
    n = q2_frame_build(fr, Q2P_INFO, 7, NULL, 0);
    CHECK(n == 7, "an empty payload makes a 7-byte frame");
}

static void test_parser(void)
{
    printf("response parser\n");
    q2_frame f;
    uint32_t w[3] = { 0x11223344, 5, 0xFFFFFFFF };
    script_reset(1);                                /* one byte per read: every split */
    script_junk("\x01\x5a\x99junk");
    script_rsp(Q2P_VERIFY, 9, 0, w, 3, true);       /* bad CRC: skipped */
    script_rsp(Q2P_VERIFY, 10, 0, w, 3, false);
    CHECK(q2_host_recv(&host, &f, 1.0) == 1, "a frame after junk, a false sync and a bad-CRC frame");
    CHECK(f.cmd == Q2P_VERIFY && f.seq == 10 && f.status == 0 && f.n_words == 3 && f.w[0] == 0x11223344 &&
          f.w[2] == 0xFFFFFFFF, "  ... with its fields and words");
    CHECK(host.bytes_up == st.in_len, "  ... every byte counted (%llu)", (unsigned long long)host.bytes_up);
    CHECK(q2_host_recv(&host, &f, 0.01) == 0, "nothing more: timeout returns 0");

    script_reset(4096);
    script_rsp(Q2P_INFO, 0x33, 0, w, 1, false);     /* stray: another seq */
    script_rsp(Q2P_STATUS, 0x34, Q2S_FRAME_CRC, NULL, 0, false);
    host.seq = 0x34;
    script_rsp(Q2P_STATUS, 0x35, 0, (uint32_t[5]){ 0x2, 0xC0FFEE, 100, 7, 0x104 }, 5, false);
    q2_dev_status ds;
    CHECK(q2_host_status(&host, &ds) == 0, "STATUS: a stray frame skipped, FRAME_CRC retried");
    CHECK(ds.model_valid && ds.crc == 0xC0FFEE && ds.model_bytes == 100 && ds.uptime_cycles == 7 &&
          host.retries_used == 1 && host.stray_frames == 1, "  ... fields decoded, 1 retry, 1 stray");
    CHECK(ds.errors == 4, "  ... the 8-bit error counter of STATS");
    q2_dev_info di = { .clock_hz = 12000000 };
    CHECK(q2_host_device_seconds(&di, 0xFFFFFF00u, 0x00000100u, 0.01) * 12e6 == 512.0,
          "uptime difference across the 2^32 wrap");
    CHECK(q2_host_device_seconds(&di, 5, 6, 400.0) == 400.0, "  ... wall time once a wrap may have passed");
    CHECK(st.out_len == 2 * 7, "  ... an error reply needs no resync: 2 frames sent, %zu bytes", st.out_len);

    script_reset(4096);
    CHECK(q2_host_status(&host, &ds) == Q2_EDEVICE, "no response at all: Q2_EDEVICE after the retries");
    bool burst = true;
    for (size_t i = 7; i < 7 + 4104 && i < st.out_len; i++) burst &= st.out[i] == 0;
    CHECK(st.out_len == 3 * 7 + 2 * 4104 && burst, "  ... each retry after silence preceded by a zero burst (%zu bytes)",
          st.out_len);
}

static void test_rle(void)
{
    printf("zero-run-length images\n");
    q2_rng rng;
    q2_rng_init(&rng, 5);
    bool all = true;
    size_t worst = 0;
    for (int t = 0; t < 300; t++) {
        uint8_t px[784], enc[2048], dec[784];
        int density = (int)q2_rng_below(&rng, 101);
        for (int i = 0; i < 784; i++) px[i] = (int)q2_rng_below(&rng, 100) < density ? (uint8_t)q2_rng_below(&rng, 256) : 0;
        if (t == 0) memset(px, 0, sizeof px);
        size_t m = q2_rle_encode(px, 784, enc, sizeof enc);
        all &= m > 0 && rle_decode(enc, m, dec, sizeof dec) == 784 && !memcmp(dec, px, 784);
        if (m > worst) worst = m;
    }
    CHECK(all, "300 random images (0..100%% zeros, one all-zero) decode to themselves");
    CHECK(worst <= 784 + 784 / 2 + 2, "worst case stays bounded (%zu bytes)", worst);
    uint8_t zeros[784] = { 0 }, enc[16];
    CHECK(q2_rle_encode(zeros, 784, enc, sizeof enc) == 8, "784 zeros -> 4 runs of <= 256 = 8 bytes");
    CHECK(q2_rle_encode(zeros, 784, enc, 7) == 0, "too small an output buffer: 0");
}

static void test_window(void)
{
    printf("pipelining window\n");
    script_reset(1);
    host.have_info = true;
    host.info.rxbuf_bytes = 2048;
    host.info.rec_bytes = 5;
    CHECK(q2_host_window(&host, 784) == 3, "784-byte images, 2 KiB ring: 2 records of 789 waiting + 1 executing = 3");
    CHECK(q2_host_window(&host, 200) == 10, "small frames (RLE): 2048 / 205 + 1 = 10");
    CHECK(q2_host_window(&host, 50) == Q2_HOST_MAX_WINDOW, "tiny frames: capped at Q2_HOST_MAX_WINDOW");
    CHECK(q2_host_window(&host, 1019) == 3, "largest LOAD chunk (1019 + 5 = 1 KiB records): 3");
    CHECK(q2_host_window(&host, 2043) == 2, "a record as big as the ring: 2");
    /* the infer stream counts ring bytes: the same limit for frames of one size */
    int n = 0;
    while (q2_host_ring_fits(&host, n, (size_t)n * 789, 789, 789)) n++;
    CHECK(n == 3, "ring bytes, 789-byte records: 3 in flight (%d)", n);
    CHECK(q2_host_ring_fits(&host, 0, 0, 0, 5000), "nothing in flight: any frame may go");
    CHECK(q2_host_ring_fits(&host, 9, 9 * 205, 205, 205), "9 RLE frames of 205 in flight: a 10th fits");
    CHECK(!q2_host_ring_fits(&host, 10, 10 * 205, 205, 205), "10 in flight: an 11th does not");
    CHECK(!q2_host_ring_fits(&host, 2, 1100, 100, 1100), "1,100 ring bytes behind 1,000 waiting: waits");
    CHECK(q2_host_ring_fits(&host, 1, 100, 100, 2000), "2,000 ring bytes behind the one executing: fits");
    CHECK(!q2_host_ring_fits(&host, Q2_HOST_MAX_WINDOW, 0, 0, 1), "never more than Q2_HOST_MAX_WINDOW");
    uint8_t px[784] = { 0 };
    px[100] = 7;
    CHECK(q2_host_infer_payload(px, 784, false) == 784, "raw payload: the pixels");
    CHECK(q2_host_infer_payload(px, 784, true) == 9, "RLE payload of one pixel in zeros: 2 + 1 + 6 = 9 bytes");
}

static void test_fit(void)
{
    printf("model fit\n");
    q2_dev_info d = { .lanes = 32, .wmem_bytes = 131072, .pmem_neurons = 1024, .abuf_bytes = 1024 };
    const int tiny[] = { 784, 64, 10 }, paper[] = { 784, 512, 512, 10 }, wide[] = { 784, 2048, 10 },
              many[] = { 784, 300, 300, 300, 300, 10 }, classes[] = { 784, 300 };
    CHECK(fit(&d, 32, 2, tiny, "tiny") == 0, "784-64-10 at 32 lanes fits 128 KB");
    CHECK(fit(&d, 16, 2, tiny, "tiny16") == Q2_EARG, "16 lanes on a 32-lane device: refused");
    CHECK(fit(&d, 32, 3, paper, "paper") == Q2_EARG, "784-512-512-10 (169,984 weight bytes) > 128 KB: refused");
    d.wmem_bytes = 262144;
    d.pmem_neurons = 2048;
    CHECK(fit(&d, 32, 3, paper, "paper") == 0, "  ... fits 256 KB / 2048 neurons");
    d.wmem_bytes = 1u << 20;
    d.pmem_neurons = 4096;
    CHECK(fit(&d, 32, 2, wide, "wide") == Q2_EARG, "a 2048-wide hidden layer > 1024-byte buffers: refused");
    d.wmem_bytes = 262144;
    d.pmem_neurons = 1024;
    CHECK(fit(&d, 32, 5, many, "many") == Q2_EARG, "1210 neurons > 1024 records: refused");
    q2_caps caps = { 32, 262144, 2048, 1024 };
    CHECK(q2_qmodel_fits(1, classes, 32, &caps, "classes") == Q2_EARG, "300 classes > the argmax's 256: refused");
}

int main(void)
{
    test_frames();
    test_parser();
    test_rle();
    test_window();
    test_fit();
    test_infer_stream();
    return check_summary();
}
