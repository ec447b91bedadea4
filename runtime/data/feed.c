/* feed.c: loading feeds and aggregating what was known.
 *
 * A row is read, its declared columns are parsed to their types (a cell
 * that does not parse stops the load, naming file, line, column and text),
 * and it is folded into the cell of its organisation in the slice of its
 * (period, vintage). Queries then combine cells: the members of a system,
 * the periods of a window, the vintage visible on a date. */
#include "data/feed.h"
#include "data/pred.h"
#include "data/rows.h"
#include "data/pushdown.h"
#include "base/hash.h"
#include "vm/natives.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- storage --------------------------------------------------------------- */

/* Feeds come a period at a time, each period listing much the same
 * organisations, so the figures are kept as one dense slice per (period,
 * vintage), with a cell for each of the feed's organisations (numbered as
 * they first appear in it). A cell needs no key, and finding it needs no
 * hash: 4 bytes of row count plus the aggregates' figures. */

/* A general aggregate's state in a cell (32 bytes): a median's values live apart */
typedef struct Acc { Value value; uint32_t count; uint32_t run; } Acc;      /* run: index + 1 in runs */
typedef struct ValueRun { Value *items; uint32_t n, cap; } ValueRun;

/* A column of cells of `width` bits each, packed: cell o is bits
 * o × width .. (o + 1) × width - 1, read with one unaligned 64-bit load, a
 * shift and a mask (the 8 bytes of padding at the end keep the last load
 * inside). A width of 1 to BITS_PACKED holds 0 .. 2^width - 1; one of 64,
 * any int64 (a sum below 0, or one past BITS_PACKED bits). Memory follows
 * the bits the largest cell needs, not the next power of two: at 50M rows
 * of the bench feed an attendances column needs 18 bits, not 32. */
typedef struct Bits { uint8_t *bytes; uint64_t mask; uint32_t width; } Bits;
enum { BITS_PACKED = 57 };      /* the most a 64-bit load holds at any of the 8 bit offsets */

static size_t bits_size(uint32_t cells, uint32_t width) { return ((size_t)cells * width + 7) / 8 + sizeof(uint64_t); }

/* The width a new column starts at, like column `like` (NULL: none): as
 * wide, unless that is 64 (a sum below 0 or past BITS_PACKED, likely a
 * one-off), so a feed's columns widen about once, not once a period. */
static uint32_t start_width(const Bits *like) { return like && like->width <= BITS_PACKED ? like->width : 1; }

/* A column of `cells` zeros, `width` bits each. */
static Bits bits_new(uint32_t cells, uint32_t width)
{
    return (Bits){ mem_calloc(bits_size(cells, width), 1), width == 64 ? UINT64_MAX : ((uint64_t)1 << width) - 1,
                   width };
}

static inline uint64_t bits_at(const Bits *b, uint32_t o)
{
    uint64_t pos = (uint64_t)o * b->width, x;
    memcpy(&x, b->bytes + pos / 8, sizeof x);
    return x >> (pos % 8) & b->mask;
}

/* Puts v, which fits, in cell o, which holds 0. */
static inline void bits_put(Bits *b, uint32_t o, uint64_t v)
{
    uint64_t pos = (uint64_t)o * b->width, x;
    memcpy(&x, b->bytes + pos / 8, sizeof x);
    x |= v << (pos % 8);
    memcpy(b->bytes + pos / 8, &x, sizeof x);
}

/* The width that holds v: its bits; 64 below 0 or past BITS_PACKED. */
static uint32_t bits_needed(int64_t v)
{
    uint32_t n = v > 0 ? 64 - (uint32_t)__builtin_clzll((uint64_t)v) : v == 0 ? 1 : 64;
    return n > BITS_PACKED ? 64 : n;
}

/* b's cells, of which only those in [lo, hi) can be other than 0, in a
 * column of `width` bits. */
static void bits_widen(Bits *b, uint32_t cells, uint32_t lo, uint32_t hi, uint32_t width)
{
    Bits wide = bits_new(cells, width);
    for (uint32_t o = lo; o < hi; o++) bits_put(&wide, o, bits_at(b, o));
    mem_free(b->bytes);
    *b = wide;
}

/* A sum, mean or count of whole numbers (nearly every aggregate of a feed),
 * added in place. The values are counts, never negative, and a cell's sum
 * of a month's rows needs few bits: each slice's sums are kept in the bits
 * its largest needs (Bits), the column repacked wider when a sum passes
 * them. */
typedef struct Whole {
    bool      summed;       /* false for a count (its sums stay 0) */
    Bits      sum;
    uint32_t *count;        /* values counted; NULL while that is every row of the cell */
    /* A sum needs no count, only whether any value was counted: once a row
     * is not, a bit a cell instead of count's four bytes. */
    bool      sum_only;
    uint64_t *seen;         /* bit o: cell o counted a value */
} Whole;

static size_t seen_words(uint32_t cells) { return ((size_t)cells + 63) / 64; }
static bool seen_at(const uint64_t *seen, uint32_t o) { return seen[o / 64] >> (o % 64) & 1; }
static void seen_set(uint64_t *seen, uint32_t o) { seen[o / 64] |= (uint64_t)1 << (o % 64); }

typedef struct Slice {
    int32_t   period;
    Day       vintage;      /* 0 without a vintage column */
    uint32_t  ident;        /* with `key`: the rows' identity, numbered within each organisation from 1; else 0 */
    uint32_t  cap;          /* cells: the feed's organisations 0 .. cap - 1 */
    /* cells outside [lo, hi) are 0 in every column (lo > hi: all are), so
     * widening a column repacks only those between: a month of a sparse
     * feed, or one filled in order, widens while few cells are in use */
    uint32_t  lo, hi;
    Bits      rows;         /* per cell: rows read (0: the organisation has none here) */
    Whole    *whole;        /* per whole-number aggregate */
    Acc      *accs;         /* per cell, per general aggregate: cap × nacc */
} Slice;

/* Adds v to cell o of b, a column of s (slice_reserve has made room for
 * o); the sum fits in int64, as the caller has checked. */
static inline void bits_add(Bits *b, const Slice *s, uint32_t o, int64_t v)
{
    uint64_t pos = (uint64_t)o * b->width, x;
    memcpy(&x, b->bytes + pos / 8, sizeof x);
    uint64_t cur = x >> (pos % 8) & b->mask;
    if ((uint64_t)v <= b->mask - cur || b->width == 64) {     /* no carry past the cell's bits */
        x += (uint64_t)v << (pos % 8);
        memcpy(b->bytes + pos / 8, &x, sizeof x);
        return;
    }
    bits_widen(b, s->cap, s->lo, s->hi, v < 0 ? 64 : bits_needed((int64_t)cur + v));
    bits_add(b, s, o, v);
}

static inline uint32_t rows_at(const Slice *s, uint32_t o) { return (uint32_t)bits_at(&s->rows, o); }

/* rows_at for any o: 0 outside the cells in use, without reading them. */
static inline uint32_t rows_in(const Slice *s, uint32_t o) { return o >= s->lo && o < s->hi ? rows_at(s, o) : 0; }

/* Adds n rows to cell o of s (n and the total never pass UINT32_MAX: the row limit is below it). */
static void rows_add(Slice *s, uint32_t o, uint32_t n) { bits_add(&s->rows, s, o, n); }

/* A cell's bits from the slice's rows, for the first row not counted: each
 * cell's rows so far were all counted. */
static uint64_t *seen_from_rows(const Slice *s)
{
    uint64_t *seen = mem_calloc(seen_words(s->cap), sizeof *seen);
    for (uint32_t i = s->lo; i < s->hi; i++)
        if (rows_at(s, i)) seen_set(seen, i);
    return seen;
}

/* A count array that starts as a copy of the slice's rows. */
static uint32_t *rows_copy(const Slice *s)
{
    uint32_t *c = mem_calloc(s->cap, sizeof *c);
    for (uint32_t i = s->lo; i < s->hi; i++) c[i] = rows_at(s, i);
    return c;
}

typedef struct FeedAgg {
    uint32_t agg;           /* index into p->aggs */
    uint8_t  func;
    int      column;        /* the declared column it reads */
    TypeKind type;
    int      filter;        /* function, or -1 */
    int32_t  same_filter;   /* an earlier aggregate whose filter is the same code, or -1 */
    bool     simple;        /* the filter is a comparison of cells with constants: pred runs it */
    uint8_t  cell_kind;     /* and one of a typed cell with a constant: pred_cell_kind's, or 0 */
    Pred     pred;
    int     *filter_pos;    /* positions of the filter's columns in the record */
    TypeKind *filter_types;
    uint16_t nfilter;
    int32_t  whole;         /* a sum, mean or count of whole numbers: its Whole in a slice */
    int32_t  acc;           /* otherwise: its Acc in a cell */
} FeedAgg;

/* A feed with `key = type, site`: each organisation's identities (the key
 * columns' cells) numbered from 1 as they first appear in it. A slice is
 * then one (period, vintage, identity number), so a later publication of
 * one identity sits beside the earlier ones of the others, and a query
 * takes, per organisation, period and identity, the latest vintage on or
 * before the day. Numbering within the organisation keeps the slices as
 * few as the most identities any one organisation has. */
typedef struct Ident { uint32_t org, ident; char *key; size_t len; } Ident;     /* key: length-prefixed cells */

/* What loading builds: the slices and the feed's own numbering of its
 * organisations. */
typedef struct Store {
    Orgs     *orgs;         /* the feed's organisations, numbered as they first appear */
    Slice    *slices;
    uint32_t  nslices, cap;
    uint32_t *slots;        /* hash of (period, vintage): slice + 1, 0 empty */
    size_t    nslots;
    VEC(ValueRun) runs;     /* the values of median accumulators */
    VEC(Ident) idents;      /* with `key` */
    uint32_t *ident_slots;  /* hash of (org, key): index + 1 in idents, 0 empty */
    size_t    nident_slots;
    VEC(uint32_t) nidents;  /* per organisation: identities numbered so far */
    int32_t   period_lo, period_hi;     /* the periods seen (period_lo > period_hi: none) */
    /* a general sum or mean has been other than a small exact number (see
     * small_exact): adding another half's to it might not give what adding
     * its rows one at a time does */
    bool      sums_big;
} Store;

/* Figures added up per system (feed_index_systems) */
typedef struct SysTotals SysTotals;

struct FeedData {
    const BcProgram *p;
    const BcFeed *schema;
    FeedStats stats;
    FeedAgg  *aggs;
    uint32_t  naggs;
    uint32_t *rules;        /* indexes into p->rules: this feed's row rules */
    uint32_t  nrules;
    Pred     *rule_preds;   /* per row rule: its condition, if a predicate runs it (.code not NULL) */
    uint32_t  nwhole, nacc;
    Store     store;
    /* after loading: slices sorted by period and vintage, and indexes */
    int32_t   first_period;
    uint32_t  nperiods;
    uint32_t *period_first; /* slices of period first_period + i: [period_first[i], period_first[i + 1]) */
    uint32_t *local_of;     /* an organisation's number in the feed, by its id in the shared Orgs */
    uint32_t *global_of;    /* and back */
    uint8_t  *reports;      /* per organisation: it has rows (of any period or vintage) */
    uint32_t  norgs;        /* organisations numbered in the feed (global_of's, reports') */
    uint32_t  norg_index;   /* ids local_of covers */
    /* FeedOptions.windows_only: the periods whose rows are aggregated */
    bool      windows_only;
    int32_t   keep_lo, keep_hi;
    SysTotals *totals;          /* per system of one hierarchy (feed_index_systems), or NULL */
};

/* Whether period p's rows are aggregated, not only counted. */
static bool period_kept(const FeedData *f, int32_t p)
{
    return !f->windows_only || (p >= f->keep_lo && p <= f->keep_hi);
}

/* Murmur3's 64-bit finaliser: every input bit reaches the low bits the
 * table is indexed by. */
static uint64_t slice_hash(int32_t period, Day vintage, uint32_t ident)
{
    uint64_t h = ((uint64_t)(uint32_t)period << 32 | (uint32_t)vintage) ^ (uint64_t)ident * 0x9E3779B97F4A7C15u;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDu;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53u;
    return h ^ (h >> 33);
}

/* Grows an array of n items of `size` bytes to `cap`, zeroing the new ones. */
static void *grow_zeroed(void *p, size_t n, size_t cap, size_t size)
{
    if (!p || !size || cap <= n) return p;
    p = mem_realloc(p, cap * size);
    memset((char *)p + n * size, 0, (cap - n) * size);
    return p;
}

static int64_t sum_of(const Whole *w, uint32_t o) { return (int64_t)bits_at(&w->sum, o); }

/* The values cell o counted, given its rows. */
static inline uint32_t count_of(const Whole *w, uint32_t o, uint32_t rows)
{
    return w->count ? w->count[o] : w->seen ? seen_at(w->seen, o) : rows;
}

/* Adds a count to a cell's sum; the caller has checked that it fits in int64. */
static void sum_add(const Slice *s, Whole *w, uint32_t o, int64_t v) { bits_add(&w->sum, s, o, v); }

/* A column of bits grown from `cells` to `cap`, the new ones 0. */
static void bits_grow(Bits *b, uint32_t cells, uint32_t cap)
{
    b->bytes = grow_zeroed(b->bytes, bits_size(cells, b->width), bits_size(cap, b->width), 1);
}

/* Grows s to hold organisation o: past the feed's first period, a new
 * organisation is rare, so doubling costs little. */
static void slice_grow(const FeedData *f, Slice *s, uint32_t o)
{
    uint32_t cap = o + 1 > s->cap * 2 ? o + 1 : s->cap * 2;
    bits_grow(&s->rows, s->cap, cap);
    for (uint32_t j = 0; s->whole && j < f->nwhole; j++) {
        Whole *w = &s->whole[j];
        bits_grow(&w->sum, s->cap, cap);
        if (w->count) w->count = grow_zeroed(w->count, s->cap, cap, sizeof *w->count);
        if (w->seen) w->seen = grow_zeroed(w->seen, seen_words(s->cap), seen_words(cap), sizeof *w->seen);
    }
    if (s->accs) s->accs = grow_zeroed(s->accs, (size_t)s->cap * f->nacc, (size_t)cap * f->nacc, sizeof *s->accs);
    s->cap = cap;
}

/* Makes room in s for organisation o, about to be added to (a call for
 * every row: the growing is apart). */
static inline void slice_reserve(const FeedData *f, Slice *s, uint32_t o)
{
    if (o < s->lo) s->lo = o;
    if (o >= s->hi) s->hi = o + 1;
    if (o >= s->cap) slice_grow(f, s, o);
}

static void slice_free(const FeedData *f, Slice *s)
{
    mem_free(s->rows.bytes);
    for (uint32_t j = 0; s->whole && j < f->nwhole; j++) {
        mem_free(s->whole[j].sum.bytes);
        mem_free(s->whole[j].count);
        mem_free(s->whole[j].seen);
    }
    mem_free(s->whole);
    mem_free(s->accs);
}

/* The slice of (period, vintage, identity), or UINT32_MAX. */
static uint32_t slice_find(const Store *st, int32_t period, Day vintage, uint32_t ident)
{
    if (!st->nslots) return UINT32_MAX;
    for (size_t i = slice_hash(period, vintage, ident) & (st->nslots - 1);; i = (i + 1) & (st->nslots - 1)) {
        uint32_t k = st->slots[i];
        if (!k) return UINT32_MAX;
        const Slice *s = &st->slices[k - 1];
        if (s->period == period && s->vintage == vintage && s->ident == ident) return k - 1;
    }
}

static uint64_t ident_hash(uint32_t org, const char *key, size_t len)
{
    return hash_bytes(key, len) ^ ((uint64_t)org * 0xC4CEB9FE1A85EC53u);
}

/* Organisation o's number for the identity key (length-prefixed cells), or 0 if it has none yet. */
static uint32_t ident_find(const Store *st, uint32_t o, const char *key, size_t len)
{
    if (!st->nident_slots) return 0;
    for (size_t i = ident_hash(o, key, len) & (st->nident_slots - 1);; i = (i + 1) & (st->nident_slots - 1)) {
        uint32_t k = st->ident_slots[i];
        if (!k) return 0;
        const Ident *id = &st->idents.items[k - 1];
        if (id->org == o && id->len == len && memcmp(id->key, key, len) == 0) return id->ident;
    }
}

