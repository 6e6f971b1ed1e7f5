/* vshim.h — C linkage for a Verilator model: create, evaluate, trace, and reach its ports by name.
 * One implementation (vshim.inc) is compiled once per model by a thin .cpp file that names the
 * model class and lists its ports (core_shim.cpp: Vaccel_core, unit_shim.cpp: Vtb_unit); the
 * harness (testb.c) and everything above it are C.
 *
 * Ports are reached as vport: a pointer to the model's storage for the signal and its size in
 * bytes, which tells the storage type Verilator chose: 1 (<= 8 bits), 2 (<= 16), 4 (<= 32),
 * 8 (<= 64), or a multiple of 4 (wider: 32-bit words, least significant first). */
#ifndef Q2_VSHIM_H
#define Q2_VSHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vmodel vmodel;
typedef struct {
    void *p;
    int bytes;
} vport;

/* Create the model. argv may hold +verilator+... options (seed, rand reset); other arguments are
 * ignored by Verilator. NULL on failure (message printed). */
vmodel *vm_new(int argc, char **argv);
void vm_free(vmodel *m);            /* closes the trace too */
void vm_eval(vmodel *m);
bool vm_finished(const vmodel *m);  /* $finish was called (e.g. an initial parameter check) */
const char *vm_name(void);          /* the model's top module */
/* Look up a port by its Verilog name; 0 or Q2_EARG (unknown name). */
int vm_port(vmodel *m, const char *name, vport *out);
/* Tracing (FST). vm_can_trace: built with --trace-fst. open: 0 or a negative Q2_E* code. */
bool vm_can_trace(void);
int  vm_trace_open(vmodel *m, const char *path);
void vm_trace_dump(vmodel *m, uint64_t time);
void vm_trace_close(vmodel *m);

/* ---- port access (fields: lsb and width in bits, width <= 64) ------------------------------- */
static inline uint64_t vp_get(const vport *v, int lsb, int width)
{
    uint64_t mask = width >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << width) - 1;
    switch (v->bytes) {
    case 1: return ((uint64_t)*(const uint8_t *)v->p >> lsb) & mask;
    case 2: return ((uint64_t)*(const uint16_t *)v->p >> lsb) & mask;
    case 4: return ((uint64_t)*(const uint32_t *)v->p >> lsb) & mask;
    case 8: return (*(const uint64_t *)v->p >> lsb) & mask;
    default: {
        const uint32_t *w = (const uint32_t *)v->p;
        int nw = v->bytes / 4, k = lsb >> 5, sh = lsb & 31;
        uint64_t x = w[k];
        if (k + 1 < nw) x |= (uint64_t)w[k + 1] << 32;
        x >>= sh;
        if (sh && k + 2 < nw) x |= (uint64_t)w[k + 2] << (64 - sh);
        return x & mask;
    }
    }
}

static inline void vp_set(const vport *v, int lsb, int width, uint64_t x)
{
    uint64_t mask = width >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << width) - 1;
    x &= mask;
    switch (v->bytes) {
    case 1: { uint8_t *p = (uint8_t *)v->p; *p = (uint8_t)((*p & ~(mask << lsb)) | (x << lsb)); return; }
    case 2: { uint16_t *p = (uint16_t *)v->p; *p = (uint16_t)((*p & ~(mask << lsb)) | (x << lsb)); return; }
    case 4: { uint32_t *p = (uint32_t *)v->p; *p = (uint32_t)((*p & ~(mask << lsb)) | (x << lsb)); return; }
    case 8: { uint64_t *p = (uint64_t *)v->p; *p = (*p & ~(mask << lsb)) | (x << lsb); return; }
    default: {
        uint32_t *w = (uint32_t *)v->p;
        for (int i = 0; i < width; i++) {
            int b = lsb + i;
            uint32_t bit = (uint32_t)(x >> i) & 1u;
            w[b >> 5] = (w[b >> 5] & ~(1u << (b & 31))) | (bit << (b & 31));
        }
        return;
    }
    }
}

static inline uint64_t vp_rd(const vport *v) { return vp_get(v, 0, v->bytes >= 8 ? 64 : 8 * v->bytes); }
static inline void vp_wr(const vport *v, uint64_t x) { vp_set(v, 0, v->bytes >= 8 ? 64 : 8 * v->bytes, x); }

#ifdef __cplusplus
}
#endif

#endif
