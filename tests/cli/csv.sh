#!/usr/bin/env bash
# CSV reading (RFC 4180 and the usual extensions), checked end to end through
# `vigia profile -f json`: row counts, missing counts, column names and top values. Also the
# parallel reader (-j) against the serial one, profile -o / show round trips, and --help and
# --version of every command.
#   VIGIA=build/vigia bash tests/cli/csv.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# values COLUMN: python expression for the sorted list of a column's top values
values() { echo "sorted(t[\"value\"] for t in d[\"columns\"][\"$1\"][\"top\"])"; }
names='[c["name"] for c in d["schema"]]'

# ---------------------------------------------------------------- quoting

printf 'id,text,n\n1,"a,b",10\n2,"say ""hi""",20\n3,"line1\nline2\nline3",30\n4,"a,b",40\n5,"",50\n6,x"y,60\n' >quoted.csv
run profile -f json quoted.csv
if json_ok quoted; then
    mapfile -t R < <(jmany out 'd["rows"]' "$(values text)" \
        '[t["count"] for t in d["columns"]["text"]["top"] if t["value"] == "a,b"]' \
        '(d["columns"]["text"]["count"], d["columns"]["text"]["missing"])' \
        '(d["columns"]["n"]["count"], d["columns"]["n"]["min"], d["columns"]["n"]["max"], d["columns"]["n"]["type"])')
    check_eq quoted_rows "${R[0]}" 6 "a quoted line break does not end the record"
    check_eq quoted_values "${R[1]}" '["a,b", "line1\nline2\nline3", "say \"hi\"", "x\"y"]'
    check_eq quoted_embedded_separator "${R[2]}" '[2]'
    check_eq quoted_empty_is_missing "${R[3]}" '[5, 1]'
    check_eq quoted_other_columns_intact "${R[4]}" '[6, 10.0, 60.0, "integer"]'
fi

# line numbers in a later error count the line breaks inside quoted fields
cp quoted.csv quoted_bad.csv
printf '7,ok,70\n8,"two\nlines",80,extra\n9,z,90\n' >>quoted_bad.csv
run profile -f json quoted_bad.csv
expect quoted_error_line_counts_embedded_newlines 2 "quoted_bad.csv:11: expected 3 fields, found 4"

run profile --skip-bad-rows -f json quoted_bad.csv
if json_ok quoted_skip_line; then
    check_eq quoted_skip_line "$(jget out '(d["rows"], d["bad_rows"], d["input"]["bad_row_examples"][0]["line"])')" '[8, 1, 11]'
fi

# a header with a quoted line break: its name keeps it, and line numbers go on from line 3
printf '"first\nname",b\n1,2\n3\n' >header_nl.csv
run profile header_nl.csv
expect quoted_header_newline_line 2 "header_nl.csv:4: expected 2 fields, found 1"
printf '"first\nname",b\n1,2\n' >header_nl_ok.csv
run profile -f json header_nl_ok.csv
json_ok quoted_header_newline_name && check_eq quoted_header_newline_name "$(jget out "$names")" '["first\nname", "b"]'

printf 'a,b\n1,"x""""y"\n2,""""\n' >quotes_only.csv
run profile -f json quotes_only.csv
json_ok quoted_doubled_quotes && check_eq quoted_doubled_quotes "$(jget out "$(values b)")" '["\"", "x\"\"y"]'

# a quoted field of 1.5 MB with line breaks (longer than the initial read buffer)
"$PY" -c "
body = ('x' * 999 + '\n') * 1500
open('huge_field.csv', 'w').write('a,b\n1,\"' + body + '\"\n2,short\n3\n')"
run profile huge_field.csv
expect quoted_huge_field_line 2 "huge_field.csv:1504: expected 2 fields, found 1"
head -n 1503 huge_field.csv >huge_ok.csv
run profile -f json huge_ok.csv
json_ok quoted_huge_field && check_eq quoted_huge_field "$(jget out '(d["rows"], d["columns"]["b"]["count"], d["columns"]["a"]["max"])')" '[2, 2, 2.0]'

# ---------------------------------------------------------------- line ends

