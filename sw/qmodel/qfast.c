/* qfast.c — the fast CPU path of the integer model: the same logits as q2_qmodel_forward_ref
 * (qmodel.c), bit for bit, computed on a batch of images with SIMD.
 *
 * How: the 2-bit codes are unpacked once to int8 weights c = 2k - 3 in panels of 16 neurons x 4
 * inputs (64 bytes), exactly the operand of one AVX512-VNNI vpdpbusd (u8 activations x s8 weights,
 * four products summed into each int32 lane, no saturation). A batch of Q2_FAST_BATCH images runs
 * through each layer together, so every weight panel loaded is used for all images in registers.
 * Input quads that are zero in every image of the batch are skipped (MNIST borders, dead ReLUs):
 * their contribution is exactly 0. Sums are exact in int32 (|acc| < 2^23, docs/arithmetic.md), so
 * the order of additions does not matter and the result equals the reference.
 *
 * Kernels, picked at run time (q2_fast_init): AVX512-VNNI, AVX2 (vpmaddubsw: u8 x s8 -> pairs in
 * int16, |pair| <= 2*255*3 = 1530 so never saturating; summed in int16 for runs of 21 quads, then
 * vpmaddwd by 1 -> int32), portable C. The nonzero quads of a batch are gathered first, interleaved
 * by image (gather_quads), so a kernel finds all images' activations of a quad in one 32-byte row. */
#include "qmodel/qmodel.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define Q2_HAVE_X86 1
#include <immintrin.h>
#else
#define Q2_HAVE_X86 0
#endif

#define BATCH  Q2_FAST_BATCH
#define PANEL  64 /* bytes: 16 neurons x 4 inputs */
#define ALIGN  64

/* One layer over one batch. xq: (nq, BATCH, 4) the nonzero input quads of the batch, interleaved
 * by image (quad qi of image b at xq[(qi * BATCH + b) * 4]); quads: (nq) their indices; nb: the
 * images present (1..BATCH; a kernel may compute all BATCH); out: (BATCH, stride) the requantized
 * outputs of a hidden layer; acc_out: (BATCH, n_pad) the sums of the last layer. */
typedef void (*layer_fn)(const q2_fast *f, int l, const uint8_t *xq, int stride, const int32_t *quads,
                         int nq, int nb, uint8_t *out, int32_t *acc_out);

/* ---- kernel names and CPU support -------------------------------------------------------------- */
const char *q2_fast_kernel_name(q2_fast_kernel k)
{
    static const char *const names[Q2_FAST_COUNT] = {"auto", "c", "avx2", "avx512vnni"};
    return (unsigned)k < Q2_FAST_COUNT ? names[k] : "?";
}

bool q2_fast_kernel_supported(q2_fast_kernel k)
{
    switch (k) {
    case Q2_FAST_AUTO:
    case Q2_FAST_C: return true;
#if Q2_HAVE_X86
    case Q2_FAST_AVX2: return __builtin_cpu_supports("avx2");
    case Q2_FAST_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#endif
    default: return false;
    }
}

/* ---- requantization (docs/arithmetic.md): a' = clamp((acc*M + 2^(S-1)) >> S, 0, 255) -----------
 * acc <= 0 gives 0 whatever M and S (M >= 0, S >= 1), so negative sums are zeroed first and the
 * shift only ever sees non-negative values. */
static inline uint8_t requant(int32_t acc, int64_t m, int64_t rnd, int64_t s)
{
    if (acc <= 0) return 0;
    int64_t r = ((int64_t)acc * m + rnd) >> s;
    return (uint8_t)(r > 255 ? 255 : r);
}

