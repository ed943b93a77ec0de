#!/usr/bin/env bash
# Copyright 2026 The vigia authors
# SPDX-License-Identifier: Apache-2.0
#
# The deployment files and the demo, checked:
#   - deploy/prometheus: `promtool check config`, `promtool test rules` (alerts and recording
#     rules on synthetic series)
#   - deploy/grafana: the dashboard is the generator's output, parses, has unique panel ids and
#     dashboard uid, panels that do not overlap, the model variable the brief asks for, PromQL
#     that Prometheus parses (via promtool) and that names only metrics of the catalogue below;
#     the provisioning files are YAML of the expected shape
#   - deploy/systemd/vigia.service: `systemd-analyze verify` (skipped without systemd-analyze),
#     the hardening directives, `systemd-analyze security` exposure
#   - examples/stream: regenerating gives the committed bytes; the stream is consistent
#   - bench/loadgen.c: builds warning-free; its model spec is JSON
#   - bench/serve for a second: loadgen against the real daemon
#   - scripts/demo-serve end to end against the real daemon on a free port and a temporary data
#     directory: the summary, /metrics against the dashboard (every metric the dashboard uses
#     is exposed; with Prometheus installed, every dashboard query returns data and the drift
#     alert fires), the Ctrl-C path (SIGTERM) and DEMO_EXIT=1 on the same data directory.
#     Skipped (SKIP line) while the binary has no `serve` command.
#
#   VIGIA=build/vigia bash tests/cli/deploy.sh
. "$(dirname "$0")/lib.bash"

D=$REPO_DIR/deploy
STREAM=$REPO_DIR/examples/stream
skip() { echo "SKIP $1: $2"; }

# The metric catalogue of `vigia serve` (docs/api.md): the dashboard and the alerts may use
# these and no other.
CATALOGUE="vigia_records_accepted_total vigia_records_rejected_total vigia_labels_matched_total
vigia_labels_late_total vigia_labels_unmatched_total vigia_window_age_seconds
vigia_windows_closed_total vigia_drift_score vigia_drift_detected vigia_drift_share
vigia_dataset_drift vigia_missing_share vigia_unseen_category_share vigia_out_of_range_share
vigia_model_metric vigia_estimated_metric vigia_fairness_ratio vigia_fairness_difference
vigia_http_requests_total vigia_http_request_duration_seconds vigia_journal_commits_total
vigia_process_resident_memory_bytes vigia_process_cpu_seconds_total vigia_build_info"
export CATALOGUE

# ---- Prometheus --------------------------------------------------------------------------------
if command -v promtool >/dev/null; then
    # the scrape job reads its token from vigia-token next to the config (a secret, not in the
    # repository): checked in a copy with a stand-in token file
    mkdir -p "$T/promcheck"
    cp "$D/prometheus/"*.yml "$T/promcheck/"
    echo "vg_000000000000_stand-in-for-the-read-token-of-prometheus00000" >"$T/promcheck/vigia-token"
    if promtool check config "$T/promcheck/prometheus.yml" >"$T/out" 2>&1; then
        pass "promtool check config"
    else
        fail "promtool check config" "$(tr '\n' ' ' <"$T/out" | cut -c1-300)"
    fi
    if (cd "$D/prometheus" && promtool test rules vigia-rules.test.yml) >"$T/out" 2>&1; then
        pass "promtool test rules"
    else
        fail "promtool test rules" "$(tr '\n' ' ' <"$T/out" | cut -c1-400)"
    fi
    # the rules file names only catalogue metrics (and its own recording rules)
    bad=$(grep -v '^ *#' "$D/prometheus/vigia-rules.yml" | grep -oE 'vigia_[a-z_]+' | sort -u |
        while read -r m; do
            b=${m%_bucket}
            case " $(echo $CATALOGUE) " in *" $m "* | *" $b "*) ;; *) echo "$m" ;; esac
        done)
    check_eq "rules use catalogue metrics" "$bad" ""
    check_eq "prometheus.yml scrapes 127.0.0.1:8080 every 15s as job vigia" \
        "$("$PY" -c '
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
j = [s for s in c["scrape_configs"] if s["job_name"] == "vigia"][0]
print(j["static_configs"][0]["targets"], j.get("scrape_interval", c["global"]["scrape_interval"]))
' "$D/prometheus/prometheus.yml" 2>&1)" "['127.0.0.1:8080'] 15s"
else
    skip "promtool check config" "promtool not installed (make deps)"
