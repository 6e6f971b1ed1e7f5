/* util.c — shared conventions: errors, files, CRC32, RNG, time, progress. See util.h. */
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

/* ---- files: reading ------------------------------------------------------------------------- */
#define READ_CHUNK ((size_t)64 * 1024) /* first buffer for a stream; doubled as it fills */

/* Read f to its end into a buffer of first size cap, growing it; more than max_len bytes
 * (0: no bound) is an error. Never seeks, so pipes and terminals work. */
static int read_stream(FILE *f, const char *path, size_t cap, size_t max_len, uint8_t **buf,
                       size_t *len)
{
    uint8_t *b = NULL;
    size_t n = 0;
    if (max_len && cap > max_len + 1) cap = max_len + 1; /* one byte more shows an overflow */
    for (;;) {
        if (!b || n == cap) {
            size_t want = b ? 2 * cap : cap;
            if (max_len && want > max_len + 1) want = max_len + 1;
            uint8_t *p = realloc(b, want);
            if (!p) {
                Q2_ERR("read %s failed: out of memory for %zu bytes", path, want);
                free(b);
                return Q2_ENOMEM;
            }
            b = p;
            cap = want;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (max_len && n > max_len) {
            Q2_ERR("read %s failed: more than %zu bytes, at most %zu expected", path, max_len, max_len);
            free(b);
            return Q2_EFORMAT;
        }
        if (n < cap) {
            if (ferror(f)) {
                Q2_ERR("read %s failed: %s", path, strerror(errno));
                free(b);
                return Q2_EIO;
            }
            if (feof(f)) break;
        }
    }
    *buf = b;
    *len = n;
    return Q2_OK;
}

int q2_read_file(const char *path, uint8_t **buf, size_t *len, size_t max_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        Q2_ERR("open %s failed: %s", path, strerror(errno));
        return Q2_EIO;
    }
    int rc = Q2_EIO;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        Q2_ERR("stat %s failed: %s", path, strerror(errno));
        goto out_close;
    }
    if (S_ISDIR(st.st_mode)) {
        Q2_ERR("read %s failed: %s: is a directory, need a file", path, path);
        goto out_close;
    }
    bool regular = S_ISREG(st.st_mode);
    if (regular && max_len && (uintmax_t)st.st_size > max_len) {
        Q2_ERR("read %s failed: file is %jd bytes, at most %zu expected", path, (intmax_t)st.st_size,
               max_len);
        rc = Q2_EFORMAT;
        goto out_close;
    }
    /* a regular file is read in one go (its size plus one byte to see the end); a stream grows */
    rc = read_stream(f, path, regular ? (size_t)st.st_size + 1 : READ_CHUNK, max_len, buf, len);
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

/* ---- files: writing all or nothing ------------------------------------------------------------ */
#define MAX_LINK_HOPS 40

/* "-", /dev/... and /proc/...: written in place, never created or renamed over. /dev/shm/ is an
 * ordinary file system (tmpfs): files there are written like anywhere else. */
static bool in_place_path(const char *path)
{
    if (!strncmp(path, "/dev/shm/", 9)) return false;
    return !strcmp(path, "-") || !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
}

/* The descriptor a path names by itself ("-", /dev/stdout, /dev/fd/N, /proc/self/fd/N), or -1.
 * Writing through it (not a fresh open) keeps the shell's file offset, as stdout's own writes do. */
static int fd_of_path(const char *path)
{
    if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout")) return STDOUT_FILENO;
    if (!strcmp(path, "/dev/stderr")) return STDERR_FILENO;
    const char *p = !strncmp(path, "/dev/fd/", 8) ? path + 8
                    : !strncmp(path, "/proc/self/fd/", 14) ? path + 14 : NULL;
    if (!p || !*p) return -1;
    char *end;
    long fd = strtol(p, &end, 10);
    return *end || fd < 0 || fd > 1 << 20 ? -1 : (int)fd;
}

