#!/usr/bin/env bash
# vigia check and vigia suggest end to end: every constraint kind passing and failing, exit
# statuses, the text, JSON and JUnit XML reports (checked with xmllint), bad constraint files
# (unknown kind or key, wrong value type, YAML syntax error: each named by line and column), and
# a suggested suite fed back to vigia check on its own baseline (passes) and on drifted data
# (fails, with the reasons).
VIGIA=${VIGIA:-build/vigia}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
: >"$d/json"
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# expect NAME STATUS SUBSTRING -- command...
expect() {
    local name=$1 want=$2 text=$3
    shift 4
    "$@" >"$d/out" 2>"$d/err"
    local rc=$?
    if [ "$rc" -eq "$want" ] && grep -qF -- "$text" "$d/out" "$d/err" "$d/json"; then
        pass "$name"
    else
        fail "$name" "exit $rc (want $want), output: $(head -c 400 "$d/err" "$d/out" | tr '\n' ' ')"
    fi
}
# one NAME STATUS SUBSTRING 'constraint' [extra check args]: a suite of one constraint on d.csv
one() {
    local name=$1 want=$2 text=$3 c=$4
    shift 4
    printf 'constraints:\n  - %s\n' "$c" >"$d/one.yaml"
    # the JSON report carries every message, passing ones too
    "$VIGIA" check --constraints "$d/one.yaml" "$d/d.csv" -f json "$@" >"$d/json" 2>/dev/null
    expect "$name" "$want" "$text" -- "$VIGIA" check --constraints "$d/one.yaml" "$d/d.csv" "$@"
}

# 40 rows: id unique; age integer 20..59; income fractional with 4 missing; region 3 values;
# flag boolean; code with a duplicate-free text column
/usr/bin/python3 - "$d" <<'PY'
import random, sys
d = sys.argv[1]
rnd = random.Random(3)
with open(d + "/d.csv", "w") as f:
    f.write("id,age,income,region,flag,name\n")
    for i in range(40):
        inc = "" if i % 10 == 3 else "%.2f" % (1000 + 37.5 * i)
        f.write("%d,%d,%s,%s,%s,n%02d\n" % (i, 20 + i, inc, ["north", "south", "east"][i % 3],
                                            ["true", "false"][i % 2], i))
# the same shapes shifted: for drift
with open(d + "/shift.csv", "w") as f:
    f.write("id,age,income,region,flag,name\n")
    for i in range(40):
        f.write("%d,%d,%.2f,%s,%s,n%02d\n" % (i, 60 + i, 9000 + 50.0 * i, "west",
                                              ["true", "false"][i % 2], i))
PY
D=$d/d.csv

# ---- usage and input errors (exit 2) -------------------------------------------------------
expect help 0 "usage: vigia check" -- "$VIGIA" check --help
expect suggest_help 0 "usage: vigia suggest" -- "$VIGIA" suggest --help
expect no_constraints 2 "--constraints is required" -- "$VIGIA" check "$D"
printf 'constraints:\n  - {kind: row_count, min: 1}\n' >"$d/ok.yaml"
expect no_data 2 "the data file is missing" -- "$VIGIA" check -C "$d/ok.yaml"
expect extra_arg 2 "unexpected argument" -- "$VIGIA" check -C "$d/ok.yaml" "$D" "$D"
expect bad_option 2 "unknown option '--nope'" -- "$VIGIA" check -C "$d/ok.yaml" "$D" --nope
expect no_suite_file 2 "nosuch.yaml" -- "$VIGIA" check -C "$d/nosuch.yaml" "$D"
expect no_data_file 2 "nosuch.csv" -- "$VIGIA" check -C "$d/ok.yaml" "$d/nosuch.csv"
printf 'a,b\n1,2\n3\n' >"$d/ragged.csv"
expect ragged_data 2 "ragged.csv:3: expected 2 fields, found 1" -- "$VIGIA" check -C "$d/ok.yaml" "$d/ragged.csv"
expect bad_format 2 "--format" -- "$VIGIA" check -C "$d/ok.yaml" "$D" -f xml
one drift_needs_reference 2 "give the baseline with --reference" "{kind: drift, column: age}"
"$VIGIA" profile -q -o "$d/d.vgp" "$D" 2>/dev/null
expect vgp_data 2 "needs the data file" -- "$VIGIA" check -C "$d/ok.yaml" "$d/d.vgp"
printf 'constraints:\n  - {kind: metric, metric: rmse, max: 1, target: age, prediction: income}\n' >"$d/one.yaml"
expect metric_stdin 2 "give a file, not standard input" -- "$VIGIA" check -C "$d/one.yaml" - <"$D"

