/* test_quant.c — the 2-bit quantizer (sw/quant/quant.c): Laplacian theory against the reference numbers
 * and numeric integration, measured SQNR of synthetic Laplacian samples, exact thresholds and
 * levels, every support-region rule on hand-computed inputs, and q2_quantize_mlp per scope. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant.h"
#include "base/util.h"
#include "check.h"

/* ---- error budgets ----------------------------------------------------------------------------- */
#define REF_DELTA_TOL   5e-6   /* Delta_opt = 1.08739 is given to 6 significant digits */
#define REF_XMAX_TOL    1e-5   /* x_max_opt = 2.17479 */
#define REF_SQNR4_TOL   5e-5   /* 7.0707 dB is given to 4 decimals */
#define REF_SQNR3_TOL   5e-4   /* 7.065, 6.143, 6.063, 3.782 dB to 3 decimals */
#define INTEGRAL_TOL    1e-9   /* closed form vs Simpson integration (absolute, on D) */
#define SYNTH_SAMPLES   1000000
#define SYNTH_DB_TOL    0.05   /* measured SQNR of 1e6 Laplacian samples vs theory */
#define RULE_TOL        1e-9   /* hand-computed x_max (relative) */
#define MSE_GRID        20000  /* brute-force grid for the mse rule */
#define OCTAV_LAP_TOL   0.02   /* adapted OCTAV fixed point on 1e5 samples vs 2.17595 (theory) */

static bool close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fmax(1, fabs(b)); }

/* ---- theory ------------------------------------------------------------------------------------ */
static double lap_pdf(double x) { return exp(-1.41421356237309504880 * fabs(x)) / 1.41421356237309504880; }

/* Composite Simpson of (x - c)^2 p(x) on [a, b] with n (even) panels. */
static double simpson(double a, double b, double c, int n)
{
    double h = (b - a) / n, s = 0;
    for (int i = 0; i <= n; i++) {
        double x = a + i * h, f = (x - c) * (x - c) * lap_pdf(x);
        s += f * (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
    }
    return s * h / 3;
}

static void test_theory(void)
{
    printf("theory (unit-variance Laplacian)\n");
    q2_lap_point o = q2_lap_optimal();
    CHECK(fabs(o.delta - 1.08739) <= REF_DELTA_TOL, "optimal delta %.7f = 1.08739", o.delta);
    CHECK(fabs(o.xmax - 2.17479) <= REF_XMAX_TOL, "optimal x_max %.7f = 2.17479", o.xmax);
    CHECK(fabs(o.sqnr_db - 7.0707) <= REF_SQNR4_TOL, "optimal SQNR %.6f dB = 7.0707", o.sqnr_db);
    CHECK(fabs(o.xmax - Q2_XMAX_OPT) < 5e-5, "Q2_XMAX_OPT %.4f is the optimum rounded", Q2_XMAX_OPT);
    q2_lap_point l = q2_lap_theory(o.xmax - 1e-3), r = q2_lap_theory(o.xmax + 1e-3);
    CHECK(l.d > o.d && r.d > o.d, "D(x_opt -+ 1e-3) = %.9f, %.9f > D(x_opt) = %.9f", l.d, r.d, o.d);

    struct { double xmax, sqnr; } ref[] = {{2 * 1.0607, 7.065}, {1.5, 6.143}, {3.0, 6.063},
                                          {4.0, 3.782}};
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        q2_lap_point p = q2_lap_theory(ref[i].xmax);
        CHECK(fabs(p.sqnr_db - ref[i].sqnr) <= REF_SQNR3_TOL, "x_max %.4f: SQNR %.5f dB = %.3f",
              ref[i].xmax, p.sqnr_db, ref[i].sqnr);
    }
    q2_lap_point z = q2_lap_theory(0);
    CHECK(fabs(z.d - 1) < 1e-15 && fabs(z.sqnr_db) < 1e-12, "x_max 0: D = 1, SQNR 0 dB");
    CHECK(isnan(q2_lap_theory(-1).d), "x_max < 0 gives NaN");

    double xs[] = {0.5, 1.5, 2.17479, 3.0, 4.0, 6.0};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double d = xs[i] / 2;
        double g = 2 * (simpson(0, d, d / 2, 2000) + simpson(d, 2 * d, 1.5 * d, 2000));
        double ov = 2 * simpson(2 * d, 2 * d + 60, 1.5 * d, 200000);
        q2_lap_point p = q2_lap_theory(xs[i]);
        CHECK(fabs(g - p.d_gran) <= INTEGRAL_TOL && fabs(ov - p.d_over) <= INTEGRAL_TOL,
              "x_max %.5f: D_gran %.10f ~ %.10f, D_over %.10f ~ %.10f (Simpson)", xs[i], p.d_gran,
              g, p.d_over, ov);
    }
}

