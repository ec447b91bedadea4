/* assess.c: a round evaluated for every system as of a date (assess.h).
 *
 * One Eval per thread holds a Vm and what that thread has worked out: each
 * item's status per system (a rating or `across` may ask for another
 * system's), and the lists `across` made. The Shared part is read-only once
 * the threads start. */
#include "engine/assess_eval.h"
#include "engine/spc.h"
#include "vm/plb.h"
#include "base/why.h"
#include "data/digest.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* n things of size sz, copied into an arena (a growable array's items, kept) */
static void *arena_copy(Arena *a, const void *p, size_t n, size_t sz)
{
    void *q = arena_alloc(a, (n + 1) * sz);
    if (n) memcpy(q, p, n * sz);
    return q;
}

/* ---- inputs' hashes -------------------------------------------------------- */

/* The inputs' SHA-256 (data/digest.h) for the report's provenance, taken
 * on a thread of its own from when the inputs are bound: in a large run
 * hashing is about as much work as loading, and alone it would come after
 * evaluation. The thread reads only its own copies of the sources and
 * writes only hex; the report reads hex after the join. */
struct InputHashes {
    pthread_mutex_t lock;       /* one join, whoever asks first */
    pthread_t  thread;
    bool       running;         /* started and not yet joined */
    bool       taken;           /* joined, every digest in hex */
    MemContext *from;
    size_t     n;               /* the hierarchies', then the feeds' */
    DataSource *sources;        /* per input: copies of its name and file, or name NULL (none
                                 * bound, or bytes in memory: hashed in place) */
    char     (*hex)[65];
    atomic_bool stop;           /* the inputs are freed unreported (a load failed) */
    bool       oom;
    size_t     oom_size;
};

static void hash_files(void *arg)
{
    InputHashes *h = arg;
    for (size_t i = 0; i < h->n; i++)
        if (h->sources[i].name) input_digest(h->sources[i], h->hex[i], &h->stop);
}

static void *hasher(void *arg)
{
    InputHashes *h = arg;
    h->oom = !mem_guard(h->from, hash_files, h, &h->oom_size);
    return NULL;
}

void inputs_hash_start(Inputs *in, unsigned threads)
{
    if (in->hashes || threads == 1) return;
    const BcProgram *p = in->p;
    InputHashes *h = mem_calloc(1, sizeof *h);
    h->n = (size_t)p->nhiers + p->nfeeds;
    h->sources = mem_calloc(h->n + 1, sizeof *h->sources);
    h->hex = mem_calloc(h->n + 1, sizeof *h->hex);
    for (size_t i = 0; i < h->n; i++) {
        DataSource s = i < p->nhiers ? in->hier_sources[i] : in->feed_sources[i - p->nhiers];
        if (!s.name || s.bytes) continue;
        h->sources[i].name = mem_strndup(s.name, strlen(s.name));
        if (s.file) h->sources[i].file = mem_strndup(s.file, strlen(s.file));
    }
    h->from = mem_current();
    atomic_init(&h->stop, false);
    pthread_mutex_init(&h->lock, NULL);
    in->hashes = h;
    h->running = pthread_create(&h->thread, NULL, hasher, h) == 0;     /* none to be had: hashed in place */
}

/* Waits for the thread; whether its digests are all there. */
static bool hashes_join(InputHashes *h)
{
    pthread_mutex_lock(&h->lock);
    bool oom = false;
    if (h->running) {
        pthread_join(h->thread, NULL);
        h->running = false;
        h->taken = !h->oom;
        oom = h->oom;
    }
    bool taken = h->taken;
    pthread_mutex_unlock(&h->lock);
    if (oom) mem_out_of_memory(h->oom_size);
    return taken;
}

static void hashes_free(InputHashes *h)
{
    if (!h) return;
    atomic_store(&h->stop, true);       /* its digests are not wanted now */
    pthread_mutex_lock(&h->lock);
    if (h->running) pthread_join(h->thread, NULL);
    pthread_mutex_unlock(&h->lock);
    pthread_mutex_destroy(&h->lock);
    for (size_t i = 0; i < h->n; i++) {
        mem_free((char *)h->sources[i].name);
        mem_free((char *)h->sources[i].file);
    }
    mem_free(h->sources);
    mem_free(h->hex);
    mem_free(h);
}

/* Input i's digest (hierarchies, then feeds): the thread's if it took them,
 * else taken now. */
static void input_sha256(const Inputs *in, size_t i, DataSource source, char hex[65])
{
    if (in->hashes && in->hashes->sources[i].name && hashes_join(in->hashes)) memcpy(hex, in->hashes->hex[i], 65);
    else input_digest(source, hex, NULL);       /* "": cannot be read, the report says null */
}

/* ---- inputs ------------------------------------------------------------------ */

static int find_named(const char *name, size_t len, const char *const *names, size_t stride, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = *(const char *const *)((const char *)names + i * stride);
        if (strlen(s) == len && memcmp(s, name, len) == 0) return (int)i;
    }
    return -1;
}

AssessStatus inputs_load(Inputs *in, const BcProgram *p, const char *rules, const Binding *b, size_t n,
                         bool require_all, bool hashes, const FeedOptions *fo, Vm *vm, char *why, size_t whycap)
{
    memset(in, 0, sizeof *in);
    in->p = p;
    in->orgs = orgs_new();
    in->feeds = mem_calloc(p->nfeeds + 1u, sizeof *in->feeds);
    in->hiers = mem_calloc(p->nhiers + 1u, sizeof *in->hiers);
    in->feed_sources = mem_calloc(p->nfeeds + 1u, sizeof *in->feed_sources);
    in->hier_sources = mem_calloc(p->nhiers + 1u, sizeof *in->hier_sources);
    for (size_t i = 0; i < n; i++) {
        int f = find_named(b[i].name, b[i].namelen, &p->feeds[0].name, sizeof *p->feeds, p->nfeeds);
        int h = find_named(b[i].name, b[i].namelen, &p->hiers[0].name, sizeof *p->hiers, p->nhiers);
        DataSource *slot = f >= 0 ? &in->feed_sources[f] : h >= 0 ? &in->hier_sources[h] : NULL;
        if (!slot) return why_say(why, whycap, "%s declares no feed or hierarchy `%.*s`", rules, (int)b[i].namelen, b[i].name),
                      ASSESS_USAGE;
        if (slot->name) return why_say(why, whycap, "`%.*s` is bound twice", (int)b[i].namelen, b[i].name), ASSESS_USAGE;
        *slot = b[i].source;
    }
    if (require_all) {
        for (uint16_t k = 0; k < p->nhiers; k++)
            if (!in->hier_sources[k].name)
                return why_say(why, whycap, "hierarchy `%s` is not bound: give --feed %s=PATH", p->hiers[k].name,
                           p->hiers[k].name), ASSESS_USAGE;
        for (uint16_t k = 0; k < p->nfeeds; k++)
            if (!in->feed_sources[k].name)
                return why_say(why, whycap, "feed `%s` is not bound: give --feed %s=PATH", p->feeds[k].name,
                           p->feeds[k].name), ASSESS_USAGE;
    }
    for (uint16_t k = 0; k < p->nfeeds; k++)
        if (in->feed_sources[k].name && p->feeds[k].hier >= 0 && !in->hier_sources[p->feeds[k].hier].name)
            return why_say(why, whycap, "feed `%s` is routed through hierarchy `%s`, which is not given: bind it "
                           "(--feed %s=PATH, or `rows %s` in a test)", p->feeds[k].name, p->hiers[p->feeds[k].hier].name,
                           p->hiers[p->feeds[k].hier].name, p->hiers[p->feeds[k].hier].name),
                   ASSESS_USAGE;
    if (hashes) inputs_hash_start(in, fo->threads);
    /* hierarchies first: a feed's unmapped rows are counted against one */
    for (uint16_t k = 0; k < p->nhiers; k++)
        if (in->hier_sources[k].name && !(in->hiers[k] = hier_load(p, k, in->hier_sources[k], in->orgs, &fo->limits, why, whycap)))
            return why_is_limit(why) ? ASSESS_LIMIT : ASSESS_BAD_INPUT;
    for (uint16_t k = 0; k < p->nfeeds; k++)
        if (in->feed_sources[k].name && !(in->feeds[k] = feed_load(p, k, in->feed_sources[k], in->orgs, vm, fo, why, whycap)))
            return why_is_limit(why) ? ASSESS_LIMIT : ASSESS_BAD_INPUT;    /* a size's, or a where condition's */
    if (p->round.assess >= 0) in->assess = in->hiers[p->round.assess];
    /* a system's figures added up once, not member by member in every query */
    for (uint16_t k = 0; k < p->nfeeds; k++)
        if (in->feeds[k]) feed_index_systems(in->feeds[k], inputs_feed_hier(in, k));
    return ASSESS_OK;
}

void inputs_free(Inputs *in)
{
    if (!in->p) return;
    hashes_free(in->hashes);
    /* a load that ran out of memory may have left any of these unmade */
    for (uint16_t k = 0; in->feeds && k < in->p->nfeeds; k++) feed_free(in->feeds[k]);
    for (uint16_t k = 0; in->hiers && k < in->p->nhiers; k++) hier_free(in->hiers[k]);
    mem_free(in->feeds);
    mem_free(in->hiers);
    mem_free(in->feed_sources);
    mem_free(in->hier_sources);
    orgs_free(in->orgs);
    memset(in, 0, sizeof *in);
}

const Hierarchy *inputs_feed_hier(const Inputs *in, uint16_t feed)
{
    int32_t h = in->p->feeds[feed].hier;
    return h >= 0 ? in->hiers[h] : in->assess;
}

bool inputs_is_system(const Inputs *in, uint32_t org)
{
    const uint32_t *m;
    return in->assess && hier_members(in->assess, org, &m) > 0;
}

/* The keys come organisation by organisation: whether the last one maps
 * is kept for the days [from, to] around the period asked, where its
 * parent stays the same (a hierarchy's links change rarely). */
typedef struct Unmapped {
    const Inputs *in;
    const Hierarchy *h;
    uint64_t rows;
    uint32_t *org_rows;
    uint32_t norgs;
    uint32_t org;
    Day from, to;
    bool mapped;
    int32_t lo, hi;     /* the feed's periods, and their first days */
    Day *first_day;
} Unmapped;

/* Whether a member whose parent (in u's hierarchy) is `parent` maps:
 * through another hierarchy than the round's, only a parent that is a
 * system of the round does. */
static bool parent_maps(const Unmapped *u, uint32_t parent)
{
    return parent != ORG_NONE && (u->h == u->in->assess || inputs_is_system(u->in, parent));
}

static void count_unmapped(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows)
{
    Unmapped *u = ud;
    (void)vintage;
    Day first = p.index >= u->lo && p.index <= u->hi ? u->first_day[p.index - u->lo] : period_first_day(p);
    if (org != u->org || first < u->from || first > u->to) {
        u->mapped = parent_maps(u, hier_parent_span(u->h, org, first, &u->from, &u->to));
        u->org = org;
    }
    if (u->mapped) return;
    u->rows += rows;
    if (org < u->norgs) u->org_rows[org] += rows;
}

