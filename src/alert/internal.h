/*
 * Shared internals of the alerting module: label sets in exposition syntax, label matchers,
 * templates and the JSON helpers the engine and the codec share. Nothing here is public.
 */
#ifndef VG_ALERT_INTERNAL_H
#define VG_ALERT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/alert.h"

/* What a template may refer to. `labels` are the sample's labels ({{label.x}}). */
typedef struct {
    const char *rule, *model, *feature, *severity;
    double value, threshold;
    const vg_alert_kv *labels;
    size_t n_labels;
} vg_alert_tmpl_ctx;

/* VG_OK, or VG_ERR_PARSE with a reason in `why` (unknown {{var}}, unclosed braces). */
int vg_alert_tmpl_check(const char *t, char *why, size_t n);
/* Renders into a malloc'd string (*out); VG_ERR_NOMEM or VG_ERR_PARSE. */
int vg_alert_tmpl_render(const char *t, const vg_alert_tmpl_ctx *c, char **out);

/* Parses `a="x",b="y"` (values with \" \\ \n escapes) into a kv array (owned by caller). */
int vg_alert_labels_parse(const char *expo, vg_alert_kv **out, size_t *n);
const char *vg_alert_kv_get(const vg_alert_kv *kv, size_t n, const char *key);
void vg_alert_kv_free(vg_alert_kv *kv, size_t n);
/* Appends a (key, value) copy; VG_OK or VG_ERR_NOMEM. A key already present is replaced. */
int vg_alert_kv_set(vg_alert_kv **kv, size_t *n, const char *key, const char *value);

/* A matcher from the rule syntax ("=~re", "!~re", "!=x", "==x", "x"); compiles regexes.
 * VG_ERR_PARSE with `why` on a bad regex, VG_ERR_NOMEM. */
int vg_alert_matcher_init(vg_alert_matcher *m, const char *label, vg_alert_match_op op,
                          const char *value, char *why, size_t n);
int vg_alert_matcher_from_spec(vg_alert_matcher *m, const char *label, const char *spec, char *why,
                               size_t n);
int vg_alert_matcher_match(const vg_alert_matcher *m, const char *value);
void vg_alert_matcher_clear(vg_alert_matcher *m);
const char *vg_alert_match_op_name(vg_alert_match_op op);

char *vg_alert_strdup(const char *s); /* NULL for NULL */

#endif