# ---- bad constraint files: each error names file:line:column -------------------------------
bad() { # NAME 'file text' SUBSTRING
    printf '%b' "$2" >"$d/bad.yaml"
    expect "$1" 2 "$3" -- "$VIGIA" check -C "$d/bad.yaml" "$D"
}
bad unknown_kind 'constraints:\n  - {kind: row_count, min: 1}\n  - {kind: rnage, column: age}\n' \
    "bad.yaml:3:12: unknown constraint kind 'rnage'"
bad unknown_key 'constraints:\n  - kind: range\n    column: age\n    maximum: 5\n' \
    "bad.yaml:4:5: range: unknown key 'maximum' (kind, name, severity, column, min, max)"
bad key_of_other_kind 'constraints:\n  - {kind: unique, column: age, min: 1}\n' \
    "bad.yaml:2:33: unique: unknown key 'min'"
bad wrong_type_number 'constraints:\n  - {kind: range, column: age, min: low}\n' \
    "bad.yaml:2:37: range: min: expected a number, found 'low'"
bad quoted_number 'constraints:\n  - {kind: mean, column: age, max: "5"}\n' \
    "mean: max: expected a number, found the quoted text '5'"
bad wrong_type_list 'constraints:\n  - {kind: allowed_values, column: region, values: north}\n' \
    "bad.yaml:2:52: allowed_values: values: expected a non-empty list, found a value"
bad wrong_type_column 'constraints:\n  - {kind: unique, column: [a, b]}\n' \
    "bad.yaml:2:28: unique: column: expected a name, found a list"
bad yaml_syntax 'constraints:\n  - {kind: range, column: age\n  - {kind: unique}\n' \
    "bad.yaml:3:"
bad yaml_syntax_message 'constraints:\n  - {kind: range, column: age\n  - {kind: unique}\n' \
    "YAML syntax error"
bad missing_key 'constraints:\n  - {kind: completeness, column: age}\n' \
    "bad.yaml:2:5: completeness: missing key 'max_missing'"
bad no_bounds 'constraints:\n  - {kind: range, column: age}\n' "range: needs min, max or both"
bad min_above_max 'constraints:\n  - {kind: range, column: age, min: 5, max: 1}\n' \
    "range: min 5 is above max 1"
bad share_out_of_range 'constraints:\n  - {kind: completeness, column: age, max_missing: 2}\n' \
    "completeness: max_missing: 2 is not between 0 and 1"
bad bad_severity 'constraints:\n  - {kind: unique, column: age, severity: fatal}\n' \
    "unique: severity: 'fatal' is not one of error, warning"
bad bad_type_name 'constraints:\n  - {kind: type, column: age, type: int}\n' \
    "type: type: 'int' is not one of integer, fractional, numeric, boolean, string"
bad bad_method 'constraints:\n  - {kind: drift, column: age, method: nope}\n' \
    "drift: method: unknown drift method 'nope'"
bad fairness_needs_target 'constraints:\n  - {kind: fairness, metric: disparate_impact, min: 0.8, sensitive: g, prediction: p}\n' \
    "bad.yaml:2:5: fairness: missing key 'target'"
bad bad_metric 'constraints:\n  - {kind: metric, metric: speed, min: 1, target: a, prediction: b}\n' \
    "metric: metric: 'speed' is not one of accuracy"
bad no_kind 'constraints:\n  - {column: age}\n' "bad.yaml:2:5: constraint without a kind"
bad duplicate_key 'constraints:\n  - {kind: unique, column: a, column: b}\n' \
    "unique: key 'column' given twice"
bad top_level_key 'constraint:\n  - {kind: unique, column: a}\n' \
    "bad.yaml:1:1: unknown key 'constraint' (the file holds one key: constraints)"
bad empty_list 'constraints: []\n' "constraints: the list is empty"
bad empty_file '' "empty file"
bad missing_marker 'constraints:\n  - {kind: allowed_values, column: region, values: [north, NA]}\n' \
    "'NA' reads as a missing value"

