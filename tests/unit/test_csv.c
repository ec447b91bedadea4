/* test_csv.c: the CSV reader (runtime/data/csv.c).
 *
 * Most tests read a small text whole and compare a dump of every record
 * with what it must be: "L:" the line the record starts on, then the fields
 * joined by '|', a quoted field in <...>, CR and LF inside a field shown as
 * \r and \n; an error ends the dump as "!message". */
#include "unit.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/csv.h"
#include "data/rows.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct { char *s; size_t len, cap; } Buf;

static void put(Buf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n + 1) {
        while (b->cap - b->len < n + 1)
            b->cap = b->cap ? b->cap * 2 : 256;
        b->s = realloc(b->s, b->cap);
        ck_assert_ptr_nonnull(b->s);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(Buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Every record left in r, as described at the top; r is not closed. */
static char *dump_reader(CsvReader *r)
{
    Buf b = { 0 };
    put(&b, "", 0);
    const CsvField *f;
    size_t n;
    CsvStatus st;
    while ((st = csv_next(r, &f, &n)) == CSV_RECORD) {
        char head[32];
        snprintf(head, sizeof head, "%llu:", (unsigned long long)csv_line(r));
        puts_(&b, head);
        for (size_t i = 0; i < n; i++) {
            if (i)
                puts_(&b, "|");
            if (f[i].quoted)
                puts_(&b, "<");
            for (size_t j = 0; j < f[i].len; j++) {
                char c = f[i].ptr[j];
                if (c == '\n')
                    puts_(&b, "\\n");
                else if (c == '\r')
                    puts_(&b, "\\r");
                else
                    put(&b, &c, 1);
            }
            if (f[i].quoted)
                puts_(&b, ">");
        }
        puts_(&b, "\n");
    }
    if (st == CSV_ERROR) {
        puts_(&b, "!");
        puts_(&b, csv_error(r));
    } else {
        ck_assert_str_eq(csv_error(r), "");
    }
    return b.s;
}

/* main runs the suite twice: with the fast reader for plain records, and
 * with every record read by the general one (PLEDGE_CSV_GENERAL, read when
 * a reader is opened). The fast reader indexes the data with AVX2 where the
 * CPU has it, else with SSE2 (PLEDGE_CSV_NO_AVX2 forces that): dump_n and
 * the file tests read each way. */
typedef enum { READ_FAST, READ_FAST_SSE2, READ_GENERAL, READ_WAYS } ReadWay;
static const char *const way_name[READ_WAYS] = { "fast", "fast (SSE2)", "general" };
static bool general_run;

static void use_way(ReadWay way)
{
    if (way == READ_GENERAL)
        setenv("PLEDGE_CSV_GENERAL", "1", 1);
    else
        unsetenv("PLEDGE_CSV_GENERAL");
    if (way == READ_FAST_SSE2)
        setenv("PLEDGE_CSV_NO_AVX2", "1", 1);
    else
        unsetenv("PLEDGE_CSV_NO_AVX2");
}

static void use_general(bool on)
{
    use_way(on ? READ_GENERAL : READ_FAST);
}

/* The dump of a text, which must be the same read every way. */
static char *dump_n(const char *data, size_t len)
{
    char *s[READ_WAYS];
    for (int way = 0; way < READ_WAYS; way++) {
        use_way((ReadWay)way);
        CsvReader *r = csv_open_memory(data, len, "test");
        s[way] = dump_reader(r);
        csv_close(r);
    }
    use_general(general_run);
    for (int way = 0; way < READ_GENERAL; way++)
        ck_assert_msg(strcmp(s[way], s[READ_GENERAL]) == 0, "%s:\n%s\ngeneral:\n%s", way_name[way], s[way],
                      s[READ_GENERAL]);
    for (int way = 1; way < READ_WAYS; way++)
        free(s[way]);
    return s[0];
}

#define ck_dump(text, want) do { \
        static const char t_[] = text; \
        char *got_ = dump_n(t_, sizeof t_ - 1); \
        ck_assert_str_eq(got_, (want)); \
        free(got_); \
    } while (0)

/* Where the test data lives (the build may be outside the source tree). */
static char *data_path(const char *file)
{
    const char *dir = getenv("SRCDIR");
    if (!dir || !*dir)
        dir = ".";
    size_t n = strlen(dir) + strlen(file) + 32;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "%s/examples/data/nhs/%s", dir, file);
    return p;
}

static CsvReader *open_data(const char *file)
{
    char *path = data_path(file);
    char why[256] = "";
    CsvReader *r = csv_open_file(path, why, sizeof why);
    ck_assert_msg(r != NULL, "%s: %s", path, why);
    free(path);
    return r;
}

static uint64_t lines_before(const char *d, size_t at)
{
    uint64_t n = 1;
    for (size_t i = 0; i < at; i++)
        n += d[i] == '\n';
    return n;
}

/* The dump of r's data read as two slices split at `at`. */
static char *dump_split(CsvReader *whole, size_t at, bool *clean)
{
    size_t len;
    const char *d = csv_data(whole, &len);
    CsvReader *a = csv_open_slice(whole, 0, at, 1);
    CsvReader *b = csv_open_slice(whole, at, len, lines_before(d, at));
    char *sa = dump_reader(a), *sb = dump_reader(b);
    *clean = csv_ended_outside_quotes(a) && csv_ended_outside_quotes(b);
    csv_close(a);
    csv_close(b);
    Buf out = { 0 };
    puts_(&out, sa);
    puts_(&out, sb);
    free(sa);
    free(sb);
    return out.s;
}

/* ---- the format --------------------------------------------------------- */

START_TEST(plain)
{
    ck_dump("a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n");
    ck_dump("a", "1:a\n");
    ck_dump(",", "1:|\n");
    ck_dump("a,b,\n", "1:a|b|\n");
    ck_dump("a,,b\n", "1:a||b\n");
    ck_dump("", "");
}
END_TEST

