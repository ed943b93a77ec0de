#!/usr/bin/python3
"""Oracle tests for libvigia's model-quality metrics (src/perf/, vigia/perf.h) against
scikit-learn 1.2.1 (sklearn.metrics, sklearn.calibration.calibration_curve) and numpy.

Binary, multiclass and regression metrics on random data and on the adversarial cases the
issue names: ties in scores, a single class present, all-correct and all-wrong predictions,
n = 1, perfectly separated scores, scores on the calibration bin edges. The streaming forms
are checked against the batch: exactly where exact (confusion counts and everything computed
from them), to rounding for the sums, and within the reported bound for the histogram-based
ROC AUC and average precision; merging shards against one stream of the whole. Bad input
must be refused with VG_ERR_INVALID naming the array and index.

Run: VIGIA_BUILD=build /usr/bin/python3 tests/oracle/test_perf.py
(the C side is tests/oracle/perf_driver.c, compiled here against $VIGIA_BUILD/libvigia.a).
Prints `PASS name` / `FAIL name: detail`; exits 1 if any check failed.

A value passes when |got - want| <= 1e-9 |want| + 1e-12 (NaN only against NaN); each PASS
line of a random group names the largest relative error seen.
"""
import math
import os
import sys
import warnings

import numpy as np
import sklearn
import sklearn.metrics as skm
from sklearn.calibration import calibration_curve

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util  # noqa: E402

RTOL, ATOL = 1e-9, 1e-12
DRIVER = None
RNG = np.random.default_rng(20261125)


def run(lines, timeout=300):
    return oracle_util.run_driver(DRIVER, lines, timeout)


def fl(a):
    return " ".join(map(repr, np.asarray(a, dtype=np.float64).tolist()))


def it(a):
    return " ".join(map(str, np.asarray(a, dtype=np.int64).tolist()))


class Worst:
    """Collects problems and the largest relative error of a group of comparisons."""

    def __init__(self):
        self.problems = []
        self.worst = 0.0

    def num(self, label, got, want, rtol=RTOL, atol=ATOL):
        got, want = float(got), float(want)
        if math.isnan(want) or math.isnan(got):
            if not (math.isnan(want) and math.isnan(got)):
                self.problems.append("%s: got %r, want %r" % (label, got, want))
            return
        if math.isinf(want) or math.isinf(got):
            if got != want:
                self.problems.append("%s: got %r, want %r" % (label, got, want))
            return
        e = abs(got - want)
        if want != 0 and e > 0:
            self.worst = max(self.worst, e / abs(want))
        if not e <= rtol * abs(want) + atol:
            self.problems.append("%s: got %r, want %r (diff %.3g)" % (label, got, want, e))

    def arr(self, label, got, want, rtol=RTOL, atol=ATOL):
        got, want = np.asarray(got, float), np.asarray(want, float)
        if got.shape != want.shape:
            self.problems.append("%s: %d values, want %d" % (label, got.size, want.size))
            return
        for i, (g, w) in enumerate(zip(got.tolist(), want.tolist())):
            self.num("%s[%d]" % (label, i), g, w, rtol, atol)

    def eq(self, label, got, want):
        if got != want:
            self.problems.append("%s: got %r, want %r" % (label, got, want))


# ---- parsing the driver's lines ---------------------------------------------------------------


class Tokens:
    def __init__(self, line):
        self.t = line.split()
        assert self.t[0] == "OK", line[:300]
        self.i = 1

    def u(self):
        self.i += 1
        return int(self.t[self.i - 1])

    def d(self):
        self.i += 1
        return float(self.t[self.i - 1])

    def us(self, n):
        return [self.u() for _ in range(n)]

    def ds(self, n):
        return [self.d() for _ in range(n)]


BIN_FIELDS = ["n", "n_pos", "n_neg", "tn", "fp", "fn", "tp"]
BIN_METRICS = ["accuracy", "precision", "recall", "f1", "specificity", "balanced_accuracy", "mcc"]
BIN_SCORE = ["roc_auc", "average_precision", "log_loss", "brier", "ece", "roc_auc_bound",
             "average_precision_bound"]


def parse_curve(t):
    n, full = t.u(), t.u()
    return {"n": n, "n_full": full, "x": t.ds(n), "y": t.ds(n), "thr": t.ds(n)}


def parse_binary(line):
    t = Tokens(line)
    r = {k: t.u() for k in BIN_FIELDS}
    r.update({k: t.d() for k in BIN_METRICS})
    r["single_class"], r["has_scores"] = t.u(), t.u()
    r.update({k: t.d() for k in BIN_SCORE})
    if r["has_scores"]:
        b = t.u()
        r["cal_count"], r["cal_true"], r["cal_pred"] = t.us(b), t.ds(b), t.ds(b)
        r["roc"], r["pr"] = parse_curve(t), parse_curve(t)
    return r


