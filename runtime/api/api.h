/* api.h: what the files of runtime/api share behind include/pledge.h.
 *
 * The API is the top layer: it may use every layer below, and nothing but
 * the command and embedders use it. Each public function enters its state
 * (API_ENTER: the state's allocator in force, out of memory caught) and
 * leaves through API_RETURN; the work is done in a static function, so no
 * local changed after setjmp is read after a longjmp. */
#ifndef PLEDGE_API_INTERNAL_H
#define PLEDGE_API_INTERNAL_H
#include "pledge.h"
#include "base/mem.h"
#include "lang/front.h"
#include "vm/vm.h"
#include "engine/assess.h"
#include "report/report.h"
#include "report/manifest.h"
#include <setjmp.h>

/* Every object a state hands out starts with this, so pledge_free can free
 * what the embedder left. */
typedef struct ApiObject ApiObject;
struct ApiObject {
    ApiObject *prev, *next;
    void (*destroy)(ApiObject *o);
};

struct pledge_state {
    pledge_config cfg;
    MemContext    mem;
    MemLedger     ledger;       /* every block and hold of the state's calls (mem.ledger) */
    VmLimits      limits;
    DataLimits    data_limits;  /* cfg's (0: the data layer's default) */
    const char  **allowed;      /* cfg.allow_native, copied */
    ApiObject     objects;      /* the live rounds, reports, rows, outputs: a ring */
    bool          broken;       /* ran out of memory: only pledge_free is safe, and
                                 * gives back everything through the ledger */
    char          error[2048];
};

typedef VEC(char) ApiChars;

/* The variations read from variations files (variations.c), checked
 * against one program. */
typedef struct ApiVariations {
    VEC(ReportVariation) list;
    Arena arena;                /* their texts */
} ApiVariations;

struct pledge_round {
    ApiObject     obj;
    pledge_state *S;
    char         *path;         /* as given (or the name given with the text) */
    bool          bytecode;     /* loaded from a .plb */
    bool          from_memory;  /* from text or bytes, not a file: it cannot be recorded */
    BcProgram     bc;
    VEC(Binding)  bindings;     /* names and sources owned (mem_strndup), bytes too */
    Inputs        in;
    bool          loaded;       /* in holds the bound inputs */
    bool          windows_only; /* ... but of the rows outside every window, counts only */
    Inputs        earlier;      /* a windows_only load that a later call needed whole: kept while
                                 * the round lives, as a report made from it may point into it */
    ApiVariations vary;         /* from variations files (pledge_vary), checked against bc */
};

struct pledge_report {
    ApiObject     obj;
    pledge_state *S;
    pledge_round *R;
    Report        r;
    Day           as_of;
    char          as_of_text[16];
    const char  **systems;  size_t nsystems;    /* as asked, in r's arena */
    ResultRow    *rows;     size_t nrows;       /* the CSV report's rows */
    Manifest     *manifest;                     /* built by the first record (every input hashed),
                                                 * kept for the next: NULL until then */
};

struct pledge_rows {
    ApiObject     obj;
    pledge_state *S;
    size_t        ncolumns;
    ApiChars      csv;          /* the rows as CSV text, quoted so they read back as given */
};

/* ---- entering and leaving a call ---------------------------------------- */

typedef struct ApiCall { MemContext *prev; jmp_buf *prev_jump; } ApiCall;

void          api_enter(pledge_state *S, jmp_buf *jump, ApiCall *call);
pledge_status api_leave(pledge_state *S, const ApiCall *call, pledge_status st);
pledge_status api_out_of_memory(pledge_state *S, const ApiCall *call);

#define API_ENTER(S) \
    jmp_buf api_jump_; \
    ApiCall api_call_; \
    if ((S)->broken) return api_broken(S); \
    api_enter((S), &api_jump_, &api_call_); \
    if (setjmp(api_jump_)) return api_out_of_memory((S), &api_call_)
