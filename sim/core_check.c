/* core_check.c — see core_check.h. */
#include "core_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- setup ------------------------------------------------------------------------------------- */
int core_check_init(core_check *c, const q2_qmodel *q)
{
    memset(c, 0, sizeof *c);
    c->q = q;
    c->logits = calloc((size_t)q2_qmodel_n_classes(q), sizeof *c->logits);
    bool oom = !c->logits;
    for (int l = 0; l < q->n_layers; l++) {
        c->hidden[l] = calloc((size_t)q->layers[l].n_out, 1);
        c->seen[l] = calloc((size_t)q->layers[l].n_out, sizeof *c->seen[l]);
        oom |= !c->hidden[l] || !c->seen[l];
    }
    if (oom) {
        core_check_free(c);
        Q2_ERR("init failed: out of memory");
        return Q2_ENOMEM;
    }
    return Q2_OK;
}

void core_check_free(core_check *c)
{
    free(c->logits);
    for (int l = 0; l < Q2_MAX_LAYERS; l++) {
        free(c->hidden[l]);
        free(c->seen[l]);
    }
    memset(c, 0, sizeof *c);
}

void core_check_image(core_check *c, int image, const uint8_t *x)
{
    const q2_qmodel *q = c->q;
    c->image = image;
    c->cls = q2_qmodel_forward_ref(q, x, c->logits, c->hidden);
    for (int l = 0; l < q->n_layers; l++) memset(c->seen[l], 0, (size_t)q->layers[l].n_out * sizeof *c->seen[l]);
    c->bad = false;
    c->what[0] = 0;
}

/* ---- checks ------------------------------------------------------------------------------------ */
int core_check_wb(void *ctx, const core_wb *wb)
{
    core_check *c = ctx;
    if (c->bad) return 1;
    const q2_qmodel *q = c->q;
    int l = wb->layer, j = wb->index;
    if (l >= q->n_layers || j >= q->layers[l].n_out) {
        c->bad = true;
        snprintf(c->what, sizeof c->what, "image=%d layer=%d neuron=%d expected=(no such neuron) got=%" PRIu32
                 " cycle=%" PRIu64, c->image, l, j, wb->data, wb->cycle);
        return 1;
    }
    bool last = l == q->n_layers - 1;
    int64_t want = last ? (int64_t)c->logits[j] : (int64_t)c->hidden[l][j];
    int64_t got = last ? (int64_t)(int32_t)wb->data : (int64_t)wb->data;
    if (++c->seen[l][j] > 1 || got != want) {
        c->bad = true;
        snprintf(c->what, sizeof c->what, "image=%d layer=%d neuron=%d expected=%" PRId64 " got=%" PRId64
                 " cycle=%" PRIu64 "%s", c->image, l, j, want, got, wb->cycle,
                 c->seen[l][j] > 1 ? " (written back twice)" : "");
        return 1;
    }
    return 0;
}

bool core_check_done(core_check *c, core_drv *d, uint64_t cycles)
{
    const q2_qmodel *q = c->q;
    int nl = q->n_layers, n_cls = q2_qmodel_n_classes(q);
    if (c->bad) return false;
    for (int l = 0; l < nl; l++)
        for (int j = 0; j < q->layers[l].n_out; j++)
            if (c->seen[l][j] != 1) {
                c->bad = true;
                snprintf(c->what, sizeof c->what, "image=%d layer=%d neuron=%d expected=1 write-back got=%d cycle=%" PRIu64,
                         c->image, l, j, c->seen[l][j], d->tb->cycle);
                return false;
            }
    uint32_t got_cls = core_read(d, Q2_REG_CLASS), status = core_read(d, Q2_REG_STATUS);
    uint32_t cyc = core_read(d, Q2_REG_CYCLES);
    if (got_cls != (uint32_t)c->cls || Q2_STATUS_ERR(status) || (status & Q2_STATUS_BUSY) || cyc != cycles) {
        c->bad = true;
        snprintf(c->what, sizeof c->what, "image=%d layer=%d neuron=-1 expected=CLASS %d, STATUS err 0 idle, CYCLES %" PRIu64
                 " got=CLASS %" PRIu32 ", STATUS 0x%03" PRIX32 ", CYCLES %" PRIu32 " cycle=%" PRIu64,
                 c->image, nl - 1, c->cls, cycles, got_cls, status, cyc, d->tb->cycle);
        return false;
    }
    for (int j = 0; j < n_cls; j++) {
        int32_t got = (int32_t)core_read(d, Q2_REG_LOGIT0 + j);
        if (got != c->logits[j]) {
            c->bad = true;
            snprintf(c->what, sizeof c->what, "image=%d layer=%d neuron=%d expected=%" PRId32 " got=%" PRId32
                     " (LOGIT register) cycle=%" PRIu64, c->image, nl - 1, j, c->logits[j], got, d->tb->cycle);
            return false;
        }
    }
    return true;
}

/* ---- timing -------------------------------------------------------------------------------------- */
/* Cycles counted from the edge that takes START (cycle 0). Layer 0 starts issuing at cycle 3 (START
 * is registered once, then the sequencer's LOAD cycle sets the layer up), any layer at cycle t: the
 * last input of group 0 issues at t + n_in - 1; group g's last input issues n_in + 1 cycles after
 * group g-1's (one free cycle between groups) or, if the shadow chain is still draining, when the
 * drain of the LANES sums of group g-1 has ended: its last issue + LANES + 6 + wx. The layer's
 * flush ends nv + 8 + wx + rq cycles after its last issue, nv = neurons in its last group: 5 + wx
 * cycles to the shadow chain (wx: the ECP5's registered weight multiplexer and activation byte),
 * nv drain cycles, rq requantizer stages (7 on GENERIC, 5 on ICE40), 3 to see the
 * pipeline empty (registered) and leave the flush. The last layer's flush also waits for the
 * argmax's scan of its n_out logits, 2 n_out + am_lat cycles (am_lat: the logits RAM's read
 * latency, 2 with the register behind it on GENERIC, 1 on ICE40) from the cycle after the last logit
 * is written (the requantizer's stage rq_logit): nv + 8 + wx + max(rq, 2 n_out + rq_logit + am_lat).
 * Then done_o, or LOAD and the next layer a cycle later. */
uint64_t core_expected_cycles(const q2_qmodel *q, int rq, int rq_logit, int am_lat, int wx)
{
    const uint64_t L = (uint64_t)q->lanes;
    uint64_t t = 3, end = 0;
    for (int l = 0; l < q->n_layers; l++) {
        uint64_t n_in = (uint64_t)q->layers[l].n_in, n_out = (uint64_t)q->layers[l].n_out;
        uint64_t groups = (n_out + L - 1) / L, nv_last = n_out - (groups - 1) * L;
        uint64_t a = t + n_in - 1, tail = (uint64_t)rq, scan = 2 * n_out + (uint64_t)(rq_logit + am_lat);
        for (uint64_t g = 1; g < groups; g++) a += n_in + 1 > L + 6 + (uint64_t)wx ? n_in + 1 : L + 6 + (uint64_t)wx;
        if (l == q->n_layers - 1 && scan > tail) tail = scan;
        end = a + nv_last + 8 + (uint64_t)wx + tail;
        t = end + 1;
    }
    return end;
}

uint64_t core_ideal_cycles(const q2_qmodel *q)
{
    uint64_t n = 0;
    for (int l = 0; l < q->n_layers; l++)
        n += (uint64_t)q->layers[l].n_in * (uint64_t)((q->layers[l].n_out + q->lanes - 1) / q->lanes);
    return n;
}
