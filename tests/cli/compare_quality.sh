#!/usr/bin/env bash
# vigia compare on mismatched inputs: schema differences, a column numeric in one file and text
# in the other, an empty current file. Each must give a clear report or error, never a crash or
# a NaN passed off as a result.
VIGIA=${VIGIA:-build/vigia}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
printf 'id,x,kind,gone\n1,1.5,a,q\n2,2.5,b,q\n3,3.5,a,q\n4,4.5,b,q\n5,5.5,a,q\n6,6.5,b,q\n7,7.5,a,q\n' >"$d/ref.csv"
printf 'id,x,kind,new\n1,1.5,a,z\n2,oops,b,z\n3,3.5,c,z\n4,,b,z\n5,5.5,a,z\n5,5.5,a,z\n' >"$d/cur.csv"
printf 'id,x,kind,gone\n' >"$d/empty.csv"

"$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" -f json -o "$d/out.json" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ] && /usr/bin/python3 - "$d/out.json" 2>>"$d/err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
q = d["quality"]
assert q["schema"]["only_in_reference"] == ["gone"], q["schema"]
assert q["schema"]["only_in_current"] == ["new"], q["schema"]
assert q["schema"]["type_changed"] == ["x"], q["schema"]
x = q["columns"]["x"]
assert x["reference"]["type"] == "numeric" and x["current"]["type"] == "mixed", x
assert x["type_changed"] is True
assert x["current"]["missing"] == 1
kinds = {(i["kind"], i["column"]) for i in q["issues"]}
assert ("type_change", "x") in kinds and ("missing_column", "gone") in kinds, kinds
assert ("unseen_categories", "kind") in kinds, kinds
assert q["duplicate_rows"]["current"]["count"] == 1, q["duplicate_rows"]
# the drift section compares x as categories (it is not numeric on both sides), with a value
dx = d["drift"]["columns"]["x"]
assert dx["kind"] == "categorical" and dx["statistic"] is not None, dx
assert d["schema"] == {"only_in_reference": ["gone"], "only_in_current": ["new"]}, d["schema"]
# no NaN or infinity anywhere: JSON would have failed to parse them, and null only where
# documented
def walk(o):
    if isinstance(o, float):
        assert o == o and abs(o) != float("inf")
    elif isinstance(o, dict):
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(d)
PY
then pass mismatched_schema_and_types; else fail mismatched_schema_and_types "exit $rc $(head -c 400 "$d/err")"; fi

"$VIGIA" compare -r "$d/ref.csv" -c "$d/cur.csv" >"$d/out.txt" 2>"$d/err"
if grep -q "ERROR.*type changed from numeric to mixed" "$d/out.txt" &&
    grep -q "column gone" "$d/out.txt"; then pass text_type_change; else fail text_type_change "$(head -c 400 "$d/out.txt")"; fi

"$VIGIA" compare -r "$d/ref.csv" -c "$d/empty.csv" >"$d/out.txt" 2>"$d/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "empty.csv: no data rows" "$d/err"; then pass empty_current; else fail empty_current "exit $rc $(cat "$d/err")"; fi

# the same checks from profiles: schema differences are reported, no quality section
"$VIGIA" profile -q -o "$d/ref.vgp" "$d/ref.csv" && "$VIGIA" profile -q -o "$d/cur.vgp" "$d/cur.csv"
if "$VIGIA" compare -r "$d/ref.vgp" -c "$d/cur.vgp" -f json >"$d/out.json" 2>"$d/err" &&
    /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mode"] == "sketch" and d["quality"] is None, (d["mode"], d["quality"])
assert d["schema"] == {"only_in_reference": ["gone"], "only_in_current": ["new"]}, d["schema"]
assert d["drift"]["columns"]["x"]["kind"] == "categorical"
' "$d/out.json" 2>>"$d/err"; then pass sketch_mismatched; else fail sketch_mismatched "$(head -c 300 "$d/err")"; fi

# id and timestamp columns are new in every batch: no unseen or out-of-range warnings for them
printf 'id,ts,c\na1,100,x\na2,101,y\na3,102,x\n' >"$d/r3.csv"
printf 'id,ts,c\nb1,200,x\nb2,201,z\n' >"$d/c3.csv"
"$VIGIA" compare -r "$d/r3.csv" -c "$d/c3.csv" --id id --timestamp ts -f json >"$d/o3.json" 2>"$d/err"
if /usr/bin/python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))["quality"]
cols = {i["column"] for i in q["issues"]}
assert "id" not in cols and "ts" not in cols and "c" in cols, q["issues"]
' "$d/o3.json" 2>>"$d/err"; then pass roles_not_checked_for_novelty; else fail roles_not_checked_for_novelty "$(head -c 300 "$d/err")"; fi