printf 'a,b\r\n1,"x\r\ny"\r\n2,z\r\n\r\n3,w\r\n' >crlf.csv
run profile -f json crlf.csv
if json_ok crlf; then
    mapfile -t R < <(jmany out 'd["rows"]' "$(values b)" '(d["columns"]["a"]["type"], d["columns"]["a"]["max"])' \
        "$names" 'd["input"]["blank_lines"]')
    check_eq crlf_rows "${R[0]}" 3
    check_eq crlf_values_without_cr "${R[1]}" '["w", "x\r\ny", "z"]' "CR LF inside quotes is data"
    check_eq crlf_numbers_stay_numeric "${R[2]}" '["integer", 3.0]'
    check_eq crlf_header_names "${R[3]}" '["a", "b"]'
    check_eq crlf_blank_line "${R[4]}" 1
fi
cp crlf.csv crlf_bad.csv
printf '4\r\n' >>crlf_bad.csv
run profile crlf_bad.csv
expect crlf_error_line 2 "crlf_bad.csv:7: expected 2 fields, found 1"

printf 'a,b\n1,x\n2,y' >no_eol.csv
run profile -f json no_eol.csv
json_ok no_trailing_newline && check_eq no_trailing_newline "$(jget out '(d["rows"], '"$(values b)"')')" '[2, ["x", "y"]]'
printf 'a,b\n1,"x"\n2,"y"' >no_eol_quoted.csv
run profile -f json no_eol_quoted.csv
json_ok no_trailing_newline_quoted && check_eq no_trailing_newline_quoted "$(jget out '(d["rows"], '"$(values b)"')')" '[2, ["x", "y"]]'
printf 'a,b\nx,1\ny,22' >no_eol_num.csv
run profile -f json no_eol_num.csv
json_ok no_trailing_newline_number && check_eq no_trailing_newline_number "$(jget out '(d["columns"]["b"]["type"], d["columns"]["b"]["max"])')" '["integer", 22.0]'
printf 'a,b\r\n1,x\r\n2,y' >no_eol_crlf.csv
run profile -f json no_eol_crlf.csv
json_ok no_trailing_newline_crlf && check_eq no_trailing_newline_crlf "$(jget out '(d["rows"], '"$(values b)"')')" '[2, ["x", "y"]]'

# ---------------------------------------------------------------- byte-order mark

printf '\xef\xbb\xbfa,b\n1,2\n' >bom.csv
run profile -f json bom.csv
json_ok bom_skipped && check_eq bom_skipped "$(jget out "$names")" '["a", "b"]'
printf '\xef\xbb\xbf"a",b\r\n1,2\r\n' >bom_quoted.csv
run profile -f json bom_quoted.csv
json_ok bom_quoted_header && check_eq bom_quoted_header "$(jget out "$names")" '["a", "b"]'
printf '\xef\xbb\xbfa,b\n1,2\n3\n' >bom_bad.csv
run profile bom_bad.csv
expect bom_line_numbers 2 "bom_bad.csv:3: expected 2 fields, found 1"

# ---------------------------------------------------------------- separators

printf 'a;b\n1;x,y\n2;"p;q"\n' >semi.csv
run profile --sep ';' -f json semi.csv
json_ok sep_semicolon && check_eq sep_semicolon "$(jget out '('"$names"', '"$(values b)"')')" '[["a", "b"], ["p;q", "x,y"]]'

printf 'a\tb\n1\tx,y\n2\t"p\tq"\n' >tabs.txt
run profile --sep tab -f json tabs.txt
json_ok sep_tab_word && check_eq sep_tab_word "$(jget out '('"$names"', '"$(values b)"')')" '[["a", "b"], ["p\tq", "x,y"]]'
run profile --sep '\t' -f json tabs.txt
json_ok sep_tab_escape && check_eq sep_tab_escape "$(jget out "$names")" '["a", "b"]'
printf 'a\tb\n1\t2\n' >plain_tabs.txt
run profile -f json plain_tabs.txt
json_ok sep_txt_default_comma && check_eq sep_txt_default_comma "$(jget out "$names")" '["a\tb"]'
cp tabs.txt tabs.tsv
run profile -f json tabs.tsv
json_ok sep_tsv_auto && check_eq sep_tsv_auto "$(jget out '('"$names"', '"$(values b)"')')" '[["a", "b"], ["p\tq", "x,y"]]'
cp tabs.txt TABS.TSV
run profile -f json TABS.TSV
json_ok sep_tsv_auto_uppercase && check_eq sep_tsv_auto_uppercase "$(jget out "$names")" '["a", "b"]'
printf 'a,b\n1,2\n' >comma.tsv
run profile --sep , -f json comma.tsv
json_ok sep_flag_beats_extension && check_eq sep_flag_beats_extension "$(jget out "$names")" '["a", "b"]'
printf 'a|b\n1|2\n3|4|5\n' >pipe.csv
run profile --sep '|' pipe.csv
expect sep_pipe_error 2 "pipe.csv:3: expected 2 fields, found 3"

