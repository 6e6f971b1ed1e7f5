/* summary.c — the multi-seed study (`q2mlp study-summary`, `make study-full`): reads the run
 * directories that `q2mlp study --methods` wrote (study.csv, methods.csv, shape.csv, run.txt,
 * sweep_<scope>.csv), and writes <name>.csv (one row per run x scope x rule x method),
 * <name>-summary.csv (mean and 95 % CI over seeds), <name>.md (headline, paired differences,
 * the paper's two questions answered with their CIs, weight shapes, standardisation), and the
 * bands band_<topology>_<scope>.{csv,svg} (mean and CI over seeds vs x_max/sigma). */
#include "study/study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define SUM_MAX_RUNS 256
#define SUM_MAX_SEEDS 64
#define SUM_NF 5 /* the numbers of an observation */
static const char *const fields[SUM_NF] = {"xmax_over_sigma", "sqnr_th_db", "sqnr_exp_db", "acc_val", "acc_test"};
enum { F_XOS, F_STH, F_SEXP, F_VAL, F_TEST };

/* ---- a small CSV reader (our own files: no quotes, no embedded commas) ------------------------------ */
typedef struct {
    uint8_t *buf;
    int n_rows, n_cols; /* data rows (row 0 is the header) */
    char **cell;        /* ((n_rows + 1) * n_cols) */
} csv_t;

static void csv_free(csv_t *t)
{
    free(t->buf);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

static int csv_load(const char *path, csv_t *t, bool optional)
{
    memset(t, 0, sizeof *t);
    size_t len;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (optional) return Q2_OK;
        Q2_ERR("read %s failed: missing (is it a `q2mlp study` directory?)", path);
        return Q2_EIO;
    }
    fclose(f);
    int rc = q2_read_file(path, &t->buf, &len, (size_t)64 << 20);
    if (rc) return rc;
    char *p = (char *)t->buf;
    if (!len || p[len - 1] != '\n') goto bad;
    p[len - 1] = 0;
    int lines = 1, commas = 0;
    for (size_t i = 0; i + 1 < len; i++) lines += p[i] == '\n';
    for (char *q = p; *q && *q != '\n'; q++) commas += *q == ',';
    t->n_cols = commas + 1;
    t->n_rows = lines - 1;
    if (!(t->cell = malloc((size_t)lines * (size_t)t->n_cols * sizeof *t->cell))) {
        csv_free(t);
        return Q2_ENOMEM;
    }
    for (int r = 0; r < lines; r++) {
        for (int c = 0; c < t->n_cols; c++) {
            t->cell[(size_t)r * t->n_cols + c] = p;
            while (*p && *p != ',' && *p != '\n') p++;
            if ((c + 1 < t->n_cols) != (*p == ',')) goto bad;
            if (*p) *p++ = 0;
        }
    }
    return Q2_OK;
bad:
    Q2_ERR("read %s failed: not a CSV file with the same number of fields on every line", path);
    csv_free(t);
    return Q2_EFORMAT;
}

static int csv_col(const csv_t *t, const char *name)
{
    for (int c = 0; c < t->n_cols; c++)
        if (!strcmp(t->cell[c], name)) return c;
    return -1;
}

static const char *csv_str(const csv_t *t, int r, int c) { return c < 0 ? "" : t->cell[(size_t)(r + 1) * t->n_cols + c]; }

static double csv_num(const csv_t *t, int r, int c)
{
    const char *s = csv_str(t, r, c);
    char *end;
    double v = strtod(s, &end);
    return *s && !*end ? v : NAN;
}

/* ---- the runs and their observations ---------------------------------------------------------------- */
typedef struct {
    char topo[64], variant[64], seed[64], arch[64];
    csv_t shape, sweep[Q2_SCOPE_COUNT];
} run_t;

typedef struct {
    int run;
    char scope[16], rule[16], method[16], engine[16];
    double v[SUM_NF];
} obs_t;

typedef struct {
    run_t *runs;
    int n_runs;
    obs_t *obs;
    int n_obs, cap_obs;
} data_t;

static int label(const char *txt, const char *key, char *out, size_t n)
{
    const char *p = strstr(txt, key);
    if (!p) return Q2_EFORMAT;
    p += strlen(key);
    size_t k = strcspn(p, " \n");
    if (k >= n) k = n - 1;
    memcpy(out, p, k);
    out[k] = 0;
    return Q2_OK;
}

static int add_obs(data_t *d, const obs_t *o)
{
    if (d->n_obs == d->cap_obs) {
        int cap = d->cap_obs ? 2 * d->cap_obs : 1024;
        obs_t *p = realloc(d->obs, (size_t)cap * sizeof *p);
        if (!p) return Q2_ENOMEM;
        d->obs = p;
        d->cap_obs = cap;
    }
    d->obs[d->n_obs++] = *o;
    return Q2_OK;
}

