/*
 * `vigia show X.vgp`: print a saved profile as text or JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char help[] = "usage: vigia show [options] X.vgp\n"
                           "\n"
                           "Print a saved profile, as `vigia profile` would have printed it.\n"
                           "\n"
                           "options:\n"
                           "  -f, --format FMT   text (default) or json (keys: docs/json.md)\n"
                           "  -h, --help         show this help\n";

int vg_cli_show(int argc, char **argv) {
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int json = 0, opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (vg_cli_format(optarg, &json))
                return VG_EXIT_ERROR;
            break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        default: return vg_cli_bad_option("show", opt, argv);
        }
    }
    if (optind != argc - 1) {
        fputs(help, stderr);
        return vg_cli_error("show: expected one profile file");
    }
    vg_error err;
    vg_error_clear(&err);
    vg_profile *p = vg_profile_load(argv[optind], &err);
    if (!p)
        return vg_cli_error("%s", err.msg);
    int rc = vg_cli_print_profile(p, argv[optind], NULL, json);
    vg_profile_free(p);
    return rc;
}
