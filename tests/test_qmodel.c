/* test_qmodel.c — the integer model and the .q2 image: the spec's worked example, rounding and
 * saturation edges, encode/parse round trips for every lane count, rejection of every corrupted
 * field, and the fast path against the reference (random extreme models and, when present, the
 * real packed model over all 10,000 MNIST test images). Numbered checks, PASSED/FAILED, exit 1 on
 * any failure. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/idx.h"
#include "qmodel/qmodel.h"
#include "base/util.h"
#define CHECK_WORDS_PASSED
#include "check.h"

/* ---- model builders ----------------------------------------------------------------------------- */
static void set_neuron(q2_qlayer *L, int j, int32_t bias, uint16_t m, uint8_t s)
{
    L->bias[j] = bias;
    L->m[j] = m;
    L->s[j] = s;
}

/* The worked example of docs/arithmetic.md: 3 inputs, 2 neurons. */
static const uint8_t ex_codes[2][3] = {{3, 0, 1}, {2, 3, 2}};
static const uint8_t ex_x[3] = {10, 200, 255};

static void example_layer(q2_qmodel *q, int n_layers)
{
    int dims[3] = {3, 2, 2};
    if (q2_qmodel_init(q, n_layers, dims, 4)) exit(2);
    q2_qlayer *L = &q->layers[0];
    memcpy(L->codes, ex_codes, sizeof ex_codes);
    set_neuron(L, 0, 100, n_layers > 1 ? 40000 : 0, n_layers > 1 ? 17 : 0);
    set_neuron(L, 1, -50, n_layers > 1 ? 40000 : 0, n_layers > 1 ? 17 : 0);
    if (n_layers > 1) { /* layer 1: logit_0 = a'_0 + a'_1, logit_1 = a'_1 - a'_0 */
        uint8_t c1[4] = {2, 2, 1, 2};
        memcpy(q->layers[1].codes, c1, 4);
    }
}

/* One hidden neuron with one input a = 0 (acc = bias) followed by a 1x1 last layer: returns a'. */
static int requant_one(int32_t bias, uint16_t m, uint8_t s, int n_in, int code, uint8_t a)
{
    int dims[3] = {n_in, 1, 1};
    q2_qmodel q;
    if (q2_qmodel_init(&q, 2, dims, 4)) exit(2);
    memset(q.layers[0].codes, code, (size_t)n_in);
    set_neuron(&q.layers[0], 0, bias, m, s);
    q.layers[1].codes[0] = 2;
    uint8_t *x = malloc((size_t)n_in), h0[1];
    memset(x, a, (size_t)n_in);
    uint8_t *hid[1] = {h0};
    int32_t logit;
    q2_qmodel_forward_ref(&q, x, &logit, hid);
    free(x);
    q2_qmodel_free(&q);
    return h0[0];
}

enum { MODE_RANDOM, MODE_MAX, MODE_MIN, MODE_ZERO_M, MODE_BIG_M, MODE_WIDE_S, MODE_COUNT };
static const char *const mode_names[MODE_COUNT] = {"random",
                                                   "all codes 3, max bias, M=65535 S=1",
                                                   "all codes 0, -max bias",
                                                   "M = 0 (zero scales)",
                                                   "M = 65535, S = 1..4",
                                                   "S = 1..40 random M"};

static void random_model(q2_qmodel *q, q2_rng *r, int n_layers, const int *dims, int lanes, int mode)
{
    if (q2_qmodel_init(q, n_layers, dims, lanes)) exit(2);
    q->scope = (int)q2_rng_below(r, 3);
    for (int l = 0; l < n_layers; l++) {
        q2_qlayer *L = &q->layers[l];
        bool hidden = l < n_layers - 1;
        L->delta = (float)q2_rng_uniform(r);
        L->act_scale = (float)q2_rng_uniform(r);
        for (size_t k = 0; k < (size_t)L->n_out * (size_t)L->n_in; k++)
            L->codes[k] = mode == MODE_MAX ? 3 : mode == MODE_MIN ? 0 : (uint8_t)q2_rng_below(r, 4);
        for (int j = 0; j < L->n_out; j++) {
            int32_t bias = (int32_t)q2_rng_below(r, 2 * Q2_BIAS_MAX + 1) - Q2_BIAS_MAX;
            uint16_t m = (uint16_t)q2_rng_below(r, 65536);
            uint8_t s = (uint8_t)(Q2_S_MIN + q2_rng_below(r, 24));
            if (mode == MODE_RANDOM) bias /= 64;
            if (mode == MODE_MAX) bias = Q2_BIAS_MAX, m = 65535, s = 1;
            if (mode == MODE_MIN) bias = -Q2_BIAS_MAX;
            if (mode == MODE_ZERO_M) m = 0;
            if (mode == MODE_BIG_M) m = 65535, s = (uint8_t)(1 + q2_rng_below(r, 4));
            if (mode == MODE_WIDE_S) s = (uint8_t)(Q2_S_MIN + q2_rng_below(r, Q2_S_MAX));
            if (hidden)
                set_neuron(L, j, bias, m, s);
            else
                set_neuron(L, j, bias, 0, 0);
        }
    }
}

