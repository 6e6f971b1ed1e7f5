/* train.c — mini-batch training of the float MLP (see train.h).
 *
 * One step on a batch of B examples, layers l = 0..L-1, a_0 = x:
 *   forward   z_l = a_l W_l^T + b_l;  a_{l+1} = dropout(relu(z_l)) for hidden layers
 *   loss      mean over the batch of  -log softmax(z_{L-1})[y]
 *   backward  g = (softmax - onehot) / B;  dW_l = g^T a_l;  db_l = sum_rows g;
 *             g <- (g W_l) * [a_l > 0] * 1/(1-p)       (a dropped unit has a_l = 0: no gradient)
 *   update    SGD: v = mu v + dW; W -= lr v      Adam: bias-corrected first/second moments
 */
#include "float/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "float/gemm.h"
#include "base/util.h"

/* ---- options ------------------------------------------------------------------------------------ */
void q2_train_opts_default(q2_train_opts *o)
{
    *o = (q2_train_opts){
        .epochs = 20,
        .batch = 128,
        .opt = Q2_TRAIN_OPT_ADAM,
        .lr = 1e-3f,
        .schedule = Q2_TRAIN_LR_COSINE,
        .momentum = 0.9f,
        .beta2 = 0.999f,
        .eps = 1e-8f,
        .dropout = 0.2f,
        .seed = 1,
        .progress = true,
    };
}

const char *q2_train_optimizer_name(q2_train_optimizer o) { return o == Q2_TRAIN_OPT_SGD ? "sgd" : "adam"; }

int q2_train_optimizer_parse(const char *s)
{
    if (!strcmp(s, "sgd")) return Q2_TRAIN_OPT_SGD;
    if (!strcmp(s, "adam")) return Q2_TRAIN_OPT_ADAM;
    Q2_ERR("parse optimizer failed: '%s', need adam or sgd", s);
    return Q2_EARG;
}

int q2_train_schedule_parse(const char *s)
{
    if (!strcmp(s, "const")) return Q2_TRAIN_LR_CONST;
    if (!strcmp(s, "cosine")) return Q2_TRAIN_LR_COSINE;
    Q2_ERR("parse schedule failed: '%s', need cosine or const", s);
    return Q2_EARG;
}

static const char *const std_names[Q2_TRAIN_STD_COUNT] = {"none", "global", "pixel"};
const char *q2_train_std_name(q2_train_std s) { return (unsigned)s < Q2_TRAIN_STD_COUNT ? std_names[s] : "?"; }

int q2_train_std_parse(const char *s)
{
    for (int i = 0; i < Q2_TRAIN_STD_COUNT; i++)
        if (!strcmp(s, std_names[i])) return i;
    Q2_ERR("parse standardize failed: '%s', need none, global or pixel", s);
    return Q2_EARG;
}

void q2_train_recipe_keras(q2_train_opts *o)
{
    o->opt = Q2_TRAIN_OPT_SGD;
    o->lr = 0.01f;
    o->momentum = 0.0f;
    o->schedule = Q2_TRAIN_LR_CONST;
    o->batch = 32;
    o->dropout = 0.0f;
}

/* ---- input standardisation ------------------------------------------------------------------- */
void q2_train_input_stats(const q2_dataset *d, q2_train_std s, float *mu, float *inv_sd)
{
    const int n_in = d->rows * d->cols;
    for (int i = 0; i < n_in; i++) mu[i] = 0.0f, inv_sd[i] = 1.0f;
    if (s == Q2_TRAIN_STD_NONE || d->n < 1) return;
    double *s1 = calloc((size_t)n_in, sizeof *s1), *s2 = calloc((size_t)n_in, sizeof *s2);
    if (!s1 || !s2) goto out_free; /* tiny; on failure no standardisation (a valid model still) */
    for (size_t k = 0; k < (size_t)d->n * (size_t)n_in; k++) {
        double x = d->images[k] / 255.0;
        s1[k % (size_t)n_in] += x;
        s2[k % (size_t)n_in] += x * x;
    }
    double g1 = 0, g2 = 0, n = d->n;
    for (int i = 0; i < n_in; i++) g1 += s1[i], g2 += s2[i];
    for (int i = 0; i < n_in; i++) {
        double m = s == Q2_TRAIN_STD_GLOBAL ? g1 / (n * n_in) : s1[i] / n;
        double v = s == Q2_TRAIN_STD_GLOBAL ? g2 / (n * n_in) - m * m : s2[i] / n - m * m;
        double sd = sqrt(v > 0 ? v : 0);
        if (s == Q2_TRAIN_STD_PIXEL && sd < Q2_TRAIN_SD_FLOOR) sd = Q2_TRAIN_SD_FLOOR;
        mu[i] = (float)m;
        inv_sd[i] = sd > 0 ? (float)(1.0 / sd) : 1.0f;
    }
out_free:
    free(s1);
    free(s2);
}

