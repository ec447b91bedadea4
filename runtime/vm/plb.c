/* plb.c: writing and reading .plb files (the layout is docs/bytecode.md).
 *
 * Writing walks the program in one fixed order and emits only fields, never
 * structs, so the bytes depend on nothing but the program. Reading trusts
 * nothing: every read is bounds-checked through a cursor, every count is
 * weighed against the bytes left before anything is allocated, and the
 * result must pass bc_verify before the caller sees it. */
#include "config.h"
#include "vm/plb.h"
#include "vm/layout.h"
#include "base/sha256.h"
#include "base/hash.h"
#include "base/outfile.h"
#include "base/why.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
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

/* v in n bytes, little-endian */
static void put_le(Buf *w, uint64_t v, size_t n)
{
    uint8_t *p = buf_grow(w, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u8(Buf *w, unsigned v) { put_le(w, v, 1); }
static void put_u16(Buf *w, unsigned v) { put_le(w, v, 2); }
static void put_u32(Buf *w, uint32_t v) { put_le(w, v, 4); }
static void put_u64(Buf *w, uint64_t v) { put_le(w, v, 8); }

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


static void put_fields(Writer *w, const BcLayout *l, const void *obj);

/* An array's count (ARRAY; LINES: 0 when there is no array), then its elements. */
static void put_many(Writer *w, const BcField *f, const void *obj)
{
    const char *items;
    memcpy(&items, bc_member(obj, f->off), sizeof items);
    uint32_t n = (uint32_t)bc_get_int(obj, f->aux_off, f->aux_size, false);
    if (f->kind == BF_LINES && !items)
        n = 0;
    if (f->kind == BF_ARRAY)
        put_le(&w->body, n, f->aux_size);
    else if (f->kind == BF_LINES)
        put_u32(&w->body, n);
    /* a missing array (only ever parameter types) is written as zeros */
    max_align_t zero[4];
    memset(zero, 0, sizeof zero);
    for (uint32_t k = 0; k < n; k++)
        put_fields(w, f->elem, items ? items + (size_t)k * f->elem->size : (const void *)zero);
}

/* The fields of obj in the layout's order, one by one: never a struct's
 * bytes, so padding and pointers never reach the file. */
static void put_fields(Writer *w, const BcLayout *l, const void *obj)
{
    Buf *b = &w->body;
    for (unsigned i = 0; i < l->nfields; i++) {
        const BcField *f = &l->fields[i];
        switch ((BcFieldKind)f->kind) {
        case BF_U8:
        case BF_U16:
        case BF_U32:
        case BF_I32:
        case BF_DAY:
            put_le(b, (uint64_t)bc_get_int(obj, f->off, f->size, false), f->size);
            break;
        case BF_STR:
            put_str(w, bc_field_str(f, obj));
            break;
        case BF_TEXT: {
            const char *s = bc_field_str(f, obj);
            put_u32(b, s ? intern(w, s, (size_t)bc_get_int(obj, f->aux_off, f->aux_size, false)) : NULL_STR);
            break;
        }
        case BF_SHA256:
            put_bytes(b, bc_member(obj, f->off), 32);
            break;
        case BF_VALUE:
            put_value(w, (const Value *)bc_member(obj, f->off));
            break;
        case BF_STRUCT:
            put_fields(w, f->elem, bc_member(obj, f->off));
            break;
        case BF_ARRAY:
        case BF_EACH:
        case BF_LINES:
            put_many(w, f, obj);
            break;
        }
    }
}

/* p is the compiler's output or a program that passed bc_verify: every
 * count agrees with its array. Each section is its tag, its count and its
 * entries, as layout.c describes them. */
static void write_sections(Writer *w, const BcProgram *p)
{
    for (unsigned s = 0; s < SEC__COUNT; s++) {
        const BcSection *sec = &bc_sections[s];
        put_tag(w, sec->tag);
        if (!sec->count_size) {
            put_fields(w, sec->layout, bc_member(p, sec->off));
            continue;
        }
        uint32_t n = (uint32_t)bc_get_int(p, sec->count_off, sec->count_size, false);
        put_le(&w->body, n, sec->count_size);
        const char *items;
        memcpy(&items, bc_member(p, sec->off), sizeof items);
        for (uint32_t i = 0; i < n; i++)
            put_fields(w, sec->layout, items + (size_t)i * sec->layout->size);
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

/* n bytes, little-endian; 0 once reading has failed */
static uint64_t get_le(Reader *r, size_t n)
{
    if (!need(r, n))
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)r->data[r->pos + i] << (8 * i);
    r->pos += n;
    return v;
}

static uint8_t get_u8(Reader *r) { return (uint8_t)get_le(r, 1); }
static uint16_t get_u16(Reader *r) { return (uint16_t)get_le(r, 2); }
static uint32_t get_u32(Reader *r) { return (uint32_t)get_le(r, 4); }
static uint64_t get_u64(Reader *r) { return get_le(r, 8); }

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

static void get_fields(Reader *r, const BcLayout *l, void *obj, uint32_t idx);

/* Room for n elements of f's array in the arena, its pointer stored in obj. */
static char *get_items(Reader *r, const BcField *f, void *obj, uint32_t n)
{
    char *items = get_array(r, n, f->elem->size);
    memcpy(bc_member(obj, f->off), &items, sizeof items);
    return items;
}

/* The fields of obj, entry idx of its table, in the layout's order. Every
 * count is weighed against the bytes left before anything is allocated. */
static void get_fields(Reader *r, const BcLayout *l, void *obj, uint32_t idx)
{
    size_t at[BC_MAX_FIELDS];  /* where each field starts, for messages about counts */
    for (unsigned i = 0; i < l->nfields; i++) {
        const BcField *f = &l->fields[i];
        at[i] = r->pos;
        switch ((BcFieldKind)f->kind) {
        case BF_U8:
        case BF_U16:
        case BF_U32:
        case BF_I32:
        case BF_DAY:
            bc_set_int(obj, f->off, f->size, (int64_t)get_le(r, f->size));
            break;
        case BF_STR: {
            const char *s = get_str(r);
            memcpy(bc_member(obj, f->off), &s, sizeof s);
            break;
        }
        case BF_TEXT: {
            uint32_t t = get_index(r, true);
            if (t != NULL_STR) {
                memcpy(bc_member(obj, f->off), &r->strs[t], sizeof r->strs[t]);
                bc_set_int(obj, f->aux_off, f->aux_size, r->lens[t]);
            }
            break;
        }
        case BF_SHA256:
            if (need(r, 32)) {
                memcpy(bc_member(obj, f->off), r->data + r->pos, 32);
                r->pos += 32;
            }
            break;
        case BF_VALUE:
            get_value(r, idx, (Value *)bc_member(obj, f->off));
            break;
        case BF_STRUCT:
            get_fields(r, f->elem, bc_member(obj, f->off), idx);
            break;
        case BF_ARRAY: {
            size_t each = bc_layout_min(f->elem);
            uint32_t n = f->aux_size == 4 ? get_count32(r, each, f->plural) : get_count16(r, each, f->plural);
            bc_set_int(obj, f->aux_off, f->aux_size, n);
            char *items = get_items(r, f, obj, n);
            for (uint32_t k = 0; k < n && !r->fail; k++)
                get_fields(r, f->elem, items + (size_t)k * f->elem->size, k);
            break;
        }
        case BF_EACH:
        case BF_LINES: {
            /* counted by an earlier field (a function's parameters, its instructions) */
            unsigned c = 0;
            while (c < i && l->fields[c].off != f->aux_off)
                c++;
            uint32_t count = (uint32_t)bc_get_int(obj, f->aux_off, f->aux_size, false), n = count;
            if (f->kind == BF_EACH) {
                n = check_count(r, at[c], count, bc_layout_min(f->elem), f->plural);
            } else {
                n = get_count32(r, bc_layout_min(f->elem), f->plural);
                if (!r->fail && n != 0 && n != count)
                    rfail(r, at[i], "%s %u has %u %s for %u %s", l->noun, idx, n, f->plural, count,
                          l->fields[c].label);
            }
            if (r->fail)
                return;
            char *items = get_items(r, f, obj, n);
            for (uint32_t k = 0; k < n && !r->fail; k++)
                get_fields(r, f->elem, items + (size_t)k * f->elem->size, k);
            break;
        }
        }
    }
}

static void read_body(Reader *r, BcProgram *p)
{
    read_pool(r);
    for (unsigned s = 0; s < SEC__COUNT && !r->fail; s++) {
        const BcSection *sec = &bc_sections[s];
        get_tag(r, sec->tag, sec->plural);
        if (!sec->count_size) {
            get_fields(r, sec->layout, bc_member(p, sec->off), 0);
            continue;
        }
        size_t each = bc_layout_min(sec->layout);
        uint32_t n = sec->count_size == 4 ? get_count32(r, each, sec->plural) : get_count16(r, each, sec->plural);
        bc_set_int(p, sec->count_off, sec->count_size, n);
        char *items = get_array(r, n, sec->layout->size);
        memcpy(bc_member(p, sec->off), &items, sizeof items);
        for (uint32_t i = 0; i < n && !r->fail; i++)
            get_fields(r, sec->layout, items + (size_t)i * sec->layout->size, i);
    }

    r->section = "the end";
    if (!r->fail && r->pos != r->len)
        rfail(r, r->pos, "%zu stray bytes after the last section", r->len - r->pos);
}

bool plb_read(const uint8_t *data, size_t len, BcProgram *out, char *why, size_t whycap)
{
    memset(out, 0, sizeof *out);
    if (len < 8 || memcmp(data + HDR_MAGIC, PLB_MAGIC, 8) != 0)
        return why_say(why, whycap, "not a Pledge bytecode file");
    if (len < HDR_VERSION + 4)
        return why_say(why, whycap, "truncated: %zu bytes, shorter than the %d-byte header", len, HDR_SIZE);
    uint32_t version = le32(data + HDR_VERSION);
    if (version > PLB_FORMAT_VERSION)
        return why_say(why, whycap, "made by a newer Pledge: format version %u, this one reads %d",
                   version, PLB_FORMAT_VERSION);
    if (version >= 1 && version < PLB_FORMAT_VERSION)
        return why_say(why, whycap, "made by an older Pledge (format version %u): compile the source again", version);
    if (version != PLB_FORMAT_VERSION)
        return why_say(why, whycap, "unknown format version %u: this Pledge reads %d", version,
                   PLB_FORMAT_VERSION);
    if (len < HDR_SIZE)
        return why_say(why, whycap, "truncated: %zu bytes, shorter than the %d-byte header", len, HDR_SIZE);
    uint64_t body = le64(data + HDR_BODYLEN);
    if (body > len - HDR_SIZE)
        return why_say(why, whycap, "truncated: the header promises %llu bytes of body, the file has %zu",
                   (unsigned long long)body, len - HDR_SIZE);
    if (body < len - HDR_SIZE)
        return why_say(why, whycap, "%llu stray bytes after the end (the header promises %llu bytes of body)",
                   (unsigned long long)(len - HDR_SIZE - body), (unsigned long long)body);

    uint8_t sum[32];
    sha256(data + HDR_FLAGS, len - HDR_FLAGS, sum);
    if (memcmp(sum, data + HDR_SUM, sizeof sum) != 0)
        return why_say(why, whycap, "corrupted: checksum mismatch");

    uint32_t flags = le32(data + HDR_FLAGS);
    if (flags != 0)
        return why_say(why, whycap, "unknown flags 0x%08x at byte %d: made by a newer Pledge?", flags, HDR_FLAGS);
    /* The engine version is for people; it only has to be a padded string. */
    const uint8_t *engine = data + HDR_ENGINE;
    const uint8_t *nul = memchr(engine, 0, ENGINE_CAP);
    for (const uint8_t *q = nul; q && q < engine + ENGINE_CAP; q++)
        if (*q)
            nul = NULL;
    if (!nul)
        return why_say(why, whycap, "malformed engine version at byte %d", HDR_ENGINE);

    Reader r = { .data = data + HDR_SIZE, .len = (size_t)body, .section = "string pool",
                 .why = why, .whycap = whycap, .arena = &out->arena };
    read_body(&r, out);
    mem_free(r.strs);
    mem_free(r.lens);
    if (r.fail || !bc_verify(out, why, whycap)) {
        bc_free(out);
        return false;
    }
    bc_index_sources(out);
    return true;
}

bool plb_read_file(const char *path, BcProgram *out, char *why, size_t whycap)
{
    memset(out, 0, sizeof *out);
    MemHold *hold = mem_hold();     /* running out of memory while reading closes it */
    int fd = hold->fd = open(path, O_RDONLY);
    if (fd < 0) {
        int e = errno;
        mem_release(hold);
        return why_say(why, whycap, "%s: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        mem_release(hold);
        return why_say(why, whycap, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        mem_release(hold);
        return why_say(why, whycap, "%s: not a regular file", path);
    }
    if ((uintmax_t)st.st_size > PLB_MAX_FILE) {
        mem_release(hold);
        return why_say(why, whycap, "%s: too large for a bytecode file (%jd bytes)", path, (intmax_t)st.st_size);
    }
    /* Read to the end rather than trusting st_size: the file may change. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    uint8_t *buf = mem_alloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > PLB_MAX_FILE) {
                mem_release(hold);
                mem_free(buf);
                return why_say(why, whycap, "%s: too large for a bytecode file", path);
            }
            cap *= 2;
            buf = mem_realloc(buf, cap);
        }
        ssize_t k = read(fd, buf + len, cap - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            mem_release(hold);
            mem_free(buf);
            return why_say(why, whycap, "%s: %s", path, strerror(e));
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    mem_release(hold);

    char msg[512] = "";
    bool ok = plb_read(buf, len, out, msg, sizeof msg);
    mem_free(buf);
    if (!ok)
        why_say(why, whycap, "%s: %s", path, msg);
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
