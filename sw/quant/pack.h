/* pack.h — from a float .mlp to the bit-exact integer model (.q2): 2-bit codes from the quantizer
 * (quant.h), activation scales calibrated on training images, bias / M / S per neuron.
 * docs/arithmetic.md "Where the integers come from" is the spec; this is its one implementation. */
#ifndef Q2_PACK_H
#define Q2_PACK_H

#include <stdbool.h>
#include "base/idx.h"
#include "float/mlp.h"
#include "qmodel/qmodel.h"
#include "quant/ptq.h"
#include "quant/quant.h"

#define Q2_CALIB_N_DEFAULT   5000   /* calibration images: the first N training images */
#define Q2_CALIB_PCT_DEFAULT 99.99  /* percentile of the post-ReLU activations that maps to 255 */
#define Q2_CALIB_PCT_AUTO    (-1.0) /* try Q2_CALIB_CANDIDATES, keep the best on validation */
#define Q2_CALIB_MAX_CAND    8
/* The candidates of --calib-pct auto, the default first (it wins ties). */
#define Q2_CALIB_CANDIDATES  {99.99, 99.9, 99.5, 99.0, 99.999, 100.0}
#define Q2_DELTA_DEAD        1e-20f /* a step below this is "all weights zero": the neuron outputs 0 */

typedef struct {
    q2_scope scope;
    q2_rule rule;
    q2_method method;             /* ptq.h: which level each weight takes, and the biases */
    q2_quant_opts qopts;          /* sigma convention and sweep of the rules (quant.h) */
    int lanes;                    /* L of the image */
    int calib_n;                  /* use the first calib_n images of calib */
    double calib_pct;             /* (0, 100], or Q2_CALIB_PCT_AUTO */
    const q2_dataset *calib;      /* training images: calibration (never validation or test) */
    const q2_dataset *val;        /* validation: rule acc and --calib-pct auto; may be NULL otherwise */
    const q2_deltas *deltas;      /* NULL: the steps of scope and rule; else these steps (m's dims,
                                   * neuron scope: one step for the last layer), scope/rule unused */
} q2_pack_opts;
void q2_pack_opts_default(q2_pack_opts *o);

/* What the packer decided and measured, for the summary and the tests. */
typedef struct {
    double pct;                              /* the percentile used */
    int n_cand;
    double cand_pct[Q2_CALIB_MAX_CAND];      /* (n_cand) auto: percentiles tried */
    double cand_acc[Q2_CALIB_MAX_CAND];      /* (n_cand) their bit-exact validation accuracy */
    float act_scale[Q2_MAX_LAYERS];         /* (n_layers) s_{l+1}; last layer: the logit unit */
    float act_max[Q2_MAX_LAYERS];           /* (n_layers - 1) largest calibration activation */
    double sat_frac[Q2_MAX_LAYERS];         /* (n_layers - 1) calibration activations above P */
    int n_bias_sat;                          /* biases clamped to +-Q2_BIAS_MAX */
    int n_m_sat;                             /* ratios too large even for S = 1 (M = 65535) */
    int n_m_zero;                            /* hidden neurons with M = 0 */
    int n_dead;                              /* neurons with delta < Q2_DELTA_DEAD */
    double val_acc_int;                      /* bit-exact, on val (NaN without val) */
    double val_acc_float;                    /* float activations, 2-bit weights, on val */
} q2_pack_report;

/* Quantize and calibrate m into q (initialised here, image encoded). qf, if not NULL, receives
 * (initialised here) the float network with exactly the packed 2-bit weights c*delta/2 and the
 * original biases: the "float-activation 2-bit" model the integer model is compared with. */
int q2_pack_mlp(const q2_mlp *m, const q2_pack_opts *o, q2_qmodel *q, q2_mlp *qf, q2_pack_report *rep);

/* Bit-exact top-1 accuracy of q on d (the fast integer path); < 0 on error. */
double q2_pack_accuracy(const q2_qmodel *q, const q2_dataset *d);

/* ---- the steps, exposed for the tests ------------------------------------------------------------ */
/* M / 2^S ~ r: the largest S in [1, 40] with M = round(r 2^S) <= 65535; r = 0 -> (0, 1);
 * r too large for S = 1 -> (65535, 1) and *saturated = true. */
void q2_pack_choose_ms(double r, uint16_t *m, uint8_t *s, bool *saturated);
/* round_half_away(b / u) clamped to +-Q2_BIAS_MAX; *saturated set when clamped. u > 0. */
int32_t q2_pack_bias(double b, double u, bool *saturated);
/* Nearest-rank percentile of sorted (n, ascending): the value at index ceil(pct/100 * n) - 1
 * (pct 100 -> the maximum). n > 0. */
float q2_percentile_sorted(const float *sorted, size_t n, double pct);

#endif
