/* cmd_data.c — `q2mlp data`: check that a directory holds the four MNIST-style IDX files, with the
 * project's own IDX reader (sw/base/idx.c), without writing anything. `make data` runs it on a
 * user-supplied MNIST_DIR instead of fetching MNIST there. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "base/idx.h"
#include "base/util.h"

#define DATA_CLASSES 10 /* labels the float and integer models classify: 0..9 */

static void data_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp data [--dir DIR]\n\n"
        "Check the four IDX files of DIR (default $MNIST_DIR or data/mnist):\n"
        "  train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte\n"
        "Each: magic 0x00000803 (images) or 0x00000801 (labels), counts and image size agreeing with\n"
        "the file size; images and labels counts equal; labels 0..%d; train and test images the same\n"
        "size. Prints one line: dir=DIR train=N test=N rows=R cols=C. Reads only, never writes.\n"
        "Exit: 0 ok, 1 missing or malformed file (the message names it and what was expected).\n",
        DATA_CLASSES - 1);
}

/* Labels must index the DATA_CLASSES outputs. */
static int check_labels(const q2_dataset *d, const char *path)
{
    for (int i = 0; i < d->n; i++)
        if (d->labels[i] >= DATA_CLASSES) {
            Q2_ERR("check %s failed: label %d of item %d, need 0..%d", path, d->labels[i], i,
                   DATA_CLASSES - 1);
            return Q2_EFORMAT;
        }
    return Q2_OK;
}

static int check_dir(const char *dir)
{
    char p[4][4096];
    static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int i = 0; i < 4; i++) snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    q2_dataset tr, te;
    int rc = q2_dataset_load(&tr, p[0], p[1]);
    if (rc) return rc;
    if ((rc = check_labels(&tr, p[1]))) goto out_train;
    if ((rc = q2_dataset_load(&te, p[2], p[3]))) goto out_train;
    if ((rc = check_labels(&te, p[3]))) goto out_test;
    if (te.rows != tr.rows || te.cols != tr.cols) {
        Q2_ERR("check %s failed: images %dx%d, need %dx%d (the size in %s)", p[2], te.rows, te.cols,
               tr.rows, tr.cols, names[0]);
        rc = Q2_EFORMAT;
        goto out_test;
    }
    printf("dir=%s train=%d test=%d rows=%d cols=%d\n", dir, tr.n, te.n, tr.rows, tr.cols);
out_test:
    q2_dataset_free(&te);
out_train:
    q2_dataset_free(&tr);
    return rc;
}

int cmd_data(int argc, char **argv)
{
    const char *dir = q2_mnist_dir(), *v;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            data_usage(stdout);
            return Q2_EXIT_OK;
        }
        if (q2_opt_val(argc, argv, &i, "--dir", &v)) {
            dir = v;
            continue;
        }
        Q2_OPT_UNKNOWN(argv[i]);
        data_usage(stderr);
        return Q2_EXIT_USAGE;
    }
    return q2_exit_code(check_dir(dir));
}
