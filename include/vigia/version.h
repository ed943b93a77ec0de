/*
 * libvigia version. VG_VERSION follows semantic versioning; the .vgp format has its own
 * version number (docs/vgp-format.md), bumped only when old readers cannot read new files.
 */
#ifndef VIGIA_VERSION_H
#define VIGIA_VERSION_H

#define VG_VERSION_MAJOR 0
#define VG_VERSION_MINOR 1
#define VG_VERSION_PATCH 0
#define VG_VERSION "0.1.0"

const char *vg_version(void);

#endif
