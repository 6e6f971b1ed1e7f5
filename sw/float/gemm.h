/* gemm.h — single-precision matrix multiply for the float model: one call, two engines.
 *
 *   C (m, n) = alpha * op(A) op(B) + beta * C      row-major; op(X) = X or X^T
 *   op(A) is (m, k): A is (m, lda>=k) or, transposed, (k, lda>=m)
 *   op(B) is (k, n): B is (k, ldb>=n) or, transposed, (n, ldb>=k)
 *
 * Engines: "blas" = OpenBLAS cblas_sgemm, loaded on first use (gemm.c says why it is not linked);
 * "own" = the hand-written blocked SGEMM of gemm.c
 * (packed panels, AVX-512 / AVX2+FMA / portable micro-kernels picked at run time, its own
 * thread pool). Both are deterministic for a fixed thread count; "own" gives the same bits
 * for any thread count and micro-kernel (each C element is one fixed chain of fused
 * multiply-adds, summed by one thread). "own" never fails: short of memory, it uses fewer threads.
 * Thread safety: any thread may call q2_sgemm; calls to the "own" engine run one at a time (they
 * share the pool and its pack buffers). Settings (engine, threads, kernel) are process-wide and
 * meant to be chosen once, before work starts.
 * The choice and the measured speeds: docs/performance.md, docs/dependencies.md.
 */
#ifndef Q2_GEMM_H
#define Q2_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/* AUTO is a choice, not an engine: q2_gemm_set_engine resolves it to BLAS when OpenBLAS loads and
 * reports a kernel for this CPU's widest vectors (q2_gemm_blas_core), else to OWN. */
typedef enum { Q2_GEMM_BLAS, Q2_GEMM_OWN, Q2_GEMM_AUTO, Q2_GEMM_COUNT } q2_gemm_engine;

/* Training's and eval's engine: the same bits for any thread count and micro-kernel (so `make run`
 * is reproducible) and no dependence on OpenBLAS knowing the CPU. Inference speed: AUTO (the peer
 * benchmark's default), which is OpenBLAS wherever its kernel suits the CPU (docs/performance.md). */
#define Q2_GEMM_DEFAULT   Q2_GEMM_OWN
#define Q2_GEMM_MAX_THREADS 64

const char *q2_gemm_engine_name(q2_gemm_engine e); /* "blas", "own", "auto" */
int  q2_gemm_engine_parse(const char *s);          /* q2_gemm_engine or Q2_EARG */
/* Process-wide. Choosing blas loads OpenBLAS (dlopen; it is never linked), with the thread count
 * chosen so far: Q2_EIO if the library is missing, Q2_ENOMEM if its buffers do not fit. */
int  q2_gemm_set_engine(q2_gemm_engine e);
q2_gemm_engine q2_gemm_get_engine(void);            /* BLAS or OWN (never AUTO) */
/* OpenBLAS's kernel (openblas_get_corename: "Haswell", "SkylakeX" ...); NULL until it is loaded. */
const char *q2_gemm_blas_core(void);
/* Threads for both engines (1..Q2_GEMM_MAX_THREADS; <= 0 or never set: $OPENBLAS_NUM_THREADS if
 * set, else the number of online CPUs). */
void q2_gemm_set_threads(int n);
int  q2_gemm_get_threads(void);
const char *q2_gemm_kernel_name(void);             /* micro-kernel "own" uses: avx512, avx2, c */
int  q2_gemm_set_kernel(const char *name);         /* force one (tests, benchmarks); Q2_EARG if absent */

/* C = alpha op(A) op(B) + beta C with the current engine. beta == 0: C is not read. */
void q2_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);
/* The same with a given engine, and the reference (plain loops, for the tests). */
void q2_sgemm_blas(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
                   int lda, const float *b, int ldb, float beta, float *c, int ldc);
void q2_sgemm_own(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
                  int lda, const float *b, int ldb, float beta, float *c, int ldc);
void q2_sgemm_ref(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
                  int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* ---- B packed once, for products with many A (inference: the weights) ---- */
/* op(B) (k, n) packed as the own engine packs it on every call; *out is freed with
 * q2_gemm_packed_free. C (m, n) = alpha A (m, k) op(B) + beta C, one thread, with the bits of
 * q2_sgemm_own(false, tb, m, n, k, ...) on the same B (valid while B is unchanged). */
typedef struct q2_gemm_packed q2_gemm_packed;
int  q2_gemm_pack_b(q2_gemm_packed **out, bool tb, int n, int k, const float *b, int ldb);
void q2_gemm_packed_free(q2_gemm_packed *p);
void q2_sgemm_own_packed(int m, float alpha, const float *a, int lda, const q2_gemm_packed *p, float beta,
                         float *c, int ldc);

/* ---- elementwise kernels of the float model (AVX-512 or scalar, same bits) ---- */
/* y (n, n_out) += b (n_out) per row, then ReLU (max(v, 0)) if relu. */
void q2_bias_act(float *y, const float *b, int n, int n_out, bool relu);
/* Whether the kernels run their AVX-512 forms (the GEMM's choice; the trainer's kernels follow it). */
bool q2_gemm_uses_avx512(void);

#endif
