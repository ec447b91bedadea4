/* feed.c: loading feeds and aggregating what was known.
 *
 * A row is read, its declared columns are parsed to their types (a cell
 * that does not parse stops the load, naming file, line, column and text),
 * and it is folded into the accumulators of its (organisation, period,
 * vintage) key. Queries then combine keys: the members of a system, the
 * periods of a window, the vintage visible on a date. */
#include "feed.h"
#include "rows.h"
#include "natives.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- storage --------------------------------------------------------------- */

typedef struct Key { uint32_t org; int32_t period; Day vintage; uint32_t rows; } Key;
/* 32 bytes: a median's values, which only a median needs, live apart */
typedef struct Acc { Value value; uint32_t count; uint32_t run; } Acc;      /* run: index + 1 in runs */
typedef struct ValueRun { Value *items; uint32_t n, cap; } ValueRun;

typedef struct FeedAgg {
    uint32_t agg;           /* index into p->aggs */
    uint8_t  func;
    int      column;        /* the declared column it reads */
    TypeKind type;
    int      filter;        /* function, or -1 */
    int     *filter_pos;    /* positions of the filter's columns in the record */
    TypeKind *filter_types;
    uint16_t nfilter;
    int32_t  whole;         /* a sum, mean or count of whole numbers: its cell in sums/counts */
    int32_t  acc;           /* otherwise: its accumulator in accs */
} FeedAgg;

struct FeedData {
    const BcProgram *p;
    const BcFeed *schema;
    FeedStats stats;
    FeedAgg  *aggs;
    uint32_t  naggs;
    Key      *keys;         /* sorted by org, period, vintage after loading */
    /* Per key, a sum of whole numbers is a bare int64 and a count (12 bytes,
     * added in place: most of a feed's aggregates); any other aggregate is
     * a general accumulator (32 bytes). */
    uint32_t  nwhole, nacc;
    int64_t  *sums;         /* keys × nwhole */
    uint32_t *counts;       /* keys × nwhole: the values added (not missing) */
    Acc      *accs;         /* keys × nacc */
    uint32_t  nkeys, cap;
    uint32_t *slots;        /* while loading: hash of keys */
    size_t    nslots;
    uint32_t *org_first;    /* after loading: keys of org o are [org_first[o], org_first[o + 1]) */
    uint32_t  norg_index;
    VEC(ValueRun) runs;     /* the values of median accumulators */
};

/* Murmur3's 64-bit finaliser over the key: every input bit reaches the low
 * bits the table is indexed by (a bare multiply left them to the period
 * alone, so a month's keys all collided). */
static uint64_t key_hash(uint32_t org, int32_t period, Day vintage)
{
    uint64_t h = ((uint64_t)org << 32 | (uint32_t)period) ^ ((uint64_t)(uint32_t)vintage * 0x9E3779B97F4A7C15u);
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDu;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53u;
    return h ^ (h >> 33);
}

static uint32_t key_index(FeedData *f, uint32_t org, int32_t period, Day vintage)
{
    if ((f->nkeys + 1) * 2 > f->nslots) {
        size_t n = f->nslots ? f->nslots * 2 : 4096;
        mem_free(f->slots);
        f->slots = mem_calloc(n, sizeof *f->slots);
        f->nslots = n;
        for (uint32_t k = 0; k < f->nkeys; k++) {
            size_t i = key_hash(f->keys[k].org, f->keys[k].period, f->keys[k].vintage) & (n - 1);
            while (f->slots[i]) i = (i + 1) & (n - 1);
            f->slots[i] = k + 1;
        }
    }
    size_t i = key_hash(org, period, vintage) & (f->nslots - 1);
    for (;; i = (i + 1) & (f->nslots - 1)) {
        uint32_t k = f->slots[i];
        if (!k) break;
        Key *key = &f->keys[k - 1];
        if (key->org == org && key->period == period && key->vintage == vintage) return k - 1;
    }
    if (f->nkeys == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 1024;
        f->keys = mem_realloc(f->keys, f->cap * sizeof *f->keys);
        f->accs = mem_realloc(f->accs, ((size_t)f->cap * f->nacc + 1) * sizeof *f->accs);
        f->sums = mem_realloc(f->sums, ((size_t)f->cap * f->nwhole + 1) * sizeof *f->sums);
        f->counts = mem_realloc(f->counts, ((size_t)f->cap * f->nwhole + 1) * sizeof *f->counts);
    }
    f->keys[f->nkeys] = (Key){ org, period, vintage, 0 };
    memset(&f->accs[(size_t)f->nkeys * f->nacc], 0, f->nacc * sizeof *f->accs);
    memset(&f->sums[(size_t)f->nkeys * f->nwhole], 0, f->nwhole * sizeof *f->sums);
    memset(&f->counts[(size_t)f->nkeys * f->nwhole], 0, f->nwhole * sizeof *f->counts);
    f->slots[i] = f->nkeys + 1;
    return f->nkeys++;
}

