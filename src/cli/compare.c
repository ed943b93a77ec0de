/*
 * `vigia compare --reference REF --current CUR`: drift between two datasets.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "vigia/config.h"
#include "vigia/ingest.h"
#include "vigia/quality.h"

static const char help[] =
    "usage: vigia compare --reference REF --current CUR [options]\n"
    "\n"
    "Compare two datasets column by column (CSV, TSV or NDJSON; columns matched by name):\n"
    "data-quality issues, every applicable drift score, a verdict per column and for the\n"
    "dataset. Raw files give exact tests; when REF or CUR is a .vgp profile (vigia profile),\n"
    "scores come from the sketches, each with its error bound (docs/sketch-compare.md)\n"
    "and no quality section. The default\n"
    "method follows Evidently: reference <= 1000 rows: KS (numeric), z-test (binary),\n"
    "chi-squared (categorical) at p < 0.05; larger: normed Wasserstein (numeric) and\n"
    "Jensen-Shannon distance (categorical) at >= 0.1. Keys: docs/compare.md.\n"
    "\n"
    "options:\n"
    "  -r, --reference FILE   the reference (training or baseline) data (required)\n"
    "  -c, --current FILE     the data to check (required)\n"
    "  -f, --format FMT       text (default) or json\n"
    "  -o, --output FILE      write the report to FILE instead of standard output\n"
    "      --html FILE        also write a self-contained HTML report to FILE (docs/report.md)\n"
    "      --method [SEL=]M   decide with method M: ks, wasserstein, wasserstein_normed,\n"
    "                         psi, jensen_shannon, kl_div, hellinger, anderson_darling,\n"
    "                         cramer_von_mises, energy_distance, t_test, mann_whitney (numeric);\n"
    "                         chi2, z_test, jensen_shannon, psi, tvd, hellinger, kl_div\n"
    "                         (categorical). SEL narrows it: numeric, categorical, or\n"
    "                         column:NAME (repeatable; most specific wins; a method that does\n"
    "                         not apply to a column is passed over, with a note)\n"
    "      --threshold [SEL=]X  p-value (p-value methods: drifted when p < X) or score\n"
    "                         (drifted when score >= X) threshold, narrowed as --method\n"
    "      --drift-share X    dataset drift when this share of columns drifted (default 0.5)\n"
    "      --bins N           bins for PSI, KL, Jensen-Shannon, Hellinger (default 10)\n"
    "      --correction C     none (default), bonferroni or bh (Benjamini-Hochberg): adjust\n"
    "                         the deciding p-values for testing many columns\n"
    "      --ignore COL       leave column COL out (repeatable)\n"
    "      --target COL       the label column: its drift (target drift) is reported apart\n"
    "      --prediction COL   the model output: prediction drift, reported apart\n"
    "      --id COL, --timestamp COL, --sensitive COL\n"
    "                         role columns, not compared as features (repeatable)\n"
    "\n"
    "model quality (with --target and --prediction; raw files only; docs/evaluate.md):\n"
    "both datasets evaluated side by side (as `vigia evaluate`), fairness by each --sensitive\n"
    "column, and for binary scores the current performance estimated without labels (CBPE,\n"
    "fitted on the labelled reference). The current data may lack the target column.\n"
    "      --task T, --pos-label L, --classes A,B, --proba CLASS=COL, --top-k K,\n"
    "      --intersections, --reference-group G, --min-group-size N, --curve-points N,\n"
    "      --calibration-bins N   as for `vigia evaluate`\n"
    "      --score-threshold X  binary scores: positive when score >= X (default 0.5; in\n"
    "                         `vigia evaluate` this is --threshold)\n"
    "\n"
    "other options:\n"
    "      --config FILE      read settings from the `compare:` section of a YAML file\n"
    "                         (docs/config.md); flags given here override it\n"
    "  -j, --threads N        threads (default 2: the two files load in parallel, then the\n"
    "                         columns are scored in parallel)\n"
    "      --sep C            CSV separator (as for `vigia profile`)\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 compared (whatever the verdict), 2 usage error or bad input\n";

static int parse_fraction(const char *flag, const char *arg, double lo, double hi, double *out) {
    char *end;
    double v = strtod(arg, &end);
    if (*arg == '\0' || *end || !(v >= lo && v <= hi))
        return vg_cli_error("%s: '%s' is not a number between %g and %g", flag, arg, lo, hi);
    *out = v;
    return VG_EXIT_OK;
}

enum {
    OPT_METHOD = 300,
    OPT_THRESHOLD,
    OPT_SHARE,
    OPT_BINS,
    OPT_CORRECTION,
    OPT_IGNORE,
    OPT_TARGET,
    OPT_PREDICTION,
    OPT_ID,
    OPT_TIMESTAMP,
    OPT_SENSITIVE,
    OPT_CONFIG,
    OPT_HTML,
    OPT_MODEL /* model flags: their name is looked up in model_opts */
};

