/* fuzz_util.h — what the fuzz targets of the path-taking readers share (docs/fuzzing.md):
 * fuzz_file() puts bytes into a scratch file and returns a path the reader can open.
 *
 * Each slot is one file made with mkstemp() in $FUZZ_TMPDIR, else /dev/shm (a tmpfs: ten times the
 * executions per second of a disk), else $TMPDIR or /tmp, and unlinked at once; the reader
 * opens it again through /proc/self/fd/N, so nothing is left behind however the process ends.
 * Header-only (static functions): each target is one translation unit plus the library sources. */
#ifndef Q2_FUZZ_UTIL_H
#define Q2_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

#endif
