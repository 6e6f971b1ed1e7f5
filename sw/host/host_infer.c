/* host_infer.c — the pipelined infer stream: INFER requests kept in flight up to the device's
 * receive window, answers taken in order, a lost or garbled exchange recovered by a resync and a
 * resend from the oldest unanswered image. docs/host.md ("infer"), docs/protocol.md. */
#include "host/host.h"

#include "base/util.h"

/* Messages name the public function, not the step: "q2_host_infer_stream: infer failed: ...". */
#define STREAM_ERR(...) q2_err("q2_host_infer_stream", __VA_ARGS__)

typedef struct {
    q2_host *h;
    const q2_infer_job *j;
    uint8_t seqs[Q2_HOST_MAX_WINDOW];
    size_t rec[Q2_HOST_MAX_WINDOW];   /* ring bytes of each request in flight (REC_BYTES + payload) */
    long sent, done, recoveries;
    int window;                       /* the most requests in flight so far */
    double tmo;
} stream;

enum { ANS_OK, ANS_RESEND, ANS_FAIL };

/* Send until the device's ring would not hold the next request (q2_host_ring_fits) or every
 * image is out. */
static int fill_window(stream *s)
{
    const q2_infer_job *j = s->j;
    size_t rec_bytes = s->h->have_info ? (size_t)s->h->info.rec_bytes : Q2P_HDR;
    while (s->sent < j->n) {
        int n = (int)(s->sent - s->done);
        size_t inflight = 0;
        for (long k = s->done; k < s->sent; k++) inflight += s->rec[k % Q2_HOST_MAX_WINDOW];
        const uint8_t *px = j->px + (size_t)s->sent * j->npix;
        size_t rec = rec_bytes + q2_host_infer_payload(px, j->npix, j->rle);
        if (!q2_host_ring_fits(s->h, n, inflight, n ? s->rec[s->done % Q2_HOST_MAX_WINDOW] : 0, rec))
            break;
        int slot = (int)(s->sent % Q2_HOST_MAX_WINDOW);
        int rc = q2_host_infer_send(s->h, px, j->npix, j->rle, &s->seqs[slot]);
        if (rc) return rc;
        s->rec[slot] = rec;
        s->sent++;
        if (n + 1 > s->window) s->window = n + 1;
    }
    return 0;
}

/* What to do with the answer to the oldest outstanding image: rc and status are what
 * q2_host_infer_recv returned. On ANS_FAIL, *rc is the code to return (message printed). */
static int judge(stream *s, int *rc, int status, const q2_infer_result *r)
{
    const q2_infer_job *j = s->j;
    long idx = j->first + s->done;
    if (*rc == Q2_EFORMAT) *rc = Q2_EDEVICE;   /* the device's answer is wrong: exit 2 */
    else if (!*rc && status == Q2S_OK && j->n_classes && r->n_classes != j->n_classes) {
        STREAM_ERR("infer failed: image %ld: the device answered %d classes, %s has %d", idx, r->n_classes,
               j->model_name, j->n_classes);
        *rc = Q2_EDEVICE;
    }
    if (*rc && (*rc != Q2_EDEVICE || status >= 0)) return ANS_FAIL;
    if (*rc || status == Q2S_FRAME_CRC || status == Q2S_TIMEOUT || status == Q2S_OVERFLOW) {
        if (++s->recoveries > s->h->o.retries) {
            if (!*rc) STREAM_ERR("infer failed: image %ld: %s (%s)", idx, q2_status_name(status),
                             q2_status_text(status));
            *rc = Q2_EDEVICE;
            return ANS_FAIL;
        }
        return ANS_RESEND;
    }
    if (status != Q2S_OK) {
        STREAM_ERR("infer failed: image %ld: the device answered %s: %s", idx, q2_status_name(status),
               q2_status_text(status));
        *rc = Q2_EDEVICE;
        return ANS_FAIL;
    }
    s->recoveries = 0;   /* the retry budget is per image */
    return ANS_OK;
}

/* Lost or garbled: resync after silence (the decoder may be mid-frame), resend from the oldest
 * unanswered image. */
static int resend(stream *s, int rc, int status)
{
    s->h->retries_used++;
    if (s->h->o.verbose)
        STREAM_ERR("infer: resending from image %ld (%s)", s->j->first + s->done,
               rc ? "no response" : q2_status_name(status));
    if (rc && (rc = q2_host_resync(s->h))) return rc;
    s->sent = s->done;
    return 0;
}

int q2_host_infer_stream(q2_host *h, const q2_infer_job *j, q2_stream_stats *st)
{
    stream s = { .h = h, .j = j };
    s.tmo = h->o.timeout_s + 4 * q2_host_line_time(h, (size_t)Q2_HOST_MAX_WINDOW * (j->npix + 64));
    uint64_t down0 = h->bytes_down, up0 = h->bytes_up;
    unsigned retries0 = h->retries_used;
    double wall0 = q2_now();
    int rc = 0;
    while (s.done < j->n) {
        if ((rc = fill_window(&s))) break;
        int status;
        q2_infer_result r;
        rc = q2_host_infer_recv(h, s.seqs[s.done % Q2_HOST_MAX_WINDOW], &r, &status, s.tmo);
        int what = judge(&s, &rc, status, &r);
        if (what == ANS_FAIL) break;
        if (what == ANS_RESEND) {
            if ((rc = resend(&s, rc, status))) break;
            continue;
        }
        if ((rc = j->fn(j->ctx, j->first + s.done, &r))) break;
        s.done++;
    }
    *st = (q2_stream_stats){ .window = s.window, .done = s.done, .bytes_down = h->bytes_down - down0,
                             .bytes_up = h->bytes_up - up0, .retries = h->retries_used - retries0,
                             .wall_s = q2_now() - wall0 };
    return rc;
}
