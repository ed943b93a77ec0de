#!/usr/bin/env bash
# vigia serve end to end: the real daemon on a free port with a private data directory, driven
# with curl. A model is registered, a reference CSV uploaded, four hours of predictions streamed
# (the last two with drift injected), delayed labels posted, the windows flushed; then the
# window list, the reports' drift decisions, the model metrics, the join counters and /metrics
# are checked, plus every error status, a kill -9 and restart (nothing acknowledged lost), and
# a clean SIGTERM.
#
#   VIGIA=build/vigia bash tests/cli/serve.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

# ---- data: reference (2000 rows), 4 hourly windows of 500 predictions, labels ----
"$PY" - <<'EOF'
import json, random
random.seed(7)
regions = ["north", "south", "east", "west"]

def row(drift):
    age = random.gauss(62 if drift else 40, 9)
    region = random.choices(regions, [0.7, 0.1, 0.1, 0.1] if drift else [0.25] * 4)[0]
    income = random.lognormvariate(10.5, 0.4)
    score = min(0.99, max(0.01, random.betavariate(2, 3)))
    label = 1 if random.random() < score else 0
    return round(age, 2), region, round(income, 2), round(score, 4), label

with open("ref.csv", "w") as f:
    f.write("age,region,income,prediction,label\n")
    for _ in range(2000):
        f.write("%s,%s,%s,%s,%s\n" % row(False))

