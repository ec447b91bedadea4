/* bytecode.c: the opcode table and the little a BcProgram needs besides
 * its tables (reading, writing and checking are plb.c and verify.c). */
#include "vm/bytecode.h"

#include <string.h>

/* Expanded from opcodes.def, so the names and operand kinds the verifier
 * and the disassembler use cannot drift from the enum. */
const OpInfo bc_ops[OP__COUNT] = {
#define OP(name, a, b, c, formula) [OP_##name] = { #name, OPK_##a, OPK_##b, OPK_##c, formula },
#include "vm/opcodes.def"
#undef OP
};

const char *const bc_fn_kind_names[FK_FILTER + 1] = { "let", "fn", "metric", "expr", "filter" };

const char *const bc_agg_names[AGG_COUNT + 1] = { "sum", "mean", "min", "max", "median", "count" };

void bc_free(BcProgram *p)
{
    if (!p)
        return;
    arena_free(&p->arena);
    memset(p, 0, sizeof *p);
}

int32_t bc_find_function(const BcProgram *p, const char *name)
{
    if (!p || !name)
        return -1;
    for (uint32_t i = 0; i < p->nfns && i <= INT32_MAX; i++)
        if (p->fns[i].name && strcmp(p->fns[i].name, name) == 0)
            return (int32_t)i;
    return -1;
}
