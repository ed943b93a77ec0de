"""Helpers for the oracle tests: running vigia, writing data files fast, and comparing vigia's
JSON against figures computed independently with numpy/pandas from the raw data.

Every comparison helper returns a list of problem strings (empty = pass), so that a check can
collect all its problems and report the first few in its FAIL line.
"""
import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
import time
import traceback

import numpy as np
import pandas as pd

VIGIA = os.environ.get("VIGIA", "build/vigia")

# pandas 1.5 STR_NA_VALUES (pandas/_libs/parsers.pyx); "" is missing too.
NA_MARKERS = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
              "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null"]

QKEYS = ["0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99"]


class VigiaError(Exception):
    pass


def run_vigia(*args, timeout=300):
    """Runs vigia with args; returns stdout. Raises VigiaError on a non-zero exit."""
    cmd = [VIGIA] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise VigiaError("`%s` exited %d: %s" % (" ".join(cmd), p.returncode,
                                                p.stderr.strip()[:500]))
    return p.stdout


def vigia_json(*args):
    return json.loads(run_vigia(*args))


def profile_json(path, *extra):
    return vigia_json("profile", path, "--format", "json", *extra)


# ---------------------------------------------------------------------------------------------
# Reporting


class Suite:
    """Prints `PASS name` / `FAIL name: detail` lines and remembers whether anything failed."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.t0 = time.time()

    def check(self, name, problems, max_shown=4):
        """problems: a list of strings (empty = pass), or a bool."""
        if isinstance(problems, bool):
            problems = [] if problems else ["check failed"]
        if not problems:
            self.passed += 1
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            shown = "; ".join(str(p) for p in problems[:max_shown])
            more = " (+%d more)" % (len(problems) - max_shown) if len(problems) > max_shown else ""
            print("FAIL %s: %s%s" % (name, shown, more), flush=True)

    def group(self, name, fn, *args):
        """Runs a function that makes checks; an exception is reported as a failure of the
        group (so a crash of vigia or of the test code can never pass silently)."""
        try:
            fn(self, *args)
        except Exception as e:  # noqa: BLE001 - any error is a failure
            tb = traceback.format_exc(limit=3).strip().splitlines()
            detail = "%s: %s" % (type(e).__name__, e)
            if not isinstance(e, VigiaError):
                detail += " [" + " | ".join(l.strip() for l in tb[-3:]) + "]"
            self.check(name, [detail.replace("\n", " ")])

    def finish(self):
        dt = time.time() - self.t0
        print("# %d passed, %d failed in %.1f s" % (self.passed, self.failed, dt), flush=True)
        return 1 if self.failed else 0


# ---------------------------------------------------------------------------------------------
# Writing data


def fmt_floats(a):
    """Shortest round-trip text of each double (Python repr), like '%.17g' but shorter."""
    return list(map(repr, np.asarray(a, dtype=np.float64).tolist()))


def fmt_ints(a):
    return list(map(str, np.asarray(a, dtype=np.int64).tolist()))


def write_csv_columns(path, names, columns):
    """Writes a CSV whose cells are already text (lists of str of equal length) that need no
    quoting (no separator, quote or line break); use write_csv_quoted for arbitrary text."""
    with open(path, "w", newline="") as f:
        f.write(",".join(names) + "\n")
        if columns and len(columns[0]):
            f.write("\n".join(map(",".join, zip(*columns))))
            f.write("\n")


def write_csv_quoted(path, names, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names)
        w.writerows(rows)


def needs_quote(s):
    return any(ch in s for ch in ',"\n\r')


# ---------------------------------------------------------------------------------------------
# Classification oracle: how pandas.read_csv types a cell on its own


def pandas_kind_of_dtype(dtype):
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "fractional"
    return "string"


def pandas_cell_kinds(texts):
    """Maps each cell text to 'missing', 'integer', 'fractional', 'boolean' or 'string' as
    pandas.read_csv (default options) types a column holding only that cell: one wide
    one-row CSV, read once."""
    texts = list(dict.fromkeys(texts))
    if not texts:
        return {}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["c%d" % i for i in range(len(texts))])
    w.writerow(texts)
    buf.seek(0)
    df = pd.read_csv(buf)
    na = df.isna().to_numpy()[0]
    return {t: "missing" if na[i] else pandas_kind_of_dtype(dt)
            for i, (t, dt) in enumerate(zip(texts, df.dtypes.tolist()))}


def text_shape(t):
    """A cell's spelling with each run of digits replaced by its length ('-1.5e+300' ->
    '-d1.d1e+d3'): texts of one shape are typed alike by a number parser."""
    return re.sub(r"\d+", lambda m: "d%d" % len(m.group()), t)


def pandas_cell_kinds_by_shape(texts):
    """pandas_cell_kinds for many texts: asks pandas about one text of each shape."""
    reps = {}
    for t in dict.fromkeys(texts):
        reps.setdefault(text_shape(t), t)
    kinds = pandas_cell_kinds(list(reps.values()))
    return {t: kinds[reps[text_shape(t)]] for t in dict.fromkeys(texts)}


def pandas_column_type(nonmissing_texts):
    """vigia-style column type from pandas: the dtype pandas gives a column holding only the
    non-missing cells (pandas turns integer columns with NaN into float64, so missing cells
    are left out first); 'empty' when there are none."""
    if len(nonmissing_texts) == 0:
        return "empty"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["c"])
    w.writerows([t] for t in nonmissing_texts)
    buf.seek(0)
    s = pd.read_csv(buf, keep_default_na=True)["c"]
    return pandas_kind_of_dtype(s.dtype)


# ---------------------------------------------------------------------------------------------
# Comparisons


def jnum(x):
    """What vigia's JSON should hold for a pandas/numpy figure: null for NaN/inf."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def cmp_num(label, got, want, rtol, scale=0.0, atol=0.0):
    """got: vigia JSON value (float or None); want: oracle value (non-finite -> null).
    Passes when |got - want| <= rtol * max(|want|, scale) + atol."""
    want = jnum(want)
    if want is None:
        return [] if got is None else ["%s: got %r, want null (oracle non-finite)" % (label, got)]
    if got is None:
        return ["%s: got null, want %r" % (label, want)]
    tol = rtol * max(abs(want), scale) + atol
    if not abs(got - want) <= tol:
        return ["%s: got %r, want %r (diff %.3g > tol %.3g)" % (label, got, want,
                                                                abs(got - want), tol)]
    return []