labels = []
for h in range(4):
    recs = []
    for i in range(500):
        age, region, income, score, label = row(h >= 2)
        rid = "h%d-%d" % (h, i)
        recs.append({"id": rid, "timestamp": "2026-01-01T%02d:%02d:%02dZ" % (h, i * 7 // 60, i * 7 % 60),
                     "features": {"age": age, "region": region, "income": income},
                     "prediction": score})
        if h < 2:
            labels.append({"id": rid, "label": label})
    # each hour in two batches: a JSON array, then NDJSON
    json.dump(recs[:250], open("pred%d_a.json" % h, "w"))
    with open("pred%d_b.ndjson" % h, "w") as f:
        for r in recs[250:]:
            f.write(json.dumps(r) + "\n")
json.dump(labels, open("labels.json", "w"))
# labels whose prediction never comes: they wait in the join map
json.dump([{"id": "ghost-%d" % i, "label": 1} for i in range(5)], open("ghost_labels.json", "w"))
# a batch with two bad records (index 1: age not a number; index 3: no prediction)
good = {"id": "x1", "timestamp": "2026-01-01T03:59:00Z",
        "features": {"age": 30, "region": "north", "income": 100}, "prediction": 0.4}
bad = [good, dict(good, id="x2", features={"age": "old", "region": "north", "income": 1}),
       dict(good, id="x3"), {"id": "x4", "timestamp": "2026-01-01T03:59:00Z",
                                   "features": {"age": 1, "region": "south", "income": 2}}]
json.dump(bad, open("bad.json", "w"))
json.dump({"name": "credit", "task": "binary",
           "features": [{"name": "age", "type": "numeric"},
                        {"name": "region", "type": "categorical"},
                        {"name": "income", "type": "numeric"}],
           "sensitive": ["region"],
           "window": {"duration": "1h", "lateness": "0s"}}, open("spec.json", "w"))
EOF

cat >serve.yaml <<'EOF'
# the daemon of this suite: small body cap, reject mode, a model from the config
max_body_bytes: 256KiB
max_records_per_batch: 1000
batch_mode: reject
tick: 200ms
retention: 0
log_level: debug
models:
  - name: from_config
    task: regression
    features:
      - {name: x, type: numeric}
    window: {count: 10}
EOF

# where the window report (docs/api.md) keeps the decisions checked below
DRIFT_DATASET='d["drift"]["reference"]["drift"]["dataset_drift"]'
DRIFT_COL='d["drift"]["reference"]["drift"]["columns"]["%s"]["drifted"]'
MODEL_ROC='d["performance"]["classification"]["roc_auc"] > 0.5'
MODEL_NONE='d["performance"] is None and "label" in d["performance_note"]'

DATA=$T/data
if ! start_daemon "$DATA" --config serve.yaml; then
    fail "start" "the daemon did not become ready"
    finish
fi
pass "start: /readyz 200"

api GET /healthz
check_http "healthz" 200

# ---- models ----
post_json /v1/models spec.json
check_http "POST /v1/models creates" 201
check_eq "created model's name" "$(jget resp 'd["name"]')" credit
post_json /v1/models spec.json
check_http "POST of an existing model: 409" 409
check_eq "409 error code" "$(jget resp 'd["error"]["code"]')" model_exists
api GET /v1/models
check_eq "GET /v1/models lists both" "$(jget resp '[m["name"] for m in d["models"]]')" \
'["credit", "from_config"]'
api GET /v1/models/nosuch
check_http "unknown model: 404" 404
check_eq "404 error body" "$(jget resp 'd["error"]["code"]')" model_not_found
post_json /v1/models/nosuch/predictions pred0_a.json
check_http "predictions to an unknown model: 404" 404
echo '{"name": "broken", "task": "binary", "features": [{"name": "a", "type": "colour"}]}' >badspec.json
post_json /v1/models badspec.json
check_http "bad spec: 400" 400
check_eq "bad spec names the field" \
    "$(jget resp '"features[0].type" in d["error"]["message"]')" True
api GET /v1/nosuch
check_http "unknown endpoint: 404" 404
api DELETE /v1/models/credit/predictions
check_http "wrong method: 405" 405

# ---- reference ----
api PUT /v1/models/credit/reference -H 'Content-Type: text/csv' --data-binary @ref.csv
check_http "PUT reference CSV" 200
check_eq "reference rows" "$(jget resp 'd["rows"]')" 2000
api GET /v1/models/credit/reference
check_http "GET reference" 200
check_eq "reference profile summary" "$(jget resp 'd["rows"], sorted(d["columns"])[:3]')" \
'[2000, ["age", "income", "label"]]'
api PUT /v1/models/credit/reference -H 'Content-Type: image/png' --data-binary @ref.csv
check_http "reference of an unknown type: 415" 415

api PUT /v1/models/from_config/reference -H 'Content-Type: text/csv' --data-binary @ref.csv
check_http "reference without any feature column: 400" 400
check_eq "bad reference: the error says why" "$(jget resp '"feature" in d["error"]["message"]')" True
# a .vgp profile as the reference of a second model (detected by its magic bytes)
"$VIGIA" profile ref.csv -o ref.vgp >/dev/null 2>&1
sed 's/"credit"/"credit_vgp"/' spec.json >spec_vgp.json
post_json /v1/models spec_vgp.json
api PUT /v1/models/credit_vgp/reference -H 'Content-Type: application/octet-stream' \
    --data-binary @ref.vgp
check_eq "PUT reference .vgp" "$HTTP $(jget resp 'd["format"], d["rows"]')" '200 ["vgp", 2000]'
api DELETE /v1/models/credit_vgp
check_http "DELETE a model" 200

# PUT: replace a spec (200), create one (201); the name must match the URL
cat >regr.json <<'EOF2'
{"name": "from_config", "task": "regression", "features": [{"name": "x", "type": "numeric"}],
 "window": {"count": 20}}
EOF2
api PUT /v1/models/from_config -H 'Content-Type: application/json' --data-binary @regr.json
check_eq "PUT replaces a spec" "$HTTP $(jget resp 'd["spec"]["window"]')" '200 {"count": 20}'
sed 's/"from_config"/"made_by_put"/' regr.json >put.json
api PUT /v1/models/made_by_put -H 'Content-Type: application/json' --data-binary @put.json
check_http "PUT creates" 201
api PUT /v1/models/other_name -H 'Content-Type: application/json' --data-binary @put.json
check_http "PUT with another name in the body: 400" 400
api DELETE /v1/models/made_by_put
HTTP=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$SERVE_PORT/healthz")
check_http "HEAD on a GET route" 200

# ---- predictions: hours 0..3 ----
ok=1
for h in 0 1 2 3; do
    post_json /v1/models/credit/predictions "pred${h}_a.json"
    [ "$HTTP" = 200 ] && [ "$(jget resp 'd["accepted"]')" = 250 ] || ok=0
    api POST /v1/models/credit/predictions -H 'Content-Type: application/x-ndjson' \
        --data-binary "@pred${h}_b.ndjson"
    [ "$HTTP" = 200 ] && [ "$(jget resp 'd["accepted"]')" = 250 ] || ok=0
done
if [ $ok = 1 ]; then pass "8 batches accepted (JSON arrays and NDJSON)"; else
    fail "8 batches accepted" "HTTP $HTTP: $(head -c 300 "$T/resp")"; fi

api GET /v1/models/credit/windows
check_eq "three hourly windows closed by event time" \
    "$(jget resp '[(w["start"][:16], w["rows"]) for w in reversed(d["windows"])]')" \
'[["2026-01-01T00:00", 500], ["2026-01-01T01:00", 500], ["2026-01-01T02:00", 500]]'
api GET /v1/models/credit/windows/open
check_http "open window report" 200

# ---- a bad batch (reject mode): nothing accepted, the bad records listed and kept ----
post_json /v1/models/credit/predictions bad.json
check_http "bad batch: 400" 400
check_eq "bad batch: accepted 0" "$(jget resp 'd["accepted"]')" 0
check_eq "bad batch: rejected indexes and fields" \
    "$(jget resp '[(r["index"], r["field"]) for r in d["rejected"]]')" \
'[[1, "features.age"], [3, "prediction"]]'
check_eq "bad batch: reasons given" "$(jget resp 'all(r["reason"] for r in d["rejected"])')" True
api GET /v1/models/credit/rejected
check_eq "dead letters queryable" \
    "$(jget resp '(d["total"], sorted(r["index"] for r in d["rejected"]), "x4" in d["rejected"][0]["record"] + d["rejected"][1]["record"])')" \
'[2, [1, 3], true]'
api GET '/v1/models/credit/rejected?limit=1'
first=$(jget resp 'd["rejected"][0]["id"]')
api GET "/v1/models/credit/rejected?limit=1&before=$(jget resp 'd["next_before"]')"
check_eq "dead letters page back with before=" "$(jget resp '[r["id"] < '"$first"' for r in d["rejected"]]')" '[true]'
echo '[{"id": 1, ' >notjson.json
post_json /v1/models/credit/predictions notjson.json
check_http "malformed JSON: 400" 400
api POST /v1/models/credit/predictions -H 'Content-Type: text/csv' --data-binary @ref.csv
check_http "predictions as CSV: 415" 415
gzip -c pred0_a.json >pred0_a.json.gz
api POST /v1/models/credit/predictions -H 'Content-Type: application/json' \
    -H 'Content-Encoding: gzip' --data-binary @pred0_a.json.gz
check_http "compressed body: 415" 415

# a prediction for a window already closed (hour 0) is late
echo '[{"id": "late1", "timestamp": "2026-01-01T00:30:00Z", "features": {"age": 40, "region": "north", "income": 9}, "prediction": 0.5}]' >late.json
post_json /v1/models/credit/predictions late.json
check_eq "late record: 400, reason late" "$HTTP $(jget resp '(d["rejected"][0]["field"], d["rejected"][0]["reason"][:5])')" \
    '400 ["timestamp", "late:"]'

# ---- body cap: 256 KiB ----
"$PY" -c 'import json; json.dump([{"id": "big%d" % i, "features": {"age": 1, "region": "x" * 200, "income": 1}, "prediction": 0.5} for i in range(2000)], open("big.json", "w"))'
# Expect: 100-continue, as a client sending a large body should: the 413 comes before the body is
# sent. Without it the answer races the upload, and a client still sending may see the
# connection closed instead of the 413 (the hostile suite covers that case).
api POST /v1/models/credit/predictions -H 'Content-Type: application/json' \
    -H 'Expect: 100-continue' --data-binary @big.json
check_http "body over max_body_bytes: 413" 413
check_eq "413 error code" "$(jget resp 'd["error"]["code"]')" too_large
# the same without Content-Length (chunked): cut while reading, never buffered
api POST /v1/models/credit/predictions -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary @big.json
check_http "chunked body over max_body_bytes: 413" 413

# ---- more records than max_records_per_batch (1000) ----
"$PY" -c 'import json; json.dump([{"id": "n%d" % i, "features": {"age": 1}, "prediction": 0.5} for i in range(1001)], open("many.json", "w"))'
post_json /v1/models/credit/predictions many.json
check_eq "batch over max_records_per_batch: 413" "$HTTP $(jget resp 'd["error"]["code"]')" \
    "413 too_many_records"

# ---- labels, late (their windows have closed): the windows are revised ----
post_json /v1/models/credit/labels labels.json
check_http "labels accepted" 200
check_eq "labels: 1000 accepted" "$(jget resp 'd["accepted"]')" 1000
post_json /v1/models/credit/labels ghost_labels.json
check_http "labels without predictions accepted (they wait)" 200

api POST /v1/models/credit/flush
check_http "flush" 200
# every window persisted: the journal keeps only what an open window or a waiting label needs
# (here the batch of labels still waiting for their predictions)
check_eq "journal pruned to the waiting labels" \
    "$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from journal").fetchone()[0])' "$DATA/vigia.db")" 1
