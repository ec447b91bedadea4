/* test_calendar.c: dates, NHS periods and their text (runtime/base/calendar.c). */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"

static Day day_of(const char *s)
{
    Day d = 0;
    char why[64] = "";
    ck_assert_msg(cal_parse_day(s, strlen(s), &d, why, sizeof why), "\"%s\": %s", s, why);
    return d;
}

static Period quarter_of(const char *s)
{
    Period p = { GRAIN_DAY, 0 };
    char why[64] = "";
    ck_assert_msg(cal_parse_quarter(s, strlen(s), &p, why, sizeof why), "\"%s\": %s", s, why);
    return p;
}

/* The text of a period, in a buffer that lives until the next call. */
static const char *text(Period p)
{
    static char buf[16];
    size_t len = period_format(p, buf, sizeof buf);
    ck_assert_uint_eq(len, strlen(buf));
    return buf;
}

static const char *day_text(Day d)
{
    return text((Period){ GRAIN_DAY, d });
}

/* ---- civil dates ------------------------------------------------------- */

START_TEST(known_days)
{
    ck_assert_int_eq(cal_day(1970, 1, 1), 0);
    ck_assert_int_eq(cal_day(1969, 12, 31), -1);
    ck_assert_int_eq(cal_day(2000, 3, 1), 11017);
    ck_assert_int_eq(cal_day(2019, 9, 27), 18166);
    ck_assert_int_eq(cal_day(1000, 1, 1), -354285);
    ck_assert_int_eq(cal_day(9999, 12, 31), 2932896);

    int y, m, d;
    cal_ymd(-354285, &y, &m, &d);
    ck_assert(y == 1000 && m == 1 && d == 1);
    cal_ymd(18166, &y, &m, &d);
    ck_assert(y == 2019 && m == 9 && d == 27);
}
END_TEST

/* Every day of the accepted range, against a plain day-by-day count. */
START_TEST(every_day_round_trips)
{
    Day expect = cal_day(1000, 1, 1);
    for (int y = 1000; y <= 9999; y++) {
        for (int m = 1; m <= 12; m++) {
            int n = cal_days_in_month(y, m);
            for (int d = 1; d <= n; d++, expect++) {
                /* Plain ifs: a passing ck_assert costs a write to a pipe. */
                if (cal_day(y, m, d) != expect)
                    ck_abort_msg("%d-%d-%d is not day %d", y, m, d, expect);
                int y2, m2, d2;
                cal_ymd(expect, &y2, &m2, &d2);
                if (y2 != y || m2 != m || d2 != d)
                    ck_abort_msg("day %d is %d-%d-%d, not %d-%d-%d", expect, y2, m2, d2, y, m, d);
            }
        }
    }
    ck_assert_int_eq(expect - 1, cal_day(9999, 12, 31));
}
END_TEST

START_TEST(leap_years)
{
    ck_assert_int_eq(cal_days_in_month(1900, 2), 28);
    ck_assert_int_eq(cal_days_in_month(2000, 2), 29);
    ck_assert_int_eq(cal_days_in_month(2019, 2), 28);
    ck_assert_int_eq(cal_days_in_month(2020, 2), 29);
    ck_assert_int_eq(cal_days_in_month(2100, 2), 28);
    ck_assert_int_eq(cal_days_in_month(2400, 2), 29);
    ck_assert_int_eq(cal_days_in_month(2019, 4), 30);
    ck_assert_int_eq(cal_days_in_month(2019, 12), 31);
    ck_assert(!cal_valid_ymd(1900, 2, 29));
    ck_assert(cal_valid_ymd(2000, 2, 29));
    ck_assert(!cal_valid_ymd(2019, 2, 29));
    ck_assert(cal_valid_ymd(2020, 2, 29));
    ck_assert_int_eq(cal_day(1900, 3, 1) - cal_day(1900, 2, 28), 1);
    ck_assert_int_eq(cal_day(2000, 3, 1) - cal_day(2000, 2, 28), 2);
}
END_TEST

