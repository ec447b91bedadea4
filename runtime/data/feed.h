/* feed.h: the data a round reads (spec §6).
 *
 * A feed's rows are not kept. The compiler knows every aggregate the round
 * will ask for (BcProgram.aggs), so loading keeps, for each (organisation,
 * period, vintage) of the feed, one accumulator per aggregate over it: a
 * sum and a count, an extreme, or (for a median) the values. Memory grows
 * with organisations × periods, not with rows. A `where` condition is
 * evaluated by the VM once per distinct combination of the raw values of
 * the columns it reads, not once per row.
 *
 * Organisation codes are interned in an Orgs table shared by every feed and
 * hierarchy of a run, so a code is compared as a number.
 *
 * Ownership: a FeedData, a Hierarchy and an Orgs each own their memory and
 * are freed with their _free function; the Orgs must outlive the others. */
#ifndef PLEDGE_FEED_H
#define PLEDGE_FEED_H
#include "vm/bytecode.h"
#include "vm/vm.h"
#include <stdio.h>

typedef struct Hierarchy Hierarchy;

/* Where a feed's or a hierarchy's rows come from: a CSV path,
 * sqlite:PATH:TABLE, postgresql:CONNINFO:TABLE, aggregated:PATH (a feed's
 * figures already grouped: data/pushdown.h), or (bytes not NULL) CSV text in memory, which name
 * labels in messages. file, if not NULL, is the path (or sqlite:PATH:TABLE)
 * to read in name's place, which still names it in messages and reports: a
 * replay reads the paths a manifest records from the folder of the run. */
typedef struct DataSource { const char *name; const char *bytes; size_t len; const char *file; } DataSource;
#define DATA_PATH(path) ((DataSource){ (path), NULL, 0, NULL })

/* ---- limits -------------------------------------------------------------- */

/* Bounds on what a feed's or a hierarchy's file can make Pledge hold
 * (docs/security.md): rows after the header, columns, bytes in one cell,
 * distinct organisations, and periods from a feed's first to its last. A
 * file past one fails with "limit: FILE:LINE: more than N rows (raise it
 * with --max-rows)". */
typedef struct DataLimits { uint64_t rows, columns, cell, orgs, periods; } DataLimits;   /* 0: the default */
#define DATA_DEFAULT_ROWS    1000000000u
#define DATA_DEFAULT_COLUMNS 16384u
#define DATA_DEFAULT_CELL    (1u << 20)
#define DATA_DEFAULT_ORGS    1000000u
#define DATA_DEFAULT_PERIODS 100000u
/* given's limits, each 0 (or all, given NULL) made its default. */
DataLimits data_limits(const DataLimits *given);

/* ---- organisation codes ------------------------------------------------ */

typedef struct Orgs Orgs;
enum { ORG_NONE = UINT32_MAX };

Orgs       *orgs_new(void);
void        orgs_free(Orgs *o);
uint32_t    orgs_intern(Orgs *o, const char *code, size_t len);
uint32_t    orgs_find(const Orgs *o, const char *code, size_t len);     /* ORG_NONE if absent */
const char *orgs_code(const Orgs *o, uint32_t id);
uint32_t    orgs_count(const Orgs *o);

/* ---- feeds --------------------------------------------------------------- */

typedef struct FeedOptions {
    bool  skip_bad_rows;    /* --on-bad-row=skip: count and report, do not stop */
    FILE *report;           /* where skipped rows are reported, or NULL */
    /* Called now and then while a CSV file loads (a progress bar), with
     * about how many of its bytes are read; NULL for none. */
    void (*progress)(void *ud, const char *source, uint64_t done, uint64_t total);
    void *progress_ud;
    DataLimits limits;      /* 0s: the defaults */
    /* Cores a large CSV file may be read on: 1 reads it in one go on the
     * caller's thread (`--threads 1`); 0 or more, in two halves. */
    unsigned threads;
    /* With windows_only, the rows of a period that lies wholly outside the
     * days [keep_from, keep_to] (every window the run can read: the engine
     * works them out) are counted, not aggregated: their slice holds each
     * organisation's row count (what reports of rows, unmapped
     * organisations and completeness read), not the aggregates' figures,
     * nor are where conditions run on them. PLEDGE_KEEP_ALL_PERIODS=1 in
     * the environment turns it off (tests compare the two). */
    bool  windows_only;
    Day   keep_from, keep_to;
} FeedOptions;

