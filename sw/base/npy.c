/* npy.c — NumPy .npy files: a strict reader for float32/float64 C-order arrays and a writer.
 *
 * Layout (NumPy's numpy/lib/format.py, NEP 1):
 *   0   6      magic "\x93NUMPY"
 *   6   1, 1   major, minor version: 1.0 (u16 header length), 2.0 and 3.0 (u32 header length)
 *   8   2 / 4  HEADER_LEN, little-endian
 *   ..  HEADER_LEN  a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 *               padded with spaces and ended by '\n' so that the data starts on a multiple of 64
 *   ..  data   prod(shape) * itemsize bytes
 * The reader checks every part and names what is wrong; it accepts exactly the three keys NumPy
 * writes, in any order. */
#include "base/npy.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static const uint8_t npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
#define NPY_ALIGN 64

void q2_npy_free(q2_npy *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---- the header dictionary --------------------------------------------------------------------------- */
typedef struct {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}
static bool eat(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}
/* A quoted string without escapes into out (size n). */
static bool get_string(cursor *c, char *out, size_t n)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return false;
    char q = *c->p++;
    size_t k = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || k + 1 >= n) return false;
        out[k++] = *c->p++;
    }
    if (c->p >= c->end) return false;
    c->p++;
    out[k] = '\0';
    return true;
}
static bool get_word(cursor *c, const char *w)
{
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n)) return false;
    if ((size_t)(c->end - c->p) > n && (isalnum((unsigned char)c->p[n]) || c->p[n] == '_')) return false;
    c->p += n;
    return true;
}
/* (d0, d1, ...) with an optional trailing comma; () is a scalar. Python 2's "3L" is accepted. */
static bool get_shape(cursor *c, int *ndim, int64_t *shape)
{
    if (!eat(c, '(')) return false;
    *ndim = 0;
    for (;;) {
        if (eat(c, ')')) return true;
        skip_ws(c);
        if (c->p >= c->end || !isdigit((unsigned char)*c->p) || *ndim >= Q2_NPY_MAX_DIMS) return false;
        int64_t v = 0;
        while (c->p < c->end && isdigit((unsigned char)*c->p)) {
            v = v * 10 + (*c->p++ - '0');
            if (v > Q2_NPY_MAX_ELEMS) return false;
        }
        if (c->p < c->end && *c->p == 'L') c->p++;
        shape[(*ndim)++] = v;
        if (eat(c, ')')) return *ndim != 1; /* "(5)" is an int in Python, not a tuple: "(5,)" */
        if (!eat(c, ',')) return false;
    }
}

/* ---- reader ------------------------------------------------------------------------------------
 * Steps: preamble (magic, version, header length), the header dict, dtype and shape, then the data.
 * The steps report under the public name: "q2_npy_parse: parse <name> failed: ...". */
#define PARSE_ERR(...) q2_err("q2_npy_parse", __VA_ARGS__)

/* Magic, version and header length; *pre is the preamble size, *hlen the header's. */
static int parse_preamble(const uint8_t *buf, size_t len, const char *name, size_t *pre, size_t *hlen)
{
    if (len < 10 || memcmp(buf, npy_magic, 6)) {
        PARSE_ERR("parse %s failed: bad magic, need \"\\x93NUMPY\" (not a .npy file)", name);
        return Q2_EFORMAT;
    }
    unsigned major = buf[6], minor = buf[7];
    if (!(major >= 1 && major <= 3 && minor == 0)) {
        PARSE_ERR("parse %s failed: bad version %u.%u, need 1.0, 2.0 or 3.0", name, major, minor);
        return Q2_EFORMAT;
    }
    *pre = major == 1 ? 10 : 12;
    if (len < *pre) {
        PARSE_ERR("parse %s failed: file is %zu bytes, shorter than the %zu-byte preamble", name, len,
                  *pre);
        return Q2_EFORMAT;
    }
    *hlen = major == 1 ? q2_rd16(buf + 8) : q2_rd32(buf + 8);
    if (*hlen > Q2_NPY_MAX_HEADER || *hlen > len - *pre) {
        PARSE_ERR("parse %s failed: header length %zu, need <= %zu (file size) and <= %d", name, *hlen,
                  len - *pre, Q2_NPY_MAX_HEADER);
        return Q2_EFORMAT;
    }
    for (const uint8_t *p = buf + *pre; p < buf + *pre + *hlen; p++)
        if (*p == '\0') {
            PARSE_ERR("parse %s failed: NUL byte in the header", name);
            return Q2_EFORMAT;
        }
    return Q2_OK;
}

