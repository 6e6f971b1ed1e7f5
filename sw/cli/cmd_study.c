/* cmd_study.c — `q2mlp sqnr` (theory of the 2-bit quantizer for a unit Laplacian: one line) and
 * `q2mlp study` (the support-region study, sw/study/study.c). Errors on stderr; exit codes of util.h:
 * 0 ok, 1 usage or unreadable input, 4 internal. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "quant/quant.h"
#include "study/study.h"
#include "base/util.h"

/* ---- option parsing ---------------------------------------------------------------------------- */


/* ---- sqnr -------------------------------------------------------------------------------------- */
static void sqnr_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp sqnr (--xmax X | --delta D | --optimal)\n"
        "Theoretical distortion and SQNR of the symmetric 2-bit uniform quantizer (x_max = 2 delta)\n"
        "for a zero-mean unit-variance Laplacian source (closed form, docs/quantizer.md).\n\n"
        "  --xmax X     support region threshold x_max (in units of sigma), X > 0\n"
        "  --delta D    step size delta = x_max / 2, D > 0\n"
        "  --optimal    the MSE-optimal x_max (2.17479, 7.0707 dB)\n\n"
        "stdout: one line  xmax=<X> delta=<delta> D=<D> sqnr_db=<SQNR>\n");
}

int cmd_sqnr(int argc, char **argv)
{
    double x = NAN;
    int given = 0, rc = Q2_OK;
    bool optimal = false;
    const char *v;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            sqnr_usage(stdout);
            return Q2_EXIT_OK;
        } else if (!strcmp(a, "--optimal")) {
            optimal = true;
            given++;
        } else if (q2_opt_val(argc, argv, &i, "--xmax", &v)) {
            rc = q2_parse_double(a, v, 1e-12, 1e6, &x);
            given++;
        } else if (q2_opt_val(argc, argv, &i, "--delta", &v)) {
            rc = q2_parse_double(a, v, 1e-12, 1e6, &x);
            x *= 2;
            given++;
        } else {
            rc = Q2_OPT_UNKNOWN(a);
        }
    }
    if (!rc && given != 1) {
        Q2_ERR("parse arguments failed: need exactly one of --xmax, --delta, --optimal");
        rc = Q2_EARG;
    }
    if (rc) {
        sqnr_usage(stderr);
        return q2_exit_code(rc);
    }
    q2_lap_point p = optimal ? q2_lap_optimal() : q2_lap_theory(x);
    printf("xmax=%.6f delta=%.6f D=%.6f sqnr_db=%.4f\n", p.xmax, p.delta, p.d, p.sqnr_db);
    return Q2_EXIT_OK;
}

/* ---- study ------------------------------------------------------------------------------------- */
static void study_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp study --model M.mlp [options]\n"
        "Quantize the weights of M to 2 bits with every scope (global, layer, neuron) and support\n"
        "region rule (opt asym maxabs mse aciq octav acc), sweep x_max/sigma, and write the report:\n"
        "a table on stdout; OUT/study.csv, study.md, sweep_<scope>.csv, sweep.gp + sweep_<scope>.svg\n"
        "(gnuplot), best.txt (the best scope x rule on validation, for `q2mlp pack`).\n"
        "Validation = the last --val training images; the test set is reported only.\n\n"
        "  --model F          the float model (required)\n"
        "  --out DIR          report directory (default build/report)\n"
        "  --points N         sweep points in [--lo, --hi] (default %d; >= 2)\n"
        "  --lo X, --hi X     sweep range of x_max/sigma (default %.1f, %.1f)\n"
        "  --sigma rms|std    scale of the opt/asym/acc rules: rms = sqrt(E[w^2]) (default),\n"
        "                     std = mean removed (docs/quantizer.md)\n"
        "  --val N            validation images from the end of the training set (default %d)\n"
        "  --test-limit N     use only the first N test images (default: all)\n"
        "  --train-images F   default $MNIST_DIR/train-images-idx3-ubyte (MNIST_DIR: data/mnist)\n"
        "  --train-labels F   default $MNIST_DIR/train-labels-idx1-ubyte\n"
        "  --test-images F    default $MNIST_DIR/t10k-images-idx3-ubyte\n"
        "  --test-labels F    default $MNIST_DIR/t10k-labels-idx1-ubyte\n"
        "  --gnuplot PROG     plotting program (default $GNUPLOT or gnuplot; '' for no plots)\n"
        "  --methods          also pack every post-training method (plain, biascorr, gptq, gptq-bc,\n"
        "                     refine) bit-exactly for layer/opt, layer/acc, neuron/acc (methods.csv)\n"
        "  --label-topology S, --label-variant S, --label-seed S   labels in run.txt (multi-seed\n"
        "                     study, `make study-full`)\n"
        "  --quiet            no progress on stderr\n",
        Q2_SWEEP_POINTS, Q2_SWEEP_LO, Q2_SWEEP_HI, Q2_VAL_DEFAULT);
}

