/* spc.c: a result's series as an XmR chart, exactly as std.spc works it out.
 *
 * stdlib/std/spc.pledge is the definition; this is the same arithmetic on
 * the same Values, in the same order (its moving ranges summed from the
 * last one back, as its recursion does), so an exact rational gives the same
 * rational and a value that overflowed to binary floating point the same
 * double. tests/assess/spc.cases compares the two on the real data. Kept in
 * C because a round need not import std.spc for its report to have charts. */
#include "engine/spc.h"
#include <string.h>

static Value constant(const char *decimal)
{
    Num n;
    num_parse_decimal(decimal, strlen(decimal), 0, &n);
    return val_num(n, T_NUMBER);
}

static Value count_value(size_t n) { return val_num(num_int((int64_t)n), T_COUNT); }

static bool test(Cmp cmp, Value a, Value b)
{
    Value t = val_test(cmp, a, b);
    return t.kind == V_BOOL && t.as.boolean;
}

/* std.spc's runs: the longest run of points beyond `level` on one side
 * (side CMP_GT above, CMP_LT below), of points each beyond the one before,
 * and whether two of three points in a row are beyond `level`. */
static size_t longest_beyond(const Value *ys, size_t n, Cmp side, Value level)
{
    size_t run = 0, best = 0;
    for (size_t i = 0; i < n; i++) {
        run = test(side, ys[i], level) ? run + 1 : 0;
        if (run > best) best = run;
    }
    return best;
}

static size_t longest_trend(const Value *ys, size_t n, Cmp side)
{
    size_t run = 1, best = 1;
    for (size_t i = 1; i < n; i++) {
        run = test(side, ys[i], ys[i - 1]) ? run + 1 : 1;
        if (run > best) best = run;
    }
    return best;
}

static bool two_of_three(const Value *ys, size_t n, Cmp side, Value level)
{
    for (size_t i = 2; i < n; i++)
        if (test(side, ys[i - 2], level) + test(side, ys[i - 1], level) + test(side, ys[i], level) >= 2) return true;
    return false;
}

typedef struct Chart { Value mean, upper, lower, sigma; } Chart;

/* high_with / low_with: a special cause on one side, with the run lengths
 * shift_points (7) and trend_points (6). */
static bool special(const Value *ys, size_t n, const Chart *c, bool high)
{
    Cmp side = high ? CMP_GT : CMP_LT;
    Value extreme = ys[0];
    for (size_t i = 1; i < n; i++)
        if (test(side, ys[i], extreme)) extreme = ys[i];
    Value two_sigma = val_arith(AR_MUL, count_value(2), c->sigma);
    Value near = val_arith(high ? AR_ADD : AR_SUB, c->mean, two_sigma);
    return test(side, extreme, high ? c->upper : c->lower)
        || longest_beyond(ys, n, side, c->mean) >= 7
        || longest_trend(ys, n, side) >= 6
        || two_of_three(ys, n, side, near);
}

void spc_chart(const ReportPoint *series, size_t nseries, const ReportMark *target, Arena *a, ReportSpc *out)
{
    memset(out, 0, sizeof *out);
    out->centre = out->lower = out->upper = val_missing();
    size_t n = 0;
    for (size_t i = 0; i < nseries; i++) n += val_is_number(series[i].value);
    if (n < SPC_MIN_POINTS) return;
    Value *ys = arena_alloc(a, n * sizeof *ys);
    n = 0;
    for (size_t i = 0; i < nseries; i++)
        if (val_is_number(series[i].value)) ys[n++] = series[i].value;

    /* mean(xs): the sum left to right over the count */
    Chart c;
    Value total = ys[0];
    for (size_t i = 1; i < n; i++) total = val_arith(AR_ADD, total, ys[i]);
    c.mean = val_arith(AR_DIV, total, count_value(n));
    c.mean.unit = total.unit;
    /* mean_moving_range: abs(y2 - y1) + (abs(y3 - y2) + (... + 0)) over count - 1 */
    Value ranges = val_num(num_int(0), T_NUMBER);
    for (size_t i = n; i-- > 1;) {
        Value d = val_arith(AR_SUB, ys[i], ys[i - 1]);
        if (test(CMP_LT, d, val_num(num_int(0), d.unit))) {
            TypeKind unit = d.unit;
            d = val_neg(d);
            d.unit = unit;
        }
        ranges = val_arith(AR_ADD, d, ranges);
    }
    Value mr = val_arith(AR_DIV, ranges, count_value(n - 1));
    Value spread = val_arith(AR_MUL, constant("2.66"), mr);
    c.upper = val_arith(AR_ADD, c.mean, spread);
    c.lower = val_arith(AR_SUB, c.mean, spread);
    c.sigma = val_arith(AR_DIV, mr, constant("1.128"));
    if (!val_is_number(c.upper) || !val_is_number(c.lower)) return;

    out->centre = c.mean;
    out->upper = c.upper;
    out->lower = c.lower;
    out->points = (uint32_t)n;
    out->lower_better = target && (target->cmp == CMP_LE || target->cmp == CMP_LT);

    /* variation: special causes on one side; on both, the latest point's side */
    bool high = special(ys, n, &c, true), low = special(ys, n, &c, false);
    bool up = high && low ? test(CMP_GE, ys[n - 1], c.mean) : high;
    const char *better = out->lower_better ? "concerning" : "improving";
    const char *worse = out->lower_better ? "improving" : "concerning";
    out->variation = !high && !low ? "common cause" : up ? better : worse;

    /* assurance against the target, when there is one to judge by */
    if (!target || !val_is_number(target->threshold)) return;
    Value t = target->threshold;
    bool meets = out->lower_better ? test(CMP_LT, c.upper, t) : test(CMP_GT, c.lower, t);
    bool fails = out->lower_better ? test(CMP_GT, c.lower, t) : test(CMP_LT, c.upper, t);
    out->assurance = meets ? "consistently meets" : fails ? "consistently fails" : "hit and miss";
}
