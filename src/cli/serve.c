/*
 * `vigia serve`: the monitoring daemon (src/serve/, docs/serve.md, docs/api.md). This file
 * reads the flags and the config file, owns the signals, and runs the daemon's life cycle:
 * start (listen, /healthz answers), recover (replay: /readyz says 503 until it is done), serve
 * until SIGTERM or SIGINT, then stop cleanly (requests finished, journal drained, store
 * closed: exit 0). SIGHUP reloads the config file; flags keep overriding it.
 *
 * The signals are blocked before any thread starts, so every thread inherits the mask and only
 * this thread receives them, through sigwait: no handler runs in the middle of a lock.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../serve/serve.h"
#include "cli.h"

static const char help[] =
    "usage: vigia serve [--config FILE] [--listen HOST:PORT] [--data-dir DIR] [--threads N]\n"
    "                   [--auth tokens|off]\n"
    "\n"
    "Run the monitoring daemon: models registered over HTTP (or in the config) receive\n"
    "predictions and delayed labels as JSON or NDJSON batches; their windows are compared to\n"
    "a reference and to the previous window (drift, data quality, model metrics, CBPE\n"
    "estimates, fairness) and kept in SQLite under the data directory. Every acknowledged\n"
    "batch is on disk first (journal), so a crash loses nothing acknowledged.\n"
    "API: docs/api.md (/v1/models..., /metrics for Prometheus, /healthz, /readyz).\n"
    "\n"
    "options:\n"
    "  -c, --config FILE      YAML settings (docs/serve.md); SIGHUP reloads it\n"
    "  -l, --listen HOST:PORT address to listen on (default 127.0.0.1:8080; port 0: any free\n"
    "                         port, logged at start)\n"
    "  -d, --data-dir DIR     where the SQLite database and references live (./vigia-data)\n"
    "  -t, --threads N        HTTP worker threads (4)\n"
    "      --log-level L      error, warn, info (default) or debug\n"
    "      --auth MODE        tokens (default: every request but /healthz and /readyz needs\n"
    "                         Authorization: Bearer <token>; with none configured, an admin\n"
    "                         token is created in DATA_DIR/admin-token) or off (local\n"
    "                         development only: refused on a non-loopback address)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Flags override the config file. SIGTERM or SIGINT: stop accepting, finish requests,\n"
    "drain the journal and exit 0. SIGHUP: reload the config (logged: what changed, what\n"
    "needs a restart; a bad file keeps the running settings).\n"
    "\n"
    "exit status: 0 clean shutdown, 2 usage error, bad config, or the daemon could not start\n";

enum { OPT_LOG_LEVEL = 500, OPT_AUTH };

typedef struct {
    const char *config, *listen, *data_dir, *log_level, *auth;
    unsigned long long threads;
    int has_threads;
} flags;

/* The config file (or the defaults) with the flags applied over it. */
static int load_config(const flags *f, vg_serve_config *c, vg_error *err) {
    int rc = f->config ? vg_serve_config_load(f->config, c, err) : vg_serve_config_default(c);
    if (rc != VG_OK) {
        if (!f->config)
            vg_error_set(err, rc, "out of memory");
        return rc;
    }
    if (f->listen && (rc = vg_serve_parse_listen(f->listen, c, err)) != VG_OK) {
        vg_serve_config_clear(c);
        return rc;
    }
    if (f->data_dir) {
        char *d = strdup(f->data_dir);
        if (!d) {
            vg_serve_config_clear(c);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        free(c->data_dir);
        c->data_dir = d;
    }
    if (f->has_threads)
        c->threads = (unsigned)f->threads;
    if (f->log_level)
        c->log_level = vg_serve_log_level_parse(f->log_level);
    if (f->auth)
        c->auth_off = !strcmp(f->auth, "off");
    return VG_OK;
}

int vg_cli_serve(int argc, char **argv) {
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"listen", required_argument, NULL, 'l'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"threads", required_argument, NULL, 't'},
                                             {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
                                             {"auth", required_argument, NULL, OPT_AUTH},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    flags f;
    memset(&f, 0, sizeof f);
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:l:d:t:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': f.config = optarg; break;
        case 'l': f.listen = optarg; break;
        case 'd':
            if (!*optarg)
                return vg_cli_error("serve: --data-dir is empty");
            f.data_dir = optarg;
            break;
        case 't':
            if (vg_cli_uint("--threads", optarg, 1, 1024, &f.threads))
                return VG_EXIT_ERROR;
            f.has_threads = 1;
            break;
        case OPT_LOG_LEVEL:
            if (vg_serve_log_level_parse(optarg) < 0)
                return vg_cli_error("--log-level: '%s' is not error, warn, info or debug", optarg);
            f.log_level = optarg;
            break;
        case OPT_AUTH:
            if (strcmp(optarg, "off") && strcmp(optarg, "tokens"))
                return vg_cli_error("--auth: '%s' is not tokens or off", optarg);
            f.auth = optarg;
            break;
        case 'h': fputs(help, stdout); return VG_EXIT_OK;
        default: return vg_cli_bad_option("serve", opt, argv);
        }
    }
    if (optind < argc) {
        fputs(help, stderr);
        return vg_cli_error("serve: unexpected argument '%s'", argv[optind]);
    }
    vg_error err;
    vg_error_clear(&err);
    vg_serve_config cfg;
    if (load_config(&f, &cfg, &err) != VG_OK)
        return vg_cli_error("%s", err.msg);

    /* before any thread exists: every thread inherits the mask, only sigwait sees them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    vg_serve *s = NULL;
    if (vg_serve_start(&cfg, &s, &err) != VG_OK) {
        vg_serve_config_clear(&cfg);
        return vg_cli_error("serve: %s", err.msg);
    }
    if (vg_serve_recover(s, &err) != VG_OK) {
        vg_serve_log(VG_LOG_ERROR, "recovery failed: %s", err.msg);
        vg_serve_stop(s);
        return VG_EXIT_ERROR;
    }
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            if (!f.config) {
                vg_serve_log(VG_LOG_INFO, "SIGHUP: no config file to reload (--config)");
                continue;
            }
            vg_serve_config nc;
            vg_error_clear(&err);
            if (load_config(&f, &nc, &err) != VG_OK) {
                vg_serve_log(VG_LOG_ERROR, "SIGHUP: config not reloaded, the running one stays: %s",
                             err.msg);
                continue;
            }
            vg_serve_log(VG_LOG_INFO, "SIGHUP: reloading %s", f.config);
            vg_serve_reload(s, &nc);
            continue;
        }
        vg_serve_log(VG_LOG_INFO, "%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
        break;
    }
    vg_serve_stop(s);
    vg_serve_log(VG_LOG_INFO, "stopped");
    return VG_EXIT_OK;
}
