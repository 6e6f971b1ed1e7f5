/* cmd_qmodel.c — the integer-model subcommands of q2mlp: pack, info, eval (.q2), infer, import,
 * bench. Output contract: results on stdout (key=value lines, info's table), progress and errors on
 * stderr; exit codes of util.h (0 ok, 1 usage or bad input, 3 mismatch, 4 internal). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "float/gemm.h"
#include "base/idx.h"
#include "float/mlp.h"
#include "float/train.h"
#include "quant/pack.h"
#include "qmodel/qmodel.h"
#include "quant/quant.h"
#include "study/study.h"
#include "base/util.h"

#define DEFAULT_LANES 32
#define PAPER_ARCH    "784-512-512-10"
#define BENCH_ROUNDS  5     /* bench: interleaved timing rounds, best rate per engine */

/* ---- option helpers ------------------------------------------------------------------------------- */

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return true;
    return false;
}

static int unknown(const char *cmd, const char *arg, void (*usage)(FILE *))
{
    char prog[32];
    snprintf(prog, sizeof prog, "cmd_%s", cmd);
    q2_opt_unknown(prog, arg);
    usage(stderr);
    return Q2_EXIT_USAGE;
}

/* The labels file that goes with an IDX images file: "...images-idx3..." -> "...labels-idx1...". */
static bool labels_for(const char *images, char *out, size_t n)
{
    const char *p = strstr(images, "images-idx3");
    if (!p || strlen(images) >= n) return false;
    size_t k = (size_t)(p - images);
    memcpy(out, images, k);
    snprintf(out + k, n - k, "labels-idx1%s", p + strlen("images-idx3"));
    return q2_file_exists(out);
}

/* ---- pack ------------------------------------------------------------------------------------------- */
static void pack_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp pack --model MODEL.mlp (--scope S --rule R | --best best.txt) [options] -o OUT.q2\n\n"
        "Quantize a float model to 2-bit codes, calibrate the activation scales on training images and\n"
        "write the .q2 image (docs/arithmetic.md, docs/formats.md).\n\n"
        "  --scope S          global | layer | neuron (default layer)\n"
        "  --rule R           opt | asym | maxabs | mse | aciq | octav | acc (default opt)\n"
        "  --best FILE        take scope, rule (and sigma) from the study's best.txt line\n"
        "                     'scope=<s> rule=<r> ...'; --scope/--rule given as well win\n"
        "  --sigma M          rms | std: the weight scale of the rules (default rms)\n"
        "  --method M         plain | biascorr | gptq | gptq-bc | refine: how the weights are rounded to\n"
        "                     the rule's grid and the biases corrected, on the calibration images\n"
        "                     (default plain; docs/quantizer.md)\n"
        "  --lanes L          lanes of the image: power of two 4..256 (default %d)\n"
        "  --images F, --labels F   training IDX files (default $MNIST_DIR/train-*)\n"
        "  --val N            the last N training images are validation (default %d); they are used\n"
        "                     only by rule acc and --calib-pct auto, never for calibration\n"
        "  --calib N          calibrate on the first N training images (default %d)\n"
        "  --calib-pct P      percentile of the hidden activations mapped to 255, in (0, 100], or\n"
        "                     'auto': try %s and keep the best bit-exact validation\n"
        "                     accuracy (default %g)\n"
        "  --save-float F     also write the float model with exactly the packed 2-bit weights\n"
        "                     (the float-activation 2-bit reference) as a .mlp\n"
        "  --quiet            no details on stderr\n\n"
        "stdout: one line  model=.. bytes=.. crc=.. scope=.. rule=.. lanes=.. calib_pct=.. "
        "val_acc_int=.. val_acc_float=..\n",
        DEFAULT_LANES, Q2_VAL_DEFAULT, Q2_CALIB_N_DEFAULT, "99.99 99.9 99.5 99 99.999 100",
        Q2_CALIB_PCT_DEFAULT);
}

/* The .q2 image and, if asked, the float model: both files or neither (q2_outs). */
static int pack_write(const q2_qmodel *q, const char *out, const q2_mlp *qf, const char *save_float)
{
    q2_outs outs;
    q2_outs_init(&outs);
    int rc = q2_outs_add(&outs, out, q->image, q->image_len);
    if (!rc && save_float) {
        uint8_t *b;
        size_t n;
        if (!(rc = q2_mlp_encode(qf, &b, &n))) {
            rc = q2_outs_add(&outs, save_float, b, n);
            free(b);
        }
    }
    if (!rc) rc = q2_outs_commit(&outs);
    q2_outs_free(&outs);
    return rc;
}

typedef struct {
    const char *model, *out, *best, *images, *labels, *save_float;
    int scope, rule, sigma;   /* q2_scope, q2_rule, q2_sigma_mode, or -1: not given */
    int method;               /* q2_method */
    long lanes, n_val, calib;
    double pct;               /* or Q2_CALIB_PCT_AUTO */
    bool quiet;
    char p_img[4096], p_lbl[4096]; /* the default training files */
} pack_cli;

