/* pred.c: simple `where` conditions without the VM (pred.h). */
#include "data/pred.h"
#include <string.h>

/* An operand that must be a register of the frame. */
static bool reg_ok(const Pred *pr, uint16_t r) { return r < pr->nregs; }

/* An RK operand: a register, or a constant of the program. */
static bool rk_ok(const Pred *pr, const BcProgram *p, uint16_t x)
{
    return rk_is_constant(x) ? (uint32_t)(x & RK_MAX_CONSTANT) < p->nconsts : reg_ok(pr, x);
}

bool pred_compile(const BcProgram *p, int32_t fn, Pred *out)
{
    if (fn < 0 || (uint32_t)fn >= p->nfns) return false;
    const BcFunction *f = &p->fns[fn];
    Pred pr = { .one = -1, .code = f->code, .ncode = f->ncode, .nparams = f->nparams, .nregs = f->nregs,
                .consts = p->consts };
    if (!f->ncode || f->nregs > PRED_MAX_REGS || f->nparams > f->nregs) return false;
    for (uint32_t i = 0; i < f->ncode; i++) {
        Instr in = f->code[i];
        /* every instruction that writes writes R[A]: never a parameter, so they are read in place */
        bool writes = in.op != OP_RET && in.op != OP_JMP && in.op != OP_JMPFALSE && in.op != OP_JMPTRUE
                      && in.op != OP_JMPMISSING && in.op != OP_JMPNOTTRUE;
        if (writes && in.a < f->nparams) return false;
        switch ((Opcode)in.op) {
        case OP_MOVE: case OP_NOT:
            if (!reg_ok(&pr, in.a) || !reg_ok(&pr, in.b)) return false;
            break;
        case OP_LOADK:
            if (!reg_ok(&pr, in.a) || instr_b(in) >= p->nconsts) return false;   /* B is 24 bits (bytecode.h) */
            break;
        case OP_LOADMISSING: case OP_RET:
            if (!reg_ok(&pr, in.a)) return false;
            break;
        case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
            if (!reg_ok(&pr, in.a) || !rk_ok(&pr, p, in.b) || !rk_ok(&pr, p, in.c)) return false;
            break;
        case OP_AND: case OP_OR:
            if (!reg_ok(&pr, in.a) || !reg_ok(&pr, in.b) || !reg_ok(&pr, in.c)) return false;
            break;
        case OP_JMP: case OP_JMPFALSE: case OP_JMPTRUE: case OP_JMPMISSING: case OP_JMPNOTTRUE: {
            /* forward only, within the code: every run ends, no step count needed */
            int64_t to = (int64_t)i + 1 + instr_jump(in);
            if (instr_jump(in) < 0 || to >= f->ncode || (in.op != OP_JMP && !reg_ok(&pr, in.a))) return false;
            break;
        }
        default:
            return false;
        }
    }
    if (f->code[f->ncode - 1].op != OP_RET) return false;
    /* `t == "1"`: one comparison of a parameter and a constant, then its return */
    Instr c = f->code[0];
    if (f->ncode == 2 && c.op >= OP_EQ && c.op <= OP_GE && f->code[1].a == c.a
        && rk_is_constant(c.b) != rk_is_constant(c.c) && (rk_is_constant(c.b) ? c.c : c.b) < f->nparams) {
        static const Cmp cmps[] = { [OP_EQ - OP_EQ] = CMP_EQ, [OP_NE - OP_EQ] = CMP_NE, [OP_LT - OP_EQ] = CMP_LT,
                                    [OP_LE - OP_EQ] = CMP_LE, [OP_GT - OP_EQ] = CMP_GT, [OP_GE - OP_EQ] = CMP_GE };
        pr.one = (int32_t)cmps[c.op - OP_EQ];
        pr.swapped = rk_is_constant(c.b);
        pr.param = pr.swapped ? c.c : c.b;
        pr.k = &p->consts[(pr.swapped ? c.b : c.c) & RK_MAX_CONSTANT];
    }
    *out = pr;
    return true;
}

