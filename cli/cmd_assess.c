/* cmd_assess.c: the commands on a round and its data: data, assess and
 * explain. */
#include "cli.h"
#include <string.h>

/* ---- pledge data ------------------------------------------------------------- */

static const char usage_data[] =
    "usage: pledge data --rules FILE --feed NAME=PATH... [--inputs FILE] [--on-bad-row=skip] [OPTIONS]\n"
    "\n"
    "Loads each feed and hierarchy the rule file declares, as an assessment\n"
    "would, and prints what was loaded: rows, organisations, periods, vintages,\n"
    "and the organisations whose rows map to no system of the round's `assess`\n"
    "hierarchy. A cell that does not parse stops it with the file, line, column\n"
    "and text; with --on-bad-row=skip such rows are counted, reported and left out.\n"
    "--inputs FILE binds the feeds an inputs file lists (as for assess).\n"
    "\n"
    "  --max-steps N, --max-memory N, --max-depth N, --allow-native LIB, --trace\n"
    "                          as for eval: they bound the feeds' where conditions\n"
    CLI_SIZE_HELP;

static const struct option data_options[] = {
    CLI_COMMON_OPTIONS, CLI_FEED_OPTIONS, CLI_SIZE_OPTIONS, CLI_RUN_OPTIONS,
    { "rules", required_argument, NULL, OPT_RULES }, { 0 }
};

static int run_data(Cli *c, const CliOptions *o)
{
    if (o->nargs) return cli_usage(c, "unexpected `%s`", o->args[0]);
    if (!o->rules || !o->nfeeds) return cli_usage(c, "needs --rules FILE and --feed NAME=PATH (or --inputs FILE)");
    pledge_round *R;
    pledge_output *po;
    FILE *out;
    int rc = cli_one_stdin(c, o, &o->rules, 1);
    if (rc == PLEDGE_OK) rc = cli_load(c, o->rules, &R);
    if (rc == PLEDGE_OK) rc = cli_bind(c, R, o);
    if (rc == PLEDGE_OK) rc = cli_load_inputs(c, R, false);
    if (rc == PLEDGE_OK) rc = cli_open(c, "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    return cli_close(c, po, cli_status(c, pledge_describe_inputs(R, out), true, NULL));
}

const CliCommand cli_data = { "data", usage_data, "h", data_options, run_data };

/* ---- assess and explain: a round with its inputs, as of a day ------------------------ */

/* RULES, --as-of and the inputs, loaded: the exit status. */
static int load_round(Cli *c, const CliOptions *o, pledge_round **R)
{
    if (!o->nargs) return cli_usage(c, "which rule file?");
    if (o->nargs > 1) return cli_usage(c, "one rule file at a time (`%s`?)", o->args[1]);
    if (o->as_of && pledge_check_date(c->S, o->as_of) != PLEDGE_OK)
        return cli_usage(c, "--as-of %s", pledge_error(c->S));
    int rc = cli_one_stdin(c, o, o->args, 1);
    if (rc == PLEDGE_OK) rc = cli_load(c, o->args[0], R);
    if (rc == PLEDGE_OK) rc = cli_bind(c, *R, o);
    /* a bad variations file's message names its file and line */
    if (rc == PLEDGE_OK && o->variations) rc = cli_status(c, pledge_vary(*R, o->variations), true, NULL);
    if (rc == PLEDGE_OK) rc = cli_load_inputs(c, *R, true);
    return rc;
}

static const char usage_assess[] =
    "usage: pledge assess RULES --feed NAME=PATH... [--as-of DATE] [--system CODE]...\n"
    "                     [--format text|json|csv|html] [-o OUT] [--fail-on STATUS,...]\n"
    "\n"
    "Evaluates every commitment, check and rating of the round for each system of\n"
    "its `assess` hierarchy (or those named with --system), as of DATE (default\n"
    "today): only data known on that day counts. RULES is a .pledge or a .plb.\n"
    "Every feed and hierarchy the round declares must be bound with --feed.\n"
    "\n"
    "options:\n"
    "  --as-of YYYY-MM-DD      judge as on that day (default today)\n"
    "  --system CODE           only this system (repeatable)\n"
    "  --format FMT            text (default), json, csv or html; without it, -o's\n"
    "                          extension (.json, .csv, .html) chooses\n"
    "  -o OUT                  write there, whole or not at all (default standard output)\n"
    "  --fail-on S1,S2         exit 1 if any result has one of these statuses\n"
    "  --inputs FILE           the feeds, as-of date and options an inputs file lists\n"
    "                          (its paths read from its folder); the command line wins\n"
    "  --on-bad-row=skip       count, report and leave out rows that do not parse\n"
    "  --threads N             systems evaluated on N threads (default: every core)\n"
    "  --max-steps N, --max-memory N, --max-depth N, --allow-native LIB  as for eval\n"
    CLI_SIZE_HELP
    "  --variations FILE       apply the variations a region agreed (another target,\n"
    "                          or an exemption, for named systems), those in force\n"
    "                          on the as-of day; every result under one says so\n"
    "  --manifest M.json       record what was run and found, for pledge replay\n"
    "  --archive DB            append the run and its results to an SQLite archive\n"
    "                          (pledge history); see docs/provenance.md\n"
    "\n"
    "exit status: 0 ran (whatever the statuses, unless --fail-on); 1 a status named\n"
    "by --fail-on; 2 usage; 3 bad input; 4 a runtime limit.\n";

static const struct option assess_options[] = {
    CLI_COMMON_OPTIONS, CLI_RUN_OPTIONS, CLI_FEED_OPTIONS, CLI_SIZE_OPTIONS,
    { "as-of", required_argument, NULL, OPT_AS_OF },
    { "system", required_argument, NULL, OPT_SYSTEM },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "fail-on", required_argument, NULL, OPT_FAIL_ON },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "manifest", required_argument, NULL, OPT_MANIFEST },
    { "archive", required_argument, NULL, OPT_ARCHIVE },
    { "variations", required_argument, NULL, OPT_VARIATIONS },
    { 0 }
};

