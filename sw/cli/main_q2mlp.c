/* main_q2mlp.c — build/bin/q2mlp: one CLI, one subcommand per job. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "base/util.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} cmds[] = {
    {"train",  cmd_train,  "train a float MLP on IDX data, write a .mlp model"},
    {"eval",   cmd_eval,   "accuracy of a .mlp (float) or .q2 (bit-exact integer) model"},
    {"sqnr",   cmd_sqnr,   "theoretical SQNR of the 2-bit uniform quantizer, unit-variance Laplacian"},
    {"study",  cmd_study,  "support-region study: scopes x rules, sweeps, CSV/Markdown/SVG report"},
    {"study-summary", cmd_study_summary, "multi-seed study: mean/CI over seeds, paired differences, bands"},
    {"pack",   cmd_pack,   "quantize a .mlp to 2-bit codes and write a .q2 model image"},
    {"info",   cmd_info,   "print the header, sizes and CRC of a .q2 model image"},
    {"infer",  cmd_infer,  "bit-exact logits and class of one image"},
    {"import", cmd_import, "build a .mlp from NumPy .npy weight/bias files or an ONNX model (--onnx)"},
    {"export", cmd_export, "write a .mlp or a .q2 (dequantized) as an ONNX model (--onnx)"},
    {"bench",  cmd_bench,  "speed of float, reference-integer and fast-integer inference"},
    {"fits",   cmd_fits,   "does a topology fit a core's memories (the loader's capacity checks)"},
    {"data",   cmd_data,   "check a directory's four MNIST-style IDX files (never writes)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: q2mlp <command> [options]   (q2mlp <command> --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  %-13s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\nexit codes: 0 ok, 1 usage or bad input file, 2 device, 3 mismatch, 4 internal\n");
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return Q2_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return Q2_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "q2mlp: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return Q2_EXIT_USAGE;
}

/* stdout is checked at the end: "q2mlp info x.q2 > /dev/full" is an error, not a success. */
int main(int argc, char **argv) { return q2_close_stdout("q2mlp", run(argc, argv)); }
