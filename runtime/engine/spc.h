/* spc.h: statistical process control of a result's series (std.spc's XmR
 * chart and verdicts, worked out once for every report format). */
#ifndef PLEDGE_SPC_H
#define PLEDGE_SPC_H
#include "engine/results.h"

/* The chart of the series' values (missing ones left out) against the
 * target (NULL: no assurance verdict); nothing (centre missing) under
 * SPC_MIN_POINTS values. Scratch space from `a`. */
void spc_chart(const ReportPoint *series, size_t nseries, const ReportMark *target, Arena *a, ReportSpc *out);

#endif
