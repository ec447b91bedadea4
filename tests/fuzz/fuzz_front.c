/* fuzz_front.c: a rule file's text through the lexer, the parser, the
 * checker and the compiler (pledge_load_source). Whatever compiles must
 * also load back from its own bytecode: the verifier refusing the
 * compiler's output is a bug, and so is any other internal error. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pledge_state *S = fuzz_state(false);
    pledge_round *R = NULL;
    pledge_status rc = pledge_load_source(S, "fuzz.pledge", (const char *)data, size, &R);
    fuzz_expect(S, rc);
    if (rc == PLEDGE_OK) {
        void *bytes = NULL;
        size_t len = 0;
        rc = pledge_bytecode(R, &bytes, &len);
        fuzz_expect(S, rc);
        if (rc == PLEDGE_OK) {
            pledge_round *back = NULL;
            rc = pledge_load_bytecode(S, "fuzz.plb", bytes, len, &back);
            if (rc != PLEDGE_OK && rc != PLEDGE_ERR_LIMIT) {
                fprintf(stderr, "the compiler's bytecode does not load back: %s\n", pledge_error(S));
                abort();
            }
            if (back) pledge_round_free(back);
            pledge_release(S, bytes);
        }
        pledge_round_free(R);
    }
    pledge_free(S);
    return 0;
}