START_TEST(quotes)
{
    ck_dump("\"a\",\"b c\",\"\"\n", "1:<a>|<b c>|<>\n");
    ck_dump("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n", "1:<a,b>|<say \"hi\">|<\">\n");
    ck_dump("\"\"\"\"\"\"", "1:<\"\">\n");
    ck_dump("\"x\ny\",z\nnext\n", "1:<x\\ny>|z\n3:next\n");
    ck_dump("\"x\r\ny\",\"\r\",\",\"\r\n", "1:<x\\r\\ny>|<\\r>|<,>\n");
    /* "" alone is a record of one empty quoted field, not a blank line. */
    ck_dump("a\n\"\"\nb\n", "1:a\n2:<>\n3:b\n");
    ck_dump("\"\"", "1:<>\n");
    /* A quoted last field at the very end, with and without a line end. */
    ck_dump("a,\"b\"", "1:a|<b>\n");
    ck_dump("a,\"b\"\r", "1:a|<b>\n");
}
END_TEST

START_TEST(line_ends)
{
    ck_dump("a,b\r\nc,d\r\n", "1:a|b\n2:c|d\n");
    ck_dump("a,b\nc,d\r\ne,f\n", "1:a|b\n2:c|d\n3:e|f\n");
    ck_dump("a,b\r\nc,d", "1:a|b\n2:c|d\n");
    /* A CR that is the last byte ends the record like CRLF... */
    ck_dump("a,b\r", "1:a|b\n");
    ck_dump("a,b\nc\r", "1:a|b\n2:c\n");
    /* ...but elsewhere, outside quotes, it is a byte of its field. */
    ck_dump("a\rb,c\n", "1:a\\rb|c\n");
    ck_dump("a,b\r\r\n", "1:a|b\\r\n");
}
END_TEST

START_TEST(bom)
{
    static const char t[] = "\xEF\xBB\xBFid,name\n1,x\n";
    CsvReader *r = csv_open_memory(t, sizeof t - 1, "bom");
    size_t len;
    const char *d = csv_data(r, &len);
    ck_assert_ptr_eq(d, t + 3);
    ck_assert_uint_eq(len, sizeof t - 4);
    char *s = dump_reader(r);
    ck_assert_str_eq(s, "1:id|name\n2:1|x\n");
    free(s);
    csv_close(r);

    ck_dump("\xEF\xBB\xBF", "");
    ck_dump("\xEF\xBB\xBF\"q\"", "1:<q>\n");
    /* Only at the very start: elsewhere it is data. */
    ck_dump("a\n\xEF\xBB\xBF" "b\n", "1:a\n2:\xEF\xBB\xBF" "b\n");
    ck_dump(" \xEF\xBB\xBF" "a", "1:\xEF\xBB\xBF" "a\n");
}
END_TEST

START_TEST(spaces)
{
    ck_dump("a, b ,\"c\" \n", "1:a|b|<c>\n");
    ck_dump("\t a\t,  \"b\"\t , c  d \n", "1:a|<b>|c  d\n");
    ck_dump("\" x \", \" y\"\n", "1:< x >|< y>\n");
    ck_dump("a,   \n", "1:a|\n");
    ck_dump("a,   ", "1:a|\n");
    ck_dump("a , b \r\n", "1:a|b\n");
    ck_dump("\"a\" \r\n\"b\"\t", "1:<a>\n2:<b>\n");
}
END_TEST

START_TEST(blank_lines)
{
    ck_dump("\n\na\n\n\nb\n\n", "3:a\n6:b\n");
    ck_dump("\r\n\r\na\r\n\r\n", "3:a\n");
    /* Only spaces and tabs counts as blank too. */
    ck_dump("a\n   \n\t\nb\n \t \r\nc\n  ", "1:a\n4:b\n6:c\n");
    ck_dump("  \n", "");
    ck_dump("\n", "");
    ck_dump("\r", "");
}
END_TEST

START_TEST(header_only)
{
    ck_dump("period,org_code\n", "1:period|org_code\n");
    ck_dump("period,org_code", "1:period|org_code\n");
    ck_dump("period,org_code\r\n", "1:period|org_code\n");
}
END_TEST

START_TEST(final_line_end)
{
    ck_dump("a\nb", "1:a\n2:b\n");
    ck_dump("a\r\nb\r\n", "1:a\n2:b\n");
    ck_dump("a\r\nb\r\n\r\n", "1:a\n2:b\n");
    ck_dump("a\nb,", "1:a\n2:b|\n");
}
END_TEST

START_TEST(bytes_through)
{
    /* Invalid UTF-8 is the caller's to judge: it comes through as is. */
    ck_dump("\xFF\xFE,\"\xC3\x28\"\n\xE9t\xE9\n", "1:\xFF\xFE|<\xC3\x28>\n2:\xE9t\xE9\n");
    ck_dump("caf\xC3\xA9,\"na\xC3\xAFve\"\n", "1:caf\xC3\xA9|<na\xC3\xAFve>\n");
}
END_TEST

/* The fast reader hands what it does not handle to the general one, for
 * that record only: plain records around quoted, CR, blank-edged, escaped
 * and multi-line ones read the same (dump_n checks both ways agree). */
START_TEST(fast_and_general_mixed)
{
    ck_dump("h1,h2,h3\n"
            "a,b,c\n"
            "\"q\",\"r s\",1\n"
            "d, e ,f\n"                    /* blanks to trim */
            "g,h,i\r\n"                    /* CRLF */
            "\"x\"\"y\",z,\"\"\n"            /* a doubled quote */
            "\"two\nlines\",k,l\n"          /* a LF in quotes */
            "m\rn,o,p\n"                   /* a CR inside a field */
            "\"t\" ,u,v\n"                  /* a blank after the closing quote */
            "\tw,x,y\n"                    /* a tab before */
            "1,,\n"
            ",,\"\"\n"
            "last,\"one\",here",
            "1:h1|h2|h3\n2:a|b|c\n3:<q>|<r s>|1\n4:d|e|f\n5:g|h|i\n6:<x\"y>|z|<>\n"
            "7:<two\\nlines>|k|l\n9:m\\rn|o|p\n10:<t>|u|v\n11:w|x|y\n12:1||\n13:||<>\n"
            "14:last|<one>|here\n");
    /* errors after plain records: the same line and field */
    ck_dump("a,b\nc,d\ne,f\"g\n", "1:a|b\n2:c|d\n!line 3: a quote inside an unquoted field (field 2)");
    ck_dump("a,b\n\"c\",\"d\"e\n", "1:a|b\n!line 2: unexpected `e` after the closing quote of field 2");
    ck_dump("a,b\n\"c\",\"d\n", "1:a|b\n!line 2: unterminated quoted field (it starts at line 2)");
    ck_dump("a,b\nc,\x00\n", "1:a|b\n!line 2: a NUL byte in field 2");
    ck_dump("a,b\n\"c\x00\",d\n", "1:a|b\n!line 2: a NUL byte in field 1");
}
END_TEST

