/* mlp.c — the float MLP: topology, batched forward pass (GEMM), accuracy, the .mlp model file.
 * File layout: docs/formats.md "`.mlp` — the float model file". */
#include "float/mlp.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "float/gemm.h"
#include "base/util.h"

#define MLP_FILE_MAGIC   0x4D463251u /* the bytes "Q2FM" read as a little-endian u32 */
#define MLP_FILE_VERSION 1
#define MLP_FWD_ROWS     256         /* examples per GEMM in q2_mlp_forward / q2_mlp_accuracy */

/* ---- topology ---------------------------------------------------------------------------------- */
int q2_mlp_parse_arch(const char *s, int *n_layers, int dims[Q2_MAX_LAYERS + 1])
{
    int n = 0;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 1 || v > Q2_MLP_MAX_WIDTH || (*end && *end != '-')) {
            Q2_ERR("parse arch '%s' failed: need widths 1..%d joined by '-', e.g. 784-512-512-10", s,
                   Q2_MLP_MAX_WIDTH);
            return Q2_EARG;
        }
        if (n == Q2_MAX_LAYERS + 1) {
            Q2_ERR("parse arch '%s' failed: more than %d weight layers", s, Q2_MAX_LAYERS);
            return Q2_EARG;
        }
        dims[n++] = (int)v;
        if (!*end) break;
        p = end + 1;
    }
    if (n < 2) {
        Q2_ERR("parse arch '%s' failed: need at least an input and an output width", s);
        return Q2_EARG;
    }
    *n_layers = n - 1;
    return Q2_OK;
}

int q2_mlp_arch_string(const q2_mlp *m, char *buf, size_t len)
{
    size_t off = 0;
    if (len) buf[0] = '\0';
    for (int l = 0; l <= m->n_layers; l++) {
        int w = snprintf(buf + off, len > off ? len - off : 0, l ? "-%d" : "%d", m->dims[l]);
        if (w < 0 || off + (size_t)w >= len) return Q2_EARG;
        off += (size_t)w;
    }
    return Q2_OK;
}

size_t q2_mlp_n_params(const q2_mlp *m)
{
    size_t n = 0;
    for (int l = 0; l < m->n_layers; l++) n += (size_t)m->dims[l + 1] * (m->dims[l] + 1);
    return n;
}

static int check_dims(int n_layers, const int *dims)
{
    if (n_layers < 1 || n_layers > Q2_MAX_LAYERS) {
        Q2_ERR("check topology failed: %d weight layers, need 1..%d", n_layers, Q2_MAX_LAYERS);
        return Q2_EARG;
    }
    for (int l = 0; l <= n_layers; l++)
        if (dims[l] < 1 || dims[l] > Q2_MLP_MAX_WIDTH) {
            Q2_ERR("check topology failed: dims[%d] = %d, need 1..%d", l, dims[l], Q2_MLP_MAX_WIDTH);
            return Q2_EARG;
        }
    return Q2_OK;
}

int q2_mlp_init(q2_mlp *m, int n_layers, const int *dims)
{
    memset(m, 0, sizeof *m);
    int rc = check_dims(n_layers, dims);
    if (rc) return rc;
    m->n_layers = n_layers;
    memcpy(m->dims, dims, sizeof(int) * (size_t)(n_layers + 1));
    for (int l = 0; l < n_layers; l++) {
        m->w[l] = calloc((size_t)dims[l + 1] * dims[l], sizeof(float));
        m->b[l] = calloc((size_t)dims[l + 1], sizeof(float));
        if (!m->w[l] || !m->b[l]) {
            Q2_ERR("alloc layer %d failed: out of memory for (%d, %d) floats", l, dims[l + 1], dims[l]);
            q2_mlp_free(m);
            return Q2_ENOMEM;
        }
    }
    return Q2_OK;
}

void q2_mlp_free(q2_mlp *m)
{
    for (int l = 0; l < Q2_MAX_LAYERS; l++) {
        free(m->w[l]);
        free(m->b[l]);
    }
    memset(m, 0, sizeof *m);
}

int q2_mlp_copy(q2_mlp *dst, const q2_mlp *src)
{
    int rc = q2_mlp_init(dst, src->n_layers, src->dims);
    if (rc) return rc;
    for (int l = 0; l < src->n_layers; l++) {
        memcpy(dst->w[l], src->w[l], sizeof(float) * (size_t)src->dims[l + 1] * src->dims[l]);
        memcpy(dst->b[l], src->b[l], sizeof(float) * (size_t)src->dims[l + 1]);
    }
    return Q2_OK;
}

