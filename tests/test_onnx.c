/* test_onnx.c — the ONNX layer (sw/onnx/, docs/onnx.md): export -> import of a .mlp bit for bit,
 * deterministic bytes, every truncation refused, the variants the exporters write (float_data,
 * Gemm with transB = 0, MatMul + Add, Flatten, Reshape, a final Softmax) read back to the same
 * weights, refusals naming the node and its op, and the meaning of the .q2 export (each layer is
 * the integer model's affine map in float). The variants are made here by decoding an export
 * with the generated protobuf-c code, changing it and packing it again.
 * Numbered checks, PASSED/FAILED, exit 1 on any failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "float/mlp.h"
#include "onnx/onnx.h"
#include "onnxpb/onnx.pb-c.h"
#include "qmodel/qmodel.h"
#include "base/util.h"
#include "check.h"

/* A model of the given dims with random weights (seeded). */
static void random_mlp(q2_mlp *m, int n_layers, const int *dims, uint64_t seed)
{
    q2_rng r;
    q2_rng_init(&r, seed);
    q2_mlp_init(m, n_layers, dims);
    for (int l = 0; l < n_layers; l++) {
        for (int k = 0; k < dims[l] * dims[l + 1]; k++) m->w[l][k] = (float)q2_rng_normal(&r);
        for (int j = 0; j < dims[l + 1]; j++) m->b[l][j] = (float)q2_rng_normal(&r);
    }
}

static bool same_mlp(const q2_mlp *a, const q2_mlp *b)
{
    if (a->n_layers != b->n_layers || memcmp(a->dims, b->dims, sizeof(int) * (size_t)(a->n_layers + 1))) return false;
    for (int l = 0; l < a->n_layers; l++)
        if (memcmp(a->w[l], b->w[l], sizeof(float) * (size_t)a->dims[l] * a->dims[l + 1]) ||
            memcmp(a->b[l], b->b[l], sizeof(float) * (size_t)a->dims[l + 1]))
            return false;
    return true;
}

/* Parse buf quietly: the return code, and the first line of the message in msg. */
static int parse_quiet(const uint8_t *buf, size_t len, q2_mlp *out, char *msg, size_t n)
{
    capture_begin();
    int rc = q2_onnx_parse(out, buf, len, "t.onnx", NULL);
    snprintf(msg, n, "%s", capture_end_line());
    return rc;
}

/* Decode, let edit change the model, encode again; parse the result into out. */
typedef void (*edit_fn)(Onnx__ModelProto *mp);
static int edited(const uint8_t *buf, size_t len, edit_fn edit, q2_mlp *out, char *msg, size_t n)
{
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, buf);
    if (!mp) return 99;
    edit(mp);
    size_t k = onnx__model_proto__get_packed_size(mp);
    uint8_t *b = malloc(k + 1);
    onnx__model_proto__pack(mp, b);
    int rc = parse_quiet(b, k, out, msg, n);
    free(b);
    /* the edits below only move pointers among the decoded objects or into static storage, and
     * restore them before the free */
    edit(NULL);
    onnx__model_proto__free_unpacked(mp, NULL);
    return rc;
}

/* ---- the edits (each called once with the model and once with NULL to undo) ----------------------- */
static float fbuf[4][4096];
static ProtobufCBinaryData saved_raw[4];
static void to_float_data(Onnx__ModelProto *mp)
{
    static Onnx__ModelProto *m;
    if (mp) m = mp;
    for (size_t k = 0; k < m->graph->n_initializer && k < 4; k++) {
        Onnx__TensorProto *t = m->graph->initializer[k];
        if (mp) {
            saved_raw[k] = t->raw_data;
            t->n_float_data = t->raw_data.len / 4;
            for (size_t i = 0; i < t->n_float_data; i++) {
                uint32_t u = q2_rd32(t->raw_data.data + 4 * i);
                memcpy(&fbuf[k][i], &u, 4);
            }
            t->float_data = fbuf[k];
            t->has_raw_data = false;
            t->raw_data.len = 0;
        } else {
            t->raw_data = saved_raw[k];
            t->n_float_data = 0;
            t->float_data = NULL;
        }
    }
}

static char op_save[32];
static char *op_keep;
static void relu_to_tanh(Onnx__ModelProto *mp)
{
    static Onnx__NodeProto *n;
    if (mp) {
        n = mp->graph->node[1];
        op_keep = n->op_type;
        snprintf(op_save, sizeof op_save, "Tanh");
        n->op_type = op_save;
    } else {
        n->op_type = op_keep;
    }
}

