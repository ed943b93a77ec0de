#!/usr/bin/python3
"""Oracle tests for libvigia's drift scores (src/drift/): every function is compared with the
scipy/numpy computation it documents as its model (include/vigia/drift.h), on random data and
adversarial data (ties, one row, constant columns, disjoint samples, values of 1e300 and
1e-300, unseen and absent categories, counts of 1e12).

Run: VIGIA=build/vigia /usr/bin/python3 tests/oracle/test_drift.py (or VIGIA_BUILD=build/asan).
The C side is reached through tests/oracle/drift_driver.c, compiled here against
<build>/libvigia.a (with the sanitizers when that library was built with them).
Prints `PASS name` / `FAIL name: detail` per check; exits 1 if any check failed.

Tolerances (|got - want| <= rtol |want| + atol; each PASS line shows [max err / tol]):
- wasserstein, energy: scipy.stats.wasserstein_distance / energy_distance, rtol 1e-12.
- wasserstein_normed: scipy's wasserstein / max(std, 0.001), rtol 1e-12, where std (ddof 0) is
  computed exactly-rounded with math.fsum (vigia's is compensated and overflow-free; numpy.std
  loses digits for a large mean and overflows at 1e300; both agree with numpy.std to 1e-9
  elsewhere, also checked).
- bins: edges from numpy.quantile(ref, arange(1, n)/n) (method 'linear') then numpy.unique,
  counts from numpy.searchsorted(edges, x, 'left'): edges and counts must be identical.
- PSI, Hellinger, total variation: numpy formulas on the shares, rtol 1e-12 (non-negative
  terms). KL: scipy.stats.entropy, rtol 1e-12 + atol 1e-14 (its terms have both signs, so the
  summation order matters at 1e-16 * sum |terms|). Jensen-Shannon: mpmath at 40 digits, rtol
  1e-12 + atol 1e-15, and scipy.spatial.distance.jensenshannon with the divergence within an
  absolute 1e-14 (scipy's own cancellation error; vigia sums non-negative terms).
- chi-squared: scipy.stats.chisquare on the documented expected counts, statistic rtol 1e-12,
  p-value rtol 1e-10 (chi2.sf amplifies the statistic's rounding by up to stat/2).
- z-test: numpy formula, z rtol 1e-12, p-value 2 norm.sf(|z|) rtol 1e-10.
"""
import math
import os
import sys
import warnings

import mpmath
import numpy as np
import scipy.stats as st
from scipy.spatial.distance import jensenshannon

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ZERO_SHARE = 1e-4


def compile_driver(tmp):
    return oracle_util.compile_driver("drift_driver", tmp)


DRIVER = None


def run(lines, timeout=120):
    return oracle_util.run_driver(DRIVER, lines, timeout)

def fl(a):
    return " ".join(map(repr, np.asarray(a, dtype=np.float64).tolist()))


def il(a):
    return " ".join(str(int(v)) for v in a)


class Err:
    """Collects problems and the worst error relative to the tolerance."""

    def __init__(self):
        self.problems = []
        self.worst = 0.0
        self.n = 0

    def num(self, label, got, want, rtol, atol=0.0):
        self.n += 1
        got, want = float(got), float(want)
        if math.isnan(want) or math.isnan(got):
            if not (math.isnan(want) and math.isnan(got)):
                self.problems.append("%s: got %r, want %r" % (label, got, want))
            return
        if math.isinf(want) or math.isinf(got):
            if got != want:
                self.problems.append("%s: got %r, want %r" % (label, got, want))
            return
        tol = rtol * abs(want) + atol
        err = abs(got - want)
        if tol > 0:
            self.worst = max(self.worst, err / tol)
        if not err <= tol:
            self.problems.append("%s: got %r, want %r (err %.3g > tol %.3g)" % (
                label, got, want, err, tol))

    def eq(self, label, got, want):
        self.n += 1
        if got != want:
            self.problems.append("%s: got %r, want %r" % (label, got, want))

    def check(self, s, name):
        s.check("%s [%d values, max err/tol %.2f]" % (name, self.n, self.worst), self.problems)


# ---------------------------------------------------------------------------------------------
# Reference computations (the definitions of include/vigia/drift.h, in numpy/scipy)


def np_bins(ref, cur, nb):
    nb = nb or 10
    edges = np.unique(np.quantile(ref, np.arange(1, nb) / nb)) if nb > 1 else np.array([])
    m = len(edges) + 1
    rc = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=m)
    cc = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=m)
    return edges, rc, cc