def cmp_eq(label, got, want):
    if got != want:
        return ["%s: got %r, want %r" % (label, got, want)]
    return []


def moments_problems(col, x, label=""):
    """Exact fields of a numeric column vs numpy/pandas on the non-missing values x."""
    s = pd.Series(np.asarray(x, dtype=np.float64))
    n = len(s)
    p = []
    pre = label + "." if label else ""
    p += cmp_eq(pre + "numeric_count", col["numeric_count"], n)
    if n == 0:
        for k in ("mean", "std", "variance", "min", "max", "sum"):
            p += cmp_eq(pre + k, col[k], None)
        return p
    with np.errstate(all="ignore"):
        absx = np.abs(s.to_numpy())
        scale = float(np.mean(absx)) if np.all(np.isfinite(absx)) else 0.0
        want_mean = s.mean()
        want_sum = s.sum(min_count=1)
        want_std = s.std(ddof=1)
        want_var = s.var(ddof=1)
    p += cmp_num(pre + "mean", col["mean"], want_mean, 1e-9, scale)
    p += cmp_num(pre + "sum", col["sum"], want_sum, 1e-9, scale * n)
    # std: relative, plus a tiny absolute slack for a (near-)constant column whose std is 0
    p += cmp_num(pre + "std", col["std"], want_std, 1e-9, 0.0, atol=1e-13 * scale)
    p += cmp_num(pre + "variance", col["variance"], want_var, 1e-9, 0.0,
                 atol=(1e-13 * scale) ** 2 if scale < 1e160 else 0.0)
    p += cmp_num(pre + "min", col["min"], s.min(), 1e-9)
    p += cmp_num(pre + "max", col["max"], s.max(), 1e-9)
    p += exact_sum_problems(col, s.to_numpy(), pre)
    return p


