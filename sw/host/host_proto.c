/* host_proto.c — the protocol layer of the host driver: frames, CRC-16, sequence numbers,
 * timeouts, retries and the pipelining window, over any q2_transport (sw/host/host.h).
 * Spec: docs/protocol.md; the device side is rtl/link/proto.v.
 *
 * Frames (all multi-byte fields little-endian; CRC-16/CCITT-FALSE over cmd .. last payload byte):
 *
 *   request   +------+-----+-----+---------+-----------------+---------+
 *             | A5   | cmd | seq | len u16 | payload (len)   | crc u16 |
 *             +------+-----+-----+---------+-----------------+---------+
 *   response  +------+---------+-----+---------+--------+-----------------+---------+
 *             | 5A   | cmd|80  | seq | len u16 | status | words u32 x n   | crc u16 |
 *             +------+---------+-----+---------+--------+-----------------+---------+
 *                                      len = 1 + 4n
 *
 * Commands:
 *
 *   cmd   name       request payload              response words (status OK)
 *   0x01  INFO       -                            ID HW_VERSION LANES WMEM_BYTES PMEM_NEURONS
 *                                                 ABUF_BYTES CLOCK_HZ CFG0 CFG1 TIMEOUT_BITS FEATURES
 *   0x02  STATUS     -                            CORE_STATUS CRC MODEL_BYTES UPTIME STATS
 *   0x03  RESET      -                            -
 *   0x10  LOAD       offset u32, bytes (1..)      CORE_STATUS CRC MODEL_BYTES (also on a core error)
 *   0x11  VERIFY     -                            CORE_STATUS CRC MODEL_BYTES
 *   0x20  INFER      pixels (n_in)                CYCLES CLASS N_CLASSES LOGIT[0..n-1]
 *   0x21  INFER_RLE  zero-run-length pixels       as INFER   (error: CORE_STATUS CRC MODEL_BYTES)
 *   A frame the decoder rejects (status 0x10..0x14) is answered with no words.
 *
 * Status: 0 OK; 1..8 accel_core's err (HEADER TOO_BIG CRC NO_MODEL BUSY IMAGE SEQ BAD_OP);
 * 0x10 FRAME_CRC, 0x11 UNKNOWN, 0x12 LENGTH, 0x13 TIMEOUT, 0x14 OVERFLOW, 0x15 OFFSET, 0x16 HANG,
 * 0x17 RLE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host.h"
#include "host/tty_baud.h"
#include "base/util.h"

/* ---- names ------------------------------------------------------------------------------------ */
const char *q2_status_name(int s)
{
    switch (s) {
    case Q2S_OK: return "OK";
    case Q2S_HEADER: return "ERR_HEADER";
    case Q2S_TOO_BIG: return "ERR_TOO_BIG";
    case Q2S_CRC: return "ERR_CRC";
    case Q2S_NO_MODEL: return "ERR_NO_MODEL";
    case Q2S_BUSY: return "ERR_BUSY";
    case Q2S_IMAGE: return "ERR_IMAGE";
    case Q2S_SEQ: return "ERR_SEQ";
    case Q2S_BAD_OP: return "ERR_BAD_OP";
    case Q2S_FRAME_CRC: return "ERR_FRAME_CRC";
    case Q2S_UNKNOWN: return "ERR_UNKNOWN";
    case Q2S_LENGTH: return "ERR_LENGTH";
    case Q2S_TIMEOUT: return "ERR_TIMEOUT";
    case Q2S_OVERFLOW: return "ERR_OVERFLOW";
    case Q2S_OFFSET: return "ERR_OFFSET";
    case Q2S_HANG: return "ERR_HANG";
    case Q2S_RLE: return "ERR_RLE";
    default: return "ERR_?";
    }
}

const char *q2_status_text(int s)
{
    switch (s) {
    case Q2S_OK: return "ok";
    case Q2S_HEADER: return "the core rejected the model header (magic, version, lanes, dims or offsets)";
    case Q2S_TOO_BIG: return "the model does not fit the core's memories";
    case Q2S_CRC: return "the CRC-32 the core computed over the image differs from the stored one";
    case Q2S_NO_MODEL: return "no valid model is loaded";
    case Q2S_BUSY: return "the core is busy";
    case Q2S_IMAGE: return "the image has the wrong number of pixels for the model";
    case Q2S_SEQ: return "model data out of sequence (no MODEL_BEGIN, or past total_size)";
    case Q2S_BAD_OP: return "bad core operation";
    case Q2S_FRAME_CRC: return "the device received a frame with a bad CRC-16";
    case Q2S_UNKNOWN: return "unknown command";
    case Q2S_LENGTH: return "payload length out of range for the command";
    case Q2S_TIMEOUT: return "the frame stopped arriving (inter-byte timeout)";
    case Q2S_OVERFLOW: return "no room for the frame in the device's buffer";
    case Q2S_OFFSET: return "LOAD offset differs from the bytes the device holds";
    case Q2S_HANG: return "the inference did not finish (watchdog); the core was reset";
    case Q2S_RLE: return "malformed run-length image";
    default: return "unknown status";
    }
}