/* Organisation o's number for the identity key, numbering it if it is new. */
static uint32_t ident_of(Store *st, uint32_t o, const char *key, size_t len)
{
    uint32_t known = ident_find(st, o, key, len);
    if (known) return known;
    if ((st->idents.len + 1) * 2 > st->nident_slots) {
        size_t n = st->nident_slots ? st->nident_slots * 2 : 64;
        mem_free(st->ident_slots);
        st->ident_slots = mem_calloc(n, sizeof *st->ident_slots);
        st->nident_slots = n;
        for (size_t k = 0; k < st->idents.len; k++) {
            const Ident *id = &st->idents.items[k];
            size_t i = ident_hash(id->org, id->key, id->len) & (n - 1);
            while (st->ident_slots[i]) i = (i + 1) & (n - 1);
            st->ident_slots[i] = (uint32_t)k + 1;
        }
    }
    while (st->nidents.len <= o) vec_push(&st->nidents, 0u);
    uint32_t number = ++st->nidents.items[o];
    char *copy = mem_alloc(len + 1);
    memcpy(copy, key, len);
    vec_push(&st->idents, ((Ident){ o, number, copy, len }));
    size_t i = ident_hash(o, key, len) & (st->nident_slots - 1);
    while (st->ident_slots[i]) i = (i + 1) & (st->nident_slots - 1);
    st->ident_slots[i] = (uint32_t)st->idents.len;
    return number;
}

/* Adds a slice that st does not have; its index. */
static uint32_t slice_add(Store *st, Slice s)
{
    if ((st->nslices + 1) * 2 > st->nslots) {
        size_t n = st->nslots ? st->nslots * 2 : 64;
        mem_free(st->slots);
        st->slots = mem_calloc(n, sizeof *st->slots);
        st->nslots = n;
        for (uint32_t k = 0; k < st->nslices; k++) {
            size_t i = slice_hash(st->slices[k].period, st->slices[k].vintage, st->slices[k].ident) & (n - 1);
            while (st->slots[i]) i = (i + 1) & (n - 1);
            st->slots[i] = k + 1;
        }
    }
    size_t i = slice_hash(s.period, s.vintage, s.ident) & (st->nslots - 1);
    while (st->slots[i]) i = (i + 1) & (st->nslots - 1);
    if (st->nslices == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->slices = mem_realloc(st->slices, st->cap * sizeof *st->slices);
    }
    st->slices[st->nslices] = s;
    st->slots[i] = st->nslices + 1;
    return st->nslices++;
}

/* The slice of (period, vintage, identity), added if new; o is the
 * organisation about to be put in it. A slice of a second or later
 * identity holds only organisations with that many: it starts as small as
 * o allows, and grows (by doubling) as others need it. */
static uint32_t slice_index(const FeedData *f, Store *st, int32_t period, Day vintage, uint32_t ident, uint32_t o)
{
    uint32_t found = slice_find(st, period, vintage, ident);
    if (found != UINT32_MAX) return found;
    uint32_t cap = orgs_count(st->orgs) ? orgs_count(st->orgs) : 1;
    if (ident > 1) cap = o + 1;
    /* columns start as wide as those of the slice added last: the periods
     * of a feed look alike, and each widening repacks the cells in use */
    const Slice *like = st->nslices ? &st->slices[st->nslices - 1] : NULL;
    Slice s = { .period = period, .vintage = vintage, .ident = ident, .cap = cap, .lo = UINT32_MAX,
                .rows = bits_new(cap, start_width(like ? &like->rows : NULL)) };
    if (!period_kept(f, period)) return slice_add(st, s);      /* row counts only */
    if (like && !like->whole) like = NULL;
    s.whole = mem_calloc((size_t)f->nwhole + 1, sizeof *s.whole);
    for (uint32_t j = 0; j < f->naggs; j++)
        if (f->aggs[j].whole >= 0 && f->aggs[j].func != AGG_COUNT)
            s.whole[f->aggs[j].whole] = (Whole){ .summed = true, .sum_only = f->aggs[j].func == AGG_SUM };
    for (uint32_t j = 0; j < f->nwhole; j++)
        s.whole[j].sum = bits_new(cap, start_width(like && s.whole[j].summed ? &like->whole[j].sum : NULL));
    s.accs = f->nacc ? mem_calloc((size_t)cap * f->nacc, sizeof *s.accs) : NULL;
    return slice_add(st, s);
}

/* An exact number of at most 40 bits over at most 20: the sum of two such
 * is exact whatever their denominators, so halves whose sums (and every
 * partial sum) are such can be added together and give what adding the
 * rows in order does, where no partial sum passed into a real. */
static bool small_exact(Value v)
{
    const int64_t most = (int64_t)1 << 40;
    return v.kind == V_NUM && v.as.num.d <= (1 << 20) && v.as.num.n <= most && v.as.num.n >= -most;
}

static void accumulate(Store *st, Acc *a, uint8_t func, Value v)
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
        if (st && !small_exact(a->value)) st->sums_big = true;       /* st: loading, not a query */
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
            vec_push(&st->runs, ((ValueRun){ NULL, 0, 0 }));
            a->run = (uint32_t)st->runs.len;
        }
        ValueRun *r = &st->runs.items[a->run - 1];
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
    size_t i = hash_bytes(key, len) & (c->cap - 1);
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

/* A declared column's cell in the current row: a count as a bare int64
 * (no Value to build), any other type as a Value. */
typedef struct Typed { Value value; int64_t whole; bool present; } Typed;

/* A period's text (1 to 32 bytes; len 0: none yet) and its value. */
typedef struct PeriodText { char text[32]; size_t len; Value value; } PeriodText;
enum { PERIOD_TEXTS = 1024 };        /* 12 years of months, each in a slot of its own nearly always */

/* The organisation that followed another last time: its id + 1 (0 none),
 * and its code, to be compared without a call. */
typedef struct Follower { uint32_t id1, len; const char *code; } Follower;

/* Reads rows into a Store. The header's layout is shared; the rest is
 * the reader's own, so two can run at once on halves of a file. */
typedef struct Loader {
    FeedData   *f;
    Store      *st;
    Vm         *vm;
    RowSource  *src;
    const DataLimits *lim;
    const char *name;
    int         org_pos, period_pos, vintage_pos;
    int        *col_pos;            /* declared column -> record position */
    size_t      nheader;
    uint64_t    rows, skipped;
    FilterCache *caches;            /* one per aggregate */
    Typed      *cells;              /* the row's declared columns, parsed */
    bool       *passes;             /* per aggregate: the row passed its where */
    uint32_t   *filtered;           /* the aggregates with a where, in order */
    uint32_t    nfiltered;
    uint16_t   *summed_cols;        /* the count columns some aggregate sums, each once */
    uint16_t    nsummed_cols;
    uint64_t    summed;             /* their cells read so far, all together (at most INT64_MAX) */
    /* rows come grouped by period and by organisation: each is looked up once a run */
    uint32_t    last_org;
    const char *last_org_ptr;
    size_t      last_org_len;
    /* and in the same order each period: the organisation that followed
     * each last time (id + 1, 0 none) is tried before the hash table */
    Follower   *follower;
    uint32_t    nfollower;
    PeriodText *periods;            /* PERIOD_TEXTS, by their text's hash */
    PeriodText *last_period;        /* the last row's, one of those */
    bool        in_slice;
    uint32_t    slice;              /* the last row's slice */
    unsigned    progress_scale;     /* 2 while the first of two halves loads: it is half the work */
} Loader;

static Value typed_value(const Typed *t, TypeKind type)
{
    if (!t->present) return val_missing();
    return type == T_COUNT ? val_num(num_int(t->whole), T_COUNT) : t->value;
}

static bool filter_passes(Loader *l, uint32_t j, const CsvField *rec, bool *ok, char *why, size_t cap)
{
    FeedAgg *a = &l->f->aggs[j];
    if (a->filter < 0) return true;
    if (a->simple) {
        /* over the cells load_row has typed: no VM, no cache */
        const BcAggregate *ba = &l->f->p->aggs[a->agg];
        if (a->cell_kind) {
            /* `type == "1"`: the cell itself, no Values (a missing cell makes the comparison missing) */
            const Typed *t = &l->cells[ba->filter_cols[a->pred.param]];
            if (!t->present) return false;
            return a->cell_kind == PRED_CELL_TEXT
                       ? pred_text_passes(&a->pred, t->value.as.text.bytes, t->value.as.text.len)
                       : pred_whole_passes(&a->pred, t->whole);
        }
        Value args[BC_MAX_FILTER_COLUMNS];
        for (uint16_t i = 0; i < a->nfilter; i++)
            args[i] = typed_value(&l->cells[ba->filter_cols[i]], a->filter_types[i]);
        return pred_passes(&a->pred, args);
    }
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
    Value args[BC_MAX_FILTER_COLUMNS];     /* the verifier bounds nfilter */
    for (uint16_t i = 0; i < a->nfilter; i++)
        rows_parse_cell(a->filter_types[i], l->f->schema->columns[l->f->p->aggs[a->agg].filter_cols[i]].format,
                   &rec[a->filter_pos[i]], &args[i]);
    Value r;
    VmStatus s = vm_call(l->vm, (uint32_t)a->filter, args, &r);
    if (s != VM_OK) {
        *ok = why_say(why, cap, "%s%s: a where condition failed: %s", s == VM_LIMIT ? "limit: " : "", l->name,
                        vm_message(l->vm));
        return false;
    }
    bool pass = r.kind == V_BOOL && r.as.boolean;
    if (cacheable) cache_put(c, key, k, pass);
    return pass;
}

/* The feed's row rules (`require = …`) over the row's parsed cells: false
 * (with why) if one fails to run or is broken. A rule whose value is missing
 * (a cell it reads is empty) is not broken. */
static bool rules_hold(Loader *l, uint64_t line, char *why, size_t cap)
{
    FeedData *f = l->f;
    const BcFeed *s = f->schema;
    for (uint32_t j = 0; j < f->nrules; j++) {
        const BcRowRule *rule = &f->p->rules[f->rules[j]];
        Value args[BC_MAX_FILTER_COLUMNS];
        for (uint16_t i = 0; i < rule->nfilter && i < BC_MAX_FILTER_COLUMNS; i++)
            args[i] = typed_value(&l->cells[rule->filter_cols[i]], (TypeKind)s->columns[rule->filter_cols[i]].type);
        Value r;
        VmStatus st = VM_OK;
        if (f->rule_preds[j].code) r = pred_eval(&f->rule_preds[j], args);
        else st = vm_call(l->vm, (uint32_t)rule->filter, args, &r);
        if (st != VM_OK)
            return why_say(why, cap, "%s%s:%llu: the row rule `%s` failed: %s", st == VM_LIMIT ? "limit: " : "",
                           l->name, (unsigned long long)line, rule->text, vm_message(l->vm));
        if (r.kind != V_BOOL || r.as.boolean) continue;
        char cols[256];
        size_t k = 0;
        cols[0] = '\0';
        for (uint16_t i = 0; i < rule->nfilter && k < sizeof cols; i++) {
            char v[64];
            val_format(args[i], false, v, sizeof v);
            int w = snprintf(cols + k, sizeof cols - k, "%s%s %s", i ? ", " : "", s->columns[rule->filter_cols[i]].name, v);
            if (w < 0) break;
            k += (size_t)w;
        }
        return why_say(why, cap, "%s:%llu: the row breaks `%s`%s%s%s", l->name, (unsigned long long)line, rule->text,
                       rule->nfilter ? " (" : "", cols, rule->nfilter ? ")" : "");
    }
    return true;
}

/* The periods from the store's first to its last: what its index by period
 * is sized by. */
static uint64_t period_span(const Store *st)
{
    return st->period_lo > st->period_hi ? 0 : (uint64_t)((int64_t)st->period_hi - st->period_lo + 1);
}

/* Widens a's periods to hold b's. */
static void periods_join(Store *a, const Store *b)
{
    if (b->period_lo > b->period_hi) return;
    bool none = a->period_lo > a->period_hi;
    if (none || b->period_lo < a->period_lo) a->period_lo = b->period_lo;
    if (none || b->period_hi > a->period_hi) a->period_hi = b->period_hi;
}

/* Widens the store's periods to hold p, within the limit. */
static bool periods_within(Loader *l, int32_t p, char *why, size_t cap)
{
    Store *st = l->st;
    if (p >= st->period_lo && p <= st->period_hi) return true;
    if (st->period_lo > st->period_hi) st->period_lo = st->period_hi = p;
    else if (p < st->period_lo) st->period_lo = p;
    else st->period_hi = p;
    return rows_limit(l->src, period_span(st), l->lim->periods, "periods from the first to the last", "max-periods",
                      why, cap);
}

/* The organisation of a row whose code differs from the last row's: the
 * one that followed the last row's organisation last time if the bytes are
 * the same (a feed sorted by period, then organisation, gives it nearly
 * always), else the hash table's; false (with why) past the limit. */
static bool org_of(Loader *l, const CsvField *org, uint32_t *o, char *why, size_t cap)
{
    Orgs *orgs = l->st->orgs;
    uint32_t prev = l->last_org_ptr ? l->last_org : ORG_NONE;
    const Follower *g = prev < l->nfollower ? &l->follower[prev] : NULL;
    if (g && g->id1 && g->len == org->len && rows_same_bytes(g->code, org->ptr, org->len)) {
        *o = g->id1 - 1;
    } else {
        *o = orgs_intern(orgs, org->ptr, org->len);
        if (!rows_limit(l->src, orgs_count(orgs), l->lim->orgs, "organisations", "max-orgs", why, cap)) return false;
        if (prev != ORG_NONE) {
            if (prev >= l->nfollower) {
                uint32_t n = prev < 512 ? 1024 : prev * 2;
                l->follower = l->follower ? grow_zeroed(l->follower, l->nfollower, n, sizeof *l->follower)
                                          : mem_calloc(n, sizeof *l->follower);
                l->nfollower = n;
            }
            l->follower[prev] = (Follower){ *o + 1, (uint32_t)org->len, orgs_code(orgs, *o) };
        }
    }
    l->last_org = *o;
    l->last_org_ptr = orgs_code(orgs, *o);
    l->last_org_len = org->len;
    return true;
}

/* A period cell unlike the last row's: as parsed before if its text is in
 * the memo (a file sorted by organisation, then period, changes period
 * every row among a few), else parsed, and remembered with the last. */
static const char *period_read(Loader *l, const CsvField *pf, Value *period)
{
    PeriodText *m = NULL;
    if (pf->len && pf->len <= sizeof m->text) {
        m = &l->periods[hash_bytes(pf->ptr, pf->len) & (PERIOD_TEXTS - 1)];
        if (m->len == pf->len && rows_same_bytes(m->text, pf->ptr, pf->len)) {
            *period = m->value;
            l->last_period = m;
            return NULL;
        }
    }
    const char *bad = rows_parse_cell(rows_grain_type[l->f->schema->grain], COL_PLAIN, pf, period);
    if (bad || period->kind == V_MISSING || !m) return bad;
    memcpy(m->text, pf->ptr, pf->len);
    m->len = pf->len;
    m->value = *period;
    l->last_period = m;
    return NULL;
}

