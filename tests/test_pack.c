/* test_pack.c — the packer (sw/quant/pack.c): M/S choice, bias rounding and saturation, the percentile,
 * and whole networks: every scope on a synthetic network and data set, checked against
 * the float-activation 2-bit network it approximates; calibration reads only the first calib_n
 * training images. Numbered checks, PASSED/FAILED, exit 1 on any failure. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/pack.h"
#include "qmodel/qmodel.h"
#include "base/util.h"
#define CHECK_WORDS_PASSED
#include "check.h"

/* Error budgets (named, not magic numbers in the asserts). */
#define MS_REL_TOL     (1.0 / 32768) /* |M/2^S - r| / r once M has 16 significant bits */
#define ACT0_TOL_UNITS 1             /* layer 0: |a' - clamp(y/s)| in uint8 steps (bias + M/S rounding) */
#define ARGMAX_AGREE   0.97          /* integer vs float-activation class agreement, synthetic net */

/* ---- one neuron -------------------------------------------------------------------------------------- */
static void test_ms(void)
{
    static const struct {
        double r;
        unsigned m, s;
        bool sat;
    } t[] = {
        {0.0, 0, 1, false},         {1.0, 32768, 15, false},    {0.5, 32768, 16, false},
        {0.3, 39322, 17, false},    {1e-13, 0, 40, false},      {40000.0, 65535, 1, true},
        {32767.7, 65535, 1, false}, {32767.75, 65535, 1, true}, {0.0078125, 32768, 22, false},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint16_t m;
        uint8_t s;
        bool sat;
        q2_pack_choose_ms(t[i].r, &m, &s, &sat);
        CHECK(m == t[i].m && s == t[i].s && sat == t[i].sat, "M/S for r = %g: (%u, %u%s), need (%u, %u%s)",
              t[i].r, m, s, sat ? ", saturated" : "", t[i].m, t[i].s, t[i].sat ? ", saturated" : "");
    }
    q2_rng r;
    q2_rng_init(&r, 2);
    int bad = 0;
    for (int k = 0; k < 10000; k++) {
        double v = exp(log(1e-7) + q2_rng_uniform(&r) * (log(3e4) - log(1e-7)));
        uint16_t m;
        uint8_t s;
        bool sat;
        q2_pack_choose_ms(v, &m, &s, &sat);
        double got = ldexp(m, -s);
        bool largest = s == Q2_S_MAX || round(ldexp(v, s + 1)) > 65535;
        if (sat || m < 32768 || fabs(got - v) / v > MS_REL_TOL || !largest) bad++;
    }
    CHECK(bad == 0,
          "M/S for 10000 ratios in [1e-7, 3e4]: S largest, M >= 2^15, relative error <= 2^-15 (%d bad)", bad);

    static const struct {
        double b, u;
        int32_t want;
        bool sat;
    } bt[] = {
        {2.5, 1, 3, false},
        {-2.5, 1, -3, false},
        {2.49, 1, 2, false},
        {0.0, 1, 0, false},
        {1e10, 1, Q2_BIAS_MAX, true},
        {-1e10, 1, -Q2_BIAS_MAX, true},
        {4194303.4, 1, Q2_BIAS_MAX, false},
        {4194303.5, 1, Q2_BIAS_MAX, true},
        {0.75, 0.5, 2, false},
    };
    for (size_t i = 0; i < sizeof bt / sizeof bt[0]; i++) {
        bool sat;
        int32_t v = q2_pack_bias(bt[i].b, bt[i].u, &sat);
        CHECK(v == bt[i].want && sat == bt[i].sat, "bias round(%g / %g) = %" PRId32 "%s, need %" PRId32 "%s",
              bt[i].b, bt[i].u, v, sat ? " (saturated)" : "", bt[i].want, bt[i].sat ? " (saturated)" : "");
    }

    float v[100];
    for (int i = 0; i < 100; i++) v[i] = (float)(i + 1);
    CHECK(q2_percentile_sorted(v, 100, 99) == 99 && q2_percentile_sorted(v, 100, 100) == 100 &&
              q2_percentile_sorted(v, 100, 50) == 50 && q2_percentile_sorted(v, 100, 0.5) == 1 &&
              q2_percentile_sorted(v, 100, 99.99) == 100 && q2_percentile_sorted(v, 1, 99.99) == 1,
          "nearest-rank percentile of 1..100: P99 = 99, P100 = 100, P50 = 50, P0.5 = 1, P99.99 = 100");
}

