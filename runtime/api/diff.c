/* diff.c: pledge_diff, what a round changed against an earlier one.
 *
 * The two compiled programs are compared declaration by declaration, each
 * section of the program by its table in vm/layout.c, so a field added
 * there is compared without a change here. Functions are compared on their
 * code, not their text: opcodes and operands, constants by value, called
 * lets, fns and metrics by name (each is compared as a declaration of its
 * own), expressions and `where` conditions recursively; line information
 * is left out, so layout and comments change nothing. Titles, docs,
 * messages, sources and a row rule's text are wording: reported, but
 * apart. A declaration whose own code is the same but which uses one that
 * changed is listed as affected.
 *
 * Commitments are matched by id, or by a new one's `restates =
 * "OLDROUND.id"`; everything else by name (row rules by their feed and
 * their place in it). With feeds, both rounds are assessed as of the same
 * day and every result whose status, value or threshold moved, and every
 * rating whose label moved, is listed, with totals per item. */
#include "config.h"
#include "api/api.h"
#include "report/escape.h"
#include "vm/layout.h"
#include "vm/compile.h"
#include "data/feed.h"
#include <string.h>

/* ---- indexes by name ------------------------------------------------------------
 * A 100,000-line round has tens of thousands of declarations and functions,
 * so every lookup by name goes through an index built once, never a scan of
 * the table (issue 17). The names are interned in the data layer's table of
 * strings (an Orgs: any string to a dense id); first[id] is the first
 * position added under the name, as a scan from the start would find. */
typedef struct NameIx {
    Orgs *names;
    VEC(int32_t) first;
} NameIx;

/* The name's id, adding it (at: its position) if it is new. NULL: none. */
static uint32_t ix_add(NameIx *x, const char *name, int32_t at)
{
    if (!name) return ORG_NONE;
    if (!x->names) x->names = orgs_new();
    uint32_t id = orgs_intern(x->names, name, strlen(name));
    if (id == x->first.len) vec_push(&x->first, at);
    return id;
}

/* The name's id, or ORG_NONE. */
static uint32_t ix_id(const NameIx *x, const char *name)
{
    return name && x->names ? orgs_find(x->names, name, strlen(name)) : ORG_NONE;
}

/* The first position added under name, or -1. */
static int32_t ix_find(const NameIx *x, const char *name)
{
    uint32_t id = ix_id(x, name);
    return id == ORG_NONE ? -1 : x->first.items[id];
}

static void ix_free(NameIx *x)
{
    orgs_free(x->names);
    vec_free(&x->first);
    *x = (NameIx){ 0 };
}

static Value constant(Vm *vm, int32_t fn)
{
    Value v = val_missing();
    if (fn >= 0 && vm_call_window(vm, (uint32_t)fn, NULL, val_missing(), &v) != VM_OK) v = val_missing();
    return v;
}

Day api_threshold_text(Vm *vm, const BcProgram *p, const BcThreshold *t, bool deadline, char *buf, size_t cap)
{
    char thr[64], win[64];
    Value w = constant(vm, t->window_fn), v = constant(vm, t->value_fn);
    const char *word = report_window_word(deadline, v);
    report_display(v, thr, sizeof thr);
    if (t->window_feed >= 0 && t->window_feed < p->nfeeds && t->window_column >= 0 &&
        t->window_column < p->feeds[t->window_feed].ncolumns)        /* each system's, from its plan */
        snprintf(win, sizeof win, "%s.%s", p->feeds[t->window_feed].name,
                 p->feeds[t->window_feed].columns[t->window_column].name);
    else
        report_window(w, win, sizeof win);
    snprintf(buf, cap, "%s %s%s%s", cmp_text[t->cmp < 6 ? t->cmp : 0], thr, word ? word : "", word ? win : "");
    Day from, to;
    return val_window_days(w, &from, &to) ? to : 0;
}

/* ---- what is compared ---------------------------------------------------------- */

/* A kind of declaration; the order is the order of the report. */
typedef enum Sect {
    K_ROUND, K_FEED, K_RULE, K_HIER, K_LET, K_FN, K_EXTERN, K_METRIC, K_COMMIT, K_CHECK, K_NATIONAL,
    K_RATING, K_TEST, K__COUNT
} Sect;
static const char *const sect_noun[K__COUNT] = {
    "round", "feed", "row rule", "hierarchy", "let", "fn", "extern", "metric", "commitment", "check",
    "national check", "rating", "test"
};
static const char *const sect_heading[K__COUNT] = {
    "round", "feeds", "row rules", "hierarchies", "lets", "functions", "externs", "metrics", "commitments",
    "checks", "national checks", "ratings", "tests"
};

typedef enum Change { C_SAME, C_ADDED, C_REMOVED, C_CHANGED, C_RESTATED, C_WORDING, C_AFFECTED } Change;
static const char *const change_name[] = { "same", "added", "removed", "changed", "restated", "wording", "affected" };

/* One field that differs: its old and new text. */
typedef struct Delta {
    struct Delta *next;
    const char *label, *was, *now;
    bool wording;
} Delta;

typedef struct Entry {
    Sect        sect;
    const char *id, *old_id, *title, *owner;   /* owner: a row rule's feed */
    int32_t     ia, ib;                         /* index in the old and new tables, or -1 */
    Change      change;
    Delta      *fields, **tail;
    const char *because;                        /* affected: the changed declaration it uses */
    bool        same_text;                      /* compiles differently from the same text: a let
                                                 * or the horizon it reads was folded in */
} Entry;

/* Which table entry an instruction's operand refers to by a constant: the
 * arguments of host calls are item and function indices, compared by what
 * they name, not by number (adding a commitment renumbers the later ones). */
enum { REF_NONE, REF_COMMIT, REF_CHECK, REF_FN, REF_RATING };

typedef struct Diff {
    Arena            arena;
    const BcProgram *a, *b;         /* old, new: the pair being compared (the tests' programs for tests) */
    Vm              *va, *vb;
    uint8_t         *memo;          /* per old function: 0 unknown, 1 under way, 2 same, 3 differs */
    int32_t         *partner;       /* ... compared with which new function */
    uint8_t        **refs_a, **refs_b;   /* per function, per instruction: REF_* of a LOADK (lazily) */
    uint32_t        *visited;       /* per new function: the walk (code_uses) that last saw it */
    uint32_t         walk;          /* ... the current one (a new stamp, not a new array, per walk) */
    VEC(Entry)       entries;
    /* moved_entry's index: per group of kinds (use_group), each name's
     * entries in their order, chained by next; entries below indexed are in */
    NameIx           uses[K__COUNT];
    VEC(int32_t)     last[K__COUNT], next;
    size_t           indexed;
} Diff;

static void side_begin(Diff *d, const BcProgram *a, const BcProgram *b)
{
    d->a = a;
    d->b = b;
    d->memo = arena_alloc(&d->arena, a->nfns + 1u);
    d->partner = arena_alloc(&d->arena, (a->nfns + 1u) * sizeof *d->partner);
    d->refs_a = arena_alloc(&d->arena, (a->nfns + 1u) * sizeof *d->refs_a);
    d->refs_b = arena_alloc(&d->arena, (b->nfns + 1u) * sizeof *d->refs_b);
    d->visited = arena_alloc(&d->arena, (b->nfns + 1u) * sizeof *d->visited);
    d->walk = 0;
}

/* A new walk of code_uses: no function seen yet. */
static uint32_t *new_walk(Diff *d)
{
    d->walk++;
    return d->visited;
}

static int64_t const_int(const BcProgram *p, uint32_t k)
{
    return k < p->nconsts && val_is_number(p->consts[k]) ? (int64_t)val_to_double(p->consts[k]) : -1;
}

/* Marks the LOADKs that give host calls an item's or a function's index. */
static uint8_t *host_refs(Diff *d, const BcProgram *p, uint8_t **cache, uint32_t fn)
{
    if (cache[fn]) return cache[fn];
    const BcFunction *f = &p->fns[fn];
    uint8_t *r = arena_alloc(&d->arena, f->ncode + 1u);
    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        Instr in = f->code[pc];
        if (in.op != OP_HOST) continue;
        /* emit_host loads its constant arguments into the registers after A:
         * an item's kind and index, or a function's index */
        bool item = in.b == HOST_ITEM_STATUS || in.b == HOST_ITEM_FOR;
        if (!item && in.b != HOST_ACROSS && in.b != HOST_SERIES) continue;
        int32_t load[3] = { -1, -1, -1 };
        for (uint32_t q = pc; q-- > 0 && (load[1] < 0 || (item && load[2] < 0));) {
            Instr x = f->code[q];
            for (int k = 1; k <= 2; k++)
                if (load[k] < 0 && x.op == OP_LOADK && x.a == in.a + k) load[k] = (int32_t)q;
        }
        if (item && load[1] >= 0 && load[2] >= 0) {
            int64_t kind = const_int(p, instr_b(f->code[load[1]]));
            r[load[2]] = kind == 0 ? REF_COMMIT : kind == 1 ? REF_CHECK : kind == 2 ? REF_FN : REF_RATING;
        } else if (!item && load[1] >= 0) {
            r[load[1]] = REF_FN;
        }
    }
    return cache[fn] = r;
}

