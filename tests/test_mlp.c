/* test_mlp.c — the float model (sw/float/mlp.c) and its GEMM (sw/float/gemm.c):
 *   GEMM: hand-written and OpenBLAS against the reference loops on odd and training shapes, every
 *         transpose/alpha/beta case; the hand-written engine bit-identical across threads and kernels;
 *   mlp:  arch parsing, forward pass against plain loops (incl. hidden outputs and chunking),
 *         accuracy on a constructed data set, .mlp round trip and every corruption the loader
 *         must reject (CRC, truncation, magic, version, n_layers, dims, total_size, NaN). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "float/gemm.h"
#include "float/mlp.h"
#include "float/train.h"
#include "base/util.h"
#include "check.h"

/* ---- error budgets ---------------------------------------------------------------------------- */
/* Two float summations of k products differ by at most 2 k eps sum|a b| (gamma_k, each side). */
#define GEMM_ERR_PER_K   (2.0 * FLT_EPSILON)
#define FWD_REL_TOL      1e-4 /* forward pass vs double loops, relative to the sum of |terms| */

static const char *errbuf = ""; /* stderr of the last captured load */

static void fill(float *v, size_t n, q2_rng *r)
{
    for (size_t i = 0; i < n; i++) v[i] = (float)q2_rng_normal(r);
}

/* ---- GEMM ------------------------------------------------------------------------------------- */
typedef void (*gemm_fn)(bool, bool, int, int, int, float, const float *, int, const float *, int, float,
                        float *, int);

/* Worst |c - ref| / budget over C; budget_ij = GEMM_ERR_PER_K k sum_p |alpha a b| + |beta c0| eps. */
static double gemm_err(gemm_fn f, bool ta, bool tb, int m, int n, int k, float alpha, float beta, q2_rng *r)
{
    int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
    float *a = malloc(sizeof(float) * (size_t)(ta ? k : m) * lda);
    float *b = malloc(sizeof(float) * (size_t)(tb ? n : k) * ldb);
    float *c = malloc(sizeof(float) * (size_t)m * ldc), *c0 = malloc(sizeof(float) * (size_t)m * ldc);
    fill(a, (size_t)(ta ? k : m) * lda, r);
    fill(b, (size_t)(tb ? n : k) * ldb, r);
    fill(c0, (size_t)m * ldc, r);
    memcpy(c, c0, sizeof(float) * (size_t)m * ldc);
    f(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    double worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0, sa = 0;
            for (int p = 0; p < k; p++) {
                double x = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                double y = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                s += x * y;
                sa += fabs(x * y);
            }
            double c0ij = c0[(size_t)i * ldc + j];
            double want = alpha * s + (beta == 0 ? 0 : beta * c0ij);
            double budget = GEMM_ERR_PER_K * (k + 2) * fabs(alpha) * sa + 4 * FLT_EPSILON * fabs(beta * c0ij) + 1e-30;
            double e = fabs(c[(size_t)i * ldc + j] - want) / budget;
            if (e > worst) worst = e;
        }
    /* columns beyond n must be untouched */
    for (int i = 0; i < m; i++)
        for (int j = n; j < ldc; j++)
            if (c[(size_t)i * ldc + j] != c0[(size_t)i * ldc + j]) worst = INFINITY;
    free(a); free(b); free(c); free(c0);
    return worst;
}

