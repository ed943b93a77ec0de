"""Oracle for every numeric score of `vigia compare`, end to end (CSV in, JSON out), on
adversarial data: heavy ties, missing values, tiny and very unequal samples, a constant
current column, large and tiny magnitudes. Each statistic and p-value that scipy defines must
match to 1e-6 relative or 1e-12 absolute (the issue's bound; most agree to ~1e-12).

vigia compare sorts each column once and runs the tests on sorted views (the `_sorted` entry
points and the fused Wasserstein/energy walk), so this checks that path against scipy, where
tests/oracle/test_stattests.py and test_drift.py check the library functions one by one.

Run: VIGIA=build/vigia /usr/bin/python3 tests/oracle/test_compare_scores.py
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

VIGIA = os.environ.get("VIGIA", "build/vigia")
RTOL, ATOL = 1e-6, 1e-12
failed = 0


def check(name, problems):
    global failed
    if not problems:
        print("PASS " + name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(problems[:4])))


def close(got, want):
    if want is None or (isinstance(want, float) and not math.isfinite(want)):
        return got is None
    return got is not None and abs(got - want) <= ATOL + RTOL * abs(want)


def fmt(v):
    return "" if v is None else repr(float(v))


def write(path, values):
    with open(path, "w") as f:
        f.write("x\n")
        for v in values:
            f.write(fmt(v) + "\n")


def run_compare(rp, cp):
    p = subprocess.run([VIGIA, "compare", "-r", rp, "-c", cp, "-f", "json"], capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    return json.loads(p.stdout)


def expected(a, b):
    """scipy's figures for the scores vigia computes (None where scipy gives NaN or raises)."""
    out = {}
    ks = stats.ks_2samp(a, b)
    out["ks"] = (ks.statistic, ks.pvalue)
    w = stats.wasserstein_distance(a, b)
    out["wasserstein"] = (w, None)
    out["wasserstein_normed"] = (w / max(np.std(a), 0.001), None)
    edges = np.unique(np.quantile(a, np.arange(1, 10) / 10))
    r = np.bincount(np.searchsorted(edges, a, side="left"), minlength=len(edges) + 1) / len(a)
    c = np.bincount(np.searchsorted(edges, b, side="left"), minlength=len(edges) + 1) / len(b)
    hel = math.sqrt(0.5 * np.sum((np.sqrt(r) - np.sqrt(c)) ** 2))
    r, c = np.where(r == 0, 1e-4, r), np.where(c == 0, 1e-4, c)
    out["psi"] = (float(np.sum((c - r) * np.log(c / r))), None)
    out["jensen_shannon"] = (float(jensenshannon(r, c)), None)
    out["kl_div"] = (float(stats.entropy(r, c)), None)
    out["hellinger"] = (hel, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ad = stats.anderson_ksamp([a, b])
            out["anderson_darling"] = (ad.statistic, ad.significance_level)
        except ValueError:
            pass  # fewer than two distinct values: vigia leaves the score out too
        if len(a) >= 2 and len(b) >= 2:
            cvm = stats.cramervonmises_2samp(a, b)
            out["cramer_von_mises"] = (cvm.statistic, cvm.pvalue)
        out["energy_distance"] = (stats.energy_distance(a, b), None)
        t = stats.ttest_ind(a, b, equal_var=False)
        out["t_test"] = (float(t.statistic), float(t.pvalue))
        mw = stats.mannwhitneyu(a, b)
        out["mann_whitney"] = (mw.statistic, mw.pvalue)
    return {k: tuple(None if v is None or not math.isfinite(v) else float(v) for v in pair)
            for k, pair in out.items()}


def case(name, ref, cur, tmp):
    rp, cp = os.path.join(tmp, "r.csv"), os.path.join(tmp, "c.csv")
    write(rp, ref)
    write(cp, cur)
    try:
        col = run_compare(rp, cp)["drift"]["columns"]["x"]
    except Exception as e:  # noqa: BLE001
        check(name, ["vigia failed: %s" % e])
        return
    a = np.array([v for v in ref if v is not None], float)
    b = np.array([v for v in cur if v is not None], float)
    problems = []
    if col["kind"] != "numeric":
        problems.append("kind %s" % col["kind"])
    if col["reference_count"] != len(a) or col["current_count"] != len(b):
        problems.append("counts %s/%s" % (col["reference_count"], col["current_count"]))
    want = expected(a, b)
    got = col["scores"]
    for m, (ws, wp) in want.items():
        if m not in got:
            problems.append("%s missing" % m)
            continue
        gs, gp = got[m]["statistic"], got[m]["p_value"]
        if not close(gs, ws):
            problems.append("%s statistic %r vs scipy %r" % (m, gs, ws))
        if wp is not None and not close(gp, wp):
            problems.append("%s p-value %r vs scipy %r" % (m, gp, wp))
    for m in got:
        if m not in want:
            problems.append("%s computed but scipy has no value" % m)
    check(name, problems)


def main():
    rng = np.random.default_rng(11)
    tmp = tempfile.mkdtemp(prefix="vigia-scores-")
    cases = []
    # heavy ties: integers 0..9
    cases.append(("ties", list(rng.integers(0, 10, 800)), list(rng.integers(0, 12, 700))))
    # missing values in both, as empty cells
    ref = [None if rng.random() < 0.2 else round(float(v), 4) for v in rng.normal(0, 1, 500)]
    cur = [None if rng.random() < 0.4 else round(float(v), 4) for v in rng.normal(0.3, 1, 300)]
    cases.append(("missing", ref, cur))
    # tiny samples (exact p-values), one value in the current data
    cases.append(("tiny_7_vs_3", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.5], [2.5, 9.0, 4.0]))
    cases.append(("tiny_8_vs_2", [0.1, 0.4, 0.2, 0.9, 0.5, 0.7, 0.3, 0.8], [0.35, 0.6]))
    cases.append(("one_current_value", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [3.5]))
    # very unequal sizes
    cases.append(("unequal_3000_vs_40", list(np.round(rng.normal(0, 1, 3000), 6)),
                  list(np.round(rng.normal(0.2, 1.5, 40), 6))))
    # a constant current column
    cases.append(("constant_current", list(np.round(rng.normal(0, 1, 400), 5)), [1.5] * 200))
    # large and tiny magnitudes
    cases.append(("large_magnitudes", list(rng.normal(0, 1, 600) * 1e15 + 3e16),
                  list(rng.normal(0.1, 1, 500) * 1e15 + 3e16)))
    cases.append(("tiny_magnitudes", list(rng.lognormal(0, 1, 400) * 1e-200),
                  list(rng.lognormal(0.2, 1, 300) * 1e-200)))
    cases.append(("mixed_signs_huge", list(rng.normal(0, 1, 300) * 1e150),
                  list(rng.normal(0, 2, 300) * 1e150)))
    # identical samples, and large samples (asymptotic p-values) with ties from rounding
    same = list(np.round(rng.normal(0, 1, 1000), 2))
    cases.append(("identical", same, list(same)))
    cases.append(("large_rounded", list(np.round(rng.normal(0, 1, 20000), 2)),
                  list(np.round(rng.normal(0.05, 1, 15000), 2))))
    for name, ref, cur in cases:
        case(name, ref, cur, tmp)
    print("# %d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
