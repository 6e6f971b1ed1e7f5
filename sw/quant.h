/* quant.h — the symmetric 2-bit uniform quantizer, its Laplacian theory, and the
 * support-region rules that choose x_max (docs/quantizer.md).
 *
 * Quantizer with step delta (x_max = 2*delta):
 *   thresholds 0, +-delta, +-x_max; levels +-delta/2, +-3*delta/2; |w| >= x_max -> +-3*delta/2.
 *   code k in {0,1,2,3} <-> c = 2k-3 in {-3,-1,+1,+3} <-> value c*delta/2.
 *   Boundary convention: w in [0, delta) -> c=+1, [delta, inf) -> +3, [-delta, 0) -> -1,
 *   (-inf, -delta) -> -3. (w = 0 maps to +1.)
 */
#ifndef Q2_QUANT_H
#define Q2_QUANT_H

#include <stddef.h>
#include "mlp.h"

/* ---- the quantizer --------------------------------------------------------------------------- */
int   q2_quant_code(float w, float delta);           /* 0..3; delta > 0 */
float q2_quant_value(int code, float delta);          /* (2*code-3) * delta/2 */

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
    float *delta[MLP_MAX_LAYERS];
} q2_deltas;
int  q2_deltas_init(q2_deltas *d, const mlp *m);
void q2_deltas_free(q2_deltas *d);

#endif