/* An unmapped organisation with its code, the key it is sorted by: qsort
 * has no context argument in C11, so the key travels with the entry. */
typedef struct CodedOrg { const char *code; UnmappedOrg u; } CodedOrg;

static int coded_org_cmp(const void *a, const void *b)
{
    return strcmp(((const CodedOrg *)a)->code, ((const CodedOrg *)b)->code);
}

UnmappedOrg *inputs_unmapped(const Inputs *in, uint16_t feed, uint64_t *rows, uint32_t *n)
{
    Unmapped u = { in, inputs_feed_hier(in, feed), 0, mem_calloc(orgs_count(in->orgs) + 1u, sizeof(uint32_t)),
                   orgs_count(in->orgs), ORG_NONE, 0, 0, false, 0, -1, NULL };
    if (in->assess && u.h && in->feeds[feed]) {
        const FeedData *f = in->feeds[feed];
        if (feed_periods(f, &u.lo, &u.hi)) {
            u.first_day = mem_alloc(((size_t)(u.hi - u.lo) + 1) * sizeof *u.first_day);
            for (int32_t i = u.lo; i <= u.hi; i++)
                u.first_day[i - u.lo] = period_first_day((Period){ (Grain)in->p->feeds[feed].grain, i });
        }
        for (uint32_t g = 0; g < u.norgs; g++) {
            if (!feed_has_org(f, g)) continue;
            /* one that maps on every period's first day has no rows to count */
            if (u.first_day) {
                Day from, to;
                bool maps = parent_maps(&u, hier_parent_span(u.h, g, u.first_day[0], &from, &to));
                if (maps && to >= u.first_day[u.hi - u.lo]) continue;
            }
            feed_each_key_of(f, g, count_unmapped, &u);
        }
        mem_free(u.first_day);
    }
    CodedOrg *coded = mem_alloc(((size_t)u.norgs + 1) * sizeof *coded);
    *n = 0;
    for (uint32_t o = 0; o < u.norgs; o++)
        if (u.org_rows[o]) coded[(*n)++] = (CodedOrg){ orgs_code(in->orgs, o), { o, u.org_rows[o] } };
    mem_free(u.org_rows);
    *rows = u.rows;
    qsort(coded, *n, sizeof *coded, coded_org_cmp);
    UnmappedOrg *list = mem_alloc(((size_t)*n + 1) * sizeof *list);
    for (uint32_t i = 0; i < *n; i++) list[i] = coded[i].u;
    mem_free(coded);
    return list;
}

Coverage *coverage_new(const BcProgram *p)
{
    Coverage *c = mem_calloc(1, sizeof *c);
    c->commitments = mem_calloc(p->ncommits + 1u, 1);
    c->targets = mem_calloc(p->ncommits + 1u, 1);
    c->checks = mem_calloc(p->nchecks + 1u, 1);
    c->milestones = mem_calloc(p->ncommits + 1u, sizeof *c->milestones);
    for (uint16_t k = 0; k < p->ncommits; k++) c->milestones[k] = mem_calloc(p->commits[k].nmilestones + 1u, 1);
    c->arms = mem_calloc(p->nratings + 1u, sizeof *c->arms);
    for (uint16_t r = 0; r < p->nratings; r++) c->arms[r] = mem_calloc(p->ratings[r].narms + 1u, 1);
    return c;
}

void coverage_free(Coverage *c, const BcProgram *p)
{
    if (!c) return;
    for (uint16_t k = 0; k < p->ncommits; k++) mem_free(c->milestones[k]);
    for (uint16_t r = 0; r < p->nratings; r++) mem_free(c->arms[r]);
    mem_free(c->milestones);
    mem_free(c->arms);
    mem_free(c->commitments);
    mem_free(c->targets);
    mem_free(c->checks);
    mem_free(c);
}

/* ---- what each commitment's measure reads -------------------------------------- */

/* What the feeds fn reads, directly or through the functions it calls,
 * say about when a window is known: once its last day plus the longest
 * lag has passed, and, if one is a feed with vintage and no lag, once
 * every cell of that feed is published (§5). */
/* state: 0 unseen, 1 visiting, 2 done; grain: the coarsest of the feeds read */
typedef struct Reads { int32_t lag; bool awaits; uint8_t state, grain; } Reads;

static Reads reads_of(const BcProgram *p, uint32_t fn, Reads *memo)
{
    if (memo[fn].state) return memo[fn];        /* visiting: recursion, counted where it started */
    memo[fn].state = 1;
    Reads r = { 0, false, 2, GRAIN_DAY };
    const BcFunction *f = &p->fns[fn];
    for (uint32_t i = 0; i < f->ncode; i++) {
        Instr in = f->code[i];
        Reads c = { 0, false, 2, GRAIN_DAY };
        if (in.op == OP_CALL) c = reads_of(p, instr_b(in), memo);
        else if (in.op == OP_AGG) {
            const BcFeed *feed = &p->feeds[p->aggs[instr_b(in)].feed];
            c.lag = feed_lag(feed);
            c.awaits = feed_awaits_publication(feed);
            c.grain = feed->grain;
        }
        if (c.lag > r.lag) r.lag = c.lag;
        if (c.grain > r.grain) r.grain = c.grain;
        r.awaits |= c.awaits;
    }
    return memo[fn] = r;
}

bool known(Day as_of, Day last, int32_t lag) { return (int64_t)as_of >= (int64_t)last + lag; }

/* ---- evaluation ------------------------------------------------------------------ */

/* Where an item's status for a system is remembered; a national check's
 * in the row after the systems'. */
static int8_t *memo_at(Eval *e, uint32_t sys, uint32_t item)
{
    size_t row = sys == NATIONAL ? e->s->nsystems : sys;
    return &e->memo[row * e->s->nitems + item];
}

static bool vm_failed(Eval *e, VmStatus st, const char *what)
{
    if (st == VM_OK) return false;
    if (e->failed == ASSESS_OK) {
        e->failed = st == VM_LIMIT ? ASSESS_LIMIT : ASSESS_BAD_INPUT;
        const char *code = e->sys == NATIONAL ? "the round" : orgs_code(e->s->in->orgs, e->s->systems[e->sys]);
        snprintf(e->why, sizeof e->why, "%s%s, for %s: %s", st == VM_LIMIT ? "limit: " : "", what, code,
                 vm_message(e->vm));
    }
    return true;
}

static Value call(Eval *e, int32_t fn, Value window, const char *what)
{
    Value v = val_missing();
    if (fn < 0 || e->failed) return v;
    vm_failed(e, vm_call_window(e->vm, (uint32_t)fn, NULL, window, &v), what);
    return v;
}

/* The value of function fn for system sys, in window w, with what its
 * aggregates saw. An evaluation inside another (across, a metric of
 * another system) keeps its own tally. */
Value measure(Eval *e, uint32_t sys, int32_t fn, Value w, Tally *tally, const char *what)
{
    uint32_t saved_sys = e->sys;
    Tally saved = e->tally;
    size_t span_base = e->span_base, use_base = e->use_base;
    e->sys = sys;
    e->tally = (Tally){ 0 };
    e->span_base = e->spans.len;    /* the inner evaluation's entries sit above the outer's */
    e->use_base = e->uses.len;
    Value v = call(e, fn, w, what);
    if (tally) *tally = e->tally;
    e->sys = saved_sys;
    e->tally = saved;
    e->spans.len = e->span_base;
    e->uses.len = e->use_base;
    e->span_base = span_base;
    e->use_base = use_base;
    return v;
}

/* ---- completeness ------------------------------------------------------------ */

typedef struct MissingCtx { Eval *e; uint16_t feed; } MissingCtx;

static void missing_cell(void *ud, uint32_t org, Period p)
{
    MissingCtx *m = ud;
    m->e->on_missing(m->e->missing_ud, m->feed, org, p);
}

static size_t cell_hash(uint16_t k, int32_t p, size_t n)
{
    return (((uint32_t)p * 2654435761u) ^ ((uint32_t)k * 40503u)) & (n - 1);
}

/* The slot of (feed k, period p) for the system under way: in use if it
 * holds them, else empty, to be filled. */
static CellSlot *cell_slot(Eval *e, uint16_t k, int32_t p)
{
    if (e->cells_sys != e->sys) {               /* another system: forget every slot at once */
        e->cells_gen++;
        e->cells_sys = e->sys;
        e->ncells = 0;
    }
    if (2 * (e->ncells + 1) > e->ncell_slots) {   /* grow, keeping the slots in use */
        size_t n = e->ncell_slots ? 2 * e->ncell_slots : 256;
        CellSlot *slots = mem_calloc(n, sizeof *slots);
        for (size_t i = 0; i < e->ncell_slots; i++) {
            const CellSlot *o = &e->cell_slots[i];
            if (o->gen != e->cells_gen) continue;
            size_t j = cell_hash(o->feed, o->period, n);
            while (slots[j].gen == e->cells_gen) j = (j + 1) & (n - 1);
            slots[j] = *o;
        }
        mem_free(e->cell_slots);
        e->cell_slots = slots;
        e->ncell_slots = n;
    }
    size_t j = cell_hash(k, p, e->ncell_slots);
    while (e->cell_slots[j].gen == e->cells_gen && !(e->cell_slots[j].feed == k && e->cell_slots[j].period == p))
        j = (j + 1) & (e->ncell_slots - 1);
    return &e->cell_slots[j];
}

/* Adds to the tally the cells of feed k's periods [lo, hi] that the
 * evaluation's system needs, each period once per evaluation. */
static void count_cells(Eval *e, uint16_t k, int32_t lo, int32_t hi)
{
    const Shared *s = e->s;
    const FeedData *f = s->in->feeds[k];
    for (size_t i = e->spans.len; i-- > e->span_base;) {    /* the common case: the same window again */
        const CellSpan *sp = &e->spans.items[i];
        if (sp->feed == k && sp->lo <= lo && sp->hi >= hi) return;
    }
    const uint32_t *orgs = s->all_orgs;
    size_t norgs = s->norgs;
    const Hierarchy *h = NULL;
    uint32_t parent = ORG_NONE;
    if (e->sys != NATIONAL) {
        parent = s->systems[e->sys];
        if (s->by_system[k]) orgs = &s->systems[e->sys], norgs = 1;
        else h = inputs_feed_hier(s->in, k), norgs = hier_members(h, parent, &orgs);
    }
    MissingCtx m = { e, k };
    FeedCells c = { 0 };
    for (int32_t p = lo; p <= hi; p++) {
        bool counted = false;
        for (size_t i = e->span_base; i < e->spans.len && !counted; i++)
            counted = e->spans.items[i].feed == k && e->spans.items[i].lo <= p && p <= e->spans.items[i].hi;
        if (counted) continue;
        if (e->on_missing) {                    /* explain: each missing one named */
            feed_period_cells(f, p, orgs, norgs, h, parent, s->o->as_of, &c, missing_cell, &m);
            continue;
        }
        CellSlot *slot = cell_slot(e, k, p);
        if (slot->gen != e->cells_gen) {
            /* this period and the rest of the window at once: the members found once */
            FeedCells *cells = mem_calloc((size_t)(hi - p) + 1, sizeof *cells);
            feed_periods_cells(f, p, hi, orgs, norgs, h, parent, s->o->as_of, cells, NULL, NULL);
            for (int32_t q = p; q <= hi; q++) {
                slot = cell_slot(e, k, q);          /* may move the slots */
                if (slot->gen == e->cells_gen) continue;
                *slot = (CellSlot){ e->cells_gen, k, q, cells[q - p] };
                e->ncells++;
            }
            mem_free(cells);
            slot = cell_slot(e, k, p);
        }
        c.expected += slot->cells.expected;
        c.present += slot->cells.present;
    }
    vec_push(&e->spans, ((CellSpan){ k, lo, hi }));
    e->tally.expected += c.expected;
    e->tally.present += c.present;
    if (feed_awaits_publication(&s->p->feeds[k])) e->tally.awaited += c.expected - c.present;
}

