/* qmodel.h — the bit-exact integer model and the packed .q2 model image.
 * Spec: docs/arithmetic.md (what is computed), docs/formats.md (the bytes).
 * Sections: the model and its reference forward pass (what sim/ links), the on-disk structs and
 * layout, building a model, the capacity check (fits.c), the fast CPU path (qfast.c). */
#ifndef Q2_QMODEL_H
#define Q2_QMODEL_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/util.h"

#define Q2_IMAGE_MAGIC   0x4C4D3251u /* "Q2ML" */
#define Q2_IMAGE_VERSION 1
#define Q2_MAX_NIN       4096
#define Q2_MAX_NOUT      4096
#define Q2_MAX_CLASSES   256
#define Q2_BIAS_MAX      ((1 << 22) - 1)
#define Q2_ACC_BITS      24
#define Q2_S_MIN         1
#define Q2_S_MAX         40

typedef struct {
    int n_in, n_out;
    int32_t *bias;     /* (n_out) accumulator units */
    uint16_t *m;       /* (n_out) requantization multiplier (0 on the last layer) */
    uint8_t *s;        /* (n_out) shift (0 on the last layer) */
    uint8_t *codes;    /* (n_out, n_in) unpacked 2-bit codes 0..3, row-major */
    float delta;       /* informative: the layer's step */
    float act_scale;   /* informative: float value of one output unit */
} q2_qlayer;

typedef struct {
    int n_layers;
    int lanes;
    int scope;                           /* q2_scope, informative */
    q2_qlayer layers[Q2_MAX_LAYERS];
    uint8_t *image;                      /* the packed .q2 bytes exactly as on disk / on the wire */
    size_t image_len;
    uint32_t crc;
} q2_qmodel;

/* Parse and validate .q2 bytes (name is used in messages). Copies what it needs. */
int  q2_qmodel_parse(q2_qmodel *q, const uint8_t *buf, size_t len, const char *name);
int  q2_qmodel_load(q2_qmodel *q, const char *path);
void q2_qmodel_free(q2_qmodel *q);

/* The spec as plain loops. x: (n_in of layer 0) uint8; logits: (n_out of the last layer);
 * hidden: NULL or an array of n_layers-1 pointers, hidden[l] (n_out of layer l) receives the
 * requantized uint8 outputs of hidden layer l. Returns the class (argmax, lowest index on ties). */
int  q2_qmodel_forward_ref(const q2_qmodel *q, const uint8_t *x, int32_t *logits, uint8_t **hidden);
int  q2_argmax(const int32_t *v, int n);

/* ---- the on-disk structs (docs/formats.md). Little-endian; read and written field by field at
 * offsetof() with q2_rd16/q2_rd32 and q2_wr16/q2_wr32, never by casting the buffer, so host byte
 * order and alignment do not matter. The sizes are part of the format. ------------------------------ */
struct q2_image_header {
    uint32_t magic;      /* Q2_IMAGE_MAGIC, the bytes "Q2ML" */
    uint16_t version;    /* Q2_IMAGE_VERSION */
    uint16_t lanes;      /* L: power of two, Q2_LANES_MIN..Q2_LANES_MAX */
    uint16_t n_layers;   /* 1..Q2_MAX_LAYERS */
    uint16_t flags;      /* bits 1:0 scope (informative), bits 15:2 zero */
    uint32_t total_size; /* bytes in the file including the trailing CRC */
};
struct q2_image_layer {
    uint16_t n_in, n_out;
    uint32_t param_off;  /* canonical byte offset of the neuron records */
    uint32_t w_off;      /* canonical byte offset of the weight words */
    uint32_t w_bytes;    /* ceil(n_out / L) * n_in * L/4 */
    float delta;         /* informative */
    float act_scale;     /* informative */
};
struct q2_image_neuron {
    int32_t bias;        /* |bias| <= Q2_BIAS_MAX */
    uint16_t m;          /* M_j (0 on the last layer) */
    uint8_t s;           /* S_j in Q2_S_MIN..Q2_S_MAX (0 on the last layer) */
    uint8_t reserved;    /* 0 */
};
static_assert(sizeof(struct q2_image_header) == 16, ".q2 header is 16 bytes");
static_assert(sizeof(struct q2_image_layer) == 24, ".q2 layer descriptor is 24 bytes");
static_assert(sizeof(struct q2_image_neuron) == 8, ".q2 neuron record is 8 bytes");
static_assert(sizeof(float) == 4, "f32 fields");

#define Q2_LANES_MIN   4
#define Q2_LANES_MAX   256
#define Q2_FLAGS_SCOPE 0x0003u
#define Q2_IMAGE_MAX_BYTES ((size_t)64 << 20) /* loaders refuse larger files (max legal ~35 MB) */

/* The canonical placement of every part of an image (docs/formats.md). */
typedef struct {
    uint32_t param_off[Q2_MAX_LAYERS]; /* (n_layers) */
    uint32_t w_off[Q2_MAX_LAYERS];     /* (n_layers) */
    uint32_t w_bytes[Q2_MAX_LAYERS];   /* (n_layers) */
    uint32_t p_end;      /* end of the last neuron record */
    uint32_t w0;         /* first weight byte: p_end rounded up to max(8, L/4) */
    uint32_t total_size; /* including the CRC */
} q2_image_layout;
/* dims: (n_layers + 1). Checks every limit; Q2_EARG (with a message naming the field) if not met. */
int  q2_image_layout_of(int n_layers, const int *dims, int lanes, q2_image_layout *lay);

