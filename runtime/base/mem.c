/* mem.c: the one allocator, the out-of-memory policy, ledgers and arenas. */
#include "base/mem.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *default_alloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

/* The allocator in force on this thread: an API call puts its state's in
 * force for its duration (mem_enter), and a thread it starts adopts it. No
 * context: the C library's, and out of memory aborts. */
static _Thread_local MemContext *current;

MemContext *mem_enter(MemContext *c)
{
    MemContext *prev = current;
    current = c;
    return prev;
}

MemContext *mem_current(void) { return current; }

bool mem_guard(MemContext *from, void (*fn)(void *arg), void *arg, size_t *failed_size)
{
    jmp_buf jump;
    MemContext local = { .alloc = from ? from->alloc : NULL, .ud = from ? from->ud : NULL, .oom = &jump,
                         .ledger = from ? from->ledger : NULL };
    MemContext *prev = mem_enter(&local);
    bool ok = setjmp(jump) == 0;
    if (ok) fn(arg);
    else if (failed_size) *failed_size = mem_current()->failed_size;
    mem_enter(prev);
    return ok;
}

/* Callers rely on never seeing NULL: the context's jump leaves the call
 * (the API turns it into an error), and with none there is nowhere to go. */
_Noreturn void mem_out_of_memory(size_t size)
{
    MemContext *c = current;
    if (c && c->oom) {
        c->failed_size = size;
        longjmp(*c->oom, 1);
    }
    abort();
}

/* ---- the ledger --------------------------------------------------------------
 *
 * A block in a ledger is its header, then the payload at HEADER bytes: a
 * multiple of max_align_t's alignment, so the payload is as aligned as the
 * allocator's own blocks. The threads of one call share the ledger, hence
 * the lock (uncontended but for them). */

enum { HEADER = (sizeof(MemLink) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t) };

static void *raw_realloc(const MemContext *c, void *ptr, size_t size)
{
    return c && c->alloc ? c->alloc(c->ud, ptr, size) : default_alloc(NULL, ptr, size);
}

static MemLink *header_of(void *payload) { return (MemLink *)(void *)((char *)payload - HEADER); }

/* Puts b first in the ring (a block's or a hold's) of l. */
static void link_in(MemLedger *l, MemLink *ring, MemLink *b)
{
    pthread_mutex_lock(&l->lock);
    b->prev = ring;
    b->next = ring->next;
    ring->next->prev = b;
    ring->next = b;
    pthread_mutex_unlock(&l->lock);
}

static void unlink_from(MemLedger *l, MemLink *b)
{
    pthread_mutex_lock(&l->lock);
    b->prev->next = b->next;
    b->next->prev = b->prev;
    pthread_mutex_unlock(&l->lock);
}

void mem_ledger_init(MemLedger *l)
{
    pthread_mutex_init(&l->lock, NULL);
    l->blocks.prev = l->blocks.next = &l->blocks;
    l->holds.prev = l->holds.next = &l->holds;
}

static void give_back(MemHold *h)
{
    if (h->file) fclose(h->file);
    free(h->text);
    if (h->fd >= 0) close(h->fd);
    if (h->map) munmap(h->map, h->map_len);
    if (h->remove) unlink(h->remove);
    if (h->release && h->p) h->release(h->p);
}

void mem_ledger_free(MemContext *c)
{
    MemLedger *l = c->ledger;
    /* the holds first: a hold's fields may point into blocks */
    while (l->holds.next != &l->holds) {
        MemHold *h = (MemHold *)(void *)l->holds.next;
        l->holds.next = h->link.next;
        give_back(h);
    }
    l->holds.prev = &l->holds;
    while (l->blocks.next != &l->blocks) {
        MemLink *b = l->blocks.next;
        l->blocks.next = b->next;
        raw_realloc(c, b, 0);
    }
    l->blocks.prev = &l->blocks;
    pthread_mutex_destroy(&l->lock);
}

/* ---- blocks ------------------------------------------------------------------ */

void *mem_realloc(void *ptr, size_t size)
{
    MemContext *c = current;
    MemLedger *l = c ? c->ledger : NULL;
    if (!l) {
        void *p = raw_realloc(c, ptr, size);
        if (p == NULL && size > 0)
            mem_out_of_memory(size);
        return p;
    }
    if (size == 0) {
        mem_free(ptr);
        return NULL;
    }
    if (size > SIZE_MAX - HEADER)
        mem_out_of_memory(size);
    /* out of the ring while it may move; back in unchanged if it cannot */
    MemLink *old = ptr ? header_of(ptr) : NULL;
    if (old) unlink_from(l, old);
    MemLink *b = raw_realloc(c, old, HEADER + size);
    if (!b) {
        if (old) link_in(l, &l->blocks, old);
        mem_out_of_memory(size);
    }
    link_in(l, &l->blocks, b);
    return (char *)b + HEADER;
}

