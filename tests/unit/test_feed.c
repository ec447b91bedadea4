/* test_feed.c: the data layer (runtime/data/feed.c): organisation codes, feeds,
 * vintages, lags, hierarchies with effective dates, aggregates, and the
 * messages for bad input.
 *
 * The real NHS files in examples/data/nhs/ (found through $SRCDIR, default
 * ".") are checked against the facts in their README and against sums this
 * test computes itself by reading the CSV directly. Small cases are written
 * to a temporary folder, rule file and CSV side by side, so each expectation
 * sits next to the data it is about. */
#include <check.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include <sqlite3.h>
#include "vm/compile.h"
#include "data/csv.h"
#include "data/feed.h"
#include "data/pred.h"
#include "lang/front.h"

/* ---- helpers --------------------------------------------------------------- */

static char tmpdir[256];
static SRunner *runner;

static const char *srcdir(void)
{
    const char *s = getenv("SRCDIR");
    return s && *s ? s : ".";
}

static Day D(int y, int m, int d) { return cal_day(y, m, d); }

/* A path under the temporary folder. */
static void tmp_path(char *buf, size_t cap, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", tmpdir, name);
    ck_assert(n > 0 && (size_t)n < cap);
}

static void write_bytes(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Writes text to the temporary file `name`; its path goes to buf. */
static void write_tmp(char *buf, size_t cap, const char *name, const char *text)
{
    tmp_path(buf, cap, name);
    write_bytes(buf, text, strlen(text));
}

/* A file's text, built a line at a time. */
typedef struct FileText { char *s; size_t len, cap; } FileText;

static void text_add(FileText *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(FileText *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        ck_assert(n >= 0);
        if (t->s && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = 2 * t->cap + (size_t)n + 64;
        t->s = realloc(t->s, t->cap);
        ck_assert_ptr_nonnull(t->s);
    }
}

/* Writes t to the temporary file `name` (its path to buf) and frees it. */
static void text_write(FileText *t, char *buf, size_t cap, const char *name)
{
    tmp_path(buf, cap, name);
    write_bytes(buf, t->s, t->len);
    free(t->s);
    *t = (FileText){ 0 };
}

/* Shuffles a[0 .. n) by a fixed generator from *seed: a failure repeats. */
static void shuffle(uint32_t *a, uint32_t n, uint64_t *seed)
{
    for (uint32_t i = n - 1; n && i > 0; i--) {
        *seed = *seed * 6364136223846793005u + 1442695040888963407u;
        uint32_t j = (uint32_t)((*seed >> 33) % (i + 1)), t = a[i];
        a[i] = a[j], a[j] = t;
    }
}

typedef struct Rules {
    BcProgram bc;
    Vm       *vm;
    Orgs     *orgs;
} Rules;

static void rules_from_file(Rules *r, const char *path)
{
    memset(r, 0, sizeof *r);
    Program p = { 0 };
    bool ok = front_load(&p, path) && comp_program(&p, &r->bc);
    if (!ok) diag_print(&p.diags, stderr, false);
    front_free(&p);
    ck_assert_msg(ok, "%s does not compile", path);
    r->vm = vm_new(&r->bc, VM_DEFAULT_LIMITS, NULL, 0);
    ck_assert_ptr_nonnull(r->vm);
    r->orgs = orgs_new();
}

static void rules_from_text(Rules *r, const char *text)
{
    static int n;
    char name[64], path[512];
    snprintf(name, sizeof name, "rules%d.pledge", n++);
    write_tmp(path, sizeof path, name, text);
    rules_from_file(r, path);
}

static void rules_free(Rules *r)
{
    vm_free(r->vm);
    orgs_free(r->orgs);
    bc_free(&r->bc);
}

static uint16_t feed_index(const BcProgram *p, const char *name)
{
    for (uint16_t i = 0; i < p->nfeeds; i++)
        if (strcmp(p->feeds[i].name, name) == 0) return i;
    ck_abort_msg("no feed %s", name);
    return 0;
}

static uint16_t hier_index(const BcProgram *p, const char *name)
{
    for (uint16_t i = 0; i < p->nhiers; i++)
        if (strcmp(p->hiers[i].name, name) == 0) return i;
    ck_abort_msg("no hierarchy %s", name);
    return 0;
}

/* The aggregate func(feed.column), with a where-filter or without. The
 * compiler numbers aggregates in order of first use, so search. */
static uint32_t agg(const BcProgram *p, const char *feed, const char *column, AggFunc func, bool filtered)
{
    uint16_t fi = feed_index(p, feed);
    uint32_t found = UINT32_MAX;
    for (uint32_t g = 0; g < p->naggs; g++) {
        const BcAggregate *a = &p->aggs[g];
        if (a->feed != fi || a->func != func || (a->filter >= 0) != filtered) continue;
        if (strcmp(p->feeds[fi].columns[a->column].name, column) != 0) continue;
        ck_assert_msg(found == UINT32_MAX, "two aggregates match %s.%s", feed, column);
        found = g;
    }
    ck_assert_msg(found != UINT32_MAX, "no aggregate over %s.%s (func %d, filtered %d)", feed, column, func, filtered);
    return found;
}

static FeedData *try_load(Rules *r, const char *feed, const char *path, const FeedOptions *opt, char *why,
                          size_t cap)
{
    why[0] = '\0';
    return feed_load(&r->bc, feed_index(&r->bc, feed), DATA_PATH(path), r->orgs, r->vm, opt, why, cap);
}

static FeedData *load(Rules *r, const char *feed, const char *path)
{
    char why[1024];
    FeedData *f = try_load(r, feed, path, NULL, why, sizeof why);
    ck_assert_msg(f != NULL, "%s does not load: %s", path, why);
    return f;
}

static Hierarchy *load_hier(Rules *r, const char *hier, const char *path)
{
    char why[1024] = "";
    Hierarchy *h = hier_load(&r->bc, hier_index(&r->bc, hier), DATA_PATH(path), r->orgs, NULL, why, sizeof why);
    ck_assert_msg(h != NULL, "%s does not load: %s", path, why);
    return h;
}

static uint32_t org(const Rules *r, const char *code)
{
    uint32_t id = orgs_find(r->orgs, code, strlen(code));
    ck_assert_msg(id != ORG_NONE, "organisation %s was never seen", code);
    return id;
}

#define assert_missing(v) ck_assert_msg((v).kind == V_MISSING, "expected missing, got kind %d", (v).kind)

/* v is exactly n/d */
static void assert_exact(Value v, int64_t n, int64_t d, const char *what)
{
    ck_assert_msg(v.kind == V_NUM, "%s: expected %lld/%lld, got kind %d", what, (long long)n, (long long)d, v.kind);
    ck_assert_msg(v.as.num.n == n && v.as.num.d == d, "%s: expected %lld/%lld, got %lld/%lld", what, (long long)n,
                  (long long)d, (long long)v.as.num.n, (long long)v.as.num.d);
}
#define assert_int(v, n) assert_exact((v), (n), 1, #v)

/* Every organisation id of the run. */
static uint32_t *all_orgs(const Rules *r, size_t *n)
{
    *n = orgs_count(r->orgs);
    uint32_t *ids = malloc((*n + 1) * sizeof *ids);
    for (uint32_t i = 0; i < *n; i++) ids[i] = i;
    return ids;
}

/* ---- the real files, read directly ------------------------------------------ */

typedef struct AeRow {
    char      org[16];
    char      type[8];
    int       y, m;
    long long attendances, breaches;
} AeRow;

static int position(const CsvField *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (h[i].len == strlen(name) && memcmp(h[i].ptr, name, h[i].len) == 0) return (int)i;
    ck_abort_msg("the header has no %s", name);
    return -1;
}

static void copy_field(char *dst, size_t cap, const CsvField *f)
{
    ck_assert_uint_lt(f->len, cap);
    memcpy(dst, f->ptr, f->len);
    dst[f->len] = '\0';
}

static long long to_ll(const CsvField *f)
{
    char buf[32];
    copy_field(buf, sizeof buf, f);
    char *end;
    long long v = strtoll(buf, &end, 10);
    ck_assert_msg(*end == '\0' && end != buf, "not a whole number: %s", buf);
    return v;
}

static void real_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/examples/data/nhs/%s", srcdir(), name);
}

/* Every row of ae_attendances.csv, read with the CSV reader alone. */
static AeRow *read_ae(size_t *nrows)
{
    char path[1024], why[256];
    real_path(path, sizeof path, "ae_attendances.csv");
    CsvReader *csv = csv_open_file(path, why, sizeof why);
    ck_assert_msg(csv != NULL, "%s: %s", path, why);
    const CsvField *rec;
    size_t n;
    ck_assert_int_eq(csv_next(csv, &rec, &n), CSV_RECORD);
    int pp = position(rec, n, "period"), po = position(rec, n, "org_code"), pt = position(rec, n, "type"),
        pa = position(rec, n, "attendances"), pb = position(rec, n, "breaches");
    size_t cap = 16384, len = 0;
    AeRow *rows = malloc(cap * sizeof *rows);
    CsvStatus st;
    while ((st = csv_next(csv, &rec, &n)) == CSV_RECORD) {
        if (len == cap) rows = realloc(rows, (cap *= 2) * sizeof *rows);
        AeRow *row = &rows[len++];
        copy_field(row->org, sizeof row->org, &rec[po]);
        copy_field(row->type, sizeof row->type, &rec[pt]);
        char period[16];
        copy_field(period, sizeof period, &rec[pp]);
        int d;
        ck_assert_int_eq(sscanf(period, "%d-%d-%d", &row->y, &row->m, &d), 3);
        row->attendances = to_ll(&rec[pa]);
        row->breaches = to_ll(&rec[pb]);
    }
    ck_assert_int_eq(st, CSV_END);
    csv_close(csv);
    *nrows = len;
    return rows;
}

typedef struct Link { char code[16], stp[16], name[128]; } Link;

/* Every row of Trust-STP-lookup.csv. */
static Link *read_lookup(size_t *nlinks)
{
    char path[1024], why[256];
    real_path(path, sizeof path, "Trust-STP-lookup.csv");
    CsvReader *csv = csv_open_file(path, why, sizeof why);
    ck_assert_msg(csv != NULL, "%s: %s", path, why);
    const CsvField *rec;
    size_t n;
    ck_assert_int_eq(csv_next(csv, &rec, &n), CSV_RECORD);
    int pc = position(rec, n, "code"), ps = position(rec, n, "STP_code"), pn = position(rec, n, "STP");
    Link *links = malloc(256 * sizeof *links);
    size_t len = 0;
    while (csv_next(csv, &rec, &n) == CSV_RECORD) {
        ck_assert_uint_lt(len, 256);
        copy_field(links[len].code, sizeof links[len].code, &rec[pc]);
        copy_field(links[len].stp, sizeof links[len].stp, &rec[ps]);
        copy_field(links[len].name, sizeof links[len].name, &rec[pn]);
        len++;
    }
    csv_close(csv);
    *nlinks = len;
    return links;
}

static const Link *lookup_find(const Link *links, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(links[i].code, code) == 0) return &links[i];
    return NULL;
}

/* tests/data/ae.pledge with both real files loaded */
typedef struct Real {
    Rules      r;
    FeedData  *ae;
    Hierarchy *stp;
} Real;

static void real_load(Real *x)
{
    char rules[1024], ae[1024], stp[1024];
    snprintf(rules, sizeof rules, "%s/tests/data/ae.pledge", srcdir());
    real_path(ae, sizeof ae, "ae_attendances.csv");
    real_path(stp, sizeof stp, "Trust-STP-lookup.csv");
    rules_from_file(&x->r, rules);
    x->stp = load_hier(&x->r, "stp", stp);
    x->ae = load(&x->r, "ae", ae);
}

static void real_free(Real *x)
{
    feed_free(x->ae);
    hier_free(x->stp);
    rules_free(&x->r);
}

/* ---- organisation codes -------------------------------------------------------- */

START_TEST(orgs_interning)
{
    Orgs *o = orgs_new();
    ck_assert_uint_eq(orgs_count(o), 0);
    ck_assert_uint_eq(orgs_find(o, "RX1", 3), ORG_NONE);
    uint32_t a = orgs_intern(o, "RX1", 3), b = orgs_intern(o, "RX12", 3);
    ck_assert_uint_eq(a, b);                    /* only the first len bytes count */
    ck_assert_uint_ne(orgs_intern(o, "RX12", 4), a);
    ck_assert_str_eq(orgs_code(o, a), "RX1");
    ck_assert_str_eq(orgs_code(o, 999), "?");
    /* enough codes to grow the table several times; ids stay put */
    char code[16];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(code, sizeof code, "C%04d", i);
        ck_assert_uint_eq(orgs_intern(o, code, (size_t)n), (uint32_t)i + 2);
    }
    ck_assert_uint_eq(orgs_count(o), 5002);
    for (int i = 0; i < 5000; i += 7) {
        int n = snprintf(code, sizeof code, "C%04d", i);
        ck_assert_uint_eq(orgs_find(o, code, (size_t)n), (uint32_t)i + 2);
        ck_assert_str_eq(orgs_code(o, (uint32_t)i + 2), code);
    }
    ck_assert_uint_eq(orgs_find(o, "RX1", 3), a);
    ck_assert_uint_eq(orgs_find(o, "C5000", 5), ORG_NONE);
    orgs_free(o);
}
END_TEST

/* ---- the real files --------------------------------------------------------------- */

START_TEST(real_ae_loads)
{
    Real x;
    real_load(&x);
    const FeedStats *s = feed_stats(x.ae);
    ck_assert_uint_eq(s->rows, 12765);
    ck_assert_uint_eq(s->skipped, 0);
    ck_assert_uint_eq(s->orgs, 274);
    ck_assert_uint_eq(s->periods, 36);
    ck_assert_uint_eq(s->vintages, 0);
    ck_assert_int_eq(s->first.grain, GRAIN_MONTH);
    ck_assert_int_eq(s->first.index, 2016 * 12 + 3);
    ck_assert_int_eq(s->last.grain, GRAIN_MONTH);
    ck_assert_int_eq(s->last.index, 2019 * 12 + 2);
    char buf[16];
    period_format(s->first, buf, sizeof buf);
    ck_assert_str_eq(buf, "2016-04");
    period_format(s->last, buf, sizeof buf);
    ck_assert_str_eq(buf, "2019-03");
    real_free(&x);
}
END_TEST

START_TEST(real_stp_lookup)
{
    Real x;
    real_load(&x);
    size_t nlinks;
    Link *links = read_lookup(&nlinks);
    ck_assert_uint_eq(nlinks, 137);
    ck_assert_uint_eq(hier_link_count(x.stp), 137);
    ck_assert_uint_eq(hier_parent_count(x.stp), 44);
    Day d = D(2017, 6, 1);
    /* closed or merged trusts with type 1 departments: no STP */
    const char *gone[] = { "RM2", "RQQ", "RW3" };
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_null(lookup_find(links, nlinks, gone[i]));
        ck_assert_uint_eq(hier_parent(x.stp, org(&x.r, gone[i]), d), ORG_NONE);
    }
    /* RF4 is where the lookup puts it (Barking, Havering and Redbridge: East London) */
    const Link *rf4 = lookup_find(links, nlinks, "RF4");
    ck_assert_ptr_nonnull(rf4);
    ck_assert_str_eq(rf4->stp, "E54000029");
    uint32_t p = hier_parent(x.stp, org(&x.r, "RF4"), d);
    ck_assert_uint_ne(p, ORG_NONE);
    ck_assert_str_eq(orgs_code(x.r.orgs, p), rf4->stp);
    ck_assert_str_eq(hier_parent_name(x.stp, p), rf4->name);
    ck_assert_str_eq(hier_parent_name(x.stp, p), "East London");
    /* with no dates in the lookup, any day will do */
    ck_assert_uint_eq(hier_parent(x.stp, org(&x.r, "RF4"), D(1990, 1, 1)), p);
    ck_assert_uint_eq(hier_parent(x.stp, org(&x.r, "RF4"), D(2030, 12, 31)), p);
    /* a parent belongs to itself */
    ck_assert_uint_eq(hier_parent(x.stp, p, d), p);
    /* every link as the lookup says, and the members of each parent */
    for (size_t i = 0; i < nlinks; i++) {
        uint32_t m = org(&x.r, links[i].code);
        uint32_t q = hier_parent(x.stp, m, d);
        ck_assert_msg(q != ORG_NONE && strcmp(orgs_code(x.r.orgs, q), links[i].stp) == 0, "%s should be in %s",
                      links[i].code, links[i].stp);
    }
    const char *prev = "";
    for (uint32_t i = 0; i < hier_parent_count(x.stp); i++) {
        uint32_t q = hier_parent_at(x.stp, i);
        const char *code = orgs_code(x.r.orgs, q);
        ck_assert_msg(strcmp(prev, code) < 0, "parents out of order: %s before %s", prev, code);
        prev = code;
        const uint32_t *members;
        size_t nm = hier_members(x.stp, q, &members), expect = 0;
        for (size_t k = 0; k < nlinks; k++) expect += strcmp(links[k].stp, code) == 0;
        ck_assert_uint_eq(nm, expect);
        for (size_t k = 0; k < nm; k++) {
            const Link *l = lookup_find(links, nlinks, orgs_code(x.r.orgs, members[k]));
            ck_assert_ptr_nonnull(l);
            ck_assert_str_eq(l->stp, code);
        }
    }
    ck_assert_str_eq(prev, "E54000048");
    ck_assert_str_eq(orgs_code(x.r.orgs, hier_parent_at(x.stp, 0)), "E54000005");
    const uint32_t *members;
    ck_assert_uint_eq(hier_members(x.stp, org(&x.r, "RF4"), &members), 0);    /* not a parent */
    ck_assert_ptr_null(hier_parent_name(x.stp, org(&x.r, "RF4")));
    free(links);
    real_free(&x);
}
END_TEST

/* 140 organisations have a type 1 department; 137 of them map to an STP. */
START_TEST(real_type1_mapping)
{
    Real x;
    real_load(&x);
    size_t nrows;
    AeRow *rows = read_ae(&nrows);
    ck_assert_uint_eq(nrows, 12765);
    /* from the file directly */
    char (*codes)[16] = calloc(nrows, sizeof *codes);
    size_t ncodes = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (strcmp(rows[i].type, "1") != 0) continue;
        size_t k = 0;
        while (k < ncodes && strcmp(codes[k], rows[i].org) != 0) k++;
        if (k == ncodes) strcpy(codes[ncodes++], rows[i].org);
    }
    ck_assert_uint_eq(ncodes, 140);
    size_t mapped = 0;
    char unmapped[64] = "";
    for (size_t k = 0; k < ncodes; k++) {
        if (hier_parent(x.stp, org(&x.r, codes[k]), D(2017, 6, 1)) != ORG_NONE) mapped++;
        else {
            strcat(unmapped, " ");
            strcat(unmapped, codes[k]);
        }
    }
    ck_assert_uint_eq(mapped, 137);
    /* file order: RQQ, RM2, RW3 are the only ones, whatever the order */
    ck_assert_uint_eq(strlen(unmapped), 12);
    ck_assert_ptr_nonnull(strstr(unmapped, " RM2"));
    ck_assert_ptr_nonnull(strstr(unmapped, " RQQ"));
    ck_assert_ptr_nonnull(strstr(unmapped, " RW3"));

    /* the same with a filter aggregate: count(ae.attendances where ae.type == "1") */
    uint32_t g = agg(&x.r.bc, "ae", "attendances", AGG_COUNT, true);
    size_t with_type1 = 0, mapped2 = 0;
    for (uint32_t o = 0; o < orgs_count(x.r.orgs); o++) {
        uint32_t cov;
        Value v = feed_aggregate(x.ae, g, &o, 1, D(2016, 4, 1), D(2019, 3, 31), D(2020, 1, 1), &cov);
        /* rows per organisation with type 1, from the file */
        long long expect = 0;
        for (size_t i = 0; i < nrows; i++)
            expect += strcmp(rows[i].org, orgs_code(x.r.orgs, o)) == 0 && strcmp(rows[i].type, "1") == 0;
        if (expect == 0) continue;
        assert_int(v, expect);
        with_type1++;
        mapped2 += hier_parent(x.stp, o, D(2017, 6, 1)) != ORG_NONE;
    }
    ck_assert_uint_eq(with_type1, 140);
    ck_assert_uint_eq(mapped2, 137);
    free(codes);
    free(rows);
    real_free(&x);
}
END_TEST

/* England, all types: about 90.0% in April 2016 and 84.2% in February 2019. */
START_TEST(real_england)
{
    Real x;
    real_load(&x);
    size_t nrows, norgs;
    AeRow *rows = read_ae(&nrows);
    uint32_t *ids = all_orgs(&x.r, &norgs);
    uint32_t ga = agg(&x.r.bc, "ae", "attendances", AGG_SUM, false);
    uint32_t gb = agg(&x.r.bc, "ae", "breaches", AGG_SUM, false);
    struct { int y, m; double expect; } months[] = { { 2016, 4, 0.900 }, { 2019, 2, 0.842 } };
    for (int i = 0; i < 2; i++) {
        int y = months[i].y, m = months[i].m;
        Day from = D(y, m, 1), to = D(y, m, cal_days_in_month(y, m));
        uint32_t cova, covb;
        Value a = feed_aggregate(x.ae, ga, ids, norgs, from, to, D(2020, 1, 1), &cova);
        Value b = feed_aggregate(x.ae, gb, ids, norgs, from, to, D(2020, 1, 1), &covb);
        long long sa = 0, sb = 0;
        uint32_t orgs_in_month = 0;
        for (size_t k = 0; k < nrows; k++) {
            if (rows[k].y != y || rows[k].m != m) continue;
            sa += rows[k].attendances;
            sb += rows[k].breaches;
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = rows[j].y == y && rows[j].m == m && strcmp(rows[j].org, rows[k].org) == 0;
            orgs_in_month += !seen;
        }
        assert_int(a, sa);
        assert_int(b, sb);
        ck_assert_uint_eq(cova, orgs_in_month);
        ck_assert_uint_eq(covb, orgs_in_month);
        double perf = 1.0 - (double)b.as.num.n / (double)a.as.num.n;
        ck_assert_msg(fabs(perf - months[i].expect) < 0.0005, "%d-%02d: %.4f, expected %.3f", y, m, perf,
                      months[i].expect);
        ck_assert_double_eq_tol(perf, 1.0 - (double)sb / (double)sa, 1e-12);
    }
    free(ids);
    free(rows);
    real_free(&x);
}
END_TEST

