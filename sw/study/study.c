/* study.c — the support-region study: measure every scope x rule, sweep x_max/sigma, and write
 * the report (stdout table, study.csv, study.md, sweep_<scope>.csv, sweep.gp + SVGs, best.txt).
 * See study.h and docs/quantizer.md. */
#include "study/study.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "base/util.h"

/* ---- a growing text buffer --------------------------------------------------------------------- */
typedef struct {
    char *p;         /* (cap) bytes, the first len used, NUL-terminated */
    size_t len, cap;
    bool oom;        /* an allocation failed: later appends are dropped */
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap <= b->len + (size_t)n) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

/* A number, or an empty field for NaN (CSV). */
static void sb_num(sbuf *b, double v, int prec)
{
    if (isnan(v)) return;
    sb_printf(b, "%.*f", prec, v);
}

/* Stage b as the output path of the report (written at commit, all files or none); frees b. */
static int sb_write(sbuf *b, q2_outs *outs, const char *path)
{
    int rc;
    if (b->oom) {
        Q2_ERR("write %s failed: out of memory", path);
        rc = Q2_ENOMEM;
    } else {
        rc = q2_outs_add(outs, path, b->p ? b->p : "", b->len);
    }
    free(b->p);
    memset(b, 0, sizeof *b);
    return rc;
}

/* ---- measuring one quantized network ----------------------------------------------------------- */
/* Theory of a group of n weights with scale sigma quantized with x_max: signal n sigma^2 and
 * predicted noise n sigma^2 D(x_max / sigma). */
typedef struct { double sig, noise, xos_sum, xmax_sum; int count; } th_acc;

static void th_add(th_acc *a, double n, double sigma, double xmax)
{
    if (!(sigma > 0)) return; /* an all-zero (or constant, std) group has no ratio */
    double r = xmax / sigma;
    a->sig += n * sigma * sigma;
    a->noise += n * sigma * sigma * q2_lap_theory(r).d;
    a->xos_sum += r;
    a->xmax_sum += xmax;
    a->count++;
}
static double th_db(const th_acc *a) { return a->noise > 0 ? 10 * log10(a->sig / a->noise) : NAN; }

int q2_study_measure(const q2_mlp *src, const q2_mlp *q, const q2_deltas *d, q2_scope s,
                     const q2_quant_opts *o, q2_study_row *row)
{
    memset(row, 0, sizeof *row);
    row->scope = s;
    row->rule = Q2_STUDY_RULE_FLOAT;
    row->acc_val = row->acc_test = NAN;
    row->n_layers = src->n_layers;
    if (q->n_layers != src->n_layers || d->n_layers != src->n_layers ||
        (unsigned)s >= Q2_SCOPE_COUNT) {
        Q2_ERR("measure failed: networks, steps or scope do not match");
        return Q2_EARG;
    }
    double sig_all = 0, err_all = 0;
    th_acc all = {0};
    for (int l = 0; l < src->n_layers; l++) {
        int n_in = src->dims[l], n_out = src->dims[l + 1];
        double sig = 0, err = 0;
        for (size_t i = 0; i < (size_t)n_in * (size_t)n_out; i++) {
            double w = src->w[l][i], e = w - (double)q->w[l][i];
            sig += w * w;
            err += e * e;
        }
        row->l_sqnr_exp[l] = q2_sqnr_db(sig, err);
        sig_all += sig;
        err_all += err;
        /* theory per layer: over the layer (global, layer scope) or its neurons (neuron) */
        th_acc la = {0};
        q2_wstats st;
        if (s == Q2_SCOPE_NEURON) {
            for (int j = 0; j < n_out; j++) {
                q2_wstats_compute(&st, src->w[l] + (size_t)j * (size_t)n_in, (size_t)n_in);
                th_add(&la, n_in, q2_wstats_sigma(&st, o), 2.0 * d->delta[l][j]);
            }
        } else {
            q2_wstats_compute(&st, src->w[l], (size_t)n_in * (size_t)n_out);
            th_add(&la, (double)n_in * n_out, q2_wstats_sigma(&st, o), 2.0 * d->delta[l][0]);
        }
        row->l_sqnr_th[l] = th_db(&la);
        row->l_xos[l] = la.count ? la.xos_sum / la.count : NAN;
        row->l_xmax[l] = la.count ? la.xmax_sum / la.count : 2.0 * d->delta[l][0];
        all.sig += la.sig;
        all.noise += la.noise;
        all.xos_sum += la.xos_sum;
        all.xmax_sum += la.xmax_sum;
        all.count += la.count;
    }
    row->sqnr_exp_db = q2_sqnr_db(sig_all, err_all);
    if (s == Q2_SCOPE_GLOBAL) { /* one unit: one sigma over all weights */
        float *scratch = NULL;
        const float *w;
        size_t n;
        int rc = q2_scope_unit_weights(src, s, 0, &scratch, &w, &n);
        if (rc) return rc;
        q2_wstats st;
        q2_wstats_compute(&st, w, n);
        free(scratch);
        th_acc g = {0};
        th_add(&g, (double)n, q2_wstats_sigma(&st, o), 2.0 * d->delta[0][0]);
        row->sqnr_th_db = th_db(&g);
        row->xmax_over_sigma = g.count ? g.xos_sum : NAN;
        row->xmax = 2.0 * d->delta[0][0];
    } else {
        row->sqnr_th_db = th_db(&all);
        row->xmax_over_sigma = all.count ? all.xos_sum / all.count : NAN;
        row->xmax = all.count ? all.xmax_sum / all.count : NAN;
    }
    return Q2_OK;
}

/* ---- sweeps and the best row ------------------------------------------------------------------- */
static double accuracy_or_nan(const q2_mlp *m, const q2_dataset *d, int *rc)
{
    if (!d) return NAN;
    double a = q2_mlp_accuracy(m, d);
    if (a < 0) *rc = (int)a;
    return a;
}

