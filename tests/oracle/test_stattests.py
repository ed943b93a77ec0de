#!/usr/bin/python3
"""Oracle tests for libvigia's two-sample tests (src/stats/tests.c, vigia/stattests.h): Welch's
t test, Mann-Whitney U, Anderson-Darling k-sample and Cramer-von Mises two-sample, each against
the scipy 1.10 function it documents as its model (default arguments), on random samples and
adversarial ones (ties, tiny samples on the exact paths, large samples, huge values).

Run: VIGIA=build/vigia /usr/bin/python3 tests/oracle/test_stattests.py
(the library used is $VIGIA_BUILD/libvigia.a, VIGIA_BUILD defaulting to the directory of $VIGIA,
else `build`). The C side is tests/oracle/stattests_driver.c, compiled here against that library
(with the sanitizers when it was built with them). Prints `PASS name` / `FAIL name: detail`;
exits 1 if any check failed.

A value passes when |got - want| <= rtol |want| + atol (statistic and p-value separately, NaN
only against NaN, infinities exactly); each PASS line names the largest relative errors seen
(p-values below atol left out of that figure) and the tolerances.
"""
import math
import os
import sys
import warnings

import numpy as np
import scipy.stats as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def compile_driver(tmp):
    return oracle_util.compile_driver("stattests_driver", tmp)


DRIVER = None


def run(lines, timeout=120):
    return oracle_util.run_driver(DRIVER, lines, timeout)

def cmd(test, a, b):
    return "%s %d %d %s %s" % (test, len(a), len(b), " ".join(map(repr, map(float, a))),
                               " ".join(map(repr, map(float, b))))


def err_of(g, w, rtol, atol):
    """(ok, relative error |g - w| / |w|, 0 when equal)."""
    if math.isnan(w) or math.isnan(g):
        return (math.isnan(w) and math.isnan(g)), 0.0
    if math.isinf(w) or math.isinf(g) or g == w:
        return g == w, 0.0
    e = abs(g - w)
    return e <= rtol * abs(w) + atol, (e / abs(w) if w else math.inf)


def compare(s, label, test, cases, oracle, stol, ptol):
    """cases: list of (a, b); oracle(a, b) -> (statistic, pvalue[, bounded]) from scipy.
    stol, ptol: (rtol, atol) for the statistic and the p-value. The PASS line gives the largest
    relative errors seen (an error within atol may exceed rtol relatively)."""
    out = run([cmd(test, a, b) for (a, b) in cases], timeout=300)
    problems = []
    worst_s = worst_p = 0.0
    for (a, b), line in zip(cases, out):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            want = oracle(np.asarray(a, float), np.asarray(b, float))
        tag = "n=(%d,%d)" % (len(a), len(b))
        if line.startswith("ERR"):
            problems.append("%s: %s" % (tag, line))
            continue
        got = [float(x) for x in line.split()]
        ok, e = err_of(got[0], float(want[0]), *stol)
        worst_s = max(worst_s, e)
        if not ok:
            problems.append("%s: statistic %r, scipy %r" % (tag, got[0], float(want[0])))
        ok, e = err_of(got[1], float(want[1]), *ptol)
        if abs(float(want[1])) > ptol[1]:
            worst_p = max(worst_p, e)
        if not ok:
            problems.append("%s: p %r, scipy %r" % (tag, got[1], float(want[1])))
        if len(want) > 2 and int(got[2]) != want[2]:
            problems.append("%s: bounded %d, want %d" % (tag, int(got[2]), want[2]))
    s.check("%s [%d cases; max rel err: statistic %.1e (tol rtol %.0e atol %.0e), "
            "p %.1e (tol rtol %.0e atol %.0e)]"
            % (label, len(cases), worst_s, stol[0], stol[1], worst_p, ptol[0], ptol[1]),
            problems)


def expect_errors(s, label, test, cases):
    out = run([cmd(test, a, b) for (a, b) in cases])
    problems = ["%s n=(%d,%d) -> %r" % (test, len(a), len(b), o)
                for (a, b), o in zip(cases, out) if not o.startswith("ERR -5 ")]
    s.check(label, problems)


RNG = np.random.default_rng(20261125)


