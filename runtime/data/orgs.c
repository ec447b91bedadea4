/* orgs.c: interned organisation codes (feed.h), so that a code is compared
 * as a number everywhere after it is read. */
#include "data/feed.h"
#include "data/rows.h"
#include "base/hash.h"
#include <string.h>

/* A slot of the open-addressing table: the organisation's id + 1 (0
 * empty) and its code's hash, so that a probe past another code seldom
 * reads that code, and growing hashes nothing again. */
typedef struct OrgSlot { uint32_t id1, hash; } OrgSlot;

struct Orgs {
    Arena     arena;
    char    **codes;
    uint32_t *lens;
    uint32_t  n, cap;
    OrgSlot  *slots;
    size_t    nslots;
};


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

static OrgSlot *orgs_slot(const Orgs *o, const char *code, size_t len, uint32_t hash)
{
    for (size_t i = hash & (o->nslots - 1);; i = (i + 1) & (o->nslots - 1)) {
        OrgSlot *s = &o->slots[i];
        if (!s->id1) return s;
        if (s->hash == hash && o->lens[s->id1 - 1] == len && rows_same_bytes(o->codes[s->id1 - 1], code, len)) return s;
    }
}

uint32_t orgs_find(const Orgs *o, const char *code, size_t len)
{
    if (!o->nslots) return ORG_NONE;
    uint32_t id1 = orgs_slot(o, code, len, (uint32_t)hash_bytes(code, len))->id1;
    return id1 ? id1 - 1 : ORG_NONE;
}

uint32_t orgs_intern(Orgs *o, const char *code, size_t len)
{
    if ((o->n + 1) * 2 > o->nslots) {
        size_t n = o->nslots ? o->nslots * 2 : 1024;
        OrgSlot *old = o->slots;
        size_t oldn = o->nslots;
        o->slots = mem_calloc(n, sizeof *o->slots);
        o->nslots = n;
        for (size_t i = 0; i < oldn; i++) {
            if (!old[i].id1) continue;
            OrgSlot *s = &o->slots[old[i].hash & (n - 1)];
            while (s->id1) s = s == &o->slots[n - 1] ? o->slots : s + 1;
            *s = old[i];
        }
        mem_free(old);
    }
    uint32_t hash = (uint32_t)hash_bytes(code, len);
    OrgSlot *slot = orgs_slot(o, code, len, hash);
    if (slot->id1) return slot->id1 - 1;
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 1024;
        o->codes = mem_realloc(o->codes, o->cap * sizeof *o->codes);
        o->lens = mem_realloc(o->lens, o->cap * sizeof *o->lens);
    }
    o->codes[o->n] = arena_strndup(&o->arena, code, len);
    o->lens[o->n] = (uint32_t)len;
    *slot = (OrgSlot){ ++o->n, hash };
    return o->n - 1;
}

const char *orgs_code(const Orgs *o, uint32_t id) { return id < o->n ? o->codes[id] : "?"; }
uint32_t orgs_count(const Orgs *o) { return o->n; }
