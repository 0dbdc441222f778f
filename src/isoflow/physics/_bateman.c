/* The float64 Bateman kernel of isoflow.physics.engine, fused into one pass per block of
 * points, and its long-double retry.
 *
 * For every (inventory, time) point it evaluates, on the chain's eigen-decomposition
 * A = C diag(-lambda) C^-1 (C unit lower triangular, columns in topological order):
 *
 *   exp form    N(t) = C (exp(-lambda t) .* y),          y = C^-1 N(0)
 *   expm1 form  N(t) = N(0) + C (expm1(-lambda t) .* y)  (only where the exp form fails)
 *
 * each with a rigorous rounding bound (the same product on absolute values, see "Error
 * budget"), keeps per entry the form with the smaller bound, and applies the engine's
 * trust test:
 *   v >= b / TRUST_REL for every nuclide, or the nuclide is insignificant
 *   (|v| + b <= FLOOR_REL * min(total activity / lambda, total atoms), or below
 *   UNDERFLOW_REL of the total atoms), then clamped >= 0.
 * Points it cannot vouch for are flagged (ok[p] = 0) for the engine's long-double and exact
 * retries, and keep in out the float64 atoms of the nuclides it did vouch for and NaN for
 * the others, so that the long-double retry recomputes only those. No transcendental is
 * evaluated for a column whose exp(-lambda t) underflows, so long chains at long times cost
 * only their live columns.
 *
 * For one inventory at many times, an exp-form row is first tested against a bound valid
 * over its whole block (the per-point budget below with every column at its largest over
 * the block: e at the earliest time, x at the latest); only rows whose values do not clear
 * it get a bound per point. Deep in secular equilibrium that halves the work.
 *
 * out is written through element strides (inventory, time, nuclide): the engine lays the
 * result out with the points running fastest, so each nuclide of a block is one run of
 * contiguous stores.
 *
 * Points are taken in blocks of times so that exp and expm1 run as vector loops over a
 * block (exp_neg / expm1_neg below, Cody-Waite reduction and a Taylor polynomial), compiled
 * for AVX-512, AVX2+FMA and baseline x86-64 and chosen at load time.
 *
 * Error budget (first order in eps = 2^-53, then a factor 1.001 for the rest). With
 * a_k = sum_i |C^-1_ki| |N0_i| over the p_k non-zero terms, and q_r the non-zero entries of
 * row r of C, one term C_rk y_k e_k of the exp form carries: y_k's rounding (p_k + 1) eps a_k
 * (C^-1 rounded once, p_k - 1 additions, one product), C_rk's 1 eps, exp_neg's E = 3 eps
 * (1.5 ulp), its argument's 2 x_k eps (lambda and lambda t each rounded once: the relative
 * error of e is x times that of x), two products 2 eps; the sum of q_r terms adds
 * (q_r - 1) eps of the sum of |terms|. Hence
 *   |error_r| <= eps sum_k |C_rk| e_k a_k (p_k + 6 + 2 x_k) + eps q_r sum_k |C_rk| e_k a_k,
 * and since p_k + 6 + 2 x_k >= 7, the second sum is folded into the first by the row
 * factor R_r = 1 + q_r / 7. The expm1 form is the same with m_k, except that the argument
 * moves m by at most 2 eps |m| (x e^-x <= 1 - e^-x), so its column factor is p_k + 9, and
 * N0_r joins the sum: q_r eps |N0_r| more, plus 2 eps |result| for good measure.
 * exp_neg and expm1_neg are within 1.5 ulp of the true value (reduction 0.35 eps,
 * polynomial truncation < 0.05 eps, Horner and scaling roundings; tests/physics/
 * test_kernel.py checks them against correctly rounded values on a dense sample: measured
 * maximum 1.3 ulp).
 * exp(-x) below DBL_MIN (x >= 708.39) is taken as 0, and the bound gains
 * 2 DBL_MIN max_k |C_rk| sum_k a_k, which covers every such neglected term at once; every
 * bound also gains 3 (n + 1) subnormals, since roundings below DBL_MIN are absolute.
 * No -ffast-math: the bound assumes IEEE arithmetic; an FMA only removes a rounding.
 *
 * Only the CPython buffer protocol is used (no numpy headers); the engine passes C-contiguous
 * float64 arrays and checks shapes, and the kernel re-checks the byte sizes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TRUST_REL 1e-9
#define FLOOR_REL 1e-15
#define UNDERFLOW_REL 0x1p-990  /* out of float64's range relative to the inventory */
#define EPS 0x1p-53
#define EXP_TINY 708.39      /* exp(-x) < DBL_MIN beyond this: taken as 0, see the budget */
#define EXPM1_SATURATES 38.0 /* expm1(-x) is -1 to within 0.3 eps beyond this */
#define BLOCK 128             /* times per block: n x BLOCK doubles x 3 stay in L1/L2 */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", \
                                                   "default")))
#else
#define VECTOR_CLONES
#endif
/* the block functions are inlined into each clone of solve_all, so they vectorise for it */
#define INLINE static inline __attribute__((always_inline))

static const double INV_LN2 = 0x1.71547652b82fep0;
static const double LN2_HI = 0x1.62e42fee00000p-1;  /* 32 bits: k * LN2_HI is exact */
static const double LN2_LO = 0x1.a39ef35793c76p-33;
static const double SHIFTER = 0x1.8p52;            /* x + SHIFTER rounds x to an integer */

static inline uint64_t bits_of(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline double double_of(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

/* Taylor coefficients 1/j! for exp(r) and expm1(r), |r| <= ln2/2 (term 14 < 4e-18 relative) */
#define TAYLOR(r) (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * ( \
    1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800 \
    + r * (1.0 / 39916800 + r * (1.0 / 479001600 + r * (1.0 / 6227020800.0 + r * ( \
    1.0 / 87178291200.0))))))))))))))

/* e[j] = exp(-x[j]) for x[j] >= 0 (0 below DBL_MIN) */
INLINE void exp_neg_loop(const double *restrict x, double *restrict e, Py_ssize_t count)
{
    for (Py_ssize_t j = 0; j < count; j++) {
        double xj = x[j] < EXP_TINY ? x[j] : EXP_TINY;
        double kt = xj * INV_LN2 + SHIFTER;
        double k = kt - SHIFTER;                       /* round(x / ln2), 0..1022 */
        double r = (k * LN2_HI - xj) + k * LN2_LO;     /* exp(-x) = 2^-k exp(r) */
        double p = 1.0 + r * TAYLOR(r);
        double scale = double_of((uint64_t)(1023 + bits_of(SHIFTER) - bits_of(kt)) << 52);
        e[j] = x[j] < EXP_TINY ? p * scale : 0.0;
    }
}