static const char *const model_opts[] = {
    "task",  "score-threshold", "pos-label",      "classes",      "proba",
    "top-k", "reference-group", "min-group-size", "curve-points", "calibration-bins"};

typedef struct {
    const char *ref_path, *cur_path, *output, *html;
    int json;
    vg_compare_options co;
    vg_read_options ro;
    const char **ignore;    /* room for one name per argument */
    vg_compare_rule *rules; /* likewise */
    vg_compare_role *roles; /* likewise */
    size_t n_cfg_roles;     /* roles[0 .. n_cfg_roles) came from --config */
    vg_cli_model_args model;
} compare_args;

/* The rule for column `name`, created on first use. */
static vg_compare_rule *rule_for(compare_args *a, const char *name) {
    for (size_t i = 0; i < a->co.n_rules; i++)
        if (strcmp(a->rules[i].column, name) == 0)
            return &a->rules[i];
    vg_compare_rule *r = &a->rules[a->co.n_rules++];
    r->column = name;
    r->method = NULL;
    r->threshold = NAN;
    return r;
}

/* --method [SEL=]M and --threshold [SEL=]X: SEL is numeric, categorical or column:NAME. */
static int set_choice(compare_args *a, const char *flag, const char *arg, int is_method) {
    const char *eq = strchr(arg, '='), *val = eq ? eq + 1 : arg;
    const char *method = NULL;
    double thr = NAN;
    if (is_method && !(method = vg_compare_method_name(val)))
        return vg_cli_error("%s: unknown method '%s' (see `vigia compare --help`)", flag, val);
    if (!is_method && parse_fraction(flag, val, 0, INFINITY, &thr))
        return VG_EXIT_ERROR;
    if (!eq) {
        if (is_method)
            a->co.method = method;
        else
            a->co.threshold = thr;
        return VG_EXIT_OK;
    }
    size_t n = (size_t)(eq - arg);
    if (n == 7 && !strncmp(arg, "numeric", n)) {
        if (is_method)
            a->co.num_method = method;
        else
            a->co.num_threshold = thr;
    } else if (n == 11 && !strncmp(arg, "categorical", n)) {
        if (is_method)
            a->co.cat_method = method;
        else
            a->co.cat_threshold = thr;
    } else if (n > 7 && !strncmp(arg, "column:", 7)) {
        /* the argument stays alive (argv): terminate the name in place */
        ((char *)arg)[n] = '\0';
        vg_compare_rule *r = rule_for(a, arg + 7);
        if (is_method)
            r->method = method;
        else
            r->threshold = thr;
    } else {
        return vg_cli_error("%s: '%.*s' is not numeric, categorical or column:NAME", flag, (int)n,
                            arg);
    }
    return VG_EXIT_OK;
}