/* The rows of one study.csv (engine float-act) or methods.csv (bit-exact) as observations. */
static int add_table(data_t *d, int run, const csv_t *t, bool bitexact)
{
    int cs = csv_col(t, "scope"), cr = csv_col(t, "rule"), cm = csv_col(t, "method"), cf[SUM_NF];
    for (int k = 0; k < SUM_NF; k++) cf[k] = csv_col(t, fields[k]);
    for (int r = 0; r < t->n_rows; r++) {
        obs_t o = {.run = run};
        snprintf(o.scope, sizeof o.scope, "%s", csv_str(t, r, cs));
        snprintf(o.rule, sizeof o.rule, "%s", csv_str(t, r, cr));
        bool fl = !strcmp(o.scope, "float");
        snprintf(o.method, sizeof o.method, "%s", cm >= 0 ? csv_str(t, r, cm) : fl ? "none" : "plain");
        snprintf(o.engine, sizeof o.engine, "%s", bitexact ? "bit-exact" : fl ? "float" : "float-act");
        for (int k = 0; k < SUM_NF; k++) o.v[k] = csv_num(t, r, cf[k]);
        int rc = add_obs(d, &o);
        if (rc) return rc;
    }
    return Q2_OK;
}

static int load_run(data_t *d, const char *dir)
{
    char path[4200];
    run_t *r = &d->runs[d->n_runs];
    memset(r, 0, sizeof *r);
    uint8_t *txt;
    size_t len;
    snprintf(path, sizeof path, "%s/run.txt", dir);
    int rc = q2_read_file(path, &txt, &len, 4096);
    if (rc) return rc;
    char *s = realloc(txt, len + 1);
    if (!s) {
        free(txt);
        return Q2_ENOMEM;
    }
    s[len] = 0;
    rc = label(s, "topology=", r->topo, sizeof r->topo) || label(s, "variant=", r->variant, sizeof r->variant) ||
         label(s, "seed=", r->seed, sizeof r->seed) || label(s, "arch=", r->arch, sizeof r->arch);
    free(s);
    if (rc) {
        Q2_ERR("read %s failed: need topology=, variant=, seed=, arch=", path);
        return Q2_EFORMAT;
    }
    csv_t st, me;
    snprintf(path, sizeof path, "%s/study.csv", dir);
    if ((rc = csv_load(path, &st, false))) return rc;
    rc = add_table(d, d->n_runs, &st, false);
    csv_free(&st);
    snprintf(path, sizeof path, "%s/methods.csv", dir);
    if (!rc && !(rc = csv_load(path, &me, true))) {
        rc = me.buf ? add_table(d, d->n_runs, &me, true) : Q2_OK;
        csv_free(&me);
    }
    snprintf(path, sizeof path, "%s/shape.csv", dir);
    if (!rc) rc = csv_load(path, &r->shape, false);
    for (int k = 0; k < Q2_SCOPE_COUNT && !rc; k++) {
        snprintf(path, sizeof path, "%s/sweep_%s.csv", dir, q2_scope_name((q2_scope)k));
        rc = csv_load(path, &r->sweep[k], false);
    }
    d->n_runs++; /* counted even on failure: its tables are freed with the rest */
    return rc;
}

static void data_free(data_t *d)
{
    for (int i = 0; i < d->n_runs; i++) {
        csv_free(&d->runs[i].shape);
        for (int k = 0; k < Q2_SCOPE_COUNT; k++) csv_free(&d->runs[i].sweep[k]);
    }
    free(d->runs);
    free(d->obs);
}

/* ---- groups: the runs of one topology x variant --------------------------------------------------- */
typedef struct { char topo[64], variant[64], arch[64]; int runs[SUM_MAX_SEEDS], n; } group_t;

static int make_groups(const data_t *d, group_t *g, int max)
{
    int n = 0;
    for (int i = 0; i < d->n_runs; i++) {
        const run_t *r = &d->runs[i];
        int k = 0;
        while (k < n && (strcmp(g[k].topo, r->topo) || strcmp(g[k].variant, r->variant))) k++;
        if (k == n) {
            if (n == max) return Q2_EARG;
            memset(&g[n], 0, sizeof g[n]);
            snprintf(g[n].topo, sizeof g[n].topo, "%s", r->topo);
            snprintf(g[n].variant, sizeof g[n].variant, "%s", r->variant);
            snprintf(g[n].arch, sizeof g[n].arch, "%s", r->arch);
            n++;
        }
        if (g[k].n == SUM_MAX_SEEDS) return Q2_EARG;
        g[k].runs[g[k].n++] = i;
    }
    return n;
}

/* The value of field f of run's observation (scope, rule, method, engine); NaN if absent. */
static double value(const data_t *d, int run, const char *scope, const char *rule, const char *method,
                    const char *engine, int f)
{
    for (int i = 0; i < d->n_obs; i++) {
        const obs_t *o = &d->obs[i];
        if (o->run == run && !strcmp(o->scope, scope) && !strcmp(o->rule, rule) && !strcmp(o->method, method) &&
            !strcmp(o->engine, engine))
            return o->v[f];
    }
    return NAN;
}

static q2_ci group_ci(const data_t *d, const group_t *g, const obs_t *key, int f)
{
    double x[SUM_MAX_SEEDS];
    for (int i = 0; i < g->n; i++) x[i] = value(d, g->runs[i], key->scope, key->rule, key->method, key->engine, f);
    return q2_ci_of(x, g->n);
}

