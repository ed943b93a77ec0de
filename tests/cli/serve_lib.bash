# Helpers of the `vigia serve` suites (tests/cli/serve*.sh), sourced after lib.bash: start the
# real daemon on a free port with a private data directory, talk to it with curl, stop it.
# Every wait has a timeout and the EXIT trap kills whatever daemon is still running, so a
# failing suite never hangs and never leaves a process behind.

SERVE_PID=
SERVE_PORT=
SERVE_LOG=
SERVE_LOGS=()
EXTRA_PIDS=()

kill_daemons() {
    local p
    for p in $SERVE_PID "${EXTRA_PIDS[@]}"; do
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null
    done
    SERVE_PID=
}
trap 'kill_daemons; exec 7>&-; wait $JQ_PID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

# The suites test the API, not authentication: their daemons run with --auth off unless a suite
# sets SERVE_AUTH (tokens, or empty for none of the flag) before starting one.
SERVE_AUTH=${SERVE_AUTH-off}

# start_daemon DATA_DIR [vigia serve args...]: starts the daemon listening on 127.0.0.1 with a
# port the kernel chose (--listen 127.0.0.1:0; the port is read from the start-up log line),
# waits until /readyz answers 200. Returns non-zero (and prints the log) when it does not.
start_daemon() {
    local dir=$1
    shift
    SERVE_LOG=$T/serve.$((${#SERVE_LOGS[@]} + 1)).log
    SERVE_LOGS+=("$SERVE_LOG")
    local auth=()
    [ -n "$SERVE_AUTH" ] && auth=(--auth "$SERVE_AUTH")
    "$VIGIA" serve --listen 127.0.0.1:0 --data-dir "$dir" "${auth[@]}" "$@" 2>"$SERVE_LOG" &
    SERVE_PID=$!
    SERVE_PORT=
    local i
    for i in $(seq 1 200); do
        SERVE_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$SERVE_LOG" | head -1)
        [ -n "$SERVE_PORT" ] && break
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$SERVE_PORT" ]; then
        echo "daemon did not start; log:" >&2
        cat "$SERVE_LOG" >&2
        return 1
    fi
    for i in $(seq 1 300); do
        if [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVE_PORT/readyz")" = 200 ]; then
            return 0
        fi
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "daemon not ready; log:" >&2
    cat "$SERVE_LOG" >&2
    return 1
}

# stop_daemon [SIGNAL]: sends SIGTERM (or SIGNAL), waits at most 30 s; STOP_RC is its exit
# status (124 when it had to be killed).
STOP_RC=0
stop_daemon() {
    local sig=${1:-TERM} i
    [ -n "$SERVE_PID" ] || return 0
    kill -s "$sig" "$SERVE_PID" 2>/dev/null
    for i in $(seq 1 300); do
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVE_PID" 2>/dev/null; then
        kill -9 "$SERVE_PID" 2>/dev/null
        { wait "$SERVE_PID"; } 2>/dev/null
        STOP_RC=124
    else
        # braces: the shell's own "Killed" notice of a job goes to this stderr too
        { wait "$SERVE_PID"; } 2>/dev/null
        STOP_RC=$?
    fi
    SERVE_PID=
}

# api METHOD PATH [curl args...]: the answer's body goes to $T/resp, its status to HTTP.
HTTP=000
api() {
    local method=$1 path=$2
    shift 2
    HTTP=$(curl -s -m 30 -o "$T/resp" -w '%{http_code}' -X "$method" "$@" \
        "http://127.0.0.1:$SERVE_PORT$path")
}

# post_json PATH FILE: POST a file as application/json.
post_json() {
    api POST "$1" -H 'Content-Type: application/json' --data-binary "@$2"
}

# check_http NAME WANT: the last answer's status.
check_http() {
    if [ "$HTTP" = "$2" ]; then
        pass "$1"
    else
        fail "$1" "HTTP $HTTP, expected $2: $(head -c 300 "$T/resp")"
    fi
}

# The daemon logs had no sanitizer report.
check_logs_clean() {
    local l
    for l in "${SERVE_LOGS[@]}"; do
        if grep -qE 'Sanitizer|runtime error:' "$l"; then
            fail "$1" "sanitizer report in $(basename "$l"): $(grep -m1 -E 'Sanitizer|runtime error' "$l")"
            return 1
        fi
    done
    pass "$1"
}
