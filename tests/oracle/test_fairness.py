#!/usr/bin/python3
"""Oracle tests for libvigia's fairness metrics (src/fairness/fairness.c, vigia/fairness.h)
against an independent computation with pandas and scikit-learn (sklearn.metrics'
confusion_matrix, recall_score, precision_score, accuracy_score per group; fairlearn is not
installed, so its between-groups definitions -- max - min, min / max -- are written out here as
docs/fairness.md states them).

Cases: random groups of many sizes, empty groups, groups holding a single class, all-correct
and all-wrong predictions, no labels, small groups and a small reference, ties for the largest
group, nobody selected, every group small, intersections of two groupings, and invalid input.

Run: VIGIA_BUILD=build /usr/bin/python3 tests/oracle/test_fairness.py
The C side is tests/oracle/fairness_driver.c. Prints `PASS name` / `FAIL name: detail`; exits 1
if any check failed. Real values must agree to 1e-9 relative (NaN only with NaN), counts and
flags exactly.
"""
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util  # noqa: E402

RTOL = 1e-9
DRIVER = None
RNG = np.random.default_rng(20261125)

TOP = ["ref", "ref_small", "n_eligible", "dp_diff", "dp_ratio", "four_fifths", "eo_diff",
       "fpr_diff", "eodds_diff", "pp_diff", "acc_diff"]
PER = ["n", "small", "selection", "tpr", "fpr", "precision", "accuracy", "sel_diff",
       "sel_ratio", "four_fifths", "tpr_diff", "fpr_diff", "precision_diff", "accuracy_diff"]
INTS = {"ref", "ref_small", "n_eligible", "four_fifths", "n", "small"}


def run(lines):
    return oracle_util.run_driver(DRIVER, lines, timeout=300)


class Case:
    """One report to compute. With group2 (nb groups), the groups are the intersections of
    `group` (k groups) and group2, which the library numbers with vg_fair_cross."""

    def __init__(self, label, y_true, y_pred, group, k, ref=-1, min_size=30, ff=0.8,
                 group2=None, nb=None):
        self.label, self.k, self.ref, self.min_size, self.ff = label, k, ref, min_size, ff
        self.y_true = None if y_true is None else np.asarray(y_true, dtype=np.int64)
        self.y_pred = np.asarray(y_pred, dtype=np.int64)
        self.group = np.asarray(group, dtype=np.int64)
        self.group2 = None if group2 is None else np.asarray(group2, dtype=np.int64)
        self.nb = nb

    def command(self):
        cross = self.group2 is not None
        parts = ["cross" if cross else "fair", str(len(self.y_pred)), str(self.k)]
        if cross:
            parts.append(str(self.nb))
        parts += [str(self.ref), str(self.min_size), repr(float(self.ff)),
                  "1" if self.y_true is not None else "0"]
        if self.y_true is not None:
            parts += oracle_util.fmt_ints(self.y_true)
        parts += oracle_util.fmt_ints(self.y_pred) + oracle_util.fmt_ints(self.group)
        if cross:
            parts += oracle_util.fmt_ints(self.group2)
        return " ".join(parts)

    def groups(self):
        """(number of groups, group of each row): for intersections, the position of the pair
        (a, b) in the product of the two groupings, a major (pandas' MultiIndex order)."""
        if self.group2 is None:
            return self.k, self.group
        product = pd.MultiIndex.from_product([range(self.k), range(self.nb)])
        pairs = pd.MultiIndex.from_arrays([self.group, self.group2])
        return self.k * self.nb, product.get_indexer(pairs)


def nan_div(a, b):
    return a / b if b else math.nan


def spread(vals):
    v = [x for x in vals if not math.isnan(x)]
    return (max(v) - min(v), min(v), max(v)) if v else (math.nan, math.nan, math.nan)