/* Fill c from argv: Q2_EXIT_OK, or the exit code (after a message). */
static int pack_parse(int argc, char **argv, pack_cli *c)
{
    const char *v;
    int rc = Q2_OK;
    *c = (pack_cli){.scope = -1, .rule = -1, .sigma = -1, .lanes = DEFAULT_LANES, .n_val = Q2_VAL_DEFAULT,
                    .calib = Q2_CALIB_N_DEFAULT, .pct = Q2_CALIB_PCT_DEFAULT};
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (q2_opt_val(argc, argv, &i, "--model", &v)) c->model = v;
        else if (q2_opt_val(argc, argv, &i, "--scope", &v)) rc = c->scope = q2_scope_parse(v);
        else if (q2_opt_val(argc, argv, &i, "--rule", &v)) rc = c->rule = q2_rule_parse(v);
        else if (q2_opt_val(argc, argv, &i, "--sigma", &v)) rc = c->sigma = q2_sigma_parse(v);
        else if (q2_opt_val(argc, argv, &i, "--method", &v)) rc = c->method = q2_method_parse(v);
        else if (q2_opt_val(argc, argv, &i, "--best", &v)) c->best = v;
        else if (q2_opt_val(argc, argv, &i, "--lanes", &v))
            rc = q2_parse_long(a, v, Q2_LANES_MIN, Q2_LANES_MAX, &c->lanes);
        else if (q2_opt_val(argc, argv, &i, "--images", &v)) c->images = v;
        else if (q2_opt_val(argc, argv, &i, "--labels", &v)) c->labels = v;
        else if (q2_opt_val(argc, argv, &i, "--val", &v))
            rc = q2_parse_long(a, v, 0, 1L << 30, &c->n_val);
        else if (q2_opt_val(argc, argv, &i, "--calib", &v))
            rc = q2_parse_long(a, v, 1, 1L << 30, &c->calib);
        else if (q2_opt_val(argc, argv, &i, "--calib-pct", &v))
            rc = !strcmp(v, "auto") ? (c->pct = Q2_CALIB_PCT_AUTO, 0)
                                    : q2_parse_double(a, v, 1e-9, 100, &c->pct);
        else if (q2_opt_val(argc, argv, &i, "--save-float", &v)) c->save_float = v;
        else if (q2_opt_val(argc, argv, &i, "-o", &v) || q2_opt_val(argc, argv, &i, "--output", &v)) c->out = v;
        else if (!strcmp(a, "--quiet")) c->quiet = true;
        else return unknown("pack", a, pack_usage);
        if (rc > 0) rc = 0; /* scope/rule/sigma indices */
    }
    if (rc) return q2_exit_code(rc);
    if (!c->model || !c->out) {
        fprintf(stderr, "q2mlp pack: --model and -o are required\n");
        pack_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    return Q2_EXIT_OK;
}

/* The packer's options: defaults, then best.txt, then the options given. */
static int pack_options(const pack_cli *c, q2_pack_opts *o)
{
    q2_pack_opts_default(o);
    if (c->best) {
        q2_best b;
        int rc = q2_best_read(c->best, &b);
        if (rc) return rc;
        o->scope = b.scope;
        o->rule = b.rule;
        if (b.sigma >= 0) o->qopts.sigma = (q2_sigma_mode)b.sigma;
    }
    if (c->scope >= 0) o->scope = (q2_scope)c->scope;
    if (c->rule >= 0) o->rule = (q2_rule)c->rule;
    if (c->sigma >= 0) o->qopts.sigma = (q2_sigma_mode)c->sigma;
    o->qopts.progress = !c->quiet;
    o->lanes = (int)c->lanes;
    o->method = (q2_method)c->method;
    o->calib_n = (int)c->calib;
    o->calib_pct = c->pct;
    return Q2_OK;
}

/* The details of a pack on stderr (without --quiet). */
static void pack_details(const pack_cli *c, const q2_pack_opts *o, const q2_pack_report *rep,
                         int n_layers, double seconds)
{
    fprintf(stderr, "pack: %s -> %s, %s scope, rule %s, sigma %s, method %s, lanes %d, %.1f s\n", c->model,
            c->out, q2_scope_name(o->scope), q2_rule_name(o->rule), q2_sigma_name(o->qopts.sigma),
            q2_method_name(o->method), o->lanes, seconds);
    for (int k = 0; k < rep->n_cand; k++)
        fprintf(stderr, "pack: calib-pct auto: %8.3f -> validation %.2f%%%s\n", rep->cand_pct[k],
                100 * rep->cand_acc[k], rep->cand_pct[k] == rep->pct ? "  <- chosen" : "");
    for (int l = 0; l < n_layers - 1; l++)
        fprintf(stderr, "pack: layer %d activations: P%g = %.4f (scale %.6g per unit), max %.4f, "
                "%.4f%% saturate\n", l, rep->pct, rep->act_scale[l] * 255.0, rep->act_scale[l],
                rep->act_max[l], 100 * rep->sat_frac[l]);
    if (o->scope == Q2_SCOPE_NEURON)
        fprintf(stderr, "pack: last-layer scope: layer (one step for all logits)\n");
    if (rep->n_bias_sat || rep->n_m_sat || rep->n_dead)
        fprintf(stderr, "pack: warning: %d biases saturated, %d multipliers saturated, %d dead neurons\n",
                rep->n_bias_sat, rep->n_m_sat, rep->n_dead);
}

/* Load, split (calibration | validation), pack, write, report. */
static int pack_run(const pack_cli *c, q2_pack_opts *o)
{
    q2_mlp m, qf;
    q2_dataset all;
    q2_qmodel q;
    q2_pack_report rep;
    int rc;
    if ((rc = q2_mlp_load(&m, c->model))) return rc;
    if ((rc = q2_dataset_load(&all, c->images, c->labels))) goto out_mlp;
    if (all.n <= c->n_val) {
        Q2_ERR("split %s failed: %d images, need more than the %ld validation images", c->images, all.n,
               c->n_val);
        rc = Q2_EARG;
        goto out_data;
    }
    q2_dataset cal = q2_dataset_slice(&all, 0, all.n - (int)c->n_val);
    q2_dataset val = q2_dataset_slice(&all, all.n - (int)c->n_val, (int)c->n_val);
    o->calib = &cal;
    o->val = c->n_val > 0 ? &val : NULL;
    double t0 = q2_now();
    if ((rc = q2_pack_mlp(&m, o, &q, &qf, &rep))) goto out_data;
    if ((rc = pack_write(&q, c->out, &qf, c->save_float))) goto out_q;
    if (!c->quiet) pack_details(c, o, &rep, m.n_layers, q2_now() - t0);
    printf("model=%s bytes=%zu crc=0x%08" PRIX32 " scope=%s rule=%s sigma=%s lanes=%d calib_n=%d "
           "calib_pct=%g val_acc_int=%.2f val_acc_float=%.2f bias_sat=%d m_sat=%d dead=%d method=%s\n",
           c->out, q.image_len, q.crc, q2_scope_name(o->scope), q2_rule_name(o->rule),
           q2_sigma_name(o->qopts.sigma), o->lanes, cal.n < o->calib_n ? cal.n : o->calib_n, rep.pct,
           100 * rep.val_acc_int, 100 * rep.val_acc_float, rep.n_bias_sat, rep.n_m_sat, rep.n_dead,
           q2_method_name(o->method));
out_q:
    q2_qmodel_free(&q);
    q2_mlp_free(&qf);
out_data:
    q2_dataset_free(&all);
out_mlp:
    q2_mlp_free(&m);
    return rc;
}

