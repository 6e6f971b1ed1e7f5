/* protofuzz.c — q2mlp-protofuzz: a bounded, seeded protocol fuzzer against q2mlp-board-sim. It
 * loads a model, then sends N cases of random and mutated request frames and predicts every
 * answer from docs/protocol.md (status, cmd, seq, word count, and the words it can know: INFO's
 * constants, STATUS's model state and error counter, VERIFY's CRC, INFER's class and logits from
 * q2_qmodel_forward_ref). Any answer missing by its deadline, wrong, late (after its deadline) or
 * unexpected is counted; the counts are printed and any of them makes the exit status 1.
 *
 *   case            sent                                        expected answer
 *   --------------  ------------------------------------------  -------------------------------
 *   simple          INFO / STATUS / VERIFY                      OK, 11 / 5 / 3 words
 *   infer           n_in pixels, raw or zero-run-length coded   OK 3 + N words (or NO_MODEL)
 *   infer-len       raw INFER of another pixel count            ERR_IMAGE, 3 words
 *   infer-rle-bad   random RLE code, or a code ending in 00     ERR_RLE / ERR_IMAGE / OK
 *   bad-crc         a well-formed frame, CRC-16 changed         ERR_FRAME_CRC, no words
 *   unknown         a header with an unknown cmd                ERR_UNKNOWN, no words
 *   length          a header with a length out of range         ERR_LENGTH, no words
 *   offset          LOAD at an offset the device is not at      ERR_OFFSET, 3 words
 *   garbage         bytes without 0xA5                          nothing
 *   burst           2-3 of the above back to back               each answer, in order
 *   truncated       a header and part of its payload            ERR_TIMEOUT (inter-byte timeout)
 *   stall           1-4 header bytes, then silence              nothing; STATS counts it
 *   reset           RESET (then the model is loaded again)      OK, no words; STATS cleared
 *
 * Usage: q2mlp-protofuzz --device sim:PATH --model X.q2 [--cases N] [--seed S] [--verbose]
 * Exit codes: 0 every answer as predicted, 1 a mismatch (or usage), 2 device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host.h"
#include "qmodel/qmodel.h"
#include "base/util.h"

#define MAX_EXPECT 4
#define WALL_SLACK_S 2.0      /* per answer, on top of the line time (the sim runs slower) */
#define SIM_SLOWDOWN 16.0     /* wall seconds per simulated second we tolerate */
#define STALL_WAIT_S 0.8      /* after a stalled header, at least: >> the inter-byte timeout in wall time */
#define STALL_MARGIN 2.5      /* ... and this many times the slowest ERR_TIMEOUT seen (a loaded machine) */

enum { K_SIMPLE, K_INFER, K_INFER_LEN, K_RLE_BAD, K_BAD_CRC, K_UNKNOWN, K_LENGTH, K_OFFSET,
       K_GARBAGE, K_BURST, K_TRUNCATED, K_STALL, K_RESET, K_COUNT };
static const char *kind_name[K_COUNT] = { "simple", "infer", "infer-len", "infer-rle-bad", "bad-crc",
    "unknown", "length", "offset", "garbage", "burst", "truncated", "stall", "reset" };
/* per mille of the cases */
static const int kind_weight[K_COUNT] = { 160, 200, 50, 50, 120, 80, 80, 50, 60, 110, 20, 10, 10 };

typedef struct {
    uint8_t cmd, seq, status;
    int n_words;
    bool last_in_burst;       /* STATUS: the error counter is only known for the last frame */
    int cls;                  /* INFER OK: the C model's answer */
    int32_t logits[256];
} expect;

typedef struct {
    q2_host h;
    q2_rng rng;
    q2_qmodel q;
    q2_dev_info info;
    bool verbose, model_valid;
    unsigned errors;          /* predicted STATS error counter */
    uint32_t uptime;
    int n_in, n_classes;
    /* the case being built */
    uint8_t out[8192];
    size_t out_len;
    expect e[MAX_EXPECT];
    int ne;
    double extra_s;           /* more time for the answers (inter-byte timeout) */
    bool after_stall;
    double timeout_wall_s;    /* the slowest inter-byte timeout seen, in wall seconds (ERR_TIMEOUT) */
    /* counts */
    long cases, frames, answers, missing, wrong, late, extra, by_kind[K_COUNT];
} fuzz;

