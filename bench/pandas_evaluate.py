# Copyright 2026 The vigia authors
# SPDX-License-Identifier: Apache-2.0
"""The work of `vigia evaluate -f json -t label -p score --sensitive group FILE` done with
pandas and scikit-learn, for bench/evaluate.

Reads the CSV with pandas, drops rows with a missing label or score (as vigia does, counting
them), then computes every binary metric vigia reports (confusion matrix, accuracy, precision,
recall, F1, specificity, balanced accuracy, MCC, ROC AUC, average precision, log loss, Brier,
the calibration curve and ECE, the ROC and PR curves) and, per group of the sensitive column,
the confusion counts, selection rate, TPR, FPR, precision and accuracy, the ratio and
differences to the largest group and the disparities. Prints two numbers: seconds for
read_csv + metrics, and seconds for the metrics alone (on the numpy arrays already loaded).
Interpreter start and imports are outside both.

    pandas_evaluate.py FILE.csv
"""
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

warnings.filterwarnings("ignore")


def rate(a, b):
    return a / b if b else float("nan")


def compute(y, score, group):
    pred = (score >= 0.5).astype(np.int64)
    out = {}
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    out["confusion"] = (tn, fp, fn, tp)
    out["accuracy"] = skm.accuracy_score(y, pred)
    out["precision"] = skm.precision_score(y, pred, zero_division=0)
    out["recall"] = skm.recall_score(y, pred, zero_division=0)
    out["f1"] = skm.f1_score(y, pred, zero_division=0)
    out["specificity"] = skm.recall_score(y, pred, pos_label=0, zero_division=0)
    out["balanced_accuracy"] = skm.balanced_accuracy_score(y, pred)
    out["mcc"] = skm.matthews_corrcoef(y, pred)
    out["roc_auc"] = skm.roc_auc_score(y, score)
    out["average_precision"] = skm.average_precision_score(y, score)
    out["log_loss"] = skm.log_loss(y, score, labels=[0, 1])
    out["brier"] = skm.brier_score_loss(y, score)
    pt, pp = calibration_curve(y, score, n_bins=10, strategy="uniform")
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], score), minlength=10)
    out["ece"] = float(np.sum(counts[counts > 0] / len(y) * np.abs(pt - pp)))
    out["roc_curve"] = skm.roc_curve(y, score)
    out["pr_curve"] = skm.precision_recall_curve(y, score)
    # fairness by group
    df = pd.DataFrame({"y": y, "p": pred, "g": group})
    groups = {}
    for name, part in df.groupby("g", dropna=False):
        yy, p = part["y"].to_numpy(), part["p"].to_numpy()
        gtn, gfp, gfn, gtp = skm.confusion_matrix(yy, p, labels=[0, 1]).ravel()
        groups[name] = {"n": len(part), "selection_rate": p.mean(),
                        "tpr": rate(gtp, gtp + gfn), "fpr": rate(gfp, gfp + gtn),
                        "precision": rate(gtp, gtp + gfp), "accuracy": skm.accuracy_score(yy, p)}
    ref = max(groups, key=lambda k: groups[k]["n"])
    for g in groups.values():
        for k in ("selection_rate", "tpr", "fpr", "precision", "accuracy"):
            g[k + "_difference"] = g[k] - groups[ref][k]
        g["selection_rate_ratio"] = rate(g["selection_rate"], groups[ref]["selection_rate"])
    sel = [g["selection_rate"] for g in groups.values()]
    out["demographic_parity_difference"] = max(sel) - min(sel)
    out["demographic_parity_ratio"] = min(sel) / max(sel)
    for k in ("tpr", "fpr", "precision", "accuracy"):
        v = [g[k] for g in groups.values()]
        out[k + "_disparity"] = max(v) - min(v)
    out["groups"] = groups
    return out


def main():
    t0 = time.perf_counter()
    df = pd.read_csv(sys.argv[1])
    keep = df["label"].notna() & df["score"].notna()
    excluded = int((~keep).sum())
    df = df[keep]
    y = df["label"].to_numpy().astype(np.int64)
    score = df["score"].to_numpy()
    group = df["group"].fillna("(missing)").to_numpy()
    t1 = time.perf_counter()
    out = compute(y, score, group)
    t2 = time.perf_counter()
    assert excluded == 0 and len(out["groups"]) == 4
    print("%.3f %.3f" % (t2 - t0, t2 - t1))


if __name__ == "__main__":
    main()