typedef struct FeedStats {
    uint64_t rows;          /* read, not counting the header */
    uint64_t skipped;       /* bad rows skipped (only with skip_bad_rows) */
    uint64_t outside;       /* rows counted but not aggregated: outside every window (windows_only) */
    uint32_t orgs;          /* distinct organisations */
    uint32_t periods;       /* distinct periods */
    uint32_t vintages;      /* distinct vintages (0 without a vintage column) */
    Period   first, last;   /* the earliest and latest period */
    /* A database feed or an aggregated:PATH one: how it was read, "pushed
     * down: 6336 groups" or why its rows were read instead; else "". */
    char     read[200];
    bool     pieces_joined; /* the rows were read in pieces on two cores, then joined */
} FeedStats;

typedef struct FeedData FeedData;

/* Loads feed `feed` of p from `source`.
 * vm runs the where-filters (it must belong to p). On failure returns NULL
 * and why names the file, the line, the column and the text found. */
FeedData *feed_load(const BcProgram *p, uint16_t feed, DataSource source, Orgs *orgs, Vm *vm,
                    const FeedOptions *opt, char *why, size_t whycap);
void      feed_free(FeedData *f);
const FeedStats *feed_stats(const FeedData *f);

/* Whether a period is known on day as_of by time alone: once it has ended
 * and the feed's lag has passed (a feed with vintages and no lag: once it
 * has ended; the engine then also waits for every row to be published). */
bool feed_period_known(const FeedData *f, Period p, Day as_of);

/* Aggregate `agg` (an index into p->aggs, over this feed) of the rows of the
 * given organisations in the feed's periods that lie within [from, to],
 * as known on as_of: for a feed with vintages, each (organisation, period)
 * counts its latest vintage on or before as_of. *coverage gets how many of
 * the organisations had a row counted. Missing when no value was. */
Value feed_aggregate(const FeedData *f, uint32_t agg, const uint32_t *orgs, size_t norgs,
                     Day from, Day to, Day as_of, uint32_t *coverage);

/* The same for the members of system `parent` in hierarchy h, each period
 * counted only for the members the system had on its first day: a provider
 * that moves counts in its old system before the move and its new one after,
 * for sums, means and medians alike. */
Value feed_aggregate_system(const FeedData *f, uint32_t agg, const Hierarchy *h, uint32_t parent,
                            Day from, Day to, Day as_of, uint32_t *coverage);

/* The same for each of the feed's periods lo .. hi (indices) alone, in one
 * pass: out[p - lo] and coverage[p - lo] as a window of period p alone
 * would give (a report's series asks every month). */
void feed_aggregate_periods(const FeedData *f, uint32_t agg, const uint32_t *orgs, size_t norgs, int32_t lo,
                            int32_t hi, Day as_of, Value *out, uint32_t *coverage);
void feed_aggregate_system_periods(const FeedData *f, uint32_t agg, const Hierarchy *h, uint32_t parent,
                                   int32_t lo, int32_t hi, Day as_of, Value *out, uint32_t *coverage);
/* Makes room to add up, once, the whole-number aggregates' cells of each
 * system of h (the hierarchy the feed is routed through) period by period,
 * so the queries above for one of its systems (and feed_periods_cells)
 * read the system's totals rather than walk its members: the same results.
 * They are added up for every system at once, in one pass over the feed,
 * when one is first asked for, by the threads that ask meanwhile (queries
 * may run on several at once: each takes a part of the periods). Kept for
 * a feed without vintages or `key` (a period is then one slice) while the
 * totals are no bigger than the feed's own cells; otherwise, or for
 * another hierarchy, the queries walk the members. Again: made anew. */
void feed_index_systems(FeedData *f, const Hierarchy *h);
/* Whether feed_index_systems kept totals (tests). */
bool feed_has_totals(const FeedData *f);
/* Slices (periods × vintages × identities) holding aggregates' figures,
 * and those holding row counts only (outside every window). */
