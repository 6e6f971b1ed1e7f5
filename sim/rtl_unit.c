/* rtl_unit.c — build/sim/rtl-unit: the unit tests of the accelerator RTL on sim/tb_unit.v (one
 * Verilator build: five accel_cores, LANES 8/16/32/64 and 32 with iCE40 SPRAM weights, and one of
 * each block), each checked against a small C model or against q2_qmodel_forward_ref.
 *
 *   rtl-unit [--seed N] [--only REGEX-FREE-SUBSTRING] [--trace FILE.fst]
 *            [+verilator+seed+N +verilator+rand+reset+2]
 *
 * Tests (numbered, one line each: "test <n> <name>: PASSED|FAILED (<checks> checks)"):
 *   crc32      "123456789" and random streams with gaps vs q2_crc32
 *   mac_lane   random clear / accumulate / load / shift vs a C lane; 4096 x (+-765) extremes
 *   requant    ~25,000 random neurons in runs (layers) of logits and of hidden ones vs docs/arithmetic.md in
 *              C, into both depths (DEEP 1: a logit leaves at cycle 2, a hidden neuron at 7; DEEP 0: 1, 5)
 *   argmax     random sets (written in any order, the last index last) with ties (and all at the
 *              smallest sum) vs q2_argmax (lowest index wins), with RD_LAT 1 and 2 (the same writes):
 *              the scan is busy 2n + RD_LAT cycles
 *   wmem       GENERIC, ICE40 and ECP5, 64 x 16K and 16 x 64K: random writes, reads (latency 3; 4 on
 *              ECP5), holds vs an array
 *   uart       uart_rx at 3, 4 and 12 clocks per bit: 1000 bytes (edge cases, 0xFF runs, random;
 *              back to back and with idle gaps) from a sender -2..+2 % off the receiver's rate with
 *              +-5 % jitter on every bit edge: all received, no framing error; a 6 % error is seen;
 *              the jitter each takes is printed. uart_tx at 3 and 4: bits, timing, back to back
 *   core Lnn   per core: registers, every error code, random models (1..8 layers, widths around
 *              LANES, n_in below the drain time) and images vs the reference: every write-back,
 *              CLASS, LOGITs, CYCLES == the sequencer's timing formula; re-START, START in the
 *              cycle of done_o, commands while busy, corrupted images, models too big.
 * Commands are sent with random idle cycles and sometimes back to back (so the loader's own
 * back-pressure is exercised). Ends with "N passed, N failed" (tests); exit 0, or 3 on a failed
 * check, 1 on usage, 4 internal. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_check.h"
#include "core_drv.h"
#include "qmodel/qmodel.h"
#include "testb.h"
#include "base/util.h"

/* ---- checks ------------------------------------------------------------------------------------ */
static testb tb;
static q2_rng rng;
static int n_checks, n_bad;