START_TEST(valid_ymd)
{
    ck_assert(cal_valid_ymd(1000, 1, 1));
    ck_assert(cal_valid_ymd(9999, 12, 31));
    ck_assert(!cal_valid_ymd(999, 12, 31));
    ck_assert(!cal_valid_ymd(10000, 1, 1));
    ck_assert(!cal_valid_ymd(2019, 0, 1));
    ck_assert(!cal_valid_ymd(2019, 13, 1));
    ck_assert(!cal_valid_ymd(2019, 1, 0));
    ck_assert(!cal_valid_ymd(2019, 4, 31));
}
END_TEST

START_TEST(day_arithmetic)
{
    ck_assert_int_eq(day_of("2020-02-29") + 7, day_of("2020-03-07"));
    ck_assert_str_eq(day_text(day_of("2020-02-29") + 7), "2020-03-07");
    ck_assert_str_eq(day_text(day_of("2019-02-28") + 1), "2019-03-01");
    ck_assert_str_eq(day_text(day_of("2019-12-31") + 1), "2020-01-01");
    ck_assert_int_eq(day_of("2021-01-01") - day_of("2020-01-01"), 366);
}
END_TEST

/* ---- parsing dates ----------------------------------------------------- */

START_TEST(parse_day_forms)
{
    ck_assert_int_eq(day_of("2019-09-27"), cal_day(2019, 9, 27));
    ck_assert_int_eq(day_of("20190927"), cal_day(2019, 9, 27));
    ck_assert_int_eq(day_of("20190301"), cal_day(2019, 3, 1));
    ck_assert_int_eq(day_of("2000-02-29"), cal_day(2000, 2, 29));
    ck_assert_int_eq(day_of("1000-01-01"), cal_day(1000, 1, 1));
    ck_assert_int_eq(day_of("9999-12-31"), cal_day(9999, 12, 31));
}
END_TEST

static const struct { const char *s, *why; } bad_days[] = {
    { "2019-02-30", "February 2019 has 28 days" },
    { "2020-02-30", "February 2020 has 29 days" },
    { "1900-02-29", "February 1900 has 28 days" },
    { "20190229", "February 2019 has 28 days" },
    { "2019-04-31", "April 2019 has 30 days" },
    { "2019-09-31", "September 2019 has 30 days" },
    { "2019-01-32", "January 2019 has 31 days" },
    { "2019-13-01", "months run from 01 to 12" },
    { "2019-00-10", "months run from 01 to 12" },
    { "20191301", "months run from 01 to 12" },
    { "2019-09-00", "days start at 01" },
    { "0999-12-31", "years run from 1000 to 9999" },
    { "0000-00-00", "years run from 1000 to 9999" },
    { "2019-9-1", "expected YYYY-MM-DD or YYYYMMDD" },
    { "2019-09-1", "expected YYYY-MM-DD or YYYYMMDD" },
    { "2019-09-27x", "expected YYYY-MM-DD or YYYYMMDD" },
    { "2019-09-27 ", "expected YYYY-MM-DD or YYYYMMDD" },
    { " 2019-09-27", "expected YYYY-MM-DD or YYYYMMDD" },
    { "2019/09/27", "expected YYYY-MM-DD or YYYYMMDD" },
    { "2019-09-2a", "expected YYYY-MM-DD or YYYYMMDD" },
    { "201909271", "expected YYYY-MM-DD or YYYYMMDD" },
    { "2019927", "expected YYYY-MM-DD or YYYYMMDD" },
    { "10000-01-01", "expected YYYY-MM-DD or YYYYMMDD" },
    { "YYYY-MM-DD", "expected YYYY-MM-DD or YYYYMMDD" },
    { "", "expected YYYY-MM-DD or YYYYMMDD" },
};

START_TEST(parse_day_rejects)
{
    char why[64] = "";
    Day d = 12345;
    ck_assert_msg(!cal_parse_day(bad_days[_i].s, strlen(bad_days[_i].s), &d, why, sizeof why),
                  "\"%s\" accepted", bad_days[_i].s);
    ck_assert_str_eq(why, bad_days[_i].why);
    ck_assert_int_eq(d, 12345);
}
END_TEST

