/* ptq.c — post-training quantizers in the .q2 format: bias correction and GPTQ-style
 * error-compensating rounding (ptq.h, docs/quantizer.md). */
#include "quant/ptq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "float/gemm.h"

static const char *const method_names[Q2_METHOD_COUNT] = {"plain", "biascorr", "gptq", "gptq-bc", "refine"};

const char *q2_method_name(q2_method m)
{
    return (unsigned)m < Q2_METHOD_COUNT ? method_names[m] : "?";
}

int q2_method_parse(const char *s)
{
    for (int i = 0; i < Q2_METHOD_COUNT; i++)
        if (!strcmp(s, method_names[i])) return i;
    Q2_ERR("parse --method failed: '%s', need plain, biascorr, gptq, gptq-bc or refine", s);
    return Q2_EARG;
}

/* ---- dense linear algebra (double, row-major) ---------------------------------------------------- */
int q2_chol_lower(double *a, int n)
{
    for (int j = 0; j < n; j++) {
        double s = a[(size_t)j * n + j];
        for (int k = 0; k < j; k++) s -= a[(size_t)j * n + k] * a[(size_t)j * n + k];
        if (!(s > 0)) return Q2_EARG;
        double d = sqrt(s);
        a[(size_t)j * n + j] = d;
        for (int i = j + 1; i < n; i++) {
            double t = a[(size_t)i * n + j];
            const double *ri = a + (size_t)i * n, *rj = a + (size_t)j * n;
            for (int k = 0; k < j; k++) t -= ri[k] * rj[k];
            a[(size_t)i * n + j] = t / d;
        }
        for (int k = j + 1; k < n; k++) a[(size_t)j * n + k] = 0;
    }
    return Q2_OK;
}

/* In place: lower triangular l (n, n) -> its inverse (lower triangular). */
static void tri_lower_inverse(double *l, int n)
{
    for (int j = 0; j < n; j++) {
        l[(size_t)j * n + j] = 1.0 / l[(size_t)j * n + j];
        for (int i = j + 1; i < n; i++) {
            double s = 0;
            for (int k = j; k < i; k++) s += l[(size_t)i * n + k] * l[(size_t)k * n + j];
            l[(size_t)i * n + j] = -s / l[(size_t)i * n + i];
        }
    }
}

int q2_chol_inv_upper(double *h, int n)
{
    int rc = q2_chol_lower(h, n);
    if (rc) return rc;
    tri_lower_inverse(h, n); /* h = L^{-1} =: V, and H^{-1} = V^T V */
    double *g = malloc((size_t)n * (size_t)n * sizeof *g);
    if (!g) return Q2_ENOMEM;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0; /* (V^T V)_ij = sum_k V_ki V_kj, k >= max(i, j) = i */
            for (int k = i; k < n; k++) s += h[(size_t)k * n + i] * h[(size_t)k * n + j];
            g[(size_t)i * n + j] = g[(size_t)j * n + i] = s;
        }
    if ((rc = q2_chol_lower(g, n))) goto out_free;
    for (int i = 0; i < n; i++) /* U = C^T */
        for (int j = 0; j < n; j++) h[(size_t)i * n + j] = j >= i ? g[(size_t)j * n + i] : 0;
out_free:
    free(g);
    return rc;
}

void q2_gptq_rows(double *w, int n_rows, int n, const double *u, const int *perm, const float *delta)
{
    for (int r = 0; r < n_rows; r++) {
        double *wr = w + (size_t)r * n;
        float dl = delta[r];
        for (int p = 0; p < n; p++) {
            int i = perm ? perm[p] : p;
            double q = q2_quant_round((float)wr[i], dl);
            double e = (wr[i] - q) / u[(size_t)p * n + p];
            wr[i] = q;
            const double *up = u + (size_t)p * n;
            for (int t = p + 1; t < n; t++) wr[perm ? perm[t] : t] -= e * up[t];
        }
    }
}

/* ---- one layer --------------------------------------------------------------------------------- */
typedef struct { int i; double e; } energy;
static int cmp_energy_desc(const void *a, const void *b)
{
    const energy *x = a, *y = b;
    if (x->e != y->e) return x->e < y->e ? 1 : -1;
    return (x->i > y->i) - (x->i < y->i); /* stable: lower index first */
}

/* H = X^T X (x: (n_img, n_in)) + damping, in the order of decreasing diagonal; *perm that order.
 * h (n_in, n_in) and perm (n_in) are allocated by the caller. */