fi

# ---- Grafana -----------------------------------------------------------------------------------
if "$REPO_DIR/deploy/grafana/generate" --check 2>"$T/err"; then
    pass "dashboard is the generator's output"
else
    fail "dashboard is the generator's output" "$(err_line)"
fi

# Every check of the dashboard JSON, one PASS/FAIL line each; the PromQL goes to $T/promql
# (one expression a line, the dashboard variables substituted) for promtool below.
"$PY" - "$D/grafana/dashboards" "$T/promql" >"$T/dash" 2>&1 <<'PY'
import glob, json, os, re, sys
cat = set(os.environ["CATALOGUE"].split())
out = open(sys.argv[2], "w")
dashes = {}
def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    base = os.path.basename(path)
    try:
        d = json.load(open(path))
    except ValueError as e:
        check("dashboard %s parses" % base, False, str(e))
        continue
    check("dashboard %s parses" % base, True)
    dashes.setdefault(d.get("uid"), []).append(base)
    panels = d["panels"] + [q for p in d["panels"] for q in p.get("panels", [])]
    ids = [p["id"] for p in panels]
    check("%s: panel ids unique" % base, len(ids) == len(set(ids)),
          str([i for i in ids if ids.count(i) > 1]))
    # layout: inside 24 columns, no two panels overlap
    cells, clash = set(), []
    for p in panels:
        g = p["gridPos"]
        if g["x"] + g["w"] > 24:
            clash.append(p["title"] + " too wide")
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    clash.append(p["title"])
                cells.add((x, y))
    check("%s: panels do not overlap" % base, not clash, str(sorted(set(clash)))[:200])
    vars_ = {v["name"]: v for v in d["templating"]["list"]}
    model = vars_.get("model", {})
    check("%s: model variable" % base,
          model.get("type") == "query" and
          model.get("definition") == "label_values(vigia_records_accepted_total, model)",
          json.dumps(model)[:200])
    rows = [p["title"] for p in d["panels"] if p["type"] == "row"]
    want = ["Traffic", "Drift", "Data quality", "Model performance", "Fairness", "Operations"]
    check("%s: rows" % base, [r.split(" (")[0] for r in rows] == want, str(rows))
    exprs = []
    for p in panels:
        for t in p.get("targets", []):
            exprs.append((p["title"], t["expr"]))
            if p["type"] != "row" and not t.get("datasource", p.get("datasource")):
                check("%s: %s has a data source" % (base, p["title"]), False, "none")
    for a in d.get("annotations", {}).get("list", []):
        if "expr" in a:
            exprs.append(("annotation " + a["name"], a["expr"]))
    for v in vars_.values():
        if v.get("type") == "query":
            exprs.append(("variable " + v["name"], v["definition"]))
    unknown = []
    for title, e in exprs:
        for m in set(re.findall(r"\bvigia_[a-z_]+", e)):
            if m not in cat and re.sub(r"_(bucket|sum|count)$", "", m) not in cat:
                unknown.append("%s: %s" % (title, m))
        if not e.startswith("label_values("):
            e = (e.replace("$__rate_interval", "1m").replace('"$model"', '"credit"')
                 .replace('"$feature"', '".*"'))
            out.write(e.replace("\n", " ") + "\n")
    check("%s: PromQL names only catalogue metrics" % base, not unknown, "; ".join(unknown))
    # every metric the dashboard draws (bar the histogram's parts) is a catalogue name used
    used = {re.sub(r"_(bucket|sum|count)$", "", m) for _, e in exprs
            for m in re.findall(r"\bvigia_[a-z_]+", e)}
    missing = sorted(cat - used - {"vigia_build_info"})
    check("%s: every catalogue metric is on the dashboard" % base, not missing, str(missing))
