#!/usr/bin/python3
"""Oracle tests for libvigia's data-quality comparison (src/quality/, vigia/quality.h): every
figure of the "quality" JSON object against pandas/numpy computed from the same CSV files.

Run: VIGIA_BUILD=build /usr/bin/python3 tests/oracle/test_quality.py
The C side is tests/oracle/quality_driver.c (vg_samples_load on both files, vg_quality_compare,
vg_quality_json), compiled here against $VIGIA_BUILD/libvigia.a. Prints `PASS name` /
`FAIL name: detail`; exits 1 if any check failed.

The oracle reads each file as raw text (pandas dtype=str, keep_default_na=False), marks the
cells in oracle_util.NA_MARKERS missing itself, types each remaining cell as pandas.read_csv
types it alone (oracle_util.pandas_cell_kinds_by_shape), and identifies values as vigia
documents: numbers by value, booleans by truth, text as written. Counts must be exact, shares
within 1e-12, min/max exact, means within 1e-12 of the exactly rounded mean (math.fsum) and
1e-9 of pandas'. Duplicate rows are pandas' DataFrame.duplicated() on the raw text.
"""
import collections
import json
import math
import os
import sys
import tempfile

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util as ou  # noqa: E402

DRIVER = None
TMP = None
RNG = np.random.default_rng(20261125)
NA = set(ou.NA_MARKERS)
MAX_NUMERIC_CATEGORIES = 1024  # VG_SAMPLES_MAX_NUMERIC_CATEGORIES


def bind(exe):
    global DRIVER
    DRIVER = exe


def path(name):
    return os.path.join(TMP, name)


def write(name, cols, nrows=None):
    """cols: dict name -> list of cell texts (no quoting needed)."""
    p = path(name)
    names = list(cols)
    ou.write_csv_columns(p, names, [list(map(str, cols[c])) for c in names])
    return p


def vigia_quality(ref, cur, max_examples=5, ignore=()):
    line = "json %s %s %d %d %s" % (ref, cur, max_examples, len(ignore), " ".join(ignore))
    out = ou.run_driver(DRIVER, [line])[0]
    if out.startswith("ERR"):
        raise ou.VigiaError(out)
    return json.loads(out)


def vigia_text(ref, cur):
    out = ou.run_driver(DRIVER, ["text %s %s" % (ref, cur)])[0]
    if out.startswith("ERR"):
        raise ou.VigiaError(out)
    return json.loads(out)


# ---------------------------------------------------------------------------------------------
# The oracle


def canon_number(x):
    """vigia's category text of a number: the shortest %.15g/%.16g/%.17g that reads back."""
    x = 0.0 if x == 0 else x
    for p in (15, 16, 17):
        s = "%.*g" % (p, x)
        if float(s) == x:
            return s
    return s


class Col:
    """One column of one file as vigia should see it."""

    def __init__(self, texts, kinds):
        self.rows = len(texts)
        self.missing = 0
        self.nums = []
        self.n_other = 0
        self.keys = collections.Counter()  # key -> count, key = ("n", float) | ("t", text)
        self.uncounted = False  # samples.c's numbers_uncounted, simulated in file order
        counted = set()
        for t in texts:
            if t in NA:
                self.missing += 1
                continue
            k = kinds[t]
            if k in ("integer", "fractional"):
                x = float(t)
                x = 0.0 if x == 0 else x
                self.nums.append(x)
                key = ("n", x)
                if not self.uncounted:
                    if self.n_other == 0 and len(counted) >= MAX_NUMERIC_CATEGORIES \
                            and key not in counted:
                        self.uncounted = True
                    else:
                        counted.add(key)
            else:
                self.n_other += 1
                key = ("t", ("true" if t.lower() == "true" else "false") if k == "boolean"
                       else t)
                counted.add(key)
            self.keys[key] += 1
        self.nums = np.asarray(self.nums, dtype=np.float64)
        self.bools = all(k == "boolean" for t, k in kinds.items() if t in self.present_texts(texts))

    @staticmethod
    def present_texts(texts):
        return set(t for t in texts if t not in NA)

    @property
    def nonmissing(self):
        return len(self.nums) + self.n_other

    @property
    def type(self):
        if self.nonmissing == 0:
            return "empty"
        if self.n_other == 0:
            return "numeric"
        if len(self.nums):
            return "mixed"
        return "boolean" if self.bools else "text"


