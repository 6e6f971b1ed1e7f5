/* test_study.c — the support-region study (sw/study/study.c): measurements on hand-computable networks,
 * the sweep and its acc pick against q2_quantize_mlp, the best-row choice, and one end-to-end run
 * on tiny synthetic IDX files (report files, CSV shape, best.txt format), and best.txt
 * (sw/study/best.c): writer, reader, rejections. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "study/study.h"
#include "base/util.h"
#include "check.h"

#define DB_TOL   1e-9   /* SQNR computed two ways in double */
#define RATIO_TOL 1e-6  /* x_max/sigma from float deltas */

/* ---- fixtures ---------------------------------------------------------------------------------- */
static int random_mlp(q2_mlp *m, int n_layers, const int *dims, uint64_t seed)
{
    int rc = q2_mlp_init(m, n_layers, dims);
    if (rc) return rc;
    q2_rng rng;
    q2_rng_init(&rng, seed);
    for (int l = 0; l < n_layers; l++) {
        for (int i = 0; i < dims[l] * dims[l + 1]; i++) m->w[l][i] = (float)(0.2 * (l + 1) * q2_rng_laplace(&rng));
        for (int j = 0; j < dims[l + 1]; j++) m->b[l][j] = (float)(0.1 * q2_rng_normal(&rng));
    }
    return 0;
}

/* IDX image and label files of n random 3x3 images, labels 0..2 */
static int write_idx(const char *img, const char *lbl, int n, uint64_t seed)
{
    size_t ni = 16 + (size_t)n * 9, nl = 8 + (size_t)n;
    uint8_t *bi = malloc(ni), *bl = malloc(nl);
    int rc = Q2_ENOMEM;
    if (!bi || !bl) goto out;
    check_wr32be(bi, 0x803); check_wr32be(bi + 4, (uint32_t)n); check_wr32be(bi + 8, 3); check_wr32be(bi + 12, 3);
    check_wr32be(bl, 0x801); check_wr32be(bl + 4, (uint32_t)n);
    q2_rng rng;
    q2_rng_init(&rng, seed);
    for (int i = 0; i < n; i++) {
        int c = (int)q2_rng_below(&rng, 3);
        bl[8 + i] = (uint8_t)c;
        for (int k = 0; k < 9; k++) /* a learnable pattern: class c lights row c */
            bi[16 + i * 9 + k] = (uint8_t)((k / 3 == c ? 160 : 0) + q2_rng_below(&rng, 90));
    }
    rc = q2_write_file_atomic(img, bi, ni);
    if (!rc) rc = q2_write_file_atomic(lbl, bl, nl);
out:
    free(bi);
    free(bl);
    return rc;
}

