/* builtins.h: the built-in functions of builtins.def as the checker knows
 * them (names, arities, typing rules, summaries). The VM's implementations
 * over lists are in vm/natives.c. */
#ifndef PLEDGE_BUILTINS_H
#define PLEDGE_BUILTINS_H
#include <stdint.h>

typedef enum BuiltinId {
#define BUILTIN(id, name, lo, hi, native, sig, summary) BI_##id,
#include "base/builtins.def"
#undef BUILTIN
    BI__COUNT
} BuiltinId;

/* What an argument must be (see builtins.def). The kinds from BA_ROWS on
 * are a feed column or a list. */
typedef enum BuiltinArg {
    BA_NONE, BA_ANY, BA_NUMBER, BA_LIST, BA_POSITION, BA_WINDOW, BA_WHEN, BA_NUMBER_LIST, BA_PERCENT,
    BA_ROWS, BA_NUMBERS, BA_ORDERED, BA_ADDABLE
} BuiltinArg;

/* What a call gives (see builtins.def). */
typedef enum BuiltinResult {
    BRES_SPECIAL, BRES_SAME, BRES_ELEM, BRES_ELEM_OR_NUMBER, BRES_JOIN,
    BRES_BOOL, BRES_COUNT, BRES_DATE, BRES_MONTH, BRES_QUARTER, BRES_FY
} BuiltinResult;

enum { BSIG_ALL_FIRST = 1 };    /* SIG_ALL: every argument is checked before any is judged */

typedef struct BuiltinSig {
    uint8_t flags;
    uint8_t args[2];    /* BuiltinArg */
    uint8_t result;     /* BuiltinResult */
} BuiltinSig;

typedef struct BuiltinInfo {
    const char *name;
    uint8_t     min_args, max_args;
    BuiltinSig  sig;
    const char *summary;
} BuiltinInfo;

extern const BuiltinInfo builtins[BI__COUNT];

#endif
