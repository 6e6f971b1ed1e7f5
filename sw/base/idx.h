/* idx.h — MNIST-style IDX files (images 0x00000803, labels 0x00000801), validated on load. */
#ifndef Q2_IDX_H
#define Q2_IDX_H

#include <stdint.h>

typedef struct {
    int n;            /* number of examples */
    int rows, cols;   /* image size; n_pixels = rows * cols */
    uint8_t *images;  /* (n, rows*cols) raw pixels 0..255 */
    uint8_t *labels;  /* (n) class indices */
} q2_dataset;

/* The validation split of every command (train, study, pack): the last Q2_VAL_DEFAULT training
 * images; the rest train. */
#define Q2_VAL_DEFAULT 5000

/* Load an image file and a label file; counts must agree, sizes must match the headers
 * exactly. Returns 0 or Q2_EIO / Q2_EFORMAT / Q2_ENOMEM, naming the file and field. */
int  q2_dataset_load(q2_dataset *d, const char *images_path, const char *labels_path);
void q2_dataset_free(q2_dataset *d);
/* A view of examples [start, start+count) of d (shares memory; do not free). */
q2_dataset q2_dataset_slice(const q2_dataset *d, int start, int count);

#endif
