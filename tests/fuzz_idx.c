/* fuzz_idx.c — libFuzzer target for the MNIST IDX reader (q2_dataset_load, sw/base/idx.c), which takes
 * an image file and a label file by path. docs/fuzzing.md has how to run it.
 *
 * Input: one mode byte, a u16 (little-endian) length k, then k bytes of the image file and the
 * rest as the label file (a short input: what is there goes to the image file). Mode bit 0 set:
 * the count fields are rewritten to fit the file lengths (image count = (k - 16) / (rows * cols),
 * label count = rest - 8) before loading, so mutations of the dimensions reach the checks behind
 * the length check and files get accepted.
 * Findings are crashes, sanitizer reports and these invariants (abort()): an accepted pair has
 * exactly the header's dimensions, the file lengths are header + data, the pixels and labels are
 * the files' bytes, and q2_dataset_slice() stays inside the dataset for any start and count.
 *
 * Built with -DFUZZ_MAKE_SEEDS (and no -fsanitize=fuzzer) it writes a few valid inputs to the
 * directory argv[1] (the committed seeds in tests/corpus/idx/ were made so). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "base/idx.h"
#include "base/util.h"

__attribute__((unused)) static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

__attribute__((unused)) static void fail(const char *what)
{
    fprintf(stderr, "fuzz_idx: %s\n", what);
    abort();
}

/* Every slice is inside d: touch its first and last pixel and label (ASan checks the bounds). */
__attribute__((unused)) static void check_slice(const q2_dataset *d, int start, int count)
{
    q2_dataset s = q2_dataset_slice(d, start, count);
    if (s.n < 0 || s.n > d->n || s.rows != d->rows || s.cols != d->cols) fail("slice has a bad shape");
    if (!s.n) return;
    size_t px = (size_t)d->rows * (size_t)d->cols, off = (size_t)(s.labels - d->labels);
    if (s.labels < d->labels || off + (size_t)s.n > (size_t)d->n || s.images != d->images + off * px)
        fail("slice points outside the dataset");
    volatile uint8_t t = s.images[0];
    t = s.images[(size_t)s.n * px - 1];
    t = s.labels[0];
    t = s.labels[s.n - 1];
    (void)t;
}

#ifndef FUZZ_MAKE_SEEDS
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    uint8_t mode = data[0];
    size_t k = q2_rd16(data + 1), rest = size - 3;
    if (k > rest) k = rest;
    size_t nl = rest - k;
    uint8_t *img = malloc(k ? k : 1), *lab = malloc(nl ? nl : 1);
    memcpy(img, data + 3, k);
    memcpy(lab, data + 3 + k, nl);
    if (mode & 1) {
        if (k >= 16) {
            uint64_t px = (uint64_t)be32(img + 8) * be32(img + 12);
            if (px) put_be32(img + 4, (uint32_t)((k - 16) / px));
        }
        if (nl >= 8) put_be32(lab + 4, (uint32_t)(nl - 8));
    }
    q2_dataset d;
    if (q2_dataset_load(&d, fuzz_file(0, img, k), fuzz_file(1, lab, nl)) == Q2_OK) {
        size_t px = (size_t)d.rows * (size_t)d.cols;
        if (d.n < 1 || d.rows < 1 || d.cols < 1 || (uint32_t)d.n != be32(img + 4) ||
            (uint32_t)d.rows != be32(img + 8) || (uint32_t)d.cols != be32(img + 12) ||
            (uint32_t)d.n != be32(lab + 4))
            fail("accepted dataset does not have the header's dimensions");
        if (k != 16 + (size_t)d.n * px || nl != 8 + (size_t)d.n)
            fail("accepted files are not exactly header + data");
        if (memcmp(d.images, img + 16, (size_t)d.n * px) || memcmp(d.labels, lab + 8, (size_t)d.n))
            fail("loaded bytes differ from the files' bytes");
        const int probes[][2] = {{0, d.n}, {-1, 1}, {d.n - 1, INT_MAX}, {d.n, 1}, {INT_MIN, INT_MAX},
                                 {1, -5}, {d.n / 2, d.n}, {INT_MAX, INT_MAX}};
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
            check_slice(&d, probes[i][0], probes[i][1]);
        q2_dataset_free(&d);
    }
    free(img);
    free(lab);
    return 0;
}
#else
/* ---- seed corpus ------------------------------------------------------------------------------------- */
static int write_seed(const char *dir, const char *name, int n, int rows, int cols, uint8_t mode)
{
    size_t px = (size_t)rows * (size_t)cols, k = 16 + (size_t)n * px, nl = 8 + (size_t)n;
    uint8_t *b = calloc(3 + k + nl, 1);
    b[0] = mode;
    q2_wr16(b + 1, (uint16_t)k);
    uint8_t *img = b + 3, *lab = img + k;
    put_be32(img, 0x803);
    put_be32(img + 4, (uint32_t)n);
    put_be32(img + 8, (uint32_t)rows);
    put_be32(img + 12, (uint32_t)cols);
    for (size_t i = 0; i < (size_t)n * px; i++) img[16 + i] = (uint8_t)(i * 29 + 3);
    put_be32(lab, 0x801);
    put_be32(lab + 4, (uint32_t)n);
    for (int i = 0; i < n; i++) lab[8 + i] = (uint8_t)(i % 10);
    int rc = fuzz_seed(dir, name, -1, b, 3 + k + nl); /* b starts with the mode byte */
    free(b);
    return rc;
}

int main(int argc, char **argv)
{
    const char *dir = fuzz_seed_dir(argc, argv);
    if (!dir) return Q2_EXIT_USAGE;
    if (write_seed(dir, "seed-1x28x28", 1, 28, 28, 0) || write_seed(dir, "seed-3x2x5", 3, 2, 5, 0) ||
        write_seed(dir, "seed-7x1x1-fix", 7, 1, 1, 1) || write_seed(dir, "seed-2x4x3-fix", 2, 4, 3, 1))
        return Q2_EXIT_INTERNAL;
    printf("fuzz_idx seeds: 4 inputs in %s\n", dir);
    return 0;
}
#endif
