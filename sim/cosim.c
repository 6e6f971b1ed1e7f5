/* cosim.c — q2mlp-cosim: the Verilator model of rtl/core/accel_core.v against the bit-exact C model.
 *
 *   q2mlp-cosim --model X.q2 --images F --labels F [--limit N] [--trace FILE.fst] [--seed N]
 *               [+verilator+seed+N +verilator+rand+reset+2 ...]
 *   --inject-mismatch N   self-test of this program: expect a wrong value for the first write-back
 *                         of image N (so the mismatch report and exit code 3 can be tested)
 *
 * Loads the model image through the core's command port exactly as the host does (random idle
 * cycles between bytes, from --seed), then for every image: sends the pixels, START, and compares
 * every write-back of the dbg_wb trace (each hidden activation and each logit) with
 * q2_qmodel_forward_ref, then CLASS and the LOGIT registers. Stops at the first mismatch (image,
 * layer, neuron, expected, got, cycle), closing the trace first.
 *
 * Prints:  images=<n> mismatches=<n> accuracy=<percent> cycles_per_inference=<n> ideal_cycles=<n>
 *          utilization=<x> sim_cycles_per_s=<n>
 *          <n> passed, <n> failed                                 (images matched / mismatched)
 * Exit: 0 ok, 1 usage or bad input file, 3 mismatch (or the core hangs / flags an error),
 *       4 internal. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_check.h"
#include "core_drv.h"
#include "base/idx.h"
#include "qmodel/qmodel.h"
#include "testb.h"
#include "base/util.h"

/* ---- options ----------------------------------------------------------------------------------- */
typedef struct {
    const char *model, *images, *labels, *trace;
    long limit, inject;
    uint64_t seed;
} cosim_opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: q2mlp-cosim --model X.q2 --images F --labels F [--limit N] [--trace FILE.fst]\n"
               "                   [--seed N] [+verilator+seed+N] [+verilator+rand+reset+2]\n");
}

static int parse_opts(cosim_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->limit = -1;
    o->inject = -1;
    o->seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '+') continue;  /* for Verilator */
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(Q2_EXIT_OK);
        }
        if (i + 1 >= argc) {
            Q2_ERR("option %s failed: needs a value", a);
            return Q2_EARG;
        }
        const char *v = argv[++i];
        char *end = NULL;
        if (!strcmp(a, "--model")) o->model = v;
        else if (!strcmp(a, "--images")) o->images = v;
        else if (!strcmp(a, "--labels")) o->labels = v;
        else if (!strcmp(a, "--trace")) o->trace = v;
        else if (!strcmp(a, "--limit")) {
            o->limit = strtol(v, &end, 10);
            if (!*v || *end || o->limit < 0) {
                Q2_ERR("option --limit failed: '%s' is not a count", v);
                return Q2_EARG;
            }
        } else if (!strcmp(a, "--inject-mismatch")) {
            o->inject = strtol(v, &end, 10);
            if (!*v || *end || o->inject < 0) {
                Q2_ERR("option --inject-mismatch failed: '%s' is not an image index", v);
                return Q2_EARG;
            }
        } else if (!strcmp(a, "--seed")) {
            o->seed = strtoull(v, &end, 10);
            if (!*v || *end) {
                Q2_ERR("option --seed failed: '%s' is not a number", v);
                return Q2_EARG;
            }
        } else {
            Q2_ERR("option %s failed: unknown", a);
            return Q2_EARG;
        }
    }
    if (!o->model || !o->images || !o->labels) {
        Q2_ERR("options failed: --model, --images and --labels are required");
        return Q2_EARG;
    }
    return Q2_OK;
}

/* ---- the simulated core: drivers, reset, the model through the port ----------------------------- */
/* The steps of main report under its name: "main: load failed: ...". */
#define MAIN_ERR(...) q2_err("main", __VA_ARGS__)

/* Drives the inputs, resets the core, hooks the write-back check and compares the lane count.
 * Returns an exit code (Q2_EXIT_OK: the core is ready for the model). */
