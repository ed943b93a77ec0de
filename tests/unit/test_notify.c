/*
 * The transports of the daemon's notifications (src/serve/notify.c): a hook gets its stdin and
 * environment, its exit status and output are reported, its output is bounded, a hook that
 * outlives its timeout is killed with its children; an HTTP POST to nobody fails with a reason
 * instead of hanging.
 */
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include "testutil.h"

#include "serve/notify.h"

static void test_exec_stdin_env_status(void **state) {
    (void)state;
    char *argv[] = {"sh", "-c", "echo \"rule=$VIGIA_ALERT_RULE\"; cat; echo oops >&2; exit 3",
                    NULL};
    char *env[] = {"VIGIA_ALERT_RULE=drift", NULL};
    serve_exec_result r;
    assert_int_equal(serve_notify_exec(argv, "{\"a\":1}\n", env, 5000, &r), -1);
    assert_true(r.started);
    assert_false(r.timed_out);
    assert_int_equal(r.exit_status, 3);
    assert_string_equal(r.output, "rule=drift\n{\"a\":1}\noops\n");
    assert_non_null(strstr(r.msg, "exit status 3"));
    free(r.output);

    char *ok[] = {"true", NULL};
    assert_int_equal(serve_notify_exec(ok, "", NULL, 5000, &r), 0);
    assert_int_equal(r.exit_status, 0);
    free(r.output);
}

static void test_exec_bounds(void **state) {
    (void)state;
    /* a large stdin the hook never reads, and output beyond the bound */
    size_t big = 1 << 20;
    char *in = malloc(big + 1);
    memset(in, 'x', big);
    in[big] = 0;
    char *argv[] = {"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' y", NULL};
    serve_exec_result r;
    assert_int_equal(serve_notify_exec(argv, in, NULL, 5000, &r), 0);
    assert_int_equal(strlen(r.output), SERVE_EXEC_MAX_OUTPUT);
    assert_int_equal(r.output_dropped, 100000 - SERVE_EXEC_MAX_OUTPUT);
    free(r.output);
    free(in);
}

static void test_exec_timeout(void **state) {
    (void)state;
    /* the child of the hook holds the output open too: the whole group is killed */
    char *argv[] = {"sh", "-c", "echo started; sleep 30 & sleep 30", NULL};
    serve_exec_result r;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(serve_notify_exec(argv, "", NULL, 300, &r), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 5);
    assert_true(r.timed_out);
    assert_int_equal(r.exit_status, 128 + SIGKILL);
    assert_string_equal(r.output, "started\n");
    free(r.output);

    char *none[] = {"/nonexistent/hook", NULL};
    assert_int_equal(serve_notify_exec(none, "", NULL, 1000, &r), -1);
    assert_false(r.started);
    assert_non_null(strstr(r.msg, "not found"));
    free(r.output);
}

static void test_post_refused(void **state) {
    (void)state;
    /* a port bound but not listening: connection refused at once */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/x", ntohs(a.sin_port));
    assert_int_equal(serve_notify_init(), 0);
    long status = -1;
    char msg[256];
    assert_int_equal(serve_notify_post(url, "{}", 2000, &status, msg, sizeof msg), -1);
    assert_int_equal(status, 0);
    assert_true(msg[0] != 0);
    serve_notify_cleanup();
    close(fd);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN); /* as the daemon does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_stdin_env_status),
        cmocka_unit_test(test_exec_bounds),
        cmocka_unit_test(test_exec_timeout),
        cmocka_unit_test(test_post_refused),
    };
    return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
