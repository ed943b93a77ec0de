#!/usr/bin/env bash
# Every error path of the vigia CLI: bad CSV/NDJSON input, damaged .vgp files, usage errors,
# and --skip-bad-rows accounting. Each check asserts the exit status (0 ok, 2 usage error or
# bad input) and the key words of the message, including file name and line number.
#   VIGIA=build/vigia bash tests/cli/errors.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# ---------------------------------------------------------------- CSV input errors

printf 'a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n' >rag_many.csv
run profile rag_many.csv
expect csv_ragged_too_many 2 "vigia: rag_many.csv:3: expected 3 fields, found 4"

printf 'a,b,c\n1,2,3\n4,5,6\n7,8\n' >rag_few.csv
run profile -f json rag_few.csv
expect csv_ragged_too_few 2 "vigia: rag_few.csv:4: expected 3 fields, found 2"

# the line number of a ragged row counts the line breaks inside earlier quoted fields
printf 'a,b\n1,"x\ny\nz"\n2,3,4\n' >rag_after_quote.csv
run profile rag_after_quote.csv
expect csv_ragged_line_after_multiline_field 2 "rag_after_quote.csv:5: expected 2 fields, found 3"

printf 'a,b\n1,2\n3,"abc\n4,5\n' >unterm.csv
run profile unterm.csv
expect csv_unterminated_quote 2 "vigia: unterm.csv:3: unterminated quoted field"

printf 'a,"b\n1,2\n' >unterm_header.csv
run profile unterm_header.csv
expect csv_unterminated_quote_in_header 2 "unterm_header.csv:1: header: unterminated quoted field"

printf 'a,b\n1,"x"y\n' >after_quote.csv
run profile after_quote.csv
expect csv_text_after_closing_quote 2 "after_quote.csv:2: unexpected character after a closing quote"

printf 'id,name\n1,ok\n2,caf\xe9\n' >latin1.csv
run profile latin1.csv
expect csv_invalid_utf8_latin1 2 "latin1.csv:3:" "column 'name'" "not valid UTF-8"

printf 'id,name,x\n1,ok,2\n\xed\xa0\x80,fine,3\n' >surrogate.csv
run profile surrogate.csv
expect csv_invalid_utf8_surrogate 2 "surrogate.csv:3:" "column 'id'" "not valid UTF-8"

printf 'id,name\n1,"ok"\n2,"\xc0\xaf"\n' >overlong.csv
run profile overlong.csv
expect csv_invalid_utf8_overlong_quoted 2 "overlong.csv:3:" "column 'name'" "not valid UTF-8"

printf 'id,\xff\xfe\n1,2\n' >bad_header_utf8.csv
run profile bad_header_utf8.csv
expect csv_invalid_utf8_header 2 "bad_header_utf8.csv:1: header: column 2 name is not valid UTF-8"

: >empty.csv
run profile empty.csv
expect csv_empty_file 2 "vigia: empty.csv: empty file"

printf '\xef\xbb\xbf' >bom_only.csv
run profile bom_only.csv
expect csv_bom_only_file 2 "vigia: bom_only.csv: empty file"

printf 'a,b,c\n' >header_only.csv
run profile header_only.csv
expect csv_header_only 2 "vigia: header_only.csv: no data rows"

printf 'a,b,c' >header_only_nonl.csv
run profile header_only_nonl.csv
expect csv_header_only_no_newline 2 "header_only_nonl.csv: no data rows"

printf 'a,b\n\n\n' >header_blank.csv
run profile header_blank.csv
expect csv_header_then_blank_lines 2 "header_blank.csv: no data rows"

# a file of blank lines has no header; vigia has a message for that ("no header line, only
# blank lines"), and should not claim the file holds a header
printf '\n\n\n' >only_blank.csv
run profile only_blank.csv
if [ "$RC" -eq 2 ] && grep -q 'only_blank.csv' err && ! grep -q 'only a header' err; then
    pass csv_only_blank_lines
