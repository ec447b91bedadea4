/* verify.c: bc_verify, everything the VM may then take for granted.
 *
 * A program that passes has every index in range, every register inside its
 * frame, every jump forward and inside its function, every call with the callee's
 * number of arguments, balanced WINDOW/ENDWINDOW on every path, and
 * well-formed constants. The VM checks none of this again, so the rules here
 * are the whole of what stands between a hostile .plb file and the VM. */
#include "vm/plb.h"
#include "base/utf8.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    MAX_REGS = 4096,
    MAX_WINDOW_DEPTH = 64,
    TYPEKIND_COUNT = T_NONE + 1
};

static const struct { const char *name; int min, max; } builtins[] = {
#define BUILTIN(id, name, min_args, max_args, ...) { name, min_args, max_args },
#include "base/builtins.def"
#undef BUILTIN
};
enum { NBUILTINS = sizeof builtins / sizeof builtins[0] };

typedef struct Ver {
    const BcProgram *p;
    char  *why;
    size_t whycap;
} Ver;

static bool bad(Ver *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool bad(Ver *v, const char *fmt, ...)
{
    if (v->why && v->whycap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->why, v->whycap, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- constants --------------------------------------------------------------- */

static bool valid_grain(unsigned g) { return g <= GRAIN_FY; }


static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static bool check_const(Ver *v, uint32_t i, const Value *c)
{
    if (c->unit >= TYPEKIND_COUNT)
        return bad(v, "constant %u: unknown unit %u", i, c->unit);
    switch (c->kind) {
    case V_MISSING:
    case V_DURATION:
        return true;
    case V_NUM: {
        if (!type_is_numeric(c->unit))
            return bad(v, "constant %u: a number whose unit (%s) is not a numeric type", i,
                       type_kind_name(c->unit));
        Num x = c->as.num;
        if (x.d <= 0)
            return bad(v, "constant %u: denominator %" PRId64 " is not positive", i, x.d);
        if (x.n == INT64_MIN)
            return bad(v, "constant %u: numerator out of range", i);
        uint64_t an = x.n < 0 ? (uint64_t)-x.n : (uint64_t)x.n;
        if (gcd_u64(an, (uint64_t)x.d) != 1)
            return bad(v, "constant %u: %" PRId64 "/%" PRId64 " is not in lowest terms", i, x.n, x.d);
        return true;
    }
    case V_REAL:
        if (!type_is_numeric(c->unit))
            return bad(v, "constant %u: a number whose unit (%s) is not a numeric type", i,
                       type_kind_name(c->unit));
        if (!isfinite(c->as.real))
            return bad(v, "constant %u: a real number that is not finite", i);
        return true;
    case V_BOOL:
        return true;
    case V_TEXT:
        if (c->as.text.len && !c->as.text.bytes)
            return bad(v, "constant %u: text without its bytes", i);
        if (c->as.text.len && memchr(c->as.text.bytes, 0, c->as.text.len))
            return bad(v, "constant %u: text with a NUL byte", i);
        if (c->as.text.len && !utf8_valid(c->as.text.bytes, c->as.text.len, NULL))
            return bad(v, "constant %u: text that is not valid UTF-8", i);
        return true;
    case V_PERIOD:
        if (!valid_grain(c->as.period.grain))
            return bad(v, "constant %u: unknown period grain %u", i, (unsigned)c->as.period.grain);
        return true;
    case V_STATUS:
        if (c->status >= ST__COUNT)
            return bad(v, "constant %u: unknown status %u", i, c->status);
        return true;
    case V_STATUSES:
        if (c->status >> ST__COUNT)
            return bad(v, "constant %u: status set 0x%x has bits beyond the %d statuses", i,
                       c->status, ST__COUNT);
        return true;
    case V_RANGE:
        if (!valid_grain(c->as.range.from.grain) || !valid_grain(c->as.range.to.grain))
            return bad(v, "constant %u: a range with an unknown period grain", i);
        if (c->as.range.from.grain != c->as.range.to.grain)
            return bad(v, "constant %u: a range from a %s to a %s", i,
                       grain_name(c->as.range.from.grain), grain_name(c->as.range.to.grain));
        return true;
    case V_LIST:
        return bad(v, "constant %u: lists are not allowed in constants", i);
    default:
        return bad(v, "constant %u: unknown value kind %u", i, c->kind);
    }
}

/* ---- functions ------------------------------------------------------------------ */

static const char *const kind_names[] = { "let", "fn", "metric", "expr", "filter" };

/* "function `ae_4hr`", or its index when it has no name to show. */
static const char *fn_label(const BcProgram *p, uint32_t i, char *buf, size_t cap)
{
    if (p->fns[i].name)
        snprintf(buf, cap, "function `%s`", p->fns[i].name);
    else
        snprintf(buf, cap, "function %u", i);
    return buf;
}

typedef struct FnCheck {
    Ver        *v;
    uint32_t    index;
    const BcFunction *f;
    char        label[128];
} FnCheck;

static bool bad_at(FnCheck *fc, uint32_t pc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool bad_at(FnCheck *fc, uint32_t pc, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned op = fc->f->code[pc].op;
    return bad(fc->v, "%s, instruction %u (%s): %s", fc->label, pc,
               op < OP__COUNT ? bc_ops[op].name : "?", msg);
}

static int64_t jump_target(uint32_t pc, Instr in)
{
    return (int64_t)pc + 1 + instr_jump(in);
}

static bool check_operand(FnCheck *fc, uint32_t pc, char slot, unsigned kind, unsigned val)
{
    const BcProgram *p = fc->v->p;
    const BcFunction *f = fc->f;
    switch ((OperandKind)kind) {
    case OPK__:
        if (val != 0)
            return bad_at(fc, pc, "unused operand %c must be 0, not %u", slot, val);
        return true;
    case OPK_R:
        if (val >= f->nregs)
            return bad_at(fc, pc, "register %u out of range (frame has %u)", val, f->nregs);
        return true;
    case OPK_K:
        if (val >= p->nconsts)
            return bad_at(fc, pc, "constant %u out of range (program has %u)", val, p->nconsts);
        return true;
    case OPK_RK:
        if (rk_is_constant(val) && (val & RK_MAX_CONSTANT) >= p->nconsts)
            return bad_at(fc, pc, "constant %u out of range (program has %u)", val & RK_MAX_CONSTANT, p->nconsts);
        if (!rk_is_constant(val) && val >= f->nregs)
            return bad_at(fc, pc, "register %u out of range (frame has %u)", val, f->nregs);
        return true;
    case OPK_F:
        if (val >= p->nfns)
            return bad_at(fc, pc, "function %u out of range (program has %u)", val, p->nfns);
        return true;
    case OPK_N:
        if (val >= NBUILTINS)
            return bad_at(fc, pc, "built-in %u out of range (there are %d)", val, (int)NBUILTINS);
        return true;
    case OPK_X:
        if (val >= p->nexterns)
            return bad_at(fc, pc, "extern %u out of range (program has %u)", val, p->nexterns);
        return true;
    case OPK_G:
        if (val >= p->naggs)
            return bad_at(fc, pc, "aggregate %u out of range (program has %u)", val, p->naggs);
        return true;
    case OPK_H:
        if (val >= HOST__COUNT)
            return bad_at(fc, pc, "host function %u out of range (there are %d)", val, (int)HOST__COUNT);
        return true;
    case OPK_I:
        return true;
    case OPK_J:
        /* B:C is one operand, checked once at B. */
        if (slot == 'B') {
            int64_t t = jump_target(pc, f->code[pc]);
            if (t < 0 || t >= f->ncode)
                return bad_at(fc, pc, "jump to %" PRId64 " is outside the function (0 to %u)", t,
                              f->ncode - 1);
            /* Pledge has no loops: the VM counts a call's steps as its
             * function's length, which only holds if no jump goes back */
            if (t <= pc)
                return bad_at(fc, pc, "jumps back to %" PRId64 ": every jump must go forward", t);
        } else if (slot == 'A' || bc_ops[f->code[pc].op].b != OPK_J) {
            return bad_at(fc, pc, "a jump offset outside B:C");
        }
        return true;
    }
    return bad_at(fc, pc, "unknown operand kind %u", kind);
}

/* R[A+1] .. R[A+C] must be in the frame. */
static bool check_args(FnCheck *fc, uint32_t pc, Instr in)
{
    if (in.c && (uint32_t)in.a + in.c >= fc->f->nregs)
        return bad_at(fc, pc, "arguments R%u..R%u run past the frame (it has %u registers)",
                      in.a + 1u, (uint32_t)in.a + in.c, fc->f->nregs);
    return true;
}

static bool check_instr(FnCheck *fc, uint32_t pc)
{
    const BcProgram *p = fc->v->p;
    Instr in = fc->f->code[pc];
    if (in.op >= OP__COUNT)
        return bad(fc->v, "%s, instruction %u: unknown opcode %u", fc->label, pc, in.op);
    if (in.zero != 0)
        return bad_at(fc, pc, "byte 1 must be 0, not %u", in.zero);
    const OpInfo *oi = &bc_ops[in.op];
    if (!check_operand(fc, pc, 'A', oi->a, in.a) || !check_operand(fc, pc, 'B', oi->b, in.b) ||
        !check_operand(fc, pc, 'C', oi->c, in.c))
        return false;

    switch ((Opcode)in.op) {
    case OP_CALL: {
        const BcFunction *callee = &p->fns[in.b];
        const char *name = callee->name ? callee->name : "?";
        if (callee->kind == FK_FILTER)
            return bad_at(fc, pc, "calls `%s`, a where-filter, which only aggregates run", name);
        if (in.c != callee->nparams)
            return bad_at(fc, pc, "calls `%s` with %u arguments; it takes %u", name, in.c,
                          callee->nparams);
        return check_args(fc, pc, in);
    }
    case OP_NATIVE:
        if (in.c < builtins[in.b].min || in.c > builtins[in.b].max)
            return bad_at(fc, pc, "calls `%s` with %u arguments; it takes %d to %d", builtins[in.b].name,
                          in.c, builtins[in.b].min, builtins[in.b].max);
        return check_args(fc, pc, in);
    case OP_EXTERN: {
        const BcExtern *x = &p->externs[in.b];
        if (in.c != x->nparams)
            return bad_at(fc, pc, "calls extern `%s` with %u arguments; it takes %u",
                          x->name ? x->name : "?", in.c, x->nparams);
        return check_args(fc, pc, in);
    }
    case OP_HOST:
        if (in.c < host_arity[in.b].min || in.c > host_arity[in.b].max)
            return bad_at(fc, pc, "calls host function %u with %u arguments; it takes %u to %u", in.b, in.c,
                          host_arity[in.b].min, host_arity[in.b].max);
        return check_args(fc, pc, in);
    case OP_RETYPE:
        if (in.c != T_NUMBER && in.c != T_COUNT && in.c != T_PERCENT && in.c != T_PP && in.c != T_MONEY)
            return bad_at(fc, pc, "unit %u is not a unit of numbers", in.c);
        return true;
    case OP_LIST:
        if ((uint32_t)in.b + in.c > fc->f->nregs)
            return bad_at(fc, pc, "list R%u..R%u runs past the frame (it has %u registers)", in.b,
                          (uint32_t)in.b + in.c - 1, fc->f->nregs);
        return true;
    default:
        return true;
    }
}

/* The depth of nested windows must not depend on the path taken: a forward
 * pass over the control-flow graph gives each reachable instruction the
 * depth on entry, and any disagreement is an error. */
static bool check_windows(FnCheck *fc)
{
    const BcFunction *f = fc->f;
    int16_t *depth = mem_alloc((size_t)f->ncode * sizeof *depth);
    uint32_t *work = mem_alloc((size_t)f->ncode * sizeof *work);
    for (uint32_t i = 0; i < f->ncode; i++)
        depth[i] = -1;
    size_t top = 0;
    depth[0] = 0;
    work[top++] = 0;
    bool ok = true;
    while (ok && top > 0) {
        uint32_t pc = work[--top];
        Instr in = f->code[pc];
        int d = depth[pc];
        switch ((Opcode)in.op) {
        case OP_WINDOW:
            if (++d > MAX_WINDOW_DEPTH)
                ok = bad_at(fc, pc, "windows nested deeper than %d", MAX_WINDOW_DEPTH);
            break;
        case OP_ENDWINDOW:
            if (--d < 0)
                ok = bad_at(fc, pc, "ENDWINDOW without a WINDOW");
            break;
        case OP_RET:
            if (d != 0)
                ok = bad_at(fc, pc, "returns inside %d window%s", d, d == 1 ? "" : "s");
            break;
        default:
            break;
        }
        /* Successors from the operand kinds, so a new conditional jump in
         * opcodes.def is followed without a change here: every jump may go
         * to its target, and all but JMP and RET may fall through. */
        uint32_t next[2];
        int nnext = 0;
        if (in.op != OP_JMP && in.op != OP_RET)
            next[nnext++] = pc + 1;
        if (bc_ops[in.op].b == OPK_J)
            next[nnext++] = (uint32_t)jump_target(pc, in);
        /* The last instruction is RET or JMP, so pc + 1 is always in range. */
        for (int k = 0; ok && k < nnext; k++) {
            uint32_t s = next[k];
            if (depth[s] < 0) {
                depth[s] = (int16_t)d;
                work[top++] = s;
            } else if (depth[s] != d) {
                ok = bad(fc->v, "%s, instruction %u (%s): reached inside %d window%s on one path and %d on another",
                         fc->label, s, bc_ops[f->code[s].op].name, d, d == 1 ? "" : "s", depth[s]);
            }
        }
    }
    mem_free(depth);
    mem_free(work);
    return ok;
}

static bool check_function(Ver *v, uint32_t i)
{
    const BcProgram *p = v->p;
    FnCheck fc = { .v = v, .index = i, .f = &p->fns[i] };
    const BcFunction *f = fc.f;
    fn_label(p, i, fc.label, sizeof fc.label);

    if (!f->name)
        return bad(v, "function %u has no name", i);
    if (f->kind > FK_FILTER)
        return bad(v, "%s: unknown kind %u", fc.label, f->kind);
    if (f->result >= TYPEKIND_COUNT)
        return bad(v, "%s: unknown result type %u", fc.label, f->result);
    if (f->nregs > MAX_REGS)
        return bad(v, "%s: %u registers, more than the %d allowed", fc.label, f->nregs, MAX_REGS);
    if (f->nparams > f->nregs)
        return bad(v, "%s: %u parameters but only %u registers", fc.label, f->nparams, f->nregs);
    if (f->nparams && !f->param_types)
        return bad(v, "%s: no parameter types", fc.label);
    for (uint32_t k = 0; k < f->nparams; k++)
        if (f->param_types[k] >= TYPEKIND_COUNT)
            return bad(v, "%s: parameter %u has unknown type %u", fc.label, k, f->param_types[k]);
    if (f->ncode == 0 || !f->code)
        return bad(v, "%s: no instructions", fc.label);
    if (!f->lines)
        return bad(v, "%s: no line table", fc.label);

    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        if (!check_instr(&fc, pc))
            return false;
        if (f->lines[pc].source >= p->nsources)
            return bad_at(&fc, pc, "line table names source %u (program has %u)", f->lines[pc].source,
                          p->nsources);
    }
    uint8_t last = f->code[f->ncode - 1].op;
    if (last != OP_RET && last != OP_JMP)
        return bad_at(&fc, f->ncode - 1, "the last instruction must be RET or JMP");
    return check_windows(&fc);
}

/* A function index held in a table: must exist, be of `kind`, and take
 * `nparams` arguments (-1: any number). */
static bool check_ref(Ver *v, const char *what, int32_t fn, FnKind kind, int nparams)
{
    const BcProgram *p = v->p;
    if (fn < 0 || (uint32_t)fn >= p->nfns)
        return bad(v, "%s: function %" PRId32 " out of range (program has %u)", what, fn, p->nfns);
    const BcFunction *f = &p->fns[fn];
    if (f->kind != kind)
        return bad(v, "%s: `%s` must be of kind %s, not %s", what, f->name, kind_names[kind],
                   f->kind <= FK_FILTER ? kind_names[f->kind] : "?");
    if (nparams >= 0 && f->nparams != nparams)
        return bad(v, "%s: `%s` takes %u parameters, not %d", what, f->name, f->nparams, nparams);
    return true;
}

/* ---- tables ------------------------------------------------------------------------ */

static bool check_feeds(Ver *v)
{
    const BcProgram *p = v->p;
    if (p->nfeeds && !p->feeds)
        return bad(v, "feeds: the table is missing");
    for (uint32_t i = 0; i < p->nfeeds; i++) {
        const BcFeed *f = &p->feeds[i];
        if (!f->name || !f->org_col || !f->period_col)
            return bad(v, "feed %u: needs a name, an org column and a period column", i);
        if (!valid_grain(f->grain))
            return bad(v, "feed `%s`: unknown period grain %u", f->name, f->grain);
        if (f->ncolumns && !f->columns)
            return bad(v, "feed `%s`: the columns are missing", f->name);
        for (uint32_t k = 0; k < f->ncolumns; k++) {
            if (!f->columns[k].name)
                return bad(v, "feed `%s`: column %u has no name", f->name, k);
            if (f->columns[k].type >= TYPEKIND_COUNT)
                return bad(v, "feed `%s`: column `%s` has unknown type %u", f->name,
                           f->columns[k].name, f->columns[k].type);
            if (f->columns[k].format > COL_POINTS ||
                (f->columns[k].format == COL_POINTS && f->columns[k].type != T_PERCENT))
                return bad(v, "feed `%s`: column `%s` has format %u, which its type does not take", f->name,
                           f->columns[k].name, f->columns[k].format);
        }
    }
    return true;
}

static bool check_hierarchies(Ver *v)
{
    const BcProgram *p = v->p;
    if (p->nhiers && !p->hiers)
        return bad(v, "hierarchies: the table is missing");
    for (uint32_t i = 0; i < p->nhiers; i++) {
        const BcHierarchy *h = &p->hiers[i];
        if (!h->name || !h->member_col || !h->parent_col)
            return bad(v, "hierarchy %u: needs a name, a member column and a parent column", i);
    }
    return true;
}

static bool check_sources(Ver *v)
{
    const BcProgram *p = v->p;
    if (p->nsources && !p->sources)
        return bad(v, "sources: the table is missing");
    for (uint32_t i = 0; i < p->nsources; i++)
        if (!p->sources[i].path || !p->sources[i].text)
            return bad(v, "source %u: needs a path and its text", i);
    return true;
}

static bool plain_type(unsigned t)
{
    return t == T_NUMBER || t == T_COUNT || t == T_BOOL || t == T_TEXT;
}

static bool check_externs(Ver *v)
{
    const BcProgram *p = v->p;
    if (p->nexterns && !p->externs)
        return bad(v, "externs: the table is missing");
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const BcExtern *x = &p->externs[i];
        if (!x->lib || !x->name)
            return bad(v, "extern %u: needs a library and a name", i);
        if (x->nparams && !x->param_types)
            return bad(v, "extern `%s`: no parameter types", x->name);
        for (uint32_t k = 0; k < x->nparams; k++)
            if (!plain_type(x->param_types[k]))
                return bad(v, "extern `%s`: parameter %u must be number, count, bool or text (type %u)",
                           x->name, k, x->param_types[k]);
        if (!plain_type(x->result))
            return bad(v, "extern `%s`: the result must be number, count, bool or text (type %u)",
                       x->name, x->result);
    }
    return true;
}

static bool check_aggregates(Ver *v)
{
    const BcProgram *p = v->p;
    if (p->naggs && !p->aggs)
        return bad(v, "aggregates: the table is missing");
    for (uint32_t i = 0; i < p->naggs; i++) {
        const BcAggregate *g = &p->aggs[i];
        if (g->feed >= p->nfeeds)
            return bad(v, "aggregate %u: feed %u out of range (program has %u)", i, g->feed, p->nfeeds);
        const BcFeed *feed = &p->feeds[g->feed];
        if (g->column >= feed->ncolumns)
            return bad(v, "aggregate %u: column %u out of range (feed `%s` has %u)", i, g->column,
                       feed->name, feed->ncolumns);
        if (g->func > AGG_COUNT)
            return bad(v, "aggregate %u: unknown function %u", i, g->func);
        if (g->nfilter && !g->filter_cols)
            return bad(v, "aggregate %u: the filter's columns are missing", i);
        for (uint32_t k = 0; k < g->nfilter; k++)
            if (g->filter_cols[k] >= feed->ncolumns)
                return bad(v, "aggregate %u: filter column %u out of range (feed `%s` has %u)", i,
                           g->filter_cols[k], feed->name, feed->ncolumns);
        if (g->filter != -1) {
            char what[64];
            snprintf(what, sizeof what, "aggregate %u's filter", i);
            if (!check_ref(v, what, g->filter, FK_FILTER, g->nfilter))
                return false;
        }
    }
    return true;
}

static bool check_round(Ver *v)
{
    const BcProgram *p = v->p;
    const BcRound *r = &p->round;
    if (r->ndates && !r->dates)
        return bad(v, "round: the dates are missing");
    for (uint32_t k = 0; k < r->ndates; k++)
        if (!r->dates[k].name)
            return bad(v, "round: date %u has no name", k);
    if (r->horizon != -1) {
        if (r->horizon < 0 || (uint32_t)r->horizon >= p->nconsts)
            return bad(v, "round: horizon constant %" PRId32 " out of range (program has %u)", r->horizon,
                       p->nconsts);
        if (p->consts[r->horizon].kind != V_RANGE)
            return bad(v, "round: the horizon (constant %" PRId32 ") is not a range", r->horizon);
    }
    if (r->assess != -1 && (r->assess < 0 || (uint32_t)r->assess >= p->nhiers))
        return bad(v, "round: assess hierarchy %" PRId32 " out of range (program has %u)", r->assess,
                   p->nhiers);
    return true;
}

static bool check_threshold(Ver *v, const char *name, const char *which, const BcThreshold *t)
{
    char what[192];
    if (t->cmp > CMP_GE)
        return bad(v, "commitment `%s`: %s has unknown comparison %u", name, which, t->cmp);
    snprintf(what, sizeof what, "commitment `%s`: %s value", name, which);
    if (!check_ref(v, what, t->value_fn, FK_EXPR, 0))
        return false;
    snprintf(what, sizeof what, "commitment `%s`: %s window", name, which);
    return check_ref(v, what, t->window_fn, FK_EXPR, 0);
}

static bool check_commitments(Ver *v)
{
    const BcProgram *p = v->p;
    if (p->ncommits && !p->commits)
        return bad(v, "commitments: the table is missing");
    for (uint32_t i = 0; i < p->ncommits; i++) {
        const BcCommitment *c = &p->commits[i];
        if (!c->name)
            return bad(v, "commitment %u has no name", i);
        if (c->cls != 1 && c->cls != 2)
            return bad(v, "commitment `%s`: unknown class %u", c->name, c->cls);
        char what[160];
        snprintf(what, sizeof what, "commitment `%s`: measure", c->name);
        if (!check_ref(v, what, c->measure, FK_METRIC, 0))
            return false;
        if (!check_threshold(v, c->name, "target", &c->target))
            return false;
        if (c->nmilestones && !c->milestones)
            return bad(v, "commitment `%s`: the milestones are missing", c->name);
        for (uint32_t k = 0; k < c->nmilestones; k++) {
            char which[32];
            snprintf(which, sizeof which, "milestone %u", k);
            if (!check_threshold(v, c->name, which, &c->milestones[k]))
                return false;
        }
        if (c->plan_feed == -1) {
            if (c->plan_column != -1)
                return bad(v, "commitment `%s`: a plan column without a plan feed", c->name);
        } else {
            if (c->plan_feed < 0 || (uint32_t)c->plan_feed >= p->nfeeds)
                return bad(v, "commitment `%s`: plan feed %" PRId32 " out of range (program has %u)",
                           c->name, c->plan_feed, p->nfeeds);
            const BcFeed *f = &p->feeds[c->plan_feed];
            if (c->plan_column < 0 || (uint32_t)c->plan_column >= f->ncolumns)
                return bad(v, "commitment `%s`: plan column %" PRId32 " out of range (feed `%s` has %u)",
                           c->name, c->plan_column, f->name, f->ncolumns);
        }
        if (c->tolerance != -1) {
            if (c->tolerance < 0 || (uint32_t)c->tolerance >= p->nconsts)
                return bad(v, "commitment `%s`: tolerance constant %" PRId32 " out of range (program has %u)",
                           c->name, c->tolerance, p->nconsts);
            uint8_t k = p->consts[c->tolerance].kind;
            if (k != V_NUM && k != V_REAL)
                return bad(v, "commitment `%s`: the tolerance is not a number", c->name);
        }
    }
    return true;
}

static bool check_checks(Ver *v)
{
    const BcProgram *p = v->p;
    if (p->nchecks && !p->checks)
        return bad(v, "checks: the table is missing");
    for (uint32_t i = 0; i < p->nchecks; i++) {
        const BcCheck *c = &p->checks[i];
        if (!c->name)
            return bad(v, "check %u has no name", i);
        char what[160];
        snprintf(what, sizeof what, "check `%s`: require", c->name);
        if (!check_ref(v, what, c->require, FK_EXPR, 0))
            return false;
    }
    return true;
}

static bool check_ratings(Ver *v)
{
    const BcProgram *p = v->p;
    if (p->nratings && !p->ratings)
        return bad(v, "ratings: the table is missing");
    for (uint32_t i = 0; i < p->nratings; i++) {
        const BcRating *r = &p->ratings[i];
        if (!r->name)
            return bad(v, "rating %u has no name", i);
        if (r->narms && !r->arms)
            return bad(v, "rating `%s`: the arms are missing", r->name);
        for (uint32_t k = 0; k < r->narms; k++) {
            if (!r->arms[k].label)
                return bad(v, "rating `%s`: arm %u has no label", r->name, k);
            if (r->arms[k].when == -1)
                continue;
            char what[192];
            snprintf(what, sizeof what, "rating `%s`: arm `%s`", r->name, r->arms[k].label);
            if (!check_ref(v, what, r->arms[k].when, FK_EXPR, 0))
                return false;
        }
    }
    return true;
}

bool bc_verify(const BcProgram *p, char *why, size_t whycap)
{
    Ver v = { p, why, whycap };
    if (p->nconsts && !p->consts)
        return bad(&v, "constants: the table is missing");
    for (uint32_t i = 0; i < p->nconsts; i++)
        if (!check_const(&v, i, &p->consts[i]))
            return false;
    /* Functions refer to the tables below (sources through their line
     * tables, externs through EXTERN), so those are checked first. */
    if (!check_feeds(&v) || !check_hierarchies(&v) || !check_sources(&v) || !check_externs(&v))
        return false;
    if (p->nfns && !p->fns)
        return bad(&v, "functions: the table is missing");
    for (uint32_t i = 0; i < p->nfns; i++)
        if (!check_function(&v, i))
            return false;
    return check_aggregates(&v) && check_round(&v) && check_commitments(&v) && check_checks(&v) &&
           check_ratings(&v);
}