void q2_train_fold_input(q2_mlp *m, const float *mu, const float *inv_sd)
{
    const int n_in = m->dims[0];
    for (int j = 0; j < m->dims[1]; j++) {
        float *w = m->w[0] + (size_t)j * n_in;
        double shift = 0;
        for (int i = 0; i < n_in; i++) {
            shift += (double)w[i] * mu[i] * inv_sd[i];
            w[i] *= inv_sd[i];
        }
        m->b[0][j] = (float)(m->b[0][j] - shift);
    }
}

static int check_opts(const q2_train_opts *o)
{
    const char *bad = NULL;
    if (o->epochs < 1 || o->epochs > Q2_TRAIN_MAX_EPOCHS) bad = "epochs";
    else if (o->batch < 1 || o->batch > 65536) bad = "batch";
    else if (!(o->lr > 0.0f) || !isfinite(o->lr)) bad = "lr";
    else if (!(o->momentum >= 0.0f && o->momentum < 1.0f)) bad = "momentum";
    else if (!(o->beta2 >= 0.0f && o->beta2 < 1.0f) || !(o->eps > 0.0f)) bad = "beta2/eps";
    else if (!(o->dropout >= 0.0f && o->dropout < 1.0f)) bad = "dropout";
    if (bad) Q2_ERR("check options failed: %s out of range", bad);
    return bad ? Q2_EARG : Q2_OK;
}

/* ---- init ------------------------------------------------------------------------------------- */
void q2_train_he_init(q2_mlp *m, uint64_t seed)
{
    q2_rng rng;
    q2_rng_init(&rng, seed);
    for (int l = 0; l < m->n_layers; l++) {
        int n_in = m->dims[l], n_out = m->dims[l + 1];
        double sd = sqrt(2.0 / n_in);
        for (size_t i = 0; i < (size_t)n_out * n_in; i++) m->w[l][i] = (float)(sd * q2_rng_normal(&rng));
        memset(m->b[l], 0, sizeof(float) * (size_t)n_out);
    }
}

/* ---- trainer state ---------------------------------------------------------------------------- */
typedef struct {
    int L, B, wmax;
    bool std;                          /* standardise the inputs (mu, inv_sd) */
    float *x;                          /* (B, dims[0]) scaled input batch */
    float *mu, *inv_sd;                /* (dims[0]) input standardisation (q2_train_input_stats) */
    int *y;                            /* (B) labels */
    int *order;                        /* (n_train) shuffled example indices */
    float *act[Q2_MAX_LAYERS];        /* act[l]: (B, dims[l+1]); hidden: after ReLU+dropout; last: logits */
    float *g[2];                       /* (B, wmax) ping-pong gradients w.r.t. pre-activations */
    float *gw[Q2_MAX_LAYERS];         /* (dims[l+1], dims[l]) weight gradient */
    float *gb[Q2_MAX_LAYERS];         /* (dims[l+1]) bias gradient */
    float *mw[Q2_MAX_LAYERS];         /* (dims[l+1], dims[l]) momentum / Adam first moment */
    float *mb[Q2_MAX_LAYERS];         /* (dims[l+1]) */
    float *vw[Q2_MAX_LAYERS];         /* (dims[l+1], dims[l]) Adam second moment (NULL for SGD) */
    float *vb[Q2_MAX_LAYERS];         /* (dims[l+1]) */
} trainer;

static void trainer_free(trainer *t)
{
    free(t->x);
    free(t->mu);
    free(t->inv_sd);
    free(t->y);
    free(t->order);
    free(t->g[0]);
    free(t->g[1]);
    for (int l = 0; l < Q2_MAX_LAYERS; l++) {
        free(t->act[l]);
        free(t->gw[l]);
        free(t->gb[l]);
        free(t->mw[l]);
        free(t->mb[l]);
        free(t->vw[l]);
        free(t->vb[l]);
    }
    memset(t, 0, sizeof *t);
}