static void accumulate(FeedData *f, Acc *a, uint8_t func, Value v)
{
    bool missing;
    if (v.kind == V_MISSING) return;
    a->count++;
    switch (func) {
    case AGG_SUM: case AGG_MEAN: {
        /* whole numbers of one unit, nearly every cell of a feed: add in place */
        int64_t sum;
        if (a->value.kind == V_NUM && v.kind == V_NUM && a->value.as.num.d == 1 && v.as.num.d == 1 &&
            a->value.unit == v.unit && !__builtin_add_overflow(a->value.as.num.n, v.as.num.n, &sum) &&
            sum != INT64_MIN)
            a->value.as.num.n = sum;
        else
            a->value = a->value.kind == V_MISSING ? v : val_arith(AR_ADD, a->value, v);
        break;
    }
    case AGG_MIN:
        if (a->value.kind == V_MISSING || val_compare(v, a->value, &missing) < 0) a->value = v;
        break;
    case AGG_MAX:
        if (a->value.kind == V_MISSING || val_compare(v, a->value, &missing) > 0) a->value = v;
        break;
    case AGG_MEDIAN: {
        if (!a->run) {
            vec_push(&f->runs, ((ValueRun){ NULL, 0, 0 }));
            a->run = (uint32_t)f->runs.len;
        }
        ValueRun *r = &f->runs.items[a->run - 1];
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 4;
            r->items = mem_realloc(r->items, r->cap * sizeof *r->items);
        }
        r->items[r->n++] = v;
        break;
    }
    default:
        break;
    }
}

/* ---- loading ----------------------------------------------------------------- */



/* A cache of filter results keyed by the raw bytes of the filter's cells,
 * each preceded by its length and whether it was quoted (so no two rows
 * can share a key by accident). Open addressing; past FILTER_CACHE_MAX
 * distinct keys the filter is simply run for each new one. */
typedef struct FilterEntry { char *key; size_t len; bool result; } FilterEntry;
typedef struct FilterCache { FilterEntry *slots; size_t n, cap; } FilterCache;
enum { FILTER_CACHE_MAX = 1 << 16 };

static FilterEntry *cache_slot(FilterCache *c, const char *key, size_t len)
{
    size_t i = rows_hash(key, len) & (c->cap - 1);
    while (c->slots[i].key && (c->slots[i].len != len || memcmp(c->slots[i].key, key, len) != 0))
        i = (i + 1) & (c->cap - 1);
    return &c->slots[i];
}

static void cache_put(FilterCache *c, const char *key, size_t len, bool result)
{
    if (c->n >= FILTER_CACHE_MAX) return;
    if ((c->n + 1) * 2 > c->cap) {
        FilterCache bigger = { mem_calloc(c->cap ? c->cap * 2 : 64, sizeof(FilterEntry)), c->n, c->cap ? c->cap * 2 : 64 };
        for (size_t i = 0; i < c->cap; i++)
            if (c->slots[i].key) *cache_slot(&bigger, c->slots[i].key, c->slots[i].len) = c->slots[i];
        mem_free(c->slots);
        *c = bigger;
    }
    FilterEntry *e = cache_slot(c, key, len);
    char *copy = mem_alloc(len + 1);        /* keys hold lengths, so zero bytes: not a string */
    memcpy(copy, key, len);
    *e = (FilterEntry){ copy, len, result };
    c->n++;
}

typedef struct Loader {
    FeedData   *f;
    Orgs       *orgs;
    Vm         *vm;
    RowSource  *src;
    const char *name;
    int         org_pos, period_pos, vintage_pos;
    int        *col_pos;            /* declared column -> record position */
    size_t      nheader;
    FilterCache *caches;            /* one per aggregate */
    uint32_t    last_org;
    const char *last_org_ptr;
    size_t      last_org_len;
    Value      *values;             /* the row's declared columns, parsed */
    char        last_period[32];    /* rows come grouped by period: parse each text once */
    size_t      last_period_len;
    Value       last_period_value;
} Loader;