Value engine_aggregate(const Shared *s, uint32_t sys, uint32_t member, uint32_t agg, Day from, Day to, uint32_t *cov)
{
    uint16_t k = s->p->aggs[agg].feed;
    const FeedData *f = s->in->feeds[k];
    if (!f) return val_missing();
    if (member != ORG_NONE) return feed_aggregate(f, agg, &member, 1, from, to, s->o->as_of, cov);
    return sys == NATIONAL ? feed_aggregate(f, agg, s->all_orgs, s->norgs, from, to, s->o->as_of, cov)
                           : feed_aggregate_system(f, agg, inputs_feed_hier(s->in, k), s->systems[sys], from, to,
                                                   s->o->as_of, cov);
}

/* engine_aggregate for each of the feed's periods lo .. hi alone. */
static void engine_aggregate_periods(const Shared *s, uint32_t sys, uint32_t agg, int32_t lo, int32_t hi,
                                     Value *out, uint32_t *cov)
{
    uint16_t k = s->p->aggs[agg].feed;
    const FeedData *f = s->in->feeds[k];
    if (sys == NATIONAL) feed_aggregate_periods(f, agg, s->all_orgs, s->norgs, lo, hi, s->o->as_of, out, cov);
    else feed_aggregate_system_periods(f, agg, inputs_feed_hier(s->in, k), s->systems[sys], lo, hi, s->o->as_of,
                                       out, cov);
}

/* Aggregate agg over period p alone for the evaluation's system, from the
 * memo when it has been asked for p - 1 just before (a series): then the
 * periods from p to the feed's last (at most 600, a series' most) are
 * worked out at once. False: ask the feed. */
static bool period_memo_get(Eval *e, uint32_t agg, int32_t p, Value *v, uint32_t *cov)
{
    const Shared *s = e->s;
    PeriodMemo *m = &e->period_memo[agg];
    if (m->sys != e->sys) *m = (PeriodMemo){ e->sys, INT32_MIN, 0, -1, m->vals, m->cov };
    bool next = m->last != INT32_MIN && p == m->last + 1;
    m->last = p;
    if (p < m->lo || p > m->hi) {
        int32_t flo, fhi;
        if (!next || !feed_periods(s->in->feeds[s->p->aggs[agg].feed], &flo, &fhi) || p < flo || p > fhi)
            return false;
        int32_t hi = fhi - p > 599 ? p + 599 : fhi;
        size_t n = (size_t)(hi - p) + 1;
        m->vals = mem_realloc(m->vals, n * sizeof *m->vals);
        m->cov = mem_realloc(m->cov, n * sizeof *m->cov);
        engine_aggregate_periods(s, e->sys, agg, p, hi, m->vals, m->cov);
        m->lo = p, m->hi = hi;
    }
    *v = m->vals[p - m->lo];
    *cov = m->cov[p - m->lo];
    return true;
}

static Value host_aggregate(void *ud, Vm *vm, uint32_t agg, Value window)
{
    Eval *e = ud;
    (void)vm;
    const Shared *s = e->s;
    uint16_t k = s->p->aggs[agg].feed;
    const FeedData *f = s->in->feeds[k];
    Day from, to;
    if (!f || !val_window_days(window, &from, &to)) return val_missing();
    uint32_t cov = 0;
    int32_t lo, hi;
    bool span = feed_window_span(f, from, to, &lo, &hi);
    Value v;
    if (!(span && lo == hi && period_memo_get(e, agg, lo, &v, &cov)))
        v = engine_aggregate(s, e->sys, ORG_NONE, agg, from, to, &cov);
    if (cov > e->tally.coverage) e->tally.coverage = cov;
    if (s->by_system[k]) e->tally.system_keyed = true;
    else e->tally.org_keyed = true, e->tally.routed |= tally_bit(s->p->feeds[k].hier);
    if (span) count_cells(e, k, lo, hi);
    return v;
}

/* v satisfies CMP threshold, with `tol` of slack towards failing (missing
 * tol: none). Missing when v or the threshold is. */
static Value satisfies(Cmp cmp, Value v, Value threshold, Value tol)
{
    if (tol.kind == V_MISSING || cmp == CMP_NE) return val_test(cmp, v, threshold);
    Value lo = val_arith(AR_SUB, threshold, tol), hi = val_arith(AR_ADD, threshold, tol);
    switch (cmp) {
    case CMP_GE: return val_test(CMP_GE, v, lo);
    case CMP_GT: return val_test(CMP_GT, v, lo);
    case CMP_LE: return val_test(CMP_LE, v, hi);
    case CMP_LT: return val_test(CMP_LT, v, hi);
    default:     return val_logic(false, val_test(CMP_GE, v, lo), val_test(CMP_LE, v, hi));
    }
}

/* `in plans.target_year`: the system's own window, the latest period its
 * plan gives in that column (several: the last; none, or national: missing).
 * A plan is read as submitted, whatever the feed's lag; with vintages, as
 * known on as_of (as its milestones are). */
Value eval_plan_window(Eval *e, const BcThreshold *t)
{
    const Shared *s = e->s;
    const FeedData *f = s->in->feeds[t->window_feed];
    if (!f || e->sys == NATIONAL) return val_missing();
    for (uint32_t g = 0; g < s->p->naggs; g++) {
        const BcAggregate *a = &s->p->aggs[g];
        if (a->feed != t->window_feed || a->column != t->window_column || a->func != AGG_MAX || a->filter >= 0)
            continue;
        Day as_of = s->p->feeds[t->window_feed].vintage_col ? s->o->as_of : INT32_MAX / 2;
        uint32_t cov, org = s->systems[e->sys];
        Value w = feed_aggregate(f, g, &org, 1, cal_day(1900, 1, 1), cal_day(2199, 12, 31), as_of, &cov);
        return w.kind == V_PERIOD ? w : val_missing();
    }
    return val_missing();
}

static ReportMark make_mark(Eval *e, const BcThreshold *t, const char *what)
{
    ReportMark m = { .cmp = t->cmp };
    m.threshold = call(e, t->value_fn, val_missing(), what);
    m.window = t->window_feed >= 0 ? eval_plan_window(e, t) : call(e, t->window_fn, val_missing(), what);
    if (!val_window_days(m.window, &m.from, &m.to)) m.from = m.to = 0;
    return m;
}

typedef struct PlanRows { uint32_t org; VEC(Period) periods; } PlanRows;

static void plan_period(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows)
{
    PlanRows *r = ud;
    (void)vintage;
    if (org != r->org || !rows) return;
    if (r->periods.len && r->periods.items[r->periods.len - 1].index == p.index) return;  /* keys are in order */
    vec_push(&r->periods, p);
}

/* A system's own milestones: one per period of its rows in the plan feed
 * (§5 `milestones = plans.col`), its value the threshold. A plan is read as
 * submitted, whatever the feed's lag; with vintages, as known on as_of. */
typedef VEC(ReportMark) MarkVec;

static void plan_marks(Eval *e, const BcCommitment *k, int32_t agg, uint32_t sys, MarkVec *out)
{
    const Shared *s = e->s;
    const FeedData *f = s->in->feeds[k->plan_feed];
    if (!f || agg < 0 || sys == NATIONAL) return;
    PlanRows r = { s->systems[sys], { 0 } };
    feed_each_key(f, plan_period, &r);
    Day as_of = s->p->feeds[k->plan_feed].vintage_col ? s->o->as_of : INT32_MAX / 2;
    for (size_t i = 0; i < r.periods.len; i++) {
        Period p = r.periods.items[i];
        ReportMark m = { .cmp = k->target.cmp, .window = val_period(p) };
        m.from = period_first_day(p);
        m.to = period_last_day(p);
        uint32_t cov;
        m.threshold = feed_aggregate(f, (uint32_t)agg, &r.org, 1, m.from, m.to, as_of, &cov);
        if (m.threshold.kind != V_MISSING) vec_push(out, m);
    }
    vec_free(&r.periods);
}

/* How many organisations were members of the system at some point of
 * [from, to] (looked at on the first day of each month). */
bool member_during(const Hierarchy *h, uint32_t member, uint32_t parent, Day from, Day to)
{
    for (Period p = period_containing(GRAIN_MONTH, from); period_first_day(p) <= to; p = period_next(p))
        if (hier_parent(h, member, period_first_day(p) < from ? from : period_first_day(p)) == parent) return true;
    return false;
}

static uint32_t members_of(const Hierarchy *h, uint32_t parent, Day from, Day to)
{
    const uint32_t *m;
    size_t n = hier_members(h, parent, &m);
    uint32_t count = 0;
    for (size_t i = 0; i < n; i++) count += member_during(h, m[i], parent, from, to);
    return count;
}

uint32_t members_in(const Shared *s, uint32_t sys, Day from, Day to, const Tally *t)
{
    if (sys == NATIONAL) return 0;
    /* the members of the hierarchies its feeds were routed through (the
     * most of any), or of the round's `assess` */
    uint32_t most = 0;
    bool any = false;
    for (uint16_t k = 0; t && k < s->p->nhiers; k++) {
        if (!(t->routed & tally_bit(k)) || !s->in->hiers[k]) continue;
        uint32_t n = members_of(s->in->hiers[k], s->systems[sys], from, to);
        if (n > most) most = n;
        any = true;
    }
    if (!t || !t->routed || (t->routed & tally_bit(-1))) {
        uint32_t n = members_of(s->h, s->systems[sys], from, to);
        if (n > most || !any) most = n;
    }
    return most;
}

static void series(Eval *e, const BcCommitment *k, int32_t fn, uint32_t sys, int32_t lag, Day end, ReportResult *r)
{
    const Shared *s = e->s;
    if (!s->any_data) return;
    VEC(ReportPoint) pts = { 0 };
    Period q = period_containing(s->series_grain[k - s->p->commits], period_first_day(s->first_data));
    for (int n = 0; n < 600 && period_first_day(q) <= end; n++, q = period_next(q)) {
        ReportPoint pt = { .window = val_period(q), .from = period_first_day(q), .to = period_last_day(q) };
        if (!known(s->o->as_of, pt.to, lag)) break;
        Tally t;
        pt.value = measure(e, sys, fn, pt.window, &t, k->name);
        if (t.awaited) break;                   /* not all published yet */
        vec_push(&pts, pt);
    }
    r->nseries = pts.len;
    r->series = arena_copy(&e->arena, pts.items, pts.len, sizeof *pts.items);
    vec_free(&pts);
}

