/* test_tools.c: pledge_diff and pledge_compare through include/pledge.h
 * alone, as an embedder calls them: rounds loaded from files and from text,
 * feeds bound, runs recorded as manifests (pledge_report_record) and
 * compared. The files are tests/diff's and tests/compare's (SRCDIR); what
 * is written goes into a directory of the test's own (mkdtemp). */
#include "../unit/unit.h"
#include "config.h"
#include "pledge.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char srcdir[4096], tmpdir[64];

static const char *src(const char *rel)
{
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    int n = snprintf(buf[k], sizeof buf[k], "%s/%s", srcdir, rel);
    ck_assert_msg(n > 0 && (size_t)n < sizeof buf[k], "the path of %s is too long", rel);
    return buf[k];
}

static pledge_state *new_state(void)
{
    pledge_config c;
    pledge_config_init(&c);
    pledge_state *S = pledge_new(&c);
    ck_assert_ptr_nonnull(S);
    return S;
}

static pledge_round *load(pledge_state *S, const char *rel)
{
    pledge_round *R = NULL;
    ck_assert_msg(pledge_load(S, src(rel), &R) == PLEDGE_OK, "%s", pledge_error(S));
    return R;
}

/* What a call wrote to its stream (free it). */
typedef struct Buf { char *text; size_t len; FILE *f; } Buf;
static FILE *buf_open(Buf *b) { return b->f = open_memstream(&b->text, &b->len); }
static const char *buf_done(Buf *b) { fclose(b->f); return b->text; }

static void has(const char *text, const char *line)
{
    ck_assert_msg(strstr(text, line) != NULL, "no \"%s\" in:\n%s", line, text);
}

START_TEST(diff_declarations)
{
    pledge_state *S = new_state();
    pledge_round *old = load(S, "tests/diff/base.pledge"), *neu = load(S, "tests/diff/pairs/commitment_added.pledge");
    Buf b;
    pledge_diff_options o = { .format = PLEDGE_FORMAT_TEXT };
    ck_assert_int_eq(pledge_diff(old, neu, &o, buf_open(&b)), PLEDGE_OK);
    const char *t = buf_done(&b);
    has(t, "  + ae_type1_local \"Type 1 departments\"\n");
    has(t, "      milestone 2 >= 88.0% in 2022/23\n");
    has(t, "      missing     missed\n");
    has(t, "\n1 added\n");
    free(b.text);
    o.format = PLEDGE_FORMAT_JSON;
    ck_assert_int_eq(pledge_diff(old, neu, &o, buf_open(&b)), PLEDGE_OK);
    t = buf_done(&b);
    has(t, "\"no_changes\": false");
    has(t, "{\"field\": \"target\", \"old\": \"none\", \"new\": \">= 90.0% in 2023/24\", \"wording\": false}");
    free(b.text);
    pledge_round_free(neu);
    /* comments and layout only */
    neu = load(S, "tests/diff/pairs/layout.pledge");
    o.format = PLEDGE_FORMAT_TEXT;
    ck_assert_int_eq(pledge_diff(old, neu, &o, buf_open(&b)), PLEDGE_OK);
    ck_assert_str_eq(buf_done(&b), "round r2019 -> r2019\n\nno changes\n");
    free(b.text);
    pledge_round_free(neu);
    pledge_round_free(old);
    pledge_free(S);
}
END_TEST

/* With data: the target raised from 80% to 95% in a round given as text. */
START_TEST(diff_with_data)
{
    pledge_state *S = new_state();
    pledge_round *old = load(S, "tests/compare/cells.pledge"), *neu = NULL;
    FILE *f = fopen(src("tests/compare/cells.pledge"), "r");
    ck_assert_ptr_nonnull(f);
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *at = strstr(text, ">= 80% in 2018/19");
    ck_assert_ptr_nonnull(at);
    memcpy(at, ">= 95%", 6);
    ck_assert_int_eq(pledge_load_source(S, "c95.pledge", text, n, &neu), PLEDGE_OK);
    pledge_round *both[2] = { old, neu };
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pledge_bind(both[i], "m", src("tests/compare/a.csv")), PLEDGE_OK);
        ck_assert_int_eq(pledge_bind(both[i], "sys", src("tests/compare/sys.csv")), PLEDGE_OK);
    }
    Buf b;
    pledge_diff_options o = { .format = PLEDGE_FORMAT_TEXT, .with_data = true, .as_of = "2019-06-30" };
    ck_assert_msg(pledge_diff(old, neu, &o, buf_open(&b)) == PLEDGE_OK, "%s", pledge_error(S));
    const char *t = buf_done(&b);
    has(t, "      target      >= 80.0% in 2018/19 -> >= 95.0% in 2018/19\n");
    has(t, "  S02 c_share: met -> missed; value 80.0% -> 80.0%; threshold 80.0% -> 95.0%\n");
    has(t, "  c_share: 1 system met -> missed\n");
    free(b.text);
    pledge_round_free(neu);
    pledge_round_free(old);
    pledge_free(S);
}
END_TEST

/* Records a run of cells.pledge over FEED as of the day, as manifest NAME. */
static void record(pledge_state *S, const char *feed, const char *day, const char *name)
{
    pledge_round *R = load(S, "tests/compare/cells.pledge");
    ck_assert_int_eq(pledge_bind(R, "m", src(feed)), PLEDGE_OK);
    ck_assert_int_eq(pledge_bind(R, "sys", src("tests/compare/sys.csv")), PLEDGE_OK);
    pledge_report *rep = NULL;
    pledge_assess_options o = { .as_of = day };
    ck_assert_msg(pledge_assess(R, &o, &rep) == PLEDGE_OK, "%s", pledge_error(S));
    ck_assert_msg(pledge_report_record(rep, name, NULL) == PLEDGE_OK, "%s", pledge_error(S));
    pledge_report_free(rep);
    pledge_round_free(R);
}