int cmd_pack(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        pack_usage(stdout);
        return Q2_EXIT_OK;
    }
    pack_cli c;
    q2_pack_opts o;
    int rc = pack_parse(argc, argv, &c);
    if (rc) return rc;
    if ((rc = pack_options(&c, &o))) return q2_exit_code(rc);
    if (!c.images != !c.labels) {
        fprintf(stderr, "q2mlp pack: --images and --labels go together\n");
        return Q2_EXIT_USAGE;
    }
    if (!c.images) {
        snprintf(c.p_img, sizeof c.p_img, "%s/train-images-idx3-ubyte", q2_mnist_dir());
        snprintf(c.p_lbl, sizeof c.p_lbl, "%s/train-labels-idx1-ubyte", q2_mnist_dir());
        c.images = c.p_img;
        c.labels = c.p_lbl;
    }
    return q2_exit_code(pack_run(&c, &o));
}

/* ---- info ------------------------------------------------------------------------------------------- */
static void info_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp info MODEL.q2\n\n"
        "Validate a .q2 image and print its header, sizes, per-layer table and CRC.\n");
}

int cmd_info(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        info_usage(stdout);
        return Q2_EXIT_OK;
    }
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (q2_opt_val(argc, argv, &i, "--model", &v)) path = v;
        else if (argv[i][0] != '-' && !path) path = argv[i];
        else return unknown("info", argv[i], info_usage);
    }
    if (!path) {
        info_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    q2_qmodel q;
    int rc = q2_qmodel_load(&q, path);
    if (rc) return q2_exit_code(rc);
    int dims[Q2_MAX_LAYERS + 1];
    dims[0] = q.layers[0].n_in;
    for (int l = 0; l < q.n_layers; l++) dims[l + 1] = q.layers[l].n_out;
    q2_image_layout lay;
    q2_image_layout_of(q.n_layers, dims, q.lanes, &lay);
    static const char *const scopes[3] = {"global", "layer", "neuron"};
    size_t w_total = lay.total_size - 4 - lay.w0, n_weights = 0;
    size_t n_records = (lay.p_end - lay.param_off[0]) / 8;
    for (int l = 0; l < q.n_layers; l++) n_weights += (size_t)dims[l] * (size_t)dims[l + 1];

    printf("file          %s\n", path);
    printf("format        Q2ML version %d, lanes %d (weight word %d bytes)\n", Q2_IMAGE_VERSION, q.lanes,
           q.lanes / 4);
    printf("topology      %d", dims[0]);
    for (int l = 1; l <= q.n_layers; l++) printf("-%d", dims[l]);
    printf(" (%d layers, %zu weights, %d classes)\n", q.n_layers, n_weights, dims[q.n_layers]);
    printf("scope         %s (informative)%s\n", scopes[q.scope],
           q.scope == 2 ? "; last-layer scope: layer" : "");
    printf("size          %zu bytes: header 16, descriptors %d, neuron records %zu (%zu x 8), padding %u, "
           "weights %zu, CRC 4\n", q.image_len, 24 * q.n_layers, 8 * n_records, n_records,
           lay.w0 - lay.p_end, w_total);
    printf("weights       %zu bytes for %zu 2-bit weights (%.1f%% padding lanes)\n", w_total, n_weights,
           100.0 * (1.0 - (double)n_weights / (4.0 * (double)w_total)));
    printf("crc           0x%08" PRIX32 " (CRC-32 of bytes 0..%zu, verified)\n", q.crc, q.image_len - 5);
    printf("\nlayer  n_in n_out groups param_off  w_off   w_bytes        delta    act_scale"
           "        bias min..max     M min..max  S min..max\n");
    for (int l = 0; l < q.n_layers; l++) {
        const q2_qlayer *L = &q.layers[l];
        bool hidden = l < q.n_layers - 1;
        int32_t bmin = L->bias[0], bmax = L->bias[0];
        unsigned mmin = L->m[0], mmax = L->m[0], smin = L->s[0], smax = L->s[0];
        for (int j = 1; j < L->n_out; j++) {
            if (L->bias[j] < bmin) bmin = L->bias[j];
            if (L->bias[j] > bmax) bmax = L->bias[j];
            if (L->m[j] < mmin) mmin = L->m[j];
            if (L->m[j] > mmax) mmax = L->m[j];
            if (L->s[j] < smin) smin = L->s[j];
            if (L->s[j] > smax) smax = L->s[j];
        }
        char bias_s[32], m_s[32], s_s[32];
        snprintf(bias_s, sizeof bias_s, "%" PRId32 "..%" PRId32, bmin, bmax);
        snprintf(m_s, sizeof m_s, "%u..%u", mmin, mmax);
        snprintf(s_s, sizeof s_s, "%u..%u", smin, smax);
        printf("%5d %5d %5d %6d %9" PRIu32 " %6" PRIu32 " %9" PRIu32 " %12.6g %12.6g %20s", l, L->n_in,
               L->n_out, (L->n_out + q.lanes - 1) / q.lanes, lay.param_off[l], lay.w_off[l], lay.w_bytes[l],
               L->delta, L->act_scale, bias_s);
        if (hidden)
            printf(" %14s %11s\n", m_s, s_s);
        else
            printf("  (logits: no requantization)\n");
    }
    printf("\nact_scale: float value of one output unit (hidden: one uint8 step; last layer: one "
           "logit unit)\n");
    q2_qmodel_free(&q);
    return Q2_EXIT_OK;
}

