/* qmodel.c — the .q2 model image (canonical layout, encoder, validating parser) and the bit-exact
 * reference integer model. Specs: docs/formats.md (bytes), docs/arithmetic.md (arithmetic).
 * The reference forward pass follows docs/arithmetic.md line by line; everything else (the fast
 * path in qfast.c, the RTL, the cosimulation) is tested against it. */
#include "qmodel/qmodel.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define HDR_BYTES    sizeof(struct q2_image_header)
#define LAYER_BYTES  sizeof(struct q2_image_layer)
#define NEURON_BYTES sizeof(struct q2_image_neuron)
#define CRC_BYTES    4u

/* Field offsets, named after the structs of qmodel.h. */
#define H_(f) offsetof(struct q2_image_header, f)
#define D_(f) offsetof(struct q2_image_layer, f)
#define N_(f) offsetof(struct q2_image_neuron, f)

static bool is_pow2(unsigned v) { return v && !(v & (v - 1)); }

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- canonical layout ---------------------------------------------------------------------------- */
/* Checks lanes, layer count and dimensions; on failure prints "<func>: <what> failed: ..." */
static int check_topology(const char *func, const char *what, int n_layers, const int *dims, int lanes)
{
    if (lanes < Q2_LANES_MIN || lanes > Q2_LANES_MAX || !is_pow2((unsigned)lanes)) {
        q2_err(func, "%s failed: lanes is %d, need a power of two in %d..%d", what, lanes,
               Q2_LANES_MIN, Q2_LANES_MAX);
        return Q2_EARG;
    }
    if (n_layers < 1 || n_layers > Q2_MAX_LAYERS) {
        q2_err(func, "%s failed: n_layers is %d, need 1..%d", what, n_layers, Q2_MAX_LAYERS);
        return Q2_EARG;
    }
    for (int l = 0; l < n_layers; l++) {
        int n_in = dims[l], n_out = dims[l + 1];
        int max_out = l == n_layers - 1 ? Q2_MAX_CLASSES : Q2_MAX_NOUT;
        if (n_in < 1 || n_in > Q2_MAX_NIN) {
            q2_err(func, "%s failed: layer %d n_in is %d, need 1..%d", what, l, n_in, Q2_MAX_NIN);
            return Q2_EARG;
        }
        if (n_out < 1 || n_out > max_out) {
            q2_err(func, "%s failed: layer %d n_out is %d, need 1..%d%s", what, l, n_out, max_out,
                   l == n_layers - 1 ? " (last layer: classes)" : "");
            return Q2_EARG;
        }
    }
    return Q2_OK;
}

static void layout_compute(int n_layers, const int *dims, int lanes, q2_image_layout *lay)
{
    uint32_t off = (uint32_t)(HDR_BYTES + LAYER_BYTES * (size_t)n_layers);
    memset(lay, 0, sizeof *lay);
    for (int l = 0; l < n_layers; l++) {
        lay->param_off[l] = off;
        off += (uint32_t)(NEURON_BYTES * (size_t)dims[l + 1]);
    }
    lay->p_end = off;
    uint32_t word = (uint32_t)lanes / 4, align = word > 8 ? word : 8;
    off = (off + align - 1) / align * align;
    lay->w0 = off;
    for (int l = 0; l < n_layers; l++) {
        uint32_t groups = ((uint32_t)dims[l + 1] + (uint32_t)lanes - 1) / (uint32_t)lanes;
        lay->w_off[l] = off;
        lay->w_bytes[l] = groups * (uint32_t)dims[l] * word;
        off += lay->w_bytes[l];
    }
    lay->total_size = off + CRC_BYTES;
}

int q2_image_layout_of(int n_layers, const int *dims, int lanes, q2_image_layout *lay)
{
    int rc = check_topology(__func__, "layout", n_layers, dims, lanes);
    if (rc) return rc;
    layout_compute(n_layers, dims, lanes, lay);
    return Q2_OK;
}

