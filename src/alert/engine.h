/*
 * The engine's private structures, shared by the state machine (engine.c) and its JSON codec
 * (codec.c).
 */
#ifndef VG_ALERT_ENGINE_H
#define VG_ALERT_ENGINE_H

#include "internal.h"

typedef struct vg_alert_inst {
    char fp[17];
    size_t rule_idx; /* into the current config's rules */
    char *rule, *model, *sample_labels;
    vg_alert_kv *slabels; /* sample_labels parsed */
    size_t n_slabels;
    vg_alert_state state;
    double value, threshold;
    int64_t active_since, fired_at, resolved_at;
    int64_t last_from, last_at; /* bounds of the last evaluation that had a sample */
    uint32_t count;             /* consecutive evaluations meeting the condition */
    uint32_t absent;            /* consecutive in-scope evaluations without a sample */
    int acked;
    int seen; /* scratch of one evaluation */
} vg_alert_inst;

struct vg_alert_engine {
    vg_alert_config *cfg; /* owned */
    vg_alert_inst *v;
    size_t n, cap;
    vg_alert_silence *sil;
    size_t nsil;
    uint64_t sil_seq;
};

void vg_alert_fingerprint(const char *rule, const char *model, const char *labels, char out[17]);
const vg_alert_rule *vg_alert_inst_rule(const vg_alert_engine *e, const vg_alert_inst *in);
vg_alert_inst *vg_alert_engine_add_inst(vg_alert_engine *e);
int vg_alert_silence_copy(vg_alert_silence *d, const vg_alert_silence *s);
int vg_alert_silence_matches(const vg_alert_silence *s, const vg_alert *a, int64_t now_ms);

#endif
