/* gemm.c — SGEMM: the reference loops, OpenBLAS, and a hand-written blocked SGEMM.
 *
 * The hand-written engine follows the BLIS/Goto structure:
 *
 *   for jc in n step NC                      B block (KC, NC) packed in NR-wide panels (~1 MB, L2)
 *     for pc in k step KC
 *       pack B[pc.., jc..]
 *       for ic in m step MC                  A block (MC, KC) packed in MR-tall panels (L2)
 *         pack alpha * A[ic.., pc..]
 *         for jr in nc step NR               one B micro-panel (KC, NR) stays in L1
 *           for ir in mc step MR
 *             micro-kernel: acc(MR, NR) = sum_p fma(a[p], b[p], acc); C tile += acc
 *
 * Every element of C gets, for each KC block in order, one sequential fused multiply-add chain,
 * then one addition into C. All three micro-kernels (AVX-512, AVX2+FMA, portable fmaf) do exactly
 * this, so the result has the same bits whichever kernel and however many threads run it.
 * Threads split C into column (or row) stripes; a small persistent pool runs them.
 */
#include "float/gemm.h"

#include <cblas.h> /* the prototypes only: OpenBLAS is loaded with dlopen, never linked */
#include <dlfcn.h>
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/util.h"

/* ---- OpenBLAS, loaded on first use ---------------------------------------------------------------
 * Never linked. Debian 12's libopenblas0-pthread 0.3.21 starts its thread pool in a library
 * constructor (gotoblas_init -> blas_thread_init: one worker per thread but one, the count read
 * from OPENBLAS_NUM_THREADS or the CPUs), and each worker first allocates a BLAS buffer
 * (blas_memory_alloc: 128 MiB + 4 KiB of address space) in a loop that retries forever when the
 * allocation fails; the library destructor (gotoblas_quit -> blas_thread_shutdown_) then joins that
 * worker, so exit() never returns. Linked, that happened in every command, including those that do
 * no GEMM. Loaded here, only when the blas engine is chosen: with the thread count already fixed
 * (exported as OPENBLAS_NUM_THREADS before dlopen, which its constructor reads), and only after
 * checking that its buffers fit, so a short address space is an error (Q2_ENOMEM), not a hang. */
#define OPENBLAS_SONAME       "libopenblas.so.0"
#define OPENBLAS_BUFFER_BYTES (((size_t)128 << 20) + 4096) /* BUFFER_SIZE + FIXED_PAGESIZE, x86-64 */

static struct {
    pthread_mutex_t mu;
    void *lib;  /* dlopen handle; NULL until loaded */
    int rc;     /* result of the first load attempt (0 until then) */
    __typeof__(cblas_sgemm) *sgemm;
    __typeof__(openblas_set_num_threads) *set_num_threads;
    char *(*get_corename)(void); /* NULL when the library lacks it */
} blas = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, NULL, NULL, NULL};

/* Can the process still map one BLAS buffer per OpenBLAS thread? (Mapped and freed, never touched.) */
static bool blas_buffers_fit(int threads)
{
    void *p[Q2_GEMM_MAX_THREADS] = {0};
    int i = 0;
    while (i < threads && (p[i] = malloc(OPENBLAS_BUFFER_BYTES))) i++;
    for (int j = 0; j < i; j++) free(p[j]);
    return i == threads;
}

static int blas_load_locked(int threads)
{
    if (!blas_buffers_fit(threads)) {
        Q2_ERR("load OpenBLAS failed: out of memory: its %d thread(s) need %d x %zu bytes of buffers",
               threads, threads, OPENBLAS_BUFFER_BYTES);
        return Q2_ENOMEM;
    }
    char n[16];
    snprintf(n, sizeof n, "%d", threads);
    if (setenv("OPENBLAS_NUM_THREADS", n, 1)) {
        Q2_ERR("load OpenBLAS failed: setenv OPENBLAS_NUM_THREADS: out of memory");
        return Q2_ENOMEM;
    }
    void *lib = dlopen(OPENBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        Q2_ERR("load OpenBLAS failed: %s (package libopenblas0-pthread)", dlerror());
        return Q2_EIO;
    }
    blas.sgemm = (__typeof__(cblas_sgemm) *)dlsym(lib, "cblas_sgemm");
    blas.set_num_threads = (__typeof__(openblas_set_num_threads) *)dlsym(lib, "openblas_set_num_threads");
    if (!blas.sgemm || !blas.set_num_threads) {
        Q2_ERR("load OpenBLAS failed: %s lacks cblas_sgemm or openblas_set_num_threads", OPENBLAS_SONAME);
        dlclose(lib);
        return Q2_EIO;
    }
    blas.get_corename = (char *(*)(void))dlsym(lib, "openblas_get_corename");
    blas.set_num_threads(threads);
    blas.lib = lib;
    return Q2_OK;
}

