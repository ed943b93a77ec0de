/*
 * Tests of the daemon's own parts (src/serve/): the YAML settings (defaults, every key, the
 * typing of model specs written in YAML, and errors naming file:line:column), the listen and
 * size parsers, and the /metrics page of a daemon started in process (each family announced
 * once with HELP and TYPE before its samples, contiguous, histogram buckets cumulative). The
 * HTTP API end to end is tests/cli/serve*.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "testutil.h"

#include "serve/internal.h"

static int parse(const char *yaml, vg_serve_config *c, vg_error *err) {
    vg_error_clear(err);
    return vg_serve_config_parse(yaml, strlen(yaml), "t.yaml", c, err);
}

static void test_defaults(void **state) {
    (void)state;
    vg_serve_config c;
    vg_error err;
    assert_int_equal(parse("", &c, &err), VG_OK);
    assert_string_equal(c.host, "127.0.0.1");
    assert_int_equal(c.port, 8080);
    assert_string_equal(c.data_dir, "vigia-data");
    assert_int_equal(c.threads, 4);
    assert_int_equal(c.max_body_bytes, 64ull << 20);
    assert_int_equal(c.batch_partial, 0);
    assert_int_equal(c.retention_ms, 30LL * 86400 * 1000);
    assert_int_equal(c.tick_ms, 1000);
    assert_int_equal(c.log_level, VG_LOG_INFO);
    assert_int_equal(c.n_models, 0);
    vg_serve_config_clear(&c);
}

static void test_every_key(void **state) {
    (void)state;
    const char *yaml = "listen: 0.0.0.0:9090\n"
                       "data_dir: /var/lib/vigia\n"
                       "threads: 8\n"
                       "max_body_bytes: 10MB\n"
                       "max_records_per_batch: 500\n"
                       "batch_mode: partial\n"
                       "retention: 7d\n"
                       "tick: 250ms\n"
                       "log_level: debug\n"
                       "models:\n"
                       "  - name: m\n"
                       "    version: \"2026\"\n"
                       "    task: binary\n"
                       "    threshold: 0.7\n"
                       "    features:\n"
                       "      - {name: a, type: numeric, required: true}\n"
                       "      - {name: b, type: categorical}\n"
                       "    window: {duration: 15m, lateness: 30s}\n"
                       "    reference: ref.csv\n";
    vg_serve_config c;
    vg_error err;
    assert_int_equal(parse(yaml, &c, &err), VG_OK);
    assert_string_equal(c.host, "0.0.0.0");
    assert_int_equal(c.port, 9090);
    assert_string_equal(c.data_dir, "/var/lib/vigia");
    assert_int_equal(c.threads, 8);
    assert_int_equal(c.max_body_bytes, 10000000);
    assert_int_equal(c.max_records, 500);
    assert_int_equal(c.batch_partial, 1);
    assert_int_equal(c.retention_ms, 7LL * 86400 * 1000);
    assert_int_equal(c.tick_ms, 250);
    assert_int_equal(c.log_level, VG_LOG_DEBUG);
    assert_int_equal(c.n_models, 1);
    assert_string_equal(c.models[0].name, "m");
    assert_string_equal(c.models[0].reference, "ref.csv");
    /* the YAML became a spec JSON with the right types: quoted "2026" a string, 0.7 a number,
     * true a boolean; `reference` is not part of the spec */
    vg_model_spec *spec = NULL;
    assert_int_equal(
        vg_model_spec_parse(c.models[0].spec_json, strlen(c.models[0].spec_json), &spec, &err),
        VG_OK);
    assert_string_equal(spec->version, "2026");
    assert_true(fabs(spec->threshold - 0.7) < 1e-12);
    assert_int_equal(spec->n_features, 2);
    assert_int_equal(spec->features[0].required, 1);
    assert_int_equal(spec->features[1].type, VG_FEATURE_CATEGORICAL);
    assert_int_equal(spec->window_ms, 15 * 60000);
    assert_int_equal(spec->lateness_ms, 30000);
    assert_null(strstr(c.models[0].spec_json, "reference"));
    vg_model_spec_free(spec);
    vg_serve_config_clear(&c);
}

/* Each bad file fails with VG_ERR_PARSE and a message holding `want`. */
static void expect_error(const char *yaml, const char *want) {
    vg_serve_config c;
    vg_error err;
    int rc = parse(yaml, &c, &err);
    if (rc != VG_ERR_PARSE || !strstr(err.msg, want))
        fail_msg("config:\n%s\nrc %d, message '%s', expected it to contain '%s'", yaml, rc, err.msg,
                 want);
    assert_null(c.host); /* cleared on failure */
}