/* Every STP, every financial year: feed_aggregate's sums equal the file's. */
START_TEST(real_stp_years)
{
    Real x;
    real_load(&x);
    size_t nrows, nlinks;
    AeRow *rows = read_ae(&nrows);
    Link *links = read_lookup(&nlinks);
    uint32_t ga = agg(&x.r.bc, "ae", "attendances", AGG_SUM, false);
    uint32_t gb = agg(&x.r.bc, "ae", "breaches", AGG_SUM, false);
    uint32_t ga1 = agg(&x.r.bc, "ae", "attendances", AGG_SUM, true);
    uint32_t gb1 = agg(&x.r.bc, "ae", "breaches", AGG_SUM, true);
    bool checked_rf4 = false;
    for (uint32_t i = 0; i < hier_parent_count(x.stp); i++) {
        uint32_t stp = hier_parent_at(x.stp, i);
        const char *code = orgs_code(x.r.orgs, stp);
        const uint32_t *members;
        size_t nm = hier_members(x.stp, stp, &members);
        for (int fy = 2016; fy <= 2018; fy++) {
            Day from = D(fy, 4, 1), to = D(fy + 1, 3, 31);
            long long sa = 0, sb = 0, sa1 = 0, sb1 = 0;
            uint32_t covered = 0;
            for (size_t k = 0; k < nlinks; k++) {
                if (strcmp(links[k].stp, code) != 0) continue;
                bool any = false;
                for (size_t j = 0; j < nrows; j++) {
                    const AeRow *row = &rows[j];
                    if (strcmp(row->org, links[k].code) != 0) continue;
                    int fyr = row->m >= 4 ? row->y : row->y - 1;
                    if (fyr != fy) continue;
                    any = true;
                    sa += row->attendances;
                    sb += row->breaches;
                    if (strcmp(row->type, "1") == 0) { sa1 += row->attendances; sb1 += row->breaches; }
                }
                covered += any;
            }
            uint32_t cov;
            Value a = feed_aggregate(x.ae, ga, members, nm, from, to, D(2020, 1, 1), &cov);
            ck_assert_uint_eq(cov, covered);
            assert_int(a, sa);
            assert_int(feed_aggregate(x.ae, gb, members, nm, from, to, D(2020, 1, 1), &cov), sb);
            assert_int(feed_aggregate(x.ae, ga1, members, nm, from, to, D(2020, 1, 1), &cov), sa1);
            assert_int(feed_aggregate(x.ae, gb1, members, nm, from, to, D(2020, 1, 1), &cov), sb1);
            /* README: no STP footprint reached 95% over a whole year */
            ck_assert_msg(sb * 20 > sa, "%s reached 95%% in %d", code, fy);
            if (strcmp(code, "E54000029") == 0 && fy == 2016) {
                checked_rf4 = true;
                ck_assert_int_gt(sa, 0);
            }
        }
    }
    ck_assert(checked_rf4);
    free(links);
    free(rows);
    real_free(&x);
}
END_TEST

/* lag = 6 weeks: March 2019 is known from 31 March + 42 days = 12 May. */
START_TEST(real_lag_boundary)
{
    Real x;
    real_load(&x);
    size_t nrows, norgs;
    AeRow *rows = read_ae(&nrows);
    uint32_t *ids = all_orgs(&x.r, &norgs);
    uint32_t ga = agg(&x.r.bc, "ae", "attendances", AGG_SUM, false);
    Period march = { GRAIN_MONTH, 2019 * 12 + 2 };
    ck_assert(!feed_period_known(x.ae, march, D(2019, 5, 11)));
    ck_assert(feed_period_known(x.ae, march, D(2019, 5, 12)));
    ck_assert(feed_period_known(x.ae, march, D(2019, 5, 13)));
    long long expect = 0;
    for (size_t k = 0; k < nrows; k++)
        if (rows[k].y == 2019 && rows[k].m == 3) expect += rows[k].attendances;
    uint32_t cov = 99;
    Value v = feed_aggregate(x.ae, ga, ids, norgs, D(2019, 3, 1), D(2019, 3, 31), D(2019, 5, 11), &cov);
    assert_missing(v);
    ck_assert_uint_eq(cov, 0);
    v = feed_aggregate(x.ae, ga, ids, norgs, D(2019, 3, 1), D(2019, 3, 31), D(2019, 5, 12), &cov);
    assert_int(v, expect);
    ck_assert_uint_gt(cov, 100);
    /* over Q4 2018/19 as of 11 May: January and February only */
    long long jan_feb = 0;
    for (size_t k = 0; k < nrows; k++)
        if (rows[k].y == 2019 && rows[k].m <= 2) jan_feb += rows[k].attendances;
    v = feed_aggregate(x.ae, ga, ids, norgs, D(2019, 1, 1), D(2019, 3, 31), D(2019, 5, 11), &cov);
    assert_int(v, jan_feb);
    v = feed_aggregate(x.ae, ga, ids, norgs, D(2019, 1, 1), D(2019, 3, 31), D(2019, 5, 12), &cov);
    assert_int(v, jan_feb + expect);
    /* a window that cuts a month in two takes none of it */
    v = feed_aggregate(x.ae, ga, ids, norgs, D(2019, 3, 2), D(2019, 3, 31), D(2020, 1, 1), &cov);
    assert_missing(v);
    free(ids);
    free(rows);
    real_free(&x);
}
END_TEST

/* ---- vintages -------------------------------------------------------------------------- */

static const char vintage_rules[] =
    "feed rev \"Revised figures\" {\n"
    "    org     = org\n"
    "    period  = period as month\n"
    "    vintage = published\n"
    "    value: count\n"
    "    type:  text\n"
    "}\n"
    "metric total: count = sum(rev.value)\n"
    "metric type1: count = sum(rev.value where rev.type == \"1\")\n"
    "metric n: count = count(rev.value)\n"
    "metric mid: count = median(rev.value)\n";

/* rows out of order on purpose: the revision comes first */
static const char vintage_csv[] =
    "org,period,published,type,value\n"
    "RX1,2019-04,2019-06-20,1,12\n"
    "RX1,2019-04,2019-05-20,1,10\n"
    "RX2,2019-04,2019-05-25,1,100\n"
    "RX2,2019-04,2019-06-10,1,110\n"
    "RX1,2019-05,2019-06-20,1,7\n"
    /* several rows per (org, period, vintage), like A&E department types */
    "RX3,2019-04,2019-05-20,1,100\n"
    "RX3,2019-04,2019-05-20,2,50\n"
    "RX3,2019-04,2019-06-20,1,120\n"
    "RX3,2019-04,2019-06-20,2,60\n";

