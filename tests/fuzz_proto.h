/* fuzz_proto.h — C linkage for the Verilator model of rtl/link/accel_top.v that the device-side frame
 * decoder's fuzz target drives (tests/fuzz_proto_shim.cpp; the harness is tests/fuzz_proto.c).
 * A model is made fresh for every input, its uninitialised state random from a given seed, so an
 * input always replays the same. */
#ifndef Q2_FUZZ_PROTO_H
#define Q2_FUZZ_PROTO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fz_model fz_model;

fz_model *fz_new(uint32_t seed); /* rst high, uart_rx_i idle high; NULL on failure */
void fz_free(fz_model *m);
void fz_rst(fz_model *m, int rst);
int  fz_tick(fz_model *m, int rx); /* one clock with uart_rx_i = rx; uart_tx_o after the edge */
int  fz_idle(const fz_model *m);   /* accel_top's sim_idle */
int  fz_finished(const fz_model *m); /* $finish was called (a parameter check failed) */

#ifdef __cplusplus
}
#endif

#endif