static bool filter_passes(Loader *l, uint32_t j, const CsvField *rec, bool *ok, char *why, size_t cap)
{
    FeedAgg *a = &l->f->aggs[j];
    if (a->filter < 0) return true;
    FilterCache *c = &l->caches[j];
    char key[512];
    size_t k = 0;
    bool cacheable = true;
    for (uint16_t i = 0; i < a->nfilter && cacheable; i++) {
        const CsvField *cell = &rec[a->filter_pos[i]];
        if (k + cell->len + sizeof(uint32_t) + 1 > sizeof key) { cacheable = false; break; }
        uint32_t len = (uint32_t)cell->len;
        memcpy(key + k, &len, sizeof len);
        k += sizeof len;
        key[k++] = (char)cell->quoted;
        memcpy(key + k, cell->ptr, cell->len);
        k += cell->len;
    }
    if (cacheable && c->n) {
        FilterEntry *e = cache_slot(c, key, k);
        if (e->key) return e->result;
    }
    Value args[64];
    for (uint16_t i = 0; i < a->nfilter; i++)
        rows_parse_cell(a->filter_types[i], l->f->schema->columns[l->f->p->aggs[a->agg].filter_cols[i]].format,
                   &rec[a->filter_pos[i]], &args[i]);
    Value r;
    VmStatus s = vm_call(l->vm, (uint32_t)a->filter, args, &r);
    if (s != VM_OK) { *ok = rows_fail(why, cap, "%s: a where condition failed: %s", l->name, vm_message(l->vm)); return false; }
    bool pass = r.kind == V_BOOL && r.as.boolean;
    if (cacheable) cache_put(c, key, k, pass);
    return pass;
}

/* One row; false (with why) if it is bad. */
static bool load_row(Loader *l, const CsvField *rec, size_t n, char *why, size_t cap)
{
    FeedData *f = l->f;
    const BcFeed *s = f->schema;
    uint64_t line = rows_line(l->src);
    if (n != l->nheader)
        return rows_fail(why, cap, "%s:%llu: the row has %zu fields, but the header has %zu", l->name,
                    (unsigned long long)line, n, l->nheader);
    const CsvField *org = &rec[l->org_pos];
    if (rows_is_missing(org) || org->len == 0)
        return rows_fail(why, cap, "%s:%llu: column `%s` (the organisation) is empty or `*`", l->name,
                    (unsigned long long)line, s->org_col);
    Value period, vintage = val_missing(), *values = l->values;
    const char *bad = NULL;
    const CsvField *pf = &rec[l->period_pos];
    if (pf->len && pf->len == l->last_period_len && memcmp(pf->ptr, l->last_period, pf->len) == 0) {
        period = l->last_period_value;
    } else {
        bad = rows_parse_cell(rows_grain_type[s->grain], COL_PLAIN, pf, &period);
        if (!bad && period.kind != V_MISSING && pf->len <= sizeof l->last_period) {
            memcpy(l->last_period, pf->ptr, pf->len);
            l->last_period_len = pf->len;
            l->last_period_value = period;
        }
    }
    if (bad || period.kind == V_MISSING)
        return rows_fail(why, cap, "%s:%llu: column `%s`: `%.*s` %s", l->name, (unsigned long long)line, s->period_col,
                    (int)rec[l->period_pos].len, rec[l->period_pos].ptr, bad ? bad : "is empty: every row needs its period");
    if (l->vintage_pos >= 0) {
        bad = rows_parse_cell(T_DATE, COL_PLAIN, &rec[l->vintage_pos], &vintage);
        if (bad || vintage.kind == V_MISSING)
            return rows_fail(why, cap, "%s:%llu: column `%s`: `%.*s` %s", l->name, (unsigned long long)line,
                        s->vintage_col, (int)rec[l->vintage_pos].len, rec[l->vintage_pos].ptr,
                        bad ? bad : "is empty: every row needs the date it was published");
    }
    for (uint16_t c = 0; c < s->ncolumns; c++) {
        const CsvField *cell = &rec[l->col_pos[c]];
        if ((bad = rows_parse_cell((TypeKind)s->columns[c].type, s->columns[c].format, cell, &values[c])))
            return rows_fail(why, cap, "%s:%llu: column `%s`: `%.*s%s` %s", l->name, (unsigned long long)line,
                        s->columns[c].name, (int)(cell->len > 60 ? 60 : cell->len), cell->ptr,
                        cell->len > 60 ? "…" : "", bad);
    }
    /* rows are usually grouped by organisation: skip the hash when it repeats */
    uint32_t org_id;
    if (l->last_org_ptr && l->last_org_len == org->len && memcmp(l->last_org_ptr, org->ptr, org->len) == 0)
        org_id = l->last_org;
    else {
        org_id = orgs_intern(l->orgs, org->ptr, org->len);
        l->last_org = org_id;
        l->last_org_ptr = orgs_code(l->orgs, org_id);
        l->last_org_len = org->len;
    }
    uint32_t k = key_index(f, org_id, period.as.period.index, vintage.kind == V_MISSING ? 0 : vintage.as.period.index);
    f->keys[k].rows++;
    for (uint32_t j = 0; j < f->naggs; j++) {
        bool ok = true;
        if (!filter_passes(l, j, rec, &ok, why, cap)) {
            if (!ok) return false;
            continue;
        }
        const FeedAgg *a = &f->aggs[j];
        Value v = values[a->column];
        if (a->whole < 0) {
            accumulate(f, &f->accs[(size_t)k * f->nacc + (uint32_t)a->acc], a->func, v);
            continue;
        }
        if (v.kind == V_MISSING) continue;
        size_t c = (size_t)k * f->nwhole + (uint32_t)a->whole;
        f->counts[c]++;
        if (a->func != AGG_COUNT && __builtin_add_overflow(f->sums[c], v.as.num.n, &f->sums[c]))
            return rows_fail(why, cap, "%s:%llu: column `%s`: the sum for `%s` in one period passes 9.2 × 10^18",
                             l->name, (unsigned long long)line, s->columns[a->column].name, orgs_code(l->orgs, org_id));
    }
    return true;
}

