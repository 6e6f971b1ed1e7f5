/* quant.c — the symmetric 2-bit uniform quantizer, its closed-form Laplacian theory, the
 * support-region rules (opt, asym, maxabs, mse, aciq, octav, acc) and the quantization of a
 * whole network per scope (global, layer, neuron). Spec: quant.h, docs/quantizer.md. */
#include "quant/quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static const double SQRT2 = 1.41421356237309504880;

/* ---- the quantizer ----------------------------------------------------------------------------- */
int q2_quant_code(float w, float delta)
{
    if (w >= 0.0f) return w < delta ? 2 : 3;   /* [0, delta) -> +1, [delta, inf) -> +3 */
    return w >= -delta ? 1 : 0;                /* [-delta, 0) -> -1, (-inf, -delta) -> -3 */
}

float q2_quant_value(int code, float delta) { return (float)(2 * code - 3) * (delta * 0.5f); }

void q2_quant_error(const float *w, size_t n, float delta, double *sig2, double *err2)
{
    double s = 0, e = 0;
    for (size_t i = 0; i < n; i++) {
        double x = w[i], d = x - (double)q2_quant_round(w[i], delta);
        s += x * x;
        e += d * d;
    }
    *sig2 = s;
    *err2 = e;
}

double q2_sqnr_db(double sig2, double err2)
{
    if (err2 <= 0) return INFINITY;
    return 10.0 * log10(sig2 / err2);
}

/* ---- theory: unit-variance Laplacian, p(x) = exp(-sqrt2 |x|) / sqrt2 --------------------------
 * With a = sqrt2 and the one-sided density a exp(-a x) on x >= 0 (the factor 2 of the two sides
 * cancels the 1/2 of the density), a primitive of (x - c)^2 a exp(-a x) is -g(x, c) with
 *   g(x, c) = exp(-a x) [ (x - c)^2 + 2 (x - c)/a + 2/a^2 ] = exp(-sqrt2 x) [ (x-c)^2 + sqrt2 (x-c) + 1 ].
 * With delta = x_max/2, e1 = exp(-sqrt2 delta), e2 = e1^2, B = delta^2/4 + delta/sqrt2 + 1:
 *   D_gran = g(0, d/2) - g(d, d/2) + g(d, 3d/2) - g(2d, 3d/2)
 *          = delta^2/4 - delta/sqrt2 + 1 - sqrt2 delta e1 - e2 B
 *   D_over = g(2d, 3d/2) = e2 B
 *   D      = delta^2/4 - delta/sqrt2 + 1 - sqrt2 delta e1.                (docs/quantizer.md) */
q2_lap_point q2_lap_theory(double xmax)
{
    q2_lap_point p = {.xmax = xmax, .delta = xmax / 2};
    if (!(xmax >= 0) || !isfinite(xmax)) {
        p.d_gran = p.d_over = p.d = p.sqnr_db = NAN;
        return p;
    }
    double d = p.delta, e1 = exp(-SQRT2 * d), e2 = e1 * e1;
    double b = d * d / 4 + d / SQRT2 + 1;
    p.d_over = e2 * b;
    p.d_gran = d * d / 4 - d / SQRT2 + 1 - SQRT2 * d * e1 - e2 * b;
    p.d = p.d_gran + p.d_over;
    p.sqnr_db = -10.0 * log10(p.d);
    return p;
}

/* dD/d(delta) = delta/2 - 1/sqrt2 + (2 delta - sqrt2) exp(-sqrt2 delta): negative at 0.5,
 * positive at 2, one root in between (the minimum); bisection to the last bit. */
q2_lap_point q2_lap_optimal(void)
{
    double lo = 0.5, hi = 2.0;
    for (int i = 0; i < 200 && hi - lo > 0; i++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        double f = mid / 2 - 1 / SQRT2 + (2 * mid - SQRT2) * exp(-SQRT2 * mid);
        if (f < 0) lo = mid;
        else hi = mid;
    }
    return q2_lap_theory(lo + hi); /* x_max = 2 delta = lo + hi at convergence */
}