START_TEST(parse_day_honours_len)
{
    Day d;
    char why[64];
    ck_assert(cal_parse_day("20190927junk", 8, &d, why, sizeof why));
    ck_assert_int_eq(d, cal_day(2019, 9, 27));
    ck_assert(cal_parse_day("2019-09-270", 10, &d, why, sizeof why));
    ck_assert_int_eq(d, cal_day(2019, 9, 27));
    ck_assert(!cal_parse_day("2019-09-27", 8, &d, why, sizeof why));
    ck_assert_str_eq(why, "expected YYYY-MM-DD or YYYYMMDD");
    ck_assert(!cal_parse_day("2019-09-27", 0, &d, why, sizeof why));

    /* No terminator: reading past the end would trip the address sanitizer. */
    const char exact[10] = { '2', '0', '1', '9', '-', '0', '9', '-', '2', '7' };
    ck_assert(cal_parse_day(exact, sizeof exact, &d, why, sizeof why));
    ck_assert_int_eq(d, cal_day(2019, 9, 27));
    const char shape[9] = { '2', '0', '1', '9', '-', '0', '9', '-', '2' };
    ck_assert(!cal_parse_day(shape, sizeof shape, &d, why, sizeof why));
}
END_TEST

START_TEST(reasons_optional_and_bounded)
{
    Day d;
    ck_assert(!cal_parse_day("2019-02-30", 10, &d, NULL, 0));
    ck_assert(!cal_parse_day("2019-02-30", 10, &d, NULL, 64));

    char small[9] = "xxxxxxxx";
    ck_assert(!cal_parse_day("2019-02-30", 10, &d, small, sizeof small));
    ck_assert_str_eq(small, "February");

    char none[1] = { 'x' };
    ck_assert(!cal_parse_day("2019-02-30", 10, &d, none, 0));
    ck_assert_int_eq(none[0], 'x');
}
END_TEST

/* ---- parsing periods --------------------------------------------------- */

