/* test_quant_ptq.c — the post-training quantizers (sw/quant/ptq.c): Cholesky and the inverse factor
 * against plain reconstructions, GPTQ on small problems against the OBQ reference (quantize one
 * input, update the rest with the full inverse Hessian, eliminate that input) and, for n = 2,
 * against the closed form; bias correction zeroes the mean output error of the first layer and
 * shrinks it in the others; every method puts the weights on the grid; pack --method keeps the
 * .q2 format. Numbered checks, PASSED/FAILED, exit 1 on any failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/pack.h"
#include "quant/ptq.h"
#include "base/util.h"
#include "check.h"

#define LA_TOL     1e-9  /* reconstructions in double, n <= 12 */
#define GPTQ_TOL   1e-9  /* GPTQ vs the OBQ reference, weights still free */
#define BC_L0_TOL  1e-4  /* mean output error of layer 0 after bias correction (float sums) */

/* A random symmetric positive definite matrix X^T X + I of size n. */
static void spd(double *h, int n, q2_rng *r)
{
    double x[64 * 12];
    for (int k = 0; k < 64 * n; k++) x[k] = q2_rng_normal(r) + (k % n ? 0.7 * x[k - 1] : 0.0); /* correlated */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = i == j ? 1.0 : 0.0;
            for (int t = 0; t < 64; t++) s += x[t * n + i] * x[t * n + j];
            h[i * n + j] = s;
        }
}

static void test_cholesky(void)
{
    q2_rng r;
    q2_rng_init(&r, 7);
    enum { N = 12 };
    double h[N * N], a[N * N], u[N * N];
    spd(h, N, &r);
    memcpy(a, h, sizeof h);
    CHECK(q2_chol_lower(a, N) == 0, "Cholesky of a 12x12 SPD matrix succeeds");
    double err = 0, upper = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += a[i * N + k] * a[j * N + k];
            err = fmax(err, fabs(s - h[i * N + j]) / h[i * N + i]);
            if (j > i) upper = fmax(upper, fabs(a[i * N + j]));
        }
    CHECK(err < LA_TOL && upper == 0, "L L^T = H (max rel. error %.2g), upper triangle zero", err);
    memcpy(u, h, sizeof h);
    CHECK(q2_chol_inv_upper(u, N) == 0, "inverse factor succeeds");
    /* U^T U H = I */
    err = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) {
                double g = 0;
                for (int t = 0; t < N; t++) g += u[t * N + i] * u[t * N + k];
                s += g * h[k * N + j];
            }
            err = fmax(err, fabs(s - (i == j)));
        }
    CHECK(err < LA_TOL, "U^T U = H^{-1} (max error of U^T U H - I: %.2g)", err);
    double bad[4] = {1, 2, 2, 1};
    CHECK(q2_chol_lower(bad, 2) == Q2_EARG, "an indefinite matrix is refused");
}

/* The OBQ reference: quantize input p, spread the error with the inverse Hessian of the free
 * inputs, remove p from it by one step of Gaussian elimination. */
