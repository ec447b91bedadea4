/* compare.c: why results differ between two recorded runs (issue 14):
 * pledge_compare over two manifests or two runs of an archive, and the
 * causes pledge_history shows beside a change of status.
 *
 * The factors that differ between run A and run B (the as-of date, each
 * feed's file, each hierarchy's file, the rules) are switched from A's to
 * B's in every combination, and each combination is assessed; a result's
 * causes are the factors whose switch moves it, each one's share of the
 * change in value is its Shapley value over those combinations, and the
 * factor that flipped the status is read off the fixed order (as-of, feeds,
 * hierarchies, rules). docs/decisions.md says why.
 *
 * Each file is hashed once and must be as its manifest recorded (else the
 * combinations would not be the runs compared); each is loaded once per
 * program that reads it, and the combinations share what is loaded. */
#include "config.h"
#include "api/api.h"
#include "base/why.h"
#include "base/calendar.h"
#include "report/archive.h"
#include "report/jtree.h"
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

const char *const api_as_of_hows[] = { [AS_OF_LAG] = "lag_passing", [AS_OF_WINDOW] = "window_ending",
                                        [AS_OF_TIME] = "time_passing" };
const char *const api_cause_names[] = { [CAUSE_AS_OF] = "as_of", [CAUSE_DATA] = "data",
                                         [CAUSE_HIERARCHY] = "hierarchy", [CAUSE_RULES] = "rules" };

/* Beyond this many factors only the fixed order is run (n + 1 assessments,
 * not 2^n): the shares are then each factor's step along that order. */
enum { SHAPLEY_MAX_FACTORS = 10, MAX_FACTORS = 31 };

/* ---- the inputs of both runs, each file loaded once per program ------------------ */

/* One feed or hierarchy name, and its file in each run (-1: none). */
typedef struct Slot {
    const char *name;
    bool        hierarchy;
    int         in[2];          /* index into run A's, run B's inputs */
    const char *file[2];        /* where to read it now */
    int         factor;         /* its factor, or -1 when both runs read the same bytes */
} Slot;

/* A program (A's rules, or B's) and what it has loaded. */
typedef struct Prog {
    BcProgram   bc;
    bool        compiled;
    const Manifest *m;          /* the run whose rules these are */
    Vm         *vm;
    const char **allowed;       /* natives the run recorded that the user allows now */
    size_t      nallowed;
    void      **loaded;         /* [slot * 2 + side]: FeedData * or Hierarchy * */
    ApiVariations vary;         /* the run's variations, read against bc: part of its rules */
} Prog;

typedef struct Cmpr {
    pledge_state     *S;
    const RecordedRun *run[2];
    Slot             *slots;   size_t nslots;
    Prog              prog[2];
    Orgs             *orgs;     /* one table for both programs, so they can share what is loaded */
    bool             *shared;   /* per slot: B's program reads it as A's does, and takes A's loads */
    int               as_of_factor, rules_factor;
    struct Changed { int factor; uint32_t org; Period p; uint8_t how; } *changed;
    size_t            nchanged, changed_cap;
    Comparison       *c;
    char              why[1024];
} Cmpr;