void feed_slice_counts(const FeedData *f, uint32_t *figures, uint32_t *counts_only);
/* The periods the feed holds, first and last (indices); false if none. */
bool feed_periods(const FeedData *f, int32_t *lo, int32_t *hi);

/* ---- completeness ------------------------------------------------------------ */

/* A cell (a return) is one organisation's rows for one period of the
 * feed. A window needs the cells of the organisations that report to the
 * feed (have rows in it at all, whatever their vintage: like a hierarchy,
 * who reports is read from the whole file) for each of its periods that is
 * due: one whose lag has passed, or, for a feed with vintages, that anyone
 * has published by the day. A cell is present when its rows are known
 * that day. */
typedef struct FeedCells { uint64_t expected, present; } FeedCells;

/* The periods of the feed's grain wholly within [from, to], as indices
 * [*lo, *hi], known or not; false if there are none. */
bool feed_window_span(const FeedData *f, Day from, Day to, int32_t *lo, int32_t *hi);
/* Whether the organisation has any row in the feed. */
bool feed_has_org(const FeedData *f, uint32_t org);
/* Adds to *c the cells of period index p that the given organisations need
 * (with h, only those linked to parent on the period's first day), as of
 * as_of; missing (may be NULL) is called for each one absent. */
void feed_period_cells(const FeedData *f, int32_t p, const uint32_t *orgs, size_t norgs, const Hierarchy *h,
                       uint32_t parent, Day as_of, FeedCells *c,
                       void (*missing)(void *ud, uint32_t org, Period p), void *ud);
/* The same for each period lo .. hi: into c[p - lo], the members found once. */
void feed_periods_cells(const FeedData *f, int32_t lo, int32_t hi, const uint32_t *orgs, size_t norgs,
                        const Hierarchy *h, uint32_t parent, Day as_of, FeedCells *c,
                        void (*missing)(void *ud, uint32_t org, Period p), void *ud);

/* Every (organisation, period) of the feed, for reports: calls fn for each
 * stored key with the number of rows it held. */
void feed_each_key(const FeedData *f, void (*fn)(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows),
                   void *ud);
/* The same for one organisation's keys, in order of period. */
void feed_each_key_of(const FeedData *f, uint32_t org,
                      void (*fn)(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows), void *ud);

/* The rows that a later publication on or before as_of replaced (a feed
 * with vintages): calls fn for each (organisation, period, identity,
 * vintage) replaced, with the vintage that replaced it and its rows.
 * identity is the `key` columns and their cells, `type = 1, site = A`, or NULL without
 * `key` (then the later publication replaced the whole organisation and
 * period). */
void feed_each_superseded(const FeedData *f, Day as_of,
                          void (*fn)(void *ud, uint32_t org, Period p, const char *identity, Day vintage, Day by,
                                     uint32_t rows),
                          void *ud);

/* ---- hierarchies ------------------------------------------------------- */

/* Loads a hierarchy. A member's links may not overlap in time, and a link's
 * `from` may not be after its `to`: either is an error naming both lines. */
Hierarchy *hier_load(const BcProgram *p, uint16_t hier, DataSource source, Orgs *orgs, const DataLimits *limits,
                     char *why, size_t whycap);     /* limits NULL: the defaults */
void       hier_free(Hierarchy *h);

/* The parent of `member` on day d: ORG_NONE if it has none then. An
 * organisation that is itself a parent belongs to itself (a plan feed keyed
 * by system). */
uint32_t    hier_parent(const Hierarchy *h, uint32_t member, Day d);
/* As hier_parent, and the days [*from, *to] around d over which that answer
 * holds: a query over many periods asks once per member, not per period. */
uint32_t    hier_parent_span(const Hierarchy *h, uint32_t member, Day d, Day *from, Day *to);
/* The parents (the systems), in order of their codes. */
uint32_t    hier_parent_count(const Hierarchy *h);
uint32_t    hier_parent_at(const Hierarchy *h, uint32_t i);
const char *hier_parent_name(const Hierarchy *h, uint32_t parent);  /* display name, or NULL */
/* The members ever linked to `parent`, whatever the dates. */
size_t      hier_members(const Hierarchy *h, uint32_t parent, const uint32_t **members);
uint32_t    hier_link_count(const Hierarchy *h);

#endif
