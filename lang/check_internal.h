/* check_internal.h: what the two halves of the checker share (internal to lang/):
 * checker.c (scopes, declarations, attributes) and check_expr.c
 * (expressions, names, calls, units). */
#ifndef PLEDGE_CHECK_INTERNAL_H
#define PLEDGE_CHECK_INTERNAL_H
#include "lang/checker.h"
#include <string.h>

typedef struct Checker {
    Module *mod;
    Arena  *arena;
    Diags  *diags;
    bool    is_root;
    Decl   *round;
} Checker;

enum {
    ALLOW_DATA   = 1 << 0,  /* metrics and aggregates over feeds */
    ALLOW_STATUS = 1 << 1,  /* commitments' and checks' statuses, classes */
    ALLOW_ACROSS = 1 << 2,  /* across(…) */
    ALLOW_ITEMS  = 1 << 3,  /* item("SYSTEM") in a test */
};

typedef struct Env {
    Decl     *decl;         /* the declaration being checked */
    List     *params;       /* Field*: a function's parameters */
    Decl     *row_feed;     /* inside `where`: this feed's columns are row values */
    unsigned  allow;
    bool      national;     /* a national check outside across(…) */
    bool      row_rule;     /* a feed's `require`: row_feed's columns by their bare names, no aggregates */
} Env;

#define ERR(c, at, ...)  diag_error((c)->diags, (c)->mod->src, (at), __VA_ARGS__)
#define WARN(c, at, ...) diag_warning((c)->diags, (c)->mod->src, (at), __VA_ARGS__)
#define NOTE(c, src, at, ...) diag_note((c)->diags, (src), (at), __VA_ARGS__)
#define HINT(c, ...)     diag_hint((c)->diags, __VA_ARGS__)

typedef struct Suggest { const char *best; int dist; const char *word; } Suggest;

/* checker.c */
void        check_decl(Checker *c, Decl *d);
int         check_builtin_by_name(const char *name);
bool        check_is_status(const char *name);
const char *check_tname(Checker *c, Type t); /* "percent", "[count]": in the checker's arena */
void        check_suggest(Suggest *s, const char *candidate);
void        check_hint_suggestion(Checker *c, Suggest *s);
void        check_suggest_in_module(Suggest *s, Module *m);
void        check_suggest_functions(Suggest *s, Module *m);

/* check_expr.c */
Type        check_expr(Checker *c, Node *n, Env *env);
Type        check_resolve_type(Checker *c, TypeExpr *te);
bool        check_window(Checker *c, Node *w, Env *env);
Type        check_field(Checker *c, Node *n, Env *env, Decl **target);
Field      *check_feed_column(Decl *feed, const char *name);
TypeKind    check_feed_key_column(Decl *feed, const char *name);
void        check_warn_percent(Checker *c, Type pct, Node *num);
Type        check_literal_for(Node *n, Type t, Type other);
Type        check_set(Node *n, Type t);
/* Results by group (issue 16) */
Field      *check_group_column(Checker *c, Node *n, Env *env, const char *what);

#endif
