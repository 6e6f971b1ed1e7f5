/* test_idx.c — IDX reader (sw/base/idx.c): a valid pair, slices, and every malformed-file case the
 * loader must reject (wrong magic, short header, short or long data, zero dimensions, count
 * mismatch, missing file), each with the message it must print. Then the real MNIST files if
 * $MNIST_DIR holds them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/idx.h"
#include "base/util.h"
#include "check.h"

static const char *errbuf = ""; /* stderr of the last captured call */

/* ---- helpers ---------------------------------------------------------------------------------- */

/* An images file: magic, count, rows, cols, then count*rows*cols bytes (+ extra, may be < 0). */
static void write_images(const char *name, uint32_t magic, uint32_t count, uint32_t rows, uint32_t cols,
                         long extra)
{
    size_t data = (size_t)count * rows * cols, n = (size_t)((long)(16 + data) + extra);
    uint8_t *b = calloc(n + 16, 1);
    check_wr32be(b, magic); check_wr32be(b + 4, count); check_wr32be(b + 8, rows); check_wr32be(b + 12, cols);
    for (size_t i = 16; i < n; i++) b[i] = (uint8_t)(i * 7);
    check_write(check_path(name), b, n);
    free(b);
}

static void write_labels(const char *name, uint32_t magic, uint32_t count, long extra)
{
    size_t n = (size_t)((long)(8 + count) + extra);
    uint8_t *b = calloc(n + 8, 1);
    check_wr32be(b, magic); check_wr32be(b + 4, count);
    for (size_t i = 8; i < n; i++) b[i] = (uint8_t)((i - 8) % 10);
    check_write(check_path(name), b, n);
    free(b);
}

/* Load with stderr captured into errbuf. */
static int load_captured(q2_dataset *d, const char *img, const char *lbl)
{
    capture_begin();
    int rc = q2_dataset_load(d, check_path(img), check_path(lbl));
    errbuf = capture_end();
    if (*errbuf) printf("     stderr: %s", errbuf);
    return rc;
}

/* ---- tests ------------------------------------------------------------------------------------ */
static void test_valid(void)
{
    printf("valid files\n");
    write_images("img", 0x803, 5, 2, 3, 0);
    write_labels("lbl", 0x801, 5, 0);
    q2_dataset d;
    int rc = load_captured(&d, "img", "lbl");
    CHECK(rc == 0 && errbuf[0] == '\0', "5 images of 2x3 load silently (rc %d)", rc);
    if (rc) return;
    CHECK(d.n == 5 && d.rows == 2 && d.cols == 3, "n %d rows %d cols %d", d.n, d.rows, d.cols);
    bool px_ok = true;
    for (int i = 0; i < 30; i++) px_ok &= d.images[i] == (uint8_t)((16 + i) * 7);
    CHECK(px_ok, "pixels are the bytes after the 16-byte header, in order");
    CHECK(d.labels[0] == 0 && d.labels[4] == 4, "labels are the bytes after the 8-byte header");
    q2_dataset s = q2_dataset_slice(&d, 3, 2);
    CHECK(s.n == 2 && s.images == d.images + 18 && s.labels == d.labels + 3, "slice [3, 5) is a view");
    s = q2_dataset_slice(&d, 4, 10);
    CHECK(s.n == 1, "slice past the end is clamped (n %d)", s.n);
    q2_dataset_free(&d);
    CHECK(d.images == NULL && d.n == 0, "free zeroes the struct");
    q2_dataset_free(&d);
}

/* One malformed case: expect rc and a substring of the message. */
static void expect_fail(const char *what, const char *img, const char *lbl, int want_rc, const char *msg)
{
    q2_dataset d = {0};
    int rc = load_captured(&d, img, lbl);
    CHECK(rc == want_rc && strstr(errbuf, msg) != NULL && d.images == NULL,
          "%s: rc %d (need %d), message has \"%s\"", what, rc, want_rc, msg);
    if (!rc) q2_dataset_free(&d);
}

