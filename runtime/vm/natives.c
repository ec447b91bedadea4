/* natives.c: built-in functions over lists (the values of across(…) and
 * list literals). Like SQL's aggregates they skip missing items; over no
 * items at all the result is missing (spec §4). Exact numbers stay exact. */
#include "vm/natives.h"
#include <stdlib.h>
#include <string.h>

/* The non-missing items of a list argument. */
static const Value *items(const Value *list, uint32_t *n)
{
    if (list->kind != V_LIST) { *n = 0; return NULL; }
    *n = list->as.list->len;
    return list->as.list->items;
}

static Value n_sum(Arena *a, const Value *args, unsigned nargs)
{
    uint32_t n;
    const Value *v = items(&args[0], &n);
    Value acc = val_missing();
    for (uint32_t i = 0; i < n; i++) {
        if (v[i].kind == V_MISSING) continue;
        acc = acc.kind == V_MISSING ? v[i] : val_arith(AR_ADD, acc, v[i]);
    }
    return acc;
}

static Value n_count(Arena *a, const Value *args, unsigned nargs)
{
    uint32_t n, k = 0;
    const Value *v = items(&args[0], &n);
    for (uint32_t i = 0; i < n; i++) k += v[i].kind != V_MISSING;
    return val_num(num_int(k), T_COUNT);
}

static Value n_mean(Arena *a, const Value *args, unsigned nargs)
{
    Value total = n_sum(a, args, nargs), count = n_count(a, args, nargs);
    if (total.kind == V_MISSING) return total;
    Value m = val_arith(AR_DIV, total, count);
    m.unit = total.unit;        /* the mean of money is money */
    return m;
}

static Value extreme(const Value *args, int want)
{
    uint32_t n;
    const Value *v = items(&args[0], &n);
    Value best = val_missing();
    for (uint32_t i = 0; i < n; i++) {
        bool missing;
        if (v[i].kind == V_MISSING) continue;
        if (best.kind == V_MISSING || val_compare(v[i], best, &missing) == want) best = v[i];
    }
    return best;
}

static Value n_min(Arena *a, const Value *args, unsigned nargs) { return extreme(args, -1); }
static Value n_max(Arena *a, const Value *args, unsigned nargs) { return extreme(args, 1); }

static int cmp_values(const void *x, const void *y)
{
    bool missing;
    return val_compare(*(const Value *)x, *(const Value *)y, &missing);
}

/* The p-quantile of the non-missing items, interpolating linearly between
 * the two nearest ranks (rank p·(n-1), as spreadsheets' PERCENTILE does). */
static Value quantile(Arena *a, const Value *list, Value p)
{
    uint32_t n, k = 0;
    const Value *v = items(list, &n);
    Value *sorted = arena_alloc(a, (n ? n : 1) * sizeof *sorted);
    for (uint32_t i = 0; i < n; i++)
        if (v[i].kind != V_MISSING) sorted[k++] = v[i];
    if (k == 0 || !val_is_number(p)) return val_missing();
    bool missing;
    if (val_compare(p, val_num(num_int(0), T_NUMBER), &missing) < 0 ||
        val_compare(p, val_num(num_int(1), T_NUMBER), &missing) > 0)
        return val_missing();
    qsort(sorted, k, sizeof *sorted, cmp_values);
    Value rank = val_arith(AR_MUL, p, val_num(num_int(k - 1), T_NUMBER));
    double r = val_to_double(rank);
    uint32_t lo = (uint32_t)r;
    if (lo >= k - 1) return sorted[k - 1];
    Value frac = val_arith(AR_SUB, rank, val_num(num_int(lo), T_NUMBER));
    Value step = val_arith(AR_SUB, sorted[lo + 1], sorted[lo]);
    Value out = val_arith(AR_ADD, sorted[lo], val_arith(AR_MUL, step, frac));
    out.unit = sorted[lo].unit;
    return out;
}

static Value n_median(Arena *a, const Value *args, unsigned nargs)
{
    return quantile(a, &args[0], val_num((Num){ 1, 2 }, T_PERCENT));
}

