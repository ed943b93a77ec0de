#!/usr/bin/python3
"""Oracle and simulation tests for libvigia's label-free performance estimation
(src/estimate/, vigia/estimate.h).

Oracles (exact up to rounding):
- the isotonic calibrator against sklearn.isotonic.IsotonicRegression(out_of_bounds='clip')
  (knots and predictions, 1e-9 relative);
- the expected confusion matrix, metrics and expected-ROC AUC against a direct numpy
  implementation of the formulas in vigia/estimate.h (1e-9), and with p = labels against
  sklearn's accuracy/precision/recall/F1/roc_auc_score (the realised metrics);
- the calibration check (ECE, chi-squared statistic, df, p-value via scipy.stats.chi2.sf).

Simulation (the issue's acceptance test): a calibrated model, x ~ N(mu, 1),
y ~ Bernoulli(sigmoid(a x + b)), score = sigmoid(a x + b), reference at mu = 0 and current
sets under covariate shift (mu moved). Given the scores, the realised metric of the current set
is random only through the labels, so its spread is known: sd_m is measured by redrawing the
labels y* ~ Bernoulli(p) 400 times (the accuracy's sd is also checked against the library's
accuracy_se). The estimate must be within 4 sd_m of the realised value (a false failure
probability of 6e-5 per comparison for a normal spread); where the isotonic calibrator is used,
an allowance of 0.02 is added for its own estimation error on n_ref = 20000 reference rows
(isotonic regression converges at the rate n^(-1/3), about 0.04 pointwise at that size, and
the errors of neighbouring knots average out over the current set). Every scenario prints the
worst |estimate - realised| / sd_m it saw. The calibration warning must fire on miscalibrated
scores (overconfident sigmoid(3(ax+b)), squashed 0.5 + 0.5(p - 0.5), shifted p^2) and not on
calibrated ones.

Run: VIGIA_BUILD=build /usr/bin/python3 tests/oracle/test_estimate.py
The C side is tests/oracle/estimate_driver.c. Prints `PASS name` / `FAIL name: detail`; exits 1
if any check failed.
"""
import math
import os
import sys
import warnings

import numpy as np
import scipy.stats as st
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import (accuracy_score, f1_score, precision_score, recall_score,
                             roc_auc_score)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_util  # noqa: E402

DRIVER = None
RNG = np.random.default_rng(7)
METRICS = ["tp", "fp", "fn", "tn", "accuracy", "precision", "recall", "f1", "roc_auc",
           "accuracy_se"]
MODES = {"auto": 0, "always": 1, "never": 2}


def run(lines):
    return oracle_util.run_driver(DRIVER, lines, timeout=600)


def fl(a):
    return " ".join(oracle_util.fmt_floats(a))


def it(a):
    return " ".join(oracle_util.fmt_ints(a))


def close(got, want, rtol=1e-9, atol=1e-15):
    if got == want:
        return True
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return abs(got - want) <= rtol * abs(want) + atol


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------------------------------------
# isotonic calibrator vs sklearn