/* m[j] = expm1(-x[j]) for x[j] >= 0 */
INLINE void expm1_neg_loop(const double *restrict x, double *restrict m,
                                  Py_ssize_t count)
{
    for (Py_ssize_t j = 0; j < count; j++) {
        double xj = x[j] < EXPM1_SATURATES ? x[j] : EXPM1_SATURATES;
        double kt = xj * INV_LN2 + SHIFTER;
        double k = kt - SHIFTER;                       /* 0..55 */
        double r = (k * LN2_HI - xj) + k * LN2_LO;
        double q = r * TAYLOR(r);                      /* expm1(r) */
        double scale = double_of((uint64_t)(1023 + bits_of(SHIFTER) - bits_of(kt)) << 52);
        double v = scale * q + (scale - 1.0);          /* 2^-k (q + 1) - 1: one rounding */
        m[j] = x[j] < EXPM1_SATURATES ? v : -1.0;
    }
}

/* For x <= SMALL_X (2^-10) no reduction is needed: e = exp(-x) by Taylor to x^6 and
 * m = expm1(-x) to x^7 (remainders below 2^-70 relative), a handful of operations. */
#define SMALL_X 0x1p-10
INLINE void exp_small_loop(const double *restrict x, double *restrict e, Py_ssize_t count)
{
    for (Py_ssize_t j = 0; j < count; j++) {
        double r = -x[j];
        e[j] = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (
            1.0 / 120 + r * (1.0 / 720))))));
    }
}

INLINE void expm1_small_loop(const double *restrict x, double *restrict m, Py_ssize_t count)
{
    for (Py_ssize_t j = 0; j < count; j++) {
        double r = -x[j];
        m[j] = r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (
            1.0 / 720 + r * (1.0 / 5040)))))));
    }
}

/* For x >= 1, expm1(-x) = exp(-x) - 1 with e from exp_neg: |error| <= 2.14 eps e / (1 - e)
 * + eps <= 2.3 eps of |m|, inside the 3 eps budget. */
INLINE void expm1_from_exp_loop(const double *restrict e, double *restrict m, Py_ssize_t count)
{
    for (Py_ssize_t j = 0; j < count; j++)
        m[j] = e[j] - 1.0;
}

VECTOR_CLONES static void exp_neg(const double *x, double *e, Py_ssize_t count)
{
    exp_neg_loop(x, e, count);
}

VECTOR_CLONES static void expm1_neg(const double *x, double *m, Py_ssize_t count)
{
    expm1_neg_loop(x, m, count);
}

typedef struct {
    Py_ssize_t n;
    const double *lam, *ct, *cat, *cinv, *cinv_abs; /* ct/cat: C and |C| column-major */
    const Py_ssize_t *hi;                            /* column k is zero below row hi[k] */
    const double *cmax;                              /* max_k |C_rk| per row */
    double eps;      /* unit roundoff of the bound's arithmetic */
    const double *rowf;  /* R_r = 1.001 (1 + q_r / 7), see the error budget */
    const double *q;     /* q_r: non-zero entries of row r of C */
    double sub_abs;  /* roundings below DBL_MIN are absolute: 3 (n + 1) subnormals */
} chain_t;

/* A block of up to BLOCK points, every array laid out [nuclide * width + point] so that the
 * inner loops run along points (vector lanes). */
typedef struct {
    Py_ssize_t width, count;  /* points the arrays hold (<= BLOCK), points in this block */
    double *x, *e, *m, *y, *z, *n0, *v, *b, *vm, *bm;  /* n x width each */
    double *w, *g, *s;                                  /* BLOCK each */
    int64_t *fail;  /* BLOCK: 64-bit flags, the lanes of the doubles they come from */
    double *sv, *sb, *p, *xmin, *xmax, *rowb;           /* n each */
    uint8_t *at_zero;                                   /* BLOCK: point j is at t = 0 */
    uint8_t *kind, *use_e, *use_m, *row_fail, *verified, *rest;  /* n each */
    const double *t;    /* the block's times (one_inventory), or its one time */
    int one_inventory;  /* y, z and n0 are the same at every point */
    int any_tiny;       /* some exp(-x) of the block is below DBL_MIN */
} block_t;

#define AT(arr, k) ((arr) + (k) * bk->width)  /* row k of a block array */

/* y = C^-1 n0, z = a = |C^-1| |n0|, and p_k (the non-zero terms of y_k somewhere in the
 * block), for every point of the block */
INLINE void eigen_coordinates(const chain_t *ch, block_t *bk)
{
    Py_ssize_t n = ch->n, c = bk->count;
    for (Py_ssize_t k = 0; k < n; k++) {
        double *y = AT(bk->y, k), *z = AT(bk->z, k);
        memset(y, 0, c * sizeof(double));
        memset(z, 0, c * sizeof(double));
        bk->p[k] = 0.0;
        for (Py_ssize_t i = 0; i <= k; i++) {  /* C^-1 is lower triangular too */
            double ci = ch->cinv[k * n + i], cia = ch->cinv_abs[k * n + i];
            int64_t any = 0;  /* an integer OR: vectorises, a double sum would not */
            if (ci == 0.0)
                continue;
            const double *n0 = AT(bk->n0, i);
            for (Py_ssize_t j = 0; j < c; j++) {
                y[j] += ci * n0[j];
                z[j] += cia * fabs(n0[j]);
                any |= n0[j] != 0.0;
            }
            bk->p[k] += any != 0;
        }
    }
    memset(bk->s, 0, c * sizeof(double));  /* sum_k a_k, for the underflow term */
    for (Py_ssize_t k = 0; k < n; k++)
        for (Py_ssize_t j = 0; j < c; j++)
            bk->s[j] += AT(bk->z, k)[j];
}

INLINE int all_rows_off(const uint8_t *rows, Py_ssize_t n)
{
    for (Py_ssize_t r = 0; r < n; r++)
        if (rows[r])
            return 0;
    return 1;
}

/* b_r *= R_r on the rows of the mask (the sums' rounding, see the error budget) */
INLINE void row_factors(const chain_t *ch, const block_t *bk, const uint8_t *rows, double *b)
{
    for (Py_ssize_t r = 0; r < ch->n; r++) {
        if (!rows[r])
            continue;
        double rf = ch->rowf[r], *br = AT(b, r);
        for (Py_ssize_t j = 0; j < bk->count; j++)
            br[j] *= rf;
    }
}

/* column kinds within a block */
enum { LIVE = 0, DEAD = 1, SATURATED = 2, STABLE = 3 };

/* what a product computes: values and bounds, values only, or bounds only */
enum { BOTH = 3, VALUES = 1, BOUNDS = 2 };