/* ---- names ------------------------------------------------------------------------------------- */
static const char *const rule_names[Q2_RULE_COUNT] = {"opt", "asym", "maxabs", "mse", "aciq",
                                                      "octav", "acc"};
static const char *const scope_names[Q2_SCOPE_COUNT] = {"global", "layer", "neuron"};
static const char *const sigma_names[Q2_SIGMA_COUNT] = {"rms", "std"};

const char *q2_rule_name(q2_rule r) { return (unsigned)r < Q2_RULE_COUNT ? rule_names[r] : "?"; }
const char *q2_scope_name(q2_scope s)
{
    return (unsigned)s < Q2_SCOPE_COUNT ? scope_names[s] : "?";
}
const char *q2_sigma_name(q2_sigma_mode m)
{
    return (unsigned)m < Q2_SIGMA_COUNT ? sigma_names[m] : "?";
}

static int parse_name(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return Q2_EARG;
}
int q2_rule_parse(const char *s) { return parse_name(s, rule_names, Q2_RULE_COUNT); }
int q2_scope_parse(const char *s) { return parse_name(s, scope_names, Q2_SCOPE_COUNT); }
int q2_sigma_parse(const char *s) { return parse_name(s, sigma_names, Q2_SIGMA_COUNT); }

/* ---- options and statistics -------------------------------------------------------------------- */
q2_quant_opts q2_quant_opts_default(void)
{
    return (q2_quant_opts){.sigma = Q2_SIGMA_RMS, .points = Q2_SWEEP_POINTS, .lo = Q2_SWEEP_LO,
                           .hi = Q2_SWEEP_HI, .progress = false};
}

double q2_sweep_ratio(const q2_quant_opts *o, int i)
{
    q2_quant_opts d = q2_quant_opts_default();
    if (!o) o = &d;
    if (o->points < 2) return o->lo;
    return o->lo + (o->hi - o->lo) * (double)i / (double)(o->points - 1);
}

static int check_opts(const char *func, const q2_quant_opts *o)
{
    if ((unsigned)o->sigma >= Q2_SIGMA_COUNT || o->points < 2 || !(o->lo > 0) ||
        !(o->hi > o->lo) || !isfinite(o->hi)) {
        q2_err(func, "options failed: need sigma rms|std, points >= 2, 0 < lo < hi (got %d, %d, "
               "%g, %g)", (int)o->sigma, o->points, o->lo, o->hi);
        return Q2_EARG;
    }
    return Q2_OK;
}

void q2_wstats_compute(q2_wstats *s, const float *w, size_t n)
{
    double sum = 0, sum2 = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        double x = w[i];
        sum += x;
        sum2 += x * x;
        if (fabs(x) > mx) mx = fabs(x);
    }
    s->n = n;
    s->mean = n ? sum / (double)n : 0;
    double var = 0, mad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)w[i] - s->mean;
        var += d * d;
        mad += fabs(d);
    }
    s->std = n ? sqrt(var / (double)n) : 0;
    s->rms = n ? sqrt(sum2 / (double)n) : 0;
    s->mad = n ? mad / (double)n : 0;
    s->maxabs = mx;
}

double q2_wstats_sigma(const q2_wstats *s, const q2_quant_opts *o)
{
    return (o && o->sigma == Q2_SIGMA_STD) ? s->std : s->rms;
}

/* ---- rules ------------------------------------------------------------------------------------- */
static int check_weights(const char *func, const q2_wstats *s)
{
    if (!isfinite(s->rms) || !isfinite(s->maxabs)) {
        q2_err(func, "x_max failed: weights are not finite");
        return Q2_EARG;
    }
    return Q2_OK;
}

int q2_xmax_opt(const float *w, size_t n, const q2_quant_opts *o, double *xmax)
{
    q2_wstats s;
    q2_wstats_compute(&s, w, n);
    *xmax = Q2_XMAX_OPT * q2_wstats_sigma(&s, o);
    return check_weights(__func__, &s);
}

