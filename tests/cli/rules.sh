#!/usr/bin/env bash
# vigia rules end to end: check (the bundled examples, a daemon config with an alerts: section,
# and every kind of bad rule named by file:line:column, rule and field, exit 2), show (the JSON of
# GET /v1/rules), and export --format prometheus, whose output `promtool check rules` accepts and
# whose expressions are the ones expected.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

run rules --help
expect help 0
grep -q "vigia rules export --format prometheus" out && pass help_text || fail help_text "$(head -3 out)"

run rules
expect no_subcommand 2 "expected a subcommand"
run rules frobnicate x.yaml
expect bad_subcommand 2 "unknown subcommand 'frobnicate'"

run rules check "$REPO_DIR/examples/alerts.yaml"
expect check_example 0
grep -q "13 rules, 4 notifiers: OK" out && pass check_example_counts || fail check_example_counts "$(cat out)"

# a daemon config: the alerts: section is read, the rest ignored
cat >serve.yaml <<'YAML'
listen: 127.0.0.1:0
data_dir: ./data
alerts:
  evaluation_interval: 15s
  notifiers:
    - {name: hook, type: webhook, url: "http://127.0.0.1:9/x"}
  rules:
    - name: drift
      metric: drift_score
      feature: "a*"
      match: {baseline: reference}
      threshold: 0.2
      for_windows: 3
      notify: [hook]
YAML
run rules check serve.yaml
expect check_daemon_config 0
run rules show serve.yaml
expect show 0
check_eq show_json "$(jget out '[d["rules"][0]["name"], d["rules"][0]["for_windows"], d["notifiers"][0]["retries"], d["evaluation_interval_ms"]]')" '["drift", 3, 5, 15000]'

# bad rules: each names the file, line, column, rule and field
bad() { # bad NAME 'rule body lines' EXPECTED...
    local name=$1 body=$2
    shift 2
    printf 'notifiers:\n  - {name: log, type: log}\nrules:\n  - name: r1\n%s\n' "$body" >bad.yaml
    run rules check bad.yaml
    expect "$name" 2 "$@"
}
bad unknown_metric $'    metric: drift_scroe\n    threshold: 1' \
    "bad.yaml:5:13: rule 'r1': metric: unknown metric 'drift_scroe'"
bad bad_op $'    metric: drift_score\n    op: "~"\n    threshold: 1' \
    "bad.yaml:6:9: rule 'r1': op: bad comparison '~'"
bad unknown_var $'    metric: drift_score\n    threshold: 1\n    annotations: {s: "{{ modle }}"}' \
    "rule 'r1': annotations.s: bad template: unknown template variable '{{modle}}'"
bad unclosed $'    metric: drift_score\n    threshold: 1\n    labels: {s: "{{model"}' \
    "rule 'r1': labels.s: bad template: unclosed '{{'"
bad bad_duration $'    metric: drift_score\n    threshold: 1\n    for: 10 minutes' \
    "bad.yaml:7:10: rule 'r1': for: bad duration '10 minutes'"
bad bad_regex $'    metric: drift_score\n    threshold: 1\n    match: {method: "=~*psi"}' \
    "rule 'r1': match.method: bad regex '*psi'"
bad missing_threshold $'    metric: drift_score' \
    "bad.yaml:4:5: rule 'r1': threshold: missing"
bad unknown_notifier $'    metric: drift_score\n    threshold: 1\n    notify: [log, pager]' \
    "rule 'r1': notify: unknown notifier 'pager'"
printf 'rules:\n  - metric: drift_score\n    threshold: 1\n' >noname.yaml
run rules check noname.yaml
expect rule_by_index 2 "noname.yaml:2:5: rule #1: name: missing"
printf 'rules:\n  - name: r1\n   metric: x\n' >syntax.yaml
run rules check syntax.yaml
expect yaml_syntax 2 "syntax.yaml:"
run rules check missing.yaml
expect missing_file 2 "missing.yaml"

# export
run rules export examples.yaml
expect export_needs_format 2 "--format prometheus"
run rules export --format grafana "$REPO_DIR/examples/alerts.yaml"
expect export_bad_format 2 "--format prometheus"
run rules export --format prometheus --window soon "$REPO_DIR/examples/alerts.yaml"
expect export_bad_window 2 "--window: bad duration 'soon'"
run rules export --format prometheus --window 1h -o prom.yml "$REPO_DIR/examples/alerts.yaml"
expect export_example 0
if command -v promtool >/dev/null; then
    if promtool check rules prom.yml >promtool.out 2>&1; then
        grep -q "SUCCESS: 13 rules found" promtool.out && pass promtool_example ||
            fail promtool_example "$(tr '\n' ' ' <promtool.out)"
    else
        fail promtool_example "$(tr '\n' ' ' <promtool.out | cut -c1-400)"
    fi
else
    fail promtool_example "promtool not installed (scripts/install-deps)"
fi
grep -qF 'expr: "vigia_drift_score{model=~\"credit-.*\",feature!=\"\",baseline=\"reference\",method=\"psi\"} > 0.2"' prom.yml &&
    pass export_expr || fail export_expr "$(grep -m1 expr prom.yml)"
grep -qF 'summary: "{{ $labels.feature }} drifted on {{ $labels.model }} (PSI {{ $value }} > 0.2)"' prom.yml &&
    pass export_template || fail export_template "$(grep -m1 summary prom.yml)"
# for_windows 3 of 1h windows: Prometheus sees the first window when it closes, so 2h
awk '/alert: dataset_drift/{f=1} f && /for:/{print; exit}' prom.yml | grep -q "for: 2h" &&
    pass export_for_windows || fail export_for_windows "$(grep -A3 'alert: dataset_drift' prom.yml | tr '\n' ' ')"

# odd names and values survive quoting: promtool still accepts them
cat >odd.yaml <<'YAML'
rules:
  - name: "drift of 'x' (v2)"
    model: "m.[ab]?"
    metric: drift_score
    match: {feature: 'we"ird\name', method: "!~ks|chi2"}
    threshold: 0.5
    for: 90s
    annotations: {d: 'quote " backslash \ {{label.method}}'}
YAML
run rules export --format prometheus -o odd.yml odd.yaml
expect export_odd 0
if command -v promtool >/dev/null; then
    promtool check rules odd.yml >promtool.out 2>&1 && pass promtool_odd ||
        fail promtool_odd "$(tr '\n' ' ' <promtool.out | cut -c1-400)"
fi
grep -q "alert: drift_of__x___v2_" odd.yml && pass export_alert_name || fail export_alert_name "$(grep alert: odd.yml)"

finish