/* v += C[:, k] w and/or b += |C[:, k]| g along the block, on the rows of the mask */
INLINE void add_column(const chain_t *ch, const block_t *bk, const uint8_t *rows, Py_ssize_t k,
                       const double *restrict w, const double *restrict g, double *v, double *b,
                       int what)
{
    Py_ssize_t c = bk->count;
    Py_ssize_t n = ch->n;
    for (Py_ssize_t r = k; r < ch->hi[k]; r++) {
        double cr = ch->ct[k * n + r], car = ch->cat[k * n + r];
        if (cr == 0.0 || !rows[r])
            continue;
        double *restrict vr = AT(v, r), *restrict br = AT(b, r);
        if (what == BOTH)
            for (Py_ssize_t j = 0; j < c; j++) {
                vr[j] += cr * w[j];
                br[j] += car * g[j];
            }
        else if (what == VALUES)
            for (Py_ssize_t j = 0; j < c; j++)
                vr[j] += cr * w[j];
        else
            for (Py_ssize_t j = 0; j < c; j++)
                br[j] += car * g[j];
    }
}

/* exp form on the rows of the mask: v = C (e .* y), b = R |C| (a .* eps (p + 6 + 2 x) .* e),
 * plus the underflow term where exp(-x) was taken as 0 */
INLINE void product_exp(const chain_t *ch, block_t *bk, const uint8_t *rows, double *v,
                        double *b, int what)
{
    Py_ssize_t n = ch->n, c = bk->count, k, r, j;
    for (r = 0; r < n; r++) {
        if (!rows[r])
            continue;
        if (what & VALUES)
            memset(AT(v, r), 0, c * sizeof(double));
        if (!(what & BOUNDS))
            continue;
        if (bk->any_tiny)  /* 2 DBL_MIN max_k|C_rk| sum_k a_k covers every neglected term */
            for (j = 0; j < c; j++)
                AT(b, r)[j] = 2.0 * DBL_MIN * ch->cmax[r] * bk->s[j] + ch->sub_abs;
        else
            for (j = 0; j < c; j++)
                AT(b, r)[j] = ch->sub_abs;
    }
    for (k = 0; k < n; k++) {
        if (bk->kind[k] == DEAD)
            continue;
        const double *restrict e = AT(bk->e, k), *restrict x = AT(bk->x, k),
                     *restrict y = AT(bk->y, k), *restrict z = AT(bk->z, k);
        double *restrict w = bk->w, *restrict g = bk->g, pk = bk->p[k] + 6.0, eps = ch->eps;
        if (what & VALUES)
            for (j = 0; j < c; j++)
                w[j] = y[j] * e[j];
        if (what & BOUNDS)
            for (j = 0; j < c; j++)
                g[j] = z[j] * (eps * (pk + 2.0 * x[j])) * e[j];
        add_column(ch, bk, rows, k, w, g, v, b, what);
    }
    if (what & BOUNDS)
        row_factors(ch, bk, rows, b);
}

/* One inventory: a bound of the exp form valid over the whole block, per row of the mask,
 * from the same budget with each column at its largest (e at tmin, x at tmax; the kernel's
 * exp is within 1.5 ulp of a decreasing function, so exp(-xmin) (1 + 4 eps) exceeds every
 * e of the block). Rows whose every value is at least TRUST_REL^-1 times it are vouched
 * for without a bound per point: verified[r] = 1, rowb[r] = the bound. */
INLINE void block_bound_exp(const chain_t *ch, block_t *bk, const uint8_t *rows,
                            uint8_t *verified)
{
    Py_ssize_t n = ch->n, c = bk->count, k, r, j;
    double *gk = bk->sv;  /* n scratch doubles */
    for (k = 0; k < n; k++)
        gk[k] = bk->kind[k] == DEAD ? 0.0
              : bk->z[k * bk->width] * (ch->eps * (bk->p[k] + 6.0 + 2.0 * bk->xmax[k]))
                * (bk->kind[k] == STABLE ? 1.0 : exp(-bk->xmin[k]) * (1.0 + 4.0 * EPS));
    for (r = 0; r < n; r++) {
        verified[r] = 0;
        if (!rows[r])
            continue;
        double sum = 0.0;
        for (k = 0; k <= r; k++)
            sum += ch->cat[k * n + r] * gk[k];
        double bound = ch->rowf[r] * sum + ch->sub_abs
                       + (bk->any_tiny ? 2.0 * DBL_MIN * ch->cmax[r] * bk->s[0] : 0.0);
        double need = bound * (1.0 / TRUST_REL);
        const double *restrict v = AT(bk->v, r);
        const uint8_t *restrict at_zero = bk->at_zero;
        int64_t low = 0;  /* integer OR: vectorises; NaN counts as low; t = 0 is N(0) */
        for (j = 0; j < c; j++)
            low |= !(v[j] >= need) & !at_zero[j];
        verified[r] = !low;
        bk->rowb[r] = bound;
    }
}

/* the bound of nuclide r at point j: the block's for a verified row, else the point's own */
INLINE double bound_at(const block_t *bk, Py_ssize_t r, Py_ssize_t j)
{
    return bk->verified[r] ? bk->rowb[r] : AT(bk->b, r)[j];
}

/* expm1 form on the rows of the mask: v = n0 + C (m .* y), b = R |C| (a .* eps (p + 9) .* |m|)
 * + q eps |n0| + 2 eps |v|. Saturated and dead columns have m = -1; for one inventory
 * (y, a the same at every point) they are summed once per block. */
INLINE void product_expm1(const chain_t *ch, block_t *bk, const uint8_t *rows, double *v,
                          double *b)
{
    Py_ssize_t n = ch->n, c = bk->count, k, r, j;
    double *sv = bk->sv, *sb = bk->sb;
    int any_saturated = 0;
    for (r = 0; r < n; r++) {
        if (!rows[r])
            continue;
        memcpy(AT(v, r), AT(bk->n0, r), c * sizeof(double));
        for (j = 0; j < c; j++)
            AT(b, r)[j] = ch->sub_abs;
        sv[r] = sb[r] = 0.0;
    }
    for (k = 0; k < n; k++) {
        const double *restrict m = AT(bk->m, k), *restrict y = AT(bk->y, k),
                     *restrict z = AT(bk->z, k);
        if (bk->kind[k] == STABLE)
            continue;
        int saturated = bk->kind[k] == SATURATED || bk->kind[k] == DEAD;
        if (saturated && bk->one_inventory) {
            for (r = k; r < ch->hi[k]; r++) {
                if (!rows[r])
                    continue;
                sv[r] -= ch->ct[k * n + r] * y[0];
                sb[r] += ch->cat[k * n + r] * (z[0] * (ch->eps * (bk->p[k] + 9.0)));
            }
            any_saturated = 1;
            continue;
        }
        double gk = ch->eps * (bk->p[k] + 9.0), *restrict w = bk->w, *restrict g = bk->g;
        for (j = 0; j < c; j++) {
            double mj = saturated ? -1.0 : m[j];
            w[j] = y[j] * mj;
            g[j] = -z[j] * gk * mj;  /* m <= 0 */
        }
        add_column(ch, bk, rows, k, w, g, v, b, BOTH);
    }
    for (r = 0; r < n; r++) {
        if (!rows[r])
            continue;
        double *vr = AT(v, r), *br = AT(b, r), s_v = any_saturated ? sv[r] : 0.0,
               s_b = any_saturated ? sb[r] : 0.0, rf = ch->rowf[r], qe = ch->q[r] * ch->eps;
        const double *n0 = AT(bk->n0, r);
        for (j = 0; j < c; j++) {
            vr[j] += s_v;
            br[j] = rf * (br[j] + s_b) + 1.001 * (qe * fabs(n0[j]) + 2.0 * ch->eps * fabs(vr[j]));
        }
    }
}