START_TEST(vintages)
{
    Rules r;
    rules_from_text(&r, vintage_rules);
    char path[512];
    write_tmp(path, sizeof path, "vintage.csv", vintage_csv);
    FeedData *f = load(&r, "rev", path);
    const FeedStats *s = feed_stats(f);
    ck_assert_uint_eq(s->rows, 9);
    ck_assert_uint_eq(s->orgs, 3);
    ck_assert_uint_eq(s->periods, 2);
    ck_assert_uint_eq(s->vintages, 4);      /* 05-20, 05-25, 06-10, 06-20 */
    uint32_t g = agg(&r.bc, "rev", "value", AGG_SUM, false);
    uint32_t rx1 = org(&r, "RX1"), rx2 = org(&r, "RX2"), rx3 = org(&r, "RX3");
    Day apr1 = D(2019, 4, 1), apr30 = D(2019, 4, 30);
    uint32_t cov;
    /* RX1, April 2019: 10 from 20 May, revised to 12 on 20 June */
    assert_missing(feed_aggregate(f, g, &rx1, 1, apr1, apr30, D(2019, 5, 1), &cov));
    ck_assert_uint_eq(cov, 0);
    assert_missing(feed_aggregate(f, g, &rx1, 1, apr1, apr30, D(2019, 5, 19), &cov));
    assert_int(feed_aggregate(f, g, &rx1, 1, apr1, apr30, D(2019, 5, 20), &cov), 10);
    ck_assert_uint_eq(cov, 1);
    assert_int(feed_aggregate(f, g, &rx1, 1, apr1, apr30, D(2019, 6, 1), &cov), 10);
    assert_int(feed_aggregate(f, g, &rx1, 1, apr1, apr30, D(2019, 6, 19), &cov), 10);
    assert_int(feed_aggregate(f, g, &rx1, 1, apr1, apr30, D(2019, 6, 20), &cov), 12);
    assert_int(feed_aggregate(f, g, &rx1, 1, apr1, apr30, D(2019, 7, 1), &cov), 12);
    /* two organisations revised on different dates */
    uint32_t both[] = { rx1, rx2 };
    assert_int(feed_aggregate(f, g, both, 2, apr1, apr30, D(2019, 5, 22), &cov), 10);
    ck_assert_uint_eq(cov, 1);
    assert_int(feed_aggregate(f, g, both, 2, apr1, apr30, D(2019, 6, 1), &cov), 110);
    ck_assert_uint_eq(cov, 2);
    assert_int(feed_aggregate(f, g, both, 2, apr1, apr30, D(2019, 6, 15), &cov), 120);
    assert_int(feed_aggregate(f, g, both, 2, apr1, apr30, D(2019, 7, 1), &cov), 122);
    /* April and May: RX1's May figure arrives with its April revision */
    assert_int(feed_aggregate(f, g, &rx1, 1, apr1, D(2019, 5, 31), D(2019, 6, 19), &cov), 10);
    assert_int(feed_aggregate(f, g, &rx1, 1, apr1, D(2019, 5, 31), D(2019, 6, 20), &cov), 19);
    /* several rows per key: summed within the chosen vintage only */
    assert_missing(feed_aggregate(f, g, &rx3, 1, apr1, apr30, D(2019, 5, 19), &cov));
    assert_int(feed_aggregate(f, g, &rx3, 1, apr1, apr30, D(2019, 6, 1), &cov), 150);
    assert_int(feed_aggregate(f, g, &rx3, 1, apr1, apr30, D(2019, 7, 1), &cov), 180);
    uint32_t g1 = agg(&r.bc, "rev", "value", AGG_SUM, true);
    assert_int(feed_aggregate(f, g1, &rx3, 1, apr1, apr30, D(2019, 6, 1), &cov), 100);
    assert_int(feed_aggregate(f, g1, &rx3, 1, apr1, apr30, D(2019, 7, 1), &cov), 120);
    uint32_t gn = agg(&r.bc, "rev", "value", AGG_COUNT, false);
    assert_int(feed_aggregate(f, gn, &rx3, 1, apr1, apr30, D(2019, 7, 1), &cov), 2);
    uint32_t gm = agg(&r.bc, "rev", "value", AGG_MEDIAN, false);
    assert_int(feed_aggregate(f, gm, &rx3, 1, apr1, apr30, D(2019, 7, 1), &cov), 90);
    uint32_t all[] = { rx1, rx2, rx3 };
    assert_int(feed_aggregate(f, g, all, 3, apr1, apr30, D(2019, 7, 1), &cov), 302);
    ck_assert_uint_eq(cov, 3);
    /* a period of a vintaged feed is known once it has ended */
    ck_assert(!feed_period_known(f, (Period){ GRAIN_MONTH, 2019 * 12 + 3 }, D(2019, 4, 29)));
    ck_assert(feed_period_known(f, (Period){ GRAIN_MONTH, 2019 * 12 + 3 }, D(2019, 5, 1)));
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* ---- publications by name: `as first`, `as of DAY` ---------------------------------------- */

static const char pub_rules[] =
    "feed rev \"Revised figures\" {\n"
    "    org     = org\n"
    "    period  = period as month\n"
    "    vintage = published\n"
    "%s"
    "    value: count\n"
    "    type:  text\n"
    "}\n"
    "metric latest: count = sum(rev.value)\n"
    "metric first: count = sum(rev.value as first)\n"
    "metric june15: count = sum(rev.value as of 2019-06-15)\n"
    "metric august: count = sum(rev.value as of 2019-08-01)\n";

/* RX4's April: type 1 on 20 May (10), type 2 first on 10 June (5), type 1
 * revised on 20 June (11). Without `key` each publication replaces the
 * whole cell; with `key = type` only its own type. */
static const char pub_csv[] =
    "org,period,published,type,value\n"
    "RX4,2019-04,2019-06-20,1,11\n"
    "RX4,2019-04,2019-05-20,1,10\n"
    "RX4,2019-04,2019-06-10,2,5\n";

/* The aggregate of rev.value that reads publication pub (PUB_BY: on day). */
static uint32_t pub_agg(const BcProgram *p, PubKind pub, Day day)
{
    for (uint32_t g = 0; g < p->naggs; g++)
        if (p->aggs[g].pub == pub && p->aggs[g].pub_day == day) return g;
    ck_abort_msg("no aggregate reads publication %d", (int)pub);
    return 0;
}

START_TEST(publications)
{
    /* [0] without key, [1] with key = type: latest, first, as of 15 June,
     * as of 1 August, each as of 1 July; then as of 15 June and 19 May */
    static const int64_t want[2][4] = { { 11, 10, 5, 11 }, { 16, 15, 15, 16 } };
    for (int keyed = 0; keyed < 2; keyed++) {
        char text[1024];
        snprintf(text, sizeof text, pub_rules, keyed ? "    key     = type\n" : "");
        Rules r;
        rules_from_text(&r, text);
        char path[512];
        write_tmp(path, sizeof path, "pub.csv", pub_csv);
        FeedData *f = load(&r, "rev", path);
        uint32_t rx4 = org(&r, "RX4"), cov;
        Day apr1 = D(2019, 4, 1), apr30 = D(2019, 4, 30), jul1 = D(2019, 7, 1);
        uint32_t g[4] = { pub_agg(&r.bc, PUB_LATEST, 0), pub_agg(&r.bc, PUB_FIRST, 0),
                          pub_agg(&r.bc, PUB_BY, D(2019, 6, 15)), pub_agg(&r.bc, PUB_BY, D(2019, 8, 1)) };
        for (int k = 0; k < 4; k++) {
            assert_int(feed_aggregate(f, g[k], &rx4, 1, apr1, apr30, jul1, &cov), want[keyed][k]);
            ck_assert_uint_eq(cov, 1);
        }
        /* never a publication after the as-of day: on 15 June the first is
         * still 10 (with key, 10 + 5), and `as of 1 August` reads 15 June */
        assert_int(feed_aggregate(f, g[1], &rx4, 1, apr1, apr30, D(2019, 6, 15), &cov), keyed ? 15 : 10);
        assert_int(feed_aggregate(f, g[3], &rx4, 1, apr1, apr30, D(2019, 6, 15), &cov), keyed ? 15 : 5);
        /* before anything is published, nothing */
        for (int k = 0; k < 4; k++) assert_missing(feed_aggregate(f, g[k], &rx4, 1, apr1, apr30, D(2019, 5, 19), &cov));
        feed_free(f);
        rules_free(&r);
    }
}
END_TEST

/* The vintage column is a key: every row needs a date in it. */
START_TEST(vintage_errors)
{
    Rules r;
    rules_from_text(&r, vintage_rules);
    char path[512], why[1024], want[1024];
    struct { const char *name, *row, *expect; } cases[] = {
        { "v_bad.csv", "RX1,2019-04,2019-02-30,1,5\n",
          "%s:3: column `published`: `2019-02-30` is not a date (2019-03-01 or 20190301)" },
        { "v_empty.csv", "RX1,2019-04,,1,5\n",
          "%s:3: column `published`: `` is empty: every row needs the date it was published" },
        { "v_star.csv", "RX1,2019-04,*,1,5\n",
          "%s:3: column `published`: `*` is empty: every row needs the date it was published" },
    };
    for (int i = 0; i < 3; i++) {
        char text[256];
        snprintf(text, sizeof text, "org,period,published,type,value\nRX1,2019-03,2019-04-20,1,5\n%s", cases[i].row);
        write_tmp(path, sizeof path, cases[i].name, text);
        FeedData *f = try_load(&r, "rev", path, NULL, why, sizeof why);
        ck_assert_msg(f == NULL, "%s loaded", cases[i].name);
        snprintf(want, sizeof want, cases[i].expect, path);
        ck_assert_str_eq(why, want);
    }
    write_tmp(path, sizeof path, "v_nocol.csv", "org,period,type,value\nRX1,2019-03,1,5\n");
    ck_assert_ptr_null(try_load(&r, "rev", path, NULL, why, sizeof why));
    snprintf(want, sizeof want, "%s: the header has no column `published` (feed `rev` names it)", path);
    ck_assert_str_eq(why, want);
    /* the ODS way of writing a date is a date too */
    write_tmp(path, sizeof path, "v_ods.csv", "org,period,published,type,value\nRX1,2019-03,20190420,1,5\n");
    FeedData *f = load(&r, "rev", path);
    uint32_t rx1 = org(&r, "RX1"), cov;
    Value v = feed_aggregate(f, agg(&r.bc, "rev", "value", AGG_SUM, false), &rx1, 1, D(2019, 3, 1), D(2019, 3, 31),
                             D(2019, 4, 20), &cov);
    feed_free(f);
    rules_free(&r);
    assert_int(v, 5);
}
END_TEST

typedef struct KeyTally { uint32_t keys, rows, rx3_keys; const Orgs *orgs; } KeyTally;

static void tally(void *ud, uint32_t o, Period p, Day vintage, uint32_t rows)
{
    KeyTally *t = ud;
    t->keys++;
    t->rows += rows;
    if (strcmp(orgs_code(t->orgs, o), "RX3") == 0) {
        t->rx3_keys++;
        ck_assert_int_eq(p.grain, GRAIN_MONTH);
        ck_assert_int_eq(p.index, 2019 * 12 + 3);
        ck_assert(vintage == D(2019, 5, 20) || vintage == D(2019, 6, 20));
        ck_assert_uint_eq(rows, 2);
    }
}

START_TEST(each_key)
{
    Rules r;
    rules_from_text(&r, vintage_rules);
    char path[512];
    write_tmp(path, sizeof path, "vintage.csv", vintage_csv);
    FeedData *f = load(&r, "rev", path);
    KeyTally t = { .orgs = r.orgs };
    feed_each_key(f, tally, &t);
    ck_assert_uint_eq(t.keys, 7);
    ck_assert_uint_eq(t.rows, 9);
    ck_assert_uint_eq(t.rx3_keys, 2);
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* ---- hierarchies with effective dates ---------------------------------------------- */

/* A hierarchy of systems whose members move, with the dates of each link
 * (moves_rules, streamed_rules) */
#define DATED_SYSTEMS \
    "hierarchy sys \"Systems, with dates\" {\n" \
    "    member = code\n" \
    "    parent = system\n" \
    "    name   = system_name\n" \
    "    from   = valid_from\n" \
    "    to     = valid_to\n" \
    "}\n"

static const char moves_rules[] =
    "round moves \"A provider moves system\" { assess = sys }\n"
    "feed m \"Monthly figures\" {\n"
    "    org    = org\n"
    "    period = period as month\n"
    "    lag    = 0 days\n"
    "    value: count\n"
    "}\n"
    DATED_SYSTEMS
    "metric total: count = sum(m.value)\n";

/* P is in A until 30 September 2017 and in B from 1 October (as RM2 and
 * RW3 became R0A); Q is always in B; R was in A for 2016/17 only (dates
 * written the ODS way). */
static const char moves_csv[] =
    "code,system,system_name,valid_from,valid_to\n"
    "P,A,System A,,2017-09-30\n"
    "P,B,System B,2017-10-01,\n"
    "Q,B,,,\n"
    "R,A,,20160401,20170331\n";

/* Every query of a system of h (each window of f's periods and a period
 * either side, each period alone, the cells) gives the same with the
 * system totals (feed_index_systems) as by walking the members; *used says
 * whether the totals were kept. */
static void totals_agree(FeedData *f, const Hierarchy *h, uint32_t g, Day as_of, bool *used)
{
    int32_t lo, hi;
    ck_assert(feed_periods(f, &lo, &hi));
    lo--, hi++;
    size_t n = (size_t)(hi - lo) + 1;
    Value *walked = calloc(n * n, sizeof *walked), *periods[2] = { calloc(n, sizeof(Value)), calloc(n, sizeof(Value)) };
    uint32_t *wcov = calloc(n * n, sizeof *wcov), *pcov[2] = { calloc(n, sizeof(uint32_t)), calloc(n, sizeof(uint32_t)) };
    FeedCells *cells[2] = { calloc(2 * n, sizeof(FeedCells)), calloc(2 * n, sizeof(FeedCells)) };
    ck_assert(walked && periods[0] && periods[1] && wcov && pcov[0] && pcov[1] && cells[0] && cells[1]);
    for (uint32_t i = 0; i < hier_parent_count(h); i++) {
        uint32_t parent = hier_parent_at(h, i);
        const uint32_t *m;
        size_t nm = hier_members(h, parent, &m);
        for (int pass = 0; pass < 2; pass++) {
            feed_index_systems(f, pass ? h : NULL);
            for (int32_t a = lo; a <= hi; a++)
                for (int32_t b = a; b <= hi; b++) {
                    Day from = period_first_day((Period){ GRAIN_MONTH, a }), to = period_last_day((Period){ GRAIN_MONTH, b });
                    uint32_t cov;
                    Value v = feed_aggregate_system(f, g, h, parent, from, to, as_of, &cov);
                    size_t at = (size_t)(a - lo) * n + (size_t)(b - lo);
                    if (!pass) walked[at] = v, wcov[at] = cov;
                    else {
                        ck_assert_msg(val_equal(v, walked[at]), "system %u, periods %d..%d", i, a, b);
                        ck_assert_msg(cov == wcov[at], "system %u, periods %d..%d: coverage %u, walked %u", i, a, b,
                                      cov, wcov[at]);
                    }
                }
            feed_aggregate_system_periods(f, g, h, parent, lo, hi, as_of, periods[pass], pcov[pass]);
            /* the feed's own periods (those the totals hold), then a period either side too */
            memset(cells[pass], 0, 2 * n * sizeof(FeedCells));
            feed_periods_cells(f, lo + 1, hi - 1, m, nm, h, parent, as_of, cells[pass], NULL, NULL);
            feed_periods_cells(f, lo, hi, m, nm, h, parent, as_of, cells[pass] + n, NULL, NULL);
        }
        for (size_t p = 0; p < n; p++) {
            ck_assert(val_equal(periods[0][p], periods[1][p]));
            ck_assert_uint_eq(pcov[0][p], pcov[1][p]);
        }
        for (size_t p = 0; p < 2 * n; p++) {
            ck_assert_msg(cells[0][p].expected == cells[1][p].expected, "system %u, cells %zu: %llu expected from the totals, %llu walking",
                          i, p, (unsigned long long)cells[1][p].expected, (unsigned long long)cells[0][p].expected);
            ck_assert_uint_eq(cells[0][p].present, cells[1][p].present);
        }
    }
    *used = feed_has_totals(f);
    feed_index_systems(f, NULL);
    free(walked);
    free(wcov);
    for (int pass = 0; pass < 2; pass++) free(periods[pass]), free(pcov[pass]), free(cells[pass]);
}

START_TEST(effective_dates)
{
    Rules r;
    rules_from_text(&r, moves_rules);
    char hpath[512], fpath[512];
    write_tmp(hpath, sizeof hpath, "moves.csv", moves_csv);
    /* P 10 a month, Q 1 a month, over 2017/18 */
    char csv[4096] = "org,period,value\n";
    for (int i = 0; i < 12; i++) {
        int y = i < 9 ? 2017 : 2018, m = i < 9 ? i + 4 : i - 8;
        char line[64];
        snprintf(line, sizeof line, "P,%d-%02d,10\nQ,%d-%02d,1\n", y, m, y, m);
        strcat(csv, line);
    }
    write_tmp(fpath, sizeof fpath, "monthly.csv", csv);
    Hierarchy *h = load_hier(&r, "sys", hpath);
    FeedData *f = load(&r, "m", fpath);
    uint32_t P = org(&r, "P"), Q = org(&r, "Q"), R = org(&r, "R"), A = org(&r, "A"), B = org(&r, "B");
    ck_assert_uint_eq(hier_link_count(h), 4);
    ck_assert_uint_eq(hier_parent_count(h), 2);
    ck_assert_uint_eq(hier_parent_at(h, 0), A);
    ck_assert_uint_eq(hier_parent_at(h, 1), B);
    ck_assert_str_eq(hier_parent_name(h, A), "System A");
    ck_assert_str_eq(hier_parent_name(h, B), "System B");
    /* the boundary */
    ck_assert_uint_eq(hier_parent(h, P, D(2017, 9, 30)), A);
    ck_assert_uint_eq(hier_parent(h, P, D(2017, 10, 1)), B);
    ck_assert_uint_eq(hier_parent(h, P, D(2000, 1, 1)), A);
    ck_assert_uint_eq(hier_parent(h, P, D(2030, 1, 1)), B);
    ck_assert_uint_eq(hier_parent(h, Q, D(2017, 9, 30)), B);
    ck_assert_uint_eq(hier_parent(h, R, D(2016, 3, 31)), ORG_NONE);
    ck_assert_uint_eq(hier_parent(h, R, D(2016, 4, 1)), A);
    ck_assert_uint_eq(hier_parent(h, R, D(2017, 3, 31)), A);
    ck_assert_uint_eq(hier_parent(h, R, D(2017, 4, 1)), ORG_NONE);
    ck_assert_uint_eq(hier_parent(h, A, D(2017, 4, 1)), A);
    /* members: everyone ever linked, each once */
    const uint32_t *mem;
    ck_assert_uint_eq(hier_members(h, A, &mem), 2);
    ck_assert((mem[0] == P && mem[1] == R) || (mem[0] == R && mem[1] == P));
    ck_assert_uint_eq(hier_members(h, B, &mem), 2);
    ck_assert((mem[0] == P && mem[1] == Q) || (mem[0] == Q && mem[1] == P));

    /* System B over 2017/18 should count P from October only: 12 × 1 + 6 × 10.
     * feed_aggregate takes a plain list of organisations for the whole
     * window; it has no membership by date. Given B's members it counts P
     * for all twelve months. */
    uint32_t g = agg(&r.bc, "m", "value", AGG_SUM, false), cov;
    Day from = D(2017, 4, 1), to = D(2018, 3, 31), as_of = D(2019, 1, 1);
    size_t nb = hier_members(h, B, &mem);
    assert_int(feed_aggregate(f, g, mem, nb, from, to, as_of, &cov), 132);
    /* The right answer maps each month with hier_parent. */
    long long totals[2] = { 0, 0 };
    uint32_t systems[2] = { A, B };
    for (Period p = period_containing(GRAIN_MONTH, from); period_first_day(p) <= to; p = period_next(p)) {
        for (int s = 0; s < 2; s++) {
            uint32_t in[8];
            size_t n = 0;
            const uint32_t *cand;
            size_t nc = hier_members(h, systems[s], &cand);
            for (size_t k = 0; k < nc; k++)
                if (hier_parent(h, cand[k], period_first_day(p)) == systems[s]) in[n++] = cand[k];
            Value v = feed_aggregate(f, g, in, n, period_first_day(p), period_last_day(p), as_of, &cov);
            if (v.kind == V_MISSING) continue;
            ck_assert_int_eq(v.kind, V_NUM);
            totals[s] += v.as.num.n;
        }
    }
    ck_assert_int_eq(totals[0], 60);        /* A: P April to September */
    ck_assert_int_eq(totals[1], 72);        /* B: Q all year, P October to March */
    /* feed_aggregate_system does that mapping itself, for any aggregate */
    assert_int(feed_aggregate_system(f, g, h, A, from, to, as_of, &cov), 60);
    ck_assert_uint_eq(cov, 1);
    assert_int(feed_aggregate_system(f, g, h, B, from, to, as_of, &cov), 72);
    ck_assert_uint_eq(cov, 2);
    /* the same from totals per system, added up once */
    bool used;
    totals_agree(f, h, g, as_of, &used);
    ck_assert(used);
    feed_index_systems(f, h);
    assert_int(feed_aggregate_system(f, g, h, B, from, to, as_of, &cov), 72);
    ck_assert_uint_eq(cov, 2);
    feed_free(f);
    hier_free(h);
    rules_free(&r);
}
END_TEST

/* The system totals are added up in one pass over the feed, period by
 * period, in parts of 64 periods: over 150 months, with members that move
 * (P: A, then B, then A again; X: A, then C), one in a system for a year
 * only (R), a system that is itself a member of another for a while (C),
 * members with no rows (V) or few (W), an organisation in no system (U), a
 * month no one reported (2020-04), missing values, a where-filter, (a
 * second feed) a month in which system B's total passes an int64, and (the
 * first loaded again) months outside the windows counted only, every query
 * agrees with walking the members. */
static const char streamed_rules[] =
    "round streamed \"Totals in one pass\" { assess = sys }\n"
    "feed m \"Monthly figures\" {\n"
    "    org    = org\n"
    "    period = period as month\n"
    "    lag    = 0 days\n"
    "    value: count\n"
    "    kind:  text\n"
    "}\n"
    DATED_SYSTEMS
    "metric total: count = sum(m.value)\n"
    "metric n: count = count(m.value)\n"
    "metric avg: count = mean(m.value)\n"
    "metric xs: count = sum(m.value where m.kind == \"x\")\n";

/* What one thread asks of every system of h: the whole feed's window and
 * each period alone. */
enum { ASK_SYSTEMS = 4, ASK_PERIODS = 160 };
typedef struct TotalsAsked {
    FeedData *f;
    const Hierarchy *h;
    uint32_t g;
    int32_t lo, hi;
    Value whole[ASK_SYSTEMS], periods[ASK_SYSTEMS][ASK_PERIODS];
    uint32_t cov[ASK_SYSTEMS], pcov[ASK_SYSTEMS][ASK_PERIODS];
} TotalsAsked;

static void *ask_totals(void *arg)
{
    TotalsAsked *a = arg;
    for (uint32_t i = 0; i < hier_parent_count(a->h); i++) {
        uint32_t parent = hier_parent_at(a->h, i);
        a->whole[i] = feed_aggregate_system(a->f, a->g, a->h, parent, period_first_day((Period){ GRAIN_MONTH, a->lo }),
                                            period_last_day((Period){ GRAIN_MONTH, a->hi }), D(2030, 1, 1), &a->cov[i]);
        feed_aggregate_system_periods(a->f, a->g, a->h, parent, a->lo, a->hi, D(2030, 1, 1), a->periods[i], a->pcov[i]);
    }
    return NULL;
}

/* Two threads asking at once take the totals' parts between them (150
 * months: three parts), and get what walking the members gives. */
static void totals_two_threads(FeedData *f, const Hierarchy *h, uint32_t g)
{
    static TotalsAsked want, got[2];
    want = (TotalsAsked){ .f = f, .h = h, .g = g };
    ck_assert(feed_periods(f, &want.lo, &want.hi));
    ck_assert_int_le(hier_parent_count(h), ASK_SYSTEMS);
    ck_assert_int_lt(want.hi - want.lo, ASK_PERIODS);
    feed_index_systems(f, NULL);
    ask_totals(&want);
    for (int round = 0; round < 20; round++) {
        feed_index_systems(f, h);
        ck_assert(feed_has_totals(f));
        pthread_t th[2];
        for (int k = 0; k < 2; k++) {
            got[k] = (TotalsAsked){ .f = f, .h = h, .g = g, .lo = want.lo, .hi = want.hi };
            ck_assert_int_eq(pthread_create(&th[k], NULL, ask_totals, &got[k]), 0);
        }
        for (int k = 0; k < 2; k++) ck_assert_int_eq(pthread_join(th[k], NULL), 0);
        for (int k = 0; k < 2; k++)
            for (uint32_t i = 0; i < hier_parent_count(h); i++) {
                ck_assert_msg(val_equal(got[k].whole[i], want.whole[i]), "round %d, thread %d, system %u", round, k, i);
                ck_assert_uint_eq(got[k].cov[i], want.cov[i]);
                for (int32_t p = 0; p <= want.hi - want.lo; p++) {
                    ck_assert_msg(val_equal(got[k].periods[i][p], want.periods[i][p]), "round %d, system %u, period %d",
                                  round, i, p);
                    ck_assert_uint_eq(got[k].pcov[i][p], want.pcov[i][p]);
                }
            }
    }
    feed_index_systems(f, NULL);
}

START_TEST(totals_streamed)
{
    Rules r;
    rules_from_text(&r, streamed_rules);
    char hpath[512], fpath[512];
    write_tmp(hpath, sizeof hpath, "streamed_sys.csv",
              "code,system,system_name,valid_from,valid_to\n"
              "P,A,System A,,2017-09-30\n"
              "P,B,System B,2017-10-01,2021-03-31\n"
              "P,A,,2021-04-01,\n"
              "Q,B,,,\n"
              "R,A,,20160401,20170331\n"
              "S,C,System C,,\n"
              "C,A,,2015-01-01,2016-12-31\n"
              "V,B,,,\n"
              "W,C,,2019-01-01,\n"
              "X,A,,2022-01-01,2022-12-31\n"
              "X,C,,2023-01-01,\n");
    Hierarchy *h = load_hier(&r, "sys", hpath);
    const char *codes[] = { "U", "X", "W", "S", "C", "R", "Q", "P" };      /* the feed numbers them in this order */
    uint32_t g[] = { agg(&r.bc, "m", "value", AGG_SUM, false), agg(&r.bc, "m", "value", AGG_COUNT, false),
                     agg(&r.bc, "m", "value", AGG_MEAN, false), agg(&r.bc, "m", "value", AGG_SUM, true) };
    for (int big = 0; big < 2; big++) {
        FileText t = { 0 };
        text_add(&t, "org,period,value,kind\n");
        for (int mo = 0; mo < 150; mo++) {
            int y = 2015 + mo / 12, month = mo % 12 + 1;
            if (y == 2020 && month == 4) continue;          /* no one reported */
            for (int k = 0; k < 8; k++) {
                int v = (k * 7 + mo * 13) % 50;
                if (big && y == 2019 && month == 6 && (codes[k][0] == 'P' || codes[k][0] == 'Q'))
                    text_add(&t, "%s,%d-%02d,%lld,x\n", codes[k], y, month, (long long)1 << 62);    /* B's passes 2^63 - 1 */
                else if ((k * 5 + mo) % 11 == 0 || (codes[k][0] == 'W' && mo % 5)) continue;
                else if (v % 9 == 0) text_add(&t, "%s,%d-%02d,*,x\n", codes[k], y, month);     /* missing */
                else text_add(&t, "%s,%d-%02d,%d,%s\n", codes[k], y, month, v, v % 3 ? "x" : "y");
            }
        }
        text_write(&t, fpath, sizeof fpath, big ? "streamed_big.csv" : "streamed.csv");
        FeedData *f = load(&r, "m", fpath);
        for (size_t k = 0; k < sizeof g / sizeof *g; k++)
            for (int d = 0; d < (k ? 1 : 2); d++) {        /* and the sum as of a day in the middle */
                bool used;
                totals_agree(f, h, g[k], d ? D(2019, 8, 15) : D(2030, 1, 1), &used);
                ck_assert(used);
            }
        if (!big) {
            totals_two_threads(f, h, g[0]);
            totals_two_threads(f, h, g[3]);
            char why[1024];
            FeedOptions opt = { .windows_only = true, .keep_from = D(2017, 1, 1), .keep_to = D(2021, 12, 31) };
            FeedData *windows = try_load(&r, "m", fpath, &opt, why, sizeof why);
            ck_assert_msg(windows != NULL, "%s", why);
            uint32_t figures, counts_only;
            feed_slice_counts(windows, &figures, &counts_only);
            ck_assert_uint_gt(counts_only, 0);
            for (size_t k = 0; k < sizeof g / sizeof *g; k += 3) {      /* the sum, the filtered sum */
                bool used;
                totals_agree(windows, h, g[k], D(2030, 1, 1), &used);
                ck_assert(used);
            }
            feed_free(windows);
        }
        if (big) {
            /* B's sum in June 2019 is 2^63 - 1 + 1: walked, not wrapped */
            uint32_t cov;
            Value v = feed_aggregate_system(f, g[0], h, org(&r, "B"), D(2019, 6, 1), D(2019, 6, 30), D(2030, 1, 1), &cov);
            feed_index_systems(f, h);
            ck_assert(val_equal(v, feed_aggregate_system(f, g[0], h, org(&r, "B"), D(2019, 6, 1), D(2019, 6, 30),
                                                         D(2030, 1, 1), &cov)));
            ck_assert_int_eq(v.kind, V_REAL);
            feed_index_systems(f, NULL);
        }
        feed_free(f);
    }
    hier_free(h);
    rules_free(&r);
}
END_TEST

/* A member in two systems at once, or a link that ends before it starts,
 * is refused with both lines named. */
START_TEST(overlapping_links)
{
    Rules r;
    rules_from_text(&r, moves_rules);
    char path[512], why[512];
    write_tmp(path, sizeof path, "overlap.csv",
              "code,system,system_name,valid_from,valid_to\n"
              "P,A,System A,,2017-12-31\n"
              "P,B,System B,2017-10-01,\n");
    int h = -1;
    for (uint16_t k = 0; k < r.bc.nhiers; k++)
        if (strcmp(r.bc.hiers[k].name, "sys") == 0) h = k;
    ck_assert_ptr_null(hier_load(&r.bc, (uint16_t)h, DATA_PATH(path), r.orgs, NULL, why, sizeof why));
    ck_assert_msg(strstr(why, "overlap.csv:3: `P` is already in a system then (line 2)") != NULL, "%s", why);
    write_tmp(path, sizeof path, "reversed.csv",
              "code,system,system_name,valid_from,valid_to\n"
              "P,A,System A,2018-01-01,2017-12-31\n");
    ck_assert_ptr_null(hier_load(&r.bc, (uint16_t)h, DATA_PATH(path), r.orgs, NULL, why, sizeof why));
    ck_assert_msg(strstr(why, "reversed.csv:2: `valid_from` starts after it ends") != NULL, "%s", why);
    rules_free(&r);
}
END_TEST

/* ---- errors ---------------------------------------------------------------------------- */

static const char small_rules[] =
    "feed ae \"A&E\" {\n"
    "    org    = org_code\n"
    "    period = period as month\n"
    "    lag    = 6 weeks\n"
    "    attendances: count\n"
    "    breaches:    count\n"
    "    type:        text\n"
    "}\n"
    "metric m: count = sum(ae.attendances)\n";

static const char good_header[] = "period,org_code,type,attendances,breaches\n";
static const char good_row[] = "2019-04,RX1,1,100,5\n";

/* Loading `text` as feed ae fails with exactly `expect` (a format with one
 * %s for the path) */
static void expect_error(const char *name, const char *text, const char *expect)
{
    Rules r;
    rules_from_text(&r, small_rules);
    char path[512], why[1024], want[2048];
    write_tmp(path, sizeof path, name, text);
    FeedData *f = try_load(&r, "ae", path, NULL, why, sizeof why);
    ck_assert_msg(f == NULL, "%s loaded, but should fail", name);
    snprintf(want, sizeof want, expect, path);
    ck_assert_str_eq(why, want);
    rules_free(&r);
}

START_TEST(error_bad_cell)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s2019-04,RX2,1,12x,3\n", good_header, good_row);
    expect_error("bad_cell.csv", text, "%s:3: column `attendances`: `12x` is not a count (a whole number)");
    snprintf(text, sizeof text, "%s%s2019-04,RX2,1,12,-3\n", good_header, good_row);
    expect_error("negative.csv", text, "%s:3: column `breaches`: `-3` is not a count (a whole number)");
    snprintf(text, sizeof text, "%s%s2019-04,RX2,1,12.5,3\n", good_header, good_row);
    expect_error("fraction.csv", text, "%s:3: column `attendances`: `12.5` is not a count (a whole number)");
    /* a quoted field with a newline in it: the line is where the record starts */
    snprintf(text, sizeof text, "%s\"2019-04\",\"RX1\",\"a\nb\",1,1\n2019-04,RX2,1,1 2,3\n", good_header);
    expect_error("after_newline.csv", text, "%s:4: column `attendances`: `1 2` is not a count (a whole number)");
    snprintf(text, sizeof text, "%s2019-04,RX2,\"\xff\",1,1\n", good_header);
    expect_error("not_utf8.csv", text, "%s:2: column `type`: `\xff` is not UTF-8 text");
}
END_TEST

/* A count cell holds any whole number up to INT64_MAX, read exactly by
 * either parser (18 digits or fewer take the short one); one more is a
 * clear error, not a misread. */
START_TEST(count_limits)
{
    Rules r;
    rules_from_text(&r, small_rules);
    char path[512], text[512];
    snprintf(text, sizeof text, "%s2019-04,RX1,1,9223372036854775807,0\n2019-04,RX2,1,\"1000000000000000000\",0\n"
             "2019-04,RX3,1,999999999999999999,0\n", good_header);
    write_tmp(path, sizeof path, "max_count.csv", text);
    FeedData *f = load(&r, "ae", path);
    uint32_t g = agg(&r.bc, "ae", "attendances", AGG_SUM, false), cov;
    const char *codes[] = { "RX1", "RX2", "RX3" };
    const int64_t sums[] = { INT64_MAX, 1000000000000000000, 999999999999999999 };
    for (int i = 0; i < 3; i++) {
        uint32_t o = org(&r, codes[i]);
        assert_int(feed_aggregate(f, g, &o, 1, D(2019, 4, 1), D(2019, 4, 30), D(2020, 1, 1), &cov), sums[i]);
    }
    feed_free(f);
    rules_free(&r);
    snprintf(text, sizeof text, "%s2019-04,RX1,1,9223372036854775808,0\n", good_header);
    expect_error("past_max_count.csv", text,
                 "%s:2: column `attendances`: `9223372036854775808` is too large a count (the largest is "
                 "9223372036854775807)");
    snprintf(text, sizeof text, "%s2019-04,RX1,1,10000000000000000000,0\n", good_header);
    expect_error("twenty_digits.csv", text,
                 "%s:2: column `attendances`: `10000000000000000000` is too large a count (the largest is "
                 "9223372036854775807)");
}
END_TEST

START_TEST(error_ragged)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s2019-04,RX2,1,12\n", good_header, good_row);
    expect_error("short.csv", text, "%s:3: the row has 4 fields, but the header has 5");
    snprintf(text, sizeof text, "%s%s2019-04,RX2,1,12,3,\n", good_header, good_row);
    expect_error("long.csv", text, "%s:3: the row has 6 fields, but the header has 5");
}
END_TEST

START_TEST(error_unterminated_quote)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s2019-04,\"RX2,1,12,3\n2019-04,RX3,1,12,3\n", good_header, good_row);
    expect_error("quote.csv", text, "%s: line 4: unterminated quoted field (it starts at line 3)");
}
END_TEST

START_TEST(error_missing_column)
{
    expect_error("no_breaches.csv", "period,org_code,type,attendances\n2019-04,RX1,1,100\n",
                 "%s: the header has no column `breaches` (feed `ae` declares it)");
    expect_error("no_org.csv", "period,org,type,attendances,breaches\n2019-04,RX1,1,100,5\n",
                 "%s: the header has no column `org_code` (feed `ae` names it)");
    expect_error("no_period.csv", "month,org_code,type,attendances,breaches\n2019-04,RX1,1,100,5\n",
                 "%s: the header has no column `period` (feed `ae` names it)");
    expect_error("twice.csv", "period,org_code,type,attendances,breaches,attendances\n2019-04,RX1,1,100,5,100\n",
                 "%s:1: column `attendances` appears twice in the header");
}
END_TEST

START_TEST(error_empty_file)
{
    expect_error("empty.csv", "", "%s: the file is empty: it needs a header naming its columns");
    expect_error("blank.csv", "\n\n", "%s: the file is empty: it needs a header naming its columns");
    expect_error("bom_only.csv", "\xEF\xBB\xBF", "%s: the file is empty: it needs a header naming its columns");
}
END_TEST

START_TEST(error_no_such_file)
{
    Rules r;
    rules_from_text(&r, small_rules);
    char path[512], why[1024], want[600];
    tmp_path(path, sizeof path, "no_such_file.csv");
    ck_assert_ptr_null(try_load(&r, "ae", path, NULL, why, sizeof why));
    snprintf(want, sizeof want, "%s: cannot read it: ", path);
    ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "got: %s", why);
    rules_free(&r);
}
END_TEST