static void test_gemm_accuracy(void)
{
    printf("GEMM against double loops (error / budget must be <= 1)\n");
    q2_rng r;
    q2_rng_init(&r, 7);
    const char *names[3] = {"ref", "own", "blas"};
    gemm_fn fns[3] = {q2_sgemm_ref, q2_sgemm_own, q2_sgemm_blas};
    static const float ab[4][2] = {{1, 0}, {0.5f, 1}, {-2, 0.25f}, {1, 1}};
    for (int e = 0; e < 3; e++) {
        double worst = 0;
        int cases = 0;
        for (int t = 0; t < 4; t++)
            for (int s = 0; s < 12; s++, cases++) {
                int m = 1 + (int)q2_rng_below(&r, 70), n = 1 + (int)q2_rng_below(&r, 70);
                int k = 1 + (int)q2_rng_below(&r, 300);
                double w = gemm_err(fns[e], t & 1, t >> 1, m, n, k, ab[s % 4][0], ab[s % 4][1], &r);
                if (w > worst) worst = w;
            }
        CHECK(worst <= 1.0, "%s: %d random shapes x 4 transposes, alpha/beta mixes: worst %.3g", names[e],
              cases, worst);
    }
    /* the training shapes of 784-512-512-10 (fewer rows: the double loops are slow under ASan) */
    static const struct { bool ta, tb; int m, n, k; } S[] = {
        {0, 1, 40, 512, 784}, {1, 0, 72, 784, 128}, {0, 0, 40, 512, 512}, {0, 1, 130, 10, 512}};
    for (unsigned s = 0; s < sizeof S / sizeof S[0]; s++) {
        double w = gemm_err(q2_sgemm_own, S[s].ta, S[s].tb, S[s].m, S[s].n, S[s].k, 1, 0, &r);
        CHECK(w <= 1.0, "own %s%s %dx%dx%d: worst %.3g", S[s].ta ? "T" : "N", S[s].tb ? "T" : "N", S[s].m,
              S[s].n, S[s].k, w);
    }
}

static void test_gemm_bits(void)
{
    printf("hand-written GEMM: same bits for any thread count and micro-kernel\n");
    q2_rng r;
    q2_rng_init(&r, 8);
    int m = 103, n = 517, k = 300; /* k > KC: two k blocks; m, n not multiples of any tile */
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
    float *c1 = malloc(sizeof(float) * m * n), *c2 = malloc(sizeof(float) * m * n);
    fill(a, (size_t)m * k, &r);
    fill(b, (size_t)k * n, &r);
    const char *kernel0 = q2_gemm_kernel_name();
    int threads0 = q2_gemm_get_threads();
    q2_gemm_set_threads(1);
    q2_sgemm_own(false, true, m, n / 2, k, 0.75f, a, k, b, k, 0, c1, n);
    q2_sgemm_own(false, false, m, n, k, 1, a, k, b, n, 0, c1, n);
    for (int th = 2; th <= 3; th++) {
        q2_gemm_set_threads(th);
        q2_sgemm_own(false, false, m, n, k, 1, a, k, b, n, 0, c2, n);
        CHECK(!memcmp(c1, c2, sizeof(float) * m * n), "%s, %d threads == 1 thread (%dx%dx%d)", kernel0, th,
              m, n, k);
    }
    static const char *kern[] = {"avx512", "avx2", "c"};
    for (int i = 0; i < 3; i++) {
        fflush(stdout);
        if (q2_gemm_set_kernel(kern[i])) {
            printf("    (kernel %s not on this CPU)\n", kern[i]);
            continue;
        }
        q2_sgemm_own(false, false, m, n, k, 1, a, k, b, n, 0, c2, n);
        CHECK(!memcmp(c1, c2, sizeof(float) * m * n), "kernel %s == kernel %s", kern[i], kernel0);
    }
    q2_gemm_set_kernel(kernel0);

    printf("elementwise kernels: same bits with and without AVX-512\n");
    enum { R = 7, C = 45 }; /* 45: two 16-lane blocks and a tail */
    float y0[R * C], bias[C], g0[R * C], act[R * C], w0[R * C], m10[R * C], m20[R * C];
    fill(y0, R * C, &r); fill(bias, C, &r); fill(g0, R * C, &r); fill(act, R * C, &r); fill(w0, R * C, &r);
    fill(m10, R * C, &r); fill(m20, R * C, &r);
    for (int i = 0; i < R * C; i++) m20[i] = m20[i] * m20[i];
    act[3] = 0.0f; act[4] = -0.0f;
    float out[2][5][R * C];
    const char *ks[2] = {kernel0, "c"};
    for (int v = 0; v < 2; v++) {
        q2_gemm_set_kernel(ks[v]);
        memcpy(out[v][0], y0, sizeof y0);
        q2_bias_act(out[v][0], bias, R, C, true);
        memcpy(out[v][1], g0, sizeof g0);
        q2_relu_backward(out[v][1], act, R * C, 1.25f);
        memcpy(out[v][2], w0, sizeof w0); memcpy(out[v][3], m10, sizeof m10); memcpy(out[v][4], m20, sizeof m20);
        q2_adam_update(out[v][2], out[v][3], out[v][4], g0, R * C, 1e-3f, 0.9f, 0.999f, 1e-8f);
    }
    q2_gemm_set_kernel(kernel0);
    CHECK(!memcmp(out[0][0], out[1][0], sizeof y0), "bias + ReLU: %s == c", kernel0);
    CHECK(!memcmp(out[0][1], out[1][1], sizeof g0), "ReLU backward: %s == c", kernel0);
    CHECK(!memcmp(out[0][2], out[1][2], sizeof(float) * 3 * R * C), "Adam (w, m1, m2): %s == c", kernel0);
    bool relu_ok = true;
    for (int i = 0; i < R * C; i++) {
        float v = y0[i] + bias[i % C];
        relu_ok &= out[1][0][i] == (v > 0 ? v : 0.0f);
    }
    CHECK(relu_ok && out[1][1][3] == 0.0f && out[1][1][4] == 0.0f, "bias + ReLU values; ReLU'(0) = 0");
    q2_gemm_set_threads(threads0);
    q2_gemm_set_engine(Q2_GEMM_OWN);
    CHECK(q2_gemm_engine_parse("own") == Q2_GEMM_OWN && q2_gemm_engine_parse("blas") == Q2_GEMM_BLAS &&
              q2_gemm_engine_parse("mkl") == Q2_EARG,
          "engine names parse");
    free(a); free(b); free(c1); free(c2);
}