/* The other form on the rows of the mask: keep, entry by entry, the smaller bound. */
INLINE void keep_better(const chain_t *ch, block_t *bk, const uint8_t *rows)
{
    for (Py_ssize_t r = 0; r < ch->n; r++) {
        if (!rows[r])
            continue;
        double *v = AT(bk->v, r), *b = AT(bk->b, r);
        const double *v2 = AT(bk->vm, r), *b2 = AT(bk->bm, r);
        for (Py_ssize_t j = 0; j < bk->count; j++) {
            int better = b2[j] < b[j];
            v[j] = better ? v2[j] : v[j];
            b[j] = better ? b2[j] : b[j];
        }
    }
}

/* fail[j] != 0: some nuclide of point j is not vouched for by its bound (NaN fails too);
 * row_fail[r]: nuclide r fails somewhere in the block (rows verified for the whole block
 * are not looked at again). Returns whether anything failed. */
INLINE int mark_failures(const chain_t *ch, block_t *bk)
{
    Py_ssize_t c = bk->count;
    int any = 0;
    memset(bk->fail, 0, c * sizeof(double));
    for (Py_ssize_t r = 0; r < ch->n; r++) {
        bk->row_fail[r] = 0;
        if (bk->verified[r])
            continue;
        const double *v = AT(bk->v, r), *b = AT(bk->b, r);
        int64_t row = 0;  /* integer ORs: reductions the compiler vectorises */
        for (Py_ssize_t j = 0; j < c; j++) {
            int64_t f = !(v[j] >= b[j] * (1.0 / TRUST_REL)) & !bk->at_zero[j];
            bk->fail[j] |= f;
            row |= f;
        }
        bk->row_fail[r] = (uint8_t)row;
        any |= (int)row;
    }
    return any;
}

/* Last chance for a failing point: insignificant nuclides are reported to FLOOR_REL of the
 * point's totals (and clamped >= 0). Returns 1 if the point is trusted after all. */
INLINE int insignificant_ok(const chain_t *ch, block_t *bk, Py_ssize_t j)
{
    Py_ssize_t n = ch->n, r;
    double tot_atoms = 0.0, tot_act = 0.0;
    for (r = 0; r < n; r++) {
        double a = fabs(AT(bk->v, r)[j]);
        tot_atoms += a;
        tot_act += ch->lam[r] * a;
    }
    for (r = 0; r < n; r++) {
        double v = AT(bk->v, r)[j], b = bound_at(bk, r, j);
        if (v >= b * (1.0 / TRUST_REL))
            continue;
        double equiv = ch->lam[r] > 0.0 ? tot_act / ch->lam[r] : INFINITY;
        double floor_ = FLOOR_REL * (equiv < tot_atoms ? equiv : tot_atoms);
        if (!(fabs(v) + b <= floor_ || fabs(v) + b <= UNDERFLOW_REL * tot_atoms))
            return 0;
    }
    for (r = 0; r < n; r++)
        if (AT(bk->v, r)[j] < 0.0)
            AT(bk->v, r)[j] = 0.0;
    return 1;
}

/* a[1 .. count - 1] = a[0] */
INLINE void fill_along(double *a, Py_ssize_t count)
{
    double a0 = a[0];
    for (Py_ssize_t j = 1; j < count; j++)
        a[j] = a0;
}

/* expm1(-x) of the live columns, the cheapest way each column's range allows */
INLINE void expm1_block(const chain_t *ch, block_t *bk)
{
    Py_ssize_t c = bk->one_inventory ? bk->count : 1;  /* else one time: one value */
    for (Py_ssize_t k = 0; k < ch->n; k++) {
        if (bk->kind[k] != LIVE)
            continue;
        if (bk->xmax[k] <= SMALL_X)
            expm1_small_loop(AT(bk->x, k), AT(bk->m, k), c);
        else if (bk->xmin[k] >= 1.0)
            expm1_from_exp_loop(AT(bk->e, k), AT(bk->m, k), c);
        else
            expm1_neg_loop(AT(bk->x, k), AT(bk->m, k), c);
        if (!bk->one_inventory)
            fill_along(AT(bk->m, k), bk->count);
    }
}

/* One block (x, y, z, n0 filled; times within [tmin, tmax]): each nuclide first in the form
 * expected to suit it (expm1 for nuclides slow over the block: lambda tmax <= 1), the other
 * form only for nuclides that fail somewhere in the block, keeping the smaller bound; then
 * the trust test. Nuclide r of point j goes to out[j * stride + r * row_stride], the point's
 * flag to ok[j * ok_stride].
 * Returns the number of untrusted points. */
