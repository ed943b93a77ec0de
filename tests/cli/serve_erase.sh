#!/usr/bin/env bash
# vigia serve: the right to erasure and record-level retention against the live daemon.
# Predictions with distinctive ids land in a closed (persisted) window, in the open window, in
# the label-join map and in the dead letters; DELETE /v1/models/{model}/records/{id} and POST
# /v1/models/{model}/erase remove them; then nothing of them is in the data directory (database
# and WAL, read byte by byte), not after a restart that replays the journal either, and windows
# persisted after the erasure do not bring them back. Short dead_letter_retention and
# rows_retention, set by a reload, expire dead letters and rows blobs within a few ticks.
#
#   VIGIA=build/vigia bash tests/cli/serve_erase.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

cat >serve.yaml <<'EOF'
batch_mode: reject
tick: 200ms
retention: 0
log_level: debug
models:
  - name: m1
    task: binary
    features: [{name: a, type: numeric}, {name: b, type: categorical}]
    sensitive: [b]
    window: {duration: 1h, lateness: 1m}
EOF

# rec ID TIME [A]: one prediction record (b is never distinctive: only ids are looked for)
rec() {
    printf '{"id": "%s", "timestamp": "%s", "features": {"a": %s, "b": "x"}, "prediction": 0.7}' \
        "$1" "$2" "${3:-1}"
}

# data_has TEXT: the database files (db, WAL) hold TEXT somewhere, as raw bytes
data_has() {
    cat "$T/data"/vigia.db* 2>/dev/null | grep -aqF -- "$1"
}