/* Whether status is one of list's, "missed,off_track". */
static bool listed(const char *list, const char *status)
{
    size_t n = strlen(status);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, status, n) == 0) return true;
        p += k + (p[k] == ',');
    }
    return false;
}

/* 1 if an item's status (not a rating's label) is one --fail-on names. */
static int fail_on(const pledge_report *rep, const char *list)
{
    pledge_result r;
    for (size_t i = 0; list && pledge_report_result(rep, i, &r); i++)
        if (strcmp(r.kind, "rating") != 0 && listed(list, r.status)) return PLEDGE_FAILED;
    return PLEDGE_OK;
}

static int run_assess(Cli *c, const CliOptions *o)
{
    pledge_format format;
    if (o->format && !pledge_format_by_name(o->format, &format))
        return cli_usage(c, "--format is text, json, csv or html, not `%s`", o->format);
    if (o->fail_on && pledge_check_statuses(c->S, o->fail_on) != PLEDGE_OK)
        return cli_usage(c, "--fail-on takes statuses such as missed,off_track, not `%s`", o->fail_on);
    pledge_round *R;
    int rc = load_round(c, o, &R);
    if (rc != PLEDGE_OK) return rc;
    format = cli_output_format(c, o);
    CliAssessWants wants = cli_assess_wants(o, format);
    pledge_assess_options ao = { o->as_of, o->systems, o->nsystems, wants.series, wants.digests };
    pledge_report *rep;
    rc = cli_status(c, pledge_assess(R, &ao, &rep), true, NULL);
    if (rc != PLEDGE_OK) return rc;

    const char *path = o->out ? o->out : "-";
    bool standard = strcmp(path, "-") == 0;
    pledge_style style = { standard && cli_color(stdout), standard ? cli_width(stdout) : 80 };
    pledge_output *po;
    FILE *out;
    rc = cli_open(c, path, &po, &out);
    if (rc != PLEDGE_OK) return rc;
    rc = cli_close(c, po, cli_status(c, pledge_report_write(rep, format, out, &style), true, NULL));
    /* one call for each, so that the error says which */
    if (rc == PLEDGE_OK && o->manifest)
        rc = cli_status(c, pledge_report_record(rep, o->manifest, NULL), true, "--manifest");
    if (rc == PLEDGE_OK && o->archive)
        rc = cli_status(c, pledge_report_record(rep, NULL, o->archive), true, "--archive");
    return rc == PLEDGE_OK ? fail_on(rep, o->fail_on) : rc;
}

const CliCommand cli_assess = { "assess", usage_assess, "ho:", assess_options, run_assess };

static const char usage_explain[] =
    "usage: pledge explain RULES --feed NAME=PATH... [--system CODE] --item ID [--as-of DATE]\n"
    "\n"
    "Says why item ID (a commitment, a check or a rating) has its status for system\n"
    "CODE as of DATE: the window judged, the threshold and tolerance, the member\n"
    "organisations and their totals, the rows not yet known on that day, the\n"
    "organisations that map to no system, and for a check the value of each part\n"
    "of its condition. For a rating: each branch's condition in order, up to the\n"
    "one that held, and the statuses they read. A national check needs no\n"
    "--system (one given plays no part): each system's contribution to its total,\n"
    "and the systems with no value.\n"
    "\n"
    "options: --max-steps N, --max-memory N, --max-depth N, --allow-native LIB,\n"
    "  --trace as for eval; --on-bad-row=skip, --inputs FILE, --variations FILE as\n"
    "  for assess\n"
    CLI_SIZE_HELP;

static const struct option explain_options[] = {
    CLI_COMMON_OPTIONS, CLI_RUN_OPTIONS, CLI_FEED_OPTIONS, CLI_SIZE_OPTIONS,
    { "as-of", required_argument, NULL, OPT_AS_OF },
    { "system", required_argument, NULL, OPT_SYSTEM },
    { "item", required_argument, NULL, OPT_ITEM },
    { "variations", required_argument, NULL, OPT_VARIATIONS },
    { 0 }
};

static int run_explain(Cli *c, const CliOptions *o)
{
    if (o->nsystems > 1 || !o->item) return cli_usage(c, "needs an --item ID, and at most one --system CODE");
    pledge_round *R;
    pledge_output *po;
    FILE *out;
    int rc = load_round(c, o, &R);
    if (rc == PLEDGE_OK) rc = cli_open(c, "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    pledge_assess_options ao = { .as_of = o->as_of };
    return cli_close(c, po, cli_status(c, pledge_explain(R, &ao, o->nsystems ? o->systems[0] : NULL, o->item, out), true, NULL));
}

const CliCommand cli_explain = { "explain", usage_explain, "h", explain_options, run_explain };
