/* test_num.c: exact rationals (runtime/base/num.c). */
#include "unit.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"

/* A numeral that must parse. */
static Num dec(const char *s, int exp10)
{
    Num x = { 0, 0 };
    ck_assert_msg(num_parse_decimal(s, strlen(s), exp10, &x) == NUM_OK,
                  "\"%s\" (exp10 %d) did not parse", s, exp10);
    return x;
}

static Num make(int64_t n, int64_t d)
{
    Num x = { 0, 0 };
    ck_assert_int_eq(num_make(n, d, &x), NUM_OK);
    return x;
}

#define ck_assert_num(x, N, D) do { \
        Num x_ = (x); \
        ck_assert_int_eq(x_.n, (N)); \
        ck_assert_int_eq(x_.d, (D)); \
    } while (0)

static const Num untouched = { 12345, 678 };

/* ---- construction ------------------------------------------------------ */

START_TEST(make_reduces)
{
    ck_assert_num(make(95, 100), 19, 20);
    ck_assert_num(make(950, 1000), 19, 20);
    ck_assert_num(dec("95", -2), 19, 20);
    ck_assert_int_eq(num_cmp(make(95, 100), dec("95", -2)), 0);
    ck_assert_int_eq(num_cmp(make(950, 1000), make(19, 20)), 0);

    ck_assert_num(make(-4, -6), 2, 3);
    ck_assert_num(make(3, -6), -1, 2);
    ck_assert_num(make(0, -5), 0, 1);
    ck_assert_num(make(12, 4), 3, 1);
    ck_assert_num(num_int(-7), -7, 1);
    ck_assert_num(make(INT64_MAX, INT64_MAX), 1, 1);
}
END_TEST

START_TEST(make_edges)
{
    Num x = untouched;
    ck_assert_int_eq(num_make(7, 0, &x), NUM_DIV_ZERO);
    ck_assert_num(x, 12345, 678);

    /* INT64_MIN is refused as a result but fine as an input that reduces. */
    ck_assert_int_eq(num_make(INT64_MIN, 1, &x), NUM_OVERFLOW);
    ck_assert_int_eq(num_make(INT64_MIN, -1, &x), NUM_OVERFLOW);
    ck_assert_int_eq(num_make(1, INT64_MIN, &x), NUM_OVERFLOW);
    ck_assert_num(x, 12345, 678);
    ck_assert_num(make(INT64_MIN, 2), -(INT64_C(1) << 62), 1);
    ck_assert_num(make(2, INT64_MIN), -1, INT64_C(1) << 62);
    ck_assert_num(make(INT64_MIN, INT64_MIN), 1, 1);
}
END_TEST

/* ---- arithmetic -------------------------------------------------------- */

START_TEST(arith_exact)
{
    Num r;
    ck_assert_int_eq(num_sub(num_int(1), make(7, 20), &r), NUM_OK);
    ck_assert_num(r, 13, 20);
    ck_assert_int_eq(num_cmp(r, dec("65", -2)), 0);

    /* Binary floating point cannot do this; rationals must. */
    ck_assert(0.10 + 0.20 != 0.30);
    ck_assert_int_eq(num_add(dec("0.10", 0), dec("0.20", 0), &r), NUM_OK);
    ck_assert_num(r, 3, 10);
    ck_assert_int_eq(num_cmp(r, dec("0.30", 0)), 0);

    ck_assert_int_eq(num_mul(dec("95", -2), num_int(200), &r), NUM_OK);
    ck_assert_num(r, 190, 1);
    ck_assert_int_eq(num_div(make(1, 3), make(2, 3), &r), NUM_OK);
    ck_assert_num(r, 1, 2);
    ck_assert_int_eq(num_div(num_int(1), num_int(-2), &r), NUM_OK);
    ck_assert_num(r, -1, 2);
    ck_assert_int_eq(num_div(make(-3, 4), make(-9, 8), &r), NUM_OK);
    ck_assert_num(r, 2, 3);
    ck_assert_int_eq(num_sub(make(5, 7), make(5, 7), &r), NUM_OK);
    ck_assert_num(r, 0, 1);
    ck_assert_int_eq(num_add(make(1, 6), make(1, 3), &r), NUM_OK);
    ck_assert_num(r, 1, 2);
    ck_assert_num(num_neg(make(3, 4)), -3, 4);
    ck_assert_num(num_neg(num_int(INT64_MAX)), -INT64_MAX, 1);

    r = untouched;
    ck_assert_int_eq(num_div(num_int(1), num_int(0), &r), NUM_DIV_ZERO);
    ck_assert_num(r, 12345, 678);
}
END_TEST