api GET /v1/models/credit/windows
check_eq "four windows after flush, 2000 rows" \
    "$(jget resp '(len(d["windows"]), sum(w["rows"] for w in d["windows"]))')" '[4, 2000]'
check_eq "labelled windows revised" \
    "$(jget resp '[(w["labelled"], w["revision"] > 1) for w in reversed(d["windows"])]')" \
'[[500, true], [500, true], [0, false], [0, false]]'
KEYS=($(jget resp '" ".join(str(w["key"]) for w in reversed(d["windows"]))'))

# drift: hours 0 and 1 are clean, 2 and 3 drifted (age shifted, region skewed)
for i in 0 1 2 3; do
    api GET "/v1/models/credit/windows/${KEYS[$i]}"
    cp "$T/resp" "win$i.json"
done
for i in 0 1; do
    check_eq "window $i: no dataset drift" "$(jget win$i.json "$DRIFT_DATASET")" False
    check_eq "window $i: age not drifted" "$(jget win$i.json "$(printf "$DRIFT_COL" age)")" False
done
for i in 2 3; do
    check_eq "window $i: age drifted" "$(jget win$i.json "$(printf "$DRIFT_COL" age)")" True
    check_eq "window $i: region drifted" "$(jget win$i.json "$(printf "$DRIFT_COL" region)")" True