/* ---- building a model in memory --------------------------------------------------------------- */
/* A zeroed model of the given topology (dims: (n_layers + 1)); no image yet. */
int  q2_qmodel_init(q2_qmodel *q, int n_layers, const int *dims, int lanes);
/* Check every value range of the layer arrays (bias, S, codes) as a loader would. */
int  q2_qmodel_check(const q2_qmodel *q);
/* (Re)build q->image, q->image_len and q->crc from the layer arrays (the canonical layout). */
int  q2_qmodel_encode(q2_qmodel *q);
int  q2_qmodel_save(const q2_qmodel *q, const char *path); /* atomic; encode first */
int  q2_qmodel_n_classes(const q2_qmodel *q);
int  q2_qmodel_n_inputs(const q2_qmodel *q);

/* ---- does a model fit a core (sw/qmodel/fits.c): the loader's capacity checks ------------------- */
/* A core's memories: the parameters its board top gives it (rtl/boards/capacities.tbl), which
 * the device also reports in INFO. */
typedef struct {
    unsigned lanes;          /* LANES */
    unsigned wmem_bytes;     /* WMEM_BYTES: weight words x LANES/4 bytes */
    unsigned pmem_neurons;   /* PMEM_NEURONS: neuron records, all layers */
    unsigned abuf_bytes;     /* ABUF_BYTES: n_in of layer 0 and n_out of every hidden layer */
} q2_caps;
/* What a topology (dims: (n_layers + 1)) packed for lanes asks of a core. */
typedef struct {
    uint64_t weight_bytes;   /* sum of ceil(n_out / lanes) * n_in * lanes/4 */
    uint64_t neurons;        /* sum of n_out */
    unsigned width;          /* the widest activation buffer the layers need */
    unsigned classes;        /* n_out of the last layer (<= Q2_MAX_CLASSES) */
} q2_need;
void q2_qmodel_need(int n_layers, const int *dims, int lanes, q2_need *need);
/* 0 when the topology fits caps, else Q2_EARG with one line naming the first limit it exceeds:
 * "<name>: model does not fit the device: 169984 weight bytes, the device holds 131072". */
int  q2_qmodel_fits(int n_layers, const int *dims, int lanes, const q2_caps *caps, const char *name);

/* ---- the fast CPU path (sw/qmodel/qfast.c): same results as q2_qmodel_forward_ref, bit for bit -------- */
typedef enum {
    Q2_FAST_AUTO,    /* the best kernel this CPU runs */
    Q2_FAST_C,       /* portable C, int8 weights, int32 sums */
    Q2_FAST_AVX2,    /* vpmaddubsw + vpaddw (u8 x s8 -> s16 pairs, summed in s16), vpmaddwd -> s32 */
    Q2_FAST_AVX512,  /* AVX512-VNNI vpdpbusd (u8 x s8, 4 per s32), 16 neurons x 4 inputs */
    Q2_FAST_COUNT
} q2_fast_kernel;
const char *q2_fast_kernel_name(q2_fast_kernel k);
bool q2_fast_kernel_supported(q2_fast_kernel k);

#define Q2_FAST_BATCH 8 /* images per pass over the weights */

/* The model unpacked for speed: c = 2k-3 as int8 in panels of 16 neurons x 4 inputs (the vpdpbusd
 * operand order), inputs padded to a multiple of 4 and outputs to a multiple of 16 with zero weights.
 * Holds scratch buffers: one q2_fast per thread. */
typedef struct {
    int kernel;                          /* q2_fast_kernel actually used */
    int n_layers;
    int n_in[Q2_MAX_LAYERS];            /* (n_layers) */
    int n_out[Q2_MAX_LAYERS];           /* (n_layers) */
    int k_pad[Q2_MAX_LAYERS];           /* (n_layers) n_in rounded up to 4 */
    int n_pad[Q2_MAX_LAYERS];           /* (n_layers) n_out rounded up to 16 */
    int8_t *w[Q2_MAX_LAYERS];           /* layer l: (n_pad/16, k_pad/4, 16, 4) c values */
    int32_t *bias[Q2_MAX_LAYERS];       /* layer l: (n_pad) */
    int64_t *mul[Q2_MAX_LAYERS];        /* layer l: (n_pad) M_j (hidden layers) */
    int64_t *rnd[Q2_MAX_LAYERS];        /* layer l: (n_pad) 2^(S_j-1) */
    int64_t *sh[Q2_MAX_LAYERS];         /* layer l: (n_pad) S_j */
    int max_width;                       /* largest k_pad / n_pad */
    uint8_t *act[2];                     /* scratch: (Q2_FAST_BATCH, max_width) each */
    int32_t *acc;                        /* scratch: (Q2_FAST_BATCH, max_width) */
    int32_t *quads;                      /* scratch: (max_width/4) nonzero input quads */
    uint8_t *xq;                         /* scratch: (max_width/4, Q2_FAST_BATCH, 4) their bytes */
    uint64_t macs_done;                  /* multiply-accumulates of the quads not skipped, summed over
                                          * the images and real neurons of every forward (speed
                                          * reports; the caller may reset it) */
} q2_fast;

int  q2_fast_init(q2_fast *f, const q2_qmodel *q, q2_fast_kernel k);
void q2_fast_free(q2_fast *f);
/* x: (n, n_in) uint8 images; logits: NULL or (n, n_classes); classes: NULL or (n). */
int  q2_fast_forward(q2_fast *f, const uint8_t *x, int n, int32_t *logits, int *classes);
/* Top-1 accuracy in [0, 1] of the integer model on a dataset (fast path); < 0 on error. */
double q2_fast_accuracy(q2_fast *f, const uint8_t *images, const uint8_t *labels, int n);

#endif
