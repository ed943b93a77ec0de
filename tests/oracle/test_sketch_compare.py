#!/usr/bin/python3
"""Oracle tests for sketch-mode drift (src/drift/sketch.c, vg_compare_profiles): the scores
computed from two .vgp profiles are within their reported error bound of the exact scores
computed from the raw data (docs/sketch-compare.md).

Data: numpy samples (normal, shifted, heavy-tailed, ties, a constant column, categorical columns
with few and with many categories, a binary one) written as CSV, profiled with `vigia profile`,
compared by tests/oracle/sketch_compare_driver.c (built here against $VIGIA_BUILD/libvigia.a).
The exact figures come from `vigia compare` on the CSVs (itself checked against scipy by
test_compare.py), except the binned scores of a compacted reference sketch, whose bins are the
sketch's own quantiles: those are recomputed here with numpy on the raw data over the same
edges (the bound is relative to the same bins; see the doc).

Run: VIGIA_BUILD=build VIGIA=build/vigia /usr/bin/python3 tests/oracle/test_sketch_compare.py
Prints `PASS name` / `FAIL name: detail`; exits 1 if any check failed.
"""
import json
import math
import os
import sys
import tempfile

import numpy as np
import scipy.stats as st
from scipy.spatial.distance import jensenshannon

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util  # noqa: E402

ZERO_SHARE = 1e-4
BINNED = ("psi", "jensen_shannon", "kl_div", "hellinger")
RAW_ONLY = ("anderson_darling", "cramer_von_mises", "mann_whitney", "energy_distance")
DRIVER = None
TMP = None


def bind_driver(exe):
    global DRIVER
    DRIVER = exe


# ---------------------------------------------------------------------------------------------
# Exact binned scores over given edges (the definitions of vigia/drift.h)


def filled(c):
    s = np.asarray(c, dtype=np.float64) / float(np.sum(c))
    s[s == 0] = ZERO_SHARE
    return s


def binned_exact(ref, cur, edges):
    e = np.unique(np.asarray(edges, dtype=np.float64))
    m = len(e) + 1
    rc = np.bincount(np.searchsorted(e, ref, side="left"), minlength=m)
    cc = np.bincount(np.searchsorted(e, cur, side="left"), minlength=m)
    p, q = filled(rc), filled(cc)
    pr, qr = rc / rc.sum(), cc / cc.sum()
    return {"psi": float(np.sum((q - p) * np.log(q / p))),
            "kl_div": float(st.entropy(p, q)),
            "jensen_shannon": float(jensenshannon(p, q)),
            "hellinger": float(np.sqrt(np.sum((np.sqrt(pr) - np.sqrt(qr)) ** 2) / 2))}


# ---------------------------------------------------------------------------------------------
# Data


def dataset(rng, n, shift):
    """Columns as (numpy values, text cells)."""
    cols = {}
    x = np.round(rng.normal(shift, 1 + shift, n), 6)
    cols["normal"] = x
    cols["heavy"] = np.round(rng.standard_t(2, n) * (1 + shift), 6)
    p = np.linspace(1, 2, 20) if shift else np.ones(20)
    cols["ties"] = rng.choice(np.arange(20), n, p=p / p.sum()).astype(np.int64)
    cols["lognormal"] = np.round(rng.lognormal(shift, 1, n), 6)
    cols["constant"] = np.full(n, 5, dtype=np.int64)
    # a point mass at 0 in both, and one at 0.5 in the current data only: ties on the edges
    spiky = np.round(rng.normal(0, 1, n), 6)
    spiky[rng.random(n) < 0.4] = 0.0
    if shift:
        spiky[rng.random(n) < shift] = 0.5
    cols["spiky"] = spiky
    # "f" only in the current data: an unseen category
    pf = np.array([.5 - shift / 2, .3, .1, .05 + shift / 4, .05, shift / 4])
    cols["cat_few"] = rng.choice(np.array(["a", "b", "c", "d", "e", "f"]), n, p=pf / pf.sum())
    cols["flag"] = rng.choice(np.array(["true", "false"]), n, p=[.3 + shift / 2, .7 - shift / 2])
    k = 3000
    w = 1.0 / np.arange(1, k + 1) ** (0.8 + shift)
    cols["cat_many"] = np.array(["v%d" % i for i in rng.choice(k, n, p=w / w.sum())])
    return cols


def write(path, cols):
    names = list(cols)
    texts = []
    for v in cols.values():
        if v.dtype.kind == "f":
            texts.append(oracle_util.fmt_floats(v))
        elif v.dtype.kind == "i":
            texts.append(oracle_util.fmt_ints(v))
        else:
            texts.append([str(t) for t in v])
    oracle_util.write_csv_columns(path, names, texts)