static bool same_str(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

static bool same_const(const BcProgram *a, uint32_t ka, const BcProgram *b, uint32_t kb)
{
    if (ka >= a->nconsts || kb >= b->nconsts) return ka == kb;
    Value x = a->consts[ka], y = b->consts[kb];
    return x.kind == y.kind && x.unit == y.unit && val_equal(x, y);
}

/* A let, fn or metric: a declaration of its own, referred to by name. */
static bool named_fn(const BcFunction *f)
{
    return f->kind == FK_LET || f->kind == FK_FN || f->kind == FK_METRIC;
}

static bool same_code(Diff *d, uint32_t fa, uint32_t fb);

static bool same_fn_ref(Diff *d, int64_t fa, int64_t fb)
{
    if (fa < 0 || fb < 0 || fa >= d->a->nfns || fb >= d->b->nfns) return fa == fb;
    const BcFunction *x = &d->a->fns[fa], *y = &d->b->fns[fb];
    if (named_fn(x) || named_fn(y)) return x->kind == y->kind && same_str(x->name, y->name);
    return same_code(d, (uint32_t)fa, (uint32_t)fb);
}

static const char *column_of(const BcProgram *p, int64_t feed, int64_t col)
{
    if (feed < 0 || feed >= p->nfeeds || col < 0 || col >= p->feeds[feed].ncolumns) return NULL;
    return p->feeds[feed].columns[col].name;
}

static bool same_agg(Diff *d, uint32_t ga, uint32_t gb)
{
    if (ga >= d->a->naggs || gb >= d->b->naggs) return ga == gb;
    const BcAggregate *x = &d->a->aggs[ga], *y = &d->b->aggs[gb];
    if (x->func != y->func || x->nfilter != y->nfilter || (x->filter < 0) != (y->filter < 0)
        || x->pub != y->pub || x->pub_day != y->pub_day)
        return false;
    if (!same_str(d->a->feeds[x->feed].name, d->b->feeds[y->feed].name)
        || !same_str(column_of(d->a, x->feed, x->column), column_of(d->b, y->feed, y->column)))
        return false;
    for (uint16_t k = 0; k < x->nfilter; k++)
        if (!same_str(column_of(d->a, x->feed, x->filter_cols[k]), column_of(d->b, y->feed, y->filter_cols[k])))
            return false;
    return x->filter < 0 || same_code(d, (uint32_t)x->filter, (uint32_t)y->filter);
}

static bool same_extern(const BcProgram *a, uint32_t xa, const BcProgram *b, uint32_t xb)
{
    if (xa >= a->nexterns || xb >= b->nexterns) return xa == xb;
    const BcExtern *x = &a->externs[xa], *y = &b->externs[xb];
    return same_str(x->lib, y->lib) && same_str(x->name, y->name) && x->result == y->result
        && x->nparams == y->nparams && (!x->nparams || memcmp(x->param_types, y->param_types, x->nparams) == 0);
}

/* What a LOADK marked by host_refs names, compared across the programs. */
static bool same_ref(Diff *d, uint8_t ref, uint32_t ka, uint32_t kb)
{
    int64_t i = const_int(d->a, ka), j = const_int(d->b, kb);
    switch (ref) {
    case REF_COMMIT:
        return i >= 0 && j >= 0 && i < d->a->ncommits && j < d->b->ncommits
            && same_str(d->a->commits[i].name, d->b->commits[j].name);
    case REF_CHECK:
        return i >= 0 && j >= 0 && i < d->a->nchecks && j < d->b->nchecks
            && same_str(d->a->checks[i].name, d->b->checks[j].name);
    case REF_RATING:
        return i >= 0 && j >= 0 && i < d->a->nratings && j < d->b->nratings
            && same_str(d->a->ratings[i].name, d->b->ratings[j].name);
    default:
        return same_fn_ref(d, i, j);
    }
}

/* The two functions' code, operand by operand (see the top of the file). */
static bool same_code(Diff *d, uint32_t fa, uint32_t fb)
{
    if (fa >= d->a->nfns || fb >= d->b->nfns) return false;
    if (d->memo[fa] && d->partner[fa] == (int32_t)fb)
        return d->memo[fa] != 3;    /* under way (a cycle) counts as the same until shown otherwise */
    d->memo[fa] = 1;
    d->partner[fa] = (int32_t)fb;
    const BcFunction *x = &d->a->fns[fa], *y = &d->b->fns[fb];
    bool same = x->kind == y->kind && x->result == y->result && x->nparams == y->nparams && x->nregs == y->nregs
             && x->ncode == y->ncode
             && (!x->nparams || memcmp(x->param_types, y->param_types, x->nparams) == 0);
    const uint8_t *ra = same ? host_refs(d, d->a, d->refs_a, fa) : NULL;
    const uint8_t *rb = same ? host_refs(d, d->b, d->refs_b, fb) : NULL;
    for (uint32_t pc = 0; same && pc < x->ncode; pc++) {
        Instr i = x->code[pc], j = y->code[pc];
        if (i.op != j.op || i.op >= OP__COUNT || ra[pc] != rb[pc]) { same = false; break; }
        const OpInfo *oi = &bc_ops[i.op];
        const unsigned kinds[3] = { oi->a, oi->b, oi->c };
        const uint32_t u[3] = { i.a, instr_b(i), i.c }, v[3] = { j.a, instr_b(j), j.c };
        for (int k = 0; same && k < 3; k++) {
            switch ((OperandKind)kinds[k]) {
            case OPK__: break;
            case OPK_K:
                same = ra[pc] ? same_ref(d, ra[pc], u[k], v[k]) : same_const(d->a, u[k], d->b, v[k]);
                break;
            case OPK_RK:
                same = rk_is_constant((uint16_t)u[k]) == rk_is_constant((uint16_t)v[k])
                    && (rk_is_constant((uint16_t)u[k]) ? same_const(d->a, u[k] & RK_MAX_CONSTANT, d->b, v[k] & RK_MAX_CONSTANT)
                                             : u[k] == v[k]);
                break;
            case OPK_F: same = same_fn_ref(d, u[k], v[k]); break;
            case OPK_G: same = same_agg(d, u[k], v[k]); break;
            case OPK_X: same = same_extern(d->a, u[k], d->b, v[k]); break;
            default: same = u[k] == v[k]; break;      /* registers, counts, jumps, natives, host functions */
            }
        }
    }
    d->memo[fa] = same ? 2 : 3;
    return same;
}

/* ---- how a field reads --------------------------------------------------------- */

/* What a field that holds a function shows: a let, fn or metric by name,
 * an expression by its text. */
static const char *fn_text(Diff *d, const BcProgram *p, int64_t fn)
{
    if (fn >= 0 && fn < p->nfns && named_fn(&p->fns[fn])) return p->fns[fn].name;
    return bc_source_text(p, fn, &d->arena);
}

static const char *value_text(Diff *d, const BcProgram *p, int64_t k)
{
    if (k < 0 || k >= p->nconsts) return "none";
    char buf[128];
    report_display(p->consts[k], buf, sizeof buf);
    return arena_printf(&d->arena, "%s", buf);
}

static const char *day_text(Diff *d, Day day)
{
    char buf[32];
    period_format((Period){ GRAIN_DAY, day }, buf, sizeof buf);
    return arena_printf(&d->arena, "%s", buf);
}

/* The two objects compared: old and new, and what holds each (a feed for
 * its key columns, an aggregate for its filter's columns). */
typedef struct Pair { const void *a, *b, *pa, *pb; } Pair;

static const BcProgram *prog(Diff *d, int side) { return side ? d->b : d->a; }

/* A scalar field as people read it. */
static const char *scalar_text(Diff *d, int side, const BcField *f, const void *obj, const void *parent)
{
    const BcProgram *p = prog(d, side);
    int64_t v = bc_field_int(f, obj);
    switch ((BcRef)f->ref) {
    case BR_EXPR: case BR_METRIC: case BR_FILTER: return fn_text(d, p, v);
    case BR_CONST_WINDOW: case BR_CONST_NUMBER: return value_text(d, p, v);
    case BR_FEED: return v >= 0 && v < p->nfeeds ? p->feeds[v].name : "none";
    case BR_HIER: return v >= 0 && v < p->nhiers ? p->hiers[v].name : "none";
    case BR_COLUMN: {
        const void *holder = f->with_size ? obj : parent;
        int64_t feed = f->with_size ? bc_get_int(holder, f->with_off, f->with_size, true) : -1;
        const char *c = column_of(p, feed, v);
        return c ? c : "none";
    }
    case BR_OWN_COLUMN: {
        const BcFeed *feed = parent;
        return feed && v >= 0 && v < feed->ncolumns ? feed->columns[v].name : "?";
    }
    case BR_GRAIN: return v >= 0 && v <= GRAIN_FY ? grain_name((Grain)v) : "?";
    case BR_TYPE: case BR_PLAIN_TYPE: return v >= 0 && v <= T_NONE ? type_kind_name((TypeKind)v) : "?";
    case BR_FORMAT: return v == COL_POINTS ? "as points" : "plain";
    case BR_CLASS: return class_name((uint8_t)v) ? class_name((uint8_t)v) : "?";
    case BR_CMP: return v >= 0 && v < 6 ? cmp_text[v] : "?";
    case BR_AGG_FUNC: return v >= 0 && v < AGG_COUNT ? bc_agg_names[v] : "?";
    case BR_PUB: return v == PUB_LATEST ? "latest" : v == PUB_FIRST ? "first" : v == PUB_BY ? "as of a day" : "?";
    default: break;
    }
    if (f->kind == BF_DAY) return day_text(d, (Day)v);
    if (strcmp(f->label, "lag") == 0) {
        if (v == FEED_AWAITS_PUBLICATION) return "none (awaits publication)";
        if (v && v % 7 == 0) return arena_printf(&d->arena, "%lld weeks", (long long)(v / 7));
        return arena_printf(&d->arena, "%lld days", (long long)v);
    }
    if (strcmp(f->label, "national") == 0) return v ? "yes" : "no";
    return arena_printf(&d->arena, "%lld", (long long)v);
}

static bool same_scalar(Diff *d, const BcField *f, const Pair *o)
{
    int64_t x = bc_field_int(f, o->a), y = bc_field_int(f, o->b);
    switch ((BcRef)f->ref) {
    case BR_EXPR: case BR_METRIC: case BR_FILTER: return same_fn_ref(d, x, y);
    case BR_CONST_WINDOW: case BR_CONST_NUMBER:
        return (x < 0 || y < 0) ? x == y : same_const(d->a, (uint32_t)x, d->b, (uint32_t)y);
    case BR_FEED: case BR_HIER: case BR_COLUMN: case BR_OWN_COLUMN:
        return same_str(scalar_text(d, 0, f, o->a, o->pa), scalar_text(d, 1, f, o->b, o->pb));
    default: return x == y;
    }
}

/* Fields that do not change a result: they are reported as wording. */
static bool wording_label(const char *label)
{
    static const char *const words[] = { "title", "doc", "message", "source", "restates", "text" };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(label, words[i]) == 0) return true;
    return false;
}

/* What an unlabelled field is called in the diff. */
static const char *field_label(const BcField *f)
{
    if (f->label[0]) return f->label;
    switch ((BcRef)f->ref) {
    case BR_CLASS: return "class";
    case BR_GRAIN: return "period";
    case BR_TYPE: return "type";
    case BR_FORMAT: return "format";
    case BR_CMP: return "comparison";
    case BR_FEED: return "feed";
    case BR_COLUMN: return "column";
    case BR_AGG_FUNC: return "function";
    case BR_EXPR: return "when";
    default: return "value";
    }
}

