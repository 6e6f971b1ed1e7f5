/* core_drv.h — drives one accel_core through its port exactly as a host would (docs/accelerator.md):
 * commands on the valid/ready byte stream with random idle cycles between them, register reads
 * with their one-cycle latency, and a monitor of the dbg_wb_* write-back trace and done_o.
 *
 * The ports may be vectors holding several cores side by side (sim/tb_unit.v): instance k uses
 * field k of every port (bits k*w .. k*w+w-1 for a w-bit port of one core). */
#ifndef Q2_CORE_DRV_H
#define Q2_CORE_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testb.h"
#include "base/util.h"
/* the port's ops, error codes, registers and STATUS bits (Q2_OP_*, Q2_ERR_*, Q2_REG_*,
 * Q2_STATUS_*), generated from rtl/core/codes.tbl */
#include "q2_core_codes.h"

typedef struct {
    int layer, index;
    uint32_t data;
    uint64_t cycle;
} core_wb;

typedef struct core_drv core_drv;
/* Called for every dbg_wb_valid_o cycle; return nonzero to make core_run stop (a mismatch). */
typedef int (*core_wb_fn)(void *ctx, const core_wb *wb);

struct core_drv {
    testb *tb;
    int k;
    vport cmd_valid, cmd_ready, cmd_op, cmd_data, rd_addr, rd_data, busy, model_valid, err, done;
    vport wb_valid, wb_layer, wb_index, wb_data;
    q2_rng rng;
    int idle_pct;        /* chance in percent of idle cycles before a command (0: back to back) */
    int idle_max;        /* 1..idle_max idle cycles then */
    uint64_t timeout;    /* cycles a command may wait for cmd_ready_o */
    core_wb_fn on_wb;
    void *wb_ctx;
    int wb_stop;         /* last nonzero on_wb result */
    uint64_t done_count; /* done_o pulses seen */
    uint64_t done_cycle; /* tb cycle after the edge that raised done_o last */
    uint64_t run_done0;  /* done_count when the last START was taken */
    uint64_t run_t0;     /* the cycle of that edge */
};

int  core_drv_init(core_drv *d, testb *tb, int k, uint64_t seed);
/* One clock cycle; then samples this instance's dbg_wb_* and done_o. */
void core_drv_tick(core_drv *d);
/* One command: optional random idle (valid low, garbage on op/data), then valid until taken.
 * 0, or Q2_EDEVICE if cmd_ready_o stayed low for d->timeout cycles. */
int  core_cmd(core_drv *d, int op, int data);
/* Wait until cmd_ready_o is high (the last command has taken effect), then read a register. */
uint32_t core_read(core_drv *d, int addr);
/* CLEAR_ERR, MODEL_BEGIN, every byte; returns the err field of STATUS afterwards (0 = loaded),
 * or a negative Q2_E* code. */
int  core_load_model(core_drv *d, const uint8_t *img, size_t len);
/* IMAGE_BEGIN + the pixels. 0 or Q2_EDEVICE. */
int  core_send_image(core_drv *d, const uint8_t *px, int n);
/* START, then cycles until done_o (at most max_cycles): 0, Q2_EDEVICE on timeout, Q2_EVERIFY if
 * on_wb asked to stop. *cycles_taken (optional): edges from START taken to done_o (= CYCLES). */
int  core_run(core_drv *d, uint64_t max_cycles, uint64_t *cycles_taken);
/* core_run in two halves, to send commands while the inference runs. */
int  core_start(core_drv *d);
int  core_wait(core_drv *d, uint64_t max_cycles, uint64_t *cycles_taken);

#endif
