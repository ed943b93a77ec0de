#!/usr/bin/python3
"""Oracle tests for libvigia's special functions, distributions and KS test (src/stats/):
every function is compared with the scipy function it documents as its model, on grids,
random inputs and adversarial ones (far tails, huge parameters, ties, tiny samples).

Run: VIGIA_BUILD=build /usr/bin/python3 tests/oracle/test_stats.py
(VIGIA_BUILD defaults to the directory of $VIGIA, as tests/run.sh sets it, else `build`.)
The C side is reached through tests/oracle/stats_driver.c, compiled here against
$VIGIA_BUILD/libvigia.a (with the sanitizers when that library was built with them).
Prints `PASS name` / `FAIL name: detail` per check; exits 1 if any check failed.

Each PASS line names the largest error seen and the tolerance, as [max err / tol]. Errors are
relative, |got - want| <= rtol |want| + atol, with atol 0 unless the line says otherwise; the
tolerances are what scipy 1.10's own accuracy allows (scipy is the oracle, not the truth: where
scipy is known to be less accurate, e.g. norm.sf beyond x = 20 where it rounds x/sqrt(2), the
tolerance covers scipy's error, and the test says so).
"""
import math
import os
import sys
import warnings

import numpy as np
import scipy.special as sc
import scipy.stats as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def compile_driver(tmp):
    return oracle_util.compile_driver("stats_driver", tmp)


DRIVER = None


def run(lines, timeout=120):
    return oracle_util.run_driver(DRIVER, lines, timeout)

def call(fn, argsets):
    """Calls the driver function fn on each tuple of arguments; returns a float array."""
    out = run(["%s %s" % (fn, " ".join(fmt(a) for a in args)) for args in argsets])
    return np.array([float(x) for x in out])


def fmt(a):
    if isinstance(a, (int, np.integer)):
        return str(int(a))
    return repr(float(a))


# Results below this are within a factor 2^50 of the subnormal range, where both libraries
# keep few significant bits (and scipy often flushes to 0): both that small counts as equal.
SUBNORMAL = 1e-300


def compare(name, args, got, want, rtol, atol=0.0):
    """Problems (list of str) and the largest error relative to |want| (or to atol/rtol when
    atol is given). rtol may be a function of the arguments."""
    problems = []
    worst = 0.0
    worst_rel = 0.0
    rtol_of = rtol if callable(rtol) else (lambda *a_: rtol)
    for a, g, w in zip(args, got, want):
        rtol = rtol_of(*a)
        g, w = float(g), float(w)
        if math.isnan(w) or math.isnan(g):
            if not (math.isnan(w) and math.isnan(g)):
                problems.append("%s%r: got %r, want %r" % (name, tuple(a), g, w))
            continue
        if abs(w) < SUBNORMAL and abs(g) < SUBNORMAL:
            continue  # both (near) subnormal: a few bits left, nothing to compare
        if math.isinf(w) or math.isinf(g):
            if g != w:
                problems.append("%s%r: got %r, want %r" % (name, tuple(a), g, w))
            continue
        err = abs(g - w)
        tol = rtol * abs(w) + atol
        if w != 0:
            worst_rel = max(worst_rel, err / abs(w) if atol == 0 else err / (abs(w) + atol / rtol))
        elif err > 0:
            worst_rel = max(worst_rel, err / (atol / rtol) if atol else math.inf)
        if err > tol:
            problems.append("%s%r: got %r, want %r (rel %.2g)" % (
                name, tuple(a), g, w, err / abs(w) if w else math.inf))
        worst = max(worst, err / tol if tol else (0 if err == 0 else math.inf))
    return problems, worst_rel


