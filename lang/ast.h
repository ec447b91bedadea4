/* ast.h: the syntax tree of a rule file.
 *
 * Ownership: every node, list and string of a module is allocated in the
 * compilation's Arena and freed with it, all at once; nothing here is freed
 * on its own. The parser builds the tree; the checker (checker.c) fills in the
 * `type` and `ref` fields. */
#ifndef PLEDGE_AST_H
#define PLEDGE_AST_H
#include "lang/source.h"
#include "base/mem.h"
#include "base/num.h"
#include "base/calendar.h"
#include "base/types.h"

typedef struct Decl Decl;
typedef struct Node Node;
typedef struct Module Module;

/* A list of pointers that grows in the arena. */
typedef struct List { void **items; size_t len, cap; } List;
void list_push(Arena *a, List *l, void *item);

typedef enum NodeKind {
    N_NUMBER,       /* num */
    N_PERCENT,      /* num, already a fraction: 95% is 19/20 */
    N_PP,           /* num, a difference of fractions: 0.5pp is 1/200 */
    N_MONEY,        /* num, in pounds */
    N_STRING,       /* str */
    N_BOOL,         /* boolean */
    N_PERIOD,       /* period: a date, month, quarter or financial year */
    N_DURATION,     /* days */
    N_MISSING,      /* '*' in a rows table */
    N_NAME,         /* str; ref after checking */
    N_FIELD,        /* lhs.str: feed.column or module.name */
    N_CALL,         /* lhs(args) */
    N_UNARY,        /* op lhs */
    N_BINARY,       /* lhs op rhs */
    N_IF,           /* if lhs then rhs else alt */
    N_LIST,         /* [args] */
    N_IN,           /* lhs in rhs: lhs evaluated over the window rhs */
    N_WHERE,        /* lhs where rhs: rows of a feed column filtered */
    N_CLASS,        /* foundational / transformation (boolean: transformation) */
    N_THRESHOLD,    /* op lhs: the value of `target = >= 95% in 2023/24` */
    N_AS,           /* lhs as str: `period = period as month` */
    N_PUB,          /* lhs as str (first, latest; with days 1, of and the day as
                     * the literal rhs): a vintage feed's column read from one publication */
    N_BAD           /* where the lexer found something that is not Pledge */
} NodeKind;

typedef enum Op {
    EOP_ADD, EOP_SUB, EOP_MUL, EOP_DIV,
    EOP_EQ, EOP_NE, EOP_LT, EOP_LE, EOP_GT, EOP_GE,
    EOP_AND, EOP_OR, EOP_NOT, EOP_NEG, EOP_RANGE
} Op;
const char *op_text(Op op);

struct Node {
    NodeKind kind;
    Op       op;
    bool     boolean;
    int      depth;         /* nesting depth of the expression below */
    Span     span;          /* the whole expression */
    Span     op_span;       /* the operator, for messages about it */
    Num      num;
    Period   period;
    int32_t  days;
    const char *str;        /* names, strings (decoded UTF-8), field names */
    size_t   str_len;
    Node    *lhs, *rhs, *alt;
    List     args;          /* Node*: call arguments, list items */
    /* filled in by the checker */
    Type     type;
    Decl    *ref;           /* the declaration a name or field refers to */
    int      column;        /* for a feed column: its index in the feed */
    int      builtin;       /* for a call of a built-in: its BuiltinId + 1 */
    bool     to_numbers;    /* an argument for a [number] parameter: its items become plain numbers */
    bool     status_name;   /* a name that is a status (met, …), not a parameter of that type */
};

/* `name = value` inside a declaration's braces */
typedef struct Attr {
    const char *name;
    Span        name_span;
    Node       *value;
    bool        used;       /* the checker marks the attributes it knows */
    bool        named_horizon;  /* `horizon NAME = RANGE` in a round: name is NAME */
} Attr;

/* A written type: `percent`, `[number]` */
typedef struct TypeExpr {
    const char *name;
    Span        span;
    int         list;       /* 1 for [T] */
} TypeExpr;

/* A feed column `name: type` or a function parameter `name: type` */
typedef struct Field {
    const char *name;
    Span        span;
    TypeExpr    type;
    Type        resolved;
    const char *format;         /* a feed column's `as points` / `as fraction`, or NULL */
    Span        format_span;
    Node       *groups;         /* a feed column's `in ["1", "2"]`: its groups, in order, or NULL */
} Field;