/* One row; false (with why) if it is bad. A bad row adds nothing. */
static bool load_row(Loader *l, const CsvField *rec, size_t n, char *why, size_t cap)
{
    FeedData *f = l->f;
    const BcFeed *s = f->schema;
    if (n != l->nheader)
        return why_say(why, cap, "%s:%llu: the row has %zu fields, but the header has %zu", l->name,
                    (unsigned long long)rows_line(l->src), n, l->nheader);
    const CsvField *org = &rec[l->org_pos];
    if (rows_is_missing(org) || org->len == 0)
        return why_say(why, cap, "%s:%llu: column `%s` (the organisation) is empty or `*`", l->name,
                    (unsigned long long)rows_line(l->src), s->org_col);
    Value period, vintage = val_missing();
    const char *bad = NULL;
    const CsvField *pf = &rec[l->period_pos];
    const PeriodText *last = l->last_period;
    if (last && pf->len == last->len && rows_same_bytes(pf->ptr, last->text, pf->len)) {
        period = last->value;
    } else {
        bad = period_read(l, pf, &period);
    }
    if (bad || period.kind == V_MISSING)
        return why_say(why, cap, "%s:%llu: column `%s`: `%.*s` %s", l->name, (unsigned long long)rows_line(l->src),
                    s->period_col, (int)rec[l->period_pos].len, rec[l->period_pos].ptr,
                    bad ? bad : "is empty: every row needs its period");
    if (l->vintage_pos >= 0) {
        bad = rows_parse_cell(T_DATE, COL_PLAIN, &rec[l->vintage_pos], &vintage);
        if (bad || vintage.kind == V_MISSING)
            return why_say(why, cap, "%s:%llu: column `%s`: `%.*s` %s", l->name, (unsigned long long)rows_line(l->src),
                        s->vintage_col, (int)rec[l->vintage_pos].len, rec[l->vintage_pos].ptr,
                        bad ? bad : "is empty: every row needs the date it was published");
    }
    /* in locals: the cells written could be, for all the compiler knows, the schema */
    const BcColumn *columns = s->columns;
    const int *col_pos = l->col_pos;
    Typed *cells = l->cells;
    for (uint32_t c = 0, ncolumns = s->ncolumns; c < ncolumns; c++) {
        const CsvField *cell = &rec[col_pos[c]];
        Typed *t = &cells[c];
        uint8_t type = columns[c].type;
        if (type == T_COUNT) {
            bad = rows_parse_count(cell, &t->whole, &t->present);
        } else {
            bad = type == T_TEXT ? rows_parse_text(cell, &t->value)
                                 : rows_parse_cell((TypeKind)type, columns[c].format, cell, &t->value);
            t->present = !bad && t->value.kind != V_MISSING;
        }
        if (bad)
            return why_say(why, cap, "%s:%llu: column `%s`: `%.*s%s` %s", l->name,
                        (unsigned long long)rows_line(l->src), columns[c].name,
                        (int)(cell->len > 60 ? 60 : cell->len), cell->ptr, cell->len > 60 ? "…" : "", bad);
    }
    /* the feed's row rules, then where conditions, which can fail, before anything is added */
    if (f->nrules && !rules_hold(l, rows_line(l->src), why, cap)) return false;
    bool kept = period_kept(f, period.as.period.index);
    for (uint32_t k = 0; kept && k < l->nfiltered; k++) {     /* passes[j] stays true for the others */
        bool ok = true;
        uint32_t j = l->filtered[k];
        int32_t same = f->aggs[j].same_filter;
        l->passes[j] = same >= 0 ? l->passes[same] : filter_passes(l, j, rec, &ok, why, cap);
        if (!ok) return false;
    }
    int32_t p = period.as.period.index;
    if ((p < l->st->period_lo || p > l->st->period_hi) && !periods_within(l, p, why, cap)) return false;
    uint32_t o;
    if (l->last_org_ptr && l->last_org_len == org->len && rows_same_bytes(l->last_org_ptr, org->ptr, org->len)) {
        o = l->last_org;
    } else if (!org_of(l, org, &o, why, cap)) {
        return false;
    }
    Day v = vintage.kind == V_MISSING ? 0 : vintage.as.period.index;
    uint32_t ident = 0;
    if (s->nkey && s->vintage_col) {
        char key[1024];
        size_t k = 0;
        for (uint16_t i = 0; i < s->nkey; i++) {
            const CsvField *cell = &rec[l->col_pos[s->key_cols[i]]];
            if (k + sizeof(uint32_t) + cell->len > sizeof key)
                return why_say(why, cap, "%s:%llu: the key columns' cells pass %zu bytes together", l->name,
                               (unsigned long long)rows_line(l->src), sizeof key - s->nkey * sizeof(uint32_t));
            uint32_t len = (uint32_t)cell->len;
            memcpy(key + k, &len, sizeof len);
            k += sizeof len;
            memcpy(key + k, cell->ptr, cell->len);
            k += cell->len;
        }
        ident = ident_of(l->st, o, key, k);
    }
    if (!l->in_slice || l->st->slices[l->slice].period != period.as.period.index || l->st->slices[l->slice].vintage != v
        || l->st->slices[l->slice].ident != ident) {
        l->slice = slice_index(f, l->st, period.as.period.index, v, ident, o);
        l->in_slice = true;
    }
    Slice *sl = &l->st->slices[l->slice];
    slice_reserve(f, sl, o);
    if (!kept) {                    /* outside every window: counted only */
        rows_add(sl, o, 1);
        return true;
    }
    /* and sums that would overflow, too: none can while the cells of the
     * summed columns this reader has read, all together, fit (a cell's sum
     * is some of them, as counts are not negative) */
    uint64_t row_sum = 0;
    bool fits = true;
    for (uint32_t k = 0, nsummed = l->nsummed_cols; k < nsummed; k++) {
        const Typed *t = &cells[l->summed_cols[k]];
        if (t->present) fits &= !__builtin_add_overflow(row_sum, (uint64_t)t->whole, &row_sum);
    }
    if (fits && row_sum <= (uint64_t)INT64_MAX - l->summed) {
        l->summed += row_sum;
    } else {
        l->summed = INT64_MAX;      /* from now on, cell by cell */
        for (uint32_t j = 0; j < f->naggs; j++) {
            const FeedAgg *a = &f->aggs[j];
            const Typed *t = &l->cells[a->column];
            int64_t sum;
            if (a->whole >= 0 && sl->whole[a->whole].summed && l->passes[j] && t->present &&
                __builtin_add_overflow(sum_of(&sl->whole[a->whole], o), t->whole, &sum))
                return why_say(why, cap, "%s:%llu: column `%s`: the sum for `%s` in one period passes 9.2 × 10^18",
                               l->name, (unsigned long long)rows_line(l->src), s->columns[a->column].name,
                               orgs_code(l->st->orgs, o));
        }
    }
    rows_add(sl, o, 1);
    /* in locals: a cell's bits written could be, for all the compiler knows, these pointers */
    const FeedAgg *aggs = f->aggs;
    const bool *passes = l->passes;
    Whole *whole = sl->whole;
    for (uint32_t j = 0, naggs = f->naggs; j < naggs; j++) {
        const FeedAgg *a = &aggs[j];
        const Typed *t = &cells[a->column];
        if (a->whole < 0) {
            if (passes[j]) accumulate(l->st, &sl->accs[(size_t)o * f->nacc + (uint32_t)a->acc], a->func,
                                      typed_value(t, a->type));
            continue;
        }
        Whole *w = &whole[a->whole];
        if (passes[j] && t->present) {
            if (w->summed) sum_add(sl, w, o, t->whole);
            if (w->count) w->count[o]++;
            else if (w->seen) seen_set(w->seen, o);
        } else if (w->sum_only && !w->seen) {
            /* the first row not counted: from now on whether any was is kept */
            w->seen = seen_from_rows(sl);
            if (rows_at(sl, o) == 1) w->seen[o / 64] &= ~((uint64_t)1 << (o % 64));
        } else if (!w->sum_only && !w->count) {
            /* the first row not counted: from now on the counts are kept */
            w->count = rows_copy(sl);
            w->count[o]--;
        }
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

static int slice_cmp(const void *a, const void *b)
{
    const Slice *x = a, *y = b;
    if (x->period != y->period) return x->period < y->period ? -1 : 1;
    if (x->ident != y->ident) return x->ident < y->ident ? -1 : 1;
    return (x->vintage > y->vintage) - (x->vintage < y->vintage);
}

/* Numbers the feed's organisations in the shared table, puts the slices in
 * order of period, identity and vintage, and indexes them by period. */
static void finish(FeedData *f, Orgs *orgs)
{
    Store *st = &f->store;
    uint32_t n = orgs_count(st->orgs);
    f->global_of = mem_alloc(((size_t)n + 1) * sizeof *f->global_of);
    for (uint32_t o = 0; o < n; o++) {
        const char *code = orgs_code(st->orgs, o);
        f->global_of[o] = orgs_intern(orgs, code, strlen(code));
    }
    f->norg_index = orgs_count(orgs);
    f->local_of = mem_alloc(((size_t)f->norg_index + 1) * sizeof *f->local_of);
    memset(f->local_of, 0xFF, ((size_t)f->norg_index + 1) * sizeof *f->local_of);      /* ORG_NONE */
    for (uint32_t o = 0; o < n; o++) f->local_of[f->global_of[o]] = o;
    orgs_free(st->orgs);
    st->orgs = NULL;
    mem_free(st->slots);
    st->slots = NULL;
    st->nslots = 0;
    mem_free(st->ident_slots);
    st->ident_slots = NULL;
    st->nident_slots = 0;

    if (st->nslices) qsort(st->slices, st->nslices, sizeof *st->slices, slice_cmp);
    uint32_t ns = st->nslices;
    int32_t lo = ns ? st->slices[0].period : 0, hi = ns ? st->slices[ns - 1].period : -1;
    f->first_period = lo;
    f->nperiods = (uint32_t)((int64_t)hi - lo + 1);
    f->period_first = mem_calloc((size_t)f->nperiods + 1, sizeof *f->period_first);
    for (uint32_t i = 0; i < ns; i++) f->period_first[st->slices[i].period - lo + 1]++;
    for (uint32_t p = 0; p < f->nperiods; p++) f->period_first[p + 1] += f->period_first[p];

    /* statistics: organisations with rows (those that report to the feed), periods, vintages */
    f->norgs = n;
    f->reports = mem_calloc((size_t)n + 1, 1);
    for (uint32_t o = 0; o < n; o++)        /* nearly always the first period tells */
        for (uint32_t i = 0; i < ns && !f->reports[o]; i++) f->reports[o] = rows_in(&st->slices[i], o) > 0;
    for (uint32_t o = 0; o < n; o++) f->stats.orgs += f->reports[o];
    for (uint32_t i = 0; i < ns; i++)
        for (uint32_t o = st->slices[i].lo; !st->slices[i].whole && o < st->slices[i].hi && o < n; o++)
            f->stats.outside += rows_at(&st->slices[i], o);
    for (uint32_t p = 0; p < f->nperiods; p++) f->stats.periods += f->period_first[p + 1] > f->period_first[p];
    if (f->schema->vintage_col && ns) {
        int32_t *vintages = mem_alloc((size_t)ns * sizeof *vintages);
        for (uint32_t i = 0; i < ns; i++) vintages[i] = st->slices[i].vintage;
        f->stats.vintages = distinct(vintages, ns);
        mem_free(vintages);
    }
    f->stats.first = (Period){ (Grain)f->schema->grain, ns ? lo : 0 };
    f->stats.last = (Period){ (Grain)f->schema->grain, ns ? hi : 0 };
}

/* A reader's own state: where it puts rows, and its scratch. */
static void loader_start(Loader *l, Store *st, RowSource *src)
{
    l->st = st;
    l->src = src;
    l->caches = mem_calloc((size_t)l->f->naggs + 1, sizeof *l->caches);
    l->passes = mem_calloc((size_t)l->f->naggs + 1, sizeof *l->passes);
    l->filtered = mem_calloc((size_t)l->f->naggs + 1, sizeof *l->filtered);
    l->nfiltered = 0;
    for (uint32_t j = 0; j < l->f->naggs; j++) {
        if (l->f->aggs[j].filter >= 0) l->filtered[l->nfiltered++] = j;
        else l->passes[j] = true;
    }
    l->summed_cols = mem_calloc((size_t)l->f->schema->ncolumns + 1, sizeof *l->summed_cols);
    l->nsummed_cols = 0;
    for (uint16_t c = 0; c < l->f->schema->ncolumns; c++) {
        bool summed = false;
        for (uint32_t j = 0; j < l->f->naggs && !summed; j++)
            summed = l->f->aggs[j].whole >= 0 && l->f->aggs[j].func != AGG_COUNT && l->f->aggs[j].column == c;
        if (summed) l->summed_cols[l->nsummed_cols++] = c;
    }
    l->summed = 0;
    l->cells = mem_calloc((size_t)l->f->schema->ncolumns + 1, sizeof *l->cells);
    l->follower = NULL;
    l->nfollower = 0;
    l->periods = mem_calloc(PERIOD_TEXTS, sizeof *l->periods);
    l->last_period = NULL;
}

static void loader_end(Loader *l)
{
    for (uint32_t j = 0; j < l->f->naggs; j++) {
        for (size_t i = 0; i < l->caches[j].cap; i++) mem_free(l->caches[j].slots[i].key);
        mem_free(l->caches[j].slots);
    }
    mem_free(l->caches);
    mem_free(l->cells);
    mem_free(l->passes);
    mem_free(l->filtered);
    mem_free(l->summed_cols);
    mem_free(l->follower);
    mem_free(l->periods);
}

/* Maps the header to the schema's columns and the aggregates to positions. */
static bool read_header(Loader *l, char *why, size_t cap)
{
    FeedData *f = l->f;
    const BcFeed *s = f->schema;
    const CsvField *h;
    size_t n;
    CsvStatus st = rows_next(l->src, &h, &n);
    if (st == CSV_ERROR) return why_say(why, cap, "%s: %s", l->name, rows_error(l->src));
    if (st == CSV_END) return why_say(why, cap, "%s: the file is empty: it needs a header naming its columns", l->name);
    if (!rows_within(l->src, l->lim, h, n, 0, why, cap)) return false;
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
                return why_say(why, cap, "%s:%llu: column `%.*s` appears twice in the header", l->name,
                            (unsigned long long)rows_line(l->src), (int)h[i].len, h[i].ptr);
    }
    struct { const char *name; int *pos; } keys[] = {
        { s->org_col, &l->org_pos }, { s->period_col, &l->period_pos }, { s->vintage_col, &l->vintage_pos },
    };
    for (size_t k = 0; k < 3; k++) {
        *keys[k].pos = keys[k].name ? rows_header_position(h, n, keys[k].name) : -1;
        if (keys[k].name && *keys[k].pos < 0)
            return why_say(why, cap, "%s: the header has no column `%s` (feed `%s` names it)", l->name, keys[k].name,
                        s->name);
    }
    l->col_pos = mem_calloc((size_t)s->ncolumns + 1, sizeof *l->col_pos);
    for (uint16_t c = 0; c < s->ncolumns; c++) {
        l->col_pos[c] = rows_header_position(h, n, s->columns[c].name);
        if (l->col_pos[c] < 0)
            return why_say(why, cap, "%s: the header has no column `%s` (feed `%s` declares it)", l->name,
                        s->columns[c].name, s->name);
    }
    return true;
}

/* Whether two aggregates' where conditions are the same code over the same
 * columns (the compiler makes one filter function per aggregate). */
static bool same_filter(const BcProgram *p, const BcAggregate *a, const BcAggregate *b)
{
    const BcFunction *x = &p->fns[a->filter], *y = &p->fns[b->filter];
    return a->nfilter == b->nfilter && memcmp(a->filter_cols, b->filter_cols, a->nfilter * sizeof *a->filter_cols) == 0
        && x->nparams == y->nparams && x->nregs == y->nregs && x->ncode == y->ncode
        && memcmp(x->param_types, y->param_types, x->nparams) == 0
        && memcmp(x->code, y->code, x->ncode * sizeof *x->code) == 0;
}

static void feed_aggs(FeedData *f, uint16_t feed)
{
    const BcProgram *p = f->p;
    for (uint32_t g = 0; g < p->nrules; g++) f->nrules += p->rules[g].feed == feed;
    f->rules = mem_calloc((size_t)f->nrules + 1, sizeof *f->rules);
    for (uint32_t g = 0, k = 0; g < p->nrules; g++)
        if (p->rules[g].feed == feed) f->rules[k++] = g;
    f->rule_preds = mem_calloc((size_t)f->nrules + 1, sizeof *f->rule_preds);
    for (uint32_t k = 0; k < f->nrules && !getenv("PLEDGE_TEST_VM_FILTERS"); k++)
        if (!pred_compile(p, p->rules[f->rules[k]].filter, &f->rule_preds[k])) f->rule_preds[k].code = NULL;
    for (uint32_t g = 0; g < p->naggs; g++) f->naggs += p->aggs[g].feed == feed;
    f->aggs = mem_calloc((size_t)f->naggs + 1, sizeof *f->aggs);
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
        fa->simple = a->filter >= 0 && !getenv("PLEDGE_TEST_VM_FILTERS") && pred_compile(p, a->filter, &fa->pred);
        if (fa->simple && fa->pred.one >= 0 && fa->pred.param < a->nfilter) {
            uint16_t column = a->filter_cols[fa->pred.param];
            fa->cell_kind = pred_cell_kind(&fa->pred, (TypeKind)f->schema->columns[column].type);
        }
        /* `sum(x where t == "1") / sum(y where t == "1")`: two filters, one condition, run once a row */
        fa->same_filter = -1;
        for (uint32_t k = 0; k + 1 < j && fa->filter >= 0 && fa->same_filter < 0; k++)
            if (f->aggs[k].filter >= 0 && same_filter(p, &p->aggs[f->aggs[k].agg], a)) fa->same_filter = (int32_t)k;
        bool whole = a->func == AGG_COUNT || ((a->func == AGG_SUM || a->func == AGG_MEAN) && fa->type == T_COUNT);
        fa->whole = whole ? (int32_t)f->nwhole++ : -1;
        fa->acc = whole ? -1 : (int32_t)f->nacc++;
    }
}

