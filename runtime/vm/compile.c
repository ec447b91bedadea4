/* compile.c: the checked syntax tree to a BcProgram.
 *
 * Each let, fn and metric becomes a function, as does each expression of a
 * commitment, check and rating. Registers are allocated as a stack: an
 * expression is compiled into a destination register and uses the ones
 * above it as temporaries. Constant subexpressions are folded with the same
 * value functions the VM runs (runtime/value.c), so folding cannot change a
 * result. Aggregates over feeds become AGG instructions over a table of
 * aggregates the data layer reads ahead of time; a `where` condition becomes
 * a small FK_FILTER function of the row's columns, which the data layer can
 * evaluate once per distinct combination of values, not per row. */
#include "vm/compile.h"
#include "lang/checker.h"
#include "base/sha256.h"
#include "base/hash.h"
#include <string.h>

enum { MAX_INDEX = 65535 };   /* registers, row rules; functions, constants and aggregates go to BC_WIDE_MAX */

/* Results by group (issue 16): while a group's variant of a metric is
 * compiled, every aggregate over `feed` also keeps only the rows whose
 * column `col` holds `value`. feed NULL: no group. */
typedef struct Group { Decl *feed; int col; Node *value; } Group;
typedef struct Work { Decl *d; Group g; int32_t fn; } Work;
typedef struct GroupFn { Decl *d; Group g; int32_t fn; } GroupFn;

typedef struct Comp {
    Program   *prog;
    BcProgram *bc;
    Arena     *arena;           /* the BcProgram's */
    VEC(Value) consts;
    uint32_t  *const_slots;     /* hash index into consts: index + 1, 0 empty */
    size_t     const_cap;
    VEC(BcFunction) fns;
    VEC(BcAggregate) aggs;
    VEC(uint32_t) plain_aggs;   /* the aggregates without a filter: only these are shared */
    VEC(BcRowRule) rules;
    VEC(Work) work;             /* declarations whose function body is still to compile */
    Group      group;           /* the group being compiled for, if any */
    VEC(GroupFn) grouped;       /* the variants of functions for a group, handed out */
    bool       overflow;
} Comp;

typedef struct FnBuilder {
    Comp      *c;
    VEC(Instr) code;
    VEC(LineInfo) lines;
    int        top, nregs;
    uint16_t   source;
    Span       at;              /* the node being compiled, for the line table */
    List      *params;          /* Field*: a function's parameters */
    Decl      *row_feed;        /* a filter's feed; its columns are parameters */
    uint16_t   filter_cols[BC_MAX_FILTER_COLUMNS];
    int        nfilter;
} FnBuilder;

static char *dup_str(Comp *c, const char *s)
{
    return s ? arena_strndup(c->arena, s, strlen(s)) : NULL;
}

static void overflow_max(Comp *c, int max, const char *what)
{
    if (!c->overflow)
        diag_error(&c->prog->diags, c->prog->root->src, (Span){ 1, 1, 1, 1 },
                   "the round is too large to compile: more than %d %s", max, what);
    c->overflow = true;
}

static void overflow(Comp *c, const char *what)
{
    overflow_max(c, MAX_INDEX, what);
}

static void overflow_wide(Comp *c, const char *what)
{
    overflow_max(c, BC_WIDE_MAX, what);
}

/* ---- constants ---------------------------------------------------------- */

/* FNV-1a over whole 64-bit words, with base/hash.h's constants */
static uint64_t mix(uint64_t h, uint64_t x) { return (h ^ x) * HASH_FNV_PRIME; }

static uint64_t const_hash(Value v)
{
    uint64_t h = mix(mix(HASH_FNV_OFFSET, v.kind), v.unit);
    h = mix(h, v.status);
    switch (v.kind) {
    case V_NUM:      return mix(mix(h, (uint64_t)v.as.num.n), (uint64_t)v.as.num.d);
    case V_REAL:     { uint64_t bits; memcpy(&bits, &v.as.real, 8); return mix(h, bits); }
    case V_BOOL:     return mix(h, v.as.boolean);
    case V_TEXT:
        for (uint32_t i = 0; i < v.as.text.len; i++) h = mix(h, (unsigned char)v.as.text.bytes[i]);
        return h;
    case V_PERIOD:   return mix(mix(h, v.as.period.grain), (uint64_t)v.as.period.index);
    case V_DURATION: return mix(h, (uint64_t)v.as.days);
    case V_RANGE:
        return mix(mix(mix(mix(h, v.as.range.from.grain), (uint64_t)v.as.range.from.index),
                       v.as.range.to.grain), (uint64_t)v.as.range.to.index);
    default:         return h;
    }
}

static bool const_same(Value a, Value b)
{
    if (a.kind != b.kind || a.unit != b.unit || a.status != b.status) return false;
    switch (a.kind) {
    case V_NUM:  return a.as.num.n == b.as.num.n && a.as.num.d == b.as.num.d;
    case V_REAL: return memcmp(&a.as.real, &b.as.real, 8) == 0;
    case V_TEXT: return a.as.text.len == b.as.text.len &&
                        memcmp(a.as.text.bytes, b.as.text.bytes, a.as.text.len) == 0;
    default:     return val_equal(a, b);
    }
}

static uint32_t const_add(Comp *c, Value v)
{
    if ((c->consts.len + 1) * 2 > c->const_cap) {
        size_t cap = c->const_cap ? c->const_cap * 2 : 256;
        uint32_t *slots = mem_calloc(cap, sizeof *slots);
        for (size_t i = 0; i < c->consts.len; i++) {
            size_t k = const_hash(c->consts.items[i]) & (cap - 1);
            while (slots[k]) k = (k + 1) & (cap - 1);
            slots[k] = (uint32_t)i + 1;
        }
        mem_free(c->const_slots);
        c->const_slots = slots;
        c->const_cap = cap;
    }
    size_t k = const_hash(v) & (c->const_cap - 1);
    for (; c->const_slots[k]; k = (k + 1) & (c->const_cap - 1))
        if (const_same(c->consts.items[c->const_slots[k] - 1], v)) return c->const_slots[k] - 1;
    if (c->consts.len >= BC_WIDE_MAX) { overflow_wide(c, "constants"); return 0; }
    if (v.kind == V_TEXT) {             /* the tree's strings die with it */
        char *copy = arena_alloc(c->arena, v.as.text.len + 1);
        memcpy(copy, v.as.text.bytes, v.as.text.len);
        v.as.text.bytes = copy;
    }
    c->const_slots[k] = (uint32_t)c->consts.len + 1;
    vec_push(&c->consts, v);
    return (uint32_t)c->consts.len - 1;
}


/* ---- folding constant expressions --------------------------------------- */

static bool fold(Comp *c, Node *n, Value *out);

static bool numeric_unit(TypeKind k)
{
    return k == T_NUMBER || k == T_COUNT || k == T_PERCENT || k == T_PP || k == T_MONEY;
}

static Status status_by_name(const char *name)
{
    for (int s = 0; s < ST__COUNT; s++)
        if (strcmp(status_name[s], name) == 0) return (Status)s;
    return ST_NO_DATA;
}

static bool fold_let(Comp *c, Decl *d, Value *out)
{
    if (d->folded == -2) {
        d->folded = -1;                 /* also guards against revisiting */
        Value v;
        if (fold(c, d->body, &v) && v.kind != V_LIST) {
            if (d->has_type && val_is_number(v) && numeric_unit(d->resolved.kind)) v.unit = (uint8_t)d->resolved.kind;
            d->folded = const_add(c, v);
        }
    }
    if (d->folded < 0) return false;
    *out = c->consts.items[d->folded];
    return true;
}

/* The comparison operators of the tree, as the runtime's */
static const Cmp cmp_of[] = { [EOP_EQ] = CMP_EQ, [EOP_NE] = CMP_NE, [EOP_LT] = CMP_LT,
                              [EOP_LE] = CMP_LE, [EOP_GT] = CMP_GT, [EOP_GE] = CMP_GE };

