/* fuzz_pipeline.c: the whole pipeline from one input: a rule file and its
 * feeds, assessed as of 2019-06-30, the report written in every format and
 * its first result explained.
 *
 * The input is the rule file's text, then each CSV, separated by NUL bytes
 * (a rule file cannot hold one, so nothing is lost). The CSVs are bound in
 * order to the feeds and hierarchies the text declares, found by a plain
 * scan for lines starting `feed NAME` or `hierarchy NAME`: a declaration
 * the scan misses leaves an input unbound, a usage error like any other. */
#include "fuzz.h"
#include <ctype.h>
#include <string.h>

enum { MAX_INPUTS = 8 };

/* The names declared, in order, copied into names[k] (at most 63 bytes). */
static size_t declared(const char *text, size_t len, char names[][64])
{
    size_t n = 0;
    for (size_t at = 0; at < len && n < MAX_INPUTS;) {
        size_t end = at;
        while (end < len && text[end] != '\n') end++;
        const char *line = text + at;
        size_t llen = end - at, skip = 0;
        if (llen > 5 && memcmp(line, "feed ", 5) == 0) skip = 5;
        else if (llen > 10 && memcmp(line, "hierarchy ", 10) == 0) skip = 10;
        if (skip) {
            size_t k = 0;
            while (skip < llen && k < 63 && (isalnum((unsigned char)line[skip]) || line[skip] == '_'))
                names[n][k++] = line[skip++];
            names[n][k] = '\0';
            if (k) n++;
        }
        at = end + 1;
    }
    return n;
}

static void write_all(pledge_state *S, pledge_report *rep, pledge_round *R, const pledge_assess_options *o)
{
    static const pledge_format formats[] = { PLEDGE_FORMAT_TEXT, PLEDGE_FORMAT_JSON, PLEDGE_FORMAT_CSV,
                                             PLEDGE_FORMAT_HTML };
    FuzzSink sink;
    fuzz_sink_open(&sink);
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        fuzz_expect(S, pledge_report_write(rep, formats[i], sink.f, NULL));
    pledge_result first;
    if (pledge_report_result(rep, 0, &first) && first.system && strcmp(first.kind, "rating") != 0)
        fuzz_expect(S, pledge_explain(R, o, first.system, first.item, sink.f));
    fuzz_sink_close(&sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t rules_len = nul ? (size_t)(nul - text) : size;

    pledge_state *S = fuzz_state(false);
    pledge_round *R = NULL;
    pledge_status rc = pledge_load_source(S, "fuzz.pledge", text, rules_len, &R);
    fuzz_expect(S, rc);
    if (rc != PLEDGE_OK) {
        pledge_free(S);
        return 0;
    }

    char names[MAX_INPUTS][64];
    size_t nnames = declared(text, rules_len, names);
    size_t at = rules_len;
    for (size_t k = 0; k < nnames && at < size && rc == PLEDGE_OK; k++) {
        at++;                                   /* the NUL before this CSV */
        const char *end = memchr(text + at, '\0', size - at);
        size_t len = end ? (size_t)(end - (text + at)) : size - at;
        rc = pledge_bind_csv(R, names[k], names[k], text + at, len);
        fuzz_expect(S, rc);
        at += len;
    }

    if (rc == PLEDGE_OK) {
        pledge_assess_options o = { .as_of = "2019-06-30", .series = true };
        pledge_report *rep = NULL;
        rc = pledge_assess(R, &o, &rep);
        fuzz_expect(S, rc);
        if (rc == PLEDGE_OK) {
            write_all(S, rep, R, &o);
            pledge_report_free(rep);
        }
    }
    pledge_round_free(R);
    pledge_free(S);
    return 0;
}