int q2_xmax_asym(const float *w, size_t n, const q2_quant_opts *o, double *xmax)
{
    q2_wstats s;
    q2_wstats_compute(&s, w, n);
    *xmax = Q2_XMAX_ASYM * q2_wstats_sigma(&s, o);
    return check_weights(__func__, &s);
}

int q2_xmax_maxabs(const float *w, size_t n, const q2_quant_opts *o, double *xmax)
{
    (void)o;
    q2_wstats s;
    q2_wstats_compute(&s, w, n);
    *xmax = s.maxabs;
    return check_weights(__func__, &s);
}

int q2_xmax_aciq(const float *w, size_t n, const q2_quant_opts *o, double *xmax)
{
    (void)o;
    q2_wstats s;
    q2_wstats_compute(&s, w, n);
    *xmax = Q2_ACIQ_2BIT * s.mad; /* b = E|w - mean|: the ML estimate of the Laplace scale */
    return check_weights(__func__, &s);
}

/* Sorted magnitudes with prefix sums: the MSE of the quantizer at any delta in O(log n). */
typedef struct {
    size_t n;
    double *a;   /* (n) |w| ascending */
    double *p1;  /* (n+1) p1[k] = sum of a[0..k) */
    double *p2;  /* (n+1) p2[k] = sum of a[0..k)^2 */
} sorted_abs;

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void sorted_abs_free(sorted_abs *s)
{
    free(s->a);
    free(s->p1);
    free(s->p2);
    memset(s, 0, sizeof *s);
}

static int sorted_abs_init(sorted_abs *s, const char *func, const float *w, size_t n)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->a = malloc((n ? n : 1) * sizeof *s->a);
    s->p1 = malloc((n + 1) * sizeof *s->p1);
    s->p2 = malloc((n + 1) * sizeof *s->p2);
    if (!s->a || !s->p1 || !s->p2) {
        q2_err(func, "x_max failed: out of memory for %zu weights", n);
        sorted_abs_free(s);
        return Q2_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) s->a[i] = fabs((double)w[i]);
    qsort(s->a, n, sizeof *s->a, cmp_double);
    s->p1[0] = s->p2[0] = 0;
    for (size_t i = 0; i < n; i++) {
        s->p1[i + 1] = s->p1[i] + s->a[i];
        s->p2[i + 1] = s->p2[i] + s->a[i] * s->a[i];
    }
    if (n && !isfinite(s->p2[n])) {
        q2_err(func, "x_max failed: weights are not finite");
        sorted_abs_free(s);
        return Q2_EARG;
    }
    return Q2_OK;
}

/* Number of a[k] < x (strict: true) or <= x (strict: false). */
static size_t count_below(const sorted_abs *s, double x, bool strict)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? s->a[mid] < x : s->a[mid] <= x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Sum of squared errors with the first m magnitudes in the inner cell (level delta/2) and the
 * rest in the outer cell (level 3 delta/2): sum a^2 - delta (P_m + 3 (T - P_m)) + delta^2 (m +
 * 9 (n - m)) / 4. It is continuous in delta (the threshold delta is the midpoint of the levels). */
static double sse_split(const sorted_abs *s, size_t m, double delta)
{
    double t = s->p1[s->n], pm = s->p1[m];
    return s->p2[s->n] - delta * (pm + 3 * (t - pm)) +
           delta * delta * ((double)m + 9.0 * (double)(s->n - m)) / 4;
}
static double sse_at(const sorted_abs *s, double delta)
{
    return sse_split(s, count_below(s, delta, true), delta);
}

/* Exact minimum: on delta in [a[m-1], a[m]] exactly the m smallest magnitudes are inner and the
 * SSE is the quadratic sse_split(m, .), minimal at 2 (P_m + 3 (T - P_m)) / (m + 9 (n - m)); clamp
 * that to the interval, take the best over m = 0..n (first on ties: the smallest delta). */
