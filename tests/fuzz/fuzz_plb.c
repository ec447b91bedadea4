/* fuzz_plb.c: a compiled round's bytes through the .plb reader and the
 * verifier (pledge_load_bytecode); what they accept is disassembled and
 * its lets run on the VM, which must hold for any verified program.
 *
 * The input's checksum is recomputed first (docs/bytecode.md, "Header"):
 * otherwise almost every mutation would stop at "checksum mismatch" and
 * the fuzzer would never reach the sections behind it. The checksum
 * itself is tested by tests/bytecode.test. */
#include "fuzz.h"
#include "base/sha256.h"
#include <string.h>

enum { HEADER = 88, SUM_AT = 12, SUMMED_FROM = 44, BODY_LENGTH_AT = 48 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    if (size >= HEADER) {
        /* the body length the header must give: mutations that change the
         * size keep reaching the sections (little-endian u64) */
        uint64_t body = size - HEADER;
        for (int i = 0; i < 8; i++) copy[BODY_LENGTH_AT + i] = (uint8_t)(body >> (8 * i));
        sha256(copy + SUMMED_FROM, size - SUMMED_FROM, copy + SUM_AT);
    }
    pledge_state *S = fuzz_state(false);
    pledge_round *R = NULL;
    pledge_status rc = pledge_load_bytecode(S, "fuzz.plb", copy, size, &R);
    fuzz_expect(S, rc);
    if (rc == PLEDGE_OK) {
        FuzzSink sink;
        fuzz_expect(S, pledge_disasm(R, fuzz_sink_open(&sink)));
        fuzz_expect(S, pledge_eval_lets(R, sink.f));
        fuzz_sink_close(&sink);
        pledge_round_free(R);
    }
    pledge_free(S);
    free(copy);
    return 0;
}
