/* main_q2mlp-host.c — q2mlp-host: talk to the accelerator on a board (ftdi, tty) or to the
 * simulated board (sim): info, status, reset, load + verify, infer (pipelined, optionally checked
 * bit for bit against the C model), raw (protocol robustness tests). docs/host.md.
 *
 * Exit codes (sw/base/util.h): 0 ok, 1 usage or input file, 2 device / USB / socket / timeout / refusal,
 * 3 verify failure or a result that differs from the bit-exact C model, 4 internal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "base/idx.h"
#include "qmodel/qmodel.h"
#include "base/util.h"

/* ---- options -------------------------------------------------------------------------------- */
typedef struct {
    const char *device;
    q2_host_opts h;
    const char *cmd;
    const char *pos[4];
    int npos;
    /* load / verify */
    long corrupt_byte;
    /* infer */
    const char *images, *labels, *model;
    long limit, start;
    bool check, rle;
    /* raw */
    const char *hex;
    long garbage, seed, infer_px;
    bool truncated, bad_crc, unknown, oversize;
    const char *expect;
    double wait_s;
} cli;

static void usage(FILE *f)
{
    fputs(
"usage: q2mlp-host --device DEV [options] COMMAND [args]\n"
"\n"
"DEV (or environment Q2MLP_DEVICE):\n"
"  ftdi:VID:PID[:IF][:SERIAL]  libftdi1, e.g. ftdi:0403:6010:B (iCEBreaker), ftdi:0403:6015 (ULX3S)\n"
"  tty:/dev/ttyUSB1            a serial port (ftdi_sio), termios raw 8N1\n"
"  sim:/path/to.sock           q2mlp-board-sim --socket /path/to.sock\n"
"\n"
"options:\n"
"  --baud B          line rate for ftdi/tty (default 3000000)\n"
"  --latency MS      FTDI latency timer (default 1)\n"
"  --timeout S       base wait for a response (default 2; the line time is added)\n"
"  --retries N       resends after a lost/garbled exchange (default 3)\n"
"  --verbose         say what the driver retries\n"
"\n"
"commands:\n"
"  info                       device configuration and state\n"
"  status                     model state, uptime, error counter\n"
"  reset                      reset the core (the model becomes invalid)\n"
"  load X.q2                  refuse a model that does not fit; send it in chunks; read the CRC-32\n"
"                             back: ends with 'verify OK' or exits 3\n"
"      --corrupt-byte OFF     (test aid) flip byte OFF of what is sent: the device must reject it\n"
"  verify [X.q2]              the device's CRC-32 read-back (compared with X.q2 if given)\n"
"  infer --images F --labels F [--limit N] [--start K] [--model X.q2] [--check] [--rle]\n"
"                             classify; per-image progress on stderr; summary on stdout:\n"
"                             images=<n> accuracy=<%> images_per_s=<x> line_utilization=<x>\n"
"                             --check: also run q2_qmodel_forward_ref (needs --model) and count\n"
"                             disagreements (exit 3 if any); --rle: zero-run-length upload\n"
"  raw [--hex \"A5 01 ..\"] [--garbage N [--seed S]] [--truncated] [--bad-crc] [--unknown]\n"
"      [--oversize] [--infer NPIX] [--expect STATUS] [--wait S]\n"
"                             send bytes / malformed frames, print the responses (robustness tests)\n"
"\n"
"exit codes: 0 ok, 1 usage/file, 2 device/USB/timeout, 3 verify or result mismatch, 4 internal\n",
        f);
}

