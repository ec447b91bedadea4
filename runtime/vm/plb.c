/* plb.c: writing and reading .plb files (the layout is docs/bytecode.md).
 *
 * Writing walks the program in one fixed order and emits only fields, never
 * structs, so the bytes depend on nothing but the program. Reading trusts
 * nothing: every read is bounds-checked through a cursor, every count is
 * weighed against the bytes left before anything is allocated, and the
 * result must pass bc_verify before the caller sees it. */
#include "config.h"
#include "vm/plb.h"
#include "base/sha256.h"
#include "base/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The header: see docs/bytecode.md, "Header". */
enum {
    HDR_MAGIC   = 0,
    HDR_VERSION = 8,
    HDR_SUM     = 12,       /* SHA-256 of every byte from HDR_FLAGS to the end */
    HDR_FLAGS   = 44,
    HDR_BODYLEN = 48,
    HDR_ENGINE  = 56,
    ENGINE_CAP  = 32,
    HDR_SIZE    = 88
};
#define NULL_STR 0xFFFFFFFFu
/* Large enough for any real round with its sources; a bigger file is far
 * more likely a mistake than a program. */
#define PLB_MAX_FILE ((size_t)1 << 30)

_Static_assert(sizeof PACKAGE_VERSION <= ENGINE_CAP, "the engine version must fit its header field");

