/* ptq.h — post-training quantizers that keep the .q2 format unchanged (docs/quantizer.md
 * "Beyond the support region"): the 4 levels +-delta/2, +-3 delta/2 with the step per neuron
 * chosen by a support-region rule (quant.h), and a bias per neuron. What changes is which level
 * each weight takes and the bias:
 *   plain     round to the nearest level (q2_quant_code)
 *   biascorr  plain, then each neuron's bias += the mean over calibration images of (float
 *             network's pre-activation - quantized network's pre-activation) (Nagel et al. 2019,
 *             empirical form: the inputs of layer l come from the quantized layers 0..l-1)
 *   gptq      error-compensating rounding (GPTQ/OBQ, Frantar et al. 2022): per neuron, the inputs
 *             are quantized one at a time (largest calibration energy first), and each rounding
 *             error is spread over the inputs not yet quantized with the inverse of
 *             H = X^T X + lambda I, X the layer's calibration inputs from the quantized earlier
 *             layers; lambda = Q2_PTQ_DAMP * mean(diag(X^T X))
 *   gptq-bc   gptq, then the bias correction above
 *   refine    gptq-bc with each layer's steps scaled by the factor of Q2_PTQ_REFINE_GRID whose
 *             GPTQ-rounded layer has the least output error on the calibration images (the
 *             variance over images of float-network minus quantized-network pre-activation,
 *             summed over neurons: what the bias correction cannot remove)
 * Calibration images are training images only (never validation or test). */
#ifndef Q2_PTQ_H
#define Q2_PTQ_H

#include "base/idx.h"
#include "float/mlp.h"
#include "quant/quant.h"

#define Q2_PTQ_DAMP 0.01 /* lambda / mean(diag(X^T X)) */
#define Q2_PTQ_REFINE_GRID {0.8, 0.9, 1.0, 1.1, 1.2, 1.35, 1.5} /* refine: step scales tried */

typedef enum { Q2_METHOD_PLAIN, Q2_METHOD_BIASCORR, Q2_METHOD_GPTQ, Q2_METHOD_GPTQ_BC, Q2_METHOD_REFINE,
               Q2_METHOD_COUNT } q2_method;
const char *q2_method_name(q2_method m);  /* "plain", "biascorr", "gptq", "gptq-bc", "refine" */
int q2_method_parse(const char *s);       /* q2_method or Q2_EARG (with a message) */

/* dst (initialised here) = m with every weight on its neuron's grid (value c*delta/2, or 0 for a
 * dead neuron, delta < dead) chosen by method, and the biases of method. d: the steps
 * (q2_deltas of m's dims); refine rescales them. calib: the first calib_n images. */
int q2_ptq_apply(const q2_mlp *m, q2_deltas *d, q2_method method, const q2_dataset *calib,
                 int calib_n, float dead, q2_mlp *dst);

/* ---- the steps, exposed for the tests ----------------------------------------------------------- */
/* In place: the lower Cholesky factor L of the symmetric positive definite a (n, n), a = L L^T,
 * upper triangle zeroed. Q2_EARG if a is not positive definite. */
int q2_chol_lower(double *a, int n);
/* In place: h (n, n) symmetric positive definite -> the upper Cholesky factor U of h^{-1}
 * (h^{-1} = U^T U), lower triangle zeroed. Q2_EARG if h is not positive definite. */
int q2_chol_inv_upper(double *h, int n);
/* GPTQ on n_rows rows of w (n_rows, n) in place, all with the same u (n, n) = q2_chol_inv_upper(H),
 * inputs taken in the order perm (n; NULL: 0..n-1): w[r] ends on the grid of delta[r]. */
void q2_gptq_rows(double *w, int n_rows, int n, const double *u, const int *perm, const float *delta);

#endif