static int core_bringup(core_drv *d, testb *tb, core_check *chk, const q2_qmodel *q, const cosim_opts *o)
{
    if (core_drv_init(d, tb, 0, o->seed)) return Q2_EXIT_INTERNAL; /* drives the inputs before the reset */
    vp_wr(&d->rd_addr, 0);
    if (tb_reset(tb, 4)) return Q2_EXIT_MISMATCH;
    d->on_wb = core_check_wb;
    d->wb_ctx = chk;
    uint32_t lanes = core_read(d, Q2_REG_LANES);
    if (lanes != (uint32_t)q->lanes) {
        MAIN_ERR("load failed: %s has lanes %d, the simulated core has %" PRIu32, o->model, q->lanes, lanes);
        return Q2_EXIT_USAGE;
    }
    return Q2_EXIT_OK;
}

/* Loads the model image and reads back CRC, MODEL_BYTES and STATUS. Returns an exit code. */
static int core_load_checked(core_drv *d, const q2_qmodel *q, const char *model)
{
    int rc = core_load_model(d, q->image, q->image_len);
    if (rc) {
        MAIN_ERR("load failed: %s: err %d (WMEM_BYTES %" PRIu32 ", PMEM_NEURONS %" PRIu32 ", ABUF_BYTES %" PRIu32 ")",
                 model, rc, core_read(d, Q2_REG_WMEM_BYTES), core_read(d, Q2_REG_PMEM_NEURONS),
                 core_read(d, Q2_REG_ABUF_BYTES));
        return Q2_EXIT_MISMATCH;
    }
    uint32_t crc = core_read(d, Q2_REG_CRC), nbytes = core_read(d, Q2_REG_MODEL_BYTES);
    uint32_t status = core_read(d, Q2_REG_STATUS);
    if (crc != q->crc || nbytes != q->image_len || !(status & Q2_STATUS_MODEL_VALID)) {
        MAIN_ERR("load failed: CRC 0x%08" PRIX32 " (need 0x%08" PRIX32 "), MODEL_BYTES %" PRIu32 " (need %zu), STATUS 0x%03" PRIX32,
                 crc, q->crc, nbytes, q->image_len, status);
        return Q2_EXIT_MISMATCH;
    }
    return Q2_EXIT_OK;
}
#undef MAIN_ERR

/* ---- every image ----------------------------------------------------------------------------------- */
typedef struct {
    double t0;           // q2_now() before the model load
    uint64_t ideal;      // core_ideal_cycles of the model
    uint64_t cycles_sum; // over the passed images
    int correct, passed;
    bool failed;         // stopped at a mismatch
} cosim_tally;

/* Image i (pixels x): the expected values (one made wrong for --inject-mismatch), the pixels, START,
 * every write-back, CLASS and the LOGITs. Returns true if all matched; *cyc: the cycles it took.
 * On a mismatch closes the trace, then says what differed. */
static bool cosim_image(core_drv *d, testb *tb, core_check *chk, const q2_qmodel *q, const uint8_t *x,
                        int i, long inject, uint64_t max_cycles, uint64_t *cyc)
{
    core_check_image(chk, i, x);
    if (i == inject) {
        if (q->n_layers > 1) chk->hidden[0][0] ^= 1;
        else chk->logits[0] += 1;
    }
    *cyc = 0;
    int rc = core_send_image(d, x, q->layers[0].n_in);
    if (!rc) rc = core_run(d, max_cycles, cyc);
    if (chk->bad || rc || !core_check_done(chk, d, *cyc)) {
        tb_trace_close(tb);
        if (chk->bad) fprintf(stderr, "mismatch: %s\n", chk->what);
        else fprintf(stderr, "mismatch: image=%d: the core did not finish (cycle %" PRIu64 ")\n", i, tb->cycle);
        return false;
    }
    return true;
}