static void test_errors(void **state) {
    (void)state;
    expect_error("listen: 1.2.3.4:8080\nport: 80\n", "t.yaml:2:1: unknown setting 'port'");
    expect_error("batch_mode: maybe\n", "t.yaml:1:13: batch_mode: expected reject or partial");
    expect_error("threads: 0\n", "t.yaml:1:10: threads: expected a whole number between 1");
    expect_error("threads: -3\n", "threads: expected a whole number");
    expect_error("max_body_bytes: lots\n", "t.yaml:1:17: max_body_bytes");
    expect_error("max_body_bytes: 12\n", "at least 1024 bytes");
    expect_error("retention: soon\n", "t.yaml:1:12: retention: expected a duration");
    expect_error("tick: 0s\n", "tick: expected a duration");
    expect_error("log_level: loud\n", "log_level: expected error, warn, info or debug");
    expect_error("listen: host:99999\n", "t.yaml:1:9: listen: 'host:99999' is not HOST:PORT");
    expect_error("threads: [1, 2]\n", "t.yaml:1:10: threads: expected a single value");
    expect_error("- a\n- b\n", "t.yaml:1:1: expected a mapping of settings");
    expect_error("models: {name: m}\n", "models: expected a list");
    expect_error(
        "models:\n  - name: m\n    task: binary\n    features: [{name: a, type: colour}]\n",
        "features[0].type: must be");
    expect_error(
        "models:\n  - name: m\n    task: binary\n    features: [{name: a, type: colour}]\n",
        "t.yaml:2:5: models[0]: ");
    expect_error("models:\n  - {name: m, task: regression, features: [{name: a, type: numeric}]}\n"
                 "  - {name: m, task: regression, features: [{name: b, type: numeric}]}\n",
                 "t.yaml:3:5: models[1]: a second model named 'm'");
    expect_error("models:\n  - {name: m, task: binary, features: [], reference: [1]}\n",
                 "models[0].reference: expected a file name");
    /* a YAML syntax error, from the shared loader */
    expect_error("batch_mode: [oops\n", "t.yaml:");
    /* found by fuzz_serve_config: a second models: list was read into the first one's array
     * (past its end); any setting given twice is now an error naming both lines */
    expect_error("models:\n  - {name: a, task: regression, features: [{name: x, type: numeric}]}\n"
                 "threads: 2\n"
                 "models:\n  - {name: b, task: regression, features: [{name: x, type: numeric}]}\n"
                 "  - {name: c, task: regression, features: [{name: x, type: numeric}]}\n",
                 "t.yaml:4:1: models: set twice (line 1 has it already)");
    expect_error("threads: 2\nthreads: 3\n", "t.yaml:2:1: threads: set twice");
    /* and a mapping used as a key inside a spec is refused without leaking the value */
    expect_error("models:\n  - {name: m, task: binary, {a: 1}: x, features: []}\n", "models[0]");
}

static void test_listen_and_sizes(void **state) {
    (void)state;
    vg_serve_config c;
    vg_error err;
    assert_int_equal(vg_serve_config_default(&c), VG_OK);
    assert_int_equal(vg_serve_parse_listen("0.0.0.0:9090", &c, &err), VG_OK);
    assert_string_equal(c.host, "0.0.0.0");
    assert_int_equal(c.port, 9090);
    assert_int_equal(vg_serve_parse_listen(":81", &c, &err), VG_OK);
    assert_string_equal(c.host, "127.0.0.1");
    assert_int_equal(c.port, 81);
    assert_int_equal(vg_serve_parse_listen("82", &c, &err), VG_OK);
    assert_int_equal(c.port, 82);
    assert_int_equal(vg_serve_parse_listen("[::1]:8080", &c, &err), VG_OK);
    assert_string_equal(c.host, "::1");
    assert_int_equal(vg_serve_parse_listen("localhost:0", &c, &err), VG_OK);
    assert_int_equal(c.port, 0);
    assert_int_equal(vg_serve_parse_listen("localhost:http", &c, &err), VG_ERR_INVALID);
    assert_int_equal(vg_serve_parse_listen("localhost:65536", &c, &err), VG_ERR_INVALID);
    assert_int_equal(vg_serve_parse_listen("localhost:", &c, &err), VG_ERR_INVALID);
    assert_int_equal(vg_serve_parse_listen("h:-1", &c, &err), VG_ERR_INVALID);
    assert_string_equal(c.host, "localhost"); /* failures leave the config as it was */
    vg_serve_config_clear(&c);

    uint64_t b = 0;
    assert_int_equal(vg_serve_parse_size("64MiB", &b), VG_OK);
    assert_int_equal(b, 64ull << 20);
    assert_int_equal(vg_serve_parse_size("10MB", &b), VG_OK);
    assert_int_equal(b, 10000000);
    assert_int_equal(vg_serve_parse_size("512k", &b), VG_OK);
    assert_int_equal(b, 524288);
    assert_int_equal(vg_serve_parse_size("1.5 GiB", &b), VG_OK);
    assert_int_equal(b, 3ull << 29);
    assert_int_equal(vg_serve_parse_size("1048576", &b), VG_OK);
    assert_int_equal(b, 1048576);
    assert_int_equal(vg_serve_parse_size("lots", &b), VG_ERR_INVALID);
    assert_int_equal(vg_serve_parse_size("-1", &b), VG_ERR_INVALID);
    assert_int_equal(vg_serve_parse_size("3 parsecs", &b), VG_ERR_INVALID);
    assert_int_equal(vg_serve_log_level_parse("WARNING"), VG_LOG_WARN);
    assert_int_equal(vg_serve_log_level_parse("verbose"), -1);
}

