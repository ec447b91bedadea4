/* verify.c: bc_verify, everything the VM may then take for granted.
 *
 * A program that passes has every index in range, every register inside its
 * frame, every jump forward and inside its function, every call with the callee's
 * number of arguments, balanced WINDOW/ENDWINDOW on every path, and
 * well-formed constants. The VM checks none of this again, so the rules here
 * are the whole of what stands between a hostile .plb file and the VM. */
#include "vm/plb.h"
#include "vm/layout.h"
#include "base/builtins.h"
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

enum { NBUILTINS = BI__COUNT };

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
    const OpInfo *oi = &bc_ops[in.op];
    if (in.bx != 0 && !opk_wide(oi->b))
        return bad_at(fc, pc, "byte 1 must be 0, not %u", in.bx);
    uint32_t b = instr_b(in);
    if (!check_operand(fc, pc, 'A', oi->a, in.a) || !check_operand(fc, pc, 'B', oi->b, b) ||
        !check_operand(fc, pc, 'C', oi->c, in.c))
        return false;

    switch ((Opcode)in.op) {
    case OP_CALL: {
        const BcFunction *callee = &p->fns[b];
        const char *name = callee->name ? callee->name : "?";
        if (callee->kind == FK_FILTER)
            return bad_at(fc, pc, "calls `%s`, a where-filter, which only aggregates run", name);
        if (in.c != callee->nparams)
            return bad_at(fc, pc, "calls `%s` with %u arguments; it takes %u", name, in.c,
                          callee->nparams);
        return check_args(fc, pc, in);
    }
    case OP_NATIVE:
        if (in.c < builtins[in.b].min_args || in.c > builtins[in.b].max_args)
            return bad_at(fc, pc, "calls `%s` with %u arguments; it takes %d to %d", builtins[in.b].name,
                          in.c, builtins[in.b].min_args, builtins[in.b].max_args);
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
    /* a let is called with no arguments at all (pledge eval runs every
     * one); metrics and expressions are checked where a table names them */
    if (f->kind == FK_LET && f->nparams)
        return bad(v, "%s: a let takes no parameters, not %u", fc.label, f->nparams);
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
        return bad(v, "%s: `%s` must be of kind %s, not %s", what, f->name, bc_fn_kind_names[kind],
                   f->kind <= FK_FILTER ? bc_fn_kind_names[f->kind] : "?");
    if (nparams >= 0 && f->nparams != nparams)
        return bad(v, "%s: `%s` takes %u parameters, not %d", what, f->name, f->nparams, nparams);
    return true;
}

/* ---- tables, as layout.c describes them ---------------------------------------- */

static bool plain_type(unsigned t)
{
    return t == T_NUMBER || t == T_COUNT || t == T_BOOL || t == T_TEXT;
}

/* "a: b", or whichever of a and b is not empty */
static const char *join(char *buf, size_t cap, const char *a, const char *sep, const char *b)
{
    /* names are short; a longer message is cut, never overrun */
    if (snprintf(buf, cap, "%s%s%s", a, *a && *b ? sep : "", b) < 0)
        buf[0] = '\0';
    return buf;
}

/* Where a field is, for messages: the entry that holds it ("feed `ae`",
 * "round", "rating `overall`: arm `outstanding`"), the path to it inside
 * the entry ("target", "milestone 0") and its label ("value"). */
typedef struct Where { const char *owner, *path, *label; } Where;

/* owner: path label */
static const char *where_text(Where w, char *buf, size_t cap)
{
    char pl[160];
    return join(buf, cap, w.owner, ": ", join(pl, sizeof pl, w.path, " ", w.label));
}

/* A field's reference (one element's, when index >= 0) holds. obj is the
 * struct that holds the field (for an array's elements, the array's). */
