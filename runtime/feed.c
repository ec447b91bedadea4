/* feed.c: loading feeds and hierarchies, and aggregating what was known.
 *
 * A row is read, its declared columns are parsed to their types (a cell
 * that does not parse stops the load, naming file, line, column and text),
 * and it is folded into the accumulators of its (organisation, period,
 * vintage) key. Queries then combine keys: the members of a system, the
 * periods of a window, the vintage visible on a date. */
#include "feed.h"
#include "csv.h"
#include "utf8.h"
#include "natives.h"
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- organisation codes ------------------------------------------------ */

struct Orgs {
    Arena     arena;
    char    **codes;
    uint32_t *lens;
    uint32_t  n, cap;
    uint32_t *slots;        /* open addressing: id + 1, 0 empty */
    size_t    nslots;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

Orgs *orgs_new(void) { return mem_calloc(1, sizeof(Orgs)); }

void orgs_free(Orgs *o)
{
    if (!o) return;
    arena_free(&o->arena);
    mem_free(o->codes);
    mem_free(o->lens);
    mem_free(o->slots);
    mem_free(o);
}

static uint32_t *orgs_slot(const Orgs *o, const char *code, size_t len)
{
    size_t i = hash_bytes(code, len) & (o->nslots - 1);
    for (;; i = (i + 1) & (o->nslots - 1)) {
        uint32_t id = o->slots[i];
        if (!id || (o->lens[id - 1] == len && memcmp(o->codes[id - 1], code, len) == 0)) return &o->slots[i];
    }
}

uint32_t orgs_find(const Orgs *o, const char *code, size_t len)
{
    if (!o->nslots) return ORG_NONE;
    uint32_t id = *orgs_slot(o, code, len);
    return id ? id - 1 : ORG_NONE;
}

uint32_t orgs_intern(Orgs *o, const char *code, size_t len)
{
    if ((o->n + 1) * 2 > o->nslots) {
        size_t n = o->nslots ? o->nslots * 2 : 1024;
        uint32_t *old = o->slots;
        size_t oldn = o->nslots;
        o->slots = mem_calloc(n, sizeof *o->slots);
        o->nslots = n;
        for (size_t i = 0; i < oldn; i++)
            if (old[i]) *orgs_slot(o, o->codes[old[i] - 1], o->lens[old[i] - 1]) = old[i];
        mem_free(old);
    }
    uint32_t *slot = orgs_slot(o, code, len);
    if (*slot) return *slot - 1;
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 1024;
        o->codes = mem_realloc(o->codes, o->cap * sizeof *o->codes);
        o->lens = mem_realloc(o->lens, o->cap * sizeof *o->lens);
    }
    o->codes[o->n] = arena_strndup(&o->arena, code, len);
    o->lens[o->n] = (uint32_t)len;
    *slot = ++o->n;
    return o->n - 1;
}

const char *orgs_code(const Orgs *o, uint32_t id) { return id < o->n ? o->codes[id] : "?"; }
uint32_t orgs_count(const Orgs *o) { return o->n; }

/* ---- reading cells ------------------------------------------------------- */

/* Empty and `*` (suppressed) cells are missing, quoted or not; only a
 * quoted empty text cell is text, the empty string. */
static bool is_missing_cell(const CsvField *f)
{
    return (f->len == 0 && !f->quoted) || (f->len == 1 && f->ptr[0] == '*');
}

/* An exact decimal: [-]digits[.digits]; false if it is not one. */
static bool parse_decimal(const char *s, size_t n, bool allow_sign, Num *out)
{
    /* most cells are short whole numbers: digits only, no overflow possible */
    if (n && n <= 18) {
        int64_t v = 0;
        size_t i = 0;
        while (i < n && (unsigned)(s[i] - '0') < 10) v = v * 10 + (s[i++] - '0');
        if (i == n) { *out = (Num){ v, 1 }; return true; }
    }
    bool neg = false;
    size_t i = 0;
    if (n && (s[0] == '-' || s[0] == '+') && allow_sign) { neg = s[0] == '-'; i = 1; }
    size_t start = i, digits = 0;
    int64_t v = 0, den = 1;
    bool dot = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !dot) { dot = true; continue; }
        if (c < '0' || c > '9') return false;
        if (dot) {
            if (den > INT64_MAX / 10) return false;
            den *= 10;
        }
        if (v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (c - '0');
        digits++;
    }
    if (!digits || (dot && s[n - 1] == '.') || (dot && s[start] == '.')) return false;
    if (den == 1) { *out = (Num){ neg ? -v : v, 1 }; return true; }     /* no gcd for a whole number */
    return num_make(neg ? -v : v, den, out) == NUM_OK;
}