static void add_field(Diff *d, Entry *e, const char *label, const char *was, const char *now, bool wording)
{
    if (!e) return;
    Delta *f = arena_alloc(&d->arena, sizeof *f);
    *f = (Delta){ NULL, label, was, now, wording };
    *e->tail = f;
    e->tail = &f->next;
}

/* An integer field (BF_U8 to BF_DAY, the first kinds of BcFieldKind). */
static bool is_scalar(uint8_t kind) { return kind <= BF_DAY; }

/* Bits of walk's answer. */
enum { DIFF_RESULT = 1, DIFF_WORDING = 2 };

static int walk(Diff *d, const BcLayout *l, const Pair *o, Entry *e, bool matched);

/* Elements with a name field are matched by name; the others (milestones,
 * a rating's branches) by position. */
static bool by_name(const BcLayout *l)
{
    return l->nfields && l->fields[0].kind == BF_STR && strcmp(l->fields[0].label, "name") == 0;
}

/* An element of an array (or a struct) as people read it. */
static const char *elem_text(Diff *d, int side, const BcLayout *l, const void *obj, const void *parent)
{
    const BcProgram *p = prog(d, side);
    if (strcmp(l->noun, "threshold") == 0) {
        char buf[256];
        const BcCommitment *c = parent;       /* a threshold is a commitment's target or milestone */
        api_threshold_text(side ? d->vb : d->va, p, obj, c && obj == &c->target && c->deadline, buf, sizeof buf);
        return arena_printf(&d->arena, "%s", buf);
    }
    if (strcmp(l->noun, "arm") == 0) {
        const BcArm *arm = obj;
        /* a branch's line is "LABEL when CONDITION" */
        if (arm->when < 0) return arena_printf(&d->arena, "%s otherwise", arm->label);
        return fn_text(d, p, arm->when);
    }
    /* the scalar fields but a matched element's name (it is in the label)
     * and a column's format when it is the default */
    const char *s = "";
    for (unsigned i = by_name(l); i < l->nfields; i++) {
        const BcField *f = &l->fields[i];
        if (f->ref == BR_FORMAT && bc_field_int(f, obj) == COL_PLAIN) continue;
        const char *v = f->kind == BF_STR ? bc_field_str(f, obj)
                      : is_scalar(f->kind) ? scalar_text(d, side, f, obj, parent) : NULL;
        if (!v) continue;
        s = arena_printf(&d->arena, "%s%s%s", s, s[0] ? " " : "", v);
    }
    return s;
}

/* An array of bare numbers (key columns, filter columns, parameter types)
 * as a list of what they name. */
static const char *list_text(Diff *d, int side, const BcField *f, const void *obj, const void *parent)
{
    const void *arr = *(const void *const *)bc_member(obj, f->off);
    size_t n = (size_t)bc_get_int(obj, f->aux_off, f->aux_size, false);
    BcField elem = f->elem->fields[0];
    elem.ref = f->ref;
    elem.with_size = 0;
    /* a column of the feed in `with` of the holder */
    int64_t feed = f->with_size && f->ref == BR_COLUMN ? bc_get_int(obj, f->with_off, f->with_size, true) : -1;
    const char *s = "";
    for (size_t i = 0; i < n && arr; i++) {
        const void *x = (const char *)arr + i * f->elem->size;
        const char *v;
        if (f->ref == BR_COLUMN) v = column_of(prog(d, side), feed, bc_field_int(&elem, x));
        else if (f->ref == BR_OWN_COLUMN) v = scalar_text(d, side, &elem, x, obj);
        else v = scalar_text(d, side, &elem, x, parent);
        s = arena_printf(&d->arena, "%s%s%s", s, i ? ", " : "", v ? v : "?");
    }
    return n ? s : "none";
}

static int walk_array(Diff *d, const BcField *f, const Pair *o, Entry *e, const char *label)
{
    const BcLayout *l = f->elem;
    const char *ea = *(const char *const *)bc_member(o->a, f->off), *eb = *(const char *const *)bc_member(o->b, f->off);
    size_t na = (size_t)bc_get_int(o->a, f->aux_off, f->aux_size, false);
    size_t nb = (size_t)bc_get_int(o->b, f->aux_off, f->aux_size, false);
    if (l->nfields == 1 && is_scalar(l->fields[0].kind)) {
        const char *x = list_text(d, 0, f, o->a, o->pa), *y = list_text(d, 1, f, o->b, o->pb);
        if (same_str(x, y)) return 0;
        add_field(d, e, label, x, y, false);
        return DIFF_RESULT;
    }
    int diff = 0;
    bool named = by_name(l);
    uint8_t *seen = arena_alloc(&d->arena, nb + 1);
    for (size_t i = 0; i < na; i++) {
        const void *x = ea + i * l->size, *y = NULL;
        size_t j = i;
        if (named) {
            const char *name = bc_field_str(&l->fields[0], x);
            for (j = 0; j < nb; j++)
                if (!seen[j] && same_str(name, bc_field_str(&l->fields[0], eb + j * l->size))) break;
        }
        if (j < nb) { y = eb + j * l->size; seen[j] = 1; }
        const char *what = named ? arena_printf(&d->arena, "%s %s", label, bc_field_str(&l->fields[0], x))
                                 : arena_printf(&d->arena, "%s %zu", label, i + 1);
        if (!y) {
            add_field(d, e, what, elem_text(d, 0, l, x, o->a), "none", false);
            diff |= DIFF_RESULT;
            continue;
        }
        Pair q = { x, y, o->a, o->b };
        int w = walk(d, l, &q, NULL, named);
        if (w) add_field(d, e, what, elem_text(d, 0, l, x, o->a), elem_text(d, 1, l, y, o->b), !(w & DIFF_RESULT));
        diff |= w;
    }
    for (size_t j = 0; j < nb; j++) {
        if (seen[j]) continue;
        const void *y = eb + j * l->size;
        const char *what = named ? arena_printf(&d->arena, "%s %s", label, bc_field_str(&l->fields[0], y))
                                 : arena_printf(&d->arena, "%s %zu", label, j + 1);
        add_field(d, e, what, "none", elem_text(d, 1, l, y, o->b), false);
        diff |= DIFF_RESULT;
    }
    return diff;
}

/* Compares two entries of a table field by field, adding what differs to e
 * (NULL: only says whether anything does). matched: they were paired by
 * their name field, which is then not a difference (a restated
 * commitment's new id is said on its line). */
static int walk(Diff *d, const BcLayout *l, const Pair *o, Entry *e, bool matched)
{
    int diff = 0;
    for (unsigned i = 0; i < l->nfields; i++) {
        const BcField *f = &l->fields[i];
        const char *label = field_label(f);
        switch ((BcFieldKind)f->kind) {
        case BF_STR: {
            /* the entry's own name matched it; the round's is in the heading */
            if ((matched && (int)i == l->name) || (strcmp(l->noun, "round") == 0 && strcmp(f->label, "name") == 0))
                break;
            const char *x = bc_field_str(f, o->a), *y = bc_field_str(f, o->b);
            if (same_str(x, y)) break;
            bool wording = wording_label(f->label);
            add_field(d, e, label, x ? arena_printf(&d->arena, "\"%s\"", x) : "none",
                      y ? arena_printf(&d->arena, "\"%s\"", y) : "none", wording);
            diff |= wording ? DIFF_WORDING : DIFF_RESULT;
            break;
        }
        case BF_U8: case BF_U16: case BF_U32: case BF_I32: case BF_DAY:
            if (same_scalar(d, f, o)) break;
            if (strcmp(f->label, "missing") == 0) {
                /* `missing = missed` (a commitment) or `missing = fail` (a check) */
                const char *as = l == &bc_layout_commitment ? "missed" : "fail";
                add_field(d, e, label, bc_field_int(f, o->a) ? as : "none", bc_field_int(f, o->b) ? as : "none", false);
            } else {
                add_field(d, e, label, scalar_text(d, 0, f, o->a, o->pa), scalar_text(d, 1, f, o->b, o->pb), false);
            }
            diff |= DIFF_RESULT;
            break;
        case BF_STRUCT: {
            Pair q = { bc_member(o->a, f->off), bc_member(o->b, f->off), o->a, o->b };
            int w = walk(d, f->elem, &q, NULL, false);
            if (w) add_field(d, e, label, elem_text(d, 0, f->elem, q.a, o->a), elem_text(d, 1, f->elem, q.b, o->b),
                             !(w & DIFF_RESULT));
            diff |= w;
            break;
        }
        case BF_ARRAY: case BF_EACH:
            /* a rating's arms are its branches */
            diff |= walk_array(d, f, o, e, strcmp(f->label, "arm") == 0 ? "branch" : f->label);
            break;
        case BF_LINES: case BF_TEXT: case BF_SHA256: case BF_VALUE:
            break;      /* source positions and text; constants are compared where used */
        }
    }
    return diff;
}

/* A field of a declaration on one side only: "none" on the other, as the
 * schema has it. Empty fields are left out. */
static void add_one_side(Diff *d, Entry *e, int side, const char *label, const char *text, bool wording)
{
    if (!text || strcmp(text, "none") == 0 || !text[0]) return;
    add_field(d, e, label, side ? "none" : text, side ? text : "none", wording);
}

/* The whole of a declaration that is only on one side (added: side 1,
 * removed: side 0), field by field as a change would show it: an auditor
 * reads what came or went, not only its name. The name and title are on
 * the entry's own line. */
