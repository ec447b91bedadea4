/* doc.c: `pledge doc RULES`, a readable summary of a round (spec §8), in
 * Markdown: pledge_doc (runtime/api/doc.c). */
#include "config.h"
#include "doc.h"
#include "cli.h"
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: pledge doc RULES\n"
    "\n"
    "Prints a readable summary of the round in RULES (a .pledge or a .plb), in\n"
    "Markdown: its dates, its commitments with targets, milestones, tolerances,\n"
    "sources and doc comments, its checks and ratings, and the feeds and\n"
    "hierarchies it reads.\n";

int cmd_doc(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) { fputs(usage, stdout); return EXIT_OK; }
    if (argc != 1 || argv[0][0] == '-') { fputs(usage, stderr); return EXIT_USAGE; }
    CliDiags dg = { 0 };
    pledge_state *S = cli_state(NULL, use_color(stderr), &dg);
    if (!S) return EXIT_LIMIT;
    pledge_round *R;
    pledge_status st = pledge_load(S, argv[0], &R);
    if (st != PLEDGE_OK) cli_load_failed(S, st, &dg);
    else if ((st = pledge_doc(R, stdout)) != PLEDGE_OK) fprintf(stderr, "pledge doc: %s\n", pledge_error(S));
    else if (fflush(stdout) != 0) st = PLEDGE_ERR_INPUT;
    pledge_free(S);
    return (int)st;
}
