/* cmd_train.c — `q2mlp train` (float MLP on IDX data -> .mlp) and `q2mlp eval` (.mlp accuracy;
 * .q2 images are handed to cmd_eval_q2). Output contract: one key=value summary line on stdout;
 * progress and errors on stderr; exit codes of util.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "float/gemm.h"
#include "base/idx.h"
#include "float/mlp.h"
#include "float/train.h"
#include "qmodel/qmodel.h"
#include "base/util.h"

#define DEFAULT_ARCH "784-512-512-10" /* the paper preset */

/* ---- option parsing ----------------------------------------------------------------------------- */


/* ---- train -------------------------------------------------------------------------------------- */
static void train_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp train [options] -o MODEL.mlp\n"
        "Train a float MLP (ReLU hidden layers, softmax output) on MNIST IDX files.\n"
        "The last --val training images are the validation set; the epoch with the best validation\n"
        "accuracy is kept. The test set is evaluated for the report only (never for selection).\n\n"
        "  --arch A            topology, e.g. %s (default)\n"
        "  --epochs N          epochs (default 20)\n"
        "  --batch N           mini-batch size (default 128)\n"
        "  --opt adam|sgd      optimizer (default adam)\n"
        "  --lr X              peak learning rate (default 1e-3 adam, 0.05 sgd)\n"
        "  --schedule S        cosine (default: decays to 0 over the run) or const\n"
        "  --momentum X        SGD momentum / Adam beta1 (default 0.9)\n"
        "  --dropout P         drop probability on hidden units (default 0.2)\n"
        "  --standardize S     none (default) | global | pixel: train on (x - mu) / sd (training-set\n"
        "                      statistics), folded into layer 0 at the end: the .mlp takes pixel/255\n"
        "  --recipe keras      plain SGD lr 0.01, no momentum, const rate, batch 32, no dropout (the\n"
        "                      paper's likely Keras defaults); options after it override it\n"
        "  --seed N            init, shuffle and dropout seed (default 1)\n"
        "  --train-images F    default $MNIST_DIR/train-images-idx3-ubyte (MNIST_DIR: data/mnist)\n"
        "  --train-labels F    default $MNIST_DIR/train-labels-idx1-ubyte\n"
        "  --test-images F     report-only test set (default $MNIST_DIR/t10k-images-idx3-ubyte,\n"
        "  --test-labels F       skipped if the default files are missing)\n"
        "  --limit N           train on the first N images only (default: all but the validation)\n"
        "  --val N             validation images taken from the end (default %d)\n"
        "  --threads N         GEMM threads (default: OpenBLAS default, i.e. the CPUs)\n"
        "  --gemm own|blas|auto  GEMM engine (default %s; auto: blas if its kernel suits the CPU;\n"
        "                      docs/performance.md)\n"
        "  --quiet             no progress on stderr\n"
        "  -o, --output F      the .mlp model to write (atomically, only on success)\n\n"
        "stdout: one line  arch=.. epochs=.. best_epoch=.. val_acc=.. test_acc=.. train_s=.. ...\n",
        DEFAULT_ARCH, Q2_VAL_DEFAULT, q2_gemm_engine_name(Q2_GEMM_DEFAULT));
}

typedef struct {
    q2_train_opts t;
    const char *arch, *out;
    const char *tr_img, *tr_lbl, *te_img, *te_lbl; /* te_*: NULL, no test set */
    long limit, n_val;                             /* limit 0: all but the validation images */
    char p_tri[4096], p_trl[4096], p_tei[4096], p_tel[4096]; /* the default files */
} train_cli;