START_TEST(fast_at_the_end)
{
    /* the last record without a line end, in each form */
    ck_dump("a,b\nc,d", "1:a|b\n2:c|d\n");
    ck_dump("a,b\nc,", "1:a|b\n2:c|\n");
    ck_dump("a,b\n\"c\",\"d\"", "1:a|b\n2:<c>|<d>\n");
    ck_dump("a,b\n\"c\",", "1:a|b\n2:<c>|\n");
    ck_dump("a,b\nc,d ", "1:a|b\n2:c|d\n");
    ck_dump("a,b\nc,d\r", "1:a|b\n2:c|d\n");
    ck_dump("a,b\n\"c", "1:a|b\n!line 2: unterminated quoted field (it starts at line 2)");
    ck_dump("a,b\n\"", "1:a|b\n!line 2: unterminated quoted field (it starts at line 2)");
    ck_dump("a,\"b\"\n\n\n", "1:a|<b>\n");
    ck_dump("\"\"", "1:<>\n");
    ck_dump("\"a\"", "1:<a>\n");
}
END_TEST

/* Small texts of the bytes that matter, made at random (a fixed seed):
 * both readers give the same records and the same errors. */
START_TEST(fast_agrees_at_random)
{
    static const char alphabet[] = { 'a', 'b', '1', ' ', '\t', ',', ',', '"', '"', '\n', '\n', '\r', '\0', (char)0xC3 };
    uint32_t seed = 17;
    char t[48];
    for (int k = 0; k < 200000; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof t;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = alphabet[(seed >> 16) % sizeof alphabet];
        }
        free(dump_n(t, n));
    }
}
END_TEST

/* Longer texts, mostly of plain bytes, so records run across the fast
 * reader's 64-byte blocks (and quotes, blanks and line ends fall at every
 * place in them): every way reads them alike. */
START_TEST(fast_agrees_at_random_across_blocks)
{
    static const char alphabet[] = { 'a', 'b', '1', '2', 'x', 'y', 'z', 'w', ',', ',', ',', '"', '"', '"',
                                     '\n', '\n', ' ', '\t', '\r', (char)0xC3, 'q', 'r' };
    uint32_t seed = 1717;
    char t[400];
    for (int k = 0; k < 20000; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof t;
        /* a run of a few kinds of byte, so whole plain or quoted records come up */
        seed = seed * 1103515245u + 12345u;
        size_t kinds = 6 + (seed >> 16) % (sizeof alphabet - 6);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = alphabet[(seed >> 16) % kinds];
        }
        free(dump_n(t, n));
    }
}
END_TEST

/* A record after a line of `at` bytes (so at every place against the fast
 * reader's blocks, which start where it starts reading: a record that
 * ends exactly at a block's end, fields across its end, a record longer
 * than a block); want is its dump, as if the record started on line 2. */
static void check_after(size_t at, const char *rec, const char *want)
{
    Buf t = { 0 }, w = { 0 };
    for (size_t i = 0; i + 1 < at; i++)
        put(&t, "x", 1);
    puts_(&w, "1:");
    puts_(&w, t.s ? t.s : "");
    puts_(&w, "\n");
    puts_(&t, "\n");
    puts_(&t, rec);
    puts_(&w, want);
    char *got = dump_n(t.s, t.len);
    ck_assert_msg(strcmp(got, w.s) == 0, "after %zu bytes:\n%s\nwant:\n%s", at, got, w.s);
    free(got);
    free(t.s);
    free(w.s);
}