/* ---- checks --------------------------------------------------------------------------------------- */
static void test_worked_example(void)
{
    q2_qmodel q;
    int32_t logits[2];
    uint8_t h0[2], *hid[1] = {h0};

    example_layer(&q, 1); /* as the last layer: logits = acc */
    int cls = q2_qmodel_forward_ref(&q, ex_x, logits, NULL);
    CHECK(logits[0] == -725 && logits[1] == 815 && cls == 1,
          "worked example, last layer: logits (%" PRId32 ", %" PRId32 ") class %d, need (-725, 815) 1",
          logits[0], logits[1], cls);
    /* its packed bytes: lanes 4 -> one byte per input word: lane 0 = neuron 0, lane 1 = neuron 1 */
    int rc = q2_qmodel_encode(&q);
    static const uint8_t words[3] = {0x0B, 0x0C, 0x09};
    CHECK(!rc && q.image_len == 63 && !memcmp(q.image + 56, words, 3),
          "worked example image: 63 bytes, weight words 0B 0C 09 at offset 56");
    static const uint8_t head[16] = {'Q', '2', 'M', 'L', 1, 0, 4, 0, 1, 0, 0, 0, 63, 0, 0, 0};
    static const uint8_t desc[12] = {3, 0, 2, 0, 40, 0, 0, 0, 56, 0, 0, 0};
    static const uint8_t recs[16] = {100, 0, 0, 0, 0, 0, 0, 0, 0xCE, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
    CHECK(!rc && !memcmp(q.image, head, 16) && !memcmp(q.image + 16, desc, 12) &&
              q2_rd32(q.image + 28) == 3 && !memcmp(q.image + 40, recs, 16) &&
              q2_rd32(q.image + 59) == q2_crc32(q.image, 59),
          "worked example image: header, descriptor, neuron records, CRC as in docs/formats.md");
    printf("    worked example image (docs/formats.md):");
    for (size_t i = 0; i < q.image_len; i++) printf("%s%02X", i % 16 ? " " : "\n    ", q.image[i]);
    printf("\n");
    q2_qmodel_free(&q);

    example_layer(&q, 2); /* as a hidden layer: M = 40000, S = 17 */
    cls = q2_qmodel_forward_ref(&q, ex_x, logits, hid);
    CHECK(h0[0] == 0 && h0[1] == 249, "worked example, hidden layer: a' = (%u, %u), need (0, 249)", h0[0],
          h0[1]);
    CHECK(logits[0] == 249 && logits[1] == 249 && cls == 0,
          "worked example, second layer: logits (%" PRId32 ", %" PRId32 ") class %d, need (249, 249) 0 "
          "(tie -> lowest index)",
          logits[0], logits[1], cls);
    q2_qmodel_free(&q);
}

static void test_rounding(void)
{
    static const struct {
        int32_t bias;
        uint16_t m;
        uint8_t s;
        int want;
        const char *what;
    } t[] = {
        {1, 1, 1, 1, "0.5 rounds up to 1"},
        {3, 1, 1, 2, "1.5 rounds up to 2"},
        {5, 1, 2, 1, "1.25 rounds to 1"},
        {6, 1, 2, 2, "1.5 rounds up to 2 (S=2)"},
        {7, 1, 2, 2, "1.75 rounds to 2"},
        {508, 1, 1, 254, "254.0 stays"},
        {509, 1, 1, 255, "254.5 rounds to 255"},
        {510, 1, 1, 255, "255.0 stays"},
        {511, 1, 1, 255, "255.5 clamps to 255"},
        {1000, 1, 1, 255, "500 clamps to 255"},
        {1, 65535, 1, 255, "S=1, M=65535: 32767.5 clamps to 255"},
        {0, 65535, 1, 0, "acc 0 gives 0"},
        {-1, 1, 1, 0, "acc -1: (-1+1)>>1 = 0"},
        {-2, 1, 1, 0, "acc -2: (-2+1)>>1 = -1 clamps to 0"},
        {-Q2_BIAS_MAX, 65535, 1, 0, "most negative acc, largest M: 0"},
        {Q2_BIAS_MAX, 0, 1, 0, "M = 0: 0"},
        {Q2_BIAS_MAX, 0, 40, 0, "M = 0, S = 40: 0"},
        {Q2_BIAS_MAX, 65535, 40, 0, "max bias, M=65535, S=40: 0.25 rounds to 0"},
        {Q2_BIAS_MAX, 65535, 34, 16, "max bias, M=65535, S=34: 16.0004 -> 16"},
        {255 * 4096 + 128, 8192, 22, 255, "acc = 1044608, M/2^S = 1/512: 2040.25 -> 255"},
        {200, 32768, 16, 100, "M/2^S = 1/2: 100"},
        {201, 32768, 16, 101, "M/2^S = 1/2: 100.5 rounds up to 101"},
        {-201, 32768, 16, 0, "negative half-way: 0"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int got = requant_one(t[i].bias, t[i].m, t[i].s, 1, 2, 0);
        CHECK(got == t[i].want, "requant bias %" PRId32 " M %u S %u: %s: got %d", t[i].bias, t[i].m, t[i].s,
              t[i].what, got);
    }
    /* the largest accumulator the format allows: bias max + 4096 inputs of 255 x (+3) */
    int got39 = requant_one(Q2_BIAS_MAX, 65535, 39, 4096, 3, 255);
    int got40 = requant_one(Q2_BIAS_MAX, 65535, 40, 4096, 3, 255);
    CHECK(got39 == 1 && got40 == 0, "largest acc 7327743 x 65535: S=39 -> %d (need 1), S=40 -> %d (need 0)",
          got39, got40);
    int neg = requant_one(-Q2_BIAS_MAX, 65535, 1, 4096, 0, 255);
    CHECK(neg == 0, "most negative acc -7327743, S=1: %d, need 0", neg);

    int32_t v1[4] = {5, 7, 7, 1}, v2[3] = {-3, -3, -3}, v3[3] = {-9, -2, -5};
    CHECK(q2_argmax(v1, 4) == 1 && q2_argmax(v2, 3) == 0 && q2_argmax(v3, 3) == 1,
          "argmax: lowest index on ties, negative logits");
}

static void test_round_trip(void)
{
    q2_rng r;
    q2_rng_init(&r, 3);
    static const int lanes[] = {4, 8, 16, 32, 64, 128, 256};
    for (size_t li = 0; li < sizeof lanes / sizeof lanes[0]; li++) {
        int L = lanes[li];
        int dims[4] = {13, L + 3, 2 * L, 10}; /* n_out not a multiple of L, a multiple, < L */
        q2_qmodel q, p;
        random_model(&q, &r, 3, dims, L, MODE_WIDE_S);
        int rc = q2_qmodel_encode(&q);
        rc = rc ? rc : q2_qmodel_parse(&p, q.image, q.image_len, "round-trip");
        bool same = !rc && p.n_layers == 3 && p.lanes == L && p.scope == q.scope && p.crc == q.crc;
        for (int l = 0; same && l < 3; l++) {
            const q2_qlayer *a = &q.layers[l], *b = &p.layers[l];
            size_t n = (size_t)a->n_out;
            same = a->n_in == b->n_in && a->n_out == b->n_out && a->delta == b->delta &&
                   a->act_scale == b->act_scale && !memcmp(a->bias, b->bias, n * 4) &&
                   !memcmp(a->codes, b->codes, n * (size_t)a->n_in) &&
                   (l == 2 || (!memcmp(a->m, b->m, n * 2) && !memcmp(a->s, b->s, n)));
        }
        /* padding lanes hold code 0: in the last group of layer 0 the lanes >= n_out - g*L */
        bool pad_zero = true;
        if (!rc) {
            const uint8_t *img = q.image;
            uint32_t w_off = q2_rd32(img + 16 + 8), word = (uint32_t)L / 4, g = 1;
            for (int i = 0; i < dims[0]; i++)
                for (int t = 3; t < L; t++) {
                    const uint8_t *w = img + w_off + (g * (uint32_t)dims[0] + (uint32_t)i) * word;
                    if ((w[t / 4] >> (2 * (t % 4))) & 3) pad_zero = false;
                }
        }
        uint8_t *again = NULL;
        if (same) {
            size_t len = p.image_len;
            again = malloc(len);
            memcpy(again, p.image, len);
            same = !q2_qmodel_encode(&p) && p.image_len == len && !memcmp(again, p.image, len);
        }
        CHECK(same && pad_zero,
              "lanes %3d: encode -> parse -> encode is the identity (13-%d-%d-10, "
              "padding lanes 0)",
              L, L + 3, 2 * L);
        free(again);
        q2_qmodel_free(&q);
        q2_qmodel_free(&p);
    }
}

/* ---- corrupt images --------------------------------------------------------------------------------- */
typedef struct {
    const char *what;
    size_t off;
    int size;
    uint32_t value;
    const char *needle;
} corruption;

static void reject(const q2_qmodel *good, const corruption *c, bool fix_crc, long len_delta)
{
    size_t len = good->image_len + (len_delta > 0 ? (size_t)len_delta : 0);
    if (len_delta < 0) len -= (size_t)-len_delta;
    uint8_t *b = calloc(len + 1, 1);
    memcpy(b, good->image, len < good->image_len ? len : good->image_len);
    if (c->size == 1) b[c->off] = (uint8_t)c->value;
    if (c->size == 2) q2_wr16(b + c->off, (uint16_t)c->value);
    if (c->size == 4) q2_wr32(b + c->off, c->value);
    if (fix_crc && len >= 4) q2_wr32(b + len - 4, q2_crc32(b, len - 4));
    q2_qmodel q;
    capture_begin();
    int rc = q2_qmodel_parse(&q, b, len, "bad.q2");
    const char *msg = capture_end_line(); /* the message must name the field */
    CHECK(rc == Q2_EFORMAT && strstr(msg, c->needle) != NULL && q.n_layers == 0 && q.image == NULL,
          "rejects %s: \"%s\"", c->what, msg);
    q2_qmodel_free(&q);
    free(b);
}

static void test_corrupt(void)
{
    q2_rng r;
    q2_rng_init(&r, 5);
    int dims[4] = {20, 33, 17, 10}; /* lanes 64: W0 is p_end rounded up to 16 -> padding bytes */
    q2_qmodel q;
    random_model(&q, &r, 3, dims, 64, MODE_RANDOM);
    if (q2_qmodel_encode(&q)) exit(2);
    q2_image_layout lay;
    q2_image_layout_of(3, dims, 64, &lay);
    const size_t D1 = 16 + 24, D2 = 16 + 48;    /* descriptors of layers 1 and 2 */
    const size_t R1 = lay.param_off[1] + 8 * 5; /* neuron 5 of layer 1 */
    CHECK(lay.w0 > lay.p_end, "test image has %u padding bytes before the weights", lay.w0 - lay.p_end);
    const corruption cs[] = {
        {"bad magic", 0, 4, 0x4C4D3252, "magic"},
        {"version 2", 4, 2, 2, "version 2, need 1"},
        {"lanes 12 (not a power of two)", 6, 2, 12, "lanes 12"},
        {"lanes 2 (too few)", 6, 2, 2, "lanes 2"},
        {"lanes 0", 6, 2, 0, "lanes 0"},
        {"lanes 512 (too many)", 6, 2, 512, "lanes 512"},
        {"n_layers 0", 8, 2, 0, "n_layers 0"},
        {"n_layers 9", 8, 2, 9, "n_layers 9"},
        {"flags bit 2", 10, 2, 4, "flags"},
        {"flags scope 3", 10, 2, 3, "flags"},
        {"total_size too small", 12, 4, (uint32_t)q.image_len - 1, "total_size"},
        {"total_size too large", 12, 4, (uint32_t)q.image_len + 1, "truncated"},
        {"layer 0 n_in 0", 16, 2, 0, "layer 0 n_in is 0"},
        {"layer 0 n_in 5000", 16, 2, 5000, "layer 0 n_in is 5000"},
        {"layer 1 n_in not chaining", D1, 2, 34, "layer 1 n_in is 34, need 33"},
        {"layer 1 n_out 0", D1 + 2, 2, 0, "layer 1 n_out is 0"},
        {"layer 1 n_out 4097", D1 + 2, 2, 4097, "layer 1 n_out is 4097"},
        {"last layer n_out 300", D2 + 2, 2, 300, "layer 2 n_out is 300"},
        {"layer 2 n_in 18", D2, 2, 18, "layer 2 n_in is 18, need 17"},
        {"layer 1 param_off", D1 + 4, 4, lay.param_off[1] + 8, "layer 1 param_off"},
        {"layer 2 w_off", D2 + 8, 4, lay.w_off[2] + 16, "layer 2 w_off"},
        {"layer 0 w_off past the end", 16 + 8, 4, 0x7FFFFFFF, "layer 0 w_off"},
        {"layer 1 w_bytes", D1 + 12, 4, lay.w_bytes[1] - 16, "layer 1 w_bytes"},
        {"nonzero padding byte", lay.p_end, 1, 0x5A, "padding byte"},
        {"reserved byte", R1 + 7, 1, 1, "reserved is 1"},
        {"bias 2^22", R1, 4, 1u << 22, "bias is 4194304"},
        {"bias -2^22", R1, 4, (uint32_t) - (1 << 22), "bias is -4194304"},
        {"S = 0 on a hidden layer", R1 + 6, 1, 0, "s is 0, need 1..40"},
        {"S = 41 on a hidden layer", R1 + 6, 1, 41, "s is 41, need 1..40"},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) reject(&q, &cs[i], true, 0);

    corruption crc = {"flipped weight bit, CRC not fixed", lay.w_off[1] + 3, 1,
                      q.image[lay.w_off[1] + 3] ^ 0x10u, "CRC mismatch"};
    reject(&q, &crc, false, 0);
    corruption same = {"truncated by one byte", 0, 0, 0, "truncated"};
    reject(&q, &same, false, -1);
    corruption longer = {"one trailing byte", 0, 0, 0, "trailing bytes"};
    reject(&q, &longer, false, 1);
    corruption tiny = {"a 10-byte file", 0, 0, 0, "shorter than"};
    reject(&q, &tiny, false, -(long)(q.image_len - 10));
    /* S = 0 is legal on the last layer (its M/S are ignored) */
    q2_qmodel p;
    int rc = q2_qmodel_parse(&p, q.image, q.image_len, "good.q2");
    CHECK(!rc && p.crc == q2_rd32(q.image + q.image_len - 4),
          "the uncorrupted image parses, CRC 0x%08" PRIX32, p.crc);
    q2_qmodel_free(&p);
    q2_qmodel_free(&q);
}

/* ---- fast path == reference --------------------------------------------------------------------------- */
static int compare_fast(const q2_qmodel *q, const uint8_t *x, int n, int32_t *ref_logits, int *n_kernels)
{
    int n_cls = q2_qmodel_n_classes(q), n_in = q2_qmodel_n_inputs(q), bad = 0;
    int32_t *logits = malloc((size_t)n * (size_t)n_cls * sizeof *logits);
    int *cls = malloc((size_t)n * sizeof *cls);
    *n_kernels = 0;
    if (!ref_logits) {
        ref_logits = malloc((size_t)n * (size_t)n_cls * sizeof *ref_logits);
        for (int i = 0; i < n; i++)
            q2_qmodel_forward_ref(q, x + (size_t)i * (size_t)n_in, ref_logits + (size_t)i * (size_t)n_cls,
                                  NULL);
    } else {
        ref_logits = memcpy(malloc((size_t)n * (size_t)n_cls * 4), ref_logits, (size_t)n * (size_t)n_cls * 4);
    }
    for (int k = Q2_FAST_C; k < Q2_FAST_COUNT; k++) {
        if (!q2_fast_kernel_supported((q2_fast_kernel)k)) continue;
        q2_fast f;
        if (q2_fast_init(&f, q, (q2_fast_kernel)k)) exit(2);
        q2_fast_forward(&f, x, n, logits, cls);
        for (int i = 0; i < n; i++) {
            const int32_t *a = ref_logits + (size_t)i * (size_t)n_cls,
                          *b = logits + (size_t)i * (size_t)n_cls;
            if (memcmp(a, b, (size_t)n_cls * 4) || cls[i] != q2_argmax(a, n_cls)) {
                if (bad < 3)
                    printf("    kernel %s image %d: logits differ (ref %" PRId32 ", fast %" PRId32 " ...)\n",
                           q2_fast_kernel_name((q2_fast_kernel)k), i, a[0], b[0]);
                bad++;
            }
        }
        (*n_kernels)++;
        q2_fast_free(&f);
    }
    free(ref_logits);
    free(logits);
    free(cls);
    return bad;
}

static void test_fast_random(void)
{
    q2_rng r;
    q2_rng_init(&r, 11);
    static const int shapes[][6] = {
        /* n_layers, dims */
        {2, 7, 5, 3},       {3, 30, 17, 33, 10}, {2, 784, 40, 10},     {3, 64, 64, 64, 16},
        {2, 4096, 20, 256}, {1, 9, 1},           {4, 50, 3, 70, 2, 5},
    };
    for (int mode = 0; mode < MODE_COUNT; mode++) {
        for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
            const int *sh = shapes[si];
            int n_layers = sh[0];
            int dims[Q2_MAX_LAYERS + 1];
            for (int l = 0; l <= n_layers; l++) dims[l] = sh[1 + l];
            q2_qmodel q;
            random_model(&q, &r, n_layers, dims, 8, mode);
            int n = 19; /* not a multiple of the batch: tiles of 8, 8 and 3 images */
            uint8_t *x = malloc((size_t)n * (size_t)dims[0]);
            for (size_t i = 0; i < (size_t)n * (size_t)dims[0]; i++) {
                uint32_t u = q2_rng_below(&r, 4);
                x[i] = mode == MODE_MAX || mode == MODE_MIN ? 255
                       : u == 0                             ? 0
                       : u == 1                             ? 255
                                                            : (uint8_t)q2_rng_below(&r, 256);
            }
            if (mode == MODE_RANDOM) memset(x + dims[0], 0, (size_t)dims[0] * 3); /* zero images */
            int nk, bad = compare_fast(&q, x, n, NULL, &nk);
            /* the kernels' small-batch tiles: 1 and 2 images (the last images, zero ones included) */
            for (int small = 1; small <= 2; small++)
                bad += compare_fast(&q, x + (size_t)(n - small) * (size_t)dims[0], small, NULL, &nk);
            CHECK(bad == 0 && nk >= 1, "fast == ref, %s, %d layers %d-...-%d, %d, 1 and 2 images, %d kernels",
                  mode_names[mode], n_layers, dims[0], dims[n_layers], n, nk);
            free(x);
            q2_qmodel_free(&q);
        }
    }
}

static void test_fast_real(void)
{
    const char *build = check_env("BUILD", "build"), *mnist = check_env("MNIST_DIR", "data/mnist");
    char model[1024], images[1024], labels[1024];
    /* The paper model when make run has produced it, else the tiny fixture that make test builds
     * (a fresh clone in CI has only the latter): either way all 10,000 test images are compared. */
    snprintf(model, sizeof model, "%s/models/paper.q2", build);
    if (access(model, R_OK)) snprintf(model, sizeof model, "%s/fixtures/tiny.q2", build);
    if (getenv("Q2_TEST_MODEL")) snprintf(model, sizeof model, "%s", getenv("Q2_TEST_MODEL"));
    snprintf(images, sizeof images, "%s/t10k-images-idx3-ubyte", mnist);
    snprintf(labels, sizeof labels, "%s/t10k-labels-idx1-ubyte", mnist);
    if (access(model, R_OK) || access(images, R_OK) || access(labels, R_OK)) {
        printf("    SKIP real-model check: %s or the MNIST test set (%s) is absent "
               "(make test builds the fixture, make run the paper model)\n",
               model, mnist);
        return;
    }
    q2_qmodel q;
    q2_dataset d;
    if (q2_qmodel_load(&q, model) || q2_dataset_load(&d, images, labels)) {
        CHECK(0, "load %s and the MNIST test set", model);
        return;
    }
    int n_cls = q2_qmodel_n_classes(&q), n_in = q2_qmodel_n_inputs(&q);
    if (d.rows * d.cols != n_in) {
        CHECK(0, "%s has %d inputs, the test images %d pixels", model, n_in, d.rows * d.cols);
        return;
    }
    int32_t *ref = malloc((size_t)d.n * (size_t)n_cls * sizeof *ref);
    int correct = 0;
    for (int i = 0; i < d.n; i++)
        correct += q2_qmodel_forward_ref(&q, d.images + (size_t)i * (size_t)n_in,
                                         ref + (size_t)i * (size_t)n_cls, NULL) == d.labels[i];
    int nk, bad = compare_fast(&q, d.images, d.n, ref, &nk);
    CHECK(bad == 0, "fast == ref on %s over all %d test images, %d kernels (ref accuracy %.2f%%)", model, d.n,
          nk, 100.0 * correct / d.n);
    free(ref);
    q2_dataset_free(&d);
    q2_qmodel_free(&q);
}

int main(void)
{
    test_worked_example();
    test_rounding();
    test_round_trip();
    test_corrupt();
    test_fast_random();
    test_fast_real();
    return check_summary();
}