static int trainer_init(trainer *t, const q2_mlp *m, int n_train, const q2_train_opts *o)
{
    memset(t, 0, sizeof *t);
    t->L = m->n_layers;
    t->B = o->batch < n_train ? o->batch : n_train;
    for (int l = 0; l <= t->L; l++) t->wmax = m->dims[l] > t->wmax ? m->dims[l] : t->wmax;
    size_t B = (size_t)t->B;
    bool ok = (t->x = malloc(sizeof(float) * B * m->dims[0])) && (t->y = malloc(sizeof(int) * B)) &&
              (t->mu = malloc(sizeof(float) * (size_t)m->dims[0])) &&
              (t->inv_sd = malloc(sizeof(float) * (size_t)m->dims[0])) &&
              (t->order = malloc(sizeof(int) * (size_t)n_train)) &&
              (t->g[0] = malloc(sizeof(float) * B * t->wmax)) &&
              (t->g[1] = malloc(sizeof(float) * B * t->wmax));
    for (int l = 0; l < t->L && ok; l++) {
        size_t nw = (size_t)m->dims[l + 1] * m->dims[l], nb = (size_t)m->dims[l + 1];
        ok = (t->act[l] = malloc(sizeof(float) * B * nb)) && (t->gw[l] = malloc(sizeof(float) * nw)) &&
             (t->gb[l] = malloc(sizeof(float) * nb)) && (t->mw[l] = calloc(nw, sizeof(float))) &&
             (t->mb[l] = calloc(nb, sizeof(float)));
        if (ok && o->opt == Q2_TRAIN_OPT_ADAM)
            ok = (t->vw[l] = calloc(nw, sizeof(float))) && (t->vb[l] = calloc(nb, sizeof(float)));
    }
    if (!ok) {
        Q2_ERR("alloc trainer failed: out of memory (batch %d, %zu parameters)", t->B, q2_mlp_n_params(m));
        trainer_free(t);
        return Q2_ENOMEM;
    }
    for (int i = 0; i < n_train; i++) t->order[i] = i;
    return Q2_OK;
}

/* ---- one step --------------------------------------------------------------------------------- */
/* Forward with dropout, softmax cross-entropy; leaves dLoss/dlogits in t->g[0]. Returns the summed
 * loss over the batch. */
static double forward_loss(trainer *t, const q2_mlp *m, int n, float dropout, q2_rng *rng)
{
    const float keep_scale = 1.0f / (1.0f - dropout);
    const uint32_t drop_below = (uint32_t)((double)dropout * 4294967296.0); /* P(u32 < .) = p */
    const float *in = t->x;
    for (int l = 0; l < t->L; l++) {
        bool hidden = l < t->L - 1;
        q2_mlp_layer_forward(m, l, in, n, t->act[l], hidden);
        if (hidden && dropout > 0.0f) {
            float *a = t->act[l];
            for (size_t i = 0; i < (size_t)n * m->dims[l + 1]; i++)
                a[i] = (uint32_t)(q2_rng_u64(rng) >> 32) < drop_below ? 0.0f : a[i] * keep_scale;
        }
        in = t->act[l];
    }
    int C = m->dims[t->L];
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *z = t->act[t->L - 1] + (size_t)i * C;
        float *g = t->g[0] + (size_t)i * C;
        float zmax = z[q2_mlp_argmax(z, C)];
        double sum = 0.0;
        for (int j = 0; j < C; j++) sum += (g[j] = expf(z[j] - zmax));
        loss += log(sum) - (double)(z[t->y[i]] - zmax);
        float inv = (float)(1.0 / sum);
        for (int j = 0; j < C; j++) g[j] = (g[j] * inv - (j == t->y[i])) / (float)n;
    }
    return loss;
}