/* ---- model in memory ------------------------------------------------------------------------------ */
void q2_qmodel_free(q2_qmodel *q)
{
    for (int l = 0; l < Q2_MAX_LAYERS; l++) {
        free(q->layers[l].bias);
        free(q->layers[l].m);
        free(q->layers[l].s);
        free(q->layers[l].codes);
    }
    free(q->image);
    memset(q, 0, sizeof *q);
}

static int qmodel_alloc(q2_qmodel *q, int n_layers, const int *dims, int lanes)
{
    memset(q, 0, sizeof *q);
    q->n_layers = n_layers;
    q->lanes = lanes;
    for (int l = 0; l < n_layers; l++) {
        q2_qlayer *L = &q->layers[l];
        L->n_in = dims[l];
        L->n_out = dims[l + 1];
        L->bias = calloc((size_t)L->n_out, sizeof *L->bias);
        L->m = calloc((size_t)L->n_out, sizeof *L->m);
        L->s = calloc((size_t)L->n_out, sizeof *L->s);
        L->codes = calloc((size_t)L->n_out * (size_t)L->n_in, 1);
        if (!L->bias || !L->m || !L->s || !L->codes) {
            q2_qmodel_free(q);
            return Q2_ENOMEM;
        }
    }
    return Q2_OK;
}

int q2_qmodel_init(q2_qmodel *q, int n_layers, const int *dims, int lanes)
{
    memset(q, 0, sizeof *q);
    int rc = check_topology(__func__, "init", n_layers, dims, lanes);
    if (rc) return rc;
    rc = qmodel_alloc(q, n_layers, dims, lanes);
    if (rc) Q2_ERR("init failed: out of memory");
    return rc;
}

int q2_qmodel_n_classes(const q2_qmodel *q) { return q->layers[q->n_layers - 1].n_out; }
int q2_qmodel_n_inputs(const q2_qmodel *q) { return q->layers[0].n_in; }

int q2_qmodel_check(const q2_qmodel *q)
{
    int dims[Q2_MAX_LAYERS + 1] = {0};
    if (q->n_layers < 1 || q->n_layers > Q2_MAX_LAYERS) {
        Q2_ERR("check failed: n_layers is %d, need 1..%d", q->n_layers, Q2_MAX_LAYERS);
        return Q2_EARG;
    }
    dims[0] = q->layers[0].n_in;
    for (int l = 0; l < q->n_layers; l++) {
        if (l > 0 && q->layers[l].n_in != q->layers[l - 1].n_out) {
            Q2_ERR("check failed: layer %d n_in is %d, need %d (n_out of layer %d)", l,
                   q->layers[l].n_in, q->layers[l - 1].n_out, l - 1);
            return Q2_EARG;
        }
        dims[l + 1] = q->layers[l].n_out;
    }
    int rc = check_topology(__func__, "check", q->n_layers, dims, q->lanes);
    if (rc) return rc;
    if (q->scope < 0 || q->scope > 2) {
        Q2_ERR("check failed: scope is %d, need 0..2", q->scope);
        return Q2_EARG;
    }
    for (int l = 0; l < q->n_layers; l++) {
        const q2_qlayer *L = &q->layers[l];
        bool hidden = l < q->n_layers - 1;
        for (int j = 0; j < L->n_out; j++) {
            if (L->bias[j] > Q2_BIAS_MAX || L->bias[j] < -Q2_BIAS_MAX) {
                Q2_ERR("check failed: layer %d neuron %d bias is %" PRId32 ", need |bias| <= %d", l, j,
                       L->bias[j], Q2_BIAS_MAX);
                return Q2_EARG;
            }
            if (hidden && (L->s[j] < Q2_S_MIN || L->s[j] > Q2_S_MAX)) {
                Q2_ERR("check failed: layer %d neuron %d s is %u, need %d..%d", l, j, L->s[j],
                       Q2_S_MIN, Q2_S_MAX);
                return Q2_EARG;
            }
        }
        for (size_t k = 0; k < (size_t)L->n_out * (size_t)L->n_in; k++)
            if (L->codes[k] > 3) {
                Q2_ERR("check failed: layer %d code %zu is %u, need 0..3", l, k, L->codes[k]);
                return Q2_EARG;
            }
    }
    return Q2_OK;
}