#define CHECK(cond, ...) check_((cond), __LINE__, __VA_ARGS__)
static bool check_(bool ok, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool check_(bool ok, int line, const char *fmt, ...)
{
    n_checks++;
    if (ok) return true;
    if (++n_bad <= 8) {
        va_list ap;
        va_start(ap, fmt);
        printf("    check %d failed (rtl_unit.c:%d): ", n_checks, line);
        vprintf(fmt, ap);
        printf(" (cycle %" PRIu64 ")\n", tb.cycle);
        va_end(ap);
    }
    return false;
}

static uint32_t below(uint32_t n) { return q2_rng_below(&rng, n); }
static int32_t range(int32_t lo, int32_t hi) { return lo + (int32_t)below((uint32_t)(hi - lo + 1)); }

static vport port(const char *name)
{
    vport v;
    if (tb_port(&tb, name, &v)) exit(Q2_EXIT_INTERNAL);
    return v;
}

static int64_t sext(uint64_t v, int bits) { return (int64_t)(v << (64 - bits)) >> (64 - bits); }

/* ---- crc32 ------------------------------------------------------------------------------------- */
static void test_crc32(void)
{
    vport clr = port("crc_clear_i"), val = port("crc_valid_i"), dat = port("crc_data_i"), out = port("crc_o");
    vp_wr(&clr, 1);
    tb_tick(&tb);
    vp_wr(&clr, 0);
    CHECK(vp_rd(&out) == 0, "crc of no bytes is 0x%08" PRIX64, vp_rd(&out));
    const char *s = "123456789";
    for (int i = 0; s[i]; i++) {
        vp_wr(&val, 1);
        vp_wr(&dat, (uint8_t)s[i]);
        tb_tick(&tb);
    }
    vp_wr(&val, 0);
    CHECK(vp_rd(&out) == 0xCBF43926u, "crc32(\"123456789\") = 0x%08" PRIX64 ", need 0xCBF43926", vp_rd(&out));
    for (int rep = 0; rep < 4; rep++) {
        vp_wr(&clr, 1);
        tb_tick(&tb);
        vp_wr(&clr, 0);
        uint8_t buf[1500];
        int n = 1 + (int)below(sizeof buf);
        for (int i = 0; i < n;) {
            bool v = below(4) != 0;
            uint8_t b = (uint8_t)below(256);
            vp_wr(&val, v);
            vp_wr(&dat, b);
            tb_tick(&tb);
            if (v) buf[i++] = b;
            uint32_t want = q2_crc32(buf, (size_t)i);
            if (!CHECK(vp_rd(&out) == want, "crc after %d bytes 0x%08" PRIX64 ", need 0x%08" PRIX32, i, vp_rd(&out), want))
                break;
        }
        vp_wr(&val, 0);
    }
}

/* ---- mac_lane ------------------------------------------------------------------------------------ */
static void test_mac_lane(void)
{
    vport clr = port("lane_clr_i"), en = port("lane_en_i"), code = port("lane_code_i"), a_i = port("lane_a_i");
    vport a3_i = port("lane_a3_i");
    vport load = port("lane_load_i"), shift = port("lane_shift_i"), shd_i = port("lane_shd_i"), shd_o = port("lane_shd_o");
    const uint32_t M24 = 0xFFFFFFu;
    uint32_t acc = 0, shd = 0;
    int pc = 0, pa = 0;  /* the code and a of the cycle before: the lane adds them a cycle late */
    vp_wr(&code, 0);
    vp_wr(&a_i, 0);
    vp_wr(&a3_i, 0);
    vp_wr(&clr, 1);  /* known state: acc = 0, then shadow = acc */
    vp_wr(&en, 0);
    vp_wr(&shift, 0);
    tb_tick(&tb);
    vp_wr(&load, 1);
    tb_tick(&tb);
    for (int phase = 0; phase < 3; phase++) {
        int cycles = phase == 0 ? 20000 : 4097;
        for (int t = 0; t < cycles; t++) {
            int c, a, cl, e, ld, sh;
            uint32_t si = below(1u << 24);
            if (phase == 0) {  /* random */
                c = (int)below(4), a = (int)below(256), cl = below(50) == 0, e = below(10) < 7;
                ld = below(30) == 0, sh = below(8) == 0;
            } else {           /* the extremes: 4096 x (+3 * 255), then 4096 x (-3 * 255) */
                c = phase == 1 ? 3 : 0, a = 255, cl = t == 0, e = t > 0, ld = 0, sh = 0;
            }
            vp_wr(&clr, (uint64_t)cl);
            vp_wr(&en, (uint64_t)e);
            vp_wr(&code, (uint64_t)c);
            vp_wr(&a_i, (uint64_t)a);
            vp_wr(&a3_i, (uint64_t)(3 * a));
            vp_wr(&load, (uint64_t)ld);
            vp_wr(&shift, (uint64_t)sh);
            vp_wr(&shd_i, si);
            tb_tick(&tb);
            uint32_t acc_old = acc;
            if (cl) acc = 0;
            else if (e) acc = (acc + (uint32_t)((2 * pc - 3) * pa)) & M24;
            pc = c, pa = a;
            if (ld) shd = acc_old;
            else if (sh) shd = si;
            if (!CHECK(vp_rd(&shd_o) == shd, "phase %d step %d: shadow 0x%06" PRIX64 ", need 0x%06" PRIX32, phase, t,
                       vp_rd(&shd_o), shd))
                return;
        }
        /* the sum of the phase, through the shadow register */
        vp_wr(&clr, 0);
        vp_wr(&en, 0);
        vp_wr(&load, 1);
        tb_tick(&tb);
        vp_wr(&load, 0);
        shd = acc;
        int32_t want = phase == 1 ? 4096 * 765 : phase == 2 ? -4096 * 765 : (int32_t)sext(acc, 24);
        CHECK(sext(vp_rd(&shd_o), 24) == want, "phase %d: sum %" PRId64 ", need %" PRId32, phase,
              sext(vp_rd(&shd_o), 24), want);
    }
}

/* ---- requant ------------------------------------------------------------------------------------- */
/* docs/arithmetic.md, literally: p = sum * M; r = floor((p + 2^(S-1)) / 2^S); clamp to 0..255 */
static int requant_ref(int64_t sum, unsigned m, int s)
{
    int64_t p = sum * (int64_t)m, v = p + ((int64_t)1 << (s - 1));
    int64_t r = v >= 0 ? v >> s : -((-(v + 1)) >> s) - 1;
    return r < 0 ? 0 : r > 255 ? 255 : (int)r;
}

typedef struct { bool valid, logit; uint16_t tag; int32_t acc, bias; uint16_t m; uint8_t s; } rq_item;
/* requant.v's two depths (sim/tb_unit.v: u_rq DEEP 1, u_rq0 DEEP 0, the same inputs): the cycle a
 * hidden neuron leaves at (busy_o covers it) and a logit's */
typedef struct { const char *pre; int lat, logit_lat; } rq_depth;
static const rq_depth RQ_DEPTHS[] = {{"rq_", 7, 2}, {"rq0_", 5, 1}};
enum { RQ_LAT_MAX = 7 };

/* Items in runs (layers) of one kind (logit or hidden) with tags whose bits above RQ_KEY_W hold
 * still within a run, and the pipeline empty between runs, as seq keeps it (a layer is flushed
 * before the next one starts). */
enum { RQ_KEY_W = 10 };  /* sim/tb_unit.v: requant's KEY_W */
static void requant_items(rq_item *it, int n)
{
    bool logit = false;
    int left = 0, gap = 0;
    uint16_t run_tag = 0;
    for (int t = 0; t < n; t++) {
        rq_item *x = &it[t];
        if (left == 0) {  /* a new run: maybe the other kind, new run bits; the pipeline drains first */
            logit = below(4) == 0, left = (int)range(1, 60), gap = RQ_LAT_MAX;
            run_tag = (uint16_t)(below(65536) & ~((1u << RQ_KEY_W) - 1));
        }
        if (gap > 0) { gap--; continue; }
        left--;
        if (below(5) == 0) continue;  /* idle cycles inside a run */
        x->valid = true;
        x->logit = logit;
        x->tag = (uint16_t)(run_tag | below(1u << RQ_KEY_W));
        x->acc = below(4) ? range(-200000, 200000) : range(-3133440, 3133440);
        x->bias = below(4) ? range(-50000, 50000) : range(-Q2_BIAS_MAX, Q2_BIAS_MAX);
        uint32_t r = below(10);
        x->m = r == 0 ? 0 : r == 1 ? 65535 : r == 2 ? 1 : (uint16_t)below(65536);
        x->s = below(3) == 0 ? (uint8_t)range(1, 40) : (uint8_t)range(14, 26);
    }
}

typedef struct { vport vo, lo, to, xo, so, busy; int zero, mid, sat, logits; bool failed; } rq_out;

static vport rq_port(const char *pre, const char *name)
{
    char full[32];
    snprintf(full, sizeof full, "%s%s", pre, name);
    return port(full);
}

/* One depth's outputs after the edge that ended step t. */
static void requant_check(const rq_depth *d, rq_out *o, const rq_item *it, int t)
{
    bool any = false;
    for (int k = t - d->lat + 1; k <= t; k++) any |= k >= 0 && it[k].valid;
    CHECK(vp_rd(&o->busy) == any, "%sbusy_o %" PRIu64 " at step %d", d->pre, vp_rd(&o->busy), t);
    int kl = t - d->logit_lat + 1, kh = t - d->lat + 1;  /* who may leave after this edge */
    const rq_item *e = kl >= 0 && it[kl].valid && it[kl].logit ? &it[kl] :
                       kh >= 0 && it[kh].valid && !it[kh].logit ? &it[kh] : NULL;
    if (!CHECK(vp_rd(&o->vo) == (e != NULL), "step %d: %svalid_o %" PRIu64 ", need %d", t, d->pre, vp_rd(&o->vo), e != NULL)) {
        o->failed = true;
        return;
    }
    if (!e) return;
    int64_t sum = (int64_t)e->acc + e->bias;
    CHECK(vp_rd(&o->lo) == e->logit && vp_rd(&o->to) == e->tag, "step %d: %slogit/tag pass-through", t, d->pre);
    if (e->logit) {
        o->logits++;
        CHECK(sext(vp_rd(&o->so), 24) == sum, "step %d: %ssum %" PRId64 ", need %" PRId64, t, d->pre,
              sext(vp_rd(&o->so), 24), sum);
        return;
    }
    int want = requant_ref(sum, e->m, e->s);
    if (!CHECK((int)vp_rd(&o->xo) == want, "step %d: %s acc %" PRId32 " bias %" PRId32 " M %u S %u: a' %" PRIu64 ", need %d",
               t, d->pre, e->acc, e->bias, e->m, e->s, vp_rd(&o->xo), want))
        o->failed = true;
    o->mid += want > 0 && want < 255;
    o->sat += want == 255;
    o->zero += want == 0;
}

/* A hidden neuron leaves lat cycles after valid_i, a logit logit_lat; busy_o covers lat. */
static void test_requant(void)
{
    vport vi = port("rq_valid_i"), li = port("rq_logit_i"), ti = port("rq_tag_i"), ai = port("rq_acc_i");
    vport bi = port("rq_bias_i"), mi = port("rq_m_i"), si = port("rq_s_i");
    enum { N = 40000, ND = (int)(sizeof RQ_DEPTHS / sizeof RQ_DEPTHS[0]) };  /* cycles, ~25,000 with a neuron */
    rq_out out[ND];
    for (int d = 0; d < ND; d++) {
        const char *p = RQ_DEPTHS[d].pre;
        out[d] = (rq_out){rq_port(p, "valid_o"), rq_port(p, "logit_o"), rq_port(p, "tag_o"), rq_port(p, "act_o"),
                          rq_port(p, "sum_o"), rq_port(p, "busy_o"), 0, 0, 0, 0, false};
    }
    rq_item *it = calloc(N + RQ_LAT_MAX + 1, sizeof *it);
    if (!it) exit(Q2_EXIT_INTERNAL);
    requant_items(it, N);
    for (int t = 0; t < N + RQ_LAT_MAX; t++) {
        const rq_item *x = &it[t];
        vp_wr(&vi, x->valid);
        vp_wr(&li, x->logit);
        vp_wr(&ti, x->tag);
        vp_wr(&ai, (uint32_t)x->acc & 0xFFFFFFu);
        vp_wr(&bi, (uint32_t)x->bias & 0xFFFFFFu);  /* the neuron's parameters come with it */
        vp_wr(&mi, x->m);
        vp_wr(&si, x->s);
        tb_tick(&tb);
        bool stop = false;
        for (int d = 0; d < ND; d++) {
            if (!out[d].failed) requant_check(&RQ_DEPTHS[d], &out[d], it, t);
            stop |= out[d].failed;
        }
        if (stop) break;
    }
    for (int d = 0; d < ND; d++) {
        const rq_out *o = &out[d];
        printf("    requant %s outputs: %d zero, %d in 1..254, %d saturated, %d logits\n", RQ_DEPTHS[d].pre, o->zero,
               o->mid, o->sat, o->logits);
        CHECK(o->mid > 1000 && o->sat > 100 && o->zero > 100 && o->logits > 1000,
              "%s: the random neurons cover 0, 1..254, 255 and logits", RQ_DEPTHS[d].pre);
    }
    free(it);
}

/* ---- argmax -------------------------------------------------------------------------------------- */
static void test_argmax(void)
{
    vport v = port("am_valid_i"), last = port("am_last_i"), idx = port("am_idx_i"), val = port("am_val_i");
    vport busy = port("am_busy_o"), out = port("am_idx_o"), busy2 = port("am2_busy_o"), out2 = port("am2_idx_o");
    for (int set = 0; set < 300; set++) {
        int n = set < 3 ? (int[]){1, 2, 256}[set] : 1 + (int)below(256);
        int32_t vals[256];
        int order[256];
        int32_t span = below(2) ? 4 : (1 << 23) - 1;
        for (int i = 0; i < n; i++) vals[i] = span == 4 ? range(-2, 2) : range(-span, span);
        if (set % 7 == 0) for (int i = 0; i < n; i++) vals[i] = -(1 << 23) + 1;  /* all equal, the minimum */
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 2; i > 0; i--) {  /* any order, the last index last (it starts the scan) */
            int j = (int)below((uint32_t)i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int k = 0; k < n;) {
            bool go = below(4) != 0;
            vp_wr(&v, go);
            vp_wr(&last, go && k == n - 1);
            vp_wr(&idx, (uint64_t)order[k]);
            vp_wr(&val, (uint32_t)vals[order[k]] & 0xFFFFFFu);
            tb_tick(&tb);
            if (go && !CHECK(vp_rd(&busy) == (k == n - 1) && vp_rd(&busy2) == vp_rd(&busy),
                             "set %d: busy_o %" PRIu64 " / %" PRIu64 " after write %d of %d", set, vp_rd(&busy),
                             vp_rd(&busy2), k, n))
                return;
            k += go;
        }
        vp_wr(&v, 0);
        vp_wr(&last, 0);
        int cycles[2] = {1, 1}, want = q2_argmax(vals, n);  /* busy_o from the cycle after the last write */
        uint64_t got[2] = {0, 0};
        for (int c = 0; (vp_rd(&busy) || vp_rd(&busy2)) && c < 1000; c++) {
            bool b1 = vp_rd(&busy) != 0, b2 = vp_rd(&busy2) != 0;
            tb_tick(&tb);
            cycles[0] += b1 && vp_rd(&busy) != 0, cycles[1] += b2 && vp_rd(&busy2) != 0;
            if (b1 && !vp_rd(&busy)) got[0] = vp_rd(&out);  /* idx_o from the cycle busy_o falls */
            if (b2 && !vp_rd(&busy2)) got[1] = vp_rd(&out2);
        }
        bool ok = true;
        for (int r = 0; r < 2 && ok; r++)
            ok = CHECK(cycles[r] == 2 * n + 1 + r, "set %d (n %d), RD_LAT %d: busy %d cycles, need %d", set, n, r + 1,
                       cycles[r], 2 * n + 1 + r) &&
                 CHECK((int)got[r] == want, "set %d (n %d), RD_LAT %d: argmax %" PRIu64 ", need %d", set, n, r + 1,
                       got[r], want);
        if (!ok) break;
        for (int k = (int)below(3); k > 0; k--) tb_tick(&tb);
    }
}

/* ---- uart_rx / uart_tx -------------------------------------------------------------------------- */
/* The line a sender drives: its bit period is cpb * (1 + err) cycles of the receiver's clock
 * (err > 0: the sender is slow), and every bit boundary moves by its own uniform jitter of up to
 * +-jit bit periods. level_at() gives the line at the receiver's rising edge `t`. */
enum { UL_MAX_BYTES = 1200 };
typedef struct {
    double t0, period, jit;
    uint8_t bytes[UL_MAX_BYTES];
    int n;
    int gap[UL_MAX_BYTES];          /* idle bit times before byte i */
    double *edge;                   /* (n_bits + 1) boundary times */
    int *bit_level;                 /* (n_bits) the level of each bit time */
    int n_bits, pos;
} uart_line;

static void uart_line_make(uart_line *L, int cpb, double err, double jit, int n, bool gaps)
{
    static const uint8_t edge_cases[] = { 0xFF, 0x00, 0x55, 0xAA, 0x7F, 0xFE, 0x80, 0x01, 0x0F, 0xF0 };
    L->n = n;
    L->period = cpb * (1.0 + err);
    L->jit = jit * L->period;
    L->t0 = 4.0 + q2_rng_uniform(&rng) * cpb;
    L->n_bits = 0;
    for (int i = 0; i < n; i++) {
        L->bytes[i] = i < (int)sizeof edge_cases ? edge_cases[i] : (uint8_t)below(256);
        if (i > 0 && i % 11 == 0) L->bytes[i] = 0xFF;   /* long runs without a falling edge */
        L->gap[i] = gaps && below(4) == 0 ? (int)below(3) : 0;
        L->n_bits += L->gap[i] + 10;
    }
    L->edge = malloc(sizeof(double) * (size_t)(L->n_bits + 1));
    L->bit_level = malloc(sizeof(int) * (size_t)L->n_bits);
    int b = 0;
    for (int i = 0; i < n; i++) {
        for (int g = 0; g < L->gap[i]; g++) L->bit_level[b++] = 1;
        L->bit_level[b++] = 0;
        for (int k = 0; k < 8; k++) L->bit_level[b++] = (L->bytes[i] >> k) & 1;
        L->bit_level[b++] = 1;
    }
    for (int k = 0; k <= L->n_bits; k++)
        L->edge[k] = L->t0 + k * L->period + (2.0 * q2_rng_uniform(&rng) - 1.0) * L->jit;
    L->pos = 0;
}

static int uart_level_at(uart_line *L, double t)
{
    if (t < L->edge[0]) return 1;
    while (L->pos < L->n_bits && t >= L->edge[L->pos + 1]) L->pos++;
    return L->pos >= L->n_bits ? 1 : L->bit_level[L->pos];
}

/* One receiver k (3, 4, 12 clocks per bit) against a line: every byte received, no framing
 * error. Returns the bytes wrong or missing (0 = pass). */
static int uart_rx_run(int k, int cpb, double err, double jit, int n, bool gaps)
{
    vport rx = port("ur_rx_i"), data = port("ur_data_o"), valid = port("ur_valid_o"), ferr = port("ur_ferr_o");
    uart_line L;
    uart_line_make(&L, cpb, err, jit, n, gaps);
    int got = 0, bad = 0, ferrs = 0;
    double end = L.edge[L.n_bits] + 4.0 * cpb;
    for (uint64_t t = 0; (double)t < end; t++) {
        /* the line changes between the clock edges too: set it for the rising edge at t and for
         * the falling one at t + 1/2 (uart_rx samples both) */
        vp_set(&rx, k, 1, (uint64_t)uart_level_at(&L, (double)t));
        tb.cycle++;
        vp_wr(&tb.clk, 1);
        vm_eval(tb.m);
        vp_set(&rx, k, 1, (uint64_t)uart_level_at(&L, (double)t + 0.5));
        vp_wr(&tb.clk, 0);
        vm_eval(tb.m);
        if (vp_get(&ferr, k, 1)) ferrs++;
        if (vp_get(&valid, k, 1)) {
            if (got >= n || vp_get(&data, 8 * k, 8) != L.bytes[got]) bad++;
            got++;
        }
    }
    vp_set(&rx, k, 1, 1);
    free(L.edge);
    free(L.bit_level);
    return bad + ferrs + (got < n ? n - got : 0);
}

/* The transmitter k (3, 4 clocks per bit): bytes offered whenever it is ready (and sometimes
 * late) leave as start, 8 data bits LSB first, stop, each bit exactly cpb cycles; back to back
 * when offered in time (10 * cpb cycles a byte). */
static void uart_tx_run(int k, int cpb)
{
    vport d = port("ut_data_i"), v = port("ut_valid_i"), rdy = port("ut_ready_o"), tx = port("ut_tx_o");
    enum { N = 300 };
    uint8_t want[N];
    int sent = 0, rcv = 0, bad = 0, back_to_back = 0;
    size_t n_lv = (size_t)N * 14 * (size_t)cpb;
    uint8_t *lv = malloc(n_lv);   /* the line after each rising edge */
    for (int i = 0; i < N; i++) want[i] = (uint8_t)below(256);
    for (size_t t = 0; t < n_lv; t++) {
        bool offer = sent < N && below(8) != 0;
        vp_set(&v, k, 1, offer);
        vp_wr(&d, sent < N ? want[sent] : 0);
        bool take = offer && vp_get(&rdy, k, 1);
        tb_tick(&tb);
        sent += take;
        lv[t] = (uint8_t)vp_get(&tx, k, 1);
    }
    vp_set(&v, k, 1, 0);
    /* decode: a start bit is the first low level; every bit is sampled in its middle */
    size_t last = 0;
    for (size_t t = 0; t < n_lv && rcv < N; t++) {
        if (lv[t] || (t && !lv[t - 1])) continue;   /* (the line idles high before t = 0) */
        size_t mid = t + (size_t)cpb / 2;
        if (mid + 9 * (size_t)cpb >= n_lv) break;
        int b = 0;
        for (int i = 0; i < 8; i++) b |= lv[mid + (size_t)(i + 1) * (size_t)cpb] << i;
        bool stop = lv[mid + 9 * (size_t)cpb] && lv[t + 10 * (size_t)cpb - 1];
        bool exact = true;   /* every bit holds for cpb cycles */
        for (int i = 0; i < 10; i++)
            for (int c = 0; c < cpb; c++) {
                int need = i == 0 ? 0 : i == 9 ? 1 : (b >> (i - 1)) & 1;
                exact = exact && lv[t + (size_t)(i * cpb + c)] == need;
            }
        if (!lv[mid] && stop && exact && b == want[rcv]) {
            if (rcv && t - last == (size_t)(10 * cpb)) back_to_back++;
        } else {
            bad++;
        }
        last = t;
        rcv++;
        t += (size_t)(10 * cpb) - 2;
    }
    free(lv);
    CHECK(rcv == N && bad == 0, "uart_tx %d clocks/bit: %d of %d bytes received, %d wrong", cpb, rcv, N, bad);
    CHECK(back_to_back > N / 2, "uart_tx %d clocks/bit: %d bytes back to back (10 x %d cycles)", cpb,
          back_to_back, cpb);
}

static void test_uart(void)
{
    static const int cpbs[3] = { 3, 4, 12 };
    static const double errs[5] = { -0.02, -0.01, 0.0, 0.01, 0.02 };
    const double jit = 0.05;   /* +-5 % of a bit on every edge */
    for (int k = 0; k < 3; k++)
        for (int e = 0; e < 5; e++)
            for (int g = 0; g < 2; g++) {
                int bad = uart_rx_run(k, cpbs[k], errs[e], jit, 1000, g);
                CHECK(bad == 0, "uart_rx %d clocks/bit, sender %+.0f %%, jitter +-%.0f %%, %s: %d bad of 1000",
                      cpbs[k], 100 * errs[e], 100 * jit, g ? "idle gaps" : "back to back", bad);
            }
    /* the check bites: a 10 % rate error breaks the 4-clock receiver (at 6 % it depends on the
     * line's phase: the stop bit is sampled within half a clock of the last data bit's end) */
    CHECK(uart_rx_run(1, 4, 0.10, 0.0, 300, false) > 0, "uart_rx 4 clocks/bit, sender 10 %% slow: errors seen");
    /* how much jitter each receiver takes at +-2 % (informational; the checks above are the contract) */
    for (int k = 0; k < 3; k++) {
        int ok_pct = 0;
        for (int j = 5; j <= 40; j += 5) {
            bool ok = uart_rx_run(k, cpbs[k], 0.02, j / 100.0, 500, false) == 0 &&
                      uart_rx_run(k, cpbs[k], -0.02, j / 100.0, 500, false) == 0;
            if (!ok) break;
            ok_pct = j;
        }
        printf("  uart_rx %d clocks/bit at +-2 %%: passes up to +-%d %% jitter on every edge (5 %% steps)\n",
               cpbs[k], ok_pct);
    }
    uart_tx_run(0, 3);
    uart_tx_run(1, 4);
}

/* ---- wmem ------------------------------------------------------------------------------------------ */
static void test_wmem(void)
{
    vport en = port("wm_en_i"), we = port("wm_we_i"), addr = port("wm_addr_i"), wd = port("wm_wdata_i");
    vport g64 = port("wm_g64_o"), i64 = port("wm_i64_o"), g16 = port("wm_g16_o"), i16 = port("wm_i16_o");
    vport e64 = port("wm_e64_o"), e16 = port("wm_e16_o");
    uint64_t *m64 = calloc(16384, sizeof *m64);
    uint16_t *m16 = calloc(65536, sizeof *m16);
    uint8_t *w64 = calloc(16384, 1), *w16 = calloc(65536, 1);
    if (!m64 || !m16 || !w64 || !w16) exit(Q2_EXIT_INTERNAL);
    /* reads in flight, newest last: pend[k] was issued k + 1 edges before the oldest one's word
     * shows; latency 3 (GENERIC, ICE40) shows pend[1]'s word now, latency 4 (ECP5) pend[0]'s */
    bool have[2] = { false, false };  /* the outputs hold the last read (latency 3, 4) */
    bool pend[3] = { false, false, false };
    uint64_t last64[2] = { 0, 0 }, pend64[3] = { 0, 0, 0 };
    uint16_t last16[2] = { 0, 0 }, pend16[3] = { 0, 0, 0 };
    for (int t = 0; t < 40000; t++) {
        uint32_t op = below(10);
        uint32_t a = t < 2000 ? (uint32_t)t * 37u % 65536u : below(65536);  /* all four rows early */
        uint64_t d = q2_rng_u64(&rng);
        bool write = op < 4 || t < 2000, read = !write && op < 8;
        if (read && !(w64[a & 16383] && w16[a])) read = false, write = true;
        if (write && (pend[0] || pend[1] || pend[2])) write = false;  /* no write while a read is in flight (the core's rule) */
        vp_wr(&en, write || read);
        vp_wr(&we, write);
        vp_wr(&addr, a);
        vp_wr(&wd, d);
        tb_tick(&tb);
        if (write) {
            m64[a & 16383] = d, w64[a & 16383] = 1;
            m16[a] = (uint16_t)d, w16[a] = 1;
            have[0] = have[1] = false;  /* the SPRAM's output is undefined after a write */
        }
        if (pend[1]) last64[0] = pend64[1], last16[0] = pend16[1], have[0] = true;  /* latency 3 */
        if (pend[0]) last64[1] = pend64[0], last16[1] = pend16[0], have[1] = true;  /* latency 4 */
        for (int k = 0; k < 2; k++) pend[k] = pend[k + 1], pend64[k] = pend64[k + 1], pend16[k] = pend16[k + 1];
        pend[2] = read;
        if (read) pend64[2] = m64[a & 16383], pend16[2] = m16[a];
        bool ok = true;
        if (have[0])
            ok = CHECK(vp_rd(&g64) == last64[0] && vp_rd(&i64) == last64[0] && vp_rd(&g16) == last16[0] &&
                           vp_rd(&i16) == last16[0],
                       "%s 0x%04" PRIX32 ": %016" PRIX64 " / %016" PRIX64 ", %04" PRIX64 " / %04" PRIX64
                       ", need %016" PRIX64 ", %04" PRIX16, read ? "read" : "hold", a, vp_rd(&g64), vp_rd(&i64),
                       vp_rd(&g16), vp_rd(&i16), last64[0], last16[0]);
        if (have[1])
            ok &= CHECK(vp_rd(&e64) == last64[1] && vp_rd(&e16) == last16[1],
                        "%s 0x%04" PRIX32 ": ECP5 %016" PRIX64 ", %04" PRIX64 ", need %016" PRIX64 ", %04" PRIX16,
                        read ? "read" : "hold", a, vp_rd(&e64), vp_rd(&e16), last64[1], last16[1]);
        if (!ok) break;
    }
    vp_wr(&en, 0);
    free(m64);
    free(m16);
    free(w64);
    free(w16);
}

/* ---- cores: models ----------------------------------------------------------------------------- */
/* sim/tb_unit.v's cores (L8 and L64 on ECP5, L16 and L32 on GENERIC); rq: requantizer stages,
 * rql: the stage a logit leaves from (requant.v: 7 and 2 with DEEP on GENERIC and ECP5, 5 and 1 on
 * ICE40), aml: the argmax's read latency (2 and 1), wx: weight cycles beyond 3 (1 on ECP5) */
typedef struct { int lanes; uint32_t wmem, pmem, abuf; int rq, rql, aml, wx; } core_cfg;
static const core_cfg CORES[5] = {
    {8, 8192, 256, 256, 7, 2, 2, 1}, {16, 8192, 256, 256, 7, 2, 2, 0}, {32, 8192, 256, 256, 7, 2, 2, 0},
    {64, 8192, 256, 256, 7, 2, 2, 1}, {32, 131072, 256, 256, 5, 1, 1, 0},
};

static uint32_t weight_bytes(int nl, const int *dims, int lanes)
{
    uint32_t b = 0;
    for (int l = 0; l < nl; l++) b += (uint32_t)((dims[l + 1] + lanes - 1) / lanes) * (uint32_t)dims[l] * (uint32_t)(lanes / 4);
    return b;
}

static bool fits(const core_cfg *c, int nl, const int *dims)
{
    int sum = 0;
    if (dims[0] > (int)c->abuf) return false;
    for (int l = 0; l < nl; l++) {
        sum += dims[l + 1];
        if (l < nl - 1 && dims[l + 1] > (int)c->abuf) return false;
    }
    return dims[nl] <= 256 && sum <= (int)c->pmem && weight_bytes(nl, dims, c->lanes) <= c->wmem;
}

/* Values that make the requantizer's outputs spread over 0..255, with the extremes mixed in. */
static void fill_model(q2_qmodel *q)
{
    for (int l = 0; l < q->n_layers; l++) {
        q2_qlayer *L = &q->layers[l];
        bool hidden = l < q->n_layers - 1;
        double scale = 200.0 * (1.0 + L->n_in / 4.0) + 1.0;  /* rough |acc| */
        for (int j = 0; j < L->n_out; j++) {
            uint32_t r = below(20);
            L->bias[j] = r == 0 ? Q2_BIAS_MAX : r == 1 ? -Q2_BIAS_MAX : r < 4 ? range(-1000000, 1000000) : range(-(int32_t)scale, (int32_t)scale);
            for (int i = 0; i < L->n_in; i++) L->codes[(size_t)j * (size_t)L->n_in + (size_t)i] = (uint8_t)below(4);
            if (!hidden) continue;
            r = below(20);
            if (r == 0) L->m[j] = 0, L->s[j] = (uint8_t)range(1, 40);
            else if (r == 1) L->m[j] = 65535, L->s[j] = 1;
            else if (r == 2) L->m[j] = (uint16_t)below(65536), L->s[j] = 40;
            else {
                int s = range(12, 24);
                double m = 400.0 * (double)(1 << s) / scale * (0.5 + q2_rng_uniform(&rng));
                L->s[j] = (uint8_t)s;
                L->m[j] = (uint16_t)(m > 65535 ? 65535 : m);
            }
        }
    }
}

static int make_model(q2_qmodel *q, int nl, const int *dims, int lanes)
{
    int rc = q2_qmodel_init(q, nl, dims, lanes);
    if (rc) return rc;
    fill_model(q);
    rc = q2_qmodel_encode(q);
    if (rc) q2_qmodel_free(q);
    return rc;
}

/* A random topology that fits core c; `kind` picks special shapes first. */
static void random_dims(const core_cfg *c, int kind, int *nl, int *dims)
{
    const int L = c->lanes;
    for (;;) {
        switch (kind) {
        case 0: *nl = 1, dims[0] = range(1, 64), dims[1] = range(1, 40); break;             /* one layer */
        case 1: *nl = 8; for (int l = 0; l <= 8; l++) dims[l] = range(1, 24); break;         /* eight layers */
        case 2: *nl = 3, dims[0] = 1 + (int)below(6), dims[1] = L + 1, dims[2] = L, dims[3] = 1; break; /* stalls */
        case 3: *nl = 2, dims[0] = (int)c->abuf, dims[1] = L, dims[2] = range(1, 10); break; /* widest input */
        case 4: *nl = 2, dims[0] = range(1, 40), dims[1] = range(1, 40), dims[2] = range(2, 12); break; /* ties */
        default:
            *nl = range(1, 4);
            dims[0] = range(1, 120);
            for (int l = 1; l < *nl; l++) dims[l] = below(4) == 0 ? range(1, L + 4) : range(1, 100);
            dims[*nl] = range(1, 20);
        }
        if (fits(c, *nl, dims)) return;
        kind = 9;
    }
}

static void random_image(uint8_t *x, int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t r = below(10);
        x[i] = r < 3 ? 0 : r == 3 ? 255 : (uint8_t)below(256);
    }
}