def profile(path, extra, parts):
    """Profiles a CSV into path.vgp: in one go, or as `parts` shards merged with vigia merge
    (merged sketches carry the same bounds)."""
    out = path[:-4] + ".vgp"
    if parts == 1:
        oracle_util.run_vigia("profile", path, "-o", out, "-q", *extra)
        return out
    with open(path) as f:
        header, *lines = f.read().splitlines()
    shards = []
    for i in range(parts):
        sp = "%s_part%d.csv" % (path[:-4], i)
        with open(sp, "w") as f:
            f.write("\n".join([header] + lines[i::parts]) + "\n")
        oracle_util.run_vigia("profile", sp, "-o", sp[:-4] + ".vgp", "-q", *extra)
        shards.append(sp[:-4] + ".vgp")
    oracle_util.run_vigia("merge", *shards, "-o", out)
    return out


def make_case(tag, n_ref, n_cur, shift, seed, extra=(), parts=1):
    rng = np.random.default_rng(seed)
    ref, cur = dataset(rng, n_ref, 0.0), dataset(rng, n_cur, shift)
    rp, cp = os.path.join(TMP, tag + "_ref.csv"), os.path.join(TMP, tag + "_cur.csv")
    write(rp, ref)
    write(cp, cur)
    rv, cv = profile(rp, extra, parts), profile(cp, extra, parts)
    exact = oracle_util.vigia_json("compare", "--reference", rp, "--current", cp,
                                   "--format", "json")
    out = oracle_util.run_driver(DRIVER, ["compare %s %s 10" % (rv, cv)])[0]
    if out.startswith("ERR"):
        raise RuntimeError(out)
    return ref, cur, exact, json.loads(out)


# ---------------------------------------------------------------------------------------------
# Checks


def tol(x):
    return 1e-9 * max(1.0, abs(x))


def bound_problems(ref, cur, exact, sk, ratios):
    """Every score with a bound is within it of the exact score."""
    problems = []
    ecols = exact["drift"]["columns"]
    for name, col in sk["columns"].items():
        esc = ecols[name]["scores"]
        for m, (s, p, b) in col["scores"].items():
            if b is None:
                problems.append("%s.%s: no error bound" % (name, m))
                continue
            if m in BINNED and col["kind"] == "numeric" and col["edges"] is not None:
                want = binned_exact(ref[name].astype(float), cur[name].astype(float),
                                    col["edges"])[m]
            elif m in esc:
                want = esc[m]["statistic"]
            else:
                problems.append("%s.%s: not in the exact result" % (name, m))
                continue
            if want is None or s is None:
                if not (want is None and s is None):
                    problems.append("%s.%s: %s vs exact %s" % (name, m, s, want))
                continue
            err = abs(s - want)
            if err > b + tol(want):
                problems.append("%s.%s: |%.6g - %.6g| = %.3g > bound %.3g" % (
                    name, m, s, want, err, b))
            if b > 0:
                ratios.append((err / b, "%s.%s" % (name, m)))
            if m == "t_test" and not math.isclose(p, esc[m]["p_value"], rel_tol=1e-8,
                                                  abs_tol=1e-300):
                problems.append("%s.t_test p %.6g vs %.6g" % (name, p, esc[m]["p_value"]))
    return problems


def decision_problems(exact, sk):
    """Same kinds; same deciding method where the raw path has it; the same verdict unless the
    deciding statistic is within its bound of the threshold."""
    problems = []
    ecols = exact["drift"]["columns"]
    for name, col in sk["columns"].items():
        e = ecols[name]
        if col["kind"] != e["kind"]:
            problems.append("%s: kind %s vs %s" % (name, col["kind"], e["kind"]))
            continue
        if col["method"] is None:
            if not col["note"]:
                problems.append("%s: no method and no note" % name)
            continue
        if col["method"] != e["method"]:
            problems.append("%s: method %s vs %s" % (name, col["method"], e["method"]))
            continue
        s, p, b = col["scores"][col["method"]]
        if bool(col["drifted"]) != bool(e["drifted"]):
            thr = e["threshold"]
            near = (p is not None and b > 0) or abs(s - thr) <= b
            if not near:
                problems.append("%s: drifted %s vs %s (statistic %.6g, bound %.3g)" % (
                    name, col["drifted"], e["drifted"], s, b))
        if col["unseen"] != e.get("unseen_categories", 0) and col["kind"] == "categorical" \
                and "chi2" in col["scores"]:
            problems.append("%s: unseen %s vs %s" % (name, col["unseen"],
                                                     e.get("unseen_categories")))
    return problems


def scope_problems(sk, all_exact):
    problems = []
    for name, col in sk["columns"].items():
        for m in RAW_ONLY:
            if m in col["scores"]:
                problems.append("%s: %s needs raw data" % (name, m))
        if col["kind"] == "numeric":
            want = {"ks", "wasserstein", "wasserstein_normed", "t_test"} | set(BINNED)
            if set(col["scores"]) != want:
                problems.append("%s: scores %s" % (name, sorted(col["scores"])))
        if all_exact:
            for m, (s, p, b) in col["scores"].items():
                if b != 0:
                    problems.append("%s.%s: bound %s on uncompacted sketches" % (name, m, b))
    return problems