/* ---- encoder ----------------------------------------------------------------------------------------
 * Weight bit order (docs/formats.md "Weights"; the same text is beside the parser below and in the
 * RTL loader): for layer l, group g (neurons g*L .. g*L+L-1) and input i, the word of L/4 bytes at
 *     w_off + (g * n_in + i) * L/4
 * holds lane t (neuron j = g*L + t) in word bits [2t+1 : 2t], i.e. byte t/4, bits 2*(t%4)+1 : 2*(t%4):
 *     byte b = lanes 4b (bits 1:0), 4b+1 (3:2), 4b+2 (5:4), 4b+3 (7:6).
 * Code k -> weight c = 2k - 3:  0 -> -3, 1 -> -1, 2 -> +1, 3 -> +3.  Padding lanes (j >= n_out): 0. */
int q2_qmodel_encode(q2_qmodel *q)
{
    int rc = q2_qmodel_check(q);
    if (rc) return rc;
    int dims[Q2_MAX_LAYERS + 1];
    dims[0] = q->layers[0].n_in;
    for (int l = 0; l < q->n_layers; l++) dims[l + 1] = q->layers[l].n_out;
    q2_image_layout lay;
    layout_compute(q->n_layers, dims, q->lanes, &lay);

    uint8_t *b = calloc(lay.total_size, 1);
    if (!b) {
        Q2_ERR("encode failed: out of memory for %" PRIu32 " bytes", lay.total_size);
        return Q2_ENOMEM;
    }
    q2_wr32(b + H_(magic), Q2_IMAGE_MAGIC);
    q2_wr16(b + H_(version), Q2_IMAGE_VERSION);
    q2_wr16(b + H_(lanes), (uint16_t)q->lanes);
    q2_wr16(b + H_(n_layers), (uint16_t)q->n_layers);
    q2_wr16(b + H_(flags), (uint16_t)(q->scope & Q2_FLAGS_SCOPE));
    q2_wr32(b + H_(total_size), lay.total_size);

    const uint32_t word = (uint32_t)q->lanes / 4;
    for (int l = 0; l < q->n_layers; l++) {
        const q2_qlayer *L = &q->layers[l];
        bool hidden = l < q->n_layers - 1;
        uint8_t *d = b + HDR_BYTES + LAYER_BYTES * (size_t)l;
        q2_wr16(d + D_(n_in), (uint16_t)L->n_in);
        q2_wr16(d + D_(n_out), (uint16_t)L->n_out);
        q2_wr32(d + D_(param_off), lay.param_off[l]);
        q2_wr32(d + D_(w_off), lay.w_off[l]);
        q2_wr32(d + D_(w_bytes), lay.w_bytes[l]);
        q2_wr32(d + D_(delta), f32_bits(L->delta));
        q2_wr32(d + D_(act_scale), f32_bits(L->act_scale));

        for (int j = 0; j < L->n_out; j++) {
            uint8_t *r = b + lay.param_off[l] + NEURON_BYTES * (size_t)j;
            q2_wr32(r + N_(bias), (uint32_t)L->bias[j]);
            q2_wr16(r + N_(m), hidden ? L->m[j] : 0);
            r[N_(s)] = hidden ? L->s[j] : 0;
            r[N_(reserved)] = 0;
        }

        /* weight words, bit order above */
        for (int j = 0; j < L->n_out; j++) {
            uint32_t g = (uint32_t)j / (uint32_t)q->lanes, t = (uint32_t)j % (uint32_t)q->lanes;
            const uint8_t *row = L->codes + (size_t)j * (size_t)L->n_in;
            for (int i = 0; i < L->n_in; i++) {
                uint8_t *w = b + lay.w_off[l] + ((size_t)g * (size_t)L->n_in + (size_t)i) * word;
                w[t >> 2] |= (uint8_t)((row[i] & 3u) << (2 * (t & 3)));
            }
        }
    }
    uint32_t crc = q2_crc32(b, lay.total_size - CRC_BYTES);
    q2_wr32(b + lay.total_size - CRC_BYTES, crc);

    free(q->image);
    q->image = b;
    q->image_len = lay.total_size;
    q->crc = crc;
    return Q2_OK;
}

