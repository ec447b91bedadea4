/* needed.c: a measure's shape read from its bytecode, and the change that
 * would put its value on a threshold (needed.h).
 *
 * The shape is found by running the metric's code over symbols instead of
 * values: each register holds a constant, c0 + c1 * an aggregate, or
 * c0 + c1 * one aggregate over another. Straight-line arithmetic is all it
 * follows; a jump, a host call, a built-in or a window of its own ends the
 * walk with the reason. */
#include "engine/needed.h"
#include "base/mem.h"
#include <math.h>

const char *const needed_shape_name[4] = { NULL, "ratio", "sum", "mean" };

typedef enum SymKind { SYM_OTHER, SYM_CONST, SYM_LIN } SymKind;

/* c0 (SYM_CONST), or c0 + c1 * num (den < 0) or c0 + c1 * num / den */
typedef struct Sym { uint8_t kind; Num c0, c1; int32_t num, den; } Sym;

typedef struct Walk { const BcProgram *p; const char *reason; int depth; } Walk;

static const char *const not_followed = "the measure is not a sum, a mean or a ratio of two sums";

static bool fail(Walk *w, const char *reason)
{
    if (!w->reason) w->reason = reason;
    return false;
}

/* a op b on exact numbers; false (and the reason) when it does not fit */
static bool exact(Walk *w, NumStatus st)
{
    return st == NUM_OK || fail(w, "the measure's constants are too large to work with exactly");
}

static bool const_of(Value v, Sym *out)
{
    if (v.kind != V_NUM) {
        *out = (Sym){ .kind = SYM_OTHER };
        return true;                /* a window, a text: fails only if arithmetic reads it */
    }
    *out = (Sym){ .kind = SYM_CONST, .c0 = v.as.num, .c1 = num_int(0), .num = -1, .den = -1 };
    return true;
}

static bool is_additive(const BcProgram *p, int32_t g)
{
    return p->aggs[g].func == AGG_SUM || p->aggs[g].func == AGG_COUNT;
}

/* k * s, exactly */
static bool scale(Walk *w, Sym *s, Num k)
{
    return exact(w, num_mul(s->c0, k, &s->c0)) && exact(w, num_mul(s->c1, k, &s->c1));
}

static bool same_atom(const Sym *a, const Sym *b) { return a->num == b->num && a->den == b->den; }

static bool add(Walk *w, Sym a, Sym b, bool subtract, Sym *out)
{
    if (a.kind == SYM_OTHER || b.kind == SYM_OTHER) return fail(w, not_followed);
    if (subtract) {
        b.c0 = num_neg(b.c0);
        b.c1 = num_neg(b.c1);
    }
    if (a.kind == SYM_CONST) {      /* the atom, if any, is b's */
        Sym t = a;
        a = b;
        b = t;
    }
    if (b.kind == SYM_LIN && !same_atom(&a, &b))
        return fail(w, "the measure adds or subtracts two different totals");
    *out = a;
    if (!exact(w, num_add(a.c0, b.c0, &out->c0))) return false;
    if (b.kind == SYM_LIN && !exact(w, num_add(a.c1, b.c1, &out->c1))) return false;
    return true;
}

static bool mul(Walk *w, Sym a, Sym b, Sym *out)
{
    if (a.kind == SYM_OTHER || b.kind == SYM_OTHER) return fail(w, not_followed);
    if (a.kind == SYM_LIN && b.kind == SYM_LIN) return fail(w, "the measure multiplies two totals");
    if (a.kind == SYM_CONST) {
        Sym t = a;
        a = b;
        b = t;
    }
    *out = a;
    return scale(w, out, b.c0);
}

static bool divide(Walk *w, const BcProgram *p, Sym a, Sym b, Sym *out)
{
    if (a.kind == SYM_OTHER || b.kind == SYM_OTHER) return fail(w, not_followed);
    if (b.kind == SYM_CONST) {
        Num inv;
        if (num_cmp(b.c0, num_int(0)) == 0) return fail(w, "the measure divides by zero");
        if (!exact(w, num_div(num_int(1), b.c0, &inv))) return false;
        *out = a;
        return scale(w, out, inv);
    }
    if (a.kind == SYM_CONST) return fail(w, "the measure divides a constant by a total");
    /* (k1 * N) / (k2 * D): both plain multiples of one aggregate each */
    bool zero0a = num_cmp(a.c0, num_int(0)) == 0, zero0b = num_cmp(b.c0, num_int(0)) == 0;
    if (!zero0a || !zero0b || a.den >= 0 || b.den >= 0)
        return fail(w, "the measure divides other than one sum by another");
    if (!is_additive(p, a.num) || !is_additive(p, b.num))
        return fail(w, "the measure divides totals that are not sums or counts");
    Num k;
    if (!exact(w, num_div(a.c1, b.c1, &k))) return false;
    *out = (Sym){ .kind = SYM_LIN, .c0 = num_int(0), .c1 = k, .num = a.num, .den = b.num };
    return true;
}

