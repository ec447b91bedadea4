/* pledge.h: the one public API of Pledge, a rules language for NHS
 * planning rounds (docs/embedding.md has a complete example).
 *
 * Everything starts from a pledge_state, made with a configuration (the
 * allocator, where diagnostics go, the limits) and used by one thread at a
 * time; two states share nothing, so two threads may each have their own.
 * In it, a round is loaded from a rule file or from bytecode, from a path or
 * from memory; feeds and hierarchies are bound to it by name (a path, an
 * SQLite table, or rows pushed from memory); it is assessed as of a day into
 * a report, whose results and ratings can be walked, explained and written
 * in any format to a stream.
 *
 * Calls that can fail return a pledge_status; pledge_error() then says what
 * went wrong, naming the file, line and column where the problem is. The
 * statuses are the exit codes of the `pledge` command. The library never
 * exits and never prints, except to streams it is given.
 *
 * Out of memory: when the allocator fails, the call returns
 * PLEDGE_ERR_LIMIT with "out of memory"; the state may then only be freed.
 *
 * Ownership: a round, a report and a rows buffer belong to the state that
 * made them and must be freed before it (pledge_free frees whatever is
 * left). Strings a call returns live as long as the object they came from. */
#ifndef PLEDGE_H
#define PLEDGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PLEDGE_API __attribute__((visibility("default")))

/* The version of the library these declarations are from; pledge_version()
 * gives the one linked. */
#define PLEDGE_VERSION_MAJOR 0
#define PLEDGE_VERSION_MINOR 2
PLEDGE_API const char *pledge_version(void);           /* "0.2.0" */

/* ---- status and errors ------------------------------------------------ */

typedef enum pledge_status {
    PLEDGE_OK = 0,
    PLEDGE_FAILED = 1,          /* ran, and the answer is no: a test failed, a replay differs,
                                 * a file is not laid out canonically, a status asked to fail */
    PLEDGE_ERR_USAGE = 2,       /* a wrong call: an unknown feed, system or item, a missing binding */
    PLEDGE_ERR_INPUT = 3,       /* bad input: a rule file with errors, a feed, bytecode, manifest
                                 * or archive that cannot be read, an output that cannot be written */
    PLEDGE_ERR_LIMIT = 4,       /* a limit: steps, memory, depth; out of memory */
    PLEDGE_ERR_INTERNAL = 5
} pledge_status;

typedef struct pledge_state pledge_state;

/* What went wrong in the last call that failed, or "" (valid until the next
 * call on the state). */
PLEDGE_API const char *pledge_error(const pledge_state *S);

typedef enum pledge_severity { PLEDGE_SEVERITY_ERROR, PLEDGE_SEVERITY_WARNING, PLEDGE_SEVERITY_NOTE } pledge_severity;

/* A problem found in a rule file, as the checker words it. Its strings
 * are valid during the callback only. */
typedef struct pledge_diagnostic {
    pledge_severity severity;
    const char *file;           /* NULL when it is about no file in particular */
    int         line, column;   /* 1-based; 0 when there is no place */
    int         end_line, end_column;
    const char *message;
    const char *hint;           /* one more sentence of help, or NULL */
    const char *rendered;       /* the whole diagnostic as `pledge check` prints it:
                                 * FILE:LINE:COL: error: MESSAGE, the source line, a caret */
} pledge_diagnostic;

/* ---- the state ------------------------------------------------------------ */

/* realloc-like: size 0 frees (and returns NULL); NULL otherwise means the
 * memory could not be had. With more than one thread (the config's
 * threads), it is called from several threads at once. */
typedef void *(*pledge_alloc_fn)(void *ud, void *ptr, size_t size);
/* Called for each diagnostic of a rule file, in order. */
typedef void (*pledge_diagnostic_fn)(void *ud, const pledge_diagnostic *d);
/* Called now and then while a large file loads, with how many of its bytes
 * are read (to draw a progress bar). */
typedef void (*pledge_progress_fn)(void *ud, const char *source, uint64_t done, uint64_t total);

