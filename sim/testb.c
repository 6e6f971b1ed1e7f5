/* testb.c — see testb.h. */
#include "testb.h"

#include <string.h>

#include "base/util.h"

int tb_init(testb *tb, int argc, char **argv)
{
    memset(tb, 0, sizeof *tb);
    tb->m = vm_new(argc, argv);
    if (!tb->m) return Q2_ENOMEM;
    int rc = vm_port(tb->m, "clk", &tb->clk);
    if (!rc) rc = vm_port(tb->m, "rst", &tb->rst);
    if (rc) {
        tb_free(tb);
        return rc;
    }
    vp_wr(&tb->clk, 0);
    vp_wr(&tb->rst, 1);
    vm_eval(tb->m);
    return Q2_OK;
}

void tb_free(testb *tb)
{
    if (!tb->m) return;
    tb_trace_close(tb);
    vm_free(tb->m);
    tb->m = NULL;
}

int tb_trace_open(testb *tb, const char *path)
{
    int rc = vm_trace_open(tb->m, path);
    if (rc) return rc;
    tb->tracing = true;
    vm_trace_dump(tb->m, 10 * tb->cycle);
    return Q2_OK;
}

void tb_trace_close(testb *tb)
{
    if (!tb->tracing) return;
    vm_trace_close(tb->m);
    tb->tracing = false;
}

int tb_port(testb *tb, const char *name, vport *out) { return vm_port(tb->m, name, out); }

void tb_tick(testb *tb)
{
    tb->cycle++;
    vp_wr(&tb->clk, 1);
    vm_eval(tb->m);
    if (tb->tracing) vm_trace_dump(tb->m, 10 * tb->cycle);
    vp_wr(&tb->clk, 0);
    vm_eval(tb->m);
    if (tb->tracing) vm_trace_dump(tb->m, 10 * tb->cycle + 5);
}

int tb_reset(testb *tb, int cycles)
{
    vp_wr(&tb->rst, 1);
    for (int i = 0; i < cycles; i++) tb_tick(tb);
    vp_wr(&tb->rst, 0);
    vm_eval(tb->m);
    if (vm_finished(tb->m)) {
        Q2_ERR("reset failed: %s called $finish (a parameter check of the design failed)", vm_name());
        return Q2_EVERIFY;
    }
    return Q2_OK;
}
