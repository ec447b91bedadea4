/* calendar.c: civil dates, NHS periods and their text forms. */
#include "base/calendar.h"
#include "base/why.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { YEAR_MIN = 1000, YEAR_MAX = 9999 };

static const char *const month_names[12] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
};

/* Division rounding down, so that the arithmetic below holds on either side
 * of an epoch (b > 0). */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool cal_valid_ymd(int y, int m, int d)
{
    return y >= YEAR_MIN && y <= YEAR_MAX && d >= 1 && d <= cal_days_in_month(y, m);
}

int cal_days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Counting each year from 1 March puts the leap day last, so a day's place
 * in its year no longer depends on whether the year is leap, and the months
 * March..February have lengths that (153*mp + 2)/5 accumulates exactly.
 * Whole 400-year eras then repeat every 146097 days. 719468 is the number of
 * days from 0000-03-01 to 1970-01-01. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                    /* 0..399 */
    int64_t mp = m > 2 ? m - 3 : m + 9;                             /* 0 is March */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;                       /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* 0..146096 */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468;
    int64_t era = floor_div(days, 146097);
    int64_t doe = days - era * 146097;
    /* Take out the leap days before dividing by 365: one every 1460 days,
     * except each 36524th, except the era's last day. */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (yoe * 365 + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = era * 400 + yoe + (*m <= 2);
}

Day cal_day(int y, int m, int d)
{
    return (Day)days_from_civil(y, m, d);
}

void cal_ymd(Day day, int *y, int *m, int *d)
{
    int64_t year;
    civil_from_days(day, &year, m, d);
    *y = (int)year;
}

/* ---- periods --------------------------------------------------------------
 *
 * Every grain but the day is a run of whole months. With months numbered
 * year*12 + (month-1), period i of a grain starts at month i*months + start. */

static const struct { int months, start; } spans[] = {
    [GRAIN_MONTH]   = { 1, 0 },
    [GRAIN_QUARTER] = { 3, 3 },     /* the financial year starts in April */
    [GRAIN_FY]      = { 12, 3 },
};

static Day month_first_day(int64_t month)
{
    return (Day)days_from_civil(floor_div(month, 12), (int)floor_mod(month, 12) + 1, 1);
}

static int64_t first_month(Period p)
{
    return (int64_t)p.index * spans[p.grain].months + spans[p.grain].start;
}

Day period_first_day(Period p)
{
    if (p.grain == GRAIN_DAY)
        return p.index;
    return month_first_day(first_month(p));
}

Day period_last_day(Period p)
{
    if (p.grain == GRAIN_DAY)
        return p.index;
    return month_first_day(first_month(p) + spans[p.grain].months) - 1;
}

Period period_containing(Grain g, Day day)
{
    if (g == GRAIN_DAY)
        return (Period){ g, day };
    int64_t y;
    int m, d;
    civil_from_days(day, &y, &m, &d);
    int64_t month = y * 12 + (m - 1);
    return (Period){ g, (int32_t)floor_div(month - spans[g].start, spans[g].months) };
}

Period period_next(Period p)
{
    p.index++;
    return p;
}

const char *grain_name(Grain g)
{
    switch (g) {
    case GRAIN_DAY:     return "date";
    case GRAIN_MONTH:   return "month";
    case GRAIN_QUARTER: return "quarter";
    case GRAIN_FY:      return "fy";
    }
    return "?";
}

/* ---- text ---------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether [s, s+len) has the shape of pattern, where '#' is any digit. */
static bool shaped(const char *s, size_t len, const char *pattern)
{
    if (len != strlen(pattern))
        return false;
    for (size_t i = 0; i < len; i++)
        if (pattern[i] == '#' ? !is_digit(s[i]) : s[i] != pattern[i])
            return false;
    return true;
}

/* The value of n digits known to be there. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool check_year(int y, char *why, size_t whycap)
{
    if (y < YEAR_MIN || y > YEAR_MAX)
        return why_say(why, whycap, "years run from %d to %d", YEAR_MIN, YEAR_MAX);
    return true;
}

static bool check_month(int y, int m, char *why, size_t whycap)
{
    if (!check_year(y, why, whycap))
        return false;
    if (m < 1 || m > 12)
        return why_say(why, whycap, "months run from 01 to 12");
    return true;
}

static bool check_date(int y, int m, int d, char *why, size_t whycap)
{
    if (!check_month(y, m, why, whycap))
        return false;
    if (d == 0)
        return why_say(why, whycap, "days start at 01");
    int n = cal_days_in_month(y, m);
    if (d > n)
        return why_say(why, whycap, "%s %d has %d days", month_names[m - 1], y, n);
    return true;
}

/* The "YYYY/YY" at s, whose shape is already known. */
static bool read_fy(const char *s, int *fy, char *why, size_t whycap)
{
    int y = digits(s, 4), next = digits(s + 5, 2);
    if (!check_year(y, why, whycap))
        return false;
    if (next != (y + 1) % 100)
        return why_say(why, whycap, "the year after %d is %d/%02d", y, y, (y + 1) % 100);
    *fy = y;
    return true;
}

