/*
 * Kolmogorov-Smirnov distributions and the two-sample KS test, computed as scipy 1.10 computes
 * them (scipy.special.kolmogorov / smirnov, scipy.stats.kstwo, scipy.stats.ks_2samp), with the
 * algorithms of the papers scipy follows:
 *
 * - Kolmogorov's limit K(x) = P(sqrt(n) D_n > x): the alternating theta series
 *   2 sum_k (-1)^(k-1) e^(-2k^2x^2) for x > 0.82, and its Jacobi transform
 *   cdf = sqrt(2pi)/x sum_k e^(-(2k-1)^2 pi^2 / (8x^2)) below (P. van Mulbregt, arXiv:1803.00426).
 * - Smirnov's one-sided P(D_n^+ >= d): the Birnbaum-Tingey sum (Ann. Math. Statist. 1951)
 *     d sum_{v=0}^{floor(n(1-d))} C(n,v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v),
 *   whose terms are binomial probabilities Bin(v; n, p = d + v/n) / p and are computed in
 *   Loader's saddle-point form (see special.c): positive terms, no cancellation, so the sum keeps
 *   its relative accuracy down to the underflow threshold. Above n = 1e6 scipy switches to
 *   exp(-(6nd+1)^2 / 18n); so does this file, to give the same answers.
 * - The two-sided one-sample P(D_n >= d): Simard & L'Ecuyer, "Computing the Two-Sided
 *   Kolmogorov-Smirnov Distribution", J. Stat. Software 39(11), 2011, which picks per (n, d)
 *   among Ruben-Gambino's exact formulas, the Durbin matrix (as evaluated by Marsaglia, Tsang &
 *   Wang, J. Stat. Software 8(18), 2003), Pomeranz's recursion (CACM 17(12), 1974), 2 x Smirnov,
 *   and the Pelz-Good asymptotic series (JRSS B 38(2), 1976), with the thresholds of the paper.
 * - The exact two-sample p-value P(D_{m,n} >= d): Hodges, "The significance probability of the
 *   Smirnov two-sample test", Arkiv for Matematik 3 (1958): count monotone lattice paths from
 *   (0,0) to (m,n) that touch the band |i/m - j/n| >= d. Rather than counting paths (numbers that
 *   overflow), the recursion carries the fraction of paths into (i,j) that have touched it,
 *   q(i,j) = (i q(i-1,j) + j q(i,j-1)) / (i+j), 1 outside the band (Viehmann, arXiv:2102.08037):
 *   convex combinations, hence stable and accurate for small p-values. For m = n the
 *   alternating reflection sum 2 sum_k (-1)^(k-1) C(2n, n-kh) / C(2n, n) is used, as scipy does.
 *
 * scipy's ks_2samp (method 'auto') uses the exact p-value when max(n1, n2) <= 10000 and otherwise
 * kstwo.sf(D, round(n1 n2 / (n1 + n2))); note that it is the finite-n distribution, not
 * Kolmogorov's limit K(D sqrt(n1 n2 / (n1 + n2))).
 */
#include "internal.h"
#include "vigia/stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* log(DBL_MIN): below it scipy's smirnov reports 0 */
#define LOG_DBL_MIN (-708.39641853226408)

/* ---- Kolmogorov's limit -------------------------------------------------------------------- */