/* Tells opt->progress about how far the file is read, every 64k rows. */
static void progress(const Loader *l, const FeedOptions *opt)
{
    if (!opt || !opt->progress || !l->src->csv || (l->rows & 0xFFFF)) return;
    size_t len;
    uint64_t line;
    csv_data(l->src->csv, &len);
    uint64_t done = (uint64_t)csv_position(l->src->csv, &line) * (l->progress_scale ? l->progress_scale : 1);
    opt->progress(opt->progress_ud, l->name, done < len ? done : len, len);
}

/* Reads the rest of l's source. opt NULL: stop at the first bad row. */
static bool load_rows(Loader *l, const FeedOptions *opt, char *why, size_t whycap)
{
    const CsvField *rec;
    size_t n;
    char rowwhy[512];
    for (;;) {
        progress(l, opt);
        CsvStatus st = rows_next(l->src, &rec, &n);
        if (st == CSV_END) return true;
        if (st == CSV_ERROR) return why_say(why, whycap, "%s: %s", l->name, rows_error(l->src));
        l->rows++;
        /* a limit reached is not a bad row: the run stops, skipping or not */
        if (!rows_within(l->src, l->lim, rec, n, l->rows, why, whycap)) return false;
        if (load_row(l, rec, n, rowwhy, sizeof rowwhy)) continue;
        /* a limit reached is not a bad row: the run stops, skipping or not */
        if (!opt || !opt->skip_bad_rows || why_is_limit(rowwhy))
            return why_say(why, whycap, "%s", rowwhy);
        l->skipped++;
        if (opt->report) fprintf(opt->report, "pledge: skipped %s\n", rowwhy);
    }
}

static void store_free(const FeedData *f, Store *st)
{
    for (uint32_t i = 0; i < st->nslices; i++) slice_free(f, &st->slices[i]);
    mem_free(st->slices);
    mem_free(st->slots);
    orgs_free(st->orgs);
    for (size_t i = 0; i < st->runs.len; i++) mem_free(st->runs.items[i].items);
    vec_free(&st->runs);
    for (size_t i = 0; i < st->idents.len; i++) mem_free(st->idents.items[i].key);
    vec_free(&st->idents);
    mem_free(st->ident_slots);
    vec_free(&st->nidents);
}

/* ---- loading on two cores -------------------------------------------------------- */

/* Below this the second thread costs more than it saves. */
enum { PARALLEL_MIN_BYTES = 8 << 20 };

/* The cells of s that can hold rows: a slice may have room to spare. */
static uint32_t slice_used(const Slice *s, const Store *st)
{
    return s->cap < orgs_count(st->orgs) ? s->cap : orgs_count(st->orgs);
}

/* How b's organisations and identities are numbered in a (orgs_after,
 * idents_after). */
typedef struct Renumbering {
    const uint32_t *org;        /* b's organisation o is a's org[o] */
    uint32_t *ident_first;      /* with identities: b's organisation o's are ident[ident_first[o] ...] */
    uint32_t *ident;            /* a's number of each */
} Renumbering;

/* a's number of the identity b numbers `ident` in its organisation o. */
static uint32_t ident_after(const Renumbering *to, uint32_t o, uint32_t ident)
{
    return ident && to->ident ? to->ident[to->ident_first[o] + ident - 1] : ident;
}

/* Whether the second half's sums can be added to the first's without
 * passing int64 (where they share a slice); if not, the rows are read
 * again in order, so the error names the row that passes it. */
static bool sums_fit(const FeedData *f, const Store *a, const Store *b, const Renumbering *to)
{
    for (uint32_t k = 0; k < b->nslices; k++) {
        const Slice *sb = &b->slices[k];
        uint32_t i = UINT32_MAX, ident = UINT32_MAX, used = slice_used(sb, b);
        /* without identities, a slice a lacks shares no cell (most of them) */
        if (!to->ident && slice_find(a, sb->period, sb->vintage, sb->ident) == UINT32_MAX) continue;
        for (uint32_t o = 0; sb->whole && o < used; o++) {
            if (!rows_at(sb, o)) continue;
            uint32_t ia = ident_after(to, o, sb->ident), oa = to->org[o];
            if (ia != ident) i = slice_find(a, sb->period, sb->vintage, ident = ia);
            if (i == UINT32_MAX || oa >= a->slices[i].cap) continue;
            const Slice *sa = &a->slices[i];
            for (uint32_t j = 0; j < f->nwhole; j++) {
                int64_t sum;
                if (sb->whole[j].summed && __builtin_add_overflow(sum_of(&sa->whole[j], oa), sum_of(&sb->whole[j], o), &sum))
                    return false;
            }
        }
    }
    return true;
}

/* The cells of a's organisations that b's do not move to (to_a is onto
 * the rest of 0 .. norgs - 1): renumbered columns zero only those. */
typedef struct Gaps { uint32_t *cells, n, norgs; } Gaps;

/* The length of the run of b's organisations from o that a numbers one
 * after another (to_a[o], to_a[o] + 1, ...), up to `used`: organisations
 * come in much the same order in every part of a file, so the runs are
 * long, and a run's cells move as one block. */
static uint32_t run_from(const uint32_t *to_a, uint32_t o, uint32_t used)
{
    uint32_t e = o + 1;
    while (e < used && to_a[e] == to_a[e - 1] + 1) e++;
    return e - o;
}

/* One column of a slice, renumbered in place: the cell of b's organisation
 * o moves to to_a[o], in the column grown to cap cells; tmp holds a copy
 * of its cells meanwhile. In place, not into a new column: b's columns
 * were allocated on its own thread, and a new one for each (with the old
 * freed to that thread's allocator arena, which keeps it) raised the
 * load's peak memory by the size of b's store. With gaps (the slice has a
 * cell for each of b's organisations), only the cells none moves to are
 * zeroed, not the whole column first. */
static void *renumber(void *col, size_t size, uint32_t used, const uint32_t *to_a, uint32_t cap, const Gaps *gaps,
                      char *tmp)
{
    if (!col) return NULL;
    memcpy(tmp, col, (size_t)used * size);
    char *moved = mem_realloc(col, (size_t)cap * size);
    if (!gaps) {
        memset(moved, 0, (size_t)cap * size);
    } else {
        for (uint32_t i = 0; i < gaps->n; i++) memset(moved + (size_t)gaps->cells[i] * size, 0, size);
        memset(moved + (size_t)gaps->norgs * size, 0, (size_t)(cap - gaps->norgs) * size);
    }
    for (uint32_t o = 0, n; o < used; o += n) {
        n = run_from(to_a, o, used);
        memcpy(moved + (size_t)to_a[o] * size, tmp + (size_t)o * size, (size_t)n * size);
    }
    return moved;
}

/* ORs n bits from bit s of src into dst from bit d (both with Bits'
 * 8 bytes of room at the end), 56 at a time: 7 bits of offset and 56 of
 * them fit one unaligned 64-bit load or store. */
static void bits_copy(uint8_t *dst, uint64_t d, const uint8_t *src, uint64_t s, uint64_t n)
{
    while (n) {
        uint32_t k = n < 56 ? (uint32_t)n : 56;
        uint64_t x, y;
        memcpy(&x, src + s / 8, sizeof x);
        x = x >> (s % 8) & (((uint64_t)1 << k) - 1);
        memcpy(&y, dst + d / 8, sizeof y);
        y |= x << (d % 8);
        memcpy(dst + d / 8, &y, sizeof y);
        s += k, d += k, n -= k;
    }
}

/* renumber for a column of Bits: zeroed whole (a gap's cell is bits, not
 * bytes, to clear), then each run of b's cells put in its place. */
static void renumber_bits(Bits *b, uint32_t used, const uint32_t *to_a, uint32_t cap, char *tmp)
{
    memcpy(tmp, b->bytes, bits_size(used, b->width));
    b->bytes = mem_realloc(b->bytes, bits_size(cap, b->width));
    memset(b->bytes, 0, bits_size(cap, b->width));
    for (uint32_t o = 0, n; o < used; o += n) {
        n = run_from(to_a, o, used);
        bits_copy(b->bytes, (uint64_t)to_a[o] * b->width, (const uint8_t *)tmp, (uint64_t)o * b->width,
                  (uint64_t)n * b->width);
    }
}

/* renumber for a column of one bit a cell (seen). */
static uint64_t *renumber_seen(uint64_t *seen, uint32_t n, uint32_t used, const uint32_t *to_a, uint32_t cap)
{
    if (!seen) return NULL;
    uint64_t *moved = mem_calloc(seen_words(cap > n ? cap : n), sizeof *moved);
    for (uint32_t o = 0; o < used; o++)
        if (seen_at(seen, o)) seen_set(moved, to_a[o]);
    mem_free(seen);
    return moved;
}

/* Adds y, a cell of b whose rows come after those of x, a cell of a, to
 * x: what accumulate would have made of x given y's rows too. A median's
 * values are a's then b's, in the file's order. */
static void acc_add(Store *a, Acc *x, Store *b, const Acc *y, uint8_t func)
{
    bool missing;
    if (!y->count) return;
    switch (func) {
    case AGG_SUM: case AGG_MEAN:      /* both small_exact: the sum is exact, as in order */
        x->value = x->value.kind == V_MISSING ? y->value : val_arith(AR_ADD, x->value, y->value);
        break;
    case AGG_MIN:                     /* ties keep the earlier, as in order */
        if (x->value.kind == V_MISSING || val_compare(y->value, x->value, &missing) < 0) x->value = y->value;
        break;
    case AGG_MAX:
        if (x->value.kind == V_MISSING || val_compare(y->value, x->value, &missing) > 0) x->value = y->value;
        break;
    case AGG_MEDIAN: {
        ValueRun *rb = &b->runs.items[y->run - 1];
        if (!x->run) {
            vec_push(&a->runs, *rb);
            *rb = (ValueRun){ NULL, 0, 0 };
            x->run = (uint32_t)a->runs.len;
            break;
        }
        ValueRun *ra = &a->runs.items[x->run - 1];
        if (ra->n + rb->n > ra->cap) {
            ra->cap = ra->n + rb->n;
            ra->items = mem_realloc(ra->items, ra->cap * sizeof *ra->items);
        }
        memcpy(ra->items + ra->n, rb->items, rb->n * sizeof *rb->items);
        ra->n += rb->n;
        break;
    }
    default:
        break;
    }
    x->count += y->count;
}

/* Adds cell ob of b's slice sb to cell oa of a's slice sa (which has room
 * for it): what reading sb's rows of ob after sa's rows would give. */
static void cell_add(const FeedData *f, const uint8_t *acc_funcs, Store *a, Slice *sa, uint32_t oa, Store *b,
                     const Slice *sb, uint32_t ob)
{
    uint32_t rows = ob < sb->cap ? rows_at(sb, ob) : 0;
    if (!rows) return;
    for (uint32_t j = 0; sa->whole && j < f->nwhole; j++) {
        Whole *wa = &sa->whole[j];
        const Whole *wb = &sb->whole[j];
        /* b counted fewer values than rows: from here on a keeps counts too */
        if (!wa->count && wb->count) wa->count = rows_copy(sa);
        if (!wa->seen && wb->seen) wa->seen = seen_from_rows(sa);
        if (wa->summed) sum_add(sa, wa, oa, sum_of(wb, ob));
        if (wa->count) wa->count[oa] += wb->count ? wb->count[ob] : rows;
        if (wa->seen && (!wb->seen || seen_at(wb->seen, ob))) seen_set(wa->seen, oa);
    }
    for (uint32_t j = 0; sa->accs && j < f->nacc; j++)
        acc_add(a, &sa->accs[(size_t)oa * f->nacc + j], b, &sb->accs[(size_t)ob * f->nacc + j], acc_funcs[j]);
    rows_add(sa, oa, rows);
}

/* A slice of b moved to a whole: its medians' values move with it. */
static void runs_move(const FeedData *f, Store *a, Store *b, Slice *s)
{
    for (size_t i = 0; s->accs && i < (size_t)s->cap * f->nacc; i++) {
        Acc *x = &s->accs[i];
        if (!x->run) continue;
        vec_push(&a->runs, b->runs.items[x->run - 1]);
        b->runs.items[x->run - 1] = (ValueRun){ NULL, 0, 0 };
        x->run = (uint32_t)a->runs.len;
    }
}

/* b's organisations numbered as reading b's rows after a's would number
 * them: a's own, then b's new ones in b's order; *norgs, how many a would
 * then have. a is not changed: if the halves are not joined, the rows are
 * read again and a limit names the row that passes it. */
static uint32_t *orgs_after(const Store *a, const Store *b, uint32_t *norgs)
{
    uint32_t n = orgs_count(b->orgs), next = orgs_count(a->orgs);
    uint32_t *to_a = mem_alloc(((size_t)n + 1) * sizeof *to_a);
    for (uint32_t o = 0; o < n; o++) {
        const char *code = orgs_code(b->orgs, o);
        uint32_t k = orgs_find(a->orgs, code, strlen(code));
        to_a[o] = k != ORG_NONE ? k : next++;
    }
    *norgs = next;
    return to_a;
}

/* With `key`: b's identities numbered as reading b's rows after a's would
 * number them, each organisation's own in a then its new ones in b's order
 * (to->ident, to->ident_first). a is not changed (see orgs_after). */
static void idents_after(const Store *a, const Store *b, uint32_t norgs, Renumbering *to)
{
    uint32_t nb = orgs_count(b->orgs);
    to->ident_first = mem_calloc((size_t)nb + 1, sizeof *to->ident_first);
    for (uint32_t o = 0; o < nb; o++)
        to->ident_first[o + 1] = to->ident_first[o] + (o < b->nidents.len ? b->nidents.items[o] : 0);
    to->ident = mem_alloc(((size_t)to->ident_first[nb] + 1) * sizeof *to->ident);
    uint32_t *added = mem_calloc((size_t)norgs + 1, sizeof *added);     /* per organisation of a: new ones so far */
    for (size_t k = 0; k < b->idents.len; k++) {
        const Ident *id = &b->idents.items[k];
        uint32_t oa = to->org[id->org], n = ident_find(a, oa, id->key, id->len);
        if (!n) n = (oa < a->nidents.len ? a->nidents.items[oa] : 0) + ++added[oa];
        to->ident[to->ident_first[id->org] + id->ident - 1] = n;
    }
    mem_free(added);
}

/* Whether every cell of b's slice sb keeps its identity's number in a:
 * then the slice joins a's of the same (period, vintage, identity) whole. */
static bool idents_kept(const Store *b, const Slice *sb, const Renumbering *to)
{
    uint32_t used = slice_used(sb, b);
    for (uint32_t o = 0; sb->ident && o < used; o++)
        if (rows_at(sb, o) && ident_after(to, o, sb->ident) != sb->ident) return false;
    return true;
}

/* A slice of b moved whole to a: its columns renumbered to a's
 * organisations (cap cells; g: b's gaps in a, when the slice has a cell
 * for each of b's organisations, else NULL). tmp: room for any column. */
static void slice_renumber(const FeedData *f, Slice *sb, uint32_t used, const uint32_t *to_a, uint32_t cap,
                           const Gaps *g, char *tmp)
{
    renumber_bits(&sb->rows, used, to_a, cap, tmp);
    for (uint32_t j = 0; sb->whole && j < f->nwhole; j++) {
        renumber_bits(&sb->whole[j].sum, used, to_a, cap, tmp);
        sb->whole[j].count = renumber(sb->whole[j].count, sizeof(uint32_t), used, to_a, cap, g, tmp);
        sb->whole[j].seen = renumber_seen(sb->whole[j].seen, sb->cap, used, to_a, cap);
    }
    if (sb->accs) sb->accs = renumber(sb->accs, f->nacc * sizeof *sb->accs, used, to_a, cap, g, tmp);
    sb->cap = cap;
    sb->lo = 0, sb->hi = cap;
}

/* What merge needs to renumber b's slices, and a share of them (moving
 * from first, every step-th) for one thread. */