START_TEST(fast_across_blocks)
{
    static const char long_a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    static const char long_b[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    char rec[1024], want[1024];
    snprintf(rec, sizeof rec, "%s,\"%s\",\"%s, %s\"\nc,d\n", long_a, long_b, long_b, long_a);
    snprintf(want, sizeof want, "2:%s|<%s>|<%s, %s>\n3:c|d\n", long_a, long_b, long_b, long_a);
    for (size_t at = 2; at <= 140; at++) {
        /* the bench's records, and quoted fields with commas inside */
        check_after(at, "\"2016-04-01\",\"P00000\",\"1\",12706,1553,3176\n\"2016-04-01\",\"P00000\",\"2\",3908,88,977\n",
                    "2:<2016-04-01>|<P00000>|<1>|12706|1553|3176\n3:<2016-04-01>|<P00000>|<2>|3908|88|977\n");
        check_after(at, "\"System 1, England\",E54000001,\"a,b,,c\"\n", "2:<System 1, England>|E54000001|<a,b,,c>\n");
        /* records longer than a block, a field longer than one */
        check_after(at, rec, want);
        /* records the general reader reads, among plain ones in one block */
        check_after(at, "a,b\n\"x\"\"y\",c\nd, e\nf,g\n", "2:a|b\n3:<x\"y>|c\n4:d|e\n5:f|g\n");
        check_after(at, "\"two\nlines\",x\ny,z\n", "2:<two\\nlines>|x\n4:y|z\n");
        check_after(at, "a,b\r\nc,d\r\ne\rf,g\n", "2:a|b\n3:c|d\n4:e\\rf|g\n");
        /* CRLF line ends, which the fast reader takes (after any kind of
         * last field), and CRs it leaves to the general reader */
        check_after(at, "\"a\",b\r\nc,\"d\"\r\ne,\r\n\"\"\r\nf,g\n",
                    "2:<a>|b\n3:c|<d>\n4:e|\n5:<>\n6:f|g\n");
        check_after(at, "a \r\n\"b\" \r\nc\r\r\n\"d\re\",f\r\n", "2:a\n3:<b>\n4:c\\r\n5:<d\\re>|f\n");
        check_after(at, "a ,b\n\tc,d\n\"e\" ,f\ng, \"h\"\n", "2:a|b\n3:c|d\n4:<e>|f\n5:g|<h>\n");
        check_after(at, "a,b\n\n  \nc,d\n", "2:a|b\n5:c|d\n");
        check_after(at, ",,\n\"\",\"\"\n,\n", "2:||\n3:<>|<>\n4:|\n");
        /* the data's end inside a block, without a line end */
        check_after(at, "a,\"b\",c", "2:a|<b>|c\n");
        check_after(at, "a,b,", "2:a|b|\n");
        check_after(at, "\"a\"", "2:<a>\n");
        check_after(at, "a,b\r", "2:a|b\n");
        /* errors: the same line and field */
        check_after(at, "a,b\nc,d\"e\n", "2:a|b\n!line 3: a quote inside an unquoted field (field 2)");
        check_after(at, "\"a\"b,c\n", "!line 2: unexpected `b` after the closing quote of field 1");
        check_after(at, "\"a\"\rb,c\n", "!line 2: unexpected `\\r` after the closing quote of field 1");
        check_after(at, "a,\"b\nc\n", "!line 3: unterminated quoted field (it starts at line 2)");
    }
}
END_TEST

/* A mapped file whose size is a whole number of pages, ending inside a
 * record in each way one can: nothing is read past the mapping (which
 * would fault), and every way reads it as the general reader reads the
 * same bytes in memory. */
START_TEST(fast_at_a_page_end)
{
    static const char *endings[] = { "a,b", "a,\"b", "a,\"b\"", "a,b,", "a,\"b\"\"", "a, b ", "\"a,b\"\"c\"", "a,b\r" };
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const char *dir = getenv("TMPDIR");
    for (size_t pages = 1; pages <= 2; pages++)
        for (size_t e = 0; e < sizeof endings / sizeof *endings; e++) {
            size_t size = pages * page, tail = strlen(endings[e]);
            char *t = malloc(size);
            ck_assert_ptr_nonnull(t);
            size_t n = 0;
            while (n + 30 + tail < size) {
                memcpy(t + n, "\"2016-04-01\",P1,\"x\",12,3,4\n", 27);
                n += 27;
            }
            memset(t + n, 'y', size - tail - n - 1);    /* one last record to fill the page */
            t[size - tail - 1] = '\n';
            memcpy(t + size - tail, endings[e], tail);

            char *want = dump_n(t, size);
            char path[4096];
            snprintf(path, sizeof path, "%s/test_csv_XXXXXX", dir && *dir ? dir : "/tmp");
            int fd = mkstemp(path);
            ck_assert_int_ge(fd, 0);
            ck_assert(write(fd, t, size) == (ssize_t)size);
            close(fd);
            for (int way = 0; way < READ_WAYS; way++) {
                use_way((ReadWay)way);
                char why[128] = "";
                CsvReader *r = csv_open_file(path, why, sizeof why);
                ck_assert_msg(r != NULL, "%s", why);
                char *got = dump_reader(r);
                ck_assert_msg(strcmp(got, want) == 0, "%s, ending %zu", way_name[way], e);
                free(got);
                csv_close(r);
            }
            use_general(general_run);
            unlink(path);
            free(want);
            free(t);
        }
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(errors)
{
    ck_dump("a\n\"open\n", "1:a\n!line 2: unterminated quoted field (it starts at line 2)");
    ck_dump("a\n\"open\nmore\nmore", "1:a\n!line 4: unterminated quoted field (it starts at line 2)");
    ck_dump("a\n\"open\nmore\r\n", "1:a\n!line 3: unterminated quoted field (it starts at line 2)");
    ck_dump("x,\"", "!line 1: unterminated quoted field (it starts at line 1)");
    ck_dump("\"a\"\"", "!line 1: unterminated quoted field (it starts at line 1)");
    ck_dump("\"a\",\"b\nc\",\"d", "!line 2: unterminated quoted field (it starts at line 2)");

    ck_dump("a,b\n\"x\"y,z\n", "1:a|b\n!line 2: unexpected `y` after the closing quote of field 1");
    ck_dump("a,\"x\" \"y\"", "!line 1: unexpected `\"` after the closing quote of field 2");
    ck_dump("\"a\nb\"c", "!line 2: unexpected `c` after the closing quote of field 1");
    ck_dump("\"a\"\rb", "!line 1: unexpected `\\r` after the closing quote of field 1");
    ck_dump("\"a\"\xC3\xA9", "!line 1: unexpected `\xC3\xA9` after the closing quote of field 1");
    ck_dump("\"a\"\xE2\x82\xAC", "!line 1: unexpected `\xE2\x82\xAC` after the closing quote of field 1");
    ck_dump("\"a\"\xF0\x9F\x98\x80", "!line 1: unexpected `\xF0\x9F\x98\x80` after the closing quote of field 1");
    ck_dump("\"a\"\xC3", "!line 1: unexpected `\\xC3` after the closing quote of field 1");
    ck_dump("\"a\"\xFF", "!line 1: unexpected `\\xFF` after the closing quote of field 1");
    ck_dump("\"a\"\xED\xA0\x80", "!line 1: unexpected `\\xED` after the closing quote of field 1");
    ck_dump("\"a\"\x01", "!line 1: unexpected `\\x01` after the closing quote of field 1");

    ck_dump("a,b\"c\n", "!line 1: a quote inside an unquoted field (field 2)");
    ck_dump("x\ny,z,w\"\n", "1:x\n!line 2: a quote inside an unquoted field (field 3)");
    ck_dump("a \"b\"", "!line 1: a quote inside an unquoted field (field 1)");
    ck_dump("\"q\nq\",a\"", "!line 2: a quote inside an unquoted field (field 2)");
}
END_TEST

START_TEST(nul_bytes)
{
    ck_dump("a,b\x00" "c\n", "!line 1: a NUL byte in field 2");
    ck_dump("a\n\x00\n", "1:a\n!line 2: a NUL byte in field 1");
    ck_dump("a,\"b\n\x00\"\n", "!line 2: a NUL byte in field 2");
    ck_dump("\"b\"\x00", "!line 1: a NUL byte in field 1");
    ck_dump("a,b,\x00", "!line 1: a NUL byte in field 3");
}
END_TEST

START_TEST(errors_stick)
{
    static const char t[] = "a\n\"b\"c\nd\n";
    CsvReader *r = csv_open_memory(t, sizeof t - 1, "sticky.csv");
    const CsvField *f;
    size_t n = 99;
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_ERROR);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_ERROR);
    ck_assert_str_eq(csv_error(r), "line 2: unexpected `c` after the closing quote of field 1");
    ck_assert_str_eq(csv_name(r), "sticky.csv");
    ck_assert(!csv_ended_outside_quotes(r));
    csv_close(r);

    r = csv_open_memory("x", 1, NULL);
    ck_assert_str_eq(csv_name(r), "");
    ck_assert(!csv_ended_outside_quotes(r));
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_END);
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_END);
    ck_assert(csv_ended_outside_quotes(r));
    csv_close(r);
}
END_TEST