/* Parses a cell of the given type; NULL on success, else what is wrong. */
static const char *parse_cell(TypeKind type, uint8_t format, const CsvField *f, Value *out)
{
    const char *s = f->ptr;
    size_t n = f->len;
    Num v;
    if (is_missing_cell(f) || (f->quoted && n == 0 && type != T_TEXT)) { *out = val_missing(); return NULL; }
    switch (type) {
    case T_COUNT:
        if (!parse_decimal(s, n, false, &v) || v.d != 1) return "is not a count (a whole number)";
        *out = val_num(v, T_COUNT);
        return NULL;
    case T_NUMBER:
        if (!parse_decimal(s, n, true, &v)) return "is not a number";
        *out = val_num(v, T_NUMBER);
        return NULL;
    case T_PERCENT: {
        /* 95.2% is a percent; 0.952 is the same percent as a fraction */
        bool pct = n && s[n - 1] == '%';
        const char *bad = format == COL_POINTS ? "is not a percent (95.2% or 95.2)" : "is not a percent (95.2% or 0.952)";
        if (!parse_decimal(s, n - pct, true, &v)) return bad;
        if ((pct || format == COL_POINTS) && num_div(v, num_int(100), &v) != NUM_OK) return bad;
        *out = val_num(v, T_PERCENT);
        return NULL;
    }
    case T_PP: {
        bool pp = n > 2 && s[n - 2] == 'p' && s[n - 1] == 'p';
        if (!parse_decimal(s, n - 2 * pp, true, &v) || num_div(v, num_int(100), &v) != NUM_OK)
            return "is not a number of percentage points (0.5 or 0.5pp)";
        *out = val_num(v, T_PP);
        return NULL;
    }
    case T_MONEY: {
        bool neg = n && s[0] == '-';
        size_t i = neg;
        if (n - i >= 2 && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA3) i += 2;   /* £ */
        if (!parse_decimal(s + i, n - i, !neg, &v)) return "is not an amount of money (1500 or £1500.50)";
        *out = val_num(neg ? num_neg(v) : v, T_MONEY);
        return NULL;
    }
    case T_TEXT:
        if (!utf8_valid(s, n, NULL)) return "is not UTF-8 text";
        *out = val_text(s, (uint32_t)n);
        return NULL;
    case T_BOOL:
        if (n == 4 && memcmp(s, "true", 4) == 0) { *out = val_bool(true); return NULL; }
        if (n == 5 && memcmp(s, "false", 5) == 0) { *out = val_bool(false); return NULL; }
        return "is not true or false";
    case T_DATE: {
        Day d;
        if (!cal_parse_day(s, n, &d, NULL, 0)) return "is not a date (2019-03-01 or 20190301)";
        *out = val_period((Period){ GRAIN_DAY, d });
        return NULL;
    }
    case T_MONTH: {
        Period p;
        Day d;
        /* feeds write a month as 2019-03 or as its first day */
        if (cal_parse_month(s, n, &p, NULL, 0)) { *out = val_period(p); return NULL; }
        if (cal_parse_day(s, n, &d, NULL, 0)) { *out = val_period(period_containing(GRAIN_MONTH, d)); return NULL; }
        return "is not a month (2019-03 or 2019-03-01)";
    }
    case T_QUARTER: {
        Period p;
        if (!cal_parse_quarter(s, n, &p, NULL, 0)) return "is not a quarter (2019/20 Q3)";
        *out = val_period(p);
        return NULL;
    }
    case T_FY: {
        Period p;
        if (!cal_parse_fy(s, n, &p, NULL, 0)) return "is not a financial year (2019/20)";
        *out = val_period(p);
        return NULL;
    }
    default:
        return "has a type a feed cannot hold";
    }
}

static const TypeKind grain_type[] = { [GRAIN_DAY] = T_DATE, [GRAIN_MONTH] = T_MONTH,
                                       [GRAIN_QUARTER] = T_QUARTER, [GRAIN_FY] = T_FY };

/* ---- where rows come from: a CSV file or an SQLite table ------------------ */

/* Both give a header record and then records of fields, so the typing and
 * the messages are the same whichever a feed comes from. */
typedef struct RowSource {
    const char *name;
    CsvReader  *csv;
    sqlite3      *db;
    sqlite3_stmt *stmt;
    CsvField   *fields;
    size_t      nfields;
    uint64_t    row;            /* SQLite: the row number, the header being 0 */
    char        error[256];
} RowSource;