/* sf (upper = 1) or cdf of Kolmogorov's distribution, x > 0 finite */
static double kolmogorov(double x, int upper) {
    if (x <= 0)
        return upper ? 1 : 0;
    if (isinf(x))
        return upper ? 0 : 1;
    if (x <= 0.82) {
        /* cdf = sqrt(2pi)/x w (1 + w^8 + w^24 + w^48 + ...), w = e^(-pi^2/(8x^2)) */
        double lw = -M_PI * M_PI / (8 * x * x);
        if (lw < -745) /* w underflows: the cdf is below 1e-300 */
            return upper ? 1 : exp(lw + log(VG_SQRT_2PI / x));
        double w = exp(lw), w8 = pow(w, 8), sum = 0, term = 1;
        /* exponents (2k-1)^2 - 1 = 0, 8, 24, 48, ...: term k is w8^(k(k-1)/2) */
        for (int k = 1; k < 50 && term > 0; k++) {
            sum += term;
            if (term < DBL_EPSILON * sum * 1e-3)
                break;
            term *= pow(w8, k);
        }
        double cdf = VG_SQRT_2PI / x * w * sum;
        if (cdf > 1)
            cdf = 1;
        return upper ? 1 - cdf : cdf;
    }
    /* sf = 2 (v - v^4 + v^9 - ...), v = e^(-2x^2) with x^2 split exactly so that e^(-2x^2)
     * carries only the rounding of exp, even at the 1e-300 tail */
    double xx = x * x, xx_lo = fma(x, x, -xx);
    double v = exp(-2 * xx) * (1 - 2 * xx_lo);
    double sum = 0, sign = 1;
    for (int k = 1; k < 20; k++) {
        double term = k == 1 ? v : pow(v, (double)k * k);
        sum += sign * term;
        if (term <= DBL_EPSILON * 1e-3 * sum)
            break;
        sign = -sign;
    }
    double sf = 2 * sum;
    if (sf > 1)
        sf = 1;
    if (sf < 0)
        sf = 0;
    return upper ? sf : 1 - sf;
}

double vg_dist_kolmogorov_sf(double x) {
    return isnan(x) ? NAN : kolmogorov(x, 1);
}

double vg_dist_kolmogorov_cdf(double x) {
    return isnan(x) ? NAN : kolmogorov(x, 0);
}

/* ---- Smirnov's one-sided distribution ------------------------------------------------------ */

/* Term v of the Birnbaum-Tingey sum without the factor d: Bin(v; n, p) / p with
 * n p = nd + v and n q = n - v - nd; nd = nd_hi + nd_lo exactly. */
static double smirnov_term(double n, double v, double nd_hi, double nd_lo, double d) {
    if (v == 0) /* (1-d)^n / d */
        return exp(n * log1p(-d)) / d;
    double np = (nd_hi + v) + nd_lo;
    double nq = ((n - v) - nd_hi) - nd_lo;
    double nd = nd_hi + nd_lo;
    /* Loader: Bin(v; n, p) = sqrt(n / (2 pi v (n-v))) exp(stirlerr(n) - stirlerr(v)
     * - stirlerr(n-v) - bd0(v, np) - bd0(n-v, nq)), with v - np = -nd, (n-v) - nq = nd */
    double e = vg_stats_stirlerr(n) - vg_stats_stirlerr(v) - vg_stats_stirlerr(n - v) -
               vg_stats_bd0(v, np, -nd) - vg_stats_bd0(n - v, nq, nd);
    return sqrt(n / (2 * M_PI * v * (n - v))) * exp(e) / (np / n);
}

static double smirnov_sf(double n, double d) {
    if (isnan(d) || !(d >= 0 && d <= 1) || !(n >= 1))
        return NAN;
    if (n == 1)
        return 1 - d;
    if (d == 0)
        return 1;
    if (d == 1)
        return 0;
    double nd_hi = n * d, nd_lo = fma(n, d, -nd_hi);
    double ndfl = floor(nd_hi);
    if (ndfl == nd_hi && nd_lo < 0)
        ndfl -= 1; /* n d is just below the integer it rounded to */
    int frac_zero = ndfl == nd_hi && nd_lo == 0;
    if (ndfl == 0 || (ndfl == 1 && frac_zero)) {
        /* d <= 1/n: cdf = d (1+d)^(n-1) */
        return 1 - d * exp((n - 1) * log1p(d));
    }
    if (-2 * n * d * d < LOG_DBL_MIN)
        return 0;
    if (ndfl >= n - 1)
        return pow(1 - d, n); /* d >= 1 - 1/n, so 1 - d is exact */
    if (n > 1e6) {
        /* scipy's large-n approximation */
        double lp = -(6 * n * d + 1) * (6 * n * d + 1) / 18 / n;
        return lp < -M_LN2 ? exp(lp) : 1 + expm1(lp);
    }
    /* v = 0 .. n - ndfl - 1 (when n d is an integer the next term is 0). The terms are
     * unimodal, largest near p = 1/2: sum from there outwards and stop each way once the terms
     * fall below 1e-20 of the sum. */
    double vmax = n - ndfl - 1;
    double v0 = floor(n * (0.5 - d));
    if (v0 < 0)
        v0 = 0;
    if (v0 > vmax)
        v0 = vmax;
    double sum = 0, comp = 0; /* Kahan-Babuska: up to 1e6 terms */
    for (int dir = 0; dir < 2; dir++) {
        double prev = 0;
        for (double v = dir ? v0 + 1 : v0; dir ? v <= vmax : v >= 0; v += dir ? 1 : -1) {
            double t = smirnov_term(n, v, nd_hi, nd_lo, d);
            double s = sum + t;
            comp += fabs(sum) >= fabs(t) ? (sum - s) + t : (t - s) + sum;
            sum = s;
            if (t < prev && t < 1e-20 * sum)
                break;
            prev = t;
        }
    }
    double sf = d * (sum + comp);
    return sf > 1 ? 1 : sf;
}