/* ---- cores: helpers ----------------------------------------------------------------------------- */
static int status_err(core_drv *d) { return (int)Q2_STATUS_ERR(core_read(d, Q2_REG_STATUS)); }

static void expect_err(core_drv *d, int op, int data, int want, const char *what)
{
    CHECK(core_cmd(d, op, data) == 0, "%s: command not taken", what);
    int e = status_err(d);
    CHECK(e == want, "%s: err %d, need %d", what, e, want);
    core_cmd(d, Q2_OP_CLEAR_ERR, 0);
    CHECK(status_err(d) == Q2_ERR_OK, "%s: CLEAR_ERR", what);
}

/* Load, and check what the registers say afterwards. */
static bool load_ok(core_drv *d, const q2_qmodel *q, const char *what)
{
    int rc = core_load_model(d, q->image, q->image_len);
    bool ok = CHECK(rc == 0, "%s: load: err %d", what, rc);
    uint32_t st = core_read(d, Q2_REG_STATUS), crc = core_read(d, Q2_REG_CRC), nb = core_read(d, Q2_REG_MODEL_BYTES);
    uint32_t nc = core_read(d, Q2_REG_N_CLASSES);
    ok &= CHECK((st & Q2_STATUS_MODEL_VALID) && !(st & Q2_STATUS_IMAGE_COMPLETE), "%s: STATUS 0x%03" PRIX32, what, st);
    ok &= CHECK(crc == q->crc && nb == q->image_len, "%s: CRC 0x%08" PRIX32 " MODEL_BYTES %" PRIu32 ", need 0x%08" PRIX32 " %zu",
                what, crc, nb, q->crc, q->image_len);
    ok &= CHECK(nc == (uint32_t)q2_qmodel_n_classes(q), "%s: N_CLASSES %" PRIu32, what, nc);
    return ok;
}