/* ---- topology --------------------------------------------------------------------------------- */
static void test_arch(void)
{
    printf("arch strings\n");
    int L, d[Q2_MAX_LAYERS + 1];
    int rc = q2_mlp_parse_arch("784-512-512-10", &L, d);
    CHECK(rc == 0 && L == 3 && d[0] == 784 && d[1] == 512 && d[2] == 512 && d[3] == 10, "784-512-512-10");
    CHECK(q2_mlp_parse_arch("4-2", &L, d) == 0 && L == 1, "4-2: one layer");
    static const char *bad[] = {"", "784", "784-", "-10", "784--10", "784-0-10", "784-x-10", "784-4097-10",
                                "1-2-3-4-5-6-7-8-9-10", "784-512-10 "};
    int rejected = 0;
    fflush(stdout);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) rejected += q2_mlp_parse_arch(bad[i], &L, d) == Q2_EARG;
    CHECK(rejected == (int)(sizeof bad / sizeof bad[0]), "%d of %zu malformed strings rejected", rejected,
          sizeof bad / sizeof bad[0]);
    CHECK(q2_mlp_parse_arch("1-2-3-4-5-6-7-8-9", &L, d) == 0 && L == 8, "8 weight layers is the maximum");
    q2_mlp m;
    q2_mlp_init(&m, 3, (int[]){784, 512, 512, 10});
    char s[64];
    CHECK(q2_mlp_arch_string(&m, s, sizeof s) == 0 && !strcmp(s, "784-512-512-10"), "arch string %s", s);
    CHECK(q2_mlp_arch_string(&m, s, 8) == Q2_EARG, "arch string into a short buffer fails");
    CHECK(q2_mlp_n_params(&m) == 669706, "784-512-512-10 has %zu parameters", q2_mlp_n_params(&m));
    q2_mlp c;
    CHECK(q2_mlp_copy(&c, &m) == 0 && c.dims[3] == 10 && c.w[0] != m.w[0], "copy is deep");
    q2_mlp_free(&c);
    q2_mlp_free(&m);
    CHECK(m.w[0] == NULL && m.n_layers == 0, "free zeroes the struct");
    fflush(stdout);
    CHECK(q2_mlp_init(&m, 2, (int[]){4, 0, 3}) == Q2_EARG, "init rejects a zero width");
}