static bool open_sqlite(RowSource *r, const char *spec, char *why, size_t cap)
{
    /* sqlite:PATH:TABLE; the last colon separates the table, so a path may hold colons */
    const char *path = spec + 7, *colon = strrchr(path, ':');
    if (!colon || colon == path || !colon[1]) {
        snprintf(why, cap, "%s: expected sqlite:PATH:TABLE", spec);
        return false;
    }
    char *file = mem_strndup(path, (size_t)(colon - path));
    int rc = sqlite3_open_v2(file, &r->db, SQLITE_OPEN_READONLY, NULL);
    mem_free(file);
    if (rc != SQLITE_OK) {
        snprintf(why, cap, "%s: cannot open the database: %s", spec, r->db ? sqlite3_errmsg(r->db) : "out of memory");
        return false;
    }
    /* the table's name is an identifier: quote it, doubling its quotes */
    const char *table = colon + 1;
    size_t n = strlen(table);
    char *sql = mem_alloc(2 * n + 32), *q = sql;
    q += sprintf(q, "SELECT * FROM \"");
    for (size_t i = 0; i < n; i++) { if (table[i] == '"') *q++ = '"'; *q++ = table[i]; }
    strcpy(q, "\"");
    rc = sqlite3_prepare_v2(r->db, sql, -1, &r->stmt, NULL);
    mem_free(sql);
    if (rc != SQLITE_OK) {
        snprintf(why, cap, "%s: %s", spec, sqlite3_errmsg(r->db));
        return false;
    }
    r->nfields = (size_t)sqlite3_column_count(r->stmt);
    r->fields = mem_calloc(r->nfields + 1, sizeof *r->fields);
    return true;
}

static bool source_open(RowSource *r, const char *spec, char *why, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->name = spec;
    if (strncmp(spec, "sqlite:", 7) == 0) return open_sqlite(r, spec, why, cap);
    char reason[256];
    r->csv = csv_open_file(spec, reason, sizeof reason);
    if (!r->csv) snprintf(why, cap, "%s: cannot read it: %s", spec, reason);
    return r->csv != NULL;
}

static CsvStatus source_next(RowSource *r, const CsvField **fields, size_t *n)
{
    if (r->csv) return csv_next(r->csv, fields, n);
    *fields = r->fields;
    *n = r->nfields;
    if (r->row++ == 0) {            /* the header: the table's column names */
        for (size_t i = 0; i < r->nfields; i++) {
            const char *name = sqlite3_column_name(r->stmt, (int)i);
            r->fields[i] = (CsvField){ name ? name : "", name ? strlen(name) : 0, false };
        }
        return CSV_RECORD;
    }
    int rc = sqlite3_step(r->stmt);
    if (rc == SQLITE_DONE) return CSV_END;
    if (rc != SQLITE_ROW) {
        snprintf(r->error, sizeof r->error, "row %llu: %s", (unsigned long long)r->row - 1, sqlite3_errmsg(r->db));
        return CSV_ERROR;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        /* NULL is a missing cell, as an empty or `*` cell is in a CSV file */
        const unsigned char *t = sqlite3_column_text(r->stmt, (int)i);
        size_t len = (size_t)sqlite3_column_bytes(r->stmt, (int)i);
        r->fields[i] = (CsvField){ t ? (const char *)t : "", t ? len : 0, false };
    }
    return CSV_RECORD;
}

/* The line of a CSV record, or the row number in an SQLite table. */
static uint64_t source_line(const RowSource *r) { return r->csv ? csv_line(r->csv) : r->row - 1; }
static const char *source_error(const RowSource *r) { return r->csv ? csv_error(r->csv) : r->error; }

static void source_close(RowSource *r)
{
    csv_close(r->csv);
    sqlite3_finalize(r->stmt);
    sqlite3_close(r->db);
    mem_free(r->fields);
}

/* ---- storage --------------------------------------------------------------- */

typedef struct Key { uint32_t org; int32_t period; Day vintage; uint32_t rows; } Key;
typedef struct Acc { Value value; uint32_t count; uint32_t nvalues, cap; Value *values; } Acc;

typedef struct FeedAgg {
    uint32_t agg;           /* index into p->aggs */
    uint8_t  func;
    int      column;        /* the declared column it reads */
    TypeKind type;
    int      filter;        /* function, or -1 */
    int     *filter_pos;    /* positions of the filter's columns in the record */
    TypeKind *filter_types;
    uint16_t nfilter;
} FeedAgg;

