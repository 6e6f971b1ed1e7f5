/* cmd_onnx.c — the ONNX subcommands of q2mlp: import --onnx (cmd_import hands it over) and
 * export --onnx. Option parsing only; the work is in sw/onnx/ (docs/onnx.md). Output contract: one
 * key=value line on stdout, errors on stderr; exit codes of util.h (0 ok, 1 usage or bad input
 * file, 4 internal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "float/mlp.h"
#include "onnx/onnx.h"
#include "qmodel/qmodel.h"
#include "base/util.h"

static bool has_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return true;
    return false;
}

static int usage_error(const char *cmd, const char *why, void (*usage)(FILE *))
{
    fprintf(stderr, "q2mlp %s: %s\n", cmd, why);
    usage(stderr);
    return Q2_EXIT_USAGE;
}

/* ---- import --onnx --------------------------------------------------------------------------------- */
static void import_onnx_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp import --onnx MODEL.onnx [--arch A] -o MODEL.mlp\n\n"
        "Build a float .mlp from an ONNX model (docs/onnx.md) as torch.onnx.export or the Keras/TF\n"
        "converters write an MLP: Flatten or Reshape to (batch, features), then Gemm (alpha = beta = 1,\n"
        "transB 0 or 1) or MatMul [+ Add] per layer, Relu between layers, an optional final Softmax\n"
        "(ignored: the .mlp gives logits). Opsets %d..%d; float32 initializers (raw_data or float_data);\n"
        "only the batch dimension may be dynamic. Anything else is refused, naming the node and its op.\n"
        "The network must take pixel/255 inputs like every .mlp. The output is written atomically.\n\n"
        "  --onnx F       the ONNX model\n"
        "  --arch A       e.g. 784-512-512-10: check the topology against it\n\n"
        "stdout: one line  model=.. arch=.. params=.. opset=.. source=..\n",
        Q2_ONNX_OPSET_MIN, Q2_ONNX_OPSET_MAX);
}

int cmd_import_onnx(int argc, char **argv)
{
    if (has_help(argc, argv)) {
        import_onnx_usage(stdout);
        return Q2_EXIT_OK;
    }
    const char *in = NULL, *out = NULL, *arch = NULL, *v;
    for (int i = 1; i < argc; i++) {
        if (q2_opt_val(argc, argv, &i, "--onnx", &v)) in = v;
        else if (q2_opt_val(argc, argv, &i, "--arch", &v)) arch = v;
        else if (q2_opt_val(argc, argv, &i, "-o", &v) || q2_opt_val(argc, argv, &i, "--output", &v)) out = v;
        else {
            q2_opt_unknown("cmd_import", argv[i]);
            import_onnx_usage(stderr);
            return Q2_EXIT_USAGE;
        }
    }
    if (!in || !out) return usage_error("import", !in ? "--onnx needs a file" : "-o is required", import_onnx_usage);
    q2_mlp m;
    int opset = 0, rc = q2_onnx_import(&m, in, &opset);
    if (rc) return q2_exit_code(rc);
    char arch_s[128];
    q2_mlp_arch_string(&m, arch_s, sizeof arch_s);
    if (arch && strcmp(arch, arch_s)) {
        fprintf(stderr, "q2mlp import: %s: check --arch failed: the model is %s, need %s\n", in, arch_s, arch);
        rc = Q2_EARG;
    }
    if (!rc) rc = q2_mlp_save(&m, out);
    if (!rc) printf("model=%s arch=%s params=%zu opset=%d source=%s\n", out, arch_s, q2_mlp_n_params(&m), opset, in);
    q2_mlp_free(&m);
    return q2_exit_code(rc);
}

/* ---- export --onnx --------------------------------------------------------------------------------- */
static void export_usage(FILE *f)
{
    fprintf(f,
        "usage: q2mlp export --onnx --model MODEL.mlp|MODEL.q2 -o OUT.onnx\n\n"
        "Write a model as ONNX (opset %d, docs/onnx.md): input \"%s\" (N, n_in) float32 = pixel/255,\n"
        "output \"%s\" (N, n_classes); every layer a Gemm with float32 initializers, Relu between.\n"
        "  a .mlp: its weights and biases exactly (import --onnx gives the same .mlp back, bit for bit);\n"
        "  a .q2:  the 2-bit model dequantized: weights c*g/s_in, biases bias*g with g = s_out*M/2^S,\n"
        "          so each layer computes the integer model's affine map in float32. Not bit-exact:\n"
        "          the hidden layers' rounding and clamp at 255 are not in the graph, and the\n"
        "          logits are the integer ones times the logit unit (act_scale).\n"
        "A .q2 is told from a .mlp by its extension, else its first bytes (\"Q2ML\").\n"
        "The output is written atomically.\n\n"
        "stdout: one line  model=.. source=.. kind=float|2bit arch=.. opset=.. bytes=..\n",
        Q2_ONNX_EXPORT_OPSET, Q2_ONNX_INPUT, Q2_ONNX_OUTPUT);
}

/* The float model to export: the .mlp itself, or the .q2 dequantized. */
static int export_load(const char *path, bool q2, q2_mlp *m)
{
    if (!q2) return q2_mlp_load(m, path);
    q2_qmodel q;
    int rc = q2_qmodel_load(&q, path);
    if (rc) return rc;
    rc = q2_onnx_dequantize(&q, m);
    q2_qmodel_free(&q);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    if (has_help(argc, argv)) {
        export_usage(stdout);
        return Q2_EXIT_OK;
    }
    const char *model = NULL, *out = NULL, *v;
    bool onnx = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--onnx")) onnx = true;
        else if (q2_opt_val(argc, argv, &i, "--model", &v)) model = v;
        else if (q2_opt_val(argc, argv, &i, "-o", &v) || q2_opt_val(argc, argv, &i, "--output", &v)) out = v;
        else {
            q2_opt_unknown("cmd_export", argv[i]);
            export_usage(stderr);
            return Q2_EXIT_USAGE;
        }
    }
    if (!onnx || !model || !out)
        return usage_error("export", !onnx ? "--onnx is required (the one export format)"
                                   : !model ? "--model is required" : "-o is required", export_usage);
    bool q2 = cli_model_is_q2(model);
    q2_mlp m;
    int rc = export_load(model, q2, &m);
    if (rc) return q2_exit_code(rc);
    char doc[4200], arch_s[128];
    const char *base = strrchr(model, '/') ? strrchr(model, '/') + 1 : model; /* no directory in the file */
    snprintf(doc, sizeof doc, q2 ? "q2mlp: the 2-bit model %s dequantized to float32 (docs/onnx.md)"
                                 : "q2mlp: the float model %s", base);
    q2_mlp_arch_string(&m, arch_s, sizeof arch_s);
    uint8_t *buf;
    size_t len;
    if (!(rc = q2_onnx_encode_mlp(&m, doc, &buf, &len))) {
        rc = q2_write_file_atomic(out, buf, len);
        free(buf);
    }
    if (!rc)
        printf("model=%s source=%s kind=%s arch=%s opset=%d bytes=%zu\n", out, model, q2 ? "2bit" : "float", arch_s,
               Q2_ONNX_EXPORT_OPSET, len);
    q2_mlp_free(&m);
    return q2_exit_code(rc);
}
