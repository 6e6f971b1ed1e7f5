/* test_util.c — the file helpers of util.c: q2_read_file on pipes and directories, q2_outs
 * (all outputs or none; links followed; devices written in place). Numbered checks, PASSED/FAILED. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#define CHECK_WORDS_PASSED
#include "check.h"

static bool is_file(const char *path, size_t len)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
}

/* A pipe whose writer (a child) sends n bytes of 0xA5; the read end as "/dev/fd/N". */
static int pipe_of(size_t n, char *path, size_t len)
{
    int fd[2];
    if (pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        static uint8_t chunk[4096];
        memset(chunk, 0xA5, sizeof chunk);
        for (size_t k = 0; k < n;) {
            size_t m = n - k < sizeof chunk ? n - k : sizeof chunk;
            ssize_t w = write(fd[1], chunk, m);
            if (w <= 0) _exit(0);
            k += (size_t)w;
        }
        _exit(0);
    }
    close(fd[1]);
    snprintf(path, len, "/dev/fd/%d", fd[0]);
    return fd[0];
}

static void test_read(void)
{
    uint8_t *b = NULL;
    size_t len = 0;
    char p[64];
    int fd = pipe_of(300000, p, sizeof p);
    int rc = q2_read_file(p, &b, &len, 1 << 20);
    CHECK(rc == 0 && len == 300000 && b[0] == 0xA5 && b[len - 1] == 0xA5, "a 300 kB pipe is read whole");
    free(b);
    close(fd);
    wait(NULL);
    fd = pipe_of(5000, p, sizeof p);
    CHECK(q2_read_file(p, &b, &len, 4096) == Q2_EFORMAT, "a pipe past max_len: Q2_EFORMAT");
    close(fd);
    wait(NULL);
    CHECK(q2_read_file(check_dir, &b, &len, 0) == Q2_EIO, "a directory: Q2_EIO (message says 'is a directory')");
}

static void test_outs(void)
{
    q2_outs o;
    q2_outs_init(&o);
    int rc = q2_outs_add(&o, check_path("a"), "aaaa", 4);
    if (!rc) rc = q2_outs_add(&o, check_path("sub/b"), "bb", 2);
    CHECK(rc == 0 && !is_file(check_path("a"), 4) && q2_outs_tmp(&o, check_path("a")), "staged: not yet in place");
    q2_outs_free(&o);
    CHECK(access(check_path("a"), F_OK) != 0 && access(check_path("sub/b"), F_OK) != 0,
          "freed without commit: neither output appears");

    q2_outs_init(&o);
    rc = q2_outs_add(&o, check_path("a"), "aaaa", 4);
    if (!rc) rc = q2_outs_add(&o, check_path("sub/b"), "bb", 2);
    if (!rc) rc = q2_outs_commit(&o);
    CHECK(rc == 0 && is_file(check_path("a"), 4) && is_file(check_path("sub/b"), 2), "committed: both appear");

    q2_outs_init(&o);
    rc = q2_outs_add(&o, check_path("a"), "x", 1);
    CHECK(rc == 0 && q2_outs_add(&o, check_path("a"), "y", 1) == Q2_EARG, "the same path twice: Q2_EARG");
    q2_outs_free(&o);
    CHECK(is_file(check_path("a"), 4), "... and the old file is untouched");

    CHECK(symlink("a", check_path("link")) == 0 && q2_write_file_atomic(check_path("link"), "zz", 2) == 0 &&
          is_file(check_path("a"), 2), "a symlink is followed: its target is replaced");
    struct stat st;
    CHECK(lstat(check_path("link"), &st) == 0 && S_ISLNK(st.st_mode), "... and the link stays a link");
    CHECK(q2_write_file_atomic(check_dir, "x", 1) == Q2_EARG, "a directory as output: Q2_EARG");

    q2_outs_init(&o);
    rc = q2_outs_add(&o, check_path("c"), "ccc", 3);
    if (!rc) rc = q2_outs_add(&o, "/dev/full", "x", 1);
    CHECK(rc == 0 && q2_outs_commit(&o) == Q2_EIO && access(check_path("c"), F_OK) != 0,
          "an in-place output fails (/dev/full): Q2_EIO and the staged one never appears");
    struct stat full;
    CHECK(stat("/dev/full", &full) == 0 && S_ISCHR(full.st_mode), "... and /dev/full is still a device");

    /* /dev/shm is a file system like /tmp: a new file there is created (the fuzz targets use it) */
    char shm[64];
    snprintf(shm, sizeof shm, "/dev/shm/test_util.%d", (int)getpid());
    if (access("/dev/shm", W_OK) == 0) {
        CHECK(q2_write_file_atomic(shm, "shm", 3) == 0 && is_file(shm, 3), "a new file under /dev/shm/ is created");
        unlink(shm);
    }
}

int main(void)
{
    check_tmpdir("test_util");
    test_read();
    test_outs();
    check_tmpdir_remove();
    return check_summary();
}