else
    fail csv_only_blank_lines "exit $RC; stderr: $(err_line)"
fi

run_in empty.csv profile -
expect csv_empty_stdin 2 "vigia: -: empty file"

run profile -o hdr.vgp header_only.csv
expect csv_header_only_writes_no_profile 2 "no data rows"
check_absent csv_header_only_no_vgp_left hdr.vgp

run profile -o rag.vgp rag_many.csv
expect csv_error_writes_no_profile 2 "rag_many.csv:3:"
check_absent csv_error_no_vgp_left rag.vgp

run profile does_not_exist.csv
expect file_not_found 2 "vigia: does_not_exist.csv: No such file or directory"

run profile -j 2 does_not_exist.csv
expect file_not_found_threads 2 "does_not_exist.csv: No such file or directory"

run profile does_not_exist.ndjson
expect file_not_found_ndjson 2 "does_not_exist.ndjson: No such file or directory"

mkdir adir
run profile adir
expect directory_as_file 2 "vigia: adir" "Is a directory"

run profile -j 4 adir
expect directory_as_file_threads 2 "adir" "Is a directory"

run show adir
expect show_directory 2 "adir"

run show does_not_exist.vgp
expect show_file_not_found 2 "does_not_exist.vgp: No such file or directory"

# a record longer than --max-record
"$PY" -c "open('long.csv','w').write('a,b\n1,2\n' + 'x'*100 + ',' + 'y'*30 + '\n3,4\n')"
run profile --max-record 64 long.csv
expect csv_record_too_long 2 "long.csv:3: record too long"

# ---------------------------------------------------------------- .vgp files

printf 'a,b,s\n1,2.5,x\n3,4.5,y\n5,,z\n' >small.csv
run profile -q -o good.vgp small.csv
if [ "$RC" -eq 0 ] && [ -s good.vgp ]; then pass vgp_setup; else fail vgp_setup "profile -o failed: $(err_line)"; fi
run show -f json good.vgp
json_ok vgp_good_loads && check_eq vgp_good_loads "$(jget out 'd["rows"]')" 3

VGPLEN=$(stat -c %s good.vgp)

# All damaged variants of good.vgp, made in one python run.
"$PY" - <<'EOF'
good = open('good.vgp', 'rb').read()
n = len(good)
def put(name, b):
    open(name, 'wb').write(bytes(b))
def flip(i, mask=0x10):
    b = bytearray(good); b[i] ^= mask; return b
