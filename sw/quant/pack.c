/* pack.c — float .mlp -> bit-exact integer model: quantize the weights to 2-bit codes (quant.c),
 * calibrate the activation scales on training images, derive bias / M / S per neuron, encode the
 * .q2 image (qmodel.c). Spec: docs/arithmetic.md "Where the integers come from". */
#include "quant/pack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define CALIB_CHUNK 500 /* images per float forward pass during calibration */

void q2_pack_opts_default(q2_pack_opts *o)
{
    memset(o, 0, sizeof *o);
    o->scope = Q2_SCOPE_LAYER;
    o->rule = Q2_RULE_OPT;
    o->qopts = q2_quant_opts_default();
    o->lanes = 32;
    o->calib_n = Q2_CALIB_N_DEFAULT;
    o->calib_pct = Q2_CALIB_PCT_DEFAULT;
}

/* ---- the arithmetic of one neuron ------------------------------------------------------------------ */
void q2_pack_choose_ms(double r, uint16_t *m, uint8_t *s, bool *saturated)
{
    *saturated = false;
    if (!(r > 0)) { /* r = 0 (or NaN): the neuron always outputs 0 */
        *m = 0;
        *s = Q2_S_MIN;
        return;
    }
    for (int S = Q2_S_MAX; S >= Q2_S_MIN; S--) {
        double v = round(ldexp(r, S)); /* round half away from zero; r > 0 */
        if (v <= 65535.0) {
            *m = (uint16_t)v;
            *s = (uint8_t)S;
            return;
        }
    }
    *m = 65535;
    *s = Q2_S_MIN;
    *saturated = true;
}

int32_t q2_pack_bias(double b, double u, bool *saturated)
{
    double v = round(b / u); /* round half away from zero */
    *saturated = !(fabs(v) <= Q2_BIAS_MAX);
    if (*saturated) return isnan(v) ? 0 : v > 0 ? Q2_BIAS_MAX : -Q2_BIAS_MAX;
    return (int32_t)v;
}