/* ---- whole networks ------------------------------------------------------------------------------------ */
/* A random 36-24-16-5 network and 1200 random 6x6 images labelled by the float network itself. */
static void synth(q2_mlp *m, q2_dataset *d, uint64_t seed)
{
    int dims[4] = {36, 24, 16, 5};
    if (q2_mlp_init(m, 3, dims)) exit(2);
    q2_rng r;
    q2_rng_init(&r, seed);
    for (int l = 0; l < 3; l++) {
        for (int k = 0; k < dims[l] * dims[l + 1]; k++)
            m->w[l][k] = (float)(q2_rng_laplace(&r) * sqrt(2.0 / dims[l]));
        for (int j = 0; j < dims[l + 1]; j++) m->b[l][j] = (float)(0.1 * q2_rng_normal(&r));
    }
    d->n = 1200;
    d->rows = d->cols = 6;
    d->images = malloc(1200 * 36);
    d->labels = malloc(1200);
    for (int k = 0; k < 1200 * 36; k++)
        d->images[k] = q2_rng_below(&r, 3) ? 0 : (uint8_t)q2_rng_below(&r, 256);
    float x[36], y[5];
    for (int i = 0; i < 1200; i++) {
        q2_mlp_scale_pixels(d->images + i * 36, 36, x);
        q2_mlp_forward(m, x, 1, y, NULL);
        d->labels[i] = (uint8_t)q2_mlp_argmax(y, 5);
    }
}

/* the float-activation model holds exactly the packed weights c * delta / 2: delta/2 is |w| of
 * any weight with c = +-1 in the row (exact), and every weight of the row must be c * delta/2;
 * and the last layer has one step (logits comparable) in every scope */
static void network_weights(const q2_mlp *m, const q2_mlp *qf, const q2_qmodel *q, q2_scope scope)
{
    int bad_w = 0;
    float row_delta[3][24];
    for (int l = 0; l < 3; l++)
        for (int j = 0; j < m->dims[l + 1]; j++) {
            const int n_in = m->dims[l];
            float delta = -1;
            for (int i = 0; i < n_in && delta < 0; i++) {
                int c = 2 * q->layers[l].codes[j * n_in + i] - 3;
                if (c == 1 || c == -1) delta = 2 * fabsf(qf->w[l][j * n_in + i]);
            }
            row_delta[l][j] = delta;
            for (int i = 0; i < n_in && delta >= 0; i++)
                bad_w += qf->w[l][j * n_in + i] != q2_quant_value(q->layers[l].codes[j * n_in + i], delta);
        }
    CHECK(bad_w == 0, "%s scope: float-activation weights are (2k-3) delta/2 of the packed codes",
          q2_scope_name(scope));

    /* last layer: one step (logits comparable) in every scope */
    float d0 = row_delta[2][0], dmax = 0;
    for (int j = 1; j < 5; j++) dmax = fmaxf(dmax, fabsf(row_delta[2][j] - d0));
    CHECK(d0 > 0 && dmax == 0, "%s scope: the last layer shares one step (spread %g)", q2_scope_name(scope),
          dmax);
}

/* layer 0 hidden outputs: a' within ACT0_TOL_UNITS of clamp(round(y / s_1)) of the float model; the
 * classes agree; the report's accuracies and saturation counts */
static void network_outputs(const q2_dataset *d, const q2_mlp *qf, const q2_qmodel *p, const q2_qmodel *q,
                            const q2_pack_report *rep, q2_scope scope)
{
    float x[36], h0[24], h1[16], y[5];
    float *hid[2] = {h0, h1};
    uint8_t a0[24], a1[16];
    uint8_t *ahid[2] = {a0, a1};
    int worst = 0, agree = 0;
    for (int i = 0; i < d->n; i++) {
        int32_t logits[5];
        q2_mlp_scale_pixels(d->images + i * 36, 36, x);
        q2_mlp_forward(qf, x, 1, y, hid);
        int c = q2_qmodel_forward_ref(p, d->images + i * 36, logits, ahid);
        agree += c == q2_mlp_argmax(y, 5);
        for (int j = 0; j < 24; j++) {
            double want = fmin(255, round(h0[j] / q->layers[0].act_scale));
            int e = abs((int)a0[j] - (int)want);
            if (e > worst) worst = e;
        }
    }
    CHECK(worst <= ACT0_TOL_UNITS,
          "%s scope: layer-0 outputs within %d unit of the float-activation model (worst %d)",
          q2_scope_name(scope), ACT0_TOL_UNITS, worst);
    CHECK(agree >= ARGMAX_AGREE * d->n,
          "%s scope: class agrees with the float-activation model on %d/%d images", q2_scope_name(scope),
          agree, d->n);
    CHECK(rep->val_acc_int >= 0 && rep->val_acc_float >= 0 && rep->n_bias_sat == 0 && rep->n_m_sat == 0,
          "%s scope: validation %.1f%% integer, %.1f%% float-activation; no saturated bias or M",
          q2_scope_name(scope), 100 * rep->val_acc_int, 100 * rep->val_acc_float);
}

/* calibration reads only the first calib_n images: changing the others changes nothing
 * (overwrites d's images from 800 on; packs without a validation set) */
