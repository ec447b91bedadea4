/* types.c: the unit algebra of §4.
 *
 * number, count and percent are all plain quantities: a count divided by a
 * count is a number, and a number may stand where a percent is wanted (it is
 * a fraction: 0.95 is 95%). Percentage points (pp) are a difference of
 * percents. Money only meets money, or is scaled by a plain quantity. */
#include "base/types.h"
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
    [T_ERROR] = "error", [T_NUMBER] = "number", [T_COUNT] = "count",
    [T_PERCENT] = "percent", [T_PP] = "pp", [T_MONEY] = "money",
    [T_BOOL] = "bool", [T_TEXT] = "text", [T_DATE] = "date",
    [T_MONTH] = "month", [T_QUARTER] = "quarter", [T_FY] = "fy",
    [T_DURATION] = "duration", [T_STATUS] = "status", [T_LIST] = "list",
    [T_COLUMN] = "column", [T_RANGE] = "range", [T_STATUSES] = "statuses",
    [T_CLASS] = "class", [T_NONE] = "none",
};

TypeKind type_by_name(const char *name)
{
    for (int k = T_NUMBER; k <= T_STATUS; k++)
        if (strcmp(kind_names[k], name) == 0) return (TypeKind)k;
    return T_ERROR;
}

const char *type_kind_name(TypeKind k) { return kind_names[k]; }

const char *type_name(Type t, char *buf, unsigned cap)
{
    switch (t.kind) {
    case T_LIST:   snprintf(buf, cap, "[%s]", kind_names[t.elem]); return buf;
    case T_COLUMN: snprintf(buf, cap, "column of %s", kind_names[t.elem]); return buf;
    case T_RANGE:  snprintf(buf, cap, "range of %s", kind_names[t.elem]); return buf;
    default:       return kind_names[t.kind];
    }
}

bool type_is_numeric(TypeKind k)
{
    return k == T_NUMBER || k == T_COUNT || k == T_PERCENT || k == T_PP ||
           k == T_MONEY || k == T_DURATION;
}

bool type_is_period(TypeKind k)
{
    return k == T_DATE || k == T_MONTH || k == T_QUARTER || k == T_FY;
}

static bool plain(TypeKind k) { return k == T_NUMBER || k == T_COUNT; }

static Type add_sub(TypeOp op, TypeKind a, TypeKind b)
{
    if (a == b) {
        switch (a) {
        case T_NUMBER: case T_COUNT: case T_PP: case T_MONEY: case T_DURATION:
            return TYPE(a);
        case T_PERCENT:
            return TYPE(op == TOP_SUB ? T_PP : T_PERCENT);
        case T_DATE:
            return op == TOP_SUB ? TYPE(T_DURATION) : TYPE(T_ERROR);
        default:
            return TYPE(T_ERROR);
        }
    }
    if (plain(a) && plain(b)) return TYPE(T_NUMBER);
    /* a number is a fraction where a percent is wanted: 1 - ae_4hr */
    if ((a == T_NUMBER && b == T_PERCENT) || (a == T_PERCENT && b == T_NUMBER))
        return TYPE(T_PERCENT);
    if (a == T_PERCENT && b == T_PP) return TYPE(T_PERCENT);
    if (a == T_PP && b == T_PERCENT && op == TOP_ADD) return TYPE(T_PERCENT);
    if (a == T_DATE && b == T_DURATION) return TYPE(T_DATE);
    if (a == T_DURATION && b == T_DATE && op == TOP_ADD) return TYPE(T_DATE);
    return TYPE(T_ERROR);
}

static Type mul(TypeKind a, TypeKind b)
{
    if (a == T_MONEY && (plain(b) || b == T_PERCENT)) return TYPE(T_MONEY);
    if (b == T_MONEY && (plain(a) || a == T_PERCENT)) return TYPE(T_MONEY);
    if (a == T_COUNT && b == T_COUNT) return TYPE(T_COUNT);
    if (plain(a) && plain(b)) return TYPE(T_NUMBER);
    if ((a == T_PERCENT && (b == T_PERCENT || b == T_NUMBER)) || (b == T_PERCENT && a == T_NUMBER))
        return TYPE(T_PERCENT);
    if ((a == T_PERCENT && b == T_COUNT) || (a == T_COUNT && b == T_PERCENT)) return TYPE(T_NUMBER);
    if ((a == T_PP && plain(b)) || (b == T_PP && plain(a))) return TYPE(T_PP);
    if ((a == T_DURATION && plain(b)) || (b == T_DURATION && plain(a))) return TYPE(T_DURATION);
    return TYPE(T_ERROR);
}

static Type divide(TypeKind a, TypeKind b)
{
    if (a == b && (type_is_numeric(a))) return TYPE(T_NUMBER);
    if (plain(a) && plain(b)) return TYPE(T_NUMBER);
    if (plain(b) && (a == T_MONEY || a == T_PP || a == T_PERCENT || a == T_DURATION))
        return TYPE(a);
    return TYPE(T_ERROR);
}

/* Which kinds may be compared with each other. */
static bool comparable(TypeKind a, TypeKind b)
{
    if (a == b) return true;
    if (plain(a) && plain(b)) return true;
    return (a == T_NUMBER && b == T_PERCENT) || (a == T_PERCENT && b == T_NUMBER);
}

Type type_binary(TypeOp op, Type a, Type b)
{
    if (a.kind == T_ERROR || b.kind == T_ERROR) return TYPE(T_ERROR);
    switch (op) {
    case TOP_ADD: case TOP_SUB: return add_sub(op, a.kind, b.kind);
    case TOP_MUL: return mul(a.kind, b.kind);
    case TOP_DIV: return divide(a.kind, b.kind);
    case TOP_ORDER:
        if ((type_is_numeric(a.kind) || type_is_period(a.kind)) && comparable(a.kind, b.kind))
            return TYPE(T_BOOL);
        return TYPE(T_ERROR);
    case TOP_EQUAL:
        if (a.kind == T_LIST || a.kind == T_COLUMN || a.kind == T_RANGE || a.kind == T_NONE ||
            a.kind == T_CLASS || a.kind == T_STATUSES)
            return TYPE(T_ERROR);
        return comparable(a.kind, b.kind) ? TYPE(T_BOOL) : TYPE(T_ERROR);
    }
    return TYPE(T_ERROR);
}

bool type_assignable(Type want, Type have)
{
    if (want.kind == T_ERROR || have.kind == T_ERROR) return true;
    if (want.kind == T_LIST && have.kind == T_LIST)
        return type_assignable(TYPE(want.elem), TYPE(have.elem));
    if (want.kind != have.kind) {
        if (want.kind == T_NUMBER && have.kind == T_COUNT) return true;
        if (want.kind == T_PERCENT && plain(have.kind)) return have.kind == T_NUMBER;
        return false;
    }
    return want.kind != T_COLUMN && want.kind != T_RANGE ? true : want.elem == have.elem;
}

Type type_join(Type a, Type b)
{
    if (a.kind == T_ERROR) return b;
    if (b.kind == T_ERROR) return a;
    if (a.kind == b.kind && a.elem == b.elem) return a;
    if (type_assignable(a, b)) return a;
    if (type_assignable(b, a)) return b;
    return TYPE(T_ERROR);
}
