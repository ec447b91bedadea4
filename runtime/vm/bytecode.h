/* bytecode.h: a compiled round in memory.
 *
 * The compiler (runtime/vm/compile.c) builds a BcProgram; plb.c writes it to a
 * .plb file and reads one back, verifying it completely; vm.c runs its
 * functions. Everything a program refers to is by index into its tables, so
 * the file needs no pointers and the verifier can check every reference.
 *
 * Ownership: a BcProgram owns all its memory through its arena; bc_free
 * releases it at once. */
#ifndef PLEDGE_BYTECODE_H
#define PLEDGE_BYTECODE_H
#include "base/value.h"
#include "base/mem.h"

typedef enum Opcode {
#define OP(name, a, b, c, formula) OP_##name,
#include "vm/opcodes.def"
#undef OP
    OP__COUNT
} Opcode;

/* Operand kinds of opcodes.def */
typedef enum OperandKind { OPK__, OPK_R, OPK_K, OPK_F, OPK_N, OPK_X, OPK_G, OPK_H, OPK_I, OPK_J, OPK_RK } OperandKind;

/* An RK operand is a register, or with its top bit set a constant: an
 * operand that is a literal needs no LOADK. */
enum { RK_CONSTANT = 0x8000, RK_MAX_CONSTANT = 0x7FFF };
static inline bool rk_is_constant(uint16_t x) { return (x & RK_CONSTANT) != 0; }
typedef struct OpInfo { const char *name; uint8_t a, b, c; const char *formula; } OpInfo;
extern const OpInfo bc_ops[OP__COUNT];

/* B of kind K, F or G (a constant, function or aggregate) is 24 bits: byte 1
 * (bx) holds its bits 16..23, as a 100,000-line round has more than 65,535
 * functions. Byte 1 is 0 in every other instruction. Read B with instr_b. */
typedef struct Instr { uint8_t op, bx; uint16_t a, b, c; } Instr;
enum { BC_WIDE_MAX = 0xFFFFFF };    /* the largest wide B */
static inline bool opk_wide(unsigned kind) { return kind == OPK_K || kind == OPK_F || kind == OPK_G; }
static inline uint32_t instr_b(Instr i) { return (uint32_t)i.bx << 16 | i.b; }
static inline int32_t instr_jump(Instr i) { return (int32_t)((uint32_t)i.b << 16 | i.c); }

/* Where an instruction came from, for runtime errors and disasm. */
typedef struct LineInfo { uint32_t line; uint16_t column; uint16_t source; } LineInfo;

typedef enum FnKind {
    FK_LET,         /* a constant: evaluated once per run */
    FK_FN,          /* a pure function of its parameters */
    FK_METRIC,      /* the value for the current system and window */
    FK_EXPR,        /* an expression of a commitment, check, rating or test */
    FK_FILTER       /* a `where` condition: its parameters are the row's columns */
} FnKind;
extern const char *const bc_fn_kind_names[FK_FILTER + 1];   /* "let", "fn", "metric", "expr", "filter" */

typedef struct BcFunction {
    const char *name;       /* "ae_4hr", "ae_standard.target", ... */
    uint8_t     kind;       /* FnKind */
    uint8_t     result;     /* TypeKind */
    uint16_t    nparams;
    uint16_t    nregs;      /* the frame: parameters first */
    uint8_t    *param_types;
    Instr      *code;
    LineInfo   *lines;      /* one per instruction */
    uint32_t    ncode;
} BcFunction;

/* sum(ae.breaches where ae.type == "1"): over the rows of one feed column,
 * filtered by a condition on the row's other columns. */
typedef enum AggFunc { AGG_SUM, AGG_MEAN, AGG_MIN, AGG_MAX, AGG_MEDIAN, AGG_COUNT } AggFunc;
extern const char *const bc_agg_names[AGG_COUNT + 1];   /* "sum", "mean", ... */
/* The most feed columns one `where` condition or row rule may read: they
 * are its parameters, which a feed's loader passes in an array this long
 * (data/feed.c). The compiler refuses more; the verifier too. */
enum { BC_MAX_FILTER_COLUMNS = 64 };

/* Which publication of a feed with vintages an aggregate reads, per
 * (organisation, period, identity), never one after the as-of day: the
 * latest (the default), the first, or the latest on or before pub_day. */
typedef enum PubKind { PUB_LATEST, PUB_FIRST, PUB_BY } PubKind;

typedef struct BcAggregate {
    uint16_t feed;
    uint16_t column;        /* index into the feed's columns */
    uint8_t  func;          /* AggFunc */
    uint8_t  pub;           /* PubKind */
    uint16_t nfilter;       /* columns the filter reads (its parameters) */
    uint16_t *filter_cols;
    int32_t  filter;        /* FK_FILTER function, or -1 */
    Day      pub_day;       /* with PUB_BY: the day; otherwise 0 */
} BcAggregate;

