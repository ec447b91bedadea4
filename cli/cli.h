/* cli.h: what the command's files share (cli/pledge.c defines these). */
#ifndef PLEDGE_CLI_H
#define PLEDGE_CLI_H
#include "vm/vm.h"
#include "pledge.h"

/* The exit codes of spec §8 (1: a status or test asked to fail). */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_BAD_INPUT = 3, EXIT_LIMIT = 4, EXIT_INTERNAL = 5 };

/* Reads RULES, a .pledge source (checked and compiled) or a .plb (verified),
 * printing any diagnostics; returns the exit code. */
int load_rules(const char *path, BcProgram *bc);

/* Today's date, the default --as-of. */
Day today(void);

/* Whether to colour what goes to f: a terminal, and NO_COLOR not set. */
bool use_color(FILE *f);

/* How many diagnostics of rule files were errors (cli_state prints them
 * all on standard error, as `pledge check` does). */
typedef struct CliDiags { unsigned errors; } CliDiags;

/* A library state (c: NULL for the defaults) whose diagnostics are printed
 * on standard error, coloured or not, and counted in *d; NULL after saying
 * why not. */
pledge_state *cli_state(pledge_config *c, bool color, CliDiags *d);

/* After a failed pledge_load: the diagnostics said it already, else (a
 * .plb that cannot be read) `pledge: ` and the error; returns the status. */
int cli_load_failed(pledge_state *S, pledge_status st, const CliDiags *d);

#endif