/* Parse a whole number option; -1 on error (reported). */
static int num(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || x < lo || x > hi) {
        Q2_ERR("option %s failed: '%s' is not a number in %g..%g", opt, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_cli(int argc, char **argv, cli *c)
{
    memset(c, 0, sizeof *c);
    c->device = getenv("Q2MLP_DEVICE");
    c->h = (q2_host_opts){ .timeout_s = 2.0, .retries = 3, .baud = 3000000, .latency_ms = 1 };
    c->corrupt_byte = -1;
    c->limit = -1;
    c->seed = 1;
    c->wait_s = -1;
    const struct { const char *name; bool *dst; } flags[] = {
        { "--verbose", &c->h.verbose }, { "--check", &c->check }, { "--rle", &c->rle },
        { "--truncated", &c->truncated }, { "--bad-crc", &c->bad_crc }, { "--unknown", &c->unknown },
        { "--oversize", &c->oversize },
    };
    const char *baud = NULL, *latency = NULL, *timeout = NULL, *retries = NULL, *corrupt = NULL,
               *limit = NULL, *start = NULL, *garbage = NULL, *seed = NULL, *wait = NULL,
               *infer_px = NULL;
    const struct { const char *name; const char **dst; } opts[] = {
        { "--device", &c->device }, { "--baud", &baud }, { "--latency", &latency },
        { "--timeout", &timeout }, { "--retries", &retries }, { "--corrupt-byte", &corrupt },
        { "--images", &c->images }, { "--labels", &c->labels }, { "--model", &c->model },
        { "--limit", &limit }, { "--start", &start }, { "--hex", &c->hex }, { "--garbage", &garbage },
        { "--seed", &seed }, { "--expect", &c->expect }, { "--wait", &wait }, { "--infer", &infer_px },
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); exit(q2_close_stdout("q2mlp-host", Q2_EXIT_OK)); }
        bool found = false;
        for (size_t k = 0; !found && k < sizeof flags / sizeof flags[0]; k++)
            if (!strcmp(a, flags[k].name)) { *flags[k].dst = true; found = true; }
        for (size_t k = 0; !found && k < sizeof opts / sizeof opts[0]; k++) {
            if (strcmp(a, opts[k].name)) continue;
            if (i + 1 >= argc) {
                Q2_ERR("option %s failed: needs a value", a);
                return -1;
            }
            *opts[k].dst = argv[++i];
            found = true;
        }
        if (found) continue;
        if (a[0] == '-' && a[1]) {
            Q2_ERR("option %s failed: unknown (see --help)", a);
            return -1;
        }
        if (!c->cmd) c->cmd = a;
        else if (c->npos < 4) c->pos[c->npos++] = a;
        else { Q2_ERR("arguments failed: too many"); return -1; }
    }
    double x;
    if (baud) { if (num("--baud", baud, 300, 12e6, &x)) return -1; c->h.baud = (int)x; }
    if (latency) { if (num("--latency", latency, 1, 255, &x)) return -1; c->h.latency_ms = (int)x; }
    if (timeout) { if (num("--timeout", timeout, 0.01, 3600, &x)) return -1; c->h.timeout_s = x; }
    if (retries) { if (num("--retries", retries, 0, 100, &x)) return -1; c->h.retries = (int)x; }
    if (corrupt) { if (num("--corrupt-byte", corrupt, 0, 1e9, &x)) return -1; c->corrupt_byte = (long)x; }
    if (limit) { if (num("--limit", limit, 0, 1e9, &x)) return -1; c->limit = (long)x; }
    if (start) { if (num("--start", start, 0, 1e9, &x)) return -1; c->start = (long)x; }
    if (garbage) { if (num("--garbage", garbage, 0, 4096, &x)) return -1; c->garbage = (long)x; }
    if (seed) { if (num("--seed", seed, 0, 1e18, &x)) return -1; c->seed = (long)x; }
    if (wait) { if (num("--wait", wait, 0, 3600, &x)) return -1; c->wait_s = x; }
    if (infer_px) { if (num("--infer", infer_px, 1, 4096, &x)) return -1; c->infer_px = (long)x; }
    if (!c->cmd) { Q2_ERR("arguments failed: no command (see --help)"); return -1; }
    if (!c->device) { Q2_ERR("arguments failed: no --device (or Q2MLP_DEVICE)"); return -1; }
    return 0;
}