static void whole(Diff *d, Entry *e, const BcLayout *l, const void *obj, int side)
{
    for (unsigned i = 0; i < l->nfields; i++) {
        const BcField *f = &l->fields[i];
        const char *label = field_label(f);
        switch ((BcFieldKind)f->kind) {
        case BF_STR: {
            const char *s = bc_field_str(f, obj);
            if ((int)i == l->name || strcmp(f->label, "title") == 0 || !s || same_str(s, e->title)) break;
            add_one_side(d, e, side, label, arena_printf(&d->arena, "\"%s\"", s), wording_label(f->label));
            break;
        }
        case BF_U8: case BF_U16: case BF_U32: case BF_I32: case BF_DAY:
            /* a national check's section says; a commitment's `national: yes` is shown */
            if (strcmp(f->label, "national") == 0 && (l == &bc_layout_check || !bc_field_int(f, obj))) break;
            if (f->ref == BR_FEED && i + 1 < l->nfields && l->fields[i + 1].ref == BR_COLUMN
                && l->fields[i + 1].with_size && l->fields[i + 1].with_off == f->off)
                break;  /* a feed and its column: FEED.COLUMN, with the column */
            if (strcmp(f->label, "missing") == 0)
                add_one_side(d, e, side, label,
                             !bc_field_int(f, obj) ? NULL : l == &bc_layout_commitment ? "missed" : "fail", false);
            else if (f->ref == BR_COLUMN && f->with_size && strcmp(scalar_text(d, side, f, obj, NULL), "none") != 0)
                add_one_side(d, e, side, label,
                             arena_printf(&d->arena, "%s.%s", prog(d, side)->feeds[bc_get_int(obj, f->with_off, f->with_size, true)].name,
                                          scalar_text(d, side, f, obj, NULL)), false);
            else
                add_one_side(d, e, side, f->ref == BR_GRAIN ? "grain" : label, scalar_text(d, side, f, obj, NULL),
                             false);
            break;
        case BF_STRUCT:
            add_one_side(d, e, side, label, elem_text(d, side, f->elem, bc_member(obj, f->off), obj), false);
            break;
        case BF_ARRAY: case BF_EACH: {
            const BcLayout *el = f->elem;
            const char *arr = *(const char *const *)bc_member(obj, f->off);
            size_t n = (size_t)bc_get_int(obj, f->aux_off, f->aux_size, false);
            const char *what = strcmp(f->label, "arm") == 0 ? "branch" : f->label;
            if (el->nfields == 1 && is_scalar(el->fields[0].kind)) {
                /* the columns a condition reads are shown with it */
                if (i && strcmp(l->fields[i - 1].label, f->label) == 0) break;
                add_one_side(d, e, side, what, list_text(d, side, f, obj, NULL), false);
                break;
            }
            for (size_t k = 0; k < n; k++) {
                const void *x = arr + k * el->size;
                const char *at = by_name(el) ? arena_printf(&d->arena, "%s %s", what, bc_field_str(&el->fields[0], x))
                                             : arena_printf(&d->arena, "%s %zu", what, k + 1);
                add_one_side(d, e, side, at, elem_text(d, side, el, x, obj), false);
            }
            break;
        }
        case BF_LINES: case BF_TEXT: case BF_SHA256: case BF_VALUE:
            break;
        }
    }
}

/* ---- the declarations ------------------------------------------------------------ */

static Entry *entry(Diff *d, Sect s, const char *id, const char *old_id, const char *title, int32_t ia, int32_t ib)
{
    Entry e = { s, id, old_id, title, NULL, ia, ib, C_SAME, NULL, NULL, NULL, false };
    vec_push(&d->entries, e);
    Entry *x = &d->entries.items[d->entries.len - 1];
    x->tail = &x->fields;
    return x;
}

/* Compares a and b (both there) and sets the entry's change. */
static void compare(Diff *d, Entry *e, const BcLayout *l, const void *a, const void *b)
{
    Pair o = { a, b, NULL, NULL };
    int w = walk(d, l, &o, e, true);
    e->change = w & DIFF_RESULT ? C_CHANGED : w ? C_WORDING : C_SAME;
    e->same_text = e->change == C_CHANGED;
    for (const Delta *x = e->fields; x; x = x->next)
        if (!x->wording && !same_str(x->was, x->now)) e->same_text = false;
}

static Sect check_sect(const BcCheck *c) { return c->national ? K_NATIONAL : K_CHECK; }

/* The entries of one table matched by name: the layout's name field. */
static void by_names(Diff *d, Sect s, const BcSection *sec)
{
    const BcLayout *l = sec->layout;
    const char *ta = *(const char *const *)bc_member(d->a, sec->off), *tb = *(const char *const *)bc_member(d->b, sec->off);
    size_t na = (size_t)bc_get_int(d->a, sec->count_off, sec->count_size, false);
    size_t nb = (size_t)bc_get_int(d->b, sec->count_off, sec->count_size, false);
    const BcField *name = &l->fields[l->name];
    const BcField *title = NULL;
    for (unsigned i = 0; i < l->nfields; i++)
        if (strcmp(l->fields[i].label, "title") == 0 && l->fields[i].kind == BF_STR) title = &l->fields[i];
    uint8_t *seen = arena_alloc(&d->arena, na + 1);
    NameIx old = { 0 };
    for (size_t i = 0; i < na; i++) ix_add(&old, bc_field_str(name, ta + i * l->size), (int32_t)i);
    for (size_t j = 0; j < nb; j++) {
        const void *y = tb + j * l->size;
        const char *id = bc_field_str(name, y);
        size_t i = 0;
        if (id) { int32_t at = ix_find(&old, id); i = at < 0 ? na : (size_t)at; }
        else while (i < na && bc_field_str(name, ta + i * l->size)) i++;     /* unnamed: the first unnamed */
        Sect sj = s == K_CHECK ? check_sect(y) : s;
        Entry *e = entry(d, sj, id, i < na ? id : NULL, title ? bc_field_str(title, y) : NULL, i < na ? (int32_t)i : -1,
                         (int32_t)j);
        if (i == na) {
            e->change = C_ADDED;
            whole(d, e, l, y, 1);
            continue;
        }
        seen[i] = 1;
        compare(d, e, l, ta + i * l->size, y);
    }
    for (size_t i = 0; i < na; i++) {
        if (seen[i]) continue;
        const void *x = ta + i * l->size;
        Entry *e = entry(d, s == K_CHECK ? check_sect(x) : s, bc_field_str(name, x), bc_field_str(name, x),
                         title ? bc_field_str(title, x) : NULL, (int32_t)i, -1);
        e->change = C_REMOVED;
        whole(d, e, l, x, 0);
    }
    ix_free(&old);
}

/* An index of the commitments of p by id. */
static void commit_ix(NameIx *x, const BcProgram *p)
{
    for (uint16_t k = 0; k < p->ncommits; k++) ix_add(x, p->commits[k].name, k);
}

/* The old commitment a new one continues: the same id, or what it restates
 * (by_id: the old round's commitments, commit_ix). */
static int32_t match(const BcProgram *old, const NameIx *by_id, const BcCommitment *c)
{
    if (c->restates) {
        const char *dot = strrchr(c->restates, '.');
        const char *id = dot ? dot + 1 : c->restates;
        bool round_ok = !dot || (old->round.name && strlen(old->round.name) == (size_t)(dot - c->restates)
                                 && strncmp(old->round.name, c->restates, (size_t)(dot - c->restates)) == 0);
        int32_t k = round_ok ? ix_find(by_id, id) : -1;
        if (k >= 0) return k;
    }
    return ix_find(by_id, c->name);
}

static void commitments(Diff *d)
{
    uint8_t *kept = arena_alloc(&d->arena, d->a->ncommits + 1u);
    NameIx old = { 0 };
    commit_ix(&old, d->a);
    for (uint16_t k = 0; k < d->b->ncommits; k++) {
        const BcCommitment *c = &d->b->commits[k];
        int32_t m = match(d->a, &old, c);
        Entry *e = entry(d, K_COMMIT, c->name, m >= 0 ? d->a->commits[m].name : NULL, c->title, m, k);
        if (m < 0) {
            e->change = C_ADDED;
            whole(d, e, &bc_layout_commitment, c, 1);
            continue;
        }
        kept[m] = 1;
        compare(d, e, &bc_layout_commitment, &d->a->commits[m], c);
        if (strcmp(d->a->commits[m].name, c->name) != 0) e->change = C_RESTATED;
    }
    for (uint16_t k = 0; k < d->a->ncommits; k++) {
        if (kept[k]) continue;
        const BcCommitment *c = &d->a->commits[k];
        Entry *e = entry(d, K_COMMIT, c->name, c->name, c->title, k, -1);
        e->change = C_REMOVED;
        whole(d, e, &bc_layout_commitment, c, 0);
    }
    ix_free(&old);
}

/* Lets, fns and metrics by name, on their code. */
static void functions(Diff *d)
{
    for (int side = 1; side >= 0; side--) {
        const BcProgram *p = prog(d, side), *q = prog(d, !side);
        NameIx in_q = { 0 };        /* bc_find_function's answer, for every name at once */
        for (uint32_t k = 0; k < q->nfns && k <= INT32_MAX; k++) ix_add(&in_q, q->fns[k].name, (int32_t)k);
        for (uint32_t i = 0; i < p->nfns; i++) {
            const BcFunction *f = &p->fns[i];
            if (!named_fn(f)) continue;
            int32_t j = ix_find(&in_q, f->name);
            if (j >= 0 && !named_fn(&q->fns[j])) j = -1;
            if (!side && j >= 0) continue;      /* in both: done from the new side */
            Sect s = f->kind == FK_LET ? K_LET : f->kind == FK_FN ? K_FN : K_METRIC;
            Entry *e = entry(d, s, f->name, side && j < 0 ? NULL : f->name, NULL, side ? j : (int32_t)i,
                             side ? (int32_t)i : j);
            const char *what = f->kind == FK_METRIC ? "formula" : f->kind == FK_LET ? "value" : "body";
            if (j < 0) {
                e->change = side ? C_ADDED : C_REMOVED;
                add_one_side(d, e, side, "type", type_kind_name((TypeKind)f->result), false);
                add_one_side(d, e, side, what, bc_source_text(p, (int32_t)i, &d->arena), false);
                continue;
            }
            const BcFunction *g = &d->a->fns[j];
            if (same_code(d, (uint32_t)j, i)) continue;
            e->change = C_CHANGED;
            if (g->kind != f->kind) add_field(d, e, "kind", bc_fn_kind_names[g->kind], bc_fn_kind_names[f->kind], false);
            if (g->result != f->result)
                add_field(d, e, "type", type_kind_name((TypeKind)g->result), type_kind_name((TypeKind)f->result), false);
            add_field(d, e, what, bc_source_text(d->a, j, &d->arena), bc_source_text(d->b, (int32_t)i, &d->arena), false);
        }
        ix_free(&in_q);
    }
}

