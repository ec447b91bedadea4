/* compile.h: from a checked program to bytecode (one function per let, fn,
 * metric and expression of a commitment, check or rating). */
#ifndef PLEDGE_COMPILE_H
#define PLEDGE_COMPILE_H
#include "lang/front.h"
#include "vm/bytecode.h"

/* Compiles p (checked without errors) into *bc, which must be zeroed.
 * Returns false, with a diagnostic in p->diags, only when the program
 * exceeds a limit of the bytecode format (65,535 constants, functions or
 * registers). The same program always compiles to the same BcProgram. */
bool comp_program(Program *p, BcProgram *bc);

/* The `test` blocks of the root module, compiled alongside (pledge test):
 * each expectation a function of no parameters; each rows table as the
 * text of a CSV file with the table's header, for the data layer to read as
 * it reads any feed. Everything lives in the BcProgram's arena. */
typedef struct CompExpect {
    int32_t     fn;             /* the whole condition */
    int32_t     lhs, rhs;       /* for a comparison, its two sides (else -1) */
    uint8_t     cmp;            /* Cmp of the comparison */
    const char *text;           /* the condition as written */
    const char *subject;        /* a comparison of one group's result: `group "1" of E54000001`, else NULL */
    uint32_t    line, column;
} CompExpect;

typedef struct CompTable { const char *target; const char *csv; size_t len; uint32_t line; } CompTable;

typedef struct CompTest {
    const char *name, *path;
    uint32_t    line;
    bool        has_as_of;
    Day         as_of;
    CompTable  *tables;   size_t ntables;
    CompExpect *expects;  size_t nexpects;
} CompTest;

typedef struct CompTests { CompTest *items; size_t n; } CompTests;

/* comp_program, and the root module's tests into *tests. */
bool comp_program_tests(Program *p, BcProgram *bc, CompTests *tests);

#endif