/* Load OpenBLAS once (later calls return the first result). */
static int blas_load(void)
{
    int threads = q2_gemm_get_threads();
    pthread_mutex_lock(&blas.mu);
    if (!blas.lib && !blas.rc) blas.rc = blas_load_locked(threads);
    int rc = blas.rc;
    pthread_mutex_unlock(&blas.mu);
    return rc;
}

void q2_sgemm_blas(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc)
{
    if (blas_load()) { /* only when called without q2_gemm_set_engine(Q2_GEMM_BLAS) succeeding */
        Q2_ERR("blas failed: OpenBLAS not loaded; computing with the reference loops");
        q2_sgemm_ref(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    blas.sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
               alpha, a, lda, b, ldb, beta, c, ldc);
}

const char *q2_gemm_blas_core(void)
{
    pthread_mutex_lock(&blas.mu);
    const char *core = blas.lib && blas.get_corename ? blas.get_corename() : NULL;
    pthread_mutex_unlock(&blas.mu);
    return core;
}

/* Is OpenBLAS's kernel one for this CPU's widest vectors? Its DYNAMIC_ARCH build falls back to
 * older kernels (Prescott, Sandybridge ...) on cores it does not know. */
static bool blas_core_fits_cpu(const char *core)
{
    static const char *const avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
    static const char *const avx2[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"};
    __builtin_cpu_init();
    bool w512 = __builtin_cpu_supports("avx512f"), w256 = __builtin_cpu_supports("avx2");
    if (!core) return false;
    if (!w512 && !w256) return true;
    const char *const *names = w512 ? avx512 : avx2;
    size_t n = w512 ? sizeof avx512 / sizeof *avx512 : sizeof avx2 / sizeof *avx2;
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(core, names[i])) return true;
    return false;
}

/* ---- engine and thread settings ------------------------------------------------------------------ */
static q2_gemm_engine g_engine = Q2_GEMM_DEFAULT;
static int g_threads; /* 0: not chosen yet (q2_gemm_get_threads then takes the default) */

static const char *const engine_names[Q2_GEMM_COUNT] = {"blas", "own", "auto"};

const char *q2_gemm_engine_name(q2_gemm_engine e)
{
    return (unsigned)e < Q2_GEMM_COUNT ? engine_names[e] : "?";
}

int q2_gemm_engine_parse(const char *s)
{
    for (int e = 0; e < Q2_GEMM_COUNT; e++)
        if (!strcmp(s, engine_names[e])) return e;
    Q2_ERR("parse gemm engine failed: '%s', need blas, own or auto", s);
    return Q2_EARG;
}

int q2_gemm_set_engine(q2_gemm_engine e)
{
    if ((unsigned)e >= Q2_GEMM_COUNT) {
        Q2_ERR("set engine failed: %d is no engine", (int)e);
        return Q2_EARG;
    }
    if (e == Q2_GEMM_AUTO) { /* OpenBLAS when it loads with a kernel for this CPU, else own */
        g_engine = !blas_load() && blas_core_fits_cpu(q2_gemm_blas_core()) ? Q2_GEMM_BLAS : Q2_GEMM_OWN;
        return Q2_OK;
    }
    int rc = e == Q2_GEMM_BLAS ? blas_load() : Q2_OK;
    if (!rc) g_engine = e;
    return rc;
}
q2_gemm_engine q2_gemm_get_engine(void) { return g_engine; }

/* $OPENBLAS_NUM_THREADS when it is a number in range (the variable OpenBLAS itself reads), else the
 * online CPUs. */
static int default_threads(void)
{
    const char *s = getenv("OPENBLAS_NUM_THREADS");
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (s && *s && !*end && v >= 1 && v <= Q2_GEMM_MAX_THREADS) return (int)v;
    return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

void q2_gemm_set_threads(int n)
{
    if (n <= 0) n = default_threads();
    if (n < 1) n = 1;
    if (n > Q2_GEMM_MAX_THREADS) n = Q2_GEMM_MAX_THREADS;
    g_threads = n;
    pthread_mutex_lock(&blas.mu);
    if (blas.lib) blas.set_num_threads(n);
    pthread_mutex_unlock(&blas.mu);
}

int q2_gemm_get_threads(void)
{
    if (!g_threads) q2_gemm_set_threads(0);
    return g_threads;
}

/* ---- reference ----------------------------------------------------------------------------------- */
void q2_sgemm_ref(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float s = 0.0f;
            for (int p = 0; p < k; p++) {
                float x = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float y = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                s += x * y;
            }
            float *cij = &c[(size_t)i * ldc + j];
            *cij = alpha * s + (beta == 0.0f ? 0.0f : beta * *cij);
        }
}

/* ---- micro-kernels: C(MR, NR) (row stride ldc) += A panel (kc, MR) . B panel (kc, NR) ------------- */
typedef void (*kern_fn)(int kc, const float *a, const float *b, float *c, int ldc);
typedef struct {
    const char *name;
    int mr, nr;
    kern_fn fn;
} kernel;

#define KC     256
#define NC     1024
#define MC_MRS 16       /* MC = 16 * MR */
#define MAX_MR 8
#define MAX_NR 32

__attribute__((target("avx512f"))) static void kern_avx512(int kc, const float *a, const float *b,
                                                           float *c, int ldc)
{
    __m512 acc[8][2];
#pragma GCC unroll 8
    for (int r = 0; r < 8; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++, a += 8, b += 32) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
        for (int r = 0; r < 8; r++) {
            __m512 ar = _mm512_set1_ps(a[r]);
            acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < 8; r++) {
        float *cr = c + (size_t)r * ldc;
        _mm512_storeu_ps(cr, _mm512_add_ps(_mm512_loadu_ps(cr), acc[r][0]));
        _mm512_storeu_ps(cr + 16, _mm512_add_ps(_mm512_loadu_ps(cr + 16), acc[r][1]));
    }
}

__attribute__((target("avx2,fma"))) static void kern_avx2(int kc, const float *a, const float *b,
                                                          float *c, int ldc)
{
    __m256 acc[6][2];
#pragma GCC unroll 6
    for (int r = 0; r < 6; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int p = 0; p < kc; p++, a += 6, b += 16) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
        for (int r = 0; r < 6; r++) {
            __m256 ar = _mm256_broadcast_ss(a + r);
            acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < 6; r++) {
        float *cr = c + (size_t)r * ldc;
        _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), acc[r][0]));
        _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), acc[r][1]));
    }
}