# ---------------------------------------------------------------- blank lines

printf 'a,b\n\n1,x\n\n\n2,y\n\n' >blank.csv
run profile -f json blank.csv
if json_ok blank_lines_skipped; then
    check_eq blank_lines_skipped "$(jget out '(d["rows"], d["input"]["blank_lines"], d["columns"]["a"]["missing"], d["columns"]["b"]["missing"])')" '[2, 4, 0, 0]'
fi
printf 'a,b\r\n\r\n1,x\r\n\r\n2,y\r\n' >blank_crlf.csv
run profile -f json blank_crlf.csv
json_ok blank_lines_crlf && check_eq blank_lines_crlf "$(jget out '(d["rows"], d["input"]["blank_lines"])')" '[2, 2]'
printf 'a,b\n\n1,x\n\n2,y,z\n' >blank_bad.csv
run profile blank_bad.csv
expect blank_lines_error_line 2 "blank_bad.csv:5: expected 2 fields, found 3"
# blank lines before the header
printf '\n\na,b\n1,2\n3\n' >blank_first.csv
run profile blank_first.csv
expect blank_lines_before_header 2 "blank_first.csv:5: expected 2 fields, found 1"
# with one column, a blank line is a row whose value is missing
printf 'a\n1\n\n2\n' >one_col.csv
run profile -f json one_col.csv
json_ok blank_line_one_column && check_eq blank_line_one_column "$(jget out '(d["rows"], d["columns"]["a"]["count"], d["columns"]["a"]["missing"])')" '[3, 2, 1]'

# ---------------------------------------------------------------- header names

printf 'a,a,,b,a,\n1,2,3,4,5,6\n' >dup.csv
run profile -f json dup.csv
if json_ok header_duplicates; then
    check_eq header_duplicates "$(jget out "$names")" '["a", "a.1", "Unnamed: 2", "b", "a.2", "Unnamed: 5"]'
    check_eq header_duplicates_values "$(jget out '[d["columns"][c]["max"] for c in ("a", "a.1", "Unnamed: 2", "b", "a.2", "Unnamed: 5")]')" \
        '[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]'
fi
printf 'a,a.1,a\n1,2,3\n' >dup2.csv
run profile -f json dup2.csv
json_ok header_duplicate_suffix_taken && check_eq header_duplicate_suffix_taken "$(jget out "$names")" '["a", "a.1", "a.2"]'
printf ',\n1,2\n' >unnamed.csv
run profile -f json unnamed.csv
json_ok header_all_empty && check_eq header_all_empty "$(jget out "$names")" '["Unnamed: 0", "Unnamed: 1"]'

# ---------------------------------------------------------------- standard input

printf 'a,b\n1,x\n2,y\n3,z\n' >stdin.csv
run_in stdin.csv profile -f json -
json_ok stdin_dash && check_eq stdin_dash "$(jget out '(d["source"], d["rows"], '"$(values b)"')')" '["-", 3, ["x", "y", "z"]]'
run_in stdin.csv profile -j 2 -f json -
json_ok stdin_dash_threads && check_eq stdin_dash_threads "$(jget out 'd["rows"]')" 3
printf 'a,b\n1,2\n3\n' >stdin_bad.csv
run_in stdin_bad.csv profile -
expect stdin_error_names_dash 2 "vigia: -:3: expected 2 fields, found 1"
printf '{"a":1}\n{"a":2}\n' >stdin.ndjson
run_in stdin.ndjson profile --input-format ndjson -f json -
json_ok stdin_ndjson && check_eq stdin_ndjson "$(jget out '(d["rows"], d["input"]["format"])')" '[2, "ndjson"]'

