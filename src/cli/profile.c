/*
 * `vigia profile DATA`: stream a CSV/NDJSON file into a profile, print it, optionally save it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static const char help[] =
    "usage: vigia profile [options] DATA\n"
    "\n"
    "Summarize every column of DATA (CSV, TSV or NDJSON; '-' for standard input) in one\n"
    "streaming pass with bounded memory: counts, missing values, inferred type, mean, std,\n"
    "min, max, quantiles, distinct count and most frequent values.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE      also save the profile to FILE (.vgp), for `merge` and `show`\n"
    "  -f, --format FMT       text (default) or json (keys: docs/json.md)\n"
    "  -j, --threads N        profile with N threads (regular files; default 1)\n"
    "  -q, --quiet            print nothing (with -o)\n"
    "      --input-format F   csv or ndjson (default: by extension; .ndjson/.jsonl/.json)\n"
    "      --sep C            CSV separator: a character, or 'tab' (default ',' ; tab for .tsv)\n"
    "      --skip-bad-rows    skip malformed rows, count and report them, instead of failing\n"
    "      --max-record N     longest accepted record in bytes (default 67108864)\n"
    "      --kll-k K          quantile sketch size (default 300: rank error <= 0.9%)\n"
    "      --hll-p P          distinct-count precision, 4..18 (default 12: 1.6% error)\n"
    "      --top-capacity N   values counted exactly before frequent-value counts become\n"
    "                         approximate (default 1024)\n"
    "  -h, --help             show this help\n";

int vg_cli_profile(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"threads", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
        {"sep", required_argument, NULL, OPT_SEP},
        {"skip-bad-rows", no_argument, NULL, OPT_SKIP_BAD_ROWS},
        {"max-record", required_argument, NULL, OPT_MAX_RECORD},
        {"kll-k", required_argument, NULL, OPT_KLL_K},
        {"hll-p", required_argument, NULL, OPT_HLL_P},
        {"top-capacity", required_argument, NULL, OPT_TOP_CAPACITY},
        {NULL, 0, NULL, 0}};
    const char *output = NULL;
    int json = 0, quiet = 0, opt;
    unsigned long long threads = 1, v;
    vg_read_options ro;
    vg_profile_options po;
    vg_read_options_default(&ro);
    vg_profile_options_default(&po);
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:f:j:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': output = optarg; break;
        case 'f':
            if (vg_cli_format(optarg, &json))
                return VG_EXIT_ERROR;
            break;
        case 'j':
            if (vg_cli_uint("--threads", optarg, 1, 256, &threads))
                return VG_EXIT_ERROR;
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        case OPT_INPUT_FORMAT:
            if (!strcmp(optarg, "csv"))
                ro.format = VG_FORMAT_CSV;
            else if (!strcmp(optarg, "ndjson"))
                ro.format = VG_FORMAT_NDJSON;
            else
                return vg_cli_error("--input-format: '%s' is not one of: csv, ndjson", optarg);
            break;
        case OPT_SEP:
            if (vg_cli_separator(optarg, &ro.separator))
                return VG_EXIT_ERROR;
            break;
        case OPT_SKIP_BAD_ROWS: ro.skip_bad_rows = 1; break;
        case OPT_MAX_RECORD:
            if (vg_cli_uint("--max-record", optarg, 64, (unsigned long long)1 << 40, &v))
                return VG_EXIT_ERROR;
            ro.max_record = (size_t)v;
            break;
        case OPT_KLL_K:
        case OPT_HLL_P:
        case OPT_TOP_CAPACITY:
            if (vg_cli_sketch_option(opt, optarg, &po))
                return VG_EXIT_ERROR;
            break;
        default: return vg_cli_bad_option("profile", opt, argv);
        }
    }
    if (optind != argc - 1) {
        fputs(help, stderr);
        return vg_cli_error(optind >= argc ? "profile: missing DATA file"
                                           : "profile: expected one DATA file");
    }
    const char *path = argv[optind];
    vg_profile *p = NULL;
    vg_ingest_stats st;
    vg_error err;
    vg_error_clear(&err);
    if (vg_profile_file(path, &ro, &po, (unsigned)threads, &p, &st, &err) != VG_OK)
        return vg_cli_error("%s", err.msg);
    int rc = VG_EXIT_OK;
    if (p->rows == 0) {
        if (st.bad_rows)
            rc = vg_cli_error("%s: no data rows: all %llu rows were malformed (first at line "
                              "%llu: %s)",
                              path, (unsigned long long)st.bad_rows,
                              (unsigned long long)st.bad_line[0], st.bad_reason[0]);
        else
            rc = vg_cli_error("%s: no data rows%s", path,
                              st.format == VG_FORMAT_CSV ? " (only a header)" : "");
        goto out;
    }
    if (output && vg_profile_save(p, output, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    if (!quiet && (rc = vg_cli_print_profile(p, path, &st, json)) != VG_EXIT_OK)
        goto out;
    if (st.bad_rows)
        fprintf(stderr, "vigia: %s: skipped %llu malformed rows (first at line %llu: %s)\n", path,
                (unsigned long long)st.bad_rows, (unsigned long long)st.bad_line[0],
                st.bad_reason[0]);
out:
    vg_profile_free(p);
    if (fflush(stdout) != 0 && rc == VG_EXIT_OK)
        rc = vg_cli_error("cannot write to standard output");
    return rc;
}