/* ---- predictions ------------------------------------------------------------------------------ */
/* The words of a zero-run-length code, decoded as the executor does: the status it ends with. */
static int rle_predict(const fuzz *z, const uint8_t *code, size_t n, uint8_t *px)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t run = 1;
        uint8_t v = code[i];
        if (v == 0) {
            if (i + 1 == n) return Q2S_RLE;
            run = (size_t)code[++i] + 1;
        }
        for (size_t r = 0; r < run; r++) {
            if (k == (size_t)z->n_in) return Q2S_IMAGE;
            px[k++] = v;
        }
    }
    return k == (size_t)z->n_in ? Q2S_OK : Q2S_IMAGE;
}

static void expect_infer(fuzz *z, expect *e, int status, const uint8_t *px)
{
    e->status = (uint8_t)(z->model_valid ? status : Q2S_NO_MODEL);
    e->n_words = 3;
    if (e->status == Q2S_OK) {
        e->cls = q2_qmodel_forward_ref(&z->q, px, e->logits, NULL);
        e->n_words = 3 + z->n_classes;
    }
}

static expect *add_expect(fuzz *z, uint8_t cmd, uint8_t seq, int status, int n_words)
{
    expect *e = &z->e[z->ne++];
    memset(e, 0, sizeof *e);
    e->cmd = cmd & 0x7F;      /* the response's cmd is the request's | 0x80 */
    e->seq = seq;
    e->status = (uint8_t)status;
    e->n_words = n_words;
    if (status >= Q2S_FRAME_CRC && status <= Q2S_OVERFLOW) z->errors++;
    return e;
}

/* Bytes the decoder hunts through must not hold a sync byte. */
static void put_no_sync(fuzz *z, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)q2_rng_below(&z->rng, 256);
        z->out[z->out_len++] = b == Q2P_SYNC_REQ ? 0x00 : b;
    }
}

/* ---- cases ---------------------------------------------------------------------------------- */
static void case_simple(fuzz *z)
{
    static const uint8_t cmds[3] = { Q2P_INFO, Q2P_STATUS, Q2P_VERIFY };
    static const int words[3] = { 11, 5, 3 };
    int k = (int)q2_rng_below(&z->rng, 3);
    uint8_t seq = z->h.seq++;
    z->out_len += q2_frame_build(z->out + z->out_len, cmds[k], seq, NULL, 0);
    add_expect(z, cmds[k], seq, Q2S_OK, words[k]);
}

static void case_infer(fuzz *z, bool wrong_len, bool bad_rle)
{
    uint8_t px[4096], code[4096], dec[4096];
    int n = z->n_in;
    if (wrong_len)
        while (n == z->n_in) n = 1 + (int)q2_rng_below(&z->rng, (uint32_t)z->info.max_payload);
    int zero_pct = (int)q2_rng_below(&z->rng, 100);
    for (int i = 0; i < n; i++)
        px[i] = (int)q2_rng_below(&z->rng, 100) < zero_pct ? 0 : (uint8_t)(1 + q2_rng_below(&z->rng, 255));
    uint8_t seq = z->h.seq++;
    bool rle = bad_rle || (!wrong_len && q2_rng_below(&z->rng, 2));
    size_t m = rle ? q2_rle_encode(px, (size_t)n, code, sizeof code) : 0;
    if (bad_rle && q2_rng_below(&z->rng, 2)) {             /* a valid code of fewer pixels + 00 */
        m = q2_rle_encode(px, (size_t)n / 2, code, sizeof code - 1);
        code[m++] = 0;
    } else if (bad_rle) {                                  /* random bytes */
        m = 1 + q2_rng_below(&z->rng, 400);
        for (size_t i = 0; i < m; i++)
            code[i] = q2_rng_below(&z->rng, 3) ? 0 : (uint8_t)q2_rng_below(&z->rng, 256);
    }
    if (rle && m && m <= (size_t)z->info.max_payload) {
        z->out_len += q2_frame_build(z->out + z->out_len, Q2P_INFER_RLE, seq, code, m);
        int st = rle_predict(z, code, m, dec);
        expect_infer(z, add_expect(z, Q2P_INFER_RLE, seq, Q2S_OK, 0), st, dec);
    } else {
        z->out_len += q2_frame_build(z->out + z->out_len, Q2P_INFER, seq, px, (size_t)n);
        expect_infer(z, add_expect(z, Q2P_INFER, seq, Q2S_OK, 0), n == z->n_in ? Q2S_OK : Q2S_IMAGE, px);
    }
}

