/*
 * libvigia: ML model monitoring as a C library. This umbrella header includes the whole
 * public API; each included header documents one concern.
 */
#ifndef VIGIA_H
#define VIGIA_H

#include "vigia/alert.h"
#include "vigia/check.h"
#include "vigia/compare.h"
#include "vigia/config.h"
#include "vigia/drift.h"
#include "vigia/error.h"
#include "vigia/estimate.h"
#include "vigia/evaluate.h"
#include "vigia/fairness.h"
#include "vigia/freq.h"
#include "vigia/hll.h"
#include "vigia/ingest.h"
#include "vigia/kll.h"
#include "vigia/moments.h"
#include "vigia/monitor.h"
#include "vigia/perf.h"
#include "vigia/pii.h"
#include "vigia/profile.h"
#include "vigia/quality.h"
#include "vigia/reader.h"
#include "vigia/report.h"
#include "vigia/stats.h"
#include "vigia/stattests.h"
#include "vigia/version.h"

#endif