/* One training hyperparameter option at argv[*i]: true if it was one (*rc: its parse result). */
static bool train_parse_hyper(int argc, char **argv, int *i, q2_train_opts *o, bool *lr_set, int *rc)
{
    const char *a = argv[*i], *v;
    long x;
    if (q2_opt_val(argc, argv, i, "--epochs", &v)) {
        if (!(*rc = q2_parse_long(a, v, 1, Q2_TRAIN_MAX_EPOCHS, &x))) o->epochs = (int)x;
    } else if (q2_opt_val(argc, argv, i, "--batch", &v)) {
        if (!(*rc = q2_parse_long(a, v, 1, 65536, &x))) o->batch = (int)x;
    } else if (q2_opt_val(argc, argv, i, "--opt", &v)) {
        if ((x = q2_train_optimizer_parse(v)) < 0) *rc = (int)x; else o->opt = (q2_train_optimizer)x;
    } else if (q2_opt_val(argc, argv, i, "--schedule", &v)) {
        if ((x = q2_train_schedule_parse(v)) < 0) *rc = (int)x; else o->schedule = (q2_train_schedule)x;
    } else if (q2_opt_val(argc, argv, i, "--lr", &v)) {
        *rc = q2_parse_float(a, v, 1e-9, 10.0, &o->lr);
        *lr_set = true;
    } else if (q2_opt_val(argc, argv, i, "--momentum", &v)) {
        *rc = q2_parse_float(a, v, 0.0, 0.9999, &o->momentum);
    } else if (q2_opt_val(argc, argv, i, "--dropout", &v)) {
        *rc = q2_parse_float(a, v, 0.0, 0.95, &o->dropout);
    } else if (q2_opt_val(argc, argv, i, "--standardize", &v)) {
        if ((x = q2_train_std_parse(v)) < 0) *rc = (int)x; else o->standardize = (q2_train_std)x;
    } else if (q2_opt_val(argc, argv, i, "--recipe", &v)) {
        if (strcmp(v, "keras")) {
            Q2_ERR("parse --recipe failed: '%s', need keras", v);
            *rc = Q2_EARG;
        } else {
            q2_train_recipe_keras(o);
            *lr_set = true;
        }
    } else if (q2_opt_val(argc, argv, i, "--seed", &v)) {
        char *end;
        o->seed = strtoull(v, &end, 0);
        if (end == v || *end) {
            Q2_ERR("parse --seed failed: '%s', need an unsigned integer", v);
            *rc = Q2_EARG;
        }
    } else {
        return false;
    }
    return true;
}

/* Fill c from argv: Q2_EXIT_OK, or the exit code (after a message); -1 after --help. */
static int train_parse(int argc, char **argv, train_cli *c)
{
    const char *v;
    long x;
    bool lr_set = false;
    int rc = Q2_OK;
    memset(c, 0, sizeof *c);
    q2_train_opts_default(&c->t);
    c->arch = DEFAULT_ARCH;
    c->n_val = Q2_VAL_DEFAULT;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            train_usage(stdout);
            return -1;
        } else if (!strcmp(a, "--quiet")) {
            c->t.progress = false;
        } else if (train_parse_hyper(argc, argv, &i, &c->t, &lr_set, &rc)) {
            continue;
        } else if (q2_opt_val(argc, argv, &i, "--arch", &v)) c->arch = v;
        else if (q2_opt_val(argc, argv, &i, "--train-images", &v)) c->tr_img = v;
        else if (q2_opt_val(argc, argv, &i, "--train-labels", &v)) c->tr_lbl = v;
        else if (q2_opt_val(argc, argv, &i, "--test-images", &v)) c->te_img = v;
        else if (q2_opt_val(argc, argv, &i, "--test-labels", &v)) c->te_lbl = v;
        else if (q2_opt_val(argc, argv, &i, "--limit", &v)) rc = q2_parse_long(a, v, 1, 1L << 30, &c->limit);
        else if (q2_opt_val(argc, argv, &i, "--val", &v)) rc = q2_parse_long(a, v, 1, 1L << 30, &c->n_val);
        else if (q2_opt_val(argc, argv, &i, "--threads", &v)) {
            if (!(rc = q2_parse_long(a, v, 1, Q2_GEMM_MAX_THREADS, &x))) q2_gemm_set_threads((int)x);
        } else if (q2_opt_val(argc, argv, &i, "--gemm", &v)) {
            if ((x = q2_gemm_engine_parse(v)) < 0) rc = (int)x; else rc = q2_gemm_set_engine((q2_gemm_engine)x);
        } else if (q2_opt_val(argc, argv, &i, "-o", &v) || q2_opt_val(argc, argv, &i, "--output", &v)) {
            c->out = v;
        } else {
            Q2_OPT_UNKNOWN(a);
            train_usage(stderr);
            return Q2_EXIT_USAGE;
        }
    }
    if (rc) return q2_exit_code(rc);
    if (!c->out) {
        fprintf(stderr, "q2mlp train: -o MODEL.mlp is required\n");
        train_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    if (!lr_set && c->t.opt == Q2_TRAIN_OPT_SGD) c->t.lr = 0.05f;
    if (!!c->te_img != !!c->te_lbl) {
        fprintf(stderr, "q2mlp train: --test-images and --test-labels go together\n");
        return Q2_EXIT_USAGE;
    }
    return Q2_EXIT_OK;
}