static int int32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts xs and counts its distinct values. */
static uint32_t distinct(int32_t *xs, uint32_t n)
{
    qsort(xs, n, sizeof *xs, int32_cmp);
    uint32_t d = 0;
    for (uint32_t i = 0; i < n; i++) d += i == 0 || xs[i] != xs[i - 1];
    return d;
}

static int key_cmp(const void *a, const void *b)
{
    const Key *x = a, *y = b;
    if (x->org != y->org) return x->org < y->org ? -1 : 1;
    if (x->period != y->period) return x->period < y->period ? -1 : 1;
    return (x->vintage > y->vintage) - (x->vintage < y->vintage);
}

/* Sorts keys (and their accumulators) and indexes them by organisation. */
/* Sorts an organisation's keys (positions in perm) by period and vintage:
 * they usually arrive in order, so insertion sort is linear in practice. */
static void sort_segment(const Key *keys, uint32_t *perm, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = perm[i], j = i;
        while (j > 0 && key_cmp(&keys[perm[j - 1]], &keys[x]) > 0) { perm[j] = perm[j - 1]; j--; }
        perm[j] = x;
    }
}

/* Puts the keys (and their accumulators) in order of organisation, period
 * and vintage, and indexes them by organisation. The order is applied in
 * place, cycle by cycle, so sorting needs 4 bytes a key, not a copy. */
