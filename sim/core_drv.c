/* core_drv.c — see core_drv.h. */
#include "core_drv.h"

#include <string.h>

/* ---- ports ------------------------------------------------------------------------------------ */
/* field widths of one core's ports */
enum { W_OP = 3, W_DATA = 8, W_RDADDR = 9, W_RDDATA = 32, W_ERR = 4, W_LAYER = 3, W_INDEX = 12, W_WB = 32 };

#define GET(d, port, w) vp_get(&(d)->port, (d)->k * (w), (w))
#define SET(d, port, w, x) vp_set(&(d)->port, (d)->k * (w), (w), (x))

int core_drv_init(core_drv *d, testb *tb, int k, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->tb = tb;
    d->k = k;
    static const struct { const char *name; size_t off; } ports[] = {
        {"cmd_valid_i", offsetof(core_drv, cmd_valid)},   {"cmd_ready_o", offsetof(core_drv, cmd_ready)},
        {"cmd_op_i", offsetof(core_drv, cmd_op)},         {"cmd_data_i", offsetof(core_drv, cmd_data)},
        {"rd_addr_i", offsetof(core_drv, rd_addr)},       {"rd_data_o", offsetof(core_drv, rd_data)},
        {"busy_o", offsetof(core_drv, busy)},             {"model_valid_o", offsetof(core_drv, model_valid)},
        {"err_o", offsetof(core_drv, err)},               {"done_o", offsetof(core_drv, done)},
        {"dbg_wb_valid_o", offsetof(core_drv, wb_valid)}, {"dbg_wb_layer_o", offsetof(core_drv, wb_layer)},
        {"dbg_wb_index_o", offsetof(core_drv, wb_index)}, {"dbg_wb_data_o", offsetof(core_drv, wb_data)},
    };
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        int rc = tb_port(tb, ports[i].name, (vport *)((char *)d + ports[i].off));
        if (rc) return rc;
    }
    q2_rng_init(&d->rng, seed);
    d->idle_pct = 30;
    d->idle_max = 4;
    d->timeout = 1000;
    SET(d, cmd_valid, 1, 0);
    return Q2_OK;
}

/* ---- cycles ----------------------------------------------------------------------------------- */
void core_drv_tick(core_drv *d)
{
    tb_tick(d->tb);
    if (GET(d, wb_valid, 1)) {
        core_wb wb = {(int)GET(d, wb_layer, W_LAYER), (int)GET(d, wb_index, W_INDEX),
                      (uint32_t)GET(d, wb_data, W_WB), d->tb->cycle};
        if (d->on_wb) {
            int stop = d->on_wb(d->wb_ctx, &wb);
            if (stop) d->wb_stop = stop;
        }
    }
    if (GET(d, done, 1)) {
        d->done_count++;
        d->done_cycle = d->tb->cycle;
    }
}

static void idle(core_drv *d)
{
    if (d->idle_pct <= 0 || (int)q2_rng_below(&d->rng, 100) >= d->idle_pct) return;
    int n = 1 + (int)q2_rng_below(&d->rng, (uint32_t)d->idle_max);
    for (int i = 0; i < n; i++) {
        /* valid low: whatever is on op/data must be ignored */
        uint64_t r = q2_rng_u64(&d->rng);
        SET(d, cmd_op, W_OP, r);
        SET(d, cmd_data, W_DATA, r >> 8);
        core_drv_tick(d);
    }
}

int core_cmd(core_drv *d, int op, int data)
{
    idle(d);
    SET(d, cmd_op, W_OP, (uint64_t)op);
    SET(d, cmd_data, W_DATA, (uint64_t)data);
    SET(d, cmd_valid, 1, 1);
    vm_eval(d->tb->m);
    for (uint64_t t = 0;; t++) {
        bool ready = GET(d, cmd_ready, 1) != 0;
        core_drv_tick(d);
        if (ready) break;
        if (t >= d->timeout) {
            SET(d, cmd_valid, 1, 0);
            Q2_ERR("command failed: op %d not taken in %llu cycles (cmd_ready_o low)", op,
                   (unsigned long long)d->timeout);
            return Q2_EDEVICE;
        }
    }
    SET(d, cmd_valid, 1, 0);
    return Q2_OK;
}

uint32_t core_read(core_drv *d, int addr)
{
    /* a command's effect shows once cmd_ready_o is high again (a MODEL_DATA byte takes four cycles) */
    for (uint64_t t = 0; !GET(d, cmd_ready, 1) && t < d->timeout; t++) core_drv_tick(d);
    SET(d, rd_addr, W_RDADDR, (uint64_t)addr);
    for (int k = 0; k < 3; k++) core_drv_tick(d);  /* the read data: three cycles after the address */
    return (uint32_t)GET(d, rd_data, W_RDDATA);
}

/* ---- sequences -------------------------------------------------------------------------------- */
int core_load_model(core_drv *d, const uint8_t *img, size_t len)
{
    int rc = core_cmd(d, Q2_OP_CLEAR_ERR, 0);
    if (!rc) rc = core_cmd(d, Q2_OP_MODEL_BEGIN, 0);
    for (size_t i = 0; !rc && i < len; i++) rc = core_cmd(d, Q2_OP_MODEL_DATA, img[i]);
    if (rc) return rc;
    return (int)Q2_STATUS_ERR(core_read(d, Q2_REG_STATUS));
}

int core_send_image(core_drv *d, const uint8_t *px, int n)
{
    int rc = core_cmd(d, Q2_OP_IMAGE_BEGIN, 0);
    for (int i = 0; !rc && i < n; i++) rc = core_cmd(d, Q2_OP_IMAGE_DATA, px[i]);
    return rc;
}

int core_start(core_drv *d)
{
    d->run_done0 = d->done_count;
    d->wb_stop = 0;
    int rc = core_cmd(d, Q2_OP_START, 0);
    d->run_t0 = d->tb->cycle - 1;  /* the edge that took START closes cycle run_t0 + 1 */
    return rc;
}

int core_wait(core_drv *d, uint64_t max_cycles, uint64_t *cycles_taken)
{
    while (d->done_count == d->run_done0) {
        if (d->wb_stop) return Q2_EVERIFY;
        if (d->tb->cycle - d->run_t0 > max_cycles) {
            Q2_ERR("run failed: no done_o within %llu cycles", (unsigned long long)max_cycles);
            return Q2_EDEVICE;
        }
        core_drv_tick(d);
    }
    if (d->wb_stop) return Q2_EVERIFY;
    if (cycles_taken) *cycles_taken = d->done_cycle - d->run_t0;
    return Q2_OK;
}

int core_run(core_drv *d, uint64_t max_cycles, uint64_t *cycles_taken)
{
    int rc = core_start(d);
    return rc ? rc : core_wait(d, max_cycles, cycles_taken);
}