def key_text(key):
    return canon_number(key[1]) if key[0] == "n" else key[1]


def share(k, n):
    return k / n if n else None


def read_raw(p):
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    texts = set()
    for c in df.columns:
        texts.update(t for t in df[c].tolist() if t not in NA)
    kinds = ou.pandas_cell_kinds_by_shape(sorted(texts)) if texts else {}
    return df, {c: Col(df[c].tolist(), kinds) for c in df.columns}


def expect_summary(c):
    x = c.nums
    distinct = None if c.uncounted else len(c.keys)
    return {
        "type": c.type, "rows": c.rows, "missing": c.missing,
        "missing_share": share(c.missing, c.rows),
        "numeric_count": len(x), "other_count": c.n_other, "distinct": distinct,
        "min": float(x.min()) if len(x) else None, "max": float(x.max()) if len(x) else None,
        "constant": distinct == 1, "empty": c.nonmissing == 0,
        "constant_value": key_text(next(iter(c.keys))) if distinct == 1 else None,
    }


def cmp_share(label, got, want):
    if want is None:
        return [] if got is None else ["%s: got %r, want null" % (label, got)]
    return ou.cmp_num(label, got, want, 0.0, atol=1e-12)


def summary_problems(label, got, c):
    p = []
    want = expect_summary(c)
    for k in ("type", "rows", "missing", "numeric_count", "other_count", "distinct", "min",
              "max", "constant", "empty"):
        p += ou.cmp_eq("%s.%s" % (label, k), got.get(k), want[k])
    p += cmp_share(label + ".missing_share", got["missing_share"], want["missing_share"])
    if want["constant"]:
        p += ou.cmp_eq(label + ".constant_value", got.get("constant_value"),
                       want["constant_value"])
    elif "constant_value" in got:
        p.append(label + ".constant_value present on a column that is not constant")
    if len(c.nums):
        with np.errstate(all="ignore"):
            pm = pd.Series(c.nums).mean()
        if np.all(np.isfinite(c.nums)):
            exact = math.fsum(c.nums.tolist()) / len(c.nums)
            p += ou.cmp_num(label + ".mean(fsum)", got["mean"], exact, 1e-12, atol=1e-300)
        p += ou.cmp_num(label + ".mean(pandas)", got["mean"], pm, 1e-9)
    else:
        p += ou.cmp_eq(label + ".mean", got["mean"], None)
    return p


def column_problems(name, got, r, q, max_examples):
    p = []
    for side, c in (("reference", r), ("current", q)):
        if c is None:
            p += ou.cmp_eq("%s.%s" % (name, side), got[side], None)
        else:
            p += summary_problems("%s.%s" % (name, side), got[side], c)
    want_change = None
    if r is not None and q is not None and r.rows and q.rows:
        want_change = q.missing / q.rows - r.missing / r.rows
    p += cmp_share(name + ".missing_share_change", got["missing_share_change"], want_change)
    both = r is not None and q is not None
    want_tc = both and r.nonmissing > 0 and q.nonmissing > 0 and r.type != q.type
    p += ou.cmp_eq(name + ".type_changed", got["type_changed"], want_tc)
    range_checked = both and r.type == "numeric"
    if range_checked != ("out_of_range" in got):
        p.append("%s: out_of_range %s" % (name, "missing" if range_checked else "unexpected"))
    elif range_checked:
        o = got["out_of_range"]
        lo, hi = float(r.nums.min()), float(r.nums.max())
        below = int(np.sum(q.nums < lo))
        above = int(np.sum(q.nums > hi))
        p += ou.cmp_eq(name + ".out_of_range.below", o["below"], below)
        p += ou.cmp_eq(name + ".out_of_range.above", o["above"], above)
        p += ou.cmp_eq(name + ".out_of_range.count", o["count"], below + above)
        p += cmp_share(name + ".out_of_range.share", o["share"], share(below + above, len(q.nums)))
        p += ou.cmp_eq(name + ".out_of_range.reference_min", o["reference_min"], lo)
        p += ou.cmp_eq(name + ".out_of_range.reference_max", o["reference_max"], hi)
    unseen_checked = both and r.type in ("boolean", "text", "mixed")
    if unseen_checked != ("unseen_categories" in got):
        p.append("%s: unseen_categories %s" % (name, "missing" if unseen_checked
                                               else "unexpected"))
    elif unseen_checked:
        u = got["unseen_categories"]
        new = {k: v for k, v in q.keys.items() if k not in r.keys}
        count = sum(new.values())
        p += ou.cmp_eq(name + ".unseen.count", u["count"], count)
        p += ou.cmp_eq(name + ".unseen.categories", u["categories"], len(new))
        p += cmp_share(name + ".unseen.share", u["share"], share(count, q.nonmissing))
        ranked = sorted(((-v, key_text(k).encode()) for k, v in new.items()))[:max_examples]
        want_ex = [{"value": t.decode(), "count": -v} for v, t in ranked]
        p += ou.cmp_eq(name + ".unseen.examples", u["examples"], want_ex)
    return p


