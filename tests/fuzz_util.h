/* fuzz_util.h — what the fuzz targets share (docs/fuzzing.md):
 *   fuzz_payload()   an input that starts with a mode byte: the mode, and the rest in a buffer of
 *                    its own that the target may patch
 *   fuzz_fix_crc32() the fix-up of targets whose format ends in a CRC-32
 *   fuzz_file()      puts bytes into a scratch file and returns a path a path-taking reader can open
 *   fuzz_seed_dir(), fuzz_seed()   the seed writers (built with -DFUZZ_MAKE_SEEDS): their argument,
 *                    and one seed file written
 *
 * Each fuzz_file() slot is one file made with mkstemp() in $FUZZ_TMPDIR, else /dev/shm (a tmpfs: ten
 * times the executions per second of a disk), else $TMPDIR or /tmp, and unlinked at once; the
 * reader opens it again through /proc/self/fd/N, so nothing is left behind however the process
 * ends. Header-only (static functions): each target is one translation unit plus the library
 * sources, sw/base/util.c among them. */
#ifndef Q2_FUZZ_UTIL_H
#define Q2_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

/* ---- the input ---------------------------------------------------------------------------------- */
/* An input of size >= 1 is a mode byte (*mode), then n = size - 1 bytes, returned in a malloc'd
 * buffer (the caller frees) that the target may modify; NULL for an empty input. */
__attribute__((unused)) static uint8_t *fuzz_payload(const uint8_t *data, size_t size, uint8_t *mode, size_t *n)
{
    if (size < 1) return NULL;
    *mode = data[0];
    *n = size - 1;
    uint8_t *b = malloc(*n ? *n : 1);
    memcpy(b, data + 1, *n);
    return b;
}

/* Rewrite the CRC-32 in the last 4 bytes of b (when there are 4), so that mutations get past it. */
__attribute__((unused)) static void fuzz_fix_crc32(uint8_t *b, size_t n)
{
    if (n >= 4) q2_wr32(b + n - 4, q2_crc32(b, n - 4));
}

/* ---- scratch files -------------------------------------------------------------------------------- */

#define FUZZ_SLOTS 4

static int fuzz_slot_fd[FUZZ_SLOTS] = {-1, -1, -1, -1};
static char fuzz_slot_path[FUZZ_SLOTS][48];

/* Write n bytes as the whole content of scratch file `slot`; returns its path (aborts on an I/O
 * error: the harness cannot go on without its file). */
__attribute__((unused)) static const char *fuzz_file(int slot, const uint8_t *d, size_t n)
{
    if (fuzz_slot_fd[slot] < 0) {
        const char *dir = getenv("FUZZ_TMPDIR");
        if (!dir || !*dir) dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        char tmpl[4096];
        snprintf(tmpl, sizeof tmpl, "%s/q2fuzz-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(tmpl);
        if (fd < 0 || unlink(tmpl)) {
            perror("fuzz_file: mkstemp failed");
            abort();
        }
        fuzz_slot_fd[slot] = fd;
        snprintf(fuzz_slot_path[slot], sizeof fuzz_slot_path[slot], "/proc/self/fd/%d", fd);
    }
    int fd = fuzz_slot_fd[slot];
    if (ftruncate(fd, 0) || (n && pwrite(fd, d, n, 0) != (ssize_t)n)) {
        perror("fuzz_file: write failed");
        abort();
    }
    return fuzz_slot_path[slot];
}

#ifdef FUZZ_MAKE_SEEDS
/* ---- seed writers --------------------------------------------------------------------------------- */
/* The one argument of a seed writer, its corpus directory; NULL after the usage line. */
__attribute__((unused)) static const char *fuzz_seed_dir(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return NULL;
    }
    return argv[1];
}

/* Write the seed dir/name: the mode byte (none if mode < 0), then the n bytes at b. Returns 0 or a
 * Q2_E* code (q2_write_file_atomic's). */
__attribute__((unused)) static int fuzz_seed(const char *dir, const char *name, int mode, const void *b, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    uint8_t *buf = malloc(n + 1);
    if (!buf) return Q2_ENOMEM;
    size_t k = 0;
    if (mode >= 0) buf[k++] = (uint8_t)mode;
    if (n) memcpy(buf + k, b, n);
    int rc = q2_write_file_atomic(path, buf, k + n);
    free(buf);
    return rc;
}
#endif

#endif