/* ---- forward pass ------------------------------------------------------------------------------ */
/* y (n, n_out) = x (n, n_in) W^T + b, then ReLU if relu. */
void q2_mlp_layer_forward(const q2_mlp *m, int l, const float *x, int n, float *y, bool relu)
{
    int n_in = m->dims[l], n_out = m->dims[l + 1];
    q2_sgemm(false, true, n, n_out, n_in, 1.0f, x, n_in, m->w[l], n_in, 0.0f, y, n_out);
    q2_bias_act(y, m->b[l], n, n_out, relu);
}

/* q2_mlp_forward, with the GEMM of pk when it is not NULL. */
static int forward(const q2_mlp *m, const q2_mlp_packed *pk, const float *x, int n, float *logits,
                   float **hidden)
{
    int L = m->n_layers, wmax = 0;
    if (n <= 0) return n < 0 ? Q2_EARG : Q2_OK;
    for (int l = 1; l < L; l++) wmax = m->dims[l] > wmax ? m->dims[l] : wmax;
    /* (2, chunk, wmax) ping-pong activations; sized for n, so a small batch does not map and
     * fault in 2 x 256 rows on every call */
    const int chunk = n < MLP_FWD_ROWS ? n : MLP_FWD_ROWS;
    float *buf = NULL;
    if (L > 1 && !(buf = malloc(sizeof(float) * 2 * (size_t)chunk * (size_t)wmax))) {
        Q2_ERR("alloc activations failed: out of memory for (2, %d, %d) floats", chunk, wmax);
        return Q2_ENOMEM;
    }
    for (int r0 = 0; r0 < n; r0 += MLP_FWD_ROWS) {
        int rows = n - r0 < MLP_FWD_ROWS ? n - r0 : MLP_FWD_ROWS;
        const float *in = x + (size_t)r0 * m->dims[0];
        for (int l = 0; l < L; l++) {
            int n_out = m->dims[l + 1];
            float *out;
            if (l == L - 1)
                out = logits + (size_t)r0 * n_out;
            else if (hidden && hidden[l])
                out = hidden[l] + (size_t)r0 * n_out;
            else
                out = buf + (size_t)(l & 1) * (size_t)chunk * (size_t)wmax;
            if (pk) {
                q2_sgemm_own_packed(rows, 1.0f, in, m->dims[l], pk->w[l], 0.0f, out, n_out);
                q2_bias_act(out, m->b[l], rows, n_out, l < L - 1);
            } else {
                q2_mlp_layer_forward(m, l, in, rows, out, l < L - 1);
            }
            in = out;
        }
    }
    free(buf);
    return Q2_OK;
}

int q2_mlp_forward(const q2_mlp *m, const float *x, int n, float *logits, float **hidden)
{
    return forward(m, NULL, x, n, logits, hidden);
}

/* ---- the weights packed once (own GEMM engine) --------------------------------------------------- */
int q2_mlp_pack(const q2_mlp *m, q2_mlp_packed *p)
{
    memset(p, 0, sizeof *p);
    for (int l = 0; l < m->n_layers; l++) {
        int rc = q2_gemm_pack_b(&p->w[l], true, m->dims[l + 1], m->dims[l], m->w[l], m->dims[l]);
        if (rc) {
            q2_mlp_packed_free(p);
            return rc;
        }
    }
    return Q2_OK;
}

void q2_mlp_packed_free(q2_mlp_packed *p)
{
    for (int l = 0; l < Q2_MAX_LAYERS; l++) q2_gemm_packed_free(p->w[l]);
    memset(p, 0, sizeof *p);
}

int q2_mlp_forward_packed(const q2_mlp *m, const q2_mlp_packed *p, const float *x, int n, float *logits)
{
    return forward(m, p, x, n, logits, NULL);
}

/* ---- accuracy ---------------------------------------------------------------------------------- */
static float pixel_lut[256]; /* (256) pixel_lut[p] = p / 255.0f */
static pthread_once_t pixel_lut_once = PTHREAD_ONCE_INIT;
static void pixel_lut_init(void)
{
    for (int p = 0; p < 256; p++) pixel_lut[p] = (float)p / 255.0f;
}