static void w0_double(Onnx__ModelProto *mp)
{
    static Onnx__TensorProto *t;
    if (mp) t = mp->graph->initializer[0];
    t->data_type = mp ? ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE : ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
}

static char dyn_name[] = "W";
static void input_dim1_dynamic(Onnx__ModelProto *mp)
{
    static Onnx__TensorShapeProto__Dimension *d;
    static int64_t v;
    if (mp) {
        d = mp->graph->input[0]->type->tensor_type->shape->dim[1];
        v = d->dim_value;
        d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
        d->dim_param = dyn_name;
    } else {
        d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        d->dim_value = v;
    }
}

static void opset_99(Onnx__ModelProto *mp)
{
    static Onnx__ModelProto *m;
    if (mp) m = mp;
    m->opset_import[0]->version = mp ? 99 : Q2_ONNX_EXPORT_OPSET;
}

static void alpha_2(Onnx__ModelProto *mp)
{
    static char name[] = "alpha";
    static Onnx__AttributeProto a, **keep, *attrs[2];
    static Onnx__NodeProto *n;
    if (mp) {
        n = mp->graph->node[0];
        onnx__attribute_proto__init(&a);
        a.name = name;
        a.has_type = true;
        a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        a.has_f = true;
        a.f = 2.0f;
        keep = n->attribute;
        attrs[0] = keep[0];
        attrs[1] = &a;
        n->attribute = attrs;
        n->n_attribute = 2;
    } else {
        n->attribute = keep;
        n->n_attribute = 1;
    }
}

/* ---- export -> import ------------------------------------------------------------------------------ */
static void test_round_trip(void)
{
    static const int dims[][5] = {{5, 7, 3}, {784, 33, 17, 10}, {1, 1}};
    static const int layers[] = {2, 3, 1};
    for (int k = 0; k < 3; k++) {
        q2_mlp m, back;
        random_mlp(&m, layers[k], dims[k], 7 + (uint64_t)k);
        uint8_t *a, *b;
        size_t na, nb;
        int rc = q2_onnx_encode_mlp(&m, "doc", &a, &na) || q2_onnx_encode_mlp(&m, "doc", &b, &nb);
        CHECK(!rc && na == nb && !memcmp(a, b, na), "model %d: two exports are the same %zu bytes", k, na);
        int opset = 0;
        rc = q2_onnx_parse(&back, a, na, "export", &opset);
        CHECK(!rc && same_mlp(&m, &back) && opset == Q2_ONNX_EXPORT_OPSET,
              "model %d (%d layers): export -> import gives the same weights bit for bit, opset %d", k,
              layers[k], opset);
        q2_mlp_free(&back);
        free(a);
        free(b);
        q2_mlp_free(&m);
    }
}

/* Every proper prefix of an export, and the empty file, is refused with a message. */
static void test_truncated(void)
{
    q2_mlp m, out;
    random_mlp(&m, 2, (const int[]){5, 4, 3}, 3);
    uint8_t *a;
    size_t na;
    q2_onnx_encode_mlp(&m, NULL, &a, &na);
    size_t accepted = 0, silent = 0;
    char msg[512];
    for (size_t k = 0; k < na; k++) {
        uint8_t *p = malloc(k ? k : 1);
        memcpy(p, a, k);
        if (!parse_quiet(p, k, &out, msg, sizeof msg)) accepted++;
        else if (!strstr(msg, "import t.onnx failed: ")) silent++;
        q2_mlp_free(&out);
        free(p);
    }
    CHECK(!accepted && !silent, "all %zu prefixes of a %zu-byte export refused with a message (%zu accepted, "
          "%zu without the message)", na, na, accepted, silent);
    uint8_t junk[64];
    for (int i = 0; i < 64; i++) junk[i] = (uint8_t)(i * 37 + 11);
    int rc = parse_quiet(junk, sizeof junk, &out, msg, sizeof msg);
    CHECK(rc == Q2_EFORMAT && strstr(msg, "not an ONNX model"), "64 bytes of junk: '%s'", msg);
    free(a);
    q2_mlp_free(&m);
}