static bool fold(Comp *c, Node *n, Value *out)
{
    Value a, b;
    switch (n->kind) {
    case N_NUMBER:   *out = val_num(n->num, n->type.kind == T_COUNT ? T_COUNT : T_NUMBER); return true;
    case N_PERCENT:  *out = val_num(n->num, T_PERCENT); return true;
    case N_PP:       *out = val_num(n->num, T_PP); return true;
    case N_MONEY:    *out = val_num(n->num, T_MONEY); return true;
    case N_STRING:   *out = val_text(n->str, (uint32_t)n->str_len); return true;
    case N_BOOL:     *out = val_bool(n->boolean); return true;
    case N_PERIOD:   *out = val_period(n->period); return true;
    case N_DURATION: *out = val_duration(n->days); return true;
    case N_NAME:
    case N_FIELD:
        if (n->ref && n->ref->kind == D_LET) return fold_let(c, n->ref, out);
        if (n->kind == N_NAME && n->status_name) {
            *out = val_status(status_by_name(n->str));
            return true;
        }
        return false;
    case N_UNARY:
        if (!fold(c, n->lhs, &a)) return false;
        *out = n->op == EOP_NEG ? val_neg(a) : a.kind == V_BOOL ? val_bool(!a.as.boolean) : val_missing();
        return true;
    case N_BINARY:
        if (!fold(c, n->lhs, &a) || !fold(c, n->rhs, &b)) return false;
        switch (n->op) {
        case EOP_ADD: *out = val_arith(AR_ADD, a, b); return true;
        case EOP_SUB: *out = val_arith(AR_SUB, a, b); return true;
        case EOP_MUL: *out = val_arith(AR_MUL, a, b); return true;
        case EOP_DIV: *out = val_arith(AR_DIV, a, b); return true;
        case EOP_AND: case EOP_OR:
            if (n->type.kind == T_STATUSES) {
                uint16_t bits = (uint16_t)((a.kind == V_STATUS ? 1u << a.status : a.status) |
                                           (b.kind == V_STATUS ? 1u << b.status : b.status));
                *out = (Value){ .kind = V_STATUSES, .unit = T_STATUSES, .status = bits };
                return true;
            }
            *out = val_logic(n->op == EOP_OR, a, b);
            return true;
        case EOP_RANGE:
            if (a.kind != V_PERIOD || b.kind != V_PERIOD) return false;
            *out = (Value){ .kind = V_RANGE, .unit = a.unit };
            out->as.range.from = a.as.period;
            out->as.range.to = b.as.period;
            return true;
        default:
            *out = val_test(cmp_of[n->op], a, b);
            return true;
        }
    case N_IF:
        if (!fold(c, n->lhs, &a)) return false;
        if (a.kind != V_BOOL) { *out = val_missing(); return true; }
        return fold(c, a.as.boolean ? n->rhs : n->alt, out);
    case N_IN:
        /* a constant is the same in every window */
        return fold(c, n->lhs, out);
    default:
        return false;
    }
}

/* ---- emitting ------------------------------------------------------------ */

static int emit(FnBuilder *f, Opcode op, int a, int b, int cc)
{
    uint8_t bx = opk_wide(bc_ops[op].b) ? (uint8_t)(b >> 16) : 0;
    Instr in = { (uint8_t)op, bx, (uint16_t)a, (uint16_t)b, (uint16_t)cc };
    LineInfo li = { (uint32_t)f->at.first_line, (uint16_t)(f->at.first_column > 65535 ? 65535 : f->at.first_column),
                    f->source };
    vec_push(&f->code, in);
    vec_push(&f->lines, li);
    return (int)f->code.len - 1;
}

static int emit_jump(FnBuilder *f, Opcode op, int a) { return emit(f, op, a, 0, 0); }

/* Points the jump at `from` to the next instruction to be emitted. */
static void patch(FnBuilder *f, int from)
{
    uint32_t off = (uint32_t)((int32_t)f->code.len - (from + 1));
    f->code.items[from].b = (uint16_t)(off >> 16);
    f->code.items[from].c = (uint16_t)off;
}

static int reg_alloc(FnBuilder *f, int n)
{
    int r = f->top;
    f->top += n;
    if (f->top > f->nregs) f->nregs = f->top;
    if (f->top > MAX_INDEX) { overflow(f->c, "registers in one function"); f->top = 0; }
    return r;
}

static uint16_t source_of(Comp *c, Module *m)
{
    for (size_t i = 0; i < c->prog->modules.len; i++)
        if (c->prog->modules.items[i] == m) return (uint16_t)i;
    return 0;
}

static void fb_init(FnBuilder *f, Comp *c, Module *m, Span at)
{
    memset(f, 0, sizeof *f);
    f->c = c;
    f->source = source_of(c, m);
    f->at = at;
}

/* Finishes a function: copies it into the program's arena. */
static int32_t fb_finish(FnBuilder *f, const char *name, FnKind kind, TypeKind result, uint8_t *param_types)
{
    Comp *c = f->c;
    BcFunction fn = { 0 };
    fn.name = name;
    fn.kind = (uint8_t)kind;
    fn.result = (uint8_t)result;
    fn.nparams = (uint16_t)(f->params ? f->params->len : (size_t)f->nfilter);
    fn.nregs = (uint16_t)(f->nregs ? f->nregs : 1);
    fn.param_types = param_types;
    fn.ncode = (uint32_t)f->code.len;
    fn.code = arena_alloc(c->arena, f->code.len * sizeof *fn.code);
    memcpy(fn.code, f->code.items, f->code.len * sizeof *fn.code);
    fn.lines = arena_alloc(c->arena, f->lines.len * sizeof *fn.lines);
    memcpy(fn.lines, f->lines.items, f->lines.len * sizeof *fn.lines);
    vec_free(&f->code);
    vec_free(&f->lines);
    if (c->fns.len >= BC_WIDE_MAX) { overflow_wide(c, "functions"); return 0; }
    vec_push(&c->fns, fn);
    return (int32_t)c->fns.len - 1;
}

/* ---- expressions ------------------------------------------------------- */

static void compile_expr(FnBuilder *f, Node *n, int dest);

static const char *qualified(Comp *c, Decl *d)
{
    if (d->module == c->prog->root || !d->module->name) return dup_str(c, d->name);
    return arena_printf(c->arena, "%s.%s", d->module->name, d->name);
}

/* The function of a let, fn or metric; its body is compiled later, in the
 * order the declarations were first needed. */
static int32_t fn_index(Comp *c, Decl *d)
{
    /* for a group, a variant of its own if it reads the group's feed */
    if (c->group.feed && d->body && ast_reads_feed(d->body, c->group.feed, 0) != 0) {
        for (size_t i = 0; i < c->grouped.len; i++) {
            GroupFn *g = &c->grouped.items[i];
            if (g->d == d && g->g.feed == c->group.feed && g->g.col == c->group.col && g->g.value == c->group.value)
                return g->fn;
        }
        if (c->fns.len >= MAX_INDEX) { overflow(c, "functions"); return 0; }
        Field *col = c->group.feed->fields.items[c->group.col];
        BcFunction placeholder = { .name = arena_printf(c->arena, "%s[%s=%s]", qualified(c, d), col->name,
                                                        c->group.value->str) };
        vec_push(&c->fns, placeholder);
        GroupFn g = { d, c->group, (int32_t)c->fns.len - 1 };
        vec_push(&c->grouped, g);
        Work w = { d, c->group, g.fn };
        vec_push(&c->work, w);
        return g.fn;
    }
    if (d->index >= 0) return d->index;
    if (c->fns.len >= BC_WIDE_MAX) { overflow_wide(c, "functions"); return 0; }
    BcFunction placeholder = { .name = qualified(c, d) };
    vec_push(&c->fns, placeholder);
    d->index = (int32_t)c->fns.len - 1;
    Work w = { d, { 0 }, d->index };
    vec_push(&c->work, w);
    return d->index;
}

/* fn_index of d for group i of feed column `by` (an N_FIELD). */
static int32_t fn_index_group(Comp *c, Decl *d, Node *by, size_t i)
{
    Field *col = by->lhs->ref->fields.items[by->column];
    Group saved = c->group;
    c->group = (Group){ by->lhs->ref, by->column, col->groups->args.items[i] };
    int32_t fn = fn_index(c, d);
    c->group = saved;
    return fn;
}

static void emit_call(FnBuilder *f, int dest, Opcode op, int callee, Node **args, size_t nargs)
{
    /* a result bound for the newest register can be made right there */
    int base = dest == f->top - 1 ? dest : reg_alloc(f, 1);
    reg_alloc(f, (int)nargs);
    for (size_t i = 0; i < nargs; i++) {
        compile_expr(f, args[i], base + 1 + (int)i);
        if (args[i]->to_numbers) emit(f, OP_NUMBERS, base + 1 + (int)i, base + 1 + (int)i, 0);
    }
    emit(f, op, base, callee, (int)nargs);
    if (dest != base) emit(f, OP_MOVE, dest, base, 0);
    f->top = base == dest ? dest + 1 : base;
}