void q2_mlp_scale_pixels(const uint8_t *px, size_t n, float *x)
{
    pthread_once(&pixel_lut_once, pixel_lut_init);
    for (size_t i = 0; i < n; i++) x[i] = pixel_lut[px[i]];
}

int q2_mlp_argmax(const float *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

double q2_mlp_accuracy(const q2_mlp *m, const q2_dataset *d)
{
    int n_in = m->dims[0], n_cls = m->dims[m->n_layers];
    if (d->rows * d->cols != n_in) {
        Q2_ERR("check dataset failed: images have %dx%d = %d pixels, the model takes %d inputs", d->rows,
               d->cols, d->rows * d->cols, n_in);
        return Q2_EARG;
    }
    if (d->n <= 0) {
        Q2_ERR("check dataset failed: no examples");
        return Q2_EARG;
    }
    float *x = malloc(sizeof(float) * MLP_FWD_ROWS * (size_t)n_in);      /* (rows, n_in) */
    float *logits = malloc(sizeof(float) * MLP_FWD_ROWS * (size_t)n_cls); /* (rows, n_cls) */
    double acc = Q2_ENOMEM;
    if (!x || !logits) {
        Q2_ERR("alloc batch failed: out of memory");
        goto out_free;
    }
    long correct = 0;
    for (int r0 = 0; r0 < d->n; r0 += MLP_FWD_ROWS) {
        int rows = d->n - r0 < MLP_FWD_ROWS ? d->n - r0 : MLP_FWD_ROWS;
        q2_mlp_scale_pixels(d->images + (size_t)r0 * n_in, (size_t)rows * n_in, x);
        int rc = q2_mlp_forward(m, x, rows, logits, NULL);
        if (rc) {
            acc = rc;
            goto out_free;
        }
        for (int i = 0; i < rows; i++)
            correct += q2_mlp_argmax(logits + (size_t)i * n_cls, n_cls) == d->labels[r0 + i];
    }
    acc = (double)correct / d->n;
out_free:
    free(x);
    free(logits);
    return acc;
}

/* ---- model file -------------------------------------------------------------------------------- */
static size_t file_header_size(int n_layers) { return 12 + 4 * (size_t)(n_layers + 1); }

static uint64_t file_total_size(int n_layers, const int *dims)
{
    uint64_t t = file_header_size(n_layers) + 4;
    for (int l = 0; l < n_layers; l++) t += 4 * ((uint64_t)dims[l + 1] * dims[l] + dims[l + 1]);
    return t;
}

static uint8_t *put_floats(uint8_t *p, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++, p += 4) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        q2_wr32(p, u);
    }
    return p;
}

int q2_mlp_encode(const q2_mlp *m, uint8_t **out, size_t *out_len)
{
    int rc = check_dims(m->n_layers, m->dims);
    if (rc) return rc;
    uint64_t total = file_total_size(m->n_layers, m->dims);
    if (total > UINT32_MAX) {
        Q2_ERR("encode failed: %llu bytes do not fit the u32 total_size", (unsigned long long)total);
        return Q2_EARG;
    }
    uint8_t *buf = malloc((size_t)total), *p = buf;
    if (!buf) {
        Q2_ERR("encode failed: out of memory for %llu bytes", (unsigned long long)total);
        return Q2_ENOMEM;
    }
    q2_wr32(p, MLP_FILE_MAGIC);
    q2_wr16(p + 4, MLP_FILE_VERSION);
    q2_wr16(p + 6, (uint16_t)m->n_layers);
    q2_wr32(p + 8, (uint32_t)total);
    p += 12;
    for (int l = 0; l <= m->n_layers; l++, p += 4) q2_wr32(p, (uint32_t)m->dims[l]);
    for (int l = 0; l < m->n_layers; l++) {
        p = put_floats(p, m->w[l], (size_t)m->dims[l + 1] * m->dims[l]);
        p = put_floats(p, m->b[l], (size_t)m->dims[l + 1]);
    }
    q2_wr32(p, q2_crc32(buf, (size_t)total - 4));
    *out = buf;
    *out_len = (size_t)total;
    return Q2_OK;
}

