// board_shim.cpp — the thin C-linkage wrapper around the Verilator model Vaccel_top (see
// board_shim.h). Everything else of the board simulator is C (sim/board_sim.c).
#include "board_shim.h"

#include <cstdio>
#include <new>

#include "Vaccel_top.h"
#include "Vaccel_top___024root.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

struct board_model {
    VerilatedContext *ctx;
    Vaccel_top *top;
    uint64_t cycles;
#if VM_TRACE
    VerilatedVcdC *vcd;
#endif
};

extern "C" board_model *bm_new(const char *trace_path)
{
    board_model *m = new (std::nothrow) board_model();
    if (!m) {
        std::fprintf(stderr, "bm_new: allocation failed: out of memory\n");
        return nullptr;
    }
    m->ctx = new VerilatedContext;
    m->ctx->randReset(2);            // uninitialised state is random: missing resets show up
    m->top = new Vaccel_top{m->ctx};
#if VM_TRACE
    m->vcd = nullptr;
    if (trace_path) {
        m->ctx->traceEverOn(true);
        m->vcd = new VerilatedVcdC;
        m->top->trace(m->vcd, 99);
        m->vcd->open(trace_path);
        if (!m->vcd->isOpen()) {
            std::fprintf(stderr, "bm_new: open trace failed: %s\n", trace_path);
            delete m->vcd;
            m->vcd = nullptr;
        }
    }
#else
    if (trace_path)
        std::fprintf(stderr, "bm_new: tracing failed: built without VM_TRACE (make BOARD_SIM_TRACE=1)\n");
#endif
    m->top->clk = 0;
    m->top->rst = 1;
    m->top->uart_rx_i = 1;
    m->top->eval();
    return m;
}

extern "C" void bm_free(board_model *m)
{
    if (!m) return;
    m->top->final();
#if VM_TRACE
    if (m->vcd) {
        m->vcd->close();
        delete m->vcd;
    }
#endif
    delete m->top;
    delete m->ctx;
    delete m;
}

extern "C" int bm_tick(board_model *m, int rx)
{
    Vaccel_top *t = m->top;
    t->uart_rx_i = rx ? 1 : 0;
    t->clk = 0;
    t->eval();
#if VM_TRACE
    if (m->vcd) m->vcd->dump(2 * m->cycles);
#endif
    t->clk = 1;
    t->eval();
#if VM_TRACE
    if (m->vcd) m->vcd->dump(2 * m->cycles + 1);
#endif
    m->cycles++;
    return t->uart_tx_o;
}

extern "C" void bm_reset(board_model *m, int cycles)
{
    m->top->rst = 1;
    for (int i = 0; i < cycles; i++) bm_tick(m, 1);
    m->top->rst = 0;
}

extern "C" int bm_idle(const board_model *m) { return m->top->rootp->accel_top__DOT__sim_idle; }
extern "C" int bm_model_valid(const board_model *m) { return m->top->model_valid_o; }
extern "C" int bm_err(const board_model *m) { return m->top->err_o; }
extern "C" uint64_t bm_cycles(const board_model *m) { return m->cycles; }
extern "C" int bm_can_trace(void) { return VM_TRACE; }
