/* mem.c: the one allocator, the out-of-memory policy, and arenas. */
#include "base/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *default_alloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

static void default_oom(void *ud, size_t size)
{
    (void)ud;
    fprintf(stderr, "pledge: out of memory (%zu bytes)\n", size);
    exit(4);
}

/* The one process-wide state of the library, and on purpose: the allocator
 * and the out-of-memory handler are the embedder's, set once before any
 * other call (mem.h); every thread then only reads them. */
static MemAllocFn alloc_fn = default_alloc;
static void *alloc_ud;
static MemOomFn oom_fn = default_oom;
static void *oom_ud;

void mem_set_allocator(MemAllocFn fn, void *ud)
{
    alloc_fn = fn ? fn : default_alloc;
    alloc_ud = fn ? ud : NULL;
}

void mem_set_oom_handler(MemOomFn fn, void *ud)
{
    oom_fn = fn ? fn : default_oom;
    oom_ud = fn ? ud : NULL;
}

/* Callers rely on never seeing NULL, so a handler that breaks its promise
 * and returns must not let execution continue. */
static _Noreturn void out_of_memory(size_t size)
{
    oom_fn(oom_ud, size);
    abort();
}

void *mem_realloc(void *ptr, size_t size)
{
    void *p = alloc_fn(alloc_ud, ptr, size);
    if (p == NULL && size > 0)
        out_of_memory(size);
    return p;
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
        out_of_memory(SIZE_MAX);
    void *p = mem_alloc(total);
    memset(p, 0, total);
    return p;
}

void mem_free(void *ptr)
{
    if (ptr)
        alloc_fn(alloc_ud, ptr, 0);
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
        out_of_memory(SIZE_MAX);
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
        out_of_memory(SIZE_MAX);

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