/* "98.23 ± 0.05" of c scaled (accuracies: 100); "—" without a value; "98.23" with one seed. */
static const char *ci_str(char *buf, size_t n, q2_ci c, double scale, int prec)
{
    if (isnan(c.mean)) snprintf(buf, n, "—");
    else if (isnan(c.half)) snprintf(buf, n, "%.*f", prec, scale * c.mean);
    else snprintf(buf, n, "%.*f ± %.*f", prec, scale * c.mean, prec, scale * c.half);
    return buf;
}

/* ---- the CSV files --------------------------------------------------------------------------------- */
static void write_long(FILE *f, const data_t *d)
{
    fprintf(f, "topology,variant,seed,scope,rule,method,engine");
    for (int k = 0; k < SUM_NF; k++) fprintf(f, ",%s", fields[k]);
    fprintf(f, "\n");
    for (int i = 0; i < d->n_obs; i++) {
        const obs_t *o = &d->obs[i];
        const run_t *r = &d->runs[o->run];
        fprintf(f, "%s,%s,%s,%s,%s,%s,%s", r->topo, r->variant, r->seed, o->scope, o->rule, o->method, o->engine);
        for (int k = 0; k < SUM_NF; k++) {
            if (isnan(o->v[k])) fprintf(f, ",");
            else fprintf(f, ",%.5f", o->v[k]);
        }
        fprintf(f, "\n");
    }
}

static void write_summary(FILE *f, const data_t *d, const group_t *g, int n_g)
{
    fprintf(f, "topology,variant,arch,scope,rule,method,engine,n");
    for (int k = 0; k < SUM_NF; k++) fprintf(f, ",%s_mean,%s_ci95", fields[k], fields[k]);
    fprintf(f, "\n");
    for (int gi = 0; gi < n_g; gi++)
        for (int i = 0; i < d->n_obs; i++) {
            const obs_t *o = &d->obs[i];
            if (o->run != g[gi].runs[0]) continue;
            fprintf(f, "%s,%s,%s,%s,%s,%s,%s", g[gi].topo, g[gi].variant, g[gi].arch, o->scope, o->rule, o->method,
                    o->engine);
            fprintf(f, ",%d", group_ci(d, &g[gi], o, F_TEST).n);
            for (int k = 0; k < SUM_NF; k++) {
                q2_ci c = group_ci(d, &g[gi], o, k);
                if (isnan(c.mean)) fprintf(f, ",,");
                else if (isnan(c.half)) fprintf(f, ",%.5f,", c.mean);
                else fprintf(f, ",%.5f,%.5f", c.mean, c.half);
            }
            fprintf(f, "\n");
        }
}

/* ---- the sweeps ------------------------------------------------------------------------------------ */
/* Run r's sweep of scope s: test (and validation) accuracy at the SQNR peak minus at the
 * validation-accuracy peak; NaN if the sweep has no rows. */
static void peak_gap(const run_t *r, int s, double *d_val, double *d_test)
{
    const csv_t *t = &r->sweep[s];
    int cs = csv_col(t, "sqnr_exp_db"), cv = csv_col(t, "acc_val"), ct = csv_col(t, "acc_test"), is = -1, ia = -1;
    for (int i = 0; i < t->n_rows; i++) {
        if (is < 0 || csv_num(t, i, cs) > csv_num(t, is, cs)) is = i;
        if (ia < 0 || csv_num(t, i, cv) > csv_num(t, ia, cv)) ia = i;
    }
    *d_val = *d_test = NAN;
    if (is < 0 || ia < 0) return;
    *d_val = csv_num(t, is, cv) - csv_num(t, ia, cv);
    *d_test = csv_num(t, is, ct) - csv_num(t, ia, ct);
}

/* The band of group g in scope s: per grid point, the theory and mean/CI of the measured SQNR and
 * the accuracies (%); false if the runs' grids differ. */
static bool write_band(FILE *f, const data_t *d, const group_t *g, int s)
{
    const csv_t *t0 = &d->runs[g->runs[0]].sweep[s];
    static const char *const cols[3] = {"sqnr_exp_db", "acc_val", "acc_test"};
    fprintf(f, "xmax_over_sigma,sqnr_th_db,sqnr_exp_mean,sqnr_exp_lo,sqnr_exp_hi,acc_val_mean,acc_val_lo,"
            "acc_val_hi,acc_test_mean,acc_test_lo,acc_test_hi\n");
    for (int i = 0; i < t0->n_rows; i++) {
        double ratio = csv_num(t0, i, csv_col(t0, "xmax_over_sigma"));
        fprintf(f, "%.4f,%.4f", ratio, csv_num(t0, i, csv_col(t0, "sqnr_th_db")));
        for (int c = 0; c < 3; c++) {
            double x[SUM_MAX_SEEDS], sc = c ? 100 : 1;
            for (int k = 0; k < g->n; k++) {
                const csv_t *t = &d->runs[g->runs[k]].sweep[s];
                if (t->n_rows != t0->n_rows || fabs(csv_num(t, i, csv_col(t, "xmax_over_sigma")) - ratio) > 1e-9)
                    return false;
                x[k] = csv_num(t, i, csv_col(t, cols[c]));
            }
            q2_ci ci = q2_ci_of(x, g->n);
            double h = isnan(ci.half) ? 0 : ci.half;
            fprintf(f, ",%.4f,%.4f,%.4f", sc * ci.mean, sc * (ci.mean - h), sc * (ci.mean + h));
        }
        fprintf(f, "\n");
    }
    return true;
}