/* Follow symlinks from path to the file they finally name, which need not exist yet. */
static int resolve_links(const char *path, char *out, size_t n)
{
    char link[4096];
    if (strlen(path) >= n) goto too_long;
    strcpy(out, path);
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(out, &st) != 0 || !S_ISLNK(st.st_mode)) return Q2_OK; /* missing, or the file */
        if (hops == MAX_LINK_HOPS) {
            Q2_ERR("write %s failed: more than %d levels of symbolic links", path, MAX_LINK_HOPS);
            return Q2_EIO;
        }
        ssize_t k = readlink(out, link, sizeof link - 1);
        if (k < 0) {
            Q2_ERR("readlink %s failed: %s", out, strerror(errno));
            return Q2_EIO;
        }
        link[k] = '\0';
        char *slash = strrchr(out, '/');
        size_t dir = link[0] == '/' || !slash ? 0 : (size_t)(slash + 1 - out); /* relative: beside the link */
        if (dir + (size_t)k >= n) goto too_long;
        memcpy(out + dir, link, (size_t)k + 1);
    }
too_long:
    Q2_ERR("write %s failed: path too long", path);
    return Q2_EARG;
}

void q2_outs_init(q2_outs *o) { memset(o, 0, sizeof *o); }

/* A new entry for path: its final target and, unless it is written in place, its temp name. */
static int outs_entry(q2_outs *o, const char *path, bool in_place_ok, struct q2_out **ep)
{
    char target[4096], tmp[4200];
    struct stat st;
    int rc;
    if (o->n == Q2_OUTS_MAX) {
        Q2_ERR("write %s failed: more than %d outputs in one command", path, Q2_OUTS_MAX);
        return Q2_EARG;
    }
    bool in_place = in_place_path(path);
    if (!in_place && (rc = resolve_links(path, target, sizeof target))) return rc;
    if (in_place) snprintf(target, sizeof target, "%s", path);
    if (!in_place && stat(target, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            Q2_ERR("write %s failed: %s: is a directory, need a file name", path, target);
            return Q2_EARG;
        }
        in_place = !S_ISREG(st.st_mode); /* a FIFO, a device, a socket: never replaced */
    }
    if (in_place && !in_place_ok) {
        Q2_ERR("write %s failed: need a regular file here", path);
        return Q2_EARG;
    }
    for (int k = 0; k < o->n; k++)
        if (!strcmp(o->f[k].target, target)) {
            Q2_ERR("write %s failed: %s is already an output of this command", path, target);
            return Q2_EARG;
        }
    if (!in_place && snprintf(tmp, sizeof tmp, "%s.tmp.%ld", target, (long)getpid()) >= (int)sizeof tmp) {
        Q2_ERR("write %s failed: path too long", path);
        return Q2_EARG;
    }
    if (!in_place && (rc = q2_mkdir_parents(target))) return rc;
    struct q2_out *e = &o->f[o->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    e->target = strdup(target);
    e->tmp = in_place ? NULL : strdup(tmp);
    if (!e->path || !e->target || (!in_place && !e->tmp)) {
        free(e->path);
        free(e->target);
        free(e->tmp);
        Q2_ERR("write %s failed: out of memory", path);
        return Q2_ENOMEM;
    }
    o->n++;
    *ep = e;
    return Q2_OK;
}

/* write(2) all n bytes; 0 or an errno value. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return k < 0 ? errno : EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int q2_outs_add(q2_outs *o, const char *path, const void *buf, size_t len)
{
    struct q2_out *e;
    int rc = outs_entry(o, path, true, &e);
    if (rc) return rc;
    if (!e->tmp) { /* in place: keep a copy for q2_outs_commit */
        e->data = malloc(len ? len : 1);
        if (!e->data) {
            Q2_ERR("write %s failed: out of memory for %zu bytes", path, len);
            return Q2_ENOMEM;
        }
        if (len) memcpy(e->data, buf, len);
        e->len = len;
        return Q2_OK;
    }
    unlink(e->tmp); /* a stale temp file of a crashed run with our pid (or a planted link) */
    int fd = open(e->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        Q2_ERR("create %s failed: %s", e->tmp, strerror(errno));
        free(e->tmp);
        e->tmp = NULL; /* nothing to remove; the entry stays inert (no temp, no data) */
        return Q2_EIO;
    }
    int err = write_all(fd, buf, len);
    if (close(fd) != 0 && !err) err = errno;
    if (err) {
        Q2_ERR("write %s failed: %s", e->tmp, strerror(err));
        return Q2_EIO; /* q2_outs_free removes it */
    }
    return Q2_OK;
}

