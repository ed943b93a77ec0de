#!/usr/bin/env bash
# vigia compare end to end: usage errors, bad input, and the verdict in text and JSON.
VIGIA=${VIGIA:-build/vigia}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# expect NAME STATUS SUBSTRING -- command...
expect() {
    local name=$1 want=$2 text=$3
    shift 4
    "$@" >"$d/out" 2>"$d/err"
    local rc=$?
    if [ "$rc" -eq "$want" ] && grep -qF -- "$text" "$d/out" "$d/err"; then
        pass "$name"
    else
        fail "$name" "exit $rc, output: $(head -c 300 "$d/err" "$d/out" | tr '\n' ' ')"
    fi
}
printf 'x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n' >"$d/ref.csv"
printf 'x,c\n10,a\n20,z\n30,z\n40,z\n50,z\n60,z\n70,z\n' >"$d/cur.csv"
printf 'x,c\n1,a\n2\n' >"$d/bad.csv"
printf 'x,c\n' >"$d/empty.csv"

expect help 0 "usage: vigia compare" -- "$VIGIA" compare --help
expect missing_current 2 "--reference and --current are required" -- "$VIGIA" compare -r "$d/ref.csv"
expect extra_argument 2 "unexpected argument" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" x
expect bad_method 2 "unknown method 'nope'" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" --method nope
expect bad_share 2 "--drift-share" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" --drift-share 2
expect no_file 2 "nosuch.csv" -- "$VIGIA" compare -r "$d/nosuch.csv" -c "$d/cur.csv"
expect ragged_current 2 "bad.csv:3: expected 2 fields, found 1" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/bad.csv"
expect no_rows 2 "no data rows" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/empty.csv"
expect text_verdict 0 "dataset drift: YES: 2 of 2 columns drifted" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv"
"$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" -f json -o "$d/out.json" 2>"$d/err"
if /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["drift"]["columns"]["c"]
assert d["drift"]["dataset_drift"] is True, d["drift"]
assert c["kind"] == "categorical" and c["unseen_categories"] == 1 and c["method"] == "chi2", c
assert d["drift"]["columns"]["x"]["kind"] == "numeric", d["drift"]["columns"]["x"]
' "$d/out.json" 2>"$d/err"; then pass json_output_file; else fail json_output_file "$(cat "$d/err")"; fi