static void test_synthetic(void)
{
    printf("synthetic Laplacian samples (%d)\n", SYNTH_SAMPLES);
    float *x = malloc(SYNTH_SAMPLES * sizeof *x);
    if (!x) {
        CHECK(false, "out of memory");
        return;
    }
    q2_rng rng;
    q2_rng_init(&rng, 12345);
    for (int i = 0; i < SYNTH_SAMPLES; i++) x[i] = (float)q2_rng_laplace(&rng);
    double xs[] = {1.5, 2.17479, 3.0, 4.0};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double s2, e2;
        q2_quant_error(x, SYNTH_SAMPLES, (float)(xs[i] / 2), &s2, &e2);
        /* normalise by the sample power: the theory is for unit variance */
        double meas = q2_sqnr_db((double)SYNTH_SAMPLES, e2 * SYNTH_SAMPLES / s2);
        double th = q2_lap_theory(xs[i]).sqnr_db;
        CHECK(fabs(meas - th) <= SYNTH_DB_TOL, "x_max %.5f: measured %.4f dB, theory %.4f dB",
              xs[i], meas, th);
        double raw = q2_sqnr_db(s2, e2);
        CHECK(fabs(raw - th) <= SYNTH_DB_TOL, "x_max %.5f: 10log10(sum w^2/sum e^2) %.4f dB",
              xs[i], raw);
    }
    double xo;
    int rc = q2_xmax_octav(x, 100000, NULL, &xo);
    CHECK(rc == 0 && fabs(xo - 2.17595) <= OCTAV_LAP_TOL,
          "octav on 1e5 samples: x_max %.4f ~ 2.17595 (fixed point for the Laplacian)", xo);
    double xm;
    rc = q2_xmax_mse(x, 100000, NULL, &xm);
    CHECK(rc == 0 && fabs(xm - 2.17479) <= 0.05, "mse on 1e5 samples: x_max %.4f ~ 2.17479", xm);
    free(x);
}

/* ---- the quantizer ----------------------------------------------------------------------------- */
static void test_quantizer(void)
{
    printf("quantizer thresholds and levels\n");
    const float d = 0.75f;
    struct { float w; int code; } t[] = {
        {0.0f, 2}, {-0.0f, 2}, {1e-30f, 2}, {-1e-30f, 1}, {d, 3}, {-d, 1},
        {nextafterf(d, 0), 2}, {nextafterf(-d, -1), 0}, {2 * d, 3}, {-2 * d, 0},
        {nextafterf(2 * d, 0), 3}, {100 * d, 3}, {-100 * d, 0}, {INFINITY, 3}, {-INFINITY, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        CHECK(q2_quant_code(t[i].w, d) == t[i].code, "code(%.9g) = %d (got %d)", (double)t[i].w,
              t[i].code, q2_quant_code(t[i].w, d));
    float lv[4] = {-1.125f, -0.375f, 0.375f, 1.125f};
    for (int k = 0; k < 4; k++)
        CHECK(q2_quant_value(k, d) == lv[k], "value(%d) = %g = (2k-3) delta/2", k, (double)lv[k]);
    CHECK(q2_quant_round(5.0f, d) == 1.125f && q2_quant_round(-5.0f, d) == -1.125f,
          "beyond +-x_max -> +-3 delta/2");
}

/* ---- rules ------------------------------------------------------------------------------------- */
static double sse(const float *w, size_t n, double xmax)
{
    double s2, e2;
    q2_quant_error(w, n, (float)(xmax / 2), &s2, &e2);
    return e2;
}

/* One OCTAV step, written out independently of quant.c. */
static double octav_map(const float *w, size_t n, double s)
{
    size_t nin = 0;
    double sout = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(w[i]) <= s) nin++;
        else sout += fabs(w[i]);
    }
    return 36 * sout / ((double)nin + 27.0 * (double)(n - nin));
}

