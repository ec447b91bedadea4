/* test_api.c: include/pledge.h as an embedder uses it: rounds from text
 * and bytecode in memory, diagnostics with their places, inputs bound from
 * a file, CSV text and pushed rows, errors named, results walked; inputs
 * files read, their errors named, out of memory. Only
 * pledge.h is included, as in any program outside the library. */
#include "unit.h"
#include "config.h"
#include "pledge.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char round_text[] =
    "round t \"A small round\" {\n"
    "    horizon = 2018/19 .. 2019/20\n"
    "    assess  = sys\n"
    "}\n"
    "feed m \"Counts\" {\n"
    "    org    = org\n"
    "    period = month as month\n"
    "    lag    = 10 days\n"
    "    num: count\n"
    "    den: count\n"
    "}\n"
    "hierarchy sys \"Systems\" {\n"
    "    member = org\n"
    "    parent = system\n"
    "}\n"
    "metric share \"Share\": percent = sum(m.num) / sum(m.den)\n"
    "foundational commitment c_share \"Share at least 90%\" {\n"
    "    measure = share\n"
    "    target  = >= 90% in 2018/19\n"
    "}\n";

static const char feed_csv[] =
    "org,month,num,den\n"
    "P1,2018-04,19,20\n"
    "P2,2018-05,8,10\n";

static const char hier_csv[] =
    "org,system\n"
    "P1,S1\n"
    "P2,S2\n";

/* A diagnostic's strings live only during the call: keep copies. */
typedef struct Seen { int count; pledge_diagnostic first; char file[64], message[256], rendered[1024]; } Seen;

static void remember(void *ud, const pledge_diagnostic *d)
{
    Seen *s = ud;
    if (s->count++ == 0) {
        s->first = *d;
        snprintf(s->message, sizeof s->message, "%s", d->message);
        snprintf(s->file, sizeof s->file, "%s", d->file ? d->file : "");
        snprintf(s->rendered, sizeof s->rendered, "%s", d->rendered);
    }
}

static pledge_state *new_state(Seen *seen)
{
    pledge_config c;
    pledge_config_init(&c);
    if (seen) { c.diagnostic = remember; c.diagnostic_ud = seen; }
    pledge_state *S = pledge_new(&c);
    ck_assert_ptr_nonnull(S);
    return S;
}

/* Assesses R as of 2019-06-30 and returns its CSV report (free it). */
static char *assess_csv(pledge_state *S, pledge_round *R)
{
    pledge_report *rep = NULL;
    pledge_assess_options o = { .as_of = "2019-06-30" };
    ck_assert_msg(pledge_assess(R, &o, &rep) == PLEDGE_OK, "%s", pledge_error(S));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(pledge_report_write(rep, PLEDGE_FORMAT_CSV, f, NULL), PLEDGE_OK);
    fclose(f);
    pledge_report_free(rep);
    return text;
}

START_TEST(source_in_memory_assessed)
{
    pledge_state *S = new_state(NULL);
    pledge_round *R = NULL;
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &R), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(R, "m", "m.csv", feed_csv, strlen(feed_csv)), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(R, "sys", "sys.csv", hier_csv, strlen(hier_csv)), PLEDGE_OK);
    pledge_report *rep = NULL;
    pledge_assess_options o = { .as_of = "2019-06-30" };
    ck_assert_int_eq(pledge_assess(R, &o, &rep), PLEDGE_OK);
    ck_assert_str_eq(pledge_report_as_of(rep), "2019-06-30");
    ck_assert_uint_eq(pledge_report_count(rep), 2);
    pledge_result r;
    ck_assert(pledge_report_result(rep, 0, &r));
    ck_assert_str_eq(r.system, "S1");
    ck_assert_str_eq(r.item, "c_share");
    ck_assert_str_eq(r.status, "met");          /* 19/20 = 95% */
    ck_assert_str_eq(r.value, "0.95");
    ck_assert_str_eq(r.threshold, "0.9");
    /* P1 reports April only: 1 of 2018/19's 12 monthly returns is in */
    ck_assert_int_eq(r.complete, 0);
    ck_assert_int_eq(r.cells_expected, 12);
    ck_assert_int_eq(r.cells_present, 1);
    ck_assert(pledge_report_result(rep, 1, &r));
    ck_assert_str_eq(r.system, "S2");
    ck_assert_str_eq(r.status, "missed");       /* 8/10 = 80% */
    ck_assert(!pledge_report_result(rep, 2, &r));
    pledge_report_free(rep);
    pledge_round_free(R);
    pledge_free(S);
}
END_TEST