def oracle(c):
    """The expected report: {field: value} for the top level, and a list of per-group dicts."""
    k, group = c.groups()
    df = pd.DataFrame({"p": c.y_pred, "g": group})
    if c.y_true is not None:
        df["t"] = c.y_true
    groups = []
    for g in range(k):
        d = df[df.g == g]
        n = len(d)
        row = {"n": n, "small": int(n == 0 or n < c.min_size)}
        row["selection"] = d.p.mean() if n else math.nan
        row.update(tpr=math.nan, fpr=math.nan, precision=math.nan, accuracy=math.nan)
        if c.y_true is not None and n:
            tn, fp, fn, tp = confusion_matrix(d.t, d.p, labels=[0, 1]).ravel()
            row["tpr"] = nan_div(tp, tp + fn)
            row["fpr"] = nan_div(fp, fp + tn)
            row["precision"] = nan_div(tp, tp + fp)
            row["accuracy"] = accuracy_score(d.t, d.p)
            # the same figures from sklearn's scorers, where they are defined
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if tp + fn:
                    assert row["tpr"] == recall_score(d.t, d.p, zero_division=0)
                if tp + fp:
                    assert row["precision"] == precision_score(d.t, d.p, zero_division=0)
        groups.append(row)
    eligible = [r for r in groups if not r["small"]]
    ref = c.ref if c.ref >= 0 else int(np.argmax([r["n"] for r in groups]))  # ties: first
    R = groups[ref]
    top = {"ref": ref, "ref_small": R["small"], "n_eligible": len(eligible)}
    for r in groups:
        if r["small"] or R["small"]:
            for f in ["sel_diff", "sel_ratio", "tpr_diff", "fpr_diff", "precision_diff",
                      "accuracy_diff"]:
                r[f] = math.nan
            r["four_fifths"] = 0
            continue
        r["sel_diff"] = r["selection"] - R["selection"]
        r["sel_ratio"] = r["selection"] / R["selection"] if R["selection"] > 0 else math.nan
        r["four_fifths"] = int(r["sel_ratio"] < c.ff)
        for f, src in [("tpr_diff", "tpr"), ("fpr_diff", "fpr"),
                       ("precision_diff", "precision"), ("accuracy_diff", "accuracy")]:
            r[f] = r[src] - R[src]
    top["dp_diff"], lo, hi = spread([r["selection"] for r in eligible])
    top["dp_ratio"] = lo / hi if hi > 0 else math.nan
    top["four_fifths"] = int(top["dp_ratio"] < c.ff)
    top["eo_diff"] = spread([r["tpr"] for r in eligible])[0]
    top["fpr_diff"] = spread([r["fpr"] for r in eligible])[0]
    e, f = top["eo_diff"], top["fpr_diff"]
    top["eodds_diff"] = math.nan if math.isnan(e) or math.isnan(f) else max(e, f)
    top["pp_diff"] = spread([r["precision"] for r in eligible])[0]
    top["acc_diff"] = spread([r["accuracy"] for r in eligible])[0]
    return top, groups


def close(got, want):
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return abs(got - want) <= RTOL * abs(want)


def compare(s, name, cases):
    out = run([c.command() for c in cases])
    problems = []
    for c, line in zip(cases, out):
        if line.startswith("ERR"):
            problems.append("%s: %s" % (c.label, line))
            continue
        vals = line.split()
        want_top, want_groups = oracle(c)
        k = len(want_groups)
        if len(vals) != len(TOP) + len(PER) * k:
            problems.append("%s: %d fields" % (c.label, len(vals)))
            continue
        fields = [("", TOP, vals[:len(TOP)], want_top)]
        for g in range(k):
            a = len(TOP) + g * len(PER)
            fields.append(("group %d." % g, PER, vals[a:a + len(PER)], want_groups[g]))
        for pre, names, got, want in fields:
            for f, gv in zip(names, got):
                w = want[f]
                if f in INTS:
                    ok = int(gv) == int(w)
                else:
                    ok = close(float(gv), float(w))
                if not ok:
                    problems.append("%s: %s%s got %s, want %r" % (c.label, pre, f, gv, w))
    s.check("%s (%d cases)" % (name, len(cases)), problems)


def random_case(label, n, k, labels=True, min_size=30, ref=-1, empty=()):
    p_group = RNG.dirichlet(np.ones(k))
    group = RNG.choice(k, size=n, p=p_group)
    for e in empty:  # move the rows of an emptied group elsewhere
        group[group == e] = (e + 1) % k
    base = RNG.uniform(0.1, 0.9, k)
    y_true = (RNG.uniform(size=n) < base[group]).astype(int)
    flip = RNG.uniform(0.05, 0.4, k)
    y_pred = np.where(RNG.uniform(size=n) < flip[group], 1 - y_true, y_true)
    return Case(label, y_true if labels else None, y_pred, group, k, ref=ref, min_size=min_size)