/* How far v is past a threshold t it must satisfy with cmp, negative when
 * short: v - t for >= and >, t - v for <= and <, and for == minus the
 * distance from t (never positive: there is no beyond). Exact for exact
 * numbers; the unit is the difference's (a percent's is pp). Missing for
 * != (no line to be short of) and when either is missing. The tolerance
 * plays no part: a milestone met within it has a negative gap. */
static Value result_gap(Cmp cmp, Value v, Value t)
{
    if (!val_is_number(v) || !val_is_number(t)) return val_missing();
    switch (cmp) {
    case CMP_GE: case CMP_GT: return val_arith(AR_SUB, v, t);
    case CMP_LE: case CMP_LT: return val_arith(AR_SUB, t, v);
    case CMP_EQ: {
        bool missing;
        Value d = val_arith(AR_SUB, v, t);
        return val_compare(v, t, &missing) > 0 ? val_neg(d) : d;
    }
    default: return val_missing();
    }
}

/* What it would take (ReportNeeded): the totals of the aggregates the
 * measure's shape names, over the judged window, and the change in the
 * lever that puts the value on the judged threshold. */
static void result_needed(Eval *e, uint32_t ki, const NeededForm *f, uint32_t sys, const ReportMark *judge,
                          ReportResult *r)
{
    const Shared *s = e->s;
    if (f->shape == NEEDED_NONE) return;
    ReportNeeded *n = &r->needed;
    uint32_t cov;
    n->lever = engine_aggregate(s, sys, ORG_NONE, (uint32_t)f->lever, judge->from, judge->to, &cov);
    n->held = f->held >= 0 ? engine_aggregate(s, sys, ORG_NONE, (uint32_t)f->held, judge->from, judge->to, &cov) : val_missing();
    bool whole = f->shape != NEEDED_MEAN && n->lever.unit == T_COUNT;
    n->change = needed_change(f, (Cmp)judge->cmp, judge->threshold, n->lever, n->held, whole);
    n->grain = s->series_grain[ki];
    n->periods = 0;
    for (Period q = period_containing(n->grain, judge->from); period_first_day(q) <= judge->to && n->periods < 10000;
         q = period_next(q))
        n->periods++;
    n->per_period = f->shape == NEEDED_MEAN ? val_missing() : needed_per_period(n->change, n->periods, whole);
}

static void result_tally(ReportResult *r, const Tally *t)
{
    r->coverage = t->coverage;
    r->cells_expected = t->expected;
    r->cells_present = t->present;
    r->across_missing = t->across_missing;
    r->keyed_by_system = t->system_keyed && !t->org_keyed;
}

/* The days from the round's first (its horizon's, or the data's if it has
 * none) to `last`: the window a deadline's measure is evaluated over. */
static Value days_to(const Shared *s, Day last)
{
    Day from, to;
    if (!val_window_days(s->horizon, &from, &to)) from = period_first_day(s->first_data);
    Value w = { .kind = V_RANGE };
    w.as.range.from = period_containing(GRAIN_DAY, from);
    w.as.range.to = period_containing(GRAIN_DAY, last);
    return w;
}

Value eval_deadline_window(const Shared *s, const ReportMark *target)
{
    Day due = target->cmp == CMP_LT ? target->to - 1 : target->to;
    return days_to(s, target->threshold.kind == V_PERIOD ? s->o->as_of : due);
}

/* A deadline commitment (issue 16), judged as soon as it is decided, on
 * what is known on the as-of day. A date measure is the day the thing
 * arrived, over the days up to the as-of day: once there is one, met if
 * on or before the deadline, missed if after (its gap the days to spare,
 * negative when late). A yes/no is evaluated over the days up to the
 * deadline, so rows of a period ending after it do not count: once its
 * target holds, met. Nothing yet is not_due until the day after the
 * deadline (and the feeds' lag) and missed from then: nothing by the
 * deadline is the answer, not a missing one, so it counts as missed with or
 * without `missing = missed`. */
static void eval_deadline(Eval *e, uint32_t sys, const BcCommitment *k, const ReportMark *target, int32_t lag,
                          ReportResult *r)
{
    const Shared *s = e->s;
    Day due = target->cmp == CMP_LT ? target->to - 1 : target->to;
    bool is_date = target->threshold.kind == V_PERIOD;
    Value window = eval_deadline_window(s, target);
    Tally t = { 0 };
    Value v = measure(e, sys, k->measure, window, &t, k->name);
    Value holds = val_test((Cmp)target->cmp, v, target->threshold);
    bool arrived = is_date ? v.kind == V_PERIOD : holds.kind == V_BOOL && holds.as.boolean;
    r->window = target->window;
    r->threshold = target->threshold;
    result_tally(r, &t);
    Day from, to;
    if (val_window_days(window, &from, &to)) r->members = members_in(s, sys, from, to, &t);
    if (arrived) {
        r->value = v;
        r->judged = JUDGED_TARGET;
        r->status = holds.kind == V_BOOL && holds.as.boolean ? ST_MET : ST_MISSED;
        if (is_date) r->gap = val_duration(due - period_first_day(v.as.period));
    } else if (known(s->o->as_of, due + 1, lag)) {
        r->value = v;
        r->judged = JUDGED_TARGET;
        r->status = ST_MISSED;
        r->by_missing = v.kind == V_MISSING;
    }
}

/* The variation in force on the as-of day for system sys and a commitment
 * (kind ITEM_COMMITMENT) or check, or NULL. The file's checks allow no two
 * in force on one day for one system and rule. */
static const ReportVariation *variation_for(const Shared *s, uint32_t sys, uint8_t kind, uint32_t rule)
{
    const AssessOptions *o = s->o;
    if (sys == NATIONAL) return NULL;
    for (size_t i = 0; i < o->nvariations; i++) {
        const ReportVariation *v = &o->variations[i];
        if (v->kind != kind || v->rule != rule || o->as_of < v->agreed_on || o->as_of > v->until) continue;
        for (size_t j = 0; j < v->nsystems; j++)
            if (orgs_find(s->in->orgs, v->systems[j], strlen(v->systems[j])) == s->systems[sys]) return v;
    }
    return NULL;
}

/* Judges commitment ki for sys by the round's rule, or with v's target in
 * place of its target and milestones (the round's milestones lead to the
 * round's target; a system's own plan milestones stay). group -1: the
 * system's own result; else its result in group `group` of the
 * commitment's `by` column, the same rules over that group's measure. */
static void judge_commitment(Eval *e, uint32_t sys, uint32_t ki, int32_t group, const ReportVariation *v, ReportResult *r)
{
    const Shared *s = e->s;
    const BcCommitment *k = &s->p->commits[ki];
    int32_t fn = group < 0 ? k->measure : k->groups[group].fn;
    Value tol = k->tolerance >= 0 ? s->p->consts[k->tolerance] : val_missing();
    uint32_t saved = e->sys;
    e->sys = sys;
    ReportMark target = v ? v->target : make_mark(e, &k->target, k->name);
    MarkVec marks = { 0 };
    for (uint16_t i = 0; i < k->nmilestones && !v; i++) vec_push(&marks, make_mark(e, &k->milestones[i], k->name));
    if (k->plan_feed >= 0) plan_marks(e, k, s->plan_agg[ki], sys, &marks);
    e->sys = saved;

    int32_t lag = s->lag[ki];
    memset(r, 0, sizeof *r);
    r->status = ST_NOT_DUE;
    /* The target once its window is known, else the latest known milestone
     * (of equals, the last written). A window is known once it has ended
     * and the lag has passed; if the measure reads a feed with vintage and
     * no lag, also only once all its cells are published (§5). */
    const ReportMark *judge = NULL;
    Tally t = { 0 };
    if (k->deadline) {
        if (target.window.kind != V_MISSING) eval_deadline(e, sys, k, &target, lag, r);
    } else if (target.window.kind != V_MISSING && known(s->o->as_of, target.to, lag)) {
        r->value = measure(e, sys, fn, target.window, &t, k->name);
        if (!t.awaited) {
            judge = &target;
            r->judged = JUDGED_TARGET;
            tol = val_missing();                /* tolerance is for milestones only (§5) */
        }
    }
    uint8_t *waiting = judge || !marks.len || k->deadline ? NULL : mem_calloc(marks.len, 1);
    while (waiting) {
        for (size_t i = 0; i < marks.len; i++)
            if (!waiting[i] && marks.items[i].window.kind != V_MISSING && known(s->o->as_of, marks.items[i].to, lag)
                && (!judge || marks.items[i].to >= judge->to)) {
                judge = &marks.items[i];
                r->milestone = (int32_t)i;
            }
        if (!judge) break;
        r->value = measure(e, sys, fn, judge->window, &t, k->name);
        if (!t.awaited) {
            r->judged = JUDGED_MILESTONE;
            break;
        }
        waiting[r->milestone] = 1;              /* not all published yet: an earlier one may be */
        judge = NULL;
    }
    mem_free(waiting);
    if (!judge && !k->deadline) r->value = val_missing(), r->milestone = 0;
    /* a target whose date the system's plan does not give can never fall due */
    if (!judge && !v && k->target.window_feed >= 0 && target.window.kind == V_MISSING) {
        r->status = ST_NO_DATA;
        r->no_plan_date = 1;
    }
    if (judge) {
        r->window = judge->window;
        r->threshold = judge->threshold;
        result_tally(r, &t);
        r->members = members_in(s, sys, judge->from, judge->to, &t);
        r->gap = result_gap((Cmp)judge->cmp, r->value, judge->threshold);
        Value ok = satisfies((Cmp)judge->cmp, r->value, judge->threshold, tol);
        bool target_judged = r->judged == JUDGED_TARGET;
        r->status = ok.kind != V_BOOL ? ST_NO_DATA
                  : ok.as.boolean ? (target_judged ? ST_MET : ST_ON_TRACK) : (target_judged ? ST_MISSED : ST_OFF_TRACK);
        /* `missing = missed`: a due window without a value counts against the system
         * (missed at the target, off_track at a milestone) */
        if (r->status == ST_NO_DATA && k->missing && r->value.kind == V_MISSING) {
            r->status = target_judged ? ST_MISSED : ST_OFF_TRACK;
            r->by_missing = 1;
        }
        if (r->status == ST_MISSED || r->status == ST_OFF_TRACK) {
            NeededForm nf = group < 0 ? s->needed[ki] : needed_form(s->p, (uint32_t)fn);
            result_needed(e, ki, &nf, sys, judge, r);
        }
    }
    Coverage *cov = group < 0 ? s->o->coverage : NULL;
    if (cov) {
        cov->commitments[ki] = 1;
        if (r->judged == JUDGED_TARGET) cov->targets[ki] = 1;
        if (r->judged == JUDGED_MILESTONE && r->milestone < k->nmilestones) cov->milestones[ki][r->milestone] = 1;
    }
    if (s->o->series && sys != NATIONAL && !k->deadline && group < 0) {   /* a deadline is one day: no series */
        series(e, k, fn, sys, lag, target.window.kind != V_MISSING ? target.to : 0, r);
        spc_chart(r->series, r->nseries, &target, &e->arena, &r->spc);
    }
    r->nmarks = marks.len;
    r->marks = arena_copy(&e->arena, marks.items, marks.len, sizeof *marks.items);
    vec_free(&marks);
}

