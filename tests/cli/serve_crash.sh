#!/usr/bin/env bash
# vigia serve: kill -9 during sustained ingestion. Four clients post batches of 200 records in
# loops to a count-window model and a time-window model (windows of one second of arrival time,
# so windows close all the time) while a fifth flushes now and then; the daemon is killed -9 at
# three different moments (and once more right after a flush request, inside a window close),
# restarted on the same data directory each time. After each restart both models are flushed and:
#   - acknowledged <= stored rows <= acknowledged + in flight (a batch whose answer the crash
#     cut may or may not have been made durable), over all phases so far;
#   - exactly: every record has a unique id; labels are posted for every id acknowledged in the
#     phase and must all join (labels_matched grows by the acknowledged count), then for every
#     in-flight id, after which labels_matched must have grown by the rows the phase stored:
#     the stored records are exactly the acknowledged ones plus some in-flight ones, none lost,
#     none counted twice. (Per phase, because the monitor keeps the ids of its 32 newest closed
#     windows only; count windows are large enough that a phase never makes more.)
#
#   VIGIA=build/vigia bash tests/cli/serve_crash.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

cat >crash.yaml <<'EOF'
tick: 100ms
retention: 0
log_level: info
models:
  - name: cnt
    task: binary
    features:
      - {name: a, type: numeric}
      - {name: c, type: categorical}
    window: {count: 20000}
  - name: tim
    task: binary
    features:
      - {name: a, type: numeric}
      - {name: c, type: categorical}
    window: {duration: 1s}
EOF

# The client driver: posts until the daemon dies (it kills it itself after DELAY seconds, so the
# kill lands while requests are in flight), appending the ids of acknowledged batches to
# ack.MODEL and those of batches without an answer to inflight.MODEL. Records carry no
# timestamp: their event time is their arrival, so closed windows stay within the label TTL.
cat >driver.py <<'EOF'
import http.client, json, os, random, signal, sys, threading, time
pid, port, delay, phase, flush_then_kill = (int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]),
                                            sys.argv[4], sys.argv[5] == "1")
NCLIENT, BATCH = 4, 200
lock = threading.Lock()
ack = {"cnt": [], "tim": []}
infl = {"cnt": [], "tim": []}
bad = []
stop = threading.Event()