struct FeedData {
    const BcProgram *p;
    const BcFeed *schema;
    FeedStats stats;
    FeedAgg  *aggs;
    uint32_t  naggs;
    Key      *keys;         /* sorted by org, period, vintage after loading */
    Acc      *accs;         /* keys × naggs */
    uint32_t  nkeys, cap;
    uint32_t *slots;        /* while loading: hash of keys */
    size_t    nslots;
    uint32_t *org_first;    /* after loading: keys of org o are [org_first[o], org_first[o + 1]) */
    uint32_t  norg_index;
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
        f->accs = mem_realloc(f->accs, (size_t)f->cap * (f->naggs ? f->naggs : 1) * sizeof *f->accs);
    }
    f->keys[f->nkeys] = (Key){ org, period, vintage, 0 };
    memset(&f->accs[(size_t)f->nkeys * f->naggs], 0, f->naggs * sizeof *f->accs);
    f->slots[i] = f->nkeys + 1;
    return f->nkeys++;
}

static void accumulate(Acc *a, uint8_t func, Value v)
{
    bool missing;
    if (v.kind == V_MISSING) return;
    a->count++;
    switch (func) {
    case AGG_SUM: case AGG_MEAN:
        a->value = a->value.kind == V_MISSING ? v : val_arith(AR_ADD, a->value, v);
        break;
    case AGG_MIN:
        if (a->value.kind == V_MISSING || val_compare(v, a->value, &missing) < 0) a->value = v;
        break;
    case AGG_MAX:
        if (a->value.kind == V_MISSING || val_compare(v, a->value, &missing) > 0) a->value = v;
        break;
    case AGG_MEDIAN:
        if (a->nvalues == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 4;
            a->values = mem_realloc(a->values, a->cap * sizeof *a->values);
        }
        a->values[a->nvalues++] = v;
        break;
    default:
        break;
    }
}

/* ---- loading ----------------------------------------------------------------- */

static bool fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return false;
}

/* The position of `name` in the header, or -1. */
static int header_position(const CsvField *h, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (h[i].len == len && memcmp(h[i].ptr, name, len) == 0) return (int)i;
    return -1;
}

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
        parse_cell(a->filter_types[i], l->f->schema->columns[l->f->p->aggs[a->agg].filter_cols[i]].format,
                   &rec[a->filter_pos[i]], &args[i]);
    Value r;
    VmStatus s = vm_call(l->vm, (uint32_t)a->filter, args, &r);
    if (s != VM_OK) { *ok = fail(why, cap, "%s: a where condition failed: %s", l->name, vm_message(l->vm)); return false; }
    bool pass = r.kind == V_BOOL && r.as.boolean;
    if (cacheable) cache_put(c, key, k, pass);
    return pass;
}

