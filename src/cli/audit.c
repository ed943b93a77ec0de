/*
 * `vigia audit`: the daemon's hash-chained audit log (docs/security.md) checked or exported.
 * Both read DIR/vigia.db read-only and without the data directory's lock, so they work while
 * `vigia serve` runs; verify walks an exported NDJSON file the same way, so a copy kept
 * elsewhere can be checked offline.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store.h"
#include "cli.h"

static const char help[] =
    "usage: vigia audit verify [--data-dir DIR | FILE.ndjson]\n"
    "       vigia audit export [--data-dir DIR] [--after SEQ] [-o FILE]\n"
    "\n"
    "The audit log of `vigia serve` (docs/security.md): every administrative action and alert\n"
    "transition, each entry chained to the previous one by SHA-256.\n"
    "\n"
    "  verify   walk the chain: exit 0 \"chain intact: N entries, head HASH\", or exit 1 naming\n"
    "           the first broken entry and why (modified, deleted, reordered)\n"
    "  export   write the entries as NDJSON, one per line, with every field needed to verify\n"
    "\n"
    "Both read the database while the daemon runs. A hash chain cannot show that entries were\n"
    "cut off the end: keep the head hash that verify prints somewhere else and compare.\n"
    "\n"
    "options:\n"
    "  -d, --data-dir DIR   the daemon's data directory (default ./vigia-data)\n"
    "  -a, --after SEQ      export: only entries with seq > SEQ (default 0: all)\n"
    "  -o, --output FILE    export: write to FILE instead of stdout\n"
    "  -h, --help           show this help\n";

/* The verdict of a finished walk, on stdout (intact) or stderr (broken). */
static int report(const vg_store_audit_check *c, const char *where) {
    if (!c->broken) {
        printf("chain intact: %llu entr%s, head %s\n", (unsigned long long)c->n,
               c->n == 1 ? "y" : "ies", c->head);
        return VG_EXIT_OK;
    }
    char t[32];
    vg_store_audit_time(c->bad_ts_ms, t);
    fprintf(stderr, "vigia: %s%saudit entry %llu (seq %lld, %s): %s\n", where ? where : "",
            where ? ": " : "", (unsigned long long)c->bad_pos, (long long)c->bad_seq, t, c->why);
    if (c->n)
        fprintf(stderr, "vigia: the %llu entr%s before it are intact (head %s)\n",
                (unsigned long long)c->n, c->n == 1 ? "y" : "ies", c->head);
    return VG_EXIT_FAIL;
}

static int verify_dir(const char *dir) {
    vg_error err;
    vg_error_clear(&err);
    vg_store_audit_reader *r = NULL;
    vg_store_audit_check c;
    if (vg_store_audit_open(dir, &r, &err) != VG_OK ||
        vg_store_audit_reader_verify(r, &c, &err) != VG_OK) {
        vg_store_audit_close(r);
        return vg_cli_error("audit verify: %s", err.msg);
    }
    vg_store_audit_close(r);
    return report(&c, NULL);
}

static int verify_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f)
        return vg_cli_error("audit verify: %s: %s", path, strerror(errno));
    vg_store_audit_check c;
    vg_store_audit_check_init(&c);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int rc = VG_EXIT_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!len)
            continue;
        vg_store_audit_entry e;
        vg_error err;
        vg_error_clear(&err);
        if (vg_store_audit_entry_parse(line, (size_t)len, &e, &err) != VG_OK) {
            /* a line that is not an entry is as broken as a modified one */
            fprintf(stderr, "vigia: %s:%lu: audit entry %llu: not a valid entry: %s\n", path,
                    lineno, (unsigned long long)c.n + 1, err.msg);
            rc = VG_EXIT_FAIL;
            break;
        }
        int bad = vg_store_audit_check_next(&c, &e);
        vg_store_audit_entry_clear(&e);
        if (bad) {
            size_t wlen = strlen(path) + 32;
            char *where = malloc(wlen);
            if (where)
                snprintf(where, wlen, "%s:%lu", path, lineno);
            rc = report(&c, where ? where : path);
            free(where);
            break;
        }
    }
    int read_error = ferror(f);
    free(line);
    fclose(f);
    if (read_error)
        return vg_cli_error("audit verify: %s: read error", path);
    if (rc == VG_EXIT_OK)
        rc = report(&c, NULL);
    return rc;
}