typedef struct MergePlan {
    const FeedData *f;
    Store *b;
    const uint32_t *to_a;
    uint32_t norgs, nb;
    const Gaps *gaps;
    const bool *whole;      /* per slice of b: moved whole (else added cell by cell) */
    uint32_t first, step;
    MemContext *from;
    bool oom;
    size_t oom_size;
} MergePlan;

static uint32_t merged_cap(const Slice *sb, uint32_t norgs) { return sb->cap > norgs ? sb->cap : norgs; }

/* Room for a copy of any column of a slice of nb cells (slice_renumber's tmp). */
static char *renumber_room(const FeedData *f, uint32_t nb)
{
    size_t widest = f->nacc * sizeof(Acc) > sizeof(int64_t) ? f->nacc * sizeof(Acc) : sizeof(int64_t);
    return mem_alloc(((size_t)nb + 1) * widest);
}

static void renumber_share(void *arg)
{
    MergePlan *m = arg;
    char *tmp = renumber_room(m->f, m->nb);
    for (uint32_t k = m->first; k < m->b->nslices; k += m->step) {
        if (!m->whole[k]) continue;
        Slice *sb = &m->b->slices[k];
        uint32_t used = slice_used(sb, m->b);
        slice_renumber(m->f, sb, used, m->to_a, merged_cap(sb, m->norgs), used == m->nb ? m->gaps : NULL, tmp);
    }
    mem_free(tmp);
}

static void *renumber_thread(void *arg)
{
    MergePlan *m = arg;
    m->oom = !mem_guard(m->from, renumber_share, m, &m->oom_size);
    return NULL;
}

/* Adds b's cells to a's, whose organisations and identities include b's
 * (numbered by orgs_after and idents_after). A slice of b that a lacks is
 * renumbered, a column at a time (on two threads), and moved over; so
 * merging needs memory for a column a thread, not a copy of b. Its cells
 * are added to a's one at a time where a has the slice, or where an
 * identity's number changes (an organisation's identity that first
 * appears in b after others a numbered): each cell to its identity's
 * slice. */
static void merge(const FeedData *f, Store *a, Store *b, const Renumbering *to)
{
    const uint32_t *to_a = to->org;
    uint32_t norgs = orgs_count(a->orgs);
    uint8_t *acc_funcs = mem_alloc((size_t)f->nacc + 1);
    for (uint32_t j = 0; j < f->naggs; j++)
        if (f->aggs[j].acc >= 0) acc_funcs[f->aggs[j].acc] = f->aggs[j].func;
    uint32_t nb = orgs_count(b->orgs);
    uint8_t *filled = mem_calloc((size_t)norgs + 1, 1);
    for (uint32_t o = 0; o < nb; o++) filled[to_a[o]] = 1;
    Gaps gaps = { mem_alloc(((size_t)norgs - nb + 1) * sizeof *gaps.cells), 0, norgs };
    for (uint32_t o = 0; o < norgs; o++)
        if (!filled[o]) gaps.cells[gaps.n++] = o;
    mem_free(filled);
    /* which move whole, known before any is added where b has no
     * identities (a slice added cell by cell then adds only its own key) */
    bool *whole = mem_calloc((size_t)b->nslices + 1, sizeof *whole);
    for (uint32_t k = 0; !b->idents.len && k < b->nslices; k++)
        whole[k] = slice_find(a, b->slices[k].period, b->slices[k].vintage, b->slices[k].ident) == UINT32_MAX;
    MergePlan mine = { f, b, to_a, norgs, nb, &gaps, whole, 0, 2, mem_current(), false, 0 }, other = mine;
    other.first = 1;
    pthread_t thread;
    bool threaded = b->nslices > 1 && pthread_create(&thread, NULL, renumber_thread, &other) == 0;
    if (!threaded) mine.step = 1;
    renumber_thread(&mine);         /* guarded too: the other thread is joined before memory runs out */
    if (threaded) pthread_join(thread, NULL);
    if (mine.oom || other.oom) mem_out_of_memory(mine.oom ? mine.oom_size : other.oom_size);
    char *tmp = renumber_room(f, nb);
    for (uint32_t k = 0; k < b->nslices; k++) {
        Slice sb = b->slices[k];
        b->slices[k] = (Slice){ 0 };
        if (whole[k]) {
            runs_move(f, a, b, &sb);
            slice_add(a, sb);
            continue;
        }
        uint32_t used = slice_used(&sb, b), cap = merged_cap(&sb, norgs);
        if (!idents_kept(b, &sb, to) || slice_find(a, sb.period, sb.vintage, sb.ident) != UINT32_MAX) {
            uint32_t i = UINT32_MAX, ident = UINT32_MAX;
            for (uint32_t o = 0; o < used; o++) {
                if (!rows_at(&sb, o)) continue;
                uint32_t ia = ident_after(to, o, sb.ident);
                if (ia != ident) i = slice_index(f, a, sb.period, sb.vintage, ident = ia, to_a[o]);
                slice_reserve(f, &a->slices[i], to_a[o]);
                cell_add(f, acc_funcs, a, &a->slices[i], to_a[o], b, &sb, o);
            }
            slice_free(f, &sb);
            continue;
        }
        slice_renumber(f, &sb, used, to_a, cap, used == nb ? &gaps : NULL, tmp);
        runs_move(f, a, b, &sb);
        slice_add(a, sb);
    }
    mem_free(whole);
    mem_free(gaps.cells);
    mem_free(tmp);
    mem_free(acc_funcs);
}

/* The rows after the header are read on two threads, in PIECE_CHUNKS
 * chunks split at line ends. Each thread reads a run of whole chunks (a
 * piece) into a store of its own: the first from the start, the second
 * from the middle; a thread done with its piece takes the second half of
 * what is left of the other's, as a new piece. So both stay busy to the
 * end, whatever else shares the cores (the inputs' hashing does: with
 * three threads on two cores, one of two fixed halves ran at half speed
 * for as long as the hashing took). The pieces are then joined in the
 * file's order, as reading it in one go would number and add everything. */
enum { PIECE_CHUNKS = 128 };

typedef struct Piece {
    Loader   l;
    Store    st;
    uint32_t first, next, end;  /* chunks: its first; the next to read and its end (guarded by the lock) */
    uint64_t lines;             /* lines read, from the start of its first chunk */
    bool     loud;              /* the first piece: the feed's own loader, reporting in order */
    bool     ok;                /* no bad row, and every chunk ended where the next begins */
    char     why[512];
} Piece;

typedef struct Pieces {
    Loader   *main;             /* the feed's own loader: the first piece's */
    Loader    proto;            /* a copy of it before any row: the others' */
    const FeedOptions *opt;
    CsvReader *r;
    size_t   *at;               /* chunk c is the bytes [at[c], at[c + 1]) */
    uint32_t  nchunks;
    uint64_t  main_line;        /* the first piece: the line of its next chunk */
    size_t    main_resume;      /* set if a chunk of it ran past its end: read on from here in order */
    pthread_mutex_t lock;
    Piece    *list[PIECE_CHUNKS];   /* in the order they were made */
    uint32_t  npieces;
    Piece    *busy[2];          /* each thread's piece */
    bool      stop;             /* the first piece failed: the others' rows are not wanted */
} Pieces;

/* Chunk *c of p to read next, if p has one left. */
static bool piece_claim(Pieces *ps, Piece *p, uint32_t *c)
{
    pthread_mutex_lock(&ps->lock);
    bool got = p->ok && p->next < p->end;
    if (got) *c = p->next++;
    pthread_mutex_unlock(&ps->lock);
    return got;
}

/* A new quiet piece for thread `me`: the second half of what is left of the
 * other thread's, or NULL (nothing worth taking). Made before the lock is
 * taken, since allocating can jump out (out of memory). */
static Piece *piece_steal(Pieces *ps, unsigned me)
{
    Piece *p = mem_calloc(1, sizeof *p);
    p->l = ps->proto;
    p->st.orgs = orgs_new();
    p->st.period_lo = 1, p->st.period_hi = 0;
    p->ok = true;
    bool taken = false;
    pthread_mutex_lock(&ps->lock);
    Piece *v = ps->busy[1 - me];
    if (!ps->stop && v && v->end - v->next >= 2) {      /* one that failed soon has none: taking from it meanwhile only wastes work */
        p->first = p->next = v->next + (v->end - v->next + 1) / 2;
        p->end = v->end;
        v->end = p->first;
        ps->list[ps->npieces++] = p;
        taken = true;
    }
    ps->busy[me] = taken ? p : NULL;
    pthread_mutex_unlock(&ps->lock);
    if (!taken) {
        orgs_free(p->st.orgs);
        mem_free(p);
        return NULL;
    }
    /* the where conditions of a piece off the first run on a VM of its own */
    p->l.vm = vm_new(ps->proto.f->p, vm_limits(ps->proto.vm), NULL, 0);
    loader_start(&p->l, &p->st, NULL);
    return p;
}

/* Reads chunk c into piece p: loud (opt, in the file's order) for the
 * first piece, else quiet, stopping at the first bad row. */
static void piece_read(Pieces *ps, Piece *p, uint32_t c)
{
    bool first = p->loud;
    uint64_t line = first ? ps->main_line : 1;
    RowSource src = { .name = ps->proto.name, .csv = csv_open_slice(ps->r, ps->at[c], ps->at[c + 1], line) };
    Loader *l = first ? ps->main : &p->l;
    l->src = &src;
    bool ok = load_rows(l, first ? ps->opt : NULL, p->why, sizeof p->why);
    size_t end = csv_position(src.csv, &line);
    if (!ok) {
        p->ok = false;
    } else if (!csv_ended_outside_quotes(src.csv)) {
        /* a quoted field ran past the chunk's end: its line end was no
         * record's start. The first piece reads on from there in order */
        p->ok = false;
        if (first) ps->main_resume = end, ps->main_line = line;
    } else if (first) {
        ps->main_line = line;
    } else {
        p->lines += line - 1;
    }
    rows_close(&src);
    l->src = NULL;
}

/* What one thread does: its piece, then what it can take of the other's. */
typedef struct PieceRun { Pieces *ps; unsigned me; Piece *p; MemContext *from; bool oom; size_t oom_size; } PieceRun;

static void pieces_work(void *arg)
{
    PieceRun *run = arg;
    for (Piece *p = run->p; p; p = piece_steal(run->ps, run->me)) {
        uint32_t c;
        while (piece_claim(run->ps, p, &c)) piece_read(run->ps, p, c);
        if (!p->ok) {       /* what is left of it is read again in order anyway */
            pthread_mutex_lock(&run->ps->lock);
            p->end = p->next;
            run->ps->stop |= p->loud;
            pthread_mutex_unlock(&run->ps->lock);
        }
        if (!p->loud) {     /* only its store is wanted now: the reader's scratch goes */
            loader_end(&p->l);
            vm_free(p->l.vm);
            p->l.vm = NULL;
        }
    }
}

static void *pieces_thread(void *arg)
{
    PieceRun *run = arg;
    run->oom = !mem_guard(run->from, pieces_work, run, &run->oom_size);
    return NULL;
}

static int piece_cmp(const void *a, const void *b)
{
    uint32_t x = (*(Piece *const *)a)->first, y = (*(Piece *const *)b)->first;
    return (x > y) - (x < y);
}

/* Joins piece b, whose rows come right after those of l's store, into it;
 * false (nothing changed) if they cannot be: past a limit together, or
 * sums that might be added otherwise in order. */
static bool piece_join(Loader *l, Piece *b)
{
    uint32_t norgs;
    Renumbering to = { 0 };
    uint32_t *to_a = orgs_after(l->st, &b->st, &norgs);
    to.org = to_a;
    if (b->st.idents.len) idents_after(l->st, &b->st, norgs, &to);
    Store both = { .period_lo = l->st->period_lo, .period_hi = l->st->period_hi };
    periods_join(&both, &b->st);
    bool use = sums_fit(l->f, l->st, &b->st, &to) && !l->st->sums_big && !b->st.sums_big
               && l->rows + b->l.rows <= l->lim->rows && norgs <= l->lim->orgs
               && period_span(&both) <= l->lim->periods;
    if (use) {
        for (uint32_t o = 0; o < orgs_count(b->st.orgs); o++) {
            const char *code = orgs_code(b->st.orgs, o);
            orgs_intern(l->st->orgs, code, strlen(code));       /* to_a[o], as orgs_after numbered it */
        }
        for (size_t k = 0; k < b->st.idents.len; k++) {    /* numbered as idents_after did */
            const Ident *id = &b->st.idents.items[k];
            ident_of(l->st, to_a[id->org], id->key, id->len);
        }
        merge(l->f, l->st, &b->st, &to);
        periods_join(l->st, &b->st);
        l->rows += b->l.rows;
        l->f->stats.pieces_joined = true;
    }
    mem_free(to_a);
    mem_free(to.ident_first);
    mem_free(to.ident);
    return use;
}

/* A piece off the first, its reading done (pieces_work ended its loader). */
static void piece_free(const FeedData *f, Piece *p)
{
    store_free(f, &p->st);
    mem_free(p);
}

/* Reads the rows after the header on two threads (above). The pieces off
 * the first stop at their first bad row and keep quiet; from the first
 * that had one, ran a chunk past its end, or cannot be joined, the rows
 * are read again here, in order. So errors, skipped-row reports and
 * results are exactly those of reading the file in one go. */
static bool load_pieces(Loader *l, const FeedOptions *opt, char *why, size_t whycap)
{
    CsvReader *r = l->src->csv;
    RowSource *whole_src = l->src;
    size_t len;
    uint64_t line;
    csv_data(r, &len);
    size_t from = csv_position(r, &line);
    Pieces ps = { .main = l, .proto = *l, .opt = opt, .r = r, .main_line = line, .main_resume = SIZE_MAX };
    ps.at = mem_alloc((PIECE_CHUNKS + 1) * sizeof *ps.at);
    ps.at[0] = from;
    for (uint32_t c = 1; c < PIECE_CHUNKS; c++) {
        size_t at = csv_next_record_start(r, from + (len - from) / PIECE_CHUNKS * c);
        if (at > ps.at[ps.nchunks] && at < len) ps.at[++ps.nchunks] = at;
    }
    ps.at[++ps.nchunks] = len;
    pthread_mutex_init(&ps.lock, NULL);
    /* the first piece is the feed's own loader and store */
    Piece *main = mem_calloc(1, sizeof *main);
    main->first = main->next = 0;
    main->end = ps.nchunks;
    main->loud = main->ok = true;
    ps.list[ps.npieces++] = main;
    ps.busy[0] = main;
    PieceRun mine = { &ps, 0, main, mem_current(), false, 0 }, other = { &ps, 1, NULL, mem_current(), false, 0 };
    /* the second thread starts on the second half, a piece taken like any other */
    other.p = piece_steal(&ps, 1);
    pthread_t thread;
    bool threaded = other.p && pthread_create(&thread, NULL, pieces_thread, &other) == 0;
    if (other.p && !threaded) {     /* its chunks go back to the first */
        main->end = other.p->end;
        ps.npieces--;
        loader_end(&other.p->l);
        vm_free(other.p->l.vm);
        piece_free(l->f, other.p);
        ps.busy[1] = NULL;
    }
    l->progress_scale = threaded ? 2 : 1;
    pieces_thread(&mine);
    l->progress_scale = 1;
    if (threaded) pthread_join(thread, NULL);
    if (mine.oom || other.oom) mem_out_of_memory(mine.oom ? mine.oom_size : other.oom_size);
    bool ok = main->ok || ps.main_resume != SIZE_MAX;
    if (!ok) snprintf(why, whycap, "%s", main->why);
    /* the pieces in the file's order, joined while they can be */
    qsort(ps.list, ps.npieces, sizeof *ps.list, piece_cmp);
    size_t resume = ps.main_resume;
    uint32_t k = 1;
    if (ok && resume == SIZE_MAX) {
        for (; k < ps.npieces && ps.list[k]->ok && piece_join(l, ps.list[k]); k++)
            ps.main_line += ps.list[k]->lines;
        resume = k < ps.npieces ? ps.at[ps.list[k]->first] : len;
    }
    if (ok && resume < len) {
        RowSource rest = { .name = l->name, .csv = csv_open_slice(r, resume, len, ps.main_line) };
        l->src = &rest;
        ok = load_rows(l, opt, why, whycap);
        rows_close(&rest);
    }
    for (uint32_t i = 0; i < ps.npieces; i++)
        if (ps.list[i] != main) piece_free(l->f, ps.list[i]);
    mem_free(main);
    mem_free(ps.at);
    pthread_mutex_destroy(&ps.lock);
    l->src = whole_src;
    return ok;
}

