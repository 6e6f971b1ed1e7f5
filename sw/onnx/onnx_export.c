/* onnx_export.c — a float MLP (or a .q2 model dequantized to one) as an ONNX model (docs/onnx.md
 * "Export"). The graph is fixed: input "input" (N, n_in) -> Gemm (transB = 1) -> Relu -> ... ->
 * Gemm -> "logits" (N, n_classes), opset Q2_ONNX_EXPORT_OPSET; initializers w<l> (n_out, n_in) and
 * b<l> (n_out,) as little-endian float32 raw_data. The bytes are packed by libprotobuf-c. See onnx.h. */
#include "onnx/onnx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "onnxpb/onnx.pb-c.h"

#define FN "onnx_export"

/* ---- the .q2 model as float ---------------------------------------------------------------------- */
/* The activation scale a dequantized layer's output is expressed in: act_scale when it is a usable
 * number, else 1 (the tensor is then in the integer model's own units). */
static double out_scale(float act_scale)
{
    return isfinite(act_scale) && act_scale > 0 ? (double)act_scale : 1.0;
}

int q2_onnx_dequantize(const q2_qmodel *q, q2_mlp *m)
{
    int dims[Q2_MAX_LAYERS + 1] = {q->layers[0].n_in};
    for (int l = 0; l < q->n_layers; l++) dims[l + 1] = q->layers[l].n_out;
    int rc = q2_mlp_init(m, q->n_layers, dims);
    if (rc) return rc;
    double s_in = 1.0 / 255.0; /* s_0: the float input is pixel / 255 */
    for (int l = 0; l < q->n_layers; l++) {
        const q2_qlayer *L = &q->layers[l];
        bool last = l == q->n_layers - 1;
        double s_out = out_scale(L->act_scale);
        for (int j = 0; j < L->n_out; j++) {
            /* g: the float value of one accumulator unit, as the integer model scales it */
            double g = last ? s_out : s_out * (double)L->m[j] / ldexp(1.0, L->s[j]);
            for (int i = 0; i < L->n_in; i++) {
                int c = 2 * L->codes[(size_t)j * L->n_in + i] - 3;
                m->w[l][(size_t)j * L->n_in + i] = (float)(c * g / s_in);
            }
            m->b[l][j] = (float)(L->bias[j] * g);
        }
        s_in = s_out;
    }
    return Q2_OK;
}

/* ---- building the ModelProto --------------------------------------------------------------------- */
/* Everything the ModelProto points at; freed by export_free. */
typedef struct {
    Onnx__ModelProto model;
    Onnx__OperatorSetIdProto opset, *opsets[1];
    Onnx__GraphProto graph;
    Onnx__NodeProto nodes[2 * Q2_MAX_LAYERS], *node_p[2 * Q2_MAX_LAYERS];
    Onnx__AttributeProto trans_b, *attr_p[1];
    char *node_in[2 * Q2_MAX_LAYERS][3], *node_out[2 * Q2_MAX_LAYERS][1];
    char names[6 * Q2_MAX_LAYERS][16]; /* node, tensor and initializer names */
    Onnx__TensorProto inits[2 * Q2_MAX_LAYERS], *init_p[2 * Q2_MAX_LAYERS];
    int64_t init_dims[2 * Q2_MAX_LAYERS][2];
    Onnx__ValueInfoProto io[2], *in_p[1], *out_p[1];
    Onnx__TypeProto io_type[2];
    Onnx__TypeProto__Tensor io_tensor[2];
    Onnx__TensorShapeProto io_shape[2];
    Onnx__TensorShapeProto__Dimension io_dim[2][2], *io_dim_p[2][2];
} export_t;

static void export_free(export_t *e)
{
    for (int k = 0; k < 2 * Q2_MAX_LAYERS; k++) free(e->inits[k].raw_data.data);
    free(e);
}

/* Initializer k: name, dims (n0[, n1]) and the values v as little-endian float32 raw_data. */
static int set_init(export_t *e, int k, const char *name, const float *v, int64_t n0, int64_t n1)
{
    Onnx__TensorProto *t = &e->inits[k];
    onnx__tensor_proto__init(t);
    size_t n = (size_t)n0 * (size_t)(n1 ? n1 : 1);
    uint8_t *raw = malloc(4 * n);
    if (!raw) {
        q2_err(FN, "export failed: out of memory for %zu floats", n);
        return Q2_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], sizeof u);
        q2_wr32(raw + 4 * i, u);
    }
    snprintf(e->names[4 * Q2_MAX_LAYERS + k], sizeof e->names[0], "%s", name);
    t->name = e->names[4 * Q2_MAX_LAYERS + k];
    e->init_dims[k][0] = n0;
    e->init_dims[k][1] = n1;
    t->n_dims = n1 ? 2 : 1;
    t->dims = e->init_dims[k];
    t->has_data_type = true;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t->has_raw_data = true;
    t->raw_data = (ProtobufCBinaryData){.len = 4 * n, .data = raw};
    e->init_p[k] = t;
    return Q2_OK;
}

/* Node k: op with one output; inputs in (n_in names). */
static void set_node(export_t *e, int k, const char *op, const char *name, char **in, size_t n_in, char *out)
{
    Onnx__NodeProto *n = &e->nodes[k];
    onnx__node_proto__init(n);
    snprintf(e->names[k], sizeof e->names[0], "%s", name);
    n->name = e->names[k];
    n->op_type = (char *)op;
    memcpy(e->node_in[k], in, n_in * sizeof *in);
    n->n_input = n_in;
    n->input = e->node_in[k];
    e->node_out[k][0] = out;
    n->n_output = 1;
    n->output = e->node_out[k];
    e->node_p[k] = n;
}