START_TEST(header_only)
{
    Rules r;
    rules_from_text(&r, small_rules);
    char path[512];
    write_tmp(path, sizeof path, "header_only.csv", good_header);
    FeedData *f = load(&r, "ae", path);
    const FeedStats *s = feed_stats(f);
    ck_assert_uint_eq(s->rows, 0);
    ck_assert_uint_eq(s->orgs, 0);
    ck_assert_uint_eq(s->periods, 0);
    uint32_t o = orgs_intern(r.orgs, "RX1", 3), cov = 9;
    assert_missing(feed_aggregate(f, agg(&r.bc, "ae", "attendances", AGG_SUM, false), &o, 1, D(2019, 4, 1),
                                  D(2020, 3, 31), D(2021, 1, 1), &cov));
    ck_assert_uint_eq(cov, 0);
    feed_free(f);
    rules_free(&r);
}
END_TEST

START_TEST(error_missing_org)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s2019-04,,1,12,3\n", good_header, good_row);
    expect_error("no_org_cell.csv", text, "%s:3: column `org_code` (the organisation) is empty or `*`");
    snprintf(text, sizeof text, "%s%s2019-04,\"\",1,12,3\n", good_header, good_row);
    expect_error("quoted_org_cell.csv", text, "%s:3: column `org_code` (the organisation) is empty or `*`");
}
END_TEST

START_TEST(error_bad_period)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s2019-13,RX2,1,12,3\n", good_header, good_row);
    expect_error("month13.csv", text, "%s:3: column `period`: `2019-13` is not a month (2019-03 or 2019-03-01)");
    snprintf(text, sizeof text, "%s%s2019/20,RX2,1,12,3\n", good_header, good_row);
    expect_error("fy.csv", text, "%s:3: column `period`: `2019/20` is not a month (2019-03 or 2019-03-01)");
    snprintf(text, sizeof text, "%s%s,RX2,1,12,3\n", good_header, good_row);
    expect_error("no_period_cell.csv", text, "%s:3: column `period`: `` is empty: every row needs its period");
}
END_TEST

START_TEST(skip_bad_rows)
{
    Rules r;
    rules_from_text(&r, small_rules);
    char path[512], text[1024];
    snprintf(text, sizeof text,
             "%s%s"                         /* line 2: good */
             "2019-04,RX2,1,12x,3\n"        /* line 3: bad cell */
             "2019-04,RX3,1,7,1\n"          /* line 4: good */
             "2019-04,RX4,1\n"              /* line 5: ragged */
             "2019-13,RX5,1,7,1\n"          /* line 6: bad period */
             "2019-04,RX1,2,50,0\n",        /* line 7: good */
             good_header, good_row);
    write_tmp(path, sizeof path, "skip.csv", text);
    char *report = NULL;
    size_t report_len = 0;
    FILE *out = open_memstream(&report, &report_len);
    ck_assert_ptr_nonnull(out);
    FeedOptions opt = { .skip_bad_rows = true, .report = out };
    char why[1024];
    FeedData *f = try_load(&r, "ae", path, &opt, why, sizeof why);
    fclose(out);
    ck_assert_msg(f != NULL, "%s", why);
    const FeedStats *s = feed_stats(f);
    ck_assert_uint_eq(s->rows, 6);
    ck_assert_uint_eq(s->skipped, 3);
    ck_assert_uint_eq(s->orgs, 2);          /* RX1, RX3: skipped rows add nothing */
    ck_assert_uint_eq(s->periods, 1);
    char want[2048];
    snprintf(want, sizeof want,
             "pledge: skipped %s:3: column `attendances`: `12x` is not a count (a whole number)\n"
             "pledge: skipped %s:5: the row has 3 fields, but the header has 5\n"
             "pledge: skipped %s:6: column `period`: `2019-13` is not a month (2019-03 or 2019-03-01)\n",
             path, path, path);
    ck_assert_str_eq(report, want);
    free(report);
    size_t norgs;
    uint32_t *ids = all_orgs(&r, &norgs), cov;
    assert_int(feed_aggregate(f, agg(&r.bc, "ae", "attendances", AGG_SUM, false), ids, norgs, D(2019, 4, 1),
                              D(2019, 4, 30), D(2020, 1, 1), &cov),
               157);
    ck_assert_uint_eq(cov, 2);
    free(ids);
    feed_free(f);
    /* no report file: still skipped and counted */
    FeedOptions quiet = { .skip_bad_rows = true };
    f = try_load(&r, "ae", path, &quiet, why, sizeof why);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(feed_stats(f)->skipped, 3);
    feed_free(f);
    /* an unterminated quote is not a row that can be skipped */
    snprintf(text, sizeof text, "%s%s2019-04,\"RX2,1,12,3\n", good_header, good_row);
    write_tmp(path, sizeof path, "skip_quote.csv", text);
    ck_assert_ptr_null(try_load(&r, "ae", path, &quiet, why, sizeof why));
    snprintf(want, sizeof want, "%s: line 3: unterminated quoted field (it starts at line 3)", path);
    ck_assert_str_eq(why, want);
    rules_free(&r);
}
END_TEST

/* ---- loading on two cores ------------------------------------------------ */

static const char halves_rules[] =
    "feed ae \"A&E\" {\n"
    "    org    = org_code\n"
    "    period = period as month\n"
    "    lag    = 6 weeks\n"
    "    attendances: count\n"
    "    breaches:    count\n"
    "    type:        text\n"
    "}\n"
    "metric s: count = sum(ae.attendances)\n"
    "metric c: count = count(ae.attendances)\n"
    "metric b: count = sum(ae.breaches)\n"
    /* two where conditions that are the same code: one evaluation a row, on both halves */
    "metric s1: count = sum(ae.attendances where ae.type == \"1\")\n"
    "metric b1: count = sum(ae.breaches where ae.type == \"1\")\n"
    /* a compound condition: also a predicate, run on both halves */
    "metric s2: count = sum(ae.attendances where ae.type != \"1\" and ae.breaches < 3)\n";

typedef struct Halves {
    char    *text;
    size_t   len;
    uint64_t bad_line[2];       /* the lines of the bad rows asked for */
    int64_t  sum, count, breaches;
    int64_t  sum1, breaches1;   /* of the rows of type "1" */
    int64_t  sum2;              /* of the rows not of type "1" with under 3 breaches */
} Halves;

/* A feed of about 11 MB, which feed_load reads in two halves at once:
 * 500,000 rows over 24 months and 1,000 organisations, every 50th
 * attendance missing. Rows bad[0] and bad[1] (if not -1) have a bad count;
 * with `quoted`, a row whose text cell holds 300 line ends straddles the
 * middle, so the split falls inside quotes. */
static void halves(Halves *h, long bad0, long bad1, bool quoted)
{
    enum { ROWS = 500000 };
    size_t cap = (size_t)ROWS * 32 + 8192;
    memset(h, 0, sizeof *h);
    h->text = malloc(cap);
    size_t n = (size_t)sprintf(h->text, "period,org_code,type,attendances,breaches\n");
    uint64_t line = 2;
    for (long i = 0; i < ROWS; i++) {
        if (quoted && i == ROWS / 2) {
            n += (size_t)sprintf(h->text + n, "2019-04,RXQ,\"");
            for (int k = 0; k < 300; k++) n += (size_t)sprintf(h->text + n, "line %d\n", k);
            n += (size_t)sprintf(h->text + n, "\",1,0\n");
            line += 301;
            h->sum += 1, h->count += 1, h->sum2 += 1;
        }
        int att = (int)(i % 97), br = (int)(i % 7), type = i % 3 ? 1 : 2;
        bool bad = i == bad0 || i == bad1;
        if (bad) h->bad_line[i == bad1] = line;
        if (bad) n += (size_t)sprintf(h->text + n, "2019-%02ld,RX%ld,%d,12x,%d\n", i % 12 + 1, i % 1000, type, br);
        else if (i % 50 == 0) n += (size_t)sprintf(h->text + n, "2019-%02ld,RX%ld,%d,,%d\n", i % 12 + 1, i % 1000, type, br);
        else n += (size_t)sprintf(h->text + n, "20%02ld-%02ld,RX%ld,%d,%d,%d\n", 19 + i / 250000, i % 12 + 1, i % 1000, type, att, br);
        if (!bad) {
            if (i % 50) h->sum += att, h->count++;
            if (i % 50 && type == 1) h->sum1 += att;
            if (i % 50 && type != 1 && br < 3) h->sum2 += att;
            h->breaches += br;
            if (type == 1) h->breaches1 += br;
        }
        line++;
    }
    h->len = n;
}

/* The three sums over everything, as feed_aggregate gives them. */
static void assert_halves(Rules *r, FeedData *f, const Halves *h)
{
    size_t norgs;
    uint32_t *ids = all_orgs(r, &norgs), cov;
    Day from = D(2019, 1, 1), to = D(2020, 12, 31), as_of = D(2030, 1, 1);
    assert_int(feed_aggregate(f, agg(&r->bc, "ae", "attendances", AGG_SUM, false), ids, norgs, from, to, as_of, &cov), h->sum);
    assert_int(feed_aggregate(f, agg(&r->bc, "ae", "attendances", AGG_COUNT, false), ids, norgs, from, to, as_of, &cov),
               h->count);
    assert_int(feed_aggregate(f, agg(&r->bc, "ae", "breaches", AGG_SUM, false), ids, norgs, from, to, as_of, &cov),
               h->breaches);
    /* the two filtered sums of attendances: told apart by their conditions' lengths */
    uint32_t s1 = UINT32_MAX, s2 = UINT32_MAX;
    for (uint32_t g = 0; g < r->bc.naggs; g++) {
        const BcAggregate *a = &r->bc.aggs[g];
        if (a->filter < 0 || strcmp(r->bc.feeds[a->feed].columns[a->column].name, "attendances") != 0) continue;
        *(r->bc.fns[a->filter].ncode > 2 ? &s2 : &s1) = g;
    }
    ck_assert(s1 != UINT32_MAX && s2 != UINT32_MAX);
    assert_int(feed_aggregate(f, s1, ids, norgs, from, to, as_of, &cov), h->sum1);
    assert_int(feed_aggregate(f, s2, ids, norgs, from, to, as_of, &cov), h->sum2);
    assert_int(feed_aggregate(f, agg(&r->bc, "ae", "breaches", AGG_SUM, true), ids, norgs, from, to, as_of, &cov),
               h->breaches1);
    free(ids);
}

START_TEST(two_halves)
{
    Rules r;
    rules_from_text(&r, halves_rules);
    char path[512], why[1024], want[2048];
    tmp_path(path, sizeof path, "halves.csv");
    Halves h;
    /* clean, and with the split inside a quoted field: the same figures as a serial read */
    for (int quoted = 0; quoted < 2; quoted++) {
        halves(&h, -1, -1, quoted);
        write_bytes(path, h.text, h.len);
        FeedData *f = load(&r, "ae", path);
        ck_assert_uint_eq(feed_stats(f)->rows, 500000 + (uint64_t)quoted);
        ck_assert_uint_eq(feed_stats(f)->orgs, 1000 + (uint32_t)quoted);
        ck_assert_uint_eq(feed_stats(f)->periods, 24);
        assert_halves(&r, f, &h);
        feed_free(f);
        free(h.text);
    }
    /* the where conditions run on the VM instead of as predicates: the same figures */
    setenv("PLEDGE_TEST_VM_FILTERS", "1", 1);
    halves(&h, -1, -1, true);
    write_bytes(path, h.text, h.len);
    FeedData *vmf = load(&r, "ae", path);
    assert_halves(&r, vmf, &h);
    feed_free(vmf);
    free(h.text);
    unsetenv("PLEDGE_TEST_VM_FILTERS");
    /* a bad row in the second half is reported with its line, after the
     * quoted field too; with one in each half, the first is */
    long cases[][3] = { { 300000, -1, 0 }, { 300000, -1, 1 }, { 100000, 300000, 0 }, { 100000, 300000, 1 } };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        halves(&h, cases[c][0], cases[c][1], cases[c][2]);
        write_bytes(path, h.text, h.len);
        ck_assert_ptr_null(try_load(&r, "ae", path, NULL, why, sizeof why));
        snprintf(want, sizeof want, "%s:%llu: column `attendances`: `12x` is not a count (a whole number)", path,
                 (unsigned long long)h.bad_line[0]);
        ck_assert_str_eq(why, want);
        free(h.text);
    }
    /* skipped rows: reported in order, the rest counted */
    halves(&h, 100000, 300000, false);
    write_bytes(path, h.text, h.len);
    char *report = NULL;
    size_t report_len = 0;
    FILE *out = open_memstream(&report, &report_len);
    FeedOptions opt = { .skip_bad_rows = true, .report = out };
    FeedData *f = try_load(&r, "ae", path, &opt, why, sizeof why);
    fclose(out);
    ck_assert_msg(f != NULL, "%s", why);
    ck_assert_uint_eq(feed_stats(f)->skipped, 2);
    snprintf(want, sizeof want,
             "pledge: skipped %s:%llu: column `attendances`: `12x` is not a count (a whole number)\n"
             "pledge: skipped %s:%llu: column `attendances`: `12x` is not a count (a whole number)\n",
             path, (unsigned long long)h.bad_line[0], path, (unsigned long long)h.bad_line[1]);
    ck_assert_str_eq(report, want);
    assert_halves(&r, f, &h);
    free(report);
    feed_free(f);
    free(h.text);
    rules_free(&r);
}
END_TEST

typedef struct Progress { unsigned calls; uint64_t last; bool monotonic; } Progress;

static void count_progress(void *ud, const char *source, uint64_t done, uint64_t total)
{
    Progress *p = ud;
    (void)source;
    if (done < p->last || done > total) p->monotonic = false;
    p->last = done;
    p->calls++;
}

/* A feed of about 10 MB (two halves) whose months list the organisations in
 * a different order each, new ones joining late, with cells past 16 bits:
 * a few a month (kept apart) and, in the last three months, many (the
 * slice widened), in both halves and in the month the split falls in. Read
 * on one core (`--threads 1`) and on two, every cell is the same. */
START_TEST(halves_match_one_core)
{
    Rules r;
    rules_from_text(&r, halves_rules);
    char path[512], why[1024];
    tmp_path(path, sizeof path, "orders.csv");
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "period,org_code,type,attendances,breaches\n");
    enum { ROWS = 450000, MONTHS = 24, ORGS = 1200 };
    for (long i = 0; i < ROWS; i++) {
        long m = i * MONTHS / ROWS, orgs = m < 12 ? ORGS - 200 : ORGS;
        long o = (i * 7 + m * 13) % orgs, att = i % 97 + (i % (m >= 21 ? 50 : 1000) == 0 ? 70000 : 0);
        fprintf(out, "%ld-%02ld,RX%04ld,%ld,%ld,%ld\n", 2019 + m / 12, m % 12 + 1, o, i % 3 ? 1L : 2L, att, i % 7);
    }
    ck_assert_int_eq(fclose(out), 0);
    FeedData *two = load(&r, "ae", path);
    /* on one core, one reader goes through every row: progress every 64k of them */
    Progress seen = { .monotonic = true };
    FeedOptions one_core = { .threads = 1, .progress = count_progress, .progress_ud = &seen };
    FeedData *one = try_load(&r, "ae", path, &one_core, why, sizeof why);
    ck_assert_msg(one != NULL, "%s", why);
    ck_assert_uint_eq(seen.calls, ROWS / 65536 + 1);
    ck_assert(seen.monotonic);
    ck_assert_uint_eq(feed_stats(one)->rows, ROWS);
    ck_assert_uint_eq(feed_stats(two)->rows, ROWS);
    ck_assert_uint_eq(feed_stats(two)->orgs, feed_stats(one)->orgs);
    size_t norgs;
    uint32_t *ids = all_orgs(&r, &norgs);
    ck_assert_uint_eq(norgs, ORGS);
    Day as_of = D(2030, 1, 1);
    for (uint32_t g = 0; g < r.bc.naggs; g++)
        for (size_t k = 0; k < norgs; k++) {
            Value a[MONTHS], b[MONTHS];
            uint32_t ca[MONTHS], cb[MONTHS];
            Period first = period_containing(GRAIN_MONTH, D(2019, 1, 1));
            feed_aggregate_periods(one, g, &ids[k], 1, first.index, first.index + MONTHS - 1, as_of, a, ca);
            feed_aggregate_periods(two, g, &ids[k], 1, first.index, first.index + MONTHS - 1, as_of, b, cb);
            for (int m = 0; m < MONTHS; m++) {
                ck_assert_int_eq(a[m].kind, b[m].kind);
                ck_assert_uint_eq(ca[m], cb[m]);
                if (a[m].kind == V_NUM) ck_assert_int_eq(a[m].as.num.n, b[m].as.num.n);
            }
        }
    free(ids);
    feed_free(one);
    feed_free(two);
    rules_free(&r);
}
END_TEST

/* ---- one core and two, any feed ------------------------------------------- */

static void put_key(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows)
{
    fprintf(ud, "key %u %d %d %u\n", org, p.index, vintage, rows);
}

static void put_superseded(void *ud, uint32_t org, Period p, const char *identity, Day vintage, Day by, uint32_t rows)
{
    fprintf(ud, "superseded %u %d %s %d %d %u\n", org, p.index, identity ? identity : "-", vintage, by, rows);
}

/* What a report or explain can ask of f: every aggregate of the feed for
 * each organisation and for all, each period, as of each day; its keys and
 * superseded publications; its statistics. As text, to compare. */
static char *feed_answers(Rules *r, const char *feed, const FeedData *f, const Day *as_of, size_t nas_of)
{
    char *text = NULL, v[128];
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    const FeedStats *st = feed_stats(f);
    fprintf(out, "rows %llu orgs %u periods %u vintages %u skipped %llu\n", (unsigned long long)st->rows, st->orgs,
            st->periods, st->vintages, (unsigned long long)st->skipped);
    int32_t lo, hi;
    ck_assert(feed_periods(f, &lo, &hi));
    size_t norgs;
    uint32_t *ids = all_orgs(r, &norgs), fi = feed_index(&r->bc, feed);
    size_t n = (size_t)(hi - lo + 1);
    Value *vals = malloc(n * sizeof *vals);
    uint32_t *cov = malloc(n * sizeof *cov);
    for (uint32_t g = 0; g < r->bc.naggs; g++) {
        if (r->bc.aggs[g].feed != fi) continue;
        for (size_t d = 0; d < nas_of; d++)
            for (size_t k = 0; k <= norgs; k++) {       /* each organisation, then all */
                feed_aggregate_periods(f, g, k < norgs ? &ids[k] : ids, k < norgs ? 1 : norgs, lo, hi, as_of[d], vals, cov);
                for (size_t p = 0; p < n; p++) {
                    val_format(vals[p], true, v, sizeof v);
                    fprintf(out, "%u %zu %zu %zu: %d %s %u\n", g, d, k, p, vals[p].kind, v, cov[p]);
                }
            }
    }
    feed_each_key(f, put_key, out);
    for (size_t d = 0; d < nas_of; d++) feed_each_superseded(f, as_of[d], put_superseded, out);
    fclose(out);
    free(vals);
    free(cov);
    free(ids);
    return text;
}

/* Reads path on one core, and on two with every file split
 * (PLEDGE_TEST_SPLIT_BYTES): both read or both fail with the same message;
 * read, every answer is the same. Whether the halves were joined (or the
 * rows after the first read again, in order). */
static bool assert_cores_agree(Rules *r, const char *feed, const char *path, const FeedOptions *given,
                               const Day *as_of, size_t nas_of)
{
    char why1[1024], why2[1024];
    char *report1 = NULL, *report2 = NULL;
    size_t len1 = 0, len2 = 0;
    FeedOptions opt = given ? *given : (FeedOptions){ 0 };
    opt.threads = 1;
    opt.report = open_memstream(&report1, &len1);
    FeedData *one = try_load(r, feed, path, &opt, why1, sizeof why1);
    fclose(opt.report);
    opt.threads = 0;
    opt.report = open_memstream(&report2, &len2);
    setenv("PLEDGE_TEST_SPLIT_BYTES", "1", 1);
    FeedData *two = try_load(r, feed, path, &opt, why2, sizeof why2);
    unsetenv("PLEDGE_TEST_SPLIT_BYTES");
    fclose(opt.report);
    ck_assert_str_eq(report1, report2);
    free(report1);
    free(report2);
    ck_assert_str_eq(why1, why2);
    ck_assert((one == NULL) == (two == NULL));
    if (!one) return false;
    ck_assert(!feed_stats(one)->pieces_joined);
    char *a = feed_answers(r, feed, one, as_of, nas_of), *b = feed_answers(r, feed, two, as_of, nas_of);
    ck_assert_str_eq(a, b);
    bool joined = feed_stats(two)->pieces_joined;
    free(a);
    free(b);
    feed_free(one);
    feed_free(two);
    return joined;
}

static const char general_rules[] =
    "feed g \"general\" {\n"
    "    org    = org_code\n"
    "    period = period as month\n"
    "    value: number\n"
    "    n:     count\n"
    "    kind:  text\n"
    "}\n"
    "metric s: number = sum(g.value)\n"
    "metric m: number = mean(g.value)\n"
    "metric lo: number = min(g.value)\n"
    "metric hi: number = max(g.value)\n"
    "metric md: number = median(g.value)\n"
    "metric mdn: count = median(g.n)\n"
    "metric mn: count = mean(g.n)\n"
    "metric c: count = count(g.value)\n"
    "metric sa: number = sum(g.value where g.kind == \"a\")\n"
    "metric hia: number = max(g.value where g.kind == \"a\")\n"
    "metric lon: count = min(g.n where g.kind != \"a\")\n";

/* rows over six months, grouped by month, 30 organisations in the first
 * three and 40 after, each month in another order; values of two decimals,
 * negative too, with ties, every 11th empty and every 13th `*`; row bad
 * (if not -1) has a value that is not a number, and row big one too large
 * to add in halves. Returns the line of the bad row. */
static uint64_t general_file(const char *path, long rows, long bad, long big)
{
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "period,org_code,kind,value,n\n");
    for (long i = 0; i < rows; i++) {
        long m = i * 6 / rows, orgs = m < 3 ? 30 : 40, o = (i * 7 + m * 13) % orgs, v = (i * 31) % 17 * 25 - 100;
        fprintf(out, "2019-%02ld,R%02ld,%s,", m + 4, o, i % 3 ? "b" : "a");
        if (i == bad) fprintf(out, "1.2.3");
        else if (i == big) fprintf(out, "123456789012345.5");
        else if (i % 11 == 0) { /* empty */ }
        else if (i % 13 == 0) fprintf(out, "*");
        else fprintf(out, "%s%ld.%02ld", v < 0 ? "-" : "", labs(v) / 100, labs(v) % 100);
        fprintf(out, ",%ld\n", i % 9);
    }
    ck_assert_int_eq(fclose(out), 0);
    return bad >= 0 ? (uint64_t)bad + 2 : 0;
}