/* ---- measure ----------------------------------------------------------------------------------- */
static void test_measure(void)
{
    printf("q2_study_measure on hand-computable networks\n");
    /* one 2x2 layer of +-1: rms 1, opt x_max 2.1748, delta 1.0874: 1 -> delta/2 */
    q2_mlp m, q;
    q2_deltas d;
    int dims1[] = {2, 2};
    if (q2_mlp_init(&m, 1, dims1)) return;
    float w[] = {1, -1, 1, -1};
    memcpy(m.w[0], w, sizeof w);
    q2_study_row row;
    int rc = q2_quantize_mlp(&m, Q2_SCOPE_LAYER, Q2_RULE_OPT, NULL, &q, &d);
    rc = rc ? rc : q2_study_measure(&m, &q, &d, Q2_SCOPE_LAYER, NULL, &row);
    double e = 1 - (double)(float)(2.1748 / 2) / 2, want = -20 * log10(e);
    CHECK(rc == 0 && fabs(row.sqnr_exp_db - want) < 1e-6 && fabs(row.l_sqnr_exp[0] - want) < 1e-6,
          "+-1 layer, opt: SQNR_exp %.6f = -20 log10(1 - delta/2) = %.6f dB", row.sqnr_exp_db, want);
    CHECK(rc == 0 && fabs(row.sqnr_th_db - q2_lap_theory(2.1748).sqnr_db) < 1e-5 &&
          fabs(row.xmax_over_sigma - 2.1748) < RATIO_TOL && fabs(row.xmax - 2.1748) < RATIO_TOL,
          "+-1 layer, opt: x_max/sigma %.6f, SQNR_th %.5f dB", row.xmax_over_sigma, row.sqnr_th_db);
    CHECK(isnan(row.acc_val) && isnan(row.acc_test), "accuracies left NaN");
    if (!rc) {
        q2_mlp_free(&q);
        q2_deltas_free(&d);
    }
    q2_mlp_free(&m);

    /* global scope on two layers of different scale: per-layer ratio x_max / sigma_l */
    int dims[] = {8, 6, 3};
    if (random_mlp(&m, 2, dims, 3)) return;
    rc = q2_quantize_mlp(&m, Q2_SCOPE_GLOBAL, Q2_RULE_OPT, NULL, &q, &d);
    rc = rc ? rc : q2_study_measure(&m, &q, &d, Q2_SCOPE_GLOBAL, NULL, &row);
    bool ok = rc == 0;
    double sig = 0, err = 0;
    for (int l = 0; ok && l < 2; l++) {
        q2_wstats st;
        size_t n = (size_t)dims[l] * (size_t)dims[l + 1];
        q2_wstats_compute(&st, m.w[l], n);
        double s2, e2;
        q2_quant_error(m.w[l], n, d.delta[l][0], &s2, &e2);
        sig += s2;
        err += e2;
        ok = fabs(row.l_xos[l] - 2.0 * d.delta[0][0] / st.rms) < RATIO_TOL &&
             fabs(row.l_sqnr_th[l] - q2_lap_theory(row.l_xos[l]).sqnr_db) < 1e-9 &&
             fabs(row.l_sqnr_exp[l] - q2_sqnr_db(s2, e2)) < DB_TOL;
    }
    CHECK(ok && fabs(row.sqnr_exp_db - q2_sqnr_db(sig, err)) < DB_TOL &&
          fabs(row.xmax_over_sigma - Q2_XMAX_OPT) < RATIO_TOL,
          "global opt, 8-6-3: per-layer x_max/sigma_l %.3f %.3f, SQNR_exp overall %.4f dB",
          row.l_xos[0], row.l_xos[1], row.sqnr_exp_db);
    if (!rc) {
        q2_mlp_free(&q);
        q2_deltas_free(&d);
    }
    /* neuron scope with the opt rule: every ratio is Q2_XMAX_OPT, theory = 7.0707 dB */
    rc = q2_quantize_mlp(&m, Q2_SCOPE_NEURON, Q2_RULE_OPT, NULL, &q, &d);
    rc = rc ? rc : q2_study_measure(&m, &q, &d, Q2_SCOPE_NEURON, NULL, &row);
    CHECK(rc == 0 && fabs(row.xmax_over_sigma - Q2_XMAX_OPT) < RATIO_TOL &&
          fabs(row.l_xos[1] - Q2_XMAX_OPT) < RATIO_TOL &&
          fabs(row.sqnr_th_db - q2_lap_theory(Q2_XMAX_OPT).sqnr_db) < 1e-5,
          "neuron opt: mean x_max/sigma %.6f, SQNR_th %.5f dB", row.xmax_over_sigma, row.sqnr_th_db);
    if (!rc) {
        q2_mlp_free(&q);
        q2_deltas_free(&d);
    }
    q2_mlp_free(&m);
}

/* ---- sweep, acc pick, best --------------------------------------------------------------------- */
static void test_sweep(void)
{
    printf("sweep and the acc rule\n");
    int dims[] = {9, 7, 3};
    q2_mlp m;
    if (random_mlp(&m, 2, dims, 11)) return;
    enum { N = 60 };
    uint8_t px[N * 9], lab[N];
    q2_dataset val = check_random_dataset(N, 3, 3, 3, 2, px, lab);
    q2_quant_opts o = q2_quant_opts_default();
    o.points = 9;
    q2_sweep_point pts[9];
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        int rc = q2_study_sweep(&m, (q2_scope)s, &o, &val, NULL, pts, false);
        bool ok = rc == 0;
        double acc[9];
        for (int i = 0; ok && i < 9; i++) {
            acc[i] = pts[i].acc_val;
            ok = fabs(pts[i].ratio - q2_sweep_ratio(&o, i)) < 1e-12 &&
                 pts[i].sqnr_th_db == q2_lap_theory(pts[i].ratio).sqnr_db &&
                 pts[i].acc_val >= 0 && pts[i].acc_val <= 1 && isnan(pts[i].acc_test);
        }
        CHECK(ok, "%s sweep: 9 grid points, SQNR_th = theory(ratio), accuracies in [0,1]",
              q2_scope_name((q2_scope)s));
        q2_mlp q;
        q2_deltas d;
        q2_quant_info info;
        int k = q2_acc_pick(acc, 9);
        rc = q2_quantize_mlp_ex(&m, (q2_scope)s, Q2_RULE_ACC, &o, &val, &q, &d, &info);
        CHECK(rc == 0 && k >= 0 && info.acc_ratio == pts[k].ratio && info.acc_val == pts[k].acc_val,
              "%s: the sweep's pick (%.3f) is q2_quantize_mlp's acc rule (%.3f)",
              q2_scope_name((q2_scope)s), k >= 0 ? pts[k].ratio : -1.0, info.acc_ratio);
        if (!rc) {
            q2_mlp_free(&q);
            q2_deltas_free(&d);
        }
    }
    q2_mlp_free(&m);

    q2_study_row rows[4] = {{.rule = Q2_STUDY_RULE_FLOAT, .acc_val = 0.99},
                            {.scope = Q2_SCOPE_GLOBAL, .rule = Q2_RULE_OPT, .acc_val = 0.90},
                            {.scope = Q2_SCOPE_LAYER, .rule = Q2_RULE_MSE, .acc_val = 0.95},
                            {.scope = Q2_SCOPE_NEURON, .rule = Q2_RULE_MSE, .acc_val = 0.95}};
    CHECK(q2_study_best(rows, 4) == 2, "best: float row ignored, first of equal rows");
    CHECK(q2_study_best(rows, 1) == -1, "best: none without quantized rows");
}