double vg_dist_smirnov_sf(uint64_t n, double d) {
    if (n == 0)
        return NAN;
    return smirnov_sf((double)n, d);
}

/* ---- two-sided one-sample distribution (Simard & L'Ecuyer) -------------------------------- */

/* Durbin's matrix method as Marsaglia, Tsang & Wang evaluate it: with k = ceil(nd),
 * h = k - nd, m = 2k - 1, and the m x m matrix H[i][j] = 1/(i-j+1)! (0 if i-j+1 < 0) whose first
 * column and last row are corrected to (1 - h^(i+1))/(i+1)! and (1 - h^(m-j))/(m-j)!, corner
 * (1 - 2h^m + max(0, 2h-1)^m)/m!, P(D_n < d) = n!/n^n (H^n)[k-1][k-1]. Powers are scaled by
 * 2^-256 whenever the centre entry grows past 2^256, the exponent kept apart. Returns the cdf,
 * or NaN when memory runs out. */
static double durbin_cdf(double n, double d) {
    double nd = n * d;
    int k = (int)ceil(nd), m = 2 * k - 1;
    double h = k - nd;
    size_t mm = (size_t)m * (size_t)m;
    double *buf = malloc((3 * mm + (size_t)m + 1) * sizeof *buf);
    if (!buf)
        return NAN;
    double *H = buf, *R = buf + mm, *T = buf + 2 * mm, *fact = buf + 3 * mm; /* fact: m+1 used */
    fact[0] = 1;
    for (int i = 1; i <= m; i++)
        fact[i] = fact[i - 1] * i;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            H[i * m + j] = i - j + 1 >= 0 ? 1 / fact[i - j + 1] : 0;
    for (int i = 0; i < m; i++) {
        H[i * m] -= pow(h, i + 1) / fact[i + 1];
        H[(m - 1) * m + i] -= pow(h, m - i) / fact[m - i];
    }
    H[(m - 1) * m] += (2 * h - 1 > 0 ? pow(2 * h - 1, m) : 0) / fact[m];

    /* R = H^n by binary powering; R starts as the identity */
    for (size_t i = 0; i < mm; i++)
        R[i] = 0;
    for (int i = 0; i < m; i++)
        R[i * m + i] = 1;
    long rexp = 0, hexp = 0;
    for (unsigned long e = (unsigned long)n; e > 0; e >>= 1) {
        if (e & 1) {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++) {
                    double s = 0;
                    for (int l = 0; l < m; l++)
                        s += R[i * m + l] * H[l * m + j];
                    T[i * m + j] = s;
                }
            for (size_t i = 0; i < mm; i++)
                R[i] = T[i];
            rexp += hexp;
            if (fabs(R[(k - 1) * m + (k - 1)]) > 0x1p256) {
                for (size_t i = 0; i < mm; i++)
                    R[i] *= 0x1p-256;
                rexp += 256;
            }
        }
        if (e > 1) {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++) {
                    double s = 0;
                    for (int l = 0; l < m; l++)
                        s += H[i * m + l] * H[l * m + j];
                    T[i * m + j] = s;
                }
            for (size_t i = 0; i < mm; i++)
                H[i] = T[i];
            hexp *= 2;
            if (fabs(H[(k - 1) * m + (k - 1)]) > 0x1p256) {
                for (size_t i = 0; i < mm; i++)
                    H[i] *= 0x1p-256;
                hexp += 256;
            }
        }
    }
    double p = R[(k - 1) * m + (k - 1)];
    free(buf);
    /* times n!/n^n = prod i/n, rescaling to stay in range */
    for (long i = 1; i <= (long)n; i++) {
        p *= (double)i / n;
        if (p < 0x1p-256 && p > 0) {
            p *= 0x1p256;
            rexp -= 256;
        }
    }
    return ldexp(p, (int)rexp);
}

