/* quant.h — the symmetric 2-bit uniform quantizer, its Laplacian theory, and the
 * support-region rules that choose x_max (docs/quantizer.md).
 *
 * Quantizer with step delta (x_max = 2*delta):
 *   thresholds 0, +-delta, +-x_max; levels +-delta/2, +-3*delta/2; |w| >= x_max -> +-3*delta/2.
 *   code k in {0,1,2,3} <-> c = 2k-3 in {-3,-1,+1,+3} <-> value c*delta/2.
 *   Boundary convention: w in [0, delta) -> c=+1, [delta, inf) -> +3, [-delta, 0) -> -1,
 *   (-inf, -delta) -> -3. (w = 0 maps to +1.)
 *
 * Scale convention ("sigma"): the quantizer has no zero point, so it quantizes w itself; the
 * default sigma of a scope is therefore the root mean square sqrt(E[w^2]) (mean NOT removed).
 * Q2_SIGMA_STD (mean removed) is available for the study. docs/quantizer.md says why.
 */
#ifndef Q2_QUANT_H
#define Q2_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include "float/mlp.h"

/* ---- the quantizer --------------------------------------------------------------------------- */
int   q2_quant_code(float w, float delta);           /* 0..3; delta > 0 */
float q2_quant_value(int code, float delta);          /* (2*code-3) * delta/2 */
static inline float q2_quant_round(float w, float delta) /* Q(w) = value(code(w)) */
{
    return q2_quant_value(q2_quant_code(w, delta), delta);
}

/* ---- theory: zero-mean unit-variance Laplacian source ----------------------------------------- */
typedef struct { double xmax, delta, d_gran, d_over, d, sqnr_db; } q2_lap_point;
q2_lap_point q2_lap_theory(double xmax);              /* closed form */
q2_lap_point q2_lap_optimal(void);                    /* MSE-optimal x_max (~2.17479) */

/* ---- support-region rules and scopes ----------------------------------------------------------- */
typedef enum { Q2_RULE_OPT, Q2_RULE_ASYM, Q2_RULE_MAXABS, Q2_RULE_MSE, Q2_RULE_ACIQ,
               Q2_RULE_OCTAV, Q2_RULE_ACC, Q2_RULE_COUNT } q2_rule;
typedef enum { Q2_SCOPE_GLOBAL, Q2_SCOPE_LAYER, Q2_SCOPE_NEURON, Q2_SCOPE_COUNT } q2_scope;
const char *q2_rule_name(q2_rule r);
const char *q2_scope_name(q2_scope s);
int q2_rule_parse(const char *s);   /* q2_rule or Q2_EARG */
int q2_scope_parse(const char *s);  /* q2_scope or Q2_EARG */

/* Per-output-neuron step sizes of a whole network: delta[l][j] for output neuron j of layer l,
 * (dims[l+1]) each. Global and layer scopes repeat one value. */
typedef struct {
    int n_layers;
    float *delta[Q2_MAX_LAYERS];  /* layer l: (dims[l+1]) */
} q2_deltas;
int  q2_deltas_init(q2_deltas *d, const q2_mlp *m);
void q2_deltas_free(q2_deltas *d);

/* ---- constants of the rules (x_max / sigma, and ACIQ's x_max / b) ----------------------------- */
#define Q2_XMAX_OPT   2.1748  /* MSE-optimal for the unit Laplacian (q2_lap_optimal: 2.174785) */
#define Q2_XMAX_ASYM  2.1213  /* = 3/sqrt(2): delta = 1.0607 sigma, the paper's approximate choice */
#define Q2_ACIQ_2BIT  2.83    /* ACIQ (Banner et al.) alpha/b for a Laplace(b) source, 2 bits */
#define Q2_DELTA_MIN  1e-30f  /* step used for a scope whose weights are all zero */
#define Q2_OCTAV_ITERS 100    /* at most this many fixed-point steps */

/* Sweep grid of x_max/sigma used by the `acc` rule and the study: points values
 * lo + i*(hi-lo)/(points-1), i = 0..points-1 (default 56 points in [0.5, 6]: step 0.1). */
#define Q2_SWEEP_POINTS 56
#define Q2_SWEEP_LO     0.5
#define Q2_SWEEP_HI     6.0

typedef enum { Q2_SIGMA_RMS, Q2_SIGMA_STD, Q2_SIGMA_COUNT } q2_sigma_mode;
const char *q2_sigma_name(q2_sigma_mode m);           /* "rms", "std" */
int q2_sigma_parse(const char *s);                    /* q2_sigma_mode or Q2_EARG */

/* Options of the rules; NULL everywhere means q2_quant_opts_default(). */
typedef struct {
    q2_sigma_mode sigma;     /* scale of opt/asym/acc and of the sweep (default Q2_SIGMA_RMS) */
    int points;              /* acc sweep: number of x_max/sigma values (>= 2) */
    double lo, hi;           /* acc sweep: range of x_max/sigma, 0 < lo < hi */
    bool progress;           /* acc sweep: progress lines on stderr */
} q2_quant_opts;
q2_quant_opts q2_quant_opts_default(void);
double q2_sweep_ratio(const q2_quant_opts *o, int i); /* the i-th grid value */