/* Portable: the same fused chain through fmaf(), so its bits equal the SIMD kernels'. */
static void kern_c(int kc, const float *a, const float *b, float *c, int ldc)
{
    float acc[4][16] = {{0}};
    for (int p = 0; p < kc; p++, a += 4, b += 16)
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 16; j++) acc[r][j] = fmaf(a[r], b[j], acc[r][j]);
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 16; j++) c[(size_t)r * ldc + j] += acc[r][j];
}

static const kernel kernels[] = {
    {"avx512", 8, 32, kern_avx512},
    {"avx2", 6, 16, kern_avx2},
    {"c", 4, 16, kern_c},
};
enum { K_AVX512, K_AVX2, K_C, K_COUNT };

static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER; /* one own-engine call at a time */
static const kernel *g_kernel; /* chosen on first use, or by q2_gemm_set_kernel */

static bool kernel_supported(int i)
{
    __builtin_cpu_init();
    switch (i) {
    case K_AVX512: return __builtin_cpu_supports("avx512f");
    case K_AVX2:   return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    default:       return true;
    }
}

static const kernel *pick_kernel(void)
{
    for (int i = 0; i < K_COUNT && !g_kernel; i++)
        if (kernel_supported(i)) g_kernel = &kernels[i];
    return g_kernel;
}