static void case_bad_crc(fuzz *z)
{
    static const uint8_t cmds[5] = { Q2P_INFO, Q2P_STATUS, Q2P_LOAD, Q2P_INFER, Q2P_INFER_RLE };
    uint8_t cmd = cmds[q2_rng_below(&z->rng, 5)], pay[1024];
    size_t len = cmd == Q2P_INFO || cmd == Q2P_STATUS ? 0 : 5 + q2_rng_below(&z->rng, 800);
    for (size_t i = 0; i < len; i++) pay[i] = (uint8_t)q2_rng_below(&z->rng, 256);
    uint8_t seq = z->h.seq++;
    size_t n = q2_frame_build(z->out + z->out_len, cmd, seq, pay, len);
    uint16_t flip = (uint16_t)(1 + q2_rng_below(&z->rng, 0xFFFF));
    z->out[z->out_len + n - 2] ^= (uint8_t)flip;
    z->out[z->out_len + n - 1] ^= (uint8_t)(flip >> 8);
    if (q2_rng_below(&z->rng, 2) && len) {                 /* or a payload byte instead */
        z->out[z->out_len + n - 2] ^= (uint8_t)flip;
        z->out[z->out_len + n - 1] ^= (uint8_t)(flip >> 8);
        z->out[z->out_len + Q2P_HDR + q2_rng_below(&z->rng, (uint32_t)len)] ^= (uint8_t)(1 + q2_rng_below(&z->rng, 255));
    }
    z->out_len += n;
    add_expect(z, cmd, seq, Q2S_FRAME_CRC, 0);
}

/* A header only: an unknown cmd, or a length out of range for a known one. */
static void case_header(fuzz *z, bool unknown, bool trailing)
{
    static const uint8_t known[7] = { 0x01, 0x02, 0x03, 0x10, 0x11, 0x20, 0x21 };
    uint8_t cmd;
    unsigned len, maxp = (unsigned)z->info.max_payload;
    if (unknown) {
        bool bad;
        do {
            cmd = (uint8_t)q2_rng_below(&z->rng, 256);
            bad = true;
            for (int k = 0; k < 7; k++) bad = bad && cmd != known[k];
        } while (!bad);
        len = q2_rng_below(&z->rng, 2) ? q2_rng_below(&z->rng, 64) : q2_rng_below(&z->rng, 65536);
    } else {
        cmd = known[q2_rng_below(&z->rng, 7)];
        if (cmd <= Q2P_RESET || cmd == Q2P_VERIFY) len = 1 + q2_rng_below(&z->rng, 65535);
        else if (cmd == Q2P_LOAD) len = q2_rng_below(&z->rng, 2) ? q2_rng_below(&z->rng, 5)
                                                                  : maxp + 1 + q2_rng_below(&z->rng, 65535 - maxp);
        else len = q2_rng_below(&z->rng, 2) ? 0 : maxp + 1 + q2_rng_below(&z->rng, 65535 - maxp);
    }
    uint8_t seq = z->h.seq++, *p = z->out + z->out_len;
    p[0] = Q2P_SYNC_REQ; p[1] = cmd; p[2] = seq;
    q2_wr16(p + 3, (uint16_t)len);
    z->out_len += Q2P_HDR;
    add_expect(z, cmd, seq, unknown ? Q2S_UNKNOWN : Q2S_LENGTH, 0);
    if (trailing) put_no_sync(z, q2_rng_below(&z->rng, 24));   /* hunted through, dropped */
}

static void case_offset(fuzz *z)
{
    uint8_t pay[64];
    size_t len = 5 + q2_rng_below(&z->rng, 60);
    for (size_t i = 0; i < len; i++) pay[i] = (uint8_t)q2_rng_below(&z->rng, 256);
    uint32_t off = q2_rng_below(&z->rng, 2) ? (1u << 24) + q2_rng_below(&z->rng, 1u << 24)
                                            : (uint32_t)z->q.image_len + 1 + q2_rng_below(&z->rng, 1000);
    q2_wr32(pay, off);
    uint8_t seq = z->h.seq++;
    z->out_len += q2_frame_build(z->out + z->out_len, Q2P_LOAD, seq, pay, len);
    add_expect(z, Q2P_LOAD, seq, Q2S_OFFSET, 3);
}

