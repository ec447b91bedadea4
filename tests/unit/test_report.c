/* test_report.c: the report writers (runtime/report/report.c, report_text.c,
 * report_data.c) on Reports built by hand.
 *
 * The sample report has two systems, one with a name in UTF-8 ("St Helen’s
 * & Knowsley") and one whose name has a comma, quotes, a line break and
 * <script>; a commitment judged on a milestone, one not due, one with no
 * data, one just below its milestone; a passed and a failed check; a
 * national check; a rating with a label and one without. CSV is compared
 * whole, JSON and text by their key parts and by rules every line obeys.
 *
 * `test_report --dump DIR` writes the sample as DIR/sample.{json,csv,txt}
 * for tests/report.test, which validates the JSON against the schema and
 * loads the CSV into sqlite3. */
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/escape.h"
#include "base/utf8.h"

/* ---- building reports -------------------------------------------------------- */

static Value frac(int64_t n, int64_t d, TypeKind unit)
{
    Num x;
    if (num_make(n, d, &x) != NUM_OK) abort();     /* also used outside a test (--dump) */
    return val_num(x, unit);
}

static Value whole(int64_t n, TypeKind unit)
{
    return val_num(num_int(n), unit);
}

static Value fy(int year)
{
    return val_period((Period){ GRAIN_FY, year });
}

static Value quarter(int fy_year, int q)
{
    return val_period((Period){ GRAIN_QUARTER, fy_year * 4 + q - 1 });
}

static Value range(int from_fy, int to_fy)
{
    Value v = { .kind = V_RANGE, .unit = T_FY };
    v.as.range.from = (Period){ GRAIN_FY, from_fy };
    v.as.range.to = (Period){ GRAIN_FY, to_fy };
    return v;
}

static ReportMark mark(Cmp cmp, Value threshold, Value window)
{
    ReportMark m = { .cmp = (uint8_t)cmp, .threshold = threshold, .window = window };
    m.from = period_first_day(window.as.period);
    m.to = period_last_day(window.as.period);
    return m;
}

#define ALLOC(r, T, n) ((T *)arena_alloc(&(r)->arena, (n) * sizeof(T)))

static const char *const st_helens = "St Helen\xE2\x80\x99s & Knowsley";
static const char *const hostile = "Bath, \"North\" East\nSomerset <script>alert(1)</script>";

static void sample_items(Report *r)
{
    ReportItem *it = r->items = ALLOC(r, ReportItem, 4);
    r->nitems = 4;
    it[0] = (ReportItem){ .id = "ae_standard", .title = "95% of A&E patients seen within four hours",
                          .source = "LTP implementation framework, Annex C", .kind = ITEM_COMMITMENT, .cls = 1,
                          .measure = "ae_4hr", .target = mark(CMP_GE, frac(95, 100, T_PERCENT), fy(2023)),
                          .tolerance = frac(5, 1000, T_PP) };
    it[0].milestones = ALLOC(r, ReportMark, 2);
    it[0].milestones[0] = mark(CMP_GE, frac(90, 100, T_PERCENT), fy(2019));
    it[0].milestones[1] = mark(CMP_GE, frac(92, 100, T_PERCENT), quarter(2020, 4));
    it[0].nmilestones = 2;
    it[1] = (ReportItem){ .id = "ae_local", .title = "Local A&E trajectory", .kind = ITEM_COMMITMENT, .cls = 2,
                          .measure = "ae_4hr", .target = mark(CMP_GE, frac(92, 100, T_PERCENT), fy(2023)),
                          .plan_milestones = true };
    it[2] = (ReportItem){ .id = "balanced", .title = "Plans balance over the horizon", .kind = ITEM_CHECK,
                          .message = "the plan does not balance: it spends more than its allocation",
                          .doc = "Surpluses and deficits over the\nwhole horizon." };
    it[3] = (ReportItem){ .id = "plans_add_up", .title = "Plans add up to the national commitment",
                          .kind = ITEM_NATIONAL_CHECK,
                          .message = "the plans add up to \xC2\xA3" "1.5m less than the national commitment" };
}

static void sample_results(Report *r)
{
    ReportResult *res = r->results = ALLOC(r, ReportResult, 7);
    r->nresults = 7;
    ReportItem *it = r->items;
    res[0] = (ReportResult){ .system = 0, .item = 0, .status = ST_ON_TRACK, .judged = JUDGED_MILESTONE,
                             .milestone = 0, .value = frac(9421, 10000, T_PERCENT),
                             .threshold = frac(90, 100, T_PERCENT), .window = fy(2019), .coverage = 5,
                             .members = 6, .marks = it[0].milestones, .nmarks = 2 };
    res[0].series = ALLOC(r, ReportPoint, 2);
    res[0].series[0] = (ReportPoint){ quarter(2019, 1), cal_day(2019, 4, 1), cal_day(2019, 6, 30),
                                      frac(93, 100, T_PERCENT) };
    res[0].series[1] = (ReportPoint){ quarter(2019, 2), cal_day(2019, 7, 1), cal_day(2019, 9, 30),
                                      val_missing() };
    res[0].nseries = 2;
    res[0].gap = frac(421, 10000, T_PP);
    res[1] = (ReportResult){ .system = 0, .item = 1, .status = ST_NOT_DUE, .judged = JUDGED_NONE,
                             .milestone = -1, .members = 6 };
    res[2] = (ReportResult){ .system = 0, .item = 2, .status = ST_PASS, .judged = JUDGED_CHECK,
                             .milestone = -1, .value = val_bool(true) };
    res[3] = (ReportResult){ .system = 1, .item = 0, .status = ST_NO_DATA, .judged = JUDGED_MILESTONE,
                             .milestone = 0, .threshold = frac(90, 100, T_PERCENT), .window = fy(2019),
                             .members = 3, .marks = it[0].milestones, .nmarks = 2 };
    ReportMark *plan = ALLOC(r, ReportMark, 1);
    plan[0] = mark(CMP_GE, frac(9, 10, T_PERCENT), fy(2019));
    res[4] = (ReportResult){ .system = 1, .item = 1, .status = ST_OFF_TRACK, .judged = JUDGED_MILESTONE,
                             .milestone = 0, .value = frac(8996, 10000, T_PERCENT),
                             .threshold = frac(9, 10, T_PERCENT), .window = fy(2019), .coverage = 3,
                             .members = 3, .marks = plan, .nmarks = 1, .cells_expected = 36, .cells_present = 34,
                             .gap = frac(-4, 10000, T_PP) };
    res[5] = (ReportResult){ .system = 1, .item = 2, .status = ST_FAIL, .judged = JUDGED_CHECK,
                             .milestone = -1, .value = val_bool(false), .window = range(2019, 2023) };
    res[6] = (ReportResult){ .system = REPORT_NATIONAL, .item = 3, .status = ST_FAIL, .judged = JUDGED_CHECK,
                             .milestone = -1, .value = val_bool(false), .across_missing = 2 };
}

