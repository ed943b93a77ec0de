/*
 * `vigia evaluate DATA --target COL --prediction COL`: the quality of a model's predictions
 * held in one file (metrics, confusion matrix, curves, calibration, fairness by group). The
 * work is libvigia's (vigia/evaluate.h); this file parses flags and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static const char help[] =
    "usage: vigia evaluate DATA --target COL --prediction COL [options]\n"
    "\n"
    "Model quality from a file of predictions (CSV, TSV or NDJSON; - for standard input):\n"
    "binary (scores or labels), multiclass or regression metrics as scikit-learn defines\n"
    "them, the confusion matrix, ROC/PR and calibration curves (JSON), and fairness across\n"
    "sensitive groups. The task is inferred from the target when --task is not given, and the\n"
    "reason is reported. Rows whose target or prediction is missing are left out and counted.\n"
    "Keys and rules: docs/evaluate.md.\n"
    "\n"
    "options:\n"
    "  -t, --target COL         the true labels or values (required)\n"
    "  -p, --prediction COL     the model output: a probability score or a label (binary),\n"
    "                           a label (multiclass), a value (regression)\n"
    "      --task T             binary, multiclass or regression (default: inferred)\n"
    "      --threshold X        binary scores: positive when score >= X (default 0.5)\n"
    "      --pos-label L        binary: the positive class (default: 1, true or yes)\n"
    "      --classes A,B,...    declare the classes; a label outside them is an error\n"
    "                           (default: the labels seen)\n"
    "      --proba CLASS=COL    multiclass: COL holds P(CLASS); repeat for every class\n"
    "                           (--prediction is then optional: the most probable class)\n"
    "      --top-k K            multiclass with --proba: top-k accuracy\n"
    "      --sensitive COL      fairness across the groups of COL (binary tasks; repeatable)\n"
    "      --intersections      with several --sensitive: also their crossed groups\n"
    "      --reference-group G  group the others are compared with (default: the largest)\n"
    "      --min-group-size N   smaller groups are reported but not compared (default 30)\n"
    "      --curve-points N     points kept per ROC/PR curve (default 201)\n"
    "      --calibration-bins N bins of the calibration curve and ECE (default 10)\n"
    "  -f, --format FMT         text (default) or json\n"
    "  -o, --output FILE        write the report to FILE instead of standard output\n"
    "      --html FILE          also write a self-contained HTML page to FILE: metrics,\n"
    "                           confusion matrix, curves, fairness (docs/report.md)\n"
    "      --sep C              CSV separator (as for `vigia profile`)\n"
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 evaluated, 2 usage error or bad input\n";

/* Shared with compare: the model flags and what they fill. */
enum {
    OPT_TASK = 400,
    OPT_THRESHOLD_M,
    OPT_POS_LABEL,
    OPT_CLASSES,
    OPT_PROBA,
    OPT_TOP_K,
    OPT_SENSITIVE_M,
    OPT_INTERSECTIONS,
    OPT_REFERENCE_GROUP,
    OPT_MIN_GROUP_SIZE,
    OPT_CURVE_POINTS,
    OPT_CAL_BINS,
    OPT_HTML_E
};

int vg_cli_parse_task(const char *arg, vg_task *t) {
    if (!strcmp(arg, "binary"))
        *t = VG_TASK_BINARY;
    else if (!strcmp(arg, "multiclass"))
        *t = VG_TASK_MULTICLASS;
    else if (!strcmp(arg, "regression"))
        *t = VG_TASK_REGRESSION;
    else
        return vg_cli_error("--task: '%s' is not one of: binary, multiclass, regression", arg);
    return VG_EXIT_OK;
}

int vg_cli_model_args_init(vg_cli_model_args *m, int argc) {
    memset(m, 0, sizeof *m);
    vg_eval_options_init(&m->eo);
    size_t cap = (size_t)argc + 1;
    m->sensitive = calloc(cap, sizeof *m->sensitive);
    m->proba = calloc(cap, sizeof *m->proba);
    if (!m->sensitive || !m->proba)
        return vg_cli_error("out of memory");
    m->eo.sensitive = m->sensitive;
    m->eo.proba = m->proba;
    return VG_EXIT_OK;
}

void vg_cli_model_args_free(vg_cli_model_args *m) {
    free(m->sensitive);
    free(m->proba);
    free(m->classes);
    free(m->classes_buf);
}

