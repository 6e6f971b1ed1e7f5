/* onnx_import.c — a float MLP from an ONNX model (docs/onnx.md "Import"). The bytes are decoded by
 * libprotobuf-c with the code protoc-c generates from Debian's onnx.proto (build/gen/onnxpb/); this
 * file only walks the decoded graph: one chain of nodes from the graph's one input to its one
 * output, each node taking the output of the one before, beside it only constants and the int64
 * shape computations of a Reshape. See onnx.h. */
#include "onnx/onnx.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "onnxpb/onnx.pb-c.h"

#define FN            "onnx_import"
#define MAX_RANK      8
#define MAX_ELEMS     ((int64_t)1 << 26) /* largest initializer: 64 Mi elements (256 MiB of float32) */
#define MAX_SHAPES    16                 /* int64 tensors a shape computation may make */
#define BATCH         INT64_MIN          /* a value of a shape computation that is the batch size */

/* One weight layer as found in the graph: its initializers, not yet copied. */
typedef struct {
    const Onnx__TensorProto *w, *b; /* b may be NULL: no bias */
    bool w_out_in;                   /* w is (n_out, n_in) (Gemm transB = 1), else (n_in, n_out) */
    int n_in, n_out;
    const char *node;                /* the node it came from, for messages */
} layer_src;

/* The walk along the chain. */
typedef struct {
    const char *file;
    const Onnx__GraphProto *g;
    int opset;
    const char *cur;                 /* the tensor flowing along the chain */
    int rank;
    int64_t shape[MAX_RANK];         /* shape of cur; shape[0] is the batch (any) */
    enum { ST_INPUT, ST_LAYER, ST_RELU, ST_SOFTMAX } st; /* what the last node was */
    int n_layers;
    layer_src layers[Q2_MAX_LAYERS];
    char where[160];                 /* "node 'fc1' (Gemm)" of the node being read */
    struct {                         /* the int64 tensors of shape computations (node_shape) */
        const char *name;
        int n;
        int64_t v[MAX_RANK];         /* flattened; BATCH where the value is the batch size */
    } shapes[MAX_SHAPES];
    int n_shapes;
} walk;

static const char *str(const char *s) { return s ? s : ""; }

/* ---- constants: initializers and Constant nodes ------------------------------------------------- */
/* The tensor named name, or NULL when it is not a constant. */
static const Onnx__TensorProto *find_const(const walk *w, const char *name)
{
    const Onnx__GraphProto *g = w->g;
    for (size_t k = 0; k < g->n_initializer; k++)
        if (!strcmp(str(g->initializer[k]->name), name)) return g->initializer[k];
    for (size_t k = 0; k < g->n_node; k++) {
        const Onnx__NodeProto *n = g->node[k];
        if (strcmp(str(n->op_type), "Constant") || n->n_output != 1 || strcmp(str(n->output[0]), name)) continue;
        for (size_t a = 0; a < n->n_attribute; a++)
            if (!strcmp(str(n->attribute[a]->name), "value") && n->attribute[a]->t) return n->attribute[a]->t;
    }
    return NULL;
}

static const char *type_name(int32_t t)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&onnx__tensor_proto__data_type__descriptor, t);
    return v ? v->name : "an unknown type";
}

/* The element count of t (dims checked), or -1 after a message. */
static int64_t const_elems(const walk *w, const Onnx__TensorProto *t, int32_t type)
{
    const char *nm = str(t->name);
    if (t->data_type != type) {
        q2_err(FN, "import %s failed: %s: initializer '%s' is %s, need %s", w->file, w->where, nm,
               type_name(t->data_type), type_name(type));
        return -1;
    }
    if (t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL || t->segment) {
        q2_err(FN, "import %s failed: %s: initializer '%s' is stored %s, need its data in the file", w->file,
               w->where, nm, t->segment ? "in segments" : "as external data");
        return -1;
    }
    int64_t n = 1;
    for (size_t d = 0; d < t->n_dims; d++) {
        if (t->dims[d] < 0 || t->dims[d] > MAX_ELEMS || (n *= t->dims[d]) > MAX_ELEMS) {
            q2_err(FN, "import %s failed: %s: initializer '%s' has a bad dimension %" PRId64 " (or more than "
                   "%" PRId64 " elements)", w->file, w->where, nm, t->dims[d], MAX_ELEMS);
            return -1;
        }
    }
    size_t have = type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? t->n_float_data : t->n_int64_data;
    size_t item = type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? 4 : 8;
    bool raw = t->has_raw_data && t->raw_data.len;
    if ((raw && (have || t->raw_data.len != (size_t)n * item)) || (!raw && have != (size_t)n)) {
        q2_err(FN, "import %s failed: %s: initializer '%s' holds %zu %s, need %" PRId64 " values of %zu bytes",
               w->file, w->where, nm, raw ? t->raw_data.len : have, raw ? "raw bytes" : "typed values", n, item);
        return -1;
    }
    return n;
}