U = 2.0 ** -53


def exact_sum_problems(col, x, pre=""):
    """vigia keeps a compensated (Neumaier) sum, so sum and mean must match the exactly rounded
    sum (math.fsum) to within Neumaier's bound, about 2u|S| + O(n u^2) sum|x|, even where
    numpy's pairwise sum (pandas) loses digits. Skipped when values or the sum are not finite."""
    if len(x) == 0 or not np.all(np.isfinite(x)):
        return []
    try:
        exact = math.fsum(x.tolist())
    except (OverflowError, ValueError):
        return []
    if not math.isfinite(exact):
        return []
    n = len(x)
    with np.errstate(over="ignore"):
        sabs = float(np.sum(np.abs(x)))
    if not math.isfinite(sabs):
        return []
    tol = 8 * U * abs(exact) + 16 * n * U * U * sabs + 1e-300
    p = cmp_num(pre + "sum(vs fsum)", col["sum"], exact, 0.0, atol=tol)
    p += cmp_num(pre + "mean(vs fsum/n)", col["mean"], exact / n, 0.0,
                 atol=tol / n + 4 * U * abs(exact / n) + 1e-300)
    return p


def rank_problems(sorted_x, quantiles, eps, label=""):
    """Tie-aware KLL guarantee: the value v reported for q must be a data value whose true
    rank interval [#{x<v}/n, #{x<=v}/n] comes within eps of q. Also checks monotonicity."""
    n = len(sorted_x)
    p = []
    prev = -math.inf
    for key in QKEYS:
        q = float(key)
        v = quantiles.get(key)
        if v is None:
            p.append("%sq%s: null" % (label, key))
            continue
        lt = int(np.searchsorted(sorted_x, v, side="left"))
        le = int(np.searchsorted(sorted_x, v, side="right"))
        if le == lt:
            p.append("%sq%s=%r is not a value of the data" % (label, key, v))
        lo, hi = lt / n, le / n
        if lo > q + eps or hi < q - eps:
            p.append("%sq%s=%r has true rank [%.5f, %.5f], outside %.5f +/- %.5f"
                     % (label, key, v, lo, hi, q, eps))
        if v < prev:
            p.append("%sq%s=%r below the previous quantile %r" % (label, key, v, prev))
        prev = v
    return p


def exact_quantile(sorted_x, q):
    """inverted_cdf: the smallest value whose cumulative count reaches q*n."""
    n = len(sorted_x)
    k = max(1, math.ceil(q * n))
    return float(sorted_x[k - 1])


def is_number_key(k):
    """Keys of true-count dicts: float for numeric values, str or bool otherwise."""
    return isinstance(k, float)