/* Row rules: by their feed's name and their place among its rules. */
static void row_rules(Diff *d)
{
    const BcLayout *l = bc_sections[SEC_RULES].layout;
    for (int side = 1; side >= 0; side--) {
        const BcProgram *p = prog(d, side), *q = prog(d, !side);
        /* q's rules grouped by their feed's name, in their order: the rules
         * of name g are order[start[g] .. start[g + 1]) */
        NameIx feeds = { 0 };
        uint32_t *fid = arena_alloc(&d->arena, (q->nrules + 1u) * sizeof *fid);
        for (uint16_t k = 0; k < q->nrules; k++) fid[k] = ix_add(&feeds, q->feeds[q->rules[k].feed].name, k);
        size_t nids = feeds.first.len;
        uint32_t *start = arena_alloc(&d->arena, (nids + 2) * sizeof *start);
        uint16_t *order = arena_alloc(&d->arena, (q->nrules + 1u) * sizeof *order);
        for (uint16_t k = 0; k < q->nrules; k++) start[fid[k] + 2]++;
        for (size_t g = 2; g < nids + 2; g++) start[g] += start[g - 1];
        for (uint16_t k = 0; k < q->nrules; k++) order[start[fid[k] + 1]++] = k;
        /* how many rules of each of p's feeds came before */
        uint16_t *before = arena_alloc(&d->arena, (p->nfeeds + 1u) * sizeof *before);
        for (uint16_t i = 0; i < p->nrules; i++) {
            const BcRowRule *r = &p->rules[i];
            const char *feed = p->feeds[r->feed].name;
            uint16_t nth = before[r->feed]++;
            uint32_t g = ix_id(&feeds, feed);
            int32_t j = g != ORG_NONE && nth < start[g + 1] - start[g] ? order[start[g] + nth] : -1;
            if (!side && j >= 0) continue;
            const char *id = arena_printf(&d->arena, "%s rule %u", feed, nth + 1u);
            Entry *e = entry(d, K_RULE, id, side && j < 0 ? NULL : id, r->text, side ? j : (int32_t)i,
                             side ? (int32_t)i : j);
            e->owner = feed;
            if (j < 0) {
                e->change = side ? C_ADDED : C_REMOVED;
                whole(d, e, l, r, side);
                continue;
            }
            compare(d, e, l, &d->a->rules[j], r);
        }
        ix_free(&feeds);
    }
}

static const Entry *moved_entry(Diff *d, Sect s, const char *id);
static const Entry *code_uses(Diff *d, int64_t fn, uint32_t *seen);

/* A test on one side only: its day, its rows tables line by line and its
 * expectations, labelled as a changed test's fields are. */
static void whole_test(Diff *d, Entry *e, const CompTest *t, int side)
{
    if (t->has_as_of) add_one_side(d, e, side, "as_of", day_text(d, t->as_of), false);
    for (size_t k = 0; k < t->ntables; k++) {
        const CompTable *u = &t->tables[k];
        for (size_t at = 0, line = 1; u->csv && at < u->len; line++) {
            size_t end = at;
            while (end < u->len && u->csv[end] != '\n') end++;
            add_one_side(d, e, side, arena_printf(&d->arena, "rows %s line %zu", u->target, line),
                         arena_strndup(&d->arena, u->csv + at, end - at), false);
            at = end + 1;
        }
    }
    for (size_t k = 0; k < t->nexpects; k++)
        add_one_side(d, e, side, arena_printf(&d->arena, "expect %zu", k + 1), t->expects[k].text, false);
}

/* The test blocks: by name, their day, their rows tables (as the CSV the
 * compiler makes of them: cells, not layout) and their expectations. */
static void tests(Diff *d, const BcProgram *pa, const CompTests *ta, const BcProgram *pb, const CompTests *tb)
{
    const BcProgram *keep_a = d->a, *keep_b = d->b;
    side_begin(d, pa, pb);
    uint8_t *seen = arena_alloc(&d->arena, ta->n + 1);
    NameIx old = { 0 };
    for (size_t i = 0; i < ta->n; i++) ix_add(&old, ta->items[i].name, (int32_t)i);
    for (size_t j = 0; j < tb->n; j++) {
        const CompTest *y = &tb->items[j];
        int32_t found = ix_find(&old, y->name);
        size_t i = found < 0 ? ta->n : (size_t)found;
        Entry *e = entry(d, K_TEST, y->name, i < ta->n ? y->name : NULL, NULL, i < ta->n ? (int32_t)i : -1, (int32_t)j);
        if (i == ta->n) {
            e->change = C_ADDED;
            whole_test(d, e, y, 1);
            continue;
        }
        seen[i] = 1;
        const CompTest *x = &ta->items[i];
        if (x->has_as_of != y->has_as_of || x->as_of != y->as_of)
            add_field(d, e, "as_of", x->has_as_of ? day_text(d, x->as_of) : "none",
                      y->has_as_of ? day_text(d, y->as_of) : "none", false);
        for (size_t k = 0; k < x->ntables || k < y->ntables; k++) {
            const CompTable *u = k < x->ntables ? &x->tables[k] : NULL, *v = k < y->ntables ? &y->tables[k] : NULL;
            if (u && v && same_str(u->target, v->target) && u->len == v->len
                && (!u->len || memcmp(u->csv, v->csv, u->len) == 0))
                continue;
            /* the first row that differs, old and new */
            const char *ua = u && u->csv ? u->csv : "", *va = v && v->csv ? v->csv : "";
            size_t ul = u ? u->len : 0, vl = v ? v->len : 0, at = 0, row = 0;
            while (at < ul && at < vl && ua[at] == va[at]) row += ua[at++] == '\n';
            size_t us = at, vs = at;
            while (us && ua[us - 1] != '\n') us--;
            while (vs && va[vs - 1] != '\n') vs--;
            size_t ue = us, ve = vs;
            while (ue < ul && ua[ue] != '\n') ue++;
            while (ve < vl && va[ve] != '\n') ve++;
            add_field(d, e, arena_printf(&d->arena, "rows %s line %zu", v ? v->target : u->target, row + 1),
                      ue > us ? arena_strndup(&d->arena, ua + us, ue - us) : "none",
                      ve > vs ? arena_strndup(&d->arena, va + vs, ve - vs) : "none", false);
        }
        for (size_t k = 0; k < x->nexpects || k < y->nexpects; k++) {
            const CompExpect *u = k < x->nexpects ? &x->expects[k] : NULL, *v = k < y->nexpects ? &y->expects[k] : NULL;
            if (u && v && same_code(d, (uint32_t)u->fn, (uint32_t)v->fn)) continue;
            add_field(d, e, arena_printf(&d->arena, "expect %zu", k + 1), u ? u->text : "none", v ? v->text : "none", false);
        }
        if (e->fields) { e->change = C_CHANGED; continue; }
        /* the same test of declarations that moved */
        const Entry *by = NULL;
        uint32_t *visited = new_walk(d);
        for (size_t k = 0; k < y->ntables && !by; k++) {
            by = moved_entry(d, K_FEED, y->tables[k].target);
            if (!by) by = moved_entry(d, K_HIER, y->tables[k].target);
        }
        for (size_t k = 0; k < y->nexpects && !by; k++) by = code_uses(d, y->expects[k].fn, visited);
        if (by) {
            e->change = C_AFFECTED;
            e->because = arena_printf(&d->arena, "%s %s", sect_noun[by->sect], by->id);
        }
    }
    for (size_t i = 0; i < ta->n; i++) {
        if (seen[i]) continue;
        Entry *e = entry(d, K_TEST, ta->items[i].name, ta->items[i].name, NULL, (int32_t)i, -1);
        e->change = C_REMOVED;
        whole_test(d, e, &ta->items[i], 0);
    }
    ix_free(&old);
    side_begin(d, keep_a, keep_b);
}

/* ---- what uses what changed -------------------------------------------------------- */

static bool moved(const Entry *e) { return e->change != C_SAME && e->change != C_WORDING; }

/* The kinds moved_entry looks for together: a fn is a let, fn or metric; a
 * check a check or national check; a feed its own and its row rules'. */
static Sect use_group(Sect s)
{
    return s == K_LET || s == K_METRIC ? K_FN : s == K_NATIONAL ? K_CHECK : s == K_RULE ? K_FEED : s;
}

/* Brings moved_entry's index up to the entries made since. */
static void index_entries(Diff *d)
{
    for (; d->indexed < d->entries.len; d->indexed++) {
        const Entry *e = &d->entries.items[d->indexed];
        Sect g = use_group(e->sect);
        int32_t at = (int32_t)d->indexed;
        vec_push(&d->next, -1);
        uint32_t id = ix_add(&d->uses[g], e->sect == K_RULE ? e->owner : e->id, at);
        if (id == ORG_NONE) continue;          /* unnamed: found by a scan */
        if (id == d->last[g].len) vec_push(&d->last[g], at);
        else d->next.items[d->last[g].items[id]] = at, d->last[g].items[id] = at;
    }
}

/* The declaration of kind s named id if it moved (a feed moves with its row
 * rules): the first in the entries' order, through the index (the callers
 * ask for a fn, feed, hierarchy, commitment, check or rating). */
static const Entry *moved_entry(Diff *d, Sect s, const char *id)
{
    index_entries(d);
    if (id) {
        for (int32_t i = ix_find(&d->uses[use_group(s)], id); i >= 0; i = d->next.items[i])
            if (moved(&d->entries.items[i])) return &d->entries.items[i];
        return NULL;
    }
    for (size_t i = 0; i < d->entries.len; i++) {
        const Entry *e = &d->entries.items[i];
        bool kind = e->sect == s || (s == K_FN && (e->sect == K_LET || e->sect == K_METRIC))
                 || (s == K_CHECK && e->sect == K_NATIONAL) || (s == K_FEED && e->sect == K_RULE);
        if (kind && moved(e) && same_str(e->sect == K_RULE && s == K_FEED ? e->owner : e->id, id)) return e;
    }
    return NULL;
}

static const Entry *fn_uses(Diff *d, int64_t fn, uint32_t *seen)
{
    if (fn < 0 || fn >= d->b->nfns) return NULL;
    if (named_fn(&d->b->fns[fn])) return moved_entry(d, K_FN, d->b->fns[fn].name);
    return code_uses(d, fn, seen);
}

