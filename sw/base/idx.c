/* idx.c — MNIST IDX files: read, validate every header field against the file size, pair
 * images with labels. Format and checks: docs/formats.md "MNIST IDX files". */
#include "base/idx.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define IDX_MAGIC_LABELS 0x00000801u /* u8 data, 1 dimension */
#define IDX_MAGIC_IMAGES 0x00000803u /* u8 data, 3 dimensions */
#define IDX_MAX_PIXELS   (1 << 20)   /* rows * cols bound, far above anything sensible */
#define IDX_MAX_BYTES    ((size_t)1 << 31)

/* ---- helpers ----------------------------------------------------------------------------------- */
static uint32_t rd32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The last path component: messages name the file the way the user knows it. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- one IDX file ---------------------------------------------------------------------------------
 * Reads path, checks magic, the dimensions and that the length is exactly header + data. On success
 * the data (header stripped) is moved to the start of the returned malloc'd buffer. */
static int idx_read(const char *path, uint32_t magic, int n_dims, uint32_t dims[3], uint8_t **data)
{
    const char *name = base_name(path);
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = q2_read_file(path, &buf, &len, IDX_MAX_BYTES);
    if (rc) return rc;

    size_t hdr = 4 + 4 * (size_t)n_dims;
    rc = Q2_EFORMAT;
    if (len < hdr) {
        Q2_ERR("read %s failed: %s: file is %zu bytes, shorter than the %zu-byte header", path, name,
               len, hdr);
        goto out_free;
    }
    uint32_t got = rd32be(buf);
    if (got != magic) {
        Q2_ERR("read %s failed: %s: bad magic 0x%08x, need 0x%08x", path, name, got, magic);
        goto out_free;
    }
    static const char *const dim_names[3] = {"count", "rows", "cols"};
    uint64_t want = 1;
    for (int i = 0; i < n_dims; i++) {
        dims[i] = rd32be(buf + 4 + 4 * i);
        if (i > 0 && (dims[i] == 0 || dims[i] > IDX_MAX_PIXELS)) {
            Q2_ERR("read %s failed: %s: bad %s %u, need 1..%d", path, name, dim_names[i], dims[i],
                   IDX_MAX_PIXELS);
            goto out_free;
        }
        want *= dims[i];
    }
    if (n_dims == 3 && (uint64_t)dims[1] * dims[2] > IDX_MAX_PIXELS) {
        Q2_ERR("read %s failed: %s: bad image size %ux%u, need at most %d pixels", path, name, dims[1],
               dims[2], IDX_MAX_PIXELS);
        goto out_free;
    }
    if (dims[0] == 0 || dims[0] > (uint32_t)INT32_MAX) {
        Q2_ERR("read %s failed: %s: bad count %u, need 1..%d", path, name, dims[0], INT32_MAX);
        goto out_free;
    }
    want += hdr;
    if ((uint64_t)len != want) {
        Q2_ERR("read %s failed: %s: bad file length %zu, need %llu (header says count %u)", path, name,
               len, (unsigned long long)want, dims[0]);
        goto out_free;
    }
    memmove(buf, buf + hdr, len - hdr);
    *data = buf;
    return Q2_OK;
out_free:
    free(buf);
    return rc;
}

/* ---- dataset ------------------------------------------------------------------------------------ */
int q2_dataset_load(q2_dataset *d, const char *images_path, const char *labels_path)
{
    memset(d, 0, sizeof *d);
    uint32_t idims[3], ldims[3];
    uint8_t *images = NULL, *labels = NULL;
    int rc = idx_read(images_path, IDX_MAGIC_IMAGES, 3, idims, &images);
    if (rc) return rc;
    rc = idx_read(labels_path, IDX_MAGIC_LABELS, 1, ldims, &labels);
    if (rc) goto out_images;
    if (idims[0] != ldims[0]) {
        Q2_ERR("load %s failed: %s: count %u, need %u (the count of %s)", labels_path,
               base_name(labels_path), ldims[0], idims[0], base_name(images_path));
        rc = Q2_EFORMAT;
        goto out_labels;
    }
    d->n = (int)idims[0];
    d->rows = (int)idims[1];
    d->cols = (int)idims[2];
    d->images = images;
    d->labels = labels;
    return Q2_OK;
out_labels:
    free(labels);
out_images:
    free(images);
    return rc;
}

void q2_dataset_free(q2_dataset *d)
{
    free(d->images);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

q2_dataset q2_dataset_slice(const q2_dataset *d, int start, int count)
{
    q2_dataset s = *d;
    if (start < 0) start = 0;
    if (start > d->n) start = d->n;
    if (count < 0) count = 0;
    if (count > d->n - start) count = d->n - start;
    size_t px = (size_t)d->rows * (size_t)d->cols;
    s.n = count;
    s.images = d->images ? d->images + (size_t)start * px : NULL;
    s.labels = d->labels ? d->labels + start : NULL;
    return s;
}