/* The data files not given: $MNIST_DIR's; its test set only if both files exist. */
static void train_default_files(train_cli *c)
{
    const char *dir = q2_mnist_dir();
    snprintf(c->p_tri, sizeof c->p_tri, "%s/train-images-idx3-ubyte", dir);
    snprintf(c->p_trl, sizeof c->p_trl, "%s/train-labels-idx1-ubyte", dir);
    snprintf(c->p_tei, sizeof c->p_tei, "%s/t10k-images-idx3-ubyte", dir);
    snprintf(c->p_tel, sizeof c->p_tel, "%s/t10k-labels-idx1-ubyte", dir);
    if (!c->tr_img) c->tr_img = c->p_tri;
    if (!c->tr_lbl) c->tr_lbl = c->p_trl;
    if (!c->te_img && q2_file_exists(c->p_tei) && q2_file_exists(c->p_tel)) {
        c->te_img = c->p_tei;
        c->te_lbl = c->p_tel;
    }
}

/* The summary line on stdout (without a test set: test_acc=none). */
static void train_summary(const train_cli *c, const q2_mlp *m, const q2_train_result *res, int n_train,
                          int n_val, bool has_test, double test_acc)
{
    const q2_train_opts *o = &c->t;
    char arch_s[128];
    q2_mlp_arch_string(m, arch_s, sizeof arch_s);
    printf("arch=%s epochs=%d best_epoch=%d val_acc=%.2f", arch_s, res->epochs_run, res->best_epoch,
           100.0 * res->best_val_acc);
    if (has_test) printf(" test_acc=%.2f", 100.0 * test_acc);
    else printf(" test_acc=none");
    printf(" train_s=%.1f train_img_s=%.0f train_img_cpu_s=%.0f opt=%s lr=%g batch=%d dropout=%g standardize=%s seed=%llu gemm=%s threads=%d"
           " n_train=%d n_val=%d selected_on=val model=%s\n", res->train_s, res->images / res->step_s,
           res->images / res->step_cpu_s,
           q2_train_optimizer_name(o->opt), o->lr, o->batch, o->dropout, q2_train_std_name(o->standardize),
           (unsigned long long)o->seed,
           q2_gemm_engine_name(q2_gemm_get_engine()), q2_gemm_get_threads(), n_train, n_val, c->out);
    if (has_test && o->progress)
        fprintf(stderr, "train: test_acc is report-only: the model was selected on the validation set\n");
}

/* Initialise m, train it on tr (selecting on val), save it, and print the summary. */
static int train_fit(const train_cli *c, q2_mlp *m, const q2_dataset *tr, const q2_dataset *val,
                     const q2_dataset *test, q2_train_result *res)
{
    const q2_train_opts *o = &c->t;
    q2_train_he_init(m, o->seed);
    if (o->progress)
        fprintf(stderr, "train: %s, %zu parameters, %d train / %d val images, %s lr %g, batch %d, "
                "dropout %g, gemm %s (%s) x%d threads\n", c->arch, q2_mlp_n_params(m), tr->n, val->n,
                q2_train_optimizer_name(o->opt), o->lr, o->batch, o->dropout,
                q2_gemm_engine_name(q2_gemm_get_engine()), q2_gemm_kernel_name(), q2_gemm_get_threads());
    int rc;
    if ((rc = q2_train_mlp(m, tr, val, o, res))) return rc;
    if ((rc = q2_mlp_save(m, c->out))) return rc;
    double test_acc = -1.0;
    if (test->n && (test_acc = q2_mlp_accuracy(m, test)) < 0) return (int)test_acc;
    train_summary(c, m, res, tr->n, val->n, test->n > 0, test_acc);
    return Q2_OK;
}

