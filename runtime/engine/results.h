/* results.h: the results of an assessment, the Report.
 *
 * engine/assess.c fills a Report; the writers of runtime/report/ turn it
 * into text, JSON, CSV or HTML (report/report.h). Writers only read the
 * Report, so the same Report always gives the same bytes (spec §8:
 * deterministic output).
 *
 * Values keep their units (value.h): a percent is a fraction, money is in
 * pounds. val_format(v, false, ...) gives the text people read ("94.2%"),
 * val_format(v, true, ...) the base-unit text the JSON and CSV carry
 * ("0.942"). A missing value is V_MISSING and is written as "-" in text,
 * null in JSON and an empty cell in CSV.
 *
 * Ownership: everything a Report points to lives in its arena; report_free
 * releases it at once. */
#ifndef PLEDGE_RESULTS_H
#define PLEDGE_RESULTS_H
#include "base/value.h"
#include "base/mem.h"
#include <stdio.h>

typedef enum ItemKind { ITEM_COMMITMENT, ITEM_CHECK, ITEM_NATIONAL_CHECK } ItemKind;
extern const char *const item_kind_name[3];         /* "commitment", "check", "national check" */

/* A feed or hierarchy the assessment read (spec §8 `inputs`). */
typedef struct ReportInput {
    const char *name;           /* as the rule file declares it */
    const char *kind;           /* "feed" or "hierarchy" */
    const char *path;           /* as given on the command line */
    char        sha256[65];     /* data/digest.h (a file's bytes, a table's rows), lower-case hex;
                                 * "" when not asked for (AssessOptions.hashes) or unreadable */
    uint64_t    rows;           /* read, skipped ones included */
    uint64_t    skipped_rows;   /* bad rows left out with --on-bad-row=skip (feeds only) */
    uint64_t    unmapped_rows;  /* rows of organisations in no system (feeds only) */
    uint32_t    unmapped_orgs;
} ReportInput;

/* A target or milestone: CMP THRESHOLD in WINDOW. */
typedef struct ReportMark {
    uint8_t cmp;                /* Cmp (value.h) */
    Value   threshold;
    Value   window;             /* V_PERIOD or V_RANGE */
    Day     from, to;           /* the window's first and last day */
    const char *plan;           /* an item's window from each system's plan: "plans.target_year"; else NULL */
} ReportMark;

/* One commitment or check of the round, in the order the rule file has them
 * (commitments, national ones among them, then checks, then national checks). */
typedef struct ReportItem {
    const char *id, *title;
    const char *doc;            /* its /// comment, or NULL */
    const char *source;         /* commitments: `source = "..."`, or NULL */
    const char *message;        /* checks: shown when it fails, or NULL */
    uint8_t     kind;           /* ItemKind */
    bool        national;       /* judged once for the round (a national check or commitment): one
                                 * result, with system REPORT_NATIONAL */
    uint8_t     cls;            /* commitments: 1 foundational, 2 transformation; else 0 */
    const char *measure;        /* commitments: the metric's name */
    ReportMark  target;         /* commitments */
    Value       tolerance;      /* commitments: pp, or missing */
    ReportMark *milestones;     /* from the rule file (not a system's plan) */
    size_t      nmilestones;
    bool        plan_milestones;        /* milestones = plans.col */
    bool        deadline;       /* commitments: the target's window is the day by which it must hold */
    /* commitments: what `needed` (ReportNeeded) changes, read once from the
     * measure's bytecode (engine/needed.h): shape "ratio", "sum" or "mean",
     * the aggregate changed ("sum(ae.breaches)") and, for a ratio, the one
     * held ("sum(ae.attendances)"); shape NULL: none, and needed_reason why */
    const char *needed_shape, *needed_of, *needed_held, *needed_reason;
    /* commitments judged `by` a column (issue 16): "feed.column", and its
     * groups in the order the feed declares them; NULL and 0 otherwise */
    const char  *by;
    const char **groups;
    uint32_t     ngroups;
} ReportItem;

