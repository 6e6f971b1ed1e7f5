/* qmodel.h — the bit-exact integer model and the packed .q2 model image.
 * Spec: docs/arithmetic.md (what is computed), docs/formats.md (the bytes). */
#ifndef Q2_QMODEL_H
#define Q2_QMODEL_H

#include <stddef.h>
#include <stdint.h>
#include "mlp.h"

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
    q2_qlayer layers[MLP_MAX_LAYERS];
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

#endif