def freq_problems(col, true_counts, n, capacity, keyfn=lambda v: v, label="",
                  require_top1=False):
    """Misra-Gries bounds for the reported top items vs the true counts (dict key->count; keys
    are floats for numeric values): count <= true <= count + offset, offset <= 2n/capacity,
    counts non-increasing, and no value left out whose true count guarantees it a place. The
    true most frequent value must come first when the bounds imply it (its true count minus
    the max error exceeds the runner-up's true count); require_top1 also fails when the data
    does not make it implied.

    With top_includes_numbers false (docs/json.md: a purely numeric column that showed more
    than top_capacity distinct values stops counting numbers), the same is checked over the
    non-numeric values only, after checking that the column did have that many numbers."""
    p = []
    off = col["top_max_error"]
    top = col["top"]
    counted = true_counts
    if col.get("top_includes_numbers", True) is False:
        n_numbers = sum(1 for k in true_counts if is_number_key(k))
        if n_numbers <= capacity:
            p.append("%snumbers uncounted with only %d <= %d distinct numbers"
                     % (label, n_numbers, capacity))
        if col["distinct_exact"]:
            p.append("%sdistinct_exact true while numbers are uncounted" % label)
        for it in top:
            if not isinstance(it["value"], str):
                p.append("%snumber %r listed while numbers are uncounted" % (label, it["value"]))
        counted = {k: v for k, v in true_counts.items() if not is_number_key(k)}
        n = sum(counted.values())
    if off > 2 * n / capacity:
        p.append("%stop_max_error %d > 2n/capacity = %.1f" % (label, off, 2 * n / capacity))
    if col["top_exact"] != (off == 0):
        p.append("%stop_exact %r with top_max_error %d" % (label, col["top_exact"], off))
    if not top:
        if counted:
            p.append("%sno top values, but %d distinct values were counted"
                     % (label, len(counted)))
        return p
    seen = set()
    prev = math.inf
    for it in top:
        k = keyfn(it["value"])
        if k in seen:
            p.append("%svalue %r reported twice" % (label, it["value"]))
        seen.add(k)
        c = it["count"]
        tc = counted.get(k, 0)
        if not (c <= tc <= c + off):
            p.append("%svalue %r: count %d, true %d, bound [%d, %d]"
                     % (label, it["value"], c, tc, c, c + off))
        if c > prev:
            p.append("%scounts not in decreasing order at %r" % (label, it["value"]))
        prev = c
    if counted:
        ranked = sorted(counted.items(), key=lambda kv: -kv[1])
        best, best_n = ranked[0]
        second_n = ranked[1][1] if len(ranked) > 1 else 0
        implied = best_n - off > second_n
        if require_top1 and not implied:
            p.append("%stop-1 not separable: true counts %d and %d with max error %d"
                     % (label, best_n, second_n, off))
        if implied and keyfn(top[0]["value"]) != best:
            p.append("%sfirst item %r, but the true most frequent is %r (%d times)"
                     % (label, top[0]["value"], best, best_n))
    # a value left out occurs at most top_max_error times; one that beats the last listed
    # count by more than that must be listed
    floor = top[-1]["count"] + off if len(top) == 10 else off
    for k, v in counted.items():
        if v > floor and k not in seen:
            p.append("%svalue %r (true count %d > %d) not reported" % (label, k, v, floor))
            break
    return p


def exact_top_problems(col, true_counts, keyfn=lambda v: v, label=""):
    """With top_exact: reported counts equal the true counts, and the reported counts are the
    10 highest true counts."""
    p = []
    if col.get("top_includes_numbers", True) is False:
        p.append("%snumbers uncounted with %d distinct values" % (label, len(true_counts)))
    if not col["top_exact"] or col["top_max_error"] != 0:
        p.append("%stop not exact (top_exact %r, max error %r)" % (label, col["top_exact"],
                                                                 col["top_max_error"]))
    for it in col["top"]:
        k = keyfn(it["value"])
        if it["count"] != true_counts.get(k, 0):
            p.append("%svalue %r: count %d, pandas %d" % (label, it["value"], it["count"],
                                                         true_counts.get(k, 0)))
    want = sorted(true_counts.values(), reverse=True)[:10]
    got = [it["count"] for it in col["top"]]
    if got != want:
        p.append("%stop counts %r, want the highest %r" % (label, got, want))
    return p


def hll_problems(col, true_distinct, rse, capacity, label=""):
    p = []
    d = col["distinct"]
    if true_distinct <= capacity:
        if not col["distinct_exact"]:
            p.append("%sdistinct_exact false with %d <= %d distinct" % (label, true_distinct,
                                                                       capacity))
        if d != true_distinct:
            p.append("%sdistinct %d, pandas nunique %d" % (label, d, true_distinct))
    else:
        if col["distinct_exact"]:
            p.append("%sdistinct_exact true with %d > %d distinct" % (label, true_distinct,
                                                                     capacity))
        rel = abs(d - true_distinct) / true_distinct
        if rel > 3 * rse:
            p.append("%sdistinct %d vs true %d: relative error %.4f > 3*rse = %.4f"
                     % (label, d, true_distinct, rel, 3 * rse))
    return p


