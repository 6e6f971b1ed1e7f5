/* mlp_npy.c — a float MLP from NumPy .npy files (docs/formats.md ".npy import"): one weight and
 * one bias array per layer, in layer order; weights (n_out, n_in) like PyTorch's
 * nn.Linear.weight, or (n_in, n_out) like a Keras Dense kernel with transpose; biases (n_out,).
 * float32 or float64 (stored as float32), C order. See mlp.h. */
#include "float/mlp.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/npy.h"
#include "base/util.h"

/* ---- the files of a directory ------------------------------------------------------------------ */
int q2_mlp_npy_dir_files(const char *dir, char paths[][Q2_MLP_NPY_PATH], const char **files)
{
    int n = 0;
    for (int l = 0; l < Q2_MAX_LAYERS; l++) {
        snprintf(paths[2 * l], Q2_MLP_NPY_PATH, "%s/w%d.npy", dir, l);
        snprintf(paths[2 * l + 1], Q2_MLP_NPY_PATH, "%s/b%d.npy", dir, l);
        if (!q2_file_exists(paths[2 * l])) break;
        files[n++] = paths[2 * l];
        files[n++] = paths[2 * l + 1];
    }
    return n;
}

/* the helpers report as the public function */
#define IMPORT_FN "mlp_import_npy"

/* ---- shapes ------------------------------------------------------------------------------------ */
/* Check layer l's arrays w, b (files fw, fb) and set dims[l], dims[l+1]. a_dims: the --arch
 * dims, or NULL (the inputs chain from the previous layer). */
static int check_layer(int l, const q2_npy *w, const q2_npy *b, const char *fw, const char *fb,
                       bool transpose, const int *a_dims, int *dims)
{
    if (w->ndim != 2 || b->ndim != 1) {
        bool bad_w = w->ndim != 2;
        q2_err(IMPORT_FN, "import %s failed: shape has %d dimensions, need %s", bad_w ? fw : fb,
               bad_w ? w->ndim : b->ndim, bad_w ? "2 (weights)" : "1 (bias)");
        return Q2_EFORMAT;
    }
    int n_out = (int)w->shape[transpose ? 1 : 0], n_in = (int)w->shape[transpose ? 0 : 1];
    int want_in = a_dims ? a_dims[l] : l ? dims[l] : n_in, want_out = a_dims ? a_dims[l + 1] : n_out;
    if (n_in != want_in || n_out != want_out || b->shape[0] != n_out || n_in < 1 || n_out < 1 ||
        n_in > Q2_MLP_MAX_WIDTH || n_out > Q2_MLP_MAX_WIDTH) {
        q2_err(IMPORT_FN, "import failed: layer %d: weights %s (%" PRId64 ", %" PRId64 "), "
               "bias %s (%" PRId64 ",); need weights (%d, %d)%s and bias (%d,)%s", l, fw, w->shape[0],
               w->shape[1], fb, b->shape[0], transpose ? want_in : want_out, transpose ? want_out : want_in,
               transpose ? " (n_in, n_out: --transpose)" : " (n_out, n_in)", want_out,
               l && !a_dims ? " (inputs chain from the previous layer)" : "");
        return Q2_EFORMAT;
    }
    dims[l] = n_in;
    dims[l + 1] = n_out;
    return Q2_OK;
}

/* ---- values ------------------------------------------------------------------------------------ */
/* Copy layer l of w, b into m (transposing if asked); refuse non-finite values. */
static int copy_layer(q2_mlp *m, int l, const q2_npy *w, const q2_npy *b, const char *fw,
                      const char *fb, bool transpose)
{
    const int n_in = m->dims[l], n_out = m->dims[l + 1];
    for (int j = 0; j < n_out; j++)
        for (int i = 0; i < n_in; i++)
            m->w[l][(size_t)j * n_in + i] =
                transpose ? w->data[(size_t)i * n_out + j] : w->data[(size_t)j * n_in + i];
    memcpy(m->b[l], b->data, (size_t)n_out * sizeof(float));
    for (size_t k = 0; k < (size_t)n_out * n_in; k++)
        if (!isfinite(m->w[l][k])) {
            q2_err(IMPORT_FN, "import failed: %s holds a non-finite value (element %zu)", fw, k);
            return Q2_EFORMAT;
        }
    for (int j = 0; j < n_out; j++)
        if (!isfinite(m->b[l][j])) {
            q2_err(IMPORT_FN, "import failed: %s holds a non-finite value (element %d)", fb, j);
            return Q2_EFORMAT;
        }
    return Q2_OK;
}