/* ---- variants and refusals ------------------------------------------------------------------------- */
static void test_edits(void)
{
    q2_mlp m, out;
    random_mlp(&m, 2, (const int[]){5, 4, 3}, 5);
    uint8_t *a;
    size_t na;
    q2_onnx_encode_mlp(&m, NULL, &a, &na);
    char msg[512];
    int rc = edited(a, na, to_float_data, &out, msg, sizeof msg);
    CHECK(!rc && same_mlp(&m, &out), "initializers as float_data: the same weights");
    q2_mlp_free(&out);
    static const struct {
        edit_fn fn;
        const char *what, *need;
    } bad[] = {
        {relu_to_tanh, "a Tanh activation", "node 'relu0' (Tanh): activation Tanh is not supported, only Relu"},
        {w0_double, "a float64 initializer", "node 'gemm0' (Gemm): initializer 'w0' is DOUBLE, need FLOAT"},
        {input_dim1_dynamic, "a dynamic feature dimension", "graph input 'input': dimension 1 is dynamic W"},
        {opset_99, "opset 99", "opset 99, need 7..21"},
        {alpha_2, "Gemm alpha 2", "node 'gemm0' (Gemm): alpha and beta must be 1"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        rc = edited(a, na, bad[k].fn, &out, msg, sizeof msg);
        CHECK(rc == Q2_EFORMAT && strstr(msg, bad[k].need) && strstr(msg, "onnx_import: import t.onnx failed: "),
              "%s refused: '%s'", bad[k].what, msg);
        q2_mlp_free(&out);
    }
    free(a);
    q2_mlp_free(&m);
}

/* ---- the .q2 export's meaning ---------------------------------------------------------------------- */
/* A random 2-layer integer model 6-5-3: codes, biases, M, S, act_scale. */
static void random_q2(q2_qmodel *q, uint64_t seed)
{
    q2_rng r;
    q2_rng_init(&r, seed);
    q2_qmodel_init(q, 2, (const int[]){6, 5, 3}, 4);
    for (int l = 0; l < 2; l++) {
        q2_qlayer *L = &q->layers[l];
        for (int k = 0; k < L->n_in * L->n_out; k++) L->codes[k] = (uint8_t)q2_rng_below(&r, 4);
        for (int j = 0; j < L->n_out; j++) {
            L->bias[j] = (int32_t)q2_rng_below(&r, 2001) - 1000;
            L->m[j] = l ? 0 : (uint16_t)(32768 + q2_rng_below(&r, 32768));
            L->s[j] = l ? 0 : (uint8_t)(18 + q2_rng_below(&r, 4));
        }
        L->act_scale = l ? 0.0123f : 0.05f;
    }
}

/* The dequantized network in float against the integer one on random images: each hidden value is
 * s_1 * acc * M / 2^S (the integer model's value before rounding and clamping), and with the
 * integer model's own (rounded) hidden activations as input the logits are act_scale * acc. */
static void test_dequantize(void)
{
    q2_qmodel q;
    q2_mlp m;
    random_q2(&q, 11);
    int rc = q2_onnx_dequantize(&q, &m);
    q2_rng r;
    q2_rng_init(&r, 12);
    double worst_h = 0, worst_l = 0;
    for (int t = 0; t < 200 && !rc; t++) {
        uint8_t px[6], hid[5], *hp[1] = {hid};
        float x[6], h[5], hf[5], lg[3];
        int32_t logits[3];
        for (int i = 0; i < 6; i++) px[i] = (uint8_t)q2_rng_below(&r, 256);
        q2_mlp_scale_pixels(px, 6, x);
        q2_qmodel_forward_ref(&q, px, logits, hp);
        q2_mlp_layer_forward(&m, 0, x, 1, h, true);
        for (int j = 0; j < 5; j++) {
            const q2_qlayer *L = &q.layers[0];
            int64_t acc = L->bias[j];
            for (int i = 0; i < 6; i++) acc += (2 * L->codes[j * 6 + i] - 3) * (int64_t)px[i];
            double want = acc > 0 ? (double)acc * L->m[j] / ldexp(1.0, L->s[j]) : 0;
            double e = fabs(h[j] / 0.05 - want) / (1 + want);
            if (e > worst_h) worst_h = e;
            hf[j] = 0.05f * hid[j]; /* the integer model's hidden values as floats */
        }
        q2_mlp_layer_forward(&m, 1, hf, 1, lg, false);
        for (int j = 0; j < 3; j++) {
            double e = fabs(lg[j] / 0.0123 - logits[j]) / (1 + fabs((double)logits[j]));
            if (e > worst_l) worst_l = e;
        }
    }
    CHECK(!rc && worst_h < 1e-5 && worst_l < 1e-5, "dequantized .q2, 200 random images: hidden = s*acc*M/2^S "
          "(worst relative error %.2g), logits = act_scale*acc (%.2g)", worst_h, worst_l);
    q2_mlp_free(&m);
    q2_qmodel_free(&q);
}

int main(void)
{
    test_round_trip();
    test_truncated();
    test_edits();
    test_dequantize();
    return check_summary();
}
