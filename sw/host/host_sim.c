/* host_sim.c — the sim transport: a Unix stream socket to q2mlp-board-sim (sim/board_sim.c),
 * which feeds every byte bit by bit into the simulated UART of rtl/link/accel_top.v. The baud rate is
 * the simulated board's (INFO tells it); nothing to configure here.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/host.h"
#include "base/util.h"

typedef struct {
    q2_fd_transport f;  /* fd: the socket */
    bool started;       /* the first bytes of the connection were looked at */
    bool refused;       /* ... and they were the simulator's refusal (seen by flush_input) */
} sim_transport;

static const char busy_banner[] = Q2_SIM_BUSY_BANNER;

static int report_busy(q2_transport *t)
{
    Q2_ERR("%s failed: board sim busy: another client is connected", t->name);
    return Q2_EDEVICE;
}

static int sim_write(q2_transport *t, const uint8_t *buf, size_t len, double timeout_s)
{
    if (((sim_transport *)t)->refused) return report_busy(t);
    return q2_fd_write_all(((sim_transport *)t)->f.fd, buf, len, timeout_s, t->name, true);
}

/* The first bytes of a connection may be the simulator's refusal (it sends its line at once,
 * in one piece): say so instead of waiting for a response that cannot come. */
static int sim_read(q2_transport *t, uint8_t *buf, size_t cap, double timeout_s)
{
    sim_transport *s = (sim_transport *)t;
    if (s->refused) return report_busy(t);
    int n = q2_fd_read_some(s->f.fd, buf, cap, timeout_s, t->name, true);
    if (n <= 0 || s->started) return n;
    s->started = true;
    size_t got = (size_t)n, want = sizeof busy_banner - 1;
    if (buf[0] != (uint8_t)busy_banner[0] || cap < want) return n;
    while (got < want && !memcmp(buf, busy_banner, got)) {
        int m = q2_fd_read_some(s->f.fd, buf + got, want - got, 0.5, t->name, true);
        if (m < 0) return m;
        if (m == 0) break;
        got += (size_t)m;
    }
    if (got >= want && !memcmp(buf, busy_banner, want)) return report_busy(t);
    return (int)got;
}

/* Drop what came so far; the refusal may already be there (the host flushes right after
 * connecting): remember it for the next read or write. */
static int sim_flush_input(q2_transport *t)
{
    sim_transport *s = (sim_transport *)t;
    uint8_t junk[4096];
    ssize_t n;
    while ((n = read(s->f.fd, junk, sizeof junk)) > 0) {
        if (!s->started && (size_t)n >= sizeof busy_banner - 1 &&
            !memcmp(junk, busy_banner, sizeof busy_banner - 1))
            s->refused = true;
        s->started = true;
    }
    return 0;
}

int q2_sim_open(q2_transport **out, const char *path, const q2_transport_opts *o)
{
    (void)o;
    *out = NULL;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        Q2_ERR("sim:%s failed: socket path longer than %zu bytes", path, sizeof sa.sun_path - 1);
        return Q2_EARG;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        Q2_ERR("socket failed: %s", strerror(errno));
        return Q2_EDEVICE;
    }
    /* A Unix-socket connect() does not block on a listening peer, and fails at once without one. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        Q2_ERR("connect to sim:%s failed: %s%s", path, strerror(e),
               e == ENOENT || e == ECONNREFUSED ? " (is q2mlp-board-sim --socket running?)" : "");
        close(fd);
        return Q2_EDEVICE;
    }
    if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
        Q2_ERR("fcntl O_NONBLOCK on sim:%s failed: %s", path, strerror(errno));
        close(fd);
        return Q2_EDEVICE;
    }
    sim_transport *t = (sim_transport *)q2_fd_transport_new(sizeof *t, fd, "sim", path);
    if (!t) return Q2_ENOMEM;
    t->f.t.write = sim_write;
    t->f.t.read = sim_read;
    t->f.t.flush_input = sim_flush_input;
    *out = &t->f.t;
    return 0;
}