static Value n_percentile(Arena *a, const Value *args, unsigned nargs)
{
    return quantile(a, &args[0], args[1]);
}

static Value n_coalesce(Arena *a, const Value *args, unsigned nargs)
{
    return args[0].kind != V_MISSING ? args[0] : args[1];
}

static Value n_is_missing(Arena *a, const Value *args, unsigned nargs)
{
    return val_bool(args[0].kind == V_MISSING);
}

static Value n_abs(Arena *a, const Value *args, unsigned nargs)
{
    bool missing;
    if (!val_is_number(args[0]) && args[0].kind != V_DURATION) return val_missing();
    Value zero = args[0].kind == V_DURATION ? val_duration(0) : val_num(num_int(0), args[0].unit);
    if (val_compare(args[0], zero, &missing) >= 0) return args[0];
    Value r = val_neg(args[0]);
    r.unit = args[0].unit;
    return r;
}

/* at(xs, i): counting from 1, as people number the points of a chart */
static Value n_at(Arena *a, const Value *args, unsigned nargs)
{
    uint32_t n;
    const Value *v = items(&args[0], &n);
    if (args[1].kind != V_NUM || !num_is_int(args[1].as.num)) return val_missing();
    int64_t i = args[1].as.num.n;
    return i >= 1 && i <= (int64_t)n ? v[i - 1] : val_missing();
}

static Value n_length(Arena *a, const Value *args, unsigned nargs)
{
    uint32_t n;
    items(&args[0], &n);
    return val_num(num_int(n), T_COUNT);
}

/* present(xs): the items that are not missing, in order (a series with
 * months of no data, before the points are counted) */
static Value n_present(Arena *a, const Value *args, unsigned nargs)
{
    uint32_t n, k = 0;
    const Value *v = items(&args[0], &n);
    ValList *l = arena_alloc(a, sizeof *l + ((size_t)n + 1) * sizeof(Value));
    for (uint32_t i = 0; i < n; i++)
        if (v[i].kind != V_MISSING) l->items[k++] = v[i];
    l->len = k;
    Value r = { .kind = V_LIST, .unit = args[0].unit };
    r.as.list = l;
    return r;
}

/* ---- the calendar ---------------------------------------------------------- */

static Value n_start_of(Arena *a, const Value *args, unsigned nargs)
{
    Day from, to;
    return val_window_days(args[0], &from, &to) ? val_period((Period){ GRAIN_DAY, from }) : val_missing();
}

static Value n_end_of(Arena *a, const Value *args, unsigned nargs)
{
    Day from, to;
    return val_window_days(args[0], &from, &to) ? val_period((Period){ GRAIN_DAY, to }) : val_missing();
}

static Value period_of(Value d, Grain g)
{
    Day from, to;
    return val_window_days(d, &from, &to) ? val_period(period_containing(g, from)) : val_missing();
}

static Value n_month_of(Arena *a, const Value *args, unsigned nargs) { return period_of(args[0], GRAIN_MONTH); }
static Value n_quarter_of(Arena *a, const Value *args, unsigned nargs) { return period_of(args[0], GRAIN_QUARTER); }
static Value n_fy_of(Arena *a, const Value *args, unsigned nargs) { return period_of(args[0], GRAIN_FY); }

/* group_gap(values, groups): the compiler lists each group's value; the
 * highest minus the lowest of those with one, missing with fewer than two
 * (one group alone has no gap to another). */
static Value n_group_gap(Arena *a, const Value *args, unsigned nargs)
{
    uint32_t n, have = 0;
    const Value *v = items(&args[0], &n);
    for (uint32_t i = 0; i < n; i++) have += v[i].kind != V_MISSING;
    if (have < 2) return val_missing();
    return val_arith(AR_SUB, extreme(args, 1), extreme(args, -1));
}

const NativeFn native_fns[BI__COUNT] = {
#define BUILTIN(id, name, lo, hi, native, ...) [BI_##id] = native,
#include "base/builtins.def"
#undef BUILTIN
};
