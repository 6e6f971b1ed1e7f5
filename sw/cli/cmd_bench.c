/* cmd_bench.c — `q2mlp bench --serve ENGINE`: one q2mlp engine as a worker of the peer benchmark
 * (sw/bench/peers.py drives it and its PyTorch and ONNX Runtime peers round robin over the same
 * batches), and `q2mlp bench --npy-out DIR`: the float model's weights as .npy for those peers.
 *
 * The worker protocol (line based, stdin -> stdout), the same for every engine of the harness:
 *   start        -> "ready engine=<name> path=<its kernel path, e.g. gemm-blas,openblas-core-Haswell>"
 *   run B K T    -> run batches K, K+1, ... of B images each (batch k: images (k mod (N/B)) * B ..
 *                   + B - 1 of the image file) for at least T seconds (at least one batch)
 *                -> "ok n=<images> t=<wall seconds> cpu=<CPU seconds of the process>" and, from
 *                   the fast path, " macs=<multiply-accumulates issued: zero quads skipped>"
 *   clock        -> "ok ghz=<clock while running: a chain of dependent adds, 1 cycle each, per
 *                   CPU second (so a loaded machine slows it no more than it slows the engines)>"
 *   quit or EOF  -> exit 0 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "base/idx.h"
#include "base/util.h"
#include "float/gemm.h"
#include "float/mlp.h"
#include "qmodel/qmodel.h"

#define SERVE_MAX_BATCH 4096

typedef struct {
    const char *engine, *model, *q2path, *images, *npy_out;
    int kernel; /* q2_fast_kernel */
    int gemm;   /* q2_gemm_engine */
} serve_opts;

static void serve_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp bench --serve float|fast (--model F.mlp | --q2 F.q2) [--images F]\n"
        "                   [--gemm auto|blas|own] [--kernel auto|c|avx2|avx512vnni]\n"
        "       q2mlp bench --npy-out DIR --model F.mlp\n\n"
        "--serve: one engine as a worker of `make bench-peers` (sw/bench/peers.py), one thread; it\n"
        "reads 'run B K T', 'clock' and 'quit' lines on stdin (protocol: sw/cli/cmd_bench.c).\n"
        "float runs the .mlp (GEMM default auto: OpenBLAS when its kernel suits this CPU, else the\n"
        "own SGEMM with the weights packed once), fast\n"
        "the 2-bit .q2 on uint8 pixels. Float inputs are the pixels / 255, scaled once at start.\n"
        "--npy-out: DIR/w<l>.npy (n_out, n_in) and DIR/b<l>.npy float32, as `import --dir` reads.\n");
}

static int serve_parse(int argc, char **argv, serve_opts *o)
{
    const char *v;
    memset(o, 0, sizeof *o);
    o->kernel = Q2_FAST_AUTO;
    o->gemm = Q2_GEMM_AUTO;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            serve_usage(stdout);
            return -1; /* done: exit 0 */
        }
        if (q2_opt_val(argc, argv, &i, "--serve", &v)) o->engine = v;
        else if (q2_opt_val(argc, argv, &i, "--npy-out", &v)) o->npy_out = v;
        else if (q2_opt_val(argc, argv, &i, "--model", &v)) o->model = v;
        else if (q2_opt_val(argc, argv, &i, "--q2", &v)) o->q2path = v;
        else if (q2_opt_val(argc, argv, &i, "--images", &v)) o->images = v;
        else if (q2_opt_val(argc, argv, &i, "--gemm", &v)) {
            if ((o->gemm = q2_gemm_engine_parse(v)) < 0) return Q2_EXIT_USAGE;
        } else if (q2_opt_val(argc, argv, &i, "--kernel", &v)) {
            for (o->kernel = 0; o->kernel < Q2_FAST_COUNT && strcmp(v, q2_fast_kernel_name(o->kernel));)
                o->kernel++;
            if (o->kernel == Q2_FAST_COUNT) {
                Q2_ERR("parse --kernel failed: '%s', need auto, c, avx2 or avx512vnni", v);
                return Q2_EXIT_USAGE;
            }
        } else {
            q2_opt_unknown("cmd_bench", a);
            serve_usage(stderr);
            return Q2_EXIT_USAGE;
        }
    }
    bool fl = o->engine && !strcmp(o->engine, "float"), fa = o->engine && !strcmp(o->engine, "fast");
    const char *bad = o->npy_out ? (o->engine || !o->model ? "--npy-out takes --model alone" : NULL)
                      : !fl && !fa      ? "--serve is float or fast"
                      : fl && !o->model ? "--serve float needs --model F.mlp"
                      : fa && !o->q2path ? "--serve fast needs --q2 F.q2"
                                         : NULL;
    if (bad) {
        fprintf(stderr, "q2mlp bench: %s\n", bad);
        serve_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    return Q2_EXIT_OK;
}

/* CPU seconds of this process (all threads). */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- the clock: a chain of dependent 1-cycle adds ------------------------------------------------- */
static double clock_ghz(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    enum { ITERS = 20 * 1000 * 1000, ADDS = 8 };
    unsigned long x = 0, one = 1;
    double t0 = cpu_now();
    for (long i = 0; i < ITERS; i++) /* register adds: some cores fold chains of add-immediate */
        __asm__ volatile("add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                         "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0"
                         : "+r"(x)
                         : "r"(one));
    double t = cpu_now() - t0;
    return x == (unsigned long)ITERS * ADDS ? (double)ITERS * ADDS / t / 1e9 : 0.0;
#else
    return 0.0;
#endif
}