float q2_percentile_sorted(const float *sorted, size_t n, double pct)
{
    double k = ceil(pct / 100.0 * (double)n) - 1;
    size_t i = k < 0 ? 0 : k >= (double)n ? n - 1 : (size_t)k;
    return sorted[i];
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* ---- calibration ------------------------------------------------------------------------------------
 * Run the float-activation network with the 2-bit weights (qf) over the first n calibration images
 * and keep every post-ReLU activation of each hidden layer, sorted: acts[l] (n * dims[l+1]). */
static int calibrate(const q2_mlp *qf, const q2_dataset *d, int n, float **acts)
{
    const int L = qf->n_layers, n_in = qf->dims[0];
    float *x = malloc((size_t)CALIB_CHUNK * (size_t)n_in * sizeof *x);
    float *logits = malloc((size_t)CALIB_CHUNK * (size_t)qf->dims[L] * sizeof *logits);
    int rc = Q2_ENOMEM;
    if (!x || !logits) goto out_free;
    for (int l = 0; l < L - 1; l++)
        if (!(acts[l] = malloc((size_t)n * (size_t)qf->dims[l + 1] * sizeof(float)))) goto out_free;
    for (int s = 0; s < n; s += CALIB_CHUNK) {
        int c = n - s < CALIB_CHUNK ? n - s : CALIB_CHUNK;
        float *hidden[Q2_MAX_LAYERS] = {0};
        for (int l = 0; l < L - 1; l++) hidden[l] = acts[l] + (size_t)s * (size_t)qf->dims[l + 1];
        q2_mlp_scale_pixels(d->images + (size_t)s * (size_t)n_in, (size_t)c * (size_t)n_in, x);
        if ((rc = q2_mlp_forward(qf, x, c, logits, hidden))) goto out_free;
    }
    for (int l = 0; l < L - 1; l++)
        qsort(acts[l], (size_t)n * (size_t)qf->dims[l + 1], sizeof(float), cmp_float);
    rc = Q2_OK;
out_free:
    if (rc == Q2_ENOMEM) Q2_ERR("calibrate failed: out of memory for %d images", n);
    free(x);
    free(logits);
    return rc;
}

/* ---- integer parameters for one set of activation scales ------------------------------------------
 * s[l] (n_layers + 1): the float value of one input unit of layer l (s[0] = 1/255); s[L] unused. */
static void build_params(const q2_mlp *m, const q2_deltas *d, const float *s, q2_qmodel *q, q2_pack_report *rep)
{
    const int L = m->n_layers;
    rep->n_bias_sat = rep->n_m_sat = rep->n_m_zero = 0;
    for (int l = 0; l < L; l++) {
        q2_qlayer *ql = &q->layers[l];
        bool hidden = l < L - 1;
        double dsum = 0;
        for (int j = 0; j < ql->n_out; j++) {
            double delta = d->delta[l][j];
            dsum += delta;
            if (!(delta >= Q2_DELTA_DEAD)) { /* dead neuron: output 0 (hidden) / bias-free logit */
                ql->bias[j] = 0;
                ql->m[j] = 0;
                ql->s[j] = hidden ? Q2_S_MIN : 0;
                if (hidden) rep->n_m_zero++;
                continue;
            }
            double u = delta / 2 * (double)s[l]; /* float value of one accumulator unit */
            bool sat;
            ql->bias[j] = q2_pack_bias(m->b[l][j], u, &sat);
            rep->n_bias_sat += sat;
            if (hidden) {
                q2_pack_choose_ms(u / (double)s[l + 1], &ql->m[j], &ql->s[j], &sat);
                rep->n_m_sat += sat;
                rep->n_m_zero += ql->m[j] == 0;
            } else {
                ql->m[j] = 0;
                ql->s[j] = 0;
            }
        }
        ql->delta = (float)(dsum / ql->n_out);
        /* hidden: s_{l+1}; last layer: the logit unit (one delta for the whole layer) */
        ql->act_scale = hidden ? s[l + 1] : (float)(d->delta[l][0] / 2 * (double)s[l]);
    }
}

/* ---- the whole packer ------------------------------------------------------------------------------- */
static int check_opts(const q2_mlp *m, const q2_pack_opts *o)
{
    q2_image_layout lay;
    int rc = q2_image_layout_of(m->n_layers, m->dims, o->lanes, &lay);
    if (rc) return rc;
    if (!o->calib || o->calib->n < 1) {
        Q2_ERR("pack failed: no calibration images");
        return Q2_EARG;
    }
    if (o->calib->rows * o->calib->cols != m->dims[0]) {
        Q2_ERR("pack failed: calibration images have %d pixels, the model %d inputs",
               o->calib->rows * o->calib->cols, m->dims[0]);
        return Q2_EARG;
    }
    if (o->calib_n < 1) {
        Q2_ERR("pack failed: calib_n is %d, need >= 1", o->calib_n);
        return Q2_EARG;
    }
    if (o->calib_pct != Q2_CALIB_PCT_AUTO && !(o->calib_pct > 0 && o->calib_pct <= 100)) {
        Q2_ERR("pack failed: calibration percentile is %g, need (0, 100] or auto", o->calib_pct);
        return Q2_EARG;
    }
    if (!o->val && (o->calib_pct == Q2_CALIB_PCT_AUTO || (o->rule == Q2_RULE_ACC && !o->deltas))) {
        Q2_ERR("pack failed: %s needs a validation set",
               o->rule == Q2_RULE_ACC ? "rule acc" : "--calib-pct auto");
        return Q2_EARG;
    }
    if (o->val && o->val->rows * o->val->cols != m->dims[0]) {
        Q2_ERR("pack failed: validation images have %d pixels, the model %d inputs",
               o->val->rows * o->val->cols, m->dims[0]);
        return Q2_EARG;
    }
    return Q2_OK;
}

/* The activation scales for one percentile: s[0] = 1/255, s[l+1] = P_l / 255. */
static void scales_for(const q2_mlp *m, float *const *acts, size_t n_img, double pct, float *s,
                       q2_pack_report *rep)
{
    s[0] = 1.0f / 255.0f;
    for (int l = 0; l < m->n_layers - 1; l++) {
        size_t n = n_img * (size_t)m->dims[l + 1];
        float p = q2_percentile_sorted(acts[l], n, pct), mx = acts[l][n - 1];
        if (!(p > 0)) p = mx;       /* a layer almost always zero: fall back to the maximum */
        if (!(p > 0)) p = 255.0f;   /* a dead layer: any scale, every output is 0 */
        s[l + 1] = p / 255.0f;
        rep->act_max[l] = mx;
        size_t above = 0;
        for (size_t k = n; k > 0 && acts[l][k - 1] > p; k--) above++;
        rep->sat_frac[l] = (double)above / (double)n;
    }
}

static double int_accuracy(const q2_qmodel *q, const q2_dataset *d)
{
    q2_fast f;
    if (q2_fast_init(&f, q, Q2_FAST_AUTO)) return -1;
    double acc = q2_fast_accuracy(&f, d->images, d->labels, d->n);
    q2_fast_free(&f);
    return acc;
}

double q2_pack_accuracy(const q2_qmodel *q, const q2_dataset *d) { return int_accuracy(q, d); }

/* Step 1. quantize: deltas per neuron (*d) and the float model *qf; in the neuron scope the last layer
 * takes its layer-wise step so that all logits share one unit (docs/arithmetic.md). On failure
 * nothing is kept. */
static int pack_quantize(const q2_mlp *m, const q2_pack_opts *o, q2_mlp *qf, q2_deltas *d)
{
    const int L = m->n_layers;
    q2_mlp tmp;
    q2_deltas d_last;
    if (o->deltas) { /* given: qf a copy of m (pack_codes sets its weights), d a copy of them */
        int rc = q2_mlp_copy(qf, m);
        if (!rc && (rc = q2_deltas_init(d, m))) q2_mlp_free(qf);
        for (int l = 0; !rc && l < L; l++)
            memcpy(d->delta[l], o->deltas->delta[l], (size_t)m->dims[l + 1] * sizeof(float));
        return rc;
    }
    int rc = q2_quantize_mlp_ex(m, o->scope, o->rule, &o->qopts, o->val, qf, d, NULL);
    if (rc) return rc;
    if (o->scope == Q2_SCOPE_NEURON) {
        if ((rc = q2_quantize_mlp_ex(m, Q2_SCOPE_LAYER, o->rule, &o->qopts, o->val, &tmp, &d_last, NULL))) {
            q2_mlp_free(qf);
            q2_deltas_free(d);
            return rc;
        }
        memcpy(d->delta[L - 1], d_last.delta[L - 1], (size_t)m->dims[L] * sizeof(float));
        q2_mlp_free(&tmp);
        q2_deltas_free(&d_last);
    }
    return Q2_OK;
}

/* Step 2. the codes into q, and the float model qf with exactly these weights; counts dead neurons. */
static void pack_codes(const q2_mlp *m, const q2_deltas *d, q2_qmodel *q, q2_mlp *qf, q2_pack_report *rep)
{
    for (int l = 0; l < m->n_layers; l++) {
        const int n_in = m->dims[l];
        for (int j = 0; j < m->dims[l + 1]; j++) {
            float delta = d->delta[l][j];
            bool dead = !(delta >= Q2_DELTA_DEAD);
            if (dead) rep->n_dead++;
            for (int i = 0; i < n_in; i++) {
                size_t k = (size_t)j * (size_t)n_in + (size_t)i;
                int code = dead ? 2 : q2_quant_code(m->w[l][k], delta);
                q->layers[l].codes[k] = (uint8_t)code;
                qf->w[l][k] = dead ? 0.0f : q2_quant_value(code, delta);
            }
        }
    }
}

/* Step 4 (auto): try each candidate percentile on the validation set, rep->pct := the first best. */
static int pack_choose_pct(const q2_mlp *m, const q2_pack_opts *o, float **acts, int n_cal,
                           const q2_deltas *d, q2_qmodel *q, q2_pack_report *rep)
{
    static const double cand[] = Q2_CALIB_CANDIDATES;
    float s[Q2_MAX_LAYERS + 1];
    int best = -1;
    for (int c = 0; c < (int)(sizeof cand / sizeof cand[0]) && c < Q2_CALIB_MAX_CAND; c++) {
        scales_for(m, acts, (size_t)n_cal, cand[c], s, rep);
        build_params(m, d, s, q, rep);
        double acc = int_accuracy(q, o->val);
        if (acc < 0) return Q2_ENOMEM;
        rep->cand_pct[c] = cand[c];
        rep->cand_acc[c] = acc;
        rep->n_cand = c + 1;
        if (best < 0 || acc > rep->cand_acc[best]) best = c; /* first best: the default on ties */
    }
    rep->pct = cand[best];
    return Q2_OK;
}

int q2_pack_mlp(const q2_mlp *m, const q2_pack_opts *o, q2_qmodel *q, q2_mlp *qf_out, q2_pack_report *rep)
{
    memset(q, 0, sizeof *q);
    memset(rep, 0, sizeof *rep);
    if (qf_out) memset(qf_out, 0, sizeof *qf_out);
    rep->val_acc_int = rep->val_acc_float = NAN;
    int rc = check_opts(m, o);
    if (rc) return rc;
    const int L = m->n_layers;

    /* 1. quantize */
    q2_mlp qf;
    q2_deltas d;
    float *acts[Q2_MAX_LAYERS] = {0};
    if ((rc = pack_quantize(m, o, &qf, &d))) return rc;

    /* 1b. the method: weights on the grid of d and biases (plain: m itself is rounded below) */
    q2_mlp mp;
    int n_cal = o->calib_n < o->calib->n ? o->calib_n : o->calib->n;
    if (o->method != Q2_METHOD_PLAIN) {
        if ((rc = q2_ptq_apply(m, &d, o->method, o->calib, n_cal, Q2_DELTA_DEAD, &mp))) goto out_quant;
        m = &mp;
    }

    /* 2. codes, and the float model with exactly these weights */
    if ((rc = q2_qmodel_init(q, L, m->dims, o->lanes))) goto out_quant;
    q->scope = (int)o->scope;
    pack_codes(m, &d, q, &qf, rep);
    for (int l = 0; l < L; l++) memcpy(qf.b[l], m->b[l], (size_t)m->dims[l + 1] * sizeof(float));

    /* 3. calibrate on the first calib_n training images */
    if ((rc = calibrate(&qf, o->calib, n_cal, acts))) goto out_q;

    /* 4. bias / M / S for the percentile, or for each candidate (auto) */
    float s[Q2_MAX_LAYERS + 1];
    if (o->calib_pct == Q2_CALIB_PCT_AUTO) {
        if ((rc = pack_choose_pct(m, o, acts, n_cal, &d, q, rep))) goto out_q;
    } else {
        rep->pct = o->calib_pct;
    }
    scales_for(m, acts, (size_t)n_cal, rep->pct, s, rep);
    build_params(m, &d, s, q, rep);
    for (int l = 0; l < L; l++) rep->act_scale[l] = q->layers[l].act_scale;
    if ((rc = q2_qmodel_encode(q))) goto out_q;

    if (o->val) {
        rep->val_acc_int = int_accuracy(q, o->val);
        rep->val_acc_float = q2_mlp_accuracy(&qf, o->val);
    }
    if (qf_out) {
        *qf_out = qf;
        memset(&qf, 0, sizeof qf);
    }
    rc = Q2_OK;
    goto out_quant;
out_q:
    q2_qmodel_free(q);
out_quant:
    for (int l = 0; l < Q2_MAX_LAYERS; l++) free(acts[l]);
    if (m == &mp) q2_mlp_free(&mp);
    q2_mlp_free(&qf);
    q2_deltas_free(&d);
    return rc;
}
