/* fmt.c: `pledge fmt FILE...`, the canonical layout of rule files (§8):
 * pledge_fmt (runtime/api/fmt.c). */
#include "config.h"
#include "fmt.h"
#include "cli.h"
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: pledge fmt [--check | --stdout] FILE...\n"
    "\n"
    "Lays each rule file out canonically, in place: four spaces of indent per\n"
    "block, continuation lines one step deeper, the `=` of a block's attributes\n"
    "aligned, no trailing spaces or runs of blank lines. Comments and line\n"
    "breaks are kept. A file is rewritten only if it checks and the new layout\n"
    "compiles to the same program.\n"
    "\n"
    "  --check    change nothing; exit 1 if a file is not laid out canonically\n"
    "  --stdout   print the laid-out text instead of rewriting the file\n"
    "\n"
    "exit status: 0 done (or, with --check, every file canonical); 1 a file\n"
    "would change; 2 usage; 3 a file has errors or cannot be written.\n";

int cmd_fmt(int argc, char **argv)
{
    bool check = false, to_stdout = false;
    int nfiles = 0, rc = EXIT_OK;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(usage, stdout); return EXIT_OK; }
        if (strcmp(argv[i], "--check") == 0) check = true;
        else if (strcmp(argv[i], "--stdout") == 0) to_stdout = true;
        else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "pledge fmt: unknown option `%s`\n\n%s", argv[i], usage); return EXIT_USAGE; }
        else nfiles++;
    }
    if (!nfiles || (check && to_stdout)) { fputs(usage, stderr); return EXIT_USAGE; }
    CliDiags dg = { 0 };
    pledge_state *S = cli_state(NULL, false, &dg);
    if (!S) return EXIT_LIMIT;
    pledge_fmt_mode mode = to_stdout ? PLEDGE_FMT_PRINT : check ? PLEDGE_FMT_CHECK : PLEDGE_FMT_REWRITE;
    for (int i = 0; i < argc; i++) {
        const char *path = argv[i];
        if (path[0] == '-' && path[1]) continue;
        pledge_status st = pledge_fmt(S, path, mode, stdout);
        if (st == PLEDGE_FAILED) {
            if (rc == EXIT_OK) rc = EXIT_FAILED;
        } else if (st != PLEDGE_OK) {
            fprintf(stderr, "pledge fmt: %s\n", pledge_error(S));
            rc = (int)st;
        }
    }
    pledge_free(S);
    return rc;
}
