/* test_types.c: the unit algebra of spec §4, one row per rule. */
#include "base/types.h"
#include "unit.h"
#include <stdlib.h>

#define T(k) TYPE(T_##k)

static const struct { TypeOp op; TypeKind a, b, want; } rules[] = {
    /* count / count -> number; money / money -> number */
    { TOP_DIV, T_COUNT, T_COUNT, T_NUMBER },
    { TOP_DIV, T_MONEY, T_MONEY, T_NUMBER },
    { TOP_DIV, T_MONEY, T_NUMBER, T_MONEY },
    /* percent - percent -> pp; percent ± pp -> percent */
    { TOP_SUB, T_PERCENT, T_PERCENT, T_PP },
    { TOP_ADD, T_PERCENT, T_PP, T_PERCENT },
    { TOP_SUB, T_PERCENT, T_PP, T_PERCENT },
    { TOP_ADD, T_PP, T_PERCENT, T_PERCENT },
    { TOP_SUB, T_PP, T_PERCENT, T_ERROR },
    { TOP_ADD, T_PP, T_PP, T_PP },
    /* money ± money -> money; money * number -> money */
    { TOP_ADD, T_MONEY, T_MONEY, T_MONEY },
    { TOP_SUB, T_MONEY, T_MONEY, T_MONEY },
    { TOP_MUL, T_MONEY, T_NUMBER, T_MONEY },
    { TOP_MUL, T_COUNT, T_MONEY, T_MONEY },
    { TOP_MUL, T_MONEY, T_PERCENT, T_MONEY },
    { TOP_MUL, T_MONEY, T_MONEY, T_ERROR },
    /* a number where a percent is wanted: 1 - ae_4hr */
    { TOP_SUB, T_NUMBER, T_PERCENT, T_PERCENT },
    { TOP_SUB, T_NUMBER, T_NUMBER, T_NUMBER },
    { TOP_ADD, T_COUNT, T_COUNT, T_COUNT },
    { TOP_ADD, T_COUNT, T_NUMBER, T_NUMBER },
    /* nonsense of §4 */
    { TOP_ADD, T_COUNT, T_MONEY, T_ERROR },
    { TOP_ADD, T_COUNT, T_PERCENT, T_ERROR },
    { TOP_ORDER, T_PERCENT, T_MONEY, T_ERROR },
    { TOP_ORDER, T_DATE, T_FY, T_ERROR },
    { TOP_ORDER, T_MONEY, T_NUMBER, T_ERROR },
    { TOP_EQUAL, T_TEXT, T_COUNT, T_ERROR },
    /* comparisons that make sense */
    { TOP_ORDER, T_PERCENT, T_PERCENT, T_BOOL },
    { TOP_ORDER, T_PERCENT, T_NUMBER, T_BOOL },
    { TOP_ORDER, T_COUNT, T_NUMBER, T_BOOL },
    { TOP_ORDER, T_MONEY, T_MONEY, T_BOOL },
    { TOP_ORDER, T_FY, T_FY, T_BOOL },
    { TOP_ORDER, T_PP, T_PP, T_BOOL },
    { TOP_EQUAL, T_STATUS, T_STATUS, T_BOOL },
    { TOP_EQUAL, T_TEXT, T_TEXT, T_BOOL },
    { TOP_ORDER, T_TEXT, T_TEXT, T_ERROR },
    /* dates and durations */
    { TOP_ADD, T_DATE, T_DURATION, T_DATE },
    { TOP_SUB, T_DATE, T_DATE, T_DURATION },
    { TOP_ADD, T_DATE, T_DATE, T_ERROR },
    { TOP_MUL, T_DURATION, T_COUNT, T_DURATION },
};

START_TEST(binary_rules)
{
    int i = _i;
    Type got = type_binary(rules[i].op, TYPE(rules[i].a), TYPE(rules[i].b));
    ck_assert_msg(got.kind == rules[i].want, "rule %d: %s op %s gave %s, want %s", i,
                  type_kind_name(rules[i].a), type_kind_name(rules[i].b),
                  type_kind_name(got.kind), type_kind_name(rules[i].want));
}
END_TEST

START_TEST(errors_do_not_cascade)
{
    ck_assert_int_eq(type_binary(TOP_ADD, T(ERROR), T(MONEY)).kind, T_ERROR);
    ck_assert(type_assignable(T(PERCENT), T(ERROR)));
    ck_assert(type_assignable(T(ERROR), T(MONEY)));
}
END_TEST

START_TEST(assignability)
{
    ck_assert(type_assignable(T(NUMBER), T(COUNT)));
    ck_assert(type_assignable(T(PERCENT), T(NUMBER)));
    ck_assert(!type_assignable(T(PERCENT), T(COUNT)));
    ck_assert(!type_assignable(T(COUNT), T(NUMBER)));
    ck_assert(!type_assignable(T(MONEY), T(NUMBER)));
    ck_assert(type_assignable(TYPE_OF(T_LIST, T_NUMBER), TYPE_OF(T_LIST, T_COUNT)));
    ck_assert(!type_assignable(TYPE_OF(T_LIST, T_MONEY), TYPE_OF(T_LIST, T_COUNT)));
    ck_assert_int_eq(type_join(T(NUMBER), T(COUNT)).kind, T_NUMBER);
    ck_assert_int_eq(type_join(T(TEXT), T(COUNT)).kind, T_ERROR);
}
END_TEST

START_TEST(names)
{
    char buf[40];
    ck_assert_int_eq(type_by_name("percent"), T_PERCENT);
    ck_assert_int_eq(type_by_name("fy"), T_FY);
    ck_assert_int_eq(type_by_name("column"), T_ERROR);    /* internal kinds are not written */
    ck_assert_int_eq(type_by_name("persent"), T_ERROR);
    ck_assert_str_eq(type_name(TYPE_OF(T_LIST, T_COUNT), buf, sizeof buf), "[count]");
    ck_assert_str_eq(type_name(TYPE_OF(T_COLUMN, T_MONEY), buf, sizeof buf), "column of money");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("types");
    TCase *tc = tcase_create("units");
    tcase_add_loop_test(tc, binary_rules, 0, (int)(sizeof rules / sizeof rules[0]));
    tcase_add_test(tc, errors_do_not_cascade);
    tcase_add_test(tc, assignability);
    tcase_add_test(tc, names);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