static bool walk_fn(Walk *w, uint32_t fn, Sym *result);

/* The register or constant an RK operand names. */
static bool rk(Walk *w, const Sym *regs, uint16_t nregs, uint16_t x, Sym *out)
{
    if (rk_is_constant(x)) {
        uint16_t k = x & RK_MAX_CONSTANT;
        if (k >= w->p->nconsts) return fail(w, not_followed);
        return const_of(w->p->consts[k], out);
    }
    if (x >= nregs) return fail(w, not_followed);
    *out = regs[x];
    return true;
}

static bool walk_fn(Walk *w, uint32_t fn, Sym *result)
{
    const BcProgram *p = w->p;
    if (fn >= p->nfns || ++w->depth > 32) return fail(w, not_followed);
    const BcFunction *f = &p->fns[fn];
    Sym *regs = mem_calloc((size_t)f->nregs + 1, sizeof *regs);     /* all SYM_OTHER */
    bool ok = true, returned = false;
    for (uint32_t i = 0; i < f->ncode && ok && !returned; i++) {
        Instr in = f->code[i];
        Sym a, b;
        if (in.a >= f->nregs && in.op != OP_JMP && in.op != OP_ENDWINDOW) { ok = fail(w, not_followed); break; }
        switch (in.op) {
        case OP_LOADK:
            ok = instr_b(in) < p->nconsts && const_of(p->consts[instr_b(in)], &regs[in.a]);
            break;
        case OP_LOADMISSING: regs[in.a] = (Sym){ .kind = SYM_OTHER }; break;
        case OP_MOVE: case OP_RETYPE:  /* a unit given is not a value changed */
            ok = in.b < f->nregs || fail(w, not_followed);
            if (ok) regs[in.a] = regs[in.b];
            break;
        case OP_AGG: {
            uint32_t g = instr_b(in);
            if (g >= p->naggs) { ok = fail(w, not_followed); break; }
            uint8_t func = p->aggs[g].func;
            if (func != AGG_SUM && func != AGG_COUNT && func != AGG_MEAN)
                ok = fail(w, "the measure takes a minimum, maximum or median");
            else regs[in.a] = (Sym){ .kind = SYM_LIN, .c0 = num_int(0), .c1 = num_int(1), .num = g, .den = -1 };
            break;
        }
        case OP_ADD: case OP_SUB:
            ok = rk(w, regs, f->nregs, in.b, &a) && rk(w, regs, f->nregs, in.c, &b)
              && add(w, a, b, in.op == OP_SUB, &regs[in.a]);
            break;
        case OP_MUL:
            ok = rk(w, regs, f->nregs, in.b, &a) && rk(w, regs, f->nregs, in.c, &b) && mul(w, a, b, &regs[in.a]);
            break;
        case OP_DIV:
            ok = rk(w, regs, f->nregs, in.b, &a) && rk(w, regs, f->nregs, in.c, &b) && divide(w, p, a, b, &regs[in.a]);
            break;
        case OP_NEG:
            ok = in.b < f->nregs || fail(w, not_followed);
            if (ok && regs[in.b].kind == SYM_OTHER) ok = fail(w, not_followed);
            if (ok) {
                regs[in.a] = regs[in.b];
                regs[in.a].c0 = num_neg(regs[in.a].c0);
                regs[in.a].c1 = num_neg(regs[in.a].c1);
            }
            break;
        case OP_CALL:               /* another metric or a constant, inlined; a function of parameters is not followed */
            if (in.c != 0 || instr_b(in) >= p->nfns
                || (p->fns[instr_b(in)].kind != FK_METRIC && p->fns[instr_b(in)].kind != FK_LET))
                ok = fail(w, "the measure calls a function of its own");
            else ok = walk_fn(w, instr_b(in), &regs[in.a]);
            break;
        case OP_RET:
            *result = regs[in.a];
            returned = true;
            break;
        case OP_WINDOW: case OP_ENDWINDOW:
            ok = fail(w, "the measure reads a window of its own");
            break;
        case OP_HOST:
            ok = fail(w, "the measure reads other systems, statuses or series");
            break;
        case OP_NATIVE: case OP_EXTERN:
            ok = fail(w, "the measure calls a built-in or native function");
            break;
        default:                    /* comparisons, logic, jumps, lists */
            ok = fail(w, "the measure has a condition or a list, not only arithmetic");
            break;
        }
    }
    mem_free(regs);
    w->depth--;
    return ok && (returned || fail(w, not_followed));
}