/* The first moved declaration new function fn reads, through expressions. */
static const Entry *code_uses(Diff *d, int64_t fn, uint32_t *seen)
{
    const BcProgram *p = d->b;
    if (fn < 0 || fn >= p->nfns || seen[fn] == d->walk) return NULL;
    seen[fn] = d->walk;
    const BcFunction *f = &p->fns[fn];
    const uint8_t *refs = host_refs(d, p, d->refs_b, (uint32_t)fn);
    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        Instr in = f->code[pc];
        const Entry *e = NULL;
        int64_t k = refs[pc] ? const_int(p, instr_b(in)) : -1;
        if (refs[pc] == REF_COMMIT && k >= 0 && k < p->ncommits) e = moved_entry(d, K_COMMIT, p->commits[k].name);
        else if (refs[pc] == REF_CHECK && k >= 0 && k < p->nchecks) e = moved_entry(d, K_CHECK, p->checks[k].name);
        else if (refs[pc] == REF_RATING && k >= 0 && k < p->nratings) e = moved_entry(d, K_RATING, p->ratings[k].name);
        else if (refs[pc] == REF_FN) e = fn_uses(d, k, seen);
        else if (in.op == OP_CALL) e = fn_uses(d, instr_b(in), seen);
        else if (in.op == OP_AGG && instr_b(in) < p->naggs) {
            const BcAggregate *g = &p->aggs[instr_b(in)];
            e = moved_entry(d, K_FEED, p->feeds[g->feed].name);
            if (!e && g->filter >= 0) e = code_uses(d, g->filter, seen);
        }
        if (e) return e;
    }
    return NULL;
}

/* The first moved declaration a new table entry reads, field by field. */
static const Entry *layout_uses(Diff *d, const BcLayout *l, const void *obj, uint32_t *seen)
{
    const Entry *e = NULL;
    for (unsigned i = 0; i < l->nfields && !e; i++) {
        const BcField *f = &l->fields[i];
        if (f->kind == BF_STRUCT) { e = layout_uses(d, f->elem, bc_member(obj, f->off), seen); continue; }
        if ((f->kind == BF_ARRAY || f->kind == BF_EACH) && f->elem->nfields > 1) {
            const char *arr = *(const char *const *)bc_member(obj, f->off);
            size_t n = (size_t)bc_get_int(obj, f->aux_off, f->aux_size, false);
            for (size_t k = 0; k < n && !e; k++) e = layout_uses(d, f->elem, arr + k * f->elem->size, seen);
            continue;
        }
        if (!is_scalar(f->kind)) continue;
        int64_t v = bc_field_int(f, obj);
        if (f->ref == BR_EXPR || f->ref == BR_METRIC || f->ref == BR_FILTER) e = fn_uses(d, v, seen);
        else if (f->ref == BR_FEED && v >= 0 && v < d->b->nfeeds) e = moved_entry(d, K_FEED, d->b->feeds[v].name);
        else if (f->ref == BR_HIER && v >= 0 && v < d->b->nhiers) e = moved_entry(d, K_HIER, d->b->hiers[v].name);
    }
    return e;
}

static const Entry *entry_uses(Diff *d, const Entry *e)
{
    uint32_t *seen = new_walk(d);
    const BcProgram *p = d->b;
    switch (e->sect) {
    case K_ROUND: return layout_uses(d, bc_sections[SEC_ROUND].layout, &p->round, seen);
    case K_RULE: return code_uses(d, p->rules[e->ib].filter, seen);     /* not its own feed */
    case K_LET: case K_FN: case K_METRIC: return code_uses(d, e->ib, seen);
    case K_COMMIT: return layout_uses(d, &bc_layout_commitment, &p->commits[e->ib], seen);
    case K_CHECK: case K_NATIONAL: return layout_uses(d, &bc_layout_check, &p->checks[e->ib], seen);
    case K_RATING: return layout_uses(d, bc_sections[SEC_RATINGS].layout, &p->ratings[e->ib], seen);
    default: return NULL;
    }
}

static bool word_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Whether word is in text as a whole word (after its module's prefix). */
static bool has_word(const char *text, const char *word)
{
    const char *dot = strrchr(word, '.');
    if (dot) word = dot + 1;
    size_t n = strlen(word);
    for (const char *at = text; n && (at = strstr(at, word)); at++) {
        if ((at == text || !word_char(at[-1])) && !word_char(at[n])) return true;
    }
    return false;
}

/* What an entry compiled differently from the same text reads that moved:
 * a let or a date or the horizon of the round, folded into its constants.
 * folds: the moved lets and round, in the entries' order (not a scan of
 * every entry per entry). */
static const char *folded_cause(Diff *d, const Entry *e, const size_t *folds, size_t nfolds)
{
    /* a row rule reads its feed's columns, typed by the feed */
    const Entry *feed = e->sect == K_RULE ? moved_entry(d, K_FEED, e->owner) : NULL;
    if (feed) return arena_printf(&d->arena, "feed %s", feed->id);
    for (size_t i = 0; i < nfolds; i++) {
        const Entry *x = &d->entries.items[folds[i]];
        for (const Delta *t = e->fields; t; t = t->next) {
            if (x->sect == K_LET && has_word(t->now, x->id)) return arena_printf(&d->arena, "let %s", x->id);
            for (const Delta *r = x->sect == K_ROUND ? x->fields : NULL; r; r = r->next) {
                const char *name = strncmp(r->label, "date ", 5) == 0 ? r->label + 5 : r->label;
                if (has_word(t->now, name)) return arena_printf(&d->arena, "the round's %s", name);
            }
        }
    }
    return "a constant it reads";
}

/* Marks what uses a moved declaration, until nothing more is marked. */
static void affected(Diff *d)
{
    /* lets and the round stay moved below (what moved only becomes affected) */
    size_t *folds = arena_alloc(&d->arena, (d->entries.len + 1) * sizeof *folds), nfolds = 0;
    for (size_t i = 0; i < d->entries.len; i++) {
        const Entry *x = &d->entries.items[i];
        if (moved(x) && (x->sect == K_LET || x->sect == K_ROUND)) folds[nfolds++] = i;
    }
    for (size_t i = 0; i < d->entries.len; i++) {
        Entry *e = &d->entries.items[i];
        if (!e->same_text) continue;
        e->because = folded_cause(d, e, folds, nfolds);
        e->change = C_AFFECTED;
        e->fields = NULL;
    }
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < d->entries.len; i++) {
            Entry *e = &d->entries.items[i];
            if (e->change != C_SAME || e->ib < 0) continue;
            const Entry *by = entry_uses(d, e);
            if (!by) continue;
            e->change = C_AFFECTED;
            e->because = arena_printf(&d->arena, "%s %s", sect_noun[by->sect], by->id);
            more = true;
        }
    }
}

/* Every declaration of the two programs, compared (tests apart). Constants
 * and aggregates are compared where code uses them, sources not at all. */
_Static_assert(SEC__COUNT == 12, "a new section of the program: compare it in compare_programs");
static void compare_programs(Diff *d)
{
    Entry *r = entry(d, K_ROUND, d->b->round.name ? d->b->round.name : "(none)", d->a->round.name, d->b->round.title,
                     0, 0);
    compare(d, r, bc_sections[SEC_ROUND].layout, &d->a->round, &d->b->round);
    by_names(d, K_FEED, &bc_sections[SEC_FEEDS]);
    row_rules(d);
    by_names(d, K_HIER, &bc_sections[SEC_HIERS]);
    functions(d);
    by_names(d, K_EXTERN, &bc_sections[SEC_EXTERNS]);
    commitments(d);
    by_names(d, K_CHECK, &bc_sections[SEC_CHECKS]);
    by_names(d, K_RATING, &bc_sections[SEC_RATINGS]);
    affected(d);
}

/* ---- writing the declarations -------------------------------------------------- */

typedef struct Out { FILE *f; bool json; } Out;

static void json_key(Out *o, const char *key, const char *value, bool comma)
{
    fprintf(o->f, "%s\"%s\": ", comma ? ", " : "", key);
    report_json_string(o->f, value);
}

/* A rule file's text on one line of a terminal: a doc comment's line breaks
 * become spaces, and the rest goes through the terminal escaper. */
static void put_line(FILE *f, const char *s)
{
    for (;;) {
        size_t n = strcspn(s, "\r\n");
        esc_text(f, s, n);
        if (!s[n]) return;
        fputc(' ', f);
        s += n + 1;
    }
}

static void text_field(Out *o, const Entry *e, const Delta *x)
{
    if (e->change == C_ADDED || e->change == C_REMOVED) {
        /* the declaration came or went: what it is, not "none ->" */
        fprintf(o->f, "      %-11s ", x->label);
        put_line(o->f, e->change == C_ADDED ? x->now : x->was);
        fputc('\n', o->f);
        return;
    }
    bool one_line = strlen(x->was) + strlen(x->now) <= 60;
    fprintf(o->f, "      %-11s ", x->label);
    put_line(o->f, x->was);
    fprintf(o->f, one_line ? " -> " : "\n      %11s -> ", "");
    put_line(o->f, x->now);
    fputc('\n', o->f);
}

static void text_entry(Out *o, const Entry *e)
{
    static const char sign[] = { ' ', '+', '-', '~', '~', '=', '>' };
    FILE *f = o->f;
    fprintf(f, e->sect == K_TEST ? "  %c \"" : "  %c ", sign[e->change]);
    put_line(f, e->id);
    if (e->sect == K_TEST) fputc('"', f);
    if (e->title) {
        fputs(" \"", f);
        put_line(f, e->title);
        fputc('"', f);
    }
    if (e->change == C_RESTATED) fprintf(f, " (restates %s)", e->old_id);
    else if (e->change == C_WORDING) fputs(" (wording only)", f);
    else if (e->change == C_AFFECTED) fprintf(f, " (affected: uses %s, which changed)", e->because);
    fputc('\n', f);
    for (const Delta *x = e->fields; x; x = x->next) text_field(o, e, x);
}

static void json_entry(Out *o, const Entry *e, bool comma)
{
    FILE *f = o->f;
    fprintf(f, "%s\n    {", comma ? "," : "");
    json_key(o, "kind", sect_noun[e->sect], false);
    json_key(o, "id", e->id, true);
    json_key(o, "old_id", e->old_id, true);
    json_key(o, "title", e->title, true);
    json_key(o, "change", change_name[e->change], true);
    json_key(o, "because", e->because, true);
    fputs(", \"fields\": [", f);
    for (const Delta *x = e->fields; x; x = x->next) {
        fprintf(f, "%s{", x == e->fields ? "" : ", ");
        json_key(o, "field", x->label, false);
        json_key(o, "old", x->was, true);
        json_key(o, "new", x->now, true);
        fprintf(f, ", \"wording\": %s}", x->wording ? "true" : "false");
    }
    fputs("]}", f);
}

/* NEW's variations (pledge_vary): each a change of a rule for its systems,
 * the round's line and the variation's, with who agreed it and when. */
