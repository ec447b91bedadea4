/* front.h: the front end, from rule-file text to a checked syntax tree.
 *
 *   front_load  reads the root file, parses it and every module it imports
 *               (stdlib by name, files under the root's folder), and checks
 *               the whole program. Diagnostics go to `diags`; the tree lives
 *               in `arena`.                                                */
#ifndef PLEDGE_FRONT_H
#define PLEDGE_FRONT_H
#include "ast.h"
#include "diag.h"

/* What the lexer and the parser share while reading one module. */
typedef struct ParseCtx {
    Arena  *arena;
    Diags  *diags;
    Module *mod;
    int     line, col;          /* where the lexer is: the next character */
    int     depth;              /* open brackets */
    Span    comment_start;      /* where the block comment being skipped began */
    bool    fatal;              /* stop reading: nesting too deep */
} ParseCtx;

/* Limits that keep a hostile file from exhausting the C stack. */
enum { FRONT_MAX_BRACKETS = 200, FRONT_MAX_EXPR_DEPTH = 2000 };

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
void front_free(Program *p);

/* Reports the first byte of src that is not UTF-8 (or a NUL): a rule file
 * must be text. Returns false after reporting. */
bool front_check_encoding(Diags *d, Source *src);

#endif
