/*
 * The daemon's log: one line per event on standard error, "TIME LEVEL message", with the time
 * in UTC (RFC 3339, milliseconds) so that lines from several processes sort together. The level
 * is a global that SIGHUP may change while threads log, hence the atomic; one fprintf per line
 * keeps lines from different threads whole (stdio locks the stream per call).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "serve.h"

static atomic_int log_level = VG_LOG_INFO;

void vg_serve_log_set_level(int level) {
    atomic_store(&log_level, level);
}

int vg_serve_log_level(void) {
    return atomic_load(&log_level);
}

void vg_serve_log(int level, const char *fmt, ...) {
    if (level > atomic_load(&log_level))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            names[level < 0   ? 0
                  : level > 3 ? 3
                              : level],
            msg);
}
