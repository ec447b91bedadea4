/* checker.h: name resolution and type checking of a parsed module (§3, §4). */
#ifndef PLEDGE_CHECKER_H
#define PLEDGE_CHECKER_H
#include "lang/ast.h"
#include "lang/diag.h"
#include "base/builtins.h"
#include "base/value.h"

/* Declares the module's names (reporting duplicates). */
void check_declare(Module *m, Arena *arena, Diags *d);
/* Checks every declaration; imported modules must be checked first.
 * is_root: the rule file named on the command line. */
void check_module(Module *m, Arena *arena, Diags *d, bool is_root);

/* The declaration `name` in m's scope, or NULL. */
Decl *check_lookup(Module *m, const char *name);

/* Edit distance, for "did you mean" hints. */
int check_distance(const char *a, const char *b);

#endif