def parse_multiclass(line):
    t = Tokens(line)
    k = t.u()
    r = {"k": k, "n": t.u(), "confusion": np.array(t.us(k * k)).reshape(k, k)}
    r["precision"], r["recall"], r["f1"], r["support"] = t.ds(k), t.ds(k), t.ds(k), t.us(k)
    for name in ["accuracy", "balanced_accuracy", "mcc", "macro_precision", "macro_recall",
                 "macro_f1", "micro_precision", "micro_recall", "micro_f1",
                 "weighted_precision", "weighted_recall", "weighted_f1"]:
        r[name] = t.d()
    r["has_proba"], r["log_loss"], r["top_k"], r["top_k_accuracy"] = t.u(), t.d(), t.u(), t.d()
    return r


def parse_regression(line):
    t = Tokens(line)
    r = {"n": t.u(), "mae": t.d(), "mse": t.d(), "rmse": t.d(), "mape": t.d(),
         "zero_targets": t.u(), "mape_nonzero": t.d(), "r2": t.d(), "median_ae": t.d(),
         "mean_error": t.d()}
    r["q"] = t.ds(t.u())
    return r


# ---- binary -----------------------------------------------------------------------------------


def bin_cmd(y, s=None, pred=None, thr=0.5, points=201, bins=10, shards=0, score_bins=1000):
    return "bin %d %d %d %r %d %d %d %d %s %s %s" % (
        len(y), s is not None, pred is not None, float(thr), points, bins, shards, score_bins,
        it(y), fl(s) if s is not None else "", it(pred) if pred is not None else "")


def quiet(fn, *a, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*a, **kw)


def sk_binary(y, s, pred, thr, bins):
    """Everything sklearn says about one binary case."""
    if pred is None:
        pred = (s >= thr).astype(int)
    w = {}
    cm = skm.confusion_matrix(y, pred, labels=[0, 1])
    w["tn"], w["fp"], w["fn"], w["tp"] = (int(v) for v in cm.ravel())
    w["accuracy"] = skm.accuracy_score(y, pred)
    w["precision"] = quiet(skm.precision_score, y, pred, zero_division=0)
    w["recall"] = quiet(skm.recall_score, y, pred, zero_division=0)
    w["f1"] = quiet(skm.f1_score, y, pred, zero_division=0)
    w["specificity"] = quiet(skm.recall_score, y, pred, pos_label=0, zero_division=0)
    w["balanced_accuracy"] = quiet(skm.balanced_accuracy_score, y, pred)
    w["mcc"] = quiet(skm.matthews_corrcoef, y, pred)
    if s is None:
        return w
    both = len(np.unique(y)) == 2
    w["roc_auc"] = skm.roc_auc_score(y, s) if both else math.nan
    w["average_precision"] = quiet(skm.average_precision_score, y, s)
    w["log_loss"] = skm.log_loss(y, s, labels=[0, 1])
    w["brier"] = skm.brier_score_loss(y, s)
    pt, pp = calibration_curve(y, s, n_bins=bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], s)
    count = np.bincount(ids, minlength=bins)
    w["cal_count"] = count.tolist()
    w["cal_true"], w["cal_pred"] = pt, pp
    nz = count[count > 0]
    w["ece"] = float(np.sum(nz / len(y) * np.abs(pt - pp)))
    w["roc"] = quiet(skm.roc_curve, y, s)
    w["pr"] = quiet(skm.precision_recall_curve, y, s)
    return w


def curve_problems(wk, label, got, xs, ys, ths, points, pr=False):
    """A curve equal to sklearn's when short enough; otherwise a subset of its points that
    keeps the first and the last, no longer than `points`."""
    full = len(xs)
    ths = np.append(ths, math.nan) if pr else ths
    wk.eq(label + ".n_full", got["n_full"], full)
    if full <= points:
        wk.arr(label + ".x", got["x"], xs)
        wk.arr(label + ".y", got["y"], ys)
        wk.arr(label + ".threshold", got["thr"], ths)
        return
    if got["n"] > points or got["n"] < 2:
        wk.problems.append("%s: %d points kept of %d, max %d" % (label, got["n"], full, points))
    idx = []
    for th in got["thr"]:
        m = np.nonzero(ths == th)[0] if not math.isnan(th) else [full - 1]
        if len(m) != 1:
            wk.problems.append("%s: threshold %r not in sklearn's curve" % (label, th))
            return
        idx.append(int(m[0]))
    if idx[0] != 0 or idx[-1] != full - 1 or any(b <= a for a, b in zip(idx, idx[1:])):
        wk.problems.append("%s: kept indices not increasing from first to last" % label)
        return
    wk.arr(label + ".x", got["x"], xs[idx])
    wk.arr(label + ".y", got["y"], ys[idx])