/* `require = breaches <= attendances` in a feed: a condition every row must
 * meet, a filter function over the row's columns (as a where's). */
typedef struct BcRowRule {
    uint16_t feed;
    uint16_t nfilter;       /* columns the rule reads (its parameters) */
    uint16_t *filter_cols;
    int32_t  filter;        /* FK_FILTER function */
    const char *text;       /* the rule as written: "require = breaches <= attendances" */
} BcRowRule;

/* How a column's cells are written: a percent column of 95.2 means 95.2%
 * (COL_POINTS) or 9520% (COL_PLAIN, where 0.952 is 95.2%); a cell that
 * ends in % is read as written either way. */
enum { COL_PLAIN, COL_POINTS };
typedef struct BcColumn { const char *name; uint8_t type; uint8_t format; } BcColumn;

typedef struct BcFeed {
    const char *name, *title;
    const char *org_col, *period_col, *vintage_col;   /* vintage_col may be NULL */
    uint8_t     grain;          /* Grain of the period column */
    int32_t     lag_days;       /* a period is known this long after it ends; with vintage_col,
                                 * FEED_AWAITS_PUBLICATION when no `lag` is declared */
    BcColumn   *columns;
    uint16_t    ncolumns;
    uint16_t    nkey;           /* `key = type, site`: columns that, with org and period, identify a row */
    uint16_t   *key_cols;       /* indices into columns; only with vintage_col */
    int32_t     hier;           /* `hierarchy =`: the hierarchy that maps its organisations to
                                 * the systems, or -1 for the round's `assess` */
} BcFeed;

/* A feed with `vintage` and no `lag`: a window of it is known only once
 * every member's every period of it is published (spec §5). */
enum { FEED_AWAITS_PUBLICATION = -1 };
static inline bool feed_awaits_publication(const BcFeed *f)
{
    return f->vintage_col && f->lag_days == FEED_AWAITS_PUBLICATION;
}
/* The feed's lag in days (0 for one that awaits publication). */
static inline int32_t feed_lag(const BcFeed *f) { return f->lag_days > 0 ? f->lag_days : 0; }

typedef struct BcHierarchy {
    const char *name, *title;
    const char *member_col, *parent_col;
    const char *name_col, *from_col, *to_col;          /* may be NULL */
} BcHierarchy;

typedef struct BcDate { const char *name; Day day; } BcDate;

/* `horizon two_year = 2019/20 .. 2020/21`: a named part of the round's horizon */
typedef struct BcHorizon { const char *name; int32_t window; } BcHorizon;   /* window: a constant */

typedef struct BcRound {
    const char *name, *title;   /* name NULL: the program has no round */
    BcDate     *dates;
    uint16_t    ndates;
    int32_t     horizon;        /* constant (a range, or one period), or -1 */
    int32_t     assess;         /* hierarchy, or -1 */
    BcHorizon  *horizons;       /* the named horizons, in the order written */
    uint16_t    nhorizons;
} BcRound;

/* `target = >= 95% in 2023/24`: the threshold and the window are functions
 * (constants fold to a LOADK and a RET). `in plans.target_year`: the window
 * is each system's, the latest period of that plan column in its rows
 * (window_fn then returns missing); window_feed is -1 otherwise. */
typedef struct BcThreshold {
    uint8_t cmp; uint8_t pad[3];
    int32_t value_fn, window_fn;
    int32_t window_feed, window_column;
} BcThreshold;

/* A group of a commitment or check judged `by` a column (issue 16): the
 * column's value, and the commitment's measure (a metric function) or the
 * check's condition (an expr function) over that group's rows alone. */
typedef struct BcGroup { const char *label; int32_t fn; } BcGroup;

typedef struct BcCommitment {
    const char *name, *title, *source, *restates;      /* source, restates may be NULL */
    const char *doc;            /* its /// comment, or NULL */
    uint8_t     cls;            /* CommitmentClass: 1 foundational, 2 transformation */
    int32_t     measure;        /* FK_METRIC function */
    BcThreshold target;
    BcThreshold *milestones;
    uint16_t    nmilestones;
    int32_t     plan_feed, plan_column;  /* milestones = plans.col, or -1 */
    int32_t     tolerance;      /* constant, or -1 */
    uint8_t     missing;        /* `missing = missed`: 1, a due window without a value is missed */
    uint8_t     deadline;       /* 1: the target's window is the day by which it must hold (issue 16) */
    uint8_t     national;       /* judged once for the round, over every system's members together */
    int32_t     by_feed, by_column; /* `by = feed.column`, or -1 */
    BcGroup    *groups;         /* the column's groups, in the order it declares them */
    uint16_t    ngroups;
} BcCommitment;

typedef struct BcCheck {
    const char *name, *title, *message;
    const char *doc;            /* its /// comment, or NULL */
    uint8_t     national;
    int32_t     require;        /* FK_EXPR function */
    uint8_t     missing;        /* `missing = fail`: 1, a missing value fails */
    int32_t     by_feed, by_column; /* `by = feed.column`, or -1 */
    BcGroup    *groups;         /* the column's groups, in the order it declares them */
    uint16_t    ngroups;
} BcCheck;