/* ---- info / status / reset / verify --------------------------------------------------------- */
static void print_info(const q2_host *h, const q2_dev_info *d)
{
    printf("device=%s\n", h->t->name);
    printf("id=Q2ML hw_version=%u proto_version=%d lanes=%u\n", (unsigned)d->hw_version, d->proto_version,
           (unsigned)d->lanes);
    printf("wmem_bytes=%u pmem_neurons=%u abuf_bytes=%u\n", (unsigned)d->wmem_bytes,
           (unsigned)d->pmem_neurons, (unsigned)d->abuf_bytes);
    if (d->clock_hz)
        printf("clock_hz=%u clks_per_bit=%d baud=%u\n", (unsigned)d->clock_hz, d->clks_per_bit,
               (unsigned)(d->clock_hz / (uint32_t)d->clks_per_bit));
    else
        printf("clock_hz=unknown clks_per_bit=%d\n", d->clks_per_bit);
    printf("rxbuf_bytes=%d max_payload=%d record_bytes=%d timeout_bits=%u features=%s\n", d->rxbuf_bytes,
           d->max_payload, d->rec_bytes, (unsigned)d->timeout_bits, (d->features & Q2P_FEATURE_INFER_RLE) ? "rle" : "-");
}

static void print_status(const q2_dev_status *s, const q2_dev_info *d)
{
    printf("model_valid=%d model_bytes=%u busy=%d core_err=%d(%s)\n", s->model_valid,
           (unsigned)s->model_bytes, s->busy, s->core_err, q2_status_name(s->core_err));
    printf("uptime_cycles=%u", (unsigned)s->uptime_cycles);
    if (d && d->clock_hz) printf(" uptime_s=%.6f", (double)s->uptime_cycles / d->clock_hz);
    printf(" errors=%u\n", s->errors);
}

static int cmd_info(q2_host *h)
{
    q2_dev_info d;
    q2_dev_status s;
    int rc = q2_host_info(h, &d);
    if (!rc) rc = q2_host_status(h, &s);
    if (rc) return rc;
    print_info(h, &d);
    print_status(&s, &d);
    printf("retries=%u resyncs=%u stray_frames=%u\n", h->retries_used, h->resyncs, h->stray_frames);
    return 0;
}

static int cmd_status(q2_host *h)
{
    q2_dev_status s;
    int rc = q2_host_info(h, NULL);
    if (!rc) rc = q2_host_status(h, &s);
    if (rc) return rc;
    print_status(&s, &h->info);
    return 0;
}

static int cmd_verify(q2_host *h, const char *path)
{
    uint32_t crc, bytes;
    bool valid;
    q2_qmodel q = { 0 };
    int rc = 0;
    if (path && (rc = q2_qmodel_load(&q, path))) return rc;
    rc = q2_host_verify(h, &crc, &bytes, &valid);
    if (rc) goto out;
    printf("device: model_valid=%d model_bytes=%u crc=0x%08x\n", valid, (unsigned)bytes, (unsigned)crc);
    if (path) {
        if (!valid || crc != q.crc || bytes != q.image_len) {
            Q2_ERR("verify failed: %s has %zu bytes, CRC-32 0x%08x; the device %s", path, q.image_len,
                   (unsigned)q.crc, valid ? "holds another model" : "has no valid model");
            rc = Q2_EVERIFY;
            goto out;
        }
        printf("verify OK\n");
    }
out:
    q2_qmodel_free(&q);
    return rc;
}

/* ---- load ------------------------------------------------------------------------------------ */
static void load_progress(size_t done, size_t total, void *ctx)
{
    (void)ctx;
    static double last;
    if (done == total || q2_now() - last > (q2_progress_is_tty() ? 0.1 : 1.0)) {
        q2_progress("load: %zu / %zu bytes", done, total);
        last = q2_now();
    }
}