/* The same rows pushed one by one give the same report as the CSV text. */
START_TEST(rows_pushed_equal_csv)
{
    pledge_state *S = new_state(NULL);
    pledge_round *a = NULL, *b = NULL;
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &a), PLEDGE_OK);
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &b), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(a, "m", "m", feed_csv, strlen(feed_csv)), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(a, "sys", "sys", hier_csv, strlen(hier_csv)), PLEDGE_OK);
    const char *cols[] = { "org", "month", "num", "den" };
    pledge_rows *rows = pledge_rows_new(S, cols, 4);
    ck_assert_ptr_nonnull(rows);
    ck_assert_int_eq(pledge_rows_add(rows, (const char *[]){ "P1", "2018-04", "19", "20" }), PLEDGE_OK);
    ck_assert_int_eq(pledge_rows_add(rows, (const char *[]){ "P2", "2018-05", "8", "10" }), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_rows(b, "m", "m", rows), PLEDGE_OK);
    pledge_rows *links = pledge_rows_new(S, (const char *[]){ "org", "system" }, 2);
    pledge_rows_add(links, (const char *[]){ "P1", "S1" });
    pledge_rows_add(links, (const char *[]){ "P2", "S2" });
    ck_assert_int_eq(pledge_bind_rows(b, "sys", "sys", links), PLEDGE_OK);
    char *ca = assess_csv(S, a), *cb = assess_csv(S, b);
    ck_assert_str_eq(ca, cb);
    free(ca);
    free(cb);
    pledge_free(S);         /* frees the rounds left */
}
END_TEST

/* A cell that does not parse names the input, the line and the text. */
START_TEST(bad_cell_named)
{
    pledge_state *S = new_state(NULL);
    pledge_round *R = NULL;
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &R), PLEDGE_OK);
    pledge_rows *rows = pledge_rows_new(S, (const char *[]){ "org", "month", "num", "den" }, 4);
    pledge_rows_add(rows, (const char *[]){ "P1", "2018-04", "nineteen", "20" });
    ck_assert_int_eq(pledge_bind_rows(R, "m", "pushed rows", rows), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(R, "sys", "sys", hier_csv, strlen(hier_csv)), PLEDGE_OK);
    pledge_report *rep = NULL;
    ck_assert_int_eq(pledge_assess(R, NULL, &rep), PLEDGE_ERR_INPUT);
    ck_assert_ptr_null(rep);
    ck_assert_msg(strstr(pledge_error(S), "pushed rows:2") && strstr(pledge_error(S), "nineteen"), "%s",
                  pledge_error(S));
    pledge_free(S);
}
END_TEST

START_TEST(diagnostics_have_places)
{
    Seen seen = { 0 };
    pledge_state *S = new_state(&seen);
    static const char bad[] = "let a = 1\nlet b: percent = a + £5\n";
    pledge_round *R = (pledge_round *)1;
    ck_assert_int_eq(pledge_load_source(S, "bad.pledge", bad, strlen(bad), &R), PLEDGE_ERR_INPUT);
    ck_assert_ptr_null(R);
    ck_assert_int_ge(seen.count, 1);
    ck_assert_int_eq(seen.first.severity, PLEDGE_SEVERITY_ERROR);
    ck_assert_str_eq(seen.file, "bad.pledge");
    ck_assert_int_eq(seen.first.line, 2);
    ck_assert_int_gt(seen.first.column, 0);
    ck_assert_ptr_nonnull(strstr(seen.rendered, "bad.pledge:2:"));
    ck_assert_ptr_nonnull(strstr(pledge_error(S), "error"));
    pledge_free(S);
}
END_TEST

