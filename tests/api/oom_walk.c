/* oom_walk.c: an allocator that fails at the Nth request, walked over whole
 * runs through pledge.h, one scenario a run:
 *
 *   assess  a round compiled from a rule file (with its imports), a feed
 *           loaded (pushed from memory, or read from its file) and a
 *           hierarchy from a file, an assessment on two threads, and the
 *           report written in every format (text, JSON, CSV, HTML);
 *   diff    two rounds compiled and bound to the same feeds, diffed without
 *           and with data (text and JSON);
 *   record  a run assessed and recorded: a manifest and an SQLite archive,
 *           written anew (each synced to disk: sample it);
 *   runs    two runs recorded beforehand compared (their manifests in every
 *           format, and by id in their archive), and the archive's history
 *           written in every format.
 *
 * For every N up to the run's total, or a sample of them (SAMPLES, below),
 * the run must end in one of two ways: it succeeds (N beyond
 * what it needs), or the call that ran out returns PLEDGE_ERR_LIMIT with
 * "out of memory". Either way, once pledge_free has returned, nothing of
 * the run is left: no block of the allocator, no descriptor, no mapping of
 * a file and no temporary file more than before it (the state's ledger
 * gives back what a jump out of a call left behind). Under ASan the walk
 * leaks nothing of the C library's either (streams, SQLite); the JSON trees
 * the library builds with Jansson are counted in every build.
 *
 *   oom_walk assess ROUND FEED=CSV HIER=CSV AS_OF memory|file [SAMPLES]
 *   oom_walk diff OLD NEW FEED=CSV HIER=CSV AS_OF [SAMPLES]
 *   oom_walk record ROUND FEED=CSV HIER=CSV AS_OF [SAMPLES]
 *   oom_walk runs ROUND FEED=A.csv,B.csv HIER=CSV AS_OF [SAMPLES]
 * FEED and HIER name the rounds' feed and hierarchy; `memory` pushes the
 * feed's bytes (pledge_bind_csv), `file` binds its path (pledge_bind). The
 * runs scenario records the run over A and the run over B (as of AS_OF)
 * before the walk. What is written goes into a directory of the walk's own
 * (mkdtemp in TMPDIR), removed at the end. Without SAMPLES every failure
 * point is tried; with it, a sample the same on every run: the first 200
 * and the last 50 one by one (where a run starts and where it finishes,
 * freeing), and every k-th between, k such that about SAMPLES are. Prints
 * how many points it walked, and `N passed, N failed`. */
#define _GNU_SOURCE
#include "pledge.h"
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { WALK_FIRST = 200, WALK_LAST = 50 };    /* walked one by one in a sample */

/* Every live block sits behind a header in a list, so what a run leaves
 * can be counted (and freed, so one failure does not hide the next); the
 * payload keeps malloc's 16-byte alignment. */
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

static void unlink_block(Counting *c, Block *b)
{
    b->prev->next = b->next;
    b->next->prev = b->prev;
    c->nlive--;
}

static void link_block(Counting *c, Block *b)
{
    b->next = c->live.next;
    b->prev = &c->live;
    c->live.next->prev = b;
    c->live.next = b;
    c->nlive++;
}

static void *counting_alloc_locked(void *ud, void *ptr, size_t size)
{
    Counting *c = ud;
    Block *old = ptr ? (Block *)ptr - 1 : NULL;
    if (size == 0) {
        if (old) {
            unlink_block(c, old);
            free(old);
        }
        return NULL;
    }
    if (++c->calls == c->fail_at) return NULL;
    if (old) unlink_block(c, old);
    Block *b = realloc(old, sizeof *b + size);
    if (!b) {
        if (old) link_block(c, old);    /* realloc failed: the block is unchanged */
        return NULL;
    }
    b->size = size;
    link_block(c, b);
    return b + 1;
}

/* Jansson's blocks, counted: the library builds JSON trees with the C
 * library's allocator, outside the state's, so a tree a jump left behind
 * shows here even without LeakSanitizer. Jansson's allocator is the
 * process's; this program, as an embedder may, sets it. */
static size_t json_live;