static void obq_reference(double *w, int n, const double *h, float delta)
{
    double g[12 * 12];
    memcpy(g, h, (size_t)n * (size_t)n * sizeof *g);
    q2_chol_lower(g, n); /* g := H^{-1} via the factor: solve column by column (tiny n) */
    double hinv[12 * 12];
    for (int c = 0; c < n; c++) {
        double y[12], x[12];
        for (int i = 0; i < n; i++) {
            double s = (i == c);
            for (int k = 0; k < i; k++) s -= g[i * n + k] * y[k];
            y[i] = s / g[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= g[k * n + i] * x[k];
            x[i] = s / g[i * n + i];
        }
        for (int i = 0; i < n; i++) hinv[i * n + c] = x[i];
    }
    for (int p = 0; p < n; p++) {
        double q = q2_quant_round((float)w[p], delta), e = (w[p] - q) / hinv[p * n + p];
        for (int t = p + 1; t < n; t++) w[t] -= e * hinv[t * n + p];
        w[p] = q;
        for (int i = p + 1; i < n; i++)
            for (int j = p + 1; j < n; j++)
                hinv[i * n + j] -= hinv[i * n + p] * hinv[p * n + j] / hinv[p * n + p];
    }
}

static void test_gptq(void)
{
    q2_rng r;
    q2_rng_init(&r, 11);
    enum { N = 10 };
    double h[N * N], u[N * N], w[N], ref[N];
    int same = 0, trials = 20;
    double worst = 0;
    for (int t = 0; t < trials; t++) {
        spd(h, N, &r);
        memcpy(u, h, sizeof h);
        q2_chol_inv_upper(u, N);
        for (int i = 0; i < N; i++) w[i] = ref[i] = q2_rng_normal(&r);
        float delta = 0.8f;
        q2_gptq_rows(w, 1, N, u, NULL, &delta);
        obq_reference(ref, N, h, delta);
        bool eq = true;
        for (int i = 0; i < N; i++) {
            eq &= w[i] == ref[i] || fabs(w[i] - ref[i]) < GPTQ_TOL;
            worst = fmax(worst, fabs(w[i] - ref[i]));
        }
        same += eq;
    }
    CHECK(same == trials, "GPTQ (Cholesky form) = OBQ reference on %d random 10-input problems "
          "(%d agree, max |diff| %.2g)", trials, same, worst);
    /* n = 2 closed form: w1 += (H01 / H11) (w0 - q0) before w1 is rounded */
    double h2[4] = {2.0, 0.9, 0.9, 1.0}, u2[4], w2[2] = {0.3, 0.1};
    memcpy(u2, h2, sizeof h2);
    q2_chol_inv_upper(u2, 2);
    float d2 = 1.0f;
    q2_gptq_rows(w2, 1, 2, u2, NULL, &d2);
    double w1 = 0.1 + 0.9 / 1.0 * (0.3 - 0.5); /* q0 = +delta/2 = 0.5 -> w1 = -0.08 -> q1 = -0.5 */
    CHECK(w2[0] == 0.5 && w2[1] == q2_quant_round((float)w1, d2),
          "n = 2: q0 = %g, q1 = %g (closed form: w1 -> %g -> %g)", w2[0], w2[1], w1,
          q2_quant_round((float)w1, d2));
    /* the permutation: order 1, 0 quantizes input 1 first */
    int perm[2] = {1, 0};
    double hp[4] = {1.0, 0.9, 0.9, 2.0}, w3[2] = {0.3, 0.1};
    memcpy(u2, hp, sizeof hp); /* H in the permuted order: (H11, H10; H01, H00) */
    q2_chol_inv_upper(u2, 2);
    q2_gptq_rows(w3, 1, 2, u2, perm, &d2);
    double w0 = 0.3 + 0.9 / 2.0 * (0.1 - 0.5);
    CHECK(w3[1] == 0.5 && w3[0] == q2_quant_round((float)w0, d2), "permuted order: q1 first, then w0 -> %g", w0);
}

/* ---- whole networks ------------------------------------------------------------------------------------ */
/* A random 36-24-16-5 network (Laplacian weights) and 600 random 6x6 images. */
static void synth(q2_mlp *m, q2_dataset *d, uint64_t seed)
{
    int dims[4] = {36, 24, 16, 5};
    if (q2_mlp_init(m, 3, dims)) exit(2);
    q2_rng r;
    q2_rng_init(&r, seed);
    for (int l = 0; l < 3; l++) {
        for (int k = 0; k < dims[l] * dims[l + 1]; k++)
            m->w[l][k] = (float)(q2_rng_laplace(&r) * sqrt(2.0 / dims[l]));
        for (int j = 0; j < dims[l + 1]; j++) m->b[l][j] = (float)(0.1 * q2_rng_normal(&r));
    }
    d->n = 600;
    d->rows = d->cols = 6;
    d->images = malloc(600 * 36);
    d->labels = calloc(600, 1);
    for (int k = 0; k < 600 * 36; k++)
        d->images[k] = q2_rng_below(&r, 3) ? 0 : (uint8_t)q2_rng_below(&r, 256);
}

/* Mean over the images of (float - quantized) pre-activation of layer l, averaged |.| over neurons,
 * both networks run from the pixels. */
static double mean_abs_bias_error(const q2_mlp *m, const q2_mlp *q, const q2_dataset *d, int l)
{
    const int n_out = m->dims[l + 1];
    double *acc = calloc((size_t)n_out, sizeof *acc);
    float x[36], hf[2][64], hq[2][64], yf[64], yq[64];
    for (int t = 0; t < d->n; t++) {
        q2_mlp_scale_pixels(d->images + t * 36, 36, x);
        const float *inf = x, *inq = x;
        for (int k = 0; k < l; k++) {
            q2_mlp_layer_forward(m, k, inf, 1, hf[k % 2], true);
            q2_mlp_layer_forward(q, k, inq, 1, hq[k % 2], true);
            inf = hf[k % 2];
            inq = hq[k % 2];
        }
        q2_mlp_layer_forward(m, l, inf, 1, yf, false);
        q2_mlp_layer_forward(q, l, inq, 1, yq, false);
        for (int j = 0; j < n_out; j++) acc[j] += (double)yf[j] - yq[j];
    }
    double s = 0;
    for (int j = 0; j < n_out; j++) s += fabs(acc[j] / d->n);
    free(acc);
    return s / n_out;
}

static void test_methods(void)
{
    q2_mlp m, q[Q2_METHOD_COUNT];
    q2_dataset d;
    q2_deltas dl;
    synth(&m, &d, 5);
    q2_mlp tmp;
    if (q2_quantize_mlp(&m, Q2_SCOPE_NEURON, Q2_RULE_OPT, NULL, &tmp, &dl)) exit(2);
    q2_mlp_free(&tmp);
    for (int k = 0; k < Q2_METHOD_COUNT; k++) {
        CHECK(q2_ptq_apply(&m, &dl, (q2_method)k, &d, d.n, Q2_DELTA_DEAD, &q[k]) == 0, "method %s runs",
              q2_method_name((q2_method)k));
        int off = 0;
        for (int l = 0; l < 3; l++)
            for (int j = 0; j < m.dims[l + 1]; j++)
                for (int i = 0; i < m.dims[l]; i++) {
                    float w = q[k].w[l][j * m.dims[l] + i], dd = dl.delta[l][j];
                    off += w != q2_quant_value(q2_quant_code(w, dd), dd);
                }
        CHECK(off == 0, "method %s: every weight on its neuron's grid (%d off)", q2_method_name((q2_method)k), off);
    }
    double e0p = mean_abs_bias_error(&m, &q[Q2_METHOD_PLAIN], &d, 0);
    double e0b = mean_abs_bias_error(&m, &q[Q2_METHOD_BIASCORR], &d, 0);
    CHECK(e0p > 10 * BC_L0_TOL && e0b < BC_L0_TOL, "bias correction: layer 0 mean output error %.3g -> %.2g", e0p, e0b);
    for (int l = 1; l < 3; l++) {
        double p = mean_abs_bias_error(&m, &q[Q2_METHOD_PLAIN], &d, l);
        double b = mean_abs_bias_error(&m, &q[Q2_METHOD_BIASCORR], &d, l);
        double g = mean_abs_bias_error(&m, &q[Q2_METHOD_GPTQ_BC], &d, l);
        CHECK(b < 0.1 * p && g < 0.1 * p, "layer %d mean output error: plain %.3g, biascorr %.3g, gptq-bc %.3g", l, p, b, g);
    }
    CHECK(q2_method_parse("gptq") == Q2_METHOD_GPTQ && q2_method_parse("nope") == Q2_EARG,
          "method names parse; an unknown one is refused");
    q2_mlp bad;
    q2_dataset none = d;
    none.rows = 5;
    CHECK(q2_ptq_apply(&m, &dl, Q2_METHOD_GPTQ, &none, d.n, Q2_DELTA_DEAD, &bad) == Q2_EARG,
          "calibration images of the wrong size are refused");
    for (int k = 0; k < Q2_METHOD_COUNT; k++) q2_mlp_free(&q[k]);
    q2_deltas_free(&dl);
    q2_mlp_free(&m);
    free(d.images);
    free(d.labels);
}

int main(void)
{
    test_cholesky();
    test_gptq();
    test_methods();
    return check_summary();
}
