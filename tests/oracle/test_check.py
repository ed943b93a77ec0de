#!/usr/bin/python3
"""Oracle tests for `vigia check` (src/check/, vigia/check.h): the figure each data-level
constraint reports ("observed" in the JSON report) against numpy/pandas computed from the same
CSV file, including columns past vg_samples' 1,024 counted distinct numbers (where distinct
counts, duplicates and allowed values are read off the sorted numbers instead).

Run: VIGIA=build/vigia /usr/bin/python3 tests/oracle/test_check.py
Figures must be exact: counts and shares equal, quantiles equal to numpy.quantile (linear),
means within 1e-12 relative of math.fsum's, standard deviations (ddof=1) within 1e-10 of
numpy's. Prints `PASS name` / `FAIL name: detail`; exits 1 if any check failed.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util as ou  # noqa: E402

RNG = np.random.default_rng(20261125)


def run_check(suite_text, data, tmp):
    path = os.path.join(tmp, "suite.yaml")
    with open(path, "w") as f:
        f.write(suite_text)
    p = subprocess.run([ou.VIGIA, "check", "-C", path, data, "-f", "json"], capture_output=True,
                       text=True, timeout=300)
    if p.returncode not in (0, 1):
        raise ou.VigiaError("vigia check exited %d: %s" % (p.returncode, p.stderr[:300]))
    return json.loads(p.stdout)["results"]


def make_data(tmp, n, distinct_numbers):
    """Columns: x (normal floats), k (integers with repeats, `distinct_numbers` of them), c
    (categories), m (floats with missing cells)."""
    x = RNG.normal(50, 12, n)
    k = RNG.integers(0, distinct_numbers, n)
    c = RNG.choice(["a", "b", "c", "d", "e"], n, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    m = [("" if RNG.random() < 0.07 else repr(float(v))) for v in RNG.exponential(3, n)]
    path = os.path.join(tmp, "d%d_%d.csv" % (n, distinct_numbers))
    ou.write_csv_columns(path, ["x", "k", "c", "m"],
                         [ou.fmt_floats(x), ou.fmt_ints(k), list(c), m])
    return path, x, k, c, m


def check_figures(s, tmp, n, distinct_numbers):
    path, x, k, c, m = make_data(tmp, n, distinct_numbers)
    qs = [0, 0.01, 0.25, 0.5, 0.9, 0.999, 1]
    lines = ["constraints:"]
    lines += ["  - {kind: mean, column: x, min: 0}", "  - {kind: std, column: x, min: 0}"]
    lines += ["  - {kind: quantile, column: x, q: %r, min: 0}" % q for q in qs]
    lines += ["  - {kind: distinct, column: k, min: 0}", "  - {kind: unique, column: k}",
              "  - {kind: distinct, column: c, min: 0}", "  - {kind: unique, column: c}",
              "  - {kind: completeness, column: m, max_missing: 1}",
              "  - {kind: range, column: x, min: 40, max: 60}",
              "  - {kind: allowed_values, column: k, values: [0, 1, 2, 3.0]}",
              "  - {kind: allowed_values, column: c, values: [a, b]}",
              "  - {kind: mean, column: m, min: 0}", "  - {kind: row_count, min: 0}"]
    got = [r["observed"] for r in run_check("\n".join(lines) + "\n", path, tmp)]
    want = [math.fsum(x) / n, float(np.std(x, ddof=1))]
    want += [float(np.quantile(x, q)) for q in qs]
    mnum = np.array([float(v) for v in m if v != ""])
    want += [len(set(k.tolist())), n - len(set(k.tolist())), len(set(c.tolist())),
             n - len(set(c.tolist())), sum(1 for v in m if v == "") / n,
             int(np.sum((x < 40) | (x > 60))), int(np.sum(k > 3)),
             int(np.sum((c != "a") & (c != "b"))), math.fsum(mnum) / len(mnum), n]
    names = ["mean", "std"] + ["q%r" % q for q in qs] + [
        "distinct k", "duplicates k", "distinct c", "duplicates c", "missing share m",
        "outside range x", "not allowed k", "not allowed c", "mean m", "rows"]
    problems = []
    for name, g, w in zip(names, got, want):
        tol = 1e-10 if name == "std" else 1e-12 if name.startswith("mean") else 0
        if g is None or abs(g - w) > tol * abs(w):
            problems.append("%s: vigia %r, oracle %r" % (name, g, w))
    if len(got) != len(want):
        problems.append("%d results for %d constraints" % (len(got), len(want)))
    s.check("figures n=%d, %d distinct integers%s" % (
        n, distinct_numbers, " (past the counted 1024)" if distinct_numbers > 1024 else ""),
        problems)


def main():
    s = ou.Suite()
    with tempfile.TemporaryDirectory() as tmp:
        for n, dn in ((7, 3), (500, 40), (20000, 50), (20000, 5000), (60000, 200000)):
            s.group("figures n=%d" % n, check_figures, tmp, n, dn)
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