NeededForm needed_form(const BcProgram *p, uint32_t fn)
{
    NeededForm none = { .shape = NEEDED_NONE, .lever = -1, .held = -1 };
    Walk w = { p, NULL, 0 };
    Sym s;
    if (!walk_fn(&w, fn, &s)) return none.reason = w.reason ? w.reason : not_followed, none;
    if (s.kind != SYM_LIN) return none.reason = "the measure reads no feed", none;
    if (num_cmp(s.c1, num_int(0)) == 0) return none.reason = "the measure's totals cancel out", none;
    NeededForm f = { .c0 = s.c0, .c1 = s.c1, .lever = s.num, .held = s.den };
    f.shape = s.den >= 0 ? NEEDED_RATIO : p->aggs[s.num].func == AGG_MEAN ? NEEDED_MEAN : NEEDED_SUM;
    return f;
}

/* ---- the change ------------------------------------------------------------------- */

static Value plain(Num n) { return val_num(n, T_NUMBER); }

static Value number_of(Value v)
{
    if (val_is_number(v)) v.unit = T_NUMBER;
    return v;
}

static int sign_of(Value v)
{
    bool missing;
    return val_compare(v, plain(num_int(0)), &missing);
}

/* v rounded away from zero to a whole number */
static Value away_from_zero(Value v)
{
    if (v.kind == V_REAL) return val_real(v.as.real < 0 ? floor(v.as.real) : ceil(v.as.real), T_NUMBER);
    if (v.kind != V_NUM || num_is_int(v.as.num)) return v;
    int64_t q = v.as.num.n / v.as.num.d;   /* towards zero; d > 0 */
    return plain(num_int(v.as.num.n < 0 ? q - 1 : q + 1));
}

static bool is_whole(Value v) { return v.kind == V_NUM ? num_is_int(v.as.num) : v.kind == V_REAL && v.as.real == floor(v.as.real); }

Value needed_change(const NeededForm *f, Cmp cmp, Value threshold, Value lever, Value held, bool whole)
{
    if (f->shape == NEEDED_NONE || cmp == CMP_EQ || cmp == CMP_NE) return val_missing();
    if (!val_is_number(threshold) || !val_is_number(lever)) return val_missing();
    TypeKind unit = (TypeKind)lever.unit;
    threshold = number_of(threshold);
    lever = number_of(lever);
    /* the lever's value on the line: (t - c0) / c1, times the held total for a ratio */
    Value line = val_arith(AR_DIV, val_arith(AR_SUB, threshold, plain(f->c0)), plain(f->c1));
    Value slope = plain(f->c1);         /* how the value moves with the lever */
    if (f->shape == NEEDED_RATIO) {
        held = number_of(held);
        if (!val_is_number(held) || sign_of(held) == 0) return val_missing();
        line = val_arith(AR_MUL, line, held);
        slope = val_arith(AR_DIV, slope, held);
    }
    Value x = val_arith(AR_SUB, line, lever);
    if (!val_is_number(x)) return val_missing();
    if (whole) {
        bool at_line = is_whole(x);
        x = away_from_zero(x);
        /* strictly past the line: one more, the way that raises (>) or lowers (<) the value */
        if (at_line && (cmp == CMP_GT || cmp == CMP_LT)) {
            int up = sign_of(slope) * (cmp == CMP_GT ? 1 : -1);
            x = val_arith(AR_ADD, x, plain(num_int(up)));
        }
    }
    if (val_is_number(x)) x.unit = (uint8_t)unit;
    return x;
}

Value needed_per_period(Value change, uint32_t n, bool whole)
{
    if (!val_is_number(change) || n < 2) return val_missing();
    TypeKind unit = (TypeKind)change.unit;
    Value per = val_arith(AR_DIV, number_of(change), plain(num_int(n)));
    if (whole) per = away_from_zero(per);
    if (val_is_number(per)) per.unit = (uint8_t)unit;
    return per;
}