done
check_eq "window 0: model metrics from the late labels" "$(jget win0.json "$MODEL_ROC")" True
check_eq "window 2: no labels, no model metrics" "$(jget win2.json "$MODEL_NONE")" True
check_eq "window 0: fairness across region" \
    "$(jget win0.json '[g["sensitive"] for g in d["performance"]["fairness"]["groupings"]]')" '["region"]'
check_eq "window 0 report: revision 2 after the late labels" "$(jget win0.json 'd["window"]["revision"]')" 2
check_eq "window 3: CBPE estimate without labels" "$(jget win3.json 'd["estimated"]["applicable"]')" True
api GET "/v1/models/credit/windows/${KEYS[0]}/profile"
check_eq "window profile is a .vgp" "$(head -c 4 "$T/resp" | tail -c 3)" VGP
api GET /v1/models/credit/windows/12345
check_http "unknown window: 404" 404
api GET "/v1/models/credit/windows?from=${KEYS[1]}&to=${KEYS[2]}"
check_eq "windows from/to (keys)" "$(jget resp '[w["key"] for w in d["windows"]]')" "[${KEYS[2]}, ${KEYS[1]}]"
api GET "/v1/models/credit/windows?from=2026-01-01T02:00:00Z&limit=1"
check_eq "windows from (RFC 3339) and limit: the newest" "$(jget resp '[w["key"] for w in d["windows"]]')" "[${KEYS[3]}]"
api GET /v1/models/credit/windows/2026-01-01T01:00:00Z
check_eq "a window by its start time" "$HTTP $(jget resp 'd["window"]["key"]')" "200 ${KEYS[1]}"
api GET "/v1/models/credit/windows?limit=lots"
check_http "bad limit: 400" 400

api GET /v1/models/credit
check_eq "join counters" \
    "$(jget resp '(d["stats"]["labels_received"], d["stats"]["labels_matched"], d["stats"]["labels_late"], d["stats"]["join_pending"] >= 5)')" \
'[1005, 1000, 1000, true]'

# ---- series ----
api GET /v1/models/credit/series
check_eq "series listed" "$(jget resp 'len(d["series"]) > 3')" True
api GET "/v1/models/credit/series?metric=window_rows&labels="
check_eq "series of window_rows" "$(jget resp '[p["value"] for p in d["points"]]')" \
    "[500.0, 500.0, 500.0, 500.0]"
api GET /v1/models/credit/series -G --data-urlencode metric=drift_detected \
    --data-urlencode 'labels=baseline="reference",feature="age"'
check_eq "series of one labelled metric: age drifted in hours 2 and 3" \
    "$(jget resp '[p["value"] for p in d["points"]]')" "[0.0, 0.0, 1.0, 1.0]"
api GET "/v1/models/credit/series?metric=drift_detected"
check_eq "series of a metric without labels=: one per label set" \
    "$(jget resp 'sorted(x["labels"] for x in d["series"] if "reference" in x["labels"])')" \
    '["baseline=\"reference\",feature=\"age\"", "baseline=\"reference\",feature=\"income\"", "baseline=\"reference\",feature=\"prediction\"", "baseline=\"reference\",feature=\"region\""]'

# ---- /metrics ----
api GET /metrics
cp "$T/resp" metrics.txt
if promtool check metrics <metrics.txt >promtool.out 2>&1; then
    pass "promtool check metrics"
else
    fail "promtool check metrics" "$(head -c 400 promtool.out)"
fi
metric() { # the value of one sample line (exact name and labels)
    awk -v k="$1" '$1 == k {print $2}' metrics.txt
}
check_eq "metrics: records accepted" "$(metric 'vigia_records_accepted_total{model="credit"}')" 2000
check_eq "metrics: records rejected (invalid)" \
    "$(metric 'vigia_records_rejected_total{model="credit",reason="invalid"}')" 2
