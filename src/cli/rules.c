/*
 * `vigia rules`: the alerting rules of a daemon config or a rules file (docs/alerting.md),
 * checked, shown as JSON, or exported as Prometheus alerting rules over vigia's /metrics.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: vigia rules check FILE...\n"
    "       vigia rules show FILE\n"
    "       vigia rules export --format prometheus [-o OUT] [--window DURATION] FILE\n"
    "\n"
    "Alerting rules (docs/alerting.md), from a rules file or the alerts: section of a\n"
    "`vigia serve` config.\n"
    "\n"
    "  check    validate: exit 0, or 2 with a message naming file:line:column, rule and field\n"
    "  show     print the rules and notifiers as JSON (the shape of GET /v1/rules)\n"
    "  export   write equivalent Prometheus alerting rules (promtool check rules accepts them)\n"
    "\n"
    "options:\n"
    "  -f, --format FMT     export format: prometheus (the only one)\n"
    "  -o, --output OUT     write to OUT instead of stdout\n"
    "  -w, --window DUR     window length of the models (e.g. 1h): for_windows: N becomes\n"
    "                       for: N x DUR (default: N x the evaluation interval)\n"
    "  -h, --help           show this help\n";

static int load(const char *path, vg_alert_config **c) {
    vg_error err;
    vg_error_clear(&err);
    if (vg_alert_config_load(path, NULL, 0, NULL, c, &err) != VG_OK)
        return vg_cli_error("%s", err.msg);
    return VG_EXIT_OK;
}

static int write_out(const char *path, const char *text) {
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f)
        return vg_cli_error("rules: cannot write %s: %s", path, strerror(errno));
    int bad = fputs(text, f) < 0;
    if (path)
        bad |= fclose(f) != 0;
    else
        bad |= fflush(f) != 0;
    if (bad)
        return vg_cli_error("rules: write error on %s: %s", path ? path : "stdout",
                            strerror(errno));
    return VG_EXIT_OK;
}

int vg_cli_rules(int argc, char **argv) {
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"window", required_argument, NULL, 'w'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    if (argc < 2) {
        fputs(help, stderr);
        return vg_cli_error("rules: expected a subcommand (check, show, export)");
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(help, stdout);
        return VG_EXIT_OK;
    }
    if (strcmp(sub, "check") && strcmp(sub, "show") && strcmp(sub, "export")) {
        fputs(help, stderr);
        return vg_cli_error("rules: unknown subcommand '%s' (check, show, export)", sub);
    }
    const char *format = NULL, *output = NULL;
    int64_t window_ms = 0;
    int opt;
    optind = 1;
    opterr = 0;
    argc--, argv++;
    while ((opt = getopt_long(argc, argv, ":f:o:w:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'w':
            if (vg_alert_parse_duration(optarg, &window_ms) != VG_OK || window_ms <= 0)
                return vg_cli_error("rules: --window: bad duration '%s' (e.g. 1h, 30m)", optarg);
            break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        default: return vg_cli_bad_option("rules", opt, argv);
        }
    }
    int files = argc - optind;
    if (files < 1 || (strcmp(sub, "check") && files != 1)) {
        fputs(help, stderr);
        return vg_cli_error("rules %s: expected %s", sub,
                            strcmp(sub, "check") ? "one rules file" : "rules files");
    }
    if (!strcmp(sub, "check")) {
        if (format || output || window_ms)
            return vg_cli_error("rules check: takes no --format, --output or --window");
        for (int i = optind; i < argc; i++) {
            vg_alert_config *c;
            int rc = load(argv[i], &c);
            if (rc != VG_EXIT_OK)
                return rc;
            printf("%s: %zu rule%s, %zu notifier%s: OK\n", argv[i], c->n_rules,
                   c->n_rules == 1 ? "" : "s", c->n_notifiers, c->n_notifiers == 1 ? "" : "s");
            vg_alert_config_free(c);
        }
        return VG_EXIT_OK;
    }
    if (!strcmp(sub, "export") && (!format || strcmp(format, "prometheus")))
        return vg_cli_error("rules export: --format prometheus is required (the only format)");
    if (!strcmp(sub, "show") && (format || window_ms))
        return vg_cli_error("rules show: takes no --format or --window");
    vg_alert_config *c;
    int rc = load(argv[optind], &c);
    if (rc != VG_EXIT_OK)
        return rc;
    vg_error err;
    vg_error_clear(&err);
    char *text = NULL;
    int lrc = !strcmp(sub, "show") ? vg_alert_config_json(c, &text, &err)
                                   : vg_alert_config_export_prometheus(c, window_ms, &text, &err);
    vg_alert_config_free(c);
    if (lrc != VG_OK)
        return vg_cli_error("rules %s: %s", sub, err.msg);
    if (!strcmp(sub, "show")) {
        size_t l = strlen(text);
        char *t = realloc(text, l + 2);
        if (!t) {
            free(text);
            return vg_cli_error("out of memory");
        }
        text = t;
        memcpy(text + l, "\n", 2);
    }
    rc = write_out(output, text);
    free(text);
    return rc;
}
