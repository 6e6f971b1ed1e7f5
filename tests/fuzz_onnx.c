/* fuzz_onnx.c — libFuzzer target for the ONNX importer (q2_onnx_parse, sw/onnx/onnx_import.c, with
 * libprotobuf-c's decoder under it; docs/onnx.md, docs/fuzzing.md).
 * Findings are crashes, sanitizer reports and this invariant (abort()): an accepted model, written
 * back by q2_onnx_encode_mlp, parses again to the same topology and the same weight bits, and a
 * forward pass of one input runs (models up to 2^16 parameters).
 *
 * Built with -DFUZZ_MAKE_SEEDS (and no -fsanitize=fuzzer) it writes a seed corpus to the directory
 * argv[1]: the exporter's models of 1 to 3 layers, the same with float_data initializers, the
 * dequantized export of a small .q2 model. `make test` makes it into build/fuzz/corpus-onnx/, which
 * tests/t_fuzz_replay.sh replays (no ONNX file is committed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "float/mlp.h"
#include "onnx/onnx.h"
#include "base/util.h"

#define MAX_FWD_PARAMS (1 << 16)

#ifndef FUZZ_MAKE_SEEDS
static void fail(const char *what)
{
    fprintf(stderr, "fuzz_onnx: %s\n", what);
    abort();
}

static void check_model(const q2_mlp *m)
{
    uint8_t *enc;
    size_t len;
    q2_mlp b;
    if (q2_onnx_encode_mlp(m, NULL, &enc, &len) || q2_onnx_parse(&b, enc, len, "re-encoded", NULL))
        fail("an accepted model does not survive export -> import");
    bool same = b.n_layers == m->n_layers && !memcmp(b.dims, m->dims, sizeof m->dims);
    for (int l = 0; same && l < m->n_layers; l++)
        same = !memcmp(b.w[l], m->w[l], sizeof(float) * (size_t)m->dims[l] * m->dims[l + 1]) &&
               !memcmp(b.b[l], m->b[l], sizeof(float) * (size_t)m->dims[l + 1]);
    if (!same) fail("export -> import changed the model");
    free(enc);
    q2_mlp_free(&b);
    if (q2_mlp_n_params(m) > MAX_FWD_PARAMS) return;
    float *x = calloc((size_t)m->dims[0], sizeof(float)), *y = malloc(sizeof(float) * (size_t)m->dims[m->n_layers]);
    if (!x || !y || q2_mlp_forward(m, x, 1, y, NULL)) fail("the forward pass of an accepted model failed");
    free(x);
    free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    q2_mlp m;
    if (q2_onnx_parse(&m, data, size, "fuzz", NULL) == Q2_OK) {
        check_model(&m);
        q2_mlp_free(&m);
    }
    return 0;
}
#else
#include "onnxpb/onnx.pb-c.h"
#include "qmodel/qmodel.h"

/* The export of m as a seed, and the same model with its initializers as float_data. */
static int seed_pair(const char *dir, const char *stem, const q2_mlp *m)
{
    uint8_t *b;
    size_t n;
    char name[64];
    int rc = q2_onnx_encode_mlp(m, "seed", &b, &n);
    snprintf(name, sizeof name, "%s.onnx", stem);
    if (rc || (rc = fuzz_seed(dir, name, -1, b, n))) return rc;
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, n, b);
    free(b);
    if (!mp) return Q2_EFORMAT;
    for (size_t k = 0; k < mp->graph->n_initializer; k++) {
        Onnx__TensorProto *t = mp->graph->initializer[k];
        float *f = malloc(t->raw_data.len + 1);
        for (size_t i = 0; i < t->raw_data.len / 4; i++) {
            uint32_t u = q2_rd32(t->raw_data.data + 4 * i);
            memcpy(&f[i], &u, 4);
        }
        free(t->raw_data.data);
        t->n_float_data = t->raw_data.len / 4;
        t->float_data = f; /* freed by free_unpacked, like a decoded repeated field */
        t->raw_data = (ProtobufCBinaryData){0};
        t->has_raw_data = false;
    }
    n = onnx__model_proto__get_packed_size(mp);
    b = malloc(n);
    onnx__model_proto__pack(mp, b);
    onnx__model_proto__free_unpacked(mp, NULL);
    snprintf(name, sizeof name, "%s-float_data.onnx", stem);
    rc = fuzz_seed(dir, name, -1, b, n);
    free(b);
    return rc;
}

int main(int argc, char **argv)
{
    const char *dir = fuzz_seed_dir(argc, argv);
    if (!dir) return Q2_EXIT_USAGE;
    static const int dims[][4] = {{3, 2}, {5, 4, 3}, {8, 6, 5, 4}};
    q2_rng r;
    q2_rng_init(&r, 1);
    int n = 0;
    for (int k = 0; k < 3; k++) {
        q2_mlp m;
        if (q2_mlp_init(&m, k + 1, dims[k])) return Q2_EXIT_INTERNAL;
        for (int l = 0; l <= k; l++) {
            for (int i = 0; i < dims[k][l] * dims[k][l + 1]; i++) m.w[l][i] = (float)q2_rng_normal(&r);
            for (int j = 0; j < dims[k][l + 1]; j++) m.b[l][j] = (float)q2_rng_normal(&r);
        }
        char stem[32];
        snprintf(stem, sizeof stem, "seed-%dl", k + 1);
        if (seed_pair(dir, stem, &m)) return Q2_EXIT_INTERNAL;
        q2_mlp_free(&m);
        n += 2;
    }
    q2_qmodel q;
    q2_mlp d;
    if (q2_qmodel_init(&q, 2, (const int[]){4, 3, 2}, 4)) return Q2_EXIT_INTERNAL;
    for (int l = 0; l < 2; l++)
        for (int j = 0; j < q.layers[l].n_out; j++) {
            q.layers[l].bias[j] = 10 * j - 7;
            q.layers[l].m[j] = l ? 0 : 40000;
            q.layers[l].s[j] = l ? 0 : 17;
            for (int i = 0; i < q.layers[l].n_in; i++) q.layers[l].codes[j * q.layers[l].n_in + i] = (uint8_t)((i + j) % 4);
        }
    q.layers[0].act_scale = 0.05f;
    q.layers[1].act_scale = 0.01f;
    if (q2_onnx_dequantize(&q, &d) || seed_pair(dir, "seed-q2", &d)) return Q2_EXIT_INTERNAL;
    q2_mlp_free(&d);
    q2_qmodel_free(&q);
    n += 2;
    printf("fuzz_onnx seeds: %d files in %s\n", n, dir);
    return 0;
}
#endif
