/* mlp.h — the float multilayer perceptron: topology, weights, forward pass, model file.
 * Input convention: x = pixel / 255 (float in [0, 1]). Hidden layers ReLU, output softmax. */
#ifndef Q2_MLP_H
#define Q2_MLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/idx.h"
#include "base/util.h"

#define Q2_MLP_MAX_WIDTH  4096  /* largest layer width */

typedef struct {
    int n_layers;                  /* number of weight layers L */
    int dims[Q2_MAX_LAYERS + 1];  /* dims[0] inputs ... dims[L] classes */
    float *w[Q2_MAX_LAYERS];      /* layer l: (dims[l+1], dims[l]) row-major: w[l][j*dims[l] + i] */
    float *b[Q2_MAX_LAYERS];      /* layer l: (dims[l+1]) */
} q2_mlp;

/* "784-512-512-10" -> n_layers 3, dims {784,512,512,10}. */
int  q2_mlp_parse_arch(const char *s, int *n_layers, int dims[Q2_MAX_LAYERS + 1]);
int  q2_mlp_init(q2_mlp *m, int n_layers, const int *dims); /* zeroed weights */
void q2_mlp_free(q2_mlp *m);
int  q2_mlp_copy(q2_mlp *dst, const q2_mlp *src);              /* dst is initialised here */

/* Forward pass of n examples x (n, dims[0]) -> logits (n, dims[L]) (pre-softmax).
 * hidden: NULL, or an array of L-1 pointers; hidden[l], if non-NULL, receives the ReLU
 * output of hidden layer l, shape (n, dims[l+1]). */
int  q2_mlp_forward(const q2_mlp *m, const float *x, int n, float *logits, float **hidden);
/* The weights packed once for the own GEMM engine (float/gemm.h q2_gemm_pack_b), for inference:
 * q2_mlp_forward_packed gives the bits of q2_mlp_forward with the own engine, without repacking the
 * weights on every call (what makes small batches slow). Valid while m's weights are unchanged. */
typedef struct {
    struct q2_gemm_packed *w[Q2_MAX_LAYERS]; /* (n_layers) */
} q2_mlp_packed;
int  q2_mlp_pack(const q2_mlp *m, q2_mlp_packed *p);
void q2_mlp_packed_free(q2_mlp_packed *p);
int  q2_mlp_forward_packed(const q2_mlp *m, const q2_mlp_packed *p, const float *x, int n, float *logits);
/* Top-1 accuracy in [0, 1] on a dataset (pixels scaled by 1/255 internally); < 0 on error. */
double q2_mlp_accuracy(const q2_mlp *m, const q2_dataset *d);

/* Float model file (docs/formats.md): magic "Q2FM", version, topology, float32 data, CRC32.
 * save is atomic; load validates everything and names the field that is wrong. encode builds
 * the file's bytes in a malloc'd buffer (for writing several outputs at once: q2_outs). */
int  q2_mlp_encode(const q2_mlp *m, uint8_t **buf, size_t *len);
int  q2_mlp_save(const q2_mlp *m, const char *path);
int  q2_mlp_load(q2_mlp *m, const char *path);

/* ---- helpers (added by the float-model work; mlp.c) ---- */
int    q2_mlp_arch_string(const q2_mlp *m, char *buf, size_t len); /* "784-512-512-10"; Q2_EARG if short */
size_t q2_mlp_n_params(const q2_mlp *m);                           /* weights + biases */
/* One layer: y (n, dims[l+1]) = x (n, dims[l]) w[l]^T + b[l], then ReLU if relu. */
void   q2_mlp_layer_forward(const q2_mlp *m, int l, const float *x, int n, float *y, bool relu);
/* The input convention: x[i] = (float)px[i] / 255.0f. */
void   q2_mlp_scale_pixels(const uint8_t *px, size_t n, float *x);
int    q2_mlp_argmax(const float *v, int n);                    /* lowest index on ties */

/* ---- .npy import (mlp_npy.c; docs/formats.md ".npy import") ---- */
#define Q2_MLP_NPY_PATH 4096 /* longest path of q2_mlp_npy_dir_files */
/* Build m (initialised here) from n_files .npy files, weights and biases alternating in layer
 * order: files[2l] (n_out, n_in), or (n_in, n_out) with transpose; files[2l+1] (n_out,).
 * float32 or float64, C order, finite values. arch: NULL (the shapes decide, each layer's inputs
 * chaining from the previous one) or e.g. "784-512-512-10" to check them. itemsize (may be
 * NULL): 8 if any file held float64, else 4. Q2_EARG / Q2_EFORMAT with a message naming the
 * file; m is then freed. */
int q2_mlp_import_npy(q2_mlp *m, const char *const *files, int n_files, const char *arch, bool transpose,
                   int *itemsize);
/* The files dir/w0.npy dir/b0.npy dir/w1.npy ... for every w<l>.npy that exists: paths holds
 * them, files points at them; returns their count (0: no dir/w0.npy). */
int q2_mlp_npy_dir_files(const char *dir, char paths[][Q2_MLP_NPY_PATH], const char **files);
/* q2_mlp_import_npy of q2_mlp_npy_dir_files(dir); Q2_EARG if dir holds no w0.npy. */
int q2_mlp_import_npy_dir(q2_mlp *m, const char *dir, const char *arch, bool transpose, int *itemsize);
/* The reverse: dir/w<l>.npy (n_out, n_in) and dir/b<l>.npy (n_out,) float32 for every layer
 * (dir is created), the files q2_mlp_import_npy_dir reads back bit for bit. */
int q2_mlp_export_npy_dir(const q2_mlp *m, const char *dir);

#endif