/* ---- portable C kernel ---------------------------------------------------------------------------- */
static void layer_c(const q2_fast *f, int l, const uint8_t *xq, int stride, const int32_t *quads, int nq,
                    int nb, uint8_t *out, int32_t *acc_out)
{
    const int n_blk = f->n_pad[l] / 16, k4 = f->k_pad[l] / 4;
    const bool last = l == f->n_layers - 1;
    for (int b = 0; b < nb; b++) {
        for (int blk = 0; blk < n_blk; blk++) {
            int32_t acc[16];
            memcpy(acc, f->bias[l] + blk * 16, sizeof acc);
            const int8_t *wb = f->w[l] + (size_t)blk * (size_t)k4 * PANEL;
            for (int qi = 0; qi < nq; qi++) {
                const int8_t *w = wb + (size_t)quads[qi] * PANEL;
                const uint8_t *aq = xq + ((size_t)qi * BATCH + (size_t)b) * 4;
                for (int t = 0; t < 16; t++)
                    acc[t] += w[4 * t] * aq[0] + w[4 * t + 1] * aq[1] + w[4 * t + 2] * aq[2] +
                              w[4 * t + 3] * aq[3];
            }
            for (int t = 0; t < 16; t++) {
                int j = blk * 16 + t;
                if (last)
                    acc_out[(size_t)b * (size_t)f->n_pad[l] + (size_t)j] = acc[t];
                else
                    out[(size_t)b * (size_t)stride + (size_t)j] =
                        requant(acc[t], f->mul[l][j], f->rnd[l][j], f->sh[l][j]);
            }
        }
    }
}

#if Q2_HAVE_X86
/* ---- AVX2 kernel: NB images x NH halves (8 neurons each) per tile, sums in int16 ----------------
 * vpmaddubsw gives, per neuron, two int16 pairs c0*a0 + c1*a1 with |pair| <= 2*255*3 = 1530, and
 * saturates nothing. Pairs are summed in int16 with vpaddw for up to AVX2_RUN quads (21 * 1530 =
 * 32,130 <= 32,767: exact, never wrapping), then widened once by vpmaddwd against 1 into the int32
 * sums, which live in memory (touched once per run, so the inner loop keeps NB*NH int16 sums, the
 * weights and one broadcast in registers: no spills). One vpmaddubsw + one vpaddw per 32 MACs. */
#define AVX2_RUN 21
static_assert(AVX2_RUN * 2 * 255 * 3 <= INT16_MAX, "int16 runs of vpmaddubsw pairs must not overflow");

/* 8 int32 sums -> 8 requantized bytes (docs/arithmetic.md): sums <= 0 give 0, so the shift is
 * logical on non-negative int64 lanes (vpmuludq, vpsrlvq), then a clamp at 255. */
__attribute__((target("avx2"))) static inline void requant8_avx2(__m256i acc, const int64_t *m,
                                                                  const int64_t *rnd, const int64_t *sh,
                                                                  uint8_t *dst)
{
    const __m256i max = _mm256_set1_epi64x(255), even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    acc = _mm256_max_epi32(acc, _mm256_setzero_si256());
    __m256i v[2] = {_mm256_cvtepu32_epi64(_mm256_castsi256_si128(acc)),
                    _mm256_cvtepu32_epi64(_mm256_extracti128_si256(acc, 1))};
    for (int h = 0; h < 2; h++) {
        __m256i p = _mm256_mul_epu32(v[h], _mm256_loadu_si256((const __m256i *)(m + 4 * h)));
        p = _mm256_add_epi64(p, _mm256_loadu_si256((const __m256i *)(rnd + 4 * h)));
        p = _mm256_srlv_epi64(p, _mm256_loadu_si256((const __m256i *)(sh + 4 * h)));
        p = _mm256_blendv_epi8(p, max, _mm256_cmpgt_epi64(p, max));
        v[h] = _mm256_permutevar8x32_epi32(p, even); /* the 4 low dwords first */
    }
    __m128i d = _mm_packus_epi32(_mm256_castsi256_si128(v[0]), _mm256_castsi256_si128(v[1]));
    _mm_storel_epi64((__m128i *)dst, _mm_packus_epi16(d, d));
}

/* One image's step, s += vpmaddubsw(broadcast of the 4 bytes at a, w), in asm: from the same
 * intrinsics GCC 12 first loads every image's broadcast, which takes 8 more registers than the
 * 16 there are, and spills sums in the inner loop. */