static int export_dir(const char *dir, long long after, const char *output) {
    vg_error err;
    vg_error_clear(&err);
    vg_store_audit_reader *r = NULL;
    if (vg_store_audit_open(dir, &r, &err) != VG_OK)
        return vg_cli_error("audit export: %s", err.msg);
    FILE *f = output ? fopen(output, "w") : stdout;
    if (!f) {
        vg_store_audit_close(r);
        return vg_cli_error("audit export: cannot write %s: %s", output, strerror(errno));
    }
    int rc = VG_EXIT_OK;
    int64_t cursor = after;
    for (;;) { /* pages keep memory bounded whatever the log's length */
        vg_store_audit_entry *v = NULL;
        size_t n = 0;
        if (vg_store_audit_reader_list(r, cursor, 1000, &v, &n, &err) != VG_OK) {
            rc = vg_cli_error("audit export: %s", err.msg);
            break;
        }
        for (size_t i = 0; i < n && rc == VG_EXIT_OK; i++) {
            char *line = vg_store_audit_entry_json(&v[i], &err);
            if (!line)
                rc = vg_cli_error("audit export: %s", err.msg);
            else if (fprintf(f, "%s\n", line) < 0)
                rc = vg_cli_error("audit export: write error on %s: %s", output ? output : "stdout",
                                  strerror(errno));
            free(line);
        }
        if (n)
            cursor = v[n - 1].seq;
        vg_store_audit_free(v, n);
        if (rc != VG_EXIT_OK || n < 1000)
            break;
    }
    vg_store_audit_close(r);
    int bad = output ? fclose(f) != 0 : fflush(f) != 0;
    if (bad && rc == VG_EXIT_OK)
        rc = vg_cli_error("audit export: write error on %s: %s", output ? output : "stdout",
                          strerror(errno));
    return rc;
}

int vg_cli_audit(int argc, char **argv) {
    static const struct option longopts[] = {{"data-dir", required_argument, NULL, 'd'},
                                             {"after", required_argument, NULL, 'a'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    if (argc < 2) {
        fputs(help, stderr);
        return vg_cli_error("audit: expected a subcommand (verify, export)");
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(help, stdout);
        return VG_EXIT_OK;
    }
    if (strcmp(sub, "verify") && strcmp(sub, "export")) {
        fputs(help, stderr);
        return vg_cli_error("audit: unknown subcommand '%s' (verify, export)", sub);
    }
    const char *dir = NULL, *output = NULL;
    unsigned long long after = 0;
    int after_set = 0, opt;
    optind = 1;
    opterr = 0;
    argc--, argv++;
    while ((opt = getopt_long(argc, argv, ":d:a:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'a':
            if (vg_cli_uint("--after", optarg, 0, INT64_MAX, &after) != VG_EXIT_OK)
                return VG_EXIT_ERROR;
            after_set = 1;
            break;
        case 'o': output = optarg; break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        default: return vg_cli_bad_option("audit", opt, argv);
        }
    }
    int files = argc - optind;
    if (!strcmp(sub, "verify")) {
        if (after_set || output)
            return vg_cli_error("audit verify: takes no --after or --output");
        if (files > 1 || (files == 1 && dir))
            return vg_cli_error("audit verify: expected --data-dir DIR or one NDJSON file");
        return files == 1 ? verify_file(argv[optind]) : verify_dir(dir ? dir : "vigia-data");
    }
    if (files)
        return vg_cli_error("audit export: unexpected argument '%s' (use --data-dir DIR)",
                            argv[optind]);
    return export_dir(dir ? dir : "vigia-data", (long long)after, output);
}