/* A frame that stops: after part of its payload (ERR_TIMEOUT) or inside its header (dropped). */
static void case_stop(fuzz *z, bool in_header)
{
    uint8_t cmd = q2_rng_below(&z->rng, 2) ? Q2P_INFER : Q2P_LOAD, pay[800];
    size_t len = 5 + q2_rng_below(&z->rng, 700);
    for (size_t i = 0; i < len; i++) pay[i] = (uint8_t)q2_rng_below(&z->rng, 256);
    uint8_t seq = z->h.seq++;
    size_t n = q2_frame_build(z->out + z->out_len, cmd, seq, pay, len);
    if (in_header) {
        z->out_len += 1 + q2_rng_below(&z->rng, Q2P_HDR - 1);
        z->errors++;                                       /* dropped unanswered, counted */
        z->after_stall = true;
        return;
    }
    z->out_len += Q2P_HDR + q2_rng_below(&z->rng, (uint32_t)(n - Q2P_HDR));
    add_expect(z, cmd, seq, Q2S_TIMEOUT, 0);
    /* the device drops it after 1 to 1.25 x TIMEOUT_BITS bit times */
    z->extra_s += 1.25 * z->info.timeout_bits / (z->h.o.baud > 0 ? z->h.o.baud : 1) * SIM_SLOWDOWN + 1.0;
}

static void build_case(fuzz *z, int kind)
{
    switch (kind) {
    case K_SIMPLE: case_simple(z); break;
    case K_INFER: case_infer(z, false, false); break;
    case K_INFER_LEN: case_infer(z, true, false); break;
    case K_RLE_BAD: case_infer(z, false, true); break;
    case K_BAD_CRC: case_bad_crc(z); break;
    case K_UNKNOWN: case_header(z, true, true); break;
    case K_LENGTH: case_header(z, false, true); break;
    case K_OFFSET: case_offset(z); break;
    case K_GARBAGE: put_no_sync(z, 1 + q2_rng_below(&z->rng, 300)); break;
    case K_TRUNCATED: case_stop(z, false); break;
    case K_STALL: case_stop(z, true); break;
    case K_RESET: {
        uint8_t seq = z->h.seq++;
        z->out_len += q2_frame_build(z->out + z->out_len, Q2P_RESET, seq, NULL, 0);
        add_expect(z, Q2P_RESET, seq, Q2S_OK, 0);
        z->model_valid = false;
        break;
    }
    case K_BURST: {
        int m = 2 + (int)q2_rng_below(&z->rng, 2);
        static const int parts[6] = { K_SIMPLE, K_INFER, K_BAD_CRC, K_UNKNOWN, K_OFFSET, K_INFER_LEN };
        for (int i = 0; i < m; i++) {
            int k = parts[q2_rng_below(&z->rng, 6)];
            if (k == K_UNKNOWN) case_header(z, true, false);
            else build_case(z, k);
        }
        z->e[z->ne - 1].last_in_burst = true;
        break;
    }
    }
}

/* ---- checking --------------------------------------------------------------------------------- */
static bool words_ok(fuzz *z, const expect *e, const q2_frame *f, char *why, size_t cap)
{
    if (f->status != e->status || f->n_words != e->n_words) {
        snprintf(why, cap, "status %s with %d words, predicted %s with %d", q2_status_name(f->status),
                 f->n_words, q2_status_name(e->status), e->n_words);
        return false;
    }
    if (e->status != Q2S_OK) return true;
    if (e->cmd == Q2P_INFO && f->w[0] != z->info.id) {
        snprintf(why, cap, "INFO id 0x%08x", (unsigned)f->w[0]);
        return false;
    }
    if (e->cmd == Q2P_STATUS || e->cmd == Q2P_VERIFY) {
        bool valid = (f->w[0] >> 1) & 1;
        if (valid != z->model_valid || (valid && (f->w[1] != z->q.crc || f->w[2] != z->q.image_len))) {
            snprintf(why, cap, "model_valid %d crc 0x%08x bytes %u, predicted %d", valid, (unsigned)f->w[1],
                     (unsigned)f->w[2], z->model_valid);
            return false;
        }
    }
    if (e->cmd == Q2P_STATUS) {
        uint32_t up = f->w[3];
        bool stats_known = e->last_in_burst || z->ne == 1;
        if ((stats_known && (f->w[4] & 0xFF) != (z->errors & 0xFF)) || (uint32_t)(up - z->uptime) >= (1u << 31)) {
            snprintf(why, cap, "errors %u (predicted %u), uptime %u after %u", (unsigned)(f->w[4] & 0xFF),
                     z->errors & 0xFF, (unsigned)up, (unsigned)z->uptime);
            return false;
        }
        z->uptime = up;
    }
    if (e->cmd == Q2P_INFER || e->cmd == Q2P_INFER_RLE) {
        bool same = (int)f->w[1] == e->cls && (int)f->w[2] == z->n_classes;
        for (int k = 0; same && k < z->n_classes; k++) same = (int32_t)f->w[3 + k] == e->logits[k];
        if (!same) {
            snprintf(why, cap, "class %u of %u, C model %d (or a logit differs)", (unsigned)f->w[1],
                     (unsigned)f->w[2], e->cls);
            return false;
        }
    }
    return true;
}