typedef uint32_t q2_u32_any __attribute__((may_alias, aligned(1)));
__attribute__((target("avx2"))) static inline void step1_avx2(const uint8_t *a, __m256i w, __m256i *s)
{
    __m256i t;
    __asm__("vpbroadcastd %[a], %[t]\n\t"
            "vpmaddubsw %[w], %[t], %[t]\n\t"
            "vpaddw %[t], %[s], %[s]"
            : [s] "+x"(*s), [t] "=&x"(t)
            : [a] "m"(*(const q2_u32_any *)(const void *)a), [w] "x"(w));
}
__attribute__((target("avx2"))) static inline void step2_avx2(const uint8_t *a, __m256i w0, __m256i w1,
                                                              __m256i *s0, __m256i *s1)
{
    __m256i b, t;
    __asm__("vpbroadcastd %[a], %[b]\n\t"
            "vpmaddubsw %[w0], %[b], %[t]\n\t"
            "vpaddw %[t], %[s0], %[s0]\n\t"
            "vpmaddubsw %[w1], %[b], %[t]\n\t"
            "vpaddw %[t], %[s1], %[s1]"
            : [s0] "+x"(*s0), [s1] "+x"(*s1), [b] "=&x"(b), [t] "=&x"(t)
            : [a] "m"(*(const q2_u32_any *)(const void *)a), [w0] "x"(w0), [w1] "x"(w1));
}

/* One run of quads q0 .. qe-1 (at most AVX2_RUN) of one tile: a32 (NB, NH, 8) int32 += the
 * products of images 0..NB-1 of xq with the 8*NH neurons whose weights start at wb. One run per
 * call (a function of its own, not inlined): with the outer loop over runs in the same function,
 * GCC 12 keeps the int32 sums in registers too and spills in the inner loop. Here the loop holds
 * NB*NH int16 sums, NH weights and one broadcast. */
__attribute__((target("avx2"))) static inline __attribute__((always_inline)) void
run_avx2(const int8_t *wb, const uint8_t *xq, const int32_t *quads, int q0, int qe, int32_t a32[][2][8],
         const int NB, const int NH)
{
    __m256i s[BATCH][2];
#pragma GCC unroll 8
    for (int i = 0; i < NB; i++)
#pragma GCC unroll 2
        for (int h = 0; h < NH; h++) s[i][h] = _mm256_setzero_si256();
    for (int qi = q0; qi < qe; qi++) {
        const int8_t *wq = wb + (size_t)quads[qi] * PANEL;
        const uint8_t *aq = xq + (size_t)qi * (BATCH * 4);
        __m256i w[2];
#pragma GCC unroll 2
        for (int h = 0; h < NH; h++) w[h] = _mm256_load_si256((const __m256i *)(wq + 32 * h));
#pragma GCC unroll 8
        for (int i = 0; i < NB; i++) {
            if (NH == 1)
                step1_avx2(aq + 4 * i, w[0], &s[i][0]);
            else
                step2_avx2(aq + 4 * i, w[0], w[1], &s[i][0], &s[i][1]);
        }
    }
    const __m256i ones = _mm256_set1_epi16(1);
#pragma GCC unroll 8
    for (int i = 0; i < NB; i++)
#pragma GCC unroll 2
        for (int h = 0; h < NH; h++) {
            __m256i *p = (__m256i *)a32[i][h];
            _mm256_store_si256(p, _mm256_add_epi32(_mm256_load_si256(p), _mm256_madd_epi16(s[i][h], ones)));
        }
}

#define RUN_AVX2(NB, NH)                                                                                  \
    __attribute__((target("avx2"), noinline)) static void run_avx2_##NB##x##NH(                           \
        const int8_t *wb, const uint8_t *xq, const int32_t *quads, int q0, int qe, int32_t a32[][2][8])    \
    {                                                                                                     \
        run_avx2(wb, xq, quads, q0, qe, a32, NB, NH);                                                     \
    }
RUN_AVX2(8, 1)
RUN_AVX2(4, 2)
RUN_AVX2(2, 2)
RUN_AVX2(1, 2)

/* One tile: images 0..nb-1 x the 8*NH neurons from j0 (j0 a multiple of 16 when NH is 2, of 8 when
 * NH is 1): the sums, then the requantized outputs (hidden layer) or the sums (last layer). */