int q2_study_sweep(const q2_mlp *src, q2_scope s, const q2_quant_opts *o, const q2_dataset *val,
                   const q2_dataset *test, q2_sweep_point *pts, bool progress)
{
    double t0 = q2_now(), last = -1;
    for (int i = 0; i < o->points; i++) {
        q2_mlp q;
        q2_deltas d;
        q2_study_row row;
        double r = q2_sweep_ratio(o, i);
        int rc = q2_quantize_mlp_ratio(src, s, r, o, &q, &d);
        if (rc) return rc;
        rc = q2_study_measure(src, &q, &d, s, o, &row);
        q2_sweep_point *p = &pts[i];
        memset(p, 0, sizeof *p);
        p->ratio = r;
        p->sqnr_th_db = q2_lap_theory(r).sqnr_db; /* every unit at the same ratio */
        p->sqnr_exp_db = row.sqnr_exp_db;
        memcpy(p->l_xmax, row.l_xmax, sizeof p->l_xmax);
        memcpy(p->l_sqnr_exp, row.l_sqnr_exp, sizeof p->l_sqnr_exp);
        if (!rc) p->acc_val = accuracy_or_nan(&q, val, &rc);
        if (!rc) p->acc_test = accuracy_or_nan(&q, test, &rc);
        q2_mlp_free(&q);
        q2_deltas_free(&d);
        if (rc) return rc;
        double now = q2_now();
        if (progress && (q2_progress_is_tty() || now - last >= 10 || i == o->points - 1)) {
            q2_progress("sweep %-6s %2d/%d  x_max/sigma %.2f  SQNR %.2f dB  val %.4f  (%.0f s)",
                        q2_scope_name(s), i + 1, o->points, r, p->sqnr_exp_db, p->acc_val,
                        now - t0);
            last = now;
        }
    }
    if (progress) q2_progress_done();
    return Q2_OK;
}

int q2_study_best(const q2_study_row *rows, int n)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (rows[i].rule == Q2_STUDY_RULE_FLOAT || isnan(rows[i].acc_val)) continue;
        if (best < 0 || rows[i].acc_val > rows[best].acc_val) best = i;
    }
    return best;
}

/* First index of the largest v[k].field over n points. */
static int argmax_pts(const q2_sweep_point *p, int n, size_t field_off)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (*(const double *)((const char *)&p[i] + field_off) >
            *(const double *)((const char *)&p[best] + field_off))
            best = i;
    return best;
}
#define PEAK(p, n, field) argmax_pts((p), (n), offsetof(q2_sweep_point, field))

/* ---- names of rows ----------------------------------------------------------------------------- */
static const char *row_scope(const q2_study_row *r)
{
    return r->rule == Q2_STUDY_RULE_FLOAT ? "float" : q2_scope_name(r->scope);
}
static const char *row_rule(const q2_study_row *r)
{
    return r->rule == Q2_STUDY_RULE_FLOAT ? "none" : q2_rule_name((q2_rule)r->rule);
}

/* ---- stdout table ------------------------------------------------------------------------------ */
static void print_table(FILE *f, const q2_study_row *rows, int n)
{
    fprintf(f, "%-6s %-6s %9s %9s %9s %9s %8s %8s\n", "scope", "rule", "xmax/sig", "xmax",
            "SQNR_th", "SQNR_exp", "acc_val", "acc_test");
    for (int i = 0; i < n; i++) {
        const q2_study_row *r = &rows[i];
        if (r->rule == Q2_STUDY_RULE_FLOAT) {
            fprintf(f, "%-6s %-6s %9s %9s %9s %9s %8.4f %8.4f\n", "float", "none", "-", "-", "-",
                    "-", r->acc_val, r->acc_test);
            continue;
        }
        fprintf(f, "%-6s %-6s %9.4f %9.5f %9.3f %9.3f %8.4f %8.4f\n", row_scope(r), row_rule(r),
                r->xmax_over_sigma, r->xmax, r->sqnr_th_db, r->sqnr_exp_db, r->acc_val,
                r->acc_test);
    }
}

/* ---- CSV files --------------------------------------------------------------------------------- */
static int write_study_csv(q2_outs *outs, const char *path, const q2_study_row *rows, int n,
                           int n_layers, const q2_quant_opts *o)
{
    sbuf b = {0};
    sb_printf(&b, "scope,rule,xmax_over_sigma,sqnr_th_db,sqnr_exp_db,acc_val,acc_test,xmax,sigma");
    for (int l = 0; l < n_layers; l++)
        sb_printf(&b, ",xmax_l%d,xmax_over_sigma_l%d,sqnr_th_db_l%d,sqnr_exp_db_l%d", l, l, l, l);
    sb_printf(&b, "\n");
    for (int i = 0; i < n; i++) {
        const q2_study_row *r = &rows[i];
        bool fl = r->rule == Q2_STUDY_RULE_FLOAT;
        sb_printf(&b, "%s,%s,", row_scope(r), row_rule(r));
        sb_num(&b, fl ? NAN : r->xmax_over_sigma, 5);
        sb_printf(&b, ",");
        sb_num(&b, fl ? NAN : r->sqnr_th_db, 4);
        sb_printf(&b, ",");
        sb_num(&b, fl ? NAN : r->sqnr_exp_db, 4);
        sb_printf(&b, ",%.4f,%.4f,", r->acc_val, r->acc_test);
        sb_num(&b, fl ? NAN : r->xmax, 6);
        sb_printf(&b, ",%s", fl ? "" : q2_sigma_name(o->sigma));
        for (int l = 0; l < n_layers; l++) {
            sb_printf(&b, ",");
            sb_num(&b, fl ? NAN : r->l_xmax[l], 6);
            sb_printf(&b, ",");
            sb_num(&b, fl ? NAN : r->l_xos[l], 5);
            sb_printf(&b, ",");
            sb_num(&b, fl ? NAN : r->l_sqnr_th[l], 4);
            sb_printf(&b, ",");
            sb_num(&b, fl ? NAN : r->l_sqnr_exp[l], 4);
        }
        sb_printf(&b, "\n");
    }
    return sb_write(&b, outs, path);
}