/* One image: send, run, compare everything (and CYCLES with the timing formula). */
static long n_act[3];  /* hidden activations checked: 0, 1..254, 255 */

static bool infer_ok(core_drv *d, core_check *chk, const uint8_t *x, bool send, const char *what)
{
    const q2_qmodel *q = chk->q;
    core_check_image(chk, chk->image + 1, x);
    for (int l = 0; l < q->n_layers - 1; l++)
        for (int j = 0; j < q->layers[l].n_out; j++) n_act[chk->hidden[l][j] == 0 ? 0 : chk->hidden[l][j] == 255 ? 2 : 1]++;
    if (send) {
        CHECK(core_send_image(d, x, q->layers[0].n_in) == 0, "%s: image not taken", what);
        CHECK(core_read(d, Q2_REG_STATUS) & Q2_STATUS_IMAGE_COMPLETE, "%s: image_complete", what);
    }
    uint64_t cyc = 0, want = core_expected_cycles(q, CORES[d->k].rq, CORES[d->k].rql, CORES[d->k].aml, CORES[d->k].wx);
    int rc = core_run(d, 20 * core_ideal_cycles(q) + 10000, &cyc);
    bool ok = CHECK(rc == 0, "%s: run: %s", what, chk->bad ? chk->what : "no done_o");
    ok = ok && CHECK(core_check_done(chk, d, cyc), "%s: %s", what, chk->what);
    ok = ok && CHECK(cyc == want, "%s: CYCLES %" PRIu64 ", the sequencer's timing gives %" PRIu64, what, cyc, want);
    return ok;
}