/* Sane ranges of what INFO reports (a board's clock, its line rate). */
#define INFO_MIN_CLOCK_HZ 100000u
#define INFO_MAX_CLOCK_HZ 2000000000u
#define INFO_MIN_BAUD     300u

/* Errors the protocol itself caused (frame lost or garbled): the request can simply be resent. */
static bool status_retryable(int s)
{
    return s == Q2S_FRAME_CRC || s == Q2S_TIMEOUT || s == Q2S_OVERFLOW;
}

static const char *cmd_name(int cmd)
{
    switch (cmd) {
    case Q2P_INFO: return "INFO";
    case Q2P_STATUS: return "STATUS";
    case Q2P_RESET: return "RESET";
    case Q2P_LOAD: return "LOAD";
    case Q2P_VERIFY: return "VERIFY";
    case Q2P_INFER: return "INFER";
    case Q2P_INFER_RLE: return "INFER_RLE";
    default: return "?";
    }
}

/* ---- framing ---------------------------------------------------------------------------------- */
uint16_t q2_crc16_update(uint16_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int k = 0; k < 8; k++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

size_t q2_frame_build(uint8_t *out, uint8_t cmd, uint8_t seq, const uint8_t *payload, size_t len)
{
    out[0] = Q2P_SYNC_REQ;
    out[1] = cmd;
    out[2] = seq;
    q2_wr16(out + 3, (uint16_t)len);
    if (len) memcpy(out + Q2P_HDR, payload, len);
    uint16_t crc = q2_crc16_update(0xFFFF, out + 1, len + 4);
    q2_wr16(out + Q2P_HDR + len, crc);
    return len + Q2P_OVERHEAD;
}

size_t q2_rle_encode(const uint8_t *px, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (px[i]) {
            if (o + 1 > cap) return 0;
            out[o++] = px[i++];
            continue;
        }
        size_t run = 0;
        while (i < n && !px[i] && run < 256) { run++; i++; }
        if (o + 2 > cap) return 0;
        out[o++] = 0;
        out[o++] = (uint8_t)(run - 1);
    }
    return o;
}

static int await_response(q2_host *h, uint8_t cmd, uint8_t seq, q2_frame *resp, double deadline);

/* ---- open / close ------------------------------------------------------------------------------ */
static int open_at(q2_host *h, const char *spec, int baud)
{
    h->o.baud = baud;
    q2_transport_opts to = { .baud = baud, .latency_ms = h->o.latency_ms, .timeout_s = h->o.timeout_s };
    int rc = q2_transport_open(&h->t, spec, &to);
    if (rc) return rc;
    h->t->flush_input(h->t);
    return 0;
}

/* --baud auto on ftdi/tty: an INFO at each rate of Q2_HOST_BAUDS (the build default first; the
 * transport's set_baud between them) with a short wait; the first rate that answers stays. None:
 * the line goes back to the default, and the first request reports the silence as usual. A probe
 * at a wrong rate is noise to the device, which its decoder drops (a resync goes before the next
 * rate's INFO). */
static int probe_baud(q2_host *h, const char *spec)
{
    static const int rates[] = Q2_HOST_BAUDS;
    int rc = open_at(h, spec, rates[0]);
    for (size_t i = 0; !rc && i < sizeof rates / sizeof rates[0]; i++) {
        if (i && (!h->t->set_baud || (!strncmp(spec, "tty:", 4) && !q2_tty_speed(rates[i])))) continue;
        if (i && !(rc = h->t->set_baud(h->t, rates[i]))) rc = q2_host_resync(h);
        if (rc) break;
        h->o.baud = rates[i];
        uint8_t seq = h->seq++;
        q2_frame f;
        rc = q2_host_send(h, Q2P_INFO, seq, NULL, 0);
        if (!rc) rc = await_response(h, Q2P_INFO, seq, &f, q2_now() + Q2_HOST_PROBE_S);
        if (rc == 1) {
            if (h->o.verbose) q2_err("q2_host_open", "--baud auto: the device answers at %d baud", rates[i]);
            return 0;
        }
    }
    if (rc < 0) {
        q2_host_close(h);
        return rc;
    }
    if (h->o.verbose) q2_err("q2_host_open", "--baud auto: no answer at any rate; using %d", rates[0]);
    h->o.baud = rates[0];
    if (h->t->set_baud && (rc = h->t->set_baud(h->t, rates[0]))) q2_host_close(h);
    return rc;
}

