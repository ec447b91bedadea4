/* fuzz_csv.c: a feed's CSV through the reader and row typing: bound to a
 * small fixed round whose feed has every kind of column (a month period,
 * a vintage, a key, counts, money, a percent, text), row rules and a
 * `where` filter, loaded and described (pledge_load_inputs,
 * pledge_describe_inputs).
 *
 * The first byte chooses: bit 0, bad rows are skipped instead of fatal;
 * bit 1, the input is the hierarchy's CSV (the feed gets a fixed one). */
#include "fuzz.h"
#include <string.h>

static const char rules[] =
    "round fuzz \"Fuzzed feeds\" {\n"
    "    horizon = 2018/19 .. 2019/20\n"
    "    assess  = sys\n"
    "}\n"
    "hierarchy sys \"Systems\" {\n"
    "    member = org\n"
    "    parent = system\n"
    "    name   = system_name\n"
    "}\n"
    "feed m \"Counts by provider\" {\n"
    "    org     = org\n"
    "    period  = month as month\n"
    "    vintage = published\n"
    "    key     = site\n"
    "    site: text\n"
    "    num:  count\n"
    "    den:  count\n"
    "    cost: money\n"
    "    share: percent\n"
    "    require = num <= den\n"
    "    require = site != \"\"\n"
    "}\n"
    "metric ratio \"num over den\": percent = sum(m.num where m.site != \"x\") / sum(m.den)\n";

static const char feed[] =
    "org,month,published,site,num,den,cost,share\n"
    "P01A,2018-04,2018-05-10,a,10,10,£1.50,50%\n"
    "P01B,2019-03-01,2019-04-01,b,9,10,2,0.5\n";
static const char hierarchy[] =
    "org,system,system_name\n"
    "P01A,S01,\"North, and East\"\n"
    "P01B,S02,Ynys Môn a Gwynedd\n";

static void *bytecode;
static size_t bytecode_len;

/* The round is compiled once; each input loads its bytecode (faster than
 * checking the source again, and the front end has its own harness). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    pledge_state *S = fuzz_state(false);
    pledge_round *R = NULL;
    void *bytes = NULL;
    if (pledge_load_source(S, "fuzz_csv.pledge", rules, sizeof rules - 1, &R) != PLEDGE_OK ||
        pledge_bytecode(R, &bytes, &bytecode_len) != PLEDGE_OK) {
        fprintf(stderr, "fuzz_csv: the fixed round does not compile: %s\n", pledge_error(S));
        abort();
    }
    bytecode = malloc(bytecode_len);
    if (!bytecode) abort();
    memcpy(bytecode, bytes, bytecode_len);
    pledge_release(S, bytes);
    pledge_round_free(R);
    pledge_free(S);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    bool skip = data[0] & 1, as_hierarchy = data[0] & 2;
    const char *csv = (const char *)data + 1;
    size--;

    pledge_state *S = fuzz_state(skip);
    pledge_round *R = NULL;
    if (pledge_load_bytecode(S, "fuzz_csv.plb", bytecode, bytecode_len, &R) != PLEDGE_OK) abort();
    pledge_status rc = pledge_bind_csv(R, "m", "m.csv", as_hierarchy ? feed : csv,
                                       as_hierarchy ? sizeof feed - 1 : size);
    if (rc == PLEDGE_OK)
        rc = pledge_bind_csv(R, "sys", "sys.csv", as_hierarchy ? csv : hierarchy,
                             as_hierarchy ? size : sizeof hierarchy - 1);
    fuzz_expect(S, rc);
    if (rc == PLEDGE_OK) rc = pledge_load_inputs(R, true);
    fuzz_expect(S, rc);
    if (rc == PLEDGE_OK) {
        FuzzSink sink;
        fuzz_expect(S, pledge_describe_inputs(R, fuzz_sink_open(&sink)));
        fuzz_sink_close(&sink);
    }
    pledge_round_free(R);
    pledge_free(S);
    return 0;
}
