/*
 * Helpers shared by the subcommands: error printing and option parsing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

int vg_cli_error(const char *fmt, ...) {
    va_list ap;
    fputs("vigia: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return VG_EXIT_ERROR;
}

int vg_cli_uint(const char *flag, const char *arg, unsigned long long lo, unsigned long long hi,
                unsigned long long *out) {
    char *end;
    errno = 0;
    if (!arg || !*arg || *arg == '-')
        return vg_cli_error("%s needs a number between %llu and %llu", flag, lo, hi);
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return vg_cli_error("%s: '%s' is not a number between %llu and %llu", flag, arg, lo, hi);
    *out = v;
    return VG_EXIT_OK;
}

int vg_cli_separator(const char *arg, char *sep) {
    if (!strcmp(arg, "tab") || !strcmp(arg, "\\t"))
        *sep = '\t';
    else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r')
        *sep = arg[0];
    else
        return vg_cli_error("--sep: '%s' is not a single character (or 'tab')", arg);
    return VG_EXIT_OK;
}

int vg_cli_format(const char *arg, int *json) {
    if (!strcmp(arg, "json"))
        *json = 1;
    else if (!strcmp(arg, "text"))
        *json = 0;
    else
        return vg_cli_error("--format: '%s' is not one of: text, json", arg);
    return VG_EXIT_OK;
}

int vg_cli_sketch_option(int opt, const char *arg, vg_profile_options *po) {
    unsigned long long v;
    switch (opt) {
    case OPT_KLL_K:
        if (vg_cli_uint("--kll-k", arg, VG_KLL_MIN_K, VG_KLL_MAX_K, &v))
            return VG_EXIT_ERROR;
        po->kll_k = (uint32_t)v;
        return VG_EXIT_OK;
    case OPT_HLL_P:
        if (vg_cli_uint("--hll-p", arg, VG_HLL_MIN_P, VG_HLL_MAX_P, &v))
            return VG_EXIT_ERROR;
        po->hll_p = (unsigned)v;
        return VG_EXIT_OK;
    case OPT_TOP_CAPACITY:
        if (vg_cli_uint("--top-capacity", arg, VG_FREQ_MIN_CAPACITY, VG_FREQ_MAX_CAPACITY, &v))
            return VG_EXIT_ERROR;
        po->top_capacity = (uint32_t)v;
        return VG_EXIT_OK;
    }
    return VG_EXIT_ERROR;
}

int vg_cli_print_profile(const vg_profile *p, const char *source, const vg_ingest_stats *stats,
                         int json) {
    vg_error err;
    vg_error_clear(&err);
    if (json) {
        char *text = vg_report_profile_json(p, source, stats, &err);
        if (!text)
            return vg_cli_error("%s", err.msg);
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    } else if (vg_report_profile_text(p, source, stats, stdout, &err) != VG_OK) {
        return vg_cli_error("%s", err.msg);
    }
    if (fflush(stdout) != 0)
        return vg_cli_error("cannot write to standard output: %s", strerror(errno));
    return VG_EXIT_OK;
}

int vg_cli_bad_option(const char *cmd, int opt, char **argv) {
    char shortopt[3] = {'-', (char)optopt, 0};
    const char *arg = argv[optind - 1];
    const char *name = (!optopt || strncmp(arg, "--", 2) == 0) ? arg : shortopt;
    if (opt == ':')
        return vg_cli_error("%s: option '%s' needs a value (see `vigia %s --help`)", cmd, name,
                            cmd);
    return vg_cli_error("%s: unknown option '%s' (see `vigia %s --help`)", cmd, name, cmd);
}