static int cmd_load(q2_host *h, const cli *c)
{
    if (c->npos != 1) {
        Q2_ERR("load failed: need exactly one X.q2");
        return Q2_EARG;
    }
    const char *path = c->pos[0];
    q2_qmodel q = { 0 };
    int rc = q2_qmodel_load(&q, path);
    if (rc) return rc;
    q2_dev_status s0, s1;
    uint8_t *img = NULL;
    if ((rc = q2_host_info(h, NULL))) goto out;
    if ((rc = q2_host_check_fit(&h->info, q.image, q.image_len, path))) goto out;
    img = malloc(q.image_len);
    if (!img) { Q2_ERR("load failed: out of memory"); rc = Q2_ENOMEM; goto out; }
    memcpy(img, q.image, q.image_len);
    if (c->corrupt_byte >= 0) {
        if ((size_t)c->corrupt_byte >= q.image_len) {
            Q2_ERR("--corrupt-byte failed: %ld is past the image (%zu bytes)", c->corrupt_byte, q.image_len);
            rc = Q2_EARG;
            goto out;
        }
        img[c->corrupt_byte] ^= 0x5A;
        fprintf(stderr, "load: corrupting byte %ld of %s on purpose\n", c->corrupt_byte, path);
    }
    if ((rc = q2_host_status(h, &s0))) goto out;
    double t0 = q2_now();
    uint64_t down0 = h->bytes_down;
    rc = q2_host_load(h, img, q.image_len, load_progress, NULL);
    q2_progress_done();
    if (rc) goto out;
    double wall = q2_now() - t0;
    uint64_t down = h->bytes_down - down0;
    if ((rc = q2_host_status(h, &s1))) goto out;
    printf("load: %s: %zu bytes, %llu on the line, wall_s=%.3f", path, q.image_len,
           (unsigned long long)down, wall);
    if (h->info.clock_hz) {
        double dev_s = q2_host_device_seconds(&h->info, s0.uptime_cycles, s1.uptime_cycles, wall);
        printf(" device_s=%.4f line_utilization=%.3f", dev_s,
               dev_s > 0 ? 10.0 * (double)down / (dev_s * h->o.baud) : 0.0);
    }
    printf(" retries=%u\n", h->retries_used);
    printf("verify OK crc=0x%08x\n", (unsigned)q.crc);
out:
    free(img);
    q2_qmodel_free(&q);
    return rc;
}

/* ---- infer ----------------------------------------------------------------------------------- */
/* Images per second with the transfer of the next image overlapped with the current inference:
 * the slower of the line (request frames) and the device's executor (feed the pixels, compute,
 * send the response). */
static double projected_rate(double baud, double clock_hz, double down_per_img, double up_per_img,
                             double feed_cycles, double cycles)
{
    double t_line = 10.0 * down_per_img / baud;
    double t_exec = (feed_cycles + cycles) / clock_hz + 10.0 * up_per_img / baud;
    return 1.0 / (t_line > t_exec ? t_line : t_exec);
}

#define MAX_WINDOW 8