for uid, files in dashes.items():
    check("dashboard uid %s unique" % uid, uid and len(files) == 1, str(files))
PY
cat "$T/dash"
grep -q '^FAIL\|^PASS' "$T/dash" || fail "dashboard checks" "the checker failed: $(head -c 300 "$T/dash")"
NPASS=$((NPASS + $(grep -c '^PASS' "$T/dash")))
NFAIL=$((NFAIL + $(grep -c '^FAIL' "$T/dash")))

# PromQL syntax: promtool parses each expression as a recording rule
if command -v promtool >/dev/null && [ -s "$T/promql" ]; then
    "$PY" -c '
import json, sys
rules = [{"record": "dashboard:expr%d" % i, "expr": e.strip()} for i, e in enumerate(open(sys.argv[1]))]
print(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))
' "$T/promql" >"$T/promql.yml"
    if promtool check rules "$T/promql.yml" >"$T/out" 2>&1; then
        pass "dashboard PromQL parses ($(wc -l <"$T/promql") expressions)"
    else
        fail "dashboard PromQL parses" "$(grep -v SUCCESS "$T/out" | tr '\n' ' ' | cut -c1-400)"
    fi
fi

check_eq "grafana provisioning files" "$("$PY" -c '
import sys, yaml
ds = yaml.safe_load(open(sys.argv[1]))["datasources"][0]
pr = yaml.safe_load(open(sys.argv[2]))["providers"][0]
print(ds["type"], ds["url"], pr["type"], pr["options"]["path"])
' "$D/grafana/provisioning/datasources/vigia.yaml" "$D/grafana/provisioning/dashboards/vigia.yaml" 2>&1)" \
    "prometheus http://127.0.0.1:9090 file /var/lib/grafana/dashboards/vigia"

# ---- systemd -----------------------------------------------------------------------------------
UNIT=$D/systemd/vigia.service
missing=
for want in '^DynamicUser=yes' '^StateDirectory=vigia$' '--data-dir /var/lib/vigia' \
    '^ExecReload=/bin/kill -HUP \$MAINPID$' '^Restart=on-failure$' '^NoNewPrivileges=yes$' \
    '^ProtectSystem=strict$' '^ProtectHome=yes$' '^PrivateTmp=yes$' '^CapabilityBoundingSet=$' \
    '^ExecStart=/usr/local/bin/vigia serve '; do
    grep -qE -- "$want" "$UNIT" || missing="$missing $want"
done
check_eq "vigia.service has the hardening directives" "$missing" ""
if command -v systemd-analyze >/dev/null; then
    # verify wants the ExecStart binary to exist: point it at the one under test
    mkdir -p "$T/unit"
    sed "s|/usr/local/bin/vigia|$VIGIA|" "$UNIT" >"$T/unit/vigia.service"
    if systemd-analyze verify "$T/unit/vigia.service" >"$T/out" 2>&1; then
        pass "systemd-analyze verify vigia.service"
    else
        fail "systemd-analyze verify vigia.service" "$(tr '\n' ' ' <"$T/out" | cut -c1-300)"
    fi
    if systemd-analyze security --offline=yes "$T/unit/vigia.service" >"$T/out" 2>&1; then
        level=$(grep -o 'exposure level for vigia.service: [0-9.]*' "$T/out" | grep -o '[0-9.]*$')
        if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
            pass "systemd-analyze security: exposure $level"
        else
            fail "systemd-analyze security" "exposure '${level}' above 2.0"
        fi
    else
        skip "systemd-analyze security" "this systemd has no --offline"
    fi
