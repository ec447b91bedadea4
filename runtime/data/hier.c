/* hier.c: hierarchies: which members make up each parent system, and from
 * when to when (feed.h). */
#include "data/feed.h"
#include "data/rows.h"
#include <stdlib.h>
#include <string.h>

typedef struct Link { uint32_t member, parent; Day from, to; uint32_t line; } Link;

struct Hierarchy {
    Orgs     *orgs;
    Link     *links;        /* sorted by member, then from */
    uint32_t  nlinks;
    uint32_t *parents;      /* distinct, by code */
    uint32_t  nparents;
    int32_t  *slot;         /* by organisation id: its index in parents, or -1 */
    uint32_t *first_link;   /* by organisation id: its first link, or UINT32_MAX (ids below nslots) */
    uint32_t  nslots;
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

/* Where a parent is in h->parents: an array by organisation id, since this
 * is asked for every link while loading and every unmapped key after. */
static int32_t parent_index(const Hierarchy *h, uint32_t parent)
{
    return parent < h->nslots ? h->slot[parent] : -1;
}

Hierarchy *hier_load(const BcProgram *p, uint16_t hier, DataSource from, Orgs *orgs, const DataLimits *limits,
                     char *why, size_t whycap)
{
    DataLimits bounds = data_limits(limits), *lim = &bounds;
    const char *source = from.name;
    const BcHierarchy *s = &p->hiers[hier];
    RowSource src;
    if (!rows_open(&src, from, why, whycap)) {
        rows_close(&src);
        return NULL;
    }
    Hierarchy *h = mem_calloc(1, sizeof *h);
    h->orgs = orgs;
    const CsvField *rec;
    size_t n, nheader = 0;
    int pos[5];
    const char *cols[5] = { s->member_col, s->parent_col, s->name_col, s->from_col, s->to_col };
    bool ok = true;
    CsvStatus st = rows_next(&src, &rec, &n);
    if (st != CSV_RECORD)
        ok = why_say(why, whycap, st == CSV_END ? "%s: the file is empty: it needs a header naming its columns" : "%s: %s",
                  source, rows_error(&src));
    else ok = rows_within(&src, lim, rec, n, 0, why, whycap);
    for (int c = 0; ok && c < 5; c++) {
        pos[c] = cols[c] ? rows_header_position(rec, n, cols[c]) : -1;
        if (cols[c] && pos[c] < 0)
            ok = why_say(why, whycap, "%s: the header has no column `%s` (hierarchy `%s` names it)", source, cols[c],
                      s->name);
    }
    nheader = n;
    VEC(Link) links = { 0 };
    VEC(char *) names = { 0 };       /* parallel to a growing parent list */
    VEC(uint32_t) parents = { 0 };
    VEC(uint32_t) parent_at = { 0 };    /* by organisation: its place in parents + 1, 0 if none */
    VEC(uint8_t) seen = { 0 };        /* by organisation: named in this file */
    uint64_t rows = 0, codes = 0;
    while (ok) {
        st = rows_next(&src, &rec, &n);
        if (st == CSV_END) break;
        uint64_t line = rows_line(&src);
        if (st == CSV_ERROR) { ok = why_say(why, whycap, "%s: %s", source, rows_error(&src)); break; }
        if (!(ok = rows_within(&src, lim, rec, n, ++rows, why, whycap))) break;
        if (n != nheader) {
            ok = why_say(why, whycap, "%s:%llu: the row has %zu fields, but the header has %zu", source,
                      (unsigned long long)line, n, nheader);
            break;
        }
        Link k = { 0, 0, INT32_MIN, INT32_MAX, 0 };
        for (int c = 0; c < 2; c++)
            if (rec[pos[c]].len == 0) {
                ok = why_say(why, whycap, "%s:%llu: column `%s` is empty", source, (unsigned long long)line, cols[c]);
                break;
            }
        if (!ok) break;
        k.member = orgs_intern(orgs, rec[pos[0]].ptr, rec[pos[0]].len);
        k.parent = orgs_intern(orgs, rec[pos[1]].ptr, rec[pos[1]].len);
        /* the file's organisations, members and systems */
        for (uint32_t id = k.member, c = 0; c < 2; id = k.parent, c++) {
            while (seen.len <= id) vec_push(&seen, 0);
            codes += !seen.items[id];
            seen.items[id] = 1;
        }
        if (!(ok = rows_limit(&src, codes, lim->orgs, "organisations", "max-orgs", why, whycap))) break;
        for (int c = 3; c < 5 && ok; c++) {
            Value d;
            const char *bad;
            if (pos[c] < 0) continue;
            if ((bad = rows_parse_cell(T_DATE, COL_PLAIN, &rec[pos[c]], &d))) {
                ok = why_say(why, whycap, "%s:%llu: column `%s`: `%.*s` %s", source, (unsigned long long)line, cols[c],
                          (int)rec[pos[c]].len, rec[pos[c]].ptr, bad);
                break;
            }
            if (d.kind != V_MISSING) *(c == 3 ? &k.from : &k.to) = d.as.period.index;
        }
        if (!ok) break;
        k.line = (uint32_t)line;
        vec_push(&links, k);
        /* found by id, not searched for: a file with many systems stays linear */
        while (parent_at.len <= k.parent) vec_push(&parent_at, 0u);
        size_t at = parent_at.items[k.parent] ? parent_at.items[k.parent] - 1 : parents.len;
        if (at == parents.len) {
            vec_push(&parents, k.parent);
            vec_push(&names, (char *)NULL);
            parent_at.items[k.parent] = (uint32_t)parents.len;
        }
        if (!names.items[at] && pos[2] >= 0 && rec[pos[2]].len)        /* the first name given */
            names.items[at] = arena_strndup(&h->arena, rec[pos[2]].ptr, rec[pos[2]].len);

    }
    rows_close(&src);
    vec_free(&parent_at);
    vec_free(&seen);
    if (!ok) {
        vec_free(&links);
        vec_free(&names);
        vec_free(&parents);
        hier_free(h);
        return NULL;
    }
    /* a header and no rows: no array at all, which qsort may not be given */
    if (links.len) qsort(links.items, links.len, sizeof *links.items, link_cmp);
    h->links = links.items;
    h->nlinks = (uint32_t)links.len;
    /* a member is in one system at a time */
    for (uint32_t i = 0; i < h->nlinks && ok; i++) {
        const Link *k = &h->links[i];
        if (k->from > k->to)
            ok = why_say(why, whycap, "%s:%u: `%s` starts after it ends", source, k->line, cols[3]);
        else if (i > 0 && h->links[i - 1].member == k->member && h->links[i - 1].to >= k->from)
            ok = why_say(why, whycap, "%s:%u: `%s` is already in a system then (line %u): a member's dates may not overlap",
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
    h->nslots = orgs_count(orgs);           /* every parent is interned by now */
    h->slot = mem_alloc(((size_t)h->nslots + 1) * sizeof *h->slot);
    for (uint32_t o = 0; o < h->nslots; o++) h->slot[o] = -1;
    for (uint32_t i = 0; i < h->nparents; i++) h->slot[h->parents[i]] = (int32_t)i;
    /* a member's links found by its id: hier_parent is asked once per
     * (organisation, period) an aggregate sums */
    h->first_link = mem_alloc(((size_t)h->nslots + 1) * sizeof *h->first_link);
    for (uint32_t o = 0; o < h->nslots; o++) h->first_link[o] = UINT32_MAX;
    for (uint32_t i = h->nlinks; i-- > 0;) h->first_link[h->links[i].member] = i;
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
    mem_free(h->slot);
    mem_free(h->first_link);
    mem_free(h->names);
    mem_free(h->members);
    mem_free(h->member_first);
    arena_free(&h->arena);
    mem_free(h);
}

uint32_t hier_parent(const Hierarchy *h, uint32_t member, Day d)
{
    uint32_t lo = member < h->nslots ? h->first_link[member] : UINT32_MAX;
    for (uint32_t i = lo; i < h->nlinks && h->links[i].member == member; i++)
        if (h->links[i].from <= d && d <= h->links[i].to) return h->links[i].parent;
    if (parent_index(h, member) >= 0) return member;
    return ORG_NONE;
}

uint32_t hier_parent_span(const Hierarchy *h, uint32_t member, Day d, Day *from, Day *to)
{
    /* the links do not overlap and are sorted by from: d is in one, or in
     * the gap between two, where the answer is hier_parent's fallback */
    *from = INT32_MIN;
    *to = INT32_MAX;
    uint32_t lo = member < h->nslots ? h->first_link[member] : UINT32_MAX;
    for (uint32_t i = lo; i < h->nlinks && h->links[i].member == member; i++) {
        const Link *l = &h->links[i];
        if (l->to < d) { *from = l->to + 1; continue; }
        if (l->from > d) { *to = l->from - 1; break; }
        *from = l->from;
        *to = l->to;
        return l->parent;
    }
    return parent_index(h, member) >= 0 ? member : ORG_NONE;
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