static void test_rules(void)
{
    printf("support-region rules on known inputs\n");
    double x;
    const float pm1[] = {1, -1, 1, -1};
    CHECK(q2_xmax_opt(pm1, 4, NULL, &x) == 0 && close_rel(x, 2.1748, RULE_TOL), "opt {1,-1,1,-1} = 2.1748 (%.9g)", x);
    CHECK(q2_xmax_asym(pm1, 4, NULL, &x) == 0 && close_rel(x, 2.1213, RULE_TOL), "asym {1,-1,1,-1} = 2.1213 (%.9g)", x);
    const float off[] = {2, 0}; /* mean 1, rms sqrt2, std 1 */
    q2_quant_opts std = q2_quant_opts_default();
    std.sigma = Q2_SIGMA_STD;
    CHECK(q2_xmax_opt(off, 2, NULL, &x) == 0 && close_rel(x, 2.1748 * sqrt(2), RULE_TOL),
          "opt {2,0}, sigma rms = sqrt2: %.9g", x);
    CHECK(q2_xmax_opt(off, 2, &std, &x) == 0 && close_rel(x, 2.1748, RULE_TOL),
          "opt {2,0}, sigma std = 1: %.9g", x);
    const float ma[] = {0.5f, -2, 1};
    CHECK(q2_xmax_maxabs(ma, 3, NULL, &x) == 0 && x == 2, "maxabs {0.5,-2,1} = 2 (%g)", x);
    const float ac[] = {1, 2, 3, 6}; /* mean 3, |w-mean| = 2,1,0,3: b = 1.5 */
    CHECK(q2_xmax_aciq(ac, 4, NULL, &x) == 0 && close_rel(x, 2.83 * 1.5, RULE_TOL), "aciq {1,2,3,6} = 2.83*1.5 (%.9g)", x);

    const float m1[] = {1, 1, 1, 3}; /* delta 2: 1 -> 1, 3 -> 3, zero error; unique */
    CHECK(q2_xmax_mse(m1, 4, NULL, &x) == 0 && close_rel(x, 4, RULE_TOL), "mse {1,1,1,3} = 4 (%.9g)", x);
    CHECK(q2_xmax_mse(pm1, 4, NULL, &x) == 0 && close_rel(x, 4.0 / 3, RULE_TOL),
          "mse {1,-1,1,-1} = 4/3 (zero error at 4/3 and 4: the smaller) (%.9g)", x);
    const float z[] = {0, 0, 0};
    CHECK(q2_xmax_mse(z, 3, NULL, &x) == 0 && x == 0, "mse of zeros = 0");
    CHECK(q2_xmax_mse(z, 0, NULL, &x) == 0 && x == 0, "mse of nothing = 0");

    /* exact mse rule vs a brute-force grid on 1000 Laplacian values */
    float w[1000];
    q2_rng rng;
    q2_rng_init(&rng, 7);
    for (int i = 0; i < 1000; i++) w[i] = (float)(0.05 * q2_rng_laplace(&rng));
    double xm, grid_best = INFINITY;
    int rc = q2_xmax_mse(w, 1000, NULL, &xm);
    q2_wstats st;
    q2_wstats_compute(&st, w, 1000);
    for (int i = 1; i <= MSE_GRID; i++) {
        double e = sse(w, 1000, st.maxabs * 2.5 * i / MSE_GRID);
        if (e < grid_best) grid_best = e;
    }
    double e_exact = sse(w, 1000, xm);
    CHECK(rc == 0 && e_exact <= grid_best * (1 + 1e-6), "mse exact %.9g <= grid minimum %.9g (x_max %.6f)", e_exact, grid_best, xm);

    /* OCTAV by hand: {0.1..1.0, 2.5}: s0 = 2.1748 rms = 2.08 -> out {2.5} -> s = 36*2.5/(10+27)
     * = 90/37 = 2.4324 < 2.5: the same sets, a fixed point. */
    const float oc[] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, 2.5f};
    CHECK(q2_xmax_octav(oc, 11, NULL, &x) == 0 && close_rel(x, 90.0 / 37, 1e-7), "octav {0.1..1, 2.5} = 90/37 (%.9g)", x);
    /* {1,1,1,3} cycles 1.88 -> 3.6 -> 0 -> 2 -> 3.6: the least-SSE iterate, 3.6, is taken */
    CHECK(q2_xmax_octav(m1, 4, NULL, &x) == 0 && close_rel(x, 3.6, 1e-7), "octav cycle {1,1,1,3} -> best iterate 3.6 (%.9g)", x);
    /* on real data the map T(s) = 36 S_out / (N_in + 27 N_out) either settles (T(s) = s) or
     * ends in a cycle; here it is the 2-cycle 0.103489 <-> 0.103939 and the rule keeps the
     * iterate of least SSE */
    rc = q2_xmax_octav(w, 1000, NULL, &x);
    double t1 = octav_map(w, 1000, x), t2 = octav_map(w, 1000, t1);
    CHECK(rc == 0 && (close_rel(t1, x, 1e-9) || (close_rel(t2, x, 1e-9) && sse(w, 1000, x) <= sse(w, 1000, t1))),
          "octav on Laplacian data: fixed point or least-SSE point of a 2-cycle (s %.6f, T(s) %.6f)", x, t1);

    CHECK(q2_xmax_rule(Q2_RULE_ACC, w, 1000, NULL, &x) == Q2_EARG, "rule acc on an array -> Q2_EARG");
    for (int r = 0; r < Q2_RULE_ACC; r++)
        CHECK(q2_xmax_rule((q2_rule)r, pm1, 4, NULL, &x) == 0 && x > 0, "dispatch %s -> %g", q2_rule_name((q2_rule)r), x);
    const float bad[] = {1, NAN};
    CHECK(q2_xmax_opt(bad, 2, NULL, &x) == Q2_EARG, "NaN weight -> Q2_EARG");

    double acc1[] = {0.5, 0.7, 0.7, 0.6}, acc2[] = {-1, -1};
    CHECK(q2_acc_pick(acc1, 4) == 1 && q2_acc_pick(acc2, 2) == -1, "acc pick: first best; none");
    CHECK(q2_rule_parse("octav") == Q2_RULE_OCTAV && q2_rule_parse("x") == Q2_EARG &&
          q2_scope_parse("neuron") == Q2_SCOPE_NEURON && q2_scope_parse("") == Q2_EARG &&
          q2_sigma_parse("std") == Q2_SIGMA_STD && !strcmp(q2_rule_name(Q2_RULE_ACC), "acc"),
          "names parse and print");
    q2_quant_opts o = q2_quant_opts_default();
    CHECK(o.points >= 50 && fabs(q2_sweep_ratio(&o, 0) - 0.5) < 1e-12 &&
          fabs(q2_sweep_ratio(&o, o.points - 1) - 6.0) < 1e-12, "sweep grid [0.5, 6], %d points", o.points);
}