/* The header dict: exactly 'descr' (into descr, size 32), 'fortran_order' (*fortran 0/1) and
 * 'shape' (a->ndim, a->shape), in any order. */
static int parse_dict(cursor *c, const char *name, q2_npy *a, char descr[32], int *fortran)
{
    int have_descr = 0, have_shape = 0;
    *fortran = -1;
    if (!eat(c, '{')) goto bad_dict;
    while (!eat(c, '}')) {
        char key[32];
        if (!get_string(c, key, sizeof key) || !eat(c, ':')) goto bad_dict;
        if (!strcmp(key, "descr") && !have_descr) {
            if (!get_string(c, descr, 32)) {
                PARSE_ERR("parse %s failed: header key 'descr' is not a simple dtype string", name);
                return Q2_EFORMAT;
            }
            have_descr = 1;
        } else if (!strcmp(key, "fortran_order") && *fortran < 0) {
            if (get_word(c, "False")) *fortran = 0;
            else if (get_word(c, "True")) *fortran = 1;
            else {
                PARSE_ERR("parse %s failed: header key 'fortran_order' is not True or False", name);
                return Q2_EFORMAT;
            }
        } else if (!strcmp(key, "shape") && !have_shape) {
            if (!get_shape(c, &a->ndim, a->shape)) {
                PARSE_ERR("parse %s failed: header key 'shape' is not a tuple of at most %d integers "
                          "<= %" PRId64, name, Q2_NPY_MAX_DIMS, Q2_NPY_MAX_ELEMS);
                return Q2_EFORMAT;
            }
            have_shape = 1;
        } else {
            PARSE_ERR("parse %s failed: header key '%s' unknown or repeated, need exactly 'descr', "
                      "'fortran_order', 'shape'", name, key);
            return Q2_EFORMAT;
        }
        if (!eat(c, ',')) {
            if (!eat(c, '}')) goto bad_dict;
            break;
        }
    }
    skip_ws(c);
    if (c->p != c->end) goto bad_dict;
    if (!have_descr || *fortran < 0 || !have_shape) {
        PARSE_ERR("parse %s failed: header lacks key '%s'", name,
                  !have_descr ? "descr" : *fortran < 0 ? "fortran_order" : "shape");
        return Q2_EFORMAT;
    }
    return Q2_OK;
bad_dict:
    PARSE_ERR("parse %s failed: header is not a dict literal {'descr': .., 'fortran_order': .., "
              "'shape': (..)}", name);
    return Q2_EFORMAT;
}

/* dtype (a->itemsize, *big), C order, and the element count a->n. */
static int parse_dtype(q2_npy *a, const char *descr, int fortran, const char *name, bool *big)
{
    if (!strcmp(descr, "<f4") || !strcmp(descr, ">f4")) a->itemsize = 4;
    else if (!strcmp(descr, "<f8") || !strcmp(descr, ">f8")) a->itemsize = 8;
    else {
        PARSE_ERR("parse %s failed: dtype '%s' not supported, need float32 or float64 ('<f4', '<f8', "
                  "'>f4', '>f8'); convert with arr.astype(np.float32)", name, descr);
        return Q2_EFORMAT;
    }
    *big = descr[0] == '>';
    if (fortran) {
        PARSE_ERR("parse %s failed: fortran_order is True, need C order; save np.ascontiguousarray(arr) "
                  "(a transposed view is Fortran-ordered)", name);
        return Q2_EFORMAT;
    }
    a->n = 1;
    for (int d = 0; d < a->ndim; d++) {
        a->n *= a->shape[d];
        if (a->n > Q2_NPY_MAX_ELEMS) {
            PARSE_ERR("parse %s failed: shape has more than %" PRId64 " elements", name,
                      Q2_NPY_MAX_ELEMS);
            return Q2_EFORMAT;
        }
    }
    return Q2_OK;
}

/* The data: a->n elements of a->itemsize bytes at p, byte-swapped if big, into a->data (float). */
static int parse_data(q2_npy *a, const uint8_t *p, bool big, const char *name)
{
    a->data = malloc(a->n ? (size_t)a->n * sizeof(float) : 1);
    if (!a->data) {
        PARSE_ERR("parse %s failed: out of memory for %" PRId64 " elements", name, a->n);
        return Q2_ENOMEM;
    }
    for (int64_t k = 0; k < a->n; k++, p += a->itemsize) {
        uint8_t b[8];
        for (int i = 0; i < a->itemsize; i++) b[i] = big ? p[a->itemsize - 1 - i] : p[i];
        if (a->itemsize == 4) {
            uint32_t u = q2_rd32(b);
            memcpy(&a->data[k], &u, 4);
        } else {
            uint64_t u = q2_rd32(b) | (uint64_t)q2_rd32(b + 4) << 32;
            double v;
            memcpy(&v, &u, 8);
            a->data[k] = (float)v; /* round to nearest float */
        }
    }
    return Q2_OK;
}