int q2_xmax_mse(const float *w, size_t n, const q2_quant_opts *o, double *xmax)
{
    (void)o;
    *xmax = 0;
    if (n == 0) return Q2_OK;
    sorted_abs s;
    int rc = sorted_abs_init(&s, __func__, w, n);
    if (rc) return rc;
    double t = s.p1[n], best = INFINITY, best_delta = 0;
    for (size_t m = 0; m <= n; m++) {
        double lo = m ? s.a[m - 1] : 0, hi = m < n ? s.a[m] : INFINITY;
        double den = (double)m + 9.0 * (double)(n - m);
        double d = 2 * (s.p1[m] + 3 * (t - s.p1[m])) / den;
        if (d < lo) d = lo;
        if (d > hi) d = hi;
        double e = sse_split(&s, m, d);
        if (e < best) {
            best = e;
            best_delta = d;
        }
    }
    *xmax = 2 * best_delta;
    sorted_abs_free(&s);
    return Q2_OK;
}

/* OCTAV (Sakr et al., ICML 2022) minimises the model J(s) = N_in s^2 4^-B / 3 + sum_{|w|>s}
 * (|w| - s)^2 by the fixed point s = sum_{|w|>s}|w| / (4^-B/3 N_in + N_out). Our overload level
 * is 3 s/4, not s, so J(s) = N_in s^2/48 + sum_{|w|>s} (|w| - 3s/4)^2 and dJ/ds = 0 with the sets
 * held fixed gives s = 36 sum_{|w|>s} |w| / (N_in + 27 N_out). */
int q2_xmax_octav(const float *w, size_t n, const q2_quant_opts *o, double *xmax)
{
    *xmax = 0;
    if (n == 0) return Q2_OK;
    q2_wstats st;
    q2_wstats_compute(&st, w, n);
    int rc = check_weights(__func__, &st);
    if (rc) return rc;
    sorted_abs s;
    rc = sorted_abs_init(&s, __func__, w, n);
    if (rc) return rc;
    double x = Q2_XMAX_OPT * q2_wstats_sigma(&st, o), t = s.p1[n];
    double best = INFINITY, best_x = x;
    bool settled = false;
    for (int it = 0; it < Q2_OCTAV_ITERS; it++) {
        size_t k = count_below(&s, x, false); /* N_in: |w| <= s */
        double next = 36 * (t - s.p1[k]) / ((double)k + 27.0 * (double)(n - k));
        double e = sse_at(&s, next / 2);
        if (e < best) {
            best = e;
            best_x = next;
        }
        if (fabs(next - x) <= 1e-12 * fabs(x)) {
            x = next;
            settled = true;
            break;
        }
        x = next;
    }
    *xmax = settled ? x : best_x;
    sorted_abs_free(&s);
    return Q2_OK;
}

int q2_xmax_rule(q2_rule r, const float *w, size_t n, const q2_quant_opts *o, double *xmax)
{
    switch (r) {
    case Q2_RULE_OPT:    return q2_xmax_opt(w, n, o, xmax);
    case Q2_RULE_ASYM:   return q2_xmax_asym(w, n, o, xmax);
    case Q2_RULE_MAXABS: return q2_xmax_maxabs(w, n, o, xmax);
    case Q2_RULE_MSE:    return q2_xmax_mse(w, n, o, xmax);
    case Q2_RULE_ACIQ:   return q2_xmax_aciq(w, n, o, xmax);
    case Q2_RULE_OCTAV:  return q2_xmax_octav(w, n, o, xmax);
    default:
        Q2_ERR("x_max failed: rule %d (%s) needs a network and a validation set", (int)r,
               q2_rule_name(r));
        return Q2_EARG;
    }
}

/* ---- deltas ------------------------------------------------------------------------------------ */
int q2_deltas_init(q2_deltas *d, const q2_mlp *m)
{
    memset(d, 0, sizeof *d);
    if (m->n_layers < 1 || m->n_layers > Q2_MAX_LAYERS) {
        Q2_ERR("init failed: %d layers, need 1..%d", m->n_layers, Q2_MAX_LAYERS);
        return Q2_EARG;
    }
    d->n_layers = m->n_layers;
    for (int l = 0; l < m->n_layers; l++) {
        d->delta[l] = calloc((size_t)(m->dims[l + 1] > 0 ? m->dims[l + 1] : 1), sizeof(float));
        if (!d->delta[l]) {
            Q2_ERR("init failed: out of memory for layer %d", l);
            q2_deltas_free(d);
            return Q2_ENOMEM;
        }
    }
    return Q2_OK;
}

