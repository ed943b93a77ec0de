/*
 * libFuzzer target: the constraint-suite parser (vigia/check.h) on arbitrary bytes. An
 * accepted suite must be one vigia check can run: every constraint has a known kind, the keys
 * its kind requires, bounds in order and shares in [0, 1], and every string is valid until the
 * suite is freed (ASan checks the reads). A rejected one must name the file in its message.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vg_check_suite *s = NULL;
    vg_error e;
    vg_error_clear(&e);
    if (vg_check_suite_parse(data, size, "fuzz.yaml", &s, &e) != VG_OK) {
        if (strncmp(e.msg, "fuzz.yaml", 9) != 0 && strcmp(e.msg, "out of memory") != 0)
            abort(); /* every parse error names the file */
        return 0;
    }
    size_t sum = 0;
    if (s->n == 0)
        abort();
    for (size_t i = 0; i < s->n; i++) {
        const vg_constraint *c = &s->items[i];
        if ((unsigned)c->kind >= VG_CHECK_NKINDS || c->line == 0 || c->min > c->max)
            abort();
        if (c->kind != VG_CHECK_ROW_COUNT && c->kind != VG_CHECK_METRIC &&
            c->kind != VG_CHECK_FAIRNESS && !c->column)
            abort();
        if (c->kind == VG_CHECK_COMPLETENESS && !(c->max_missing >= 0 && c->max_missing <= 1))
            abort();
        if (c->kind == VG_CHECK_QUANTILE && !(c->q >= 0 && c->q <= 1))
            abort();
        if (c->kind == VG_CHECK_ALLOWED_VALUES && c->n_values == 0)
            abort();
        if (c->method && !vg_compare_method_name(c->method))
            abort();
        if ((c->kind == VG_CHECK_METRIC || c->kind == VG_CHECK_FAIRNESS) &&
            (!c->metric || !c->prediction))
            abort();
        sum += strlen(vg_check_kind_name(c->kind));
        if (c->column)
            sum += strlen(c->column);
        if (c->name)
            sum += strlen(c->name);
        for (size_t k = 0; k < c->n_values; k++)
            sum += strlen(c->values[k]);
    }
    vg_check_suite_free(s);
    return sum == (size_t)-1;
}
