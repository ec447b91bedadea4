/* calendar.h: dates and the NHS calendar.
 *
 * A Day counts days from 1970-01-01 (day 0) in the proleptic Gregorian
 * calendar; years 1000 to 9999 are accepted. The NHS financial year 2019/20
 * runs from 1 April 2019 to 31 March 2020; its Q1 is April to June 2019 and
 * its Q4 is January to March 2020. */
#ifndef PLEDGE_CALENDAR_H
#define PLEDGE_CALENDAR_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef int32_t Day;

bool cal_valid_ymd(int y, int m, int d);
int  cal_days_in_month(int y, int m);              /* m from 1 to 12 */
Day  cal_day(int y, int m, int d);                 /* y-m-d must be valid */
void cal_ymd(Day day, int *y, int *m, int *d);

typedef enum Grain { GRAIN_DAY, GRAIN_MONTH, GRAIN_QUARTER, GRAIN_FY } Grain;

/* A period of one grain. index: for a day, the Day; for a month,
 * year*12 + (month-1); for a quarter, fy*4 + (q-1) where fy is the calendar
 * year the financial year starts in; for a financial year, that year. */
typedef struct Period { Grain grain; int32_t index; } Period;

Day    period_first_day(Period p);
Day    period_last_day(Period p);                  /* inclusive */
Period period_containing(Grain g, Day day);
Period period_next(Period p);                      /* the following period of the same grain */
const char *grain_name(Grain g);                   /* "date", "month", "quarter", "fy" */

/* Text forms. Each parser takes exactly the whole text [s, s+len) and on
 * failure writes a reason for a person into why (may be NULL), e.g.
 * "February 2019 has 28 days", "months run from 01 to 12",
 * "the year after 2019 is 2019/20", "quarters run from Q1 to Q4".
 *   day:     2019-09-27 or 20190927
 *   month:   2019-09
 *   fy:      2019/20 (the second part is the next year's last two digits)
 *   quarter: 2019/20 Q3 (one or more spaces or tabs before Q) */
bool cal_parse_day(const char *s, size_t len, Day *out, char *why, size_t whycap);
bool cal_parse_month(const char *s, size_t len, Period *out, char *why, size_t whycap);
bool cal_parse_fy(const char *s, size_t len, Period *out, char *why, size_t whycap);
bool cal_parse_quarter(const char *s, size_t len, Period *out, char *why, size_t whycap);

/* Canonical text of a period ("2019-09-27", "2019-09", "2019/20 Q3",
 * "2019/20"); NUL-terminated; returns the length. buf needs 16 bytes. */
size_t period_format(Period p, char *buf, size_t cap);

#endif