static void finish(FeedData *f, uint32_t norgs)
{
    uint32_t n = f->nkeys, na = f->nacc, nw = f->nwhole;
    f->norg_index = norgs;
    f->org_first = mem_calloc((size_t)norgs + 2, sizeof *f->org_first);
    for (uint32_t i = 0; i < n; i++) f->org_first[f->keys[i].org + 1]++;
    for (uint32_t o = 0; o < norgs; o++) f->org_first[o + 1] += f->org_first[o];
    /* perm[new] = old: a counting sort by organisation, then each one's keys */
    uint32_t *perm = mem_alloc(((size_t)n + 1) * sizeof *perm);
    uint32_t *fill = mem_alloc(((size_t)norgs + 1) * sizeof *fill);
    memcpy(fill, f->org_first, (size_t)norgs * sizeof *fill);
    for (uint32_t i = 0; i < n; i++) perm[fill[f->keys[i].org]++] = i;
    mem_free(fill);
    for (uint32_t o = 0; o < norgs; o++)
        sort_segment(f->keys, perm + f->org_first[o], f->org_first[o + 1] - f->org_first[o]);
    mem_free(f->slots);
    f->slots = NULL;
    f->nslots = 0;
    Acc *hold = mem_alloc(((size_t)na + 1) * sizeof *hold);
    int64_t *hold_sums = mem_alloc(((size_t)nw + 1) * sizeof *hold_sums);
    uint32_t *hold_counts = mem_alloc(((size_t)nw + 1) * sizeof *hold_counts);
#define MOVE(dst, src) do { \
        f->keys[dst] = f->keys[src]; \
        memcpy(&f->accs[(size_t)(dst) * na], &f->accs[(size_t)(src) * na], na * sizeof *hold); \
        memcpy(&f->sums[(size_t)(dst) * nw], &f->sums[(size_t)(src) * nw], nw * sizeof *hold_sums); \
        memcpy(&f->counts[(size_t)(dst) * nw], &f->counts[(size_t)(src) * nw], nw * sizeof *hold_counts); \
    } while (0)
    for (uint32_t i = 0; i < n; i++) {
        if (perm[i] == UINT32_MAX || perm[i] == i) continue;
        Key key = f->keys[i];
        memcpy(hold, &f->accs[(size_t)i * na], na * sizeof *hold);
        memcpy(hold_sums, &f->sums[(size_t)i * nw], nw * sizeof *hold_sums);
        memcpy(hold_counts, &f->counts[(size_t)i * nw], nw * sizeof *hold_counts);
        uint32_t j = i;
        for (;;) {
            uint32_t k = perm[j];
            perm[j] = UINT32_MAX;                       /* placed */
            if (k == i) {
                f->keys[j] = key;
                memcpy(&f->accs[(size_t)j * na], hold, na * sizeof *hold);
                memcpy(&f->sums[(size_t)j * nw], hold_sums, nw * sizeof *hold_sums);
                memcpy(&f->counts[(size_t)j * nw], hold_counts, nw * sizeof *hold_counts);
                break;
            }
            MOVE(j, k);
            j = k;
        }
    }
#undef MOVE
    mem_free(hold);
    mem_free(hold_sums);
    mem_free(hold_counts);
    mem_free(perm);
    /* statistics: periods are consecutive numbers, so a bitmap counts them */
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (uint32_t i = 0; i < n; i++) {
        f->stats.orgs += i == 0 || f->keys[i].org != f->keys[i - 1].org;
        if (f->keys[i].period < lo) lo = f->keys[i].period;
        if (f->keys[i].period > hi) hi = f->keys[i].period;
    }
    if (n) {
        size_t span = (size_t)((int64_t)hi - lo + 1);
        uint8_t *seen = mem_calloc(span / 8 + 1, 1);
        for (uint32_t i = 0; i < n; i++) {
            size_t b = (size_t)(f->keys[i].period - lo);
            f->stats.periods += !(seen[b / 8] >> (b % 8) & 1);
            seen[b / 8] |= (uint8_t)(1u << (b % 8));
        }
        mem_free(seen);
    }
    if (f->schema->vintage_col && n) {
        int32_t *vintages = mem_alloc((size_t)n * sizeof *vintages);
        for (uint32_t i = 0; i < n; i++) vintages[i] = f->keys[i].vintage;
        f->stats.vintages = distinct(vintages, n);
        mem_free(vintages);
    }
    f->stats.first = (Period){ (Grain)f->schema->grain, n ? lo : 0 };
    f->stats.last = (Period){ (Grain)f->schema->grain, n ? hi : 0 };
}

static void loader_free(Loader *l)
{
    if (l->caches)
        for (uint32_t j = 0; j < l->f->naggs; j++) {
            for (size_t i = 0; i < l->caches[j].cap; i++) mem_free(l->caches[j].slots[i].key);
            mem_free(l->caches[j].slots);
        }
    mem_free(l->caches);
    mem_free(l->col_pos);
    mem_free(l->values);
}