/* Pomeranz's recursion. The sample is a Poisson process of rate 1 on [0, n] conditioned on n
 * points; D_n < d with t = nd says that the count N(s) stays within
 *   floor(s + 1 - t) <= N(s) <= ceil(s + t) - 1,
 * bounds that only jump at s = j + f and s = j + 1 - f (f the fractional part of t). Between
 * consecutive such points the count grows by a Poisson amount, so with V(c) proportional to
 * P(N(s) = c, bounds kept so far) and weights D^k / k! for a step of length D (e^-D folded
 * out), P(D_n < d) = n!/n^n V_final(n). The bounds at each point are integers worked out
 * from floor(t) and f directly, never by rounding s + t. Values stay below e^n <= e^140. */
static double pomeranz_cdf(int n, double d) {
    double t = n * d;
    int ll = (int)floor(t);
    double f = t - ll;
    double g = f < 1 - f ? f : 1 - f;
    int fz = f == 0, fhalf_or_less = f <= 0.5;
    double *buf = malloc((size_t)(5 * (n + 1)) * sizeof *buf);
    if (!buf)
        return NAN;
    double *V = buf, *W = buf + (n + 1), *pg = buf + 2 * (n + 1), *p12g = buf + 3 * (n + 1),
           *p2g = buf + 4 * (n + 1);
    /* D^k / k! for the three step lengths g, 1 - 2g and 2g */
    pg[0] = p12g[0] = p2g[0] = 1;
    for (int k = 1; k <= n; k++) {
        pg[k] = pg[k - 1] * g / k;
        p12g[k] = p12g[k - 1] * (1 - 2 * g) / k;
        p2g[k] = p2g[k - 1] * 2 * g / k;
    }
    for (int c = 0; c <= n; c++)
        V[c] = 0;
    V[0] = 1;
    int lo = 0, hi = 0; /* allowed counts at the previous point */
    /* points: 0, then j+g and j+1-g for j = 0..n-1, then n */
    for (int step = 0; step <= 2 * n; step++) {
        int j = step / 2, nlo, nhi;
        const double *w;
        if (step == 2 * n) {
            nlo = nhi = n;
            w = pg;
        } else if (step % 2 == 0) { /* the point j + g */
            w = step == 0 ? pg : p2g;
            if (fhalf_or_less) {
                nlo = j + 1 - ll;
                nhi = j + ll - fz;
            } else {
                nlo = j - ll;
                nhi = j + ll;
            }
        } else { /* the point j + 1 - g */
            w = p12g;
            if (fhalf_or_less) {
                nlo = j + 1 - ll + fz;
                nhi = j + ll;
            } else {
                nlo = j + 1 - ll;
                nhi = j + ll + 1;
            }
        }
        if (nlo < 0)
            nlo = 0;
        if (nhi > n)
            nhi = n;
        for (int c = nlo; c <= nhi; c++) {
            double s = 0;
            int top = c < hi ? c : hi;
            for (int c0 = lo; c0 <= top; c0++)
                s += V[c0] * w[c - c0];
            W[c] = s;
        }
        for (int c = lo; c <= hi; c++)
            V[c] = 0;
        for (int c = nlo; c <= nhi; c++)
            V[c] = W[c];
        lo = nlo;
        hi = nhi;
        if (lo > hi) {
            free(buf);
            return 0;
        }
    }
    double p = V[n];
    free(buf);
    for (int i = 1; i <= n; i++)
        p *= (double)i / n;
    return p;
}

/* Pelz & Good's asymptotic series for P(D_n <= d):
 *   K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^(3/2),  z = d sqrt(n),
 * each K_i a theta-type series in w = e^(-pi^2/(8z^2)) over odd m = 2k-1, plus (K2, K3) a series
 * in e^(-pi^2 k^2/(2z^2)) (formulas as given by Simard & L'Ecuyer 2011, section 2.4). */
