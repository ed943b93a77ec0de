# Copyright 2026 The vigia authors
# SPDX-License-Identifier: Apache-2.0
"""Writes examples/data/demo_current.csv: 2,000 rows shaped like demo.csv after a month in
production: older applicants with higher incomes, more missing incomes, a new employment
category, and a score drawn the same way. Deterministic (seeded); run from the repository root:

    /usr/bin/python3 examples/make_current.py
"""
import csv
import math
import random

rnd = random.Random(20261125)
rows = list(csv.DictReader(open("examples/data/demo.csv")))
out = []
for i in range(2000):
    r = dict(rnd.choice(rows))
    r["customer_id"] = "D%05d" % i
    r["age"] = str(min(90, int(r["age"]) + rnd.randint(0, 8)))
    if r["income"] and rnd.random() < 0.1:
        r["income"] = ""
    elif r["income"]:
        r["income"] = "%.2f" % (float(r["income"]) * 1.18)
    if rnd.random() < 0.03:
        r["employment"] = "gig"
    out.append(r)
with open("examples/data/demo_current.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerows(out)