void q2_deltas_free(q2_deltas *d)
{
    for (int l = 0; l < Q2_MAX_LAYERS; l++) free(d->delta[l]);
    memset(d, 0, sizeof *d);
}

/* ---- scopes ------------------------------------------------------------------------------------ */
static bool mlp_shape_ok(const char *func, const q2_mlp *m)
{
    if (!m || m->n_layers < 1 || m->n_layers > Q2_MAX_LAYERS) {
        q2_err(func, "quantize failed: network has %d layers, need 1..%d", m ? m->n_layers : 0,
               Q2_MAX_LAYERS);
        return false;
    }
    for (int l = 0; l < m->n_layers; l++) {
        if (m->dims[l] < 1 || m->dims[l + 1] < 1 || !m->w[l] || !m->b[l]) {
            q2_err(func, "quantize failed: layer %d is empty (%d -> %d)", l, m->dims[l],
                   m->dims[l + 1]);
            return false;
        }
    }
    return true;
}

int q2_scope_units(const q2_mlp *m, q2_scope s)
{
    switch (s) {
    case Q2_SCOPE_GLOBAL: return 1;
    case Q2_SCOPE_LAYER:  return m->n_layers;
    case Q2_SCOPE_NEURON: {
        int n = 0;
        for (int l = 0; l < m->n_layers; l++) n += m->dims[l + 1];
        return n;
    }
    default: return Q2_EARG;
    }
}

/* Unit u of scope s covers layers [*l0, *l1) and, within each, rows [*r0, *r1) (r1 < 0: all). */
static void unit_span(const q2_mlp *m, q2_scope s, int u, int *l0, int *l1, int *r0, int *r1)
{
    *r0 = 0;
    *r1 = -1;
    if (s == Q2_SCOPE_GLOBAL) {
        *l0 = 0;
        *l1 = m->n_layers;
    } else if (s == Q2_SCOPE_LAYER) {
        *l0 = u;
        *l1 = u + 1;
    } else {
        int l = 0;
        while (l < m->n_layers - 1 && u >= m->dims[l + 1]) u -= m->dims[++l];
        *l0 = l;
        *l1 = l + 1;
        *r0 = u;
        *r1 = u + 1;
    }
}

int q2_scope_unit_weights(const q2_mlp *m, q2_scope s, int u, float **scratch, const float **w,
                          size_t *n)
{
    int units = q2_scope_units(m, s);
    if (units < 0 || u < 0 || u >= units) {
        Q2_ERR("unit failed: unit %d of scope %s (%d units)", u, q2_scope_name(s), units);
        return Q2_EARG;
    }
    int l0, l1, r0, r1;
    unit_span(m, s, u, &l0, &l1, &r0, &r1);
    if (s == Q2_SCOPE_NEURON) {
        *w = m->w[l0] + (size_t)r0 * (size_t)m->dims[l0];
        *n = (size_t)m->dims[l0];
        return Q2_OK;
    }
    if (s == Q2_SCOPE_LAYER) {
        *w = m->w[l0];
        *n = (size_t)m->dims[l0] * (size_t)m->dims[l0 + 1];
        return Q2_OK;
    }
    size_t total = 0;
    for (int l = 0; l < m->n_layers; l++) total += (size_t)m->dims[l] * (size_t)m->dims[l + 1];
    if (!*scratch) {
        *scratch = malloc(total * sizeof **scratch);
        if (!*scratch) {
            Q2_ERR("unit failed: out of memory for %zu weights", total);
            return Q2_ENOMEM;
        }
    }
    size_t off = 0;
    for (int l = 0; l < m->n_layers; l++) {
        size_t k = (size_t)m->dims[l] * (size_t)m->dims[l + 1];
        memcpy(*scratch + off, m->w[l], k * sizeof **scratch);
        off += k;
    }
    *w = *scratch;
    *n = total;
    return Q2_OK;
}

