/* fuzz.h: what the libFuzzer harnesses in tests/fuzz share (docs/fuzzing.md).
 * Each harness is one C file defining LLVMFuzzerTestOneInput; `make fuzz`
 * builds it with clang -fsanitize=fuzzer,address,undefined. */
#ifndef PLEDGE_FUZZ_H
#define PLEDGE_FUZZ_H
#include "pledge.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A state with small limits: an input that loops or grows without end
 * stops at a limit (exit 4) in milliseconds instead of timing out the
 * fuzzer, which would hide the inputs after it. One thread, so a crash's
 * stack is the input's. */
static inline pledge_state *fuzz_state(bool skip_bad_rows)
{
    pledge_config c;
    pledge_config_init(&c);
    c.max_steps = 200000;
    c.max_memory = 16u << 20;
    c.max_depth = 200;
    c.threads = 1;
    c.skip_bad_rows = skip_bad_rows;
    pledge_state *S = pledge_new(&c);
    if (!S) abort();
    return S;
}

/* Somewhere to write output to that is thrown away: what matters is that
 * writing it does not crash. (Memory, not /dev/null: nothing outside the
 * process is touched.) */
typedef struct FuzzSink { FILE *f; char *buf; size_t len; } FuzzSink;

static inline FILE *fuzz_sink_open(FuzzSink *s)
{
    s->buf = NULL;
    s->len = 0;
    s->f = open_memstream(&s->buf, &s->len);
    if (!s->f) abort();
    return s->f;
}

static inline void fuzz_sink_close(FuzzSink *s)
{
    fclose(s->f);
    free(s->buf);
}

/* A status no input may cause: the library's own bug. */
static inline void fuzz_expect(pledge_state *S, pledge_status rc)
{
    if (rc == PLEDGE_ERR_INTERNAL) {
        fprintf(stderr, "internal error: %s\n", pledge_error(S));
        abort();
    }
}

#endif