static int write_sweep_csv(q2_outs *outs, const char *path, const q2_sweep_point *p, int n,
                           int n_layers)
{
    sbuf b = {0};
    sb_printf(&b, "xmax_over_sigma,sqnr_th_db,sqnr_exp_db,acc_val,acc_test");
    for (int l = 0; l < n_layers; l++) sb_printf(&b, ",xmax_l%d,sqnr_exp_db_l%d", l, l);
    sb_printf(&b, "\n");
    for (int i = 0; i < n; i++) {
        sb_printf(&b, "%.4f,%.4f,%.4f,", p[i].ratio, p[i].sqnr_th_db, p[i].sqnr_exp_db);
        sb_num(&b, p[i].acc_val, 4);
        sb_printf(&b, ",");
        sb_num(&b, p[i].acc_test, 4);
        for (int l = 0; l < n_layers; l++)
            sb_printf(&b, ",%.6f,%.4f", p[i].l_xmax[l], p[i].l_sqnr_exp[l]);
        sb_printf(&b, "\n");
    }
    return sb_write(&b, outs, path);
}

/* ---- the Markdown report ----------------------------------------------------------------------- */
typedef struct {
    double mean, std, rms, kurt, maxabs_over_std; /* kurt: E[(w-mean)^4]/std^4 (Laplacian 6) */
} layer_stats;

static void layer_stats_compute(layer_stats *s, const float *w, size_t n)
{
    q2_wstats st;
    q2_wstats_compute(&st, w, n);
    double m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)w[i] - st.mean;
        m4 += d * d * d * d;
    }
    s->mean = st.mean;
    s->std = st.std;
    s->rms = st.rms;
    s->kurt = st.std > 0 ? m4 / (double)n / (st.std * st.std * st.std * st.std) : NAN;
    s->maxabs_over_std = st.std > 0 ? st.maxabs / st.std : NAN;
}

typedef struct {
    const q2_study_opts *o;
    const q2_mlp *m;
    const q2_study_row *rows;      /* (n_rows) float baseline first */
    int n_rows;
    q2_sweep_point *sweep[Q2_SCOPE_COUNT]; /* each (o->q.points) */
    layer_stats ls[Q2_MAX_LAYERS];       /* (m->n_layers) */
    q2_method_row *mrows;                /* (n_mrows) bit-exact methods (o->methods), or NULL */
    int n_mrows;
    int n_val, n_test;
    double seconds;
} report;

static const q2_study_row *best_of_scope(const report *r, q2_scope s)
{
    const q2_study_row *best = NULL;
    for (int i = 0; i < r->n_rows; i++) {
        const q2_study_row *x = &r->rows[i];
        if (x->rule == Q2_STUDY_RULE_FLOAT || x->scope != s) continue;
        if (!best || x->acc_val > best->acc_val) best = x;
    }
    return best;
}

/* Contiguous range of ratios around the peak whose validation accuracy is within tol of it. */
static void plateau(const q2_sweep_point *p, int n, int peak, double tol, double *lo, double *hi)
{
    int a = peak, b = peak;
    while (a > 0 && p[a - 1].acc_val >= p[peak].acc_val - tol) a--;
    while (b < n - 1 && p[b + 1].acc_val >= p[peak].acc_val - tol) b++;
    *lo = p[a].ratio;
    *hi = p[b].ratio;
}

/* Conclusion 1: theory vs measurement (the global opt row against the Laplacian model). */
static void md_theory(sbuf *b, const report *r)
{
    /* 1. theory vs measurement */
    const q2_study_row *g_opt = NULL;
    for (int i = 0; i < r->n_rows; i++)
        if (r->rows[i].scope == Q2_SCOPE_GLOBAL && r->rows[i].rule == Q2_RULE_OPT) g_opt = &r->rows[i];
    if (g_opt) {
        double gap = g_opt->sqnr_exp_db - g_opt->sqnr_th_db, kmin = INFINITY, kmax = -INFINITY;
        for (int l = 0; l < r->m->n_layers; l++) {
            kmin = fmin(kmin, r->ls[l].kurt);
            kmax = fmax(kmax, r->ls[l].kurt);
        }
        sb_printf(b, "* **Theory vs. real weights.** With the MSE-optimal x_max = %.4f sigma applied "
                  "globally, the measured SQNR is %.3f dB against %.3f dB predicted for a Laplacian "
                  "source (%+.3f dB). The layers' kurtosis is %.2f..%.2f (Laplacian: 6, Gaussian: "
                  "3), so the Laplacian model is %s.\n", Q2_XMAX_OPT, g_opt->sqnr_exp_db,
                  g_opt->sqnr_th_db, gap, kmin, kmax,
                  fabs(gap) <= 0.5 ? "a good description of these weights" :
                  gap < 0 ? "optimistic for these weights" : "pessimistic for these weights");
    }
}

/* Conclusion 2: do SQNR and accuracy peak together, per scope, and the answer. */
static void md_peaks(sbuf *b, const report *r)
{
    const q2_quant_opts *q = &r->o->q;
    int np = q->points;
    double step = (q->hi - q->lo) / (np - 1);
    /* 2. do SQNR and accuracy peak together? */
    int agree = 0, total = 0, confirmed = 0;
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        const q2_sweep_point *p = r->sweep[s];
        int is = PEAK(p, np, sqnr_exp_db), ia = PEAK(p, np, acc_val);
        bool same = fabs(p[is].ratio - p[ia].ratio) <= step * 1.0001;
        double plo, phi;
        plateau(p, np, ia, 0.002, &plo, &phi);
        agree += same;
        total++;
        sb_printf(b, "* **%s scope sweep.** Measured SQNR peaks at x_max/sigma = %.2f (%.3f dB; "
                  "the Laplacian theory peaks at %.2f); validation accuracy peaks at x_max/sigma = "
                  "%.2f (%.2f %%, test %.2f %%). ", q2_scope_name((q2_scope)s), p[is].ratio,
                  p[is].sqnr_exp_db, Q2_XMAX_OPT, p[ia].ratio, 100 * p[ia].acc_val,
                  100 * p[ia].acc_test);
        if (same)
            sb_printf(b, "The two peaks coincide within one grid step (%.2f).", step);
        else
            sb_printf(b, "The peaks do **not** coincide: at the SQNR peak the validation accuracy "
                      "is %.2f %%, %.2f points below its maximum; accuracy prefers a %s support "
                      "region. On the test set: %.2f %% at the SQNR peak, %.2f %% at the validation "
                      "peak.", 100 * p[is].acc_val, 100 * (p[ia].acc_val - p[is].acc_val),
                      p[ia].ratio > p[is].ratio ? "wider" : "narrower", 100 * p[is].acc_test,
                      100 * p[ia].acc_test);
        if (!same && p[ia].acc_test > p[is].acc_test) confirmed++;
        sb_printf(b, " Accuracy stays within 0.2 points of its peak for x_max/sigma in "
                  "[%.2f, %.2f].\n", plo, phi);
    }
    sb_printf(b, "* **Answer:** SQNR and accuracy peak at the same x_max in %d of %d scopes%s.",
              agree, total, agree == total ? "" : agree ? "; maximal SQNR is not a reliable "
              "proxy for maximal accuracy" : ": maximal SQNR does not give maximal accuracy");
    if (agree < total)
        sb_printf(b, " Where they differ, the independent test set agrees with the validation set "
                  "(higher accuracy at the accuracy peak than at the SQNR peak) in %d of %d "
                  "scopes; the gaps are a few tenths of a point, compare the noise level below.",
                  confirmed, total - agree);
    sb_printf(b, "\n");
}

