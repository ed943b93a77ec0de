#!/usr/bin/env bash
# PII policies in vigia serve, end to end (issue 8): one live daemon with three models, one per
# policy, fed records holding e-mail addresses, phone numbers, IBANs, valid cards and CPFs, and
# cards and CPFs with a wrong check digit (not PII: never counted, never redacted).
#
#   report: /metrics counts per feature and kind exact, since start and for the closed window;
#           an alert rule on pii_records_share fires;
#   redact: after flush, labels joined by a redacted id, dead letters and a stop, no raw PII
#           string anywhere in the data directory (db, wal, journal: grep -a), while the report
#           model's own raw values are found there (the grep can find what it looks for); the
#           tokens are the same after a restart (pii.key, mode 600, kept);
#   reject: 400 naming index, field and kind; the dead letters hold no raw value;
#   and the daemon log, at debug level, holds no raw value of the redact or reject models.
#
#   VIGIA=build/vigia bash tests/cli/serve_pii.sh
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

cat >serve.yaml <<'EOF'
tick: 200ms
retention: 0
log_level: debug
batch_mode: reject
models:
  - name: rep
    task: binary
    features:
      - {name: age, type: numeric}
      - {name: contact, type: categorical}
      - {name: note, type: text}
    window: {count: 1000}
    pii: {policy: report}
  - name: red
    task: binary
    features:
      - {name: age, type: numeric}
      - {name: contact, type: categorical}
      - {name: note, type: text}
    window: {count: 1000}
    pii: {policy: redact}
  - name: rej
    task: binary
    features:
      - {name: age, type: numeric}
      - {name: contact, type: categorical}
      - {name: note, type: text}
    window: {count: 1000}
    pii: {policy: reject, detectors: [email, card, cpf]}
alerts:
  evaluation_interval: 1s
  notifiers:
    - {name: stderr, type: log}
  rules:
    - name: pii_seen
      model: rep
      metric: pii_records_share
      op: ">"
      threshold: 0
      severity: critical
      notify: [stderr]
EOF

# ---- the data: three disjoint sets of PII, so that a grep tells whose value it found ----
# report model (kept raw: the control of the grep)
S_MAIL1=carla.souza@example.com
S_MAIL2=dev@mail.example.org
S_CARD=5555-5555-5555-4444
S_CPF=529.982.247-25
# redact model
R_MAIL=ana.lima@example.com
R_CARD="4111 1111 1111 1111"
R_CPF=111.444.777-35
R_PHONE="+55 11 98765-4321"
R_IBAN="DE89 3704 0044 0532 0130 00"
R_IDMAIL=joao@exemplo.com.br
# reject model
J_MAIL=zeca@example.net
J_CARD=378282246310005
# not PII (a wrong check digit): kept as sent by every policy
BAD_CARD="4111 1111 1111 1112"
BAD_CPF=111.444.777-36

rec() { # id age contact note
    printf '{"id": "%s", "features": {"age": %s, "contact": "%s", "note": "%s"}, "prediction": 0.5}\n' "$@"
}
{
    rec s1 30 "$S_MAIL1" "card $S_CARD"
    rec s2 31 "$S_MAIL1" "cpf $S_CPF"
    rec s3 32 "$S_MAIL2" "bad card $BAD_CARD"
    rec s4 33 none "bad cpf $BAD_CPF"
    rec s5 34 none nothing
    rec s6 35 none "two: $S_MAIL2 and $S_CARD"
} >rep.ndjson
# report, expected: contact email 3; note card 2, cpf 1, email 1; records with any: s1 s2 s3 s6
# = 4 of 6
{
    rec r1 30 "$R_MAIL" "card $R_CARD"
    rec r2 31 "$R_MAIL" "cpf $R_CPF, phone $R_PHONE"
    rec "$R_IDMAIL" 32 none "iban $R_IBAN"
    rec r4 33 none "bad card $BAD_CARD, bad cpf $BAD_CPF"
} >red.ndjson
# rejected for its age; contact comes first, so it is scanned (and counted) before the error
printf '{"id": "r5", "features": {"contact": "%s", "age": "old", "note": "%s"}, "prediction": 0.5}\n' \
    "$R_MAIL" "$R_PHONE" >red_bad.ndjson
{
    rec j1 30 none nothing
    rec j2 31 "$J_MAIL" fine
    rec j3 32 none "card $J_CARD"
    rec j4 33 none "bad card $BAD_CARD"
} >rej.ndjson

post_nd() { # PATH FILE
    api POST "$1" -H 'Content-Type: application/x-ndjson' --data-binary "@$2"
}

DATA=$T/data
start_daemon "$DATA" --config serve.yaml || exit 1

# the key: made at the first start, 32 bytes, mode 600
if [ "$(stat -c '%a %s' "$DATA/pii.key" 2>/dev/null)" = "600 32" ]; then
    pass "pii.key created: mode 600, 32 bytes"