START_TEST(bytecode_round_trip)
{
    pledge_state *S = new_state(NULL);
    pledge_round *R = NULL, *B = NULL;
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &R), PLEDGE_OK);
    void *bytes = NULL;
    size_t len = 0;
    ck_assert_int_eq(pledge_bytecode(R, &bytes, &len), PLEDGE_OK);
    ck_assert_uint_gt(len, 8);
    ck_assert_int_eq(memcmp(bytes, "PLEDGEBC", 8), 0);
    ck_assert_int_eq(pledge_load_bytecode(S, "t.plb", bytes, len, &B), PLEDGE_OK);
    ck_assert(pledge_is_bytecode(B));
    ck_assert(!pledge_is_bytecode(R));
    /* the same program: the same bytes again, and the same results */
    void *again = NULL;
    size_t len2 = 0;
    ck_assert_int_eq(pledge_bytecode(B, &again, &len2), PLEDGE_OK);
    ck_assert_uint_eq(len, len2);
    ck_assert_int_eq(memcmp(bytes, again, len), 0);
    /* a corrupted file is refused with where */
    ((unsigned char *)bytes)[len / 2] ^= 0xFF;
    pledge_round *C = NULL;
    ck_assert_int_eq(pledge_load_bytecode(S, "broken.plb", bytes, len, &C), PLEDGE_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(pledge_error(S), "broken.plb"));
    pledge_release(S, bytes);
    pledge_release(S, again);
    pledge_free(S);
}
END_TEST

START_TEST(usage_errors_named)
{
    pledge_state *S = new_state(NULL);
    pledge_round *R = NULL;
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &R), PLEDGE_OK);
    pledge_report *rep = NULL;
    /* nothing bound */
    ck_assert_int_eq(pledge_assess(R, NULL, &rep), PLEDGE_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(pledge_error(S), "not bound"));
    pledge_round_free(R);
    /* a name the round does not declare */
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &R), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(R, "nope", "x", "a\n", 2), PLEDGE_OK);
    ck_assert_int_eq(pledge_load_inputs(R, false), PLEDGE_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(pledge_error(S), "`nope`"));
    /* a date that is not one */
    pledge_assess_options o = { .as_of = "2019-02-30" };
    ck_assert_int_eq(pledge_assess(R, &o, &rep), PLEDGE_ERR_USAGE);
    ck_assert_int_eq(pledge_check_date(S, "2019-02-28"), PLEDGE_OK);
    ck_assert_int_eq(pledge_check_statuses(S, "met,missed"), PLEDGE_OK);
    ck_assert_int_eq(pledge_check_statuses(S, "met,late"), PLEDGE_ERR_USAGE);
    pledge_format f;
    ck_assert(pledge_format_by_name("html", &f) && f == PLEDGE_FORMAT_HTML);
    ck_assert(!pledge_format_by_name("pdf", &f));
    pledge_free(S);
}
END_TEST

START_TEST(eval_and_limits)
{
    pledge_config c;
    pledge_config_init(&c);
    c.max_steps = 1000;
    pledge_state *S = pledge_new(&c);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(pledge_eval(S, NULL, "19/20 >= 95%", f), PLEDGE_OK);
    fclose(f);
    ck_assert_str_eq(text, "true\n");
    free(text);
    static const char loop[] = "fn f(n: number): number = if n <= 0 then 0 else 1 + f(n - 1)\nlet deep = f(100000)\n";
    pledge_round *R = NULL;
    ck_assert_int_eq(pledge_load_source(S, "loop.pledge", loop, strlen(loop), &R), PLEDGE_OK);
    f = open_memstream(&text, &len);
    ck_assert_int_eq(pledge_eval_lets(R, f), PLEDGE_ERR_LIMIT);
    fclose(f);
    free(text);
    ck_assert_ptr_nonnull(strstr(pledge_error(S), "limit"));
    ck_assert_str_eq(pledge_version(), PACKAGE_VERSION);
    pledge_free(S);
}
END_TEST

