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
static inline bool pred_passes(const Pred *pr, const Value *args)
{
    Value v = pr->one >= 0 ? (pr->swapped ? pred_test((Cmp)pr->one, pr->k, &args[pr->param])
                                          : pred_test((Cmp)pr->one, &args[pr->param], pr->k))
                           : pred_eval(pr, args);
    return v.kind == V_BOOL && v.as.boolean;
}

#endif
