/* util.h — the conventions every sw/ file shares: errors, files, CRC, RNG, time.
 *
 * Error convention (docs/style.md): library functions return 0 (or a count) on
 * success and a negative Q2_E* code on failure, after printing one line to
 * stderr as "<func>: <what> failed: <detail>". Only main() exits, with the
 * process exit codes below (also in README.md "Exit codes").
 */
#ifndef Q2_UTIL_H
#define Q2_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>

/* ---- limits shared by the file formats ------------------------------------------------------ */
#define Q2_MAX_LAYERS 8 /* weight layers of an .mlp model and of a .q2 image */

/* ---- error codes (library) ------------------------------------------------------------------ */
enum {
    Q2_OK      = 0,
    Q2_EIO     = -1, /* open/read/write/rename failed */
    Q2_EFORMAT = -2, /* file or wire data is malformed (magic, size, CRC, ...) */
    Q2_EARG    = -3, /* bad argument / option value */
    Q2_ENOMEM  = -4,
    Q2_EDEVICE = -5, /* USB / serial / socket / timeout */
    Q2_EVERIFY = -6, /* read-back or result mismatch */
};

/* ---- process exit codes (main only) --------------------------------------------------------- */
enum {
    Q2_EXIT_OK       = 0,
    Q2_EXIT_USAGE    = 1, /* usage error, unreadable or malformed input file */
    Q2_EXIT_DEVICE   = 2, /* device, USB, socket, timeout */
    Q2_EXIT_MISMATCH = 3, /* verify failure, bit-exact mismatch */
    Q2_EXIT_INTERNAL = 4, /* out of memory, internal error */
};
int q2_exit_code(int err); /* map a Q2_E* code to a Q2_EXIT_* code */