static int cmd_infer(q2_host *h, const cli *c)
{
    if (!c->images || !c->labels) {
        Q2_ERR("infer failed: need --images F and --labels F");
        return Q2_EARG;
    }
    if (c->check && !c->model) {
        Q2_ERR("infer --check failed: needs --model X.q2 (the model the device holds)");
        return Q2_EARG;
    }
    q2_dataset ds = { 0 };
    q2_qmodel q = { 0 };
    int rc = q2_dataset_load(&ds, c->images, c->labels);
    if (rc) return rc;
    if (c->model && (rc = q2_qmodel_load(&q, c->model))) goto out;
    int npix = ds.rows * ds.cols;
    long start = c->start, n = ds.n - start;
    if (start < 0 || start >= ds.n) {
        Q2_ERR("infer failed: --start %ld outside 0..%d", start, ds.n - 1);
        rc = Q2_EARG;
        goto out;
    }
    if (c->limit >= 0 && c->limit < n) n = c->limit;
    if (c->model && q.layers[0].n_in != npix) {
        Q2_ERR("infer failed: %s takes %d inputs, the images have %d pixels", c->model, q.layers[0].n_in, npix);
        rc = Q2_EARG;
        goto out;
    }
    if ((rc = q2_host_info(h, NULL))) goto out;
    if (c->rle && !(h->info.features & Q2P_FEATURE_INFER_RLE)) {
        Q2_ERR("infer --rle failed: the device does not support INFER_RLE");
        rc = Q2_EARG;
        goto out;
    }
    if (npix > h->info.max_payload) {
        Q2_ERR("infer failed: %d pixels per image, the device takes at most %d per frame", npix,
               h->info.max_payload);
        rc = Q2_EARG;
        goto out;
    }
    uint32_t dcrc, dbytes;
    bool dvalid;
    if ((rc = q2_host_verify(h, &dcrc, &dbytes, &dvalid))) goto out;
    if (!dvalid) {
        Q2_ERR("infer failed: the device has no valid model (run q2mlp-host load X.q2 first)");
        rc = Q2_EDEVICE;
        goto out;
    }
    if (c->model && (dcrc != q.crc || dbytes != q.image_len)) {
        Q2_ERR("infer failed: the device holds another model (CRC-32 0x%08x, %u bytes) than %s "
               "(0x%08x, %zu bytes)", (unsigned)dcrc, (unsigned)dbytes, c->model, (unsigned)q.crc, q.image_len);
        rc = Q2_EVERIFY;
        goto out;
    }

    int window = q2_host_window(h, (size_t)npix);
    if (window > MAX_WINDOW) window = MAX_WINDOW;
    q2_dev_status s0, s1;
    if ((rc = q2_host_status(h, &s0))) goto out;
    uint64_t down0 = h->bytes_down, up0 = h->bytes_up;
    unsigned retries0 = h->retries_used;
    double wall0 = q2_now();
    uint8_t seqs[MAX_WINDOW];
    long sent = 0, done = 0, correct = 0, disagree = 0, recoveries = 0;
    double cycles_sum = 0;
    int32_t ref_logits[256];
    q2_infer_result r;
    double tmo = h->o.timeout_s + 4 * q2_host_line_time(h, (size_t)(window * (npix + 64)));
    while (done < n) {
        while (sent < n && sent - done < window) {
            const uint8_t *px = ds.images + (size_t)(start + sent) * (size_t)npix;
            if ((rc = q2_host_infer_send(h, px, (size_t)npix, c->rle, &seqs[sent % MAX_WINDOW]))) goto out;
            sent++;
        }
        int status;
        rc = q2_host_infer_recv(h, seqs[done % MAX_WINDOW], &r, &status, tmo);
        if (rc == Q2_EFORMAT) rc = Q2_EDEVICE;   /* the device's answer is wrong: exit 2 */
        else if (!rc && status == Q2S_OK && c->model && r.n_classes != q.layers[q.n_layers - 1].n_out) {
            Q2_ERR("infer failed: image %ld: the device answered %d classes, %s has %d", start + done,
                   r.n_classes, c->model, q.layers[q.n_layers - 1].n_out);
            rc = Q2_EDEVICE;
        }
        if (rc && (rc != Q2_EDEVICE || status >= 0)) goto out;
        if (rc || status == Q2S_FRAME_CRC || status == Q2S_TIMEOUT || status == Q2S_OVERFLOW) {
            /* lost or garbled: resync and resend from the oldest unanswered image */
            if (++recoveries > h->o.retries) {
                if (!rc) Q2_ERR("infer failed: image %ld: %s (%s)", start + done, q2_status_name(status),
                                q2_status_text(status));
                rc = Q2_EDEVICE;
                goto out;
            }
            h->retries_used++;
            if (h->o.verbose)
                Q2_ERR("infer: resending from image %ld (%s)", start + done, rc ? "no response" : q2_status_name(status));
            if (rc && (rc = q2_host_resync(h))) goto out;    /* silence: the decoder may be mid-frame */
            rc = 0;
            sent = done;
            continue;
        }
        if (status != Q2S_OK) {
            Q2_ERR("infer failed: image %ld: the device answered %s: %s", start + done,
                   q2_status_name(status), q2_status_text(status));
            rc = Q2_EDEVICE;
            goto out;
        }
        recoveries = 0;   /* the retry budget is per image */
        long idx = start + done;
        int label = ds.labels[idx];
        correct += (r.cls == label);
        cycles_sum += r.cycles;
        bool ok = true;
        if (c->check) {
            int want = q2_qmodel_forward_ref(&q, ds.images + (size_t)idx * (size_t)npix, ref_logits, NULL);
            int nc = q.layers[q.n_layers - 1].n_out;
            ok = (want == r.cls) && (nc == r.n_classes);
            for (int k = 0; ok && k < nc; k++) ok = (ref_logits[k] == r.logits[k]);
            if (!ok && ++disagree <= 5) {
                fprintf(stderr, "infer: image %ld: device class %d, C model class %d; logits device/model:",
                        idx, r.cls, want);
                for (int k = 0; k < nc && k < r.n_classes; k++)
                    fprintf(stderr, " %d/%d", (int)r.logits[k], (int)ref_logits[k]);
                fputc('\n', stderr);
            }
        }
        done++;
        if (q2_progress_is_tty() || n <= 100 || done % (n / 50 + 1) == 0 || done == n || !ok)
            q2_progress("infer: image %ld (%ld/%ld): label %d class %d cycles %u%s%s", idx, done, n, label,
                        r.cls, (unsigned)r.cycles, c->check ? (ok ? " check ok" : " CHECK MISMATCH") : "",
                        r.cls == label ? "" : " (wrong)");
    }
    q2_progress_done();
    uint64_t down = h->bytes_down - down0, up = h->bytes_up - up0;
    double wall = q2_now() - wall0;
    if ((rc = q2_host_status(h, &s1))) goto out;

    double dev_s = h->info.clock_hz ? q2_host_device_seconds(&h->info, s0.uptime_cycles, s1.uptime_cycles, wall) : 0;
    double elapsed = dev_s > 0 ? dev_s : wall;
    double baud = h->o.baud > 0 ? h->o.baud : 1;   /* INFO guarantees >= 300 baud; never divide by 0 */
    if (elapsed <= 0) elapsed = 1e-9;
    printf("images=%ld accuracy=%.2f images_per_s=%.1f line_utilization=%.3f\n", n,
           n ? 100.0 * (double)correct / (double)n : 0.0, n / elapsed, 10.0 * (double)down / (elapsed * baud));
    double dpi = (double)down / n, upi = (double)up / n, cyc = cycles_sum / n;
    double feed = npix + (c->rle ? dpi : 0);
    printf("timing: time_base=%s device_s=%.6f wall_s=%.3f baud=%.0f clock_hz=%u bytes_down=%llu bytes_up=%llu "
           "down_per_image=%.1f up_per_image=%.1f cycles_per_image=%.0f up_utilization=%.3f window=%d "
           "rle=%d retries=%u\n", dev_s > 0 && dev_s != wall ? "device" : "wall", dev_s, wall, baud, (unsigned)h->info.clock_hz,
           (unsigned long long)down, (unsigned long long)up, dpi, upi, cyc,
           10.0 * (double)up / (elapsed * baud), window, c->rle, h->retries_used - retries0);
    printf("projection: images_per_s_3M_12MHz=%.1f images_per_s_3M_48MHz=%.1f images_per_s_12M_48MHz=%.1f\n",
           projected_rate(3e6, 12e6, dpi, upi, feed, cyc), projected_rate(3e6, 48e6, dpi, upi, feed, cyc),
           projected_rate(12e6, 48e6, dpi, upi, feed, cyc));
    if (c->check) {
        printf("check: disagreements=%ld of %ld (device vs q2_qmodel_forward_ref, class and every logit)\n",
               disagree, n);
        if (disagree) rc = Q2_EVERIFY;
    }
out:
    q2_qmodel_free(&q);
    q2_dataset_free(&ds);
    return rc;
}