/* Maps the header to the schema's columns and the aggregates to positions. */
static bool read_header(Loader *l, char *why, size_t cap)
{
    FeedData *f = l->f;
    const BcFeed *s = f->schema;
    const CsvField *h;
    size_t n;
    CsvStatus st = rows_next(l->src, &h, &n);
    if (st == CSV_ERROR) return rows_fail(why, cap, "%s: %s", l->name, rows_error(l->src));
    if (st == CSV_END) return rows_fail(why, cap, "%s: the file is empty: it needs a header naming its columns", l->name);
    l->nheader = n;
    /* a column the feed reads must be named once; others are ignored (§3) */
    for (size_t i = 0; i < n; i++) {
        bool read = false;
        for (uint16_t c = 0; c < s->ncolumns && !read; c++)
            read = strlen(s->columns[c].name) == h[i].len && memcmp(s->columns[c].name, h[i].ptr, h[i].len) == 0;
        const char *keys3[3] = { s->org_col, s->period_col, s->vintage_col };
        for (int c = 0; c < 3 && !read; c++)
            read = keys3[c] && strlen(keys3[c]) == h[i].len && memcmp(keys3[c], h[i].ptr, h[i].len) == 0;
        for (size_t j = 0; j < i && read; j++)
            if (h[i].len == h[j].len && memcmp(h[i].ptr, h[j].ptr, h[i].len) == 0)
                return rows_fail(why, cap, "%s:%llu: column `%.*s` appears twice in the header", l->name,
                            (unsigned long long)rows_line(l->src), (int)h[i].len, h[i].ptr);
    }
    struct { const char *name; int *pos; } keys[] = {
        { s->org_col, &l->org_pos }, { s->period_col, &l->period_pos }, { s->vintage_col, &l->vintage_pos },
    };
    for (size_t k = 0; k < 3; k++) {
        *keys[k].pos = keys[k].name ? rows_header_position(h, n, keys[k].name) : -1;
        if (keys[k].name && *keys[k].pos < 0)
            return rows_fail(why, cap, "%s: the header has no column `%s` (feed `%s` names it)", l->name, keys[k].name,
                        s->name);
    }
    l->col_pos = mem_calloc((size_t)s->ncolumns + 1, sizeof *l->col_pos);
    l->values = mem_calloc((size_t)s->ncolumns + 1, sizeof *l->values);
    for (uint16_t c = 0; c < s->ncolumns; c++) {
        l->col_pos[c] = rows_header_position(h, n, s->columns[c].name);
        if (l->col_pos[c] < 0)
            return rows_fail(why, cap, "%s: the header has no column `%s` (feed `%s` declares it)", l->name,
                        s->columns[c].name, s->name);
    }
    return true;
}

static void feed_aggs(FeedData *f, uint16_t feed, Loader *l)
{
    const BcProgram *p = f->p;
    for (uint32_t g = 0; g < p->naggs; g++) f->naggs += p->aggs[g].feed == feed;
    f->aggs = mem_calloc((size_t)f->naggs + 1, sizeof *f->aggs);
    l->caches = mem_calloc((size_t)f->naggs + 1, sizeof *l->caches);
    uint32_t j = 0;
    for (uint32_t g = 0; g < p->naggs; g++) {
        const BcAggregate *a = &p->aggs[g];
        if (a->feed != feed) continue;
        FeedAgg *fa = &f->aggs[j++];
        fa->agg = g;
        fa->func = a->func;
        fa->column = a->column;
        fa->type = (TypeKind)f->schema->columns[a->column].type;
        fa->filter = a->filter;
        fa->nfilter = a->nfilter;
        bool whole = a->func == AGG_COUNT || ((a->func == AGG_SUM || a->func == AGG_MEAN) && fa->type == T_COUNT);
        fa->whole = whole ? (int32_t)f->nwhole++ : -1;
        fa->acc = whole ? -1 : (int32_t)f->nacc++;
    }
}

