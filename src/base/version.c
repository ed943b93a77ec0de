/* Library version, for programs linked against a shared libvigia. */
#include "vigia/version.h"

const char *vg_version(void) {
    return VG_VERSION;
}