/* Send the case, collect its answers in order by their deadline. */
static int run_case(fuzz *z, int kind)
{
    double t_sent = q2_now();
    int rc = q2_host_send_bytes(&z->h, z->out, z->out_len);
    if (rc) return rc;
    size_t rsp_bytes = 0;
    for (int i = 0; i < z->ne; i++) rsp_bytes += Q2P_OVERHEAD + 1 + 4 * (size_t)z->e[i].n_words;
    double deadline = q2_now() + WALL_SLACK_S + z->extra_s +
                      SIM_SLOWDOWN * q2_host_line_time(&z->h, z->out_len + rsp_bytes);
    for (int i = 0; i < z->ne; i++) {
        const expect *e = &z->e[i];
        q2_frame f;
        char why[200];
        bool got = false;
        while (!got) {
            double left = deadline - q2_now();
            int r = left > 0 ? q2_host_recv(&z->h, &f, left) : 0;
            if (r < 0) return r;
            if (r == 0) {
                z->missing++;
                printf("MISSING  case %ld (%s): no %s seq 0x%02x by its deadline\n", z->cases, kind_name[kind],
                       q2_status_name(e->status), e->seq);
                break;
            }
            z->frames++;
            got = f.seq == e->seq && f.cmd == e->cmd;
            if (got) break;
            bool old = (uint8_t)(e->seq - f.seq) < 128;
            if (old) z->late++; else z->extra++;
            printf("%s case %ld (%s): cmd 0x%02x seq 0x%02x %s, waiting for seq 0x%02x\n", old ? "LATE    " : "EXTRA   ",
                   z->cases, kind_name[kind], f.cmd, f.seq, q2_status_name(f.status), e->seq);
        }
        if (!got) continue;
        z->answers++;
        if (f.status == Q2S_TIMEOUT && q2_now() - t_sent > z->timeout_wall_s) z->timeout_wall_s = q2_now() - t_sent;
        if (!words_ok(z, e, &f, why, sizeof why)) {
            z->wrong++;
            printf("WRONG    case %ld (%s): cmd 0x%02x seq 0x%02x: %s\n", z->cases, kind_name[kind], f.cmd, f.seq, why);
        }
    }
    return 0;
}

/* ---- main ------------------------------------------------------------------------------------- */
/* How long the device's inter-byte timeout takes in wall time here (the simulated board runs
 * slower on a loaded machine): one truncated INFER, timed to its ERR_TIMEOUT. A stalled header
 * gets no answer, so its wait is a multiple of the slowest timeout seen (this and every
 * truncated case). Uses no random numbers: the cases stay those of the seed. */
static int calibrate(fuzz *z)
{
    uint8_t pay[64] = { 0 };
    z->out_len = q2_frame_build(z->out, Q2P_INFER, z->h.seq, pay, sizeof pay) - sizeof pay / 2;
    z->ne = 0;
    z->extra_s = 0;
    add_expect(z, Q2P_INFER, z->h.seq++, Q2S_TIMEOUT, 0);
    z->extra_s = 1.25 * z->info.timeout_bits / (z->h.o.baud > 0 ? z->h.o.baud : 1) * SIM_SLOWDOWN + 1.0;
    int rc = run_case(z, K_TRUNCATED);   /* a missing answer counts as missing */
    z->answers = z->frames = 0;
    return rc;
}

static int reload(fuzz *z)
{
    int rc = q2_host_load(&z->h, z->q.image, z->q.image_len, NULL, NULL);
    if (rc) return rc;
    z->model_valid = true;
    return 0;
}