static double pelz_good_cdf(double n, double d) {
    double z = sqrt(n) * d;
    double z2 = z * z, z4 = z2 * z2, z6 = z4 * z2, z8 = z4 * z4, z10 = z8 * z2;
    double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
    double lw = -pi2 / 8 / z2;
    if (lw < -708)
        return 0;
    int kmax = (int)ceil(16 * z / M_PI) + 1;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, e2 = 0, e3 = 0;
    for (int k = kmax; k >= 1; k--) { /* smallest terms first */
        double m = 2.0 * k - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
        double w = exp(lw * m2);
        s0 += w;
        s1 += (pi2 * m2 / 4 - z2) * w;
        s2 +=
            (6 * z6 + 2 * z4 + (2 * z4 - 5 * z2) * pi2 * m2 / 4 + (1 - 2 * z2) * pi4 * m4 / 16) * w;
        s3 += (-30 * z6 - 90 * z8 + (135 * z4 - 96 * z6) * pi2 * m2 / 4 +
               (212 * z4 - 60 * z2) * pi4 * m4 / 16 + (5 - 30 * z2) * pi6 * m6 / 64) *
              w;
        double kk = (double)k * k, u = exp(-pi2 * kk / 2 / z2);
        e2 += kk * u;
        e3 += (3 * z2 - pi2 * kk) * kk * u;
    }
    double k0 = VG_SQRT_2PI / z * s0;
    double k1 = VG_SQRT_2PI / (6 * z4) * s1;
    double k2 = VG_SQRT_2PI / (72 * z6 * z) * s2 - pi2 * VG_SQRT_2PI / (36 * z2 * z) * e2;
    double k3 = VG_SQRT_2PI / (6480 * z10) * s3 + pi2 * VG_SQRT_2PI / (216 * z6) * e3;
    double rn = sqrt(n);
    return k0 + k1 / rn + k2 / n + k3 / (n * rn);
}

/* P(D_n >= d). Sets *nomem when an allocation failed (and returns NaN). */
static double kstwo_sf(double n, double d, int *nomem) {
    *nomem = 0;
    if (isnan(d) || !(n >= 1))
        return NAN;
    if (d >= 1)
        return 0;
    if (d <= 0)
        return 1;
    double t = n * d, sf;
    if (t <= 1) {
        /* Ruben & Gambino: cdf = n!/n^n (2t-1)^n for 1/2n <= d <= 1/n */
        if (t <= 0.5)
            return 1;
        double cdf;
        if (n <= 140) {
            cdf = 1;
            for (long i = 1; i <= (long)n; i++)
                cdf *= (double)i / n * (2 * t - 1);
        } else {
            /* log(n!/n^n) = log(n)/2 - n + log sqrt(2 pi) + stirlerr(n) */
            cdf =
                exp(0.5 * log(n) - n + VG_LN_SQRT_2PI + vg_stats_stirlerr(n) + n * log(2 * t - 1));
        }
        sf = 1 - cdf;
    } else if (t >= n - 1) {
        sf = 2 * pow(1 - d, n); /* Ruben & Gambino */
    } else if (d >= 0.5) {
        sf = 2 * smirnov_sf(n, d); /* D+ >= d and D- >= d cannot both hold */
    } else {
        double nxx = t * d, cdf;
        if (n <= 140) {
            if (nxx <= 0.754693)
                cdf = durbin_cdf(n, d);
            else if (nxx <= 4)
                cdf = pomeranz_cdf((int)n, d);
            else
                return fmin(1, 2 * smirnov_sf(n, d));
        } else {
            if (nxx >= 370)
                return 0;
            if (nxx >= 2.2)
                return fmin(1, 2 * smirnov_sf(n, d));
            if (n <= 100000 && n * pow(d, 1.5) <= 1.4)
                cdf = durbin_cdf(n, d);
            else
                cdf = pelz_good_cdf(n, d);
        }
        if (isnan(cdf)) {
            *nomem = 1;
            return NAN;
        }
        sf = 1 - cdf;
    }
    return sf < 0 ? 0 : (sf > 1 ? 1 : sf);
}

double vg_dist_kstwo_sf(uint64_t n, double d) {
    int nomem;
    return kstwo_sf((double)n, d, &nomem);
}

/* ---- the two-sample test -------------------------------------------------------------------- */

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* floor(a / b) for b > 0 */
static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* P(D_{n,n} >= h/n) = 2 sum_{k>=1} (-1)^(k-1) C(2n, n-kh) / C(2n, n), nested as
 * 2 r_1 (1 - r_2 (1 - r_3 (...))) with r_k = prod_{j=(k-1)h}^{kh-1} (n-j)/(n+j+1). */
