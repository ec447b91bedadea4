/* test_lexer.c: the lexer's tokens and literal values (spec §2). */
#include "lang/front.h"
#include "lang/literal.h"
#include "lang/parser.h"
#include "lang/lexer.h"
#include "unit.h"
#include <stdlib.h>
#include <string.h>

/* Lexes `text` and returns its tokens (up to 16), with their values. */
typedef struct Lexed {
    int      tokens[16];
    PLSTYPE  values[16];
    Span     spans[16];
    int      n, errors;
    Arena    arena;
    Diags    diags;
    Source  *src;
    Module   mod;
} Lexed;

static void lex(Lexed *l, const char *text)
{
    memset(l, 0, sizeof *l);
    l->src = source_from_memory("t.pledge", text, strlen(text));
    l->mod.src = l->src;
    ParseCtx ctx = { .arena = &l->arena, .diags = &l->diags, .mod = &l->mod, .line = 1, .col = 1 };
    yyscan_t scanner;
    ck_assert_int_eq(pllex_init_extra(&ctx, &scanner), 0);
    YY_BUFFER_STATE buf = pl_scan_bytes(text, (int)strlen(text), scanner);
    for (;;) {
        PLSTYPE v;
        Span s;
        int t = pllex(&v, &s, scanner);
        if (t == 0 || l->n == 16) break;
        l->values[l->n] = v;
        l->spans[l->n] = s;
        l->tokens[l->n++] = t;
    }
    pl_delete_buffer(buf, scanner);
    pllex_destroy(scanner);
    l->errors = l->diags.errors;
}

static void done(Lexed *l)
{
    diag_free(&l->diags);
    arena_free(&l->arena);
    source_free(l->src);
}

static Num N(int64_t n, int64_t d)
{
    Num x;
    ck_assert_int_eq(num_make(n, d, &x), NUM_OK);
    return x;
}

#define ck_assert_num_eq(a, b) ck_assert_msg(num_cmp((a), (b)) == 0, "%lld/%lld != %lld/%lld", \
    (long long)(a).n, (long long)(a).d, (long long)(b).n, (long long)(b).d)

START_TEST(numbers_and_percents)
{
    Lexed l;
    lex(&l, "42 3.25 1_000_000 95% 92.5% 0.5pp");
    ck_assert_int_eq(l.errors, 0);
    ck_assert_int_eq(l.n, 6);
    ck_assert_int_eq(l.tokens[0], NUMBER);
    ck_assert_num_eq(l.values[0].num, num_int(42));
    ck_assert_num_eq(l.values[1].num, N(13, 4));
    ck_assert_num_eq(l.values[2].num, num_int(1000000));
    ck_assert_int_eq(l.tokens[3], PERCENT);
    ck_assert_num_eq(l.values[3].num, N(19, 20));
    ck_assert_num_eq(l.values[4].num, N(37, 40));
    ck_assert_int_eq(l.tokens[5], PP);
    ck_assert_num_eq(l.values[5].num, N(1, 200));    /* a fraction, like a percent */
    done(&l);
}
END_TEST

START_TEST(money)
{
    Lexed l;
    lex(&l, "£0 £1.5m £350k £2bn GBP 1500 £0.10");
    ck_assert_int_eq(l.errors, 0);
    ck_assert_int_eq(l.n, 6);
    for (int i = 0; i < 6; i++) ck_assert_int_eq(l.tokens[i], MONEY);
    ck_assert_num_eq(l.values[0].num, num_int(0));
    ck_assert_num_eq(l.values[1].num, num_int(1500000));
    ck_assert_num_eq(l.values[2].num, num_int(350000));
    ck_assert_num_eq(l.values[3].num, num_int(2000000000));
    ck_assert_num_eq(l.values[4].num, num_int(1500));
    ck_assert_num_eq(l.values[5].num, N(1, 10));
    /* a column counts characters: £ is two bytes but one column */
    ck_assert_int_eq(l.spans[1].first_column, 4);
    ck_assert_int_eq(l.spans[1].last_column, 8);
    done(&l);
}
END_TEST

START_TEST(negative_money_is_minus_then_amount)
{
    Lexed l;
    lex(&l, "-£3m");
    ck_assert_int_eq(l.n, 2);
    ck_assert_int_eq(l.tokens[0], '-');
    ck_assert_int_eq(l.tokens[1], MONEY);
    ck_assert_num_eq(l.values[1].num, num_int(3000000));
    done(&l);
}
END_TEST

START_TEST(periods)
{
    Lexed l;
    lex(&l, "2019-09-27 2019-09 2019/20 2019/20 Q1 2020/21\tQ4 2019/20 .. 2023/24");
    ck_assert_int_eq(l.errors, 0);
    ck_assert_int_eq(l.n, 8);
    ck_assert_int_eq(l.tokens[0], DATE);
    ck_assert_int_eq(l.values[0].period.index, cal_day(2019, 9, 27));
    ck_assert_int_eq(l.tokens[1], MONTH);
    ck_assert_int_eq(l.values[1].period.index, 2019 * 12 + 8);
    ck_assert_int_eq(l.tokens[2], FY);
    ck_assert_int_eq(l.values[2].period.index, 2019);
    ck_assert_int_eq(l.tokens[3], QUARTER);
    ck_assert_int_eq(period_first_day(l.values[3].period), cal_day(2019, 4, 1));
    ck_assert_int_eq(l.tokens[4], QUARTER);
    ck_assert_int_eq(period_last_day(l.values[4].period), cal_day(2021, 3, 31));
    ck_assert_int_eq(l.tokens[6], DOTDOT);
    done(&l);
}
END_TEST