/* ---- whole networks ---------------------------------------------------------------------------- */
/* Quantize every unit of src into dst (same shape, already a copy of src): x_max = ratio * sigma
 * when ratio > 0, else by rule. A unit whose x_max comes out 0 (sigma 0) falls back to max|w|,
 * and to delta = Q2_DELTA_MIN if all its weights are 0. */
static int quantize_units(const char *func, const q2_mlp *src, q2_scope scope, q2_rule rule,
                          double ratio, const q2_quant_opts *o, q2_mlp *dst, q2_deltas *deltas)
{
    int units = q2_scope_units(src, scope), rc = Q2_OK;
    float *scratch = NULL;
    for (int u = 0; u < units; u++) {
        const float *w;
        size_t n;
        if ((rc = q2_scope_unit_weights(src, scope, u, &scratch, &w, &n))) break;
        double xmax;
        if (ratio > 0) {
            q2_wstats st;
            q2_wstats_compute(&st, w, n);
            if ((rc = check_weights(func, &st))) break;
            xmax = ratio * q2_wstats_sigma(&st, o);
        } else if ((rc = q2_xmax_rule(rule, w, n, o, &xmax))) {
            break;
        }
        if (!(xmax > 0) && (rc = q2_xmax_maxabs(w, n, o, &xmax))) break;
        float delta = (float)(xmax / 2);
        if (!(delta >= Q2_DELTA_MIN)) delta = Q2_DELTA_MIN;
        if (!isfinite(delta)) {
            q2_err(func, "quantize failed: unit %d of scope %s has x_max %g", u,
                   q2_scope_name(scope), xmax);
            rc = Q2_EARG;
            break;
        }
        int l0, l1, r0, r1;
        unit_span(src, scope, u, &l0, &l1, &r0, &r1);
        for (int l = l0; l < l1; l++) {
            int n_in = src->dims[l], rows_end = r1 < 0 ? src->dims[l + 1] : r1;
            for (int j = r0; j < rows_end; j++) {
                const float *sw = src->w[l] + (size_t)j * (size_t)n_in;
                float *dw = dst->w[l] + (size_t)j * (size_t)n_in;
                for (int i = 0; i < n_in; i++) dw[i] = q2_quant_round(sw[i], delta);
                deltas->delta[l][j] = delta;
            }
        }
    }
    free(scratch);
    return rc;
}

/* Shared front half: check arguments, make dst a copy of src and initialise deltas. */
static int begin(const char *func, const q2_mlp *src, q2_scope scope, const q2_quant_opts *o,
                 q2_mlp *dst, q2_deltas *deltas)
{
    memset(dst, 0, sizeof *dst);
    memset(deltas, 0, sizeof *deltas);
    if ((unsigned)scope >= Q2_SCOPE_COUNT) {
        q2_err(func, "quantize failed: bad scope %d", (int)scope);
        return Q2_EARG;
    }
    if (!mlp_shape_ok(func, src)) return Q2_EARG;
    int rc = check_opts(func, o);
    if (rc) return rc;
    if ((rc = q2_mlp_copy(dst, src))) return rc;
    if ((rc = q2_deltas_init(deltas, src))) {
        q2_mlp_free(dst);
        memset(dst, 0, sizeof *dst);
    }
    return rc;
}

static void undo(q2_mlp *dst, q2_deltas *deltas)
{
    q2_mlp_free(dst);
    memset(dst, 0, sizeof *dst);
    q2_deltas_free(deltas);
}

int q2_quantize_mlp_ratio(const q2_mlp *src, q2_scope scope, double ratio, const q2_quant_opts *o,
                          q2_mlp *dst, q2_deltas *deltas)
{
    q2_quant_opts def = q2_quant_opts_default();
    if (!o) o = &def;
    if (!(ratio > 0) || !isfinite(ratio)) {
        memset(dst, 0, sizeof *dst);
        memset(deltas, 0, sizeof *deltas);
        Q2_ERR("quantize failed: x_max/sigma must be > 0, got %g", ratio);
        return Q2_EARG;
    }
    int rc = begin(__func__, src, scope, o, dst, deltas);
    if (rc) return rc;
    if ((rc = quantize_units(__func__, src, scope, Q2_RULE_COUNT, ratio, o, dst, deltas)))
        undo(dst, deltas);
    return rc;
}

