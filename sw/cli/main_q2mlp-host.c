/* main_q2mlp-host.c — q2mlp-host: talk to the accelerator on a board (ftdi, tty) or to the
 * simulated board (sim): info, status, reset, load + verify, infer (pipelined, optionally checked
 * bit for bit against the C model), raw (protocol robustness tests). docs/host.md.
 *
 * Exit codes (sw/base/util.h): 0 ok, 1 usage or input file, 2 device / USB / socket / timeout / refusal,
 * 3 verify failure or a result that differs from the bit-exact C model, 4 internal.
 */
#include <limits.h>
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
    bool check, rle, raw;   /* --rle: insist on INFER_RLE; --raw: plain INFER */
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
"  --baud B|auto     line rate for ftdi/tty (default auto: INFO at 3000000, then 12000000 baud,\n"
"                    the rates a build may choose; the first that answers is kept)\n"
"  --latency MS      FTDI latency timer (default 1)\n"
"  --timeout S       base wait for a response (default 2; the line time is added)\n"
"  --retries N       resends after a lost/garbled exchange (default 3)\n"
"  --verbose         say what the driver retries\n"
"\n"
"commands:\n"
"  info                       device configuration and state (ftdi: and the USB strings)\n"
"  status                     model state, uptime, error counter\n"
"  reset                      reset the core (the model becomes invalid)\n"
"  load X.q2                  refuse a model that does not fit; send it in chunks; read the CRC-32\n"
"                             back: ends with 'verify OK' or exits 3\n"
"      --corrupt-byte OFF     (test aid) flip byte OFF of what is sent: the device must reject it\n"
"  verify [X.q2]              the device's CRC-32 read-back (compared with X.q2 if given)\n"
"  infer --images F --labels F [--limit N] [--start K] [--model X.q2] [--check] [--raw|--rle]\n"
"                             classify; per-image progress on stderr; summary on stdout:\n"
"                             images=<n> accuracy=<%> images_per_s=<x> line_utilization=<x>\n"
"                             --check: also run q2_qmodel_forward_ref (needs --model) and count\n"
"                             disagreements (exit 3 if any); uploads are zero-run-length coded\n"
"                             (INFER_RLE) when INFO's FEATURES bit 0 says the device takes them:\n"
"                             --raw sends plain INFER frames, --rle fails if the device cannot\n"
"  raw [--hex \"A5 01 ..\"] [--garbage N [--seed S]] [--truncated] [--bad-crc] [--unknown]\n"
"      [--oversize] [--infer NPIX] [--expect STATUS] [--wait S]\n"
"                             send bytes / malformed frames, print the responses (robustness tests)\n"
"\n"
"exit codes: 0 ok, 1 usage/file, 2 device/USB/timeout, 3 verify or result mismatch, 4 internal\n",
        f);
}