/* A host call whose arguments are constants (item indices, classes). */
static void emit_host(FnBuilder *f, int dest, HostFn h, const Value *consts, size_t nconsts, Node *extra)
{
    int base = reg_alloc(f, 1 + (int)nconsts + (extra ? 1 : 0));
    for (size_t i = 0; i < nconsts; i++) emit(f, OP_LOADK, base + 1 + (int)i, const_add(f->c, consts[i]), 0);
    if (extra) compile_expr(f, extra, base + 1 + (int)nconsts);
    emit(f, OP_HOST, base, h, (int)nconsts + (extra ? 1 : 0));
    if (dest != base) emit(f, OP_MOVE, dest, base, 0);
    f->top = base;
}

static void with_window(FnBuilder *f, Node *window, Node *body, int dest);

/* A condition of `where`, as a function of the row's columns. */
static int32_t compile_filter(Comp *c, Decl *feed, Node *cond, uint16_t **cols, uint16_t *ncols, const char *what)
{
    FnBuilder f;
    fb_init(&f, c, feed->module, cond->span);
    f.row_feed = feed;
    /* Registers 0..63 are kept for the columns the condition reads, which
     * become its parameters; once their number is known, the temporaries
     * above are moved down to follow them. */
    f.top = f.nregs = BC_MAX_FILTER_COLUMNS;
    int r = reg_alloc(&f, 1);
    compile_expr(&f, cond, r);
    emit(&f, OP_RET, r, 0, 0);
    /* pack: the columns read become parameters 0..n-1 */
    for (size_t i = 0; i < f.code.len; i++) {
        Instr *in = &f.code.items[i];
        const OpInfo *info = &bc_ops[in->op];
        uint16_t *ops[3] = { &in->a, &in->b, &in->c };
        uint8_t kinds[3] = { info->a, info->b, info->c };
        for (int k = 0; k < 3; k++)
            if ((kinds[k] == OPK_R || (kinds[k] == OPK_RK && !rk_is_constant(*ops[k]))) && *ops[k] >= BC_MAX_FILTER_COLUMNS)
                *ops[k] = (uint16_t)(*ops[k] - BC_MAX_FILTER_COLUMNS + f.nfilter);
    }
    f.nregs = f.nregs - BC_MAX_FILTER_COLUMNS + f.nfilter;
    uint8_t *types = arena_alloc(c->arena, (size_t)f.nfilter + 1);
    *cols = arena_alloc(c->arena, ((size_t)f.nfilter + 1) * sizeof **cols);
    for (int i = 0; i < f.nfilter; i++) {
        (*cols)[i] = f.filter_cols[i];
        Field *col = feed->fields.items[f.filter_cols[i]];
        types[i] = (uint8_t)col->resolved.kind;
    }
    *ncols = (uint16_t)f.nfilter;
    const char *name = arena_printf(c->arena, "%s.%s#%zu", feed->name, what, c->fns.len);
    return fb_finish(&f, name, FK_FILTER, T_BOOL, types);
}

/* cond (may be NULL) and the group's `column == "value"`, as the checker
 * would have typed them. */
static Node *group_condition(Comp *c, Node *cond)
{
    Node *v = c->group.value;
    Field *col = c->group.feed->fields.items[c->group.col];
    Node *feed = ast_node(&c->prog->arena, N_NAME, v->span);
    feed->str = c->group.feed->name;
    feed->ref = c->group.feed;
    Node *field = ast_node(&c->prog->arena, N_FIELD, v->span);
    field->lhs = feed;
    field->str = col->name;
    field->column = c->group.col;
    field->type = col->resolved;
    Node *eq = ast_binary(&c->prog->arena, EOP_EQ, field, v, v->span);
    eq->type = (Type){ .kind = T_BOOL };
    if (!cond) return eq;
    Node *both = ast_binary(&c->prog->arena, EOP_AND, cond, eq, v->span);
    both->type = (Type){ .kind = T_BOOL };
    return both;
}

/* pub: the N_PUB node of `as first`, `as of DATE`, or NULL (the latest) */
static uint32_t add_aggregate(Comp *c, Decl *feed, int column, AggFunc func, Node *cond, Node *pub)
{
    BcAggregate g = { 0 };
    g.feed = (uint16_t)feed->index;
    g.column = (uint16_t)column;
    g.func = (uint8_t)func;
    g.filter = -1;
    if (pub && pub->days) {
        g.pub = PUB_BY;
        g.pub_day = pub->rhs->period.index;
    } else if (pub && strcmp(pub->str, "first") == 0) {
        g.pub = PUB_FIRST;
    }
    if (c->group.feed == feed) cond = group_condition(c, cond);
    if (cond) g.filter = compile_filter(c, feed, cond, &g.filter_cols, &g.nfilter, "where");
    else
        /* a scan of the distinct unfiltered ones only (at most a feed's
         * columns by the functions and publications): the filtered ones,
         * a round's thousands, made this quadratic */
        for (size_t i = 0; i < c->plain_aggs.len; i++) {
            BcAggregate *o = &c->aggs.items[c->plain_aggs.items[i]];
            if (o->feed == g.feed && o->column == g.column && o->func == g.func && o->pub == g.pub
                && o->pub_day == g.pub_day)
                return c->plain_aggs.items[i];
        }
    if (c->aggs.len >= BC_WIDE_MAX) { overflow_wide(c, "aggregates"); return 0; }
    if (g.filter < 0) vec_push(&c->plain_aggs, (uint32_t)c->aggs.len);
    vec_push(&c->aggs, g);
    return (uint32_t)c->aggs.len - 1;
}

static const char *span_text(Comp *c, Module *m, Span s);

/* `require = cond` in a feed: a filter over the row's columns, and its text */
static void add_row_rule(Comp *c, Decl *feed, Attr *at)
{
    BcRowRule r = { 0 };
    r.feed = (uint16_t)feed->index;
    r.filter = compile_filter(c, feed, at->value, &r.filter_cols, &r.nfilter, "require");
    r.text = span_text(c, feed->module, span_join(at->name_span, at->value->span));
    if (c->rules.len >= MAX_INDEX) { overflow(c, "row rules"); return; }
    vec_push(&c->rules, r);
}

/* sum(col where cond in W) and its kin */
static void compile_aggregate(FnBuilder *f, Node *arg, AggFunc func, int dest)
{
    Node *cond, *window, *pub;
    Node *core = ast_aggregate_parts(arg, &cond, &window, &pub);
    Decl *feed = core->lhs->ref;
    uint32_t g = add_aggregate(f->c, feed, core->column, func, cond, pub);
    if (window) {
        int rw = reg_alloc(f, 1);
        compile_expr(f, window, rw);
        emit(f, OP_WINDOW, rw, 0, 0);
        emit(f, OP_AGG, dest, (int)g, 0);
        emit(f, OP_ENDWINDOW, 0, 0, 0);
        f->top = rw;
    } else {
        emit(f, OP_AGG, dest, (int)g, 0);
    }
}

/* A metric or a feed column as one value in the current window (change). */
static void compile_value(FnBuilder *f, Node *n, int dest)
{
    if (n->type.kind == T_COLUMN)
        compile_aggregate(f, n, n->type.elem == T_PERCENT ? AGG_MEAN : AGG_SUM, dest);
    else
        compile_expr(f, n, dest);
}

/* arg as a function of its own (FK_EXPR, "NAME#N"), which the assessment
 * calls per system (across) or per period (series); as a value (a column's
 * value for the window) or as an expression. Returns its index. */
static int32_t compile_apart(FnBuilder *f, Node *arg, const char *name, bool as_value, TypeKind result)
{
    Comp *c = f->c;
    FnBuilder g;
    fb_init(&g, c, c->prog->root, arg->span);
    g.source = f->source;
    int r = reg_alloc(&g, 1);
    if (as_value)
        compile_value(&g, arg, r);
    else
        compile_expr(&g, arg, r);
    emit(&g, OP_RET, r, 0, 0);
    return fb_finish(&g, arena_printf(c->arena, "%s#%zu", name, c->fns.len), FK_EXPR, result, NULL);
}

