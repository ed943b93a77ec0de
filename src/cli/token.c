/*
 * `vigia token`: API tokens for `vigia serve` made offline, for the config's auth.tokens list.
 * `token new` draws a token and prints its secret once (stdout, first line) and the YAML entry
 * holding only its salted hash; `token hash` reads a secret on standard input and prints the
 * hash string (to put a secret kept elsewhere into the config). The daemon never needs the
 * secret: it keeps the hash (src/serve/auth.c, docs/api.md "Authentication").
 */
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../serve/internal.h"
#include "cli.h"

static const char help[] =
    "usage: vigia token new --name NAME --scopes SCOPES [--model MODEL]\n"
    "       vigia token hash < SECRET\n"
    "\n"
    "API tokens for `vigia serve` (docs/api.md, Authentication).\n"
    "\n"
    "  new    make a token: its secret is printed once on the first line of standard\n"
    "         output (save it: it is not stored anywhere), then the entry to paste under\n"
    "         auth.tokens in the daemon's config, which holds only a salted SHA-256 hash\n"
    "  hash   read a token (vg_<id>_<secret>) on standard input, print its hash string\n"
    "         (vg1$<id>$<salt>$<sha256>) for the config\n"
    "\n"
    "options of new:\n"
    "  -n, --name NAME        a name for people (logs and the audit log show it)\n"
    "  -s, --scopes SCOPES    comma-separated: ingest (POST predictions and labels), read\n"
    "                         (GET under /v1 and /metrics), admin (everything; implies both)\n"
    "  -m, --model MODEL      limit the token to /v1/models/MODEL/...\n"
    "  -h, --help             show this help\n"
    "\n"
    "Tokens can also be made while the daemon runs: POST /v1/tokens with an admin token.\n"
    "exit status: 0 success, 2 usage error or bad input\n";

static int scopes_of(const char *s, unsigned *out) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    *out = 0;
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        unsigned b = vg_serve_scope_parse(t);
        if (!b)
            return vg_cli_error("--scopes: '%s' is not ingest, read or admin", t);
        *out |= b;
    }
    if (!*out)
        return vg_cli_error("--scopes: expected ingest, read and/or admin");
    return VG_EXIT_OK;
}

/* A YAML double-quoted scalar of s. */
static void yaml_quoted(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        if ((unsigned char)*s < 0x20)
            printf("\\x%02x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

static int token_new(int argc, char **argv) {
    static const struct option longopts[] = {{"name", required_argument, NULL, 'n'},
                                             {"scopes", required_argument, NULL, 's'},
                                             {"model", required_argument, NULL, 'm'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *name = NULL, *scopes = NULL, *model = NULL;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":n:s:m:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n': name = optarg; break;
        case 's': scopes = optarg; break;
        case 'm': model = optarg; break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        default: return vg_cli_bad_option("token new", opt, argv);
        }
    }
    if (optind < argc)
        return vg_cli_error("token new: unexpected argument '%s'", argv[optind]);
    if (!name || !*name)
        return vg_cli_error("token new: --name is required");
    if (!scopes)
        return vg_cli_error("token new: --scopes is required (ingest, read, admin)");
    if (model && !*model)
        return vg_cli_error("token new: --model is empty");
    unsigned bits;
    if (scopes_of(scopes, &bits))
        return VG_EXIT_ERROR;
    char tok[SERVE_TOKEN_LEN + 1], id[13], hash[160];
    vg_error err;
    vg_error_clear(&err);
    if (serve_token_generate(tok, id, &err) != VG_OK ||
        serve_token_hash_string(tok, hash, sizeof hash, &err) != VG_OK)
        return vg_cli_error("token new: %s", err.msg);
    printf("%s\n", tok);
    OPENSSL_cleanse(tok, sizeof tok);
    printf("# the entry for auth.tokens in the vigia serve config (token id %s):\n", id);
    printf("- name: ");
    yaml_quoted(name);
    printf("\n  hash: \"%s\"\n  scopes: [", hash);
    const char *sep = "";
    static const char *const names[] = {"ingest", "read", "admin"};
    for (int i = 0; i < 3; i++)
        if (bits & (1u << i)) {
            printf("%s%s", sep, names[i]);
            sep = ", ";
        }
    printf("]\n");
    if (model) {
        printf("  model: ");
        yaml_quoted(model);
        printf("\n");
    }
    if (fflush(stdout) != 0)
        return vg_cli_error("cannot write to standard output");
    return VG_EXIT_OK;
}

static int token_hash(int argc, char **argv) {
    if (argc > 1) {
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
            fputs(help, stdout);
            return VG_EXIT_OK;
        }
        return vg_cli_error("token hash: unexpected argument '%s' (the secret comes on standard "
                            "input, so that it stays out of the shell history)",
                            argv[1]);
    }
    char line[256];
    if (!fgets(line, sizeof line, stdin))
        return vg_cli_error("token hash: no token on standard input");
    line[strcspn(line, "\r\n")] = 0;
    char hash[160];
    vg_error err;
    vg_error_clear(&err);
    int rc = serve_token_hash_string(line, hash, sizeof hash, &err);
    OPENSSL_cleanse(line, sizeof line);
    if (rc != VG_OK)
        return vg_cli_error("token hash: %s", err.msg);
    printf("%s\n", hash);
    return VG_EXIT_OK;
}

int vg_cli_token(int argc, char **argv) {
    if (argc < 2) {
        fputs(help, stderr);
        return VG_EXIT_ERROR;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(help, stdout);
        return VG_EXIT_OK;
    }
    if (!strcmp(argv[1], "new"))
        return token_new(argc - 1, argv + 1);
    if (!strcmp(argv[1], "hash"))
        return token_hash(argc - 1, argv + 1);
    fputs(help, stderr);
    return vg_cli_error("token: unknown subcommand '%s' (new or hash)", argv[1]);
}