int vg_cli_model_option(vg_cli_model_args *m, const char *flag, const char *arg) {
    vg_eval_options *o = &m->eo;
    unsigned long long v;
    if (!strcmp(flag, "task"))
        return vg_cli_parse_task(arg, &o->task);
    if (!strcmp(flag, "threshold") || !strcmp(flag, "score-threshold")) {
        char *end;
        errno = 0;
        double x = strtod(arg, &end);
        if (!*arg || *end || errno || !(x >= 0 && x <= 1))
            return vg_cli_error("--%s: '%s' is not a number between 0 and 1", flag, arg);
        o->threshold = x;
        m->threshold_set = 1;
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "pos-label")) {
        o->pos_label = arg;
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "classes")) {
        free(m->classes);
        free(m->classes_buf);
        size_t n = 1;
        for (const char *s = arg; *s; s++)
            n += *s == ',';
        m->classes_buf = strdup(arg);
        m->classes = calloc(n, sizeof *m->classes);
        if (!m->classes_buf || !m->classes)
            return vg_cli_error("out of memory");
        size_t k = 0;
        for (char *s = m->classes_buf, *next; s; s = next) {
            next = strchr(s, ',');
            if (next)
                *next++ = '\0';
            if (!*s)
                return vg_cli_error("--classes: empty class name in '%s'", arg);
            m->classes[k++] = s;
        }
        o->classes = (const char *const *)m->classes;
        o->n_classes = k;
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "proba")) {
        const char *eq = strrchr(arg, '=');
        if (!eq || eq == arg || !eq[1])
            return vg_cli_error("--proba: '%s' is not CLASS=COLUMN", arg);
        /* the argument stays alive (argv): split it in place */
        ((char *)arg)[eq - arg] = '\0';
        m->proba[o->n_proba++] = (vg_eval_proba){arg, eq + 1};
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "top-k")) {
        if (vg_cli_uint("--top-k", arg, 1, 1000000, &v))
            return VG_EXIT_ERROR;
        o->top_k = (uint32_t)v;
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "sensitive")) {
        m->sensitive[o->n_sensitive++] = arg;
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "reference-group")) {
        o->reference_group = arg;
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "min-group-size")) {
        if (vg_cli_uint("--min-group-size", arg, 0, (unsigned long long)1 << 62, &v))
            return VG_EXIT_ERROR;
        o->min_group_size = v;
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "curve-points")) {
        if (vg_cli_uint("--curve-points", arg, 2, 1000000, &v))
            return VG_EXIT_ERROR;
        o->curve_points = (size_t)v;
        return VG_EXIT_OK;
    }
    if (!strcmp(flag, "calibration-bins")) {
        if (vg_cli_uint("--calibration-bins", arg, 1, 1000, &v))
            return VG_EXIT_ERROR;
        o->calibration_bins = (size_t)v;
        return VG_EXIT_OK;
    }
    return vg_cli_error("unknown model option --%s", flag);
}

/* Checks that the flags fit together (before any file is read). */
int vg_cli_model_check(const vg_cli_model_args *m, const char *cmd) {
    const vg_eval_options *o = &m->eo;
    if (o->top_k && !o->n_proba)
        return vg_cli_error("%s: --top-k needs the per-class probabilities (--proba)", cmd);
    if (o->intersections && o->n_sensitive < 2)
        return vg_cli_error("%s: --intersections needs at least two --sensitive columns", cmd);
    return VG_EXIT_OK;
}