__attribute__((target("avx2"))) static void tile_avx2(const q2_fast *f, int l, const uint8_t *xq, int stride,
                                                      const int32_t *quads, int nq, int nb, uint8_t *out,
                                                      int32_t *acc_out, int j0)
{
    const int k4 = f->k_pad[l] / 4, NB = nb > 4 ? 8 : nb > 2 ? 4 : nb > 1 ? 2 : 1, NH = NB == 8 ? 1 : 2;
    const bool last = l == f->n_layers - 1;
    const int8_t *wb = f->w[l] + (size_t)(j0 / 16) * (size_t)k4 * PANEL + (size_t)(j0 % 16) * 4;
    _Alignas(32) int32_t a32[BATCH][2][8]; /* (NB, NH, 8) int32 sums */
    for (int i = 0; i < NB; i++)
        for (int h = 0; h < NH; h++) memcpy(a32[i][h], f->bias[l] + j0 + 8 * h, sizeof a32[i][h]);
    for (int q0 = 0; q0 < nq; q0 += AVX2_RUN) {
        const int qe = nq - q0 < AVX2_RUN ? nq : q0 + AVX2_RUN;
        switch (NB) {
        case 8: run_avx2_8x1(wb, xq, quads, q0, qe, a32); break;
        case 4: run_avx2_4x2(wb, xq, quads, q0, qe, a32); break;
        case 2: run_avx2_2x2(wb, xq, quads, q0, qe, a32); break;
        default: run_avx2_1x2(wb, xq, quads, q0, qe, a32); break;
        }
    }
    for (int i = 0; i < nb; i++)
        for (int h = 0; h < NH; h++) {
            int j = j0 + 8 * h;
            if (last)
                memcpy(acc_out + (size_t)i * (size_t)f->n_pad[l] + (size_t)j, a32[i][h], sizeof a32[i][h]);
            else
                requant8_avx2(_mm256_load_si256((const __m256i *)a32[i][h]), f->mul[l] + j, f->rnd[l] + j,
                              f->sh[l] + j, out + (size_t)i * (size_t)stride + (size_t)j);
        }
}

/* 8 images (5..8 present): 8 neurons per tile (8 int16 sums); fewer images: 16 neurons per tile. */
__attribute__((target("avx2"))) static void layer_avx2(const q2_fast *f, int l, const uint8_t *xq, int stride,
                                                       const int32_t *quads, int nq, int nb, uint8_t *out,
                                                       int32_t *acc_out)
{
    const int step = nb > 4 ? 8 : 16;
    for (int j = 0; j < f->n_pad[l]; j += step) tile_avx2(f, l, xq, stride, quads, nq, nb, out, acc_out, j);
}

/* ---- AVX512-VNNI kernel: BATCH images x NR blocks of 16 neurons per tile ---------------------------
 * Requantization in 8 x int64 lanes: vpmuldq (acc x M, both < 2^31), + 2^(S-1), vpsravq by S,
 * clamp to 0..255, vpmovqb. */
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

VNNI_TARGET static inline __m128i requant16_avx512(__m512i acc, const int64_t *m, const int64_t *rnd,
                                                   const int64_t *sh)
{
    const __m512i zero = _mm512_setzero_si512(), max = _mm512_set1_epi64(255);
    __m512i a_lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc));
    __m512i a_hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1));
    __m512i p_lo = _mm512_mul_epi32(a_lo, _mm512_loadu_si512(m));
    __m512i p_hi = _mm512_mul_epi32(a_hi, _mm512_loadu_si512(m + 8));
    p_lo = _mm512_srav_epi64(_mm512_add_epi64(p_lo, _mm512_loadu_si512(rnd)), _mm512_loadu_si512(sh));
    p_hi = _mm512_srav_epi64(_mm512_add_epi64(p_hi, _mm512_loadu_si512(rnd + 8)),
                             _mm512_loadu_si512(sh + 8));
    p_lo = _mm512_min_epi64(_mm512_max_epi64(p_lo, zero), max);
    p_hi = _mm512_min_epi64(_mm512_max_epi64(p_hi, zero), max);
    return _mm_unpacklo_epi64(_mm512_cvtepi64_epi8(p_lo), _mm512_cvtepi64_epi8(p_hi));
}

