/*
 * vigia: entry point. Dispatches to one subcommand; see docs/cli.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: vigia <command> [options]\n"
    "\n"
    "Monitor ML models: profile data, compare it, and watch for drift.\n"
    "\n"
    "commands:\n"
    "  profile DATA       summarize a CSV or NDJSON file; optionally save a .vgp profile\n"
    "  merge A.vgp B.vgp  combine profiles of parts of a dataset into one\n"
    "  show X.vgp         print a saved profile\n"
    "  compare            drift between a reference and a current dataset\n"
    "  evaluate DATA      model quality (and fairness) from a file of predictions\n"
    "  check              check data against a suite of constraints (exit 1 on failure)\n"
    "  suggest            propose a constraint suite from a baseline dataset\n"
    "  serve              run the monitoring daemon (HTTP API, Prometheus /metrics)\n"
    "  rules              check alerting rules, export them as Prometheus rules\n"
    "  token              make API tokens for the daemon (token new, token hash)\n"
    "  audit              verify or export the daemon's hash-chained audit log\n"
    "\n"
    "options:\n"
    "  -h, --help         show this help (or `vigia <command> --help`)\n"
    "  -V, --version      print the version\n"
    "\n"
    "exit status: 0 success, 1 a check failed, 2 usage error or bad input\n"
    "documentation: docs/cli.md\n";

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage, stderr);
        return VG_EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return VG_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("vigia %s\n", vg_version());
        return VG_EXIT_OK;
    }
    if (!strcmp(cmd, "profile"))
        return vg_cli_profile(argc - 1, argv + 1);
    if (!strcmp(cmd, "merge"))
        return vg_cli_merge(argc - 1, argv + 1);
    if (!strcmp(cmd, "show"))
        return vg_cli_show(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return vg_cli_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "evaluate"))
        return vg_cli_evaluate(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return vg_cli_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "suggest"))
        return vg_cli_suggest(argc - 1, argv + 1);
    if (!strcmp(cmd, "serve"))
        return vg_cli_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "rules"))
        return vg_cli_rules(argc - 1, argv + 1);
    if (!strcmp(cmd, "token"))
        return vg_cli_token(argc - 1, argv + 1);
    if (!strcmp(cmd, "audit"))
        return vg_cli_audit(argc - 1, argv + 1);
    fprintf(stderr, "vigia: unknown command '%s'\n\n%s", cmd, usage);
    return VG_EXIT_ERROR;
}
