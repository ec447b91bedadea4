/* make_report.c: builds a Report by hand and writes it with report_html,
 * for tests/html.test. The fixture is small but has every part the page
 * shows: six systems (one named <script>alert(1)</script>, others with & ' "
 * in their names), a foundational commitment with rule milestones and a
 * tolerance, a transformation commitment with each system's own plan (and
 * a system with no plan), a check that fails with a message, a national
 * check and a rating; statuses met to no_data, gaps in a series.
 *
 *   make_report OUT.html [OUT.json]
 *                               the fixture (and its JSON report); prints "svgs N"
 *                               (commitments x systems) and "spc N" (charts whose series
 *                               has 15 values or more)
 *   make_report --empty OUT     a report with nothing in it (no round either)
 *
 * Exit: 0 written, 1 the writer failed, 2 usage. */
#include "report/report.h"
#include "engine/spc.h"
#include <stdio.h>
#include <string.h>

static Value pct(int permille)
{
    Num n;
    num_make(permille, 1000, &n);
    return val_num(n, T_PERCENT);
}

static Value money(int64_t pounds) { return val_num(num_int(pounds), T_MONEY); }

/* The fixture's gap: value - threshold (every target here is >=), as the
 * engine's result_gap gives it; missing without a value. */
static Value gap_of(Value v, Value t)
{
    return val_is_number(v) && val_is_number(t) ? val_arith(AR_SUB, v, t) : val_missing();
}

static Value fy(int y) { return val_period((Period){ GRAIN_FY, y }); }
static Value quarter(int y, int q) { return val_period((Period){ GRAIN_QUARTER, y * 4 + q - 1 }); }

static ReportMark mark(Cmp cmp, Value threshold, Value window)
{
    ReportMark m = { .cmp = (uint8_t)cmp, .threshold = threshold, .window = window };
    m.from = period_first_day(window.as.period);
    m.to = period_last_day(window.as.period);
    return m;
}

enum { NSYS = 6, FIRST_Q = 2017 * 4, NQ = 17 };    /* 2017/18 Q1 .. 2021/22 Q1 */

static const struct {
    const char *code, *name;
    int base, trend;            /* per mille at 2017/18 Q1, change per quarter */
    int last_known;             /* quarters with data (from the first) */
    int gap;                    /* a quarter missing (-1: none) */
    int plan;                   /* ae_local's 2019/20 milestone, per mille (0: no plan) */
    uint32_t members;
} sys[NSYS] = {
    { "E54000007", "Cheshire & Merseyside", 935, -1, NQ, -1, 900, 14 },
    { "E54000008", "Kent and Medway's \"STP\"", 905, -2, NQ, 9, 880, 9 },
    { "E54000040", "Bath and North East Somerset, Swindon and Wiltshire", 960, 0, NQ, -1, 930, 6 },
    { "E54000041", "Lincolnshire", 890, -3, NQ, -1, 0, 4 },
    { "E54000044", "Bedfordshire, Luton & Milton Keynes", 925, 1, 12, -1, 910, 5 },
    { "E54000099", "<script>alert(1)</script>", 950, -1, NQ, 5, 940, 3 },
};
static const int season[4] = { 6, 3, -14, -5 };     /* winter is worst */

static int quarter_value(int s, int k) { return sys[s].base + sys[s].trend * k + season[k % 4]; }
static bool quarter_known(int s, int k) { return k < sys[s].last_known && k != sys[s].gap; }

static ReportPoint *series(Arena *a, int s)
{
    ReportPoint *p = arena_alloc(a, NQ * sizeof *p);
    for (int k = 0; k < NQ; k++) {
        p[k].window = val_period((Period){ GRAIN_QUARTER, FIRST_Q + k });
        p[k].from = period_first_day(p[k].window.as.period);
        p[k].to = period_last_day(p[k].window.as.period);
        p[k].value = quarter_known(s, k) ? pct(quarter_value(s, k)) : val_missing();
    }
    return p;
}

/* >= with the slack of a tolerance (per mille) */
static uint8_t judge(Value v, int threshold, int tol, bool target)
{
    if (!val_is_number(v)) return ST_NO_DATA;
    bool ok = val_to_double(v) * 1000 >= threshold - tol - 1e-9;
    return target ? (ok ? ST_MET : ST_MISSED) : (ok ? ST_ON_TRACK : ST_OFF_TRACK);
}

/* ae_standard's series with at least 15 values: the charts that get
 * process control icons (counted here, not by spc_chart) */
static int long_series;