int q2_qmodel_save(const q2_qmodel *q, const char *path)
{
    if (!q->image) {
        Q2_ERR("save %s failed: the model has no image (call q2_qmodel_encode first)", path);
        return Q2_EARG;
    }
    return q2_write_file_atomic(path, q->image, q->image_len);
}

/* ---- parser ----------------------------------------------------------------------------------------
 * Checks, in this order: size vs header, magic, version, lanes, n_layers, flags, total_size vs file
 * size, descriptors (dims, chaining, canonical offsets and sizes), CRC, padding bytes, neuron records
 * (reserved, bias range, S range on hidden layers). Every message names the field, the value needed
 * and the value found. Nothing is kept unless everything passes. The steps below report under the
 * public name, so the messages read "q2_qmodel_parse: parse <name> failed: ...". */
#define PARSE_ERR(...) q2_err("q2_qmodel_parse", __VA_ARGS__)

/* The header fields the later steps need. */
typedef struct {
    unsigned lanes, n_layers, flags;
    uint32_t total; // total_size as stored
} parse_header;

/* Step 1: the fixed header, and the file long enough for the descriptors it announces. */
static int parse_hdr(parse_header *h, const uint8_t *buf, size_t len, const char *name)
{
    if (len < HDR_BYTES + CRC_BYTES) {
        PARSE_ERR("parse %s failed: file is %zu bytes, shorter than the %zu-byte header and the CRC", name,
                  len, HDR_BYTES + CRC_BYTES);
        return Q2_EFORMAT;
    }
    uint32_t magic = q2_rd32(buf + H_(magic));
    unsigned version = q2_rd16(buf + H_(version));
    h->lanes = q2_rd16(buf + H_(lanes));
    h->n_layers = q2_rd16(buf + H_(n_layers));
    h->flags = q2_rd16(buf + H_(flags));
    h->total = q2_rd32(buf + H_(total_size));
    if (magic != Q2_IMAGE_MAGIC) {
        PARSE_ERR("parse %s failed: bad magic 0x%08" PRIX32 ", need 0x%08X (\"Q2ML\")", name, magic,
                  Q2_IMAGE_MAGIC);
        return Q2_EFORMAT;
    }
    if (version != Q2_IMAGE_VERSION) {
        PARSE_ERR("parse %s failed: bad version %u, need %d", name, version, Q2_IMAGE_VERSION);
        return Q2_EFORMAT;
    }
    if (h->lanes < Q2_LANES_MIN || h->lanes > Q2_LANES_MAX || !is_pow2(h->lanes)) {
        PARSE_ERR("parse %s failed: bad lanes %u, need a power of two in %d..%d", name, h->lanes,
                  Q2_LANES_MIN, Q2_LANES_MAX);
        return Q2_EFORMAT;
    }
    if (h->n_layers < 1 || h->n_layers > Q2_MAX_LAYERS) {
        PARSE_ERR("parse %s failed: bad n_layers %u, need 1..%d", name, h->n_layers, Q2_MAX_LAYERS);
        return Q2_EFORMAT;
    }
    if ((h->flags & ~Q2_FLAGS_SCOPE) || (h->flags & Q2_FLAGS_SCOPE) == 3) {
        PARSE_ERR("parse %s failed: bad flags 0x%04X, need bits 15:2 zero and scope (bits 1:0) 0..2",
                  name, h->flags);
        return Q2_EFORMAT;
    }
    if (h->total != len) {
        PARSE_ERR("parse %s failed: total_size is %" PRIu32 " but the file is %zu bytes (%s)", name,
                  h->total, len, h->total > len ? "truncated" : "trailing bytes");
        return Q2_EFORMAT;
    }
    size_t desc_end = HDR_BYTES + LAYER_BYTES * h->n_layers;
    if (len < desc_end + CRC_BYTES) {
        PARSE_ERR("parse %s failed: file is %zu bytes, shorter than the header and %u layer descriptors",
                  name, len, h->n_layers);
        return Q2_EFORMAT;
    }
    return Q2_OK;
}

