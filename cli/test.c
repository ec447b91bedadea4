/* test.c: `pledge test FILE...`, the test blocks of rule files (spec §3),
 * run by pledge_test (runtime/api/test.c). */
#include "config.h"
#include "test.h"
#include "cli.h"
#include "base/outfile.h"
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: pledge test FILE... [--filter TEXT] [--format text|junit|json] [-o OUT] [--coverage]\n"
    "\n"
    "Runs the `test` blocks of each rule file: their rows tables stand in for\n"
    "feeds and hierarchies, `as_of` sets the day (default today), and each\n"
    "`expect` must hold. Prints each test's result, what was expected and found\n"
    "for a failure, and ends with 'N passed, N failed'. --filter runs only the\n"
    "tests whose names contain TEXT; junit and json are for CI systems.\n"
    "--coverage lists the commitments, targets, milestones, checks and rating\n"
    "branches that no test reached.\n"
    "\n"
    "exit status: 0 every test passed; 1 some failed; 2 usage; 3 a file has errors.\n";

int cmd_test(int argc, char **argv)
{
    const char *files[256], *filter = NULL, *outpath = NULL;
    size_t nfiles = 0;
    pledge_format format = PLEDGE_FORMAT_TEXT;
    bool coverage = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(usage, stdout); return EXIT_OK; }
        if ((strcmp(a, "--filter") == 0 || strcmp(a, "--format") == 0 || strcmp(a, "-o") == 0) && i + 1 >= argc) {
            fprintf(stderr, "pledge test: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        if (strcmp(a, "--coverage") == 0) coverage = true;
        else if (strcmp(a, "--filter") == 0) filter = argv[++i];
        else if (strcmp(a, "-o") == 0) outpath = argv[++i];
        else if (strcmp(a, "--format") == 0) {
            const char *f = argv[++i];
            if (strcmp(f, "text") == 0) format = PLEDGE_FORMAT_TEXT;
            else if (strcmp(f, "junit") == 0) format = PLEDGE_FORMAT_JUNIT;
            else if (strcmp(f, "json") == 0) format = PLEDGE_FORMAT_JSON;
            else { fprintf(stderr, "pledge test: --format is text, junit or json, not `%s`\n", f); return EXIT_USAGE; }
        } else if (a[0] == '-' && a[1]) { fprintf(stderr, "pledge test: unknown option `%s`\n\n%s", a, usage); return EXIT_USAGE; }
        else if (nfiles < sizeof files / sizeof files[0]) files[nfiles++] = a;
        else { fputs("pledge test: too many files\n", stderr); return EXIT_USAGE; }
    }
    if (!nfiles) { fputs(usage, stderr); return EXIT_USAGE; }

    CliDiags dg = { 0 };
    pledge_state *S = cli_state(NULL, false, &dg);
    if (!S) return EXIT_LIMIT;
    int rc = EXIT_OK;
    OutFile of = { 0 };
    char why[512];
    FILE *out = outpath ? outfile_open(&of, outpath, why, sizeof why) : stdout;
    if (!out) { fprintf(stderr, "pledge test: %s\n", why); rc = EXIT_BAD_INPUT; out = stdout; }
    pledge_test_options o = { filter, format, coverage, false };
    pledge_status st = pledge_test(S, files, nfiles, &o, out, NULL, NULL);
    if (st != PLEDGE_OK && st != PLEDGE_FAILED && !(st == PLEDGE_ERR_INPUT && dg.errors))
        fprintf(stderr, "pledge test: %s\n", pledge_error(S));     /* the diagnostics say why a file failed */
    if (out != stdout && !outfile_commit(&of, why, sizeof why)) {
        fprintf(stderr, "pledge test: %s\n", why);
        rc = EXIT_BAD_INPUT;
    }
    pledge_free(S);
    return rc != EXIT_OK ? rc : (int)st;
}