/* ---- forward pass ----------------------------------------------------------------------------- */
static void random_mlp(q2_mlp *m, int L, const int *dims, uint64_t seed)
{
    q2_rng r;
    q2_rng_init(&r, seed);
    q2_mlp_init(m, L, dims);
    for (int l = 0; l < L; l++) {
        fill(m->w[l], (size_t)dims[l + 1] * dims[l], &r);
        for (size_t i = 0; i < (size_t)dims[l + 1] * dims[l]; i++) m->w[l][i] *= 0.3f;
        fill(m->b[l], (size_t)dims[l + 1], &r);
    }
}

static void test_forward(void)
{
    printf("forward pass against plain loops\n");
    const int dims[] = {37, 29, 19, 7}, L = 3, n = 300; /* n > 256: two chunks */
    q2_mlp m;
    random_mlp(&m, L, dims, 3);
    q2_rng r;
    q2_rng_init(&r, 4);
    float *x = malloc(sizeof(float) * n * dims[0]), *logits = malloc(sizeof(float) * n * dims[L]);
    float *h0 = malloc(sizeof(float) * n * dims[1]), *h1 = malloc(sizeof(float) * n * dims[2]);
    fill(x, (size_t)n * dims[0], &r);
    float *hidden[2] = {h0, h1};
    int rc = q2_mlp_forward(&m, x, n, logits, hidden);
    double worst = 0;
    double act[3][64];
    for (int e = 0; e < n; e++) {
        const float *in = x + (size_t)e * dims[0];
        double a_in[64];
        for (int i = 0; i < dims[0]; i++) a_in[i] = in[i];
        for (int l = 0; l < L; l++) {
            for (int j = 0; j < dims[l + 1]; j++) {
                double s = m.b[l][j], sa = fabs(m.b[l][j]);
                for (int i = 0; i < dims[l]; i++) {
                    double t = (double)m.w[l][(size_t)j * dims[l] + i] * (l ? act[l - 1][i] : a_in[i]);
                    s += t;
                    sa += fabs(t);
                }
                act[l][j] = l < L - 1 && s < 0 ? 0 : s;
                float got = l == L - 1 ? logits[(size_t)e * dims[L] + j] : hidden[l][(size_t)e * dims[l + 1] + j];
                double err = fabs(got - act[l][j]) / (FWD_REL_TOL * (sa + 1e-6));
                if (err > worst) worst = err;
            }
        }
    }
    CHECK(rc == 0 && worst <= 1.0, "37-29-19-7 on %d examples, logits and both hidden layers: worst %.3g", n,
          worst);
    float *logits2 = malloc(sizeof(float) * n * dims[L]);
    q2_mlp_forward(&m, x, n, logits2, NULL);
    CHECK(!memcmp(logits, logits2, sizeof(float) * n * dims[L]), "hidden == NULL gives the same logits");
    float one[7];
    q2_mlp_forward(&m, x + (size_t)123 * dims[0], 1, one, NULL);
    CHECK(!memcmp(one, logits + 123 * 7, sizeof one), "one example alone gives the same bits as in a batch");
    /* the weights packed once: the bits of the own engine, in a batch and alone */
    q2_gemm_engine e0 = q2_gemm_get_engine();
    q2_gemm_set_engine(Q2_GEMM_OWN);
    q2_mlp_forward(&m, x, n, logits, NULL);
    q2_mlp_packed pk;
    float *logits3 = malloc(sizeof(float) * n * dims[L]);
    rc = q2_mlp_pack(&m, &pk);
    if (!rc) rc = q2_mlp_forward_packed(&m, &pk, x, n, logits3);
    CHECK(rc == 0 && !memcmp(logits, logits3, sizeof(float) * n * dims[L]),
          "packed weights: the same bits as q2_mlp_forward with the own engine, %d examples", n);
    if (!rc) rc = q2_mlp_forward_packed(&m, &pk, x + (size_t)123 * dims[0], 1, one);
    CHECK(rc == 0 && !memcmp(one, logits + 123 * 7, sizeof one), "packed weights, one example alone: the same bits");
    q2_mlp_packed_free(&pk);
    q2_gemm_set_engine(e0);
    free(logits3);
    free(x); free(logits); free(logits2); free(h0); free(h1);
    q2_mlp_free(&m);
}