static bool same_text(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

static int slot_of(const Cmpr *x, const char *name, bool hierarchy)
{
    for (size_t i = 0; i < x->nslots; i++)
        if (x->slots[i].hierarchy == hierarchy && strcmp(x->slots[i].name, name) == 0) return (int)i;
    return -1;
}

/* The file of slot s for a combination: B's when its factor is switched
 * (or A has none), else A's. */
static int side_of(const Slot *s, uint32_t combo)
{
    if (s->in[0] < 0) return 1;
    if (s->in[1] < 0) return 0;
    return s->factor >= 0 && (combo >> s->factor & 1) ? 1 : 0;
}

static void *load_slot(Cmpr *x, Prog *p, int s, int side, uint16_t k)
{
    if (p == &x->prog[1] && x->shared[s]) p = &x->prog[0];
    void **at = &p->loaded[s * 2 + side];
    if (*at) return *at;
    const Slot *sl = &x->slots[s];
    const Manifest *m = x->run[side]->m;
    DataSource src = { m->inputs[sl->in[side]].path, NULL, 0, sl->file[side] };
    if (sl->hierarchy) {
        *at = hier_load(&p->bc, k, src, x->orgs, &x->S->data_limits, x->why, sizeof x->why);
    } else {
        FeedOptions fo = { .skip_bad_rows = m->skip_bad_rows, .limits = x->S->data_limits };
        *at = feed_load(&p->bc, k, src, x->orgs, p->vm, &fo, x->why, sizeof x->why);
    }
    x->c->loads += *at != NULL;
    return *at;
}

/* A load that failed: at a limit (exit 4), or on bad input. */
static pledge_status load_failed(Cmpr *x)
{
    return api_fail(x->S, why_is_limit(x->why) ? PLEDGE_ERR_LIMIT : PLEDGE_ERR_INPUT, "%s", x->why);
}

/* ---- one combination ------------------------------------------------------------ */

typedef struct Cell {
    const char *system, *kind, *item, *status, *value;
    bool        has_window;
    Day         window_start, window_end;   /* the first and last days of the window judged */
} Cell;

/* One end of a window as the CSV report writes it ("2018/19 Q4",
 * "2017-09", "2019-06-30"): its first day (or last, with last). */
static bool window_day(const char *text, size_t n, bool last, Day *out)
{
    char why[64];
    Period p;
    if (cal_parse_quarter(text, n, &p, why, sizeof why) || cal_parse_fy(text, n, &p, why, sizeof why)
        || cal_parse_month(text, n, &p, why, sizeof why)) {
        *out = last ? period_last_day(p) : period_first_day(p);
        return true;
    }
    return cal_parse_day(text, n, out, why, sizeof why);
}

/* The span of a window, "2019/20 .. 2023/24" or one period. */
static bool window_span(const char *text, Day *from, Day *to)
{
    if (!text) return false;
    const char *dots = strstr(text, " .. ");
    size_t n = dots ? (size_t)(dots - text) : strlen(text);
    const char *end = dots ? dots + 4 : text;
    return window_day(text, n, false, from) && window_day(end, strlen(end), true, to);
}

static int cell_cmp(const void *x, const void *y)
{
    const Cell *a = x, *b = y;
    int c;
    if ((c = (a->system != NULL) - (b->system != NULL)) != 0) return c;
    if (a->system && (c = strcmp(a->system, b->system)) != 0) return c;
    if ((c = strcmp(a->kind, b->kind)) != 0) return c;
    return strcmp(a->item ? a->item : "", b->item ? b->item : "");
}

typedef struct Combo { Cell *cells; size_t n; } Combo;

static const char *keep(Arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

static pledge_status assess_combo(Cmpr *x, uint32_t combo, Combo *out)
{
    int rules_side = x->rules_factor >= 0 && (combo >> x->rules_factor & 1) ? 1 : 0;
    Prog *p = &x->prog[rules_side];
    const BcProgram *bc = &p->bc;
    Inputs in = { bc, x->orgs, mem_calloc(bc->nfeeds + 1u, sizeof *in.feeds),
                  mem_calloc(bc->nhiers + 1u, sizeof *in.hiers), mem_calloc(bc->nfeeds + 1u, sizeof *in.feed_sources),
                  mem_calloc(bc->nhiers + 1u, sizeof *in.hier_sources), NULL, NULL };
    pledge_status st = PLEDGE_OK;
    for (uint16_t k = 0; k < bc->nhiers && st == PLEDGE_OK; k++) {
        int s = slot_of(x, bc->hiers[k].name, true);
        if (s < 0) { st = api_fail(x->S, PLEDGE_ERR_INPUT, "no run recorded hierarchy `%s`", bc->hiers[k].name); break; }
        int side = side_of(&x->slots[s], combo);
        if (!(in.hiers[k] = load_slot(x, p, s, side, k))) st = load_failed(x);
        in.hier_sources[k] = (DataSource){ x->run[side]->m->inputs[x->slots[s].in[side]].path, NULL, 0,
                                           x->slots[s].file[side] };
    }
    for (uint16_t k = 0; k < bc->nfeeds && st == PLEDGE_OK; k++) {
        int s = slot_of(x, bc->feeds[k].name, false);
        if (s < 0) { st = api_fail(x->S, PLEDGE_ERR_INPUT, "no run recorded feed `%s`", bc->feeds[k].name); break; }
        int side = side_of(&x->slots[s], combo);
        if (!(in.feeds[k] = load_slot(x, p, s, side, k))) st = load_failed(x);
        in.feed_sources[k] = (DataSource){ x->run[side]->m->inputs[x->slots[s].in[side]].path, NULL, 0,
                                           x->slots[s].file[side] };
    }
    if (st == PLEDGE_OK) {
        if (bc->round.assess >= 0) in.assess = in.hiers[bc->round.assess];
        const Manifest *m = p->m;
        int day_side = x->as_of_factor >= 0 && (combo >> x->as_of_factor & 1) ? 1 : 0;
        AssessOptions ao = { .as_of = x->run[day_side]->m->as_of, .systems = m->systems, .nsystems = m->nsystems,
                             .limits = m->limits, .allowed = p->allowed, .nallowed = p->nallowed,
                             .threads = x->S->cfg.threads, .rules = m->rules, .engine = api_engine_name,
                             .variations = p->vary.list.items, .nvariations = p->vary.list.len };
        Report r = { 0 };
        AssessStatus as = assess_run(&in, &ao, &r, x->why, sizeof x->why);
        if (as != ASSESS_OK) {
            st = api_fail(x->S, api_status(as), "%s", x->why);
        } else {
            Arena scratch = { 0 };
            ResultRow *rows;
            size_t n = api_rows_as_recorded(&r, &scratch, &rows);
            Arena *a = &x->c->arena;
            out->cells = arena_alloc(a, (n + 1) * sizeof *out->cells);
            out->n = n;
            for (size_t i = 0; i < n; i++) {
                out->cells[i] = (Cell){ keep(a, rows[i].system), rows[i].kind, keep(a, rows[i].item),
                                        keep(a, rows[i].status), keep(a, rows[i].value), false, 0, 0 };
                Cell *cl = &out->cells[i];
                cl->has_window = window_span(rows[i].window, &cl->window_start, &cl->window_end);
            }
            qsort(out->cells, n, sizeof *out->cells, cell_cmp);
            arena_free(&scratch);
        }
        report_free(&r);
    }
    mem_free(in.feeds);
    mem_free(in.hiers);
    mem_free(in.feed_sources);
    mem_free(in.hier_sources);
    return st;
}

static const Cell *find_cell(const Combo *c, const Cell *key)
{
    return c->n ? bsearch(key, c->cells, c->n, sizeof *c->cells, cell_cmp) : NULL;
}

static bool cell_moved(const Cell *a, const Cell *b)
{
    if (!a || !b) return a != b;
    return !same_text(a->status, b->status) || !same_text(a->value, b->value);
}

/* A value as a number, or false (missing, true/false, a label). */
static bool number(const Cell *c, double *v)
{
    if (!c || !c->value) return false;
    char *end;
    *v = strtod(c->value, &end);
    return end != c->value && *end == '\0' && isfinite(*v);
}

/* ---- a feed's cells: what B's file adds, drops or revises ------------------------- */

typedef struct Key { uint32_t org; Period p; } Key;

/* Which (organisation, period) cells a feed has, visible on a day: a bit
 * per cell of organisations × the periods both files span, so the two
 * files are set side by side without sorting millions of keys. */
typedef struct Grid {
    uint8_t *bits;
    int32_t  first;         /* the first period's index */
    uint32_t nperiods;
    Day      as_of;
    bool     vintaged;
} Grid;

static void mark_key(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows)
{
    Grid *g = ud;
    (void)rows;
    if (g->vintaged && vintage > g->as_of) return;     /* not yet published on the day */
    size_t i = (size_t)org * g->nperiods + (size_t)(p.index - g->first);
    g->bits[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static bool grid_has(const Grid *g, uint32_t org, uint32_t period)
{
    size_t i = (size_t)org * g->nperiods + period;
    return g->bits[i >> 3] >> (i & 7) & 1;
}

/* Whether any aggregate the rules take over the feed differs between the
 * two files for one organisation over [from, to]. */
static bool revised(const BcProgram *bc, uint16_t feed, const FeedData *a, const FeedData *b, uint32_t org, Day from,
                    Day to, Day as_of)
{
    for (uint32_t j = 0; j < bc->naggs; j++) {
        if (bc->aggs[j].feed != feed) continue;
        uint32_t ca, cb;
        Value va = feed_aggregate(a, j, &org, 1, from, to, as_of, &ca);
        Value vb = feed_aggregate(b, j, &org, 1, from, to, as_of, &cb);
        if (ca != cb || val_is_missing(va) != val_is_missing(vb) || (!val_is_missing(va) && !val_equal(va, vb)))
            return true;
    }
    return false;
}

static void note_cell(Cmpr *x, const CmpFactor *f, const Key *k, uint8_t how)
{
    if (x->nchanged == x->changed_cap)
        x->changed = mem_realloc(x->changed, (x->changed_cap = x->changed_cap ? x->changed_cap * 2 : 64) * sizeof *x->changed);
    x->changed[x->nchanged++] = (struct Changed){ (int)(f - x->c->factors), k->org, k->p, how };
}

static void describe_feed(Cmpr *x, CmpFactor *f, int s)
{
    for (int pi = 0; pi < 2; pi++) {
        Prog *p = &x->prog[pi];
        if (!p->compiled || !p->loaded[s * 2] || !p->loaded[s * 2 + 1]) continue;
        int k = -1;
        for (uint16_t i = 0; i < p->bc.nfeeds; i++)
            if (strcmp(p->bc.feeds[i].name, x->slots[s].name) == 0) k = i;
        if (k < 0) continue;
        const FeedData *fa = p->loaded[s * 2], *fb = p->loaded[s * 2 + 1];
        const FeedStats *sa = feed_stats(fa), *sb = feed_stats(fb);
        if (!sa->rows && !sb->rows) return;
        /* the periods both files span (a file without rows spans none) */
        Grain grain = (Grain)p->bc.feeds[k].grain;
        int32_t first = !sa->rows ? sb->first.index : !sb->rows ? sa->first.index
                      : sa->first.index < sb->first.index ? sa->first.index : sb->first.index;
        int32_t last = !sa->rows ? sb->last.index : !sb->rows ? sa->last.index
                     : sa->last.index > sb->last.index ? sa->last.index : sb->last.index;
        uint32_t norgs = orgs_count(x->orgs), nperiods = (uint32_t)(last - first + 1);
        size_t nbits = (size_t)norgs * nperiods;
        Day day = x->run[1]->m->as_of;
        bool vintaged = p->bc.feeds[k].vintage_col != NULL;
        Grid ga = { mem_calloc(nbits / 8 + 1, 1), first, nperiods, day, vintaged }, gb = ga;
        gb.bits = mem_calloc(nbits / 8 + 1, 1);
        feed_each_key(fa, mark_key, &ga);
        feed_each_key(fb, mark_key, &gb);
        /* an organisation's whole span first, one query per aggregate, and
         * its cells one by one only when that differs: most are untouched */
        Day from = period_first_day((Period){ grain, first }), to = period_last_day((Period){ grain, last });
        for (uint32_t org = 0; org < norgs; org++) {
            int org_revised = -1;   /* not asked yet */
            for (uint32_t q = 0; q < nperiods; q++) {
                bool in_a = grid_has(&ga, org, q), in_b = grid_has(&gb, org, q);
                if (!in_a && !in_b) continue;
                Key key = { org, { grain, first + (int32_t)q } };
                if (!in_b) {
                    f->cells_dropped++;
                    note_cell(x, f, &key, CELL_DROPPED);
                } else if (!in_a) {
                    f->cells_new++;
                    note_cell(x, f, &key, CELL_NEW);
                } else {
                    if (org_revised < 0) org_revised = revised(&p->bc, (uint16_t)k, fa, fb, org, from, to, day);
                    if (org_revised && revised(&p->bc, (uint16_t)k, fa, fb, org, period_first_day(key.p),
                                               period_last_day(key.p), day)) {
                        f->cells_revised++;
                        note_cell(x, f, &key, CELL_REVISED);
                    }
                }
            }
        }
        mem_free(ga.bits);
        mem_free(gb.bits);
        return;
    }
}

/* ---- what B's rules can take from A's loads ------------------------------------ */

/* A feed's loaded data depends on its declaration, the aggregates its
 * program takes over it (by index) and their where-filters, and its row
 * rules (feed.h); a hierarchy's on its columns. When the rules change only
 * elsewhere (a target, a rating), B's program reads these as A's does and
 * the files are not loaded again. Compared on what they compile to; a
 * function is the same when its code is, constants compared by value and
 * the functions and aggregates it uses compared in turn. */
enum { SAME_DEPTH = 8 };

static bool same_fn(const BcProgram *a, int32_t fa, const BcProgram *b, int32_t fb, int depth);
static bool same_agg(const BcProgram *a, uint32_t ga, const BcProgram *b, uint32_t gb, int depth);

static bool same_u16s(const uint16_t *a, const uint16_t *b, size_t n) { return !n || memcmp(a, b, n * sizeof *a) == 0; }

static bool same_const(const BcProgram *a, uint32_t x, const BcProgram *b, uint32_t y)
{
    return x < a->nconsts && y < b->nconsts && val_equal(a->consts[x], b->consts[y]);
}

static bool same_operand(uint8_t kind, const BcProgram *a, uint32_t x, const BcProgram *b, uint32_t y, int depth)
{
    switch (kind) {
    case OPK_K: return same_const(a, x, b, y);
    case OPK_RK:
        if (rk_is_constant((uint16_t)x) != rk_is_constant((uint16_t)y)) return false;
        return rk_is_constant((uint16_t)x) ? same_const(a, x & RK_MAX_CONSTANT, b, y & RK_MAX_CONSTANT) : x == y;
    case OPK_F: return same_fn(a, x, b, y, depth - 1);
    case OPK_G: return same_agg(a, x, b, y, depth - 1);
    case OPK_X: return false;       /* a library's function: not compared */
    default: return x == y;         /* registers, counts, jumps, natives, host functions */
    }
}

static bool same_fn(const BcProgram *a, int32_t fa, const BcProgram *b, int32_t fb, int depth)
{
    if (fa < 0 || fb < 0) return fa == fb;
    if (depth <= 0 || (uint32_t)fa >= a->nfns || (uint32_t)fb >= b->nfns) return false;
    const BcFunction *f = &a->fns[fa], *g = &b->fns[fb];
    if (f->kind != g->kind || f->result != g->result || f->nparams != g->nparams || f->nregs != g->nregs
        || f->ncode != g->ncode || (f->nparams && memcmp(f->param_types, g->param_types, f->nparams) != 0))
        return false;
    for (uint32_t i = 0; i < f->ncode; i++) {
        Instr p = f->code[i], q = g->code[i];
        if (p.op != q.op || p.op >= OP__COUNT) return false;
        const OpInfo *op = &bc_ops[p.op];
        if (!same_operand(op->a, a, p.a, b, q.a, depth) || !same_operand(op->b, a, instr_b(p), b, instr_b(q), depth)
            || !same_operand(op->c, a, p.c, b, q.c, depth))
            return false;
    }
    return true;
}

static bool same_agg(const BcProgram *a, uint32_t ga, const BcProgram *b, uint32_t gb, int depth)
{
    if (ga >= a->naggs || gb >= b->naggs) return false;
    const BcAggregate *x = &a->aggs[ga], *y = &b->aggs[gb];
    return x->feed == y->feed && x->column == y->column && x->func == y->func && x->nfilter == y->nfilter
        && x->pub == y->pub && x->pub_day == y->pub_day
        && same_u16s(x->filter_cols, y->filter_cols, x->nfilter)
        && same_fn(a, x->filter, b, y->filter, depth);
}

static bool same_name(const char *a, const char *b) { return same_text(a, b); }

static bool same_feed_decl(const BcFeed *a, const BcFeed *b)
{
    if (!same_name(a->org_col, b->org_col) || !same_name(a->period_col, b->period_col)
        || !same_name(a->vintage_col, b->vintage_col) || a->grain != b->grain || a->lag_days != b->lag_days
        || a->ncolumns != b->ncolumns || a->nkey != b->nkey
        || !same_u16s(a->key_cols, b->key_cols, a->nkey))
        return false;
    for (uint16_t i = 0; i < a->ncolumns; i++)
        if (!same_name(a->columns[i].name, b->columns[i].name) || a->columns[i].type != b->columns[i].type
            || a->columns[i].format != b->columns[i].format)
            return false;
    return true;
}

static bool shareable(const BcProgram *a, const BcProgram *b, const char *name, bool hierarchy)
{
    if (hierarchy) {
        for (uint16_t i = 0; i < a->nhiers; i++)
            for (uint16_t j = 0; j < b->nhiers; j++) {
                const BcHierarchy *x = &a->hiers[i], *y = &b->hiers[j];
                if (strcmp(x->name, name) != 0 || strcmp(y->name, name) != 0) continue;
                return same_name(x->member_col, y->member_col) && same_name(x->parent_col, y->parent_col)
                    && same_name(x->name_col, y->name_col) && same_name(x->from_col, y->from_col)
                    && same_name(x->to_col, y->to_col);
            }
        return false;
    }
    uint16_t k;
    for (k = 0; k < a->nfeeds && strcmp(a->feeds[k].name, name) != 0; k++) {}
    /* the aggregates are found by index, so the feed must have the same one */
    if (k == a->nfeeds || k >= b->nfeeds || strcmp(b->feeds[k].name, name) != 0) return false;
    if (!same_feed_decl(&a->feeds[k], &b->feeds[k])) return false;
    uint32_t n = a->naggs > b->naggs ? a->naggs : b->naggs;
    for (uint32_t g = 0; g < n; g++) {
        bool in_a = g < a->naggs && a->aggs[g].feed == k, in_b = g < b->naggs && b->aggs[g].feed == k;
        if (in_a != in_b || (in_a && !same_agg(a, g, b, g, SAME_DEPTH))) return false;
    }
    uint16_t i = 0, j = 0;
    for (;;) {
        while (i < a->nrules && a->rules[i].feed != k) i++;
        while (j < b->nrules && b->rules[j].feed != k) j++;
        if (i == a->nrules || j == b->nrules) return i == a->nrules && j == b->nrules;
        const BcRowRule *x = &a->rules[i++], *y = &b->rules[j++];
        if (x->nfilter != y->nfilter || !same_u16s(x->filter_cols, y->filter_cols, x->nfilter)
            || !same_fn(a, x->filter, b, y->filter, SAME_DEPTH))
            return false;
    }
}

/* ---- the comparison ------------------------------------------------------------- */

/* A file to check against its run's record before anything is loaded. */
typedef struct HashJob { const char *label, *file, *recorded; char now[65]; bool read; } HashJob;

/* The files are hashed on two threads, each taking the next file not yet
 * taken: with two versions of a large feed, the two are hashed at once. */
typedef struct Hashing {
    HashJob      *jobs;
    size_t        n;
    atomic_size_t next;
    MemContext   *from;
    bool          oom[2];
    size_t        oom_size[2];
} Hashing;
typedef struct Hasher { Hashing *h; int k; } Hasher;

static void hash_files(void *arg)
{
    Hashing *h = arg;
    for (size_t i; (i = atomic_fetch_add(&h->next, 1)) < h->n;)
        h->jobs[i].read = manifest_input_sha256(h->jobs[i].file, h->jobs[i].now);
}

static void *hasher(void *arg)
{
    Hasher *w = arg;
    w->h->oom[w->k] = !mem_guard(w->h->from, hash_files, w->h, &w->h->oom_size[w->k]);
    return NULL;
}

/* Hashes every file once and checks each against its run's record; the
 * first that differs (in the order given) is named. Nothing is loaded
 * before all are checked. */
static pledge_status as_recorded(Cmpr *x, HashJob *jobs, size_t n)
{
    Hashing h = { .jobs = jobs, .n = n, .from = mem_current() };
    atomic_init(&h.next, 0);
    Hasher second = { &h, 1 }, mine = { &h, 0 };
    pthread_t thread;
    bool threaded = n > 1 && pthread_create(&thread, NULL, hasher, &second) == 0;
    hasher(&mine);
    if (threaded) pthread_join(thread, NULL);
    if (h.oom[0] || h.oom[1]) mem_out_of_memory(h.oom[0] ? h.oom_size[0] : h.oom_size[1]);
    for (size_t i = 0; i < n; i++) {
        const HashJob *j = &jobs[i];
        if (!j->read)
            return api_fail(x->S, PLEDGE_ERR_INPUT, "%s: cannot be read now: the run cannot be recomputed", j->label);
        if (strcmp(j->now, j->recorded) != 0)
            return api_fail(x->S, PLEDGE_ERR_INPUT, "%s has changed since the run was recorded (sha256 %.12s…, "
                            "now %.12s…): the run cannot be recomputed (pledge replay says more)", j->label,
                            j->recorded, j->now);
    }
    return PLEDGE_OK;
}

static void add_factor(Cmpr *x, CauseKind cause, const char *input, const char *from, const char *to)
{
    Comparison *c = x->c;
    c->factors = mem_realloc(c->factors, (c->nfactors + 1) * sizeof *c->factors);
    c->factors[c->nfactors++] = (CmpFactor){ cause, input, from, to, 0, 0, 0 };
}

static pledge_status setup(Cmpr *x)
{
    Arena *a = &x->c->arena;
    const Manifest *m[2] = { x->run[0]->m, x->run[1]->m };
    /* the slots: every input of either run, by kind and name */
    x->slots = mem_calloc(m[0]->ninputs + m[1]->ninputs + 1, sizeof *x->slots);
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < m[side]->ninputs; i++) {
            const ManifestInput *mi = &m[side]->inputs[i];
            bool hier = strcmp(mi->kind, "hierarchy") == 0;
            int s = slot_of(x, mi->name, hier);
            if (s < 0) {
                s = (int)x->nslots++;
                x->slots[s] = (Slot){ mi->name, hier, { -1, -1 }, { NULL, NULL }, -1 };
            }
            x->slots[s].in[side] = (int)i;
            x->slots[s].file[side] = api_run_path(a, x->run[side]->dir, mi->path);
        }
    /* every file as recorded, each hashed once */
    HashJob *jobs = arena_alloc(a, (x->nslots * 2 + 2 + m[0]->nvariations + m[1]->nvariations) * sizeof *jobs);
    size_t njobs = 0;
    for (size_t s = 0; s < x->nslots; s++)
        for (int side = 0; side < 2; side++) {
            const Slot *sl = &x->slots[s];
            if (sl->in[side] < 0) continue;
            if (side == 1 && sl->in[0] >= 0 && strcmp(sl->file[0], sl->file[1]) == 0
                && strcmp(m[0]->inputs[sl->in[0]].sha256, m[1]->inputs[sl->in[1]].sha256) == 0)
                continue;
            jobs[njobs++] = (HashJob){ arena_printf(a, "%s %s (%s) of %s", m[side]->inputs[sl->in[side]].kind,
                                                    sl->name, m[side]->inputs[sl->in[side]].path, x->run[side]->label),
                                       sl->file[side], m[side]->inputs[sl->in[side]].sha256, "", false };
        }
    const char *rules[2];
    for (int side = 0; side < 2; side++) {
        rules[side] = api_run_path(a, x->run[side]->dir, m[side]->rules);
        jobs[njobs++] = (HashJob){ arena_printf(a, "the rules %s of %s", m[side]->rules, x->run[side]->label),
                                   rules[side], m[side]->source_sha256, "", false };
    }
    /* the variations files: part of each run's rules */
    const char **vary[2];
    for (int side = 0; side < 2; side++) {
        vary[side] = arena_alloc(a, (m[side]->nvariations + 1) * sizeof *vary[side]);
        for (size_t k = 0; k < m[side]->nvariations; k++) {
            vary[side][k] = api_run_path(a, x->run[side]->dir, m[side]->variations[k].path);
            jobs[njobs++] = (HashJob){ arena_printf(a, "the variations %s of %s", m[side]->variations[k].path,
                                                    x->run[side]->label),
                                       vary[side][k], m[side]->variations[k].sha256, "", false };
        }
    }
    pledge_status st = as_recorded(x, jobs, njobs);
    if (st != PLEDGE_OK) return st;

    /* the factors, in the fixed order */
    x->as_of_factor = x->rules_factor = -1;
    if (m[0]->as_of != m[1]->as_of) {
        char d[2][16];
        for (int side = 0; side < 2; side++) period_format((Period){ GRAIN_DAY, m[side]->as_of }, d[side], 16);
        x->as_of_factor = (int)x->c->nfactors;
        add_factor(x, CAUSE_AS_OF, NULL, keep(a, d[0]), keep(a, d[1]));
    }
    for (int hier = 0; hier < 2; hier++)
        for (size_t s = 0; s < x->nslots; s++) {
            Slot *sl = &x->slots[s];
            if (sl->hierarchy != hier || sl->in[0] < 0 || sl->in[1] < 0) continue;
            if (strcmp(m[0]->inputs[sl->in[0]].sha256, m[1]->inputs[sl->in[1]].sha256) == 0) continue;
            sl->factor = (int)x->c->nfactors;
            add_factor(x, hier ? CAUSE_HIERARCHY : CAUSE_DATA, sl->name, m[0]->inputs[sl->in[0]].path,
                       m[1]->inputs[sl->in[1]].path);
        }
    bool rules_differ = strcmp(m[0]->source_sha256, m[1]->source_sha256) != 0
                     || strcmp(m[0]->bytecode_sha256, m[1]->bytecode_sha256) != 0;
    /* a variation is a change of rules: alone, the factor is named "rules variations" */
    bool vary_differ = m[0]->nvariations != m[1]->nvariations;
    for (size_t k = 0; k < m[0]->nvariations && !vary_differ; k++)
        vary_differ = strcmp(m[0]->variations[k].sha256, m[1]->variations[k].sha256) != 0;
    if (rules_differ || vary_differ) {
        x->rules_factor = (int)x->c->nfactors;
        if (rules_differ) add_factor(x, CAUSE_RULES, NULL, m[0]->rules, m[1]->rules);
        else add_factor(x, CAUSE_RULES, "variations", m[0]->nvariations ? m[0]->variations[0].path : "none",
                        m[1]->nvariations ? m[1]->variations[0].path : "none");
        rules_differ = true;
    }
    for (int side = 0; side < (rules_differ ? 2 : 1) && st == PLEDGE_OK; side++) {
        Prog *p = &x->prog[side];
        p->m = m[side];
        st = api_load_recorded_rules(x->S, rules[side], m[side]->rules, &p->bc, x->why, sizeof x->why);
        if (st != PLEDGE_OK) return api_fail(x->S, st, "%s", x->why);
        p->compiled = true;
        p->allowed = api_natives_allowed_now(x->S, m[side], &p->nallowed);
        p->vm = vm_new(&p->bc, m[side]->limits, p->allowed, p->nallowed);
        p->loaded = mem_calloc(x->nslots * 2 + 1, sizeof *p->loaded);
        for (size_t k = 0; k < m[side]->nvariations && st == PLEDGE_OK; k++)
            st = api_vary(x->S, &p->bc, &p->vary, vary[side][k], m[side]->variations[k].path);
    }
    x->orgs = orgs_new();
    x->shared = mem_calloc(x->nslots + 1, sizeof *x->shared);
    for (size_t s = 0; rules_differ && st == PLEDGE_OK && s < x->nslots; s++)
        x->shared[s] = shareable(&x->prog[0].bc, &x->prog[1].bc, x->slots[s].name, x->slots[s].hierarchy);
    return st;
}

static uint32_t popcount(uint32_t v)
{
    uint32_t n = 0;
    for (; v; v &= v - 1) n++;
    return n;
}

/* |S|! (n - |S| - 1)! / n!: the Shapley weight of a coalition of size s. */
static double shapley_weight(size_t s, size_t n)
{
    double w = 1.0 / (double)n;
    /* 1 / (n * C(n-1, s)) */
    for (size_t i = 1; i <= s; i++) w *= (double)i / (double)(n - i);
    return w;
}

/* The combination of an id (a set of factors switched), or -1 if it was
 * not run: with every combination run, each id is its own index; with the
 * fixed order alone, the chain 0, 1, 3, 7, ... is. */
static int combo_index(const Comparison *c, uint32_t id, size_t ncombos)
{
    if (c->shapley) return id < ncombos ? (int)id : -1;
    if ((id & (id + 1)) != 0) return -1;
    uint32_t k = popcount(id);
    return k < ncombos ? (int)k : -1;
}

/* What the date alone did to a result, read off the window judged once
 * only the date is switched (or A's): a window that had ended by the
 * earlier day had its figures become known (a lag passing, or rows
 * published); one that ended between the days was closed; else time moved
 * within it (a milestone's window, a deadline nearer). NULL when neither
 * run judged a window. */
static const char *as_of_how(const Cmpr *x, const Cell *const *cell, size_t ncombos)
{
    Day a = x->run[0]->m->as_of, b = x->run[1]->m->as_of;
    Day lo = a < b ? a : b, hi = a < b ? b : a;
    const Cell *w = cell[combo_index(x->c, 1u << x->as_of_factor, ncombos)];
    if (!w || !w->has_window) w = cell[0];
    if (!w || !w->has_window) return NULL;      /* a rating, a check of no window: its parts say */
    return api_as_of_hows[w->window_end <= lo ? AS_OF_LAG : w->window_end <= hi ? AS_OF_WINDOW : AS_OF_TIME];
}

static void attribute(Cmpr *x, const Combo *combos, const uint32_t *ids, size_t ncombos)
{
    Comparison *c = x->c;
    size_t n = c->nfactors;
    const Combo *A = &combos[0], *B = &combos[ncombos - 1];
    /* the results: every key of A and of B */
    size_t cap = A->n + B->n + 1, nkeys = 0;
    const Cell **keys = mem_alloc(cap * sizeof *keys);
    for (size_t i = 0; i < A->n; i++) keys[nkeys++] = &A->cells[i];
    for (size_t i = 0; i < B->n; i++)
        if (!find_cell(A, &B->cells[i])) keys[nkeys++] = &B->cells[i];
    c->rows = mem_calloc(nkeys + 1, sizeof *c->rows);
    for (size_t r = 0; r < nkeys; r++) {
        const Cell *ca = find_cell(A, keys[r]), *cb = find_cell(B, keys[r]);
        if (!cell_moved(ca, cb)) continue;
        CmpRow *row = &c->rows[c->nrows++];
        *row = (CmpRow){ keys[r]->system, keys[r]->item, keys[r]->kind, ca ? ca->status : NULL,
                         ca ? ca->value : NULL, cb ? cb->status : NULL, cb ? cb->value : NULL,
                         arena_alloc(&c->arena, (n + 1) * sizeof *row->moves),
                         arena_alloc(&c->arena, (n + 1) * sizeof *row->share), true, -1, NULL,
                         arena_alloc(&c->arena, n + 1), false, 0, 0 };
        memset(row->data_how, 0, n + 1);
        for (int e = 0; e < 2; e++) {
            const Cell *w = e ? cb : ca;
            if (!w || !w->has_window) continue;
            if (!row->has_window || w->window_start < row->window_from) row->window_from = w->window_start;
            if (!row->has_window || w->window_end > row->window_to) row->window_to = w->window_end;
            row->has_window = true;
        }
        for (size_t f = 0; f < n; f++) row->moves[f] = false, row->share[f] = 0;
        const Cell **cell = mem_alloc((ncombos + 1) * sizeof *cell);
        double *v = mem_alloc((ncombos + 1) * sizeof *v);
        for (size_t i = 0; i < ncombos; i++) {
            cell[i] = find_cell(&combos[i], keys[r]);
            if (!number(cell[i], &v[i])) row->has_shares = false;
        }
        for (size_t i = 0; i < ncombos; i++)
            for (size_t f = 0; f < n; f++) {
                if (ids[i] >> f & 1) continue;
                int j = combo_index(c, ids[i] | 1u << f, ncombos);
                if (j < 0) continue;
                if (cell_moved(cell[i], cell[j])) row->moves[f] = true;
                if (row->has_shares)
                    row->share[f] += (c->shapley ? shapley_weight(popcount(ids[i]), n) : 1.0) * (v[j] - v[i]);
            }
        /* the status along the fixed order: the last switch that changed it */
        if (!same_text(row->status_a, row->status_b) || (ca == NULL) != (cb == NULL)) {
            uint32_t id = 0;
            for (size_t f = 0; f < n; f++) {
                uint32_t next = id | 1u << f;
                const Cell *before = cell[combo_index(c, id, ncombos)], *after = cell[combo_index(c, next, ncombos)];
                if ((before == NULL) != (after == NULL) || (before && !same_text(before->status, after->status)))
                    row->flipped_by = (int)f;
                id = next;
            }
        }
        if (!row->has_shares)
            for (size_t f = 0; f < n; f++) row->share[f] = 0;
        if (x->as_of_factor >= 0 && row->moves[x->as_of_factor]) row->as_of_how = as_of_how(x, cell, ncombos);
        mem_free(cell);
        mem_free(v);
    }
    mem_free(keys);
}

/* A's hierarchy, as loaded, named hier (-1: the round's `assess`), or NULL. */
static const Hierarchy *loaded_hier(const Cmpr *x, int32_t hier)
{
    const BcProgram *bc = &x->prog[0].bc;
    if (hier < 0) hier = bc->round.assess;
    if (hier < 0) return NULL;
    int s = slot_of(x, bc->hiers[hier].name, true);
    return s < 0 ? NULL : x->prog[0].loaded[s * 2 + side_of(&x->slots[s], 0)];
}

/* The hierarchy through which A reads the feed of a factor: its own
 * (`hierarchy =`) or the round's `assess`. */
static const Hierarchy *factor_hier(const Cmpr *x, int factor)
{
    const BcProgram *bc = &x->prog[0].bc;
    for (size_t s = 0; s < x->nslots; s++) {
        if (x->slots[s].hierarchy || x->slots[s].factor != factor) continue;
        for (uint16_t k = 0; k < bc->nfeeds; k++)
            if (strcmp(bc->feeds[k].name, x->slots[s].name) == 0) return loaded_hier(x, bc->feeds[k].hier);
    }
    return loaded_hier(x, -1);
}

/* Whether national commitment `item` is measured over the systems
 * (`sum(across(…))`): then it reads only the cells of their members. */
static bool measured_across(const BcProgram *bc, const char *item)
{
    for (uint16_t k = 0; k < bc->ncommits; k++)
        if (same_text(bc->commits[k].name, item) && bc->commits[k].measure >= 0
            && (uint32_t)bc->commits[k].measure < bc->nfns)
            return bc_fn_reads_across(&bc->fns[bc->commits[k].measure]);
    return false;
}

/* Which changed cells of each feed a moved result reads: those of its
 * system's members (on the cell's first day, in the hierarchy A reads the
 * feed through) within the windows A and B judged; for a national
 * commitment, every organisation's (the country's total takes those in no
 * system too, engine_aggregate), or every mapped one's for one measured
 * over the systems. A result that reads other systems (an across(...) of a
 * system's check, a national check) or no window gets no word: its causes
 * still stand. */
static void mark_cells(Cmpr *x)
{
    const BcProgram *bc = &x->prog[0].bc;
    if (!x->nchanged || bc->round.assess < 0 || !loaded_hier(x, -1)) return;
    const Hierarchy **by_factor = mem_calloc(x->c->nfactors + 1, sizeof *by_factor);
    for (size_t f = 0; f < x->c->nfactors; f++) by_factor[f] = factor_hier(x, (int)f);
    for (size_t r = 0; r < x->c->nrows; r++) {
        CmpRow *row = &x->c->rows[r];
        bool nation = !row->system && same_text(row->kind, "national commitment");
        if ((!row->system && !nation) || !row->has_window) continue;
        uint32_t sys = nation ? ORG_NONE : orgs_find(x->orgs, row->system, strlen(row->system));
        if (!nation && sys == ORG_NONE) continue;
        bool over_systems = nation && measured_across(bc, row->item);
        for (size_t i = 0; i < x->nchanged; i++) {
            const struct Changed *ch = &x->changed[i];
            Day d = period_first_day(ch->p);
            const Hierarchy *h = by_factor[ch->factor];
            uint32_t parent = h ? hier_parent(h, ch->org, d) : ORG_NONE;
            if (row->moves[ch->factor] && d >= row->window_from && d <= row->window_to
                && (nation ? !over_systems || parent != ORG_NONE : parent == sys && sys != ORG_NONE))
                row->data_how[ch->factor] |= ch->how;
        }
    }
    mem_free(by_factor);
}

/* How many rows of the manifest the recomputation does not give back. */
static size_t unreproduced(const Manifest *m, const Combo *c)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nrows; i++) {
        const ResultRow *r = &m->rows[i];
        Cell key = { r->system, r->kind ? r->kind : "", r->item, r->status, r->value, false, 0, 0 };
        const Cell *got = find_cell(c, &key);
        if (!got || cell_moved(got, &key)) n++;
    }
    return n + (c->n > m->nrows ? c->n - m->nrows : 0);
}

static pledge_status compare_runs(Cmpr *x)
{
    pledge_status st = setup(x);
    if (st != PLEDGE_OK) return st;
    Comparison *c = x->c;
    size_t n = c->nfactors;
    if (n > MAX_FACTORS)
        return api_fail(x->S, PLEDGE_ERR_USAGE, "%zu things differ between the runs: at most %d can be compared "
                        "(a set of them is a 32-bit mask)", n, MAX_FACTORS);
    c->shapley = n <= SHAPLEY_MAX_FACTORS;
    size_t ncombos = c->shapley ? (size_t)1 << n : n + 1;
    uint32_t *ids = mem_alloc((ncombos + 1) * sizeof *ids);
    /* every subset in order (0 is A, the last B), or the fixed order's chain */
    for (size_t i = 0; i < ncombos; i++) ids[i] = c->shapley ? (uint32_t)i : (uint32_t)((1u << i) - 1);
    Combo *combos = mem_calloc(ncombos + 1, sizeof *combos);
    for (size_t i = 0; i < ncombos && st == PLEDGE_OK; i++) st = assess_combo(x, ids[i], &combos[i]);
    c->combinations = ncombos;
    if (st == PLEDGE_OK) {
        c->unreproduced = unreproduced(x->run[0]->m, &combos[0]) + unreproduced(x->run[1]->m, &combos[ncombos - 1]);
        attribute(x, combos, ids, ncombos);
        for (size_t s = 0; s < x->nslots; s++)
            if (x->slots[s].factor >= 0 && !x->slots[s].hierarchy) describe_feed(x, &c->factors[x->slots[s].factor], (int)s);
        mark_cells(x);
    }
    mem_free(combos);
    mem_free(ids);
    return st;
}

pledge_status api_compare_runs(pledge_state *S, const RecordedRun *a, const RecordedRun *b, Comparison *out)
{
    *out = (Comparison){ 0 };
    Cmpr x = { .S = S, .run = { a, b }, .c = out };
    pledge_status st = compare_runs(&x);
    for (int i = 0; i < 2; i++) {
        Prog *p = &x.prog[i];
        if (!p->compiled) continue;
        for (size_t s = 0; s < x.nslots; s++)
            for (int side = 0; side < 2; side++) {
                void *l = p->loaded[s * 2 + side];
                if (!l) continue;
                if (x.slots[s].hierarchy) hier_free(l);
                else feed_free(l);
            }
        mem_free(p->loaded);
        mem_free(p->allowed);
        api_variations_free(&p->vary);
        vm_free(p->vm);
        bc_free(&p->bc);
    }
    orgs_free(x.orgs);
    mem_free(x.changed);
    mem_free(x.shared);
    mem_free(x.slots);
    if (st != PLEDGE_OK) api_comparison_free(out);
    return st;
}

void api_comparison_free(Comparison *c)
{
    mem_free(c->factors);
    mem_free(c->rows);
    arena_free(&c->arena);
    *c = (Comparison){ 0 };
}

const CmpRow *api_comparison_row(const Comparison *c, const char *system, const char *kind, const char *item)
{
    for (size_t i = 0; i < c->nrows; i++) {
        const CmpRow *r = &c->rows[i];
        if (same_text(r->system, system) && same_text(r->kind, kind) && same_text(r->item, item)) return r;
    }
    return NULL;
}

/* "revised and newly published" */
static const char *cell_words(uint8_t how)
{
    static const char *const words[8] = { "", "revised", "newly published", "revised and newly published",
                                          "dropped", "revised and dropped", "newly published and dropped",
                                          "revised, newly published and dropped" };
    return words[how & 7];
}

/* "a window ending" for "window_ending" */
static const char *as_of_words(const char *how)
{
    return strcmp(how, "lag_passing") == 0 ? "a lag passing" : strcmp(how, "window_ending") == 0 ? "a window ending"
                                                                                                 : "time passing";
}

/* "data ae" */
static void factor_name(const CmpFactor *f, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s", api_cause_names[f->cause], f->input ? " " : "", f->input ? f->input : "");
}

void api_causes_text(const Comparison *c, const CmpRow *row, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t f = 0; f < c->nfactors && len < cap; f++) {
        if (!row->moves[f]) continue;
        char name[256];
        factor_name(&c->factors[f], name, sizeof name);
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", name);
        if (c->factors[f].cause == CAUSE_AS_OF && row->as_of_how && len < cap)
            len += (size_t)snprintf(buf + len, cap - len, " (%s)", as_of_words(row->as_of_how));
        if (row->data_how[f] && len < cap)
            len += (size_t)snprintf(buf + len, cap - len, " (%s)", cell_words(row->data_how[f]));
    }
    if (!len) snprintf(buf, cap, "none found");
}