def check(suite, label, fn, argsets, oracle, rtol, atol=0.0):
    """One PASS/FAIL line: the C function fn against oracle(*args) on every argument tuple."""
    argsets = [tuple(a) for a in argsets]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        want = [float(oracle(*a)) for a in argsets]
    got = call(fn, argsets)
    problems, worst = compare(fn, argsets, got, want, rtol, atol)
    tol = ("rtol %s" % (rtol.__doc__ if callable(rtol) else "%.0e" % rtol) +
           (" atol %.0e" % atol if atol else ""))
    suite.check("%s [%d points, max err %.1e / %s]" % (label, len(argsets), worst, tol), problems)


RNG = np.random.default_rng(20240611)


def logu(lo, hi, n):
    """n values log-uniform in [10^lo, 10^hi]."""
    return 10.0 ** RNG.uniform(lo, hi, n)


# ---------------------------------------------------------------------------------------------
# special functions


def special_checks(s):
    a = np.concatenate([logu(-1, 4, 300), [0.5, 1, 1.5, 2, 10, 100.5, 1e5, 1e6, 3e7]])
    # x around a (the hard middle), far below and far above
    pts = []
    for ai in a:
        for f in (1e-3, 0.1, 0.5, 0.9, 1, 1.1, 2, 5):
            pts.append((ai, ai * f))
        pts.append((ai, ai + 3 * math.sqrt(ai)))
        pts.append((ai, max(ai - 3 * math.sqrt(ai), ai * 1e-3)))
    # scipy's own error grows with a (~1.5e-15 a: 1e-12 at a = 800, 5e-12 at a ~ 3000, where vigia's is
    # 1e-13 against 50-digit references: see the known values in tests/unit/test_stats.c)
    def rt_gamma(a_, x_):
        """1e-12 (a <= 200), 2e-11 beyond"""
        return 1e-12 if a_ <= 200 else 2e-11
    check(s, "special:gammainc_p", "gammainc_p", pts, sc.gammainc, rt_gamma)
    check(s, "special:gammainc_q", "gammainc_q", pts, sc.gammaincc, rt_gamma)
    # far tails, relative accuracy of the small tail down to 1e-300
    tail = []
    for ai in (0.5, 1, 3, 10, 100, 1000):
        for x in (1e-300, 1e-100, 1e-10):
            tail.append((ai, x))  # P tiny
        for x in (50, 200, 700, 720):
            tail.append((ai, ai + x + 8 * math.sqrt(ai * x)))  # Q tiny
    check(s, "special:gammainc far tails", "gammainc_p", tail, sc.gammainc, 1e-12)
    check(s, "special:gammaincc far tails", "gammainc_q", tail, sc.gammaincc, 1e-12)
    small = [(ai, x) for ai in (0.01, 0.05, 0.1, 0.3) for x in (1e-5, 0.01, 0.5, 1, 2, 10, 50)]
    check(s, "special:gammainc small a", "gammainc_p", small, sc.gammainc, 1e-13)
    check(s, "special:gammaincc small a (1 - P for x < a+1)", "gammainc_q", small, sc.gammaincc,
          1e-12, 1e-16)
    edge = [(0, 1), (0, 0), (1, 0), (2, math.inf), (math.inf, 3), (-1, 1), (1, -1),
            (math.nan, 1), (1, math.nan), (0.5, 0)]
    check(s, "special:gammainc edges", "gammainc_p", edge, sc.gammainc, 0)
    check(s, "special:gammaincc edges", "gammainc_q", edge, sc.gammaincc, 0)

    ab = list(zip(logu(-1, 3, 250), logu(-1, 3, 250)))
    ab += [(0.5, 0.5), (1, 1), (2, 3), (0.5, 1e5), (1e5, 0.5), (1e4, 1e4), (300, 3000)]
    pts = []
    for (ai, bi) in ab:
        mean = ai / (ai + bi)
        for x in (1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, mean, mean * 0.9, min(1, mean * 1.1),
                  RNG.uniform()):
            pts.append((ai, bi, x))
    # scipy (cephes incbet) loses accuracy with large parameters: up to 7e-11 seen at
    # max(a, b) ~ 1000, where vigia stays near 1e-13 against 50-digit references
    def rt_beta(a_, b_, x_):
        """1e-12 (a, b <= 100), 2e-10 beyond"""
        return 1e-12 if max(a_, b_) <= 100 else 2e-10
    check(s, "special:betainc", "betainc", pts, sc.betainc, rt_beta)
    # complement: I_{1-x}(b, a) evaluated by scipy at y, by vigia at x = 1 - y (both exact)
    cpts = []
    for (ai, bi, x) in pts:
        y = min(x, 1 - x)
        xx = 1 - y
        cpts.append((ai, bi, xx))
    check(s, "special:betainc_c (= betainc(b, a, 1-x))", "betainc_c", cpts,
          lambda a_, b_, x_: sc.betainc(b_, a_, 1 - x_), rt_beta)
    tails = [(ai, bi, x) for ai in (0.5, 2, 10, 50) for bi in (0.5, 3, 40)
             for x in (1e-300, 1e-100, 1e-20)]
    check(s, "special:betainc far tail", "betainc", tails, sc.betainc, 1e-12)
    edge = [(1, 1, 0), (1, 1, 1), (2, 3, -0.1), (2, 3, 1.1), (0, 1, 0.5), (1, 0, 0.5),
            (math.nan, 1, 0.5), (1, math.nan, 0.5), (1, 1, math.nan), (-1, 2, 0.3)]
    check(s, "special:betainc edges", "betainc", edge, sc.betainc, 0)
    xs = np.concatenate([logu(-3, 2, 100), [0.5, 1, 2, 3, 1e5, 1e300]])
    check(s, "special:lgamma", "lgamma", [(x,) for x in xs], sc.gammaln, 1e-14, 1e-15)