/* Step 2a: the descriptors' dims (ranges, chaining) into dims[0..n_layers]. */
static int parse_dims(int *dims, const parse_header *h, const uint8_t *buf, const char *name)
{
    for (unsigned l = 0; l < h->n_layers; l++) {
        const uint8_t *d = buf + HDR_BYTES + LAYER_BYTES * l;
        int n_in = q2_rd16(d + D_(n_in)), n_out = q2_rd16(d + D_(n_out));
        int max_out = l == h->n_layers - 1 ? Q2_MAX_CLASSES : Q2_MAX_NOUT;
        if (n_in < 1 || n_in > Q2_MAX_NIN) {
            PARSE_ERR("parse %s failed: layer %u n_in is %d, need 1..%d", name, l, n_in, Q2_MAX_NIN);
            return Q2_EFORMAT;
        }
        if (l > 0 && n_in != dims[l]) {
            PARSE_ERR("parse %s failed: layer %u n_in is %d, need %d (n_out of layer %u: dims must chain)",
                      name, l, n_in, dims[l], l - 1);
            return Q2_EFORMAT;
        }
        if (n_out < 1 || n_out > max_out) {
            PARSE_ERR("parse %s failed: layer %u n_out is %d, need 1..%d%s", name, l, n_out, max_out,
                      l == h->n_layers - 1 ? " (last layer)" : "");
            return Q2_EFORMAT;
        }
        dims[l] = n_in;
        dims[l + 1] = n_out;
    }
    return Q2_OK;
}

/* Step 2b: the layout the dims imply, and the descriptors' offsets and sizes equal to it. */
static int parse_layout(q2_image_layout *lay, const int *dims, const parse_header *h, const uint8_t *buf,
                        const char *name)
{
    layout_compute((int)h->n_layers, dims, (int)h->lanes, lay);
    for (unsigned l = 0; l < h->n_layers; l++) {
        const uint8_t *d = buf + HDR_BYTES + LAYER_BYTES * l;
        static const struct { const char *name; size_t off; } f[3] = {
            {"param_off", D_(param_off)}, {"w_off", D_(w_off)}, {"w_bytes", D_(w_bytes)}};
        uint32_t want[3] = {lay->param_off[l], lay->w_off[l], lay->w_bytes[l]};
        for (int k = 0; k < 3; k++) {
            uint32_t got = q2_rd32(d + f[k].off);
            if (got != want[k]) {
                PARSE_ERR("parse %s failed: layer %u %s is %" PRIu32 ", need %" PRIu32 " (canonical)",
                          name, l, f[k].name, got, want[k]);
                return Q2_EFORMAT;
            }
        }
    }
    if (h->total != lay->total_size) {
        PARSE_ERR("parse %s failed: total_size is %" PRIu32 ", need %" PRIu32
                  " (canonical for these dims)", name, h->total, lay->total_size);
        return Q2_EFORMAT;
    }
    return Q2_OK;
}

