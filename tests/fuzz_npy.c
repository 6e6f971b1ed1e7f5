/* fuzz_npy.c — libFuzzer target for the .npy reader (sw/base/npy.c). docs/fuzzing.md has how to run it.
 * Findings are crashes, sanitizer reports and this invariant (abort()): an accepted array written
 * back as float32 by q2_npy_encode parses again to the same shape and the same bits.
 *
 * Built with -DFUZZ_MAKE_SEEDS (and no -fsanitize=fuzzer) it writes a seed corpus of valid files
 * (float32/float64, 0 to 3 dimensions, big-endian, format 2.0) to the directory argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "base/npy.h"
#include "base/util.h"

#ifndef FUZZ_MAKE_SEEDS
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    q2_npy a, b;
    if (q2_npy_parse(&a, data, size, "fuzz") != Q2_OK) {
        q2_npy_free(&a);
        return 0;
    }
    uint8_t *enc;
    size_t len;
    if (a.n <= (1 << 20)) {
        if (q2_npy_encode(a.data, a.ndim, a.shape, 4, &enc, &len) ||
            q2_npy_parse(&b, enc, len, "re-encoded") || b.ndim != a.ndim ||
            memcmp(b.shape, a.shape, sizeof a.shape) || b.n != a.n ||
            memcmp(b.data, a.data, (size_t)a.n * sizeof(float))) {
            fprintf(stderr, "fuzz_npy: an accepted array does not survive encode -> parse\n");
            abort();
        }
        free(enc);
        q2_npy_free(&b);
    }
    q2_npy_free(&a);
    return 0;
}
#else
int main(int argc, char **argv)
{
    const char *dir = fuzz_seed_dir(argc, argv);
    if (!dir) return Q2_EXIT_USAGE;
    float v[24];
    for (int i = 0; i < 24; i++) v[i] = (float)i * 0.25f - 3.0f;
    static const struct {
        int ndim;
        int64_t shape[3];
    } s[] = {{0, {0}}, {1, {5}}, {2, {2, 3}}, {3, {2, 3, 4}}, {2, {0, 7}}};
    int n = 0;
    for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
        for (int item = 4; item <= 8; item += 4) {
            uint8_t *b;
            size_t len;
            char name[64];
            if (q2_npy_encode(v, s[k].ndim, s[k].shape, item, &b, &len)) return Q2_EXIT_INTERNAL;
            snprintf(name, sizeof name, "seed-%dd-f%d.npy", s[k].ndim, item);
            if (fuzz_seed(dir, name, -1, b, len)) return Q2_EXIT_INTERNAL;
            n++;
            if (k == 2) { /* the same array big-endian, and as format 2.0 */
                for (size_t i = 6; i + 6 < len && i < 100; i++)
                    if (b[i] == '<' && b[i + 1] == 'f') b[i] = '>';
                size_t hdr = 10 + q2_rd16(b + 8);
                for (size_t i = hdr; i + (size_t)item <= len; i += (size_t)item)
                    for (int x = 0; x < item / 2; x++) {
                        uint8_t t = b[i + (size_t)x];
                        b[i + (size_t)x] = b[i + (size_t)item - 1 - (size_t)x];
                        b[i + (size_t)item - 1 - (size_t)x] = t;
                    }
                snprintf(name, sizeof name, "seed-big-f%d.npy", item);
                if (fuzz_seed(dir, name, -1, b, len)) return Q2_EXIT_INTERNAL;
                uint8_t *b2 = malloc(len + 2);
                memcpy(b2, b, 8);
                b2[6] = 2;
                q2_wr32(b2 + 8, q2_rd16(b + 8));
                memcpy(b2 + 12, b + 10, len - 10);
                snprintf(name, sizeof name, "seed-v2-f%d.npy", item);
                if (fuzz_seed(dir, name, -1, b2, len + 2)) return Q2_EXIT_INTERNAL;
                free(b2);
                n += 2;
            }
            free(b);
        }
    printf("fuzz_npy seeds: %d files in %s\n", n, dir);
    return 0;
}
#endif
