/* bytecode.c: the opcode table and the little a BcProgram needs besides
 * its tables (reading, writing and checking are plb.c and verify.c). */
#include "vm/bytecode.h"
#include "base/builtins.h"

#include <stdio.h>
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

size_t bc_pub_text(const BcAggregate *a, char *buf, size_t cap)
{
    char day[32] = "";
    if (a->pub == PUB_BY) period_format((Period){ GRAIN_DAY, a->pub_day }, day, sizeof day);
    int n = snprintf(buf, cap, "%s%s", a->pub == PUB_FIRST ? " as first" : a->pub == PUB_BY ? " as of " : "", day);
    return n < 0 ? 0 : (size_t)n;
}

bool bc_fn_reads_across(const BcFunction *f)
{
    for (uint32_t i = 0; i < f->ncode; i++)
        if (f->code[i].op == OP_HOST && f->code[i].b == HOST_ACROSS) return true;
    return false;
}

size_t bc_agg_text(const BcProgram *p, uint32_t g, char *buf, size_t cap)
{
    const BcAggregate *a = &p->aggs[g];
    const BcFeed *f = &p->feeds[a->feed];
    char pub[48];
    bc_pub_text(a, pub, sizeof pub);
    int n = snprintf(buf, cap, "%s(%s.%s%s%s)", bc_agg_names[a->func], f->name, f->columns[a->column].name,
                     a->filter >= 0 ? " where …" : "", pub);
    return n < 0 ? 0 : (size_t)n;
}

void bc_index_sources(BcProgram *p)
{
    for (uint16_t k = 0; k < p->nsources; k++) {
        BcSource *s = &p->sources[k];
        s->line_at = NULL;
        s->nlines = 0;
        if (!s->text) continue;
        const char *end = s->text + s->len;
        uint32_t lines = 1;
        for (const char *q = s->text; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++) lines++;
        s->line_at = arena_alloc(&p->arena, (size_t)lines * sizeof *s->line_at);
        s->line_at[0] = 0;
        lines = 1;
        for (const char *q = s->text; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
            s->line_at[lines++] = (uint32_t)(q + 1 - s->text);
        s->nlines = lines;
    }
}

/* A function's source text: the lines its instructions came from, without
 * comments, the spaces between words made one. A block comment counts from
 * where it opens within those lines. */
const char *bc_source_text(const BcProgram *p, int64_t fn, Arena *arena)
{
    if (fn < 0 || fn >= p->nfns) return "none";
    const BcFunction *f = &p->fns[fn];
    uint32_t lo = UINT32_MAX, hi = 0;
    uint16_t src = f->lines && f->ncode ? f->lines[0].source : UINT16_MAX;
    for (uint32_t pc = 0; f->lines && pc < f->ncode; pc++) {
        if (f->lines[pc].source != src || !f->lines[pc].line) continue;
        lo = f->lines[pc].line < lo ? f->lines[pc].line : lo;
        hi = f->lines[pc].line > hi ? f->lines[pc].line : hi;
    }
    if (src >= p->nsources || lo > hi || !p->sources[src].text) return "(no source text)";
    const BcSource *s = &p->sources[src];
    /* with the index: start at line lo (nothing before it changes what is
     * kept), and only lines lo..hi need room */
    uint32_t from = 0, line = 1, to = s->len;
    if (s->line_at && lo >= 1 && lo <= s->nlines) {
        from = s->line_at[lo - 1];
        line = lo;
        if (hi < s->nlines) to = s->line_at[hi];
    }
    char *out = arena_alloc(arena, (size_t)(to - from) + 1u);
    size_t n = 0;
    bool quoted = false, comment = false, block = false;
    for (uint32_t i = from; i < s->len && line <= hi; i++) {
        char ch = s->text[i], next = i + 1 < s->len ? s->text[i + 1] : '\0';
        if (ch == '\n') { line++; quoted = comment = false; ch = ' '; }
        if (block) { if (ch == '*' && next == '/') { block = false; i++; } continue; }
        if (line < lo || line > hi || comment) continue;
        if (!quoted && ch == '/' && next == '/') { comment = true; continue; }
        if (!quoted && ch == '/' && next == '*') { block = true; i++; continue; }
        if (ch == '"') quoted = !quoted;
        if (!quoted && (ch == ' ' || ch == '\t' || ch == '\r')) {
            if (n && out[n - 1] != ' ') out[n++] = ' ';
            continue;
        }
        out[n++] = ch;
    }
    while (n && out[n - 1] == ' ') n--;
    out[n] = '\0';
    return out;
}

static bool is_time(Value v)
{
    return v.kind == V_PERIOD || v.kind == V_RANGE || v.kind == V_DURATION;
}

/* Whether f may make a period that is not one of the program's constants:
 * a built-in that gives one, an extern, an aggregate of a date column, or
 * arithmetic in a function that holds periods or durations at all (a
 * constant, a parameter, a call's result: registers are not followed). */
static bool fn_makes_periods(const BcProgram *p, const BcFunction *f)
{
    bool holds_time = false, arith = false;
    for (uint16_t i = 0; i < f->nparams; i++)
        holds_time |= f->param_types[i] >= T_DATE && f->param_types[i] <= T_DURATION;
    for (uint32_t i = 0; i < f->ncode; i++) {
        Instr in = f->code[i];
        uint32_t b = instr_b(in);
        switch (in.op) {
        case OP_EXTERN: return true;
        case OP_NATIVE:
            if (b < BI__COUNT && builtins[b].sig.result >= BRES_DATE) return true;
            break;
        case OP_AGG: {
            uint8_t t = p->feeds[p->aggs[b].feed].columns[p->aggs[b].column].type;
            if (t >= T_DATE && t <= T_DURATION) return true;
            break;
        }
        case OP_LOADK: holds_time |= b < p->nconsts && is_time(p->consts[b]); break;
        case OP_CALL: holds_time |= p->fns[b].result >= T_DATE && p->fns[b].result <= T_DURATION; break;
        case OP_ADD: case OP_SUB:
            arith = true;
            holds_time |= (rk_is_constant(in.b) && is_time(p->consts[in.b & RK_MAX_CONSTANT]))
                       || (rk_is_constant(in.c) && is_time(p->consts[in.c & RK_MAX_CONSTANT]));
            break;
        default: break;
        }
    }
    return holds_time && arith;
}

bool bc_window_span(const BcProgram *p, Day *from, Day *to)
{
    for (uint16_t k = 0; k < p->ncommits; k++) {
        const BcCommitment *c = &p->commits[k];
        /* a deadline's measure reads from the horizon's (or the data's) first day to the as-of day */
        if (c->target.window_feed >= 0 || c->plan_feed >= 0 || c->deadline) return false;
        for (uint16_t i = 0; i < c->nmilestones; i++)
            if (c->milestones[i].window_feed >= 0) return false;
    }
    for (uint32_t i = 0; i < p->nfns; i++)
        if (p->fns[i].kind != FK_FILTER && fn_makes_periods(p, &p->fns[i])) return false;
    bool any = false;
    for (uint32_t i = 0; i < p->nconsts; i++) {
        Day a, b;
        if (p->consts[i].kind == V_DURATION || !val_window_days(p->consts[i], &a, &b)) continue;
        if (!any || a < *from) *from = a;
        if (!any || b > *to) *to = b;
        any = true;
    }
    return any;
}