static void *json_counting_malloc(size_t size)
{
    void *p = malloc(size);
    pthread_mutex_lock(&lock);
    json_live += p != NULL;
    pthread_mutex_unlock(&lock);
    return p;
}

static void json_counting_free(void *p)
{
    pthread_mutex_lock(&lock);
    json_live -= p != NULL;
    pthread_mutex_unlock(&lock);
    free(p);
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

/* ---- what is left: descriptors, mappings of files, temporary files -------- */

static size_t count_entries(const char *dir, const char *containing)
{
    DIR *d = opendir(dir);
    if (!d) { perror(dir); exit(99); }
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && (!containing || strstr(e->d_name, containing))) n++;
    closedir(d);
    return n;
}

/* Mappings with an inode: files (the libraries, and any feed mapped). */
static size_t count_file_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) { perror("/proc/self/maps"); exit(99); }
    size_t n = 0;
    char line[4096];
    unsigned long inode;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%*s %*s %*s %*s %lu", &inode) == 1 && inode != 0) n++;
    fclose(f);
    return n;
}

typedef struct Left { size_t blocks, json, fds, maps, temporaries; } Left;

static Left left_now(const Counting *c, const char *dir)
{
    /* this directory's own descriptor is counted while it is read: the
     * same in every count */
    pthread_mutex_lock(&lock);
    size_t json = json_live;
    pthread_mutex_unlock(&lock);
    return (Left){ c->nlive, json, count_entries("/proc/self/fd", NULL), count_file_maps(), count_entries(dir, ".tmp.") };
}

/* ---- the scenarios ---------------------------------------------------------- */

typedef struct Walk {
    const char *rules, *rules_new, *feed_name, *feed_path, *feed_path_b, *hier_name, *hier_path, *as_of;
    const char *feed_csv;       /* the feed's bytes, when pushed from memory */
    size_t      feed_len;
    char        dir[PATH_MAX];  /* the walk's own */
    char        manifest_a[PATH_MAX], manifest_b[PATH_MAX], archive[PATH_MAX];  /* recorded before */
    char        manifest[PATH_MAX], archive_new[PATH_MAX];                     /* recorded by each run */
} Walk;

/* A call writing to a stream in memory; *total grows by the bytes written. */
typedef pledge_status (*Writer)(const void *what, pledge_format f, FILE *out);

static pledge_status write_to_memory(Writer w, const void *what, pledge_format f, size_t *total)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) { perror("open_memstream"); exit(99); }
    pledge_status st = w(what, f, out);
    fclose(out);
    free(buf);
    *total += len;
    return st;
}

static pledge_status write_report(const void *rep, pledge_format f, FILE *out)
{
    return pledge_report_write(rep, f, out, NULL);
}

static pledge_status bind_all(pledge_round *R, const Walk *w, const char *feed_path)
{
    pledge_status st = w->feed_csv ? pledge_bind_csv(R, w->feed_name, feed_path, w->feed_csv, w->feed_len)
                                   : pledge_bind(R, w->feed_name, feed_path);
    return st == PLEDGE_OK ? pledge_bind(R, w->hier_name, w->hier_path) : st;
}

/* A round over feed_path assessed as of the day (*rep: its report). */
static pledge_status assessed(pledge_state *S, const Walk *w, const char *feed_path, pledge_round **R,
                              pledge_report **rep)
{
    pledge_status st = pledge_load(S, w->rules, R);
    if (st == PLEDGE_OK) st = bind_all(*R, w, feed_path);
    pledge_assess_options o = { .as_of = w->as_of, .series = true };
    return st == PLEDGE_OK ? pledge_assess(*R, &o, rep) : st;
}

static pledge_status walk_assess(pledge_state *S, const Walk *w, size_t *total)
{
    static const pledge_format formats[] = { PLEDGE_FORMAT_TEXT, PLEDGE_FORMAT_JSON, PLEDGE_FORMAT_CSV,
                                             PLEDGE_FORMAT_HTML };
    pledge_round *R = NULL;
    pledge_report *rep = NULL;
    pledge_status st = assessed(S, w, w->feed_path, &R, &rep);
    for (size_t i = 0; st == PLEDGE_OK && i < sizeof formats / sizeof *formats; i++)
        st = write_to_memory(write_report, rep, formats[i], total);
    pledge_report_free(rep);
    pledge_round_free(R);
    return st;
}