def iso_checks(s):
    cases = []
    for i in range(40):
        n = int(RNG.integers(1, 3000))
        sc = RNG.uniform(size=n)
        if i % 3 == 1:
            sc = np.round(sc, 2)  # many ties
        if i % 5 == 2:
            sc = sc ** 3
        y = (RNG.uniform(size=n) < sc).astype(int)
        cases.append((sc, y))
    cases += [(np.array([0.3]), np.array([1])), (np.array([0.5] * 7), np.array([0, 1] * 3 + [1])),
              (np.linspace(0, 1, 50), np.ones(50, int)), (np.linspace(0, 1, 50), np.zeros(50, int)),
              (np.linspace(1, 0, 60), (np.arange(60) < 30).astype(int)),  # decreasing data
              (np.array([0.0, 1.0, 1e-16, 0.5, 0.5 + 5e-16]), np.array([1, 0, 0, 1, 0])),
              (RNG.uniform(size=200000), RNG.integers(0, 2, 200000))]
    lines, queries = [], []
    for sc, y in cases:
        q = np.concatenate([RNG.uniform(size=50), sc[:20], [0.0, 1.0, sc.min(), sc.max()]])
        queries.append(q)
        lines.append("iso %d %d %s %s %s" % (len(sc), len(q), fl(sc), it(y), fl(q)))
    out = run(lines)
    problems = []
    worst = 0.0
    for (sc, y), q, line in zip(cases, queries, out):
        tag = "n=%d" % len(sc)
        if line.startswith("ERR"):
            problems.append("%s: %s" % (tag, line))
            continue
        v = [float(t) for t in line.split()]
        k = int(v[0])
        gx, gy, gq = v[1:1 + k], v[1 + k:1 + 2 * k], v[1 + 2 * k:]
        ir = IsotonicRegression(out_of_bounds="clip").fit(sc, y)
        wx, wy, wq = ir.X_thresholds_, ir.y_thresholds_, ir.predict(q)
        if k != len(wx):
            problems.append("%s: %d knots, sklearn %d" % (tag, k, len(wx)))
            continue
        for name, g, w in [("x", gx, wx), ("y", gy, wy), ("predict", gq, wq)]:
            for j, (a, b) in enumerate(zip(g, w)):
                worst = max(worst, abs(a - b) / abs(b) if b else abs(a))
                if not close(a, b):
                    problems.append("%s: %s[%d] %r, sklearn %r" % (tag, name, j, a, b))
                    break
    s.check("estimate:isotonic vs sklearn IsotonicRegression(out_of_bounds='clip') "
            "(%d fits, ties, n 1-200000; worst rel %.1e, tol 1e-9)" % (len(cases), worst),
            problems)


# ---------------------------------------------------------------------------------------------
# metrics from probabilities vs numpy, and realised metrics vs sklearn


def numpy_metrics(p, score, t):
    score = p if score is None else score
    pred = score >= t
    tp, fp = p[pred].sum(), (1 - p[pred]).sum()
    fn, tn = p[~pred].sum(), (1 - p[~pred]).sum()
    nan_div = lambda a, b: a / b if b > 0 else math.nan  # noqa: E731
    n = len(p)
    order = np.argsort(-score, kind="stable")
    ss, ps = score[order], p[order]
    last = np.r_[ss[1:] != ss[:-1], True]  # last row of each run of equal scores
    cp, cn = np.cumsum(ps)[last], np.cumsum(1 - ps)[last]
    P, N = cp[-1], cn[-1]
    if P > 0 and N > 0:
        auc = np.trapz(np.r_[0, cp / P], np.r_[0, cn / N])
    else:
        auc = math.nan
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "accuracy": (tp + tn) / n,
            "precision": nan_div(tp, tp + fp), "recall": nan_div(tp, tp + fn),
            "f1": nan_div(2 * tp, 2 * tp + fp + fn), "roc_auc": auc,
            "accuracy_se": math.sqrt(np.sum(p * (1 - p))) / n}


def metrics_cmd(p, score, t):
    return "metrics %d %r %d %s %s" % (len(p), float(t), score is not None, fl(p),
                                       "" if score is None else fl(score))