#define API_RETURN(S, expr) return api_leave((S), &api_call_, (expr))
/* For a function that returns no status: out of memory makes it return r. */
#define API_ENTER_OR(S, r) \
    jmp_buf api_jump_; \
    ApiCall api_call_; \
    if ((S)->broken) return r; \
    api_enter((S), &api_jump_, &api_call_); \
    if (setjmp(api_jump_)) return api_out_of_memory((S), &api_call_), r
#define API_LEAVE(S) api_leave((S), &api_call_, PLEDGE_OK)

pledge_status api_broken(pledge_state *S);

/* Sets pledge_error's text and returns st. */
pledge_status api_fail(pledge_state *S, pledge_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
pledge_status api_status(AssessStatus st);

/* Links o into S's objects; unlinks it. */
void api_track(pledge_state *S, ApiObject *o, void (*destroy)(ApiObject *o));
void api_untrack(ApiObject *o);
/* Unlinks and destroys o (pledge_round_free and the like); nothing on a
 * broken state, whose objects a jump may have left half made: pledge_free
 * gives their blocks and holds back through the ledger. */
void api_free(pledge_state *S, ApiObject *o);

/* A warning about no file in particular, to the config's callback (the
 * call goes on). */
void api_warn(pledge_state *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands each diagnostic to the config's callback; with errors, sets the
 * error to how many there were. */
void api_diagnostics(pledge_state *S, const Diags *d);

/* A rule file (checked and compiled) or a .plb (verified) into bc. */
pledge_status api_load_program(pledge_state *S, const char *path, BcProgram *bc, bool *bytecode);

/* A VM for R's program with the state's limits and allowed libraries. */
Vm *api_vm(pledge_round *R);
/* The engine's options for an assessment of R. */
pledge_status api_assess_options(pledge_round *R, const pledge_assess_options *o, AssessOptions *ao);
/* Loads R's inputs (once); with hashes (or the config's hash_inputs),
 * their SHA-256 are taken meanwhile, for the report (inputs_load). */
pledge_status api_load_inputs(pledge_round *R, bool require_all, bool hashes);
/* The same, with windows_only for a run that needs only the periods its
 * windows read (feed.h FeedOptions.windows_only); a later call that needs
 * every period loads them again. */
pledge_status api_load_inputs_for(pledge_round *R, bool require_all, bool windows_only, bool hashes);
/* A target or milestone of a compiled round as people read it, ">= 95.0%
 * in 2023/24", a deadline's "== true by 2019-09-27" or "<= 2019-09-27"
 * (report_window_word) (pledge_diff and pledge_doc); returns its window's
 * last day (0 if it has none). vm runs the threshold's constant functions. */
Day api_threshold_text(Vm *vm, const BcProgram *p, const BcThreshold *t, bool deadline, char *buf, size_t cap);
/* A small file of text read whole (an inputs or variations file): a
 * regular file of at most max bytes, else an error naming name; what says
 * what such a file is, for one too large. *text is the caller's to free. */
pledge_status api_read_small_file(pledge_state *S, const char *path, const char *name, size_t max, const char *what,
                                  char **text, size_t *len);
/* Reads the variations file at path (named `name` in messages and in the
 * report: the path as given, or as a manifest records it) and checks it
 * against bc and those vs holds already; on failure, vs is as it was. */
pledge_status api_vary(pledge_state *S, const BcProgram *bc, ApiVariations *vs, const char *path, const char *name);
void api_variations_free(ApiVariations *vs);

/* Today's date where the machine is: the default as-of. */
Day api_today(void);
/* A YYYY-MM-DD text, or NULL for today. */
pledge_status api_parse_day(pledge_state *S, const char *text, Day *out);

/* ---- recorded runs (provenance.c) ------------------------------------------ */

extern const char api_engine_name[];    /* "pledge VERSION" */
/* Where a run read a recorded path: in its folder dir, unless absolute. */
const char *api_run_path(Arena *a, const char *dir, const char *path);
/* The rules at file (a .plb, verified, or a source, compiled as `name`). */
pledge_status api_load_recorded_rules(pledge_state *S, const char *file, const char *name, BcProgram *bc,
                                      char *why, size_t cap);
/* The native libraries m records that the user allows now too (a new array
 * of *n; mem_free it). */
const char **api_natives_allowed_now(const pledge_state *S, const Manifest *m, size_t *n);
/* r's rows as a manifest holds them (text made UTF-8). */
size_t api_rows_as_recorded(const Report *r, Arena *a, ResultRow **out);

/* A CSV cell, quoted when it holds a comma, a quote or a line end, then
 * end (history.c). */
void api_csv_cell(FILE *out, const char *s, char end);

/* ---- why results differ between two recorded runs (compare.c) ---------------- */

/* A recorded run: its manifest, and the folder its paths are read from. */
typedef struct RecordedRun { const Manifest *m; const char *dir; const char *label; } RecordedRun;

/* What was switched from run A's to run B's, in the fixed order of
 * docs/decisions.md: the as-of date, each feed, each hierarchy, the rules. */
typedef enum CauseKind { CAUSE_AS_OF, CAUSE_DATA, CAUSE_HIERARCHY, CAUSE_RULES } CauseKind;
extern const char *const api_cause_names[];    /* "as_of", "data", "hierarchy", "rules" */
/* What the as-of date alone did to a result (compare.c, as_of_how). */
typedef enum AsOfHow { AS_OF_LAG, AS_OF_WINDOW, AS_OF_TIME } AsOfHow;
extern const char *const api_as_of_hows[];     /* "lag_passing", "window_ending", "time_passing" */

typedef struct CmpFactor {
    CauseKind   cause;
    const char *input;          /* a feed's or hierarchy's name; NULL for as_of and rules */
    const char *from, *to;      /* A's and B's: day, path */
    /* a feed: its (organisation, period) cells, as visible on B's day,
     * that B's file adds, drops, or holds with other figures */
    uint64_t    cells_new, cells_dropped, cells_revised;
} CmpFactor;

typedef struct CmpRow {
    const char *system, *item, *kind;   /* system NULL: a national check or commitment */
    const char *status_a, *value_a, *status_b, *value_b;
    bool       *moves;          /* per factor: switching it moves the status or value in some combination */
    double     *share;          /* per factor: its share of the change in value (has_shares) */
    bool        has_shares;     /* the value is a number in every combination */
    int         flipped_by;     /* the factor after which, in the fixed order, the status is B's; -1 */
    const char *as_of_how;      /* when the date is a cause: api_as_of_hows[...] */
    uint8_t    *data_how;       /* per feed factor: CELL_* of the cells the result reads that changed */
    bool        has_window;     /* the windows A and B judged, joined */
    Day         window_from, window_to;
} CmpRow;

/* How a feed's cell changed from A's file to B's. */
enum { CELL_REVISED = 1, CELL_NEW = 2, CELL_DROPPED = 4 };

typedef struct Comparison {
    Arena       arena;
    CmpFactor  *factors;  size_t nfactors;
    CmpRow     *rows;     size_t nrows;     /* the results whose status or value differ */
    size_t      combinations;               /* assessments run */
    size_t      loads;                      /* files loaded (a file B's rules read as A's do: once) */
    bool        shapley;                    /* every combination (else the fixed order only) */
    size_t      unreproduced;               /* A's or B's rows that the recomputation did not give back */
} Comparison;

pledge_status api_compare_runs(pledge_state *S, const RecordedRun *a, const RecordedRun *b, Comparison *out);
const CmpRow *api_comparison_row(const Comparison *c, const char *system, const char *kind, const char *item);
/* "data ae, rules": the row's causes, each named with its input. */
void api_causes_text(const Comparison *c, const CmpRow *row, char *buf, size_t cap);
void api_comparison_free(Comparison *c);

#endif