/* Element k of a float32 constant (checked by const_elems): raw_data is little-endian. */
static float const_float(const Onnx__TensorProto *t, size_t k)
{
    if (!(t->has_raw_data && t->raw_data.len)) return t->float_data[k];
    uint32_t u = q2_rd32(t->raw_data.data + 4 * k);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int64_t const_int64(const Onnx__TensorProto *t, size_t k)
{
    if (!(t->has_raw_data && t->raw_data.len)) return t->int64_data[k];
    const uint8_t *p = t->raw_data.data + 8 * k;
    return (int64_t)((uint64_t)q2_rd32(p) | (uint64_t)q2_rd32(p + 4) << 32);
}

/* The constant input k of the node (what: its role, for the message), or NULL after a message. */
static const Onnx__TensorProto *const_input(walk *w, const Onnx__NodeProto *n, size_t k, const char *what)
{
    const Onnx__TensorProto *t = k < n->n_input && *str(n->input[k]) ? find_const(w, n->input[k]) : NULL;
    if (!t) q2_err(FN, "import %s failed: %s: its %s (input %zu, '%s') is not an initializer or a Constant",
                   w->file, w->where, what, k, k < n->n_input ? str(n->input[k]) : "");
    return t;
}

/* ---- attributes --------------------------------------------------------------------------------- */
/* Check every attribute of n is one of names (NULL-terminated; types: 'i' int, 'I' ints, 'f' float). */
static int check_attrs(const walk *w, const Onnx__NodeProto *n, const char *const *names, const char *types)
{
    for (size_t a = 0; a < n->n_attribute; a++) {
        const Onnx__AttributeProto *at = n->attribute[a];
        int k = 0;
        while (names[k] && strcmp(names[k], str(at->name))) k++;
        Onnx__AttributeProto__AttributeType need = !names[k] || types[k] == 'i'
            ? ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT : types[k] == 'f'
            ? ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        if (!names[k] || at->type != need) {
            q2_err(FN, "import %s failed: %s: attribute '%s' %s", w->file, w->where, str(at->name),
                   names[k] ? "has the wrong type" : "is not supported");
            return Q2_EFORMAT;
        }
    }
    return Q2_OK;
}

static int64_t attr_i(const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
    for (size_t a = 0; a < n->n_attribute; a++)
        if (!strcmp(str(n->attribute[a]->name), name)) return n->attribute[a]->i;
    return dflt;
}

static float attr_f(const Onnx__NodeProto *n, const char *name, float dflt)
{
    for (size_t a = 0; a < n->n_attribute; a++)
        if (!strcmp(str(n->attribute[a]->name), name)) return n->attribute[a]->f;
    return dflt;
}

/* ---- the graph's input and output --------------------------------------------------------------- */
/* The one graph input that is not an initializer: float32, rank 2..8, every dimension but the
 * first a fixed number, their product at most Q2_MLP_MAX_WIDTH. Sets w->cur, rank, shape. */
static int graph_input(walk *w)
{
    const Onnx__ValueInfoProto *in = NULL;
    for (size_t k = 0; k < w->g->n_input; k++) {
        const Onnx__ValueInfoProto *v = w->g->input[k];
        bool is_init = false;
        for (size_t i = 0; i < w->g->n_initializer && !is_init; i++)
            is_init = !strcmp(str(w->g->initializer[i]->name), str(v->name));
        if (is_init) continue;
        if (in) {
            q2_err(FN, "import %s failed: the graph has two inputs, '%s' and '%s'; need one", w->file,
                   str(in->name), str(v->name));
            return Q2_EFORMAT;
        }
        in = v;
    }
    const Onnx__TypeProto *tp = in ? in->type : NULL;
    const Onnx__TypeProto__Tensor *tt =
        tp && tp->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ? tp->tensor_type : NULL;
    if (!tt || tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || !tt->shape || tt->shape->n_dim < 2 ||
        tt->shape->n_dim > MAX_RANK) {
        q2_err(FN, "import %s failed: graph input '%s': %s, need a float32 tensor of rank 2..%d with a shape",
               w->file, in ? str(in->name) : "", !in ? "there is none" : !tt ? "not a tensor"
               : tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? type_name(tt->elem_type)
               : !tt->shape ? "no shape" : "bad rank", MAX_RANK);
        return Q2_EFORMAT;
    }
    w->cur = str(in->name);
    w->rank = (int)tt->shape->n_dim;
    int64_t f = 1; /* the features: at most Q2_MLP_MAX_WIDTH, so no product below overflows */
    for (int d = 1; d < w->rank; d++) {
        const Onnx__TensorShapeProto__Dimension *dm = tt->shape->dim[d];
        bool fixed = dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        if (!fixed || dm->dim_value < 1 || dm->dim_value > Q2_MLP_MAX_WIDTH) {
            q2_err(FN, "import %s failed: graph input '%s': dimension %d is %s%s, need a number 1..%d (only "
                   "the batch, dimension 0, may be dynamic)", w->file, w->cur, d, fixed ? "" : "dynamic ",
                   fixed ? "out of range" : dm->value_case ? str(dm->dim_param) : "unknown", Q2_MLP_MAX_WIDTH);
            return Q2_EFORMAT;
        }
        w->shape[d] = dm->dim_value;
        if ((f *= dm->dim_value) > Q2_MLP_MAX_WIDTH) {
            q2_err(FN, "import %s failed: graph input '%s': more than %d features (the product of "
                   "dimensions 1..)", w->file, w->cur, Q2_MLP_MAX_WIDTH);
            return Q2_EFORMAT;
        }
    }
    return Q2_OK;
}

/* The product of the non-batch dimensions of the chain's tensor. */
static int64_t features(const walk *w)
{
    int64_t f = 1;
    for (int d = 1; d < w->rank; d++) f *= w->shape[d];
    return f;
}

/* ---- the nodes ----------------------------------------------------------------------------------- */
static int bad(const walk *w, const char *detail)
{
    q2_err(FN, "import %s failed: %s: %s", w->file, w->where, detail);
    return Q2_EFORMAT;
}

/* ---- shape computations: x.view(x.size(0), -1) ---------------------------------------------------
 * torch exports it as Shape(x) -> Gather(0) -> Unsqueeze -> Concat(.., [-1]) -> Reshape(x, ..). These
 * int64 side computations are evaluated here, with the batch size kept as the symbol BATCH, so that
 * the Reshape sees [BATCH, -1]. They do not move the chain. */
static bool is_shape_op(const char *op)
{
    return !strcmp(op, "Shape") || !strcmp(op, "Gather") || !strcmp(op, "Unsqueeze") || !strcmp(op, "Concat");
}

/* Input k of n as int64 values (flattened): a shape computation's result or an int64 constant. */
static int int_values(walk *w, const Onnx__NodeProto *n, size_t k, int64_t *v, int *nv)
{
    const char *name = k < n->n_input ? str(n->input[k]) : "";
    for (int s = 0; s < w->n_shapes; s++)
        if (!strcmp(w->shapes[s].name, name)) {
            *nv = w->shapes[s].n;
            memcpy(v, w->shapes[s].v, sizeof(int64_t) * (size_t)*nv);
            return Q2_OK;
        }
    const Onnx__TensorProto *t = const_input(w, n, k, "int64 input");
    int64_t e = t ? const_elems(w, t, ONNX__TENSOR_PROTO__DATA_TYPE__INT64) : -1;
    if (e < 0) return Q2_EFORMAT;
    if (e > MAX_RANK) return bad(w, "an int64 input of more than 8 values");
    for (int64_t i = 0; i < e; i++) v[i] = const_int64(t, (size_t)i);
    *nv = (int)e;
    return Q2_OK;
}

/* Shape, Gather, Unsqueeze, Concat on int64 vectors; the result is stored under the node's output. */
static int node_shape(walk *w, const Onnx__NodeProto *n, const char *op)
{
    static const char *const a_shape[] = {"start", "end", NULL}, *const a_axis[] = {"axis", NULL},
                             *const a_axes[] = {"axes", NULL};
    int64_t v[2 * MAX_RANK], u[MAX_RANK];
    int nv = 0, nu = 0, rc;
    if (w->n_shapes == MAX_SHAPES) return bad(w, "more than 16 shape computations");
    if (!strcmp(op, "Shape")) {
        if ((rc = check_attrs(w, n, a_shape, "ii"))) return rc;
        if (strcmp(str(n->input[0]), w->cur)) return bad(w, "it does not take the tensor of the chain");
        int64_t b = attr_i(n, "start", 0), e = attr_i(n, "end", w->rank);
        b = b < 0 ? b + w->rank : b;
        e = e < 0 ? e + w->rank : e > w->rank ? w->rank : e;
        for (int64_t d = b < 0 ? 0 : b; d < e; d++) v[nv++] = d ? w->shape[d] : BATCH;
    } else if (!strcmp(op, "Gather")) {
        if ((rc = check_attrs(w, n, a_axis, "i")) || (rc = int_values(w, n, 0, u, &nu)) ||
            (rc = int_values(w, n, 1, v, &nv)))
            return rc;
        if (attr_i(n, "axis", 0)) return bad(w, "axis is not 0");
        for (int i = 0; i < nv; i++) {
            if (v[i] < -nu || v[i] >= nu) return bad(w, "an index out of range");
            v[i] = u[v[i] < 0 ? v[i] + nu : v[i]];
        }
    } else if (!strcmp(op, "Unsqueeze")) { /* values unchanged: the vectors are kept flat */
        if ((rc = check_attrs(w, n, a_axes, "I")) || (rc = int_values(w, n, 0, v, &nv))) return rc;
    } else {
        if ((rc = check_attrs(w, n, a_axis, "i"))) return rc;
        if (attr_i(n, "axis", 0) != 0 && attr_i(n, "axis", 0) != -1) return bad(w, "axis is not 0");
        for (size_t k = 0; k < n->n_input; k++) {
            if ((rc = int_values(w, n, k, u, &nu))) return rc;
            if (nv + nu > MAX_RANK) return bad(w, "a shape of more than 8 values");
            memcpy(v + nv, u, sizeof(int64_t) * (size_t)nu);
            nv += nu;
        }
    }
    w->shapes[w->n_shapes].name = str(n->output[0]);
    w->shapes[w->n_shapes].n = nv;
    memcpy(w->shapes[w->n_shapes++].v, v, sizeof(int64_t) * (size_t)nv);
    return Q2_OK;
}

/* Flatten (axis 1) and Reshape to (batch, features). */
static int node_flatten(walk *w, const Onnx__NodeProto *n, bool reshape)
{
    static const char *const fl[] = {"axis", NULL}, *const rs[] = {"allowzero", NULL};
    if (check_attrs(w, n, reshape ? rs : fl, "i")) return Q2_EFORMAT;
    int64_t f = features(w);
    if (w->st != ST_INPUT) return bad(w, "a Flatten or Reshape after the first layer is not supported");
    if (!reshape) {
        int64_t axis = attr_i(n, "axis", 1);
        if (axis != 1 && axis != 1 - w->rank) return bad(w, "axis is not 1 (need (batch, features))");
    } else {
        int64_t v[MAX_RANK];
        int k;
        if (int_values(w, n, 1, v, &k)) return Q2_EFORMAT;
        int64_t a = k == 2 ? v[0] : 0, b = k == 2 ? v[1] : 0;
        bool batch = a == BATCH || a > 0 || (a == 0 && !attr_i(n, "allowzero", 0)); /* a keeps the batch */
        if (k != 2 || !((a == -1 && b == f) || (batch && (b == f || b == -1))))
            return bad(w, "the new shape is not (batch, features): need [-1, F], [0, -1], [N, F] or "
                          "[x.size(0), -1] with F the product of the other dimensions");
    }
    w->rank = 2;
    w->shape[1] = f;
    return Q2_OK;
}

/* Gemm (alpha = beta = 1, transA = 0, transB 0 or 1) or MatMul: a new layer. The bias of a MatMul
 * comes from the Add after it (node_add). */
static int node_layer(walk *w, const Onnx__NodeProto *n, bool gemm)
{
    static const char *const names[] = {"alpha", "beta", "transA", "transB", NULL};
    if (check_attrs(w, n, gemm ? names : names + 4, "ffii")) return Q2_EFORMAT;
    if (w->st == ST_LAYER) return bad(w, "two layers without a Relu between them");
    if (w->n_layers == Q2_MAX_LAYERS) return bad(w, "more than 8 layers");
    if (w->rank != 2) return bad(w, "its input has rank > 2 (add a Flatten before the first layer)");
    if (gemm && (attr_f(n, "alpha", 1) != 1 || attr_f(n, "beta", 1) != 1 || attr_i(n, "transA", 0)))
        return bad(w, "alpha and beta must be 1 and transA 0");
    bool tb = gemm && attr_i(n, "transB", 0);
    const Onnx__TensorProto *wt = const_input(w, n, 1, "weight");
    if (!wt || const_elems(w, wt, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) < 0) return Q2_EFORMAT;
    int64_t n_in = wt->n_dims == 2 ? wt->dims[tb ? 1 : 0] : -1, n_out = wt->n_dims == 2 ? wt->dims[tb ? 0 : 1] : -1;
    if (n_in != w->shape[1] || n_out < 1 || n_out > Q2_MLP_MAX_WIDTH) {
        char d[160];
        snprintf(d, sizeof d, "weight '%s' does not fit: need (%s) with n_in = %" PRId64 " and n_out 1..%d",
                 str(wt->name), tb ? "n_out, n_in" : "n_in, n_out", w->shape[1], Q2_MLP_MAX_WIDTH);
        return bad(w, d);
    }
    layer_src *L = &w->layers[w->n_layers++];
    *L = (layer_src){.w = wt, .w_out_in = tb, .n_in = (int)n_in, .n_out = (int)n_out, .node = str(n->name)};
    if (gemm && n->n_input > 2 && *str(n->input[2])) {
        if (!(L->b = const_input(w, n, 2, "bias"))) return Q2_EFORMAT;
        int64_t k = const_elems(w, L->b, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
        bool shape_ok = (L->b->n_dims == 1 || (L->b->n_dims == 2 && L->b->dims[0] == 1)) && k == n_out;
        if (k < 0 || !shape_ok) return k < 0 ? Q2_EFORMAT : bad(w, "its bias is not (n_out,) or (1, n_out)");
    }
    w->shape[1] = n_out;
    w->st = ST_LAYER;
    return Q2_OK;
}

/* Add after a MatMul without a bias: the bias of that layer (either input order). */
static int node_add(walk *w, const Onnx__NodeProto *n, const char *prev_op)
{
    if (check_attrs(w, n, (const char *const[]){NULL}, "")) return Q2_EFORMAT;
    layer_src *L = w->n_layers ? &w->layers[w->n_layers - 1] : NULL;
    if (w->st != ST_LAYER || strcmp(prev_op, "MatMul") || L->b || n->n_input != 2)
        return bad(w, "an Add is only supported as the bias right after a MatMul");
    size_t k = !strcmp(str(n->input[0]), w->cur) ? 1 : 0;
    if (!(L->b = const_input(w, n, k, "bias"))) return Q2_EFORMAT;
    int64_t e = const_elems(w, L->b, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
    if (e < 0) return Q2_EFORMAT;
    if (e != L->n_out || !(L->b->n_dims == 1 || (L->b->n_dims == 2 && L->b->dims[0] == 1)))
        return bad(w, "its bias is not (n_out,) or (1, n_out)");
    return Q2_OK;
}

/* The ops that are activations: refused with "only Relu". */
static bool is_activation(const char *op)
{
    static const char *const acts[] = {"Sigmoid", "Tanh", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu",
        "HardSigmoid", "HardSwish", "Softplus", "Softsign", "ThresholdedRelu", "Mish", "Clip", "LogSoftmax",
        "Hardmax", "Erf", NULL};
    for (int k = 0; acts[k]; k++)
        if (!strcmp(op, acts[k])) return true;
    return false;
}

/* One node of the chain; prev_op: the op of the node before ("" for the first). */
static int node(walk *w, const Onnx__NodeProto *n, const char *prev_op)
{
    const char *op = str(n->op_type);
    if (*str(n->domain) && strcmp(n->domain, "ai.onnx"))
        return bad(w, "ops outside the default domain are not supported");
    if (n->n_input < 1) return bad(w, "it has no input");
    if (n->n_output != 1) return bad(w, "it does not have exactly one output");
    if (is_shape_op(op)) return node_shape(w, n, op);
    bool add = !strcmp(op, "Add"); /* a bias Add may take the chain as its second input */
    bool takes_cur = !strcmp(str(n->input[0]), w->cur);
    if (add && n->n_input == 2 && !strcmp(str(n->input[1]), w->cur)) takes_cur = true;
    if (!takes_cur)
        return bad(w, "it does not take the output of the node before it (the graph must be one chain)");
    if (w->st == ST_SOFTMAX) return bad(w, "nothing may follow the final Softmax");
    int rc = Q2_OK;
    if (!strcmp(op, "Flatten") || !strcmp(op, "Reshape")) rc = node_flatten(w, n, op[0] == 'R');
    else if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul")) rc = node_layer(w, n, op[0] == 'G');
    else if (add) rc = node_add(w, n, prev_op);
    else if (!strcmp(op, "Relu") || !strcmp(op, "Softmax")) {
        static const char *const ax[] = {"axis", NULL};
        if ((rc = check_attrs(w, n, op[0] == 'R' ? ax + 1 : ax, "i"))) return rc;
        if (w->st != ST_LAYER) return bad(w, "it does not follow a layer (Gemm, MatMul or MatMul + Add)");
        int64_t axis = attr_i(n, "axis", w->opset < 13 ? 1 : -1);
        if (op[0] == 'S' && axis != 1 && axis != -1) return bad(w, "axis is not the class axis (1 or -1)");
        w->st = op[0] == 'R' ? ST_RELU : ST_SOFTMAX;
    } else {
        char d[320];
        snprintf(d, sizeof d, is_activation(op) ? "activation %.64s is not supported, only Relu"
                 : "op %.64s is not supported (only Flatten, Reshape, Gemm, MatMul, Add, Relu, a final Softmax; "
                   "Shape, Gather, Unsqueeze, Concat for a Reshape's shape)", op);
        return bad(w, d);
    }
    if (!rc) w->cur = str(n->output[0]);
    return rc;
}

/* ---- the model ----------------------------------------------------------------------------------- */
/* The default-domain opset of the model, checked. */
static int model_opset(const char *file, const Onnx__ModelProto *mp, int *opset)
{
    int64_t v = -1;
    for (size_t k = 0; k < mp->n_opset_import; k++) {
        const char *d = str(mp->opset_import[k]->domain);
        if (!*d || !strcmp(d, "ai.onnx")) v = mp->opset_import[k]->version;
    }
    if (v < Q2_ONNX_OPSET_MIN || v > Q2_ONNX_OPSET_MAX) {
        if (v < 0) q2_err(FN, "import %s failed: no opset of the default domain (opset_import)", file);
        else q2_err(FN, "import %s failed: opset %" PRId64 ", need %d..%d", file, v, Q2_ONNX_OPSET_MIN,
                    Q2_ONNX_OPSET_MAX);
        return Q2_EFORMAT;
    }
    *opset = (int)v;
    return Q2_OK;
}

/* Walk the graph's nodes in order (ONNX stores them sorted); Constant nodes feed the others. */
static int walk_graph(walk *w)
{
    int rc = graph_input(w);
    const char *prev = "";
    for (size_t k = 0; k < w->g->n_node && !rc; k++) {
        const Onnx__NodeProto *n = w->g->node[k];
        if (*str(n->name)) snprintf(w->where, sizeof w->where, "node '%s' (%s)", n->name, str(n->op_type));
        else snprintf(w->where, sizeof w->where, "node #%zu (%s)", k, str(n->op_type));
        if (!strcmp(str(n->op_type), "Constant") && !*str(n->domain)) continue;
        rc = node(w, n, prev);
        if (!is_shape_op(str(n->op_type))) prev = str(n->op_type);
    }
    if (rc) return rc;
    const char *out = w->g->n_output == 1 ? str(w->g->output[0]->name) : NULL;
    if (!w->n_layers || w->st == ST_RELU || !out || strcmp(out, w->cur)) {
        q2_err(FN, "import %s failed: %s", w->file, !w->n_layers ? "no layer (Gemm or MatMul) in the graph"
               : w->st == ST_RELU ? "a Relu after the last layer (the last layer must give logits)"
               : !out ? "the graph needs exactly one output"
                      : "the graph's output is not the end of the chain of nodes");
        return Q2_EFORMAT;
    }
    return Q2_OK;
}

/* Copy layer l's initializers into m (transposing (n_in, n_out) weights); refuse non-finite values. */
static int copy_layer(const walk *w, q2_mlp *m, int l)
{
    const layer_src *L = &w->layers[l];
    for (int j = 0; j < L->n_out; j++)
        for (int i = 0; i < L->n_in; i++)
            m->w[l][(size_t)j * L->n_in + i] =
                const_float(L->w, L->w_out_in ? (size_t)j * L->n_in + i : (size_t)i * L->n_out + j);
    for (int j = 0; j < L->n_out; j++) m->b[l][j] = L->b ? const_float(L->b, (size_t)j) : 0.0f;
    for (size_t k = 0; k < (size_t)L->n_out * L->n_in; k++)
        if (!isfinite(m->w[l][k])) {
            q2_err(FN, "import %s failed: node '%s': weight '%s' holds a non-finite value", w->file, L->node,
                   str(L->w->name));
            return Q2_EFORMAT;
        }
    for (int j = 0; j < L->n_out; j++)
        if (!isfinite(m->b[l][j])) {
            q2_err(FN, "import %s failed: node '%s': bias '%s' holds a non-finite value", w->file, L->node,
                   str(L->b->name));
            return Q2_EFORMAT;
        }
    return Q2_OK;
}

int q2_onnx_parse(q2_mlp *m, const uint8_t *buf, size_t len, const char *name, int *opset)
{
    memset(m, 0, sizeof *m);
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, buf);
    if (!mp) {
        q2_err(FN, "import %s failed: not an ONNX model (protobuf-c could not decode a ModelProto from "
               "%zu bytes: truncated or corrupt)", name, len);
        return Q2_EFORMAT;
    }
    walk *w = calloc(1, sizeof *w);
    int rc = Q2_ENOMEM;
    if (!w) goto out_proto;
    w->file = name;
    w->g = mp->graph;
    rc = Q2_EFORMAT;
    if (!w->g) {
        q2_err(FN, "import %s failed: the model has no graph", name);
        goto out_walk;
    }
    if ((rc = model_opset(name, mp, &w->opset)) || (rc = walk_graph(w))) goto out_walk;
    int dims[Q2_MAX_LAYERS + 1] = {w->layers[0].n_in};
    for (int l = 0; l < w->n_layers; l++) dims[l + 1] = w->layers[l].n_out;
    if ((rc = q2_mlp_init(m, w->n_layers, dims))) goto out_walk;
    for (int l = 0; l < w->n_layers && !rc; l++) rc = copy_layer(w, m, l);
    if (rc) q2_mlp_free(m);
    else if (opset) *opset = w->opset;
out_walk:
    free(w);
out_proto:
    onnx__model_proto__free_unpacked(mp, NULL);
    return rc;
}

int q2_onnx_import(q2_mlp *m, const char *path, int *opset)
{
    memset(m, 0, sizeof *m);
    uint8_t *buf;
    size_t len;
    int rc = q2_read_file(path, &buf, &len, Q2_ONNX_MAX_BYTES);
    if (rc) return rc;
    rc = q2_onnx_parse(m, buf, len, path, opset);
    free(buf);
    return rc;
}