def metrics_checks(s):
    cases = []
    for i in range(40):
        n = int(RNG.integers(1, 5000))
        p = RNG.beta(0.7, 0.7, n)
        score = None
        if i % 2:
            score = np.round(RNG.uniform(size=n), int(RNG.integers(1, 4)))  # ties
        if i % 7 == 3:
            p = np.round(p, 1)
        cases.append((p, score, float(RNG.choice([0.5, 0.3, 0.9, 0.0, 1.0]))))
    cases += [(np.array([0.7]), None, 0.5), (np.zeros(10), None, 0.5), (np.ones(10), None, 0.5),
              (np.full(20, 0.5), None, 0.5), (RNG.uniform(size=300000), None, 0.5),
              (np.array([0.2, 0.8]), np.array([0.9, 0.1]), 0.5)]
    out = run([metrics_cmd(*c) for c in cases])
    problems = []
    for (p, score, t), line in zip(cases, out):
        tag = "n=%d t=%g" % (len(p), t)
        if line.startswith("ERR"):
            problems.append("%s: %s" % (tag, line))
            continue
        got = dict(zip(METRICS, map(float, line.split())))
        want = numpy_metrics(p, score, t)
        for k in METRICS:
            if not close(got[k], want[k]):
                problems.append("%s: %s %r, numpy %r" % (tag, k, got[k], want[k]))
    s.check("estimate:expected confusion matrix, metrics and expected-ROC AUC vs numpy "
            "(%d cases, ties, t in {0, 0.3, 0.5, 0.9, 1}; tol 1e-9)" % len(cases), problems)

    # p = labels: the realised metrics, which sklearn computes independently
    cases = []
    for i in range(30):
        n = int(RNG.integers(2, 4000))
        sc = RNG.uniform(size=n)
        if i % 2:
            sc = np.round(sc, 2)
        y = (RNG.uniform(size=n) < sc).astype(float)
        if len(np.unique(y)) < 2:
            y[0], y[1] = 0.0, 1.0
        cases.append((y, sc, 0.5))
    out = run([metrics_cmd(*c) for c in cases])
    problems = []
    for (y, sc, t), line in zip(cases, out):
        got = dict(zip(METRICS, map(float, line.split()))) if not line.startswith("ERR") else {}
        if not got:
            problems.append(line)
            continue
        pred = (sc >= t).astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = {"accuracy": accuracy_score(y, pred),
                    "precision": precision_score(y, pred, zero_division=0)
                    if pred.any() else math.nan,
                    "recall": recall_score(y, pred), "f1": f1_score(y, pred),
                    "roc_auc": roc_auc_score(y, sc), "accuracy_se": 0.0}
        for k, w in want.items():
            if not close(got[k], float(w), 1e-9, 1e-12):
                problems.append("n=%d: %s %r, sklearn %r" % (len(y), k, got[k], w))
    s.check("estimate:metrics with p = labels equal sklearn's realised metrics (%d cases, "
            "roc_auc_score with ties)" % len(cases), problems)


# ---------------------------------------------------------------------------------------------
# calibration check vs numpy/scipy


def numpy_check(sc, y, n_bins, alpha, tol):
    b = np.minimum(np.floor(sc * n_bins), n_bins - 1).astype(int)
    E = np.bincount(b, sc, n_bins)
    O = np.bincount(b, y, n_bins)
    V = np.bincount(b, sc * (1 - sc), n_bins)
    cnt = np.bincount(b, None, n_bins)
    ece = np.abs(E - O).sum() / len(sc)
    use = V > 0
    stat = float(np.sum((O[use] - E[use]) ** 2 / V[use]))
    if np.any((~use) & (cnt > 0) & (O != E)):
        stat = math.inf
    df = float(use.sum())
    p = 0.0 if math.isinf(stat) else st.chi2.sf(stat, df) if df > 0 else 1.0
    return ece, stat, df, p, int(not (p < alpha and ece > tol))


def check_checks(s):
    cases = []
    for i in range(40):
        n = int(RNG.integers(1, 5000))
        p = RNG.uniform(size=n)
        sc = p if i % 3 else np.clip(p * 1.3 - 0.1, 0, 1)
        y = (RNG.uniform(size=n) < p).astype(int)
        cases.append((sc, y, int(RNG.choice([10, 5, 20, 1, 37])), 0.01, 0.01))
    cases += [(np.array([0.0, 1.0, 0.0]), np.array([0, 1, 0]), 10, 0.01, 0.01),
              (np.array([0.0, 1.0, 0.0]), np.array([0, 1, 1]), 10, 0.01, 0.01),  # certain, wrong
              (np.array([1.0] * 5), np.array([1] * 5), 10, 0.05, 0.0)]
    out = run(["check %d %d %r %r %s %s" % (len(sc), nb, a, t, fl(sc), it(y))
               for sc, y, nb, a, t in cases])
    problems = []
    for (sc, y, nb, a, t), line in zip(cases, out):
        if line.startswith("ERR"):
            problems.append(line)
            continue
        g = [float(v) for v in line.split()]
        w = numpy_check(sc, y, nb, a, t)
        for name, gv, wv in zip(["ece", "statistic", "df", "p_value", "calibrated"], g, w):
            # p-value: scipy's chi2.sf (cephes igamc) and vigia's incomplete gamma differ by
            # ~1e-14 relative; far in the tail, where both are below 1e-300, compare absolutely
            if not close(gv, float(wv), 1e-9, 1e-300 if name != "p_value" else 1e-290):
                problems.append("n=%d bins=%d: %s %r, numpy %r" % (len(sc), nb, name, gv, wv))
    s.check("estimate:calibration check (ECE, chi-squared, df, p-value, flag) vs numpy/scipy "
            "(%d cases)" % len(cases), problems)