int q2_gemm_set_kernel(const char *name)
{
    for (int i = 0; i < K_COUNT; i++) {
        if (strcmp(name, kernels[i].name)) continue;
        if (!kernel_supported(i)) {
            Q2_ERR("set kernel %s failed: this CPU lacks it", name);
            return Q2_EARG;
        }
        pthread_mutex_lock(&call_mu);
        g_kernel = &kernels[i];
        pthread_mutex_unlock(&call_mu);
        return Q2_OK;
    }
    Q2_ERR("set kernel failed: '%s', need avx512, avx2 or c", name);
    return Q2_EARG;
}

const char *q2_gemm_kernel_name(void) { return pick_kernel()->name; }

/* ---- packing --------------------------------------------------------------------------------------- */
/* alpha * op(A)[i0 .. i0+mc, p0 .. p0+kc] into panels of mr rows: pa[panel][p][r], zero-padded. */
static void pack_a(int mr, bool ta, const float *a, int lda, int i0, int p0, int mc, int kc,
                   float alpha, float *pa)
{
    for (int ir = 0; ir < mc; ir += mr, pa += (size_t)kc * mr) {
        int rows = mc - ir < mr ? mc - ir : mr;
        for (int r = 0; r < mr; r++) {
            if (r >= rows) {
                for (int p = 0; p < kc; p++) pa[(size_t)p * mr + r] = 0.0f;
                continue;
            }
            int i = i0 + ir + r;
            if (ta)
                for (int p = 0; p < kc; p++) pa[(size_t)p * mr + r] = alpha * a[(size_t)(p0 + p) * lda + i];
            else
                for (int p = 0; p < kc; p++) pa[(size_t)p * mr + r] = alpha * a[(size_t)i * lda + p0 + p];
        }
    }
}

/* op(B)[p0 .. p0+kc, j0 .. j0+nc] into panels of nr columns: pb[panel][p][j], zero-padded. */
static void pack_b(int nr, bool tb, const float *b, int ldb, int p0, int j0, int kc, int nc, float *pb)
{
    for (int jr = 0; jr < nc; jr += nr, pb += (size_t)kc * nr) {
        int cols = nc - jr < nr ? nc - jr : nr;
        if (tb) {
            for (int j = 0; j < nr; j++) {
                const float *src = b + (size_t)(j0 + jr + j) * ldb + p0;
                if (j < cols)
                    for (int p = 0; p < kc; p++) pb[(size_t)p * nr + j] = src[p];
                else
                    for (int p = 0; p < kc; p++) pb[(size_t)p * nr + j] = 0.0f;
            }
        } else {
            for (int p = 0; p < kc; p++) {
                const float *src = b + (size_t)(p0 + p) * ldb + j0 + jr;
                float *dst = pb + (size_t)p * nr;
                memcpy(dst, src, (size_t)cols * sizeof *dst);
                for (int j = cols; j < nr; j++) dst[j] = 0.0f;
            }
        }
    }
}

/* ---- one thread's stripe ------------------------------------------------------------------------- */
typedef struct {
    const kernel *K;
    bool ta, tb;
    int m, n, k;
    float alpha;
    const float *a; int lda;  /* (m, lda) or, transposed, (k, lda) */
    const float *b; int ldb;  /* (k, ldb) or, transposed, (n, ldb) */
    float *c; int ldc;        /* (m, ldc) */
    int parts;     /* stripes */
    bool split_n;  /* stripes are column ranges (else row ranges) */
} gemm_job;

/* Pack buffers per stripe, reused across calls. Stripe 0 (the caller's) has static ones, so the
 * engine never fails: when memory is short it runs with fewer stripes, down to one, and the result
 * has the same bits. */