static void compile_builtin(FnBuilder *f, Node *n, BuiltinId id, int dest)
{
    Node **args = (Node **)n->args.items;
    static const AggFunc agg_of[BI__COUNT] = {
        [BI_SUM] = AGG_SUM, [BI_MEAN] = AGG_MEAN, [BI_MIN] = AGG_MIN, [BI_MAX] = AGG_MAX,
        [BI_MEDIAN] = AGG_MEDIAN, [BI_COUNT] = AGG_COUNT,
    };
    switch (id) {
    case BI_SUM: case BI_MEAN: case BI_MIN: case BI_MAX: case BI_MEDIAN: case BI_COUNT:
        if (args[0]->type.kind == T_COLUMN) { compile_aggregate(f, args[0], agg_of[id], dest); return; }
        if (id == BI_COUNT && args[0]->type.kind == T_CLASS) {
            Value cls = val_num(num_int(args[0]->boolean ? 2 : 1), T_COUNT);
            emit_host(f, dest, HOST_CLASS_COUNT, &cls, 1, n->args.len > 1 ? args[1] : NULL);
            return;
        }
        break;
    case BI_SHARE: {
        Value cls = val_num(num_int(args[0]->boolean ? 2 : 1), T_COUNT);
        emit_host(f, dest, HOST_CLASS_SHARE, &cls, 1, args[1]);
        return;
    }
    case BI_CHANGE: {
        int r1 = reg_alloc(f, 1), r2 = reg_alloc(f, 1), t = reg_alloc(f, 1);
        with_window(f, args[1], args[0], r1);
        with_window(f, args[2], args[0], r2);
        emit(f, OP_SUB, t, r2, r1);
        emit(f, OP_DIV, dest, t, r1);
        f->top = r1;
        return;
    }
    case BI_SERIES: {
        /* like across: the metric becomes a function the assessment calls per period */
        TypeKind t = args[0]->type.kind == T_COLUMN ? (TypeKind)args[0]->type.elem : args[0]->type.kind;
        Value v = val_num(num_int(compile_apart(f, args[0], "series", true, t)), T_COUNT);
        emit_host(f, dest, HOST_SERIES, &v, 1, args[1]);
        return;
    }
    case BI_GROUP_GAP: {
        /* each group's value as a list, then the native: highest minus lowest */
        Node *by = args[1];
        Node *groups = ((Field *)by->lhs->ref->fields.items[by->column])->groups;
        size_t ng = groups->args.len;
        int base = reg_alloc(f, (int)ng + 2);
        for (size_t i = 0; i < ng; i++) {
            Group saved = f->c->group;
            f->c->group = (Group){ by->lhs->ref, by->column, groups->args.items[i] };
            compile_value(f, args[0], base + 2 + (int)i);
            f->c->group = saved;
        }
        emit(f, OP_LIST, base + 1, ng ? base + 2 : 0, (int)ng);
        emit(f, OP_LOADK, base + 2, const_add(f->c, val_num(num_int((int64_t)ng), T_COUNT)), 0);
        emit(f, OP_NATIVE, base, id, 2);
        if (dest != base) emit(f, OP_MOVE, dest, base, 0);
        f->top = base;
        return;
    }
    case BI_ACROSS: {
        Value v = val_num(num_int(compile_apart(f, args[0], "across", false, args[0]->type.kind)), T_COUNT);
        emit_host(f, dest, HOST_ACROSS, &v, 1, NULL);
        return;
    }
    default:
        break;
    }
    emit_call(f, dest, OP_NATIVE, id, args, n->args.len);
}

/* Evaluates body over the window `window` into dest. */
static void with_window(FnBuilder *f, Node *window, Node *body, int dest)
{
    int rw = reg_alloc(f, 1);
    compile_expr(f, window, rw);
    emit(f, OP_WINDOW, rw, 0, 0);
    compile_value(f, body, dest);
    emit(f, OP_ENDWINDOW, 0, 0, 0);
    f->top = rw;
}

static int param_register(FnBuilder *f, const char *name)
{
    if (!f->params) return -1;
    for (size_t i = 0; i < f->params->len; i++)
        if (strcmp(((Field *)f->params->items[i])->name, name) == 0) return (int)i;
    return -1;
}

/* In a filter, the register holding the row's value of feed column `col`. */
static int row_register(FnBuilder *f, int col)
{
    for (int i = 0; i < f->nfilter; i++)
        if (f->filter_cols[i] == col) return i;
    if (f->nfilter == BC_MAX_FILTER_COLUMNS) {
        overflow_max(f->c, BC_MAX_FILTER_COLUMNS, "columns in one condition");     /* it said 65535 */
        return 0;
    }
    f->filter_cols[f->nfilter++] = (uint16_t)col;
    return f->nfilter - 1;
}

static void compile_reference(FnBuilder *f, Node *n, int dest)
{
    Comp *c = f->c;
    Decl *d = n->ref;
    if (n->kind == N_FIELD && f->row_feed && n->lhs->ref == f->row_feed) {
        emit(f, OP_MOVE, dest, row_register(f, n->column), 0);
        return;
    }
    if (!d) {
        int p = param_register(f, n->str);
        if (p != dest) emit(f, OP_MOVE, dest, p < 0 ? 0 : p, 0);
        return;
    }
    switch (d->kind) {
    case D_LET: case D_METRIC:
        emit(f, OP_CALL, dest, fn_index(c, d), 0);
        return;
    case D_COMMITMENT: case D_CHECK: {
        Value args[2] = { val_num(num_int(d->kind == D_CHECK), T_COUNT), val_num(num_int(d->index), T_COUNT) };
        emit_host(f, dest, HOST_ITEM_STATUS, args, 2, NULL);
        return;
    }
    default:
        emit(f, OP_LOADMISSING, dest, 0, 0);     /* the checker allows nothing else here */
    }
}

static void compile_call(FnBuilder *f, Node *n, int dest)
{
    if (n->builtin) { compile_builtin(f, n, (BuiltinId)(n->builtin - 1), dest); return; }
    Decl *d = n->lhs->ref;
    Node **args = (Node **)n->args.items;
    switch (d->kind) {
    case D_FN:
        emit_call(f, dest, OP_CALL, fn_index(f->c, d), args, n->args.len);
        return;
    case D_EXTERN:
        emit_call(f, dest, OP_EXTERN, d->index, args, n->args.len);
        return;
    default: {
        /* item("E54000001") in a test; one group's: item("E54000001", "1") of
         * a commitment or check judged by group (the group's index after the
         * kind and index), metric("E54000001", FEED.COLUMN, "1") (the metric's
         * variant for that group) */
        int kind = d->kind == D_CHECK ? 1 : d->kind == D_METRIC ? 2 : d->kind == D_RATING ? 3 : 0;
        int index = d->index;
        if (d->kind == D_METRIC && n->args.len == 3) {
            Field *col = args[1]->lhs->ref->fields.items[args[1]->column];
            index = fn_index_group(f->c, d, args[1], (size_t)ast_group_index(col, args[2]->str));
        } else if (d->kind == D_METRIC) {
            index = fn_index(f->c, d);
        }
        Value k[3] = { val_num(num_int(kind), T_COUNT), val_num(num_int(index), T_COUNT) };
        size_t nk = 2;
        Field *groups = d->kind != D_METRIC && n->args.len == 2 ? ast_item_groups(d, NULL) : NULL;
        if (groups) k[nk++] = val_num(num_int(ast_group_index(groups, args[1]->str)), T_COUNT);
        emit_host(f, dest, HOST_ITEM_FOR, k, nk, args[0]);
        return;
    }
    }
}

static int param_register(FnBuilder *f, const char *name);
static int row_register(FnBuilder *f, int col);

/* The register already holding n's value (a parameter, a row's column), or
 * -1: an operand there needs no copy. */
static int held_in(FnBuilder *f, Node *n)
{
    if (n->kind == N_NAME && !n->ref && !n->status_name) return param_register(f, n->str);
    if (n->kind == N_FIELD && f->row_feed && n->lhs->ref == f->row_feed) return row_register(f, n->column);
    return -1;
}

/* An RK operand for n: a constant, a register that holds n already, or a
 * new register on top that n is compiled into. */
static int operand(FnBuilder *f, Node *n)
{
    int r = held_in(f, n);
    if (r >= 0) return r;
    Value v;
    if (fold(f->c, n, &v) && v.kind != V_LIST) {
        uint32_t k = const_add(f->c, v);
        if (k <= RK_MAX_CONSTANT) return RK_CONSTANT | (int)k;   /* else a LOADK below */
    }
    r = reg_alloc(f, 1);
    compile_expr(f, n, r);
    return r;
}