int q2_npy_parse(q2_npy *a, const uint8_t *buf, size_t len, const char *name)
{
    size_t pre = 0, hlen = 0;
    char descr[32] = "";
    int fortran = -1;
    bool big = false;
    memset(a, 0, sizeof *a);
    int rc = parse_preamble(buf, len, name, &pre, &hlen);
    if (rc) return rc;
    cursor c = {(const char *)buf + pre, (const char *)buf + pre + hlen};
    rc = parse_dict(&c, name, a, descr, &fortran);
    if (!rc) rc = parse_dtype(a, descr, fortran, name, &big);
    if (rc) return rc;
    size_t data_off = pre + hlen, want = (size_t)a->n * (size_t)a->itemsize;
    if (len - data_off != want) {
        PARSE_ERR("parse %s failed: data is %zu bytes, need %zu for %" PRId64 " elements of %s (%s)", name,
                  len - data_off, want, a->n, descr, len - data_off < want ? "truncated" : "trailing bytes");
        return Q2_EFORMAT;
    }
    return parse_data(a, buf + data_off, big, name);
}
#undef PARSE_ERR

int q2_npy_load(q2_npy *a, const char *path)
{
    uint8_t *buf;
    size_t len;
    memset(a, 0, sizeof *a);
    int rc = q2_read_file(path, &buf, &len, Q2_NPY_MAX_BYTES);
    if (rc) return rc;
    rc = q2_npy_parse(a, buf, len, path);
    free(buf);
    return rc;
}

/* ---- writer ------------------------------------------------------------------------------------ */
int q2_npy_encode(const float *data, int ndim, const int64_t *shape, int itemsize, uint8_t **buf, size_t *len)
{
    if (ndim < 0 || ndim > Q2_NPY_MAX_DIMS || (itemsize != 4 && itemsize != 8)) {
        Q2_ERR("encode failed: ndim %d (need 0..%d), itemsize %d (need 4 or 8)", ndim, Q2_NPY_MAX_DIMS,
               itemsize);
        return Q2_EARG;
    }
    char dict[512];
    int k = snprintf(dict, sizeof dict, "{'descr': '<f%d', 'fortran_order': False, 'shape': (", itemsize);
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0 || (n *= shape[d]) > Q2_NPY_MAX_ELEMS) {
            Q2_ERR("encode failed: bad shape");
            return Q2_EARG;
        }
        k += snprintf(dict + k, sizeof dict - (size_t)k, d ? ", %" PRId64 : "%" PRId64, shape[d]);
    }
    k += snprintf(dict + k, sizeof dict - (size_t)k, "%s), }", ndim == 1 ? "," : "");
    size_t hlen = ((size_t)k + 10 + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN - 10; /* incl. '\n' */
    size_t total = 10 + hlen + (size_t)n * (size_t)itemsize;
    uint8_t *b = malloc(total);
    if (!b) {
        Q2_ERR("encode failed: out of memory for %zu bytes", total);
        return Q2_ENOMEM;
    }
    memcpy(b, npy_magic, 6);
    b[6] = 1;
    b[7] = 0;
    q2_wr16(b + 8, (uint16_t)hlen);
    memcpy(b + 10, dict, (size_t)k);
    memset(b + 10 + k, ' ', hlen - (size_t)k - 1);
    b[10 + hlen - 1] = '\n';
    uint8_t *p = b + 10 + hlen;
    for (int64_t i = 0; i < n; i++) {
        if (itemsize == 4) {
            uint32_t u;
            memcpy(&u, &data[i], 4);
            q2_wr32(p, u);
            p += 4;
        } else {
            double v = data[i];
            uint64_t u;
            memcpy(&u, &v, 8);
            q2_wr32(p, (uint32_t)u);
            q2_wr32(p + 4, (uint32_t)(u >> 32));
            p += 8;
        }
    }
    *buf = b;
    *len = total;
    return Q2_OK;
}

int q2_npy_save(const char *path, const float *data, int ndim, const int64_t *shape, int itemsize)
{
    uint8_t *b;
    size_t len;
    int rc = q2_npy_encode(data, ndim, shape, itemsize, &b, &len);
    if (rc) return rc;
    rc = q2_write_file_atomic(path, b, len);
    free(b);
    return rc;
}