# ---- every kind, passing (exit 0) and failing (exit 1) -------------------------------------
one row_count_pass 0 "40 rows" "{kind: row_count, min: 10, max: 40}"
one row_count_fail 1 "40 rows, below the minimum 100" "{kind: row_count, min: 100}"
one column_present_pass 0 "column 'age' is present" "{kind: column_present, column: age}"
one column_present_fail 1 "column 'agee' is not in the data" "{kind: column_present, column: agee}"
one type_integer_pass 0 "column 'age' is integer" "{kind: type, column: age, type: integer}"
one type_numeric_pass 0 "column 'income' is fractional" "{kind: type, column: income, type: numeric}"
one type_boolean_pass 0 "is boolean" "{kind: type, column: flag, type: boolean}"
one type_string_pass 0 "is string" "{kind: type, column: region, type: string}"
one type_fail 1 "column 'income' is fractional: 0 integer, 36 fractional" \
    "{kind: type, column: income, type: integer}"
one completeness_pass 0 "4 of 40 values missing (10%" "{kind: completeness, column: income, max_missing: 0.1}"
one completeness_fail 1 "4 of 40 values missing (10%, at most 5% allowed)" \
    "{kind: completeness, column: income, max_missing: 0.05}"
one range_pass 0 "all 40 numbers within [20, 59]" "{kind: range, column: age, min: 20, max: 59}"
one range_fail 1 "14 of 40 values (35%) out of range (allowed [25, 50]): 5 below, 9 above" \
    "{kind: range, column: age, min: 25, max: 50}"
one range_text_fail 1 "40 not numbers" "{kind: range, column: region, min: 0}"
one allowed_pass 0 "all 40 values allowed" \
    "{kind: allowed_values, column: region, values: [north, south, east, west]}"
one allowed_fail 1 "14 of 40 values (35%) not allowed, 1 distinct: \"north\" (14)" \
    "{kind: allowed_values, column: region, values: [south, east]}"
one allowed_bool_pass 0 "all 40 values allowed" "{kind: allowed_values, column: flag, values: [True, false]}"
one allowed_numbers 1 "\"22\" (1)" "{kind: allowed_values, column: age, values: [20.0, 21]}"
one unique_pass 0 "all 40 values distinct" "{kind: unique, column: id}"
one unique_fail 1 "37 values repeat an earlier one; most repeated: \"north\" (14)" \
    "{kind: unique, column: region}"
one mean_pass 0 "mean 39.5, within [39, 40]" "{kind: mean, column: age, min: 39, max: 40}"
one mean_fail 1 "mean 39.5, above the maximum 30" "{kind: mean, column: age, max: 30}"
one std_pass 0 "standard deviation 11.6905" "{kind: std, column: age, min: 11, max: 12}"
one std_fail 1 "standard deviation 11.6905, below the minimum 20" "{kind: std, column: age, min: 20}"
one quantile_pass 0 "quantile 0.5 39.5" "{kind: quantile, column: age, q: 0.5, min: 39, max: 40}"
one quantile_fail 1 "quantile 0.9 55.1, above the maximum 50" "{kind: quantile, column: age, q: 0.9, max: 50}"
one distinct_pass 0 "3 distinct values" "{kind: distinct, column: region, min: 2, max: 3}"
one distinct_fail 1 "40 distinct values, above the maximum 10" "{kind: distinct, column: name, max: 10}"
one drift_pass 0 "no drift" "{kind: drift, column: age, method: psi, threshold: 0.2}" -r "$D"
one drift_fail 1 "drifted" "{kind: drift, column: age, method: psi, threshold: 0.2}" -r "$d/shift.csv"
one drift_default_method 1 "p-value" "{kind: drift, column: region}" -r "$d/shift.csv"
"$VIGIA" check -C "$d/one.yaml" "$D" -r "$d/shift.csv" -f json >"$d/dj.json" 2>"$d/err"
if /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
assert r["status"] == "fail" and r["drift"]["method"] == "chi2", r
assert r["drift"]["p_value"] < r["drift"]["threshold"] == 0.05 and r["observed"] == r["drift"]["p_value"], r
' "$d/dj.json" 2>>"$d/err"; then pass drift_json; else fail drift_json "$(head -c 300 "$d/err")"; fi
one drift_not_applicable 1 "could not be compared" "{kind: drift, column: region, method: ks}" -r "$D"
one drift_column_absent 1 "column 'nope' is not in the data" "{kind: drift, column: nope}" -r "$D"
one absent_column_fails 1 "column 'nope' is not in the data" "{kind: range, column: nope, min: 0}"