static void band_name(char *buf, size_t n, const group_t *g, int s, const char *ext)
{
    if (!strcmp(g->variant, "base"))
        snprintf(buf, n, "band_%s_%s.%s", g->topo, q2_scope_name((q2_scope)s), ext);
    else
        snprintf(buf, n, "band_%s-%s_%s.%s", g->topo, g->variant, q2_scope_name((q2_scope)s), ext);
}

/* The gnuplot script of every band: dir/<band>.csv -> dir/<band>.svg.tmp (renamed by the caller). */
static void gp_bands(FILE *f, const char *dir, const data_t *d, const group_t *g, int n_g)
{
    fprintf(f, "set terminal svg size 900,520 dynamic font 'sans,13' background rgb 'white'\n"
            "set encoding utf8\nset datafile separator ','\nset grid\nset xlabel 'x_{max} / σ'\n"
            "set ylabel 'SQNR (dB)'\nset y2label 'accuracy (%%)'\nset ytics nomirror\nset y2tics\n"
            "set key outside below center horizontal maxrows 2\nset style fill transparent solid 0.25 noborder\n");
    for (int gi = 0; gi < n_g; gi++)
        for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
            char csv[256], svg[256];
            band_name(csv, sizeof csv, &g[gi], s, "csv");
            band_name(svg, sizeof svg, &g[gi], s, "svg");
            obs_t fl = {.scope = "float", .rule = "none", .method = "none", .engine = "float"};
            double ft = 100 * group_ci(d, &g[gi], &fl, F_TEST).mean;
            fprintf(f, "\nset output '%s/%s.tmp'\nset title '%s (%s), %s scope, %d seeds: mean and 95 %% CI'\n",
                    dir, svg, g[gi].arch, g[gi].variant, q2_scope_name((q2_scope)s), g[gi].n);
            fprintf(f, "set y2range [*:100]\nset arrow 1 from graph 0, second %.3f to graph 1, second %.3f nohead "
                    "dt 4 lc rgb 'dark-green'\n", ft, ft);
            fprintf(f, "plot '%s/%s' every ::1 using 1:4:5 with filledcurves lc rgb 'blue' notitle, \\\n"
                    "  '' every ::1 using 1:3 with lines lw 2 lc rgb 'blue' title 'SQNR measured', \\\n"
                    "  '' every ::1 using 1:2 with lines lw 2 dt 2 lc rgb 'gray40' title 'SQNR theory (Laplacian)', \\\n"
                    "  '' every ::1 using 1:7:8 axes x1y2 with filledcurves lc rgb 'red' notitle, \\\n"
                    "  '' every ::1 using 1:6 axes x1y2 with lines lw 2 lc rgb 'red' title 'validation accuracy', \\\n"
                    "  '' every ::1 using 1:10:11 axes x1y2 with filledcurves lc rgb 'orange' notitle, \\\n"
                    "  '' every ::1 using 1:9 axes x1y2 with lines lw 2 dt 3 lc rgb 'orange' title 'test accuracy', \\\n"
                    "  1/0 with lines dt 4 lc rgb 'dark-green' title 'float test accuracy (mean)'\n",
                    dir, csv);
        }
}

/* ---- the Markdown report ---------------------------------------------------------------------------- */
/* The key (of g's first run) with the highest mean validation accuracy among engine (and method,
 * if not NULL); false if none. */
static bool best_key(const data_t *d, const group_t *g, const char *engine, const char *method, obs_t *out)
{
    double best = -1;
    for (int i = 0; i < d->n_obs; i++) {
        const obs_t *o = &d->obs[i];
        if (o->run != g->runs[0] || strcmp(o->engine, engine) || (method && strcmp(o->method, method))) continue;
        q2_ci c = group_ci(d, g, o, F_VAL);
        if (c.mean > best) {
            best = c.mean;
            *out = *o;
        }
    }
    return best >= 0;
}

static obs_t key(const char *scope, const char *rule, const char *method, const char *engine)
{
    obs_t o = {0};
    snprintf(o.scope, sizeof o.scope, "%s", scope);
    snprintf(o.rule, sizeof o.rule, "%s", rule);
    snprintf(o.method, sizeof o.method, "%s", method);
    snprintf(o.engine, sizeof o.engine, "%s", engine);
    return o;
}