def expect_dups(df):
    n = len(df)
    d = int(df.duplicated().sum()) if n else 0
    return {"count": d, "share": share(d, n)}


def full_problems(got, ref_path, cur_path, max_examples=5, ignore=()):
    """Every figure of the quality object against the oracle."""
    rdf, rcols = read_raw(ref_path)
    cdf, ccols = read_raw(cur_path)
    # vg_samples_load learns the columns of a CSV from its rows, so a header-only file loads
    # with no columns (docs/quality.md); accept that, and only for files without rows
    for df, cols, side in ((rdf, rcols, "reference"), (cdf, ccols, "current")):
        if len(df) == 0 and all(got["columns"].get(c, {}).get(side) is None for c in cols):
            cols.clear()
            df.drop(columns=list(df.columns), inplace=True)
    p = []
    p += ou.cmp_eq("rows", got["rows"], {"reference": len(rdf), "current": len(cdf)})
    for side, df in (("reference", rdf), ("current", cdf)):
        want = expect_dups(df)
        g = got["duplicate_rows"][side]
        p += ou.cmp_eq("duplicate_rows.%s.count" % side, g["count"], want["count"])
        p += cmp_share("duplicate_rows.%s.share" % side, g["share"], want["share"])
    names = [c for c in rdf.columns if c not in ignore] + \
        [c for c in cdf.columns if c not in rcols and c not in ignore]
    p += ou.cmp_eq("column order", list(got["columns"]), names)
    p += ou.cmp_eq("schema.only_in_reference", got["schema"]["only_in_reference"],
                   [c for c in rdf.columns if c not in ccols and c not in ignore])
    p += ou.cmp_eq("schema.only_in_current", got["schema"]["only_in_current"],
                   [c for c in cdf.columns if c not in rcols and c not in ignore])
    p += ou.cmp_eq("n_ignored", got["n_ignored"],
                   len(set(ignore) & (set(rdf.columns) | set(cdf.columns))))
    changed = []
    for n in names:
        if n not in got["columns"]:
            continue
        r, q = rcols.get(n), ccols.get(n)
        p += column_problems(n, got["columns"][n], r, q, max_examples)
        if got["columns"][n]["type_changed"]:
            changed.append(n)
    p += ou.cmp_eq("schema.type_changed", got["schema"]["type_changed"], changed)
    p += issue_order_problems(got)
    return p


def issue_order_problems(got):
    p = []
    sev = [i["severity"] for i in got["issues"]]
    rank = {"error": 0, "warning": 1, "info": 2}
    if any(rank[a] > rank[b] for a, b in zip(sev, sev[1:])):
        p.append("issues not ordered by severity: %r" % sev)
    counts = collections.Counter(sev)
    p += ou.cmp_eq("issue_counts", got["issue_counts"],
                   {k: counts.get(k, 0) for k in ("error", "warning", "info")})
    for i in got["issues"]:
        if i["column"] is not None and i["column"] not in i["message"]:
            p.append("issue message does not name its column: %r" % i)
    if "NaN" in json.dumps(got) or "nan%" in json.dumps(got):
        p.append("NaN in the report")
    return p


def issues_of(got, column=None, kind=None):
    return [i for i in got["issues"]
            if (column is None or i["column"] == column) and (kind is None or i["kind"] == kind)]


# ---------------------------------------------------------------------------------------------
# Data


def floats(x):
    return ou.fmt_floats(x)


def with_missing(cells, share_missing, rng=RNG):
    cells = list(cells)
    for i in np.flatnonzero(rng.random(len(cells)) < share_missing):
        cells[i] = ["", "NA", "null", "NaN"][i % 4]
    return cells


