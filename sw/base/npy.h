/* npy.h — NumPy .npy arrays (format versions 1.0, 2.0, 3.0): a validating reader for float32 /
 * float64 arrays in C order, and a writer. docs/formats.md ".npy" says what is accepted. */
#ifndef Q2_NPY_H
#define Q2_NPY_H

#include <stddef.h>
#include <stdint.h>

#define Q2_NPY_MAX_DIMS   8
#define Q2_NPY_MAX_ELEMS  ((int64_t)1 << 28)   /* refuse larger arrays (1 GiB as float32) */
#define Q2_NPY_MAX_HEADER 65536                /* bytes of the header dictionary */
#define Q2_NPY_MAX_BYTES  (((size_t)1 << 31) + Q2_NPY_MAX_HEADER)

typedef struct {
    int ndim;                         /* 0..Q2_NPY_MAX_DIMS */
    int64_t shape[Q2_NPY_MAX_DIMS];   /* (ndim) */
    int64_t n;                        /* product of shape (1 for ndim 0) */
    int itemsize;                     /* the file's dtype: 4 (float32) or 8 (float64) */
    float *data;                      /* (shape...) C order, converted to float32 */
} q2_npy;

/* Parse .npy bytes (name is used in messages): magic, version, header dict ('descr' '<f4' '<f8'
 * '>f4' '>f8', 'fortran_order' False, 'shape' a tuple of ints), data size exactly as the header
 * says. Fortran order, other dtypes, trailing or missing bytes are errors naming the field. */
int  q2_npy_parse(q2_npy *a, const uint8_t *buf, size_t len, const char *name);
int  q2_npy_load(q2_npy *a, const char *path);
void q2_npy_free(q2_npy *a);

/* Encode data (n = product of shape) as a version 1.0 .npy, little-endian float32 (itemsize 4) or
 * float64 (itemsize 8), C order, header padded with spaces to a multiple of 64 bytes as NumPy
 * does. *buf is malloc'd. */
int  q2_npy_encode(const float *data, int ndim, const int64_t *shape, int itemsize, uint8_t **buf,
                   size_t *len);
int  q2_npy_save(const char *path, const float *data, int ndim, const int64_t *shape, int itemsize);

#endif
