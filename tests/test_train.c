/* test_train.c — training (sw/float/train.c): backprop against finite differences, loss decrease with
 * Adam and SGD, bit-identical weights from two runs (both GEMM engines; the hand-written one also
 * across thread counts), the best-validation epoch kept, argument errors; then a small real-MNIST
 * subset if $MNIST_DIR has it. Synthetic data: 10 noisy 8x8 prototypes. */
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
#define GRAD_EPS      1e-3  /* central-difference step on a parameter (double-precision loss below) */
#define GRAD_REL_TOL  2e-2  /* |numeric - backprop| <= tol * max(|numeric|, |backprop|) + GRAD_ABS_TOL */
#define GRAD_ABS_TOL  2e-4
#define SYNTH_MIN_ACC 0.90  /* 64-32-10 on the synthetic prototypes after 3 epochs */
#define MNIST_MIN_ACC 0.88  /* 784-64-10, 3000 images, 2 epochs */

/* ---- synthetic data --------------------------------------------------------------------------- */
static q2_dataset synth(int n, uint64_t seed, uint8_t protos[10][64])
{
    q2_rng r;
    q2_rng_init(&r, seed);
    q2_dataset d = {n, 8, 8, malloc((size_t)n * 64), malloc((size_t)n)};
    for (int i = 0; i < n; i++) {
        int c = (int)q2_rng_below(&r, 10);
        d.labels[i] = (uint8_t)c;
        for (int p = 0; p < 64; p++) {
            double v = protos[c][p] + 110.0 * q2_rng_normal(&r);
            d.images[(size_t)i * 64 + p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    return d;
}

/* Loss in double precision for the finite differences. */
static double loss_double(const q2_mlp *m, const float *x, const uint8_t *y, int n)
{
    double total = 0, a[2][64];
    for (int e = 0; e < n; e++) {
        for (int i = 0; i < m->dims[0]; i++) a[0][i] = x[(size_t)e * m->dims[0] + i];
        int cur = 0;
        for (int l = 0; l < m->n_layers; l++) {
            for (int j = 0; j < m->dims[l + 1]; j++) {
                double s = m->b[l][j];
                for (int i = 0; i < m->dims[l]; i++) s += (double)m->w[l][(size_t)j * m->dims[l] + i] * a[cur][i];
                a[cur ^ 1][j] = l < m->n_layers - 1 && s < 0 ? 0 : s;
            }
            cur ^= 1;
        }
        int C = m->dims[m->n_layers];
        double zmax = a[cur][0], sum = 0;
        for (int j = 1; j < C; j++) zmax = fmax(zmax, a[cur][j]);
        for (int j = 0; j < C; j++) sum += exp(a[cur][j] - zmax);
        total += log(sum) - (a[cur][y[e]] - zmax);
    }
    return total / n;
}

static void test_gradient(void)
{
    printf("backprop against central differences\n");
    const int dims[] = {6, 5, 4, 3}, n = 7;
    q2_mlp m, g;
    q2_mlp_init(&m, 3, dims);
    q2_mlp_init(&g, 3, dims);
    q2_train_he_init(&m, 11);
    q2_rng r;
    q2_rng_init(&r, 12);
    for (int l = 0; l < 3; l++)
        for (int j = 0; j < dims[l + 1]; j++) m.b[l][j] = (float)(0.1 * q2_rng_normal(&r));
    float x[7 * 6];
    uint8_t y[7];
    for (int i = 0; i < n * 6; i++) x[i] = (float)q2_rng_uniform(&r);
    for (int i = 0; i < n; i++) y[i] = (uint8_t)q2_rng_below(&r, 3);
    double loss;
    int rc = q2_train_gradient(&m, x, y, n, &g, &loss);
    CHECK(rc == 0 && fabs(loss - loss_double(&m, x, y, n)) < 1e-5, "loss %.6f = double-precision loss", loss);
    int bad = 0, total = 0;
    double worst = 0;
    for (int l = 0; l < 3; l++)
        for (int pass = 0; pass < 2; pass++) {
            float *p = pass ? m.b[l] : m.w[l], *gp = pass ? g.b[l] : g.w[l];
            int cnt = pass ? dims[l + 1] : dims[l + 1] * dims[l];
            for (int i = 0; i < cnt; i++, total++) {
                float keep = p[i], hi = keep + (float)GRAD_EPS, lo = keep - (float)GRAD_EPS;
                p[i] = hi;
                double lp = loss_double(&m, x, y, n);
                p[i] = lo;
                double lm = loss_double(&m, x, y, n);
                p[i] = keep;
                double num = (lp - lm) / ((double)hi - lo), err = fabs(num - gp[i]);
                double tol = GRAD_REL_TOL * fmax(fabs(num), fabs(gp[i])) + GRAD_ABS_TOL;
                if (err > tol) {
                    bad++;
                    printf("     layer %d %s[%d]: numeric %.6f backprop %.6f\n", l, pass ? "b" : "w", i, num, gp[i]);
                }
                worst = fmax(worst, err / tol);
            }
        }
    CHECK(bad == 0, "%d parameters of 6-5-4-3: %d outside the budget (worst %.3g of it)", total, bad, worst);
    y[0] = 3;
    fflush(stdout);
    CHECK(q2_train_gradient(&m, x, y, n, &g, &loss) == Q2_EARG, "label 3 with 3 classes: error");
    q2_mlp_free(&m);
    q2_mlp_free(&g);
}

/* ---- training on synthetic data --------------------------------------------------------------- */
typedef struct {
    q2_mlp m;
    q2_train_result res;
    int rc;
} run;

static run train_once(const q2_dataset *tr, const q2_dataset *va, const char *arch, q2_train_opts o)
{
    run R;
    int L, dims[Q2_MAX_LAYERS + 1];
    q2_mlp_parse_arch(arch, &L, dims);
    q2_mlp_init(&R.m, L, dims);
    q2_train_he_init(&R.m, o.seed);
    R.rc = q2_train_mlp(&R.m, tr, va, &o, &R.res);
    return R;
}

static bool same_weights(const q2_mlp *a, const q2_mlp *b)
{
    if (a->n_layers != b->n_layers) return false;
    for (int l = 0; l < a->n_layers; l++)
        if (memcmp(a->w[l], b->w[l], sizeof(float) * (size_t)a->dims[l] * a->dims[l + 1]) ||
            memcmp(a->b[l], b->b[l], sizeof(float) * (size_t)a->dims[l + 1]))
            return false;
    return true;
}

/* Adam for 3 epochs: the loss falls, the accuracy is reached and kept. Returns the run (to compare). */
static run synthetic_adam(const q2_dataset *tr, const q2_dataset *va, const q2_train_opts *o)
{
    run a = train_once(tr, va, "64-32-10", *o);
    CHECK(a.rc == 0 && a.res.epochs_run == 3, "adam, 3 epochs: rc %d", a.rc);
    CHECK(a.res.loss[0] > a.res.loss[1] && a.res.loss[1] > a.res.loss[2], "loss falls: %.4f %.4f %.4f",
          a.res.loss[0], a.res.loss[1], a.res.loss[2]);
    CHECK(a.res.best_val_acc >= SYNTH_MIN_ACC, "best val accuracy %.4f >= %.2f (epoch %d)", a.res.best_val_acc,
          SYNTH_MIN_ACC, a.res.best_epoch);
    CHECK(q2_mlp_accuracy(&a.m, va) == a.res.best_val_acc, "the kept weights score the best accuracy");
    CHECK(a.res.images == 3L * 2000 && a.res.step_s > 0, "%ld images processed", a.res.images);
    return a;
}

/* Same weights as a's run: again, on 2 threads, with the portable kernel, with OpenBLAS; other
 * weights with another seed. Leaves the own GEMM on 2 threads. */
static void synthetic_determinism(const q2_dataset *tr, const q2_dataset *va, q2_train_opts *o, const run *a)
{
    run b = train_once(tr, va, "64-32-10", *o);
    CHECK(same_weights(&a->m, &b.m), "own GEMM: two runs give identical weights");
    q2_gemm_set_threads(2);
    run c = train_once(tr, va, "64-32-10", *o);
    CHECK(same_weights(&a->m, &c.m), "own GEMM: 2 threads give the weights of 1 thread");
    const char *kernel0 = q2_gemm_kernel_name();
    run c2 = {0};
    if (q2_gemm_set_kernel("c") == 0) { /* one epoch: the portable kernel is slow under ASan */
        o->epochs = 1;
        c2 = train_once(tr, va, "64-32-10", *o);
        q2_gemm_set_kernel(kernel0);
        run c1 = train_once(tr, va, "64-32-10", *o);
        CHECK(same_weights(&c1.m, &c2.m), "own GEMM: the portable kernel gives the weights of %s", kernel0);
        q2_mlp_free(&c1.m);
        o->epochs = 3;
    }
    q2_gemm_set_engine(Q2_GEMM_BLAS);
    run d1 = train_once(tr, va, "64-32-10", *o), d2 = train_once(tr, va, "64-32-10", *o);
    CHECK(d1.rc == 0 && same_weights(&d1.m, &d2.m), "OpenBLAS, 2 threads: two runs give identical weights");
    q2_gemm_set_engine(Q2_GEMM_OWN);
    o->seed = 2;
    run e = train_once(tr, va, "64-32-10", *o);
    CHECK(!same_weights(&a->m, &e.m), "another seed gives other weights");
    o->seed = 1;
    run *all[] = {&b, &c, &c2, &d1, &d2, &e};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) q2_mlp_free(&all[i]->m);
}

/* Constant lr: a run stopped at the best epoch must end with exactly the weights kept; then SGD. */
static void synthetic_const_sgd(const q2_dataset *tr, const q2_dataset *va, q2_train_opts *o)
{
    o->schedule = Q2_TRAIN_LR_CONST;
    o->epochs = 4;
    run k4 = train_once(tr, va, "64-32-10", *o);
    o->epochs = k4.res.best_epoch;
    run kb = train_once(tr, va, "64-32-10", *o);
    CHECK(k4.rc == 0 && same_weights(&k4.m, &kb.m), "4 epochs keep epoch %d's weights (val %.4f %.4f %.4f %.4f)",
          k4.res.best_epoch, k4.res.val_acc[0], k4.res.val_acc[1], k4.res.val_acc[2], k4.res.val_acc[3]);
    o->epochs = 3;
    o->schedule = Q2_TRAIN_LR_COSINE;

    o->opt = Q2_TRAIN_OPT_SGD;
    o->lr = 0.05f;
    o->dropout = 0;
    run s = train_once(tr, va, "64-32-10", *o);
    CHECK(s.rc == 0 && s.res.loss[2] < s.res.loss[0] && s.res.best_val_acc >= SYNTH_MIN_ACC,
          "sgd+momentum, no dropout: loss %.4f -> %.4f, val %.4f", s.res.loss[0], s.res.loss[2],
          s.res.best_val_acc);
    q2_mlp_free(&k4.m);
    q2_mlp_free(&kb.m);
    q2_mlp_free(&s.m);
}

static void synthetic_arg_errors(const q2_dataset *tr, const q2_dataset *va, q2_train_opts *o)
{
    printf("argument errors\n");
    fflush(stdout);
    run f = train_once(tr, va, "63-32-10", *o);
    CHECK(f.rc == Q2_EARG, "64-pixel images into a 63-input model");
    run g = train_once(tr, va, "64-32-9", *o);
    CHECK(g.rc == Q2_EFORMAT, "label 9 with 9 classes");
    o->epochs = 0;
    run h = train_once(tr, va, "64-32-10", *o);
    CHECK(h.rc == Q2_EARG, "0 epochs");
    o->epochs = 1;
    o->dropout = 1.0f;
    run k = train_once(tr, va, "64-32-10", *o);
    CHECK(k.rc == Q2_EARG, "dropout 1");
    CHECK(q2_train_optimizer_parse("adam") == Q2_TRAIN_OPT_ADAM && q2_train_optimizer_parse("sgd") == Q2_TRAIN_OPT_SGD &&
              q2_train_optimizer_parse("rmsprop") == Q2_EARG && q2_train_schedule_parse("cosine") == Q2_TRAIN_LR_COSINE,
          "optimizer and schedule names parse");
    run *all[] = {&f, &g, &h, &k};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) q2_mlp_free(&all[i]->m);
}

static void test_synthetic(void)
{
    printf("training on synthetic 8x8 prototypes (64-32-10)\n");
    uint8_t protos[10][64];
    q2_rng r;
    q2_rng_init(&r, 21);
    for (int c = 0; c < 10; c++)
        for (int p = 0; p < 64; p++) protos[c][p] = (uint8_t)(q2_rng_below(&r, 2) * 200 + 20);
    q2_dataset tr = synth(2000, 22, protos), va = synth(500, 23, protos);
    q2_train_opts o;
    q2_train_opts_default(&o);
    o.epochs = 3;
    o.batch = 64;
    o.lr = 3e-3f; /* few steps: the default 1e-3 is tuned for 20 epochs of MNIST */
    o.progress = false;

    q2_gemm_set_engine(Q2_GEMM_OWN);
    q2_gemm_set_threads(1);
    run a = synthetic_adam(&tr, &va, &o);
    synthetic_determinism(&tr, &va, &o, &a);
    synthetic_const_sgd(&tr, &va, &o);
    synthetic_arg_errors(&tr, &va, &o);
    q2_mlp_free(&a.m);
    q2_dataset_free(&tr);
    q2_dataset_free(&va);
}

static void test_mnist(void)
{
    const char *dir = check_env("MNIST_DIR", "data/mnist");
    char img[512], lbl[512];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte", dir);
    snprintf(lbl, sizeof lbl, "%s/train-labels-idx1-ubyte", dir);
    if (access(img, R_OK)) {
        printf("real MNIST: skipped (no %s)\n", img);
        return;
    }
    printf("real MNIST subset (784-64-10, 3000 train / last 1000 val)\n");
    q2_dataset all;
    if (q2_dataset_load(&all, img, lbl)) {
        CHECK(false, "load %s", img);
        return;
    }
    q2_dataset tr = q2_dataset_slice(&all, 0, 3000), va = q2_dataset_slice(&all, all.n - 1000, 1000);
    q2_train_opts o;
    q2_train_opts_default(&o);
    o.epochs = 2;
    o.batch = 32;
    o.lr = 3e-3f;
    o.progress = false;
    run a = train_once(&tr, &va, "784-64-10", o);
    CHECK(a.rc == 0 && a.res.best_val_acc >= MNIST_MIN_ACC && a.res.loss[1] < a.res.loss[0],
          "val accuracy %.4f >= %.2f, loss %.4f -> %.4f", a.res.best_val_acc, MNIST_MIN_ACC, a.res.loss[0],
          a.res.loss[1]);
    q2_mlp_free(&a.m);
    q2_dataset_free(&all);
}

/* ---- input standardisation ------------------------------------------------------------------------ */
#define FOLD_TOL 1e-5 /* |logit(folded, x) - logit(m, (x - mu) * inv_sd)| relative to the logit scale */

static void test_standardize(void)
{
    /* statistics: 3 images of 2x1 pixels: pixel 0 = 0, 255, 0; pixel 1 = 51, 51, 51 */
    uint8_t px[6] = {0, 51, 255, 51, 0, 51};
    uint8_t lb[3] = {0, 0, 0};
    q2_dataset d = {.n = 3, .rows = 2, .cols = 1, .images = px, .labels = lb};
    float mu[2], isd[2];
    q2_train_input_stats(&d, Q2_TRAIN_STD_PIXEL, mu, isd);
    double m0 = 1.0 / 3, s0 = sqrt(1.0 / 3 - m0 * m0);
    CHECK(fabs(mu[0] - m0) < 1e-6 && fabs(isd[0] - 1 / s0) < 1e-4 && fabs(mu[1] - 0.2) < 1e-6 &&
          isd[1] == 1 / Q2_TRAIN_SD_FLOOR, "per-pixel mu/sd (%g, %g; %g, %g), a constant pixel gets the floor",
          mu[0], 1 / isd[0], mu[1], 1 / isd[1]);
    q2_train_input_stats(&d, Q2_TRAIN_STD_GLOBAL, mu, isd);
    double gm = (1.0 + 0.6) / 6, gv = (1.0 + 3 * 0.04) / 6 - gm * gm;
    CHECK(mu[0] == mu[1] && fabs(mu[0] - gm) < 1e-6 && fabs(isd[0] - 1 / sqrt(gv)) < 1e-4,
          "global mu/sd: one pair (%g, %g), need (%g, %g)", mu[0], 1 / isd[0], gm, sqrt(gv));
    /* folding: a random 20-16-4 network, logits on raw x vs standardised x */
    int dims[3] = {20, 16, 4};
    q2_mlp m, f;
    if (q2_mlp_init(&m, 2, dims)) exit(2);
    q2_train_he_init(&m, 9);
    q2_rng r;
    q2_rng_init(&r, 3);
    float fm[20], fi[20], x[20], xs[20], y0[4], y1[4];
    for (int i = 0; i < 20; i++) fm[i] = (float)q2_rng_uniform(&r), fi[i] = (float)(0.5 + 4 * q2_rng_uniform(&r));
    for (int j = 0; j < 16; j++) m.b[0][j] = (float)q2_rng_normal(&r);
    if (q2_mlp_copy(&f, &m)) exit(2);
    q2_train_fold_input(&f, fm, fi);
    double worst = 0;
    for (int t = 0; t < 50; t++) {
        for (int i = 0; i < 20; i++) x[i] = (float)q2_rng_uniform(&r), xs[i] = (x[i] - fm[i]) * fi[i];
        q2_mlp_forward(&m, xs, 1, y0, NULL);
        q2_mlp_forward(&f, x, 1, y1, NULL);
        for (int k = 0; k < 4; k++) worst = fmax(worst, fabs(y0[k] - y1[k]) / (1 + fabs(y0[k])));
    }
    CHECK(worst < FOLD_TOL, "folded network on x = network on (x - mu) / sd (max rel. logit diff %.2g)", worst);
    q2_mlp_free(&m);
    q2_mlp_free(&f);
    CHECK(q2_train_std_parse("global") == Q2_TRAIN_STD_GLOBAL && q2_train_std_parse("z") == Q2_EARG,
          "standardize names parse; an unknown one is refused");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_gradient();
    test_standardize();
    test_synthetic();
    test_mnist();
    return check_summary();
}