FeedData *feed_load(const BcProgram *p, uint16_t feed, const char *source, Orgs *orgs, Vm *vm,
                    const FeedOptions *opt, char *why, size_t whycap)
{
    RowSource src;
    if (!rows_open(&src, source, why, whycap)) {
        rows_close(&src);
        return NULL;
    }
    FeedData *f = mem_calloc(1, sizeof *f);
    f->p = p;
    f->schema = &p->feeds[feed];
    Loader l = { .f = f, .orgs = orgs, .vm = vm, .src = &src, .name = source };
    feed_aggs(f, feed, &l);
    bool ok = read_header(&l, why, whycap);
    /* the record positions of each aggregate's columns, now the header is known */
    for (uint32_t j = 0; ok && j < f->naggs; j++) {
        FeedAgg *fa = &f->aggs[j];
        const BcAggregate *a = &p->aggs[fa->agg];
        fa->filter_pos = mem_calloc((size_t)a->nfilter + 1, sizeof *fa->filter_pos);
        fa->filter_types = mem_calloc((size_t)a->nfilter + 1, sizeof *fa->filter_types);
        for (uint16_t i = 0; i < a->nfilter; i++) {
            fa->filter_pos[i] = l.col_pos[a->filter_cols[i]];
            fa->filter_types[i] = (TypeKind)f->schema->columns[a->filter_cols[i]].type;
        }
    }
    const CsvField *rec;
    size_t n;
    char rowwhy[512];
    while (ok) {
        CsvStatus st = rows_next(&src, &rec, &n);
        if (st == CSV_END) break;
        if (st == CSV_ERROR) { ok = rows_fail(why, whycap, "%s: %s", source, rows_error(&src)); break; }
        f->stats.rows++;
        if (load_row(&l, rec, n, rowwhy, sizeof rowwhy)) continue;
        if (!opt || !opt->skip_bad_rows) { snprintf(why, whycap, "%s", rowwhy); ok = false; break; }
        f->stats.skipped++;
        if (opt->report) fprintf(opt->report, "pledge: skipped %s\n", rowwhy);
    }
    for (uint32_t j = 0; j < f->naggs; j++) {
        mem_free(f->aggs[j].filter_pos);
        mem_free(f->aggs[j].filter_types);
        f->aggs[j].filter_pos = NULL;
        f->aggs[j].filter_types = NULL;
    }
    loader_free(&l);
    rows_close(&src);
    if (!ok) {
        feed_free(f);
        return NULL;
    }
    finish(f, orgs_count(orgs));
    return f;
}

void feed_free(FeedData *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->runs.len; i++) mem_free(f->runs.items[i].items);
    vec_free(&f->runs);
    mem_free(f->aggs);
    mem_free(f->keys);
    mem_free(f->accs);
    mem_free(f->sums);
    mem_free(f->counts);
    mem_free(f->slots);
    mem_free(f->org_first);
    mem_free(f);
}

const FeedStats *feed_stats(const FeedData *f) { return &f->stats; }

bool feed_period_known(const FeedData *f, Period p, Day as_of)
{
    if (f->schema->vintage_col) return as_of >= period_last_day(p);
    return (int64_t)as_of >= (int64_t)period_last_day(p) + f->schema->lag_days;
}

static int32_t local_agg(const FeedData *f, uint32_t agg)
{
    for (uint32_t j = 0; j < f->naggs; j++)
        if (f->aggs[j].agg == agg) return (int32_t)j;
    return -1;
}

/* The periods of the feed's grain that lie wholly within [from, to] and, for
 * a feed without vintages, are known on as_of: [*lo, *hi] as indices. */
static void window_periods(const FeedData *f, Day from, Day to, Day as_of, int32_t *lo, int32_t *hi)
{
    Grain g = (Grain)f->schema->grain;
    Period first = period_containing(g, from), last = period_containing(g, to);
    *lo = first.index + (period_first_day(first) < from);
    *hi = last.index - (period_last_day(last) > to);
    if (!f->schema->vintage_col) {
        /* known once the period has ended and the lag has passed */
        int64_t day = (int64_t)as_of - f->schema->lag_days;
        if (day < INT32_MIN) { *hi = *lo - 1; return; }
        Period known = period_containing(g, (Day)(day > INT32_MAX ? INT32_MAX : day));
        int32_t k = known.index - (period_last_day(known) > (Day)day);
        if (k < *hi) *hi = k;
    }
}