# ---------------------------------------------------------------------------------------------
# distributions


def normal_checks(s):
    x = np.concatenate([np.linspace(-38.4, 38.4, 481), RNG.normal(0, 3, 200), [0.0, -0.0]])
    # scipy's ndtr rounds x/sqrt(2), which costs it up to ~x^2 * 1.1e-16 relative in the tail
    # (1.6e-13 at x = 38); vigia corrects that rounding (checked against 50-digit values in
    # tests/unit/test_stats.c), so the tolerance is scipy's error bound
    def rt_norm(x_):
        """5e-15 + 2.5e-16 x^2"""
        return 5e-15 + 2.5e-16 * x_ * x_
    check(s, "dist:norm_cdf", "norm_cdf", [(v,) for v in x], sc.ndtr, rt_norm)
    check(s, "dist:norm_sf", "norm_sf", [(v,) for v in x], lambda v: sc.ndtr(-v), rt_norm)
    p = np.concatenate([10.0 ** -RNG.uniform(0, 300, 300), RNG.uniform(0, 1, 200),
                        [1e-300, 1e-200, 1e-20, 0.02425, 0.025, 0.5, 0.5 + 1e-12, 0.5 - 1e-12,
                         0.975, 1 - 1e-16, 0.999999]])
    check(s, "dist:norm_ppf", "norm_ppf", [(v,) for v in p], sc.ndtri, 1e-13)
    check(s, "dist:norm_isf", "norm_isf", [(v,) for v in p], st.norm.isf, 1e-13)
    edge = [(0.0,), (1.0,), (-0.1,), (1.1,), (math.nan,)]
    check(s, "dist:norm_ppf edges", "norm_ppf", edge, sc.ndtri, 0)
    check(s, "dist:norm_cdf edges", "norm_cdf", [(math.inf,), (-math.inf,), (math.nan,)],
          sc.ndtr, 0)


