/* core_check.h — what accel_core must produce for one image, from the bit-exact C model: every
 * write-back of the dbg_wb_* trace (hidden activations and logits, each exactly once), CLASS, the
 * LOGIT registers and CYCLES (the sequencer's timing, docs/accelerator.md "Timing"). Used by
 * q2mlp-cosim and the RTL unit tests. */
#ifndef Q2_CORE_CHECK_H
#define Q2_CORE_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "core_drv.h"
#include "qmodel/qmodel.h"

typedef struct {
    const q2_qmodel *q;
    int image;                        /* index, for messages */
    int cls;                          /* expected class */
    uint8_t *hidden[Q2_MAX_LAYERS];  /* (n_out of layer l) expected activations, l < n_layers-1 */
    int32_t *logits;                  /* (n_classes) expected logits */
    int *seen[Q2_MAX_LAYERS];        /* (n_out of layer l) write-backs of neuron j so far */
    bool bad;                         /* the first mismatch is in what */
    char what[240];                   /* "image=.. layer=.. neuron=.. expected=.. got=.. cycle=.." */
} core_check;

int  core_check_init(core_check *c, const q2_qmodel *q);
void core_check_free(core_check *c);
/* Compute the expectations for image x (n_in of layer 0 pixels); clears the write-back counts. */
void core_check_image(core_check *c, int image, const uint8_t *x);
/* The core_wb_fn for core_drv.on_wb (ctx: the core_check). */
int  core_check_wb(void *ctx, const core_wb *wb);
/* After done_o: every neuron written back once, STATUS err 0, CLASS, LOGIT k, CYCLES == cycles
 * (the edges core_run counted). Returns true if all is well (else c->bad, c->what). */
bool core_check_done(core_check *c, core_drv *d, uint64_t cycles);
/* CYCLES of one inference as the sequencer schedules it (docs/accelerator.md "Timing"): rq_stages
 * the requantizer's stages, rq_logit the stage a logit leaves from, am_lat the argmax's read latency,
 * wx the weight memory's cycles beyond 3 (7, 2, 2, 0 on GENERIC; 7, 2, 2, 1 on ECP5; 5, 1, 1, 0 on
 * ICE40). */
uint64_t core_expected_cycles(const q2_qmodel *q, int rq_stages, int rq_logit, int am_lat, int wx);
/* Sum over layers of n_in * ceil(n_out / lanes): one MAC cycle per input per group. */
uint64_t core_ideal_cycles(const q2_qmodel *q);

#endif