static void sample(Report *r)
{
    memset(r, 0, sizeof *r);
    r->engine = "pledge 0.1.0";
    r->rules = "examples/ltp2019/ltp2019.pledge";
    r->round = "ltp2019";
    r->round_title = "NHS Long Term Plan implementation framework, 2019";
    r->as_of = cal_day(2019, 6, 30);
    ReportInput *in = r->inputs = ALLOC(r, ReportInput, 2);
    r->ninputs = 2;
    in[0] = (ReportInput){ .name = "ae", .kind = "feed", .path = "examples/data/nhs/ae_attendances.csv",
                           .rows = 12345, .unmapped_rows = 120, .unmapped_orgs = 3, .skipped_rows = 4 };
    memset(in[0].sha256, 'a', 64);
    in[1] = (ReportInput){ .name = "stp", .kind = "hierarchy", .path = "sqlite:lookup.db:stp", .rows = 230 };
    ReportSystem *sys = r->systems = ALLOC(r, ReportSystem, 2);
    r->nsystems = 2;
    sys[0] = (ReportSystem){ "E54000008", st_helens, 6 };
    sys[1] = (ReportSystem){ "E54000040", hostile, 3 };
    sample_items(r);
    sample_results(r);
    r->rating_decls = ALLOC(r, ReportRatingDecl, 1);
    r->rating_decls[0] = (ReportRatingDecl){ .id = "overall", .title = "Overall progress" };
    r->nrating_decls = 1;
    r->ratings = ALLOC(r, ReportRating, 2);
    r->ratings[0] = (ReportRating){ 0, 0, "advanced", -1 };
    r->ratings[1] = (ReportRating){ 1, 0, NULL, -1 };
    r->nratings = 2;
}

/* ---- capturing output -------------------------------------------------------- */

typedef enum { OUT_TEXT, OUT_JSON, OUT_CSV } Out;

static char *render(const Report *r, Out what, ReportStyle style)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    ck_assert_ptr_nonnull(f);
    bool ok = what == OUT_JSON ? report_json(r, f) : what == OUT_CSV ? report_csv(r, f) : report_text(r, f, style);
    ck_assert(ok);
    ck_assert_int_eq(fclose(f), 0);
    return s;
}

static char *text(const Report *r, bool color, int width)
{
    return render(r, OUT_TEXT, (ReportStyle){ color, width });
}

/* Code points of a line, not counting ANSI escapes (ESC [ ... m). */
static int line_cols(const char *s, size_t n)
{
    int cols = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\x1b') {
            while (i < n && s[i] != 'm') i++;
            continue;
        }
        if (((unsigned char)s[i] & 0xC0) != 0x80) cols++;
    }
    return cols;
}

/* Every line fits width, none ends in a space, and the text ends in '\n'. */
static void assert_lines(const char *s, int width)
{
    size_t len = strlen(s);
    ck_assert_uint_gt(len, 0);
    ck_assert_int_eq(s[len - 1], '\n');
    for (const char *p = s; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = (size_t)(e - p);
        int cols = line_cols(p, n);
        if (cols > width) ck_abort_msg("line of %d columns (> %d): %.*s", cols, width, (int)n, p);
        if (n > 0 && p[n - 1] == ' ') ck_abort_msg("trailing space: %.*s", (int)n, p);
        p = e + 1;
    }
}

static bool has_line(const char *s, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = s; (p = strstr(p, line)); p++)
        if ((p == s || p[-1] == '\n') && p[n] == '\n') return true;
    return false;
}

#define ck_assert_has(hay, needle) ck_assert_msg(strstr((hay), (needle)), "missing: %s\nin:\n%s", (needle), (hay))
#define ck_assert_line(hay, line) ck_assert_msg(has_line((hay), (line)), "no line: %s\nin:\n%s", (line), (hay))

/* ---- values for people --------------------------------------------------------- */

static void assert_display(Value v, const char *want)
{
    char buf[64];
    size_t n = report_display(v, buf, sizeof buf);
    ck_assert_str_eq(buf, want);
    ck_assert_uint_eq(n, strlen(want));
}

START_TEST(display_percent_and_pp)
{
    assert_display(frac(9421, 10000, T_PERCENT), "94.2%");
    assert_display(frac(9425, 10000, T_PERCENT), "94.3%");      /* exact halves round away from zero */
    assert_display(frac(95, 100, T_PERCENT), "95.0%");
    assert_display(frac(1, 3, T_PERCENT), "33.3%");
    assert_display(val_real(0.942, T_PERCENT), "94.2%");
    assert_display(frac(-4, 10000, T_PERCENT), "0.0%");         /* no "-0.0%" */
    assert_display(frac(5, 1000, T_PP), "0.5pp");
    assert_display(frac(-12, 1000, T_PP), "-1.2pp");
    assert_display(val_real(1e300, T_PERCENT), "1e+302%");
}
END_TEST

START_TEST(display_money)
{
    assert_display(whole(1500000, T_MONEY), "\xC2\xA3" "1.5m");
    assert_display(whole(350000, T_MONEY), "\xC2\xA3" "350k");
    assert_display(whole(12500, T_MONEY), "\xC2\xA3" "12.5k");
    assert_display(whole(1234, T_MONEY), "\xC2\xA3" "1,234");
    assert_display(whole(2000000000, T_MONEY), "\xC2\xA3" "2bn");
    assert_display(whole(123456789012, T_MONEY), "\xC2\xA3" "123.5bn");
    assert_display(whole(-3000000, T_MONEY), "-\xC2\xA3" "3m");
    assert_display(whole(0, T_MONEY), "\xC2\xA3" "0");
    assert_display(frac(3, 10, T_MONEY), "\xC2\xA3" "0.30");
    assert_display(whole(999960, T_MONEY), "\xC2\xA3" "1m");       /* not "£1,000k" */
    assert_display(frac(99994, 10, T_MONEY), "\xC2\xA3" "9,999");
    assert_display(val_real(2.5e6, T_MONEY), "\xC2\xA3" "2.5m");
}
END_TEST