else
    skip "systemd-analyze verify vigia.service" "systemd-analyze not installed"
fi

# ---- the demo stream -----------------------------------------------------------------------------
mkdir -p "$T/stream"
if "$PY" "$STREAM/generate" --out "$T/stream" 2>"$T/err"; then
    diffs=
    for f in model.json reference.csv predictions.ndjson labels.ndjson invalid.ndjson replay.tsv \
        expected.json; do
        cmp -s "$T/stream/$f" "$STREAM/$f" || diffs="$diffs $f"
    done
    check_eq "examples/stream is the generator's output" "$diffs" ""
else
    fail "examples/stream is the generator's output" "$(err_line)"
fi
check_eq "examples/stream is under 2 MB" \
    "$(du -cb "$STREAM"/* | awk 'END { print ($1 < 2000000) }')" 1
check_eq "demo stream is consistent" "$("$PY" - "$STREAM" <<'PY' 2>&1
import collections, json, os, sys
d = sys.argv[1]
exp = json.load(open(os.path.join(d, "expected.json")))
preds = [json.loads(l) for l in open(os.path.join(d, "predictions.ndjson"))]
labels = [json.loads(l) for l in open(os.path.join(d, "labels.ndjson"))]
ids = [p["id"] for p in preds]
problems = []
if len(set(ids)) != len(ids): problems.append("duplicate ids")
if not {l["id"] for l in labels} <= set(ids): problems.append("label without prediction")
per_hour = collections.Counter(p["timestamp"][11:13] for p in preds)
if sorted(per_hour) != ["08", "09", "10", "11", "12", "13"]: problems.append(str(per_hour))
plan = [l.split("\t") for l in open(os.path.join(d, "replay.tsv")).read().split("\n") if l]
covered = {"predictions.ndjson": 0, "labels.ndjson": 0, "invalid.ndjson": 0}
for what, f, a, b in plan:
    if int(a) != covered[f] + 1: problems.append("gap before %s %s" % (f, a))
    if what != f.split(".")[0] and f != "invalid.ndjson": problems.append(f + " to " + what)
    covered[f] = int(b)
if covered != {"predictions.ndjson": len(preds), "labels.ndjson": len(labels),
               "invalid.ndjson": 3}: problems.append(str(covered))
feats = {f["name"] for f in json.load(open(os.path.join(d, "model.json")))["features"]}
header = open(os.path.join(d, "reference.csv")).readline().strip().split(",")
if set(header) != feats | {"prediction", "label"}: problems.append("reference header")
if sum(h["records"] for h in exp["hours"]) != len(preds): problems.append("records")
if sum(h["rejected"] for h in exp["hours"]) != 3: problems.append("rejected")
print("; ".join(problems) or "ok")
PY
)" ok

# ---- bench/loadgen ---------------------------------------------------------------------------------
if cc -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -o "$T/loadgen" "$REPO_DIR/bench/loadgen.c" -lpthread -lm 2>"$T/err"; then
    pass "bench/loadgen.c builds warning-free"
    "$T/loadgen" --spec --model bench --window 10s >"$T/spec.json"
    check_eq "loadgen --spec is a model spec" \
        "$(jget spec.json '(d["name"], d["task"], len(d["features"]), d["window"]["duration"])')" \
        '["bench", "binary", 20, "10s"]'
else
    fail "bench/loadgen.c builds warning-free" "$(err_line)"
fi

# ---- the demo, end to end -------------------------------------------------------------------------
if ! "$VIGIA" serve --help >/dev/null 2>&1; then
    skip "demo end to end" "$VIGIA has no serve command yet"
    finish
fi