def filled(c):
    s = np.asarray(c, dtype=np.float64) / float(np.sum(c))
    s[s == 0] = ZERO_SHARE
    return s


def raw_shares(c):
    return np.asarray(c, dtype=np.float64) / float(np.sum(c))


def psi_ref(rc, cc):
    p, q = filled(rc), filled(cc)
    return float(np.sum((q - p) * np.log(q / p)))


def kl_ref(rc, cc):
    return float(st.entropy(filled(rc), filled(cc)))


def js_scipy(rc, cc):
    return float(jensenshannon(filled(rc), filled(cc)))


def js_mp(rc, cc):
    """The JS distance at 40 digits from the same (double) filled shares."""
    with mpmath.workdps(40):
        p = [mpmath.mpf(float(v)) for v in filled(rc)]
        q = [mpmath.mpf(float(v)) for v in filled(cc)]
        sp, sq = mpmath.fsum(p), mpmath.fsum(q)
        p = [v / sp for v in p]
        q = [v / sq for v in q]
        d = mpmath.mpf(0)
        for a, b in zip(p, q):
            m = (a + b) / 2
            d += a * mpmath.log(a / m) + b * mpmath.log(b / m)
        return float(mpmath.sqrt(max(d, 0) / 2))


def hell_ref(rc, cc):
    p, q = raw_shares(rc), raw_shares(cc)
    return float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2))


def tvd_ref(rc, cc):
    return float(0.5 * np.sum(np.abs(raw_shares(rc) - raw_shares(cc))))


def std_exact(x):
    """Population std, exactly-rounded sums (math.fsum), scaled by a power of two against
    overflow."""
    m = float(np.max(np.abs(x)))
    if m == 0:
        return 0.0
    e = math.frexp(m)[1]
    y = [math.ldexp(v, -e) for v in np.asarray(x, dtype=np.float64).tolist()]
    mean = math.fsum(y) / len(y)
    return math.ldexp(math.sqrt(math.fsum((v - mean) ** 2 for v in y) / len(y)), e)


# ---------------------------------------------------------------------------------------------
# Numeric data sets


def numeric_cases():
    rng = np.random.default_rng(20261125)
    cases = []
    for n1, n2 in [(50, 60), (200, 200), (1000, 700), (3, 2000), (2000, 5), (7, 7)]:
        for shift, scale in [(0.0, 1.0), (0.3, 1.0), (0.0, 2.0), (3.0, 0.5)]:
            cases.append(("normal %dx%d shift %g scale %g" % (n1, n2, shift, scale),
                          rng.normal(size=n1), rng.normal(shift, scale, size=n2)))
    cases.append(("lognormal", rng.lognormal(0, 2, 800), rng.lognormal(0.2, 2, 900)))
    cases.append(("uniform vs exponential", rng.uniform(0, 1, 500), rng.exponential(1, 500)))
    # ties
    cases.append(("ties 5 values", rng.integers(0, 5, 1000).astype(float),
                  rng.integers(0, 5, 800).astype(float)))
    cases.append(("ties shifted", rng.integers(0, 3, 300).astype(float),
                  rng.integers(1, 4, 300).astype(float)))
    cases.append(("ties binary", rng.integers(0, 2, 400).astype(float),
                  (rng.uniform(size=300) < 0.7).astype(float)))
    # tiny samples
    cases.append(("one row each", np.array([1.5]), np.array([-2.25])))
    cases.append(("one row equal", np.array([3.0]), np.array([3.0])))
    cases.append(("one row reference", np.array([0.0]), rng.normal(size=100)))
    cases.append(("one row current", rng.normal(size=100), np.array([0.0])))
    cases.append(("two rows", np.array([1.0, 2.0]), np.array([2.0, 5.0])))
    # constant columns
    cases.append(("constant reference", np.full(100, 7.0), rng.normal(7, 1, 100)))
    cases.append(("constant both equal", np.full(50, -1.0), np.full(80, -1.0)))
    cases.append(("constant both different", np.full(50, 1.0), np.full(80, 2.0)))
    cases.append(("near-constant reference", 1 + 1e-6 * rng.normal(size=200),
                  1 + 1e-6 * rng.normal(size=200)))
    # identical, disjoint
    x = rng.normal(size=300)
    cases.append(("identical", x, x.copy()))
    cases.append(("identical permuted", x, rng.permutation(x)))
    cases.append(("disjoint", rng.uniform(0, 1, 300), rng.uniform(10, 11, 200)))
    # scales
    cases.append(("huge 1e300", 1e300 * rng.normal(size=300), 1e300 * rng.normal(0.5, 1, 250)))
    cases.append(("huge 1e300 constant", np.full(10, 1e300), np.full(20, -1e300)))
    cases.append(("tiny 1e-300", 1e-300 * rng.normal(size=200), 1e-300 * rng.normal(size=200)))
    cases.append(("large offset 1e8", 1e8 + rng.normal(size=500), 1e8 + rng.normal(0.1, 1, 500)))
    cases.append(("mixed magnitudes", np.concatenate([rng.normal(size=100), [1e200, -1e200]]),
                  rng.normal(size=100)))
    return cases


