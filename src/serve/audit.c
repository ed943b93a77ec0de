/*
 * serve_audit: the daemon's side of the audit log. Placeholder until the audit chain lands in
 * src/store/audit.c: it only logs the action at debug level.
 */
#include "internal.h"

void serve_audit(vg_serve *s, const serve_principal *who, const char *action, const char *target,
                 json_t *detail) {
    (void)s;
    vg_serve_log(VG_LOG_DEBUG, "audit: %s %s by %s", action, target ? target : "-",
                 who ? who->id : "daemon");
    json_decref(detail);
}
