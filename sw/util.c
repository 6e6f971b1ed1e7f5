/* util.c — shared conventions: errors, files, CRC32, RNG, time, progress. See util.h. */
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* ---- errors ---------------------------------------------------------------------------------- */
int q2_exit_code(int err)
{
    switch (err) {
    case Q2_OK:      return Q2_EXIT_OK;
    case Q2_EIO:
    case Q2_EFORMAT:
    case Q2_EARG:    return Q2_EXIT_USAGE;
    case Q2_EDEVICE: return Q2_EXIT_DEVICE;
    case Q2_EVERIFY: return Q2_EXIT_MISMATCH;
    default:         return Q2_EXIT_INTERNAL;
    }
}

void q2_err(const char *func, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", func);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- files ----------------------------------------------------------------------------------- */
int q2_read_file(const char *path, uint8_t **buf, size_t *len, size_t max_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        Q2_ERR("open %s failed: %s", path, strerror(errno));
        return Q2_EIO;
    }
    int rc = Q2_EIO;
    uint8_t *b = NULL;
    if (fseek(f, 0, SEEK_END) != 0) goto out_close;
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        Q2_ERR("seek %s failed: %s", path, strerror(errno));
        goto out_close;
    }
    if (max_len && (size_t)n > max_len) {
        Q2_ERR("read %s failed: file is %ld bytes, at most %zu expected", path, n, max_len);
        rc = Q2_EFORMAT;
        goto out_close;
    }
    b = malloc((size_t)n ? (size_t)n : 1);
    if (!b) {
        Q2_ERR("read %s failed: out of memory for %ld bytes", path, n);
        rc = Q2_ENOMEM;
        goto out_close;
    }
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        Q2_ERR("read %s failed: %s", path, ferror(f) ? strerror(errno) : "short read");
        free(b);
        goto out_close;
    }
    *buf = b;
    *len = (size_t)n;
    rc = Q2_OK;
out_close:
    fclose(f);
    return rc;
}

int q2_mkdir_parents(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n >= sizeof tmp) {
        Q2_ERR("mkdir %s failed: path too long", path);
        return Q2_EARG;
    }
    memcpy(tmp, path, n + 1);
    char *slash = strrchr(tmp, '/');
    if (!slash) return Q2_OK;
    *slash = '\0';
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST) goto fail;
        *p = '/';
    }
    if (tmp[0] && mkdir(tmp, 0777) != 0 && errno != EEXIST) goto fail;
    return Q2_OK;
fail:
    Q2_ERR("mkdir %s failed: %s", tmp, strerror(errno));
    return Q2_EIO;
}

int q2_write_file_atomic(const char *path, const void *buf, size_t len)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        Q2_ERR("write %s failed: path too long", path);
        return Q2_EARG;
    }
    int rc = q2_mkdir_parents(path);
    if (rc) return rc;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        Q2_ERR("create %s failed: %s", tmp, strerror(errno));
        return Q2_EIO;
    }
    bool ok = fwrite(buf, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok) {
        Q2_ERR("write %s failed: %s", tmp, strerror(errno));
        goto out_unlink;
    }
    if (rename(tmp, path) != 0) {
        Q2_ERR("rename %s -> %s failed: %s", tmp, path, strerror(errno));
        goto out_unlink;
    }
    return Q2_OK;
out_unlink:
    unlink(tmp);
    return Q2_EIO;
}

/* ---- command-line options -------------------------------------------------------------------- */
bool q2_opt_val(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n)) return false;
    if (a[n] == '=') {
        *val = a + n + 1;
        return true;
    }
    if (a[n] || *i + 1 >= argc) return false;
    *val = argv[++*i];
    return true;
}

int q2_parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi) {
        Q2_ERR("parse %s failed: '%s', need an integer in %ld..%ld", opt, s, lo, hi);
        return Q2_EARG;
    }
    *out = v;
    return Q2_OK;
}

int q2_parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) {
        Q2_ERR("parse %s failed: '%s', need a number in [%g, %g]", opt, s, lo, hi);
        return Q2_EARG;
    }
    *out = v;
    return Q2_OK;
}

bool q2_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

const char *q2_mnist_dir(void)
{
    const char *d = getenv("MNIST_DIR");
    return d && *d ? d : "data/mnist";
}

/* ---- CRC32 ----------------------------------------------------------------------------------- */
uint32_t q2_crc32_update(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) { /* zlib takes uInt lengths */
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = (uint32_t)crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return crc;
}
uint32_t q2_crc32(const void *buf, size_t len) { return q2_crc32_update(0, buf, len); }

/* ---- RNG ------------------------------------------------------------------------------------- */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void q2_rng_init(q2_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}
uint64_t q2_rng_u64(q2_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}
uint32_t q2_rng_below(q2_rng *r, uint32_t n) { return (uint32_t)(((q2_rng_u64(r) >> 32) * n) >> 32); }
double q2_rng_uniform(q2_rng *r) { return (double)(q2_rng_u64(r) >> 11) * 0x1.0p-53; }
double q2_rng_normal(q2_rng *r)
{
    double u1 = 1.0 - q2_rng_uniform(r), u2 = q2_rng_uniform(r); /* u1 in (0, 1] */
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
double q2_rng_laplace(q2_rng *r)
{
    /* Laplace(0, b) with b = 1/sqrt(2) has unit variance: sign * b * Exp(1). */
    double e = -log(1.0 - q2_rng_uniform(r));
    double b = 0.70710678118654752440;
    return (q2_rng_u64(r) & 1) ? b * e : -b * e;
}

/* ---- time and progress ----------------------------------------------------------------------- */
double q2_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool q2_progress_is_tty(void) { return isatty(STDERR_FILENO) == 1; }

void q2_progress(const char *fmt, ...)
{
    bool tty = q2_progress_is_tty();
    va_list ap;
    if (tty) fputs("\r\033[K", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (!tty) fputc('\n', stderr);
    fflush(stderr);
}
void q2_progress_done(void)
{
    if (q2_progress_is_tty()) fputc('\n', stderr);
}