/* Notes the variation a result was judged under, and what the round's rule
 * gave: an exemption keeps the value and the judgement, its status exempt. */
static void note_variation(const Shared *s, const ReportVariation *v, uint8_t unvaried, ReportResult *r)
{
    r->varied = (uint32_t)(v - s->o->variations) + 1;
    r->unvaried = unvaried;
    if (v->exempt) r->status = ST_EXEMPT;
}

/* Judges by the round's rule, then under v if one is in force; a group is
 * judged under its system's variation. */
static void judge_varied(Eval *e, uint32_t sys, uint32_t ki, int32_t group, const ReportVariation *v, ReportResult *r)
{
    judge_commitment(e, sys, ki, group, NULL, r);
    if (!v) return;
    uint8_t unvaried = r->status;
    if (!v->exempt) judge_commitment(e, sys, ki, group, v, r);
    note_variation(e->s, v, unvaried, r);
}

/* Where a result goes in the report: its system's row and its item, and so
 * its groups' (they are judged before the caller knows the row). */
static void result_place(ReportResult *r, uint32_t system, uint32_t item)
{
    r->system = system;
    r->item = item;
    for (uint32_t g = 0; g < r->ngroups; g++) r->groups[g].system = system, r->groups[g].item = item;
}

void eval_commitment(Eval *e, uint32_t sys, uint32_t ki, ReportResult *r)
{
    const BcCommitment *k = &e->s->p->commits[ki];
    const ReportVariation *v = variation_for(e->s, sys, ITEM_COMMITMENT, ki);
    judge_varied(e, sys, ki, -1, v, r);
    if (!k->ngroups || k->by_feed < 0 || k->by_column < 0 || sys == NATIONAL) return;
    /* the system's own result stays as it is; each group's is under it */
    r->groups = arena_alloc(&e->arena, (size_t)k->ngroups * sizeof *r->groups);
    r->ngroups = k->ngroups;
    for (uint16_t g = 0; g < k->ngroups && !e->failed; g++) {
        judge_varied(e, sys, ki, g, v, &r->groups[g]);
        r->groups[g].group = g;
    }
}

/* A side of a comparison kept in the report: a text copied out of the
 * VM's and the feeds' memory; a list (the checker allows none) dropped. */
static Value kept_side(Eval *e, Value v)
{
    if (v.kind == V_LIST) return val_missing();
    if (v.kind != V_TEXT) return v;
    char *copy = arena_alloc(&e->arena, (size_t)v.as.text.len + 1);
    memcpy(copy, v.as.text.bytes, v.as.text.len);
    v.as.text.bytes = copy;
    return v;
}

/* The VM's observer while a check's condition is evaluated: each comparison
 * of the condition's own code, with its sides (vm.h). */
static void note_operands(void *ud, const Instr *in, uint32_t pc, Value result, Value window, const Value *sides)
{
    Eval *e = ud;
    (void)pc, (void)result, (void)window;
    if (!sides) return;
    vec_push(&e->operands, ((ReportOperands){ kept_side(e, sides[0]), (uint8_t)(CMP_EQ + (in->op - OP_EQ)),
                                              kept_side(e, sides[1]) }));
}

static void judge_check(Eval *e, uint32_t sys, uint32_t ci, int32_t group, ReportResult *r);

/* A check can only be exempted: it has no threshold to vary. A check `by`
 * a column is judged for the system as before, and in each group under it
 * (as a commitment is); an exemption exempts its groups too. */
void eval_check(Eval *e, uint32_t sys, uint32_t ci, ReportResult *r)
{
    const BcCheck *c = &e->s->p->checks[ci];
    const ReportVariation *v = variation_for(e->s, sys, ITEM_CHECK, ci);
    judge_check(e, sys, ci, -1, r);
    if (v) note_variation(e->s, v, r->status, r);
    if (!c->ngroups || c->by_feed < 0 || c->by_column < 0 || sys == NATIONAL) return;
    r->groups = arena_alloc(&e->arena, (size_t)c->ngroups * sizeof *r->groups);
    r->ngroups = c->ngroups;
    for (uint16_t g = 0; g < c->ngroups && !e->failed; g++) {
        judge_check(e, sys, ci, g, &r->groups[g]);
        if (v) note_variation(e->s, v, r->groups[g].status, &r->groups[g]);
        r->groups[g].group = g;
    }
}

static void judge_check(Eval *e, uint32_t sys, uint32_t ci, int32_t group, ReportResult *r)
{
    const Shared *s = e->s;
    const BcCheck *c = &s->p->checks[ci];
    int32_t fn = group < 0 ? c->require : c->groups[group].fn;
    memset(r, 0, sizeof *r);
    r->judged = JUDGED_CHECK;
    r->window = s->horizon;
    Tally t;
    /* the comparisons are kept only from a check judged for itself, not
     * one whose status another evaluation asked for */
    bool observe = !vm_running(e->vm);
    if (observe) {
        e->operands.len = 0;
        vm_set_observer(e->vm, note_operands, e);
    }
    r->value = measure(e, sys, fn, s->horizon, &t, c->name);
    if (observe) {
        vm_set_observer(e->vm, NULL, NULL);
        r->noperands = e->operands.len;
        r->operands = arena_copy(&e->arena, e->operands.items, e->operands.len, sizeof *e->operands.items);
    }
    result_tally(r, &t);
    Day from, to;
    if (val_window_days(s->horizon, &from, &to)) r->members = members_in(s, sys, from, to, &t);
    r->status = r->value.kind != V_BOOL ? ST_NO_DATA : r->value.as.boolean ? ST_PASS : ST_FAIL;
    if (r->status == ST_NO_DATA && c->missing && r->value.kind == V_MISSING) {   /* `missing = fail` */
        r->status = ST_FAIL;
        r->by_missing = 1;
    }
    if (s->o->coverage) s->o->coverage->checks[ci] = 1;
}

/* Whether item (commitments, then checks, as in Shared.nitems) is judged
 * once for the round: a national check or a national commitment. */
static bool item_national(const BcProgram *p, uint32_t item)
{
    return item < p->ncommits ? p->commits[item].national : p->checks[item - p->ncommits].national;
}

/* Item `item`'s result for a system (commitments, then checks, as in
 * Shared.nitems). */
static void eval_item(Eval *e, uint32_t sys, uint32_t item, ReportResult *r)
{
    uint32_t nk = e->s->p->ncommits;
    if (item < nk) eval_commitment(e, sys, item, r);
    else eval_check(e, sys, item - nk, r);
}

/* An item's status for a system, worked out once per thread. A national
 * check or commitment has one status, the round's, whichever system asks. */
static Status item_status(Eval *e, uint32_t sys, uint32_t item)
{
    if (item_national(e->s->p, item)) sys = NATIONAL;
    else if (sys == NATIONAL) return ST_NO_DATA;
    int8_t *m = memo_at(e, sys, item);
    if (*m > 0) return (Status)(*m - 1);
    if (*m < 0) return ST_NO_DATA;          /* an item that needs its own status: the checker forbids it */
    *m = -1;
    ReportResult r;
    eval_item(e, sys, item, &r);
    *memo_at(e, sys, item) = (int8_t)(r.status + 1);
    return (Status)r.status;
}

/* A system's status in group g of an item judged by group, as its result
 * holds it (a commitment's groups now; a check's when its result has
 * them): missing when the result has no such group. */
static Value group_status(Eval *e, uint32_t sys, uint32_t item, int64_t g)
{
    ReportResult r;
    eval_item(e, sys, item, &r);
    return g >= 0 && g < r.ngroups ? val_status(r.groups[g].status) : val_missing();
}

static bool in_statuses(Value set, Status st)
{
    if (set.kind == V_STATUS) return set.status == st;
    if (set.kind == V_STATUSES) return (set.status >> st) & 1;
    return false;
}

static Value int_value(int64_t n) { return val_num(num_int(n), T_COUNT); }

static int64_t arg_int(const Value *args, unsigned n, unsigned i)
{
    return i < n && args[i].kind == V_NUM ? args[i].as.num.n : -1;
}

/* across(EXPR): EXPR for every system of the round, once per window. */
static Value across(Eval *e, uint32_t fn, Value window)
{
    size_t at = 0;
    while (at < e->across.len && !(e->across.items[at].fn == fn && val_equal(e->across.items[at].window, window))) at++;
    if (at == e->across.len) {
        const Shared *s = e->s;
        ValList *l = arena_alloc(&e->arena, sizeof *l + ((size_t)s->nsystems + 1) * sizeof(Value));
        uint32_t missing = 0;
        for (uint32_t i = 0; i < s->nsystems && !e->failed; i++) {
            l->items[l->len] = measure(e, i, (int32_t)fn, window, NULL, s->p->fns[fn].name);
            missing += l->items[l->len++].kind == V_MISSING;
        }
        Value list = { .kind = V_LIST, .unit = s->p->fns[fn].result };
        list.as.list = l;
        vec_push(&e->across, ((AcrossMemo){ fn, window, list, missing }));
    }
    /* the systems with no value count once per list the evaluation reads */
    bool used = false;
    for (size_t i = e->use_base; i < e->uses.len && !used; i++) used = e->uses.items[i].memo == at;
    if (!used) {
        vec_push(&e->uses, ((AcrossUse){ (uint32_t)at }));
        e->tally.across_missing += e->across.items[at].missing;
    }
    return e->across.items[at].list;
}

/* series(M, W): M in each period of W, at the grain W is written in (a
 * range of months gives months, of years years). At most MAX_SERIES points. */
enum { MAX_SERIES = 1200 };

static Value series_of(Eval *e, uint32_t fn, Value window)
{
    Period from, to;
    if (window.kind == V_PERIOD) from = to = window.as.period;
    else if (window.kind == V_RANGE) from = window.as.range.from, to = window.as.range.to;
    else return val_missing();
    if (from.grain != to.grain) to = period_containing(from.grain, period_last_day(to));
    uint32_t n = 0;
    for (Period p = from; p.index <= to.index && n < MAX_SERIES; p = period_next(p)) n++;
    ValList *l = arena_alloc(&e->arena, sizeof *l + ((size_t)n + 1) * sizeof(Value));
    Period p = from;
    for (uint32_t i = 0; i < n && !e->failed; i++, p = period_next(p)) {
        /* the same system: its cells and coverage count for the caller's */
        l->items[l->len++] = call(e, (int32_t)fn, val_period(p), e->s->p->fns[fn].name);
    }
    Value list = { .kind = V_LIST, .unit = e->s->p->fns[fn].result };
    list.as.list = l;
    return list;
}

