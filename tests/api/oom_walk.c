/* oom_walk.c: an allocator that fails at the Nth request, walked over a
 * whole run through pledge.h: a state, a round compiled from a rule file
 * (with its imports), a feed loaded (pushed from memory, or read from its
 * file) and a hierarchy from a file, an assessment on two threads, and the
 * report written in every format (text, JSON, CSV, HTML).
 *
 * For every N up to the run's total (sampled past WALK_ALL, so a large run
 * stays quick), the run must end in one of two ways: it succeeds (N beyond
 * what it needs), or the call that ran out returns PLEDGE_ERR_LIMIT with
 * "out of memory" and the state can still be freed. Never a crash, never
 * another status. Blocks still live after pledge_free are counted (they are
 * what a jump out of a call leaves behind) and freed here; under ASan the
 * walk itself leaks nothing.
 *
 *   oom_walk ROUND.pledge FEED=FEED.csv HIER=HIER.csv AS_OF memory|file [SAMPLES]
 * FEED and HIER name the round's feed and hierarchy; `memory` pushes the
 * feed's bytes (pledge_bind_csv), `file` binds its path (pledge_bind).
 * Without SAMPLES every failure point up to WALK_ALL is tried, and 1,500
 * spread over the rest; with it, SAMPLES points spread over the whole run
 * (a larger input, quick). Prints `N passed, N failed`. */
#include "pledge.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WALK_ALL = 3000 };

/* Every live block sits behind a header in a list, so what a jump leaves
 * can be counted and freed; the payload keeps malloc's 16-byte alignment. */
typedef struct Block { struct Block *prev, *next; size_t size; _Alignas(16) char payload[]; } Block;
typedef struct Counting { long calls, fail_at; Block live; size_t nlive; } Counting;

/* The state's threads allocate at once: the allocator must be safe for it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *counting_alloc_locked(void *ud, void *ptr, size_t size);

static void *counting_alloc(void *ud, void *ptr, size_t size)
{
    pthread_mutex_lock(&lock);
    void *p = counting_alloc_locked(ud, ptr, size);
    pthread_mutex_unlock(&lock);
    return p;
}

static void *counting_alloc_locked(void *ud, void *ptr, size_t size)
{
    Counting *c = ud;
    Block *old = ptr ? (Block *)ptr - 1 : NULL;
    if (size == 0) {
        if (old) {
            old->prev->next = old->next;
            old->next->prev = old->prev;
            c->nlive--;
            free(old);
        }
        return NULL;
    }
    if (++c->calls == c->fail_at) return NULL;
    if (old) {
        old->prev->next = old->next;
        old->next->prev = old->prev;
        c->nlive--;
    }
    Block *b = realloc(old, sizeof *b + size);
    if (!b) {
        if (old) {          /* put it back: realloc failed, the block is unchanged */
            old->next = c->live.next, old->prev = &c->live;
            c->live.next->prev = old, c->live.next = old;
            c->nlive++;
        }
        return NULL;
    }
    b->size = size;
    b->next = c->live.next;
    b->prev = &c->live;
    c->live.next->prev = b;
    c->live.next = b;
    c->nlive++;
    return b + 1;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(99); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(99); }
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

typedef struct Outcome { pledge_status st; char error[256]; size_t out_len; } Outcome;

typedef struct Walk {
    const char *rules, *feed_name, *feed_path, *hier_name, *hier_path, *as_of;
    const char *feed_csv;       /* the feed's bytes, when pushed from memory */
    size_t      feed_len;
} Walk;

/* The report in every format, into memory; the bytes written, summed. */
static pledge_status write_all(pledge_report *rep, size_t *total)
{
    static const pledge_format formats[] = { PLEDGE_FORMAT_TEXT, PLEDGE_FORMAT_JSON, PLEDGE_FORMAT_CSV,
                                             PLEDGE_FORMAT_HTML };
    *total = 0;
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) { perror("open_memstream"); exit(99); }
        pledge_status st = pledge_report_write(rep, formats[i], f, NULL);
        fclose(f);
        free(buf);
        *total += len;
        if (st != PLEDGE_OK) return st;
    }
    return PLEDGE_OK;
}

