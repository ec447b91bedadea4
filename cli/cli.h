/* cli.h: what the files of the `pledge` command share. The command is a
 * client of include/pledge.h and of nothing else of the tree.
 *
 * Each command has one getopt_long table (the CLI_*_OPTIONS macros are its
 * common rows) and one function; cli_parse reads the command line into a
 * CliOptions, cli_state makes the pledge_state from it, and the cli_*
 * helpers below say what went wrong in the command's words and return the
 * exit status (a pledge_status). */
#ifndef PLEDGE_CLI_H
#define PLEDGE_CLI_H
#include "pledge.h"
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* The values of the options without a one-letter form (`-h` and `-o` have
 * their letter). */
enum {
    OPT_VERSION = 256, OPT_RULES, OPT_FEED, OPT_ON_BAD_ROW, OPT_AS_OF, OPT_SYSTEM, OPT_ITEM, OPT_FORMAT,
    OPT_FAIL_ON, OPT_THREADS, OPT_MANIFEST, OPT_ARCHIVE, OPT_ALLOW_NATIVE, OPT_TRACE, OPT_FILTER, OPT_COVERAGE,
    OPT_CHECK, OPT_STDOUT, OPT_INPUTS, OPT_VARIATIONS, OPT_DIALECT, OPT_TABLE,
    /* the limits, in CliOptions.limits' order: each a positive size */
    OPT_MAX_STEPS, OPT_MAX_MEMORY, OPT_MAX_DEPTH, OPT_MAX_ROWS, OPT_MAX_COLUMNS, OPT_MAX_CELL, OPT_MAX_ORGS,
    OPT_MAX_PERIODS, OPT_MAX_END
};
enum { CLI_LIMITS = OPT_MAX_END - OPT_MAX_STEPS };

