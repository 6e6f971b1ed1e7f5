/* onnx.h — the ONNX layer: ONNX files in and out of q2mlp (docs/onnx.md).
 *
 * This layer owns the ONNX format and its one dependency, libprotobuf-c: the schema is Debian's
 * libonnx-dev onnx.proto, compiled by protoc-c into build/gen/onnxpb/ at build time (sw/onnx.mk);
 * no protobuf byte is decoded or encoded by hand. It sits above float (q2_mlp: what an import
 * builds, what an export writes), qmodel (the .q2 model whose dequantized weights an export writes)
 * and base; nothing below includes it.
 *
 *   import   an MLP graph as torch.onnx.export or the Keras/TF converters write it (Flatten or
 *            Reshape, Gemm or MatMul [+ Add], Relu between layers, an optional final Softmax,
 *            opsets Q2_ONNX_OPSET_MIN..Q2_ONNX_OPSET_MAX) -> a q2_mlp; anything else is refused
 *            with the node's name and op type;
 *   export   a q2_mlp, or a q2_qmodel dequantized to float, as a fixed graph of Gemm + Relu at
 *            opset Q2_ONNX_EXPORT_OPSET: input "input" (N, n_in) float32 = pixel / 255, output
 *            "logits" (N, n_classes). */
#ifndef Q2_ONNX_H
#define Q2_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "float/mlp.h"
#include "qmodel/qmodel.h"

#define Q2_ONNX_OPSET_MIN     7   /* the default-domain opsets the importer accepts */
#define Q2_ONNX_OPSET_MAX     21
#define Q2_ONNX_EXPORT_OPSET  13  /* the opset of every export */
#define Q2_ONNX_EXPORT_IR     7   /* the IR version of opset 13 (ONNX 1.8) */
#define Q2_ONNX_MAX_BYTES     ((size_t)1 << 30) /* import refuses larger files */
#define Q2_ONNX_INPUT         "input"
#define Q2_ONNX_OUTPUT        "logits"

/* ---- import (onnx_import.c) ---------------------------------------------------------------------- */
/* Build m (initialised here) from the ONNX model bytes buf (len). name is used in messages:
 * "<name>: node 'fc2' (Tanh): ...". Q2_EFORMAT (or Q2_ENOMEM) after one message; m is then freed.
 * opset (may be NULL): the model's default-domain opset. */
int q2_onnx_parse(q2_mlp *m, const uint8_t *buf, size_t len, const char *name, int *opset);
/* q2_onnx_parse of the file path (Q2_EIO if unreadable). */
int q2_onnx_import(q2_mlp *m, const char *path, int *opset);

/* ---- export (onnx_export.c) ---------------------------------------------------------------------- */
/* The ONNX bytes of m in a malloc'd buffer (*buf, *len): every layer a Gemm (transB = 1, its
 * weights (n_out, n_in) and biases as float32 raw_data initializers "w<l>", "b<l>"), a Relu after
 * every layer but the last. doc: the model's doc_string (may be NULL). Deterministic. */
int q2_onnx_encode_mlp(const q2_mlp *m, const char *doc, uint8_t **buf, size_t *len);
/* The float network a .q2 model stands for (docs/onnx.md "Export of a .q2"): layer l's weight
 * c_ij * g_j / s_l and bias bias_j * g_j, where s_0 = 1/255, s_l = act_scale of layer l-1, and
 * g_j = s_{l+1} * M_j / 2^S_j on a hidden layer, act_scale on the last one. m is initialised here. */
int q2_onnx_dequantize(const q2_qmodel *q, q2_mlp *m);

#endif