else
    fail "pii.key created: mode 600, 32 bytes" "$(stat -c '%a %s' "$DATA/pii.key" 2>&1)"
fi
cp "$DATA/pii.key" key.before

# the canonical spec has the policy
api GET /v1/models/red
"$PY" -c 'import json,sys; p=json.load(open(sys.argv[1]))["spec"]["pii"]; assert p == {"policy": "redact", "detectors": ["email", "phone", "card", "iban", "cpf", "cnpj"], "features": ["contact", "note"], "id": True}, p' "$T/resp" &&
    pass "GET /v1/models/red: the pii object in the spec" || fail "GET /v1/models/red: the pii object in the spec" "$(head -c 400 "$T/resp")"

# ---- report ----
post_nd /v1/models/rep/predictions rep.ndjson
check_http "report: all 6 records accepted" 200
api GET /metrics
cp "$T/resp" metrics1.txt
metric() { # FILE NAME LABELS: the value of one sample ("" when absent)
    grep -F "$2{$3} " "$1" | awk '{print $2}'
}
check_metric() { # FILE NAME LABELS WANT
    local got
    got=$(metric "$1" "$2" "$3")
    if [ "$got" = "$4" ]; then pass "$2{$3} = $4"; else fail "$2{$3} = $4" "got '$got'"; fi
}
# before any window closed, the counter since start
check_metric metrics1.txt vigia_pii_findings_total 'model="rep",feature="contact",kind="email"' 3
check_metric metrics1.txt vigia_pii_findings_total 'model="rep",feature="note",kind="card"' 2
check_metric metrics1.txt vigia_pii_findings_total 'model="rep",feature="note",kind="cpf"' 1
check_metric metrics1.txt vigia_pii_findings_total 'model="rep",feature="note",kind="email"' 1
n=$(grep -c '^vigia_pii_findings_total{model="rep"' metrics1.txt)
[ "$n" = 4 ] && pass "report: no other finding counted (invalid card and CPF are not PII)" ||
    fail "report: no other finding counted (invalid card and CPF are not PII)" "$(grep '^vigia_pii_findings_total{model="rep"' metrics1.txt)"
api POST /v1/models/rep/flush
check_http "report: flush" 200
api GET /metrics
cp "$T/resp" metrics2.txt
check_metric metrics2.txt vigia_pii_findings 'model="rep",feature="contact",kind="email"' 3
check_metric metrics2.txt vigia_pii_findings 'model="rep",feature="note",kind="card"' 2
check_metric metrics2.txt vigia_pii_findings 'model="rep",feature="note",kind="cpf"' 1
check_metric metrics2.txt vigia_pii_findings 'model="rep",feature="note",kind="email"' 1
n=$(grep -c '^vigia_pii_findings{model="rep"' metrics2.txt)
[ "$n" = 4 ] && pass "report: the window has 4 pii_findings series (no zeros)" ||
    fail "report: the window has 4 pii_findings series (no zeros)" "$(grep '^vigia_pii_findings{' metrics2.txt)"
check_metric metrics2.txt vigia_pii_records_share 'model="rep"' 0.66666666666666663
grep -q '^# TYPE vigia_pii_findings_total counter' metrics2.txt &&
    pass "vigia_pii_findings_total is a counter family" || fail "vigia_pii_findings_total is a counter family" "no TYPE line"
alert_state() {
    api GET "/v1/alerts?rule=pii_seen"
    "$PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["alerts"]; print(a[0]["state"] if a else "")' "$T/resp"
}
firing() { [ "$(alert_state)" = firing ]; }
wait_for 20 firing && pass "the rule on pii_records_share fires" ||
    fail "the rule on pii_records_share fires" "state '$(alert_state)': $(head -c 300 "$T/resp")"

# ---- reject ----
post_nd /v1/models/rej/predictions rej.ndjson
check_http "reject: a batch with PII is refused (batch_mode reject)" 400
"$PY" - "$T/resp" <<'EOF' && pass "reject: index, field and kind of each record" || fail "reject: index, field and kind of each record" "$(head -c 500 "$T/resp")"
import json, sys
j = json.load(open(sys.argv[1]))
got = [(r["index"], r["field"], r["reason"]) for r in j["rejected"]]
assert j["accepted"] == 0, j
assert got == [(1, "features.contact", "pii: e-mail address found"),
               (2, "features.note", "pii: payment card number found")], got
EOF
grep -v j2 rej.ndjson | grep -v j3 >rej_ok.ndjson
post_nd /v1/models/rej/predictions rej_ok.ndjson
check_http "reject: the clean records (and the invalid card) are accepted" 200
api GET /v1/models/rej/rejected
cp "$T/resp" rej_dead.json
"$PY" - rej_dead.json "$J_MAIL" "$J_CARD" <<'EOF' && pass "reject: dead letters masked" || fail "reject: dead letters masked" "$(head -c 600 rej_dead.json)"
import json, sys
j = json.load(open(sys.argv[1]))
recs = [r["record"] for r in j["rejected"]]
assert len(recs) == 2, recs
text = json.dumps(j)
for raw in sys.argv[2:]:
    assert raw not in text, raw
