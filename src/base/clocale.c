/*
 * A lazily created "C" locale object (see clocale.h).
 */
#include "clocale.h"

#include <pthread.h>

static locale_t c_locale;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void create(void) {
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

locale_t vg_c_locale(void) {
    pthread_once(&once, create);
    return c_locale;
}