/* The first n images, stopping at the first mismatch (t->failed), with a progress line. */
static void cosim_images(core_drv *d, testb *tb, core_check *chk, const q2_qmodel *q,
                         const q2_dataset *ds, int n, long inject, cosim_tally *t)
{
    const int n_in = q->layers[0].n_in;
    t->ideal = core_ideal_cycles(q);
    const uint64_t max_cycles = 8 * t->ideal + 100000;
    double last_progress = t->t0;
    for (int i = 0; i < n; i++) {
        uint64_t cyc = 0;
        if (!cosim_image(d, tb, chk, q, ds->images + (size_t)i * (size_t)n_in, i, inject, max_cycles, &cyc)) {
            t->failed = true;
            break;
        }
        t->passed++;
        t->correct += chk->cls == ds->labels[i];
        t->cycles_sum += cyc;
        /* in place on a TTY; a plain line every 5 s otherwise (make run's log) */
        if (i == n - 1 || (q2_progress_is_tty() ? i % 100 == 99 : q2_now() - last_progress >= 5.0)) {
            q2_progress("cosim: %d/%d images, 0 mismatches (%.0f s)", i + 1, n, q2_now() - t->t0);
            last_progress = q2_now();
        }
    }
    if (q2_progress_is_tty()) q2_progress_done();
}

/* ---- the report ------------------------------------------------------------------------------------ */
static void cosim_report(const cosim_tally *t, double dt, uint64_t sim_cycles)
{
    double cpi = t->passed ? (double)t->cycles_sum / t->passed : 0.0;
    printf("images=%d mismatches=%d accuracy=%.2f cycles_per_inference=%.0f ideal_cycles=%" PRIu64
           " utilization=%.4f sim_cycles_per_s=%.0f\n",
           t->passed + (t->failed ? 1 : 0), t->failed ? 1 : 0, t->passed ? 100.0 * t->correct / t->passed : 0.0,
           cpi, t->ideal, cpi > 0 ? (double)t->ideal / cpi : 0.0, dt > 0 ? (double)sim_cycles / dt : 0.0);
    printf("%d passed, %d failed\n", t->passed, t->failed ? 1 : 0);
}

/* ---- main ------------------------------------------------------------------------------------------ */
int main(int argc, char **argv)
{
    cosim_opts o;
    if (parse_opts(&o, argc, argv)) {
        usage(stderr);
        return Q2_EXIT_USAGE;
    }
    int exit_code = Q2_EXIT_INTERNAL;
    q2_qmodel q;
    q2_dataset ds;
    testb tb;
    core_drv d;
    core_check chk;
    int rc = q2_qmodel_load(&q, o.model);
    if (rc) return q2_exit_code(rc);
    rc = q2_dataset_load(&ds, o.images, o.labels);
    if (rc) {
        exit_code = q2_exit_code(rc);
        goto out_model;
    }
    const int n_in = q.layers[0].n_in;
    if (ds.rows * ds.cols != n_in) {
        Q2_ERR("input failed: %s has %dx%d images, the model takes %d inputs", o.images, ds.rows, ds.cols,
               n_in);
        exit_code = Q2_EXIT_USAGE;
        goto out_data;
    }
    const int n = o.limit >= 0 && o.limit < ds.n ? (int)o.limit : ds.n;
    if (core_check_init(&chk, &q)) goto out_data;

    rc = tb_init(&tb, argc, argv);
    if (rc) goto out_chk;
    if (o.trace && tb_trace_open(&tb, o.trace)) {
        exit_code = Q2_EXIT_USAGE;
        goto out_tb;
    }
    if ((exit_code = core_bringup(&d, &tb, &chk, &q, &o))) goto out_tb;
    cosim_tally t = {.t0 = q2_now()};
    if ((exit_code = core_load_checked(&d, &q, o.model))) goto out_tb;
    cosim_images(&d, &tb, &chk, &q, &ds, n, o.inject, &t);
    cosim_report(&t, q2_now() - t.t0, tb.cycle);
    exit_code = t.failed ? Q2_EXIT_MISMATCH : Q2_EXIT_OK;
out_tb:
    tb_free(&tb);
out_chk:
    core_check_free(&chk);
out_data:
    q2_dataset_free(&ds);
out_model:
    q2_qmodel_free(&q);
    return q2_close_stdout("q2mlp-cosim", exit_code);
}