static void test_accuracy(void)
{
    printf("accuracy\n");
    /* 2x2 images, 4 classes, identity weights: the class is the brightest pixel (first on ties). */
    q2_mlp m;
    q2_mlp_init(&m, 1, (int[]){4, 4});
    for (int j = 0; j < 4; j++) m.w[0][j * 4 + j] = 1.0f;
    enum { N = 1000 };
    uint8_t px[N * 4], lb[N];
    q2_rng r;
    q2_rng_init(&r, 5);
    for (int i = 0; i < N; i++) {
        for (int p = 0; p < 4; p++) px[i * 4 + p] = (uint8_t)q2_rng_below(&r, 4) * 85;
        int best = 0;
        for (int p = 1; p < 4; p++)
            if (px[i * 4 + p] > px[i * 4 + best]) best = p;
        lb[i] = (uint8_t)best;
    }
    q2_dataset d = {N, 2, 2, px, lb};
    double acc = q2_mlp_accuracy(&m, &d);
    CHECK(acc == 1.0, "brightest-pixel classifier: %.4f (ties go to the lowest index)", acc);
    for (int i = 0; i < N / 4; i++) lb[i] = (uint8_t)((lb[i] + 1) % 4);
    acc = q2_mlp_accuracy(&m, &d);
    CHECK(acc == 0.75, "a quarter of the labels moved: %.4f", acc);
    q2_dataset bad = {N, 3, 3, px, lb};
    fflush(stdout);
    CHECK(q2_mlp_accuracy(&m, &bad) < 0, "9-pixel images into a 4-input model: error");
    float x[4];
    q2_mlp_scale_pixels((const uint8_t[]){0, 1, 128, 255}, 4, x);
    CHECK(x[0] == 0.0f && x[1] == 1.0f / 255.0f && x[2] == 128.0f / 255.0f && x[3] == 1.0f, "pixels / 255");
    q2_mlp_free(&m);
}

/* ---- model file ------------------------------------------------------------------------------- */
static uint8_t *slurp(const char *p, size_t *n)
{
    uint8_t *b = NULL;
    return q2_read_file(p, &b, n, 0) ? NULL : b;
}

static int load_captured(q2_mlp *m, const char *path)
{
    capture_begin();
    int rc = q2_mlp_load(m, path);
    errbuf = capture_end();
    if (*errbuf) printf("     stderr: %s", errbuf);
    return rc;
}

/* Write `bytes` modified by the caller to bad.mlp and expect a load error containing msg. */
static void expect_reject(const char *what, const uint8_t *b, size_t n, const char *msg)
{
    const char *p = check_path("bad.mlp");
    check_write(p, b, n);
    q2_mlp m;
    int rc = load_captured(&m, p);
    CHECK(rc == Q2_EFORMAT && strstr(errbuf, msg) && m.w[0] == NULL, "%s: rejected with \"%s\"", what, msg);
    q2_mlp_free(&m);
}

static void put_crc(uint8_t *b, size_t n) { q2_wr32(b + n - 4, q2_crc32(b, n - 4)); }