START_TEST(durations)
{
    Lexed l;
    lex(&l, "6 weeks 42 days 1 week 0 days");
    ck_assert_int_eq(l.errors, 0);
    ck_assert_int_eq(l.tokens[0], DURATION);
    ck_assert_int_eq(l.values[0].days, 42);
    ck_assert_int_eq(l.values[1].days, 42);
    ck_assert_int_eq(l.values[2].days, 7);
    ck_assert_int_eq(l.values[3].days, 0);
    ck_assert_int_eq(l.n, 4);
    done(&l);
}
END_TEST

START_TEST(strings_and_escapes)
{
    Lexed l;
    lex(&l, "\"a\\\"b\\\\c\\nd\\te\" \"Guy\\u{2019}s & St Thomas\u2019 \u2013 Caf\u00e9\"");
    ck_assert_int_eq(l.errors, 0);
    ck_assert_int_eq(l.n, 2);
    ck_assert_int_eq(l.tokens[0], STRING);
    ck_assert_str_eq(l.values[0].str.s, "a\"b\\c\nd\te");
    ck_assert_str_eq(l.values[1].str.s, "Guy\u2019s & St Thomas\u2019 \u2013 Caf\u00e9");
    done(&l);
}
END_TEST

START_TEST(keywords_and_names)
{
    Lexed l;
    lex(&l, "round period type check_x true met");
    ck_assert_int_eq(l.tokens[0], ROUND);
    ck_assert_int_eq(l.tokens[1], IDENT);      /* period and type are not reserved */
    ck_assert_int_eq(l.tokens[2], IDENT);
    ck_assert_int_eq(l.tokens[3], IDENT);
    ck_assert_int_eq(l.tokens[4], BOOL);
    ck_assert(l.values[4].boolean);
    ck_assert_int_eq(l.tokens[5], IDENT);      /* statuses are names */
    done(&l);
}
END_TEST

START_TEST(comments_and_positions)
{
    Lexed l;
    lex(&l, "// line\n/* block\n  comment */ x /// doc\n  y");
    ck_assert_int_eq(l.errors, 0);
    ck_assert_int_eq(l.n, 2);
    ck_assert_int_eq(l.spans[0].first_line, 3);
    ck_assert_int_eq(l.spans[0].first_column, 14);
    ck_assert_int_eq(l.spans[1].first_line, 4);
    ck_assert_int_eq(l.spans[1].first_column, 3);
    ck_assert_int_eq(l.mod.docs.len, 1);
    ck_assert_str_eq(((DocComment *)l.mod.docs.items[0])->text, "doc");
    done(&l);
}
END_TEST

/* A malformed literal is reported once and still yields its token, so the
 * parser does not add errors of its own. */
START_TEST(malformed_literals_are_reported_and_kept)
{
    static const struct { const char *text; int token; } cases[] = {
        { "2019-02-30", DATE }, { "2019-13", MONTH }, { "2019/21", FY },
        { "2019/20 Q5", QUARTER }, { "£1.2x", MONEY }, { "1__0", NUMBER },
        { "12abc", NUMBER }, { "2019-9-1", DATE }, { "2019/2020", FY },
        { "99999999999999999999999999999999999999", NUMBER },
        /* a number is never followed by a name: these are durations gone wrong */
        { "2 dayz", DURATION }, { "2 months", DURATION },
        { "$1500", MONEY }, { "GBP 1.5x", MONEY }, { "\u2019Guy\u2019s\u2019", STRING },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Lexed l;
        lex(&l, cases[i].text);
        ck_assert_msg(l.errors == 1, "%s: %d errors", cases[i].text, l.errors);
        ck_assert_msg(l.n == 1 && l.tokens[0] == cases[i].token, "%s: wrong token", cases[i].text);
        done(&l);
    }
}
END_TEST

START_TEST(literal_messages)
{
    Arena a = { 0 };
    Period p;
    ck_assert_str_eq(lit_period(&a, GRAIN_DAY, "2019-02-30", 10, &p),
                     "invalid date `2019-02-30`: February 2019 has 28 days");
    ck_assert_str_eq(lit_period(&a, GRAIN_FY, "2019/21", 7, &p),
                     "invalid financial year `2019/21`: the year after 2019 is 2019/20");
    Num n;
    ck_assert_str_eq(lit_money(&a, "£1.2.3", strlen("£1.2.3"), &n), "malformed amount `£1.2.3`");
    char *out;
    size_t len, bad = 0;
    ck_assert_ptr_nonnull(lit_string(&a, "ab\\u{D800}", 10, &out, &len, &bad));
    ck_assert_int_eq(bad, 2);
    ck_assert_ptr_null(lit_string(&a, "\\u{1F600}", 9, &out, &len, &bad));
    ck_assert_int_eq(len, 4);
    ck_assert_str_eq(out, "\xF0\x9F\x98\x80");
    arena_free(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("tokens");
    tcase_add_test(tc, numbers_and_percents);
    tcase_add_test(tc, money);
    tcase_add_test(tc, negative_money_is_minus_then_amount);
    tcase_add_test(tc, periods);
    tcase_add_test(tc, durations);
    tcase_add_test(tc, strings_and_escapes);
    tcase_add_test(tc, keywords_and_names);
    tcase_add_test(tc, comments_and_positions);
    tcase_add_test(tc, malformed_literals_are_reported_and_kept);
    tcase_add_test(tc, literal_messages);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
