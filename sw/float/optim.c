/* optim.c — the trainer's elementwise kernels: the ReLU (and inverted-dropout) backward step and
 * the Adam update, AVX-512 where the GEMM uses it (q2_gemm_uses_avx512), else scalar: the same
 * bits either way (tests/test_mlp.c compares them). Declared in train.h. */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

#include "float/gemm.h"
#include "float/train.h"

__attribute__((target("avx512f"))) static size_t relu_backward_avx512(float *g, const float *a, size_t n,
                                                                      float scale)
{
    const __m512 zero = _mm512_setzero_ps(), s = _mm512_set1_ps(scale);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __mmask16 k = _mm512_cmp_ps_mask(_mm512_loadu_ps(a + i), zero, _CMP_GT_OQ);
        _mm512_storeu_ps(g + i, _mm512_maskz_mul_ps(k, _mm512_loadu_ps(g + i), s));
    }
    return i;
}

void q2_relu_backward(float *g, const float *a, size_t n, float scale)
{
    size_t i = q2_gemm_uses_avx512() ? relu_backward_avx512(g, a, n, scale) : 0;
    for (; i < n; i++) g[i] = a[i] > 0.0f ? g[i] * scale : 0.0f;
}

__attribute__((target("avx512f"))) static size_t adam_avx512(float *w, float *m1, float *m2, const float *g,
                                                             size_t n, float lr, float b1, float b2, float eps)
{
    const __m512 vb1 = _mm512_set1_ps(b1), vc1 = _mm512_set1_ps(1.0f - b1), vb2 = _mm512_set1_ps(b2),
                 vc2 = _mm512_set1_ps(1.0f - b2), vlr = _mm512_set1_ps(lr), veps = _mm512_set1_ps(eps);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 gi = _mm512_loadu_ps(g + i);
        __m512 a = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m1 + i)), _mm512_mul_ps(vc1, gi));
        __m512 v = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(m2 + i)),
                                 _mm512_mul_ps(_mm512_mul_ps(vc2, gi), gi));
        __m512 step = _mm512_div_ps(_mm512_mul_ps(vlr, a), _mm512_add_ps(_mm512_sqrt_ps(v), veps));
        _mm512_storeu_ps(m1 + i, a);
        _mm512_storeu_ps(m2 + i, v);
        _mm512_storeu_ps(w + i, _mm512_sub_ps(_mm512_loadu_ps(w + i), step));
    }
    return i;
}

void q2_adam_update(float *w, float *m1, float *m2, const float *g, size_t n, float lr, float b1, float b2,
                    float eps)
{
    size_t i = q2_gemm_uses_avx512() ? adam_avx512(w, m1, m2, g, n, lr, b1, b2, eps) : 0;
    const float c1 = 1.0f - b1, c2 = 1.0f - b2;
    for (; i < n; i++) {
        float a = b1 * m1[i] + c1 * g[i];
        float v = b2 * m2[i] + c2 * g[i] * g[i];
        m1[i] = a;
        m2[i] = v;
        w[i] = w[i] - lr * a / (sqrtf(v) + eps);
    }
}