static void test_file(void)
{
    printf(".mlp model file\n");
    const int dims[] = {6, 5, 3};
    q2_mlp m, l;
    random_mlp(&m, 2, dims, 9);
    char p[600];
    snprintf(p, sizeof p, "%s", check_path("sub/dir/m.mlp"));
    int rc = q2_mlp_save(&m, p);
    CHECK(rc == 0, "save into a new sub-directory");
    size_t n;
    uint8_t *b = slurp(p, &n);
    size_t want = 12 + 4 * 3 + 4 * (5 * 6 + 5 + 3 * 5 + 3) + 4;
    CHECK(b && n == want, "size %zu = header 24 + floats 212 + CRC 4 = %zu", n, want);
    if (!b) return;
    CHECK(!memcmp(b, "Q2FM", 4) && q2_rd16(b + 4) == 1 && q2_rd16(b + 6) == 2 && q2_rd32(b + 8) == n &&
              q2_rd32(b + 12) == 6 && q2_rd32(b + 16) == 5 && q2_rd32(b + 20) == 3,
          "header: \"Q2FM\", version 1, n_layers 2, total_size, dims 6 5 3");
    float w0;
    uint32_t u = q2_rd32(b + 24);
    memcpy(&w0, &u, 4);
    CHECK(w0 == m.w[0][0] && q2_rd32(b + n - 4) == q2_crc32(b, n - 4), "first weight at 24, CRC32 at the end");
    rc = q2_mlp_load(&l, p);
    bool same = rc == 0 && l.n_layers == 2;
    for (int k = 0; same && k < 2; k++)
        same = !memcmp(l.w[k], m.w[k], sizeof(float) * dims[k] * dims[k + 1]) &&
               !memcmp(l.b[k], m.b[k], sizeof(float) * dims[k + 1]);
    CHECK(same, "round trip: every weight and bias bit-identical");
    q2_mlp_free(&l);
    char tmpname[700];
    snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", p, (long)getpid());
    CHECK(access(tmpname, F_OK) != 0, "no temporary file left behind");

    uint8_t *c = malloc(n);
#define MUTATE(stmt) do { memcpy(c, b, n); stmt; } while (0)
    MUTATE(c[100] ^= 0x10);
    expect_reject("one data bit flipped", c, n, "bad CRC32");
    MUTATE(c[n - 1] ^= 1);
    expect_reject("CRC byte flipped", c, n, "bad CRC32");
    expect_reject("truncated by 1", b, n - 1, "truncated");
    expect_reject("truncated to 10 bytes", b, 10, "shorter than the 12-byte header");
    expect_reject("truncated to 18 bytes", b, 18, "shorter than the 24-byte header");
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, b, n);
    longer[n] = 0;
    expect_reject("one trailing byte", longer, n + 1, "trailing bytes");
    free(longer);
    MUTATE(c[0] = 'X');
    expect_reject("magic", c, n, "bad magic");
    MUTATE(q2_wr16(c + 4, 3));
    expect_reject("version 3", c, n, "bad version 3, need 1");
    MUTATE(q2_wr16(c + 6, 9));
    expect_reject("n_layers 9", c, n, "bad n_layers 9");
    MUTATE(q2_wr32(c + 16, 0));
    expect_reject("dims[1] = 0", c, n, "bad dims[1] 0");
    MUTATE(q2_wr32(c + 16, 4); put_crc(c, n));
    expect_reject("dims[1] 5 -> 4, CRC fixed", c, n, "bad total_size");
    MUTATE(q2_wr32(c + 8, (uint32_t)n + 4));
    expect_reject("total_size + 4", c, n, "bad total_size");
    MUTATE(q2_wr32(c + 24 + 4 * 7, 0x7fc00000u); put_crc(c, n));
    expect_reject("a NaN weight, CRC fixed", c, n, "w[0][7] is not finite");
    free(c);
    free(b);
    rc = load_captured(&l, check_path("none.mlp"));
    CHECK(rc == Q2_EIO, "missing file: Q2_EIO");
    q2_mlp_free(&m);
}

/* q2_mlp_export_npy_dir writes what q2_mlp_import_npy_dir reads back, bit for bit. */
static void test_npy_export(void)
{
    printf(".npy export\n");
    const int dims[] = {7, 4, 3, 2};
    q2_mlp m, l;
    random_mlp(&m, 3, dims, 21);
    char dir[600];
    snprintf(dir, sizeof dir, "%s", check_path("npy/out"));
    CHECK(q2_mlp_export_npy_dir(&m, dir) == 0, "export 7-4-3-2 into a new directory");
    int itemsize = 0;
    int rc = q2_mlp_import_npy_dir(&l, dir, "7-4-3-2", false, &itemsize);
    bool same = rc == 0 && l.n_layers == 3 && itemsize == 4;
    for (int k = 0; same && k < 3; k++)
        same = !memcmp(l.w[k], m.w[k], sizeof(float) * dims[k] * dims[k + 1]) &&
               !memcmp(l.b[k], m.b[k], sizeof(float) * dims[k + 1]);
    CHECK(same, "import --dir of the export: the same float32 bits, 3 layers");
    if (!rc) q2_mlp_free(&l);
    q2_mlp_free(&m);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_tmpdir("q2mlp");
    test_gemm_accuracy();
    test_gemm_bits();
    test_arch();
    test_forward();
    test_accuracy();
    test_file();
    test_npy_export();
    check_tmpdir_remove();
    return check_summary();
}