/* ---- cores: the tests ---------------------------------------------------------------------------- */
static void core_registers(core_drv *d, const core_cfg *c)
{
    static const struct { int addr; uint32_t want; } regs[] = {
        {Q2_REG_ID, Q2_CORE_ID}, {Q2_REG_HW_VERSION, Q2_CORE_HW_VERSION}, {Q2_REG_STATUS, 0}, {Q2_REG_CRC, 0},
        {Q2_REG_MODEL_BYTES, 0}, {Q2_REG_N_CLASSES, 0}, {0x00C, 0}, {0x0FF, 0}, {Q2_REG_LOGIT0, 0},
        {Q2_REG_LOGIT0 + 255, 0},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        uint32_t v = core_read(d, regs[i].addr);
        CHECK(v == regs[i].want, "register 0x%03X after reset: 0x%08" PRIX32 ", need 0x%08" PRIX32, regs[i].addr, v, regs[i].want);
    }
    CHECK(core_read(d, Q2_REG_LANES) == (uint32_t)c->lanes, "LANES");
    CHECK(core_read(d, Q2_REG_WMEM_BYTES) == c->wmem, "WMEM_BYTES");
    CHECK(core_read(d, Q2_REG_PMEM_NEURONS) == c->pmem, "PMEM_NEURONS");
    CHECK(core_read(d, Q2_REG_ABUF_BYTES) == c->abuf, "ABUF_BYTES");
}