static bool check_ref_field(Ver *v, const BcField *f, const void *obj, int64_t val, Where w, long index)
{
    const BcProgram *p = v->p;
    char what[256], pl[160];
    const char *at = join(pl, sizeof pl, w.path, " ", w.label);
    const char *sp = *at ? " " : "";
    if ((f->flags & BFF_OPTIONAL) && val == -1 && f->ref != BR_COLUMN)
        return true;
    switch ((BcRef)f->ref) {
    case BR_NONE:
    case BR_NEEDED:
        return true;
    case BR_EXPR:
        return check_ref(v, where_text(w, what, sizeof what), (int32_t)val, FK_EXPR, 0);
    case BR_METRIC:
        return check_ref(v, where_text(w, what, sizeof what), (int32_t)val, FK_METRIC, 0);
    case BR_FILTER: {
        snprintf(what, sizeof what, "%s's %s", w.owner, w.label);
        int64_t ncols = bc_get_int(obj, f->with_off, f->with_size, false);
        /* the loader passes a condition's columns in an array of this size */
        if (ncols > BC_MAX_FILTER_COLUMNS)
            return bad(v, "%s reads %" PRId64 " columns; at most %d", what, ncols, BC_MAX_FILTER_COLUMNS);
        return check_ref(v, what, (int32_t)val, FK_FILTER, (int)ncols);
    }
    case BR_CONST_WINDOW:
    case BR_CONST_NUMBER:
        if (val < 0 || (uint64_t)val >= p->nconsts)
            return bad(v, "%s: %s constant %" PRId64 " out of range (program has %u)", w.owner, at, val, p->nconsts);
        /* a window, as the language allows: `horizon = 2019/20 .. 2023/24` or `= 2019/20` */
        if (f->ref == BR_CONST_WINDOW && p->consts[val].kind != V_RANGE && p->consts[val].kind != V_PERIOD)
            return bad(v, "%s: the %s (constant %" PRId64 ") is not a window (a range or a period)", w.owner, at, val);
        if (f->ref == BR_CONST_NUMBER && p->consts[val].kind != V_NUM && p->consts[val].kind != V_REAL)
            return bad(v, "%s: the %s is not a number", w.owner, at);
        return true;
    case BR_FEED:
        if (val < 0 || val >= p->nfeeds)
            return bad(v, "%s: %s%sfeed %" PRId64 " out of range (program has %u)", w.owner, at, sp, val, p->nfeeds);
        return true;
    case BR_COLUMN: {
        int64_t feed = bc_get_int(obj, f->with_off, f->with_size, f->with_size == 4);
        if ((f->flags & BFF_OPTIONAL) && feed == -1) {
            if (val != -1)
                return bad(v, "%s: a %s column without a %s feed", w.owner, at, at);
            return true;
        }
        /* the feed is in range: it is checked before, being an earlier field */
        const BcFeed *fd = &p->feeds[feed];
        if (val < 0 || val >= fd->ncolumns)
            return bad(v, "%s: %s%scolumn %" PRId64 " out of range (feed `%s` has %u)", w.owner, at, sp, val,
                       fd->name, fd->ncolumns);
        return true;
    }
    case BR_OWN_COLUMN: {
        int64_t ncolumns = bc_get_int(obj, f->with_off, f->with_size, false);
        if (val < 0 || val >= ncolumns)
            return bad(v, "%s: %s%scolumn %" PRId64 " out of range (the feed has %" PRId64 ")", w.owner, at, sp, val,
                       ncolumns);
        return true;
    }
    case BR_HIER:
        if (val < 0 || val >= p->nhiers)
            return bad(v, "%s: %s%shierarchy %" PRId64 " out of range (program has %u)", w.owner, at, sp, val,
                       p->nhiers);
        return true;
    case BR_GRAIN:
        if (!valid_grain((unsigned)val))
            return bad(v, "%s: unknown period grain %u", where_text(w, what, sizeof what), (unsigned)val);
        return true;
    case BR_TYPE:
        if (val >= TYPEKIND_COUNT)
            return bad(v, "%s has unknown type %u", where_text(w, what, sizeof what), (unsigned)val);
        return true;
    case BR_PLAIN_TYPE:
        if (plain_type((unsigned)val))
            return true;
        if (index >= 0)
            return bad(v, "%s: %s %ld must be number, count, bool or text (type %u)", w.owner, at, index,
                       (unsigned)val);
        return bad(v, "%s: the %s must be number, count, bool or text (type %u)", w.owner, at, (unsigned)val);
    case BR_FORMAT: {
        int64_t type = bc_get_int(obj, f->with_off, f->with_size, false);
        if (val > COL_POINTS || (val == COL_POINTS && type != T_PERCENT))
            return bad(v, "%s has format %u, which its type does not take", where_text(w, what, sizeof what),
                       (unsigned)val);
        return true;
    }
    case BR_CLASS:
        if (val != 1 && val != 2)
            return bad(v, "%s: unknown class %u", where_text(w, what, sizeof what), (unsigned)val);
        return true;
    case BR_CMP:
        if (val > CMP_GE)
            return bad(v, "%s has unknown comparison %u", where_text(w, what, sizeof what), (unsigned)val);
        return true;
    case BR_AGG_FUNC:
        if (val > AGG_COUNT)
            return bad(v, "%s: unknown function %u", where_text(w, what, sizeof what), (unsigned)val);
        return true;
    case BR_PUB:
        if (val > PUB_BY)
            return bad(v, "%s: unknown publication %u", where_text(w, what, sizeof what), (unsigned)val);
        return true;
    }
    return bad(v, "%s: unknown reference kind %u", where_text(w, what, sizeof what), f->ref);
}