/* ---- end to end -------------------------------------------------------------------------------- */
static int count_lines(const char *path, char *first, size_t first_len)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[8192];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (n == 0 && first) snprintf(first, first_len, "%s", line);
        n++;
    }
    fclose(f);
    return n;
}

static bool file_has(const char *path, const char *needle)
{
    uint8_t *buf;
    size_t len;
    if (q2_read_file(path, &buf, &len, 0)) return false;
    char *s = realloc(buf, len + 1);
    if (!s) {
        free(buf);
        return false;
    }
    s[len] = 0;
    bool ok = strstr(s, needle) != NULL;
    free(s);
    return ok;
}

static void test_end_to_end(void)
{
    printf("q2_study_run on synthetic 3x3 images, 9-8-3 network\n");
    char dir[1024], p[6][1200];
    snprintf(dir, sizeof dir, "%s/tmp/test_study", check_env("BUILD", "build"));
    const char *names[6] = {"tr-img", "tr-lbl", "te-img", "te-lbl", "model.mlp", "report"};
    for (int k = 0; k < 6; k++) snprintf(p[k], sizeof p[k], "%s/%s", dir, names[k]);
    int dims[] = {9, 8, 3};
    q2_mlp m;
    int rc = random_mlp(&m, 2, dims, 5);
    rc = rc ? rc : q2_mkdir_parents(p[4]);
    rc = rc ? rc : write_idx(p[0], p[1], 300, 1);
    rc = rc ? rc : write_idx(p[2], p[3], 100, 2);
    rc = rc ? rc : q2_mlp_save(&m, p[4]);
    if (!rc) q2_mlp_free(&m);
    CHECK(rc == 0, "fixtures written under %s", dir);
    if (rc) return;

    q2_study_opts o;
    q2_study_opts_default(&o);
    o.model = p[4];
    o.out_dir = p[5];
    o.train_images = p[0];
    o.train_labels = p[1];
    o.test_images = p[2];
    o.test_labels = p[3];
    o.n_val = 50;
    o.q.points = 6;
    o.progress = false;
    bool have_gnuplot = system("command -v gnuplot >/dev/null 2>&1") == 0;
    o.gnuplot = have_gnuplot ? "gnuplot" : "";
    rc = q2_study_run(&o);
    CHECK(rc == 0, "study ran (gnuplot %s)", have_gnuplot ? "present" : "absent: plots skipped");

    char f[1300], first[8192];
    snprintf(f, sizeof f, "%s/study.csv", p[5]);
    int n = count_lines(f, first, sizeof first);
    CHECK(n == 2 + Q2_SCOPE_COUNT * Q2_RULE_COUNT, "study.csv: header + float + %d rows (%d lines)",
          Q2_SCOPE_COUNT * Q2_RULE_COUNT, n);
    const char *contract = "scope,rule,xmax_over_sigma,sqnr_th_db,sqnr_exp_db,acc_val,acc_test,";
    CHECK(!strncmp(first, contract, strlen(contract)),
          "study.csv header starts with the contract columns");
    CHECK(file_has(f, "\nfloat,none,") && file_has(f, "\nneuron,acc,"), "study.csv has the float baseline and neuron/acc rows");
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        snprintf(f, sizeof f, "%s/sweep_%s.csv", p[5], q2_scope_name((q2_scope)s));
        n = count_lines(f, first, sizeof first);
        const char *sw = "xmax_over_sigma,sqnr_th_db,sqnr_exp_db,acc_val,acc_test,";
        CHECK(n == 7 && !strncmp(first, sw, strlen(sw)),
              "sweep_%s.csv: header + 6 points", q2_scope_name((q2_scope)s));
        if (have_gnuplot) {
            snprintf(f, sizeof f, "%s/sweep_%s.svg", p[5], q2_scope_name((q2_scope)s));
            CHECK(file_has(f, "<svg"), "sweep_%s.svg written by gnuplot", q2_scope_name((q2_scope)s));
        }
    }
    snprintf(f, sizeof f, "%s/study.md", p[5]);
    CHECK(file_has(f, "## Conclusions") && file_has(f, "| float |"), "study.md has tables and conclusions");
    snprintf(f, sizeof f, "%s/best.txt", p[5]);
    n = count_lines(f, first, sizeof first);
    char sc[32], ru[32];
    double av, at;
    int got = sscanf(first, "scope=%31s rule=%31s acc_val=%lf acc_test=%lf", sc, ru, &av, &at);
    CHECK(n == 1 && got == 4 && q2_scope_parse(sc) >= 0 && q2_rule_parse(ru) >= 0 && av >= 0 &&
          av <= 1 && at >= 0 && at <= 1, "best.txt: one line '%.*s'", (int)strcspn(first, "\n"), first);

    o.model = "/nonexistent/model.mlp";
    CHECK(q2_study_run(&o) == Q2_EIO, "missing model -> Q2_EIO");
}

