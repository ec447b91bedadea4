/* value.h: the values Pledge computes with.
 *
 * A Value is 24 bytes, passed by value. Numbers are exact rationals (Num)
 * while they fit, and fall back to binary floating point (V_REAL) when an
 * operation would overflow; `unit` says what they measure (a TypeKind:
 * number, count, percent, pp, money, duration). Missing is a value of its own
 * and propagates through arithmetic and comparison (spec §4).
 *
 * Ownership: texts point into the program's string pool or a feed's interned
 * strings; lists live in the evaluation's arena (vm.c) and die with it. */
#ifndef PLEDGE_VALUE_H
#define PLEDGE_VALUE_H
#include "base/num.h"
#include "base/calendar.h"
#include "base/types.h"

typedef enum ValKind {
    V_MISSING, V_NUM, V_REAL, V_BOOL, V_TEXT, V_PERIOD, V_DURATION,
    V_STATUS, V_STATUSES, V_LIST, V_RANGE
} ValKind;

/* In the order of the spec's §2 list; V_STATUSES is a bit set of these. */
typedef enum Status {
    ST_MET, ST_MISSED, ST_ON_TRACK, ST_OFF_TRACK, ST_NOT_DUE, ST_NO_DATA,
    ST_PASS, ST_FAIL,
    ST_EXEMPT,              /* a variation exempts the system (issue 16); last, so older bytecode reads the same */
    ST__COUNT
} Status;
extern const char *const status_name[ST__COUNT];

typedef struct Text { uint32_t len; const char *bytes; } Text;
typedef struct ValList ValList;

typedef struct Value {
    uint8_t kind;           /* ValKind */
    uint8_t unit;           /* TypeKind of a number; element TypeKind of a list */
    uint16_t status;        /* V_STATUS: a Status; V_STATUSES: a bit set */
    uint32_t pad;
    union {
        Num      num;
        double   real;
        bool     boolean;
        Text     text;      /* V_TEXT: len and bytes (not NUL-terminated) */
        Period   period;
        int32_t  days;
        ValList *list;
        struct { Period from, to; } range;
    } as;
} Value;

struct ValList { uint32_t len; Value items[]; };

static inline Value val_missing(void) { Value v = { 0 }; return v; }
Value val_num(Num n, TypeKind unit);
Value val_real(double d, TypeKind unit);
Value val_bool(bool b);
/* inline: a feed's text cells become values once a row */
static inline Value val_text(const char *bytes, uint32_t len)
{
    return (Value){ .kind = V_TEXT, .unit = T_TEXT, .as.text = { len, bytes } };
}
Value val_period(Period p);
Value val_duration(int32_t days);
Value val_status(Status s);

bool   val_is_missing(Value v);
bool   val_is_number(Value v);           /* V_NUM or V_REAL */
double val_to_double(Value v);

typedef enum ArithOp { AR_ADD, AR_SUB, AR_MUL, AR_DIV } ArithOp;
/* Unit-correct arithmetic on numbers, dates and durations; the result's unit
 * comes from the same table the checker uses (types.c). Missing in, missing
 * out; division by zero is missing. */
Value val_arith(ArithOp op, Value a, Value b);
Value val_neg(Value a);

/* -1, 0, 1 for ordered values; exact for exact numbers. *missing is set (and
 * 0 returned) when either side is missing. Values of kinds that cannot be
 * compared (the checker rules them out) compare unequal. */
int  val_compare(Value a, Value b, bool *missing);
bool val_equal(Value a, Value b);        /* same kind and same value */

typedef enum Cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } Cmp;
extern const char *const cmp_text[6];      /* "==", "!=", "<", "<=", ">", ">=" */
/* A commitment's class (1, 2) as written: "foundational", "transformation"; NULL for any other. */
const char *class_name(uint8_t cls);

/* a cmp b as a bool, or missing if either side is */
Value val_test(Cmp cmp, Value a, Value b);
/* Three-valued `and` / `or`: false and missing is false, true or missing is
 * true, otherwise missing wins (spec §4: missing is never silently false). */
Value val_logic(bool is_or, Value a, Value b);

/* The first and last day of a window: a period, or a range of them (false
 * for anything else, and for a range that runs backwards). */
bool val_window_days(Value w, Day *from, Day *to);

/* Canonical text of a value, for eval, disasm and reports: "0.95" for a
 * percent in base units when raw is true, "95%" otherwise. */
size_t val_format(Value v, bool raw, char *buf, size_t cap);

#endif