int vg_cli_evaluate(int argc, char **argv) {
    static const struct option longopts[] = {
        {"target", required_argument, NULL, 't'},
        {"prediction", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"sep", required_argument, NULL, OPT_SEP},
        {"task", required_argument, NULL, OPT_TASK},
        {"threshold", required_argument, NULL, OPT_THRESHOLD_M},
        {"pos-label", required_argument, NULL, OPT_POS_LABEL},
        {"classes", required_argument, NULL, OPT_CLASSES},
        {"proba", required_argument, NULL, OPT_PROBA},
        {"top-k", required_argument, NULL, OPT_TOP_K},
        {"sensitive", required_argument, NULL, OPT_SENSITIVE_M},
        {"intersections", no_argument, NULL, OPT_INTERSECTIONS},
        {"reference-group", required_argument, NULL, OPT_REFERENCE_GROUP},
        {"min-group-size", required_argument, NULL, OPT_MIN_GROUP_SIZE},
        {"curve-points", required_argument, NULL, OPT_CURVE_POINTS},
        {"calibration-bins", required_argument, NULL, OPT_CAL_BINS},
        {"html", required_argument, NULL, OPT_HTML_E},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    vg_cli_model_args m;
    vg_read_options ro;
    vg_read_options_default(&ro);
    const char *output = NULL, *html = NULL;
    int json = 0, opt, rc = VG_EXIT_OK;
    if (vg_cli_model_args_init(&m, argc) != VG_EXIT_OK) {
        vg_cli_model_args_free(&m);
        return VG_EXIT_ERROR;
    }
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":t:p:f:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 't': m.eo.target = optarg; break;
        case 'p': m.eo.prediction = optarg; break;
        case 'o': output = optarg; break;
        case OPT_HTML_E: html = optarg; break;
        case 'f': rc = vg_cli_format(optarg, &json); break;
        case OPT_SEP: rc = vg_cli_separator(optarg, &ro.separator); break;
        case OPT_INTERSECTIONS: m.eo.intersections = 1; break;
        case 'h':
            fputs(help, stdout);
            vg_cli_model_args_free(&m);
            return VG_EXIT_OK;
        case ':':
        case '?': rc = vg_cli_bad_option("evaluate", opt, argv); break;
        default:
            for (const struct option *lo = longopts; lo->name; lo++)
                if (lo->val == opt)
                    rc = vg_cli_model_option(&m, lo->name, optarg);
        }
        if (rc != VG_EXIT_OK) {
            vg_cli_model_args_free(&m);
            return rc;
        }
    }
    if (optind != argc - 1 || !m.eo.target || (!m.eo.prediction && !m.eo.n_proba)) {
        fputs(help, stderr);
        vg_cli_model_args_free(&m);
        if (optind > argc - 1)
            return vg_cli_error("evaluate: which file? (vigia evaluate DATA ...)");
        if (optind < argc - 1)
            return vg_cli_error("evaluate: unexpected argument '%s'", argv[optind + 1]);
        return vg_cli_error("evaluate: --target and --prediction (or --proba) are required");
    }
    if (vg_cli_model_check(&m, "evaluate") != VG_EXIT_OK) {
        vg_cli_model_args_free(&m);
        return VG_EXIT_ERROR;
    }
    const char *path = argv[optind];
    vg_error err;
    vg_error_clear(&err);
    vg_eval_data *d = NULL;
    vg_eval_plan plan;
    vg_eval_result *res = NULL;
    json_t *root = NULL;
    memset(&plan, 0, sizeof plan);
    if (vg_eval_load(path, &ro, &m.eo, 0, &d, &err) != VG_OK ||
        vg_eval_plan_make((const vg_eval_data *const *)&d, 1, &m.eo, &plan, &err) != VG_OK ||
        vg_eval_compute(d, &plan, &m.eo, 0, &res, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
        goto out;
    }
    if (html) { /* written first: a failure leaves no partial report behind */
        FILE *h = fopen(html, "w");
        if (!h) {
            rc = vg_cli_error("%s: cannot create: %s", html, strerror(errno));
            goto out;
        }
        int hrc = vg_eval_html(res, h, &err);
        if (fclose(h) != 0 && hrc == VG_OK)
            hrc = vg_error_set(&err, VG_ERR_IO, "write failed");
        if (hrc != VG_OK) {
            remove(html);
            rc = vg_cli_error("%s: %s", html, err.msg);
            goto out;
        }
    }
    FILE *f = output ? fopen(output, "w") : stdout;
    if (!f) {
        rc = vg_cli_error("%s: cannot create: %s", output, strerror(errno));
        goto out;
    }
    if (json) {
        int oom = 0;
        root = json_object();
        if (!root)
            oom = 1;
        else {
            json_object_set_new(root, "vigia_version", json_string(vg_version()));
            json_object_set_new(root, "data", json_string(path));
            json_object_set_new(root, "target", json_string(m.eo.target));
            json_object_set_new(root, "prediction",
                                m.eo.prediction ? json_string(m.eo.prediction) : json_null());
        }
        char *text = NULL;
        if (!oom && vg_eval_json(res, root, &err) == VG_OK)
            text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text) {
            fputs(text, f);
            fputc('\n', f);
            free(text);
        } else {
            rc = vg_cli_error("%s", err.msg[0] ? err.msg : "out of memory rendering JSON");
        }
    } else if (vg_eval_text(res, f, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
    }
    if ((output ? fclose(f) : fflush(f)) != 0 && rc == VG_EXIT_OK)
        rc = vg_cli_error("%s: write failed", output ? output : "standard output");
out:
    json_decref(root);
    vg_eval_result_free(res);
    vg_eval_plan_free(&plan);
    vg_eval_data_free(d);
    vg_cli_model_args_free(&m);
    return rc;
}
