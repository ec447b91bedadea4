/* needed.h: what it would take a commitment's measure to reach its
 * threshold (issue 15, `needed`).
 *
 * A measure's shape is read once from its bytecode: the value is
 * c0 + c1 * N / D (a ratio of two sums, as the four-hour standard
 * `1 - sum(breaches) / sum(attendances)`), or c0 + c1 * A (a sum, or a mean),
 * with c0 and c1 constants and N, D, A aggregates of the feeds. For a result
 * short of its line, the change in N (D held), in A's total, or in the mean
 * that would put the value on the line is then exact arithmetic on the
 * window's totals. Any other shape has no `needed`, and a reason. */
#ifndef PLEDGE_NEEDED_H
#define PLEDGE_NEEDED_H
#include "vm/bytecode.h"
#include "base/value.h"

typedef enum NeededShape { NEEDED_NONE, NEEDED_RATIO, NEEDED_SUM, NEEDED_MEAN } NeededShape;
extern const char *const needed_shape_name[4];     /* NULL, "ratio", "sum", "mean" */

typedef struct NeededForm {
    uint8_t     shape;          /* NeededShape */
    Num         c0, c1;         /* value = c0 + c1 * lever / held (ratio), c0 + c1 * lever (sum, mean) */
    int32_t     lever, held;    /* aggregates (held: ratios only, else -1) */
    const char *reason;         /* NEEDED_NONE: why, a static text */
} NeededForm;

/* The shape of metric fn, from its code and the functions it calls. */
NeededForm needed_form(const BcProgram *p, uint32_t fn);

/* The change in the lever's total (the mean, for a mean) over the window
 * that puts the value on a threshold it must satisfy with cmp, given the
 * window's totals: lever and held (a ratio's denominator; ignored
 * otherwise). Where the lever counts things (`whole`), rounded away from
 * zero to a whole number, and one further for a strict comparison already
 * met at the line. Signed: negative is fewer. Missing for == and !=, a
 * missing total, or a ratio over nothing. The unit is the lever's. */
Value needed_change(const NeededForm *f, Cmp cmp, Value threshold, Value lever, Value held, bool whole);

/* x / n rounded away from zero when whole (a change spread over n periods:
 * each period's share, so that n of them reach the total). */
Value needed_per_period(Value change, uint32_t n, bool whole);

#endif
