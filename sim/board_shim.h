/* board_shim.h — C linkage for the Verilator model of rtl/link/accel_top.v (sim/board_shim.cpp), so
 * that the board simulator (sim/board_sim.c) stays C. One model per process.
 *
 * Pins: uart_rx_i is driven by bm_tick's rx argument, uart_tx_o is its return value. */
#ifndef Q2_BOARD_SHIM_H
#define Q2_BOARD_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct board_model board_model;

/* Create the model; trace_path: NULL, or a .vcd file to trace into (if built with tracing).
 * Returns NULL on failure (message printed). */
board_model *bm_new(const char *trace_path);
void bm_free(board_model *m);
/* Hold rst high for `cycles` clock cycles (uart_rx_i idle high). */
void bm_reset(board_model *m, int cycles);
/* One clock cycle with uart_rx_i = rx; returns uart_tx_o after the rising edge. */
int bm_tick(board_model *m, int rx);
/* accel_top's sim_idle: nothing being received, queued, executed or sent. */
int bm_idle(const board_model *m);
int bm_model_valid(const board_model *m);
int bm_err(const board_model *m);
uint64_t bm_cycles(const board_model *m);
/* Whether bm_new can trace (built with VM_TRACE). */
int bm_can_trace(void);

#ifdef __cplusplus
}
#endif

#endif