/* ---- pledge_compare -------------------------------------------------------------- */

/* A run to compare: a manifest's path, or (with an archive) a run's id. */
typedef struct Side { Manifest m; RecordedRun run; } Side;

typedef struct FetchRun { Manifest *m; bool found; char *why; size_t cap; const char *label; bool ok; } FetchRun;

static bool fetch_run(void *ud, const ArchivedRun *run)
{
    FetchRun *f = ud;
    f->found = true;
    f->ok = manifest_parse(f->m, run->manifest, f->label, f->why, f->cap);
    return false;
}

static pledge_status open_side(pledge_state *S, const char *archive, const char *which, Side *side)
{
    char why[1024];
    Arena *a;
    if (!archive) {
        if (!manifest_read(&side->m, which, why, sizeof why)) return api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
        a = &side->m.arena;
        const char *home = manifest_dirname(a, which);
        side->run = (RecordedRun){ &side->m,
                                   side->m.directory[0] == '/' ? side->m.directory
                                                               : arena_printf(a, "%s/%s", home, side->m.directory),
                                   which };
        return PLEDGE_OK;
    }
    char *end;
    long long id = strtoll(which, &end, 10);
    if (end == which || *end || id <= 0)
        return api_fail(S, PLEDGE_ERR_USAGE, "`%s` is not a run's id (a whole number from 1)", which);
    Archive *db = archive_open(archive, false, why, sizeof why);
    if (!db) return api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    char label[64];
    snprintf(label, sizeof label, "run %lld", id);
    FetchRun f = { &side->m, false, why, sizeof why, label, false };
    bool ok = archive_runs(db, id, fetch_run, &f, why, sizeof why);
    archive_close(db);
    if (!ok || (f.found && !f.ok)) return api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    if (!f.found) return api_fail(S, PLEDGE_ERR_USAGE, "%s holds no run %lld", archive, id);
    a = &side->m.arena;
    const char *home = manifest_dirname(a, archive);
    side->run = (RecordedRun){ &side->m,
                               side->m.directory[0] == '/' ? side->m.directory
                                                           : arena_printf(a, "%s/%s", home, side->m.directory),
                               arena_printf(a, "run %lld", id) };
    return PLEDGE_OK;
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

/* A share as text: exact enough to add back up, no sign for none. */
static void share_text(double v, char *buf, size_t cap)
{
    if (fabs(v) < 5e-16) v = 0;
    snprintf(buf, cap, "%+.15g", v);
}

static void write_text(const Comparison *c, const Side *sa, const Side *sb, FILE *out)
{
    char d[2][16];
    period_format((Period){ GRAIN_DAY, sa->m.as_of }, d[0], 16);
    period_format((Period){ GRAIN_DAY, sb->m.as_of }, d[1], 16);
    fprintf(out, "A         %s: %s as of %s\n", sa->run.label, sa->m.rules, d[0]);
    fprintf(out, "B         %s: %s as of %s\n", sb->run.label, sb->m.rules, d[1]);
    for (size_t f = 0; f < c->nfactors; f++) {
        const CmpFactor *fa = &c->factors[f];
        char name[256];
        factor_name(fa, name, sizeof name);
        fprintf(out, "changed   %s: %s -> %s", name, fa->from, fa->to);
        if (fa->cause == CAUSE_DATA)
            fprintf(out, " (cells revised %llu, newly published %llu, dropped %llu)",
                    (unsigned long long)fa->cells_revised, (unsigned long long)fa->cells_new,
                    (unsigned long long)fa->cells_dropped);
        fputc('\n', out);
    }
    if (!c->nfactors) fprintf(out, "changed   nothing: the same rules, inputs and as-of date\n");
    fprintf(out, "assessed  %zu combination%s (%s)\n", c->combinations, c->combinations == 1 ? "" : "s",
            c->shapley ? "every one: shares are Shapley values" : "the fixed order only: shares are its steps");
    fprintf(out, "loaded    %zu file%s\n", c->loads, c->loads == 1 ? "" : "s");
    if (c->unreproduced)
        fprintf(out, "warning   %zu recorded rows are not given back by this pledge (pledge replay says why)\n",
                c->unreproduced);
    for (size_t i = 0; i < c->nrows; i++) {
        const CmpRow *r = &c->rows[i];
        char causes[1024];
        api_causes_text(c, r, causes, sizeof causes);
        fprintf(out, "%s %s: %s", r->system ? r->system : "(national)", or_dash(r->item), or_dash(r->status_a));
        if (r->value_a) fprintf(out, " (%s)", r->value_a);
        fprintf(out, " -> %s", or_dash(r->status_b));
        if (r->value_b) fprintf(out, " (%s)", r->value_b);
        fprintf(out, ": %s", causes);
        if (r->flipped_by >= 0) {
            char name[256];
            factor_name(&c->factors[r->flipped_by], name, sizeof name);
            fprintf(out, "; status flipped by %s", name);
        }
        if (r->has_shares && c->nfactors) {
            fputs("; shares", out);
            for (size_t f = 0; f < c->nfactors; f++) {
                char name[256], v[64];
                factor_name(&c->factors[f], name, sizeof name);
                share_text(r->share[f], v, sizeof v);
                fprintf(out, "%s %s %s", f ? "," : "", name, v);
            }
        }
        fputc('\n', out);
    }
    fprintf(out, "compare: %zu result%s moved\n", c->nrows, c->nrows == 1 ? "" : "s");
}

static json_t *side_json(const Side *s)
{
    char d[16];
    period_format((Period){ GRAIN_DAY, s->m.as_of }, d, sizeof d);
    json_t *ins = json_array();
    for (size_t i = 0; i < s->m.ninputs; i++)
        json_array_append_new(ins, json_pack("{s:s, s:s, s:s, s:s}", "name", s->m.inputs[i].name, "kind",
                                             s->m.inputs[i].kind, "path", s->m.inputs[i].path, "sha256",
                                             s->m.inputs[i].sha256));
    return json_pack("{s:s, s:o, s:s, s:s, s:s, s:o}", "run", s->run.label, "round", jtree_str(s->m.round), "as_of", d,
                     "rules", s->m.rules, "rules_sha256", s->m.source_sha256, "inputs", ins);
}

static json_t *factor_json(const CmpFactor *f)
{
    json_t *o = json_pack("{s:s, s:o, s:s, s:s}", "cause", api_cause_names[f->cause], "input", jtree_str(f->input),
                          "from", f->from, "to", f->to);
    if (f->cause == CAUSE_DATA) {
        json_object_set_new(o, "cells_revised", json_integer((json_int_t)f->cells_revised));
        json_object_set_new(o, "cells_new", json_integer((json_int_t)f->cells_new));
        json_object_set_new(o, "cells_dropped", json_integer((json_int_t)f->cells_dropped));
    }
    return o;
}

static bool write_json(const Comparison *c, const Side *sa, const Side *sb, FILE *out)
{
    json_t *factors = json_array(), *results = json_array();
    for (size_t f = 0; f < c->nfactors; f++) json_array_append_new(factors, factor_json(&c->factors[f]));
    for (size_t i = 0; i < c->nrows; i++) {
        const CmpRow *r = &c->rows[i];
        json_t *causes = json_array(), *shares = json_array();
        for (size_t f = 0; f < c->nfactors; f++) {
            const CmpFactor *fa = &c->factors[f];
            bool listed = false;
            for (size_t g = 0; g < f; g++)
                listed |= r->moves[g] && c->factors[g].cause == fa->cause;
            if (r->moves[f] && !listed) json_array_append_new(causes, json_string(api_cause_names[fa->cause]));
            char v[64];
            share_text(r->share[f], v, sizeof v);
            json_t *cells = json_null();
            if (r->data_how[f]) {
                cells = json_array();
                if (r->data_how[f] & CELL_REVISED) json_array_append_new(cells, json_string("revised"));
                if (r->data_how[f] & CELL_NEW) json_array_append_new(cells, json_string("new"));
                if (r->data_how[f] & CELL_DROPPED) json_array_append_new(cells, json_string("dropped"));
            }
            json_array_append_new(shares, json_pack("{s:s, s:o, s:b, s:o, s:o}", "cause", api_cause_names[fa->cause],
                                                    "input", jtree_str(fa->input), "moves", r->moves[f], "share",
                                                    r->has_shares ? json_string(v) : json_null(), "cells", cells));
        }
        json_t *flip = r->flipped_by < 0 ? json_null()
                     : json_pack("{s:s, s:o}", "cause", api_cause_names[c->factors[r->flipped_by].cause], "input",
                                 jtree_str(c->factors[r->flipped_by].input));
        json_array_append_new(results,
            json_pack("{s:o, s:o, s:s, s:{s:o, s:o}, s:{s:o, s:o}, s:o, s:o, s:o, s:o}", "system", jtree_str(r->system), "item",
                      jtree_str(r->item), "kind", r->kind, "a", "status", jtree_str(r->status_a), "value", jtree_str(r->value_a),
                      "b", "status", jtree_str(r->status_b), "value", jtree_str(r->value_b), "causes", causes,
                      "status_flipped_by", flip, "as_of_how", jtree_str(r->as_of_how), "factors", shares));
    }
    json_t *root = json_pack("{s:i, s:o, s:o, s:s, s:I, s:I, s:I, s:o, s:o}", "compare_version", 1, "a", side_json(sa),
                             "b", side_json(sb), "attribution", c->shapley ? "shapley" : "fixed_order",
                             "combinations", (json_int_t)c->combinations, "loads", (json_int_t)c->loads, "unreproduced_rows",
                             (json_int_t)c->unreproduced, "factors", factors, "results", results);
    bool ok = root && json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0;
    json_decref(root);
    fputc('\n', out);
    return ok;
}

static void write_csv(const Comparison *c, FILE *out)
{
    fputs("system,item,kind,status_a,value_a,status_b,value_b,causes,status_flipped_by,as_of_how", out);
    for (size_t f = 0; f < c->nfactors; f++) {
        char name[256];
        factor_name(&c->factors[f], name, sizeof name);
        for (char *p = name; *p; p++) if (*p == ' ') *p = ':';
        fprintf(out, ",share_%s", name);
    }
    fputc('\n', out);
    for (size_t i = 0; i < c->nrows; i++) {
        const CmpRow *r = &c->rows[i];
        /* causes as tokens, "as_of;data:ae", for a spreadsheet to split */
        char causes[1024] = "", flip[256] = "";
        size_t len = 0;
        for (size_t f = 0; f < c->nfactors && len < sizeof causes; f++) {
            if (!r->moves[f]) continue;
            char name[256];
            factor_name(&c->factors[f], name, sizeof name);
            for (char *p = name; *p; p++) if (*p == ' ') *p = ':';
            len += (size_t)snprintf(causes + len, sizeof causes - len, "%s%s", len ? ";" : "", name);
        }
        if (r->flipped_by >= 0) factor_name(&c->factors[r->flipped_by], flip, sizeof flip);
        for (char *p = flip; *p; p++) if (*p == ' ') *p = ':';
        api_csv_cell(out, r->system, ',');
        api_csv_cell(out, r->item, ',');
        api_csv_cell(out, r->kind, ',');
        api_csv_cell(out, r->status_a, ',');
        api_csv_cell(out, r->value_a, ',');
        api_csv_cell(out, r->status_b, ',');
        api_csv_cell(out, r->value_b, ',');
        api_csv_cell(out, causes, ',');
        api_csv_cell(out, flip, ',');
        api_csv_cell(out, r->as_of_how, c->nfactors ? ',' : '\n');
        for (size_t f = 0; f < c->nfactors; f++) {
            char v[64];
            share_text(r->share[f], v, sizeof v);
            api_csv_cell(out, r->has_shares ? v : NULL, f + 1 < c->nfactors ? ',' : '\n');
        }
    }
}

static pledge_status compare(pledge_state *S, const char *a, const char *b, const pledge_compare_options *o,
                             FILE *out)
{
    static const pledge_compare_options defaults = { 0 };
    if (!o) o = &defaults;
    S->error[0] = '\0';
    if (o->format != PLEDGE_FORMAT_TEXT && o->format != PLEDGE_FORMAT_JSON && o->format != PLEDGE_FORMAT_CSV)
        return api_fail(S, PLEDGE_ERR_USAGE, "a comparison is text, json or csv");
    Side *sa = mem_calloc(1, sizeof *sa), *sb = mem_calloc(1, sizeof *sb);
    pledge_status st = open_side(S, o->archive, a, sa);
    if (st == PLEDGE_OK) st = open_side(S, o->archive, b, sb);
    Comparison c = { 0 };
    if (st == PLEDGE_OK) st = api_compare_runs(S, &sa->run, &sb->run, &c);
    if (st == PLEDGE_OK) {
        if (o->format == PLEDGE_FORMAT_JSON) {
            if (!write_json(&c, sa, sb, out)) st = api_fail(S, PLEDGE_ERR_INPUT, "cannot write the comparison");
        } else if (o->format == PLEDGE_FORMAT_CSV) {
            write_csv(&c, out);
        } else {
            write_text(&c, sa, sb, out);
        }
        if (st == PLEDGE_OK && ferror(out)) st = api_fail(S, PLEDGE_ERR_INPUT, "cannot write the comparison");
    }
    api_comparison_free(&c);
    manifest_free(&sa->m);
    manifest_free(&sb->m);
    mem_free(sa);
    mem_free(sb);
    return st;
}

pledge_status pledge_compare(pledge_state *S, const char *a, const char *b, const pledge_compare_options *o,
                             FILE *out)
{
    API_ENTER(S);
    API_RETURN(S, compare(S, a, b, o, out));
}