static void md_headline(FILE *f, const data_t *d, const group_t *g, int n_g)
{
    fprintf(f, "| topology | variant | seeds | float test | best support-region rule (float act.) | its test "
            "| best method (bit-exact) | its test | gap rule | gap method | gap ratio |\n"
            "|---|---|---:|---:|---|---:|---|---:|---:|---:|---:|\n");
    for (int gi = 0; gi < n_g; gi++) {
        obs_t fl = key("float", "none", "none", "float"), br, bm;
        char a[64], b[64], c[64];
        q2_ci cf = group_ci(d, &g[gi], &fl, F_TEST);
        if (!best_key(d, &g[gi], "float-act", NULL, &br)) continue;
        bool has_m = best_key(d, &g[gi], "bit-exact", NULL, &bm);
        q2_ci cr = group_ci(d, &g[gi], &br, F_TEST), cm = has_m ? group_ci(d, &g[gi], &bm, F_TEST) : (q2_ci){0, NAN, NAN};
        double gr = cf.mean - cr.mean, gm = cf.mean - cm.mean;
        fprintf(f, "| %s (%s) | %s | %d | %s | %s/%s | %s | %s %s/%s | %s | %.2f | %.2f | %.2f |\n", g[gi].topo,
                g[gi].arch, g[gi].variant, g[gi].n, ci_str(a, sizeof a, cf, 100, 2), br.scope, br.rule,
                ci_str(b, sizeof b, cr, 100, 2), has_m ? bm.method : "—", bm.scope, bm.rule,
                ci_str(c, sizeof c, cm, 100, 2), 100 * gr, 100 * gm, gr > 0 ? gm / gr : NAN);
    }
    fprintf(f, "\nTest accuracy (%%), mean ± 95 %% CI (Student t over seeds). Each choice is made on the mean "
            "validation accuracy over seeds, never on the test set. Gap ratio = gap method / gap rule "
            "(goal ≤ 0.5 on the narrow topologies).\n\n");
}

static void md_methods(FILE *f, const data_t *d, const group_t *g)
{
    fprintf(f, "| scope/rule |");
    for (int m = 0; m < Q2_METHOD_COUNT; m++) fprintf(f, " %s |", q2_method_name((q2_method)m));
    fprintf(f, "\n|---|");
    for (int m = 0; m < Q2_METHOD_COUNT; m++) fprintf(f, "---:|");
    fprintf(f, "\n");
    for (int p = 0; p < Q2_STUDY_N_PAIRS; p++) {
        const char *sn = q2_scope_name(q2_study_pairs[p].scope), *rn = q2_rule_name(q2_study_pairs[p].rule);
        fprintf(f, "| %s/%s |", sn, rn);
        for (int m = 0; m < Q2_METHOD_COUNT; m++) {
            char a[64], b[64];
            obs_t k = key(sn, rn, q2_method_name((q2_method)m), "bit-exact");
            fprintf(f, " %s (val %s) |", ci_str(a, sizeof a, group_ci(d, g, &k, F_TEST), 100, 2),
                    ci_str(b, sizeof b, group_ci(d, g, &k, F_VAL), 100, 2));
        }
        fprintf(f, "\n");
    }
    fprintf(f, "\nBit-exact integer model (.q2), test accuracy %% (validation in brackets), mean ± 95 %% CI.\n\n");
}

/* Paired difference a - b of field f over g's runs (same seed, same weights). */
static q2_ci paired(const data_t *d, const group_t *g, const obs_t *a, const obs_t *b, int f)
{
    double x[SUM_MAX_SEEDS];
    for (int i = 0; i < g->n; i++) {
        int r = g->runs[i];
        x[i] = value(d, r, a->scope, a->rule, a->method, a->engine, f) - value(d, r, b->scope, b->rule, b->method, b->engine, f);
    }
    return q2_ci_of(x, g->n);
}

static q2_ci peak_ci(const data_t *d, const group_t *g, int s, bool test)
{
    double x[SUM_MAX_SEEDS], dv, dt;
    for (int i = 0; i < g->n; i++) {
        peak_gap(&d->runs[g->runs[i]], s, &dv, &dt);
        x[i] = test ? dt : dv;
    }
    return q2_ci_of(x, g->n);
}

static const char *verdict(q2_ci c)
{
    if (isnan(c.half)) return "one seed: no interval";
    if (c.mean - c.half > 0) return "significantly positive";
    if (c.mean + c.half < 0) return "significantly negative";
    return "not distinguishable from zero";
}

static const struct { const char *label; const char *a[4], *b[4]; } diffs[] = {
    {"layer − global (rule opt)", {"layer", "opt", "plain", "float-act"}, {"global", "opt", "plain", "float-act"}},
    {"layer − global (rule acc)", {"layer", "acc", "plain", "float-act"}, {"global", "acc", "plain", "float-act"}},
    {"neuron − layer (rule opt)", {"neuron", "opt", "plain", "float-act"}, {"layer", "opt", "plain", "float-act"}},
    {"neuron − layer (rule acc)", {"neuron", "acc", "plain", "float-act"}, {"layer", "acc", "plain", "float-act"}},
    {"acc rule − opt rule (global)", {"global", "acc", "plain", "float-act"}, {"global", "opt", "plain", "float-act"}},
    {"acc rule − opt rule (layer)", {"layer", "acc", "plain", "float-act"}, {"layer", "opt", "plain", "float-act"}},
    {"acc rule − opt rule (neuron)", {"neuron", "acc", "plain", "float-act"}, {"neuron", "opt", "plain", "float-act"}},
    {"biascorr − plain (bit-exact, layer/acc)", {"layer", "acc", "biascorr", "bit-exact"}, {"layer", "acc", "plain", "bit-exact"}},
    {"gptq − plain (bit-exact, layer/acc)", {"layer", "acc", "gptq", "bit-exact"}, {"layer", "acc", "plain", "bit-exact"}},
    {"gptq − plain (bit-exact, neuron/acc)", {"neuron", "acc", "gptq", "bit-exact"}, {"neuron", "acc", "plain", "bit-exact"}},
    {"gptq-bc − gptq (bit-exact, neuron/acc)", {"neuron", "acc", "gptq-bc", "bit-exact"}, {"neuron", "acc", "gptq", "bit-exact"}},
    {"refine − gptq-bc (bit-exact, layer/opt)", {"layer", "opt", "refine", "bit-exact"}, {"layer", "opt", "gptq-bc", "bit-exact"}},
    {"refine − plain (bit-exact, layer/opt)", {"layer", "opt", "refine", "bit-exact"}, {"layer", "opt", "plain", "bit-exact"}},
};