int cmd_study(int argc, char **argv)
{
    q2_study_opts o;
    q2_study_opts_default(&o);
    const char *env = getenv("GNUPLOT");
    if (env && *env) o.gnuplot = env;
    const char *mdir = getenv("MNIST_DIR"), *v;
    if (!mdir || !*mdir) mdir = "data/mnist";
    char def[4][4200];
    const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int k = 0; k < 4; k++) snprintf(def[k], sizeof def[k], "%s/%s", mdir, names[k]);
    o.train_images = def[0];
    o.train_labels = def[1];
    o.test_images = def[2];
    o.test_labels = def[3];
    int rc = Q2_OK, x;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            study_usage(stdout);
            return Q2_EXIT_OK;
        } else if (!strcmp(a, "--quiet")) {
            o.progress = false;
        } else if (!strcmp(a, "--methods")) {
            o.methods = true;
        } else if (q2_opt_val(argc, argv, &i, "--label-topology", &v)) {
            o.labels.topology = v;
        } else if (q2_opt_val(argc, argv, &i, "--label-variant", &v)) {
            o.labels.variant = v;
        } else if (q2_opt_val(argc, argv, &i, "--label-seed", &v)) {
            o.labels.seed = v;
        } else if (q2_opt_val(argc, argv, &i, "--model", &v)) {
            o.model = v;
        } else if (q2_opt_val(argc, argv, &i, "--out", &v)) {
            o.out_dir = v;
        } else if (q2_opt_val(argc, argv, &i, "--points", &v)) {
            rc = q2_parse_int(a, v, 2, 1024, &o.q.points);
        } else if (q2_opt_val(argc, argv, &i, "--lo", &v)) {
            rc = q2_parse_double(a, v, 1e-6, 1e3, &o.q.lo);
        } else if (q2_opt_val(argc, argv, &i, "--hi", &v)) {
            rc = q2_parse_double(a, v, 1e-6, 1e3, &o.q.hi);
        } else if (q2_opt_val(argc, argv, &i, "--sigma", &v)) {
            if ((x = q2_sigma_parse(v)) < 0) {
                Q2_ERR("parse --sigma failed: '%s', need rms or std", v);
                rc = Q2_EARG;
            } else {
                o.q.sigma = (q2_sigma_mode)x;
            }
        } else if (q2_opt_val(argc, argv, &i, "--val", &v)) {
            rc = q2_parse_int(a, v, 1, 1 << 30, &o.n_val);
        } else if (q2_opt_val(argc, argv, &i, "--test-limit", &v)) {
            rc = q2_parse_int(a, v, 1, 1 << 30, &o.test_limit);
        } else if (q2_opt_val(argc, argv, &i, "--train-images", &v)) {
            o.train_images = v;
        } else if (q2_opt_val(argc, argv, &i, "--train-labels", &v)) {
            o.train_labels = v;
        } else if (q2_opt_val(argc, argv, &i, "--test-images", &v)) {
            o.test_images = v;
        } else if (q2_opt_val(argc, argv, &i, "--test-labels", &v)) {
            o.test_labels = v;
        } else if (q2_opt_val(argc, argv, &i, "--gnuplot", &v)) {
            o.gnuplot = v;
        } else {
            rc = Q2_OPT_UNKNOWN(a);
        }
    }
    if (!rc && !o.model) {
        Q2_ERR("parse arguments failed: --model is required");
        rc = Q2_EARG;
    }
    if (!rc && !(o.q.hi > o.q.lo)) {
        Q2_ERR("parse arguments failed: --lo %g must be below --hi %g", o.q.lo, o.q.hi);
        rc = Q2_EARG;
    }
    if (rc) {
        study_usage(stderr);
        return q2_exit_code(rc);
    }
    return q2_exit_code(q2_study_run(&o));
}

/* ---- study-summary ------------------------------------------------------------------------------ */
static void summary_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp study-summary [options] RUN_DIR...\n"
        "Combine the reports of `q2mlp study --methods` (one per trained network: topology, variant\n"
        "and seed from its run.txt) into mean +- 95%% CI over seeds (Student t), paired differences\n"
        "and bands (the multi-seed study, `make study-full`; docs/quantizer.md).\n\n"
        "  --out DIR          output directory (default build/report)\n"
        "  --name N           file stem (default study-full): N.csv, N-summary.csv, N.md,\n"
        "                     N-bands.gp, band_<topology>[-<variant>]_<scope>.{csv,svg}\n"
        "  --command S        the command named in N.md as the one that made it\n"
        "  --gnuplot PROG     plotting program (default $GNUPLOT or gnuplot; '' for no plots)\n");
}

int cmd_study_summary(int argc, char **argv)
{
    q2_summary_opts o = {.out_dir = "build/report", .name = "study-full", .gnuplot = getenv("GNUPLOT")};
    if (!o.gnuplot || !*o.gnuplot) o.gnuplot = "gnuplot";
    const char **dirs = calloc((size_t)argc, sizeof *dirs), *v;
    int rc = dirs ? Q2_OK : Q2_ENOMEM;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            summary_usage(stdout);
            free(dirs);
            return Q2_EXIT_OK;
        } else if (q2_opt_val(argc, argv, &i, "--out", &v)) o.out_dir = v;
        else if (q2_opt_val(argc, argv, &i, "--name", &v)) o.name = v;
        else if (q2_opt_val(argc, argv, &i, "--command", &v)) o.command = v;
        else if (q2_opt_val(argc, argv, &i, "--gnuplot", &v)) o.gnuplot = v;
        else if (a[0] == '-') rc = Q2_OPT_UNKNOWN(a);
        else dirs[o.n_dirs++] = a;
    }
    if (!rc && o.n_dirs == 0) {
        Q2_ERR("parse arguments failed: no run directories");
        rc = Q2_EARG;
    }
    if (rc) {
        summary_usage(stderr);
        free(dirs);
        return q2_exit_code(rc);
    }
    o.dirs = dirs;
    rc = q2_study_summary(&o);
    free(dirs);
    return q2_exit_code(rc);
}
