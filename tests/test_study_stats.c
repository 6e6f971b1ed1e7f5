/* test_study_stats.c — the statistics of the multi-seed study (sw/study/stats.c): Student t
 * quantiles against published values, the confidence interval of a small sample by hand, kurtosis
 * and KS distances on large Laplace and Gauss samples and on a case computed by hand.
 * Numbered checks, PASSED/FAILED, exit 1 on any failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "study/study.h"
#include "base/util.h"
#include "check.h"

#define T_TOL     5e-4 /* against 4-digit tables */
#define KURT_TOL  0.3  /* sample kurtosis of 200k draws (its std is ~0.03 Gauss, ~0.2 Laplace) */
#define KS_SMALL  0.01 /* KS distance of 200k draws to their own family */

static void test_t(void)
{
    static const struct { int df; double t; } tab[] = {
        {1, 12.7062}, {2, 4.3027}, {4, 2.7764}, {9, 2.2622}, {30, 2.0423}, {40, 2.0211}, {60, 2.0003},
        {120, 1.9799}, {1000, 1.9623},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (fabs(q2_t975(tab[i].df) - tab[i].t) > T_TOL) {
            bad++;
            printf("   t(%d) = %.5f, table %.4f\n", tab[i].df, q2_t975(tab[i].df), tab[i].t);
        }
    CHECK(bad == 0, "t_0.975 at df 1, 2, 4, 9, 30 (table) and 40, 60, 120, 1000 (expansion) match "
          "published values (%d off)", bad);
    CHECK(isnan(q2_t975(0)), "df 0 has no quantile");
}

static void test_ci(void)
{
    double x[5] = {1, 2, 3, 4, 5}; /* mean 3, sample sd sqrt(2.5), half = 2.7764 sqrt(2.5/5) */
    q2_ci c = q2_ci_of(x, 5);
    CHECK(c.n == 5 && fabs(c.mean - 3) < 1e-12 && fabs(c.half - 2.7764451 * sqrt(0.5)) < 1e-4,
          "CI of 1..5: %g +- %g (need 3 +- %g)", c.mean, c.half, 2.7764451 * sqrt(0.5));
    double y[3] = {NAN, 2, NAN};
    c = q2_ci_of(y, 3);
    CHECK(c.n == 1 && c.mean == 2 && isnan(c.half), "NaNs are skipped; one value has no interval");
    double z[4] = {0.5, 0.5, 0.5, 0.5};
    c = q2_ci_of(z, 4);
    CHECK(c.half == 0, "constant values: zero half-width");
}

static void test_shape(void)
{
    enum { N = 200000 };
    float *w = malloc(N * sizeof *w);
    q2_rng r;
    q2_rng_init(&r, 21);
    q2_shape sl, sg;
    for (int i = 0; i < N; i++) w[i] = (float)(0.01 * q2_rng_laplace(&r));
    q2_shape_compute(&sl, w, N);
    for (int i = 0; i < N; i++) w[i] = (float)(0.02 * q2_rng_normal(&r) + 0.001);
    q2_shape_compute(&sg, w, N);
    CHECK(fabs(sl.kurtosis - 6) < KURT_TOL && fabs(sg.kurtosis - 3) < KURT_TOL,
          "kurtosis: Laplace sample %.2f (6), Gauss sample %.2f (3)", sl.kurtosis, sg.kurtosis);
    CHECK(sl.ks_laplace < KS_SMALL && sl.ks_gauss > 3 * KS_SMALL, "Laplace sample: KS to Laplace %.4f, "
          "to Gauss %.4f", sl.ks_laplace, sl.ks_gauss);
    CHECK(sg.ks_gauss < KS_SMALL && sg.ks_laplace > 3 * KS_SMALL, "Gauss sample: KS to Gauss %.4f, "
          "to Laplace %.4f", sg.ks_gauss, sg.ks_laplace);
    /* by hand: {-1, +1}: mean 0, std 1, E|w| = 1; F_n jumps 0 -> 1/2 at -1, -> 1 at +1.
     * Gauss: Phi(-1) = 0.158655; sup = max(0.158655, 0.5 - 0.158655 = 0.341345) = 0.341345.
     * Laplace(0, 1): F(-1) = e^-1/2 = 0.183940; sup = 0.5 - 0.183940 = 0.316060. Kurtosis 1. */
    float two[2] = {-1, 1};
    q2_shape s2;
    q2_shape_compute(&s2, two, 2);
    CHECK(fabs(s2.ks_gauss - 0.341345) < 1e-5 && fabs(s2.ks_laplace - 0.316060) < 1e-5 &&
          fabs(s2.kurtosis - 1) < 1e-12, "{-1, +1}: KS Gauss %.6f, Laplace %.6f, kurtosis %g (by hand "
          "0.341345, 0.316060, 1)", s2.ks_gauss, s2.ks_laplace, s2.kurtosis);
    float one[1] = {3};
    q2_shape_compute(&s2, one, 1);
    CHECK(isnan(s2.kurtosis) && isnan(s2.ks_gauss), "one weight: no shape");
    free(w);
}

int main(void)
{
    test_t();
    test_ci();
    test_shape();
    return check_summary();
}
