/*
 * `vigia compare --reference REF --current CUR`: drift between two datasets.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static const char help[] =
    "usage: vigia compare --reference REF --current CUR [options]\n"
    "\n"
    "Compare two datasets column by column (CSV, TSV or NDJSON; columns matched by name):\n"
    "every applicable drift score, a verdict per column and for the dataset. The default\n"
    "method follows Evidently: reference <= 1000 rows: KS (numeric), z-test (binary),\n"
    "chi-squared (categorical) at p < 0.05; larger: normed Wasserstein (numeric) and\n"
    "Jensen-Shannon distance (categorical) at >= 0.1. Keys: docs/compare.md.\n"
    "\n"
    "options:\n"
    "  -r, --reference FILE   the reference (training or baseline) data (required)\n"
    "  -c, --current FILE     the data to check (required)\n"
    "  -f, --format FMT       text (default) or json\n"
    "  -o, --output FILE      write the report to FILE instead of standard output\n"
    "      --method M         decide with M where it applies: ks, wasserstein,\n"
    "                         wasserstein_normed, psi, jensen_shannon, kl_div, hellinger,\n"
    "                         anderson_darling, cramer_von_mises, energy_distance, t_test,\n"
    "                         mann_whitney, chi2, z_test, tvd\n"
    "      --threshold X      p-value (p-value methods) or score threshold for the decision\n"
    "      --drift-share X    dataset drift when this share of columns drifted (default 0.5)\n"
    "      --bins N           bins for PSI, KL, Jensen-Shannon, Hellinger (default 10)\n"
    "      --correction C     none (default), bonferroni or bh (Benjamini-Hochberg): adjust\n"
    "                         the deciding p-values for testing many columns\n"
    "      --ignore COL       leave column COL out (repeatable)\n"
    "      --sep C            CSV separator (as for `vigia profile`)\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 compared (whatever the verdict), 2 usage error or bad input\n";

static const char *const methods[] = {"ks",
                                      "wasserstein",
                                      "wasserstein_normed",
                                      "psi",
                                      "jensen_shannon",
                                      "kl_div",
                                      "hellinger",
                                      "anderson_darling",
                                      "cramer_von_mises",
                                      "energy_distance",
                                      "t_test",
                                      "mann_whitney",
                                      "chi2",
                                      "z_test",
                                      "tvd"};

static int parse_fraction(const char *flag, const char *arg, double lo, double hi, double *out) {
    char *end;
    double v = strtod(arg, &end);
    if (*arg == '\0' || *end || !(v >= lo && v <= hi))
        return vg_cli_error("%s: '%s' is not a number between %g and %g", flag, arg, lo, hi);
    *out = v;
    return VG_EXIT_OK;
}

enum { OPT_METHOD = 300, OPT_THRESHOLD, OPT_SHARE, OPT_BINS, OPT_CORRECTION, OPT_IGNORE };

typedef struct {
    const char *ref_path, *cur_path, *output;
    int json;
    vg_compare_options co;
    vg_read_options ro;
    const char **ignore; /* room for one name per argument */
} compare_args;