def random_cases(count, nmax, nmin=1, ties=True):
    """Mixed random pairs: normal with shifts and scale changes, heavy ties (small integers),
    exponential, and disjoint samples."""
    rng = RNG
    cases = []
    for i in range(count):
        n1, n2 = (int(v) for v in rng.integers(nmin, nmax + 1, 2))
        kind = i % 5 if ties else [0, 2, 3][i % 3]
        shift = float(rng.choice([0, 0, 0.2, 1, 3]))
        if kind == 0:
            a, b = rng.normal(0, 1, n1), rng.normal(shift, rng.choice([1, 3]), n2)
        elif kind == 1:
            a, b = rng.integers(0, 4, n1), rng.integers(0, 4, n2) + int(shift)
        elif kind == 2:
            a, b = rng.exponential(1, n1), rng.exponential(1 + shift, n2)
        elif kind == 3:
            a, b = rng.normal(0, 1, n1) * 1e-3, rng.normal(0, 1, n2) * 1e-3 + 10 * shift
        else:
            a, b = rng.integers(0, 30, n1) / 4, rng.integers(0, 30, n2) / 4
        cases.append((np.asarray(a, float), np.asarray(b, float)))
    return cases


# ---------------------------------------------------------------------------------------------


def welch_oracle(a, b):
    r = st.ttest_ind(a, b, equal_var=False)
    return r.statistic, r.pvalue


def welch_checks(s):
    # t and p follow numpy's pairwise sums exactly; the p-value then goes through Student's t
    # sf, where vigia and scipy (cephes stdtr) agree to ~1e-12 (tests/oracle/test_stats.py)
    tol_s, tol_p = (1e-14, 0), (1e-12, 1e-300)
    compare(s, "welch:random (n 2-300, ties)", "welch", random_cases(200, 300, 2), welch_oracle,
            tol_s, tol_p)
    big = [(RNG.normal(0, 1, 20000), RNG.normal(0.03, 2, 15000)),
           (RNG.normal(0, 1, 5000), RNG.normal(1, 1, 3)),
           (RNG.normal(1e12, 1, 3000), RNG.normal(1e12 + 0.1, 1, 4000)),
           (RNG.normal(1e8, 1, 100000), RNG.normal(1e8, 1, 90000))]
    # numpy's sums replayed (pairwise, 8192-element chunks): same rounding as scipy
    compare(s, "welch:large n, offset 1e12", "welch", big, welch_oracle, (1e-14, 0), tol_p)
    adv = [([1.0], [2.0, 3.0]),  # one element: NaN
           ([1.0, 1.0, 1.0], [2.0, 2.0]),  # constant, different: -inf, p 0
           ([5.0, 5.0], [5.0, 5.0, 5.0]),  # constant, equal: NaN
           ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),  # identical: 0, 1
           ([1.0, 2.0], [2.0, 3.0, 1e308]),  # variance overflows
           ([1e300, -1e300, 3e299], [1e-300, 2e-300]),
           (list(range(50)), [1e6, 1e6 + 1]),  # far tail p-value
           ([0.0, 0.0, 0.0, 1e-300], [0.0, 0.0]),
           ([1.0, 2.0], [3.0, 4.0])]
    compare(s, "welch:adversarial (n=1, constant, identical, overflow, far tail)", "welch",
            [(np.array(a), np.array(b)) for a, b in adv], welch_oracle, tol_s, tol_p)
    expect_errors(s, "welch:invalid input -> VG_ERR_INVALID", "welch",
                  [([], [1.0]), ([1.0], []), ([1.0, math.nan], [1.0, 2.0])])


def finite_ranks(x):
    """scipy 1.10's rankdata returns all-NaN ranks when a sample holds both -inf and +inf (its
    NaN check sums the data); vigia ranks infinities as ordinary values. For the oracle they
    become the extreme finite doubles, which rank the same when no data is that extreme."""
    return np.clip(x, -np.finfo(float).max, np.finfo(float).max)


def mwu_oracle(a, b):
    r = st.mannwhitneyu(finite_ranks(a), finite_ranks(b))
    return r.statistic, r.pvalue


