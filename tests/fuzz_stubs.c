/* fuzz_stubs.c — the transports sw/host/host_proto.c names (q2_transport_open), for the fuzz targets
 * that link the protocol layer but no transport (tests/fuzz_host.c, tests/fuzz_proto.c): none of
 * them is ever opened, each refuses. */
#include "host/host.h"
#include "base/util.h"

int q2_ftdi_open(q2_transport **t, const char *spec, const q2_transport_opts *o)
{
    (void)t, (void)spec, (void)o;
    return Q2_EDEVICE;
}
int q2_tty_open(q2_transport **t, const char *path, const q2_transport_opts *o)
{
    (void)t, (void)path, (void)o;
    return Q2_EDEVICE;
}
int q2_sim_open(q2_transport **t, const char *path, const q2_transport_opts *o)
{
    (void)t, (void)path, (void)o;
    return Q2_EDEVICE;
}