static Value aggregate(const FeedData *f, uint32_t agg, const uint32_t *orgs, size_t norgs,
                       const Hierarchy *h, uint32_t parent, Day from, Day to, Day as_of, uint32_t *coverage)
{
    *coverage = 0;
    bool any = false;           /* over no rows at all, every aggregate is missing (§4) */
    int32_t j = local_agg(f, agg);
    if (j < 0) return val_missing();
    const FeedAgg *fa = &f->aggs[j];
    uint8_t func = fa->func;
    int32_t lo, hi;
    window_periods(f, from, to, as_of, &lo, &hi);
    Acc total = { 0 };
    __int128 whole_sum = 0;     /* cannot overflow: at most 2^32 keys of int64 */
    VEC(Value) values = { 0 };
    bool vintaged = f->schema->vintage_col != NULL;
    for (size_t m = 0; m < norgs && lo <= hi; m++) {
        uint32_t o = orgs[m];
        if (o >= f->norg_index) continue;
        uint32_t k = f->org_first[o], end = f->org_first[o + 1];
        /* the organisation's keys are in period order: find the window's first */
        for (uint32_t n = end - k; n > 0;) {
            uint32_t half = n / 2;
            if (f->keys[k + half].period < lo) { k += half + 1; n -= half + 1; }
            else n = half;
        }
        bool counted = false;
        for (; k < end && f->keys[k].period <= hi; k++) {
            const Key *key = &f->keys[k];
            if (vintaged) {
                /* the latest vintage published on or before as_of wins */
                if (key->vintage > as_of) continue;
                if (k + 1 < end && f->keys[k + 1].period == key->period && f->keys[k + 1].vintage <= as_of)
                    continue;
            }
            if (h && hier_parent(h, o, period_first_day((Period){ (Grain)f->schema->grain, key->period })) != parent)
                continue;
            counted |= key->rows > 0;
            any |= key->rows > 0;
            if (fa->whole >= 0) {
                size_t c = (size_t)k * f->nwhole + (uint32_t)fa->whole;
                whole_sum += f->sums[c];
                total.count += f->counts[c];
                continue;
            }
            const Acc *a = &f->accs[(size_t)k * f->nacc + (uint32_t)fa->acc];
            if (!a->count) continue;
            switch (func) {
            case AGG_SUM: case AGG_MEAN: case AGG_MIN: case AGG_MAX:
                accumulate(NULL, &total, func, a->value);
                total.count += a->count - 1;        /* accumulate counted one */
                break;
            case AGG_COUNT:
                total.count += a->count;
                break;
            case AGG_MEDIAN: {
                const ValueRun *r = &f->runs.items[a->run - 1];
                for (uint32_t i = 0; i < r->n; i++) vec_push(&values, r->items[i]);
                break;
            }
            }
        }
        *coverage += counted;
    }
    if (fa->whole >= 0 && total.count && func != AGG_COUNT) {
        /* the whole-number total, exact while it fits in int64 */
        if (whole_sum >= -INT64_MAX && whole_sum <= INT64_MAX) total.value = val_num(num_int((int64_t)whole_sum), T_COUNT);
        else total.value = val_real((double)whole_sum, T_COUNT);
    }
    Value r = val_missing();
    switch (func) {
    case AGG_SUM: case AGG_MIN: case AGG_MAX:
        r = total.value;
        break;
    case AGG_MEAN:
        if (total.count) {
            r = val_arith(AR_DIV, total.value, val_num(num_int(total.count), T_COUNT));
            r.unit = total.value.unit;
        }
        break;
    case AGG_COUNT:
        if (any) r = val_num(num_int(total.count), T_COUNT);
        break;
    case AGG_MEDIAN:
        if (values.len) {
            ValList *l = mem_alloc(sizeof *l + values.len * sizeof(Value));
            l->len = (uint32_t)values.len;
            memcpy(l->items, values.items, values.len * sizeof(Value));
            Value list = { .kind = V_LIST, .unit = values.items[0].unit };
            list.as.list = l;
            Arena scratch = { 0 };
            r = natives[BI_MEDIAN].fn(&scratch, &list, 1);
            arena_free(&scratch);
            mem_free(l);
        }
        break;
    }
    vec_free(&values);
    return r;
}

Value feed_aggregate(const FeedData *f, uint32_t agg, const uint32_t *orgs, size_t norgs,
                     Day from, Day to, Day as_of, uint32_t *coverage)
{
    return aggregate(f, agg, orgs, norgs, NULL, ORG_NONE, from, to, as_of, coverage);
}

Value feed_aggregate_system(const FeedData *f, uint32_t agg, const Hierarchy *h, uint32_t parent,
                            Day from, Day to, Day as_of, uint32_t *coverage)
{
    const uint32_t *members;
    size_t n = hier_members(h, parent, &members);
    /* a plan feed is keyed by the system itself */
    Value v = aggregate(f, agg, members, n, h, parent, from, to, as_of, coverage);
    if (n == 0 || (v.kind == V_MISSING && *coverage == 0)) v = aggregate(f, agg, &parent, 1, NULL, ORG_NONE, from, to, as_of, coverage);
    return v;
}

void feed_each_key(const FeedData *f, void (*fn)(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows),
                   void *ud)
{
    for (uint32_t k = 0; k < f->nkeys; k++)
        fn(ud, f->keys[k].org, (Period){ (Grain)f->schema->grain, f->keys[k].period }, f->keys[k].vintage,
           f->keys[k].rows);
}
