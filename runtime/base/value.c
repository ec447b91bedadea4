/* value.c: arithmetic, comparison and text of values.
 *
 * Exact numbers stay exact (runtime/num.c) until an operation overflows
 * int64; then the result is computed in double and marked V_REAL. The unit
 * of a result is the checker's rule (types.c), so the two cannot disagree. */
#include "base/value.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const status_name[ST__COUNT] = {
    "met", "missed", "on_track", "off_track", "not_due", "no_data", "pass", "fail", "exempt",
};

Value val_num(Num n, TypeKind unit)
{
    Value v = { .kind = V_NUM, .unit = (uint8_t)unit };
    v.as.num = n;
    return v;
}

Value val_real(double d, TypeKind unit)
{
    if (!isfinite(d)) return val_missing();
    Value v = { .kind = V_REAL, .unit = (uint8_t)unit };
    v.as.real = d;
    return v;
}

Value val_bool(bool b)
{
    Value v = { .kind = V_BOOL };
    v.as.boolean = b;
    return v;
}

Value val_period(Period p)
{
    static const uint8_t unit[] = { [GRAIN_DAY] = T_DATE, [GRAIN_MONTH] = T_MONTH,
                                    [GRAIN_QUARTER] = T_QUARTER, [GRAIN_FY] = T_FY };
    Value v = { .kind = V_PERIOD, .unit = unit[p.grain] };
    v.as.period = p;
    return v;
}

Value val_duration(int32_t days)
{
    Value v = { .kind = V_DURATION, .unit = T_DURATION };
    v.as.days = days;
    return v;
}

bool val_window_days(Value w, Day *from, Day *to)
{
    if (w.kind == V_PERIOD) { *from = period_first_day(w.as.period); *to = period_last_day(w.as.period); return true; }
    if (w.kind == V_RANGE) {
        *from = period_first_day(w.as.range.from);
        *to = period_last_day(w.as.range.to);
        return *from <= *to;
    }
    return false;
}

const char *const cmp_text[6] = { "==", "!=", "<", "<=", ">", ">=" };

const char *class_name(uint8_t cls)
{
    return cls == 1 ? "foundational" : cls == 2 ? "transformation" : NULL;
}

Value val_status(Status s)
{
    Value v = { .kind = V_STATUS, .unit = T_STATUS, .status = (uint16_t)s };
    return v;
}

bool val_is_missing(Value v) { return v.kind == V_MISSING; }
bool val_is_number(Value v) { return v.kind == V_NUM || v.kind == V_REAL; }

double val_to_double(Value v)
{
    switch (v.kind) {
    case V_NUM:      return num_to_double(v.as.num);
    case V_REAL:     return v.as.real;
    case V_DURATION: return v.as.days;
    default:         return NAN;
    }
}

static TypeKind result_unit(ArithOp op, TypeKind a, TypeKind b)
{
    static const TypeOp top[] = { [AR_ADD] = TOP_ADD, [AR_SUB] = TOP_SUB, [AR_MUL] = TOP_MUL, [AR_DIV] = TOP_DIV };
    Type t = type_binary(top[op], TYPE(a), TYPE(b));
    return t.kind == T_ERROR ? T_NUMBER : t.kind;
}

static Value arith_days(ArithOp op, Value a, Value b)
{
    int64_t x = a.kind == V_PERIOD ? a.as.period.index : a.as.days;
    int64_t y = b.kind == V_PERIOD ? b.as.period.index : b.as.days;
    int64_t r = op == AR_ADD ? x + y : x - y;
    if (r < INT32_MIN || r > INT32_MAX) return val_missing();
    if (a.kind == V_PERIOD && b.kind == V_PERIOD) return val_duration((int32_t)r);
    if (a.kind == V_PERIOD || b.kind == V_PERIOD) {
        Day d = (Day)r;
        int y0, m0, d0;
        cal_ymd(d, &y0, &m0, &d0);
        if (y0 < 1000 || y0 > 9999) return val_missing();
        return val_period((Period){ GRAIN_DAY, d });
    }
    return val_duration((int32_t)r);
}