/* Step 3: the CRC over the payload (*crc: its value) and the zero padding before the weights. */
static int parse_crc_padding(uint32_t *crc, const q2_image_layout *lay, const uint8_t *buf, size_t len,
                             const char *name)
{
    uint32_t crc_want = q2_rd32(buf + len - CRC_BYTES), crc_got = q2_crc32(buf, len - CRC_BYTES);
    if (crc_want != crc_got) {
        PARSE_ERR("parse %s failed: CRC mismatch: stored 0x%08" PRIX32 ", computed 0x%08" PRIX32, name,
                  crc_want, crc_got);
        return Q2_EFORMAT;
    }
    for (uint32_t o = lay->p_end; o < lay->w0; o++)
        if (buf[o]) {
            PARSE_ERR("parse %s failed: padding byte at offset %" PRIu32 " is 0x%02X, need 0", name, o,
                      buf[o]);
            return Q2_EFORMAT;
        }
    *crc = crc_got;
    return Q2_OK;
}

/* Step 4: the neuron records (reserved zero, bias range, S range on hidden layers). */
static int parse_records(const int *dims, const parse_header *h, const q2_image_layout *lay,
                         const uint8_t *buf, const char *name)
{
    for (unsigned l = 0; l < h->n_layers; l++) {
        bool hidden = l < h->n_layers - 1;
        for (int j = 0; j < dims[l + 1]; j++) {
            const uint8_t *r = buf + lay->param_off[l] + NEURON_BYTES * (size_t)j;
            int32_t bias = (int32_t)q2_rd32(r + N_(bias));
            unsigned s = r[N_(s)];
            if (r[N_(reserved)]) {
                PARSE_ERR("parse %s failed: layer %u neuron %d reserved is %u, need 0", name, l, j,
                          r[N_(reserved)]);
                return Q2_EFORMAT;
            }
            if (bias > Q2_BIAS_MAX || bias < -Q2_BIAS_MAX) {
                PARSE_ERR("parse %s failed: layer %u neuron %d bias is %" PRId32 ", need |bias| <= %d",
                          name, l, j, bias, Q2_BIAS_MAX);
                return Q2_EFORMAT;
            }
            if (hidden && (s < Q2_S_MIN || s > Q2_S_MAX)) {
                PARSE_ERR("parse %s failed: layer %u neuron %d s is %u, need %d..%d", name, l, j, s,
                          Q2_S_MIN, Q2_S_MAX);
                return Q2_EFORMAT;
            }
        }
    }
    return Q2_OK;
}

/* Step 5 (everything checked): one layer's scales, records and weight codes into L. */
static void copy_layer(q2_qlayer *L, unsigned l, unsigned lanes, const q2_image_layout *lay,
                       const uint8_t *buf)
{
    const uint32_t word = lanes / 4;
    const uint8_t *d = buf + HDR_BYTES + LAYER_BYTES * l;
    L->delta = bits_f32(q2_rd32(d + D_(delta)));
    L->act_scale = bits_f32(q2_rd32(d + D_(act_scale)));
    for (int j = 0; j < L->n_out; j++) {
        const uint8_t *r = buf + lay->param_off[l] + NEURON_BYTES * (size_t)j;
        L->bias[j] = (int32_t)q2_rd32(r + N_(bias));
        L->m[j] = q2_rd16(r + N_(m));
        L->s[j] = r[N_(s)];
    }
    /* weight words, bit order as in the encoder: lane t of the word for (g, i) is neuron
     * j = g*L + t, code in byte t/4 bits 2*(t%4)+1 : 2*(t%4); c = 2k - 3; padding lanes ignored */
    for (int j = 0; j < L->n_out; j++) {
        uint32_t g = (uint32_t)j / lanes, t = (uint32_t)j % lanes;
        uint8_t *row = L->codes + (size_t)j * (size_t)L->n_in;
        for (int i = 0; i < L->n_in; i++) {
            const uint8_t *w = buf + lay->w_off[l] + ((size_t)g * (size_t)L->n_in + (size_t)i) * word;
            row[i] = (uint8_t)((w[t >> 2] >> (2 * (t & 3))) & 3u);
        }
    }
}