/* ---- eval (.q2) --------------------------------------------------------------------------------------- */
static void eval_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp eval --model MODEL.q2 [--images F --labels F] [--engine fast|ref|both] [--limit N]\n\n"
        "Bit-exact accuracy of the integer model (default: the MNIST test set in $MNIST_DIR).\n"
        "  --engine fast    the SIMD path (default); ref: the plain reference loops; both: run both\n"
        "                   and compare every logit (exit 3 on any difference)\n"
        "  --kernel K       fast-path kernel: auto | c | avx2 | avx512vnni (default auto)\n"
        "  --limit N        the first N images only\n\n"
        "stdout: accuracy=<percent> correct=.. n=.. arch=.. img_s=.. engine=.. model=..\n");
}

typedef struct {
    const char *model, *images, *labels, *engine;
    long limit;                    /* 0: all images */
    int kernel;                    /* q2_fast_kernel */
    bool use_fast, use_ref;
    char p_img[4096], p_lbl[4096]; /* the default test files */
} eval_q2_opts;

/* Fill o from argv: Q2_EXIT_OK, or the exit code (after a message). */
static int eval_q2_parse(int argc, char **argv, eval_q2_opts *o)
{
    const char *v;
    int rc = Q2_OK;
    memset(o, 0, sizeof *o);
    o->engine = "fast";
    o->kernel = Q2_FAST_AUTO;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (q2_opt_val(argc, argv, &i, "--model", &v)) o->model = v;
        else if (q2_opt_val(argc, argv, &i, "--images", &v)) o->images = v;
        else if (q2_opt_val(argc, argv, &i, "--labels", &v)) o->labels = v;
        else if (q2_opt_val(argc, argv, &i, "--engine", &v)) o->engine = v;
        else if (q2_opt_val(argc, argv, &i, "--limit", &v)) rc = q2_parse_long(a, v, 1, 1L << 30, &o->limit);
        else if (q2_opt_val(argc, argv, &i, "--kernel", &v)) {
            for (o->kernel = 0; o->kernel < Q2_FAST_COUNT && strcmp(v, q2_fast_kernel_name(o->kernel));
                 o->kernel++) {}
            if (o->kernel == Q2_FAST_COUNT) {
                Q2_ERR("parse --kernel failed: '%s', need auto, c, avx2 or avx512vnni", v);
                rc = Q2_EARG;
            }
        } else return unknown("eval", a, eval_usage);
    }
    if (rc) return q2_exit_code(rc);
    o->use_fast = !strcmp(o->engine, "fast") || !strcmp(o->engine, "both");
    o->use_ref = !strcmp(o->engine, "ref") || !strcmp(o->engine, "both");
    if (!o->model || (!o->use_fast && !o->use_ref) || !o->images != !o->labels) {
        fprintf(stderr, "q2mlp eval: %s\n", !o->model ? "--model is required"
                : !o->images != !o->labels ? "--images and --labels go together"
                                           : "--engine is fast, ref or both");
        eval_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    if (!o->images) {
        snprintf(o->p_img, sizeof o->p_img, "%s/t10k-images-idx3-ubyte", q2_mnist_dir());
        snprintf(o->p_lbl, sizeof o->p_lbl, "%s/t10k-labels-idx1-ubyte", q2_mnist_dir());
        o->images = o->p_img;
        o->labels = o->p_lbl;
    }
    return Q2_EXIT_OK;
}

/* The logits of the first n images by the engines asked for: fast into lf, reference into lr
 * (each (n, classes)), and the seconds each took. */
static int eval_q2_logits(const eval_q2_opts *o, const q2_qmodel *q, const q2_dataset *d, int n,
                          q2_fast *f, int32_t *lf, int32_t *lr, double *t_fast, double *t_ref)
{
    const int n_in = q2_qmodel_n_inputs(q), n_cls = q2_qmodel_n_classes(q);
    double t0;
    int rc;
    if (o->use_fast) {
        if ((rc = q2_fast_init(f, q, (q2_fast_kernel)o->kernel))) return rc;
        t0 = q2_now();
        if ((rc = q2_fast_forward(f, d->images, n, lf, NULL))) return rc;
        *t_fast = q2_now() - t0;
    }
    if (o->use_ref) {
        t0 = q2_now();
        for (int i = 0; i < n; i++)
            q2_qmodel_forward_ref(q, d->images + (size_t)i * (size_t)n_in, lr + (size_t)i * (size_t)n_cls,
                                  NULL);
        *t_ref = q2_now() - t0;
    }
    return Q2_OK;
}