# ---- model metrics and fairness: the figures of vigia evaluate -----------------------------
DEMO=examples/data/demo.csv
model() { # NAME STATUS SUBSTRING 'constraint'
    printf 'constraints:\n  - %s\n' "$4" >"$d/model.yaml"
    "$VIGIA" check -C "$d/model.yaml" "$DEMO" -f json >"$d/json" 2>/dev/null
    expect "$1" "$2" "$3" -- "$VIGIA" check -C "$d/model.yaml" "$DEMO"
}
M="target: defaulted, prediction: predicted_default"
model metric_pass 0 "accuracy 0.9326 (binary, 5000 rows evaluated, 0 left out): within >= 0.9" \
    "{kind: metric, metric: accuracy, min: 0.9, $M}"
model metric_fail 1 "accuracy 0.9326 (binary, 5000 rows evaluated, 0 left out): below the minimum 0.95" \
    "{kind: metric, metric: accuracy, min: 0.95, $M}"
model metric_positive 0 "recall 0.00236" "{kind: metric, metric: recall, max: 0.9, $M, positive: false}"
model metric_other_task 1 "rmse does not apply to this task (binary task" "{kind: metric, metric: rmse, max: 1, $M}"
model metric_missing_column 1 "no column 'nope'" "{kind: metric, metric: f1, min: 0.1, target: nope, prediction: predicted_default}"
one metric_regression 0 "rmse 1749.57 (regression, 36 rows evaluated, 4 left out): within <= 2000" \
    "{kind: metric, metric: rmse, max: 2000, target: income, prediction: age}"
model fairness_pass 0 "equal_opportunity_difference 0.0545" \
    "{kind: fairness, metric: equal_opportunity_difference, max: 0.1, sensitive: region, $M}"
model fairness_fail 1 "4 groups of 'region', 4 with at least 30 rows): below the minimum 0.8" \
    "{kind: fairness, metric: disparate_impact, min: 0.8, sensitive: region, $M}"
model fairness_missing_sensitive 1 "no column 'gender'" \
    "{kind: fairness, metric: disparate_impact, min: 0.8, sensitive: gender, $M}"

# ---- severity: a failed warning is shown but exits 0 ---------------------------------------
one warning_only 0 "WARN mean" "{kind: mean, column: age, max: 30, severity: warning}"
one warning_counted 0 "PASSED: 1 constraints: 0 passed, 0 failed, 1 warning" \
    "{kind: mean, column: age, max: 30, severity: warning}"
one named 1 "FAIL adults only" "{kind: range, column: age, min: 30, name: adults only}"

# ---- JSON and JUnit XML ---------------------------------------------------------------------
cat >"$d/mix.yaml" <<'Y'
constraints:
  - {kind: row_count, min: 1}
  - {kind: range, column: age, min: 25, name: "age <over> 25 & \"quoted\""}
  - {kind: mean, column: age, max: 30, severity: warning}
  - {kind: unique, column: id}
Y
"$VIGIA" check -C "$d/mix.yaml" "$D" -f json -o "$d/r.json" --junit "$d/r.xml" 2>"$d/err"
rc=$?
[ "$rc" -eq 1 ] && pass json_junit_exit || fail json_junit_exit "exit $rc: $(cat "$d/err")"
if /usr/bin/python3 - "$d/r.json" 2>"$d/err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["passed"] is False and d["rows"] == 40, d
assert d["summary"] == {"total": 4, "passed": 2, "failed": 1, "warnings": 1}, d["summary"]
r = d["results"]
assert [x["status"] for x in r] == ["pass", "fail", "warn", "pass"], r
assert r[1]["kind"] == "range" and r[1]["column"] == "age" and r[1]["line"] == 3, r[1]
assert r[1]["observed"] == 5 and r[1]["min"] == 25 and r[1]["max"] is None, r[1]
assert r[2]["severity"] == "warning" and r[2]["observed"] == 39.5, r[2]
PY
then pass json_report; else fail json_report "$(head -c 300 "$d/err")"; fi
if xmllint --noout "$d/r.xml" 2>"$d/err"; then pass junit_valid_xml; else fail junit_valid_xml "$(cat "$d/err")"; fi
if xmllint --xpath 'string(/testsuite/@tests)' "$d/r.xml" | grep -qx 4 &&
    xmllint --xpath 'string(/testsuite/@failures)' "$d/r.xml" | grep -qx 1 &&
    [ "$(xmllint --xpath 'count(//testcase/failure)' "$d/r.xml")" = 1 ] &&
    xmllint --xpath 'string(//testcase[2]/@name)' "$d/r.xml" | grep -qF 'age <over> 25 & "quoted" age' &&
    xmllint --xpath 'string(//testcase[3]/system-out)' "$d/r.xml" | grep -q '^WARNING: column .age.: mean 39.5'; then
    pass junit_content
