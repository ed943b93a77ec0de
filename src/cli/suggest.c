/*
 * `vigia suggest --reference REF`: proposes a constraint suite from a baseline, as commented
 * YAML for `vigia check` (vigia/check.h). The text is parsed back before it is written, so a
 * suite this command writes is always one that `vigia check` reads.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "vigia/check.h"

static const char help[] =
    "usage: vigia suggest --reference REF [-o constraints.yaml] [options]\n"
    "\n"
    "Propose a constraint suite for `vigia check` from a baseline dataset: columns, types,\n"
    "completeness, ranges with a margin, allowed values, identifiers, mean, drift thresholds.\n"
    "Each constraint comes with a comment giving the figure it came from: edit the file, then\n"
    "run `vigia check --constraints FILE DATA --reference REF`. Rules: docs/constraints.md.\n"
    "\n"
    "options:\n"
    "  -r, --reference FILE    the baseline data (CSV, TSV or NDJSON; required)\n"
    "  -o, --output FILE       write the suite to FILE instead of standard output\n"
    "      --margin X          widen ranges by this share of their width on each side (0.1)\n"
    "      --max-categories N  propose allowed values for columns with at most N (20)\n"
    "      --no-drift          propose no drift constraints\n"
    "      --sep C             CSV separator (as for `vigia profile`)\n"
    "  -h, --help              show this help\n"
    "\n"
    "exit status: 0 written, 2 usage error or bad input\n";

enum { OPT_MARGIN = 420, OPT_MAX_CATEGORIES, OPT_NO_DRIFT };

int vg_cli_suggest(int argc, char **argv) {
    static const struct option longopts[] = {
        {"reference", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'},
        {"margin", required_argument, NULL, OPT_MARGIN},
        {"max-categories", required_argument, NULL, OPT_MAX_CATEGORIES},
        {"no-drift", no_argument, NULL, OPT_NO_DRIFT},
        {"sep", required_argument, NULL, OPT_SEP},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *ref_path = NULL, *output = NULL;
    vg_suggest_options so;
    vg_suggest_options_default(&so);
    vg_read_options ro;
    vg_read_options_default(&ro);
    unsigned long long cats;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":r:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': ref_path = optarg; break;
        case 'o': output = optarg; break;
        case OPT_MARGIN: {
            char *end;
            so.margin = strtod(optarg, &end);
            if (!*optarg || *end || !(so.margin >= 0 && so.margin <= 10))
                return vg_cli_error("--margin: '%s' is not a number between 0 and 10", optarg);
            break;
        }
        case OPT_MAX_CATEGORIES:
            if (vg_cli_uint("--max-categories", optarg, 0, 100000, &cats))
                return VG_EXIT_ERROR;
            so.max_categories = (size_t)cats;
            break;
        case OPT_NO_DRIFT: so.drift = 0; break;
        case OPT_SEP:
            if (vg_cli_separator(optarg, &ro.separator))
                return VG_EXIT_ERROR;
            break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        default: return vg_cli_bad_option("suggest", opt, argv);
        }
    }
    if (!ref_path || optind != argc) {
        fputs(help, stderr);
        return vg_cli_error(optind != argc ? "suggest: unexpected argument '%s'"
                                           : "suggest: --reference is required%s",
                            optind != argc ? argv[optind] : "");
    }
    if (!strcmp(ref_path, "-"))
        return vg_cli_error("suggest: the reference is read twice: give a file, not standard "
                            "input");
    vg_error err;
    vg_error_clear(&err);
    vg_samples *ref = NULL;
    vg_profile *prof = NULL;
    vg_check_suite *back = NULL;
    char *text = NULL;
    int rc = VG_EXIT_OK;
    if (vg_samples_load(ref_path, &ro, &ref, &err) != VG_OK ||
        vg_profile_file(ref_path, &ro, NULL, 1, &prof, NULL, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    if (vg_samples_rows(ref) == 0) {
        rc = vg_cli_error("%s: no data rows", ref_path);
        goto out;
    }
    vg_check_data d = {ref_path, ref, prof, &ro};
    if (!(text = vg_check_suggest(&d, &so, &err))) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    if (vg_check_suite_parse(text, strlen(text), "suggested suite", &back, &err) != VG_OK) {
        rc = vg_cli_error("internal error: the suggested suite does not parse: %s", err.msg);
        goto out;
    }
    FILE *f = output ? fopen(output, "w") : stdout;
    if (!f) {
        rc = vg_cli_error("%s: cannot create", output);
        goto out;
    }
    fputs(text, f);
    if ((output ? fclose(f) : fflush(f)) != 0)
        rc = vg_cli_error("%s: write failed", output ? output : "standard output");
    else if (output)
        fprintf(stderr, "vigia: wrote %zu constraints to %s\n", back->n, output);
out:
    free(text);
    vg_check_suite_free(back);
    vg_samples_free(ref);
    vg_profile_free(prof);
    return rc;
}
