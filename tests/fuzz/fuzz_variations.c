/* fuzz_variations.c: a variations file's bytes through pledge_vary (what
 * --variations reads), against a small fixed round with a commitment of
 * each kind of target (a percent, a count, a date) and a check; what it
 * accepts is listed by pledge_doc and applied by an assessment of fixed
 * data, written as CSV, and an explanation. It reads a path: the input is
 * written to a temporary file of this process first. */
#include "fuzz.h"
#include <string.h>
#include <unistd.h>

static const char rules[] =
    "round r \"r\" {\n    horizon = 2018/19 .. 2019/20\n    assess = sys\n}\n"
    "feed m \"m\" {\n    org = org\n    period = month as month\n    lag = 10 days\n"
    "    num: count\n    den: count\n}\n"
    "hierarchy sys \"s\" {\n    member = org\n    parent = system\n    name = system_name\n}\n"
    "metric share \"s\": percent = sum(m.num) / sum(m.den)\n"
    "metric volume \"v\": count = sum(m.den)\n"
    "foundational commitment c_share \"c\" {\n    measure = share\n    target = >= 95% in 2018/19\n"
    "    milestone = >= 90% in 2018/19 Q1\n}\n"
    "transformation commitment c_volume \"v\" {\n    measure = volume\n    target = >= 100 in 2018/19\n}\n"
    "check chk \"k\" {\n    require = share >= 50%\n}\n"
    "rating overall \"o\" {\n    good when count(foundational, met) == count(foundational)\n    poor otherwise\n}\n";
static const char feed[] = "org,month,num,den\nP1,2018-05,9,10\nP2,2018-05,90,100\nP2,2019-05,95,100\n";
static const char hier[] = "org,system,system_name\nP1,S1,One\nP2,S2,Two\n";

static char dir[4096], path[4200];

static void remove_files(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/fuzz-variations.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) abort();
        snprintf(path, sizeof path, "%s/t.var", dir);
        atexit(remove_files);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) abort();

    pledge_state *S = fuzz_state(false);
    pledge_round *R = NULL;
    pledge_status rc = pledge_load_source(S, "r.pledge", rules, sizeof rules - 1, &R);
    if (rc != PLEDGE_OK) abort();       /* the fixed round always compiles */
    rc = pledge_vary(R, path);
    fuzz_expect(S, rc);
    if (rc != PLEDGE_OK && !pledge_error(S)[0]) abort();    /* a refusal always says why */
    if (rc == PLEDGE_OK) {
        FuzzSink sink;
        fuzz_expect(S, pledge_doc(R, fuzz_sink_open(&sink)));
        fuzz_sink_close(&sink);
        if (pledge_bind_csv(R, "m", "m.csv", feed, sizeof feed - 1) != PLEDGE_OK
            || pledge_bind_csv(R, "sys", "sys.csv", hier, sizeof hier - 1) != PLEDGE_OK)
            abort();
        pledge_assess_options o = { .as_of = "2019-06-30" };
        pledge_report *rep = NULL;
        rc = pledge_assess(R, &o, &rep);
        fuzz_expect(S, rc);
        if (rc == PLEDGE_OK) {
            fuzz_expect(S, pledge_report_write(rep, PLEDGE_FORMAT_CSV, fuzz_sink_open(&sink), NULL));
            fuzz_sink_close(&sink);
            pledge_report_free(rep);
            fuzz_expect(S, pledge_explain(R, &o, "S1", "c_share", fuzz_sink_open(&sink)));
            fuzz_sink_close(&sink);
        }
    }
    pledge_round_free(R);
    pledge_free(S);
    return 0;
}