/* ---- the engines ------------------------------------------------------------------------------------ */
typedef struct {
    bool is_float;
    q2_mlp m;
    q2_mlp_packed pk; /* the weights packed once, with the own GEMM engine */
    bool packed;
    q2_fast f;
    q2_qmodel q;
    q2_dataset d;
    float *x;       /* (d.n, n_in) pixels / 255, float engine */
    void *logits;   /* (SERVE_MAX_BATCH, n_cls) float or int32 */
    int n_in;
} engine;

static int engine_batch(engine *e, int start, int b)
{
    const float *x = e->x + (size_t)start * (size_t)e->n_in;
    if (e->is_float)
        return e->packed ? q2_mlp_forward_packed(&e->m, &e->pk, x, b, e->logits)
                         : q2_mlp_forward(&e->m, x, b, e->logits, NULL);
    return q2_fast_forward(&e->f, e->d.images + (size_t)start * (size_t)e->n_in, b, e->logits, NULL);
}

static int serve_loop(engine *e)
{
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        int b;
        long k;
        double secs;
        if (!strncmp(line, "quit", 4)) break;
        if (!strncmp(line, "clock", 5)) {
            printf("ok ghz=%.3f\n", clock_ghz());
        } else if (sscanf(line, "run %d %ld %lf", &b, &k, &secs) == 3 && b >= 1 && b <= SERVE_MAX_BATCH &&
                   b <= e->d.n && k >= 0 && secs >= 0) {
            long n = 0, n_bat = e->d.n / b;
            e->f.macs_done = 0;
            double t0 = q2_now(), c0 = cpu_now(), t;
            do {
                int rc = engine_batch(e, (int)(k++ % n_bat) * b, b);
                if (rc) return rc;
                n += b;
            } while ((t = q2_now() - t0) < secs);
            printf("ok n=%ld t=%.6f cpu=%.6f", n, t, cpu_now() - c0);
            if (!e->is_float) printf(" macs=%" PRIu64, e->f.macs_done);
            printf("\n");
        } else {
            Q2_ERR("serve failed: bad command '%.*s'", (int)strcspn(line, "\n"), line);
            return Q2_EARG;
        }
        fflush(stdout);
    }
    return Q2_OK;
}

static int engine_init(engine *e, const serve_opts *o, char *path, size_t path_len)
{
    char p_img[4096], p_lbl[4096];
    snprintf(p_img, sizeof p_img, "%s/t10k-images-idx3-ubyte", q2_mnist_dir());
    const char *images = o->images ? o->images : p_img;
    snprintf(p_lbl, sizeof p_lbl, "%s", images);
    char *dot = strstr(p_lbl, "images-idx3");
    if (dot) memcpy(dot, "labels-idx1", 11);
    int rc = q2_dataset_load(&e->d, images, p_lbl);
    if (rc) return rc;
    e->n_in = e->d.rows * e->d.cols;
    e->is_float = !strcmp(o->engine, "float");
    if (e->is_float) {
        if ((rc = q2_mlp_load(&e->m, o->model)) || (rc = q2_gemm_set_engine((q2_gemm_engine)o->gemm)))
            return rc;
        const char *core = q2_gemm_blas_core();
        if (q2_gemm_get_engine() == Q2_GEMM_BLAS)
            snprintf(path, path_len, "path=gemm-blas,openblas-core-%s", core ? core : "?");
        else if (!(rc = q2_mlp_pack(&e->m, &e->pk)))
            snprintf(path, path_len, "path=gemm-own,%s,prepacked", q2_gemm_kernel_name());
        if (rc) return rc;
        e->packed = q2_gemm_get_engine() == Q2_GEMM_OWN;
        e->x = malloc((size_t)e->d.n * (size_t)e->n_in * sizeof *e->x);
        if (!e->x) return Q2_ENOMEM;
        q2_mlp_scale_pixels(e->d.images, (size_t)e->d.n * (size_t)e->n_in, e->x);
    } else {
        if ((rc = q2_qmodel_load(&e->q, o->q2path)) ||
            (rc = q2_fast_init(&e->f, &e->q, (q2_fast_kernel)o->kernel)))
            return rc;
        snprintf(path, path_len, "path=kernel-%s", q2_fast_kernel_name((q2_fast_kernel)e->f.kernel));
    }
    int n_in = e->is_float ? e->m.dims[0] : q2_qmodel_n_inputs(&e->q);
    if (n_in != e->n_in) {
        Q2_ERR("bench failed: the model takes %d inputs, the images have %d pixels", n_in, e->n_in);
        return Q2_EARG;
    }
    e->logits = malloc((size_t)SERVE_MAX_BATCH * Q2_MAX_CLASSES * sizeof(float));
    return e->logits ? Q2_OK : Q2_ENOMEM;
}

static int npy_out(const serve_opts *o)
{
    q2_mlp m;
    int rc = q2_mlp_load(&m, o->model);
    if (rc) return rc;
    rc = q2_mlp_export_npy_dir(&m, o->npy_out);
    q2_mlp_free(&m);
    return rc;
}

int cmd_bench_serve(int argc, char **argv)
{
    serve_opts o;
    int rc = serve_parse(argc, argv, &o);
    if (rc) return rc < 0 ? Q2_EXIT_OK : rc;
    if (o.npy_out) return q2_exit_code(npy_out(&o));
    q2_gemm_set_threads(1);
    engine e;
    memset(&e, 0, sizeof e);
    char path[128];
    if (!(rc = engine_init(&e, &o, path, sizeof path))) {
        printf("ready engine=q2mlp-%s %s\n", o.engine, path);
        fflush(stdout);
        rc = serve_loop(&e);
    }
    free(e.x);
    free(e.logits);
    q2_mlp_packed_free(&e.pk);
    q2_fast_free(&e.f);
    q2_qmodel_free(&e.q);
    q2_mlp_free(&e.m);
    q2_dataset_free(&e.d);
    return q2_exit_code(rc);
}