/* The state's limits bound the where conditions run while feeds load. */
START_TEST(limits_reach_where_filters)
{
    static const char spin[] =
        "fn spin(n: number): number = if n <= 0 then 0 else spin(n - 1)\n"
        "metric spun \"Share\": percent = sum(m.num where spin(m.num) == 0) / sum(m.den)\n"
        "foundational commitment c_spun \"Spun\" {\n    measure = spun\n    target  = >= 90% in 2018/19\n}\n";
    size_t n = strlen(round_text) + strlen(spin);
    char *text = malloc(n + 1);
    strcpy(text, round_text);
    strcat(text, spin);
    pledge_config c;
    pledge_config_init(&c);
    c.max_steps = 50;               /* spin(19) takes more */
    pledge_state *S = pledge_new(&c);
    pledge_round *R = NULL;
    ck_assert_int_eq(pledge_load_source(S, "spin.pledge", text, n, &R), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(R, "m", "m.csv", feed_csv, strlen(feed_csv)), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(R, "sys", "sys.csv", hier_csv, strlen(hier_csv)), PLEDGE_OK);
    ck_assert_int_eq(pledge_load_inputs(R, true), PLEDGE_ERR_LIMIT);
    ck_assert_msg(strstr(pledge_error(S), "spin"), "%s", pledge_error(S));
    pledge_free(S);
    free(text);
}
END_TEST

/* ---- inputs files ---------------------------------------------------------- */

/* A temporary folder with m.csv, sys.csv and sub/t.inputs (text). */
static void inputs_folder(char *dir, size_t cap, const char *text)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, cap, "%s/inputs.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[512];
    const char *names[] = { "m.csv", "sys.csv", "sub/t.inputs" };
    const char *texts[] = { feed_csv, hier_csv, text };
    snprintf(path, sizeof path, "%s/sub", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(texts[i], f);
        ck_assert_int_eq(fclose(f), 0);
    }
}

static void inputs_folder_free(const char *dir)
{
    char path[512];
    const char *names[] = { "m.csv", "sys.csv", "sub/t.inputs", "sub", "" };
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        ck_assert_int_eq(remove(path), 0);
    }
}

static const char inputs_text[] =
    "# a comment\n"
    "as-of = 2019-06-30\n"
    "system = S2 , S1   # two codes\n"
    "output = out/r.csv\n"
    "\n"
    "[feeds]\n"
    "m   = \"../m.csv\"\n"
    "sys = ../sys.csv\n";

START_TEST(inputs_file_walked)
{
    char dir[256], path[512], want[512];
    inputs_folder(dir, sizeof dir, inputs_text);
    pledge_state *S = new_state(NULL);
    pledge_inputs *in = NULL;
    snprintf(path, sizeof path, "%s/sub/t.inputs", dir);
    ck_assert_msg(pledge_inputs_load(S, path, &in) == PLEDGE_OK, "%s", pledge_error(S));
    /* the feeds in the file's order, read from its folder */
    const char *name, *source;
    ck_assert(pledge_inputs_feed(in, 0, &name, &source));
    snprintf(want, sizeof want, "%s/sub/../m.csv", dir);
    ck_assert_str_eq(name, "m");
    ck_assert_str_eq(source, want);
    ck_assert(pledge_inputs_feed(in, 1, &name, &source));
    ck_assert_str_eq(name, "sys");
    ck_assert(!pledge_inputs_feed(in, 2, &name, &source));
    /* the options: one per system, the output's path resolved too */
    const char *key, *value;
    const char *keys[] = { "as-of", "system", "system", "output" };
    snprintf(want, sizeof want, "%s/sub/out/r.csv", dir);
    const char *values[] = { "2019-06-30", "S2", "S1", want };
    for (size_t i = 0; i < 4; i++) {
        ck_assert(pledge_inputs_option(in, i, &key, &value));
        ck_assert_str_eq(key, keys[i]);
        ck_assert_str_eq(value, values[i]);
    }
    ck_assert(!pledge_inputs_option(in, 4, &key, &value));
    /* bound as they are given, the same report as the CSV texts bound from memory */
    pledge_round *R = NULL, *R2 = NULL;
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &R), PLEDGE_OK);
    for (size_t i = 0; pledge_inputs_feed(in, i, &name, &source); i++)
        ck_assert_int_eq(pledge_bind(R, name, source), PLEDGE_OK);
    ck_assert_int_eq(pledge_load_source(S, "t.pledge", round_text, strlen(round_text), &R2), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(R2, "m", "m", feed_csv, strlen(feed_csv)), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind_csv(R2, "sys", "sys", hier_csv, strlen(hier_csv)), PLEDGE_OK);
    char *a = assess_csv(S, R), *b = assess_csv(S, R2);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    pledge_inputs_free(in);
    pledge_free(S);     /* frees the rounds */
    inputs_folder_free(dir);
}
END_TEST