/* ---- positions ---------------------------------------------------------- */

START_TEST(lines_and_offsets)
{
    static const char t[] = "h1,h2\r\n\"multi\r\nline\nfield\",x\n\nafter,\"a\"\"b\"\nlast";
    CsvReader *r = csv_open_memory(t, sizeof t - 1, "pos");
    const CsvField *f;
    size_t n;
    static const struct { uint64_t line; size_t off; } want[] = {
        { 1, 0 }, { 2, 7 }, { 6, 30 }, { 7, 43 },
    };
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
        ck_assert_uint_eq(csv_line(r), want[i].line);
        ck_assert_uint_eq(csv_offset(r), want[i].off);
    }
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_END);
    ck_assert_uint_eq(csv_offset(r), sizeof t - 1);
    csv_close(r);
}
END_TEST

/* Two escaped fields in one record while the scratch buffer grows: the
 * first must still be right after the second has moved the buffer. */
START_TEST(scratch_moves)
{
    size_t big = 1000000;
    char *t = malloc(big + big / 1000 + 64);
    ck_assert_ptr_nonnull(t);
    size_t n = 0;
    n += (size_t)sprintf(t + n, "\"a\"\"b\",\"");
    for (size_t i = 0; i < big; i++) {
        if (i % 1000 == 0) {
            t[n++] = '"';  /* doubled: one quote of text */
            t[n++] = '"';
        } else {
            t[n++] = 'y';
        }
    }
    n += (size_t)sprintf(t + n, "\",\"c\"\"\"\n");
    CsvReader *r = csv_open_memory(t, n, "scratch");
    const CsvField *f;
    size_t nf;
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_RECORD);
    ck_assert_uint_eq(nf, 3);
    ck_assert_uint_eq(f[0].len, 3);
    ck_assert(memcmp(f[0].ptr, "a\"b", 3) == 0);
    ck_assert_uint_eq(f[1].len, big);
    for (size_t i = 0; i < big; i++)
        ck_assert_int_eq(f[1].ptr[i], i % 1000 == 0 ? '"' : 'y');
    ck_assert_uint_eq(f[2].len, 2);
    ck_assert(memcmp(f[2].ptr, "c\"", 2) == 0);
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_END);
    csv_close(r);
    free(t);
}
END_TEST

START_TEST(huge_fields)
{
    const size_t big = 10u << 20;
    char *t = malloc(2 * big + 64);
    ck_assert_ptr_nonnull(t);
    const CsvField *f;
    size_t nf;

    /* Unquoted and plainly quoted: they point into the data. */
    size_t n = 0;
    memset(t, 'u', big);
    n = big;
    memcpy(t + n, ",\"", 2);
    n += 2;
    memset(t + n, 'q', big);
    n += big;
    memcpy(t + n, "\"\nz", 3);
    n += 3;
    CsvReader *r = csv_open_memory(t, n, "big");
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_RECORD);
    ck_assert_uint_eq(nf, 2);
    ck_assert_ptr_eq(f[0].ptr, t);
    ck_assert_uint_eq(f[0].len, big);
    ck_assert(!f[0].quoted);
    ck_assert_ptr_eq(f[1].ptr, t + big + 2);
    ck_assert_uint_eq(f[1].len, big);
    ck_assert(f[1].quoted);
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_RECORD);
    ck_assert_uint_eq(csv_line(r), 2);
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_END);
    csv_close(r);

    /* Quoted with doubled quotes: unescaped into the scratch buffer. */
    n = 0;
    t[n++] = '"';
    for (size_t i = 0; i < big; i++) {
        t[n++] = (char)('a' + i % 26);
        if (i % 4096 == 4095) {
            t[n++] = '"';
            t[n++] = '"';
        }
    }
    t[n++] = '"';
    r = csv_open_memory(t, n, "big");
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_RECORD);
    ck_assert_uint_eq(nf, 1);
    ck_assert_uint_eq(f[0].len, big + big / 4096);
    size_t k = 0;
    for (size_t i = 0; i < big; i++) {
        if (f[0].ptr[k++] != (char)('a' + i % 26))
            ck_abort_msg("byte %zu", k - 1);
        if (i % 4096 == 4095 && f[0].ptr[k++] != '"')
            ck_abort_msg("quote at %zu", k - 1);
    }
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_END);
    csv_close(r);
    free(t);
}
END_TEST

START_TEST(many_fields)
{
    /* More fields than the first array holds; the array is reused. */
    Buf b = { 0 };
    for (int i = 0; i < 1000; i++) {
        char s[16];
        snprintf(s, sizeof s, i ? ",%d" : "%d", i);
        puts_(&b, s);
    }
    puts_(&b, "\nx,y\n");
    CsvReader *r = csv_open_memory(b.s, b.len, "wide");
    const CsvField *f;
    size_t nf;
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_RECORD);
    ck_assert_uint_eq(nf, 1000);
    ck_assert_uint_eq(f[999].len, 3);
    ck_assert(memcmp(f[999].ptr, "999", 3) == 0);
    ck_assert_int_eq(csv_next(r, &f, &nf), CSV_RECORD);
    ck_assert_uint_eq(nf, 2);
    csv_close(r);
    free(b.s);
}
END_TEST

/* ---- slices ------------------------------------------------------------- */

static const char sliced[] =
    "\xEF\xBB\xBF" "code,name,n\r\n"
    "RF4,\"Barking, Havering\",1\r\n"
    "\n"
    "  \r\n"
    "RQ3, \"say \"\"x\"\"\" ,2\n"
    "R1H,,\n"
    "\"\",\"\",\"\"\n"
    "RA4,last,9";

START_TEST(slices_every_split)
{
    CsvReader *whole = csv_open_memory(sliced, sizeof sliced - 1, "sliced");
    char *want = dump_reader(whole);
    ck_assert_str_eq(want,
        "1:code|name|n\n2:RF4|<Barking, Havering>|1\n5:RQ3|<say \"x\">|2\n6:R1H||\n"
        "7:<>|<>|<>\n8:RA4|last|9\n");
    size_t len;
    csv_data(whole, &len);
    for (size_t at = 0; at <= len; at++) {
        size_t split = csv_next_record_start(whole, at);
        ck_assert_uint_le(split, len);
        bool clean;
        char *got = dump_split(whole, split, &clean);
        ck_assert_msg(strcmp(got, want) == 0, "split at %zu (from %zu):\n%s", split, at, got);
        ck_assert_msg(clean, "split at %zu", split);
        free(got);
    }
    free(want);
    csv_close(whole);
}
END_TEST