def t_checks(s):
    dfs = [0.5, 1, 1.5, 2, 3, 4.5, 5, 10, 30, 100, 1000, 1e5, 1e7, 1e10]
    pts = []
    for df in dfs:
        for t in np.concatenate([np.linspace(-10, 10, 41), RNG.normal(0, 4, 20)]):
            pts.append((t, df))
    check(s, "dist:t_cdf", "t_cdf", pts, st.t.cdf, 1e-12)
    check(s, "dist:t_sf", "t_sf", pts, st.t.sf, 1e-12)
    check(s, "dist:t_pvalue (2 sf|t|)", "t_pvalue", pts,
          lambda t, df: min(1.0, 2 * st.t.sf(abs(t), df)), 1e-12)
    # far tail: sf down to ~1e-300
    far = []
    for df in (1, 2, 3, 5, 10, 30, 100):
        for lp in (20, 50, 100, 200, 290):
            # t with sf ~ 10^-lp, from the tail asymptotics sf ~ C t^-df
            t = 10 ** (lp / df) if df < 30 else st.t.isf(10.0 ** -min(lp, 290), df)
            if math.isfinite(t):
                far.append((t, df))
    far += [(1e300, 1), (1e150, 2), (1e100, 3)]

    # scipy squares t and returns 0 once t^2 overflows; for df = 1 (Cauchy) the exact
    # sf = atan2(1, t) / pi serves instead
    def t_sf_oracle(t, df):
        return math.atan2(1, t) / math.pi if df == 1 else st.t.sf(t, df)
    check(s, "dist:t_sf far tail", "t_sf", far, t_sf_oracle, 1e-12)
    check(s, "dist:t_cdf far left tail", "t_cdf", [(-t, df) for (t, df) in far],
          lambda t, df: t_sf_oracle(-t, df), 1e-12)
    inf = [(t, math.inf) for t in (-5, -1, 0, 0.5, 3, 8)]
    check(s, "dist:t df=inf is the normal", "t_sf", inf, st.t.sf, 1e-14)
    edge = [(1, 0), (1, -1), (math.nan, 3), (1, math.nan), (math.inf, 3), (-math.inf, 3),
            (0, 3)]
    check(s, "dist:t edges", "t_sf", edge, st.t.sf, 0)


def chi2_f_checks(s):
    dfs = [0.5, 1, 2, 3, 5, 10, 50, 100, 1000, 1e4, 1e6]
    pts = []
    for df in dfs:
        for f in (1e-6, 0.01, 0.2, 0.5, 0.8, 1, 1.2, 2, 3, 10):
            pts.append((df * f, df))
        for z in (-3, -1, 0, 1, 3, 6):
            pts.append((max(1e-3, df + z * math.sqrt(2 * df)), df))
    check(s, "dist:chi2_cdf", "chi2_cdf", pts, st.chi2.cdf, 1e-12)
    check(s, "dist:chi2_sf", "chi2_sf", pts, st.chi2.sf, 1e-12)
    far = [(x, df) for df in (1, 2, 5, 30, 100) for x in (300, 800, 1300, 1400 + 2 * df)]
    check(s, "dist:chi2_sf far tail", "chi2_sf", far, st.chi2.sf, 1e-12)
    edge = [(-1, 3), (0, 1), (1, 0), (math.nan, 2), (2, math.nan), (math.inf, 2)]
    check(s, "dist:chi2 edges", "chi2_sf", edge, st.chi2.sf, 0)
    pairs = [(1, 1), (1, 10), (2, 3), (5, 2), (10, 20), (3.5, 7.25), (100, 100), (1000, 50),
             (1e4, 1e4)]
    pts = [(x, a, b) for (a, b) in pairs for x in (1e-4, 0.1, 0.5, 0.9, 1, 1.1, 2, 5, 50)]
    # scipy's incbet error again (6e-12 at dfn = dfd = 1e4, where f.cdf(1) should be 1/2)
    def rt_f(x_, a_, b_):
        """1e-12 (df <= 1000), 2e-11 beyond"""
        return 1e-12 if max(a_, b_) <= 1000 else 2e-11
    check(s, "dist:f_cdf", "f_cdf", pts, st.f.cdf, rt_f)
    check(s, "dist:f_sf", "f_sf", pts, st.f.sf, rt_f)
    far = [(x, a, b) for (a, b) in [(2, 3), (5, 10), (10, 50)] for x in (1e10, 1e40, 1e90)]
    check(s, "dist:f_sf far tail", "f_sf", far, st.f.sf, 1e-12)
    edge = [(-1, 2, 3), (0, 2, 3), (math.inf, 2, 3), (1, 0, 3), (1, 2, -1), (math.nan, 2, 3)]
    check(s, "dist:f edges", "f_sf", edge, st.f.sf, 0)