def random_checks(s):
    cases = []
    for i in range(60):
        n = int(RNG.integers(50, 5000))
        k = int(RNG.integers(1, 9))
        cases.append(random_case("random %d" % i, n, k, min_size=int(RNG.integers(0, 60)),
                                 ref=int(RNG.integers(-1, k))))
    compare(s, "fair:random groups (1-8 groups, n 50-5000, random reference and min size)",
            cases)
    cases = [random_case("nolabels %d" % i, int(RNG.integers(50, 3000)), int(RNG.integers(1, 6)),
                         labels=False) for i in range(20)]
    compare(s, "fair:no labels (selection rate and demographic parity only)", cases)
    cases = [random_case("large", 200000, 5), random_case("large2", 100000, 40, min_size=100)]
    compare(s, "fair:large (n 200000, 40 groups)", cases)


def edge_checks(s):
    cases = []
    # empty groups: in the middle, first, last
    cases.append(random_case("empty middle", 800, 4, empty=(1,)))
    cases.append(random_case("empty first", 800, 4, empty=(0,), ref=-1))
    cases.append(random_case("empty last, min 0", 800, 4, empty=(3,), min_size=0))
    cases.append(random_case("empty reference", 800, 3, empty=(2,), ref=2))
    compare(s, "fair:empty groups (rates NaN, always small, reference empty)", cases)

    cases = []
    n = 400
    g = np.repeat([0, 1, 2], [150, 130, 120])
    yp = RNG.integers(0, 2, n)
    yt = RNG.integers(0, 2, n)
    yt1 = yt.copy()
    yt1[g == 1] = 1  # group 1 holds only positives: FPR undefined
    cases.append(Case("only positives in group 1", yt1, yp, g, 3))
    yt0 = yt.copy()
    yt0[g == 2] = 0  # group 2 holds only negatives: TPR undefined, precision 0 or NaN
    cases.append(Case("only negatives in group 2", yt0, yp, g, 3))
    yp0 = yp.copy()
    yp0[g == 0] = 0  # group 0 (the reference) selects nobody: ratios NaN, precision NaN
    cases.append(Case("reference selects nobody", yt, yp0, g, 3))
    cases.append(Case("all one class everywhere", np.ones(n, int), yp, g, 3))
    cases.append(Case("no label-defined TPR anywhere", np.zeros(n, int), yp, g, 3))
    cases.append(Case("nobody selected", yt, np.zeros(n, int), g, 3))
    cases.append(Case("everybody selected", yt, np.ones(n, int), g, 3))
    compare(s, "fair:single-class groups, nobody/everybody selected", cases)

    cases = []
    for i in range(5):
        c = random_case("all correct %d" % i, 1500, 4)
        cases.append(Case(c.label, c.y_true, c.y_true, c.group, 4))
        cases.append(Case("all wrong %d" % i, c.y_true, 1 - c.y_true, c.group, 4))
    compare(s, "fair:all-correct and all-wrong predictions", cases)

    cases = []
    g = np.repeat([0, 1, 2, 3], [100, 100, 20, 5])
    yt = RNG.integers(0, 2, 225)
    yp = RNG.integers(0, 2, 225)
    cases.append(Case("tie for largest -> first", yt, yp, g, 4))
    cases.append(Case("small groups left out", yt, yp, g, 4, min_size=30))
    cases.append(Case("small reference", yt, yp, g, 4, ref=3, min_size=30))
    cases.append(Case("every group small", yt, yp, g, 4, min_size=1000))
    cases.append(Case("min size 0", yt, yp, g, 4, min_size=0))
    cases.append(Case("one group", yt, yp, np.zeros(225, int), 1))
    cases.append(Case("no rows", [], [], [], 3))
    compare(s, "fair:small groups, small reference, ties, one group, no rows", cases)

    cases = []
    # four-fifths: selection rates 0.5, 0.41 (ratio 0.82) and 0.39 (0.78) against group 0
    g = np.repeat([0, 1, 2], 100)
    yp = np.concatenate([np.arange(100) < 50, np.arange(100) < 41, np.arange(100) < 39]).astype(int)
    yt = RNG.integers(0, 2, 300)
    cases.append(Case("four-fifths boundary", yt, yp, g, 3))
    cases.append(Case("four-fifths 0.9", yt, yp, g, 3, ff=0.9))
    cases.append(Case("four-fifths 0.7", yt, yp, g, 3, ff=0.7))
    cases.append(Case("four-fifths 1.0", yt, yp, g, 3, ff=1.0))
    yp2 = np.concatenate([np.arange(100) < 50, np.arange(100) < 40,
                          np.arange(100) < 60]).astype(int)
    cases.append(Case("exactly 0.8 is no violation", yt, yp2, g, 3))
    compare(s, "fair:four-fifths rule (per group vs reference, min/max)", cases)


