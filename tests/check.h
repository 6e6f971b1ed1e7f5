/* check.h — the harness of the C unit tests (tests/test_*.c), in one place:
 *
 *   CHECK(cond, fmt, ...)   one numbered check: "  7 ok    <what>" or "  7 FAIL  <what>", a failure
 *                           counted; cond is evaluated first, then the message's arguments
 *   return check_summary(); the last line "N checks, N failed: PASSED|FAILED"; 0, or 1 on a failure
 *   capture_begin() ... capture_end() / capture_end_line()
 *                           what the code in between printed to stderr (for the expected messages)
 *   check_tmpdir(), check_path(), check_tmpdir_remove(), check_write(), check_env()
 *                           a scratch directory removed at the end, fixture files, $BUILD / $MNIST_DIR
 *   check_random_dataset()  a small labelled data set of random images
 *
 * A file whose checks have always printed "  7 PASSED: <what>" / "  7 FAILED: <what>" defines
 * CHECK_WORDS_PASSED before including this header; the counting and the summary are the same.
 * Header-only (static functions): each test is one translation unit linked against the library.
 * A test that cannot set itself up (no scratch directory, an unwritable fixture) exits 2. */
#ifndef Q2_TESTS_CHECK_H
#define Q2_TESTS_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/idx.h"
#include "base/util.h"

/* ---- numbered checks -------------------------------------------------------------------------- */
static int n_checks, n_failed;

#ifdef CHECK_WORDS_PASSED
#define CHECK_MARK_OK   "PASSED: "
#define CHECK_MARK_FAIL "FAILED: "
#else
#define CHECK_MARK_OK   "ok    "
#define CHECK_MARK_FAIL "FAIL  "
#endif

/* Print check line n_checks + 1 for a verdict already taken; stdout is flushed, so that the line
 * stands before whatever the next call prints to stderr. */
__attribute__((format(printf, 2, 3), unused)) static void check_report(bool ok, const char *fmt, ...)
{
    va_list ap;
    n_checks++;
    if (!ok) n_failed++;
    printf("%3d %s", n_checks, ok ? CHECK_MARK_OK : CHECK_MARK_FAIL);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* A macro, not a function: the condition is evaluated before the message's arguments, which may
 * be values the condition computed (CHECK(f(&x) == 0, "x %g", x)). */
#define CHECK(cond, ...)                      \
    do {                                      \
        bool check_ok_ = (cond);              \
        check_report(check_ok_, __VA_ARGS__); \
    } while (0)

/* The last line of every test and main()'s exit status. */
__attribute__((unused)) static int check_summary(void)
{
    printf("%d checks, %d failed: %s\n", n_checks, n_failed, n_failed ? "FAILED" : "PASSED");
    return n_failed ? 1 : 0;
}

/* ---- stderr capture --------------------------------------------------------------------------- */
/* capture_begin() sends stderr to a temporary file; capture_end() puts it back and returns what
 * was written meanwhile (the first 4095 bytes, NUL-terminated, in a static buffer that the next
 * capture overwrites); capture_end_line() returns only its first line, without the newline. */
static char check_captured[4096];
static FILE *check_cap_file;
static int check_cap_saved = -1;

__attribute__((unused)) static void capture_begin(void)
{
    fflush(stderr);
    check_cap_file = tmpfile();
    check_cap_saved = dup(2);
    if (!check_cap_file || check_cap_saved < 0 || dup2(fileno(check_cap_file), 2) < 0) {
        perror("capture_begin: redirect stderr failed");
        exit(2);
    }
}

__attribute__((unused)) static const char *capture_end(void)
{
    fflush(stderr);
    dup2(check_cap_saved, 2);
    close(check_cap_saved);
    check_cap_saved = -1;
    rewind(check_cap_file);
    size_t n = fread(check_captured, 1, sizeof check_captured - 1, check_cap_file);
    check_captured[n] = '\0';
    fclose(check_cap_file);
    check_cap_file = NULL;
    return check_captured;
}

__attribute__((unused)) static const char *capture_end_line(void)
{
    char *s = (char *)capture_end(), *nl = strchr(s, '\n');
    if (nl) *nl = '\0';
    return s;
}

/* ---- scratch directory and fixture files ------------------------------------------------------ */
static char check_dir[256];

/* Make the scratch directory /tmp/<name>.XXXXXX (exit 2 if it cannot be made); returns its path. */
__attribute__((unused)) static const char *check_tmpdir(const char *name)
{
    snprintf(check_dir, sizeof check_dir, "/tmp/%s.XXXXXX", name);
    if (!mkdtemp(check_dir)) {
        perror("mkdtemp");
        exit(2);
    }
    return check_dir;
}

/* "<scratch dir>/<name>", in one of 4 rotating buffers: up to 4 may be used in one expression. */
__attribute__((unused)) static const char *check_path(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", check_dir, name);
    return p[k];
}

/* Remove the scratch directory and everything in it (a failure is said, not counted). */
__attribute__((unused)) static void check_tmpdir_remove(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", check_dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup of %s failed\n", check_dir);
}

/* Write n bytes as the whole file at path (exit 2 on an I/O error: the fixture is missing). */
__attribute__((unused)) static void check_write(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f)) {
        perror(path);
        exit(2);
    }
}

/* A big-endian 32-bit field (IDX headers). */
__attribute__((unused)) static void check_wr32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* n random images of rows x cols pixels in 0..255 into px (n rows cols bytes), then n random labels
 * in 0..classes-1 into lab, drawn in that order from seed; the returned data set views px and lab. */
__attribute__((unused)) static q2_dataset check_random_dataset(int n, int rows, int cols, int classes, uint64_t seed,
                                                               uint8_t *px, uint8_t *lab)
{
    q2_rng rng;
    q2_rng_init(&rng, seed);
    for (int i = 0; i < n * rows * cols; i++) px[i] = (uint8_t)q2_rng_below(&rng, 256);
    for (int i = 0; i < n; i++) lab[i] = (uint8_t)q2_rng_below(&rng, (uint32_t)classes);
    return (q2_dataset){.n = n, .rows = rows, .cols = cols, .images = px, .labels = lab};
}

/* $name, or dflt when it is unset or empty (BUILD, MNIST_DIR: what tests/run.sh exports). */
__attribute__((unused)) static const char *check_env(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

#endif