/* Print "<func>: <fmt...>\n" to stderr. Returns nothing; callers return their code. */
void q2_err(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define Q2_ERR(...) q2_err(__func__, __VA_ARGS__)

/* ---- files -------------------------------------------------------------------------------- */
/* Read a whole file into a malloc'd buffer (*buf, *len). max_len bounds the size (0: none).
 * Pipes and other streams are read without seeking (<(cmd), /dev/stdin); a directory, an
 * oversized file or a stream longer than max_len is refused with a message naming the path. */
int q2_read_file(const char *path, uint8_t **buf, size_t *len, size_t max_len);

/* Output files of one command, written all or nothing:
 * q2_outs_add() writes each one to "<target>.tmp.<pid>" beside its target, q2_outs_commit()
 * renames them all into place, and q2_outs_free() removes whatever was not committed. Where a
 * path goes:
 *   a new path or a regular file   temp file + rename (parent directories created);
 *   a symlink                      followed: its final target is written that way, the link stays;
 *   "-" (stdout), paths under /dev/ and /proc/, existing FIFOs and devices
 *                                  written in place at commit time (never created, never renamed
 *                                  over), before any rename, so a write error still leaves nothing;
 *   a directory                    refused.
 * Every write and close is checked (a full disk is an error, never a silent success). */
#define Q2_OUTS_MAX 16
typedef struct {
    int n;
    struct q2_out {
        char *path;   /* as given */
        char *target; /* the file finally written (links resolved) */
        char *tmp;    /* staged temp file (NULL: written in place at commit) */
        uint8_t *data; /* in-place outputs: a copy of the bytes, (len) */
        size_t len;
        bool external; /* tmp is written by another program (q2_outs_reserve); may not exist */
    } f[Q2_OUTS_MAX];
} q2_outs;
void q2_outs_init(q2_outs *o);
int  q2_outs_add(q2_outs *o, const char *path, const void *buf, size_t len);
/* A temp name (*tmp, owned by o) for path that another program writes (gnuplot's SVGs); it is
 * renamed into place at commit when it exists. Only for new paths and regular files. */
int  q2_outs_reserve(q2_outs *o, const char *path, const char **tmp);
/* The staged temp name of an added path (NULL when written in place or not added). */
const char *q2_outs_tmp(const q2_outs *o, const char *path);
int  q2_outs_commit(q2_outs *o);
void q2_outs_free(q2_outs *o); /* removes uncommitted temp files */
/* One file, all or nothing: q2_outs_add + q2_outs_commit. */
int q2_write_file_atomic(const char *path, const void *buf, size_t len);
/* mkdir -p for the directory part of path (no-op if none). */
int q2_mkdir_parents(const char *path);

/* The last thing main() does: flush stdout and check it for a write error (a full disk, a closed
 * pipe). Returns exit_code, or Q2_EXIT_USAGE after "<prog>: write to stdout failed: <why>" when
 * stdout failed and exit_code was 0. Inline, so that programs that link no sw/ library
 * (board-sim) can call it. */
static inline int q2_close_stdout(const char *prog, int exit_code)
{
    errno = 0;
    bool bad = fflush(stdout) != 0 || ferror(stdout);
    if (!bad) return exit_code;
    fprintf(stderr, "%s: write to stdout failed: %s\n", prog, errno ? strerror(errno) : "I/O error");
    return exit_code ? exit_code : Q2_EXIT_USAGE;
}

/* ---- command-line options (the subcommands of q2mlp) ----------------------------------------- */
/* Matches "--name value" and "--name=value" at argv[*i]; advances *i past what it consumed. */
bool q2_opt_val(int argc, char **argv, int *i, const char *name, const char **val);
/* Parse a whole string as an integer / number in [lo, hi]; Q2_EARG with a message naming opt. */
int  q2_parse_long(const char *opt, const char *s, long lo, long hi, long *out);
int  q2_parse_double(const char *opt, const char *s, double lo, double hi, double *out);
int  q2_parse_int(const char *opt, const char *s, long lo, long hi, int *out);        /* lo..hi fit an int */
int  q2_parse_float(const char *opt, const char *s, double lo, double hi, float *out);
/* The one message of every command line for an argument it does not take, in the Q2_ERR form:
 * "<func>: parse arguments failed: unknown option or missing value: '<arg>'"; returns Q2_EARG.
 * Q2_OPT_UNKNOWN(arg) names the calling function. */
int  q2_opt_unknown(const char *func, const char *arg);
#define Q2_OPT_UNKNOWN(arg) q2_opt_unknown(__func__, (arg))
bool q2_file_exists(const char *path);
/* A regular file whose first 4 bytes are magic (little-endian)? Never blocks on a pipe. */
bool q2_file_has_magic(const char *path, uint32_t magic);
const char *q2_mnist_dir(void); /* $MNIST_DIR, or "data/mnist" */

/* ---- CRC32 (IEEE 802.3, zlib's crc32(); the RTL computes the same) --------------------------- */
uint32_t q2_crc32(const void *buf, size_t len);
uint32_t q2_crc32_update(uint32_t crc, const void *buf, size_t len);

/* ---- little-endian access ------------------------------------------------------------------ */
static inline uint16_t q2_rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t q2_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void q2_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void q2_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* ---- deterministic RNG (xoshiro256**, seeded by splitmix64) --------------------------------- */
typedef struct { uint64_t s[4]; } q2_rng;
void     q2_rng_init(q2_rng *r, uint64_t seed);
uint64_t q2_rng_u64(q2_rng *r);
uint32_t q2_rng_below(q2_rng *r, uint32_t n); /* uniform in [0, n), n > 0 */
double   q2_rng_uniform(q2_rng *r);           /* uniform in [0, 1) */
double   q2_rng_normal(q2_rng *r);            /* standard normal */
double   q2_rng_laplace(q2_rng *r);           /* zero mean, unit variance Laplacian */

/* ---- time and progress --------------------------------------------------------------------- */
double q2_now(void); /* monotonic seconds */
/* Progress on stderr: redrawn in place on a TTY, one plain line per call otherwise
 * (callers throttle plain lines themselves via q2_progress_is_tty()). */
bool q2_progress_is_tty(void);
void q2_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void q2_progress_done(void); /* end the in-place line on a TTY */

#endif
