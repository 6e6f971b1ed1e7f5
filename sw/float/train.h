/* train.h — training the float MLP: He init, mini-batch SGD+momentum or Adam, optional dropout,
 * cosine learning-rate decay, model selection on a validation set.
 *
 * Deterministic: the same options, seed, data, GEMM engine and thread count give the same bits
 * (the "own" GEMM engine gives the same bits for any thread count, see gemm.h).
 */
#ifndef Q2_TRAIN_H
#define Q2_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/idx.h"
#include "float/mlp.h"

#define Q2_TRAIN_MAX_EPOCHS 1000

typedef enum { Q2_TRAIN_OPT_SGD, Q2_TRAIN_OPT_ADAM } q2_train_optimizer;
typedef enum { Q2_TRAIN_LR_CONST, Q2_TRAIN_LR_COSINE } q2_train_schedule;
/* Input standardisation during training: x' = (x - mu) / sd with mu, sd of x = pixel/255 over the
 * training images, one pair for all pixels (global) or per pixel (sd floored at
 * Q2_TRAIN_SD_FLOOR); folded into layer 0 when training ends (q2_train_fold_input), so the
 * model file stays a plain MLP on pixel/255. */
typedef enum { Q2_TRAIN_STD_NONE, Q2_TRAIN_STD_GLOBAL, Q2_TRAIN_STD_PIXEL, Q2_TRAIN_STD_COUNT } q2_train_std;
#define Q2_TRAIN_SD_FLOOR 0.1f /* per-pixel sd below this (in pixel/255 units) counts as this */

typedef struct {
    int epochs;               /* 1..Q2_TRAIN_MAX_EPOCHS */
    int batch;                /* examples per step */
    q2_train_optimizer opt;
    float lr;                 /* peak learning rate */
    q2_train_schedule schedule;  /* const, or cosine from lr down to 0 over all steps */
    float momentum;           /* SGD momentum, or Adam beta1 */
    float beta2, eps;         /* Adam */
    float dropout;            /* drop probability on hidden activations, 0 <= p < 1 */
    q2_train_std standardize; /* input standardisation (default none) */
    uint64_t seed;            /* init, shuffling, dropout */
    bool progress;            /* q2_progress lines on stderr */
} q2_train_opts;

typedef struct {
    int epochs_run;
    int best_epoch;                    /* 1-based epoch whose weights were kept */
    double best_val_acc;               /* in [0, 1] */
    double loss[Q2_TRAIN_MAX_EPOCHS];     /* (epochs_run) mean training loss (with dropout) */
    double val_acc[Q2_TRAIN_MAX_EPOCHS];  /* (epochs_run) */
    double train_s;                    /* wall time, training steps + validation */
    double step_s;                     /* wall time of the training steps alone */
    double step_cpu_s;                 /* CPU time (all threads) of the training steps */
    long images;                       /* training examples processed (images/s = images / step_s) */
} q2_train_result;

/* Defaults: Adam, lr 1e-3 cosine, batch 128, 20 epochs, dropout 0.2, seed 1 (docs/performance.md). */
void q2_train_opts_default(q2_train_opts *o);
const char *q2_train_optimizer_name(q2_train_optimizer o);  /* "sgd", "adam" */
int  q2_train_optimizer_parse(const char *s);            /* q2_train_optimizer or Q2_EARG */
int  q2_train_schedule_parse(const char *s);             /* q2_train_schedule or Q2_EARG */
const char *q2_train_std_name(q2_train_std s);           /* "none", "global", "pixel" */
int  q2_train_std_parse(const char *s);                  /* q2_train_std or Q2_EARG */
/* The "keras" recipe (closer to the paper's likely Keras defaults): plain SGD, lr 0.01, no
 * momentum, constant rate, batch 32, no dropout; epochs and seed are left as they are. */
void q2_train_recipe_keras(q2_train_opts *o);

/* mu, inv_sd (n_in each) of mode s over the images of d (x = pixel/255); none: 0 and 1. */
void q2_train_input_stats(const q2_dataset *d, q2_train_std s, float *mu, float *inv_sd);
/* Fold x' = (x - mu) * inv_sd into layer 0 of m: w_ji *= inv_sd_i, b_j -= sum_i w_ji mu_i inv_sd_i
 * (in double), so that m on x computes what it computed on x'. */
void q2_train_fold_input(q2_mlp *m, const float *mu, const float *inv_sd);

/* CPU seconds (user + system, all threads) used by this process so far. */
double q2_train_cpu_seconds(void);

/* He-normal weights N(0, 2/n_in), zero biases, from q2_rng(seed). */
void q2_train_he_init(q2_mlp *m, uint64_t seed);

/* Train m (already initialised, e.g. by q2_train_he_init) on `train`, pick the epoch with the best
 * accuracy on `val` (first best on ties) and leave those weights in m. Labels must be below the
 * number of classes, image size must equal dims[0]. Returns 0 or a Q2_E* code. */
int  q2_train_mlp(q2_mlp *m, const q2_dataset *train, const q2_dataset *val, const q2_train_opts *o,
               q2_train_result *res);

/* Mean cross-entropy loss of n examples x (n, dims[0]) with labels y (n), and its gradient with
 * respect to every weight and bias into grad (initialised by the caller with m's dims); no
 * dropout. The same code path as a training step (used by the gradient check in the tests). */
int  q2_train_gradient(const q2_mlp *m, const float *x, const uint8_t *y, int n, q2_mlp *grad, double *loss);

/* ---- the trainer's elementwise kernels (optim.c; AVX-512 or scalar, same bits) ---- */
/* g[i] = a[i] > 0 ? g[i] * scale : 0 — the ReLU (and inverted-dropout) backward step. */
void q2_relu_backward(float *g, const float *a, size_t n, float scale);
/* Adam with the bias correction folded into lr and eps by the caller:
 * m1 = b1 m1 + (1-b1) g;  m2 = b2 m2 + (1-b2) g g;  w -= lr m1 / (sqrt(m2) + eps). */
void q2_adam_update(float *w, float *m1, float *m2, const float *g, size_t n, float lr, float b1, float b2,
                    float eps);

#endif