/* Sums and means of decimals, minima, maxima and medians (ties, missing
 * values, a split inside a month and an organisation's rows) read in two
 * halves give every answer that reading in order does. */
START_TEST(general_aggregates_on_two_cores)
{
    Rules r;
    rules_from_text(&r, general_rules);
    char path[512], why[1024], want[1024];
    tmp_path(path, sizeof path, "general.csv");
    Day as_of[] = { D(2030, 1, 1) };
    long sizes[] = { 97, 401, 1000, 2777 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        general_file(path, sizes[k], -1, -1);
        ck_assert(assert_cores_agree(&r, "g", path, NULL, as_of, 1));
    }
    /* again and again: each time the threads take the chunks in other
     * pieces (how many, and where they end, depends on which runs first) */
    for (int k = 0; k < 12; k++) ck_assert(assert_cores_agree(&r, "g", path, NULL, as_of, 1));
    /* a bad row in the second half: named by its line, once */
    uint64_t line = general_file(path, 1000, 800, -1);
    ck_assert(!assert_cores_agree(&r, "g", path, NULL, as_of, 1));
    setenv("PLEDGE_TEST_SPLIT_BYTES", "1", 1);
    ck_assert_ptr_null(try_load(&r, "g", path, NULL, why, sizeof why));
    unsetenv("PLEDGE_TEST_SPLIT_BYTES");
    snprintf(want, sizeof want, "%s:%llu: column `value`: `1.2.3` is not a number", path, (unsigned long long)line);
    ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "%s", why);
    /* skipped: reported once, the rest read in order (the pieces before
     * its piece may have been joined: whether depends on the threads) */
    FeedOptions skip = { .skip_bad_rows = true };
    (void)assert_cores_agree(&r, "g", path, &skip, as_of, 1);
    /* a value too large for the pieces' sums to be added as they stand (a
     * partial sum in order might pass into a real): read again in order
     * from its piece on (the pieces before may have been joined), or from
     * the first piece's end if it is there. Near the start too: which
     * piece reads it depends on how fast the threads go (under ASan the
     * second took it from the first), so only agreement is asserted */
    general_file(path, 1000, -1, 700);
    (void)assert_cores_agree(&r, "g", path, NULL, as_of, 1);
    general_file(path, 1000, -1, 100);
    (void)assert_cores_agree(&r, "g", path, NULL, as_of, 1);
    rules_free(&r);
}
END_TEST

/* A limit passed only by both halves together (the 38th organisation,
 * first seen well into the second half) is named at its line, as in order. */
START_TEST(limit_in_second_half)
{
    Rules r;
    rules_from_text(&r, halves_rules);
    char path[512];
    tmp_path(path, sizeof path, "limit.csv");
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "period,org_code,type,attendances,breaches\n");
    /* R00-R29 in the first half, R08-R37 in the second: 38 together, each
     * half under the limit alone; the 38th, R37, at row 529 */
    for (long i = 0; i < 1000; i++)
        fprintf(out, "2019-%02ld,R%02ld,1,%ld,%ld\n", i / 100 + 1, i < 500 ? i % 30 : 8 + (i - 500) % 30, i % 97, i % 7);
    ck_assert_int_eq(fclose(out), 0);
    Day as_of[] = { D(2030, 1, 1) };
    FeedOptions opt = { .limits = { .orgs = 37 } };
    ck_assert(!assert_cores_agree(&r, "ae", path, &opt, as_of, 1));
    char why[1024], want[1024];
    setenv("PLEDGE_TEST_SPLIT_BYTES", "1", 1);
    ck_assert_ptr_null(try_load(&r, "ae", path, &opt, why, sizeof why));
    unsetenv("PLEDGE_TEST_SPLIT_BYTES");
    snprintf(want, sizeof want, "limit: %s:531: more than 37 organisations (raise it with --max-orgs)", path);
    ck_assert_str_eq(why, want);
    opt.limits.orgs = 38;
    ck_assert(assert_cores_agree(&r, "ae", path, &opt, as_of, 1));
    rules_free(&r);
}
END_TEST

static const char keyed_rules[] =
    "feed k \"keyed\" {\n"
    "    org     = org\n"
    "    period  = period as month\n"
    "    vintage = published\n"
    "    key     = type, site\n"
    "    value: count\n"
    "    x:     number\n"
    "    type:  text\n"
    "    site:  text\n"
    "}\n"
    "metric latest: count = sum(k.value)\n"
    "metric first: count = sum(k.value as first)\n"
    "metric july: count = sum(k.value as of 2019-07-15)\n"
    "metric n: count = count(k.value)\n"
    "metric xs: number = sum(k.x)\n"
    "metric xmd: number = median(k.x as first)\n"
    "metric xlo: number = min(k.x where k.type != \"a\")\n";

/* rows over six months, each published on one to three days after it: 20
 * organisations, whose identities (type, site) are a and b in the first
 * half of the file, and from its middle on also c and d, in an order of
 * each organisation's, so many first appear in the second half before
 * others the first half numbered. Row bad (if not -1) has a bad count. */
static uint64_t keyed_file(const char *path, long rows, long bad)
{
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "org,period,published,type,site,value,x\n");
    for (long i = 0; i < rows; i++) {
        long m = i * 6 / rows, o = (i * 7 + m * 3) % 20;
        const char *type = i < rows / 2 ? ((i / 20) % 2 ? "b" : "a") : (const char *[]){ "c", "a", "d", "b" }[(i / 20 + o) % 4];
        fprintf(out, "R%02ld,2019-%02ld,2019-%02ld-%02ld,%s,S%ld,", o, m + 4, m + 5 + (i % 3 == 2), i % 3 == 1 ? 20L : 10L,
                type, o % 2);
        if (i == bad) fprintf(out, "x7");
        else if (i % 17) fprintf(out, "%ld", i % 50);
        fprintf(out, ",%ld.%ld\n", i % 23, i % 4);
    }
    ck_assert_int_eq(fclose(out), 0);
    return bad >= 0 ? (uint64_t)bad + 2 : 0;
}

/* Files shaped to trip the chunks two threads share (load_pieces): line
 * ends inside quoted fields at many places (a text cell of many lines,
 * some longer than a chunk), CRLF line ends, blank lines, a BOM, rows
 * longer than a chunk, a last row without a line end; clean, and with bad
 * rows skipped. Each read on one core and on two, several times (the
 * pieces differ run to run): the same answers, reports and messages. */
static void chunky_file(const char *path, int shape, long rows, long bad)
{
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    const char *eol = shape == 1 ? "\r\n" : "\n";
    if (shape == 2) fputs("\xEF\xBB\xBF", out);
    fprintf(out, "period,org_code,type,attendances,breaches%s", eol);
    for (long i = 0; i < rows; i++) {
        if (shape == 2 && i % 37 == 0) fprintf(out, "%s  %s", eol, eol);       /* blank lines */
        fprintf(out, "2019-%02ld,R%02ld,", i * 12 / rows + 1, (i * 7) % 41);
        if (shape == 0 && i % 29 == 3) {            /* a type of many lines: 40, or 4,000 now and then */
            fputc('"', out);
            for (long k = 0, n = i % 5 ? 40 : 4000; k < n; k++) fprintf(out, "l%ld,%ld\n", k, i);
            fputc('"', out);
        } else if (shape == 3 && i % 3 == 0) {      /* a long unquoted type: rows past a chunk's length */
            for (long k = 0; k < 3000; k++) fputc('a' + (int)(k % 26), out);
        } else {
            fputs(i % 3 ? "1" : "2", out);
        }
        if (i == bad) fprintf(out, ",x%ld,1", i);
        else fprintf(out, ",%ld,%ld", i % 97, i % 5);
        if (i + 1 < rows || shape != 1) fputs(eol, out);      /* CRLF: the last row ends the file */
    }
    ck_assert_int_eq(fclose(out), 0);
}

START_TEST(chunks_on_two_cores)
{
    Rules r;
    rules_from_text(&r, halves_rules);
    char path[512];
    tmp_path(path, sizeof path, "chunky.csv");
    Day as_of[] = { D(2030, 1, 1) };
    FeedOptions skip = { .skip_bad_rows = true };
    for (int shape = 0; shape < 4; shape++) {
        chunky_file(path, shape, 1500, -1);
        for (int k = 0; k < 4; k++) assert_cores_agree(&r, "ae", path, NULL, as_of, 1);
        chunky_file(path, shape, 1500, 1100);       /* a bad row: named at its line, or skipped */
        for (int k = 0; k < 3; k++) {
            ck_assert(!assert_cores_agree(&r, "ae", path, NULL, as_of, 1));
            assert_cores_agree(&r, "ae", path, &skip, as_of, 1);
        }
    }
    rules_free(&r);
}
END_TEST

/* A feed with `key`: identities numbered per organisation as they first
 * appear in the file, whichever half they appear in; the latest, first
 * and as-of publications, the superseded ones (explain) and every other
 * answer as reading in order gives. */
START_TEST(keyed_on_two_cores)
{
    Rules r;
    rules_from_text(&r, keyed_rules);
    char path[512], why[1024], want[1024];
    tmp_path(path, sizeof path, "keyed.csv");
    Day as_of[] = { D(2030, 1, 1), D(2019, 7, 15), D(2019, 9, 12) };
    long sizes[] = { 120, 499, 1000, 2500 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        keyed_file(path, sizes[k], -1);
        ck_assert(assert_cores_agree(&r, "k", path, NULL, as_of, 3));
    }
    uint64_t line = keyed_file(path, 1000, 700);
    ck_assert(!assert_cores_agree(&r, "k", path, NULL, as_of, 3));
    setenv("PLEDGE_TEST_SPLIT_BYTES", "1", 1);
    ck_assert_ptr_null(try_load(&r, "k", path, NULL, why, sizeof why));
    unsetenv("PLEDGE_TEST_SPLIT_BYTES");
    snprintf(want, sizeof want, "%s:%llu: column `value`: `x7` is not a count", path, (unsigned long long)line);
    ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "%s", why);
    FeedOptions skip = { .skip_bad_rows = true };
    (void)assert_cores_agree(&r, "k", path, &skip, as_of, 3);
    rules_free(&r);
}
END_TEST

static const char calls_rules[] =
    "fn big(n: count): bool = n > 3\n"
    "fn steps(n: count): count = if n <= 0 then 0 else 1 + steps(n - 1)\n"
    "fn even(n: count): bool = if n == 0 then true else odd(n - 1)\n"
    "fn odd(n: count): bool = if n == 0 then false else even(n - 1)\n"
    "feed ae \"A&E\" {\n"
    "    org    = org_code\n"
    "    period = period as month\n"
    "    attendances: count\n"
    "    breaches:    count\n"
    "    type:        text\n"
    "    require = steps(breaches) < 7\n"
    "}\n"
    "metric s: count = sum(ae.attendances where big(ae.breaches))\n"
    "metric e: count = sum(ae.attendances where steps(ae.breaches) >= 3 and even(ae.breaches))\n"
    "metric md: count = median(ae.attendances where odd(ae.breaches))\n";

/* Where conditions and a row rule that call functions of the round (one
 * recursive, two calling each other) run on the second thread's VM too:
 * the same answers, and a row that breaks the rule in the second half
 * named at its line. */
START_TEST(calls_on_two_cores)
{
    Rules r;
    rules_from_text(&r, calls_rules);
    char path[512], why[1024], want[1024];
    tmp_path(path, sizeof path, "calls.csv");
    Day as_of[] = { D(2030, 1, 1) };
    for (int bad = 0; bad < 2; bad++) {
        FILE *out = fopen(path, "w");
        ck_assert_ptr_nonnull(out);
        fprintf(out, "period,org_code,type,attendances,breaches\n");
        for (long i = 0; i < 1000; i++)
            fprintf(out, "2019-%02ld,R%02ld,1,%ld,%ld\n", i / 100 + 1, (i * 7) % 30, i % 97, bad && i == 800 ? 9 : i % 7);
        ck_assert_int_eq(fclose(out), 0);
        ck_assert(assert_cores_agree(&r, "ae", path, NULL, as_of, 1) == !bad);
    }
    setenv("PLEDGE_TEST_SPLIT_BYTES", "1", 1);
    ck_assert_ptr_null(try_load(&r, "ae", path, NULL, why, sizeof why));
    unsetenv("PLEDGE_TEST_SPLIT_BYTES");
    snprintf(want, sizeof want, "%s:802: the row breaks `require = steps(breaches) < 7` (breaches 9)", path);
    ck_assert_str_eq(why, want);
    rules_free(&r);
}
END_TEST

/* ---- where conditions as predicates (data/pred.c) ------------------------ */

static const char pred_rules[] =
    "feed f \"conditions\" {\n"
    "    org    = org\n"
    "    period = month as month\n"
    "    n: count\n"
    "    x: number\n"
    "    t: text\n"
    "}\n"
    "metric m01: count = sum(f.n where f.t == \"1\")\n"
    "metric m02: count = sum(f.n where f.t != \"1\")\n"
    "metric m03: count = sum(f.n where f.n <= 4)\n"
    "metric m04: count = sum(f.n where f.n > 4)\n"
    "metric m05: count = sum(f.n where f.x >= 0.6)\n"
    "metric m06: count = sum(f.n where f.x < 0)\n"
    "metric m07: count = sum(f.n where 10 > f.n)\n"
    "metric m08: count = sum(f.n where f.n < 10)\n"
    "metric m09: count = sum(f.n where f.n >= 10)\n"
    "metric m10: count = sum(f.n where f.x > 0.5)\n"
    "metric m11: count = sum(f.n where f.x <= -1.25)\n"
    "metric m12: count = sum(f.n where f.t == \"1\" and f.n >= 5)\n"
    "metric m13: count = sum(f.n where f.t == \"1\" or not (f.x > 0.5))\n"
    "metric m14: count = sum(f.n where not (f.t == \"1\"))\n"
    "metric m15: count = sum(f.n where f.t == \"\xc3\x9cn\\\"q\\\"\" or f.t == \"2\" or f.t == \"3\")\n"
    "metric m16: count = sum(f.n where (f.t == \"1\" or f.n > 3) and (f.x < 1 or f.n == 7))\n"
    /* arithmetic: not a predicate, the VM runs it */
    "metric m17: count = sum(f.n where f.n + 1 > 5)\n";

/* Every condition of pred_rules answers as the VM does, over every
 * combination of cells from a grid that includes missing ones. */
START_TEST(predicates_agree_with_vm)
{
    Rules r;
    rules_from_text(&r, pred_rules);
    Value texts[] = { val_missing(), val_text("1", 1), val_text("2", 1), val_text("b", 1), val_text("a", 1),
                      val_text("bb", 2), val_text("", 0), val_text("\xc3\x9cn\"q\"", 6), val_text("10", 2) };
    Value counts[] = { val_missing(), val_num(num_int(0), T_COUNT), val_num(num_int(3), T_COUNT),
                       val_num(num_int(4), T_COUNT), val_num(num_int(5), T_COUNT), val_num(num_int(7), T_COUNT),
                       val_num(num_int(10), T_COUNT), val_num(num_int(11), T_COUNT) };
    Num half, neg;
    ck_assert(num_make(1, 2, &half) == NUM_OK && num_make(-5, 4, &neg) == NUM_OK);
    Value numbers[] = { val_missing(), val_num(half, T_NUMBER), val_num(num_int(1), T_NUMBER), val_num(neg, T_NUMBER),
                        val_num(num_int(0), T_NUMBER), val_real(0.75, T_NUMBER) };
    size_t compiled = 0, checked = 0;
    for (uint32_t g = 0; g < r.bc.naggs; g++) {
        const BcAggregate *a = &r.bc.aggs[g];
        ck_assert_int_ge(a->filter, 0);
        Pred pr;
        bool simple = pred_compile(&r.bc, a->filter, &pr);
        bool arithmetic = false;
        for (uint32_t i = 0; i < r.bc.fns[a->filter].ncode; i++) arithmetic |= r.bc.fns[a->filter].code[i].op == OP_ADD;
        ck_assert_msg(simple != arithmetic, "%s: compiled %d", r.bc.fns[a->filter].name, simple);
        if (!simple) continue;
        compiled++;
        /* each parameter's values by its column's type */
        const Value *pools[BC_MAX_FILTER_COLUMNS];
        size_t sizes[BC_MAX_FILTER_COLUMNS], at[BC_MAX_FILTER_COLUMNS] = { 0 };
        for (uint16_t i = 0; i < a->nfilter; i++) {
            uint8_t type = r.bc.feeds[a->feed].columns[a->filter_cols[i]].type;
            pools[i] = type == T_TEXT ? texts : type == T_COUNT ? counts : numbers;
            sizes[i] = type == T_TEXT ? sizeof texts / sizeof *texts
                     : type == T_COUNT ? sizeof counts / sizeof *counts : sizeof numbers / sizeof *numbers;
        }
        for (;;) {
            Value args[BC_MAX_FILTER_COLUMNS], want;
            for (uint16_t i = 0; i < a->nfilter; i++) args[i] = pools[i][at[i]];
            ck_assert_int_eq(vm_call(r.vm, (uint32_t)a->filter, args, &want), VM_OK);
            Value got = pred_eval(&pr, args);
            ck_assert_msg(got.kind == want.kind && (got.kind != V_BOOL || got.as.boolean == want.as.boolean),
                          "%s: predicate %d/%d, VM %d/%d", r.bc.fns[a->filter].name, got.kind, got.as.boolean,
                          want.kind, want.as.boolean);
            ck_assert_int_eq(pred_passes(&pr, args), want.kind == V_BOOL && want.as.boolean);
            checked++;
            uint16_t i = 0;
            while (i < a->nfilter && ++at[i] == sizes[i]) at[i++] = 0;
            if (i == a->nfilter) break;
        }
    }
    ck_assert_uint_eq(compiled, 16);
    ck_assert_uint_gt(checked, 500);
    rules_free(&r);
}
END_TEST

/* Loading a file whose text cells are quoted, hold doubled quotes, UTF-8
 * and line ends, or are missing: each filtered sum, worked out by hand, is
 * the same whether the conditions run as predicates or on the VM. */
START_TEST(predicates_over_a_file)
{
    static const char csv[] =
        "org,month,n,x,t\n"
        "A,2019-04,1,0.25,1\n"                  /* t "1" */
        "A,2019-04,2,0.75,\"1\"\n"              /* quoted "1": the same text */
        "A,2019-04,4,,\"\xc3\x9cn\"\"q\"\"\"\n"  /* Ün"q", x missing */
        "A,2019-04,8,1,\n"                      /* t missing */
        "A,2019-04,16,-2,\"\"\n"                /* t the empty text, not missing */
        "A,2019-04,,0.5,2\n"                    /* n missing */
        "A,2019-04,32,0.6,\"b\nb\"\n"           /* a line end inside */
        "A,2019-04,64,-1.25,a\n";
    /* hand-worked: n of the rows each condition passes (a missing comparison never passes) */
    struct { const char *metric; int64_t sum; } want[] = {
        { "m01", 1 + 2 },                       /* t == "1" */
        { "m02", 4 + 16 + 32 + 64 },            /* t != "1": not the missing t, n of the "2" row missing */
        { "m03", 1 + 2 + 4 },                   /* n <= 4 */
        { "m05", 2 + 8 + 32 },                  /* x >= 0.6: 0.75, 1, 0.6 */
        { "m06", 16 + 64 },                     /* x < 0 */
        { "m07", 1 + 2 + 4 + 8 },               /* 10 > n, the constant first */
        { "m08", 1 + 2 + 4 + 8 },               /* n < 10 */
        { "m10", 2 + 8 + 32 },                  /* x > 0.5: 0.75, 1, 0.6 */
        { "m11", 16 + 64 },                     /* x <= -1.25 */
        { "m12", 0 },                           /* t == "1" and n >= 5 */
        { "m13", 1 + 2 + 16 + 64 },             /* t == "1" or not (x > 0.5): "1"s, and x -2, -1.25 (0.5 has n missing) */
        { "m15", 4 },                           /* Ün"q", "2" (n missing), "3" */
        { "m17", 8 + 16 + 32 + 64 },            /* n + 1 > 5, on the VM */
    };
    char path[512], why[512];
    write_tmp(path, sizeof path, "pred.csv", csv);
    for (int vm = 0; vm < 2; vm++) {
        if (vm) setenv("PLEDGE_TEST_VM_FILTERS", "1", 1);
        Rules r;
        rules_from_text(&r, pred_rules);
        FeedData *f = try_load(&r, "f", path, NULL, why, sizeof why);
        ck_assert_msg(f != NULL, "%s", why);
        uint32_t a = orgs_find(r.orgs, "A", 1), cov;
        for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
            uint32_t g = UINT32_MAX;
            /* the metric's function reads its aggregate first: AGG R, G */
            for (uint32_t fn = 0; fn < r.bc.nfns && g == UINT32_MAX; fn++)
                if (strcmp(r.bc.fns[fn].name, want[k].metric) == 0) g = r.bc.fns[fn].code[0].b;
            ck_assert_uint_ne(g, UINT32_MAX);
            Value v = feed_aggregate(f, g, &a, 1, D(2019, 4, 1), D(2019, 4, 30), D(2030, 1, 1), &cov);
            if (want[k].sum == 0 && v.kind == V_MISSING) continue;      /* no row passed: missing */
            ck_assert_msg(v.kind == V_NUM && v.as.num.d == 1 && v.as.num.n == want[k].sum, "%s (%s): %lld, want %lld",
                          want[k].metric, vm ? "VM" : "predicate", (long long)v.as.num.n, (long long)want[k].sum);
        }
        feed_free(f);
        rules_free(&r);
        unsetenv("PLEDGE_TEST_VM_FILTERS");
    }
}
END_TEST

/* One comparison of a text or count cell with a constant is answered from
 * the typed cell, not from Values (pred_text_passes, pred_whole_passes):
 * every such condition, over cells that are quoted, `*`, empty, non-ASCII,
 * long, numbers as text or differ in case, sums the same rows as the VM. */
