/*
 * Delivery of notifications (see notify.h): libcurl for webhooks and Alertmanager, fork/exec
 * for hooks. Both are bounded in time, so the sender thread that calls them can never be stuck:
 * curl gets CURLOPT_TIMEOUT_MS (and CURLOPT_NOSIGNAL, since the daemon is threaded), a hook is
 * killed with its whole process group when its timeout expires.
 *
 * A hook is started from a threaded process, so between fork and exec the child only calls
 * async-signal-safe functions: the argv, the program path and the environment are all built
 * before fork. The daemon blocks its signals in every thread (src/cli/serve.c uses sigwait) and
 * ignores SIGPIPE; the child restores both so the hook runs with ordinary signal handling.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

extern char **environ;

int serve_notify_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void serve_notify_cleanup(void) {
    curl_global_cleanup();
}

/* ---- HTTP ---- */

typedef struct {
    char buf[200];
    size_t len;
} answer;

/* Keeps the first bytes of the answer (for the error message), discards the rest. */
static size_t keep_answer(char *p, size_t size, size_t n, void *arg) {
    answer *a = arg;
    size_t len = size * n, room = sizeof a->buf - 1 - a->len;
    size_t k = len < room ? len : room;
    memcpy(a->buf + a->len, p, k);
    a->len += k;
    a->buf[a->len] = 0;
    return len;
}

int serve_notify_post(const char *url, const char *body, int64_t timeout_ms, long *status,
                      char *msg, size_t cap) {
    *status = 0;
    msg[0] = 0;
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(msg, cap, "cannot create a libcurl handle");
        return -1;
    }
    answer a = {{0}, 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = h ? curl_slist_append(h, "Expect:") : NULL; /* no 100-continue round trip */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 5000));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigia-alerting");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = h ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
    int ret = -1;
    if (rc != CURLE_OK) {
        snprintf(msg, cap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        if (*status >= 200 && *status < 300) {
            ret = 0;
            snprintf(msg, cap, "HTTP %ld", *status);
        } else {
            snprintf(msg, cap, "HTTP %ld: %s", *status, a.buf);
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return ret;
}

/* ---- exec ---- */

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* argv[0] as a path: itself when it has a '/', else the first executable PATH entry; NULL
 * when not executable (found before fork, so the message says so rather than exit 127). */
static char *resolve(const char *prog) {
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0 ? strdup(prog) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    size_t pl = strlen(prog);
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t dl = e ? (size_t)(e - p) : strlen(p);
        char *cand = malloc(dl + pl + 3);
        if (!cand)
            return NULL;
        snprintf(cand, dl + pl + 3, "%.*s/%s", (int)dl, dl ? p : ".", prog);
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
        p += dl;
        if (*p == ':')
            p++;
    }
    return NULL;
}

int serve_notify_exec(char *const argv[], const char *stdin_data, char *const env[],
                      int64_t timeout_ms, serve_exec_result *res) {
    memset(res, 0, sizeof *res);
    res->output = calloc(SERVE_EXEC_MAX_OUTPUT + 1, 1);
    if (!res->output) {
        snprintf(res->msg, sizeof res->msg, "out of memory");
        return -1;
    }
    char *prog = argv && argv[0] ? resolve(argv[0]) : NULL;
    if (!prog) {
        snprintf(res->msg, sizeof res->msg, "%s: command not found",
                 argv && argv[0] ? argv[0] : "(none)");
        return -1;
    }
    /* the environment: env first, then the daemon's without any VIGIA_ALERT_* of its own, so
     * a hook never sees a stale or duplicate alert variable */
    size_t ne = 0, nx = 0;
    while (environ && environ[ne])
        ne++;
    while (env && env[nx])
        nx++;
    char **envp = calloc(ne + nx + 1, sizeof *envp);
    if (!envp) {
        free(prog);
        snprintf(res->msg, sizeof res->msg, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < nx; i++)
        envp[k++] = env[i];
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "VIGIA_ALERT_", 12))
            envp[k++] = environ[i];
    envp[k] = NULL;

    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        snprintf(res->msg, sizeof res->msg, "pipe: %s", strerror(errno));
        goto fail_fds;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(res->msg, sizeof res->msg, "fork: %s", strerror(errno));
        goto fail_fds;
    }
    if (pid == 0) {
        /* the child: async-signal-safe calls only */
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &dfl, NULL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        execve(prog, argv, envp);
        static const char m[] = "vigia: exec of the alert hook failed\n";
        ssize_t w = write(2, m, sizeof m - 1);
        (void)w;
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no race with the kill below */
    close(in[0]);
    close(out[1]);
    in[0] = out[1] = -1;
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);

    const char *wp = stdin_data ? stdin_data : "";
    size_t wleft = strlen(wp), olen = 0;
    if (!wleft) {
        close(in[1]);
        in[1] = -1;
    }
    int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 10000);
    int out_open = 1;
    while (out_open) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            res->timed_out = 1;
            kill(-pid, SIGKILL);
            break;
        }
        struct pollfd fds[2];
        nfds_t nf = 0;
        fds[nf++] = (struct pollfd){out[0], POLLIN, 0};
        if (in[1] >= 0)
            fds[nf++] = (struct pollfd){in[1], POLLOUT, 0};
        int pr = poll(fds, nf, (int)(left < 1000 ? left : 1000));
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        if (fds[0].revents) {
            char b[4096];
            ssize_t r = read(out[0], b, sizeof b);
            if (r > 0) {
                size_t room = SERVE_EXEC_MAX_OUTPUT - olen,
                       take = (size_t)r < room ? (size_t)r : room;
                memcpy(res->output + olen, b, take);
                olen += take;
                res->output_dropped += (size_t)r - take;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                out_open = 0; /* every writer closed it: the hook (and its children) are done */
            }
        }
        if (nf > 1 && fds[1].revents) {
            ssize_t w = write(in[1], wp, wleft);
            if (w > 0) {
                wp += w;
                wleft -= (size_t)w;
            }
            if (!wleft || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                close(in[1]); /* EOF for the hook (or it stopped reading: EPIPE) */
                in[1] = -1;
            }
        }
    }
    res->output[olen] = 0;
    int st = 0;
    /* the output closed: the hook exits now or soon; bound that wait by the deadline too */
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (mono_ms() >= deadline && !res->timed_out) {
            res->timed_out = 1;
            kill(-pid, SIGKILL);
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    res->started = 1;
    res->exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
    if (res->timed_out)
        snprintf(res->msg, sizeof res->msg, "killed after the timeout of %lld ms",
                 (long long)timeout_ms);
    else
        snprintf(res->msg, sizeof res->msg, "exit status %d", res->exit_status);
    if (in[1] >= 0)
        close(in[1]);
    close(out[0]);
    free(prog);
    free(envp);
    return !res->timed_out && res->exit_status == 0 ? 0 : -1;

fail_fds:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
    }
    free(prog);
    free(envp);
    return -1;
}
