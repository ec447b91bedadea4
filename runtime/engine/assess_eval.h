/* assess_eval.h: the evaluation inside an assessment, shared by
 * assess.c (every system) and explain.c (one result, taken apart). Not part
 * of the runtime's interface. */
#ifndef PLEDGE_ASSESS_EVAL_H
#define PLEDGE_ASSESS_EVAL_H
#include "engine/assess.h"
#include "engine/needed.h"

/* What every thread reads; set up once by shared_init, read-only after. */
typedef struct Shared {
    const Inputs *in;
    const AssessOptions *o;
    const BcProgram *p;
    const Hierarchy *h;
    uint32_t *systems;          /* every system of the round (org ids), by code */
    uint32_t  nsystems;
    uint32_t *all_orgs;         /* national checks aggregate over every organisation */
    uint32_t  norgs;
    int32_t  *lag;              /* per commitment: the longest lag of the feeds its measure reads */
    bool     *awaits;           /* per commitment: its measure reads a feed with vintage and no lag */
    bool     *by_system;        /* per feed: keyed by the systems themselves (a plan feed) */
    int32_t  *plan_agg;         /* per commitment: the aggregate of its plan column, or -1 */
    uint8_t  *series_grain;     /* per commitment: its chart's points, months unless a feed it reads is coarser */
    NeededForm *needed;         /* per commitment: its measure's shape, for `needed` */
    Value     horizon;          /* the window of checks and ratings */
    uint32_t  nitems;           /* commitments, then checks (national ones included) */
    Period    first_data;       /* the earliest period of any feed, for series */
    bool      any_data;
} Shared;

enum { NATIONAL = UINT32_MAX };     /* a national check's "system" */

typedef struct AcrossMemo { uint32_t fn; Value window; Value list; uint32_t missing; } AcrossMemo;

/* What the aggregates of one evaluation saw: how many organisations, and
 * how complete its windows were (spec §5 completeness). */
typedef struct Tally {
    uint32_t coverage;          /* the most organisations any aggregate counted */
    uint64_t expected, present; /* cells its windows needed, and those known */
    uint64_t awaited;           /* of the absent, those of feeds with vintage and no lag */
    uint32_t across_missing;    /* systems with no value in the across(…) it read */
    bool     org_keyed, system_keyed;   /* it read a feed keyed by organisations; by the systems themselves */
    uint64_t routed;            /* the hierarchies its org-keyed feeds went through (tally_bit) */
} Tally;

/* A hierarchy's bit in Tally.routed: hierarchy k has bit k (those from 62
 * up share bit 62); -1, the round's `assess`, has the top bit. */
static inline uint64_t tally_bit(int32_t hier)
{
    return hier < 0 ? UINT64_C(1) << 63 : UINT64_C(1) << (hier < 62 ? hier : 62);
}

/* The periods of a feed already counted in this evaluation, so a measure
 * that reads a feed twice (breaches and attendances) counts its cells once. */
typedef struct CellSpan { uint16_t feed; int32_t lo, hi; } CellSpan;
/* The returns of one period of a feed for the system cells_sys, counted
 * once: the commitments of a round read overlapping windows. A slot is in
 * use when its gen is the Eval's cells_gen. */
typedef struct CellSlot { uint32_t gen; uint16_t feed; int32_t period; FeedCells cells; } CellSlot;
typedef struct AcrossUse { uint32_t memo; } AcrossUse;
/* An aggregate's value for each period alone, for system sys: worked out in
 * one pass once it is asked for consecutive periods one at a time (a
 * report's series), rather than a query a period. */
typedef struct PeriodMemo { uint32_t sys; int32_t last, lo, hi; Value *vals; uint32_t *cov; } PeriodMemo;

/* Called for each cell absent from an evaluation (explain lists them). */
typedef void (*MissingCellFn)(void *ud, uint16_t feed, uint32_t org, Period p);

typedef struct Eval {
    const Shared *s;
    Vm      *vm;
    uint32_t sys;               /* index into s->systems, or NATIONAL */
    Tally    tally;             /* of the evaluation under way */
    VEC(CellSpan) spans;        /* cells counted; the evaluation under way's from span_base */
    VEC(AcrossUse) uses;        /* across(…) lists read; the evaluation under way's from use_base */
    size_t   span_base, use_base;
    CellSlot *cell_slots;       /* open addressing, a power of two of them */
    size_t   ncell_slots, ncells;
    uint32_t cells_gen, cells_sys;
    PeriodMemo *period_memo;    /* per aggregate */
    MissingCellFn on_missing;   /* or NULL */
    void    *missing_ud;
    int8_t  *memo;              /* [system][item]: status + 1; 0 not yet; -1 being worked out */
    VEC(AcrossMemo) across;
    VEC(ReportOperands) operands;   /* the check under way's comparisons */
    Arena    arena;             /* marks, series and lists of this thread */
    AssessStatus failed;
    char     why[1024];
} Eval;


/* Whether a window ending on `last` is known on as_of, given a lag. */
bool     known(Day as_of, Day last, int32_t lag);

void     shared_init(Shared *s, const Inputs *in, const AssessOptions *o);
void     shared_free(Shared *s);
void     eval_init(Eval *e, const Shared *s);
void     eval_free(Eval *e);
/* Function fn for system sys (an index into s->systems, or NATIONAL) over
 * window w; *tally (may be NULL) gets what its aggregates saw. */
Value    measure(Eval *e, uint32_t sys, int32_t fn, Value w, Tally *tally, const char *what);
/* Whether member belonged to parent on the first day (or the window's
 * first day) of some month of [from, to]; and how many of a system's did,
 * in the hierarchies the feeds of tally t went through (t NULL: `assess`). */
bool     member_during(const Hierarchy *h, uint32_t member, uint32_t parent, Day from, Day to);
uint32_t members_in(const Shared *s, uint32_t sys, Day from, Day to, const Tally *t);
void     eval_commitment(Eval *e, uint32_t sys, uint32_t commitment, ReportResult *r);
/* `in plans.target_year`: the window the plan of system e->sys gives, or missing */
Value    eval_plan_window(Eval *e, const BcThreshold *t);
/* The days a deadline commitment's measure is read over, target its
 * target: a date's up to the as-of day (a late one is seen), a yes/no's up
 * to the deadline. */
Value    eval_deadline_window(const Shared *s, const ReportMark *target);
void     eval_check(Eval *e, uint32_t sys, uint32_t check, ReportResult *r);
/* Aggregate agg over [from, to], whose rows the engine's one choice says:
 * for sys NATIONAL every organisation the feeds hold (a ratio of sums is the
 * country's, not a mean of the systems'); for a system its members through
 * the feed's hierarchy (a feed keyed by systems: its own rows); with member
 * not ORG_NONE, that organisation alone (explain's table). Missing when the
 * aggregate's feed was not given. */
Value    engine_aggregate(const Shared *s, uint32_t sys, uint32_t member, uint32_t agg, Day from, Day to,
                          uint32_t *cov);

#endif