/* ---- best.txt (best.c) ------------------------------------------------------------------------- */
static void write_text(const char *path, const char *text) { check_write(path, text, strlen(text)); }

static void test_best(void)
{
    char path[] = "/tmp/q2_test_best_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) exit(2);
    close(fd);
    write_text(path, "# study\nbest on validation:\nscope=neuron rule=mse sigma=std val_acc=97.1 test_acc=96.9\n");
    q2_best b;
    int rc = q2_best_read(path, &b);
    CHECK(!rc && b.scope == Q2_SCOPE_NEURON && b.rule == Q2_RULE_MSE && b.sigma == Q2_SIGMA_STD,
          "best.txt 'scope=neuron rule=mse sigma=std ...' -> neuron, mse, std");
    write_text(path, "scope=layer rule=opt acc_val=0.9800\n");
    rc = q2_best_read(path, &b);
    CHECK(!rc && b.scope == Q2_SCOPE_LAYER && b.rule == Q2_RULE_OPT && b.sigma == -1,
          "best.txt without sigma= -> sigma not given (-1)");
    write_text(path, "nothing here\n");
    rc = q2_best_read(path, &b);
    CHECK(rc == Q2_EFORMAT, "best.txt without a scope=/rule= line is rejected");
    write_text(path, "scope=wide rule=opt\n");
    rc = q2_best_read(path, &b);
    CHECK(rc == Q2_EFORMAT, "best.txt with an unknown scope is rejected");
    /* the writer's line reads back; rms is not written */
    char line[256];
    q2_best w = {Q2_SCOPE_GLOBAL, Q2_RULE_ACIQ, Q2_SIGMA_RMS, 0.9712, 0.965};
    int n = q2_best_format(&w, line, sizeof line);
    CHECK(n > 0 && !strcmp(line, "scope=global rule=aciq acc_val=0.9712 acc_test=0.9650\n"),
          "q2_best_format: '%.*s'", (int)strcspn(line, "\n"), line);
    w.sigma = Q2_SIGMA_STD;
    n = q2_best_format(&w, line, sizeof line);
    write_text(path, line);
    rc = q2_best_read(path, &b);
    CHECK(n > 0 && strstr(line, " sigma=std\n") && !rc && b.scope == w.scope && b.rule == w.rule &&
              b.sigma == Q2_SIGMA_STD, "q2_best_format with sigma=std reads back");
    CHECK(q2_best_format(&w, line, 20) == Q2_EARG, "q2_best_format refuses a short buffer");
    unlink(path);
}

int main(void)
{
    test_measure();
    test_sweep();
    test_end_to_end();
    test_best();
    return check_summary();
}