static int32_t eval_rating(Eval *e, uint32_t sys, uint32_t ri);

static Value host_call(void *ud, Vm *vm, HostFn fn, const Value *args, unsigned n)
{
    Eval *e = ud;
    const Shared *s = e->s;
    uint32_t nk = s->p->ncommits;
    switch (fn) {
    case HOST_ITEM_STATUS: {
        int64_t kind = arg_int(args, n, 0), index = arg_int(args, n, 1);
        bool national = index >= 0 && ((kind == 0 && index < nk && s->p->commits[index].national) ||
                                       (kind == 1 && index < s->p->nchecks && s->p->checks[index].national));
        if (index < 0 || (e->sys == NATIONAL && !national)) return val_missing();
        if (kind == 0 && index < nk) return val_status(item_status(e, e->sys, (uint32_t)index));
        if (kind == 1 && index < s->p->nchecks) return val_status(item_status(e, e->sys, nk + (uint32_t)index));
        return val_missing();
    }
    case HOST_ACROSS: {
        int64_t f = arg_int(args, n, 0);
        if (f < 0 || f >= s->p->nfns) return val_missing();
        return across(e, (uint32_t)f, vm_current_window(vm));
    }
    case HOST_SERIES: {
        int64_t f = arg_int(args, n, 0);
        if (f < 0 || f >= s->p->nfns || n < 2) return val_missing();
        return series_of(e, (uint32_t)f, args[1]);
    }
    case HOST_CLASS_COUNT: case HOST_CLASS_SHARE: {
        int64_t cls = arg_int(args, n, 0);
        if (e->sys == NATIONAL) return val_missing();
        int64_t all = 0, with = 0;
        for (uint32_t k = 0; k < nk && !e->failed; k++) {
            if (s->p->commits[k].cls != cls || s->p->commits[k].national) continue;   /* a system's own */
            Status st = item_status(e, e->sys, k);
            /* an exempted commitment does not apply to the system: out of the count
             * and the share, unless exempt is asked for (docs/decisions.md) */
            if (st == ST_EXEMPT && !(n >= 2 && in_statuses(args[1], ST_EXEMPT))) continue;
            all++;
            with += n < 2 || in_statuses(args[1], st);
        }
        if (fn == HOST_CLASS_COUNT) return int_value(with);
        if (!all) return val_missing();
        Value share = val_arith(AR_DIV, int_value(with), int_value(all));
        share.unit = T_PERCENT;
        return share;
    }
    case HOST_ITEM_FOR: {
        /* (kind, index, system) or, for one group, (kind, index, group, system) */
        int64_t kind = arg_int(args, n, 0), index = arg_int(args, n, 1), group = n == 4 ? arg_int(args, n, 2) : -1;
        const Value *code = &args[n - 1];
        if (n < 3 || code->kind != V_TEXT || index < 0) return val_missing();
        if (kind == 1 && index < s->p->nchecks && s->p->checks[index].national)    /* the old form: the system is ignored */
            return val_status(item_status(e, NATIONAL, nk + (uint32_t)index));
        uint32_t org = orgs_find(s->in->orgs, code->as.text.bytes, code->as.text.len);
        uint32_t sys = NATIONAL;
        for (uint32_t i = 0; i < s->nsystems; i++)
            if (s->systems[i] == org) sys = i;
        if (sys == NATIONAL) return val_missing();
        if (group >= 0 && kind == 0 && index < nk) return group_status(e, sys, (uint32_t)index, group);
        if (group >= 0 && kind == 1 && index < s->p->nchecks) return group_status(e, sys, nk + (uint32_t)index, group);
        if (group >= 0) return val_missing();
        if (kind == 0 && index < nk) return val_status(item_status(e, sys, (uint32_t)index));
        if (kind == 1 && index < s->p->nchecks) return val_status(item_status(e, sys, nk + (uint32_t)index));
        if (kind == 2 && index < s->p->nfns) return measure(e, sys, (int32_t)index, vm_current_window(vm), NULL, "a metric");
        if (kind == 3 && index < s->p->nratings) {
            int32_t arm = eval_rating(e, sys, (uint32_t)index);
            const char *label = arm >= 0 ? s->p->ratings[index].arms[arm].label : NULL;
            return label ? val_text(label, (uint32_t)strlen(label)) : val_missing();
        }
        return val_missing();
    }
    default:
        return val_missing();
    }
}

void eval_init(Eval *e, const Shared *s)
{
    memset(e, 0, sizeof *e);
    e->s = s;
    e->vm = vm_new(s->p, s->o->limits, s->o->allowed, s->o->nallowed);
    vm_set_host(e->vm, (VmHost){ e, host_aggregate, host_call });
    e->memo = mem_calloc(((size_t)s->nsystems + 1) * s->nitems + 1, 1);   /* and a row for national checks */
    e->cells_gen = 1;                       /* calloc'd slots (gen 0) are empty */
    e->cells_sys = UINT32_MAX - 1;          /* no system yet (NATIONAL is UINT32_MAX) */
    e->period_memo = mem_calloc(s->p->naggs + 1u, sizeof *e->period_memo);
    for (uint32_t g = 0; g < s->p->naggs; g++) e->period_memo[g].sys = UINT32_MAX - 1;
}

void eval_free(Eval *e)
{
    vm_free(e->vm);
    mem_free(e->memo);
    vec_free(&e->across);
    vec_free(&e->spans);
    vec_free(&e->uses);
    vec_free(&e->operands);
    mem_free(e->cell_slots);
    for (uint32_t g = 0; e->period_memo && g < e->s->p->naggs; g++) {
        mem_free(e->period_memo[g].vals);
        mem_free(e->period_memo[g].cov);
    }
    mem_free(e->period_memo);
    arena_free(&e->arena);
}

/* Which arm of rating ri a system gets: the first whose condition holds
 * (-1: none). */
static int32_t eval_rating(Eval *e, uint32_t sys, uint32_t ri)
{
    const BcRating *rt = &e->s->p->ratings[ri];
    Coverage *cov = e->s->o->coverage;
    for (uint16_t a = 0; a < rt->narms && !e->failed; a++) {
        bool taken = rt->arms[a].when < 0;
        if (!taken) {
            Value v = measure(e, sys, rt->arms[a].when, e->s->horizon, NULL, rt->name);
            taken = v.kind == V_BOOL && v.as.boolean;
        }
        if (!taken) continue;
        if (cov) cov->arms[ri][a] = 1;
        return a;
    }
    return -1;
}

/* ---- the run --------------------------------------------------------------------- */

/* The report's item index of check k (national checks come after the others). */
static uint32_t check_item(const BcProgram *p, uint16_t k)
{
    uint32_t at = p->ncommits;
    bool national = p->checks[k].national;
    if (national)
        for (uint16_t i = 0; i < p->nchecks; i++) at += !p->checks[i].national;
    for (uint16_t i = 0; i < k; i++) at += p->checks[i].national == national;
    return at;
}

typedef struct Job {
    const Shared *s;
    const uint32_t *chosen;     /* indices into s->systems, in report order */
    uint32_t nchosen, first, step;
    ReportResult *results;      /* [chosen][items except national ones] */
    uint32_t nlocal;            /* items per system */
    int32_t *arms;              /* [chosen][ratings]: the arm that held, or -1 */
    Eval e;
    uint32_t failed_at;         /* the chosen index of the first failure */
    MemContext *from;           /* the calling thread's allocator */
    bool     oom;               /* ran out of memory (raised again once all are joined) */
    size_t   oom_size;
} Job;

static void job_work(void *arg);

/* Every share, the caller's included, runs guarded: a jump may not leave a
 * thread, nor leave the call while other threads still work. */
static void *run_job(void *arg)
{
    Job *j = arg;
    j->oom = !mem_guard(j->from, job_work, j, &j->oom_size);
    return NULL;
}

static void job_work(void *arg)
{
    Job *j = arg;
    const Shared *s = j->s;
    eval_init(&j->e, s);
    j->failed_at = UINT32_MAX;
    uint32_t nk = s->p->ncommits;
    for (uint32_t c = j->first; c < j->nchosen; c += j->step) {
        uint32_t sys = j->chosen[c];
        ReportResult *row = &j->results[(size_t)c * j->nlocal];
        uint32_t col = 0;
        for (uint32_t k = 0; k < nk && !j->e.failed; k++) {
            if (s->p->commits[k].national) continue;
            eval_commitment(&j->e, sys, k, &row[col]);
            result_place(&row[col++], c, k);
            *memo_at(&j->e, sys, k) = (int8_t)(row[col - 1].status + 1);
        }
        for (uint32_t k = 0; k < s->p->nchecks && !j->e.failed; k++) {
            if (s->p->checks[k].national) continue;
            eval_check(&j->e, sys, k, &row[col]);
            result_place(&row[col++], c, check_item(s->p, k));
            *memo_at(&j->e, sys, nk + k) = (int8_t)(row[col - 1].status + 1);
        }
        for (uint32_t ri = 0; ri < s->p->nratings && !j->e.failed; ri++)
            j->arms[(size_t)c * s->p->nratings + ri] = eval_rating(&j->e, sys, ri);
        vm_reset(j->e.vm);
        if (j->e.failed) { j->failed_at = c; break; }
    }
    return;
}

static const char *keep_str(Report *out, const char *s) { return s ? arena_strndup(&out->arena, s, strlen(s)) : NULL; }

/* "plans.target_year": where a threshold's window comes from each
 * system's plan (`in plans.target_year`); NULL for a written window. */
static const char *plan_text(Report *out, const BcProgram *p, const BcThreshold *t)
{
    if (t->window_feed < 0) return NULL;
    const BcFeed *f = &p->feeds[t->window_feed];
    return arena_printf(&out->arena, "%s.%s", f->name, f->columns[t->window_column].name);
}

/* A commitment's or check's `by = feed.column` and its groups' labels, in
 * the report's item; nothing without `by`. */
static void item_by(Report *out, const BcProgram *p, ReportItem *it, int32_t by_feed, int32_t by_column,
                    const BcGroup *groups, uint16_t ngroups)
{
    if (by_feed < 0 || by_column < 0) return;
    const BcFeed *bf = &p->feeds[by_feed];
    it->by = arena_printf(&out->arena, "%s.%s", bf->name, bf->columns[by_column].name);
    it->ngroups = ngroups;
    it->groups = arena_alloc(&out->arena, ((size_t)ngroups + 1) * sizeof *it->groups);
    for (uint16_t g = 0; g < ngroups; g++) it->groups[g] = keep_str(out, groups[g].label);
}

/* A text value's bytes, out of a thread's arena into the report's. */
static void keep_text(Report *out, Value *v)
{
    if (v->kind == V_TEXT) v->as.text.bytes = arena_strndup(&out->arena, v->as.text.bytes, v->as.text.len);
}