typedef struct Pair { pledge_round *old, *new_; pledge_diff_options o; } Pair;

static pledge_status write_diff(const void *what, pledge_format f, FILE *out)
{
    Pair p = *(const Pair *)what;
    p.o.format = f;
    return pledge_diff(p.old, p.new_, &p.o, out);
}

static pledge_status walk_diff(pledge_state *S, const Walk *w, size_t *total)
{
    Pair p = { NULL, NULL, { 0 } };
    pledge_status st = pledge_load(S, w->rules, &p.old);
    if (st == PLEDGE_OK) st = pledge_load(S, w->rules_new, &p.new_);
    if (st == PLEDGE_OK) st = write_to_memory(write_diff, &p, PLEDGE_FORMAT_TEXT, total);
    if (st == PLEDGE_OK) st = bind_all(p.old, w, w->feed_path);
    if (st == PLEDGE_OK) st = bind_all(p.new_, w, w->feed_path);
    p.o.with_data = true;
    p.o.as_of = w->as_of;
    if (st == PLEDGE_OK) st = write_to_memory(write_diff, &p, PLEDGE_FORMAT_TEXT, total);
    if (st == PLEDGE_OK) st = write_to_memory(write_diff, &p, PLEDGE_FORMAT_JSON, total);
    pledge_round_free(p.new_);
    pledge_round_free(p.old);
    return st;
}

typedef struct Runs { pledge_state *S; const char *a, *b, *archive; } Runs;

static pledge_status write_compare(const void *what, pledge_format f, FILE *out)
{
    const Runs *r = what;
    pledge_compare_options o = { .format = f, .archive = r->archive };
    return pledge_compare(r->S, r->a, r->b, &o, out);
}

static pledge_status write_history(const void *what, pledge_format f, FILE *out)
{
    const Runs *r = what;
    pledge_history_options o = { .format = f };
    return pledge_history(r->S, r->archive, &o, out);
}

static pledge_status walk_record(pledge_state *S, const Walk *w, size_t *total)
{
    pledge_round *R = NULL;
    pledge_report *rep = NULL;
    pledge_status st = assessed(S, w, w->feed_path, &R, &rep);
    if (st == PLEDGE_OK) st = pledge_report_record(rep, w->manifest, w->archive_new);
    pledge_report_free(rep);
    pledge_round_free(R);
    *total += 1;                /* what it wrote is checked by tests/archive.test */
    return st;
}

static pledge_status walk_runs(pledge_state *S, const Walk *w, size_t *total)
{
    static const pledge_format formats[] = { PLEDGE_FORMAT_TEXT, PLEDGE_FORMAT_JSON, PLEDGE_FORMAT_CSV };
    Runs manifests = { S, w->manifest_a, w->manifest_b, NULL }, by_id = { S, "1", "2", w->archive };
    pledge_status st = PLEDGE_OK;
    for (size_t i = 0; st == PLEDGE_OK && i < sizeof formats / sizeof *formats; i++)
        st = write_to_memory(write_compare, &manifests, formats[i], total);
    if (st == PLEDGE_OK) st = write_to_memory(write_compare, &by_id, PLEDGE_FORMAT_CSV, total);
    for (size_t i = 0; st == PLEDGE_OK && i < sizeof formats / sizeof *formats; i++)
        st = write_to_memory(write_history, &by_id, formats[i], total);
    return st;
}

typedef pledge_status (*Scenario)(pledge_state *S, const Walk *w, size_t *total);

/* ---- the walk ------------------------------------------------------------------ */

typedef struct Outcome { pledge_status st; char error[256]; size_t out_len; } Outcome;

static pledge_state *new_state(Counting *c)
{
    pledge_config cfg;
    pledge_config_init(&cfg);
    cfg.alloc = c ? counting_alloc : NULL;
    cfg.alloc_ud = c;
    cfg.threads = 2;
    return pledge_new(&cfg);
}

/* An archive and SQLite's files beside it. */
static void remove_archive(const char *path)
{
    static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
    char file[PATH_MAX + 16];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        remove(file);
    }
}