def mwu_checks(s):
    # exact path: sums of the null distribution; scipy adds integer counts in floats, vigia the
    # Gaussian binomial's coefficients: ~1e-15 apart
    exact = random_cases(150, 8, 1, ties=False)
    exact += [(RNG.normal(0, 1, n1), RNG.normal(0.5, 1, n2))
              for n1, n2 in [(8, 8), (1, 1), (1, 50), (8, 200), (4, 480), (7, 8), (8, 9),
                             (5, 5)]]
    exact += [(np.arange(5.0), np.arange(5.0) + 100), (np.arange(8.0) + 1e6, np.arange(300.0))]
    for (a, b) in exact:
        assert len(set(np.concatenate([a, b]))) == len(a) + len(b)
    compare(s, "mwu:exact (min n <= 8, no ties; incl. 8 vs 200, 4 vs 480, disjoint)", "mwu",
            exact, mwu_oracle, (0, 0), (1e-14, 1e-300))
    # normal approximation: vigia's normal sf is more accurate than scipy's ndtr in the tail
    # (tests/oracle/test_stats.py), hence 1e-12 and not 1e-15 on p
    tol_p = (1e-12, 1e-300)
    compare(s, "mwu:asymptotic random (ties, or both n > 8)", "mwu",
            random_cases(200, 200, 1) + random_cases(50, 300, 9, ties=False), mwu_oracle,
            (0, 0), tol_p)
    big = [(RNG.normal(0, 1, 20000), RNG.normal(0.02, 1, 30000)),
           (RNG.integers(0, 3, 40000).astype(float), RNG.integers(0, 3, 30000).astype(float)),
           (RNG.normal(0, 1, 3000), RNG.normal(3, 1, 3000))]
    compare(s, "mwu:large n (heavy ties, far tail)", "mwu", big, mwu_oracle, (0, 0), tol_p)
    adv = [([1.0], [2.0]), ([1.0], [1.0]), ([1.0, 1.0], [1.0, 1.0]), ([3.0] * 10, [3.0] * 12),
           ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), ([-math.inf, 0.0, math.inf], [1.0, 2.0]),
           ([1e308, -1e308], [0.0, 5e-324]), ([0.0, -0.0], [0.0, 1.0])]
    compare(s, "mwu:adversarial (one element, identical, all tied, +/-inf)", "mwu",
            [(np.array(a), np.array(b)) for a, b in adv], mwu_oracle, (0, 0), tol_p)
    expect_errors(s, "mwu:invalid input -> VG_ERR_INVALID", "mwu",
                  [([], [1.0]), ([1.0], []), ([1.0], [math.nan])])


def ad_oracle(a, b):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = st.anderson_ksamp([a, b])
    msgs = " ".join(str(x.message) for x in w)
    bounded = 1 if "capped" in msgs else (-1 if "floored" in msgs else 0)
    return r.statistic, r.pvalue, bounded


def ad_checks(s):
    # statistic: same sums as scipy, in the same order; p: scipy's polyfit (SVD) and vigia's
    # Householder QR give the same quadratic to ~1e-15, amplified by exp
    tol_s, tol_p = (1e-13, 1e-15), (1e-13, 0)
    cases = [c for c in random_cases(250, 150, 1) if len(c[0]) + len(c[1]) >= 4 and
             len(np.unique(np.concatenate(c))) >= 2]
    compare(s, "ad:random (n 1-150, ties)", "ad", cases, ad_oracle, tol_s, tol_p)
    mid = []
    for shift in np.linspace(0, 0.9, 40):  # statistics across the interpolated range
        mid.append((RNG.normal(0, 1, 60), RNG.normal(shift, 1, 50)))
    compare(s, "ad:p-value interpolation range (shifts 0-0.9)", "ad", mid, ad_oracle, tol_s,
            tol_p)
    big = [(RNG.normal(0, 1, 20000), RNG.normal(0.01, 1, 15000)),
           (RNG.integers(0, 5, 30000).astype(float), RNG.integers(0, 5, 20000).astype(float)),
           (RNG.normal(0, 1, 4000), RNG.normal(0, 1, 7))]
    compare(s, "ad:large n", "ad", big, ad_oracle, (1e-13, 1e-15), (1e-13, 0))
    adv = [([1.0, 2.0], [3.0]), ([1.0, 1.0], [1.0, 2.0]), ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),
           ([1.0], [2.0, 3.0, 4.0, 5.0]), (list(range(30)), list(range(30))),
           ([1e300, -1e300, 0.0], [1e-300, 2.0]), ([0.0] * 10 + [1.0], [1.0] * 10 + [0.0]),
           (list(range(100)), list(range(1000, 1100)))]
    compare(s, "ad:adversarial (N = 3, one element, identical, ties, disjoint)", "ad",
            [(np.array(a, float), np.array(b, float)) for a, b in adv], ad_oracle, tol_s, tol_p)
    expect_errors(s, "ad:invalid input (empty, N < 3, one distinct value, NaN)", "ad",
                  [([], [1.0, 2.0, 3.0]), ([1.0], [2.0]), ([2.0, 2.0], [2.0]),
                   ([1.0, math.nan], [2.0, 3.0])])