/* Conclusions 3 and 4: the best rule per scope, layer-wise vs global, the highest SQNR. */
static void md_rules(sbuf *b, const report *r)
{
    /* 3. best rule per scope, and layer-wise vs global */
    const q2_study_row *bs[Q2_SCOPE_COUNT];
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) bs[s] = best_of_scope(r, (q2_scope)s);
    sb_printf(b, "* **Best rule per scope (on validation):**");
    for (int s = 0; s < Q2_SCOPE_COUNT; s++)
        if (bs[s])
            sb_printf(b, " %s: `%s` (x_max/sigma %.2f, val %.2f %%, test %.2f %%)%s",
                      q2_scope_name((q2_scope)s), row_rule(bs[s]), bs[s]->xmax_over_sigma,
                      100 * bs[s]->acc_val, 100 * bs[s]->acc_test, s + 1 < Q2_SCOPE_COUNT ? ";" : ".");
    sb_printf(b, "\n");
    if (bs[0] && bs[1])
        sb_printf(b, "* **Layer-wise vs. global:** the best layer-wise quantizer changes the test "
                  "accuracy by %+.2f points against the best global one; per-neuron by %+.2f "
                  "points.\n", 100 * (bs[1]->acc_test - bs[0]->acc_test),
                  bs[2] ? 100 * (bs[2]->acc_test - bs[0]->acc_test) : 0.0);
    /* 4. SQNR-optimal rules vs accuracy */
    const q2_study_row *hi_sqnr = NULL;
    for (int i = 1; i < r->n_rows; i++)
        if (!hi_sqnr || r->rows[i].sqnr_exp_db > hi_sqnr->sqnr_exp_db) hi_sqnr = &r->rows[i];
    if (hi_sqnr)
        sb_printf(b, "* **Highest measured SQNR:** %s/`%s` with %.3f dB, test accuracy %.2f %%.\n",
                  row_scope(hi_sqnr), row_rule(hi_sqnr), hi_sqnr->sqnr_exp_db,
                  100 * hi_sqnr->acc_test);
}

/* Conclusions 5 and 6: the noise level of the accuracies and the network chosen. */
static void md_noise_choice(sbuf *b, const report *r)
{
    const q2_study_row *fl = &r->rows[0];
    /* 5. statistical noise of the accuracies */
    double pv = fl->acc_val, pt = fl->acc_test, lo_t = INFINITY, hi_t = -INFINITY;
    double se_v = sqrt(pv * (1 - pv) / r->n_val), se_t = sqrt(pt * (1 - pt) / r->n_test);
    for (int i = 1; i < r->n_rows; i++) {
        if (r->rows[i].rule == Q2_RULE_MAXABS) continue;
        lo_t = fmin(lo_t, r->rows[i].acc_test);
        hi_t = fmax(hi_t, r->rows[i].acc_test);
    }
    sb_printf(b, "* **Noise level:** one standard error of an accuracy near %.2f %% is %.2f points on "
              "the %d validation images and %.2f points on the %d test images; differences below "
              "about two standard errors are not significant. Every rule but `maxabs` lands within "
              "%.2f..%.2f %% test accuracy.\n", 100 * pv, 100 * se_v, r->n_val, 100 * se_t,
              r->n_test, 100 * lo_t, 100 * hi_t);
    /* 6. the chosen network */
    int bi = q2_study_best(r->rows, r->n_rows);
    if (bi >= 0) {
        const q2_study_row *bb = &r->rows[bi];
        sb_printf(b, "* **Chosen on validation:** %s/`%s`: validation %.2f %%, test %.2f %% "
                  "(float: %.2f %%, a drop of %.2f points). Goal >= 97.5 %% test: **%s**.\n",
                  row_scope(bb), row_rule(bb), 100 * bb->acc_val, 100 * bb->acc_test,
                  100 * fl->acc_test, 100 * (fl->acc_test - bb->acc_test),
                  bb->acc_test >= 0.975 ? "met" : "not met");
    }
}

static void md_conclusions(sbuf *b, const report *r)
{
    sb_printf(b, "## Conclusions (computed from the numbers above)\n\n");
    md_theory(b, r);
    md_peaks(b, r);
    md_rules(b, r);
    md_noise_choice(b, r);
    sb_printf(b, "\n");
}