static _Alignas(64) float g_pack_a0[MC_MRS * MAX_MR * KC]; /* (MC, KC) */
static _Alignas(64) float g_pack_b0[KC * NC];              /* (KC, NC) */
static float *g_pack_a[Q2_GEMM_MAX_THREADS] = {g_pack_a0}; /* (MC, KC) per stripe */
static float *g_pack_b[Q2_GEMM_MAX_THREADS] = {g_pack_b0}; /* (KC, NC) per stripe */

/* pre: NULL, or B already packed for all of n (q2_gemm_pack_b: its blocks in this loop's order),
 * which then replaces b and pb. */
static void gemm_block(const kernel *K, bool ta, bool tb, int m, int n, int k, float alpha,
                       const float *a, int lda, const float *b, int ldb, float *c, int ldc, float *pa,
                       float *pb_buf, const float *pre)
{
    const int mr = K->mr, nr = K->nr, mcb = MC_MRS * K->mr;
    float tile[MAX_MR * MAX_NR];
    for (int jc = 0; jc < n; jc += NC) {
        int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = k - pc < KC ? k - pc : KC;
            const float *pb = pre ? pre : pb_buf;
            if (pre)
                pre += (size_t)kc * (size_t)((nc + nr - 1) / nr * nr);
            else
                pack_b(nr, tb, b, ldb, pc, jc, kc, nc, pb_buf);
            for (int ic = 0; ic < m; ic += mcb) {
                int mc = m - ic < mcb ? m - ic : mcb;
                pack_a(mr, ta, a, lda, ic, pc, mc, kc, alpha, pa);
                for (int jr = 0; jr < nc; jr += nr) {
                    const float *bp = pb + (size_t)(jr / nr) * kc * nr;
                    for (int ir = 0; ir < mc; ir += mr) {
                        const float *ap = pa + (size_t)(ir / mr) * kc * mr;
                        float *cp = c + (size_t)(ic + ir) * ldc + jc + jr;
                        if (ir + mr <= mc && jr + nr <= nc) {
                            K->fn(kc, ap, bp, cp, ldc);
                            continue;
                        }
                        int rows = mc - ir < mr ? mc - ir : mr, cols = nc - jr < nr ? nc - jr : nr;
                        memset(tile, 0, sizeof tile);
                        K->fn(kc, ap, bp, tile, nr);
                        for (int r = 0; r < rows; r++)
                            for (int j = 0; j < cols; j++) cp[(size_t)r * ldc + j] += tile[r * nr + j];
                    }
                }
            }
        }
    }
}

/* Stripe `part` of the job: a range of columns (or rows), aligned to the kernel's nr (or mr). */
static void run_part(const gemm_job *J, int part)
{
    int unit = J->split_n ? J->K->nr : J->K->mr, total = J->split_n ? J->n : J->m;
    int units = (total + unit - 1) / unit;
    int u0 = (int)((long)units * part / J->parts), u1 = (int)((long)units * (part + 1) / J->parts);
    int s0 = u0 * unit, s1 = u1 * unit < total ? u1 * unit : total;
    if (s0 >= s1) return;
    if (J->split_n)
        gemm_block(J->K, J->ta, J->tb, J->m, s1 - s0, J->k, J->alpha, J->a, J->lda,
                   J->tb ? J->b + (size_t)s0 * J->ldb : J->b + s0, J->ldb, J->c + s0, J->ldc,
                   g_pack_a[part], g_pack_b[part], NULL);
    else
        gemm_block(J->K, J->ta, J->tb, s1 - s0, J->n, J->k, J->alpha,
                   J->ta ? J->a + s0 : J->a + (size_t)s0 * J->lda, J->lda, J->b, J->ldb,
                   J->c + (size_t)s0 * J->ldc, J->ldc, g_pack_a[part], g_pack_b[part], NULL);
}

/* ---- thread pool: workers 1..n run stripes 1..parts-1, the caller runs stripe 0 ----------------- */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    int n_workers;     /* started so far (never stopped) */
    unsigned gen;      /* bumped per job */
    int pending;       /* workers still busy with the current job */
    gemm_job job;
    unsigned start_gen[Q2_GEMM_MAX_THREADS]; /* (n_workers + 1) gen when worker i was started */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, {0}, {0}};