typedef struct pledge_config {
    pledge_alloc_fn      alloc;         /* NULL: the C library's */
    void                *alloc_ud;
    pledge_diagnostic_fn diagnostic;    /* NULL: diagnostics are dropped (pledge_error still says
                                         * how many errors a rule file had) */
    void                *diagnostic_ud;
    bool                 color;         /* ANSI colours in `rendered` */
    pledge_progress_fn   progress;
    void                *progress_ud;
    /* Bounds on every evaluation, including feeds' `where` conditions. */
    uint64_t    max_steps;              /* instructions per evaluation */
    size_t      max_memory;             /* bytes of values per evaluation */
    uint32_t    max_depth;              /* nested calls */
    /* Bounds on every feed and hierarchy read (CSV, SQLite, from memory);
     * 0: the default. */
    uint64_t    max_rows;               /* rows after the header in one file */
    uint64_t    max_columns;            /* columns in one file */
    uint64_t    max_cell;               /* bytes in one cell */
    uint64_t    max_orgs;               /* distinct organisations in a feed (hierarchies: in all of them) */
    uint64_t    max_periods;            /* periods from a feed's first to its last */
    unsigned    threads;                /* systems assessed at once; 0: one per core, at most 8 */
    const char *const *allow_native;    /* libraries whose extern functions may run */
    size_t      nallow_native;
    bool        skip_bad_rows;          /* a row that does not parse is counted and left out */
    FILE       *bad_rows;               /* where skipped rows are reported, or NULL */
    FILE       *trace;                  /* each instruction evaluated, or NULL */
    /* Assessments without series (pledge_assess_options.series false): a
     * feed keeps aggregates' figures only for the periods the round's
     * windows can read, known from its rules; the rows of other periods are
     * read and counted, so every report is the same, in less memory. An
     * assessment with series, an explanation or a variation loads every
     * period again. */
    bool        windows_only;
    /* The inputs' SHA-256 (pledge_assess_options.hashes, and what
     * pledge_report_record records) taken while the inputs load, on a
     * thread of their own (in place with threads 1), rather than when an
     * assessment first asks for them: for a caller that will want them. */
    bool        hash_inputs;
} pledge_config;

/* The defaults: the C library's allocator, no callbacks, the command's
 * limits (1e9 steps, 1 GiB, depth 10,000; 1e9 rows, 16,384 columns, 1 MiB
 * in a cell, 1e6 organisations, 1e5 periods). */
PLEDGE_API void pledge_config_init(pledge_config *c);

/* NULL only if the allocator fails at once. */
PLEDGE_API pledge_state *pledge_new(const pledge_config *c);
/* Frees the state and everything its calls still hold (after running out
 * of memory too): blocks, descriptors, mappings, temporary files. */
PLEDGE_API void pledge_free(pledge_state *S);

/* ---- rounds ------------------------------------------------------------------ */

typedef struct pledge_round pledge_round;

/* A rule file (.pledge, checked and compiled, with the modules it imports)
 * or a compiled round (.plb, verified), told apart by their first bytes.
 * path "-" reads standard input. Diagnostics go to the config's callback. */
PLEDGE_API pledge_status pledge_load(pledge_state *S, const char *path, pledge_round **out);
/* A rule file's text; name is used in messages and imports resolve from its
 * folder. */
PLEDGE_API pledge_status pledge_load_source(pledge_state *S, const char *name, const char *text, size_t len,
                                            pledge_round **out);
/* A compiled round's bytes (copied). */
PLEDGE_API pledge_status pledge_load_bytecode(pledge_state *S, const char *name, const void *bytes, size_t len,
                                              pledge_round **out);
PLEDGE_API void pledge_round_free(pledge_round *R);

/* `pledge check`: loads and checks a rule file, and writes to out (may be
 * NULL) one line for each native library its extern functions need. */
PLEDGE_API pledge_status pledge_check(pledge_state *S, const char *path, FILE *out);

/* The round's bytecode: the same rule file always gives the same bytes.
 * *bytes is allocated with the state's allocator; release it with
 * pledge_release (pledge_free frees it at the latest). */
PLEDGE_API pledge_status pledge_bytecode(pledge_round *R, void **bytes, size_t *len);
PLEDGE_API void pledge_release(pledge_state *S, void *p);
/* `pledge sql`: for each feed of the round, the query that computes what the
 * round reads of it where the rows live (docs/scale.md): GROUP BY
 * organisation, period (and vintage), a sum and a count per aggregate under
 * its `where`, in a dialect ("postgresql", "sqlite", "duckdb", "spark";
 * NULL: sqlite). tables are FEED=TABLE (a dotted name is schema.table); a
 * feed not named reads the table of its own name. Its output, as CSV, is
 * what a feed bound to aggregated:PATH reads. A feed whose aggregation
 * cannot be pushed down gets a comment saying why, and PLEDGE_ERR_INPUT. */
PLEDGE_API pledge_status pledge_sql(pledge_round *R, const char *dialect, const char *const *tables, size_t ntables,
                                    FILE *out);