static int write_md(q2_outs *outs, const char *path, const report *r)
{
    const q2_study_opts *o = r->o;
    const q2_mlp *m = r->m;
    sbuf b = {0};
    char arch[256] = "";
    size_t nw = 0;
    for (int l = 0; l <= m->n_layers; l++) {
        size_t k = strlen(arch);
        snprintf(arch + k, sizeof arch - k, "%s%d", l ? "-" : "", m->dims[l]);
    }
    for (int l = 0; l < m->n_layers; l++) nw += (size_t)m->dims[l] * (size_t)m->dims[l + 1];
    sb_printf(&b, "# Support-region study of the 2-bit uniform quantizer\n\n");
    sb_printf(&b, "Generated by `q2mlp study` (%.0f s) — do not edit; `make run-20-study` "
              "regenerates it. Formulas and conventions: docs/quantizer.md.\n\n", r->seconds);
    sb_printf(&b, "* model: `%s` (%s, %zu weights; biases stay float)\n", o->model, arch, nw);
    sb_printf(&b, "* validation: the last %d training images; test: %d images of `%s` (reported "
              "only, never used for a choice)\n", r->n_val, r->n_test, o->test_images);
    sb_printf(&b, "* sigma convention: `%s`; sweep: %d values of x_max/sigma in [%.2f, %.2f]\n",
              q2_sigma_name(o->q.sigma), o->q.points, o->q.lo, o->q.hi);
    sb_printf(&b, "* accuracies use the quantized weights with float activations\n\n");

    sb_printf(&b, "## Scopes x rules\n\n| scope | rule | x_max/sigma | x_max | SQNR theory (dB) | "
              "SQNR measured (dB) | val acc (%%) | test acc (%%) |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
    int bi = q2_study_best(r->rows, r->n_rows);
    for (int i = 0; i < r->n_rows; i++) {
        const q2_study_row *x = &r->rows[i];
        const char *em = i == bi ? "**" : "";
        if (x->rule == Q2_STUDY_RULE_FLOAT)
            sb_printf(&b, "| float | — | — | — | — | — | %.2f | %.2f |\n", 100 * x->acc_val,
                      100 * x->acc_test);
        else
            sb_printf(&b, "| %s%s%s | %s%s%s | %.3f | %.5f | %.3f | %.3f | %s%.2f%s | %s%.2f%s |\n",
                      em, row_scope(x), em, em, row_rule(x), em, x->xmax_over_sigma, x->xmax,
                      x->sqnr_th_db, x->sqnr_exp_db, em, 100 * x->acc_val, em, em,
                      100 * x->acc_test, em);
    }
    sb_printf(&b, "\nBold: the best validation accuracy (written to best.txt).\n\n");

    sb_printf(&b, "## Per layer: x_max/sigma · SQNR theory · SQNR measured (dB)\n\n| scope | rule |");
    for (int l = 0; l < m->n_layers; l++) sb_printf(&b, " layer %d (%dx%d) |", l, m->dims[l + 1], m->dims[l]);
    sb_printf(&b, "\n|---|---|");
    for (int l = 0; l < m->n_layers; l++) sb_printf(&b, "---|");
    sb_printf(&b, "\n");
    for (int i = 1; i < r->n_rows; i++) {
        const q2_study_row *x = &r->rows[i];
        sb_printf(&b, "| %s | %s |", row_scope(x), row_rule(x));
        for (int l = 0; l < m->n_layers; l++)
            sb_printf(&b, " %.2f · %.2f · %.2f |", x->l_xos[l], x->l_sqnr_th[l], x->l_sqnr_exp[l]);
        sb_printf(&b, "\n");
    }
    sb_printf(&b, "\n(neuron scope: x_max/sigma is the mean over the layer's neurons.)\n\n");

    sb_printf(&b, "## Weight statistics\n\n| layer | mean | std | rms | kurtosis | max abs / std |\n"
              "|---|---:|---:|---:|---:|---:|\n");
    for (int l = 0; l < m->n_layers; l++)
        sb_printf(&b, "| %d | %.3e | %.5f | %.5f | %.2f | %.2f |\n", l, r->ls[l].mean, r->ls[l].std,
                  r->ls[l].rms, r->ls[l].kurt, r->ls[l].maxabs_over_std);

    sb_printf(&b, "\n## Sweeps of x_max/sigma\n\n| scope | SQNR peak at | SQNR max (dB) | val acc peak at "
              "| val acc max (%%) | val acc at SQNR peak (%%) | test acc at val peak (%%) |\n"
              "|---|---:|---:|---:|---:|---:|---:|\n");
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        const q2_sweep_point *p = r->sweep[s];
        int is = PEAK(p, o->q.points, sqnr_exp_db), ia = PEAK(p, o->q.points, acc_val);
        sb_printf(&b, "| %s | %.2f | %.3f | %.2f | %.2f | %.2f | %.2f |\n", q2_scope_name((q2_scope)s),
                  p[is].ratio, p[is].sqnr_exp_db, p[ia].ratio, 100 * p[ia].acc_val,
                  100 * p[is].acc_val, 100 * p[ia].acc_test);
    }
    sb_printf(&b, "\nData: sweep_global.csv, sweep_layer.csv, sweep_neuron.csv.\n\n");
    for (int s = 0; s < Q2_SCOPE_COUNT; s++)
        sb_printf(&b, "![%s sweep](sweep_%s.svg)\n\n", q2_scope_name((q2_scope)s),
                  q2_scope_name((q2_scope)s));
    md_conclusions(&b, r);
    return sb_write(&b, outs, path);
}

/* ---- plots (gnuplot) --------------------------------------------------------------------------- */
/* Append s to b in single quotes for /bin/sh. */
static void sb_shell_quote(sbuf *b, const char *s)
{
    sb_printf(b, "'");
    for (; *s; s++) {
        if (*s == '\'') sb_printf(b, "'\\''");
        else sb_printf(b, "%c", *s);
    }
    sb_printf(b, "'");
}