START_TEST(display_counts_and_numbers)
{
    assert_display(whole(12345, T_COUNT), "12,345");
    assert_display(whole(1234567, T_COUNT), "1,234,567");
    assert_display(whole(-1234, T_NUMBER), "-1,234");
    assert_display(whole(0, T_COUNT), "0");
    assert_display(whole(999, T_COUNT), "999");
    assert_display(frac(2469, 2, T_COUNT), "1,234.5");
    assert_display(frac(-523, 10000, T_NUMBER), "-0.052");
    assert_display(frac(1, 3, T_NUMBER), "0.333");
    assert_display(frac(5, 2, T_NUMBER), "2.5");
    assert_display(whole(INT64_MAX, T_COUNT), "9.22e+18");
    assert_display(val_real(1e300, T_COUNT), "1e+300");
}
END_TEST

START_TEST(display_other_kinds)
{
    assert_display(val_missing(), "-");
    assert_display(fy(2019), "2019/20");
    assert_display(quarter(2020, 4), "2020/21 Q4");
    assert_display(range(2019, 2023), "2019/20 .. 2023/24");
    assert_display(val_bool(true), "true");
    assert_display(val_text("St Helen\xE2\x80\x99s", 12), "St Helen\xE2\x80\x99s");
    assert_display(val_duration(42), "42 days");
    assert_display(val_status(ST_ON_TRACK), "on_track");

    /* a long text is cut whole characters at a time */
    char big[100], buf[8];
    for (int i = 0; i < 33; i++) memcpy(big + 3 * i, "\xE2\x80\x99", 3);
    ck_assert_uint_eq(report_display(val_text(big, 99), buf, sizeof buf), 6);
    ck_assert_str_eq(buf, "\xE2\x80\x99\xE2\x80\x99");
}
END_TEST

START_TEST(display_beside_threshold)
{
    char buf[64];
    report_display_vs(frac(94996, 100000, T_PERCENT), frac(95, 100, T_PERCENT), buf, sizeof buf);
    ck_assert_str_eq(buf, "94.996%");
    report_display_vs(frac(8996, 10000, T_PERCENT), frac(9, 10, T_PERCENT), buf, sizeof buf);
    ck_assert_str_eq(buf, "89.96%");
    report_display_vs(frac(9421, 10000, T_PERCENT), frac(95, 100, T_PERCENT), buf, sizeof buf);
    ck_assert_str_eq(buf, "94.2%");
    report_display_vs(frac(95, 100, T_PERCENT), frac(95, 100, T_PERCENT), buf, sizeof buf);
    ck_assert_str_eq(buf, "95.0%");
    report_display_vs(whole(1499999, T_MONEY), whole(1500000, T_MONEY), buf, sizeof buf);
    ck_assert_str_eq(buf, "\xC2\xA3" "1,499,999");
    report_display_vs(val_missing(), frac(95, 100, T_PERCENT), buf, sizeof buf);
    ck_assert_str_eq(buf, "-");
}
END_TEST

/* needed in words: the size and direction of the change, the lever, each
 * period's share; a mean higher or lower; nothing without a change */