static void compile_expr(FnBuilder *f, Node *n, int dest)
{
    Span saved = f->at;
    f->at = n->span;
    Value v;
    if (fold(f->c, n, &v) && v.kind != V_LIST) {
        emit(f, OP_LOADK, dest, const_add(f->c, v), 0);
        f->at = saved;
        return;
    }
    int mark = f->top;
    switch (n->kind) {
    case N_NAME: case N_FIELD: case N_PUB:
        if (n->type.kind == T_COLUMN) compile_value(f, n, dest);
        else compile_reference(f, n, dest);
        break;
    case N_CALL:
        f->at = n->op_span;
        compile_call(f, n, dest);
        break;
    case N_UNARY:
        compile_expr(f, n->lhs, dest);
        f->at = n->op_span;
        emit(f, n->op == EOP_NEG ? OP_NEG : OP_NOT, dest, dest, 0);
        break;
    case N_BINARY: {
        if (n->op == EOP_AND || n->op == EOP_OR) {
            if (n->type.kind == T_STATUSES) {
                int b = reg_alloc(f, 1);
                compile_expr(f, n->lhs, dest);
                compile_expr(f, n->rhs, b);
                emit(f, OP_STATUSES, dest, dest, b);
                break;
            }
            /* short-circuit: `n == 0 or f(n - 1)` must not recurse forever */
            compile_expr(f, n->lhs, dest);
            f->at = n->op_span;
            int skip = emit_jump(f, n->op == EOP_AND ? OP_JMPFALSE : OP_JMPTRUE, dest);
            int b = reg_alloc(f, 1);
            compile_expr(f, n->rhs, b);
            f->at = n->op_span;
            emit(f, n->op == EOP_AND ? OP_AND : OP_OR, dest, dest, b);
            patch(f, skip);
            break;
        }
        static const Opcode ops[] = {
            [EOP_ADD] = OP_ADD, [EOP_SUB] = OP_SUB, [EOP_MUL] = OP_MUL, [EOP_DIV] = OP_DIV,
            [EOP_EQ] = OP_EQ, [EOP_NE] = OP_NE, [EOP_LT] = OP_LT, [EOP_LE] = OP_LE,
            [EOP_GT] = OP_GT, [EOP_GE] = OP_GE, [EOP_RANGE] = OP_RANGE,
        };
        int a = operand(f, n->lhs);
        int b = operand(f, n->rhs);
        f->at = n->op_span;
        emit(f, ops[n->op], dest, a, b);
        break;
    }
    case N_IF: {
        compile_expr(f, n->lhs, dest);
        f->at = n->op_span;
        int otherwise = emit_jump(f, OP_JMPNOTTRUE, dest);
        compile_expr(f, n->rhs, dest);
        int done = emit_jump(f, OP_JMP, 0);
        patch(f, otherwise);
        int missing = emit_jump(f, OP_JMPMISSING, dest);   /* an unknown condition: dest stays missing */
        compile_expr(f, n->alt, dest);
        patch(f, done);
        patch(f, missing);
        break;
    }
    case N_LIST: {
        int base = reg_alloc(f, (int)n->args.len);
        for (size_t i = 0; i < n->args.len; i++) compile_expr(f, n->args.items[i], base + (int)i);
        emit(f, OP_LIST, dest, n->args.len ? base : 0, (int)n->args.len);
        break;
    }
    case N_IN:
        with_window(f, n->rhs, n->lhs, dest);
        break;
    default:
        emit(f, OP_LOADMISSING, dest, 0, 0);
    }
    f->top = mark;
    f->at = saved;
}

/* Compiles n as what the function returns, measured in `unit` (its declared
 * type: `let x: percent = 1/2` is 50%, not 0.5), or as it is when unit is
 * T_ERROR. Each branch of an `if` returns for itself, and a parameter is
 * returned from where it is. */
static void compile_return(FnBuilder *f, Node *n, TypeKind unit)
{
    Value v;
    bool convert = numeric_unit(unit) && numeric_unit(n->type.kind) && n->type.kind != unit;
    if (convert && fold(f->c, n, &v) && val_is_number(v)) {
        v.unit = (uint8_t)unit;
        int r = reg_alloc(f, 1);
        emit(f, OP_LOADK, r, const_add(f->c, v), 0);
        emit(f, OP_RET, r, 0, 0);
        f->top = r;
        return;
    }
    if (n->kind == N_IF && !fold(f->c, n, &v)) {
        int r = reg_alloc(f, 1);
        compile_expr(f, n->lhs, r);
        Span saved = f->at;
        f->at = n->op_span;
        int otherwise = emit_jump(f, OP_JMPNOTTRUE, r);
        compile_return(f, n->rhs, unit);
        patch(f, otherwise);
        f->at = n->op_span;
        int missing = emit_jump(f, OP_JMPMISSING, r);
        compile_return(f, n->alt, unit);
        patch(f, missing);
        f->at = n->op_span;
        emit(f, OP_RET, r, 0, 0);                   /* the condition was missing, and so is the result */
        f->at = saved;
        f->top = r;
        return;
    }
    int r = held_in(f, n);
    if (r < 0) {
        r = reg_alloc(f, 1);
        compile_expr(f, n, r);
        f->top = r;
    }
    if (convert) {
        int c = reg_alloc(f, 1);
        emit(f, OP_RETYPE, c, r, unit);
        r = c;
        f->top = c;
    }
    emit(f, OP_RET, r, 0, 0);
}

/* A function of no parameters that evaluates one expression. */
static int32_t compile_thunk(Comp *c, Module *m, Node *body, const char *name, FnKind kind, TypeKind result)
{
    FnBuilder f;
    fb_init(&f, c, m, body->span);
    compile_return(&f, body, T_ERROR);
    return fb_finish(&f, name, kind, result, NULL);
}

/* The body of a let, fn or metric whose function index was handed out. */
static void compile_body(Comp *c, Work w)
{
    Decl *d = w.d;
    Group saved = c->group;
    c->group = w.g;
    FnBuilder f;
    fb_init(&f, c, d->module, d->body->span);
    uint8_t *types = NULL;
    if (d->kind == D_FN) {
        f.params = &d->fields;
        reg_alloc(&f, (int)d->fields.len);
        types = arena_alloc(c->arena, d->fields.len + 1);
        for (size_t i = 0; i < d->fields.len; i++) types[i] = (uint8_t)((Field *)d->fields.items[i])->resolved.kind;
    }
    compile_return(&f, d->body, d->kind == D_LET && !d->has_type ? T_ERROR : d->resolved.kind);
    FnKind kind = d->kind == D_LET ? FK_LET : d->kind == D_FN ? FK_FN : FK_METRIC;
    const char *name = c->fns.items[w.fn].name;
    size_t at = c->fns.len;
    fb_finish(&f, name, kind, d->resolved.kind, types);
    if (c->fns.len == at + 1) {                     /* into the slot handed out */
        c->fns.items[w.fn] = c->fns.items[at];
        c->fns.len--;
    }
    c->group = saved;
}

/* Compiles the bodies handed out so far, and those they hand out. */
static void drain(Comp *c, size_t *done)
{
    while (*done < c->work.len) compile_body(c, c->work.items[(*done)++]);
}

/* ---- declarations -------------------------------------------------------- */

static const char *column_name(Comp *c, Decl *d, const char *attr)
{
    Attr *a = NULL;
    for (size_t i = 0; i < d->attrs.len && !a; i++)
        if (strcmp(((Attr *)d->attrs.items[i])->name, attr) == 0) a = d->attrs.items[i];
    if (!a) return NULL;
    Node *v = a->value->kind == N_AS ? a->value->lhs : a->value;
    return dup_str(c, v->str);
}

static Attr *find_attr(Decl *d, const char *name)
{
    for (size_t i = 0; i < d->attrs.len; i++)
        if (strcmp(((Attr *)d->attrs.items[i])->name, name) == 0) return d->attrs.items[i];
    return NULL;
}