/* Graph input or output k (0, 1): float32 (N, width). */
static Onnx__ValueInfoProto *set_io(export_t *e, int k, const char *name, int width)
{
    Onnx__ValueInfoProto *v = &e->io[k];
    onnx__value_info_proto__init(v);
    onnx__type_proto__init(&e->io_type[k]);
    onnx__type_proto__tensor__init(&e->io_tensor[k]);
    onnx__tensor_shape_proto__init(&e->io_shape[k]);
    for (int d = 0; d < 2; d++) {
        Onnx__TensorShapeProto__Dimension *dm = &e->io_dim[k][d];
        onnx__tensor_shape_proto__dimension__init(dm);
        dm->value_case = d ? ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                           : ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
        if (d) dm->dim_value = width;
        else dm->dim_param = "N";
        e->io_dim_p[k][d] = dm;
    }
    e->io_shape[k].n_dim = 2;
    e->io_shape[k].dim = e->io_dim_p[k];
    e->io_tensor[k].has_elem_type = true;
    e->io_tensor[k].elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    e->io_tensor[k].shape = &e->io_shape[k];
    e->io_type[k].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    e->io_type[k].tensor_type = &e->io_tensor[k];
    v->name = (char *)name;
    v->type = &e->io_type[k];
    return v;
}

/* The nodes and initializers of m's layers. */
static int build_graph(export_t *e, const q2_mlp *m)
{
    onnx__attribute_proto__init(&e->trans_b);
    e->trans_b.name = "transB";
    e->trans_b.has_type = true;
    e->trans_b.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    e->trans_b.has_i = true;
    e->trans_b.i = 1;
    e->attr_p[0] = &e->trans_b;
    char *cur = Q2_ONNX_INPUT;
    int nn = 0, rc = Q2_OK;
    for (int l = 0; l < m->n_layers && !rc; l++) {
        char wn[16], bn[16], nm[16];
        snprintf(wn, sizeof wn, "w%d", l);
        snprintf(bn, sizeof bn, "b%d", l);
        if ((rc = set_init(e, 2 * l, wn, m->w[l], m->dims[l + 1], m->dims[l])) ||
            (rc = set_init(e, 2 * l + 1, bn, m->b[l], m->dims[l + 1], 0)))
            break;
        bool last = l == m->n_layers - 1;
        char *h = e->names[2 * Q2_MAX_LAYERS + nn];
        if (last) snprintf(h, sizeof e->names[0], "%s", Q2_ONNX_OUTPUT);
        else snprintf(h, sizeof e->names[0], "h%d", l);
        snprintf(nm, sizeof nm, "gemm%d", l);
        set_node(e, nn, "Gemm", nm, (char *[]){cur, e->inits[2 * l].name, e->inits[2 * l + 1].name}, 3, h);
        e->nodes[nn].n_attribute = 1;
        e->nodes[nn++].attribute = e->attr_p;
        if (last) break;
        char *r = e->names[2 * Q2_MAX_LAYERS + nn];
        snprintf(r, sizeof e->names[0], "a%d", l);
        snprintf(nm, sizeof nm, "relu%d", l);
        set_node(e, nn++, "Relu", nm, (char *[]){h}, 1, r);
        cur = r;
    }
    e->graph.n_node = (size_t)nn;
    e->graph.node = e->node_p;
    e->graph.n_initializer = (size_t)(2 * m->n_layers);
    e->graph.initializer = e->init_p;
    return rc;
}

int q2_onnx_encode_mlp(const q2_mlp *m, const char *doc, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    export_t *e = calloc(1, sizeof *e);
    if (!e) return Q2_ENOMEM;
    onnx__model_proto__init(&e->model);
    onnx__operator_set_id_proto__init(&e->opset);
    onnx__graph_proto__init(&e->graph);
    int rc = build_graph(e, m);
    if (rc) goto out_free;
    e->opset.domain = "";
    e->opset.has_version = true;
    e->opset.version = Q2_ONNX_EXPORT_OPSET;
    e->opsets[0] = &e->opset;
    e->graph.name = "q2mlp";
    e->in_p[0] = set_io(e, 0, Q2_ONNX_INPUT, m->dims[0]);
    e->out_p[0] = set_io(e, 1, Q2_ONNX_OUTPUT, m->dims[m->n_layers]);
    e->graph.n_input = e->graph.n_output = 1;
    e->graph.input = e->in_p;
    e->graph.output = e->out_p;
    e->model.has_ir_version = true;
    e->model.ir_version = Q2_ONNX_EXPORT_IR;
    e->model.n_opset_import = 1;
    e->model.opset_import = e->opsets;
    e->model.producer_name = "q2mlp";
    e->model.doc_string = (char *)doc;
    e->model.graph = &e->graph;
    *len = onnx__model_proto__get_packed_size(&e->model);
    if (!(*buf = malloc(*len ? *len : 1))) {
        q2_err(FN, "export failed: out of memory for %zu bytes", *len);
        rc = Q2_ENOMEM;
        goto out_free;
    }
    if (onnx__model_proto__pack(&e->model, *buf) != *len) {
        q2_err(FN, "export failed: protobuf-c packed a different size than it announced");
        free(*buf);
        *buf = NULL;
        rc = Q2_EFORMAT;
    }
out_free:
    export_free(e);
    return rc;
}