static void core_no_model(core_drv *d)
{
    expect_err(d, Q2_OP_IMAGE_BEGIN, 0, Q2_ERR_NO_MODEL, "IMAGE_BEGIN without a model");
    expect_err(d, Q2_OP_IMAGE_DATA, 7, Q2_ERR_NO_MODEL, "IMAGE_DATA without a model");
    expect_err(d, Q2_OP_START, 0, Q2_ERR_NO_MODEL, "START without a model");
    expect_err(d, Q2_OP_MODEL_DATA, 0x51, Q2_ERR_SEQ, "MODEL_DATA without MODEL_BEGIN");
    expect_err(d, 6, 0, Q2_ERR_BAD_OP, "op 6");
    expect_err(d, 7, 0, Q2_ERR_BAD_OP, "op 7");
    core_cmd(d, 6, 0);
    core_cmd(d, Q2_OP_START, 0);
    CHECK(status_err(d) == Q2_ERR_NO_MODEL, "the latest error wins");
    core_cmd(d, Q2_OP_CLEAR_ERR, 0);
}

static void core_models(core_drv *d, const core_cfg *c, int n_models, q2_qmodel *keep)
{
    for (int m = 0; m < n_models; m++) {
        int nl, dims[Q2_MAX_LAYERS + 1];
        random_dims(c, m, &nl, dims);
        q2_qmodel q;
        if (make_model(&q, nl, dims, c->lanes)) exit(Q2_EXIT_INTERNAL);
        if (m == 4) {  /* every last-layer neuron a copy of neuron 0: all logits tie, class 0 */
            q2_qlayer *Ll = &q.layers[nl - 1];
            for (int j = 1; j < Ll->n_out; j++) {
                Ll->bias[j] = Ll->bias[0];
                memcpy(Ll->codes + (size_t)j * (size_t)Ll->n_in, Ll->codes, (size_t)Ll->n_in);
            }
            if (q2_qmodel_encode(&q)) exit(Q2_EXIT_INTERNAL);
        }
        char what[96];
        int w = snprintf(what, sizeof what, "model %d (", m);
        for (int l = 0; l <= nl && w < (int)sizeof what - 8; l++) w += snprintf(what + w, sizeof what - (size_t)w, "%s%d", l ? "-" : "", dims[l]);
        snprintf(what + w, sizeof what - (size_t)w, ")");
        d->idle_pct = m % 3 == 1 ? 0 : 30;  /* back to back: the loader's stall is the only back-pressure */
        if (!load_ok(d, &q, what)) {
            q2_qmodel_free(&q);
            continue;
        }
        core_check chk;
        if (core_check_init(&chk, &q)) exit(Q2_EXIT_INTERNAL);
        d->on_wb = core_check_wb;
        d->wb_ctx = &chk;
        uint8_t x[256];
        for (int i = 0; i < 3; i++) {
            random_image(x, dims[0]);
            if (!infer_ok(d, &chk, x, true, what)) break;
            if (i == 0) {
                infer_ok(d, &chk, x, false, "re-START without a new image");
                /* START taken in the very cycle of done_o (no register read in between) */
                int keep_idle = d->idle_pct;
                d->idle_pct = 0;
                core_check_image(&chk, chk.image, x);
                CHECK(core_run(d, 20 * core_ideal_cycles(&q) + 10000, NULL) == 0, "%s: run before back-to-back", what);
                core_check_image(&chk, chk.image, x);
                CHECK(core_start(d) == 0 && d->tb->cycle - 1 == d->done_cycle, "%s: START in the done_o cycle", what);
                uint64_t cyc = 0;
                CHECK(core_wait(d, 20 * core_ideal_cycles(&q) + 10000, &cyc) == 0 && core_check_done(&chk, d, cyc),
                      "START in the cycle of done_o: %s", chk.what);
                d->idle_pct = keep_idle;
            }
        }
        d->on_wb = NULL;
        core_check_free(&chk);
        if (m == n_models - 1 && keep) *keep = q;
        else q2_qmodel_free(&q);
    }
    d->idle_pct = 30;
}