/* Score the logits, compare the engines (both), print the summary; Q2_EVERIFY on a mismatch. */
static int eval_q2_report(const eval_q2_opts *o, const q2_qmodel *q, const q2_dataset *d, int n,
                          const q2_fast *f, const int32_t *lf, const int32_t *lr, double t_fast,
                          double t_ref)
{
    const int n_in = q2_qmodel_n_inputs(q), n_cls = q2_qmodel_n_classes(q);
    const int32_t *logits = o->use_fast ? lf : lr;
    long correct = 0, mismatches = 0;
    for (int i = 0; i < n; i++) {
        correct += q2_argmax(logits + (size_t)i * (size_t)n_cls, n_cls) == d->labels[i];
        size_t at = (size_t)i * (size_t)n_cls;
        if (o->use_fast && o->use_ref && memcmp(lf + at, lr + at, (size_t)n_cls * sizeof *lf)) {
            if (!mismatches)
                Q2_ERR("eval %s failed: fast and reference logits differ on image %d", o->model, i);
            mismatches++;
        }
    }
    char arch[128];
    int k = snprintf(arch, sizeof arch, "%d", n_in);
    for (int l = 0; l < q->n_layers && k < (int)sizeof arch - 8; l++)
        k += snprintf(arch + k, sizeof arch - (size_t)k, "-%d", q->layers[l].n_out);
    printf("accuracy=%.2f correct=%ld n=%d arch=%s img_s=%.0f engine=%s", 100.0 * (double)correct / n,
           correct, n, arch, n / (o->use_fast ? t_fast : t_ref), o->use_fast ? "fast" : "ref");
    if (o->use_fast) printf(" kernel=%s", q2_fast_kernel_name((q2_fast_kernel)f->kernel));
    if (o->use_fast && o->use_ref) printf(" ref_img_s=%.0f mismatches=%ld", n / t_ref, mismatches);
    printf(" model=%s\n", o->model);
    return mismatches ? Q2_EVERIFY : Q2_OK;
}

int cmd_eval_q2(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        eval_usage(stdout);
        return Q2_EXIT_OK;
    }
    eval_q2_opts o;
    int rc = eval_q2_parse(argc, argv, &o);
    if (rc) return rc;
    q2_qmodel q;
    q2_dataset d;
    q2_fast f = {0};
    int32_t *lf = NULL, *lr = NULL;
    if ((rc = q2_qmodel_load(&q, o.model))) return q2_exit_code(rc);
    if ((rc = q2_dataset_load(&d, o.images, o.labels))) goto out_q;
    const int n_in = q2_qmodel_n_inputs(&q), n_cls = q2_qmodel_n_classes(&q);
    if (d.rows * d.cols != n_in) {
        Q2_ERR("eval %s failed: the images have %d pixels, the model %d inputs", o.model, d.rows * d.cols,
               n_in);
        rc = Q2_EARG;
        goto out_data;
    }
    int n = o.limit && o.limit < d.n ? (int)o.limit : d.n;
    lf = malloc((size_t)n * (size_t)n_cls * sizeof *lf);
    lr = malloc((size_t)n * (size_t)n_cls * sizeof *lr);
    if (!lf || !lr) {
        rc = Q2_ENOMEM;
        goto out_data;
    }
    double t_fast = 0, t_ref = 0;
    if (!(rc = eval_q2_logits(&o, &q, &d, n, &f, lf, lr, &t_fast, &t_ref)))
        rc = eval_q2_report(&o, &q, &d, n, &f, lf, lr, t_fast, t_ref);
out_data:
    free(lf);
    free(lr);
    q2_fast_free(&f);
    q2_dataset_free(&d);
out_q:
    q2_qmodel_free(&q);
    return q2_exit_code(rc);
}

/* ---- infer -------------------------------------------------------------------------------------------- */
static void infer_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp infer --model MODEL.q2 --images F --index N [--labels F] [--hidden]\n\n"
        "Bit-exact logits and class of one image (the reference model). --labels defaults to the\n"
        "labels file beside the images (images-idx3 -> labels-idx1). --hidden also prints the uint8\n"
        "activations of every hidden layer.\n\n"
        "stdout: index=N class=K label=L logits=v0,v1,...\n");
}

int cmd_infer(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        infer_usage(stdout);
        return Q2_EXIT_OK;
    }
    const char *model = NULL, *images = NULL, *labels = NULL, *v;
    long index = -1;
    bool show_hidden = false;
    int rc = Q2_OK;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (q2_opt_val(argc, argv, &i, "--model", &v)) model = v;
        else if (q2_opt_val(argc, argv, &i, "--images", &v)) images = v;
        else if (q2_opt_val(argc, argv, &i, "--labels", &v)) labels = v;
        else if (q2_opt_val(argc, argv, &i, "--index", &v)) rc = q2_parse_long(a, v, 0, 1L << 30, &index);
        else if (!strcmp(a, "--hidden")) show_hidden = true;
        else return unknown("infer", a, infer_usage);
    }
    if (rc) return q2_exit_code(rc);
    char p_lbl[4096];
    if (images && !labels) {
        if (!labels_for(images, p_lbl, sizeof p_lbl)) {
            fprintf(stderr, "q2mlp infer: no labels file beside %s: give --labels\n", images);
            return Q2_EXIT_USAGE;
        }
        labels = p_lbl;
    }
    if (!model || !images || index < 0) {
        fprintf(stderr, "q2mlp infer: --model, --images and --index are required\n");
        infer_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    q2_qmodel q;
    q2_dataset d;
    if ((rc = q2_qmodel_load(&q, model))) return q2_exit_code(rc);
    if ((rc = q2_dataset_load(&d, images, labels))) goto out_q;
    const int n_in = q2_qmodel_n_inputs(&q), n_cls = q2_qmodel_n_classes(&q);
    if (d.rows * d.cols != n_in || index >= d.n) {
        Q2_ERR("infer %s failed: %s", model, index >= d.n ? "--index past the last image" :
               "the images do not have as many pixels as the model has inputs");
        rc = Q2_EARG;
        goto out_data;
    }
    int32_t logits[Q2_MAX_CLASSES];
    uint8_t *hidden[Q2_MAX_LAYERS] = {0};
    for (int l = 0; l < q.n_layers - 1; l++)
        if (!(hidden[l] = malloc((size_t)q.layers[l].n_out))) {
            rc = Q2_ENOMEM;
            goto out_hidden;
        }
    int cls = q2_qmodel_forward_ref(&q, d.images + (size_t)index * (size_t)n_in, logits, hidden);
    printf("index=%ld class=%d label=%d logits=", index, cls, d.labels[index]);
    for (int j = 0; j < n_cls; j++) printf("%s%" PRId32, j ? "," : "", logits[j]);
    printf("\n");
    for (int l = 0; show_hidden && l < q.n_layers - 1; l++) {
        printf("hidden%d=", l);
        for (int j = 0; j < q.layers[l].n_out; j++) printf("%s%u", j ? "," : "", hidden[l][j]);
        printf("\n");
    }
out_hidden:
    for (int l = 0; l < Q2_MAX_LAYERS; l++) free(hidden[l]);
out_data:
    q2_dataset_free(&d);
out_q:
    q2_qmodel_free(&q);
    return q2_exit_code(rc);
}