/* Returns VG_EXIT_OK, VG_EXIT_ERROR, or -1 when --help was printed. */
static int parse_options(int argc, char **argv, compare_args *a) {
    static const struct option longopts[] = {
        {"reference", required_argument, NULL, 'r'},
        {"current", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"method", required_argument, NULL, OPT_METHOD},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"drift-share", required_argument, NULL, OPT_SHARE},
        {"bins", required_argument, NULL, OPT_BINS},
        {"sep", required_argument, NULL, OPT_SEP},
        {"correction", required_argument, NULL, OPT_CORRECTION},
        {"ignore", required_argument, NULL, OPT_IGNORE},
        {"target", required_argument, NULL, OPT_TARGET},
        {"prediction", required_argument, NULL, OPT_PREDICTION},
        {"id", required_argument, NULL, OPT_ID},
        {"timestamp", required_argument, NULL, OPT_TIMESTAMP},
        {"sensitive", required_argument, NULL, OPT_SENSITIVE},
        {"threads", required_argument, NULL, 'j'},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"html", required_argument, NULL, OPT_HTML},
        {"intersections", no_argument, NULL, OPT_MODEL + 100},
        {"task", required_argument, NULL, OPT_MODEL + 0},
        {"score-threshold", required_argument, NULL, OPT_MODEL + 1},
        {"pos-label", required_argument, NULL, OPT_MODEL + 2},
        {"classes", required_argument, NULL, OPT_MODEL + 3},
        {"proba", required_argument, NULL, OPT_MODEL + 4},
        {"top-k", required_argument, NULL, OPT_MODEL + 5},
        {"reference-group", required_argument, NULL, OPT_MODEL + 6},
        {"min-group-size", required_argument, NULL, OPT_MODEL + 7},
        {"curve-points", required_argument, NULL, OPT_MODEL + 8},
        {"calibration-bins", required_argument, NULL, OPT_MODEL + 9},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int opt;
    unsigned long long bins, threads;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":r:c:f:o:j:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': a->ref_path = optarg; break;
        case 'c': a->cur_path = optarg; break;
        case 'o': a->output = optarg; break;
        case OPT_HTML: a->html = optarg; break;
        case 'f':
            if (vg_cli_format(optarg, &a->json))
                return VG_EXIT_ERROR;
            break;
        case OPT_METHOD:
        case OPT_THRESHOLD:
            if (set_choice(a, opt == OPT_METHOD ? "--method" : "--threshold", optarg,
                           opt == OPT_METHOD))
                return VG_EXIT_ERROR;
            break;
        case 'j':
            if (vg_cli_uint("--threads", optarg, 1, 64, &threads))
                return VG_EXIT_ERROR;
            a->co.threads = (unsigned)threads;
            break;
        case OPT_TARGET:
        case OPT_PREDICTION:
        case OPT_ID:
        case OPT_TIMESTAMP:
        case OPT_SENSITIVE: {
            static const vg_role r[] = {VG_ROLE_TARGET, VG_ROLE_PREDICTION, VG_ROLE_ID,
                                        VG_ROLE_TIMESTAMP, VG_ROLE_SENSITIVE};
            vg_role role = r[opt - OPT_TARGET];
            int single = role == VG_ROLE_TARGET || role == VG_ROLE_PREDICTION;
            /* a flag overrides the config file: drop its entries for this column or role */
            for (size_t i = 0; i < a->n_cfg_roles;)
                if (strcmp(a->roles[i].column, optarg) == 0 ||
                    (single && a->roles[i].role == role)) {
                    memmove(&a->roles[i], &a->roles[i + 1],
                            (a->co.n_roles - i - 1) * sizeof *a->roles);
                    a->co.n_roles--;
                    a->n_cfg_roles--;
                } else {
                    i++;
                }
            for (size_t i = 0; i < a->co.n_roles; i++)
                if (strcmp(a->roles[i].column, optarg) == 0)
                    return vg_cli_error("--%s: column '%s' already has the role %s",
                                        vg_role_name(role), optarg, vg_role_name(a->roles[i].role));
            if (single)
                for (size_t i = 0; i < a->co.n_roles; i++)
                    if (a->roles[i].role == role)
                        return vg_cli_error("--%s: given twice ('%s' and '%s')", vg_role_name(role),
                                            a->roles[i].column, optarg);
            a->roles[a->co.n_roles++] = (vg_compare_role){optarg, role};
            break;
        }
        case OPT_SHARE:
            if (parse_fraction("--drift-share", optarg, 0, 1, &a->co.share_threshold))
                return VG_EXIT_ERROR;
            break;
        case OPT_BINS:
            if (vg_cli_uint("--bins", optarg, 1, 1000000, &bins))
                return VG_EXIT_ERROR;
            a->co.n_bins = (size_t)bins;
            break;
        case OPT_SEP:
            if (vg_cli_separator(optarg, &a->ro.separator))
                return VG_EXIT_ERROR;
            break;
        case OPT_CORRECTION:
            if (!strcmp(optarg, "none"))
                a->co.correction = VG_CORRECTION_NONE;
            else if (!strcmp(optarg, "bonferroni"))
                a->co.correction = VG_CORRECTION_BONFERRONI;
            else if (!strcmp(optarg, "bh"))
                a->co.correction = VG_CORRECTION_BH;
            else
                return vg_cli_error("--correction: '%s' is not one of: none, bonferroni, bh",
                                    optarg);
            break;
        case OPT_IGNORE: a->ignore[a->co.n_ignore++] = optarg; break;
        case OPT_CONFIG: break; /* read before the other flags (see load_config) */
        case 'h': fputs(help, stdout); return -1;
        case OPT_MODEL + 100: a->model.eo.intersections = 1; break;
        default:
            if (opt >= OPT_MODEL &&
                opt < OPT_MODEL + (int)(sizeof model_opts / sizeof *model_opts)) {
                const char *name = model_opts[opt - OPT_MODEL];
                if (vg_cli_model_option(&a->model, name, optarg) != VG_EXIT_OK)
                    return VG_EXIT_ERROR;
                break;
            }
            return vg_cli_bad_option("compare", opt, argv);
        }
    }
    return VG_EXIT_OK;
}