/* ---- whole networks ---------------------------------------------------------------------------- */
static int random_mlp(q2_mlp *m, uint64_t seed)
{
    int dims[] = {6, 5, 4, 3};
    int rc = q2_mlp_init(m, 3, dims);
    if (rc) return rc;
    q2_rng rng;
    q2_rng_init(&rng, seed);
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < dims[l] * dims[l + 1]; i++) m->w[l][i] = (float)(0.3 * (l + 1) * q2_rng_laplace(&rng) + 0.01 * l);
        for (int j = 0; j < dims[l + 1]; j++) m->b[l][j] = (float)q2_rng_normal(&rng);
    }
    return 0;
}

/* dst must be src with each weight replaced by Q(w, delta of its row), biases equal. */
static bool consistent(const q2_mlp *src, const q2_mlp *dst, const q2_deltas *d)
{
    if (dst->n_layers != src->n_layers || d->n_layers != src->n_layers) return false;
    for (int l = 0; l < src->n_layers; l++) {
        int n_in = src->dims[l], n_out = src->dims[l + 1];
        if (dst->dims[l] != n_in || dst->dims[l + 1] != n_out) return false;
        for (int j = 0; j < n_out; j++) {
            if (dst->b[l][j] != src->b[l][j] || !(d->delta[l][j] > 0)) return false;
            for (int i = 0; i < n_in; i++)
                if (dst->w[l][j * n_in + i] != q2_quant_round(src->w[l][j * n_in + i], d->delta[l][j])) return false;
        }
    }
    return true;
}