static void md_pairs(FILE *f, const data_t *d, const group_t *g)
{
    fprintf(f, "| paired difference (same seed, same weights) | val (points) | test (points) | test verdict |\n"
            "|---|---:|---:|---|\n");
    char a[64], b[64];
    for (size_t i = 0; i < sizeof diffs / sizeof diffs[0]; i++) {
        obs_t ka = key(diffs[i].a[0], diffs[i].a[1], diffs[i].a[2], diffs[i].a[3]);
        obs_t kb = key(diffs[i].b[0], diffs[i].b[1], diffs[i].b[2], diffs[i].b[3]);
        q2_ci cv = paired(d, g, &ka, &kb, F_VAL), ct = paired(d, g, &ka, &kb, F_TEST);
        fprintf(f, "| %s | %s | %s | %s |\n", diffs[i].label, ci_str(a, sizeof a, cv, 100, 2),
                ci_str(b, sizeof b, ct, 100, 2), verdict(ct));
    }
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        q2_ci cv = peak_ci(d, g, s, false), ct = peak_ci(d, g, s, true);
        fprintf(f, "| acc at SQNR peak − best acc (sweep, %s) | %s | %s | %s |\n", q2_scope_name((q2_scope)s),
                ci_str(a, sizeof a, cv, 100, 2), ci_str(b, sizeof b, ct, 100, 2), verdict(ct));
    }
    fprintf(f, "\n");
}

/* The paper's two questions, one sentence each, with the CI. */
static void md_answers(FILE *f, const data_t *d, const group_t *g)
{
    char a[64], b[64];
    q2_ci pk = peak_ci(d, g, Q2_SCOPE_LAYER, true);
    fprintf(f, "* **Does the x_max that maximises SQNR maximise accuracy?** In the layer-wise sweep, the test "
            "accuracy at the SQNR peak minus that at the validation-accuracy peak is %s points (95 %% CI, %d "
            "seed%s): %s%s.\n", ci_str(a, sizeof a, pk, 100, 2), g->n, g->n == 1 ? "" : "s", verdict(pk),
            pk.mean + pk.half < 0 ? ", so no: maximal SQNR costs accuracy" : "");
    obs_t lo = key("layer", "opt", "plain", "float-act"), go = key("global", "opt", "plain", "float-act");
    obs_t la = key("layer", "acc", "plain", "float-act"), ga = key("global", "acc", "plain", "float-act");
    q2_ci co = paired(d, g, &lo, &go, F_TEST), ca = paired(d, g, &la, &ga, F_TEST);
    fprintf(f, "* **Does layer-wise quantization beat a global quantizer?** Layer − global test accuracy is %s "
            "points with x_max = 2.1748 σ (rule opt; %s) and %s points with the validation-chosen x_max "
            "(rule acc; %s).\n\n", ci_str(a, sizeof a, co, 100, 2), verdict(co), ci_str(b, sizeof b, ca, 100, 2),
            verdict(ca));
}

static void md_rules(FILE *f, const data_t *d, const group_t *g)
{
    fprintf(f, "| scope | rule | x_max/σ | SQNR theory (dB) | SQNR measured (dB) | val acc (%%) | test acc (%%) |\n"
            "|---|---|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < d->n_obs; i++) {
        const obs_t *o = &d->obs[i];
        if (o->run != g->runs[0] || strcmp(o->engine, "float-act")) continue;
        char c[SUM_NF][64];
        for (int k = 0; k < SUM_NF; k++)
            ci_str(c[k], sizeof c[k], group_ci(d, g, o, k), k >= F_VAL ? 100 : 1, k >= F_VAL ? 2 : k == F_XOS ? 2 : 2);
        fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", o->scope, o->rule, c[0], c[1], c[2], c[3], c[4]);
    }
    fprintf(f, "\n");
}