/* What a run writes, removed before it. */
static void remove_written(const Walk *w)
{
    remove(w->manifest);
    remove_archive(w->archive_new);
}

/* One whole run with the allocator failing at call fail_at (0: never). */
static Outcome run(Counting *c, long fail_at, Scenario scenario, const Walk *w)
{
    Outcome out = { 0 };
    remove_written(w);
    c->calls = 0;
    c->fail_at = fail_at;
    pledge_state *S = new_state(c);
    if (!S) {
        out.st = PLEDGE_ERR_LIMIT;
        snprintf(out.error, sizeof out.error, "out of memory (in pledge_new)");
        return out;
    }
    out.st = scenario(S, w, &out.out_len);
    snprintf(out.error, sizeof out.error, "%s", pledge_error(S));
    pledge_free(S);
    return out;
}

/* The runs scenario's two runs, recorded with the C library's allocator. */
static void record_before(Walk *w)
{
    pledge_state *S = new_state(NULL);
    const char *feeds[2] = { w->feed_path, w->feed_path_b };
    const char *manifests[2] = { w->manifest_a, w->manifest_b };
    for (int i = 0; i < 2; i++) {
        pledge_round *R = NULL;
        pledge_report *rep = NULL;
        if (!S || assessed(S, w, feeds[i], &R, &rep) != PLEDGE_OK ||
            pledge_report_record(rep, manifests[i], w->archive) != PLEDGE_OK) {
            fprintf(stderr, "oom_walk: cannot record the run over %s: %s\n", feeds[i], pledge_error(S));
            exit(99);
        }
        pledge_report_free(rep);
        pledge_round_free(R);
    }
    pledge_free(S);
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

static void usage(void)
{
    fprintf(stderr, "usage: oom_walk assess ROUND FEED=CSV HIER=CSV AS_OF memory|file [SAMPLES]\n"
                    "       oom_walk diff OLD NEW FEED=CSV HIER=CSV AS_OF [SAMPLES]\n"
                    "       oom_walk record ROUND FEED=CSV HIER=CSV AS_OF [SAMPLES]\n"
                    "       oom_walk runs ROUND FEED=A.csv,B.csv HIER=CSV AS_OF [SAMPLES]\n"
                    "       oom_walk sanitized     (exit 0 when built with AddressSanitizer)\n");
    exit(99);
}

/* The failure point after n of 1..last: every one, or a sample (step > 1)
 * of the first WALK_FIRST and the last WALK_LAST one by one, and every
 * step-th between (the one failure point past the run's total succeeds). */
static long next_point(long n, long last, long step)
{
    long tail = last - WALK_LAST + 1;
    if (n < WALK_FIRST || n >= tail) return n + 1;
    return n + step < tail ? n + step : tail;
}

/* Built with AddressSanitizer: the walk is then slow, and sampled by
 * tests/api/oom.test. */
static bool sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#endif
#endif
    return false;
}