typedef struct BcArm { const char *label; int32_t when; } BcArm;   /* when -1: otherwise */
typedef struct BcRating { const char *name, *title; BcArm *arms; uint16_t narms; } BcRating;

/* extern "LIB" fn NAME(params): result */
typedef struct BcExtern {
    const char *lib, *name;
    uint8_t    *param_types;
    uint16_t    nparams;
    uint8_t     result;
} BcExtern;

typedef struct BcSource {
    const char *path;           /* as named to the compiler, or the stdlib path */
    uint8_t     sha256[32];
    const char *text;           /* the whole source, so disasm and explain can quote it */
    uint32_t    len;
    /* Not in the file (bc_index_sources): where each line starts, so a
     * function's text is found without reading the source from its start
     * (which made a diff of a 100,000-line round quadratic); NULL: not made. */
    uint32_t   *line_at;
    uint32_t    nlines;
} BcSource;

/* Host functions: what only an assessment knows (issue 5 provides them). */
typedef enum HostFn {
    HOST_ITEM_STATUS,   /* (kind, index): a commitment's (0) or check's (1) status for this system */
    HOST_ACROSS,        /* (function): the function's value for every system, as a list */
    HOST_CLASS_COUNT,   /* (class[, statuses]): commitments of a class [with one of the statuses] */
    HOST_CLASS_SHARE,   /* (class, statuses) */
    HOST_ITEM_FOR,      /* (kind, index, system code): a named system's commitment (0) or check (1) status,
                         * metric (2, a function) value or rating (3) label, for tests;
                         * (kind, index, group, system code): a commitment's or check's status in group
                         * `group` (its index among the `by` column's groups) */
    HOST_SERIES,        /* (function, window): the function in each period of the window, as a list */
    HOST__COUNT
} HostFn;

/* How many arguments each host function takes, for the verifier. */
static const struct { uint8_t min, max; } host_arity[HOST__COUNT] = {
    [HOST_ITEM_STATUS] = { 2, 2 }, [HOST_ACROSS] = { 1, 1 }, [HOST_CLASS_COUNT] = { 1, 2 },
    [HOST_CLASS_SHARE] = { 2, 2 }, [HOST_ITEM_FOR] = { 3, 4 }, [HOST_SERIES] = { 2, 2 },
};

typedef struct BcProgram {
    Arena        arena;
    Value       *consts;    uint32_t nconsts;
    BcFunction  *fns;       uint32_t nfns;
    BcAggregate *aggs;      uint32_t naggs;
    BcFeed      *feeds;     uint16_t nfeeds;
    BcHierarchy *hiers;     uint16_t nhiers;
    BcCommitment *commits;  uint16_t ncommits;
    BcCheck     *checks;    uint16_t nchecks;
    BcRating    *ratings;   uint16_t nratings;
    BcExtern    *externs;   uint16_t nexterns;
    BcSource    *sources;   uint16_t nsources;
    BcRowRule   *rules;     uint16_t nrules;
    BcRound      round;
} BcProgram;

void bc_free(BcProgram *p);
/* Indexes the sources' lines for bc_source_text (the compiler and the
 * reader call it once a program is whole). */
void bc_index_sources(BcProgram *p);
/* The index of a function by name, or -1. */
int32_t bc_find_function(const BcProgram *p, const char *name);
/* A function's source text as the rule file writes it: the lines its
 * instructions came from, without comments, runs of blanks made one space
 * (in `arena`). "none" for no function, "(no source text)" without one. */
const char *bc_source_text(const BcProgram *p, int64_t fn, Arena *arena);
/* An aggregate as people read it: "sum(ae.breaches)", "sum(ae.breaches where …)".
 * Always NUL-terminates; returns the length it wanted (like snprintf). */
size_t bc_agg_text(const BcProgram *p, uint32_t g, char *buf, size_t cap);
/* The publication an aggregate reads, as written after its column: "" (the
 * latest), " as first" or " as of 2019-09-27". */
size_t bc_pub_text(const BcAggregate *a, char *buf, size_t cap);
/* Whether function f reads across(…) itself: a national commitment's measure
 * written over the systems (`sum(across(METRIC))`), not a metric. */
bool   bc_fn_reads_across(const BcFunction *f);

/* The days [*from, *to] that every window p's aggregates can be read over
 * lies within, found before any data is read: the span of the program's
 * window constants. False when a window can come from anywhere else (a
 * plan feed's column, a deadline's days to the as-of day, a period a
 * built-in or an extern makes, period arithmetic, a date column's
 * aggregate), or there is none: then every
 * period may be read. The engine adds what the program does not hold
 * (variations, a report's series). */
bool   bc_window_span(const BcProgram *p, Day *from, Day *to);

#endif