# ---------------------------------------------------------------------------------------------
# Kolmogorov-Smirnov


def ks_dist_checks(s):
    x = np.concatenate([np.linspace(0.01, 3, 300), np.linspace(3, 18.6, 60), [0.82, 0.8200001,
                                                                             0.0406, 0.0407]])
    check(s, "ks:kolmogorov (sf)", "kolmogorov", [(v,) for v in x], sc.kolmogorov, 1e-12)
    check(s, "ks:kolmogc (cdf)", "kolmogc", [(v,) for v in x], st.kstwobign.cdf, 1e-12, 1e-300)
    check(s, "ks:kolmogorov edges", "kolmogorov",
          [(0.0,), (-1.0,), (math.inf,), (math.nan,)], sc.kolmogorov, 0)

    pts = []
    for n in (1, 2, 3, 5, 10, 20, 50, 100, 500, 1000, 5000, 20000):
        ds = [0.5 / n, 1.0 / n, 1.5 / n, 0.5, 0.75, 1 - 1.0 / n, 0.999]
        ds += list(RNG.uniform(0, 1, 6) * min(1.0, 8 / math.sqrt(n)))
        ds += [math.sqrt(c / n) for c in (0.1, 1, 10, 100, 300)]
        pts += [(n, d) for d in ds if 0 <= d <= 1]
    # large n: scipy needs ~0.2 s (n = 1e5) to 2 s (n = 1e6) per value; above 1e6 both use
    # the asymptotic formula
    pts += [(100000, 0.5 / 100000), (100000, 0.003), (1000000, 0.0015), (2000000, 0.001),
            (2000000, 0.5), (5000000, 0.0002)]
    check(s, "ks:smirnov", "smirnov", pts, lambda n, d: sc.smirnov(int(n), d), 1e-12, 1e-15)
    check(s, "ks:smirnov edges", "smirnov",
          [(5, 0.0), (5, 1.0), (5, 1.2), (5, -0.1), (5, math.nan), (1, 0.3)],
          lambda n, d: sc.smirnov(int(n), d), 0)

    # kstwo across every regime of Simard & L'Ecuyer: t = nd <= 1, nd^2 below 0.754693
    # (Durbin), below 4 (Pomeranz, n <= 140), 2 x Smirnov, Pelz-Good (n > 1e5 or nd^1.5 > 1.4)
    pts = []
    for n in (1, 2, 3, 7, 10, 39, 100, 140, 141, 500, 1000, 10000):
        ds = [0.4 / n, 0.6 / n, 1.0 / n, 0.5, 0.7, 1 - 1.0 / n, (n - 0.5) / n]
        ds += [math.sqrt(c / n) for c in (0.05, 0.3, 0.7, 0.76, 1, 2, 2.1, 2.3, 3.9, 4.1, 10,
                                          18, 50, 300)]
        ds += list(RNG.uniform(0, 1, 6) * min(1.0, 3 / math.sqrt(n)))
        pts += [(n, d) for d in ds if 0 <= d <= 1]
    # large n, where smirnov is slow in scipy: Durbin (n <= 1e5), Pelz-Good, 2 x Smirnov
    for n in (100000, 100001, 1000000, 3000000):
        pts += [(n, math.sqrt(c / n)) for c in (0.05, 0.3, 1, 2.1)]
    pts += [(100000, math.sqrt(2.3 / 100000)), (3000000, math.sqrt(5 / 3000000))]
    # sf computed as 1 - cdf in some regimes (by scipy too): absolute accuracy ~1e-15 there
    check(s, "ks:kstwo_sf", "kstwo_sf", pts, lambda n, d: st.kstwo.sf(d, int(n)), 1e-12, 1e-14)
    tail = [(n, d) for n in (10, 100, 1000, 20000) for d in np.linspace(0.3, 0.99, 8)
            if st.kstwo.sf(d, n) > 1e-300]
    check(s, "ks:kstwo_sf far tail (relative)", "kstwo_sf", tail,
          lambda n, d: st.kstwo.sf(d, int(n)), 1e-12)