bool cal_parse_day(const char *s, size_t len, Day *out, char *why, size_t whycap)
{
    int y, m, d;
    if (shaped(s, len, "####-##-##")) {
        y = digits(s, 4);
        m = digits(s + 5, 2);
        d = digits(s + 8, 2);
    } else if (shaped(s, len, "########")) {
        y = digits(s, 4);
        m = digits(s + 4, 2);
        d = digits(s + 6, 2);
    } else {
        return why_say(why, whycap, "expected YYYY-MM-DD or YYYYMMDD");
    }
    if (!check_date(y, m, d, why, whycap))
        return false;
    *out = cal_day(y, m, d);
    return true;
}

bool cal_parse_month(const char *s, size_t len, Period *out, char *why, size_t whycap)
{
    if (!shaped(s, len, "####-##"))
        return why_say(why, whycap, "expected YYYY-MM");
    int y = digits(s, 4), m = digits(s + 5, 2);
    if (!check_month(y, m, why, whycap))
        return false;
    *out = (Period){ GRAIN_MONTH, y * 12 + (m - 1) };
    return true;
}

bool cal_parse_fy(const char *s, size_t len, Period *out, char *why, size_t whycap)
{
    if (!shaped(s, len, "####/##"))
        return why_say(why, whycap, "expected YYYY/YY");
    int fy;
    if (!read_fy(s, &fy, why, whycap))
        return false;
    *out = (Period){ GRAIN_FY, fy };
    return true;
}

bool cal_parse_quarter(const char *s, size_t len, Period *out, char *why, size_t whycap)
{
    size_t i = 7;
    bool ok = len > i && shaped(s, i, "####/##") && is_blank(s[i]);
    if (ok) {
        while (i < len && is_blank(s[i]))
            i++;
        ok = shaped(s + i, len - i, "Q#");
    }
    if (!ok)
        return why_say(why, whycap, "expected YYYY/YY Qn");
    int fy, q = s[i + 1] - '0';
    if (!read_fy(s, &fy, why, whycap))
        return false;
    if (q < 1 || q > 4)
        return why_say(why, whycap, "quarters run from Q1 to Q4");
    *out = (Period){ GRAIN_QUARTER, fy * 4 + (q - 1) };
    return true;
}

/* n (0 .. 10^digits - 1) as `digits` digits, leading zeros kept. */
static void put_digits(char *at, int n, int digits)
{
    for (int i = digits; i-- > 0; n /= 10) at[i] = (char)('0' + n % 10);
}

size_t period_format(Period p, char *buf, size_t cap)
{
    int len = 0, y, m, d;
    int64_t fy;
    if (cap > 0)
        buf[0] = '\0';
    switch (p.grain) {
    case GRAIN_DAY:
        cal_ymd(p.index, &y, &m, &d);
        if (y >= 0 && y <= 9999 && cap > 10) {      /* a report writes thousands: snprintf costs most of it */
            put_digits(buf, y, 4);
            buf[4] = '-';
            put_digits(buf + 5, m, 2);
            buf[7] = '-';
            put_digits(buf + 8, d, 2);
            buf[10] = '\0';
            return 10;
        }
        len = snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
        break;
    case GRAIN_MONTH:
        if (p.index >= 0 && p.index < 10000 * 12 && cap > 7) {
            put_digits(buf, p.index / 12, 4);
            buf[4] = '-';
            put_digits(buf + 5, p.index % 12 + 1, 2);
            buf[7] = '\0';
            return 7;
        }
        len = snprintf(buf, cap, "%04d-%02d", (int)floor_div(p.index, 12),
                       (int)floor_mod(p.index, 12) + 1);
        break;
    case GRAIN_QUARTER:
        fy = floor_div(p.index, 4);
        len = snprintf(buf, cap, "%04d/%02d Q%d", (int)fy, (int)floor_mod(fy + 1, 100),
                       (int)floor_mod(p.index, 4) + 1);
        break;
    case GRAIN_FY:
        len = snprintf(buf, cap, "%04d/%02d", (int)p.index,
                       (int)floor_mod((int64_t)p.index + 1, 100));
        break;
    }
    return len < 0 ? 0 : (size_t)len;
}