/* val_test, with the two comparisons a feed's conditions nearly always make
 * done here: text with text (bytes, as val_compare) and whole numbers. */
Value pred_test(Cmp cmp, const Value *x, const Value *y)
{
    int c;
    if (x->kind == V_TEXT && y->kind == V_TEXT) {
        uint32_t n = x->as.text.len < y->as.text.len ? x->as.text.len : y->as.text.len;
        c = n ? memcmp(x->as.text.bytes, y->as.text.bytes, n) : 0;
        if (!c) c = (x->as.text.len > y->as.text.len) - (x->as.text.len < y->as.text.len);
    } else if (x->kind == V_NUM && y->kind == V_NUM && x->as.num.d == 1 && y->as.num.d == 1) {
        c = (x->as.num.n > y->as.num.n) - (x->as.num.n < y->as.num.n);
    } else {
        return val_test(cmp, *x, *y);
    }
    return val_bool(pred_holds(cmp, c));
}

Value pred_eval(const Pred *pr, const Value *args)
{
    /* the parameters are read in place: pred_compile lets nothing write them */
    Value T[PRED_MAX_REGS];
    const Value *K = pr->consts;
    uint16_t np = pr->nparams;
#define REG(x) ((x) < np ? &args[(x)] : &T[(x)])
#define RKV(x) (rk_is_constant(x) ? &K[(x) & RK_MAX_CONSTANT] : REG(x))
    for (uint32_t i = 0; i < pr->ncode; i++) {
        Instr in = pr->code[i];
        const Value *b;
        switch ((Opcode)in.op) {
        case OP_MOVE:        T[in.a] = *REG(in.b); break;
        case OP_LOADK:       T[in.a] = K[instr_b(in)]; break;
        case OP_LOADMISSING: T[in.a] = val_missing(); break;
        case OP_NOT:
            b = REG(in.b);
            T[in.a] = b->kind == V_BOOL ? val_bool(!b->as.boolean) : val_missing();
            break;
        case OP_EQ:          T[in.a] = pred_test(CMP_EQ, RKV(in.b), RKV(in.c)); break;
        case OP_NE:          T[in.a] = pred_test(CMP_NE, RKV(in.b), RKV(in.c)); break;
        case OP_LT:          T[in.a] = pred_test(CMP_LT, RKV(in.b), RKV(in.c)); break;
        case OP_LE:          T[in.a] = pred_test(CMP_LE, RKV(in.b), RKV(in.c)); break;
        case OP_GT:          T[in.a] = pred_test(CMP_GT, RKV(in.b), RKV(in.c)); break;
        case OP_GE:          T[in.a] = pred_test(CMP_GE, RKV(in.b), RKV(in.c)); break;
        case OP_AND:         T[in.a] = val_logic(false, *REG(in.b), *REG(in.c)); break;
        case OP_OR:          T[in.a] = val_logic(true, *REG(in.b), *REG(in.c)); break;
        case OP_JMP:         i += (uint32_t)instr_jump(in); break;
        case OP_JMPFALSE:    b = REG(in.a); if (b->kind == V_BOOL && !b->as.boolean) i += (uint32_t)instr_jump(in); break;
        case OP_JMPTRUE:     b = REG(in.a); if (b->kind == V_BOOL && b->as.boolean) i += (uint32_t)instr_jump(in); break;
        case OP_JMPMISSING:  if (REG(in.a)->kind == V_MISSING) i += (uint32_t)instr_jump(in); break;
        case OP_JMPNOTTRUE:  b = REG(in.a); if (!(b->kind == V_BOOL && b->as.boolean)) i += (uint32_t)instr_jump(in); break;
        case OP_RET:         return *REG(in.a);
        default:             return val_missing();     /* pred_compile lets no other through */
        }
    }
#undef RKV
#undef REG
    return val_missing();
}
