/*
 * `vigia merge A.vgp B.vgp ... -o OUT.vgp`: combine profiles of parts of one dataset.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char help[] =
    "usage: vigia merge [options] A.vgp B.vgp ... -o OUT.vgp\n"
    "\n"
    "Combine profiles of parts of a dataset (shards, days, hosts) into the profile of the\n"
    "whole. Columns are matched by name; a column missing from a part counts as missing\n"
    "values for that part's rows. All inputs must use the same sketch settings.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE   write the merged profile to FILE (required)\n"
    "  -f, --format FMT    also print the merged profile: text or json\n"
    "  -h, --help          show this help\n";

int vg_cli_merge(int argc, char **argv) {
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *output = NULL;
    int json = 0, print = 0, opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:f:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': output = optarg; break;
        case 'f':
            if (vg_cli_format(optarg, &json))
                return VG_EXIT_ERROR;
            print = 1;
            break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        default: return vg_cli_bad_option("merge", opt, argv);
        }
    }
    if (!output) {
        fputs(help, stderr);
        return vg_cli_error("merge: -o OUT.vgp is required");
    }
    if (optind >= argc) {
        fputs(help, stderr);
        return vg_cli_error("merge: no input profiles");
    }
    vg_error err;
    vg_error_clear(&err);
    vg_profile *acc = vg_profile_load(argv[optind], &err);
    if (!acc)
        return vg_cli_error("%s", err.msg);
    for (int i = optind + 1; i < argc; i++) {
        vg_profile *p = vg_profile_load(argv[i], &err);
        if (!p || vg_profile_merge(acc, p, &err) != VG_OK) {
            vg_profile_free(p);
            vg_profile_free(acc);
            return vg_cli_error("%s%s%s", p ? argv[i] : "", p ? ": " : "", err.msg);
        }
        vg_profile_free(p);
    }
    int rc = VG_EXIT_OK;
    if (vg_profile_save(acc, output, &err) != VG_OK)
        rc = vg_cli_error("%s", err.msg);
    else if (print)
        rc = vg_cli_print_profile(acc, output, NULL, json);
    else {
        fprintf(stderr, "vigia: merged %d profiles into %s: %llu rows, %zu columns\n",
                argc - optind, output, (unsigned long long)acc->rows, acc->ncols);
    }
    vg_profile_free(acc);
    return rc;
}