/* ---- a daemon in process ---- */

/* One HTTP/1.0 request to 127.0.0.1:port; returns the status code (0 on failure). */
static int http_status(unsigned port, const char *method, const char *path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char req[256], resp[64] = "";
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nContent-Length: 0\r\n\r\n", method, path);
    int code = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, req, (size_t)n) == n &&
        read(fd, resp, sizeof resp - 1) > 12)
        sscanf(resp, "HTTP/1.%*d %d", &code);
    close(fd);
    return code;
}

/* Before vg_serve_recover: alive, not ready, the API answers 503; after: ready. */
static void test_readiness(void **state) {
    (void)state;
    char dir[] = "/tmp/vg_serve_XXXXXX";
    assert_non_null(mkdtemp(dir));
    vg_serve_config c;
    vg_error err;
    assert_int_equal(parse("listen: 127.0.0.1:0\nlog_level: error\n", &c, &err), VG_OK);
    free(c.data_dir);
    c.data_dir = strdup(dir);
    vg_serve *s = NULL;
    c.auth_off = 1; /* these tests are about the API, not tokens */
    assert_int_equal(vg_serve_start(&c, &s, &err), VG_OK);
    unsigned port = vg_serve_port(s);
    assert_int_equal(http_status(port, "GET", "/healthz"), 200);
    assert_int_equal(http_status(port, "GET", "/readyz"), 503);
    assert_int_equal(http_status(port, "GET", "/v1/models"), 503);
    assert_int_equal(http_status(port, "GET", "/metrics"), 200);
    assert_int_equal(vg_serve_recover(s, &err), VG_OK);
    assert_int_equal(http_status(port, "GET", "/readyz"), 200);
    assert_int_equal(http_status(port, "GET", "/v1/models"), 200);
    assert_int_equal(http_status(port, "GET", "/v1/models/none"), 404);
    assert_int_equal(http_status(port, "POST", "/readyz"), 405);
    assert_int_equal(http_status(port, "GET", "/v2/models"), 404);
    vg_serve_stop(s);
    /* stopped: nothing listens any more */
    assert_int_equal(http_status(port, "GET", "/healthz"), 0);
    t_rmtree(dir);
}

/* ---- /metrics of a daemon in process ---- */

/* The family a sample line belongs to: its name without the histogram suffixes. */
static void family_of(const char *line, char *out, size_t cap) {
    size_t n = strcspn(line, "{ ");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, line, n);
    out[n] = 0;
    static const char *const suffix[] = {"_bucket", "_sum", "_count"};
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(suffix[i]);
        if (n > l && !strcmp(out + n - l, suffix[i]) &&
            !strncmp(out, "vigia_http_request_duration_seconds", 35))
            out[n - l] = 0;
    }
}