# ---------------------------------------------------------------------------------------------
# simulation: a calibrated model under covariate shift

A, B = 2.0, -0.5
REPS = 400


def simulate(rng, mu, n, transform=None):
    x = rng.normal(mu, 1.0, n)
    p = sigmoid(A * x + B)
    y = (rng.uniform(size=n) < p).astype(int)
    score = p if transform is None else transform(x, p)
    return p, y, score


def realised(y, score):
    pred = score >= 0.5
    tp = np.sum(y & pred)
    return {"accuracy": np.mean(y == pred), "precision": tp / pred.sum(),
            "recall": tp / y.sum(), "f1": 2 * tp / (pred.sum() + y.sum()),
            "roc_auc": roc_auc_score(y, score)}


def label_spread(rng, p, score):
    """sd of each realised metric over labels redrawn as Bernoulli(p), the scores fixed."""
    n = len(p)
    pred = score >= 0.5
    Y = rng.uniform(size=(REPS, n)) < p
    tp = (Y & pred).sum(1)
    npos = Y.sum(1)
    r = st.rankdata(score)  # midranks: AUC from the rank sum of the positives
    auc = (Y @ r - npos * (npos + 1) / 2) / (npos * (n - npos))
    return {"accuracy": np.std((Y == pred).mean(1)), "precision": np.std(tp / pred.sum()),
            "recall": np.std(tp / npos), "f1": np.std(2 * tp / (pred.sum() + npos)),
            "roc_auc": np.std(auc)}


def cbpe_cmd(ref_s, ref_y, cur_s, mode):
    return "cbpe %d %d %d 0.5 %s %s %s" % (len(ref_s), len(cur_s), MODES[mode], fl(ref_s),
                                           it(ref_y), fl(cur_s))


def parse_cbpe(line):
    v = line.split()
    est = dict(zip(METRICS, map(float, v[4:14])))
    ref = dict(zip(METRICS, map(float, v[14:24])))
    return int(v[0]), int(v[1]), float(v[2]), float(v[3]), est, ref