static int pick_kind(fuzz *z)
{
    int r = (int)q2_rng_below(&z->rng, 1000), k = 0;
    while (k < K_COUNT - 1 && r >= kind_weight[k]) r -= kind_weight[k++];
    return k;
}

static int fuzz_run(fuzz *z, long n_cases)
{
    int rc = 0;
    for (z->cases = 0; z->cases < n_cases && !rc; z->cases++) {
        int kind = pick_kind(z);
        z->out_len = 0;
        z->ne = 0;
        z->extra_s = 0;
        z->after_stall = false;
        build_case(z, kind);
        z->by_kind[kind]++;
        if (z->verbose) printf("case %ld: %s, %zu bytes, %d answers\n", z->cases, kind_name[kind], z->out_len, z->ne);
        rc = run_case(z, kind);
        if (!rc && z->after_stall) {   /* let the RTL's inter-byte timeout drop the header */
            double w = STALL_MARGIN * z->timeout_wall_s > STALL_WAIT_S ? STALL_MARGIN * z->timeout_wall_s : STALL_WAIT_S;
            struct timespec ts = { .tv_sec = (time_t)w, .tv_nsec = (long)((w - (double)(time_t)w) * 1e9) };
            nanosleep(&ts, NULL);
        }
        if (!rc && kind == K_RESET) {
            z->errors = 0;             /* RESET clears STATS */
            rc = reload(z);
        }
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *dev = NULL, *model = NULL;
    long n_cases = 500, seed = 1;
    fuzz *z = calloc(1, sizeof *z);
    if (!z) return 4;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--verbose")) { z->verbose = true; continue; }
        if (i + 1 >= argc) break;
        if (!strcmp(argv[i], "--device")) dev = argv[++i];
        else if (!strcmp(argv[i], "--model")) model = argv[++i];
        else if (!strcmp(argv[i], "--cases")) n_cases = atol(argv[++i]);
        else if (!strcmp(argv[i], "--seed")) seed = atol(argv[++i]);
    }
    if (!dev || !model || n_cases < 1) {
        fprintf(stderr, "usage: q2mlp-protofuzz --device sim:PATH --model X.q2 [--cases N] [--seed S] [--verbose]\n");
        free(z);
        return 1;
    }
    q2_rng_init(&z->rng, (uint64_t)seed);
    q2_host_opts o = { .timeout_s = 2.0, .retries = 0, .baud = 3000000, .latency_ms = 1 };
    int rc = q2_qmodel_load(&z->q, model);
    if (!rc) rc = q2_host_open(&z->h, dev, &o);
    if (rc) goto out_model;
    if ((rc = q2_host_info(&z->h, &z->info)) || (rc = reload(z)) || (rc = calibrate(z))) goto out;
    z->n_in = z->q.layers[0].n_in;
    z->n_classes = z->q.layers[z->q.n_layers - 1].n_out;
    q2_dev_status st;
    if ((rc = q2_host_status(&z->h, &st))) goto out;
    z->errors = st.errors;
    z->uptime = st.uptime_cycles;
    double t0 = q2_now();
    rc = fuzz_run(z, n_cases);
    printf("protofuzz: seed=%ld cases=%ld frames_expected=%ld answers=%ld missing=%ld wrong=%ld late=%ld "
           "extra=%ld malformed=%u garbage_bytes=%u wall_s=%.1f\n", seed, z->cases, z->answers + z->missing,
           z->answers, z->missing, z->wrong, z->late, z->extra, z->h.bad_frames, z->h.garbage_bytes, q2_now() - t0);
    printf("protofuzz: inter-byte timeout %.3f s wall at most; stalled headers waited %.3f s\n", z->timeout_wall_s,
           STALL_MARGIN * z->timeout_wall_s > STALL_WAIT_S ? STALL_MARGIN * z->timeout_wall_s : STALL_WAIT_S);
    printf("protofuzz: cases by kind:");
    for (int k = 0; k < K_COUNT; k++) printf(" %s=%ld", kind_name[k], z->by_kind[k]);
    printf("\n");
out:
    q2_host_close(&z->h);
out_model:
    q2_qmodel_free(&z->q);
    bool clean = !rc && !z->missing && !z->wrong && !z->late && !z->extra && !z->h.bad_frames && !z->h.garbage_bytes;
    free(z);
    if (rc) return q2_exit_code(rc);
    return clean ? 0 : 1;
}