/* One comparison of a check's condition as it was evaluated: LEFT CMP RIGHT
 * (-18000000 >= 0), each side's value as the condition read it. */
typedef struct ReportOperands { Value left; uint8_t cmp; Value right; } ReportOperands;

/* What it would take a commitment short of its line to reach it: the
 * change in the item's needed_of over the judged window (its total; for a
 * mean, the mean), the needed_held total held, that puts the value on the
 * threshold; whole where it counts things, rounded away from zero. Signed:
 * negative is fewer. change is missing when the result is met or on track,
 * not due, without a value, or the measure has no shape for it. */
typedef struct ReportNeeded {
    Value    change;
    Value    per_period;        /* change over each of the window's periods (rounded the same way);
                                 * missing for a mean and a window of one period */
    uint32_t periods;           /* months (quarters where a feed it reads is coarser) in the window */
    uint8_t  grain;             /* GRAIN_MONTH or GRAIN_QUARTER */
    Value    lever, held;       /* the window's totals it was worked from: needed_of's, needed_held's */
} ReportNeeded;

/* The measure over one window, for charts. */
typedef struct ReportPoint { Value window; Day from, to; Value value; } ReportPoint;

/* Statistical process control of a result's series, as std.spc (stdlib/std/
 * spc.pledge) works it out, for a series of at least SPC_MIN_POINTS values:
 * an XmR chart's centre line and process limits, and the variation and
 * assurance verdicts (against the target; the sides swapped where the target
 * is a ceiling). engine/spc.c; tests/assess/spc.cases checks it against
 * std.spc itself. */
enum { SPC_MIN_POINTS = 15 };
typedef struct ReportSpc {
    Value       centre, lower, upper;   /* missing: no chart (too few points) */
    const char *variation;              /* "improving", "concerning", "common cause" */
    const char *assurance;              /* "consistently meets", "consistently fails", "hit and miss" */
    uint32_t    points;                 /* the values it stands on */
    bool        lower_better;           /* the target is <= or <: its sides swapped */
} ReportSpc;

/* A variation (issue 16): a rule of the round varied for named systems by
 * a separate file a region signs off: another target, or an exemption,
 * with its reason, who agreed it and when, and until when. In force from
 * agreed_on to until, both included; outside that the round's rule holds. */
typedef struct ReportVariation {
    const char *name, *title;
    const char **systems;       /* system codes */
    size_t      nsystems;
    uint8_t     kind;           /* ITEM_COMMITMENT or ITEM_CHECK */
    uint32_t    rule;           /* index into the program's commitments or checks */
    const char *rule_name;
    const char *exempt;         /* `exempt = "why"`: the exemption's text; NULL for a target */
    ReportMark  target;         /* another target (exempt NULL) */
    const char *target_text;    /* as written: ">= 95% in 2024/25" */
    const char *reason, *agreed_by;
    Day         agreed_on, until;
    const char *file;           /* the variations file, as given */
    uint32_t    line;           /* of `variation` */
    char        sha256[65];     /* of the file's bytes */
    bool        in_force;       /* on the report's as-of day */
} ReportVariation;

enum { REPORT_NATIONAL = UINT32_MAX };

/* The result of one item for one system (or, for a national check, for the
 * round: system is REPORT_NATIONAL). */