int cmd_train(int argc, char **argv)
{
    train_cli *c = malloc(sizeof *c);
    if (!c) return Q2_EXIT_INTERNAL;
    int rc = train_parse(argc, argv, c), n_layers, dims[Q2_MAX_LAYERS + 1];
    if (rc) {
        free(c);
        return rc < 0 ? Q2_EXIT_OK : rc;
    }
    train_default_files(c);
    q2_dataset all = {0}, test = {0};
    q2_mlp m = {0};
    q2_train_result *res = calloc(1, sizeof *res);
    if (!res) rc = Q2_ENOMEM;
    if (!rc) rc = q2_mlp_parse_arch(c->arch, &n_layers, dims);
    if (!rc) rc = q2_dataset_load(&all, c->tr_img, c->tr_lbl);
    if (!rc && c->te_img) rc = q2_dataset_load(&test, c->te_img, c->te_lbl);
    if (!rc && all.n <= c->n_val) {
        Q2_ERR("split %s failed: %d images, need more than the %ld validation images", c->tr_img, all.n,
               c->n_val);
        rc = Q2_EARG;
    }
    if (rc) goto out;
    int n_train = all.n - (int)c->n_val;
    if (c->limit && c->limit < n_train) n_train = (int)c->limit;
    q2_dataset tr = q2_dataset_slice(&all, 0, n_train);
    q2_dataset val = q2_dataset_slice(&all, all.n - (int)c->n_val, (int)c->n_val);
    if (!(rc = q2_mlp_init(&m, n_layers, dims))) rc = train_fit(c, &m, &tr, &val, &test, res);
out:
    q2_mlp_free(&m);
    q2_dataset_free(&test);
    q2_dataset_free(&all);
    free(res);
    free(c);
    return q2_exit_code(rc);
}

/* ---- eval --------------------------------------------------------------------------------------- */
static void eval_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp eval --model M [--images F --labels F] [--threads N] [--gemm own|blas|auto] [--repeat N]\n"
        "Top-1 accuracy of a model on an IDX data set (default: the MNIST test set in $MNIST_DIR).\n"
        "M is a float .mlp model, or a packed .q2 image, which is evaluated bit-exactly by the\n"
        "integer model (see its own options there). Which one: the options (--engine, --kernel,\n"
        "--limit are the integer model's; --repeat, --threads, --gemm the float one's), else the\n"
        "extension .q2 / .mlp, else the first bytes of the file (\"Q2ML\": a .q2 image).\n\n"
        "--repeat N evaluates N times (for timing: img_s is over all N passes).\n\n"
        "stdout: accuracy=<percent> correct=.. n=.. arch=.. img_s=..\n");
}

/* The model path given with --model (or NULL). Does not validate anything else. */
static const char *find_model_arg(int argc, char **argv)
{
    const char *v = NULL;
    for (int i = 1; i < argc; i++)
        if (q2_opt_val(argc, argv, &i, "--model", &v)) return v;
    return NULL;
}