# bench/serve, briefly: loadgen against the real daemon, every record acknowledged and counted
# on /metrics, the daemon stopped cleanly
if BUILD=$T/bench VIGIA=$VIGIA CONNS=2 BATCH=200 DURATION=1 WARMUP=0.2 \
    timeout 120 "$REPO_DIR/bench/serve" >"$T/bench.out" 2>&1 &&
    grep -q '^stopped      cleanly' "$T/bench.out"; then
    pass "bench/serve runs loadgen against the daemon ($(awk '$1 == "records/s" { print $2 }' "$T/bench.out") records/s)"
else
    fail "bench/serve runs loadgen against the daemon" "$(tail -4 "$T/bench.out" | tr '\n' ' ' | cut -c1-400)"
fi

# 1. the demo in its foreground mode, in the background here: it replays, prints the summary,
#    then keeps the daemon running (until SIGTERM below)
mkdir -p "$T/demo"
(cd "$T/demo" && DEMO_LISTEN=127.0.0.1:0 DEMO_DATA_DIR="$T/demo/vigia-data" \
    exec "$REPO_DIR/scripts/demo-serve" "$VIGIA") >"$T/demo.out" 2>&1 &
DEMO_PID=$!
URL=
for _ in $(seq 600); do
    URL=$(grep -o 'keeps running on http://[0-9.:]*' "$T/demo.out" | cut -d' ' -f4)
    [ -n "$URL" ] && break
    kill -0 "$DEMO_PID" 2>/dev/null || break
    sleep 0.5
done
if [ -z "$URL" ]; then
    fail "demo replays and keeps serving" "$(tail -15 "$T/demo.out" | tr '\n' ' ' | cut -c1-600)"
    kill -TERM "$DEMO_PID" 2>/dev/null
    wait "$DEMO_PID" 2>/dev/null
    finish
fi
pass "demo replays and keeps serving ($URL)"
cp "$T/demo.out" "$T/demo.first"
# the daemon's log of each run (the next run of the demo rewrites it)
save_log() { cat "$T/demo/vigia-data-serve.log" >>"$T/serve.logs" 2>/dev/null; }

# 2. the summary: six windows, clean before 11:00 and drifted from the reference after, the
#    11:00 window drifted from the previous one too, the rejected batch named field by field
check_eq "demo summary: windows and verdicts" "$(awk '
    $1 == "2026-03-02" { printf "%s %s %s%s", $2, $6, $8, (++n < 6 ? " | " : "") }' "$T/demo.out")" \
    "08:00-09 ok - | 09:00-10 ok ok | 10:00-11 ok ok | 11:00-12 DRIFT DRIFT | 12:00-13 DRIFT ok | 13:00-14 DRIFT ok"
missing=
for want in 'predictions: 3563 sent, 3560 accepted, 3 rejected' 'labels:      3204 sent, 3204 accepted' \
    'features.age: numeric' 'features.credit_score: numeric' '     prediction: ' \
    'drifted vs reference:' "curl -s -H \"\$A\" $URL/metrics"; do
    grep -qF -- "$want" "$T/demo.out" || missing="$missing [$want]"
done
check_eq "demo summary: counts, rejects, pointers" "$missing" ""
# the scores of the west are biased from 11:00: their selection rate under half the reference's
check_eq "demo summary: the fairness gap after 11:00" \
    "$(grep -cE '^ +2026-03-02 1[123]:00-.* 0\.[0-4][0-9] west \(< 0\.8\)$' "$T/demo.out")" 3
# every record and every label landed in its window: rows and labels per window as generated
check_eq "demo summary: rows and labels per window as generated" \
    "$(awk '$1 == "2026-03-02" { printf "%s/%s ", $3, $4 }' "$T/demo.out")" \
    "$("$PY" -c '
import json, sys
print("".join("%d/%d " % (h["records"], h["labelled"]) for h in json.load(open(sys.argv[1]))["hours"]))
' "$STREAM/expected.json")"
# late labels revised some windows: at least one window at revision 2 or more
check_eq "demo summary: late labels revise windows" \
    "$(awk '$1 == "2026-03-02" && $5 >= 2 { n++ } END { print (n > 0) }' "$T/demo.out")" 1
