/*
 * The transports of the daemon's notifications (notify.c), free of alerting logic: an HTTP
 * POST of a JSON body with a timeout (libcurl), and running a command with a JSON document on
 * its standard input, extra environment variables, a timeout and bounded captured output.
 * alerting.c decides what to send where and when to retry; these only report what happened.
 */
#ifndef VG_SERVE_NOTIFY_H
#define VG_SERVE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

/* Once per process, before any other thread uses libcurl (curl_global_init is not
 * thread-safe); 0 on success. */
int serve_notify_init(void);
void serve_notify_cleanup(void);

/* POSTs body (Content-Type: application/json) to url. Returns 0 when the answer is a 2xx;
 * otherwise -1 with msg (NUL-terminated, cap bytes) saying why (connection refused, timeout,
 * HTTP 500 and the first bytes of its body). *status is the HTTP status (0: no answer). */
int serve_notify_post(const char *url, const char *body, int64_t timeout_ms, long *status,
                      char *msg, size_t cap);

/* The bytes of output kept from a command (stdout and stderr together); the rest is counted
 * and dropped, so a chatty hook cannot fill the memory or the history. */
#define SERVE_EXEC_MAX_OUTPUT 4096

typedef struct serve_exec_result {
    int started;     /* the command ran (0: fork or exec failed, see msg) */
    int exit_status; /* its exit status, or 128 + signal when killed */
    int timed_out;   /* killed (SIGKILL to its process group) at the timeout */
    char *output;    /* malloc'd, at most SERVE_EXEC_MAX_OUTPUT bytes, NUL-terminated */
    size_t output_dropped;
    char msg[256];
} serve_exec_result;

/* Runs argv (argv[0] looked up in PATH when it has no '/') in a process group of its own with
 * stdin_data on its standard input, the daemon's environment plus env (NULL-terminated
 * "NAME=value" strings), and kills it after timeout_ms. Returns 0 when it ran and exited 0,
 * else -1 (res says what happened). Free res->output. */
int serve_notify_exec(char *const argv[], const char *stdin_data, char *const env[],
                      int64_t timeout_ms, serve_exec_result *res);

#endif