int q2_acc_pick(const double *acc, int n)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (acc[i] >= 0 && (best < 0 || acc[i] > acc[best])) best = i;
    return best;
}

/* The acc rule: sweep x_max/sigma over the grid of o, measure validation accuracy, keep the
 * first best. */
static int acc_sweep(const q2_mlp *src, q2_scope scope, const q2_quant_opts *o,
                     const q2_dataset *val, double *ratio, double *acc_best)
{
    double *acc = malloc((size_t)o->points * sizeof *acc);
    if (!acc) {
        Q2_ERR("acc sweep failed: out of memory");
        return Q2_ENOMEM;
    }
    int rc = Q2_OK;
    double t0 = q2_now(), last = -1;
    for (int i = 0; i < o->points; i++) {
        q2_mlp tmp;
        q2_deltas td;
        double r = q2_sweep_ratio(o, i);
        if ((rc = q2_quantize_mlp_ratio(src, scope, r, o, &tmp, &td))) goto out_free;
        acc[i] = q2_mlp_accuracy(&tmp, val);
        undo(&tmp, &td);
        if (acc[i] < 0) {
            Q2_ERR("acc sweep failed: accuracy at x_max/sigma %.3f", r);
            rc = Q2_EARG;
            goto out_free;
        }
        double now = q2_now();
        if (o->progress && (q2_progress_is_tty() || now - last >= 5 || i == o->points - 1)) {
            q2_progress("acc rule, %s scope: %d/%d  x_max/sigma %.3f  val %.4f  (%.0f s)",
                        q2_scope_name(scope), i + 1, o->points, r, acc[i], now - t0);
            last = now;
        }
    }
    if (o->progress) q2_progress_done();
    int k = q2_acc_pick(acc, o->points);
    *ratio = q2_sweep_ratio(o, k);
    *acc_best = acc[k];
out_free:
    free(acc);
    return rc;
}

int q2_quantize_mlp_ex(const q2_mlp *src, q2_scope scope, q2_rule rule, const q2_quant_opts *o,
                       const q2_dataset *val, q2_mlp *dst, q2_deltas *deltas, q2_quant_info *info)
{
    q2_quant_opts def = q2_quant_opts_default();
    if (!o) o = &def;
    memset(dst, 0, sizeof *dst);
    memset(deltas, 0, sizeof *deltas);
    if (info) info->acc_ratio = info->acc_val = NAN;
    if ((unsigned)rule >= Q2_RULE_COUNT || (rule == Q2_RULE_ACC && !val)) {
        if ((unsigned)rule >= Q2_RULE_COUNT) Q2_ERR("quantize failed: bad rule %d", (int)rule);
        else Q2_ERR("quantize failed: rule acc needs a validation set");
        return Q2_EARG;
    }
    if (rule == Q2_RULE_ACC) {
        int rc = check_opts(__func__, o);
        if (rc) return rc;
        if (!mlp_shape_ok(__func__, src)) return Q2_EARG;
        double ratio, acc;
        if ((rc = acc_sweep(src, scope, o, val, &ratio, &acc))) return rc;
        if (info) {
            info->acc_ratio = ratio;
            info->acc_val = acc;
        }
        return q2_quantize_mlp_ratio(src, scope, ratio, o, dst, deltas);
    }
    int rc = begin(__func__, src, scope, o, dst, deltas);
    if (rc) return rc;
    if ((rc = quantize_units(__func__, src, scope, rule, 0, o, dst, deltas))) undo(dst, deltas);
    return rc;
}

int q2_quantize_mlp(const q2_mlp *src, q2_scope scope, q2_rule rule, const q2_dataset *val,
                    q2_mlp *dst, q2_deltas *deltas)
{
    q2_quant_opts o = q2_quant_opts_default();
    o.progress = true;
    return q2_quantize_mlp_ex(src, scope, rule, &o, val, dst, deltas, NULL);
}