/* Commands while an inference runs: rejected with ERR_BUSY, and the inference is unaffected. */
static void core_busy(core_drv *d, const q2_qmodel *q)
{
    core_check chk;
    if (core_check_init(&chk, q)) exit(Q2_EXIT_INTERNAL);
    d->on_wb = core_check_wb;
    d->wb_ctx = &chk;
    uint8_t x[256];
    random_image(x, q->layers[0].n_in);
    core_check_image(&chk, 0, x);
    core_send_image(d, x, q->layers[0].n_in);
    d->idle_pct = 0;
    core_start(d);
    static const int ops[][2] = {{Q2_OP_START, 0}, {Q2_OP_IMAGE_BEGIN, 0}, {Q2_OP_IMAGE_DATA, 1}, {Q2_OP_MODEL_DATA, 0x51}, {Q2_OP_MODEL_BEGIN, 0}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        bool busy = vp_get(&d->busy, d->k, 1) != 0;
        core_cmd(d, ops[i][0], ops[i][1]);
        if (!busy) break;
        uint32_t st = core_read(d, Q2_REG_STATUS);
        CHECK(Q2_STATUS_ERR(st) == Q2_ERR_BUSY, "op %d while busy: err %u, need %d", ops[i][0], Q2_STATUS_ERR(st), Q2_ERR_BUSY);
        core_cmd(d, Q2_OP_CLEAR_ERR, 0);
    }
    uint64_t cyc = 0;
    CHECK(core_wait(d, 20 * core_ideal_cycles(q) + 10000, &cyc) == 0, "busy: run");
    CHECK(core_check_done(&chk, d, cyc), "busy: %s", chk.what);
    CHECK(core_read(d, Q2_REG_STATUS) & Q2_STATUS_MODEL_VALID, "busy: the model is still valid");
    d->on_wb = NULL;
    d->idle_pct = 30;
    core_check_free(&chk);
}

static void core_image_errors(core_drv *d, const q2_qmodel *q)
{
    int n = q->layers[0].n_in;
    uint8_t x[256];
    random_image(x, n);
    core_send_image(d, x, n);
    expect_err(d, Q2_OP_IMAGE_DATA, 9, Q2_ERR_IMAGE, "a pixel more than n_in");
    core_check chk;
    if (core_check_init(&chk, q)) exit(Q2_EXIT_INTERNAL);
    d->on_wb = core_check_wb;
    d->wb_ctx = &chk;
    infer_ok(d, &chk, x, false, "after the extra pixel");
    d->on_wb = NULL;
    core_check_free(&chk);
    core_send_image(d, x, n - 1);
    expect_err(d, Q2_OP_START, 0, Q2_ERR_IMAGE, "START with a pixel missing");
    core_cmd(d, Q2_OP_IMAGE_BEGIN, 0);
    expect_err(d, Q2_OP_START, 0, Q2_ERR_IMAGE, "START after IMAGE_BEGIN");
}

/* A byte-level change of a good image; fix_crc: recompute the CRC so only the change is wrong. */
typedef struct { const char *what; size_t off; int bytes; uint32_t value; bool fix_crc; int want; } mutation;

static void core_bad_images(core_drv *d, const core_cfg *c)
{
    /* a model with two hidden layers and zero padding before the weights */
    int dims[4] = {20, 9, c->lanes + 3, 5};
    q2_qmodel q;
    if (make_model(&q, 3, dims, c->lanes)) exit(Q2_EXIT_INTERNAL);
    q2_image_layout lay;
    if (q2_image_layout_of(3, dims, c->lanes, &lay)) exit(Q2_EXIT_INTERNAL);
    const size_t D0 = 16, D1 = 16 + 24, D2 = 16 + 48, T = q.image_len;
    const uint32_t word = (uint32_t)c->lanes / 4, align = word > 8 ? word : 8;
    const size_t rec_hidden = lay.param_off[1] + 8 * 2, rec_last = lay.param_off[2] + 8 * 1;
    mutation mut[] = {
        {"magic", 0, 1, 'R', true, Q2_ERR_HEADER},
        {"version 2", 4, 2, 2, true, Q2_ERR_HEADER},
        {"lanes x2", 6, 2, (uint32_t)c->lanes * 2, true, Q2_ERR_HEADER},
        {"lanes / 2", 6, 2, (uint32_t)c->lanes / 2, true, Q2_ERR_HEADER},
        {"n_layers 0", 8, 2, 0, true, Q2_ERR_HEADER},
        {"n_layers 9", 8, 2, 9, true, Q2_ERR_HEADER},
        {"flags bit 2", 10, 2, 4, true, Q2_ERR_HEADER},
        {"flags scope 3", 10, 2, 3, true, Q2_ERR_HEADER},
        {"total_size + 1", 12, 4, (uint32_t)T + 1, true, Q2_ERR_HEADER},
        {"total_size - 4", 12, 4, (uint32_t)T - 4, true, Q2_ERR_HEADER},
        {"n_in 0", D0, 2, 0, true, Q2_ERR_HEADER},
        {"n_in 4097", D0, 2, 4097, true, Q2_ERR_HEADER},
        {"n_in not chaining", D1, 2, 10, true, Q2_ERR_HEADER},
        {"n_out 0", D1 + 2, 2, 0, true, Q2_ERR_HEADER},
        {"last n_out 257", D2 + 2, 2, 257, true, Q2_ERR_HEADER},
        {"param_off + 8", D0 + 4, 4, lay.param_off[0] + 8, true, Q2_ERR_HEADER},
        {"param_off of layer 2", D2 + 4, 4, lay.param_off[2] - 8, true, Q2_ERR_HEADER},
        {"w_off of layer 0", D0 + 8, 4, lay.w_off[0] + align, true, Q2_ERR_HEADER},
        {"w_off of layer 1", D1 + 8, 4, lay.w_off[1] + word, true, Q2_ERR_HEADER},
        {"w_bytes of layer 2", D2 + 12, 4, lay.w_bytes[2] + word, true, Q2_ERR_HEADER},
        {"w_bytes huge", D1 + 12, 4, 0x80000000u, true, Q2_ERR_HEADER},
        {"bias 2^22", lay.param_off[0], 4, 1u << 22, true, Q2_ERR_HEADER},
        {"bias -2^22", lay.param_off[1], 4, (uint32_t)-(1 << 22), true, Q2_ERR_HEADER},
        {"S 0 (hidden)", rec_hidden + 6, 1, 0, true, Q2_ERR_HEADER},
        {"S 41 (hidden)", rec_hidden + 6, 1, 41, true, Q2_ERR_HEADER},
        {"reserved 1", rec_hidden + 7, 1, 1, true, Q2_ERR_HEADER},
        {"padding byte", lay.p_end, 1, 0x80, true, lay.p_end < lay.w0 ? Q2_ERR_HEADER : Q2_ERR_OK},
        {"a weight bit", lay.w0 + 3, 1, q.image[lay.w0 + 3] ^ 0x40u, false, Q2_ERR_CRC},
        {"the CRC", T - 2, 1, q.image[T - 2] ^ 0x01u, false, Q2_ERR_CRC},
        /* accepted: informative fields, and M / S of the last layer (ignored) */
        {"scope 2 (ok)", 10, 2, 2, true, Q2_ERR_OK},
        {"delta (ok)", D0 + 16, 4, 0x3F800000u, true, Q2_ERR_OK},
        {"last-layer M, S (ok)", rec_last + 4, 3, 0x031234u, true, Q2_ERR_OK},
    };
    uint8_t *img = malloc(T);
    if (!img) exit(Q2_EXIT_INTERNAL);
    for (size_t i = 0; i < sizeof mut / sizeof mut[0]; i++) {
        const mutation *mu = &mut[i];
        memcpy(img, q.image, T);
        for (int b = 0; b < mu->bytes; b++) img[mu->off + (size_t)b] = (uint8_t)(mu->value >> (8 * b));
        if (mu->fix_crc) q2_wr32(img + T - 4, q2_crc32(img, T - 4));
        d->idle_pct = i % 2 ? 0 : 30;
        int e = core_load_model(d, img, T);
        uint32_t st = core_read(d, Q2_REG_STATUS);
        CHECK(e == mu->want, "%s: err %d, need %d", mu->what, e, mu->want);
        CHECK(!!(st & Q2_STATUS_MODEL_VALID) == (mu->want == Q2_ERR_OK), "%s: model_valid %u", mu->what, !!(st & Q2_STATUS_MODEL_VALID));
        if (mu->want != Q2_ERR_OK) {
            core_cmd(d, Q2_OP_CLEAR_ERR, 0);
            expect_err(d, Q2_OP_IMAGE_BEGIN, 0, Q2_ERR_NO_MODEL, "IMAGE_BEGIN after a failed load");
        }
    }
    d->idle_pct = 30;
    /* the CRC and byte count as the image streams in; MODEL_BEGIN in the middle starts over */
    core_cmd(d, Q2_OP_MODEL_BEGIN, 0);
    size_t half = T / 2;
    for (size_t i = 0; i < half; i++) core_cmd(d, Q2_OP_MODEL_DATA, q.image[i]);
    CHECK(core_read(d, Q2_REG_CRC) == q2_crc32(q.image, half) && core_read(d, Q2_REG_MODEL_BYTES) == half,
          "CRC / MODEL_BYTES after %zu bytes", half);
    CHECK(load_ok(d, &q, "reload after MODEL_BEGIN mid-stream"), "reload");
    expect_err(d, Q2_OP_MODEL_DATA, 0, Q2_ERR_SEQ, "MODEL_DATA past total_size");
    CHECK(core_read(d, Q2_REG_STATUS) & Q2_STATUS_MODEL_VALID, "the model stays valid after ERR_SEQ");
    free(img);
    q2_qmodel_free(&q);
}