/* --config FILE: read first, so that flags override it wherever they appear. The file's
 * rules, roles and ignored columns are copied into the argument arrays (sized argc + the
 * file's counts), where flags can add to them. */
static int load_config(int argc, char **argv, compare_args *a, vg_config **cfg) {
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            path = argv[++i];
        else if (!strncmp(argv[i], "--config=", 9))
            path = argv[i] + 9;
    }
    size_t extra = 0;
    vg_error err;
    vg_error_clear(&err);
    if (path) {
        if (vg_config_load(path, cfg, &err) != VG_OK)
            return vg_cli_error("%s", err.msg);
        vg_compare_options o;
        vg_compare_options_default(&o);
        vg_config_compare_options(*cfg, &o);
        extra = o.n_rules + o.n_roles + o.n_ignore;
    }
    size_t cap = (size_t)argc + extra + 1;
    a->ignore = calloc(cap, sizeof *a->ignore);
    a->rules = calloc(cap, sizeof *a->rules);
    a->roles = calloc(cap, sizeof *a->roles);
    if (!a->ignore || !a->rules || !a->roles)
        return vg_cli_error("out of memory");
    if (*cfg) {
        vg_config_compare_options(*cfg, &a->co);
        /* a section without rules, roles or ignored columns leaves those NULL: memcpy from
         * NULL is undefined even for 0 bytes */
        if (a->co.n_rules)
            memcpy(a->rules, a->co.rules, a->co.n_rules * sizeof *a->rules);
        if (a->co.n_roles)
            memcpy(a->roles, a->co.roles, a->co.n_roles * sizeof *a->roles);
        if (a->co.n_ignore)
            memcpy(a->ignore, a->co.ignore, a->co.n_ignore * sizeof *a->ignore);
        a->n_cfg_roles = a->co.n_roles;
    }
    a->co.ignore = a->ignore;
    a->co.rules = a->rules;
    a->co.roles = a->roles;
    return VG_EXIT_OK;
}

typedef struct {
    const char *path;
    const vg_read_options *ro;
    vg_samples *out;
    vg_error err;
    int rc;
} load_job;

static void *load_thread(void *arg) {
    load_job *j = arg;
    j->rc = vg_samples_load(j->path, j->ro, &j->out, &j->err);
    return NULL;
}