static void in_dir(char *out, const Walk *w, const char *name)
{
    if ((size_t)snprintf(out, PATH_MAX, "%s/%s", w->dir, name) >= PATH_MAX) exit(99);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "sanitized") == 0) return sanitized() ? 0 : 1;
    if (argc < 2) usage();
    json_set_alloc_funcs(json_counting_malloc, json_counting_free);
    Walk w = { 0 };
    Scenario scenario;
    char **arg = argv + 2;
    int nargs = argc - 2, fixed;
    bool memory = false;
    if (strcmp(argv[1], "assess") == 0 && (nargs == 5 || nargs == 6)) {
        scenario = walk_assess, fixed = 5;
        w.rules = arg[0];
        memory = strcmp(arg[4], "memory") == 0;
        if (!memory && strcmp(arg[4], "file") != 0) usage();
        arg++;
    } else if (strcmp(argv[1], "diff") == 0 && (nargs == 5 || nargs == 6)) {
        scenario = walk_diff, fixed = 5;
        w.rules = arg[0], w.rules_new = arg[1];
        arg += 2;
    } else if (strcmp(argv[1], "record") == 0 && (nargs == 4 || nargs == 5)) {
        scenario = walk_record, fixed = 4;
        w.rules = arg[0];
        arg++;
    } else if (strcmp(argv[1], "runs") == 0 && (nargs == 4 || nargs == 5)) {
        scenario = walk_runs, fixed = 4;
        w.rules = arg[0];
        arg++;
    } else {
        usage();
    }
    split_binding(arg[0], &w.feed_name, &w.feed_path);
    split_binding(arg[1], &w.hier_name, &w.hier_path);
    w.as_of = arg[2];
    long samples = nargs > fixed ? atol(argv[argc - 1]) : 0;
    char *feed = memory ? read_file(w.feed_path, &w.feed_len) : NULL;
    w.feed_csv = feed;
    if (scenario == walk_runs) {
        char *comma = strchr(w.feed_path, ',');
        if (!comma) usage();
        *comma = '\0';
        w.feed_path_b = comma + 1;
    }

    const char *tmp = getenv("TMPDIR");
    snprintf(w.dir, sizeof w.dir, "%s/pledge-oom.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(w.dir)) { perror(w.dir); return 99; }
    in_dir(w.manifest_a, &w, "a.json");
    in_dir(w.manifest_b, &w, "b.json");
    in_dir(w.archive, &w, "runs.db");
    in_dir(w.manifest, &w, "run.json");
    in_dir(w.archive_new, &w, "run.db");
    if (scenario == walk_runs) record_before(&w);

    Counting c = { 0 };
    c.live.next = c.live.prev = &c.live;
    /* the run without failures first: what it leaves is the baseline (a
     * library the C library loads on first use stays) */
    Outcome whole = run(&c, 0, scenario, &w);
    long total = c.calls;
    Left before = left_now(&c, w.dir);
    unsigned passed = 0, failed = 0;
    if (whole.st != PLEDGE_OK || whole.out_len == 0 || c.nlive != 0) {
        printf("FAIL: the run without failures: status %d (%s), %zu blocks live\n", whole.st, whole.error, c.nlive);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    long step = samples > 0 && total + 1 - WALK_FIRST - WALK_LAST > samples
              ? (total + 1 - WALK_FIRST - WALK_LAST) / samples + 1 : 1;
    for (long n = 1; n <= total + 1; n = next_point(n, total + 1, step)) {
        Outcome o = run(&c, n, scenario, &w);
        /* a run may allocate more or less than the first (a feed read on
         * two threads splits its chunks as they happen to go): a point it
         * did not reach is a run without failures, which must succeed */
        bool reached = c.calls >= n;
        bool ok = !reached ? o.st == PLEDGE_OK && o.out_len == whole.out_len
                           : (o.st == PLEDGE_OK && o.out_len == whole.out_len) ||
                             (o.st == PLEDGE_ERR_LIMIT && strstr(o.error, "out of memory"));
        if (!ok) printf("FAIL: allocation %ld of %ld failing: status %d: %s\n", n, total, o.st, o.error);
        Left left = left_now(&c, w.dir);
        if (left.blocks || left.json != before.json || left.fds != before.fds || left.maps != before.maps ||
            left.temporaries != before.temporaries) {
            ok = false;
            printf("FAIL: allocation %ld of %ld failing (%s): left %zu blocks, %+ld JSON blocks, %+ld descriptors, "
                   "%+ld mappings, %+ld temporary files\n", n, total, o.error, left.blocks,
                   (long)(left.json - before.json), (long)(left.fds - before.fds), (long)(left.maps - before.maps),
                   (long)(left.temporaries - before.temporaries));
            json_live = before.json;    /* one failure does not hide the next */
            while (c.live.next != &c.live) counting_alloc(&c, c.live.next + 1, 0);
        }
        if (ok) passed++;
        else failed++;
    }
    printf("%s %s: walked %u failure points over %ld allocations (%s)\n", argv[1], w.rules, passed + failed, total,
           step == 1 ? "every one" : "sampled");
    free(feed);
    remove(w.manifest_a);
    remove(w.manifest_b);
    remove_archive(w.archive);
    remove_written(&w);
    if (rmdir(w.dir) != 0) perror(w.dir);
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