/* A readable listing of the bytecode, with the source line of each instruction. */
PLEDGE_API pledge_status pledge_disasm(pledge_round *R, FILE *out);
/* Whether a round came from bytecode (it has no source to evaluate in). */
PLEDGE_API bool pledge_is_bytecode(const pledge_round *R);
PLEDGE_API const char *pledge_round_path(const pledge_round *R);

/* `pledge eval`: evaluates an expression (in the scope of the rule file at
 * rules, if not NULL) and writes its value and a newline to out. */
PLEDGE_API pledge_status pledge_eval(pledge_state *S, const char *rules, const char *expr, FILE *out);
/* Writes each let of the round's own file as NAME = VALUE. */
PLEDGE_API pledge_status pledge_eval_lets(pledge_round *R, FILE *out);

/* ---- inputs ------------------------------------------------------------------ */

/* Binds feed or hierarchy `name` of the round to a source: a CSV path, "-"
 * for standard input, sqlite:PATH:TABLE, postgresql:CONNINFO:TABLE (a libpq
 * connection string: "host=/tmp dbname=nhs"), or aggregated:PATH (a CSV
 * file of the figures `pledge sql`'s query gives). A database feed's sums
 * and counts are computed by the database where they can be. Nothing is read until the inputs
 * are loaded (pledge_load_inputs, or the first assessment). */
PLEDGE_API pledge_status pledge_bind(pledge_round *R, const char *name, const char *source);
/* Binds to CSV text in memory (copied); label names it in messages. */
PLEDGE_API pledge_status pledge_bind_csv(pledge_round *R, const char *name, const char *label, const char *csv,
                                         size_t len);

/* Rows pushed from memory: a header, then rows of text cells, typed and
 * checked exactly as a CSV file's would be (NULL is an empty cell). */
typedef struct pledge_rows pledge_rows;
PLEDGE_API pledge_rows *pledge_rows_new(pledge_state *S, const char *const *columns, size_t ncolumns);
PLEDGE_API pledge_status pledge_rows_add(pledge_rows *rows, const char *const *cells);
/* Binds the rows (they are the round's from then on: do not free them). */
PLEDGE_API pledge_status pledge_bind_rows(pledge_round *R, const char *name, const char *label, pledge_rows *rows);
PLEDGE_API void pledge_rows_free(pledge_rows *rows);

/* Loads every bound input, hierarchies first. With require_all, every feed
 * and hierarchy the round declares must be bound. On failure the error
 * names the file, line, column and the text found. Called again after more
 * bindings, it loads those. */
PLEDGE_API pledge_status pledge_load_inputs(pledge_round *R, bool require_all);
/* `pledge data`: what each loaded input holds (rows, organisations,
 * periods, vintages, organisations in no system), as text. */
PLEDGE_API pledge_status pledge_describe_inputs(pledge_round *R, FILE *out);

/* An inputs file: what a run binds, written once instead of on every
 * command line (docs/commands.md, --inputs). Lines of `key = value` (a
 * value may be "quoted"; `#` starts a comment): the options first (as-of,
 * format, output, system, fail-on, on-bad-row, threads, manifest, archive),
 * then a [feeds] section binding feed and hierarchy names to what
 * pledge_bind takes. Paths are read from the file's folder; each feed's
 * file must exist. PLEDGE_ERR_INPUT names the file and line of what is
 * wrong: an unknown key or section, a key or feed given twice, a missing
 * file, a bad date or value, a string left open, a file over 1 MiB or not
 * text. */
typedef struct pledge_inputs pledge_inputs;
PLEDGE_API pledge_status pledge_inputs_load(pledge_state *S, const char *path, pledge_inputs **out);
PLEDGE_API void pledge_inputs_free(pledge_inputs *in);
/* The i-th binding in the file's order, its source resolved (a path as
 * pledge_bind takes it); false past the last. */
PLEDGE_API bool pledge_inputs_feed(const pledge_inputs *in, size_t i, const char **name, const char **source);
/* The i-th option in the file's order: its key ("as-of") and value, a path
 * resolved; `system = A, B` gives one option per code. False past the last. */
PLEDGE_API bool pledge_inputs_option(const pledge_inputs *in, size_t i, const char **key, const char **value);

/* A variations file (docs/reference.md, Variations): rules of the round
 * varied for named systems, each with a reason, who agreed it, and from
 * when until when. Checked against the round now (the rule exists and is a
 * system's, a target's kind and unit are the rule's, no two variations of
 * a rule for a system in force on one day, across every file given); the
 * systems once the data is loaded. Every later assessment and explanation
 * of R applies those in force on its as-of day. PLEDGE_ERR_INPUT names the
 * file and line; a file that fails adds nothing. */