/* 0 parsed, 1 --help asked for, < 0 a bad argument (message printed). */
static int parse_cli(int argc, char **argv, cli *c)
{
    memset(c, 0, sizeof *c);
    c->device = getenv("Q2MLP_DEVICE");
    c->h = (q2_host_opts){ .timeout_s = 2.0, .retries = 3, .baud = 0, .latency_ms = 1 };
    c->corrupt_byte = -1;
    c->limit = -1;
    c->seed = 1;
    c->wait_s = -1;
    const struct { const char *name; bool *dst; } flags[] = {
        { "--verbose", &c->h.verbose }, { "--check", &c->check }, { "--rle", &c->rle }, { "--raw", &c->raw },
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
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return 1;
        bool found = false;
        for (size_t k = 0; !found && k < sizeof flags / sizeof flags[0]; k++)
            if (!strcmp(a, flags[k].name)) { *flags[k].dst = true; found = true; }
        for (size_t k = 0; !found && k < sizeof opts / sizeof opts[0]; k++) {
            if (strcmp(a, opts[k].name)) continue;
            if (i + 1 >= argc) return Q2_OPT_UNKNOWN(a);
            *opts[k].dst = argv[++i];
            found = true;
        }
        if (found) continue;
        if (a[0] == '-' && a[1]) return Q2_OPT_UNKNOWN(a);
        if (!c->cmd) c->cmd = a;
        else if (c->npos < 4) c->pos[c->npos++] = a;
        else { Q2_ERR("arguments failed: too many"); return -1; }
    }
    int rc = 0;
    if (!rc && baud && strcmp(baud, "auto")) rc = q2_parse_int("--baud", baud, 300, 12000000, &c->h.baud);
    if (!rc && latency) rc = q2_parse_int("--latency", latency, 1, 255, &c->h.latency_ms);
    if (!rc && timeout) rc = q2_parse_double("--timeout", timeout, 0.01, 3600, &c->h.timeout_s);
    if (!rc && retries) rc = q2_parse_int("--retries", retries, 0, 100, &c->h.retries);
    if (!rc && corrupt) rc = q2_parse_long("--corrupt-byte", corrupt, 0, 1000000000, &c->corrupt_byte);
    if (!rc && limit) rc = q2_parse_long("--limit", limit, 0, 1000000000, &c->limit);
    if (!rc && start) rc = q2_parse_long("--start", start, 0, 1000000000, &c->start);
    if (!rc && garbage) rc = q2_parse_long("--garbage", garbage, 0, 4096, &c->garbage);
    if (!rc && seed) rc = q2_parse_long("--seed", seed, 0, LONG_MAX, &c->seed);
    if (!rc && wait) rc = q2_parse_double("--wait", wait, 0, 3600, &c->wait_s);
    if (!rc && infer_px) rc = q2_parse_long("--infer", infer_px, 1, 4096, &c->infer_px);
    if (rc) return rc;
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

/* The transport's USB identity (ftdi only), after the device's lines: free text (a description
 * has spaces) stands alone on its line, the value running to the end of it. */
static void print_usb_id(const q2_usb_id *u)
{
    if (!u->vid) return;
    printf("usb_vid=%04x usb_pid=%04x\n", (unsigned)u->vid, (unsigned)u->pid);
    printf("usb_serial=%s\n", u->serial);
    printf("usb_manufacturer=%s\n", u->manufacturer);
    printf("usb_description=%s\n", u->description);
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
    print_usb_id(&h->t->usb);
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
    if ((rc = q2_host_check_fit(&h->info, &q, path))) goto out;
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
/* Images per second with the transfer of the next image and the response of the last one
 * overlapped with the current inference (the response buffer): the slowest of the line down
 * (request frames), the line up (responses) and the device's executor (feed the pixels, compute,
 * hand the response to the buffer). */
#define FEED_CYCLES_PER_PIXEL 3.7   /* measured, make bench-host: (19,050 - 16,149) / 784 */
#define RESPONSE_COPY_CYCLES  170.0 /* 60 bytes at 2 cycles + 3 per word fetched */
static double projected_rate(double baud, double clock_hz, double down_per_img, double up_per_img,
                             double npix, double cycles)
{
    double t_line = 10.0 * down_per_img / baud, t_up = 10.0 * up_per_img / baud;
    double t_exec = (FEED_CYCLES_PER_PIXEL * npix + cycles + RESPONSE_COPY_CYCLES) / clock_hz;
    double t = t_line > t_exec ? t_line : t_exec;
    return 1.0 / (t > t_up ? t : t_up);
}

typedef struct {
    const cli *c;
    q2_dataset ds;
    q2_qmodel q;            /* --model, else zeroed */
    long start, n;
    int npix;
    long correct, disagree;
    double cycles_sum;
    bool rle;               /* INFER_RLE frames: the default when the device supports them */
} infer_run;

/* The checks before the first image: files, range, the device's features, frame size and model. */
static int infer_open(q2_host *h, infer_run *R)
{
    const cli *c = R->c;
    if (!c->images || !c->labels) {
        Q2_ERR("infer failed: need --images F and --labels F");
        return Q2_EARG;
    }
    if (c->check && !c->model) {
        Q2_ERR("infer --check failed: needs --model X.q2 (the model the device holds)");
        return Q2_EARG;
    }
    int rc = q2_dataset_load(&R->ds, c->images, c->labels);
    if (rc) return rc;
    if (c->model && (rc = q2_qmodel_load(&R->q, c->model))) return rc;
    R->npix = R->ds.rows * R->ds.cols;
    R->start = c->start;
    R->n = R->ds.n - R->start;
    if (R->start < 0 || R->start >= R->ds.n) {
        Q2_ERR("infer failed: --start %ld outside 0..%d", R->start, R->ds.n - 1);
        return Q2_EARG;
    }
    if (c->limit >= 0 && c->limit < R->n) R->n = c->limit;
    if (c->model && R->q.layers[0].n_in != R->npix) {
        Q2_ERR("infer failed: %s takes %d inputs, the images have %d pixels", c->model, R->q.layers[0].n_in,
               R->npix);
        return Q2_EARG;
    }
    if ((rc = q2_host_info(h, NULL))) return rc;
    if (c->rle && c->raw) {
        Q2_ERR("infer failed: --rle and --raw exclude each other");
        return Q2_EARG;
    }
    bool dev_rle = (h->info.features & Q2P_FEATURE_INFER_RLE) != 0;
    if (c->rle && !dev_rle) {
        Q2_ERR("infer --rle failed: the device does not support INFER_RLE");
        return Q2_EARG;
    }
    R->rle = dev_rle && !c->raw;   /* compressed upload whenever the device takes it */
    if (R->npix > h->info.max_payload) {
        Q2_ERR("infer failed: %d pixels per image, the device takes at most %d per frame", R->npix,
               h->info.max_payload);
        return Q2_EARG;
    }
    return 0;
}

/* The device must hold a valid model, and with --model that very one. */
static int infer_check_model(q2_host *h, const infer_run *R)
{
    uint32_t dcrc, dbytes;
    bool dvalid;
    int rc = q2_host_verify(h, &dcrc, &dbytes, &dvalid);
    if (rc) return rc;
    if (!dvalid) {
        Q2_ERR("infer failed: the device has no valid model (run q2mlp-host load X.q2 first)");
        return Q2_EDEVICE;
    }
    if (R->c->model && (dcrc != R->q.crc || dbytes != R->q.image_len)) {
        Q2_ERR("infer failed: the device holds another model (CRC-32 0x%08x, %u bytes) than %s "
               "(0x%08x, %zu bytes)", (unsigned)dcrc, (unsigned)dbytes, R->c->model, (unsigned)R->q.crc,
               R->q.image_len);
        return Q2_EVERIFY;
    }
    return 0;
}

/* q2_infer_fn: count, check against the C model (--check), show progress. */
static int infer_one(void *ctx, long idx, const q2_infer_result *r)
{
    infer_run *R = ctx;
    const q2_qmodel *q = &R->q;
    int label = R->ds.labels[idx];
    R->correct += (r->cls == label);
    R->cycles_sum += r->cycles;
    bool ok = true;
    if (R->c->check) {
        int32_t ref[256];
        int want = q2_qmodel_forward_ref(q, R->ds.images + (size_t)idx * (size_t)R->npix, ref, NULL);
        int nc = q->layers[q->n_layers - 1].n_out;
        ok = (want == r->cls) && (nc == r->n_classes);
        for (int k = 0; ok && k < nc; k++) ok = (ref[k] == r->logits[k]);
        if (!ok && ++R->disagree <= 5) {
            fprintf(stderr, "infer: image %ld: device class %d, C model class %d; logits device/model:",
                    idx, r->cls, want);
            for (int k = 0; k < nc && k < r->n_classes; k++)
                fprintf(stderr, " %d/%d", (int)r->logits[k], (int)ref[k]);
            fputc('\n', stderr);
        }
    }
    long done = idx - R->start + 1, n = R->n;
    if (q2_progress_is_tty() || n <= 100 || done % (n / 50 + 1) == 0 || done == n || !ok)
        q2_progress("infer: image %ld (%ld/%ld): label %d class %d cycles %u%s%s", idx, done, n, label,
                    r->cls, (unsigned)r->cycles, R->c->check ? (ok ? " check ok" : " CHECK MISMATCH") : "",
                    r->cls == label ? "" : " (wrong)");
    return 0;
}

/* The key=value lines of docs/host.md ("infer"). */
static void infer_report(const q2_host *h, const infer_run *R, const q2_stream_stats *st, double dev_s)
{
    long n = R->n;
    double wall = st->wall_s, elapsed = dev_s > 0 ? dev_s : wall;
    double baud = h->o.baud > 0 ? h->o.baud : 1;   /* INFO guarantees >= 300 baud; never divide by 0 */
    if (elapsed <= 0) elapsed = 1e-9;
    printf("images=%ld accuracy=%.2f images_per_s=%.1f line_utilization=%.3f\n", n,
           n ? 100.0 * (double)R->correct / (double)n : 0.0, n / elapsed,
           10.0 * (double)st->bytes_down / (elapsed * baud));
    double dpi = (double)st->bytes_down / n, upi = (double)st->bytes_up / n, cyc = R->cycles_sum / n;
    double feed = R->npix;
    printf("timing: time_base=%s device_s=%.6f wall_s=%.3f baud=%.0f clock_hz=%u bytes_down=%llu bytes_up=%llu "
           "down_per_image=%.1f up_per_image=%.1f cycles_per_image=%.0f up_utilization=%.3f window=%d "
           "rle=%d retries=%u\n", dev_s > 0 && dev_s != wall ? "device" : "wall", dev_s, wall, baud,
           (unsigned)h->info.clock_hz, (unsigned long long)st->bytes_down, (unsigned long long)st->bytes_up,
           dpi, upi, cyc, 10.0 * (double)st->bytes_up / (elapsed * baud), st->window, R->rle, st->retries);
    printf("projection: images_per_s_3M_12MHz=%.1f images_per_s_3M_48MHz=%.1f images_per_s_12M_48MHz=%.1f\n",
           projected_rate(3e6, 12e6, dpi, upi, feed, cyc), projected_rate(3e6, 48e6, dpi, upi, feed, cyc),
           projected_rate(12e6, 48e6, dpi, upi, feed, cyc));
    if (R->c->check)
        printf("check: disagreements=%ld of %ld (device vs q2_qmodel_forward_ref, class and every logit)\n",
               R->disagree, n);
}

static int cmd_infer(q2_host *h, const cli *c)
{
    infer_run R = { .c = c };
    q2_dev_status s0, s1;
    int rc = infer_open(h, &R);
    if (!rc) rc = infer_check_model(h, &R);
    if (!rc) rc = q2_host_status(h, &s0);
    if (rc) goto out;
    const q2_qmodel *q = &R.q;
    q2_infer_job job = {
        .px = R.ds.images + (size_t)R.start * (size_t)R.npix, .npix = (size_t)R.npix, .n = R.n,
        .first = R.start, .rle = R.rle, .n_classes = c->model ? q->layers[q->n_layers - 1].n_out : 0,
        .model_name = c->model, .fn = infer_one, .ctx = &R,
    };
    q2_stream_stats st;
    rc = q2_host_infer_stream(h, &job, &st);
    if (rc) goto out;
    q2_progress_done();
    if ((rc = q2_host_status(h, &s1))) goto out;
    double dev_s = h->info.clock_hz ? q2_host_device_seconds(&h->info, s0.uptime_cycles, s1.uptime_cycles,
                                                             st.wall_s) : 0;
    infer_report(h, &R, &st, dev_s);
    if (c->check && R.disagree) rc = Q2_EVERIFY;
out:
    q2_qmodel_free(&R.q);
    q2_dataset_free(&R.ds);
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
    int pr = parse_cli(argc, argv, &c);
    if (pr == 1) {
        usage(stdout);
        return q2_close_stdout("q2mlp-host", Q2_EXIT_OK);
    }
    if (pr) {
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