/* Loads both files, in parallel when threads > 1; on failure, the first file's error wins. */
static int load_both(const char *ref_path, const char *cur_path, const vg_read_options *ro,
                     unsigned threads, vg_samples **ref, vg_samples **cur, vg_error *err) {
    load_job j[2] = {{ref_path, ro, NULL, {0}, 0}, {cur_path, ro, NULL, {0}, 0}};
    pthread_t t;
    int started = threads > 1 && pthread_create(&t, NULL, load_thread, &j[1]) == 0;
    load_thread(&j[0]);
    if (started)
        pthread_join(t, NULL);
    else
        load_thread(&j[1]);
    *ref = j[0].out;
    *cur = j[1].out;
    for (int i = 0; i < 2; i++)
        if (j[i].rc != VG_OK) {
            *err = j[i].err;
            return j[i].rc;
        }
    return VG_OK;
}

typedef struct {
    const vg_samples *ref, *cur;
    const vg_quality_options *o;
    vg_quality_result *out;
    vg_error err;
    int rc;
} quality_job;

static void *quality_thread(void *arg) {
    quality_job *j = arg;
    j->rc = vg_quality_compare(j->ref, j->cur, j->o, &j->out, &j->err);
    return NULL;
}

/* --html FILE: the page is written beside the text or JSON report. */
static int write_html(const char *path, const vg_compare_report *rep) {
    FILE *f = fopen(path, "w");
    if (!f)
        return vg_cli_error("%s: cannot create: %s", path, strerror(errno));
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_report_compare_html(rep, f, &err);
    if (fclose(f) != 0 && rc == VG_OK)
        rc = vg_error_set(&err, VG_ERR_IO, "write failed");
    if (rc != VG_OK) {
        remove(path);
        return vg_cli_error("%s: %s", path, err.msg);
    }
    return VG_EXIT_OK;
}

/* The model section: both files evaluated with one plan, and CBPE when it applies. */
typedef struct {
    vg_eval_data *ref, *cur;
    vg_eval_plan plan;
    vg_eval_result *ref_res, *cur_res;
    vg_estimate_result *est;
    vg_eval_comparison cmp;
} model_section;

static void model_free(model_section *m) {
    vg_estimate_result_free(m->est);
    vg_eval_result_free(m->ref_res);
    vg_eval_result_free(m->cur_res);
    vg_eval_plan_free(&m->plan);
    vg_eval_data_free(m->ref);
    vg_eval_data_free(m->cur);
}

/* Runs when --target and --prediction (or --proba) name the model's columns, from flags or
 * the config file; the --sensitive roles give the fairness groupings. */
static int model_compute(compare_args *a, const char *ref_path, const char *cur_path,
                         const vg_read_options *ro, model_section *m, vg_error *err) {
    vg_eval_options *o = &a->model.eo;
    for (size_t i = 0; i < a->co.n_roles; i++) {
        const vg_compare_role *r = &a->co.roles[i];
        if (r->role == VG_ROLE_TARGET)
            o->target = r->column;
        else if (r->role == VG_ROLE_PREDICTION)
            o->prediction = r->column;
        else if (r->role == VG_ROLE_SENSITIVE)
            a->model.sensitive[o->n_sensitive++] = r->column;
    }
    if (!o->target || (!o->prediction && !o->n_proba)) {
        if (o->n_proba || o->task != VG_TASK_AUTO || o->pos_label || o->n_classes)
            return vg_error_set(err, VG_ERR_INVALID,
                                "compare: the model flags need --target and --prediction");
        return VG_OK;
    }
    if (!strcmp(ref_path, "-") || !strcmp(cur_path, "-"))
        return vg_error_set(err, VG_ERR_INVALID,
                            "compare: the model section reads the files again: give files, not "
                            "standard input");
    int rc;
    if ((rc = vg_eval_load(ref_path, ro, o, 0, &m->ref, err)) != VG_OK ||
        (rc = vg_eval_load(cur_path, ro, o, 1, &m->cur, err)) != VG_OK)
        return rc;
    const vg_eval_data *both[2] = {m->ref, m->cur};
    if ((rc = vg_eval_plan_make(both, 2, o, &m->plan, err)) != VG_OK ||
        (rc = vg_eval_compute(m->ref, &m->plan, o, 0, &m->ref_res, err)) != VG_OK ||
        (rc = vg_eval_compute(m->cur, &m->plan, o, 1, &m->cur_res, err)) != VG_OK)
        return rc;
    m->cmp.reference = m->ref_res;
    m->cmp.current = m->cur_res;
    if (m->plan.task == VG_TASK_BINARY && m->plan.scores) {
        if ((rc = vg_eval_estimate(m->ref, m->cur, &m->plan, o, &m->est, err)) != VG_OK)
            return rc;
        m->cmp.estimated = m->est;
    } else {
        snprintf(m->cmp.estimate_note, sizeof m->cmp.estimate_note,
                 "label-free estimation (CBPE) needs a binary task with probability scores; "
                 "this is %s with %s",
                 vg_task_name(m->plan.task),
                 m->plan.task == VG_TASK_REGRESSION ? "values"
                 : m->plan.proba                    ? "probability columns"
                                                    : "labels");
    }
    return VG_OK;
}

