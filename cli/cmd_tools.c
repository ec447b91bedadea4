/* cmd_tools.c: the tools around rounds: test, diff, doc, fmt, and replay
 * and history (provenance, docs/provenance.md). */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

/* ---- pledge test ----------------------------------------------------------------- */

static const char usage_test[] =
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
    "options:\n"
    "  --max-steps N, --max-memory N, --max-depth N, --allow-native LIB, --trace\n"
    "                          as for eval; a test that reaches a limit fails, saying which\n"
    CLI_SIZE_HELP
    "\n"
    "exit status: 0 every test passed; 1 some failed; 2 usage; 3 a file has errors.\n";

static const struct option test_options[] = {
    CLI_COMMON_OPTIONS, CLI_RUN_OPTIONS, CLI_SIZE_OPTIONS,
    { "filter", required_argument, NULL, OPT_FILTER },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "coverage", no_argument, NULL, OPT_COVERAGE },
    { 0 }
};

static int run_test(Cli *c, const CliOptions *o)
{
    if (!o->nargs) return cli_usage(c, "no rule file given");
    pledge_test_options to = { o->filter, PLEDGE_FORMAT_TEXT, o->coverage, false };
    if (o->format && strcmp(o->format, "junit") == 0) to.format = PLEDGE_FORMAT_JUNIT;
    else if (o->format && (!pledge_format_by_name(o->format, &to.format) ||
                           (to.format != PLEDGE_FORMAT_TEXT && to.format != PLEDGE_FORMAT_JSON)))
        return cli_usage(c, "--format is text, junit or json, not `%s`", o->format);
    const char *path = o->out ? o->out : "-";
    to.color = strcmp(path, "-") == 0 && cli_color(stdout);
    pledge_output *po;
    FILE *out;
    int rc = cli_open(c, path, &po, &out);
    if (rc != PLEDGE_OK) return rc;
    pledge_status st = pledge_test(c->S, o->args, o->nargs, &to, out, NULL, NULL);
    return cli_close(c, po, cli_status(c, st, true, NULL));
}

const CliCommand cli_test = { "test", usage_test, "ho:", test_options, run_test };

/* ---- pledge diff ------------------------------------------------------------------- */

static const char usage_diff[] =
    "usage: pledge diff OLD NEW [--format text|json] [--feed NAME=PATH... [--as-of DATE]]\n"
    "\n"
    "Says what round NEW changed against OLD (each a .pledge or a .plb),\n"
    "declaration by declaration on what each compiles to: round dates and\n"
    "horizon, feeds, row rules, hierarchies, lets, functions, metrics,\n"
    "commitments, checks, ratings and tests. Each that differs is added (+),\n"
    "removed (-), changed (~, old -> new), changed in wording only (=) or\n"
    "affected (>: it uses one that changed); `no changes` only when the\n"
    "compiled programs are the same apart from positions and comments.\n"
    "Commitments are matched by id, or by NEW's `restates = \"ROUND.id\"`.\n"
    "With the feeds both rounds read, it also assesses both as of DATE\n"
    "(default today) and lists every result and rating that moved, old and\n"
    "new, with totals per item. --inputs FILE binds the feeds and as-of date\n"
    "an inputs file lists (as for assess). --variations FILE applies a\n"
    "variations file to NEW: each variation is listed as a change of its rule\n"
    "for the systems it names, and with the feeds NEW is assessed under it.\n"
    "\n"
    "options:\n"
    CLI_SIZE_HELP;

static const struct option diff_options[] = {
    CLI_COMMON_OPTIONS, CLI_SIZE_OPTIONS,
    { "format", required_argument, NULL, OPT_FORMAT },
    { "feed", required_argument, NULL, OPT_FEED },
    { "inputs", required_argument, NULL, OPT_INPUTS },
    { "as-of", required_argument, NULL, OPT_AS_OF },
    { "variations", required_argument, NULL, OPT_VARIATIONS },
    { 0 }
};

/* Standard input, whole (NULL if it cannot be read). */
static char *read_stdin(size_t *len)
{
    size_t cap = 65536, n = 0, got;
    char *text = malloc(cap);
    while (text && (got = fread(text + n, 1, cap - n, stdin)) > 0)
        if ((n += got) == cap) {
            char *more = realloc(text, cap *= 2);
            if (!more) free(text);
            text = more;
        }
    if (text && ferror(stdin)) {
        free(text);
        text = NULL;
    }
    *len = n;
    return text;
}