static bool say(char *why, size_t whycap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool say(char *why, size_t whycap, const char *fmt, ...)
{
    if (why && whycap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whycap, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- writing --------------------------------------------------------------- */

typedef struct Buf { uint8_t *b; size_t len, cap; } Buf;

static uint8_t *buf_grow(Buf *w, size_t n)
{
    if (w->cap - w->len < n) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->len < n)
            cap *= 2;
        w->b = mem_realloc(w->b, cap);
        w->cap = cap;
    }
    uint8_t *p = w->b + w->len;
    w->len += n;
    return p;
}

static void put_u8(Buf *w, unsigned v) { *buf_grow(w, 1) = (uint8_t)v; }

static void put_u16(Buf *w, unsigned v)
{
    uint8_t *p = buf_grow(w, 2);
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(Buf *w, uint32_t v)
{
    uint8_t *p = buf_grow(w, 4);
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(Buf *w, uint64_t v)
{
    uint8_t *p = buf_grow(w, 8);
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_i32(Buf *w, int32_t v) { put_u32(w, (uint32_t)v); }
static void put_i64(Buf *w, int64_t v) { put_u64(w, (uint64_t)v); }

static void put_bytes(Buf *w, const void *s, size_t n)
{
    if (n)
        memcpy(buf_grow(w, n), s, n);
}

/* The string pool: each distinct byte string once, numbered in the order the
 * writer first meets it, so the numbering is as deterministic as the walk. */
typedef struct PoolStr { const char *s; uint32_t len; } PoolStr;

typedef struct Writer {
    Buf       body;         /* every section after the pool */
    VEC(PoolStr) strs;
    uint32_t *slots;        /* open addressing: index + 1, 0 empty */
    size_t    nslots;
} Writer;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;                  /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static uint32_t *pool_slot(Writer *w, const char *s, uint32_t len)
{
    size_t mask = w->nslots - 1, i = (size_t)hash_bytes(s, len) & mask;
    while (w->slots[i]) {
        const PoolStr *e = &w->strs.items[w->slots[i] - 1];
        if (e->len == len && memcmp(e->s, s, len) == 0)
            break;
        i = (i + 1) & mask;
    }
    return &w->slots[i];
}

static uint32_t intern(Writer *w, const char *s, size_t n)
{
    if (!s)
        s = "";
    /* Lengths are u32 in the file; nothing the compiler makes comes near. */
    uint32_t len = n > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)n;
    if ((w->strs.len + 1) * 2 > w->nslots) {
        size_t old = w->nslots;
        uint32_t *was = w->slots;
        w->nslots = old ? old * 2 : 256;
        w->slots = mem_calloc(w->nslots, sizeof *w->slots);
        for (size_t i = 0; i < old; i++)
            if (was[i]) {
                const PoolStr *e = &w->strs.items[was[i] - 1];
                *pool_slot(w, e->s, e->len) = was[i];
            }
        mem_free(was);
    }
    uint32_t *slot = pool_slot(w, s, len);
    if (!*slot) {
        vec_push(&w->strs, ((PoolStr){ s, len }));
        *slot = (uint32_t)w->strs.len;
    }
    return *slot - 1;
}

static void put_str(Writer *w, const char *s)
{
    put_u32(&w->body, s ? intern(w, s, strlen(s)) : NULL_STR);
}

static void put_tag(Writer *w, const char tag[4]) { put_bytes(&w->body, tag, 4); }

static void put_period(Buf *b, Period p)
{
    put_u8(b, (unsigned)p.grain);
    put_i32(b, p.index);
}

static void put_value(Writer *w, const Value *v)
{
    Buf *b = &w->body;
    put_u8(b, v->kind);
    put_u8(b, v->unit);
    switch ((ValKind)v->kind) {
    case V_NUM:
        put_i64(b, v->as.num.n);
        put_i64(b, v->as.num.d);
        break;
    case V_REAL: {
        uint64_t bits;
        memcpy(&bits, &v->as.real, sizeof bits);
        put_u64(b, bits);
        break;
    }
    case V_BOOL:     put_u8(b, v->as.boolean ? 1 : 0); break;
    case V_TEXT:     put_u32(b, intern(w, v->as.text.bytes, v->as.text.len)); break;
    case V_PERIOD:   put_period(b, v->as.period); break;
    case V_DURATION: put_i32(b, v->as.days); break;
    case V_STATUS:
    case V_STATUSES: put_u16(b, v->status); break;
    case V_RANGE:
        put_period(b, v->as.range.from);
        put_period(b, v->as.range.to);
        break;
    case V_MISSING:
    case V_LIST:        /* not a constant: the reader refuses it */
        break;
    }
}

static void put_threshold(Buf *b, const BcThreshold *t)
{
    put_u8(b, t->cmp);
    put_i32(b, t->value_fn);
    put_i32(b, t->window_fn);
}

/* p is the compiler's output or a program that passed bc_verify: every
 * count agrees with its array. Fields are written one by one, never as
 * structs, so padding and pointers never reach the file. */
static void write_sections(Writer *w, const BcProgram *p)
{
    Buf *b = &w->body;

    put_tag(w, "CNST");
    put_u32(b, p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++)
        put_value(w, &p->consts[i]);

    put_tag(w, "FUNC");
    put_u32(b, p->nfns);
    for (uint32_t i = 0; i < p->nfns; i++) {
        const BcFunction *f = &p->fns[i];
        put_str(w, f->name);
        put_u8(b, f->kind);
        put_u8(b, f->result);
        put_u16(b, f->nparams);
        put_u16(b, f->nregs);
        put_u32(b, f->ncode);
        for (uint32_t k = 0; k < f->nparams; k++)
            put_u8(b, f->param_types ? f->param_types[k] : 0);
        for (uint32_t k = 0; k < f->ncode; k++) {
            put_u8(b, f->code[k].op);
            put_u8(b, f->code[k].zero);
            put_u16(b, f->code[k].a);
            put_u16(b, f->code[k].b);
            put_u16(b, f->code[k].c);
        }
        put_u32(b, f->lines ? f->ncode : 0);
        for (uint32_t k = 0; f->lines && k < f->ncode; k++) {
            put_u32(b, f->lines[k].line);
            put_u16(b, f->lines[k].column);
            put_u16(b, f->lines[k].source);
        }
    }

    put_tag(w, "AGGS");
    put_u32(b, p->naggs);
    for (uint32_t i = 0; i < p->naggs; i++) {
        const BcAggregate *g = &p->aggs[i];
        put_u16(b, g->feed);
        put_u16(b, g->column);
        put_u8(b, g->func);
        put_i32(b, g->filter);
        put_u16(b, g->nfilter);
        for (uint32_t k = 0; k < g->nfilter; k++)
            put_u16(b, g->filter_cols[k]);
    }

    put_tag(w, "FEED");
    put_u16(b, p->nfeeds);
    for (uint32_t i = 0; i < p->nfeeds; i++) {
        const BcFeed *f = &p->feeds[i];
        put_str(w, f->name);
        put_str(w, f->title);
        put_str(w, f->org_col);
        put_str(w, f->period_col);
        put_str(w, f->vintage_col);
        put_u8(b, f->grain);
        put_i32(b, f->lag_days);
        put_u16(b, f->ncolumns);
        for (uint32_t k = 0; k < f->ncolumns; k++) {
            put_str(w, f->columns[k].name);
            put_u8(b, f->columns[k].type);
            put_u8(b, f->columns[k].format);
        }
    }

    put_tag(w, "HIER");
    put_u16(b, p->nhiers);
    for (uint32_t i = 0; i < p->nhiers; i++) {
        const BcHierarchy *h = &p->hiers[i];
        put_str(w, h->name);
        put_str(w, h->title);
        put_str(w, h->member_col);
        put_str(w, h->parent_col);
        put_str(w, h->name_col);
        put_str(w, h->from_col);
        put_str(w, h->to_col);
    }

    put_tag(w, "ROND");
    put_str(w, p->round.name);
    put_str(w, p->round.title);
    put_u16(b, p->round.ndates);
    for (uint32_t k = 0; k < p->round.ndates; k++) {
        put_str(w, p->round.dates[k].name);
        put_i32(b, p->round.dates[k].day);
    }
    put_i32(b, p->round.horizon);
    put_i32(b, p->round.assess);

    put_tag(w, "CMIT");
    put_u16(b, p->ncommits);
    for (uint32_t i = 0; i < p->ncommits; i++) {
        const BcCommitment *c = &p->commits[i];
        put_str(w, c->name);
        put_str(w, c->title);
        put_str(w, c->source);
        put_str(w, c->restates);
        put_str(w, c->doc);
        put_u8(b, c->cls);
        put_i32(b, c->measure);
        put_threshold(b, &c->target);
        put_u16(b, c->nmilestones);
        for (uint32_t k = 0; k < c->nmilestones; k++)
            put_threshold(b, &c->milestones[k]);
        put_i32(b, c->plan_feed);
        put_i32(b, c->plan_column);
        put_i32(b, c->tolerance);
    }

    put_tag(w, "CHCK");
    put_u16(b, p->nchecks);
    for (uint32_t i = 0; i < p->nchecks; i++) {
        const BcCheck *c = &p->checks[i];
        put_str(w, c->name);
        put_str(w, c->title);
        put_str(w, c->message);
        put_str(w, c->doc);
        put_u8(b, c->national);
        put_i32(b, c->require);
    }

    put_tag(w, "RATE");
    put_u16(b, p->nratings);
    for (uint32_t i = 0; i < p->nratings; i++) {
        const BcRating *r = &p->ratings[i];
        put_str(w, r->name);
        put_str(w, r->title);
        put_u16(b, r->narms);
        for (uint32_t k = 0; k < r->narms; k++) {
            put_str(w, r->arms[k].label);
            put_i32(b, r->arms[k].when);
        }
    }

    put_tag(w, "EXTN");
    put_u16(b, p->nexterns);
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const BcExtern *x = &p->externs[i];
        put_str(w, x->lib);
        put_str(w, x->name);
        put_u16(b, x->nparams);
        for (uint32_t k = 0; k < x->nparams; k++)
            put_u8(b, x->param_types[k]);
        put_u8(b, x->result);
    }

    put_tag(w, "SRCS");
    put_u16(b, p->nsources);
    for (uint32_t i = 0; i < p->nsources; i++) {
        const BcSource *s = &p->sources[i];
        put_str(w, s->path);
        put_bytes(b, s->sha256, sizeof s->sha256);
        put_u32(b, s->text ? intern(w, s->text, s->len) : NULL_STR);
    }
}

void plb_write(const BcProgram *p, uint8_t **out, size_t *len)
{
    Writer w = { 0 };
    write_sections(&w, p);

    Buf f = { 0 };
    put_bytes(&f, PLB_MAGIC, 8);
    put_u32(&f, PLB_FORMAT_VERSION);
    buf_grow(&f, 32);                       /* the checksum, filled in below */
    put_u32(&f, 0);                         /* flags */
    put_u64(&f, 0);                         /* body length, filled in below */
    uint8_t *engine = buf_grow(&f, ENGINE_CAP);
    memset(engine, 0, ENGINE_CAP);          /* the padding is part of the bytes */
    memcpy(engine, PACKAGE_VERSION, strlen(PACKAGE_VERSION));

    put_bytes(&f, "STRS", 4);
    put_u32(&f, (uint32_t)w.strs.len);
    for (size_t i = 0; i < w.strs.len; i++) {
        put_u32(&f, w.strs.items[i].len);
        put_bytes(&f, w.strs.items[i].s, w.strs.items[i].len);
    }
    put_bytes(&f, w.body.b, w.body.len);

    uint64_t body = f.len - HDR_SIZE;
    for (int i = 0; i < 8; i++)
        f.b[HDR_BODYLEN + i] = (uint8_t)(body >> (8 * i));
    sha256(f.b + HDR_FLAGS, f.len - HDR_FLAGS, f.b + HDR_SUM);

    mem_free(w.body.b);
    vec_free(&w.strs);
    mem_free(w.slots);
    *out = f.b;
    *len = f.len;
}

bool plb_write_file(const BcProgram *p, const char *path, char *why, size_t whycap)
{
    uint8_t *bytes;
    size_t len;
    plb_write(p, &bytes, &len);
    OutFile o;
    FILE *f = outfile_open(&o, path, why, whycap);
    bool ok = false;
    if (f && fwrite(bytes, 1, len, f) == len) ok = outfile_commit(&o, why, whycap);
    else if (f) {
        snprintf(why, whycap, "%s: cannot write: %s", path, strerror(errno));
        outfile_abort(&o);
    }
    mem_free(bytes);
    return ok;
}

/* ---- reading ---------------------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* A cursor over the body. After the first failure every read returns 0 and
 * the first message stands, so parsing code need not test after each read;
 * loops test r->fail so that a failed count cannot spin. */
typedef struct Reader {
    const uint8_t *data;
    size_t      len, pos;
    const char *section;
    bool        fail;
    char       *why;
    size_t      whycap;
    Arena      *arena;
    char      **strs;       /* the pool, NUL-terminated copies in the arena */
    uint32_t   *lens;
    uint32_t    nstrs;
} Reader;

static void rfail(Reader *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void rfail(Reader *r, size_t at, const char *fmt, ...)
{
    if (r->fail)
        return;
    r->fail = true;
    if (!r->why || !r->whycap)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->why, r->whycap, "%s at byte %zu (in %s)", msg, HDR_SIZE + at, r->section);
}

static bool need(Reader *r, size_t n)
{
    if (r->fail)
        return false;
    if (r->len - r->pos < n) {
        rfail(r, r->pos, "truncated");
        return false;
    }
    return true;
}

static uint8_t get_u8(Reader *r)
{
    return need(r, 1) ? r->data[r->pos++] : 0;
}

static uint16_t get_u16(Reader *r)
{
    if (!need(r, 2))
        return 0;
    uint16_t v = (uint16_t)(r->data[r->pos] | r->data[r->pos + 1] << 8);
    r->pos += 2;
    return v;
}

static uint32_t get_u32(Reader *r)
{
    if (!need(r, 4))
        return 0;
    uint32_t v = le32(r->data + r->pos);
    r->pos += 4;
    return v;
}

static uint64_t get_u64(Reader *r)
{
    if (!need(r, 8))
        return 0;
    uint64_t v = le64(r->data + r->pos);
    r->pos += 8;
    return v;
}

static int32_t get_i32(Reader *r) { return (int32_t)get_u32(r); }
static int64_t get_i64(Reader *r) { return (int64_t)get_u64(r); }

/* A count of entries each at least `each` bytes long: refused unless that
 * many could fit in what is left, so no count can ask for more memory than
 * a small multiple of the file's size. */
static uint32_t check_count(Reader *r, size_t at, uint32_t n, size_t each, const char *what)
{
    if (r->fail)
        return 0;
    if (n > (r->len - r->pos) / each) {
        rfail(r, at, "%u %s cannot fit in the %zu bytes left", n, what, r->len - r->pos);
        return 0;
    }
    return n;
}

static uint32_t get_count32(Reader *r, size_t each, const char *what)
{
    size_t at = r->pos;
    return check_count(r, at, get_u32(r), each, what);
}

static uint16_t get_count16(Reader *r, size_t each, const char *what)
{
    size_t at = r->pos;
    return (uint16_t)check_count(r, at, get_u16(r), each, what);
}

/* Zeroed room for n items in the program's arena, or NULL for none. */
static void *get_array(Reader *r, size_t n, size_t size)
{
    return n && !r->fail ? arena_alloc(r->arena, n * size) : NULL;
}

static void get_tag(Reader *r, const char tag[4], const char *section)
{
    r->section = section;
    if (!need(r, 4))
        return;
    if (memcmp(r->data + r->pos, tag, 4) != 0) {
        rfail(r, r->pos, "expected the section tag \"%.4s\"", tag);
        return;
    }
    r->pos += 4;
}

/* A pool index: NULL_STR, or an entry of the pool. */
static uint32_t get_index(Reader *r, bool allow_null)
{
    size_t at = r->pos;
    uint32_t i = get_u32(r);
    if (r->fail)
        return NULL_STR;
    if (i == NULL_STR && allow_null)
        return NULL_STR;
    if (i >= r->nstrs) {
        if (i == NULL_STR)
            rfail(r, at, "a missing string where one is needed");
        else
            rfail(r, at, "string %u out of range (the pool has %u)", i, r->nstrs);
        return NULL_STR;
    }
    return i;
}

static const char *get_str(Reader *r)
{
    uint32_t i = get_index(r, true);
    return i == NULL_STR ? NULL : r->strs[i];
}

static void read_pool(Reader *r)
{
    get_tag(r, "STRS", "string pool");
    uint32_t n = get_count32(r, 4, "strings");
    r->strs = n ? mem_calloc(n, sizeof *r->strs) : NULL;
    r->lens = n ? mem_calloc(n, sizeof *r->lens) : NULL;
    for (uint32_t i = 0; i < n && !r->fail; i++) {
        size_t at = r->pos;
        uint32_t len = get_u32(r);
        if (!need(r, len))
            break;
        const uint8_t *s = r->data + r->pos;
        /* Every string is also used as a C string; a NUL would cut it. */
        if (memchr(s, 0, len)) {
            rfail(r, at, "string %u contains a NUL byte", i);
            break;
        }
        char *copy = arena_alloc(r->arena, (size_t)len + 1);
        memcpy(copy, s, len);
        r->strs[i] = copy;
        r->lens[i] = len;
        r->pos += len;
        r->nstrs = i + 1;
    }
}

static Period get_period(Reader *r)
{
    Period p;
    p.grain = (Grain)get_u8(r);
    p.index = get_i32(r);
    return p;
}

static void get_value(Reader *r, uint32_t idx, Value *v)
{
    size_t at = r->pos;
    v->kind = get_u8(r);
    v->unit = get_u8(r);
    switch (v->kind) {
    case V_MISSING:
        break;
    case V_NUM:
        v->as.num.n = get_i64(r);
        v->as.num.d = get_i64(r);
        break;
    case V_REAL: {
        uint64_t bits = get_u64(r);
        memcpy(&v->as.real, &bits, sizeof bits);
        break;
    }
    case V_BOOL: {
        size_t bat = r->pos;
        uint8_t b = get_u8(r);
        if (b > 1)
            rfail(r, bat, "constant %u: a bool must be 0 or 1, not %u", idx, b);
        v->as.boolean = b == 1;
        break;
    }
    case V_TEXT: {
        uint32_t i = get_index(r, false);
        if (!r->fail)
            v->as.text = (Text){ r->lens[i], r->strs[i] };
        break;
    }
    case V_PERIOD:
        v->as.period = get_period(r);
        break;
    case V_DURATION:
        v->as.days = get_i32(r);
        break;
    case V_STATUS:
    case V_STATUSES:
        v->status = get_u16(r);
        break;
    case V_RANGE:
        v->as.range.from = get_period(r);
        v->as.range.to = get_period(r);
        break;
    case V_LIST:
        rfail(r, at, "constant %u: a list cannot be a constant", idx);
        break;
    default:
        rfail(r, at, "constant %u: unknown value kind %u", idx, v->kind);
        break;
    }
}

static void get_threshold(Reader *r, BcThreshold *t)
{
    t->cmp = get_u8(r);
    t->value_fn = get_i32(r);
    t->window_fn = get_i32(r);
}

/* Each table's entries have at least these many bytes in the file. */
enum {
    MIN_VALUE = 2, MIN_FUNCTION = 18, MIN_INSTR = 8, MIN_LINE = 8, MIN_AGG = 11,
    MIN_FEED = 27, MIN_COLUMN = 6, MIN_HIER = 28, MIN_DATE = 8, MIN_COMMIT = 48,
    MIN_THRESHOLD = 9, MIN_CHECK = 21, MIN_RATING = 10, MIN_ARM = 8, MIN_EXTERN = 11,
    MIN_SOURCE = 40
};

static void read_functions(Reader *r, BcProgram *p)
{
    get_tag(r, "FUNC", "functions");
    p->nfns = get_count32(r, MIN_FUNCTION, "functions");
    p->fns = get_array(r, p->nfns, sizeof *p->fns);
    for (uint32_t i = 0; i < p->nfns && !r->fail; i++) {
        BcFunction *f = &p->fns[i];
        f->name = get_str(r);
        f->kind = get_u8(r);
        f->result = get_u8(r);
        f->nparams = get_u16(r);
        f->nregs = get_u16(r);
        size_t at_code = r->pos;
        uint32_t ncode = get_u32(r);
        size_t at = r->pos;
        if (check_count(r, at, f->nparams, 1, "parameter types") != f->nparams)
            break;
        f->param_types = get_array(r, f->nparams, 1);
        for (uint32_t k = 0; k < f->nparams && !r->fail; k++)
            f->param_types[k] = get_u8(r);
        /* weighed against what follows the parameter types, where the code is */
        f->ncode = check_count(r, at_code, ncode, MIN_INSTR, "instructions");
        if (r->fail)
            break;
        f->code = get_array(r, f->ncode, sizeof *f->code);
        for (uint32_t k = 0; k < f->ncode && !r->fail; k++) {
            Instr *in = &f->code[k];
            in->op = get_u8(r);
            in->zero = get_u8(r);
            in->a = get_u16(r);
            in->b = get_u16(r);
            in->c = get_u16(r);
        }
        at = r->pos;
        uint32_t nlines = get_count32(r, MIN_LINE, "line entries");
        if (!r->fail && nlines != 0 && nlines != f->ncode) {
            rfail(r, at, "function %u has %u line entries for %u instructions", i, nlines, f->ncode);
            break;
        }
        f->lines = get_array(r, nlines, sizeof *f->lines);
        for (uint32_t k = 0; k < nlines && !r->fail; k++) {
            f->lines[k].line = get_u32(r);
            f->lines[k].column = get_u16(r);
            f->lines[k].source = get_u16(r);
        }
    }
}

static void read_body(Reader *r, BcProgram *p)
{
    read_pool(r);

    get_tag(r, "CNST", "constants");
    p->nconsts = get_count32(r, MIN_VALUE, "constants");
    p->consts = get_array(r, p->nconsts, sizeof *p->consts);
    for (uint32_t i = 0; i < p->nconsts && !r->fail; i++)
        get_value(r, i, &p->consts[i]);

    read_functions(r, p);

    get_tag(r, "AGGS", "aggregates");
    p->naggs = get_count32(r, MIN_AGG, "aggregates");
    p->aggs = get_array(r, p->naggs, sizeof *p->aggs);
    for (uint32_t i = 0; i < p->naggs && !r->fail; i++) {
        BcAggregate *g = &p->aggs[i];
        g->feed = get_u16(r);
        g->column = get_u16(r);
        g->func = get_u8(r);
        g->filter = get_i32(r);
        g->nfilter = get_count16(r, 2, "filter columns");
        g->filter_cols = get_array(r, g->nfilter, sizeof *g->filter_cols);
        for (uint32_t k = 0; k < g->nfilter && !r->fail; k++)
            g->filter_cols[k] = get_u16(r);
    }

    get_tag(r, "FEED", "feeds");
    p->nfeeds = get_count16(r, MIN_FEED, "feeds");
    p->feeds = get_array(r, p->nfeeds, sizeof *p->feeds);
    for (uint32_t i = 0; i < p->nfeeds && !r->fail; i++) {
        BcFeed *f = &p->feeds[i];
        f->name = get_str(r);
        f->title = get_str(r);
        f->org_col = get_str(r);
        f->period_col = get_str(r);
        f->vintage_col = get_str(r);
        f->grain = get_u8(r);
        f->lag_days = get_i32(r);
        f->ncolumns = get_count16(r, MIN_COLUMN, "columns");
        f->columns = get_array(r, f->ncolumns, sizeof *f->columns);
        for (uint32_t k = 0; k < f->ncolumns && !r->fail; k++) {
            f->columns[k].name = get_str(r);
            f->columns[k].type = get_u8(r);
            f->columns[k].format = get_u8(r);
        }
    }

    get_tag(r, "HIER", "hierarchies");
    p->nhiers = get_count16(r, MIN_HIER, "hierarchies");
    p->hiers = get_array(r, p->nhiers, sizeof *p->hiers);
    for (uint32_t i = 0; i < p->nhiers && !r->fail; i++) {
        BcHierarchy *h = &p->hiers[i];
        h->name = get_str(r);
        h->title = get_str(r);
        h->member_col = get_str(r);
        h->parent_col = get_str(r);
        h->name_col = get_str(r);
        h->from_col = get_str(r);
        h->to_col = get_str(r);
    }

    get_tag(r, "ROND", "round");
    p->round.name = get_str(r);
    p->round.title = get_str(r);
    p->round.ndates = get_count16(r, MIN_DATE, "dates");
    p->round.dates = get_array(r, p->round.ndates, sizeof *p->round.dates);
    for (uint32_t k = 0; k < p->round.ndates && !r->fail; k++) {
        p->round.dates[k].name = get_str(r);
        p->round.dates[k].day = get_i32(r);
    }
    p->round.horizon = get_i32(r);
    p->round.assess = get_i32(r);

    get_tag(r, "CMIT", "commitments");
    p->ncommits = get_count16(r, MIN_COMMIT, "commitments");
    p->commits = get_array(r, p->ncommits, sizeof *p->commits);
    for (uint32_t i = 0; i < p->ncommits && !r->fail; i++) {
        BcCommitment *c = &p->commits[i];
        c->name = get_str(r);
        c->title = get_str(r);
        c->source = get_str(r);
        c->restates = get_str(r);
        c->doc = get_str(r);
        c->cls = get_u8(r);
        c->measure = get_i32(r);
        get_threshold(r, &c->target);
        c->nmilestones = get_count16(r, MIN_THRESHOLD, "milestones");
        c->milestones = get_array(r, c->nmilestones, sizeof *c->milestones);
        for (uint32_t k = 0; k < c->nmilestones && !r->fail; k++)
            get_threshold(r, &c->milestones[k]);
        c->plan_feed = get_i32(r);
        c->plan_column = get_i32(r);
        c->tolerance = get_i32(r);
    }

    get_tag(r, "CHCK", "checks");
    p->nchecks = get_count16(r, MIN_CHECK, "checks");
    p->checks = get_array(r, p->nchecks, sizeof *p->checks);
    for (uint32_t i = 0; i < p->nchecks && !r->fail; i++) {
        BcCheck *c = &p->checks[i];
        c->name = get_str(r);
        c->title = get_str(r);
        c->message = get_str(r);
        c->doc = get_str(r);
        c->national = get_u8(r);
        c->require = get_i32(r);
    }

    get_tag(r, "RATE", "ratings");
    p->nratings = get_count16(r, MIN_RATING, "ratings");
    p->ratings = get_array(r, p->nratings, sizeof *p->ratings);
    for (uint32_t i = 0; i < p->nratings && !r->fail; i++) {
        BcRating *g = &p->ratings[i];
        g->name = get_str(r);
        g->title = get_str(r);
        g->narms = get_count16(r, MIN_ARM, "arms");
        g->arms = get_array(r, g->narms, sizeof *g->arms);
        for (uint32_t k = 0; k < g->narms && !r->fail; k++) {
            g->arms[k].label = get_str(r);
            g->arms[k].when = get_i32(r);
        }
    }

    get_tag(r, "EXTN", "externs");
    p->nexterns = get_count16(r, MIN_EXTERN, "externs");
    p->externs = get_array(r, p->nexterns, sizeof *p->externs);
    for (uint32_t i = 0; i < p->nexterns && !r->fail; i++) {
        BcExtern *x = &p->externs[i];
        x->lib = get_str(r);
        x->name = get_str(r);
        x->nparams = get_count16(r, 1, "parameter types");
        x->param_types = get_array(r, x->nparams, 1);
        for (uint32_t k = 0; k < x->nparams && !r->fail; k++)
            x->param_types[k] = get_u8(r);
        x->result = get_u8(r);
    }

    get_tag(r, "SRCS", "sources");
    p->nsources = get_count16(r, MIN_SOURCE, "sources");
    p->sources = get_array(r, p->nsources, sizeof *p->sources);
    for (uint32_t i = 0; i < p->nsources && !r->fail; i++) {
        BcSource *s = &p->sources[i];
        s->path = get_str(r);
        if (need(r, sizeof s->sha256)) {
            memcpy(s->sha256, r->data + r->pos, sizeof s->sha256);
            r->pos += sizeof s->sha256;
        }
        uint32_t t = get_index(r, true);
        if (t != NULL_STR) {
            s->text = r->strs[t];
            s->len = r->lens[t];
        }
    }

    r->section = "the end";
    if (!r->fail && r->pos != r->len)
        rfail(r, r->pos, "%zu stray bytes after the last section", r->len - r->pos);
}

bool plb_read(const uint8_t *data, size_t len, BcProgram *out, char *why, size_t whycap)
{
    memset(out, 0, sizeof *out);
    if (len < 8 || memcmp(data + HDR_MAGIC, PLB_MAGIC, 8) != 0)
        return say(why, whycap, "not a Pledge bytecode file");
    if (len < HDR_VERSION + 4)
        return say(why, whycap, "truncated: %zu bytes, shorter than the %d-byte header", len, HDR_SIZE);
    uint32_t version = le32(data + HDR_VERSION);
    if (version > PLB_FORMAT_VERSION)
        return say(why, whycap, "made by a newer Pledge: format version %u, this one reads %d",
                   version, PLB_FORMAT_VERSION);
    if (version >= 1 && version < PLB_FORMAT_VERSION)
        return say(why, whycap, "made by an older Pledge (format version %u): compile the source again", version);
    if (version != PLB_FORMAT_VERSION)
        return say(why, whycap, "unknown format version %u: this Pledge reads %d", version,
                   PLB_FORMAT_VERSION);
    if (len < HDR_SIZE)
        return say(why, whycap, "truncated: %zu bytes, shorter than the %d-byte header", len, HDR_SIZE);
    uint64_t body = le64(data + HDR_BODYLEN);
    if (body > len - HDR_SIZE)
        return say(why, whycap, "truncated: the header promises %llu bytes of body, the file has %zu",
                   (unsigned long long)body, len - HDR_SIZE);
    if (body < len - HDR_SIZE)
        return say(why, whycap, "%llu stray bytes after the end (the header promises %llu bytes of body)",
                   (unsigned long long)(len - HDR_SIZE - body), (unsigned long long)body);

    uint8_t sum[32];
    sha256(data + HDR_FLAGS, len - HDR_FLAGS, sum);
    if (memcmp(sum, data + HDR_SUM, sizeof sum) != 0)
        return say(why, whycap, "corrupted: checksum mismatch");

    uint32_t flags = le32(data + HDR_FLAGS);
    if (flags != 0)
        return say(why, whycap, "unknown flags 0x%08x at byte %d: made by a newer Pledge?", flags, HDR_FLAGS);
    /* The engine version is for people; it only has to be a padded string. */
    const uint8_t *engine = data + HDR_ENGINE;
    const uint8_t *nul = memchr(engine, 0, ENGINE_CAP);
    for (const uint8_t *q = nul; q && q < engine + ENGINE_CAP; q++)
        if (*q)
            nul = NULL;
    if (!nul)
        return say(why, whycap, "malformed engine version at byte %d", HDR_ENGINE);

    Reader r = { .data = data + HDR_SIZE, .len = (size_t)body, .section = "string pool",
                 .why = why, .whycap = whycap, .arena = &out->arena };
    read_body(&r, out);
    mem_free(r.strs);
    mem_free(r.lens);
    if (r.fail || !bc_verify(out, why, whycap)) {
        bc_free(out);
        return false;
    }
    return true;
}

bool plb_read_file(const char *path, BcProgram *out, char *why, size_t whycap)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return say(why, whycap, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return say(why, whycap, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return say(why, whycap, "%s: not a regular file", path);
    }
    if ((uintmax_t)st.st_size > PLB_MAX_FILE) {
        close(fd);
        return say(why, whycap, "%s: too large for a bytecode file (%jd bytes)", path, (intmax_t)st.st_size);
    }
    /* Read to the end rather than trusting st_size: the file may change. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    uint8_t *buf = mem_alloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > PLB_MAX_FILE) {
                close(fd);
                mem_free(buf);
                return say(why, whycap, "%s: too large for a bytecode file", path);
            }
            cap *= 2;
            buf = mem_realloc(buf, cap);
        }
        ssize_t k = read(fd, buf + len, cap - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            close(fd);
            mem_free(buf);
            return say(why, whycap, "%s: %s", path, strerror(e));
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    close(fd);

    char msg[512] = "";
    bool ok = plb_read(buf, len, out, msg, sizeof msg);
    mem_free(buf);
    if (!ok)
        say(why, whycap, "%s: %s", path, msg);
    return ok;
}

bool plb_is_bytecode_file(const char *path)
{
    size_t n = strlen(path);
    bool named = n >= 4 && strcmp(path + n - 4, ".plb") == 0;
    char magic[sizeof PLB_MAGIC - 1] = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f) return named;
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return (got == sizeof magic && memcmp(magic, PLB_MAGIC, sizeof magic) == 0) || named;
}
