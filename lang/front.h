/* front.h: the front end, from rule-file text to a checked syntax tree.
 *
 *   front_load  reads the root file, parses it and every module it imports
 *               (stdlib by name, files under the root's folder), and checks
 *               the whole program. Diagnostics go to `diags`; the tree lives
 *               in `arena`.                                                */
#ifndef PLEDGE_FRONT_H
#define PLEDGE_FRONT_H
#include "lang/ast.h"
#include "lang/diag.h"

/* Limits that keep a hostile file from exhausting the C stack. */
enum { FRONT_MAX_BRACKETS = 200, FRONT_MAX_EXPR_DEPTH = 2000 };

/* What the lexer and the parser share while reading one module. */
typedef struct ParseCtx {
    Arena  *arena;
    Diags  *diags;
    Module *mod;
    int     line, col;          /* where the lexer is: the next character */
    int     depth;              /* open brackets */
    Span    comment_start;      /* where the block comment being skipped began */
    bool    fatal;              /* stop reading: nesting too deep */
    bool    expr_only;          /* parse one expression (pledge eval) into `expr` */
    Node   *expr;
    /* What the parser needs to word a syntax error well: */
    bool    damaged;            /* the lexer reported this declaration already */
    int     last_token, this_token;     /* the token before the lookahead, and it */
    Span    last_span, this_span;
    Span    braces[FRONT_MAX_BRACKETS + 1];   /* where each open bracket is */
    char    bracket_kind[FRONT_MAX_BRACKETS + 1];
    int     rows_depth;         /* inside a rows table: its brace's depth, else 0 */
    bool    rows_next;          /* the last token was `rows` */
} ParseCtx;


/* Parses mod->src into mod->decls; reports problems. lang/parser.y */
bool parse_module(ParseCtx *ctx);

typedef struct Program {
    Arena   arena;
    Diags   diags;
    Module *root;
    List    modules;            /* Module*: dependencies before dependents */
    List    sources;            /* Source*: owned, freed by front_free */
} Program;

/* Loads, parses and checks; false if there were errors. The program must be
 * released with front_free whatever the result. */
bool front_load(Program *p, const char *path);
/* The same for the file at path, named `name` in messages and in the
 * bytecode (its imports are named from name's folder, read from path's):
 * a replay reads a recorded path from the folder of the run. */
bool front_load_named(Program *p, const char *path, const char *name);
/* The same for a rule file's text in memory (copied); name stands for its
 * path in messages, and imports resolve from name's folder. */
bool front_load_source(Program *p, const char *name, const char *text, size_t len);

/* For `pledge eval`: parses `expr` as a module of its own holding
 * `let it = EXPR`, whose names fall back to the root module's (if a rule
 * file was loaded). On success *it is that declaration. */
bool front_load_expr(Program *p, const char *expr, Decl **it);
void front_free(Program *p);

/* Reports the first byte of src that is not UTF-8 (or a NUL): a rule file
 * must be text. Returns false after reporting. */
bool front_check_encoding(Diags *d, Source *src);

#endif