static double ks2_equal_sizes(uint64_t n, uint64_t h) {
    double p = 0;
    for (uint64_t k = n / h; k >= 1; k--) {
        double r = 1;
        for (uint64_t j = (k - 1) * h; j < k * h; j++)
            r *= (double)(n - j) / (double)(n + j + 1);
        p = r * (1 - p);
    }
    return 2 * p;
}

/* Fraction of lattice paths (0,0) -> (m,n) touching |ng i - mg j| >= h, by Viehmann's recursion
 * on q (see the file comment). Columns i = 0..m (the larger sample), one array of n+1 cells:
 * inside column i the band is jlo(i) <= j <= jhi(i), both nondecreasing in i. */
static int ks2_paths(uint64_t m, uint64_t n, uint64_t g, uint64_t h, double *out) {
    if (m < n) {
        uint64_t t = m;
        m = n;
        n = t;
    }
    int64_t mg = (int64_t)(m / g), ng = (int64_t)(n / g), hh = (int64_t)h;
    double *q = malloc((size_t)(n + 1) * sizeof *q);
    if (!q)
        return VG_ERR_NOMEM;
    for (uint64_t j = 0; j <= n; j++)
        q[j] = 1;
    /* column 0: inside while mg j < h */
    int64_t lo = 0, top = floor_div(hh - 1, mg);
    if (top > (int64_t)n)
        top = (int64_t)n;
    for (int64_t j = 0; j <= top; j++)
        q[j] = 0;
    for (int64_t i = 1; i <= (int64_t)m; i++) {
        int64_t nlo = floor_div(ng * i - hh, mg) + 1;
        int64_t nhi = -floor_div(-(ng * i + hh), mg) - 1; /* ceil(.) - 1 */
        if (nlo < 0)
            nlo = 0;
        if (nhi > (int64_t)n)
            nhi = (int64_t)n;
        if (nlo > nhi) { /* every path leaves the band */
            free(q);
            *out = 1;
            return VG_OK;
        }
        for (int64_t j = lo; j < nlo; j++) /* cells that fell out of the band */
            q[j] = 1;
        double di = (double)i;
        double below = nlo > 0 ? 1 : 0; /* (i, nlo-1) is outside; j = 0 has weight 0 */
        for (int64_t j = nlo; j <= nhi; j++) {
            double dj = (double)j;
            below = (di * q[j] + dj * below) / (di + dj);
            q[j] = below;
        }
        lo = nlo;
    }
    *out = q[n];
    free(q);
    return VG_OK;
}

/* Exact p-value as scipy's _attempt_exact_2kssamp: d is rounded to the lattice value h / lcm.
 * *ok = 0 when the result is not a probability (scipy then falls back to 'asymp'). */
static int ks2_exact(double d, uint64_t n1, uint64_t n2, double *p, double *d_lattice, int *ok) {
    uint64_t g = gcd_u64(n1, n2), lcm = (n1 / g) * n2;
    double hd = nearbyint(d * (double)lcm); /* round half to even, as np.round */
    uint64_t h = (uint64_t)hd;
    *d_lattice = hd / (double)lcm;
    *ok = 1;
    if (h == 0) {
        *p = 1;
        return VG_OK;
    }
    double prob;
    if (n1 == n2) {
        prob = ks2_equal_sizes(n1, h);
    } else {
        int rc = ks2_paths(n1, n2, g, h, &prob);
        if (rc != VG_OK)
            return rc;
    }
    if (!(prob >= 0 && prob <= 1))
        *ok = 0;
    *p = prob;
    return VG_OK;
}