int q2_mlp_save(const q2_mlp *m, const char *path)
{
    uint8_t *buf;
    size_t len;
    int rc = q2_mlp_encode(m, &buf, &len);
    if (rc) return rc;
    rc = q2_write_file_atomic(path, buf, len);
    free(buf);
    return rc;
}

/* Read n floats; every one must be finite. */
static int get_floats(const uint8_t *p, float *v, size_t n, const char *path, const char *what, int l)
{
    for (size_t i = 0; i < n; i++, p += 4) {
        uint32_t u = q2_rd32(p);
        memcpy(&v[i], &u, 4);
        if (!isfinite(v[i])) {
            Q2_ERR("load %s failed: %s[%d][%zu] is not finite (0x%08x)", path, what, l, i, u);
            return Q2_EFORMAT;
        }
    }
    return Q2_OK;
}

int q2_mlp_load(q2_mlp *m, const char *path)
{
    memset(m, 0, sizeof *m);
    uint8_t *buf = NULL;
    size_t len = 0;
    int dims[Q2_MAX_LAYERS + 1];
    int rc = q2_read_file(path, &buf, &len, (size_t)UINT32_MAX);
    if (rc) return rc;
    rc = Q2_EFORMAT;
    if (len < 12) {
        Q2_ERR("load %s failed: file is %zu bytes, shorter than the 12-byte header", path, len);
        goto out_free;
    }
    uint32_t magic = q2_rd32(buf), total = q2_rd32(buf + 8);
    unsigned version = q2_rd16(buf + 4), n_layers = q2_rd16(buf + 6);
    if (magic != MLP_FILE_MAGIC) {
        Q2_ERR("load %s failed: bad magic 0x%08x, need 0x%08x (\"Q2FM\")%s", path, magic, MLP_FILE_MAGIC,
               !memcmp(buf, "Q2ML", 4) ? "; this is a .q2 image (eval: name it *.q2 or give --engine)" : "");
        goto out_free;
    }
    if (version != MLP_FILE_VERSION) {
        Q2_ERR("load %s failed: bad version %u, need %d", path, version, MLP_FILE_VERSION);
        goto out_free;
    }
    if (n_layers < 1 || n_layers > Q2_MAX_LAYERS) {
        Q2_ERR("load %s failed: bad n_layers %u, need 1..%d", path, n_layers, Q2_MAX_LAYERS);
        goto out_free;
    }
    size_t hdr = file_header_size((int)n_layers);
    if (len < hdr) {
        Q2_ERR("load %s failed: file is %zu bytes, shorter than the %zu-byte header", path, len, hdr);
        goto out_free;
    }
    for (unsigned l = 0; l <= n_layers; l++) {
        uint32_t d = q2_rd32(buf + 12 + 4 * l);
        if (d < 1 || d > Q2_MLP_MAX_WIDTH) {
            Q2_ERR("load %s failed: bad dims[%u] %u, need 1..%d", path, l, d, Q2_MLP_MAX_WIDTH);
            goto out_free;
        }
        dims[l] = (int)d;
    }
    uint64_t want = file_total_size((int)n_layers, dims);
    if (total != want) {
        Q2_ERR("load %s failed: bad total_size %u, need %llu for these dims", path, total,
               (unsigned long long)want);
        goto out_free;
    }
    if (len != want) {
        Q2_ERR("load %s failed: bad file size %zu, need %llu (total_size)%s", path, len,
               (unsigned long long)want, len < want ? ": truncated" : ": trailing bytes");
        goto out_free;
    }
    uint32_t crc = q2_crc32(buf, len - 4), crc_file = q2_rd32(buf + len - 4);
    if (crc != crc_file) {
        Q2_ERR("load %s failed: bad CRC32 0x%08x in file, data has 0x%08x", path, crc_file, crc);
        goto out_free;
    }
    rc = q2_mlp_init(m, (int)n_layers, dims);
    if (rc) goto out_free;
    const uint8_t *p = buf + hdr;
    for (int l = 0; l < (int)n_layers && !rc; l++) {
        size_t nw = (size_t)dims[l + 1] * dims[l];
        rc = get_floats(p, m->w[l], nw, path, "w", l);
        p += 4 * nw;
        if (!rc) rc = get_floats(p, m->b[l], (size_t)dims[l + 1], path, "b", l);
        p += 4 * (size_t)dims[l + 1];
    }
    if (rc) q2_mlp_free(m);
out_free:
    free(buf);
    return rc;
}