static int hessian_sorted(const float *x, int n_img, int n_in, double *h, int *perm)
{
    float *hf = malloc((size_t)n_in * (size_t)n_in * sizeof *hf);
    energy *en = malloc((size_t)n_in * sizeof *en);
    int rc = Q2_ENOMEM;
    if (!hf || !en) goto out_free;
    q2_sgemm(true, false, n_in, n_in, n_img, 1.0f, x, n_in, x, n_in, 0.0f, hf, n_in);
    double mean_diag = 0;
    for (int i = 0; i < n_in; i++) {
        en[i] = (energy){i, hf[(size_t)i * n_in + i]};
        mean_diag += hf[(size_t)i * n_in + i];
    }
    mean_diag /= n_in;
    double lambda = Q2_PTQ_DAMP * (mean_diag > 0 ? mean_diag : 1.0);
    qsort(en, (size_t)n_in, sizeof *en, cmp_energy_desc);
    for (int p = 0; p < n_in; p++) perm[p] = en[p].i;
    for (int p = 0; p < n_in; p++)
        for (int q = 0; q < n_in; q++)
            h[(size_t)p * n_in + q] = hf[(size_t)perm[p] * n_in + perm[q]] + (p == q ? lambda : 0.0);
    rc = Q2_OK;
out_free:
    free(hf);
    free(en);
    return rc;
}

/* The GPTQ factor of one layer: u (n_in, n_in) and perm (n_in), allocated here, from the
 * calibration inputs x (n_img, n_in). */
static int gptq_prepare(const float *x, int n_img, int n_in, int l, double **u, int **perm)
{
    *u = malloc((size_t)n_in * (size_t)n_in * sizeof **u);
    *perm = malloc((size_t)n_in * sizeof **perm);
    int rc = Q2_ENOMEM;
    if (!*u || !*perm) goto out_fail;
    if ((rc = hessian_sorted(x, n_img, n_in, *u, *perm))) goto out_fail;
    if ((rc = q2_chol_inv_upper(*u, n_in))) {
        if (rc == Q2_EARG) Q2_ERR("gptq failed: layer %d Hessian is not positive definite", l);
        goto out_fail;
    }
    return Q2_OK;
out_fail:
    if (rc == Q2_ENOMEM) Q2_ERR("gptq failed: out of memory for layer %d", l);
    free(*u);
    free(*perm);
    *u = NULL;
    *perm = NULL;
    return rc;
}

/* dst->w[l] := GPTQ of m->w[l] with the steps delta (dims[l+1]) and the factor u, perm. */
static int gptq_round(const q2_mlp *m, int l, const double *u, const int *perm, const float *delta, float dead,
                      q2_mlp *dst)
{
    const int n_in = m->dims[l], n_out = m->dims[l + 1];
    double *w = malloc((size_t)n_out * (size_t)n_in * sizeof *w);
    if (!w) {
        Q2_ERR("gptq failed: out of memory for layer %d", l);
        return Q2_ENOMEM;
    }
    for (size_t k = 0; k < (size_t)n_out * (size_t)n_in; k++) w[k] = m->w[l][k];
    q2_gptq_rows(w, n_out, n_in, u, perm, delta);
    for (int j = 0; j < n_out; j++)
        for (int i = 0; i < n_in; i++) {
            size_t k = (size_t)j * n_in + i;
            dst->w[l][k] = delta[j] >= dead ? (float)w[k] : 0.0f;
        }
    free(w);
    return Q2_OK;
}

static void round_layer(const q2_mlp *m, int l, const q2_deltas *d, float dead, q2_mlp *dst)
{
    const int n_in = m->dims[l];
    for (int j = 0; j < m->dims[l + 1]; j++) {
        float dl = d->delta[l][j];
        for (int i = 0; i < n_in; i++) {
            size_t k = (size_t)j * n_in + i;
            dst->w[l][k] = dl >= dead ? q2_quant_round(m->w[l][k], dl) : 0.0f;
        }
    }
}

/* ---- the network, layer by layer ------------------------------------------------------------------
 * xf, xq (n_img, width): the inputs of layer l in the float and in the quantized network; yf, yq
 * scratch of the same size. After the layer, xf/xq hold its (ReLU) outputs. */
typedef struct { float *xf, *xq, *yf, *yq; } ptq_bufs;

static void bias_correct(const q2_mlp *m, int l, int n_img, const ptq_bufs *b, q2_mlp *dst)
{
    const int n_out = m->dims[l + 1];
    for (int j = 0; j < n_out; j++) {
        double s = 0;
        for (int t = 0; t < n_img; t++)
            s += (double)b->yf[(size_t)t * n_out + j] - (double)b->yq[(size_t)t * n_out + j];
        float shift = (float)(s / n_img);
        dst->b[l][j] += shift;
        for (int t = 0; t < n_img; t++) b->yq[(size_t)t * n_out + j] += shift;
    }
}

/* Sum over neurons of the variance over images of yf - yq (the output error that a bias shift
 * cannot remove). */
static double error_variance(const float *yf, const float *yq, int n_img, int n_out)
{
    double tot = 0;
    for (int j = 0; j < n_out; j++) {
        double s = 0, s2 = 0;
        for (int t = 0; t < n_img; t++) {
            double e = (double)yf[(size_t)t * n_out + j] - yq[(size_t)t * n_out + j];
            s += e;
            s2 += e * e;
        }
        tot += s2 - s * s / n_img;
    }
    return tot;
}

/* refine: the scale of layer l's steps from Q2_PTQ_REFINE_GRID with the least error_variance of
 * the GPTQ-rounded layer (b->yf holds the float network's pre-activations); d->delta[l] is
 * scaled by it and dst->w[l] rounded with it. */
