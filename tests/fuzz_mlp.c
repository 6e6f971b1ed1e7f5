/* fuzz_mlp.c — libFuzzer target for the float model reader (q2_mlp_load, sw/float/mlp.c; the .mlp layout is
 * docs/formats.md). docs/fuzzing.md has how to run it.
 *
 * Input: one mode byte, then the file. Mode bit 1 set: the total_size field (bytes 8..11) is set
 * to the file length; bit 0 set: the CRC-32 at the end is recomputed. So mutations get past the
 * size and CRC checks to the dimension and float checks, and files get accepted.
 * Findings are crashes, sanitizer reports and these invariants (abort()): an accepted file has
 * exactly 12 + 4 (L + 1) + 4 n_params + 4 bytes, q2_mlp_save() writes it back byte for byte, and a
 * forward pass of two inputs (models up to 2^16 parameters) runs.
 *
 * Built with -DFUZZ_MAKE_SEEDS (and no -fsanitize=fuzzer) it writes a few valid models (made by
 * q2_mlp_save) to the directory argv[1] (the committed seeds in tests/corpus/mlp/ were made so). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "float/mlp.h"
#include "base/util.h"

#define MAX_FWD_PARAMS (1 << 16)

__attribute__((unused)) static void fail(const char *what)
{
    fprintf(stderr, "fuzz_mlp: %s\n", what);
    abort();
}

#ifndef FUZZ_MAKE_SEEDS
static char save_dir[4096];
static void remove_save_dir(void) { rmdir(save_dir); }

/* A private directory for q2_mlp_save (it writes <path>.tmp.<pid> and renames). */
static const char *save_path(void)
{
    static char path[4200];
    if (!save_dir[0]) {
        const char *t = getenv("FUZZ_TMPDIR");
        if (!t || !*t) t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(save_dir, sizeof save_dir, "%s/q2fuzz-mlp-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(save_dir)) fail("mkdtemp failed");
        atexit(remove_save_dir);
        snprintf(path, sizeof path, "%s/m.mlp", save_dir);
    }
    return path;
}

static void check_model(const q2_mlp *m, const uint8_t *file, size_t len)
{
    if (len != 12 + 4 * (size_t)(m->n_layers + 1) + 4 * q2_mlp_n_params(m) + 4)
        fail("accepted file length differs from the size of its model");
    const char *p = save_path();
    uint8_t *back = NULL;
    size_t blen = 0;
    if (q2_mlp_save(m, p) || q2_read_file(p, &back, &blen, 0) || blen != len || memcmp(back, file, len))
        fail("an accepted model does not save back to the same bytes");
    free(back);
    unlink(p);
    if (q2_mlp_n_params(m) > MAX_FWD_PARAMS) return;
    int n_in = m->dims[0], n_cls = m->dims[m->n_layers];
    float *x = malloc(2 * sizeof(float) * (size_t)n_in), *y = malloc(2 * sizeof(float) * (size_t)n_cls);
    for (int i = 0; i < n_in; i++) {
        x[i] = 1.0f;
        x[n_in + i] = (float)(i % 7) / 7.0f;
    }
    if (q2_mlp_forward(m, x, 2, y, NULL)) fail("forward pass failed");
    (void)q2_mlp_argmax(y, n_cls);
    free(x);
    free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode;
    size_t len;
    uint8_t *buf = fuzz_payload(data, size, &mode, &len);
    if (!buf) return 0;
    if ((mode & 2) && len >= 12) q2_wr32(buf + 8, (uint32_t)len);
    if (mode & 1) fuzz_fix_crc32(buf, len);
    q2_mlp m;
    if (q2_mlp_load(&m, fuzz_file(0, buf, len)) == Q2_OK) {
        check_model(&m, buf, len);
        q2_mlp_free(&m);
    }
    free(buf);
    return 0;
}
#else
/* ---- seed corpus ------------------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    const char *dir = fuzz_seed_dir(argc, argv);
    if (!dir) return Q2_EXIT_USAGE;
    static const int archs[][5] = {{1, 1, 1}, {1, 4, 3}, {2, 6, 5, 3}, {3, 5, 4, 4, 2}};
    char tmp[4200], name[64];
    int n = 0;
    for (size_t a = 0; a < sizeof archs / sizeof archs[0]; a++) {
        q2_mlp m;
        if (q2_mlp_init(&m, archs[a][0], &archs[a][1])) return Q2_EXIT_INTERNAL;
        for (int l = 0; l < m.n_layers; l++) {
            for (int k = 0; k < m.dims[l] * m.dims[l + 1]; k++) m.w[l][k] = (float)((k * 7) % 11 - 5) / 8.0f;
            for (int j = 0; j < m.dims[l + 1]; j++) m.b[l][j] = (float)j / 4.0f - 0.5f;
        }
        snprintf(tmp, sizeof tmp, "%s/model.tmp", dir);
        uint8_t *b = NULL;
        size_t len = 0;
        if (q2_mlp_save(&m, tmp) || q2_read_file(tmp, &b, &len, 0)) return Q2_EXIT_INTERNAL;
        unlink(tmp);
        snprintf(name, sizeof name, "seed-%zu.mlp", a);
        /* mode: half of them let the harness fix size and CRC */
        if (fuzz_seed(dir, name, a & 1 ? 3 : 0, b, len)) return Q2_EXIT_INTERNAL;
        free(b);
        q2_mlp_free(&m);
        n++;
    }
    printf("fuzz_mlp seeds: %d models in %s\n", n, dir);
    return 0;
}
#endif