START_TEST(slices_three_ways)
{
    CsvReader *whole = csv_open_memory(sliced, sizeof sliced - 1, "sliced");
    char *want = dump_reader(whole);
    size_t len;
    const char *d = csv_data(whole, &len);
    for (size_t i = 0; i <= len; i++) {
        for (size_t j = i; j <= len; j++) {
            size_t s1 = csv_next_record_start(whole, i), s2 = csv_next_record_start(whole, j);
            CsvReader *p[3] = {
                csv_open_slice(whole, 0, s1, 1),
                csv_open_slice(whole, s1, s2, lines_before(d, s1)),
                csv_open_slice(whole, s2, len, lines_before(d, s2)),
            };
            Buf got = { 0 };
            put(&got, "", 0);
            for (int k = 0; k < 3; k++) {
                char *s = dump_reader(p[k]);
                puts_(&got, s);
                free(s);
                ck_assert(csv_ended_outside_quotes(p[k]));
                csv_close(p[k]);
            }
            ck_assert_str_eq(got.s, want);
            free(got.s);
        }
    }
    free(want);
    csv_close(whole);
}
END_TEST

START_TEST(slice_rule)
{
    static const char t[] = "aa,b\ncc,d\nee,f\n";
    CsvReader *whole = csv_open_memory(t, sizeof t - 1, "rule");
    ck_assert_uint_eq(csv_next_record_start(whole, 0), 5);
    ck_assert_uint_eq(csv_next_record_start(whole, 4), 5);
    ck_assert_uint_eq(csv_next_record_start(whole, 5), 10);
    ck_assert_uint_eq(csv_next_record_start(whole, 14), 15);
    ck_assert_uint_eq(csv_next_record_start(whole, 15), 15);
    ck_assert_uint_eq(csv_next_record_start(whole, 99), 15);

    /* A record that starts before `to` is read whole, past `to`; none
     * starts at or after it; and the slice says it did not end at `to`. */
    CsvReader *s = csv_open_slice(whole, 5, 7, 2);
    char *got = dump_reader(s);
    ck_assert_str_eq(got, "2:cc|d\n");
    ck_assert(!csv_ended_outside_quotes(s));
    ck_assert_uint_eq(csv_offset(s), 10);
    free(got);
    csv_close(s);

    s = csv_open_slice(whole, 5, 10, 2);
    got = dump_reader(s);
    ck_assert_str_eq(got, "2:cc|d\n");
    ck_assert(csv_ended_outside_quotes(s));
    free(got);
    csv_close(s);

    /* Empty, and clamped. */
    s = csv_open_slice(whole, 10, 10, 3);
    got = dump_reader(s);
    ck_assert_str_eq(got, "");
    ck_assert(csv_ended_outside_quotes(s));
    free(got);
    csv_close(s);
    s = csv_open_slice(whole, 10, 1000, 3);
    got = dump_reader(s);
    ck_assert_str_eq(got, "3:ee|f\n");
    ck_assert(csv_ended_outside_quotes(s));
    free(got);
    csv_close(s);
    csv_close(whole);
}
END_TEST

START_TEST(slice_inside_quotes)
{
    /* csv_next_record_start cannot see quotes: split inside the quoted
     * field, the first slice reads the record past `to` and says so. */
    static const char t[] = "id,note\n1,\"two\nlines\"\n2,x\n";
    CsvReader *whole = csv_open_memory(t, sizeof t - 1, "q");
    size_t split = csv_next_record_start(whole, 13);
    ck_assert_uint_eq(split, 15);
    CsvReader *a = csv_open_slice(whole, 0, split, 1);
    char *got = dump_reader(a);
    ck_assert_str_eq(got, "1:id|note\n2:1|<two\\nlines>\n");
    ck_assert(!csv_ended_outside_quotes(a));
    free(got);
    csv_close(a);

    /* A split at a true record start is fine, quoted newline or not. */
    bool clean;
    got = dump_split(whole, 22, &clean);
    ck_assert_str_eq(got, "1:id|note\n2:1|<two\\nlines>\n4:2|x\n");
    ck_assert(clean);
    free(got);
    csv_close(whole);
}
END_TEST

/* ---- files -------------------------------------------------------------- */

static size_t count_records(CsvReader *r, size_t want_fields)
{
    const CsvField *f;
    size_t n, count = 0;
    CsvStatus st;
    while ((st = csv_next(r, &f, &n)) == CSV_RECORD) {
        ck_assert_uint_eq(n, want_fields);
        count++;
    }
    ck_assert_msg(st == CSV_END, "%s: %s", csv_name(r), csv_error(r));
    return count;
}

static void ck_field(const CsvField *f, const char *want, bool quoted)
{
    ck_assert_uint_eq(f->len, strlen(want));
    ck_assert(memcmp(f->ptr, want, f->len) == 0);
    ck_assert_int_eq(f->quoted, quoted);
}

START_TEST(file_ae)
{
    CsvReader *r = open_data("ae_attendances.csv");
    ck_assert(strstr(csv_name(r), "ae_attendances.csv") != NULL);
    const CsvField *f;
    size_t n;
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
    ck_assert_uint_eq(n, 6);
    ck_field(&f[0], "period", true);
    ck_field(&f[5], "admissions", true);
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
    ck_field(&f[0], "2017-03-01", true);
    ck_field(&f[1], "RF4", true);
    ck_field(&f[2], "1", true);
    ck_field(&f[3], "21289", false);
    ck_field(&f[4], "2879", false);
    ck_field(&f[5], "5060", false);
    ck_assert_uint_eq(2 + count_records(r, 6), 12766);
    ck_assert_uint_eq(csv_line(r), 12767);
    csv_close(r);

    /* Read on "two cores": every split gives the same records. */
    r = open_data("ae_attendances.csv");
    size_t len;
    csv_data(r, &len);
    char *want = dump_reader(r);
    for (size_t at = 0; at < len; at += len / 7) {
        bool clean;
        char *got = dump_split(r, csv_next_record_start(r, at), &clean);
        ck_assert(clean);
        ck_assert(strcmp(got, want) == 0);
        free(got);
    }
    free(want);
    csv_close(r);
}
END_TEST