/* Whether function root, and every function it calls (walked once each,
 * so recursion ends), can run on a VM of the second thread's own: none
 * reaches a native library (allowed only on the first VM), the host or an
 * aggregate (answered only there). seen and todo: a byte and a slot per
 * function of the program. */
static bool self_contained(const BcProgram *p, uint32_t root, uint8_t *seen, uint32_t *todo)
{
    size_t n = 0;
    if (!seen[root]) seen[root] = 1, todo[n++] = root;
    while (n) {
        const BcFunction *fn = &p->fns[todo[--n]];
        for (uint32_t i = 0; i < fn->ncode; i++) {
            uint8_t op = fn->code[i].op;
            if (op == OP_EXTERN || op == OP_HOST || op == OP_AGG) return false;
            uint32_t callee = instr_b(fn->code[i]);
            if (op == OP_CALL && !seen[callee]) seen[callee] = 1, todo[n++] = callee;
        }
    }
    return true;
}

/* Two cores for a large CSV file whose where conditions and row rules the
 * second thread's own VM can run, unless the caller asked for one. */
static bool two_cores(const FeedData *f, const RowSource *src, const FeedOptions *opt)
{
    if (opt && opt->threads == 1) return false;
    if (!src->csv) return false;
    size_t len;
    csv_data(src->csv, &len);
    /* tests split small files, to try many splits quickly */
    const char *from = getenv("PLEDGE_TEST_SPLIT_BYTES");
    if (len < (from && *from ? strtoull(from, NULL, 10) : PARALLEL_MIN_BYTES)) return false;
    uint8_t *seen = mem_calloc((size_t)f->p->nfns + 1, 1);
    uint32_t *todo = mem_alloc(((size_t)f->p->nfns + 1) * sizeof *todo);
    bool alone = true;
    for (uint32_t j = 0; alone && j < f->naggs; j++)
        alone = f->aggs[j].filter < 0 || self_contained(f->p, (uint32_t)f->aggs[j].filter, seen, todo);
    for (uint32_t j = 0; alone && j < f->nrules; j++)
        alone = f->rule_preds[j].code || self_contained(f->p, (uint32_t)f->p->rules[f->rules[j]].filter, seen, todo);
    mem_free(seen);
    mem_free(todo);
    return alone;
}

static FeedData *feed_new(const BcProgram *p, uint16_t feed, const FeedOptions *opt)
{
    FeedData *f = mem_calloc(1, sizeof *f);
    f->p = p;
    f->schema = &p->feeds[feed];
    const char *all = getenv("PLEDGE_KEEP_ALL_PERIODS");
    if (opt && opt->windows_only && opt->keep_from <= opt->keep_to && !(all && strcmp(all, "1") == 0)) {
        /* the periods that overlap the days at all: a window reads only those wholly within it */
        f->windows_only = true;
        f->keep_lo = period_containing((Grain)f->schema->grain, opt->keep_from).index;
        f->keep_hi = period_containing((Grain)f->schema->grain, opt->keep_to).index;
    }
    f->store.orgs = orgs_new();
    f->store.period_lo = 1, f->store.period_hi = 0;
    feed_aggs(f, feed);
    return f;
}

/* ---- groups pushed down (data/pushdown.h) ---------------------------------------- */

bool feed_kept_periods(const FeedData *f, Period *lo, Period *hi)
{
    *lo = (Period){ (Grain)f->schema->grain, f->keep_lo };
    *hi = (Period){ (Grain)f->schema->grain, f->keep_hi };
    return f->windows_only;
}

bool feed_put_group(FeedData *f, const RowSource *src, const DataLimits *lim, const CsvField *org,
                    const CsvField *period, const CsvField *vintage, uint64_t rows, const int64_t *sums,
                    const int64_t *counts, char *why, size_t cap)
{
    const BcFeed *s = f->schema;
    Store *st = &f->store;
    Loader l = { .f = f, .st = st, .src = (RowSource *)src, .lim = lim, .name = src->name };
    uint64_t line = rows_line(src);
    if (rows_is_missing(org) || org->len == 0)
        return why_say(why, cap, "%s:%llu: column `%s` (the organisation) is empty or `*`", l.name,
                       (unsigned long long)line, s->org_col);
    Value per, vin = val_missing();
    const char *bad = rows_parse_cell(rows_grain_type[s->grain], COL_PLAIN, period, &per);
    if (bad || per.kind == V_MISSING)
        return why_say(why, cap, "%s:%llu: column `%s`: `%.*s` %s", l.name, (unsigned long long)line, s->period_col,
                       (int)period->len, period->ptr, bad ? bad : "is empty: every row needs its period");
    if (s->vintage_col) {
        bad = rows_parse_cell(T_DATE, COL_PLAIN, vintage, &vin);
        if (bad || vin.kind == V_MISSING)
            return why_say(why, cap, "%s:%llu: column `%s`: `%.*s` %s", l.name, (unsigned long long)line,
                           s->vintage_col, (int)vintage->len, vintage->ptr,
                           bad ? bad : "is empty: every row needs the date it was published");
    }
    f->stats.rows += rows;
    if (!rows_limit(src, f->stats.rows, lim->rows, "rows", "max-rows", why, cap)) return false;
    if (!periods_within(&l, per.as.period.index, why, cap)) return false;
    uint32_t o = orgs_intern(st->orgs, org->ptr, org->len);
    if (!rows_limit(src, orgs_count(st->orgs), lim->orgs, "organisations", "max-orgs", why, cap)) return false;
    uint32_t k = slice_index(f, st, per.as.period.index, vin.kind == V_MISSING ? 0 : vin.as.period.index, 0, o);
    Slice *sl = &st->slices[k];       /* after slice_index, which may move the slices */
    slice_reserve(f, sl, o);
    uint32_t total;
    if (rows > UINT32_MAX || __builtin_add_overflow(rows_at(sl, o), (uint32_t)rows, &total))
        return why_say(why, cap, "limit: %s:%llu: more than %u rows in one organisation's period", l.name,
                       (unsigned long long)line, UINT32_MAX);
    if (!sl->whole) {               /* outside every window: counted only */
        rows_add(sl, o, (uint32_t)rows);
        return true;
    }
    for (uint32_t j = 0; j < f->naggs; j++) {
        int64_t sum;
        const FeedAgg *a = &f->aggs[j];
        if (a->whole < 0) return why_say(why, cap, "%s: an aggregate that is not a sum or count", l.name);
        if (sl->whole[a->whole].summed && __builtin_add_overflow(sum_of(&sl->whole[a->whole], o), sums[j], &sum))
            return why_say(why, cap, "%s:%llu: column `%s`: the sum for `%s` in one period passes 9.2 × 10^18",
                           l.name, (unsigned long long)line, s->columns[a->column].name, orgs_code(st->orgs, o));
    }
    /* as load_row does a row at a time: counts (or, for a sum alone, whether
     * any value counted) are kept from the first cell not all of whose rows
     * counted, starting from the rows before this group's */
    for (uint32_t j = 0; j < f->naggs; j++) {
        Whole *w = &sl->whole[f->aggs[j].whole];
        if (w->summed) sum_add(sl, w, o, sums[j]);
        if ((uint64_t)counts[j] != rows && !w->count && !w->seen) {
            if (w->sum_only) {
                w->seen = seen_from_rows(sl);
            } else {
                w->count = rows_copy(sl);
            }
        }
        if (w->count) w->count[o] += (uint32_t)counts[j];
        else if (w->seen && counts[j]) seen_set(w->seen, o);
    }
    rows_add(sl, o, (uint32_t)rows);
    return true;
}

FeedData *feed_load(const BcProgram *p, uint16_t feed, DataSource from, Orgs *orgs, Vm *vm,
                    const FeedOptions *opt, char *why, size_t whycap)
{
    const char *source = from.name;
    DataLimits lim = data_limits(opt ? &opt->limits : NULL);
    char note[sizeof ((FeedStats *)0)->read] = "";
    if (rows_is_database(from) || pushdown_is_aggregated(from)) {
        /* the aggregation run where the rows are: one grouped query */
        FeedData *f = feed_new(p, feed, opt);
        uint64_t rows, groups;
        char reason[512];
        PushResult r = pushdown_load(f, p, feed, from, &lim, &rows, &groups, reason, sizeof reason);
        if (r == PUSH_DONE) {
            f->stats.rows = rows;
            snprintf(f->stats.read, sizeof f->stats.read, "%s: %llu groups",
                     pushdown_is_aggregated(from) ? "already aggregated" : "pushed down",
                     (unsigned long long)groups);
            finish(f, orgs);
            return f;
        }
        feed_free(f);
        if (r == PUSH_FAILED) {
            why_say(why, whycap, "%s", reason);
            return NULL;
        }
        why_say(note, sizeof note, "rows read: %s", reason);
    }
    RowSource src;
    if (!rows_open(&src, from, why, whycap)) {
        rows_close(&src);
        return NULL;
    }
    FeedData *f = feed_new(p, feed, opt);
    memcpy(f->stats.read, note, sizeof note);
    Loader l = { .f = f, .vm = vm, .name = source, .lim = &lim };
    loader_start(&l, &f->store, &src);
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
    if (ok) ok = two_cores(f, &src, opt) ? load_pieces(&l, opt, why, whycap) : load_rows(&l, opt, why, whycap);
    f->stats.rows = l.rows;
    f->stats.skipped = l.skipped;
    for (uint32_t j = 0; j < f->naggs; j++) {
        mem_free(f->aggs[j].filter_pos);
        mem_free(f->aggs[j].filter_types);
        f->aggs[j].filter_pos = NULL;
        f->aggs[j].filter_types = NULL;
    }
    loader_end(&l);
    mem_free(l.col_pos);
    rows_close(&src);
    if (!ok) {
        feed_free(f);
        return NULL;
    }
    finish(f, orgs);
    return f;
}

static void totals_free(SysTotals *t);

void feed_free(FeedData *f)
{
    if (!f) return;
    store_free(f, &f->store);
    mem_free(f->aggs);
    mem_free(f->rules);
    mem_free(f->rule_preds);
    mem_free(f->period_first);
    mem_free(f->local_of);
    mem_free(f->reports);
    totals_free(f->totals);
    mem_free(f->global_of);
    mem_free(f);
}

const FeedStats *feed_stats(const FeedData *f) { return &f->stats; }

bool feed_period_known(const FeedData *f, Period p, Day as_of)
{
    return (int64_t)as_of >= (int64_t)period_last_day(p) + feed_lag(f->schema);
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
    feed_window_span(f, from, to, lo, hi);
    if (!f->schema->vintage_col) {
        /* known once the period has ended and the lag has passed */
        int64_t day = (int64_t)as_of - f->schema->lag_days;
        if (day < INT32_MIN) { *hi = *lo - 1; return; }
        Period known = period_containing(g, (Day)(day > INT32_MAX ? INT32_MAX : day));
        int32_t k = known.index - (period_last_day(known) > (Day)day);
        if (k < *hi) *hi = k;
    }
}

/* The slices of period p that hold organisation o's rows as known on as_of
 * (for a feed with vintages, per identity the latest published on or before
 * it; without `key` there is one identity, so one slice): *k starts at the
 * period's end (UINT32_MAX) and each call gives the next, or NULL. The
 * period's slices are in order of identity, then vintage, so going back
 * the first of an identity that has the organisation is its latest. */
static const Slice *cell_slice_next(const FeedData *f, uint32_t o, int32_t p, Day as_of, uint32_t *k,
                                    uint32_t *done_ident)
{
    uint32_t i = (uint32_t)(p - f->first_period);
    bool vintaged = f->schema->vintage_col != NULL;
    if (*k == UINT32_MAX) {
        *k = f->period_first[i + 1];
        *done_ident = UINT32_MAX;
    }
    while (*k > f->period_first[i]) {
        const Slice *s = &f->store.slices[--*k];
        if (s->ident == *done_ident) continue;
        if (vintaged && s->vintage > as_of) continue;
        if (o < s->cap && rows_at(s, o)) {
            *done_ident = s->ident;
            return s;
        }
    }
    return NULL;
}

/* As cell_slice_next, but per identity the first publication (of a feed
 * with vintages) on or before as_of: *k starts at UINT32_MAX and counts up
 * from the period's first slice, so the first of an identity that has the
 * organisation is its earliest. */
static const Slice *cell_slice_first(const FeedData *f, uint32_t o, int32_t p, Day as_of, uint32_t *k,
                                     uint32_t *done_ident)
{
    uint32_t i = (uint32_t)(p - f->first_period);
    if (*k == UINT32_MAX) {
        *k = f->period_first[i];
        *done_ident = UINT32_MAX;
    }
    while (*k < f->period_first[i + 1]) {
        const Slice *s = &f->store.slices[(*k)++];
        if (s->ident == *done_ident || s->vintage > as_of) continue;
        if (o < s->cap && rows_at(s, o)) {
            *done_ident = s->ident;
            return s;
        }
    }
    return NULL;
}

/* A query's members, found once per query rather than once per period:
 * its number in the feed (members the feed never heard of dropped), and
 * whether it is in the parent over the days [from, to] around the last
 * period asked (a hierarchy's links change rarely). */
typedef struct Member { uint32_t g, o; Day from, to; bool in, counted; } Member;

/* What an aggregate has added up so far. */
typedef struct Sum {
    bool any;                   /* over no rows at all, every aggregate is missing (§4) */
    Acc total;
    __int128 whole;             /* cannot overflow: at most 2^32 cells of int64 */
    VEC(Value) values;
} Sum;

/* The publication aggregate fa reads: never one after as_of (a replay
 * must not see the future). */
static Day pub_as_of(const FeedData *f, const FeedAgg *fa, Day as_of, bool *first)
{
    const BcAggregate *ba = &f->p->aggs[fa->agg];
    *first = ba->pub == PUB_FIRST && f->schema->vintage_col;
    return ba->pub == PUB_BY && ba->pub_day < as_of ? ba->pub_day : as_of;
}

static size_t members_of_query(const FeedData *f, const uint32_t *orgs, size_t norgs, const Hierarchy *h,
                               Member *mem)
{
    size_t n = 0;
    for (size_t m = 0; m < norgs; m++) {
        uint32_t g = orgs[m];
        if (g >= f->norg_index || f->local_of[g] == ORG_NONE) continue;
        mem[n++] = (Member){ g, f->local_of[g], INT32_MAX, INT32_MIN, !h, false };
    }
    return n;
}

/* Adds period p's cells of the members to *t. Period by period, each a
 * slice of cells in the feed's order of organisations, so the reads stream
 * through memory rather than jump between slices. The order does not change
 * the result: whole sums are exact integers, other sums exact rationals
 * (only one that overflows to a double could round differently), and
 * medians sort their values. */