PLEDGE_API pledge_status pledge_vary(pledge_round *R, const char *path);

/* ---- assessment ---------------------------------------------------------------- */

typedef struct pledge_assess_options {
    const char *as_of;                  /* YYYY-MM-DD; NULL: today */
    const char *const *systems;         /* only these systems; none: every system */
    size_t      nsystems;
    bool        series;                 /* each commitment's quarterly series (charts) */
    bool        hashes;                 /* the SHA-256 of every input (JSON and HTML show them) */
} pledge_assess_options;

typedef struct pledge_report pledge_report;

/* Loads the inputs if need be (all must be bound) and judges every
 * commitment, check and rating for each system as of the day. The report
 * is the same byte for byte whatever the number of threads. */
PLEDGE_API pledge_status pledge_assess(pledge_round *R, const pledge_assess_options *o, pledge_report **out);
PLEDGE_API void pledge_report_free(pledge_report *rep);

/* One result: an item for a system, or a national check (system NULL), or
 * a rating (kind "rating", its label in status). Values are exact, in base
 * units ("0.942" for 94.2%, pounds for money), as the CSV report has them;
 * NULL where there is none. */
typedef struct pledge_result {
    const char *system, *system_name;
    const char *item, *kind;            /* kind: "commitment", "check", "national check", "rating" */
    const char *cls;                    /* "foundational", "transformation", or NULL */
    const char *status;                 /* "met", "missed", "on_track", ..., a rating's label */
    const char *value, *threshold;
    const char *shown;                  /* the value as people read it: "94.2%" */
    const char *window;                 /* "2019/20 Q4" */
    int64_t     coverage, members;      /* member organisations with data, and in all; -1 for ratings */
    int         complete;               /* 1: every cell the result needs is in; 0: not; -1 for ratings */
    int64_t     cells_expected, cells_present;  /* organisation × period cells needed, and in; -1 for ratings */
} pledge_result;

/* The results in the CSV report's order: systems by code, items in the
 * rule file's order, each system's ratings after its items, national
 * checks last. */
PLEDGE_API size_t pledge_report_count(const pledge_report *rep);
PLEDGE_API bool pledge_report_result(const pledge_report *rep, size_t i, pledge_result *out);
PLEDGE_API const char *pledge_report_as_of(const pledge_report *rep);       /* YYYY-MM-DD */

typedef enum pledge_format { PLEDGE_FORMAT_TEXT, PLEDGE_FORMAT_JSON, PLEDGE_FORMAT_CSV, PLEDGE_FORMAT_HTML } pledge_format;
/* "text", "json", "csv", "html": false for another name. */
PLEDGE_API bool pledge_format_by_name(const char *name, pledge_format *out);
PLEDGE_API const char *pledge_format_name(pledge_format f);

typedef struct pledge_style {
    bool color;                         /* ANSI colours (text) */
    int  width;                         /* columns available (text); 0: 80 */
} pledge_style;

/* Writes the whole report; PLEDGE_ERR_INPUT if out fails. style may be NULL. */
PLEDGE_API pledge_status pledge_report_write(const pledge_report *rep, pledge_format f, FILE *out,
                                             const pledge_style *style);

/* Records what was run and found: a manifest (JSON, for pledge_replay)
 * and/or a run appended to an SQLite archive (for pledge_history); either
 * path may be NULL. */
PLEDGE_API pledge_status pledge_report_record(const pledge_report *rep, const char *manifest, const char *archive);

/* Why item (a commitment, check or rating) came out as it did for system,
 * as of the day: the window, threshold, members' totals, rows not yet
 * known, unmapped organisations, each part of a check's condition; for a
 * rating each branch's condition up to the one that held. For a national
 * check system may be NULL (a system given plays no part): each system's
 * contribution to the total. */
PLEDGE_API pledge_status pledge_explain(pledge_round *R, const pledge_assess_options *o, const char *system,
                                        const char *item, FILE *out);

/* ---- the round's tools ------------------------------------------------------ */

typedef struct pledge_test_options {
    const char *filter;                 /* only tests whose names contain this */
    pledge_format format;               /* TEXT, JSON, or PLEDGE_FORMAT_JUNIT */
    bool        coverage;               /* list what no test reached */
    bool        color;
} pledge_test_options;
#define PLEDGE_FORMAT_JUNIT ((pledge_format)100)