static int refine_layer(const q2_mlp *m, int l, q2_deltas *d, const double *u, const int *perm, int n_img,
                        float dead, ptq_bufs *b, q2_mlp *dst)
{
    static const double grid[] = Q2_PTQ_REFINE_GRID;
    const int n_out = m->dims[l + 1];
    float *ds = malloc((size_t)n_out * sizeof *ds);
    if (!ds) return Q2_ENOMEM;
    double best = INFINITY, best_a = 1.0;
    int rc = Q2_OK;
    for (size_t g = 0; g < sizeof grid / sizeof grid[0] && !rc; g++) {
        for (int j = 0; j < n_out; j++) ds[j] = (float)(d->delta[l][j] * grid[g]);
        if ((rc = gptq_round(m, l, u, perm, ds, dead, dst))) break;
        q2_mlp_layer_forward(dst, l, b->xq, n_img, b->yq, false);
        double e = error_variance(b->yf, b->yq, n_img, n_out);
        if (e < best) best = e, best_a = grid[g];
    }
    for (int j = 0; j < n_out && !rc; j++) d->delta[l][j] = (float)(d->delta[l][j] * best_a);
    if (!rc) rc = gptq_round(m, l, u, perm, d->delta[l], dead, dst);
    free(ds);
    return rc;
}

static int ptq_layer(const q2_mlp *m, int l, q2_deltas *d, q2_method method, int n_img, float dead,
                     ptq_bufs *b, q2_mlp *dst)
{
    const int n_out = m->dims[l + 1];
    const bool hidden = l < m->n_layers - 1;
    const bool bc = method == Q2_METHOD_BIASCORR || method == Q2_METHOD_GPTQ_BC || method == Q2_METHOD_REFINE;
    int rc = Q2_OK;
    if (method == Q2_METHOD_PLAIN || method == Q2_METHOD_BIASCORR) {
        round_layer(m, l, d, dead, dst);
    } else {
        double *u;
        int *perm;
        if ((rc = gptq_prepare(b->xq, n_img, m->dims[l], l, &u, &perm))) return rc;
        if (method == Q2_METHOD_REFINE) {
            q2_mlp_layer_forward(m, l, b->xf, n_img, b->yf, false);
            rc = refine_layer(m, l, d, u, perm, n_img, dead, b, dst);
        } else {
            rc = gptq_round(m, l, u, perm, d->delta[l], dead, dst);
        }
        free(u);
        free(perm);
        if (rc) return rc;
    }
    if (!hidden && !bc) return Q2_OK;
    q2_mlp_layer_forward(m, l, b->xf, n_img, b->yf, false);
    q2_mlp_layer_forward(dst, l, b->xq, n_img, b->yq, false);
    if (bc) bias_correct(m, l, n_img, b, dst);
    for (size_t k = 0; k < (size_t)n_img * (size_t)n_out; k++) {
        b->xf[k] = b->yf[k] > 0 ? b->yf[k] : 0.0f;
        b->xq[k] = b->yq[k] > 0 ? b->yq[k] : 0.0f;
    }
    return Q2_OK;
}

int q2_ptq_apply(const q2_mlp *m, q2_deltas *d, q2_method method, const q2_dataset *calib,
                 int calib_n, float dead, q2_mlp *dst)
{
    int rc = q2_mlp_copy(dst, m);
    if (rc) return rc;
    if (method == Q2_METHOD_PLAIN) {
        for (int l = 0; l < m->n_layers; l++) round_layer(m, l, d, dead, dst);
        return Q2_OK;
    }
    if (!calib || calib_n < 1 || calib->rows * calib->cols != m->dims[0]) {
        Q2_ERR("ptq failed: method %s needs calibration images of %d pixels", q2_method_name(method),
               m->dims[0]);
        q2_mlp_free(dst);
        return Q2_EARG;
    }
    int n = calib_n < calib->n ? calib_n : calib->n, wmax = 0;
    for (int l = 0; l <= m->n_layers; l++) wmax = m->dims[l] > wmax ? m->dims[l] : wmax;
    size_t sz = (size_t)n * (size_t)wmax * sizeof(float);
    ptq_bufs b = {malloc(sz), malloc(sz), malloc(sz), malloc(sz)};
    rc = Q2_ENOMEM;
    if (!b.xf || !b.xq || !b.yf || !b.yq) {
        Q2_ERR("ptq failed: out of memory for %d calibration images", n);
        goto out_free;
    }
    q2_mlp_scale_pixels(calib->images, (size_t)n * (size_t)m->dims[0], b.xf);
    memcpy(b.xq, b.xf, (size_t)n * (size_t)m->dims[0] * sizeof(float));
    for (int l = 0; l < m->n_layers; l++)
        if ((rc = ptq_layer(m, l, d, method, n, dead, &b, dst))) goto out_free;
    rc = Q2_OK;
out_free:
    free(b.xf);
    free(b.xq);
    free(b.yf);
    free(b.yq);
    if (rc) q2_mlp_free(dst);
    return rc;
}
