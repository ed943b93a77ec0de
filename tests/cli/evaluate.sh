#!/usr/bin/env bash
# vigia evaluate end to end: usage errors, bad input (file, line and column named), task
# inference, text and JSON output, fairness and NDJSON input.
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
# json NAME PYTHON-ASSERTIONS -- command...: the command's JSON output is `d`
json() {
    local name=$1 code=$2
    shift 3
    if "$@" >"$d/o.json" 2>"$d/err" &&
        /usr/bin/python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
$code" "$d/o.json" 2>>"$d/err"; then
        pass "$name"
    else
        fail "$name" "$(head -c 400 "$d/err")"
    fi
}
E() { "$VIGIA" evaluate "$@"; }
printf 'y,score,g\n1,0.9,a\n0,0.2,a\n1,0.4,b\n0,0.7,b\n,0.5,a\n1,,b\n1,0.8,\n0,0.1,a\n' >"$d/b.csv"
printf 'y,score\n1,0.9\n0,0.2\n1,1.7\n' >"$d/range.csv"
printf 'y,score\n1,0.9\n0,0.25\n1,abc\n' >"$d/nan.csv"
printf 'y,score\n' >"$d/empty.csv"
printf 'y,pred\nspam,spam\nham,ham\nspam,ham\n' >"$d/str.csv"
printf 'y,pred\ncat,cat\ndog,bird\nbird,bird\n' >"$d/mc.csv"
printf 'y,pred\n1.5,1.0\n2.5,abc\n' >"$d/reg.csv"
printf 'y,pred\n,1\n,0\n' >"$d/nolabels.csv"

expect help 0 "usage: vigia evaluate" -- E --help
expect main_help 0 "evaluate DATA" -- "$VIGIA" --help
expect no_file_arg 2 "which file?" -- E -t y -p score
expect no_target 2 "--target and --prediction" -- E "$d/b.csv" -p score
expect extra_arg 2 "unexpected argument 'x'" -- E "$d/b.csv" -t y -p score x
expect unknown_option 2 "unknown option '--nope'" -- E "$d/b.csv" -t y -p score --nope
expect bad_task 2 "--task: 'ranking' is not one of" -- E "$d/b.csv" -t y -p score --task ranking
expect bad_threshold 2 "--threshold: '2' is not a number between 0 and 1" -- E "$d/b.csv" -t y -p score --threshold 2
expect top_k_needs_proba 2 "--top-k needs" -- E "$d/b.csv" -t y -p score --top-k 2
expect no_such_file 2 "nosuch.csv" -- E "$d/nosuch.csv" -t y -p score
expect no_such_column 2 "no column 'scor' (columns: y, score, g)" -- E "$d/b.csv" -t y -p scor
expect empty_file 2 "empty.csv: no data rows" -- E "$d/empty.csv" -t y -p score
expect probability_range 2 "range.csv:4: column 'score': '1.7' is not a probability in [0, 1]" -- E "$d/range.csv" -t y -p score
expect not_a_number 2 "nan.csv:4: column 'score': 'abc' is not a number" -- E "$d/nan.csv" -t y -p score
expect needs_pos_label 2 "give --pos-label" -- E "$d/str.csv" -t y -p pred
expect bad_pos_label 2 "--pos-label: 'eggs' is not a class (ham, spam)" -- E "$d/str.csv" -t y -p pred --pos-label eggs
expect undeclared_class 2 "mc.csv:3: column 'pred': 'bird' is not one of the classes (cat, dog)" -- E "$d/mc.csv" -t y -p pred --classes cat,dog
expect third_class 2 "makes a third class in a binary task" -- E "$d/mc.csv" -t y -p pred --task binary --pos-label cat
expect regression_text 2 "reg.csv:3: column 'pred': 'abc' is not a number" -- E "$d/reg.csv" -t y -p pred
expect no_labels 2 "no row has both a target" -- E "$d/nolabels.csv" -t y -p pred
expect bad_proba 2 "--proba: 'x' is not CLASS=COLUMN" -- E "$d/mc.csv" -t y --proba x
expect text_report 0 "8 rows, 6 evaluated (2 excluded: 1 without a target, 1 without a prediction)" -- E "$d/b.csv" -t y -p score
expect text_confusion 0 "confusion matrix (rows: actual, columns: predicted)" -- E "$d/b.csv" -t y -p score
expect text_fairness 0 "fairness by 'g'" -- E "$d/b.csv" -t y -p score --sensitive g --min-group-size 1
expect string_labels 0 "positive class given with --pos-label" -- E "$d/str.csv" -t y -p pred --pos-label spam
json json_binary '
t = d["task"]
assert t["name"] == "binary" and t["inferred"] is True and "only 0 and 1" in t["reason"], t
assert t["prediction"] == "scores" and t["positive_class"] == "1", t
r = d["evaluated_rows"]
assert (r["total"], r["evaluated"], r["excluded"], r["missing_target"], r["missing_prediction"]) == (8, 6, 2, 1, 1), r
c = d["classification"]
assert c["type"] == "binary" and c["tp"] == 2 and c["fn"] == 1 and c["tn"] == 2 and c["fp"] == 1, c
assert abs(c["accuracy"] - 4 / 6) < 1e-12 and d["regression"] is None
g = d["fairness"]["groupings"][0]
assert [x["name"] for x in g["groups"]] == ["a", "b", "(missing)"], g["groups"]
assert [x["count"] for x in g["groups"]] == [3, 2, 1], g["groups"]
' -- E "$d/b.csv" -t y -p score --sensitive g --min-group-size 1 -f json
json json_multiclass '
assert d["task"]["name"] == "multiclass" and d["task"]["inferred"], d["task"]
assert "3 distinct" in d["task"]["reason"], d["task"]
assert d["classification"]["classes"] == ["bird", "cat", "dog"]
assert d["fairness"]["applicable"] is False and "binary" in d["fairness"]["note"]
' -- E "$d/mc.csv" -t y -p pred --sensitive y -f json
printf 'y,pred\n1.5,1.0\n2.5,3.0\n' >"$d/reg.csv"
json json_regression_inferred '
assert d["task"]["name"] == "regression" and "not integers" in d["task"]["reason"], d["task"]
assert d["classification"] is None and abs(d["regression"]["mae"] - 0.5) < 1e-12, d["regression"]
' -- E "$d/reg.csv" -t y -p pred -f json
json json_regression_given '
assert d["task"]["name"] == "regression" and d["task"]["inferred"] is False, d["task"]
assert d["task"]["reason"] == "given with --task"
' -- E "$d/reg.csv" -t y -p pred --task regression -o /dev/stdout -f json
printf '{"y": true, "p": 0.8}\n{"y": false, "p": 0.3}\n{"y": null, "p": 0.3}\n{"y": true, "p": 0.6, "late": 1}\n' >"$d/b.ndjson"
json json_ndjson '
assert d["task"]["reason"].endswith("holds booleans"), d["task"]
assert d["task"]["positive_class"] == "true" and d["classification"]["accuracy"] == 1.0
assert d["evaluated_rows"]["missing_target"] == 1
' -- E "$d/b.ndjson" -t y -p p -f json