# wait_for EXPR VALUE PATH: polls GET PATH until the JSON expression gives VALUE (10 s)
wait_for() {
    local i
    for i in $(seq 1 100); do
        api GET "$3"
        [ "$HTTP" = 200 ] && [ "$(jget resp "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

metric() {
    curl -s -m 10 "http://127.0.0.1:$SERVE_PORT/metrics" | awk -v n="$1" '$1 == n {print $2}'
}

if ! start_daemon "$T/data" --config serve.yaml; then
    fail "start" "the daemon did not become ready"
    finish
fi

# ---- data everywhere ----
# window 2026-02-01T00:00: three subjects and one record kept
{
    echo "["
    rec subj-closed-1 2026-02-01T00:00:01Z
    echo ","
    rec subj-closed-2 2026-02-01T00:00:02Z
    echo ","
    rec subj-closed-3 2026-02-01T00:00:03Z
    echo ","
    rec keep-closed-1 2026-02-01T00:00:04Z
    echo "]"
} >b1.json
post_json /v1/models/m1/predictions b1.json
check_http "first window's records accepted" 200
# window 02:00: closes the first (persisted), opens the second
{
    echo "["
    rec subj-open-1 2026-02-01T02:00:01Z
    echo ","
    rec keep-open-1 2026-02-01T02:00:02Z
    echo "]"
} >b2.json
post_json /v1/models/m1/predictions b2.json
check_http "second window's records accepted" 200
check_eq "the first window closed and persisted" "$(jget resp 'len(d["windows_closed"])')" 1
# labels: one joins an open row, one waits for a prediction that never comes
printf '[{"id": "subj-open-1", "label": 1}, {"id": "subj-wait-1", "label": 0}, {"id": "keep-open-1", "label": 1}]' >l1.json
post_json /v1/models/m1/labels l1.json
check_http "labels accepted" 200
# a rejected record: a dead letter (reject mode: the batch is refused)
printf '[%s]' "$(rec subj-dead-1 2026-02-01T02:00:03Z '"not a number"')" >bad.json
post_json /v1/models/m1/predictions bad.json
check_http "a bad record is rejected" 400
printf '[%s]' "$(rec keep-dead-1 2026-02-01T02:00:04Z '"nan-ish"')" >bad2.json
post_json /v1/models/m1/predictions bad2.json
api GET /v1/models/m1/rejected
check_eq "two dead letters" "$(jget resp 'd["total"]')" 2
# the test can fail: before the erasure the files hold the ids
for id in subj-closed-1 subj-open-1 subj-dead-1; do
    if data_has "$id"; then pass "before: $id is in the data files"; else fail "before: $id is in the data files" "absent"; fi
done

# ---- refusals ----
api DELETE /v1/models/nope/records/subj-closed-1
check_http "DELETE for an unknown model: 404" 404
api POST /v1/models/nope/erase -H 'Content-Type: application/json' -d '{"ids": ["a"]}'
check_http "erase for an unknown model: 404" 404
api POST /v1/models/m1/erase -H 'Content-Type: application/json' -d '{"ids": []}'
check_http "an empty id list: 400" 400
check_eq "the message names ids" "$(jget resp '"ids" in d["error"]["message"]')" True
python3 -c 'import json; print(json.dumps({"ids": ["i%d" % i for i in range(10001)]}))' >big.json
post_json /v1/models/m1/erase big.json
check_http "10001 ids: 400" 400
api POST /v1/models/m1/erase -H 'Content-Type: application/json' -d '{"ids": ["a", {"x": 1}]}'
check_http "an id that is an object: 400" 400
check_eq "the message names the element" "$(jget resp '"ids[1]" in d["error"]["message"]')" True
api POST /v1/models/m1/erase -H 'Content-Type: application/json' -d '{"id": ["a"]}'
check_http "an unknown key: 400" 400
api GET /v1/models/m1/erase
check_http "GET on erase: 405" 405

# ---- one by one ----
api DELETE /v1/models/m1/records/subj-closed-1
check_http "DELETE one record" 200
check_eq "its model row left the kept closed window and the stored window" \
    "$(jget resp '[d["erased"]["memory"], d["erased"]["windows"], d["erased"]["dead_letters"]]')" "[1, 1, 0]"
check_eq "the answer notes the aggregates" "$(jget resp '"aggregates" in d["note"]')" True
api DELETE /v1/models/m1/records/subj-closed-1
check_eq "a second DELETE finds nothing" \
    "$(jget resp 'sum(d["erased"].values())')" 0

# ---- in bulk ----
api POST /v1/models/m1/erase -H 'Content-Type: application/json' \
    -d '{"ids": ["subj-closed-2", "subj-closed-3", "subj-open-1", "subj-wait-1", "subj-dead-1", "nobody"]}'
check_http "bulk erase" 200
# memory: two closed rows, one open row, one waiting label; journal: subj-open-1's prediction
# and label, subj-wait-1's label; windows: two rows; dead letters: one
check_eq "bulk counts" \
    "$(jget resp '[d["erased"][k] for k in ("memory", "journal", "windows", "dead_letters")]')" \
    "[4, 3, 2, 1]"
api GET /v1/models/m1/rejected
check_eq "the dead letter is gone, the other stays" \
    "$(jget resp '[d["total"], [r["record"].count("subj-") for r in d["rejected"]]]')" "[1, [0]]"
check_eq "metrics: erasures counted" "$(metric vigia_erase_requests_total)" 3
check_eq "metrics: dead letters erased" "$(metric 'vigia_erased_total{where="dead_letters"}')" 1
"$VIGIA" audit export --data-dir "$T/data" -o "$T/audit.ndjson"
check_eq "erasures audited (one entry per request, on model m1, by the caller)" \
    "$(grep '"action":"record.erase"' "$T/audit.ndjson" | grep '"target":"m1"' | grep -c '"actor":"anonymous"')" 3
check_eq "no erased id in the audit log" "$(grep -c 'subj-' "$T/audit.ndjson")" 0
check_eq "no erased id in the daemon's log" "$(grep -c 'subj-' "$SERVE_LOG")" 0

# live files: the erasure checkpointed the WAL
for id in subj-closed-1 subj-closed-2 subj-open-1 subj-wait-1 subj-dead-1; do
    if data_has "$id"; then fail "live: $id left the data files" "found"; else pass "live: $id left the data files"; fi
done
if data_has keep-closed-1 && data_has keep-open-1 && data_has keep-dead-1; then
    pass "live: the other records stay"
else
    fail "live: the other records stay" "missing"
fi

# ---- restart: the journal replay does not bring them back ----
stop_daemon
check_eq "clean stop" "$STOP_RC" 0
for id in subj-closed-1 subj-closed-2 subj-closed-3 subj-open-1 subj-wait-1 subj-dead-1; do
    if data_has "$id"; then fail "stopped: $id absent" "found"; else pass "stopped: $id absent"; fi
done
if ! start_daemon "$T/data" --config serve.yaml; then
    fail "restart" "not ready"
    finish
fi
check_eq "replay: the open window holds the record kept only" \
    "$(grep -o 'model m1: recovered ([0-9]* journal entries, [0-9]* records replayed' "$SERVE_LOG" | sed 's/.*entries, //')" \
    "2 records replayed"
# windows persisted after the erasure (the open window, flushed) carry no erased id
api POST /v1/models/m1/flush
check_http "flush after restart" 200
check_eq "the open window persisted" "$(jget resp 'd["closed"]')" 1
api GET /v1/models/m1/windows
check_eq "two windows stored" "$(jget resp 'len(d["windows"])')" 2
stop_daemon
for id in subj-closed-1 subj-closed-2 subj-closed-3 subj-open-1 subj-wait-1 subj-dead-1; do
    if data_has "$id"; then fail "after restart and flush: $id absent" "found"; else pass "after restart and flush: $id absent"; fi
done
if data_has keep-open-1; then pass "the kept open record was persisted"; else fail "the kept open record was persisted" "absent"; fi

# ---- retention: set short by a reload, enforced within ticks ----
if ! start_daemon "$T/data" --config serve.yaml; then
    fail "restart for retention" "not ready"
    finish
fi
cat >>serve.yaml <<'EOF'
dead_letter_retention: 2s
rows_retention: 2s
EOF
kill -HUP "$SERVE_PID"
if wait_for 'd["total"]' 0 /v1/models/m1/rejected; then
    pass "dead letters expired"
else
    fail "dead letters expired" "total $(jget resp 'd["total"]')"
fi
check_eq "reload logged" "$(grep -c 'reload: dead_letter_retention 7d -> 2s' "$SERVE_LOG")" 1
for i in $(seq 1 100); do
    [ "$(metric 'vigia_retention_deleted_total{what="rows"}')" = 2 ] && break
    sleep 0.1
done
check_eq "metrics: both windows' rows cleared" "$(metric 'vigia_retention_deleted_total{what="rows"}')" 2
check_eq "metrics: the dead letter counted" "$(metric 'vigia_retention_deleted_total{what="dead_letters"}')" 1
if grep -q 'retention: 2 window rows older than 2 s cleared' "$SERVE_LOG"; then pass "rows retention logged"; else fail "rows retention logged" "no line"; fi
api GET /v1/models/m1/windows
check_eq "the windows stay (reports and profiles)" "$(jget resp 'len(d["windows"])')" 2
api GET "/v1/models/m1/windows/$(jget resp 'd["windows"][0]["key"]')"
check_http "a window's report still answers" 200
stop_daemon
for id in keep-closed-1 keep-open-1 keep-dead-1; do
    if data_has "$id"; then fail "retention: $id left the data files" "found"; else pass "retention: $id left the data files"; fi
done
# a restart over windows without rows
if start_daemon "$T/data" --config serve.yaml; then
    pass "restart over windows whose rows were cleared"
    api GET /v1/models/m1
    check_http "the model recovered" 200
    stop_daemon
else
    fail "restart over windows whose rows were cleared" "not ready"
fi
# ---- erasures during ingestion: windows closing and persisting concurrently ----
# Four clients post batches of 20 records into count windows of 50 (so windows close and persist
# with the model's lock released while the clients go on); meanwhile ids of batches already
# acknowledged are erased. After the stop, none of them is in the files, and every other
# acknowledged record was counted.
cat >race.yaml <<'EOF2'
batch_mode: reject
tick: 100ms
retention: 0
log_level: info
models:
  - name: m2
    task: binary
    features: [{name: a, type: numeric}]
    window: {count: 50}
EOF2
if ! start_daemon "$T/race" --config race.yaml; then
    fail "race: start" "not ready"
    finish
fi
client() {
    local c=$1 b r
    for b in $(seq 1 25); do
        {
            echo "["
            for r in $(seq 1 20); do
                [ "$r" -gt 1 ] && echo ","
                printf '{"id": "race-%s-%02d-%02d-z", "features": {"a": %s}, "prediction": 0.5}' "$c" "$b" "$r" "$r"
            done
            echo "]"
        } >"race-$c-$b.json"
        if [ "$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
            --data-binary "@race-$c-$b.json" "http://127.0.0.1:$SERVE_PORT/v1/models/m2/predictions")" = 200 ]; then
            echo "$c $b" >>"acked.$c"
        fi
    done
}
CLIENTS=()
for c in 1 2 3 4; do
    client "$c" &
    CLIENTS+=($!)
done
: >erased.ids
for round in $(seq 1 12); do
    # the ids of two batches acknowledged so far (records 1..10 of each)
    ids=$(cat acked.* 2>/dev/null | sort -R | head -2 | while read -r c b; do
        for r in $(seq 1 10); do printf 'race-%s-%02d-%02d-z\n' "$c" "$b" "$r"; done
    done)
    if [ -n "$ids" ]; then
        echo "$ids" >>erased.ids
        body=$(echo "$ids" | python3 -c 'import json, sys; print(json.dumps({"ids": sys.stdin.read().split()}))')
        api POST /v1/models/m2/erase -H 'Content-Type: application/json' -d "$body"
        [ "$HTTP" = 200 ] || fail "race: erase round $round" "HTTP $HTTP $(head -c 200 "$T/resp")"
    fi
    sleep 0.05
done
wait "${CLIENTS[@]}"
acked=$(cat acked.* | wc -l)
check_eq "race: every batch acknowledged" "$acked" 100
api POST /v1/models/m2/flush
check_http "race: flush" 200
api GET /v1/models/m2
check_eq "race: every acknowledged record counted (aggregates keep erased ones)" \
    "$(jget resp 'd["stats"]["records_accepted"]')" 2000
stop_daemon
sort -u erased.ids >erased.sorted
n_erased=$(wc -l <erased.sorted)
left=0
while read -r id; do
    # fixed-width ids ending in "-z": none is a prefix of another
    if cat "$T/race"/vigia.db* 2>/dev/null | grep -aqF -- "$id"; then
        left=$((left + 1))
    fi
done <erased.sorted
check_eq "race: none of the $n_erased erased ids is in the files" "$left" 0
# control: an id never erased is there
kept=$(cat acked.* | head -1 | awk '{printf "race-%s-%02d-15-z", $1, $2}')
if cat "$T/race"/vigia.db* | grep -aqF -- "$kept"; then pass "race: a kept id is stored"; else fail "race: a kept id is stored" "$kept absent"; fi

# ---- a batch applied before the erasure, made durable after it ----
# An outside connection holds the database's write lock, so the batch of victim-1 is applied in
# memory but waits for its journal commit; the erasure then starts. It must wait for that commit
# and remove the record from the journal too (journal: 1), or a restart would replay it. While
# the lock is held every store call waits (busy timeout 10 s): the batch's journal prune first
# (it fails after 10 s, logged), then its journal append, during which the erasure runs. The
# tick is an hour so that it does not take the model's lock meanwhile.
if command -v sqlite3 >/dev/null; then
    sed 's/^tick: .*/tick: 1h/' race.yaml >inflight.yaml
    if ! start_daemon "$T/inflight" --config inflight.yaml; then
        fail "in flight: start" "not ready"
        finish
    fi
    coproc LOCKER { sqlite3 "$T/inflight/vigia.db"; }
    printf '.timeout 5000\nBEGIN IMMEDIATE;\nSELECT %s;\n' "'locked'" >&"${LOCKER[1]}"
    IFS= read -r -t 10 locked <&"${LOCKER[0]}"
    check_eq "in flight: the outside connection holds the write lock" "$locked" locked
    printf '[{"id": "victim-1-z", "features": {"a": 1}, "prediction": 0.5}]' >victim.json
    curl -s -m 60 -o victim.out -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary @victim.json "http://127.0.0.1:$SERVE_PORT/v1/models/m2/predictions" >victim.code &
    VPID=$!
    for i in $(seq 1 150); do
        grep -q 'model m2: journal prune:' "$SERVE_LOG" && break
        sleep 0.1
    done
    # the model list reads the monitors only: answering, it shows the model's lock is free
    api GET /v1/models
    check_eq "in flight: the batch is applied and waits for its journal commit" \
        "$(jget resp '[m["open_rows"] for m in d["models"] if m["name"] == "m2"][0]') $(kill -0 $VPID 2>/dev/null && echo waiting)" \
        "1 waiting"
    curl -s -m 60 -o erase.out -w '%{http_code}' -X DELETE \
        "http://127.0.0.1:$SERVE_PORT/v1/models/m2/records/victim-1-z" >erase.code &
    EPID=$!
    sleep 0.5 # nothing to poll: the erasure is to stay blocked while the batch is
    check_eq "in flight: the erasure waits for the batch" "$(kill -0 $EPID 2>/dev/null && echo waiting)" waiting
    printf 'COMMIT;\n.quit\n' >&"${LOCKER[1]}"
    wait "$VPID" "$EPID"
    check_eq "in flight: the batch acknowledged" "$(cat victim.code)" 200
    check_eq "in flight: erased from memory and from the journal entry committed meanwhile" \
        "$(cat erase.code) $(jget erase.out '[d["erased"]["memory"], d["erased"]["journal"]]')" "200 [1, 1]"
    stop_daemon
    if cat "$T/inflight"/vigia.db* | grep -aqF victim-1-z; then
        fail "in flight: the record is not in the files" "found"
    else
        pass "in flight: the record is not in the files"
    fi
else
    fail "in flight: the sqlite3 command holds the write lock" "sqlite3 is not installed (scripts/install-deps installs it)"
fi

check_logs_clean "no sanitizer report"
finish