START_TEST(needed_words)
{
    char buf[320];
    ReportItem ratio = { .needed_shape = "ratio", .needed_of = "sum(ae.breaches)" };
    ReportNeeded n = { .change = whole(-23972, T_COUNT), .per_period = whole(-7991, T_COUNT), .periods = 3,
                       .grain = GRAIN_MONTH };
    report_needed(&ratio, &n, buf, sizeof buf);
    ck_assert_str_eq(buf, "23,972 fewer sum(ae.breaches) (7,991 a month)");
    n = (ReportNeeded){ .change = whole(16, T_COUNT), .periods = 1, .grain = GRAIN_QUARTER };
    report_needed(&ratio, &n, buf, sizeof buf);
    ck_assert_str_eq(buf, "16 more sum(ae.breaches)");
    ReportItem mean = { .needed_shape = "mean", .needed_of = "mean(beds.open)" };
    n = (ReportNeeded){ .change = frac(-25, 2, T_NUMBER), .periods = 3, .grain = GRAIN_MONTH };
    report_needed(&mean, &n, buf, sizeof buf);
    ck_assert_str_eq(buf, "mean(beds.open) 12.5 lower");
    n = (ReportNeeded){ .change = val_missing() };
    ck_assert_uint_eq(report_needed(&ratio, &n, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(names)
{
    char buf[64];
    ck_assert_str_eq(report_status(ST_MET), "met");
    ck_assert_str_eq(report_status(ST_OFF_TRACK), "off_track");
    ck_assert_str_eq(report_status(200), "unknown");
    ck_assert_str_eq(item_kind_name[ITEM_NATIONAL_CHECK], "national check");
    report_window(val_missing(), buf, sizeof buf);
    ck_assert_str_eq(buf, "-");
    report_window(quarter(2019, 1), buf, sizeof buf);
    ck_assert_str_eq(buf, "2019/20 Q1");
}
END_TEST

/* ---- CSV -------------------------------------------------------------------------- */

START_TEST(csv_whole)
{
    Report r;
    sample(&r);
    char *csv = render(&r, OUT_CSV, (ReportStyle){ 0 });
    ck_assert_str_eq(csv,
        "system,system_name,item,kind,class,status,value,threshold,window,coverage,members,complete,cells_expected,"
        "cells_present,gap,needed,operands\n"
        "E54000008,St Helen\xE2\x80\x99s & Knowsley,ae_standard,commitment,foundational,on_track,0.9421,0.9,2019/20,5,6,true,0,0,0.0421,,\n"
        "E54000008,St Helen\xE2\x80\x99s & Knowsley,ae_local,commitment,transformation,not_due,,,,0,6,true,0,0,,,\n"
        "E54000008,St Helen\xE2\x80\x99s & Knowsley,balanced,check,,pass,true,,,0,0,true,0,0,,,\n"
        "E54000008,St Helen\xE2\x80\x99s & Knowsley,overall,rating,,advanced,,,,,,,,,,,\n"
        "E54000040,\"Bath, \"\"North\"\" East\nSomerset <script>alert(1)</script>\",ae_standard,commitment,foundational,no_data,,0.9,2019/20,0,3,true,0,0,,,\n"
        "E54000040,\"Bath, \"\"North\"\" East\nSomerset <script>alert(1)</script>\",ae_local,commitment,transformation,off_track,0.8996,0.9,2019/20,3,3,false,36,34,-0.0004,,\n"
        "E54000040,\"Bath, \"\"North\"\" East\nSomerset <script>alert(1)</script>\",balanced,check,,fail,false,,2019/20 .. 2023/24,0,0,true,0,0,,,\n"
        "E54000040,\"Bath, \"\"North\"\" East\nSomerset <script>alert(1)</script>\",overall,rating,,,,,,,,,,,,,\n"
        ",,plans_add_up,national check,,fail,false,,,0,0,false,0,0,,,\n");
    free(csv);
    report_free(&r);
}
END_TEST

START_TEST(csv_values_in_base_units)
{
    Report r;
    sample(&r);
    r.results[0].value = whole(1500000, T_MONEY);
    r.results[0].threshold = frac(1, 3, T_NUMBER);
    r.results[1].value = val_real(0.1 + 0.2, T_PERCENT);
    r.results[1].threshold = val_text("a \"b\"", 5);
    char *csv = render(&r, OUT_CSV, (ReportStyle){ 0 });
    ck_assert_has(csv, ",on_track,1500000,0.333333333333333,2019/20,");
    ck_assert_has(csv, ",not_due,0.3,\"a \"\"b\"\"\",,0,6,true,0,0,,,\n");
    free(csv);
    report_free(&r);
}
END_TEST

/* A check's comparisons in one cell, exact, "; " between them, "missing"
 * for a side without a value; a cell that starts with a minus gets the
 * formula guard as every text cell does. */
START_TEST(csv_operands)
{
    Report r;
    sample(&r);
    ReportOperands *ops = ALLOC(&r, ReportOperands, 2);
    ops[0] = (ReportOperands){ whole(-18000000, T_MONEY), CMP_GE, whole(0, T_MONEY) };
    ops[1] = (ReportOperands){ val_missing(), CMP_LE, frac(92, 100, T_PERCENT) };
    r.results[5].operands = ops;
    r.results[5].noperands = 2;
    r.results[6].operands = ops + 1;
    r.results[6].noperands = 1;
    char *csv = render(&r, OUT_CSV, (ReportStyle){ 0 });
    ck_assert_has(csv, ",balanced,check,,fail,false,,2019/20 .. 2023/24,0,0,true,0,0,,,'-18000000 >= 0; missing <= 0.92\n");
    ck_assert_has(csv, ",,plans_add_up,national check,,fail,false,,,0,0,false,0,0,,,missing <= 0.92\n");
    free(csv);
    report_free(&r);
}
END_TEST

START_TEST(csv_empty_report)
{
    Report r = { 0 };
    char *csv = render(&r, OUT_CSV, (ReportStyle){ 0 });
    ck_assert_str_eq(csv, "system,system_name,item,kind,class,status,value,threshold,window,coverage,members,complete,"
                          "cells_expected,cells_present,gap,needed,operands\n");
    free(csv);
}
END_TEST

/* ---- JSON ------------------------------------------------------------------------- */

START_TEST(json_empty_report)
{
    Report r = { 0 };
    r.as_of = cal_day(2019, 6, 30);
    r.engine = "pledge 0.1.0";
    char *json = render(&r, OUT_JSON, (ReportStyle){ 0 });
    ck_assert_str_eq(json,
        "{\n"
        "  \"round\": null,\n"
        "  \"round_title\": null,\n"
        "  \"as_of\": \"2019-06-30\",\n"
        "  \"engine\": \"pledge 0.1.0\",\n"
        "  \"rules\": null,\n"
        "  \"inputs\": [],\n"
        "  \"items\": [],\n"
        "  \"results\": [],\n"
        "  \"ratings\": []\n"
        "}\n");
    free(json);
}
END_TEST

START_TEST(json_sample)
{
    Report r;
    sample(&r);
    char *json = render(&r, OUT_JSON, (ReportStyle){ 0 });
    ck_assert_has(json, "{\n  \"round\": \"ltp2019\",\n  \"round_title\": \"NHS Long Term Plan implementation framework, 2019\",\n"
                        "  \"as_of\": \"2019-06-30\",\n  \"engine\": \"pledge 0.1.0\",\n"
                        "  \"rules\": \"examples/ltp2019/ltp2019.pledge\",\n  \"inputs\": [\n");
    ck_assert_has(json, "    {\n      \"name\": \"ae\",\n      \"kind\": \"feed\",\n"
                        "      \"path\": \"examples/data/nhs/ae_attendances.csv\",\n"
                        "      \"sha256\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n"
                        "      \"rows\": 12345,\n      \"skipped_rows\": 4,\n      \"unmapped_rows\": 120,\n"
                        "      \"unmapped_orgs\": 3\n    },\n");
    ck_assert_has(json, "\"path\": \"sqlite:lookup.db:stp\",\n      \"sha256\": null,\n      \"rows\": 230,\n"
                        "      \"skipped_rows\": 0,\n");
    /* the first result, whole */
    ck_assert_has(json,
        "  \"results\": [\n"
        "    {\n"
        "      \"system\": \"E54000008\",\n"
        "      \"system_name\": \"St Helen\xE2\x80\x99s & Knowsley\",\n"
        "      \"item\": \"ae_standard\",\n"
        "      \"kind\": \"commitment\",\n"
        "      \"class\": \"foundational\",\n"
        "      \"status\": \"on_track\",\n"
        "      \"value\": 0.9421,\n"
        "      \"threshold\": 0.9,\n"
        "      \"gap\": 0.0421,\n"
        "      \"window\": \"2019/20\",\n"
        "      \"coverage\": 5,\n"
        "      \"members\": 6,\n"
        "      \"complete\": true,\n"
        "      \"cells_expected\": 0,\n"
        "      \"cells_present\": 0,\n"
        "      \"across_missing\": 0,\n"
        "      \"judged\": \"milestone\",\n"
        "      \"no_plan_date\": false,\n"
        "      \"milestone\": 0,\n"
        "      \"marks\": [\n"
        "        {\n"
        "          \"cmp\": \">=\",\n"
        "          \"threshold\": 0.9,\n"
        "          \"window\": \"2019/20\",\n"
        "          \"from\": \"2019-04-01\",\n"
        "          \"to\": \"2020-03-31\",\n"
        "          \"plan\": null\n"
        "        },\n"
        "        {\n"
        "          \"cmp\": \">=\",\n"
        "          \"threshold\": 0.92,\n"
        "          \"window\": \"2020/21 Q4\",\n"
        "          \"from\": \"2021-01-01\",\n"
        "          \"to\": \"2021-03-31\",\n"
        "          \"plan\": null\n"
        "        }\n"
        "      ],\n"
        "      \"series\": [\n"
        "        {\n"
        "          \"window\": \"2019/20 Q1\",\n"
        "          \"from\": \"2019-04-01\",\n"
        "          \"to\": \"2019-06-30\",\n"
        "          \"value\": 0.93\n"
        "        },\n"
        "        {\n"
        "          \"window\": \"2019/20 Q2\",\n"
        "          \"from\": \"2019-07-01\",\n"
        "          \"to\": \"2019-09-30\",\n"
        "          \"value\": null\n"
        "        }\n"
        "      ],\n"
        "      \"spc\": null,\n"
        "      \"needed\": null\n"
        "    },\n");
    /* not due: missing value, threshold and window are null */
    ck_assert_has(json, "\"status\": \"not_due\",\n      \"value\": null,\n      \"threshold\": null,\n"
                        "      \"gap\": null,\n      \"window\": null,\n      \"coverage\": 0,\n      \"members\": 6,\n"
                        "      \"complete\": true,\n      \"cells_expected\": 0,\n      \"cells_present\": 0,\n"
                        "      \"across_missing\": 0,\n"
                        "      \"judged\": \"none\",\n      \"no_plan_date\": false,\n      \"milestone\": null,\n      \"marks\": [],\n"
                        "      \"series\": [],\n      \"spc\": null,\n      \"needed\": null\n");
    /* a check: boolean value, no marks or series */
    ck_assert_has(json, "\"kind\": \"check\",\n      \"class\": null,\n      \"status\": \"pass\",\n"
                        "      \"value\": true,\n      \"threshold\": null,\n      \"gap\": null,\n      \"window\": null,\n"
                        "      \"coverage\": 0,\n      \"members\": 0,\n      \"complete\": true,\n"
                        "      \"cells_expected\": 0,\n      \"cells_present\": 0,\n      \"across_missing\": 0,\n"
                        "      \"judged\": \"check\",\n      \"operands\": []\n    },\n");
    /* incomplete: returns missing; systems left out of an across(…) */
    ck_assert_has(json, "\"status\": \"off_track\",\n      \"value\": 0.8996,\n      \"threshold\": 0.9,\n"
                        "      \"gap\": -0.0004,\n      \"window\": \"2019/20\",\n      \"coverage\": 3,\n      \"members\": 3,\n"
                        "      \"complete\": false,\n      \"cells_expected\": 36,\n      \"cells_present\": 34,\n"
                        "      \"across_missing\": 0,\n");
    ck_assert_has(json, "\"complete\": false,\n      \"cells_expected\": 0,\n      \"cells_present\": 0,\n"
                        "      \"across_missing\": 2,\n");
    ck_assert_has(json, "\"system_name\": \"Bath, \\\"North\\\" East\\u000aSomerset <script>alert(1)</script>\",\n");
    ck_assert_has(json, "\"window\": \"2019/20 .. 2023/24\",\n");
    ck_assert_has(json, "    {\n      \"system\": null,\n      \"system_name\": null,\n      \"item\": \"plans_add_up\",\n"
                        "      \"kind\": \"national check\",\n");
    ck_assert_has(json, "  \"ratings\": [\n    {\n      \"system\": \"E54000008\",\n      \"rating\": \"overall\",\n"
                        "      \"label\": \"advanced\",\n      \"condition\": null\n    },\n    {\n      \"system\": \"E54000040\",\n"
                        "      \"rating\": \"overall\",\n      \"label\": null,\n      \"condition\": null\n    }\n  ]\n}\n");
    /* items: once each, with what a program needs to show them */
    ck_assert_has(json, "      \"id\": \"ae_standard\",\n      \"title\": \"95% of A&E patients seen within four hours\",\n"
                        "      \"kind\": \"commitment\",\n      \"class\": \"foundational\",\n"
                        "      \"measure\": \"ae_4hr\",\n      \"target\": {\n        \"cmp\": \">=\",\n"
                        "        \"threshold\": 0.95,\n");
    ck_assert_has(json, "      \"tolerance\": 0.005,\n");
    ck_assert_has(json, "      \"plan_milestones\": true,\n");
    ck_assert_has(json, "      \"doc\": \"Surpluses and deficits over the\\u000awhole horizon.\",\n"
                        "      \"needed\": null\n");
    ck_assert_has(json, "      \"message\": \"the plans add up to \xC2\xA3" "1.5m less than the national commitment\",\n");
    free(json);
    report_free(&r);
}
END_TEST

START_TEST(json_escapes)
{
    Report r = { 0 };
    r.round = "a\"b\\c\x01\x1f\x7f/\t\r\n\xE2\x80\x99\xF0\x9F\x8F\xA5<&>";
    r.round_title = "bad \xFF utf-8 \xE2\x80 cut \xC0\xAF overlong \xED\xA0\x80 surrogate";
    char *json = render(&r, OUT_JSON, (ReportStyle){ 0 });
    ck_assert_has(json, "\"round\": \"a\\\"b\\\\c\\u0001\\u001f\\u007f/\\u0009\\u000d\\u000a"
                        "\xE2\x80\x99\xF0\x9F\x8F\xA5<&>\",\n");
    ck_assert_has(json, "\"round_title\": \"bad \\ufffd utf-8 \\ufffd\\ufffd cut \\ufffd\\ufffd overlong "
                        "\\ufffd\\ufffd\\ufffd surrogate\",\n");
    free(json);
}
END_TEST

START_TEST(json_numbers)
{
    Report r;
    sample(&r);
    r.results[0].value = frac(1, 3, T_PERCENT);
    r.results[0].threshold = whole(-1500000, T_MONEY);
    r.results[1].value = val_real(1e20, T_COUNT);
    r.results[1].threshold = val_text("x\ny", 3);
    char *json = render(&r, OUT_JSON, (ReportStyle){ 0 });
    ck_assert_has(json, "\"value\": 0.333333333333333,\n      \"threshold\": -1500000,\n");
    ck_assert_has(json, "\"value\": 1e+20,\n      \"threshold\": \"x\\u000ay\",\n");
    free(json);
    report_free(&r);
}
END_TEST

/* ---- text --------------------------------------------------------------------------- */

START_TEST(text_sample)
{
    Report r;
    sample(&r);
    char *t = text(&r, false, 80);
    assert_lines(t, 80);
    ck_assert(!strchr(t, '\x1b'));
    ck_assert_line(t, "ltp2019: NHS Long Term Plan implementation framework, 2019");
    ck_assert_line(t, "As of 2019-06-30, by pledge 0.1.0, rules examples/ltp2019/ltp2019.pledge");
    /* the bad rows skipped among those read, then the unmapped ones */
    ck_assert_line(t, "  ae: feed, 12,345 rows (4 skipped; 120 unmapped, from 3 organisations in no");
    ck_assert_line(t, "    system), examples/data/nhs/ae_attendances.csv");
    ck_assert_line(t, "  stp: hierarchy, 230 rows, sqlite:lookup.db:stp");
    /* one line per status that occurs, in the spec's order */
    ck_assert_line(t, "Summary: 7 results for 2 systems");
    ck_assert_has(t, "\n  on_track        1\n  off_track       1\n  not_due         1\n"
                     "  no_data         1\n  pass            1\n  fail            2\n");
    /* the overview: statuses and ratings, names cut to fit */
    /* an incomplete verdict marked, and the mark explained */
    ck_assert_has(t, "\nStatuses and ratings\n\n"
                     "System                               ae_standard  ae_local    balanced  overall\n"
                     "--------------------------------------------------------------------------------\n"
                     "E54000008  St Helen\xE2\x80\x99s & Knowsley     on_track     not_due     pass      advanced\n"
                     "E54000040  Bath, \"North\" East So...  no_data      off_track*  fail      -\n\n"
                     "* incomplete: not every return the verdict needs is in (the result below says\n"
                     "  how many)\n");
    /* national checks once, with their message, and the systems an across(…) left out */
    ck_assert_has(t, "National checks\n  plans_add_up  fail       the plans add up to \xC2\xA3" "1.5m less than the national\n"
                     "                           commitment; *incomplete: 2 systems without a value\n"
                     "                           left out\n");
    /* each system */
    ck_assert_line(t, "E54000008 St Helen\xE2\x80\x99s & Knowsley (6 members)");
    ck_assert_line(t, "  rating overall: advanced");
    ck_assert_line(t, "  ae_standard   on_track   94.2% in 2019/20 (milestone >= 90.0%,");
    ck_assert_line(t, "                           tolerance 0.5pp), gap +4.2pp; data from 5 of 6");
    ck_assert_line(t, "                           organisations");
    ck_assert_line(t, "  ae_local      not_due    target >= 92.0% in 2023/24");
    ck_assert_line(t, "  balanced      pass");
    ck_assert_line(t, "E54000040 Bath, \"North\" East Somerset <script>alert(1)</script> (3 members)");
    ck_assert_line(t, "  rating overall: none (no label applied)");
    ck_assert_line(t, "  ae_standard   no_data    no value for 2019/20 (milestone >= 90.0%,");
    ck_assert_line(t, "                           tolerance 0.5pp); data from 0 of 3 organisations");
    /* a gap that would round to nothing keeps the digits that show it */
    ck_assert_line(t, "  ae_local      off_track  89.96% in 2019/20 (milestone >= 90.0%), gap -0.04pp;");
    ck_assert_line(t, "                           *incomplete: 34 of 36 returns in");
    ck_assert_line(t, "  balanced      fail       the plan does not balance: it spends more than its");
    free(t);
    report_free(&r);
}
END_TEST

START_TEST(text_color)
{
    Report r;
    sample(&r);
    char *t = text(&r, true, 80);
    assert_lines(t, 80);
    ck_assert_has(t, "\x1b[32mon_track\x1b[0m");
    ck_assert_has(t, "\x1b[31mfail\x1b[0m");
    ck_assert_has(t, "\x1b[33moff_track\x1b[0m");
    ck_assert_has(t, "\x1b[1mNational checks\x1b[0m");
    free(t);
    report_free(&r);
}
END_TEST

/* A name with escapes and other control characters must not reach the
 * terminal as they are. */
START_TEST(text_control_characters)
{
    Report r;
    sample(&r);
    r.systems[0].name = "Evil\x1b[2J\x07 Trust\xC2\x9B" "1m \xFF";
    char *t = text(&r, false, 80);
    ck_assert(!strchr(t, '\x1b'));
    ck_assert(!strchr(t, '\x07'));
    ck_assert(!strstr(t, "\xC2\x9B"));
    ck_assert_has(t, "E54000008 Evil?[2J? Trust?1m ? (6 members)");
    free(t);
    report_free(&r);
}
END_TEST

/* Whether a line ends in ">=" or a line's words start with "Q4": a test
 * or a window split over two lines. */
static bool split_phrase(const char *s)
{
    if (strstr(s, " >=\n") || strstr(s, " tolerance\n")) return true;
    for (const char *p = s; (p = strstr(p, "Q4")); p++) {
        const char *q = p;
        while (q > s && q[-1] == ' ') q--;
        if (q > s && q[-1] == '\n') return true;
    }
    return false;
}

START_TEST(text_narrow)
{
    Report r;
    sample(&r);
    for (int width = 32; width <= 120; width++) {
        char *t = text(&r, width % 2 == 0, width);
        assert_lines(t, width);
        if (split_phrase(t)) ck_abort_msg("a phrase split at width %d:\n%s", width, t);
        free(t);
    }
    char *t = text(&r, false, 10);        /* narrower than anything can be read: 32 */
    assert_lines(t, 32);
    free(t);
    report_free(&r);
}
END_TEST

/* Twelve items with long ids do not fit 80 columns side by side: they come
 * in chunks, every chunk with the systems' codes. */
START_TEST(text_wide_grid)
{
    Report r;
    sample(&r);
    enum { N = 12 };
    ReportItem *items = arena_alloc(&r.arena, N * sizeof *items);
    ReportResult *res = arena_alloc(&r.arena, 2 * N * sizeof *res);
    for (int i = 0; i < N; i++) {
        items[i] = r.items[0];
        items[i].id = arena_printf(&r.arena, "commitment_number_%02d", i);
        for (int s = 0; s < 2; s++)
            res[s * N + i] = (ReportResult){ .system = (uint32_t)s, .item = (uint32_t)i,
                                             .status = (uint8_t)((i + s) % 6), .milestone = -1 };
    }
    r.items = items;
    r.nitems = N;
    r.results = res;
    r.nresults = 2 * N;
    char *t = text(&r, false, 80);
    assert_lines(t, 80);
    int chunks = 0;
    for (const char *p = t; (p = strstr(p, "\nSystem ")); p++) chunks++;
    ck_assert_int_eq(chunks, 5);            /* 3 items a chunk, then the rating */
    ck_assert_line(t, "System     commitment_number_00  commitment_number_01  commitment_number_02");
    ck_assert_line(t, "E54000008  met                   missed                on_track");
    ck_assert_line(t, "System     commitment_number_09  commitment_number_10  commitment_number_11");
    free(t);
    report_free(&r);
}
END_TEST

/* With room to spare, the grid shows the systems' names too, cut to fit. */
START_TEST(text_names_in_grid)
{
    Report r;
    sample(&r);
    char *t = text(&r, false, 90);
    assert_lines(t, 90);
    ck_assert_has(t, "System                                         ae_standard  ae_local    balanced  overall\n"
                     "------------------------------------------------------------------------------------------\n"
                     "E54000008  St Helen\xE2\x80\x99s & Knowsley               on_track     not_due     pass      advanced\n"
                     "E54000040  Bath, \"North\" East Somerset <sc...  no_data      off_track*  fail      -\n");
    free(t);
    report_free(&r);
}
END_TEST

START_TEST(text_no_round)
{
    Report r = { 0 };
    r.as_of = cal_day(2024, 6, 1);
    char *t = text(&r, false, 80);
    assert_lines(t, 80);
    ck_assert_str_eq(t, "Assessment\nAs of 2024-06-01\n\nSummary: 0 results for 0 systems\n");
    free(t);
}
END_TEST

/* ---- every format --------------------------------------------------------------------- */

/* Whether s has a control character other than a line break (and the
 * escapes of colours, when allowed). One assertion for the whole text:
 * Check records every assertion that passes. */
static bool has_control(const char *s, bool escapes)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n' && !(escapes && *p == '\x1b')) return true;
    return false;
}

/* ---- the escapers (report/escape.h) ---------------------------------------------- */

typedef void (*Escaper)(FILE *, const char *, size_t);

static char *escaped(Escaper e, const char *s, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    e(f, s, n);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

static void assert_escaped(Escaper e, const char *s, size_t n, const char *want)
{
    char *got = escaped(e, s, n);
    ck_assert_msg(strcmp(got, want) == 0, "escaping \"%.*s\": got \"%s\", wanted \"%s\"", (int)n, s, got, want);
    free(got);
}

#define FFFD "\xEF\xBF\xBD"

/* Every C0 character and DEL, alone, in each language. */
START_TEST(escape_controls)
{
    for (unsigned c = 0; c <= 0x7F; c = c == 0x1F ? 0x7F : c + 1) {
        char in[1] = { (char)c }, want[32];
        bool space = c == '\t' || c == '\n' || c == '\r';
        /* HTML: tab, line feed and carriage return as references; the rest cannot be in a page */
        snprintf(want, sizeof want, "&#%u;", c);
        assert_escaped(esc_html, in, 1, space ? want : FFFD);
        /* XML: kept as references (an attribute would turn them to spaces), or U+FFFD where XML 1.0 has none */
        assert_escaped(esc_xml, in, 1, space || c == 0x7F ? want : FFFD);
        /* JSON: \u00XX */
        snprintf(want, sizeof want, "\"\\u%04x\"", c);
        assert_escaped(esc_json, in, 1, want);
        /* CSV: quoted, kept; tab and CR first would start a formula: a quote before */
        snprintf(want, sizeof want, "\"%s%c\"", c == '\t' || c == '\r' ? "'" : "", c);
        char *got = escaped(esc_csv, in, 1);
        ck_assert_msg(memcmp(got, want, strlen(want) + 1) == 0 || (c == 0 && memcmp(got, "\"\0\"", 3) == 0),
                      "CSV of control %u", c);
        free(got);
    }
    /* inside a text, as at its start */
    assert_escaped(esc_html, "a\x01" "b\x1b[31mc\x7f", 10, "a" FFFD "b" FFFD "[31mc" FFFD);
    assert_escaped(esc_xml, "name=\"a\nb\"\x02", 11, "name=&quot;a&#10;b&quot;" FFFD);
    assert_escaped(esc_json, "a\nb\x1b", 4, "\"a\\u000ab\\u001b\"");
    assert_escaped(esc_csv, "a\nb", 3, "\"a\nb\"");
}
END_TEST

/* & < > " ' open markup or end an attribute, a string or a cell. */
START_TEST(escape_markup)
{
    const char *s = "<a href='x'>\"&\"</a>";
    assert_escaped(esc_html, s, strlen(s), "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
    assert_escaped(esc_xml, s, strlen(s), "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
    assert_escaped(esc_json, s, strlen(s), "\"<a href='x'>\\\"&\\\"</a>\"");
    assert_escaped(esc_csv, s, strlen(s), "\"<a href='x'>\"\"&\"\"</a>\"");
    assert_escaped(esc_json, "a\\b", 3, "\"a\\\\b\"");
    assert_escaped(esc_csv, "a,b", 3, "\"a,b\"");
    assert_escaped(esc_csv, "plain text", 10, "plain text");
}
END_TEST

/* Bytes that are not UTF-8 (a stray byte, a continuation byte alone, an
 * overlong form, a surrogate, a sequence cut short, past U+10FFFF) are
 * U+FFFD in all four; well-formed UTF-8 is copied. */
START_TEST(escape_invalid_utf8)
{
    static const char *const bad[] = { "\xff", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "\xfe" };
    static const Escaper all[] = { esc_html, esc_xml, esc_json, esc_csv };
    for (size_t e = 0; e < 4; e++) {
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            char in[16];
            int n = snprintf(in, sizeof in, "a%sb", bad[i]);
            char *got = escaped(all[e], in, (size_t)n);
            ck_assert_msg(utf8_valid(got, strlen(got), NULL), "escaper %zu, bad sequence %zu: not UTF-8", e, i);
            const char *r = all[e] == esc_json ? "\\ufffd" : FFFD;
            char a[16], b[16];
            snprintf(a, sizeof a, "a%s", r);
            snprintf(b, sizeof b, "%sb", r);
            ck_assert_msg(strstr(got, a) && strstr(got, b), "escaper %zu, bad sequence %zu: %s", e, i, got);
            free(got);
        }
        const char *good = "St Helen\xe2\x80\x99s \xf0\x9f\x8f\xa5";
        char *got = escaped(all[e], good, strlen(good));
        ck_assert(strstr(got, good) != NULL);
        free(got);
    }
}
END_TEST

/* A text cell that a spreadsheet would run as a formula reads as text; a
 * number, negative or not, stays a number. */
START_TEST(escape_csv_formulas)
{
    assert_escaped(esc_csv, "=1+2", 4, "'=1+2");
    assert_escaped(esc_csv, "+44 20", 6, "'+44 20");
    assert_escaped(esc_csv, "-1", 2, "'-1");
    assert_escaped(esc_csv, "@SUM(A1)", 8, "'@SUM(A1)");
    assert_escaped(esc_csv, "=HYPERLINK(\"http://x\",\"y\")", 26, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    assert_escaped(esc_csv, "\t=1", 3, "\"'\t=1\"");
    assert_escaped(esc_csv, "\r=1", 3, "\"'\r=1\"");
    assert_escaped(esc_csv, "a=b", 3, "a=b");
    assert_escaped(esc_csv, "", 0, "");
    assert_escaped(esc_csv_number, "-1.5", 4, "-1.5");
    assert_escaped(esc_csv_number, "0.95", 4, "0.95");
}
END_TEST

/* In the reports: a system named with a formula, markup and control
 * characters. */
START_TEST(escape_in_reports)
{
    Report r;
    sample(&r);
    r.systems[0].name = "=cmd|' /C calc'!A0\x01<b>";
    r.systems[1].name = "a\tb\rc\nd";
    r.results[0].value = whole(-3, T_NUMBER);
    char *csv = render(&r, OUT_CSV, (ReportStyle){ 0 });
    ck_assert_ptr_nonnull(strstr(csv, ",\"'=cmd|' /C calc'!A0\x01<b>\","));
    ck_assert_ptr_null(strstr(csv, ",=cmd"));
    ck_assert_ptr_nonnull(strstr(csv, ",-3,"));
    free(csv);
    char *html = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&html, &n);
    ck_assert(report_html(&r, f));
    fclose(f);
    ck_assert_ptr_nonnull(strstr(html, "=cmd|&#39; /C calc&#39;!A0" FFFD "&lt;b&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "a&#9;b&#13;c&#10;d"));
    /* the page's own line breaks are its only control bytes */
    for (const char *p = html; *p; p++)
        ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "a control character in the page");
    free(html);
    report_free(&r);
}
END_TEST

/* Random bytes in every text of the report: the text report still fits and
 * has no control characters; the JSON is still UTF-8 with none raw. */
START_TEST(hostile_bytes)
{
    srand(42);
    for (int round = 0; round < 200; round++) {
        Report r;
        sample(&r);
        char *texts[6];
        for (int k = 0; k < 6; k++) {
            size_t n = (size_t)(rand() % 120);
            texts[k] = arena_alloc(&r.arena, n + 1);
            for (size_t i = 0; i < n; i++) texts[k][i] = (char)(rand() % 255 + 1);
        }
        r.systems[0].name = texts[0];
        r.systems[1].code = texts[1];
        r.items[2].message = texts[2];
        r.items[0].title = texts[3];
        r.round_title = texts[4];
        r.ratings[0].label = texts[5];
        r.results[5].value = val_text(texts[2], (uint32_t)strlen(texts[2]));
        int width = 32 + round % 60;
        char *t = text(&r, round % 2, width);
        assert_lines(t, width);
        ck_assert(!has_control(t, true));
        ck_assert(utf8_valid(t, strlen(t), NULL));
        free(t);
        char *json = render(&r, OUT_JSON, (ReportStyle){ 0 });
        ck_assert(utf8_valid(json, strlen(json), NULL));
        ck_assert(!has_control(json, false));
        free(json);
        report_free(&r);
    }
}
END_TEST

START_TEST(deterministic)
{
    for (int f = OUT_TEXT; f <= OUT_CSV; f++) {
        Report a, b;
        sample(&a);
        sample(&b);
        char *x = render(&a, (Out)f, (ReportStyle){ true, 80 });
        char *y = render(&b, (Out)f, (ReportStyle){ true, 80 });
        ck_assert_str_eq(x, y);
        free(x);
        free(y);
        report_free(&a);
        report_free(&b);
    }
}
END_TEST

START_TEST(write_dispatches)
{
    Report r;
    sample(&r);
    char *want = render(&r, OUT_CSV, (ReportStyle){ 0 });
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    ck_assert(report_write(&r, FORMAT_CSV, f, (ReportStyle){ 0 }));
    fclose(f);
    ck_assert_str_eq(s, want);
    free(s);
    free(want);
    report_free(&r);
}
END_TEST

/* A stream that fails is reported as a failure. */
START_TEST(write_error)
{
    Report r;
    sample(&r);
    FILE *f = fopen("/dev/full", "w");
    if (!f) {
        report_free(&r);
        return;
    }
    setvbuf(f, NULL, _IONBF, 0);
    ck_assert(!report_json(&r, f));
    fclose(f);
    report_free(&r);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("display");
    tcase_add_test(tc, display_percent_and_pp);
    tcase_add_test(tc, display_money);
    tcase_add_test(tc, display_counts_and_numbers);
    tcase_add_test(tc, display_other_kinds);
    tcase_add_test(tc, display_beside_threshold);
    tcase_add_test(tc, names);
    tcase_add_test(tc, needed_words);
    suite_add_tcase(s, tc);

    tc = tcase_create("csv");
    tcase_add_test(tc, csv_whole);
    tcase_add_test(tc, csv_values_in_base_units);
    tcase_add_test(tc, csv_empty_report);
    tcase_add_test(tc, csv_operands);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_add_test(tc, json_empty_report);
    tcase_add_test(tc, json_sample);
    tcase_add_test(tc, json_escapes);
    tcase_add_test(tc, json_numbers);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, text_sample);
    tcase_add_test(tc, text_color);
    tcase_add_test(tc, text_control_characters);
    tcase_add_test(tc, text_narrow);
    tcase_add_test(tc, text_wide_grid);
    tcase_add_test(tc, text_names_in_grid);
    tcase_add_test(tc, text_no_round);
    suite_add_tcase(s, tc);

    tc = tcase_create("escape");
    tcase_add_test(tc, escape_controls);
    tcase_add_test(tc, escape_markup);
    tcase_add_test(tc, escape_invalid_utf8);
    tcase_add_test(tc, escape_csv_formulas);
    tcase_add_test(tc, escape_in_reports);
    suite_add_tcase(s, tc);

    tc = tcase_create("all");
    tcase_add_test(tc, hostile_bytes);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, write_dispatches);
    tcase_add_test(tc, write_error);
    suite_add_tcase(s, tc);
    return s;
}

/* --dump DIR: the sample in every format, for tests/report.test. */
static int dump(const char *dir)
{
    static const char *const ext[] = { "txt", "json", "csv" };
    Report r;
    sample(&r);
    for (int f = OUT_TEXT; f <= OUT_CSV; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/sample.%s", dir, ext[f]);
        FILE *out = fopen(path, "w");
        if (!out) {
            fprintf(stderr, "test_report: %s: %s\n", path, strerror(errno));
            return EXIT_FAILURE;
        }
        bool ok = f == OUT_JSON ? report_json(&r, out) : f == OUT_CSV ? report_csv(&r, out)
                                                         : report_text(&r, out, (ReportStyle){ false, 80 });
        if (fclose(out) != 0 || !ok) return EXIT_FAILURE;
    }
    report_free(&r);
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--dump") == 0) return dump(argv[2]);
    return unit_run(report_suite());
}
