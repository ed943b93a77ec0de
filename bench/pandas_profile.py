# Copyright 2026 The vigia authors
# SPDX-License-Identifier: Apache-2.0
"""The pandas baseline for bench/profile: the summary `vigia profile` computes, done with pandas.

    /usr/bin/python3 bench/pandas_profile.py DATA.csv [--print]

Reads DATA with read_csv, then for every column computes count, missing, nunique and the top
10 of value_counts, and for numeric columns mean, std, min, max and the quantiles 0.01 0.05
0.25 0.5 0.75 0.95 0.99 (exact, where vigia's are sketched). The time covers read_csv and the
summary, not interpreter start-up or `import pandas` (bench/profile also reports the whole
process). The last line of output is machine-readable:

    pandas_seconds read=R summary=S total=T rows=N
"""
import sys
import time

QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]


def summarize(df):
    import pandas as pd

    out = {}
    for name in df.columns:
        s = df[name]
        col = {
            "count": int(s.count()),
            "missing": int(s.isna().sum()),
            "nunique": int(s.nunique()),
            "top": s.value_counts().head(10),
        }
        if pd.api.types.is_numeric_dtype(s):
            col["mean"] = s.mean()
            col["std"] = s.std()
            col["min"] = s.min()
            col["max"] = s.max()
            col["quantiles"] = s.quantile(QUANTILES)
        out[name] = col
    return out


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    path = argv[1]
    show = "--print" in argv[2:]
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    t1 = time.perf_counter()
    summary = summarize(df)
    t2 = time.perf_counter()
    if show:
        for name, col in summary.items():
            nums = " ".join(
                "%s=%.6g" % (k, col[k]) for k in ("mean", "std", "min", "max") if k in col
            )
            print("%-12s count=%d missing=%d nunique=%d %s" %
                  (name, col["count"], col["missing"], col["nunique"], nums))
            if "quantiles" in col:
                print("%12s q=%s" % ("", " ".join("%.6g" % v for v in col["quantiles"])))
            top = ", ".join("%s (%d)" % (k, v) for k, v in list(col["top"].items())[:3])
            print("%12s top=%s" % ("", top))
    print("pandas_seconds read=%.3f summary=%.3f total=%.3f rows=%d" %
          (t1 - t0, t2 - t1, t2 - t0, len(df)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