def ks2_cmd(method, a, b):
    return "ks2 %s %d %d %s %s" % (method, len(a), len(b), " ".join(map(repr, map(float, a))),
                                  " ".join(map(repr, map(float, b))))


def ks2_compare(s, label, cases, method="auto", rtol=1e-10, atol=1e-15):
    """cases: list of (a, b) samples (unsorted); checks D exactly and p within tolerance."""
    lines = [ks2_cmd(method, np.sort(a), np.sort(b)) for (a, b) in cases]
    out = run(lines, timeout=300)
    problems = []
    worst = 0.0
    for (a, b), line in zip(cases, out):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = st.ks_2samp(a, b, method=method)
        if line.startswith("ERR"):
            problems.append("n=(%d,%d): %s" % (len(a), len(b), line))
            continue
        d, p = map(float, line.split())
        if d != r.statistic:
            problems.append("n=(%d,%d): D %r, scipy %r" % (len(a), len(b), d, r.statistic))
        err = abs(p - r.pvalue)
        if err > rtol * r.pvalue + atol:
            problems.append("n=(%d,%d) D=%r: p %r, scipy %r (rel %.2g)" % (
                len(a), len(b), d, p, r.pvalue, err / r.pvalue if r.pvalue else math.inf))
        worst = max(worst, err / (r.pvalue + atol / rtol))
    s.check("%s [%d tests, max err %.1e / rtol %.0e atol %.0e, D exact]" % (
        label, len(cases), worst, rtol, atol), problems)