def cvm_oracle(a, b):
    r = st.cramervonmises_2samp(finite_ranks(a), finite_ranks(b))
    return r.statistic, r.pvalue


def cvm_checks(s):
    # exact: counts of lattice paths in integers on both sides and one division, T in scipy's
    # order of operations: both match to the last bit
    exact = random_cases(90, 20, 2)
    exact += [(RNG.normal(0, 1, n1), RNG.normal(0.3, 1, n2))
              for n1, n2 in [(20, 20), (19, 20), (20, 17), (2, 2), (2, 20), (13, 17)]]
    exact += [(np.arange(20.0), np.arange(20.0) + 100), (np.ones(5), np.ones(7))]
    compare(s, "cvm:exact (n <= 20, ties, 19 vs 20, disjoint)", "cvm", exact, cvm_oracle,
            (0, 0), (0, 0))
    # asymptotic: scipy's series stops at the first term below 1e-7 and vigia sums the same
    # terms; K_1/4 (AMOS in scipy, a trapezoidal integral here) agrees to ~1e-15, and
    # p = 1 - cdf is then accurate to ~1e-15 absolute
    tol_p = (1e-12, 1e-14)
    compare(s, "cvm:asymptotic random (max n > 20)", "cvm", random_cases(200, 300, 21),
            cvm_oracle, (1e-12, 1e-15), tol_p)
    big = [(RNG.normal(0, 1, 20000), RNG.normal(0.02, 1, 15000)),
           (RNG.integers(0, 4, 30000).astype(float), RNG.integers(0, 4, 20000).astype(float)),
           (RNG.normal(0, 1, 2000), RNG.normal(0.5, 1, 2)),
           (RNG.normal(0, 1, 3000), RNG.normal(0.2, 1, 3000)),
           (RNG.normal(0, 1, 150000), RNG.normal(0.005, 1, 120000))]
    # T is a difference of two terms ~ N/6 apart from ~1/6: its relative error is ~N u; the
    # sums are numpy's pairwise sums in 8192-element chunks, so vigia's rounding is scipy's
    compare(s, "cvm:large n (up to 150000: T cancels ~1e6-fold)", "cvm", big, cvm_oracle,
            (1e-14, 0), tol_p)
    adv = [(list(range(30)), list(range(30))), (list(range(25)), list(range(100, 130))),
           ([1.0] * 30, [1.0] * 22), ([1e300, -1e300] * 15, [0.0, 1.0, 5e-324]),
           ([-math.inf] + list(range(25)), [math.inf, 3.0])]
    compare(s, "cvm:adversarial (identical, disjoint, all tied, +/-inf)", "cvm",
            [(np.array(a, float), np.array(b, float)) for a, b in adv], cvm_oracle,
            (1e-12, 1e-15), tol_p)
    expect_errors(s, "cvm:invalid input (n < 2, NaN)", "cvm",
                  [([1.0], [1.0, 2.0]), ([1.0, 2.0], [3.0]), ([], []),
                   ([1.0, 2.0], [math.nan, 2.0])])


def bind_driver(exe):
    global DRIVER
    DRIVER = exe


def main():
    return oracle_util.driver_main("stattests_driver", "stattests", [("welch", welch_checks), ("mwu", mwu_checks), ("ad", ad_checks), ("cvm", cvm_checks)], bind_driver)


if __name__ == "__main__":
    sys.exit(main())
