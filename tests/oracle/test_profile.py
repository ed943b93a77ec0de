#!/usr/bin/python3
"""Oracle tests for `vigia profile`, `merge` and `show`: every figure vigia reports is checked
against numpy/pandas computing from the raw data (never vigia against itself, except where a
documented property such as merge order independence is the point of the check).

Run: VIGIA=build/vigia /usr/bin/python3 tests/oracle/test_profile.py
Prints `PASS name` / `FAIL name: detail` per check; exits 1 if any check failed.

Groups:
  exact:*      count, missing, mean, std (ddof=1), variance, min, max, sum vs pandas, on random
               and adversarial columns (NA markers, ties, constant, huge/tiny values, inf, ...)
  type:*       column type and per-type counts vs pandas.read_csv dtypes
  classify:*   single cells typed as pandas.read_csv types them
  small:*      one row, exact quantiles below the sketch size, BOM + CRLF + quoted fields
  kll:*        quantiles of 1M values within kll_rank_error in (tie-aware) rank
  hll:*        distinct counts: exact up to top_capacity, else within 3 rse
  topk:*       frequent items within their Misra-Gries bounds; exact for low cardinality;
               the top_capacity boundary; strings arriving after many distinct numbers
  merge:*      3 shards merged in several orders vs the whole file and vs the true data
  parallel:*   profile -j 2 vs -j 1 and vs the true data
  ndjson:*     NDJSON input, including a key first seen in the middle of the file
"""
import csv
import json
import math
import os
import sys
import subprocess
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import (NA_MARKERS, QKEYS, VIGIA, Suite, cmp_eq, cmp_num,  # noqa: E402
                         exact_quantile, exact_top_problems, fmt_floats, fmt_ints,
                         freq_problems, hll_problems, kinds_of, moments_problems,
                         pandas_cell_kinds, pandas_cell_kinds_by_shape, pandas_column_type,
                         pandas_kind_of_dtype, profile_json, rank_problems, run_vigia,
                         vigia_json, write_csv_columns, write_csv_quoted)

TMP = None
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliett", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
         "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
         "a b", "été", "日本", "x-1", "1-x", "None", "na", "Nan", "'q'", "-", "."]


def tmp(name):
    return os.path.join(TMP, name)


def sketch_params(doc):
    sk = doc["sketch"]
    return sk["kll_rank_error"], sk["hll_rse"], sk["top_capacity"]


def numeric_key(v):
    return float(v)


def bool_key(v):
    return v.strip().lower() == "true"


# ---------------------------------------------------------------------------------------------
# 1. Exact fields and type inference