/* ---- import ------------------------------------------------------------------------------------ */
static void import_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp import [--arch A] (--npy W0 B0 W1 B1 ... | --dir D) [--transpose] -o MODEL.mlp\n"
        "       q2mlp import --onnx MODEL.onnx [--arch A] -o MODEL.mlp   (q2mlp import --onnx --help)\n\n"
        "Build a float .mlp from NumPy .npy files (docs/formats.md \".npy import\"): one weight and one\n"
        "bias array per layer, in layer order. Weights have shape (n_out, n_in) like PyTorch's\n"
        "nn.Linear.weight; with --transpose, (n_in, n_out) like a Keras Dense kernel. Biases (n_out,).\n"
        "float32 or float64 (stored as float32), C order. The network must take pixel/255 inputs,\n"
        "ReLU between layers, and return logits.\n\n"
        "  --npy F...     weight and bias files alternating: w0.npy b0.npy w1.npy b1.npy ...\n"
        "  --dir D        the files D/w0.npy D/b0.npy D/w1.npy ... (as many layers as exist)\n"
        "  --arch A       e.g. 784-512-512-10: check the shapes against it (default: from the shapes)\n"
        "  --transpose    weights are (n_in, n_out)\n\n"
        "stdout: one line  model=.. arch=.. params=.. dtype=..\n");
}

typedef struct {
    const char *out, *dir, *arch;
    const char *files[2 * Q2_MAX_LAYERS]; /* (n_files) --npy files, or those found in --dir */
    char dir_files[2 * Q2_MAX_LAYERS][Q2_MLP_NPY_PATH];
    int n_files;
    bool transpose;
} import_opts;

/* Fill o from argv: Q2_EXIT_OK, or the exit code (after a message and the usage). */
static int import_parse(int argc, char **argv, import_opts *o)
{
    const char *v;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--npy")) {
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                if (o->n_files == 2 * Q2_MAX_LAYERS) {
                    Q2_ERR("import failed: more than %d layers", Q2_MAX_LAYERS);
                    return Q2_EXIT_USAGE;
                }
                o->files[o->n_files++] = argv[++i];
            }
        } else if (q2_opt_val(argc, argv, &i, "--dir", &v)) o->dir = v;
        else if (q2_opt_val(argc, argv, &i, "--arch", &v)) o->arch = v;
        else if (q2_opt_val(argc, argv, &i, "-o", &v) || q2_opt_val(argc, argv, &i, "--output", &v)) o->out = v;
        else if (!strcmp(a, "--transpose")) o->transpose = true;
        else return unknown("import", a, import_usage);
    }
    bool both = o->dir && o->n_files;
    if (o->dir && !o->n_files) o->n_files = q2_mlp_npy_dir_files(o->dir, o->dir_files, o->files);
    if (!o->out || both || !o->n_files || o->n_files % 2) {
        fprintf(stderr, "q2mlp import: %s\n", !o->out ? "-o is required"
                : !o->n_files ? "give --npy files or a --dir holding w0.npy b0.npy ..."
                : o->n_files % 2 ? "--npy needs a weight and a bias file per layer"
                                 : "--npy and --dir exclude each other");
        import_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    return Q2_EXIT_OK;
}

int cmd_import(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--onnx") || !strncmp(argv[i], "--onnx=", 7)) return cmd_import_onnx(argc, argv);
    if (wants_help(argc, argv)) {
        import_usage(stdout);
        return Q2_EXIT_OK;
    }
    import_opts *o = malloc(sizeof *o);
    if (!o) return Q2_EXIT_INTERNAL;
    q2_mlp m = {0};
    int itemsize = 0, rc = import_parse(argc, argv, o);
    if (rc) goto out_opts;
    if ((rc = q2_mlp_import_npy(&m, o->files, o->n_files, o->arch, o->transpose, &itemsize)) ||
        (rc = q2_mlp_save(&m, o->out))) {
        rc = q2_exit_code(rc);
        goto out_mlp;
    }
    char arch_s[128];
    q2_mlp_arch_string(&m, arch_s, sizeof arch_s);
    printf("model=%s arch=%s params=%zu dtype=%s\n", o->out, arch_s, q2_mlp_n_params(&m),
           itemsize == 8 ? "float64->float32" : "float32");
out_mlp:
    q2_mlp_free(&m);
out_opts:
    free(o);
    return rc;
}

/* ---- bench ------------------------------------------------------------------------------------- */
/* The default --model and --q2 of bench, used when present: the paper preset that `make run`
 * trains and packs (PAPER_MLP, PAPER_Q2 in sw/float.mk, sw/qmodel.mk; `make bench` passes them). */
#define BENCH_MODEL_STEM    "build/models/paper"
#define BENCH_MODEL_DEFAULT BENCH_MODEL_STEM ".mlp"
#define BENCH_Q2_DEFAULT    BENCH_MODEL_STEM ".q2"
#define BENCH_FB            256 /* float: images per q2_mlp_forward */