/* the whole of scipy's method selection; *d is replaced by the lattice value when exact */
static int ks2_pvalue(double *d, uint64_t n1, uint64_t n2, vg_ks_method method, double *pvalue,
                      vg_error *err) {
    uint64_t big = n1 > n2 ? n1 : n2;
    int exact = method == VG_KS_EXACT || (method == VG_KS_AUTO && big <= 10000);
    if (method == VG_KS_EXACT) {
        /* scipy: if lcm would not fit an int32, 'asymp' */
        uint64_t g = gcd_u64(n1, n2);
        if ((double)(n1 / g) >= 2147483647.0 / (double)(n2 / g))
            exact = 0;
    }
    double p = NAN;
    if (exact) {
        double dl;
        int ok, rc = ks2_exact(*d, n1, n2, &p, &dl, &ok);
        if (rc != VG_OK)
            return vg_error_set(err, rc,
                                "ks_2samp: out of memory for the exact p-value "
                                "(n1=%llu, n2=%llu)",
                                (unsigned long long)n1, (unsigned long long)n2);
        *d = dl;
        if (!ok)
            exact = 0;
    }
    if (!exact) {
        double a = (double)n1, b = (double)n2;
        double en = nearbyint(a * b / (a + b));
        int nomem = 0;
        p = en >= 1 ? kstwo_sf(en, *d, &nomem) : NAN;
        if (nomem)
            return vg_error_set(err, VG_ERR_NOMEM, "ks_2samp: out of memory");
    }
    if (p < 0)
        p = 0;
    if (p > 1)
        p = 1;
    *pvalue = p;
    return VG_OK;
}

int vg_stats_ks_2samp_pvalue(double d, uint64_t n1, uint64_t n2, vg_ks_method method,
                             double *pvalue, vg_error *err) {
    if (n1 == 0 || n2 == 0)
        return vg_error_set(err, VG_ERR_INVALID, "ks_2samp: empty sample (n1=%llu, n2=%llu)",
                            (unsigned long long)n1, (unsigned long long)n2);
    if (!(d >= 0 && d <= 1))
        return vg_error_set(err, VG_ERR_INVALID, "ks_2samp: statistic %g outside [0, 1]", d);
    if (method != VG_KS_AUTO && method != VG_KS_EXACT && method != VG_KS_ASYMP)
        return vg_error_set(err, VG_ERR_INVALID, "ks_2samp: unknown method %d", (int)method);
    return ks2_pvalue(&d, n1, n2, method, pvalue, err);
}

static int check_sample(const double *x, size_t n, const char *name, vg_error *err) {
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "ks_2samp: sample %s is empty", name);
    if (!x)
        return vg_error_set(err, VG_ERR_INVALID, "ks_2samp: sample %s is NULL", name);
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            return vg_error_set(err, VG_ERR_INVALID, "ks_2samp: sample %s has NaN at index %zu",
                                name, i);
        if (i > 0 && x[i] < x[i - 1])
            return vg_error_set(err, VG_ERR_INVALID,
                                "ks_2samp: sample %s is not sorted (index %zu)", name, i);
    }
    return VG_OK;
}

int vg_stats_ks_2samp_method(const double *a, size_t na, const double *b, size_t nb,
                             vg_ks_method method, double *statistic, double *pvalue,
                             vg_error *err) {
    int rc;
    if ((rc = check_sample(a, na, "a", err)) != VG_OK ||
        (rc = check_sample(b, nb, "b", err)) != VG_OK)
        return rc;
    if (method != VG_KS_AUTO && method != VG_KS_EXACT && method != VG_KS_ASYMP)
        return vg_error_set(err, VG_ERR_INVALID, "ks_2samp: unknown method %d", (int)method);
    /* both empirical cdfs at every distinct value, counting values <= it (searchsorted right);
     * the differences are formed as scipy forms them, i/na - j/nb, so D is bit-identical */
    double fa = (double)na, fb = (double)nb, dmax = 0, dmin = 0;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        double v = (j == nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
        while (i < na && a[i] <= v)
            i++;
        while (j < nb && b[j] <= v)
            j++;
        double diff = (double)i / fa - (double)j / fb;
        if (diff > dmax)
            dmax = diff;
        if (diff < dmin)
            dmin = diff;
    }
    double d = -dmin > dmax ? -dmin : dmax;
    double p = NAN;
    rc = ks2_pvalue(&d, (uint64_t)na, (uint64_t)nb, method, &p, err);
    if (rc != VG_OK)
        return rc;
    if (statistic)
        *statistic = d;
    if (pvalue)
        *pvalue = p;
    return VG_OK;
}

int vg_stats_ks_2samp(const double *a, size_t na, const double *b, size_t nb, double *statistic,
                      double *pvalue, vg_error *err) {
    return vg_stats_ks_2samp_method(a, na, b, nb, VG_KS_AUTO, statistic, pvalue, err);
}