def cross_checks(s):
    cases = []
    for i in range(25):
        n = int(RNG.integers(100, 4000))
        c = random_case("cross %d" % i, n, int(RNG.integers(1, 5)),
                        min_size=int(RNG.integers(0, 40)))
        nb = int(RNG.integers(1, 5))
        g2 = RNG.choice(nb, size=n, p=RNG.dirichlet(np.ones(nb)))
        if i % 4 == 0 and nb > 1:
            g2[(c.group == 0)] = 0  # combinations (0, b > 0) never occur: empty groups
        cases.append(Case(c.label, c.y_true if i % 5 else None, c.y_pred, c.group, c.k,
                          ref=int(RNG.integers(-1, c.k * nb)), min_size=c.min_size, group2=g2,
                          nb=nb))
    compare(s, "fair:intersections of two groupings (vg_fair_cross; empty combinations) vs "
            "pandas MultiIndex", cases)


def expect_errors(s, name, cases, want_word, code="-5"):
    out = run([c.command() for c in cases])
    problems = []
    for c, line, word in zip(cases, out, want_word):
        if not line.startswith("ERR %s " % code) or word not in line:
            problems.append("%s: %s (want ERR %s naming %r)" % (c.label, line, code, word))
    s.check(name, problems)


def invalid_checks(s):
    yt = [0, 1, 1, 0]
    yp = [1, 1, 0, 0]
    g = [0, 1, 0, 1]
    cases = [Case("group out of range", yt, yp, [0, 1, 2, 1], 2),
             Case("y_pred 2", yt, [1, 2, 0, 0], g, 2),
             Case("y_true 3", [0, 1, 3, 0], yp, g, 2),
             Case("reference out of range", yt, yp, g, 2, ref=2),
             Case("reference -2", yt, yp, g, 2, ref=-2),
             Case("four_fifths 0", yt, yp, g, 2, ff=0.0),
             Case("four_fifths 1.5", yt, yp, g, 2, ff=1.5),
             Case("no groups", yt, yp, g, 0)]
    words = ["row 2", "row 1", "row 2", "reference", "reference", "four_fifths", "four_fifths",
             "n_groups"]
    expect_errors(s, "fair:invalid input (VG_ERR_INVALID naming the row or option)", cases,
                  words)
    cases = [Case("second grouping out of range", yt, yp, g, 2, group2=[0, 0, 3, 0], nb=2),
             Case("first grouping out of range", yt, yp, [0, 1, 0, 2], 2, group2=g, nb=2)]
    expect_errors(s, "fair:invalid intersections (VG_ERR_INVALID naming grouping and row)", cases,
                  ["second grouping at row 2", "first grouping at row 3"])
    expect_errors(s, "fair:too many intersections (2048 x 1024: VG_ERR_LIMIT)",
                  [Case("limit", yt, yp, g, 2048, group2=g, nb=1024)], ["exceed"], code="-7")


def bind_driver(exe):
    global DRIVER
    DRIVER = exe


def main():
    return oracle_util.driver_main("fairness_driver", "fairness",
                                   [("random", random_checks), ("edges", edge_checks),
                                    ("cross", cross_checks), ("invalid", invalid_checks)],
                                   bind_driver)


if __name__ == "__main__":
    sys.exit(main())
