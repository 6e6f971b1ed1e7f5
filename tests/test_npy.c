/* test_npy.c — the .npy reader/writer (sw/base/npy.c) and the import (sw/float/mlp_npy.c): NumPy's exact
 * bytes for a known array, round trips through the project's own writer (float32/float64, 0 to 3
 * dimensions, empty), big-endian and format 2.0 files, every rejection (dtype, order, shape, size,
 * header syntax), and import of PyTorch-layout and Keras-layout (transposed) weights bit for bit.
 * Numbered checks, PASSED/FAILED, exit 1 on any failure. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "float/mlp.h"
#include "base/npy.h"
#include "base/util.h"
#define CHECK_WORDS_PASSED
#include "check.h"

/* A .npy file from a header dict (padded like NumPy) and raw data bytes. */
static uint8_t *make_npy(int major, const char *dict, const void *data, size_t n_data, size_t *len)
{
    size_t pre = major == 1 ? 10 : 12, k = strlen(dict);
    size_t hlen = (pre + k + 1 + 63) / 64 * 64 - pre;
    uint8_t *b = malloc(pre + hlen + n_data + 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (uint8_t)major;
    b[7] = 0;
    if (major == 1)
        q2_wr16(b + 8, (uint16_t)hlen);
    else
        q2_wr32(b + 8, (uint32_t)hlen);
    memcpy(b + pre, dict, k);
    memset(b + pre + k, ' ', hlen - k - 1);
    b[pre + hlen - 1] = '\n';
    if (n_data) memcpy(b + pre + hlen, data, n_data);
    *len = pre + hlen + n_data;
    return b;
}

static void test_golden(void)
{
    /* np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)): 128 bytes of header, then the data */
    static const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    float v[6] = {0, 1, 2, 3, 4, 5};
    size_t glen;
    uint8_t *golden = make_npy(1, dict, v, sizeof v, &glen);
    uint8_t *enc;
    size_t len;
    int64_t shape[2] = {2, 3};
    int rc = q2_npy_encode(v, 2, shape, 4, &enc, &len);
    CHECK(!rc && glen == 128 + 24 && len == glen && !memcmp(enc, golden, len),
          "writer: NumPy's bytes for arange(6, float32).reshape(2, 3) (header 128 bytes)");
    free(enc);
    free(golden);
}

static void test_round_trip(void)
{
    float v[64];
    for (int i = 0; i < 64; i++) v[i] = (float)(i - 20) / 7.0f;
    v[3] = -0.0f;
    v[4] = INFINITY;
    static const struct {
        int ndim;
        int64_t shape[3];
    } s[] = {
        {0, {0}}, {1, {7}}, {2, {4, 9}}, {3, {2, 4, 8}}, {2, {0, 5}}, {1, {0}},
    };
    for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
        for (int item = 4; item <= 8; item += 4) {
            uint8_t *b;
            size_t len;
            q2_npy a;
            int rc = q2_npy_encode(v, s[k].ndim, s[k].shape, item, &b, &len);
            rc = rc ? rc : q2_npy_parse(&a, b, len, "rt");
            int64_t n = 1;
            for (int d = 0; d < s[k].ndim; d++) n *= s[k].shape[d];
            CHECK(!rc && a.ndim == s[k].ndim && a.n == n && a.itemsize == item &&
                      (len - (size_t)n * item) % 64 == 0 &&
                      !memcmp(a.shape, s[k].shape, (size_t)s[k].ndim * 8) &&
                      !memcmp(a.data, v, (size_t)n * 4),
                  "round trip float%d, %d dims, %" PRId64 " elements (data 64-byte aligned)", 8 * item,
                  s[k].ndim, n);
            free(b);
            q2_npy_free(&a);
        }
    /* the file API: atomic save, load */
    const char *path = check_path("rt.npy");
    int64_t shape[2] = {8, 8};
    q2_npy a;
    int rc = q2_npy_save(path, v, 2, shape, 8);
    rc = rc ? rc : q2_npy_load(&a, path);
    CHECK(!rc && a.n == 64 && !memcmp(a.data, v, sizeof v), "q2_npy_save / q2_npy_load, float64 8x8");
    q2_npy_free(&a);
}

static void test_variants(void)
{
    float f[6] = {1.5f, -2.25f, 3, 0.125f, -7, 1e-3f};
    uint8_t be[24], d8[48];
    for (int i = 0; i < 6; i++) {
        uint32_t u;
        memcpy(&u, &f[i], 4);
        for (int k = 0; k < 4; k++) be[4 * i + k] = (uint8_t)(u >> (24 - 8 * k));
        double d = f[i];
        memcpy(d8 + 8 * i, &d, 8);
    }
    static const struct {
        int major;
        const char *dict;
        int data;
        const char *what;
    } t[] = {
        {1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 1, "big-endian float32"},
        {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", 2, "format 2.0, float64"},
        {3, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", 2, "format 3.0"},
        {1, "{\"shape\": (3, 2), \"fortran_order\": False, \"descr\": \"<f8\"}", 2,
         "keys in another order, double quotes, no trailing comma"},
        {1, "{'descr':'<f8','fortran_order':False,'shape':(2L, 3L)}", 2, "no spaces, Python 2 long dims"},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        size_t len;
        uint8_t *b = make_npy(t[k].major, t[k].dict, t[k].data == 1 ? (void *)be : (void *)d8,
                              t[k].data == 1 ? 24 : 48, &len);
        q2_npy a;
        int rc = q2_npy_parse(&a, b, len, "variant");
        CHECK(!rc && a.n == 6 && !memcmp(a.data, f, sizeof f), "accepts %s", t[k].what);
        q2_npy_free(&a);
        free(b);
    }
}

/* ---- rejections: stderr must name what is wrong ----------------------------------------------------- */
static const char *parse_msg(const uint8_t *b, size_t len, int *rc)
{
    capture_begin();
    q2_npy a;
    *rc = q2_npy_parse(&a, b, len, "bad.npy");
    q2_npy_free(&a);
    return capture_end_line();
}

static void test_reject(void)
{
    uint8_t zeros[256] = {0};
    static const struct {
        int major;
        const char *dict;
        size_t data;
        const char *what, *needle;
    } t[] = {
        {1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 24, "int32 dtype", "dtype '<i4'"},
        {1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", 12, "float16 dtype",
         "dtype '<f2'"},
        {1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6, "uint8 dtype", "dtype '|u1'"},
        {1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured dtype",
         "descr"},
        {1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24, "Fortran order",
         "fortran_order is True"},
        {1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", 24, "fortran_order not a bool",
         "fortran_order"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, "4 bytes short", "truncated"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, "4 bytes too many",
         "trailing"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5), }", 20, "shape (5) not a tuple", "shape"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 0, "negative dimension", "shape"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3.0), }", 24, "float dimension", "shape"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4, "9 dimensions",
         "shape"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", 0, "10^10 elements",
         "shape"},
        {1, "{'descr': '<f4', 'shape': (2, 3), }", 24, "missing fortran_order", "lacks key 'fortran_order'"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 24, "extra key", "key 'x'"},
        {1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", 24, "repeated key",
         "key 'descr'"},
        {1, "['descr', '<f4']", 24, "not a dict", "dict literal"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } x", 24, "text after the dict",
         "dict literal"},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        size_t len;
        uint8_t *b = make_npy(t[k].major, t[k].dict, zeros, t[k].data, &len);
        int rc;
        const char *msg = parse_msg(b, len, &rc);
        CHECK(rc == Q2_EFORMAT && strstr(msg, t[k].needle), "rejects %s: \"%s\"", t[k].what, msg);
        free(b);
    }
    size_t len;
    uint8_t *b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", zeros, 8, &len);
    static const struct {
        size_t off;
        uint8_t v;
        const char *what, *needle;
    } m[] = {
        {0, 0x94, "bad magic", "magic"},      {6, 4, "version 4.0", "version 4.0"},
        {7, 1, "version 1.1", "version 1.1"}, {8, 0xFF, "header length past the end", "header length"},
        {20, 0, "NUL in the header", "NUL"},
    };
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
        uint8_t *c = malloc(len);
        memcpy(c, b, len);
        c[m[k].off] = m[k].v;
        int rc;
        const char *msg = parse_msg(c, len, &rc);
        CHECK(rc == Q2_EFORMAT && strstr(msg, m[k].needle), "rejects %s: \"%s\"", m[k].what, msg);
        free(c);
    }
    int rc;
    const char *msg = parse_msg(b, 9, &rc);
    CHECK(rc == Q2_EFORMAT && strstr(msg, "magic"), "rejects a 9-byte file: \"%s\"", msg);
    free(b);
}