/* One row; false (with why) if it is bad. */
static bool load_row(Loader *l, const CsvField *rec, size_t n, char *why, size_t cap)
{
    FeedData *f = l->f;
    const BcFeed *s = f->schema;
    uint64_t line = source_line(l->src);
    if (n != l->nheader)
        return fail(why, cap, "%s:%llu: the row has %zu fields, but the header has %zu", l->name,
                    (unsigned long long)line, n, l->nheader);
    const CsvField *org = &rec[l->org_pos];
    if (is_missing_cell(org) || org->len == 0)
        return fail(why, cap, "%s:%llu: column `%s` (the organisation) is empty or `*`", l->name,
                    (unsigned long long)line, s->org_col);
    Value period, vintage = val_missing(), *values = l->values;
    const char *bad = NULL;
    const CsvField *pf = &rec[l->period_pos];
    if (pf->len && pf->len == l->last_period_len && memcmp(pf->ptr, l->last_period, pf->len) == 0) {
        period = l->last_period_value;
    } else {
        bad = parse_cell(grain_type[s->grain], COL_PLAIN, pf, &period);
        if (!bad && period.kind != V_MISSING && pf->len <= sizeof l->last_period) {
            memcpy(l->last_period, pf->ptr, pf->len);
            l->last_period_len = pf->len;
            l->last_period_value = period;
        }
    }
    if (bad || period.kind == V_MISSING)
        return fail(why, cap, "%s:%llu: column `%s`: `%.*s` %s", l->name, (unsigned long long)line, s->period_col,
                    (int)rec[l->period_pos].len, rec[l->period_pos].ptr, bad ? bad : "is empty: every row needs its period");
    if (l->vintage_pos >= 0) {
        bad = parse_cell(T_DATE, COL_PLAIN, &rec[l->vintage_pos], &vintage);
        if (bad || vintage.kind == V_MISSING)
            return fail(why, cap, "%s:%llu: column `%s`: `%.*s` %s", l->name, (unsigned long long)line,
                        s->vintage_col, (int)rec[l->vintage_pos].len, rec[l->vintage_pos].ptr,
                        bad ? bad : "is empty: every row needs the date it was published");
    }
    for (uint16_t c = 0; c < s->ncolumns; c++) {
        const CsvField *cell = &rec[l->col_pos[c]];
        if ((bad = parse_cell((TypeKind)s->columns[c].type, s->columns[c].format, cell, &values[c])))
            return fail(why, cap, "%s:%llu: column `%s`: `%.*s%s` %s", l->name, (unsigned long long)line,
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
        accumulate(&f->accs[(size_t)k * f->naggs + j], f->aggs[j].func, values[f->aggs[j].column]);
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
static void finish(FeedData *f, uint32_t norgs)
{
    uint32_t *order = mem_alloc(((size_t)f->nkeys + 1) * sizeof *order);
    Key *keys = mem_alloc(((size_t)f->nkeys + 1) * sizeof *keys);
    /* a counting sort by organisation, then each organisation's few keys
     * by period and vintage */
    f->norg_index = norgs;
    f->org_first = mem_calloc((size_t)norgs + 2, sizeof *f->org_first);
    for (uint32_t i = 0; i < f->nkeys; i++) f->org_first[f->keys[i].org + 1]++;
    for (uint32_t o = 0; o < norgs; o++) f->org_first[o + 1] += f->org_first[o];
    uint32_t *fill = mem_alloc(((size_t)norgs + 1) * sizeof *fill);
    memcpy(fill, f->org_first, (size_t)norgs * sizeof *fill);
    for (uint32_t i = 0; i < f->nkeys; i++) {
        Key k = f->keys[i];
        k.rows = i;                                 /* remember where it came from */
        keys[fill[k.org]++] = k;
    }
    mem_free(fill);
    for (uint32_t o = 0; o < norgs; o++)
        qsort(keys + f->org_first[o], f->org_first[o + 1] - f->org_first[o], sizeof *keys, key_cmp);
    Acc *accs = mem_alloc(((size_t)f->nkeys * f->naggs + 1) * sizeof *accs);
    for (uint32_t i = 0; i < f->nkeys; i++) {
        order[i] = keys[i].rows;
        keys[i].rows = f->keys[order[i]].rows;
        memcpy(&accs[(size_t)i * f->naggs], &f->accs[(size_t)order[i] * f->naggs], f->naggs * sizeof *accs);
    }
    mem_free(f->keys);
    mem_free(f->accs);
    mem_free(f->slots);
    f->slots = NULL;
    f->nslots = 0;
    f->keys = keys;
    f->accs = accs;
    mem_free(order);
    /* statistics */
    int32_t *periods = mem_alloc(((size_t)f->nkeys + 1) * sizeof *periods);
    int32_t *vintages = mem_alloc(((size_t)f->nkeys + 1) * sizeof *vintages);
    for (uint32_t i = 0; i < f->nkeys; i++) {
        f->stats.orgs += i == 0 || f->keys[i].org != f->keys[i - 1].org;
        periods[i] = f->keys[i].period;
        vintages[i] = f->keys[i].vintage;
    }
    f->stats.periods = distinct(periods, f->nkeys);
    f->stats.vintages = f->schema->vintage_col ? distinct(vintages, f->nkeys) : 0;
    f->stats.first = (Period){ (Grain)f->schema->grain, f->nkeys ? periods[0] : 0 };
    f->stats.last = (Period){ (Grain)f->schema->grain, f->nkeys ? periods[f->nkeys - 1] : 0 };
    mem_free(periods);
    mem_free(vintages);
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
    CsvStatus st = source_next(l->src, &h, &n);
    if (st == CSV_ERROR) return fail(why, cap, "%s: %s", l->name, source_error(l->src));
    if (st == CSV_END) return fail(why, cap, "%s: the file is empty: it needs a header naming its columns", l->name);
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
                return fail(why, cap, "%s:%llu: column `%.*s` appears twice in the header", l->name,
                            (unsigned long long)source_line(l->src), (int)h[i].len, h[i].ptr);
    }
    struct { const char *name; int *pos; } keys[] = {
        { s->org_col, &l->org_pos }, { s->period_col, &l->period_pos }, { s->vintage_col, &l->vintage_pos },
    };
    for (size_t k = 0; k < 3; k++) {
        *keys[k].pos = keys[k].name ? header_position(h, n, keys[k].name) : -1;
        if (keys[k].name && *keys[k].pos < 0)
            return fail(why, cap, "%s: the header has no column `%s` (feed `%s` names it)", l->name, keys[k].name,
                        s->name);
    }
    l->col_pos = mem_calloc((size_t)s->ncolumns + 1, sizeof *l->col_pos);
    l->values = mem_calloc((size_t)s->ncolumns + 1, sizeof *l->values);
    for (uint16_t c = 0; c < s->ncolumns; c++) {
        l->col_pos[c] = header_position(h, n, s->columns[c].name);
        if (l->col_pos[c] < 0)
            return fail(why, cap, "%s: the header has no column `%s` (feed `%s` declares it)", l->name,
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
    }
}

FeedData *feed_load(const BcProgram *p, uint16_t feed, const char *source, Orgs *orgs, Vm *vm,
                    const FeedOptions *opt, char *why, size_t whycap)
{
    RowSource src;
    if (!source_open(&src, source, why, whycap)) {
        source_close(&src);
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
        CsvStatus st = source_next(&src, &rec, &n);
        if (st == CSV_END) break;
        if (st == CSV_ERROR) { ok = fail(why, whycap, "%s: %s", source, source_error(&src)); break; }
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
    source_close(&src);
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
    for (size_t i = 0; i < (size_t)f->nkeys * f->naggs; i++) mem_free(f->accs[i].values);
    mem_free(f->aggs);
    mem_free(f->keys);
    mem_free(f->accs);
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

static Value aggregate(const FeedData *f, uint32_t agg, const uint32_t *orgs, size_t norgs,
                       const Hierarchy *h, uint32_t parent, Day from, Day to, Day as_of, uint32_t *coverage)
{
    *coverage = 0;
    bool any = false;           /* over no rows at all, every aggregate is missing (§4) */
    int32_t j = local_agg(f, agg);
    if (j < 0) return val_missing();
    uint8_t func = f->aggs[j].func;
    Acc total = { 0 };
    VEC(Value) values = { 0 };
    bool vintaged = f->schema->vintage_col != NULL;
    for (size_t m = 0; m < norgs; m++) {
        uint32_t o = orgs[m];
        if (o >= f->norg_index) continue;
        bool counted = false;
        for (uint32_t k = f->org_first[o]; k < f->org_first[o + 1]; k++) {
            const Key *key = &f->keys[k];
            Period p = { (Grain)f->schema->grain, key->period };
            if (period_first_day(p) < from || period_last_day(p) > to) continue;
            if (vintaged) {
                /* the latest vintage published on or before as_of wins */
                if (key->vintage > as_of) continue;
                if (k + 1 < f->org_first[o + 1] && f->keys[k + 1].period == key->period &&
                    f->keys[k + 1].vintage <= as_of)
                    continue;
            } else if (!feed_period_known(f, p, as_of)) {
                continue;
            }
            if (h && hier_parent(h, o, period_first_day(p)) != parent) continue;
            const Acc *a = &f->accs[(size_t)k * f->naggs + (uint32_t)j];
            counted |= key->rows > 0;
            any |= key->rows > 0;
            if (!a->count) continue;
            switch (func) {
            case AGG_SUM: case AGG_MEAN: case AGG_MIN: case AGG_MAX:
                accumulate(&total, func, a->value);
                total.count += a->count - 1;        /* accumulate counted one */
                break;
            case AGG_COUNT:
                total.count += a->count;
                break;
            case AGG_MEDIAN:
                for (uint32_t i = 0; i < a->nvalues; i++) vec_push(&values, a->values[i]);
                break;
            }
        }
        *coverage += counted;
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

/* ---- hierarchies ------------------------------------------------------------- */

typedef struct Link { uint32_t member, parent; Day from, to; uint32_t line; } Link;

struct Hierarchy {
    Orgs     *orgs;
    Link     *links;        /* sorted by member, then from */
    uint32_t  nlinks;
    uint32_t *parents;      /* distinct, by code */
    uint32_t  nparents;
    char    **names;        /* per parent (index in parents), or NULL */
    uint32_t *members;      /* links' members grouped by parent: [member_first[i], member_first[i + 1]) */
    uint32_t *member_first;
    Arena     arena;
};

static int link_cmp(const void *a, const void *b)
{
    const Link *x = a, *y = b;
    if (x->member != y->member) return x->member < y->member ? -1 : 1;
    return (x->from > y->from) - (x->from < y->from);
}

typedef struct Coded { const char *code; uint32_t id; } Coded;

static int coded_cmp(const void *a, const void *b)
{
    return strcmp(((const Coded *)a)->code, ((const Coded *)b)->code);
}

static int32_t parent_index(const Hierarchy *h, uint32_t parent)
{
    for (uint32_t i = 0; i < h->nparents; i++)
        if (h->parents[i] == parent) return (int32_t)i;
    return -1;
}

Hierarchy *hier_load(const BcProgram *p, uint16_t hier, const char *source, Orgs *orgs, char *why, size_t whycap)
{
    const BcHierarchy *s = &p->hiers[hier];
    RowSource src;
    if (!source_open(&src, source, why, whycap)) {
        source_close(&src);
        return NULL;
    }
    Hierarchy *h = mem_calloc(1, sizeof *h);
    h->orgs = orgs;
    const CsvField *rec;
    size_t n, nheader = 0;
    int pos[5];
    const char *cols[5] = { s->member_col, s->parent_col, s->name_col, s->from_col, s->to_col };
    bool ok = true;
    CsvStatus st = source_next(&src, &rec, &n);
    if (st != CSV_RECORD)
        ok = fail(why, whycap, st == CSV_END ? "%s: the file is empty: it needs a header naming its columns" : "%s: %s",
                  source, source_error(&src));
    for (int c = 0; ok && c < 5; c++) {
        pos[c] = cols[c] ? header_position(rec, n, cols[c]) : -1;
        if (cols[c] && pos[c] < 0)
            ok = fail(why, whycap, "%s: the header has no column `%s` (hierarchy `%s` names it)", source, cols[c],
                      s->name);
    }
    nheader = n;
    VEC(Link) links = { 0 };
    VEC(char *) names = { 0 };       /* parallel to a growing parent list */
    VEC(uint32_t) parents = { 0 };
    while (ok) {
        st = source_next(&src, &rec, &n);
        if (st == CSV_END) break;
        uint64_t line = source_line(&src);
        if (st == CSV_ERROR) { ok = fail(why, whycap, "%s: %s", source, source_error(&src)); break; }
        if (n != nheader) {
            ok = fail(why, whycap, "%s:%llu: the row has %zu fields, but the header has %zu", source,
                      (unsigned long long)line, n, nheader);
            break;
        }
        Link k = { 0, 0, INT32_MIN, INT32_MAX, 0 };
        for (int c = 0; c < 2; c++)
            if (rec[pos[c]].len == 0) {
                ok = fail(why, whycap, "%s:%llu: column `%s` is empty", source, (unsigned long long)line, cols[c]);
                break;
            }
        if (!ok) break;
        k.member = orgs_intern(orgs, rec[pos[0]].ptr, rec[pos[0]].len);
        k.parent = orgs_intern(orgs, rec[pos[1]].ptr, rec[pos[1]].len);
        for (int c = 3; c < 5 && ok; c++) {
            Value d;
            const char *bad;
            if (pos[c] < 0) continue;
            if ((bad = parse_cell(T_DATE, COL_PLAIN, &rec[pos[c]], &d))) {
                ok = fail(why, whycap, "%s:%llu: column `%s`: `%.*s` %s", source, (unsigned long long)line, cols[c],
                          (int)rec[pos[c]].len, rec[pos[c]].ptr, bad);
                break;
            }
            if (d.kind != V_MISSING) *(c == 3 ? &k.from : &k.to) = d.as.period.index;
        }
        if (!ok) break;
        k.line = (uint32_t)line;
        vec_push(&links, k);
        size_t at = 0;
        while (at < parents.len && parents.items[at] != k.parent) at++;
        if (at == parents.len) {
            vec_push(&parents, k.parent);
            vec_push(&names, (char *)NULL);
        }
        if (!names.items[at] && pos[2] >= 0 && rec[pos[2]].len)        /* the first name given */
            names.items[at] = arena_strndup(&h->arena, rec[pos[2]].ptr, rec[pos[2]].len);

    }
    source_close(&src);
    if (!ok) {
        vec_free(&links);
        vec_free(&names);
        vec_free(&parents);
        hier_free(h);
        return NULL;
    }
    qsort(links.items, links.len, sizeof *links.items, link_cmp);
    h->links = links.items;
    h->nlinks = (uint32_t)links.len;
    /* a member is in one system at a time */
    for (uint32_t i = 0; i < h->nlinks && ok; i++) {
        const Link *k = &h->links[i];
        if (k->from > k->to)
            ok = fail(why, whycap, "%s:%u: `%s` starts after it ends", source, k->line, cols[3]);
        else if (i > 0 && h->links[i - 1].member == k->member && h->links[i - 1].to >= k->from)
            ok = fail(why, whycap, "%s:%u: `%s` is already in a system then (line %u): a member's dates may not overlap",
                      source, k->line, orgs_code(orgs, k->member), h->links[i - 1].line);
    }
    if (!ok) {
        vec_free(&names);
        vec_free(&parents);
        hier_free(h);
        return NULL;
    }
    /* parents in order of their codes, with their names alongside */
    h->nparents = (uint32_t)parents.len;
    h->parents = mem_alloc((parents.len + 1) * sizeof *h->parents);
    Coded *coded = mem_alloc((parents.len + 1) * sizeof *coded);
    for (size_t i = 0; i < parents.len; i++) coded[i] = (Coded){ orgs_code(orgs, parents.items[i]), parents.items[i] };
    qsort(coded, parents.len, sizeof *coded, coded_cmp);
    for (size_t i = 0; i < parents.len; i++) h->parents[i] = coded[i].id;
    mem_free(coded);
    h->names = mem_calloc(parents.len + 1, sizeof *h->names);
    for (size_t i = 0; i < parents.len; i++) h->names[parent_index(h, parents.items[i])] = names.items[i];
    vec_free(&names);
    vec_free(&parents);
    /* members grouped by parent */
    h->member_first = mem_calloc((size_t)h->nparents + 1, sizeof *h->member_first);
    h->members = mem_alloc(((size_t)h->nlinks + 1) * sizeof *h->members);
    for (uint32_t i = 0; i < h->nlinks; i++) h->member_first[parent_index(h, h->links[i].parent) + 1]++;
    for (uint32_t i = 0; i < h->nparents; i++) h->member_first[i + 1] += h->member_first[i];
    uint32_t *fill = mem_alloc(((size_t)h->nparents + 1) * sizeof *fill);
    memcpy(fill, h->member_first, h->nparents * sizeof *fill);
    for (uint32_t i = 0; i < h->nlinks; i++) {
        uint32_t pi = (uint32_t)parent_index(h, h->links[i].parent);
        /* links are sorted by member, so a member's links to one parent
         * are among its adjacent ones */
        bool dup = false;
        for (uint32_t k = i; k-- > 0 && h->links[k].member == h->links[i].member && !dup;)
            dup = h->links[k].parent == h->links[i].parent;
        if (!dup) h->members[fill[pi]++] = h->links[i].member;
    }
    /* a member linked twice (moved and moved back) is listed once: close the gaps */
    uint32_t w = 0;
    for (uint32_t i = 0; i < h->nparents; i++) {
        uint32_t start = w;
        for (uint32_t k = h->member_first[i]; k < fill[i]; k++) h->members[w++] = h->members[k];
        h->member_first[i] = start;
    }
    h->member_first[h->nparents] = w;
    mem_free(fill);
    return h;
}

void hier_free(Hierarchy *h)
{
    if (!h) return;
    mem_free(h->links);
    mem_free(h->parents);
    mem_free(h->names);
    mem_free(h->members);
    mem_free(h->member_first);
    arena_free(&h->arena);
    mem_free(h);
}

uint32_t hier_parent(const Hierarchy *h, uint32_t member, Day d)
{
    /* binary search for the member's first link */
    uint32_t lo = 0, hi = h->nlinks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (h->links[mid].member < member) lo = mid + 1;
        else hi = mid;
    }
    for (uint32_t i = lo; i < h->nlinks && h->links[i].member == member; i++)
        if (h->links[i].from <= d && d <= h->links[i].to) return h->links[i].parent;
    if (parent_index(h, member) >= 0) return member;
    return ORG_NONE;
}

uint32_t hier_parent_count(const Hierarchy *h) { return h->nparents; }
uint32_t hier_parent_at(const Hierarchy *h, uint32_t i) { return h->parents[i]; }
uint32_t hier_link_count(const Hierarchy *h) { return h->nlinks; }

const char *hier_parent_name(const Hierarchy *h, uint32_t parent)
{
    int32_t i = parent_index(h, parent);
    return i < 0 ? NULL : h->names[i];
}

size_t hier_members(const Hierarchy *h, uint32_t parent, const uint32_t **members)
{
    int32_t i = parent_index(h, parent);
    if (i < 0) { *members = NULL; return 0; }
    *members = h->members + h->member_first[i];
    return h->member_first[i + 1] - h->member_first[i];
}