static void build(Report *r)
{
    Arena *a = &r->arena;
    r->engine = "pledge 0.1.0";
    r->rules = "tests/html/<fixture> & \"rules\".pledge";
    r->round = "ltp2019";
    r->round_title = "NHS Long Term Plan implementation framework, 2019";
    r->as_of = cal_day(2021, 8, 15);

    r->ninputs = 3;
    r->inputs = arena_alloc(a, r->ninputs * sizeof *r->inputs);
    r->inputs[0] = (ReportInput){ "ae", "feed", "examples/data/nhs/ae_attendances.csv",
                                  "3f0c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a", 12345, 4, 321, 3 };
    r->inputs[1] = (ReportInput){ "stp", "hierarchy", "examples/data/nhs/Trust-STP-lookup.csv",
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 229, 0, 0, 0 };
    r->inputs[2] = (ReportInput){ "plans", "feed", "sqlite:plans & \"v2\" <final>.db:plans", "", 20, 0, 0, 0 };

    r->nsystems = NSYS;
    r->systems = arena_alloc(a, NSYS * sizeof *r->systems);
    for (int s = 0; s < NSYS; s++) r->systems[s] = (ReportSystem){ sys[s].code, sys[s].name, sys[s].members };

    enum { AE_STANDARD, AE_LOCAL, BALANCED, NATIONAL, NITEMS };
    r->nitems = NITEMS;
    r->items = arena_alloc(a, NITEMS * sizeof *r->items);
    ReportItem *std = &r->items[AE_STANDARD], *loc = &r->items[AE_LOCAL];
    *std = (ReportItem){ .id = "ae_standard", .title = "95% of A&E patients seen within four hours",
                         .source = "LTP implementation framework, Annex C", .kind = ITEM_COMMITMENT, .cls = 1,
                         .measure = "ae_4hr", .target = mark(CMP_GE, pct(950), fy(2023)) };
    Num half;
    num_make(5, 1000, &half);
    std->tolerance = val_num(half, T_PP);
    std->nmilestones = 2;
    std->milestones = arena_alloc(a, 2 * sizeof *std->milestones);
    std->milestones[0] = mark(CMP_GE, pct(900), fy(2019));
    std->milestones[1] = mark(CMP_GE, pct(920), quarter(2020, 4));
    *loc = (ReportItem){ .id = "ae_local", .title = "Local A&E trajectory", .kind = ITEM_COMMITMENT, .cls = 2,
                         .doc = "Each system's own trajectory towards 92%,\nfrom its plan submission.",
                         .measure = "ae_4hr", .target = mark(CMP_GE, pct(920), fy(2023)), .plan_milestones = true };
    r->items[BALANCED] = (ReportItem){ .id = "balanced", .title = "Plans balance over the horizon", .kind = ITEM_CHECK,
                                       .message = "the plan does not balance: it spends more than its allocation" };
    r->items[NATIONAL] = (ReportItem){ .id = "national_ae", .title = "Plans add up to the national standard",
                                       .kind = ITEM_NATIONAL_CHECK, .doc = "Summed over every system's plan & trajectory.",
                                       .message = "the plans reach <95% nationally & \"fall short\" of the standard" };

    r->nresults = NSYS * 3 + 1;
    r->results = arena_alloc(a, r->nresults * sizeof *r->results);
    r->nrating_decls = 1;
    r->rating_decls = arena_alloc(a, sizeof *r->rating_decls);
    static ReportArm arms[] = { { "advanced", "ae_standard == on_track" },
                                { "making_progress", "ae_standard != no_data" }, { "needs_improvement", NULL } };
    r->rating_decls[0] = (ReportRatingDecl){ "overall", "Overall progress", arms, 3 };
    r->nratings = NSYS;
    r->ratings = arena_alloc(a, NSYS * sizeof *r->ratings);

    size_t n = 0;
    for (int s = 0; s < NSYS; s++) {
        uint32_t cover = sys[s].members - (s % 3 == 1);
        ReportPoint *pts = series(a, s);

        /* ae_standard: judged on the 2020/21 Q4 milestone as of August 2021 */
        ReportResult *res = &r->results[n++];
        int k = 2020 * 4 + 3 - FIRST_Q;
        *res = (ReportResult){ .system = (uint32_t)s, .item = AE_STANDARD, .judged = JUDGED_MILESTONE, .milestone = 1,
                               .value = pts[k].value, .threshold = pct(920), .window = quarter(2020, 4),
                               .coverage = cover, .members = sys[s].members,
                               .marks = std->milestones, .nmarks = 2, .series = pts, .nseries = NQ };
        res->status = judge(res->value, 920, 5, false);
        res->gap = gap_of(res->value, res->threshold);
        spc_chart(pts, NQ, &std->target, a, &res->spc);
        int values = 0;
        for (int q = 0; q < NQ; q++) values += quarter_known(s, q);
        long_series += values >= 15;
        if (s == 2) res->cells_expected = 60, res->cells_present = 58;     /* two returns not in */
        uint8_t st_std = res->status;

        /* ae_local: the system's plan, judged on 2020/21 (the mean of its
         * quarters stands in for the ratio of sums here) */
        res = &r->results[n++];
        *res = (ReportResult){ .system = (uint32_t)s, .item = AE_LOCAL, .series = pts, .nseries = NQ,
                               .coverage = cover, .members = sys[s].members, .milestone = -1 };
        if (sys[s].plan) {
            res->nmarks = 4;
            res->marks = arena_alloc(a, 4 * sizeof *res->marks);
            for (int y = 0; y < 4; y++) res->marks[y] = mark(CMP_GE, pct(sys[s].plan + 5 * y), fy(2019 + y));
            int sum = 0, known = 0;
            for (int q = 0; q < 4; q++) {
                int kk = 2020 * 4 + q - FIRST_Q;
                if (quarter_known(s, kk)) { sum += quarter_value(s, kk); known++; }
            }
            Num mean;
            if (known) num_make(sum, 1000 * known, &mean);
            res->value = known ? val_num(mean, T_PERCENT) : val_missing();
            res->threshold = res->marks[1].threshold;
            res->window = fy(2020);
            res->judged = JUDGED_MILESTONE;
            res->milestone = 1;
            res->status = judge(res->value, sys[s].plan + 5, 0, false);
            res->gap = gap_of(res->value, res->threshold);
        } else {
            res->status = ST_NOT_DUE;
        }
        if (s == 0) res->coverage = 1, res->keyed_by_system = 1;   /* as if it read a plan on the system itself */

        /* balanced: a bool require */
        res = &r->results[n++];
        *res = (ReportResult){ .system = (uint32_t)s, .item = BALANCED, .judged = JUDGED_CHECK, .milestone = -1,
                               .status = s == 3 ? ST_NO_DATA : s % 2 ? ST_FAIL : ST_PASS,
                               .value = s == 3 ? val_missing() : val_bool(s % 2 == 0),
                               .window = val_period((Period){ GRAIN_FY, 2019 }) };
        /* its comparison: the plan's surplus against £0 (none for no_data's) */
        res->noperands = 1;
        res->operands = arena_alloc(a, sizeof *res->operands);
        res->operands[0] = (ReportOperands){ s == 3 ? val_missing() : money(s % 2 ? -18000000 - 500000 * s : 2000000 * s),
                                             CMP_GE, money(0) };

        int32_t arm = st_std == ST_ON_TRACK ? 0 : st_std == ST_NO_DATA ? -1 : 1;
        r->ratings[s] = (ReportRating){ (uint32_t)s, 0, arm >= 0 ? arms[arm].label : NULL, arm };
    }
    r->results[n] = (ReportResult){ .system = REPORT_NATIONAL, .item = NATIONAL, .judged = JUDGED_CHECK, .milestone = -1,
                                    .status = ST_FAIL, .value = pct(931), .window = fy(2023), .noperands = 1 };
    r->results[n].operands = arena_alloc(a, sizeof *r->results[n].operands);
    r->results[n].operands[0] = (ReportOperands){ pct(931), CMP_GE, pct(950) };
    n++;
}