static void backward(trainer *t, const q2_mlp *m, int n, float dropout)
{
    const float keep_scale = 1.0f / (1.0f - dropout);
    int cur = 0;
    for (int l = t->L - 1; l >= 0; l--) {
        int n_in = m->dims[l], n_out = m->dims[l + 1];
        const float *g = t->g[cur];                   /* (n, n_out) */
        const float *a = l ? t->act[l - 1] : t->x;    /* (n, n_in) */
        q2_sgemm(true, false, n_out, n_in, n, 1.0f, g, n_out, a, n_in, 0.0f, t->gw[l], n_in);
        float *gb = t->gb[l];
        memset(gb, 0, sizeof(float) * (size_t)n_out);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n_out; j++) gb[j] += g[(size_t)i * n_out + j];
        if (l == 0) break;
        float *gp = t->g[cur ^ 1];                    /* (n, n_in) */
        q2_sgemm(false, false, n, n_in, n_out, 1.0f, g, n_out, m->w[l], n_in, 0.0f, gp, n_in);
        q2_relu_backward(gp, a, (size_t)n * n_in, keep_scale);
        cur ^= 1;
    }
}

static void update_sgd(float *w, float *v, const float *g, size_t n, float lr, float mu)
{
    for (size_t i = 0; i < n; i++) {
        v[i] = mu * v[i] + g[i];
        w[i] -= lr * v[i];
    }
}

static void update(trainer *t, q2_mlp *m, const q2_train_opts *o, float lr, long step)
{
    float lr_t = lr, eps_t = o->eps;
    if (o->opt == Q2_TRAIN_OPT_ADAM) { /* bias correction folded into the step: lr sqrt(1-b2^t)/(1-b1^t) */
        double c1 = 1.0 - pow(o->momentum, (double)step), c2 = sqrt(1.0 - pow(o->beta2, (double)step));
        lr_t = (float)(lr * c2 / c1);
        eps_t = (float)(o->eps * c2);
    }
    for (int l = 0; l < t->L; l++) {
        size_t nw = (size_t)m->dims[l + 1] * m->dims[l], nb = (size_t)m->dims[l + 1];
        if (o->opt == Q2_TRAIN_OPT_SGD) {
            update_sgd(m->w[l], t->mw[l], t->gw[l], nw, lr, o->momentum);
            update_sgd(m->b[l], t->mb[l], t->gb[l], nb, lr, o->momentum);
        } else {
            q2_adam_update(m->w[l], t->mw[l], t->vw[l], t->gw[l], nw, lr_t, o->momentum, o->beta2, eps_t);
            q2_adam_update(m->b[l], t->mb[l], t->vb[l], t->gb[l], nb, lr_t, o->momentum, o->beta2, eps_t);
        }
    }
}

int q2_train_gradient(const q2_mlp *m, const float *x, const uint8_t *y, int n, q2_mlp *grad, double *loss)
{
    if (n < 1 || grad->n_layers != m->n_layers || memcmp(grad->dims, m->dims, sizeof m->dims)) {
        Q2_ERR("check gradient arguments failed: n %d, grad topology must equal the model's", n);
        return Q2_EARG;
    }
    for (int i = 0; i < n; i++)
        if (y[i] >= m->dims[m->n_layers]) {
            Q2_ERR("check gradient arguments failed: label %d at example %d, need < %d", y[i], i,
                   m->dims[m->n_layers]);
            return Q2_EARG;
        }
    trainer t;
    q2_train_opts o;
    q2_train_opts_default(&o);
    o.batch = n;
    o.opt = Q2_TRAIN_OPT_SGD;
    int rc = trainer_init(&t, m, n, &o);
    if (rc) return rc;
    memcpy(t.x, x, sizeof(float) * (size_t)n * m->dims[0]);
    for (int i = 0; i < n; i++) t.y[i] = y[i];
    *loss = forward_loss(&t, m, n, 0.0f, NULL) / n;
    backward(&t, m, n, 0.0f);
    for (int l = 0; l < m->n_layers; l++) {
        memcpy(grad->w[l], t.gw[l], sizeof(float) * (size_t)m->dims[l + 1] * m->dims[l]);
        memcpy(grad->b[l], t.gb[l], sizeof(float) * (size_t)m->dims[l + 1]);
    }
    trainer_free(&t);
    return Q2_OK;
}

/* ---- the loop ----------------------------------------------------------------------------------- */
static int check_data(const q2_mlp *m, const q2_dataset *d, const char *what)
{
    int C = m->dims[m->n_layers];
    if (d->n < 1 || d->rows * d->cols != m->dims[0]) {
        Q2_ERR("check %s set failed: %d examples of %dx%d pixels, need >= 1 of %d pixels", what, d->n,
               d->rows, d->cols, m->dims[0]);
        return Q2_EARG;
    }
    for (int i = 0; i < d->n; i++)
        if (d->labels[i] >= C) {
            Q2_ERR("check %s set failed: label %d at example %d, need < %d classes", what, d->labels[i], i, C);
            return Q2_EFORMAT;
        }
    return Q2_OK;
}

