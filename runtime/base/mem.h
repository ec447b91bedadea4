/* mem.h: every allocation in Pledge goes through one function.
 *
 * The embedder's state (include/pledge.h) puts its allocator in force for
 * each call; when it fails, the call is left through a longjmp and returns
 * an error. Callers therefore never see NULL from mem_alloc.
 *
 * Ownership: an Arena owns every block carved from it and frees them all at
 * once (arena_free). The front end allocates the whole syntax tree, its
 * strings and its diagnostics in one per-compilation arena.
 *
 * A context may keep a ledger (the API's state does): every block allocated
 * while it is in force is linked into it, and so is every hold (a
 * descriptor, stream, mapping, temporary file or library object), so that
 * what a call held when running out of memory jumped out of it is still
 * given back, by mem_ledger_free, when the state is freed. A block or hold
 * is freed under a context with the ledger it was made under. */
#ifndef PLEDGE_MEM_H
#define PLEDGE_MEM_H
#include <stddef.h>
#include <stdbool.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>

/* realloc-like: size 0 frees and returns NULL; NULL means failure otherwise. */
typedef void *(*MemAllocFn)(void *ud, void *ptr, size_t size);

/* Something held that is not a block. Taken empty (mem_hold) before the
 * thing is acquired, so running out of memory cannot fall between the two;
 * its fields are set as things are acquired and cleared as the owner gives
 * them back itself. mem_release gives back what is still set, in this order. */
/* A place in one of a ledger's rings: a block's header, a hold's first field. */
typedef struct MemLink MemLink;
struct MemLink { MemLink *prev, *next; };

typedef struct MemHold {
    MemLink link;               /* in the ledger (first: a link is its hold) */
    FILE  *file;                /* fclosed (before text is freed) */
    char  *text;                /* an open_memstream buffer, the C library's: freed */
    size_t text_len;
    int    fd;                  /* closed, unless -1 */
    void  *map;                 /* munmapped */
    size_t map_len;
    char  *remove;              /* a temporary file's path: unlinked */
    void (*release)(void *p);   /* anything else (a database, a JSON tree): release(p) */
    void  *p;
} MemHold;

/* Every live block and hold of a state, from whichever thread. */
typedef struct MemLedger {
    pthread_mutex_t lock;
    MemLink         blocks;     /* rings */
    MemLink         holds;
} MemLedger;

void mem_ledger_init(MemLedger *l);
/* Gives back every hold (newest first), then frees every block still in
 * c's ledger, with c's allocator. */
typedef struct MemContext MemContext;
void mem_ledger_free(MemContext *c);

/* An allocator and where running out of memory goes: an embedder's state
 * (the API's) or a thread it started. Not a global: each thread has the
 * context it entered. */
struct MemContext {
    MemAllocFn alloc;           /* NULL: the C library's */
    void      *ud;
    jmp_buf   *oom;             /* where out of memory jumps to; NULL: abort() */
    MemLedger *ledger;          /* NULL: blocks are not recorded */
    size_t     failed_size;     /* the request that failed */
};

/* Makes c this thread's context; returns the one before, to restore. */
MemContext *mem_enter(MemContext *c);
MemContext *mem_current(void);
/* Runs fn(arg) with from's allocator (from: the starting thread's
 * mem_current(), or NULL) and a jump of its own: a thread started inside a
 * call runs its work so, since a jump may not cross threads. False if it
 * ran out of memory (*failed_size: the request), after which the starter,
 * once every thread is joined, calls mem_out_of_memory itself. */
bool mem_guard(MemContext *from, void (*fn)(void *arg), void *arg, size_t *failed_size);
/* Leaves through the context's jump (never returns). */
_Noreturn void mem_out_of_memory(size_t size);

void *mem_alloc(size_t size);                       /* never NULL */
void *mem_realloc(void *ptr, size_t size);          /* never NULL for size > 0 */
void *mem_calloc(size_t count, size_t size);        /* zeroed, overflow-checked */
void  mem_free(void *ptr);
char *mem_strndup(const char *s, size_t n);

/* An empty hold (fd -1), in the context's ledger if it has one. */
MemHold *mem_hold(void);
/* Gives back what h still holds, and h itself (NULL: nothing). */
void mem_release(MemHold *h);

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena { ArenaBlock *head; } Arena;

void *arena_alloc(Arena *a, size_t size);           /* zeroed, 16-byte aligned */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void  arena_free(Arena *a);

/* A growable array: struct { T *items; size_t len, cap; }. */
#define VEC(T) struct { T *items; size_t len, cap; }
#define vec_push(v, x) do { \
        if ((v)->len == (v)->cap) { \
            (v)->cap = (v)->cap ? (v)->cap * 2 : 8; \
            (v)->items = mem_realloc((v)->items, (v)->cap * sizeof *(v)->items); \
        } \
        (v)->items[(v)->len++] = (x); \
    } while (0)
#define vec_free(v) do { mem_free((v)->items); (v)->items = NULL; (v)->len = (v)->cap = 0; } while (0)

#endif