static void md_shapes(FILE *f, const data_t *d, const group_t *g, int n_g)
{
    fprintf(f, "| topology | variant | layer | kurtosis | KS to Laplace | KS to Gauss | closer to |\n"
            "|---|---|---:|---:|---:|---:|---|\n");
    for (int gi = 0; gi < n_g; gi++) {
        const csv_t *t0 = &d->runs[g[gi].runs[0]].shape;
        for (int l = 0; l < t0->n_rows; l++) {
            q2_ci c[3];
            static const char *const cols[3] = {"kurtosis", "ks_laplace", "ks_gauss"};
            for (int k = 0; k < 3; k++) {
                double x[SUM_MAX_SEEDS];
                for (int i = 0; i < g[gi].n; i++) {
                    const csv_t *t = &d->runs[g[gi].runs[i]].shape;
                    x[i] = l < t->n_rows ? csv_num(t, l, csv_col(t, cols[k])) : NAN;
                }
                c[k] = q2_ci_of(x, g[gi].n);
            }
            char a[64], b[64], e[64];
            fprintf(f, "| %s | %s | %d | %s | %s | %s | %s |\n", g[gi].topo, g[gi].variant, l,
                    ci_str(a, sizeof a, c[0], 1, 2), ci_str(b, sizeof b, c[1], 1, 4), ci_str(e, sizeof e, c[2], 1, 4),
                    c[1].mean < c[2].mean ? "Laplace" : "Gauss");
        }
    }
    fprintf(f, "\nKurtosis E[(w−μ)⁴]/σ⁴: Gauss 3, Laplace 6. KS: sup |F_n − F| to the distribution fitted by "
            "moments (Laplace: scale E|w − μ|).\n\n");
}

static void write_md(FILE *f, const q2_summary_opts *o, const data_t *d, const group_t *g, int n_g)
{
    fprintf(f, "# Multi-seed study: support regions and post-training quantizers\n\n"
            "Generated by `%s` from %d runs — do not edit. Each run is one trained network (`q2mlp train "
            "--seed N`) studied by `q2mlp study --methods`; docs/quantizer.md explains the rules and the "
            "methods. Validation: the last 5,000 training images; test: the 10,000 MNIST test images "
            "(reported only); calibration of the methods: the other training images.\n\n",
            o->command ? o->command : "q2mlp study-summary", d->n_runs);
    fprintf(f, "## Headline\n\n");
    md_headline(f, d, g, n_g);
    fprintf(f, "## The paper's two questions, per topology\n\n");
    for (int gi = 0; gi < n_g; gi++) {
        fprintf(f, "### %s (%s), variant %s, %d seed%s\n\n", g[gi].topo, g[gi].arch, g[gi].variant, g[gi].n,
                g[gi].n == 1 ? "" : "s");
        md_answers(f, d, &g[gi]);
        md_pairs(f, d, &g[gi]);
    }
    fprintf(f, "## Post-training methods (bit-exact), per topology\n\n");
    for (int gi = 0; gi < n_g; gi++) {
        fprintf(f, "### %s (%s), variant %s\n\n", g[gi].topo, g[gi].arch, g[gi].variant);
        md_methods(f, d, &g[gi]);
    }
    fprintf(f, "## Weight statistics\n\n");
    md_shapes(f, d, g, n_g);
    fprintf(f, "## Every scope × rule (quantized weights, float activations), per topology\n\n");
    for (int gi = 0; gi < n_g; gi++) {
        fprintf(f, "### %s (%s), variant %s\n\n", g[gi].topo, g[gi].arch, g[gi].variant);
        md_rules(f, d, &g[gi]);
    }
    fprintf(f, "## Bands\n\n");
    for (int gi = 0; gi < n_g; gi++)
        for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
            char svg[256];
            band_name(svg, sizeof svg, &g[gi], s, "svg");
            fprintf(f, "![%s %s %s](%s)\n", g[gi].topo, g[gi].variant, q2_scope_name((q2_scope)s), svg);
        }
}

/* The part of the report that README.md shows (`make docs`): headline, the answers of the base
 * variant, the band plot, the command. */
static void write_headline(FILE *f, const q2_summary_opts *o, const data_t *d, const group_t *g, int n_g)
{
    fprintf(f, "Made by `%s` (%d networks; mean ± 95 %% CI over seeds; full report: "
            "build/report/%s.md, docs/quantizer.md):\n\n", o->command ? o->command : "q2mlp study-summary",
            d->n_runs, o->name);
    md_headline(f, d, g, n_g);
    for (int gi = 0; gi < n_g; gi++) {
        if (strcmp(g[gi].variant, "base")) continue;
        fprintf(f, "**%s (%s):**\n\n", g[gi].topo, g[gi].arch);
        md_answers(f, d, &g[gi]);
    }
    fprintf(f, "![paper preset, layer scope: SQNR and accuracy bands over seeds](docs/img/band_paper_layer.svg)\n");
}

/* Stage the text of f (an open_memstream of *buf, *len) as dir/name; closes f, frees *buf. */
static int stage(q2_outs *outs, const char *dir, const char *name, FILE *f, char **buf, size_t *len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = fclose(f) ? Q2_ENOMEM : q2_outs_add(outs, path, *buf ? *buf : "", *len);
    free(*buf);
    *buf = NULL;
    return rc;
}

#define STAGE(fname, body)                                                              \
    do {                                                                                \
        if (!(f = open_memstream(&buf, &len))) return Q2_ENOMEM;                        \
        body;                                                                           \
        if ((rc = stage(outs, o->out_dir, fname, f, &buf, &len))) return rc;            \
    } while (0)