static void network_calib_only(const q2_mlp *m, q2_pack_opts *o, q2_dataset *d, const q2_qmodel *q,
                               q2_scope scope)
{
    for (int i = 800; i < d->n; i++) memset(d->images + i * 36, 255, 36);
    q2_qmodel q2;
    q2_pack_report rep2;
    o->val = NULL; /* rule mse and a fixed percentile need no validation set */
    int rc = q2_pack_mlp(m, o, &q2, NULL, &rep2);
    CHECK(!rc && q2.image_len == q->image_len && !memcmp(q2.image, q->image, q->image_len),
          "%s scope: the image depends only on the first calib_n training images", q2_scope_name(scope));
    q2_qmodel_free(&q2);
}

static void test_network(q2_scope scope, int lanes)
{
    q2_mlp m, qf;
    q2_dataset d;
    synth(&m, &d, 7);
    q2_dataset cal = q2_dataset_slice(&d, 0, 1000), val = q2_dataset_slice(&d, 1000, 200);
    q2_pack_opts o;
    q2_pack_opts_default(&o);
    o.scope = scope;
    o.rule = Q2_RULE_MSE;
    o.qopts.progress = false;
    o.lanes = lanes;
    o.calib = &cal;
    o.calib_n = 800;
    o.val = &val;
    q2_qmodel q, p;
    q2_pack_report rep;
    int rc = q2_pack_mlp(&m, &o, &q, &qf, &rep);
    rc = rc ? rc : q2_qmodel_parse(&p, q.image, q.image_len, "packed");
    CHECK(!rc && p.lanes == lanes && p.scope == (int)scope,
          "%s scope, lanes %d: packs and parses (%zu bytes)", q2_scope_name(scope), lanes, q.image_len);
    if (rc) return;

    network_weights(&m, &qf, &q, scope);
    network_outputs(&d, &qf, &p, &q, &rep, scope);
    network_calib_only(&m, &o, &d, &q, scope);
    q2_qmodel_free(&p);
    q2_qmodel_free(&q);
    q2_mlp_free(&qf);
    q2_mlp_free(&m);
    q2_dataset_free(&d);
}

static void test_edges(void)
{
    q2_mlp m;
    q2_dataset d;
    synth(&m, &d, 9);
    memset(m.w[0] + 3 * 36, 0, 36 * sizeof(float)); /* neuron 3 of layer 0: all weights zero */
    q2_pack_opts o;
    q2_pack_opts_default(&o);
    o.scope = Q2_SCOPE_NEURON;
    o.qopts.progress = false;
    o.lanes = 4;
    o.calib = &d;
    q2_qmodel q;
    q2_pack_report rep;
    int rc = q2_pack_mlp(&m, &o, &q, NULL, &rep);
    CHECK(!rc && rep.n_dead == 1 && q.layers[0].m[3] == 0 && q.layers[0].bias[3] == 0,
          "a neuron with all-zero weights is dead: M = 0, bias 0 (%d dead)", rep.n_dead);
    q2_qmodel_free(&q);

    o.calib_pct = Q2_CALIB_PCT_AUTO;
    rc = q2_pack_mlp(&m, &o, &q, NULL, &rep);
    CHECK(rc == Q2_EARG, "--calib-pct auto without a validation set is refused");
    q2_dataset val = q2_dataset_slice(&d, 1000, 200);
    o.val = &val;
    rc = q2_pack_mlp(&m, &o, &q, NULL, &rep);
    bool best = rep.n_cand > 1, chosen = false;
    for (int c = 0; c < rep.n_cand; c++) {
        if (rep.cand_acc[c] > rep.val_acc_int) best = false;
        if (rep.cand_pct[c] == rep.pct && rep.cand_acc[c] == rep.val_acc_int) chosen = true;
    }
    CHECK(!rc && best && chosen,
          "--calib-pct auto: %d candidates, keeps the best validation accuracy (P%g, %.1f%%)", rep.n_cand,
          rep.pct, 100 * rep.val_acc_int);
    q2_qmodel_free(&q);

    o.lanes = 12;
    rc = q2_pack_mlp(&m, &o, &q, NULL, &rep);
    CHECK(rc == Q2_EARG, "lanes 12 is refused");
    o.lanes = 4;
    q2_dataset wrong = d;
    wrong.cols = 5;
    o.calib = &wrong;
    rc = q2_pack_mlp(&m, &o, &q, NULL, &rep);
    CHECK(rc == Q2_EARG, "calibration images of the wrong size are refused");
    q2_mlp_free(&m);
    q2_dataset_free(&d);
}

int main(void)
{
    test_ms();
    static const int lanes[3] = {4, 8, 16};
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) test_network((q2_scope)s, lanes[s]);
    test_edges();
    return check_summary();
}