/* ---- import ------------------------------------------------------------------------------------ */
int q2_mlp_import_npy(q2_mlp *m, const char *const *files, int n_files, const char *arch, bool transpose,
                   int *itemsize)
{
    memset(m, 0, sizeof *m);
    if (n_files < 2 || n_files % 2 || n_files > 2 * Q2_MAX_LAYERS) {
        Q2_ERR("import failed: %d files, need a weight and a bias file per layer, 1..%d layers",
               n_files, Q2_MAX_LAYERS);
        return Q2_EARG;
    }
    const int L = n_files / 2;
    int dims[Q2_MAX_LAYERS + 1], a_layers = 0, a_dims[Q2_MAX_LAYERS + 1], item = 0;
    int rc = Q2_OK;
    if (arch && (rc = q2_mlp_parse_arch(arch, &a_layers, a_dims))) return rc;
    if (arch && a_layers != L) {
        Q2_ERR("import failed: --arch %s has %d layers, %d weight/bias pairs given", arch, a_layers, L);
        return Q2_EARG;
    }
    q2_npy w[Q2_MAX_LAYERS] = {0}, b[Q2_MAX_LAYERS] = {0};
    for (int l = 0; l < L && !rc; l++) {
        if ((rc = q2_npy_load(&w[l], files[2 * l])) || (rc = q2_npy_load(&b[l], files[2 * l + 1]))) break;
        rc = check_layer(l, &w[l], &b[l], files[2 * l], files[2 * l + 1], transpose,
                         arch ? a_dims : NULL, dims);
        if (w[l].itemsize > item) item = w[l].itemsize;
        if (b[l].itemsize > item) item = b[l].itemsize;
    }
    if (!rc) rc = q2_mlp_init(m, L, dims);
    for (int l = 0; l < L && !rc; l++)
        rc = copy_layer(m, l, &w[l], &b[l], files[2 * l], files[2 * l + 1], transpose);
    for (int l = 0; l < Q2_MAX_LAYERS; l++) {
        q2_npy_free(&w[l]);
        q2_npy_free(&b[l]);
    }
    if (rc) q2_mlp_free(m);
    else if (itemsize) *itemsize = item;
    return rc;
}

int q2_mlp_import_npy_dir(q2_mlp *m, const char *dir, const char *arch, bool transpose, int *itemsize)
{
    char paths[2 * Q2_MAX_LAYERS][Q2_MLP_NPY_PATH];
    const char *files[2 * Q2_MAX_LAYERS];
    int n = q2_mlp_npy_dir_files(dir, paths, files);
    if (!n) {
        memset(m, 0, sizeof *m);
        Q2_ERR("import %s failed: no %s/w0.npy", dir, dir);
        return Q2_EARG;
    }
    return q2_mlp_import_npy(m, files, n, arch, transpose, itemsize);
}

/* ---- .npy export: the files q2_mlp_import_npy_dir reads back ------------------------------------- */
int q2_mlp_export_npy_dir(const q2_mlp *m, const char *dir)
{
    char path[Q2_MLP_NPY_PATH];
    snprintf(path, sizeof path, "%s/w0.npy", dir);
    int rc = q2_mkdir_parents(path);
    for (int l = 0; l < m->n_layers && !rc; l++) {
        int64_t w_shape[2] = {m->dims[l + 1], m->dims[l]}, b_shape[1] = {m->dims[l + 1]};
        snprintf(path, sizeof path, "%s/w%d.npy", dir, l);
        if ((rc = q2_npy_save(path, m->w[l], 2, w_shape, 4))) break;
        snprintf(path, sizeof path, "%s/b%d.npy", dir, l);
        rc = q2_npy_save(path, m->b[l], 1, b_shape, 4);
    }
    if (rc) q2_err("mlp_export_npy", "export to %s failed", dir);
    return rc;
}