/* Moments of a weight array, in double. */
typedef struct {
    size_t n;
    double mean;     /* E[w] */
    double std;      /* sqrt(E[(w - mean)^2]) (population) */
    double rms;      /* sqrt(E[w^2]) */
    double mad;      /* E[|w - mean|] (ACIQ's Laplace scale b) */
    double maxabs;   /* max |w| */
} q2_wstats;
void   q2_wstats_compute(q2_wstats *s, const float *w, size_t n);
double q2_wstats_sigma(const q2_wstats *s, const q2_quant_opts *o); /* rms or std per o */

/* The rules on one weight array w (n): each writes x_max (>= 0) and returns 0 or Q2_E*.
 * opt:    Q2_XMAX_OPT * sigma
 * asym:   Q2_XMAX_ASYM * sigma
 * maxabs: max |w|
 * mse:    argmin over x_max of sum (w - Q(w))^2, exact (piecewise-quadratic minimisation over
 *         the sorted |w|; ties -> the smallest x_max)
 * aciq:   Q2_ACIQ_2BIT * E|w - mean|
 * octav:  OCTAV fixed point adapted to the 2-bit quantizer (overload level 3 x_max/4):
 *         s <- 36 sum_{|w|>s} |w| / (N_{|w|<=s} + 27 N_{|w|>s}), from s = Q2_XMAX_OPT * sigma;
 *         if it does not settle in Q2_OCTAV_ITERS steps, the iterate of least measured MSE. */
int q2_xmax_opt(const float *w, size_t n, const q2_quant_opts *o, double *xmax);
int q2_xmax_asym(const float *w, size_t n, const q2_quant_opts *o, double *xmax);
int q2_xmax_maxabs(const float *w, size_t n, const q2_quant_opts *o, double *xmax);
int q2_xmax_mse(const float *w, size_t n, const q2_quant_opts *o, double *xmax);
int q2_xmax_aciq(const float *w, size_t n, const q2_quant_opts *o, double *xmax);
int q2_xmax_octav(const float *w, size_t n, const q2_quant_opts *o, double *xmax);
/* Dispatch on r (every rule but Q2_RULE_ACC, which needs a network: Q2_EARG). */
int q2_xmax_rule(q2_rule r, const float *w, size_t n, const q2_quant_opts *o, double *xmax);

/* Measured quantization error of w (n) with step delta: sum of squares of w and of w - Q(w). */
void q2_quant_error(const float *w, size_t n, float delta, double *sig2, double *err2);
/* 10 log10(sig2 / err2); +inf when err2 == 0. */
double q2_sqnr_db(double sig2, double err2);

/* ---- scopes: which weights share one x_max ----------------------------------------------------- */
/* Units of a scope: global 1, layer n_layers, neuron sum of dims[l+1]. */
int q2_scope_units(const q2_mlp *m, q2_scope s);
/* Weights of unit u: (*w, *n). Layer and neuron units point into m; the global unit is gathered
 * into *scratch (malloc'd here on first use, the caller frees it). */
int q2_scope_unit_weights(const q2_mlp *m, q2_scope s, int u, float **scratch, const float **w,
                          size_t *n);

/* ---- whole networks ------------------------------------------------------------------------- */
/* dst is initialised here as a copy of src with every weight replaced by its quantized value
 * (biases unchanged); deltas (initialised here) gets delta per output neuron per layer.
 * val is used only by Q2_RULE_ACC (error if NULL then) and may be NULL otherwise. */
int q2_quantize_mlp(const q2_mlp *src, q2_scope scope, q2_rule rule, const q2_dataset *val,
                    q2_mlp *dst, q2_deltas *deltas);

/* What q2_quantize_mlp_ex found for the acc rule (NaN for the other rules). */
typedef struct {
    double acc_ratio;  /* chosen x_max/sigma */
    double acc_val;    /* its validation accuracy */
} q2_quant_info;
/* q2_quantize_mlp with options (NULL: defaults) and an optional info out-parameter. */
int q2_quantize_mlp_ex(const q2_mlp *src, q2_scope scope, q2_rule rule, const q2_quant_opts *o,
                       const q2_dataset *val, q2_mlp *dst, q2_deltas *deltas, q2_quant_info *info);
/* Every unit of the scope gets x_max = ratio * sigma_unit (ratio > 0). dst, deltas as above. */
int q2_quantize_mlp_ratio(const q2_mlp *src, q2_scope scope, double ratio, const q2_quant_opts *o,
                          q2_mlp *dst, q2_deltas *deltas);
/* The acc rule's choice from a sweep: index of the highest acc (n), the first on ties; -1 if
 * n <= 0 or every value is negative (an error). */
int q2_acc_pick(const double *acc, int n);

#endif
