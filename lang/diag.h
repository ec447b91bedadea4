/* diag.h: diagnostics a policy analyst can act on.
 *
 *   ltp.pledge:31:22: error: cannot compare percent with money
 *      31 |     require = ae_4hr >= £0
 *         |                      ^~
 *      hint: ...
 *
 * The front end collects diagnostics and goes on; the command prints them
 * all at the end. A note belongs to the diagnostic before it. */
#ifndef PLEDGE_DIAG_H
#define PLEDGE_DIAG_H
#include "lang/source.h"
#include "base/mem.h"
#include <stdio.h>

typedef enum DiagLevel { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef struct Diag {
    DiagLevel level;
    Source   *src;          /* NULL for a diagnostic about no file in particular */
    Span      span;
    char     *msg;
    char     *hint;         /* NULL, or one more sentence of help */
} Diag;

typedef struct Diags {
    VEC(Diag) list;
    int errors, warnings;
} Diags;

void diag_error(Diags *d, Source *src, Span at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_warning(Diags *d, Source *src, Span at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_note(Diags *d, Source *src, Span at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Adds a hint to the last diagnostic. */
void diag_hint(Diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each diagnostic in source order (by file, then position), a note after
 * the diagnostic it belongs to; diag_print prints them so. */
void diag_each(const Diags *d, void (*fn)(void *ud, const Diag *g), void *ud);
void diag_print(const Diags *d, FILE *out, bool color);
/* One diagnostic as `pledge check` prints it: FILE:LINE:COL: error: MESSAGE,
 * the source line and a caret, the hint. */
void diag_render(const Diag *g, FILE *out, bool color);
void diag_free(Diags *d);

#endif
