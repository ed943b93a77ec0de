"""The HTML report of `vigia compare --html` in a real headless Chromium.

Makes two small datasets with drift, quality issues, target, prediction and sensitive
columns (so the model section with its curves and fairness chart), and
hostile text (a column named <script>alert(1)</script>, categories with quotes, ampersands and
angle brackets), writes the report, opens it in Chromium over the DevTools protocol (cdp.py)
and checks that it rendered: no console error, warning or exception (a Content-Security-Policy
violation would be one), the expected sections, one chart per compared column of the right
kind, the hostile text shown as text and never run, the filter and sort controls working, and
a screenshot taken. Prints PASS/FAIL lines for tests/run.sh; prints one SKIP line and exits 0
only when no Chromium is installed (scripts/install-deps installs it).

    VIGIA=build/vigia python3 tests/browser/test_report.py [--screenshot OUT.png]
    python3 tests/browser/test_report.py --demo docs/report.png   # the README's screenshot
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VIGIA = os.path.abspath(os.environ.get("VIGIA", os.path.join(REPO, "build", "vigia")))
XSS = "<script>alert(1)</script>"
CATS = ['a "quoted" value', "R&D", "<b>bold</b>", "it's"]

failures = 0


def check(name, ok, detail=""):
    global failures
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, detail)))
    failures += not ok


def write_data(d):
    rnd = random.Random(11)
    for name, shift, n in (("ref", 0.0, 3000), ("cur", 1.0, 2000)):
        with open(os.path.join(d, name + ".csv"), "w") as f:
            f.write('id,x,steady,"%s",group,"level",label,score\n' % XSS.replace('"', '""'))
            for i in range(n):
                x = rnd.gauss(shift, 1)
                cat = rnd.choice(CATS if shift == 0 else CATS + ["new & <unseen>"])
                f.write('%d,%.5f,%.5f,%.4f,"%s",%s,%d,%.4f\n' % (
                    i, x, rnd.gauss(0, 1), rnd.random() * (1 + shift),
                    cat.replace('"', '""'), rnd.choice("abc"),
                    rnd.random() < 0.3, min(1, max(0, rnd.random() * 0.8 + shift * 0.1))))


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


DOM_CHECKS = r"""
(function(){
  var q = function(s){ return document.querySelectorAll(s); };
  var byName = {};
  q('article.col').forEach(function(a){ byName[a.dataset.name] = a; });
  var first = q('svg[data-chart=histogram]')[0];
  var r = first ? first.getBoundingClientRect() : {width: 0, height: 0};
  return {
    sections: ['summary', 'quality', 'model', 'fairness', 'target-drift', 'drift'].filter(function(i){ return !document.getElementById(i); }),
    cards: ['verdict', 'quality-card', 'target-card', 'prediction-card', 'model-card', 'fairness-card'].filter(function(i){ return !document.getElementById(i); }),
    verdict: document.querySelector('#verdict .v').textContent,
    charts: q('svg.chart').length,
    histograms: q('svg[data-chart=histogram]').length,
    categories: q('svg[data-chart=categories]').length,
    heatmaps: q('#model svg[data-chart=heatmap]').length,
    curves: q('#model svg[data-chart=line]').length,
    fairBars: q('#fairness svg[data-chart=bars]').length,
    metricRows: q('#model table.metrics tbody tr').length,
    articles: q('article.col').length,
    rows: q('#columns-table tbody tr').length,
    scripts: q('script').length,
    firstChart: [r.width, r.height],
    firstArticle: q('#drift article.col')[0].dataset.name,
    firstDrifted: q('#drift article.col')[0].dataset.drifted,
    xssCard: !!byName[%(xss)s],
    xssHeading: byName[%(xss)s] ? byName[%(xss)s].querySelector('h3').textContent : null,
    groupTitles: byName['group'] ? Array.prototype.map.call(byName['group'].querySelectorAll('svg title'), function(t){ return t.textContent; }) : [],
    targetChart: !!document.querySelector('#target-col svg.chart'),
    predictionChart: !!document.querySelector('#prediction-col svg[data-chart=histogram]')
  };
})()
"""

INTERACT = r"""
(function(){
  var box = document.getElementById('only-drifted');
  box.checked = true; box.dispatchEvent(new Event('change'));
  var shown = Array.prototype.filter.call(document.querySelectorAll('#drift article.col'), function(a){ return a.style.display !== 'none'; }).length;
  box.checked = false; box.dispatchEvent(new Event('change'));
  var th = document.querySelector('#columns-table th[data-sort=n]');
  th.click();
  var v = Array.prototype.map.call(document.querySelectorAll('#columns-table tbody tr'), function(r){ return parseFloat(r.cells[th.cellIndex].dataset.v); });
  var sorted = v.every(function(x, i){ return i === 0 || isNaN(x) || isNaN(v[i-1]) || v[i-1] <= x; });
  return {shownDrifted: shown, sorted: sorted};
})()
"""


def main():
    args = sys.argv[1:]
    binary = cdp.find_chromium()
    if not binary:
        print("SKIP browser: no chromium installed (scripts/install-deps installs it)")
        return 0
    with tempfile.TemporaryDirectory(prefix="vigia-browser-") as d:
        if args[:1] == ["--demo"]:
            return demo(binary, d, args[1])
        write_data(d)
        html = os.path.join(d, "report.html")
        p = subprocess.run([VIGIA, "compare", "-r", os.path.join(d, "ref.csv"), "-c",
                            os.path.join(d, "cur.csv"), "--target", "label", "--prediction",
                            "score", "--id", "id", "--sensitive", "level", "--html", html,
                            "-f", "json", "-o",
                            os.path.join(d, "out.json")], capture_output=True, text=True)
        check("report_written", p.returncode == 0 and os.path.getsize(html) > 0, p.stderr)
        if p.returncode != 0:
            return 1
        text = open(html, encoding="utf-8").read()
        check("no_raw_script_name", XSS not in text, "the column name is in the page unescaped")
        b = cdp.Browser(binary, 1280, 1000)
        try:
            b.open("file://" + html)
            dom = b.evaluate(DOM_CHECKS % {"xss": repr(XSS)})
            act = b.evaluate(INTERACT)
            shot = os.path.join(d, "report.png")
            b.screenshot(shot, 1280, 1600)
            problems = b.problems()
        finally:
            b.close()
        check("no_console_errors", problems == [], problems)
        check("sections", dom["sections"] == [] and dom["cards"] == [],
              "missing %s %s" % (dom["sections"], dom["cards"]))
        check("verdict_shown", dom["verdict"] in ("DRIFT", "no drift"), dom["verdict"])
        # features: x, steady, the hostile name (numeric), group (categorical); target label
        # (categorical) and prediction score (numeric); level is the sensitive column
        check("one_card_per_column", dom["articles"] == 6 and dom["rows"] == 4, dom)
        check("chart_per_column", dom["histograms"] == 4 and dom["categories"] == 2, dom)
        # the model section: binary with scores, so 2 confusion matrices, ROC, PR and
        # calibration curves, 11 metrics and 5 estimated (CBPE); one fairness chart (level)
        check("model_charts", dom["heatmaps"] == 2 and dom["curves"] == 3
              and dom["fairBars"] == 1 and dom["metricRows"] == 11 + 5
              and dom["charts"] == 6 + 2 + 3 + 1, dom)
        check("chart_has_size", dom["firstChart"][0] > 200 and dom["firstChart"][1] > 80,
              dom["firstChart"])
        check("drifted_first", dom["firstDrifted"] == "1", dom["firstArticle"])
        check("hostile_name_is_text", dom["xssCard"] and dom["xssHeading"] == XSS
              and dom["scripts"] == 1, dom)
        titles = " ".join(dom["groupTitles"])
        check("categories_escaped", all(c in titles for c in CATS + ["new & <unseen>"]), titles)
        check("role_charts", dom["targetChart"] and dom["predictionChart"], dom)
        check("filter_drifted", 0 < act["shownDrifted"] < 4, act)
        check("sort_numeric", act["sorted"], act)
        size = png_size(shot)
        check("screenshot", size == (1280, 1600) and os.path.getsize(shot) > 20000,
              "%s, %d bytes" % (size, os.path.getsize(shot)))
        if args[:1] == ["--screenshot"]:
            os.replace(shot, args[1])
        evaluate_page(binary, d)
    print("browser: %d failed" % failures)
    return 1 if failures else 0


EVAL_DOM = r"""
(function(){
  var q = function(s){ return document.querySelectorAll(s); };
  return {
    summary: !!document.getElementById('summary'),
    model: !!document.getElementById('model'),
    card: !!document.getElementById('model-card'),
    fairnessCard: !!document.getElementById('fairness-card'),
    heatmaps: q('#model svg[data-chart=heatmap]').length,
    curves: q('#model svg[data-chart=line]').length,
    fairBars: q('#fairness svg[data-chart=bars]').length,
    metricRows: q('#model table.metrics tbody tr').length,
    scripts: q('script').length
  };
})()
"""


def evaluate_page(binary, d):
    """`vigia evaluate --html`: one dataset's page (metrics, confusion matrix, curves and the
    fairness chart), rendered without console errors."""
    html = os.path.join(d, "evaluate.html")
    p = subprocess.run([VIGIA, "evaluate", os.path.join(d, "ref.csv"), "--target", "label",
                        "--prediction", "score", "--sensitive", "level", "--html", html],
                       capture_output=True, text=True)
    check("evaluate_page_written", p.returncode == 0 and os.path.getsize(html) > 0, p.stderr)
    if p.returncode != 0:
        return
    b = cdp.Browser(binary, 1280, 1000)
    try:
        b.open("file://" + html)
        dom = b.evaluate(EVAL_DOM)
        problems = b.problems()
    finally:
        b.close()
    check("evaluate_no_console_errors", problems == [], problems)
    # binary with scores: one confusion matrix, ROC, PR and calibration curves, the 11 metrics
    # of the comparison's table, one fairness chart
    check("evaluate_page_sections", dom["summary"] and dom["model"] and dom["card"]
          and dom["fairnessCard"] and dom["heatmaps"] == 1 and dom["curves"] == 3
          and dom["fairBars"] == 1 and dom["metricRows"] == 11 and dom["scripts"] == 1, dom)


def demo(binary, d, out):
    """The screenshot of docs/report.png: the bundled demo data."""
    html = os.path.join(d, "demo.html")
    subprocess.run([VIGIA, "compare", "-r", "examples/data/demo.csv", "-c",
                    "examples/data/demo_current.csv", "--target", "defaulted", "--prediction",
                    "predicted_default", "--id", "customer_id", "--sensitive", "region",
                    "--html", html],
                   check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    b = cdp.Browser(binary, 1280, 1000)
    try:
        b.open("file://" + html)
        b.screenshot(out, 1280, 1700)
        problems = b.problems()
    finally:
        b.close()
    print("wrote %s%s" % (out, "; problems: %s" % problems if problems else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