/* Each --feed to both rounds; a feed from standard input is read once. */
static int bind_both(Cli *c, pledge_round *old, pledge_round *neu, const CliOptions *o)
{
    int rc = PLEDGE_OK;
    for (size_t i = 0; i < o->nfeeds && rc == PLEDGE_OK; i++) {
        const char *eq = strchr(o->feeds[i], '=');
        char *name = strndup(o->feeds[i], (size_t)(eq - o->feeds[i]));
        if (!name) {
            fputs("pledge: out of memory\n", stderr);
            return PLEDGE_ERR_LIMIT;
        }
        if (strcmp(eq + 1, "-") != 0) {
            rc = cli_status(c, pledge_bind(old, name, eq + 1), true, NULL);
            if (rc == PLEDGE_OK) rc = cli_status(c, pledge_bind(neu, name, eq + 1), true, NULL);
        } else {
            size_t len;
            char *csv = read_stdin(&len);
            if (!csv) {
                fprintf(stderr, "pledge diff: standard input: cannot read it\n");
                rc = PLEDGE_ERR_INPUT;
            }
            if (rc == PLEDGE_OK) rc = cli_status(c, pledge_bind_csv(old, name, "<stdin>", csv, len), true, NULL);
            if (rc == PLEDGE_OK) rc = cli_status(c, pledge_bind_csv(neu, name, "<stdin>", csv, len), true, NULL);
            free(csv);
        }
        free(name);
    }
    return rc;
}

