"""Oracle for `vigia evaluate` and the model section of `vigia compare`: CSVs generated with
numpy, every metric of `vigia evaluate -f json` checked against sklearn.metrics (1e-9 relative,
1e-12 absolute), fairness figures against pandas groupby + sklearn, exclusion counts, task
inference reasons and bad-input errors; then `vigia compare --target --prediction` on a
calibrated simulated model under covariate shift, where CBPE's estimated accuracy of the
current data must be within 4 standard errors (its own accuracy_se) + 0.01 of the realised
accuracy, and both classification blocks must equal sklearn's.

Run: VIGIA=build/vigia /usr/bin/python3 tests/oracle/test_evaluate.py. Prints PASS/FAIL lines.
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

warnings.filterwarnings("ignore")
VIGIA = os.environ.get("VIGIA", "build/vigia")
failed = 0
TMP = tempfile.mkdtemp(prefix="vigia-evaluate-")


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
    if isinstance(b, float) and not math.isfinite(b):
        return False
    return abs(a - b) <= atol + rtol * abs(b)


def all_close(a, b):
    return len(a) == len(b) and all(close(x, float(y)) for x, y in zip(a, b))


def write(name, cols):
    path = os.path.join(TMP, name)
    names = list(cols)
    n = len(cols[names[0]])
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for i in range(n):
            f.write(",".join(str(cols[c][i]) for c in names) + "\n")
    return path


def run(*args):
    return subprocess.run([VIGIA, *args], capture_output=True, text=True)


def evaluate(path, *args):
    out = run("evaluate", path, "-f", "json", *args)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)


def check_metrics(tag, got, want):
    bad = ["%s: %r vs %r" % (k, got.get(k), v) for k, v in want.items() if not close(got.get(k), v)]
    check(tag, not bad, "; ".join(bad[:4]))


def binary_want(y, score, pred):
    w = {"accuracy": skm.accuracy_score(y, pred),
         "precision": skm.precision_score(y, pred, zero_division=0),
         "recall": skm.recall_score(y, pred, zero_division=0),
         "f1": skm.f1_score(y, pred, zero_division=0),
         "specificity": skm.recall_score(y, pred, pos_label=0, zero_division=0),
         "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
         "mcc": skm.matthews_corrcoef(y, pred)}
    if score is not None:
        w["roc_auc"] = skm.roc_auc_score(y, score)
        w["average_precision"] = skm.average_precision_score(y, score)
        w["log_loss"] = skm.log_loss(y, score, labels=[0, 1])
        w["brier"] = skm.brier_score_loss(y, score)
        pt, pp = calibration_curve(y, score, n_bins=10, strategy="uniform")
        bins = np.searchsorted(np.linspace(0, 1, 11)[1:-1], score)
        counts = np.bincount(bins, minlength=10)
        nz = counts[counts > 0]
        w["ece"] = float(np.sum(nz / len(y) * np.abs(pt - pp)))
    return w


def check_binary(tag, c, y, score, pred):
    check_metrics(tag + ":metrics", c, binary_want(y, score, pred))
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    check(tag + ":confusion", (c["tn"], c["fp"], c["fn"], c["tp"]) == (tn, fp, fn, tp)
          and c["confusion_matrix"]["matrix"] == [[tn, fp], [fn, tp]],
          "%s vs %s" % (c["confusion_matrix"], (tn, fp, fn, tp)))
    if score is None:
        check(tag + ":no_curves", c["roc_curve"] is None and c["roc_auc"] is None)
        return
    fpr, tpr, thr = skm.roc_curve(y, score)
    rc = c["roc_curve"]
    if len(fpr) <= 201:
        ok = all_close(rc["fpr"], fpr) and all_close(rc["tpr"], tpr) and \
            all_close(rc["threshold"], thr)
    else:  # thinned: every kept point is a point of sklearn's curve
        pts = set(zip(np.round(fpr, 12), np.round(tpr, 12)))
        ok = rc["points_full"] == len(fpr) and all(
            (round(a, 12), round(b, 12)) in pts for a, b in zip(rc["fpr"], rc["tpr"]))
    check(tag + ":roc_curve", ok, "%d points vs %d" % (len(rc["fpr"]), len(fpr)))
    prec, rec, _ = skm.precision_recall_curve(y, score)
    pc = c["pr_curve"]
    check(tag + ":pr_curve", pc["points_full"] == len(prec) and
          (len(prec) > 201 or (all_close(pc["precision"], prec) and all_close(pc["recall"], rec))),
          "%d vs %d" % (pc["points_full"], len(prec)))
    pt, pp = calibration_curve(y, score, n_bins=10, strategy="uniform")
    cal = c["calibration"]
    got_t = [v for v, k in zip(cal["prob_true"], cal["count"]) if k > 0]
    got_p = [v for v, k in zip(cal["prob_pred"], cal["count"]) if k > 0]
    check(tag + ":calibration_curve", all_close(got_t, pt) and all_close(got_p, pp)
          and sum(cal["count"]) == len(y))


def check_fairness(tag, g, y, pred, group, min_size=30):
    df = pd.DataFrame({"y": y, "p": pred, "g": group})
    rows = {e["name"]: e for e in g["groups"]}
    bad = []
    rates = {}
    for name, part in df.groupby("g", dropna=False):
        e = rows.get(name)
        if e is None:
            bad.append("group %s missing" % name)
            continue
        yy, pp = part["y"].to_numpy(), part["p"].to_numpy()
        tn, fp, fn, tp = skm.confusion_matrix(yy, pp, labels=[0, 1]).ravel()
        want = {"selection_rate": pp.mean(), "accuracy": skm.accuracy_score(yy, pp),
                "tpr": tp / (tp + fn) if tp + fn else float("nan"),
                "fpr": fp / (fp + tn) if fp + tn else float("nan"),
                "precision": tp / (tp + fp) if tp + fp else float("nan")}
        if e["count"] != len(part) or (e["tp"], e["fp"], e["fn"], e["tn"]) != (tp, fp, fn, tn):
            bad.append("%s counts" % name)
        for k, v in want.items():
            if not close(e[k], float(v)):
                bad.append("%s %s %r vs %r" % (name, k, e[k], v))
        if len(part) >= min_size:
            rates[name] = want
        if e["small"] != (len(part) < min_size):
            bad.append("%s small flag" % name)
    sel = [r["selection_rate"] for r in rates.values()]
    if sel:
        if not close(g["demographic_parity_difference"], max(sel) - min(sel)):
            bad.append("dpd")
        if not close(g["demographic_parity_ratio"], min(sel) / max(sel) if max(sel) else None):
            bad.append("dpr")
        tprs = [r["tpr"] for r in rates.values() if not math.isnan(r["tpr"])]
        if tprs and not close(g["equal_opportunity_difference"], max(tprs) - min(tprs)):
            bad.append("eod")
        ref = max(rates, key=lambda k: (len(df[df.g == k]), -list(rows).index(k)))
        if g["reference_group"] != ref:
            bad.append("reference %s vs %s" % (g["reference_group"], ref))
        for name, r in rates.items():
            want = r["selection_rate"] / rates[ref]["selection_rate"]
            if not close(rows[name]["selection_rate_ratio"], want):
                bad.append("%s ratio" % name)
            if rows[name]["four_fifths_violation"] != bool(want < 0.8):
                bad.append("%s four-fifths" % name)
    check(tag, not bad, "; ".join(bad[:5]))


def binary_cases(rng):
    n = 3000
    y = rng.integers(0, 2, n)
    score = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).round(2)  # ties
    group = rng.choice(["north", "south", "east", "tiny"], n, p=[0.5, 0.3, 0.19, 0.01])
    ycell = [str(v) for v in y]
    scell = ["%.2f" % v for v in score]
    gcell = list(group)
    miss_t = rng.random(n) < 0.02
    miss_s = rng.random(n) < 0.03
    miss_g = rng.random(n) < 0.04
    for i in range(n):
        if miss_t[i]:
            ycell[i] = "" if i % 2 else "NA"
        if miss_s[i]:
            scell[i] = ""
        if miss_g[i]:
            gcell[i] = ""
    path = write("bin.csv", {"label": ycell, "score": scell, "grp": gcell})
    d = evaluate(path, "-t", "label", "-p", "score", "--sensitive", "grp")
    keep = ~miss_t & ~miss_s
    yk, sk = y[keep], score[keep]
    r = d["evaluated_rows"]
    check("binary:exclusions", (r["total"], r["evaluated"], r["missing_target"],
                                r["missing_prediction"], r["excluded"]) ==
          (n, keep.sum(), miss_t.sum(), miss_s.sum(), n - keep.sum()), r)
    t = d["task"]
    check("binary:inference", t["name"] == "binary" and t["inferred"] and
          t["reason"] == "target 'label' holds only 0 and 1" and t["prediction"] == "scores"
          and "probability scores" in t["prediction_reason"] and t["positive_class"] == "1", t)
    pred = (sk >= 0.5).astype(int)
    check_binary("binary_scores", d["classification"], yk, sk, pred)
    gk = np.where(miss_g, "(missing)", group)[keep]
    check_fairness("binary_scores:fairness", d["fairness"]["groupings"][0], yk, pred, gk)
    # another threshold and a reference group
    d = evaluate(path, "-t", "label", "-p", "score", "--threshold", "0.62", "--sensitive", "grp",
                 "--reference-group", "east", "--min-group-size", "10")
    pred = (sk >= 0.62).astype(int)
    check_binary("binary_threshold", d["classification"], yk, sk, pred)
    g = d["fairness"]["groupings"][0]
    rows = {e["name"]: e for e in g["groups"]}
    sel = {k: pred[gk == k].mean() for k in set(gk)}
    check("binary_threshold:reference_group", g["reference_group"] == "east" and
          close(rows["north"]["selection_rate_ratio"], sel["north"] / sel["east"]) and
          rows["tiny"]["small"] == (np.sum(gk == "tiny") < 10), g["reference_group"])
    # label predictions
    lab = (score >= 0.5).astype(int)
    path = write("binlab.csv", {"label": ycell, "pred": [str(v) for v in lab]})
    d = evaluate(path, "-t", "label", "-p", "pred")
    keep = ~miss_t
    check("binary_labels:inference", d["task"]["prediction"] == "labels", d["task"])
    check_binary("binary_labels", d["classification"], y[keep], None, lab[keep])


def string_labels(rng):
    n = 800
    y = rng.choice(["spam", "ham"], n, p=[0.3, 0.7])
    p = np.where(rng.random(n) < 0.8, y, np.where(y == "spam", "ham", "spam"))
    path = write("str.csv", {"y": y, "p": p})
    out = run("evaluate", path, "-t", "y", "-p", "p")
    check("string:needs_pos_label", out.returncode == 2 and "--pos-label" in out.stderr,
          out.stderr)
    d = evaluate(path, "-t", "y", "-p", "p", "--pos-label", "spam")
    check("string:inference", d["task"]["name"] == "binary" and
          "text labels, 2 distinct" in d["task"]["reason"], d["task"])
    check_binary("string", d["classification"], (y == "spam").astype(int), None,
                 (p == "spam").astype(int))


def multiclass_want(y, pred, labels, proba=None, k=None):
    w = {"accuracy": skm.accuracy_score(y, pred),
         "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
         "mcc": skm.matthews_corrcoef(y, pred)}
    for avg in ("macro", "micro", "weighted"):
        w[avg + "_precision"] = skm.precision_score(y, pred, labels=labels, average=avg,
                                                    zero_division=0)
        w[avg + "_recall"] = skm.recall_score(y, pred, labels=labels, average=avg,
                                              zero_division=0)
        w[avg + "_f1"] = skm.f1_score(y, pred, labels=labels, average=avg, zero_division=0)
    if proba is not None:
        w["log_loss"] = skm.log_loss(y, proba, labels=labels)
        if k:
            w["top_k_accuracy"] = skm.top_k_accuracy_score(y, proba, k=k, labels=labels)
    return w


def multiclass_cases(rng):
    n = 2000
    y = rng.integers(1, 6, n)  # integers 1..5: multiclass by inference
    pred = np.where(rng.random(n) < 0.6, y, rng.integers(1, 6, n))
    ycell = [str(v) for v in y]
    pcell = ["%d.0" % v for v in pred]  # numbers compare by value: "3.0" is class 3
    miss = rng.random(n) < 0.02
    for i in np.nonzero(miss)[0]:
        pcell[i] = "nan"
    path = write("mc.csv", {"y": ycell, "p": pcell})
    d = evaluate(path, "-t", "y", "-p", "p")
    keep = ~miss
    labels = [1, 2, 3, 4, 5]
    check("multiclass:inference", d["task"]["name"] == "multiclass" and
          "5 distinct values" in d["task"]["reason"] and
          d["evaluated_rows"]["missing_prediction"] == miss.sum(), d["task"])
    c = d["classification"]
    check_metrics("multiclass:metrics", c, multiclass_want(y[keep], pred[keep], labels))
    cm = skm.confusion_matrix(y[keep], pred[keep], labels=labels)
    check("multiclass:confusion", c["confusion_matrix"]["matrix"] == cm.tolist())
    p, r, f, s = skm.precision_recall_fscore_support(y[keep], pred[keep], labels=labels,
                                                     zero_division=0)
    pc = c["per_class"]
    check("multiclass:per_class", all(close(pc[str(l)]["precision"], p[i]) and
                                      close(pc[str(l)]["recall"], r[i]) and
                                      close(pc[str(l)]["f1"], f[i]) and
                                      pc[str(l)]["support"] == s[i]
                                      for i, l in enumerate(labels)))
    # declared classes, one never seen
    d = evaluate(path, "-t", "y", "-p", "p", "--classes", "1,2,3,4,5,6")
    check_metrics("multiclass:declared_classes", d["classification"],
                  multiclass_want(y[keep], pred[keep], labels + [6]))
    # per-class probability columns, text classes
    names = np.array(["cat", "dog", "emu", "fox"])
    n = 1500
    yi = rng.integers(0, 4, n)
    logits = rng.normal(0, 1, (n, 4)) + 1.5 * np.eye(4)[yi]
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    proba = proba.round(4)  # rows need not sum to 1
    cols = {"y": names[yi]}
    for j, nm in enumerate(names):
        cols["p_" + nm] = ["%.4f" % v for v in proba[:, j]]
    path = write("mcp.csv", cols)
    args = ["-t", "y", "--top-k", "2"]
    for nm in ["dog", "cat", "fox", "emu"]:  # any order
        args += ["--proba", "%s=p_%s" % (nm, nm)]
    d = evaluate(path, *args)
    c = d["classification"]
    check("multiclass_proba:inference", d["task"]["prediction"] == "probabilities" and
          c["classes"] == list(names), d["task"])
    pred = proba.argmax(1)
    check_metrics("multiclass_proba:metrics", c,
                  multiclass_want(yi, pred, [0, 1, 2, 3], proba, 2))
    bad = proba.copy()
    cols["p_cat"][7] = "1.5"
    path = write("mcbad.csv", cols)
    out = run("evaluate", path, *args)
    check("multiclass_proba:bad_probability", out.returncode == 2 and
          "mcbad.csv:9: column 'p_cat': '1.5' is not a probability in [0, 1]" in out.stderr,
          out.stderr)
    del bad


def regression_cases(rng):
    n = 2500
    y = np.round(rng.normal(10, 5, n), 3)
    y[rng.random(n) < 0.05] = 0.0  # zero targets
    pred = np.round(y + rng.normal(0.5, 2, n), 3)
    ycell = ["%.3f" % v for v in y]
    miss = rng.random(n) < 0.03
    for i in np.nonzero(miss)[0]:
        ycell[i] = "NaN"
    path = write("reg.csv", {"y": ycell, "yhat": ["%.3f" % v for v in pred]})
    d = evaluate(path, "-t", "y", "-p", "yhat")
    k = ~miss
    yt, yp = y[k], pred[k]
    e = yp - yt
    nz = yt != 0
    want = {"mae": skm.mean_absolute_error(yt, yp), "mse": skm.mean_squared_error(yt, yp),
            "rmse": skm.mean_squared_error(yt, yp, squared=False),
            "mape": skm.mean_absolute_percentage_error(yt, yp), "r2": skm.r2_score(yt, yp),
            "median_ae": skm.median_absolute_error(yt, yp), "mean_error": float(np.mean(e)),
            "mape_nonzero": float(np.mean(np.abs(e[nz]) / np.abs(yt[nz])))}
    g = d["regression"]
    check("regression:inference", d["task"]["name"] == "regression" and
          "not integers" in d["task"]["reason"] and d["evaluated_rows"]["missing_target"] ==
          miss.sum(), d["task"])
    check_metrics("regression:metrics", g, want)
    q = g["error_quantiles"]
    check("regression:quantiles", all(close(q[key], float(np.quantile(e, float(key))))
                                      for key in ("0.05", "0.25", "0.5", "0.75", "0.95"))
          and g["zero_targets"] == int((yt == 0).sum()), q)


def bad_input():
    cases = [
        ("range", "y,s\n1,0.2\n0,-0.5\n", ["-t", "y", "-p", "s"],
         "range.csv:3: column 's': '-0.5' is not a probability in [0, 1]"),
        ("not_number", "y,s\n1,0.2\n0,0.35\n1,high\n", ["-t", "y", "-p", "s"],
         "not_number.csv:4: column 's': 'high' is not a number"),
        ("declared", "y,p\na,a\nb,c\n", ["-t", "y", "-p", "p", "--classes", "a,b",
                                         "--pos-label", "a"],
         "declared.csv:3: column 'p': 'c' is not one of the classes (a, b)"),
        ("regression_text", "y,p\n1.5,2\n2.5,x\n", ["-t", "y", "-p", "p", "--task",
                                                    "regression"],
         "regression_text.csv:3: column 'p': 'x' is not a number"),
        ("no_column", "y,s\n1,0.2\n", ["-t", "y", "-p", "score"],
         "no column 'score' (columns: y, s)"),
        ("empty", "y,s\n", ["-t", "y", "-p", "s"], "empty.csv: no data rows"),
    ]
    for name, text, args, msg in cases:
        path = os.path.join(TMP, name + ".csv")
        with open(path, "w") as f:
            f.write(text)
        out = run("evaluate", path, *args)
        check("bad_input:" + name, out.returncode == 2 and msg in out.stderr,
              "exit %d: %s" % (out.returncode, out.stderr.strip()))


def simulate(rng, mu, n, a=1.5, b=-0.3, labels=True):
    x = rng.normal(mu, 1, n)
    p = 1 / (1 + np.exp(-(a * x + b)))
    y = (rng.random(n) < p).astype(int)
    return x, y, p


def compare_cases(rng):
    x, y, p = simulate(rng, 0.0, 20000)
    rp = write("sim_ref.csv", {"x": ["%.6f" % v for v in x], "y": y,
                               "score": ["%.17g" % v for v in p]})
    worst = 0
    for mu in (0.5, 1.0, -0.8):
        xc, yc, pc = simulate(rng, mu, 10000)
        cp = write("sim_cur.csv", {"x": ["%.6f" % v for v in xc], "y": yc,
                                   "score": ["%.17g" % v for v in pc]})
        out = run("compare", "-r", rp, "-c", cp, "-f", "json", "--target", "y",
                  "--prediction", "score")
        if out.returncode != 0:
            check("compare_mu%g" % mu, False, out.stderr)
            continue
        d = json.loads(out.stdout)
        e = d["estimated"]["current"]
        realised = skm.accuracy_score(yc, pc >= 0.5)
        tol = 4 * e["accuracy_se"] + 0.01
        worst = max(worst, abs(e["accuracy"] - realised) / e["accuracy_se"])
        check("compare_mu%g:cbpe_accuracy" % mu, abs(e["accuracy"] - realised) <= tol,
              "estimate %.4f, realised %.4f, tolerance %.4f" % (e["accuracy"], realised, tol))
        check("compare_mu%g:realised_beside" % mu, close(e["realised"]["accuracy"], realised))
        check("compare_mu%g:calibrated" % mu,
              d["estimated"]["calibration"]["calibrated"] is True and
              d["estimated"]["calibration"]["warning"] is None, d["estimated"]["calibration"])
        cls = d["classification"]
        check_binary("compare_mu%g:reference" % mu, cls["reference"], y, p, (p >= 0.5).astype(int))
        check_binary("compare_mu%g:current" % mu, cls["current"], yc, pc, (pc >= 0.5).astype(int))
        check("compare_mu%g:drift_kept" % mu, d["drift"]["prediction"]["column"] == "score")
    print("# worst |estimate - realised| / accuracy_se: %.2f" % worst)
    # miscalibrated scores: the calibration check warns
    q = np.clip(1 / (1 + np.exp(-3 * (1.5 * x - 0.3))), 0, 1)
    rp2 = write("sim_ref2.csv", {"y": y, "score": ["%.17g" % v for v in q]})
    out = run("compare", "-r", rp2, "-c", rp2, "-f", "json", "--target", "y", "--prediction",
              "score")
    d = json.loads(out.stdout) if out.returncode == 0 else {}
    cal = d.get("estimated", {}).get("calibration", {})
    check("compare:calibration_warning", cal.get("calibrated") is False and cal.get("warning"),
          cal)


def main():
    rng = np.random.default_rng(20261125)
    for part in (binary_cases, string_labels, multiclass_cases, regression_cases):
        try:
            part(rng)
        except Exception as e:  # a crash is a failure, not a stop
            check(part.__name__, False, repr(e))
    bad_input()
    try:
        compare_cases(rng)
    except Exception as e:
        check("compare_cases", False, repr(e))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