def kinds_of(texts, kinds):
    """Counts of each kind over texts, given a text->kind map."""
    out = {"integer": 0, "fractional": 0, "boolean": 0, "string": 0, "missing": 0}
    vals, counts = np.unique(np.asarray(texts, dtype=object).astype(str), return_counts=True)
    for v, c in zip(vals.tolist(), counts.tolist()):
        out[kinds[v]] += c
    return out


# ---------------------------------------------------------------------------------------------
# C drivers: small programs linked against the build's libvigia.a that read commands on stdin
# and print results, so that library functions without a CLI can be checked against scipy.

_ORACLE_DIR = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_ORACLE_DIR))


def build_dir():
    """VIGIA_BUILD, else the directory of $VIGIA (as tests/run.sh sets it), else build."""
    if os.environ.get("VIGIA_BUILD"):
        return os.environ["VIGIA_BUILD"]
    if os.environ.get("VIGIA"):
        return os.path.dirname(os.environ["VIGIA"]) or "."
    return "build"


def compile_driver(name, tmp):
    """Compiles tests/oracle/<name>.c against the build's libvigia.a: plain cc first, then with
    the sanitizer flags that a sanitized library needs at link time."""
    lib = os.path.join(build_dir(), "libvigia.a")
    if not os.path.isabs(lib):
        lib = os.path.join(_ROOT, lib)
    if not os.path.exists(lib):
        raise RuntimeError("%s not found (build first: make)" % lib)
    exe = os.path.join(tmp, name)
    src = os.path.join(_ORACLE_DIR, name + ".c")
    libs = [lib, "-ljansson", "-lyaml", "-lz", "-lm", "-lpthread"]
    attempts = [["cc"], ["clang", "-fsanitize=address,undefined"],
                ["cc", "-fsanitize=address,undefined"]]
    errors = []
    for cc in attempts:
        if not shutil.which(cc[0]):
            continue
        cmd = cc + ["-std=c11", "-I" + os.path.join(_ROOT, "include"), "-o", exe, src] + libs
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode == 0:
            print("# driver built with: %s" % " ".join(cc), flush=True)
            return exe
        errors.append("%s: %s" % (" ".join(cc), p.stderr.strip()[-300:]))
    raise RuntimeError("cannot compile %s: %s" % (name, " | ".join(errors)))


def run_driver(exe, lines, timeout=120):
    """Sends commands (one per list item) to a driver; returns its output lines, one each."""
    text = "\n".join(lines) + "\n"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1")
    p = subprocess.run([exe], input=text, capture_output=True, text=True, timeout=timeout,
                       env=env)
    out = p.stdout.splitlines()
    if p.returncode != 0 or len(out) != len(lines):
        raise RuntimeError("driver exit %d, %d lines for %d commands: %s" % (
            p.returncode, len(out), len(lines), (p.stderr or "\n".join(out[-2:]))[-400:]))
    return out


def driver_main(driver, label, groups, bind):
    """The main() of a driver-based oracle test: builds `driver`, hands it to `bind` (which
    stores it where the test's run() finds it), runs the (name, function) groups of checks."""
    import tempfile

    import scipy
    s = Suite()
    print("# scipy %s, numpy %s, build %s" % (scipy.__version__, np.__version__, build_dir()))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            bind(compile_driver(driver, tmp))
        except Exception as e:  # noqa: BLE001
            s.check("%s:compile driver" % label, [str(e).replace("\n", " ")])
            return s.finish()
        for name, fn in groups:
            s.group(name, fn)
    return s.finish()