/* The bands of group g (one file per scope), staged in outs. */
static int write_group_bands(const q2_summary_opts *o, const data_t *d, const group_t *g, q2_outs *outs)
{
    char *buf = NULL, name[300];
    size_t len = 0;
    FILE *f;
    int rc = Q2_OK;
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        bool ok = true;
        band_name(name, sizeof name, g, s, "csv");
        STAGE(name, ok = write_band(f, d, g, s));
        if (!ok) {
            Q2_ERR("summary failed: the runs of %s/%s have different sweep grids", g->topo, g->variant);
            return Q2_EFORMAT;
        }
    }
    return rc;
}

/* The report files, staged in outs (<= Q2_OUTS_MAX files). */
static int write_main(const q2_summary_opts *o, const data_t *d, const group_t *g, int n_g, q2_outs *outs)
{
    char *buf = NULL, name[300];
    size_t len = 0;
    FILE *f;
    int rc = Q2_OK;
    snprintf(name, sizeof name, "%s.csv", o->name);
    STAGE(name, write_long(f, d));
    snprintf(name, sizeof name, "%s-headline.md", o->name);
    STAGE(name, write_headline(f, o, d, g, n_g));
    snprintf(name, sizeof name, "%s-summary.csv", o->name);
    STAGE(name, write_summary(f, d, g, n_g));
    snprintf(name, sizeof name, "%s.md", o->name);
    STAGE(name, write_md(f, o, d, g, n_g));
    snprintf(name, sizeof name, "%s-bands.gp", o->name);
    STAGE(name, gp_bands(f, o->out_dir, d, g, n_g));
    return rc;
}
#undef STAGE

/* Every file: the bands group by group (each group's files all or none), then the report files
 * (all or none); a failure leaves no partial file. */
static int write_all(const q2_summary_opts *o, const data_t *d, const group_t *g, int n_g)
{
    q2_outs outs;
    int rc = Q2_OK;
    for (int gi = 0; gi <= n_g && !rc; gi++) {
        q2_outs_init(&outs);
        rc = gi < n_g ? write_group_bands(o, d, &g[gi], &outs) : write_main(o, d, g, n_g, &outs);
        if (!rc) rc = q2_outs_commit(&outs);
        q2_outs_free(&outs);
    }
    return rc;
}

/* Run gnuplot on the committed script, then rename each <band>.svg.tmp into place. */
static int plot_bands(const q2_summary_opts *o, const group_t *g, int n_g)
{
    if (!o->gnuplot || !*o->gnuplot) return Q2_OK;
    if (strchr(o->out_dir, '\'') || strchr(o->gnuplot, '\'')) {
        Q2_ERR("plot failed: a quote in %s or %s", o->out_dir, o->gnuplot);
        return Q2_EARG;
    }
    char cmd[9000], a[4400], b[4400];
    snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1 && '%s' '%s/%s-bands.gp'", o->gnuplot, o->gnuplot,
             o->out_dir, o->name);
    int st = system(cmd);
    if (st != 0) {
        fprintf(stderr, "study-summary: gnuplot (%s) failed or is missing: no band SVGs (the CSVs are written; "
                "run `gnuplot %s/%s-bands.gp` later)\n", o->gnuplot, o->out_dir, o->name);
        return Q2_OK;
    }
    for (int gi = 0; gi < n_g; gi++)
        for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
            char svg[256];
            band_name(svg, sizeof svg, &g[gi], s, "svg");
            snprintf(a, sizeof a, "%s/%s.tmp", o->out_dir, svg);
            snprintf(b, sizeof b, "%s/%s", o->out_dir, svg);
            if (rename(a, b)) {
                Q2_ERR("plot failed: rename %s failed", a);
                return Q2_EIO;
            }
        }
    return Q2_OK;
}

int q2_study_summary(const q2_summary_opts *o)
{
    if (o->n_dirs < 1 || o->n_dirs > SUM_MAX_RUNS || !o->out_dir || !o->name) {
        Q2_ERR("summary failed: need 1..%d run directories, an output directory and a name", SUM_MAX_RUNS);
        return Q2_EARG;
    }
    data_t d = {0};
    group_t *g = NULL;
    char path[4200];
    int rc = Q2_ENOMEM, n_g;
    if (!(d.runs = calloc((size_t)o->n_dirs, sizeof *d.runs)) || !(g = calloc(SUM_MAX_RUNS, sizeof *g))) goto out_free;
    for (int i = 0; i < o->n_dirs; i++)
        if ((rc = load_run(&d, o->dirs[i]))) goto out_free;
    if ((n_g = make_groups(&d, g, SUM_MAX_RUNS)) < 0) {
        Q2_ERR("summary failed: more than %d seeds of one topology and variant", SUM_MAX_SEEDS);
        rc = Q2_EARG;
        goto out_free;
    }
    snprintf(path, sizeof path, "%s/x", o->out_dir);
    if ((rc = q2_mkdir_parents(path)) || (rc = write_all(o, &d, g, n_g))) goto out_free;
    rc = plot_bands(o, g, n_g);
out_free:
    if (rc == Q2_ENOMEM) Q2_ERR("summary failed: out of memory");
    free(g);
    data_free(&d);
    return rc;
}