static bool check_entry(Ver *v, const BcLayout *l, const void *obj, const char *owner, const char *path,
                        const char *noun, long index);

static bool check_field(Ver *v, const BcField *f, const void *obj, Where w)
{
    switch ((BcFieldKind)f->kind) {
    case BF_STRUCT:
        return check_entry(v, f->elem, bc_member(obj, f->off), w.owner, w.path, f->label, -1);
    case BF_ARRAY:
    case BF_EACH:
    case BF_LINES: {
        const char *items;
        memcpy(&items, bc_member(obj, f->off), sizeof items);
        int64_t n = bc_get_int(obj, f->aux_off, f->aux_size, false);
        if (n && !items)
            return bad(v, "%s: the %s are missing", w.owner, f->plural);
        for (int64_t k = 0; k < n; k++) {
            const void *item = items + (size_t)k * f->elem->size;
            /* an element that is a bare integer is checked by the array's ref */
            bool scalar = f->elem->nfields == 1 && f->elem->fields[0].kind <= BF_I32;
            bool ok = scalar ? check_ref_field(v, f, obj, bc_field_int(&f->elem->fields[0], item), w, (long)k)
                             : check_entry(v, f->elem, item, w.owner, w.path, f->label, (long)k);
            if (!ok)
                return false;
        }
        return true;
    }
    default:
        return check_ref_field(v, f, obj, f->kind == BF_STR || f->kind == BF_TEXT || f->kind == BF_SHA256 ||
                                                  f->kind == BF_VALUE ? 0 : bc_field_int(f, obj), w, -1);
    }
}

/* One entry of a table (owner empty), or an element or inline struct of
 * one: its noun (and index) is where it is. Missing strings first, since
 * the entry is named by one of them in what follows. */
static bool check_entry(Ver *v, const BcLayout *l, const void *obj, const char *owner, const char *path,
                        const char *noun, long index)
{
    char here[160], who[256], named[256];
    if (index >= 0) {
        char ni[64];
        snprintf(ni, sizeof ni, "%s %ld", noun, index);
        join(here, sizeof here, path, " ", ni);
    } else {
        join(here, sizeof here, path, " ", noun);
    }
    join(who, sizeof who, owner, ": ", here);
    for (unsigned i = 0; i < l->nfields; i++)
        if (l->fields[i].ref == BR_NEEDED && !bc_field_str(&l->fields[i], obj))
            return bad(v, "%s%s", who, l->needs);
    Where w;
    if (l->name >= 0) {
        char np[160];
        snprintf(named, sizeof named, "%s `%s`", join(np, sizeof np, path, " ", noun),
                 bc_field_str(&l->fields[l->name], obj));
        join(who, sizeof who, owner, ": ", named);
        w = (Where){ who, "", "" };
    } else if (!*owner) {
        w = (Where){ here, "", "" };
    } else {
        w = (Where){ owner, here, "" };
    }
    for (unsigned i = 0; i < l->nfields; i++) {
        w.label = l->fields[i].label;
        if (!check_field(v, &l->fields[i], obj, w))
            return false;
    }
    return true;
}

static bool check_section(Ver *v, BcSectionId id)
{
    const BcSection *s = &bc_sections[id];
    const BcLayout *l = s->layout;
    if (!s->count_size)
        return check_entry(v, l, bc_member(v->p, s->off), "", "", l->noun, -1);
    const char *items;
    memcpy(&items, bc_member(v->p, s->off), sizeof items);
    int64_t n = bc_get_int(v->p, s->count_off, s->count_size, false);
    if (n && !items)
        return bad(v, "%s: the table is missing", s->plural);
    for (int64_t i = 0; i < n; i++)
        if (!check_entry(v, l, items + (size_t)i * l->size, "", "", l->noun, (long)i))
            return false;
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
    if (!check_section(&v, SEC_FEEDS) || !check_section(&v, SEC_HIERS) || !check_section(&v, SEC_SOURCES) ||
        !check_section(&v, SEC_EXTERNS))
        return false;
    for (uint32_t i = 0; i < p->nfeeds; i++) {
        const BcFeed *f = &p->feeds[i];
        if (f->lag_days < 0 && !feed_awaits_publication(f))
            return bad(&v, "feed `%s`: lag %d days", f->name, f->lag_days);
    }
    if (p->nfns && !p->fns)
        return bad(&v, "functions: the table is missing");
    for (uint32_t i = 0; i < p->nfns; i++)
        if (!check_function(&v, i))
            return false;
    return check_section(&v, SEC_AGGS) && check_section(&v, SEC_ROUND) && check_section(&v, SEC_COMMITS) &&
           check_section(&v, SEC_CHECKS) && check_section(&v, SEC_RATINGS) && check_section(&v, SEC_RULES);
}
