/* best.c — best.txt, the study's choice for `q2mlp pack --best`: one line
 * "scope=<s> rule=<r> acc_val=<x> acc_test=<y>", plus " sigma=<m>" when not the default rms.
 * Written by q2_study_run, read by the CLI's pack (see study.h). */
#include "study/study.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* ---- write ------------------------------------------------------------------------------------- */
int q2_best_format(const q2_best *b, char *buf, size_t n)
{
    int k = snprintf(buf, n, "scope=%s rule=%s acc_val=%.4f acc_test=%.4f", q2_scope_name(b->scope),
                     q2_rule_name(b->rule), b->acc_val, b->acc_test);
    if (k >= 0 && (size_t)k < n && b->sigma >= 0 && b->sigma != Q2_SIGMA_RMS)
        k += snprintf(buf + k, n - (size_t)k, " sigma=%s", q2_sigma_name((q2_sigma_mode)b->sigma));
    if (k >= 0 && (size_t)k < n) k += snprintf(buf + k, n - (size_t)k, "\n");
    if (k < 0 || (size_t)k >= n) {
        Q2_ERR("format best.txt failed: %zu bytes are too few", n);
        return Q2_EARG;
    }
    return k;
}

int q2_best_write(q2_outs *outs, const char *path, const q2_best *b)
{
    char line[256];
    int n = q2_best_format(b, line, sizeof line);
    return n < 0 ? n : q2_outs_add(outs, path, line, (size_t)n);
}

/* ---- read -------------------------------------------------------------------------------------- */
/* The first line holding scope= and rule= (text is cut up); Q2_EFORMAT on a bad value. */
static int parse_best(char *text, q2_best *b)
{
    int sc = -1, ru = -1, sg = -1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strstr(line, "scope=") || !strstr(line, "rule=")) continue;
        char *save;
        for (char *tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
            if (!strncmp(tok, "scope=", 6) && (sc = q2_scope_parse(tok + 6)) < 0) return Q2_EFORMAT;
            if (!strncmp(tok, "rule=", 5) && (ru = q2_rule_parse(tok + 5)) < 0) return Q2_EFORMAT;
            if (!strncmp(tok, "sigma=", 6) && (sg = q2_sigma_parse(tok + 6)) < 0) return Q2_EFORMAT;
        }
        break;
    }
    b->scope = (q2_scope)sc;
    b->rule = (q2_rule)ru;
    b->sigma = sg;
    return sc < 0 || ru < 0 ? Q2_EARG : Q2_OK;
}

int q2_best_read(const char *path, q2_best *b)
{
    uint8_t *buf;
    size_t len;
    int rc = q2_read_file(path, &buf, &len, 1 << 20);
    if (rc) return rc;
    char *text = realloc(buf, len + 1);
    if (!text) {
        free(buf);
        return Q2_ENOMEM;
    }
    text[len] = '\0';
    memset(b, 0, sizeof *b);
    rc = parse_best(text, b);
    free(text);
    if (rc == Q2_EFORMAT)
        Q2_ERR("read %s failed: bad scope, rule or sigma value in its scope= line", path);
    else if (rc)
        Q2_ERR("read %s failed: no line with scope=<scope> rule=<rule>", path);
    b->acc_val = b->acc_test = -1.0;
    return rc ? Q2_EFORMAT : Q2_OK;
}