# one flipped byte anywhere in the payload or in the checksum itself
put('flip_mid.vgp', flip(n // 2))
put('flip_quarter.vgp', flip(24 + (n - 28) // 4))
put('flip_threequarter.vgp', flip(24 + 3 * (n - 28) // 4))
put('flip_crc.vgp', flip(n - 4))
put('flip_last.vgp', flip(n - 1))
put('flip_version.vgp', flip(8, 0x02))          # version 1 -> 3
put('flip_length.vgp', flip(13, 0x40))          # payload length
b = bytearray(good); b[1] = ord('W'); put('flip_magic.vgp', b)
for k in (1, 4, 7, 8, 12, 19, 20, 23, 24, 60, n // 2, n - 4, n - 1):
    put('cut%d.vgp' % k, good[:k])
put('trailing.vgp', good + b'extra')
put('trailing1.vgp', good + b'\n')
EOF

for at in mid quarter threequarter crc last; do
    run show "flip_$at.vgp"
    expect "vgp_flipped_byte_$at" 2 "vigia: flip_$at.vgp: checksum mismatch"
done

run show flip_version.vgp
expect vgp_bad_version 2 "flip_version.vgp: profile format version 3 is not supported"

run show flip_length.vgp
expect_re vgp_bad_length 2 "flip_length\.vgp: (truncated profile|[0-9]+ unexpected bytes)"

run show flip_magic.vgp
expect vgp_bad_magic_byte 2 "flip_magic.vgp: not a vigia profile (.vgp): bad magic bytes"

# cut inside the magic: either "truncated" or "not a profile" is a fair description
for n in 1 4 7; do
    run show "cut$n.vgp"
    expect_re "vgp_truncated_in_magic_$n" 2 "cut$n\.vgp: (truncated|not a vigia profile)"
done
# cut inside the rest of the 20-byte header, or before the checksum
for n in 8 12 19 20 23; do
    run show "cut$n.vgp"
    expect "vgp_truncated_in_header_$n" 2 "cut$n.vgp: truncated profile: $n bytes"
done
for n in 24 60 $((VGPLEN / 2)) $((VGPLEN - 4)) $((VGPLEN - 1)); do
    run show "cut$n.vgp"
    expect "vgp_truncated_at_$n" 2 "cut$n.vgp: truncated profile"
done

run show trailing.vgp
expect vgp_trailing_bytes 2 "trailing.vgp: 5 unexpected bytes after the profile"

run show trailing1.vgp
expect vgp_trailing_newline 2 "trailing1.vgp: 1 unexpected bytes after the profile"

printf 'this is a text file, not a profile at all\n' >text.vgp
run show text.vgp
expect vgp_not_a_profile 2 "vigia: text.vgp: not a vigia profile (.vgp): bad magic bytes"

run show small.csv
expect vgp_csv_given_to_show 2 "small.csv: not a vigia profile"

: >empty.vgp
run show empty.vgp
expect vgp_empty_file 2 "vigia: empty.vgp: empty file, not a vigia profile"

run merge -o merged_bad.vgp good.vgp flip_mid.vgp
expect vgp_merge_corrupted_input 2 "flip_mid.vgp: checksum mismatch"
check_absent vgp_merge_corrupted_no_output merged_bad.vgp

run merge -o merged_bad2.vgp cut60.vgp good.vgp
expect vgp_merge_truncated_first_input 2 "cut60.vgp: truncated profile"

# ---------------------------------------------------------------- usage errors

run frobnicate
expect unknown_command 2 "vigia: unknown command 'frobnicate'"

run
expect no_command 2 "usage: vigia"

run profile --bogus small.csv
expect unknown_flag_profile 2 "vigia: profile: unknown option '--bogus'"
run show --bogus good.vgp
expect unknown_flag_show 2 "vigia: show: unknown option '--bogus'"
run merge --bogus -o x.vgp good.vgp good.vgp
expect unknown_flag_merge 2 "vigia: merge: unknown option '--bogus'"
run profile -Z small.csv
expect unknown_short_flag 2 "unknown option '-Z'"
run profile -j
expect flag_missing_argument 2 "needs a value"

for v in 0 abc -1 257 999999999999999999999 ''; do
    run profile -j "$v" small.csv
    expect "bad_threads_'$v'" 2 "vigia: --threads"
done
run profile --threads=3x small.csv
expect "bad_threads_long_form" 2 "--threads: '3x' is not a number between 1 and 256"

for v in 1 7 65536 x -5; do
    run profile --kll-k "$v" small.csv
    expect "bad_kll_k_'$v'" 2 "vigia: --kll-k"
done
run profile --hll-p 3 small.csv
expect bad_hll_p 2 "vigia: --hll-p: '3' is not a number"
run profile --top-capacity 0 small.csv
expect bad_top_capacity 2 "vigia: --top-capacity"
run profile --max-record 10 small.csv
expect bad_max_record 2 "vigia: --max-record: '10'"

run profile -f xml small.csv
expect bad_format_profile 2 "vigia: --format: 'xml' is not one of: text, json"
run show --format yaml good.vgp
expect bad_format_show 2 "vigia: --format: 'yaml' is not one of: text, json"
run merge -f csv -o x.vgp good.vgp good.vgp
expect bad_format_merge 2 "vigia: --format: 'csv' is not one of: text, json"
run profile --input-format xml small.csv
expect bad_input_format 2 "vigia: --input-format: 'xml' is not one of: csv, ndjson"
run profile --sep ab small.csv
expect bad_sep_two_chars 2 "vigia: --sep: 'ab'"
run profile --sep '"' small.csv
expect bad_sep_quote 2 "vigia: --sep"

run profile
expect profile_missing_data 2 "profile: missing DATA file"
run profile small.csv small.csv
expect profile_two_data_files 2 "profile: expected one DATA file"
run show
expect show_missing_file 2 "show: expected one profile file"

run merge good.vgp good.vgp
expect merge_without_output 2 "merge: -o OUT.vgp is required"
run merge -o nothing.vgp
expect merge_without_inputs 2 "merge: no input profiles"
check_absent merge_without_inputs_no_output nothing.vgp

run profile -q -o /nonexistent-dir/x.vgp small.csv
expect profile_output_unwritable 2 "/nonexistent-dir/x.vgp"

# profiles with different sketch settings do not merge
run profile -q --kll-k 200 -o k200.vgp small.csv
run profile -q --kll-k 100 -o k100.vgp small.csv
run merge -o mixed.vgp k200.vgp k100.vgp
expect merge_kll_k_mismatch 2 "k100.vgp: cannot merge profiles built with different sketch settings" "kll k 200/100"
check_absent merge_mismatch_no_output mixed.vgp
run profile -q --hll-p 10 -o p10.vgp small.csv
run merge -o mixed2.vgp good.vgp p10.vgp
expect merge_hll_p_mismatch 2 "p10.vgp: cannot merge profiles built with different sketch settings"

# and the same settings do (sanity check of the above)
run profile -q --kll-k 100 -o k100b.vgp small.csv
run merge -f json -o same.vgp k100.vgp k100b.vgp
json_ok merge_same_settings && check_eq merge_same_settings "$(jget out 'd["rows"]')" 6

# ---------------------------------------------------------------- --skip-bad-rows (CSV)

# 5 good rows, 4 bad rows (each on one line), 1 blank line
printf 'a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n\n13,14,15\n16,caf\xe9,17\n18,19,20\n21,"x"y,22\n23,24,25\n' >skip.csv
run profile --skip-bad-rows -f json skip.csv
if json_ok skip_bad_rows_exit; then
    pass skip_bad_rows_exit
    check_eq skip_bad_rows_count "$(jget out 'd["bad_rows"]')" 4
    check_eq skip_bad_rows_good_rows "$(jget out 'd["rows"]')" 5
    check_eq skip_bad_rows_column_counts "$(jget out '[v["count"] + v["missing"] for v in d["columns"].values()]')" "[5, 5, 5]"
    data_lines=$(tail -n +2 skip.csv | grep -c .)
    check_eq skip_bad_rows_nothing_lost "$(jget out 'd["rows"] + d["bad_rows"]')" "$data_lines" "non-blank data lines"
    check_eq skip_bad_rows_example_lines "$(jget out '[b["line"] for b in d["input"]["bad_row_examples"]]')" "[3, 5, 8, 10]"
    check_eq skip_bad_rows_example_reasons \
        "$(jget out '[b["reason"].split(" ")[0] for b in d["input"]["bad_row_examples"]]')" \
        '["expected", "expected", "field", "unexpected"]'
    check_eq skip_bad_rows_good_values "$(jget out 'sorted(int(t["value"]) for t in d["columns"]["a"]["top"])')" \
        "[1, 6, 13, 18, 23]" "row 16 has bad UTF-8 and is skipped"
fi
expect skip_bad_rows_stderr 0 "vigia: skip.csv: skipped 4 malformed rows (first at line 3: expected 3 fields, found 2)"

# the text report says the same on stderr
run profile --skip-bad-rows skip.csv
expect skip_bad_rows_text_stderr 0 "skipped 4 malformed rows (first at line 3"

# an unterminated quote at the end: the bad record is skipped, reading goes on at the next line
printf 'a,b\n1,2\n3,"open\n4,5\n' >skip_unterm.csv
run profile --skip-bad-rows -f json skip_unterm.csv
if json_ok skip_unterminated_quote; then
    check_eq skip_unterminated_quote "$(jget out '(d["rows"], d["bad_rows"], d["input"]["bad_row_examples"][0]["line"])')" \
        '[2, 1, 3]'
fi

# with -j: same counts and line numbers as serial (file big enough to be split)
"$PY" - <<'EOF'
import random
random.seed(11)
bad = set()
with open('skip_big.csv', 'w', newline='') as f:
    f.write('id,x,s\n')
    line = 2
    for i in range(30000):
        if i % 997 == 5:
            f.write('%d,%d\n' % (i, i)); bad.add(line)
        elif i % 1499 == 7:
            f.write('%d,%d,"q"z\n' % (i, i)); bad.add(line)
        else:
            f.write('%d,%.4f,"s,%d"\n' % (i, random.random(), i % 13))
        line += 1
open('skip_big.lines', 'w').write(' '.join(map(str, sorted(bad))) + '\n')
EOF
run profile --skip-bad-rows -f json -j 1 skip_big.csv
cp out skip_big1.json
run profile --skip-bad-rows -f json -j 3 skip_big.csv
if json_ok skip_bad_rows_threads; then
    check_eq skip_bad_rows_threads_used "$(jget out 'd["input"]["threads"]')" 3
    check_eq skip_bad_rows_threads_counts "$(jget out '(d["rows"], d["bad_rows"])')" "$(jget skip_big1.json '(d["rows"], d["bad_rows"])')"
    check_eq skip_bad_rows_threads_total "$(jget out 'd["rows"] + d["bad_rows"]')" 30000
    want=$("$PY" -c 'import sys; print([int(x) for x in open("skip_big.lines").read().split()][:10])')
    check_eq skip_bad_rows_threads_lines "$(jget out '[b["line"] for b in d["input"]["bad_row_examples"]]')" "$want"
    check_eq skip_bad_rows_threads_summary "$(jget out "$SUMMARY")" "$(jget skip_big1.json "$SUMMARY")"
fi

# Every data row malformed: no data, exit 2, and the message must not claim the file holds
# only a header; it should say the rows were skipped as malformed.
printf 'a,b\n1,2,3\n4\n' >all_bad.csv
run profile --skip-bad-rows all_bad.csv
if [ "$RC" -eq 2 ] && grep -q 'malformed' err && ! grep -q 'only a header' err; then
    pass skip_bad_rows_all_rows_bad
else
    fail skip_bad_rows_all_rows_bad "exit $RC; stderr: $(err_line)"
fi

# A record longer than --max-record is one bad row; the rest of that line must not be read
# as further rows (NDJSON does this right, see ndjson_skip_long_line).
"$PY" -c "open('long_skip.csv','w').write('a,b\n1,2\n' + 'x'*100 + ',' + 'y'*30 + ',zz\n3,4\n')"
run profile --skip-bad-rows --max-record 64 -f json long_skip.csv
if json_ok skip_bad_rows_long_record; then
    check_eq skip_bad_rows_long_record "$(jget out '(d["rows"], d["bad_rows"], [b["line"] for b in d["input"]["bad_row_examples"]])')" \
        '[2, 1, [3]]' "2 good rows, 1 long one at line 3"
fi

# ---------------------------------------------------------------- NDJSON errors

printf '{"a":1,"b":"x"}\n{"a":2,\n{"a":3,"b":"y"}\n' >bad_json.ndjson
run profile bad_json.ndjson
expect ndjson_invalid_json 2 "vigia: bad_json.ndjson:2: invalid JSON"

printf '{"a":1}\n{"a":2}\n[1,2,3]\n{"a":4}\n' >array_line.jsonl
run profile array_line.jsonl
expect ndjson_array_not_object 2 "vigia: array_line.jsonl:3: expected a JSON object"

printf '{"a":1}\n42\n' >scalar_line.ndjson
run profile scalar_line.ndjson
expect ndjson_scalar_not_object 2 "scalar_line.ndjson:2:"

printf '{"a":1}\n\n{"a":1,"a":2}\n' >dup_key.ndjson
run profile dup_key.ndjson
expect ndjson_duplicate_key 2 "dup_key.ndjson:3:" "duplicate"

printf '{"a":1}\n{"a":"caf\xe9"}\n' >latin1.ndjson
run profile latin1.ndjson
expect ndjson_invalid_utf8 2 "latin1.ndjson:2:"

printf '{"a":1}\n[1]\n' >array.json
run profile array.json
expect ndjson_json_extension 2 "array.json:2: expected a JSON object"

printf '{"a":1}\n[1]\n' >array.txt
run profile --input-format ndjson array.txt
expect ndjson_input_format_flag 2 "array.txt:2: expected a JSON object"

: >empty.ndjson
run profile empty.ndjson
expect ndjson_empty_file 2 "empty.ndjson: no data rows"

printf '\n  \n\r\n' >blank.ndjson
run profile blank.ndjson
expect ndjson_only_blank_lines 2 "blank.ndjson: no data rows"

# 5 good, 3 bad, 1 blank
printf '{"a":1,"b":"x"}\n{"a":2,\n[1,2]\n{"a":3}\n\n"str"\n{"a":4,"b":null}\n{"a":5,"b":"y"}\n{"a":6}\n' >skip.ndjson
run profile --skip-bad-rows -f json skip.ndjson
if json_ok ndjson_skip_bad_rows; then
    pass ndjson_skip_bad_rows
    check_eq ndjson_skip_bad_rows_counts "$(jget out '(d["rows"], d["bad_rows"])')" '[5, 3]'
    check_eq ndjson_skip_bad_rows_lines "$(jget out '[b["line"] for b in d["input"]["bad_row_examples"]]')" '[2, 3, 6]'
    check_eq ndjson_skip_bad_rows_missing "$(jget out '(d["columns"]["b"]["count"], d["columns"]["b"]["missing"])')" '[2, 3]'
fi
expect ndjson_skip_bad_rows_stderr 0 "skip.ndjson: skipped 3 malformed rows (first at line 2: invalid JSON"

"$PY" -c "open('long.ndjson','w').write('{\"a\":1}\n{\"a\":\"' + 'x'*300 + '\"}\n{\"a\":3}\n')"
run profile --max-record 64 long.ndjson
expect ndjson_line_too_long 2 "long.ndjson:2: line longer than 64 bytes"
run profile --skip-bad-rows --max-record 64 -f json long.ndjson
if json_ok ndjson_skip_long_line; then
    check_eq ndjson_skip_long_line "$(jget out '(d["rows"], d["bad_rows"], d["input"]["bad_row_examples"][0]["line"])')" '[2, 1, 2]'
fi

# a bad line late in a file big enough to be split: the same absolute line with -j 2
"$PY" - <<'EOF'
import json, random
random.seed(5)
with open('big_bad.ndjson', 'w') as f:
    for i in range(40000):
        d = {'id': i, 'v': round(random.random(), 6), 's': random.choice('abc')}
        if i % 5 == 0:
            d['extra'] = i
        f.write(json.dumps(d) + '\n')
        if i == 33332:
            f.write('[1, 2]\n')   # line 33334
EOF
run profile -j 2 big_bad.ndjson
expect ndjson_error_line_threads 2 "big_bad.ndjson:33334: expected a JSON object"
run profile --skip-bad-rows -f json -j 2 big_bad.ndjson
if json_ok ndjson_skip_threads; then
    check_eq ndjson_skip_threads "$(jget out '(d["rows"], d["bad_rows"], d["input"]["threads"], d["input"]["bad_row_examples"][0]["line"], d["columns"]["extra"]["missing"])')" \
        '[40000, 1, 2, 33334, 32000]'
fi

finish