static void bench_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp bench [--model F.mlp] [--q2 F.q2] [--images F] [--seconds T] [--gemm blas|own] [-v]\n\n"
        "Images per second on ONE thread of: the float model (mlp_forward, batches of %d), the\n"
        "reference integer model (plain loops, one image at a time) and the fast integer path\n"
        "(q2_fast_forward, SIMD, batches of %d). Defaults: %s.{mlp,q2} when present,\n"
        "else a random %s network packed here; the MNIST test images ($MNIST_DIR),\n"
        "else random images; --seconds per engine (default %g), in %d interleaved rounds of which\n"
        "the best rate counts. The fast path skips input quads that are zero in a\n"
        "whole batch, so its speed depends on the images (MNIST: about 20%% nonzero pixels).\n\n"
        "-v prints what was measured (model, images, GEMM engine, fast kernel) on stderr.\n\n"
        "stdout: one line  float_img_s=.. ref_img_s=.. fast_img_s=.. speedup_fast_vs_float=..\n\n"
        "q2mlp bench --serve float|fast ... and --npy-out DIR: the peer benchmark (--serve --help).\n",
        BENCH_FB, Q2_FAST_BATCH, BENCH_MODEL_STEM, PAPER_ARCH, 2.0, BENCH_ROUNDS);
}

/* A random network of the trainer's init (q2_train_he_init: N(0, 2/n_in), zero biases). */
static int random_mlp(q2_mlp *m, const char *arch, uint64_t seed)
{
    int n_layers, dims[Q2_MAX_LAYERS + 1];
    int rc = q2_mlp_parse_arch(arch, &n_layers, dims);
    if (rc || (rc = q2_mlp_init(m, n_layers, dims))) return rc;
    q2_train_he_init(m, seed);
    return Q2_OK;
}

typedef struct {
    const char *model, *q2path, *images; /* NULL: a random network / packed here / random images */
    double secs;                         /* per engine, over all rounds */
    int gemm;                            /* q2_gemm_engine, or -1: the default */
    bool verbose;
    char p_img[4096];                    /* the default images */
} bench_opts;

/* Fill o from argv (and the defaults that exist): Q2_EXIT_OK, or the exit code. */
static int bench_parse(int argc, char **argv, bench_opts *o)
{
    const char *v;
    int rc = Q2_OK;
    memset(o, 0, sizeof *o);
    o->secs = 2.0;
    o->gemm = -1;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (q2_opt_val(argc, argv, &i, "--model", &v)) o->model = v;
        else if (q2_opt_val(argc, argv, &i, "--q2", &v)) o->q2path = v;
        else if (q2_opt_val(argc, argv, &i, "--images", &v)) o->images = v;
        else if (q2_opt_val(argc, argv, &i, "--seconds", &v)) rc = q2_parse_double(a, v, 0.01, 3600, &o->secs);
        else if (q2_opt_val(argc, argv, &i, "--gemm", &v))
            rc = (o->gemm = q2_gemm_engine_parse(v)) < 0 ? o->gemm : 0;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) o->verbose = true;
        else return unknown("bench", a, bench_usage);
    }
    if (rc) return q2_exit_code(rc);
    if (!o->model && q2_file_exists(BENCH_MODEL_DEFAULT)) o->model = BENCH_MODEL_DEFAULT;
    if (!o->q2path && o->model && !strcmp(o->model, BENCH_MODEL_DEFAULT) && q2_file_exists(BENCH_Q2_DEFAULT))
        o->q2path = BENCH_Q2_DEFAULT;
    if (!o->images) {
        snprintf(o->p_img, sizeof o->p_img, "%s/t10k-images-idx3-ubyte", q2_mnist_dir());
        o->images = o->p_img;
    }
    return Q2_EXIT_OK;
}

/* The images: o->images with the labels beside it, or (*have false) 10000 random ones. */
static int bench_images(const bench_opts *o, q2_dataset *d, bool *have)
{
    char p_lbl[4096];
    memset(d, 0, sizeof *d);
    *have = labels_for(o->images, p_lbl, sizeof p_lbl) && q2_file_exists(o->images);
    if (*have) return q2_dataset_load(d, o->images, p_lbl);
    d->n = 10000;
    d->rows = d->cols = 28;
    d->images = malloc((size_t)d->n * 784);
    d->labels = calloc((size_t)d->n, 1);
    if (!d->images || !d->labels) {
        q2_dataset_free(d);
        return Q2_ENOMEM;
    }
    q2_rng r;
    q2_rng_init(&r, 7);
    for (size_t k = 0; k < (size_t)d->n * 784; k++) d->images[k] = (uint8_t)q2_rng_below(&r, 256);
    return Q2_OK;
}

/* The float model m (o->model or random) and its integer model q (o->q2path, or packed here
 * with calibration on d; qf receives the packer's float model then). */
static int bench_models(const bench_opts *o, const q2_dataset *d, q2_mlp *m, q2_qmodel *q, q2_mlp *qf)
{
    int rc = o->model ? q2_mlp_load(m, o->model) : random_mlp(m, PAPER_ARCH, 1);
    if (rc) return rc;
    if (o->q2path) {
        if ((rc = q2_qmodel_load(q, o->q2path))) return rc;
    } else {
        q2_pack_opts po;
        q2_pack_report rep;
        q2_pack_opts_default(&po);
        po.calib = d;
        po.calib_n = 1000;
        if ((rc = q2_pack_mlp(m, &po, q, qf, &rep))) return rc;
    }
    const int n_in = m->dims[0], n_cls = m->dims[m->n_layers];
    if (n_in != d->rows * d->cols || q2_qmodel_n_inputs(q) != n_in || q2_qmodel_n_classes(q) != n_cls) {
        Q2_ERR("bench failed: the float model, the .q2 image and the images do not have the same shape");
        return Q2_EARG;
    }
    return Q2_OK;
}

