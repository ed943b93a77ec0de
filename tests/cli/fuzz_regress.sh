#!/usr/bin/env bash
# What the fuzzers found in the daemon, end to end against the real `vigia serve` (the inputs
# themselves are replayed by the fuzz step of make test; docs/fuzzing.md):
#   - a URL with hundreds of query arguments ('&' alone) filled libmicrohttpd's per-connection
#     pool so that it could neither answer nor close: the connection hung for the 120 s idle
#     timeout. Now more than 64 arguments close the connection at once, and 64 still work.
#   - a daemon config with a setting given twice (a second `models:` list overflowed the first).
#   - a compare config listing an empty role twice (`id: []`) freed the roles twice.
#
#   VIGIA=build/vigia bash tests/cli/fuzz_regress.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

if ! start_daemon "$T/data" --log-level info; then
    fail "start" "the daemon did not become ready"
    # an empty role list, twice: accepted (nothing to assign), no double free (ASan builds)
printf 'compare:\n  roles:\n    id: []\n    timestamp: []\n  roles:\n    id: []\n' >roles.yaml
printf 'a,b\n1,x\n2,y\n' >r.csv
run compare -r r.csv -c r.csv --config roles.yaml --format json
expect "empty roles twice" 0

finish
fi
base=http://127.0.0.1:$SERVE_PORT

amps() { printf '%*s' "$1" '' | tr ' ' '&'; }

# 64 arguments: answered as usual (404: no such model), promptly
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$base/v1/models/none/windows?$(amps 63)")
check_eq "64 query arguments are answered" "$code" 404

# 700 and 5000: the connection closes at once (curl: empty reply, exit 52), never a timeout (28)
for n in 700 5000; do
    start=$(date +%s%N)
    curl -s -m 10 -o /dev/null "$base/v1/models/none/windows?$(amps "$n")"
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    check_eq "$n query arguments: connection closed (curl exit)" "$rc" 52
    if [ "$ms" -lt 5000 ]; then pass "$n query arguments: closed in ${ms} ms"; else fail "$n query arguments" "took ${ms} ms"; fi
done
if grep -q 'query arguments (at most 64): closed' "$SERVE_LOG"; then
    pass "the cut-off is logged"
else
    fail "the cut-off is logged" "$(tail -3 "$SERVE_LOG")"
fi

# the daemon is unharmed
check_eq "healthz after" "$(curl -s -m 5 "$base/healthz")" ok
stop_daemon
check_eq "clean stop" "$STOP_RC" 0

# a setting given twice is refused, naming both lines
printf 'threads: 2\nmodels: []\nthreads: 3\n' >twice.yaml
run serve --config twice.yaml --data-dir "$T/data2"
expect "setting twice: exit 2" 2 "twice.yaml:3:1: threads: set twice (line 1 has it already)"

# an empty role list, twice: accepted (nothing to assign), no double free (ASan builds)
printf 'compare:\n  roles:\n    id: []\n    timestamp: []\n  roles:\n    id: []\n' >roles.yaml
printf 'a,b\n1,x\n2,y\n' >r.csv
run compare -r r.csv -c r.csv --config roles.yaml --format json
expect "empty roles twice" 0

finish