/* a is the option name, alone or as "name=value" */
static bool is_opt(const char *a, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(a, name, n) && (!a[n] || a[n] == '=');
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* Which evaluator takes the model: the integer one (.q2) or the float one (.mlp). The options
 * decide first (each evaluator has options the other lacks), then the extension; only a regular
 * file of neither extension is sniffed for the magic "Q2ML" (a pipe cannot be read twice). The
 * chosen loader then reports a bad magic of the file the user meant. */
static bool eval_is_q2(int argc, char **argv, const char *model)
{
    static const char *const q2_only[] = {"--engine", "--kernel", "--limit"};
    static const char *const mlp_only[] = {"--repeat", "--threads", "--gemm"};
    for (int i = 1; i < argc; i++)
        for (int k = 0; k < 3; k++) {
            if (is_opt(argv[i], q2_only[k])) return true;
            if (is_opt(argv[i], mlp_only[k])) return false;
        }
    return cli_model_is_q2(model);
}

bool cli_model_is_q2(const char *path)
{
    if (ends_with(path, ".q2")) return true;
    if (ends_with(path, ".mlp")) return false;
    return q2_file_has_magic(path, Q2_IMAGE_MAGIC);
}

int cmd_eval(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            eval_usage(stdout);
            return Q2_EXIT_OK;
        }
    const char *model = find_model_arg(argc, argv);
    if (!model) {
        fprintf(stderr, "q2mlp eval: --model is required\n");
        eval_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    /* A .q2 image goes to the integer model's eval, with all its options. */
    if (eval_is_q2(argc, argv, model)) return cmd_eval_q2(argc, argv);

    const char *images = NULL, *labels = NULL, *v;
    long x, repeat = 1;
    int rc = Q2_OK;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (q2_opt_val(argc, argv, &i, "--model", &v)) {
            continue;
        } else if (q2_opt_val(argc, argv, &i, "--images", &v)) {
            images = v;
        } else if (q2_opt_val(argc, argv, &i, "--repeat", &v)) {
            rc = q2_parse_long(a, v, 1, 100000, &repeat);
        } else if (q2_opt_val(argc, argv, &i, "--labels", &v)) {
            labels = v;
        } else if (q2_opt_val(argc, argv, &i, "--threads", &v)) {
            if (!(rc = q2_parse_long(a, v, 1, Q2_GEMM_MAX_THREADS, &x))) q2_gemm_set_threads((int)x);
        } else if (q2_opt_val(argc, argv, &i, "--gemm", &v)) {
            if ((x = q2_gemm_engine_parse(v)) < 0) rc = (int)x; else rc = q2_gemm_set_engine((q2_gemm_engine)x);
        } else {
            Q2_OPT_UNKNOWN(a);
            eval_usage(stderr);
            return Q2_EXIT_USAGE;
        }
    }
    if (rc) return q2_exit_code(rc);
    if (!!images != !!labels) {
        fprintf(stderr, "q2mlp eval: --images and --labels go together\n");
        return Q2_EXIT_USAGE;
    }
    char p_img[4096], p_lbl[4096];
    if (!images) {
        snprintf(p_img, sizeof p_img, "%s/t10k-images-idx3-ubyte", q2_mnist_dir());
        snprintf(p_lbl, sizeof p_lbl, "%s/t10k-labels-idx1-ubyte", q2_mnist_dir());
        images = p_img;
        labels = p_lbl;
    }

    q2_mlp m;
    q2_dataset d;
    if ((rc = q2_mlp_load(&m, model))) return q2_exit_code(rc);
    if ((rc = q2_dataset_load(&d, images, labels))) goto out_mlp;
    double t0 = q2_now(), c0 = q2_train_cpu_seconds(), acc = 0.0;
    for (long r = 0; r < repeat && acc >= 0; r++) acc = q2_mlp_accuracy(&m, &d);
    double dt = q2_now() - t0, dc = q2_train_cpu_seconds() - c0;
    if (acc < 0) {
        rc = (int)acc;
        goto out_data;
    }
    char arch_s[128];
    q2_mlp_arch_string(&m, arch_s, sizeof arch_s);
    long correct = (long)(acc * d.n + 0.5);
    printf("accuracy=%.2f correct=%ld n=%d arch=%s img_s=%.0f img_cpu_s=%.0f gemm=%s threads=%d model=%s\n",
           100.0 * acc, correct, d.n, arch_s, (double)d.n * repeat / dt, (double)d.n * repeat / dc,
           q2_gemm_engine_name(q2_gemm_get_engine()),
           q2_gemm_get_threads(), model);
out_data:
    q2_dataset_free(&d);
out_mlp:
    q2_mlp_free(&m);
    return q2_exit_code(rc);
}
