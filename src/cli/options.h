/* Long-option codes shared by subcommands (values above any short option character). */
#ifndef VG_CLI_OPTIONS_H
#define VG_CLI_OPTIONS_H

enum {
    OPT_KLL_K = 256,
    OPT_HLL_P,
    OPT_TOP_CAPACITY,
    OPT_SEP,
    OPT_INPUT_FORMAT,
    OPT_SKIP_BAD_ROWS,
    OPT_MAX_RECORD
};

#endif
