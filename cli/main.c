/* main.c: the `pledge` command: finds the command named, reads its options
 * (cli/options.c), makes the state, runs it, and makes sure standard
 * output was written. Exit statuses are the pledge_status values. */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

static const char usage_main[] =
    "usage: pledge COMMAND [ARGS]\n"
    "\n"
    "Pledge evaluates NHS planning rounds written as rule files.\n"
    "\n"
    "commands:\n"
    "  check FILE...             check rule files; diagnostics as FILE:LINE:COL: error: MESSAGE\n"
    "  compile FILE -o OUT.plb   compile a rule file to a bytecode file\n"
    "  disasm FILE               list a compiled round's bytecode readably\n"
    "  eval [--rules FILE] [EXPR]  evaluate an expression, or a file's lets (a REPL without either)\n"
    "  data --rules FILE --feed NAME=PATH...  what the feeds hold: rows, organisations, periods, unmapped\n"
    "  assess RULES --feed NAME=PATH... [--as-of DATE] [--format F] [-o OUT]  assess every system\n"
    "  explain RULES --feed NAME=PATH... --system CODE --item ID  why a result came out as it did\n"
    "  test FILE... [--filter TEXT] [--format text|junit|json]  run the rule files' test blocks\n"
    "  diff OLD NEW [--feed NAME=PATH... --as-of DATE]  what a round changed against an earlier one\n"
    "  replay M.json             run again what assess --manifest M.json recorded; exit 0 only if identical\n"
    "  history --archive DB [--system CODE] [--item ID]  statuses from run to run (assess --archive DB)\n"
    "  compare A.json B.json     why results differ between two runs: rules, data, hierarchy or as-of date\n"
    "  doc RULES                 a readable summary of a round, in Markdown\n"
    "  sql RULES [--dialect D]   each feed's aggregation as one SQL query, for a warehouse\n"
    "  fmt [--check] FILE...     lay rule files out canonically\n"
    "\n"
    "options:\n"
    "  --help                    show this help (pledge COMMAND --help for one command)\n"
    "  --version                 show the version\n"
    "\n"
    "Options go before or after the arguments, as --opt VALUE or --opt=VALUE;\n"
    "-- ends them. A rule file or feed `-` is standard input, -o - standard output.\n"
    "data, assess, explain and diff take --inputs FILE: the feeds, as-of date and\n"
    "options in a file of `key = value` lines (docs/commands.md).\n"
    "\n"
    "exit status: 0 ran; 2 usage error; 3 bad input (or standard output cannot be\n"
    "written); 4 a runtime limit was hit; 5 internal error.\n";

static const CliCommand *const commands[] = {
    &cli_check, &cli_compile, &cli_disasm, &cli_eval, &cli_data, &cli_assess, &cli_explain,
    &cli_test, &cli_diff, &cli_replay, &cli_history, &cli_compare, &cli_doc, &cli_sql, &cli_fmt,
};

static int run(const CliCommand *cmd, int argc, char **argv)
{
    Cli c = { .name = cmd->name, .usage = cmd->usage };
    CliOptions o;
    int rc = cli_parse(&c, argc, argv, cmd->shortopts, cmd->options, &o);
    if (rc < 0) {
        rc = cli_state(&c, &o);
        if (rc == PLEDGE_OK) rc = cmd->run(&c, &o);
    }
    cli_done(&c);
    cli_options_free(&o);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return PLEDGE_ERR_USAGE;
    }
    const char *name = argv[1];
    int rc = -1;
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("pledge %s\n", pledge_version());
        rc = PLEDGE_OK;
    } else if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        fputs(usage_main, stdout);
        rc = PLEDGE_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0] && rc < 0; i++)
        if (strcmp(name, commands[i]->name) == 0) rc = run(commands[i], argc - 1, argv + 1);
    if (rc < 0) {
        fprintf(stderr, "pledge: unknown %s `%s`\n\n", name[0] == '-' ? "option" : "command", name);
        fputs(usage_main, stderr);
        return PLEDGE_ERR_USAGE;
    }
    /* whatever was written to standard output must have got there */
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc <= PLEDGE_FAILED) {
        bool named = name[0] != '-';
        fprintf(stderr, "pledge%s%s: cannot write to standard output\n", named ? " " : "", named ? name : "");
        rc = PLEDGE_ERR_INPUT;
    }
    return rc;
}