static uint32_t add_period(const FeedData *f, const FeedAgg *fa, bool first, Day as_of, int32_t p, Member *mem,
                           size_t nmem, const Hierarchy *h, uint32_t parent, Sum *t)
{
    uint32_t hits = 0;          /* members with a cell counted in p */
    uint8_t func = fa->func;
    Day first_day = period_first_day((Period){ (Grain)f->schema->grain, p });
    uint32_t i = (uint32_t)(p - f->first_period);
    /* counted only (outside every window the run reads): asked only by the
     * engine's look-ahead over the periods after a one-period window, whose
     * values outside the windows are never used */
    if (f->period_first[i + 1] > f->period_first[i] && !f->store.slices[f->period_first[i]].whole) return 0;
    bool one = !f->schema->vintage_col && f->period_first[i + 1] - f->period_first[i] == 1;
    /* a period of one slice, without vintages: the cell is there or not */
    const Slice *only = one ? &f->store.slices[f->period_first[i]] : NULL;
    if (only && fa->whole >= 0) {       /* nearly every query: one cell a member, a whole-number sum */
        const Whole *w = &only->whole[fa->whole];
        for (size_t m = 0; m < nmem; m++) {
            Member *x = &mem[m];
            uint32_t o = x->o;
            if (h && (first_day < x->from || first_day > x->to))
                x->in = hier_parent_span(h, x->g, first_day, &x->from, &x->to) == parent;
            if (!x->in || o >= only->cap) continue;
            uint32_t rows = rows_at(only, o);
            if (!rows) continue;
            x->counted = t->any = true;
            hits++;
            t->whole += sum_of(w, o);
            t->total.count += count_of(w, o, rows);
        }
        return hits;
    }
    for (size_t m = 0; m < nmem; m++) {
        Member *x = &mem[m];
        uint32_t o = x->o;
        if (h && (first_day < x->from || first_day > x->to))
            x->in = hier_parent_span(h, x->g, first_day, &x->from, &x->to) == parent;
        if (!x->in) continue;
        if (only && (o >= only->cap || !rows_at(only, o))) continue;
        uint32_t at = UINT32_MAX, done_ident;
        bool hit = false;
#define NEXT_SLICE (only ? NULL : first ? cell_slice_first(f, o, p, as_of, &at, &done_ident) \
                                 : cell_slice_next(f, o, p, as_of, &at, &done_ident))
        for (const Slice *s = only ? only : NEXT_SLICE; s; s = NEXT_SLICE) {
            x->counted = t->any = hit = true;
            if (fa->whole >= 0) {
                const Whole *w = &s->whole[fa->whole];
                t->whole += sum_of(w, o);
                t->total.count += count_of(w, o, rows_at(s, o));
                continue;
            }
            const Acc *a = &s->accs[(size_t)o * f->nacc + (uint32_t)fa->acc];
            if (!a->count) continue;
            switch (func) {
            case AGG_SUM: case AGG_MEAN: case AGG_MIN: case AGG_MAX:
                accumulate(NULL, &t->total, func, a->value);
                t->total.count += a->count - 1;         /* accumulate counted one */
                break;
            case AGG_COUNT:
                t->total.count += a->count;
                break;
            case AGG_MEDIAN: {
                const ValueRun *r = &f->store.runs.items[a->run - 1];
                for (uint32_t v = 0; v < r->n; v++) vec_push(&t->values, r->items[v]);
                break;
            }
            }
        }
#undef NEXT_SLICE
        hits += hit;
    }
    return hits;
}

/* The aggregate's value from what was added up; frees *t's values. */
static Value sum_value(const FeedAgg *fa, Sum *t)
{
    uint8_t func = fa->func;
    Acc total = t->total;
    if (fa->whole >= 0 && total.count && func != AGG_COUNT) {
        /* the whole-number total, exact while it fits in int64 */
        if (t->whole >= -INT64_MAX && t->whole <= INT64_MAX) total.value = val_num(num_int((int64_t)t->whole), T_COUNT);
        else total.value = val_real((double)t->whole, T_COUNT);
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
        if (t->any) r = val_num(num_int(total.count), T_COUNT);
        break;
    case AGG_MEDIAN:
        if (t->values.len) {
            ValList *l = mem_alloc(sizeof *l + t->values.len * sizeof(Value));
            l->len = (uint32_t)t->values.len;
            memcpy(l->items, t->values.items, t->values.len * sizeof(Value));
            Value list = { .kind = V_LIST, .unit = t->values.items[0].unit };
            list.as.list = l;
            Arena scratch = { 0 };
            r = native_fns[BI_MEDIAN](&scratch, &list, 1);
            arena_free(&scratch);
            mem_free(l);
        }
        break;
    }
    vec_free(&t->values);
    return r;
}

/* ---- per-system totals ------------------------------------------------------------ */

/* A round asks, for each system, each aggregate and each window (and for a
 * series, each period alone), the sum of the system's members' cells: a
 * walk of some hundreds of members per period, again for every window.
 * When each period is one slice (no vintages, no `key`), that sum depends
 * only on the system, the period and the aggregate, so it is added up once
 * per feed, as add_period would (a member counts in the system it belongs
 * to on the period's first day): a window's sum is then a sum over its
 * periods. Exact: the same integers are added, in another order. How many
 * members had a cell counted over a window (coverage), a member counted
 * once, is read from a bit per member and period. */
typedef struct SysCell { int64_t whole; uint32_t count; } SysCell;   /* count as Sum's: modulo 2^32 */

/* Until period index `end` (from the organisation's previous span's end,
 * or 0), an organisation is entry `entry` of system `sys`, or (sys
 * SPAN_NONE) in none of the totals' systems. */
typedef struct Span { uint32_t end, sys, entry; } Span;
enum { SPAN_NONE = UINT32_MAX };

/* The totals are added up in one pass over the slices, period by period
 * and each slice in the feed's order of organisations (a system's members
 * are scattered over that order: walking them would jump between cells).
 * The pass is cut into parts of 64 periods, a word of `counted` each, so
 * parts write apart; the parts are taken, once, by whichever job threads
 * first ask for a system (each job evaluates systems), so two threads
 * asking at once add up on two cores. No allocation then, so nothing can
 * jump out of a part half done: what the pass needs is made beforehand. */
struct SysTotals {
    const Hierarchy *h;
    uint32_t  nparents;
    uint32_t *parents;      /* the systems' ids, sorted: their index here */
    atomic_uchar *unkept;   /* per system: a total passed int64 (its queries walk the members) */
    uint32_t  nparts;       /* of PART_PERIODS periods, the last maybe fewer */
    atomic_uint parts_taken, parts_done;
    const Slice **slice;    /* each period's one slice, or NULL */
    /* a period's figures side by side (totals_at): the pass adds into a few lines, where a row per
     * system put the systems' figures of a period nperiods apart, on a few cache sets */
    SysCell  *cells;        /* [totals_at × nwhole + whole] */
    uint32_t *reporting;    /* [totals_at]: members in the system on the period's first day that report to the feed */
    uint32_t *present;      /* of those, the ones with rows in the period (add_period's hits, where it has figures) */
    uint32_t *entry_first;  /* a system's members (in the feed): entries [entry_first[i], entry_first[i + 1]) */
    uint64_t *counted;      /* [word × entries + entry], bit q % 64 of word q / 64: a cell counted in period q */
    uint32_t *span_first;   /* per organisation of the feed: its spans [span_first[o], span_first[o + 1]) */
    Span     *spans;        /* none for one without rows or in no system */
};

enum { PART_PERIODS = 64 };

/* The index of system i's figures of period index q. */
static size_t totals_at(const SysTotals *t, size_t i, uint32_t q) { return (size_t)q * t->nparents + i; }

