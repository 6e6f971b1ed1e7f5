/* cmd_fits.c — `q2mlp fits`: does a topology fit a core with given memories (q2_qmodel_fits, the
 * loader's checks). The up5k preset search (rtl/scripts/up5k_preset.sh) asks it for every
 * candidate, with the capacities of rtl/boards/capacities.tbl that rtl/boards.mk passes. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "float/mlp.h"
#include "qmodel/qmodel.h"
#include "base/util.h"

static void fits_usage(FILE *f)
{
    fputs("usage: q2mlp fits --arch A --lanes L --wmem-bytes N --pmem-neurons N --abuf-bytes N\n\n"
          "Does the topology A (e.g. 784-416-416-10), packed for L lanes, fit a core with these\n"
          "memories (the board top's parameters, rtl/boards/capacities.tbl)? Prints one line:\n"
          "  arch=A lanes=L weight_bytes=.. weight_words=.. neurons=.. width=.. classes=.. fits=0|1\n"
          "and, when it does not fit, the first limit it exceeds on stderr.\n"
          "Exit: 0 (fits=1 or fits=0 was printed), 1 usage.\n", f);
}

typedef struct {
    const char *arch;
    long v[4];   /* lanes, wmem_bytes, pmem_neurons, abuf_bytes; -1: not given */
} fits_opts;

static const char *const fits_names[4] = { "--lanes", "--wmem-bytes", "--pmem-neurons", "--abuf-bytes" };

/* 0, Q2_EXIT_OK + 1 for --help (printed), or Q2_EARG (message printed). */
static int fits_parse(int argc, char **argv, fits_opts *o)
{
    *o = (fits_opts){ .v = { -1, -1, -1, -1 } };
    const char *v;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
        if (q2_opt_val(argc, argv, &i, "--arch", &v)) { o->arch = v; continue; }
        int k = 0;
        while (k < 4 && !q2_opt_val(argc, argv, &i, fits_names[k], &v)) k++;
        if (k == 4) {
            return q2_opt_unknown("cmd_fits", argv[i]);
        }
        if (q2_parse_long(fits_names[k], v, 1, 1L << 30, &o->v[k])) return Q2_EARG;
    }
    if (!o->arch) {
        Q2_ERR("fits failed: need --arch A");
        return Q2_EARG;
    }
    for (int k = 0; k < 4; k++)
        if (o->v[k] < 0) {
            Q2_ERR("fits failed: need %s N", fits_names[k]);
            return Q2_EARG;
        }
    long L = o->v[0];
    if (L < Q2_LANES_MIN || L > Q2_LANES_MAX || (L & (L - 1))) {
        Q2_ERR("fits failed: --lanes %ld, need a power of two in %d..%d", L, Q2_LANES_MIN, Q2_LANES_MAX);
        return Q2_EARG;
    }
    return 0;
}

int cmd_fits(int argc, char **argv)
{
    fits_opts o;
    int rc = fits_parse(argc, argv, &o), n_layers, dims[Q2_MAX_LAYERS + 1];
    if (rc == 1) {
        fits_usage(stdout);
        return Q2_EXIT_OK;
    }
    if (!rc) rc = q2_mlp_parse_arch(o.arch, &n_layers, dims);
    if (rc) {
        fits_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    q2_caps caps = { (unsigned)o.v[0], (unsigned)o.v[1], (unsigned)o.v[2], (unsigned)o.v[3] };
    q2_need n;
    q2_qmodel_need(n_layers, dims, (int)caps.lanes, &n);
    bool fits = q2_qmodel_fits(n_layers, dims, (int)caps.lanes, &caps, o.arch) == 0;
    printf("arch=%s lanes=%u weight_bytes=%llu weight_words=%llu neurons=%llu width=%u classes=%u fits=%d\n",
           o.arch, caps.lanes, (unsigned long long)n.weight_bytes,
           (unsigned long long)(n.weight_bytes / (caps.lanes / 4)),
           (unsigned long long)n.neurons, n.width, n.classes, fits);
    return Q2_EXIT_OK;
}