int q2_qmodel_parse(q2_qmodel *q, const uint8_t *buf, size_t len, const char *name)
{
    parse_header h;
    int dims[Q2_MAX_LAYERS + 1];
    q2_image_layout lay;
    uint32_t crc = 0;
    memset(q, 0, sizeof *q);
    int rc = parse_hdr(&h, buf, len, name);
    if (!rc) rc = parse_dims(dims, &h, buf, name);
    if (!rc) rc = parse_layout(&lay, dims, &h, buf, name);
    if (!rc) rc = parse_crc_padding(&crc, &lay, buf, len, name);
    if (!rc) rc = parse_records(dims, &h, &lay, buf, name);
    if (rc) return rc;

    /* everything checked: copy */
    rc = qmodel_alloc(q, (int)h.n_layers, dims, (int)h.lanes);
    if (rc) {
        PARSE_ERR("parse %s failed: out of memory", name);
        return rc;
    }
    q->scope = (int)(h.flags & Q2_FLAGS_SCOPE);
    for (unsigned l = 0; l < h.n_layers; l++) copy_layer(&q->layers[l], l, h.lanes, &lay, buf);
    q->image = malloc(len);
    if (!q->image) {
        q2_qmodel_free(q);
        PARSE_ERR("parse %s failed: out of memory", name);
        return Q2_ENOMEM;
    }
    memcpy(q->image, buf, len);
    q->image_len = len;
    q->crc = crc;
    return Q2_OK;
}
#undef PARSE_ERR

int q2_qmodel_load(q2_qmodel *q, const char *path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    memset(q, 0, sizeof *q);
    int rc = q2_read_file(path, &buf, &len, Q2_IMAGE_MAX_BYTES);
    if (rc) return rc;
    rc = q2_qmodel_parse(q, buf, len, path);
    free(buf);
    return rc;
}

/* ---- the reference integer model (docs/arithmetic.md "One layer") ------------------------------- */
/* floor(v / 2^s) for s in 1..40: the arithmetic shift right, written without relying on the
 * implementation-defined >> of negative values. */
static int64_t asr64(int64_t v, int s)
{
    return v >= 0 ? v >> s : -(int64_t)((uint64_t)(-(v + 1)) >> s) - 1;
}

int q2_argmax(const int32_t *v, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (v[j] > v[best]) best = j; /* strict: the lowest index wins ties */
    return best;
}

int q2_qmodel_forward_ref(const q2_qmodel *q, const uint8_t *x, int32_t *logits, uint8_t **hidden)
{
    uint8_t buf[2][Q2_MAX_NOUT];
    const uint8_t *a = x; /* a_i: the layer's uint8 inputs */
    for (int l = 0; l < q->n_layers; l++) {
        const q2_qlayer *L = &q->layers[l];
        bool last = l == q->n_layers - 1;
        uint8_t *out = buf[l & 1];
        for (int j = 0; j < L->n_out; j++) {
            /* acc_j = bias_j + sum_i c_ij * a_i,  c = 2k - 3 */
            int32_t acc = L->bias[j];
            const uint8_t *k = L->codes + (size_t)j * (size_t)L->n_in;
            for (int i = 0; i < L->n_in; i++) acc += (2 * (int32_t)k[i] - 3) * (int32_t)a[i];
            if (last) {
                logits[j] = acc; /* logit_j = acc_j */
                continue;
            }
            /* p = acc * M;  r = (p + 2^(S-1)) >> S;  a' = clamp(r, 0, 255) */
            int64_t p = (int64_t)acc * (int64_t)L->m[j];
            int64_t r = asr64(p + ((int64_t)1 << (L->s[j] - 1)), L->s[j]);
            out[j] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
        }
        if (!last) {
            if (hidden && hidden[l]) memcpy(hidden[l], out, (size_t)L->n_out);
            a = out;
        }
    }
    return q2_argmax(logits, q->layers[q->n_layers - 1].n_out);
}