int vg_cli_compare(int argc, char **argv) {
    compare_args a;
    memset(&a, 0, sizeof a);
    vg_compare_options_default(&a.co);
    vg_read_options_default(&a.ro);
    a.co.threads = 2;
    vg_config *cfg = NULL;
    if (vg_cli_model_args_init(&a.model, argc) != VG_EXIT_OK ||
        load_config(argc, argv, &a, &cfg) != VG_EXIT_OK) {
        vg_cli_model_args_free(&a.model);
        free(a.ignore);
        free(a.rules);
        free(a.roles);
        vg_config_free(cfg);
        return VG_EXIT_ERROR;
    }
    int prc = parse_options(argc, argv, &a);
    if (prc == VG_EXIT_OK && vg_cli_model_check(&a.model, "compare") != VG_EXIT_OK)
        prc = VG_EXIT_ERROR;
    if (prc != VG_EXIT_OK) {
        vg_cli_model_args_free(&a.model);
        free(a.ignore);
        free(a.rules);
        free(a.roles);
        vg_config_free(cfg);
        return prc < 0 ? VG_EXIT_OK : prc;
    }
    const char *ref_path = a.ref_path, *cur_path = a.cur_path, *output = a.output;
    int json = a.json;
    vg_compare_options co = a.co;
    vg_read_options ro = a.ro;
    if (!ref_path || !cur_path || optind != argc) {
        fputs(help, stderr);
        vg_cli_model_args_free(&a.model);
        free(a.ignore);
        free(a.rules);
        free(a.roles);
        vg_config_free(cfg);
        return vg_cli_error(optind != argc ? "compare: unexpected argument '%s'"
                                           : "compare: --reference and --current are required%s",
                            optind != argc ? argv[optind] : "");
    }
    vg_error err;
    vg_error_clear(&err);
    vg_samples *ref = NULL, *cur = NULL;
    vg_profile *pref = NULL, *pcur = NULL;
    vg_compare_result *res = NULL;
    vg_quality_result *quality = NULL;
    model_section model;
    memset(&model, 0, sizeof model);
    int rc = VG_EXIT_OK;
    int sketch = vg_profile_file_is_vgp(ref_path) || vg_profile_file_is_vgp(cur_path);
    if (sketch) {
        /* a raw file beside a profile is profiled with the profile's sketch settings */
        if (vg_profile_file_is_vgp(ref_path) && !(pref = vg_profile_load(ref_path, &err))) {
            rc = vg_cli_error("%s", err.msg);
            goto out;
        }
        if (vg_profile_file_is_vgp(cur_path) ? !(pcur = vg_profile_load(cur_path, &err))
                                 : vg_profile_file(cur_path, &ro, &pref->opts, co.threads, &pcur,
                                                   NULL, &err) != VG_OK) {
            rc = vg_cli_error("%s", err.msg);
            goto out;
        }
        if (!pref &&
            vg_profile_file(ref_path, &ro, &pcur->opts, co.threads, &pref, NULL, &err) != VG_OK) {
            rc = vg_cli_error("%s", err.msg);
            goto out;
        }
        if (pref->rows == 0 || pcur->rows == 0) {
            rc = vg_cli_error("%s: no data rows", pref->rows == 0 ? ref_path : cur_path);
            goto out;
        }
        if (vg_compare_profiles(pref, pcur, &co, &res, &err) != VG_OK) {
            rc = vg_cli_error("%s", err.msg);
            goto out;
        }
    } else {
        if (load_both(ref_path, cur_path, &ro, co.threads, &ref, &cur, &err) != VG_OK) {
            rc = vg_cli_error("%s", err.msg);
            goto out;
        }
        if (vg_samples_rows(ref) == 0 || vg_samples_rows(cur) == 0) {
            rc = vg_cli_error("%s: no data rows", vg_samples_rows(ref) == 0 ? ref_path : cur_path);
            goto out;
        }
        vg_quality_options qo;
        vg_quality_options_default(&qo);
        qo.ignore = co.ignore;
        qo.n_ignore = co.n_ignore;
        /* ids and timestamps are new in every batch: no unseen or out-of-range warnings */
        const char **novel = calloc(co.n_roles + 1, sizeof *novel);
        if (!novel) {
            rc = vg_cli_error("out of memory");
            goto out;
        }
        for (size_t i = 0; i < co.n_roles; i++)
            if (co.roles[i].role == VG_ROLE_ID || co.roles[i].role == VG_ROLE_TIMESTAMP)
                novel[qo.n_novel++] = co.roles[i].column;
        qo.novel = novel;
        /* the quality checks read the same samples: they run beside the drift scoring */
        quality_job qj = {ref, cur, &qo, NULL, {0}, VG_OK};
        pthread_t qt;
        int threaded = co.threads > 1 && pthread_create(&qt, NULL, quality_thread, &qj) == 0;
        int crc = vg_compare_samples(ref, cur, &co, &res, &err);
        if (threaded)
            pthread_join(qt, NULL);
        else
            quality_thread(&qj);
        quality = qj.out;
        if (crc == VG_OK && qj.rc != VG_OK) {
            crc = qj.rc;
            err = qj.err;
        }
        free(novel);
        if (crc != VG_OK) {
            rc = vg_cli_error("%s", err.msg);
            goto out;
        }
        if (model_compute(&a, ref_path, cur_path, &ro, &model, &err) != VG_OK) {
            rc = vg_cli_error("%s", err.msg);
            goto out;
        }
    }
    vg_compare_report rep = {ref_path, cur_path, sketch ? "sketch" : "exact",
                             res,      quality,  model.ref_res ? &model.cmp : NULL};
    /* the page first: when it cannot be written, nothing else is */
    if (a.html && (rc = write_html(a.html, &rep)) != VG_EXIT_OK)
        goto out;
    FILE *f = output ? fopen(output, "w") : stdout;
    if (!f) {
        rc = vg_cli_error("%s: cannot create", output);
        goto out;
    }
    if (json) {
        char *text = vg_report_compare_json(&rep, &err);
        if (text) {
            fputs(text, f);
            fputc('\n', f);
            free(text);
        } else {
            rc = vg_cli_error("%s", err.msg);
        }
    } else if (vg_report_compare_text(&rep, f, &err) != VG_OK) {
        rc = vg_cli_error("%s", err.msg);
    }
    if ((output ? fclose(f) : fflush(f)) != 0 && rc == VG_EXIT_OK)
        rc = vg_cli_error("%s: write failed", output ? output : "standard output");
out:
    model_free(&model);
    vg_cli_model_args_free(&a.model);
    vg_compare_result_free(res);
    vg_quality_result_free(quality);
    vg_samples_free(ref);
    vg_samples_free(cur);
    vg_profile_free(pref);
    vg_profile_free(pcur);
    free(a.ignore);
    free(a.rules);
    free(a.roles);
    vg_config_free(cfg);
    return rc;
}
