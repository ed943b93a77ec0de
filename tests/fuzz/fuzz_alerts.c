/*
 * libFuzzer target: the alerting inputs (vigia/alert.h) on arbitrary bytes. The first byte picks
 * the parser: a rules file (YAML), a silence (JSON, as POST /v1/silences takes it) or the
 * engine's persisted state (JSON, read back at start-up). Accepted rules must serialize and
 * export, and every rules error names the file; ASan and UBSan check the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/alert.h"

static const char RULES[] = "rules:\n"
                            "  - name: drift\n"
                            "    metric: drift_score\n"
                            "    op: '>'\n"
                            "    threshold: 0.2\n"
                            "    for_windows: 2\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    vg_error e;
    vg_error_clear(&e);
    switch (data[0] % 3) {
    case 0: {
        vg_alert_config *c = NULL;
        if (vg_alert_config_load(NULL, body, len, "fuzz.yaml", &c, &e) != VG_OK) {
            if (strncmp(e.msg, "fuzz.yaml", 9) != 0 && strcmp(e.msg, "out of memory") != 0)
                abort(); /* every error names the file */
            return 0;
        }
        char *json = NULL, *yaml = NULL;
        if (vg_alert_config_json(c, &json, &e) != VG_OK && e.code != VG_ERR_NOMEM)
            abort();
        if (vg_alert_config_export_prometheus(c, 3600000, &yaml, &e) != VG_OK &&
            e.code != VG_ERR_NOMEM)
            abort();
        free(json);
        free(yaml);
        vg_alert_config_free(c);
        break;
    }
    case 1: {
        vg_alert_silence s;
        memset(&s, 0, sizeof s);
        if (vg_alert_silence_parse_json(body, len, 1767225600000LL, &s, &e) == VG_OK) {
            char *json = NULL;
            if (vg_alert_silence_json(&s, &json, &e) != VG_OK && e.code != VG_ERR_NOMEM)
                abort();
            free(json);
            vg_alert_silence_clear(&s);
        }
        break;
    }
    default: {
        vg_alert_config *c = NULL;
        vg_alert_engine *eng = NULL;
        if (vg_alert_config_load(NULL, RULES, sizeof RULES - 1, "rules.yaml", &c, &e) != VG_OK ||
            vg_alert_engine_new(c, &eng, &e) != VG_OK)
            abort();
        if (vg_alert_engine_restore_json(eng, body, len, &e) == VG_OK) {
            char *json = NULL;
            if (vg_alert_engine_state_json(eng, &json, &e) != VG_OK && e.code != VG_ERR_NOMEM)
                abort();
            free(json);
        }
        vg_alert_engine_free(eng);
        break;
    }
    }
    return 0;
}