static int run_shell(sbuf *cmd)
{
    if (cmd->oom) return -1;
    int st = system(cmd->p);
    free(cmd->p);
    memset(cmd, 0, sizeof *cmd);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

/* The gnuplot script: the sweeps of csv[s] drawn into svg[s]. */
static void gp_script(sbuf *b, const report *r, const char *out, const char *const *csv,
                      const char *const *svg)
{
    sb_printf(b, "# sweep.gp — written by q2mlp study; run: gnuplot %s/sweep.gp\n", out);
    sb_printf(b, "set terminal svg size 900,520 dynamic font 'sans,13' background rgb 'white'\n"
              "set encoding utf8\nset datafile separator ','\nset key autotitle columnhead\n"
              "set grid\nset xlabel 'x_{max} / σ'\nset ylabel 'SQNR (dB)'\n"
              "set y2label 'accuracy (%%)'\nset ytics nomirror\nset y2tics\n"
              "set key outside below center horizontal maxrows 2\nset xrange [%g:%g]\n", r->o->q.lo,
              r->o->q.hi);
    double ft = 100 * r->rows[0].acc_test;
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        const char *sn = q2_scope_name((q2_scope)s);
        const q2_sweep_point *p = r->sweep[s];
        int ia = PEAK(p, r->o->q.points, acc_val);
        double lo = floor(fmin(100 * p[ia].acc_val, ft) - 8);
        sb_printf(b, "\nset output '%s'\n", svg[s]);
        sb_printf(b, "set title '2-bit uniform quantizer, %s scope: SQNR and accuracy vs. support "
                  "region'\n", sn);
        sb_printf(b, "set y2range [%g:%g]\n", lo, fmin(100, ceil(fmax(100 * p[ia].acc_val, ft) + 1)));
        sb_printf(b, "set arrow 1 from %.4f, graph 0 to %.4f, graph 1 nohead dt 3 lc rgb 'gray40'\n",
                  Q2_XMAX_OPT, Q2_XMAX_OPT);
        sb_printf(b, "set label 1 'x_{max} = 2.1748 σ' at %.4f, graph 0.04 offset 0.5,0 "
                  "tc rgb 'gray40'\n", Q2_XMAX_OPT);
        sb_printf(b, "set arrow 2 from graph 0, second %.3f to graph 1, second %.3f nohead dt 4 "
                  "lc rgb 'dark-green'\n", ft, ft);
        sb_printf(b, "plot '%s' using 1:2 with lines lw 2 lc rgb 'gray50' title "
                  "'SQNR theory (Laplacian)', \\\n"
                  "  '' using 1:3 with linespoints pt 7 ps 0.4 lw 2 lc rgb 'blue' title 'SQNR "
                  "measured', \\\n"
                  "  '' using 1:($4*100) axes x1y2 with linespoints pt 5 ps 0.4 lw 2 lc rgb 'red' "
                  "title 'validation accuracy', \\\n"
                  "  '' using 1:($5*100) axes x1y2 with lines dt 2 lw 1.5 lc rgb 'orange' title "
                  "'test accuracy', \\\n"
                  "  1/0 with lines dt 4 lc rgb 'dark-green' title 'float test accuracy'\n",
                  csv[s]);
    }
}

/* Run gp with the script on its standard input; its exit status, or -1 (it did not run, died
 * of a signal, or did not take the whole script). SIGPIPE is ignored meanwhile: a plotter that
 * exits early must not kill the study before it removes its temporary files. */
static int run_gnuplot(const char *gp, sbuf *script)
{
    sbuf cmd = {0};
    sb_shell_quote(&cmd, gp);
    int st = -1;
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    FILE *p = cmd.oom || script->oom ? NULL : popen(cmd.p, "w");
    if (p) {
        bool ok = fwrite(script->p, 1, script->len, p) == script->len;
        ok = fflush(p) == 0 && ok;
        st = pclose(p);
        st = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (st == 0 && !ok) st = -1;
    }
    if (old != SIG_ERR) signal(SIGPIPE, old);
    free(cmd.p);
    free(script->p);
    memset(script, 0, sizeof *script);
    return st;
}

/* Stages out/sweep.gp (naming the final files) and runs gnuplot on the same script with the
 * staged temp names, so that sweep_<scope>.svg appear only with the rest of the report (the
 * CSVs are staged already). Returns 0 (also when gnuplot is missing, after saying so) or Q2_EIO
 * if gnuplot fails. */
static int plot(const report *r, const char *out, q2_outs *outs)
{
    const char *gp = r->o->gnuplot;
    if (!gp || !*gp) return Q2_OK;
    if (strchr(out, '\'')) {
        Q2_ERR("plot failed: output directory %s contains a quote", out);
        return Q2_EARG;
    }
    char csv[Q2_SCOPE_COUNT][4200], svg[Q2_SCOPE_COUNT][4200], path[4200];
    const char *csv_f[Q2_SCOPE_COUNT], *svg_f[Q2_SCOPE_COUNT], *csv_t[Q2_SCOPE_COUNT],
        *svg_t[Q2_SCOPE_COUNT];
    int rc;
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        snprintf(csv[s], sizeof csv[s], "%s/sweep_%s.csv", out, q2_scope_name((q2_scope)s));
        snprintf(svg[s], sizeof svg[s], "%s/sweep_%s.svg", out, q2_scope_name((q2_scope)s));
        csv_f[s] = csv[s];
        svg_f[s] = svg[s];
        csv_t[s] = q2_outs_tmp(outs, csv[s]);
        if (!csv_t[s]) csv_t[s] = csv[s]; /* written in place (a FIFO?): read it there */
        if ((rc = q2_outs_reserve(outs, svg[s], &svg_t[s]))) return rc;
    }
    sbuf b = {0}, run = {0};
    gp_script(&b, r, out, csv_f, svg_f);
    gp_script(&run, r, out, csv_t, svg_t);
    snprintf(path, sizeof path, "%s/sweep.gp", out);
    if ((rc = sb_write(&b, outs, path))) {
        free(run.p);
        return rc;
    }
    sbuf cmd = {0};
    sb_printf(&cmd, "command -v ");
    sb_shell_quote(&cmd, gp);
    sb_printf(&cmd, " >/dev/null 2>&1");
    if (run_shell(&cmd) != 0) {
        fprintf(stderr, "study: gnuplot (%s) not found: no SVG plots; the CSV files are written "
                "(install gnuplot, or run `gnuplot %s` later)\n", gp, path);
        free(run.p);
        return Q2_OK;
    }
    int st = run_gnuplot(gp, &run);
    if (st != 0) {
        Q2_ERR("plot failed: %s on the script %s exited with status %d", gp, path, st);
        return Q2_EIO;
    }
    return Q2_OK;
}