typedef struct ReportResult {
    uint32_t system;            /* index into Report.systems */
    uint32_t item;              /* index into Report.items */
    uint8_t  status;            /* Status (value.h) */
    uint8_t  judged;            /* JUDGED_* below: what the status was decided on */
    uint8_t  by_missing;        /* the value was missing and `missing = missed` / `missing = fail` gave the status */
    uint8_t  no_plan_date;      /* no_data: the target's window comes from the system's plan, which gives none */
    int32_t  milestone;         /* JUDGED_MILESTONE: index into marks */
    Value    value;             /* the measure over the window; a check's require value */
    Value    threshold;         /* missing for checks and not_due */
    Value    gap;               /* commitments: how far the value is past the threshold, in the
                                 * measure's unit (a percent's in pp), negative when short
                                 * (result_gap); missing without a value or threshold */
    Value    window;            /* the window judged (missing for not_due) */
    uint32_t coverage;          /* member organisations with rows in the window */
    uint32_t members;           /* member organisations in the window */
    uint64_t cells_expected;    /* cells (organisation × period, per feed read) the windows needed ... */
    uint64_t cells_present;     /* ... and those known on the day (feed.h: completeness) */
    uint32_t across_missing;    /* systems with no value in the across(…) it read */
    ReportMark *marks;          /* this system's milestones: the item's, or its plan's */
    size_t      nmarks;
    ReportPoint *series;        /* the measure per month (per quarter when a feed it reads is coarser), for charts */
    size_t       nseries;
    ReportOperands *operands;   /* checks: each comparison of the condition evaluated, in order */
    size_t          noperands;
    ReportSpc    spc;           /* of the series (commitments) */
    ReportNeeded needed;        /* commitments */
    uint32_t     varied;        /* 1 + the index into Report.variations of the variation it was
                                 * judged under; 0: the round's rule */
    uint8_t      unvaried;      /* varied: the Status the round's rule gives (an exempted result
                                 * is still judged, and shown) */
    uint8_t      keyed_by_system;   /* every feed it read is keyed by the systems themselves (a plan):
                                     * coverage is of the system, not of its members */
    /* A commitment judged `by` a column: the system's result in each of the
     * item's groups (ReportItem.groups, in that order), judged as the
     * system's own is; NULL and 0 otherwise, and in a group's result. */
    struct ReportResult *groups;
    uint32_t             ngroups;
    uint32_t             group;     /* in a group's result: its index in ReportItem.groups */
} ReportResult;

enum { JUDGED_NONE, JUDGED_TARGET, JUDGED_MILESTONE, JUDGED_CHECK };

/* Whether the result stands on all the data it needs: every cell present
 * and no system skipped by an across(…). A result with no verdict needs
 * none. */
static inline bool result_complete(const ReportResult *r)
{
    return r->cells_present == r->cells_expected && r->across_missing == 0;
}

/* "commitment", "national commitment", "check", "national check" */
const char *report_item_kind(const ReportItem *it);

/* Judged once for the round (its one result has system REPORT_NATIONAL):
 * a national check, or a commitment marked national. */
static inline bool report_item_national(const ReportItem *it)
{
    return it->national || it->kind == ITEM_NATIONAL_CHECK;
}

typedef struct ReportSystem { const char *code, *name; uint32_t members; } ReportSystem;

/* The label a rating gave a system (label NULL and arm -1: no arm held). */
typedef struct ReportRating { uint32_t system; uint32_t rating; const char *label; int32_t arm; } ReportRating;
/* A rating's arm: its label and its condition as the rule file writes it
 * (NULL for `otherwise`). */
typedef struct ReportArm { const char *label, *when; } ReportArm;
typedef struct ReportRatingDecl { const char *id, *title; ReportArm *arms; size_t narms; } ReportRatingDecl;

typedef struct Report {
    Arena         arena;
    const char   *engine;       /* "pledge 0.1.0" */
    const char   *rules;        /* the rules' path as given */
    const char   *round, *round_title;      /* NULL when the file has no round */
    Day           as_of;
    ReportInput  *inputs;   size_t ninputs;
    ReportSystem *systems;  size_t nsystems;    /* in order of code */
    ReportItem   *items;    size_t nitems;
    ReportResult *results;  size_t nresults;    /* system-major, items in order; national last */
    ReportRatingDecl *rating_decls; size_t nrating_decls;
    ReportRating *ratings;  size_t nratings;    /* system-major */
    ReportVariation *variations; size_t nvariations;    /* as the files give them, in force or not */
} Report;

void report_free(Report *r);

#endif
