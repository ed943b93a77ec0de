"""Oracle for `vigia compare`: per-column scores and decisions against scipy/numpy computed
from the same raw data, and the dataset verdict. Run: VIGIA=build/vigia /usr/bin/python3
tests/oracle/test_compare.py. Prints PASS/FAIL lines."""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats

VIGIA = os.environ.get("VIGIA", "build/vigia")
failed = 0


def check(name, ok, detail=""):
    global failed
    if ok:
        print("PASS " + name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, detail))


def close(a, b, rtol=1e-9, atol=1e-12):
    if a is None or b is None:
        return a is None and (b is None or not math.isfinite(b))
    return abs(a - b) <= atol + rtol * abs(b)


def write(path, cols):
    names = list(cols)
    n = len(cols[names[0]])
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for i in range(n):
            f.write(",".join(str(cols[c][i]) for c in names) + "\n")


def compare(ref, cur, *args):
    out = subprocess.run([VIGIA, "compare", "-r", ref, "-c", cur, "-f", "json", *args],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)


def js_bins(ref, cur, nbins=10):
    """The documented binning: reference quantiles at i/n (numpy linear), unique edges."""
    edges = np.unique(np.quantile(ref, [i / nbins for i in range(1, nbins)]))
    r = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    c = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    return r, c


