/* assess_eval.h: the evaluation inside an assessment, shared by
 * assess.c (every system) and explain.c (one result, taken apart). Not part
 * of the runtime's interface. */
#ifndef PLEDGE_ASSESS_EVAL_H
#define PLEDGE_ASSESS_EVAL_H
#include "engine/assess.h"

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
    int32_t  *lag;              /* per commitment: reads_lag of its measure */
    int32_t  *plan_agg;         /* per commitment: the aggregate of its plan column, or -1 */
    Value     horizon;          /* the window of checks and ratings */
    uint32_t  nitems;           /* commitments, then checks (national ones included) */
    Period    first_data;       /* the earliest period of any feed, for series */
    bool      any_data;
} Shared;

enum { NATIONAL = UINT32_MAX };     /* a national check's "system" */

typedef struct AcrossMemo { uint32_t fn; Value window; Value list; } AcrossMemo;

typedef struct Eval {
    const Shared *s;
    Vm      *vm;
    uint32_t sys;               /* index into s->systems, or NATIONAL */
    uint32_t coverage;          /* the most organisations any aggregate counted */
    int8_t  *memo;              /* [system][item]: status + 1; 0 not yet; -1 being worked out */
    VEC(AcrossMemo) across;
    Arena    arena;             /* marks, series and lists of this thread */
    AssessStatus failed;
    char     why[1024];
} Eval;


/* Whether a window ending on `last` is known on as_of, given a lag. */
bool     known(Day as_of, Day last, int32_t lag);
/* The longest lag among the feeds function fn reads (memo: per function,
 * LAG_UNSEEN at first). */
enum { LAG_UNSEEN = -2, LAG_VISITING = -3 };
int32_t  reads_lag(const BcProgram *p, uint32_t fn, int32_t *memo);

void     shared_init(Shared *s, const Inputs *in, const AssessOptions *o);
void     shared_free(Shared *s);
void     eval_init(Eval *e, const Shared *s);
void     eval_free(Eval *e);
/* Function fn for system sys (an index into s->systems, or NATIONAL) over
 * window w; *coverage (may be NULL) gets the most organisations any of its
 * aggregates counted. */
Value    measure(Eval *e, uint32_t sys, int32_t fn, Value w, uint32_t *coverage, const char *what);
/* Whether member belonged to parent on the first day (or the window's
 * first day) of some month of [from, to]; and how many of a system's did. */
bool     member_during(const Hierarchy *h, uint32_t member, uint32_t parent, Day from, Day to);
uint32_t members_in(const Shared *s, uint32_t sys, Day from, Day to);
void     eval_commitment(Eval *e, uint32_t sys, uint32_t commitment, ReportResult *r);
void     eval_check(Eval *e, uint32_t sys, uint32_t check, ReportResult *r);

#endif