def tracking(s, name, transform, mode, allowance, n_ref, n_cur, want_warning):
    shifts = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]
    seeds = [1, 2, 3]
    scen, lines = [], []
    for seed in seeds:
        rng = np.random.default_rng(1000 + seed)
        _, ref_y, ref_s = simulate(rng, 0.0, n_ref, transform)
        for mu in shifts:
            p, y, cur_s = simulate(rng, mu, n_cur, transform)
            scen.append((seed, mu, p, y, cur_s, rng))
            lines.append(cbpe_cmd(ref_s, ref_y, cur_s, mode))
    out = run(lines)
    problems = []
    worst = {}
    for (seed, mu, p, y, cur_s, rng), line in zip(scen, out):
        tag = "seed %d mu %+.1f" % (seed, mu)
        if line.startswith("ERR"):
            problems.append("%s: %s" % (tag, line))
            continue
        calibrated, applied, ece, pval, est, ref = parse_cbpe(line)
        if calibrated == want_warning:
            problems.append("%s: calibrated=%d (ece %.4f, p %.3g), want %d" % (
                tag, calibrated, ece, pval, int(not want_warning)))
        want_applied = mode == "always" or (mode == "auto" and want_warning)
        if applied != want_applied:
            problems.append("%s: calibration applied=%d, want %d" % (tag, applied, want_applied))
        real = realised(y, cur_s)
        sd = label_spread(rng, p, cur_s)
        # the library's accuracy_se is the same spread, computed from its own probabilities
        if mode == "never" and not want_warning and \
                abs(est["accuracy_se"] / sd["accuracy"] - 1) > 0.15:
            problems.append("%s: accuracy_se %.5f vs simulated sd %.5f" % (
                tag, est["accuracy_se"], sd["accuracy"]))
        for k in ["accuracy", "precision", "recall", "f1", "roc_auc"]:
            d = abs(est[k] - real[k])
            worst[k] = max(worst.get(k, 0.0), d / sd[k])
            if not d <= 4 * sd[k] + allowance:
                problems.append("%s: %s estimated %.4f, realised %.4f (|d| %.4f > 4 sd %.4f + "
                                "%.3f)" % (tag, k, est[k], real[k], d, 4 * sd[k], allowance))
    detail = ", ".join("%s %.1f" % (k, v) for k, v in worst.items())
    s.check("estimate:%s (%d scenarios: shifts %s x %d seeds, n_ref %d, n_cur %d, mode %s; "
            "worst |d|/sd: %s; tol 4 sd + %.2f)" % (name, len(scen), shifts, len(seeds), n_ref,
                                                   n_cur, mode, detail, allowance), problems)


def simulation_checks(s):
    tracking(s, "calibrated model under covariate shift, raw scores", None, "never", 0.0,
             5000, 5000, False)
    tracking(s, "calibrated model, check passes so no calibration (auto)", None, "auto", 0.0,
             5000, 5000, False)
    tracking(s, "calibrated model through the isotonic calibrator (always)", None, "always",
             0.02, 20000, 5000, False)
    tracking(s, "overconfident scores sigmoid(3(ax+b)): warning, then calibrated estimate",
             lambda x, p: sigmoid(3 * (A * x + B)), "auto", 0.02, 20000, 5000, True)
    tracking(s, "squashed scores 0.5 + 0.5(p - 0.5): warning, then calibrated estimate",
             lambda x, p: 0.5 + 0.5 * (p - 0.5), "auto", 0.02, 20000, 5000, True)
    tracking(s, "shifted scores p^2: warning, then calibrated estimate",
             lambda x, p: p ** 2, "auto", 0.02, 20000, 5000, True)

    # the warning on its own, across sizes and seeds: never on calibrated scores, always on
    # clearly miscalibrated ones once there is enough data to tell
    lines, want = [], []
    for seed in range(20):
        rng = np.random.default_rng(50 + seed)
        for n in [500, 2000, 20000]:
            p, y, _ = simulate(rng, 0.0, n)
            lines.append("check %d 10 0.001 0.01 %s %s" % (n, fl(p), it(y)))
            want.append((seed, n, "calibrated", 1))
        for n, tf in [(2000, lambda p: sigmoid(3 * np.log(p / (1 - p)))),
                      (2000, lambda p: 0.5 + 0.5 * (p - 0.5)), (2000, lambda p: p ** 2)]:
            p, y, _ = simulate(rng, 0.0, n)
            lines.append("check %d 10 0.001 0.01 %s %s" % (n, fl(tf(p)), it(y)))
            want.append((seed, n, "miscalibrated", 0))
    out = run(lines)
    problems = []
    for (seed, n, kind, w), line in zip(want, out):
        g = line.split()
        if line.startswith("ERR") or int(g[4]) != w:
            problems.append("seed %d n %d %s: %s" % (seed, n, kind, line))
    s.check("estimate:calibration warning fires on miscalibrated scores, not on calibrated "
            "(%d checks, n 500-20000, default alpha 0.001)" % len(lines), problems)

    # the size of the test: on calibrated scores, with no ECE tolerance, the chi-squared check
    # must reject at about its nominal rate alpha = 0.05 (n = 1000, 10 bins, some sparse)
    rng = np.random.default_rng(4242)
    lines = []
    for _ in range(600):
        p, y, _ = simulate(rng, float(rng.normal()), 1000)
        lines.append("check 1000 10 0.05 0 %s %s" % (fl(p), it(y)))
    rejected = sum(1 for line in run(lines) if line.split()[4] == "0")
    # binomial(600, 0.05): mean 30, sd 5.3; accept 3.5 sd either side
    s.check("estimate:chi-squared check rejects calibrated scores at its nominal rate "
            "(%d of 600 at alpha 0.05, want 11-49)" % rejected, 11 <= rejected <= 49)

    # without calibration, miscalibrated scores give a visibly wrong estimate: why the check
    rng = np.random.default_rng(99)
    _, ref_y, ref_s = simulate(rng, 0.0, 20000, lambda x, p: sigmoid(3 * (A * x + B)))
    p, y, cur_s = simulate(rng, 1.0, 5000, lambda x, p: sigmoid(3 * (A * x + B)))
    out = run([cbpe_cmd(ref_s, ref_y, cur_s, "never"), cbpe_cmd(ref_s, ref_y, cur_s, "auto")])
    real = realised(y, cur_s)["accuracy"]
    never, auto = parse_cbpe(out[0])[4]["accuracy"], parse_cbpe(out[1])[4]["accuracy"]
    s.check("estimate:overconfident scores: uncalibrated estimate off by %.3f, calibrated by "
            "%.3f" % (abs(never - real), abs(auto - real)),
            bool(abs(never - real) > 3 * abs(auto - real) and abs(never - real) > 0.03))