START_TEST(parse_month)
{
    Period p;
    char why[64] = "";
    ck_assert(cal_parse_month("2019-09", 7, &p, why, sizeof why));
    ck_assert_int_eq(p.grain, GRAIN_MONTH);
    ck_assert_int_eq(p.index, 2019 * 12 + 8);
    ck_assert(cal_parse_month("2019-09-27", 7, &p, why, sizeof why));
    ck_assert_int_eq(p.index, 2019 * 12 + 8);

    static const struct { const char *s, *why; } bad[] = {
        { "2019-13", "months run from 01 to 12" },
        { "2019-00", "months run from 01 to 12" },
        { "0999-01", "years run from 1000 to 9999" },
        { "2019-9", "expected YYYY-MM" },
        { "2019-09-27", "expected YYYY-MM" },
        { "201909", "expected YYYY-MM" },
        { "2019/09", "expected YYYY-MM" },
        { "", "expected YYYY-MM" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(!cal_parse_month(bad[i].s, strlen(bad[i].s), &p, why, sizeof why),
                      "\"%s\" accepted", bad[i].s);
        ck_assert_str_eq(why, bad[i].why);
    }
}
END_TEST

START_TEST(parse_fy)
{
    Period p;
    char why[64] = "";
    ck_assert(cal_parse_fy("2019/20", 7, &p, why, sizeof why));
    ck_assert_int_eq(p.grain, GRAIN_FY);
    ck_assert_int_eq(p.index, 2019);
    ck_assert(cal_parse_fy("1999/00", 7, &p, why, sizeof why));
    ck_assert_int_eq(p.index, 1999);
    ck_assert(cal_parse_fy("2019/20 Q1", 7, &p, why, sizeof why));
    ck_assert_int_eq(p.index, 2019);

    static const struct { const char *s, *why; } bad[] = {
        { "2019/21", "the year after 2019 is 2019/20" },
        { "2019/19", "the year after 2019 is 2019/20" },
        { "1999/01", "the year after 1999 is 1999/00" },
        { "2009/01", "the year after 2009 is 2009/10" },
        { "0999/00", "years run from 1000 to 9999" },
        { "2019/2020", "expected YYYY/YY" },
        { "2019-20", "expected YYYY/YY" },
        { "19/20", "expected YYYY/YY" },
        { "2019/20 ", "expected YYYY/YY" },
        { "2019/20 Q1", "expected YYYY/YY" },
        { "", "expected YYYY/YY" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(!cal_parse_fy(bad[i].s, strlen(bad[i].s), &p, why, sizeof why),
                      "\"%s\" accepted", bad[i].s);
        ck_assert_str_eq(why, bad[i].why);
    }
}
END_TEST

START_TEST(parse_quarter)
{
    ck_assert_int_eq(quarter_of("2019/20 Q3").grain, GRAIN_QUARTER);
    ck_assert_int_eq(quarter_of("2019/20 Q3").index, 2019 * 4 + 2);
    ck_assert_int_eq(quarter_of("2019/20\tQ1").index, 2019 * 4);
    ck_assert_int_eq(quarter_of("2019/20 \t  Q4").index, 2019 * 4 + 3);
    ck_assert_int_eq(quarter_of("1999/00 Q2").index, 1999 * 4 + 1);

    Period p;
    char why[64] = "";
    ck_assert(cal_parse_quarter("2019/20 Q12", 10, &p, why, sizeof why));
    ck_assert_int_eq(p.index, 2019 * 4);

    static const struct { const char *s, *why; } bad[] = {
        { "2019/20 Q5", "quarters run from Q1 to Q4" },
        { "2019/20 Q0", "quarters run from Q1 to Q4" },
        { "2019/21 Q1", "the year after 2019 is 2019/20" },
        { "0999/00 Q1", "years run from 1000 to 9999" },
        { "2019/20Q1", "expected YYYY/YY Qn" },
        { "2019/20 q1", "expected YYYY/YY Qn" },
        { "2019/20 Q", "expected YYYY/YY Qn" },
        { "2019/20 Q12", "expected YYYY/YY Qn" },
        { "2019/20 Q1 ", "expected YYYY/YY Qn" },
        { "2019/20 1", "expected YYYY/YY Qn" },
        { "2019-20 Q1", "expected YYYY/YY Qn" },
        { " 2019/20 Q1", "expected YYYY/YY Qn" },
        { "2019/20", "expected YYYY/YY Qn" },
        { "2019/20 ", "expected YYYY/YY Qn" },
        { "", "expected YYYY/YY Qn" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(!cal_parse_quarter(bad[i].s, strlen(bad[i].s), &p, why, sizeof why),
                      "\"%s\" accepted", bad[i].s);
        ck_assert_str_eq(why, bad[i].why);
    }

    ck_assert(!cal_parse_quarter("2019/20 Q1", 9, &p, why, sizeof why));
    ck_assert_str_eq(why, "expected YYYY/YY Qn");
    const char exact[10] = { '2', '0', '1', '9', '/', '2', '0', ' ', 'Q', '2' };
    ck_assert(cal_parse_quarter(exact, sizeof exact, &p, why, sizeof why));
    ck_assert_int_eq(p.index, 2019 * 4 + 1);
}
END_TEST

/* ---- periods ----------------------------------------------------------- */

START_TEST(period_bounds)
{
    Period q4 = quarter_of("2019/20 Q4");
    ck_assert_str_eq(day_text(period_first_day(q4)), "2020-01-01");
    ck_assert_str_eq(day_text(period_last_day(q4)), "2020-03-31");
    ck_assert_int_eq(period_last_day(q4), day_of("2020-03-31"));

    Period q1 = quarter_of("2019/20 Q1");
    ck_assert_str_eq(day_text(period_first_day(q1)), "2019-04-01");
    ck_assert_str_eq(day_text(period_last_day(q1)), "2019-06-30");
    Period q3 = quarter_of("2019/20 Q3");
    ck_assert_str_eq(day_text(period_first_day(q3)), "2019-10-01");
    ck_assert_str_eq(day_text(period_last_day(q3)), "2019-12-31");

    Period fy = { GRAIN_FY, 2019 };
    ck_assert_str_eq(day_text(period_first_day(fy)), "2019-04-01");
    ck_assert_str_eq(day_text(period_last_day(fy)), "2020-03-31");
    ck_assert_int_eq(period_last_day(fy) - period_first_day(fy) + 1, 366);
    fy.index = 2020;
    ck_assert_int_eq(period_last_day(fy) - period_first_day(fy) + 1, 365);

    Period feb = { GRAIN_MONTH, 2020 * 12 + 1 };
    ck_assert_str_eq(day_text(period_first_day(feb)), "2020-02-01");
    ck_assert_str_eq(day_text(period_last_day(feb)), "2020-02-29");
    Period dec = { GRAIN_MONTH, 2019 * 12 + 11 };
    ck_assert_str_eq(day_text(period_last_day(dec)), "2019-12-31");

    Period day = { GRAIN_DAY, day_of("2019-09-27") };
    ck_assert_int_eq(period_first_day(day), day.index);
    ck_assert_int_eq(period_last_day(day), day.index);
}
END_TEST

START_TEST(period_containing_days)
{
    /* March belongs to the financial year that began the April before. */
    Day march = day_of("2020-03-15");
    ck_assert_str_eq(text(period_containing(GRAIN_DAY, march)), "2020-03-15");
    ck_assert_str_eq(text(period_containing(GRAIN_MONTH, march)), "2020-03");
    ck_assert_str_eq(text(period_containing(GRAIN_QUARTER, march)), "2019/20 Q4");
    ck_assert_str_eq(text(period_containing(GRAIN_FY, march)), "2019/20");
    ck_assert_int_eq(period_containing(GRAIN_FY, march).index, 2019);

    ck_assert_str_eq(text(period_containing(GRAIN_QUARTER, day_of("2019-03-31"))), "2018/19 Q4");
    ck_assert_str_eq(text(period_containing(GRAIN_QUARTER, day_of("2019-04-01"))), "2019/20 Q1");
    ck_assert_str_eq(text(period_containing(GRAIN_QUARTER, day_of("2019-12-31"))), "2019/20 Q3");
    ck_assert_str_eq(text(period_containing(GRAIN_QUARTER, day_of("2020-01-01"))), "2019/20 Q4");
    ck_assert_str_eq(text(period_containing(GRAIN_FY, day_of("2019-04-01"))), "2019/20");
    ck_assert_str_eq(text(period_containing(GRAIN_FY, day_of("1000-01-01"))), "0999/00");
    ck_assert_int_eq(period_containing(GRAIN_QUARTER, day_of("2019-09-27")).index, 2019 * 4 + 1);
}
END_TEST

/* Over several years, each grain tiles the days without gaps or overlaps. */
START_TEST(periods_tile_the_days)
{
    static const Grain grains[] = { GRAIN_DAY, GRAIN_MONTH, GRAIN_QUARTER, GRAIN_FY };
    Day from = day_of("1999-01-01"), to = day_of("2021-12-31");
    for (size_t g = 0; g < sizeof grains / sizeof *grains; g++) {
        Period p = period_containing(grains[g], from);
        ck_assert_int_eq(p.grain, grains[g]);
        for (Day d = from; d <= to; d++) {
            if (d > period_last_day(p)) {
                Period next = period_next(p);
                ck_assert_int_eq(period_first_day(next), period_last_day(p) + 1);
                p = next;
            }
            Period c = period_containing(grains[g], d);
            if (c.index != p.index || d < period_first_day(c) || d > period_last_day(c))
                ck_abort_msg("%s %d: day %d in the wrong period", grain_name(grains[g]), c.index, d);
        }
    }
}
END_TEST

START_TEST(period_next_rolls_over)
{
    ck_assert_str_eq(text(period_next((Period){ GRAIN_MONTH, 2019 * 12 + 11 })), "2020-01");
    ck_assert_str_eq(text(period_next(quarter_of("2019/20 Q4"))), "2020/21 Q1");
    ck_assert_str_eq(text(period_next(quarter_of("2019/20 Q1"))), "2019/20 Q2");
    ck_assert_str_eq(text(period_next((Period){ GRAIN_FY, 1999 })), "2000/01");
    ck_assert_str_eq(text(period_next((Period){ GRAIN_DAY, day_of("2020-02-29") })), "2020-03-01");
}
END_TEST

START_TEST(period_text)
{
    ck_assert_str_eq(text((Period){ GRAIN_DAY, day_of("2019-09-27") }), "2019-09-27");
    ck_assert_str_eq(text((Period){ GRAIN_MONTH, 2019 * 12 + 8 }), "2019-09");
    ck_assert_str_eq(text((Period){ GRAIN_QUARTER, 2019 * 4 + 2 }), "2019/20 Q3");
    ck_assert_str_eq(text((Period){ GRAIN_FY, 2019 }), "2019/20");
    ck_assert_str_eq(text((Period){ GRAIN_FY, 1999 }), "1999/00");
    ck_assert_str_eq(text((Period){ GRAIN_QUARTER, 1999 * 4 + 3 }), "1999/00 Q4");
    ck_assert_str_eq(text((Period){ GRAIN_MONTH, 1000 * 12 }), "1000-01");

    char small[5] = "xxxx";
    ck_assert_uint_eq(period_format((Period){ GRAIN_QUARTER, 2019 * 4 + 2 }, small, sizeof small), 10);
    ck_assert_str_eq(small, "2019");
    ck_assert_uint_eq(period_format((Period){ GRAIN_FY, 2019 }, NULL, 0), 7);

    /* What is printed parses back to the same period. */
    Period p;
    char why[64];
    ck_assert(cal_parse_quarter("2019/20 Q3", 10, &p, why, sizeof why));
    ck_assert_str_eq(text(p), "2019/20 Q3");
    ck_assert(cal_parse_month("2019-09", 7, &p, why, sizeof why));
    ck_assert_str_eq(text(p), "2019-09");
    ck_assert(cal_parse_fy("2019/20", 7, &p, why, sizeof why));
    ck_assert_str_eq(text(p), "2019/20");
}
END_TEST

START_TEST(grain_names)
{
    ck_assert_str_eq(grain_name(GRAIN_DAY), "date");
    ck_assert_str_eq(grain_name(GRAIN_MONTH), "month");
    ck_assert_str_eq(grain_name(GRAIN_QUARTER), "quarter");
    ck_assert_str_eq(grain_name(GRAIN_FY), "fy");
}
END_TEST

static Suite *calendar_suite(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("dates");
    tcase_add_test(tc, known_days);
    tcase_add_test(tc, every_day_round_trips);
    tcase_add_test(tc, leap_years);
    tcase_add_test(tc, valid_ymd);
    tcase_add_test(tc, day_arithmetic);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_add_test(tc, parse_day_forms);
    tcase_add_loop_test(tc, parse_day_rejects, 0, (int)(sizeof bad_days / sizeof *bad_days));
    tcase_add_test(tc, parse_day_honours_len);
    tcase_add_test(tc, reasons_optional_and_bounded);
    tcase_add_test(tc, parse_month);
    tcase_add_test(tc, parse_fy);
    tcase_add_test(tc, parse_quarter);
    suite_add_tcase(s, tc);

    tc = tcase_create("periods");
    tcase_add_test(tc, period_bounds);
    tcase_add_test(tc, period_containing_days);
    tcase_add_test(tc, periods_tile_the_days);
    tcase_add_test(tc, period_next_rolls_over);
    tcase_add_test(tc, period_text);
    tcase_add_test(tc, grain_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(calendar_suite());
}
