/* report.h: writing a Report (engine/results.h) for people: values rounded
 * for display, and one writer per format: text (report_text.c), JSON and
 * CSV (report_data.c) and a self-contained HTML page (report_html.c). */
#ifndef PLEDGE_REPORT_H
#define PLEDGE_REPORT_H
#include "engine/results.h"

/* A value as people read it in a table or a chart label, rounded for
 * display: "94.2%", "0.5pp", "£1.5m", "12,345", "2019/20", "-" when
 * missing. The JSON and CSV carry the exact val_format(v, true) text
 * instead. Returns the length (buf needs 64 bytes). */
size_t report_display(Value v, char *buf, size_t cap);
/* The same, with up to four more decimals when v differs from ref (its
 * threshold) but would display alike: 94.996% is not shown as "95.0%"
 * beside a target of 95%. */
size_t report_display_vs(Value v, Value ref, char *buf, size_t cap);
/* A result's gap (results.h) for people: signed, "+2.1pp", "-8.5pp",
 * "-£18m", never shown as zero unless it is ("-0.004pp"). */
size_t report_gap(Value gap, char *buf, size_t cap);
/* A result's needed (results.h) for people: "59,541 fewer sum(ae.breaches)
 * (4,962 a month)", "£2m more sum(fin.income)", "mean(beds.open) 12.5
 * higher"; "" when it has none. */
size_t report_needed(const ReportItem *it, const ReportNeeded *n, char *buf, size_t cap);
/* A window's text: "2019/20", "2020/21 Q4", "2019/20 .. 2023/24". */
size_t report_window(Value w, char *buf, size_t cap);
/* The status's name as the spec writes it: "met", "on_track", ... */
const char *report_status(uint8_t status);
/* A comparison as written: ">=", "<", ...; "?" for none of them. */
const char *report_cmp_name(uint8_t cmp);

/* The condition of the arm a rating held by, as written; NULL for
 * `otherwise` and when none held. */
const char *report_arm_condition(const Report *r, const ReportRating *ra);

/* The variation a result was judged under, or NULL. */
static inline const ReportVariation *report_variation(const Report *r, const ReportResult *res)
{
    return res->varied && res->varied <= r->nvariations ? &r->variations[res->varied - 1] : NULL;
}
/* What a variation does, for people: "target >= 95% in 2024/25" or
 * "exempt: \"why\"" (in buf). */
const char *report_variation_what(const ReportVariation *v, char *buf, size_t cap);

typedef enum ReportFormat { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV, FORMAT_HTML } ReportFormat;

typedef struct ReportStyle {
    bool color;                 /* ANSI colours (text, on a terminal with NO_COLOR unset) */
    int  width;                 /* columns available (text); 80 when unknown */
} ReportStyle;

/* Each writes the whole report to out. They return false only when out
 * fails (ferror). */
bool report_text(const Report *r, FILE *out, ReportStyle style);
bool report_json(const Report *r, FILE *out);
bool report_csv(const Report *r, FILE *out);
bool report_html(const Report *r, FILE *out);
bool report_write(const Report *r, ReportFormat f, FILE *out, ReportStyle style);

/* A JSON string (null for NULL): control characters escaped, bytes that
 * are not UTF-8 as U+FFFD. For the other commands' JSON (test, diff). */
void report_json_string(FILE *out, const char *s);

#endif