grep -E '^ +2026-03-02' "$T/demo.out" | sed 's/^/  # /'

# every "look further" command the summary prints answers 200 with JSON (or the metrics page),
# with the admin token the daemon made at its first start (the demo says where it is)
DEMO_TOKEN=$(cat "$T/demo/vigia-data/admin-token" 2>/dev/null)
bad=
while read -r u; do
    if ! curl -fsS -H "Authorization: Bearer $DEMO_TOKEN" -o "$T/look" "$u" 2>>"$T/err"; then
        bad="$bad $u"
    elif [ "${u##*/}" != metrics ] && [ "$(jget "$T/look" True)" != True ]; then
        bad="$bad $u(not JSON)"
    fi
done < <(grep -o 'curl -s -H "$A" http://[^ ]*' "$T/demo.out" | cut -d' ' -f5)
check_eq "demo summary: the curl commands it prints work" "$bad" ""

# 3. /metrics exposes every metric of the catalogue (the dashboard's and the alerts' inputs)
if curl -fsS -H "Authorization: Bearer $DEMO_TOKEN" "$URL/metrics" >"$T/metrics" 2>"$T/err"; then
    missing=
    for m in $CATALOGUE; do
        grep -qE "^${m}(_bucket)?[{ ]" "$T/metrics" || missing="$missing $m"
    done
    check_eq "/metrics has every catalogue metric" "$missing" ""
    check_eq "/metrics: the demo's records and labels" \
        "$(awk -F'[{} ]' '$2 == "model=\"credit\"" && $1 ~ /^vigia_(records_accepted|labels_matched)_total$/ {
            printf "%s=%s ", $1, $4 }
            $1 == "vigia_labels_late_total" && $2 == "model=\"credit\"" { printf "late>0=%d ", ($4 > 0) }' \
            "$T/metrics")" \
        "vigia_records_accepted_total=3560 vigia_labels_matched_total=3204 late>0=1 "
else
    fail "/metrics has every catalogue metric" "$(err_line)"
fi

# 4. Prometheus with the repository's rules scraping the demo daemon: every dashboard query
#    returns data and the dataset-drift alert fires (the last window drifted)
if command -v prometheus >/dev/null; then
    PPORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$T/prom"
    cp "$D/prometheus/vigia-rules.yml" "$T/prom/"
    sed -e "s|127.0.0.1:8080|${URL#http://}|" -e 's/15s/1s/g' -e 's/scrape_timeout: 10s/scrape_timeout: 1s/' \
        "$D/prometheus/prometheus.yml" \
        >"$T/prom/prometheus.yml"
    echo "$DEMO_TOKEN" >"$T/prom/vigia-token" # the scrape job's credentials_file
    prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
        --web.listen-address="127.0.0.1:$PPORT" >"$T/prom/log" 2>&1 &
    PROM_PID=$!
    PURL=http://127.0.0.1:$PPORT
    # ready, and at least four scrapes of vigia done
    for _ in $(seq 120); do
        n=$(curl -fsS "$PURL/api/v1/query" --data-urlencode 'query=count_over_time(up{job="vigia"}[5m])' \
            2>/dev/null | "$PY" -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null)
        [ "${n:-0}" -ge 4 ] 2>/dev/null && break
        kill -0 "$PROM_PID" 2>/dev/null || break
        sleep 0.5
    done
    if [ "${n:-0}" -ge 4 ] 2>/dev/null; then
        # queries are evaluated in order: the dashboard's (each must return a series), then the
        # alert state
        "$PY" - "$PURL" "$T/promql" >"$T/prom/check" 2>&1 <<'PY'