static void test_metrics_page(void **state) {
    (void)state;
    char dir[] = "/tmp/vg_serve_XXXXXX";
    assert_non_null(mkdtemp(dir));
    vg_serve_config c;
    vg_error err;
    const char *yaml = "listen: 127.0.0.1:0\n"
                       "log_level: error\n"
                       "models:\n"
                       "  - {name: m1, task: regression, features: [{name: x, type: numeric}],"
                       " window: {count: 5}}\n"
                       "  - {name: m2, task: regression, features: [{name: x, type: numeric}]}\n";
    assert_int_equal(parse(yaml, &c, &err), VG_OK);
    free(c.data_dir);
    c.data_dir = strdup(dir);
    vg_serve *s = NULL;
    vg_serve_log_set_level(VG_LOG_ERROR);
    c.auth_off = 1; /* these tests are about the API, not tokens */
    if (vg_serve_start(&c, &s, &err) != VG_OK)
        fail_msg("start: %s", err.msg);
    assert_true(vg_serve_port(s) > 0);
    assert_int_equal(vg_serve_recover(s, &err), VG_OK);
    serve_stats_record(s, "/v1/models", 200, 0.0007);
    serve_stats_record(s, "/v1/models", 200, 0.3);
    serve_stats_record(s, "/v1/models", 404, 20.0);
    size_t len = 0;
    char *page = serve_metrics_text(s, &len);
    assert_non_null(page);
    assert_int_equal(strlen(page), len);

    /* every sample's family was announced by HELP then TYPE, once, and its samples are
     * contiguous */
    char seen[128][96];
    size_t nseen = 0;
    char current[96] = "";
    int typed = 0;
    for (char *line = strtok(page, "\n"); line; line = strtok(NULL, "\n")) {
        char fam[96];
        if (!strncmp(line, "# HELP ", 7)) {
            family_of(line + 7, fam, sizeof fam);
            for (size_t i = 0; i < nseen; i++)
                if (!strcmp(seen[i], fam))
                    fail_msg("family %s announced twice", fam);
            assert_true(nseen < 128);
            snprintf(seen[nseen++], sizeof seen[0], "%s", fam);
            snprintf(current, sizeof current, "%s", fam);
            typed = 0;
            continue;
        }
        if (!strncmp(line, "# TYPE ", 7)) {
            family_of(line + 7, fam, sizeof fam);
            assert_string_equal(fam, current);
            typed = 1;
            continue;
        }
        family_of(line, fam, sizeof fam);
        if (strcmp(fam, current) || !typed)
            fail_msg("sample '%s' outside its family (current %s)", line, current);
    }
    free(page);
    page = serve_metrics_text(s, &len);
    assert_non_null(strstr(page, "vigia_models 2\n"));
    assert_non_null(strstr(page, "vigia_ready 1\n"));
    assert_non_null(strstr(page, "vigia_records_accepted_total{model=\"m1\"} 0\n"));
    assert_non_null(strstr(page, "vigia_records_rejected_total{model=\"m2\",reason=\"late\"} 0\n"));
    assert_non_null(strstr(page, "# TYPE vigia_records_accepted_total counter\n"));
    assert_non_null(strstr(page, "# TYPE vigia_window_open_rows gauge\n"));
    assert_non_null(
        strstr(page, "vigia_http_requests_total{route=\"/v1/models\",code=\"200\"} 2\n"));
    assert_non_null(
        strstr(page, "vigia_http_requests_total{route=\"/v1/models\",code=\"404\"} 1\n"));
    /* cumulative buckets: 0.0007 falls in le=0.001, 0.3 in le=0.5, 20 s only in +Inf */
    assert_non_null(strstr(page, "_bucket{route=\"/v1/models\",le=\"0.0005\"} 0\n"));
    assert_non_null(strstr(page, "_bucket{route=\"/v1/models\",le=\"0.001\"} 1\n"));
    assert_non_null(strstr(page, "_bucket{route=\"/v1/models\",le=\"0.25\"} 1\n"));
    assert_non_null(strstr(page, "_bucket{route=\"/v1/models\",le=\"0.5\"} 2\n"));
    assert_non_null(strstr(page, "_bucket{route=\"/v1/models\",le=\"2.5\"} 2\n"));
    assert_non_null(strstr(page, "_bucket{route=\"/v1/models\",le=\"+Inf\"} 3\n"));
    assert_non_null(
        strstr(page, "vigia_http_request_duration_seconds_count{route=\"/v1/models\"} 3\n"));
    assert_non_null(strstr(page, "vigia_build_info{version=\"" VG_VERSION "\"} 1\n"));
    free(page);

    /* models persist across a restart of the daemon on the same directory */
    vg_serve_stop(s);
    vg_serve_config c2;
    assert_int_equal(parse("listen: 127.0.0.1:0\nlog_level: error\n", &c2, &err), VG_OK);
    free(c2.data_dir);
    c2.data_dir = strdup(dir);
    c2.auth_off = 1; /* these tests are about the API, not tokens */
    assert_int_equal(vg_serve_start(&c2, &s, &err), VG_OK);
    assert_int_equal(vg_serve_recover(s, &err), VG_OK);
    size_t n = 0;
    char **names = serve_model_names(s, &n);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "m1");
    assert_string_equal(names[1], "m2");
    free(names[0]);
    free(names[1]);
    free(names);
    vg_serve_stop(s);
    t_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),  cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_errors),    cmocka_unit_test(test_listen_and_sizes),
        cmocka_unit_test(test_readiness), cmocka_unit_test(test_metrics_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