def gen_exact_table(rng, n):
    cols = {}

    def with_missing(texts, share):
        texts = list(texts)
        idx = rng.choice(n, size=int(share * n), replace=False)
        marks = rng.choice(NA_MARKERS, size=len(idx))
        for i, m in zip(idx.tolist(), marks.tolist()):
            texts[i] = m
        return texts

    def sprinkle(texts, values, count):
        texts = list(texts)
        for i in rng.choice(n, size=count, replace=False).tolist():
            texts[i] = str(rng.choice(values))
        return texts

    def signs():
        return rng.choice([-1.0, 1.0], n)

    cols["normal"] = fmt_floats(rng.normal(3.0, 10.0, n))
    cols["integers"] = fmt_ints(rng.integers(-10**6, 10**6, n))
    cols["ties"] = fmt_floats(rng.integers(0, 8, n) * 0.25)
    cols["int_missing"] = with_missing(fmt_ints(rng.integers(0, 5, n)), 0.15)
    cols["float_missing"] = with_missing(fmt_floats(rng.normal(size=n)), 0.2)
    cols["constant"] = ["7.25"] * n
    cols["huge"] = fmt_floats(signs() * 10 ** rng.uniform(299.0, 300.2, n))
    cols["big"] = fmt_floats(signs() * 10 ** rng.uniform(149.0, 151.0, n))
    cols["tiny"] = fmt_floats(rng.normal(size=n) * 1e-150)
    cols["offset"] = fmt_floats(1e9 + rng.normal(size=n))
    cols["cancel"] = fmt_floats(signs() * 1e16 + rng.integers(-3, 4, n))
    # +-1e16 pairs that cancel, among small values: naive or pairwise sums lose the small ones
    k = np.concatenate([np.repeat([1e16, -1e16], n // 8), rng.integers(1, 10, n - n // 4) + 0.5])
    rng.shuffle(k)
    cols["kahan"] = fmt_floats(k)
    cols["negative"] = fmt_floats(-rng.lognormal(2.0, 1.0, n))
    cols["mixed_num"] = sprinkle(fmt_ints(rng.integers(-50, 50, n)),
                                 ["2.5", "-0.5", "1e3", "7.0", "3.25"], n // 10)
    cols["spelled"] = list(rng.choice(["+5", "007", "1e3", "1E-2", ".5", "5.", "-0", "-0.0",
                                       "12", "+.25", "-5.e1", "0.1e-2", "1e+05", "00.5"], n))
    cols["pos_inf"] = sprinkle(fmt_floats(rng.normal(size=n)), ["inf", "Infinity", "INF"], 5)
    cols["both_inf"] = sprinkle(fmt_floats(rng.normal(size=n)), ["inf", "-inf"], 6)
    cols["bools"] = with_missing(rng.choice(["True", "False", "true", "false", "TRUE", "FALSE"],
                                            n), 0.1)
    cols["strings"] = with_missing(rng.choice(WORDS, n), 0.05)
    cols["mixed_types"] = list(rng.choice(["1", "2", "-3", "4.5", "True", "false", "word",
                                           "x y", "5e2"], n))
    cols["all_missing"] = list(rng.choice(NA_MARKERS, n))
    return cols


def cell_kinds_for_column(texts, series, dtype_kind):
    """text -> pandas kind for the non-missing texts of one column. Cells of a float64 column
    with a non-integral finite value can only be fractional; the rest are asked of pandas
    (one text per spelling shape, see pandas_cell_kinds_by_shape)."""
    distinct = list(dict.fromkeys(texts))
    if dtype_kind == "integer":
        return {t: "integer" for t in distinct}
    if dtype_kind == "boolean":
        return {t: "boolean" for t in distinct}
    if dtype_kind == "fractional":
        vals = dict(zip(texts, series.tolist()))
        ask = [t for t in distinct if not math.isfinite(vals[t]) or float(vals[t]).is_integer()]
        kinds = pandas_cell_kinds_by_shape(ask)
        return {t: kinds.get(t, "fractional") for t in distinct}
    return pandas_cell_kinds(distinct)


def test_exact(suite):
    rng = np.random.default_rng(20240601)
    n = 20000
    cols = gen_exact_table(rng, n)
    names = list(cols)
    path = tmp("exact.csv")
    write_csv_columns(path, names, [cols[c] for c in names])
    doc = profile_json(path)
    df = pd.read_csv(path, float_precision="round_trip")  # correctly rounded, like vigia
    _, rse, cap = sketch_params(doc)

    suite.check("exact:rows_and_schema",
                cmp_eq("rows", doc["rows"], len(df)) + cmp_eq("bad_rows", doc["bad_rows"], 0)
                + cmp_eq("schema", [s["name"] for s in doc["schema"]], list(df.columns)))

    for c in names:
        col = doc["columns"].get(c)
        if col is None:
            suite.check("exact:" + c, ["column missing from the output"])
            continue
        texts = np.asarray(cols[c], dtype=object)
        notna = df[c].notna().to_numpy()
        nonmissing = texts[notna].tolist()
        kind = pandas_column_type(nonmissing)

        # counts and moments
        p = cmp_eq("count", col["count"], int(notna.sum()))
        p += cmp_eq("missing", col["missing"], int((~notna).sum()))
        p += cmp_num("missing_share", col["missing_share"], (~notna).sum() / n, 1e-12)
        if kind in ("integer", "fractional"):
            p += moments_problems(col, df[c].dropna().to_numpy(dtype=np.float64))
        elif kind == "empty":
            p += moments_problems(col, np.array([]))
        suite.check("exact:" + c, p)

        # type and type counts
        p = cmp_eq("type", col["type"], kind)
        schema_type = [s["type"] for s in doc["schema"] if s["name"] == c]
        p += cmp_eq("schema type", schema_type, [kind])
        if nonmissing:
            ser = pd.Series(pd.to_numeric(df[c], errors="coerce")[notna].to_numpy()) \
                if kind in ("integer", "fractional") else None
            kinds = cell_kinds_for_column(nonmissing, ser, kind)
            want = kinds_of(nonmissing, kinds)
            for k in ("integer", "fractional", "boolean", "string"):
                p += cmp_eq("types." + k, col["types"][k], want[k])
            if kind == "string":
                # numeric cells inside a string column still feed the numeric fields
                num = [float(t) for t in nonmissing if kinds[t] in ("integer", "fractional")]
                p += moments_problems(col, np.array(num), "numeric cells")
        else:
            p += cmp_eq("types", col["types"], {"integer": 0, "fractional": 0, "boolean": 0,
                                                "string": 0})
        suite.check("type:" + c, p)

    # distinct and value counts of low-cardinality columns (exact below top_capacity)
    for c, keyfn in (("ties", numeric_key), ("int_missing", numeric_key), ("strings", str),
                     ("bools", bool_key), ("spelled", numeric_key)):
        col = doc["columns"][c]
        s = df[c].dropna()
        if c == "bools":
            s = s.map(lambda v: v if isinstance(v, bool) else str(v).strip().lower() == "true")
        true_counts = {keyfn(k) if c != "bools" else bool(k): int(v)
                       for k, v in s.value_counts().items()}
        p = hll_problems(col, int(s.nunique()), rse, cap)
        p += exact_top_problems(col, true_counts, keyfn)
        suite.check("hll:exact_small_" + c, p)


CLASSIFY_CASES = {
    "missing_markers": NA_MARKERS[1:],
    "integers": ["0", "-0", "+7", "007", "123456789012345678", "9223372036854775807",
                 "18446744073709551615",
                 "9223372036854775808", "-9223372036854775808", " 5", "5 ", "\t7"],
    "fractional": ["1.5", "-.5", ".5", "5.", "+.5", "-5.e3", "1e5", "1E-5", "1e+05", "0.1e-2",
                   "00.5", "-0.0", "-1.5e+300", "1e-400", "4.9e-324", "2.4e-324",
                   "1.7976931348623157e308", " 1.5 ", "inf", "-inf", "+inf", "Infinity",
                   "-Infinity", "INF", "infinity", "iNf", "0.30000000000000004"],
    "booleans": ["True", "true", "TRUE", "False", "false", "FALSE", "tRuE", "fAlSe"],
    "strings": ["yes", "no", "t", "f", "1.0.0", "1e", "e5", "--1", "+-1", "0x1A", "1_000",
                "1,000", "  ", " NA", "None", "na", "Nan", "NAN", "abc", "日本", "1d5", "1.5f",
                "+", "-", ".", "5e+", "nan nan"],
    "spaced_booleans": [" true", "true ", " False ", "\tTRUE"],
}

# Numbers beyond what pandas' parser accepts (pandas makes the column object). vigia documents
# that it still counts them as numbers (src/profile/classify.c), so the oracle here is Python's
# int()/float(): the type, and the value (correctly rounded; +-inf is null in JSON).
OUT_OF_RANGE = ["-9223372036854775809", "18446744073709551616", "-18446744073709551617",
                "123456789012345678901234567890", "1e400", "-1e400", "1.7976931348623159e308",
                "0.1e310"]


def test_classify(suite):
    """Each cell alone in a column (one wide one-row CSV): vigia's column type vs the dtype
    pandas.read_csv gives that column."""
    cells = [t for group in CLASSIFY_CASES.values() for t in group] + OUT_OF_RANGE
    names = ["c%d" % i for i in range(len(cells))]
    path = tmp("cells.csv")
    write_csv_quoted(path, names, [cells])
    doc = profile_json(path)
    pandas_kinds = pandas_cell_kinds(cells)
    vig = {t: doc["columns"][nm] for t, nm in zip(cells, names)}
    for group, texts in CLASSIFY_CASES.items():
        p = []
        for t in texts:
            want = pandas_kinds[t]
            want = "empty" if want == "missing" else want
            if vig[t]["type"] != want:
                p.append("%r: vigia %s, pandas %s" % (t, vig[t]["type"], want))
        suite.check("classify:" + group, p)
    p = []
    for t in OUT_OF_RANGE:
        try:
            value, want = float(int(t)), "integer"
        except ValueError:
            value, want = float(t), "fractional"
        p += cmp_eq("%r type" % t, vig[t]["type"], want)
        p += cmp_num("%r min" % t, vig[t]["min"], value, 0.0)
    suite.check("classify:out_of_range_numbers_documented", p)


def test_small(suite):
    # one row
    path = tmp("one.csv")
    write_csv_columns(path, ["x", "s", "e"], [["3.5"], ["hello"], [""]])
    doc = profile_json(path)
    df = pd.read_csv(path, float_precision="round_trip")  # correctly rounded, like vigia
    x = doc["columns"]["x"]
    p = cmp_eq("rows", doc["rows"], 1) + moments_problems(x, df["x"].dropna().to_numpy())
    p += cmp_eq("quantiles", x["quantiles"], {k: 3.5 for k in QKEYS})
    p += cmp_eq("s.type", doc["columns"]["s"]["type"], "string")
    p += cmp_eq("e.type", doc["columns"]["e"]["type"], "empty")
    p += moments_problems(doc["columns"]["e"], np.array([]), "e")
    suite.check("small:single_row", p)

    # fewer values than the sketch size: quantiles are exact (inverted CDF). n = 301 makes
    # q*n non-integral for every reported q, so there is no rounding ambiguity.
    rng = np.random.default_rng(7)
    v = np.round(rng.normal(size=301), 3)
    v[:40] = v[0]  # ties
    rng.shuffle(v)
    path = tmp("small_q.csv")
    write_csv_columns(path, ["v"], [fmt_floats(v)])
    doc = profile_json(path)
    sv = np.sort(v)
    p = []
    for k in QKEYS:
        want = exact_quantile(sv, float(k))
        npw = float(np.quantile(v, float(k), method="inverted_cdf"))
        assert want == npw, (k, want, npw)
        p += cmp_eq("q" + k, doc["columns"]["v"]["quantiles"][k], want)
    suite.check("small:exact_quantiles_n301", p)


# ---------------------------------------------------------------------------------------------
# 2-4. Sketches on 1M values


def zipf_ranks(rng, support, s, n):
    w = 1.0 / np.arange(1, support + 1, dtype=np.float64) ** s
    return rng.choice(support, size=n, p=w / w.sum())


def test_sketches(suite):
    rng = np.random.default_rng(424242)
    n = 1_000_000
    data = {
        "normal": np.round(rng.normal(0.0, 1.0, n), 6),
        "lognormal": np.round(rng.lognormal(0.0, 2.0, n), 4),
        "geometric": rng.geometric(0.15, n).astype(np.int64),  # heavy ties, ~80 values
        "equal": np.full(n, 42, dtype=np.int64),
        "d5k": rng.integers(0, 5000, n),
        "d100k": rng.integers(0, 100_000, n),
        "d1m": rng.permutation(n).astype(np.int64) * 7 - 3_000_000,
    }
    support = 200_000
    label_of = np.array(["k%d" % i for i in rng.permutation(support)], dtype=object)
    zr = zipf_ranks(rng, support, 1.1, n)
    texts = {c: (fmt_floats(a) if a.dtype.kind == "f" else fmt_ints(a)) for c, a in data.items()}
    texts["zipf"] = label_of[zr].tolist()
    names = list(texts)
    path = tmp("big.csv")
    write_csv_columns(path, names, [texts[c] for c in names])
    del texts
    doc = profile_json(path)
    eps, rse, cap = sketch_params(doc)
    suite.check("kll:rank_error_bound", [] if 0 < eps <= 0.01 else
                ["kll_rank_error %r not in (0, 0.01]" % eps])
    p = cmp_eq("rows", doc["rows"], n)
    p += moments_problems(doc["columns"]["normal"], data["normal"], "normal")
    p += moments_problems(doc["columns"]["lognormal"], data["lognormal"], "lognormal")
    suite.check("exact:1m_rows", p)

    for c in ("normal", "lognormal", "geometric", "equal", "d1m"):
        col = doc["columns"][c]
        suite.check("kll:" + c, rank_problems(np.sort(data[c]).astype(np.float64),
                                              col["quantiles"], eps))

    for c in ("d5k", "d100k", "d1m", "geometric", "equal"):
        true_d = int(pd.Series(data[c]).nunique())
        suite.check("hll:%s(true=%d)" % (c, true_d), hll_problems(doc["columns"][c], true_d,
                                                                  rse, cap))
    zl, zc = np.unique(zr, return_counts=True)
    zdist = len(zl)
    suite.check("hll:zipf(true=%d)" % zdist, hll_problems(doc["columns"]["zipf"], zdist, rse, cap))

    true_z = {label_of[r]: int(k) for r, k in zip(zl.tolist(), zc.tolist())}
    suite.check("topk:zipf_bounds", freq_problems(doc["columns"]["zipf"], true_z, n, cap,
                                                  require_top1=True))
    for c in ("d5k", "d1m"):
        u, k = np.unique(data[c], return_counts=True)
        suite.check("topk:%s_bounds" % c, freq_problems(
            doc["columns"][c], dict(zip(map(float, u.tolist()), k.tolist())), n, cap,
            numeric_key))
    vc = pd.Series(data["geometric"]).value_counts()
    suite.check("topk:geometric_exact", exact_top_problems(
        doc["columns"]["geometric"], {float(a): int(b) for a, b in vc.items()}, numeric_key))
    suite.check("topk:equal_exact", exact_top_problems(doc["columns"]["equal"], {42.0: n},
                                                       numeric_key))


def test_topk_edges(suite):
    """Value counting at the top_capacity boundary, and a column that turns out to hold
    strings only after more than top_capacity distinct numbers (common in real data: an id
    or code column with a late "unknown"): numbers stop being counted, but the strings that
    arrive later still are (docs/json.md, top_includes_numbers), so the dominant "unknown"
    must be reported, also when the two parts are profiled apart and merged."""
    rng = np.random.default_rng(1024)
    cap = None
    for d in (1024, 1025):
        v = np.concatenate([np.arange(d), rng.integers(0, d, 5000)])
        rng.shuffle(v)
        path = tmp("cap%d.csv" % d)
        write_csv_columns(path, ["num", "str"], [fmt_ints(v), ["s%d" % a for a in v.tolist()]])
        doc = profile_json(path)
        _, rse, cap = sketch_params(doc)
        u, k = np.unique(v, return_counts=True)
        for c, keys, keyfn in (("num", map(float, u.tolist()), numeric_key),
                               ("str", ("s%d" % a for a in u.tolist()), str)):
            counts = dict(zip(keys, k.tolist()))
            col = doc["columns"][c]
            p = hll_problems(col, d, rse, cap)
            if d <= cap:
                p += exact_top_problems(col, counts, keyfn)
            else:
                p += freq_problems(col, counts, len(v), cap, keyfn)
            suite.check("topk:%s_%d_distinct" % (c, d), p)

    n_num, n_str = 3000, 5000
    cells = fmt_ints(rng.permutation(n_num)) + ["unknown"] * n_str
    counts = {float(i): 1 for i in range(n_num)}
    path = tmp("late_strings.csv")
    write_csv_columns(path, ["code"], [cells])
    doc = profile_json(path)
    col = doc["columns"]["code"]
    true = dict(counts, unknown=n_str)
    key = lambda v: v if isinstance(v, str) else float(v)  # noqa: E731
    p = cmp_eq("type", col["type"], "string")
    p += freq_problems(col, true, n_num + n_str, cap, key, require_top1=True)
    suite.check("topk:strings_after_many_numbers", p)

    # the same through a merge: a numeric shard past capacity + a shard of strings
    a, b = tmp("late_a.csv"), tmp("late_b.csv")
    write_csv_columns(a, ["code"], [cells[:n_num]])
    write_csv_columns(b, ["code"], [cells[n_num:]])
    run_vigia("profile", a, "-o", a + ".vgp", "-q")
    run_vigia("profile", b, "-o", b + ".vgp", "-q")
    M = vigia_json("merge", a + ".vgp", b + ".vgp", "-o", tmp("late.vgp"), "--format", "json")
    col = M["columns"]["code"]
    p = cmp_eq("type", col["type"], "string")
    p += freq_problems(col, true, n_num + n_str, cap, key, require_top1=True)
    suite.check("topk:merge_numeric_shard_with_string_shard", p)


# ---------------------------------------------------------------------------------------------
# 5. Merging shards, and parallel profiling


def gen_merge_table(rng, n):
    cols = {}
    x = np.round(rng.normal(100.0, 15.0, n), 6)
    ints = rng.integers(0, 1000, n).astype(np.int64)
    miss = rng.random(n) < 0.05
    cat = rng.choice(WORDS[:30], n).astype(object)
    cat[rng.random(n) < 0.02] = ""
    hc = rng.integers(0, 10**9, n)
    b = rng.choice(["True", "False"], n, p=[0.3, 0.7])
    support = 20_000
    z = zipf_ranks(rng, support, 1.1, n)
    cols["x"] = fmt_floats(x)
    it = fmt_ints(ints)
    cols["n"] = ["" if m else t for t, m in zip(it, miss.tolist())]
    cols["cat"] = cat.tolist()
    cols["hc"] = fmt_ints(hc)
    cols["b"] = b.tolist()
    cols["z"] = ["z%d" % v for v in z.tolist()]
    truth = {"x": x, "n": ints[~miss], "hc": hc}
    return cols, truth


def truth_for(cols, truth):
    """Per column: true non-missing count, distinct, value counts (key -> count), numbers."""
    out = {}
    for c, texts in cols.items():
        s = pd.Series(texts)
        s = s[s != ""]
        vc = s.value_counts()
        if c in truth:
            counts = {}
            for k, v in vc.items():
                counts[float(k)] = counts.get(float(k), 0) + int(v)
            keyfn = numeric_key
        elif c == "b":
            counts = {k == "True": int(v) for k, v in vc.items()}
            keyfn = bool_key
        else:
            counts = {k: int(v) for k, v in vc.items()}
            keyfn = str
        out[c] = dict(count=len(s), counts=counts, keyfn=keyfn, distinct=len(counts),
                      values=np.sort(np.asarray(truth[c], dtype=np.float64)) if c in truth
                      else None)
    return out


EXACT_KEYS = ("type", "count", "missing", "types", "numeric_count", "min", "max",
              "top_includes_numbers")
FLOAT_KEYS = ("mean", "std", "variance", "sum")


def agree_problems(a, b, truth, rtol=1e-12):
    """Two profiles of the same data (merged/parallel vs whole): exact fields equal, moments to
    rtol, distinct equal when both exact. Sketch answers are checked vs the truth separately."""
    p = cmp_eq("rows", a["rows"], b["rows"])
    p += cmp_eq("columns", sorted(a["columns"]), sorted(b["columns"]))
    for c, cb in b["columns"].items():
        ca = a["columns"].get(c)
        if ca is None:
            continue
        for k in EXACT_KEYS:
            p += cmp_eq("%s.%s" % (c, k), ca.get(k), cb.get(k))
        t = truth[c]["values"] if c in truth else None
        scale = float(np.mean(np.abs(t))) if t is not None and len(t) else 0.0
        for k in FLOAT_KEYS:
            sc = scale * (truth[c]["count"] if k == "sum" and c in truth else 1)
            sc = sc if k in ("mean", "sum") else 0.0
            if cb[k] is None or ca[k] is None:
                p += cmp_eq("%s.%s" % (c, k), ca[k], cb[k])
            else:
                p += cmp_num("%s.%s" % (c, k), ca[k], cb[k], rtol, sc)
        if ca["distinct_exact"] and cb["distinct_exact"]:
            p += cmp_eq("%s.distinct" % c, ca["distinct"], cb["distinct"])
    return p


def truth_problems(doc, tr, eps, rse, cap):
    """A profile of the merge data vs the true data."""
    p = []
    for c, t in tr.items():
        col = doc["columns"][c]
        p += cmp_eq(c + ".count", col["count"], t["count"])
        if t["values"] is not None:
            p += rank_problems(t["values"], col["quantiles"], eps, c + ".")
            p += moments_problems(col, t["values"], c)
        p += hll_problems(col, t["distinct"], rse, cap, c + ".")
        if t["distinct"] <= cap:
            p += exact_top_problems(col, t["counts"], t["keyfn"], c + ".")
        else:
            p += freq_problems(col, t["counts"], t["count"], cap, t["keyfn"], c + ".")
    return p


def test_merge(suite):
    rng = np.random.default_rng(5150)
    n = 200_000
    cols, truth = gen_merge_table(rng, n)
    cuts = [(0, 60_000), (60_000, 150_000), (150_000, n)]
    # "m": 700 distinct numbers in each shard, 1700 in all: exact counts per shard, not after
    m = np.concatenate([rng.integers(500 * i, 500 * i + 700, hi - lo)
                        for i, (lo, hi) in enumerate(cuts)])
    cols["m"], truth["m"] = fmt_ints(m), m
    names = list(cols)
    whole = tmp("merge_whole.csv")
    write_csv_columns(whole, names, [cols[c] for c in names])
    tr = truth_for(cols, truth)
    vgp = {}
    for name, (lo, hi) in zip("abc", cuts):
        path = tmp("shard_%s.csv" % name)
        write_csv_columns(path, names, [cols[c][lo:hi] for c in names])
        vgp[name] = tmp("shard_%s.vgp" % name)
        run_vigia("profile", path, "-o", vgp[name], "-q")
    W = vigia_json("profile", whole, "--format", "json", "-o", tmp("whole.vgp"))
    eps, rse, cap = sketch_params(W)
    suite.check("merge:whole_vs_truth", truth_problems(W, tr, eps, rse, cap))

    merged = {}
    merged["abc"] = vigia_json("merge", vgp["a"], vgp["b"], vgp["c"], "-o", tmp("abc.vgp"),
                               "--format", "json")
    merged["cba"] = vigia_json("merge", vgp["c"], vgp["b"], vgp["a"], "-o", tmp("cba.vgp"),
                               "--format", "json")
    run_vigia("merge", vgp["a"], vgp["b"], "-o", tmp("ab.vgp"))
    run_vigia("merge", tmp("ab.vgp"), vgp["c"], "-o", tmp("ab_c.vgp"))
    merged["(ab)c"] = vigia_json("show", tmp("ab_c.vgp"), "--format", "json")
    for order, M in merged.items():
        suite.check("merge:%s_vs_whole" % order, agree_problems(M, W, tr))
        suite.check("merge:%s_vs_truth" % order, truth_problems(M, tr, eps, rse, cap))
    orders = list(merged)
    for i in range(len(orders)):
        for j in range(i + 1, len(orders)):
            suite.check("merge:%s_vs_%s" % (orders[i], orders[j]),
                        agree_problems(merged[orders[i]], merged[orders[j]], tr))
    # HyperLogLog merges register-wise (exactly): every route gives the same estimate
    p = []
    for c in ("hc", "z"):
        ds = {o: merged[o]["columns"][c]["distinct"] for o in orders}
        ds["whole"] = W["columns"][c]["distinct"]
        if len(set(ds.values())) != 1:
            p.append("%s: distinct differs by route %r" % (c, ds))
    suite.check("merge:hll_route_independent", p)
    # a saved profile shows what was printed when it was made
    S = vigia_json("show", tmp("whole.vgp"), "--format", "json")
    suite.check("merge:show_roundtrip", cmp_eq("columns", S["columns"], W["columns"])
                + cmp_eq("rows", S["rows"], W["rows"]))
    S = vigia_json("show", tmp("abc.vgp"), "--format", "json")
    suite.check("merge:show_merged_roundtrip", cmp_eq("columns", S["columns"],
                                                      merged["abc"]["columns"]))

    # small sketches: many more KLL compactions and Misra-Gries purges, in shards and merges
    small = ["--top-capacity", "64", "--kll-k", "64", "--hll-p", "10"]
    svgp = []
    for name in "abc":
        svgp.append(tmp("small_%s.vgp" % name))
        run_vigia("profile", tmp("shard_%s.csv" % name), "-o", svgp[-1], "-q", *small)
    SW = profile_json(whole, *small)
    s_eps, s_rse, s_cap = sketch_params(SW)
    p = cmp_eq("sketch", SW["sketch"]["top_capacity"], 64)
    suite.check("merge:small_sketches_whole_vs_truth", p + truth_problems(SW, tr, s_eps, s_rse,
                                                                          s_cap))
    SM = vigia_json("merge", svgp[2], svgp[0], svgp[1], "-o", tmp("small_cab.vgp"), "--format",
                    "json")
    suite.check("merge:small_sketches_cab_vs_truth", truth_problems(SM, tr, s_eps, s_rse, s_cap))
    suite.check("merge:small_sketches_cab_vs_whole", agree_problems(SM, SW, tr))
    # profiles made with different sketch settings cannot be combined
    r = subprocess.run([VIGIA, "merge", vgp["a"], svgp[1], "-o",
                        tmp("bad.vgp")], capture_output=True, text=True)
    suite.check("merge:mismatched_settings_rejected",
                [] if r.returncode != 0 and r.stderr.strip() else
                ["exit %d, stderr %r" % (r.returncode, r.stderr[:200])])

    # parallel profiling of the same file
    size_mb = os.path.getsize(whole) / 1e6
    P = profile_json(whole, "-j", "2")
    p = cmp_eq("input.threads", P.get("input", {}).get("threads"), 2)
    suite.check("parallel:j2_used_2_threads(%.1fMB)" % size_mb, p)
    suite.check("parallel:j2_vs_j1", agree_problems(P, W, tr))
    suite.check("parallel:j2_vs_truth", truth_problems(P, tr, eps, rse, cap))


def test_parallel_quoted(suite):
    """Quoted fields spanning lines: wherever the -j 2 cut falls, rows are not split."""
    rng = np.random.default_rng(99)
    n = 30_000
    variants = ["line %d\nsecond, with comma\n\"quoted\"\nend" % i for i in range(40)]
    text = rng.choice(variants, n).tolist()
    val = np.round(rng.normal(size=n), 5)
    rows = list(zip(range(n), text, fmt_floats(val)))
    path = tmp("quoted.csv")
    write_csv_quoted(path, ["id", "text", "val"], rows)
    df = pd.read_csv(path, float_precision="round_trip")  # correctly rounded, like vigia
    p = []
    for j in ("1", "2"):
        doc = profile_json(path, "-j", j)
        pre = "j%s " % j
        p += cmp_eq(pre + "rows", doc["rows"], len(df))
        p += cmp_eq(pre + "columns", list(doc["columns"]), list(df.columns))
        t = doc["columns"].get("text")
        if t is None:
            continue
        p += cmp_eq(pre + "text.count", t["count"], len(df))
        vc = {k: int(v) for k, v in df["text"].value_counts().items()}
        _, rse, cap = sketch_params(doc)
        p += hll_problems(t, df["text"].nunique(), rse, cap, pre + "text.")
        p += exact_top_problems(t, vc, str, pre + "text.")
        p += moments_problems(doc["columns"]["val"], df["val"].to_numpy(), pre + "val")
        p += moments_problems(doc["columns"]["id"], df["id"].to_numpy(), pre + "id")
    suite.check("parallel:quoted_multiline_fields", p)


def numbers_uncounted(cells, cap):
    """docs/json.md: numbers stop being counted when the column holds more than top_capacity
    distinct numbers, whatever their order and whatever else the column holds."""
    seen = set()
    for t in cells:
        try:
            seen.add(float(t))
        except ValueError:
            pass
    return len(seen) > cap


def test_parallel_mixed_order(suite):
    """A column with strings (and a few frequent numbers) in its first half and many distinct
    numbers in its second half: its numbers are not counted (more than top_capacity distinct),
    its strings are, and none of that may depend on where -j cuts the file (vigia/ingest.h:
    the result never depends on where the cuts fell)."""
    rng = np.random.default_rng(77)
    half = 50_000
    first = ["unknown" if i % 2 else str(i % 10) for i in range(half)]
    second = fmt_ints(rng.permutation(half) + 100)
    cells = first + second
    path = tmp("mixed_order.csv")
    write_csv_columns(path, ["c"], [cells])
    true = {}
    for t in cells:
        k = t if t == "unknown" else float(t)
        true[k] = true.get(k, 0) + 1
    key = lambda v: v if isinstance(v, str) else float(v)  # noqa: E731
    docs = {}
    for j in ("1", "2"):
        doc = profile_json(path, "-j", j)
        docs[j] = doc
        _, _, cap = sketch_params(doc)
        col = doc["columns"]["c"]
        want = not numbers_uncounted(cells, cap)
        p = cmp_eq("threads", doc["input"]["threads"], int(j))
        p += cmp_eq("top_includes_numbers", col.get("top_includes_numbers"), want)
        p += freq_problems(col, true, len(cells), cap, key)
        suite.check("parallel:mixed_order_column_j%s" % j, p)


# ---------------------------------------------------------------------------------------------
# 6. NDJSON


def gen_records(rng, n, late_from):
    recs = []
    for i in range(n):
        r = {}
        u = rng.random(8)
        if u[0] >= 0.3:  # "opt" is absent from 30% of rows (not null: absent)
            r["opt"] = int(rng.integers(-5, 6))
        if u[1] < 0.1:
            r["f"] = None
        elif u[1] < 0.15:
            r["f"] = float(rng.integers(-3, 4))  # integral floats stay fractional ("2.0")
        else:
            r["f"] = float(np.round(rng.normal(5.0, 3.0), 6))
        r["i"] = int(rng.integers(-300, 301))
        r["b"] = bool(u[2] < 0.4)
        r["s"] = None if u[3] < 0.05 else str(rng.choice(WORDS[:20]))
        r["big"] = float(rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(100, 200))
        if i >= late_from:
            r["late"] = None if u[4] < 0.1 else int(rng.integers(0, 1000))
        recs.append(r)
    return recs


def ndjson_truth(recs):
    order = []
    for r in recs:
        for k in r:
            if k not in order:
                order.append(k)
    out = {}
    for k in order:
        vals = [r.get(k) for r in recs]
        nonnull = [v for v in vals if v is not None]
        types = {"integer": 0, "fractional": 0, "boolean": 0, "string": 0}
        for v in nonnull:
            types["boolean" if isinstance(v, bool) else "integer" if isinstance(v, int)
                  else "fractional" if isinstance(v, float) else "string"] += 1
        out[k] = dict(nonnull=nonnull, missing=len(vals) - len(nonnull), types=types,
                      dtype=pandas_kind_of_dtype(pd.Series(nonnull).dtype))
    return order, out


def ndjson_col_problems(col, t, rse, cap, label):
    p = cmp_eq(label + "count", col["count"], len(t["nonnull"]))
    p += cmp_eq(label + "missing", col["missing"], t["missing"])
    p += cmp_eq(label + "type", col["type"], t["dtype"])
    p += cmp_eq(label + "types", col["types"], t["types"])
    if t["dtype"] in ("integer", "fractional"):
        p += moments_problems(col, np.array(t["nonnull"], dtype=np.float64), label.rstrip("."))
    s = pd.Series(t["nonnull"], dtype=object)
    if t["dtype"] == "boolean":
        counts, keyfn = {bool(k): int(v) for k, v in s.value_counts().items()}, bool_key
    elif t["dtype"] == "string":
        counts, keyfn = {k: int(v) for k, v in s.value_counts().items()}, str
    else:
        counts, keyfn = {}, numeric_key
        for v in t["nonnull"]:
            counts[float(v)] = counts.get(float(v), 0) + 1
    p += hll_problems(col, len(counts), rse, cap, label)
    if len(counts) <= cap:
        p += exact_top_problems(col, counts, keyfn, label)
    return p


def test_ndjson(suite):
    rng = np.random.default_rng(31337)
    n, late_from, split = 3000, 1200, 1000
    recs = gen_records(rng, n, late_from)
    path = tmp("table.ndjson")
    lines = [json.dumps(r, ensure_ascii=False) for r in recs]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    order, truth = ndjson_truth(recs)
    doc = profile_json(path)
    _, rse, cap = sketch_params(doc)
    p = cmp_eq("rows", doc["rows"], n)
    p += cmp_eq("schema order (first appearance)", [s["name"] for s in doc["schema"]], order)
    p += cmp_eq("input.format", doc.get("input", {}).get("format"), "ndjson")
    suite.check("ndjson:rows_and_schema", p)
    # pandas reads the same file the same way
    df = pd.read_json(path, lines=True)
    p = []
    for k in order:
        if k in df.columns and k in doc["columns"]:
            p += cmp_eq(k + ".count(pandas.read_json)", doc["columns"][k]["count"],
                        int(df[k].notna().sum()))
    suite.check("ndjson:counts_vs_read_json", p)
    for k in order:
        col = doc["columns"].get(k)
        if col is None:
            suite.check("ndjson:" + k, ["column missing from the output"])
            continue
        suite.check("ndjson:" + k, ndjson_col_problems(col, truth[k], rse, cap, k + "."))
    late = doc["columns"].get("late", {})
    suite.check("ndjson:late_key_missing_before",
                cmp_eq("late.missing", late.get("missing"),
                       late_from + sum(1 for r in recs[late_from:] if r["late"] is None)))
    # the same with a .jsonl name, and split into two files merged: the first part has no
    # "late" key at all, so its rows count as missing for it
    p = []
    parts = []
    for name, lo, hi in (("p1.jsonl", 0, split), ("p2.jsonl", split, n)):
        pp = tmp(name)
        with open(pp, "w") as f:
            f.write("\n".join(lines[lo:hi]) + "\n")
        run_vigia("profile", pp, "-o", pp + ".vgp", "-q")
        parts.append(pp + ".vgp")
    M = vigia_json("merge", parts[0], parts[1], "-o", tmp("nd_merged.vgp"), "--format", "json")
    p += cmp_eq("rows", M["rows"], n)
    for k in order:
        col = M["columns"].get(k)
        if col is None:
            p.append("merged: column %s missing" % k)
            continue
        p += ndjson_col_problems(col, truth[k], rse, cap, "merged " + k + ".")
    suite.check("ndjson:split_merge", p)
    # parallel: each thread discovers keys on its own; the result is the serial one
    P = profile_json(path, "-j", "2")
    p = cmp_eq("input.threads", P.get("input", {}).get("threads"), 2)
    p += cmp_eq("rows", P["rows"], n)
    p += cmp_eq("schema order", [s["name"] for s in P["schema"]], order)
    for k in order:
        col = P["columns"].get(k)
        if col is None:
            p.append("j2: column %s missing" % k)
            continue
        p += ndjson_col_problems(col, truth[k], rse, cap, "j2 " + k + ".")
    suite.check("ndjson:j2_vs_truth", p)


def test_crlf_bom(suite):
    """A UTF-8 BOM, CRLF line ends, quoted fields with separators, quotes and CRLF inside."""
    path = tmp("crlf.csv")
    rng = np.random.default_rng(8)
    n = 500
    x = np.round(rng.normal(size=n), 4)
    s = rng.choice(["plain", "with, comma", 'say "hi"', "two\r\nlines", ""], n)
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["x", "s"])
        w.writerows(zip(fmt_floats(x), s.tolist()))
    df = pd.read_csv(path, float_precision="round_trip")  # correctly rounded, like vigia
    doc = profile_json(path)
    p = cmp_eq("columns", list(doc["columns"]), list(df.columns))
    p += cmp_eq("rows", doc["rows"], len(df))
    if "x" in doc["columns"]:
        p += moments_problems(doc["columns"]["x"], df["x"].to_numpy(), "x")
    if "s" in doc["columns"]:
        col = doc["columns"]["s"]
        ss = df["s"].dropna()
        p += cmp_eq("s.missing", col["missing"], int(df["s"].isna().sum()))
        p += exact_top_problems(col, {k: int(v) for k, v in ss.value_counts().items()}, str,
                                "s.")
    suite.check("small:bom_crlf_quoted", p)


def main():
    global TMP
    warnings.simplefilter("ignore")  # numpy/pandas warnings on inf/overflow data are expected
    suite = Suite()
    if not os.access(VIGIA, os.X_OK):
        suite.check("setup", ["VIGIA=%s is not an executable" % VIGIA])
        return suite.finish()
    with tempfile.TemporaryDirectory(prefix="vigia-oracle-") as d:
        TMP = d
        for name, fn in (("exact", test_exact), ("classify", test_classify),
                         ("small", test_small), ("crlf_bom", test_crlf_bom),
                         ("sketches", test_sketches), ("topk_edges", test_topk_edges),
                         ("merge", test_merge), ("parallel_quoted", test_parallel_quoted),
                         ("parallel_mixed_order", test_parallel_mixed_order),
                         ("ndjson", test_ndjson)):
            t0 = time.time()
            suite.group(name, fn)
            print("# %s: %.1f s" % (name, time.time() - t0), flush=True)
    return suite.finish()


if __name__ == "__main__":
    sys.exit(main())
