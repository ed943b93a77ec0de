#!/usr/bin/env bash
# NDJSON reading, checked through `vigia profile -f json`: how JSON values become cells
# (null -> missing, 1.0 stays fractional, arrays/objects as compact JSON), columns discovered
# late, blank lines, line ends, format detection, and -j N against -j 1. (The error paths
# are in errors.sh.)
#   VIGIA=build/vigia bash tests/cli/ndjson.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

values() { echo "sorted(str(t[\"value\"]) for t in d[\"columns\"][\"$1\"][\"top\"])"; }
names='[c["name"] for c in d["schema"]]'
col() { echo "(d[\"columns\"][\"$1\"][\"type\"], d[\"columns\"][\"$1\"][\"count\"], d[\"columns\"][\"$1\"][\"missing\"], d[\"columns\"][\"$1\"][\"types\"])"; }

printf '%s\n' \
    '{"i":1,"f":1.0,"b":true,"s":"x","n":null,"a":[1,"two"],"o":{"k":"v"}}' \
    '{"i":2,"f":2.5,"b":false,"s":"caf\u00e9","n":null,"a":[],"o":{}}' \
    '{"i":-3,"s":"line\nbreak"}' >values.ndjson
run profile -f json values.ndjson
if json_ok values; then
    mapfile -t R < <(jmany out 'd["rows"]' "$names" "$(col i)" "$(col f)" "$(col b)" "$(col s)" "$(col n)" \
        "$(values a)" "$(values o)" "$(values s)" 'd["input"]["format"]')
    check_eq values_rows "${R[0]}" 3
    check_eq values_columns_in_order "${R[1]}" '["i", "f", "b", "s", "n", "a", "o"]'
    check_eq values_integers "${R[2]}" '["integer", 3, 0, {"boolean": 0, "fractional": 0, "integer": 3, "string": 0}]'
    check_eq values_one_point_zero_is_fractional "${R[3]}" '["fractional", 2, 1, {"boolean": 0, "fractional": 2, "integer": 0, "string": 0}]'
    check_eq values_booleans "${R[4]}" '["boolean", 2, 1, {"boolean": 2, "fractional": 0, "integer": 0, "string": 0}]'
    check_eq values_strings "${R[5]}" '["string", 3, 0, {"boolean": 0, "fractional": 0, "integer": 0, "string": 3}]'
    check_eq values_null_is_missing "$(echo "${R[6]}" | cut -d, -f2-3)" ' 0, 3'
    check_eq values_array_compact_json "${R[7]}" '["[1,\"two\"]", "[]"]'
    check_eq values_object_compact_json "${R[8]}" '["{\"k\":\"v\"}", "{}"]'
    check_eq values_string_escapes "${R[9]}" '["caf\u00e9", "line\nbreak", "x"]'
    check_eq values_format "${R[10]}" ndjson
fi

# An integer too big for 64 bits is still an integer (as in CSV), and the other numbers of
# that line keep their own types (an integer stays an integer, [1,2] stays "[1,2]").
printf '%s\n' '{"id":1,"big":123456789012345678901234,"arr":[1,2]}' '{"id":2,"big":1,"arr":[1,2]}' >bigint.ndjson
run profile -f json bigint.ndjson
if json_ok bigint; then
    mapfile -t R < <(jmany out 'd["columns"]["big"]["types"]["integer"]' "$(col id)" "$(values arr)")
    check_eq bigint_still_integer "${R[0]}" 2
    check_eq bigint_other_integers_unaffected "${R[1]}" '["integer", 2, 0, {"boolean": 0, "fractional": 0, "integer": 2, "string": 0}]'
    check_eq bigint_other_arrays_unaffected "${R[2]}" '["[1,2]"]'
fi

# a column first seen late was missing in the rows before it; key order does not matter
printf '%s\n' '{"b":1,"a":2}' '{"a":3,"b":4}' '{"a":5,"c":"x","b":6}' '{"c":"y"}' >late.ndjson
run profile -f json late.ndjson
if json_ok late_columns; then
    check_eq late_columns "$(jget out '('"$names"', [(k, v["count"], v["missing"]) for k, v in d["columns"].items()])')" \
        '[["b", "a", "c"], [["b", 3, 1], ["a", 3, 1], ["c", 2, 2]]]'
fi

# blank and whitespace-only lines are skipped and counted; CRLF; no newline at the end
printf '{"a":1}\r\n\r\n   \n\t\n{"a":2}\r\n{"a":3}' >blank.ndjson
run profile -f json blank.ndjson
json_ok blank_lines && check_eq blank_lines "$(jget out '(d["rows"], d["input"]["blank_lines"], d["columns"]["a"]["type"], d["columns"]["a"]["max"])')" \
    '[3, 3, "integer", 3.0]'
printf '{"a":1}\n\n{"a":2}\n[3]\n' >blank_bad.ndjson
run profile blank_bad.ndjson
expect blank_lines_error_line 2 "blank_bad.ndjson:4: expected a JSON object"

# format detection: .ndjson, .jsonl, .json (any case) are NDJSON; --input-format overrides
printf '{"a":1}\n{"a":2}\n' >d.ndjson
for f in d.jsonl d.json D.JSONL; do cp d.ndjson $f; done
for f in d.ndjson d.jsonl d.json D.JSONL; do
    run profile -f json $f
    json_ok "detect_$f" && check_eq "detect_$f" "$(jget out '(d["input"]["format"], d["rows"])')" '["ndjson", 2]'
done
printf 'x,y\n1,2\n' >really_csv.json
run profile --input-format csv -f json really_csv.json
json_ok input_format_csv_beats_extension && check_eq input_format_csv_beats_extension "$(jget out '(d["input"]["format"], '"$names"')')" '["csv", ["x", "y"]]'
cp d.ndjson d.log
run profile --input-format ndjson -f json d.log
json_ok input_format_ndjson && check_eq input_format_ndjson "$(jget out '(d["input"]["format"], d["rows"])')" '["ndjson", 2]'

# -j N gives the profile of -j 1 (columns discovered at different rows in each part)
"$PY" - <<'EOF'
import json, random
rnd = random.Random(3)
with open('big.ndjson', 'w') as f:
    for i in range(20000):
        d = {'id': i, 'v': round(rnd.gauss(0, 1), 6), 's': rnd.choice(['a', 'b', 'c', None])}
        if i % 7 == 0:
            d['sparse'] = i
        if i > 15000:
            d = {'late': 'x%d' % (i % 5), **d}
        if i % 2500 == 17:
            f.write('\n')
        f.write(json.dumps(d) + '\n')
EOF
run profile -f json -j 1 big.ndjson
json_ok threads_serial && cp out big.j1.json
check_eq threads_sanity "$(jget big.j1.json '(d["rows"], d["input"]["blank_lines"], d["columns"]["late"]["missing"], d["columns"]["s"]["missing"] > 0)')" '[20000, 8, 15001, true]'
for j in 2 3; do
    run profile -f json -j $j big.ndjson
    if json_ok "threads_j$j"; then
        check_eq "threads_j${j}_parallel_used" "$(jget out 'd["input"]["threads"]')" $j
        check_eq "threads_j${j}_same_as_j1" "$(jget out "$SUMMARY")" "$(jget big.j1.json "$SUMMARY")"
    fi
done

# profile -o / show round trip
run profile -q -o big.vgp big.ndjson
run show -f json big.vgp
json_ok show_round_trip && check_eq show_round_trip "$(jget out 'd["columns"]')" "$(jget big.j1.json 'd["columns"]')"

finish