/* ---- raw: malformed traffic for the robustness tests ---------------------------------------------- */
static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    *n = 0;
    while (*s) {
        while (*s == ' ' || *s == ',' || *s == ':') s++;
        if (!*s) break;
        char *end;
        unsigned long v = strtoul(s, &end, 16);
        if (end == s || v > 255 || *n >= cap) return -1;
        out[(*n)++] = (uint8_t)v;
        s = end;
    }
    return 0;
}

static int cmd_raw(q2_host *h, const cli *c)
{
    uint8_t buf[2 * 4096 + 8 * Q2P_OVERHEAD + 128];
    size_t n = 0;
    int expect = -1;
    if (c->expect) {
        for (int s = 0; s < 256 && expect < 0; s++)
            if (!strcmp(q2_status_name(s), c->expect) && strcmp(c->expect, "ERR_?")) expect = s;
        if (expect < 0) {
            Q2_ERR("raw --expect failed: unknown status '%s' (OK, ERR_FRAME_CRC, ERR_TIMEOUT, ...)", c->expect);
            return Q2_EARG;
        }
    }
    int max_payload = 1024;
    if (c->truncated || c->oversize) {
        int rc = q2_host_info(h, NULL);
        if (rc) return rc;
        max_payload = h->info.max_payload;
    }
    uint8_t seq = 0xE0 | (h->seq & 0x0F);
    if (c->hex && parse_hex(c->hex, buf, sizeof buf, &n)) {
        Q2_ERR("raw --hex failed: need hex bytes, e.g. \"A5 01 00 00 00\"");
        return Q2_EARG;
    }
    if (c->garbage > 0) {
        q2_rng rng;
        q2_rng_init(&rng, (uint64_t)c->seed);
        for (long i = 0; i < c->garbage && n < sizeof buf; i++) buf[n++] = (uint8_t)q2_rng_below(&rng, 256);
    }
    if (c->bad_crc) {                         /* INFO with its CRC flipped */
        size_t m = q2_frame_build(buf + n, Q2P_INFO, seq, NULL, 0);
        buf[n + m - 1] ^= 0xFF;
        n += m;
    }
    if (c->unknown) n += q2_frame_build(buf + n, 0x7E, seq, NULL, 0);
    if (c->infer_px > 0) {                    /* a well-formed INFER of a black image */
        uint8_t px[4096] = { 0 };
        n += q2_frame_build(buf + n, Q2P_INFER, seq, px, (size_t)c->infer_px);
    }
    if (c->oversize) {                        /* an INFER header announcing max_payload + 1 bytes */
        uint8_t hdr[5] = { Q2P_SYNC_REQ, Q2P_INFER, seq, 0, 0 };
        q2_wr16(hdr + 3, (uint16_t)(max_payload + 1));
        memcpy(buf + n, hdr, 5);
        n += 5;
    }
    if (c->truncated) {                       /* a LOAD announcing 100 bytes, then only 10 */
        uint8_t pay[100] = { 0 };
        size_t m = q2_frame_build(buf + n, Q2P_LOAD, seq, pay, sizeof pay);
        (void)m;
        n += Q2P_HDR + 10;
    }
    int rc = q2_host_send_bytes(h, buf, n);
    if (rc) return rc;
    printf("raw: sent %zu bytes\n", n);
    double wait = c->wait_s >= 0 ? c->wait_s : h->o.timeout_s;
    double deadline = q2_now() + wait;
    int frames = 0, matched = 0;
    q2_frame f;
    while (q2_now() < deadline) {
        int r = q2_host_recv(h, &f, deadline - q2_now());
        if (r < 0) return r;
        if (r == 0) break;
        frames++;
        printf("raw: response cmd=0x%02x seq=0x%02x status=%s words=%d\n", f.cmd, f.seq,
               q2_status_name(f.status), f.n_words);
        if (expect >= 0 && f.status == expect) {
            matched = 1;
            break;
        }
    }
    printf("raw: %d response(s)\n", frames);
    if (expect >= 0 && !matched) {
        Q2_ERR("raw failed: no %s response within %.1f s", c->expect, wait);
        return frames ? Q2_EVERIFY : Q2_EDEVICE;
    }
    return 0;
}