/* ---- the study --------------------------------------------------------------------------------- */
void q2_study_opts_default(q2_study_opts *o)
{
    memset(o, 0, sizeof *o);
    o->out_dir = "build/report";
    o->n_val = Q2_VAL_DEFAULT;
    o->q = q2_quant_opts_default();
    o->gnuplot = "gnuplot";
    o->progress = true;
}

/* One row: quantize src in scope s with rule r (acc: the sweep's pick), measure, evaluate. */
static int study_row(const q2_mlp *src, q2_scope s, q2_rule r, const q2_quant_opts *qo,
                     const q2_sweep_point *sweep, const q2_dataset *val, const q2_dataset *test,
                     q2_study_row *row)
{
    q2_mlp q;
    q2_deltas d;
    int rc;
    if (r == Q2_RULE_ACC) {
        double acc[1024];
        int np = qo->points < 1024 ? qo->points : 1024;
        for (int i = 0; i < np; i++) acc[i] = sweep[i].acc_val;
        int k = q2_acc_pick(acc, np);
        rc = q2_quantize_mlp_ratio(src, s, k < 0 ? Q2_XMAX_OPT : sweep[k].ratio, qo, &q, &d);
    } else {
        rc = q2_quantize_mlp_ex(src, s, r, qo, NULL, &q, &d, NULL);
    }
    if (rc) return rc;
    rc = q2_study_measure(src, &q, &d, s, qo, row);
    row->rule = r;
    if (!rc) row->acc_val = accuracy_or_nan(&q, val, &rc);
    if (!rc) row->acc_test = accuracy_or_nan(&q, test, &rc);
    q2_mlp_free(&q);
    q2_deltas_free(&d);
    return rc;
}

/* best.txt carries the sigma convention (when not the default) but not the sweep grid. */
static bool grid_is_default(const q2_quant_opts *q)
{
    q2_quant_opts d = q2_quant_opts_default();
    return q->points == d.points && q->lo == d.lo && q->hi == d.hi;
}

/* The model and the data: m, the training set (val: its last n_val images) and the test set
 * (tst: its first test_limit images). */
static int study_load(const q2_study_opts *o, q2_mlp *m, q2_dataset *train, q2_dataset *test,
                      q2_dataset *val, q2_dataset *tst)
{
    int rc = q2_mlp_load(m, o->model);
    if (rc) return rc;
    if ((rc = q2_dataset_load(train, o->train_images, o->train_labels))) return rc;
    if ((rc = q2_dataset_load(test, o->test_images, o->test_labels))) return rc;
    if (train->rows * train->cols != m->dims[0] || test->rows * test->cols != m->dims[0] ||
        o->n_val > train->n) {
        Q2_ERR("study failed: model takes %d inputs, images have %d and %d pixels; %d training "
               "images for %d validation images", m->dims[0], train->rows * train->cols,
               test->rows * test->cols, train->n, o->n_val);
        return Q2_EARG;
    }
    *val = q2_dataset_slice(train, train->n - o->n_val, o->n_val);
    *tst = q2_dataset_slice(test, 0, o->test_limit && o->test_limit < test->n ? o->test_limit : test->n);
    return Q2_OK;
}

/* The float baseline rows[0], the sweeps r->sweep[s] (allocated here) and every scope x rule
 * in rows[1..]; r->n_rows. */
static int study_measure_all(const q2_study_opts *o, const q2_mlp *m, const q2_dataset *val,
                             const q2_dataset *tst, q2_study_row *rows, report *r)
{
    int rc = Q2_OK;
    memset(&rows[0], 0, sizeof rows[0]);
    rows[0].rule = Q2_STUDY_RULE_FLOAT;
    rows[0].n_layers = m->n_layers;
    rows[0].xmax_over_sigma = rows[0].xmax = rows[0].sqnr_th_db = rows[0].sqnr_exp_db = NAN;
    rows[0].acc_val = accuracy_or_nan(m, val, &rc);
    if (!rc) rows[0].acc_test = accuracy_or_nan(m, tst, &rc);
    if (rc) return rc;
    if (o->progress)
        fprintf(stderr, "study: float baseline val %.4f test %.4f; sweeping %d points x %d scopes\n",
                rows[0].acc_val, rows[0].acc_test, o->q.points, Q2_SCOPE_COUNT);
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        r->sweep[s] = calloc((size_t)o->q.points, sizeof *r->sweep[s]);
        if (!r->sweep[s]) {
            Q2_ERR("study failed: out of memory for the sweep");
            return Q2_ENOMEM;
        }
        if ((rc = q2_study_sweep(m, (q2_scope)s, &o->q, val, tst, r->sweep[s], o->progress))) return rc;
    }
    int n_rows = 1;
    for (int s = 0; s < Q2_SCOPE_COUNT; s++)
        for (int ru = 0; ru < Q2_RULE_COUNT; ru++) {
            if ((rc = study_row(m, (q2_scope)s, (q2_rule)ru, &o->q, r->sweep[s], val, tst, &rows[n_rows])))
                return rc;
            if (o->progress)
                q2_progress("rows %2d/%d  %-6s %-6s val %.4f", n_rows, Q2_SCOPE_COUNT * Q2_RULE_COUNT,
                            q2_scope_name((q2_scope)s), q2_rule_name((q2_rule)ru), rows[n_rows].acc_val);
            n_rows++;
        }
    if (o->progress) q2_progress_done();
    r->n_rows = n_rows;
    return Q2_OK;
}

/* The bit-exact method rows r->mrows (allocated here): calibration on the training images
 * before the validation ones. */
static int study_methods(const q2_study_opts *o, const q2_mlp *m, const q2_dataset *train,
                         const q2_dataset *val, const q2_dataset *tst, report *r)
{
    q2_dataset cal = q2_dataset_slice(train, 0, train->n - o->n_val);
    if (cal.n < 1) {
        Q2_ERR("study failed: no training images left for calibration besides the %d validation ones", o->n_val);
        return Q2_EARG;
    }
    if (!(r->mrows = calloc(Q2_STUDY_N_METHOD_ROWS, sizeof *r->mrows))) {
        Q2_ERR("study failed: out of memory for the method rows");
        return Q2_ENOMEM;
    }
    const q2_sweep_point *sw[Q2_SCOPE_COUNT];
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) sw[s] = r->sweep[s];
    q2_study_data data = {&cal, val, tst};
    int rc = q2_study_methods(m, sw, &o->q, &data, r->mrows, o->progress);
    if (!rc) r->n_mrows = Q2_STUDY_N_METHOD_ROWS;
    return rc;
}