INLINE long long solve_block(const chain_t *ch, block_t *bk, double tmin, double tmax,
                             double *out, Py_ssize_t stride, Py_ssize_t row_stride,
                             uint8_t *ok, Py_ssize_t ok_stride,
                             const double *scale)
{
    Py_ssize_t n = ch->n, c = bk->count, r, j, k;
    int any_m = 0, m_ready = 0;
    bk->any_tiny = 0;
    for (k = 0; k < n; k++) {  /* x = lambda t is monotone in t: its range from the times' */
        double xmin = ch->lam[k] * tmin, xmax = ch->lam[k] * tmax, *e = AT(bk->e, k);
        bk->kind[k] = ch->lam[k] == 0.0 ? STABLE : xmin >= EXP_TINY ? DEAD
                    : xmin >= EXPM1_SATURATES ? SATURATED : LIVE;
        bk->any_tiny |= xmax >= EXP_TINY;
        bk->xmin[k] = xmin;
        bk->xmax[k] = xmax;
        if (bk->kind[k] != DEAD) {  /* dead columns need no x: they are out of both forms */
            double *x = AT(bk->x, k), lam = ch->lam[k];
            if (bk->one_inventory)
                for (j = 0; j < c; j++)
                    x[j] = lam * bk->t[j];
            else
                for (j = 0; j < c; j++)
                    x[j] = lam * bk->t[0];
        }
        Py_ssize_t ce = bk->one_inventory ? c : 1;  /* else one time: one value */
        if (bk->kind[k] == STABLE)
            for (j = 0; j < ce; j++)
                e[j] = 1.0;
        else if (bk->kind[k] != DEAD && xmax <= SMALL_X)
            exp_small_loop(AT(bk->x, k), e, ce);
        else if (bk->kind[k] != DEAD)
            exp_neg_loop(AT(bk->x, k), e, ce);
        if (!bk->one_inventory && bk->kind[k] != DEAD)
            fill_along(e, c);
    }
    for (r = 0; r < n; r++) {
        bk->use_m[r] = ch->lam[r] * tmax <= 1.0;
        bk->use_e[r] = !bk->use_m[r];
        any_m |= bk->use_m[r];
    }
    if (any_m) {
        expm1_block(ch, bk);
        m_ready = 1;
        product_expm1(ch, bk, bk->use_m, bk->v, bk->b);
    }
    for (r = 0; r < n; r++)
        bk->verified[r] = 0;
    if (!all_rows_off(bk->use_e, n) && bk->one_inventory) {
        /* values first; per-point bounds only for rows the block's bound cannot vouch for */
        product_exp(ch, bk, bk->use_e, bk->v, bk->b, VALUES);
        block_bound_exp(ch, bk, bk->use_e, bk->verified);
        for (r = 0; r < n; r++)
            bk->rest[r] = bk->use_e[r] && !bk->verified[r];
        if (!all_rows_off(bk->rest, n))
            product_exp(ch, bk, bk->rest, bk->v, bk->b, BOUNDS);
    } else if (!all_rows_off(bk->use_e, n)) {
        product_exp(ch, bk, bk->use_e, bk->v, bk->b, BOTH);
    }
    if (mark_failures(ch, bk)) {  /* the other form for the nuclides that failed */
        for (r = 0; r < n; r++) {
            bk->use_m[r] = bk->row_fail[r] && !bk->use_m[r];
            bk->use_e[r] = bk->row_fail[r] && !bk->use_e[r];
        }
        if (!all_rows_off(bk->use_e, n)) {
            product_exp(ch, bk, bk->use_e, bk->vm, bk->bm, BOTH);
            keep_better(ch, bk, bk->use_e);
        }
        if (!all_rows_off(bk->use_m, n)) {
            if (!m_ready)
                expm1_block(ch, bk);
            product_expm1(ch, bk, bk->use_m, bk->vm, bk->bm);
            keep_better(ch, bk, bk->use_m);
        }
        mark_failures(ch, bk);
    }
    long long untrusted = 0;
    for (j = 0; j < c; j++) {
        int good = 1;
        if (bk->at_zero[j]) {  /* N(0) is the input itself, exactly */
            for (r = 0; r < n; r++)
                AT(bk->v, r)[j] = AT(bk->n0, r)[j];
        } else if (bk->fail[j]) {
            good = insignificant_ok(ch, bk, j);
        }
        ok[j * ok_stride] = (uint8_t)good;
        untrusted += !good;
    }
    /* out: nuclide by nuclide along the points, contiguous where the points run fastest in
     * out (untrusted points are rewritten by the retries) */
    for (r = 0; r < n; r++) {
        const double *restrict v = AT(bk->v, r);
        double sr = scale[r], *restrict o = out + r * row_stride;
        if (stride == 1)
            for (j = 0; j < c; j++)
                o[j] = v[j] * sr;
        else
            for (j = 0; j < c; j++)
                o[j * stride] = v[j] * sr;
    }
    /* an untrusted point keeps, for the retry, the atoms of the nuclides vouched for and NaN
     * for the others (see solve_point_ld) */
    for (j = 0; untrusted && j < c; j++)
        if (!ok[j * ok_stride])
            for (r = 0; r < n; r++) {
                double v = AT(bk->v, r)[j], b = bound_at(bk, r, j);
                out[j * stride + r * row_stride] = v >= b * (1.0 / TRUST_REL) ? v : NAN;
            }
    return untrusted;
}

/* N(0) of inventories i0 .. i0 + c - 1 into the block: n0 holds p columns per inventory,
 * the chain nuclides cols[0..p-1]; the other nuclides start at 0 */
INLINE void fill_n0(const chain_t *ch, block_t *bk, const double *n0, const int64_t *cols,
                    Py_ssize_t p, Py_ssize_t i0, Py_ssize_t c, int same)
{
    for (Py_ssize_t r = 0; r < ch->n; r++)
        memset(AT(bk->n0, r), 0, c * sizeof(double));
    for (Py_ssize_t q = 0; q < p; q++) {
        double *row = AT(bk->n0, cols[q]);
        for (Py_ssize_t j = 0; j < c; j++)
            row[j] += n0[(i0 + (same ? 0 : j)) * p + q];
    }
}

/* Every point of n0 (m, p) x times (nt,); returns the number of untrusted points. */
VECTOR_CLONES static long long solve_all(const chain_t *ch, const double *n0,
                                         const int64_t *cols, Py_ssize_t p, Py_ssize_t m,
                                         const double *times, Py_ssize_t nt,
                                         const double *scale, double *out,
                                         const Py_ssize_t *os, uint8_t *ok, block_t *bk)
{
    Py_ssize_t j;
    long long untrusted = 0;
    if (nt >= m) {  /* inventory by inventory, its times in blocks */
        bk->one_inventory = 1;
        for (Py_ssize_t i = 0; i < m; i++) {
            for (Py_ssize_t t0 = 0; t0 < nt; t0 += BLOCK) {
                Py_ssize_t c = nt - t0 < BLOCK ? nt - t0 : BLOCK;
                bk->count = c;
                if (t0 == 0) {  /* the same for every block of this inventory */
                    fill_n0(ch, bk, n0, cols, p, i, c, 1);
                    eigen_coordinates(ch, bk);
                }
                bk->t = times + t0;
                for (j = 0; j < c; j++)
                    bk->at_zero[j] = times[t0 + j] == 0.0;
                /* t = 0 is answered by N(0) itself: the range is that of the other times, so
                 * that a block starting at 0 does not keep every short-lived column live */
                double tmin = INFINITY, tmax = 0.0;
                for (j = 0; j < c; j++) {
                    double tj = times[t0 + j];
                    tmin = tj > 0.0 && tj < tmin ? tj : tmin;
                    tmax = tj > tmax ? tj : tmax;
                }
                tmin = tmin <= tmax ? tmin : 0.0;
                untrusted += solve_block(ch, bk, tmin, tmax, out + i * os[0] + t0 * os[1],
                                         os[1], os[2], ok + i * nt + t0, 1, scale);
            }
        }
    } else {  /* time by time, every inventory at it in blocks */
        bk->one_inventory = 0;
        for (Py_ssize_t tk = 0; tk < nt; tk++) {
            for (Py_ssize_t i0 = 0; i0 < m; i0 += BLOCK) {
                Py_ssize_t c = m - i0 < BLOCK ? m - i0 : BLOCK;
                bk->count = c;
                fill_n0(ch, bk, n0, cols, p, i0, c, 0);
                eigen_coordinates(ch, bk);
                bk->t = times + tk;
                memset(bk->at_zero, times[tk] == 0.0, c);
                untrusted += solve_block(ch, bk, times[tk], times[tk],
                                         out + i0 * os[0] + tk * os[1], os[0], os[2],
                                         ok + i0 * nt + tk, nt, scale);
            }
        }
    }
    return untrusted;
}

