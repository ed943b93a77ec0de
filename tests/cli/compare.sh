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

# ---- per-kind and per-column methods, roles, config file, threads --------------------------
/usr/bin/python3 - "$d" <<'PY'
import random, sys
d = sys.argv[1]
rnd = random.Random(7)
for name, shift in (("r2", 0.0), ("c2", 0.8)):
    with open("%s/%s.csv" % (d, name), "w") as f:
        f.write("id,x,z,c,y,p,g\n")
        for i in range(400):
            x = rnd.gauss(shift, 1)
            f.write("%d,%.6f,%.6f,%s,%d,%.4f,%s\n" % (
                i, x, rnd.gauss(0, 1), rnd.choice("abc"), rnd.random() < 0.5,
                min(1, max(0, rnd.random() + shift / 4)), rnd.choice(["m", "f"])))
PY
V() { "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" -f json "$@"; }
if V --method numeric=psi --threshold numeric=0.2 --method column:z=ks --threshold column:z=0.01 \
    --method categorical=tvd --target y --prediction p --id id --sensitive g -j 1 >"$d/o.json" 2>"$d/err" &&
    /usr/bin/python3 - "$d/o.json" 2>>"$d/err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cols = d["drift"]["columns"]
assert sorted(cols) == ["c", "x", "z"], sorted(cols)
assert cols["x"]["method"] == "psi" and cols["x"]["threshold"] == 0.2, cols["x"]
assert cols["z"]["method"] == "ks" and cols["z"]["threshold"] == 0.01, cols["z"]
assert cols["c"]["method"] == "tvd", cols["c"]
assert d["roles"] == {"target": "y", "prediction": "p", "id": ["id"], "timestamp": [],
                      "sensitive": ["g"]}, d["roles"]
assert d["drift"]["target"]["column"] == "y" and d["drift"]["target"]["method"] == "tvd"
assert d["drift"]["prediction"]["column"] == "p" and d["drift"]["prediction"]["method"] == "psi"
assert d["drift"]["n_columns"] == 3, d["drift"]["n_columns"]
PY
then pass rules_and_roles; else fail rules_and_roles "$(head -c 300 "$d/err")"; fi
# a method that does not apply to a column falls back to the default, with a note
if V --method column:c=ks >"$d/o.json" 2>"$d/err" && /usr/bin/python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["drift"]["columns"]["c"]
assert c["method"] == "chi2" and "ks does not apply" in c["note"], c
' "$d/o.json" 2>>"$d/err"; then pass method_not_applicable; else fail method_not_applicable "$(head -c 300 "$d/err")"; fi
cat >"$d/v.yaml" <<'YAML'
# settings for vigia compare
compare:
  numeric: {method: psi, threshold: 0.2}
  columns:
    z: {method: ks}
  roles:
    target: y
    id: [id]
  ignore: g
  drift_share: 0.25
  correction: bonferroni
serve:
  listen: 127.0.0.1:8080   # another command's section: ignored here
YAML
if V --config "$d/v.yaml" --threshold column:z=0.01 --prediction p >"$d/o.json" 2>"$d/err" &&
    /usr/bin/python3 - "$d/o.json" 2>>"$d/err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cols = d["drift"]["columns"]
assert sorted(cols) == ["c", "x", "z"], sorted(cols)
assert cols["x"]["method"] == "psi" and cols["x"]["threshold"] == 0.2, cols["x"]
assert cols["z"]["method"] == "ks" and cols["z"]["threshold"] == 0.01, cols["z"]
assert d["drift"]["share_threshold"] == 0.25 and d["drift"]["correction"] == "bonferroni"
assert d["roles"]["target"] == "y" and d["roles"]["prediction"] == "p", d["roles"]
assert d["drift"]["n_ignored"] == 1
PY
then pass config_file; else fail config_file "$(head -c 300 "$d/err")"; fi
printf 'compare:\n  numeric:\n    methd: ks\n' >"$d/bad.yaml"
expect config_unknown_key 2 "bad.yaml:3:5: numeric: unknown key 'methd'" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --config "$d/bad.yaml"
printf 'compare:\n  method: [ks\n' >"$d/bad2.yaml"
expect config_bad_yaml 2 "bad2.yaml:3:" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --config "$d/bad2.yaml"
printf 'compare:\n  columns:\n    x: {method: nope}\n' >"$d/bad3.yaml"
expect config_bad_method 2 "unknown drift method 'nope'" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --config "$d/bad3.yaml"
expect config_missing 2 "nosuch.yaml" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --config "$d/nosuch.yaml"
expect bad_selector 2 "'nums' is not numeric, categorical or column:NAME" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --method nums=ks
expect target_twice 2 "--target: given twice" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --target y --target p
expect role_conflict 2 "already has the role target" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --target y --id y
# threads change nothing in the result
V -j 1 >"$d/j1.json" 2>"$d/err"; V -j 4 >"$d/j4.json" 2>>"$d/err"
if cmp -s "$d/j1.json" "$d/j4.json"; then pass threads_same_result; else fail threads_same_result "-j 1 and -j 4 differ"; fi

# ---- the model section (--target and --prediction; docs/evaluate.md) -------------------------
if V --target y --prediction p --sensitive g >"$d/m.json" 2>"$d/err" &&
    /usr/bin/python3 - "$d/m.json" 2>>"$d/err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["task"]["name"] == "binary" and d["task"]["prediction"] == "scores", d["task"]
for side in ("reference", "current"):
    c = d["classification"][side]
    assert c["type"] == "binary" and c["n"] == 400, c
    assert d["evaluated_rows"][side]["evaluated"] == 400
    g = d["fairness"][side]["groupings"][0]
    assert g["sensitive"] == "g" and sorted(x["name"] for x in g["groups"]) == ["f", "m"], g
assert d["estimated"]["applicable"] and d["estimated"]["current"]["realised"]["n"] == 400
assert d["regression"] == {"reference": None, "current": None}
assert d["drift"]["prediction"]["column"] == "p"  # prediction drift stays in the drift section
PY
then pass model_section; else fail model_section "$(head -c 300 "$d/err")"; fi
printf 'compare:\n  roles:\n    target: y\n    prediction: p\n' >"$d/m.yaml"
if V --config "$d/m.yaml" --score-threshold 0.3 >"$d/m.json" 2>"$d/err" && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["task"]["threshold"] == 0.3 and d["classification"]["reference"]["threshold"] == 0.3, d["task"]
' "$d/m.json" 2>>"$d/err"; then pass model_roles_from_config; else fail model_roles_from_config "$(head -c 300 "$d/err")"; fi
expect model_text 0 "model output: prediction 'p' holds numbers" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --target y --prediction p
expect model_regression_no_cbpe 0 "needs a binary task with probability scores" -- "$VIGIA" compare -r "$d/r2.csv" -c "$d/c2.csv" --target x --prediction z
expect model_stdin 2 "give files, not standard input" -- sh -c "\"$VIGIA\" compare -r \"$d/r2.csv\" -c - --target y --prediction p <\"$d/c2.csv\""
