/* diff.c: `pledge diff OLD NEW`, what a round changed against an earlier
 * one: pledge_diff (runtime/api/diff.c). */
#include "config.h"
#include "diff.h"
#include "cli.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: pledge diff OLD NEW [--format text|json] [--feed NAME=PATH... [--as-of DATE]]\n"
    "\n"
    "Says what round NEW changed against OLD (each a .pledge or a .plb):\n"
    "commitments added, dropped or restated (matched by id, or by NEW's\n"
    "`restates = \"ROUND.id\"`), their targets, milestones, tolerances and\n"
    "deadlines moved, checks added or removed. With the feeds both rounds read,\n"
    "it also assesses both as of DATE (default today) and lists the systems\n"
    "whose status a matched commitment changed.\n";

int cmd_diff(int argc, char **argv)
{
    const char *paths[2] = { NULL, NULL };
    int npaths = 0;
    bool json = false;
    const char *feeds[64], *as_of = NULL;
    size_t nb = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(usage, stdout); return EXIT_OK; }
        if ((strcmp(a, "--format") == 0 || strcmp(a, "--feed") == 0 || strcmp(a, "--as-of") == 0) && !v) {
            fprintf(stderr, "pledge diff: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        if (strcmp(a, "--format") == 0) {
            i++;
            if (strcmp(v, "json") == 0) json = true;
            else if (strcmp(v, "text") != 0) { fprintf(stderr, "pledge diff: --format is text or json, not `%s`\n", v); return EXIT_USAGE; }
        } else if (strcmp(a, "--feed") == 0) {
            i++;
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || !eq[1] || nb == 64) { fprintf(stderr, "pledge diff: --feed needs NAME=PATH\n"); return EXIT_USAGE; }
            feeds[nb++] = v;
        } else if (strcmp(a, "--as-of") == 0) {
            i++;
            char why[128];
            Day day;
            if (!cal_parse_day(v, strlen(v), &day, why, sizeof why)) { fprintf(stderr, "pledge diff: --as-of `%s`: %s\n", v, why); return EXIT_USAGE; }
            as_of = v;
        } else if (a[0] == '-' && a[1]) { fprintf(stderr, "pledge diff: unknown option `%s`\n\n%s", a, usage); return EXIT_USAGE; }
        else if (npaths < 2) paths[npaths++] = a;
        else { fputs(usage, stderr); return EXIT_USAGE; }
    }
    if (npaths != 2) { fputs(usage, stderr); return EXIT_USAGE; }
    if (as_of && !nb) { fputs("pledge diff: --as-of needs the feeds (--feed NAME=PATH)\n", stderr); return EXIT_USAGE; }
    CliDiags dg = { 0 };
    pledge_state *S = cli_state(NULL, use_color(stderr), &dg);
    if (!S) return EXIT_LIMIT;
    pledge_round *R[2] = { NULL, NULL };
    pledge_status st = PLEDGE_OK;
    for (int k = 0; k < 2 && st == PLEDGE_OK; k++)
        if ((st = pledge_load(S, paths[k], &R[k])) != PLEDGE_OK) cli_load_failed(S, st, &dg);
    for (size_t i = 0; i < nb && st == PLEDGE_OK; i++) {
        const char *eq = strchr(feeds[i], '=');
        char *name = strndup(feeds[i], (size_t)(eq - feeds[i]));
        for (int k = 0; k < 2 && st == PLEDGE_OK; k++) st = pledge_bind(R[k], name, eq + 1);
        free(name);
        if (st != PLEDGE_OK) fprintf(stderr, "pledge diff: %s\n", pledge_error(S));
    }
    if (st == PLEDGE_OK) {
        pledge_diff_options o = { json ? PLEDGE_FORMAT_JSON : PLEDGE_FORMAT_TEXT, nb > 0, as_of };
        st = pledge_diff(R[0], R[1], &o, stdout);
        if (st != PLEDGE_OK) fprintf(stderr, "pledge diff: %s\n", pledge_error(S));
        else if (fflush(stdout) != 0) st = PLEDGE_ERR_INPUT;
    }
    pledge_free(S);
    return (int)st;
}
