/* assess.h: evaluating a round for every system as of a date (spec §5).
 *
 * Inputs are the feeds and hierarchies bound on the command line, loaded
 * once; assess_run evaluates every commitment, check and rating for each
 * system of the round's `assess` hierarchy into a Report (report.h), the
 * systems shared among threads (each with its own Vm) and the results put
 * in place by index, so the report is the same byte for byte whatever the
 * number of threads. assess_explain says why one result came out as it did.
 *
 * Ownership: an Inputs owns its feeds, hierarchies and organisation table;
 * the BcProgram it was loaded for must outlive it. */
#ifndef PLEDGE_ASSESS_H
#define PLEDGE_ASSESS_H
#include "data/feed.h"
#include "engine/results.h"

/* NAME=SOURCE: a feed or a hierarchy of the program, and its rows. */
typedef struct Binding { const char *name; size_t namelen; DataSource source; } Binding;

typedef struct InputHashes InputHashes;

typedef struct Inputs {
    const BcProgram *p;
    Orgs        *orgs;
    FeedData   **feeds;         /* per feed of p; NULL where none was bound */
    Hierarchy  **hiers;         /* per hierarchy of p */
    DataSource  *feed_sources, *hier_sources;   /* .name NULL where none was bound */
    const Hierarchy *assess;    /* the round's `assess` hierarchy, or NULL */
    InputHashes *hashes;        /* the files' SHA-256 taken while they load, or NULL */
} Inputs;

typedef enum AssessStatus {
    ASSESS_OK,
    ASSESS_USAGE,       /* an unknown or missing binding, an unknown system: exit 2 */
    ASSESS_BAD_INPUT,   /* a feed or hierarchy that does not load, a refused native: exit 3 */
    ASSESS_LIMIT        /* a runtime limit: exit 4 */
} AssessStatus;

/* Loads every binding, hierarchies first. With require_all, every feed and
 * hierarchy the program declares must be bound. vm runs where-filters;
 * rules (the rule file's path) is for messages. With hashes, the SHA-256
 * of each input file (AssessOptions.hashes) is taken on a thread of its
 * own while they load and the systems are evaluated, unless fo->threads is
 * 1: the report then hashes them in place. */
AssessStatus inputs_load(Inputs *in, const BcProgram *p, const char *rules, const Binding *b, size_t n,
                         bool require_all, bool hashes, const FeedOptions *fo, Vm *vm, char *why, size_t whycap);
void inputs_free(Inputs *in);
/* Starts taking the files' SHA-256 on a thread (as inputs_load with
 * hashes), for inputs loaded without: it then overlaps the evaluation
 * only. Nothing if already started, or with threads 1. */
void inputs_hash_start(Inputs *in, unsigned threads);

/* The hierarchy that maps feed k's organisations to the systems: its own
 * (`hierarchy =`), or the round's `assess`; NULL if that is not bound. */
const Hierarchy *inputs_feed_hier(const Inputs *in, uint16_t feed);
/* Whether org is a system of the round (a parent of `assess`). */
bool inputs_is_system(const Inputs *in, uint32_t org);

/* The organisations of feed k with rows that map to no system (through the
 * feed's hierarchy, on the first day of the row's period), in order of
 * code, with their rows; *n of them (mem_free the array), *rows in all. */
typedef struct UnmappedOrg { uint32_t org; uint32_t rows; } UnmappedOrg;
UnmappedOrg *inputs_unmapped(const Inputs *in, uint16_t feed, uint64_t *rows, uint32_t *n);

/* What the evaluations reached, for `pledge test --coverage`: each
 * commitment (and whether judged on its target, or on which of the rule
 * file's milestones), check, and rating arm chosen. */
typedef struct Coverage {
    uint8_t  *commitments, *targets, *checks;
    uint8_t **milestones;       /* [commitment][milestone] */
    uint8_t **arms;             /* [rating][arm] */
} Coverage;

Coverage *coverage_new(const BcProgram *p);
void      coverage_free(Coverage *c, const BcProgram *p);

typedef struct AssessOptions {
    Day as_of;
    const char *const *systems;     /* --system codes; none: every system */
    size_t   nsystems;
    VmLimits limits;
    const char *const *allowed;     /* --allow-native libraries */
    size_t   nallowed;
    unsigned threads;               /* 0: as many as the machine has cores, at most 8 */
    bool     series;                /* compute each commitment's quarterly series (charts) */
    bool     hashes;                /* the SHA-256 of every input file (JSON and HTML show them) */
    const char *rules;              /* the rules' path, for the report */
    const char *engine;             /* "pledge VERSION" */
    Coverage *coverage;             /* marked as items are reached (one thread only), or NULL */
    const ReportVariation *variations;  /* checked against the round (api/variations.c); those in
                                         * force on as_of apply */
    size_t   nvariations;
} AssessOptions;

/* Whether every system the variations name is a system of the round's
 * `assess` hierarchy (ASSESS_BAD_INPUT, naming the file and line, if not). */
AssessStatus assess_check_variations(const Inputs *in, const AssessOptions *o, char *why, size_t whycap);

/* Evaluates the round. On failure why says what (a limit names the item,
 * the system, the function and the line). */
AssessStatus assess_run(const Inputs *in, const AssessOptions *o, Report *out, char *why, size_t whycap);

/* Evaluates fn, an expression of no parameters (a test's expectation), as
 * of o->as_of with no system of its own: it names systems itself
 * (ae_standard("E54000001")). *out is the value if it is a bool or a
 * status; shown gets its text either way. */
AssessStatus assess_value(const Inputs *in, const AssessOptions *o, uint32_t fn, Value *out, char *shown,
                          size_t shown_cap, char *why, size_t whycap);

/* Writes to out, for an auditor, why item `item` came out as it did for
 * system `system` (spec §8 explain). */
AssessStatus assess_explain(const Inputs *in, const AssessOptions *o, const char *system, const char *item,
                            FILE *out, char *why, size_t whycap);

#endif