def check_binary(wk, tag, r, y, s, pred, thr=0.5, bins=10, points=201):
    w = sk_binary(np.asarray(y), None if s is None else np.asarray(s, float),
                  None if pred is None else np.asarray(pred), thr, bins)
    for k in ["tn", "fp", "fn", "tp"]:
        wk.eq(tag + "." + k, r[k], w[k])
    for k in BIN_METRICS:
        wk.num(tag + "." + k, r[k], w[k])
    wk.eq(tag + ".single_class", r["single_class"], int(len(np.unique(y)) < 2))
    if s is None:
        wk.eq(tag + ".has_scores", r["has_scores"], 0)
        for k in ["roc_auc", "average_precision", "log_loss", "brier", "ece"]:
            wk.num(tag + "." + k, r[k], math.nan)
        return
    for k in ["roc_auc", "average_precision", "log_loss", "brier", "ece"]:
        wk.num(tag + "." + k, r[k], w[k])
    wk.eq(tag + ".cal_count", r["cal_count"], w["cal_count"])
    nz = [i for i, c in enumerate(r["cal_count"]) if c]
    wk.arr(tag + ".cal_prob_true", np.asarray(r["cal_true"])[nz], w["cal_true"])
    wk.arr(tag + ".cal_prob_pred", np.asarray(r["cal_pred"])[nz], w["cal_pred"])
    fpr, tpr, th = w["roc"]
    curve_problems(wk, tag + ".roc", r["roc"], fpr, tpr, th, points)
    prec, rec, th = w["pr"]
    curve_problems(wk, tag + ".pr", r["pr"], rec, prec, th, points, pr=True)


def random_binary(n, kind):
    y = (RNG.random(n) < RNG.choice([0.05, 0.3, 0.5, 0.9])).astype(int)
    if kind == 0:  # informative continuous scores
        s = 1 / (1 + np.exp(-(RNG.normal(0, 1, n) + 1.5 * (2 * y - 1))))
    elif kind == 1:  # heavy ties
        s = RNG.integers(0, 11, n) / 10
    elif kind == 2:  # ties from rounding, informative
        s = np.round(np.clip(0.5 + 0.3 * (2 * y - 1) + RNG.normal(0, 0.25, n), 0, 1), 2)
    else:  # uninformative, extremes included
        s = RNG.choice([0.0, 1.0, RNG.random()], n)
    return y, s


def binary_random(s):
    cases = []
    for i in range(120):
        n = int(RNG.choice([1, 2, 3, 5, 17, 100, 1000, 5000]))
        y, sc = random_binary(n, i % 4)
        thr = float(RNG.choice([0.5, 0.3, 0.7, 0.0, 1.0]))
        pred = (RNG.random(n) < 0.5).astype(int) if i % 5 == 4 else None
        points = int(RNG.choice([2, 5, 201]))
        bins = int(RNG.choice([10, 7, 3, 1]))
        cases.append((y, sc, pred, thr, points, bins))
    out = run([bin_cmd(y, sc, p, t, pts, b) for (y, sc, p, t, pts, b) in cases])
    wk = Worst()
    for j, ((y, sc, p, t, pts, b), line) in enumerate(zip(cases, out)):
        check_binary(wk, "case%d(n=%d)" % (j, len(y)), parse_binary(line), y, sc, p, t, b, pts)
    s.check("binary:random vs sklearn [%d cases, n 1-5000, ties; max rel err %.1e]"
            % (len(cases), wk.worst), wk.problems)


def binary_edges(s):
    cases = {
        "n=1 positive": ([1], [0.7], None),
        "n=1 negative": ([0], [0.2], None),
        "n=1 wrong": ([1], [0.2], None),
        "all positive": ([1] * 6, [0.1, 0.5, 0.9, 0.9, 1.0, 0.0], None),
        "all negative": ([0] * 6, [0.1, 0.5, 0.9, 0.9, 1.0, 0.0], None),
        "all correct": ([0, 1, 0, 1, 1], [0.1, 0.9, 0.4, 0.6, 0.5], None),
        "all wrong": ([1, 0, 1, 0, 0], [0.1, 0.9, 0.4, 0.6, 0.5], None),
        "perfectly separated": ([0] * 50 + [1] * 50, np.r_[np.linspace(0, 0.4, 50),
                                                           np.linspace(0.6, 1, 50)], None),
        "perfectly inverted": ([1] * 50 + [0] * 50, np.r_[np.linspace(0, 0.4, 50),
                                                          np.linspace(0.6, 1, 50)], None),
        "all tied": ([0, 1, 1, 0, 1], [0.5] * 5, None),
        "scores 0 and 1 only": ([0, 1, 1, 0, 1, 0, 0], [0, 1, 0, 0, 1, 1, 0], None),
        "on bin edges": ([0, 1] * 11, np.repeat(np.linspace(0, 1, 11), 2), None),
        "labels only": ([0, 1, 1, 0, 1], None, [0, 1, 0, 0, 1]),
        "labels only, single class": ([1, 1, 1], None, [1, 0, 1]),
        "labels all wrong": ([0, 1, 1], None, [1, 0, 0]),
        "predict none positive": ([0, 1, 1, 0], [0.1, 0.2, 0.3, 0.4], None),
        "given pred beats score": ([0, 1, 1, 0], [0.1, 0.2, 0.3, 0.4], [0, 1, 1, 0]),
        "sklearn docs example": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], None),
        "extreme probabilities": ([0, 1, 0, 1], [1e-300, 1 - 1e-17, 1.0, 0.0], None),
    }
    lines = [bin_cmd(y, sc, p) for (y, sc, p) in cases.values()]
    for (name, (y, sc, p)), line in zip(cases.items(), run(lines)):
        wk = Worst()
        check_binary(wk, name, parse_binary(line), np.asarray(y),
                     None if sc is None else np.asarray(sc, float), p)
        s.check("binary:%s" % name, wk.problems)