/* A manifest's digests are the report's, taken while the inputs load
 * (config.hash_inputs, as the command asks) where it has them, and taken
 * afresh where it has none: the same bytes either way. */
START_TEST(record_digests)
{
    const char *names[2] = { "fresh.json", "taken.json" };
    char *text[2];
    for (int i = 0; i < 2; i++) {
        pledge_config c;
        pledge_config_init(&c);
        c.hash_inputs = i == 1;
        pledge_state *S = pledge_new(&c);
        ck_assert_ptr_nonnull(S);
        pledge_round *R = load(S, "tests/compare/cells.pledge");
        ck_assert_int_eq(pledge_bind(R, "m", src("tests/compare/a.csv")), PLEDGE_OK);
        ck_assert_int_eq(pledge_bind(R, "sys", src("tests/compare/sys.csv")), PLEDGE_OK);
        ck_assert_msg(pledge_load_inputs(R, true) == PLEDGE_OK, "%s", pledge_error(S));
        pledge_report *rep = NULL;
        pledge_assess_options o = { .as_of = "2019-06-30", .hashes = i == 1 };
        ck_assert_msg(pledge_assess(R, &o, &rep) == PLEDGE_OK, "%s", pledge_error(S));
        ck_assert_msg(pledge_report_record(rep, names[i], NULL) == PLEDGE_OK, "%s", pledge_error(S));
        pledge_report_free(rep);
        pledge_round_free(R);
        pledge_free(S);
        FILE *f = fopen(names[i], "rb");
        ck_assert_ptr_nonnull(f);
        size_t len = 0;
        text[i] = calloc(1, 1 << 16);
        len = fread(text[i], 1, (1 << 16) - 1, f);
        fclose(f);
        ck_assert_uint_gt(len, 0);
        remove(names[i]);
    }
    has(text[0], "\"sha256\": \"");
    ck_assert_str_eq(text[0], text[1]);
    free(text[0]);
    free(text[1]);
}
END_TEST

START_TEST(compare_runs)
{
    pledge_state *S = new_state();
    record(S, "tests/compare/a.csv", "2019-06-30", "a.json");
    record(S, "tests/compare/b.csv", "2019-06-30", "b.json");
    Buf b;
    pledge_compare_options o = { .format = PLEDGE_FORMAT_CSV };
    ck_assert_msg(pledge_compare(S, "a.json", "b.json", &o, buf_open(&b)) == PLEDGE_OK, "%s", pledge_error(S));
    ck_assert_str_eq(buf_done(&b),
        "system,item,kind,status_a,value_a,status_b,value_b,causes,status_flipped_by,as_of_how,share_data:m\n"
        "S01,c_share,commitment,met,0.96,met,0.865384615384615,data:m,,,-0.094615384615385\n"
        "S02,c_share,commitment,met,0.8,missed,0.65,data:m,data:m,,-0.15\n"
        "S03,c_share,commitment,missed,0.5,missed,0.571428571428571,data:m,,,+0.071428571428571\n");
    free(b.text);
    o.format = PLEDGE_FORMAT_TEXT;
    ck_assert_int_eq(pledge_compare(S, "a.json", "b.json", &o, buf_open(&b)), PLEDGE_OK);
    has(buf_done(&b), "(cells revised 3, newly published 2, dropped 1)");
    free(b.text);
    /* the same run on both sides: nothing moved */
    o.format = PLEDGE_FORMAT_TEXT;
    ck_assert_int_eq(pledge_compare(S, "a.json", "a.json", &o, buf_open(&b)), PLEDGE_OK);
    has(buf_done(&b), "compare: 0 results moved");
    free(b.text);
    /* a manifest that is not there: an error naming it, nothing written */
    ck_assert_int_ne(pledge_compare(S, "a.json", "none.json", &o, buf_open(&b)), PLEDGE_OK);
    ck_assert_str_eq(buf_done(&b), "");
    free(b.text);
    has(pledge_error(S), "none.json");
    pledge_free(S);
}
END_TEST

int main(void)
{
    const char *s = getenv("SRCDIR");
    int n = snprintf(srcdir, sizeof srcdir, "%s", s ? s : ".");
    if (n > 0 && srcdir[0] != '/') {
        char cwd[2048];
        if (!getcwd(cwd, sizeof cwd)) return 99;
        n = snprintf(srcdir, sizeof srcdir, "%s/%s", cwd, s ? s : ".");
    }
    if (n <= 0 || (size_t)n >= sizeof srcdir) return 99;
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/pledge-tools.XXXXXX", t && strlen(t) < 40 ? t : "/tmp");
    if (!mkdtemp(tmpdir) || chdir(tmpdir) != 0) return 99;
    Suite *su = suite_create("tools");
    TCase *tc = tcase_create("tools");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, diff_declarations);
    tcase_add_test(tc, diff_with_data);
    tcase_add_test(tc, compare_runs);
    tcase_add_test(tc, record_digests);
    suite_add_tcase(su, tc);
    int rc = unit_run(su);
    remove("a.json");
    remove("b.json");
    if (chdir("/") != 0 || rmdir(tmpdir) != 0) rc = EXIT_FAILURE;
    return rc;
}