/* One tile: images 0..NB-1 x NR consecutive 16-neuron blocks starting at block blk. NB and NR are
 * constants at every call site, so the accumulators (NB*NR zmm) live in registers. */
VNNI_TARGET static inline __attribute__((always_inline)) void
tile_avx512(const q2_fast *f, int l, const uint8_t *xq, int stride, const int32_t *quads, int nq,
            uint8_t *out, int32_t *acc_out, int blk, const int NB, const int NR)
{
    const int k4 = f->k_pad[l] / 4;
    const bool last = l == f->n_layers - 1;
    __m512i acc[BATCH][8];
    const int8_t *wb[8];
#pragma GCC unroll 8
    for (int r = 0; r < NR; r++) {
        __m512i bias = _mm512_loadu_si512(f->bias[l] + (blk + r) * 16);
#pragma GCC unroll 16
        for (int i = 0; i < NB; i++) acc[i][r] = bias;
        wb[r] = f->w[l] + (size_t)(blk + r) * (size_t)k4 * PANEL;
    }
    for (int qi = 0; qi < nq; qi++) {
        size_t q = (size_t)quads[qi];
        const uint8_t *aq = xq + (size_t)qi * (BATCH * 4);
        __m512i w[8];
#pragma GCC unroll 8
        for (int r = 0; r < NR; r++) w[r] = _mm512_load_si512(wb[r] + q * PANEL);
#pragma GCC unroll 16
        for (int i = 0; i < NB; i++) {
            __m512i a = _mm512_broadcastd_epi32(_mm_loadu_si32(aq + 4 * i));
#pragma GCC unroll 8
            for (int r = 0; r < NR; r++) acc[i][r] = _mm512_dpbusd_epi32(acc[i][r], a, w[r]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < NR; r++) {
        int j = (blk + r) * 16;
#pragma GCC unroll 16
        for (int i = 0; i < NB; i++) {
            if (last)
                _mm512_storeu_si512(acc_out + (size_t)i * (size_t)f->n_pad[l] + (size_t)j, acc[i][r]);
            else
                _mm_storeu_si128((__m128i *)(out + (size_t)i * (size_t)stride + (size_t)j),
                                 requant16_avx512(acc[i][r], f->mul[l] + j, f->rnd[l] + j,
                                                  f->sh[l] + j));
        }
    }
}

/* All blocks of a layer for NB images, NR blocks per tile: as many as keep NB*NR accumulators, NR
 * weights and a broadcast in the 32 registers and give at least 6 independent vpdpbusd chains
 * (its latency is about 5 cycles, 2 issue per cycle); then 2, then 1. */
VNNI_TARGET static inline __attribute__((always_inline)) void
blocks_avx512(const q2_fast *f, int l, const uint8_t *xq, int stride, const int32_t *quads, int nq,
              uint8_t *out, int32_t *acc_out, const int NB)
{
    const int n_blk = f->n_pad[l] / 16, NR = NB == 1 ? 8 : NB == 2 ? 6 : NB == 4 ? 4 : 3;
    int b = 0;
    for (; b + NR <= n_blk; b += NR) tile_avx512(f, l, xq, stride, quads, nq, out, acc_out, b, NB, NR);
    for (; b + 2 <= n_blk; b += 2) tile_avx512(f, l, xq, stride, quads, nq, out, acc_out, b, NB, 2);
    for (; b < n_blk; b++) tile_avx512(f, l, xq, stride, quads, nq, out, acc_out, b, NB, 1);
}

VNNI_TARGET static void layer_avx512(const q2_fast *f, int l, const uint8_t *xq, int stride,
                                     const int32_t *quads, int nq, int nb, uint8_t *out, int32_t *acc_out)
{
    if (nb > 4)
        blocks_avx512(f, l, xq, stride, quads, nq, out, acc_out, 8);
    else if (nb > 2)
        blocks_avx512(f, l, xq, stride, quads, nq, out, acc_out, 4);
    else if (nb > 1)
        blocks_avx512(f, l, xq, stride, quads, nq, out, acc_out, 2);
    else
        blocks_avx512(f, l, xq, stride, quads, nq, out, acc_out, 1);
}
#endif /* Q2_HAVE_X86 */

static layer_fn kernel_fn(q2_fast_kernel k)
{
#if Q2_HAVE_X86
    if (k == Q2_FAST_AVX512) return layer_avx512;
    if (k == Q2_FAST_AVX2) return layer_avx2;
#endif
    (void)k;
    return layer_c;
}

/* ---- init / free --------------------------------------------------------------------------------- */
void q2_fast_free(q2_fast *f)
{
    for (int l = 0; l < Q2_MAX_LAYERS; l++) {
        free(f->w[l]);
        free(f->bias[l]);
        free(f->mul[l]);
        free(f->rnd[l]);
        free(f->sh[l]);
    }
    free(f->act[0]);
    free(f->act[1]);
    free(f->acc);
    free(f->quads);
    free(f->xq);
    memset(f, 0, sizeof *f);
}

static void *zalloc(size_t n)
{
    n = (n + ALIGN - 1) / ALIGN * ALIGN;
    void *p = aligned_alloc(ALIGN, n ? n : ALIGN);
    if (p) memset(p, 0, n ? n : ALIGN);
    return p;
}

int q2_fast_init(q2_fast *f, const q2_qmodel *q, q2_fast_kernel k)
{
    memset(f, 0, sizeof *f);
    if (k == Q2_FAST_AUTO)
        k = q2_fast_kernel_supported(Q2_FAST_AVX512) ? Q2_FAST_AVX512
            : q2_fast_kernel_supported(Q2_FAST_AVX2) ? Q2_FAST_AVX2
                                                     : Q2_FAST_C;
    if ((unsigned)k >= Q2_FAST_COUNT || !q2_fast_kernel_supported(k)) {
        Q2_ERR("init failed: kernel %s is not supported on this CPU", q2_fast_kernel_name(k));
        return Q2_EARG;
    }
    if (q->n_layers < 1 || q->n_layers > Q2_MAX_LAYERS) {
        Q2_ERR("init failed: n_layers is %d, need 1..%d", q->n_layers, Q2_MAX_LAYERS);
        return Q2_EARG;
    }
    f->kernel = k;
    f->n_layers = q->n_layers;
    int width = 64;
    for (int l = 0; l < q->n_layers; l++) {
        const q2_qlayer *L = &q->layers[l];
        f->n_in[l] = L->n_in;
        f->n_out[l] = L->n_out;
        f->k_pad[l] = (L->n_in + 3) / 4 * 4;
        f->n_pad[l] = (L->n_out + 15) / 16 * 16;
        if (f->k_pad[l] > width) width = f->k_pad[l];
        if (f->n_pad[l] > width) width = f->n_pad[l];
    }
    f->max_width = (width + 63) / 64 * 64;
    for (int l = 0; l < q->n_layers; l++) {
        const q2_qlayer *L = &q->layers[l];
        size_t np = (size_t)f->n_pad[l], k4 = (size_t)f->k_pad[l] / 4;
        f->w[l] = zalloc(np / 16 * k4 * PANEL);
        f->bias[l] = zalloc(np * sizeof(int32_t));
        f->mul[l] = zalloc(np * sizeof(int64_t));
        f->rnd[l] = zalloc(np * sizeof(int64_t));
        f->sh[l] = zalloc(np * sizeof(int64_t));
        if (!f->w[l] || !f->bias[l] || !f->mul[l] || !f->rnd[l] || !f->sh[l]) goto out_nomem;
        bool hidden = l < q->n_layers - 1;
        for (int j = 0; j < L->n_out; j++) {
            f->bias[l][j] = L->bias[j];
            if (hidden) {
                f->mul[l][j] = L->m[j];
                f->sh[l][j] = L->s[j];
                f->rnd[l][j] = (int64_t)1 << (L->s[j] - 1);
            }
            /* panel (j/16, i/4), lane j%16, byte i%4: w[((j/16)*k4 + i/4)*64 + (j%16)*4 + i%4] */
            const uint8_t *row = L->codes + (size_t)j * (size_t)L->n_in;
            int8_t *wp = f->w[l] + (size_t)(j / 16) * k4 * PANEL + (size_t)(j % 16) * 4;
            for (int i = 0; i < L->n_in; i++)
                wp[(size_t)(i / 4) * PANEL + (size_t)(i % 4)] = (int8_t)(2 * row[i] - 3);
        }
        /* padded neurons: zero weights, zero bias, M = 0 -> output 0 (sh = 1 keeps the shift legal) */
        for (int j = L->n_out; j < f->n_pad[l]; j++) f->sh[l][j] = 1;
    }
    f->act[0] = zalloc((size_t)BATCH * (size_t)f->max_width);
    f->act[1] = zalloc((size_t)BATCH * (size_t)f->max_width);
    f->acc = zalloc((size_t)BATCH * (size_t)f->max_width * sizeof(int32_t));
    f->quads = zalloc((size_t)f->max_width / 4 * sizeof(int32_t));
    f->xq = zalloc((size_t)BATCH * (size_t)f->max_width);
    if (!f->act[0] || !f->act[1] || !f->acc || !f->quads || !f->xq) goto out_nomem;
    return Q2_OK;
out_nomem:
    q2_fast_free(f);
    Q2_ERR("init failed: out of memory");
    return Q2_ENOMEM;
}

/* ---- forward ---------------------------------------------------------------------------------------- */
#if Q2_HAVE_X86
/* Quads q0, q0+8, ... below q1 (a multiple of 8 after q0) of all BATCH images, 8 quads at a time:
 * one 32-byte load per image, an 8 x 8 transpose of dwords into the image-interleaved slots, and
 * a branch-free compaction (every slot is written, the count advances only for nonzero quads; the
 * slot written last is at most quad index q, so it stays inside xq). Returns the new nq. */
__attribute__((target("avx2"))) static int gather8_avx2(const uint8_t *in, int stride, int q0, int q1,
                                                        int32_t *quads, uint8_t *xq, int nq)
{
    for (int q = q0; q < q1; q += 8) {
        __m256i r[BATCH], any = _mm256_setzero_si256();
        for (int b = 0; b < BATCH; b++) {
            r[b] = _mm256_loadu_si256((const __m256i *)(in + (size_t)b * (size_t)stride + 4 * (size_t)q));
            any = _mm256_or_si256(any, r[b]);
        }
        unsigned nz = ~(unsigned)_mm256_movemask_ps(
                          _mm256_castsi256_ps(_mm256_cmpeq_epi32(any, _mm256_setzero_si256()))) & 0xffu;
        if (!nz) continue;
        __m256i t[8], u[8], v[8];
        for (int b = 0; b < 8; b += 2) {
            t[b] = _mm256_unpacklo_epi32(r[b], r[b + 1]); /* quads 0,1 | 4,5 of images b, b+1 */
            t[b + 1] = _mm256_unpackhi_epi32(r[b], r[b + 1]); /* quads 2,3 | 6,7 */
        }
        for (int h = 0; h < 8; h += 4) { /* images h..h+3: u[h + i] = quad i | quad i+4 */
            u[h + 0] = _mm256_unpacklo_epi64(t[h], t[h + 2]);
            u[h + 1] = _mm256_unpackhi_epi64(t[h], t[h + 2]);
            u[h + 2] = _mm256_unpacklo_epi64(t[h + 1], t[h + 3]);
            u[h + 3] = _mm256_unpackhi_epi64(t[h + 1], t[h + 3]);
        }
        for (int i = 0; i < 4; i++) { /* quad i and i+4: images 0..3 from u[i], 4..7 from u[4 + i] */
            v[i] = _mm256_permute2x128_si256(u[i], u[4 + i], 0x20);
            v[i + 4] = _mm256_permute2x128_si256(u[i], u[4 + i], 0x31);
        }
        for (int i = 0; i < 8; i++) {
            _mm256_storeu_si256((__m256i *)(xq + (size_t)nq * (BATCH * 4)), v[i]);
            quads[nq] = q + i;
            nq += (int)((nz >> i) & 1u);
        }
    }
    return nq;
}
#endif

/* The input quads (4 consecutive activations) that are nonzero in at least one of the nb images:
 * their indices into quads, their bytes into xq interleaved by image ((nq, BATCH, 4); the rows of
 * images nb..BATCH-1 are zero). simd: a full batch may take the AVX2 gather. Returns nq. */
static int gather_quads(const uint8_t *in, int stride, int k_pad, int nb, bool simd, int32_t *quads,
                        uint8_t *xq)
{
    int nq = 0, q = 0;
#if Q2_HAVE_X86
    if (simd && nb == BATCH) {
        q = k_pad / 4 / 8 * 8; /* whole groups of 8 quads inside k_pad: bytes beyond it are not zeroed */
        nq = gather8_avx2(in, stride, 0, q, quads, xq, 0);
    }
#else
    (void)simd;
#endif
    for (; q < k_pad / 4; q++) {
        /* written straight into the next slot (4-byte copies; staging them in an array read back
         * as 16 bytes stalls store forwarding), kept only if any image's quad is nonzero */
        uint8_t *slot = xq + (size_t)nq * (BATCH * 4);
        uint32_t any = 0, v;
        for (int b = 0; b < nb; b++) {
            memcpy(&v, in + (size_t)b * (size_t)stride + 4 * (size_t)q, 4);
            memcpy(slot + 4 * b, &v, 4);
            any |= v;
        }
        if (!any) continue;
        memset(slot + 4 * nb, 0, (size_t)(BATCH - nb) * 4);
        quads[nq++] = q;
    }
    return nq;
}

int q2_fast_forward(q2_fast *f, const uint8_t *x, int n, int32_t *logits, int *classes)
{
    if (n < 0 || !f->w[0]) {
        Q2_ERR("forward failed: %s", n < 0 ? "negative image count" : "model not initialised");
        return Q2_EARG;
    }
    const layer_fn fn = kernel_fn((q2_fast_kernel)f->kernel);
    const bool simd = f->kernel == Q2_FAST_AVX2 || f->kernel == Q2_FAST_AVX512; /* both imply AVX2 */
    const int stride = f->max_width, n_in = f->n_in[0], last = f->n_layers - 1;
    const int n_cls = f->n_out[last];
    for (int b0 = 0; b0 < n; b0 += BATCH) {
        int nb = n - b0 < BATCH ? n - b0 : BATCH;
        uint8_t *in = f->act[0], *out = f->act[1];
        /* rows of a partial batch beyond nb stay zero images; their results are dropped */
        memset(in, 0, (size_t)BATCH * (size_t)stride);
        for (int b = 0; b < nb; b++)
            memcpy(in + (size_t)b * (size_t)stride, x + (size_t)(b0 + b) * (size_t)n_in, (size_t)n_in);
        for (int l = 0; l <= last; l++) {
            int nq = gather_quads(in, stride, f->k_pad[l], nb, simd, f->quads, f->xq);
            f->macs_done += (uint64_t)nq * 4 * (uint64_t)f->n_out[l] * (uint64_t)nb;
            fn(f, l, f->xq, stride, f->quads, nq, nb, out, f->acc);
            uint8_t *t = in;
            in = out;
            out = t;
        }
        for (int b = 0; b < nb; b++) {
            const int32_t *v = f->acc + (size_t)b * (size_t)f->n_pad[last];
            if (logits) memcpy(logits + (size_t)(b0 + b) * (size_t)n_cls, v, (size_t)n_cls * sizeof *v);
            if (classes) classes[b0 + b] = q2_argmax(v, n_cls);
        }
    }
    return Q2_OK;
}

double q2_fast_accuracy(q2_fast *f, const uint8_t *images, const uint8_t *labels, int n)
{
    enum { CHUNK = 1024 };
    int cls[CHUNK], correct = 0;
    if (n <= 0) return -1;
    for (int s = 0; s < n; s += CHUNK) {
        int c = n - s < CHUNK ? n - s : CHUNK;
        if (q2_fast_forward(f, images + (size_t)s * (size_t)f->n_in[0], c, NULL, cls)) return -1;
        for (int i = 0; i < c; i++) correct += cls[i] == labels[s + i];
    }
    return (double)correct / n;
}