def binary_large(s):
    # thinned curves of a single class (one axis NaN), and a large n with heavy ties
    y0 = np.zeros(1000, int)
    sc0 = RNG.random(1000)
    n = 300000
    y = (RNG.random(n) < 0.2).astype(int)
    sc = np.round(np.clip(0.4 + 0.3 * y + RNG.normal(0, 0.2, n), 0, 1), 3)
    out = run([bin_cmd(y0, sc0, points=5), bin_cmd(1 - y0, sc0, points=5),
               bin_cmd(y, sc, points=101, bins=15)])
    for name, line, yy, ss, pts, b in [("single negative class, thinned", out[0], y0, sc0, 5, 10),
                                       ("single positive class, thinned", out[1], 1 - y0, sc0, 5,
                                        10),
                                       ("n=300000, 1001 distinct scores", out[2], y, sc, 101, 15)]:
        wk = Worst()
        check_binary(wk, name, parse_binary(line), yy, ss, None, 0.5, b, pts)
        s.check("binary:%s [max rel err %.1e]" % (name, wk.worst), wk.problems)


def hist_auc_bound(y, sc, bins):
    b = np.minimum((np.asarray(sc) * bins).astype(np.int64), bins - 1)
    pos = np.bincount(b[y == 1], minlength=bins).astype(float)
    neg = np.bincount(b[y == 0], minlength=bins).astype(float)
    return 0.5 * float(np.sum(pos * neg)) / pos.sum() / neg.sum()


