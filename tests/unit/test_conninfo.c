/* test_conninfo.c: connection strings with their secrets hidden
 * (runtime/base/conninfo.c), every case from tests/unit/conninfo.cases. */
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "base/conninfo.h"
#include "base/mem.h"

/* Each case's expectations, checked as its next case starts or the file ends. */
typedef struct Case {
    int  line;
    bool source;
    char in[512], shown[512], connect[512], secret[8];
} Case;

static int checked;

static void check_case(const Case *c)
{
    if (!c->line) return;
    char *shown = c->source ? conninfo_hide_source(c->in, CONNINFO_MASK) : conninfo_hide(c->in, strlen(c->in), CONNINFO_MASK);
    char *connect = c->source ? conninfo_hide_source(c->in, CONNINFO_DROP)
                              : conninfo_hide(c->in, strlen(c->in), CONNINFO_DROP);
    ck_assert_msg(strcmp(shown, c->shown) == 0, "line %d: shown `%s`, expected `%s`", c->line, shown, c->shown);
    ck_assert_msg(strcmp(connect, c->connect) == 0, "line %d: connect `%s`, expected `%s`", c->line, connect,
                  c->connect);
    if (!c->source) {
        bool secret = conninfo_has_secret(c->in, strlen(c->in));
        ck_assert_msg(secret == (strcmp(c->secret, "yes") == 0), "line %d: secret %s, expected %s", c->line,
                      secret ? "yes" : "no", c->secret);
    }
    mem_free(shown);
    mem_free(connect);
    checked++;
}

START_TEST(test_cases)
{
    const char *srcdir = getenv("SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/conninfo.cases", srcdir ? srcdir : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    char line[1024];
    Case c = { 0 };
    for (int at = 1; fgets(line, sizeof line, f); at++) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        size_t k = strcspn(line, " \t");
        const char *text = line + k + strspn(line + k, " \t");
        line[k] = '\0';
        char *into = NULL;
        if (strcmp(line, "conninfo") == 0 || strcmp(line, "source") == 0) {
            check_case(&c);
            c = (Case){ at, strcmp(line, "source") == 0, "", "", "", "no" };
            into = c.in;
        } else if (strcmp(line, "shown") == 0) into = c.shown;
        else if (strcmp(line, "connect") == 0) into = c.connect;
        else if (strcmp(line, "secret") == 0) into = c.secret;
        ck_assert_msg(into && c.line, "%s:%d: unknown key `%s`", path, at, line);
        snprintf(into, into == c.secret ? sizeof c.secret : sizeof c.in, "%s", text);
    }
    check_case(&c);
    fclose(f);
    ck_assert_int_ge(checked, 20);
}
END_TEST

/* No text makes it read past its end: every prefix of a hostile string. */
START_TEST(test_prefixes)
{
    static const char *const texts[] = {
        "host=db password='a \\' b' dbname='host=x password=y'",
        "postgresql://u:p@h/d?password=x&sslpassword",
        "password", "password=", "password= ", "'", "\\", "dbname='", "postgres://@?&=%", "dbname=postgres://:@",
    };
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
        for (size_t n = 0; n <= strlen(texts[t]); n++) {
            char *copy = mem_strndup(texts[t], n);       /* exactly n bytes, so a read past shows under ASan */
            char *shown = conninfo_hide(copy, n, CONNINFO_MASK), *connect = conninfo_hide(copy, n, CONNINFO_DROP);
            ck_assert_uint_le(strlen(shown), 2 * n + 15);
            mem_free(shown);
            mem_free(connect);
            mem_free(copy);
        }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conninfo");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_cases);
    tcase_add_test(tc, test_prefixes);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
