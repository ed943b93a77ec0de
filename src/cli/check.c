/*
 * `vigia check --constraints FILE DATA [--reference REF]`: runs a constraint suite
 * (vigia/check.h, docs/constraints.md) and says, by its exit status, whether the data holds
 * to it: 0 every error-severity constraint passed (failed warnings are shown, not fatal), 1 one
 * failed, 2 a usage error or bad input (constraints file included).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "vigia/check.h"

static const char help[] =
    "usage: vigia check --constraints FILE DATA [--reference REF] [options]\n"
    "\n"
    "Check DATA (CSV, TSV or NDJSON) against a suite of constraints written in YAML: row\n"
    "count, columns present, types, completeness, ranges, allowed values, uniqueness, mean,\n"
    "standard deviation, quantiles, distinct counts, drift from a reference, model metrics\n"
    "and fairness (as `vigia evaluate` computes them). Each constraint\n"
    "is an error or a warning. Every figure is exact. Language: docs/constraints.md; a suite\n"
    "to start from: `vigia suggest`.\n"
    "\n"
    "options:\n"
    "  -C, --constraints FILE  the suite (required)\n"
    "  -r, --reference FILE    the baseline data, needed by drift constraints\n"
    "  -f, --format FMT        text (default: a table, then the reasons) or json\n"
    "  -o, --output FILE       write the report to FILE instead of standard output\n"
    "      --junit FILE        also write the results as JUnit XML (for CI systems)\n"
    "      --sep C             CSV separator (as for `vigia profile`)\n"
    "  -h, --help              show this help\n"
    "\n"
    "exit status: 0 every error-severity constraint passed (warnings alone exit 0),\n"
    "1 a constraint of severity error failed, 2 usage error or bad input\n";

enum { OPT_JUNIT = 400 };

static int write_report(const vg_check_result *res, const char *output, int json) {
    vg_error err;
    vg_error_clear(&err);
    FILE *f = output ? fopen(output, "w") : stdout;
    if (!f)
        return vg_cli_error("%s: cannot create", output);
    int rc = VG_EXIT_OK;
    if (json) {
        char *text = vg_check_report_json(res, &err);
        if (text) {
            fputs(text, f);
            fputc('\n', f);
            free(text);
        } else {
            rc = vg_cli_error("%s", err.msg);
        }
    } else if (vg_check_report_text(res, f, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
    }
    if ((output ? fclose(f) : fflush(f)) != 0 && rc == VG_EXIT_OK)
        rc = vg_cli_error("%s: write failed", output ? output : "standard output");
    return rc;
}

int vg_cli_check(int argc, char **argv) {
    static const struct option longopts[] = {{"constraints", required_argument, NULL, 'C'},
                                             {"reference", required_argument, NULL, 'r'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"junit", required_argument, NULL, OPT_JUNIT},
                                             {"sep", required_argument, NULL, OPT_SEP},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *suite_path = NULL, *ref_path = NULL, *output = NULL, *junit = NULL;
    int json = 0, opt;
    vg_read_options ro;
    vg_read_options_default(&ro);
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":C:r:f:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'C': suite_path = optarg; break;
        case 'r': ref_path = optarg; break;
        case 'o': output = optarg; break;
        case OPT_JUNIT: junit = optarg; break;
        case 'f':
            if (vg_cli_format(optarg, &json))
                return VG_EXIT_ERROR;
            break;
        case OPT_SEP:
            if (vg_cli_separator(optarg, &ro.separator))
                return VG_EXIT_ERROR;
            break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        default: return vg_cli_bad_option("check", opt, argv);
        }
    }
    if (!suite_path || optind != argc - 1) {
        fputs(help, stderr);
        if (!suite_path)
            return vg_cli_error("check: --constraints is required");
        return vg_cli_error(optind < argc ? "check: unexpected argument '%s'"
                                          : "check: the data file is missing%s",
                            optind < argc ? argv[argc - 1] : "");
    }
    const char *data_path = argv[optind];
    vg_error err;
    vg_error_clear(&err);
    vg_check_suite *suite = NULL;
    vg_samples *data = NULL, *ref = NULL;
    vg_profile *prof = NULL;
    vg_check_result *res = NULL;
    int rc = VG_EXIT_OK;
    if (vg_check_suite_load(suite_path, &suite, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    if (vg_check_suite_needs_reference(suite) && !ref_path) {
        rc = vg_cli_error("check: %s has drift constraints: give the baseline with --reference",
                          suite_path);
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        const char *p = i == 0 ? data_path : ref_path;
        if (p && vg_profile_file_is_vgp(p)) {
            rc = vg_cli_error("%s: a .vgp profile keeps sketches, not values; vigia check needs "
                              "the data file",
                              p);
            goto out;
        }
    }
    int needs_profile = vg_check_suite_needs_profile(suite);
    if (vg_check_suite_rereads(suite) && !strcmp(data_path, "-")) {
        rc = vg_cli_error("check: type, metric and fairness constraints read the data again: "
                          "give a file, not standard input");
        goto out;
    }
    if (vg_samples_load(data_path, &ro, &data, &err) != VG_OK ||
        (ref_path && vg_samples_load(ref_path, &ro, &ref, &err) != VG_OK) ||
        (needs_profile && vg_profile_file(data_path, &ro, NULL, 1, &prof, NULL, &err) != VG_OK)) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    vg_check_data d = {data_path, data, prof, &ro}, r = {ref_path, ref, NULL, &ro};
    if (vg_check_run(suite, &d, ref ? &r : NULL, &res, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    if ((rc = write_report(res, output, json)) != VG_EXIT_OK)
        goto out;
    if (junit) {
        FILE *f = fopen(junit, "w");
        if (!f) {
            rc = vg_cli_error("%s: cannot create", junit);
            goto out;
        }
        int wrc = vg_check_report_junit(res, f, &err);
        if (fclose(f) != 0 || wrc != VG_OK) {
            rc = vg_cli_error("%s: write failed", junit);
            goto out;
        }
    }
    rc = res->n_failed ? VG_EXIT_FAIL : VG_EXIT_OK;
out:
    vg_check_result_free(res);
    vg_samples_free(data);
    vg_samples_free(ref);
    vg_profile_free(prof);
    vg_check_suite_free(suite);
    return rc;
}
