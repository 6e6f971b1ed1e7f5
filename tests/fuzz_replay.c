/* fuzz_replay.c — a plain main for the fuzz targets (docs/fuzzing.md): linked with one target
 * instead of libFuzzer, it runs LLVMFuzzerTestOneInput once over every file named on the command
 * line (a directory: every regular file in it, in name order). tests/t_fuzz_replay.sh builds each
 * target this way under ASan/UBSan and replays its seed corpus and regression inputs, so the
 * harnesses stay compiled and exercised by `make test`.
 *
 * Exit codes: 0 every input ran (a finding aborts the process instead), 1 usage or unreadable file. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    int err = !buf || ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "fuzz_replay: read %s failed\n", path);
        free(buf);
        return -1;
    }
    /* an exact-size copy, so that ASan sees a read past the input's end */
    uint8_t *exact = malloc(n ? n : 1);
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) || !S_ISREG(st.st_mode)) continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(path);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rc && run_file(names[i])) rc = -1;
        else if (!rc) (*count)++;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 1;
    }
    int count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st)) {
            perror(argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : run_file(argv[i])) return 1;
        if (!S_ISDIR(st.st_mode)) count++;
    }
    printf("%s: %d inputs replayed, no finding\n", argv[0], count);
    return 0;
}
