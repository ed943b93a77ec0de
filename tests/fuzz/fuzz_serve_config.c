/*
 * libFuzzer target: the daemon's YAML settings (vg_serve_config_parse, src/serve/config.c) on
 * arbitrary bytes. A refused file must say so with a message naming the file (and leave the
 * config cleared, nothing to free); an accepted one must be usable as vigia serve would use it:
 * every field within the range docs/serve.md gives, every `models:` entry a spec that parses
 * again (as the daemon parses it at start) under the name recorded, no two models of one
 * name, and the alerts section serializable. The checks are generic on purpose: they hold
 * whatever keys config.c learns, so new sections need seeds, not changes here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"
#include "vigia/alert.h"
#include "vigia/monitor.h"

static int all_zero(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static void check_accepted(const vg_serve_config *c) {
    if (!c->host || !c->data_dir || !*c->data_dir)
        abort();
    if (c->port > 65535 || c->threads < 1 || c->threads > 1024 || c->max_body_bytes < 1024 ||
        c->max_records > 1000000000 || (c->batch_partial != 0 && c->batch_partial != 1) ||
        c->retention_ms < 0 || c->tick_ms <= 0 || c->log_level < VG_LOG_ERROR ||
        c->log_level > VG_LOG_DEBUG)
        abort();
    if (c->n_models && !c->models)
        abort();
    for (size_t i = 0; i < c->n_models; i++) {
        const vg_serve_model_conf *m = &c->models[i];
        if (!m->spec_json || !m->name)
            abort();
        if (m->reference && !*m->reference)
            abort(); /* a reference key names a file */
        vg_model_spec *spec = NULL;
        vg_error e;
        vg_error_clear(&e);
        int rc = vg_model_spec_parse(m->spec_json, strlen(m->spec_json), &spec, &e);
        if (rc == VG_ERR_NOMEM)
            continue;
        if (rc != VG_OK || strcmp(spec->name, m->name) != 0)
            abort(); /* what was checked at load must hold at start */
        vg_model_spec_free(spec);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(c->models[k].name, m->name))
                abort();
    }
    if (c->alerts) {
        char *json = NULL;
        vg_error e;
        vg_error_clear(&e);
        if (vg_alert_config_json(c->alerts, &json, &e) != VG_OK && e.code != VG_ERR_NOMEM)
            abort();
        free(json);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vg_serve_config c;
    vg_error e;
    vg_error_clear(&e);
    int rc = vg_serve_config_parse((const char *)data, size, "fuzz.yaml", &c, &e);
    if (rc != VG_OK) {
        if (rc == VG_ERR_NOMEM || !strcmp(e.msg, "out of memory"))
            return 0;
        if (strncmp(e.msg, "fuzz.yaml", 9) != 0)
            abort(); /* every error names the file */
        if (!all_zero(&c, sizeof c))
            abort(); /* "on failure *c is left cleared" (serve.h) */
        return 0;
    }
    check_accepted(&c);
    vg_serve_config_clear(&c);
    if (!all_zero(&c, sizeof c))
        abort();
    vg_serve_config_clear(&c); /* clearing twice is harmless */
    return 0;
}