static void write_variations(Out *o, const Diff *d, const pledge_round *rn)
{
    FILE *f = o->f;
    const ApiVariations *vs = &rn->vary;
    if (!vs->list.len) return;
    if (o->json) fputs(",\n  \"variations\": [", f);
    else fputs("\nvariations of NEW (a change of its rules for the systems named)\n", f);
    for (size_t i = 0; i < vs->list.len; i++) {
        const ReportVariation *v = &vs->list.items[i];
        char was[256] = "", now[512], systems[512] = "", from[16], until[16];
        if (v->kind == ITEM_COMMITMENT) api_threshold_text(d->vb, &rn->bc, &rn->bc.commits[v->rule].target, rn->bc.commits[v->rule].deadline, was, sizeof was);
        else snprintf(was, sizeof was, "the check applies");
        report_variation_what(v, now, sizeof now);
        for (size_t k = 0, n = 0; k < v->nsystems; k++)
            n += (size_t)snprintf(systems + n, n < sizeof systems ? sizeof systems - n : 0, "%s%s", k ? ", " : "",
                                  v->systems[k]);
        period_format((Period){ GRAIN_DAY, v->agreed_on }, from, sizeof from);
        period_format((Period){ GRAIN_DAY, v->until }, until, sizeof until);
        if (o->json) {
            fprintf(f, "%s\n    {", i ? "," : "");
            json_key(o, "name", v->name, false);
            json_key(o, "rule", v->rule_name, true);
            json_key(o, "systems", systems, true);
            json_key(o, "old", was, true);
            json_key(o, "new", now, true);
            json_key(o, "reason", v->reason, true);
            json_key(o, "agreed_by", v->agreed_by, true);
            json_key(o, "agreed_on", from, true);
            json_key(o, "until", until, true);
            json_key(o, "file", v->file, true);
            fputc('}', f);
        } else {
            fprintf(f, "~ %s for %s: %s -> %s (variation %s, agreed by ", v->rule_name, systems, was, now, v->name);
            put_line(f, v->agreed_by);
            fprintf(f, ", %s to %s; reason: ", from, until);
            put_line(f, v->reason);
            fputs(")\n", f);
        }
    }
    if (o->json) fputs("\n  ]", f);
}

/* The declarations that differ, section by section; counts per change. */
static void write_declarations(Out *o, const Diff *d, const pledge_round *ro, const pledge_round *rn,
                               const char *tests_note)
{
    FILE *f = o->f;
    size_t count[C_AFFECTED + 1] = { 0 };
    for (size_t i = 0; i < d->entries.len; i++) count[d->entries.items[i].change]++;
    bool none = count[C_SAME] == d->entries.len && !rn->vary.list.len;
    if (o->json) {
        fputs("{\n  \"old\": {", f);
        json_key(o, "path", ro->path, false);
        json_key(o, "round", ro->bc.round.name, true);
        fputs("},\n  \"new\": {", f);
        json_key(o, "path", rn->path, false);
        json_key(o, "round", rn->bc.round.name, true);
        fprintf(f, "},\n  \"no_changes\": %s,\n  \"tests_compared\": %s,\n  \"summary\": {", none ? "true" : "false",
                tests_note ? "false" : "true");
        for (int c = C_ADDED; c <= C_AFFECTED; c++)
            fprintf(f, "%s\"%s\": %zu", c == C_ADDED ? "" : ", ", change_name[c], count[c]);
        fputs("},\n  \"declarations\": [", f);
        bool comma = false;
        for (int s = 0; s < K__COUNT; s++)
            for (size_t i = 0; i < d->entries.len; i++) {
                const Entry *e = &d->entries.items[i];
                if ((int)e->sect != s || e->change == C_SAME) continue;
                json_entry(o, e, comma);
                comma = true;
            }
        fputs(comma ? "\n  ]" : "]", f);
        write_variations(o, d, rn);
        return;
    }
    fprintf(f, "round %s -> %s\n", ro->bc.round.name ? ro->bc.round.name : "(none)",
            rn->bc.round.name ? rn->bc.round.name : "(none)");
    for (int s = 0; s < K__COUNT; s++) {
        bool heading = false;
        for (size_t i = 0; i < d->entries.len; i++) {
            const Entry *e = &d->entries.items[i];
            if ((int)e->sect != s || e->change == C_SAME) continue;
            if (!heading) fprintf(f, "\n%s\n", sect_heading[s]);
            heading = true;
            text_entry(o, e);
        }
    }
    write_variations(o, d, rn);
    if (none) fputs("\nno changes\n", f);
    else fputc('\n', f);
    const char *sep = "";
    static const char *const words[] = { "", "added", "removed", "changed", "restated", "in wording only",
                                         "affected" };
    for (int c = C_ADDED; c <= C_AFFECTED; c++) {
        if (!count[c]) continue;
        fprintf(f, "%s%zu %s", sep, count[c], words[c]);
        sep = ", ";
    }
    if (rn->vary.list.len) fprintf(f, "%s%zu variation%s", sep, rn->vary.list.len, rn->vary.list.len == 1 ? "" : "s");
    if (!none) fputc('\n', f);
    if (tests_note) fprintf(f, "%s\n", tests_note);
}

/* ---- with data: the results that moved ------------------------------------------- */

/* Drops R's bindings that name none of its feeds and hierarchies: the same
 * feeds are bound to both rounds, and each reads its own. */
static void keep_declared(pledge_round *R)
{
    const BcProgram *p = &R->bc;
    size_t k = 0;
    for (size_t i = 0; i < R->bindings.len; i++) {
        Binding *b = &R->bindings.items[i];
        bool declared = false;
        for (uint16_t f = 0; f < p->nfeeds && !declared; f++) declared = strcmp(p->feeds[f].name, b->name) == 0;
        for (uint16_t h = 0; h < p->nhiers && !declared; h++) declared = strcmp(p->hiers[h].name, b->name) == 0;
        if (declared) { R->bindings.items[k++] = *b; continue; }
        mem_free((void *)b->name);
        mem_free((void *)b->source.name);
        mem_free((void *)b->source.bytes);
        mem_free((void *)b->source.file);
    }
    R->bindings.len = k;
}

/* Loads R's inputs and assesses it as of the day; the error names R. */
static pledge_status assess_round(pledge_round *R, const char *as_of, Report *r)
{
    pledge_state *S = R->S;
    AssessOptions ao;
    pledge_status st = api_assess_options(R, &(pledge_assess_options){ .as_of = as_of }, &ao);
    if (st != PLEDGE_OK) return st;
    if (!R->loaded) keep_declared(R);
    st = api_load_inputs(R, true, false);
    char why[sizeof S->error];
    if (st == PLEDGE_OK) {
        AssessStatus as = assess_run(&R->in, &ao, r, why, sizeof why);
        if (as != ASSESS_OK) return api_fail(S, api_status(as), "%s: %s", R->path, why);
        return PLEDGE_OK;
    }
    memcpy(why, S->error, sizeof why);
    return api_fail(S, st, "%s: %s", R->path, why);
}

/* An old report's results or ratings by system code and item or rating id:
 * at[system's id * nitem + item's id] is the first with both (-1: none);
 * the last system id is the round's own (national) results'. */
typedef struct Grid { NameIx sys, item; int32_t *at; size_t nsys, nitem; } Grid;

static void grid_begin(Grid *g, const Report *r, const char *const *items, size_t nitems, size_t stride,
                       uint32_t **sys_id, uint32_t **item_id)
{
    *g = (Grid){ 0 };
    *sys_id = mem_alloc((r->nsystems + 1) * sizeof **sys_id);
    *item_id = mem_alloc((nitems + 1) * sizeof **item_id);
    for (size_t k = 0; k < r->nsystems; k++) (*sys_id)[k] = ix_add(&g->sys, r->systems[k].code, (int32_t)k);
    for (size_t k = 0; k < nitems; k++)
        (*item_id)[k] = ix_add(&g->item, *(const char *const *)((const char *)items + k * stride), (int32_t)k);
    g->nsys = g->sys.first.len + 1;
    g->nitem = g->item.first.len;
    g->at = mem_alloc((g->nsys * g->nitem + 1) * sizeof *g->at);
    for (size_t k = 0; k < g->nsys * g->nitem; k++) g->at[k] = -1;
}

static void grid_put(Grid *g, const uint32_t *sys_id, const uint32_t *item_id, uint32_t system, uint32_t item,
                     int32_t at)
{
    uint32_t s = system == REPORT_NATIONAL ? (uint32_t)g->nsys - 1 : sys_id[system], t = item_id[item];
    if (s != ORG_NONE && t != ORG_NONE && g->at[s * g->nitem + t] < 0) g->at[s * g->nitem + t] = at;
}

/* system NULL: the round's own. */
static int32_t grid_find(const Grid *g, const char *system, const char *item)
{
    uint32_t s = system ? ix_id(&g->sys, system) : (uint32_t)g->nsys - 1, t = ix_id(&g->item, item);
    return s == ORG_NONE || t == ORG_NONE ? -1 : g->at[s * g->nitem + t];
}

static void grid_free(Grid *g)
{
    ix_free(&g->sys);
    ix_free(&g->item);
    mem_free(g->at);
}

/* The results of r by system and item, and its ratings by system and rating. */
static void results_grid(Grid *g, const Report *r)
{
    uint32_t *s, *t;
    grid_begin(g, r, r->nitems ? &r->items[0].id : NULL, r->nitems, sizeof *r->items, &s, &t);
    for (size_t i = 0; i < r->nresults; i++) grid_put(g, s, t, r->results[i].system, r->results[i].item, (int32_t)i);
    mem_free(s);
    mem_free(t);
}

static void ratings_grid(Grid *g, const Report *r)
{
    uint32_t *s, *t;
    grid_begin(g, r, r->nrating_decls ? &r->rating_decls[0].id : NULL, r->nrating_decls, sizeof *r->rating_decls, &s, &t);
    for (size_t i = 0; i < r->nratings; i++) grid_put(g, s, t, r->ratings[i].system, r->ratings[i].rating, (int32_t)i);
    mem_free(s);
    mem_free(t);
}

/* The old round's id for a new item: a commitment may restate another
 * (old_ix, new_ix: the rounds' commitments by id, commit_ix). */
