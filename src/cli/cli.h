/*
 * The vigia command-line tool: one file per subcommand, main.c only dispatches.
 *
 * Exit status, for every command: 0 success; 1 a check that ran and failed (commands that
 * give verdicts); 2 a usage error or bad input (the message on stderr names the file, line
 * or flag). The library never prints; these files decide what the user sees.
 */
#ifndef VG_CLI_H
#define VG_CLI_H

#include "vigia/vigia.h"

#define VG_EXIT_OK 0
#define VG_EXIT_FAIL 1
#define VG_EXIT_ERROR 2

int vg_cli_profile(int argc, char **argv);
int vg_cli_merge(int argc, char **argv);
int vg_cli_show(int argc, char **argv);
int vg_cli_compare(int argc, char **argv);
int vg_cli_evaluate(int argc, char **argv);
int vg_cli_check(int argc, char **argv);
int vg_cli_suggest(int argc, char **argv);
int vg_cli_serve(int argc, char **argv);
int vg_cli_rules(int argc, char **argv);
int vg_cli_token(int argc, char **argv);
int vg_cli_audit(int argc, char **argv);

/* Shared helpers (common.c) */
int vg_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Parses an unsigned integer option in [lo, hi]; prints an error naming the flag. */
int vg_cli_uint(const char *flag, const char *arg, unsigned long long lo, unsigned long long hi,
                unsigned long long *out);
/* --sep: one character, or "tab" / "\t" */
int vg_cli_separator(const char *arg, char *sep);
/* "text" or "json" */
int vg_cli_format(const char *arg, int *json);
/* Options that shape sketches, shared by commands that build profiles. */
int vg_cli_sketch_option(int opt, const char *arg, vg_profile_options *po);
/* Prints a profile as JSON or text on stdout; reports failures (exit status). */
int vg_cli_print_profile(const vg_profile *p, const char *source, const vg_ingest_stats *stats,
                         int json);
/* Reports an unknown option or a missing value from getopt_long ('?' or ':'). */
int vg_cli_bad_option(const char *cmd, int opt, char **argv);

/* Model-quality flags shared by evaluate and compare (evaluate.c): the options, and the arrays
 * the repeatable flags fill (one slot per argument). */
typedef struct vg_cli_model_args {
    vg_eval_options eo;
    const char **sensitive;
    vg_eval_proba *proba;
    char **classes;
    char *classes_buf;
    int threshold_set;
} vg_cli_model_args;

int vg_cli_model_args_init(vg_cli_model_args *m, int argc);
void vg_cli_model_args_free(vg_cli_model_args *m);
/* Applies flag --NAME ARG ("task", "threshold", "pos-label", "classes", "proba", "top-k",
 * "sensitive", "reference-group", "min-group-size", "curve-points", "calibration-bins"). */
int vg_cli_model_option(vg_cli_model_args *m, const char *name, const char *arg);
int vg_cli_model_check(const vg_cli_model_args *m, const char *cmd);
int vg_cli_parse_task(const char *arg, vg_task *t);

#endif