Value val_arith(ArithOp op, Value a, Value b)
{
    if (a.kind == V_MISSING || b.kind == V_MISSING) return val_missing();
    if ((a.kind == V_PERIOD || a.kind == V_DURATION) && (b.kind == V_PERIOD || b.kind == V_DURATION) &&
        (op == AR_ADD || op == AR_SUB))
        return arith_days(op, a, b);
    if (a.kind == V_DURATION || b.kind == V_DURATION) {
        /* a duration scaled by a whole number, or divided */
        Value n = a.kind == V_DURATION ? b : a;
        double days = a.kind == V_DURATION ? a.as.days : b.as.days;
        double k = val_to_double(n);
        double r = op == AR_MUL ? days * k : op == AR_DIV && a.kind == V_DURATION ? days / k : NAN;
        if (b.kind == V_DURATION && a.kind == V_DURATION && op == AR_DIV)
            return b.as.days ? val_real((double)a.as.days / b.as.days, T_NUMBER) : val_missing();
        if (!isfinite(r) || r != floor(r) || fabs(r) > 3.6e6) return val_missing();
        return val_duration((int32_t)r);
    }
    if (!val_is_number(a) || !val_is_number(b)) return val_missing();
    /* whole numbers of one unit, the common case, need no gcd nor 128 bits */
    if (a.kind == V_NUM && b.kind == V_NUM && a.as.num.d == 1 && b.as.num.d == 1 && a.unit == b.unit &&
        op != AR_DIV && a.unit != T_PERCENT && a.unit != T_MONEY) {
        int64_t r;
        bool over = op == AR_ADD ? __builtin_add_overflow(a.as.num.n, b.as.num.n, &r)
                  : op == AR_SUB ? __builtin_sub_overflow(a.as.num.n, b.as.num.n, &r)
                                 : __builtin_mul_overflow(a.as.num.n, b.as.num.n, &r);
        if (!over && r != INT64_MIN) return val_num((Num){ r, 1 }, result_unit(op, a.unit, b.unit));
    }
    TypeKind unit = result_unit(op, a.unit, b.unit);
    if (a.kind == V_NUM && b.kind == V_NUM) {
        Num r;
        NumStatus s;
        switch (op) {
        case AR_ADD: s = num_add(a.as.num, b.as.num, &r); break;
        case AR_SUB: s = num_sub(a.as.num, b.as.num, &r); break;
        case AR_MUL: s = num_mul(a.as.num, b.as.num, &r); break;
        default:     s = num_div(a.as.num, b.as.num, &r); break;
        }
        if (s == NUM_OK) return val_num(r, unit);
        if (s == NUM_DIV_ZERO) return val_missing();
    }
    double x = val_to_double(a), y = val_to_double(b), r;
    switch (op) {
    case AR_ADD: r = x + y; break;
    case AR_SUB: r = x - y; break;
    case AR_MUL: r = x * y; break;
    default:
        if (y == 0) return val_missing();
        r = x / y;
        break;
    }
    return val_real(r, unit);
}

Value val_neg(Value a)
{
    switch (a.kind) {
    case V_NUM:      return val_num(num_neg(a.as.num), a.unit == T_COUNT ? T_NUMBER : a.unit);
    case V_REAL:     return val_real(-a.as.real, a.unit == T_COUNT ? T_NUMBER : a.unit);
    case V_DURATION: return val_duration(-a.as.days);
    default:         return val_missing();
    }
}

static int sign(double d) { return (d > 0) - (d < 0); }

int val_compare(Value a, Value b, bool *missing)
{
    *missing = a.kind == V_MISSING || b.kind == V_MISSING;
    if (*missing) return 0;
    if (a.kind == V_NUM && b.kind == V_NUM) {
        if (a.as.num.d == 1 && b.as.num.d == 1) return (a.as.num.n > b.as.num.n) - (a.as.num.n < b.as.num.n);
        return num_cmp(a.as.num, b.as.num);
    }
    if (val_is_number(a) && val_is_number(b)) return sign(val_to_double(a) - val_to_double(b));
    if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
    switch (a.kind) {
    case V_BOOL:     return (int)a.as.boolean - (int)b.as.boolean;
    case V_DURATION: return (a.as.days > b.as.days) - (a.as.days < b.as.days);
    case V_STATUS:   return (a.status > b.status) - (a.status < b.status);
    case V_PERIOD:
        if (a.as.period.grain != b.as.period.grain) return a.as.period.grain < b.as.period.grain ? -1 : 1;
        return (a.as.period.index > b.as.period.index) - (a.as.period.index < b.as.period.index);
    case V_TEXT: {
        uint32_t n = a.as.text.len < b.as.text.len ? a.as.text.len : b.as.text.len;
        int c = memcmp(a.as.text.bytes, b.as.text.bytes, n);
        if (c) return c < 0 ? -1 : 1;
        return (a.as.text.len > b.as.text.len) - (a.as.text.len < b.as.text.len);
    }
    default:
        return 1;       /* lists and ranges: the checker rules these out */
    }
}

bool val_equal(Value a, Value b)
{
    if (a.kind != b.kind && !(val_is_number(a) && val_is_number(b))) return false;
    if (a.kind == V_MISSING) return true;
    if (a.kind == V_STATUSES) return a.status == b.status;
    if (a.kind == V_RANGE)
        return memcmp(&a.as.range, &b.as.range, sizeof a.as.range) == 0;
    if (a.kind == V_LIST) {
        if (a.as.list->len != b.as.list->len) return false;
        for (uint32_t i = 0; i < a.as.list->len; i++)
            if (!val_equal(a.as.list->items[i], b.as.list->items[i])) return false;
        return true;
    }
    bool missing;
    return val_compare(a, b, &missing) == 0;
}

Value val_test(Cmp cmp, Value a, Value b)
{
    bool missing;
    int r = val_compare(a, b, &missing);
    if (missing) return val_missing();
    switch (cmp) {
    case CMP_EQ: return val_bool(val_equal(a, b));
    case CMP_NE: return val_bool(!val_equal(a, b));
    case CMP_LT: return val_bool(r < 0);
    case CMP_LE: return val_bool(r <= 0);
    case CMP_GT: return val_bool(r > 0);
    default:     return val_bool(r >= 0);
    }
}