static const char *old_item(const BcProgram *old, const NameIx *old_ix, const BcProgram *neu, const NameIx *new_ix,
                            const ReportItem *it)
{
    if (it->kind != ITEM_COMMITMENT) return it->id;
    int32_t k = ix_find(new_ix, it->id);
    if (k < 0) return NULL;
    int32_t m = match(old, old_ix, &neu->commits[k]);
    return m >= 0 ? old->commits[m].name : NULL;
}

static const char *value_json(Value v, char *buf, size_t cap)
{
    if (val_is_missing(v)) return NULL;
    val_format(v, true, buf, cap);
    return buf;
}

static bool same_value(Value x, Value y)
{
    return x.kind == y.kind && x.unit == y.unit && val_equal(x, y);
}

typedef struct Total { uint32_t item; uint8_t was, now; size_t n; } Total;

/* Every result whose status, value or threshold moved, old and new; every
 * rating whose label moved; and per item, how many systems went from each
 * status to each other (or kept theirs while the value moved). */
static void moved_results(Out *o, const BcProgram *old, const BcProgram *neu, const Report *ro, const Report *rn)
{
    FILE *f = o->f;
    char day[16];
    period_format((Period){ GRAIN_DAY, rn->as_of }, day, sizeof day);
    VEC(Total) totals = { 0 };
    int32_t *total_at = NULL;       /* per new item, old and new status: its total, -1 none yet */
    NameIx old_ix = { 0 }, new_ix = { 0 };
    commit_ix(&old_ix, old);
    commit_ix(&new_ix, neu);
    Grid results, ratings;
    results_grid(&results, ro);
    ratings_grid(&ratings, ro);
    size_t n = 0;
    if (o->json) { fputs(",\n  \"as_of\": ", f); report_json_string(f, day); fputs(",\n  \"results\": [", f); }
    else fprintf(f, "\nresults that moved (the same systems, as of %s)\n", day);
    for (size_t i = 0; i < rn->nresults; i++) {
        const ReportResult *b = &rn->results[i];
        const ReportItem *it = &rn->items[b->item];
        const char *system = b->system == REPORT_NATIONAL ? NULL : rn->systems[b->system].code;
        const char *was_id = old_item(old, &old_ix, neu, &new_ix, it);
        int32_t at = was_id ? grid_find(&results, system, was_id) : -1;
        const ReportResult *a = at >= 0 ? &ro->results[at] : NULL;
        if (!a || (a->status == b->status && same_value(a->value, b->value) && same_value(a->threshold, b->threshold)))
            continue;
        if (!total_at) {
            size_t cells = rn->nitems * ST__COUNT * ST__COUNT;
            total_at = mem_alloc((cells + 1) * sizeof *total_at);
            for (size_t c = 0; c < cells; c++) total_at[c] = -1;
        }
        int32_t *cell = a->status < ST__COUNT && b->status < ST__COUNT
                      ? &total_at[((size_t)b->item * ST__COUNT + a->status) * ST__COUNT + b->status] : NULL;
        size_t t = cell && *cell >= 0 ? (size_t)*cell : totals.len;
        if (!cell)      /* not a status: found as before */
            for (t = 0; t < totals.len && !(totals.items[t].item == b->item && totals.items[t].was == a->status
                                            && totals.items[t].now == b->status); t++) {}
        if (t == totals.len) {
            vec_push(&totals, ((Total){ b->item, a->status, b->status, 0 }));
            if (cell) *cell = (int32_t)t;
        }
        totals.items[t].n++;
        char v1[64], v2[64], t1[64], t2[64];
        if (o->json) {
            fprintf(f, "%s\n    {", n ? "," : "");
            json_key(o, "system", system, false);
            json_key(o, "item", it->id, true);
            json_key(o, "old_item", was_id, true);
            json_key(o, "old_status", report_status(a->status), true);
            json_key(o, "new_status", report_status(b->status), true);
            json_key(o, "old_value", value_json(a->value, v1, sizeof v1), true);
            json_key(o, "new_value", value_json(b->value, v2, sizeof v2), true);
            json_key(o, "old_threshold", value_json(a->threshold, t1, sizeof t1), true);
            json_key(o, "new_threshold", value_json(b->threshold, t2, sizeof t2), true);
            fputc('}', f);
        } else {
            report_display_vs(a->value, a->threshold, v1, sizeof v1);
            report_display_vs(b->value, b->threshold, v2, sizeof v2);
            report_display(a->threshold, t1, sizeof t1);
            report_display(b->threshold, t2, sizeof t2);
            fprintf(f, "  %s %s: %s -> %s", system ? system : "national", it->id, report_status(a->status),
                    report_status(b->status));
            if (!val_is_missing(a->value) || !val_is_missing(b->value)) fprintf(f, "; value %s -> %s", v1, v2);
            if (!val_is_missing(a->threshold) || !val_is_missing(b->threshold))
                fprintf(f, "; threshold %s -> %s", t1, t2);
            fputc('\n', f);
        }
        n++;
    }
    if (o->json) fputs(n ? "\n  ],\n  \"ratings\": [" : "],\n  \"ratings\": [", f);
    else if (!n) fputs("  no result moved\n", f);
    size_t nr = 0;
    for (size_t i = 0; i < rn->nratings; i++) {
        const ReportRating *b = &rn->ratings[i];
        const char *system = rn->systems[b->system].code, *id = rn->rating_decls[b->rating].id;
        int32_t at = grid_find(&ratings, system, id);
        const ReportRating *a = at >= 0 ? &ro->ratings[at] : NULL;
        if (!a || same_str(a->label, b->label)) continue;
        if (o->json) {
            fprintf(f, "%s\n    {", nr ? "," : "");
            json_key(o, "system", system, false);
            json_key(o, "rating", id, true);
            json_key(o, "old", a->label, true);
            json_key(o, "new", b->label, true);
            fputc('}', f);
        } else {
            if (!nr) fputs("\nratings that moved\n", f);
            fprintf(f, "  %s %s: %s -> %s\n", system, id, a->label ? a->label : "(none)", b->label ? b->label : "(none)");
        }
        nr++;
    }
    if (o->json) fputs(nr ? "\n  ],\n  \"totals\": [" : "],\n  \"totals\": [", f);
    else if (totals.len) fputs("\ntotals\n", f);
    for (size_t t = 0; t < totals.len; t++) {
        const Total *x = &totals.items[t];
        if (o->json) {
            fprintf(f, "%s\n    {", t ? "," : "");
            json_key(o, "item", rn->items[x->item].id, false);
            json_key(o, "old", report_status(x->was), true);
            json_key(o, "new", report_status(x->now), true);
            fprintf(f, ", \"systems\": %zu}", x->n);
        } else {
            if (x->was != x->now)
                fprintf(f, "  %s: %zu system%s %s -> %s\n", rn->items[x->item].id, x->n, x->n == 1 ? "" : "s",
                        report_status(x->was), report_status(x->now));
            else
                fprintf(f, "  %s: %zu system%s still %s, the value or threshold moved\n", rn->items[x->item].id, x->n,
                        x->n == 1 ? "" : "s", report_status(x->was));
        }
    }
    if (o->json) fputs(totals.len ? "\n  ]" : "]", f);
    vec_free(&totals);
    mem_free(total_at);
    ix_free(&old_ix);
    ix_free(&new_ix);
    grid_free(&results);
    grid_free(&ratings);
}

/* ---- the diff ------------------------------------------------------------------ */

/* The test blocks of a rule file, compiled; false (and nothing to free) for
 * a .plb or a round given as text: they hold no tests to compare. */
static bool load_tests(pledge_round *R, BcProgram *bc, CompTests *t)
{
    if (R->bytecode || R->from_memory) return false;
    Program p = { 0 };
    bool ok = front_load(&p, R->path) && comp_program_tests(&p, bc, t);
    front_free(&p);
    if (!ok) bc_free(bc);
    return ok;
}

static pledge_status diff(pledge_round *old, pledge_round *neu, const pledge_diff_options *o, FILE *out)
{
    static const pledge_diff_options defaults = { 0 };
    if (!o) o = &defaults;
    pledge_state *S = old->S;
    S->error[0] = '\0';
    if (neu->S != S) return api_fail(S, PLEDGE_ERR_USAGE, "the two rounds belong to different states");
    if (o->format != PLEDGE_FORMAT_TEXT && o->format != PLEDGE_FORMAT_JSON)
        return api_fail(S, PLEDGE_ERR_USAGE, "a diff is text or json");
    if (o->as_of && !o->with_data) return api_fail(S, PLEDGE_ERR_USAGE, "an as-of date needs the feeds bound (with_data)");
    Report ro = { 0 }, rn = { 0 };
    pledge_status st = PLEDGE_OK;
    if (o->with_data) {
        st = assess_round(old, o->as_of, &ro);
        if (st == PLEDGE_OK) st = assess_round(neu, o->as_of, &rn);
    }
    if (st == PLEDGE_OK) {
        Diff d = { 0 };
        d.va = api_vm(old);
        d.vb = api_vm(neu);
        side_begin(&d, &old->bc, &neu->bc);
        compare_programs(&d);
        BcProgram ta = { 0 }, tb = { 0 };
        CompTests xa = { 0 }, xb = { 0 };
        bool with_tests = load_tests(old, &ta, &xa);
        if (with_tests && !load_tests(neu, &tb, &xb)) { bc_free(&ta); with_tests = false; }
        if (with_tests) tests(&d, &ta, &xa, &tb, &xb);
        Out w = { out, o->format == PLEDGE_FORMAT_JSON };
        write_declarations(&w, &d, old, neu, with_tests ? NULL : "tests not compared: a compiled round holds none");
        if (o->with_data) moved_results(&w, &old->bc, &neu->bc, &ro, &rn);
        if (w.json) fputs("\n}\n", out);
        if (with_tests) { bc_free(&ta); bc_free(&tb); }
        vec_free(&d.entries);
        for (int k = 0; k < K__COUNT; k++) { ix_free(&d.uses[k]); vec_free(&d.last[k]); }
        vec_free(&d.next);
        arena_free(&d.arena);
        vm_free(d.va);
        vm_free(d.vb);
        if (ferror(out)) st = api_fail(S, PLEDGE_ERR_INPUT, "cannot write the diff");
    }
    report_free(&ro);
    report_free(&rn);
    return st;
}

pledge_status pledge_diff(pledge_round *old, pledge_round *new_, const pledge_diff_options *o, FILE *out)
{
    API_ENTER(old->S);
    API_RETURN(old->S, diff(old, new_, o, out));
}