int q2_host_open(q2_host *h, const char *spec, const q2_host_opts *o)
{
    memset(h, 0, sizeof *h);
    h->o = *o;
    /* Start from a sequence number unlikely to match a stale response of an earlier session. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    h->seq = (uint8_t)(ts.tv_nsec ^ (ts.tv_nsec >> 8) ^ ts.tv_sec);
    bool line = !strncmp(spec, "ftdi:", 5) || !strncmp(spec, "tty:", 4);
    if (o->baud == 0 && line) return probe_baud(h, spec);
    return open_at(h, spec, o->baud ? o->baud : ((const int[])Q2_HOST_BAUDS)[0]);
}

void q2_host_close(q2_host *h)
{
    if (h->t) h->t->close(h->t);
    h->t = NULL;
}

double q2_host_line_time(const q2_host *h, size_t n)
{
    return h->o.baud > 0 ? 10.0 * (double)n / h->o.baud : 0.0;
}

/* ---- send / receive ------------------------------------------------------------------------- */
int q2_host_send_bytes(q2_host *h, const uint8_t *buf, size_t len)
{
    int rc = h->t->write(h->t, buf, len, h->o.timeout_s + 2 * q2_host_line_time(h, len));
    if (rc == 0) h->bytes_down += len;
    return rc;
}

int q2_host_send(q2_host *h, uint8_t cmd, uint8_t seq, const uint8_t *payload, size_t len)
{
    uint8_t stackbuf[1100];
    uint8_t *buf = len + Q2P_OVERHEAD <= sizeof stackbuf ? stackbuf : malloc(len + Q2P_OVERHEAD);
    if (!buf) {
        Q2_ERR("%s: frame allocation failed: out of memory", cmd_name(cmd));
        return Q2_ENOMEM;
    }
    size_t n = q2_frame_build(buf, cmd, seq, payload, len);
    int rc = q2_host_send_bytes(h, buf, n);
    if (buf != stackbuf) free(buf);
    return rc;
}

/* ---- the response parser ----------------------------------------------------------------------- */
int q2_response_parse(const uint8_t *buf, size_t n, q2_frame *f, size_t *used, char *why,
                      size_t why_cap)
{
    char dummy[1];
    if (!why || !why_cap) { why = dummy; why_cap = sizeof dummy; }
    why[0] = 0;
    *used = 0;
    size_t i = 0;
    while (i < n && buf[i] != Q2P_SYNC_RSP) i++;
    if (i) {
        *used = i;
        snprintf(why, why_cap, "%zu byte(s) of garbage (no 0x5A sync)", i);
        return -1;
    }
    if (n < Q2P_HDR) return 0;
    size_t len = q2_rd16(buf + 3);
    *used = 1;   /* a bad header: skip this sync byte, hunt for the next */
    if (!(buf[1] & 0x80)) {
        snprintf(why, why_cap, "cmd byte 0x%02x without the response bit 0x80", buf[1]);
        return -1;
    }
    if (len > Q2P_MAX_RSP_PAYLOAD) {
        snprintf(why, why_cap, "length %zu > max %d", len, Q2P_MAX_RSP_PAYLOAD);
        return -1;
    }
    if (len < 1 || (len - 1) % 4) {
        snprintf(why, why_cap, "length %zu is not 1 + 4n", len);
        return -1;
    }
    if (n < len + Q2P_OVERHEAD) {
        *used = 0;
        return 0;
    }
    uint16_t want = q2_crc16_update(0xFFFF, buf + 1, len + 4), got = q2_rd16(buf + Q2P_HDR + len);
    if (want != got) {
        snprintf(why, why_cap, "bad CRC 0x%04x, computed 0x%04x", got, want);
        return -1;
    }
    f->cmd = buf[1] & 0x7F;
    f->seq = buf[2];
    f->status = buf[5];
    f->n_words = (int)((len - 1) / 4);
    for (int k = 0; k < f->n_words; k++) f->w[k] = q2_rd32(buf + 6 + 4 * k);
    f->wire_len = len + Q2P_OVERHEAD;
    *used = f->wire_len;
    return 1;
}

/* The next frame in rbuf: 1 *f filled and consumed; 0 need more bytes. Junk is dropped, counted. */
static int parse_rbuf(q2_host *h, q2_frame *f)
{
    for (;;) {
        size_t used;
        char why[sizeof h->first_bad];
        int r = q2_response_parse(h->rbuf, h->rlen, f, &used, why, sizeof why);
        if (r == 0) return 0;
        bool at_sync = h->rbuf[0] == Q2P_SYNC_RSP;
        memmove(h->rbuf, h->rbuf + used, h->rlen - used);
        h->rlen -= used;
        if (r == 1) { h->in_bad = false; return 1; }
        if (at_sync) {                      /* a frame that failed its checks */
            h->bad_frames++;
            if (!h->have_bad) memcpy(h->first_bad, why, sizeof why);   /* later ones may be */
            h->have_bad = true;                 /* false syncs inside its rest */
            h->in_bad = true;               /* the bytes up to the next sync are its rest */
        } else if (h->in_bad) {
            h->in_bad = false;
        } else {                            /* bytes before a sync */
            h->garbage_bytes += (unsigned)used;
        }
    }
}

int q2_host_recv(q2_host *h, q2_frame *f, double timeout_s)
{
    double deadline = q2_now() + timeout_s;
    for (;;) {
        if (parse_rbuf(h, f)) return 1;
        double left = deadline - q2_now();
        if (left <= 0) return 0;
        if (h->rlen == sizeof h->rbuf) {   /* cannot happen with sane frames; stay live anyway */
            h->garbage_bytes += (unsigned)h->rlen;
            h->rlen = 0;
            continue;
        }
        int n = h->t->read(h->t, h->rbuf + h->rlen, sizeof h->rbuf - h->rlen, left);
        if (n < 0) return n;
        h->rlen += (size_t)n;
        h->bytes_up += (uint64_t)n;
    }
}

q2_rx_mark q2_host_mark(q2_host *h)
{
    h->have_bad = false;
    return (q2_rx_mark){ .stray = h->stray_frames, .garbage = h->garbage_bytes, .bad = h->bad_frames };
}

void q2_host_describe(const q2_host *h, q2_rx_mark m, double waited_s, char *out, size_t cap)
{
    unsigned stray = h->stray_frames - m.stray, garbage = h->garbage_bytes - m.garbage;
    unsigned bad = h->bad_frames - m.bad;
    size_t k = 0;
    out[0] = 0;
#define ADD(...) (k += (size_t)snprintf(out + k, k < cap ? cap - k : 0, __VA_ARGS__), k = k < cap ? k : cap)
    if (bad) ADD("malformed response: %s", h->have_bad ? h->first_bad : "?");
    if (bad > 1) ADD(" (%u malformed frames)", bad);
    if (h->rlen && h->rbuf[0] == Q2P_SYNC_RSP) {
        size_t want = h->rlen >= Q2P_HDR ? q2_rd16(h->rbuf + 3) + (size_t)Q2P_OVERHEAD : Q2P_HDR;
        ADD("%smalformed response: truncated frame (%zu of %zu bytes)", k ? "; " : "", h->rlen, want);
    }
    if (garbage) ADD("%s%s%u byte(s) of garbage (no 0x5A sync)", k ? "; " : "",
                     k ? "" : "malformed response: ", garbage);
    if (stray) ADD("%s%u stray response(s) (wrong seq or cmd), none to this request", k ? "; " : "", stray);
    if (!k) ADD("no response within %.1f s (device off, wrong port, wrong baud, or not a q2mlp "
                "bitstream?)", waited_s);
    else ADD(" within %.1f s", waited_s);
#undef ADD
}

int q2_host_resync(q2_host *h)
{
    size_t n = (h->have_info ? (size_t)h->info.max_payload : 4096) + 8;
    uint8_t *z = calloc(n, 1);
    if (!z) {
        Q2_ERR("resync failed: out of memory");
        return Q2_ENOMEM;
    }
    int rc = q2_host_send_bytes(h, z, n);
    free(z);
    h->resyncs++;
    return rc;
}

/* The longest a response to a request of len payload bytes may take. */
static double exchange_timeout(const q2_host *h, size_t len)
{
    return h->o.timeout_s + 4 * q2_host_line_time(h, len + Q2P_OVERHEAD + Q2P_MAX_RSP_PAYLOAD);
}

/* Wait for the response to (cmd, seq) until deadline; strays do not move the deadline.
 * 1 got it, 0 none in time, <0 transport error. */
static int await_response(q2_host *h, uint8_t cmd, uint8_t seq, q2_frame *resp, double deadline)
{
    for (;;) {
        double left = deadline - q2_now();
        int r = left > 0 ? q2_host_recv(h, resp, left) : 0;
        if (r <= 0) return r;
        if (resp->seq == seq && resp->cmd == cmd) return 1;
        h->stray_frames++;
    }
}

int q2_host_request(q2_host *h, uint8_t cmd, const uint8_t *payload, size_t len, q2_frame *resp,
                    int retries)
{
    int last_status = -1;
    q2_rx_mark m0 = q2_host_mark(h);
    double t0 = q2_now(), t_ex = exchange_timeout(h, len);
    /* one deadline for the whole request, however many attempts and strays it takes */
    double total = t0 + (retries + 1) * (t_ex + q2_host_line_time(h, 2 * 4096u));
    for (int attempt = 0; attempt <= retries; attempt++) {
        if (attempt) {
            h->retries_used++;
            if (h->o.verbose)
                q2_err(__func__, "%s: retry %d (%s)", cmd_name(cmd), attempt,
                       last_status < 0 ? "no response" : q2_status_name(last_status));
            /* An error response means the decoder finished that frame and hunts again; silence
             * may mean it is inside a frame that swallowed ours: then resync first. */
            if (last_status < 0) {
                int rc = q2_host_resync(h);
                if (rc) return rc;
            }
        }
        uint8_t seq = h->seq++;
        int rc = q2_host_send(h, cmd, seq, payload, len);
        if (rc) return rc;
        double deadline = q2_now() + t_ex;
        int r = await_response(h, cmd, seq, resp, deadline < total ? deadline : total);
        if (r < 0) return r;
        last_status = r ? resp->status : -1;
        if (r && !(status_retryable(resp->status) && attempt < retries)) return 0;
        if (q2_now() >= total) break;
    }
    if (last_status >= 0) {
        Q2_ERR("%s to %s failed: %s (%s) after %d attempt(s)", cmd_name(cmd), h->t->name,
               q2_status_name(last_status), q2_status_text(last_status), retries + 1);
    } else {
        char why[320];
        q2_host_describe(h, m0, q2_now() - t0, why, sizeof why);
        Q2_ERR("%s to %s failed: %s, %d attempt(s)", cmd_name(cmd), h->t->name, why, retries + 1);
    }
    return Q2_EDEVICE;
}

/* A request whose response must be OK with at least min_words words. */
static int request_ok(q2_host *h, uint8_t cmd, const uint8_t *payload, size_t len, q2_frame *f,
                      int min_words)
{
    int rc = q2_host_request(h, cmd, payload, len, f, h->o.retries);
    if (rc) return rc;
    if (f->status != Q2S_OK) {
        q2_err(cmd_name(cmd), "request failed: device answered %s: %s", q2_status_name(f->status),
               q2_status_text(f->status));
        return Q2_EDEVICE;
    }
    if (f->n_words < min_words) {
        q2_err(cmd_name(cmd), "response failed: %d words, need %d (protocol version mismatch?)",
               f->n_words, min_words);
        return Q2_EFORMAT;
    }
    return 0;
}

/* ---- commands --------------------------------------------------------------------------------- */
/* Is an INFO answer one this host can work with? false with the reason in why. */
static bool info_sane(const q2_dev_info *d, char *why, size_t cap)
{
    if (d->id != Q2_CORE_ID)
        snprintf(why, cap, "device id 0x%08x, need 0x%08X (\"Q2ML\")", (unsigned)d->id, Q2_CORE_ID);
    else if (d->proto_version != Q2P_PROTO_VERSION)
        snprintf(why, cap, "protocol version %d, this host speaks %d", d->proto_version,
                 Q2P_PROTO_VERSION);
    else if (d->clks_per_bit < 3 || d->max_payload < 16 || d->rec_bytes < 1 || d->rec_bytes > 64 ||
             d->rxbuf_bytes < 2 * (d->max_payload + d->rec_bytes))
        snprintf(why, cap, "implausible configuration (clks_per_bit %d, max_payload %d, rxbuf %d, "
                 "record bytes %d)", d->clks_per_bit, d->max_payload, d->rxbuf_bytes, d->rec_bytes);
    else if (d->clock_hz && (d->clock_hz < INFO_MIN_CLOCK_HZ || d->clock_hz > INFO_MAX_CLOCK_HZ ||
                             d->clock_hz / (uint32_t)d->clks_per_bit < INFO_MIN_BAUD))
        snprintf(why, cap, "clock_hz %u out of range (0 = not stated, or %u..%u Hz with a line rate "
                 "of at least %u baud at %d clocks per bit)", (unsigned)d->clock_hz, INFO_MIN_CLOCK_HZ,
                 INFO_MAX_CLOCK_HZ, INFO_MIN_BAUD, d->clks_per_bit);
    else if (!d->lanes || d->lanes > 1024 || (d->lanes & (d->lanes - 1)))
        snprintf(why, cap, "lanes %u, need a power of two up to 1024", (unsigned)d->lanes);
    else if (!d->wmem_bytes || !d->pmem_neurons || !d->abuf_bytes)
        snprintf(why, cap, "empty memories (wmem_bytes %u, pmem_neurons %u, abuf_bytes %u)",
                 (unsigned)d->wmem_bytes, (unsigned)d->pmem_neurons, (unsigned)d->abuf_bytes);
    else if (d->timeout_bits < 64 || d->timeout_bits > (1u << 24))
        snprintf(why, cap, "timeout_bits %u out of range 64..2^24", (unsigned)d->timeout_bits);
    else
        return true;
    return false;
}

int q2_host_info(q2_host *h, q2_dev_info *info)
{
    q2_frame f;
    int rc = request_ok(h, Q2P_INFO, NULL, 0, &f, 11);
    if (rc) return rc;
    q2_dev_info d = {
        .id = f.w[0], .hw_version = f.w[1], .lanes = f.w[2], .wmem_bytes = f.w[3],
        .pmem_neurons = f.w[4], .abuf_bytes = f.w[5], .clock_hz = f.w[6],
        .clks_per_bit = (int)(f.w[7] & 0xFFFF), .rec_bytes = (int)((f.w[7] >> 16) & 0xFF),
        .proto_version = (int)(f.w[7] >> 24), .rxbuf_bytes = (int)(f.w[8] & 0xFFFF),
        .max_payload = (int)(f.w[8] >> 16), .timeout_bits = f.w[9], .features = f.w[10],
    };
    char why[160];
    if (!info_sane(&d, why, sizeof why)) {
        Q2_ERR("INFO from %s failed: %s", h->t->name, why);
        return Q2_EDEVICE;
    }
    if (d.clock_hz) {
        /* The line rate is the device's: the simulated board's, or a board whose clock differs
         * slightly from the nominal one. Time estimates use it from now on. */
        int dev_baud = (int)(d.clock_hz / (uint32_t)d.clks_per_bit);
        if (h->o.baud > 0 && strcmp(h->t->kind, "sim") != 0 &&
            (dev_baud > h->o.baud * 103 / 100 || dev_baud < h->o.baud * 97 / 100))
            Q2_ERR("INFO: warning: device line rate %d baud, host set %d", dev_baud, h->o.baud);
        h->o.baud = dev_baud;
    }
    h->info = d;
    h->have_info = true;
    if (info) *info = d;
    return 0;
}

int q2_host_status(q2_host *h, q2_dev_status *st)
{
    q2_frame f;
    int rc = request_ok(h, Q2P_STATUS, NULL, 0, &f, 5);
    if (rc) return rc;
    st->core_status = f.w[0];
    st->busy = (f.w[0] & Q2_STATUS_BUSY) != 0;
    st->model_valid = (f.w[0] & Q2_STATUS_MODEL_VALID) != 0;
    st->core_err = (int)Q2_STATUS_ERR(f.w[0]);
    st->image_complete = (f.w[0] & Q2_STATUS_IMAGE_COMPLETE) != 0;
    st->crc = f.w[1];
    st->model_bytes = f.w[2];
    st->uptime_cycles = f.w[3];
    st->errors = f.w[4] & 0xFF;             /* 8-bit counter, wrapping */
    return 0;
}

double q2_host_device_seconds(const q2_dev_info *info, uint32_t up0, uint32_t up1, double wall_s)
{
    if (!info->clock_hz) return wall_s;
    double wrap_s = 4294967296.0 / info->clock_hz;
    /* The device's clock is never slower than the host's view of it (real board: the same time;
     * simulated board: slower than real time), so while the host has seen less than one wrap
     * the 32-bit difference is exact. */
    if (wall_s >= 0.9 * wrap_s) return wall_s;
    return (double)(uint32_t)(up1 - up0) / info->clock_hz;
}

int q2_host_reset(q2_host *h)
{
    q2_frame f;
    return request_ok(h, Q2P_RESET, NULL, 0, &f, 0);
}

int q2_host_verify(q2_host *h, uint32_t *crc, uint32_t *model_bytes, bool *model_valid)
{
    q2_frame f;
    int rc = request_ok(h, Q2P_VERIFY, NULL, 0, &f, 3);
    if (rc) return rc;
    *model_valid = (f.w[0] & Q2_STATUS_MODEL_VALID) != 0;
    *crc = f.w[1];
    *model_bytes = f.w[2];
    return 0;
}

int q2_host_check_fit(const q2_dev_info *d, const q2_qmodel *q, const char *name)
{
    int dims[Q2_MAX_LAYERS + 1];
    for (int l = 0; l < q->n_layers; l++) {
        dims[l] = q->layers[l].n_in;
        dims[l + 1] = q->layers[l].n_out;
    }
    q2_caps caps = { d->lanes, d->wmem_bytes, d->pmem_neurons, d->abuf_bytes };
    return q2_qmodel_fits(q->n_layers, dims, q->lanes, &caps, name);
}

/* Frames in flight. The device's ring holds the frames that wait for the executor, rec_bytes +
 * payload each; the one being executed leaves it as it runs (its payload is consumed within n_in
 * cycles, while the next frame takes >= 40 cycles a byte to arrive), hence rxbuf / record + 1. */
int q2_host_window(const q2_host *h, size_t payload_len)
{
    if (!h->have_info || payload_len == 0) return 1;
    int w = h->info.rxbuf_bytes / ((int)payload_len + h->info.rec_bytes) + 1;
    if (w > Q2_HOST_MAX_WINDOW) w = Q2_HOST_MAX_WINDOW;
    return w < 1 ? 1 : w;
}

/* ---- LOAD: pipelined chunks, resumable from the device's byte count ---------------------------- */
typedef struct {
    const uint8_t *img;
    size_t len, chunk;            /* image bytes; image bytes per LOAD frame */
    int window;
    struct { uint8_t seq; size_t off, n; } fl[Q2_HOST_MAX_WINDOW];   /* in flight, oldest first */
    int nfl, recoveries;
    size_t sent, acked;
    bool begun;                   /* the device acknowledged a chunk of this load (MODEL_BEGIN ran) */
    uint8_t *pay;                 /* (chunk + 4) */
    double deadline, t0;          /* for the oldest frame in flight (0: not set), since when */
    q2_rx_mark m0;                /* what arrived since t0, for the message */
} load_state;

/* Send chunks while fewer than the window are in flight. */
static int load_fill(q2_host *h, load_state *L)
{
    while (L->sent < L->len && L->nfl < L->window) {
        size_t n = L->len - L->sent < L->chunk ? L->len - L->sent : L->chunk;
        q2_wr32(L->pay, (uint32_t)L->sent);
        memcpy(L->pay + 4, L->img + L->sent, n);
        uint8_t seq = h->seq++;
        int rc = q2_host_send(h, Q2P_LOAD, seq, L->pay, n + 4);
        if (rc) return rc;
        L->fl[L->nfl].seq = seq;
        L->fl[L->nfl].off = L->sent;
        L->fl[L->nfl].n = n;
        L->nfl++;
        L->sent += n;
    }
    return 0;
}

/* A lost or garbled exchange (what: why): resync if silent, ask the device how far it got
 * (STATUS), resume from there. Bounded by --retries per exchange. */
static int load_recover(q2_host *h, load_state *L, const char *what, bool silent)
{
    if (++L->recoveries > h->o.retries) {
        Q2_ERR("load failed: at offset %zu: %s; %d recover%s", L->fl[0].off, what,
               L->recoveries - 1, L->recoveries == 2 ? "y" : "ies");
        return Q2_EDEVICE;
    }
    h->retries_used++;
    if (h->o.verbose) Q2_ERR("load: recovering at offset %zu (%s)", L->fl[0].off, what);
    int rc;
    if (silent && (rc = q2_host_resync(h))) return rc;
    q2_dev_status st;
    if ((rc = q2_host_status(h, &st))) return rc;
    if (st.core_err) {
        Q2_ERR("load failed: the core reports %s (%s)", q2_status_name(st.core_err),
               q2_status_text(st.core_err));
        return Q2_EVERIFY;
    }
    L->acked = L->sent = (L->begun && st.model_bytes <= L->len) ? st.model_bytes : 0;
    if (L->acked == L->len && !st.model_valid) L->acked = L->sent = 0;
    L->nfl = 0;
    L->deadline = 0;
    return 0;
}

/* One response for the oldest chunk in flight, or a recovery. 0 go on, else an error code. */
static int load_step(q2_host *h, load_state *L, void (*progress)(size_t, size_t, void *), void *ctx)
{
    if (L->deadline == 0) {   /* strays never move it: only progress does */
        L->t0 = q2_now();
        L->deadline = L->t0 + exchange_timeout(h, (L->chunk + 4) * (size_t)L->nfl);
        L->m0 = q2_host_mark(h);
    }
    q2_frame f;
    int r = await_response(h, Q2P_LOAD, L->fl[0].seq, &f, L->deadline);
    if (r < 0) return r;
    char what[360];
    if (r == 0) {
        q2_host_describe(h, L->m0, q2_now() - L->t0, what, sizeof what);
        return load_recover(h, L, what, true);
    }
    size_t want = L->fl[0].off + L->fl[0].n;
    if (f.status == Q2S_OK && f.n_words >= 3 && f.w[2] == want) {
        L->acked = want;
        L->begun = true;
        L->recoveries = 0;   /* the retry budget is per exchange, not per load */
        memmove(L->fl, L->fl + 1, sizeof L->fl[0] * (size_t)(L->nfl - 1));
        L->nfl--;
        L->deadline = 0;
        if (progress) progress(L->acked, L->len, ctx);
        return 0;
    }
    if (f.status != Q2S_OK && !status_retryable(f.status) && f.status != Q2S_OFFSET) {
        Q2_ERR("load failed: device rejected the chunk at offset %zu: %s (%s); model invalid",
               L->fl[0].off, q2_status_name(f.status), q2_status_text(f.status));
        return Q2_EVERIFY;
    }
    if (f.status == Q2S_OK)
        snprintf(what, sizeof what, "the device acknowledged %u bytes (%d words), expected %zu",
                 f.n_words >= 3 ? (unsigned)f.w[2] : 0u, f.n_words, want);
    else
        snprintf(what, sizeof what, "%s", q2_status_name(f.status));
    return load_recover(h, L, what, false);
}

int q2_host_load(q2_host *h, const uint8_t *img, size_t len,
                 void (*progress)(size_t done, size_t total, void *ctx), void *ctx)
{
    if (!h->have_info) {
        int rc = q2_host_info(h, NULL);
        if (rc) return rc;
    }
    /* two records of a chunk fit the ring, so the next chunk arrives while one executes */
    size_t pay_max = (size_t)h->info.max_payload;
    if (pay_max > (size_t)(h->info.rxbuf_bytes / 2 - h->info.rec_bytes))
        pay_max = (size_t)(h->info.rxbuf_bytes / 2 - h->info.rec_bytes);
    load_state L = { .img = img, .len = len, .chunk = pay_max - 4 };
    L.window = q2_host_window(h, L.chunk + 4);
    if (L.window > Q2_HOST_MAX_WINDOW) L.window = Q2_HOST_MAX_WINDOW;
    L.pay = malloc(L.chunk + 4);
    if (!L.pay) {
        Q2_ERR("load failed: out of memory");
        return Q2_ENOMEM;
    }
    int rc = 0;
    while (L.acked < len && !rc) {
        rc = load_fill(h, &L);
        if (!rc) rc = load_step(h, &L, progress, ctx);
    }
    if (rc) goto out;

    uint32_t crc, bytes;
    bool valid;
    rc = q2_host_verify(h, &crc, &bytes, &valid);
    if (rc) goto out;
    uint32_t want = q2_rd32(img + len - 4);
    if (!valid || crc != want || bytes != len) {
        Q2_ERR("verify failed: device holds %u bytes, CRC-32 0x%08x, model %s; the image has %zu bytes, "
               "CRC-32 0x%08x", (unsigned)bytes, (unsigned)crc, valid ? "valid" : "INVALID", len, (unsigned)want);
        rc = Q2_EVERIFY;
    }
out:
    free(L.pay);
    return rc;
}

/* ---- INFER ------------------------------------------------------------------------------------- */
int q2_host_infer_send(q2_host *h, const uint8_t *px, size_t n, bool rle, uint8_t *seq)
{
    *seq = h->seq++;
    if (!rle) return q2_host_send(h, Q2P_INFER, *seq, px, n);
    uint8_t buf[8192];
    size_t m = q2_rle_encode(px, n, buf, sizeof buf);
    if (!m || m >= n) return q2_host_send(h, Q2P_INFER, *seq, px, n);   /* coding does not pay */
    return q2_host_send(h, Q2P_INFER_RLE, *seq, buf, m);
}

size_t q2_host_infer_payload(const uint8_t *px, size_t n, bool rle)
{
    if (!rle) return n;
    uint8_t buf[8192];
    size_t m = q2_rle_encode(px, n, buf, sizeof buf);
    return (!m || m >= n) ? n : m;
}

bool q2_host_ring_fits(const q2_host *h, int n, size_t inflight, size_t oldest, size_t rec)
{
    if (n >= Q2_HOST_MAX_WINDOW) return false;
    if (n == 0 || !h->have_info) return n == 0;
    return inflight + rec <= (size_t)h->info.rxbuf_bytes + oldest;
}

/* An OK INFER answer: CYCLES CLASS N_CLASSES LOGIT[0..N-1], CLASS the argmax (lowest index on
 * ties). false with the reason in why. */
static bool infer_sane(const q2_frame *f, char *why, size_t cap)
{
    if (f->n_words < 3) {
        snprintf(why, cap, "%d words, need at least 3", f->n_words);
        return false;
    }
    uint32_t nc = f->w[2], cls = f->w[1];
    if (nc < 1 || nc > 256 || f->n_words != 3 + (int)nc) {
        snprintf(why, cap, "N_CLASSES %u with %d words (need 1..256 classes and 3 + N_CLASSES words)",
                 (unsigned)nc, f->n_words);
        return false;
    }
    if (cls >= nc) {
        snprintf(why, cap, "CLASS %u >= N_CLASSES %u", (unsigned)cls, (unsigned)nc);
        return false;
    }
    uint32_t best = 0;
    for (uint32_t k = 1; k < nc; k++)
        if ((int32_t)f->w[3 + k] > (int32_t)f->w[3 + best]) best = k;
    if (cls != best) {
        snprintf(why, cap, "CLASS %u is not the argmax of the logits (%u)", (unsigned)cls, (unsigned)best);
        return false;
    }
    return true;
}

int q2_host_infer_recv(q2_host *h, uint8_t seq, q2_infer_result *r, int *status, double timeout_s)
{
    double t0 = q2_now(), deadline = t0 + timeout_s;
    q2_rx_mark m0 = q2_host_mark(h);
    q2_frame f;
    *status = -1;
    for (;;) {
        double left = deadline - q2_now();
        int got = left > 0 ? q2_host_recv(h, &f, left) : 0;
        if (got < 0) return got;
        if (got == 0) {
            char why[320];
            q2_host_describe(h, m0, q2_now() - t0, why, sizeof why);
            Q2_ERR("INFER to %s failed: %s", h->t->name, why);
            return Q2_EDEVICE;
        }
        if (f.seq != seq || (f.cmd != Q2P_INFER && f.cmd != Q2P_INFER_RLE)) {
            h->stray_frames++;
            continue;
        }
        *status = f.status;
        if (f.status != Q2S_OK) return 0;
        char why[160];
        if (!infer_sane(&f, why, sizeof why)) {
            Q2_ERR("INFER from %s failed: implausible response: %s", h->t->name, why);
            return Q2_EFORMAT;
        }
        r->cycles = f.w[0];
        r->cls = (int)f.w[1];
        r->n_classes = (int)f.w[2];
        for (int k = 0; k < r->n_classes; k++) r->logits[k] = (int32_t)f.w[3 + k];
        return 0;
    }
}

/* ---- transports by name ---------------------------------------------------------------------- */
int q2_transport_open(q2_transport **t, const char *spec, const q2_transport_opts *o)
{
    *t = NULL;
    if (!strncmp(spec, "ftdi:", 5)) return q2_ftdi_open(t, spec + 5, o);
    if (!strncmp(spec, "tty:", 4)) return q2_tty_open(t, spec + 4, o);
    if (!strncmp(spec, "sim:", 4)) return q2_sim_open(t, spec + 4, o);
    Q2_ERR("device '%s' failed: need ftdi:VID:PID[:IF][:SERIAL], tty:/dev/ttyX or sim:/path.sock", spec);
    return Q2_EARG;
}
