/* types.h: Pledge's types and the algebra of their units (spec §4).
 *
 * The unit rules live here, as pure functions, so the checker and the unit
 * tests ask the same table. */
#ifndef PLEDGE_TYPES_H
#define PLEDGE_TYPES_H
#include <stdbool.h>

typedef enum TypeKind {
    T_ERROR,        /* already reported: silences the errors that would follow */
    T_NUMBER, T_COUNT, T_PERCENT, T_PP, T_MONEY,
    T_BOOL, T_TEXT, T_DATE, T_MONTH, T_QUARTER, T_FY, T_DURATION, T_STATUS,
    T_LIST,         /* elem: the type of the items */
    T_COLUMN,       /* elem: a feed column, the rows an aggregate reduces */
    T_RANGE,        /* elem: a range of periods, e.g. 2019/20 .. 2023/24 */
    T_STATUSES,     /* a set of statuses: `met or on_track` */
    T_CLASS,        /* a commitment class: foundational, transformation */
    T_NONE          /* not a value: a feed, a hierarchy, a module */
} TypeKind;

typedef struct Type { TypeKind kind, elem; } Type;

#define TYPE(k) ((Type){ (k), T_ERROR })
#define TYPE_OF(k, e) ((Type){ (k), (e) })

/* The §4 names ("percent"); T_ERROR for an unknown name. */
TypeKind type_by_name(const char *name);
/* "percent", "[count]", "column of count", ...: a string constant, or written into buf */
const char *type_name(Type t, char *buf, unsigned cap);
const char *type_kind_name(TypeKind k);

bool type_is_numeric(TypeKind k);   /* number, count, percent, pp, money, duration */
bool type_is_period(TypeKind k);    /* date, month, quarter, fy */

typedef enum TypeOp { TOP_ADD, TOP_SUB, TOP_MUL, TOP_DIV, TOP_ORDER, TOP_EQUAL } TypeOp;

/* The type of `a op b`, or T_ERROR when the units do not combine; for
 * TOP_ORDER and TOP_EQUAL the result is bool. Never reports: the caller
 * words the message with type_op_verb. */
Type type_binary(TypeOp op, Type a, Type b);

/* Can a value of type `have` be used where `want` is expected?
 * (count where number, number where percent, ...) */
bool type_assignable(Type want, Type have);

/* The common type of two branches (if/coalesce/list items), or T_ERROR. */
Type type_join(Type a, Type b);

#endif