def ks2_checks(s):
    rng = RNG
    cases = []
    for _ in range(150):
        n1, n2 = rng.integers(1, 120, 2)
        shift = rng.choice([0, 0, 0.3, 1, 3])
        kind = rng.integers(0, 4)
        if kind == 0:
            a, b = rng.normal(0, 1, n1), rng.normal(shift, 1, n2)
        elif kind == 1:  # heavy ties
            a, b = rng.integers(0, 5, n1).astype(float), (rng.integers(0, 5, n2) + shift // 1)
        elif kind == 2:  # equal sizes (scipy's closed form)
            a, b = rng.normal(0, 1, n1), rng.normal(shift, 1, n1)
        else:  # multiples: gcd > 1
            a, b = rng.exponential(1, n1), rng.exponential(1 + shift, 3 * n1)
        cases.append((np.asarray(a, float), np.asarray(b, float)))
    ks2_compare(s, "ks2:exact random (sizes 1-360, ties, equal sizes)", cases)

    adv = [
        (np.array([1.0]), np.array([2.0])),
        (np.array([1.0]), np.array([1.0])),
        (np.array([5.0]), np.arange(10.0)),
        (np.arange(10.0), np.arange(10.0)),  # identical
        (np.zeros(7), np.zeros(3)),  # all tied
        (np.arange(50.0), np.arange(50.0) + 100),  # disjoint: smallest p
        (np.arange(100.0), np.arange(100.0) + 1000),
        (np.arange(300.0), np.arange(280.0) + 1e6),
        (np.array([-np.inf, 0, np.inf]), np.array([0.0, 1.0])),
        (np.array([1e308, -1e308]), np.array([1e-308, -1e-308, 0.0])),
        (np.array([0.0, -0.0, 1.0]), np.array([-0.0, 2.0])),
        (np.repeat([1.0, 2.0], 40), np.repeat([1.0, 2.0, 3.0], [10, 10, 30])),
    ]
    ks2_compare(s, "ks2:adversarial (one element, identical, disjoint, inf, -0.0)", adv,
                rtol=1e-10, atol=1e-15)

    big = [(rng.normal(0, 1, 3000), rng.normal(0.05, 1, 2000)),
           (rng.normal(0, 1, 10000), rng.normal(0.02, 1, 9999)),
           (rng.normal(0, 1, 8000), rng.normal(0.0, 1, 8000)),
           (rng.integers(0, 50, 7000).astype(float), rng.integers(0, 51, 6000).astype(float))]
    ks2_compare(s, "ks2:exact large (n up to 10000)", big, rtol=1e-9, atol=1e-14)

    asy = [(rng.normal(0, 1, 12000), rng.normal(0.01, 1, 15000)),
           (rng.normal(0, 1, 20000), rng.normal(0.1, 1, 3)),
           (rng.normal(0, 1, 10001), rng.normal(0.05, 1, 500)),
           (rng.normal(0, 1, 30000), rng.normal(0.02, 1, 25000)),
           (rng.integers(0, 9, 15000).astype(float), rng.integers(0, 9, 12000).astype(float))]
    ks2_compare(s, "ks2:asymptotic (max n > 10000: kstwo.sf(D, round(n1n2/(n1+n2))))", asy,
                rtol=1e-11, atol=5e-15)
    expl = [(rng.normal(0, 1, 40), rng.normal(0.5, 1, 30)),
            (rng.normal(0, 1, 200), rng.normal(0.2, 1, 150))]
    ks2_compare(s, "ks2:method=asymp", expl, method="asymp", rtol=1e-11, atol=5e-15)
    ks2_compare(s, "ks2:method=exact", expl + [(rng.normal(0, 1, 12000), rng.normal(0, 1, 300))],
                method="exact", rtol=1e-9, atol=1e-14)

    # p-value from a statistic alone, e.g. from sketches: scipy's _attempt_exact_2kssamp
    from scipy.stats._stats_py import _attempt_exact_2kssamp
    lines, want, args = [], [], []
    for _ in range(60):
        n1, n2 = map(int, rng.integers(1, 400, 2))
        d = float(rng.uniform(0, 1) ** 2)
        ok, _, p = _attempt_exact_2kssamp(n1, n2, math.gcd(n1, n2), d, "two-sided")
        lines.append("ks2p exact %r %d %d" % (d, n1, n2))
        want.append(p)
        args.append((d, n1, n2))
    got = np.array([float(x) for x in run(lines)])
    problems, worst = compare("ks2p", args, got, want, 1e-10, 1e-15)
    s.check("ks2:pvalue from D (exact) [%d, max err %.1e / rtol 1e-10 atol 1e-15]" % (
        len(args), worst), problems)

    # errors: empty, NaN, unsorted, d out of range, zero n
    bad = ["ks2 auto 0 2 1 2", "ks2 auto 2 0 1 2", "ks2 auto 2 2 1 nan 1 2",
           "ks2 auto 3 2 1 3 2 1 2", "ks2p auto 1.5 10 10", "ks2p auto -0.1 10 10",
           "ks2p auto nan 10 10", "ks2p auto 0.5 0 10"]
    out = run(bad)
    problems = ["%r -> %r" % (c, o) for c, o in zip(bad, out) if not o.startswith("ERR -5 ")]
    s.check("ks2:invalid input gives VG_ERR_INVALID", problems)


def bind_driver(exe):
    global DRIVER
    DRIVER = exe


def main():
    return oracle_util.driver_main("stats_driver", "stats", [("special", special_checks), ("dist:normal", normal_checks), ("dist:t", t_checks), ("dist:chi2/f", chi2_f_checks), ("ks:distributions", ks_dist_checks), ("ks2", ks2_checks)], bind_driver)


if __name__ == "__main__":
    sys.exit(main())