# ---------------------------------------------------------------------------------------------
# invalid input


def invalid_checks(s):
    lines = ["metrics 4 0.5 0 0.1 0.2 nan 0.4", "metrics 4 0.5 0 0.1 1.5 0.3 0.4",
             "metrics 3 0.5 1 0.1 0.2 0.3 0.1 -0.2 0.3", "metrics 0 0.5 0",
             "iso 3 1 0.1 nan 0.3 0 1 0 0.5", "iso 3 1 0.1 0.2 0.3 0 2 0 0.5",
             "iso 2 1 0.1 0.2 0 1 inf",
             "check 3 0 0.01 0.01 0.1 0.2 0.3 0 1 0", "check 3 10 0 0.01 0.1 0.2 0.3 0 1 0",
             "check 3 10 0.01 0.01 0.1 0.2 0.3 0 1 3",
             "cbpe 2 3 0 0.5 0.1 0.9 0 1 0.2 0.4 -1", "cbpe 2 1 0 0.5 0.1 1.9 0 1 0.2",
             "cbpe 2 1 0 0.5 0.1 0.9 0 5 0.2", "cbpe 2 1 7 0.5 0.1 0.9 0 1 0.2",
             "cbpe 2 0 0 0.5 0.1 0.9 0 1"]
    words = ["probability at index 2", "probability at index 1", "score at index 1", "no rows",
             "score at index 1", "label at index 1", "score at index 0", "n_bins", "alpha",
             "label at index 2", "current score at index 2", "reference score at index 1",
             "reference label at index 1", "calibration mode", "no current rows"]
    out = run(lines)
    problems = []
    for line, word, res in zip(lines, words, out):
        if not res.startswith("ERR -5 ") or word not in res:
            problems.append("%r: %s (want ERR -5 naming %r)" % (line[:30], res, word))
    s.check("estimate:invalid input (NaN, outside [0, 1], bad labels and options) -> "
            "VG_ERR_INVALID naming the index (%d cases)" % len(lines), problems)


def bind_driver(exe):
    global DRIVER
    DRIVER = exe


def main():
    return oracle_util.driver_main("estimate_driver", "estimate",
                                   [("isotonic", iso_checks), ("metrics", metrics_checks),
                                    ("check", check_checks), ("simulation", simulation_checks),
                                    ("invalid", invalid_checks)], bind_driver)


if __name__ == "__main__":
    sys.exit(main())