/* The buffers of the timing loops. */
typedef struct {
    float *x;      /* (BENCH_FB, n_in) scaled pixels */
    float *logits; /* (BENCH_FB, n_cls) */
    int32_t *il;   /* (d.n, n_cls) fast-path logits */
    int *cls;      /* (d.n) classes */
    long n_ref;    /* images the reference model has run, over all rounds */
} bench_bufs;

/* Images per second of each engine over one slice of time: float, reference, fast. */
static int bench_round(const q2_mlp *m, const q2_qmodel *q, q2_fast *f, const q2_dataset *d, double slice,
                       bench_bufs *b, double rate[3])
{
    const int n_in = m->dims[0], n_cls = m->dims[m->n_layers];
    long n = 0;
    double t0 = q2_now(), t;
    int rc;
    do {
        int s = (int)(n % d->n), c = d->n - s < BENCH_FB ? d->n - s : BENCH_FB;
        q2_mlp_scale_pixels(d->images + (size_t)s * (size_t)n_in, (size_t)c * (size_t)n_in, b->x);
        if ((rc = q2_mlp_forward(m, b->x, c, b->logits, NULL))) return rc;
        for (int i = 0; i < c; i++) b->cls[s + i] = q2_mlp_argmax(b->logits + (size_t)i * (size_t)n_cls, n_cls);
        n += c;
    } while ((t = q2_now() - t0) < slice);
    rate[0] = n / t;
    n = 0;
    t0 = q2_now();
    do {
        int32_t lg[Q2_MAX_CLASSES];
        for (int k = 0; k < 16; k++, n++, b->n_ref++)
            b->cls[b->n_ref % d->n] =
                q2_qmodel_forward_ref(q, d->images + (size_t)(b->n_ref % d->n) * (size_t)n_in, lg, NULL);
    } while ((t = q2_now() - t0) < slice);
    rate[1] = n / t;
    n = 0;
    t0 = q2_now();
    do {
        int s = (int)(n % d->n), c = d->n - s < 1024 ? d->n - s : 1024;
        if ((rc = q2_fast_forward(f, d->images + (size_t)s * (size_t)n_in, c, b->il, b->cls))) return rc;
        n += c;
    } while ((t = q2_now() - t0) < slice);
    rate[2] = n / t;
    return Q2_OK;
}

/* BENCH_ROUNDS rounds, each timing float, reference and fast for secs / BENCH_ROUNDS; the best
 * rate of each engine is kept (best[3]: float, ref, fast), so a burst of load from other
 * processes hurts no engine more than another. */
static int bench_time(const q2_mlp *m, const q2_qmodel *q, q2_fast *f, const q2_dataset *d, double secs,
                      double best[3])
{
    const int n_in = m->dims[0], n_cls = m->dims[m->n_layers];
    bench_bufs b = {0};
    b.x = malloc((size_t)BENCH_FB * (size_t)n_in * sizeof *b.x);
    b.logits = malloc((size_t)BENCH_FB * (size_t)n_cls * sizeof *b.logits);
    b.il = malloc((size_t)d->n * (size_t)n_cls * sizeof *b.il);
    b.cls = malloc((size_t)d->n * sizeof *b.cls);
    int rc = !b.x || !b.logits || !b.il || !b.cls ? Q2_ENOMEM : Q2_OK;
    if (!rc) rc = q2_fast_init(f, q, Q2_FAST_AUTO);
    best[0] = best[1] = best[2] = 0;
    for (int round = 0; round < BENCH_ROUNDS && !rc; round++) {
        double rate[3];
        if ((rc = bench_round(m, q, f, d, secs / BENCH_ROUNDS, &b, rate))) break;
        for (int e = 0; e < 3; e++) best[e] = fmax(best[e], rate[e]);
    }
    free(b.x);
    free(b.logits);
    free(b.il);
    free(b.cls);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) /* the peer benchmark's worker and its .npy export: cmd_bench.c */
        if (!strcmp(argv[i], "--serve") || !strcmp(argv[i], "--npy-out")) return cmd_bench_serve(argc, argv);
    if (wants_help(argc, argv)) {
        bench_usage(stdout);
        return Q2_EXIT_OK;
    }
    bench_opts o;
    int rc = bench_parse(argc, argv, &o);
    if (rc) return rc;
    q2_gemm_set_threads(1); /* also openblas_set_num_threads(1) */
    if (o.gemm >= 0 && (rc = q2_gemm_set_engine((q2_gemm_engine)o.gemm))) return q2_exit_code(rc);
    q2_dataset d;
    bool have_images;
    if ((rc = bench_images(&o, &d, &have_images))) return q2_exit_code(rc);
    q2_mlp m = {0}, qf = {0};
    q2_qmodel q = {0};
    q2_fast f = {0};
    double r[3]; /* float, ref, fast */
    if ((rc = bench_models(&o, &d, &m, &q, &qf)) || (rc = bench_time(&m, &q, &f, &d, o.secs, r)))
        goto out;
    if (o.verbose)
        fprintf(stderr, "bench: model %s, image %s, %s (%d), 1 thread; float gemm %s; fast kernel %s\n",
                o.model ? o.model : "random " PAPER_ARCH, o.q2path ? o.q2path : "packed here",
                have_images ? o.images : "random images", d.n, q2_gemm_engine_name(q2_gemm_get_engine()),
                q2_fast_kernel_name((q2_fast_kernel)f.kernel));
    printf("float_img_s=%.0f ref_img_s=%.0f fast_img_s=%.0f speedup_fast_vs_float=%.2f\n", r[0], r[1], r[2],
           r[2] / r[0]);
out:
    q2_fast_free(&f);
    q2_qmodel_free(&q);
    q2_mlp_free(&qf);
    q2_mlp_free(&m);
    q2_dataset_free(&d);
    return q2_exit_code(rc);
}
