/* testb.h — the small reusable testbench harness (after ZipCPU's testb.h): one clock, tick(),
 * reset(), an FST trace opened on request and closed before any failure is reported, and a cycle
 * timeout. Works with any model behind vshim.h whose clock and reset ports are `clk` and `rst`.
 *
 * Timing: inputs are set while clk is low; tb_tick() raises clk (the design samples them), evaluates,
 * lowers clk and evaluates again. After tb_tick() returns, outputs show the state after that edge.
 * Trace time: 10 units per cycle, the rising edge at 10*cycle. */
#ifndef Q2_TESTB_H
#define Q2_TESTB_H

#include <stdbool.h>
#include <stdint.h>

#include "vshim.h"

typedef struct {
    vmodel *m;
    vport clk, rst;
    uint64_t cycle;    /* rising edges so far */
    bool tracing;
} testb;

/* Create the model (argv: passed to Verilator for +verilator+... options). 0 or a Q2_E* code. */
int  tb_init(testb *tb, int argc, char **argv);
void tb_free(testb *tb);                 /* closes the trace */
int  tb_trace_open(testb *tb, const char *path);
void tb_trace_close(testb *tb);
int  tb_port(testb *tb, const char *name, vport *out);
void tb_tick(testb *tb);
/* rst high for `cycles` edges, then low. Returns Q2_EVERIFY if the model called $finish (an
 * elaboration check failed), else 0. */
int  tb_reset(testb *tb, int cycles);

#endif