/* The deltas of scope s, rule r: one value (global), one per layer, or the rule on each row. */
static bool deltas_follow_rule(const q2_mlp *src, q2_scope s, q2_rule r, const q2_deltas *d)
{
    bool ok = true;
    float *scratch = NULL;
    for (int u = 0; ok && u < q2_scope_units(src, s); u++) {
        const float *w;
        size_t n;
        double xmax = 0;
        ok = q2_scope_unit_weights(src, s, u, &scratch, &w, &n) == 0 &&
             q2_xmax_rule(r, w, n, NULL, &xmax) == 0;
        float want = (float)(xmax / 2);
        int seen = 0;
        for (int l = 0; ok && l < src->n_layers; l++)
            for (int j = 0; j < src->dims[l + 1]; j++) {
                bool in = s == Q2_SCOPE_GLOBAL || (s == Q2_SCOPE_LAYER && l == u) ||
                          (s == Q2_SCOPE_NEURON && seen == u);
                if (in && d->delta[l][j] != want) ok = false;
                seen++;
            }
    }
    free(scratch);
    return ok;
}

/* Every scope with every rule but acc, and the unit counts. */
static void networks_scopes(const q2_mlp *src)
{
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        for (int r = 0; r < Q2_RULE_ACC; r++) {
            q2_mlp dst;
            q2_deltas d;
            int rc = q2_quantize_mlp(src, (q2_scope)s, (q2_rule)r, NULL, &dst, &d);
            bool ok = rc == 0 && consistent(src, &dst, &d) && deltas_follow_rule(src, (q2_scope)s, (q2_rule)r, &d);
            CHECK(ok, "scope %-6s rule %-6s: shapes, biases, Q(w), deltas (layer-0 delta %.5f)",
                  q2_scope_name((q2_scope)s), q2_rule_name((q2_rule)r), ok ? (double)d.delta[0][0] : 0.0);
            if (rc == 0) {
                q2_mlp_free(&dst);
                q2_deltas_free(&d);
            }
        }
    }
    CHECK(q2_scope_units(src, Q2_SCOPE_GLOBAL) == 1 && q2_scope_units(src, Q2_SCOPE_LAYER) == 3 &&
          q2_scope_units(src, Q2_SCOPE_NEURON) == 12, "units: 1, 3, 12");
}