/* ---- main -------------------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    cli c;
    if (parse_cli(argc, argv, &c)) {
        usage(stderr);
        return Q2_EXIT_USAGE;
    }
    static const char *known[] = { "info", "status", "reset", "load", "verify", "infer", "raw" };
    bool ok = false;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) ok |= !strcmp(c.cmd, known[i]);
    if (!ok) {
        Q2_ERR("command '%s' failed: unknown (see --help)", c.cmd);
        return Q2_EXIT_USAGE;
    }
    q2_host h;
    int rc = q2_host_open(&h, c.device, &c.h);
    if (rc) return q2_exit_code(rc);
    if (!strcmp(c.cmd, "info")) rc = cmd_info(&h);
    else if (!strcmp(c.cmd, "status")) rc = cmd_status(&h);
    else if (!strcmp(c.cmd, "reset")) {
        rc = q2_host_reset(&h);
        if (!rc) printf("reset OK (model invalid)\n");
    } else if (!strcmp(c.cmd, "load")) rc = cmd_load(&h, &c);
    else if (!strcmp(c.cmd, "verify")) rc = cmd_verify(&h, c.npos ? c.pos[0] : NULL);
    else if (!strcmp(c.cmd, "infer")) rc = cmd_infer(&h, &c);
    else rc = cmd_raw(&h, &c);
    q2_host_close(&h);
    return q2_close_stdout("q2mlp-host", q2_exit_code(rc));
}
