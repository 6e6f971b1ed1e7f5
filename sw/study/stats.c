/* stats.c — the statistics of the multi-seed study (study.h "statistics"): Student t quantiles,
 * mean and 95 % confidence intervals over seeds, kurtosis, and Kolmogorov-Smirnov distances of a
 * weight array to the Laplace and Gauss distributions fitted to it. */
#include "study/study.h"

#include <math.h>
#include <stdlib.h>

#include "base/util.h"

/* ---- Student t ---------------------------------------------------------------------------------- */
/* t_{0.975, df} for df = 1..30 (two-sided 95 %); above 30 the Cornish-Fisher expansion in 1/df. */
static const double t975[30] = {
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
};

double q2_t975(int df)
{
    if (df < 1) return NAN;
    if (df <= 30) return t975[df - 1];
    const double z = 1.959963984540054, n = df;
    double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

q2_ci q2_ci_of(const double *x, int n)
{
    q2_ci c = {.n = 0, .mean = NAN, .half = NAN};
    double s = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i])) s += x[i], c.n++;
    if (c.n == 0) return c;
    c.mean = s / c.n;
    if (c.n < 2) return c;
    double v = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i])) v += (x[i] - c.mean) * (x[i] - c.mean);
    c.half = q2_t975(c.n - 1) * sqrt(v / (c.n - 1) / c.n);
    return c;
}

/* ---- shape of a weight array ---------------------------------------------------------------------- */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double laplace_cdf(double x, double mu, double b)
{
    double z = (x - mu) / b;
    return z < 0 ? 0.5 * exp(z) : 1 - 0.5 * exp(-z);
}

static double gauss_cdf(double x, double mu, double sd) { return 0.5 * erfc(-(x - mu) / (sd * sqrt(2.0))); }

int q2_shape_compute(q2_shape *s, const float *w, size_t n)
{
    *s = (q2_shape){.n = n, .kurtosis = NAN, .ks_laplace = NAN, .ks_gauss = NAN};
    if (n < 2) return Q2_OK;
    double *v = malloc(n * sizeof *v);
    if (!v) {
        Q2_ERR("shape failed: out of memory for %zu weights", n);
        return Q2_ENOMEM;
    }
    double m = 0, m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) m += (v[i] = w[i]);
    m /= (double)n;
    double mad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - m;
        m2 += d * d;
        m4 += d * d * d * d;
        mad += fabs(d);
    }
    m2 /= (double)n;
    m4 /= (double)n;
    mad /= (double)n;
    s->mean = m;
    s->std = sqrt(m2);
    if (!(m2 > 0)) goto out_free;
    s->kurtosis = m4 / (m2 * m2);
    qsort(v, n, sizeof *v, cmp_double);
    double dl = 0, dg = 0; /* sup |F_n - F|, checked on both sides of each jump */
    for (size_t i = 0; i < n; i++) {
        double lo = (double)i / (double)n, hi = (double)(i + 1) / (double)n;
        double fl = laplace_cdf(v[i], m, mad), fg = gauss_cdf(v[i], m, s->std);
        dl = fmax(dl, fmax(fabs(fl - lo), fabs(hi - fl)));
        dg = fmax(dg, fmax(fabs(fg - lo), fabs(hi - fg)));
    }
    s->ks_laplace = dl;
    s->ks_gauss = dg;
out_free:
    free(v);
    return Q2_OK;
}