static void test_malformed(void)
{
    printf("malformed files\n");
    write_images("img", 0x803, 5, 2, 3, 0);
    write_labels("lbl", 0x801, 5, 0);

    write_images("img_magic", 0x802, 5, 2, 3, 0);
    expect_fail("images magic 0x802", "img_magic", "lbl", Q2_EFORMAT,
                "img_magic: bad magic 0x00000802, need 0x00000803");
    write_labels("lbl_magic", 0x803, 5, 0);
    expect_fail("labels magic 0x803", "img", "lbl_magic", Q2_EFORMAT,
                "lbl_magic: bad magic 0x00000803, need 0x00000801");
    write_images("img_hdr", 0x803, 5, 2, 3, -(16 + 30 - 10));
    expect_fail("images file of 10 bytes", "img_hdr", "lbl", Q2_EFORMAT, "shorter than the 16-byte header");
    write_images("img_short", 0x803, 5, 2, 3, -1);
    expect_fail("images one byte short", "img_short", "lbl", Q2_EFORMAT, "bad file length 45, need 46");
    write_images("img_long", 0x803, 5, 2, 3, +1);
    expect_fail("images one byte long", "img_long", "lbl", Q2_EFORMAT, "bad file length 47, need 46");
    write_labels("lbl_short", 0x801, 5, -1);
    expect_fail("labels one byte short", "img", "lbl_short", Q2_EFORMAT, "bad file length 12, need 13");
    write_images("img_count", 0x803, 6, 2, 3, -6);
    expect_fail("images count 6 with data for 5", "img_count", "lbl", Q2_EFORMAT, "header says count 6");
    write_images("img_rows0", 0x803, 5, 0, 3, 0);
    expect_fail("zero rows", "img_rows0", "lbl", Q2_EFORMAT, "bad rows 0");
    write_images("img_n0", 0x803, 0, 2, 3, 0);
    expect_fail("zero images", "img_n0", "lbl", Q2_EFORMAT, "bad count 0");
    uint8_t hdr[16];
    check_wr32be(hdr, 0x803); check_wr32be(hdr + 4, 0xffffffffu); check_wr32be(hdr + 8, 0xffffu); check_wr32be(hdr + 12, 0xffffu);
    check_write(check_path("img_huge"), hdr, sizeof hdr);
    expect_fail("dimensions overflowing 32 bits", "img_huge", "lbl", Q2_EFORMAT, "bad image size");
    write_labels("lbl4", 0x801, 4, 0);
    expect_fail("5 images, 4 labels", "img", "lbl4", Q2_EFORMAT, "lbl4: count 4, need 5");
    expect_fail("missing images file", "nonexistent", "lbl", Q2_EIO, "nonexistent");
    expect_fail("missing labels file", "img", "nonexistent", Q2_EIO, "nonexistent");
}

static void test_mnist(void)
{
    const char *d = check_env("MNIST_DIR", "data/mnist");
    char img[512], lbl[512];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte", d);
    snprintf(lbl, sizeof lbl, "%s/train-labels-idx1-ubyte", d);
    if (access(img, R_OK) || access(lbl, R_OK)) {
        printf("real MNIST: skipped (no %s)\n", img);
        return;
    }
    printf("real MNIST in %s\n", d);
    q2_dataset ds;
    int rc = q2_dataset_load(&ds, img, lbl);
    CHECK(rc == 0 && ds.n == 60000 && ds.rows == 28 && ds.cols == 28, "train: %d images of %dx%d", ds.n,
          ds.rows, ds.cols);
    if (rc) return;
    int hist[256] = {0}, max_label = 0;
    for (int i = 0; i < ds.n; i++) {
        hist[ds.labels[i]]++;
        if (ds.labels[i] > max_label) max_label = ds.labels[i];
    }
    CHECK(max_label == 9 && hist[0] == 5923 && hist[1] == 6742, "labels 0..9, 5923 zeros, 6742 ones");
    q2_dataset_free(&ds);
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte", d);
    snprintf(lbl, sizeof lbl, "%s/t10k-labels-idx1-ubyte", d);
    rc = q2_dataset_load(&ds, img, lbl);
    CHECK(rc == 0 && ds.n == 10000, "test: %d images", rc ? -1 : ds.n);
    if (!rc) q2_dataset_free(&ds);
    snprintf(lbl, sizeof lbl, "%s/train-labels-idx1-ubyte", d);
    rc = q2_dataset_load(&ds, img, lbl);
    CHECK(rc == Q2_EFORMAT, "t10k images with train labels: count mismatch rejected");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep checks and captured stderr in order in the log */
    check_tmpdir("q2idx");
    test_valid();
    test_malformed();
    test_mnist();
    check_tmpdir_remove();
    return check_summary();
}