static int get_buf(PyObject *obj, Py_buffer *view, Py_ssize_t n_items, Py_ssize_t itemsize,
                   int writable, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    if (n_items >= 0 && view->len != n_items * itemsize) {
        PyErr_Format(PyExc_ValueError, "_bateman: %s has %zd bytes, expected %zd", name,
                     view->len, n_items * itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static const char *const ARG_NAMES[12] = {"lam", "ct", "cat", "cinv", "cinv_abs", "hi", "n0",
                                          "cols", "times", "scale", "out", "ok"};

/* n (from lam), p (from cols), m (from n0 = (m, p)) and nt (from times), checked */
static int point_shape(Py_buffer *lam, Py_ssize_t lam_item, Py_buffer *n0, Py_buffer *cols,
                       Py_buffer *times, Py_ssize_t *n, Py_ssize_t *p, Py_ssize_t *m,
                       Py_ssize_t *nt)
{
    *n = lam->len / lam_item;
    *p = cols->len / 8;
    *m = *p ? n0->len / 8 / *p : 0;
    *nt = times->len / 8;
    if (*m * *p * 8 != n0->len || (*p == 0 && n0->len)) {
        PyErr_SetString(PyExc_ValueError, "_bateman: n0 is not (m, len(cols))");
        return -1;
    }
    for (Py_ssize_t q = 0; q < *p; q++) {
        int64_t col = ((const int64_t *)cols->buf)[q];
        if (col < 0 || col >= *n) {
            PyErr_SetString(PyExc_ValueError, "_bateman: a column of cols is not in the chain");
            return -1;
        }
    }
    return 0;
}

/* Element strides (inventory, time, nuclide) of out, checked to stay inside its m nt n
 * doubles: the engine lays out the result so that the points run fastest */
static int check_layout(const Py_ssize_t *os, Py_ssize_t m, Py_ssize_t nt, Py_ssize_t n)
{
    if (os[0] < 0 || os[1] < 0 || os[2] < 0 ||
        (m && nt && n && (m - 1) * os[0] + (nt - 1) * os[1] + (n - 1) * os[2] >= m * nt * n)) {
        PyErr_SetString(PyExc_ValueError, "_bateman: layout strides run outside out");
        return -1;
    }
    return 0;
}

/* solve(lam, ct, cat, cinv, cinv_abs, hi, eps, n0, cols, times, scale, out, ok, layout)
 *   -> untrusted
 *   lam (n,), ct/cat (n*n, C and |C| column-major), cinv/cinv_abs (n*n row-major),
 *   hi (n,) int64, n0 (m, p) with cols (p,) int64 its chain columns, times (nt,),
 *   scale (n,), out m nt n doubles with element strides layout = (inventory, time, nuclide),
 *   ok (m*nt,) uint8 */
static PyObject *solve(PyObject *self, PyObject *args)
{
    PyObject *o[12];
    double eps;
    Py_ssize_t os[3];
    if (!PyArg_ParseTuple(args, "OOOOOOdOOOOOO(nnn)", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5],
                          &eps, &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &os[0], &os[1],
                          &os[2]))
        return NULL;
    Py_buffer views[12];
    int got = 0;
    PyObject *result = NULL;
    Py_ssize_t sizes[12] = {-1, 0, 0, 0, 0, 0, -1, -1, -1, 0, 0, 0};
    Py_ssize_t n = 0, p = 0, m = 0, nt = 0;
    for (; got < 12; got++) {
        if (got == 1) {
            n = views[0].len / 8;
            Py_ssize_t fill[5] = {n * n, n * n, n * n, n * n, n};
            memcpy(sizes + 1, fill, sizeof fill);
        }
        if (got == 9) {
            if (point_shape(&views[0], 8, &views[6], &views[7], &views[8], &n, &p, &m, &nt) < 0)
                goto done;
            sizes[9] = n;
            sizes[10] = m * nt * n;
            sizes[11] = m * nt;
            if (check_layout(os, m, nt, n) < 0)
                goto done;
        }
        if (get_buf(o[got], &views[got], sizes[got], got == 11 ? 1 : 8, got >= 10,
                    ARG_NAMES[got]) < 0)
            goto done;
    }
    /* work space: doubles (10 arrays of n x width, 4 of width, 9 of n), then bytes
     * (at_zero: BLOCK; kind, use_e, use_m, row_fail, verified, rest: n) */
    Py_ssize_t width = nt >= m ? nt : m;
    width = width < BLOCK ? width : BLOCK;
    size_t doubles = (size_t)(10 * n * width + 4 * width + 9 * n);
    /* PyMem_Raw: traced by tracemalloc, so the benchmark's peak memory counts it */
    double *buf = PyMem_RawCalloc(doubles * sizeof(double) + width + 6 * n, 1);
    if (!buf) {
        PyErr_NoMemory();
        goto done;
    }
    block_t bk = {0};
    bk.width = width;
    double *a = buf;
    double **arrays[10] = {&bk.x, &bk.e, &bk.m, &bk.y, &bk.z, &bk.n0, &bk.v, &bk.b, &bk.vm,
                           &bk.bm};
    for (int q = 0; q < 10; q++, a += n * width)
        *arrays[q] = a;
    bk.w = a;
    bk.g = a + width;
    bk.s = a + 2 * width;
    bk.fail = (int64_t *)(a + 3 * width);
    bk.sv = a + 4 * width;
    bk.sb = bk.sv + n;
    bk.p = bk.sb + n;
    bk.xmin = bk.p + n;
    bk.xmax = bk.xmin + n;
    bk.rowb = bk.xmax + n;
    double *cmax = bk.rowb + n, *q = cmax + n, *rowf = q + n;
    bk.at_zero = (uint8_t *)(buf + doubles);
    bk.kind = bk.at_zero + width;
    bk.use_e = bk.kind + n;
    bk.use_m = bk.use_e + n;
    bk.row_fail = bk.use_m + n;
    bk.verified = bk.row_fail + n;
    bk.rest = bk.verified + n;
    const double *cat = views[2].buf;
    for (Py_ssize_t k = 0; k < n; k++)
        for (Py_ssize_t r = 0; r < n; r++) {
            cmax[r] = cat[k * n + r] > cmax[r] ? cat[k * n + r] : cmax[r];
            q[r] += cat[k * n + r] != 0.0;
        }
    for (Py_ssize_t r = 0; r < n; r++)
        rowf[r] = 1.001 * (1.0 + q[r] / 7.0);
    chain_t ch = {n, views[0].buf, views[1].buf, views[2].buf, views[3].buf, views[4].buf,
                  views[5].buf, cmax, eps, rowf, q, 3.0 * (double)(n + 1) * 0x1p-1074};
    long long untrusted;
    Py_BEGIN_ALLOW_THREADS
    untrusted = solve_all(&ch, views[6].buf, views[7].buf, p, m, views[8].buf, nt,
                          views[9].buf, views[10].buf, os, views[11].buf, &bk);
    Py_END_ALLOW_THREADS
    PyMem_RawFree(buf);
    result = PyLong_FromLongLong(untrusted);
done:
    for (int j = 0; j < got; j++)
        PyBuffer_Release(&views[j]);
    return result;
}

/* The long-double retry of the points the float64 pass could not vouch for: the same two
 * forms and the same error budget with eps = LDBL_EPSILON / 2 (x87 80-bit: 2^-64), libm's
 * expl/expm1l allowed E = 16 eps (8 ulp), so the row factor is 1 + q_r / 20. Point by point
 * and scalar: it serves the few percent of points that reach it. */
#define LD_E 16.0L
/* exp(-x) beyond this (e^-2000 < 1e-868) is left out of the exp form and expl is not called;
 * 2 e^-x max_k|C_rk| sum_k a_k bounds every term left out */
#define LD_NEGLIGIBLE 2000.0L
/* work: 10 n long doubles; the first 4 n (n0, y, a, p) depend only on the inventory and are
 * kept while the same inventory comes again (*last_inv).
 * out holds what solve() left for this untrusted point: the float64 atoms of the nuclides it
 * vouched for, NaN for the others. Only the NaN rows are recomputed; the point's totals (for
 * the insignificance floor) take the vouched-for float64 atoms, lowered by 1e-6 to cover
 * their error. On success every nuclide is written scaled; on failure out keeps the atoms of
 * the nuclides now vouched for and NaN for the others, for the exact path. */
static int solve_point_ld(Py_ssize_t n, const long double *lam, const long double *c,
                          const long double *ci, const double *q, const double *n0d,
                          const int64_t *cols, Py_ssize_t p, Py_ssize_t inv,
                          Py_ssize_t *last_inv, double t, long double *w, double *out,
                          Py_ssize_t row_stride, const double *scale)
{
    long double *n0 = w, *y = n0 + n, *a = y + n, *pk = a + n, *e = pk + n, *m = e + n,
                *x = m + n, *v = x + n, *b = v + n, *need = b + n;
    const long double eps = LDBL_EPSILON / 2;
    Py_ssize_t r, k;
    int any_tiny = 0;
    long double suma = 0.0L;
    if (inv != *last_inv) {
        for (r = 0; r < n; r++)
            n0[r] = 0.0L;
        for (Py_ssize_t i = 0; i < p; i++)
            n0[cols[i]] += n0d[i];
        for (k = 0; k < n; k++) {
            long double s = 0.0L, sa = 0.0L;
            pk[k] = 0.0L;
            for (Py_ssize_t i = 0; i <= k; i++)
                if (ci[k * n + i] != 0.0L && n0[i] != 0.0L) {
                    s += ci[k * n + i] * n0[i];
                    sa += fabsl(ci[k * n + i]) * fabsl(n0[i]);
                    pk[k] += 1.0L;
                }
            y[k] = s;
            a[k] = sa;
        }
        *last_inv = inv;
    }
    for (k = 0; k < n; k++)
        need[k] = 0.0L;
    for (r = 0; r < n; r++) {  /* the columns the recomputed rows use */
        if (!isnan(out[r * row_stride]))
            continue;
        for (k = 0; k <= r; k++)
            need[k] = c[r * n + k] != 0.0L ? 1.0L : need[k];
    }
    for (k = 0; k < n; k++) {
        suma += a[k];
        x[k] = lam[k] * (long double)t;
        any_tiny |= x[k] >= LD_NEGLIGIBLE;
        if (need[k] == 0.0L)
            continue;
        e[k] = x[k] < LD_NEGLIGIBLE ? expl(-x[k]) : 0.0L;
        m[k] = x[k] < 46.0L ? expm1l(-x[k]) : -1.0L;
    }
    for (r = 0; r < n; r++) {
        if (!isnan(out[r * row_stride])) {  /* vouched for by the float64 pass */
            v[r] = out[r * row_stride];
            b[r] = 0.0L;
            continue;
        }
        long double sv = 0.0L, sb = 0.0L, svm = n0[r], sbm = 0.0L, cm = 0.0L;
        for (k = 0; k <= r; k++) {
            long double crk = c[r * n + k], ca = fabsl(crk);
            if (crk == 0.0L)
                continue;
            cm = ca > cm ? ca : cm;
            if (e[k] != 0.0L) {
                sv += crk * (y[k] * e[k]);
                sb += ca * a[k] * e[k] * (pk[k] + 3.0L + LD_E + 2.0L * x[k]);
            }
            svm += crk * (y[k] * m[k]);
            sbm += ca * a[k] * fabsl(m[k]) * (pk[k] + 6.0L + LD_E);
        }
        long double rf = 1.001L * (1.0L + q[r] / (4.0L + LD_E)), sub = 3.0L * (n + 1) * LDBL_TRUE_MIN;
        long double be = eps * rf * sb + sub
                         + (any_tiny ? 2.0L * expl(-LD_NEGLIGIBLE) * cm * suma : 0.0L);
        long double bm = eps * rf * sbm + sub
                         + 1.001L * (q[r] * eps * fabsl(n0[r]) + 2.0L * eps * fabsl(svm));
        v[r] = bm < be ? svm : sv;
        b[r] = bm < be ? bm : be;
    }
    int all_ok = 1;
    for (r = 0; r < n; r++)
        all_ok &= v[r] >= b[r] * (1.0L / TRUST_REL);
    if (!all_ok) {  /* insignificant nuclides, as in the float64 pass */
        long double tot_atoms = 0.0L, tot_act = 0.0L;
        for (r = 0; r < n; r++) {
            tot_atoms += fabsl(v[r]);
            tot_act += lam[r] * fabsl(v[r]);
        }
        tot_atoms *= 1.0L - 1e-6L;
        tot_act *= 1.0L - 1e-6L;
        for (r = 0; r < n; r++) {
            if (v[r] >= b[r] * (1.0L / TRUST_REL))
                continue;
            long double equiv = lam[r] > 0.0L ? tot_act / lam[r] : INFINITY;
            long double floor_ = FLOOR_REL * (equiv < tot_atoms ? equiv : tot_atoms);
            if (!(fabsl(v[r]) + b[r] <= floor_ || fabsl(v[r]) + b[r] <= UNDERFLOW_REL * tot_atoms))
                all_ok = -1;
        }
    }
    if (all_ok < 0) {
        for (r = 0; r < n; r++)
            out[r * row_stride] = v[r] >= b[r] * (1.0L / TRUST_REL) ? (double)v[r] : NAN;
        return 0;
    }
    for (r = 0; r < n; r++)
        out[r * row_stride] = (double)(v[r] < 0.0L ? 0.0L : v[r]) * scale[r];
    return 1;
}

/* solve_ld(lam, c, cinv, n0, cols, times, points, scale, out, ok, layout) -> still untrusted
 *   lam (n,), c/cinv (n*n row-major) in long double; n0 (m, p) and cols (p,) as for solve;
 *   times (nt,); points (k,) int64 indices i * nt + t; scale (n,); out and layout as for
 *   solve; ok (m * nt,) uint8 */
static PyObject *solve_ld(PyObject *self, PyObject *args)
{
    PyObject *o[10];
    Py_ssize_t os[3];
    if (!PyArg_ParseTuple(args, "OOOOOOOOOO(nnn)", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5],
                          &o[6], &o[7], &o[8], &o[9], &os[0], &os[1], &os[2]))
        return NULL;
    static const char *const names[10] = {"lam", "c", "cinv", "n0", "cols", "times", "points",
                                          "scale", "out", "ok"};
    Py_buffer views[10];
    int got = 0;
    PyObject *result = NULL;
    Py_ssize_t n = 0, p = 0, m = 0, nt = 0, np_ = 0, ld = (Py_ssize_t)sizeof(long double);
    for (; got < 10; got++) {
        Py_ssize_t items = -1, size = 8;
        if (got == 0)
            size = ld;
        if (got == 1 || got == 2) {
            items = (views[0].len / ld) * (views[0].len / ld);
            size = ld;
        }
        if (got == 6 && point_shape(&views[0], ld, &views[3], &views[4], &views[5], &n, &p, &m,
                                    &nt) < 0)
            goto done;
        if (got == 7)
            items = n;
        if (got == 8) {
            items = m * nt * n;
            if (check_layout(os, m, nt, n) < 0)
                goto done;
        }
        if (got == 9) {
            items = m * nt;
            size = 1;
        }
        if (get_buf(o[got], &views[got], items, size, got >= 8, names[got]) < 0)
            goto done;
        if (got == 6)
            np_ = views[6].len / 8;
    }
    const int64_t *pts = views[6].buf;
    for (Py_ssize_t i = 0; i < np_; i++)
        if (pts[i] < 0 || pts[i] >= m * nt) {
            PyErr_SetString(PyExc_ValueError, "_bateman: a point index is out of range");
            goto done;
        }
    long double *work = PyMem_RawCalloc((size_t)(10 * n), sizeof(long double));
    double *q = PyMem_RawCalloc((size_t)n + 1, sizeof(double));
    if (!work || !q) {
        PyMem_RawFree(work);
        PyMem_RawFree(q);
        PyErr_NoMemory();
        goto done;
    }
    const long double *c = views[1].buf;
    for (Py_ssize_t r = 0; r < n; r++)
        for (Py_ssize_t k = 0; k < n; k++)
            q[r] += c[r * n + k] != 0.0L;
    long long left = 0;
    Py_ssize_t last_inv = -1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < np_; i++) {
        Py_ssize_t pt = (Py_ssize_t)pts[i], inv = pt / nt, tk = pt % nt;
        uint8_t good = (uint8_t)solve_point_ld(
            n, views[0].buf, c, views[2].buf, q, (const double *)views[3].buf + inv * p,
            views[4].buf, p, inv, &last_inv, ((const double *)views[5].buf)[tk], work,
            (double *)views[8].buf + inv * os[0] + tk * os[1], os[2], views[7].buf);
        ((uint8_t *)views[9].buf)[pt] = good;
        left += !good;
    }
    Py_END_ALLOW_THREADS
    PyMem_RawFree(work);
    PyMem_RawFree(q);
    result = PyLong_FromLongLong(left);
done:
    for (int j = 0; j < got; j++)
        PyBuffer_Release(&views[j]);
    return result;
}