int main(int argc, char **argv)
{
    bool empty = argc == 3 && strcmp(argv[1], "--empty") == 0;
    const char *json = argc == 3 && !empty ? argv[2] : NULL;
    if ((argc != 2 && argc != 3) || (empty && argc != 3)) {
        fprintf(stderr, "usage: make_report [--empty] OUT.html | make_report OUT.html OUT.json\n");
        return 2;
    }
    Report r = { 0 };
    if (empty) {
        r.engine = "pledge 0.1.0";
        r.rules = "empty.pledge";
        r.as_of = cal_day(2019, 6, 30);
    } else {
        build(&r);
    }
    const char *html = empty ? argv[2] : argv[1];
    FILE *out = fopen(html, "wb");
    if (!out) { perror(html); report_free(&r); return 1; }
    bool ok = report_html(&r, out);
    ok &= fclose(out) == 0;
    if (json) {
        FILE *jf = fopen(json, "wb");
        if (!jf) { perror(json); report_free(&r); return 1; }
        ok &= report_json(&r, jf);
        ok &= fclose(jf) == 0;
    }
    size_t commitments = 0;
    for (size_t i = 0; i < r.nitems; i++) commitments += r.items[i].kind == ITEM_COMMITMENT;
    printf("svgs %zu\n", commitments * r.nsystems);
    printf("spc %d\n", long_series);
    report_free(&r);
    return ok ? 0 : 1;
}