START_TEST(inputs_file_errors_named)
{
    static const struct { const char *text, *error; } cases[] = {
        { "[feeds]\nm = ../m.csv\nsys = ../sys.csv\nm = ../sys.csv\n", ":4: feed `m` is bound twice (first on line 2)" },
        { "as-of = 2019-06-31\n", ":1: as-of: `2019-06-31`: June 2019 has 30 days" },
        { "\n\nformt = csv\n", ":3: unknown key `formt`" },
        { "[feeds]\nm = ../none.csv\n", ":2: feed `m`: cannot open `../none.csv`" },
        { "[feeds]\nm = \"../m.csv\n", ":2: `m`: the string has no closing quote" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[256], path[512];
        inputs_folder(dir, sizeof dir, cases[i].text);
        pledge_state *S = new_state(NULL);
        pledge_inputs *in = NULL;
        snprintf(path, sizeof path, "%s/sub/t.inputs", dir);
        ck_assert_int_eq(pledge_inputs_load(S, path, &in), PLEDGE_ERR_INPUT);
        ck_assert_ptr_null(in);
        ck_assert_msg(strncmp(pledge_error(S), path, strlen(path)) == 0 &&
                      strstr(pledge_error(S), cases[i].error), "%s", pledge_error(S));
        pledge_free(S);
        inputs_folder_free(dir);
    }
}
END_TEST

/* An allocator that fails once `left` blocks are given (counted, to find leaks). */
typedef struct Budget { long left, live; } Budget;

static void *budget_alloc(void *ud, void *ptr, size_t size)
{
    Budget *b = ud;
    if (size == 0) {
        if (ptr) b->live--;
        free(ptr);
        return NULL;
    }
    if (b->left == 0) return NULL;
    if (b->left > 0) b->left--;
    void *p = realloc(ptr, size);
    if (p && !ptr) b->live++;
    return p;
}

START_TEST(inputs_file_out_of_memory)
{
    char dir[256], path[512];
    inputs_folder(dir, sizeof dir, inputs_text);
    snprintf(path, sizeof path, "%s/sub/t.inputs", dir);
    pledge_status st = PLEDGE_ERR_LIMIT;
    long n = 0;
    /* every allocation of the call fails in turn: LIMIT, nothing left behind */
    for (; st == PLEDGE_ERR_LIMIT; n++) {
        ck_assert_int_lt(n, 10000);
        Budget b = { -1, 0 };
        pledge_config c;
        pledge_config_init(&c);
        c.alloc = budget_alloc;
        c.alloc_ud = &b;
        pledge_state *S = pledge_new(&c);
        ck_assert_ptr_nonnull(S);
        b.left = n;
        pledge_inputs *in = NULL;
        st = pledge_inputs_load(S, path, &in);
        ck_assert_msg(st == PLEDGE_OK || st == PLEDGE_ERR_LIMIT, "%ld: %s", n, pledge_error(S));
        b.left = -1;
        pledge_free(S);
        ck_assert_int_eq(b.live, 0);
    }
    ck_assert_int_gt(n, 4);     /* the call has blocks to fail: the buffer, the object, its arena, its lists */
    inputs_folder_free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *t = tcase_create("api");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, source_in_memory_assessed);
    tcase_add_test(t, rows_pushed_equal_csv);
    tcase_add_test(t, bad_cell_named);
    tcase_add_test(t, diagnostics_have_places);
    tcase_add_test(t, bytecode_round_trip);
    tcase_add_test(t, usage_errors_named);
    tcase_add_test(t, eval_and_limits);
    tcase_add_test(t, limits_reach_where_filters);
    tcase_add_test(t, inputs_file_walked);
    tcase_add_test(t, inputs_file_errors_named);
    tcase_add_test(t, inputs_file_out_of_memory);
    suite_add_tcase(s, t);
    return unit_run(s);
}