def main_files():
    rng = np.random.default_rng(1)
    n, m = 400, 300
    ref = {
        "num_a": with_missing(floats(rng.normal(10, 2, n)), 0.02, rng),
        "int_b": list(map(str, rng.integers(0, 10, n))),
        "cat_c": list(rng.choice(["red", "green", "blue"], n)),
        "bool_d": list(rng.choice(["True", "False", "true", "FALSE"], n)),
        "const_e": list(rng.choice(["x", "y"], n)),
        "const_both": ["k"] * n,
        "empty_f": list(rng.choice(["", "NA"], n)),
        "empty_cur": list(map(str, rng.integers(0, 3, n))),
        "type_g": floats(rng.normal(0, 1, n)),
        "mixed_h": list(rng.choice(["1", "2.5", "a", "b"], n)),
        "only_ref": ["r"] * n,
    }
    cur = {
        "num_a": with_missing(floats(rng.normal(11, 3, m)), 0.125, rng),
        "int_b": list(map(str, rng.integers(-1, 12, m))),
        # purple and orange tie for counts, so the tie order (by text) is tested
        "cat_c": ["purple"] * 8 + ["orange"] * 8 + ["mauve"] * 3 + ["teal"]
        + list(rng.choice(["red", "green"], m - 20)),
        "bool_d": list(rng.choice(["True", "false"], m)),
        "const_e": ["x"] * m,
        "const_both": ["k"] * m,
        "empty_f": [""] * m,
        "empty_cur": list(rng.choice(["", "NA"], m)),
        "type_g": ["a%d" % i for i in rng.integers(0, 50, m)],
        "mixed_h": list(rng.choice(["1.0", "2.5", "a", "c", "3", "1e0"], m)),
        "only_cur": ["q"] * m,
    }
    # duplicate rows: the first 30 rows of the current data repeated at its end
    for c in cur:
        cur[c][-30:] = cur[c][:30]
    return write("main_ref.csv", ref), write("main_cur.csv", cur)


def check_main(s):
    r, c = main_files()
    got = vigia_quality(r, c)
    s.check("main: every figure against pandas", full_problems(got, r, c))
    p = []
    p += ou.cmp_eq("type_g issue", [i["severity"] for i in issues_of(got, "type_g", "type_change")],
                   ["error"])
    tg = issues_of(got, "type_g", "type_change")
    if tg and "from numeric to text" not in tg[0]["message"]:
        p.append("type_g message: %r" % tg[0]["message"])
    p += ou.cmp_eq("missing_column", [i["column"] for i in issues_of(got, kind="missing_column")],
                   ["only_ref"])
    p += ou.cmp_eq("extra_column", [i["column"] for i in issues_of(got, kind="extra_column")],
                   ["only_cur"])
    p += ou.cmp_eq("num_a missing", len(issues_of(got, "num_a", "missing_values")), 1)
    p += ou.cmp_eq("const_e", [i["severity"] for i in issues_of(got, "const_e", "constant_column")],
                   ["warning"])
    p += ou.cmp_eq("const_both",
                   [i["severity"] for i in issues_of(got, "const_both", "constant_column")],
                   ["info"])
    p += ou.cmp_eq("empty_cur",
                   [i["severity"] for i in issues_of(got, "empty_cur", "empty_column")],
                   ["warning"])
    p += ou.cmp_eq("empty_f", [i["severity"] for i in issues_of(got, "empty_f", "empty_column")],
                   ["info"])
    p += ou.cmp_eq("duplicates", [i["severity"] for i in issues_of(got, kind="duplicate_rows")],
                   ["warning"])
    p += ou.cmp_eq("int_b range", len(issues_of(got, "int_b", "out_of_range")), 1)
    p += ou.cmp_eq("cat_c unseen", len(issues_of(got, "cat_c", "unseen_categories")), 1)
    ex = got["columns"]["cat_c"]["unseen_categories"]["examples"]
    p += ou.cmp_eq("cat_c examples", [e["value"] for e in ex], ["orange", "purple", "mauve",
                                                                 "teal"])
    # mixed_h: "1.0" and "1e0" are the reference's "1"; "3" and "c" are new
    mh = got["columns"]["mixed_h"]["unseen_categories"]
    p += ou.cmp_eq("mixed_h unseen values", sorted(e["value"] for e in mh["examples"]),
                   ["3", "c"])
    s.check("main: issues (kinds, severities, messages)", p)
    # max_examples 0 and 1
    for mx in (0, 1):
        got = vigia_quality(r, c, max_examples=mx)
        s.check("main: max_examples=%d" % mx, full_problems(got, r, c, max_examples=mx))
    ig = ("num_a", "only_cur", "nope")
    got = vigia_quality(r, c, ignore=ig)
    s.check("main: ignore", full_problems(got, r, c, ignore=ig))
    text = vigia_text(r, c)
    p = []
    lines = text.splitlines()
    if not lines or not lines[0].startswith("data quality: "):
        p.append("first line %r" % (lines[:1],))
    if len(lines) < 2 or "ERROR" not in lines[1]:
        p.append("first issue is not an error: %r" % (lines[1:2],))
    for i in vigia_quality(r, c)["issues"]:
        if i["message"] not in text:
            p.append("text lacks %r" % i["message"])
    for name in ("num_a", "type_g", "only_ref", "only_cur"):
        if name not in text:
            p.append("text lacks column %s" % name)
    s.check("main: text section lists every issue, errors first", p)