RAW = [("wass", "wasserstein"), ("energy", "energy"), ("wassn", "wasserstein_normed")]
BINNED = ["psi", "kl", "js", "hell"]
NBINS = [0, 10, 5, 1, 2, 37]


def numeric_checks(s):
    cases = numeric_cases()
    lines, keys = [], []
    for name, a, b in cases:
        head = "%d %d %s %s" % (len(a), len(b), fl(a), fl(b))
        for fn, _ in RAW:
            lines.append("num %s 0 %s" % (fn, head))
            keys.append(("raw", fn, name, a, b, 0))
        for nb in NBINS:
            lines.append("bins %d %s" % (nb, head))
            keys.append(("bins", None, name, a, b, nb))
            for fn in BINNED:
                lines.append("num %s %d %s" % (fn, nb, head))
                keys.append(("binned", fn, name, a, b, nb))
    out = run(lines)
    errs = {k: Err() for k in ["wass", "energy", "wassn", "wassn_np", "bins", "psi", "kl", "js",
                               "js_scipy", "hell"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (kind, fn, name, a, b, nb), line in zip(keys, out):
            label = "%s %s nb=%d" % (fn or kind, name, nb)
            if line.startswith("ERR"):
                errs[fn or "bins"].problems.append("%s: %s" % (label, line))
                continue
            if kind == "raw":
                got = float(line)
                w = st.wasserstein_distance(a, b)
                if fn == "wass":
                    errs["wass"].num(label, got, w, 1e-12)
                elif fn == "energy":
                    errs["energy"].num(label, got, st.energy_distance(a, b), 1e-12)
                else:
                    errs["wassn"].num(label, got, w / max(std_exact(a), 0.001), 1e-12)
                    sd = np.std(a)
                    if np.isfinite(sd) and abs(np.mean(a)) < 1e6 * max(sd, 1e-300):
                        errs["wassn_np"].num(label, got, w / max(sd, 0.001), 1e-9)
                continue
            edges, rc, cc = np_bins(a, b, nb)
            if kind == "bins":
                f = line.split()
                m = int(f[0])
                e = errs["bins"]
                e.eq(label + " n_bins", m, len(rc))
                if m == len(rc):
                    e.eq(label + " edges", [float(v) for v in f[1:m]], edges.tolist())
                    e.eq(label + " ref counts", [int(v) for v in f[m:2 * m]], rc.tolist())
                    e.eq(label + " cur counts", [int(v) for v in f[2 * m:3 * m]], cc.tolist())
                continue
            got = float(line)
            if fn == "psi":
                errs["psi"].num(label, got, psi_ref(rc, cc), 1e-12)
            elif fn == "kl":
                errs["kl"].num(label, got, kl_ref(rc, cc), 1e-12, 1e-14)
            elif fn == "js":
                errs["js"].num(label, got, js_mp(rc, cc), 1e-12, 1e-15)
                errs["js_scipy"].num(label + " (divergence)", got * got,
                                     js_scipy(rc, cc) ** 2, 0.0, 1e-14)
            else:
                errs["hell"].num(label, got, hell_ref(rc, cc), 1e-12)
    errs["wass"].check(s, "numeric:wasserstein vs scipy.stats.wasserstein_distance")
    errs["energy"].check(s, "numeric:energy vs scipy.stats.energy_distance")
    errs["wassn"].check(s, "numeric:wasserstein_normed vs scipy wasserstein / max(std, 0.001)")
    errs["wassn_np"].check(s, "numeric:wasserstein_normed vs numpy.std (rtol 1e-9)")
    errs["bins"].check(s, "numeric:bins vs numpy.quantile/unique/searchsorted (exact)")
    errs["psi"].check(s, "numeric:psi on bins vs numpy")
    errs["kl"].check(s, "numeric:kl on bins vs scipy.stats.entropy")
    errs["js"].check(s, "numeric:jensen_shannon on bins vs mpmath")
    errs["js_scipy"].check(s, "numeric:jensen_shannon on bins vs scipy jensenshannon")
    errs["hell"].check(s, "numeric:hellinger on bins vs numpy")


# ---------------------------------------------------------------------------------------------
# Categorical counts


def counts_cases():
    rng = np.random.default_rng(77)
    cases = []
    for k in [2, 3, 5, 10, 20, 60]:
        for n1, n2 in [(100, 100), (1000, 300), (20, 5000)]:
            p = rng.dirichlet(np.ones(k))
            q = 0.7 * p + 0.3 * rng.dirichlet(np.ones(k))
            cases.append(("k=%d %dx%d" % (k, n1, n2), rng.multinomial(n1, p),
                          rng.multinomial(n2, q)))
    cases.append(("unseen categories", np.array([50, 30, 0, 20, 0]),
                  np.array([40, 30, 10, 15, 5])))
    cases.append(("absent from current", np.array([50, 30, 10, 20]), np.array([0, 60, 0, 40])))
    cases.append(("zero in both", np.array([5, 0, 7, 0]), np.array([3, 0, 9, 1])))
    cases.append(("identical", np.array([10, 20, 30]), np.array([10, 20, 30])))
    cases.append(("same proportions", np.array([10, 20, 30]), np.array([1000, 2000, 3000])))
    cases.append(("disjoint", np.array([10, 20, 0, 0]), np.array([0, 0, 5, 5])))
    cases.append(("one category", np.array([10]), np.array([4])))
    cases.append(("one category kept", np.array([10, 0]), np.array([4, 0])))
    cases.append(("huge counts", np.array([10 ** 12, 3 * 10 ** 12, 5]),
                  np.array([2 * 10 ** 12, 10 ** 12, 7])))
    cases.append(("tiny drift", np.array([10 ** 9, 10 ** 9]), np.array([10 ** 9, 10 ** 9 + 1])))
    cases.append(("dominant", np.array([100000, 1, 1]), np.array([99990, 5, 7])))
    for i in range(10):
        k = int(rng.integers(2, 30))
        a = rng.integers(0, 50, k) * (rng.uniform(size=k) < 0.6)
        b = rng.integers(0, 50, k) * (rng.uniform(size=k) < 0.6)
        a[0] += 1
        b[-1] += 1
        cases.append(("sparse %d k=%d" % (i, k), a, b))
    return cases


def chi2_ref(rc, cc):
    keep = (rc > 0) | (cc > 0)
    r, c = rc[keep], cc[keep]
    unseen = int(np.sum((r == 0) & (c > 0)))
    if len(r) < 2:
        return 0.0, 1.0, unseen
    p = r / float(np.sum(r))
    p[p == 0] = ZERO_SHARE
    p = p / np.sum(p)
    stat, pv = st.chisquare(c.astype(float), p * float(np.sum(c)))
    return float(stat), float(pv), unseen


def counts_checks(s):
    cases = counts_cases()
    fns = ["psi", "kl", "js", "hell", "tvd", "chi2"]
    lines, keys = [], []
    for name, a, b in cases:
        for fn in fns:
            lines.append("cnt %s %d %s %s" % (fn, len(a), il(a), il(b)))
            keys.append((fn, name, a, b))
        if len(a) <= 2:
            lines.append("cnt z %d %s %s" % (len(a), il(a), il(b)))
            keys.append(("z", name, a, b))
    out = run(lines)
    errs = {k: Err() for k in fns + ["js_scipy", "hell_bc", "chi2_p", "z", "z_p"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (fn, name, a, b), line in zip(keys, out):
            label = "%s %s" % (fn, name)
            if line.startswith("ERR"):
                errs[fn].problems.append("%s: %s" % (label, line))
                continue
            f = [float(v) for v in line.split()]
            if fn == "psi":
                errs["psi"].num(label, f[0], psi_ref(a, b), 1e-12)
            elif fn == "kl":
                errs["kl"].num(label, f[0], kl_ref(a, b), 1e-12, 1e-14)
            elif fn == "js":
                errs["js"].num(label, f[0], js_mp(a, b), 1e-12, 1e-15)
                errs["js_scipy"].num(label, f[0] ** 2, js_scipy(a, b) ** 2, 0.0, 1e-14)
            elif fn == "hell":
                errs["hell"].num(label, f[0], hell_ref(a, b), 1e-12)
                bc = float(np.sum(np.sqrt(raw_shares(a) * raw_shares(b))))
                errs["hell_bc"].num(label, f[0] ** 2, 1 - bc, 0.0, 1e-14)
            elif fn == "tvd":
                errs["tvd"].num(label, f[0], tvd_ref(a, b), 1e-12)
            elif fn == "chi2":
                stat, pv, unseen = chi2_ref(a, b)
                errs["chi2"].num(label, f[0], stat, 1e-12, 1e-300)
                errs["chi2"].eq(label + " n_unseen", int(f[2]), unseen)
                errs["chi2_p"].num(label, f[1], pv, 1e-10, 1e-300)
            else:
                n1, n2 = float(np.sum(a)), float(np.sum(b))
                p1, p2 = a[0] / n1, b[0] / n2
                pool = (p1 * n1 + p2 * n2) / (n1 + n2)
                if pool in (0.0, 1.0):
                    z, pv = 0.0, 1.0
                else:
                    z = (p1 - p2) / math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
                    pv = 2 * st.norm.sf(abs(z))
                errs["z"].num(label, f[0], z, 1e-12, 1e-300)
                errs["z_p"].num(label, f[1], pv, 1e-10, 1e-300)
    errs["psi"].check(s, "counts:psi vs numpy")
    errs["kl"].check(s, "counts:kl vs scipy.stats.entropy")
    errs["js"].check(s, "counts:jensen_shannon vs mpmath")
    errs["js_scipy"].check(s, "counts:jensen_shannon vs scipy jensenshannon (divergence)")
    errs["hell"].check(s, "counts:hellinger vs numpy")
    errs["hell_bc"].check(s, "counts:hellinger^2 vs 1 - Bhattacharyya coefficient")
    errs["tvd"].check(s, "counts:tvd vs numpy")
    errs["chi2"].check(s, "counts:chi2 statistic and unseen count vs scipy.stats.chisquare")
    errs["chi2_p"].check(s, "counts:chi2 p-value vs scipy.stats.chisquare")
    errs["z"].check(s, "counts:z-test statistic vs numpy (Evidently's formula)")
    errs["z_p"].check(s, "counts:z-test p-value vs 2 scipy.stats.norm.sf(|z|)")


def z_random_checks(s):
    """The z-test over many random binary columns, including extreme imbalances."""
    rng = np.random.default_rng(5)
    lines, want = [], []
    for _ in range(300):
        n1, n2 = (int(v) for v in rng.integers(1, 100000, 2))
        p = rng.uniform() ** 3
        a0, b0 = int(rng.binomial(n1, p)), int(rng.binomial(n2, rng.uniform() ** 3))
        lines.append("cnt z 2 %d %d %d %d" % (a0, n1 - a0, b0, n2 - b0))
        pool = (a0 + b0) / (n1 + n2)
        if pool in (0.0, 1.0):
            want.append((0.0, 1.0))
        else:
            z = (a0 / n1 - b0 / n2) / math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
            want.append((z, 2 * st.norm.sf(abs(z))))
    e = Err()
    for (z, pv), line in zip(want, run(lines)):
        f = [float(v) for v in line.split()]
        e.num("z", f[0], z, 1e-12, 1e-300)
        e.num("p", f[1], pv, 1e-10, 1e-300)
    e.check(s, "counts:z-test random binary columns")


def error_checks(s):
    bad = ["num wass 0 0 2 1 2", "num energy 0 2 0 1 2", "num wassn 0 2 2 1 nan 1 2",
           "num psi 0 2 2 1 2 inf 1", "num kl 0 0 0", "bins 10 0 3 1 2 3",
           "bins 10 2 2 1 -inf 1 2",
           "cnt psi 0", "cnt kl 2 0 0 1 2", "cnt js 2 1 2 0 0", "cnt hell 2 0 0 0 0",
           "cnt tvd 0", "cnt chi2 3 0 0 0 1 2 3", "cnt chi2 2 1 1 0 0", "cnt z 3 1 1 1 1 1 1",
           "cnt z 2 0 0 1 1", "cnt z 0"]
    out = run(bad)
    problems = ["%r -> %r" % (c, o) for c, o in zip(bad, out) if not o.startswith("ERR -5 ")]
    s.check("errors:empty, non-finite, all-zero input gives VG_ERR_INVALID", problems)


def bind_driver(exe):
    global DRIVER
    DRIVER = exe


def main():
    return oracle_util.driver_main("drift_driver", "drift", [("numeric", numeric_checks), ("counts", counts_checks), ("counts:z", z_random_checks), ("errors", error_checks)], bind_driver)


if __name__ == "__main__":
    sys.exit(main())