/* The table, the sweep peaks and the best row on stdout. */
static void study_print(const report *r)
{
    const q2_study_row *rows = r->rows;
    print_table(stdout, rows, r->n_rows);
    int bi = q2_study_best(rows, r->n_rows);
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        const q2_sweep_point *p = r->sweep[s];
        int is = PEAK(p, r->o->q.points, sqnr_exp_db), ia = PEAK(p, r->o->q.points, acc_val);
        printf("sweep %-6s SQNR_exp peak at x_max/sigma %.2f (%.3f dB), acc_val peak at %.2f "
               "(%.4f)\n", q2_scope_name((q2_scope)s), p[is].ratio, p[is].sqnr_exp_db,
               p[ia].ratio, p[ia].acc_val);
    }
    for (int i = 0; i < r->n_mrows; i++) {
        const q2_method_row *x = &r->mrows[i];
        printf("method %-8s %-6s %-6s %9.4f SQNR_exp %7.3f bit-exact acc_val %.4f acc_test %.4f\n",
               q2_method_name(x->method), q2_scope_name(x->scope), q2_rule_name(x->rule), x->xmax_over_sigma,
               x->sqnr_exp_db, x->acc_val, x->acc_test);
    }
    printf("best on validation: scope=%s rule=%s acc_val=%.4f acc_test=%.4f (float test %.4f)\n",
           row_scope(&rows[bi]), row_rule(&rows[bi]), rows[bi].acc_val, rows[bi].acc_test,
           rows[0].acc_test);
    fflush(stdout);
}

/* Stage the report files in outs (study.csv, sweep_<scope>.csv, study.md, best.txt, the plots). */
static int study_write(const report *r, q2_outs *outs)
{
    const q2_study_opts *o = r->o;
    const q2_study_row *rows = r->rows;
    char path[4200];
    int rc, bi = q2_study_best(rows, r->n_rows);
    snprintf(path, sizeof path, "%s/study.csv", o->out_dir);
    if ((rc = write_study_csv(outs, path, rows, r->n_rows, r->m->n_layers, &o->q))) return rc;
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        snprintf(path, sizeof path, "%s/sweep_%s.csv", o->out_dir, q2_scope_name((q2_scope)s));
        if ((rc = write_sweep_csv(outs, path, r->sweep[s], o->q.points, r->m->n_layers))) return rc;
    }
    snprintf(path, sizeof path, "%s/study.md", o->out_dir);
    if ((rc = write_md(outs, path, r))) return rc;
    if ((rc = q2_study_write_extras(outs, o->out_dir, r->mrows, r->n_mrows, r->m, &o->labels))) return rc;
    q2_best best = {rows[bi].scope, (q2_rule)rows[bi].rule, o->q.sigma, rows[bi].acc_val,
                    rows[bi].acc_test};
    snprintf(path, sizeof path, "%s/best.txt", o->out_dir);
    if ((rc = q2_best_write(outs, path, &best))) return rc;
    if (!grid_is_default(&o->q) && rows[bi].rule == Q2_RULE_ACC)
        fprintf(stderr, "study: note: best.txt names the acc rule but the sweep grid is not the "
                "default one that q2_quantize_mlp (the packer) uses\n");
    return plot(r, o->out_dir, outs);
}

int q2_study_run(const q2_study_opts *o)
{
    double t0 = q2_now();
    if (!o->model || !o->out_dir || !o->train_images || !o->train_labels || !o->test_images ||
        !o->test_labels || o->n_val < 1 || o->test_limit < 0 || o->q.points < 2 ||
        o->q.points > 1024 || !(o->q.lo > 0) || !(o->q.hi > o->q.lo)) {
        Q2_ERR("study failed: need a model, data files, n_val >= 1, test_limit >= 0, "
               "2..1024 points, 0 < lo < hi");
        return Q2_EARG;
    }
    report r = {.o = o};
    q2_mlp m = {0};
    q2_dataset train = {0}, test = {0}, val, tst;
    q2_study_row rows[1 + Q2_SCOPE_COUNT * Q2_RULE_COUNT];
    q2_outs outs; /* the report files: all appear at the end, or none */
    q2_outs_init(&outs);
    char path[4200];
    snprintf(path, sizeof path, "%s/x", o->out_dir);
    int rc = study_load(o, &m, &train, &test, &val, &tst);
    if (rc || (rc = q2_mkdir_parents(path))) goto out_free;
    r.m = &m;
    r.rows = rows;
    r.n_val = val.n;
    r.n_test = tst.n;
    for (int l = 0; l < m.n_layers; l++)
        layer_stats_compute(&r.ls[l], m.w[l], (size_t)m.dims[l] * (size_t)m.dims[l + 1]);
    if ((rc = study_measure_all(o, &m, &val, &tst, rows, &r))) goto out_free;
    if (o->methods && (rc = study_methods(o, &m, &train, &val, &tst, &r))) goto out_free;
    r.seconds = q2_now() - t0;
    if (q2_study_best(rows, r.n_rows) < 0) {  /* every validation accuracy is NaN: no choice */
        Q2_ERR("study of %s failed: no quantized network has a validation accuracy", o->model);
        rc = Q2_EFORMAT;
        goto out_free;
    }
    study_print(&r);
    if (!(rc = study_write(&r, &outs))) rc = q2_outs_commit(&outs);
    if (!rc && o->progress)
        fprintf(stderr, "study: report in %s (%.0f s)\n", o->out_dir, q2_now() - t0);
out_free:
    q2_outs_free(&outs);
    free(r.mrows);
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) free(r.sweep[s]);
    q2_dataset_free(&train);
    q2_dataset_free(&test);
    q2_mlp_free(&m);
    return rc;
}