# ---- compare: the model section ---------------------------------------------------------------
printf 'x,y,score,g\n' >"$d/ref.csv"
printf 'x,score,g\n' >"$d/cur.csv"
for i in $(seq 1 60); do
    echo "$i,$((i % 2)),0.$((i % 9 + 1)),$((i % 3))" >>"$d/ref.csv"
    echo "$((i + 5)),0.$((i % 7 + 2)),$((i % 3))" >>"$d/cur.csv"
done
json compare_no_model '
for k in ("task", "classification", "regression", "fairness", "estimated", "evaluated_rows"):
    assert d[k] is None, k
' -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" -f json
json compare_unlabelled_current '
assert d["task"]["name"] == "binary", d["task"]
assert d["classification"]["reference"]["type"] == "binary"
assert d["classification"]["current"] is None
assert d["evaluated_rows"]["current"]["labelled"] is False
e = d["estimated"]
assert e["applicable"] and e["current"]["realised"] is None and 0 <= e["current"]["accuracy"] <= 1, e
f = d["fairness"]["current"]["groupings"][0]
assert f["has_labels"] is False and len(f["groups"]) == 3, f
' -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" -f json --target y --prediction score --sensitive g --min-group-size 5
expect compare_text_model 0 "estimated performance of the current data" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" --target y --prediction score
expect compare_score_threshold 2 "--score-threshold: '7' is not a number" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" --target y --prediction score --score-threshold 7
expect compare_model_flags_need_roles 2 "need --target and --prediction" -- "$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" --pos-label 1

# --html: a self-contained page beside the text report; an unwritable path is an error
"$VIGIA" evaluate "$d/ref.csv" --target y --prediction score --sensitive g --html "$d/e.html" >"$d/out" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '<section id="model"' "$d/e.html" && grep -q 'data-chart="heatmap"' "$d/e.html" &&
    ! grep -qiE 'src="http|href="http|@import|url\(http' "$d/e.html" && grep -q "evaluated" "$d/out"; then
    pass html_page
else
    fail html_page "exit $rc $(head -c 200 "$d/err")"
fi
expect html_unwritable 2 "cannot create" -- "$VIGIA" evaluate "$d/ref.csv" --target y --prediction score --html "$d/no/such/dir/e.html"
