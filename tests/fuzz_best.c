/* fuzz_best.c — libFuzzer target for the reader of the study's best.txt (q2_best_read,
 * sw/study/best.c, which also writes it). docs/fuzzing.md has how to run it.
 *
 * The reader is public and takes a path: the input is the whole file. Findings are crashes,
 * sanitizer reports and these invariants (abort()): an accepted file gives a scope, a rule and a
 * sigma convention in range, the sigma is left alone when the file names none, and the line
 * "scope=<name> rule=<name> [sigma=<name>]" written from the result reads back the same.
 *
 * Built with -DFUZZ_MAKE_SEEDS (and no -fsanitize=fuzzer) it writes a few files in the study's
 * format to the directory argv[1] (the committed seeds in tests/corpus/best/ were made so). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "study/study.h"
#include "quant/quant.h"
#include "base/util.h"

__attribute__((unused)) static void fail(const char *what)
{
    fprintf(stderr, "fuzz_best: %s\n", what);
    abort();
}


#ifndef FUZZ_MAKE_SEEDS
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    q2_best b;
    if (q2_best_read(fuzz_file(0, data, size), &b) != Q2_OK) return 0;
    if ((int)b.scope < 0 || (int)b.scope >= Q2_SCOPE_COUNT || (int)b.rule < 0 || (int)b.rule >= Q2_RULE_COUNT)
        fail("accepted scope or rule out of range");
    if (b.sigma < -1 || b.sigma >= Q2_SIGMA_COUNT) fail("accepted sigma out of range");

    char line[256];
    int n = q2_best_format(&b, line, sizeof line);
    if (n < 0) fail("an accepted choice does not format");
    q2_best b2;
    bool default_sigma = b.sigma < 0 || b.sigma == Q2_SIGMA_RMS; /* the writer leaves rms out */
    if (q2_best_read(fuzz_file(1, (const uint8_t *)line, (size_t)n), &b2) || b2.scope != b.scope ||
        b2.rule != b.rule || (default_sigma ? b2.sigma >= 0 && b2.sigma != Q2_SIGMA_RMS : b2.sigma != b.sigma))
        fail("the canonical line of an accepted file does not read back the same");
    return 0;
}
#else
/* ---- seed corpus ------------------------------------------------------------------------------------- */
static int put(const char *dir, const char *name, const char *text)
{
    return fuzz_seed(dir, name, -1, text, strlen(text));
}

int main(int argc, char **argv)
{
    const char *dir = fuzz_seed_dir(argc, argv);
    if (!dir) return Q2_EXIT_USAGE;
    /* q2_study_run's format: "scope=%s rule=%s acc_val=%.4f acc_test=%.4f[ sigma=%s]\n" */
    char text[512];
    int n = 0;
    for (int s = 0; s < Q2_SCOPE_COUNT; s++) {
        int r = s % Q2_RULE_COUNT;
        snprintf(text, sizeof text, "scope=%s rule=%s acc_val=0.9712 acc_test=0.9688%s\n",
                 q2_scope_name((q2_scope)s), q2_rule_name((q2_rule)r), s == 1 ? " sigma=std" : "");
        char name[64];
        snprintf(name, sizeof name, "seed-%d.txt", s);
        if (put(dir, name, text)) return Q2_EXIT_INTERNAL;
        n++;
    }
    if (put(dir, "seed-lines.txt", "# a comment line\nscope=neuron rule=acc sigma=rms\r\nscope=x\n"))
        return Q2_EXIT_INTERNAL;
    printf("fuzz_best seeds: %d files in %s\n", n + 1, dir);
    return 0;
}
#endif