/* Runs the test blocks of the rule files (rows tables as feeds, as_of,
 * expectations), writing results to out; PLEDGE_FAILED if any failed.
 * *passed and *failed (may be NULL) get the counts. */
PLEDGE_API pledge_status pledge_test(pledge_state *S, const char *const *paths, size_t npaths,
                                     const pledge_test_options *o, FILE *out, unsigned *passed, unsigned *failed);

typedef struct pledge_diff_options {
    pledge_format format;               /* TEXT or JSON */
    bool          with_data;            /* both rounds have their feeds bound: compare statuses */
    const char   *as_of;                /* with data; NULL: today */
} pledge_diff_options;

/* What round `new` changed against `old`, declaration by declaration on
 * what each compiles to (docs/commands.md, pledge diff); with data, every
 * result and rating that moved. JSON: docs/diff.schema.json. */
PLEDGE_API pledge_status pledge_diff(pledge_round *old, pledge_round *new_, const pledge_diff_options *o, FILE *out);

/* A readable summary of the round, in Markdown. */
PLEDGE_API pledge_status pledge_doc(pledge_round *R, FILE *out);
/* The same as Markdown (PLEDGE_FORMAT_TEXT) or one self-contained HTML page
 * (PLEDGE_FORMAT_HTML); another format is PLEDGE_ERR_USAGE. */
PLEDGE_API pledge_status pledge_doc_as(pledge_round *R, pledge_format format, FILE *out);

typedef enum pledge_fmt_mode {
    PLEDGE_FMT_REWRITE,                 /* lay the file out in place */
    PLEDGE_FMT_CHECK,                   /* change nothing; PLEDGE_FAILED if it would change */
    PLEDGE_FMT_PRINT                    /* write the laid-out text to out */
} pledge_fmt_mode;

/* Lays a rule file out canonically, only if the new layout compiles to the
 * same program. */
PLEDGE_API pledge_status pledge_fmt(pledge_state *S, const char *path, pledge_fmt_mode mode, FILE *out);

/* Runs again what a manifest records and says what changed (inputs whose
 * hash moved, results that differ); PLEDGE_FAILED if anything did. */
PLEDGE_API pledge_status pledge_replay(pledge_state *S, const char *manifest, FILE *out);

typedef struct pledge_history_options {
    const char   *system, *item;        /* only these, or NULL */
    pledge_format format;               /* TEXT, JSON or CSV */
} pledge_history_options;

/* How each result moved from run to run in an archive, the runs in order
 * of as-of date, each change of status with its causes (pledge_compare). */
PLEDGE_API pledge_status pledge_history(pledge_state *S, const char *archive, const pledge_history_options *o,
                                        FILE *out);

typedef struct pledge_compare_options {
    pledge_format format;               /* TEXT, JSON or CSV */
    const char   *archive;              /* NULL: a and b are manifests; else they are run ids in it */
} pledge_compare_options;

/* Why the results of run b differ from run a's: for each result whose
 * status or value moved, which of the as-of date, each feed, each
 * hierarchy and the rules moved it, each one's share of the change in
 * value, and which one flipped the status (docs/commands.md). Every file
 * must be as its run recorded it. */
PLEDGE_API pledge_status pledge_compare(pledge_state *S, const char *a, const char *b,
                                        const pledge_compare_options *o, FILE *out);

/* ---- output files ---------------------------------------------------------------- */

/* A file written whole or not at all: out gets a stream to write to; commit
 * puts it in place (a temporary file renamed over path, keeping the old
 * file's mode), abort leaves what was there. A symbolic link is followed and
 * its target replaced; a device, a FIFO or /dev/stdout is written in place.
 * path "-" is standard output (commit then flushes it and fails if anything
 * could not be written). */
typedef struct pledge_output pledge_output;
PLEDGE_API pledge_status pledge_output_open(pledge_state *S, const char *path, pledge_output **o, FILE **out);
PLEDGE_API pledge_status pledge_output_commit(pledge_output *o);
PLEDGE_API void pledge_output_abort(pledge_output *o);

/* ---- days --------------------------------------------------------------------- */

/* Checks a YYYY-MM-DD date; PLEDGE_ERR_USAGE with the reason if it is not one. */
PLEDGE_API pledge_status pledge_check_date(pledge_state *S, const char *date);
/* Checks "met,missed": a set of status names. */
PLEDGE_API pledge_status pledge_check_statuses(pledge_state *S, const char *list);

#ifdef __cplusplus
}
#endif
#endif