# ---------------------------------------------------------------- -j N equals -j 1

# dense.csv: 30% of rows hold quoted line breaks everywhere, so the cuts between threads
#   almost surely fall inside quotes (vigia must notice and still be right).
# edges.csv: quoted line breaks only in the first and last 15% of the file, so the cuts of
#   -j 2 and -j 3 fall between records and the parallel path is really used; CRLF line ends,
#   a BOM and blank lines too. The line numbers of its bad rows are written to edges.bad.
"$PY" - <<'EOF'
import random
def gen(path, n, multi_share, crlf, bom, bad_path=None, bad_at=()):
    rnd = random.Random(sum(map(ord, path)))
    eol = '\r\n' if crlf else '\n'
    out = open(path, 'w', newline='')
    out_bad = open(bad_path, 'w', newline='') if bad_path else None
    head = ('\ufeff' if bom else '') + 'id,x,cat,text,opt,flag' + eol
    out.write(head)
    if out_bad:
        out_bad.write(head)
    line, bad = 2, []
    for i in range(n):
        edge = i < n * 0.15 or i > n * 0.85
        x = '%.3f' % rnd.gauss(0, 10)
        cat = rnd.choice(['red', 'green', '"bl,ue"', '"say ""hi"""'])
        if rnd.random() < multi_share and (multi_share > 0.2 or edge):
            text = '"m\nl ""%d""%se"' % (i % 50, eol)
        else:
            text = '"a,b %d"' % (i % 7) if rnd.random() < 0.5 else 'plain%d' % (i % 90)
        opt = '' if rnd.random() < 0.1 else str(rnd.randint(-500, 1000))
        flag = rnd.choice(['true', 'false', ''])
        row = '%d,%s,%s,%s,%s,%s' % (i, x, cat, text, opt, flag)
        tail = eol + (eol if i % 1000 == 999 else '')   # a blank line now and then
        out.write(row + tail)
        if out_bad:
            if i in bad_at:
                out_bad.write(row + ',extra' + tail)
                bad.append(line)
            else:
                out_bad.write(row + tail)
        line += (row + tail).count('\n')
    return bad
gen('dense.csv', 80000, 0.3, False, False)
bad = gen('edges.csv', 50000, 0.3 * 0.15, True, True, 'edges_bad.csv', bad_at=(3000, 30000, 46000))
open('edges.bad', 'w').write(' '.join(map(str, bad)))
EOF

for f in dense edges; do
    run profile -f json -j 1 $f.csv
    json_ok "threads_${f}_serial" && cp out $f.j1.json
    want=$(jget $f.j1.json "$SUMMARY")
    for j in 2 3; do
        run profile -f json -j $j $f.csv
        if json_ok "threads_${f}_j$j"; then
            check_eq "threads_${f}_j${j}_same_as_j1" "$(jget out "$SUMMARY")" "$want"
        fi
        [ $f = edges ] && check_eq "threads_${f}_j${j}_parallel_used" "$(jget out 'd["input"]["threads"]')" $j
    done
done
check_eq threads_dense_sanity "$(jget dense.j1.json '(d["rows"], d["columns"]["id"]["max"], d["columns"]["cat"]["distinct"])')" '[80000, 79999.0, 4]'
check_eq threads_edges_sanity "$(jget edges.j1.json '(d["rows"], d["input"]["blank_lines"], '"$names"'[0], d["columns"]["x"]["type"])')" '[50000, 50, "id", "fractional"]'

# errors and skipped rows in a later shard carry absolute line numbers
read -r -a BAD <edges.bad
run profile -j 2 edges_bad.csv
expect threads_error_line 2 "edges_bad.csv:${BAD[0]}: expected 6 fields, found 7"
sed '0,/,extra\r$/s/,extra\r$/\r/' edges_bad.csv >edges_bad2.csv
run profile -j 2 edges_bad2.csv
expect threads_error_line_second_shard 2 "edges_bad2.csv:${BAD[1]}: expected 6 fields, found 7"
run profile --skip-bad-rows -f json -j 3 edges_bad.csv
if json_ok threads_skip_lines; then
    check_eq threads_skip_lines "$(jget out '(d["input"]["threads"], d["rows"], d["bad_rows"], [b["line"] for b in d["input"]["bad_row_examples"]])')" \
        "[3, 49997, 3, [${BAD[0]}, ${BAD[1]}, ${BAD[2]}]]"
