# Copyright 2026 The vigia authors
# SPDX-License-Identifier: Apache-2.0
"""The work of `vigia compare REF CUR` done with pandas and scipy, for bench/compare.

Reads both CSVs with pandas, then for every column present in both: numeric columns (numbers
only on both sides, more than 5 distinct reference values) get the 12 numeric scores vigia
computes (KS, Wasserstein and its normed form, PSI / Jensen-Shannon / KL / Hellinger on 10
reference-quantile bins, Anderson-Darling, Cramer-von Mises, energy distance, Welch's t test,
Mann-Whitney), other columns the 7 categorical ones on their value counts (chi-squared, z-test
when binary, Jensen-Shannon, PSI, TVD, Hellinger, KL), with the same definitions as
tests/oracle/test_drift.py checks. Prints the elapsed seconds and the number of scores, so
that bench/compare can put it beside vigia's time.

    pandas_compare.py REF.csv CUR.csv
"""
import sys
import time
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

warnings.filterwarnings("ignore")
EPS = 1e-4


def shares(ref_counts, cur_counts, fill):
    p = ref_counts / ref_counts.sum()
    q = cur_counts / cur_counts.sum()
    if fill:
        p = np.where(p == 0, EPS, p)
        q = np.where(q == 0, EPS, q)
    return p, q


def share_scores(rc, cc):
    p, q = shares(rc, cc, True)
    out = {
        "psi": float(np.sum((q - p) * np.log(q / p))),
        "jensen_shannon": float(distance.jensenshannon(p, q)),
        "kl_div": float(stats.entropy(p, q)),
    }
    p0, q0 = shares(rc, cc, False)
    out["hellinger"] = float(np.sqrt(0.5 * np.sum((np.sqrt(p0) - np.sqrt(q0)) ** 2)))
    out["tvd"] = float(0.5 * np.sum(np.abs(p0 - q0)))
    return out


def numeric(a, b):
    out = {}
    out["ks"] = stats.ks_2samp(a, b)
    w = stats.wasserstein_distance(a, b)
    out["wasserstein"] = w
    out["wasserstein_normed"] = w / max(np.std(a), 0.001)
    edges = np.unique(np.quantile(a, np.linspace(0, 1, 11)[1:-1]))
    rc = np.bincount(np.searchsorted(edges, a, side="left"), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, b, side="left"), minlength=len(edges) + 1)
    s = share_scores(rc.astype(float), cc.astype(float))
    del s["tvd"]
    out.update(s)
    try:
        out["anderson_darling"] = stats.anderson_ksamp([a, b])
    except ValueError:
        pass
    out["cramer_von_mises"] = stats.cramervonmises_2samp(a, b)
    out["energy_distance"] = stats.energy_distance(a, b)
    out["t_test"] = stats.ttest_ind(a, b, equal_var=False)
    out["mann_whitney"] = stats.mannwhitneyu(a, b)
    return out


def categorical(a, b):
    ra = a.value_counts()
    cb = b.value_counts()
    cats = ra.index.union(cb.index, sort=False)
    rc = ra.reindex(cats, fill_value=0).to_numpy(dtype=float)
    cc = cb.reindex(cats, fill_value=0).to_numpy(dtype=float)
    out = share_scores(rc, cc)
    p = np.where(rc == 0, EPS, rc / rc.sum())
    p = p / p.sum()
    keep = (rc + cc) > 0
    out["chi2"] = stats.chisquare(cc[keep], p[keep] * cc.sum())
    if len(cats) <= 2:
        n1, n2 = rc.sum(), cc.sum()
        pp = (rc[0] + cc[0]) / (n1 + n2)
        z = (rc[0] / n1 - cc[0] / n2) / np.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
        out["z_test"] = (z, 2 * stats.norm.sf(abs(z)))
    return out


def main():
    t0 = time.perf_counter()
    ref = pd.read_csv(sys.argv[1])
    cur = pd.read_csv(sys.argv[2])
    n_scores = 0
    for col in ref.columns:
        if col not in cur.columns:
            continue
        a, b = ref[col].dropna(), cur[col].dropna()
        if len(a) == 0 or len(b) == 0:
            continue
        num = (pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b)
               and a.nunique() > 5)
        if num:
            n_scores += len(numeric(a.to_numpy(dtype=float), b.to_numpy(dtype=float)))
        else:
            n_scores += len(categorical(a.astype(str), b.astype(str)))
    print("%.3f s, %d scores" % (time.perf_counter() - t0, n_scores))


if __name__ == "__main__":
    main()