/* ---- import (q2_mlp_import_npy, q2_mlp_import_npy_dir: sw/float/mlp_npy.c) -------------------------------------
 */
/* m and g hold the same topology and the same bits. */
static bool same_mlp(const q2_mlp *g, const q2_mlp *m)
{
    bool same = g->n_layers == m->n_layers && !memcmp(g->dims, m->dims, sizeof m->dims);
    for (int l = 0; same && l < m->n_layers; l++)
        same = !memcmp(g->w[l], m->w[l], (size_t)m->dims[l] * (size_t)m->dims[l + 1] * 4) &&
               !memcmp(g->b[l], m->b[l], (size_t)m->dims[l + 1] * 4);
    return same;
}

/* The model every import must give back, saved under dir in both layouts: PyTorch (n_out, n_in)
 * float32 as w<l>.npy, b<l>.npy; Keras (n_in, n_out) float64 as k<l>.npy, c<l>.npy, whose paths
 * are p[2 l], p[2 l + 1]. */
static void import_fixtures(const char *dir, q2_mlp *m, char p[6][600])
{
    int dims[4] = {12, 7, 5, 3};
    if (q2_mlp_init(m, 3, dims)) exit(2);
    q2_rng r;
    q2_rng_init(&r, 4);
    for (int l = 0; l < 3; l++) {
        for (int k = 0; k < dims[l] * dims[l + 1]; k++) m->w[l][k] = (float)q2_rng_normal(&r);
        for (int j = 0; j < dims[l + 1]; j++) m->b[l][j] = (float)q2_rng_normal(&r);
    }
    for (int l = 0; l < 3; l++) {
        int64_t ws[2] = {dims[l + 1], dims[l]}, ks[2] = {dims[l], dims[l + 1]}, bs[1] = {dims[l + 1]};
        float *kt = malloc((size_t)dims[l] * (size_t)dims[l + 1] * sizeof *kt);
        for (int j = 0; j < dims[l + 1]; j++)
            for (int i = 0; i < dims[l]; i++) kt[i * dims[l + 1] + j] = m->w[l][j * dims[l] + i];
        char a[700], b[700];
        snprintf(a, sizeof a, "%s/w%d.npy", dir, l);
        snprintf(b, sizeof b, "%s/b%d.npy", dir, l);
        if (q2_npy_save(a, m->w[l], 2, ws, 4) || q2_npy_save(b, m->b[l], 1, bs, 4)) exit(2);
        snprintf(p[2 * l], sizeof p[0], "%s/k%d.npy", dir, l);
        snprintf(p[2 * l + 1], sizeof p[0], "%s/c%d.npy", dir, l);
        if (q2_npy_save(p[2 * l], kt, 2, ks, 8) || q2_npy_save(p[2 * l + 1], m->b[l], 1, bs, 8)) exit(2);
        free(kt);
    }
}