static BcFeed make_feed(Comp *c, Decl *d)
{
    BcFeed f = { 0 };
    f.hier = -1;                /* set once every hierarchy has its index (comp_program_tests) */
    f.name = dup_str(c, d->name);
    f.title = dup_str(c, d->title);
    f.org_col = column_name(c, d, "org");
    f.period_col = column_name(c, d, "period");
    f.vintage_col = column_name(c, d, "vintage");
    Attr *period = find_attr(d, "period");
    TypeKind g = type_by_name(period->value->str);
    f.grain = (uint8_t)(g == T_DATE ? GRAIN_DAY : g == T_MONTH ? GRAIN_MONTH : g == T_QUARTER ? GRAIN_QUARTER : GRAIN_FY);
    Attr *lag = find_attr(d, "lag");
    Value lag_value;
    f.lag_days = lag && fold(c, lag->value, &lag_value) && lag_value.kind == V_DURATION ? lag_value.as.days
               : f.vintage_col ? FEED_AWAITS_PUBLICATION : 0;
    f.ncolumns = (uint16_t)d->fields.len;
    f.columns = arena_alloc(c->arena, (d->fields.len + 1) * sizeof *f.columns);
    for (size_t i = 0; i < d->fields.len; i++) {
        Field *col = d->fields.items[i];
        bool points = col->format && strcmp(col->format, "points") == 0;
        f.columns[i] = (BcColumn){ dup_str(c, col->name), (uint8_t)col->resolved.kind, points ? COL_POINTS : COL_PLAIN };
    }
    Attr *key = find_attr(d, "key");
    if (key) {
        bool many = key->value->kind == N_LIST && key->value->boolean;
        size_t n = many ? key->value->args.len : 1;
        f.key_cols = arena_alloc(c->arena, n * sizeof *f.key_cols);
        for (size_t k = 0; k < n; k++) {
            Node *col = many ? key->value->args.items[k] : key->value;
            for (size_t i = 0; i < d->fields.len; i++)
                if (strcmp(((Field *)d->fields.items[i])->name, col->str) == 0) f.key_cols[f.nkey++] = (uint16_t)i;
        }
    }
    return f;
}

static BcThreshold make_threshold(Comp *c, Decl *d, Node *v, const char *label)
{
    BcThreshold t = { 0 };
    t.cmp = (uint8_t)cmp_of[v->op];
    Node *value = v->lhs->lhs, *window = v->lhs->rhs;
    if (v->lhs->kind != N_IN) {
        /* a deadline (the checker allowed no other target without a window):
         * the window is the day, the date's own or the `deadline` attribute's */
        Attr *deadline = decl_attr(d, "deadline");
        value = v->lhs;
        window = deadline ? deadline->value : value;
    }
    t.value_fn = compile_thunk(c, d->module, value, arena_printf(c->arena, "%s.%s", d->name, label), FK_EXPR,
                               value->type.kind);
    t.window_feed = t.window_column = -1;
    const char *name = arena_printf(c->arena, "%s.%s.window", d->name, label);
    if (window->kind == N_FIELD) {
        /* each system's own window, from its plan (assess.c): the loader keeps
         * only aggregates, so the latest period comes from one */
        t.window_feed = window->lhs->ref->index;
        t.window_column = window->column;
        add_aggregate(c, window->lhs->ref, window->column, AGG_MAX, NULL, NULL);
        FnBuilder f;
        fb_init(&f, c, d->module, window->span);
        int r = reg_alloc(&f, 1);
        emit(&f, OP_LOADK, r, const_add(c, val_missing()), 0);
        emit(&f, OP_RET, r, 0, 0);
        t.window_fn = fb_finish(&f, name, FK_EXPR, window->type.elem, NULL);
        return t;
    }
    t.window_fn = compile_thunk(c, d->module, window, name, FK_EXPR, window->type.kind);
    return t;
}

/* The number of groups of `by` (an N_FIELD whose column lists them), and
 * group i's label. */
static uint16_t by_groups(Node *by)
{
    size_t n = ((Field *)by->lhs->ref->fields.items[by->column])->groups->args.len;
    return (uint16_t)(n < MAX_INDEX ? n : MAX_INDEX);
}

static const char *group_label(Comp *c, Node *by, size_t i)
{
    Node *groups = ((Field *)by->lhs->ref->fields.items[by->column])->groups;
    return dup_str(c, ((Node *)groups->args.items[i])->str);
}

static BcCommitment make_commitment(Comp *c, Decl *d)
{
    BcCommitment k = { 0 };
    k.name = dup_str(c, d->name);
    k.title = dup_str(c, d->title);
    k.doc = dup_str(c, d->doc);
    k.cls = (uint8_t)d->cls;
    k.national = d->national;
    k.plan_feed = k.plan_column = k.tolerance = -1;
    k.by_feed = k.by_column = -1;
    Node *by = NULL;
    size_t nmilestones = 0;
    for (size_t i = 0; i < d->attrs.len; i++) nmilestones += strcmp(((Attr *)d->attrs.items[i])->name, "milestone") == 0;
    k.milestones = arena_alloc(c->arena, (nmilestones + 1) * sizeof *k.milestones);
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *a = d->attrs.items[i];
        Node *v = a->value;
        if (strcmp(a->name, "measure") == 0)
            /* a metric, or a national commitment's own expression over the systems */
            k.measure = v->ref && v->ref->kind == D_METRIC
                        ? fn_index(c, v->ref)
                        : compile_thunk(c, d->module, v, arena_printf(c->arena, "%s.measure", d->name), FK_METRIC,
                                        v->type.kind);
        else if (strcmp(a->name, "by") == 0) by = v;
        else if (strcmp(a->name, "target") == 0) {
            k.target = make_threshold(c, d, v, "target");
            k.deadline = v->lhs->kind != N_IN;
        }
        else if (strcmp(a->name, "milestone") == 0) {
            const char *label = arena_printf(c->arena, "milestone%u", k.nmilestones + 1u);
            k.milestones[k.nmilestones++] = make_threshold(c, d, v, label);
        } else if (strcmp(a->name, "milestones") == 0) {
            k.plan_feed = v->lhs->ref->index;
            k.plan_column = v->column;
            /* the loader keeps only aggregates: the plan's values come from one */
            add_aggregate(c, v->lhs->ref, v->column, AGG_MEAN, NULL, NULL);
        } else if (strcmp(a->name, "tolerance") == 0) {
            Value t;
            if (fold(c, v, &t)) k.tolerance = const_add(c, t);
        } else if (strcmp(a->name, "source") == 0) k.source = dup_str(c, v->str);
        else if (strcmp(a->name, "restates") == 0) k.restates = dup_str(c, v->str);
        else if (strcmp(a->name, "missing") == 0) k.missing = 1;
    }
    Attr *m = find_attr(d, "measure");
    if (by && m) {
        k.by_feed = by->lhs->ref->index;
        k.by_column = by->column;
        k.ngroups = by_groups(by);
        k.groups = arena_alloc(c->arena, ((size_t)k.ngroups + 1) * sizeof *k.groups);
        for (uint16_t i = 0; i < k.ngroups; i++) {
            k.groups[i].label = group_label(c, by, i);
            k.groups[i].fn = fn_index_group(c, m->value->ref, by, i);
        }
    }
    return k;
}

static BcCheck make_check(Comp *c, Decl *d)
{
    Attr *req = find_attr(d, "require"), *msg = find_attr(d, "message"), *by = find_attr(d, "by");
    const char *name = arena_printf(c->arena, "%s.require", d->name);
    BcCheck k = { dup_str(c, d->name), dup_str(c, d->title), msg ? dup_str(c, msg->value->str) : NULL,
                  dup_str(c, d->doc), d->national,
                  compile_thunk(c, d->module, req->value, name, FK_EXPR, T_BOOL),
                  find_attr(d, "missing") != NULL, -1, -1, NULL, 0 };
    if (!by) return k;
    /* the condition again for each group, every aggregate over the `by`
     * feed keeping only the group's rows (as a commitment's measure) */
    Node *col = by->value;
    k.by_feed = col->lhs->ref->index;
    k.by_column = col->column;
    k.ngroups = by_groups(col);
    k.groups = arena_alloc(c->arena, ((size_t)k.ngroups + 1) * sizeof *k.groups);
    for (uint16_t i = 0; i < k.ngroups; i++) {
        Field *f = col->lhs->ref->fields.items[col->column];
        Group saved = c->group;
        c->group = (Group){ col->lhs->ref, col->column, f->groups->args.items[i] };
        k.groups[i].label = group_label(c, col, i);
        k.groups[i].fn = compile_thunk(c, d->module, req->value,
                                            arena_printf(c->arena, "%s[%s=%s]", name, f->name, k.groups[i].label),
                                            FK_EXPR, T_BOOL);
        c->group = saved;
    }
    return k;
}