double q2_train_cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0.0;
    return (double)ru.ru_utime.tv_sec + 1e-6 * ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
           1e-6 * ru.ru_stime.tv_usec;
}

static void fmt_eta(char *buf, size_t len, double s)
{
    if (s < 0 || !isfinite(s)) s = 0;
    snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

/* The state of one run that the epoch steps share. */
typedef struct {
    const q2_train_opts *o;
    q2_rng rng;            // shuffles and dropout masks
    int steps_per_epoch;
    long total_steps, step; // step: updates done so far
    bool tty;              // redraw a progress line in place
    double t0, last_draw;  // q2_now() at the start and at the last redraw
    const trainer *t;      // its input standardisation
    q2_mlp *folded;        // scratch for the folded model when standardising, else NULL
} train_loop;

static void shuffle(int *order, int n, q2_rng *rng)
{
    for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)q2_rng_below(rng, (uint32_t)i + 1), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
}

/* The n examples t->order[r0 ..] into t->x (scaled pixels, (n, n_in)) and t->y. */
static void load_batch(trainer *t, const q2_dataset *train, int r0, int n, int n_in)
{
    for (int i = 0; i < n; i++) {
        int e = t->order[r0 + i];
        float *x = t->x + (size_t)i * n_in;
        q2_mlp_scale_pixels(train->images + (size_t)e * n_in, (size_t)n_in, x);
        if (t->std)
            for (int k = 0; k < n_in; k++) x[k] = (x[k] - t->mu[k]) * t->inv_sd[k];
        t->y[i] = train->labels[e];
    }
}

/* Redraw the batch progress line, at most every 0.25 s, on a terminal. */
static void draw_batch(train_loop *lp, const q2_train_result *res, int ep, int s, double loss_mean)
{
    double now = q2_now();
    if (!(lp->tty && now - lp->last_draw > 0.25)) return;
    char eta[32], val[32] = "--";
    fmt_eta(eta, sizeof eta, (now - lp->t0) / lp->step * (lp->total_steps - lp->step));
    if (ep) snprintf(val, sizeof val, "%.2f%%", 100.0 * res->val_acc[ep - 1]);
    q2_progress("epoch %d/%d  batch %d/%d  loss %.4f  val %s  ETA %s", ep + 1, lp->o->epochs, s + 1,
                lp->steps_per_epoch, loss_mean, val, eta);
    lp->last_draw = now;
}

/* One epoch of steps: shuffle, then every batch forward, backward, update. Returns the loss sum. */
static double train_epoch(trainer *t, q2_mlp *m, const q2_dataset *train, train_loop *lp, int ep,
                          q2_train_result *res)
{
    const q2_train_opts *o = lp->o;
    const int n_in = m->dims[0];
    shuffle(t->order, train->n, &lp->rng);
    double loss_sum = 0.0, ts = q2_now(), tc = q2_train_cpu_seconds();
    for (int s = 0; s < lp->steps_per_epoch; s++) {
        int r0 = s * t->B, n = train->n - r0 < t->B ? train->n - r0 : t->B;
        load_batch(t, train, r0, n, n_in);
        float lr = o->lr;
        if (o->schedule == Q2_TRAIN_LR_COSINE)
            lr = (float)(0.5 * o->lr *
                         (1.0 + cos(3.14159265358979323846 * (double)lp->step / lp->total_steps)));
        loss_sum += forward_loss(t, m, n, o->dropout, &lp->rng);
        backward(t, m, n, o->dropout);
        update(t, m, o, lr, ++lp->step);
        res->images += n;
        draw_batch(lp, res, ep, s, loss_sum / (r0 + n));
    }
    res->step_s += q2_now() - ts;
    res->step_cpu_s += q2_train_cpu_seconds() - tc;
    return loss_sum;
}