static int run_diff(Cli *c, const CliOptions *o)
{
    if (o->nargs != 2) return cli_usage(c, "needs OLD and NEW");
    pledge_diff_options d = { PLEDGE_FORMAT_TEXT, o->nfeeds > 0, o->as_of };
    if (o->format && (!pledge_format_by_name(o->format, &d.format) ||
                      (d.format != PLEDGE_FORMAT_TEXT && d.format != PLEDGE_FORMAT_JSON)))
        return cli_usage(c, "--format is text or json, not `%s`", o->format);
    if (o->as_of && !o->nfeeds) return cli_usage(c, "--as-of needs the feeds (--feed NAME=PATH or --inputs FILE)");
    if (o->as_of && pledge_check_date(c->S, o->as_of) != PLEDGE_OK)
        return cli_usage(c, "--as-of %s", pledge_error(c->S));
    pledge_round *old, *neu;
    pledge_output *po;
    FILE *out;
    int rc = cli_one_stdin(c, o, o->args, 2);
    if (rc == PLEDGE_OK) rc = cli_load(c, o->args[0], &old);
    if (rc == PLEDGE_OK) rc = cli_load(c, o->args[1], &neu);
    if (rc == PLEDGE_OK) rc = bind_both(c, old, neu, o);
    if (rc == PLEDGE_OK && o->variations) rc = cli_status(c, pledge_vary(neu, o->variations), true, NULL);
    if (rc == PLEDGE_OK) rc = cli_open(c, "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    pledge_status st = pledge_diff(old, neu, &d, out);
    cli_progress_done(c);
    return cli_close(c, po, cli_status(c, st, true, NULL));
}

const CliCommand cli_diff = { "diff", usage_diff, "h", diff_options, run_diff };

/* ---- pledge doc ---------------------------------------------------------------------- */

static const char usage_doc[] =
    "usage: pledge doc RULES [--format markdown|html] [-o OUT]\n"
    "\n"
    "Writes the whole rule of the round in RULES (a .pledge or a .plb) for people\n"
    "to read: its dates; its commitments with targets, milestones, tolerances,\n"
    "sources and doc comments; every check and national check with its condition\n"
    "in words and in Pledge; every rating branch with its condition; the metrics\n"
    "with their formulas; the feeds with their columns, units, lag, vintage and\n"
    "row rules; the hierarchies. Markdown (the default), or with --format html\n"
    "(or -o FILE.html) one self-contained HTML page.\n"
    "\n"
    "  --variations FILE       list the variations FILE agrees for named systems\n"
    "                          (each rule, the round's line and the variation's, the\n"
    "                          reason, who agreed it, from when until when)\n";

static const struct option doc_options[] = {
    CLI_COMMON_OPTIONS, { "format", required_argument, NULL, OPT_FORMAT },
    { "variations", required_argument, NULL, OPT_VARIATIONS }, { 0 }
};

static int run_doc(Cli *c, const CliOptions *o)
{
    /* Markdown is the text this command writes: --format markdown names it */
    bool markdown = o->format && strcmp(o->format, "markdown") == 0;
    pledge_format f = PLEDGE_FORMAT_TEXT;
    if (o->format && !markdown && (!pledge_format_by_name(o->format, &f) || (f != PLEDGE_FORMAT_TEXT && f != PLEDGE_FORMAT_HTML)))
        return cli_usage(c, "--format is markdown or html, not `%s`", o->format);
    return cli_write_round(c, o, "rule file", markdown ? PLEDGE_FORMAT_TEXT : cli_output_format(c, o), pledge_doc_as);
}

const CliCommand cli_doc = { "doc", usage_doc, "ho:", doc_options, run_doc };

/* ---- pledge sql ------------------------------------------------------------------------ */

static const char usage_sql[] =
    "usage: pledge sql RULES [--dialect postgresql|sqlite|duckdb|spark] [--table FEED=TABLE]... [-o OUT]\n"
    "\n"
    "Prints, for each feed of the round in RULES, the one query that computes\n"
    "what the round reads of it where its rows live: GROUP BY organisation and\n"
    "period (and vintage), a sum and a count for each aggregate under its where\n"
    "condition. Run it on a warehouse Pledge cannot reach and save its result\n"
    "as CSV: `--feed NAME=aggregated:FILE.csv` reads it (docs/scale.md).\n"
    "\n"
    "  --dialect D         postgresql, sqlite (the default), duckdb or spark\n"
    "  --table FEED=TABLE  the table a feed's rows are in (schema.table allowed);\n"
    "                      by default the table of the feed's name\n"
    "\n"
    "exit status: 0 done; 2 usage; 3 the rule file has errors, or a feed cannot\n"
    "be pushed down (a median, say: the query is a comment saying why).\n";

static const struct option sql_options[] = {
    CLI_COMMON_OPTIONS,
    { "dialect", required_argument, NULL, OPT_DIALECT },
    { "table", required_argument, NULL, OPT_TABLE },
    { 0 }
};

static int run_sql(Cli *c, const CliOptions *o)
{
    if (o->nargs != 1) return cli_usage(c, "give one rule file");
    pledge_round *R;
    pledge_output *po;
    FILE *out;
    int rc = cli_load(c, o->args[0], &R);
    if (rc == PLEDGE_OK) rc = cli_open(c, o->out ? o->out : "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    return cli_close(c, po, cli_status(c, pledge_sql(R, o->dialect, o->tables, o->ntables, out), true, NULL));
}

const CliCommand cli_sql = { "sql", usage_sql, "ho:", sql_options, run_sql };

/* ---- pledge fmt ------------------------------------------------------------------------ */

static const char usage_fmt[] =
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

static const struct option fmt_options[] = {
    CLI_COMMON_OPTIONS,
    { "check", no_argument, NULL, OPT_CHECK },
    { "stdout", no_argument, NULL, OPT_STDOUT },
    { 0 }
};

static int run_fmt(Cli *c, const CliOptions *o)
{
    if (!o->nargs) return cli_usage(c, "no rule file given");
    if (o->check && o->to_stdout) return cli_usage(c, "--check or --stdout, not both");
    pledge_fmt_mode mode = o->check ? PLEDGE_FMT_CHECK : o->to_stdout ? PLEDGE_FMT_PRINT : PLEDGE_FMT_REWRITE;
    pledge_output *po;
    FILE *out;
    int rc = cli_open(c, "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    for (size_t i = 0; i < o->nargs; i++) {
        const char *path = o->args[i];
        pledge_status st = pledge_fmt(c->S, path, mode, out);     /* it says which file is not laid out */
        rc = cli_worst(rc, cli_status(c, st, true, NULL));
    }
    return cli_close(c, po, rc);
}

const CliCommand cli_fmt = { "fmt", usage_fmt, "h", fmt_options, run_fmt };

/* ---- pledge replay ----------------------------------------------------------------------- */

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
    "options:\n"
    "  --allow-native LIB      let the round's natives of LIB run, if the manifest\n"
    "                          records LIB as allowed too (a manifest alone allows none)\n"
    CLI_SIZE_HELP
    "\n"
    "exit status: 0 every input has its recorded hash and the results are\n"
    "identical; 1 something differs; 2 usage; 3 the manifest cannot be read\n"
    "(with the line and column, or the key, at fault); 4 a runtime limit.\n";

static const struct option replay_options[] = {
    CLI_COMMON_OPTIONS, CLI_SIZE_OPTIONS, { "allow-native", required_argument, NULL, OPT_ALLOW_NATIVE }, { 0 }
};

static int run_replay(Cli *c, const CliOptions *o)
{
    if (o->nargs != 1) return cli_usage(c, "give one manifest");
    pledge_output *po;
    FILE *out;
    int rc = cli_open(c, "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    return cli_close(c, po, cli_status(c, pledge_replay(c->S, o->args[0], out), true, NULL));
}

const CliCommand cli_replay = { "replay", usage_replay, "h", replay_options, run_replay };

/* ---- pledge history ------------------------------------------------------------------------ */

static const char usage_history[] =
    "usage: pledge history --archive DB [--system CODE] [--item ID] [--format text|json|csv]\n"
    "\n"
    "Shows how each result moved from run to run in an archive that\n"
    "pledge assess --archive DB appended to. First the runs, in order of as-of\n"
    "date (then when archived), each with its round and its rules' and inputs'\n"
    "SHA-256 (short); then one line per run, system and item, grouped by system\n"
    "and item in the same order, with the change of status from the run before\n"
    "and its causes (as_of, data FEED, hierarchy NAME, rules: as pledge compare\n"
    "finds them; ? when the runs' files are no longer as recorded).\n"
    "\n"
    "options:\n"
    "  --archive DB     the archive (an SQLite database)\n"
    "  --system CODE    only this system\n"
    "  --item ID        only this commitment, check or rating\n"
    "  --format F       text (default), json or csv (exact values, every run)\n"
    "\n"
    "exit status: 0 shown; 2 usage; 3 the archive cannot be read.\n";

static const struct option history_options[] = {
    CLI_COMMON_OPTIONS,
    { "archive", required_argument, NULL, OPT_ARCHIVE },
    { "system", required_argument, NULL, OPT_SYSTEM },
    { "item", required_argument, NULL, OPT_ITEM },
    { "format", required_argument, NULL, OPT_FORMAT },
    { 0 }
};

static int run_history(Cli *c, const CliOptions *o)
{
    if (o->nargs) return cli_usage(c, "unexpected `%s`", o->args[0]);
    if (!o->archive) return cli_usage(c, "which archive? (--archive DB)");
    if (o->nsystems > 1) return cli_usage(c, "one --system at a time");
    pledge_history_options h = { o->nsystems ? o->systems[0] : NULL, o->item, PLEDGE_FORMAT_TEXT };
    if (o->format && (!pledge_format_by_name(o->format, &h.format) || h.format == PLEDGE_FORMAT_HTML))
        return cli_usage(c, "--format is text, json or csv, not `%s`", o->format);
    pledge_output *po;
    FILE *out;
    int rc = cli_open(c, "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    return cli_close(c, po, cli_status(c, pledge_history(c->S, o->archive, &h, out), true, NULL));
}

const CliCommand cli_history = { "history", usage_history, "h", history_options, run_history };

/* ---- pledge compare --------------------------------------------------------------------- */

static const char usage_compare[] =
    "usage: pledge compare A.json B.json [--format text|json|csv] [--allow-native LIB] [-o OUT]\n"
    "       pledge compare --archive DB RUN_A RUN_B [--format text|json|csv] [-o OUT]\n"
    "\n"
    "Says why the results of run B differ from run A's: two manifests (pledge\n"
    "assess --manifest), or two runs of an archive (pledge assess --archive) by\n"
    "id. For each result whose status or value moved, it names the causes\n"
    "among the as-of date, each feed's data, each hierarchy and the rules, by\n"
    "assessing every combination of A's and B's; each cause's share of the\n"
    "change in value (Shapley values); and the one that flipped the status\n"
    "(switching as-of, feeds, hierarchies, rules in that order). Every file must\n"
    "be as its run recorded it.\n"
    "\n"
    "options:\n"
    "  --allow-native LIB      let the rounds' natives of LIB run, if the run's\n"
    "                          manifest records LIB as allowed too (as for replay)\n"
    CLI_SIZE_HELP
    "\n"
    "exit status: 0 compared; 2 usage; 3 a manifest, archive or file cannot be\n"
    "read, or a file changed since its run; 4 a runtime limit.\n";

static const struct option compare_options[] = {
    CLI_COMMON_OPTIONS, CLI_SIZE_OPTIONS,
    { "archive", required_argument, NULL, OPT_ARCHIVE },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "allow-native", required_argument, NULL, OPT_ALLOW_NATIVE },
    { 0 }
};

static int run_compare(Cli *c, const CliOptions *o)
{
    if (o->nargs != 2) return cli_usage(c, o->archive ? "needs RUN_A and RUN_B" : "needs A.json and B.json");
    pledge_compare_options co = { PLEDGE_FORMAT_TEXT, o->archive };
    if (o->format && (!pledge_format_by_name(o->format, &co.format) || co.format == PLEDGE_FORMAT_HTML))
        return cli_usage(c, "--format is text, json or csv, not `%s`", o->format);
    pledge_output *po;
    FILE *out;
    int rc = cli_open(c, o->out ? o->out : "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    pledge_status st = pledge_compare(c->S, o->args[0], o->args[1], &co, out);
    return cli_close(c, po, cli_status(c, st, true, NULL));
}

const CliCommand cli_compare = { "compare", usage_compare, "ho:", compare_options, run_compare };