/* exp_neg(x, out) / expm1_neg(x, out): the kernel's own exp(-x) and expm1(-x), for tests */
static PyObject *vector_fn(PyObject *args, void (*fn)(const double *, double *, Py_ssize_t))
{
    PyObject *ox, *oo;
    Py_buffer vx, vo;
    if (!PyArg_ParseTuple(args, "OO", &ox, &oo))
        return NULL;
    if (get_buf(ox, &vx, -1, 8, 0, "x") < 0)
        return NULL;
    if (get_buf(oo, &vo, vx.len / 8, 8, 1, "out") < 0) {
        PyBuffer_Release(&vx);
        return NULL;
    }
    fn(vx.buf, vo.buf, vx.len / 8);
    PyBuffer_Release(&vx);
    PyBuffer_Release(&vo);
    Py_RETURN_NONE;
}

static PyObject *py_exp_neg(PyObject *self, PyObject *args) { return vector_fn(args, exp_neg); }
static PyObject *py_expm1_neg(PyObject *self, PyObject *args)
{
    return vector_fn(args, expm1_neg);
}

static PyMethodDef methods[] = {
    {"solve", solve, METH_VARARGS,
     "solve(lam, ct, cat, cinv, cinv_abs, hi, eps, n0, cols, times, scale, out, ok, layout) -> "
     "untrusted"},
    {"solve_ld", solve_ld, METH_VARARGS,
     "solve_ld(lam, c, cinv, n0, cols, times, points, scale, out, ok, layout) -> still untrusted"},
    {"exp_neg", py_exp_neg, METH_VARARGS, "exp_neg(x, out): out = exp(-x), x >= 0"},
    {"expm1_neg", py_expm1_neg, METH_VARARGS, "expm1_neg(x, out): out = expm1(-x), x >= 0"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_bateman",
    "Fused float64 Bateman kernel with rigorous bounds (see isoflow.physics.engine).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__bateman(void) { return PyModule_Create(&module); }
