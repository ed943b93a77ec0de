#!/usr/bin/env bash
# vigia compare --html: the page is written beside the usual report, is self-contained, escapes
# every string from the data, carries summaries rather than rows (its size does not grow with
# the row count), works from profiles too, and a file that cannot be written is an error. The
# distribution summaries it draws are also in the JSON (drift.columns.<name>.distribution).
# tests/browser/ checks that Chromium renders the page.
source "$(dirname "$0")/lib.bash"

"$PY" - <<'PY'
import random
rnd = random.Random(3)
def write(name, n, shift):
    with open(name, "w") as f:
        f.write('x,"<script>alert(1)</script>",c,k,p\n')
        for i in range(n):
            f.write('%.5f,%.3f,"%s",%d,"%s"\n' % (rnd.gauss(shift, 1), rnd.random(),
                    rnd.choice(['say ""hi""', "R&D", "<i>x</i>"] + (["new"] if shift else [])),
                    rnd.randrange(4), rnd.choice(['say ""hi""', "R&D", "<i>x</i>"])))
write("ref.csv", 2000, 0)
write("cur.csv", 1500, 1)
# 100 columns, few and many rows: the page's size must not follow the rows
for name, n in (("wide_small", 200), ("wide_big", 20000)):
    with open(name + ".csv", "w") as f:
        f.write(",".join("n%d" % j if j % 4 else "c%d" % j for j in range(100)) + "\n")
        for i in range(n):
            f.write(",".join("%.4f" % rnd.random() if j % 4 else "v%d" % rnd.randrange(40)
                             for j in range(100)) + "\n")
PY

run compare -r ref.csv -c cur.csv --html out.html
expect html_written 0
if grep -q "dataset drift:" "$T/out" && head -c 15 out.html | grep -q '<!DOCTYPE html>' &&
    tail -n 1 out.html | grep -q '</html>'; then
    pass html_beside_text
else
    fail html_beside_text "stdout: $(head -c 200 "$T/out"); page: $(head -c 100 out.html)"
fi

# nothing outside the page: no src=, no http(s) link but the SVG namespace, no CSS import/url
if grep -oE 'src=|https?://[^"]*|@import|url\(' out.html | grep -vqx 'http://www.w3.org/2000/svg'; then
    fail self_contained "$(grep -oE 'src=|https?://[^"]*|@import|url\(' out.html | sort -u | head -5 | tr '\n' ' ')"
else
    pass self_contained
fi
if grep -qF '<script>alert(1)</script>' out.html; then
    fail column_name_escaped "the hostile column name is in the page as markup"
elif grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' out.html; then
    pass column_name_escaped
else
    fail column_name_escaped "the column name is not in the page at all"
fi
if grep -qF 'say &quot;hi&quot;' out.html && grep -qF 'R&amp;D' out.html &&
    grep -qF '&lt;i&gt;x&lt;/i&gt;' out.html && ! grep -qF '<i>x</i>' out.html; then
    pass categories_escaped
else
    fail categories_escaped "$(grep -oE 'say[^<]{0,20}|R&[^<]{0,8}' out.html | head -3 | tr '\n' ' ')"
fi
n_svg=$(grep -o '<svg class="chart"' out.html | wc -l)
check_eq one_chart_per_column "$n_svg" 5
n_script=$(grep -o '<script' out.html | wc -l)
check_eq one_script "$n_script" 1

# the JSON carries the same summaries
run compare -r ref.csv -c cur.csv -f json --html out2.html
json_ok distribution_json &&
    check_eq distribution_json "$(jget "$T/out" '[
        d["drift"]["columns"]["x"]["distribution"]["bins"],
        sum(d["drift"]["columns"]["x"]["distribution"]["reference"]) == d["drift"]["columns"]["x"]["reference_count"],
        sum(d["drift"]["columns"]["x"]["distribution"]["current"]),
        sorted(d["drift"]["columns"]["c"]["distribution"]["categories"]),
        d["drift"]["columns"]["c"]["distribution"]["other_categories"],
        sorted(d["drift"]["columns"]["k"]["distribution"]["categories"])]')" \
        '[30, true, 1500, ["<i>x</i>", "R&D", "new", "say \"hi\""], 0, ["0", "1", "2", "3"]]'
if cmp -s out.html out2.html; then pass html_same_either_format; else fail html_same_either_format "pages differ"; fi

# size: 100 columns, 200 vs 20,000 rows
run compare -r wide_small.csv -c wide_small.csv --html small.html
expect wide_small 0
run compare -r wide_big.csv -c wide_big.csv --html big.html
expect wide_big 0
s1=$(stat -c %s small.html)
s2=$(stat -c %s big.html)
if [ "$s2" -lt 2000000 ] && [ "$s2" -lt $((s1 * 12 / 10)) ]; then
    pass size_follows_columns_not_rows
else
    fail size_follows_columns_not_rows "200 rows: $s1 bytes, 20000 rows: $s2 bytes"
fi

# from profiles: numeric histograms from the sketches, categories from the value counts (the
# same as from the files: they are exact here)
run profile -q -o ref.vgp ref.csv
run compare -r ref.vgp -c cur.csv --html sketch.html -f json -o sketch.json
expect sketch_html 0
if grep -q 'data-chart="histogram"' sketch.html && grep -qF 'say &quot;hi&quot;: reference' sketch.html &&
    [ "$(jget sketch.json 'sorted(d["drift"]["columns"]["c"]["distribution"]["categories"]) + sorted(d["drift"]["columns"]["k"]["distribution"]["categories"])')" == \
      '["<i>x</i>", "R&D", "new", "say \"hi\"", "0", "1", "2", "3"]' ]; then
    pass sketch_charts
else
    fail sketch_charts "$(grep -o 'data-chart="[a-z]*"' sketch.html | sort | uniq -c | tr '\n' ' ')"
fi

# the model section for each task: regression (no confusion matrix), multiclass (one per side,
# class names escaped)
run compare -r ref.csv -c cur.csv --target x --prediction '<script>alert(1)</script>' --html reg.html
expect model_regression 0
if grep -q 'id="model"' reg.html && ! grep -q 'data-chart="heatmap"' reg.html &&
    [ "$(grep -o '<td>rmse</td>' reg.html | wc -l)" -eq 1 ]; then
    pass model_regression_page
else
    fail model_regression_page "$(grep -o 'data-chart="[a-z]*"' reg.html | sort | uniq -c | tr '\n' ' ')"
fi
run compare -r ref.csv -c cur.csv --target c --prediction p --html multi.html
expect model_multiclass 0
if [ "$(grep -o 'data-chart="heatmap"' multi.html | wc -l)" -eq 2 ] &&
    grep -qF 'actual say &quot;hi&quot;, predicted R&amp;D: ' multi.html && ! grep -qF '<i>x</i>' multi.html; then
    pass model_multiclass_page
else
    fail model_multiclass_page "$(grep -o 'data-chart="[a-z]*"' multi.html | sort | uniq -c | tr '\n' ' ')"
fi

run compare -r ref.csv -c cur.csv --html no/such/dir/out.html
expect unwritable_html 2 "no/such/dir/out.html: cannot create"
run compare -r ref.csv -c cur.csv --html .
expect html_is_directory 2 ".: cannot create"
if [ -c /dev/full ]; then # a full disk (where the device exists: not in every sandbox)
    run compare -r ref.csv -c cur.csv --html /dev/full
    expect full_disk_html 2 "/dev/full"
fi
run compare --help
expect help_mentions_html 0
grep -q -- "--html FILE" "$T/out" && pass help_html_flag || fail help_html_flag "no --html in --help"

finish