static void compile_round(Comp *c, Decl *d, BcRound *r)
{
    r->name = dup_str(c, d->name);
    r->title = dup_str(c, d->title);
    r->horizon = r->assess = -1;
    r->dates = arena_alloc(c->arena, (d->attrs.len + 1) * sizeof *r->dates);
    r->horizons = arena_alloc(c->arena, (d->attrs.len + 1) * sizeof *r->horizons);
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *a = d->attrs.items[i];
        Value v;
        if (strcmp(a->name, "assess") == 0 && !a->named_horizon) {
            r->assess = a->value->ref ? a->value->ref->index : -1;
            continue;
        }
        if (!fold(c, a->value, &v)) continue;
        if (a->named_horizon) r->horizons[r->nhorizons++] = (BcHorizon){ dup_str(c, a->name), const_add(c, v) };
        else if (strcmp(a->name, "horizon") == 0) r->horizon = const_add(c, v);
        else if (v.kind == V_PERIOD) r->dates[r->ndates++] = (BcDate){ dup_str(c, a->name), v.as.period.index };
    }
}

#define COPY_OUT(c, dst, n, vec) do { \
        (n) = (__typeof__(n))(vec).len; \
        (dst) = arena_alloc((c)->arena, ((vec).len + 1) * sizeof *(dst)); \
        if ((vec).len) memcpy((dst), (vec).items, (vec).len * sizeof *(dst));  /* items is NULL when empty */ \
        vec_free(&(vec)); \
    } while (0)

/* A rows table's cell as CSV text: what a feed file would hold. A percent
 * is written with its % sign (read as written whatever the column's
 * format), money in pounds, a text quoted. */
typedef VEC(char) Chars;

static void put_cell(Comp *c, Chars *out, Node *cell)
{
    Value v;
    char buf[128];
    size_t n = 0;
    if (!fold(c, cell, &v) || v.kind == V_MISSING) return;      /* empty: missing */
    if (v.kind == V_TEXT) {
        vec_push(out, '"');
        for (uint32_t i = 0; i < v.as.text.len; i++) {
            if (v.as.text.bytes[i] == '"') vec_push(out, '"');
            vec_push(out, v.as.text.bytes[i]);
        }
        vec_push(out, '"');
        return;
    }
    if (v.kind == V_PERIOD) n = period_format(v.as.period, buf, sizeof buf);
    else n = val_format(v, !(val_is_number(v) && v.unit == T_PERCENT), buf, sizeof buf);
    for (size_t i = 0; i < n && i < sizeof buf - 1; i++) vec_push(out, buf[i]);
}

static const char *column_name(Comp *c, Decl *d, const char *attr);

static bool in_header(RowsTable *t, const char *name)
{
    for (size_t i = 0; i < t->header.len; i++)
        if (strcmp(((Field *)t->header.items[i])->name, name) == 0) return true;
    return false;
}

static void put_name(Chars *out, const char *name, bool first)
{
    if (!first) vec_push(out, ',');
    for (const char *s = name; *s; s++) vec_push(out, *s);
}

/* A test's table as a CSV file. Columns the feed or hierarchy declares and
 * the table leaves out are added empty (missing), so a test writes only the
 * columns it is about. */
static const char *table_csv(Comp *c, RowsTable *t, size_t *len)
{
    Chars out = { 0 };
    VEC(const char *) extra = { 0 };
    Decl *d = t->ref;
    static const char *const keys[2][5] = { { "org", "period", "vintage" }, { "member", "parent", "name", "from", "to" } };
    for (int k = 0; d && k < 5; k++) {
        const char *key = keys[d->kind == D_HIERARCHY][k];
        const char *col = key ? column_name(c, d, key) : NULL;
        if (col && !in_header(t, col)) vec_push(&extra, col);
    }
    for (size_t i = 0; d && d->kind == D_FEED && i < d->fields.len; i++) {
        const char *col = ((Field *)d->fields.items[i])->name;
        if (!in_header(t, col)) vec_push(&extra, col);
    }
    for (size_t i = 0; i < t->header.len; i++) put_name(&out, ((Field *)t->header.items[i])->name, i == 0);
    for (size_t i = 0; i < extra.len; i++) put_name(&out, extra.items[i], t->header.len == 0 && i == 0);
    vec_push(&out, '\n');
    for (size_t r = 0; r < t->rows.len; r++) {
        List *row = t->rows.items[r];
        for (size_t i = 0; i < row->len; i++) {
            if (i) vec_push(&out, ',');
            put_cell(c, &out, row->items[i]);
        }
        for (size_t i = 0; i < extra.len; i++) vec_push(&out, ',');
        vec_push(&out, '\n');
    }
    vec_free(&extra);
    *len = out.len;
    char *csv = arena_strndup(c->arena, out.items ? out.items : "", out.len);
    vec_free(&out);
    return csv;
}