/* ratio: delta = ratio * sigma / 2 per unit */
static void networks_ratio(const q2_mlp *src)
{
    q2_mlp dst;
    q2_deltas d;
    int rc = q2_quantize_mlp_ratio(src, Q2_SCOPE_LAYER, 2.5, NULL, &dst, &d);
    bool ok = rc == 0 && consistent(src, &dst, &d);
    for (int l = 0; ok && l < 3; l++) {
        q2_wstats st;
        q2_wstats_compute(&st, src->w[l], (size_t)src->dims[l] * (size_t)src->dims[l + 1]);
        ok = d.delta[l][0] == (float)(2.5 * st.rms / 2);
    }
    CHECK(ok, "ratio 2.5, layer scope: delta = 2.5 rms / 2 per layer");
    if (rc == 0) {
        q2_mlp_free(&dst);
        q2_deltas_free(&d);
    }
    CHECK(q2_quantize_mlp_ratio(src, Q2_SCOPE_LAYER, -1, NULL, &dst, &d) == Q2_EARG, "ratio -1 -> Q2_EARG");
}

/* all-zero neuron: falls back to Q2_DELTA_MIN; constant row with sigma std: to max|w|.
 * Sets src's first two rows to these. */
static void networks_fallbacks(q2_mlp *src)
{
    q2_mlp dst;
    q2_deltas d;
    for (int i = 0; i < 6; i++) src->w[0][i] = 0;
    for (int i = 0; i < 6; i++) src->w[0][6 + i] = 0.25f;
    q2_quant_opts so = q2_quant_opts_default();
    so.sigma = Q2_SIGMA_STD;
    int rc = q2_quantize_mlp_ex(src, Q2_SCOPE_NEURON, Q2_RULE_OPT, &so, NULL, &dst, &d, NULL);
    CHECK(rc == 0 && d.delta[0][0] == Q2_DELTA_MIN && d.delta[0][1] == 0.125f && consistent(src, &dst, &d),
          "zero row -> delta %g, constant row (std 0) -> max|w|/2", rc == 0 ? (double)d.delta[0][0] : 0.0);
    if (rc == 0) {
        q2_mlp_free(&dst);
        q2_deltas_free(&d);
    }
}

/* the acc rule on a tiny synthetic data set */
static void networks_acc_rule(const q2_mlp *src)
{
    q2_mlp dst;
    q2_deltas d;
    CHECK(q2_quantize_mlp(src, Q2_SCOPE_LAYER, Q2_RULE_ACC, NULL, &dst, &d) == Q2_EARG &&
          dst.n_layers == 0 && d.n_layers == 0, "acc without a validation set -> Q2_EARG, outputs empty");
    enum { N = 40 };
    uint8_t px[N * 6], lab[N];
    q2_dataset val = check_random_dataset(N, 2, 3, 3, 5, px, lab);
    q2_quant_opts ao = q2_quant_opts_default();
    ao.points = 12;
    q2_quant_info info;
    int rc = q2_quantize_mlp_ex(src, Q2_SCOPE_NEURON, Q2_RULE_ACC, &ao, &val, &dst, &d, &info);
    bool ok = rc == 0 && consistent(src, &dst, &d);
    double acc = ok ? q2_mlp_accuracy(&dst, &val) : -1;
    int k = (int)lround((info.acc_ratio - ao.lo) / (ao.hi - ao.lo) * (ao.points - 1));
    CHECK(ok && fabs(q2_sweep_ratio(&ao, k) - info.acc_ratio) < 1e-12 && acc == info.acc_val,
          "acc rule: ratio %.3f on the grid, val accuracy %.3f reproduced", info.acc_ratio, acc);
    if (rc == 0) {
        q2_mlp_free(&dst);
        q2_deltas_free(&d);
    }
}

static void test_networks(void)
{
    printf("q2_quantize_mlp on a random 6-5-4-3 network\n");
    q2_mlp src;
    if (random_mlp(&src, 99)) {
        CHECK(false, "mlp_init");
        return;
    }
    networks_scopes(&src);
    networks_ratio(&src);
    networks_fallbacks(&src);
    networks_acc_rule(&src);
    q2_mlp_free(&src);
}

int main(void)
{
    test_theory();
    test_synthetic();
    test_quantizer();
    test_rules();
    test_networks();
    return check_summary();
}
