/*
 * libFuzzer target: the configuration parser (vigia/config.h) on arbitrary bytes. An accepted
 * file must give options that vigia compare can use: every method name is one vigia knows and
 * every string is valid until the config is freed (ASan checks the reads).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vg_config *c = NULL;
    vg_error e;
    vg_error_clear(&e);
    if (vg_config_parse(data, size, "fuzz.yaml", &c, &e) != VG_OK) {
        if (strncmp(e.msg, "fuzz.yaml", 9) != 0 && strcmp(e.msg, "out of memory") != 0)
            abort(); /* every parse error names the file */
        return 0;
    }
    vg_compare_options o;
    vg_compare_options_default(&o);
    vg_config_compare_options(c, &o);
    size_t sum = 0;
    if (o.method && !vg_compare_method_name(o.method))
        abort();
    for (size_t i = 0; i < o.n_rules; i++) {
        sum += strlen(o.rules[i].column);
        if (o.rules[i].method && !vg_compare_method_name(o.rules[i].method))
            abort();
    }
    for (size_t i = 0; i < o.n_roles; i++)
        sum += strlen(o.roles[i].column) + strlen(vg_role_name(o.roles[i].role));
    for (size_t i = 0; i < o.n_ignore; i++)
        sum += strlen(o.ignore[i]);
    vg_config_free(c);
    return sum == (size_t)-1;
}