def binary_stream(s):
    cases = []
    for i in range(40):
        n = int(RNG.choice([1, 2, 10, 300, 3000]))
        y, sc = random_binary(n, i % 4)
        shards = int(RNG.choice([1, 2, 5, 13]))
        sbins = int(RNG.choice([1, 10, 100, 1000]))
        pred = (RNG.random(n) < 0.5).astype(int) if i % 6 == 5 else None
        cases.append((y, sc, pred, shards, sbins))
    lines = []
    for (y, sc, p, shards, sb) in cases:
        lines += [bin_cmd(y, sc, p), bin_cmd(y, sc, p, shards=1, score_bins=sb),
                  bin_cmd(y, sc, p, shards=shards, score_bins=sb)]
    out = run(lines)
    exact, bounds, merge = Worst(), Worst(), Worst()
    for j, (y, sc, p, shards, sb) in enumerate(cases):
        b, one, many = (parse_binary(x) for x in out[3 * j:3 * j + 3])
        tag = "case%d(n=%d,B=%d)" % (j, len(y), sb)
        for k in BIN_FIELDS + BIN_METRICS + ["single_class", "cal_count"]:
            exact.eq(tag + "." + k, one[k], b[k])
        for k in ["log_loss", "brier", "ece"]:
            exact.num(tag + "." + k, one[k], b[k], 1e-12, 1e-15)
        exact.arr(tag + ".cal_prob_true", one["cal_true"], b["cal_true"], 0, 0)
        exact.arr(tag + ".cal_prob_pred", one["cal_pred"], b["cal_pred"], 1e-12, 1e-15)
        # AUC and AP within the reported bound of the exact (batch = sklearn) values
        want_bound = hist_auc_bound(y, sc, sb) if not b["single_class"] else math.nan
        bounds.num(tag + ".roc_auc_bound", one["roc_auc_bound"], want_bound, 1e-12, 1e-15)
        for k, bk in [("roc_auc", "roc_auc_bound"), ("average_precision",
                                                    "average_precision_bound")]:
            if math.isnan(b[k]):
                bounds.num(tag + "." + k, one[k], b[k])
                continue
            if not abs(one[k] - b[k]) <= one[bk] + 1e-12:
                bounds.problems.append("%s.%s: stream %r, exact %r, beyond bound %r"
                                       % (tag, k, one[k], b[k], one[bk]))
        # shards merged = one stream of the whole
        for k in BIN_FIELDS + ["single_class", "cal_count"]:
            merge.eq(tag + ".merged." + k, many[k], one[k])
        for k in BIN_METRICS + ["roc_auc", "average_precision", "roc_auc_bound"]:
            merge.num(tag + ".merged." + k, many[k], one[k], 0, 0)  # from the same counts
        for k in ["log_loss", "brier", "ece", "average_precision_bound"]:
            merge.num(tag + ".merged." + k, many[k], one[k], 1e-12, 1e-15)
        for c in ["roc", "pr"]:
            merge.eq(tag + ".merged.%s.n" % c, many[c]["n"], one[c]["n"])
            for f in ["x", "y", "thr"]:
                merge.arr(tag + ".merged.%s.%s" % (c, f), many[c][f], one[c][f], 0, 0)
    s.check("binary stream: label metrics and calibration counts = batch exactly, losses to "
            "1e-12 [%d cases]" % len(cases), exact.problems)
    s.check("binary stream: |AUC - exact| and |AP - exact| within the reported bounds; the AUC "
            "bound recomputed from the data", bounds.problems)
    s.check("binary stream: shards merged = one stream of the whole", merge.problems)

    # labels only: a stream without scores = the batch without scores, exactly
    y = (RNG.random(500) < 0.3).astype(int)
    p = (RNG.random(500) < 0.4).astype(int)
    out = run([bin_cmd(y, None, p), bin_cmd(y, None, p, shards=3, score_bins=10)])
    b, st = parse_binary(out[0]), parse_binary(out[1])
    wk = Worst()
    for k in BIN_FIELDS + ["single_class", "has_scores"]:
        wk.eq(k, st[k], b[k])
    for k in BIN_METRICS + ["roc_auc", "average_precision", "log_loss", "brier", "ece"]:
        wk.num(k, st[k], b[k], 0, 0)
    check_binary(wk, "labels-only stream", st, y, None, p)
    s.check("binary stream: labels only, 3 shards = batch = sklearn", wk.problems)

    # one distinct score per histogram bin: the histogram is the data, AUC and AP exact
    y = (RNG.random(2000) < 0.4).astype(int)
    sc = (RNG.integers(0, 100, 2000) + 0.5) / 100
    out = run([bin_cmd(y, sc, None), bin_cmd(y, sc, None, shards=4, score_bins=100)])
    b, st = parse_binary(out[0]), parse_binary(out[1])
    wk = Worst()
    for k in ["roc_auc", "average_precision"]:
        wk.num(k, st[k], b[k], 1e-12, 0)
    wk.num("auc vs sklearn", st["roc_auc"], skm.roc_auc_score(y, sc))
    wk.num("ap vs sklearn", st["average_precision"], skm.average_precision_score(y, sc))
    s.check("binary stream: scores on bin centres give the exact AUC and AP", wk.problems)


# ---- multiclass -------------------------------------------------------------------------------


def mc_cmd(y, k, top_k=0, proba=None, pred=None, shards=0):
    return "mc %d %d %d %d %d %d %s %s %s" % (
        len(y), k, top_k, proba is not None, pred is not None, shards, it(y),
        fl(np.asarray(proba).ravel()) if proba is not None else "",
        it(pred) if pred is not None else "")


def check_multiclass(wk, tag, r, y, k, top_k, proba, pred):
    y = np.asarray(y)
    labels = list(range(k))
    if pred is None:
        pred = np.argmax(proba, axis=1)
    wk.eq(tag + ".confusion", r["confusion"].tolist(),
          skm.confusion_matrix(y, pred, labels=labels).tolist())
    p, rc, f, sup = quiet(skm.precision_recall_fscore_support, y, pred, labels=labels,
                          zero_division=0)
    wk.arr(tag + ".precision", r["precision"], p)
    wk.arr(tag + ".recall", r["recall"], rc)
    wk.arr(tag + ".f1", r["f1"], f)
    wk.eq(tag + ".support", r["support"], sup.tolist())
    wk.num(tag + ".accuracy", r["accuracy"], skm.accuracy_score(y, pred))
    wk.num(tag + ".balanced_accuracy", r["balanced_accuracy"],
           quiet(skm.balanced_accuracy_score, y, pred))
    wk.num(tag + ".mcc", r["mcc"], quiet(skm.matthews_corrcoef, y, pred))
    for avg in ["macro", "micro", "weighted"]:
        for name, fn in [("precision", skm.precision_score), ("recall", skm.recall_score),
                         ("f1", skm.f1_score)]:
            wk.num("%s.%s_%s" % (tag, avg, name), r["%s_%s" % (avg, name)],
                   quiet(fn, y, pred, labels=labels, average=avg, zero_division=0))
    if proba is None:
        wk.num(tag + ".log_loss", r["log_loss"], math.nan)
        return
    wk.num(tag + ".log_loss", r["log_loss"], skm.log_loss(y, proba, labels=labels))
    if top_k:
        wk.num(tag + ".top_k_accuracy", r["top_k_accuracy"],
               quiet(skm.top_k_accuracy_score, y, proba, k=top_k, labels=labels))