static const char cell_pred_rules[] =
    "feed f \"one comparison\" {\n"
    "    org    = org\n"
    "    period = month as month\n"
    "    n: count\n"
    "    t: text\n"
    "    c: count\n"
    "}\n"
    "metric c01: count = sum(f.n where f.t == \"1\")\n"
    "metric c02: count = sum(f.n where f.t != \"1\")\n"
    "metric c03: count = sum(f.n where f.t == \"b\")\n"
    "metric c04: count = sum(f.n where f.t != \"b\")\n"
    "metric c05: count = sum(f.n where f.t == \"bb\")\n"
    "metric c06: count = sum(f.n where f.t != \"*\")\n"
    "metric c07: count = sum(f.n where \"b\" != f.t)\n"
    "metric c08: count = sum(f.n where \"1\" == f.t)\n"
    "metric c09: count = sum(f.n where f.t == \"\")\n"
    "metric c10: count = sum(f.n where f.t == \"\xc3\x9cn\")\n"
    "metric c11: count = sum(f.n where f.t == \"a\")\n"
    "metric c12: count = sum(f.n where f.t != \"\")\n"
    "metric c13: count = sum(f.n where f.t == \"*\")\n"
    "metric c14: count = sum(f.n where f.t == \"01\")\n"
    "metric c15: count = sum(f.n where f.t == \"longer than sixteen bytes\")\n"
    "metric c16: count = sum(f.n where \"\" != f.t)\n"
    "metric c17: count = sum(f.n where f.c == 1)\n"
    "metric c18: count = sum(f.n where f.c != 1)\n"
    "metric c19: count = sum(f.n where f.c < 10)\n"
    "metric c20: count = sum(f.n where 10 <= f.c)\n"
    "metric c21: count = sum(f.n where f.c > 0)\n"
    "metric c22: count = sum(f.n where f.c >= 1234567890123456789)\n"
    "metric c23: count = sum(f.n where f.c == 1.5)\n"
    "metric c24: count = sum(f.n where f.t == \"b \")\n";

START_TEST(cell_predicates_agree_with_vm)
{
    static const char csv[] =
        "org,month,n,t,c\n"
        "A,2019-04,1,1,1\n"
        "A,2019-04,2,\"1\",01\n"                        /* quoted text, a count with a leading zero */
        "A,2019-04,4,*,*\n"                             /* missing */
        "A,2019-04,8,\"*\",\"*\"\n"                     /* missing, quoted or not */
        "A,2019-04,16,,\n"                              /* missing */
        "A,2019-04,32,\"\",\"\"\n"                      /* the empty text; a missing count */
        "A,2019-04,64,\xc3\x9cn,10\n"
        "A,2019-04,128,a,0\n"
        "A,2019-04,256,A,11\n"                          /* case */
        "A,2019-04,512,01,9\n"                          /* a number as text */
        "A,2019-04,1024,longer than sixteen bytes,1234567890123456789\n"
        "A,2019-04,2048,\"b \",3\n"
        "A,2019-04,4096,bb,4\n"
        "A,2019-04,8192,\"a,b\",5\n"
        "A,2019-04,16384,\"\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 text, longer\",12\n"
        "A,2019-04,32768,\x7f,13\n"                    /* DEL: ASCII, past the short path's range */
        "A,2019-04,65536,b,123456789012345678\n";
    int64_t sums[2][24];
    Value got[2][24];
    char path[512], why[512];
    write_tmp(path, sizeof path, "cellpred.csv", csv);
    for (int vm = 0; vm < 2; vm++) {
        if (vm) setenv("PLEDGE_TEST_VM_FILTERS", "1", 1);
        Rules r;
        rules_from_text(&r, cell_pred_rules);
        FeedData *f = try_load(&r, "f", path, NULL, why, sizeof why);
        ck_assert_msg(f != NULL, "%s", why);
        uint32_t a = orgs_find(r.orgs, "A", 1), cov;
        for (int k = 0; k < 24; k++) {
            char name[8];
            snprintf(name, sizeof name, "c%02d", k + 1);
            uint32_t g = UINT32_MAX;
            for (uint32_t fn = 0; fn < r.bc.nfns && g == UINT32_MAX; fn++)
                if (strcmp(r.bc.fns[fn].name, name) == 0) g = r.bc.fns[fn].code[0].b;
            ck_assert_uint_ne(g, UINT32_MAX);
            got[vm][k] = feed_aggregate(f, g, &a, 1, D(2019, 4, 1), D(2019, 4, 30), D(2030, 1, 1), &cov);
            ck_assert(got[vm][k].kind == V_MISSING || (got[vm][k].kind == V_NUM && got[vm][k].as.num.d == 1));
            sums[vm][k] = got[vm][k].kind == V_MISSING ? -1 : got[vm][k].as.num.n;
        }
        feed_free(f);
        rules_free(&r);
        unsetenv("PLEDGE_TEST_VM_FILTERS");
    }
    for (int k = 0; k < 24; k++)
        ck_assert_msg(sums[0][k] == sums[1][k], "c%02d: %lld as a predicate, %lld on the VM", k + 1,
                      (long long)sums[0][k], (long long)sums[1][k]);
    /* and a few worked by hand (-1: no row passed, missing) */
    ck_assert_int_eq(sums[0][0], 1 + 2);                        /* t == "1": quoted or not */
    ck_assert_int_eq(sums[0][8], 32);                           /* t == "": the quoted empty text only */
    ck_assert_int_eq(sums[0][10], 128);                         /* t == "a": not "A" */
    ck_assert_int_eq(sums[0][12], -1);                          /* t == "*": `*` is missing, quoted or not */
    ck_assert_int_eq(sums[0][13], 512);                         /* t == "01" */
    ck_assert_int_eq(sums[0][16], 1 + 2);                       /* c == 1: 01 too */
    ck_assert_int_eq(sums[0][21], 1024);                        /* c >= 1234567890123456789 */
    ck_assert_int_eq(sums[0][23], 2048);                        /* t == "b ": the space kept */
}
END_TEST

/* A row's organisation is first guessed as the one that followed the last
 * row's last time: codes that share prefixes and differ in length, more
 * organisations than the guesses are first sized for, an order that
 * changes from period to period (the same, reversed, shuffled, some left
 * out, a new one in the middle): each organisation's sum is its own. */
START_TEST(org_order_changes)
{
    enum { NORGS = 3000, NPERIODS = 6 };
    static const char rules[] =
        "feed f \"orders\" {\n"
        "    org    = org\n"
        "    period = month as month\n"
        "    n: count\n"
        "}\n"
        "metric m: count = sum(f.n)\n";
    static int64_t want[NORGS + 1];
    static uint32_t order[NORGS + 1];
    char code[32], path[512];
    memset(want, 0, sizeof want);
    FileText text = { 0 };
    text_add(&text, "org,month,n\n");
    uint64_t seed = 7;
    for (int p = 0; p < NPERIODS; p++) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < NORGS; i++) {
            if (p == 4 && i % 5 == 2) continue;             /* some left out */
            if (p == 5 && i == NORGS / 2) order[n++] = NORGS;       /* one new, in the middle */
            order[n++] = p == 2 ? NORGS - 1 - i : i;        /* reversed */
        }
        if (p == 3) shuffle(order, n, &seed);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t o = order[k];
            /* "ORG1", "ORG10", "ORG100" and "ORG02", "ORG020": prefixes of one another */
            snprintf(code, sizeof code, "%s%u", o & 1 ? "ORG" : "ORG0", o);
            for (int twice = 0; twice < 1 + (o % 7 == 0); twice++) {   /* some in two rows running */
                int64_t v = (int64_t)p * 10000 + o + twice;
                want[o] += v;
                text_add(&text, "%s,2019-%02d,%lld\n", code, 4 + p, (long long)v);
            }
        }
    }
    text_write(&text, path, sizeof path, "orders.csv");
    Rules r;
    rules_from_text(&r, rules);
    FeedData *f = load(&r, "f", path);
    ck_assert_uint_eq(feed_stats(f)->orgs, NORGS + 1);
    uint32_t g = agg(&r.bc, "f", "n", AGG_SUM, false), cov;
    for (uint32_t o = 0; o <= NORGS; o++) {
        snprintf(code, sizeof code, "%s%u", o & 1 ? "ORG" : "ORG0", o);
        uint32_t id = orgs_find(r.orgs, code, strlen(code));
        ck_assert_uint_ne(id, ORG_NONE);
        Value v = feed_aggregate(f, g, &id, 1, D(2019, 4, 1), D(2019, 9, 30), D(2030, 1, 1), &cov);
        ck_assert_msg(v.kind == V_NUM && v.as.num.n == want[o], "%s: %lld, want %lld", code,
                      (long long)v.as.num.n, (long long)want[o]);
    }
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* A period's text is parsed once and remembered by its hash: a file sorted
 * by organisation, then day, in an order of its own per organisation, with
 * more days than the memo has slots (some share one) and a day written two
 * ways (2019-04-01, 20190401): each day's figures are its own. */