import json, sys, urllib.parse, urllib.request
purl, exprs = sys.argv[1], [l.strip() for l in open(sys.argv[2]) if l.strip()]
empty = []
for e in exprs:
    if e.startswith("changes("):  # the annotation: fires only when the verdict changes
        continue
    q = urllib.parse.urlencode({"query": e})
    r = json.load(urllib.request.urlopen(purl + "/api/v1/query?" + q, timeout=30))
    if r["status"] != "success" or not r["data"]["result"]:
        empty.append(e[:80])
print("PASS every dashboard query returns data" if not empty else
      "FAIL every dashboard query returns data: %d empty: %s" % (len(empty), " | ".join(empty)))
PY
        cat "$T/prom/check"
        NPASS=$((NPASS + $(grep -c '^PASS' "$T/prom/check")))
        NFAIL=$((NFAIL + $(grep -c '^FAIL' "$T/prom/check")))
        firing=
        for _ in $(seq 40); do
            firing=$(curl -fsS "$PURL/api/v1/alerts" 2>/dev/null | "$PY" -c '
import json, sys
a = json.load(sys.stdin)["data"]["alerts"]
print(" ".join(sorted("%s/%s/%s" % (x["labels"]["alertname"], x["labels"].get("model", ""), x["state"]) for x in a)))' 2>/dev/null)
            case $firing in *VigiaDatasetDrift/credit/firing*) break ;; esac
            sleep 0.5
        done
        case $firing in
        *VigiaDatasetDrift/credit/firing*) pass "Prometheus: VigiaDatasetDrift fires for the demo" ;;
        *) fail "Prometheus: VigiaDatasetDrift fires for the demo" "alerts: '$firing'" ;;
        esac
    else
        fail "Prometheus scrapes the demo daemon" "$(tail -5 "$T/prom/log" | tr '\n' ' ' | cut -c1-400)"
    fi
    kill -TERM "$PROM_PID" 2>/dev/null
    wait "$PROM_PID" 2>/dev/null
else
    skip "Prometheus against the demo" "prometheus not installed (make deps)"
fi

# 5. SIGTERM (as Ctrl-C) stops the script, which stops the daemon cleanly
kill -TERM "$DEMO_PID"
rc=0
timeout 60 tail --pid="$DEMO_PID" -f /dev/null || true
wait "$DEMO_PID" || rc=$?
if [ "$rc" -eq 0 ] && grep -q 'stopped (exit status 0)' "$T/demo.out" &&
    ! curl -s -o /dev/null --max-time 2 "$URL/healthz"; then
    pass "demo stops the daemon on SIGTERM"
else
    fail "demo stops the daemon on SIGTERM" "status $rc; $(tail -3 "$T/demo.out" | tr '\n' ' ')"
fi
save_log

# 6. DEMO_EXIT=1 on the same data directory: the earlier model is replaced, same summary
(cd "$T/demo" && DEMO_LISTEN=127.0.0.1:0 DEMO_DATA_DIR="$T/demo/vigia-data" DEMO_EXIT=1 \
    timeout 300 "$REPO_DIR/scripts/demo-serve" "$VIGIA") >"$T/demo.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "deleting the model 'credit' of an earlier demo" "$T/demo.out" &&
    grep -q '== vigia serve stopped' "$T/demo.out"; then
    pass "DEMO_EXIT=1 replays again and exits 0"
else
    fail "DEMO_EXIT=1 replays again and exits 0" "status $rc; $(tail -5 "$T/demo.out" | tr '\n' ' ' | cut -c1-400)"
fi
check_eq "DEMO_EXIT=1 prints the same windows" \
    "$(grep -E '^ +2026-03-02' "$T/demo.out" | awk '{ $5 = ""; print }')" \
    "$(grep -E '^ +2026-03-02' "$T/demo.first" | awk '{ $5 = ""; print }')"
save_log
if grep -qE 'Sanitizer|runtime error:' "$T/serve.logs"; then
    fail "daemon log free of sanitizer reports" "$(grep -m1 -E 'Sanitizer|runtime error' "$T/serve.logs")"
else
    pass "daemon log free of sanitizer reports"
fi
finish