def random_mc(n, k, kind):
    y = RNG.integers(0, k, n)
    if kind == 0:
        logits = RNG.normal(0, 1, (n, k))
        logits[np.arange(n), y] += 1.5
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    elif kind == 1:  # ties within rows
        proba = RNG.integers(0, 4, (n, k)) / 4
    else:  # rows that do not sum to 1, zeros and ones
        proba = RNG.choice([0.0, 0.2, 0.5, 1.0], (n, k))
    return y, proba


def multiclass_random(s):
    cases = []
    for i in range(80):
        n = int(RNG.choice([1, 2, 7, 100, 2000]))
        k = int(RNG.choice([3, 4, 5, 10, 13]))
        y, proba = random_mc(n, k, i % 3)
        top_k = int(RNG.choice([1, 2, 3, k]))
        pred = RNG.integers(0, k, n) if i % 4 == 3 else None
        if i % 7 == 6:
            proba = None
            pred = RNG.integers(0, k, n)
        cases.append((y, k, top_k, proba, pred))
    out = run([mc_cmd(*c) for c in cases])
    wk = Worst()
    for j, (c, line) in enumerate(zip(cases, out)):
        check_multiclass(wk, "case%d(n=%d,k=%d)" % (j, len(c[0]), c[1]), parse_multiclass(line),
                         *c)
    s.check("multiclass:random vs sklearn [%d cases; max rel err %.1e]" % (len(cases), wk.worst),
            wk.problems)


def multiclass_edges(s):
    eye = np.eye(4) * 0.7 + 0.1
    cases = {
        "n=1": ([2], 3, 1, [[0.2, 0.3, 0.5]], None),
        "single class in y_true": ([1] * 5, 3, 2, RNG.dirichlet([1, 1, 1], 5), None),
        "all correct": ([0, 1, 2, 3], 4, 1, eye, None),
        "all wrong": ([1, 2, 3, 0], 4, 1, eye, None),
        "all-tied rows": ([0, 1, 2, 3, 3], 4, 2, np.full((5, 4), 0.25), None),
        "top_k >= k": ([0, 1, 2], 3, 5, RNG.dirichlet([1, 1, 1], 3), None),
        "unused declared class": ([0, 1, 0, 1], 4, 1, None, [0, 1, 1, 1]),
        "k=2 labels": ([0, 1, 1, 0, 1], 2, 0, None, [0, 1, 0, 0, 1]),
        "k=2 proba": ([0, 1, 1, 0, 1], 2, 0, [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4],
                                              [0.5, 0.5], [0.0, 1.0]], None),
    }
    out = run([mc_cmd(*c) for c in cases.values()])
    for (name, c), line in zip(cases.items(), out):
        wk = Worst()
        y, k, top_k, proba, pred = c
        check_multiclass(wk, name, parse_multiclass(line), y, k, top_k,
                         None if proba is None else np.asarray(proba, float), pred)
        s.check("multiclass:%s" % name, wk.problems)


def multiclass_stream(s):
    cases = []
    for i in range(20):
        n = int(RNG.choice([1, 5, 300, 3000]))
        k = int(RNG.choice([3, 6]))
        y, proba = random_mc(n, k, i % 3)
        pred = RNG.integers(0, k, n) if i % 2 else None
        if i % 5 == 4:  # labels only
            proba, pred = None, RNG.integers(0, k, n)
        cases.append((y, k, 2, proba, pred, int(RNG.choice([1, 3, 11]))))
    lines = []
    for (y, k, t, pa, p, sh) in cases:
        lines += [mc_cmd(y, k, t, pa, p), mc_cmd(y, k, t, pa, p, 1), mc_cmd(y, k, t, pa, p, sh)]
    out = run(lines)
    wk = Worst()
    for j in range(len(cases)):
        b, one, many = (parse_multiclass(x) for x in out[3 * j:3 * j + 3])
        for name, r in [("stream", one), ("merged", many)]:
            for key in b:
                if key == "log_loss":
                    wk.num("case%d.%s.log_loss" % (j, name), r[key], b[key], 1e-12, 1e-15)
                elif key == "confusion":
                    wk.eq("case%d.%s.confusion" % (j, name), r[key].tolist(), b[key].tolist())
                elif isinstance(b[key], float) and math.isnan(b[key]):
                    wk.num("case%d.%s.%s" % (j, name, key), r[key], b[key])
                else:
                    wk.eq("case%d.%s.%s" % (j, name, key), r[key], b[key])
    s.check("multiclass stream and merged shards = batch (exactly; log loss to 1e-12) "
            "[%d cases]" % len(cases), wk.problems)


