/* orgs.c: interned organisation codes (feed.h), so that a code is compared
 * as a number everywhere after it is read. */
#include "data/feed.h"
#include "data/rows.h"
#include "base/hash.h"
#include <string.h>

struct Orgs {
    Arena     arena;
    char    **codes;
    uint32_t *lens;
    uint32_t  n, cap;
    uint32_t *slots;        /* open addressing: id + 1, 0 empty */
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
