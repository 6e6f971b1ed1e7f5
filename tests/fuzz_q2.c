/* fuzz_q2.c — libFuzzer target for the .q2 parser (sw/qmodel/qmodel.c) and, on every image it accepts,
 * the reference and fast integer models (sw/qmodel/qfast.c). docs/fuzzing.md has how to run it.
 *
 * Input: one mode byte, then the image. Mode bit 0 set: the CRC at the end is recomputed before
 * parsing, so mutations get past the CRC check to the record checks and the arithmetic.
 * Findings are crashes, sanitizer reports and these invariants (abort()):
 *   - an accepted image re-encodes and re-parses to the same model (codes, bias, M, S, floats);
 *   - the fast path (every kernel this CPU has) gives the reference's logits bit for bit.
 *
 * Built with -DFUZZ_MAKE_SEEDS (and no -fsanitize=fuzzer) it is instead a program writing a seed
 * corpus of valid images to the directory argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "qmodel/qmodel.h"
#include "base/util.h"

#define MAX_MACS (1 << 20) /* run the models only on images this small (keeps executions fast) */

__attribute__((unused)) static bool same_model(const q2_qmodel *a, const q2_qmodel *b)
{
    if (a->n_layers != b->n_layers || a->lanes != b->lanes || a->scope != b->scope) return false;
    for (int l = 0; l < a->n_layers; l++) {
        const q2_qlayer *x = &a->layers[l], *y = &b->layers[l];
        size_t n = (size_t)x->n_out;
        bool hidden = l < a->n_layers - 1;
        if (x->n_in != y->n_in || x->n_out != y->n_out || memcmp(&x->delta, &y->delta, 4) ||
            memcmp(&x->act_scale, &y->act_scale, 4) || memcmp(x->bias, y->bias, n * sizeof *x->bias) ||
            memcmp(x->codes, y->codes, n * (size_t)x->n_in) ||
            (hidden && (memcmp(x->m, y->m, n * sizeof *x->m) || memcmp(x->s, y->s, n))))
            return false;
    }
    return true;
}

__attribute__((unused)) static void check_model(q2_qmodel *q)
{
    /* round trip */
    q2_qmodel r;
    if (q2_qmodel_encode(q) || q2_qmodel_parse(&r, q->image, q->image_len, "re-encoded") ||
        !same_model(q, &r)) {
        fprintf(stderr, "fuzz_q2: an accepted image does not survive encode -> parse\n");
        abort();
    }
    q2_qmodel_free(&r);

    /* reference == fast on a few deterministic inputs */
    size_t macs = 0;
    for (int l = 0; l < q->n_layers; l++) macs += (size_t)q->layers[l].n_in * (size_t)q->layers[l].n_out;
    if (macs > MAX_MACS) return;
    enum { N = 3 };
    const int n_in = q2_qmodel_n_inputs(q), n_cls = q2_qmodel_n_classes(q);
    uint8_t *x = malloc((size_t)N * (size_t)n_in);
    int32_t *ref = malloc((size_t)N * (size_t)n_cls * 4), *fast = malloc((size_t)N * (size_t)n_cls * 4);
    for (int i = 0; i < n_in; i++) {
        x[i] = 255;
        x[n_in + i] = (uint8_t)(i * 37 + 11);
        x[2 * n_in + i] = (uint8_t)(i & 1 ? 0 : 200);
    }
    for (int k = 0; k < N; k++)
        q2_qmodel_forward_ref(q, x + (size_t)k * (size_t)n_in, ref + (size_t)k * (size_t)n_cls, NULL);
    for (int kern = Q2_FAST_C; kern < Q2_FAST_COUNT; kern++) {
        if (!q2_fast_kernel_supported((q2_fast_kernel)kern)) continue;
        q2_fast f;
        if (q2_fast_init(&f, q, (q2_fast_kernel)kern)) abort();
        q2_fast_forward(&f, x, N, fast, NULL);
        if (memcmp(ref, fast, (size_t)N * (size_t)n_cls * 4)) {
            fprintf(stderr, "fuzz_q2: kernel %s differs from the reference\n", q2_fast_kernel_name(kern));
            abort();
        }
        q2_fast_free(&f);
    }
    free(x);
    free(ref);
    free(fast);
}

#ifndef FUZZ_MAKE_SEEDS
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode;
    size_t len;
    uint8_t *buf = fuzz_payload(data, size, &mode, &len);
    if (!buf) return 0;
    if (mode & 1) fuzz_fix_crc32(buf, len);
    q2_qmodel q;
    if (q2_qmodel_parse(&q, buf, len, "fuzz") == Q2_OK) check_model(&q);
    q2_qmodel_free(&q);
    free(buf);
    return 0;
}
#else
/* ---- seed corpus ------------------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
    const char *dir = fuzz_seed_dir(argc, argv);
    if (!dir) return Q2_EXIT_USAGE;
    static const int shapes[][5] = {{1, 3, 2}, {2, 8, 5, 3}, {2, 20, 33, 10}, {3, 12, 9, 17, 4}, {1, 1, 1}};
    static const int lanes[] = {4, 8, 16, 32, 64, 128, 256};
    q2_rng r;
    q2_rng_init(&r, 1);
    int n = 0;
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++)
        for (size_t li = 0; li < sizeof lanes / sizeof lanes[0]; li++) {
            if (si > 1 && li % 3) continue; /* a spread, not every combination */
            int nl = shapes[si][0];
            q2_qmodel q;
            if (q2_qmodel_init(&q, nl, &shapes[si][1], lanes[li])) return Q2_EXIT_INTERNAL;
            q.scope = (int)q2_rng_below(&r, 3);
            for (int l = 0; l < nl; l++) {
                q2_qlayer *L = &q.layers[l];
                L->delta = 0.05f;
                L->act_scale = 0.01f;
                for (size_t k = 0; k < (size_t)L->n_in * (size_t)L->n_out; k++)
                    L->codes[k] = (uint8_t)q2_rng_below(&r, 4);
                for (int j = 0; j < L->n_out; j++) {
                    L->bias[j] = (int32_t)q2_rng_below(&r, 2001) - 1000;
                    if (l < nl - 1) {
                        L->m[j] = (uint16_t)q2_rng_below(&r, 65536);
                        L->s[j] = (uint8_t)(1 + q2_rng_below(&r, 40));
                    }
                }
            }
            char name[64];
            snprintf(name, sizeof name, "seed-%02d-l%d.q2", (int)si, lanes[li]);
            /* mode 0: keep the CRC as is */
            if (q2_qmodel_encode(&q) || fuzz_seed(dir, name, 0, q.image, q.image_len)) return Q2_EXIT_INTERNAL;
            q2_qmodel_free(&q);
            n++;
        }
    printf("fuzz_q2 seeds: %d images in %s\n", n, dir);
    return 0;
}
#endif
