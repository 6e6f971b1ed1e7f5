/* fits.c — does a topology fit a core: the capacity checks of rtl/core/loader.v, in C, for the
 * host (before a LOAD), the up5k preset search (`q2mlp fits`) and the tests. docs/accelerator.md. */
#include "qmodel/qmodel.h"

#include "base/util.h"

void q2_qmodel_need(int n_layers, const int *dims, int lanes, q2_need *need)
{
    *need = (q2_need){ .width = (unsigned)dims[0], .classes = (unsigned)dims[n_layers] };
    for (int l = 0; l < n_layers; l++) {
        uint64_t groups = ((uint64_t)dims[l + 1] + (unsigned)lanes - 1) / (unsigned)lanes;
        need->weight_bytes += groups * (uint64_t)dims[l] * ((unsigned)lanes / 4);
        need->neurons += (uint64_t)dims[l + 1];
        if (l + 1 < n_layers && (unsigned)dims[l + 1] > need->width) need->width = (unsigned)dims[l + 1];
    }
}

int q2_qmodel_fits(int n_layers, const int *dims, int lanes, const q2_caps *c, const char *name)
{
    q2_need n;
    q2_qmodel_need(n_layers, dims, lanes, &n);
    const char *pre = "model does not fit the device";
    if ((unsigned)lanes != c->lanes) {
        Q2_ERR("%s: %s: packed for %d lanes, the device has %u (repack with q2mlp pack --lanes %u)",
                name, pre, lanes, c->lanes, c->lanes);
    } else if (n.weight_bytes > c->wmem_bytes) {
        Q2_ERR("%s: %s: %llu weight bytes, the device holds %u", name, pre,
                (unsigned long long)n.weight_bytes, c->wmem_bytes);
    } else if (n.neurons > c->pmem_neurons) {
        Q2_ERR("%s: %s: %llu neuron records, the device holds %u", name, pre,
                (unsigned long long)n.neurons, c->pmem_neurons);
    } else if (n.width > c->abuf_bytes) {
        Q2_ERR("%s: %s: a layer %u wide, the device's activation buffers hold %u", name, pre,
                n.width, c->abuf_bytes);
    } else if (n.classes > Q2_MAX_CLASSES) {
        Q2_ERR("%s: %s: %u classes, the core's argmax takes at most %d", name, pre, n.classes,
                Q2_MAX_CLASSES);
    } else {
        return 0;
    }
    return Q2_EARG;
}