/* One whole run with the allocator failing at call fail_at (0: never). */
static Outcome run(Counting *c, long fail_at, const Walk *w)
{
    Outcome out = { 0 };
    c->calls = 0;
    c->fail_at = fail_at;
    pledge_config cfg;
    pledge_config_init(&cfg);
    cfg.alloc = counting_alloc;
    cfg.alloc_ud = c;
    cfg.threads = 2;
    pledge_state *S = pledge_new(&cfg);
    if (!S) {
        out.st = PLEDGE_ERR_LIMIT;
        snprintf(out.error, sizeof out.error, "out of memory (in pledge_new)");
        return out;
    }
    pledge_round *R = NULL;
    pledge_report *rep = NULL;
    pledge_status st = pledge_load(S, w->rules, &R);
    if (st == PLEDGE_OK)
        st = w->feed_csv ? pledge_bind_csv(R, w->feed_name, w->feed_path, w->feed_csv, w->feed_len)
                         : pledge_bind(R, w->feed_name, w->feed_path);
    if (st == PLEDGE_OK) st = pledge_bind(R, w->hier_name, w->hier_path);
    pledge_assess_options o = { .as_of = w->as_of, .series = true };
    if (st == PLEDGE_OK) st = pledge_assess(R, &o, &rep);
    if (st == PLEDGE_OK) st = write_all(rep, &out.out_len);
    out.st = st;
    snprintf(out.error, sizeof out.error, "%s", pledge_error(S));
    pledge_report_free(rep);
    pledge_round_free(R);
    pledge_free(S);
    return out;
}

/* "NAME=PATH" split at its first '=' (the text is the program's argument). */
static void split_binding(char *arg, const char **name, const char **path)
{
    char *eq = strchr(arg, '=');
    if (!eq) {
        fprintf(stderr, "oom_walk: expected NAME=PATH, not %s\n", arg);
        exit(99);
    }
    *eq = '\0';
    *name = arg;
    *path = eq + 1;
}

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: oom_walk ROUND.pledge FEED=FEED.csv HIER=HIER.csv AS_OF memory|file [SAMPLES]\n");
        return 99;
    }
    Walk w = { .rules = argv[1], .as_of = argv[4] };
    split_binding(argv[2], &w.feed_name, &w.feed_path);
    split_binding(argv[3], &w.hier_name, &w.hier_path);
    char *feed = NULL;
    if (strcmp(argv[5], "memory") == 0) w.feed_csv = feed = read_file(w.feed_path, &w.feed_len);
    long samples = argc == 7 ? atol(argv[6]) : 0;
    Counting c = { 0 };
    c.live.next = c.live.prev = &c.live;

    Outcome whole = run(&c, 0, &w);
    long total = c.calls;
    unsigned passed = 0, failed = 0;
    if (whole.st != PLEDGE_OK || whole.out_len == 0 || c.nlive != 0) {
        printf("FAIL: the run without failures: status %d (%s), %zu blocks live\n", whole.st, whole.error, c.nlive);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    long all = samples > 0 ? 0 : WALK_ALL;      /* walked one by one, then in steps */
    long step = samples > 0 ? total / samples + 1 : total <= WALK_ALL ? 1 : (total - WALK_ALL) / 1500 + 1;
    size_t leaked_runs = 0, leaked_blocks = 0;
    for (long n = 1; n <= total + 1; n += n < all ? 1 : step) {
        Outcome o = run(&c, n, &w);
        bool ok = n > total ? o.st == PLEDGE_OK && o.out_len == whole.out_len
                            : (o.st == PLEDGE_OK && o.out_len == whole.out_len) ||
                              (o.st == PLEDGE_ERR_LIMIT && strstr(o.error, "out of memory"));
        if (ok) passed++;
        else {
            failed++;
            printf("FAIL: allocation %ld of %ld failing: status %d: %s\n", n, total, o.st, o.error);
        }
        if (c.nlive) {
            leaked_runs++;
            leaked_blocks += c.nlive;
            while (c.live.next != &c.live) counting_alloc(&c, c.live.next + 1, 0);
        }
    }
    printf("%s: walked %u failure points over %ld allocations (%s); %zu runs left %zu blocks behind (freed here)\n",
           w.rules, passed + failed, total, step == 1 ? "every one" : "sampled", leaked_runs, leaked_blocks);
    free(feed);
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