# ---- regression -------------------------------------------------------------------------------

QS = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]


def reg_cmd(y, p, qs=QS, shards=0):
    return "reg %d %d %d %s %s %s" % (len(y), len(qs), shards, fl(qs), fl(y), fl(p))


def check_regression(wk, tag, r, y, p, qs=QS):
    y, p = np.asarray(y, float), np.asarray(p, float)
    wk.num(tag + ".mae", r["mae"], skm.mean_absolute_error(y, p))
    wk.num(tag + ".mse", r["mse"], skm.mean_squared_error(y, p))
    wk.num(tag + ".rmse", r["rmse"], skm.mean_squared_error(y, p, squared=False))
    wk.num(tag + ".mape", r["mape"], skm.mean_absolute_percentage_error(y, p))
    wk.num(tag + ".r2", r["r2"], quiet(skm.r2_score, y, p))
    wk.num(tag + ".median_ae", r["median_ae"], skm.median_absolute_error(y, p))
    wk.num(tag + ".mean_error", r["mean_error"], np.mean(p - y), RTOL,
           ATOL + 1e-15 * float(np.mean(np.abs(p - y))))
    nz = y != 0
    wk.eq(tag + ".zero_targets", r["zero_targets"], int(np.sum(~nz)))
    wk.num(tag + ".mape_nonzero", r["mape_nonzero"],
           np.mean(np.abs(p[nz] - y[nz]) / np.abs(y[nz])) if nz.any() else math.nan)
    wk.arr(tag + ".error_quantiles", r["q"], np.quantile(p - y, qs))


def random_reg(n, kind):
    if kind == 0:
        y = RNG.normal(10, 3, n)
        p = y + RNG.normal(0.5, 1, n)
    elif kind == 1:  # integers with zeros and ties
        y = RNG.integers(-3, 4, n).astype(float)
        p = RNG.integers(-3, 4, n).astype(float)
    elif kind == 2:  # large offset
        y = 1e9 + RNG.normal(0, 1, n)
        p = y + RNG.normal(0, 0.1, n)
    else:  # heavy tails, mixed scales
        y = RNG.standard_cauchy(n) * 100
        p = y * RNG.uniform(0.5, 1.5, n)
    return y, p


def regression_random(s):
    cases = [random_reg(int(RNG.choice([1, 2, 3, 10, 255, 256, 1000, 20000])), i % 4)
             for i in range(60)]
    out = run([reg_cmd(y, p) for (y, p) in cases])
    wk = Worst()
    for j, ((y, p), line) in enumerate(zip(cases, out)):
        check_regression(wk, "case%d(n=%d)" % (j, len(y)), parse_regression(line), y, p)
    s.check("regression:random vs sklearn/numpy [%d cases; max rel err %.1e]"
            % (len(cases), wk.worst), wk.problems)


def regression_edges(s):
    cases = {
        "n=1": ([3.0], [2.0]),
        "perfect": ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
        "constant target, perfect": ([5.0] * 4, [5.0] * 4),
        "constant target, wrong": ([5.0] * 4, [5.0, 6.0, 5.0, 4.0]),
        "zero targets": ([0.0, 0.0, 1.0, -2.0], [0.5, 0.0, 1.5, -2.0]),
        "all zero targets": ([0.0, 0.0], [1.0, -1.0]),
        "constant prediction": ([1.0, 2.0, 3.0, 4.0], [2.5] * 4),
        "tiny targets": ([1e-300, -1e-310, 2e-16], [0.0, 0.0, 0.0]),
    }
    out = run([reg_cmd(y, p) for (y, p) in cases.values()])
    for (name, (y, p)), line in zip(cases.items(), out):
        wk = Worst()
        check_regression(wk, name, parse_regression(line), y, p)
        s.check("regression:%s" % name, wk.problems)


def regression_stream(s):
    cases = [random_reg(int(RNG.choice([1, 2, 50, 5000])), i % 4) for i in range(20)]
    lines = []
    for (y, p) in cases:
        lines += [reg_cmd(y, p), reg_cmd(y, p, shards=1), reg_cmd(y, p, shards=7)]
    out = run(lines)
    wk = Worst()
    for j, (y, p) in enumerate(cases):
        b, one, many = (parse_regression(x) for x in out[3 * j:3 * j + 3])
        e = np.sort(np.asarray(p) - np.asarray(y))
        scale = float(np.mean(np.abs(e)))
        for name, r in [("stream", one), ("merged", many)]:
            tag = "case%d(n=%d).%s" % (j, len(y), name)
            for key in ["n", "zero_targets"]:
                wk.eq(tag + "." + key, r[key], b[key])
            for key in ["mae", "mse", "rmse", "mape", "mape_nonzero"]:
                wk.num(tag + "." + key, r[key], b[key], 1e-12, 1e-300)
            wk.num(tag + ".mean_error", r["mean_error"], b["mean_error"], 1e-12, 1e-15 * scale)
            wk.num(tag + ".r2", r["r2"], b["r2"], 1e-9, 1e-12)
            # KLL quantiles: the value's rank within q +/- 2% (k = 300, eps ~ 1%)
            for q, v in zip(QS, r["q"]):
                lo = np.searchsorted(e, v, "left") / len(e)
                hi = np.searchsorted(e, v, "right") / len(e)
                if hi == lo or lo > q + 0.02 or hi < q - 0.02:
                    wk.problems.append("%s: q%.2f = %r has rank [%.4f, %.4f]"
                                       % (tag, q, v, lo, hi))
    s.check("regression stream and merged shards = batch (sums to 1e-12, R^2 to 1e-9, "
            "quantiles within KLL rank error) [%d cases]" % len(cases), wk.problems)