def check_empty_current(s):
    rng = np.random.default_rng(2)
    n = 50
    ref = {"a": floats(rng.normal(0, 1, n)), "b": list(rng.choice(["u", "v"], n)),
           "c": with_missing(list(map(str, rng.integers(0, 5, n))), 0.2, rng)}
    r = write("e_ref.csv", ref)
    c = write("e_cur.csv", {k: [] for k in ref})
    got = vigia_quality(r, c)
    p = full_problems(got, r, c)
    e = issues_of(got, kind="empty_data")
    p += ou.cmp_eq("empty_data issues", [(i["severity"], i["message"]) for i in e],
                   [("error", "current data is empty (0 rows)")])
    p += ou.cmp_eq("only the empty-data issue", len(got["issues"]), 1)
    if got["issues"] and got["issues"][0]["kind"] != "empty_data":
        p.append("first issue %r" % got["issues"][0])
    s.check("empty current data (header only): clean report, shares null", p)
    # and the other way round: an empty reference
    got = vigia_quality(c, r)
    p = full_problems(got, c, r)
    p += ou.cmp_eq("empty reference", [i["severity"] for i in issues_of(got, kind="empty_data")],
                   ["error"])
    s.check("empty reference data", p)
    # a file with nothing at all, not even a header: a clear load error, not a report
    z = path("zero.csv")
    open(z, "w").close()
    out = ou.run_driver(DRIVER, ["json %s %s 5 0" % (r, z)])[0]
    s.check("empty current file (no header): a clear error",
            [] if out.startswith("ERR -3 ") and "empty file" in out else ["got %r" % out[:200]])


def check_one_row(s):
    r = write("o_ref.csv", {"a": ["1.5"], "b": ["x"], "c": [""], "d": ["true"]})
    c = write("o_cur.csv", {"a": ["7"], "b": ["y"], "c": ["3"], "d": ["no"]})
    got = vigia_quality(r, c)
    p = full_problems(got, r, c)
    p += ou.cmp_eq("a above", got["columns"]["a"]["out_of_range"]["above"], 1)
    p += ou.cmp_eq("d type change", got["columns"]["d"]["type_changed"], True)
    s.check("one-row files", p)
    got = vigia_quality(r, r)
    p = full_problems(got, r, r)
    p += ou.cmp_eq("no errors or warnings", got["issue_counts"]["error"] +
                   got["issue_counts"]["warning"], 0)
    s.check("one-row file against itself", p)


def check_many_numbers(s):
    """Columns past VG_SAMPLES_MAX_NUMERIC_CATEGORIES distinct numbers: distinct unknown, and
    unseen values of mixed columns matched by value."""
    rng = np.random.default_rng(3)
    n = 3000
    big_ref = rng.integers(0, 2500, n)
    big_cur = rng.integers(1500, 4000, n)
    ref = {
        "cont": floats(rng.normal(0, 1, n)),
        # numbers first (uncounted), then text: a mixed reference with uncounted numbers
        "mixed": list(map(str, big_ref[:n - 100])) + list(rng.choice(["p", "q"], 100)),
        "txt": list(rng.choice(["p", "q", "r"], n)),
    }
    cur = {
        "cont": floats(rng.normal(0.5, 1.5, n)),
        "mixed": list(map(str, big_cur[:n - 50])) + list(rng.choice(["q", "z"], 50)),
        # text in the reference; the current has many distinct numbers first, then text
        "txt": list(map(str, rng.integers(0, 3000, n - 10))) + ["p"] * 5 + ["s"] * 5,
    }
    r, c = write("m_ref.csv", ref), write("m_cur.csv", cur)
    got = vigia_quality(r, c, max_examples=7)
    p = full_problems(got, r, c, max_examples=7)
    p += ou.cmp_eq("cont distinct unknown", got["columns"]["cont"]["reference"]["distinct"], None)
    s.check("over 1024 distinct numbers (uncounted): figures, unseen by value", p)