fi

# ---------------------------------------------------------------- profile -o / show / merge

run profile -f json -o edges.vgp edges.csv
json_ok profile_output_json && cp out edges.profile.json
if [ -s edges.vgp ]; then pass profile_output_written; else fail profile_output_written "edges.vgp missing"; fi
run show -f json edges.vgp
if json_ok show_json; then
    check_eq show_same_summary "$(jget out "$SUMMARY")" "$(jget edges.profile.json "$SUMMARY")"
    check_eq show_same_columns "$(jget out 'd["columns"]')" "$(jget edges.profile.json 'd["columns"]')"
    check_eq show_same_header "$(jget out '(d["rows"], d["bad_rows"], d["sketch"], d["schema"], d["source"])')" \
        "$(jget edges.profile.json '(d["rows"], d["bad_rows"], d["sketch"], d["schema"], "edges.vgp")')"
fi
run show edges.vgp
if [ "$RC" -eq 0 ] && grep -q '50000 rows' out && sanitizer_clean; then pass show_text; else fail show_text "exit $RC: $(head -c 200 out) $(err_line)"; fi
run profile -q -o quiet.vgp edges.csv
if [ "$RC" -eq 0 ] && [ ! -s out ] && [ -s quiet.vgp ]; then pass profile_quiet; else fail profile_quiet "exit $RC, stdout $(wc -c <out) bytes"; fi

# the profile of two halves, merged, has the counts of the profile of the whole
"$PY" - <<'EOF'
import csv
with open('dense.csv', newline='') as f:
    r = list(csv.reader(f))
h, body = r[0], r[1:]
for name, part in (('half1.csv', body[:20000]), ('half2.csv', body[20000:])):
    with open(name, 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(h)
        w.writerows(part)
EOF
run profile -q -o half1.vgp half1.csv
run profile -q -o half2.vgp half2.csv
run merge -o halves.vgp half1.vgp half2.vgp
expect merge_halves 0 "merged 2 profiles into halves.vgp: 80000 rows"
run show -f json halves.vgp
json_ok merge_halves_json && check_eq merge_halves_same_as_whole \
    "$(jget out '(d["rows"], [(c, v["type"], v["count"], v["missing"], v["min"], v["max"]) for c, v in d["columns"].items()])')" \
    "$(jget dense.j1.json '(d["rows"], [(c, v["type"], v["count"], v["missing"], v["min"], v["max"]) for c, v in d["columns"].items()])')"

# ---------------------------------------------------------------- --help, --version

for cmd in "--help" "-h" "help"; do
    run $cmd
    if [ "$RC" -eq 0 ] && grep -q '^usage: vigia <command>' out && ! [ -s err ]; then
        pass "help_main_$cmd"
    else
        fail "help_main_$cmd" "exit $RC; stdout: $(head -c 100 out); stderr: $(err_line)"
    fi
done
for cmd in profile merge show; do
    for h in --help -h; do
        run $cmd $h
        if [ "$RC" -eq 0 ] && grep -q "^usage: vigia $cmd" out && ! [ -s err ]; then
            pass "help_${cmd}_$h"
        else
            fail "help_${cmd}_$h" "exit $RC; stdout: $(head -c 100 out); stderr: $(err_line)"
        fi
    done
    if grep -q "^  $cmd " <(timeout 10 "$VIGIA" --help); then
        pass "help_main_lists_$cmd"
    else
        fail "help_main_lists_$cmd" "not in vigia --help"
    fi
done
run profile --help does-not-exist.csv
expect help_wins_over_arguments 0

version=$(sed -n 's/^#define VG_VERSION "\(.*\)"/\1/p' "$REPO_DIR/include/vigia/version.h")
for v in --version -V; do
    run $v
    if [ "$RC" -eq 0 ] && [ "$(cat out)" == "vigia $version" ]; then
        pass "version_$v"
    else
        fail "version_$v" "exit $RC; printed '$(cat out)', expected 'vigia $version'"
    fi
done
check_eq version_in_json "$(jget edges.profile.json 'd["vigia_version"]')" "$version"

finish