static void *worker(void *arg)
{
    int part = (int)(intptr_t)arg;
    pthread_mutex_lock(&pool.mu);
    unsigned seen = pool.start_gen[part];
    for (;;) {
        while (pool.gen == seen) pthread_cond_wait(&pool.go, &pool.mu);
        seen = pool.gen;
        gemm_job job = pool.job;
        pthread_mutex_unlock(&pool.mu);
        if (part < job.parts) run_part(&job, part);
        pthread_mutex_lock(&pool.mu);
        if (--pool.pending == 0) pthread_cond_signal(&pool.done);
    }
    return NULL;
}

/* Make sure `parts` stripes have pack buffers and workers; returns how many can run (>= 1: stripe
 * 0's buffers are static). Called with call_mu held. */
static int prepare_parts(int parts)
{
    for (int i = 1; i < parts; i++) {
        if (!g_pack_a[i]) g_pack_a[i] = aligned_alloc(64, sizeof g_pack_a0);
        if (!g_pack_b[i]) g_pack_b[i] = aligned_alloc(64, sizeof g_pack_b0);
        if (!g_pack_a[i] || !g_pack_b[i]) { /* out of memory: fewer stripes, same bits */
            parts = i;
            break;
        }
    }
    pthread_mutex_lock(&pool.mu);
    while (pool.n_workers < parts - 1) {
        pthread_t t;
        int part = pool.n_workers + 1;
        pool.start_gen[part] = pool.gen; /* it waits for the next job */
        if (pthread_create(&t, NULL, worker, (void *)(intptr_t)part) != 0) break;
        pthread_detach(t);
        pool.n_workers++;
    }
    int ok = pool.n_workers + 1 < parts ? pool.n_workers + 1 : parts;
    pthread_mutex_unlock(&pool.mu);
    return ok;
}

/* ---- the hand-written engine ----------------------------------------------------------------------- */
#define OWN_MIN_FLOPS_PER_THREAD (1 << 21) /* below this a stripe is not worth a wake-up */

void q2_sgemm_own(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    for (int i = 0; i < m; i++) { /* C = beta C first; the blocks then add into it */
        float *ci = c + (size_t)i * ldc;
        if (beta == 0.0f)
            memset(ci, 0, (size_t)n * sizeof *ci);
        else if (beta != 1.0f)
            for (int j = 0; j < n; j++) ci[j] *= beta;
    }
    if (k <= 0 || alpha == 0.0f) return;

    pthread_mutex_lock(&call_mu);
    gemm_job J = {pick_kernel(), ta, tb, m, n, k, alpha, a, lda, b, ldb, c, ldc, 1, n >= m};
    double flops = 2.0 * m * n * k;
    int want = q2_gemm_get_threads();
    while (want > 1 && flops / want < OWN_MIN_FLOPS_PER_THREAD) want--;
    int units = J.split_n ? (n + J.K->nr - 1) / J.K->nr : (m + J.K->mr - 1) / J.K->mr;
    if (want > units) want = units;
    J.parts = prepare_parts(want);
    if (J.parts > 1) {
        pthread_mutex_lock(&pool.mu);
        pool.job = J;
        pool.pending = pool.n_workers;
        pool.gen++;
        pthread_cond_broadcast(&pool.go);
        pthread_mutex_unlock(&pool.mu);
    }
    run_part(&J, 0);
    if (J.parts > 1) {
        pthread_mutex_lock(&pool.mu);
        while (pool.pending > 0) pthread_cond_wait(&pool.done, &pool.mu);
        pthread_mutex_unlock(&pool.mu);
    }
    pthread_mutex_unlock(&call_mu);
}

/* ---- B packed once (inference: the weights) ------------------------------------------------------
 * The same panels gemm_block packs on every call, kept: the blocks (jc, pc) in its loop order,
 * each (kc, nc rounded up to nr). A product with them runs the same kernel over the same panels
 * in the same order, so it has the bits of q2_sgemm_own. */