def check_quoted_text(s):
    """Text with separators, quotes, line breaks, UTF-8 and long values; spaces around
    numbers (numbers either way), booleans of every spelling."""
    rng = np.random.default_rng(5)
    words = ["a,b", 'say "hi"', "line\nbreak", "\u00e9t\u00e9", "\u65e5\u672c", "x" * 60,
             "\u00e9" * 30, " padded ", "True", "FALSE", " 7 ", "7", "1e3", "-0"]
    names = ["t", "u", "n"]
    ref = [[rng.choice(words[:4]), rng.choice(["p", "q"]), rng.choice(["1", "2", " 3"])]
           for _ in range(60)]
    cur = [[rng.choice(words), rng.choice(["p", "q", "true"]), rng.choice(["1", "2.0", "4 "])]
           for _ in range(80)]
    cur += cur[:5]
    r, c = path("q_ref.csv"), path("q_cur.csv")
    ou.write_csv_quoted(r, names, ref)
    ou.write_csv_quoted(c, names, cur)
    got = vigia_quality(r, c, max_examples=20)
    p = full_problems(got, r, c, max_examples=20)
    msg = [i["message"] for i in issues_of(got, "t", "unseen_categories")]
    if not msg or "x" * 41 in msg[0]:
        p.append("long example not shortened in the message: %r" % msg)
    s.check("quoted text, UTF-8, long values, padded numbers", p)


def check_random(s):
    """Random files: random column kinds, missing markers, shuffled and renamed columns."""
    rng = np.random.default_rng(4)
    problems = []
    for trial in range(25):
        ncols = int(rng.integers(3, 8))  # one-column files: pandas skips blank lines
        n, m = int(rng.integers(1, 120)), int(rng.integers(0, 120))
        ref, cur = {}, {}
        for j in range(ncols):
            kinds = ["num", "int", "cat", "bool", "mixed", "empty"]
            kr, kc = rng.choice(kinds), rng.choice(kinds) if rng.random() < 0.3 else None
            kc = kc or kr
            name = "c%d" % j
            for d, k, rows in ((ref, kr, n), (cur, kc, m)):
                if k == "num":
                    v = floats(np.round(rng.normal(0, 1, rows), int(rng.integers(0, 4))))
                elif k == "int":
                    v = list(map(str, rng.integers(-3, 4, rows)))
                elif k == "cat":
                    v = list(rng.choice(["a", "b", "c", "d", "e", "f"][:int(rng.integers(1, 7))],
                                        rows))
                elif k == "bool":
                    v = list(rng.choice(["True", "false", "TRUE"], rows))
                elif k == "mixed":
                    v = list(rng.choice(["1", "2.0", "x", "y", "-0", "0", "1e1"], rows))
                else:
                    v = [""] * rows
                d[name] = with_missing(v, float(rng.choice([0, 0.1, 0.5])), rng)
        if rng.random() < 0.3:
            cur.pop("c0")
        if rng.random() < 0.3:
            cur["extra"] = ["e"] * m
        # duplicate some rows
        if m > 4:
            for col in cur:
                cur[col][-2:] = cur[col][:2]
        r, c = write("r%d_ref.csv" % trial, ref), write("r%d_cur.csv" % trial, cur)
        got = vigia_quality(r, c)
        problems += ["trial %d: %s" % (trial, x) for x in full_problems(got, r, c)]
    s.check("25 random file pairs: every figure against pandas", problems)


def main():
    global TMP
    with tempfile.TemporaryDirectory() as tmp:
        TMP = tmp
        return ou.driver_main("quality_driver", "quality",
                              [("main", check_main), ("empty current", check_empty_current),
                               ("one row", check_one_row),
                               ("many numbers", check_many_numbers),
                               ("quoted text", check_quoted_text),
                               ("random", check_random)], bind)


if __name__ == "__main__":
    sys.exit(main())