else
    fail junit_content "$(head -c 600 "$d/r.xml")"
fi
# awkward column names and values stay well-formed XML
printf '"a<&>\x01b",c\n"x""<y>",1\n"x""<y>",2\n' >"$d/odd.csv"
printf 'constraints:\n  - {kind: unique, column: "a<&>\\x01b"}\n' >"$d/odd.yaml"
"$VIGIA" check -C "$d/odd.yaml" "$d/odd.csv" --junit "$d/odd.xml" >"$d/out" 2>"$d/err"
rc=$?
if [ "$rc" -eq 1 ] && xmllint --noout "$d/odd.xml" 2>>"$d/err"; then pass junit_escaping
else fail junit_escaping "exit $rc: $(cat "$d/err" "$d/out" | head -c 400)"; fi

# ---- suggest: fed back to check, passes on its baseline, fails on drifted data -------------
expect suggest_needs_reference 2 "--reference is required" -- "$VIGIA" suggest
expect suggest_writes 0 "wrote" -- "$VIGIA" suggest -r "$D" -o "$d/s.yaml"
expect suggest_commented 0 "# reference range [1000, 2462.5], widened by 10%" -- cat "$d/s.yaml"
expect suggest_unique_id 0 "{kind: unique, column: id}" -- cat "$d/s.yaml"
expect suggest_allowed 0 "{kind: allowed_values, column: region, values: [" -- cat "$d/s.yaml"
expect suggest_roundtrip_pass 0 "PASSED" -- "$VIGIA" check -C "$d/s.yaml" "$D" -r "$D"
expect suggest_drifted_fails 1 "FAIL allowed_values (" -- "$VIGIA" check -C "$d/s.yaml" "$d/shift.csv" -r "$D"
expect suggest_drifted_reason 1 "column 'region': 40 of 40 values (100%) not allowed, 1 distinct: \"west\" (40)" \
    -- "$VIGIA" check -C "$d/s.yaml" "$d/shift.csv" -r "$D"
expect suggest_drifted_range 1 "column 'income': 40 of 40 values (100%) out of range" \
    -- "$VIGIA" check -C "$d/s.yaml" "$d/shift.csv" -r "$D"
# the bundled demo: its drifted current month fails with readable reasons
DEMO=examples/data/demo.csv
if [ -f "$DEMO" ]; then
    "$VIGIA" suggest -r "$DEMO" -o "$d/demo.yaml" 2>/dev/null
    expect demo_roundtrip_pass 0 "PASSED: 50 constraints: 50 passed" -- "$VIGIA" check -C "$d/demo.yaml" "$DEMO" -r "$DEMO"
    expect demo_current_fails 1 "column 'employment': 63 of 1980 values (3.18%) not allowed, 1 distinct: \"gig\" (63)" \
        -- "$VIGIA" check -C "$d/demo.yaml" examples/data/demo_current.csv -r "$DEMO"
    expect demo_current_drift 1 "column 'income' (numeric): wasserstein_normed 0.3403 >= threshold 0.1: drifted" \
        -- "$VIGIA" check -C "$d/demo.yaml" examples/data/demo_current.csv -r "$DEMO"
fi
# the examples parse and run
for f in examples/constraints/*.yaml; do
    [ -f "$f" ] || continue
    "$VIGIA" check -C "$f" "$DEMO" -r "$DEMO" >"$d/out" 2>"$d/err"
    rc=$?
    if [ "$rc" -le 1 ] && ! grep -q "^vigia:" "$d/err"; then pass "example_$(basename "$f" .yaml)"
    else fail "example_$(basename "$f" .yaml)" "exit $rc: $(head -c 300 "$d/err")"; fi
done