static void report_inputs(const Inputs *in, bool hashes, Report *out)
{
    const BcProgram *p = in->p;
    out->inputs = arena_alloc(&out->arena, ((size_t)p->nfeeds + p->nhiers + 1) * sizeof *out->inputs);
    for (uint16_t k = 0; k < p->nhiers; k++) {
        if (!in->hiers[k]) continue;
        ReportInput *ri = &out->inputs[out->ninputs++];
        ri->name = keep_str(out, p->hiers[k].name);
        ri->kind = "hierarchy";
        ri->path = keep_str(out, in->hier_sources[k].name);
        ri->rows = hier_link_count(in->hiers[k]);
        if (hashes) input_sha256(in, k, in->hier_sources[k], ri->sha256);
    }
    for (uint16_t k = 0; k < p->nfeeds; k++) {
        if (!in->feeds[k]) continue;
        ReportInput *ri = &out->inputs[out->ninputs++];
        ri->name = keep_str(out, p->feeds[k].name);
        ri->kind = "feed";
        ri->path = keep_str(out, in->feed_sources[k].name);
        ri->rows = feed_stats(in->feeds[k])->rows;
        ri->skipped_rows = feed_stats(in->feeds[k])->skipped;
        mem_free(inputs_unmapped(in, k, &ri->unmapped_rows, &ri->unmapped_orgs));
        if (hashes) input_sha256(in, (size_t)p->nhiers + k, in->feed_sources[k], ri->sha256);
    }
}

static void report_items(const Shared *s, Eval *e, Report *out)
{
    const BcProgram *p = s->p;
    out->items = arena_alloc(&out->arena, ((size_t)s->nitems + 1) * sizeof *out->items);
    for (uint16_t k = 0; k < p->ncommits; k++) {
        const BcCommitment *c = &p->commits[k];
        ReportItem *it = &out->items[out->nitems++];
        it->id = keep_str(out, c->name);
        it->title = keep_str(out, c->title);
        it->source = keep_str(out, c->source);
        it->doc = keep_str(out, c->doc);
        it->kind = ITEM_COMMITMENT;
        it->national = c->national;
        it->cls = c->cls;
        it->measure = keep_str(out, p->fns[c->measure].name);
        e->sys = NATIONAL;
        it->target = make_mark(e, &c->target, c->name);
        it->target.plan = plan_text(out, p, &c->target);
        it->tolerance = c->tolerance >= 0 ? p->consts[c->tolerance] : val_missing();
        it->nmilestones = c->nmilestones;
        it->milestones = arena_alloc(&out->arena, ((size_t)c->nmilestones + 1) * sizeof *it->milestones);
        for (uint16_t i = 0; i < c->nmilestones; i++) {
            it->milestones[i] = make_mark(e, &c->milestones[i], c->name);
            it->milestones[i].plan = plan_text(out, p, &c->milestones[i]);
        }
        it->plan_milestones = c->plan_feed >= 0;
        it->deadline = c->deadline;
        item_by(out, p, it, c->by_feed, c->by_column, c->groups, c->ngroups);
        const NeededForm *nf = &s->needed[k];
        it->needed_shape = needed_shape_name[nf->shape];
        it->needed_reason = nf->reason;
        if (nf->shape != NEEDED_NONE) {
            char buf[256];
            bc_agg_text(p, (uint32_t)nf->lever, buf, sizeof buf);
            it->needed_of = keep_str(out, buf);
            if (nf->held >= 0) {
                bc_agg_text(p, (uint32_t)nf->held, buf, sizeof buf);
                it->needed_held = keep_str(out, buf);
            }
        }
    }
    for (int national = 0; national < 2; national++)
        for (uint16_t k = 0; k < p->nchecks; k++) {
            const BcCheck *c = &p->checks[k];
            if (c->national != national) continue;
            ReportItem *it = &out->items[out->nitems++];
            it->id = keep_str(out, c->name);
            it->title = keep_str(out, c->title);
            it->message = keep_str(out, c->message);
            it->doc = keep_str(out, c->doc);
            it->kind = national ? ITEM_NATIONAL_CHECK : ITEM_CHECK;
            it->national = national;
            item_by(out, p, it, c->by_feed, c->by_column, c->groups, c->ngroups);
        }
}

void shared_init(Shared *s, const Inputs *in, const AssessOptions *o)
{
    const BcProgram *p = in->p;
    *s = (Shared){ .in = in, .o = o, .p = p, .h = in->assess };
    s->nitems = (uint32_t)p->ncommits + p->nchecks;
    s->horizon = p->round.horizon >= 0 ? p->consts[p->round.horizon] : val_missing();
    if (s->h) {
        s->nsystems = hier_parent_count(s->h);
        s->systems = mem_alloc(((size_t)s->nsystems + 1) * sizeof *s->systems);
        for (uint32_t i = 0; i < s->nsystems; i++) s->systems[i] = hier_parent_at(s->h, i);   /* by code */
    } else {
        s->systems = mem_alloc(sizeof *s->systems);
    }
    s->norgs = orgs_count(in->orgs);
    s->all_orgs = mem_alloc(((size_t)s->norgs + 1) * sizeof *s->all_orgs);
    for (uint32_t i = 0; i < s->norgs; i++) s->all_orgs[i] = i;
    Reads *reads = mem_calloc((size_t)p->nfns + 1, sizeof *reads);
    s->lag = mem_calloc(p->ncommits + 1u, sizeof *s->lag);
    s->awaits = mem_calloc(p->ncommits + 1u, sizeof *s->awaits);
    s->plan_agg = mem_calloc(p->ncommits + 1u, sizeof *s->plan_agg);
    s->series_grain = mem_calloc(p->ncommits + 1u, sizeof *s->series_grain);
    s->needed = mem_calloc(p->ncommits + 1u, sizeof *s->needed);
    /* the plain means a plan's milestones may read: a few, where a scan of
     * every aggregate per commitment was quadratic in a large round */
    VEC(uint32_t) means = { 0 };
    for (uint32_t g = 0; g < p->naggs; g++)
        if (p->aggs[g].func == AGG_MEAN && p->aggs[g].filter < 0 && p->aggs[g].pub == PUB_LATEST) vec_push(&means, g);
    for (uint16_t k = 0; k < p->ncommits; k++) {
        const BcCommitment *c = &p->commits[k];
        s->needed[k] = needed_form(p, (uint32_t)c->measure);
        Reads rd = reads_of(p, (uint32_t)c->measure, reads);
        s->lag[k] = rd.lag;
        s->awaits[k] = rd.awaits;
        s->series_grain[k] = rd.grain <= GRAIN_MONTH ? GRAIN_MONTH : GRAIN_QUARTER;
        s->plan_agg[k] = -1;
        for (size_t m = 0; m < means.len && c->plan_feed >= 0; m++) {
            uint32_t g = means.items[m];
            if (p->aggs[g].feed == c->plan_feed && p->aggs[g].column == c->plan_column) s->plan_agg[k] = (int32_t)g;
        }
    }
    vec_free(&means);
    mem_free(reads);
    /* a feed keyed by the systems themselves (a plan): a system's cells are its own */
    s->by_system = mem_calloc((size_t)p->nfeeds + 1, sizeof *s->by_system);
    for (uint16_t k = 0; k < p->nfeeds && s->h; k++)
        for (uint32_t i = 0; i < s->nsystems && in->feeds[k] && !s->by_system[k]; i++)
            s->by_system[k] = feed_has_org(in->feeds[k], s->systems[i]);
    for (uint16_t k = 0; k < p->nfeeds; k++) {
        const FeedStats *st = in->feeds[k] ? feed_stats(in->feeds[k]) : NULL;
        if (!st || !st->periods) continue;
        if (!s->any_data || period_first_day(st->first) < period_first_day(s->first_data)) s->first_data = st->first;
        s->any_data = true;
    }

}

void shared_free(Shared *s)
{
    mem_free(s->systems);
    mem_free(s->all_orgs);
    mem_free(s->lag);
    mem_free(s->awaits);
    mem_free(s->by_system);
    mem_free(s->plan_agg);
    mem_free(s->series_grain);
    mem_free(s->needed);
}

