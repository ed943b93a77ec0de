#!/usr/bin/python3
"""Oracle test for the prediction_shift integrity signal of the monitoring engine
(src/monitor/integrity.c, docs/monitor.md "Integrity signals") against
scipy.spatial.distance.jensenshannon.

Two windows of predictions go through a monitor (tests/oracle/integrity_driver.c, compiled
here against $VIGIA_BUILD/libvigia.a); the second window's prediction_shift must equal the
Jensen-Shannon distance (natural logarithm, scipy's default) between the two windows'
prediction distributions, computed here from the raw values:

  - classes: the shares of each class over the union of the classes of both windows;
  - scores: the shares of 20 bins cut at the reference's prediction quantiles i/20 (the
    previous window's without a reference), repeated cuts merged, bins (-inf, e1], (e1, e2], ...
    The quantile at q is the smallest value whose count of values at or below it reaches q n
    (the KLL sketch's definition; with at most a few hundred values the sketch holds them all,
    so it is exact).

Zero shares are replaced by 1e-4 before scipy normalizes, as every count-based drift score of
vigia does (src/drift/counts.c, Evidently's convention). Tolerance 1e-9 absolute.

Run: VIGIA_BUILD=build /usr/bin/python3 tests/oracle/test_integrity.py
Prints `PASS name` / `FAIL name: detail`; exits 1 if any check failed.
"""
import math
import os
import sys

import numpy as np
from scipy.spatial.distance import jensenshannon

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util  # noqa: E402

TOL = 1e-9
DRIVER = None
RNG = np.random.default_rng(20261203)


def filled(counts):
    n = sum(counts)
    return [c / n if c else 1e-4 for c in counts]


def js_classes(a, b):
    keys = sorted(set(a) | set(b))
    ca = [a.count(k) for k in keys]
    cb = [b.count(k) for k in keys]
    return float(jensenshannon(filled(ca), filled(cb)))


def kll_quantile(values, q):
    """Smallest value whose count at or below it reaches q n (exact sketch)."""
    v = sorted(values)
    target = q * len(v)
    for i, x in enumerate(v):
        if i + 1 >= target:
            return x
    return v[-1]


def js_scores(ref, a, b):
    base = ref if ref else a
    edges = []
    for i in range(1, 20):
        e = kll_quantile(base, i / 20)
        if not edges or e != edges[-1]:
            edges.append(e)
    edges = np.array(edges)
    ca = np.bincount(np.searchsorted(edges, np.array(a), side="left"), minlength=len(edges) + 1)
    cb = np.bincount(np.searchsorted(edges, np.array(b), side="left"), minlength=len(edges) + 1)
    return float(jensenshannon(filled(list(ca)), filled(list(cb))))


def cmd(kind, ref, a, b):
    def part(v):
        return "%d %s" % (len(v), " ".join(v))
    return "shift %s %s %s %s" % (kind, part(ref), part(a), part(b))


def num(x):
    return repr(float(x))


def check_cases(s, name, cases):
    lines = [c[0] for c in cases]
    out = oracle_util.run_driver(DRIVER, lines)
    worst = 0.0
    problems = []
    for (line, want, label), got in zip(cases, out):
        if got.startswith("ERR") or got == "none":
            problems.append("%s: driver said %r" % (label, got))
            continue
        err = abs(float(got) - want)
        worst = max(worst, err)
        if not err <= TOL:
            problems.append("%s: got %s, scipy %r" % (label, got, want))
    s.check("%s (%d cases, largest error %.2e)" % (name, len(cases), worst), problems)


def classes(s):
    cases = []
    names = ["a", "b", "c", "d", "e"]
    for t in range(40):
        k = int(RNG.integers(2, 6))
        p = RNG.dirichlet(np.ones(k))
        q = RNG.dirichlet(np.ones(k))
        n1, n2 = int(RNG.integers(1, 300)), int(RNG.integers(1, 300))
        a = list(RNG.choice(names[:k], size=n1, p=p))
        b = list(RNG.choice(names[:k], size=n2, p=q))
        if t % 5 == 0:  # a class only the second window has
            b += ["new"] * int(RNG.integers(1, 20))
        cases.append((cmd("class", [], a, b), js_classes(a, b), "random %d" % t))
    a = ["yes"] * 70 + ["no"] * 30
    cases.append((cmd("class", [], a, list(a)), 0.0, "identical windows"))
    b = ["yes"] * 30 + ["no"] * 70
    cases.append((cmd("class", [], a, b), js_classes(a, b), "flipped balance"))
    cases.append((cmd("class", [], ["a"] * 10, ["b"] * 10), js_classes(["a"] * 10, ["b"] * 10),
                  "disjoint classes"))
    check_cases(s, "prediction_shift: class shares against scipy", cases)
    flipped = js_classes(a, b)
    s.check("prediction_shift: flipped balance is high (%.4f)" % flipped,
            [] if flipped > 0.25 else ["%.4f" % flipped])


def scores(s):
    cases = []
    for t in range(40):
        n1, n2 = int(RNG.integers(5, 250)), int(RNG.integers(5, 250))
        nref = 0 if t % 2 else int(RNG.integers(20, 250))
        shift = RNG.normal(0, 0.5)
        ref = list(RNG.normal(0, 1, nref))
        a = list(RNG.normal(0, 1, n1))
        b = list(RNG.normal(shift, 1, n2))
        if t % 4 == 1:  # ties: values on a coarse grid
            ref, a, b = ([round(x, 1) for x in v] for v in (ref, a, b))
        if t % 8 == 3:  # scores in [0, 1] with many equal values
            ref, a, b = ([float(min(1, max(0, round(abs(x) / 3, 2)))) for x in v]
                         for v in (ref, a, b))
        ra, aa, ba = ([num(x) for x in v] for v in (ref, a, b))
        want = js_scores([float(x) for x in ra], [float(x) for x in aa], [float(x) for x in ba])
        cases.append((cmd("score", ra, aa, ba), want,
                      "random %d (%s reference)" % (t, "with" if nref else "no")))
    a = [num(x) for x in RNG.uniform(0, 1, 200)]
    cases.append((cmd("score", [], a, list(a)), 0.0, "identical windows"))
    check_cases(s, "prediction_shift: 20 reference-quantile bins against scipy", cases)


def main():
    def bind(exe):
        global DRIVER
        DRIVER = exe

    groups = [("classes", classes), ("scores", scores)]
    return oracle_util.driver_main("integrity_driver", "integrity", groups, bind)


if __name__ == "__main__":
    sys.exit(main())
