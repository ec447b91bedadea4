/* cmd_provenance.c: `pledge replay M.json` and `pledge history --archive
 * DB` (issue 7): pledge_replay and pledge_history (runtime/api/provenance.c).
 * docs/provenance.md says what is recorded and how replay decides. */
#include "config.h"
#include "provenance.h"
#include "cli.h"
#include <stdio.h>
#include <string.h>

static const char usage_replay[] =
    "usage: pledge replay M.json\n"
    "\n"
    "Runs again the assessment a manifest (pledge assess --manifest M.json)\n"
    "records: the same rules, feeds and hierarchies, as-of date and options.\n"
    "Relative paths are as given to pledge assess, in the folder it ran in,\n"
    "which the manifest records relative to its own folder.\n"
    "\n"
    "Says which rules, feed or hierarchy no longer has its recorded SHA-256,\n"
    "by name and path, and which results differ (system, item, status, value).\n"
    "\n"
    "exit status: 0 every input has its recorded hash and the results are\n"
    "identical; 1 something differs; 2 usage; 3 the manifest cannot be read\n"
    "(with the line and column, or the key, at fault); 4 a runtime limit.\n";

static const char usage_history[] =
    "usage: pledge history --archive DB [--system CODE] [--item ID] [--format text|csv]\n"
    "\n"
    "Shows how each result moved from run to run in an archive that\n"
    "pledge assess --archive DB appended to: one line per run, system and item\n"
    "(run id, when archived, as-of date, round, status, value), grouped by\n"
    "system and item, with the change of status from the run before.\n"
    "\n"
    "options:\n"
    "  --archive DB     the archive (an SQLite database)\n"
    "  --system CODE    only this system\n"
    "  --item ID        only this commitment, check or rating\n"
    "  --format F       text (default) or csv (exact values, every run)\n"
    "\n"
    "exit status: 0 shown; 2 usage; 3 the archive cannot be read.\n";

static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

int cmd_replay(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_replay, stdout); return EXIT_OK; }
    if (argc != 1 || (argv[0][0] == '-' && argv[0][1])) {
        if (argc >= 1 && argv[0][0] == '-') fprintf(stderr, "pledge replay: unknown option `%s`\n\n", argv[0]);
        fputs(usage_replay, stderr);
        return EXIT_USAGE;
    }
    pledge_config c;
    pledge_config_init(&c);
    c.bad_rows = stderr;
    CliDiags dg = { 0 };
    pledge_state *S = cli_state(&c, false, &dg);
    if (!S) return EXIT_LIMIT;
    pledge_status st = pledge_replay(S, argv[0], stdout);
    /* a difference, or an assessment that does not run now, is on standard output */
    if (st != PLEDGE_OK && st != PLEDGE_FAILED && strncmp(pledge_error(S), "the assessment does not run now", 31) != 0)
        fprintf(stderr, "pledge replay: %s\n", pledge_error(S));
    pledge_free(S);
    return (int)st;
}

/* ---- pledge history ----------------------------------------------------------- */

int cmd_history(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_history, stdout); return EXIT_OK; }
    const char *db = NULL, *system = NULL, *item = NULL, *format = "text";
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(o, "--archive") == 0 || strcmp(o, "--system") == 0 || strcmp(o, "--item") == 0
                  || strcmp(o, "--format") == 0;
        if (!takes) {
            fprintf(stderr, "pledge history: unexpected `%s`\n\n%s", o, usage_history);
            return EXIT_USAGE;
        }
        if (!v) { fprintf(stderr, "pledge history: %s needs a value\n", o); return EXIT_USAGE; }
        i++;
        if (strcmp(o, "--archive") == 0) db = v;
        else if (strcmp(o, "--system") == 0) system = v;
        else if (strcmp(o, "--item") == 0) item = v;
        else format = v;
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0) {
        fprintf(stderr, "pledge history: --format is text or csv, not `%s`\n", format);
        return EXIT_USAGE;
    }
    if (!db) { fputs(usage_history, stderr); return EXIT_USAGE; }
    pledge_state *S = cli_state(NULL, false, &(CliDiags){ 0 });
    if (!S) return EXIT_LIMIT;
    pledge_history_options o = { system, item, strcmp(format, "csv") == 0 ? PLEDGE_FORMAT_CSV : PLEDGE_FORMAT_TEXT };
    pledge_status st = pledge_history(S, db, &o, stdout);
    if (st == PLEDGE_OK && fflush(stdout) != 0) {
        fputs("pledge history: cannot write the history\n", stderr);
        st = PLEDGE_ERR_INPUT;
    } else if (st != PLEDGE_OK) {
        fprintf(stderr, "pledge history: %s\n", pledge_error(S));
    }
    pledge_free(S);
    return (int)st;
}