/* The byte offset of 1-based character column col in a line of len bytes. */
static size_t byte_of_column(const char *t, size_t len, int col)
{
    size_t i = 0;
    for (int c = 1; c < col && i < len; c++) {
        i++;
        while (i < len && ((unsigned char)t[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

/* Which group of which system a side of an expectation names, for a
 * failure's message: `group "1" of E54000001` for item("E54000001", "1")
 * or metric("E54000001", FEED.COLUMN, "1"); NULL for anything else. */
static const char *expect_subject(Comp *c, Node *side)
{
    if (side->kind != N_CALL || side->builtin || !side->lhs->ref) return NULL;
    Decl *d = side->lhs->ref;
    size_t want = d->kind == D_METRIC ? 3 : d->kind == D_COMMITMENT || d->kind == D_CHECK ? 2 : 0;
    if (!want || side->args.len != want) return NULL;
    Node *sys = side->args.items[0], *group = side->args.items[want - 1];
    if (sys->kind != N_STRING || group->kind != N_STRING) return NULL;
    return arena_printf(c->arena, "group \"%s\" of %s", group->str, sys->str);
}

/* The text of a span of one module's source, lines joined by a space. */
static const char *span_text(Comp *c, Module *m, Span s)
{
    VEC(char) out = { 0 };
    for (int line = s.first_line; line <= s.last_line; line++) {
        size_t len;
        const char *t = source_line(m->src, line, &len);
        if (!t) break;
        /* columns count characters: find their bytes */
        size_t from = line == s.first_line ? byte_of_column(t, len, s.first_column) : 0;
        size_t to = line == s.last_line ? byte_of_column(t, len, s.last_column + 1) : len;
        if (line > s.first_line) vec_push(&out, ' ');
        while (from < to && line > s.first_line && (t[from] == ' ' || t[from] == '\t')) from++;
        for (size_t i = from; i < to; i++) vec_push(&out, t[i]);
    }
    const char *r = arena_strndup(c->arena, out.items ? out.items : "", out.len);
    vec_free(&out);
    return r;
}

static void compile_tests(Comp *c, CompTests *out)
{
    Module *m = c->prog->root;
    VEC(CompTest) tests = { 0 };
    for (size_t i = 0; i < m->decls.len; i++) {
        Decl *d = m->decls.items[i];
        if (d->kind != D_TEST) continue;
        CompTest t = { .name = dup_str(c, d->title ? d->title : ""), .path = dup_str(c, m->src->path),
                       .line = (uint32_t)d->span.first_line };
        Attr *as_of = find_attr(d, "as_of");
        Value v;
        if (as_of && fold(c, as_of->value, &v) && v.kind == V_PERIOD) { t.has_as_of = true; t.as_of = v.as.period.index; }
        t.ntables = d->tables.len;
        t.tables = arena_alloc(c->arena, (t.ntables + 1) * sizeof *t.tables);
        for (size_t k = 0; k < t.ntables; k++) {
            RowsTable *rt = d->tables.items[k];
            t.tables[k].target = dup_str(c, rt->target);
            t.tables[k].line = (uint32_t)rt->span.first_line;
            t.tables[k].csv = table_csv(c, rt, &t.tables[k].len);
        }
        t.nexpects = d->expects.len;
        t.expects = arena_alloc(c->arena, (t.nexpects + 1) * sizeof *t.expects);
        for (size_t k = 0; k < t.nexpects; k++) {
            Node *e = d->expects.items[k];
            CompExpect *x = &t.expects[k];
            const char *name = arena_printf(c->arena, "test#%zu.expect%zu", tests.len + 1, k + 1);
            x->fn = compile_thunk(c, m, e, name, FK_EXPR, T_BOOL);
            x->lhs = x->rhs = -1;
            if (e->kind == N_BINARY && e->op >= EOP_EQ && e->op <= EOP_GE) {
                x->cmp = (uint8_t)cmp_of[e->op];
                x->lhs = compile_thunk(c, m, e->lhs, arena_printf(c->arena, "%s.found", name), FK_EXPR, e->lhs->type.kind);
                x->rhs = compile_thunk(c, m, e->rhs, arena_printf(c->arena, "%s.wanted", name), FK_EXPR, e->rhs->type.kind);
            }
            if (x->lhs >= 0) {
                const char *found = expect_subject(c, e->lhs);
                x->subject = found ? found : expect_subject(c, e->rhs);
            }
            x->text = span_text(c, m, e->span);
            x->line = (uint32_t)e->span.first_line;
            x->column = (uint32_t)e->span.first_column;
        }
        vec_push(&tests, t);
    }
    out->n = tests.len;
    out->items = arena_alloc(c->arena, (tests.len + 1) * sizeof *out->items);
    if (tests.len) memcpy(out->items, tests.items, tests.len * sizeof *tests.items);
    vec_free(&tests);
}

bool comp_program(Program *p, BcProgram *bc) { return comp_program_tests(p, bc, NULL); }

bool comp_program_tests(Program *p, BcProgram *bc, CompTests *tests)
{
    Comp c = { .prog = p, .bc = bc, .arena = &bc->arena };
    VEC(BcFeed) feeds = { 0 };
    VEC(BcHierarchy) hiers = { 0 };
    VEC(BcExtern) externs = { 0 };
    VEC(Decl *) commits = { 0 }, checks = { 0 }, ratings = { 0 };
    Decl *round = NULL;

    /* Tables first, in declaration order: their indices are referenced by
     * instructions (feeds by aggregates, items by HOST calls). */
    for (size_t m = 0; m < p->modules.len; m++) {
        Module *mod = p->modules.items[m];
        for (size_t i = 0; i < mod->decls.len; i++) {
            Decl *d = mod->decls.items[i];
            switch (d->kind) {
            case D_FEED:      d->index = (int32_t)feeds.len; vec_push(&feeds, make_feed(&c, d)); break;
            case D_HIERARCHY: {
                d->index = (int32_t)hiers.len;
                BcHierarchy h = { dup_str(&c, d->name), dup_str(&c, d->title), column_name(&c, d, "member"),
                                  column_name(&c, d, "parent"), column_name(&c, d, "name"),
                                  column_name(&c, d, "from"), column_name(&c, d, "to") };
                vec_push(&hiers, h);
                break;
            }
            case D_EXTERN: {
                d->index = (int32_t)externs.len;
                BcExtern x = { dup_str(&c, d->lib), dup_str(&c, d->name), NULL, (uint16_t)d->fields.len,
                               (uint8_t)d->resolved.kind };
                x.param_types = arena_alloc(c.arena, d->fields.len + 1);
                for (size_t k = 0; k < d->fields.len; k++)
                    x.param_types[k] = (uint8_t)((Field *)d->fields.items[k])->resolved.kind;
                x.result = (uint8_t)type_by_name(d->type.name);
                vec_push(&externs, x);
                break;
            }
            case D_COMMITMENT: d->index = (int32_t)commits.len; vec_push(&commits, d); break;
            case D_CHECK:      d->index = (int32_t)checks.len; vec_push(&checks, d); break;
            case D_RATING:     d->index = (int32_t)ratings.len; vec_push(&ratings, d); break;
            case D_ROUND:      round = d; break;
            default:           break;
            }
        }
    }
    /* A feed's `hierarchy =`, which may be declared after it. */
    for (size_t m = 0; m < p->modules.len; m++) {
        Module *mod = p->modules.items[m];
        for (size_t i = 0; i < mod->decls.len; i++) {
            Decl *d = mod->decls.items[i];
            Attr *h = d->kind == D_FEED ? find_attr(d, "hierarchy") : NULL;
            if (h && h->value->ref) feeds.items[d->index].hier = h->value->ref->index;
        }
    }
    /* Functions of lets, fns and metrics, in declaration order. */
    for (size_t m = 0; m < p->modules.len; m++) {
        Module *mod = p->modules.items[m];
        for (size_t i = 0; i < mod->decls.len; i++) {
            Decl *d = mod->decls.items[i];
            if (d->kind == D_LET || d->kind == D_FN || d->kind == D_METRIC) fn_index(&c, d);
        }
    }
    /* Row rules of feeds, in declaration order. */
    for (size_t m = 0; m < p->modules.len; m++) {
        Module *mod = p->modules.items[m];
        for (size_t i = 0; i < mod->decls.len; i++) {
            Decl *d = mod->decls.items[i];
            if (d->kind != D_FEED) continue;
            for (size_t k = 0; k < d->attrs.len; k++)
                if (strcmp(((Attr *)d->attrs.items[k])->name, "require") == 0) add_row_rule(&c, d, d->attrs.items[k]);
        }
    }
    size_t done = 0;
    drain(&c, &done);

    if (round) compile_round(&c, round, &bc->round);
    else bc->round.horizon = bc->round.assess = -1;

    bc->ncommits = (uint16_t)commits.len;
    bc->commits = arena_alloc(c.arena, (commits.len + 1) * sizeof *bc->commits);
    for (size_t i = 0; i < commits.len; i++) bc->commits[i] = make_commitment(&c, commits.items[i]);
    bc->nchecks = (uint16_t)checks.len;
    bc->checks = arena_alloc(c.arena, (checks.len + 1) * sizeof *bc->checks);
    for (size_t i = 0; i < checks.len; i++) bc->checks[i] = make_check(&c, checks.items[i]);
    bc->nratings = (uint16_t)ratings.len;
    bc->ratings = arena_alloc(c.arena, (ratings.len + 1) * sizeof *bc->ratings);
    for (size_t i = 0; i < ratings.len; i++) {
        Decl *d = ratings.items[i];
        BcRating *r = &bc->ratings[i];
        r->name = dup_str(&c, d->name);
        r->title = dup_str(&c, d->title);
        r->narms = (uint16_t)d->arms.len;
        r->arms = arena_alloc(c.arena, (d->arms.len + 1) * sizeof *r->arms);
        for (size_t k = 0; k < d->arms.len; k++) {
            RatingArm *arm = d->arms.items[k];
            r->arms[k].label = dup_str(&c, arm->label);
            r->arms[k].when = arm->when ? compile_thunk(&c, d->module, arm->when,
                                                        arena_printf(c.arena, "%s.%s", d->name, arm->label),
                                                        FK_EXPR, T_BOOL)
                                        : -1;
        }
    }
    if (tests) compile_tests(&c, tests);
    drain(&c, &done);       /* what the items above asked for: the round's dates, say */

    bc->nsources = (uint16_t)p->modules.len;
    bc->sources = arena_alloc(c.arena, (p->modules.len + 1) * sizeof *bc->sources);
    for (size_t i = 0; i < p->modules.len; i++) {
        Module *m = p->modules.items[i];
        BcSource *s = &bc->sources[i];
        s->path = dup_str(&c, m->src->path);
        sha256(m->src->text, m->src->len, s->sha256);
        char *text = arena_alloc(c.arena, m->src->len + 1);
        memcpy(text, m->src->text, m->src->len);
        s->text = text;
        s->len = (uint32_t)m->src->len;
    }
    COPY_OUT(&c, bc->consts, bc->nconsts, c.consts);
    COPY_OUT(&c, bc->fns, bc->nfns, c.fns);
    COPY_OUT(&c, bc->aggs, bc->naggs, c.aggs);
    COPY_OUT(&c, bc->rules, bc->nrules, c.rules);
    COPY_OUT(&c, bc->feeds, bc->nfeeds, feeds);
    COPY_OUT(&c, bc->hiers, bc->nhiers, hiers);
    COPY_OUT(&c, bc->externs, bc->nexterns, externs);
    bc_index_sources(bc);
    mem_free(c.const_slots);
    vec_free(&c.plain_aggs);
    vec_free(&c.work);
    vec_free(&commits);
    vec_free(&checks);
    vec_free(&ratings);
    return !c.overflow;
}