START_TEST(add_overflow)
{
    Num r = untouched;
    ck_assert_int_eq(num_add(num_int(INT64_MAX), num_int(1), &r), NUM_OVERFLOW);
    ck_assert_num(r, 12345, 678);
    ck_assert_int_eq(num_add(num_int(INT64_MAX - 1), num_int(1), &r), NUM_OK);
    ck_assert_num(r, INT64_MAX, 1);
    /* The result would be INT64_MIN, which a Num never holds. */
    ck_assert_int_eq(num_add(num_int(-INT64_MAX), num_int(-1), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_sub(num_int(-INT64_MAX), num_int(1), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_sub(num_int(INT64_MAX), num_int(-1), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_add(num_int(-INT64_MAX), num_int(INT64_MAX), &r), NUM_OK);
    ck_assert_num(r, 0, 1);

    /* Coprime denominators whose product needs 126 bits. */
    ck_assert_int_eq(num_add(make(1, INT64_MAX), make(1, INT64_MAX - 1), &r), NUM_OVERFLOW);
    /* Intermediates beyond 64 bits are fine when the result fits. */
    ck_assert_int_eq(num_add(make(INT64_MAX - 1, INT64_MAX), make(1, INT64_MAX), &r), NUM_OK);
    ck_assert_num(r, 1, 1);
}
END_TEST

START_TEST(mul_overflow)
{
    Num r = untouched;
    ck_assert_int_eq(num_mul(num_int(INT64_C(1) << 32), num_int(INT64_C(1) << 31), &r), NUM_OVERFLOW);
    ck_assert_num(r, 12345, 678);
    ck_assert_int_eq(num_mul(num_int(3037000499), num_int(3037000499), &r), NUM_OK);
    ck_assert_num(r, INT64_C(9223372030926249001), 1);
    ck_assert_int_eq(num_mul(num_int(3037000500), num_int(3037000500), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_mul(num_int(INT64_MAX), num_int(-1), &r), NUM_OK);
    ck_assert_num(r, -INT64_MAX, 1);
    ck_assert_int_eq(num_mul(make(1, INT64_MAX), make(1, 2), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_mul(num_int(INT64_MAX), num_int(2), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_mul(make(INT64_MAX, 2), make(2, INT64_MAX), &r), NUM_OK);
    ck_assert_num(r, 1, 1);
    ck_assert_int_eq(num_div(num_int(INT64_MAX), make(1, 2), &r), NUM_OVERFLOW);
    ck_assert_int_eq(num_div(make(1, INT64_MAX), num_int(INT64_MAX), &r), NUM_OVERFLOW);
}
END_TEST

/* ---- comparison -------------------------------------------------------- */

START_TEST(cmp_exact)
{
    /* Both are 1 + about 1e-19: equal as doubles, and their cross products
     * need 126 bits. */
    Num a = make(INT64_MAX, INT64_MAX - 1);
    Num b = make(INT64_MAX - 1, INT64_MAX - 2);
    ck_assert(num_to_double(a) == num_to_double(b));
    ck_assert_int_eq(num_cmp(a, b), -1);
    ck_assert_int_eq(num_cmp(b, a), 1);
    ck_assert_int_eq(num_cmp(a, a), 0);
    ck_assert_int_eq(num_cmp(num_neg(a), num_neg(b)), 1);
    ck_assert_int_eq(num_cmp(num_neg(a), b), -1);

    ck_assert_int_eq(num_cmp(make(1, 3), make(333333333333333333, 1000000000000000000)), 1);
    ck_assert_int_eq(num_cmp(num_int(INT64_MAX), num_int(-INT64_MAX)), 1);
    ck_assert_int_eq(num_cmp(make(1, INT64_MAX), num_int(0)), 1);
    ck_assert_int_eq(num_cmp(make(-1, INT64_MAX), num_int(0)), -1);
    ck_assert_int_eq(num_cmp(make(2, 4), make(3, 6)), 0);
}
END_TEST

START_TEST(predicates)
{
    ck_assert(num_is_int(dec("3.0", 0)));
    ck_assert(num_is_int(dec("2.5", 3)));
    ck_assert(!num_is_int(make(5, 2)));
    ck_assert(num_to_double(make(3, 4)) == 0.75);
    ck_assert(num_to_double(make(-37, 40)) == -0.925);
}
END_TEST

/* ---- parsing ----------------------------------------------------------- */

static const struct { const char *s; int exp10; int64_t n, d; } good[] = {
    { "0", 0, 0, 1 },
    { "0.000", 0, 0, 1 },
    { "000000000000000000000000000000000000000000000", 0, 0, 1 },
    { "007", 0, 7, 1 },
    { "1_000", 0, 1000, 1 },
    { "1_000_000", 0, 1000000, 1 },
    { "1_000.000_1", 0, 10000001, 10000 },
    { "3.25", 0, 13, 4 },
    { "0.5", 0, 1, 2 },
    { "1.50", 0, 3, 2 },
    { "95", -2, 19, 20 },
    { "92.5", -2, 37, 40 },
    { "1.5", 6, 1500000, 1 },
    { "2.5", 3, 2500, 1 },
    { "1.5", 9, 1500000000, 1 },
    { "0.5", -18, 1, 2000000000000000000 },
    { "1", 18, 1000000000000000000, 1 },
    { "0.000000000000000001", 0, 1, 1000000000000000000 },
    { "100", -18, 1, 10000000000000000 },
    { "9223372036854775807", 0, INT64_MAX, 1 },
    { "9_223_372_036_854_775_807", 0, INT64_MAX, 1 },
    { "922337203685477580.7", 1, INT64_MAX, 1 },
    { "1.000000000000000000000000000000000000000000", 0, 1, 1 },
    { "1_000_000_000_000_000_000_000_000_000_000", -18, 1000000000000, 1 },
    /* 0.5^27 written out: 27 places, but the reduced value is 1/2^27. */
    { "0.000000007450580596923828125", 0, 1, 134217728 },
};

START_TEST(parse_good)
{
    Num x = dec(good[_i].s, good[_i].exp10);
    ck_assert_msg(x.n == good[_i].n && x.d == good[_i].d,
                  "\"%s\" (exp10 %d) gave %lld/%lld", good[_i].s, good[_i].exp10,
                  (long long)x.n, (long long)x.d);
}
END_TEST

static const char *const bad_syntax[] = {
    "", "1__0", "_1", "1_", "1.", ".5", "1._5", "1_.5", "1.5_", "1e5", "-1", "+1",
    "1.2.3", " 1", "1 ", "0x10", "1,000", "£1", "_", ".", "1.5%",
};

START_TEST(parse_bad_syntax)
{
    Num x = untouched;
    const char *s = bad_syntax[_i];
    ck_assert_msg(num_parse_decimal(s, strlen(s), 0, &x) == NUM_SYNTAX, "\"%s\" accepted", s);
    ck_assert_num(x, 12345, 678);
}
END_TEST

static const struct { const char *s; int exp10; } too_big[] = {
    { "123456789012345678901234567890", 0 },
    { "12345678901234567890123456789012345678901234567890", 0 },
    { "9223372036854775808", 0 },
    { "0.000000000000000000001", 0 },
    { "10", 18 },
    { "1", -19 },
    { "3", -19 },
    { "0.000000003", -18 },
};

START_TEST(parse_overflow)
{
    Num x = untouched;
    const char *s = too_big[_i].s;
    ck_assert_msg(num_parse_decimal(s, strlen(s), too_big[_i].exp10, &x) == NUM_OVERFLOW,
                  "\"%s\" (exp10 %d) did not overflow", s, too_big[_i].exp10);
    ck_assert_num(x, 12345, 678);
}
END_TEST

START_TEST(parse_honours_len)
{
    Num x;
    ck_assert_int_eq(num_parse_decimal("12345", 3, 0, &x), NUM_OK);
    ck_assert_num(x, 123, 1);
    ck_assert_int_eq(num_parse_decimal("1.5", 2, 0, &x), NUM_SYNTAX);
    ck_assert_int_eq(num_parse_decimal("1_0", 2, 0, &x), NUM_SYNTAX);
    ck_assert_int_eq(num_parse_decimal("7", 0, 0, &x), NUM_SYNTAX);
    /* No terminator: reading past the end would trip the address sanitizer. */
    const char digits[3] = { '4', '.', '5' };
    ck_assert_int_eq(num_parse_decimal(digits, sizeof digits, 0, &x), NUM_OK);
    ck_assert_num(x, 9, 2);
}
END_TEST

/* ---- formatting -------------------------------------------------------- */

static const struct { int64_t n, d; const char *text; } shown[] = {
    { 0, 1, "0" },
    { 37, 40, "0.925" },
    { -3, 1, "-3" },
    { 1500000, 1, "1500000" },
    { 13, 4, "3.25" },
    { -1, 2, "-0.5" },
    { 1, 1024, "0.0009765625" },
    { 1, 1000000000000000000, "0.000000000000000001" },
    { INT64_MAX, 2, "4611686018427387903.5" },
    { -INT64_MAX, 1, "-9223372036854775807" },
    { INT64_MAX, 1000000000000000000, "9.223372036854775807" },
    { 1, 3, "0.333333333333333" },
    { 2, 3, "0.666666666666667" },
    { -22, 7, "-3.14285714285714" },
    { 1, 524288, "1.9073486328125e-06" },           /* 2^19: 19 places */
    { 1, INT64_C(1) << 60, "8.67361737988404e-19" },
};

START_TEST(format_values)
{
    char buf[64];
    Num x = make(shown[_i].n, shown[_i].d);
    size_t len = num_format(x, buf, sizeof buf);
    ck_assert_str_eq(buf, shown[_i].text);
    ck_assert_uint_eq(len, strlen(shown[_i].text));
}
END_TEST

START_TEST(format_truncates)
{
    char buf[4] = "xxx";
    ck_assert_uint_eq(num_format(make(13, 4), buf, sizeof buf), 4);
    ck_assert_str_eq(buf, "3.2");
    ck_assert_uint_eq(num_format(make(-1, 3), NULL, 0), 18);
    ck_assert_uint_eq(num_format(make(1, 3), buf, 1), 17);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* Every terminating decimal prints exactly and parses back to itself. */
START_TEST(format_round_trip)
{
    static const int64_t dens[] = {
        1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 125, 1000, 1024, 390625,
        1000000000000000000, INT64_C(1) << 18, 3814697265625 /* 5^18 */,
    };
    static const int64_t nums[] = {
        0, 1, 3, 7, 19, 999, 123456789, 4611686018427387903, INT64_MAX,
    };
    char buf[64];
    for (size_t i = 0; i < sizeof dens / sizeof *dens; i++) {
        for (size_t j = 0; j < sizeof nums / sizeof *nums; j++) {
            Num x = make(nums[j], dens[i]), back = untouched;
            size_t len = num_format(x, buf, sizeof buf);
            ck_assert_int_eq(num_parse_decimal(buf, len, 0, &back), NUM_OK);
            ck_assert_msg(back.n == x.n && back.d == x.d, "%s did not round-trip", buf);

            len = num_format(num_neg(x), buf, sizeof buf);
            if (x.n != 0) {
                ck_assert_int_eq(buf[0], '-');
                ck_assert_int_eq(num_parse_decimal(buf + 1, len - 1, 0, &back), NUM_OK);
                ck_assert_int_eq(num_cmp(num_neg(back), num_neg(x)), 0);
            }
        }
    }

    static const char *const canonical[] = {
        "0.925", "1500000", "3.25", "0.000000000000000001", "9223372036854775807",
        "0.1", "12.0625",
    };
    for (size_t i = 0; i < sizeof canonical / sizeof *canonical; i++) {
        num_format(dec(canonical[i], 0), buf, sizeof buf);
        ck_assert_str_eq(buf, canonical[i]);
    }
}
END_TEST

#define COUNT(a) ((int)(sizeof (a) / sizeof *(a)))

static Suite *num_suite(void)
{
    Suite *s = suite_create("num");
    TCase *tc = tcase_create("construct");
    tcase_add_test(tc, make_reduces);
    tcase_add_test(tc, make_edges);
    suite_add_tcase(s, tc);

    tc = tcase_create("arith");
    tcase_add_test(tc, arith_exact);
    tcase_add_test(tc, add_overflow);
    tcase_add_test(tc, mul_overflow);
    tcase_add_test(tc, cmp_exact);
    tcase_add_test(tc, predicates);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, parse_good, 0, COUNT(good));
    tcase_add_loop_test(tc, parse_bad_syntax, 0, COUNT(bad_syntax));
    tcase_add_loop_test(tc, parse_overflow, 0, COUNT(too_big));
    tcase_add_test(tc, parse_honours_len);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_loop_test(tc, format_values, 0, COUNT(shown));
    tcase_add_test(tc, format_truncates);
    tcase_add_test(tc, format_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(num_suite());
}