AssessStatus assess_value(const Inputs *in, const AssessOptions *o, uint32_t fn, Value *out, char *shown,
                          size_t shown_cap, char *why, size_t whycap)
{
    Shared s;
    Eval e;
    shared_init(&s, in, o);
    eval_init(&e, &s);
    Value v = measure(&e, NATIONAL, (int32_t)fn, s.horizon, NULL, in->p->fns[fn].name);
    AssessStatus rc = e.failed;
    if (rc != ASSESS_OK) snprintf(why, whycap, "%s", e.why);
    val_format(v, false, shown, shown_cap);
    *out = v.kind == V_BOOL || v.kind == V_STATUS ? v : val_missing();     /* nothing that points into the VM */
    eval_free(&e);
    shared_free(&s);
    return rc;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

/* One assess_run: what its steps share. */
typedef struct Run {
    const Inputs *in;
    const AssessOptions *o;
    const BcProgram *p;
    Shared s;
    uint32_t *chosen, nchosen;  /* indices into s.systems, in code order */
    uint32_t nlocal, nnational; /* items per system; national commitments and checks */
    ReportResult *results;      /* [chosen][local items], then the national items */
    int32_t *arms;              /* [chosen][ratings] */
    Job *jobs;                  /* one per thread; jobs[0] ran on this one */
    unsigned nthreads;
    char *why;
    size_t whycap;
} Run;

/* The systems reported: all, or those named, in code order. A name that is
 * no system is a usage error. */
static AssessStatus choose_systems(Run *r)
{
    const Shared *s = &r->s;
    const AssessOptions *o = r->o;
    const Orgs *orgs = r->in->orgs;
    r->chosen = mem_alloc(((size_t)s->nsystems + 1) * sizeof *r->chosen);
    for (uint32_t i = 0; i < s->nsystems; i++) {
        bool want = o->nsystems == 0;
        for (size_t k = 0; k < o->nsystems && !want; k++) want = strcmp(o->systems[k], orgs_code(orgs, s->systems[i])) == 0;
        if (want) r->chosen[r->nchosen++] = i;
    }
    for (size_t k = 0; k < o->nsystems; k++) {
        bool found = false;
        for (uint32_t i = 0; i < s->nsystems && !found; i++) found = strcmp(o->systems[k], orgs_code(orgs, s->systems[i])) == 0;
        if (!found) {
            why_say(r->why, r->whycap, "no system `%s` in hierarchy `%s`", o->systems[k],
                    r->p->round.assess >= 0 ? r->p->hiers[r->p->round.assess].name
                                            : "(none: the round has no `assess`)");
            return ASSESS_USAGE;
        }
    }
    return ASSESS_OK;
}

/* Every chosen system's commitments, checks and ratings, the systems dealt
 * round the threads (this one included). The failure reported is the first
 * in report order, whichever thread met it. */
static AssessStatus evaluate_systems(Run *r)
{
    const BcProgram *p = r->p;
    for (uint32_t i = 0; i < r->s.nitems; i++) r->nnational += item_national(p, i);
    r->nlocal = r->s.nitems - r->nnational;
    r->results = mem_calloc((size_t)r->nchosen * r->nlocal + r->nnational + 1, sizeof *r->results);
    r->arms = mem_calloc((size_t)r->nchosen * p->nratings + 1, sizeof *r->arms);
    unsigned nthreads = r->o->threads ? r->o->threads : default_threads();
    if (nthreads > r->nchosen) nthreads = r->nchosen ? r->nchosen : 1;
    r->nthreads = nthreads;
    r->jobs = mem_calloc(nthreads, sizeof *r->jobs);
    for (unsigned t = 0; t < nthreads; t++)
        r->jobs[t] = (Job){ .s = &r->s, .chosen = r->chosen, .nchosen = r->nchosen, .first = t,
                            .step = nthreads, .results = r->results, .nlocal = r->nlocal, .arms = r->arms,
                            .from = mem_current() };
    pthread_t *tids = mem_calloc(nthreads, sizeof *tids);
    bool *started = mem_calloc(nthreads, sizeof *started);
    for (unsigned t = 1; t < nthreads; t++) started[t] = pthread_create(&tids[t], NULL, run_job, &r->jobs[t]) == 0;
    run_job(&r->jobs[0]);
    for (unsigned t = 1; t < nthreads; t++) {
        if (started[t]) pthread_join(tids[t], NULL);
        else run_job(&r->jobs[t]);     /* no thread to be had: do its share here */
    }
    mem_free(tids);
    mem_free(started);
    for (unsigned t = 0; t < nthreads; t++)
        if (r->jobs[t].oom) mem_out_of_memory(r->jobs[t].oom_size);
    Job *first_failure = NULL;
    for (unsigned t = 0; t < nthreads; t++)
        if (r->jobs[t].e.failed && (!first_failure || r->jobs[t].failed_at < first_failure->failed_at))
            first_failure = &r->jobs[t];
    if (!first_failure) return ASSESS_OK;
    why_say(r->why, r->whycap, "%s", first_failure->e.why);
    return first_failure->e.failed;
}

static AssessStatus eval_failure(Run *r, const Eval *e)
{
    if (!e->failed) return ASSESS_OK;
    why_say(r->why, r->whycap, "%s", e->why);
    return e->failed;
}

/* The national commitments and checks, once, on this thread, after every
 * system's, in the order of the report's items. A national commitment's
 * measure is taken for NATIONAL: its aggregates over every organisation. */
static AssessStatus judge_national(Run *r)
{
    const BcProgram *p = r->p;
    Eval *e0 = &r->jobs[0].e;
    ReportResult *res = &r->results[(size_t)r->nchosen * r->nlocal];
    for (uint16_t k = 0; k < p->ncommits; k++) {
        if (!p->commits[k].national) continue;
        eval_commitment(e0, NATIONAL, k, res);
        result_place(res++, REPORT_NATIONAL, k);
        AssessStatus rc = eval_failure(r, e0);
        if (rc != ASSESS_OK) return rc;
    }
    for (uint16_t k = 0; k < p->nchecks; k++) {
        if (!p->checks[k].national) continue;
        eval_check(e0, NATIONAL, k, res);
        result_place(res++, REPORT_NATIONAL, check_item(p, k));
        AssessStatus rc = eval_failure(r, e0);
        if (rc != ASSESS_OK) return rc;
    }
    return ASSESS_OK;
}

/* The report's items: each commitment's thresholds are evaluated here, so
 * this may fail too. */
static AssessStatus assemble_items(Run *r, Report *out)
{
    Eval *e0 = &r->jobs[0].e;
    report_items(&r->s, e0, out);
    return eval_failure(r, e0);
}

/* A result's marks, series and comparisons (and the texts they hold) out of
 * the evaluation's memory into the report's; a group's as its system's. */
static void keep_result(Report *out, ReportResult *res)
{
    res->marks = arena_copy(&out->arena, res->marks, res->nmarks, sizeof *res->marks);
    res->series = arena_copy(&out->arena, res->series, res->nseries, sizeof *res->series);
    res->operands = arena_copy(&out->arena, res->operands, res->noperands, sizeof *res->operands);
    for (size_t k = 0; k < res->noperands; k++) {
        keep_text(out, &res->operands[k].left);
        keep_text(out, &res->operands[k].right);
    }
}

/* The inputs, the systems and their results, copied into the report's arena
 * (the marks and series out of the threads' arenas). */
static void assemble_results(Run *r, Report *out)
{
    const Shared *s = &r->s;
    report_inputs(r->in, r->o->hashes, out);
    out->nsystems = r->nchosen;
    out->systems = arena_alloc(&out->arena, ((size_t)r->nchosen + 1) * sizeof *out->systems);
    for (uint32_t c = 0; c < r->nchosen; c++) {
        uint32_t org = s->systems[r->chosen[c]];
        const uint32_t *m;
        out->systems[c] = (ReportSystem){ keep_str(out, orgs_code(r->in->orgs, org)),
                                          keep_str(out, hier_parent_name(s->h, org)),
                                          (uint32_t)hier_members(s->h, org, &m) };
    }
    out->nresults = (size_t)r->nchosen * r->nlocal + r->nnational;
    out->results = arena_copy(&out->arena, r->results, out->nresults, sizeof *r->results);
    for (size_t i = 0; i < out->nresults; i++) {
        ReportResult *res = &out->results[i];
        keep_result(out, res);
        res->groups = arena_copy(&out->arena, res->groups, res->ngroups, sizeof *res->groups);
        for (uint32_t g = 0; g < res->ngroups; g++) {
            res->groups[g].system = res->system;   /* the system's index in the report, set after evaluation */
            keep_result(out, &res->groups[g]);
        }
    }
}

/* An arm's condition as written: its lines' text without the `LABEL when`
 * before it. */
static const char *arm_condition(const BcProgram *p, const BcArm *arm, Arena *a)
{
    const char *text = bc_source_text(p, arm->when, a);
    size_t n = strlen(arm->label);
    if (strncmp(text, arm->label, n) == 0 && strncmp(text + n, " when ", 6) == 0) text += n + 6;
    return text;
}

/* The ratings declared, and each chosen system's label for each. */
static void assemble_ratings(Run *r, Report *out)
{
    const BcProgram *p = r->p;
    out->nrating_decls = p->nratings;
    out->rating_decls = arena_alloc(&out->arena, ((size_t)p->nratings + 1) * sizeof *out->rating_decls);
    for (uint16_t ri = 0; ri < p->nratings; ri++) {
        const BcRating *rt = &p->ratings[ri];
        ReportRatingDecl *d = &out->rating_decls[ri];
        *d = (ReportRatingDecl){ .id = keep_str(out, rt->name), .title = keep_str(out, rt->title) };
        d->narms = rt->narms;
        d->arms = arena_alloc(&out->arena, ((size_t)rt->narms + 1) * sizeof *d->arms);
        for (uint16_t a = 0; a < rt->narms; a++)
            d->arms[a] = (ReportArm){ keep_str(out, rt->arms[a].label),
                                      rt->arms[a].when >= 0 ? arm_condition(p, &rt->arms[a], &out->arena) : NULL };
    }
    out->nratings = (size_t)r->nchosen * p->nratings;
    out->ratings = arena_alloc(&out->arena, (out->nratings + 1) * sizeof *out->ratings);
    for (uint32_t c = 0; c < r->nchosen; c++)
        for (uint16_t ri = 0; ri < p->nratings; ri++) {
            int32_t arm = r->arms[(size_t)c * p->nratings + ri];
            out->ratings[(size_t)c * p->nratings + ri] = (ReportRating){ c, ri,
                arm >= 0 ? out->rating_decls[ri].arms[arm].label : NULL, arm };
        }
}

/* The variations, copied into the report, each marked in force or not. */
static void assemble_variations(const AssessOptions *o, Report *out)
{
    out->nvariations = o->nvariations;
    out->variations = arena_alloc(&out->arena, (o->nvariations + 1) * sizeof *out->variations);
    for (size_t i = 0; i < o->nvariations; i++) {
        ReportVariation *v = &out->variations[i];
        *v = o->variations[i];
        v->name = keep_str(out, v->name);
        v->title = keep_str(out, v->title);
        v->rule_name = keep_str(out, v->rule_name);
        v->exempt = keep_str(out, v->exempt);
        v->target_text = keep_str(out, v->target_text);
        v->reason = keep_str(out, v->reason);
        v->agreed_by = keep_str(out, v->agreed_by);
        v->file = keep_str(out, v->file);
        v->systems = arena_alloc(&out->arena, (v->nsystems + 1) * sizeof *v->systems);
        for (size_t j = 0; j < v->nsystems; j++) v->systems[j] = keep_str(out, o->variations[i].systems[j]);
        v->in_force = o->as_of >= v->agreed_on && o->as_of <= v->until;
    }
}

AssessStatus assess_check_variations(const Inputs *in, const AssessOptions *o, char *why, size_t whycap)
{
    for (size_t i = 0; i < o->nvariations; i++) {
        const ReportVariation *v = &o->variations[i];
        for (size_t j = 0; j < v->nsystems; j++) {
            uint32_t org = orgs_find(in->orgs, v->systems[j], strlen(v->systems[j]));
            if (org == ORG_NONE || !inputs_is_system(in, org)) {
                snprintf(why, whycap, "%s:%u: variation %s: `%s` is not a system of hierarchy `%s`", v->file, v->line,
                         v->name, v->systems[j],
                         in->p->round.assess >= 0 ? in->p->hiers[in->p->round.assess].name : "(none)");
                return ASSESS_BAD_INPUT;
            }
        }
    }
    return ASSESS_OK;
}

static void run_free(Run *r)
{
    for (unsigned t = 0; t < r->nthreads; t++) eval_free(&r->jobs[t].e);
    mem_free(r->jobs);
    mem_free(r->results);
    mem_free(r->arms);
    mem_free(r->chosen);
    shared_free(&r->s);
}

AssessStatus assess_run(const Inputs *in, const AssessOptions *o, Report *out, char *why, size_t whycap)
{
    const BcProgram *p = in->p;
    memset(out, 0, sizeof *out);
    out->as_of = o->as_of;
    out->engine = keep_str(out, o->engine);
    out->rules = keep_str(out, o->rules);
    out->round = keep_str(out, p->round.name);
    out->round_title = keep_str(out, p->round.title);

    AssessStatus rc = assess_check_variations(in, o, why, whycap);
    if (rc != ASSESS_OK) return rc;
    Run r = { .in = in, .o = o, .p = p, .why = why, .whycap = whycap };
    shared_init(&r.s, in, o);
    rc = choose_systems(&r);
    if (rc == ASSESS_OK) rc = evaluate_systems(&r);
    if (rc == ASSESS_OK) rc = judge_national(&r);
    if (rc == ASSESS_OK) rc = assemble_items(&r, out);
    if (rc == ASSESS_OK) {
        assemble_results(&r, out);
        assemble_ratings(&r, out);
        assemble_variations(o, out);
    }
    run_free(&r);
    if (rc != ASSESS_OK) report_free(out);
    return rc;
}