START_TEST(file_trust_stp)
{
    CsvReader *r = open_data("Trust-STP-lookup.csv");
    size_t len;
    const char *d = csv_data(r, &len);
    ck_assert(memcmp(d, "NHS England Region,", 19) == 0);
    const CsvField *f;
    size_t n;
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
    ck_assert_uint_eq(n, 5);
    ck_field(&f[0], "NHS England Region", false);
    ck_field(&f[4], "STP_code", false);
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
    ck_field(&f[1], "Great Western Hospitals NHS Foundation Trust", false);
    ck_field(&f[2], "RN3", false);
    ck_field(&f[3], "Bath and North East Somerset, Swindon and Wiltshire", true);
    ck_field(&f[4], "E54000040", false);
    ck_assert_uint_eq(2 + count_records(r, 5), 138);
    csv_close(r);
}
END_TEST

START_TEST(file_nhser18)
{
    CsvReader *r = open_data("nhser18.csv");
    const CsvField *f;
    size_t n;
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
    ck_assert_uint_eq(n, 2);
    ck_field(&f[0], "nhser18cd", false);
    ck_field(&f[1], "nhser18nm", false);
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_RECORD);
    ck_field(&f[0], "E40000003", false);
    ck_field(&f[1], "London", false);
    ck_assert_uint_eq(2 + count_records(r, 2), 8);
    csv_close(r);
}
END_TEST

START_TEST(file_etrust)
{
    CsvReader *r = open_data("etrust_2018-09.csv");
    const CsvField *f;
    size_t n, count = 0;
    bool seen_rm2 = false;
    while (csv_next(r, &f, &n) == CSV_RECORD) {
        ck_assert_uint_eq(n, 27);
        if (count == 0) {
            ck_field(&f[0], "R0A", true);
            ck_field(&f[1], "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST", true);
            ck_field(&f[10], "20171001", true);
            ck_field(&f[11], "", true);
        }
        if (f[0].len == 3 && memcmp(f[0].ptr, "RM2", 3) == 0) {
            ck_field(&f[10], "19940401", true);
            ck_field(&f[11], "20170930", true);
            seen_rm2 = true;
        }
        count++;
    }
    ck_assert_str_eq(csv_error(r), "");
    ck_assert(csv_ended_outside_quotes(r));
    ck_assert_uint_eq(count, 29955);
    ck_assert(seen_rm2);
    csv_close(r);
}
END_TEST

START_TEST(file_missing)
{
    char why[128] = "";
    ck_assert_ptr_null(csv_open_file("/nonexistent/dir/no.csv", why, sizeof why));
    ck_assert_str_eq(why, strerror(ENOENT));
    ck_assert_ptr_null(csv_open_file(".", why, sizeof why));
    ck_assert_str_eq(why, strerror(EISDIR));
}
END_TEST

START_TEST(file_empty)
{
    char path[] = "/tmp/test_csv_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char why[128] = "";
    CsvReader *r = csv_open_file(path, why, sizeof why);
    ck_assert_msg(r != NULL, "%s", why);
    size_t len = 99;
    ck_assert_ptr_nonnull(csv_data(r, &len));
    ck_assert_uint_eq(len, 0);
    ck_assert_uint_eq(csv_next_record_start(r, 0), 0);
    const CsvField *f;
    size_t n;
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_END);
    ck_assert(csv_ended_outside_quotes(r));
    csv_close(r);
    unlink(path);

    /* Not a regular file: read, not mapped. */
    r = csv_open_file("/dev/null", why, sizeof why);
    ck_assert_msg(r != NULL, "%s", why);
    ck_assert_int_eq(csv_next(r, &f, &n), CSV_END);
    csv_close(r);

    ck_dump("", "");
    CsvReader *m = csv_open_memory(NULL, 0, "nothing");
    ck_assert_int_eq(csv_next(m, &f, &n), CSV_END);
    csv_close(m);
}
END_TEST

/* A mapped file gives its pages back every 512 KiB read (csv.c's
 * RELEASE_EVERY): records of every kind that cross those points, and a last
 * one with no line end, read from the file the same as from memory, both
 * ways, whole and in slices. */
START_TEST(file_release_points)
{
    enum { STEP = 512 << 10 };
    static const char *kinds[] = {
        "\"2016-04-01\",\"P00001\",\"1\",12706,1553,3176\n",
        "plain,row,of,six,fields,here\n",
        "\"multi\nline\",\"a\"\"b\",x,y,z,w\n",
        " blank , edged ,x,y,z,w\r\n",
        "\n",
        "cr\rinside,b,c,d,e,f\n",
    };
    Buf b = { 0 };
    put(&b, "", 0);
    for (size_t point = STEP; point <= 3 * (size_t)STEP; point += STEP) {
        size_t k = point / STEP - 1;
        /* plain records up to just before the point, then one of each kind
         * starting a few bytes before it, so each crosses one point */
        while (b.len + 64 < point)
            puts_(&b, kinds[(b.len / 61) % 2]);
        while (b.len < point - 3 - k)
            puts_(&b, "x\n");
        for (size_t j = 0; j < sizeof kinds / sizeof *kinds; j++)
            puts_(&b, kinds[(j + k) % (sizeof kinds / sizeof *kinds)]);
    }
    puts_(&b, "\"the\",end,\"without\",a,line,end");

    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/test_csv_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, b.s, b.len) == (ssize_t)b.len);
    close(fd);

    CsvReader *m = csv_open_memory(b.s, b.len, "memory");
    char *want = dump_reader(m);
    csv_close(m);
    ck_assert(strstr(want, "!") == NULL);
    for (int way = 0; way < READ_WAYS; way++) {
        use_way((ReadWay)way);
        char why[128] = "";
        CsvReader *r = csv_open_file(path, why, sizeof why);
        ck_assert_msg(r != NULL, "%s", why);
        char *got = dump_reader(r);
        ck_assert_msg(strcmp(got, want) == 0, "%s", way_name[way]);
        free(got);
        csv_close(r);
        /* slices whose starts are pages of their own to give back */
        r = csv_open_file(path, why, sizeof why);
        ck_assert_msg(r != NULL, "%s", why);
        for (size_t at = STEP / 3; at < b.len; at += STEP / 2) {
            bool clean;
            got = dump_split(r, csv_next_record_start(r, at), &clean);
            ck_assert(strcmp(got, want) == 0);
            free(got);
        }
        csv_close(r);
    }
    use_general(general_run);
    free(want);
    free(b.s);
    unlink(path);
}
END_TEST