Value val_logic(bool is_or, Value a, Value b)
{
    bool decides = is_or;       /* true decides an `or`, false an `and` */
    if ((a.kind == V_BOOL && a.as.boolean == decides) || (b.kind == V_BOOL && b.as.boolean == decides))
        return val_bool(decides);
    if (a.kind != V_BOOL || b.kind != V_BOOL) return val_missing();
    return val_bool(!decides);
}

/* Appends to buf[*k .. cap), keeping it NUL-terminated and counting what it wanted. */
static void put(char *buf, size_t cap, size_t *k, const char *s, size_t n)
{
    if (*k < cap) {
        size_t room = cap - *k - 1;
        memcpy(buf + *k, s, n < room ? n : room);
        buf[*k + (n < room ? n : room)] = '\0';
    }
    *k += n;
}

static void put_number(Value v, int scale100, char *buf, size_t cap, size_t *k)
{
    char tmp[64];
    if (v.kind == V_NUM) {
        Num n = v.as.num, h;
        if (scale100 && num_mul(n, num_int(100), &h) == NUM_OK) n = h;
        else if (scale100) { snprintf(tmp, sizeof tmp, "%.15g", num_to_double(n) * 100); put(buf, cap, k, tmp, strlen(tmp)); return; }
        num_format(n, tmp, sizeof tmp);
    } else {
        snprintf(tmp, sizeof tmp, "%.15g", v.as.real * (scale100 ? 100 : 1));
    }
    put(buf, cap, k, tmp, strlen(tmp));
}

size_t val_format(Value v, bool raw, char *buf, size_t cap)
{
    size_t k = 0;
    char tmp[64];
    if (cap) buf[0] = '\0';
    switch (v.kind) {
    case V_MISSING: put(buf, cap, &k, "missing", 7); break;
    case V_NUM: case V_REAL:
        if (raw || v.unit == T_NUMBER || v.unit == T_COUNT) { put_number(v, 0, buf, cap, &k); break; }
        if (v.unit == T_PERCENT) { put_number(v, 1, buf, cap, &k); put(buf, cap, &k, "%", 1); break; }
        if (v.unit == T_MONEY) {
            bool neg = v.kind == V_NUM ? v.as.num.n < 0 : v.as.real < 0;
            if (neg) { put(buf, cap, &k, "-", 1); v = val_neg(v); v.unit = T_MONEY; }
            put(buf, cap, &k, "\xC2\xA3", 2);
            put_number(v, 0, buf, cap, &k);
            break;
        }
        /* percentage points are a difference of fractions: 0.005 is 0.5pp */
        put_number(v, v.unit == T_PP, buf, cap, &k);
        if (v.unit == T_PP) put(buf, cap, &k, "pp", 2);
        break;
    case V_BOOL: put(buf, cap, &k, v.as.boolean ? "true" : "false", v.as.boolean ? 4 : 5); break;
    case V_TEXT:
        if (raw) { put(buf, cap, &k, v.as.text.bytes, v.as.text.len); break; }
        put(buf, cap, &k, "\"", 1);
        for (uint32_t i = 0; i < v.as.text.len; i++) {
            char c = v.as.text.bytes[i];
            const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t" : NULL;
            if (esc) put(buf, cap, &k, esc, 2);
            else put(buf, cap, &k, &c, 1);
        }
        put(buf, cap, &k, "\"", 1);
        break;
    case V_PERIOD: {
        size_t n = period_format(v.as.period, tmp, sizeof tmp);
        put(buf, cap, &k, tmp, n);
        break;
    }
    case V_DURATION: {
        int n = snprintf(tmp, sizeof tmp, "%d day%s", (int)v.as.days, v.as.days == 1 || v.as.days == -1 ? "" : "s");
        put(buf, cap, &k, tmp, (size_t)n);
        break;
    }
    case V_STATUS:
        put(buf, cap, &k, status_name[v.status], strlen(status_name[v.status]));
        break;
    case V_STATUSES: {
        bool first = true;
        for (int s = 0; s < ST__COUNT; s++)
            if (v.status & (1u << s)) {
                if (!first) put(buf, cap, &k, " or ", 4);
                put(buf, cap, &k, status_name[s], strlen(status_name[s]));
                first = false;
            }
        break;
    }
    case V_LIST:
        put(buf, cap, &k, "[", 1);
        for (uint32_t i = 0; i < v.as.list->len; i++) {
            if (i) put(buf, cap, &k, ", ", 2);
            size_t want = val_format(v.as.list->items[i], raw, k < cap ? buf + k : tmp, k < cap ? cap - k : 0);
            k += want;
        }
        put(buf, cap, &k, "]", 1);
        break;
    case V_RANGE: {
        size_t n = period_format(v.as.range.from, tmp, sizeof tmp);
        put(buf, cap, &k, tmp, n);
        put(buf, cap, &k, " .. ", 4);
        n = period_format(v.as.range.to, tmp, sizeof tmp);
        put(buf, cap, &k, tmp, n);
        break;
    }
    }
    return k;
}