def run_case(s, tag, n_ref, n_cur, shift, seed, extra=(), all_exact=False, parts=1):
    ref, cur, exact, sk = make_case(tag, n_ref, n_cur, shift, seed, extra, parts)
    ratios = []
    probs = bound_problems(ref, cur, exact, sk, ratios)
    worst = max(ratios) if ratios else (0, "-")
    num = [r for r in ratios if sk["columns"][r[1].split(".")[0]]["kind"] == "numeric"]
    wnum = max(num) if num else (0, "-")
    if os.environ.get("SKETCH_VERBOSE"):
        for r, what in sorted(ratios):
            col, m = what.split(".")
            print("#   %s %s error/bound %.4f bound %.4g" % (tag, what, r,
                                                           sk["columns"][col]["scores"][m][2]))
    s.check("%s:within bounds (largest error/bound %.3f at %s; numeric %.3f at %s)" % (
        tag, worst[0], worst[1], wnum[0], wnum[1]), probs)
    s.check("%s:kinds and decisions as the raw path" % tag, decision_problems(exact, sk))
    s.check("%s:scores in scope%s" % (tag, ", all exact" if all_exact else ""),
            scope_problems(sk, all_exact))
    return exact, sk


def numeric_checks(s):
    for seed in range(4):
        for shift in (0.0, 0.3):
            run_case(s, "large_shift%g_seed%d" % (shift, seed), 20000, 15000, shift,
                     11 + seed)
    run_case(s, "small_k50", 20000, 30000, 0.2, 5, ("--kll-k", "50"))
    run_case(s, "k20_merged3", 30000, 30000, 0.05, 7, ("--kll-k", "20"), parts=3)
    run_case(s, "uneven", 3000, 200000, 0.1, 6)
    run_case(s, "exact_ref_vs_sketch_cur", 1000, 50000, 0.1, 8)


def exact_checks(s):
    """Below the sketch's first compaction (n < 4k = 1200 values) everything is exact and equal
    to the raw path, binned scores included (same numpy edges)."""
    for shift in (0.0, 0.25):
        exact, sk = run_case(s, "small_shift%g" % shift, 600, 450, shift, 21, all_exact=True)
        problems = []
        ecols = exact["drift"]["columns"]
        for name, col in sk["columns"].items():
            for m, (v, p, b) in col["scores"].items():
                w = ecols[name]["scores"][m]
                if not math.isclose(v, w["statistic"], rel_tol=1e-9, abs_tol=1e-12):
                    problems.append("%s.%s %r vs %r" % (name, m, v, w["statistic"]))
                if m == "z_test":
                    continue  # the sign follows category order, which a profile may not keep
                if (p is None) != (w["p_value"] is None) or (
                        p is not None and not math.isclose(p, w["p_value"], rel_tol=1e-7,
                                                           abs_tol=1e-15)):
                    problems.append("%s.%s p %r vs %r" % (name, m, p, w["p_value"]))
        s.check("small_shift%g:equal to vigia compare" % shift, problems)


def categorical_checks(s):
    """Over top_capacity distinct values only tvd remains, bounded by the unaccounted shares."""
    ref, cur, exact, sk = make_case("many", 20000, 20000, 0.2, 31)
    col = sk["columns"]["cat_many"]
    problems = []
    if set(col["scores"]) != {"tvd"}:
        problems.append("scores %s" % sorted(col["scores"]))
    if col["method"] is not None or "only tvd" not in col["note"]:
        problems.append("method %s note %r" % (col["method"], col["note"]))
    r, c = ref["cat_many"], cur["cat_many"]
    keys = sorted(set(r) | set(c))
    rv = np.array([np.sum(r == k) for k in keys]) / len(r)
    cv = np.array([np.sum(c == k) for k in keys]) / len(c)
    tvd = 0.5 * float(np.abs(rv - cv).sum())
    v, _, b = col["scores"]["tvd"]
    if abs(v - tvd) > b + 1e-12:
        problems.append("tvd %.6g vs exact %.6g, bound %.3g" % (v, tvd, b))
    s.check("many:cat_many only tvd, |%.4f - %.4f| <= %.4f" % (v, tvd, b), problems)


def main():
    global TMP
    with tempfile.TemporaryDirectory() as tmp:
        TMP = tmp
        return oracle_util.driver_main(
            "sketch_compare_driver", "sketch_compare",
            [("exact", exact_checks), ("numeric", numeric_checks),
             ("categorical", categorical_checks)], bind_driver)


if __name__ == "__main__":
    sys.exit(main())