/* The resident size (kB) of this process's mapping that holds address p,
 * from /proc/self/smaps; -1 if it cannot be told. */
static long mapping_rss_kb(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return -1;
    char line[512];
    bool inside = false;
    long rss = -1;
    while (rss < 0 && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (inside && strncmp(line, "Rss:", 4) == 0)
            rss = strtol(line + 4, NULL, 10);
    }
    fclose(f);
    return rss;
}

/* A file read in many slices, each shorter than the 512 KiB a reader reads
 * before giving pages back: each slice gives its pages back when closed,
 * so the mapping does not stay resident chunk after chunk (a feed read on
 * two threads in 128 chunks kept 17 MB of a 417 MB file). */
START_TEST(slices_give_back_pages)
{
    enum { SIZE = 8 << 20, SLICES = 32 };
    Buf b = { 0 };
    put(&b, "", 0);
    while (b.len < SIZE) puts_(&b, "\"2016-04-01\",\"P00001\",\"1\",12706,1553,3176\n");
    const char *dir = getenv("TMPDIR");
    char path[4096], why[128] = "";
    snprintf(path, sizeof path, "%s/test_csv_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, b.s, b.len) == (ssize_t)b.len);
    close(fd);
    CsvReader *r = csv_open_file(path, why, sizeof why);
    ck_assert_msg(r != NULL, "%s", why);
    size_t len;
    const char *data = csv_data(r, &len);
    long before = mapping_rss_kb(data);
    if (before < 0) {       /* no /proc: nothing to tell */
        csv_close(r);
        unlink(path);
        free(b.s);
        return;
    }
    size_t from = 0;
    for (int k = 1; k <= SLICES; k++) {
        size_t to = k == SLICES ? len : csv_next_record_start(r, len / SLICES * (size_t)k);
        CsvReader *s = csv_open_slice(r, from, to, 1);
        const CsvField *f;
        size_t n, rows = 0;
        while (csv_next(s, &f, &n) == CSV_RECORD) rows++;
        ck_assert_uint_gt(rows, 0);
        csv_close(s);
        from = to;
    }
    long after = mapping_rss_kb(data);
    /* at most a page or two of each slice's ends stays */
    ck_assert_msg(after - before <= SLICES * 8, "%ld kB resident before, %ld after", before, after);
    csv_close(r);
    unlink(path);
    free(b.s);
}
END_TEST

/* rows_parse_text, inline for short ASCII cells, gives what
 * rows_parse_cell(T_TEXT, …) gives for every kind of cell. */
START_TEST(text_cells_inline)
{
    static const struct { const char *s; size_t n; bool quoted; } cells[] = {
        { "", 0, false }, { "", 0, true }, { "*", 1, false }, { "*", 1, true }, { "1", 1, false },
        { "other", 5, true }, { "**", 2, false }, { "\x01", 1, false }, { "\x7F", 1, false },
        { "\x80", 1, false }, { "caf\xC3\xA9", 5, false }, { "caf\xC3", 4, false }, { "a\0b", 3, false },
        { "\0", 1, false }, { "aaaaaaaaaaaaaaaa", 16, false }, { "aaaaaaaaaaaaaaaaa", 17, false },
        { "aaaaaaaaaaaaaaa\xFF", 16, false },
    };
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) {
        CsvField f = { cells[i].s, cells[i].n, cells[i].quoted };
        Value a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        const char *wa = rows_parse_text(&f, &a), *wb = rows_parse_cell(T_TEXT, COL_PLAIN, &f, &b);
        ck_assert_msg(wa == wb, "cell %zu: %s / %s", i, wa ? wa : "ok", wb ? wb : "ok");
        if (wa)
            continue;
        ck_assert_int_eq(a.kind, b.kind);
        if (a.kind == V_TEXT) {
            ck_assert_uint_eq(a.as.text.len, b.as.text.len);
            ck_assert_ptr_eq(a.as.text.bytes, b.as.text.bytes);
        }
    }
}
END_TEST

static Suite *csv_suite(const char *name)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, plain);
    tcase_add_test(tc, quotes);
    tcase_add_test(tc, line_ends);
    tcase_add_test(tc, bom);
    tcase_add_test(tc, spaces);
    tcase_add_test(tc, blank_lines);
    tcase_add_test(tc, header_only);
    tcase_add_test(tc, final_line_end);
    tcase_add_test(tc, bytes_through);
    tcase_add_test(tc, fast_and_general_mixed);
    tcase_add_test(tc, fast_at_the_end);
    tcase_add_test(tc, text_cells_inline);
    suite_add_tcase(s, tc);

    tc = tcase_create("agreement");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, fast_agrees_at_random);
    tcase_add_test(tc, fast_agrees_at_random_across_blocks);
    tcase_add_test(tc, fast_across_blocks);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, errors);
    tcase_add_test(tc, nul_bytes);
    tcase_add_test(tc, errors_stick);
    suite_add_tcase(s, tc);

    tc = tcase_create("records");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, lines_and_offsets);
    tcase_add_test(tc, scratch_moves);
    tcase_add_test(tc, huge_fields);
    tcase_add_test(tc, many_fields);
    suite_add_tcase(s, tc);

    tc = tcase_create("slices");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, slices_every_split);
    tcase_add_test(tc, slices_three_ways);
    tcase_add_test(tc, slice_rule);
    tcase_add_test(tc, slice_inside_quotes);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, file_ae);
    tcase_add_test(tc, file_trust_stp);
    tcase_add_test(tc, file_nhser18);
    tcase_add_test(tc, file_etrust);
    tcase_add_test(tc, file_missing);
    tcase_add_test(tc, file_empty);
    tcase_add_test(tc, file_release_points);
    tcase_add_test(tc, slices_give_back_pages);
    tcase_add_test(tc, fast_at_a_page_end);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    use_general(general_run = false);
    int fast = unit_run(csv_suite("csv (fast reader for plain records)"));
    use_general(general_run = true);
    int general = unit_run(csv_suite("csv (general reader only)"));
    return fast != EXIT_SUCCESS ? fast : general;
}