check_eq "metrics: labels matched" "$(metric 'vigia_labels_matched_total{model="credit"}')" 1000
check_eq "metrics: windows closed" "$(metric 'vigia_windows_closed_total{model="credit"}')" 4
check_eq "metrics: records rejected (late)" \
    "$(metric 'vigia_records_rejected_total{model="credit",reason="late"}')" 1
check_eq "metrics: dead letters" "$(metric 'vigia_dead_letters{model="credit"}')" 3
check_eq "metrics: models" "$(metric vigia_models)" 2
check_eq "metrics: route label is the pattern" \
    "$(grep -c 'route="/v1/models/{model}/predictions",code="200"' metrics.txt)" 1
check_eq "metrics: no raw path as a label" "$(grep -c 'route="/v1/models/credit' metrics.txt)" 0
check_eq "metrics: drift gauge of the last window" \
    "$(grep -cE '^vigia_drift_detected\{model="credit",baseline="reference",feature="age"\} 1$' metrics.txt)" 1
check_eq "metrics: content type" \
    "$(curl -s -m 10 -o /dev/null -w '%{content_type}' "http://127.0.0.1:$SERVE_PORT/metrics")" \
    "text/plain; version=0.0.4; charset=utf-8"

# ---- kill -9 after acknowledged batches, restart: nothing acknowledged is lost ----
"$PY" - <<'EOF'
import json
for b in range(3):
    json.dump([{"id": "k%d-%d" % (b, i), "timestamp": "2026-01-01T05:%02d:00Z" % (b * 10 + i // 30),
                "features": {"age": 40, "region": "east", "income": 5}, "prediction": 0.3}
               for i in range(100)], open("kill%d.json" % b, "w"))
EOF
for b in 0 1 2; do
    post_json /v1/models/credit/predictions "kill$b.json"
done
check_eq "acknowledged before the crash" "$HTTP:$(jget resp 'd["accepted"]')" "200:100"
stop_daemon KILL
if ! start_daemon "$DATA" --config serve.yaml; then
    fail "restart after kill -9" "not ready"
    finish
fi
pass "restart after kill -9"
api GET /v1/models/credit
check_eq "open rows replayed from the journal" "$(jget resp 'd["stats"]["open_rows"]')" 300
api GET /metrics
check_eq "metrics after the restart: the last window's gauges, from the store" \
    "$(grep -cE '^vigia_drift_detected\{model="credit",baseline="reference",feature="age"\} 1$' "$T/resp")" 1
api POST /v1/models/credit/flush
api GET /v1/models/credit/windows
check_eq "window rows add up after the crash" \
    "$(jget resp '(len(d["windows"]), sum(w["rows"] for w in d["windows"]))')" '[5, 2300]'
api GET /v1/models/credit/reference
check_http "reference survives the restart" 200

# ---- delete ----
api DELETE /v1/models/from_config
check_http "DELETE model" 200
api GET /v1/models/from_config
check_http "deleted model: 404" 404

# ---- SIGTERM: exit 0 ----
stop_daemon TERM
check_eq "SIGTERM exits 0" "$STOP_RC" 0
check_eq "shutdown logged" "$(grep -c 'SIGTERM: shutting down' "$SERVE_LOG")" 1
check_logs_clean "no sanitizer report in the daemon logs"

# ---- the example config starts and registers its models ----
if start_daemon "$T/data_example" --config "$REPO_DIR/examples/serve.yaml"; then
    api GET /v1/models
    check_eq "examples/serve.yaml: its models registered" \
        "$(jget resp '[m["name"] for m in d["models"]]')" '["credit", "demand"]'
    api GET /v1/models/credit/reference
    check_eq "examples/serve.yaml: reference loaded from data/demo.csv" "$HTTP $(jget resp 'd["rows"]')" \
        "200 $(($(wc -l <"$REPO_DIR/examples/data/demo.csv") - 1))"
    stop_daemon TERM
    check_eq "examples/serve.yaml: clean stop" "$STOP_RC" 0
else
    fail "examples/serve.yaml starts" "not ready"
fi

# ---- usage errors ----
run serve --threads 0
expect "--threads 0 rejected" 2 "--threads"
printf 'listen: 127.0.0.1:0\nbatch_mode: maybe\n' >bad.yaml
run serve --config bad.yaml
expect "bad config names file:line:column" 2 "bad.yaml:2:13:" "batch_mode"
run serve --help
expect "serve --help" 0
finish