/* Returns VG_EXIT_OK, VG_EXIT_ERROR, or -1 when --help was printed. */
static int parse_options(int argc, char **argv, compare_args *a) {
    static const struct option longopts[] = {
        {"reference", required_argument, NULL, 'r'},
        {"current", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"method", required_argument, NULL, OPT_METHOD},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"drift-share", required_argument, NULL, OPT_SHARE},
        {"bins", required_argument, NULL, OPT_BINS},
        {"sep", required_argument, NULL, OPT_SEP},
        {"correction", required_argument, NULL, OPT_CORRECTION},
        {"ignore", required_argument, NULL, OPT_IGNORE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int opt;
    unsigned long long bins;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":r:c:f:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': a->ref_path = optarg; break;
        case 'c': a->cur_path = optarg; break;
        case 'o': a->output = optarg; break;
        case 'f':
            if (vg_cli_format(optarg, &a->json))
                return VG_EXIT_ERROR;
            break;
        case OPT_METHOD: {
            size_t i = 0;
            while (i < sizeof methods / sizeof *methods && strcmp(methods[i], optarg) != 0)
                i++;
            if (i == sizeof methods / sizeof *methods)
                return vg_cli_error("--method: unknown method '%s' (see `vigia compare --help`)",
                                    optarg);
            a->co.method = methods[i];
            break;
        }
        case OPT_THRESHOLD:
            if (parse_fraction("--threshold", optarg, 0, INFINITY, &a->co.threshold))
                return VG_EXIT_ERROR;
            break;
        case OPT_SHARE:
            if (parse_fraction("--drift-share", optarg, 0, 1, &a->co.share_threshold))
                return VG_EXIT_ERROR;
            break;
        case OPT_BINS:
            if (vg_cli_uint("--bins", optarg, 1, 1000000, &bins))
                return VG_EXIT_ERROR;
            a->co.n_bins = (size_t)bins;
            break;
        case OPT_SEP:
            if (vg_cli_separator(optarg, &a->ro.separator))
                return VG_EXIT_ERROR;
            break;
        case OPT_CORRECTION:
            if (!strcmp(optarg, "none"))
                a->co.correction = VG_CORRECTION_NONE;
            else if (!strcmp(optarg, "bonferroni"))
                a->co.correction = VG_CORRECTION_BONFERRONI;
            else if (!strcmp(optarg, "bh"))
                a->co.correction = VG_CORRECTION_BH;
            else
                return vg_cli_error("--correction: '%s' is not one of: none, bonferroni, bh",
                                    optarg);
            break;
        case OPT_IGNORE: a->ignore[a->co.n_ignore++] = optarg; break;
        case 'h': fputs(help, stdout); return -1;
        default: return vg_cli_bad_option("compare", opt, argv);
        }
    }
    return VG_EXIT_OK;
}

int vg_cli_compare(int argc, char **argv) {
    compare_args a;
    memset(&a, 0, sizeof a);
    vg_compare_options_default(&a.co);
    vg_read_options_default(&a.ro);
    a.ignore = calloc((size_t)argc + 1, sizeof *a.ignore);
    if (!a.ignore)
        return vg_cli_error("out of memory");
    a.co.ignore = a.ignore;
    int prc = parse_options(argc, argv, &a);
    if (prc != VG_EXIT_OK) {
        free(a.ignore);
        return prc < 0 ? VG_EXIT_OK : prc;
    }
    const char *ref_path = a.ref_path, *cur_path = a.cur_path, *output = a.output;
    int json = a.json;
    vg_compare_options co = a.co;
    vg_read_options ro = a.ro;
    if (!ref_path || !cur_path || optind != argc) {
        fputs(help, stderr);
        free(a.ignore);
        return vg_cli_error(optind != argc ? "compare: unexpected argument '%s'"
                                           : "compare: --reference and --current are required%s",
                            optind != argc ? argv[optind] : "");
    }
    vg_error err;
    vg_error_clear(&err);
    vg_samples *ref = NULL, *cur = NULL;
    vg_compare_result *res = NULL;
    int rc = VG_EXIT_OK;
    if (vg_samples_load(ref_path, &ro, &ref, &err) != VG_OK ||
        vg_samples_load(cur_path, &ro, &cur, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    if (vg_samples_rows(ref) == 0 || vg_samples_rows(cur) == 0) {
        rc = vg_cli_error("%s: no data rows", vg_samples_rows(ref) == 0 ? ref_path : cur_path);
        goto out;
    }
    if (vg_compare_samples(ref, cur, &co, &res, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    FILE *f = output ? fopen(output, "w") : stdout;
    if (!f) {
        rc = vg_cli_error("%s: cannot create", output);
        goto out;
    }
    if (json) {
        char *text = vg_report_compare_json(res, ref_path, cur_path, &err);
        if (text) {
            fputs(text, f);
            fputc('\n', f);
            free(text);
        } else {
            rc = vg_cli_error("%s", err.msg);
        }
    } else if (vg_report_compare_text(res, ref_path, cur_path, f, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
    }
    if ((output ? fclose(f) : fflush(f)) != 0 && rc == VG_EXIT_OK)
        rc = vg_cli_error("%s: write failed", output ? output : "standard output");
out:
    vg_compare_result_free(res);
    vg_samples_free(ref);
    vg_samples_free(cur);
    free(a.ignore);
    return rc;
}