void *mem_alloc(size_t size)
{
    /* A zero-byte request still gets a unique pointer: size 0 means "free"
     * to the hook, and the contract here is "never NULL". */
    return mem_realloc(NULL, size ? size : 1);
}

void *mem_calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        mem_out_of_memory(SIZE_MAX);
    void *p = mem_alloc(total);
    memset(p, 0, total);
    return p;
}

void mem_free(void *ptr)
{
    if (!ptr) return;
    MemContext *c = current;
    if (c && c->ledger) {
        MemLink *b = header_of(ptr);
        unlink_from(c->ledger, b);
        ptr = b;
    }
    raw_realloc(c, ptr, 0);
}

MemHold *mem_hold(void)
{
    MemHold *h = mem_alloc(sizeof *h);
    *h = (MemHold){ .fd = -1 };
    MemLedger *l = current ? current->ledger : NULL;
    if (l) link_in(l, &l->holds, &h->link);
    return h;
}

void mem_release(MemHold *h)
{
    if (!h) return;
    MemLedger *l = current ? current->ledger : NULL;
    if (l && h->link.next) unlink_from(l, &h->link);
    give_back(h);
    mem_free(h);
}

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mem_alloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* ---- arenas ---------------------------------------------------------------
 *
 * Blocks are chained newest first; only the head block is carved from. A
 * request too large to share a block gets a block of its own, linked behind
 * the head, so the head's free space is not abandoned. */

enum {
    ARENA_ALIGN = 16,
    ARENA_BLOCK = 64 * 1024,        /* bytes of payload in a shared block */
    ARENA_LARGE = ARENA_BLOCK / 4   /* larger requests get their own block */
};

struct ArenaBlock {
    ArenaBlock *next;
    size_t size, used;              /* bytes in data[], bytes handed out */
    unsigned char data[];
};

/* Bytes to skip from p to the next aligned address. Computed from the
 * address rather than assumed, so an embedder's allocator need not return
 * 16-byte-aligned memory. */
static size_t align_gap(const unsigned char *p)
{
    return (ARENA_ALIGN - (uintptr_t)p % ARENA_ALIGN) % ARENA_ALIGN;
}

static ArenaBlock *new_block(size_t payload)
{
    if (payload > SIZE_MAX - sizeof(ArenaBlock))
        mem_out_of_memory(SIZE_MAX);
    /* Zeroed once here; arena memory is never reused, so every byte handed
     * out is still zero. */
    ArenaBlock *b = mem_calloc(1, sizeof(ArenaBlock) + payload);
    b->size = payload;
    return b;
}

static void *carve(ArenaBlock *b, size_t size)
{
    size_t gap = align_gap(b->data + b->used);
    void *p = b->data + b->used + gap;
    b->used += gap + size;
    return p;
}

static bool fits(const ArenaBlock *b, size_t size)
{
    size_t gap = align_gap(b->data + b->used);
    size_t room = b->size - b->used;
    return gap <= room && size <= room - gap;
}

void *arena_alloc(Arena *a, size_t size)
{
    if (size == 0)
        size = 1;                   /* distinct pointers for distinct calls */
    if (a->head && fits(a->head, size))
        return carve(a->head, size);
    if (size > SIZE_MAX - ARENA_ALIGN)
        mem_out_of_memory(SIZE_MAX);

    if (size > ARENA_LARGE) {
        ArenaBlock *b = new_block(size + ARENA_ALIGN - 1);
        if (a->head) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            a->head = b;
        }
        return carve(b, size);
    }
    ArenaBlock *b = new_block(ARENA_BLOCK);
    b->next = a->head;
    a->head = b;
    return carve(b, size);
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);              /* the terminator is already zero */
    return p;
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    /* Only an unconvertible wide string can fail; an empty message is a
     * better outcome than a crash while reporting something else. */
    if (len < 0) {
        va_end(again);
        return arena_alloc(a, 1);
    }
    char *p = arena_alloc(a, (size_t)len + 1);
    vsnprintf(p, (size_t)len + 1, fmt, again);
    va_end(again);
    return p;
}

void arena_free(Arena *a)
{
    ArenaBlock *b = a->head;
    while (b) {
        ArenaBlock *next = b->next;
        mem_free(b);
        b = next;
    }
    a->head = NULL;
}