/* Models that do not fit: ERR_TOO_BIG, the rest of the stream swallowed without another error. */
static void core_too_big(core_drv *d, const core_cfg *c)
{
    static const struct { const char *what; int nl; int dims[5]; bool wmem_only; } big[] = {
        {"n_in > ABUF_BYTES", 2, {300, 8, 4}, false},
        {"hidden n_out > ABUF_BYTES", 2, {8, 300, 4}, false},
        {"sum n_out > PMEM_NEURONS", 3, {16, 200, 56, 10}, false},
        {"weights > WMEM_BYTES", 2, {256, 240, 10}, true},
    };
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        if (big[i].wmem_only && weight_bytes(big[i].nl, big[i].dims, c->lanes) <= c->wmem) continue;
        q2_qmodel q;
        if (make_model(&q, big[i].nl, big[i].dims, c->lanes)) exit(Q2_EXIT_INTERNAL);
        int e = core_load_model(d, q.image, q.image_len);
        CHECK(e == Q2_ERR_TOO_BIG, "%s: err %d, need %d", big[i].what, e, Q2_ERR_TOO_BIG);
        CHECK(!(core_read(d, Q2_REG_STATUS) & Q2_STATUS_MODEL_VALID), "%s: model invalid", big[i].what);
        core_cmd(d, Q2_OP_CLEAR_ERR, 0);
        q2_qmodel_free(&q);
    }
}

static void test_core(int k, int n_models)
{
    const core_cfg *c = &CORES[k];
    core_drv d;
    if (core_drv_init(&d, &tb, k, q2_rng_u64(&rng))) exit(Q2_EXIT_INTERNAL);
    core_registers(&d, c);
    core_no_model(&d);
    q2_qmodel q;
    memset(&q, 0, sizeof q);
    core_models(&d, c, n_models, &q);
    if (q.image && load_ok(&d, &q, "the last model again")) {
        core_busy(&d, &q);
        core_image_errors(&d, &q);
    }
    q2_qmodel_free(&q);
    core_bad_images(&d, c);
    core_too_big(&d, c);
    printf("    hidden activations compared: %ld zero, %ld in 1..254, %ld saturated\n", n_act[0], n_act[1], n_act[2]);
    CHECK(n_act[1] > n_act[0] / 4 && n_act[1] > 100, "the random models spread the activations over 1..254");
    memset(n_act, 0, sizeof n_act);
}

/* ---- main ------------------------------------------------------------------------------------------ */
int main(int argc, char **argv)
{
    uint64_t seed = 1;
    const char *only = NULL, *trace = NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '+') continue;
        if (i + 1 < argc && !strcmp(argv[i], "--seed")) seed = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--only")) only = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--trace")) trace = argv[++i];
        else {
            fprintf(stderr, "usage: rtl-unit [--seed N] [--only NAME] [--trace FILE.fst] [+verilator+seed+N] [+verilator+rand+reset+2]\n");
            return Q2_EXIT_USAGE;
        }
    }
    q2_rng_init(&rng, seed);
    if (tb_init(&tb, argc, argv)) return Q2_EXIT_INTERNAL;
    /* every input starts at 0 (Verilator randomizes them too) */
    static const char *inputs[] = {
        "cmd_valid_i", "cmd_op_i", "cmd_data_i", "rd_addr_i", "crc_clear_i", "crc_valid_i", "crc_data_i",
        "lane_clr_i", "lane_en_i", "lane_code_i", "lane_a_i", "lane_a3_i", "lane_load_i", "lane_shift_i", "lane_shd_i",
        "rq_valid_i", "rq_logit_i", "rq_tag_i", "rq_acc_i", "rq_bias_i", "rq_m_i", "rq_s_i", "am_valid_i",
        "am_last_i", "am_idx_i", "am_val_i", "wm_en_i", "wm_we_i", "wm_addr_i", "wm_wdata_i",
        "ut_data_i", "ut_valid_i",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        vport v = port(inputs[i]);
        memset(v.p, 0, (size_t)v.bytes);
    }
    vport ur_rx = port("ur_rx_i");
    vp_wr(&ur_rx, 7);   /* the receivers' lines idle high */
    if (trace && tb_trace_open(&tb, trace)) return Q2_EXIT_USAGE;
    if (tb_reset(&tb, 4)) {
        tb_free(&tb);
        return Q2_EXIT_MISMATCH;
    }
    static const struct { const char *name; int core; } tests[] = {
        {"crc32", -1}, {"mac_lane", -2}, {"requant", -3}, {"argmax", -4}, {"wmem", -5}, {"uart", -6},
        {"core L8 ecp5", 0}, {"core L16", 1}, {"core L32", 2}, {"core L64 ecp5", 3}, {"core L32 ice40-spram", 4},
    };
    int passed = 0, failed = 0;
    for (size_t t = 0; t < sizeof tests / sizeof tests[0]; t++) {
        if (only && !strstr(tests[t].name, only)) continue;
        n_checks = n_bad = 0;
        double t0 = q2_now();
        switch (tests[t].core) {
        case -1: test_crc32(); break;
        case -2: test_mac_lane(); break;
        case -3: test_requant(); break;
        case -4: test_argmax(); break;
        case -5: test_wmem(); break;
        case -6: test_uart(); break;
        default: test_core(tests[t].core, 16); break;
        }
        printf("test %zu %s: %s (%d checks, %.1f s)\n", t + 1, tests[t].name, n_bad ? "FAILED" : "PASSED", n_checks,
               q2_now() - t0);
        fflush(stdout);
        if (n_bad) failed++;
        else passed++;
    }
    tb_free(&tb);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? Q2_EXIT_MISMATCH : passed ? Q2_EXIT_OK : Q2_EXIT_USAGE;
}