/* every command's */
#define CLI_COMMON_OPTIONS \
    { "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, OPT_VERSION }
/* what bounds an evaluation (eval, data, assess, explain) */
#define CLI_RUN_OPTIONS \
    { "max-steps", required_argument, NULL, OPT_MAX_STEPS }, \
    { "max-memory", required_argument, NULL, OPT_MAX_MEMORY }, \
    { "max-depth", required_argument, NULL, OPT_MAX_DEPTH }, \
    { "allow-native", required_argument, NULL, OPT_ALLOW_NATIVE }, \
    { "trace", no_argument, NULL, OPT_TRACE }
/* binding inputs (data, assess, explain) */
#define CLI_FEED_OPTIONS \
    { "feed", required_argument, NULL, OPT_FEED }, { "on-bad-row", required_argument, NULL, OPT_ON_BAD_ROW }, \
    { "inputs", required_argument, NULL, OPT_INPUTS }
/* what bounds a feed's or hierarchy's file (every command that reads them) */
#define CLI_SIZE_OPTIONS \
    { "max-rows", required_argument, NULL, OPT_MAX_ROWS }, \
    { "max-columns", required_argument, NULL, OPT_MAX_COLUMNS }, \
    { "max-cell", required_argument, NULL, OPT_MAX_CELL }, \
    { "max-orgs", required_argument, NULL, OPT_MAX_ORGS }, \
    { "max-periods", required_argument, NULL, OPT_MAX_PERIODS }

/* their --help lines */
#define CLI_SIZE_HELP \
    "  --max-rows N, --max-columns N, --max-cell N[k|M], --max-orgs N, --max-periods N\n" \
    "                          bound what one feed or hierarchy may hold (defaults 1e9,\n" \
    "                          16384, 1M, 1e6, 1e5); past one exits 4 naming the line\n"

/* A command line as read: cli_parse checks the values that need neither a
 * state nor the command (numbers, NAME=PATH, --on-bad-row); the command
 * checks the rest (--format's names, dates, statuses). An option given
 * twice keeps its last value, except the lists. */
typedef struct CliOptions {
    const char **args;      size_t nargs;       /* the positional arguments, in order */
    const char **feeds;     size_t nfeeds;      /* --feed NAME=PATH */
    const char **systems;   size_t nsystems;    /* --system CODE */
    const char **natives;   size_t nnatives;    /* --allow-native LIB */
    const char **tables;    size_t ntables;     /* --table FEED=TABLE (sql) */
    const char *rules, *as_of, *format, *out, *fail_on, *item, *manifest, *archive, *filter;
    const char *inputs;                 /* --inputs FILE */
    const char *variations;             /* --variations FILE */
    const char *dialect;                /* --dialect (sql) */
    uint64_t    limits[CLI_LIMITS];     /* --max-steps ... --max-periods; 0: the default */
    uint64_t    threads;                /* 0: the default */
    bool        trace, skip_bad_rows, coverage, check, to_stdout;
    /* what --inputs added: the file read in a state of its own (its
     * strings are the options'), and the NAME=PATH texts made for it */
    pledge_state *inputs_S;
    char        **owned;    size_t nowned;
} CliOptions;

typedef struct Cli {
    const char   *name;         /* "assess" */
    const char   *usage;        /* its --help */
    pledge_state *S;
    bool          diagnosed;    /* an error diagnostic was printed since the last status handled */
    bool          bar;          /* a progress bar is on the terminal */
} Cli;

/* Reads argv (argv[0] is the command's name) with the command's table and
 * short options, then the --inputs file if one is named: its feeds and
 * the options the command takes, each where the command line gives none
 * (the command line wins). Returns -1 to go on, or the exit status: 0
 * after --help or --version (anywhere as an option: they win over usage
 * errors), 2 after a usage error (said), 3 for a bad inputs file (said). */
int cli_parse(Cli *c, int argc, char **argv, const char *shortopts, const struct option *table, CliOptions *o);
void cli_options_free(CliOptions *o);

/* Makes c->S configured from o; the exit status (0 when made). */
int cli_state(Cli *c, const CliOptions *o);
void cli_done(Cli *c);

/* A usage error: "pledge CMD: MESSAGE" and where the usage is; returns 2. */
int cli_usage(Cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A call's status: OK passes (0); FAILED (a test failed, a file would
 * change) is said by the output, so nothing is printed; otherwise prints
 * `WHO: pledge_error()`, WHO being "pledge" or "pledge CMD" (named), and
 * `what: ` before the error when what is not NULL; nothing when the
 * diagnostics above already said why. Returns the status. */
int cli_status(Cli *c, pledge_status st, bool named, const char *what);

/* A usage error if standard input would be read twice: by more than one
 * of the rule files and the --feed paths. */
int cli_one_stdin(Cli *c, const CliOptions *o, const char *const *rules, size_t nrules);
/* A round from RULES (a path or "-"); the exit status. */
int cli_load(Cli *c, const char *path, pledge_round **R);
/* Binds each --feed NAME=PATH to R. */
int cli_bind(Cli *c, pledge_round *R, const CliOptions *o);
/* Loads R's inputs, then clears the progress bar. */
int cli_load_inputs(Cli *c, pledge_round *R, bool require_all);
/* Clears the progress bar, if one is drawn. */
void cli_progress_done(Cli *c);

/* The command's output: path ("-" is standard output) through
 * pledge_output. cli_close commits it when rc is OK or FAILED (a failed
 * write makes it 3) and aborts it otherwise; returns the status. */
int cli_open(Cli *c, const char *path, pledge_output **o, FILE **out);
int cli_close(Cli *c, pledge_output *o, int rc);
/* The format of the command's output: --format, else -o's extension
 * (.json, .csv, .html), else text; a warning when the two disagree. */
pledge_format cli_output_format(Cli *c, const CliOptions *o);
/* What an `assess` run in format f will write beyond the statuses: the
 * JSON and HTML reports show charts' series and the inputs' digests; a
 * manifest or an archive records the digests too. One answer for the
 * loader's settings (cli_state) and the assessment's (run_assess). */
typedef struct CliAssessWants { bool series, digests; } CliAssessWants;
CliAssessWants cli_assess_wants(const CliOptions *o, pledge_format f);
/* The commands that load one round and write about it (disasm, doc) to
 * -o or standard output: `what` names the argument in the usage error. */
int cli_write_round(Cli *c, const CliOptions *o, const char *what, pledge_format format,
                    pledge_status (*write)(pledge_round *R, pledge_format format, FILE *out));

/* Whether f is a terminal that takes colours (NO_COLOR unset or empty). */
bool cli_color(FILE *f);
/* The columns of the terminal f is, else $COLUMNS, else 80. */
int cli_width(FILE *f);
/* The more serious of two exit statuses. */
int cli_worst(int a, int b);

/* A command: its name, its --help, its short options (after "-:") and
 * option table, and what it does once the state is made. */
typedef struct CliCommand {
    const char *name, *usage, *shortopts;
    const struct option *options;
    int (*run)(Cli *c, const CliOptions *o);
} CliCommand;

/* cmd_round.c */
extern const CliCommand cli_check, cli_compile, cli_disasm, cli_eval;
/* cmd_assess.c */
extern const CliCommand cli_data, cli_assess, cli_explain;
/* cmd_tools.c */
extern const CliCommand cli_test, cli_diff, cli_doc, cli_sql, cli_fmt, cli_replay, cli_history, cli_compare;

#endif
