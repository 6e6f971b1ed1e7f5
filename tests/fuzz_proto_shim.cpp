// fuzz_proto_shim.cpp — the C-linkage wrapper (tests/fuzz_proto.h) around Vaccel_top as
// tests/fuzz.mk verilates it for the decoder's fuzz target. C++ only because Verilator's model is.
#include "fuzz_proto.h"

#include <cstdio>
#include <new>

#include "Vaccel_top.h"
#include "Vaccel_top___024root.h"
#include "verilated.h"

struct fz_model {
    VerilatedContext *ctx;
    Vaccel_top *top;
};

extern "C" fz_model *fz_new(uint32_t seed)
{
    fz_model *m = new (std::nothrow) fz_model();
    if (!m) return nullptr;
    m->ctx = new VerilatedContext;
    m->ctx->randReset(2);                       // uninitialised state is random ...
    m->ctx->randSeed(static_cast<int>(seed % 1000000u) + 1);  // ... but the same for a seed
    m->top = new Vaccel_top{m->ctx};
    m->top->clk = 0;
    m->top->rst = 1;
    m->top->uart_rx_i = 1;
    m->top->eval();
    return m;
}

extern "C" void fz_free(fz_model *m)
{
    if (!m) return;
    m->top->final();
    delete m->top;
    delete m->ctx;
    delete m;
}

extern "C" void fz_rst(fz_model *m, int rst) { m->top->rst = rst ? 1 : 0; }

extern "C" int fz_tick(fz_model *m, int rx)
{
    Vaccel_top *t = m->top;
    t->uart_rx_i = rx ? 1 : 0;
    t->clk = 0;
    t->eval();
    t->clk = 1;
    t->eval();
    return t->uart_tx_o;
}

extern "C" int fz_idle(const fz_model *m) { return m->top->rootp->accel_top__DOT__sim_idle; }
extern "C" int fz_finished(const fz_model *m) { return m->ctx->gotFinish(); }
