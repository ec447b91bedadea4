/* pred.h: `where` conditions simple enough to run without the VM.
 *
 * A condition that only compares the row's cells with constants and
 * combines the answers (`ae.type == "1"`, `!=`, `<`, `and`, `or`, `not`)
 * is run by pred_eval over the row's already typed cells: no call frame,
 * no parsing of the cells again, no cache of results. It runs the
 * condition's own instructions with the value functions the VM uses
 * (val_test, val_logic), so it answers exactly as the VM would, missing
 * values included. Anything else (arithmetic, calls) stays on the VM. */
#ifndef PLEDGE_PRED_H
#define PLEDGE_PRED_H
#include "vm/bytecode.h"
#include <string.h>

enum { PRED_MAX_REGS = 32 };

typedef struct Pred {
    /* one comparison of a parameter with a constant (the common case),
     * answered without the instruction loop: args[param] cmp *k, or the
     * other way round when swapped; one < 0 for the general case */
    int32_t      one;           /* Cmp, or -1 */
    uint16_t     param;
    bool         swapped;
    const Value *k;
    const Instr *code;
    uint32_t     ncode;
    uint16_t     nparams, nregs;
    const Value *consts;
} Pred;

/* Whether function fn of p is such a condition; if so, fills *out. */
bool pred_compile(const BcProgram *p, int32_t fn, Pred *out);
/* The condition over args (its parameters, the cells it reads): true,
 * false or missing, as the VM would give it. */
Value pred_eval(const Pred *pr, const Value *args);
/* Whether the row passes: the condition is true (not false, not missing). */
Value pred_test(Cmp cmp, const Value *x, const Value *y);
/* Whether an order c (< 0, 0, > 0) of the cell against the constant meets cmp. */
static inline bool pred_holds(Cmp cmp, int c)
{
    switch (cmp) {
    case CMP_EQ: return c == 0;
    case CMP_NE: return c != 0;
    case CMP_LT: return c < 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    default:     return c >= 0;
    }
}
/* The one comparison, `==` or `!=` with a text constant (the language
 * orders no text), over a text cell present in the row (a missing one
 * never passes), straight from its bytes: pred_test's answer without a
 * Value. */
static inline bool pred_text_passes(const Pred *pr, const char *s, uint32_t n)
{
    const char *k = pr->k->as.text.bytes;
    bool same = n == pr->k->as.text.len && (n == 0 || (s[0] == k[0] && memcmp(s, k, n) == 0));
    return same == (pr->one == CMP_EQ);
}
/* The same with a whole-number constant over a count cell present in the row. */
static inline bool pred_whole_passes(const Pred *pr, int64_t x)
{
    int64_t k = pr->k->as.num.n;
    int c = (x > k) - (x < k);
    return pred_holds((Cmp)pr->one, pr->swapped ? -c : c);
}
/* Which of those two the one comparison can run as, given the type of the
 * parameter's column: PRED_CELL_TEXT, PRED_CELL_WHOLE, or 0 neither. */
enum { PRED_CELL_TEXT = 1, PRED_CELL_WHOLE };
static inline uint8_t pred_cell_kind(const Pred *pr, TypeKind column)
{
    if (pr->one < 0) return 0;
    if (column == T_TEXT && pr->k->kind == V_TEXT && (pr->one == CMP_EQ || pr->one == CMP_NE)) return PRED_CELL_TEXT;
    if (column == T_COUNT && pr->k->kind == V_NUM && pr->k->as.num.d == 1) return PRED_CELL_WHOLE;
    return 0;
}
static inline bool pred_passes(const Pred *pr, const Value *args)
{
    Value v = pr->one >= 0 ? (pr->swapped ? pred_test((Cmp)pr->one, pr->k, &args[pr->param])
                                          : pred_test((Cmp)pr->one, &args[pr->param], pr->k))
                           : pred_eval(pr, args);
    return v.kind == V_BOOL && v.as.boolean;
}

#endif