def client(c):
    rnd = random.Random(hash((phase, c)))
    seq = 0
    conn = None
    while not stop.is_set():
        model = "cnt" if seq % 2 == 0 else "tim"
        ids = ["%s-%d-%d-%d" % (phase, c, seq, i) for i in range(BATCH)]
        body = json.dumps([{"id": x, "features": {"a": rnd.gauss(0, 1), "c": rnd.choice("pqrs")},
                            "prediction": rnd.random()} for x in ids])
        seq += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            conn.request("POST", "/v1/models/%s/predictions" % model, body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except Exception:
            # sent (maybe in part) and unanswered: durable or not, nobody knows
            with lock:
                infl[model].extend(ids)
            return
        with lock:
            if r.status == 200 and json.loads(data)["accepted"] == BATCH:
                ack[model].extend(ids)
            else:
                bad.append("%d %s" % (r.status, data[:200]))
                return

def flusher():
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            conn.request("POST", "/v1/models/cnt/flush")
            conn.getresponse().read()
            conn.close()
        except Exception:
            return
        time.sleep(0.4)

threads = [threading.Thread(target=client, args=(c,)) for c in range(NCLIENT)]
threads.append(threading.Thread(target=flusher))
for t in threads:
    t.start()
time.sleep(delay)
if flush_then_kill:
    # a flush of the count model with its open window in memory: kill inside the close
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("POST", "/v1/models/cnt/flush")
        time.sleep(random.uniform(0.0, 0.01))
    except Exception:
        pass
os.kill(pid, signal.SIGKILL)
stop.set()
for t in threads:
    t.join(30)
for m in ack:
    with open("ack.%s.p%s" % (m, phase), "w") as f:
        f.write("".join(x + "\n" for x in ack[m]))
    with open("inflight.%s.p%s" % (m, phase), "w") as f:
        f.write("".join(x + "\n" for x in infl[m]))
print(len(ack["cnt"]) + len(ack["tim"]), len(infl["cnt"]) + len(infl["tim"]), len(bad),
      bad[0] if bad else "")
EOF

DATA=$T/data
: >stored.prev
for m in cnt tim; do
    : >ack.$m
    : >inflight.$m
    echo 0 >stored.$m
done
if ! start_daemon "$DATA" --config crash.yaml; then
    fail "start" "the daemon did not become ready"
    finish
fi
pass "start"

# labels_matched of model $1 now
matched() {
    api GET "/v1/models/$1"
    jget resp 'd["stats"]["labels_matched"]'
}

# post_labels MODEL FILE-OF-IDS LABEL: the ids' labels in batches of 20000; LABELS_OK=0 when
# one was not answered 200
post_labels() {
    local f
    rm -f lab.*.json
    "$PY" -c '
import json, sys
ids = open(sys.argv[1]).read().split()
for k in range(0, len(ids), 20000):
    json.dump([{"id": x, "label": int(sys.argv[2])} for x in ids[k:k + 20000]],
              open("lab.%03d.json" % (k // 20000), "w"))
' "$2" "$3"
    LABELS_OK=1
    for f in lab.*.json; do
        [ -e "$f" ] || continue
        post_json "/v1/models/$1/labels" "$f"
        [ "$HTTP" = 200 ] || LABELS_OK=0
    done
}

# verify PHASE: after a restart, close every window and check model by model that the stored
# rows are within bounds, and, exactly, that the records of this phase stored are its
# acknowledged ones plus some of its in-flight ones. (The labels of one phase are checked in
# that phase: the monitor keeps the ids of its 32 newest closed windows only.)
EXACT=0
verify() {
    local p=$1 m stored prev nack ninfl tack tinfl m0 m1 m2
    for m in cnt tim; do
        api POST /v1/models/$m/flush
        check_http "phase $p: flush $m" 200
        api GET "/v1/models/$m/windows?limit=100000"
        stored=$(jget resp 'sum(w["rows"] for w in d["windows"])')
        tack=$(cat ack.$m ack.$m.p* 2>/dev/null | wc -l)
        tinfl=$(cat inflight.$m inflight.$m.p* 2>/dev/null | wc -l)
        if [ "$stored" -ge "$tack" ] && [ "$stored" -le $((tack + tinfl)) ]; then
            pass "phase $p, $m: acknowledged <= stored <= acknowledged + in flight ($tack <= $stored <= $((tack + tinfl)))"
        else
            fail "phase $p, $m: stored rows" "$stored stored, $tack acknowledged, $tinfl in flight"
        fi
        prev=$(cat stored.$m)
        echo "$stored" >stored.$m
        nack=$(wc -l <ack.$m.p$p)
        ninfl=$(wc -l <inflight.$m.p$p)
        [ $((stored - prev)) = "$nack" ] && EXACT=$((EXACT + 1))
        echo "# phase $p, $m: $nack acknowledged, $ninfl in flight, $((stored - prev)) stored"

        # every acknowledged id of the phase is there: its label joins
        m0=$(matched $m)
        post_labels $m ack.$m.p$p 1
        check_eq "phase $p, $m: labels of the acknowledged ids accepted" "$LABELS_OK" 1 \
            "HTTP $HTTP $(head -c 200 "$T/resp")"
        m1=$(matched $m)
        check_eq "phase $p, $m: every acknowledged id survived (its label joined)" \
            "$((m1 - m0))" "$nack"
        # and the in-flight ones that were made durable, none twice
        post_labels $m inflight.$m.p$p 0
        m2=$(matched $m)
        check_eq "phase $p, $m: stored = acknowledged + durable in-flight ids, none twice" \
            "$((m2 - m0))" "$((stored - prev))"
        cat ack.$m.p$p >>ack.$m
        cat inflight.$m.p$p >>inflight.$m
        rm -f ack.$m.p$p inflight.$m.p$p
    done
}

# kill at three moments of the ingestion, then once inside a flush
phase=0
for spec in "0.7 0" "1.6 0" "2.5 0" "1.0 1"; do
    set -- $spec
    phase=$((phase + 1))
    read -r nack ninfl nbad badmsg < <(timeout 60 "$PY" driver.py "$SERVE_PID" "$SERVE_PORT" "$1" "$phase" "$2")
    { wait "$SERVE_PID"; } 2>/dev/null
    SERVE_PID=
    what="kill -9 after $1 s"
    [ "$2" = 1 ] && what="$what, in a flush"
    check_eq "phase $phase ($what): every batch answered 200 or cut" "${nbad:-?}" 0 "$badmsg"
    if [ "${nack:-0}" -le 0 ]; then
        fail "phase $phase: records acknowledged before the kill" "none"
    fi
    if ! start_daemon "$DATA" --config crash.yaml; then
        fail "phase $phase: restart after kill -9" "not ready"
        finish
    fi
    pass "phase $phase: restart after kill -9"
    check_eq "phase $phase: recovery logged" "$(grep -c 'records replayed' "$SERVE_LOG")" 2
    verify $phase
done
echo "# phases x models with stored == acknowledged exactly: $EXACT of 8"
for m in cnt tim; do
    api GET "/v1/models/$m/windows?limit=100000"
    check_eq "$m: every stored row labelled once in the windows" \
        "$(jget resp 'sum(w["labelled"] for w in d["windows"])')" "$(cat stored.$m)"
done

stop_daemon TERM
check_eq "SIGTERM exits 0" "$STOP_RC" 0
check_logs_clean "no sanitizer report in the daemon logs"
finish