static void totals_free(SysTotals *t)
{
    if (!t) return;
    mem_free(t->parents);
    mem_free(t->unkept);
    mem_free(t->slice);
    mem_free(t->cells);
    mem_free(t->reporting);
    mem_free(t->present);
    mem_free(t->entry_first);
    mem_free(t->counted);
    mem_free(t->span_first);
    mem_free(t->spans);
    mem_free(t);
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Organisations are taken this many at a time, what the pass adds of them on the stack. */
enum { FILL_CHUNK = 256 };

/* Adds the cells of slice s of organisations hit[0 .. n) (with rows[]) to
 * the systems' totals at cells[cell[k] ..], an aggregate at a time. A
 * total that passes int64 marks its system unkept. */
static void totals_add(const FeedData *f, SysTotals *t, const Slice *s, const uint32_t *hit, const size_t *cell,
                       const uint32_t *rows, uint32_t n)
{
    for (uint32_t j = 0; j < f->nwhole; j++) {
        const Whole *w = &s->whole[j];
        const Bits sum = w->sum;
        SysCell *c = t->cells + j;
        for (uint32_t k = 0; k < n; k++)
            if (__builtin_add_overflow(c[cell[k]].whole, (int64_t)bits_at(&sum, hit[k]), &c[cell[k]].whole))
                atomic_store_explicit(&t->unkept[cell[k] / f->nwhole % t->nparents], 1, memory_order_relaxed);
        if (w->count) for (uint32_t k = 0; k < n; k++) c[cell[k]].count += w->count[hit[k]];
        else if (w->seen) for (uint32_t k = 0; k < n; k++) c[cell[k]].count += seen_at(w->seen, hit[k]);
        else for (uint32_t k = 0; k < n; k++) c[cell[k]].count += rows[k];
    }
}

/* Adds up part k of the totals: periods k × PART_PERIODS on, each
 * organisation's cell into the system it belongs to on the period's first
 * day (the members that report were counted when the spans were made). */
static void totals_part(const FeedData *f, SysTotals *t, uint32_t k)
{
    uint32_t qlo = k * PART_PERIODS, qhi = qlo + PART_PERIODS < f->nperiods ? qlo + PART_PERIODS : f->nperiods;
    uint64_t *counted = t->counted + (size_t)k * t->entry_first[t->nparents];
    const uint32_t *span_first = t->span_first;
    for (uint32_t q = qlo; q < qhi; q++) {
        const Slice *s = t->slice[q];
        if (!s) continue;
        uint64_t bit = (uint64_t)1 << (q % 64);
        uint32_t end = s->hi < f->norgs ? s->hi : f->norgs;     /* no rows outside [lo, hi) */
        for (uint32_t o0 = s->lo; o0 < end; o0 += FILL_CHUNK) {
            uint32_t hit[FILL_CHUNK], rows[FILL_CHUNK], n = 0;
            size_t cell[FILL_CHUNK];
            for (uint32_t o = o0; o < end && o < o0 + FILL_CHUNK; o++) {
                if (span_first[o] == span_first[o + 1]) continue;
                const Span *sp = &t->spans[span_first[o]];
                while (sp->end <= q) sp++;
                if (sp->sys == SPAN_NONE) continue;
                uint32_t r = rows_at(s, o);
                if (!r) continue;
                size_t at = totals_at(t, sp->sys, q);
                t->present[at]++;
                if (!s->whole) continue;        /* counted only: add_period reads nothing here */
                counted[sp->entry] |= bit;
                hit[n] = o, rows[n] = r, cell[n++] = at * f->nwhole;
            }
            if (n) totals_add(f, t, s, hit, cell, rows, n);
        }
    }
}

/* Whether the totals are all added up, adding up the parts no thread has
 * taken yet. False while another thread still adds up its part: the query
 * then walks the members. */
static bool totals_ready(const FeedData *f, SysTotals *t)
{
    if (atomic_load_explicit(&t->parts_done, memory_order_acquire) == t->nparts) return true;
    while (atomic_load_explicit(&t->parts_taken, memory_order_relaxed) < t->nparts) {
        uint32_t k = atomic_fetch_add_explicit(&t->parts_taken, 1, memory_order_relaxed);
        if (k >= t->nparts) break;
        totals_part(f, t, k);
        /* acq_rel: whoever sees every part done sees every part's figures */
        atomic_fetch_add_explicit(&t->parts_done, 1, memory_order_acq_rel);
    }
    return atomic_load_explicit(&t->parts_done, memory_order_acquire) == t->nparts;
}

/* The totals' index of system `parent` of h, or -1 (none kept for h, not
 * one of its systems, not yet added up, or a total passed int64). */
static int64_t totals_system(const FeedData *f, const Hierarchy *h, uint32_t parent)
{
    SysTotals *t = f->totals;
    if (!t || !h || t->h != h) return -1;
    const uint32_t *at = bsearch(&parent, t->parents, t->nparents, sizeof parent, u32_cmp);
    if (!at || !totals_ready(f, t)) return -1;
    size_t i = (size_t)(at - t->parents);
    return atomic_load_explicit(&t->unkept[i], memory_order_relaxed) ? -1 : (int64_t)i;
}

/* The first of periods [q, n) whose first day is after `to`, or n. */
static uint32_t period_after(const Day *first_day, uint32_t q, uint32_t n, Day to)
{
    while (q < n) {
        uint32_t mid = q + (n - q) / 2;
        if (first_day[mid] <= to) q = mid + 1;
        else n = mid;
    }
    return q;
}

/* Each organisation's spans (when it belongs to which system, as which
 * entry), from its entries: org_first[o] .. org_first[o + 1] of sys[] and
 * entry[]; and the members that report to the feed, which only the
 * spans decide. */
static void totals_spans(const FeedData *f, SysTotals *t, const uint32_t *org_first, const uint32_t *sys,
                         const uint32_t *entry)
{
    Day *first_day = mem_alloc(((size_t)f->nperiods + 1) * sizeof *first_day);
    for (uint32_t q = 0; q < f->nperiods; q++)
        first_day[q] = period_first_day((Period){ (Grain)f->schema->grain, f->first_period + (int32_t)q });
    VEC(Span) spans = { 0 };
    t->span_first = mem_alloc(((size_t)f->norgs + 1) * sizeof *t->span_first);
    for (uint32_t o = 0; o < f->norgs; o++) {
        t->span_first[o] = (uint32_t)spans.len;
        if (!f->reports[o] || org_first[o] == org_first[o + 1]) continue;     /* nothing to add, or in no system */
        Day from, to;
        /* hierarchies change rarely: a link (or a gap between) at a time */
        for (uint32_t q = 0; q < f->nperiods; q = period_after(first_day, q + 1, f->nperiods, to)) {
            uint32_t parent = hier_parent_span(t->h, f->global_of[o], first_day[q], &from, &to);
            Span sp = { f->nperiods, SPAN_NONE, 0 };
            for (uint32_t x = org_first[o]; x < org_first[o + 1]; x++)
                if (t->parents[sys[x]] == parent) sp.sys = sys[x], sp.entry = entry[x];
            Span *last = spans.len > t->span_first[o] ? &spans.items[spans.len - 1] : NULL;
            if (last && last->sys == sp.sys && last->entry == sp.entry) continue;
            if (last) last->end = q;
            vec_push(&spans, sp);
        }
    }
    t->span_first[f->norgs] = (uint32_t)spans.len;
    t->spans = spans.items ? spans.items : mem_alloc(sizeof *t->spans);
    mem_free(first_day);
    /* +1 where a span in a system starts, -1 where it ends, then added up period by period (modulo 2^32) */
    for (uint32_t o = 0; o < f->norgs; o++)
        for (uint32_t x = t->span_first[o], start = 0; x < t->span_first[o + 1]; start = t->spans[x++].end) {
            const Span *sp = &t->spans[x];
            if (sp->sys == SPAN_NONE) continue;
            t->reporting[totals_at(t, sp->sys, start)]++;
            if (sp->end < f->nperiods) t->reporting[totals_at(t, sp->sys, sp->end)]--;
        }
    for (uint32_t q = 1; q < f->nperiods; q++)
        for (uint32_t i = 0; i < t->nparents; i++) t->reporting[totals_at(t, i, q)] += t->reporting[totals_at(t, i, q - 1)];
}

void feed_index_systems(FeedData *f, const Hierarchy *h)
{
    totals_free(f->totals);
    f->totals = NULL;
    if (!h || f->schema->vintage_col || !f->nperiods) return;
    for (uint32_t q = 0; q < f->nperiods; q++)
        if (f->period_first[q + 1] - f->period_first[q] > 1) return;       /* identities (`key`) */
    uint32_t np = hier_parent_count(h);
    /* kept only while no bigger than the slices' own figures, give or take */
    size_t cells = (size_t)np * f->nperiods, store = 0;
    for (uint32_t k = 0; k < f->store.nslices; k++) store += (size_t)f->store.slices[k].cap * (2 + 2 * f->nwhole);
    if (cells * (f->nwhole * sizeof(SysCell) + 2 * sizeof(uint32_t)) > store + (1u << 20)) return;
    SysTotals *t = mem_calloc(1, sizeof *t);
    t->h = h;
    t->nparents = np;
    t->parents = mem_alloc(((size_t)np + 1) * sizeof *t->parents);
    for (uint32_t i = 0; i < np; i++) t->parents[i] = hier_parent_at(h, i);
    qsort(t->parents, np, sizeof *t->parents, u32_cmp);
    t->unkept = mem_alloc(((size_t)np + 1) * sizeof *t->unkept);
    for (uint32_t i = 0; i < np; i++) atomic_init(&t->unkept[i], 0);
    t->nparts = (f->nperiods + PART_PERIODS - 1) / PART_PERIODS;
    atomic_init(&t->parts_taken, 0);
    atomic_init(&t->parts_done, 0);
    t->cells = mem_calloc(cells * f->nwhole + 1, sizeof *t->cells);
    t->reporting = mem_calloc(cells + 1, sizeof *t->reporting);
    t->present = mem_calloc(cells + 1, sizeof *t->present);
    /* entries: each system's members in the feed; and per organisation, its entries (a member that
     * moves is in more than one system) */
    t->entry_first = mem_calloc((size_t)np + 1, sizeof *t->entry_first);
    uint32_t *org_first = mem_calloc((size_t)f->norgs + 2, sizeof *org_first);
    for (uint32_t i = 0; i < np; i++) {
        const uint32_t *m;
        size_t n = hier_members(h, t->parents[i], &m);
        t->entry_first[i + 1] = t->entry_first[i];
        for (size_t x = 0; x < n; x++)
            if (feed_has_org(f, m[x])) t->entry_first[i + 1]++, org_first[f->local_of[m[x]] + 2]++;
    }
    for (uint32_t o = 0; o < f->norgs; o++) org_first[o + 2] += org_first[o + 1];
    uint32_t nentries = t->entry_first[np];
    uint32_t *sys = mem_alloc(((size_t)nentries + 1) * sizeof *sys), *entry = mem_alloc(((size_t)nentries + 1) * sizeof *entry);
    for (uint32_t i = 0, e = 0; i < np; i++) {
        const uint32_t *m;
        size_t n = hier_members(h, t->parents[i], &m);
        for (size_t x = 0; x < n; x++) {
            if (!feed_has_org(f, m[x])) continue;
            uint32_t at = org_first[f->local_of[m[x]] + 1]++;
            sys[at] = i, entry[at] = e++;
        }
    }
    totals_spans(f, t, org_first, sys, entry);
    mem_free(org_first);
    mem_free(sys);
    mem_free(entry);
    t->counted = mem_calloc((size_t)t->nparts * nentries + 1, sizeof *t->counted);
    t->slice = mem_alloc(((size_t)f->nperiods + 1) * sizeof *t->slice);
    for (uint32_t q = 0; q < f->nperiods; q++)
        t->slice[q] = f->period_first[q + 1] > f->period_first[q] ? &f->store.slices[f->period_first[q]] : NULL;
    f->totals = t;
}

bool feed_has_totals(const FeedData *f) { return f->totals != NULL; }

/* How many of system i's members had a cell counted in period indices
 * [qlo, qhi]. */
static uint32_t totals_coverage(const SysTotals *t, size_t i, uint32_t qlo, uint32_t qhi)
{
    size_t wlo = qlo / 64, whi = qhi / 64, nentries = t->entry_first[t->nparents];
    uint64_t first = ~(uint64_t)0 << (qlo % 64), last = ~(uint64_t)0 >> (63 - qhi % 64);
    uint32_t n = 0;
    for (uint32_t e = t->entry_first[i]; e < t->entry_first[i + 1]; e++) {
        const uint64_t *b = t->counted + e;
        bool any = false;
        if (wlo == whi) any = b[wlo * nentries] & first & last;
        else {
            any = (b[wlo * nentries] & first) || (b[whi * nentries] & last);
            for (size_t w = wlo + 1; w < whi && !any; w++) any = b[w * nentries] != 0;
        }
        n += any;
    }
    return n;
}

/* Adds system i's totals of aggregate fa over period index q to *t, as
 * add_period would; the members with a cell counted. */
static uint32_t totals_period(const FeedData *f, const FeedAgg *fa, size_t i, uint32_t q, Sum *t)
{
    const SysTotals *st = f->totals;
    size_t at = totals_at(st, i, q);
    const SysCell *c = &st->cells[at * f->nwhole + (uint32_t)fa->whole];
    t->whole += c->whole;
    t->total.count += c->count;
    uint32_t hits = st->slice[q] && st->slice[q]->whole ? st->present[at] : 0;
    if (hits) t->any = true;
    return hits;
}

/* The feed's periods [*lo, *hi] (indices) that a query of agg over [from,
 * to] as of as_of reads. */
static void query_periods(const FeedData *f, Day from, Day to, Day as_of, int32_t *lo, int32_t *hi)
{
    window_periods(f, from, to, as_of, lo, hi);
    /* only the periods the feed has */
    int64_t last = (int64_t)f->first_period + f->nperiods - 1;
    if (*lo < f->first_period) *lo = f->first_period;
    if (*hi > last) *hi = (int32_t)last;
}

static Value aggregate(const FeedData *f, uint32_t agg, const uint32_t *orgs, size_t norgs,
                       const Hierarchy *h, uint32_t parent, Day from, Day to, Day as_of, uint32_t *coverage)
{
    *coverage = 0;
    int32_t j = local_agg(f, agg);
    if (j < 0) return val_missing();
    const FeedAgg *fa = &f->aggs[j];
    bool first;
    as_of = pub_as_of(f, fa, as_of, &first);
    int32_t lo, hi;
    query_periods(f, from, to, as_of, &lo, &hi);
    Sum t = { 0 };
    int64_t sys = fa->whole >= 0 ? totals_system(f, h, parent) : -1;
    if (sys >= 0) {
        for (int32_t p = lo; p <= hi; p++) totals_period(f, fa, (size_t)sys, (uint32_t)(p - f->first_period), &t);
        if (lo <= hi)
            *coverage = totals_coverage(f->totals, (size_t)sys, (uint32_t)(lo - f->first_period),
                                        (uint32_t)(hi - f->first_period));
        return sum_value(fa, &t);
    }
    Member small[512];          /* a system's members nearly always fit: no allocation per query */
    Member *mem = norgs <= sizeof small / sizeof *small ? small : mem_alloc(norgs * sizeof *mem);
    size_t nmem = members_of_query(f, orgs, norgs, h, mem);
    for (int32_t p = lo; p <= hi && nmem; p++) add_period(f, fa, first, as_of, p, mem, nmem, h, parent, &t);
    for (size_t m = 0; m < nmem; m++) *coverage += mem[m].counted;
    if (mem != small) mem_free(mem);
    return sum_value(fa, &t);
}

/* aggregate for each period p of [lo, hi] alone: out[p - lo], cov[p - lo];
 * one pass, the members found once. */
static void aggregate_periods(const FeedData *f, uint32_t agg, const uint32_t *orgs, size_t norgs,
                              const Hierarchy *h, uint32_t parent, int32_t lo, int32_t hi, Day as_of, Value *out,
                              uint32_t *cov)
{
    for (int32_t p = lo; p <= hi; p++) out[p - lo] = val_missing(), cov[p - lo] = 0;
    int32_t j = local_agg(f, agg);
    if (j < 0 || lo > hi) return;
    const FeedAgg *fa = &f->aggs[j];
    bool first;
    as_of = pub_as_of(f, fa, as_of, &first);
    Grain g = (Grain)f->schema->grain;
    int32_t klo, khi;           /* of those, the ones a query of one of them would read */
    query_periods(f, period_first_day((Period){ g, lo }), period_last_day((Period){ g, hi }), as_of, &klo, &khi);
    int64_t sys = fa->whole >= 0 ? totals_system(f, h, parent) : -1;
    if (sys >= 0) {
        for (int32_t p = klo; p <= khi; p++) {
            Sum t = { 0 };
            cov[p - lo] = totals_period(f, fa, (size_t)sys, (uint32_t)(p - f->first_period), &t);
            out[p - lo] = sum_value(fa, &t);
        }
        return;
    }
    Member small[512];
    Member *mem = norgs <= sizeof small / sizeof *small ? small : mem_alloc(norgs * sizeof *mem);
    size_t nmem = members_of_query(f, orgs, norgs, h, mem);
    for (int32_t p = klo; p <= khi && nmem; p++) {
        Sum t = { 0 };
        cov[p - lo] = add_period(f, fa, first, as_of, p, mem, nmem, h, parent, &t);
        out[p - lo] = sum_value(fa, &t);
    }
    if (mem != small) mem_free(mem);
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

void feed_aggregate_periods(const FeedData *f, uint32_t agg, const uint32_t *orgs, size_t norgs, int32_t lo,
                            int32_t hi, Day as_of, Value *out, uint32_t *coverage)
{
    aggregate_periods(f, agg, orgs, norgs, NULL, ORG_NONE, lo, hi, as_of, out, coverage);
}

void feed_aggregate_system_periods(const FeedData *f, uint32_t agg, const Hierarchy *h, uint32_t parent,
                                   int32_t lo, int32_t hi, Day as_of, Value *out, uint32_t *coverage)
{
    const uint32_t *members;
    size_t n = hier_members(h, parent, &members);
    aggregate_periods(f, agg, members, n, h, parent, lo, hi, as_of, out, coverage);
    /* as feed_aggregate_system, period by period */
    for (int32_t p = lo; p <= hi; p++) {
        if (n != 0 && !(out[p - lo].kind == V_MISSING && coverage[p - lo] == 0)) continue;
        Value v;
        uint32_t c;
        aggregate_periods(f, agg, &parent, 1, NULL, ORG_NONE, p, p, as_of, &v, &c);
        out[p - lo] = v, coverage[p - lo] = c;
    }
}

void feed_slice_counts(const FeedData *f, uint32_t *figures, uint32_t *counts_only)
{
    *figures = *counts_only = 0;
    for (uint32_t i = 0; i < f->store.nslices; i++) ++*(f->store.slices[i].whole ? figures : counts_only);
}

bool feed_periods(const FeedData *f, int32_t *lo, int32_t *hi)
{
    *lo = f->first_period;
    *hi = (int32_t)((int64_t)f->first_period + f->nperiods - 1);
    return f->nperiods > 0;
}

/* ---- completeness ------------------------------------------------------------ */

bool feed_window_span(const FeedData *f, Day from, Day to, int32_t *lo, int32_t *hi)
{
    Grain g = (Grain)f->schema->grain;
    Period first = period_containing(g, from), last = period_containing(g, to);
    *lo = first.index + (period_first_day(first) < from);
    *hi = last.index - (period_last_day(last) > to);
    return *lo <= *hi;
}

bool feed_has_org(const FeedData *f, uint32_t org)
{
    return org < f->norg_index && f->local_of[org] != ORG_NONE;
}

/* Whether anyone's rows of period index p were published on or before as_of. */
static bool period_published(const FeedData *f, int32_t p, Day as_of)
{
    if (p < f->first_period || p - f->first_period >= (int64_t)f->nperiods) return false;
    uint32_t i = (uint32_t)(p - f->first_period);
    for (uint32_t k = f->period_first[i]; k < f->period_first[i + 1]; k++)
        if (f->store.slices[k].vintage <= as_of) return true;
    return false;
}

/* Adds period p's cells of the members (members_of_query) to *c. */
static void period_cells(const FeedData *f, int32_t p, Member *mem, size_t nmem, const Hierarchy *h,
                         uint32_t parent, Day as_of, FeedCells *c,
                         void (*missing)(void *ud, uint32_t org, Period p), void *ud)
{
    Period per = { (Grain)f->schema->grain, p };
    bool known = feed_period_known(f, per, as_of);
    /* a period is due once its lag has passed, or (vintages) once anyone has published it */
    if (!known && !(f->schema->vintage_col && period_published(f, p, as_of))) return;
    bool visible = known || f->schema->vintage_col;
    bool held = p >= f->first_period && p - f->first_period < (int64_t)f->nperiods;
    Day first_day = period_first_day(per);
    /* a period of one slice, without vintages: the cell is there or not */
    const Slice *only = NULL;
    if (held && !f->schema->vintage_col) {
        uint32_t i = (uint32_t)(p - f->first_period);
        if (f->period_first[i + 1] - f->period_first[i] == 1) only = &f->store.slices[f->period_first[i]];
    }
    for (size_t m = 0; m < nmem; m++) {
        Member *x = &mem[m];
        uint32_t o = x->o;
        if (!f->reports[o]) continue;
        if (h && (first_day < x->from || first_day > x->to))
            x->in = hier_parent_span(h, x->g, first_day, &x->from, &x->to) == parent;
        if (!x->in) continue;
        c->expected++;
        uint32_t at = UINT32_MAX, done_ident;
        bool present = visible && held
                       && (only ? o < only->cap && rows_at(only, o) : cell_slice_next(f, o, p, as_of, &at, &done_ident) != NULL);
        if (present) c->present++;
        else if (missing) missing(ud, x->g, per);
    }
}

void feed_period_cells(const FeedData *f, int32_t p, const uint32_t *orgs, size_t norgs, const Hierarchy *h,
                       uint32_t parent, Day as_of, FeedCells *c,
                       void (*missing)(void *ud, uint32_t org, Period p), void *ud)
{
    feed_periods_cells(f, p, p, orgs, norgs, h, parent, as_of, c, missing, ud);
}

void feed_periods_cells(const FeedData *f, int32_t lo, int32_t hi, const uint32_t *orgs, size_t norgs,
                        const Hierarchy *h, uint32_t parent, Day as_of, FeedCells *c,
                        void (*missing)(void *ud, uint32_t org, Period p), void *ud)
{
    int64_t sys = missing ? -1 : totals_system(f, h, parent);
    int64_t last = (int64_t)f->first_period + f->nperiods - 1;
    if (sys >= 0 && lo >= f->first_period && hi <= last) {     /* the totals hold every period asked */
        for (int32_t p = lo; p <= hi; p++) {
            /* as period_cells: a period is due once its lag has passed (no vintages here) */
            if (!feed_period_known(f, (Period){ (Grain)f->schema->grain, p }, as_of)) continue;
            size_t at = totals_at(f->totals, (size_t)sys, (uint32_t)(p - f->first_period));
            c[p - lo].expected += f->totals->reporting[at];
            c[p - lo].present += f->totals->present[at];
        }
        return;
    }
    Member small[512];
    Member *mem = norgs <= sizeof small / sizeof *small ? small : mem_alloc(norgs * sizeof *mem);
    size_t nmem = members_of_query(f, orgs, norgs, h, mem);
    for (int32_t p = lo; p <= hi && nmem; p++) period_cells(f, p, mem, nmem, h, parent, as_of, &c[p - lo], missing, ud);
    if (mem != small) mem_free(mem);
}

void feed_each_key_of(const FeedData *f, uint32_t org,
                      void (*fn)(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows), void *ud)
{
    const Store *st = &f->store;
    uint32_t o = org < f->norg_index ? f->local_of[org] : ORG_NONE;
    if (o == ORG_NONE) return;
    for (uint32_t i = 0; i < st->nslices; i++) {
        uint32_t rows = rows_in(&st->slices[i], o);
        if (rows) fn(ud, org, (Period){ (Grain)f->schema->grain, st->slices[i].period }, st->slices[i].vintage, rows);
    }
}

void feed_each_key(const FeedData *f, void (*fn)(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows),
                   void *ud)
{
    for (uint32_t g = 0; g < f->norg_index; g++) feed_each_key_of(f, g, fn, ud);
}

/* Organisation o's identity number ident as text: `type = 1, site = A`. */
static void ident_text(const FeedData *f, uint32_t o, uint32_t ident, char *buf, size_t cap)
{
    const Store *st = &f->store;
    buf[0] = 0;
    for (size_t i = 0; i < st->idents.len; i++) {
        const Ident *id = &st->idents.items[i];
        if (id->org != o || id->ident != ident) continue;
        size_t k = 0, at = 0;
        for (uint16_t c = 0; c < f->schema->nkey && k + sizeof(uint32_t) <= id->len && at + 1 < cap; c++) {
            uint32_t len;
            memcpy(&len, id->key + k, sizeof len);
            k += sizeof len;
            int n = snprintf(buf + at, cap - at, "%s%s = %.*s", c ? ", " : "",
                             f->schema->columns[f->schema->key_cols[c]].name, (int)len, id->key + k);
            k += len;
            if (n < 0) break;
            at += (size_t)n < cap - at ? (size_t)n : cap - at - 1;
        }
        return;
    }
}

void feed_each_superseded(const FeedData *f, Day as_of,
                          void (*fn)(void *ud, uint32_t org, Period p, const char *identity, Day vintage, Day by,
                                     uint32_t rows),
                          void *ud)
{
    const Store *st = &f->store;
    if (!f->schema->vintage_col) return;
    char text[256];
    for (uint32_t g = 0; g < f->norg_index; g++) {
        uint32_t o = f->local_of[g];
        if (o == ORG_NONE) continue;
        for (uint32_t i = 0; i < f->nperiods; i++) {
            /* back through the period's slices: identity by identity, the latest vintage first */
            uint32_t ident = UINT32_MAX;
            bool seen = false;
            Day latest = 0;
            for (uint32_t k = f->period_first[i + 1]; k-- > f->period_first[i];) {
                const Slice *s = &st->slices[k];
                if (s->ident != ident) {
                    ident = s->ident;
                    seen = false;
                }
                if (s->vintage > as_of || o >= s->cap || !rows_at(s, o)) continue;
                if (!seen) {
                    seen = true;
                    latest = s->vintage;
                    continue;
                }
                if (s->ident) ident_text(f, o, s->ident, text, sizeof text);
                fn(ud, g, (Period){ (Grain)f->schema->grain, s->period }, s->ident ? text : NULL, s->vintage, latest,
                   rows_at(s, o));
            }
        }
    }
}