/* dst's weights and biases := src's (same dims). */
static void copy_params(q2_mlp *dst, const q2_mlp *src)
{
    for (int l = 0; l < src->n_layers; l++) {
        memcpy(dst->w[l], src->w[l], sizeof(float) * (size_t)src->dims[l + 1] * src->dims[l]);
        memcpy(dst->b[l], src->b[l], sizeof(float) * (size_t)src->dims[l + 1]);
    }
}

/* The accuracy on d of m (trained on standardised inputs) folded into scratch (m's dims). */
static double folded_accuracy(const q2_mlp *m, q2_mlp *scratch, const trainer *t, const q2_dataset *d)
{
    copy_params(scratch, m);
    q2_train_fold_input(scratch, t->mu, t->inv_sd);
    return q2_mlp_accuracy(scratch, d);
}

/* After epoch ep: validate, record, keep the best weights in *best, print the epoch line. */
static int end_epoch(const q2_mlp *m, const q2_dataset *val, const train_loop *lp, int ep, double loss_sum,
                     int n_train, q2_mlp *best, q2_train_result *res)
{
    const q2_train_opts *o = lp->o;
    double acc = lp->folded ? folded_accuracy(m, lp->folded, lp->t, val) : q2_mlp_accuracy(m, val);
    if (acc < 0) return (int)acc;
    res->loss[ep] = loss_sum / n_train;
    res->val_acc[ep] = acc;
    res->epochs_run = ep + 1;
    if (!isfinite(res->loss[ep])) {
        q2_err("train_mlp", "train epoch %d failed: loss is %g (learning rate %g too high?)", ep + 1,
               res->loss[ep], o->lr);
        return Q2_EARG;
    }
    if (acc > res->best_val_acc) {
        res->best_val_acc = acc;
        res->best_epoch = ep + 1;
        copy_params(best, m);
    }
    if (o->progress) {
        char eta[32];
        fmt_eta(eta, sizeof eta, (q2_now() - lp->t0) / lp->step * (lp->total_steps - lp->step));
        q2_progress("epoch %d/%d  loss %.4f  val %.2f%%  best %.2f%% (epoch %d)  %.0f img/s  ETA %s",
                    ep + 1, o->epochs, res->loss[ep], 100.0 * acc, 100.0 * res->best_val_acc,
                    res->best_epoch, res->images / res->step_s, eta);
    }
    return Q2_OK;
}

int q2_train_mlp(q2_mlp *m, const q2_dataset *train, const q2_dataset *val, const q2_train_opts *o,
              q2_train_result *res)
{
    memset(res, 0, sizeof *res);
    int rc;
    if ((rc = check_opts(o)) || (rc = check_data(m, train, "training")) || (rc = check_data(m, val, "validation")))
        return rc;
    trainer t;
    q2_mlp best, folded = {0};
    if ((rc = trainer_init(&t, m, train->n, o))) return rc;
    if ((rc = q2_mlp_copy(&best, m))) goto out_trainer;
    t.std = o->standardize != Q2_TRAIN_STD_NONE;
    q2_train_input_stats(train, o->standardize, t.mu, t.inv_sd);
    if (t.std && (rc = q2_mlp_copy(&folded, m))) goto out_best;

    train_loop lp = {.o = o, .t = &t, .folded = t.std ? &folded : NULL};
    q2_rng_init(&lp.rng, o->seed ^ 0x5eedda7a5eedda7aull); /* a stream apart from q2_train_he_init's */
    lp.steps_per_epoch = (train->n + t.B - 1) / t.B;
    lp.total_steps = (long)lp.steps_per_epoch * o->epochs;
    lp.tty = o->progress && q2_progress_is_tty();
    lp.t0 = q2_now();
    res->best_val_acc = -1.0;
    for (int ep = 0; ep < o->epochs; ep++) {
        double loss_sum = train_epoch(&t, m, train, &lp, ep, res);
        if ((rc = end_epoch(m, val, &lp, ep, loss_sum, train->n, &best, res))) goto out_best;
    }
    if (lp.tty) q2_progress_done();
    copy_params(m, &best); /* keep the best epoch's weights */
    if (t.std) q2_train_fold_input(m, t.mu, t.inv_sd); /* a plain MLP on pixel/255 again */
    res->train_s = q2_now() - lp.t0;
out_best:
    if (rc && lp.tty) q2_progress_done();
    q2_mlp_free(&folded);
    q2_mlp_free(&best);
out_trainer:
    trainer_free(&t);
    return rc;
}