# ---- errors -----------------------------------------------------------------------------------


def errors(s):
    cases = [
        ("y_true outside {0, 1}", bin_cmd([0, 1, 2], [0.1, 0.2, 0.3]), "y_true[2]"),
        ("NaN score", bin_cmd([0, 1, 1], [0.1, math.nan, 0.3]), "score[1] is NaN"),
        ("score above 1", bin_cmd([0, 1, 1], [0.1, 0.2, 1.5]), "score[2]"),
        ("negative score", bin_cmd([0, 1], [-0.1, 0.2]), "score[0]"),
        ("infinite score", bin_cmd([0, 1], [0.1, math.inf]), "score[1]"),
        ("y_pred outside {0, 1}", bin_cmd([0, 1], None, [0, 3]), "y_pred[1]"),
        ("n = 0", bin_cmd([], [], None), "n = 0"),
        ("no score and no pred", bin_cmd([0, 1], None, None), "NULL"),
        ("curve_points < 2", bin_cmd([0, 1], [0.1, 0.2], points=1), "curve_points"),
        ("calibration_bins 0", bin_cmd([0, 1], [0.1, 0.2], bins=0), "calibration_bins"),
        ("stream: NaN score", bin_cmd([0, 1], [0.1, math.nan], shards=2, score_bins=10),
         "score[0] is NaN"),
        ("stream: score_bins 0", bin_cmd([0, 1], [0.1, 0.2], shards=1, score_bins=0),
         "score_bins"),
        ("multiclass: label >= k", mc_cmd([0, 1, 3], 3, 0, None, [0, 1, 2]), "y_true[2] = 3"),
        ("multiclass: pred >= k", mc_cmd([0, 1, 2], 3, 0, None, [0, 5, 2]), "y_pred[1] = 5"),
        ("multiclass: proba > 1", mc_cmd([0, 1], 2, 0, [[0.5, 0.5], [0.2, 1.2]]),
         "proba[1][1]"),
        ("multiclass: NaN proba", mc_cmd([0, 1], 2, 0, [[0.5, math.nan], [0.2, 0.8]]),
         "proba[0][1] is NaN"),
        ("multiclass: k = 1", mc_cmd([0, 0], 1, 0, None, [0, 0]), "k = 1"),
        ("multiclass stream: label >= k", mc_cmd([0, 4], 3, 0, None, [0, 1], 2), "y_true[0] = 4"),
        ("regression: NaN target", reg_cmd([1.0, math.nan], [1.0, 2.0]), "y_true[1] is NaN"),
        ("regression: inf prediction", reg_cmd([1.0, 2.0], [1.0, -math.inf]),
         "y_pred[1] is infinite"),
        ("regression: quantile > 1", reg_cmd([1.0], [1.0], [1.5]), "q[0]"),
        ("regression stream: NaN", reg_cmd([1.0, math.nan], [1.0, 2.0], shards=1),
         "y_true[1] is NaN"),
    ]
    out = run([c for (_, c, _) in cases])
    for (name, _, want), line in zip(cases, out):
        ok = line.startswith("ERR -5 ") and want in line
        s.check("error:%s -> VG_ERR_INVALID naming %r" % (name, want),
                [] if ok else ["got %r" % line[:200]])


def main():
    def bind(exe):
        global DRIVER
        DRIVER = exe

    print("# scikit-learn %s" % sklearn.__version__)
    groups = [("binary:random", binary_random), ("binary:edges", binary_edges),
              ("binary:large", binary_large),
              ("binary:stream", binary_stream), ("multiclass:random", multiclass_random),
              ("multiclass:edges", multiclass_edges), ("multiclass:stream", multiclass_stream),
              ("regression:random", regression_random), ("regression:edges", regression_edges),
              ("regression:stream", regression_stream), ("errors", errors)]
    return oracle_util.driver_main("perf_driver", "perf", groups, bind)


if __name__ == "__main__":
    sys.exit(main())