assert any('"contact":"pii:email:' in r for r in recs), recs
assert any('"note":"card pii:card:' in r for r in recs), recs
EOF

# ---- redact ----
post_nd /v1/models/red/predictions red.ndjson
check_http "redact: all 4 records accepted" 200
post_nd /v1/models/red/predictions red_bad.ndjson
check_http "redact: a record with a bad age is rejected" 400
api GET /v1/models/red/rejected
TOKEN1=$("$PY" -c 'import json,re,sys; r=json.load(open(sys.argv[1]))["rejected"][0]["record"]; print(re.search(r"pii:email:[0-9a-f]{16}", r).group(0))' "$T/resp")
[ -n "$TOKEN1" ] && ! grep -qF "$R_MAIL" "$T/resp" && pass "redact: the dead letter holds the token, not the e-mail" ||
    fail "redact: the dead letter holds the token, not the e-mail" "$(head -c 400 "$T/resp")"
api POST /v1/models/red/labels -H 'Content-Type: application/json' --data-binary "[{\"id\": \"$R_IDMAIL\", \"label\": 1}]"
check_http "redact: a label for the redacted id" 200
api POST /v1/models/red/flush
check_http "redact: flush" 200
api GET /v1/models/red/windows
KEY=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["windows"][0]["key"])' "$T/resp")
api GET "/v1/models/red/windows/$KEY"
"$PY" - "$T/resp" <<'EOF' && pass "redact: window report counts and the label joined" || fail "redact: window report counts and the label joined" "$(head -c 600 "$T/resp")"
import json, sys
j = json.load(open(sys.argv[1]))
r = j.get("report", j)
p = r["pii"]
f = p["findings"]
assert p["policy"] == "redact" and p["records_with_findings"] == 3, p
assert f["contact"]["email"] == 2 and f["note"]["card"] == 1 and f["note"]["cpf"] == 1, f
assert f["note"]["phone"] == 1 and f["note"]["iban"] == 1 and f["(id)"]["email"] == 1, f
assert r["window"]["labelled"] == 1, r["window"]
EOF
api GET /metrics
check_metric "$T/resp" vigia_pii_findings_total 'model="red",feature="contact",kind="email"' 3
stop_daemon
[ "$STOP_RC" = 0 ] && pass "daemon stops cleanly" || fail "daemon stops cleanly" "exit $STOP_RC"

# every raw value of the redact and reject models: nowhere in the data directory
leaks=
for raw in "$R_MAIL" "$R_CARD" "$R_CPF" "$R_PHONE" "$R_IBAN" "$R_IDMAIL" "$J_MAIL" "$J_CARD"; do
    grep -rqaF -- "$raw" "$DATA" && leaks="$leaks [$raw]"
done
[ -z "$leaks" ] && pass "redact/reject: no raw PII in the data directory (db, wal, journal)" ||
    fail "redact/reject: no raw PII in the data directory (db, wal, journal)" "found:$leaks"
# the control: the report model's values are kept, and the grep finds them
found=0
for raw in "$S_MAIL1" "$S_CARD" "$S_CPF" "$BAD_CARD"; do
    grep -rqaF -- "$raw" "$DATA" && found=$((found + 1))
done
[ "$found" = 4 ] && pass "report: its raw values are in the data directory (the grep finds them)" ||
    fail "report: its raw values are in the data directory (the grep finds them)" "$found of 4 found"

# ---- restart: the same key, the same tokens ----
start_daemon "$DATA" --config serve.yaml || exit 1
cmp -s key.before "$DATA/pii.key" && pass "pii.key kept across a restart" || fail "pii.key kept across a restart" "changed"
post_nd /v1/models/red/predictions red_bad.ndjson
api GET '/v1/models/red/rejected?limit=1'
grep -qF "$TOKEN1" "$T/resp" && pass "redact: the same token after a restart" ||
    fail "redact: the same token after a restart" "want $TOKEN1: $(head -c 400 "$T/resp")"
api GET /metrics
# a new process: the counter starts again, the closed window's gauge is restored
check_metric "$T/resp" vigia_pii_findings_total 'model="red",feature="contact",kind="email"' 1
stop_daemon

# ---- the logs ----
leaks=
for raw in "$R_MAIL" "$R_CARD" "$R_CPF" "$R_PHONE" "$R_IBAN" "$R_IDMAIL" "$J_MAIL" "$J_CARD"; do
    cat "${SERVE_LOGS[@]}" | grep -qaF -- "$raw" && leaks="$leaks [$raw]"
done
[ -z "$leaks" ] && pass "daemon log (debug level) holds no raw PII" || fail "daemon log (debug level) holds no raw PII" "found:$leaks"
check_logs_clean "no sanitizer report in the daemon logs"

finish