/* Imports of a directory or of files, in either layout, and the mistakes they must refuse. */
static void import_cases(const char *dir, const q2_mlp *m, char p[6][600])
{
    struct {
        const char *what;
        const char *dir;          /* q2_mlp_import_npy_dir, or NULL: q2_mlp_import_npy of files */
        const char *files[8];
        const char *arch;
        bool transpose;
        int want;
    } t[] = {
        {"a dir (PyTorch layout, float32)", dir, {0}, "12-7-5-3", false, Q2_OK},
        {"files, transposed (Keras layout, float64)", NULL, {p[0], p[1], p[2], p[3], p[4], p[5]}, NULL,
         true, Q2_OK},
        {"Keras layout without transpose", NULL, {p[0], p[1], p[2], p[3], p[4], p[5]}, NULL, false,
         Q2_EFORMAT},
        {"an arch that disagrees", dir, {0}, "12-7-6-3", false, Q2_EFORMAT},
        {"an odd number of files", NULL, {p[0], p[1], p[2]}, NULL, true, Q2_EARG},
        {"weights and biases swapped", NULL, {p[1], p[0], p[3], p[2], p[5], p[4]}, NULL, true,
         Q2_EFORMAT},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        int n = 0, item = 0, rc;
        while (n < 8 && t[k].files[n]) n++;
        q2_mlp g;
        if (t[k].dir) rc = q2_mlp_import_npy_dir(&g, t[k].dir, t[k].arch, t[k].transpose, &item);
        else rc = q2_mlp_import_npy(&g, t[k].files, n, t[k].arch, t[k].transpose, &item);
        bool same = !rc && same_mlp(&g, m) && item == (t[k].dir ? 4 : 8);
        CHECK(rc == t[k].want && (rc != 0 || same), "import %s: rc %d%s", t[k].what, rc,
              rc ? (g.n_layers ? ", but a model is left" : ", no model") : ", weights bit for bit");
        q2_mlp_free(&g);
    }
}

/* A NaN weight and a Fortran-ordered file are refused (each replaces dir/w0.npy). */
static void import_refusals(const char *dir, const q2_mlp *m)
{
    float bad[12 * 7];
    memcpy(bad, m->w[0], sizeof bad);
    bad[5] = NAN;
    int64_t ws[2] = {7, 12};
    char a[700];
    snprintf(a, sizeof a, "%s/w0.npy", dir);
    q2_npy_save(a, bad, 2, ws, 4);
    q2_mlp g;
    int rc = q2_mlp_import_npy_dir(&g, dir, NULL, false, NULL);
    CHECK(rc == Q2_EFORMAT, "import refuses a NaN weight (rc %d)", rc);
    q2_mlp_free(&g);
    size_t len;
    uint8_t *f =
        make_npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (7, 12), }", m->w[0], sizeof bad, &len);
    q2_write_file_atomic(a, f, len);
    free(f);
    rc = q2_mlp_import_npy_dir(&g, dir, NULL, false, NULL);
    CHECK(rc == Q2_EFORMAT, "import refuses a Fortran-ordered weight file (rc %d)", rc);
    q2_mlp_free(&g);
}

static void test_import(void)
{
    char dir[512], p[6][600];
    snprintf(dir, sizeof dir, "%s", check_path("import"));
    if (mkdir(dir, 0700)) exit(2);
    q2_mlp m;
    import_fixtures(dir, &m, p);
    import_cases(dir, &m, p);
    import_refusals(dir, &m);
    q2_mlp_free(&m);
}

int main(void)
{
    check_tmpdir("q2npy");
    test_golden();
    test_round_trip();
    test_variants();
    test_reject();
    test_import();
    check_tmpdir_remove();
    return check_summary();
}
