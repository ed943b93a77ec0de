#!/usr/bin/env bash
# Abuse and integrity signals in vigia serve, end to end (issue 8): the real daemon with a model
# that has a reference (four N(0,1) numeric features and a categorical one), count windows of
# 300 records, and alert rules on sweep_share and ood_share.
#
#   1. a normal window (iid records): sweep_share and duplicate_share near 0, ood_share near the
#      in-distribution rate, no alert; the window report has its "integrity" section;
#   2. a window where one client sweeps feature a over [-2, 2] holding the others (the probing
#      of model extraction): sweep_share near 1 in /metrics and in the series, the extraction
#      rule fires (GET /v1/alerts), prediction_shift is there (a previous window exists);
#   3. a window with 10% of its records moved to +8 sd on feature b: ood_share near 0.1 and
#      ood_feature_share{feature="b"} likewise, the OOD rule fires;
#   4. a spec with a bad integrity option is refused with the field named.
#
#   VIGIA=build/vigia bash tests/cli/serve_abuse.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds; 1 on timeout.
wait_for() {
    local secs=$1 i
    shift
    for i in $(seq 1 $((secs * 5))); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

"$PY" - <<'EOF'
import json, random
random.seed(8)
cats = ["north", "south", "east", "west"]
with open("ref.csv", "w") as f:
    f.write("a,b,c,d,region,prediction\n")
    for _ in range(5000):
        f.write("%.6f,%.6f,%.6f,%.6f,%s,%.4f\n" % tuple(
            [random.gauss(0, 1) for _ in range(4)] + [random.choice(cats), random.random()]))
def rec(i, a, b, c, d, region):
    return {"id": "r%d" % i, "features": {"a": round(a, 6), "b": round(b, 6), "c": round(c, 6),
            "d": round(d, 6), "region": region}, "prediction": round(random.random(), 4)}
n = 0
normal = []
for _ in range(300):
    normal.append(rec(n, *[random.gauss(0, 1) for _ in range(4)], random.choice(cats))); n += 1
sweep = []
base = [random.gauss(0, 1) for _ in range(4)]
for i in range(300):
    sweep.append(rec(n, -2 + 4 * i / 299, base[1], base[2], base[3], "east")); n += 1
ood = []
for i in range(300):
    x = [random.gauss(0, 1) for _ in range(4)]
    if i % 10 == 0:
        x[1] += 8
    ood.append(rec(n, *x, random.choice(cats))); n += 1
for name, recs in [("normal", normal), ("sweep", sweep), ("ood", ood)]:
    json.dump(recs, open(name + ".json", "w"))
EOF

cat >serve.yaml <<'EOF'
tick: 200ms
retention: 0
models:
  - name: m
    task: regression
    reference: ref.csv
    features:
      - {name: a, type: numeric}
      - {name: b, type: numeric}
      - {name: c, type: numeric}
      - {name: d, type: numeric}
      - {name: region, type: categorical}
    window: {count: 300}
alerts:
  evaluation_interval: 1s
  notifiers:
    - {name: stderr, type: log}
  rules:
    - name: extraction
      metric: sweep_share
      op: ">"
      threshold: 0.5
      severity: critical
      notify: [stderr]
    - name: ood
      metric: ood_share
      op: ">"
      threshold: 0.05
      notify: [stderr]
EOF

start_daemon "$T/data" --config serve.yaml || exit 1

# metric NAME [LABELS]: the value of vigia_NAME{model="m"[,LABELS]} in /metrics ("" when none)
metric() {
    local sel="model=\"m\"${2:+,$2}"
    curl -s -m 10 "http://127.0.0.1:$SERVE_PORT/metrics" |
        awk -v k="vigia_$1{$sel}" 'index($0, k " ") == 1 { print $2 }'
}
# windows_rows N: N windows persisted and the newest one's samples are the gauges of /metrics
windows_done() {
    api GET /v1/models/m/windows
    [ "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["windows"]))' "$T/resp")" = "$1" ] &&
        [ -n "$(metric sweep_share)" ]
}
# series_point METRIC LABELS INDEX: the value of the INDEX-th window (oldest first)
series_point() {
    api GET /v1/models/m/series -G --data-urlencode "metric=$1" --data-urlencode "labels=$2"
    "$PY" -c 'import json,sys; p=json.load(open(sys.argv[1]))["points"]; i=int(sys.argv[2]); print(p[i]["value"] if len(p) > i else "")' "$T/resp" "$3"
}
alert_state() { # RULE: its alert's state ("" when none)
    api GET "/v1/alerts?rule=$1"
    "$PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["alerts"]; print(a[0]["state"] if a else "")' "$T/resp"
}
# in_range NAME VALUE LO HI
in_range() {
    if [ -n "$2" ] && "$PY" -c 'import sys; v,lo,hi=map(float,sys.argv[1:]); sys.exit(0 if lo <= v <= hi else 1)' "$2" "$3" "$4"; then
        pass "$1 ($2 in [$3, $4])"
    else
        fail "$1" "value '$2' not in [$3, $4]"
    fi
}
post_window() {
    post_json /v1/models/m/predictions "$1"
    [ "$HTTP" = 200 ] || fail "post $1" "HTTP $HTTP: $(head -c 300 "$T/resp")"
    api POST /v1/models/m/flush
}
alert_is() { [ "$(alert_state "$1")" = "$2" ]; }

# ---- 1. a normal window ----
post_window normal.json
wait_for 20 windows_done 1 || fail "normal window persisted" "$(cat "$T/resp")"
in_range "normal window: sweep_share near 0" "$(metric sweep_share)" 0 0.02
in_range "normal window: duplicate_share near 0" "$(metric duplicate_share)" 0 0.02
# in-distribution records are flagged at about 2 q per feature (q = 0.001): 0 to a few of 300
in_range "normal window: ood_share near 0" "$(metric ood_share)" 0 0.04
[ -z "$(metric prediction_shift)" ] && pass "first window: no prediction_shift" ||
    fail "first window: no prediction_shift" "$(metric prediction_shift)"
api GET /v1/models/m/windows/0
if "$PY" - "$T/resp" <<'EOF'; then
import json, sys
r = json.load(open(sys.argv[1]))
i = r["integrity"]
assert set(i) >= {"ood_share", "ood_feature_share", "duplicate_share", "sweep_share",
                  "prediction_shift"}, i
assert i["prediction_shift"] is None and i["prediction_shift_note"] == "no previous window", i
assert set(i["ood_feature_share"]) == {"a", "b", "c", "d", "region"}, i
EOF
    pass "window report: integrity section"
else
    fail "window report: integrity section" "$(head -c 600 "$T/resp")"
fi
st=$(alert_state extraction)
[ -z "$st" ] && pass "normal window: no extraction alert" || fail "normal window: no extraction alert" "state '$st'"

# ---- 2. a one-feature sweep ----
post_window sweep.json
wait_for 20 windows_done 2 || fail "sweep window persisted" "$(cat "$T/resp")"
in_range "sweep window: /metrics sweep_share near 1" "$(metric sweep_share)" 0.99 1
in_range "series: sweep_share of the normal window" "$(series_point sweep_share "" 0)" 0 0.02
in_range "series: sweep_share of the sweep window" "$(series_point sweep_share "" 1)" 0.99 1
in_range "sweep window: prediction_shift present" "$(metric prediction_shift)" 0 0.8326
if wait_for 10 alert_is extraction firing; then
    pass "sweep_share > 0.5: extraction alert firing"
else
    fail "sweep_share > 0.5: extraction alert firing" "$(cat "$T/resp")"
fi

# ---- 3. out-of-distribution records ----
post_window ood.json
wait_for 20 windows_done 3 || fail "ood window persisted" "$(cat "$T/resp")"
# 30 of 300 records at +8 sd on b (beyond the reference's maximum): 0.1, plus the few
# in-distribution records in the reference's tails (about 2 q per feature)
in_range "ood window: ood_share near 0.1" "$(metric ood_share)" 0.1 0.14
in_range "ood window: ood_feature_share{b} near 0.1" "$(metric ood_feature_share 'feature="b"')" 0.1 0.11
in_range "ood window: sweep_share near 0" "$(metric sweep_share)" 0 0.02
if wait_for 10 alert_is ood firing; then
    pass "ood_share > 0.05: ood alert firing"
else
    fail "ood_share > 0.05: ood alert firing" "$(cat "$T/resp")"
fi
if wait_for 10 alert_is extraction resolved; then
    pass "extraction alert resolved on a normal window"
else
    api GET "/v1/alerts?rule=extraction&resolved=1"
    "$PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["alerts"]; sys.exit(0 if a and a[0]["state"] == "resolved" else 1)' "$T/resp" &&
        pass "extraction alert resolved on a normal window" ||
        fail "extraction alert resolved on a normal window" "$(cat "$T/resp")"
fi

# ---- 4. a bad option names its field ----
cat >bad.json <<'EOF'
{"name": "x", "task": "regression", "features": [{"name": "a", "type": "numeric"}],
 "integrity": {"quantize_bins": 1}}
EOF
post_json /v1/models bad.json
if [ "$HTTP" = 400 ] && grep -q 'integrity.quantize_bins' "$T/resp"; then
    pass "bad integrity option: 400 naming integrity.quantize_bins"
else
    fail "bad integrity option: 400 naming integrity.quantize_bins" "HTTP $HTTP: $(head -c 300 "$T/resp")"
fi

stop_daemon
[ "$STOP_RC" = 0 ] && pass "daemon stops cleanly" || fail "daemon stops cleanly" "exit $STOP_RC"
check_logs_clean "no sanitizer report"
finish