int q2_outs_reserve(q2_outs *o, const char *path, const char **tmp)
{
    struct q2_out *e;
    int rc = outs_entry(o, path, false, &e);
    if (rc) return rc;
    e->external = true;
    unlink(e->tmp);
    *tmp = e->tmp;
    return Q2_OK;
}

const char *q2_outs_tmp(const q2_outs *o, const char *path)
{
    for (int k = 0; k < o->n; k++)
        if (!strcmp(o->f[k].path, path)) return o->f[k].tmp;
    return NULL;
}

/* An in-place output: the descriptor the path names, or the path opened without creating it. */
static int write_in_place(const struct q2_out *e)
{
    int fd = fd_of_path(e->target), own = fd < 0;
    if (fd == STDOUT_FILENO) fflush(stdout);
    if (own && (fd = open(e->target, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0) {
        Q2_ERR("open %s failed: %s", e->path, strerror(errno));
        return Q2_EIO;
    }
    int err = write_all(fd, e->data, e->len);
    if (own && close(fd) != 0 && !err) err = errno;
    if (err) {
        Q2_ERR("write %s failed: %s", e->path, strerror(err));
        return Q2_EIO;
    }
    return Q2_OK;
}

int q2_outs_commit(q2_outs *o)
{
    int rc = Q2_OK;
    for (int k = 0; k < o->n && !rc; k++) /* in-place writes first: they are the ones that fail */
        if (!o->f[k].tmp && o->f[k].data) rc = write_in_place(&o->f[k]);
    for (int k = 0; k < o->n && !rc; k++) {
        struct q2_out *e = &o->f[k];
        if (!e->tmp || (e->external && access(e->tmp, F_OK) != 0)) continue;
        if (rename(e->tmp, e->target) != 0) {
            Q2_ERR("rename %s -> %s failed: %s", e->tmp, e->target, strerror(errno));
            rc = Q2_EIO;
            break;
        }
        free(e->tmp);
        e->tmp = NULL;
    }
    q2_outs_free(o);
    return rc;
}

void q2_outs_free(q2_outs *o)
{
    for (int k = 0; k < o->n; k++) {
        struct q2_out *e = &o->f[k];
        if (e->tmp) unlink(e->tmp);
        free(e->path);
        free(e->target);
        free(e->tmp);
        free(e->data);
    }
    memset(o, 0, sizeof *o);
}

int q2_write_file_atomic(const char *path, const void *buf, size_t len)
{
    q2_outs o;
    q2_outs_init(&o);
    int rc = q2_outs_add(&o, path, buf, len);
    if (!rc) rc = q2_outs_commit(&o);
    q2_outs_free(&o);
    return rc;
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

int q2_parse_int(const char *opt, const char *s, long lo, long hi, int *out)
{
    long v;
    int rc = q2_parse_long(opt, s, lo, hi, &v);
    if (rc == Q2_OK) *out = (int)v;
    return rc;
}

int q2_parse_float(const char *opt, const char *s, double lo, double hi, float *out)
{
    double v;
    int rc = q2_parse_double(opt, s, lo, hi, &v);
    if (rc == Q2_OK) *out = (float)v;
    return rc;
}

int q2_opt_unknown(const char *func, const char *arg)
{
    q2_err(func, "parse arguments failed: unknown option or missing value: '%s'", arg);
    return Q2_EARG;
}

bool q2_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool q2_file_has_magic(const char *path, uint32_t magic)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    uint8_t b[4];
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(b, 1, 4, f) : 0;
    if (f) fclose(f);
    return got == 4 && q2_rd32(b) == magic;
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