def main():
    rng = np.random.default_rng(7)
    tmp = tempfile.mkdtemp(prefix="vigia-compare-")
    for n_ref, shift in ((600, 0.0), (600, 0.25), (4000, 0.0), (4000, 0.3)):
        ref = {"x": np.round(rng.normal(0, 1, n_ref), 6),
               "t": np.round(rng.standard_t(3, n_ref), 6),
               "cat": rng.choice(["a", "b", "c"], n_ref, p=[.5, .3, .2]),
               "flag": rng.choice(["true", "false"], n_ref, p=[.3, .7])}
        n_cur = n_ref * 3 // 4
        cur = {"x": np.round(rng.normal(shift, 1 + shift, n_cur), 6),
               "t": np.round(rng.standard_t(3, n_cur), 6),
               "cat": rng.choice(["a", "b", "c"], n_cur, p=[.5 - shift, .3, .2 + shift]),
               "flag": rng.choice(["true", "false"], n_cur, p=[.3 + shift, .7 - shift])}
        rp, cp = os.path.join(tmp, "ref.csv"), os.path.join(tmp, "cur.csv")
        write(rp, ref)
        write(cp, cur)
        d = compare(rp, cp)
        tag = "n%d_shift%g" % (n_ref, shift)
        cols = d["drift"]["columns"]
        drifted = 0
        for name in ("x", "t"):
            a, b = ref[name], cur[name]
            sc = cols[name]["scores"]
            ks = stats.ks_2samp(a, b)
            check("%s:%s_ks" % (tag, name), close(sc["ks"]["statistic"], ks.statistic, 1e-12)
                  and close(sc["ks"]["p_value"], ks.pvalue, 1e-8),
                  "%s vs %s" % (sc["ks"], (ks.statistic, ks.pvalue)))
            w = stats.wasserstein_distance(a, b)
            check("%s:%s_wasserstein" % (tag, name), close(sc["wasserstein"]["statistic"], w, 1e-10),
                  "%s vs %s" % (sc["wasserstein"]["statistic"], w))
            wn = w / max(np.std(a), 0.001)
            check("%s:%s_wasserstein_normed" % (tag, name),
                  close(sc["wasserstein_normed"]["statistic"], wn, 1e-9))
            r, c = js_bins(a, b)
            pr, pc = r / r.sum(), c / c.sum()
            pr, pc = np.where(pr == 0, 1e-4, pr), np.where(pc == 0, 1e-4, pc)
            psi = float(np.sum((pc - pr) * np.log(pc / pr)))
            check("%s:%s_psi" % (tag, name), close(sc["psi"]["statistic"], psi, 1e-9),
                  "%s vs %s" % (sc["psi"]["statistic"], psi))
            t = stats.ttest_ind(a, b, equal_var=False)
            check("%s:%s_t_test" % (tag, name), close(sc["t_test"]["p_value"], t.pvalue, 1e-9))
            mw = stats.mannwhitneyu(a, b)
            check("%s:%s_mann_whitney" % (tag, name),
                  close(sc["mann_whitney"]["statistic"], mw.statistic, 1e-12)
                  and close(sc["mann_whitney"]["p_value"], mw.pvalue, 1e-9))
            # the decision follows the documented default method
            if n_ref <= 1000:
                want_method, want = "ks", ks.pvalue < 0.05
            else:
                want_method, want = "wasserstein_normed", wn >= 0.1
            c_ = cols[name]
            check("%s:%s_decision" % (tag, name), c_["method"] == want_method
                  and c_["drifted"] == bool(want), "%s %s" % (c_["method"], c_["drifted"]))
            drifted += bool(want)
        for name in ("cat", "flag"):
            a, b = ref[name], cur[name]
            cats = sorted(set(a) | set(b))
            ra = np.array([np.sum(a == k) for k in cats], float)
            ca = np.array([np.sum(b == k) for k in cats], float)
            sc = cols[name]["scores"]
            exp = ra / ra.sum() * ca.sum()
            chi = stats.chisquare(ca, exp)
            check("%s:%s_chi2" % (tag, name), close(sc["chi2"]["statistic"], chi.statistic, 1e-9)
                  and close(sc["chi2"]["p_value"], chi.pvalue, 1e-8),
                  "%s vs %s" % (sc["chi2"], (chi.statistic, chi.pvalue)))
            pr, pc = ra / ra.sum(), ca / ca.sum()
            tvd = 0.5 * float(np.abs(pr - pc).sum())
            check("%s:%s_tvd" % (tag, name), close(sc["tvd"]["statistic"], tvd, 1e-12))
            from scipy.spatial.distance import jensenshannon
            js = float(jensenshannon(pr, pc))
            check("%s:%s_jensen_shannon" % (tag, name),
                  close(sc["jensen_shannon"]["statistic"], js, 1e-7, 1e-9))
            if n_ref <= 1000:
                if name == "flag":
                    p1, p2 = np.mean(a == cats[0]), np.mean(b == cats[0])
                    pool = (p1 * len(a) + p2 * len(b)) / (len(a) + len(b))
                    z = (p1 - p2) / math.sqrt(pool * (1 - pool) * (1 / len(a) + 1 / len(b)))
                    p = 2 * stats.norm.sf(abs(z))
                    want_method, want = "z_test", p < 0.05
                else:
                    want_method, want = "chi2", chi.pvalue < 0.05
            else:
                want_method, want = "jensen_shannon", js >= 0.1
            c_ = cols[name]
            check("%s:%s_decision" % (tag, name), c_["method"] == want_method
                  and c_["drifted"] == bool(want), "%s %s" % (c_["method"], c_["drifted"]))
            drifted += bool(want)
        dd = d["drift"]
        check("%s:dataset" % tag, dd["n_drifted"] == drifted and dd["n_columns"] == 4
              and dd["dataset_drift"] == (drifted / 4 >= 0.5), json.dumps(dd)[:200])
    # an unseen category is reported, finite
    rp, cp = os.path.join(tmp, "r2.csv"), os.path.join(tmp, "c2.csv")
    write(rp, {"c": ["a", "b"] * 50})
    write(cp, {"c": ["a", "b", "z"] * 30})
    d = compare(rp, cp)
    c_ = d["drift"]["columns"]["c"]
    check("unseen_category", c_["unseen_categories"] == 1 and c_["statistic"] is not None
          and c_["drifted"] is True, json.dumps(c_)[:300])
    # --method and --threshold override the default
    d = compare(rp, cp, "--method", "tvd", "--threshold", "0.4")
    c_ = d["drift"]["columns"]["c"]
    check("method_override", c_["method"] == "tvd" and c_["threshold"] == 0.4
          and c_["drifted"] == (c_["statistic"] >= 0.4), json.dumps(c_)[:300])
    # multiple-testing corrections, recomputed from the raw deciding p-values
    rp, cp = os.path.join(tmp, "r3.csv"), os.path.join(tmp, "c3.csv")
    nref = 500
    write(rp, {"c%d" % j: np.round(rng.normal(0, 1, nref), 4) for j in range(8)})
    write(cp, {"c%d" % j: np.round(rng.normal(0.02 * j, 1, 400), 4) for j in range(8)})
    raw = compare(rp, cp)["drift"]["columns"]
    names = sorted(raw)
    p = np.array([raw[k]["p_value"] for k in names])
    m = len(p)
    bonf = np.minimum(1, p * m)
    order = np.argsort(p)
    bh = np.empty(m)
    run = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        run = min(run, p[i] * m / rank)
        bh[i] = run
    for how, want in (("bonferroni", bonf), ("bh", bh)):
        d = compare(rp, cp, "--correction", how)["drift"]
        got = np.array([d["columns"][k]["p_value_adjusted"] for k in names])
        drift = [d["columns"][k]["drifted"] for k in names]
        check("correction_%s" % how, np.allclose(got, want, rtol=1e-12, atol=0)
              and drift == [bool(x < 0.05) for x in want]
              and d["n_drifted"] == int(np.sum(want < 0.05)), "%s vs %s" % (got, want))
    d = compare(rp, cp, "--ignore", "c1", "--ignore", "c7")["drift"]
    check("ignore", "c1" not in d["columns"] and "c7" not in d["columns"]
          and d["n_ignored"] == 2 and d["n_columns"] == 6, json.dumps(d)[:200])
    print("# %d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