START_TEST(period_texts_remembered)
{
    enum { NDAYS = 1500, NORGS = 3 };
    static const char rules[] =
        "feed f \"days\" {\n"
        "    org    = org\n"
        "    period = day as date\n"
        "    n: count\n"
        "}\n"
        "metric m: count = sum(f.n)\n";
    static int ys[NDAYS], ms[NDAYS], ds[NDAYS];
    static uint32_t order[NDAYS];
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    for (int k = 0, y = 2019, m = 4, d = 1; k < NDAYS; k++) {
        ys[k] = y, ms[k] = m, ds[k] = d;
        if (++d > mdays[m - 1] + (m == 2 && y % 4 == 0)) d = 1, m++;
        if (m > 12) m = 1, y++;
    }
    FileText text = { 0 };
    text_add(&text, "org,day,n\n");
    uint64_t seed = 11;
    for (int o = 0; o < NORGS; o++) {
        for (uint32_t k = 0; k < NDAYS; k++) order[k] = o == 1 ? NDAYS - 1 - k : k;
        if (o == 2) shuffle(order, NDAYS, &seed);
        for (uint32_t k = 0; k < NDAYS; k++) {
            uint32_t q = order[k];
            text_add(&text, (q + (uint32_t)o) % 3 ? "O%d,%04d-%02d-%02d,%u\n" : "O%d,%04d%02d%02d,%u\n", o, ys[q],
                     ms[q], ds[q], q * 10 + (uint32_t)o);
        }
    }
    char path[512];
    text_write(&text, path, sizeof path, "days.csv");
    Rules r;
    rules_from_text(&r, rules);
    FeedData *f = load(&r, "f", path);
    ck_assert_uint_eq(feed_stats(f)->periods, NDAYS);
    uint32_t g = agg(&r.bc, "f", "n", AGG_SUM, false), cov;
    for (int o = 0; o < NORGS; o++) {
        char code[8];
        snprintf(code, sizeof code, "O%d", o);
        uint32_t id = orgs_find(r.orgs, code, strlen(code));
        for (uint32_t q = 0; q < NDAYS; q += 97) {       /* a day at a time */
            Day day = D(ys[q], ms[q], ds[q]);
            Value v = feed_aggregate(f, g, &id, 1, day, day, D(2030, 1, 1), &cov);
            ck_assert_msg(v.kind == V_NUM && v.as.num.n == (int64_t)q * 10 + o, "%s day %u: %lld", code, q,
                          (long long)v.as.num.n);
        }
        Value all = feed_aggregate(f, g, &id, 1, D(2019, 4, 1), D(2030, 1, 1), D(2030, 1, 1), &cov);
        ck_assert(all.kind == V_NUM && all.as.num.n == (int64_t)NDAYS * (NDAYS - 1) / 2 * 10 + (int64_t)NDAYS * o);
    }
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* A row rule (`require`) that is a predicate breaks on the same row, with
 * the same message, as on the VM. */
START_TEST(predicate_row_rule)
{
    static const char rules[] =
        "feed f \"rules\" {\n"
        "    org    = org\n"
        "    period = month as month\n"
        "    n: count\n"
        "    t: text\n"
        "    require = f.t != \"bad\" and f.n < 100\n"
        "}\n"
        "metric m: count = sum(f.n)\n";
    char path[512], why[2][512];
    write_tmp(path, sizeof path, "rule.csv", "org,month,n,t\nA,2019-04,1,ok\nA,2019-04,,bad\nA,2019-04,5,\"bad\"\n");
    for (int vm = 0; vm < 2; vm++) {
        if (vm) setenv("PLEDGE_TEST_VM_FILTERS", "1", 1);
        Rules r;
        rules_from_text(&r, rules);
        ck_assert_ptr_null(try_load(&r, "f", path, NULL, why[vm], sizeof why[vm]));
        /* false and missing is false: the row breaks the rule, though its n is missing */
        ck_assert_msg(strstr(why[vm], "rule.csv:3: the row breaks `require = f.t != \"bad\" and f.n < 100` (t \"bad\", n missing)") != NULL,
                      "%s", why[vm]);
        rules_free(&r);
        unsetenv("PLEDGE_TEST_VM_FILTERS");
    }
    ck_assert_str_eq(why[0], why[1]);
}
END_TEST

static const char sys_rules[] =
    "hierarchy sys \"Systems\" {\n"
    "    member = code\n"
    "    parent = system\n"
    "    from   = valid_from\n"
    "}\n";

static void expect_hier_error(const char *name, const char *text, const char *expect)
{
    Rules r;
    rules_from_text(&r, sys_rules);
    char path[512], why[1024] = "", want[2048];
    write_tmp(path, sizeof path, name, text);
    Hierarchy *h = hier_load(&r.bc, 0, DATA_PATH(path), r.orgs, NULL, why, sizeof why);
    ck_assert_msg(h == NULL, "%s loaded, but should fail", name);
    snprintf(want, sizeof want, expect, path);
    ck_assert_str_eq(why, want);
    rules_free(&r);
}

START_TEST(hierarchy_errors)
{
    expect_hier_error("h_empty.csv", "", "%s: the file is empty: it needs a header naming its columns");
    expect_hier_error("h_nocol.csv", "code,valid_from\nP,\n",
                      "%s: the header has no column `system` (hierarchy `sys` names it)");
    expect_hier_error("h_nofrom.csv", "code,system\nP,A\n",
                      "%s: the header has no column `valid_from` (hierarchy `sys` names it)");
    expect_hier_error("h_ragged.csv", "code,system,valid_from\nP,A,\nQ,A\n",
                      "%s:3: the row has 2 fields, but the header has 3");
    expect_hier_error("h_member.csv", "code,system,valid_from\nP,A,\n,A,\n", "%s:3: column `code` is empty");
    expect_hier_error("h_parent.csv", "code,system,valid_from\nP,,\n", "%s:2: column `system` is empty");
    expect_hier_error("h_date.csv", "code,system,valid_from\nP,A,2017-02-30\n",
                      "%s:2: column `valid_from`: `2017-02-30` is not a date (2019-03-01 or 20190301)");
    expect_hier_error("h_quote.csv", "code,system,valid_from\n\"P,A,\n",
                      "%s: line 2: unterminated quoted field (it starts at line 2)");
    /* and one that is fine: a BOM, CRLF, spaces */
    Rules r;
    rules_from_text(&r, sys_rules);
    char path[512], why[256];
    write_tmp(path, sizeof path, "h_good.csv", "\xEF\xBB\xBF" "code, system ,valid_from\r\n P , A , 20170401 \r\n");
    Hierarchy *h = hier_load(&r.bc, 0, DATA_PATH(path), r.orgs, NULL, why, sizeof why);
    ck_assert_msg(h != NULL, "%s", why);
    ck_assert_uint_eq(hier_parent(h, org(&r, "P"), D(2017, 3, 31)), ORG_NONE);
    ck_assert_uint_eq(hier_parent(h, org(&r, "P"), D(2017, 4, 1)), org(&r, "A"));
    hier_free(h);
    rules_free(&r);
}
END_TEST

/* A parent's display name is on its members' rows; a row may leave it out. */
START_TEST(hierarchy_names)
{
    Rules r;
    rules_from_text(&r, "hierarchy sys \"Systems\" { member = code  parent = system  name = system_name }\n");
    char path[512];
    write_tmp(path, sizeof path, "h_names.csv",
              "code,system,system_name\n"
              "X,C,\n"
              "Y,C,\"Cheshire, and Merseyside\"\n"
              "Z,D,\n");
    Hierarchy *h = load_hier(&r, "sys", path);
    const char *c = hier_parent_name(h, org(&r, "C")), *d = hier_parent_name(h, org(&r, "D"));
    char name[64] = "(null)";
    if (c) snprintf(name, sizeof name, "%s", c);
    hier_free(h);
    rules_free(&r);
    ck_assert_ptr_null(d);
    ck_assert_str_eq(name, "Cheshire, and Merseyside");
}
END_TEST

/* ---- aggregates and missing values ------------------------------------------------------ */

static const char agg_rules[] =
    "feed f \"Small\" {\n"
    "    org    = org\n"
    "    period = period as month\n"
    "    lag    = 0 days\n"
    "    value: count\n"
    "    type:  text\n"
    "}\n"
    "metric s: count = sum(f.value)\n"
    "metric c: count = count(f.value)\n"
    "metric mn: count = mean(f.value)\n"
    "metric lo: count = min(f.value)\n"
    "metric hi: count = max(f.value)\n"
    "metric md: count = median(f.value)\n"
    "metric s1: count = sum(f.value where f.type == \"1\")\n";

static const char agg_csv[] =
    "org,period,type,value\n"
    "A,2019-04,1,10\n"
    "A,2019-05,\"1\",20\n"
    "A,2019-06,2,30\n"
    "B,2019-04,1,5\n"
    "B,2019-05,1,*\n"
    "B,2019-06,2,\n"
    "B,2019-06,*,1000\n"      /* a missing type: the filter is missing, not true */
    "C,2019-04,1,*\n"
    "C,2019-05,1,\n"
    "C,2019-06,1,\"\"\n";

typedef struct Aggs { uint32_t s, c, mn, lo, hi, md, s1; } Aggs;

START_TEST(aggregates)
{
    Rules r;
    rules_from_text(&r, agg_rules);
    char path[512];
    write_tmp(path, sizeof path, "agg.csv", agg_csv);
    FeedData *f = load(&r, "f", path);
    Aggs g = { agg(&r.bc, "f", "value", AGG_SUM, false), agg(&r.bc, "f", "value", AGG_COUNT, false),
               agg(&r.bc, "f", "value", AGG_MEAN, false), agg(&r.bc, "f", "value", AGG_MIN, false),
               agg(&r.bc, "f", "value", AGG_MAX, false), agg(&r.bc, "f", "value", AGG_MEDIAN, false),
               agg(&r.bc, "f", "value", AGG_SUM, true) };
    uint32_t A = org(&r, "A"), B = org(&r, "B"), C = org(&r, "C"), cov;
    uint32_t ab[] = { A, B };
    Day from = D(2019, 4, 1), to = D(2019, 6, 30), as_of = D(2020, 1, 1);
    /* A and B, Q1: 10, 20, 30, 5, 1000 */
    assert_int(feed_aggregate(f, g.s, ab, 2, from, to, as_of, &cov), 1065);
    ck_assert_uint_eq(cov, 2);
    assert_int(feed_aggregate(f, g.c, ab, 2, from, to, as_of, &cov), 5);
    assert_exact(feed_aggregate(f, g.mn, ab, 2, from, to, as_of, &cov), 213, 1, "mean");
    assert_int(feed_aggregate(f, g.lo, ab, 2, from, to, as_of, &cov), 5);
    assert_int(feed_aggregate(f, g.hi, ab, 2, from, to, as_of, &cov), 1000);
    assert_int(feed_aggregate(f, g.md, ab, 2, from, to, as_of, &cov), 20);
    assert_int(feed_aggregate(f, g.s1, ab, 2, from, to, as_of, &cov), 35);
    /* A alone, April and May: an even number of values */
    assert_int(feed_aggregate(f, g.md, &A, 1, from, D(2019, 5, 31), as_of, &cov), 15);
    assert_exact(feed_aggregate(f, g.mn, &A, 1, from, D(2019, 5, 31), as_of, &cov), 15, 1, "mean");
    /* A, all three: mean 20, and a mean that is not whole */
    assert_exact(feed_aggregate(f, g.mn, ab, 2, from, D(2019, 5, 31), as_of, &cov), 35, 3, "mean of 10, 20, 5");
    assert_exact(feed_aggregate(f, g.md, ab, 2, from, D(2019, 5, 31), as_of, &cov), 10, 1, "median of 10, 20, 5");
    /* B: the `*` and empty cells are missing, not 0 */
    assert_int(feed_aggregate(f, g.c, &B, 1, from, to, as_of, &cov), 2);
    assert_exact(feed_aggregate(f, g.mn, &B, 1, from, to, as_of, &cov), 1005, 2, "mean of 5, 1000");
    assert_int(feed_aggregate(f, g.lo, &B, 1, from, to, as_of, &cov), 5);
    assert_int(feed_aggregate(f, g.s1, &B, 1, from, to, as_of, &cov), 5);
    assert_missing(feed_aggregate(f, g.s, &B, 1, D(2019, 5, 1), D(2019, 5, 31), as_of, &cov));
    ck_assert_uint_eq(cov, 1);
    /* C: every cell missing. Nothing to add up is missing; count counts the
     * values there are, none */
    assert_missing(feed_aggregate(f, g.s, &C, 1, from, to, as_of, &cov));
    ck_assert_uint_eq(cov, 1);
    assert_int(feed_aggregate(f, g.c, &C, 1, from, to, as_of, &cov), 0);
    assert_missing(feed_aggregate(f, g.mn, &C, 1, from, to, as_of, &cov));
    assert_missing(feed_aggregate(f, g.lo, &C, 1, from, to, as_of, &cov));
    assert_missing(feed_aggregate(f, g.hi, &C, 1, from, to, as_of, &cov));
    assert_missing(feed_aggregate(f, g.md, &C, 1, from, to, as_of, &cov));
    assert_missing(feed_aggregate(f, g.s1, &C, 1, from, to, as_of, &cov));
    /* a missing cell does not hide the others */
    uint32_t abc[] = { A, B, C };
    assert_int(feed_aggregate(f, g.s, abc, 3, from, to, as_of, &cov), 1065);
    ck_assert_uint_eq(cov, 3);
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* An aggregate over no rows at all is missing (spec §4), count included. */
START_TEST(aggregates_over_no_rows)
{
    Rules r;
    rules_from_text(&r, agg_rules);
    char path[512];
    write_tmp(path, sizeof path, "agg.csv", agg_csv);
    FeedData *f = load(&r, "f", path);
    Aggs g = { agg(&r.bc, "f", "value", AGG_SUM, false), agg(&r.bc, "f", "value", AGG_COUNT, false),
               agg(&r.bc, "f", "value", AGG_MEAN, false), agg(&r.bc, "f", "value", AGG_MIN, false),
               agg(&r.bc, "f", "value", AGG_MAX, false), agg(&r.bc, "f", "value", AGG_MEDIAN, false),
               agg(&r.bc, "f", "value", AGG_SUM, true) };
    uint32_t A = org(&r, "A"), E = orgs_intern(r.orgs, "E", 1), cov = 7;
    uint32_t list[] = { g.s, g.c, g.mn, g.lo, g.hi, g.md, g.s1 };
    const char *names[] = { "sum", "count", "mean", "min", "max", "median", "sum where" };
    /* findings are collected, so that the feed is freed before any failure
     * (a clean valgrind run with CK_FORK=no) */
    char bad[1024] = "";
    size_t nbad = 0;
    for (int i = 0; i < 7; i++) {
        struct { const uint32_t *orgs; size_t n; Day from, to; const char *what; } cases[] = {
            { &A, 1, D(2019, 7, 1), D(2019, 9, 30), "a window with no rows" },
            { &E, 1, D(2019, 4, 1), D(2019, 6, 30), "an organisation with no rows" },
            { NULL, 0, D(2019, 4, 1), D(2019, 6, 30), "no organisations" },
        };
        for (int k = 0; k < 3; k++) {
            Value v = feed_aggregate(f, list[i], cases[k].orgs, cases[k].n, cases[k].from, cases[k].to,
                                     D(2020, 1, 1), &cov);
            if ((v.kind != V_MISSING || cov != 0) && nbad < sizeof bad - 1)
                nbad += (size_t)snprintf(bad + nbad, sizeof bad - nbad, "; %s over %s: kind %d, coverage %u",
                                         names[i], cases[k].what, v.kind, cov);
        }
        /* not yet known: June; April and May are */
        feed_aggregate(f, list[i], &A, 1, D(2019, 4, 1), D(2019, 6, 30), D(2019, 6, 29), &cov);
        if (cov != 1 && nbad < sizeof bad - 1)
            nbad += (size_t)snprintf(bad + nbad, sizeof bad - nbad, "; %s: coverage %u, expected 1", names[i], cov);
    }
    /* an aggregate index of another feed, or out of range */
    Value v = feed_aggregate(f, 9999, &A, 1, D(2019, 4, 1), D(2019, 6, 30), D(2020, 1, 1), &cov);
    feed_free(f);
    rules_free(&r);
    assert_missing(v);
    ck_assert_msg(nbad == 0, "expected missing (spec 4: an aggregate over no rows is missing)%s", bad);
}
END_TEST

/* Cells of every type a feed column can have. */
START_TEST(cell_types)
{
    Rules r;
    rules_from_text(&r,
                    "feed t \"Types\" {\n"
                    "    org    = org\n"
                    "    period = quarter as quarter\n"
                    "    lag    = 8 weeks\n"
                    "    share:  percent\n"
                    "    spend:  money\n"
                    "    change: pp\n"
                    "    x:      number\n"
                    "}\n"
                    "metric a: percent = mean(t.share)\n"
                    "metric b: money = sum(t.spend)\n"
                    "metric c: number = sum(t.x)\n"
                    "metric d: pp = max(t.change)\n");
    char path[512];
    write_tmp(path, sizeof path, "types.csv",
              "org,quarter,share,spend,change,x\n"
              "A,2019/20 Q1,90%,£1500.50,0.5pp,-1.25\n"
              "A,2019/20 Q2,0.8,-£3,1.5,2\n"
              "A,2019/20  Q3,*,1000,,0.25\n");
    FeedData *f = load(&r, "t", path);
    ck_assert_uint_eq(feed_stats(f)->periods, 3);
    uint32_t A = org(&r, "A"), cov;
    Day from = D(2019, 4, 1), to = D(2020, 3, 31), as_of = D(2021, 1, 1);
    assert_exact(feed_aggregate(f, agg(&r.bc, "t", "share", AGG_MEAN, false), &A, 1, from, to, as_of, &cov), 17, 20,
                 "mean of 90% and 0.8");
    assert_exact(feed_aggregate(f, agg(&r.bc, "t", "spend", AGG_SUM, false), &A, 1, from, to, as_of, &cov), 4995, 2,
                 "£1500.50 - £3 + £1000");
    assert_exact(feed_aggregate(f, agg(&r.bc, "t", "x", AGG_SUM, false), &A, 1, from, to, as_of, &cov), 1, 1,
                 "-1.25 + 2 + 0.25");
    assert_exact(feed_aggregate(f, agg(&r.bc, "t", "change", AGG_MAX, false), &A, 1, from, to, as_of, &cov), 3,
                 200, "1.5pp");
    /* 8 weeks after 30 September 2019 is 25 November */
    Period q2 = { GRAIN_QUARTER, 2019 * 4 + 1 };
    ck_assert(!feed_period_known(f, q2, D(2019, 11, 24)));
    ck_assert(feed_period_known(f, q2, D(2019, 11, 25)));
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* A feed written the way NHS files are: BOM, CRLF, quotes, stray spaces,
 * columns the feed does not declare (one of them twice). */
START_TEST(messy_file)
{
    Rules r;
    rules_from_text(&r, small_rules);
    char path[512];
    write_tmp(path, sizeof path, "messy.csv",
              "\xEF\xBB\xBF\"org_code\",\"name\",\"period\",type,attendances,breaches,note,note\r\n"
              "\"RX1\",\"Hospital, the\",\"2019-04-01\",\"1\", 100 ,5,,\r\n"
              "\r\n"
              "RX1 ,\"A \"\"quoted\"\" name\", 2019-05 ,1,200,10,x,y\r\n"
              "RX2,\"Line\r\nbreak\",2019-05,\"other\",\"300\",\"\",,\r\n");
    char why[1024];
    FeedData *f = try_load(&r, "ae", path, NULL, why, sizeof why);
    if (!f) {
        rules_free(&r);
        ck_abort_msg("columns the feed does not declare are ignored (spec 3), duplicates too: %s", why);
    }
    const FeedStats *s = feed_stats(f);
    ck_assert_uint_eq(s->rows, 3);
    ck_assert_uint_eq(s->orgs, 2);
    ck_assert_uint_eq(s->periods, 2);
    uint32_t ids[] = { org(&r, "RX1"), org(&r, "RX2") }, cov;
    assert_int(feed_aggregate(f, agg(&r.bc, "ae", "attendances", AGG_SUM, false), ids, 2, D(2019, 4, 1),
                              D(2019, 5, 31), D(2020, 1, 1), &cov),
               600);
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* `"*"` in quotes in a numeric column is the suppression mark all the same
 * (files that quote every field); in a text column it is the text. */
START_TEST(quoted_star)
{
    Rules r;
    rules_from_text(&r, agg_rules);
    char path[512], why[1024];
    write_tmp(path, sizeof path, "quoted_star.csv", "org,period,type,value\n\"A\",\"2019-04\",\"1\",\"*\"\n"
                                                    "\"A\",\"2019-05\",\"1\",\"4\"\n");
    FeedData *f = try_load(&r, "f", path, NULL, why, sizeof why);
    if (!f) {
        rules_free(&r);
        ck_abort_msg("a quoted \"*\" count cell should be missing: %s", why);
    }
    uint32_t A = org(&r, "A"), cov;
    assert_int(feed_aggregate(f, agg(&r.bc, "f", "value", AGG_COUNT, false), &A, 1, D(2019, 4, 1), D(2019, 5, 31),
                              D(2020, 1, 1), &cov),
               1);
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* A percent column says how its cells are written: 0.952 by default,
 * 95.2 with `as points`; 95.2% is the same in both. */
START_TEST(percent_formats)
{
    Rules r;
    rules_from_text(&r,
        "feed plans \"Plans\" {\n    org = system\n    period = year as fy\n    lag = 0 days\n"
        "    points: percent as points\n    fraction: percent\n}\n"
        "metric a: percent = mean(plans.points)\nmetric b: percent = mean(plans.fraction)\n");
    char path[512];
    write_tmp(path, sizeof path, "plans.csv", "system,year,points,fraction\nE1,2019/20,95.2,0.952\nE1,2020/21,96%,96%\n");
    FeedData *f = load(&r, "plans", path);
    uint32_t E1 = org(&r, "E1"), cov;
    uint32_t gp = agg(&r.bc, "plans", "points", AGG_MEAN, false), gf = agg(&r.bc, "plans", "fraction", AGG_MEAN, false);
    assert_exact(feed_aggregate(f, gp, &E1, 1, D(2019, 4, 1), D(2020, 3, 31), D(2021, 1, 1), &cov), 119, 125, "95.2 as points");
    assert_exact(feed_aggregate(f, gf, &E1, 1, D(2019, 4, 1), D(2020, 3, 31), D(2021, 1, 1), &cov), 119, 125, "0.952");
    assert_exact(feed_aggregate(f, gp, &E1, 1, D(2020, 4, 1), D(2021, 3, 31), D(2022, 1, 1), &cov), 24, 25, "96% as points");
    assert_exact(feed_aggregate(f, gf, &E1, 1, D(2020, 4, 1), D(2021, 3, 31), D(2022, 1, 1), &cov), 24, 25, "96%");
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* Whole-number sums are int64 (or smaller) cells: one that would pass 2^63 in a single
 * (organisation, period) stops the load naming it; a window's total past
 * 2^63 is a double, never a wrapped number. */
START_TEST(whole_number_limits)
{
    Rules r;
    rules_from_text(&r, agg_rules);
    char path[512], why[1024];
    write_tmp(path, sizeof path, "overflow.csv",
              "org,period,type,value\nA,2019-04,1,5000000000000000000\nA,2019-04,1,5000000000000000000\n");
    ck_assert_ptr_null(try_load(&r, "f", path, NULL, why, sizeof why));
    ck_assert_msg(strstr(why, "overflow.csv:3: column `value`: the sum for `A` in one period passes 9.2") != NULL,
                  "%s", why);
    /* the values summed so far pass 2^63 together (A, then B) before one cell does (A again) */
    write_tmp(path, sizeof path, "overflow2.csv",
              "org,period,type,value\nA,2019-04,1,5000000000000000000\nB,2019-04,1,5000000000000000000\n"
              "B,2019-05,1,1\nA,2019-04,1,5000000000000000000\n");
    ck_assert_ptr_null(try_load(&r, "f", path, NULL, why, sizeof why));
    ck_assert_msg(strstr(why, "overflow2.csv:5: column `value`: the sum for `A` in one period passes 9.2") != NULL,
                  "%s", why);
    write_tmp(path, sizeof path, "big.csv",
              "org,period,type,value\nA,2019-04,1,9000000000000000000\nA,2019-05,1,9000000000000000000\n");
    FeedData *f = load(&r, "f", path);
    uint32_t A = org(&r, "A"), cov;
    Value v = feed_aggregate(f, agg(&r.bc, "f", "value", AGG_SUM, false), &A, 1, D(2019, 4, 1), D(2019, 5, 31),
                             D(2020, 1, 1), &cov);
    ck_assert_int_eq(v.kind, V_REAL);
    ck_assert_msg(v.as.real > 1.79e19 && v.as.real < 1.81e19, "%g", v.as.real);
    feed_free(f);
    /* a month's sums are kept in 32 bits until one passes 2^32: then all in 64, none lost */
    write_tmp(path, sizeof path, "wide.csv",
              "org,period,type,value\nB,2019-04,1,7\nA,2019-04,1,4000000000\nA,2019-04,1,4000000000\n"
              "B,2019-04,1,1\nA,2019-04,1,5\n");
    f = load(&r, "f", path);
    uint32_t B = org(&r, "B");
    uint32_t g = agg(&r.bc, "f", "value", AGG_SUM, false);
    assert_int(feed_aggregate(f, g, &A, 1, D(2019, 4, 1), D(2019, 4, 30), D(2020, 1, 1), &cov), 8000000005);
    assert_int(feed_aggregate(f, g, &B, 1, D(2019, 4, 1), D(2019, 4, 30), D(2020, 1, 1), &cov), 8);
    feed_free(f);
    rules_free(&r);
}
END_TEST


/* A cell's row count passes 16 bits (65535) part way, after its count of
 * values has started to be kept apart (a missing value): rows, counts,
 * sums and means stay exact. */
START_TEST(row_counts_wide)
{
    Rules r;
    rules_from_text(&r, agg_rules);
    size_t cap = 80000 * 16, n = 0;
    char *text = malloc(cap);
    n += (size_t)sprintf(text + n, "org,period,type,value\n");
    for (int i = 0; i < 100; i++) n += (size_t)sprintf(text + n, "A,2019-04,1,1\n");
    n += (size_t)sprintf(text + n, "A,2019-04,1,\n");
    for (int i = 0; i < 70000; i++) n += (size_t)sprintf(text + n, "A,2019-04,1,2\n");
    n += (size_t)sprintf(text + n, "B,2019-04,2,5\n");
    char path[512];
    tmp_path(path, sizeof path, "wide_rows.csv");
    write_bytes(path, text, n);
    free(text);
    FeedData *f = load(&r, "f", path);
    uint32_t A = org(&r, "A"), B = org(&r, "B"), cov;
    Day from = D(2019, 4, 1), to = D(2019, 4, 30), later = D(2020, 1, 1);
    assert_int(feed_aggregate(f, agg(&r.bc, "f", "value", AGG_COUNT, false), &A, 1, from, to, later, &cov), 70100);
    assert_int(feed_aggregate(f, agg(&r.bc, "f", "value", AGG_SUM, false), &A, 1, from, to, later, &cov), 140100);
    assert_int(feed_aggregate(f, agg(&r.bc, "f", "value", AGG_SUM, true), &A, 1, from, to, later, &cov), 140100);
    assert_exact(feed_aggregate(f, agg(&r.bc, "f", "value", AGG_MEAN, false), &A, 1, from, to, later, &cov), 1401, 701,
                 "mean");
    assert_int(feed_aggregate(f, agg(&r.bc, "f", "value", AGG_COUNT, false), &B, 1, from, to, later, &cov), 1);
    KeyTally t = { .orgs = r.orgs };
    feed_each_key(f, tally, &t);
    ck_assert_uint_eq(t.keys, 2);
    ck_assert_uint_eq(t.rows, 70102);
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* A cell's sum is kept in 16 bits, then 32, then 64 as it grows (the whole
 * slice at once): each step keeps the sums before it, the other cells'
 * too, and a filtered sum's cells that counted no value stay missing. */
START_TEST(whole_number_widths)
{
    Rules r;
    rules_from_text(&r, agg_rules);
    char path[512];
    write_tmp(path, sizeof path, "widths.csv",
              "org,period,type,value\n"
              "B,2019-04,2,7\n"                  /* B: 7, never type 1: its filtered sum is missing */
              "A,2019-04,1,65535\n"              /* fits 16 bits */
              "A,2019-04,1,1\n"                  /* 65536: 32 bits */
              "C,2019-04,1,1\n"
              "A,2019-04,1,4294901760\n"         /* 4294967296: 64 bits */
              "C,2019-04,2,3\n"
              "B,2019-05,2,65535\n"              /* one value past 16 bits alone */
              "B,2019-05,2,70000\n");
    FeedData *f = load(&r, "f", path);
    uint32_t A = org(&r, "A"), B = org(&r, "B"), C = org(&r, "C"), cov;
    uint32_t s = agg(&r.bc, "f", "value", AGG_SUM, false), s1 = agg(&r.bc, "f", "value", AGG_SUM, true);
    uint32_t c = agg(&r.bc, "f", "value", AGG_COUNT, false);
    Day apr = D(2019, 4, 1), apr30 = D(2019, 4, 30), may = D(2019, 5, 1), may31 = D(2019, 5, 31), later = D(2020, 1, 1);
    assert_int(feed_aggregate(f, s, &A, 1, apr, apr30, later, &cov), 4294967296);
    assert_int(feed_aggregate(f, s1, &A, 1, apr, apr30, later, &cov), 4294967296);
    assert_int(feed_aggregate(f, s, &B, 1, apr, apr30, later, &cov), 7);
    ck_assert_int_eq(feed_aggregate(f, s1, &B, 1, apr, apr30, later, &cov).kind, V_MISSING);
    assert_int(feed_aggregate(f, s, &C, 1, apr, apr30, later, &cov), 4);
    assert_int(feed_aggregate(f, s1, &C, 1, apr, apr30, later, &cov), 1);
    assert_int(feed_aggregate(f, s, &B, 1, may, may31, later, &cov), 135535);
    ck_assert_int_eq(feed_aggregate(f, s1, &B, 1, may, may31, later, &cov).kind, V_MISSING);
    assert_int(feed_aggregate(f, c, &B, 1, apr, may31, later, &cov), 3);
    uint32_t all[] = { A, B, C };
    assert_int(feed_aggregate(f, s, all, 3, apr, may31, later, &cov), 4294967296 + 7 + 4 + 135535);
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* A round that reads 2019/20 of a two-year feed: with windows_only the
 * other year's rows are counted, not aggregated (their slices hold row
 * counts only), and every figure a report reads is the same as with every
 * period kept (PLEDGE_KEEP_ALL_PERIODS=1). A round whose window comes from
 * data, or that has no window, keeps every period. */
static const char one_year_rules[] =
    "round r \"One year\" {\n"
    "    published = 2018-01-01\n"
    "    horizon   = 2019/20\n"
    "    assess    = h\n"
    "}\n"
    "hierarchy h \"Systems\" {\n"
    "    member = code\n"
    "    parent = system\n"
    "}\n"
    "feed f \"Small\" {\n"
    "    org    = org\n"
    "    period = period as month\n"
    "    lag    = 0 days\n"
    "    value: count\n"
    "    type:  text\n"
    "}\n"
    "metric s: count = sum(f.value)\n"
    "metric s1: count = sum(f.value where f.type == \"1\")\n"
    "foundational commitment c \"All\" {\n"
    "    measure = s\n"
    "    target  = >= 1 in 2019/20 Q2\n"
    "}\n"
    "foundational commitment c1 \"Type 1\" {\n"
    "    measure = s1\n"
    "    target  = >= 1 in 2019/20\n"
    "}\n";

static FeedData *load_windows(Rules *r, const char *path, bool windows_only)
{
    FeedOptions opt = { .windows_only = windows_only };
    ck_assert(bc_window_span(&r->bc, &opt.keep_from, &opt.keep_to));
    ck_assert_int_eq(opt.keep_from, D(2019, 4, 1));
    ck_assert_int_eq(opt.keep_to, D(2020, 3, 31));
    char why[1024];
    FeedData *f = try_load(r, "f", path, &opt, why, sizeof why);
    ck_assert_msg(f != NULL, "%s does not load: %s", path, why);
    return f;
}

START_TEST(windows_only_slices)
{
    Rules r;
    rules_from_text(&r, one_year_rules);
    char path[512];
    tmp_path(path, sizeof path, "two_years.csv");
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "org,period,type,value\n");
    for (int m = 0; m < 24; m++)
        for (int o = 0; o < 3; o++)
            if (!(o == 2 && m < 12))            /* C reports in the second year only */
                fprintf(out, "%c,%d-%02d,%d,%d\n", 'A' + o, 2018 + (m + 3) / 12, (m + 3) % 12 + 1, 1 + (m + o) % 2,
                        m * 10 + o);
    /* D has rows outside the window only: it still reports to the feed */
    fprintf(out, "D,2018-05,1,7\nD,2020-04,1,9\n");
    ck_assert_int_eq(fclose(out), 0);
    FeedData *kept = load_windows(&r, path, false), *f = load_windows(&r, path, true);
    setenv("PLEDGE_KEEP_ALL_PERIODS", "1", 1);
    FeedData *all = load_windows(&r, path, true);
    unsetenv("PLEDGE_KEEP_ALL_PERIODS");
    uint32_t figures, counts;
    feed_slice_counts(kept, &figures, &counts);
    ck_assert_uint_eq(figures, 25);
    ck_assert_uint_eq(counts, 0);
    feed_slice_counts(all, &figures, &counts);
    ck_assert_uint_eq(figures, 25);
    ck_assert_uint_eq(counts, 0);
    feed_slice_counts(f, &figures, &counts);
    ck_assert_uint_eq(figures, 12);
    ck_assert_uint_eq(counts, 13);
    const FeedStats *a = feed_stats(kept), *b = feed_stats(f);
    ck_assert_uint_eq(b->rows, 12 * 2 + 12 * 3 + 2);
    ck_assert_uint_eq(b->outside, 12 * 2 + 2);
    ck_assert_uint_eq(a->outside, 0);
    ck_assert_uint_eq(a->rows, b->rows);
    ck_assert_uint_eq(a->orgs, b->orgs);
    ck_assert_uint_eq(b->orgs, 4);
    ck_assert_uint_eq(a->periods, b->periods);
    ck_assert_uint_eq(b->periods, 25);
    ck_assert_int_eq(a->first.index, b->first.index);
    ck_assert_int_eq(a->last.index, b->last.index);
    ck_assert(feed_has_org(f, org(&r, "D")));
    /* the windows' figures, coverage and cells are the same */
    size_t norgs;
    uint32_t *ids = all_orgs(&r, &norgs);
    Day later = D(2021, 1, 1);
    for (int k = 0; k < 2; k++) {
        uint32_t g = agg(&r.bc, "f", "value", AGG_SUM, k == 1), ca, cb;
        Value va = feed_aggregate(kept, g, ids, norgs, D(2019, 4, 1), D(2020, 3, 31), later, &ca);
        Value vb = feed_aggregate(f, g, ids, norgs, D(2019, 4, 1), D(2020, 3, 31), later, &cb);
        ck_assert(val_equal(va, vb));
        ck_assert_uint_eq(ca, cb);
        va = feed_aggregate(kept, g, ids, norgs, D(2019, 7, 1), D(2019, 9, 30), later, &ca);
        vb = feed_aggregate(f, g, ids, norgs, D(2019, 7, 1), D(2019, 9, 30), later, &cb);
        ck_assert(val_equal(va, vb));
        ck_assert_uint_eq(ca, cb);
    }
    for (int32_t p = a->first.index; p <= a->last.index; p++) {
        FeedCells ca = { 0 }, cb = { 0 };
        feed_period_cells(kept, p, ids, norgs, NULL, 0, later, &ca, NULL, NULL);
        feed_period_cells(f, p, ids, norgs, NULL, 0, later, &cb, NULL, NULL);
        ck_assert_uint_eq(ca.expected, cb.expected);
        ck_assert_uint_eq(ca.present, cb.present);
    }
    free(ids);
    feed_free(all);
    feed_free(f);
    feed_free(kept);
    rules_free(&r);

    /* windows from data, or none: every period may be read */
    char plans[512];
    snprintf(plans, sizeof plans, "%s/tests/assess/rules_localtime.pledge", srcdir());
    Day from, to;
    rules_from_file(&r, plans);
    ck_assert(!bc_window_span(&r.bc, &from, &to));
    rules_free(&r);
    rules_from_text(&r, agg_rules);
    ck_assert(!bc_window_span(&r.bc, &from, &to));
    rules_free(&r);
}
END_TEST

/* A feed in SQLite, pushed down while only one year's figures are kept:
 * its query aggregates that year's rows alone (a sum that overflows in
 * another year is not computed, as the rows' load does not add it), and
 * the feed is the one the CSV file of the same rows gives, whatever form
 * each period is written in, including as an integer. */
static void pushdown_windows_grain(const char *grain)
{
    char text[sizeof one_year_rules + 16];
    const char *at = strstr(one_year_rules, "period as month");
    ck_assert_ptr_nonnull(at);
    snprintf(text, sizeof text, "%.*speriod as %s%s", (int)(at - one_year_rules), one_year_rules, grain,
             at + strlen("period as month"));
    Rules r;
    rules_from_text(&r, text);
    char csv[512], db[512], why[1024], spec[600];
    snprintf(csv, sizeof csv, "%s/windows_%s.csv", tmpdir, grain);
    snprintf(db, sizeof db, "%s/windows_%s.db", tmpdir, grain);
    FILE *out = fopen(csv, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "org,period,type,value\n");
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    /* the period's column has no type: an integer stays one */
    ck_assert_int_eq(sqlite3_exec(h, "CREATE TABLE f (org TEXT, period, type TEXT, value INTEGER)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *ins;
    ck_assert_int_eq(sqlite3_exec(h, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "INSERT INTO f VALUES (?, ?, ?, ?)", -1, &ins, NULL), SQLITE_OK);
    /* 2018/19 to 2020/21, the first and last day of each month; the year kept is 2019/20 */
    for (int m = 0; m < 36; m++)
        for (int k = 0; k < 4; k++) {
            /* E's two rows of 2018-04, written alike, pass an int64 together */
            bool e = m == 0 && k < 2;
            int y = 2018 + (m + 3) / 12, mo = (m + 3) % 12 + 1, d = k % 2 && !e ? cal_days_in_month(y, mo) : 1;
            int fy = 2018 + m / 12, form = e ? 0 : (m + k) % 3;
            char per[32];
            bool integer = false;
            if (strcmp(grain, "fy") == 0) snprintf(per, sizeof per, "%d/%02d", fy, (fy + 1) % 100);
            else if (strcmp(grain, "quarter") == 0)
                snprintf(per, sizeof per, "%d/%02d%sQ%d", fy, (fy + 1) % 100, form == 0 ? " " : form == 1 ? "\t" : "  ",
                         m % 12 / 3 + 1);
            else if (form == 0 && strcmp(grain, "month") == 0) snprintf(per, sizeof per, "%d-%02d", y, mo);
            else if (form == 1) snprintf(per, sizeof per, "%d%02d%02d", y, mo, d), integer = true;
            else snprintf(per, sizeof per, "%d-%02d-%02d", y, mo, d);
            char org[2] = { (char)('A' + k / 2), 0 }, type[2] = { (char)('1' + (m + k) % 2), 0 };
            int64_t value = m * 10 + k;
            if (e) org[0] = 'E', value = INT64_MAX / 2 + 1;
            fprintf(out, "%s,\"%s\",%s,%lld\n", org, per, type, (long long)value);
            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, org, -1, SQLITE_TRANSIENT);
            if (integer) sqlite3_bind_int64(ins, 2, atoll(per));
            else sqlite3_bind_text(ins, 2, per, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 3, type, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 4, value);
            ck_assert_int_eq(sqlite3_step(ins), SQLITE_DONE);
        }
    sqlite3_finalize(ins);
    ck_assert_int_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    ck_assert_int_eq(fclose(out), 0);
    FeedOptions opt = { .windows_only = true };
    ck_assert(bc_window_span(&r.bc, &opt.keep_from, &opt.keep_to));
    FeedData *rows = try_load(&r, "f", csv, &opt, why, sizeof why);
    ck_assert_msg(rows != NULL, "%s", why);
    snprintf(spec, sizeof spec, "sqlite:%s:f", db);
    FeedData *pushed = try_load(&r, "f", spec, &opt, why, sizeof why);
    ck_assert_msg(pushed != NULL, "%s", why);
    const FeedStats *a = feed_stats(rows), *b = feed_stats(pushed);
    ck_assert_msg(strncmp(b->read, "pushed down: ", 13) == 0, "%s: %s", grain, b->read);
    ck_assert_uint_eq(a->rows, 36 * 4);
    ck_assert_uint_eq(b->rows, a->rows);
    ck_assert_uint_eq(b->outside, a->outside);
    ck_assert_uint_eq(a->outside, 24 * 4);
    ck_assert_uint_eq(b->orgs, a->orgs);
    ck_assert_uint_eq(b->periods, a->periods);
    ck_assert_int_eq(b->first.index, a->first.index);
    ck_assert_int_eq(b->last.index, a->last.index);
    uint32_t fa, ca, fb, cb;
    feed_slice_counts(rows, &fa, &ca);
    feed_slice_counts(pushed, &fb, &cb);
    ck_assert_uint_eq(fb, fa);
    ck_assert_uint_eq(cb, ca);
    size_t norgs;
    uint32_t *ids = all_orgs(&r, &norgs);
    Day later = D(2022, 1, 1);
    for (int k = 0; k < 2; k++) {
        uint32_t g = agg(&r.bc, "f", "value", AGG_SUM, k == 1);
        Value va = feed_aggregate(rows, g, ids, norgs, D(2019, 4, 1), D(2020, 3, 31), later, &ca);
        Value vb = feed_aggregate(pushed, g, ids, norgs, D(2019, 4, 1), D(2020, 3, 31), later, &cb);
        ck_assert(va.kind == V_NUM);
        ck_assert_msg(val_equal(va, vb), "%s: the year's sums differ", grain);
        ck_assert_uint_eq(ca, cb);
    }
    for (int32_t p = a->first.index; p <= a->last.index; p++) {
        FeedCells x = { 0 }, y = { 0 };
        feed_period_cells(rows, p, ids, norgs, NULL, 0, later, &x, NULL, NULL);
        feed_period_cells(pushed, p, ids, norgs, NULL, 0, later, &y, NULL, NULL);
        ck_assert_uint_eq(x.expected, y.expected);
        ck_assert_uint_eq(x.present, y.present);
    }
    free(ids);
    feed_free(pushed);
    feed_free(rows);
    rules_free(&r);
}

START_TEST(pushdown_windows_only)
{
    static const char *const grains[] = { "date", "month", "quarter", "fy" };
    for (size_t i = 0; i < sizeof grains / sizeof *grains; i++) pushdown_windows_grain(grains[i]);
}
END_TEST

/* A slice's sums and row counts are packed in the bits its largest needs,
 * the column repacked wider when one passes them. Every cell stays exact
 * as a column widens through each width, 1 to 57 bits then 64 (to
 * INT64_MAX), with cells of every width already in it: by a first value
 * (April) and by adding to a cell (May); rows past 16 bits (June); a slice
 * only in the second of two halves (July). Read on one core and on two,
 * with the split inside June: there the halves' columns have different
 * widths. A filtered sum's cells that counted nothing stay missing; a
 * count is never below 0. */
START_TEST(sums_every_width)
{
    Rules r;
    rules_from_text(&r, agg_rules);
    char path[512], why[1024];
    enum { WIDTHS = 63, JUNE_ROWS = 70000 };
    tmp_path(path, sizeof path, "widths.csv");
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "org,period,type,value\n");
    int64_t want[4][WIDTHS], want1[4][WIDTHS];     /* s and s1 (type 1; -1: missing) per month and O00 .. O62 */
    for (int k = 0; k < WIDTHS; k++) {              /* April: 2^k - 1, the column widening to k bits ... */
        int64_t v = (int64_t)(((uint64_t)1 << k) - 1);
        fprintf(out, "O%02d,2019-04,1,%lld\n", k, (long long)v);
        want[0][k] = want1[0][k] = v;
    }
    for (int k = 0; k < WIDTHS; k++) {              /* ... then 1 more each, of type 2 for odd k */
        fprintf(out, "O%02d,2019-04,%d,1\n", k, k % 2 ? 2 : 1);
        want[0][k]++;
        want1[0][k] += k % 2 ? 0 : 1;
    }
    for (int k = 0; k < WIDTHS; k++) fprintf(out, "O%02d,2019-05,2,1\n", k);   /* May: 1 each (type 2) ... */
    for (int k = 0; k < WIDTHS; k++) {              /* ... then 2^k - 1 more: k + 1 bits, each widening by an addition */
        int64_t v = (int64_t)(((uint64_t)1 << k) - 1);
        fprintf(out, "O%02d,2019-05,1,%lld\n", k, (long long)v);
        want[1][k] = v + 1;
        want1[1][k] = v;
    }
    for (int k = 0; k < WIDTHS; k++) want[2][k] = 0, want1[2][k] = -1;
    for (long i = 0; i < JUNE_ROWS; i++) {          /* June: O00 70,000 rows (17 bits), O01 a row in 1000 */
        int k = i % 1000 ? 0 : 1;
        fprintf(out, "O%02d,2019-06,2,1\n", k);
        want[2][k]++;
    }
    fprintf(out, "O02,2019-06,1,%lld\n", (long long)((int64_t)1 << 40));  /* a wide sum at the end of June */
    want[2][2] = want1[2][2] = (int64_t)1 << 40;
    for (int k = 0; k < WIDTHS; k++) want[3][k] = 0, want1[3][k] = -1;
    /* July, in the second half only: INT64_MAX, in two rows */
    fprintf(out, "O03,2019-07,1,%lld\nO03,2019-07,1,%lld\n", (long long)((int64_t)1 << 62),
            (long long)(((int64_t)1 << 62) - 1));
    want[3][3] = want1[3][3] = INT64_MAX;
    ck_assert_int_eq(fclose(out), 0);

    FeedData *f = load(&r, "f", path);
    uint32_t s = agg(&r.bc, "f", "value", AGG_SUM, false), s1 = agg(&r.bc, "f", "value", AGG_SUM, true), cov;
    Day later = D(2020, 1, 1);
    for (int m = 0; m < 4; m++) {
        Day from = D(2019, 4 + m, 1), to = D(2019, 4 + m, m == 0 || m == 2 ? 30 : 31);
        for (int k = 0; k < WIDTHS; k++) {
            char code[8];
            snprintf(code, sizeof code, "O%02d", k);
            uint32_t id = org(&r, code);
            Value v = feed_aggregate(f, s, &id, 1, from, to, later, &cov);
            if (want[m][k]) assert_int(v, want[m][k]);
            if (want1[m][k] < 0) assert_missing(feed_aggregate(f, s1, &id, 1, from, to, later, &cov));
            else assert_int(feed_aggregate(f, s1, &id, 1, from, to, later, &cov), want1[m][k]);
        }
    }
    feed_free(f);
    Day as_of[] = { D(2030, 1, 1) };
    ck_assert(assert_cores_agree(&r, "f", path, NULL, as_of, 1));
    write_tmp(path, sizeof path, "negative.csv", "org,period,type,value\nA,2019-04,1,5\nA,2019-04,1,-1\n");
    ck_assert_ptr_null(try_load(&r, "f", path, NULL, why, sizeof why));
    ck_assert_msg(strstr(why, "negative.csv:3: column `value`: `-1` is not a count") != NULL, "%s", why);
    rules_free(&r);
}
END_TEST

/* The where-filter's cache must not confuse two rows whose cells differ. */
START_TEST(filter_cache_distinct_cells)
{
    Rules r;
    rules_from_text(&r,
                    "feed g \"Two text columns\" {\n"
                    "    org    = org\n"
                    "    period = period as month\n"
                    "    lag    = 0 days\n"
                    "    a: text\n"
                    "    b: text\n"
                    "    value: count\n"
                    "}\n"
                    "metric m: count = sum(g.value where g.a == \"x\" and g.b == \"y\\u{1f}uz\")\n");
    char path[512];
    /* row 1: a = x\x1fuy, b = z; row 2: a = x, b = y\x1fuz. Only row 2 passes. */
    write_tmp(path, sizeof path, "cache.csv",
              "org,period,a,b,value\n"
              "A,2019-04,x\x1fuy,z,1\n"
              "A,2019-05,x,y\x1fuz,2\n");
    FeedData *f = load(&r, "g", path);
    uint32_t A = org(&r, "A"), cov;
    Value v = feed_aggregate(f, agg(&r.bc, "g", "value", AGG_SUM, true), &A, 1, D(2019, 4, 1), D(2019, 5, 31),
                             D(2020, 1, 1), &cov);
    feed_free(f);
    rules_free(&r);
    /* the cache keys on the cells' bytes joined with \x1f: both rows make
     * the key "ux\x1fuy\x1fuz\x1f", so row 2 gets row 1's `false` */
    assert_int(v, 2);
}
END_TEST

/* A where-filter over a text column, evaluated per distinct value. */
START_TEST(filter_text_values)
{
    Rules r;
    rules_from_text(&r,
                    "feed g \"Text\" {\n"
                    "    org    = org\n"
                    "    period = period as month\n"
                    "    lag    = 0 days\n"
                    "    type: text\n"
                    "    value: count\n"
                    "}\n"
                    "metric q: count = sum(g.value where g.type == \"1\")\n"
                    "metric e: count = sum(g.value where g.type == \"\")\n");
    char path[512];
    write_tmp(path, sizeof path, "text.csv",
              "org,period,type,value\n"
              "A,2019-04,1,1\n"
              "A,2019-05,\"1\",2\n"
              "A,2019-06,*,4\n"         /* missing: not \"1\" and not \"\" */
              "A,2019-07,\"*\",8\n"     /* the text * */
              "A,2019-08,11,16\n"
              "A,2019-09,\"\",32\n"     /* empty text */
              "A,2019-10,,64\n");       /* missing */
    FeedData *f = load(&r, "g", path);
    uint32_t A = org(&r, "A"), cov;
    uint32_t q = UINT32_MAX, e = UINT32_MAX;
    for (uint32_t i = 0; i < r.bc.naggs; i++) {
        if (r.bc.aggs[i].filter < 0) continue;
        if (q == UINT32_MAX) q = i;
        else e = i;
    }
    ck_assert_uint_ne(e, UINT32_MAX);
    assert_int(feed_aggregate(f, q, &A, 1, D(2019, 4, 1), D(2019, 12, 31), D(2020, 1, 1), &cov), 3);
    assert_int(feed_aggregate(f, e, &A, 1, D(2019, 4, 1), D(2019, 12, 31), D(2020, 1, 1), &cov), 32);
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* A feed may declare many columns. */
START_TEST(many_columns)
{
    /* load_row once kept a row's values in `Value values[256]` on the stack:
     * more columns overwrote it and crashed the process */
    enum { NCOLS = 300 };
    char *rules = malloc(64 * NCOLS + 512), *csv = malloc(16 * NCOLS * 3 + 64);
    size_t n = (size_t)sprintf(rules, "feed w \"Wide\" {\n    org = org\n    period = period as month\n    lag = 0 days\n");
    for (int i = 0; i < NCOLS; i++) n += (size_t)sprintf(rules + n, "    c%d: count\n", i);
    sprintf(rules + n, "}\nmetric last: count = sum(w.c%d)\nmetric first: count = sum(w.c0)\n", NCOLS - 1);
    n = (size_t)sprintf(csv, "org,period");
    for (int i = 0; i < NCOLS; i++) n += (size_t)sprintf(csv + n, ",c%d", i);
    n += (size_t)sprintf(csv + n, "\nA,2019-04");
    for (int i = 0; i < NCOLS; i++) n += (size_t)sprintf(csv + n, ",%d", i + 1);
    sprintf(csv + n, "\n");
    Rules r;
    rules_from_text(&r, rules);
    char path[512];
    write_tmp(path, sizeof path, "wide.csv", csv);
    free(rules);
    free(csv);
    FeedData *f = load(&r, "w", path);
    uint32_t A = org(&r, "A"), cov;
    assert_int(feed_aggregate(f, agg(&r.bc, "w", "c0", AGG_SUM, false), &A, 1, D(2019, 4, 1), D(2019, 4, 30),
                              D(2020, 1, 1), &cov),
               1);
    assert_int(feed_aggregate(f, agg(&r.bc, "w", "c299", AGG_SUM, false), &A, 1, D(2019, 4, 1), D(2019, 4, 30),
                              D(2020, 1, 1), &cov),
               NCOLS);
    feed_free(f);
    rules_free(&r);
}
END_TEST

/* Two feeds and a hierarchy of one run share organisation ids. */
START_TEST(shared_orgs)
{
    Rules r;
    rules_from_text(&r, "feed a \"A\" { org = org  period = period as month  lag = 0 days  v: count }\n"
                        "feed b \"B\" { org = code period = month as month  lag = 0 days  w: count }\n"
                        "metric x: count = sum(a.v) + sum(b.w)\n");
    char pa[512], pb[512];
    write_tmp(pa, sizeof pa, "a.csv", "org,period,v\nRX1,2019-04,1\nRX2,2019-04,2\n");
    write_tmp(pb, sizeof pb, "b.csv", "code,month,w\nRX3,2019-04,30\nRX2,2019-04,20\n");
    FeedData *a = load(&r, "a", pa), *b = load(&r, "b", pb);
    ck_assert_uint_eq(orgs_count(r.orgs), 3);
    uint32_t rx2 = org(&r, "RX2"), cov;
    assert_int(feed_aggregate(a, agg(&r.bc, "a", "v", AGG_SUM, false), &rx2, 1, D(2019, 4, 1), D(2019, 4, 30),
                              D(2020, 1, 1), &cov),
               2);
    assert_int(feed_aggregate(b, agg(&r.bc, "b", "w", AGG_SUM, false), &rx2, 1, D(2019, 4, 1), D(2019, 4, 30),
                              D(2020, 1, 1), &cov),
               20);
    /* RX3 was interned after a was loaded: a has no rows for it */
    uint32_t rx3 = org(&r, "RX3");
    assert_missing(feed_aggregate(a, agg(&r.bc, "a", "v", AGG_SUM, false), &rx3, 1, D(2019, 4, 1), D(2019, 4, 30),
                                  D(2020, 1, 1), &cov));
    feed_free(a);
    feed_free(b);
    rules_free(&r);
}
END_TEST

/* ---- the runner ------------------------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static Suite *feed_suite(void)
{
    Suite *s = suite_create("feed");
    TCase *t = tcase_create("orgs");
    tcase_add_test(t, orgs_interning);
    suite_add_tcase(s, t);

    t = tcase_create("real");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, real_ae_loads);
    tcase_add_test(t, real_stp_lookup);
    tcase_add_test(t, real_type1_mapping);
    tcase_add_test(t, real_england);
    tcase_add_test(t, real_stp_years);
    tcase_add_test(t, real_lag_boundary);
    suite_add_tcase(s, t);

    t = tcase_create("vintages");
    tcase_add_test(t, vintages);
    tcase_add_test(t, publications);
    tcase_add_test(t, vintage_errors);
    tcase_add_test(t, each_key);
    suite_add_tcase(s, t);

    t = tcase_create("hierarchies");
    tcase_set_timeout(t, 60);       /* totals_streamed: every window of 150 months, walked and from the totals */
    tcase_add_test(t, effective_dates);
    tcase_add_test(t, totals_streamed);
    tcase_add_test(t, overlapping_links);
    tcase_add_test(t, hierarchy_errors);
    tcase_add_test(t, hierarchy_names);
    suite_add_tcase(s, t);

    t = tcase_create("errors");
    tcase_add_test(t, error_bad_cell);
    tcase_add_test(t, count_limits);
    tcase_add_test(t, error_ragged);
    tcase_add_test(t, error_unterminated_quote);
    tcase_add_test(t, error_missing_column);
    tcase_add_test(t, error_empty_file);
    tcase_add_test(t, error_no_such_file);
    tcase_add_test(t, header_only);
    tcase_add_test(t, error_missing_org);
    tcase_add_test(t, error_bad_period);
    tcase_add_test(t, skip_bad_rows);
    suite_add_tcase(s, t);

    t = tcase_create("two cores");
    tcase_add_test(t, two_halves);
    tcase_add_test(t, predicates_agree_with_vm);
    tcase_add_test(t, predicates_over_a_file);
    tcase_add_test(t, cell_predicates_agree_with_vm);
    tcase_add_test(t, org_order_changes);
    tcase_add_test(t, period_texts_remembered);
    tcase_add_test(t, predicate_row_rule);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);

    /* a file of its own, read twice: slow under ASan */
    t = tcase_create("one core and two");
    tcase_add_test(t, halves_match_one_core);
    tcase_set_timeout(t, 600);
    suite_add_tcase(s, t);

    /* small files split (PLEDGE_TEST_SPLIT_BYTES), read on one core and two */
    t = tcase_create("halves joined");
    tcase_add_test(t, general_aggregates_on_two_cores);
    tcase_add_test(t, limit_in_second_half);
    tcase_add_test(t, keyed_on_two_cores);
    tcase_add_test(t, chunks_on_two_cores);
    tcase_add_test(t, calls_on_two_cores);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);

    t = tcase_create("aggregates");
    tcase_add_test(t, aggregates);
    tcase_add_test(t, aggregates_over_no_rows);
    tcase_add_test(t, cell_types);
    tcase_add_test(t, messy_file);
    tcase_add_test(t, quoted_star);
    tcase_add_test(t, percent_formats);
    tcase_add_test(t, whole_number_limits);
    tcase_add_test(t, whole_number_widths);
    tcase_add_test(t, sums_every_width);
    tcase_add_test(t, windows_only_slices);
    tcase_add_test(t, pushdown_windows_only);
    tcase_add_test(t, row_counts_wide);
    tcase_add_test(t, filter_cache_distinct_cells);
    tcase_add_test(t, filter_text_values);
    tcase_add_test(t, shared_orgs);
    suite_add_tcase(s, t);

    /* more than 256 declared columns overflow the loader's `Value
     * values[256]`; the test runs only in a forked child (see it) */
    t = tcase_create("wide");
    tcase_add_test(t, many_columns);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/pledge-feed.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 99;
    }
    runner = srunner_create(feed_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
