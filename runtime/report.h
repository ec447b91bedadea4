/* report.h: the results of an assessment, and writing them for people.
 *
 * runtime/assess.c fills a Report; one writer per format turns it into
 * text (report_text.c), JSON and CSV (report_data.c) or a self-contained
 * HTML page (report_html.c). Writers only read the Report, so the same
 * Report always gives the same bytes (spec §8: deterministic output).
 *
 * Values keep their units (value.h): a percent is a fraction, money is in
 * pounds. val_format(v, false, ...) gives the text people read ("94.2%"),
 * val_format(v, true, ...) the base-unit text the JSON and CSV carry
 * ("0.942"). A missing value is V_MISSING and is written as "-" in text,
 * null in JSON and an empty cell in CSV.
 *
 * Ownership: everything a Report points to lives in its arena; report_free
 * releases it at once. */
#ifndef PLEDGE_REPORT_H
#define PLEDGE_REPORT_H
#include "value.h"
#include "mem.h"
#include <stdio.h>

typedef enum ItemKind { ITEM_COMMITMENT, ITEM_CHECK, ITEM_NATIONAL_CHECK } ItemKind;
extern const char *const item_kind_name[3];         /* "commitment", "check", "national check" */

/* A feed or hierarchy the assessment read (spec §8 `inputs`). */
typedef struct ReportInput {
    const char *name;           /* as the rule file declares it */
    const char *kind;           /* "feed" or "hierarchy" */
    const char *path;           /* as given on the command line */
    char        sha256[65];     /* of the file's bytes, lower-case hex; "" for sqlite: sources and
                                 * when not asked for (AssessOptions.hashes) */
    uint64_t    rows;
    uint64_t    unmapped_rows;  /* rows of organisations in no system (feeds only) */
    uint32_t    unmapped_orgs;
} ReportInput;

/* A target or milestone: CMP THRESHOLD in WINDOW. */
typedef struct ReportMark {
    uint8_t cmp;                /* Cmp (value.h) */
    Value   threshold;
    Value   window;             /* V_PERIOD or V_RANGE */
    Day     from, to;           /* the window's first and last day */
} ReportMark;

/* One commitment or check of the round, in the order the rule file has them
 * (commitments, then checks, then national checks). */
typedef struct ReportItem {
    const char *id, *title;
    const char *doc;            /* its /// comment, or NULL */
    const char *source;         /* commitments: `source = "..."`, or NULL */
    const char *message;        /* checks: shown when it fails, or NULL */
    uint8_t     kind;           /* ItemKind */
    uint8_t     cls;            /* commitments: 1 foundational, 2 transformation; else 0 */
    const char *measure;        /* commitments: the metric's name */
    ReportMark  target;         /* commitments */
    Value       tolerance;      /* commitments: pp, or missing */
    ReportMark *milestones;     /* from the rule file (not a system's plan) */
    size_t      nmilestones;
    bool        plan_milestones;        /* milestones = plans.col */
} ReportItem;

/* The measure over one window, for charts. */
typedef struct ReportPoint { Value window; Day from, to; Value value; } ReportPoint;

enum { REPORT_NATIONAL = UINT32_MAX };

/* The result of one item for one system (or, for a national check, for the
 * round: system is REPORT_NATIONAL). */
typedef struct ReportResult {
    uint32_t system;            /* index into Report.systems */
    uint32_t item;              /* index into Report.items */
    uint8_t  status;            /* Status (value.h) */
    uint8_t  judged;            /* JUDGED_* below: what the status was decided on */
    int32_t  milestone;         /* JUDGED_MILESTONE: index into marks */
    Value    value;             /* the measure over the window; a check's require value */
    Value    threshold;         /* missing for checks and not_due */
    Value    window;            /* the window judged (missing for not_due) */
    uint32_t coverage;          /* member organisations with rows in the window */
    uint32_t members;           /* member organisations in the window */
    ReportMark *marks;          /* this system's milestones: the item's, or its plan's */
    size_t      nmarks;
    ReportPoint *series;        /* the measure per quarter, for charts */
    size_t       nseries;
} ReportResult;

enum { JUDGED_NONE, JUDGED_TARGET, JUDGED_MILESTONE, JUDGED_CHECK };

typedef struct ReportSystem { const char *code, *name; uint32_t members; } ReportSystem;

/* The label a rating gave a system (label NULL: no arm held). */
typedef struct ReportRating { uint32_t system; uint32_t rating; const char *label; } ReportRating;
typedef struct ReportRatingDecl { const char *id, *title; } ReportRatingDecl;

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
} Report;

void report_free(Report *r);

/* A value as people read it in a table or a chart label, rounded for
 * display: "94.2%", "0.5pp", "£1.5m", "12,345", "2019/20", "-" when
 * missing. The JSON and CSV carry the exact val_format(v, true) text
 * instead. Returns the length (buf needs 64 bytes). */
size_t report_display(Value v, char *buf, size_t cap);
/* The same, with up to four more decimals when v differs from ref (its
 * threshold) but would display alike: 94.996% is not shown as "95.0%"
 * beside a target of 95%. */
size_t report_display_vs(Value v, Value ref, char *buf, size_t cap);
/* A window's text: "2019/20", "2020/21 Q4", "2019/20 .. 2023/24". */
size_t report_window(Value w, char *buf, size_t cap);
/* The status's name as the spec writes it: "met", "on_track", ... */
const char *report_status(uint8_t status);

typedef enum ReportFormat { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV, FORMAT_HTML } ReportFormat;

typedef struct ReportStyle {
    bool color;                 /* ANSI colours (text, on a terminal with NO_COLOR unset) */
    int  width;                 /* columns available (text); 80 when unknown */
} ReportStyle;

/* Each writes the whole report to out. They return false only when out
 * fails (ferror). */
bool report_text(const Report *r, FILE *out, ReportStyle style);
bool report_json(const Report *r, FILE *out);
bool report_csv(const Report *r, FILE *out);
bool report_html(const Report *r, FILE *out);
bool report_write(const Report *r, ReportFormat f, FILE *out, ReportStyle style);

/* A JSON string (null for NULL): control characters escaped, bytes that
 * are not UTF-8 as U+FFFD. For the other commands' JSON (test, diff). */
void report_json_string(FILE *out, const char *s);

#endif