struct q2_gemm_packed {
    const kernel *K;
    int n, k;
    float *pb; /* the blocks, concatenated */
};

int q2_gemm_pack_b(q2_gemm_packed **out, bool tb, int n, int k, const float *b, int ldb)
{
    const kernel *K = pick_kernel();
    size_t total = 0;
    for (int jc = 0; jc < n; jc += NC) {
        int nc = n - jc < NC ? n - jc : NC;
        total += (size_t)k * (size_t)((nc + K->nr - 1) / K->nr * K->nr);
    }
    q2_gemm_packed *p = calloc(1, sizeof *p);
    float *pb = p ? aligned_alloc(64, (total * sizeof(float) + 63) / 64 * 64) : NULL;
    if (!pb) {
        free(p);
        Q2_ERR("pack failed: out of memory for %zu floats", total);
        return Q2_ENOMEM;
    }
    *p = (q2_gemm_packed){K, n, k, pb};
    for (int jc = 0; jc < n; jc += NC) {
        int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = k - pc < KC ? k - pc : KC;
            pack_b(K->nr, tb, b, ldb, pc, jc, kc, nc, pb);
            pb += (size_t)kc * (size_t)((nc + K->nr - 1) / K->nr * K->nr);
        }
    }
    *out = p;
    return Q2_OK;
}

void q2_gemm_packed_free(q2_gemm_packed *p)
{
    if (p) free(p->pb);
    free(p);
}

void q2_sgemm_own_packed(int m, float alpha, const float *a, int lda, const q2_gemm_packed *p, float beta,
                         float *c, int ldc)
{
    if (m <= 0 || p->n <= 0) return;
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        if (beta == 0.0f)
            memset(ci, 0, (size_t)p->n * sizeof *ci);
        else if (beta != 1.0f)
            for (int j = 0; j < p->n; j++) ci[j] *= beta;
    }
    if (p->k <= 0 || alpha == 0.0f) return;
    pthread_mutex_lock(&call_mu); /* stripe 0's pack buffer for A */
    gemm_block(p->K, false, false, m, p->n, p->k, alpha, a, lda, NULL, 0, c, ldc, g_pack_a[0], NULL,
               p->pb);
    pthread_mutex_unlock(&call_mu);
}

/* ---- elementwise kernels of the float model ----------------------------------------------------
 * AVX-512 when the hand-written engine uses its AVX-512 micro-kernel, else scalar; both do the same
 * IEEE operations in the same order (no contraction), so they give the same bits. */
bool q2_gemm_uses_avx512(void) { return pick_kernel() == &kernels[K_AVX512]; }
static bool use_avx512(void) { return q2_gemm_uses_avx512(); }

__attribute__((target("avx512f"))) static void bias_act_avx512(float *y, const float *b, int n, int n_out,
                                                               bool relu)
{
    const __m512 zero = _mm512_setzero_ps();
    for (int i = 0; i < n; i++) {
        float *yi = y + (size_t)i * n_out;
        int j = 0;
        for (; j + 16 <= n_out; j += 16) {
            __m512 v = _mm512_add_ps(_mm512_loadu_ps(yi + j), _mm512_loadu_ps(b + j));
            _mm512_storeu_ps(yi + j, relu ? _mm512_max_ps(v, zero) : v);
        }
        for (; j < n_out; j++) {
            float v = yi[j] + b[j];
            yi[j] = relu && !(v > 0.0f) ? 0.0f : v;
        }
    }
}

void q2_bias_act(float *y, const float *b, int n, int n_out, bool relu)
{
    if (use_avx512()) {
        bias_act_avx512(y, b, n, n_out, relu);
        return;
    }
    for (int i = 0; i < n; i++) {
        float *yi = y + (size_t)i * n_out;
        for (int j = 0; j < n_out; j++) {
            float v = yi[j] + b[j];
            yi[j] = relu && !(v > 0.0f) ? 0.0f : v;
        }
    }
}

/* ---- dispatch -------------------------------------------------------------------------------------- */
void q2_sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc)
{
    if (g_engine == Q2_GEMM_OWN)
        q2_sgemm_own(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else
        q2_sgemm_blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