typedef struct RatingArm {
    const char *label;
    Span        span;
    Node       *when;       /* NULL for `otherwise` */
} RatingArm;

/* rows FEED { header \n cells... } in a test */
typedef struct RowsTable {
    const char *target;     /* a feed or hierarchy */
    Span        span;
    List        header;     /* Field* (name and span only) */
    List        rows;       /* List* of Node* cells */
    Decl       *ref;
} RowsTable;

typedef enum DeclKind {
    D_ROUND, D_IMPORT, D_FEED, D_HIERARCHY, D_LET, D_FN, D_EXTERN,
    D_METRIC, D_COMMITMENT, D_CHECK, D_RATING, D_TEST
} DeclKind;
const char *decl_kind_name(DeclKind k);

typedef enum CommitmentClass { CLASS_NONE, CLASS_FOUNDATIONAL, CLASS_TRANSFORMATION } CommitmentClass;

struct Decl {
    DeclKind    kind;
    Span        span;           /* from the first keyword to the end */
    Span        name_span;
    const char *name;           /* NULL for a test (its title is its name) */
    const char *title;          /* the "…" after the name, or NULL */
    const char *doc;            /* the /// lines before it, or NULL */
    CommitmentClass cls;        /* commitments */
    bool        national;       /* checks and commitments: judged once for the round */
    List        attrs;          /* Attr*: round, feed, hierarchy, commitment, check, test */
    List        fields;         /* Field*: feed columns, fn/extern parameters */
    TypeExpr    type;           /* let (if written), fn/extern result, metric */
    bool        has_type;
    Node       *body;           /* let, fn, metric */
    const char *lib;            /* extern: the library */
    const char *import_path;    /* import "x.pledge": the path; import std.a.b: "std.a.b" */
    bool        import_is_file;
    List        arms;           /* RatingArm* */
    List        tables;         /* RowsTable*: test */
    List        expects;        /* Node*: test */
    /* filled in by the checker */
    Module     *module;         /* the module it is declared in */
    Module     *imported;       /* import: the module it binds */
    Type        resolved;       /* let, metric, fn result */
    int         state;          /* checking: 0 not yet, 1 under way, 2 done */
    bool        used;
    int32_t     index;          /* compiler: its function or table index, -1 none yet */
    int32_t     folded;         /* compiler, lets: constant index, -1 not a constant, -2 unknown */
};

struct Module {
    Source     *src;
    const char *name;           /* "std.nhs", or the path for a file */
    char       *realpath;       /* files: where it is, to find cycles and escapes */
    List        decls;          /* Decl* in source order */
    List        docs;           /* DocComment* gathered by the lexer */
    bool        parsed_ok;
    int         state;          /* imports: 0 not yet, 1 loading, 2 loaded */
    struct Scope *scope;
    Module     *outer;          /* names not found here are looked up there (eval) */
};

typedef struct DocComment { int line_first, line_last; const char *text; } DocComment;

/* Node constructors: each sets depth from its children. */
Node *ast_node(Arena *a, NodeKind kind, Span span);
Node *ast_binary(Arena *a, Op op, Node *lhs, Node *rhs, Span op_span);
Node *ast_unary(Arena *a, Op op, Node *operand, Span op_span, Span span);
Decl *ast_decl(Arena *a, DeclKind kind, Span span);

/* The parts of an aggregate's argument, `col where cond in W as first` in
 * any order of where, in and as: returns the column expression and sets
 * *cond, *window and *pub (the N_PUB node; pub may be NULL) to those found,
 * NULL when absent. */
Node *ast_aggregate_parts(Node *arg, Node **cond, Node **window, Node **pub);

/* Whether n reads feed `feed`, through the metrics, lets and functions it
 * names (once checked): 1 yes, 0 no, -1 cannot tell yet. */
int ast_reads_feed(Node *n, Decl *feed, int depth);

/* The attribute `name` of d, or NULL; marks it used. */
Attr *decl_attr(Decl *d, const char *name);

/* The column a commitment or check is judged by (`by = FEED.COLUMN`, once
 * checked), with its node in *by when by is not NULL: NULL when the item
 * is not judged by group. */
Field *ast_item_groups(Decl *d, Node **by);

/* The index of group `label` among column f's declared groups, or -1. */
int ast_group_index(const Field *f, const char *label);

#endif
